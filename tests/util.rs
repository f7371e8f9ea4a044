//! Running the built `pgtls` binary the way a user would.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Output, Stdio};

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}): {}\n{}", self.stdout, self.stderr)
        })
    }

    /// The status and JSON of a run that found something or nothing (exit
    /// 0 or 1); any other exit means `what` could not run.
    pub fn report(&self, what: &str) -> (i32, serde_json::Value) {
        assert!(
            self.status == 0 || self.status == 1,
            "{what} could not run (status {}): stdout {} stderr {}",
            self.status,
            self.stdout,
            self.stderr
        );
        (self.status, self.json())
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Wide enough that no line is wrapped: the tests look for phrases, which
/// a line break could split; tests/fits.rs tests the layout at 80 columns.
pub const UNWRAPPED: &str = "1000";

/// The pgtls command with a clean locale (so the default language is
/// English), no colour and no wrapping.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgtls"));
    cmd.args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C")
        .env("NO_COLOR", "1")
        .env("COLUMNS", UNWRAPPED);
    cmd
}

/// Runs pgtls with a clean locale and no colour.
pub fn pgtls(args: &[&str]) -> Run {
    pgtls_with_stdin(args, None)
}

pub fn pgtls_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = command(args);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("pgtls binary runs");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    child.wait_with_output().expect("pgtls finishes").into()
}

/// Runs pgtls like [`pgtls`], without a PGTLS_PG_BINDIR from the test's
/// environment, and with `env` added.
pub fn pgtls_env(args: &[&str], env: &[(&str, &OsStr)]) -> Run {
    let mut cmd = command(args);
    cmd.env_remove("PGTLS_PG_BINDIR").stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("pgtls runs").into()
}
