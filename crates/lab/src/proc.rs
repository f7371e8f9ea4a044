//! Process plumbing: which account runs the server, running helper programs
//! with a time limit, signalling the server by its own pid, and cleaning up
//! after a test process that dies without running destructors.
//!
//! The clean-up uses a small `sh` guard per server (and per shared temporary
//! directory) that waits for end-of-file on a pipe whose only writer is this
//! process: when the process ends for any reason (normal exit with clusters
//! still in statics, panic abort, SIGKILL from a test timeout) the kernel
//! closes the pipe and the guard stops the server and removes its files, so
//! no orphaned postmaster keeps a port and memory on a shared machine.

use std::ffi::CString;
use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::LabError;

/// The login name of the account that runs the server when the lab runs as
/// root.
pub const SERVER_ACCOUNT: &str = "postgres";

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The uid and gid the server runs as: those of [`SERVER_ACCOUNT`] when
/// this process is root, `None` (run as the current user) otherwise.
pub fn server_ids() -> Result<Option<(u32, u32)>, LabError> {
    if !is_root() {
        return Ok(None);
    }
    lookup_user(SERVER_ACCOUNT)
        .map(Some)
        .ok_or(LabError::NoServerUser)
}

fn lookup_user(name: &str) -> Option<(u32, u32)> {
    let cname = CString::new(name).ok()?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: passwd is plain old data; getpwnam_r fills it and points its
    // strings into `buf`, which outlives every use below.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the stated lengths.
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() {
        return None;
    }
    Some((pwd.pw_uid, pwd.pw_gid))
}

/// Sends `sig` to `pid`. Only ever called with the pid of a child this
/// process spawned and has not yet reaped, so the pid cannot have been
/// reused.
pub(crate) fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: kill has no memory-safety preconditions.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// Waits up to `timeout` for `child` to exit; `Some(status)` when it did.
pub(crate) fn wait_timeout(
    child: &mut Child,
    timeout: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => {}
            Err(_) => return None,
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn read_in_thread<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// What a helper program did.
pub(crate) struct RunOutput {
    /// Exit code; `None` when killed by a signal or by the time limit.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

/// Runs `cmd` to completion with a time limit, capturing its output. The
/// program is killed when the limit passes.
pub(crate) fn run(mut cmd: Command, timeout: Duration) -> io::Result<RunOutput> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let out_t = read_in_thread(child.stdout.take());
    let err_t = read_in_thread(child.stderr.take());
    let (status, timed_out) = match wait_timeout(&mut child, timeout) {
        Some(s) => (s.code(), false),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            (None, true)
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    Ok(RunOutput {
        status,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        timed_out,
    })
}

/// A guard process that stops a server and removes a directory when this
/// process ends without [`Watchdog::disarm`] having been called.
pub(crate) struct Watchdog {
    child: Child,
}

const WATCHDOG_SCRIPT: &str = r#"read _ignored
if [ "$1" != 0 ]; then
  kill -QUIT "$1" 2>/dev/null
  n=0
  while kill -0 "$1" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done
  kill -KILL "$1" 2>/dev/null
fi
shift
if [ $# -gt 0 ]; then rm -rf -- "$@"; fi
"#;

fn spawn_guard(pid: u32, remove: &[&Path]) -> io::Result<Child> {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(WATCHDOG_SCRIPT)
        .arg("pgtls-lab-guard")
        .arg(pid.to_string())
        .args(remove.iter().filter(|p| !p.as_os_str().is_empty()))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: a Ctrl-C aimed at the test run must not
        // kill the guard before it has cleaned up.
        .process_group(0);
    cmd.spawn()
}

impl Watchdog {
    /// Guards server `pid` and the directories in `remove`.
    pub(crate) fn spawn(pid: u32, remove: &[&Path]) -> io::Result<Watchdog> {
        Ok(Watchdog {
            child: spawn_guard(pid, remove)?,
        })
    }

    /// Ends the guard without letting it act; called before this process
    /// stops the server itself.
    pub(crate) fn disarm(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // A Watchdog dropped without disarm still must not act on a pid that
        // the caller is about to reap; killing it is always the safe choice.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes `dir` when this process ends, however it ends (also on a signal
/// that skips destructors, such as Ctrl-C). Best effort: when the guard
/// cannot be started the directory is left behind.
pub fn remove_at_exit(dir: &Path) {
    if let Ok(child) = spawn_guard(0, &[dir]) {
        // The guard must outlive every destructor: its stdin pipe is closed
        // by the kernel only when this process is gone.
        std::mem::forget(child);
    }
}

/// The current user's uid and gid.
pub(crate) fn current_ids() -> (u32, u32) {
    // SAFETY: getuid/getgid cannot fail.
    unsafe { (libc::getuid(), libc::getgid()) }
}

/// Sets up `cmd` to run as the server account (when root).
pub(crate) fn as_server_user(cmd: &mut Command, ids: Option<(u32, u32)>) {
    if let Some((uid, gid)) = ids {
        cmd.uid(uid).gid(gid);
    }
}

/// Turns a finished helper into an error when it failed.
pub(crate) fn check(program: &str, out: RunOutput) -> Result<RunOutput, LabError> {
    if out.status == Some(0) {
        return Ok(out);
    }
    let mut output = out.stdout.clone();
    output.push_str(&out.stderr);
    if out.timed_out {
        output.push_str("\n(killed after the time limit)");
    }
    Err(LabError::Command {
        program: program.to_string(),
        status: out.status.unwrap_or(-1),
        output,
    })
}
