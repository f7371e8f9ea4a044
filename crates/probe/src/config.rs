//! What a probe is told to do: where to connect, how the client it imitates
//! negotiates TLS (libpq's `sslmode`, Kong's `pg_ssl*`), which TLS settings it
//! uses, and the credentials. This is plain data with no command-line
//! parsing; the command-line and kong.conf layers build it. Secrets (the
//! password, the client key) have Debug output that never shows them.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

use crate::error::ProbeError;

/// The default per-step timeout, like Kong's `pg_timeout` (5000 ms).
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// How the client negotiates TLS. The variants name the client settings they
/// reproduce; what is verified comes from [`TlsSettings`], which
/// [`ProbeConfig::libpq`] and [`ProbeConfig::kong`] fill consistently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negotiation {
    /// libpq `disable` (and Kong `pg_ssl = off`): no SSLRequest, plaintext.
    Disable,
    /// libpq `allow`: plaintext first; if the server rejects the plaintext
    /// connection during authentication, a second connection with TLS.
    Allow,
    /// libpq `prefer`: TLS first; `N` continues in plaintext on the same
    /// connection; a failed handshake or a server error over TLS before
    /// authentication completes is retried on a new plaintext connection.
    Prefer,
    /// libpq `require`: TLS or nothing (chain checked only if trust anchors
    /// and verification are configured, as libpq does with a root.crt).
    Require,
    /// libpq `verify-ca`: TLS, chain verified during the handshake.
    VerifyCa,
    /// libpq `verify-full`: as `verify-ca` plus the host-name check.
    VerifyFull,
    /// Kong's connector (pgmoon): `ssl` is `pg_ssl`, `required` is
    /// `pg_ssl_required` (Enterprise). With `ssl` but not `required`, an
    /// answer other than `S` (or `E`) continues in plaintext on the same
    /// connection, even when `pg_ssl_verify` is on. A failed handshake is
    /// never retried.
    Kong {
        /// `pg_ssl`.
        ssl: bool,
        /// `pg_ssl_required`.
        required: bool,
    },
}

impl From<pgtls_model::SslMode> for Negotiation {
    /// libpq's `sslmode` as the probe negotiates it.
    fn from(mode: pgtls_model::SslMode) -> Negotiation {
        use pgtls_model::SslMode;
        match mode {
            SslMode::Disable => Negotiation::Disable,
            SslMode::Allow => Negotiation::Allow,
            SslMode::Prefer => Negotiation::Prefer,
            SslMode::Require => Negotiation::Require,
            SslMode::VerifyCa => Negotiation::VerifyCa,
            SslMode::VerifyFull => Negotiation::VerifyFull,
        }
    }
}

impl Negotiation {
    /// The libpq spelling (`prefer`, `verify-full`, ...) or a Kong summary.
    pub fn name(&self) -> &'static str {
        match self {
            Negotiation::Disable => "disable",
            Negotiation::Allow => "allow",
            Negotiation::Prefer => "prefer",
            Negotiation::Require => "require",
            Negotiation::VerifyCa => "verify-ca",
            Negotiation::VerifyFull => "verify-full",
            Negotiation::Kong { ssl: false, .. } => "kong pg_ssl=off",
            Negotiation::Kong {
                ssl: true,
                required: false,
            } => "kong pg_ssl=on",
            Negotiation::Kong {
                ssl: true,
                required: true,
            } => "kong pg_ssl=on pg_ssl_required=on",
        }
    }

    /// Whether this mode can use TLS at all.
    pub fn may_use_tls(&self) -> bool {
        !matches!(
            self,
            Negotiation::Disable | Negotiation::Kong { ssl: false, .. }
        )
    }

    /// Whether this is one of Kong's modes.
    pub fn is_kong(&self) -> bool {
        matches!(self, Negotiation::Kong { .. })
    }
}

pub use pgtls_model::TlsVersion;

/// When, if at all, the server chain is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Not verified (libpq `require` without a root certificate, Kong with
    /// `pg_ssl_verify = off`). The probe still reports its own verdict.
    Off,
    /// `SSL_VERIFY_PEER`: a failure aborts the handshake and sends an alert
    /// to the server (libpq, Kong's LuaSec path). The server then logs
    /// `tlsv1 alert unknown ca`.
    InHandshake,
    /// Handshake with `SSL_VERIFY_NONE`, then the chain's verification
    /// result is checked and the connection dropped without an alert (Kong's
    /// nginx cosocket path). The server then logs a connection reset.
    AfterHandshake,
}

/// A client certificate chain (leaf first) and its private key.
#[derive(Clone)]
pub struct ClientIdentity {
    chain: Vec<X509>,
    key: PKey<Private>,
}

impl ClientIdentity {
    /// Pairs a chain (leaf first, then intermediates to send) with its key.
    /// Fails when the chain is empty or the key is not the leaf's.
    pub fn new(chain: Vec<X509>, key: PKey<Private>) -> Result<ClientIdentity, ProbeError> {
        let Some(leaf) = chain.first() else {
            return Err(ProbeError::EmptyClientChain);
        };
        let leaf_key = leaf
            .public_key()
            .map_err(ProbeError::openssl("client certificate"))?;
        if !leaf_key.public_eq(&key) {
            return Err(ProbeError::ClientKeyMismatch);
        }
        Ok(ClientIdentity { chain, key })
    }

    /// The chain, leaf first.
    pub fn chain(&self) -> &[X509] {
        &self.chain
    }

    pub(crate) fn key(&self) -> &PKey<Private> {
        &self.key
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subjects: Vec<String> = self
            .chain
            .iter()
            .map(|c| crate::report::name_to_string(c.subject_name()))
            .collect();
        f.debug_struct("ClientIdentity")
            .field("chain", &subjects)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The TLS side of the client.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// Lowest version offered (`None`: the library default).
    pub min_version: Option<TlsVersion>,
    /// Highest version offered (`None`: the library default).
    pub max_version: Option<TlsVersion>,
    /// Certificates trusted as anchors; `None` is an empty trust store (the
    /// system store is only used when a caller loads it into this list).
    pub trust_anchors: Option<Vec<X509>>,
    /// Whether and when the chain is verified.
    pub verify: Verify,
    /// `SSL_CTX_set_verify_depth` (Kong's `lua_ssl_verify_depth`);
    /// `None` keeps OpenSSL's default (100).
    pub verify_depth: Option<u32>,
    /// The SNI host name to send; `None` sends none (Kong never does).
    pub sni: Option<String>,
    /// libpq verify-full's host-name check against this name (SAN dNSName,
    /// SAN iPAddress, CN fallback as libpq 15 does); `None` skips it.
    pub host_name_check: Option<String>,
    /// The client certificate to present when asked.
    pub client_identity: Option<ClientIdentity>,
    /// OpenSSL security level (`SSL_CTX_set_security_level`); `None` keeps
    /// the system default (2 on Debian 12).
    pub security_level: Option<u8>,
    /// TLS 1.2-and-below cipher list (OpenSSL syntax); `None` keeps the
    /// default.
    pub cipher_list: Option<String>,
    /// The ALPN protocol offered (libpq 17's direct TLS offers
    /// `postgresql`); `None` offers none, as the SSLRequest path does.
    pub alpn: Option<String>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            min_version: None,
            max_version: None,
            trust_anchors: None,
            verify: Verify::Off,
            verify_depth: None,
            sni: None,
            host_name_check: None,
            client_identity: None,
            security_level: None,
            cipher_list: None,
            alpn: None,
        }
    }
}

/// libpq 16's `require_auth`: which authentication requests the client
/// answers; any other ends the connection on the client's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequirement {
    /// The value as the user wrote it (libpq quotes it in its error).
    pub shown: String,
    /// `!a,!b`: every method but these.
    pub negated: bool,
    /// `password`, `md5`, `scram-sha-256`, `none`, ...
    pub methods: Vec<String>,
}

impl AuthRequirement {
    /// Whether a request for `method` is answered.
    pub fn allows(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m == method) != self.negated
    }
}

/// Which channel binding the client asks for in SCRAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelBindingPref {
    /// Use SCRAM-SHA-256-PLUS when the server offers it over TLS (libpq's
    /// default; Kong's pgmoon behaves the same way).
    Prefer,
    /// Refuse to authenticate without channel binding (libpq
    /// `channel_binding=require`).
    Require,
    /// Never bind.
    Disable,
}

/// The one secret type: wiped when dropped, never printed.
pub use pgtls_model::Secret;

/// Everything a probe needs.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Deadline for each step (connect, SSLRequest, handshake, start-up,
    /// authentication, query), however slowly bytes arrive.
    pub timeout: Duration,
    /// TLS negotiation.
    pub ssl: Negotiation,
    /// TLS settings.
    pub tls: TlsSettings,
    /// Database user.
    pub user: String,
    /// Database; `None` lets the server default it to the user name.
    pub database: Option<String>,
    /// Password, when the server may ask for one.
    pub password: Option<Secret>,
    /// `application_name` sent at start-up.
    pub application_name: Option<String>,
    /// SCRAM channel binding.
    pub channel_binding: ChannelBindingPref,
    /// Stop once TLS is up (for `scan`: no start-up, no credentials).
    pub handshake_only: bool,
    /// Answer a cleartext or MD5 password request even when the server's
    /// certificate was not verified. Off by default: whoever answers at
    /// the address could read the password (or crack the MD5 hash).
    pub password_to_unverified_server: bool,
    /// libpq 17's `sslnegotiation=direct`: no SSLRequest, the TLS
    /// handshake at once (with [`TlsSettings::alpn`]).
    pub direct_tls: bool,
    /// libpq 16's `require_auth`.
    pub require_auth: Option<AuthRequirement>,
    /// libpq 16's `sslcertmode=require`: fail when the server did not ask
    /// for a client certificate.
    pub require_cert_request: bool,
    /// The modelled client has no time limit of its own (libpq without
    /// `connect_timeout`): where the probe gives up after [`Self::timeout`],
    /// it would wait for ever (or, for a TCP connect, for the kernel).
    pub client_waits_forever: bool,
}

fn is_ip_literal(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok()
}

impl ProbeConfig {
    /// A libpq-like client (psql) with the given `sslmode`: verification
    /// during the handshake for verify-ca/verify-full, the host-name check for
    /// verify-full, SNI with the host name unless it is an IP address (libpq
    /// 15's `sslsni=1`), libpq 15's default minimum of TLS 1.2, user
    /// `postgres`, `application_name=psql`. Trust anchors, client certificate
    /// and credentials are for the caller to fill.
    pub fn libpq(host: &str, port: u16, mode: Negotiation) -> ProbeConfig {
        let verify = match mode {
            Negotiation::VerifyCa | Negotiation::VerifyFull => Verify::InHandshake,
            _ => Verify::Off,
        };
        let tls = TlsSettings {
            min_version: Some(TlsVersion::Tls1_2),
            verify,
            sni: (!is_ip_literal(host)).then(|| host.to_string()),
            host_name_check: (mode == Negotiation::VerifyFull).then(|| host.to_string()),
            ..TlsSettings::default()
        };
        ProbeConfig {
            host: host.to_string(),
            port,
            timeout: DEFAULT_STEP_TIMEOUT,
            ssl: mode,
            tls,
            user: "postgres".into(),
            database: None,
            password: None,
            application_name: Some("psql".into()),
            channel_binding: ChannelBindingPref::Prefer,
            handshake_only: false,
            password_to_unverified_server: false,
            direct_tls: false,
            require_auth: None,
            require_cert_request: false,
            client_waits_forever: false,
        }
    }

    /// Kong's connector on the nginx cosocket path with its defaults: user and
    /// database `kong`, `application_name=kong`, no SNI, no host-name check,
    /// TLSv1.2 and TLSv1.3 (what the default `lua_ssl_protocols`, TLSv1.1
    /// TLSv1.2 TLSv1.3, negotiates under OpenSSL 3), `lua_ssl_verify_depth` 1,
    /// verification (when `pg_ssl_verify`) after the handshake.
    pub fn kong(host: &str, port: u16, ssl: bool, required: bool, verify: bool) -> ProbeConfig {
        let tls = TlsSettings {
            min_version: Some(TlsVersion::Tls1_2),
            max_version: Some(TlsVersion::Tls1_3),
            verify: if verify {
                Verify::AfterHandshake
            } else {
                Verify::Off
            },
            verify_depth: Some(1),
            ..TlsSettings::default()
        };
        ProbeConfig {
            host: host.to_string(),
            port,
            timeout: DEFAULT_STEP_TIMEOUT,
            ssl: Negotiation::Kong { ssl, required },
            tls,
            user: "kong".into(),
            database: Some("kong".into()),
            password: None,
            application_name: Some("kong".into()),
            channel_binding: ChannelBindingPref::Prefer,
            handshake_only: false,
            password_to_unverified_server: false,
            direct_tls: false,
            require_auth: None,
            require_cert_request: false,
            client_waits_forever: false,
        }
    }

    /// Kong's connector on the LuaSec path (nginx init, Kong CLI before
    /// 3.5): like [`ProbeConfig::kong`] but the chain (when `pg_ssl_verify`)
    /// is verified during the handshake, `lua_ssl_verify_depth` is ignored,
    /// and `pin` (Enterprise `pg_ssl_version`) sets both ends of the version
    /// range; without it any version from TLS 1.1 up (pgmoon's `no_tlsv1`).
    pub fn kong_luasec(
        host: &str,
        port: u16,
        ssl: bool,
        required: bool,
        verify: bool,
        pin: Option<TlsVersion>,
    ) -> ProbeConfig {
        let mut cfg = ProbeConfig::kong(host, port, ssl, required, verify);
        cfg.tls.verify = if verify {
            Verify::InHandshake
        } else {
            Verify::Off
        };
        cfg.tls.verify_depth = None;
        cfg.tls.min_version = Some(pin.unwrap_or(TlsVersion::Tls1_1));
        cfg.tls.max_version = pin;
        cfg
    }

    /// A handshake-only probe (for `scan`): TLS required, nothing verified,
    /// no SNI, stop once TLS is up.
    pub fn handshake_only(host: &str, port: u16) -> ProbeConfig {
        let mut cfg = ProbeConfig::libpq(host, port, Negotiation::Require);
        cfg.tls.min_version = None;
        cfg.tls.sni = None;
        cfg.handshake_only = true;
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_debug_is_redacted() {
        let pw = Secret::from("hunter2");
        assert_eq!(format!("{pw:?}"), "Secret(***)");
        let mut cfg = ProbeConfig::kong("db", 5432, true, false, true);
        cfg.password = Some(pw);
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(
            cfg.password.as_ref().map(|p| p.expose()),
            Some(&b"hunter2"[..])
        );
    }

    #[test]
    fn libpq_presets_follow_sslmode() {
        let full = ProbeConfig::libpq("db.example", 5432, Negotiation::VerifyFull);
        assert_eq!(full.tls.verify, Verify::InHandshake);
        assert_eq!(full.tls.host_name_check.as_deref(), Some("db.example"));
        assert_eq!(full.tls.sni.as_deref(), Some("db.example"));
        let ip = ProbeConfig::libpq("127.0.0.1", 5432, Negotiation::VerifyCa);
        assert_eq!(ip.tls.sni, None, "libpq sends no SNI for an IP address");
        assert_eq!(ip.tls.host_name_check, None);
        let prefer = ProbeConfig::libpq("db", 5432, Negotiation::Prefer);
        assert_eq!(prefer.tls.verify, Verify::Off);
    }

    #[test]
    fn kong_preset_matches_kong_defaults() {
        let cfg = ProbeConfig::kong("10.0.0.5", 5432, true, false, true);
        assert_eq!(cfg.tls.verify, Verify::AfterHandshake);
        assert_eq!(cfg.tls.verify_depth, Some(1));
        assert_eq!(cfg.tls.sni, None);
        assert_eq!(cfg.tls.host_name_check, None);
        assert_eq!(cfg.user, "kong");
        assert_eq!(cfg.application_name.as_deref(), Some("kong"));
        assert_eq!(cfg.ssl.name(), "kong pg_ssl=on");
        assert!(!ProbeConfig::kong("h", 1, false, false, false)
            .ssl
            .may_use_tls());
    }

    #[test]
    fn kong_luasec_verifies_in_the_handshake_and_pins_the_version() {
        let cfg = ProbeConfig::kong_luasec("db", 5432, true, false, true, Some(TlsVersion::Tls1_2));
        assert_eq!(cfg.tls.verify, Verify::InHandshake);
        assert_eq!(cfg.tls.verify_depth, None);
        assert_eq!(
            (cfg.tls.min_version, cfg.tls.max_version),
            (Some(TlsVersion::Tls1_2), Some(TlsVersion::Tls1_2))
        );
        let any = ProbeConfig::kong_luasec("db", 5432, true, false, false, None);
        assert_eq!(any.tls.verify, Verify::Off);
        assert_eq!(
            (any.tls.min_version, any.tls.max_version),
            (Some(TlsVersion::Tls1_1), None)
        );
    }

    #[test]
    fn tls_version_spellings() {
        assert_eq!(TlsVersion::parse("TLSv1"), Some(TlsVersion::Tls1_0));
        assert_eq!(TlsVersion::parse("TLSv1.0"), Some(TlsVersion::Tls1_0));
        assert_eq!(TlsVersion::parse("TLSv1.3"), Some(TlsVersion::Tls1_3));
        assert_eq!(TlsVersion::parse("SSLv3"), None);
        assert_eq!(TlsVersion::Tls1_0.pg_name(), "TLSv1");
        assert_eq!(TlsVersion::Tls1_0.report_name(), "TLSv1.0");
        assert!(TlsVersion::Tls1_2 < TlsVersion::Tls1_3);
    }
}
