//! Which TLS versions a server accepts: one handshake per version, each on
//! its own connection with an SSLRequest first, the local OpenSSL pinned to
//! that version (min = max) at security level 0 so that TLS 1.0 and 1.1 can
//! be offered at all. A version the local library cannot offer (no
//! ClientHello ever left) is "not tested" rather than "rejected", so the
//! evidence never blames the server for a local limitation.

use std::time::Duration;

use crate::config::{ProbeConfig, TlsVersion};
use crate::error::ProbeError;
use crate::report::{FailureKind, Outcome, ProbeReport, StepName};
use crate::session::probe;

/// The verdict for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionStatus {
    /// The handshake completed.
    Accepted,
    /// The server refused the handshake (`reason` is OpenSSL's, e.g.
    /// `tlsv1 alert protocol version`).
    Rejected {
        /// Why, in OpenSSL's words where there are any.
        reason: String,
    },
    /// The local library could not offer this version.
    NotTested {
        /// Why.
        reason: String,
    },
    /// The connection failed before TLS could be tried (refused, timeout,
    /// the server answered `N`): no verdict about the version.
    Inconclusive {
        /// What happened instead.
        reason: String,
    },
}

impl VersionStatus {
    /// The verdict without its reason; an inconclusive probe has none.
    pub fn verdict(&self) -> pgtls_model::VersionVerdict {
        use pgtls_model::VersionVerdict;
        match self {
            VersionStatus::Accepted => VersionVerdict::Accepted,
            VersionStatus::Rejected { .. } => VersionVerdict::Rejected,
            VersionStatus::NotTested { .. } | VersionStatus::Inconclusive { .. } => {
                VersionVerdict::NotTested
            }
        }
    }

    /// `accepted`, `rejected`, `not_tested`; an inconclusive probe reads as
    /// `not_tested`.
    pub fn name(&self) -> &'static str {
        self.verdict().as_str()
    }
}

/// One version's probe.
#[derive(Debug, Clone)]
pub struct VersionProbe {
    /// The version tried.
    pub version: TlsVersion,
    /// The verdict.
    pub status: VersionStatus,
    /// The handshake-only probe behind the verdict (absent when the local
    /// library refused the configuration before connecting).
    pub report: Option<ProbeReport>,
}

/// Tries TLS 1.0, 1.1, 1.2 and 1.3 against `host:port`, each on its own
/// connection; the four handshakes run at the same time, so a scan costs
/// one handshake's latency rather than four.
pub fn versions_accepted(host: &str, port: u16, timeout: Duration) -> Vec<VersionProbe> {
    these_versions_accepted(host, port, timeout, &TlsVersion::ALL)
}

/// As [`versions_accepted`] for the given versions only (the exporter
/// tries TLS 1.0 and 1.1 seldom: each refused try leaves lines in the
/// server's log).
pub fn these_versions_accepted(
    host: &str,
    port: u16,
    timeout: Duration,
    versions: &[TlsVersion],
) -> Vec<VersionProbe> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = versions
            .iter()
            .map(|&version| scope.spawn(move || probe_version(host, port, timeout, version)))
            .collect();
        handles
            .into_iter()
            .zip(versions.iter().copied())
            .map(|(handle, version)| {
                handle.join().unwrap_or_else(|_| VersionProbe {
                    version,
                    status: VersionStatus::NotTested {
                        reason: "the handshake thread failed".into(),
                    },
                    report: None,
                })
            })
            .collect()
    })
}

fn probe_version(host: &str, port: u16, timeout: Duration, version: TlsVersion) -> VersionProbe {
    let mut cfg = ProbeConfig::handshake_only(host, port);
    cfg.timeout = timeout;
    cfg.tls.min_version = Some(version);
    cfg.tls.max_version = Some(version);
    cfg.tls.security_level = Some(0);
    match probe(&cfg) {
        Ok(report) => VersionProbe {
            version,
            status: verdict(&report),
            report: Some(report),
        },
        Err(e) => VersionProbe {
            version,
            status: VersionStatus::NotTested {
                reason: not_tested_reason(&e),
            },
            report: None,
        },
    }
}

fn not_tested_reason(e: &ProbeError) -> String {
    format!("local TLS library refused the setting: {e}")
}

fn client_hello_sent(report: &ProbeReport) -> bool {
    report
        .steps
        .iter()
        .filter(|s| s.name == StepName::TlsHandshake)
        .any(|s| s.sent.iter().any(|m| m == "ClientHello"))
}

fn verdict(report: &ProbeReport) -> VersionStatus {
    match &report.outcome {
        Outcome::TlsEstablished | Outcome::Ok { .. } => VersionStatus::Accepted,
        Outcome::Failed {
            step: StepName::TlsHandshake,
            kind,
        } => {
            let reason = match kind {
                FailureKind::Tls(crate::report::TlsFailure::OpenSsl { error, .. }) => {
                    error.reason_or_code()
                }
                other => other.to_string(),
            };
            if client_hello_sent(report) {
                match kind {
                    // A server that stalls or drops mid-handshake said nothing
                    // about the version.
                    FailureKind::Timeout { .. } => VersionStatus::Inconclusive { reason },
                    _ => VersionStatus::Rejected { reason },
                }
            } else {
                VersionStatus::NotTested {
                    reason: format!("local TLS library cannot offer it: {reason}"),
                }
            }
        }
        Outcome::Failed { kind, .. } => VersionStatus::Inconclusive {
            reason: kind.to_string(),
        },
    }
}
