//! A client whose key setting names a file that is not there
//! (PGTLS028) usually has the key beside its certificate under another
//! name. The key that belongs to the certificate is the one whose public
//! half is the certificate's: that is checked, never guessed from names,
//! and the key itself is only compared, never shown.

use std::path::{Path, PathBuf};

use openssl::pkey::PKey;
use openssl::x509::X509;
use pgtls_config::Source;

/// The file beside `cert` (`.key` or `.pem`, in name order) that holds the
/// unencrypted private key of the certificate in `cert`.
pub(super) fn key_of_certificate(source: &dyn Source, cert: &Path) -> Option<PathBuf> {
    let text = source.read(cert).ok()?;
    let leaf = X509::stack_from_pem(text.as_bytes())
        .ok()?
        .into_iter()
        .next()?;
    let public = leaf.public_key().ok()?;
    // An encrypted key needs its passphrase: not ours to ask for.
    super::files_beside(source, cert, &[".key", ".pem"])
        .into_iter()
        .filter(|p| p != cert)
        .find(|p| {
            source
                .read(p)
                .ok()
                .and_then(|pem| PKey::private_key_from_pem(pem.as_bytes()).ok())
                .is_some_and(|key| key.public_eq(&public))
        })
}
