//! Putting the plan on disk without ever exposing a key or clobbering a
//! file: every file is written to a temporary file in the same directory
//! (created 0600, so a key is never readable by others, not even for a
//! moment), flushed, given its final mode and renamed into place. Existing
//! files are checked before anything is written, so a refused run leaves the
//! directory as it was; symbolic links are refused outright.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::Plan;
use crate::error::SetupError;

/// Writes every planned file into `plan.out` (created 0755 when missing).
/// Without `force`, nothing is written when any of the files exists. A
/// symbolic link in place of a file is refused, with or without `force`.
/// Returns the paths written, in order.
pub fn write(plan: &Plan, force: bool) -> Result<Vec<PathBuf>, SetupError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(&plan.out)
        .map_err(|e| SetupError::io(format!("create directory {}", plan.out.display()), e))?;

    let mut existing = Vec::new();
    for f in &plan.files {
        let path = plan.out.join(f.name);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => return Err(SetupError::Symlink(path)),
            Ok(meta) if !meta.is_file() => return Err(SetupError::NotAFile(path)),
            Ok(_) => existing.push(path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(SetupError::io(format!("inspect {}", path.display()), e)),
        }
    }
    if !existing.is_empty() && !force {
        return Err(SetupError::Exists(existing));
    }

    let mut written = Vec::new();
    for f in &plan.files {
        let path = plan.out.join(f.name);
        write_atomic(&path, &f.bytes, f.mode, force)?;
        written.push(path);
    }
    // The renames are durable only once the directory itself is.
    if let Ok(dir) = fs::File::open(&plan.out) {
        let _ = dir.sync_all();
    }
    Ok(written)
}

/// Writes `bytes` to `path` through a temporary file and a rename. With
/// `replace`, an existing file (or a link planted since the check: rename
/// replaces the link itself, never its target) is replaced; without, the
/// rename fails when `path` exists.
fn write_atomic(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> Result<(), SetupError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".pgtls-setup-")
        .tempfile_in(dir)
        .map_err(|e| SetupError::io(format!("create a temporary file in {}", dir.display()), e))?;
    let ctx = |what: &str| format!("{what} {}", path.display());
    tmp.write_all(bytes)
        .map_err(|e| SetupError::io(ctx("write"), e))?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|e| SetupError::io(ctx("set permissions of"), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| SetupError::io(ctx("flush"), e))?;
    if replace {
        tmp.persist(path)
            .map_err(|e| SetupError::io(ctx("rename into"), e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                SetupError::Exists(vec![path.to_path_buf()])
            } else {
                SetupError::io(ctx("rename into"), e.error)
            }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::{plan, SetupOptions};

    fn dir_listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn keys_are_0600_and_no_temporary_file_remains() {
        let tmp = tempfile::tempdir().unwrap();
        let p = plan(&SetupOptions::new(tmp.path().join("out"))).unwrap();
        let written = write(&p, false).unwrap();
        assert_eq!(written.len(), p.files.len());
        for f in &p.files {
            let meta = fs::metadata(p.out.join(f.name)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, f.mode, "{}", f.name);
        }
        assert!(dir_listing(&p.out)
            .iter()
            .all(|n| !n.starts_with(".pgtls-setup-")));
    }

    #[test]
    fn existing_files_stop_the_run_before_anything_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let p = plan(&SetupOptions::new(tmp.path())).unwrap();
        fs::write(tmp.path().join("server.key"), b"mine").unwrap();
        match write(&p, false) {
            Err(SetupError::Exists(paths)) => assert_eq!(paths, [tmp.path().join("server.key")]),
            other => panic!("expected Exists, got {other:?}"),
        }
        assert_eq!(dir_listing(tmp.path()), ["server.key"]);
        assert_eq!(fs::read(tmp.path().join("server.key")).unwrap(), b"mine");
        write(&p, true).unwrap();
        assert_ne!(fs::read(tmp.path().join("server.key")).unwrap(), b"mine");
    }

    #[test]
    fn a_symlink_is_never_followed_even_with_force() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("elsewhere");
        fs::write(&target, b"precious").unwrap();
        let out = tmp.path().join("out");
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&target, out.join("client.key")).unwrap();
        let p = plan(&SetupOptions::new(&out)).unwrap();
        for force in [false, true] {
            assert!(matches!(write(&p, force), Err(SetupError::Symlink(_))));
        }
        assert_eq!(fs::read(&target).unwrap(), b"precious");
    }
}
