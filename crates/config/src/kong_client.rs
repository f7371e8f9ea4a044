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
//!
//! The other way round, a kong.conf that pgtls writes (setup, demo) comes
//! from a [`KongIntent`] and is read back through this same model before
//! it is used, so what pgtls writes is what check and probe read.

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

/// A Kong that pgtls writes a kong.conf for (setup's snippet, the demo's
/// clients), as typed values. [`KongIntent::settings`] writes it, and
/// [`KongIntent::read_back`] reads the text written through the parser and
/// model that check and probe use, refusing it where the Kong read back is
/// not the Kong meant: what pgtls writes and what pgtls reads of it cannot
/// part (a path holding `#`, a setting that makes another edition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KongIntent {
    /// `pg_host`.
    pub host: String,
    /// `pg_port`.
    pub port: u16,
    /// `pg_user`.
    pub user: String,
    /// `pg_database`.
    pub database: String,
    /// `pg_ssl`, and `pg_ssl_required` (Enterprise) for [`KongTls::Required`].
    pub tls: KongTls,
    /// `pg_ssl_verify`.
    pub verify: bool,
    /// `pg_ssl_version` (Enterprise); `None` leaves Kong's default.
    pub ssl_version: Option<kong::KongSslVersion>,
    /// `lua_ssl_protocols`; `None` leaves Kong's default.
    pub protocols: Option<Vec<TlsVersion>>,
    /// `lua_ssl_trusted_certificate`: these files and nothing else.
    pub trust: Vec<PathBuf>,
    /// `lua_ssl_verify_depth`; `None` leaves Kong's default.
    pub depth: Option<u32>,
    /// `pg_ssl_cert` and `pg_ssl_cert_key` (Enterprise).
    pub cert: Option<(PathBuf, PathBuf)>,
}

/// One way the Kong read back differs from the Kong meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The setting or property (`pg_ssl_verify`, `edition`).
    pub what: &'static str,
    /// As meant.
    pub meant: String,
    /// As read back.
    pub read: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} -> {}", self.what, self.meant, self.read)
    }
}

/// Where the Kong read back from a written kong.conf is not the one meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentMismatch {
    /// What differs.
    pub differences: Vec<Difference>,
    /// What the parser said of the text (a value it could not read).
    pub diagnostics: Vec<crate::Diagnostic>,
}

impl std::fmt::Display for IntentMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let items: Vec<String> = self
            .differences
            .iter()
            .map(ToString::to_string)
            .chain(self.diagnostics.iter().map(ToString::to_string))
            .collect();
        write!(
            f,
            "the kong.conf written does not read back as meant (meant -> read): {}",
            items.join("; ")
        )
    }
}

impl std::error::Error for IntentMismatch {}

fn on_off(b: bool) -> String {
    String::from(if b { "on" } else { "off" })
}

/// A version as `lua_ssl_protocols` spells it.
fn protocol_word(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::Tls1_0 => "TLSv1",
        TlsVersion::Tls1_1 => "TLSv1.1",
        TlsVersion::Tls1_2 => "TLSv1.2",
        TlsVersion::Tls1_3 => "TLSv1.3",
    }
}

impl KongIntent {
    /// Whether the settings make Kong Enterprise (it alone reads them).
    pub fn enterprise(&self) -> bool {
        self.settings()
            .iter()
            .any(|(k, _)| kong::is_enterprise_key(k))
    }

    /// The kong.conf settings, in the order written.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("pg_host", self.host.clone()),
            ("pg_port", self.port.to_string()),
            ("pg_user", self.user.clone()),
            ("pg_database", self.database.clone()),
            ("pg_ssl", on_off(self.tls != KongTls::Off)),
        ];
        if self.tls == KongTls::Required {
            out.push(("pg_ssl_required", on_off(true)));
        }
        out.push(("pg_ssl_verify", on_off(self.verify)));
        if let Some(v) = self.ssl_version {
            out.push(("pg_ssl_version", v.keyword().to_string()));
        }
        if let Some((cert, key)) = &self.cert {
            out.push(("pg_ssl_cert", cert.display().to_string()));
            out.push(("pg_ssl_cert_key", key.display().to_string()));
        }
        if !self.trust.is_empty() {
            let files: Vec<String> = self.trust.iter().map(|p| p.display().to_string()).collect();
            out.push(("lua_ssl_trusted_certificate", files.join(",")));
        }
        if let Some(d) = self.depth {
            out.push(("lua_ssl_verify_depth", d.to_string()));
        }
        if let Some(p) = &self.protocols {
            let words: Vec<&str> = p.iter().map(|v| protocol_word(*v)).collect();
            out.push(("lua_ssl_protocols", words.join(" ")));
        }
        out
    }

    /// The settings as plain `key = value` lines.
    pub fn text(&self) -> String {
        self.settings()
            .iter()
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect()
    }

    /// The Kong that `text` (a kong.conf written from this intent, comments
    /// and all, at `file`) makes, with the newest Kong's defaults and no
    /// `KONG_*` variables, as check and probe would read it; refused where
    /// it is not the Kong meant.
    pub fn read_back(&self, text: &str, file: &Path) -> Result<KongClient, IntentMismatch> {
        let parsed = kong::parse(text, file);
        let client = KongClient::new(
            kong::resolve::<&str, &str>(Some(&parsed), &[]),
            Some(file),
            None,
        );
        let differences = self.differences(&client);
        if differences.is_empty() && client.conf.diagnostics.is_empty() {
            Ok(client)
        } else {
            Err(IntentMismatch {
                differences,
                diagnostics: client.conf.diagnostics.clone(),
            })
        }
    }

    /// Where `k` is not this Kong, one item each.
    pub fn differences(&self, k: &KongClient) -> Vec<Difference> {
        let mut out = Vec::new();
        let mut differ = |what: &'static str, meant: String, read: String| {
            if meant != read {
                out.push(Difference { what, meant, read });
            }
        };
        let pg = &k.conf.pg;
        differ("pg_host", self.host.clone(), pg.host.value.clone());
        differ("pg_port", self.port.to_string(), pg.port.value.to_string());
        differ("pg_user", self.user.clone(), pg.user.value.clone());
        differ(
            "pg_database",
            self.database.clone(),
            pg.database.value.clone(),
        );
        let edition = |e: bool| String::from(if e { "Enterprise" } else { "open-source" });
        differ(
            "edition",
            edition(self.enterprise()),
            edition(k.enterprise()),
        );
        differ("TLS", format!("{:?}", self.tls), format!("{:?}", k.tls));
        differ("pg_ssl_verify", on_off(self.verify), on_off(k.verifies()));
        if let Some(v) = self.ssl_version {
            differ(
                "pg_ssl_version",
                v.keyword().to_string(),
                pg.ssl_version.value.keyword().to_string(),
            );
        }
        let cert = |c: Option<(&PathBuf, &PathBuf)>| {
            c.map_or_else(
                || String::from("none sent"),
                |(c, k)| format!("{} with {}", c.display(), k.display()),
            )
        };
        let sent = k
            .client_cert
            .sent()
            .then_some((
                k.client_cert.cert.value.as_ref(),
                k.client_cert.key.value.as_ref(),
            ))
            .and_then(|(c, k)| c.zip(k));
        differ(
            "client certificate",
            cert(self.cert.as_ref().map(|(c, k)| (c, k))),
            cert(sent),
        );
        let trust = |t: &[TrustedCert]| {
            t.iter()
                .map(|e| match e {
                    TrustedCert::System => String::from("system"),
                    TrustedCert::Path(p) => p.display().to_string(),
                    TrustedCert::InlinePem(_) => String::from("<inline PEM>"),
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        if !self.trust.is_empty() {
            let meant: Vec<TrustedCert> =
                self.trust.iter().cloned().map(TrustedCert::Path).collect();
            differ(
                "lua_ssl_trusted_certificate",
                trust(&meant),
                trust(&k.conf.lua_ssl_trusted_certificate.value),
            );
        }
        if let Some(d) = self.depth {
            differ(
                "lua_ssl_verify_depth",
                d.to_string(),
                k.conf.lua_ssl_verify_depth.value.to_string(),
            );
        }
        if let Some(p) = &self.protocols {
            let words = |v: &[TlsVersion]| {
                v.iter()
                    .map(|x| protocol_word(*x))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            differ(
                "lua_ssl_protocols",
                words(p),
                words(&k.conf.lua_ssl_protocols.value),
            );
        }
        out
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

    fn intent() -> KongIntent {
        KongIntent {
            host: "db.example.com".into(),
            port: 5433,
            user: "kong".into(),
            database: "kong".into(),
            tls: KongTls::Required,
            verify: true,
            ssl_version: Some(kong::KongSslVersion::Tlsv1_2),
            protocols: None,
            trust: vec![PathBuf::from("/etc/kong/pg/ca.crt")],
            depth: Some(2),
            cert: Some((
                PathBuf::from("/etc/kong/pg/client.crt"),
                PathBuf::from("/etc/kong/pg/client.key"),
            )),
        }
    }

    #[test]
    fn an_intent_reads_back_as_the_kong_meant() {
        let i = intent();
        let k = i
            .read_back(&i.text(), Path::new("/k/kong.conf"))
            .expect("reads back");
        assert!(k.enterprise());
        assert_eq!(k.tls, KongTls::Required);
        assert!(k.verifies());
        assert!(k.client_cert.sent());
        assert_eq!(k.trust_paths(), [PathBuf::from("/etc/kong/pg/ca.crt")]);
        assert_eq!(k.luasec.pin(), Some(TlsVersion::Tls1_2));
        assert_eq!(k.cosocket.depth.as_ref().map(|d| d.value), Some(2));
        // Trailing comments are Kong's too.
        let commented = i.text().replace('\n', "    # (note)\n");
        assert!(i.read_back(&commented, Path::new("/k")).is_ok());
        // Open-source, opportunistic, TLS 1.2 only on the cosocket path.
        let oss = KongIntent {
            tls: KongTls::Opportunistic,
            ssl_version: None,
            cert: None,
            protocols: Some(vec![TlsVersion::Tls1_2]),
            ..intent()
        };
        assert!(!oss.enterprise());
        let k = oss.read_back(&oss.text(), Path::new("/k")).expect("oss");
        assert_eq!(k.edition, KongEdition::OpenSource);
        assert_eq!(k.cosocket.versions, [TlsVersion::Tls1_2]);
    }

    /// What the text does not say as meant is refused, with what differs.
    #[test]
    fn a_kong_conf_that_reads_otherwise_is_refused() {
        let hash = KongIntent {
            trust: vec![PathBuf::from("/pki#1/ca.crt")],
            ..intent()
        };
        let e = hash
            .read_back(&hash.text(), Path::new("/k"))
            .expect_err("# starts a comment");
        assert!(
            e.differences
                .iter()
                .any(|d| d.what == "lua_ssl_trusted_certificate"
                    && d.meant == "/pki#1/ca.crt"
                    && d.read == "/pki"),
            "{e}"
        );
        let i = intent();
        let edited = i
            .text()
            .replace("pg_ssl_verify = on", "pg_ssl_verify = off");
        let e = i.read_back(&edited, Path::new("/k")).expect_err("verify");
        assert_eq!(
            e.to_string(),
            "the kong.conf written does not read back as meant (meant -> read): pg_ssl_verify: on -> off"
        );
        let no_key = i.text().replace("pg_ssl_cert_key", "# pg_ssl_cert_key");
        let e = i.read_back(&no_key, Path::new("/k")).expect_err("key");
        assert!(
            e.differences
                .iter()
                .any(|d| d.what == "client certificate" && d.read == "none sent"),
            "{e}"
        );
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
