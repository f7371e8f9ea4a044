//! A probe answered by pgbouncer: which of the two connections failed.
//!
//! Through a pooler the client only ever talks to pgbouncer, so everything
//! up to and including the TLS handshake is the client's leg (client ↔
//! pgbouncer, `client_tls_*`). After the handshake a refusal is either
//! pgbouncer's own (its own FATAL texts: the client's leg), or PostgreSQL's
//! FATAL to pgbouncer's server connection, which pgbouncer relays as its
//! own message (the server's leg, pgbouncer ↔ PostgreSQL, `server_tls_*`:
//! PostgreSQL saw pgbouncer's address and pgbouncer's certificate), or
//! silence until `query_wait_timeout` while pgbouncer fails to get a server
//! connection at all (the server's leg, with the reason only in
//! pgbouncer's log).

use pgtls_catalogue::{Code, Leg};
use pgtls_wire::is_pgbouncer_own_text;

use crate::explain::pooler_fix;
use crate::finding::{Evidence, Finding, Msg};
use crate::probe_rules::{ClientConfig, Failure, Judgement, Observation, Outcome, Step};
use crate::text::{LegText, Localized};

/// The leg a failure at `step` belongs to, with the reason in words.
fn leg_of(step: Step, failure: &Failure) -> Option<(Leg, Msg)> {
    match failure {
        Failure::Unreachable { .. } => None,
        Failure::Server(m) if m.message == "query_wait_timeout" => {
            Some((Leg::Server, LegText::QueryWaitTimeout.msg()))
        }
        Failure::Server(m) if is_pgbouncer_own_text(&m.message) => Some((
            Leg::Client,
            LegText::PgbouncerOwnRefusal {
                message: &m.message,
            }
            .msg(),
        )),
        Failure::Server(m) => Some((
            Leg::Server,
            LegText::RelayedServerFatal {
                message: &m.message,
            }
            .msg(),
        )),
        Failure::Timeout { .. } if matches!(step, Step::Startup | Step::Auth | Step::Query) => {
            Some((Leg::Server, LegText::PgbouncerWentSilent.msg()))
        }
        _ if matches!(step, Step::SslRequest | Step::TlsHandshake) => {
            Some((Leg::Client, LegText::TlsToPgbouncerFailed.msg()))
        }
        _ => None,
    }
}

/// A finding of pgbouncer's own, with the client's line as evidence.
fn pooler_finding(code: Code, obs: &Observation, at: &str) -> Finding {
    let mut f = Finding::new(code.diagnosis());
    if let Some(line) = &obs.client_line {
        f.evidence.push(Evidence {
            origin: None,
            text: line.lines().map(str::trim).collect::<Vec<_>>().join(" "),
            location: Some(at.to_string()),
        });
    }
    f
}

/// Puts every finding of a probe pgbouncer answered on its leg, with the
/// leg's fix first.
pub(crate) fn judge_legs(obs: &Observation, cfg: &ClientConfig, j: &mut Judgement) {
    j.notes.insert(
        0,
        LegText::PgbouncerAnswered {
            host: &cfg.host,
            port: cfg.port,
            signs: &obs.answered_signs.join("; "),
        }
        .msg(),
    );
    let Outcome::Failed { step, failure } = &obs.outcome else {
        return;
    };
    let Some((leg, why)) = leg_of(*step, failure) else {
        return;
    };
    if let Failure::Server(m) = failure {
        // pgbouncer's own refusals are not in PostgreSQL's words, so the
        // generic reading of the message found nothing.
        let own = match m.message.as_str() {
            "SSL required" => Some(Code::PoolerClientTlsRequired),
            "query_wait_timeout" => Some(Code::PoolerQueryWaitTimeout),
            _ => None,
        };
        if let Some(code) = own.filter(|c| !j.findings.iter().any(|f| f.id() == *c)) {
            j.findings.push(pooler_finding(code, obs, step.name()));
            j.unexplained = None;
        }
    }
    if matches!(failure, Failure::Timeout { .. }) {
        // What looked like a stalled server is pgbouncer waiting for its
        // own connection to PostgreSQL.
        j.findings.retain(|f| f.id() != Code::PeerProtocolViolation);
        if !j
            .findings
            .iter()
            .any(|f| f.id() == Code::PoolerQueryWaitTimeout)
        {
            j.findings.push(pooler_finding(
                Code::PoolerQueryWaitTimeout,
                obs,
                step.name(),
            ));
        }
    }
    for f in &mut j.findings {
        if f.diagnosis.severity != pgtls_catalogue::Severity::Error {
            continue;
        }
        f.leg = Some(leg);
        if !f.notes.contains(&why) {
            f.notes.insert(0, why.clone());
        }
        if leg == Leg::Server {
            // The client's own settings and handshake did not fail: their
            // edits would change the wrong connection, and the handshake
            // was with pgbouncer, not PostgreSQL.
            f.edits.clear();
            f.evidence
                .retain(|e| e.location.as_deref() != Some(Step::TlsHandshake.name()));
            f.fix
                .retain(|m| !m.en.contains("pg_ssl_cert") && !m.en.contains("sslcert"));
        }
        if let Some(step) = pooler_fix(f.id(), leg) {
            if !f.fix.contains(&step) {
                f.fix.insert(0, step);
            }
        }
        if f.id() == Code::ServerSslDisabled && leg == Leg::Client {
            f.fix.insert(0, LegText::PgbouncerHasNoClientTls.msg());
        }
    }
}
