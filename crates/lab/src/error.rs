//! The one error type of the lab, so that every caller (integration tests of
//! the other crates, `pgtls demo`, `pgtls setup`) can tell "PostgreSQL is not
//! installed" from "the server refused to start" from "a file could not be
//! written", and so that a failed start always carries the server's own log.

use std::fmt;
use std::io;

/// Everything that can go wrong while building a PKI or running a cluster.
#[derive(Debug)]
#[non_exhaustive]
pub enum LabError {
    /// No PostgreSQL server binaries (`postgres` and `initdb`) were found on
    /// `PATH`, through `pg_config --bindir`, or under `/usr/lib/postgresql`.
    PostgresMissing,
    /// A packaged PostgreSQL build of this major version is not in the
    /// lab's cache (see `lab/fetch-postgres.sh`).
    VersionMissing {
        /// The major version asked for.
        major: u32,
        /// Where the lab looked.
        dir: std::path::PathBuf,
    },
    /// The lab runs as root but there is no `postgres` account to run the
    /// server as (PostgreSQL refuses to run as root).
    NoServerUser,
    /// A file system or process operation failed.
    Io {
        /// What the lab was doing, e.g. `write /tmp/x/server.key`.
        context: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// OpenSSL refused to build a key or certificate.
    Crypto {
        /// What the lab was doing, e.g. `sign certificate for localhost`.
        context: String,
        /// OpenSSL's error queue.
        source: openssl::error::ErrorStack,
    },
    /// A helper program (`initdb`, `psql`, ...) ran but failed.
    Command {
        /// The program and what it was asked to do.
        program: String,
        /// Its exit status, or -1 when it was killed or timed out.
        status: i32,
        /// What it printed on stdout and stderr.
        output: String,
    },
    /// The server process exited before it was ready to accept connections.
    StartFailed {
        /// The server's own FATAL (or PANIC) line(s), without the
        /// `log_line_prefix`, e.g. `FATAL:  could not load server
        /// certificate file "server.crt": No such file or directory`. When the
        /// server printed no such line, the last line it printed.
        fatal: String,
        /// Everything the server wrote during this start attempt.
        log: String,
    },
    /// Something the lab waited for did not happen in time.
    Timeout {
        /// What the lab was waiting for.
        what: String,
        /// The server log at that moment (empty when no server was involved).
        log: String,
    },
    /// A statement run through [`crate::Cluster::sql`] failed.
    Sql {
        /// The statement.
        sql: String,
        /// psql's error output.
        stderr: String,
    },
    /// pgbouncer is not installed at [`crate::PGBOUNCER_PATH`].
    PgbouncerMissing,
    /// pgbouncer exited before it listened.
    PoolerStartFailed {
        /// pgbouncer's own FATAL line(s), e.g. `FATAL cannot load
        /// certificate file ...`; the last line it printed when there is none.
        fatal: String,
        /// Everything pgbouncer wrote during this start attempt.
        log: String,
    },
    /// The caller asked for something the lab cannot do (a data file name
    /// that leaves the data directory, a setting the lab owns, ...).
    InvalidSpec(String),
}

impl LabError {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> LabError {
        LabError::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn io_path(verb: &str, path: &std::path::Path, source: io::Error) -> LabError {
        LabError::io(format!("{verb} {}", path.display()), source)
    }

    pub(crate) fn crypto(
        context: impl Into<String>,
        source: openssl::error::ErrorStack,
    ) -> LabError {
        LabError::Crypto {
            context: context.into(),
            source,
        }
    }

    /// The server log carried by this error, if any.
    pub fn server_log(&self) -> Option<&str> {
        match self {
            LabError::StartFailed { log, .. }
            | LabError::PoolerStartFailed { log, .. }
            | LabError::Timeout { log, .. } => Some(log),
            _ => None,
        }
    }
}

/// Keeps a Display message readable: the end of a server log is what
/// explains a failure, the beginning is start-up noise.
fn log_tail(log: &str) -> String {
    const LINES: usize = 40;
    let lines: Vec<&str> = log.lines().collect();
    let start = lines.len().saturating_sub(LINES);
    lines[start..].join("\n")
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::PostgresMissing => write!(
                f,
                "PostgreSQL server binaries not found; install them with: apt-get install -y postgresql"
            ),
            LabError::VersionMissing { major, dir } => write!(
                f,
                "PostgreSQL {major} is not in the lab cache ({}); fetch it with: lab/fetch-postgres.sh {major}",
                dir.display()
            ),
            LabError::NoServerUser => write!(
                f,
                "running as root but there is no `postgres` account to run the server as"
            ),
            LabError::Io { context, source } => write!(f, "could not {context}: {source}"),
            LabError::Crypto { context, source } => write!(f, "could not {context}: {source}"),
            LabError::Command {
                program,
                status,
                output,
            } => write!(f, "{program} failed (exit status {status}): {}", output.trim_end()),
            LabError::StartFailed { fatal, log } => {
                write!(f, "postgresql did not start: {fatal}")?;
                if !log.is_empty() {
                    write!(f, "\nserver log:\n{}", log_tail(log))?;
                }
                Ok(())
            }
            LabError::PgbouncerMissing => write!(
                f,
                "pgbouncer not found at {}; install it with: apt-get install -y pgbouncer",
                crate::PGBOUNCER_PATH
            ),
            LabError::PoolerStartFailed { fatal, log } => {
                write!(f, "pgbouncer did not start: {fatal}")?;
                if !log.is_empty() {
                    write!(f, "\npgbouncer log:\n{}", log_tail(log))?;
                }
                Ok(())
            }
            LabError::Timeout { what, log } => {
                write!(f, "timed out waiting for {what}")?;
                if !log.is_empty() {
                    write!(f, "\nserver log:\n{}", log_tail(log))?;
                }
                Ok(())
            }
            LabError::Sql { sql, stderr } => {
                write!(f, "sql failed: {}: {}", sql.trim(), stderr.trim_end())
            }
            LabError::InvalidSpec(msg) => write!(f, "invalid lab request: {msg}"),
        }
    }
}

impl std::error::Error for LabError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LabError::Io { source, .. } => Some(source),
            LabError::Crypto { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A path that the lab could not represent for a configuration file.
pub(crate) fn path_not_utf8(path: &std::path::Path) -> LabError {
    LabError::InvalidSpec(format!("path is not valid UTF-8: {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_missing_says_how_to_install() {
        assert_eq!(
            LabError::PostgresMissing.to_string(),
            "PostgreSQL server binaries not found; install them with: apt-get install -y postgresql"
        );
    }

    #[test]
    fn start_failed_shows_the_fatal_and_the_end_of_the_log() {
        let log: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let e = LabError::StartFailed {
            fatal: "FATAL:  boom".to_string(),
            log,
        };
        let text = e.to_string();
        assert!(text.starts_with("postgresql did not start: FATAL:  boom\nserver log:\n"));
        assert!(text.ends_with("line 99"));
        assert!(!text.contains("line 59\n"));
        assert!(e.server_log().is_some());
    }

    #[test]
    fn errors_are_send_and_sync() {
        fn is<T: Send + Sync + std::error::Error>() {}
        is::<LabError>();
    }
}
