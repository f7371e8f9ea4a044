//! Errors of the log reader. A log line that cannot be parsed is not an
//! error (it becomes a raw entry); these are the conditions under which an
//! input, or part of it, could not be read at all.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why an input (or an option describing how to read it) could not be used.
#[derive(Debug)]
pub enum Error {
    /// A file or directory named as input could not be opened or listed.
    Open {
        /// The path as given (or found inside a directory).
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Reading failed part-way through an input; what was read before is kept.
    Read {
        /// The input's display name (a path, or `-` for standard input).
        name: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// A gzip-compressed input ended before its end marker (a partial copy
    /// or a rotated file still being written); what was decompressed before
    /// is kept.
    TruncatedGzip {
        /// The input's display name.
        name: String,
    },
    /// An explicit `log_line_prefix` could not be compiled.
    Prefix {
        /// The prefix as given.
        prefix: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A prefilter could not be built from the literals given.
    Prefilter {
        /// Why.
        reason: String,
    },
    /// A format name that the reader does not know.
    UnknownFormat {
        /// The name as given.
        name: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Open { path, source } => {
                write!(f, "cannot open {}: {}", path.display(), source)
            }
            Error::Read { name, source } => write!(f, "error reading {name}: {source}"),
            Error::TruncatedGzip { name } => {
                write!(
                    f,
                    "{name}: gzip stream is truncated, the rest of this input is lost"
                )
            }
            Error::Prefix { prefix, reason } => {
                write!(f, "invalid log_line_prefix {prefix:?}: {reason}")
            }
            Error::Prefilter { reason } => write!(f, "cannot build the line prefilter: {reason}"),
            Error::UnknownFormat { name } => write!(
                f,
                "unknown log format {name:?} (expected auto, stderr, csv, json, syslog or kong)"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Open { source, .. } | Error::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}
