//! Where configuration files come from. Parsers that follow `include`
//! directives or `@file` lists read through [`Source`], so that tests can give
//! them in-memory fixtures ([`MemSource`]) and the binary gives them the real
//! file system ([`FsSource`]).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What kind of file system object a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Anything else (socket, device, ...).
    Other,
}

/// The facts about a file that the parsers use (libpq's `.pgpass` permission
/// rule, `include_dir` skipping directories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo {
    /// What kind of object it is.
    pub kind: FileKind,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Owner's user id.
    pub uid: u32,
    /// Owner's group id (PostgreSQL lets a root-owned key be read through
    /// the group).
    pub gid: u32,
}

/// One name in a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The file name (without directory).
    pub name: String,
}

/// Read access to configuration files.
pub trait Source {
    /// The whole content of a file. Bytes that are not UTF-8 are replaced
    /// (U+FFFD), which keeps them "high-bit letters" for the PostgreSQL lexer.
    fn read(&self, path: &Path) -> io::Result<String>;
    /// The names in a directory, in no particular order.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>>;
    /// Kind, mode and owner of a path (following symbolic links, as `stat`).
    fn metadata(&self, path: &Path) -> io::Result<FileInfo>;
}

/// The most pgtls reads of any one input file (configuration, certificate
/// bundle, key, target list). Real ones are kilobytes; the cap keeps a
/// mistaken path (a disk image, `/dev/zero`) from exhausting memory.
pub const MAX_INPUT_FILE: u64 = 64 * 1024 * 1024;

/// Reads a whole input file, refusing directories and anything over `limit`
/// bytes with an error that says which; device files and FIFOs that never
/// end stop at the limit too.
pub fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = fs::metadata(path)?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory, not a file",
        ));
    }
    if meta.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "is {} bytes, more than the {} bytes pgtls reads from one input file",
                meta.len(),
                limit
            ),
        ));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("holds more than the {limit} bytes pgtls reads from one input file"),
        ));
    }
    Ok(bytes)
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsSource;

impl Source for FsSource {
    fn read(&self, path: &Path) -> io::Result<String> {
        let bytes = read_limited(path, MAX_INPUT_FILE)?;
        Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        for entry in fs::read_dir(path)? {
            let entry = entry?;
            out.push(DirEntry {
                name: entry.file_name().to_string_lossy().into_owned(),
            });
        }
        Ok(out)
    }

    fn metadata(&self, path: &Path) -> io::Result<FileInfo> {
        let md = fs::metadata(path)?;
        let kind = if md.is_file() {
            FileKind::File
        } else if md.is_dir() {
            FileKind::Dir
        } else {
            FileKind::Other
        };
        #[cfg(unix)]
        let (mode, uid, gid) = {
            use std::os::unix::fs::MetadataExt;
            (md.mode() & 0o7777, md.uid(), md.gid())
        };
        #[cfg(not(unix))]
        let (mode, uid, gid) = (0o600, 0, 0);
        Ok(FileInfo {
            kind,
            mode,
            uid,
            gid,
        })
    }
}

#[derive(Debug, Clone)]
struct MemFile {
    content: String,
    mode: u32,
    uid: u32,
    gid: u32,
}

/// An in-memory file tree for tests and for callers that already hold the
/// file contents. Directories exist implicitly above every file, and can be
/// added empty with [`MemSource::dir`].
#[derive(Debug, Clone, Default)]
pub struct MemSource {
    files: BTreeMap<PathBuf, MemFile>,
    dirs: BTreeMap<PathBuf, MemDir>,
}

/// An in-memory directory's owner and permission bits.
#[derive(Debug, Clone, Copy)]
struct MemDir {
    mode: u32,
    uid: u32,
    gid: u32,
}

const DEFAULT_DIR: MemDir = MemDir {
    mode: 0o755,
    uid: 0,
    gid: 0,
};

impl MemSource {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file with mode 0600 owned by uid 0.
    pub fn file(self, path: impl AsRef<Path>, content: impl Into<String>) -> Self {
        self.file_with_mode(path, content, 0o600)
    }

    /// Adds a file with the given permission bits, owned by uid 0.
    pub fn file_with_mode(
        self,
        path: impl AsRef<Path>,
        content: impl Into<String>,
        mode: u32,
    ) -> Self {
        self.file_owned(path, content, mode, 0, 0)
    }

    /// Adds a file with the given permission bits, owner and group.
    pub fn file_owned(
        mut self,
        path: impl AsRef<Path>,
        content: impl Into<String>,
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Self {
        let path = path.as_ref().to_path_buf();
        self.add_parents(path.parent());
        self.files.insert(
            path,
            MemFile {
                content: content.into(),
                mode,
                uid,
                gid,
            },
        );
        self
    }

    /// Adds an (empty) directory.
    pub fn dir(mut self, path: impl AsRef<Path>) -> Self {
        self.add_parents(Some(path.as_ref()));
        self
    }

    /// Adds a directory (and its missing parents, mode 0755 root) with the
    /// given permission bits, owner and group; an existing one is changed.
    pub fn dir_owned(mut self, path: impl AsRef<Path>, mode: u32, uid: u32, gid: u32) -> Self {
        let path = path.as_ref();
        self.add_parents(path.parent());
        self.dirs
            .insert(path.to_path_buf(), MemDir { mode, uid, gid });
        self
    }

    fn add_parents(&mut self, mut cur: Option<&Path>) {
        while let Some(p) = cur {
            if p.as_os_str().is_empty() {
                break;
            }
            self.dirs.entry(p.to_path_buf()).or_insert(DEFAULT_DIR);
            cur = p.parent();
        }
    }
}

fn not_found() -> io::Error {
    io::Error::from_raw_os_error(2)
}

impl Source for MemSource {
    fn read(&self, path: &Path) -> io::Result<String> {
        match self.files.get(path) {
            Some(f) => Ok(f.content.clone()),
            None if self.dirs.contains_key(path) => Err(io::Error::from_raw_os_error(21)),
            None => Err(not_found()),
        }
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        if !self.dirs.contains_key(path) {
            return Err(if self.files.contains_key(path) {
                io::Error::from_raw_os_error(20)
            } else {
                not_found()
            });
        }
        let mut out = Vec::new();
        let children = self
            .files
            .keys()
            .chain(self.dirs.keys())
            .filter(|p| p.parent() == Some(path));
        for p in children {
            if let Some(name) = p.file_name() {
                out.push(DirEntry {
                    name: name.to_string_lossy().into_owned(),
                });
            }
        }
        Ok(out)
    }

    fn metadata(&self, path: &Path) -> io::Result<FileInfo> {
        if let Some(f) = self.files.get(path) {
            Ok(FileInfo {
                kind: FileKind::File,
                mode: f.mode,
                uid: f.uid,
                gid: f.gid,
            })
        } else if let Some(d) = self.dirs.get(path) {
            Ok(FileInfo {
                kind: FileKind::Dir,
                mode: d.mode,
                uid: d.uid,
                gid: d.gid,
            })
        } else {
            Err(not_found())
        }
    }
}
