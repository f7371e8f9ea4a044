//! `kong.conf` and the `KONG_*` environment as Kong 2.8 and 3.x read them, for the
//! settings that decide how Kong reaches PostgreSQL (`pg_*`, `pg_ro_*`,
//! `lua_ssl_*`).
//!
//! The file goes through Penlight's `pl.config.read` (the reader Kong uses:
//! `#`/`;` comment lines, backslash continuation, `[^%w]` in keys turned into
//! `_`, values that look like numbers converted to numbers) and then Kong's
//! own comment stripping (an unescaped `#` ends the value, `\#` is a literal
//! `#`). Priority is built-in defaults < file < environment. Each typed value
//! remembers where it came from, and values Kong would reject or silently
//! misread are reported with the key and the value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::{Diagnostic, Location, Secret, TlsVersion};

/// One `key = value` line of the file, after Kong's reader is done with it.
#[derive(Clone, PartialEq, Eq)]
pub struct KongEntry {
    /// The key after Penlight replaced every non-alphanumeric byte with `_`.
    pub key: String,
    /// The value as Kong sees it: number-looking values re-printed the way
    /// Lua prints numbers, comment removed, `\#` turned into `#`, trimmed.
    pub value: String,
    /// The value as written (after `=` and the blanks around it).
    pub written: String,
    /// Where it is (the first line of a continued line).
    pub location: Location,
}

impl std::fmt::Debug for KongEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = self.key.contains("password");
        let hide = |v: &String| if secret { "***".to_string() } else { v.clone() };
        f.debug_struct("KongEntry")
            .field("key", &self.key)
            .field("value", &hide(&self.value))
            .field("written", &hide(&self.written))
            .field("location", &self.location)
            .finish()
    }
}

/// A parsed `kong.conf`. Later lines win over earlier ones with the same key.
#[derive(Debug, Clone, Default)]
pub struct KongFile {
    /// Every assignment, in file order.
    pub entries: Vec<KongEntry>,
    /// Lines Kong reads differently from what they seem to say.
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KongOrigin {
    /// Kong's built-in default.
    Default,
    /// A line of `kong.conf`.
    File(Location),
    /// An environment variable (its name, e.g. `KONG_PG_HOST`).
    Env(String),
}

impl std::fmt::Display for KongOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KongOrigin::Default => f.write_str("default"),
            KongOrigin::File(l) => write!(f, "{l}"),
            KongOrigin::Env(v) => write!(f, "environment variable {v}"),
        }
    }
}

/// A typed setting with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KongValue<T> {
    /// The value Kong uses.
    pub value: T,
    /// Where it came from.
    pub origin: KongOrigin,
}

/// `pg_ssl_version` (Enterprise): which TLS version the LuaSec path pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KongSslVersion {
    /// `tlsv1`: TLS 1.0 only (Kong Enterprise 2.8's default; 3.x rejects it).
    Tlsv1,
    /// `tlsv1_1`
    Tlsv1_1,
    /// `tlsv1_2` (default)
    Tlsv1_2,
    /// `tlsv1_3`
    Tlsv1_3,
    /// `any`: TLS 1.1 and up.
    Any,
}

impl KongSslVersion {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            KongSslVersion::Tlsv1 => "tlsv1",
            KongSslVersion::Tlsv1_1 => "tlsv1_1",
            KongSslVersion::Tlsv1_2 => "tlsv1_2",
            KongSslVersion::Tlsv1_3 => "tlsv1_3",
            KongSslVersion::Any => "any",
        }
    }

    /// The versions this setting allows (min and max are the same except for `any`).
    pub fn range(self) -> (TlsVersion, TlsVersion) {
        match self {
            KongSslVersion::Tlsv1 => (TlsVersion::Tls1_0, TlsVersion::Tls1_0),
            KongSslVersion::Tlsv1_1 => (TlsVersion::Tls1_1, TlsVersion::Tls1_1),
            KongSslVersion::Tlsv1_2 => (TlsVersion::Tls1_2, TlsVersion::Tls1_2),
            KongSslVersion::Tlsv1_3 => (TlsVersion::Tls1_3, TlsVersion::Tls1_3),
            KongSslVersion::Any => (TlsVersion::Tls1_1, TlsVersion::Tls1_3),
        }
    }
}

/// One entry of `lua_ssl_trusted_certificate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustedCert {
    /// `system`: the first existing of [`SYSTEM_CA_BUNDLES`].
    System,
    /// A file (relative names are relative to Kong's working directory).
    Path(PathBuf),
    /// A PEM given inline, or base64 of a PEM (already decoded here).
    InlinePem(String),
}

/// Where Kong looks for the system bundle, in order
/// (`get_system_trusted_certs_filepath`).
pub const SYSTEM_CA_BUNDLES: [&str; 6] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The built-in defaults of the settings pgtls models, for one Kong
/// version: the values of that version's `kong/templates/kong_defaults.lua`
/// (Enterprise-only keys as Kong Enterprise's copy of the file has them),
/// and the OpenSSL its packages bundle, which decides what
/// `lua_ssl_protocols` can actually negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KongDefaults {
    /// `major.minor`, as `--kong-version` takes it.
    pub version: &'static str,
    /// `pg_host`.
    pub pg_host: &'static str,
    /// `pg_port`.
    pub pg_port: u16,
    /// `pg_user`.
    pub pg_user: &'static str,
    /// `pg_database`.
    pub pg_database: &'static str,
    /// `pg_timeout` in milliseconds.
    pub pg_timeout_ms: u64,
    /// `pg_ssl`.
    pub pg_ssl: bool,
    /// `pg_ssl_required` (Enterprise).
    pub pg_ssl_required: bool,
    /// `pg_ssl_verify`.
    pub pg_ssl_verify: bool,
    /// `pg_ssl_version` (Enterprise).
    pub pg_ssl_version: KongSslVersion,
    /// The `pg_ssl_version` keywords this version accepts.
    pub pg_ssl_versions: &'static [KongSslVersion],
    /// `lua_ssl_trusted_certificate` (`None` for Kong's `NONE`: no bundle).
    pub lua_ssl_trusted_certificate: Option<&'static str>,
    /// `lua_ssl_verify_depth`.
    pub lua_ssl_verify_depth: u32,
    /// `lua_ssl_protocols`, as written in the defaults file.
    pub lua_ssl_protocols: &'static str,
    /// The OpenSSL major version Kong's packages bundle (`1.1.1` or `3`).
    /// OpenSSL 3 refuses TLS 1.0 and 1.1 at its default security level 1
    /// (their handshake signs with SHA-1/MD5), so the TLSv1.1 of the
    /// default `lua_ssl_protocols` never negotiates there.
    pub openssl: &'static str,
}

impl KongDefaults {
    /// Whether the bundled OpenSSL refuses TLS 1.0 and 1.1 at its default
    /// security level.
    pub fn openssl_refuses_tls1_1(&self) -> bool {
        self.openssl.starts_with('3')
    }
}

// Sources, read for each version (kong_defaults.lua unless said otherwise):
// - pg_host 127.0.0.1, pg_port 5432, pg_database kong, pg_timeout 5000,
//   pg_user kong, pg_ssl off, pg_ssl_verify off: unchanged in every
//   Kong/kong `kong/templates/kong_defaults.lua` from 2.x to 3.x;
//   pg_ssl_required off: Kong Enterprise's kong_defaults.lua (2.x and 3.x).
// - lua_ssl_verify_depth 1 and lua_ssl_protocols "TLSv1.1 TLSv1.2 TLSv1.3":
//   kong/templates/kong_defaults.lua of 2.8 (also Kong's 2.8.x configuration
//   reference, docs.konghq.com app/gateway/2.8.x/reference/configuration.md)
//   and of every 3.x (no version has another lua_ssl_protocols default;
//   ssl_protocols, the listeners' setting, is the same list).
// - lua_ssl_trusted_certificate: NONE in 2.8; `system` from 3.0
//   (Kong/kong CHANGELOG.md 3.0.0 "The default value of
//   `lua_ssl_trusted_certificate` has changed to `system`", #8602).
// - pg_ssl_version (Enterprise): `tlsv1` in 2.8, `tlsv1_2` from 3.0 (Kong
//   Enterprise kong_defaults.lua; Kong's 2.8 to 3.4 upgrade guide lists
//   "pg_ssl_version = tlsv1 | pg_ssl_version = tlsv1_2"). 3.x rejects
//   `tlsv1`; the values 2.8 accepts besides its default are taken to be
//   3.x's (unconfirmed).
// - OpenSSL: 1.1.1 up to 3.3; 3.x from 3.4 (Kong/kong CHANGELOG.md 3.4.0,
//   Dependencies: "Bumped OpenSSL from 1.1.1t to 3.1.1", #10180 #11140).
//   These are the open-source packages'; Kong Enterprise's are taken to
//   follow them (unconfirmed).
const V2_SSL_VERSIONS: [KongSslVersion; 5] = [
    KongSslVersion::Tlsv1,
    KongSslVersion::Tlsv1_1,
    KongSslVersion::Tlsv1_2,
    KongSslVersion::Tlsv1_3,
    KongSslVersion::Any,
];
const V3_SSL_VERSIONS: [KongSslVersion; 4] = [
    KongSslVersion::Tlsv1_1,
    KongSslVersion::Tlsv1_2,
    KongSslVersion::Tlsv1_3,
    KongSslVersion::Any,
];

const fn v3(version: &'static str, openssl: &'static str) -> KongDefaults {
    KongDefaults {
        version,
        pg_host: "127.0.0.1",
        pg_port: 5432,
        pg_user: "kong",
        pg_database: "kong",
        pg_timeout_ms: 5000,
        pg_ssl: false,
        pg_ssl_required: false,
        pg_ssl_verify: false,
        pg_ssl_version: KongSslVersion::Tlsv1_2,
        pg_ssl_versions: &V3_SSL_VERSIONS,
        lua_ssl_trusted_certificate: Some("system"),
        lua_ssl_verify_depth: 1,
        lua_ssl_protocols: "TLSv1.1 TLSv1.2 TLSv1.3",
        openssl,
    }
}

/// Every Kong version whose defaults pgtls knows, oldest first; the last is
/// the default of `--kong-version`.
pub const KONG_VERSIONS: [KongDefaults; 11] = [
    KongDefaults {
        version: "2.8",
        pg_host: "127.0.0.1",
        pg_port: 5432,
        pg_user: "kong",
        pg_database: "kong",
        pg_timeout_ms: 5000,
        pg_ssl: false,
        pg_ssl_required: false,
        pg_ssl_verify: false,
        pg_ssl_version: KongSslVersion::Tlsv1,
        pg_ssl_versions: &V2_SSL_VERSIONS,
        lua_ssl_trusted_certificate: None,
        lua_ssl_verify_depth: 1,
        lua_ssl_protocols: "TLSv1.1 TLSv1.2 TLSv1.3",
        openssl: "1.1.1",
    },
    v3("3.0", "1.1.1"),
    v3("3.1", "1.1.1"),
    v3("3.2", "1.1.1"),
    v3("3.3", "1.1.1"),
    v3("3.4", "3"),
    v3("3.5", "3"),
    v3("3.6", "3"),
    v3("3.7", "3"),
    v3("3.8", "3"),
    v3("3.9", "3"),
];

/// The newest Kong version pgtls knows (the default).
pub fn newest_kong() -> &'static KongDefaults {
    &KONG_VERSIONS[KONG_VERSIONS.len() - 1]
}

/// The defaults of Kong `version` (`3.4`, or a release such as `3.4.2` or
/// Kong Enterprise's `3.4.3.12`); an unknown version is an error that
/// lists the known ones.
pub fn kong_defaults(version: &str) -> Result<&'static KongDefaults, String> {
    let v = version.trim();
    let mut parts = v.split('.');
    let major_minor = match (parts.next(), parts.next()) {
        (Some(a), Some(b)) => format!("{a}.{b}"),
        _ => v.to_string(),
    };
    KONG_VERSIONS
        .iter()
        .find(|d| d.version == major_minor)
        .ok_or_else(|| {
            let known: Vec<&str> = KONG_VERSIONS.iter().map(|d| d.version).collect();
            format!(
                "unknown Kong version '{v}': pgtls knows the defaults of Kong {}",
                known.join(", ")
            )
        })
}

/// The settings of one database connection (`pg_*`, or `pg_ro_*` with the
/// `pg_*` values filled in).
#[derive(Debug, Clone, PartialEq)]
pub struct KongPg {
    /// `pg_host` (default 127.0.0.1).
    pub host: KongValue<String>,
    /// `pg_port` (default 5432).
    pub port: KongValue<u16>,
    /// `pg_user` (default kong).
    pub user: KongValue<String>,
    /// `pg_password` (default none).
    pub password: KongValue<Option<Secret>>,
    /// `pg_database` (default kong).
    pub database: KongValue<String>,
    /// `pg_schema` (default none).
    pub schema: KongValue<Option<String>>,
    /// `pg_timeout` in milliseconds, for connect, send and read each (default 5000).
    pub timeout_ms: KongValue<u64>,
    /// `pg_ssl` (default off): ask for TLS, fall back to plaintext if refused.
    pub ssl: KongValue<bool>,
    /// `pg_ssl_required` (Enterprise, default off).
    pub ssl_required: KongValue<bool>,
    /// `pg_ssl_verify` (default off): verify the chain (never the host name).
    pub ssl_verify: KongValue<bool>,
    /// `pg_ssl_version` (Enterprise; default tlsv1 in 2.8, tlsv1_2 in 3.x).
    pub ssl_version: KongValue<KongSslVersion>,
    /// `pg_ssl_cert` (Enterprise): client certificate file.
    pub ssl_cert: KongValue<Option<PathBuf>>,
    /// `pg_ssl_cert_key` (Enterprise): client key file.
    pub ssl_cert_key: KongValue<Option<PathBuf>>,
}

/// An Enterprise-only option that the file or the environment sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseOption {
    /// The key, e.g. `pg_ssl_required`.
    pub key: &'static str,
    /// Where it was set.
    pub origin: KongOrigin,
}

/// Kong's database-related settings after defaults, file and environment.
#[derive(Debug, Clone)]
pub struct KongConf {
    /// The read-write connection.
    pub pg: KongPg,
    /// The read-only connection, when any `pg_ro_*` setting is given.
    pub pg_ro: Option<KongPg>,
    /// `lua_ssl_trusted_certificate` (default: none in 2.8, `system` in 3.x).
    pub lua_ssl_trusted_certificate: KongValue<Vec<TrustedCert>>,
    /// `lua_ssl_verify_depth` (default 1).
    pub lua_ssl_verify_depth: KongValue<u32>,
    /// `lua_ssl_protocols` (default TLSv1.1 TLSv1.2 TLSv1.3; see
    /// [`KongConf::usable_protocols`] for what negotiates).
    pub lua_ssl_protocols: KongValue<Vec<TlsVersion>>,
    /// The Enterprise-only options that are set, in key order.
    pub enterprise_options: Vec<EnterpriseOption>,
    /// Invalid or misread values (each names the key and the value), and
    /// keys Kong ignores.
    pub diagnostics: Vec<Diagnostic>,
    /// The Kong version whose defaults filled in what is not set.
    pub defaults: &'static KongDefaults,
}

impl KongConf {
    /// The versions of `lua_ssl_protocols` this Kong version's OpenSSL can
    /// negotiate: with OpenSSL 3, TLS 1.0 and 1.1 are refused at the
    /// default security level, so they are dropped (unless nothing else is
    /// left, when the list is kept as written and the handshake fails).
    pub fn usable_protocols(&self) -> Vec<TlsVersion> {
        let all = &self.lua_ssl_protocols.value;
        if !self.defaults.openssl_refuses_tls1_1() {
            return all.clone();
        }
        let kept: Vec<TlsVersion> = all
            .iter()
            .copied()
            .filter(|v| *v >= TlsVersion::Tls1_2)
            .collect();
        if kept.is_empty() {
            all.clone()
        } else {
            kept
        }
    }
}

/// The `pg_` keys modelled here (their defaults are in [`KONG_VERSIONS`]).
const PG_KEYS: [&str; 13] = [
    "host",
    "port",
    "user",
    "password",
    "database",
    "schema",
    "timeout",
    "ssl",
    "ssl_required",
    "ssl_verify",
    "ssl_version",
    "ssl_cert",
    "ssl_cert_key",
];

const LUA_KEYS: [&str; 3] = [
    "lua_ssl_trusted_certificate",
    "lua_ssl_verify_depth",
    "lua_ssl_protocols",
];

/// Keys Kong reads as numbers, where re-printing a number changes nothing.
const NUMERIC_KEYS: [&str; 5] = [
    "pg_port",
    "pg_timeout",
    "pg_ro_port",
    "pg_ro_timeout",
    "lua_ssl_verify_depth",
];

const ENTERPRISE_SUFFIXES: [&str; 4] = ["ssl_required", "ssl_version", "ssl_cert", "ssl_cert_key"];

fn known_keys() -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for k in PG_KEYS {
        keys.push(format!("pg_{k}"));
        keys.push(format!("pg_ro_{k}"));
    }
    keys.extend(LUA_KEYS.iter().map(|k| (*k).to_string()));
    keys
}

/// Lua's `%s`: space, \t, \n, \v, \f, \r.
fn is_lua_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

fn lua_strip(s: &str) -> &str {
    s.trim_matches(is_lua_space)
}

/// Parses the text of a `kong.conf` named `file`.
pub fn parse(text: &str, file: &Path) -> KongFile {
    let file: Arc<Path> = Arc::from(file);
    let mut out = KongFile::default();
    let mut pending = String::new();
    let mut pending_line = 0usize;
    let mut in_section: Option<Location> = None;
    for (idx, l) in text.split('\n').enumerate() {
        let lineno = idx + 1;
        let first = l.trim_start_matches(is_lua_space);
        if first.is_empty() || first.starts_with(['#', ';']) {
            continue;
        }
        // A backslash followed only by blanks continues the line; the text
        // before it is kept as is.
        let cont = l.trim_end_matches(is_lua_space).strip_suffix('\\');
        if pending.is_empty() {
            pending_line = lineno;
        }
        if let Some(body) = cont {
            pending.push_str(body);
            continue;
        }
        pending.push_str(l);
        let line = std::mem::take(&mut pending);
        let loc = Location::new(file.clone(), pending_line);
        if line.starts_with('[') {
            let section = line.split(']').next().unwrap_or("").trim_start_matches('[');
            out.diagnostics.push(Diagnostic::warning(
                Some(loc.clone()),
                format!("section header [{section}]: Kong's reader nests the keys after it, and Kong ignores them"),
            ));
            in_section = Some(loc);
            continue;
        }
        let line = line.trim_start_matches(is_lua_space);
        let Some(eq) = line.find('=') else {
            out.diagnostics.push(Diagnostic::warning(
                Some(loc),
                format!(
                    "line without '=' is ignored by Kong: \"{}\"",
                    lua_strip(line)
                ),
            ));
            continue;
        };
        let key_raw = line[..eq].trim_end_matches(is_lua_space);
        let key: String = key_raw
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    b as char
                } else {
                    '_'
                }
            })
            .collect();
        let written = line[eq + 1..].trim_start_matches(is_lua_space);
        if in_section.is_some() {
            continue;
        }
        if written.contains("_blank_") {
            out.diagnostics.push(Diagnostic::error(
                Some(loc),
                format!("{key} has a value containing \"_blank_\", which Kong's reader splits into a list and then fails on"),
            ));
            continue;
        }
        let value = kong_value(written, &key, &loc, &mut out.diagnostics);
        out.entries.push(KongEntry {
            key,
            value,
            written: lua_strip(written).to_string(),
            location: loc,
        });
    }
    if !pending.is_empty() {
        out.diagnostics.push(Diagnostic::warning(
            Some(Location::new(file.clone(), pending_line)),
            "the last line ends with a backslash continuation and is dropped by Kong's reader",
        ));
    }
    out
}

/// Penlight's number conversion, then Kong's `strip_comments`.
fn kong_value(written: &str, key: &str, loc: &Location, diags: &mut Vec<Diagnostic>) -> String {
    let mut v = written.to_string();
    if written.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-') {
        let num = lua_tonumber(written).or_else(|| {
            written
                .trim_end_matches(is_lua_space)
                .strip_suffix(" kB")
                .and_then(lua_tonumber)
        });
        if let Some(n) = num {
            v = lua_number_to_string(n);
            let shown = lua_strip(written);
            if v != shown && !NUMERIC_KEYS.contains(&key) {
                diags.push(Diagnostic::warning(
                    Some(loc.clone()),
                    if key.contains("password") {
                        format!("{key}: Kong's reader takes the value for a number and sends its decimal form instead of what is written")
                    } else {
                        format!("{key} = '{shown}': Kong's reader takes it for a number and uses '{v}'")
                    },
                ));
            }
            return v;
        }
    }
    // `\s*(?<!\\)#.*$` then `\#` -> `#`.
    let bytes = v.as_bytes();
    let mut cut = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1] != b'\\') {
            cut = Some(i);
            break;
        }
    }
    if let Some(i) = cut {
        let kept = v[..i].trim_end_matches(is_lua_space).to_string();
        if key.ends_with("password") && !v[i..].trim_start_matches('#').trim().is_empty() {
            diags.push(Diagnostic::warning(
                Some(loc.clone()),
                format!("{key}: everything from the first '#' is dropped as a comment; write \\# for a '#' in the password"),
            ));
        }
        v = kept;
    }
    lua_strip(&v.replace("\\#", "#")).to_string()
}

/// LuaJIT's `tonumber` on a string: blanks around, optional sign, decimal
/// with fraction and exponent, or hexadecimal.
fn lua_tonumber(s: &str) -> Option<f64> {
    let t = lua_strip(s);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let v = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        hex.bytes().fold(0f64, |acc, b| {
            acc * 16.0 + f64::from((b as char).to_digit(16).unwrap_or(0))
        })
    } else {
        let lower = body.to_ascii_lowercase();
        if lower == "inf" || lower == "infinity" {
            f64::INFINITY
        } else if lower == "nan" {
            f64::NAN
        } else {
            let ok = !body.is_empty()
                && body
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
                && body
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_digit() || b == b'.');
            if !ok {
                return None;
            }
            body.parse::<f64>().ok()?
        }
    };
    Some(if neg { -v } else { v })
}

/// Lua's `tostring` for numbers (`%.14g`).
fn lua_number_to_string(n: f64) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if n.is_infinite() {
        return if n < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if n == 0.0 {
        return if n.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{n:.13e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if !(-4..14).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", trim(mant), sign, exp.abs())
    } else {
        let decimals = usize::try_from(13 - exp).unwrap_or(0);
        trim(&format!("{n:.decimals$}"))
    }
}

/// Standard base64 (with or without padding), as `ngx.decode_base64`.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    if bits >= 6 {
        return None;
    }
    Some(out)
}

struct Resolver<'a> {
    file: BTreeMap<&'a str, &'a KongEntry>,
    env: BTreeMap<String, String>,
}

impl Resolver<'_> {
    /// Environment > file > default. `None` when unset (Kong's `NONE` or
    /// an empty value).
    fn get(&self, key: &str, default: Option<&str>) -> Option<(String, KongOrigin)> {
        let env_name = format!("KONG_{}", key.to_ascii_uppercase());
        let (v, origin) = if let Some(v) = self.env.get(&env_name) {
            (lua_strip(v).to_string(), KongOrigin::Env(env_name))
        } else if let Some(e) = self.file.get(key) {
            (e.value.clone(), KongOrigin::File(e.location.clone()))
        } else {
            (default?.to_string(), KongOrigin::Default)
        };
        (!v.is_empty()).then_some((v, origin))
    }

    fn is_set(&self, key: &str) -> Option<KongOrigin> {
        self.get(key, None).map(|(_, o)| o)
    }
}

fn diag_at(origin: &KongOrigin, severity_error: bool, msg: String) -> Diagnostic {
    let (loc, msg) = match origin {
        KongOrigin::File(l) => (Some(l.clone()), msg),
        KongOrigin::Env(v) => (None, format!("{msg} (from {v})")),
        KongOrigin::Default => (None, msg),
    };
    if severity_error {
        Diagnostic::error(loc, msg)
    } else {
        Diagnostic::warning(loc, msg)
    }
}

struct Typer<'a> {
    r: &'a Resolver<'a>,
    d: &'static KongDefaults,
    diags: Vec<Diagnostic>,
}

impl Typer<'_> {
    fn string(&mut self, key: &str, default: &str) -> KongValue<String> {
        match self.r.get(key, Some(default)) {
            Some((v, origin)) => KongValue { value: v, origin },
            None => KongValue {
                value: default.to_string(),
                origin: KongOrigin::Default,
            },
        }
    }

    fn opt_string(&mut self, key: &str) -> KongValue<Option<String>> {
        match self.r.get(key, None) {
            Some((v, origin)) => KongValue {
                value: Some(v),
                origin,
            },
            None => KongValue {
                value: None,
                origin: KongOrigin::Default,
            },
        }
    }

    /// Kong's `boolean`: `on` and `true` are true, anything else false.
    fn boolean(&mut self, key: &str, default: bool) -> KongValue<bool> {
        let Some((v, origin)) = self.r.get(key, None) else {
            return KongValue {
                value: default,
                origin: KongOrigin::Default,
            };
        };
        let value = v == "on" || v == "true";
        if !matches!(v.as_str(), "on" | "off" | "true" | "false") {
            self.diags.push(diag_at(
                &origin,
                false,
                format!("{key} = '{v}': Kong accepts only on, off, true and false and reads this as off"),
            ));
        }
        KongValue { value, origin }
    }

    fn number(&mut self, key: &str, default: f64) -> (f64, KongOrigin) {
        let Some((v, origin)) = self.r.get(key, None) else {
            return (default, KongOrigin::Default);
        };
        match lua_tonumber(&v) {
            Some(n) if n.is_finite() => (n, origin),
            _ => {
                self.diags.push(diag_at(
                    &origin,
                    false,
                    format!("{key} is not a number: '{v}'; Kong drops the value and its driver uses its own default"),
                ));
                (default, KongOrigin::Default)
            }
        }
    }

    fn integer(&mut self, key: &str, default: u64, max: u64) -> KongValue<u64> {
        let (n, origin) = self.number(key, default as f64);
        if n < 0.0 || n > max as f64 || n.fract() != 0.0 {
            self.diags.push(diag_at(
                &origin,
                true,
                format!(
                    "{key} has an invalid value: '{}' (a whole number from 0 to {max})",
                    lua_number_to_string(n)
                ),
            ));
            return KongValue {
                value: default,
                origin: KongOrigin::Default,
            };
        }
        KongValue {
            value: n as u64,
            origin,
        }
    }

    fn ssl_version(&mut self, key: &str) -> KongValue<KongSslVersion> {
        let default = KongValue {
            value: self.d.pg_ssl_version,
            origin: KongOrigin::Default,
        };
        let Some((v, origin)) = self.r.get(key, None) else {
            return default;
        };
        let accepted = self.d.pg_ssl_versions;
        match accepted.iter().find(|k| k.keyword() == v) {
            Some(value) => KongValue {
                value: *value,
                origin,
            },
            None => {
                let list: Vec<&str> = accepted.iter().map(|k| k.keyword()).collect();
                self.diags.push(diag_at(
                    &origin,
                    true,
                    format!("{key} has an invalid value: '{v}' ({})", list.join(", ")),
                ));
                default
            }
        }
    }

    fn pg(&mut self, prefix: &str) -> KongPg {
        let k = |s: &str| format!("{prefix}{s}");
        let d = self.d;
        let port = self.integer(&k("port"), u64::from(d.pg_port), 65535);
        let timeout = self.integer(&k("timeout"), d.pg_timeout_ms, u64::from(u32::MAX));
        let password = self.opt_string(&k("password"));
        let path = |v: KongValue<Option<String>>| KongValue {
            value: v.value.map(PathBuf::from),
            origin: v.origin,
        };
        let cert = self.opt_string(&k("ssl_cert"));
        let key = self.opt_string(&k("ssl_cert_key"));
        KongPg {
            host: self.string(&k("host"), d.pg_host),
            port: KongValue {
                value: u16::try_from(port.value).unwrap_or(d.pg_port),
                origin: port.origin,
            },
            user: self.string(&k("user"), d.pg_user),
            password: KongValue {
                value: password.value.map(Secret::new),
                origin: password.origin,
            },
            database: self.string(&k("database"), d.pg_database),
            schema: self.opt_string(&k("schema")),
            timeout_ms: timeout,
            ssl: self.boolean(&k("ssl"), d.pg_ssl),
            ssl_required: self.boolean(&k("ssl_required"), d.pg_ssl_required),
            ssl_verify: self.boolean(&k("ssl_verify"), d.pg_ssl_verify),
            ssl_version: self.ssl_version(&k("ssl_version")),
            ssl_cert: path(cert),
            ssl_cert_key: path(key),
        }
    }
}

/// Combines the newest Kong version's defaults, an optional parsed file and
/// the environment (given as pairs; nothing is read from the process here).
pub fn resolve<K: AsRef<str>, V: AsRef<str>>(file: Option<&KongFile>, env: &[(K, V)]) -> KongConf {
    resolve_for(file, env, newest_kong())
}

/// [`resolve`] with the defaults of the given Kong version.
pub fn resolve_for<K: AsRef<str>, V: AsRef<str>>(
    file: Option<&KongFile>,
    env: &[(K, V)],
    defaults: &'static KongDefaults,
) -> KongConf {
    let mut diags = Vec::new();
    let mut file_map = BTreeMap::new();
    if let Some(f) = file {
        diags.extend(f.diagnostics.iter().cloned());
        for e in &f.entries {
            file_map.insert(e.key.as_str(), e);
        }
    }
    let env_map: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
        .collect();

    let known = known_keys();
    if let Some(f) = file {
        for e in &f.entries {
            if known.contains(&e.key) {
                continue;
            }
            if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(&e.key)) {
                diags.push(Diagnostic::warning(
                    Some(e.location.clone()),
                    format!(
                        "Kong ignores '{}': keys are case-sensitive; did you mean '{k}'",
                        e.key
                    ),
                ));
            }
        }
    }
    for name in env_map.keys() {
        let Some(rest) = name
            .get(..5)
            .filter(|p| p.eq_ignore_ascii_case("kong_"))
            .map(|_| &name[5..])
        else {
            continue;
        };
        let exact = format!("KONG_{}", rest.to_ascii_uppercase());
        if *name != exact && known.iter().any(|k| k.eq_ignore_ascii_case(rest)) {
            diags.push(Diagnostic::warning(
                None,
                format!("Kong ignores the environment variable {name}: it reads {exact}"),
            ));
        }
    }

    let r = Resolver {
        file: file_map,
        env: env_map,
    };
    let mut t = Typer {
        r: &r,
        d: defaults,
        diags: Vec::new(),
    };
    let pg = t.pg("pg_");
    let ro_set = PG_KEYS
        .iter()
        .any(|k| r.is_set(&format!("pg_ro_{k}")).is_some());
    let pg_ro = if ro_set {
        let ro = t.pg("pg_ro_");
        let pick = |ro_key: &str| r.is_set(&format!("pg_ro_{ro_key}")).is_some();
        Some(KongPg {
            host: if pick("host") {
                ro.host
            } else {
                pg.host.clone()
            },
            port: if pick("port") {
                ro.port
            } else {
                pg.port.clone()
            },
            user: if pick("user") {
                ro.user
            } else {
                pg.user.clone()
            },
            password: if pick("password") {
                ro.password
            } else {
                pg.password.clone()
            },
            database: if pick("database") {
                ro.database
            } else {
                pg.database.clone()
            },
            schema: if pick("schema") {
                ro.schema
            } else {
                pg.schema.clone()
            },
            timeout_ms: if pick("timeout") {
                ro.timeout_ms
            } else {
                pg.timeout_ms.clone()
            },
            ssl: if pick("ssl") { ro.ssl } else { pg.ssl.clone() },
            ssl_required: if pick("ssl_required") {
                ro.ssl_required
            } else {
                pg.ssl_required.clone()
            },
            ssl_verify: if pick("ssl_verify") {
                ro.ssl_verify
            } else {
                pg.ssl_verify.clone()
            },
            ssl_version: if pick("ssl_version") {
                ro.ssl_version
            } else {
                pg.ssl_version.clone()
            },
            ssl_cert: if pick("ssl_cert") {
                ro.ssl_cert
            } else {
                pg.ssl_cert.clone()
            },
            ssl_cert_key: if pick("ssl_cert_key") {
                ro.ssl_cert_key
            } else {
                pg.ssl_cert_key.clone()
            },
        })
    } else {
        None
    };

    let trusted = match r.get(
        "lua_ssl_trusted_certificate",
        defaults.lua_ssl_trusted_certificate,
    ) {
        Some((v, origin)) => {
            let mut list = Vec::new();
            for item in v.split(',').map(lua_strip).filter(|s| !s.is_empty()) {
                list.push(classify_trusted(item));
            }
            KongValue {
                value: list,
                origin,
            }
        }
        None => KongValue {
            value: Vec::new(),
            origin: KongOrigin::Default,
        },
    };
    let depth = t.integer(
        "lua_ssl_verify_depth",
        u64::from(defaults.lua_ssl_verify_depth),
        u64::from(u32::MAX),
    );
    let protocols = match r.get("lua_ssl_protocols", Some(defaults.lua_ssl_protocols)) {
        Some((v, origin)) => {
            let mut list = Vec::new();
            for word in v.split(is_lua_space).filter(|w| !w.is_empty()) {
                match TlsVersion::from_pg_name(word) {
                    Some(tv) => list.push(tv),
                    None if word.eq_ignore_ascii_case("SSLv2") || word.eq_ignore_ascii_case("SSLv3") => {}
                    None => t.diags.push(diag_at(
                        &origin,
                        true,
                        format!("lua_ssl_protocols has an invalid value: '{word}' (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)"),
                    )),
                }
            }
            list.sort();
            list.dedup();
            KongValue {
                value: list,
                origin,
            }
        }
        None => KongValue {
            value: defaults
                .lua_ssl_protocols
                .split(' ')
                .filter_map(TlsVersion::from_pg_name)
                .collect(),
            origin: KongOrigin::Default,
        },
    };

    let mut enterprise_options = Vec::new();
    for prefix in ["pg_", "pg_ro_"] {
        for suffix in ENTERPRISE_SUFFIXES {
            let key = format!("{prefix}{suffix}");
            if let Some(origin) = r.is_set(&key) {
                if origin != KongOrigin::Default {
                    if let Some(k) = ENTERPRISE_KEYS.iter().find(|k| **k == key) {
                        enterprise_options.push(EnterpriseOption { key: k, origin });
                    }
                }
            }
        }
    }
    diags.extend(t.diags);
    KongConf {
        pg,
        pg_ro,
        lua_ssl_trusted_certificate: trusted,
        lua_ssl_verify_depth: KongValue {
            value: u32::try_from(depth.value).unwrap_or(defaults.lua_ssl_verify_depth),
            origin: depth.origin,
        },
        lua_ssl_protocols: protocols,
        enterprise_options,
        diagnostics: diags,
        defaults,
    }
}

/// Whether only Kong Enterprise reads `key` (open-source Kong ignores it).
pub fn is_enterprise_key(key: &str) -> bool {
    ENTERPRISE_KEYS.contains(&key)
}

const ENTERPRISE_KEYS: [&str; 8] = [
    "pg_ssl_required",
    "pg_ssl_version",
    "pg_ssl_cert",
    "pg_ssl_cert_key",
    "pg_ro_ssl_required",
    "pg_ro_ssl_version",
    "pg_ro_ssl_cert",
    "pg_ro_ssl_cert_key",
];

fn classify_trusted(item: &str) -> TrustedCert {
    if item == "system" {
        return TrustedCert::System;
    }
    if item.contains("-----BEGIN") {
        return TrustedCert::InlinePem(item.to_string());
    }
    if let Some(bytes) = decode_base64(item) {
        if let Ok(text) = String::from_utf8(bytes) {
            if text.contains("-----BEGIN") {
                return TrustedCert::InlinePem(text);
            }
        }
    }
    TrustedCert::Path(PathBuf::from(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lua_numbers() {
        assert_eq!(lua_tonumber("5000"), Some(5000.0));
        assert_eq!(lua_tonumber(" 0x10 "), Some(16.0));
        assert_eq!(lua_tonumber("-1.5e3"), Some(-1500.0));
        assert_eq!(lua_tonumber("10.0.0.1"), None);
        assert_eq!(lua_tonumber("5000 # c"), None);
        assert_eq!(lua_tonumber("0x"), None);
        assert_eq!(lua_tonumber("1e"), None);
        assert_eq!(lua_number_to_string(123.0), "123");
        assert_eq!(lua_number_to_string(1e5), "100000");
        assert_eq!(lua_number_to_string(0.5), "0.5");
        assert_eq!(
            lua_number_to_string(12345678901234567.0),
            "1.2345678901235e+16"
        );
        assert_eq!(
            lua_number_to_string(123456789012345.0),
            "1.2345678901234e+14"
        );
        assert_eq!(lua_number_to_string(12345678901234.0), "12345678901234");
        assert_eq!(lua_number_to_string(0.0001), "0.0001");
        assert_eq!(lua_number_to_string(0.00001), "1e-05");
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("aGk").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("/etc/x.pem"), None);
    }
}
