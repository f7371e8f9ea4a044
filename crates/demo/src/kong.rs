//! The Kong that demo and setup connect as, taken from the kong.conf they
//! write, read back through the model check and probe read kong.conf with
//! ([`KongClient`]), so the Kong they show connecting is the one a reader
//! of that kong.conf gets, never a second idea of it.

use std::fs;
use std::path::{Path, PathBuf};

use openssl::pkey::PKey;
use openssl::x509::X509;
use pgtls_config::kong_client::{IntentMismatch, KongClient, KongIntent};
use pgtls_probe::client_line::KongShape;
use pgtls_probe::kong_paths::kong_path;
use pgtls_probe::{ClientIdentity, ProbeConfig};

/// Why the Kong read back cannot be probed.
#[derive(Debug)]
pub(crate) enum KongFileError {
    /// The kong.conf text reads as another Kong.
    Mismatch(IntentMismatch),
    /// A file it names cannot be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file it names is not what the setting wants.
    Parse { what: &'static str, path: PathBuf },
    /// The certificate and key do not belong together.
    Identity(String),
}

impl std::fmt::Display for KongFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KongFileError::Mismatch(m) => write!(f, "{m}"),
            KongFileError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            KongFileError::Parse { what, path } => write!(f, "{} is not {what}", path.display()),
            KongFileError::Identity(e) => write!(f, "{e}"),
        }
    }
}

/// The Kong `intent` makes once `text` (the kong.conf written from it) is
/// read back; an error says where it reads otherwise.
pub(crate) fn read_back(intent: &KongIntent, text: &str) -> Result<KongClient, KongFileError> {
    intent
        .read_back(text, Path::new("kong.conf"))
        .map_err(KongFileError::Mismatch)
}

/// The probe of Kong `k` on one of its two paths, to `host:port`, with the
/// files its settings name found through `locate` (setup's files are
/// still in its output directory, not where kong.conf will find them).
pub(crate) fn probe_config(
    k: &KongClient,
    shape: KongShape,
    host: &str,
    port: u16,
    locate: &dyn Fn(&Path) -> PathBuf,
) -> Result<ProbeConfig, KongFileError> {
    let mut cfg = kong_path(k, shape, host, port);
    cfg.user = k.conf.pg.user.value.clone();
    cfg.database = Some(k.conf.pg.database.value.clone());
    let read = |p: &Path| {
        let path = locate(p);
        fs::read(&path).map_err(|source| KongFileError::Read { path, source })
    };
    let mut anchors = Vec::new();
    for p in k.trust_paths() {
        let certs = X509::stack_from_pem(&read(&p)?).map_err(|_| KongFileError::Parse {
            what: "a PEM bundle of certificates",
            path: locate(&p),
        })?;
        anchors.extend(certs);
    }
    cfg.tls.trust_anchors = Some(anchors);
    if k.client_cert.sent() {
        if let (Some(cert), Some(key)) = (&k.client_cert.cert.value, &k.client_cert.key.value) {
            let chain = X509::stack_from_pem(&read(cert)?).map_err(|_| KongFileError::Parse {
                what: "a PEM certificate chain",
                path: locate(cert),
            })?;
            let key =
                PKey::private_key_from_pem(&read(key)?).map_err(|_| KongFileError::Parse {
                    what: "an unencrypted PEM private key",
                    path: locate(key),
                })?;
            let identity = ClientIdentity::new(chain, key)
                .map_err(|e| KongFileError::Identity(e.to_string()))?;
            cfg.tls.client_identity = Some(identity);
        }
    }
    Ok(cfg)
}
