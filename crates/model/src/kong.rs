//! Kong's edition, which decides which `pg_ssl*` options Kong passes to its
//! PostgreSQL driver.

/// Open-source Kong passes only `pg_ssl`, `pg_ssl_verify` and the trust
/// bundle; Kong Enterprise also `pg_ssl_required`, `pg_ssl_version`,
/// `pg_ssl_cert` and `pg_ssl_cert_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KongEdition {
    OpenSource,
    Enterprise,
}

impl KongEdition {
    /// `oss` or `enterprise`, as the JSON and the flags spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            KongEdition::OpenSource => "oss",
            KongEdition::Enterprise => "enterprise",
        }
    }
}
