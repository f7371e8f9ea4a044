//! A client whose key setting names a file that is not there
//! (PGTLS028) usually has the key beside its certificate under another
//! name. The key that belongs to the certificate is the one whose public
//! half is the certificate's: that is checked, never guessed from names,
//! and the key itself is only compared, never shown.

use std::path::{Path, PathBuf};

use openssl::pkey::PKey;
use openssl::x509::X509;
use pgtls_config::{FileKind, Source};

/// The file beside `cert` (`.key` or `.pem`, in name order) that holds the
/// unencrypted private key of the certificate in `cert`.
pub(super) fn key_of_certificate(source: &dyn Source, cert: &Path) -> Option<PathBuf> {
    let text = source.read(cert).ok()?;
    let leaf = X509::stack_from_pem(text.as_bytes())
        .ok()?
        .into_iter()
        .next()?;
    let public = leaf.public_key().ok()?;
    let dir = cert.parent()?;
    let mut entries = source.list_dir(dir).ok()?;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries.into_iter().find_map(|e| {
        let lower = e.name.to_ascii_lowercase();
        if !(lower.ends_with(".key") || lower.ends_with(".pem")) {
            return None;
        }
        let path = dir.join(&e.name);
        if path == cert {
            return None;
        }
        let meta = source.metadata(&path).ok()?;
        if meta.kind != FileKind::File {
            return None;
        }
        let pem = source.read(&path).ok()?;
        // An encrypted key needs its passphrase: not ours to ask for.
        let key = PKey::private_key_from_pem(pem.as_bytes()).ok()?;
        key.public_eq(&public).then_some(path)
    })
}
