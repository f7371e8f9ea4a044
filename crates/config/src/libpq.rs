//! libpq's connection parameters, as libpq 12 to 18 read them (each
//! version refuses the keywords of later ones and ignores their environment
//! variables; options such as sslrootcert=system change meaning with the
//! version): `key=value` connection strings and
//! `postgres://` URIs (`conninfo_parse`, `conninfo_uri_parse_options`), the
//! `PG*` environment and compiled-in defaults (`conninfo_add_defaults`), the
//! checks of `connectOptions2`, and `.pgpass` lookup (`passwordFromFile`)
//! with its escapes, wildcards and permission rule. Error texts are libpq's
//! own (without the trailing newline), so they read like psql's output.
//!
//! Built-in defaults are those of the usual Linux build: SSL and GSSAPI
//! compiled in, Unix sockets in `/var/run/postgresql` (Debian's
//! `DEFAULT_PGSOCKET_DIR`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::{Diagnostic, FileKind, Location, Secret, Source, TlsVersion};

/// Where a Unix-domain socket is looked for when no host is given.
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

/// The default port.
pub const DEFAULT_PORT: u16 = 5432;

/// The oldest and the newest libpq modelled.
pub const OLDEST_LIBPQ: u32 = 12;
/// The newest libpq modelled, and the one modelled unless told otherwise.
pub const NEWEST_LIBPQ: u32 = 18;

/// Every keyword libpq 12 to 18 accepts, with its environment variable and
/// compiled-in default; [`keyword_since`] says which version brought it.
pub const KEYWORDS: [(&str, Option<&str>, Option<&str>); 48] = [
    ("service", Some("PGSERVICE"), None),
    ("user", Some("PGUSER"), None),
    ("password", Some("PGPASSWORD"), None),
    ("passfile", Some("PGPASSFILE"), None),
    ("channel_binding", Some("PGCHANNELBINDING"), Some("prefer")),
    ("connect_timeout", Some("PGCONNECT_TIMEOUT"), None),
    ("dbname", Some("PGDATABASE"), None),
    ("host", Some("PGHOST"), None),
    ("hostaddr", Some("PGHOSTADDR"), None),
    ("port", Some("PGPORT"), Some("5432")),
    ("client_encoding", Some("PGCLIENTENCODING"), None),
    ("options", Some("PGOPTIONS"), Some("")),
    ("application_name", Some("PGAPPNAME"), None),
    ("fallback_application_name", None, None),
    ("keepalives", None, None),
    ("keepalives_idle", None, None),
    ("keepalives_interval", None, None),
    ("keepalives_count", None, None),
    ("tcp_user_timeout", None, None),
    ("sslmode", Some("PGSSLMODE"), Some("prefer")),
    ("sslcompression", Some("PGSSLCOMPRESSION"), Some("0")),
    ("sslcert", Some("PGSSLCERT"), None),
    ("sslkey", Some("PGSSLKEY"), None),
    ("sslpassword", None, None),
    ("sslrootcert", Some("PGSSLROOTCERT"), None),
    ("sslcrl", Some("PGSSLCRL"), None),
    ("sslcrldir", Some("PGSSLCRLDIR"), None),
    ("sslsni", Some("PGSSLSNI"), Some("1")),
    ("requirepeer", Some("PGREQUIREPEER"), None),
    (
        "ssl_min_protocol_version",
        Some("PGSSLMINPROTOCOLVERSION"),
        Some("TLSv1.2"),
    ),
    (
        "ssl_max_protocol_version",
        Some("PGSSLMAXPROTOCOLVERSION"),
        None,
    ),
    ("gssencmode", Some("PGGSSENCMODE"), Some("prefer")),
    ("krbsrvname", Some("PGKRBSRVNAME"), Some("postgres")),
    ("gsslib", Some("PGGSSLIB"), None),
    ("replication", None, None),
    (
        "target_session_attrs",
        Some("PGTARGETSESSIONATTRS"),
        Some("any"),
    ),
    ("sslcertmode", Some("PGSSLCERTMODE"), Some("allow")),
    ("require_auth", Some("PGREQUIREAUTH"), None),
    (
        "load_balance_hosts",
        Some("PGLOADBALANCEHOSTS"),
        Some("disable"),
    ),
    ("sslnegotiation", Some("PGSSLNEGOTIATION"), Some("postgres")),
    ("sslkeylogfile", None, None),
    ("min_protocol_version", Some("PGMINPROTOCOLVERSION"), None),
    ("max_protocol_version", Some("PGMAXPROTOCOLVERSION"), None),
    ("scram_client_key", None, None),
    ("scram_server_key", None, None),
    ("oauth_issuer", None, None),
    ("oauth_client_id", None, None),
    ("oauth_client_secret", None, None),
];

/// The first libpq major version that knows a keyword (12 for those every
/// modelled version knows). Older versions refuse it in a connection
/// string (`invalid connection option`) and ignore its environment variable.
pub fn keyword_since(name: &str) -> u32 {
    match name {
        "ssl_min_protocol_version"
        | "ssl_max_protocol_version"
        | "channel_binding"
        | "sslpassword" => 13,
        "sslcrldir" | "sslsni" => 14,
        "sslcertmode" | "require_auth" | "load_balance_hosts" => 16,
        "sslnegotiation" => 17,
        "sslkeylogfile"
        | "min_protocol_version"
        | "max_protocol_version"
        | "scram_client_key"
        | "scram_server_key"
        | "oauth_issuer"
        | "oauth_client_id"
        | "oauth_client_secret" => 18,
        _ => OLDEST_LIBPQ,
    }
}

fn keyword(name: &str) -> Option<&'static str> {
    KEYWORDS
        .iter()
        .find(|(k, _, _)| *k == name)
        .map(|(k, _, _)| *k)
}

const SECRET_KEYWORDS: [&str; 2] = ["password", "sslpassword"];

/// Why libpq refuses a connection string or its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibpqError {
    /// `invalid connection option "x"`: unknown keyword in a connection string.
    InvalidOption(String),
    /// `missing "=" after "x" in connection info string`.
    MissingEquals(String),
    /// `unterminated quoted string in connection info string`.
    UnterminatedQuote,
    /// An error of the URI parser, with libpq's text.
    Uri(String),
    /// `invalid URI query parameter: "x"`: unknown keyword in a URI query.
    InvalidUriParameter(String),
    /// `invalid <option> value: "<value>"` (sslmode, channel_binding,
    /// gssencmode, ssl_*_protocol_version, target_session_attrs).
    InvalidValue {
        /// The option.
        option: &'static str,
        /// The rejected value.
        value: String,
    },
    /// `invalid integer value "v" for connection option "o"`.
    InvalidInteger {
        /// The option.
        option: &'static str,
        /// The rejected value.
        value: String,
    },
    /// `invalid port number: "v"`.
    InvalidPort(String),
    /// `invalid SSL protocol version range`.
    InvalidProtocolRange,
    /// `weak sslmode "M" may not be used with X (use ...)` (libpq 16+ for
    /// sslrootcert=system, 17+ for sslnegotiation=direct).
    WeakSslMode {
        /// The sslmode given.
        mode: &'static str,
        /// What forbids it: `sslrootcert=system`, `sslnegotiation=direct`.
        with: &'static str,
        /// The modes allowed, in libpq's words.
        allowed: &'static str,
    },
    /// A require_auth list libpq refuses, in its words.
    RequireAuth(String),
    /// `could not match N host names to M hostaddr values`.
    HostCountMismatch {
        /// Number of host names.
        hosts: usize,
        /// Number of hostaddr values.
        hostaddrs: usize,
    },
    /// `could not match N port numbers to M hosts`.
    PortCountMismatch {
        /// Number of ports.
        ports: usize,
        /// Number of hosts.
        hosts: usize,
    },
}

impl fmt::Display for LibpqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LibpqError::InvalidOption(k) => write!(f, "invalid connection option \"{k}\""),
            LibpqError::MissingEquals(k) => {
                write!(f, "missing \"=\" after \"{k}\" in connection info string")
            }
            LibpqError::UnterminatedQuote => {
                f.write_str("unterminated quoted string in connection info string")
            }
            LibpqError::Uri(m) => f.write_str(m),
            LibpqError::InvalidUriParameter(k) => write!(f, "invalid URI query parameter: \"{k}\""),
            LibpqError::InvalidValue { option, value } => {
                write!(f, "invalid {option} value: \"{value}\"")
            }
            LibpqError::InvalidInteger { option, value } => {
                write!(
                    f,
                    "invalid integer value \"{value}\" for connection option \"{option}\""
                )
            }
            LibpqError::InvalidPort(v) => write!(f, "invalid port number: \"{v}\""),
            LibpqError::InvalidProtocolRange => f.write_str("invalid SSL protocol version range"),
            LibpqError::WeakSslMode {
                mode,
                with,
                allowed,
            } => write!(
                f,
                "weak sslmode \"{mode}\" may not be used with {with} (use {allowed})"
            ),
            LibpqError::RequireAuth(m) => f.write_str(m),
            LibpqError::HostCountMismatch { hosts, hostaddrs } => {
                write!(
                    f,
                    "could not match {hosts} host names to {hostaddrs} hostaddr values"
                )
            }
            LibpqError::PortCountMismatch { ports, hosts } => {
                write!(f, "could not match {ports} port numbers to {hosts} hosts")
            }
        }
    }
}

impl std::error::Error for LibpqError {}

/// Options given in a connection string or URI, in the order written
/// (later repeats overwrite earlier ones).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnParams {
    values: BTreeMap<&'static str, String>,
}

impl fmt::Debug for ConnParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.values {
            if SECRET_KEYWORDS.contains(k) {
                m.entry(k, &"***");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

impl ConnParams {
    /// The value given for a keyword.
    pub fn get(&self, keyword: &str) -> Option<&str> {
        self.values.get(keyword).map(String::as_str)
    }

    /// The keywords given, with values (secrets included: callers print
    /// with care).
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.values.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// `conninfo_storeval`: `requiressl` is translated, unknown keywords fail.
    fn store(&mut self, key: &str, value: &str) -> Result<(), LibpqError> {
        let (key, value) = if key == "requiressl" {
            (
                "sslmode",
                if value.starts_with('1') {
                    "require"
                } else {
                    "prefer"
                },
            )
        } else {
            (key, value)
        };
        let k = keyword(key).ok_or_else(|| LibpqError::InvalidOption(key.to_string()))?;
        self.values.insert(k, value.to_string());
        Ok(())
    }
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Parses a connection string: a `postgresql://` / `postgres://` URI, or
/// `key=value` pairs.
pub fn parse(conninfo: &str) -> Result<ConnParams, LibpqError> {
    if conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://") {
        parse_uri(conninfo)
    } else {
        parse_key_values(conninfo)
    }
}

/// `conninfo_parse`: blank-separated `key = value`, values optionally in
/// single quotes, backslash escaping any character.
pub fn parse_key_values(s: &str) -> Result<ConnParams, LibpqError> {
    let mut out = ConnParams::default();
    for (name, value, _) in scan_key_values(s)? {
        out.store(&name, &value)?;
    }
    Ok(out)
}

/// The `key = value` pairs as written, with the byte range each takes.
fn scan_key_values(s: &str) -> Result<Vec<(String, String, std::ops::Range<usize>)>, LibpqError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is_c_space(b[i]) {
            i += 1;
            continue;
        }
        let name_start = i;
        while i < b.len() && b[i] != b'=' && !is_c_space(b[i]) {
            i += 1;
        }
        let name = String::from_utf8_lossy(&b[name_start..i]).into_owned();
        while i < b.len() && is_c_space(b[i]) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            return Err(LibpqError::MissingEquals(name));
        }
        i += 1;
        while i < b.len() && is_c_space(b[i]) {
            i += 1;
        }
        let mut val: Vec<u8> = Vec::new();
        if b.get(i) == Some(&b'\'') {
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err(LibpqError::UnterminatedQuote),
                    Some(b'\\') => {
                        i += 1;
                        if let Some(&c) = b.get(i) {
                            val.push(c);
                            i += 1;
                        }
                    }
                    Some(b'\'') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        val.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < b.len() {
                let c = b[i];
                if is_c_space(c) {
                    i += 1;
                    break;
                }
                if c == b'\\' {
                    i += 1;
                    if let Some(&n) = b.get(i) {
                        val.push(n);
                        i += 1;
                    }
                } else {
                    val.push(c);
                    i += 1;
                }
            }
        }
        let end = if i > 0 && is_c_space(b[i - 1]) {
            i - 1
        } else {
            i
        };
        out.push((
            name,
            String::from_utf8_lossy(&val).into_owned(),
            name_start..end,
        ));
    }
    Ok(out)
}

/// The connection string with `key` set to `value`: in a `key=value`
/// string the pair that sets it now is replaced in place (and any repeat
/// of it dropped), else the pair is appended; a URI gets a query
/// parameter (libpq takes the last one). The value is quoted as libpq
/// reads it.
pub fn with_keyword(conninfo: &str, key: &str, value: &str) -> Result<String, LibpqError> {
    if conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://") {
        let mut out = conninfo.to_string();
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(&format!("{key}={value}"));
        return Ok(out);
    }
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-/:,@".contains(&c));
    let pair = if plain {
        format!("{key}={value}")
    } else {
        format!(
            "{key}='{}'",
            value.replace('\\', "\\\\").replace('\'', "\\'")
        )
    };
    let spans: Vec<_> = scan_key_values(conninfo)?
        .into_iter()
        .filter(|(name, _, _)| name == key)
        .map(|(_, _, span)| span)
        .collect();
    let Some(first) = spans.first().cloned() else {
        let sep = if conninfo.trim().is_empty() { "" } else { " " };
        return Ok(format!("{}{sep}{pair}", conninfo.trim_end()));
    };
    let mut out = String::new();
    let mut at = 0;
    for span in &spans {
        out.push_str(&conninfo[at..span.start]);
        if *span == first {
            out.push_str(&pair);
        }
        at = span.end;
    }
    out.push_str(&conninfo[at..]);
    Ok(out.trim_end().to_string())
}

/// `conninfo_uri_decode`.
fn uri_decode(s: &str) -> Result<String, LibpqError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
        match (hex(b.get(i + 1)), hex(b.get(i + 2))) {
            (Some(hi), Some(lo)) => {
                let c = (hi << 4 | lo) as u8;
                if c == 0 {
                    return Err(LibpqError::Uri(format!(
                        "forbidden value %00 in percent-encoded value: \"{s}\""
                    )));
                }
                out.push(c);
                i += 3;
            }
            _ => {
                return Err(LibpqError::Uri(format!(
                    "invalid percent-encoded token: \"{s}\""
                )))
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `conninfo_uri_parse_options`:
/// `postgresql://[user[:password]@][host][:port][,...][/dbname][?param=value&...]`.
pub fn parse_uri(uri: &str) -> Result<ConnParams, LibpqError> {
    let prefix = if uri.starts_with("postgresql://") {
        "postgresql://".len()
    } else if uri.starts_with("postgres://") {
        "postgres://".len()
    } else {
        return Err(LibpqError::Uri(format!(
            "invalid URI propagated to internal parser routine: \"{uri}\""
        )));
    };
    let b = uri.as_bytes();
    let mut out = ConnParams::default();
    let text = |from: usize, to: usize| String::from_utf8_lossy(&b[from..to]).into_owned();
    let mut p = prefix;
    // Credentials: only if an '@' comes before any '/'.
    let mut q = p;
    while q < b.len() && b[q] != b'@' && b[q] != b'/' {
        q += 1;
    }
    if b.get(q) == Some(&b'@') {
        let user_end = (p..q).find(|&k| b[k] == b':').unwrap_or(q);
        let user = text(p, user_end);
        if !user.is_empty() {
            out.store("user", &uri_decode(&user)?)?;
        }
        if user_end < q {
            let password = text(user_end + 1, q);
            if !password.is_empty() {
                out.store("password", &uri_decode(&password)?)?;
            }
        }
        p = q + 1;
    }
    let mut hosts = String::new();
    let mut ports = String::new();
    let mut prevchar;
    loop {
        let host;
        if b.get(p) == Some(&b'[') {
            let start = p + 1;
            let mut e = start;
            while e < b.len() && b[e] != b']' {
                e += 1;
            }
            if e >= b.len() {
                return Err(LibpqError::Uri(format!(
                    "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"{uri}\""
                )));
            }
            if e == start {
                return Err(LibpqError::Uri(format!(
                    "IPv6 host address may not be empty in URI: \"{uri}\""
                )));
            }
            host = text(start, e);
            p = e + 1;
            if let Some(&c) = b.get(p) {
                if !matches!(c, b':' | b'/' | b'?' | b',') {
                    return Err(LibpqError::Uri(format!(
                        "unexpected character \"{}\" at position {} in URI (expected \":\" or \"/\"): \"{}\"",
                        c as char,
                        p + 1,
                        uri
                    )));
                }
            }
        } else {
            let start = p;
            while p < b.len() && !matches!(b[p], b':' | b'/' | b'?' | b',') {
                p += 1;
            }
            host = text(start, p);
        }
        prevchar = b.get(p).copied();
        hosts.push_str(&host);
        if prevchar == Some(b':') {
            p += 1;
            let start = p;
            while p < b.len() && !matches!(b[p], b'/' | b'?' | b',') {
                p += 1;
            }
            ports.push_str(&text(start, p));
            prevchar = b.get(p).copied();
        }
        if prevchar != Some(b',') {
            break;
        }
        p += 1;
        hosts.push(',');
        ports.push(',');
    }
    if !hosts.is_empty() {
        out.store("host", &uri_decode(&hosts)?)?;
    }
    if !ports.is_empty() {
        out.store("port", &uri_decode(&ports)?)?;
    }
    if prevchar.is_some() && prevchar != Some(b'?') {
        p += 1;
        let start = p;
        while p < b.len() && b[p] != b'?' {
            p += 1;
        }
        let dbname = text(start, p);
        prevchar = b.get(p).copied();
        if !dbname.is_empty() {
            out.store("dbname", &uri_decode(&dbname)?)?;
        }
    }
    if prevchar.is_some() {
        p += 1;
        parse_uri_params(&uri[p.min(uri.len())..], &mut out)?;
    }
    Ok(out)
}

/// `conninfo_uri_parse_params`: `key=value` pairs separated by `&`.
fn parse_uri_params(params: &str, out: &mut ConnParams) -> Result<(), LibpqError> {
    if params.is_empty() {
        return Ok(());
    }
    let pieces: Vec<&str> = params.split('&').collect();
    let last = pieces.len() - 1;
    for (i, pair) in pieces.into_iter().enumerate() {
        // libpq stops when nothing follows the last '&'.
        if i == last && pair.is_empty() {
            break;
        }
        let mut parts = pair.splitn(2, '=');
        let key = parts.next().unwrap_or("");
        let Some(value) = parts.next() else {
            return Err(LibpqError::Uri(format!(
                "missing key/value separator \"=\" in URI query parameter: \"{pair}\""
            )));
        };
        if value.contains('=') {
            return Err(LibpqError::Uri(format!(
                "extra key/value separator \"=\" in URI query parameter: \"{key}\""
            )));
        }
        let key = uri_decode(key)?;
        let value = uri_decode(value)?;
        let (key, value) = if key == "ssl" && value == "true" {
            ("sslmode".to_string(), "require".to_string())
        } else {
            (key, value)
        };
        match out.store(&key, &value) {
            Ok(()) => {}
            Err(LibpqError::InvalidOption(k)) => return Err(LibpqError::InvalidUriParameter(k)),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Where an effective parameter came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamOrigin {
    /// The connection string or URI.
    ConnString,
    /// An environment variable.
    Env(&'static str),
    /// libpq's compiled-in default (or, for file names, the default under
    /// the home directory; for `user`, the operating-system user).
    Default,
}

/// An effective parameter with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param<T> {
    /// The value libpq uses.
    pub value: T,
    /// Where it came from.
    pub origin: ParamOrigin,
}

/// `sslmode`: the shared model's.
pub use pgtls_model::SslMode;

/// `channel_binding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelBinding {
    /// `disable`
    Disable,
    /// `prefer` (default)
    Prefer,
    /// `require`
    Require,
}

/// How a host entry will be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// A name to resolve.
    Name,
    /// A numeric `hostaddr` (no resolution; the name, if any, is only used
    /// for certificate checks and `.pgpass`).
    Address,
    /// A Unix-domain socket directory (absolute path or `@abstract`).
    UnixSocket,
}

/// One host of a (possibly multi-host) connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTarget {
    /// The `host` element, if any.
    pub host: Option<String>,
    /// The `hostaddr` element, if any.
    pub hostaddr: Option<String>,
    /// The port.
    pub port: u16,
    /// How it is reached.
    pub kind: HostKind,
}

impl HostTarget {
    /// The name `.pgpass` and error messages use: host, else hostaddr.
    pub fn display_host(&self) -> &str {
        self.host
            .as_deref()
            .filter(|h| !h.is_empty())
            .or(self.hostaddr.as_deref())
            .unwrap_or("")
    }
}

/// The client's environment, passed in rather than read from the process.
#[derive(Debug, Clone, Default)]
pub struct ClientEnv {
    /// Environment variables (`PGHOST`, `PGSSLMODE`, ...).
    pub vars: Vec<(String, String)>,
    /// The home directory (for `~/.postgresql/*` and `~/.pgpass`).
    pub home: Option<PathBuf>,
    /// The operating-system user name (libpq's default user).
    pub os_user: Option<String>,
}

impl ClientEnv {
    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The parameters libpq would connect with.
#[derive(Debug, Clone)]
pub struct ResolvedConn {
    /// Hosts in the order they are tried.
    pub hosts: Vec<HostTarget>,
    /// Where the host list came from (`hostaddr` when given, else `host`;
    /// `Default` for libpq's socket directory).
    pub host_origin: ParamOrigin,
    /// Where the port list came from (`Default` for 5432).
    pub port_origin: ParamOrigin,
    /// `user`.
    pub user: Param<String>,
    /// `dbname` (defaults to the user).
    pub dbname: Param<String>,
    /// `password`, if given (not from `.pgpass`; see [`pgpass_lookup`]).
    pub password: Option<Param<Secret>>,
    /// The password file to consult when no password is given.
    pub passfile: Option<Param<PathBuf>>,
    /// `sslmode`.
    pub sslmode: Param<SslMode>,
    /// `sslrootcert` (default `~/.postgresql/root.crt`; used only if it exists,
    /// required by verify-ca and verify-full).
    pub sslrootcert: Option<Param<PathBuf>>,
    /// `sslcert` (default `~/.postgresql/postgresql.crt`, used only if it exists).
    pub sslcert: Option<Param<PathBuf>>,
    /// `sslkey` (default `~/.postgresql/postgresql.key`).
    pub sslkey: Option<Param<PathBuf>>,
    /// `sslcrl` (default `~/.postgresql/root.crl` when neither it nor
    /// `sslcrldir` is set).
    pub sslcrl: Option<Param<PathBuf>>,
    /// `sslcrldir`.
    pub sslcrldir: Option<Param<PathBuf>>,
    /// `ssl_min_protocol_version` (default TLSv1.2; empty means no bound).
    pub ssl_min_protocol_version: Param<Option<TlsVersion>>,
    /// `ssl_max_protocol_version` (default none).
    pub ssl_max_protocol_version: Param<Option<TlsVersion>>,
    /// `connect_timeout` in seconds as applied (values 1 become 2, 0 or
    /// negative mean none).
    pub connect_timeout: Param<Option<u32>>,
    /// `application_name`.
    pub application_name: Option<Param<String>>,
    /// `channel_binding`.
    pub channel_binding: Param<ChannelBinding>,
    /// `sslsni` (on unless `0`).
    pub sslsni: Param<bool>,
    /// The libpq major version these were resolved as.
    pub libpq_major: u32,
    /// `sslrootcert=system` read by libpq 16 or later: the system's trust
    /// store, with sslmode verify-full (forced when not given).
    pub trust_system: bool,
    /// `sslcertmode` (libpq 16+; older ones behave as `allow`).
    pub sslcertmode: Param<CertMode>,
    /// `require_auth` (libpq 16+).
    pub require_auth: Option<Param<RequireAuth>>,
    /// `sslnegotiation` (libpq 17+; older ones always send SSLRequest).
    pub sslnegotiation: Param<SslNegotiation>,
    /// `sslkeylogfile` (libpq 18+).
    pub sslkeylogfile: Option<Param<PathBuf>>,
    /// Things this libpq reads differently from other versions, or ignores.
    pub notes: Vec<Diagnostic>,
}

/// `sslcertmode`: whether libpq sends its client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertMode {
    /// Never, even when the server asks.
    Disable,
    /// When the server asks (every libpq before 16 does this).
    Allow,
    /// When the server asks, and the connection fails if it does not.
    Require,
}

/// `sslnegotiation`: how TLS starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslNegotiation {
    /// SSLRequest first, TLS after the server's `S`.
    Postgres,
    /// TLS at once, with ALPN `postgresql` (libpq 17, servers 17+).
    Direct,
}

impl SslNegotiation {
    /// The keyword value.
    pub fn keyword(self) -> &'static str {
        match self {
            SslNegotiation::Postgres => "postgres",
            SslNegotiation::Direct => "direct",
        }
    }
}

/// `require_auth`: the authentication methods libpq accepts from the
/// server (or, negated, refuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireAuth {
    /// `!method,...`: every method but these.
    pub negated: bool,
    /// `password`, `md5`, `gss`, `sspi`, `scram-sha-256`, `none` (`oauth`
    /// from 18).
    pub methods: Vec<String>,
}

impl RequireAuth {
    /// Whether libpq goes on when the server asks for `method` (`none`:
    /// the server let the client in without asking).
    pub fn allows(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m == method) != self.negated
    }

    /// The value as written.
    pub fn shown(&self) -> String {
        let bang = if self.negated { "!" } else { "" };
        self.methods
            .iter()
            .map(|m| format!("{bang}{m}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// libpq's `require_auth` parser (16+).
fn parse_require_auth(value: &str, major: u32) -> Result<RequireAuth, LibpqError> {
    let mut known = vec!["password", "md5", "gss", "sspi", "scram-sha-256", "none"];
    if major >= 18 {
        known.push("oauth");
    }
    let mut negated = None;
    let mut methods = Vec::new();
    for item in value.split(',') {
        let (neg, method) = match item.strip_prefix('!') {
            Some(m) => (true, m),
            None => (false, item),
        };
        match negated {
            None => negated = Some(neg),
            Some(true) if !neg => {
                return Err(LibpqError::RequireAuth(format!(
                    "require_auth method \"{method}\" cannot be mixed with negative methods"
                )))
            }
            Some(false) if neg => {
                return Err(LibpqError::RequireAuth(format!(
                "negative require_auth method \"{item}\" cannot be mixed with non-negative methods"
            )))
            }
            _ => {}
        }
        if !known.contains(&method) {
            return Err(LibpqError::InvalidValue {
                option: "require_auth",
                value: method.to_string(),
            });
        }
        if methods.iter().any(|m| m == method) {
            return Err(LibpqError::RequireAuth(format!(
                "require_auth method \"{method}\" is specified more than once"
            )));
        }
        methods.push(method.to_string());
    }
    Ok(RequireAuth {
        negated: negated.unwrap_or(false),
        methods,
    })
}

struct Lookup<'a> {
    params: &'a ConnParams,
    env: &'a ClientEnv,
    major: u32,
}

impl Lookup<'_> {
    /// Connection string, else environment variable, else compiled default;
    /// nothing for a keyword this libpq does not have.
    fn get(&self, key: &'static str) -> Option<(String, ParamOrigin)> {
        if keyword_since(key) > self.major {
            return None;
        }
        if let Some(v) = self.params.get(key) {
            return Some((v.to_string(), ParamOrigin::ConnString));
        }
        let (_, env, compiled) = KEYWORDS.iter().find(|(k, _, _)| *k == key)?;
        if let Some(var) = env {
            if let Some(v) = self.env.var(var) {
                return Some((v.to_string(), ParamOrigin::Env(var)));
            }
        }
        if key == "sslmode" {
            if let Some(v) = self.env.var("PGREQUIRESSL") {
                if v.starts_with('1') {
                    return Some(("require".to_string(), ParamOrigin::Env("PGREQUIRESSL")));
                }
            }
        }
        compiled.map(|c| (c.to_string(), ParamOrigin::Default))
    }

    fn nonempty(&self, key: &'static str) -> Option<(String, ParamOrigin)> {
        self.get(key).filter(|(v, _)| !v.is_empty())
    }
}

/// `parse_int_param`: blanks around, base 10, fits an `int`.
fn parse_int(value: &str, option: &'static str) -> Result<i64, LibpqError> {
    let bad = || LibpqError::InvalidInteger {
        option,
        value: value.to_string(),
    };
    let t = value.trim_matches(|c: char| c.is_ascii() && is_c_space(c as u8));
    let n: i64 = t.parse().map_err(|_| bad())?;
    if i32::try_from(n).is_err() {
        return Err(bad());
    }
    Ok(n)
}

fn protocol(l: &Lookup<'_>, key: &'static str) -> Result<Param<Option<TlsVersion>>, LibpqError> {
    match l.get(key) {
        None => Ok(Param {
            value: None,
            origin: ParamOrigin::Default,
        }),
        Some((v, origin)) if v.is_empty() => Ok(Param {
            value: None,
            origin,
        }),
        Some((v, origin)) => match TlsVersion::from_pg_name(&v) {
            Some(tv) => Ok(Param {
                value: Some(tv),
                origin,
            }),
            None => Err(LibpqError::InvalidValue {
                option: key,
                value: v,
            }),
        },
    }
}

fn path_param(
    l: &Lookup<'_>,
    key: &'static str,
    home_default: Option<PathBuf>,
) -> Option<Param<PathBuf>> {
    match l.nonempty(key) {
        Some((v, origin)) => Some(Param {
            value: PathBuf::from(v),
            origin,
        }),
        None => home_default.map(|p| Param {
            value: p,
            origin: ParamOrigin::Default,
        }),
    }
}

/// Applies environment and defaults to `params` and runs libpq's option
/// checks (`connectOptions2`, plus the port and timeout checks libpq makes
/// when it starts connecting), as the newest libpq does.
pub fn resolve(params: &ConnParams, env: &ClientEnv) -> Result<ResolvedConn, LibpqError> {
    resolve_as(params, env, NEWEST_LIBPQ)
}

/// [`resolve`] as libpq `major` (12 to 18) does it: a keyword of a later
/// version is refused, as that libpq refuses it.
pub fn resolve_as(
    params: &ConnParams,
    env: &ClientEnv,
    major: u32,
) -> Result<ResolvedConn, LibpqError> {
    let major = major.clamp(OLDEST_LIBPQ, NEWEST_LIBPQ);
    if let Some((key, _)) = params.iter().find(|(k, _)| keyword_since(k) > major) {
        return Err(LibpqError::InvalidOption(key.to_string()));
    }
    let l = Lookup { params, env, major };
    let mut notes = Vec::new();
    if let Some((svc, _)) = l.nonempty("service") {
        notes.push(Diagnostic::note(
            None,
            format!("service \"{svc}\" is not expanded: settings from pg_service.conf are not applied here"),
        ));
    }

    let split = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
    let hostaddr_param = l.nonempty("hostaddr");
    let host_param = l.nonempty("host");
    let host_origin = hostaddr_param
        .as_ref()
        .or(host_param.as_ref())
        .map_or(ParamOrigin::Default, |(_, o)| o.clone());
    let port_origin = l.nonempty("port").map_or(ParamOrigin::Default, |(_, o)| o);
    let hostaddrs = hostaddr_param.map(|(v, _)| split(&v));
    let host_list = host_param.map(|(v, _)| split(&v));
    let n = match (&hostaddrs, &host_list) {
        (Some(a), _) => a.len(),
        (None, Some(h)) => h.len(),
        (None, None) => 1,
    };
    if let (Some(a), Some(h)) = (&hostaddrs, &host_list) {
        if a.len() != h.len() {
            return Err(LibpqError::HostCountMismatch {
                hosts: h.len(),
                hostaddrs: a.len(),
            });
        }
    }
    let ports: Vec<String> = match l.nonempty("port") {
        Some((v, _)) => {
            let p = split(&v);
            if p.len() == 1 {
                vec![p[0].clone(); n]
            } else if p.len() == n {
                p
            } else {
                return Err(LibpqError::PortCountMismatch {
                    ports: p.len(),
                    hosts: n,
                });
            }
        }
        None => vec![String::new(); n],
    };
    let mut hosts = Vec::with_capacity(n);
    for (i, port_s) in ports.iter().enumerate() {
        let hostaddr = hostaddrs
            .as_ref()
            .map(|a| a[i].clone())
            .filter(|s| !s.is_empty());
        let host = host_list
            .as_ref()
            .map(|h| h[i].clone())
            .filter(|s| !s.is_empty());
        let (host, kind) = if hostaddr.is_some() {
            (host, HostKind::Address)
        } else if let Some(h) = host {
            let k = if h.starts_with('/') || h.starts_with('@') {
                HostKind::UnixSocket
            } else {
                HostKind::Name
            };
            (Some(h), k)
        } else {
            (Some(DEFAULT_SOCKET_DIR.to_string()), HostKind::UnixSocket)
        };
        let port = if port_s.is_empty() {
            DEFAULT_PORT
        } else {
            let p = parse_int(port_s, "port")?;
            u16::try_from(p)
                .ok()
                .filter(|&p| p >= 1)
                .ok_or_else(|| LibpqError::InvalidPort(port_s.clone()))?
        };
        hosts.push(HostTarget {
            host,
            hostaddr,
            port,
            kind,
        });
    }

    let user = match l.nonempty("user") {
        Some((v, origin)) => Param { value: v, origin },
        None => Param {
            value: env.os_user.clone().unwrap_or_default(),
            origin: ParamOrigin::Default,
        },
    };
    let dbname = match l.nonempty("dbname") {
        Some((v, origin)) => Param { value: v, origin },
        None => Param {
            value: user.value.clone(),
            origin: ParamOrigin::Default,
        },
    };
    let password = l.nonempty("password").map(|(v, origin)| Param {
        value: Secret::new(v),
        origin,
    });
    let home = env.home.as_deref();
    let passfile = if password.is_none() {
        path_param(&l, "passfile", home.map(|h| h.join(".pgpass")))
    } else {
        None
    };

    let channel_binding = {
        let (v, origin) = l
            .get("channel_binding")
            .unwrap_or(("prefer".into(), ParamOrigin::Default));
        let value = match v.as_str() {
            "disable" => ChannelBinding::Disable,
            "prefer" => ChannelBinding::Prefer,
            "require" => ChannelBinding::Require,
            _ => {
                return Err(LibpqError::InvalidValue {
                    option: "channel_binding",
                    value: v,
                })
            }
        };
        Param { value, origin }
    };
    let sslmode = {
        let (v, origin) = l
            .get("sslmode")
            .unwrap_or(("prefer".into(), ParamOrigin::Default));
        let value = match v.as_str() {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => {
                return Err(LibpqError::InvalidValue {
                    option: "sslmode",
                    value: v,
                })
            }
        };
        Param { value, origin }
    };
    let min = protocol(&l, "ssl_min_protocol_version")?;
    let max = protocol(&l, "ssl_max_protocol_version")?;
    if let (Some(a), Some(b)) = (min.value, max.value) {
        if a != TlsVersion::Tls1_0 && (b == TlsVersion::Tls1_0 || a > b) {
            return Err(LibpqError::InvalidProtocolRange);
        }
    }
    if let Some((v, _)) = l.get("gssencmode") {
        if !matches!(v.as_str(), "disable" | "prefer" | "require") {
            return Err(LibpqError::InvalidValue {
                option: "gssencmode",
                value: v,
            });
        }
    }
    if let Some((v, _)) = l.get("target_session_attrs") {
        if !matches!(
            v.as_str(),
            "any" | "read-write" | "read-only" | "primary" | "standby" | "prefer-standby"
        ) {
            return Err(LibpqError::InvalidValue {
                option: "target_session_attrs",
                value: v,
            });
        }
    }
    let connect_timeout = match l.get("connect_timeout") {
        None => Param {
            value: None,
            origin: ParamOrigin::Default,
        },
        Some((v, origin)) => {
            let t = parse_int(&v, "connect_timeout")?;
            let value = if t <= 0 {
                None
            } else {
                Some(u32::try_from(t.max(2)).unwrap_or(u32::MAX))
            };
            Param { value, origin }
        }
    };

    let pg_dir = home.map(|h| h.join(".postgresql"));
    let sslrootcert = path_param(
        &l,
        "sslrootcert",
        pg_dir.as_ref().map(|d| d.join("root.crt")),
    );
    let mut sslmode = sslmode;
    let named_system = sslrootcert
        .as_ref()
        .is_some_and(|p| p.value == Path::new("system"));
    let trust_system = named_system && major >= 16;
    if named_system && !trust_system {
        notes.push(Diagnostic::note(
            None,
            format!("sslrootcert=system (the operating system's CA store) needs libpq 16; libpq {major} looks for a file named \"system\""),
        ));
    }
    if trust_system {
        if sslmode.origin == ParamOrigin::Default {
            sslmode.value = SslMode::VerifyFull;
        } else if sslmode.value != SslMode::VerifyFull {
            return Err(LibpqError::WeakSslMode {
                mode: sslmode.value.keyword(),
                with: "sslrootcert=system",
                allowed: "\"verify-full\"",
            });
        }
    }
    let sslcertmode = match l.get("sslcertmode") {
        None => Param {
            value: CertMode::Allow,
            origin: ParamOrigin::Default,
        },
        Some((v, origin)) => {
            let value = match v.as_str() {
                "disable" => CertMode::Disable,
                "allow" => CertMode::Allow,
                "require" => CertMode::Require,
                _ => {
                    return Err(LibpqError::InvalidValue {
                        option: "sslcertmode",
                        value: v,
                    })
                }
            };
            Param { value, origin }
        }
    };
    let require_auth = match l.nonempty("require_auth") {
        None => None,
        Some((v, origin)) => Some(Param {
            value: parse_require_auth(&v, major)?,
            origin,
        }),
    };
    let sslnegotiation = match l.get("sslnegotiation") {
        None => Param {
            value: SslNegotiation::Postgres,
            origin: ParamOrigin::Default,
        },
        Some((v, origin)) => {
            let value = match v.as_str() {
                "postgres" => SslNegotiation::Postgres,
                "direct" => SslNegotiation::Direct,
                _ => {
                    return Err(LibpqError::InvalidValue {
                        option: "sslnegotiation",
                        value: v,
                    })
                }
            };
            Param { value, origin }
        }
    };
    if sslnegotiation.value == SslNegotiation::Direct && sslmode.value < SslMode::Require {
        return Err(LibpqError::WeakSslMode {
            mode: sslmode.value.keyword(),
            with: "sslnegotiation=direct",
            allowed: "\"require\", \"verify-ca\", or \"verify-full\"",
        });
    }
    let sslkeylogfile = path_param(&l, "sslkeylogfile", None);
    let sslcrldir = path_param(&l, "sslcrldir", None);
    let sslcrl = match path_param(&l, "sslcrl", None) {
        Some(p) => Some(p),
        None if sslcrldir.is_none() => pg_dir.as_ref().map(|d| Param {
            value: d.join("root.crl"),
            origin: ParamOrigin::Default,
        }),
        None => None,
    };
    let sslsni = match l.get("sslsni") {
        Some((v, origin)) => Param {
            value: v != "0",
            origin,
        },
        None => Param {
            value: true,
            origin: ParamOrigin::Default,
        },
    };
    Ok(ResolvedConn {
        hosts,
        host_origin,
        port_origin,
        user,
        dbname,
        password,
        passfile,
        sslmode,
        sslrootcert,
        sslcert: path_param(
            &l,
            "sslcert",
            pg_dir.as_ref().map(|d| d.join("postgresql.crt")),
        ),
        sslkey: path_param(
            &l,
            "sslkey",
            pg_dir.as_ref().map(|d| d.join("postgresql.key")),
        ),
        sslcrl,
        sslcrldir,
        ssl_min_protocol_version: min,
        ssl_max_protocol_version: max,
        connect_timeout,
        application_name: l
            .nonempty("application_name")
            .map(|(v, origin)| Param { value: v, origin }),
        channel_binding,
        sslsni,
        libpq_major: major,
        trust_system,
        sslcertmode,
        require_auth,
        sslnegotiation,
        sslkeylogfile,
        notes,
    })
}

/// The outcome of a `.pgpass` lookup.
#[derive(Debug, Clone)]
pub enum PgpassOutcome {
    /// A line matched.
    Found {
        /// The password (de-escaped).
        password: Secret,
        /// The matching line.
        location: Location,
    },
    /// The file was read and no line matched.
    NoMatch,
    /// The file does not exist or cannot be read (libpq says nothing).
    Unreadable,
    /// libpq ignores the file and prints this warning.
    Ignored {
        /// libpq's warning, e.g. `WARNING: password file "..." has group or
        /// world access; permissions should be u=rw (0600) or less`.
        warning: String,
    },
}

/// `pwdfMatchesString`: the rest of the line after a matching field, or
/// `None`. `*` alone matches anything; `\` makes the next byte literal.
fn pgpass_field<'a>(buf: &'a [u8], token: &[u8]) -> Option<&'a [u8]> {
    if buf.len() >= 2 && buf[0] == b'*' && buf[1] == b':' {
        return Some(&buf[2..]);
    }
    let mut t = 0usize;
    let mut k = 0usize;
    let mut bslash = false;
    while t < buf.len() {
        if buf[t] == b'\\' && !bslash {
            t += 1;
            bslash = true;
        }
        let c = buf.get(t).copied().unwrap_or(0);
        if c == b':' && k == token.len() && !bslash {
            return Some(&buf[t + 1..]);
        }
        bslash = false;
        if k == token.len() {
            return None;
        }
        if c == token[k] {
            t += 1;
            k += 1;
        } else {
            return None;
        }
    }
    None
}

/// `passwordFromFile` for one host of a resolved connection: the same
/// host-name rules (empty or the default socket directory count as
/// `localhost`, the port defaults to 5432), file checks and matching.
pub fn pgpass_lookup(
    source: &dyn Source,
    passfile: &Path,
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
) -> PgpassOutcome {
    if dbname.is_empty() || user.is_empty() {
        return PgpassOutcome::NoMatch;
    }
    let host = if host.is_empty() || host == DEFAULT_SOCKET_DIR {
        "localhost"
    } else {
        host
    };
    let port = port.to_string();
    let Ok(meta) = source.metadata(passfile) else {
        return PgpassOutcome::Unreadable;
    };
    if meta.kind != FileKind::File {
        return PgpassOutcome::Ignored {
            warning: format!(
                "WARNING: password file \"{}\" is not a plain file",
                passfile.display()
            ),
        };
    }
    if meta.mode & 0o077 != 0 {
        return PgpassOutcome::Ignored {
            warning: format!(
                "WARNING: password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
                passfile.display()
            ),
        };
    }
    let Ok(text) = source.read(passfile) else {
        return PgpassOutcome::Unreadable;
    };
    let file: Arc<Path> = Arc::from(passfile);
    for (idx, raw) in text.split('\n').enumerate() {
        if raw.starts_with('#') {
            continue;
        }
        let line = raw.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            continue;
        }
        let rest = pgpass_field(line.as_bytes(), host.as_bytes())
            .and_then(|r| pgpass_field(r, port.as_bytes()))
            .and_then(|r| pgpass_field(r, dbname.as_bytes()))
            .and_then(|r| pgpass_field(r, user.as_bytes()));
        if let Some(rest) = rest {
            let mut pw = Vec::new();
            let mut i = 0;
            while i < rest.len() && rest[i] != b':' {
                if rest[i] == b'\\' && i + 1 < rest.len() {
                    i += 1;
                }
                pw.push(rest[i]);
                i += 1;
            }
            return PgpassOutcome::Found {
                password: Secret::new(String::from_utf8_lossy(&pw).into_owned()),
                location: Location::new(file, idx + 1),
            };
        }
    }
    PgpassOutcome::NoMatch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgpass_fields() {
        assert_eq!(pgpass_field(b"*:rest", b"x"), Some(&b"rest"[..]));
        assert_eq!(pgpass_field(b"db\\:1:rest", b"db:1"), Some(&b"rest"[..]));
        assert_eq!(pgpass_field(b"a\\\\b:rest", b"a\\b"), Some(&b"rest"[..]));
        assert_eq!(pgpass_field(b"abc:rest", b"ab"), None);
        assert_eq!(pgpass_field(b"ab:rest", b"abc"), None);
        assert_eq!(pgpass_field(b"*x:rest", b"*x"), Some(&b"rest"[..]));
        assert_eq!(pgpass_field(b"ab", b"ab"), None);
    }

    #[test]
    fn int_params() {
        assert_eq!(parse_int(" 10 ", "port"), Ok(10));
        assert!(parse_int("10x", "port").is_err());
        assert!(parse_int("", "port").is_err());
        assert!(parse_int("99999999999", "port").is_err());
    }

    #[test]
    fn a_keyword_is_set_where_it_is_written() {
        let base = "host=db port=5432 ssl_max_protocol_version=TLSv1.2 sslmode=verify-full";
        assert_eq!(
            with_keyword(base, "ssl_max_protocol_version", "TLSv1.3").unwrap(),
            "host=db port=5432 ssl_max_protocol_version=TLSv1.3 sslmode=verify-full"
        );
        assert_eq!(
            with_keyword("host=db", "sslrootcert", "/etc/ssl/my ca.pem").unwrap(),
            "host=db sslrootcert='/etc/ssl/my ca.pem'"
        );
        let quoted = "application_name='a  b' sslmode = 'require' sslmode=prefer";
        let set = with_keyword(quoted, "sslmode", "verify-full").unwrap();
        assert_eq!(set, "application_name='a  b' sslmode=verify-full");
        let params = parse(&set).unwrap();
        assert_eq!(params.get("sslmode"), Some("verify-full"));
        assert_eq!(params.get("application_name"), Some("a  b"));
        assert_eq!(
            with_keyword(
                "postgresql://db/kong?sslmode=require",
                "sslmode",
                "verify-full"
            )
            .unwrap(),
            "postgresql://db/kong?sslmode=require&sslmode=verify-full"
        );
        assert!(with_keyword("host='db", "sslmode", "require").is_err());
    }
}
