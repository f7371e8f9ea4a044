//! The TLS protocol versions that PostgreSQL, libpq and Kong name in their
//! settings: the shared model's type.

pub use pgtls_model::TlsVersion;
