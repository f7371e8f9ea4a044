//! libpq as a client of PostgreSQL: what a connection string with its
//! environment makes libpq do with TLS, decided once from a
//! [`ResolvedConn`] (and whether its root certificate file exists), so that
//! check, its pgbouncer cross-check and probe read the same libpq.
//!
//! The copies that derived these by themselves disagreed: one took an
//! unset minimum for TLS 1.2 where libpq 12 (and an empty
//! `ssl_min_protocol_version`) leaves it to OpenSSL, and one ignored that
//! libpq verifies the chain in any TLS mode once a root certificate file
//! exists; and check sent the client certificate with
//! `sslcertmode=disable`, which probe and the pgbouncer cross-check did not.

use std::path::Path;

use crate::libpq::{CertMode, HostKind, ResolvedConn, SslMode};
use crate::{Source, TlsVersion};

/// libpq's TLS decisions for one resolved connection string.
#[derive(Debug, Clone)]
pub struct LibpqClient {
    /// The parameters with their origins.
    pub conn: ResolvedConn,
    /// Whether `sslrootcert` names something that exists (the default
    /// `~/.postgresql/root.crt` included).
    pub root_exists: bool,
}

impl LibpqClient {
    /// The model of `conn`; `source` tells whether the root certificate
    /// file exists.
    pub fn new(conn: ResolvedConn, source: &dyn Source) -> LibpqClient {
        let root_exists = conn
            .sslrootcert
            .as_ref()
            .is_some_and(|p| source.metadata(&p.value).is_ok());
        LibpqClient { conn, root_exists }
    }

    /// `sslmode`.
    pub fn mode(&self) -> SslMode {
        self.conn.sslmode.value
    }

    /// Whether the first host is a Unix socket, where libpq never uses TLS.
    pub fn local(&self) -> bool {
        self.conn
            .hosts
            .first()
            .is_some_and(|h| h.kind == HostKind::UnixSocket)
    }

    /// Whether libpq asks for TLS first (`prefer` and up); `allow` tries
    /// plaintext first and asks only when that is refused.
    pub fn tls_first(&self) -> bool {
        self.mode() >= SslMode::Prefer
    }

    /// Whether libpq gives up without TLS (`require` and up).
    pub fn requires_tls(&self) -> bool {
        self.mode() >= SslMode::Require
    }

    /// Whether libpq verifies the server's chain: `verify-ca` and
    /// `verify-full`, and any mode that uses TLS once the root
    /// certificate file exists (fe-secure-openssl.c loads it and sets
    /// `SSL_VERIFY_PEER`).
    pub fn verifies_chain(&self) -> bool {
        self.mode().verifies() || (self.mode() >= SslMode::Allow && self.root_exists)
    }

    /// Whether libpq checks the host name (`verify-full`).
    pub fn verifies_host(&self) -> bool {
        self.mode() == SslMode::VerifyFull
    }

    /// Whether libpq sends its client certificate when the server asks:
    /// not with `sslcertmode=disable` (libpq 16+), which still reads the
    /// certificate and key files.
    pub fn sends_cert(&self) -> bool {
        self.conn.sslcertmode.value != CertMode::Disable
    }

    /// `sslrootcert=system` read by libpq 16 or later.
    pub fn trusts_system(&self) -> bool {
        self.conn.trust_system
    }

    /// Whether `sslrootcert` is literally `system`.
    pub fn root_named_system(&self) -> bool {
        self.conn
            .sslrootcert
            .as_ref()
            .is_some_and(|p| p.value == Path::new("system"))
    }

    /// The lowest version libpq sets; `None`: it leaves the bound to
    /// OpenSSL (libpq 12, which has no such setting, or an empty value).
    pub fn min_version(&self) -> Option<TlsVersion> {
        self.conn.ssl_min_protocol_version.value
    }

    /// The highest version libpq sets; `None`: no bound.
    pub fn max_version(&self) -> Option<TlsVersion> {
        self.conn.ssl_max_protocol_version.value
    }

    /// The versions libpq offers, oldest first.
    pub fn versions(&self) -> Vec<TlsVersion> {
        TlsVersion::between(
            self.min_version().unwrap_or(TlsVersion::Tls1_0),
            self.max_version().unwrap_or(TlsVersion::Tls1_3),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libpq::{self, ClientEnv};
    use crate::MemSource;

    fn model(conninfo: &str, major: u32, source: &MemSource) -> LibpqClient {
        let env = ClientEnv {
            vars: Vec::new(),
            home: Some("/home/u".into()),
            os_user: Some("u".into()),
        };
        let params = libpq::parse(conninfo).expect("parse");
        LibpqClient::new(
            libpq::resolve_as(&params, &env, major).expect("resolve"),
            source,
        )
    }

    /// check took an unset minimum for TLS 1.2 even for libpq 12, which
    /// has no minimum of its own; probe left it to OpenSSL.
    #[test]
    fn the_minimum_is_libpqs_own_default_only_from_13() {
        let none = MemSource::new();
        let v = model("host=db", 16, &none).versions();
        assert_eq!(v, [TlsVersion::Tls1_2, TlsVersion::Tls1_3]);
        let v12 = model("host=db", 12, &none);
        assert_eq!(v12.min_version(), None);
        assert_eq!(v12.versions().first(), Some(&TlsVersion::Tls1_0));
        let empty = model("host=db ssl_min_protocol_version=''", 16, &none);
        assert_eq!(empty.versions().len(), 4, "an empty value is no bound");
        let capped = model("host=db ssl_max_protocol_version=TLSv1.2", 16, &none);
        assert_eq!(capped.versions(), [TlsVersion::Tls1_2]);
    }

    /// The pgbouncer cross-check took `require` for "no verification"
    /// even with a root certificate file in place.
    #[test]
    fn a_root_file_makes_any_tls_mode_verify() {
        let none = MemSource::new();
        let with_root = MemSource::new().file("/home/u/.postgresql/root.crt", "");
        assert!(!model("host=db sslmode=require", 16, &none).verifies_chain());
        assert!(model("host=db sslmode=require", 16, &with_root).verifies_chain());
        assert!(model("host=db sslmode=allow", 16, &with_root).verifies_chain());
        assert!(!model("host=db sslmode=disable", 16, &with_root).verifies_chain());
        assert!(model("host=db sslmode=verify-ca", 16, &none).verifies_chain());
    }

    #[test]
    fn modes() {
        let none = MemSource::new();
        let allow = model("host=db sslmode=allow", 16, &none);
        assert!(!allow.tls_first() && !allow.requires_tls());
        let prefer = model("host=db", 16, &none);
        assert!(prefer.tls_first() && !prefer.requires_tls());
        let full = model("host=db sslmode=verify-full", 16, &none);
        assert!(full.requires_tls() && full.verifies_host());
        assert!(model("host=/tmp", 16, &none).local());
        assert!(model("host=db", 16, &none).sends_cert());
        assert!(!model("host=db sslcertmode=disable", 16, &none).sends_cert());
        let system = model("host=db sslrootcert=system", 16, &none);
        assert!(system.trusts_system() && system.root_named_system());
        assert!(system.verifies_host(), "system forces verify-full");
    }
}
