//! Rules for `pgtls probe`: one real connection attempt, judged.
//!
//! The probe command connects the way Kong (either socket path) or libpq
//! would and gathers what happened into an [`Observation`], plus the
//! client's settings with where each came from ([`ClientConfig`]). These
//! rules decide the cause from that evidence instead of from the client's
//! terse line: a rejected server chain is verified again here to tell an
//! untrusted CA from an expired certificate, a missing intermediate, a chain
//! too long for Kong's verify depth or weak crypto; a version mismatch is
//! shown with both ranges; a rejected client certificate is compared with
//! the CA names the server advertised. Every fix names the concrete setting,
//! the file (and line) or variable it comes from, and the value to give it.
//!
//! The types here are plain data so this crate stays below the network
//! layer; the binary converts its probe report into them.

use std::collections::BTreeMap;

use openssl::x509::{X509NameRef, X509Ref, X509};
use pgtls_catalogue::{Code, Origin};

use crate::certinfo::{
    chain_shape, common_name, describe, name_text, verify_chain, weakness, CertInfo,
};
use crate::edit::{Applicability, Edit, EditKind, Then};
use crate::explain::explain_text;
use crate::finding::{Evidence, Finding, Msg};
use crate::text::{Localized, ProbeText};
use crate::verify_result::ChainRejection;

/// Which client, and for Kong which of its two socket layers, made the
/// connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// Kong's nginx cosocket path (`kong start` from the CLI, 3.5+):
    /// verification after the handshake with `lua_ssl_verify_depth`,
    /// versions from `lua_ssl_protocols`.
    KongCosocket,
    /// Kong's LuaSec path (`Kong.init()` in nginx, the CLI before 3.5):
    /// verification in the handshake without a depth limit, the version
    /// pinned by `pg_ssl_version` (Enterprise).
    KongLuaSec,
    /// libpq, as psql connects.
    Libpq,
}

impl ClientKind {
    /// Whether this is one of Kong's paths.
    pub fn is_kong(self) -> bool {
        self != ClientKind::Libpq
    }

    fn name(self) -> Msg {
        ProbeText::ClientName { kind: self }.msg()
    }
}

/// Kong's edition, as every layer names it.
pub use pgtls_model::KongEdition;

/// Where a client setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingOrigin {
    /// The client's built-in default.
    Default,
    /// A line of a configuration file (kong.conf).
    File {
        /// The file.
        path: String,
        /// The line.
        line: usize,
    },
    /// An environment variable.
    Env {
        /// Its name.
        var: String,
    },
    /// libpq's connection string or URI.
    ConnString,
}

/// One client setting as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Its name (`lua_ssl_verify_depth`, `sslrootcert`).
    pub key: String,
    /// Its value as shown (secrets are never put here).
    pub value: String,
    /// Where the value came from.
    pub origin: SettingOrigin,
    /// The environment variable that sets it (`KONG_LUA_SSL_VERIFY_DEPTH`,
    /// `PGSSLROOTCERT`), when there is one.
    pub env_var: Option<String>,
}

impl Setting {
    /// A setting with its origin.
    pub fn new(key: &str, value: impl Into<String>, origin: SettingOrigin) -> Setting {
        Setting {
            key: key.to_string(),
            value: value.into(),
            origin,
            env_var: None,
        }
    }

    /// Names the environment variable that sets it.
    pub fn env(mut self, var: impl Into<String>) -> Setting {
        self.env_var = Some(var.into());
        self
    }

    /// `key = value (origin)`, for evidence.
    pub fn shown(&self) -> String {
        let origin = match &self.origin {
            SettingOrigin::Default => "default".to_string(),
            SettingOrigin::File { path, line } => format!("{path}:{line}"),
            SettingOrigin::Env { var } => format!("environment {var}"),
            SettingOrigin::ConnString => "connection string".to_string(),
        };
        format!("{} = {} ({origin})", self.key, self.value)
    }
}

/// A client certificate the client is configured with.
#[derive(Debug, Clone)]
pub struct ClientCert {
    /// The chain, leaf first.
    pub chain: Vec<X509>,
    /// The file it was read from.
    pub path: String,
    /// The file of its key.
    pub key_path: String,
    /// Whether the client really sends it (open-source Kong ignores
    /// `pg_ssl_cert`).
    pub used: bool,
}

/// The client's configuration, for evidence and fixes.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Which client.
    pub kind: ClientKind,
    /// Kong's edition (None for libpq).
    pub edition: Option<KongEdition>,
    /// The kong.conf file, when one was given (fixes for settings left at
    /// their default are added there).
    pub conf_file: Option<String>,
    /// The host as configured (the name the client dials).
    pub host: String,
    /// The port.
    pub port: u16,
    /// The database user.
    pub user: String,
    /// The database.
    pub database: String,
    /// The settings that decide whether TLS is used (Kong `pg_ssl`,
    /// `pg_ssl_required`; libpq `sslmode`).
    pub ssl: Vec<Setting>,
    /// Whether the client gives up when the server refuses TLS.
    pub tls_required: bool,
    /// Whether the client verifies the server's chain.
    pub verify: bool,
    /// The setting that turns verification on (Kong `pg_ssl_verify`,
    /// libpq `sslmode`).
    pub verify_setting: Option<Setting>,
    /// Whether the client checks the host name (libpq verify-full).
    pub host_check: bool,
    /// The trust store setting (`lua_ssl_trusted_certificate`, `sslrootcert`).
    pub trust: Option<Setting>,
    /// The trust store's files.
    pub trust_files: Vec<String>,
    /// The trust anchors.
    pub anchors: Vec<X509>,
    /// `lua_ssl_verify_depth` on the cosocket path.
    pub depth: Option<Setting>,
    /// The settings that give the client's TLS version range.
    pub versions: Vec<Setting>,
    /// The lowest version offered (`TLSv1.2`), when bounded.
    pub client_min: Option<&'static str>,
    /// The highest version offered, when bounded.
    pub client_max: Option<&'static str>,
    /// The client certificate, when one is configured.
    pub client_cert: Option<ClientCert>,
    /// The names of the certificate and key settings (`pg_ssl_cert`,
    /// `pg_ssl_cert_key`; `sslcert`, `sslkey`).
    pub cert_settings: (String, String),
    /// Where the password comes from (its value is never here), or None.
    pub password: Option<Setting>,
    /// The client's OpenSSL security level, when not the system's.
    pub security_level: Option<u8>,
    /// libpq 17's sslnegotiation=direct: TLS without an SSLRequest.
    pub direct_tls: bool,
    /// The libpq major version modelled (None for Kong).
    pub libpq_major: Option<u32>,
    /// The server's PostgreSQL major version, when known (`--pg-version`,
    /// or what a finished login reported): fixes for its files are written
    /// in its syntax.
    pub server_major: Option<u32>,
    /// libpq 16's `require_auth` and `sslcertmode=require`, as set: what
    /// the client demands of the server's authentication (PGTLS036).
    pub auth_demands: Vec<Setting>,
}

/// A connection step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Name resolution and TCP connect.
    Tcp,
    /// SSLRequest and its answer.
    SslRequest,
    /// The TLS handshake.
    TlsHandshake,
    /// StartupMessage.
    Startup,
    /// Authentication.
    Auth,
    /// `SHOW server_version_num`.
    Query,
}

impl Step {
    /// `tcp`, `ssl_request`, ...
    pub fn name(self) -> &'static str {
        match self {
            Step::Tcp => "tcp",
            Step::SslRequest => "ssl_request",
            Step::TlsHandshake => "tls_handshake",
            Step::Startup => "startup",
            Step::Auth => "auth",
            Step::Query => "query",
        }
    }
}

/// Why TCP failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreachable {
    /// The name does not resolve.
    Dns,
    /// Nothing listens.
    Refused,
    /// The connection attempt timed out.
    Timeout,
    /// Another socket error.
    Other,
}

/// An ErrorResponse's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerMessage {
    /// `FATAL`, `ERROR` (English).
    pub severity: String,
    /// SQLSTATE.
    pub code: Option<String>,
    /// The primary message.
    pub message: String,
    /// DETAIL.
    pub detail: Option<String>,
    /// HINT.
    pub hint: Option<String>,
}

/// Why a step failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// TCP or name resolution failed.
    Unreachable {
        /// Which way.
        reason: Unreachable,
        /// The failure in words (addresses tried, the resolver's message).
        text: String,
    },
    /// No complete answer within the step timeout.
    Timeout {
        /// The timeout.
        after_ms: u64,
        /// What arrived before it.
        arrived: Vec<String>,
        /// Bytes of an incomplete message.
        partial_bytes: usize,
    },
    /// The server answered `N` and the client requires TLS.
    ServerRefusedTls,
    /// The server answered SSLRequest with an error.
    ErrorToSslRequest(ServerMessage),
    /// The answer to SSLRequest was not PostgreSQL's.
    JunkSslAnswer {
        /// The byte.
        byte: u8,
    },
    /// OpenSSL failed the handshake or a later record.
    Tls {
        /// OpenSSL's reason (`tlsv1 alert unknown ca`).
        reason: String,
        /// The alert received from the server.
        alert_received: Option<u8>,
        /// The alert the client sent.
        alert_sent: Option<u8>,
        /// Whether the client's own chain verification failed.
        verify_failed: bool,
    },
    /// The client verified the chain after the handshake and dropped the
    /// connection (Kong cosocket).
    VerifyAfterHandshake {
        /// OpenSSL's verify code.
        code: i32,
        /// Its text.
        text: String,
    },
    /// libpq verify-full's host-name check failed.
    HostNameMismatch {
        /// libpq's message.
        message: String,
    },
    /// The server sent an ErrorResponse.
    Server(ServerMessage),
    /// The server closed the connection.
    Closed,
    /// The connection was reset.
    Reset,
    /// The peer broke the protocol (oversized or malformed frame,
    /// unexpected message).
    NotPostgres {
        /// What happened.
        text: String,
    },
    /// The server asked for something the client cannot do (an
    /// authentication method, SCRAM trouble).
    Unsupported {
        /// What happened.
        text: String,
    },
    /// The server asked for a password and none is configured.
    NoPassword,
    /// The server asked for a cleartext or MD5 password over a connection
    /// whose server was not verified, and the probe withheld it.
    PasswordWithheld {
        /// The request (`AuthenticationCleartextPassword`).
        request: String,
        /// Whether TLS was in use.
        tls: bool,
    },
    /// The client refused for another reason (channel binding).
    ClientRefused {
        /// Why.
        text: String,
    },
    /// Another socket error.
    Io {
        /// The system's words.
        text: String,
    },
}

/// OpenSSL's verdict on a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyResult {
    /// Whether the chain verified.
    pub ok: bool,
    /// The verify code (0 when ok).
    pub code: i32,
    /// Its text.
    pub text: String,
    /// The depth where verification stopped.
    pub depth: u32,
}

/// What the TLS handshake showed.
#[derive(Debug, Clone, Default)]
pub struct TlsSeen {
    /// The negotiated version.
    pub version: Option<String>,
    /// The negotiated cipher.
    pub cipher: Option<String>,
    /// Whether the handshake completed.
    pub completed: bool,
    /// The server's chain as sent, leaf first.
    pub peer_chain: Vec<X509>,
    /// Whether the server asked for a client certificate.
    pub certificate_request: bool,
    /// The CA names it advertised: text and DER.
    pub ca_names: Option<Vec<(String, Vec<u8>)>>,
    /// How many certificates the client sent when asked.
    pub client_certs_sent: Option<usize>,
    /// The verdict the client's own handshake reached, when it verified.
    pub handshake_verify: Option<VerifyResult>,
    /// The probe's verification of the chain against the client's anchors
    /// with the client's depth.
    pub own_verify: Option<VerifyResult>,
    /// The same without a depth limit, when a depth applies.
    pub own_verify_unlimited: Option<VerifyResult>,
}

/// How the attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Connected, authenticated, and the version query answered.
    Ok {
        /// `SCRAM-SHA-256-PLUS`, `md5`, `trust`, ...
        auth_method: String,
        /// The server's version number.
        server_version_num: u32,
    },
    /// A step failed.
    Failed {
        /// Which.
        step: Step,
        /// Why.
        failure: Failure,
    },
}

/// One TLS version's verdict from a version scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSeen {
    /// `TLSv1.0` ... `TLSv1.3`.
    pub version: &'static str,
    /// `accepted`, `rejected`, `not_tested`.
    pub status: &'static str,
}

/// Everything one connection attempt showed.
#[derive(Debug, Clone)]
pub struct Observation {
    /// How it ended.
    pub outcome: Outcome,
    /// The TLS handshake, when one was attempted.
    pub tls: Option<TlsSeen>,
    /// Whether the connection that ended was encrypted.
    pub tls_in_use: bool,
    /// The SSLRequest answer after which the client went on in plaintext.
    pub plaintext_after: Option<u8>,
    /// libpq's first connection's failure when it retried (prefer, allow).
    pub retried_after: Option<(Step, Failure)>,
    /// The authentication the server asked for (`SCRAM-SHA-256`, `md5`,
    /// `password`), when it asked.
    pub auth_requested: Option<String>,
    /// The client address the server sees.
    pub local_ip: Option<String>,
    /// The line the real client prints.
    pub client_line: Option<String>,
    /// Which TLS versions the server accepts, when a version mismatch was
    /// suspected and the versions were probed.
    pub versions: Option<Vec<VersionSeen>>,
    /// Certificates found next to the trust files and in the system
    /// bundle, with their files: where a missing intermediate may be.
    pub issuer_candidates: Vec<(X509, String)>,
    /// Epoch seconds, now.
    pub now: i64,
    /// What answered, when its messages showed it.
    pub answered_by: Option<Answerer>,
    /// Why pgtls thinks so, one sign each.
    pub answered_signs: Vec<String>,
}

/// What answered the client's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answerer {
    /// PostgreSQL itself.
    PostgreSql,
    /// pgbouncer in front of PostgreSQL.
    Pgbouncer,
}

/// The verdict on one attempt.
#[derive(Debug, Clone, Default)]
pub struct Judgement {
    /// Findings, warnings first, errors last.
    pub findings: Vec<Finding>,
    /// Remarks that are not findings (host names not checked, verification
    /// off, options an edition ignores).
    pub notes: Vec<Msg>,
    /// When the attempt failed and no diagnosis fits: what happened.
    pub unexplained: Option<Msg>,
}

/// Certificates expiring within this many days are warned about.
pub const EXPIRY_WARN_DAYS: i64 = 30;

/// OpenSSL reasons that mean the two sides share no TLS version.
const VERSION_REASONS: [&str; 9] = [
    "tlsv1 alert protocol version",
    "unsupported protocol",
    "wrong version number",
    "no protocols available",
    "unsupported ssl version",
    "wrong ssl version",
    "unknown protocol",
    "version too low",
    "version too high",
];

/// Whether a TLS failure looks like a version mismatch: the caller then
/// scans the server's versions and puts them into [`Observation::versions`].
pub fn is_version_failure(failure: &Failure) -> bool {
    match failure {
        Failure::Tls {
            reason,
            alert_received,
            ..
        } => *alert_received == Some(70) || VERSION_REASONS.iter().any(|r| reason.contains(r)),
        _ => false,
    }
}

const WEAK_REASONS: [&str; 5] = [
    "ee key too small",
    "ca key too small",
    "ca md too weak",
    "legacy sigalg disallowed or unsupported",
    "no suitable signature algorithm",
];

// ---- helpers ------------------------------------------------------------

fn finding(code: Code) -> Finding {
    Finding::new(code.diagnosis())
}

fn ev(text: impl Into<String>, location: &str) -> Evidence {
    Evidence {
        origin: None,
        text: text.into(),
        location: Some(location.to_string()),
    }
}

fn ev_from(origin: Origin, text: impl Into<String>, location: &str) -> Evidence {
    Evidence {
        origin: Some(origin),
        text: text.into(),
        location: Some(location.to_string()),
    }
}

/// A client's message as one line of evidence (libpq prints its hints on
/// lines of their own).
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

fn client_origin(kind: ClientKind) -> Origin {
    match kind {
        ClientKind::KongCosocket => Origin::KongCosocket,
        ClientKind::KongLuaSec => Origin::KongLuasec,
        ClientKind::Libpq => Origin::Libpq,
    }
}

/// How to give `setting` the value `value`, in the words of where it is set.
pub fn change(cfg: &ClientConfig, setting: &Setting, value: &str) -> Msg {
    let key = &setting.key;
    let kong = cfg.kind.is_kong();
    match &setting.origin {
        SettingOrigin::File { path, line } => ProbeText::SetInFile {
            path,
            line: *line,
            key,
            value,
        }
        .msg(),
        SettingOrigin::Env { var } => ProbeText::SetEnvVar {
            var,
            value,
            overrides_kong_conf: kong,
        }
        .msg(),
        SettingOrigin::ConnString => ProbeText::SetInConnString { key, value }.msg(),
        SettingOrigin::Default => {
            if kong {
                match (&cfg.conf_file, &setting.env_var) {
                    (Some(file), _) => ProbeText::AddToKongConfFile { file, key, value }.msg(),
                    (None, Some(var)) => ProbeText::SetEnvVar {
                        var,
                        value,
                        overrides_kong_conf: false,
                    }
                    .msg(),
                    (None, None) => ProbeText::SetInKongConf { key, value }.msg(),
                }
            } else {
                ProbeText::AddToConnString {
                    key,
                    value,
                    env_var: setting.env_var.as_deref(),
                }
                .msg()
            }
        }
    }
}

/// The same change as an edit: a kong.conf line, a connection keyword, or
/// the environment variable to set (a command: only a person sets the
/// environment Kong or psql starts with).
pub fn change_edit(cfg: &ClientConfig, setting: &Setting, value: &str) -> Edit {
    let kong = cfg.kind.is_kong();
    // Kong reads kong.conf when it starts; libpq when it connects.
    let then = if kong { Then::Restart } else { Then::Reconnect };
    let export = |var: &str| {
        Edit::new(
            EditKind::Command {
                command: format!("export {var}={value}"),
            },
            Applicability::MachineApplicable,
            then,
        )
    };
    let key = setting.key.clone();
    match &setting.origin {
        SettingOrigin::File { path, line } => Edit::new(
            EditKind::Setting {
                file: path.into(),
                line: Some(*line),
                key,
                before: Some(setting.value.clone()),
                after: value.to_string(),
            },
            Applicability::MachineApplicable,
            then,
        ),
        SettingOrigin::Env { var } => export(var),
        SettingOrigin::ConnString => Edit::new(
            EditKind::Conninfo {
                key,
                before: Some(setting.value.clone()),
                after: value.to_string(),
            },
            Applicability::MachineApplicable,
            then,
        ),
        SettingOrigin::Default if kong => match (&cfg.conf_file, &setting.env_var) {
            (Some(file), _) => Edit::new(
                EditKind::Setting {
                    file: file.into(),
                    line: None,
                    key,
                    before: None,
                    after: value.to_string(),
                },
                Applicability::MachineApplicable,
                then,
            ),
            (None, Some(var)) => export(var),
            (None, None) => export(&format!("KONG_{}", key.to_ascii_uppercase())),
        },
        SettingOrigin::Default => Edit::new(
            EditKind::Conninfo {
                key,
                before: None,
                after: value.to_string(),
            },
            Applicability::MachineApplicable,
            then,
        ),
    }
}

/// Adds the change to a finding as fix text and as an edit.
fn push_change(f: &mut Finding, cfg: &ClientConfig, setting: &Setting, value: &str) {
    f.fix.push(change(cfg, setting, value));
    f.edits.push(change_edit(cfg, setting, value));
}

fn setting<'a>(list: &'a [Setting], key: &str) -> Option<&'a Setting> {
    list.iter().find(|s| s.key == key)
}

fn a_setting(cfg: &ClientConfig, key: &str, value: &str) -> Setting {
    let env = if cfg.kind.is_kong() {
        Some(format!("KONG_{}", key.to_ascii_uppercase()))
    } else {
        None
    };
    Setting {
        key: key.to_string(),
        value: value.to_string(),
        origin: SettingOrigin::Default,
        env_var: env,
    }
}

fn same_name(a: &X509NameRef, b: &X509NameRef) -> bool {
    match (a.to_der(), b.to_der()) {
        (Ok(x), Ok(y)) => x == y,
        _ => name_text(a) == name_text(b),
    }
}

fn self_signed(cert: &X509Ref) -> bool {
    cert.issued(cert) == openssl::x509::X509VerifyResult::OK
}

/// A pg_hba.conf / pg_ident.conf token, quoted when it needs to be.
fn hba_token(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-@".contains(c))
        && !matches!(
            word,
            "all" | "sameuser" | "samerole" | "samegroup" | "replication"
        );
    if plain {
        word.to_string()
    } else {
        format!("\"{}\"", word.replace('"', "\"\""))
    }
}

fn host_cidr(ip: &str) -> String {
    if ip.contains(':') {
        format!("{ip}/128")
    } else {
        format!("{ip}/32")
    }
}

fn trust_name(cfg: &ClientConfig) -> String {
    match &cfg.trust {
        Some(t) => t.key.clone(),
        None if cfg.kind.is_kong() => "lua_ssl_trusted_certificate".into(),
        None => "sslrootcert".into(),
    }
}

/// Minimum RSA bits an OpenSSL security level accepts.
fn rsa_bits_for_level(level: u8) -> u32 {
    match level {
        0 | 1 => 1024,
        2 => 2048,
        3 => 3072,
        4 => 7680,
        _ => 15360,
    }
}

// ---- the rules ------------------------------------------------------------

/// Judges one attempt.
pub fn judge(obs: &Observation, cfg: &ClientConfig) -> Judgement {
    let mut j = Judgement::default();
    match &obs.outcome {
        Outcome::Ok { .. } => success(obs, cfg, &mut j),
        Outcome::Failed { step, failure } => {
            if let Some((first_step, first)) = &obs.retried_after {
                // libpq's first connection is the one that says why; the
                // retry without (or with) TLS mostly repeats the refusal.
                let retry = Observation {
                    outcome: Outcome::Failed {
                        step: *first_step,
                        failure: first.clone(),
                    },
                    retried_after: None,
                    ..obs.clone()
                };
                failed(&retry, cfg, *first_step, first, &mut j);
                let plain_refusal = matches!(failure, Failure::Server(m) if m.message.contains("no encryption") || m.message.contains("暗号化なし"));
                if !plain_refusal && j.findings.is_empty() {
                    failed(obs, cfg, *step, failure, &mut j);
                }
                j.notes.push(
                    ProbeText::LibpqRetried {
                        sslmode: setting(&cfg.ssl, "sslmode")
                            .map_or("prefer", |s| s.value.as_str()),
                        first_step: first_step.name(),
                    }
                    .msg(),
                );
            } else {
                failed(obs, cfg, *step, failure, &mut j);
            }
            if obs.plaintext_after.is_some() {
                plaintext_warning(obs, cfg, &mut j);
            }
            expiry_warnings(obs, cfg, &mut j);
        }
    }
    if obs.answered_by == Some(Answerer::Pgbouncer) {
        crate::probe_legs::judge_legs(obs, cfg, &mut j);
    }
    // Errors last: the fix of the error is where the eye lands.
    j.findings
        .sort_by_key(|f| std::cmp::Reverse(f.diagnosis.severity));
    j
}

fn success(obs: &Observation, cfg: &ClientConfig, j: &mut Judgement) {
    plaintext_warning(obs, cfg, j);
    expiry_warnings(obs, cfg, j);
    let Some(tls) = obs.tls.as_ref().filter(|_| obs.tls_in_use) else {
        return;
    };
    if cfg.kind.is_kong() {
        let leaf_names = tls.peer_chain.first().map(leaf_names).unwrap_or_default();
        let matches = tls
            .peer_chain
            .first()
            .is_some_and(|leaf| names_host(leaf, &cfg.host));
        if !matches && !leaf_names.is_empty() {
            j.notes.push(
                ProbeText::KongIgnoresHostMismatch {
                    leaf_names: &leaf_names,
                    host: &cfg.host,
                }
                .msg(),
            );
        } else {
            j.notes.push(ProbeText::KongChecksNoHostNames.msg());
        }
    }
    if !cfg.verify {
        let how = cfg
            .verify_setting
            .as_ref()
            .map(Setting::shown)
            .unwrap_or_default();
        j.notes.push(
            ProbeText::ClientDoesNotVerify {
                how: &how,
                own: tls.own_verify.as_ref(),
            }
            .msg(),
        );
    }
    for (i, cert) in tls.peer_chain.iter().enumerate() {
        let info = describe(cert, obs.now);
        if let Some(why) = weakness(&info) {
            j.notes.push(
                ProbeText::WeakChainCert {
                    index: i,
                    subject: &info.subject,
                    why: &why,
                }
                .msg(),
            );
        }
    }
}

fn leaf_names(leaf: &X509) -> String {
    let info = describe(leaf, 0);
    if info.sans.is_empty() {
        common_name(leaf).unwrap_or_default()
    } else {
        info.sans.join(", ")
    }
}

pub(crate) fn names_host(leaf: &X509, host: &str) -> bool {
    let info = describe(leaf, 0);
    let lower = host.to_ascii_lowercase();
    let by_san = info.sans.iter().any(|san| {
        if let Some(dns) = san.strip_prefix("DNS:") {
            let dns = dns.to_ascii_lowercase();
            dns == lower
                || dns
                    .strip_prefix("*.")
                    .is_some_and(|rest| lower.split_once('.').is_some_and(|(_, h)| h == rest))
        } else if let Some(ip) = san.strip_prefix("IP:") {
            ip.parse::<std::net::IpAddr>().ok() == host.parse::<std::net::IpAddr>().ok()
                && host.parse::<std::net::IpAddr>().is_ok()
        } else {
            false
        }
    });
    by_san
        || (info.sans.is_empty()
            && common_name(leaf).is_some_and(|cn| cn.eq_ignore_ascii_case(host)))
}

fn plaintext_warning(obs: &Observation, cfg: &ClientConfig, j: &mut Judgement) {
    let falls_back = !cfg.tls_required
        && match cfg.kind {
            ClientKind::Libpq => setting(&cfg.ssl, "sslmode")
                .is_some_and(|s| s.value == "prefer" || s.value == "allow"),
            _ => setting(&cfg.ssl, "pg_ssl").is_some_and(|s| s.value == "on"),
        };
    if !falls_back {
        if !obs.tls_in_use && matches!(obs.outcome, Outcome::Ok { .. }) {
            let how = cfg.ssl.first().map(Setting::shown).unwrap_or_default();
            j.notes
                .push(ProbeText::NotEncryptedTlsOffAtClient { how: &how }.msg());
        }
        return;
    }
    let mut f = finding(Code::PlaintextFallback);
    for s in &cfg.ssl {
        f.evidence.push(ev(s.shown(), "settings"));
    }
    if let Some(answer) = obs.plaintext_after {
        f.evidence.push(ev(
            format!(
                "the server answered {:?} to SSLRequest and the client went on without TLS",
                answer as char
            ),
            Step::SslRequest.name(),
        ));
        f.reading = Some(ProbeText::MadeWithoutTls.msg());
    }
    match cfg.kind {
        ClientKind::Libpq => {
            if let Some(s) = setting(&cfg.ssl, "sslmode") {
                let trust = server_trust(obs, cfg);
                f.fix
                    .push(change(cfg, s, crate::edit::verified_sslmode(trust).0));
                f.edits
                    .extend(crate::edit::insist_on_verified_tls(trust, |v| {
                        change_edit(cfg, s, v)
                    }));
            }
        }
        _ => {
            if cfg.edition == Some(KongEdition::OpenSource) {
                f.notes.push(ProbeText::OssKongHasNoSslRequired.msg());
            } else {
                let s = setting(&cfg.ssl, "pg_ssl_required")
                    .cloned()
                    .unwrap_or_else(|| a_setting(cfg, "pg_ssl_required", "off"));
                push_change(&mut f, cfg, &s, "on");
            }
        }
    }
    j.findings.push(f);
}

/// What the client's trust store made of the server's certificate, as
/// pgtls verified it beside the connection (a client that does not verify
/// still has its trust file read).
fn server_trust(obs: &Observation, cfg: &ClientConfig) -> crate::edit::ServerTrust {
    let tls = obs.tls.as_ref();
    match tls.and_then(|t| t.own_verify.as_ref()) {
        Some(v) if v.ok => crate::edit::ServerTrust::Verifies {
            names_host: tls
                .and_then(|t| t.peer_chain.first())
                .is_some_and(|leaf| names_host(leaf, &cfg.host)),
        },
        _ => crate::edit::ServerTrust::Unverified,
    }
}

fn expiry_warnings(obs: &Observation, cfg: &ClientConfig, j: &mut Judgement) {
    if let Some(tls) = &obs.tls {
        for (i, cert) in tls.peer_chain.iter().enumerate() {
            let info = describe(cert, obs.now);
            if let Some(days_left) = info.expiring_within(EXPIRY_WARN_DAYS) {
                let mut f = finding(Code::CertExpiringSoon);
                f.evidence.push(ev(
                    format!(
                        "{} notAfter {} ({} days left)",
                        info.subject, info.not_after, days_left
                    ),
                    &format!("chain[{i}]"),
                ));
                f.facts.insert("days_left".into(), days_left.to_string());
                j.findings.push(f);
            }
        }
    }
    if let Some(cert) = cfg.client_cert.as_ref().filter(|c| c.used) {
        if let Some(leaf) = cert.chain.first() {
            let info = describe(leaf, obs.now);
            if let Some(days_left) = info.expiring_within(EXPIRY_WARN_DAYS) {
                let mut f = finding(Code::CertExpiringSoon);
                f.evidence.push(ev(
                    format!(
                        "client certificate {} ({}) notAfter {} ({} days left)",
                        info.subject, cert.path, info.not_after, days_left
                    ),
                    "client certificate",
                ));
                j.findings.push(f);
            }
        }
    }
}

fn failed(obs: &Observation, cfg: &ClientConfig, step: Step, failure: &Failure, j: &mut Judgement) {
    let at = step.name();
    let origin = client_origin(cfg.kind);
    let line_evidence = |f: &mut Finding| {
        if let Some(line) = &obs.client_line {
            f.evidence.push(ev_from(origin, one_line(line), at));
        }
    };
    match failure {
        Failure::Unreachable { reason, text } => {
            let mut f = finding(Code::Unreachable);
            line_evidence(&mut f);
            f.evidence.push(ev(text.clone(), at));
            let (host, port) = (cfg.host.as_str(), cfg.port);
            f.reading = Some(match reason {
                Unreachable::Dns => ProbeText::NameDoesNotResolve { host }.msg(),
                Unreachable::Refused => ProbeText::NothingListens { host, port }.msg(),
                Unreachable::Timeout => ProbeText::TcpTimeout { host, port }.msg(),
                Unreachable::Other => ProbeText::TcpFailed { host, port, text }.msg(),
            });
            f.facts.insert(
                "reason".into(),
                match reason {
                    Unreachable::Dns => "dns",
                    Unreachable::Refused => "refused",
                    Unreachable::Timeout => "timeout",
                    Unreachable::Other => "other",
                }
                .into(),
            );
            if cfg.kind.is_kong() {
                f.notes.push(ProbeText::KongDialsPgHost.msg());
            }
            j.findings.push(f);
        }
        Failure::Timeout {
            after_ms,
            arrived,
            partial_bytes,
        } => {
            let mut f = finding(Code::PeerProtocolViolation);
            line_evidence(&mut f);
            let got = if arrived.is_empty() {
                "nothing".to_string()
            } else {
                arrived.join(", ")
            };
            f.evidence.push(ev(
                format!("no complete answer within {after_ms} ms; received: {got}; {partial_bytes} bytes of an incomplete message"),
                at,
            ));
            f.reading = Some(ProbeText::StalledAt { at }.msg());
            f.facts.insert("reason".into(), "stalled".into());
            j.findings.push(f);
        }
        Failure::ServerRefusedTls => server_without_tls(obs, cfg, None, j),
        Failure::ErrorToSslRequest(m) => {
            j.unexplained = Some(
                ProbeText::RefusedBeforeTls {
                    severity: &m.severity,
                    message: &m.message,
                }
                .msg(),
            );
        }
        Failure::JunkSslAnswer { byte } => not_postgres(
            obs,
            cfg,
            at,
            &format!(
                "the answer to SSLRequest is byte 0x{byte:02x} ({:?}), not S or N",
                *byte as char
            ),
            j,
        ),
        Failure::NotPostgres { text } => {
            let mut text = text.clone();
            if let Some(answer) = obs.plaintext_after.filter(|a| *a != b'N') {
                text = format!(
                    "the answer to SSLRequest was {:?} (not S or N), the client went on in plaintext, then: {text}",
                    answer as char
                );
            }
            not_postgres(obs, cfg, at, &text, j)
        }
        Failure::Tls {
            reason,
            alert_received,
            alert_sent,
            verify_failed,
        } => {
            if *verify_failed || reason.contains("certificate verify failed") {
                chain_rejected(obs, cfg, at, j);
            } else if is_version_failure(failure) {
                version_mismatch(obs, cfg, at, reason, j);
            } else if WEAK_REASONS.iter().any(|w| reason.contains(w)) {
                weak_crypto(obs, cfg, at, None, Some(reason), j);
            } else if let Some(alert) =
                alert_received.filter(|a| matches!(a, 42 | 43 | 44 | 45 | 46 | 48 | 49))
            {
                client_cert_rejected(obs, cfg, at, alert, reason, j);
            } else {
                let _ = alert_sent;
                by_client_line(obs, cfg, at, j);
            }
        }
        Failure::VerifyAfterHandshake { .. } => chain_rejected(obs, cfg, at, j),
        Failure::HostNameMismatch { message } => host_mismatch(obs, cfg, at, message, j),
        Failure::Server(m) => server_error(obs, cfg, at, m, j),
        Failure::NoPassword => {
            let mut f = finding(Code::PasswordAuthFailed);
            line_evidence(&mut f);
            let asked = obs.auth_requested.as_deref().unwrap_or("a password");
            f.reading = Some(
                ProbeText::NoPasswordFor {
                    asked,
                    user: &cfg.user,
                    database: &cfg.database,
                }
                .msg(),
            );
            f.fix.push(password_fix(cfg));
            j.findings.push(f);
        }
        Failure::PasswordWithheld { request, tls } => password_withheld(cfg, request, *tls, j),
        Failure::Closed | Failure::Reset | Failure::Io { .. } => {
            let what = match failure {
                Failure::Closed => "the server closed the connection".to_string(),
                Failure::Reset => "the connection was reset".to_string(),
                Failure::Io { text } => text.clone(),
                _ => String::new(),
            };
            // Over TLS 1.3 a rejected client certificate can show only as
            // the connection going away after the handshake.
            let sent_cert = obs
                .tls
                .as_ref()
                .is_some_and(|t| t.certificate_request && t.client_certs_sent.unwrap_or(0) > 0);
            if cfg.direct_tls && step == Step::TlsHandshake && !sent_cert {
                direct_tls_refused(obs, cfg, at, &what, j);
            } else if sent_cert && matches!(step, Step::TlsHandshake | Step::Startup) {
                client_cert_rejected(obs, cfg, at, 0, &what, j);
            } else {
                not_postgres(
                    obs,
                    cfg,
                    at,
                    &format!(
                        "{what} during {at}, without an error message (the server log may say why)"
                    ),
                    j,
                );
            }
        }
        Failure::ClientRefused { text } if !explain_text(text).is_empty() => {
            // libpq's own refusals (require_auth, sslcertmode) are lines the
            // catalogue knows.
            by_client_line(obs, cfg, at, j);
            if let Some(f) = j.findings.last_mut() {
                if f.id() == Code::ClientAuthRequirementUnmet {
                    f.edits.extend(relax_demand(cfg, text));
                    f.reading = Some(
                        ProbeText::ServerLetInAnotherWay {
                            user: &cfg.user,
                            database: &cfg.database,
                        }
                        .msg(),
                    );
                }
            }
        }
        Failure::Unsupported { text } | Failure::ClientRefused { text } => {
            j.unexplained = Some(ProbeText::ClientGaveUp { at, text }.msg());
        }
    }
}

/// PGTLS036's client side, from the line libpq printed: the demand the
/// server did not meet loosened to what it did (`sslcertmode=allow`, or
/// its method accepted in require_auth). It weakens what the client
/// insists on: a look first. The server's side is in its pg_hba.conf or
/// postgresql.conf, which `fix -D` reads.
fn relax_demand(cfg: &ClientConfig, line: &str) -> Vec<Edit> {
    let demand = |key: &str| cfg.auth_demands.iter().find(|s| s.key == key);
    let relaxed = if line.contains("server did not request an SSL certificate") {
        demand("sslcertmode").map(|s| (s, "allow".to_string()))
    } else {
        let sent = [
            ("server requested SASL authentication", "scram-sha-256"),
            ("server requested a cleartext password", "password"),
            ("server requested a hashed password", "md5"),
            ("server requested GSSAPI authentication", "gss"),
            ("server requested SSPI authentication", "sspi"),
            ("server did not complete authentication", "none"),
        ]
        .into_iter()
        .find(|(said, _)| line.contains(said))
        .map(|(_, method)| method);
        demand("require_auth").zip(sent).and_then(|(s, sent)| {
            let negated = s.value.starts_with('!');
            let value = if negated {
                let bang = format!("!{sent}");
                s.value
                    .split(',')
                    .filter(|m| *m != bang)
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                format!("{},{sent}", s.value)
            };
            (!value.is_empty()).then_some((s, value))
        })
    };
    relaxed
        .map(|(s, value)| {
            let mut e = change_edit(cfg, s, &value);
            e.applicability = e.applicability.max(Applicability::MaybeIncorrect);
            e
        })
        .into_iter()
        .collect()
}

/// PGTLS035: the connection ended during a direct TLS handshake, before
/// any answer: the server read the ClientHello as a start-up packet.
fn direct_tls_refused(
    obs: &Observation,
    cfg: &ClientConfig,
    at: &str,
    what: &str,
    j: &mut Judgement,
) {
    let mut f = finding(Code::DirectTlsUnsupported);
    f.evidence.push(ev(
        format!("{what} during {at}, right after the ClientHello of a direct TLS connection (sslnegotiation=direct, ALPN postgresql)"),
        at,
    ));
    if let Some(line) = &obs.client_line {
        f.evidence
            .push(ev_from(client_origin(cfg.kind), one_line(line), at));
    }
    f.alternatives.push(Code::ConnectionClosedByPeer);
    f.notes.push(ProbeText::ServerWithoutDirectTls.msg());
    f.facts.insert("server_version".into(), "before 17".into());
    f.edits.push(Edit::new(
        EditKind::Conninfo {
            key: "sslnegotiation".into(),
            before: Some("direct".into()),
            after: "postgres".into(),
        },
        Applicability::MachineApplicable,
        Then::Reconnect,
    ));
    f.fix.push(ProbeText::SetSslNegotiationPostgres.msg());
    j.findings.push(f);
}

/// Falls back to the catalogue's reading of the line the client printed.
fn by_client_line(obs: &Observation, cfg: &ClientConfig, at: &str, j: &mut Judgement) {
    let Some(line) = &obs.client_line else {
        return;
    };
    let found = explain_text(line);
    let Some(first) = found.into_iter().next() else {
        j.unexplained = Some(ProbeText::NoKnownFailureExplains { at }.msg());
        return;
    };
    let mut f = Finding::new(first.diagnosis);
    f.alternatives = first.alternatives;
    f.facts = first.facts;
    f.evidence
        .push(ev_from(client_origin(cfg.kind), one_line(line), at));
    j.findings.push(f);
}

fn not_postgres(obs: &Observation, cfg: &ClientConfig, at: &str, text: &str, j: &mut Judgement) {
    let mut f = finding(Code::PeerProtocolViolation);
    if let Some(line) = &obs.client_line {
        f.evidence
            .push(ev_from(client_origin(cfg.kind), one_line(line), at));
    }
    f.evidence.push(ev(text, at));
    f.reading = Some(
        ProbeText::NotLikePostgres {
            host: &cfg.host,
            port: cfg.port,
            text,
        }
        .msg(),
    );
    f.facts.insert("reason".into(), "not_postgresql".into());
    j.findings.push(f);
}

fn server_without_tls(
    obs: &Observation,
    cfg: &ClientConfig,
    then: Option<&ServerMessage>,
    j: &mut Judgement,
) {
    let mut f = finding(Code::ServerSslDisabled);
    if let Some(line) = &obs.client_line {
        let at = if then.is_some() {
            "startup"
        } else {
            "ssl_request"
        };
        f.evidence
            .push(ev_from(client_origin(cfg.kind), one_line(line), at));
    }
    f.evidence
        .push(ev("server answered 'N' to SSLRequest", "ssl_request"));
    if let Some(m) = then {
        f.evidence.push(ev(
            format!("then, without TLS: {}: {}", m.severity, m.message),
            "startup",
        ));
        f.reading = Some(if cfg.edition == Some(KongEdition::OpenSource) {
            ProbeText::OssKongWentOnWithoutTls.msg()
        } else {
            ProbeText::ClientWentOnWithoutTls.msg()
        });
    }
    for s in &cfg.ssl {
        f.evidence.push(ev(s.shown(), "settings"));
    }
    f.facts.insert("server_setting".into(), "ssl = on".into());
    f.fix.push(ProbeText::TurnServerSslOn.msg());
    f.cover(&[0]);
    j.findings.push(f);
}

fn version_mismatch(
    obs: &Observation,
    cfg: &ClientConfig,
    at: &str,
    reason: &str,
    j: &mut Judgement,
) {
    let mut f = finding(Code::ProtocolVersionMismatch);
    if let Some(line) = &obs.client_line {
        f.evidence
            .push(ev_from(client_origin(cfg.kind), one_line(line), at));
    }
    f.evidence
        .push(ev(format!("TLS handshake failed: {reason}"), at));
    let client_min = cfg.client_min.unwrap_or("TLSv1.0");
    let client_max = cfg.client_max.unwrap_or("TLSv1.3");
    let order = ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
    let rank = |v: &str| {
        order
            .iter()
            .position(|o| *o == v || (v == "TLSv1" && *o == "TLSv1.0"))
            .unwrap_or(0)
    };
    let offered: Vec<&str> =
        order[rank(client_min)..=rank(client_max).max(rank(client_min))].to_vec();
    f.facts
        .insert("client_range".into(), format!("{client_min}..{client_max}"));
    let client_settings: Vec<String> = cfg.versions.iter().map(Setting::shown).collect();
    f.evidence.push(ev(
        format!(
            "{} offers {}: {}",
            cfg.kind.name().en,
            offered.join(", "),
            client_settings.join("; ")
        ),
        "client",
    ));
    let accepted: Vec<&'static str> = obs
        .versions
        .as_ref()
        .map(|v| {
            v.iter()
                .filter(|s| s.status == "accepted")
                .map(|s| s.version)
                .collect()
        })
        .unwrap_or_default();
    if let Some(versions) = &obs.versions {
        let shown: Vec<String> = versions
            .iter()
            .map(|v| format!("{} {}", v.version, v.status.replace('_', " ")))
            .collect();
        f.evidence.push(ev(
            format!("server (one handshake per version): {}", shown.join(", ")),
            "versions",
        ));
    }
    let record_junk = [
        "wrong version number",
        "unknown protocol",
        "packet length too long",
    ]
    .iter()
    .any(|r| reason.contains(r));
    if accepted.is_empty() && obs.versions.is_some() && record_junk {
        // Nothing there speaks TLS: the peer is not a PostgreSQL with TLS.
        not_postgres(
            obs,
            cfg,
            at,
            &format!(
                "the answer to the TLS ClientHello is not TLS ({reason}), for every TLS version"
            ),
            j,
        );
        return;
    }
    if accepted.is_empty() {
        f.reading = Some(ProbeText::NoVersionAccepted.msg());
        j.findings.push(f);
        return;
    }
    let server_min = accepted.first().copied().unwrap_or("TLSv1.2");
    let server_max = accepted.last().copied().unwrap_or("TLSv1.3");
    f.facts
        .insert("server_range".into(), format!("{server_min}..{server_max}"));
    let overlap: Vec<&str> = offered
        .iter()
        .copied()
        .filter(|v| accepted.contains(v))
        .collect();
    if !overlap.is_empty() {
        f.reading = Some(
            ProbeText::VersionsOverlapYetFailed {
                overlap: &overlap.join(", "),
            }
            .msg(),
        );
        j.findings.push(f);
        return;
    }
    f.reading = Some(
        ProbeText::NoVersionOverlap {
            server_min,
            server_max,
            client_min,
            client_max,
        }
        .msg(),
    );
    // The client side: offer the best version the server accepts, TLS 1.2
    // or newer where possible.
    let modern: Vec<&str> = accepted
        .iter()
        .copied()
        .filter(|v| rank(v) >= rank("TLSv1.2"))
        .collect();
    let target = modern
        .last()
        .or(accepted.last())
        .copied()
        .unwrap_or("TLSv1.2");
    match cfg.kind {
        ClientKind::KongCosocket => {
            let mut list: Vec<&str> = offered
                .iter()
                .copied()
                .filter(|v| rank(v) >= rank("TLSv1.2"))
                .collect();
            for v in &modern {
                if !list.contains(v) {
                    list.push(v);
                }
            }
            list.sort_by_key(|v| rank(v));
            if list.is_empty() {
                list.push(target);
            }
            let value = list.join(" ");
            let s = setting(&cfg.versions, "lua_ssl_protocols")
                .cloned()
                .unwrap_or_else(|| a_setting(cfg, "lua_ssl_protocols", ""));
            f.facts
                .insert("client_fix".into(), format!("lua_ssl_protocols = {value}"));
            push_change(&mut f, cfg, &s, &value);
        }
        ClientKind::KongLuaSec => {
            if cfg.edition == Some(KongEdition::Enterprise) {
                let keyword = match target {
                    "TLSv1.1" => "tlsv1_1",
                    "TLSv1.2" => "tlsv1_2",
                    _ => "tlsv1_3",
                };
                let s = setting(&cfg.versions, "pg_ssl_version")
                    .cloned()
                    .unwrap_or_else(|| a_setting(cfg, "pg_ssl_version", "tlsv1_2"));
                f.facts
                    .insert("client_fix".into(), format!("pg_ssl_version = {keyword}"));
                push_change(&mut f, cfg, &s, keyword);
            } else {
                f.notes.push(ProbeText::OssLuaSecVersionsFixed.msg());
            }
        }
        ClientKind::Libpq => {
            if rank(server_min) > rank(client_max) {
                let s = setting(&cfg.versions, "ssl_max_protocol_version")
                    .cloned()
                    .unwrap_or_else(|| a_setting(cfg, "ssl_max_protocol_version", ""));
                f.facts.insert(
                    "client_fix".into(),
                    format!("ssl_max_protocol_version={target}"),
                );
                push_change(&mut f, cfg, &s, target);
            } else {
                let s = setting(&cfg.versions, "ssl_min_protocol_version")
                    .cloned()
                    .unwrap_or_else(|| a_setting(cfg, "ssl_min_protocol_version", ""));
                let v = accepted.first().copied().unwrap_or(target);
                f.facts
                    .insert("client_fix".into(), format!("ssl_min_protocol_version={v}"));
                push_change(&mut f, cfg, &s, v);
            }
        }
    }
    // The server side: reach the client's newest version (TLS 1.2 at least).
    let (server_key, server_value) = if rank(server_min) > rank(client_max) {
        let v = if rank(client_max) >= rank("TLSv1.2") {
            client_max
        } else {
            "TLSv1.2"
        };
        ("ssl_min_protocol_version", v.to_string())
    } else {
        ("ssl_max_protocol_version", String::new())
    };
    // A client that offers only TLS 1.0 or 1.1 is not met by the server:
    // its minimum stays at TLS 1.2, so there is no server step to offer
    // (setting the value it already has would change nothing).
    let no_change = server_key == "ssl_min_protocol_version" && server_value == server_min;
    if !no_change {
        f.facts.insert(
            "server_fix".into(),
            format!("{server_key} = '{server_value}'"),
        );
        f.fix.push(
            ProbeText::OrServerVersionSetting {
                key: server_key,
                value: &server_value,
                server_min,
                server_max,
            }
            .msg(),
        );
    }
    // Both sides are computed from the ranges seen; the catalogue's generic
    // values (pg_ssl_version = tlsv1_2, ...) may be the failing ones.
    f.cover(&[0, 1]);
    j.findings.push(f);
}

/// What a client's verification of the server chain concluded, and why.
/// What the rules know about a chain the client refused, shared by the
/// readings of it: too deep, outside its validity, incomplete, untrusted.
struct Refusal<'a> {
    obs: &'a Observation,
    cfg: &'a ClientConfig,
    at: &'a str,
    tls: &'a TlsSeen,
    chain: &'a Vec<X509>,
    /// The verify failure the client reported, else pgtls's own.
    seen: Option<&'a VerifyResult>,
}

/// CA certificates found beside the trust store that the chain needs, and
/// whether with them it verifies.
struct IssuerSearch {
    found: Vec<(X509, String)>,
    completes: bool,
}

impl Refusal<'_> {
    /// A finding with the client's line, its verify result and pgtls's own.
    fn finding(&self, code: Code) -> Finding {
        let mut f = finding(code);
        if let Some(line) = &self.obs.client_line {
            f.evidence.push(ev_from(
                client_origin(self.cfg.kind),
                one_line(line),
                self.at,
            ));
        }
        if let Some(v) = self.seen {
            f.evidence.push(ev(
                format!(
                    "{} rejects the server chain: OpenSSL verify code {}: {} (at depth {})",
                    self.cfg.kind.name().en,
                    v.code,
                    v.text,
                    v.depth
                ),
                self.at,
            ));
            f.facts.insert("verify_code".into(), v.code.to_string());
            f.facts.insert("verify_text".into(), v.text.clone());
        }
        if let Some(own) = &self.tls.own_verify {
            let store = self
                .cfg
                .trust
                .as_ref()
                .map(Setting::shown)
                .unwrap_or_else(|| "the trust store".into());
            f.evidence.push(ev(
                format!(
                    "pgtls verified the chain as sent ({} certificate(s)) against {store} ({} anchor(s)): {}",
                    self.chain.len(),
                    self.cfg.anchors.len(),
                    if own.ok { "ok".to_string() } else { format!("{}: {}", own.code, own.text) }
                ),
                "verify",
            ));
        }
        f
    }

    /// How many certificates a candidate's file holds: a file with more
    /// than the CA (a client's leaf and its chain, a bundle) must not be
    /// appended whole.
    fn certs_in(&self, path: &str) -> usize {
        self.obs
            .issuer_candidates
            .iter()
            .filter(|(_, p)| p == path)
            .count()
    }

    /// PGTLS013: the chain verifies without the depth limit.
    fn too_deep(&self) -> Finding {
        let mut f = self.finding(Code::VerifyDepthExceeded);
        let needed = chain_shape(self.chain).intermediates.max(1);
        let depth = self
            .cfg
            .depth
            .clone()
            .unwrap_or_else(|| a_setting(self.cfg, "lua_ssl_verify_depth", "1"));
        f.evidence.push(ev(
            format!(
                "without the depth limit the same chain verifies; it has {} intermediate(s) and {}",
                chain_shape(self.chain).intermediates,
                depth.shown()
            ),
            "verify",
        ));
        f.facts
            .insert("lua_ssl_verify_depth".into(), needed.to_string());
        push_change(&mut f, self.cfg, &depth, &needed.to_string());
        f.notes.push(ProbeText::LuaSecIgnoresDepth.msg());
        f
    }

    /// PGTLS010: a certificate outside its validity.
    fn outside_validity(&self, expired: Option<(usize, &CertInfo)>) -> Finding {
        let mut f = self.finding(Code::ServerCertExpired);
        if let Some((i, info)) = expired {
            let text = if info.not_yet_valid {
                ProbeText::NotYetValid {
                    subject: &info.subject,
                    not_before: &info.not_before,
                }
            } else {
                ProbeText::ExpiredOn {
                    subject: &info.subject,
                    not_after: &info.not_after,
                    days_ago: info.days_ago(),
                }
            };
            f.evidence.push(ev(text.en(), &format!("chain[{i}]")));
            f.reading = Some(text.msg());
            f.facts.insert("not_after".into(), info.not_after.clone());
            f.facts.insert("subject".into(), info.subject.clone());
            // The server's own certificate: what to have issued is known
            // from what it sent; where it goes, only the server's side.
            if i == 0 {
                f.edits.push(crate::check_rules::renewal_into(
                    info,
                    "<ssl_cert_file of the server>",
                ));
            }
        }
        f
    }

    /// Looks for the issuers of the last certificate sent among the CA
    /// files beside the trust store, up to four levels.
    fn search_issuers(&self, top: &X509) -> IssuerSearch {
        let mut found: Vec<(X509, String)> = Vec::new();
        let mut completes = false;
        // How many certificates each file holds: a file with more than the CA
        // (a client's leaf and its self.chain, a bundle) must not be appended whole.
        if !self_signed(top) {
            let mut current: X509 = top.clone();
            for _ in 0..4 {
                let issuer_of_current = |c: &X509| {
                    same_name(c.subject_name(), current.issuer_name())
                        && describe(c, self.obs.now).is_ca
                        && c.public_key()
                            .ok()
                            .and_then(|k| current.verify(&k).ok())
                            .unwrap_or(false)
                        && !self
                            .chain
                            .iter()
                            .any(|s| s.to_der().ok() == c.to_der().ok())
                };
                // The same CA may lie in several files: prefer one that holds
                // it alone.
                let Some((cand, path)) = self
                    .obs
                    .issuer_candidates
                    .iter()
                    .filter(|(c, _)| issuer_of_current(c))
                    .min_by_key(|(_, p)| (self.certs_in(p) != 1, p.clone()))
                else {
                    break;
                };
                found.push((cand.clone(), path.clone()));
                let mut extended: Vec<X509> = self.chain.clone();
                extended.extend(found.iter().map(|(c, _)| c.clone()));
                if verify_chain(&extended, &self.cfg.anchors, None).is_ok_and(|v| v.ok) {
                    completes = true;
                    break;
                }
                if self_signed(cand) {
                    break;
                }
                current = cand.clone();
            }
        }
        if self_signed(top) {
            // A server whose ssl_ca_file holds its root sends that root
            // too (OpenSSL completes the chain from the store): the
            // client lacks the very root it was sent. A file beside the
            // trust store that holds the same certificate is the one to
            // trust.
            let der = top.to_der().ok();
            if let Some((cand, path)) = self
                .obs
                .issuer_candidates
                .iter()
                .filter(|(c, _)| der.is_some() && c.to_der().ok() == der)
                .min_by_key(|(_, p)| (self.certs_in(p) != 1, p.clone()))
            {
                found.push((cand.clone(), path.clone()));
            }
        }
        IssuerSearch { found, completes }
    }

    /// PGTLS014: the CA the server should send was found, and completes
    /// the chain.
    fn incomplete(&self, top: &X509, found: &[(X509, String)]) -> Finding {
        let trust = trust_name(self.cfg);
        let mut f = self.finding(Code::IncompleteChain);
        let names: Vec<String> = found
            .iter()
            .map(|(c, p)| format!("{} ({p})", name_text(c.subject_name())))
            .collect();
        f.evidence.push(ev(
        format!(
            "the server sends {} certificate(s) and stops at {}, issued by {}; found locally: {}; with it the chain verifies against {trust}",
            self.chain.len(),
            name_text(top.subject_name()),
            name_text(top.issuer_name()),
            names.join(" → ")
        ),
        "verify",
    ));
        let paths: Vec<&str> = found.iter().map(|(_, p)| p.as_str()).collect();
        f.facts.insert("intermediate".into(), paths.join(" "));
        let pem: String = found
            .iter()
            .filter_map(|(c, _)| c.to_pem().ok())
            .map(|p| String::from_utf8_lossy(&p).into_owned())
            .collect();
        f.facts.insert("intermediate_pem".into(), pem.clone());
        f.reading = Some(ProbeText::IntermediateNotSent.msg());
        let alone = found.iter().all(|(_, p)| self.certs_in(p) == 1);
        if alone {
            f.fix.push(
                ProbeText::AppendIntermediateFiles {
                    paths: &paths.join(" "),
                }
                .msg(),
            );
        } else {
            // The CA shares its file with other certificates: appending the
            // file would send those too. Give the certificate itself.
            let names: Vec<String> = found
                .iter()
                .map(|(c, _)| name_text(c.subject_name()))
                .collect();
            f.fix.push(
                ProbeText::AppendIntermediateCert {
                    names: &names.join(", "),
                    paths: &paths.join(" "),
                    pem: pem.trim_end(),
                }
                .msg(),
            );
        }
        if let Some(t) = &self.cfg.trust {
            let m = trust_addition(self.cfg, t, &paths, alone);
            f.fix.push(ProbeText::OrAddToTrustStore { how: &m }.msg());
        }
        f
    }

    /// PGTLS005: the chain does not lead to a CA the client trusts.
    fn untrusted(
        &self,
        top: &X509,
        found: &[(X509, String)],
        expired: Option<(usize, &CertInfo)>,
    ) -> Finding {
        let trust = trust_name(self.cfg);
        let files = if self.cfg.trust_files.is_empty() {
            "-".to_string()
        } else {
            self.cfg.trust_files.join(", ")
        };
        let mut f = self.finding(Code::ClientRejectsServerCert);
        let missing = if self_signed(top) {
            name_text(top.subject_name())
        } else {
            name_text(top.issuer_name())
        };
        f.facts.insert("missing_ca".into(), missing.clone());
        if self_signed(top) {
            f.evidence.push(ev(
                format!(
                "the chain ends at {missing}, which is self-signed and not in {trust} ({files})"
            ),
                "verify",
            ));
        } else {
            f.evidence.push(ev(
            format!(
                "the chain as sent stops at {}, issued by {missing}: the server does not send it and {trust} ({files}) does not contain it",
                name_text(top.subject_name())
            ),
            "verify",
        ));
            if self.chain.len() == 1 {
                f.alternatives.push(Code::IncompleteChain);
                f.notes
                    .push(ProbeText::IntermediateOrRoot { missing: &missing }.msg());
            }
        }
        if let Some((i, info)) = expired {
            f.notes.push(
                ProbeText::AlsoExpired {
                    index: i,
                    subject: &info.subject,
                    not_after: &info.not_after,
                }
                .msg(),
            );
        }
        // The missing root may lie in a file next to the trust store: name it
        // when trusting it alone completes the self.chain.
        let root_file = match found {
            [(root, path)] if self_signed(root) && self.certs_in(path) == 1 => {
                let mut anchors = self.cfg.anchors.clone();
                anchors.push(root.clone());
                verify_chain(self.chain, &anchors, None)
                    .is_ok_and(|v| v.ok)
                    .then(|| path.clone())
            }
            _ => None,
        };
        if let Some(path) = &root_file {
            f.facts.insert("missing_ca_file".into(), path.clone());
        }
        match &self.cfg.trust {
            Some(t) if root_file.is_some() => {
                let path = root_file.as_deref().unwrap_or_default();
                let m = trust_addition(self.cfg, t, &[path], true);
                let roots: Vec<X509> = found.iter().map(|(c, _)| c.clone()).collect();
                f.edits
                    .extend(trust_addition_edits(self.cfg, t, &roots, &[path]));
                f.fix.push(
                    ProbeText::AddCaFromFile {
                        missing: &missing,
                        path,
                        how: &m,
                    }
                    .msg(),
                );
            }
            Some(t) => {
                let m = trust_addition(self.cfg, t, &["/path/to/ca.crt"], true);
                f.fix.push(
                    ProbeText::AddCaPem {
                        missing: &missing,
                        how: &m,
                    }
                    .msg(),
                );
            }
            None => f.fix.push(
                ProbeText::AddCaToTrustSetting {
                    missing: &missing,
                    trust: &trust,
                }
                .msg(),
            ),
        }
        f
    }
}

fn chain_rejected(obs: &Observation, cfg: &ClientConfig, at: &str, j: &mut Judgement) {
    let Some(tls) = &obs.tls else {
        by_client_line(obs, cfg, at, j);
        return;
    };
    let chain = &tls.peer_chain;
    let seen = tls
        .handshake_verify
        .as_ref()
        .filter(|v| !v.ok)
        .or(tls.own_verify.as_ref().filter(|v| !v.ok));
    let code = seen.map_or(0, |v| v.code);
    let infos: Vec<_> = chain.iter().map(|c| describe(c, obs.now)).collect();
    let depth_only = cfg.kind == ClientKind::KongCosocket
        && tls.own_verify.as_ref().is_some_and(|v| !v.ok)
        && tls.own_verify_unlimited.as_ref().is_some_and(|v| v.ok);
    let expired = infos
        .iter()
        .enumerate()
        .find(|(_, i)| i.expired() || i.not_yet_valid);
    let r = Refusal {
        obs,
        cfg,
        at,
        tls,
        chain,
        seen,
    };
    let rejection = ChainRejection::of(code);
    if depth_only || rejection == ChainRejection::TooDeep {
        j.findings.push(r.too_deep());
        return;
    }
    if rejection == ChainRejection::Weak {
        weak_crypto(obs, cfg, at, seen, None, j);
        return;
    }
    if rejection == ChainRejection::OutsideValidity || (code == 0 && expired.is_some()) {
        j.findings.push(r.outside_validity(expired));
        return;
    }
    // Untrusted or incomplete: find the certificate the chain stops at and
    // look for its issuer where the operator keeps CA files.
    let Some(top) = chain.last() else {
        by_client_line(obs, cfg, at, j);
        return;
    };
    let search = r.search_issuers(top);
    j.findings.push(if search.completes {
        r.incomplete(top, &search.found)
    } else {
        r.untrusted(top, &search.found, expired)
    });
}

/// How to add CA files to a client's trust store. Kong's
/// `lua_ssl_trusted_certificate` takes a comma-separated list; libpq's
/// `sslrootcert` names one file, so both go into a bundle that replaces it.
/// `whole_files` says whether each file may be appended as it is.
/// Whether the client's trust store is libpq 16's `sslrootcert=system`:
/// the operating system's store, which no connection string can extend.
fn system_trust(cfg: &ClientConfig, t: &Setting) -> bool {
    !cfg.kind.is_kong() && t.value == "system" && cfg.libpq_major.unwrap_or(16) >= 16
}

fn trust_addition(cfg: &ClientConfig, t: &Setting, new: &[&str], whole_files: bool) -> Msg {
    if cfg.kind.is_kong() {
        return change(cfg, t, &format!("{},{}", t.value, new.join(",")));
    }
    if system_trust(cfg, t) {
        let files = cfg.trust_files.join(", ");
        return ProbeText::SystemTrustAddCa { files: &files }.msg();
    }
    let bundle = std::path::Path::new(&t.value)
        .with_file_name("root-bundle.crt")
        .display()
        .to_string();
    let set = change(cfg, t, &bundle);
    ProbeText::MakeRootBundle {
        current: &t.value,
        new: &new.join(" "),
        bundle: &bundle,
        whole_files,
        then: &set,
    }
    .msg()
}

/// [`trust_addition`] as edits: for Kong the longer list (the files in
/// `paths` after the ones it names); for libpq the bundle's content (the
/// anchors the client has, then the new CAs: all public certificates) and
/// the keyword that names it.
fn trust_addition_edits(
    cfg: &ClientConfig,
    t: &Setting,
    new: &[X509],
    paths: &[&str],
) -> Vec<Edit> {
    let pem = |certs: &[X509]| -> String {
        certs
            .iter()
            .filter_map(|c| c.to_pem().ok())
            .map(|p| String::from_utf8_lossy(&p).into_owned())
            .collect()
    };
    if cfg.kind.is_kong() {
        // Kong reads a comma-separated list of files.
        return vec![change_edit(
            cfg,
            t,
            &format!("{},{}", t.value, paths.join(",")),
        )];
    }
    // The system store is not one file a bundle could replace.
    if system_trust(cfg, t) {
        return Vec::new();
    }
    let bundle = std::path::Path::new(&t.value).with_file_name("root-bundle.crt");
    let mut content = pem(&cfg.anchors);
    content.push_str(&pem(new));
    vec![
        Edit::new(
            EditKind::FileContent {
                file: bundle.clone(),
                content,
            },
            Applicability::MachineApplicable,
            Then::None,
        ),
        change_edit(cfg, t, &bundle.display().to_string()),
    ]
}

fn weak_crypto(
    obs: &Observation,
    cfg: &ClientConfig,
    at: &str,
    seen: Option<&VerifyResult>,
    reason: Option<&str>,
    j: &mut Judgement,
) {
    let mut f = finding(Code::WeakCrypto);
    if let Some(line) = &obs.client_line {
        f.evidence
            .push(ev_from(client_origin(cfg.kind), one_line(line), at));
    }
    if let Some(v) = seen {
        f.evidence.push(ev(
            format!(
                "OpenSSL verify code {}: {} (at depth {})",
                v.code, v.text, v.depth
            ),
            at,
        ));
        f.facts.insert("verify_code".into(), v.code.to_string());
    }
    if let Some(r) = reason {
        f.evidence
            .push(ev(format!("TLS handshake failed: {r}"), at));
    }
    let level = cfg.security_level;
    if let Some(tls) = &obs.tls {
        for (i, cert) in tls.peer_chain.iter().enumerate() {
            let info = describe(cert, obs.now);
            let weak_here = weakness(&info).or_else(|| {
                level.and_then(|l| {
                    (info.key.starts_with("RSA") && info.key_bits < rsa_bits_for_level(l)).then(
                        || {
                            format!(
                                "{} key (security level {l} needs RSA >= {})",
                                info.key,
                                rsa_bits_for_level(l)
                            )
                        },
                    )
                })
            });
            if let Some(why) = weak_here {
                f.evidence.push(ev(
                    format!("{}: {why}", info.subject),
                    &format!("chain[{i}]"),
                ));
            } else {
                f.evidence.push(ev(
                    format!("{}: {}, {}", info.subject, info.key, info.signature),
                    &format!("chain[{i}]"),
                ));
            }
        }
    }
    if let Some(l) = level {
        f.evidence.push(ev(
            format!("the client's OpenSSL security level is {l}"),
            "client",
        ));
        f.facts.insert("security_level".into(), l.to_string());
    }
    j.findings.push(f);
}

fn client_cert_rejected(
    obs: &Observation,
    cfg: &ClientConfig,
    at: &str,
    alert: u8,
    reason: &str,
    j: &mut Judgement,
) {
    let cert = cfg.client_cert.as_ref().filter(|c| c.used);
    let leaf = cert.and_then(|c| c.chain.first());
    let expired = leaf
        .map(|l| describe(l, obs.now))
        .filter(|i| i.expired() || i.not_yet_valid);
    let code = if alert == 45 || expired.is_some() {
        Code::ClientCertExpired
    } else {
        Code::ServerRejectsClientCert
    };
    let mut f = finding(code);
    if let Some(line) = &obs.client_line {
        f.evidence
            .push(ev_from(client_origin(cfg.kind), one_line(line), at));
    }
    f.evidence.push(ev(
        if alert == 0 {
            format!("the server dropped the connection after the client sent its certificate ({reason})")
        } else {
            format!("the server sent the alert {alert} ({reason})")
        },
        at,
    ));
    let tls = obs.tls.as_ref();
    let names: Vec<(String, Vec<u8>)> = tls.and_then(|t| t.ca_names.clone()).unwrap_or_default();
    let names_text: Vec<&str> = names.iter().map(|(t, _)| t.as_str()).collect();
    let (cert_key, _) = &cfg.cert_settings;
    if let (Some(leaf), Some(cert)) = (leaf, cert) {
        let info = describe(leaf, obs.now);
        f.evidence.push(ev(
            format!(
                "client certificate {} ({}): subject {}, issuer {}, notAfter {}",
                cert.path, cert_key, info.subject, info.issuer, info.not_after
            ),
            "client certificate",
        ));
        if code == Code::ClientCertExpired {
            f.facts.insert("not_after".into(), info.not_after.clone());
            f.reading = Some(
                ProbeText::ClientCertExpired {
                    path: &cert.path,
                    not_after: &info.not_after,
                    days_ago: info.days_ago(),
                }
                .msg(),
            );
            f.fix.push(
                ProbeText::RenewClientCert {
                    path: &cert.path,
                    issuer: &info.issuer,
                    cert_key,
                }
                .msg(),
            );
            f.edits.push(crate::edit::renew_client_certificate(
                &info.issuer,
                &info.subject,
                &cert.key_path,
                &crate::check_rules::access::sh(std::path::Path::new(&cert.path)),
            ));
        } else {
            let issuer_der = leaf.issuer_name().to_der().unwrap_or_default();
            let advertised = names.iter().any(|(_, der)| *der == issuer_der);
            f.evidence.push(ev(
                format!(
                    "the server accepts client certificates from: {}",
                    if names_text.is_empty() {
                        "(no CA names advertised)".to_string()
                    } else {
                        names_text.join("; ")
                    }
                ),
                "CertificateRequest",
            ));
            f.facts
                .insert("client_cert_issuer".into(), info.issuer.clone());
            f.facts
                .insert("server_ca_names".into(), names_text.join("; "));
            if advertised {
                f.reading = Some(
                    ProbeText::IssuerAdvertisedYetRefused {
                        issuer: &info.issuer,
                    }
                    .msg(),
                );
            } else {
                f.reading = Some(
                    ProbeText::IssuerNotAdvertised {
                        issuer: &info.issuer,
                        names: &names_text.join("; "),
                    }
                    .msg(),
                );
                // The CA beside the client's certificate that issued it.
                let found = obs
                    .issuer_candidates
                    .iter()
                    .filter(|(c, _)| {
                        describe(c, obs.now).is_ca
                            && c.public_key()
                                .ok()
                                .is_some_and(|k| leaf.verify(&k).unwrap_or(false))
                    })
                    .map(|(_, p)| p)
                    .min_by_key(|p| {
                        (
                            obs.issuer_candidates
                                .iter()
                                .filter(|(_, q)| q == *p)
                                .count()
                                != 1,
                            (*p).clone(),
                        )
                    });
                match found {
                    Some(p) => {
                        f.fix.push(
                            ProbeText::ClientIssuerBeside {
                                issuer: &info.issuer,
                                file: p,
                            }
                            .msg(),
                        );
                        f.edits.push(crate::edit::append_client_ca(
                            &crate::check_rules::access::sh(std::path::Path::new(p)),
                        ));
                    }
                    None => f.edits.push(crate::edit::append_client_ca(&format!(
                        "<the file of the CA {}>",
                        info.issuer
                    ))),
                }
                f.fix.push(
                    ProbeText::AppendCaToSslCaFile {
                        issuer: &info.issuer,
                    }
                    .msg(),
                );
                if let Some(first) = names_text.first() {
                    f.fix.push(
                        ProbeText::OrReissueFrom {
                            path: &cert.path,
                            ca: first,
                        }
                        .msg(),
                    );
                }
            }
        }
    }
    j.findings.push(f);
}

fn host_mismatch(
    obs: &Observation,
    cfg: &ClientConfig,
    at: &str,
    message: &str,
    j: &mut Judgement,
) {
    let mut f = finding(Code::HostnameMismatch);
    if let Some(line) = &obs.client_line {
        f.evidence
            .push(ev_from(client_origin(cfg.kind), one_line(line), at));
    }
    f.evidence.push(ev(message, at));
    let leaf = obs.tls.as_ref().and_then(|t| t.peer_chain.first());
    if let Some(leaf) = leaf {
        let names = leaf_names(leaf);
        f.evidence.push(ev(
            format!("dialled {}; the certificate names {names}", cfg.host),
            "chain[0]",
        ));
        f.facts.insert("certificate_names".into(), names.clone());
        if let Some(first) = describe(leaf, 0)
            .sans
            .iter()
            .find_map(|s| s.strip_prefix("DNS:").map(str::to_string))
        {
            // The host's own kind of name: an address is an IP SAN, a name a DNS one.
            let san = if cfg.host.parse::<std::net::IpAddr>().is_ok() {
                format!("IP:{}", cfg.host)
            } else {
                format!("DNS:{}", cfg.host)
            };
            f.fix.push(
                ProbeText::DialCertificateName {
                    name: &first,
                    san: &san,
                }
                .msg(),
            );
            if cfg.kind == ClientKind::Libpq {
                f.edits.extend(crate::edit::dial_certificate_name(
                    &describe(leaf, 0).sans,
                    &cfg.host,
                    None,
                ));
            }
            f.cover(&[0, 1]);
        }
    }
    if obs
        .tls
        .as_ref()
        .and_then(|t| t.own_verify.as_ref())
        .is_some_and(|v| v.ok)
    {
        f.notes.push(ProbeText::ChainItselfTrusted.msg());
    }
    j.findings.push(f);
}

/// PGTLS026: the probe kept the password from a server it could not
/// verify. The fix makes the client verify the server, and on the server
/// replaces the readable methods with SCRAM.
fn password_withheld(cfg: &ClientConfig, request: &str, tls: bool, j: &mut Judgement) {
    let mut f = finding(Code::PasswordToUnverifiedServer);
    let method = if request.contains("MD5") {
        "md5"
    } else {
        "password"
    };
    f.facts.insert("request".into(), request.to_string());
    f.facts.insert("tls".into(), tls.to_string());
    f.evidence.push(ev(
        format!(
            "the server sent {request} (pg_hba.conf method {method}) over {}",
            if tls {
                "TLS without a verified server certificate"
            } else {
                "a connection without TLS"
            }
        ),
        "auth",
    ));
    let mut shown: Vec<String> = Vec::new();
    for s in cfg.ssl.iter().chain(&cfg.verify_setting) {
        if !shown.contains(&s.shown()) {
            shown.push(s.shown());
            f.evidence.push(ev(s.shown(), "client"));
        }
    }
    f.reading = Some(
        ProbeText::PasswordNotSent {
            kind: cfg.kind,
            host: &cfg.host,
            port: cfg.port,
        }
        .msg(),
    );
    if cfg.kind.is_kong() {
        for (key, value) in [("pg_ssl", "on"), ("pg_ssl_verify", "on")] {
            let current = cfg
                .ssl
                .iter()
                .chain(&cfg.verify_setting)
                .find(|s| s.key == key);
            if current.is_some_and(|s| s.value == value) {
                continue;
            }
            let s = current
                .cloned()
                .unwrap_or_else(|| a_setting(cfg, key, value));
            push_change(&mut f, cfg, &s, value);
        }
    } else {
        let s = cfg
            .verify_setting
            .clone()
            .or_else(|| cfg.ssl.first().cloned())
            .unwrap_or_else(|| a_setting(cfg, "sslmode", ""));
        push_change(&mut f, cfg, &s, "verify-full");
    }
    // Verifying needs the CA: only a person knows which file holds it.
    if cfg.trust_files.is_empty() {
        let key = if cfg.kind.is_kong() {
            "lua_ssl_trusted_certificate"
        } else {
            "sslrootcert"
        };
        let s = cfg.trust.clone().unwrap_or_else(|| a_setting(cfg, key, ""));
        push_change(
            &mut f,
            cfg,
            &s,
            "<the CA that signs the server certificate>",
        );
    }
    j.findings.push(f);
}

fn password_fix(cfg: &ClientConfig) -> Msg {
    match (&cfg.password, cfg.kind.is_kong()) {
        (Some(p), _) => ProbeText::PasswordComesFrom {
            source: &p.shown(),
            role: &hba_token(&cfg.user),
        }
        .msg(),
        (None, true) => {
            let s = a_setting(cfg, "pg_password", "<password>");
            change(cfg, &s, "<password>")
        }
        (None, false) => ProbeText::GiveLibpqPassword {
            host: &cfg.host,
            port: cfg.port,
            database: &cfg.database,
            user: &cfg.user,
        }
        .msg(),
    }
}

fn server_error(
    obs: &Observation,
    cfg: &ClientConfig,
    at: &str,
    m: &ServerMessage,
    j: &mut Judgement,
) {
    let origin = client_origin(cfg.kind);
    // A plaintext fallback after 'N' that ends in pg_hba.conf's refusal:
    // the server's missing TLS is the cause.
    if obs.plaintext_after == Some(b'N') && !cfg.tls_required {
        let no_hba =
            m.message.contains("no pg_hba.conf entry") || m.code.as_deref() == Some("28000");
        if no_hba {
            server_without_tls(obs, cfg, Some(m), j);
            return;
        }
    }
    let line = format!("{}:  {}", m.severity, m.message);
    let code = if m
        .message
        .contains("certificate validation (clientcert=verify-full) failed")
    {
        Some((
            Code::CertUserMismatch,
            BTreeMap::from([("user".to_string(), cfg.user.clone())]),
            Vec::new(),
        ))
    } else {
        explain_text(&line)
            .into_iter()
            .next()
            .map(|f| (f.id(), f.facts, f.alternatives))
    };
    let Some((code, facts, alternatives)) = code else {
        j.unexplained = Some(
            ProbeText::ServerRefusedUnknown {
                severity: &m.severity,
                message: &m.message,
                sqlstate: m.code.as_deref().unwrap_or("?"),
            }
            .msg(),
        );
        return;
    };
    let mut f = finding(code);
    f.alternatives = alternatives;
    f.facts = facts;
    if let Some(l) = &obs.client_line {
        f.evidence.push(ev_from(origin, one_line(l), at));
    }
    let tls = obs.tls.as_ref().filter(|_| obs.tls_in_use);
    let addr = obs
        .local_ip
        .clone()
        .unwrap_or_else(|| "<client address>".into());
    match code {
        Code::CertUserMismatch => {
            let leaf = cfg
                .client_cert
                .as_ref()
                .filter(|c| c.used)
                .and_then(|c| c.chain.first());
            if let Some(leaf) = leaf {
                let cn = common_name(leaf).unwrap_or_default();
                let dn = name_text(leaf.subject_name());
                f.evidence.push(ev(
                    format!(
                        "the certificate's CN is \"{cn}\" (DN {dn}); the database user is \"{}\"",
                        cfg.user
                    ),
                    "client certificate",
                ));
                let map = "certmap";
                let ident = format!(
                    "{map}  {}  {}",
                    crate::check_rules::ident_system_token(&cn),
                    crate::check_rules::ident_pg_user_token(&cfg.user, cfg.server_major)
                );
                let method = if m.message.contains("clientcert=verify-full") {
                    "scram-sha-256 clientcert=verify-full"
                } else {
                    "cert"
                };
                let hba = format!(
                    "hostssl {} {} {} {method} map={map}",
                    hba_token(&cfg.database),
                    hba_token(&cfg.user),
                    host_cidr(&addr)
                );
                f.facts.insert("cert_cn".into(), cn.clone());
                f.facts.insert("cert_dn".into(), dn.clone());
                f.facts.insert("pg_ident_line".into(), ident.clone());
                f.facts.insert("hba_option".into(), format!("map={map}"));
                f.facts.insert("hba_line".into(), hba.clone());
                f.reading = Some(
                    ProbeText::CnComparedWithUser {
                        cn: &cn,
                        user: &cfg.user,
                    }
                    .msg(),
                );
                let identity = crate::check_rules::identity_ident_line(map);
                f.facts
                    .insert("pg_ident_identity_line".into(), identity.clone());
                f.fix.push(
                    ProbeText::AddIdentMap {
                        ident: &ident,
                        identity: &identity,
                        map,
                        hba: &hba,
                    }
                    .msg(),
                );
                f.fix.push(
                    ProbeText::OrReissueWithCn {
                        user: &cfg.user,
                        cert_key: &cfg.cert_settings.0,
                    }
                    .msg(),
                );
                if cfg.server_major.is_none() && cfg.user.starts_with('/') {
                    f.notes
                        .push(Msg::from(crate::text::IdentText::SlashUserNeedsVersion {
                            user: &cfg.user,
                        }));
                }
                f.notes
                    .push(ProbeText::ClientnameDnComparesDn { dn: &dn }.msg());
            }
        }
        Code::ClientCertRequired => {
            if let Some(t) = tls {
                let names: Vec<&str> = t
                    .ca_names
                    .as_ref()
                    .map(|n| n.iter().map(|(s, _)| s.as_str()).collect())
                    .unwrap_or_default();
                f.evidence.push(ev(
                    format!(
                        "the server asked for a client certificate (CertificateRequest, CAs: {}); the client sent {}",
                        if names.is_empty() { "-".to_string() } else { names.join("; ") },
                        match t.client_certs_sent {
                            Some(0) | None => "none".to_string(),
                            Some(n) => format!("{n} certificate(s)"),
                        }
                    ),
                    Step::TlsHandshake.name(),
                ));
            }
            let (cert_key, key_key) = &cfg.cert_settings;
            if cfg.edition == Some(KongEdition::OpenSource) {
                f.reading = Some(ProbeText::OssKongSendsNoClientCert { cert_key, key_key }.msg());
                f.fix.push(
                    ProbeText::UseEnterpriseOrScram {
                        cert_key,
                        key_key,
                        database: &hba_token(&cfg.database),
                        user: &hba_token(&cfg.user),
                        cidr: &host_cidr(&addr),
                    }
                    .msg(),
                );
            } else {
                let cert = a_setting(cfg, cert_key, "/path/to/client.crt");
                let key = a_setting(cfg, key_key, "/path/to/client.key");
                let names: Vec<String> = tls
                    .and_then(|t| t.ca_names.as_ref())
                    .map(|n| n.iter().map(|(s, _)| s.clone()).collect())
                    .unwrap_or_default();
                f.facts
                    .insert("client_settings".into(), format!("{cert_key} {key_key}"));
                f.fix.push(
                    ProbeText::SetClientCert {
                        cert: &change(cfg, &cert, "/path/to/client.crt"),
                        key: &change(cfg, &key, "/path/to/client.key"),
                        issuers: &names,
                        user: &cfg.user,
                    }
                    .msg(),
                );
                // Which certificate is this client's only a person knows.
                f.edits.push(change_edit(
                    cfg,
                    &cert,
                    "<the client certificate, from a CA the server accepts>",
                ));
                f.edits
                    .push(change_edit(cfg, &key, "<its private key, mode 0600>"));
            }
        }
        Code::NoHbaEntry => {
            let host = f.facts.get("host").cloned().unwrap_or(addr.clone());
            let plain = !obs.tls_in_use;
            let method = if cfg.client_cert.as_ref().is_some_and(|c| c.used) {
                "cert"
            } else {
                "scram-sha-256"
            };
            let hba = format!(
                "hostssl {} {} {} {method}",
                hba_token(&cfg.database),
                hba_token(&cfg.user),
                host_cidr(&host)
            );
            f.facts.insert("hba_line".into(), hba.clone());
            f.evidence.push(ev(
                format!(
                    "the client connected from {host} as user {} to database {}, {}",
                    cfg.user,
                    cfg.database,
                    if plain { "without TLS" } else { "over TLS" }
                ),
                at,
            ));
            if plain {
                let how = match cfg.kind {
                    ClientKind::Libpq => {
                        let s = setting(&cfg.ssl, "sslmode")
                            .cloned()
                            .unwrap_or_else(|| a_setting(cfg, "sslmode", "prefer"));
                        change(cfg, &s, "verify-full")
                    }
                    _ => {
                        let s = setting(&cfg.ssl, "pg_ssl")
                            .cloned()
                            .unwrap_or_else(|| a_setting(cfg, "pg_ssl", "off"));
                        change(cfg, &s, "on")
                    }
                };
                f.fix.push(ProbeText::TurnTlsOnAtClient { how: &how }.msg());
                f.cover(&[1]);
            }
            f.fix.push(ProbeText::AddHbaLine { hba: &hba }.msg());
            // The generic `no encryption` step is either computed above or,
            // over TLS, beside the point.
            f.cover(&[0, 1]);
        }
        Code::PasswordAuthFailed => {
            if let Some(asked) = &obs.auth_requested {
                f.evidence
                    .push(ev(format!("the server asked for {asked}"), "auth"));
            }
            match &cfg.password {
                Some(p) => f.evidence.push(ev(
                    format!("the password sent came from {}", p.shown()),
                    "settings",
                )),
                None => f
                    .evidence
                    .push(ev("no password was configured", "settings")),
            }
            f.fix.push(password_fix(cfg));
        }
        _ => {}
    }
    j.findings.push(f);
}

/// Merges the judgements of several attempts (Kong's two paths): one
/// finding per code, with the evidence of every path that produced it
/// (each piece labelled with its path) and every distinct fix.
pub fn merge(parts: Vec<(String, Judgement)>) -> Judgement {
    let mut out = Judgement::default();
    for (label, part) in parts {
        for mut f in part.findings {
            for e in &mut f.evidence {
                e.location = Some(match &e.location {
                    Some(l) => format!("{label}: {l}"),
                    None => label.clone(),
                });
            }
            match out.findings.iter_mut().find(|g| g.code() == f.code()) {
                Some(g) => {
                    for e in f.evidence {
                        if !g.evidence.iter().any(|x| x.text == e.text) {
                            g.evidence.push(e);
                        }
                    }
                    for m in f.fix {
                        if !g.fix.contains(&m) {
                            g.fix.push(m);
                        }
                    }
                    g.cover(&f.covered);
                    for n in f.notes {
                        if !g.notes.contains(&n) {
                            g.notes.push(n);
                        }
                    }
                    for (k, v) in f.facts {
                        g.facts.entry(k).or_insert(v);
                    }
                }
                None => out.findings.push(f),
            }
        }
        for n in part.notes {
            if !out.notes.contains(&n) {
                out.notes.push(n);
            }
        }
        if out.unexplained.is_none() {
            out.unexplained = part.unexplained;
        }
    }
    out.findings
        .sort_by_key(|f| std::cmp::Reverse(f.diagnosis.severity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(kind: ClientKind) -> ClientConfig {
        ClientConfig {
            kind,
            edition: kind.is_kong().then_some(KongEdition::OpenSource),
            conf_file: Some("/etc/kong/kong.conf".into()),
            host: "db".into(),
            port: 5432,
            user: "kong".into(),
            database: "kong".into(),
            ssl: vec![Setting::new(
                "pg_ssl",
                "on",
                SettingOrigin::File {
                    path: "/etc/kong/kong.conf".into(),
                    line: 3,
                },
            )],
            tls_required: false,
            verify: true,
            verify_setting: None,
            host_check: false,
            trust: None,
            trust_files: vec![],
            anchors: vec![],
            depth: None,
            versions: vec![],
            client_min: Some("TLSv1.2"),
            client_max: Some("TLSv1.3"),
            client_cert: None,
            cert_settings: ("pg_ssl_cert".into(), "pg_ssl_cert_key".into()),
            password: None,
            security_level: None,
            direct_tls: false,
            libpq_major: None,
            server_major: None,
            auth_demands: Vec::new(),
        }
    }

    fn obs(outcome: Outcome) -> Observation {
        Observation {
            outcome,
            tls: None,
            tls_in_use: false,
            plaintext_after: None,
            retried_after: None,
            auth_requested: None,
            local_ip: Some("10.0.0.9".into()),
            client_line: None,
            versions: None,
            issuer_candidates: vec![],
            now: 0,
            answered_by: None,
            answered_signs: vec![],
        }
    }

    #[test]
    fn changes_name_the_place_of_the_setting() {
        let c = cfg(ClientKind::KongCosocket);
        let file = Setting::new(
            "lua_ssl_verify_depth",
            "1",
            SettingOrigin::File {
                path: "/k.conf".into(),
                line: 7,
            },
        );
        assert_eq!(
            change(&c, &file, "2").en,
            "in /k.conf line 7 set `lua_ssl_verify_depth = 2`"
        );
        let env = Setting::new(
            "pg_ssl",
            "off",
            SettingOrigin::Env {
                var: "KONG_PG_SSL".into(),
            },
        );
        assert!(change(&c, &env, "on")
            .en
            .starts_with("set the environment variable `KONG_PG_SSL=on`"));
        let default = a_setting(&c, "lua_ssl_verify_depth", "1");
        assert_eq!(
            change(&c, &default, "2").en,
            "add `lua_ssl_verify_depth = 2` to /etc/kong/kong.conf"
        );
        let l = cfg(ClientKind::Libpq);
        let s = Setting::new("sslmode", "prefer", SettingOrigin::Default).env("PGSSLMODE");
        assert_eq!(
            change(&l, &s, "verify-full").en,
            "add `sslmode=verify-full` to the connection string (or set PGSSLMODE=verify-full)"
        );
    }

    #[test]
    fn version_mismatch_names_both_ranges_and_settings() {
        let mut c = cfg(ClientKind::KongLuaSec);
        c.edition = Some(KongEdition::Enterprise);
        c.client_min = Some("TLSv1.2");
        c.client_max = Some("TLSv1.2");
        c.versions = vec![Setting::new(
            "pg_ssl_version",
            "tlsv1_2",
            SettingOrigin::File {
                path: "/k.conf".into(),
                line: 4,
            },
        )];
        let mut o = obs(Outcome::Failed {
            step: Step::TlsHandshake,
            failure: Failure::Tls {
                reason: "tlsv1 alert protocol version".into(),
                alert_received: Some(70),
                alert_sent: None,
                verify_failed: false,
            },
        });
        o.versions = Some(vec![
            VersionSeen {
                version: "TLSv1.0",
                status: "rejected",
            },
            VersionSeen {
                version: "TLSv1.1",
                status: "rejected",
            },
            VersionSeen {
                version: "TLSv1.2",
                status: "rejected",
            },
            VersionSeen {
                version: "TLSv1.3",
                status: "accepted",
            },
        ]);
        let j = judge(&o, &c);
        let f = j.findings.last().expect("a finding");
        assert_eq!(f.code(), Code::ProtocolVersionMismatch);
        assert_eq!(f.facts["server_range"], "TLSv1.3..TLSv1.3");
        assert_eq!(f.facts["client_fix"], "pg_ssl_version = tlsv1_3");
        assert_eq!(
            f.facts["server_fix"],
            "ssl_min_protocol_version = 'TLSv1.2'"
        );
        assert_eq!(
            f.fix[0].en,
            "in /k.conf line 4 set `pg_ssl_version = tlsv1_3`"
        );
    }

    /// A self-signed certificate whose CN is `cn`.
    fn cert_named(cn: &str) -> X509 {
        use openssl::{ec, nid::Nid, pkey::PKey, x509};
        let group = ec::EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = PKey::from_ec_key(ec::EcKey::generate(&group).unwrap()).unwrap();
        let mut name = x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        b.build()
    }

    /// PGTLS007 for `user` with the server's version `major`, from the
    /// server's refusal of the certificate `cn`.
    fn pgtls007_for(cn: &str, user: &str, major: Option<u32>) -> Finding {
        let mut c = cfg(ClientKind::Libpq);
        c.user = user.into();
        c.server_major = major;
        c.client_cert = Some(ClientCert {
            chain: vec![cert_named(cn)],
            path: "/c.crt".into(),
            key_path: "/c.key".into(),
            used: true,
        });
        let o = obs(Outcome::Failed {
            step: Step::Auth,
            failure: Failure::Server(ServerMessage {
                severity: "FATAL".into(),
                code: Some("28000".into()),
                message: format!("certificate authentication failed for user \"{user}\""),
                ..ServerMessage::default()
            }),
        });
        let j = judge(&o, &c);
        j.findings
            .into_iter()
            .find(|f| f.code() == Code::CertUserMismatch)
            .unwrap_or_else(|| panic!("PGTLS007 for {user} on {major:?}"))
    }

    fn ident_line_for(cn: &str, user: &str, major: Option<u32>) -> String {
        pgtls007_for(cn, user, major).facts["pg_ident_line"].clone()
    }

    #[test]
    fn pgtls007_ident_line_follows_the_servers_version() {
        let line = |user, major| ident_line_for("gw", user, major);
        for major in [12, 13, 14, 15] {
            // A literal name: quotes are not needed, and not harmful.
            assert_eq!(line("all", Some(major)), "certmap  gw  all", "{major}");
            assert_eq!(line("+ops", Some(major)), "certmap  gw  +ops", "{major}");
            assert_eq!(line("/x", Some(major)), "certmap  gw  /x", "{major}");
            assert_eq!(line("kong", Some(major)), "certmap  gw  kong", "{major}");
        }
        for major in [16, 17, 18] {
            // Bare, these would be every user, a role's members, a regex.
            assert_eq!(line("all", Some(major)), "certmap  gw  \"all\"", "{major}");
            assert_eq!(
                line("+ops", Some(major)),
                "certmap  gw  \"+ops\"",
                "{major}"
            );
            assert_eq!(
                line("/x.y", Some(major)),
                "certmap  gw  /^/x\\.y$",
                "{major}"
            );
            assert_eq!(line("kong", Some(major)), "certmap  gw  kong", "{major}");
        }
        // Unknown: the quoted name, one literal user on every version.
        assert_eq!(line("all", None), "certmap  gw  \"all\"");
        assert_eq!(line("+ops", None), "certmap  gw  \"+ops\"");
        assert_eq!(line("kong", None), "certmap  gw  kong");
        // No form suits every version: 16's, and a note saying so.
        assert_eq!(line("/x", None), "certmap  gw  /^/x$");
        let says = |major| {
            pgtls007_for("gw", "/x", major)
                .notes
                .iter()
                .any(|n| n.en.contains("on 12 to 15 write \"/x\" as it is"))
        };
        assert!(says(None));
        assert!(!says(Some(16)) && !says(Some(15)));
        // A CN with a slash is a regular expression on every version.
        assert_eq!(
            ident_line_for("/CN=gw", "kong", Some(15)),
            "certmap  /^/CN=gw$  kong"
        );
        assert_eq!(
            ident_line_for("gw one", "kong", None),
            "certmap  \"gw one\"  kong"
        );
    }

    #[test]
    fn pg_hba_tokens_are_quoted_when_needed() {
        assert_eq!(hba_token("kong"), "kong");
        assert_eq!(hba_token("foo@example.com"), "foo@example.com");
        assert_eq!(hba_token("all"), "\"all\"");
        assert_eq!(hba_token("a b"), "\"a b\"");
        assert_eq!(host_cidr("::1"), "::1/128");
    }

    #[test]
    fn refused_says_nothing_listens() {
        let o = obs(Outcome::Failed {
            step: Step::Tcp,
            failure: Failure::Unreachable {
                reason: Unreachable::Refused,
                text: "connection refused".into(),
            },
        });
        let j = judge(&o, &cfg(ClientKind::Libpq));
        assert_eq!(j.findings.len(), 1);
        assert_eq!(j.findings[0].code(), Code::Unreachable);
        assert_eq!(j.findings[0].facts["reason"], "refused");
    }

    #[test]
    fn merged_paths_keep_one_finding_per_code() {
        let o = obs(Outcome::Failed {
            step: Step::Tcp,
            failure: Failure::Unreachable {
                reason: Unreachable::Timeout,
                text: "timed out".into(),
            },
        });
        let a = judge(&o, &cfg(ClientKind::KongCosocket));
        let b = judge(&o, &cfg(ClientKind::KongLuaSec));
        let m = merge(vec![("cosocket".into(), a), ("luasec".into(), b)]);
        assert_eq!(
            m.findings
                .iter()
                .filter(|f| f.code() == Code::Unreachable)
                .count(),
            1
        );
        assert!(m.findings.iter().any(|f| f.evidence.iter().any(|e| e
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("cosocket")))));
    }
}
