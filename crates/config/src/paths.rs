//! Lexical path handling as PostgreSQL's `canonicalize_path` and
//! `join_path_components` do it: no file system access, so that in-memory
//! sources and recursion checks see the same names the server would.

use std::path::{Component, Path, PathBuf};

/// Whether `p` is absolute in PostgreSQL's sense (starts with `/`).
pub(crate) fn is_absolute(p: &str) -> bool {
    p.starts_with('/')
}

/// Removes `.` components, collapses `..` where a previous component exists,
/// and drops duplicate or trailing separators.
pub(crate) fn canonicalize(p: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// `location` made absolute against the directory `base_dir`, canonicalized.
pub(crate) fn resolve(base_dir: &Path, location: &str) -> PathBuf {
    if is_absolute(location) {
        canonicalize(Path::new(location))
    } else {
        canonicalize(&base_dir.join(location))
    }
}

/// The directory holding `file` (its parent, or `.` when it has none).
pub(crate) fn parent_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalize_collapses_dots() {
        assert_eq!(
            canonicalize(Path::new("/a/./b/../c//d/")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(canonicalize(Path::new("/../x")), PathBuf::from("/x"));
        assert_eq!(
            resolve(Path::new("/etc/pg"), "../x.conf"),
            PathBuf::from("/etc/x.conf")
        );
        assert_eq!(
            resolve(Path::new("/etc/pg"), "/abs/y"),
            PathBuf::from("/abs/y")
        );
    }
}
