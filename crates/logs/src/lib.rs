//! The log reader of pgtls: turns raw log bytes (PostgreSQL 15 stderr logs
//! with any `log_line_prefix`, csvlog, jsonlog, syslog-wrapped lines, Kong
//! and nginx error.log lines, Kong CLI output and pgbouncer's log; English or Japanese) into
//! structured [`Entry`] values, streaming, with bounded memory. It does not
//! classify messages: the diagnosis layer does that on the entries.
//!
//! ```no_run
//! use pgtls_logs::{expand, MultiReader, Options};
//! let inputs = expand(&["/var/log/postgresql".into()]).unwrap();
//! for entry in MultiReader::new(inputs, Options::default()) {
//!     println!("{}:{} {} {}", entry.file, entry.line, entry.severity, entry.message);
//! }
//! ```

mod assemble;
pub mod csv;
pub mod decode;
mod entry;
mod error;
pub mod facts;
mod follow;
mod format;
mod input;
pub mod json;
pub mod kong;
pub mod pgbouncer;
pub mod prefix;
mod reader;
pub mod syslog;
pub mod time;

pub use decode::DecodeStats;
pub use entry::{ContinuationKind, Entry, Facts, HbaMatch, Severity, SourceKind};
pub use error::Error;
pub use follow::Follower;
pub use format::{Format, FormatKind, FormatSpec};
pub use input::{expand, maybe_gunzip, open, Input, MultiReader};
pub use prefix::Prefix;
pub use reader::{read_all, LineFilter, Literals, LogReader, Options, Prefilter, Stats};
