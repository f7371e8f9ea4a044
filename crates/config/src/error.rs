//! The errors that stop a parser from running at all. A bad line is not one
//! of them: it is a [`crate::Diagnostic`] in the parse result.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// The configuration could not be read at all.
#[derive(Debug)]
pub enum ConfigError {
    /// The top-level file could not be read (included files that cannot be
    /// read are reported as diagnostics instead, as the servers do).
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// Why it could not be read.
        source: io::Error,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, source } => {
                write!(
                    f,
                    "could not read \"{}\": {}",
                    path.display(),
                    strerror(source)
                )
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Read { source, .. } => Some(source),
        }
    }
}

/// The C library's wording of an I/O error (`No such file or directory`),
/// which is what PostgreSQL prints for `%m`; Rust's own `Display` appends
/// ` (os error N)`.
pub(crate) fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}
