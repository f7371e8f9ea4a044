//! The TLS protocol versions that PostgreSQL, libpq and Kong name in their
//! settings, as one type so that ranges from both sides can be compared.

use std::fmt;

/// A TLS protocol version. Ordered from oldest to newest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.0 (`TLSv1`).
    Tls1_0,
    /// TLS 1.1 (`TLSv1.1`).
    Tls1_1,
    /// TLS 1.2 (`TLSv1.2`).
    Tls1_2,
    /// TLS 1.3 (`TLSv1.3`).
    Tls1_3,
}

impl TlsVersion {
    /// All versions, oldest first.
    pub const ALL: [TlsVersion; 4] = [
        TlsVersion::Tls1_0,
        TlsVersion::Tls1_1,
        TlsVersion::Tls1_2,
        TlsVersion::Tls1_3,
    ];

    /// The name PostgreSQL and OpenSSL use: `TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    pub fn name(self) -> &'static str {
        match self {
            TlsVersion::Tls1_0 => "TLSv1",
            TlsVersion::Tls1_1 => "TLSv1.1",
            TlsVersion::Tls1_2 => "TLSv1.2",
            TlsVersion::Tls1_3 => "TLSv1.3",
        }
    }

    /// Parses a PostgreSQL-style name, ASCII case-insensitively as
    /// `pg_strcasecmp` does (`tlsv1.2` is accepted).
    pub fn from_pg_name(s: &str) -> Option<TlsVersion> {
        TlsVersion::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
