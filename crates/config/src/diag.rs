//! Per-line findings that the parsers report instead of failing: a file with
//! a bad line is still parsed to the end, the way PostgreSQL, Kong and libpq
//! keep reading, and every problem carries the `file:line` it came from so the
//! caller can print compiler-style messages.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// Where an item was read: a file and a 1-based line number.
///
/// The path is shared between all items of one file, so a large file does not
/// store its name once per line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file, as the parser resolved it (absolute when the caller gave an
    /// absolute path).
    pub file: Arc<Path>,
    /// 1-based line number; for a line continued with a backslash, its first line.
    pub line: usize,
}

impl Location {
    /// A location in `file` at `line`.
    pub fn new(file: Arc<Path>, line: usize) -> Self {
        Location { file, line }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// How serious a finding is, from the point of view of the program that
/// reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The program rejects the line or the file (PostgreSQL refuses to start
    /// or to reload, libpq refuses to connect, Kong refuses to start).
    Error,
    /// Accepted, but almost certainly not what was meant, or ignored at run time.
    Warning,
    /// Information that explains how the file was read.
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// One finding about a configuration file.
///
/// `message` is the reading program's own text wherever it has one (for
/// PostgreSQL the server log's message, e.g. `invalid connection type "x"`), so
/// that the same wording can be matched in logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// Where, when the finding belongs to a line.
    pub location: Option<Location>,
    /// The message, lowercase, without a trailing period.
    pub message: String,
    /// A DETAIL line, when the reading program prints one.
    pub detail: Option<String>,
    /// A HINT line, when the reading program prints one.
    pub hint: Option<String>,
    /// Japanese for pgtls's own message and hint (the server's own log
    /// lines stay as the server writes them); boxed, as most have none.
    pub ja: Option<Box<Japanese>>,
}

/// The Japanese of a [`Diagnostic`]'s own texts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Japanese {
    /// The message, when it is pgtls's own.
    pub message: Option<String>,
    /// The hint, when it is pgtls's own.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A finding without detail or hint.
    pub fn new(severity: Severity, location: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            location,
            message: message.into(),
            detail: None,
            hint: None,
            ja: None,
        }
    }

    /// An error at `location`.
    pub fn error(location: Option<Location>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, location, message)
    }

    /// A warning at `location`.
    pub fn warning(location: Option<Location>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, location, message)
    }

    /// A note at `location`.
    pub fn note(location: Option<Location>, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, location, message)
    }

    /// The same finding with a HINT line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same finding with a hint of pgtls's own, in English and Japanese.
    pub fn with_hints(mut self, en: impl Into<String>, ja: impl Into<String>) -> Self {
        self.hint = Some(en.into());
        self.ja.get_or_insert_with(Box::default).hint = Some(ja.into());
        self
    }

    /// The same finding with the Japanese of a message of pgtls's own.
    pub fn with_message_ja(mut self, ja: impl Into<String>) -> Self {
        self.ja.get_or_insert_with(Box::default).message = Some(ja.into());
        self
    }

    /// The message in `ja` (Japanese) or English.
    pub fn message_in(&self, ja: bool) -> &str {
        match self.ja.as_ref().and_then(|j| j.message.as_deref()) {
            Some(m) if ja => m,
            _ => &self.message,
        }
    }

    /// The hint in `ja` (Japanese) or English.
    pub fn hint_in(&self, ja: bool) -> Option<&str> {
        match self.ja.as_ref().and_then(|j| j.hint.as_deref()) {
            Some(h) if ja => Some(h),
            _ => self.hint.as_deref(),
        }
    }

    /// The same finding with a DETAIL line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Whether this finding is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        write!(f, "{}: {}", self.severity, self.message)
    }
}
