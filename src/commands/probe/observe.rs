//! From a probe report to a verdict: the report translated into the probe
//! rules' plain facts, the extra evidence a failure calls for gathered (one
//! handshake per TLS version when the versions did not meet; the CA files
//! next to the trust store when the chain did not verify), and the lines
//! the real client prints.

use pgtls_diagnose::certinfo::now_epoch;
use pgtls_diagnose::probe_rules::{
    self as rules, ClientKind, Failure, Observation, ServerMessage, Step, TlsSeen, Unreachable,
    VerifyResult, VersionSeen,
};
use pgtls_diagnose::{Localized, Msg};
use pgtls_probe::client_line::{
    gave_up, kong_line, kong_nginx_log, kong_reason, psql_line, psql_line_without_connect_timeout,
    GaveUp, KongShape,
};
use pgtls_probe::{
    identity_of, signs_in, versions_accepted, ChainVerification, ClientRefusal, Direction,
    FailureKind, Fallback, Identity, Outcome, ProbeReport, ServerError, ServerKind, StepName,
    TlsFailure, UnreachableReason, Violation,
};

use super::text::ProbeCmdText;
use super::{Done, Planned};

fn step(s: StepName) -> Step {
    match s {
        StepName::Tcp => Step::Tcp,
        StepName::SslRequest => Step::SslRequest,
        StepName::TlsHandshake => Step::TlsHandshake,
        StepName::Startup => Step::Startup,
        StepName::Auth => Step::Auth,
        StepName::Query => Step::Query,
    }
}

fn server_message(e: &ServerError) -> ServerMessage {
    ServerMessage {
        severity: e.severity_word().unwrap_or("ERROR").to_string(),
        code: e.code.clone(),
        message: e.message.clone().unwrap_or_default(),
        detail: e.detail.clone(),
        hint: e.hint.clone(),
    }
}

fn verify(v: &ChainVerification) -> VerifyResult {
    VerifyResult {
        ok: v.ok,
        code: v.code,
        text: v.text.clone(),
        depth: v.depth,
    }
}

fn failure(kind: &FailureKind) -> Failure {
    match kind {
        FailureKind::Unreachable { reason, .. } => Failure::Unreachable {
            reason: match reason {
                UnreachableReason::Dns { .. } => Unreachable::Dns,
                UnreachableReason::Refused => Unreachable::Refused,
                UnreachableReason::Timeout => Unreachable::Timeout,
                UnreachableReason::Other => Unreachable::Other,
            },
            text: kind.to_string(),
        },
        FailureKind::Timeout {
            after,
            arrived,
            partial_bytes,
        } => Failure::Timeout {
            after_ms: after.as_millis() as u64,
            arrived: arrived.clone(),
            partial_bytes: *partial_bytes,
        },
        FailureKind::ServerRefusedTls => Failure::ServerRefusedTls,
        FailureKind::ErrorToSslRequest(e) => Failure::ErrorToSslRequest(server_message(e)),
        FailureKind::JunkSslAnswer { byte } => Failure::JunkSslAnswer { byte: *byte },
        FailureKind::Tls(TlsFailure::OpenSsl {
            error,
            alert_received,
            alert_sent,
            verify,
        }) => Failure::Tls {
            reason: error.reason_or_code(),
            alert_received: alert_received.map(|a| a.code),
            alert_sent: alert_sent.map(|a| a.code),
            verify_failed: verify.is_some(),
        },
        FailureKind::Tls(TlsFailure::VerifyAfterHandshake(v)) => Failure::VerifyAfterHandshake {
            code: v.code,
            text: v.text.clone(),
        },
        FailureKind::Tls(TlsFailure::HostNameMismatch { message, .. }) => {
            Failure::HostNameMismatch {
                message: message.clone(),
            }
        }
        FailureKind::Server(e) => Failure::Server(server_message(e)),
        FailureKind::Closed => Failure::Closed,
        FailureKind::Reset => Failure::Reset,
        FailureKind::ProtocolViolation(v) => match v {
            Violation::Frame(_) | Violation::UnexpectedMessage { .. } => Failure::NotPostgres {
                text: v.to_string(),
            },
            other => Failure::Unsupported {
                text: other.to_string(),
            },
        },
        FailureKind::ClientRefused(ClientRefusal::NoPassword) => Failure::NoPassword,
        FailureKind::ClientRefused(ClientRefusal::PasswordWithheld { request, tls }) => {
            Failure::PasswordWithheld {
                request: request.to_string(),
                tls: *tls,
            }
        }
        FailureKind::ClientRefused(other) => Failure::ClientRefused {
            text: other.to_string(),
        },
        FailureKind::Io { error } => Failure::Io {
            text: error.clone(),
        },
    }
}

fn tls_seen(report: &ProbeReport) -> Option<TlsSeen> {
    let t = report.tls.as_ref()?;
    Some(TlsSeen {
        version: t.version.clone(),
        cipher: t.cipher.clone(),
        completed: t.handshake_completed,
        peer_chain: t.peer_chain_x509(),
        certificate_request: t.certificate_request,
        ca_names: t.client_ca_names.as_ref().map(|names| {
            names
                .iter()
                .map(|n| (n.text.clone(), n.der.clone()))
                .collect()
        }),
        client_certs_sent: t.client_certificates_sent,
        handshake_verify: t.handshake_verify.as_ref().map(verify),
        own_verify: t.chain_verification.as_ref().map(verify),
        own_verify_unlimited: t.chain_verification_unlimited_depth.as_ref().map(verify),
    })
}

fn auth_requested(report: &ProbeReport) -> Option<String> {
    report
        .steps
        .iter()
        .flat_map(|s| s.transcript.iter())
        .filter(|(d, _)| *d == Direction::Received)
        .find_map(|(_, text)| {
            if let Some(rest) = text.strip_prefix("AuthenticationSASL [") {
                Some(format!("SCRAM (offered: {})", rest.trim_end_matches(']')))
            } else if text == "AuthenticationMD5Password" {
                Some("an md5 password".to_string())
            } else if text == "AuthenticationCleartextPassword" {
                Some("a clear-text password".to_string())
            } else {
                None
            }
        })
}

/// Certificates kept next to the trust files: where an operator usually
/// has the intermediate the server fails to send.
fn client_lines(planned: &Planned, report: &ProbeReport) -> (Option<String>, Vec<(Msg, String)>) {
    let mut extra = Vec::new();
    match planned.client.kind {
        ClientKind::Libpq if planned.probe.client_waits_forever => {
            let Some(where_) = gave_up(report) else {
                return (psql_line(report), extra);
            };
            let after = planned.probe.timeout.as_secs_f64();
            let label = match where_ {
                GaveUp::Stalled => ProbeCmdText::PsqlWaitsForEver { after }.msg(),
                GaveUp::TcpConnect => ProbeCmdText::PsqlWaitsForKernel { after }.msg(),
            };
            if let Some(line) = psql_line(report) {
                extra.push((label, line));
            }
            (psql_line_without_connect_timeout(report), extra)
        }
        ClientKind::Libpq => (psql_line(report), extra),
        ClientKind::KongCosocket => {
            if let Some(nginx) = kong_nginx_log(report) {
                extra.push((ProbeCmdText::NginxErrorLog.msg(), nginx));
            }
            (kong_line(report, KongShape::Cosocket), extra)
        }
        ClientKind::KongLuaSec => {
            if let Some(reason) = kong_reason(report, KongShape::LuaSec) {
                extra.push((
                    ProbeCmdText::NginxErrorLogAtStart.msg(),
                    format!(
                        "nginx: [error] init_by_lua error: /usr/local/share/lua/5.1/kong/init.lua:NNN: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: {reason}"
                    ),
                ));
            }
            (kong_line(report, KongShape::LuaSec), extra)
        }
    }
}

/// Judges one finished connection.
pub(crate) fn finish(planned: &Planned, report: ProbeReport, identify: bool) -> Done {
    let (client_line, extra_lines) = client_lines(planned, &report);
    let outcome = match &report.outcome {
        Outcome::Ok {
            auth_method,
            server_version_num,
        } => rules::Outcome::Ok {
            auth_method: auth_method.name().to_string(),
            server_version_num: *server_version_num,
        },
        Outcome::TlsEstablished => rules::Outcome::Ok {
            auth_method: String::new(),
            server_version_num: 0,
        },
        Outcome::Failed { step: s, kind } => rules::Outcome::Failed {
            step: step(*s),
            failure: failure(kind),
        },
    };
    let (plaintext_after, retried_after) = match &report.fallback {
        Some(Fallback::PlaintextAfterAnswer { answer }) => (Some(*answer), None),
        Some(Fallback::PlaintextRetry {
            step: s,
            failure: f,
        })
        | Some(Fallback::TlsRetry {
            step: s,
            failure: f,
        }) => (None, Some((step(*s), failure(f)))),
        None => (None, None),
    };
    let tls = tls_seen(&report);
    let identity = if identify {
        identity_of(&report, &planned.probe)
    } else {
        Identity::from_signs(signs_in(&report))
    };
    let mut versions = None;
    let mut versions_seen = None;
    if let rules::Outcome::Failed { failure: f, .. } = &outcome {
        if rules::is_version_failure(f) {
            let probes = versions_accepted(
                &planned.probe.host,
                planned.probe.port,
                planned.probe.timeout,
            );
            versions_seen = Some(
                probes
                    .iter()
                    .map(|p| VersionSeen {
                        version: p.version.report_name(),
                        status: p.status.name(),
                    })
                    .collect(),
            );
            versions = Some(probes);
        }
    }
    let chain_untrusted = tls
        .as_ref()
        .and_then(|t| t.own_verify.as_ref())
        .is_some_and(|v| !v.ok);
    // The CA files beside the trust store complete an untrusted chain;
    // those beside the client's certificate may hold the CA a server that
    // refused it lacks.
    let sent_cert = planned.client.client_cert.as_ref().filter(|c| c.used);
    let issuer_candidates = match (chain_untrusted, sent_cert) {
        _ if report.is_ok() => Vec::new(),
        (true, _) => crate::trust::issuer_candidates(&planned.client.trust_files),
        (false, Some(c)) => crate::trust::issuer_candidates(std::slice::from_ref(&c.path)),
        (false, None) => Vec::new(),
    };
    let observation = Observation {
        outcome,
        tls,
        tls_in_use: report.tls_in_use,
        plaintext_after,
        retried_after,
        auth_requested: auth_requested(&report),
        local_ip: report.local_addr.map(|a| a.ip().to_string()),
        client_line: client_line.clone(),
        versions: versions_seen,
        issuer_candidates,
        now: now_epoch(),
        answered_by: identity.kind.map(|k| match k {
            ServerKind::PostgreSql => rules::Answerer::PostgreSql,
            ServerKind::Pgbouncer => rules::Answerer::Pgbouncer,
        }),
        answered_signs: identity.signs.iter().map(|s| s.text.clone()).collect(),
    };
    // What the server said of itself beats what the flag assumed.
    let mut client = planned.client.clone();
    client.server_major = report.server_major().or(client.server_major);
    let judgement = rules::judge(&observation, &client);
    Done {
        label: planned.label,
        kind: planned.client.kind,
        report,
        client_line,
        extra_lines,
        versions,
        judgement,
        identity,
    }
}
