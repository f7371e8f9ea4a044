//! `tail -f` for logs: a [`Read`] that waits for a file to grow, and
//! reopens it when it is rotated (another file now has its name) or
//! truncated (copytruncate rotation). When nothing new arrives within one
//! poll it returns `WouldBlock`, which tells the [`crate::LogReader`] that
//! the input is idle so that waiting messages are released instead of held
//! until the next line.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A followed file.
pub struct Follower {
    path: PathBuf,
    file: Option<File>,
    identity: Option<(u64, u64)>,
    offset: u64,
    interval: Duration,
    stop: Arc<AtomicBool>,
}

impl Follower {
    /// Follows `path`, starting at its end (`from_start` false, like
    /// `tail -f`) or its beginning; polls every `interval`. A file that does
    /// not exist yet is waited for.
    pub fn new(
        path: impl Into<PathBuf>,
        from_start: bool,
        interval: Duration,
    ) -> io::Result<Follower> {
        let mut f = Follower {
            path: path.into(),
            file: None,
            identity: None,
            offset: 0,
            interval,
            stop: Arc::new(AtomicBool::new(false)),
        };
        f.reopen()?;
        if !from_start {
            if let Some(file) = &mut f.file {
                f.offset = file.seek(SeekFrom::End(0))?;
            }
        }
        Ok(f)
    }

    /// A flag that, once set, makes the follower end its input (reads
    /// return 0) at its next poll.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    fn reopen(&mut self) -> io::Result<()> {
        match File::open(&self.path) {
            Ok(file) => {
                let meta = file.metadata()?;
                self.identity = Some((meta.dev(), meta.ino()));
                self.file = Some(file);
                self.offset = 0;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.file = None;
                self.identity = None;
                self.offset = 0;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Reopens when the name now points at another file or the file shrank.
    fn check_rotation(&mut self) -> io::Result<()> {
        match std::fs::metadata(&self.path) {
            Ok(meta) => {
                let moved = self.identity != Some((meta.dev(), meta.ino()));
                if moved || meta.len() < self.offset {
                    self.reopen()?;
                }
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn read_some(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(file) = &mut self.file else {
            return Ok(0);
        };
        let n = file.read(buf)?;
        self.offset += n as u64;
        Ok(n)
    }
}

impl Read for Follower {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(0);
        }
        let n = self.read_some(buf)?;
        if n > 0 {
            return Ok(n);
        }
        // At the end of the current file: rotated away? Read what the old
        // file still had first (done above), then switch.
        self.check_rotation()?;
        let n = self.read_some(buf)?;
        if n > 0 {
            return Ok(n);
        }
        std::thread::sleep(self.interval);
        if self.stop.load(Ordering::Relaxed) {
            return Ok(0);
        }
        let n = self.read_some(buf)?;
        if n > 0 {
            return Ok(n);
        }
        Err(io::Error::new(io::ErrorKind::WouldBlock, "no new data"))
    }
}
