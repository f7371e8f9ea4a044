//! Whether PostgreSQL or pgbouncer answered a probe. A failure through a
//! pooler belongs to one of two connections (the client's to pgbouncer,
//! pgbouncer's to PostgreSQL), so the diagnosis needs to know a pooler is
//! there. The signs are read from what the connection received
//! ([`pgtls_wire::sign_of_error`] and friends); when the connection did not
//! get that far (a TLS failure), one more connection without credentials
//! asks the server to refuse an empty user name: PostgreSQL and pgbouncer
//! both refuse it before touching any database, each in its own shape.

use pgtls_wire::{sign_of_error, sign_of_parameters, verdict, ServerKind, Sign};

use crate::config::{Negotiation, ProbeConfig, Verify};
use crate::error::ProbeError;
use crate::report::{FailureKind, Outcome, ProbeReport, StepName, TlsFailure};
use crate::session::probe;

/// Above any process id Linux hands out (`pid_max` is at most 2^22).
const PID_MAX: i32 = 4_194_304;

/// What answered, and why pgtls thinks so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `None` when the signs are missing or disagree.
    pub kind: Option<ServerKind>,
    /// Every sign, in the order found.
    pub signs: Vec<Sign>,
}

impl Identity {
    /// The verdict of these signs.
    pub fn from_signs(signs: Vec<Sign>) -> Identity {
        Identity {
            kind: verdict(&signs),
            signs,
        }
    }

    /// Whether pgbouncer answered.
    pub fn is_pgbouncer(&self) -> bool {
        self.kind == Some(ServerKind::Pgbouncer)
    }
}

/// The signs in what one probe received.
pub fn signs_in(report: &ProbeReport) -> Vec<Sign> {
    let mut signs = Vec::new();
    let error = match &report.outcome {
        Outcome::Failed {
            kind: FailureKind::Server(e) | FailureKind::ErrorToSslRequest(e),
            ..
        } => Some(e),
        _ => None,
    };
    if let Some(sign) = error.and_then(sign_of_error) {
        signs.push(sign);
    }
    let names: Vec<&str> = report
        .server_parameters
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    if let Some(sign) = sign_of_parameters(&names) {
        signs.push(sign);
    }
    if let Some(pid) = report.backend_key_pid.filter(|p| *p <= 0 || *p > PID_MAX) {
        signs.push(Sign {
            kind: ServerKind::Pgbouncer,
            text: format!(
                "BackendKeyData's process id {pid} is no process id (pgbouncer sends a random number)"
            ),
        });
    }
    signs
}

/// The connection [`identify`] makes: the client's address, TLS when the
/// server offers it (with the client's certificate, since a pooler may
/// insist on one), nothing verified, an empty user name and no password.
pub fn identify_config(cfg: &ProbeConfig) -> ProbeConfig {
    let mut c = ProbeConfig::libpq(&cfg.host, cfg.port, Negotiation::Prefer);
    c.timeout = cfg.timeout;
    c.tls.client_identity = cfg.tls.client_identity.clone();
    c.tls.security_level = cfg.tls.security_level;
    c.tls.min_version = None;
    c.tls.verify = Verify::Off;
    c.user = String::new();
    c.application_name = Some("pgtls".into());
    c
}

/// Asks the server at `cfg`'s address to refuse an empty user name and
/// reads the refusal's shape.
pub fn identify(cfg: &ProbeConfig) -> Result<Identity, ProbeError> {
    let first = identify_config(cfg);
    let signs = signs_in(&probe(&first)?);
    if !signs.is_empty() {
        return Ok(Identity::from_signs(signs));
    }
    // TLS may fail before any message (a pooler that wants a client
    // certificate this connection lacks): without TLS both refuse in words.
    let mut plain = first;
    plain.ssl = Negotiation::Disable;
    Ok(Identity::from_signs(signs_in(&probe(&plain)?)))
}

/// The identity from `report`, with one more connection ([`identify`])
/// only when the report itself shows no sign.
pub fn identity_of(report: &ProbeReport, cfg: &ProbeConfig) -> Identity {
    let signs = signs_in(report);
    if !signs.is_empty() {
        return Identity::from_signs(signs);
    }
    // Only where a well-behaved server refused before saying anything in
    // words (TLS, an `N`) or agreed without a sign: a peer that stalls,
    // resets or sends junk would only cost the user more time.
    // A server the client's own checks rejected (its chain, its name) is
    // not talked to again: the user's sslmode or pg_ssl_verify says not
    // to, whoever it is.
    let rejected_by_client = matches!(
        &report.outcome,
        Outcome::Failed {
            kind: FailureKind::Tls(
                TlsFailure::VerifyAfterHandshake(_)
                    | TlsFailure::HostNameMismatch { .. }
                    | TlsFailure::OpenSsl {
                        verify: Some(_),
                        ..
                    }
            ),
            ..
        }
    );
    if rejected_by_client {
        return Identity::from_signs(Vec::new());
    }
    let worth_asking = match &report.outcome {
        Outcome::Failed { kind, step } => {
            matches!(kind, FailureKind::Tls(_) | FailureKind::ServerRefusedTls)
                // Silence after start-up is what a pooler waiting for its
                // server connection looks like.
                || (matches!(kind, FailureKind::Timeout { .. })
                    && matches!(step, StepName::Startup | StepName::Auth | StepName::Query))
        }
        Outcome::Ok { .. } => true,
        Outcome::TlsEstablished => false,
    };
    if !worth_asking {
        return Identity::from_signs(Vec::new());
    }
    identify(cfg).unwrap_or_else(|_| Identity::from_signs(Vec::new()))
}
