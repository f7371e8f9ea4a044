//! The TLS protocol versions that PostgreSQL, libpq, Kong and OpenSSL name,
//! as one type for every layer, so that ranges from both sides compare as
//! versions and never as spellings (PostgreSQL writes TLS 1.0 as `TLSv1`,
//! reports write `TLSv1.0`).

/// A TLS protocol version, ordered from oldest to newest. It has no
/// `Display`: every place that prints one says which spelling it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.0.
    Tls1_0,
    /// TLS 1.1.
    Tls1_1,
    /// TLS 1.2.
    Tls1_2,
    /// TLS 1.3.
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

    /// The versions from `min` to `max`, both included, oldest first
    /// (empty when `min` is newer than `max`).
    pub fn between(min: TlsVersion, max: TlsVersion) -> Vec<TlsVersion> {
        TlsVersion::ALL
            .into_iter()
            .filter(|v| *v >= min && *v <= max)
            .collect()
    }

    /// The spelling of reports and of scan's JSON: `TLSv1.0`, `TLSv1.1`,
    /// `TLSv1.2`, `TLSv1.3`.
    pub fn report_name(self) -> &'static str {
        match self {
            TlsVersion::Tls1_0 => "TLSv1.0",
            TlsVersion::Tls1_1 => "TLSv1.1",
            TlsVersion::Tls1_2 => "TLSv1.2",
            TlsVersion::Tls1_3 => "TLSv1.3",
        }
    }

    /// The spelling of PostgreSQL's settings and OpenSSL: `TLSv1`,
    /// `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    pub fn pg_name(self) -> &'static str {
        match self {
            TlsVersion::Tls1_0 => "TLSv1",
            other => other.report_name(),
        }
    }

    /// Parses a PostgreSQL setting's value, ASCII case-insensitively as
    /// `pg_strcasecmp` does (`tlsv1.2` is accepted, `TLSv1.0` is not).
    pub fn from_pg_name(s: &str) -> Option<TlsVersion> {
        TlsVersion::ALL
            .into_iter()
            .find(|v| v.pg_name().eq_ignore_ascii_case(s))
    }

    /// Parses either spelling exactly (`TLSv1`, `TLSv1.0`, `TLSv1.2`, ...).
    pub fn parse(text: &str) -> Option<TlsVersion> {
        TlsVersion::ALL
            .into_iter()
            .find(|v| v.pg_name() == text || v.report_name() == text)
    }
}

/// What one handshake pinned to a version showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionVerdict {
    /// The handshake completed.
    Accepted,
    /// The server refused it.
    Rejected,
    /// No verdict: this host could not offer the version, or the connection
    /// failed before TLS.
    NotTested,
}

impl VersionVerdict {
    /// `accepted`, `rejected`, `not_tested`, as scan's JSON spells them.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionVerdict::Accepted => "accepted",
            VersionVerdict::Rejected => "rejected",
            VersionVerdict::NotTested => "not_tested",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings() {
        assert_eq!(TlsVersion::parse("TLSv1"), Some(TlsVersion::Tls1_0));
        assert_eq!(TlsVersion::parse("TLSv1.0"), Some(TlsVersion::Tls1_0));
        assert_eq!(TlsVersion::parse("tlsv1.2"), None);
        assert_eq!(
            TlsVersion::from_pg_name("tlsv1.2"),
            Some(TlsVersion::Tls1_2)
        );
        assert_eq!(
            TlsVersion::from_pg_name("TLSv1.0"),
            None,
            "PostgreSQL has no TLSv1.0"
        );
        assert_eq!(TlsVersion::Tls1_0.pg_name(), "TLSv1");
        assert_eq!(TlsVersion::Tls1_0.report_name(), "TLSv1.0");
        assert!(TlsVersion::Tls1_0 < TlsVersion::Tls1_3);
        assert_eq!(
            TlsVersion::between(TlsVersion::Tls1_1, TlsVersion::Tls1_2),
            [TlsVersion::Tls1_1, TlsVersion::Tls1_2]
        );
        assert!(TlsVersion::between(TlsVersion::Tls1_3, TlsVersion::Tls1_2).is_empty());
    }
}
