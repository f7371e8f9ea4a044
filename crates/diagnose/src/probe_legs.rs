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

/// The leg a failure at `step` belongs to, with the reason in words.
fn leg_of(step: Step, failure: &Failure) -> Option<(Leg, Msg)> {
    match failure {
        Failure::Unreachable { .. } => None,
        Failure::Server(m) if m.message == "query_wait_timeout" => Some((
            Leg::Server,
            Msg::new(
                "pgbouncer accepted the client and then gave up waiting for a connection to PostgreSQL (query_wait_timeout)",
                "pgbouncer はクライアントを受け入れた後、PostgreSQL への接続を待ちきれずに諦めました (query_wait_timeout)",
            ),
        )),
        Failure::Server(m) if is_pgbouncer_own_text(&m.message) => Some((
            Leg::Client,
            Msg::new(
                format!("{:?} is pgbouncer's own refusal: PostgreSQL was not involved", m.message),
                format!("{:?} は pgbouncer 自身の拒否です: PostgreSQL は関与していません", m.message),
            ),
        )),
        Failure::Server(m) => Some((
            Leg::Server,
            Msg::new(
                format!("{:?} is PostgreSQL's FATAL to pgbouncer's own connection, relayed by pgbouncer: PostgreSQL saw pgbouncer's address and pgbouncer's TLS (server_tls_*), not the client's", m.message),
                format!("{:?} は pgbouncer 自身の接続に対する PostgreSQL の FATAL を pgbouncer が中継したものです: PostgreSQL から見えたのはクライアントではなく pgbouncer のアドレスと TLS (server_tls_*) です", m.message),
            ),
        )),
        Failure::Timeout { .. } if matches!(step, Step::Startup | Step::Auth | Step::Query) => {
            Some((
                Leg::Server,
                Msg::new(
                    "pgbouncer took the client's start-up and then went silent: it is waiting for a connection to PostgreSQL that does not come (clients see `query_wait_timeout` after 120 s by default)",
                    "pgbouncer はクライアントの起動メッセージを受け取った後に応答しなくなりました: 来ない PostgreSQL への接続を待っています (クライアントには既定で 120 秒後に `query_wait_timeout` が届きます)",
                ),
            ))
        }
        _ if matches!(step, Step::SslRequest | Step::TlsHandshake) => Some((
            Leg::Client,
            Msg::new(
                "the TLS that failed is between the client and pgbouncer: the certificate, CA list and versions on that side are pgbouncer's client_tls_*",
                "失敗した TLS はクライアントと pgbouncer の間のものです: その側の証明書、CA 一覧、バージョンは pgbouncer の client_tls_* です",
            ),
        )),
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
        Msg::new(
            format!(
                "pgbouncer answered at {}:{}, not PostgreSQL ({}); the client's leg is client ↔ pgbouncer (client_tls_*), the server's leg pgbouncer ↔ PostgreSQL (server_tls_*)",
                cfg.host,
                cfg.port,
                obs.answered_signs.join("; ")
            ),
            format!(
                "{}:{} で応答したのは PostgreSQL ではなく pgbouncer です ({})。クライアント側の区間はクライアント ↔ pgbouncer (client_tls_*)、サーバー側の区間は pgbouncer ↔ PostgreSQL (server_tls_*) です",
                cfg.host,
                cfg.port,
                obs.answered_signs.join("; ")
            ),
        ),
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
            f.fix.insert(
                0,
                Msg::new(
                    "pgbouncer answered N: it has no TLS toward clients. In pgbouncer.ini set client_tls_sslmode = require (or verify-full to check client certificates) with client_tls_cert_file and client_tls_key_file, then reload pgbouncer (RELOAD on its console, or SIGHUP); PostgreSQL's ssl setting is not involved",
                    "pgbouncer が N と答えました: クライアント向けの TLS がありません。pgbouncer.ini で client_tls_sslmode = require (クライアント証明書を検証するなら verify-full) と client_tls_cert_file、client_tls_key_file を設定し、pgbouncer を再読み込みします (管理コンソールの RELOAD、または SIGHUP)。PostgreSQL の ssl 設定は関係ありません",
                ),
            );
        }
    }
}
