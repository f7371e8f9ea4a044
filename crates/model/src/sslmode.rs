//! libpq's `sslmode`, the one spelling of it for the config parser, the
//! probe, check and the exporter.

/// `sslmode`, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SslMode {
    /// `disable`
    Disable,
    /// `allow`
    Allow,
    /// `prefer` (default)
    Prefer,
    /// `require`
    Require,
    /// `verify-ca`
    VerifyCa,
    /// `verify-full`
    VerifyFull,
}

impl SslMode {
    /// Every mode, weakest first.
    pub const ALL: [SslMode; 6] = [
        SslMode::Disable,
        SslMode::Allow,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
    ];

    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// Reads a keyword exactly as libpq does (case matters).
    pub fn parse(keyword: &str) -> Option<SslMode> {
        SslMode::ALL.into_iter().find(|m| m.keyword() == keyword)
    }

    /// Whether the server's certificate chain is verified.
    pub fn verifies(self) -> bool {
        self >= SslMode::VerifyCa
    }
}
