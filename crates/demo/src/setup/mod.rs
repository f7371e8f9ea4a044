//! `pgtls setup`: a working mutual-TLS configuration in one command. It
//! mints a CA (or uses the operator's), optionally an intermediate, a server
//! certificate naming the hosts clients dial and a client certificate whose
//! CN is the client's user, and writes the postgresql.conf, pg_hba.conf,
//! pg_ident.conf, kong.conf and libpq lines that use them, so that the
//! configuration is right by construction instead of assembled from a
//! troubleshooting page. `--verify` proves it on a throwaway server before
//! the operator installs anything.
//!
//! The work is split so each part can be checked on its own: [`plan`]
//! builds everything in memory, [`write`] puts it on disk (atomically, never
//! replacing a file without `force`, never through a symbolic link), and
//! [`verify`] starts PostgreSQL with the written server side and connects
//! with the written client side.

mod render;
mod verify;
mod write;

use std::fmt;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use openssl::pkey::PKey;
use openssl::x509::{X509VerifyResult, X509};
use pgtls_catalogue::Text;
use pgtls_config::kong::{is_enterprise_key, KongSslVersion};
use pgtls_config::kong_client::{KongIntent, KongTls};
use pgtls_diagnose::text::SetupText;
use pgtls_diagnose::{Localized, Msg};
use pgtls_lab::{issue_cert, CertSpec, CertifiedKey, Validity};

pub use pgtls_lab::KeyType;
pub use render::{setup_json, setup_text};
pub use verify::{require_postgres, verify, Check, Verification};
pub use write::write;

use crate::error::SetupError;
use crate::text::{conf_quote, conninfo_value};

/// The pg_ident.conf map name used when the certificate's CN differs from
/// the database user.
pub const MAP_NAME: &str = "certmap";
/// The shortest and longest validity `--days` accepts.
pub const DAYS_RANGE: std::ops::RangeInclusive<u32> = 1..=36500;
/// Generated CAs live at least this long, so that renewing the leaves does
/// not mean redistributing the trust anchor.
const CA_MIN_DAYS: u32 = 3650;

/// Everything `pgtls setup` is told.
#[derive(Debug, Clone)]
pub struct SetupOptions {
    /// Where the files are written (created when missing).
    pub out: PathBuf,
    /// Names and addresses clients dial; the server certificate's SANs.
    /// Empty means localhost, 127.0.0.1 and ::1.
    pub hosts: Vec<String>,
    /// The client certificate's CN.
    pub user: String,
    /// The database user the client logs in as (default: [`Self::user`]).
    pub db_user: Option<String>,
    /// The database the client connects to.
    pub database: String,
    /// Validity of the server and client certificates, in days.
    pub days: u32,
    /// Key type of every generated key.
    pub key_type: KeyType,
    /// Sign the leaves with an intermediate CA under the root.
    pub intermediate: bool,
    /// An existing CA certificate (PEM; further certificates in the file
    /// are its issuers) to sign with instead of generating one.
    pub ca_cert: Option<PathBuf>,
    /// The key of [`Self::ca_cert`].
    pub ca_key: Option<PathBuf>,
    /// Where the server's files will be installed (the paths
    /// postgresql.conf names); default: the output directory.
    pub server_dir: Option<PathBuf>,
    /// Where the client's files will be installed (the paths kong.conf and
    /// the conninfo name); default: the output directory.
    pub client_dir: Option<PathBuf>,
    /// The ADDRESS field of the pg_hba.conf line.
    pub client_addr: String,
    /// The server's port, for kong.conf and the conninfo.
    pub port: u16,
}

impl SetupOptions {
    /// The defaults: user kong, database kong, 365 days, ECDSA P-256, no
    /// intermediate, hba address `all`, port 5432.
    pub fn new(out: impl Into<PathBuf>) -> SetupOptions {
        SetupOptions {
            out: out.into(),
            hosts: Vec::new(),
            user: "kong".to_string(),
            db_user: None,
            database: "kong".to_string(),
            days: 365,
            key_type: KeyType::EcP256,
            intermediate: false,
            ca_cert: None,
            ca_key: None,
            server_dir: None,
            client_dir: None,
            client_addr: "all".to_string(),
            port: 5432,
        }
    }
}

/// What a file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// The trust anchor(s) of both sides.
    CaCert,
    /// The generated CA's key.
    CaKey,
    /// The intermediate CA's certificate.
    IntermediateCert,
    /// The intermediate CA's key.
    IntermediateKey,
    /// The server certificate chain.
    ServerCert,
    /// The server key.
    ServerKey,
    /// The client certificate chain.
    ClientCert,
    /// The client key.
    ClientKey,
    /// Lines for postgresql.conf.
    PostgresqlConf,
    /// Lines for pg_hba.conf.
    HbaConf,
    /// Lines for pg_ident.conf.
    IdentConf,
    /// Lines for kong.conf.
    KongConf,
    /// The libpq connection string.
    Conninfo,
}

impl FileRole {
    /// A stable identifier for JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FileRole::CaCert => "ca_cert",
            FileRole::CaKey => "ca_key",
            FileRole::IntermediateCert => "intermediate_cert",
            FileRole::IntermediateKey => "intermediate_key",
            FileRole::ServerCert => "server_cert",
            FileRole::ServerKey => "server_key",
            FileRole::ClientCert => "client_cert",
            FileRole::ClientKey => "client_key",
            FileRole::PostgresqlConf => "postgresql_conf",
            FileRole::HbaConf => "pg_hba_conf",
            FileRole::IdentConf => "pg_ident_conf",
            FileRole::KongConf => "kong_conf",
            FileRole::Conninfo => "libpq_conninfo",
        }
    }

    /// Whether the file holds a private key.
    pub fn is_key(self) -> bool {
        matches!(
            self,
            FileRole::CaKey | FileRole::IntermediateKey | FileRole::ServerKey | FileRole::ClientKey
        )
    }

    /// One line on what the file is for.
    pub fn describe(self) -> Text {
        let (en, ja) = match self {
            FileRole::CaCert => ("CA certificate: the trust anchor of both sides (ssl_ca_file, lua_ssl_trusted_certificate, sslrootcert)", "CA 証明書: 両側の信頼の起点 (ssl_ca_file、lua_ssl_trusted_certificate、sslrootcert)"),
            FileRole::CaKey => ("CA private key: keep it offline, it is only needed to issue more certificates", "CA の秘密鍵: オフラインで保管してください。証明書を追加発行するときだけ必要です"),
            FileRole::IntermediateCert => ("intermediate CA certificate (also inside server.crt and client.crt)", "中間 CA 証明書 (server.crt と client.crt にも含まれます)"),
            FileRole::IntermediateKey => ("intermediate CA private key: keep it offline", "中間 CA の秘密鍵: オフラインで保管してください"),
            FileRole::ServerCert => ("server certificate chain (ssl_cert_file)", "サーバー証明書チェーン (ssl_cert_file)"),
            FileRole::ServerKey => ("server private key (ssl_key_file)", "サーバーの秘密鍵 (ssl_key_file)"),
            FileRole::ClientCert => ("client certificate chain (Kong pg_ssl_cert, libpq sslcert)", "クライアント証明書チェーン (Kong pg_ssl_cert、libpq sslcert)"),
            FileRole::ClientKey => ("client private key (Kong pg_ssl_cert_key, libpq sslkey)", "クライアントの秘密鍵 (Kong pg_ssl_cert_key、libpq sslkey)"),
            FileRole::PostgresqlConf => ("lines for postgresql.conf", "postgresql.conf に追加する行"),
            FileRole::HbaConf => ("line for pg_hba.conf", "pg_hba.conf に追加する行"),
            FileRole::IdentConf => ("line for pg_ident.conf", "pg_ident.conf に追加する行"),
            FileRole::KongConf => ("lines for kong.conf", "kong.conf に追加する行"),
            FileRole::Conninfo => ("libpq connection string (psql \"...\")", "libpq の接続文字列 (psql \"...\")"),
        };
        Text { en, ja }
    }
}

/// A file to write. Debug output never shows the contents of a key.
#[derive(Clone)]
pub struct PlannedFile {
    /// The file name inside the output directory.
    pub name: &'static str,
    /// What it is for.
    pub role: FileRole,
    /// Its permission bits (0600 for keys).
    pub mode: u32,
    /// Its contents.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for PlannedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("PlannedFile");
        d.field("name", &self.name)
            .field("role", &self.role)
            .field("mode", &format_args!("{:o}", self.mode));
        if self.role.is_key() {
            d.field("bytes", &"<private>");
        } else {
            d.field("len", &self.bytes.len());
        }
        d.finish()
    }
}

/// The configuration lines, as they appear in the snippet files.
#[derive(Debug, Clone)]
pub struct Snippets {
    /// postgresql.conf settings, `name = value` with the value quoted.
    pub postgresql: Vec<(String, String)>,
    /// The pg_hba.conf line.
    pub hba: String,
    /// The pg_ident.conf line, when the CN differs from the database user.
    pub ident: Option<String>,
    /// kong.conf settings.
    pub kong: Vec<(String, String)>,
    /// The Kong they are written from, which the written lines read back
    /// as.
    pub kong_intent: KongIntent,
    /// The libpq connection string (verify-full).
    pub conninfo: String,
}

/// Everything setup will write, built in memory.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The output directory, absolute.
    pub out: PathBuf,
    /// Where the server's files go, absolute.
    pub server_dir: PathBuf,
    /// Where the client's files go, absolute.
    pub client_dir: PathBuf,
    /// The files, in the order they are written.
    pub files: Vec<PlannedFile>,
    /// The configuration lines.
    pub snippets: Snippets,
    /// The server certificate's SANs, as given.
    pub hosts: Vec<String>,
    /// The client certificate's CN.
    pub cert_user: String,
    /// The database user.
    pub db_user: String,
    /// The database.
    pub database: String,
    /// The server port.
    pub port: u16,
    /// CA certificates between the leaves and the self-signed root.
    pub intermediates: u32,
    /// Things the operator should know (defaults taken, a CA that expires
    /// before the leaves...).
    pub notes: Vec<Msg>,
}

impl Plan {
    /// The file with this role, if planned.
    pub fn file(&self, role: FileRole) -> Option<&PlannedFile> {
        self.files.iter().find(|f| f.role == role)
    }
}

/// The file names setup writes.
pub mod names {
    /// Trust anchor(s).
    pub const CA_CERT: &str = "ca.crt";
    /// Generated CA key.
    pub const CA_KEY: &str = "ca.key";
    /// Intermediate CA certificate.
    pub const INTERMEDIATE_CERT: &str = "intermediate.crt";
    /// Intermediate CA key.
    pub const INTERMEDIATE_KEY: &str = "intermediate.key";
    /// Server chain.
    pub const SERVER_CERT: &str = "server.crt";
    /// Server key.
    pub const SERVER_KEY: &str = "server.key";
    /// Client chain.
    pub const CLIENT_CERT: &str = "client.crt";
    /// Client key.
    pub const CLIENT_KEY: &str = "client.key";
    /// postgresql.conf lines.
    pub const POSTGRESQL_CONF: &str = "postgresql.conf.snippet";
    /// pg_hba.conf line.
    pub const HBA_CONF: &str = "pg_hba.conf.snippet";
    /// pg_ident.conf line.
    pub const IDENT_CONF: &str = "pg_ident.conf.snippet";
    /// kong.conf lines.
    pub const KONG_CONF: &str = "kong.conf.snippet";
    /// libpq connection string.
    pub const CONNINFO: &str = "libpq.conninfo";
}

/// One `--host`: a subjectAltName entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    /// An iPAddress SAN.
    Ip(IpAddr),
    /// A dNSName SAN, lowercase.
    Dns(String),
}

/// A host name or address as a SAN. Wildcards are allowed in the leftmost
/// label only.
fn parse_host(host: &str) -> Result<Host, SetupError> {
    let h = host.trim();
    let h = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    if let Ok(ip) = h.parse::<IpAddr>() {
        return Ok(Host::Ip(ip));
    }
    let labels: Vec<&str> = h.split('.').collect();
    let valid = !h.is_empty()
        && h.len() <= 253
        && labels.iter().enumerate().all(|(i, l)| {
            (i == 0 && *l == "*" && labels.len() > 2)
                || (!l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        });
    if !valid {
        return Err(SetupError::InvalidOption(format!(
            "--host {host:?} is neither an IP address nor a DNS name"
        )));
    }
    Ok(Host::Dns(h.to_ascii_lowercase()))
}

/// A name that pg_hba.conf, pg_ident.conf and a certificate CN can all hold
/// without quoting.
fn check_name(option: &str, value: &str) -> Result<(), SetupError> {
    let ok = !value.is_empty()
        && value.len() <= 63
        && value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(SetupError::InvalidOption(format!(
            "{option} {value:?}: use letters, digits and _ . - @ (starting with a letter, digit or _), at most 63 characters"
        )))
    }
}

fn absolute(path: &Path) -> Result<PathBuf, SetupError> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let cwd =
        std::env::current_dir().map_err(|e| SetupError::io("read the current directory", e))?;
    Ok(cwd.join(path))
}

fn pem(cert: &X509) -> Result<Vec<u8>, SetupError> {
    cert.to_pem()
        .map_err(|e| SetupError::crypto("encode a certificate as PEM", e))
}

fn self_signed(cert: &X509) -> bool {
    cert.issued(cert) == X509VerifyResult::OK
}

/// The operator's CA: its certificate (and issuers) and key.
fn load_ca(cert_path: &Path, key_path: &Path) -> Result<(CertifiedKey, Vec<X509>), SetupError> {
    let cert_pem = fs::read(cert_path)
        .map_err(|e| SetupError::io(format!("read {}", cert_path.display()), e))?;
    let certs = X509::stack_from_pem(&cert_pem).map_err(|e| {
        SetupError::crypto(
            format!("parse {} as PEM certificates", cert_path.display()),
            e,
        )
    })?;
    let Some(first) = certs.first().cloned() else {
        return Err(SetupError::InvalidOption(format!(
            "{} holds no certificate",
            cert_path.display()
        )));
    };
    let key_pem = fs::read(key_path)
        .map_err(|e| SetupError::io(format!("read {}", key_path.display()), e))?;
    let key = PKey::private_key_from_pem(&key_pem).map_err(|e| {
        SetupError::crypto(
            format!(
                "parse {} as an unencrypted PEM private key (decrypt it first with `openssl pkey -in KEY -out PLAIN`)",
                key_path.display()
            ),
            e,
        )
    })?;
    let public = first
        .public_key()
        .map_err(|e| SetupError::crypto("read the CA certificate's public key", e))?;
    if !public.public_eq(&key) {
        return Err(SetupError::CaKeyMismatch {
            cert: cert_path.to_path_buf(),
            key: key_path.to_path_buf(),
        });
    }
    Ok((CertifiedKey { cert: first, key }, certs))
}

fn validity(days: u32) -> Validity {
    Validity {
        not_before_days: -1,
        not_after_days: i64::from(days),
    }
}

fn lab_err(context: &str) -> impl FnOnce(pgtls_lab::LabError) -> SetupError + '_ {
    move |e| SetupError::lab(context, e)
}

/// The postgresql.conf settings; file names relative to `dir`, or bare
/// (relative to the data directory) when `dir` is `None`.
pub(crate) fn server_settings(dir: Option<&Path>) -> Vec<(String, String)> {
    let path = |name: &str| match dir {
        Some(d) => conf_quote(&d.join(name).display().to_string()),
        None => conf_quote(name),
    };
    vec![
        ("ssl".into(), "on".into()),
        ("ssl_cert_file".into(), path(names::SERVER_CERT)),
        ("ssl_key_file".into(), path(names::SERVER_KEY)),
        ("ssl_ca_file".into(), path(names::CA_CERT)),
        ("ssl_min_protocol_version".into(), conf_quote("TLSv1.2")),
    ]
}

/// The pg_hba.conf line for `addr`.
pub(crate) fn hba_line(database: &str, db_user: &str, addr: &str, map: bool) -> String {
    let mut line = format!("hostssl {database} {db_user} {addr} cert");
    if map {
        line.push_str(&format!(" map={MAP_NAME}"));
    }
    line
}

/// The libpq conninfo with the client files in `dir`.
pub(crate) fn conninfo(
    host: &str,
    port: u16,
    database: &str,
    db_user: &str,
    dir: &Path,
    mode: &str,
) -> String {
    let path = |name: &str| conninfo_value(&dir.join(name).display().to_string());
    format!(
        "host={} port={port} dbname={} user={} sslmode={mode} sslrootcert={} sslcert={} sslkey={}",
        conninfo_value(host),
        conninfo_value(database),
        conninfo_value(db_user),
        path(names::CA_CERT),
        path(names::CLIENT_CERT),
        path(names::CLIENT_KEY)
    )
}

fn snippet_file(name: &'static str, role: FileRole, text: String) -> PlannedFile {
    PlannedFile {
        name,
        role,
        mode: 0o644,
        bytes: text.into_bytes(),
    }
}

/// Builds everything in memory: keys, certificates and snippets. Nothing is
/// written.
pub fn plan(options: &SetupOptions) -> Result<Plan, SetupError> {
    if !DAYS_RANGE.contains(&options.days) {
        return Err(SetupError::InvalidOption(format!(
            "--days {}: use 1 to {}",
            options.days,
            DAYS_RANGE.end()
        )));
    }
    check_name("--user", &options.user)?;
    let db_user = options
        .db_user
        .clone()
        .unwrap_or_else(|| options.user.clone());
    check_name("--db-user", &db_user)?;
    check_name("--database", &options.database)?;
    let addr = options.client_addr.trim();
    if addr.is_empty()
        || addr
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '#')
    {
        return Err(SetupError::InvalidOption(format!(
            "--client-addr {:?}: one pg_hba.conf ADDRESS (all, samenet, a CIDR such as 10.0.0.0/8, or a host name)",
            options.client_addr
        )));
    }
    if options.port == 0 {
        return Err(SetupError::InvalidOption("--port 0".into()));
    }
    let mut notes = Vec::new();

    let defaulted = options.hosts.is_empty();
    let hosts: Vec<String> = if defaulted {
        notes.push(SetupText::DefaultHostsOnly.msg());
        vec!["localhost".into(), "127.0.0.1".into(), "::1".into()]
    } else {
        options.hosts.clone()
    };
    let mut server_spec: Option<CertSpec> = None;
    let mut sans: Vec<String> = Vec::new();
    for h in &hosts {
        let parsed = parse_host(h)?;
        let name = match &parsed {
            Host::Ip(ip) => ip.to_string(),
            Host::Dns(dns) => dns.clone(),
        };
        if sans.contains(&name) {
            continue;
        }
        let spec = server_spec
            .take()
            .unwrap_or_else(|| CertSpec::server(&name));
        server_spec = Some(match parsed {
            Host::Ip(ip) => spec.ip(ip),
            Host::Dns(dns) => spec.dns(&dns),
        });
        sans.push(name);
    }
    let Some(server_spec) = server_spec else {
        return Err(SetupError::InvalidOption("--host: no usable host".into()));
    };
    let leaf_validity = validity(options.days);
    let server_spec = server_spec
        .validity(leaf_validity)
        .key_type(options.key_type);

    let out = absolute(&options.out)?;
    let server_dir = match &options.server_dir {
        Some(d) => absolute(d)?,
        None => out.clone(),
    };
    let client_dir = match &options.client_dir {
        Some(d) => absolute(d)?,
        None => out.clone(),
    };

    let ca_days = options.days.max(CA_MIN_DAYS);
    let mut files = Vec::new();
    let (root, trust) = match (&options.ca_cert, &options.ca_key) {
        (Some(cert), Some(key)) => {
            let (ca, chain) = load_ca(cert, key)?;
            if !chain.iter().any(self_signed) {
                notes.push(
                    SetupText::NoSelfSignedRoot {
                        file: &cert.display().to_string(),
                    }
                    .msg(),
                );
            }
            (ca, chain)
        }
        (None, None) => {
            let spec = CertSpec::ca(&format!("pgtls CA for {}", sans[0]), None)
                .validity(validity(ca_days))
                .key_type(options.key_type);
            let ca = issue_cert(&spec, None).map_err(lab_err("generate the CA"))?;
            let trust = vec![ca.cert.clone()];
            (ca, trust)
        }
        _ => {
            return Err(SetupError::InvalidOption(
                "--ca-cert and --ca-key go together".into(),
            ))
        }
    };
    let generated_ca = options.ca_cert.is_none();
    let mut trust_pem = Vec::new();
    for c in &trust {
        trust_pem.extend(pem(c)?);
    }
    files.push(PlannedFile {
        name: names::CA_CERT,
        role: FileRole::CaCert,
        mode: 0o644,
        bytes: trust_pem,
    });
    if generated_ca {
        files.push(PlannedFile {
            name: names::CA_KEY,
            role: FileRole::CaKey,
            mode: 0o600,
            bytes: root.key_pem().map_err(lab_err("encode the CA key"))?,
        });
    }

    let intermediate = if options.intermediate {
        let spec = CertSpec::ca(&format!("pgtls intermediate CA for {}", sans[0]), Some(0))
            .validity(validity(ca_days))
            .key_type(options.key_type);
        let ca = issue_cert(&spec, Some(&root)).map_err(lab_err("generate the intermediate CA"))?;
        files.push(PlannedFile {
            name: names::INTERMEDIATE_CERT,
            role: FileRole::IntermediateCert,
            mode: 0o644,
            bytes: pem(&ca.cert)?,
        });
        files.push(PlannedFile {
            name: names::INTERMEDIATE_KEY,
            role: FileRole::IntermediateKey,
            mode: 0o600,
            bytes: ca
                .key_pem()
                .map_err(lab_err("encode the intermediate key"))?,
        });
        Some(ca)
    } else {
        None
    };
    let signer = intermediate.as_ref().unwrap_or(&root);
    if !generated_ca {
        let leaf_end = openssl::asn1::Asn1Time::days_from_now(options.days)
            .map_err(|e| SetupError::crypto("compute the leaves' expiry", e))?;
        if signer.cert.not_after() < leaf_end {
            notes.push(
                SetupText::CaExpiresFirst {
                    not_after: &signer.cert.not_after().to_string(),
                }
                .msg(),
            );
        }
    }

    let chain_tail = match &intermediate {
        Some(i) => pem(&i.cert)?,
        None => Vec::new(),
    };
    let server =
        issue_cert(&server_spec, Some(signer)).map_err(lab_err("issue the server certificate"))?;
    let mut server_pem = pem(&server.cert)?;
    server_pem.extend_from_slice(&chain_tail);
    files.push(PlannedFile {
        name: names::SERVER_CERT,
        role: FileRole::ServerCert,
        mode: 0o644,
        bytes: server_pem,
    });
    files.push(PlannedFile {
        name: names::SERVER_KEY,
        role: FileRole::ServerKey,
        mode: 0o600,
        bytes: server.key_pem().map_err(lab_err("encode the server key"))?,
    });
    let client_spec = CertSpec::client(&options.user)
        .validity(leaf_validity)
        .key_type(options.key_type);
    let client =
        issue_cert(&client_spec, Some(signer)).map_err(lab_err("issue the client certificate"))?;
    let mut client_pem = pem(&client.cert)?;
    client_pem.extend_from_slice(&chain_tail);
    files.push(PlannedFile {
        name: names::CLIENT_CERT,
        role: FileRole::ClientCert,
        mode: 0o644,
        bytes: client_pem,
    });
    files.push(PlannedFile {
        name: names::CLIENT_KEY,
        role: FileRole::ClientKey,
        mode: 0o600,
        bytes: client.key_pem().map_err(lab_err("encode the client key"))?,
    });

    // CA certificates between a leaf and the self-signed root: ours, plus
    // the operator's CA and its non-root issuers.
    let intermediates =
        u32::from(intermediate.is_some()) + trust.iter().filter(|c| !self_signed(c)).count() as u32;
    let map = options.user != db_user;
    let first_host = sans[0].clone();

    let postgresql = server_settings(Some(&server_dir));
    let hba = hba_line(&options.database, &db_user, addr, map);
    let ident = map.then(|| format!("{MAP_NAME}  {}  {db_user}", options.user));
    let depth = intermediates.max(1);
    let kong_intent = KongIntent {
        host: first_host.clone(),
        port: options.port,
        user: db_user.clone(),
        database: options.database.clone(),
        tls: KongTls::Required,
        verify: true,
        ssl_version: Some(KongSslVersion::Tlsv1_2),
        protocols: None,
        trust: vec![client_dir.join(names::CA_CERT)],
        depth: Some(depth),
        cert: Some((
            client_dir.join(names::CLIENT_CERT),
            client_dir.join(names::CLIENT_KEY),
        )),
    };
    let kong: Vec<(String, String)> = kong_intent
        .settings()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let conninfo = conninfo(
        &first_host,
        options.port,
        &options.database,
        &db_user,
        &client_dir,
        "verify-full",
    );
    let snippets = Snippets {
        postgresql,
        hba,
        ident,
        kong,
        kong_intent,
        conninfo,
    };
    files.extend(snippet_files(
        &snippets,
        intermediates,
        &options.user,
        &db_user,
    ));
    // The kong.conf lines, comments and all, must be the Kong meant to
    // check and probe, which read them with this model.
    if let Some(f) = files.iter().find(|f| f.role == FileRole::KongConf) {
        snippets
            .kong_intent
            .read_back(
                &String::from_utf8_lossy(&f.bytes),
                Path::new(names::KONG_CONF),
            )
            .map_err(SetupError::KongConf)?;
    }
    Ok(Plan {
        out,
        server_dir,
        client_dir,
        files,
        snippets,
        hosts: sans,
        cert_user: options.user.clone(),
        db_user,
        database: options.database.clone(),
        port: options.port,
        intermediates,
        notes,
    })
}

fn snippet_files(
    s: &Snippets,
    intermediates: u32,
    cert_user: &str,
    db_user: &str,
) -> Vec<PlannedFile> {
    let mut pg = String::from(
        "# pgtls setup: TLS with client certificates. Append to postgresql.conf,\n\
         # then reload (SELECT pg_reload_conf();) or restart PostgreSQL.\n",
    );
    for (k, v) in &s.postgresql {
        pg.push_str(&format!("{k} = {v}\n"));
    }
    let mut hba = String::from(
        "# pgtls setup: put this line above any other line that could match the\n\
         # same connection (the first match wins), then reload.\n\
         # TYPE  DATABASE  USER  ADDRESS  METHOD\n",
    );
    hba.push_str(&s.hba);
    hba.push('\n');
    let ident = match &s.ident {
        Some(line) => format!(
            "# pgtls setup: the client certificate's CN ({cert_user}) is not the database\n\
             # user ({db_user}); this map lets it log in. Add to pg_ident.conf, then reload.\n\
             # MAPNAME  SYSTEM-USERNAME  PG-USERNAME\n{line}\n"
        ),
        None => format!(
            "# pgtls setup: nothing to add. The client certificate's CN ({cert_user}) is the\n\
             # database user, so `cert` needs no map.\n"
        ),
    };
    let mut kong = format!(
        "# pgtls setup: Kong's connection to PostgreSQL. Settings marked (Enterprise)\n\
         # are Kong Enterprise settings; open-source Kong ignores them and sends no\n\
         # client certificate, which the `cert` line in pg_hba.conf rejects.\n\
         # Kong does not check the server's host name, only its chain: trust this CA\n\
         # alone. The server chain has {intermediates} intermediate CA(s); lua_ssl_verify_depth\n\
         # must be at least that (Kong's default is 1).\n"
    );
    for (k, v) in &s.kong {
        if is_enterprise_key(k) {
            kong.push_str(&format!("{k} = {v}    # (Enterprise)\n"));
        } else {
            kong.push_str(&format!("{k} = {v}\n"));
        }
    }
    let conninfo = format!("{}\n", s.conninfo);
    vec![
        snippet_file(names::POSTGRESQL_CONF, FileRole::PostgresqlConf, pg),
        snippet_file(names::HBA_CONF, FileRole::HbaConf, hba),
        snippet_file(names::IDENT_CONF, FileRole::IdentConf, ident),
        snippet_file(names::KONG_CONF, FileRole::KongConf, kong),
        snippet_file(names::CONNINFO, FileRole::Conninfo, conninfo),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> SetupOptions {
        SetupOptions::new("/nonexistent/pgtls-setup-test")
    }

    #[test]
    fn hosts_become_sans_and_bad_hosts_are_refused() {
        assert!(matches!(parse_host("10.0.0.5").unwrap(), Host::Ip(_)));
        assert!(matches!(parse_host("[::1]").unwrap(), Host::Ip(_)));
        assert_eq!(
            parse_host("DB.example.com").unwrap(),
            Host::Dns("db.example.com".into())
        );
        assert!(parse_host("*.example.com").is_ok());
        for bad in ["", "a b", "-x.com", "x..com", "*.com", "a/b"] {
            assert!(parse_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_that_config_files_cannot_hold_are_refused() {
        for bad in ["", "a b", "+group", "@file", "x\"y", "a#b"] {
            assert!(check_name("--user", bad).is_err(), "{bad}");
        }
        for good in ["kong", "foo@example.com", "app_rw", "svc-1.prod"] {
            assert!(check_name("--user", good).is_ok(), "{good}");
        }
    }

    #[test]
    fn same_cn_and_user_need_no_map() {
        let p = plan(&SetupOptions {
            hosts: vec!["db.example.com".into()],
            ..opts()
        })
        .unwrap();
        assert_eq!(p.snippets.hba, "hostssl kong kong all cert");
        assert!(p.snippets.ident.is_none());
        assert!(p.snippets.conninfo.starts_with(
            "host=db.example.com port=5432 dbname=kong user=kong sslmode=verify-full "
        ));
        let kong: std::collections::BTreeMap<_, _> = p.snippets.kong.iter().cloned().collect();
        assert_eq!(kong["lua_ssl_verify_depth"], "1");
        assert_eq!(kong["pg_host"], "db.example.com");
        assert!(p.notes.is_empty());
    }

    /// Each kong.conf setup writes, comments and all, reads back through
    /// the model check and probe use as the Kong meant: Enterprise, TLS
    /// required, the chain verified against the CA setup wrote alone, deep
    /// enough for its intermediates, the client certificate sent.
    #[test]
    fn the_kong_conf_written_reads_back_as_meant() {
        let cases = [
            SetupOptions {
                hosts: vec!["db.example.com".into()],
                ..opts()
            },
            SetupOptions {
                user: "kong-gw".into(),
                db_user: Some("kong".into()),
                intermediate: true,
                port: 6432,
                ..opts()
            },
            SetupOptions {
                client_dir: Some("/etc/kong/pg".into()),
                database: "gateway".into(),
                ..opts()
            },
        ];
        for options in cases {
            let p = plan(&options).unwrap();
            let text =
                String::from_utf8(p.file(FileRole::KongConf).unwrap().bytes.clone()).unwrap();
            let k = p
                .snippets
                .kong_intent
                .read_back(&text, Path::new("/etc/kong/kong.conf"))
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert!(k.enterprise(), "{text}");
            assert_eq!(k.tls, KongTls::Required);
            assert!(k.verifies());
            assert_eq!(k.trust_paths(), [p.client_dir.join(names::CA_CERT)]);
            assert!(k.client_cert.sent());
            assert_eq!(
                k.client_cert.cert.value.as_deref(),
                Some(p.client_dir.join(names::CLIENT_CERT).as_path())
            );
            assert_eq!(
                k.client_cert.key.value.as_deref(),
                Some(p.client_dir.join(names::CLIENT_KEY).as_path())
            );
            assert_eq!(
                k.cosocket.depth.as_ref().map(|d| d.value),
                Some(p.intermediates.max(1))
            );
            assert_eq!(k.luasec.pin(), Some(pgtls_config::TlsVersion::Tls1_2));
            let pg = &k.conf.pg;
            assert_eq!(pg.host.value, p.hosts[0]);
            assert_eq!(pg.port.value, p.port);
            assert_eq!(pg.user.value, p.db_user);
            assert_eq!(pg.database.value, p.database);
        }
    }

    /// A client directory kong.conf cannot name: refused, with what Kong
    /// would read instead, before anything is written.
    #[test]
    fn a_kong_conf_that_would_read_otherwise_is_refused() {
        let e = plan(&SetupOptions {
            client_dir: Some("/etc/kong#pg".into()),
            ..opts()
        })
        .unwrap_err();
        let SetupError::KongConf(m) = &e else {
            panic!("{e}")
        };
        assert!(
            m.differences
                .iter()
                .any(|d| d.what == "lua_ssl_trusted_certificate" && d.read == "/etc/kong"),
            "{e}"
        );
        assert!(e
            .message(pgtls_catalogue::Lang::Ja)
            .contains("何も書き込んでいません"));
    }

    #[test]
    fn different_cn_and_user_get_a_map() {
        let p = plan(&SetupOptions {
            user: "kong-gw".into(),
            db_user: Some("kong".into()),
            intermediate: true,
            ..opts()
        })
        .unwrap();
        assert_eq!(p.snippets.hba, "hostssl kong kong all cert map=certmap");
        assert_eq!(p.snippets.ident.as_deref(), Some("certmap  kong-gw  kong"));
        assert_eq!(p.intermediates, 1);
        assert!(p.file(FileRole::IntermediateKey).is_some());
        // The leaf files carry the intermediate so peers can build the chain.
        let server = X509::stack_from_pem(&p.file(FileRole::ServerCert).unwrap().bytes).unwrap();
        assert_eq!(server.len(), 2);
        assert_eq!(p.notes.len(), 1, "defaulted hosts are noted");
    }

    #[test]
    fn keys_are_0600_and_hidden_from_debug() {
        let p = plan(&opts()).unwrap();
        for f in &p.files {
            assert_eq!(f.mode == 0o600, f.role.is_key(), "{}", f.name);
        }
        let debug = format!("{p:?}");
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    }

    #[test]
    fn rsa_keys_are_3072_bits() {
        let p = plan(&SetupOptions {
            key_type: KeyType::Rsa(3072),
            ..opts()
        })
        .unwrap();
        let key = PKey::private_key_from_pem(&p.file(FileRole::ServerKey).unwrap().bytes).unwrap();
        assert_eq!(key.bits(), 3072);
    }

    #[test]
    fn bad_options_are_refused() {
        assert!(plan(&SetupOptions { days: 0, ..opts() }).is_err());
        assert!(plan(&SetupOptions {
            ca_cert: Some("/x".into()),
            ..opts()
        })
        .is_err());
        assert!(plan(&SetupOptions {
            client_addr: "10.0.0.0/8 trust".into(),
            ..opts()
        })
        .is_err());
    }
}
