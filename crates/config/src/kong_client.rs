//! Kong as a client of PostgreSQL, resolved once: its settings with their
//! origins, its edition, and what each of its two connection paths (the
//! CLI's cosocket path, then nginx's LuaSec path) offers, trusts and sends.
//!
//! `check`, `probe` and `scan` each judge the same Kong; when each derived
//! the edition, the paths' versions or the client certificate by itself,
//! the three drifted apart (which options make Kong Enterprise, whether
//! open-source Kong honours `pg_ssl_required`). Here those decisions are
//! made once, from [`KongConf`] alone, so that every command reads them
//! off one value. Nothing here loads a certificate: that needs OpenSSL and
//! each command reports a bad file its own way.

use std::io;
use std::path::{Path, PathBuf};

use pgtls_model::KongEdition;

use crate::kong::{
    self, KongConf, KongDefaults, KongOrigin, KongValue, TrustedCert, SYSTEM_CA_BUNDLES,
};
use crate::{Source, TlsVersion};

/// How Kong uses TLS towards PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KongTls {
    /// `pg_ssl = off`: never asks.
    Off,
    /// `pg_ssl = on`: asks, and goes on in plaintext when the server says
    /// no (open-source Kong always, Enterprise without `pg_ssl_required`).
    Opportunistic,
    /// Enterprise `pg_ssl_required = on`: TLS or nothing.
    Required,
}

/// Which of Kong's two socket layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KongPathKind {
    /// The Kong CLI 3.5+ (and request-time) cosocket: `lua_ssl_*`.
    Cosocket,
    /// nginx's init phase through LuaSec: `pg_ssl_version` (Enterprise).
    LuaSec,
}

/// The setting that decides a path's TLS versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KongVersions {
    /// `lua_ssl_protocols` (the cosocket path): where it is set and the
    /// versions it names, of which the path's versions are those this
    /// Kong's OpenSSL can negotiate.
    LuaSslProtocols {
        /// Where it is set.
        origin: KongOrigin,
        /// The versions written.
        written: Vec<TlsVersion>,
    },
    /// Enterprise `pg_ssl_version` (the LuaSec path): one keyword.
    PgSslVersion {
        /// The keyword in effect (`tlsv1_2`, `any`, ...).
        keyword: &'static str,
        /// Where it is set.
        origin: KongOrigin,
    },
    /// Open-source Kong's LuaSec path: pgmoon's own TLS 1.1 and up, which no
    /// setting changes.
    PgmoonDefault,
}

/// One of Kong's connection paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KongPath {
    /// Which one.
    pub kind: KongPathKind,
    /// The versions it can negotiate, oldest first (empty: none).
    pub versions: Vec<TlsVersion>,
    /// What decides them, for evidence and fixes.
    pub versions_from: KongVersions,
    /// `lua_ssl_verify_depth` on the cosocket path; LuaSec ignores it
    /// (OpenSSL's default depth).
    pub depth: Option<KongValue<u32>>,
    /// The cosocket verifies the chain after the handshake (and reports
    /// OpenSSL's last error); LuaSec verifies during it.
    pub verifies_after_handshake: bool,
}

impl KongPath {
    /// The one version the path is pinned to (Enterprise `pg_ssl_version`
    /// other than `any`), if any.
    pub fn pin(&self) -> Option<TlsVersion> {
        match self.versions.as_slice() {
            [one] if self.kind == KongPathKind::LuaSec => Some(*one),
            _ => None,
        }
    }

    /// The oldest version offered.
    pub fn min(&self) -> Option<TlsVersion> {
        self.versions.first().copied()
    }

    /// The newest version offered.
    pub fn max(&self) -> Option<TlsVersion> {
        self.versions.last().copied()
    }
}

/// `pg_ssl_cert` and `pg_ssl_cert_key` and whether Kong uses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KongClientCert {
    /// `pg_ssl_cert`.
    pub cert: KongValue<Option<PathBuf>>,
    /// `pg_ssl_cert_key`.
    pub key: KongValue<Option<PathBuf>>,
    /// Whether the edition reads them at all (Enterprise only).
    pub honoured: bool,
}

impl KongClientCert {
    /// Whether Kong sends a certificate: Enterprise, with both set.
    pub fn sent(&self) -> bool {
        self.honoured && self.cert.value.is_some() && self.key.value.is_some()
    }

    /// Enterprise with only one of the two set: Kong sends nothing.
    pub fn half_set(&self) -> bool {
        self.honoured && (self.cert.value.is_some() != self.key.value.is_some())
    }
}

/// One part of Kong's trust bundle, with `system` looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KongTrustPart<'a> {
    /// A file to load: `system` as found (`system: true`) or a path as
    /// written.
    File {
        /// The file.
        path: &'a Path,
        /// Whether it stands for `system`.
        system: bool,
    },
    /// `system` where none of [`SYSTEM_CA_BUNDLES`] exists: Kong logs it
    /// (at info level) and goes on with the other entries.
    SystemMissing,
    /// A PEM given inline (or base64 of one, decoded).
    Inline(&'a str),
}

/// The system bundle Kong takes for `system`: the first of
/// [`SYSTEM_CA_BUNDLES`] that exists (Kong asks `pl.path.exists`, so a
/// directory counts and is then refused when loaded).
pub fn system_bundle(source: &dyn Source) -> Option<&'static Path> {
    SYSTEM_CA_BUNDLES
        .iter()
        .map(Path::new)
        .find(|p| source.metadata(p).is_ok())
}

/// Everything Kong reads to reach PostgreSQL, decided once.
#[derive(Debug, Clone)]
pub struct KongClient {
    /// The settings (read-write and read-only connections, `lua_ssl_*`),
    /// each with its origin, and the diagnostics of reading them.
    pub conf: KongConf,
    /// The kong.conf given: a setting left at its default is decided by
    /// the file as a whole, and a fix adds a line there.
    pub conf_file: Option<PathBuf>,
    /// The edition modelled.
    pub edition: KongEdition,
    /// Whether TLS is off, asked for, or required.
    pub tls: KongTls,
    /// The cosocket path (Kong CLI 3.5+).
    pub cosocket: KongPath,
    /// The LuaSec path (nginx init).
    pub luasec: KongPath,
    /// The client certificate settings.
    pub client_cert: KongClientCert,
}

impl KongClient {
    /// The model of resolved settings; `edition` forces the edition,
    /// otherwise Enterprise when any Enterprise-only option is set (for the
    /// read-only connection too: only Enterprise has them).
    pub fn new(conf: KongConf, conf_file: Option<&Path>, edition: Option<KongEdition>) -> Self {
        let edition = edition.unwrap_or(if conf.enterprise_options.is_empty() {
            KongEdition::OpenSource
        } else {
            KongEdition::Enterprise
        });
        let enterprise = edition == KongEdition::Enterprise;
        let pg = &conf.pg;
        let tls = if !pg.ssl.value {
            KongTls::Off
        } else if enterprise && pg.ssl_required.value {
            KongTls::Required
        } else {
            KongTls::Opportunistic
        };
        let cosocket = KongPath {
            kind: KongPathKind::Cosocket,
            versions: conf.usable_protocols(),
            versions_from: KongVersions::LuaSslProtocols {
                origin: conf.lua_ssl_protocols.origin.clone(),
                written: conf.lua_ssl_protocols.value.clone(),
            },
            depth: Some(conf.lua_ssl_verify_depth.clone()),
            verifies_after_handshake: true,
        };
        let (versions, versions_from) = if enterprise {
            let (min, max) = pg.ssl_version.value.range();
            (
                TlsVersion::between(min, max),
                KongVersions::PgSslVersion {
                    keyword: pg.ssl_version.value.keyword(),
                    origin: pg.ssl_version.origin.clone(),
                },
            )
        } else {
            (
                TlsVersion::between(TlsVersion::Tls1_1, TlsVersion::Tls1_3),
                KongVersions::PgmoonDefault,
            )
        };
        let luasec = KongPath {
            kind: KongPathKind::LuaSec,
            versions,
            versions_from,
            depth: None,
            verifies_after_handshake: false,
        };
        let client_cert = KongClientCert {
            cert: pg.ssl_cert.clone(),
            key: pg.ssl_cert_key.clone(),
            honoured: enterprise,
        };
        KongClient {
            conf_file: conf_file.map(Path::to_path_buf),
            edition,
            tls,
            cosocket,
            luasec,
            client_cert,
            conf,
        }
    }

    /// Reads `conf_file` (if any) through `source`, applies `env` (the
    /// `KONG_*` pairs) and the defaults of Kong `version`, and models the
    /// result.
    pub fn load<K: AsRef<str>, V: AsRef<str>>(
        source: &dyn Source,
        conf_file: Option<&Path>,
        env: &[(K, V)],
        edition: Option<KongEdition>,
        version: &'static KongDefaults,
    ) -> io::Result<Self> {
        let file = match conf_file {
            Some(p) => Some(kong::parse(&source.read(p)?, p)),
            None => None,
        };
        Ok(KongClient::new(
            kong::resolve_for(file.as_ref(), env, version),
            conf_file,
            edition,
        ))
    }

    /// Whether the edition is Enterprise.
    pub fn enterprise(&self) -> bool {
        self.edition == KongEdition::Enterprise
    }

    /// Whether Kong verifies the server's chain (`pg_ssl_verify`; never the
    /// host name).
    pub fn verifies(&self) -> bool {
        self.conf.pg.ssl_verify.value
    }

    /// The entries of `lua_ssl_trusted_certificate` as written (an inline
    /// PEM as `<inline PEM>`), for evidence.
    pub fn trust_shown(&self) -> Vec<String> {
        self.conf
            .lua_ssl_trusted_certificate
            .value
            .iter()
            .map(|e| match e {
                TrustedCert::System => "system".to_string(),
                TrustedCert::Path(p) => p.display().to_string(),
                TrustedCert::InlinePem(_) => "<inline PEM>".to_string(),
            })
            .collect()
    }

    /// The parts of `lua_ssl_trusted_certificate` in order, with `system`
    /// looked up through `source`; Kong concatenates them into one bundle.
    pub fn trust_parts(&self, source: &dyn Source) -> Vec<KongTrustPart<'_>> {
        self.conf
            .lua_ssl_trusted_certificate
            .value
            .iter()
            .map(|t| match t {
                TrustedCert::System => match system_bundle(source) {
                    Some(path) => KongTrustPart::File { path, system: true },
                    None => KongTrustPart::SystemMissing,
                },
                TrustedCert::Path(p) => KongTrustPart::File {
                    path: p,
                    system: false,
                },
                TrustedCert::InlinePem(pem) => KongTrustPart::Inline(pem),
            })
            .collect()
    }

    /// The files of `lua_ssl_trusted_certificate` as the setting would be
    /// written with them alone (comma-separated).
    pub fn trust_paths_written(&self) -> String {
        self.trust_paths()
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The files named in `lua_ssl_trusted_certificate` (not `system`, not
    /// inline PEM).
    pub fn trust_paths(&self) -> Vec<PathBuf> {
        self.conf
            .lua_ssl_trusted_certificate
            .value
            .iter()
            .filter_map(|t| match t {
                TrustedCert::Path(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemSource;

    fn model(text: &str, edition: Option<KongEdition>) -> KongClient {
        let path = Path::new("/etc/kong/kong.conf");
        let file = kong::parse(text, path);
        KongClient::new(
            kong::resolve::<&str, &str>(Some(&file), &[]),
            Some(path),
            edition,
        )
    }

    #[test]
    fn defaults() {
        let k = model("", None);
        assert_eq!(k.edition, KongEdition::OpenSource);
        assert_eq!(k.tls, KongTls::Off);
        assert_eq!(
            k.cosocket.versions,
            [TlsVersion::Tls1_2, TlsVersion::Tls1_3],
            "TLS 1.1 is written but refused by the newest Kong's OpenSSL 3"
        );
        assert_eq!(k.cosocket.depth.as_ref().map(|d| d.value), Some(1));
        assert_eq!(k.luasec.versions_from, KongVersions::PgmoonDefault);
        assert_eq!(k.luasec.min(), Some(TlsVersion::Tls1_1));
        assert_eq!(k.luasec.pin(), None);
        assert!(k.luasec.depth.is_none());
        assert!(!k.client_cert.sent());
    }

    /// check counted the read-only connection's Enterprise options and
    /// probe did not, so one kong.conf was Enterprise to check and
    /// open-source to probe.
    #[test]
    fn a_read_only_enterprise_option_makes_enterprise() {
        let k = model("pg_ssl = on\npg_ro_ssl_version = tlsv1_3\n", None);
        assert_eq!(k.edition, KongEdition::Enterprise);
        assert_eq!(
            k.luasec.pin(),
            Some(TlsVersion::Tls1_2),
            "pg_ssl_version's default"
        );
    }

    /// The pooler check required TLS from `pg_ssl_required` whatever the
    /// edition; open-source Kong ignores it and falls back to plaintext.
    #[test]
    fn open_source_ignores_ssl_required() {
        let text = "pg_ssl = on\npg_ssl_required = on\n";
        assert_eq!(model(text, None).tls, KongTls::Required);
        let oss = model(text, Some(KongEdition::OpenSource));
        assert_eq!(oss.tls, KongTls::Opportunistic);
        assert_eq!(oss.luasec.versions_from, KongVersions::PgmoonDefault);
    }

    #[test]
    fn enterprise_paths_and_certificate() {
        let k = model(
            "pg_ssl = on\npg_ssl_version = any\npg_ssl_cert = /c.crt\nlua_ssl_protocols = TLSv1.3\nlua_ssl_verify_depth = 2\n",
            None,
        );
        assert!(k.enterprise());
        assert_eq!(k.luasec.pin(), None, "any pins nothing");
        assert_eq!(
            k.luasec.versions,
            [TlsVersion::Tls1_1, TlsVersion::Tls1_2, TlsVersion::Tls1_3]
        );
        assert_eq!(k.cosocket.versions, [TlsVersion::Tls1_3]);
        assert_eq!(k.cosocket.pin(), None, "the cosocket path is never pinned");
        assert_eq!(k.cosocket.depth.as_ref().map(|d| d.value), Some(2));
        assert!(k.client_cert.half_set());
        assert!(!k.client_cert.sent());
        let oss = model(
            "pg_ssl_cert = /c.crt\npg_ssl_cert_key = /c.key\n",
            Some(KongEdition::OpenSource),
        );
        assert!(
            !oss.client_cert.sent(),
            "open-source Kong sends no certificate"
        );
        assert!(!oss.client_cert.half_set());
    }

    /// check's pgbouncer cross-check offered every version written in
    /// lua_ssl_protocols where check and probe offered only those the Kong
    /// version's OpenSSL negotiates.
    #[test]
    fn the_cosocket_path_offers_what_its_openssl_negotiates() {
        let path = Path::new("/etc/kong/kong.conf");
        let file = kong::parse("pg_ssl = on\npg_ssl_required = on\n", path);
        let old = kong::kong_defaults("2.8").expect("2.8");
        let k = KongClient::new(
            kong::resolve_for::<&str, &str>(Some(&file), &[], old),
            Some(path),
            None,
        );
        assert_eq!(
            k.cosocket.versions,
            [TlsVersion::Tls1_1, TlsVersion::Tls1_2, TlsVersion::Tls1_3],
            "OpenSSL 1.1.1 still negotiates TLS 1.1"
        );
        assert_eq!(k.luasec.pin(), Some(TlsVersion::Tls1_0), "2.8's tlsv1");
        let new = model("", None);
        assert!(matches!(
            &new.cosocket.versions_from,
            KongVersions::LuaSslProtocols { written, .. } if written.len() == 3
        ));
        assert_eq!(new.cosocket.versions.len(), 2);
    }

    #[test]
    fn loads_through_a_source_with_the_environment() {
        let src = MemSource::new().file(
            "/k/kong.conf",
            "pg_ssl = on\nlua_ssl_trusted_certificate = system,/k/ca.pem\n",
        );
        let k = KongClient::load(
            &src,
            Some(Path::new("/k/kong.conf")),
            &[("KONG_PG_SSL_VERIFY", "on")],
            None,
            kong::newest_kong(),
        )
        .expect("load");
        assert!(k.verifies());
        assert_eq!(k.trust_shown(), ["system", "/k/ca.pem"]);
        assert_eq!(
            k.trust_parts(&src),
            [
                KongTrustPart::SystemMissing,
                KongTrustPart::File {
                    path: Path::new("/k/ca.pem"),
                    system: false
                }
            ]
        );
        let with_system = MemSource::new().file("/etc/pki/tls/certs/ca-bundle.crt", "");
        assert_eq!(
            k.trust_parts(&with_system)[0],
            KongTrustPart::File {
                path: Path::new("/etc/pki/tls/certs/ca-bundle.crt"),
                system: true
            },
            "the first bundle that exists"
        );
        assert_eq!(k.trust_paths(), [PathBuf::from("/k/ca.pem")]);
        assert!(KongClient::load::<&str, &str>(
            &src,
            Some(Path::new("/nope")),
            &[],
            None,
            kong::newest_kong()
        )
        .is_err());
    }
}
