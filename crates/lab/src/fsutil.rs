//! File helpers with exact modes and owners. PostgreSQL and libpq both check
//! the permission bits and owner of key files, so the lab must never leave
//! them to the umask or to whoever happened to create the file.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::LabError;

/// Writes `bytes` to `path` (replacing it) and sets exactly `mode`.
pub(crate) fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), LabError> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .map_err(|e| LabError::io_path("write", path, e))?;
    f.write_all(bytes)
        .map_err(|e| LabError::io_path("write", path, e))?;
    set_mode(path, mode)
}

pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<(), LabError> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| LabError::io_path("set permissions of", path, e))
}

pub(crate) fn chown(path: &Path, uid: u32, gid: u32) -> Result<(), LabError> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))
        .map_err(|e| LabError::io_path("change owner of", path, e))
}

/// Changes the owner of `path` and everything below it.
pub(crate) fn chown_tree(path: &Path, uid: u32, gid: u32) -> Result<(), LabError> {
    chown(path, uid, gid)?;
    let meta = fs::symlink_metadata(path).map_err(|e| LabError::io_path("inspect", path, e))?;
    if meta.is_dir() {
        let entries = fs::read_dir(path).map_err(|e| LabError::io_path("list", path, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| LabError::io_path("list", path, e))?;
            chown_tree(&entry.path(), uid, gid)?;
        }
    }
    Ok(())
}

/// Copies the tree at `src` to `dst` (which must not exist), keeping the
/// permission bits of every file and directory.
pub(crate) fn copy_tree(src: &Path, dst: &Path) -> Result<(), LabError> {
    let meta = fs::symlink_metadata(src).map_err(|e| LabError::io_path("inspect", src, e))?;
    let ft = meta.file_type();
    if ft.is_dir() {
        fs::create_dir(dst).map_err(|e| LabError::io_path("create directory", dst, e))?;
        let entries = fs::read_dir(src).map_err(|e| LabError::io_path("list", src, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| LabError::io_path("list", src, e))?;
            copy_tree(&entry.path(), &dst.join(entry.file_name()))?;
        }
        set_mode(dst, meta.permissions().mode() & 0o7777)
    } else if ft.is_symlink() {
        let target = fs::read_link(src).map_err(|e| LabError::io_path("read link", src, e))?;
        std::os::unix::fs::symlink(&target, dst)
            .map_err(|e| LabError::io_path("create link", dst, e))
    } else {
        // fs::copy keeps the permission bits.
        fs::copy(src, dst).map_err(|e| LabError::io_path("copy to", dst, e))?;
        Ok(())
    }
}

/// Checks that `name` is a relative path that stays inside the directory it
/// is joined to, and returns it joined.
pub(crate) fn inside(dir: &Path, name: &str) -> Result<PathBuf, LabError> {
    let p = Path::new(name);
    let ok = !name.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !ok {
        return Err(LabError::InvalidSpec(format!(
            "file name {name:?} must be a relative path inside the data directory"
        )));
    }
    Ok(dir.join(p))
}

/// Reads `path` from byte `offset` on, as text (invalid UTF-8 replaced).
/// A file that does not exist (yet) reads as empty.
pub(crate) fn read_from(path: &Path, offset: u64) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = fs::File::open(path) else {
        return String::new();
    };
    if f.seek(SeekFrom::Start(offset)).is_err() {
        return String::new();
    }
    let mut buf = Vec::new();
    if f.read_to_end(&mut buf).is_err() {
        return String::new();
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// The size of `path`, 0 when it does not exist.
pub(crate) fn size(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Polls `read` (a log read from a mark) until it holds `needle`, and
/// returns that text; servers write a connection's lines a few
/// milliseconds after the client has returned. `what` names the log in the
/// timeout error.
pub(crate) fn wait_for_text(
    read: impl Fn() -> String,
    needle: &str,
    timeout: Duration,
    what: &str,
) -> Result<String, LabError> {
    let deadline = Instant::now() + timeout;
    loop {
        let text = read();
        if text.contains(needle) {
            return Ok(text);
        }
        if Instant::now() >= deadline {
            return Err(LabError::Timeout {
                what: format!("{needle:?} in the {what}"),
                log: text,
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
