//! The only part of pgtls that touches the network: a step-by-step
//! PostgreSQL client that connects the way a given real client does (libpq's
//! `sslmode`, Kong's `pg_ssl*` and its two socket layers), records every
//! message and TLS record type in both directions, and describes whatever
//! happens — a refused port, an `N`, a TLS alert, a FATAL, a stalled server —
//! as data in a [`ProbeReport`]. On top of it sit a per-version TLS scan
//! ([`versions_accepted`]) and [`client_line`], which renders the line the
//! real client would have printed.

pub mod client_line;
mod config;
mod deadline;
mod error;
mod hostname;
mod identify;
pub mod kong_paths;
mod recorder;
mod report;
mod session;
mod tls;
mod versions;

pub use config::{
    AuthRequirement, ChannelBindingPref, ClientIdentity, Negotiation, ProbeConfig, Secret,
    TlsSettings, TlsVersion, Verify, DEFAULT_STEP_TIMEOUT,
};
pub use error::ProbeError;
pub use hostname::{check_host_name, HostCheck};
pub use identify::{identify, identify_config, identity_of, signs_in, Identity};
/// Wire-level types that appear inside reports.
pub use pgtls_wire::{DecodeError, ErrorFields, ScramError, ServerKind, Sign};
pub use report::{
    Alert, AuthMethod, CaName, ChainVerification, ClientRefusal, ConnectAttempt, Direction,
    FailureKind, Fallback, OpenSslError, Outcome, ProbeReport, ServerError, Step, StepName,
    TlsFacts, TlsFailure, UnreachableReason, Violation,
};
pub use session::{probe, VERSION_QUERY};
pub use versions::{these_versions_accepted, versions_accepted, VersionProbe, VersionStatus};
