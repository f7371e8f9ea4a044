//! What a probe observed, as data: the steps with every message sent and
//! received, the TLS facts (version, cipher, the chain exactly as sent, the
//! client-certificate request, alerts, OpenSSL's own words), and the outcome.
//! A server that refuses, misbehaves or lies is described here, never turned
//! into an `Err`, so the diagnosis layer can reason about it.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use openssl::x509::{X509NameRef, X509};
use pgtls_wire::{DecodeError, ScramError};

use crate::config::TlsVersion;

/// The fields of a server's ErrorResponse (severity, SQLSTATE, message,
/// detail, hint, routine).
pub type ServerError = pgtls_wire::ErrorFields;

/// The steps of a connection, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepName {
    /// Name resolution and TCP connect.
    Tcp,
    /// SSLRequest and its one-byte answer.
    SslRequest,
    /// The TLS handshake (and the checks the client makes right after it).
    TlsHandshake,
    /// StartupMessage and the server's first answer.
    Startup,
    /// The authentication exchange up to ReadyForQuery.
    Auth,
    /// `SHOW server_version_num`.
    Query,
}

impl StepName {
    /// Lowercase name: `tcp`, `ssl_request`, `tls_handshake`, `startup`,
    /// `auth`, `query`.
    pub fn name(&self) -> &'static str {
        match self {
            StepName::Tcp => "tcp",
            StepName::SslRequest => "ssl_request",
            StepName::TlsHandshake => "tls_handshake",
            StepName::Startup => "startup",
            StepName::Auth => "auth",
            StepName::Query => "query",
        }
    }
}

impl fmt::Display for StepName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the probe to the server.
    Sent,
    /// From the server to the probe.
    Received,
}

/// One step of one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Which step.
    pub name: StepName,
    /// 1 for the first connection; 2 when the client retried (libpq
    /// `prefer`/`allow`).
    pub connection: u8,
    /// Whether the step succeeded.
    pub ok: bool,
    /// How long it took.
    pub elapsed: Duration,
    /// Short descriptions of what was sent (`SSLRequest`, `ClientHello`,
    /// `alert: unknown ca (48)`, `PasswordMessage (md5, withheld)`). Secrets
    /// never appear.
    pub sent: Vec<String>,
    /// Short descriptions of what was received (`'S'`, `ServerHello`,
    /// `Certificate (2 certs)`, `ErrorResponse FATAL 28000`).
    pub received: Vec<String>,
    /// Both directions interleaved in the order they happened.
    pub transcript: Vec<(Direction, String)>,
}

/// A TLS alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    /// 1 warning, 2 fatal.
    pub level: u8,
    /// The alert description number (48 = unknown ca).
    pub code: u8,
}

impl Alert {
    /// The alert's name as OpenSSL's reason strings spell it (lowercase),
    /// e.g. `unknown ca`, `protocol version`, `certificate expired`.
    pub fn description(&self) -> &'static str {
        match self.code {
            0 => "close notify",
            10 => "unexpected message",
            20 => "bad record mac",
            21 => "decryption failed",
            22 => "record overflow",
            30 => "decompression failure",
            40 => "handshake failure",
            41 => "no certificate",
            42 => "bad certificate",
            43 => "unsupported certificate",
            44 => "certificate revoked",
            45 => "certificate expired",
            46 => "certificate unknown",
            47 => "illegal parameter",
            48 => "unknown ca",
            49 => "access denied",
            50 => "decode error",
            51 => "decrypt error",
            60 => "export restriction",
            70 => "protocol version",
            71 => "insufficient security",
            80 => "internal error",
            86 => "inappropriate fallback",
            90 => "user canceled",
            100 => "no renegotiation",
            109 => "missing extension",
            110 => "unsupported extension",
            111 => "certificate unobtainable",
            112 => "unrecognized name",
            113 => "bad certificate status response",
            114 => "bad certificate hash value",
            115 => "unknown psk identity",
            116 => "certificate required",
            120 => "no application protocol",
            _ => "unknown alert",
        }
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "alert: {} ({})", self.description(), self.code)
    }
}

/// One distinguished name from a CertificateRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaName {
    /// e.g. `C=JP, O=pgtls lab, CN=client CA`, in the order encoded.
    pub text: String,
    /// The DER encoding.
    pub der: Vec<u8>,
}

/// An X.509 verification verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainVerification {
    /// Whether the chain verified.
    pub ok: bool,
    /// OpenSSL's verify code (0 = ok, 10 = expired, 20 = unable to get
    /// local issuer certificate, 21 = unable to verify the first
    /// certificate, ...).
    pub code: i32,
    /// OpenSSL's verify string for the code.
    pub text: String,
    /// The chain depth where verification stopped (0 = leaf).
    pub depth: u32,
}

impl fmt::Display for ChainVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.text)
    }
}

/// One OpenSSL error, as OpenSSL reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSslError {
    /// The packed error code (e.g. 0x0A000418).
    pub code: u64,
    /// The library, e.g. `SSL routines`.
    pub library: Option<String>,
    /// The reason exactly as OpenSSL prints it, e.g. `tlsv1 alert unknown ca`,
    /// `certificate verify failed`, `unsupported protocol`.
    pub reason: Option<String>,
    /// Extra data, e.g. `SSL alert number 48`.
    pub data: Option<String>,
    /// OpenSSL's one-line form, e.g.
    /// `error:0A000418:SSL routines::tlsv1 alert unknown ca`.
    pub text: String,
}

impl OpenSslError {
    /// The reason, or libpq's fallback text `SSL error code N`.
    pub fn reason_or_code(&self) -> String {
        match &self.reason {
            Some(reason) => reason.clone(),
            None => format!("SSL error code {}", self.code),
        }
    }

    /// The form nginx logs: `error:0A00042E:SSL routines::tlsv1 alert
    /// protocol version:SSL alert number 70`.
    pub fn nginx_text(&self) -> String {
        match &self.data {
            Some(data) => format!("{}:{}", self.text, data),
            None => self.text.clone(),
        }
    }
}

/// Facts about a TLS handshake, collected whether it succeeded or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFacts {
    /// The SNI name sent, if any.
    pub sni: Option<String>,
    /// The ALPN protocol the server selected, if any (PostgreSQL 17 and
    /// later select `postgresql` on a direct TLS connection).
    pub alpn: Option<String>,
    /// Whether the handshake completed.
    pub handshake_completed: bool,
    /// The negotiated version (`TLSv1.3`), once the ServerHello arrived.
    pub version: Option<String>,
    /// The negotiated cipher (OpenSSL name), once known.
    pub cipher: Option<String>,
    /// The server's certificates exactly as sent (DER, in order, leaf first).
    pub peer_chain: Vec<Vec<u8>>,
    /// Whether the server sent a CertificateRequest.
    pub certificate_request: bool,
    /// The CA names in the CertificateRequest (None without a request).
    pub client_ca_names: Option<Vec<CaName>>,
    /// How many certificates the probe sent in answer to a request (0: an
    /// empty Certificate message; None: not asked).
    pub client_certificates_sent: Option<usize>,
    /// The handshake's own verification result (`SSL_get_verify_result`),
    /// when the client verified.
    pub handshake_verify: Option<ChainVerification>,
    /// The probe's own verification of the received chain against the trust
    /// anchors with the configured depth, whatever the handshake did.
    pub chain_verification: Option<ChainVerification>,
    /// The same without a depth limit, when a depth is configured: tells
    /// "chain too long for the depth" apart from "untrusted".
    pub chain_verification_unlimited_depth: Option<ChainVerification>,
    /// The last alert received from the server.
    pub alert_received: Option<Alert>,
    /// The last alert the probe sent.
    pub alert_sent: Option<Alert>,
    /// The OpenSSL error that ended the connection, if one did.
    pub error: Option<OpenSslError>,
}

impl TlsFacts {
    /// The peer chain parsed; certificates that do not parse are skipped.
    pub fn peer_chain_x509(&self) -> Vec<X509> {
        self.peer_chain
            .iter()
            .filter_map(|der| X509::from_der(der).ok())
            .collect()
    }
}

/// How the client authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// No password asked and no client certificate sent: `trust`.
    Trust,
    /// No password asked after the client sent the certificate the server
    /// requested: `cert` authentication (or `trust` on a line that also
    /// checks the certificate; the wire cannot tell them apart).
    Certificate,
    /// Clear-text password.
    Cleartext,
    /// MD5.
    Md5,
    /// SCRAM-SHA-256 without channel binding.
    ScramSha256,
    /// SCRAM-SHA-256-PLUS (tls-server-end-point).
    ScramSha256Plus,
}

impl AuthMethod {
    /// `trust`, `cert`, `password`, `md5`, `SCRAM-SHA-256`, `SCRAM-SHA-256-PLUS`.
    pub fn name(&self) -> &'static str {
        match self {
            AuthMethod::Trust => "trust",
            AuthMethod::Certificate => "cert",
            AuthMethod::Cleartext => "password",
            AuthMethod::Md5 => "md5",
            AuthMethod::ScramSha256 => "SCRAM-SHA-256",
            AuthMethod::ScramSha256Plus => "SCRAM-SHA-256-PLUS",
        }
    }
}

/// Why name resolution or TCP failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnreachableReason {
    /// The host name did not resolve.
    Dns {
        /// The resolver's message, e.g. `Name or service not known`.
        error: String,
    },
    /// Every address refused the connection (nothing listens).
    Refused,
    /// Connecting timed out (a firewall dropping packets).
    Timeout,
    /// Another socket error (no route to host, network unreachable).
    Other,
}

/// One address the probe tried to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectAttempt {
    /// The address.
    pub addr: SocketAddr,
    /// The error, as the system words it (`Connection refused`).
    pub error: String,
}

/// A TLS-level failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// OpenSSL failed the handshake or a later record: an alert from the
    /// server, a version mismatch, a chain rejected during the handshake.
    OpenSsl {
        /// The first error in OpenSSL's queue (the one clients print).
        error: OpenSslError,
        /// The alert received, if any.
        alert_received: Option<Alert>,
        /// The alert sent, if any.
        alert_sent: Option<Alert>,
        /// The handshake's verification result when it failed verification.
        verify: Option<ChainVerification>,
    },
    /// Verification after the handshake (Kong's cosocket path) failed; the
    /// connection was dropped without an alert.
    VerifyAfterHandshake(ChainVerification),
    /// libpq verify-full's host-name check failed.
    HostNameMismatch {
        /// The host name checked.
        host: String,
        /// libpq's message, e.g. `server certificate for "localhost" does
        /// not match host name "127.0.0.1"`.
        message: String,
    },
}

/// The server broke the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A frame was oversized or malformed.
    Frame(DecodeError),
    /// A message that has no place at this point.
    UnexpectedMessage {
        /// What was expected.
        expected: &'static str,
        /// What arrived.
        got: String,
    },
    /// An authentication request type the client cannot answer.
    UnsupportedAuth {
        /// The request type number.
        code: u32,
        /// Its protocol name.
        name: String,
    },
    /// The SCRAM exchange failed (bad nonce, iteration count, signature).
    Scram(ScramError),
    /// SCRAM-SHA-256-PLUS offered on a connection without TLS.
    PlusOverPlaintext,
    /// `SHOW server_version_num` did not return a number.
    BadServerVersion {
        /// What came back.
        text: String,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Frame(e) => write!(f, "{e}"),
            Violation::UnexpectedMessage { expected, got } => {
                write!(f, "expected {expected}, received {got}")
            }
            Violation::UnsupportedAuth { name, .. } => {
                write!(f, "unsupported authentication request {name}")
            }
            Violation::Scram(e) => write!(f, "{e}"),
            Violation::PlusOverPlaintext => {
                write!(
                    f,
                    "server offered SCRAM-SHA-256-PLUS over a connection without TLS"
                )
            }
            Violation::BadServerVersion { text } => {
                write!(f, "server_version_num is not a number: {text:?}")
            }
        }
    }
}

/// The client itself refused to go on (as the real client would).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientRefusal {
    /// The server asked for a password and none is configured.
    NoPassword,
    /// Channel binding required, but the connection has no TLS.
    ChannelBindingWithoutTls,
    /// Channel binding required, but the server did not offer
    /// SCRAM-SHA-256-PLUS.
    ChannelBindingNotOffered,
    /// Channel binding required, but the server authenticated the client
    /// without SASL (trust, password, md5).
    ChannelBindingNotUsed,
    /// None of the server's SASL mechanisms is supported.
    NoSupportedMechanism {
        /// What the server offered.
        offered: Vec<String>,
    },
    /// libpq 16's `require_auth` refused what the server asked for.
    AuthRequirement {
        /// The require_auth value as written.
        requirement: String,
        /// libpq's words for what the server did (`server requested SASL
        /// authentication`, `server did not complete authentication`).
        reason: &'static str,
    },
    /// libpq 16's `sslcertmode=require`, and the server did not ask for a
    /// client certificate.
    CertificateNotRequested,
    /// The server asked for a password in a form it can read (cleartext,
    /// or an MD5 hash that can be cracked offline) and its certificate was
    /// not verified, so the probe did not send it. The real client would
    /// have sent it.
    PasswordWithheld {
        /// The request's protocol name (`AuthenticationCleartextPassword`).
        request: &'static str,
        /// Whether the connection used TLS at all.
        tls: bool,
    },
}

impl fmt::Display for ClientRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientRefusal::NoPassword => write!(f, "server asked for a password and none is set"),
            ClientRefusal::AuthRequirement {
                requirement,
                reason,
            } => write!(
                f,
                "authentication method requirement \"{requirement}\" failed: {reason}"
            ),
            ClientRefusal::CertificateNotRequested => {
                write!(f, "server did not request an SSL certificate")
            }
            ClientRefusal::ChannelBindingWithoutTls => {
                write!(f, "channel binding required, but TLS is not in use")
            }
            ClientRefusal::ChannelBindingNotOffered => {
                write!(
                    f,
                    "channel binding required, but the server did not offer it"
                )
            }
            ClientRefusal::ChannelBindingNotUsed => write!(
                f,
                "channel binding required, but the server authenticated without it"
            ),
            ClientRefusal::NoSupportedMechanism { offered } => write!(
                f,
                "none of the server's SASL mechanisms is supported: {}",
                offered.join(", ")
            ),
            ClientRefusal::PasswordWithheld { request, tls } => write!(
                f,
                "password withheld: the server sent {request} over {}",
                if *tls {
                    "TLS without a verified server certificate"
                } else {
                    "a connection without TLS"
                }
            ),
        }
    }
}

/// Why a step failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// Name resolution or TCP connect failed.
    Unreachable {
        /// Which of DNS, refused, timeout, other.
        reason: UnreachableReason,
        /// Every address tried, with its error (empty for DNS).
        tried: Vec<ConnectAttempt>,
    },
    /// The step's deadline passed.
    Timeout {
        /// The step timeout.
        after: Duration,
        /// What had arrived in this step before the deadline.
        arrived: Vec<String>,
        /// Bytes of an incomplete message that had arrived.
        partial_bytes: usize,
    },
    /// The server answered `N` to SSLRequest and the client requires TLS.
    ServerRefusedTls,
    /// The server answered SSLRequest with an ErrorResponse.
    ErrorToSslRequest(ServerError),
    /// The answer to SSLRequest was neither `S`, `N` nor `E`.
    JunkSslAnswer {
        /// The byte received.
        byte: u8,
    },
    /// TLS failed.
    Tls(TlsFailure),
    /// The server sent an ErrorResponse.
    Server(ServerError),
    /// The server closed the connection.
    Closed,
    /// The connection was reset.
    Reset,
    /// The server broke the protocol.
    ProtocolViolation(Violation),
    /// The client refused to go on.
    ClientRefused(ClientRefusal),
    /// Another socket error.
    Io {
        /// The system's words.
        error: String,
    },
}

impl FailureKind {
    /// Whether the probe itself withheld the password (the real client
    /// would have gone on).
    pub fn is_password_withheld(&self) -> bool {
        matches!(
            self,
            FailureKind::ClientRefused(ClientRefusal::PasswordWithheld { .. })
        )
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureKind::Unreachable { reason, tried } => {
                let addrs: Vec<String> = tried
                    .iter()
                    .map(|a| format!("{} ({})", a.addr, a.error))
                    .collect();
                match reason {
                    UnreachableReason::Dns { error } => {
                        write!(f, "name resolution failed: {error}")
                    }
                    UnreachableReason::Refused => {
                        write!(f, "connection refused: {}", addrs.join(", "))
                    }
                    UnreachableReason::Timeout => {
                        write!(f, "connect timed out: {}", addrs.join(", "))
                    }
                    UnreachableReason::Other => write!(f, "connect failed: {}", addrs.join(", ")),
                }
            }
            FailureKind::Timeout {
                after,
                arrived,
                partial_bytes,
            } => {
                write!(f, "no complete answer within {} ms", after.as_millis())?;
                if !arrived.is_empty() {
                    write!(f, " (received: {})", arrived.join(", "))?;
                }
                if *partial_bytes > 0 {
                    write!(f, " ({partial_bytes} bytes of an incomplete message)")?;
                }
                Ok(())
            }
            FailureKind::ServerRefusedTls => write!(f, "server does not support TLS (answered N)"),
            FailureKind::ErrorToSslRequest(e) => write!(
                f,
                "server answered SSLRequest with an error: {}",
                e.message.as_deref().unwrap_or("")
            ),
            FailureKind::JunkSslAnswer { byte } => {
                write!(
                    f,
                    "answer to SSLRequest is not PostgreSQL's: byte 0x{byte:02x}"
                )
            }
            FailureKind::Tls(TlsFailure::OpenSsl { error, .. }) => {
                write!(f, "tls error: {}", error.reason_or_code())
            }
            FailureKind::Tls(TlsFailure::VerifyAfterHandshake(v)) => {
                write!(f, "server certificate verification failed: {v}")
            }
            FailureKind::Tls(TlsFailure::HostNameMismatch { message, .. }) => f.write_str(message),
            FailureKind::Server(e) => write!(
                f,
                "{}: {}",
                e.severity_word().unwrap_or("ERROR"),
                e.message.as_deref().unwrap_or("")
            ),
            FailureKind::Closed => write!(f, "server closed the connection"),
            FailureKind::Reset => write!(f, "connection reset by peer"),
            FailureKind::ProtocolViolation(v) => write!(f, "protocol violation: {v}"),
            FailureKind::ClientRefused(r) => write!(f, "{r}"),
            FailureKind::Io { error } => write!(f, "{error}"),
        }
    }
}

/// How the probe left its first plan, as the client would have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// The server did not answer `S` to SSLRequest and the client went on in
    /// plaintext on the same connection (libpq `prefer`, Kong `pg_ssl`
    /// without `pg_ssl_required`).
    PlaintextAfterAnswer {
        /// The answer byte (`N`, or junk for Kong).
        answer: u8,
    },
    /// libpq `prefer`: the TLS connection failed, a new plaintext connection
    /// was made.
    PlaintextRetry {
        /// Where the TLS connection failed.
        step: StepName,
        /// How.
        failure: Box<FailureKind>,
    },
    /// libpq `allow`: the plaintext connection was rejected, a new TLS
    /// connection was made.
    TlsRetry {
        /// Where the plaintext connection failed.
        step: StepName,
        /// How.
        failure: Box<FailureKind>,
    },
}

/// How the probe ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Connected, authenticated, and the query answered.
    Ok {
        /// How the client authenticated.
        auth_method: AuthMethod,
        /// `server_version_num`, e.g. 150018.
        server_version_num: u32,
    },
    /// Handshake-only mode: TLS is up, nothing more was attempted.
    TlsEstablished,
    /// A step failed.
    Failed {
        /// Which step.
        step: StepName,
        /// Why.
        kind: FailureKind,
    },
}

/// Everything a probe observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeReport {
    /// The host as given.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The addresses the host resolved to.
    pub addresses: Vec<SocketAddr>,
    /// The address of the last connection made, if one was.
    pub connected_to: Option<SocketAddr>,
    /// The probe's own end of that connection: the client address the
    /// server sees and matches against pg_hba.conf.
    pub local_addr: Option<SocketAddr>,
    /// Every step of every connection, in order.
    pub steps: Vec<Step>,
    /// Facts of the (last) TLS handshake attempted.
    pub tls: Option<TlsFacts>,
    /// The client's configured lowest TLS version (libpq quotes it in its
    /// protocol-version hint).
    pub client_min_version: Option<TlsVersion>,
    /// The client's configured highest TLS version.
    pub client_max_version: Option<TlsVersion>,
    /// Whether the last connection was encrypted.
    pub tls_in_use: bool,
    /// A fallback the client made, if any.
    pub fallback: Option<Fallback>,
    /// ParameterStatus values the server reported (server_version, ...).
    pub server_parameters: Vec<(String, String)>,
    /// The process id in BackendKeyData: PostgreSQL's backend pid,
    /// pgbouncer's a random number.
    pub backend_key_pid: Option<i32>,
    /// How it ended.
    pub outcome: Outcome,
}

impl ProbeReport {
    /// The server's major version, once the probe learnt it: from
    /// `SHOW server_version_num`, else from the `server_version`
    /// ParameterStatus every server sends after authentication (`16.14`,
    /// `17devel`, `9.6.24`).
    pub fn server_major(&self) -> Option<u32> {
        if let Outcome::Ok {
            server_version_num, ..
        } = &self.outcome
        {
            if *server_version_num >= 100_000 {
                return Some(server_version_num / 10_000);
            }
        }
        let (_, v) = self
            .server_parameters
            .iter()
            .find(|(k, _)| k == "server_version")?;
        let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }

    /// Whether the probe got all the way (or, handshake-only, to TLS).
    pub fn is_ok(&self) -> bool {
        !matches!(self.outcome, Outcome::Failed { .. })
    }

    /// The failed step and its kind, if the probe failed.
    pub fn failure(&self) -> Option<(StepName, &FailureKind)> {
        match &self.outcome {
            Outcome::Failed { step, kind } => Some((*step, kind)),
            _ => None,
        }
    }

    /// The time all steps took together.
    pub fn elapsed(&self) -> Duration {
        self.steps.iter().map(|s| s.elapsed).sum()
    }

    /// A ParameterStatus value.
    pub fn server_parameter(&self, name: &str) -> Option<&str> {
        self.server_parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A distinguished name as `C=JP, O=x, CN=y`, in the order encoded.
pub(crate) fn name_to_string(name: &X509NameRef) -> String {
    let parts: Vec<String> =
        name.entries()
            .map(|entry| {
                let key = entry.object().nid().short_name().unwrap_or("?").to_string();
                let value = entry.data().to_string().unwrap_or_else(|_| {
                    String::from_utf8_lossy(entry.data().as_slice()).into_owned()
                });
                format!("{key}={value}")
            })
            .collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_read_like_openssl() {
        let a = Alert { level: 2, code: 48 };
        assert_eq!(a.to_string(), "alert: unknown ca (48)");
        assert_eq!(
            Alert { level: 2, code: 70 }.description(),
            "protocol version"
        );
        assert_eq!(
            Alert { level: 2, code: 45 }.description(),
            "certificate expired"
        );
        assert_eq!(
            Alert { level: 1, code: 0 }.to_string(),
            "alert: close notify (0)"
        );
        assert_eq!(
            Alert {
                level: 2,
                code: 250
            }
            .description(),
            "unknown alert"
        );
    }

    #[test]
    fn openssl_error_forms() {
        let e = OpenSslError {
            code: 0x0A00_042E,
            library: Some("SSL routines".into()),
            reason: Some("tlsv1 alert protocol version".into()),
            data: Some("SSL alert number 70".into()),
            text: "error:0A00042E:SSL routines::tlsv1 alert protocol version".into(),
        };
        assert_eq!(
            e.nginx_text(),
            "error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70"
        );
        assert_eq!(e.reason_or_code(), "tlsv1 alert protocol version");
        let bare = OpenSslError {
            reason: None,
            code: 42,
            ..e
        };
        assert_eq!(bare.reason_or_code(), "SSL error code 42");
    }

    #[test]
    fn failure_kinds_explain_themselves() {
        let kind = FailureKind::Timeout {
            after: Duration::from_millis(300),
            arrived: vec!["ServerHello".into()],
            partial_bytes: 3,
        };
        assert_eq!(
            kind.to_string(),
            "no complete answer within 300 ms (received: ServerHello) (3 bytes of an incomplete message)"
        );
        let refused = FailureKind::Unreachable {
            reason: UnreachableReason::Refused,
            tried: vec![ConnectAttempt {
                addr: "127.0.0.1:1".parse().unwrap(),
                error: "Connection refused".into(),
            }],
        };
        assert_eq!(
            refused.to_string(),
            "connection refused: 127.0.0.1:1 (Connection refused)"
        );
    }
}
