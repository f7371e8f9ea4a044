//! The line the real client would print for a probe's outcome, so an
//! operator can match what pgtls shows against what their own client
//! printed. Three clients: Kong on its nginx cosocket path (Kong CLI 3.5+),
//! Kong on its LuaSec path (nginx init, and Kong CLI before 3.5), and psql
//! (libpq 15). The texts come from the clients' sources (pgmoon, libpq's
//! fe-connect.c / fe-secure-openssl.c / fe-auth-scram.c) and from runs of the
//! real clients against PostgreSQL 15; each function is pure.

use crate::config::TlsVersion;
use crate::report::{
    ClientRefusal, FailureKind, Fallback, Outcome, ProbeReport, ServerError, StepName, TlsFailure,
    UnreachableReason, Violation,
};
use pgtls_wire::ScramError;

/// What Kong prints before the reason.
pub const KONG_PREFIX: &str =
    "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: ";

/// Which of Kong's two socket layers made the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KongShape {
    /// nginx cosocket (Kong CLI 3.5+, request time): TLS failures read
    /// `handshake failed`, verification failures `<code>: <verify string>`.
    Cosocket,
    /// LuaSec (nginx init phase, Kong CLI before 3.5): TLS failures read as
    /// OpenSSL's reason.
    LuaSec,
}

/// Kong's whole line, or `None` when the probe succeeded.
pub fn kong_line(report: &ProbeReport, shape: KongShape) -> Option<String> {
    kong_reason(report, shape).map(|reason| format!("{KONG_PREFIX}{reason}"))
}

/// The `<reason>` part of Kong's line, or `None` when the probe succeeded.
pub fn kong_reason(report: &ProbeReport, shape: KongShape) -> Option<String> {
    let Outcome::Failed { step, kind } = &report.outcome else {
        return None;
    };
    if kind.is_password_withheld() {
        // Kong would have sent it; what it would print after is unknown.
        return None;
    }
    let cosocket = shape == KongShape::Cosocket;
    // pgmoon reads each message with receive_message, which prefixes its
    // socket errors.
    let receive = |what: &str| {
        if matches!(step, StepName::Startup | StepName::Auth | StepName::Query) {
            format!("receive_message: failed to get type: {what}")
        } else {
            what.to_string()
        }
    };
    Some(match kind {
        FailureKind::Unreachable { reason, tried } => match reason {
            UnreachableReason::Dns { error } => {
                if cosocket {
                    "[cosocket] DNS resolution failed".to_string()
                } else {
                    luasocket_gai(error)
                }
            }
            UnreachableReason::Refused => "connection refused".to_string(),
            UnreachableReason::Timeout => "timeout".to_string(),
            UnreachableReason::Other => tried
                .last()
                .map(|t| t.error.to_lowercase())
                .unwrap_or_else(|| "connection refused".into()),
        },
        FailureKind::Timeout { .. } => receive("timeout"),
        FailureKind::ServerRefusedTls | FailureKind::ErrorToSslRequest(_) => {
            "the server does not support SSL connections".to_string()
        }
        FailureKind::JunkSslAnswer { .. } => {
            "the server does not support SSL connections".to_string()
        }
        FailureKind::Tls(TlsFailure::OpenSsl { error, .. }) => {
            if *step == StepName::TlsHandshake {
                if cosocket {
                    "handshake failed".to_string()
                } else {
                    error.reason_or_code()
                }
            } else if cosocket {
                // The alert arrives after a TLS 1.3 handshake; Kong notices
                // at its next write.
                "connection reset by peer".to_string()
            } else {
                "closed".to_string()
            }
        }
        FailureKind::Tls(TlsFailure::VerifyAfterHandshake(v)) => {
            if cosocket {
                format!("{}: {}", v.code, v.text)
            } else {
                "certificate verify failed".to_string()
            }
        }
        FailureKind::Tls(TlsFailure::HostNameMismatch { message, .. }) => message.clone(),
        FailureKind::Server(fields) => pgmoon_error(fields),
        FailureKind::Closed => receive("closed"),
        FailureKind::Reset => {
            if cosocket {
                receive("connection reset by peer")
            } else {
                receive("closed")
            }
        }
        FailureKind::ProtocolViolation(v) => match v {
            Violation::UnsupportedAuth { code, .. } => format!("don't know how to auth: {code}"),
            Violation::Scram(ScramError::InvalidServerSignature) => {
                "authentication exchange unsuccessful".to_string()
            }
            other => other.to_string(),
        },
        FailureKind::ClientRefused(ClientRefusal::NoPassword) => {
            "missing password, required for connect".to_string()
        }
        FailureKind::ClientRefused(other) => other.to_string(),
        FailureKind::Io { error } => receive(&error.to_lowercase()),
    })
}

/// What nginx writes to error.log for a cosocket TLS failure (the reason
/// Kong's own line hides), or `None` when there is nothing to log.
pub fn kong_nginx_log(report: &ProbeReport) -> Option<String> {
    match report.failure()? {
        (StepName::TlsHandshake, FailureKind::Tls(TlsFailure::OpenSsl { error, .. })) => Some(
            format!("SSL_do_handshake() failed (SSL: {})", error.nginx_text()),
        ),
        (_, FailureKind::Tls(TlsFailure::VerifyAfterHandshake(v))) => Some(format!(
            "lua ssl certificate verify error: ({}: {})",
            v.code, v.text
        )),
        (_, FailureKind::Tls(TlsFailure::OpenSsl { .. })) => {
            Some("SSL_write() failed (104: Connection reset by peer)".to_string())
        }
        _ => None,
    }
}

fn pgmoon_error(fields: &ServerError) -> String {
    let mut out = format!(
        "{}: {}",
        fields.severity.as_deref().unwrap_or("nil"),
        fields.message.as_deref().unwrap_or("nil")
    );
    if let Some(position) = fields.other.iter().find(|(k, _)| *k == b'P') {
        out.push_str(&format!(" ({})", position.1));
    }
    if let Some(detail) = &fields.detail {
        out.push('\n');
        out.push_str(detail);
    }
    out
}

fn luasocket_gai(error: &str) -> String {
    if error.contains("Temporary failure") {
        "temporary failure in name resolution".to_string()
    } else {
        "host or service not provided, or not known".to_string()
    }
}

/// psql's whole message (`psql: error: ...`, possibly several lines), or
/// `None` when the probe succeeded. This is psql with `connect_timeout`
/// set: where the probe gave up waiting, it prints `timeout expired`.
pub fn psql_line(report: &ProbeReport) -> Option<String> {
    libpq_message(report).map(|m| format!("psql: error: {m}"))
}

/// Where the probe gave up waiting, whether psql without `connect_timeout`
/// would still be waiting: `Stalled` when the server accepted the
/// connection and then went silent (libpq has no limit of its own there
/// and waits for ever), `TcpConnect` when the TCP connect went unanswered
/// (libpq waits for the kernel to give up, about two minutes on Linux, and
/// then prints `Connection timed out`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaveUp {
    /// A silent server after the TCP connect.
    Stalled,
    /// An unanswered TCP connect.
    TcpConnect,
}

/// Whether (and where) the probe stopped on its own timeout.
pub fn gave_up(report: &ProbeReport) -> Option<GaveUp> {
    match &report.outcome {
        Outcome::Failed {
            kind: FailureKind::Timeout { .. },
            ..
        } => Some(GaveUp::Stalled),
        Outcome::Failed {
            kind:
                FailureKind::Unreachable {
                    reason: UnreachableReason::Timeout,
                    ..
                },
            ..
        } => Some(GaveUp::TcpConnect),
        _ => None,
    }
}

/// What psql without `connect_timeout` prints: nothing for a stalled
/// server (it is still waiting), `Connection timed out` once the kernel
/// gives up an unanswered TCP connect; otherwise as [`psql_line`].
pub fn psql_line_without_connect_timeout(report: &ProbeReport) -> Option<String> {
    match gave_up(report) {
        Some(GaveUp::Stalled) => None,
        Some(GaveUp::TcpConnect) => psql_line(report).map(|l| {
            l.replace(
                "timeout expired",
                &format!("Connection timed out\n{NOT_RUNNING}"),
            )
        }),
        None => psql_line(report),
    }
}

/// libpq's connection error message (what `PQerrorMessage` holds, without
/// the trailing newline), or `None` when the probe succeeded. When libpq
/// would have retried (`prefer`, `allow`), the first connection's message
/// comes first, as libpq keeps both.
pub fn libpq_message(report: &ProbeReport) -> Option<String> {
    let Outcome::Failed { step, kind } = &report.outcome else {
        return None;
    };
    if kind.is_password_withheld() {
        // libpq would have sent it; what it would print after is unknown.
        return None;
    }
    let mut parts = Vec::new();
    match &report.fallback {
        Some(Fallback::PlaintextRetry { step, failure })
        | Some(Fallback::TlsRetry { step, failure }) => {
            parts.push(libpq_attempt(report, *step, failure));
        }
        _ => {}
    }
    parts.push(libpq_attempt(report, *step, kind));
    Some(parts.join("\n"))
}

fn host_identity(report: &ProbeReport, addr: Option<std::net::SocketAddr>) -> String {
    let shown = addr.map(|a| a.ip().to_string());
    match shown {
        Some(ip) if ip != report.host => format!(
            "connection to server at \"{}\" ({ip}), port {} failed: ",
            report.host, report.port
        ),
        _ => format!(
            "connection to server at \"{}\", port {} failed: ",
            report.host, report.port
        ),
    }
}

const NOT_RUNNING: &str = "\tIs the server running on that host and accepting TCP/IP connections?";
const CLOSED_UNEXPECTEDLY: &str = "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n\tbefore or while processing the request.";

/// OpenSSL reason codes after which libpq adds its protocol-version hint.
const VERSION_REASONS: [u64; 11] = [
    191,  // no protocols available
    258,  // unsupported protocol
    116,  // bad protocol version number
    252,  // unknown protocol
    254,  // unknown ssl version
    259,  // unsupported ssl version
    266,  // wrong ssl version
    267,  // wrong version number
    1070, // tlsv1 alert protocol version
    166,  // version too high
    396,  // version too low
];

fn libpq_attempt(report: &ProbeReport, step: StepName, kind: &FailureKind) -> String {
    let prefix = host_identity(report, report.connected_to);
    match kind {
        FailureKind::Unreachable { reason, tried } => match reason {
            UnreachableReason::Dns { error } => format!(
                "could not translate host name \"{}\" to address: {error}",
                report.host
            ),
            UnreachableReason::Timeout | UnreachableReason::Refused | UnreachableReason::Other => {
                let lines: Vec<String> = tried
                    .iter()
                    .map(|t| {
                        let prefix = host_identity(report, Some(t.addr));
                        if t.error == "timed out" {
                            format!("{prefix}timeout expired")
                        } else {
                            format!("{prefix}{}\n{NOT_RUNNING}", t.error)
                        }
                    })
                    .collect();
                lines.join("\n")
            }
        },
        FailureKind::Timeout { .. } => format!("{prefix}timeout expired"),
        FailureKind::ServerRefusedTls => {
            format!("{prefix}server does not support SSL, but SSL was required")
        }
        // libpq 15 does not show the error it was sent here.
        FailureKind::ErrorToSslRequest(_) => {
            format!("{prefix}server sent an error response during SSL exchange")
        }
        FailureKind::Server(fields) => format!("{prefix}{}", libpq_server_error(fields)),
        FailureKind::JunkSslAnswer { byte } => format!(
            "{prefix}received invalid response to SSL negotiation: {}",
            *byte as char
        ),
        FailureKind::Tls(TlsFailure::OpenSsl { error, .. }) => {
            let mut out = format!("{prefix}SSL error: {}", error.reason_or_code());
            let reason_code = error.code & 0x7F_FFFF;
            if step == StepName::TlsHandshake && VERSION_REASONS.contains(&reason_code) {
                let min = report.client_min_version.map_or("TLSv1", |v| v.pg_name());
                let max = report
                    .client_max_version
                    .map_or(TlsVersion::Tls1_3.pg_name(), |v| v.pg_name());
                out.push_str(&format!(
                    "\nThis may indicate that the server does not support any SSL protocol version between {min} and {max}."
                ));
            }
            out
        }
        FailureKind::Tls(TlsFailure::VerifyAfterHandshake(_)) => {
            format!("{prefix}SSL error: certificate verify failed")
        }
        FailureKind::Tls(TlsFailure::HostNameMismatch { message, .. }) => {
            format!("{prefix}{message}")
        }
        FailureKind::Closed => {
            if step == StepName::TlsHandshake {
                format!("{prefix}SSL SYSCALL error: EOF detected")
            } else {
                format!("{prefix}{CLOSED_UNEXPECTEDLY}")
            }
        }
        FailureKind::Reset => {
            if step == StepName::TlsHandshake {
                format!("{prefix}SSL SYSCALL error: Connection reset by peer")
            } else {
                format!("{prefix}{CLOSED_UNEXPECTEDLY}")
            }
        }
        FailureKind::Io { error } => {
            if step == StepName::TlsHandshake {
                format!("{prefix}SSL SYSCALL error: {error}")
            } else {
                format!("{prefix}could not receive data from server: {error}")
            }
        }
        FailureKind::ProtocolViolation(v) => format!("{prefix}{}", libpq_violation(v)),
        FailureKind::ClientRefused(r) => format!("{prefix}{}", libpq_refusal(r)),
    }
}

/// libpq's rendering of an ErrorResponse at the default verbosity:
/// `SEVERITY:  message`, then `DETAIL:  ` and `HINT:  ` lines.
pub fn libpq_server_error(fields: &ServerError) -> String {
    let mut out = String::new();
    if let Some(severity) = &fields.severity {
        out.push_str(&format!("{severity}:  "));
    }
    out.push_str(fields.message.as_deref().unwrap_or(""));
    if let Some(detail) = &fields.detail {
        out.push_str(&format!("\nDETAIL:  {detail}"));
    }
    if let Some(hint) = &fields.hint {
        out.push_str(&format!("\nHINT:  {hint}"));
    }
    out
}

fn libpq_violation(v: &Violation) -> String {
    match v {
        Violation::UnsupportedAuth { code, .. } => {
            format!("authentication method {code} not supported")
        }
        Violation::PlusOverPlaintext => {
            "server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection".into()
        }
        Violation::Scram(e) => match e {
            ScramError::NonceMismatch => "invalid SCRAM response (nonce mismatch)".into(),
            ScramError::InvalidSalt => "malformed SCRAM message (invalid salt)".into(),
            ScramError::IterationCountZero | ScramError::IterationCountTooHigh { .. } => {
                "malformed SCRAM message (invalid iteration count)".into()
            }
            ScramError::ServerError(reason) => {
                format!("error received from server in SCRAM exchange: {reason}")
            }
            ScramError::InvalidServerSignature => "incorrect server signature".into(),
            other => other.to_string(),
        },
        Violation::UnexpectedMessage { got, .. } => format!(
            "expected authentication request from server, but received {}",
            got.chars().next().unwrap_or('?')
        ),
        other => other.to_string(),
    }
}

fn libpq_refusal(r: &ClientRefusal) -> String {
    match r {
        ClientRefusal::NoPassword => "fe_sendauth: no password supplied".into(),
        ClientRefusal::ChannelBindingWithoutTls => {
            "channel binding required, but SSL not in use".into()
        }
        ClientRefusal::ChannelBindingNotOffered => "channel binding is required, but server did not offer an authentication method that supports channel binding".into(),
        ClientRefusal::ChannelBindingNotUsed => {
            "channel binding required, but server authenticated client without channel binding".into()
        }
        ClientRefusal::NoSupportedMechanism { .. } => {
            "none of the server's SASL authentication mechanisms are supported".into()
        }
        ClientRefusal::PasswordWithheld { .. }
        | ClientRefusal::AuthRequirement { .. }
        | ClientRefusal::CertificateNotRequested => r.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ConnectAttempt, UnreachableReason};
    use std::time::Duration;

    fn failed(step: StepName, kind: FailureKind) -> ProbeReport {
        ProbeReport {
            host: "10.0.0.9".into(),
            port: 5432,
            addresses: vec!["10.0.0.9:5432".parse().unwrap()],
            connected_to: None,
            local_addr: None,
            steps: Vec::new(),
            tls: None,
            client_min_version: None,
            client_max_version: None,
            tls_in_use: false,
            fallback: None,
            server_parameters: Vec::new(),
            backend_key_pid: None,
            outcome: Outcome::Failed { step, kind },
        }
    }

    /// Without connect_timeout psql says nothing to a silent server (it
    /// waits), and says `Connection timed out` once the kernel gives up an
    /// unanswered TCP connect; with it, `timeout expired` in both cases.
    #[test]
    fn psql_without_connect_timeout_waits_or_gets_the_kernels_error() {
        let stalled = failed(
            StepName::SslRequest,
            FailureKind::Timeout {
                after: Duration::from_secs(1),
                arrived: Vec::new(),
                partial_bytes: 0,
            },
        );
        assert_eq!(gave_up(&stalled), Some(GaveUp::Stalled));
        assert_eq!(psql_line_without_connect_timeout(&stalled), None);
        assert!(psql_line(&stalled).is_some_and(|l| l.ends_with("timeout expired")));

        let syn = failed(
            StepName::Tcp,
            FailureKind::Unreachable {
                reason: UnreachableReason::Timeout,
                tried: vec![ConnectAttempt {
                    addr: "10.0.0.9:5432".parse().unwrap(),
                    error: "timed out".into(),
                }],
            },
        );
        assert_eq!(gave_up(&syn), Some(GaveUp::TcpConnect));
        assert_eq!(
            psql_line_without_connect_timeout(&syn).as_deref(),
            Some(
                "psql: error: connection to server at \"10.0.0.9\", port 5432 failed: Connection timed out\n\tIs the server running on that host and accepting TCP/IP connections?"
            )
        );
        assert_eq!(
            psql_line(&syn).as_deref(),
            Some("psql: error: connection to server at \"10.0.0.9\", port 5432 failed: timeout expired")
        );
    }
}
