//! A throwaway certificate authority with every certificate the TLS failures
//! of the catalogue need (good, expired, wrong host, wrong CA, weak key,
//! missing intermediate, client certificates), built in-process with OpenSSL
//! so tests never depend on an `openssl` binary or on files checked into the
//! repository that would silently expire.
//!
//! The building blocks ([`CertSpec`], [`issue_cert`], [`generate_ca`]) are
//! public so that `pgtls setup` and tests can mint further certificates the
//! same way.

use std::fmt;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

use crate::cluster::{DataFile, Owner};
use crate::error::LabError;
use crate::fsutil;

/// The file names a [`Pki`] writes. Certificates are PEM (`.crt`, mode
/// 0644), keys are unencrypted PKCS#8 PEM (`.key`, mode 0600).
pub mod files {
    /// Self-signed root CA, CN "pgtls lab root CA". It signs everything
    /// below unless said otherwise.
    pub const ROOT_CA: &str = "root_ca.crt";
    /// Key of [`ROOT_CA`].
    pub const ROOT_CA_KEY: &str = "root_ca.key";
    /// A second, unrelated self-signed CA, CN "pgtls lab unrelated CA".
    pub const OTHER_CA: &str = "other_ca.crt";
    /// Key of [`OTHER_CA`].
    pub const OTHER_CA_KEY: &str = "other_ca.key";
    /// Intermediate CA signed by the root, CA:TRUE with pathlen 0, CN "pgtls
    /// lab intermediate CA".
    pub const INTERMEDIATE_CA: &str = "intermediate_ca.crt";
    /// Key of [`INTERMEDIATE_CA`].
    pub const INTERMEDIATE_CA_KEY: &str = "intermediate_ca.key";
    /// Server certificate, CN localhost, SAN DNS:localhost, IP:127.0.0.1,
    /// IP:::1, serverAuth, signed by the root.
    pub const SERVER: &str = "server.crt";
    /// Key of [`SERVER`].
    pub const SERVER_KEY: &str = "server.key";
    /// Like [`SERVER`] but its validity ended 30 days ago (it began 400 days
    /// ago).
    pub const SERVER_EXPIRED: &str = "server_expired.crt";
    /// Key of [`SERVER_EXPIRED`].
    pub const SERVER_EXPIRED_KEY: &str = "server_expired.key";
    /// Server certificate for CN db.example.com, SAN DNS:db.example.com
    /// only, signed by the root: a host name mismatch for `localhost`.
    pub const SERVER_OTHER_HOST: &str = "server_otherhost.crt";
    /// Key of [`SERVER_OTHER_HOST`].
    pub const SERVER_OTHER_HOST_KEY: &str = "server_otherhost.key";
    /// Server certificate (names as [`SERVER`]) signed by the intermediate
    /// CA; this file holds the leaf only.
    pub const SERVER_VIA_INTERMEDIATE: &str = "server_intermediate.crt";
    /// The leaf of [`SERVER_VIA_INTERMEDIATE`] followed by the intermediate
    /// CA certificate.
    pub const SERVER_VIA_INTERMEDIATE_CHAIN: &str = "server_intermediate_chain.crt";
    /// Key of [`SERVER_VIA_INTERMEDIATE`].
    pub const SERVER_VIA_INTERMEDIATE_KEY: &str = "server_intermediate.key";
    /// Server certificate (names as [`SERVER`]) with an RSA 1024 key, which
    /// OpenSSL at security level 2 (Debian's default) rejects.
    pub const SERVER_WEAK: &str = "server_weak.crt";
    /// Key of [`SERVER_WEAK`] (RSA 1024).
    pub const SERVER_WEAK_KEY: &str = "server_weak.key";
    /// Client certificate CN kong, clientAuth, signed by the root.
    pub const CLIENT_KONG: &str = "client_kong.crt";
    /// Key of [`CLIENT_KONG`].
    pub const CLIENT_KONG_KEY: &str = "client_kong.key";
    /// Client certificate CN foo@example.com, clientAuth, signed by the root.
    pub const CLIENT_FOO: &str = "client_foo.crt";
    /// Key of [`CLIENT_FOO`].
    pub const CLIENT_FOO_KEY: &str = "client_foo.key";
    /// Client certificate CN kong signed by the unrelated CA.
    pub const CLIENT_OTHER_CA: &str = "client_other_ca.crt";
    /// Key of [`CLIENT_OTHER_CA`].
    pub const CLIENT_OTHER_CA_KEY: &str = "client_other_ca.key";
    /// Client certificate CN kong, signed by the root, expired like
    /// [`SERVER_EXPIRED`].
    pub const CLIENT_EXPIRED: &str = "client_expired.crt";
    /// Key of [`CLIENT_EXPIRED`].
    pub const CLIENT_EXPIRED_KEY: &str = "client_expired.key";

    /// Every file a [`crate::Pki`] writes.
    pub const ALL: &[&str] = &[
        ROOT_CA,
        ROOT_CA_KEY,
        OTHER_CA,
        OTHER_CA_KEY,
        INTERMEDIATE_CA,
        INTERMEDIATE_CA_KEY,
        SERVER,
        SERVER_KEY,
        SERVER_EXPIRED,
        SERVER_EXPIRED_KEY,
        SERVER_OTHER_HOST,
        SERVER_OTHER_HOST_KEY,
        SERVER_VIA_INTERMEDIATE,
        SERVER_VIA_INTERMEDIATE_CHAIN,
        SERVER_VIA_INTERMEDIATE_KEY,
        SERVER_WEAK,
        SERVER_WEAK_KEY,
        CLIENT_KONG,
        CLIENT_KONG_KEY,
        CLIENT_FOO,
        CLIENT_FOO_KEY,
        CLIENT_OTHER_CA,
        CLIENT_OTHER_CA_KEY,
        CLIENT_EXPIRED,
        CLIENT_EXPIRED_KEY,
    ];
}

/// Common name of the lab's root CA.
pub const ROOT_CA_CN: &str = "pgtls lab root CA";
/// Common name of the lab's unrelated CA.
pub const OTHER_CA_CN: &str = "pgtls lab unrelated CA";
/// Common name of the lab's intermediate CA.
pub const INTERMEDIATE_CA_CN: &str = "pgtls lab intermediate CA";

const DAY_SECS: i64 = 24 * 60 * 60;

/// The kind of key pair to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on NIST P-256 (prime256v1): fast to generate, accepted everywhere.
    EcP256,
    /// RSA with the given modulus size in bits.
    Rsa(u32),
}

/// What a certificate may be used for; decides basicConstraints, keyUsage
/// and extendedKeyUsage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertUsage {
    /// TLS server leaf (extendedKeyUsage serverAuth).
    Server,
    /// TLS client leaf (extendedKeyUsage clientAuth).
    Client,
    /// Leaf usable on both sides (serverAuth and clientAuth).
    ServerAndClient,
    /// Certificate authority: basicConstraints CA:TRUE (critical) with an
    /// optional path length limit, keyUsage keyCertSign and cRLSign.
    Ca {
        /// The pathlen constraint, `None` for no limit.
        path_len: Option<u32>,
    },
}

/// A validity period in whole days relative to the moment of issuing
/// (negative means in the past).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// notBefore, in days from now.
    pub not_before_days: i64,
    /// notAfter, in days from now.
    pub not_after_days: i64,
}

impl Validity {
    /// One year starting yesterday (so clock skew never makes it "not yet
    /// valid").
    pub const STANDARD: Validity = Validity {
        not_before_days: -1,
        not_after_days: 364,
    };
    /// Began 400 days ago, ended 30 days ago.
    pub const EXPIRED: Validity = Validity {
        not_before_days: -400,
        not_after_days: -30,
    };
}

impl Default for Validity {
    fn default() -> Validity {
        Validity::STANDARD
    }
}

/// Everything that distinguishes one lab certificate from another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertSpec {
    /// Subject common name (the subject holds only the CN).
    pub common_name: String,
    /// subjectAltName DNS entries.
    pub dns_names: Vec<String>,
    /// subjectAltName IP entries.
    pub ip_addresses: Vec<IpAddr>,
    /// Server, client or CA.
    pub usage: CertUsage,
    /// Validity period.
    pub validity: Validity,
    /// Key pair type.
    pub key_type: KeyType,
}

impl CertSpec {
    /// A server leaf with the given CN and no SANs yet, P-256, standard validity.
    pub fn server(common_name: &str) -> CertSpec {
        CertSpec::with_usage(common_name, CertUsage::Server)
    }

    /// A server leaf for this machine: CN localhost, SAN DNS:localhost,
    /// IP:127.0.0.1 and IP:::1.
    pub fn localhost_server() -> CertSpec {
        CertSpec::server("localhost")
            .dns("localhost")
            .ip(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
    }

    /// A client leaf with the given CN, P-256, standard validity.
    pub fn client(common_name: &str) -> CertSpec {
        CertSpec::with_usage(common_name, CertUsage::Client)
    }

    /// A CA certificate with the given CN and path length limit.
    pub fn ca(common_name: &str, path_len: Option<u32>) -> CertSpec {
        CertSpec::with_usage(common_name, CertUsage::Ca { path_len })
    }

    fn with_usage(common_name: &str, usage: CertUsage) -> CertSpec {
        CertSpec {
            common_name: common_name.to_string(),
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            usage,
            validity: Validity::STANDARD,
            key_type: KeyType::EcP256,
        }
    }

    /// Adds a DNS subjectAltName.
    pub fn dns(mut self, name: &str) -> CertSpec {
        self.dns_names.push(name.to_string());
        self
    }

    /// Adds an IP subjectAltName.
    pub fn ip(mut self, ip: IpAddr) -> CertSpec {
        self.ip_addresses.push(ip);
        self
    }

    /// Replaces the validity period.
    pub fn validity(mut self, validity: Validity) -> CertSpec {
        self.validity = validity;
        self
    }

    /// Replaces the key type.
    pub fn key_type(mut self, key_type: KeyType) -> CertSpec {
        self.key_type = key_type;
        self
    }
}

/// A certificate with its private key. Debug output names the subject only,
/// never the key.
#[derive(Clone)]
pub struct CertifiedKey {
    /// The certificate.
    pub cert: X509,
    /// Its private key.
    pub key: PKey<Private>,
}

impl CertifiedKey {
    /// The certificate as PEM.
    pub fn cert_pem(&self) -> Result<Vec<u8>, LabError> {
        self.cert
            .to_pem()
            .map_err(|e| LabError::crypto("encode certificate as PEM", e))
    }

    /// The private key as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub fn key_pem(&self) -> Result<Vec<u8>, LabError> {
        self.key
            .private_key_to_pem_pkcs8()
            .map_err(|e| LabError::crypto("encode private key as PEM", e))
    }

    /// The subject's common name ("" when it has none).
    pub fn common_name(&self) -> String {
        common_name_of(&self.cert)
    }
}

impl fmt::Debug for CertifiedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertifiedKey")
            .field("subject_cn", &self.common_name())
            .field("key", &"<private>")
            .finish()
    }
}

fn common_name_of(cert: &X509) -> String {
    cert.subject_name()
        .entries_by_nid(Nid::COMMONNAME)
        .next()
        .and_then(|e| e.data().to_string().ok())
        .unwrap_or_default()
}

/// Generates a fresh key pair.
pub fn generate_key(key_type: KeyType) -> Result<PKey<Private>, LabError> {
    match key_type {
        KeyType::EcP256 => {
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)
                .map_err(|e| LabError::crypto("load curve P-256", e))?;
            let ec =
                EcKey::generate(&group).map_err(|e| LabError::crypto("generate P-256 key", e))?;
            PKey::from_ec_key(ec).map_err(|e| LabError::crypto("wrap P-256 key", e))
        }
        KeyType::Rsa(bits) => {
            let rsa = Rsa::generate(bits)
                .map_err(|e| LabError::crypto(format!("generate RSA {bits} key"), e))?;
            PKey::from_rsa(rsa).map_err(|e| LabError::crypto("wrap RSA key", e))
        }
    }
}

fn asn1_time_days_from_now(days: i64) -> Result<Asn1Time, LabError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let at = now.saturating_add(days.saturating_mul(DAY_SECS));
    Asn1Time::from_unix(at as libc::time_t).map_err(|e| LabError::crypto("build validity time", e))
}

/// Issues a certificate for `spec` with a fresh key, signed (SHA-256) by
/// `issuer`, or self-signed when `issuer` is `None`. Serial numbers are
/// random 159-bit positive integers.
pub fn issue_cert(
    spec: &CertSpec,
    issuer: Option<&CertifiedKey>,
) -> Result<CertifiedKey, LabError> {
    let key = generate_key(spec.key_type)?;
    let cert = sign_cert(spec, &key, issuer)?;
    Ok(CertifiedKey { cert, key })
}

/// Issues a certificate for `spec` over an existing key (used when a
/// certificate must be re-issued for the same key).
pub fn sign_cert(
    spec: &CertSpec,
    key: &PKey<Private>,
    issuer: Option<&CertifiedKey>,
) -> Result<X509, LabError> {
    let cn = spec.common_name.as_str();
    let ctx = |what: &str| format!("{what} for certificate {cn:?}");
    let mut b = X509Builder::new().map_err(|e| LabError::crypto(ctx("start"), e))?;
    b.set_version(2)
        .map_err(|e| LabError::crypto(ctx("set version"), e))?;

    let mut serial = BigNum::new().map_err(|e| LabError::crypto(ctx("allocate serial"), e))?;
    serial
        .rand(159, MsbOption::MAYBE_ZERO, false)
        .map_err(|e| LabError::crypto(ctx("draw serial"), e))?;
    let serial: Asn1Integer = serial
        .to_asn1_integer()
        .map_err(|e| LabError::crypto(ctx("encode serial"), e))?;
    b.set_serial_number(&serial)
        .map_err(|e| LabError::crypto(ctx("set serial"), e))?;

    let mut name = X509NameBuilder::new().map_err(|e| LabError::crypto(ctx("start name"), e))?;
    name.append_entry_by_nid(Nid::COMMONNAME, cn)
        .map_err(|e| LabError::crypto(ctx("set common name"), e))?;
    let name = name.build();
    b.set_subject_name(&name)
        .map_err(|e| LabError::crypto(ctx("set subject"), e))?;
    match issuer {
        Some(i) => b.set_issuer_name(i.cert.subject_name()),
        None => b.set_issuer_name(&name),
    }
    .map_err(|e| LabError::crypto(ctx("set issuer"), e))?;

    let not_before = asn1_time_days_from_now(spec.validity.not_before_days)?;
    let not_after = asn1_time_days_from_now(spec.validity.not_after_days)?;
    b.set_not_before(&not_before)
        .map_err(|e| LabError::crypto(ctx("set notBefore"), e))?;
    b.set_not_after(&not_after)
        .map_err(|e| LabError::crypto(ctx("set notAfter"), e))?;
    b.set_pubkey(key)
        .map_err(|e| LabError::crypto(ctx("set public key"), e))?;

    let is_rsa = key.rsa().is_ok();
    let ext = match spec.usage {
        CertUsage::Ca { path_len } => {
            let mut bc = BasicConstraints::new();
            bc.critical().ca();
            if let Some(n) = path_len {
                bc.pathlen(n);
            }
            vec![
                bc.build(),
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build(),
            ]
        }
        usage => {
            let mut ku = KeyUsage::new();
            ku.critical().digital_signature();
            if is_rsa {
                // RSA key exchange (TLS 1.2 non-ECDHE suites) encrypts with the leaf key.
                ku.key_encipherment();
            }
            let mut eku = ExtendedKeyUsage::new();
            match usage {
                CertUsage::Server => {
                    eku.server_auth();
                }
                CertUsage::Client => {
                    eku.client_auth();
                }
                _ => {
                    eku.server_auth().client_auth();
                }
            }
            vec![
                BasicConstraints::new().critical().build(),
                ku.build(),
                eku.build(),
            ]
        }
    };
    for e in ext {
        let e = e.map_err(|e| LabError::crypto(ctx("build extension"), e))?;
        b.append_extension(e)
            .map_err(|e| LabError::crypto(ctx("add extension"), e))?;
    }

    if !spec.dns_names.is_empty() || !spec.ip_addresses.is_empty() {
        let mut san = SubjectAlternativeName::new();
        for d in &spec.dns_names {
            san.dns(d);
        }
        for ip in &spec.ip_addresses {
            san.ip(&ip.to_string());
        }
        let san = san
            .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
            .map_err(|e| LabError::crypto(ctx("build subjectAltName"), e))?;
        b.append_extension(san)
            .map_err(|e| LabError::crypto(ctx("add subjectAltName"), e))?;
    }

    let skid = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None))
        .map_err(|e| LabError::crypto(ctx("build subjectKeyIdentifier"), e))?;
    b.append_extension(skid)
        .map_err(|e| LabError::crypto(ctx("add subjectKeyIdentifier"), e))?;
    if let Some(i) = issuer {
        // Lets OpenSSL pick the right issuer when several CAs share a name.
        let akid = AuthorityKeyIdentifier::new()
            .keyid(false)
            .build(&b.x509v3_context(Some(i.cert.as_ref()), None))
            .map_err(|e| LabError::crypto(ctx("build authorityKeyIdentifier"), e))?;
        b.append_extension(akid)
            .map_err(|e| LabError::crypto(ctx("add authorityKeyIdentifier"), e))?;
    }

    let signing_key = issuer.map(|i| &i.key).unwrap_or(key);
    b.sign(signing_key, MessageDigest::sha256())
        .map_err(|e| LabError::crypto(ctx("sign"), e))?;
    Ok(b.build())
}

/// Creates a CA: self-signed when `issuer` is `None`, else an intermediate
/// signed by `issuer`. P-256 key, standard validity.
pub fn generate_ca(
    common_name: &str,
    issuer: Option<&CertifiedKey>,
    path_len: Option<u32>,
) -> Result<CertifiedKey, LabError> {
    issue_cert(&CertSpec::ca(common_name, path_len), issuer)
}

/// Writes `ck` as `dir/cert_file` (PEM, 0644) and `dir/key_file` (PKCS#8
/// PEM, 0600, owned by the current user).
pub fn write_cert_and_key(
    dir: &Path,
    cert_file: &str,
    key_file: &str,
    ck: &CertifiedKey,
) -> Result<(), LabError> {
    fsutil::write_file(&dir.join(cert_file), &ck.cert_pem()?, 0o644)?;
    fsutil::write_file(&dir.join(key_file), &ck.key_pem()?, 0o600)
}

/// The lab's PKI: all of [`files`], written to one directory.
pub struct Pki {
    dir: PathBuf,
    root_ca: CertifiedKey,
    other_ca: CertifiedKey,
    intermediate_ca: CertifiedKey,
}

impl fmt::Debug for Pki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pki")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Pki {
    /// Generates every certificate and key of [`files`] into `dir` (created
    /// when missing; existing files of the same names are replaced).
    pub fn generate(dir: &Path) -> Result<Pki, LabError> {
        use files::*;
        fs::create_dir_all(dir).map_err(|e| LabError::io_path("create directory", dir, e))?;

        let root = generate_ca(ROOT_CA_CN, None, None)?;
        write_cert_and_key(dir, ROOT_CA, ROOT_CA_KEY, &root)?;
        let other = generate_ca(OTHER_CA_CN, None, None)?;
        write_cert_and_key(dir, OTHER_CA, OTHER_CA_KEY, &other)?;
        let inter = generate_ca(INTERMEDIATE_CA_CN, Some(&root), Some(0))?;
        write_cert_and_key(dir, INTERMEDIATE_CA, INTERMEDIATE_CA_KEY, &inter)?;

        let server = issue_cert(&CertSpec::localhost_server(), Some(&root))?;
        write_cert_and_key(dir, SERVER, SERVER_KEY, &server)?;

        let expired = issue_cert(
            &CertSpec::localhost_server().validity(Validity::EXPIRED),
            Some(&root),
        )?;
        write_cert_and_key(dir, SERVER_EXPIRED, SERVER_EXPIRED_KEY, &expired)?;

        let other_host = issue_cert(
            &CertSpec::server("db.example.com").dns("db.example.com"),
            Some(&root),
        )?;
        write_cert_and_key(dir, SERVER_OTHER_HOST, SERVER_OTHER_HOST_KEY, &other_host)?;

        let via = issue_cert(&CertSpec::localhost_server(), Some(&inter))?;
        write_cert_and_key(
            dir,
            SERVER_VIA_INTERMEDIATE,
            SERVER_VIA_INTERMEDIATE_KEY,
            &via,
        )?;
        let mut chain = via.cert_pem()?;
        chain.extend_from_slice(&inter.cert_pem()?);
        fsutil::write_file(&dir.join(SERVER_VIA_INTERMEDIATE_CHAIN), &chain, 0o644)?;

        let weak = issue_cert(
            &CertSpec::localhost_server().key_type(KeyType::Rsa(1024)),
            Some(&root),
        )?;
        write_cert_and_key(dir, SERVER_WEAK, SERVER_WEAK_KEY, &weak)?;

        let kong = issue_cert(&CertSpec::client("kong"), Some(&root))?;
        write_cert_and_key(dir, CLIENT_KONG, CLIENT_KONG_KEY, &kong)?;
        let foo_client = issue_cert(&CertSpec::client("foo@example.com"), Some(&root))?;
        write_cert_and_key(dir, CLIENT_FOO, CLIENT_FOO_KEY, &foo_client)?;
        let kong_other = issue_cert(&CertSpec::client("kong"), Some(&other))?;
        write_cert_and_key(dir, CLIENT_OTHER_CA, CLIENT_OTHER_CA_KEY, &kong_other)?;
        let kong_expired = issue_cert(
            &CertSpec::client("kong").validity(Validity::EXPIRED),
            Some(&root),
        )?;
        write_cert_and_key(dir, CLIENT_EXPIRED, CLIENT_EXPIRED_KEY, &kong_expired)?;

        Ok(Pki {
            dir: dir.to_path_buf(),
            root_ca: root,
            other_ca: other,
            intermediate_ca: inter,
        })
    }

    /// The directory holding the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The full path of one of the [`files`].
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// The contents of one of the [`files`].
    pub fn read(&self, file: &str) -> Result<Vec<u8>, LabError> {
        let p = self.path(file);
        fs::read(&p).map_err(|e| LabError::io_path("read", &p, e))
    }

    /// One of the [`files`] as a file to place in a cluster's data directory
    /// under `name`.
    pub fn data_file(
        &self,
        file: &str,
        name: &str,
        mode: u32,
        owner: Owner,
    ) -> Result<DataFile, LabError> {
        Ok(DataFile::new(name, self.read(file)?, mode, owner))
    }

    /// The root CA (signs the server and client certificates).
    pub fn root_ca(&self) -> &CertifiedKey {
        &self.root_ca
    }

    /// The unrelated CA.
    pub fn other_ca(&self) -> &CertifiedKey {
        &self.other_ca
    }

    /// The intermediate CA (signed by the root).
    pub fn intermediate_ca(&self) -> &CertifiedKey {
        &self.intermediate_ca
    }
}

static SHARED_PKI: Mutex<Option<&'static Pki>> = Mutex::new(None);

/// One [`Pki`] per process, generated on first use into a fresh
/// `pgtls-lab-*` directory under [`std::env::temp_dir`] (mode 0755, so the
/// server account can read the certificates; keys 0600 owned by the current
/// user). The directory is removed when the process exits. A failed
/// generation is retried on the next call.
pub fn shared_pki() -> Result<&'static Pki, LabError> {
    let mut guard = SHARED_PKI.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(pki) = *guard {
        return Ok(pki);
    }
    let dir = tempfile::Builder::new()
        .prefix("pgtls-lab-pki-")
        .tempdir_in(std::env::temp_dir())
        .map_err(|e| LabError::io("create a temporary directory for the PKI", e))?;
    let path = dir.path().to_path_buf();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
        .map_err(|e| LabError::io_path("set permissions of", &path, e))?;
    let pki = Pki::generate(&path)?;
    // Only now that it is complete does the directory outlive this call; a
    // janitor process removes it when this process ends, however it ends.
    crate::proc::remove_at_exit(&path);
    let _ = dir.keep();
    let pki: &'static Pki = Box::leak(Box::new(pki));
    *guard = Some(pki);
    Ok(pki)
}
