//! Whether the server's account can reach and read a file, decided from
//! owners and permission bits along the whole path (the way the kernel
//! decides for a process that is not root), and the PEM contents PostgreSQL
//! and the clients load. Files are only ever read here, never opened for
//! writing, and an encrypted key is never decrypted (no passphrase is asked
//! for, no command is run).

use std::io;
use std::path::{Path, PathBuf};

use openssl::pkey::{PKey, Private};
use openssl::x509::{X509Crl, X509};
use pgtls_config::{FileInfo, FileKind, Source};

use super::accounts::Account;

const READ: u32 = 4;
const SEARCH: u32 = 1;

/// Whether `account` has the permission `bit` (4 read, 2 write, 1 search)
/// on a file with `info`, as the kernel decides for a non-root process.
pub fn permits(account: &Account, info: &FileInfo, bit: u32) -> bool {
    if account.uid == 0 {
        return true;
    }
    let shift = if info.uid == account.uid {
        6
    } else if account.in_group(info.gid) {
        3
    } else {
        0
    };
    (info.mode >> shift) & bit != 0
}

/// The outcome of opening a file as the server's account.
#[derive(Debug)]
pub enum Access {
    /// Reachable (and readable when reading was asked for).
    Ok(FileInfo),
    /// `No such file or directory` (or `Not a directory` on the way).
    Missing { not_a_directory: Option<PathBuf> },
    /// `Permission denied`: the directory the account cannot search, or
    /// `None` when the file itself is not readable.
    Denied {
        directory: Option<PathBuf>,
        info: Option<FileInfo>,
    },
    /// This process could not look (it is not root and lacks permission).
    Unknown(io::Error),
}

impl Access {
    /// The C library's word for the failure, as PostgreSQL prints `%m`.
    pub fn strerror(&self) -> &'static str {
        match self {
            Access::Ok(_) => "Success",
            Access::Missing {
                not_a_directory: Some(_),
            } => "Not a directory",
            Access::Missing { .. } => "No such file or directory",
            Access::Denied { .. } => "Permission denied",
            Access::Unknown(_) => "Permission denied",
        }
    }
}

/// Follows `path` from the root as `account` would: every directory on the
/// way must be searchable; with `read`, the file itself must be readable.
pub fn access(source: &dyn Source, path: &Path, account: &Account, read: bool) -> Access {
    let mut dirs: Vec<&Path> = path.ancestors().skip(1).collect();
    dirs.reverse();
    for dir in dirs {
        if dir.as_os_str().is_empty() {
            continue;
        }
        match source.metadata(dir) {
            Ok(info) if info.kind != FileKind::Dir => {
                return Access::Missing {
                    not_a_directory: Some(dir.to_path_buf()),
                }
            }
            Ok(info) => {
                if !permits(account, &info, SEARCH) {
                    return Access::Denied {
                        directory: Some(dir.to_path_buf()),
                        info: Some(info),
                    };
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Access::Missing {
                    not_a_directory: None,
                }
            }
            Err(e) => return Access::Unknown(e),
        }
    }
    match source.metadata(path) {
        Ok(info) => {
            if read && info.kind != FileKind::Dir && !permits(account, &info, READ) {
                Access::Denied {
                    directory: None,
                    info: Some(info),
                }
            } else {
                Access::Ok(info)
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Access::Missing {
            not_a_directory: None,
        },
        Err(e) if e.raw_os_error() == Some(20) => Access::Missing {
            not_a_directory: path.parent().map(Path::to_path_buf),
        },
        Err(e) => Access::Unknown(e),
    }
}

/// What a PEM file holds.
#[derive(Default)]
pub struct PemContents {
    /// Certificates, in file order.
    pub certs: Vec<X509>,
    /// Whether any private key block is present.
    pub has_private_key: bool,
    /// Whether the key block is encrypted.
    pub encrypted_key: bool,
    /// CRL blocks.
    pub crls: usize,
    /// Blocks that did not parse.
    pub bad_blocks: usize,
}

/// One `-----BEGIN X-----` ... `-----END X-----` block.
struct Block<'a> {
    label: &'a str,
    text: &'a str,
}

fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(i) = rest.find("-----BEGIN ") {
        let start = offset + i;
        let after = &text[start + 11..];
        let Some(j) = after.find("-----") else { break };
        let label = &after[..j];
        let end_marker = format!("-----END {label}-----");
        let Some(k) = text[start..].find(&end_marker) else {
            break;
        };
        let end = start + k + end_marker.len();
        out.push(Block {
            label,
            text: &text[start..end],
        });
        offset = end;
        rest = &text[end..];
    }
    out
}

/// Parses every PEM block of `text`.
pub fn pem_contents(text: &str) -> PemContents {
    let mut out = PemContents::default();
    for b in blocks(text) {
        match b.label {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                match X509::from_pem(b.text.as_bytes()) {
                    Ok(c) => out.certs.push(c),
                    Err(_) => out.bad_blocks += 1,
                }
            }
            "X509 CRL" => match X509Crl::from_pem(b.text.as_bytes()) {
                Ok(_) => out.crls += 1,
                Err(_) => out.bad_blocks += 1,
            },
            "ENCRYPTED PRIVATE KEY" => {
                out.has_private_key = true;
                out.encrypted_key = true;
            }
            l if l.ends_with("PRIVATE KEY") => {
                out.has_private_key = true;
                if b.text.contains("Proc-Type: 4,ENCRYPTED") {
                    out.encrypted_key = true;
                }
            }
            _ => {}
        }
    }
    out
}

/// A private key as OpenSSL's `PEM_read_bio_PrivateKey` would load it.
pub enum KeyLoad {
    Loaded(PKey<Private>),
    /// The key is protected by a passphrase (nothing was decrypted).
    Encrypted,
    /// No key could be read.
    Unreadable,
}

/// Loads the first private key of `text` without ever asking for a
/// passphrase.
pub fn load_key(text: &str) -> KeyLoad {
    let c = pem_contents(text);
    if c.encrypted_key {
        return KeyLoad::Encrypted;
    }
    let mut asked = false;
    match PKey::private_key_from_pem_callback(text.as_bytes(), |_buf| {
        asked = true;
        Ok(0)
    }) {
        Ok(k) => KeyLoad::Loaded(k),
        Err(_) if asked => KeyLoad::Encrypted,
        Err(_) => KeyLoad::Unreadable,
    }
}

/// SHA-256 of the DER public key, as colon-separated hex (what
/// `openssl pkey -pubout -outform DER | sha256sum` shows, with colons).
pub fn public_key_fingerprint<T: openssl::pkey::HasPublic>(key: &PKey<T>) -> String {
    match key.public_key_to_der() {
        Ok(der) => match openssl::hash::hash(openssl::hash::MessageDigest::sha256(), &der) {
            Ok(d) => d
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":"),
            Err(_) => String::from("?"),
        },
        Err(_) => String::from("?"),
    }
}

/// A path as a shell word: bare when it is made of safe characters,
/// single-quoted otherwise.
pub fn sh(path: &Path) -> String {
    let s = path.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A value as a postgresql.conf string literal.
pub fn conf_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(mode: u32, uid: u32, gid: u32) -> FileInfo {
        FileInfo {
            kind: FileKind::File,
            mode,
            uid,
            gid,
        }
    }

    #[test]
    fn permission_bits_as_the_kernel_reads_them() {
        let pg = Account {
            name: "postgres".into(),
            uid: 101,
            gid: 104,
            groups: vec![103],
        };
        assert!(permits(&pg, &info(0o600, 101, 0), READ));
        assert!(
            !permits(&pg, &info(0o060, 101, 104), READ),
            "owner bits decide for the owner"
        );
        assert!(permits(&pg, &info(0o640, 0, 104), READ));
        assert!(
            permits(&pg, &info(0o640, 0, 103), READ),
            "supplementary group"
        );
        assert!(!permits(&pg, &info(0o640, 0, 0), READ));
        assert!(permits(&pg, &info(0o644, 0, 0), READ));
        assert!(!permits(&pg, &info(0o700, 0, 0), SEARCH));
    }

    #[test]
    fn paths_are_followed_from_the_root() {
        let pg = Account {
            name: "postgres".into(),
            uid: 101,
            gid: 104,
            groups: vec![],
        };
        let src = pgtls_config::MemSource::new()
            .dir_owned("/root", 0o700, 0, 0)
            .file_owned("/root/server.crt", "x", 0o644, 0, 0)
            .file_owned("/etc/ssl/server.crt", "x", 0o644, 0, 0)
            .file_owned("/etc/ssl/server.key", "x", 0o600, 0, 0);
        let a = access(&src, Path::new("/root/server.crt"), &pg, true);
        assert!(
            matches!(a, Access::Denied { directory: Some(ref d), .. } if d == Path::new("/root")),
            "{a:?}"
        );
        assert!(matches!(
            access(&src, Path::new("/etc/ssl/server.crt"), &pg, true),
            Access::Ok(_)
        ));
        let a = access(&src, Path::new("/etc/ssl/server.key"), &pg, true);
        assert!(
            matches!(
                a,
                Access::Denied {
                    directory: None,
                    ..
                }
            ),
            "{a:?}"
        );
        assert!(matches!(
            access(&src, Path::new("/etc/ssl/server.key"), &pg, false),
            Access::Ok(_)
        ));
        let a = access(&src, Path::new("/etc/ssl/missing.crt"), &pg, true);
        assert_eq!(a.strerror(), "No such file or directory");
        let a = access(&src, Path::new("/etc/ssl/server.crt/x"), &pg, true);
        assert_eq!(a.strerror(), "Not a directory");
    }

    #[test]
    fn shell_words() {
        assert_eq!(
            sh(Path::new("/var/lib/pg/server.key")),
            "/var/lib/pg/server.key"
        );
        assert_eq!(sh(Path::new("/a b/it's")), "'/a b/it'\\''s'");
        assert_eq!(conf_quote("it's"), "'it''s'");
    }

    #[test]
    fn pem_blocks_are_told_apart() {
        let c = pem_contents("junk\n-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        assert!(c.has_private_key && c.encrypted_key);
        assert_eq!((c.certs.len(), c.bad_blocks), (0, 1));
        assert!(matches!(load_key("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"), KeyLoad::Encrypted));
        assert!(matches!(load_key("nothing"), KeyLoad::Unreadable));
    }
}
