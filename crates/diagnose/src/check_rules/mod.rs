//! `pgtls check`: what will fail, read from the configuration files alone.
//!
//! Half of the failures in the catalogue are FATALs at server start (a
//! missing certificate, a key with the wrong owner or mode, a key that is not
//! the certificate's) and the other half are disagreements between the
//! server's files and the client's that nobody sees until the first
//! connection. These rules read postgresql.conf (with its includes),
//! pg_hba.conf, pg_ident.conf, the certificate and key files they name, and
//! the client's settings (kong.conf with `KONG_*`, or a libpq connection
//! string), and predict, as PostgreSQL 15, libpq 15 and Kong would decide:
//! whether the server starts and with which FATAL, and what a given client
//! connection runs into. Nothing is written, nothing is connected to, no
//! passphrase command is run.
//!
//! Every finding points at the `file:line` that decides it (or at the file
//! itself when a built-in default decides) and carries the change to paste.

pub mod access;
pub mod accounts;
mod auth_methods;
mod client;
mod conn;
mod key_search;
pub mod pooler;
mod server;
pub(crate) use server::renewal_into;

use std::fmt;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use pgtls_catalogue::Code;
pub use pgtls_config as config;
use pgtls_config::hba::HbaFile;
use pgtls_config::ident::IdentFile;
use pgtls_config::postgresql_conf::{self, LoadOptions, Origin, PostgresqlConf, TlsSettings};
use pgtls_config::{Diagnostic, Location, Severity as DiagSeverity, Source, TlsVersion};

use crate::finding::{Evidence, Finding};
use accounts::{Account, Accounts};

pub(crate) use conn::identity_ident_line;
pub(crate) use conn::{ident_pg_user_token, ident_system_token};
pub use conn::{parse_match, MatchHost, MatchReport, MatchSpec, MatchedLine};

/// Certificates are reported as expiring soon (PGTLS023) this many days
/// before their notAfter.
pub const DEFAULT_WARN_DAYS: i64 = 30;

/// When the predicted failure happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The server refuses to start (FATAL at start-up).
    ServerStart,
    /// The server runs; connections fail (or warn).
    Connection,
    /// The client refuses to start or to connect before talking to the server.
    Client,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::ServerStart => "server-start",
            Stage::Connection => "connection",
            Stage::Client => "client",
        }
    }
}

/// A finding with the moment it strikes.
#[derive(Debug, Clone)]
pub struct CheckFinding {
    pub finding: Finding,
    pub stage: Stage,
}

/// The server's start-up, as predicted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartPrediction {
    /// Whether the server gets past its configuration and TLS set-up.
    pub starts: bool,
    /// The code of the first FATAL, when the catalogue has one.
    pub code: Option<Code>,
    /// The first FATAL the server will log (message only).
    pub fatal: Option<String>,
    /// The file:line that decides it.
    pub location: Option<String>,
}

/// One client connection, as predicted.
#[derive(Debug, Clone)]
pub struct ConnectionPrediction {
    /// Which client and path: `libpq`, `kong (cosocket)`, `kong (LuaSec)`.
    pub client: String,
    /// Whether the connection is predicted to get through authentication
    /// checks pgtls can make (passwords are not checked).
    pub ok: bool,
    /// The code of the first failure.
    pub code: Option<Code>,
    /// The step it fails at: `ssl`, `handshake`, `hba`, `auth`, `client`.
    pub step: Option<&'static str>,
    /// Whether the connection uses TLS (false: plaintext).
    pub tls: bool,
    /// The pg_hba.conf line the connection matches.
    pub hba_line: Option<MatchedLine>,
}

/// What was read and how the server will use it.
#[derive(Debug, Clone, Default)]
pub struct ServerSummary {
    pub config_file: Option<PathBuf>,
    pub data_directory: Option<PathBuf>,
    pub files_read: Vec<PathBuf>,
    pub hba_file: Option<PathBuf>,
    pub ident_file: Option<PathBuf>,
    pub server_user: Option<String>,
    pub ssl: bool,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub min_protocol: Option<TlsVersion>,
    pub max_protocol: Option<TlsVersion>,
    /// The major version the files were judged by, and where it came
    /// from: `PG_VERSION` (the data directory's, which wins) or
    /// `--pg-version`.
    pub server_major: Option<(u32, &'static str)>,
}

/// Everything `pgtls check` found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub findings: Vec<CheckFinding>,
    /// Configuration problems that have no catalogue code (syntax errors,
    /// unknown parameters, malformed pg_hba.conf lines), with the reading
    /// program's own message, and notes on how the files were read.
    pub problems: Vec<Diagnostic>,
    pub server: ServerSummary,
    pub start: StartPrediction,
    pub connections: Vec<ConnectionPrediction>,
    pub matches: Vec<MatchReport>,
}

impl CheckReport {
    /// Whether anything will fail: a finding of severity error or a problem
    /// the reading program rejects.
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.finding.diagnosis.severity == pgtls_catalogue::Severity::Error)
            || self.problems.iter().any(Diagnostic::is_error)
    }
}

pub use pgtls_model::KongEdition;

/// The client whose settings are cross-checked with the server's.
#[derive(Debug, Clone)]
pub enum ClientInput {
    /// Kong: kong.conf (optional: defaults and environment alone are a
    /// configuration too), the `KONG_*` environment, and the edition
    /// (default: Enterprise when an Enterprise-only option is set).
    Kong {
        conf: Option<PathBuf>,
        env: Vec<(String, String)>,
        edition: Option<KongEdition>,
        /// Whose defaults fill in what is not set (None: the newest Kong).
        version: Option<&'static config::kong::KongDefaults>,
    },
    /// libpq: a connection string or URI and the client's environment.
    Libpq {
        conninfo: String,
        env: config::libpq::ClientEnv,
        /// The libpq major version to model (12-18); None: the newest.
        libpq_version: Option<u32>,
    },
}

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct CheckInput {
    /// The data directory (postgresql.conf, pg_hba.conf and pg_ident.conf
    /// are looked for there unless given).
    pub pgdata: Option<PathBuf>,
    pub postgresql_conf: Option<PathBuf>,
    pub hba: Option<PathBuf>,
    pub ident: Option<PathBuf>,
    /// The account the server runs as (default: the data directory's owner).
    pub server_user: Option<String>,
    pub clients: Vec<ClientInput>,
    /// The client's address as the server sees it (for pg_hba.conf).
    pub client_addr: Option<IpAddr>,
    pub matches: Vec<MatchSpec>,
    /// Seconds since the epoch (validity is judged at this time).
    pub now: i64,
    /// PGTLS023 window in days.
    pub warn_days: i64,
    /// The server's major version when there is no data directory to read
    /// `PG_VERSION` from (`--pg-version`); PG_VERSION wins when present.
    pub pg_version: Option<u32>,
    /// What connecting as the clients showed (`fix --connect`): failures
    /// the files alone cannot show (a refused password, PGTLS017; a
    /// password asked for over an unverified connection, PGTLS026), whose
    /// server side the files then explain and fix.
    pub observed: Vec<Code>,
}

/// Why the check could not run at all.
#[derive(Debug)]
pub enum CheckError {
    /// Neither `--pgdata` nor `--postgresql-conf` (nor `--hba`) was given.
    NothingToCheck,
    /// An input named on the command line could not be read.
    Read { path: PathBuf, source: io::Error },
    /// The server account is unknown.
    NoServerUser(String),
    /// A client setting that the client itself refuses (libpq's parse
    /// errors) or a malformed `--match`.
    Invalid(String),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::NothingToCheck => f.write_str(
                "nothing to check: give --pgdata DIR, --postgresql-conf FILE or --hba FILE",
            ),
            CheckError::Read { path, source } => {
                write!(
                    f,
                    "could not read \"{}\": {}",
                    path.display(),
                    strerror(source)
                )
            }
            CheckError::NoServerUser(why) => write!(f, "unknown server account: {why}"),
            CheckError::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for CheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The C library's wording of an I/O error (without Rust's `(os error N)`).
pub(crate) fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

pub(crate) fn new_finding(code: Code) -> Finding {
    Finding::new(code.diagnosis())
}

pub(crate) fn evidence(text: impl Into<String>, location: impl Into<String>) -> Evidence {
    Evidence {
        origin: None,
        text: text.into(),
        location: Some(location.into()),
    }
}

/// Where a postgresql.conf value came from: its `file:line`, or for a
/// built-in default the file it designates.
pub(crate) fn origin_text(origin: &Origin, fallback: &Path) -> String {
    match origin {
        Origin::File(l) => l.to_string(),
        Origin::Default => fallback.display().to_string(),
    }
}

/// Everything the server side gives the connection checks.
pub(crate) struct ServerFacts {
    pub conf: Option<PostgresqlConf>,
    pub tls: Option<TlsSettings>,
    pub account: Option<Account>,
    pub accounts: Accounts,
    pub ssl: bool,
    /// With ssl off: whether ssl_cert_file and ssl_key_file exist, so that
    /// turning ssl on is all the fix needs.
    pub tls_files_present: bool,
    /// The server's major version, from the data directory's PG_VERSION,
    /// else `--pg-version`.
    pub server_major: Option<u32>,
    /// `PG_VERSION` or `--pg-version`.
    pub server_major_from: &'static str,
    /// The certificates of ssl_cert_file, leaf first, when it could be read.
    pub chain: Vec<openssl::x509::X509>,
    pub chain_file: Option<PathBuf>,
    /// What the server sends: the file's certificates, or, when the file
    /// holds only the leaf, the leaf and the chain OpenSSL builds from
    /// ssl_ca_file (`SSL_MODE_NO_AUTO_CHAIN` is not set).
    pub sent_chain: Vec<openssl::x509::X509>,
    /// The certificates of ssl_ca_file, when set and readable.
    pub ca: Option<Vec<openssl::x509::X509>>,
    pub ca_file: Option<PathBuf>,
    pub ca_origin: Option<String>,
    pub range: (TlsVersion, TlsVersion),
    pub range_origin: (String, String),
    pub hba: Option<HbaFile>,
    pub hba_path: Option<PathBuf>,
    pub ident: Option<IdentFile>,
    pub ident_path: Option<PathBuf>,
    /// Whether the server starts at all (connection predictions are moot
    /// otherwise).
    pub starts: bool,
}

/// Runs every check. `source` gives the files (the real file system in the
/// binary, fixtures in tests).
pub fn check(source: &dyn Source, input: &CheckInput) -> Result<CheckReport, CheckError> {
    if input.pgdata.is_none() && input.postgresql_conf.is_none() && input.hba.is_none() {
        return Err(CheckError::NothingToCheck);
    }
    let mut out = Output::default();
    let accounts = Accounts::load(source);

    let conf_path = input
        .postgresql_conf
        .clone()
        .or_else(|| input.pgdata.as_ref().map(|d| d.join("postgresql.conf")));
    // Which parameter names exist depends on the server's version, known
    // from PG_VERSION in the data directory (--pgdata, or data_directory
    // once the file has been read).
    let load = |config_dir: Option<PathBuf>, path: &Path, server_major: Option<u32>| {
        let opts = LoadOptions {
            config_dir,
            skip_auto_conf: false,
            server_major,
        };
        postgresql_conf::load(source, path, &opts).map_err(|e| match e {
            pgtls_config::ConfigError::Read { path, source } => CheckError::Read { path, source },
        })
    };
    let conf = match &conf_path {
        Some(p) => {
            let given_major = input
                .pgdata
                .as_deref()
                .and_then(|d| server::pg_version(source, d))
                .or(input.pg_version);
            let mut c = load(None, p, given_major)?;
            let major = server::pg_version(source, c.data_directory()).or(given_major);
            if major.is_some() && major != given_major {
                c = load(None, p, major)?;
            }
            // Without data_directory the server's -D is both the data and
            // the configuration directory.
            if let Some(d) = &input.pgdata {
                if c.get("data_directory").is_none() && c.data_directory() != d.as_path() {
                    c = load(Some(d.clone()), p, given_major)?;
                } else if c.get("data_directory").is_some() && c.data_directory() != d.as_path() {
                    out.note(
                        c.get("data_directory").map(|s| s.location.clone()),
                        format!(
                            "data_directory \"{}\" differs from --pgdata \"{}\"; the server uses data_directory",
                            c.data_directory().display(),
                            d.display()
                        ),
                    );
                }
            }
            Some(c)
        }
        None => None,
    };
    let data_dir = match (&conf, &input.pgdata) {
        (Some(c), _) => Some(c.data_directory().to_path_buf()),
        (None, Some(d)) => Some(d.clone()),
        (None, None) => None,
    };

    let account = server_account(source, &accounts, input, data_dir.as_deref(), &mut out)?;

    let mut facts = server::check_server(
        source,
        conf,
        data_dir.as_deref(),
        account,
        accounts,
        input,
        &mut out,
    )?;
    facts.starts = out.start.starts;

    for spec in &input.matches {
        let report = conn::match_connection(&facts, spec, &mut out);
        out.matches.push(report);
    }
    for client in &input.clients {
        client::check_client(source, &facts, client, input, &mut out)?;
    }

    let summary = ServerSummary {
        config_file: facts.conf.as_ref().map(|c| c.config_file().to_path_buf()),
        data_directory: data_dir,
        files_read: facts
            .conf
            .as_ref()
            .map(|c| c.files().to_vec())
            .unwrap_or_default(),
        hba_file: facts.hba_path.clone(),
        ident_file: facts.ident_path.clone(),
        server_user: facts.account.as_ref().map(|a| a.name.clone()),
        ssl: facts.ssl,
        cert_file: facts.tls.as_ref().map(|t| t.cert_file.value.clone()),
        key_file: facts.tls.as_ref().map(|t| t.key_file.value.clone()),
        ca_file: facts.ca_file.clone(),
        min_protocol: facts.tls.as_ref().map(|_| facts.range.0),
        max_protocol: facts.tls.as_ref().and_then(|t| t.max_protocol.value),
        server_major: facts.server_major.map(|m| (m, facts.server_major_from)),
    };
    Ok(CheckReport {
        findings: out.findings,
        problems: out.problems,
        server: summary,
        start: out.start,
        connections: out.connections,
        matches: out.matches,
    })
}

/// What the rules add to as they go.
pub(crate) struct Output {
    pub findings: Vec<CheckFinding>,
    pub problems: Vec<Diagnostic>,
    pub start: StartPrediction,
    pub connections: Vec<ConnectionPrediction>,
    pub matches: Vec<MatchReport>,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            findings: Vec::new(),
            problems: Vec::new(),
            start: StartPrediction::starts(),
            connections: Vec::new(),
            matches: Vec::new(),
        }
    }
}

impl StartPrediction {
    /// Nothing keeps the server from starting.
    pub fn starts() -> StartPrediction {
        StartPrediction {
            starts: true,
            code: None,
            fatal: None,
            location: None,
        }
    }
}

impl CheckReport {
    /// The report of a check with no server files: nothing found, the
    /// server's side left out.
    pub fn without_server() -> CheckReport {
        CheckReport {
            findings: Vec::new(),
            problems: Vec::new(),
            server: Default::default(),
            start: StartPrediction::starts(),
            connections: Vec::new(),
            matches: Vec::new(),
        }
    }
}

impl Output {
    pub fn push(&mut self, finding: Finding, stage: Stage) {
        self.findings.push(CheckFinding { finding, stage });
    }

    /// Records a start-up FATAL; only the first one is what the server
    /// logs, the others are what it would log once that one is fixed.
    pub fn fatal(&mut self, code: Option<Code>, message: String, location: Option<String>) {
        if self.start.starts {
            self.start = StartPrediction {
                starts: false,
                code,
                fatal: Some(message),
                location,
            };
        }
    }

    pub fn problem(&mut self, d: Diagnostic) {
        self.problems.push(d);
    }

    pub fn note(&mut self, location: Option<Location>, message: impl Into<String>) {
        self.problems.push(Diagnostic::note(location, message));
    }
}

/// The regular files in the directory of `file` whose names end (ASCII
/// case-insensitively) with one of `suffixes`, in name order: where a
/// certificate's CA or key usually sits beside it.
pub(super) fn files_beside(source: &dyn Source, file: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let Some(dir) = file.parent() else {
        return Vec::new();
    };
    let Ok(mut entries) = source.list_dir(dir) else {
        return Vec::new();
    };
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
        .into_iter()
        .filter(|e| {
            let lower = e.name.to_ascii_lowercase();
            suffixes.iter().any(|x| lower.ends_with(x))
        })
        .map(|e| dir.join(e.name))
        .filter(|p| {
            source
                .metadata(p)
                .is_ok_and(|m| m.kind == pgtls_config::FileKind::File)
        })
        .collect()
}

fn server_account(
    source: &dyn Source,
    accounts: &Accounts,
    input: &CheckInput,
    data_dir: Option<&Path>,
    out: &mut Output,
) -> Result<Option<Account>, CheckError> {
    if let Some(name) = &input.server_user {
        let acct = match accounts.by_name(name) {
            Some(a) => a,
            None => match name
                .parse::<u32>()
                .ok()
                .and_then(|uid| accounts.by_uid(uid))
            {
                Some(a) => a,
                None => {
                    return Err(CheckError::NoServerUser(format!(
                        "no account \"{name}\" in /etc/passwd"
                    )))
                }
            },
        };
        if acct.uid == 0 {
            return Err(CheckError::NoServerUser(
                "PostgreSQL refuses to run as root; give the account the server runs as"
                    .to_string(),
            ));
        }
        return Ok(Some(acct));
    }
    if let Some(dir) = data_dir {
        if let Ok(info) = source.metadata(dir) {
            if info.uid != 0 {
                if let Some(a) = accounts.by_uid(info.uid) {
                    return Ok(Some(a));
                }
            }
        }
    }
    if let Some(a) = accounts.by_name("postgres") {
        out.note(
            None,
            format!(
                "server account assumed to be \"postgres\" (uid {}); give --server-user when the server runs as another account",
                a.uid
            ),
        );
        return Ok(Some(a));
    }
    out.note(
        None,
        "the server account is unknown (no owner of the data directory, no \"postgres\" account): file permissions are not judged; give --server-user",
    );
    Ok(None)
}

/// Problems of a parser, re-labelled as check problems (errors stay errors).
pub(crate) fn add_diagnostics(out: &mut Output, diags: &[Diagnostic]) {
    for d in diags {
        out.problem(d.clone());
    }
}

pub(crate) fn is_error(d: &Diagnostic) -> bool {
    d.severity == DiagSeverity::Error
}

#[cfg(test)]
mod tests;
