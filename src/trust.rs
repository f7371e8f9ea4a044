//! Loading the trust stores clients use (a PEM file, Kong's
//! `lua_ssl_trusted_certificate` list), shared by the commands that judge a
//! server's chain from a client's point of view.

use std::path::{Path, PathBuf};

use anyhow::Context;
use openssl::x509::X509;
use pgtls_config::kong::SYSTEM_CA_BUNDLES;
use pgtls_config::kong_client::{KongClient, KongTrustPart};
use pgtls_config::FsSource;
use pgtls_diagnose::trust::TrustError;

/// Trust files are a few hundred KiB at most (the system bundle is ~200 KiB).
const MAX_TRUST_FILE: u64 = 16 * 1024 * 1024;

/// Reads every certificate of a PEM file; an error names the file.
/// `read_limited` already refuses directories and oversized files.
pub fn load_pem_file(path: &Path) -> anyhow::Result<Vec<X509>> {
    let bytes = pgtls_config::read_limited(path, MAX_TRUST_FILE)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let certs = X509::stack_from_pem(&bytes)
        .with_context(|| format!("{} is not a PEM certificate bundle", path.display()))?;
    if certs.is_empty() {
        anyhow::bail!("{} holds no certificate", path.display());
    }
    Ok(certs)
}

/// This host's system trust store (the first bundle of
/// [`SYSTEM_CA_BUNDLES`] that exists), read once per process; empty when
/// there is none or it cannot be read.
pub fn system_anchors() -> &'static [X509] {
    static ANCHORS: std::sync::OnceLock<Vec<X509>> = std::sync::OnceLock::new();
    ANCHORS.get_or_init(|| {
        SYSTEM_CA_BUNDLES
            .iter()
            .map(Path::new)
            .find(|p| p.is_file())
            .and_then(|p| load_pem_file(p).ok())
            .unwrap_or_default()
    })
}

/// Kong's bundle: the parts of lua_ssl_trusted_certificate concatenated,
/// and the files among them; an error names the first entry whose
/// certificates cannot all be read (a private key or a lone leaf in the
/// file is check's business, not a reason to stop here).
pub fn load_kong_trust(kong: &KongClient) -> anyhow::Result<(Vec<X509>, Vec<PathBuf>)> {
    let mut anchors = Vec::new();
    let mut files = Vec::new();
    for entry in pgtls_diagnose::trust::load_kong_trust(kong, &FsSource) {
        match entry.part {
            KongTrustPart::File { path, .. } => {
                for e in entry.file.errors {
                    let why = match e {
                        TrustError::Unreadable(e) => anyhow::Error::new(e),
                        TrustError::Directory => anyhow::anyhow!("is a directory, not a file"),
                        TrustError::BadPem(e) => {
                            return Err(anyhow::Error::new(e).context(format!(
                                "{} is not a PEM certificate bundle",
                                path.display()
                            )))
                        }
                        TrustError::NoCertificate => {
                            anyhow::bail!("{} holds no certificate", path.display())
                        }
                        TrustError::PrivateKey | TrustError::NoCa(_) => continue,
                    };
                    return Err(why.context(format!("cannot read {}", path.display())));
                }
                anchors.extend(entry.file.certs);
                files.push(path.to_path_buf());
            }
            KongTrustPart::SystemMissing => {}
            KongTrustPart::Inline(_) => {
                for e in entry.file.errors {
                    if let TrustError::BadPem(e) = e {
                        return Err(anyhow::Error::new(e)
                            .context("inline PEM in lua_ssl_trusted_certificate does not parse"));
                    }
                }
                anchors.extend(entry.file.certs);
            }
        }
    }
    Ok((anchors, files))
}

/// The certificates in `*.crt`, `*.pem` and `*.cer` files next to the
/// trust files (at most 200 files of 256 KiB): where the CA that completes
/// a chain usually lies. Probe, scan and check look in the same places.
pub fn issuer_candidates(trust_files: &[String]) -> Vec<(X509, String)> {
    const MAX_FILES: usize = 200;
    const MAX_SIZE: u64 = 256 * 1024;
    let mut out = Vec::new();
    let mut dirs: Vec<&Path> = trust_files
        .iter()
        .filter_map(|f| Path::new(f).parent())
        .collect();
    dirs.dedup();
    let mut seen = 0usize;
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_cert = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "crt" | "pem" | "cer"));
            let small = entry
                .metadata()
                .is_ok_and(|m| m.is_file() && m.len() <= MAX_SIZE);
            if !is_cert || !small {
                continue;
            }
            seen += 1;
            if seen > MAX_FILES {
                return out;
            }
            let Ok(bytes) = pgtls_config::read_limited(&path, pgtls_config::MAX_INPUT_FILE) else {
                continue;
            };
            if let Ok(certs) = X509::stack_from_pem(&bytes) {
                for c in certs {
                    out.push((c, path.display().to_string()));
                }
            }
        }
    }
    out
}
