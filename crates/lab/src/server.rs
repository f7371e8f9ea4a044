//! Starting and stopping one postmaster process and telling "ready" from
//! "died at start-up" from "hung". Shared by the per-process template and by
//! every [`crate::Cluster`], so both report a failed start the same way.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::binaries::PgBinaries;
use crate::error::LabError;
use crate::fsutil;
use crate::proc::{self, Watchdog};

/// How long a server may take to become ready.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a fast shutdown may take before the lab escalates.
const FAST_STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// How long an immediate shutdown may take before SIGKILL.
const QUIT_TIMEOUT: Duration = Duration::from_secs(5);

/// A postmaster this process started and has not reaped.
pub(crate) struct Running {
    child: Child,
    watchdog: Option<Watchdog>,
}

impl Running {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server: a fast shutdown (SIGINT) when `fast`, else an
    /// immediate one (SIGQUIT); escalates to SIGQUIT and then SIGKILL when
    /// the server does not exit in time.
    pub(crate) fn stop(mut self, fast: bool) {
        if let Some(w) = self.watchdog.take() {
            w.disarm();
        }
        let pid = self.child.id();
        if fast {
            proc::signal(pid, libc::SIGINT);
            if proc::wait_timeout(&mut self.child, FAST_STOP_TIMEOUT).is_some() {
                return;
            }
        }
        proc::signal(pid, libc::SIGQUIT);
        if proc::wait_timeout(&mut self.child, QUIT_TIMEOUT).is_some() {
            return;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process is still alive (reaps it when it is not).
    pub(crate) fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Only reached when `stop` was not called (it consumes self after
        // reaping); a server must never outlive its owner.
        if let Some(w) = self.watchdog.take() {
            w.disarm();
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            proc::signal(self.child.id(), libc::SIGQUIT);
            if proc::wait_timeout(&mut self.child, QUIT_TIMEOUT).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

/// What to start and where its output goes.
pub(crate) struct Launch<'a> {
    pub bins: &'a PgBinaries,
    pub ids: Option<(u32, u32)>,
    pub data_dir: &'a Path,
    /// Receives the server's stdout and stderr (appended).
    pub stderr_log: &'a Path,
    /// Further log files the server writes itself (logging collector).
    pub other_logs: &'a [PathBuf],
    /// LANG for the server process: decides the character set of messages
    /// written before a database is selected (authentication failures).
    pub lang: &'a str,
    /// Removed by the watchdog when this process dies.
    pub guard_dirs: &'a [&'a Path],
    pub cwd: &'a Path,
}

/// How a start attempt ended.
pub(crate) enum Started {
    Ready(Running),
    Exited { log: String, status: Option<i32> },
    Hung { log: String },
}

fn logs_since(paths: &[&Path], offsets: &[u64]) -> String {
    let mut text = String::new();
    for (p, off) in paths.iter().zip(offsets) {
        text.push_str(&fsutil::read_from(p, *off));
    }
    text
}

fn is_ready(data_dir: &Path) -> bool {
    // Line 8 of postmaster.pid is the postmaster's status; "ready" once it
    // accepts connections.
    fs::read_to_string(data_dir.join("postmaster.pid"))
        .map(|s| s.lines().nth(7).map(str::trim) == Some("ready"))
        .unwrap_or(false)
}

/// Starts the server and waits until it is ready, has exited, or
/// [`START_TIMEOUT`] passed (then it is stopped).
pub(crate) fn launch(l: &Launch<'_>) -> Result<Started, LabError> {
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(l.stderr_log)
        .map_err(|e| LabError::io_path("open", l.stderr_log, e))?;
    let log2 = log
        .try_clone()
        .map_err(|e| LabError::io_path("open", l.stderr_log, e))?;
    let mut paths: Vec<&Path> = vec![l.stderr_log];
    paths.extend(l.other_logs.iter().map(PathBuf::as_path));
    let offsets: Vec<u64> = paths.iter().map(|p| fsutil::size(p)).collect();

    let mut cmd = Command::new(l.bins.postgres());
    cmd.arg("-D")
        .arg(l.data_dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", l.lang)
        .current_dir(l.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log2))
        // Keeps a terminal's Ctrl-C away from the server; the watchdog
        // stops it when this process goes away.
        .process_group(0);
    if let Ok(tz) = std::env::var("TZ") {
        cmd.env("TZ", tz);
    }
    proc::as_server_user(&mut cmd, l.ids);
    let child = cmd
        .spawn()
        .map_err(|e| LabError::io(format!("run {}", l.bins.postgres().display()), e))?;
    let watchdog = Watchdog::spawn(child.id(), l.guard_dirs).ok();
    let mut running = Running { child, watchdog };

    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match running.child.try_wait() {
            Ok(Some(status)) => {
                if let Some(w) = running.watchdog.take() {
                    w.disarm();
                }
                // Let late writes of the exiting processes land.
                thread::sleep(Duration::from_millis(20));
                return Ok(Started::Exited {
                    log: logs_since(&paths, &offsets),
                    status: status.code(),
                });
            }
            Ok(None) => {}
            Err(e) => return Err(LabError::io("wait for the server process", e)),
        }
        if is_ready(l.data_dir) {
            return Ok(Started::Ready(running));
        }
        if Instant::now() >= deadline {
            running.stop(false);
            return Ok(Started::Hung {
                log: logs_since(&paths, &offsets),
            });
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// The server's own FATAL/PANIC lines without the log_line_prefix; the last
/// line of the log when there is none.
pub(crate) fn fatal_lines(log: &str, status: Option<i32>) -> String {
    let found: Vec<&str> = log
        .lines()
        .filter_map(|line| {
            ["FATAL:", "PANIC:"]
                .iter()
                .filter_map(|sev| line.find(sev))
                .min()
                .map(|i| &line[i..])
        })
        .collect();
    if !found.is_empty() {
        return found.join("\n");
    }
    match log.lines().rev().find(|l| !l.trim().is_empty()) {
        Some(last) => last.to_string(),
        None => match status {
            Some(code) => format!("the server exited with status {code} without logging anything"),
            None => "the server was killed by a signal without logging anything".to_string(),
        },
    }
}

/// Whether a failed start was caused by the port being taken meanwhile.
pub(crate) fn is_port_in_use(log: &str) -> bool {
    [
        "Address already in use",
        "アドレスは既に使用中です",
        "is another postmaster already running on port",
        "Is another postmaster already running on port",
    ]
    .iter()
    .any(|n| log.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_lines_strip_the_prefix_and_keep_every_fatal() {
        let log = "2026-11-28 16:15:34.365 UTC [14407] FATAL:  could not load server certificate file \"server.crt\": No such file or directory\n\
                   2026-11-28 16:15:34.365 UTC [14407] LOG:  database system is shut down\n";
        assert_eq!(
            fatal_lines(log, Some(1)),
            "FATAL:  could not load server certificate file \"server.crt\": No such file or directory"
        );
        let two = "x FATAL:  a\ny LOG:  b\nz PANIC:  c\n";
        assert_eq!(fatal_lines(two, Some(1)), "FATAL:  a\nPANIC:  c");
    }

    #[test]
    fn fatal_lines_fall_back_to_the_last_line_or_the_status() {
        assert_eq!(
            fatal_lines("a LOG:  one\nb LOG:  two\n\n", Some(1)),
            "b LOG:  two"
        );
        assert_eq!(
            fatal_lines("", Some(1)),
            "the server exited with status 1 without logging anything"
        );
        assert_eq!(
            fatal_lines("", None),
            "the server was killed by a signal without logging anything"
        );
    }

    #[test]
    fn port_in_use_is_recognised_in_english_and_japanese() {
        assert!(is_port_in_use(
            "LOG:  could not bind IPv4 address \"127.0.0.1\": Address already in use\n"
        ));
        assert!(is_port_in_use(
            "LOG:  IPv4アドレス\"127.0.0.1\"のbindに失敗しました: アドレスは既に使用中です\n"
        ));
        assert!(!is_port_in_use(
            "FATAL:  could not load server certificate file \"server.crt\": No such file or directory\n"
        ));
    }
}
