//! The vocabulary every layer shares, with no I/O and no dependency on
//! OpenSSL or the network, so that one thing has one type wherever it
//! travels (config parsers, the wire's SCRAM client, the probe, the rules):
//! secrets that wipe themselves, TLS versions, libpq's sslmode, Kong's
//! edition.

mod kong;
mod secret;
mod sslmode;
mod tls_version;

pub use kong::KongEdition;
pub use secret::Secret;
pub use sslmode::SslMode;
pub use tls_version::{TlsVersion, VersionVerdict};
