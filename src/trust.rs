//! Loading the trust stores clients use (a PEM file, Kong's
//! `lua_ssl_trusted_certificate` list), shared by the commands that judge a
//! server's chain from a client's point of view.

use std::path::{Path, PathBuf};

use anyhow::Context;
use openssl::x509::X509;
use pgtls_config::kong::{TrustedCert, SYSTEM_CA_BUNDLES};

/// Trust files are a few hundred KiB at most (the system bundle is ~200 KiB).
const MAX_TRUST_FILE: u64 = 16 * 1024 * 1024;

/// Reads every certificate of a PEM file; an error names the file.
/// `read_limited` already refuses directories and oversized files.
pub fn load_pem_file(path: &Path) -> anyhow::Result<Vec<X509>> {
    let bytes = pgtls_config::read_limited(path, MAX_TRUST_FILE)
        .with_context(|| format!("cannot read trust file {}", path.display()))?;
    let certs = X509::stack_from_pem(&bytes).with_context(|| {
        format!(
            "trust file {} is not a PEM certificate bundle",
            path.display()
        )
    })?;
    if certs.is_empty() {
        anyhow::bail!("trust file {} holds no certificate", path.display());
    }
    Ok(certs)
}

/// Kong's bundle: the entries of lua_ssl_trusted_certificate concatenated.
pub fn load_kong_trust(entries: &[TrustedCert]) -> anyhow::Result<(Vec<X509>, Vec<PathBuf>)> {
    let mut anchors = Vec::new();
    let mut files = Vec::new();
    for entry in entries {
        match entry {
            TrustedCert::System => {
                if let Some(found) = SYSTEM_CA_BUNDLES
                    .iter()
                    .map(Path::new)
                    .find(|p| p.is_file())
                {
                    anchors.extend(load_pem_file(found)?);
                    files.push(found.to_path_buf());
                }
            }
            TrustedCert::Path(path) => {
                anchors.extend(load_pem_file(path)?);
                files.push(path.clone());
            }
            TrustedCert::InlinePem(pem) => {
                anchors.extend(
                    X509::stack_from_pem(pem.as_bytes())
                        .context("inline PEM in lua_ssl_trusted_certificate does not parse")?,
                );
            }
        }
    }
    Ok((anchors, files))
}
