//! The structured form of one log message. Every format (stderr with any
//! prefix, csvlog, jsonlog, syslog, Kong/nginx) is reduced to this one shape
//! so that the diagnosis layer classifies messages without knowing where
//! they came from.

use serde::Serialize;
use std::fmt;

/// Who wrote a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// The PostgreSQL server (any of its log formats).
    PostgresServer,
    /// Kong: its CLI output, or an nginx error.log line written by Kong's Lua code.
    Kong,
    /// nginx itself (error.log lines not attributable to Kong's Lua code).
    Nginx,
    /// pgbouncer, a pooler between the client and PostgreSQL.
    Pgbouncer,
    /// A line whose structure was not recognised.
    Unknown,
}

/// A continuation keyword: a line that belongs to the message before it
/// from the same process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContinuationKind {
    /// `DETAIL:` (`詳細:`).
    Detail,
    /// `HINT:` (`ヒント:`).
    Hint,
    /// `CONTEXT:` (`文脈:`).
    Context,
    /// `STATEMENT:` (`文:`).
    Statement,
    /// `LOCATION:` (`場所:`), with `log_error_verbosity = verbose`.
    Location,
    /// `QUERY:` (`問い合わせ:`), the internal query of a PL/pgSQL error.
    Query,
}

/// The severity of an entry, normalised across formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// `DEBUG` (PostgreSQL prints `DEBUG` for all five levels; the level is
    /// kept when the line names it, else 0).
    Debug(u8),
    /// `INFO`, nginx `info`.
    Info,
    /// `NOTICE`, nginx `notice`.
    Notice,
    /// `WARNING`, nginx `warn`.
    Warning,
    /// `ERROR`, nginx `error`, Kong CLI `Error:`.
    Error,
    /// `LOG` (PostgreSQL's server-side informational level, which is where
    /// TLS handshake failures are reported).
    Log,
    /// `FATAL`: the session ends.
    Fatal,
    /// `PANIC`: the server restarts.
    Panic,
    /// nginx `crit`, `alert` or `emerg`.
    Critical,
    /// A continuation line (DETAIL, HINT, ...) whose message was not seen
    /// (the message lies before the start of the input). It carries evidence
    /// for whatever message it belonged to, never a message of its own.
    Orphan(ContinuationKind),
    /// No severity could be read (raw, unrecognised lines).
    Unknown,
}

impl Severity {
    /// Reads a PostgreSQL severity word (English, or the Japanese of older
    /// translations; PostgreSQL 15's Japanese catalogue keeps them English).
    pub fn from_postgres_word(word: &str) -> Option<Severity> {
        Some(match word {
            "LOG" | "ログ" => Severity::Log,
            "FATAL" | "致命的エラー" => Severity::Fatal,
            "ERROR" | "エラー" => Severity::Error,
            "WARNING" | "警告" => Severity::Warning,
            "PANIC" | "パニック" => Severity::Panic,
            "INFO" | "情報" => Severity::Info,
            "NOTICE" | "注意" => Severity::Notice,
            "DEBUG" | "デバッグ" => Severity::Debug(0),
            "DEBUG1" => Severity::Debug(1),
            "DEBUG2" => Severity::Debug(2),
            "DEBUG3" => Severity::Debug(3),
            "DEBUG4" => Severity::Debug(4),
            "DEBUG5" => Severity::Debug(5),
            _ => return None,
        })
    }

    /// Reads an nginx error.log level (also Kong CLI's `verbose`).
    pub fn from_nginx_level(level: &str) -> Option<Severity> {
        Some(match level {
            "debug" | "verbose" => Severity::Debug(0),
            "info" => Severity::Info,
            "notice" => Severity::Notice,
            "warn" | "warning" => Severity::Warning,
            "error" => Severity::Error,
            "crit" | "alert" | "emerg" => Severity::Critical,
            _ => return None,
        })
    }

    /// True for the levels at which a connection or the server failed.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Severity::Error | Severity::Fatal | Severity::Panic | Severity::Critical
        )
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Severity::Debug(0) => f.write_str("DEBUG"),
            Severity::Debug(n) => write!(f, "DEBUG{n}"),
            Severity::Info => f.write_str("INFO"),
            Severity::Notice => f.write_str("NOTICE"),
            Severity::Warning => f.write_str("WARNING"),
            Severity::Error => f.write_str("ERROR"),
            Severity::Log => f.write_str("LOG"),
            Severity::Fatal => f.write_str("FATAL"),
            Severity::Panic => f.write_str("PANIC"),
            Severity::Critical => f.write_str("CRITICAL"),
            Severity::Orphan(k) => write!(f, "{}", k.keyword()),
            Severity::Unknown => f.write_str("UNKNOWN"),
        }
    }
}

impl ContinuationKind {
    /// Reads a continuation keyword, English or Japanese. A run of `?` is
    /// what a Japanese keyword becomes when the session's database encoding
    /// (e.g. SQL_ASCII) cannot represent it: `?` is `文` (STATEMENT), `???`
    /// is `ヒント` (HINT), and `??` could be DETAIL, CONTEXT or LOCATION, of
    /// which DETAIL is assumed.
    pub fn from_word(word: &str) -> Option<ContinuationKind> {
        Some(match word {
            "DETAIL" | "詳細" | "??" => ContinuationKind::Detail,
            "HINT" | "ヒント" | "???" => ContinuationKind::Hint,
            "CONTEXT" | "文脈" => ContinuationKind::Context,
            "STATEMENT" | "文" | "?" => ContinuationKind::Statement,
            "LOCATION" | "場所" => ContinuationKind::Location,
            "QUERY" | "問い合わせ" => ContinuationKind::Query,
            _ => return None,
        })
    }

    /// The English keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            ContinuationKind::Detail => "DETAIL",
            ContinuationKind::Hint => "HINT",
            ContinuationKind::Context => "CONTEXT",
            ContinuationKind::Statement => "STATEMENT",
            ContinuationKind::Location => "LOCATION",
            ContinuationKind::Query => "QUERY",
        }
    }
}

/// A pg_hba.conf line named by a `DETAIL: Connection matched pg_hba.conf line N: "..."`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HbaMatch {
    /// The line number in pg_hba.conf.
    pub line: u32,
    /// The line's text as the server quoted it.
    pub text: String,
}

/// Facts parsed from an entry's HINT and DETAIL that later layers need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// The TLS version range named by the server's HINT
    /// `...any SSL protocol version between TLSv1.2 and TLSv1.3.`: the
    /// server's own allowed range (min, max).
    pub ssl_range: Option<(String, String)>,
    /// The pg_hba.conf line the connection matched.
    pub hba: Option<HbaMatch>,
}

/// One log message with whatever structure its format revealed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Index of the input (in the order inputs were given, directories
    /// expanded) the entry came from.
    pub file: usize,
    /// 1-based line number of the entry's first line within that input.
    pub line: u64,
    /// The timestamp as written in the log.
    pub timestamp: Option<String>,
    /// The timestamp as milliseconds since the Unix epoch (UTC), when the
    /// written form names its zone (or is an epoch) and the zone is known.
    pub epoch_ms: Option<i64>,
    /// The process id of the writer (PostgreSQL backend, nginx worker).
    pub pid: Option<u32>,
    /// The severity.
    pub severity: Severity,
    /// The SQLSTATE code, when the format carries it.
    pub sql_state: Option<String>,
    /// The primary message text (continuation lines joined with `\n`).
    pub message: String,
    /// The DETAIL text.
    pub detail: Option<String>,
    /// The HINT text.
    pub hint: Option<String>,
    /// The CONTEXT text (for nginx lines: the `context:` field and any stack
    /// traceback that followed the line).
    pub context: Option<String>,
    /// The STATEMENT text.
    pub statement: Option<String>,
    /// The LOCATION text (source file and function of the message).
    pub location: Option<String>,
    /// The QUERY text (internal query).
    pub query: Option<String>,
    /// The database user.
    pub user: Option<String>,
    /// The database.
    pub database: Option<String>,
    /// The client host (`[local]` for a Unix socket).
    pub client_host: Option<String>,
    /// The client port.
    pub client_port: Option<u16>,
    /// The application name.
    pub application: Option<String>,
    /// The PostgreSQL backend type (csvlog/jsonlog, `%b`).
    pub backend_type: Option<String>,
    /// Who wrote the line.
    pub source: SourceKind,
    /// The entry's first physical line, decoded, without its line ending.
    pub raw: String,
    /// Facts parsed from HINT and DETAIL.
    pub facts: Facts,
}

impl Entry {
    /// An entry with only the fields every entry has; the parsers fill in
    /// the rest.
    pub fn new(file: usize, line: u64, source: SourceKind, raw: String) -> Entry {
        Entry {
            file,
            line,
            timestamp: None,
            epoch_ms: None,
            pid: None,
            severity: Severity::Unknown,
            sql_state: None,
            message: String::new(),
            detail: None,
            hint: None,
            context: None,
            statement: None,
            location: None,
            query: None,
            user: None,
            database: None,
            client_host: None,
            client_port: None,
            application: None,
            backend_type: None,
            source,
            raw,
            facts: Facts::default(),
        }
    }

    /// The field a continuation keyword fills.
    pub fn continuation_mut(&mut self, kind: ContinuationKind) -> &mut Option<String> {
        match kind {
            ContinuationKind::Detail => &mut self.detail,
            ContinuationKind::Hint => &mut self.hint,
            ContinuationKind::Context => &mut self.context,
            ContinuationKind::Statement => &mut self.statement,
            ContinuationKind::Location => &mut self.location,
            ContinuationKind::Query => &mut self.query,
        }
    }

    /// Adds a continuation's text; a second line of the same kind is
    /// joined with a newline rather than replacing the first.
    pub fn add_continuation(&mut self, kind: ContinuationKind, text: &str) {
        match self.continuation_mut(kind) {
            Some(existing) => {
                existing.push('\n');
                existing.push_str(text);
            }
            slot @ None => *slot = Some(text.to_owned()),
        }
    }

    /// Computes [`Facts`] from the HINT and DETAIL; called once the entry is
    /// complete.
    pub fn compute_facts(&mut self) {
        self.facts = crate::facts::parse(self);
    }
}
