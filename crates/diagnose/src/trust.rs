//! A client's trust file read once: Kong's `lua_ssl_trusted_certificate`
//! (every entry, in order) or one PEM file such as libpq's `sslrootcert`,
//! with the certificates found and everything wrong with each entry.
//!
//! check's rules and the probe and scan commands all load Kong's bundle;
//! they judge the same entry differently (check: what Kong refuses when
//! nginx starts; probe: whether the certificates can verify a chain), so
//! the loader reports what it found and leaves the verdict to each.

use std::io;
use std::path::Path;

use openssl::error::ErrorStack;
use openssl::x509::X509;
use pgtls_config::kong_client::{KongClient, KongTrustPart};
use pgtls_config::{FileKind, Source};

use crate::certinfo::describe;
use crate::check_rules::access::pem_contents;

/// What is wrong with one trust file, in the order a reader meets it.
#[derive(Debug)]
pub enum TrustError {
    /// The file cannot be looked at or read.
    Unreadable(io::Error),
    /// The path is a directory.
    Directory,
    /// A private key sits among the certificates.
    PrivateKey,
    /// OpenSSL's certificate reader stops before the end: a block that
    /// does not decode, a certificate that does not parse, a block left
    /// open (a block it has no use for is passed over).
    BadPem(ErrorStack),
    /// No certificate at all.
    NoCertificate,
    /// Certificates, none of them a CA: their subjects.
    NoCa(Vec<String>),
}

/// One trust file (or inline PEM) as read.
#[derive(Debug, Default)]
pub struct TrustFile {
    /// The certificates that parsed, in file order.
    pub certs: Vec<X509>,
    /// Everything wrong with it; empty when it is a usable trust file.
    pub errors: Vec<TrustError>,
}

impl TrustFile {
    /// Reads `path` through `source` and takes its PEM blocks apart.
    pub fn read(source: &dyn Source, path: &Path) -> TrustFile {
        let unreadable = |e| TrustFile {
            certs: Vec::new(),
            errors: vec![TrustError::Unreadable(e)],
        };
        match source.metadata(path) {
            Err(e) => return unreadable(e),
            Ok(info) if info.kind == FileKind::Dir => {
                return TrustFile {
                    certs: Vec::new(),
                    errors: vec![TrustError::Directory],
                }
            }
            Ok(_) => {}
        }
        match source.read(path) {
            Err(e) => unreadable(e),
            Ok(text) => TrustFile::parse(&text),
        }
    }

    /// Takes PEM text apart (a file's, or one given inline).
    pub fn parse(text: &str) -> TrustFile {
        let c = pem_contents(text);
        let mut errors = Vec::new();
        if c.has_private_key {
            errors.push(TrustError::PrivateKey);
        }
        if let Err(e) = X509::stack_from_pem(text.as_bytes()) {
            errors.push(TrustError::BadPem(e));
        }
        if c.certs.is_empty() {
            errors.push(TrustError::NoCertificate);
        } else if !c.certs.iter().any(|x| describe(x, 0).is_ca) {
            errors.push(TrustError::NoCa(
                c.certs.iter().map(|x| describe(x, 0).subject).collect(),
            ));
        }
        TrustFile {
            certs: c.certs,
            errors,
        }
    }
}

/// One entry of Kong's bundle: the part as configured, and what it held
/// (nothing for a `system` that does not exist here).
#[derive(Debug)]
pub struct KongTrustEntry<'a> {
    pub part: KongTrustPart<'a>,
    pub file: TrustFile,
}

/// Every entry of `lua_ssl_trusted_certificate`, each read once, in the
/// order Kong concatenates them.
pub fn load_kong_trust<'a>(kong: &'a KongClient, source: &dyn Source) -> Vec<KongTrustEntry<'a>> {
    kong.trust_parts(source)
        .into_iter()
        .map(|part| {
            let file = match &part {
                KongTrustPart::File { path, .. } => TrustFile::read(source, path),
                KongTrustPart::SystemMissing => TrustFile::default(),
                KongTrustPart::Inline(pem) => TrustFile::parse(pem),
            };
            KongTrustEntry { part, file }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use pgtls_config::kong;
    use pgtls_config::MemSource;
    use pgtls_lab::{generate_ca, issue_cert, CertSpec};

    use super::*;

    const GARBAGE: &str = "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n";

    fn pems() -> (String, String, String) {
        let ca = generate_ca("trust unit CA", None, None).unwrap();
        let leaf = issue_cert(&CertSpec::localhost_server(), Some(&ca)).unwrap();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (
            text(ca.cert_pem().unwrap()),
            text(leaf.cert_pem().unwrap()),
            text(ca.key_pem().unwrap()),
        )
    }

    fn kinds(f: &TrustFile) -> Vec<&'static str> {
        f.errors
            .iter()
            .map(|e| match e {
                TrustError::Unreadable(_) => "unreadable",
                TrustError::Directory => "directory",
                TrustError::PrivateKey => "private-key",
                TrustError::BadPem(_) => "bad-pem",
                TrustError::NoCertificate => "no-certificate",
                TrustError::NoCa(_) => "no-ca",
            })
            .collect()
    }

    #[test]
    fn each_file_says_what_it_holds_and_what_is_wrong() {
        let (ca, leaf, key) = pems();
        let src = MemSource::new()
            .file("/t/ca.pem", ca.clone())
            .file("/t/leaf.pem", leaf)
            .file("/t/broken.pem", format!("{ca}{GARBAGE}"))
            .file("/t/key.pem", format!("{ca}{key}"))
            .file("/t/empty.pem", "")
            .file("/t/dir/x", "");
        let read = |p: &str| TrustFile::read(&src, Path::new(p));
        let ok = read("/t/ca.pem");
        assert_eq!((ok.certs.len(), kinds(&ok)), (1, vec![]));
        assert_eq!(kinds(&read("/t/leaf.pem")), ["no-ca"]);
        // The CA that parses is kept: check passes over the broken block,
        // probe refuses the file as OpenSSL would.
        let broken = read("/t/broken.pem");
        assert_eq!((broken.certs.len(), kinds(&broken)), (1, vec!["bad-pem"]));
        assert_eq!(kinds(&read("/t/key.pem")), ["private-key"]);
        assert_eq!(kinds(&read("/t/empty.pem")), ["no-certificate"]);
        assert_eq!(kinds(&read("/t/dir")), ["directory"]);
        assert_eq!(kinds(&read("/t/missing.pem")), ["unreadable"]);
    }

    #[test]
    fn kong_entries_are_read_once_in_order() {
        let (ca, _, _) = pems();
        let src = MemSource::new()
            .file(
                "/k/kong.conf",
                "pg_ssl = on\nlua_ssl_trusted_certificate = system,/k/ca.pem,/k/gone.pem\n",
            )
            .file("/k/ca.pem", ca);
        let k = KongClient::load(
            &src,
            Some(Path::new("/k/kong.conf")),
            &[("KONG_PG_SSL_VERIFY", "on")],
            None,
            kong::newest_kong(),
        )
        .expect("load");
        let entries = load_kong_trust(&k, &src);
        let shape: Vec<(&KongTrustPart, usize, Vec<&str>)> = entries
            .iter()
            .map(|e| (&e.part, e.file.certs.len(), kinds(&e.file)))
            .collect();
        assert_eq!(
            shape,
            [
                (&KongTrustPart::SystemMissing, 0, vec![]),
                (
                    &KongTrustPart::File {
                        path: Path::new("/k/ca.pem"),
                        system: false
                    },
                    1,
                    vec![]
                ),
                (
                    &KongTrustPart::File {
                        path: Path::new("/k/gone.pem"),
                        system: false
                    },
                    0,
                    vec!["unreadable"]
                ),
            ]
        );
    }

    #[test]
    fn inline_pem_is_taken_apart_like_a_file() {
        let (_, leaf, _) = pems();
        let f = TrustFile::parse(&leaf);
        assert_eq!((f.certs.len(), kinds(&f)), (1, vec!["no-ca"]));
        assert_eq!(
            kinds(&TrustFile::parse(GARBAGE)),
            ["bad-pem", "no-certificate"]
        );
    }
}
