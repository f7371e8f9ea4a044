//! The vocabulary every layer shares, with no I/O and no dependency on
//! OpenSSL or the network, so that one thing has one type wherever it
//! travels (config parsers, the wire's SCRAM client, the probe, the rules):
//! secrets that wipe themselves, and TLS versions.

mod secret;
mod tls_version;

pub use secret::Secret;
pub use tls_version::TlsVersion;
