//! Rules for `pgtls scan`: a server's TLS posture, judged without credentials.
//!
//! The scan command gathers what the handshakes showed (versions, chain,
//! certificate request) into a [`ScanObservation`]; these rules turn it into
//! findings, optionally from the point of view of a client's trust store or
//! of Kong's settings.

use openssl::x509::X509;
use pgtls_catalogue::Code;
use pgtls_model::{TlsVersion, VersionVerdict};

use crate::verify_result::chain_rejection_code;

use crate::certinfo::{
    chain_shape, completing_intermediate, describe, issuing_order, verify_chain, weakness,
    CertInfo, Verdict,
};
use crate::finding::{Evidence, Finding};
use crate::text::ScanText;

/// One TLS version's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionOutcome {
    pub version: TlsVersion,
    pub status: VersionVerdict,
    pub cipher: Option<String>,
    /// Why it was rejected or not tested.
    pub reason: Option<String>,
}

/// Why no TLS handshake could be made at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoTls {
    /// The server answered `N` to SSLRequest.
    SslOff,
    /// TCP failed: refused, timeout, DNS; the text says which.
    Unreachable(String),
    /// Something else happened (junk answer, stall, reset); the text says what.
    Broken(String),
}

/// A client's view to judge the chain from.
#[derive(Debug, Clone)]
pub struct ClientView {
    /// `--trust FILE` or `Kong (kong.conf)`: named in the findings.
    pub name: String,
    pub anchors: Vec<X509>,
    /// OpenSSL verify depth (Kong's lua_ssl_verify_depth).
    pub depth: Option<u32>,
    /// The versions the client offers; None: any.
    pub versions: Option<Vec<TlsVersion>>,
    /// Whether this is Kong (no host-name check; verifies after the handshake).
    pub kong: bool,
    /// The setting that names the trust store, for fixes.
    pub trust_setting: String,
    pub depth_setting: Option<String>,
    pub versions_setting: Option<String>,
    /// CA certificates found next to the trust store, with their files:
    /// where a missing intermediate is looked for.
    pub issuer_candidates: Vec<(X509, String)>,
}

/// Everything one target's handshakes showed.
#[derive(Debug, Clone)]
pub struct ScanObservation {
    pub target: String,
    /// The host name or address dialled.
    pub host: String,
    pub no_tls: Option<NoTls>,
    pub versions: Vec<VersionOutcome>,
    /// The chain exactly as sent, leaf first.
    pub chain: Vec<X509>,
    /// Whether the chain's leaf names the host dialled (libpq verify-full rules).
    pub host_matches: Option<bool>,
    pub client_cert_requested: bool,
    pub client_ca_names: Option<Vec<String>>,
    /// For a leaf sent alone: whether this host's system trust store holds
    /// its issuer (None: not looked at).
    pub issuer_in_system_store: Option<bool>,
}

/// The scan's judgement of one target.
#[derive(Debug, Clone)]
pub struct ScanVerdict {
    pub chain: Vec<CertInfo>,
    pub findings: Vec<Finding>,
    /// The earliest notAfter of the chain (epoch seconds), for sorting.
    pub earliest_expiry: Option<i64>,
}

fn finding(code: Code, target: &str) -> Finding {
    let mut f = Finding::new(code.diagnosis());
    f.target = Some(target.to_string());
    f
}

fn evidence(text: impl Into<String>, location: &str) -> Evidence {
    Evidence {
        origin: None,
        text: text.into(),
        location: Some(location.to_string()),
    }
}

/// Judges one target. `now` is epoch seconds; `warn_days` the expiry window.
pub fn judge(obs: &ScanObservation, views: &[ClientView], now: i64, warn_days: i64) -> ScanVerdict {
    let mut findings = Vec::new();
    let target = obs.target.as_str();

    if let Some(no_tls) = &obs.no_tls {
        let (code, text) = match no_tls {
            NoTls::SslOff => (
                Code::ServerSslDisabled,
                "server answered N to SSLRequest".to_string(),
            ),
            NoTls::Unreachable(why) => (Code::Unreachable, why.clone()),
            NoTls::Broken(why) => (Code::PeerProtocolViolation, why.clone()),
        };
        let mut f = finding(code, target);
        let step = if matches!(no_tls, NoTls::Unreachable(_)) {
            "tcp"
        } else {
            "SSLRequest"
        };
        f.evidence.push(evidence(text, step));
        findings.push(f);
        return ScanVerdict {
            chain: Vec::new(),
            findings,
            earliest_expiry: None,
        };
    }

    if !obs
        .versions
        .iter()
        .any(|v| v.status == VersionVerdict::Accepted)
    {
        findings.extend(no_version_accepted(obs));
    }

    let infos: Vec<CertInfo> = obs.chain.iter().map(|c| describe(c, now)).collect();

    // Validity of every certificate sent.
    for (i, info) in infos.iter().enumerate() {
        if info.expired() || info.not_yet_valid {
            let mut f = finding(Code::ServerCertExpired, target);
            f.evidence.push(evidence(
                format!(
                    "{} notAfter {} ({} days ago)",
                    info.subject,
                    info.not_after,
                    info.days_ago()
                ),
                &format!("chain[{i}]"),
            ));
            f.facts.insert("not_after".into(), info.not_after.clone());
            findings.push(f);
        } else if let Some(days_left) = info.expiring_within(warn_days) {
            let mut f = finding(Code::CertExpiringSoon, target);
            f.evidence.push(evidence(
                format!(
                    "{} notAfter {} ({} days left)",
                    info.subject, info.not_after, days_left
                ),
                &format!("chain[{i}]"),
            ));
            f.facts.insert("days_left".into(), days_left.to_string());
            findings.push(f);
        }
        if let Some(why) = weakness(info) {
            let mut f = finding(Code::WeakCrypto, target);
            f.evidence.push(evidence(
                format!("{}: {why}", info.subject),
                &format!("chain[{i}]"),
            ));
            findings.push(f);
        }
    }

    // Order and completeness of what was sent.
    let shape = chain_shape(&obs.chain);
    let (order, strays) = issuing_order(&obs.chain);
    if obs.chain.len() > 1 && (!shape.in_order || !strays.is_empty()) {
        // Out of order is not incomplete: every certificate may be there.
        let mut f = finding(Code::ChainOutOfOrder, target);
        let subjects = |idx: &[usize]| {
            idx.iter()
                .map(|i| infos[*i].subject.clone())
                .collect::<Vec<_>>()
                .join(" → ")
        };
        let sent: Vec<usize> = (0..obs.chain.len()).collect();
        f.evidence
            .push(evidence(format!("sent: {}", subjects(&sent)), "chain"));
        f.evidence.push(evidence(
            format!("issuing order: {}", subjects(&order)),
            "chain",
        ));
        for i in &strays {
            f.evidence.push(evidence(
                format!(
                    "{} (issued by {}) issued none of the others: it does not belong in the server's chain",
                    infos[*i].subject, infos[*i].issuer
                ),
                &format!("chain[{i}]"),
            ));
        }
        f.facts.insert("issuing_order".into(), subjects(&order));
        findings.push(f);
    }
    if let (1, Some(leaf)) = (obs.chain.len(), infos.first()) {
        if !leaf.self_signed {
            let mut f = finding(Code::LeafOnlyChain, target);
            f.facts.insert("issuer".into(), leaf.issuer.clone());
            f.evidence.push(evidence(
                format!(
                    "only {} is sent; its issuer is {}",
                    leaf.subject, leaf.issuer
                ),
                "chain[0]",
            ));
            match obs.issuer_in_system_store {
                Some(true) => f.notes.push(
                    ScanText::IssuerInSystemStore {
                        issuer: &leaf.issuer,
                    }
                    .into(),
                ),
                Some(false) => f.notes.push(
                    ScanText::IssuerNotInSystemStore {
                        issuer: &leaf.issuer,
                    }
                    .into(),
                ),
                None => {}
            }
            findings.push(f);
        }
    }

    if obs.host_matches == Some(false) {
        if let Some(leaf) = infos.first() {
            let mut f = finding(Code::HostnameMismatch, target);
            let names = if leaf.sans.is_empty() {
                leaf.subject.clone()
            } else {
                leaf.sans.join(", ")
            };
            f.evidence.push(evidence(
                format!("dialled {}; the certificate names {names}", obs.host),
                "chain[0]",
            ));
            f.notes.push(ScanText::VerifyFullRefusesKongConnects.into());
            findings.push(f);
        }
    }

    let legacy: Vec<&str> = obs
        .versions
        .iter()
        .filter(|v| v.status == VersionVerdict::Accepted && v.version < TlsVersion::Tls1_2)
        .map(|v| v.version.report_name())
        .collect();
    if !legacy.is_empty() {
        let mut f = finding(Code::LegacyTlsAccepted, target);
        f.evidence.push(evidence(
            format!("accepted: {}", legacy.join(", ")),
            "versions",
        ));
        findings.push(f);
    }

    for view in views {
        judge_for_client(obs, view, &mut findings);
    }

    ScanVerdict {
        earliest_expiry: infos.iter().filter_map(|i| i.not_after_epoch).min(),
        chain: infos,
        findings,
    }
}

fn verdict_code(
    verdict: &Verdict,
    unlimited: Option<&Verdict>,
    view: &ClientView,
) -> Option<(Code, Vec<Code>)> {
    if verdict.ok {
        return None;
    }
    // The code the client prints: Kong keeps OpenSSL's last error.
    let code = if view.kong {
        verdict.after_handshake_code
    } else {
        verdict.code
    };
    let depth_only = unlimited.is_some_and(|u| u.ok);
    Some(chain_rejection_code(code, depth_only))
}

fn judge_for_client(obs: &ScanObservation, view: &ClientView, findings: &mut Vec<Finding>) {
    let target = obs.target.as_str();
    if let Some(offered) = &view.versions {
        // Versions compare as versions: PostgreSQL's and Kong's `TLSv1`
        // is the scan's `TLSv1.0`.
        let accepted: Vec<TlsVersion> = obs
            .versions
            .iter()
            .filter(|v| v.status == VersionVerdict::Accepted)
            .map(|v| v.version)
            .collect();
        if !accepted.is_empty() && !offered.iter().any(|v| accepted.contains(v)) {
            let names = |list: &[TlsVersion]| {
                list.iter()
                    .map(|v| v.report_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut f = finding(Code::ProtocolVersionMismatch, target);
            f.evidence.push(evidence(
                format!(
                    "server accepts {}; {} offers {}",
                    names(&accepted),
                    view.name,
                    names(offered)
                ),
                "versions",
            ));
            if let Some(setting) = &view.versions_setting {
                // The setting's own spelling (Kong's lua_ssl_protocols).
                let wanted: Vec<&str> = accepted.iter().map(|v| v.pg_name()).collect();
                f.fix.push(
                    ScanText::SetVersionsToInclude {
                        setting,
                        versions: &wanted.join(" "),
                    }
                    .into(),
                );
            }
            findings.push(f);
        }
    }
    if obs.chain.is_empty() {
        return;
    }
    let Ok(verdict) = verify_chain(&obs.chain, &view.anchors, view.depth) else {
        return;
    };
    let unlimited = if view.depth.is_some() && !verdict.ok {
        verify_chain(&obs.chain, &view.anchors, None).ok()
    } else {
        None
    };
    let Some((mut code, mut alternatives)) = verdict_code(&verdict, unlimited.as_ref(), view)
    else {
        return;
    };
    let intermediate = if matches!(code, Code::ClientRejectsServerCert | Code::IncompleteChain) {
        completing_intermediate(&obs.chain, &view.anchors, &view.issuer_candidates)
    } else {
        None
    };
    if intermediate.is_some() {
        code = Code::IncompleteChain;
        alternatives.clear();
    }
    // Expiry and weakness are already findings of their own.
    if findings
        .iter()
        .any(|f| f.code() == code && (code == Code::ServerCertExpired || code == Code::WeakCrypto))
    {
        return;
    }
    let mut f = finding(code, target);
    let shown = if view.kong {
        (verdict.after_handshake_code, &verdict.after_handshake_text)
    } else {
        (verdict.code, &verdict.text)
    };
    f.evidence.push(evidence(
        format!(
            "{} rejects the chain: {}: {} (depth {})",
            view.name, shown.0, shown.1, verdict.depth
        ),
        "verify",
    ));
    f.facts.insert("verify_code".into(), shown.0.to_string());
    f.facts.insert("verify_text".into(), shown.1.clone());
    f.alternatives = alternatives;
    let leaf = describe(&obs.chain[0], crate::certinfo::now_epoch());
    if let Some((ca, file)) = intermediate {
        let name = crate::certinfo::name_text(ca.subject_name());
        f.facts.insert("intermediate".into(), file.clone());
        f.evidence.push(evidence(
            format!("{name} ({file}) issued the last certificate sent; with it the chain verifies"),
            "verify",
        ));
        f.fix
            .push(ScanText::AppendIssuerAfterLeaf { name: &name, file }.into());
    }
    match code {
        Code::VerifyDepthExceeded => {
            let needed = chain_shape(&obs.chain).intermediates.max(1);
            let setting = view
                .depth_setting
                .clone()
                .unwrap_or_else(|| "verify depth".into());
            f.fix.push(
                ScanText::SetVerifyDepth {
                    setting: &setting,
                    needed,
                }
                .into(),
            );
        }
        Code::ClientRejectsServerCert => {
            f.notes.push(
                ScanText::LeafIssuerUnknown {
                    issuer: &leaf.issuer,
                    client: &view.name,
                    trust_setting: &view.trust_setting,
                }
                .into(),
            );
        }
        _ => {}
    }
    findings.push(f);
}

/// The server answered `S` but no handshake completed: either its range is
/// outside anything this OpenSSL can offer, or what answers is not a TLS
/// server at all.
fn no_version_accepted(obs: &ScanObservation) -> Option<Finding> {
    let reasons: Vec<String> = obs
        .versions
        .iter()
        .map(|v| {
            format!(
                "{}: {}",
                v.version.report_name(),
                v.reason.as_deref().unwrap_or(v.status.as_str())
            )
        })
        .collect();
    let refused_by_alert = obs.versions.iter().any(|v| {
        v.reason.as_deref().is_some_and(|r| {
            r.contains("alert protocol version")
                || r.contains("unsupported protocol")
                || r.contains("no protocols available")
        })
    });
    let code = if refused_by_alert {
        Code::ProtocolVersionMismatch
    } else {
        Code::PeerProtocolViolation
    };
    let mut f = finding(code, &obs.target);
    f.evidence.push(evidence(reasons.join("; "), "versions"));
    if !refused_by_alert {
        f.reading = Some(ScanText::NoHandshakeCompleted.into());
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(v: TlsVersion, accepted: bool) -> VersionOutcome {
        VersionOutcome {
            version: v,
            status: if accepted {
                VersionVerdict::Accepted
            } else {
                VersionVerdict::Rejected
            },
            cipher: None,
            reason: None,
        }
    }

    fn kong_offering(offered: Vec<TlsVersion>) -> ClientView {
        ClientView {
            name: "Kong".into(),
            anchors: Vec::new(),
            depth: Some(1),
            versions: Some(offered),
            kong: true,
            trust_setting: "lua_ssl_trusted_certificate".into(),
            depth_setting: None,
            versions_setting: Some("lua_ssl_protocols".into()),
            issuer_candidates: Vec::new(),
        }
    }

    fn observed(accepted: &[TlsVersion]) -> ScanObservation {
        ScanObservation {
            target: "db:5432".into(),
            host: "db".into(),
            no_tls: None,
            versions: TlsVersion::ALL
                .into_iter()
                .map(|v| version(v, accepted.contains(&v)))
                .collect(),
            chain: Vec::new(),
            host_matches: None,
            client_cert_requested: false,
            client_ca_names: None,
            issuer_in_system_store: None,
        }
    }

    fn mismatch(obs: &ScanObservation, view: &ClientView) -> Vec<Finding> {
        let mut found = Vec::new();
        judge_for_client(obs, view, &mut found);
        found
            .into_iter()
            .filter(|f| f.id() == Code::ProtocolVersionMismatch)
            .collect()
    }

    /// Kong's `lua_ssl_protocols = TLSv1` and a server that accepts only
    /// TLS 1.0 (which the scan calls `TLSv1.0`) share a version.
    #[test]
    fn tls_1_0_alone_in_common_is_no_mismatch() {
        let obs = observed(&[TlsVersion::Tls1_0]);
        assert!(mismatch(&obs, &kong_offering(vec![TlsVersion::Tls1_0])).is_empty());
        let found = mismatch(&obs, &kong_offering(vec![TlsVersion::Tls1_2]));
        assert_eq!(found.len(), 1);
        assert!(found[0].evidence[0].text.contains("server accepts TLSv1.0"));
        // The fix names the version as the setting spells it.
        assert!(found[0].fix[0]
            .en
            .contains("lua_ssl_protocols to include TLSv1"));
        assert!(!found[0].fix[0].en.contains("TLSv1.0"));
    }
}
