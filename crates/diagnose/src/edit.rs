//! A fix as data: the concrete change a finding calls for, computed from
//! what pgtls read (file, line, the value there now), how safe it is to
//! apply unattended (rustc's applicability vocabulary), and what must follow
//! for it to take effect. `pgtls fix` applies these; every command's JSON
//! carries them beside the fix text.

use std::path::PathBuf;

/// How safe an edit is to apply without a person looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Apply as is.
    MachineApplicable,
    /// Right in most setups; a person should look first.
    MaybeIncorrect,
    /// Holds a value only a person knows (`<...>`): never applied.
    HasPlaceholders,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "machine-applicable",
            Applicability::MaybeIncorrect => "maybe-incorrect",
            Applicability::HasPlaceholders => "has-placeholders",
        }
    }
}

/// What must follow an edit for it to take effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Then {
    None,
    /// `SELECT pg_reload_conf()`, `pg_ctl reload` or SIGHUP.
    Reload,
    /// The server must restart.
    Restart,
    /// The client must connect again (its own settings changed).
    Reconnect,
}

impl Then {
    pub fn as_str(self) -> &'static str {
        match self {
            Then::None => "none",
            Then::Reload => "reload",
            Then::Restart => "restart",
            Then::Reconnect => "reconnect",
        }
    }
}

/// The change itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditKind {
    /// `key = value` in postgresql.conf or kong.conf: the line that sets
    /// it now is replaced, or, when none does, a line is appended.
    Setting {
        file: PathBuf,
        /// The line that sets it now (1-based).
        line: Option<usize>,
        key: String,
        /// The value as written there now (None: not set).
        before: Option<String>,
        /// The value to write, as it goes in the file (quoted if needed).
        after: String,
    },
    /// `key = value` in an ini file (pgbouncer.ini), which knows no
    /// comment after a value: the line that sets it now (`line`) is
    /// replaced, with the old value on a comment line above; when none
    /// does, the line goes into `section` after line `after_line` (the
    /// section's last setting), or, without one, at the end under a new
    /// header.
    IniSetting {
        file: PathBuf,
        section: String,
        line: Option<usize>,
        after_line: Option<usize>,
        key: String,
        before: Option<String>,
        after: String,
    },
    /// A pg_hba.conf line: `before` at `line` replaced by `after`, or,
    /// without `before`, `after` inserted before `line` (appended when
    /// there is no line).
    HbaLine {
        file: PathBuf,
        line: Option<usize>,
        before: Option<String>,
        after: String,
    },
    /// A pg_ident.conf line, as [`EditKind::HbaLine`].
    IdentLine {
        file: PathBuf,
        line: Option<usize>,
        before: Option<String>,
        after: String,
    },
    /// A libpq connection keyword.
    Conninfo {
        key: String,
        before: Option<String>,
        after: String,
    },
    /// A file's owner, group and mode (a key is never rewritten).
    FileMode {
        file: PathBuf,
        owner: Option<String>,
        group: Option<String>,
        mode: Option<u32>,
    },
    /// A new file's whole content (a CA bundle, a completed chain; never a
    /// key).
    FileContent { file: PathBuf, content: String },
    /// A command only a person runs (issue a certificate, CREATE ROLE).
    Command { command: String },
}

impl EditKind {
    /// product.md's `kind`.
    pub fn name(&self) -> &'static str {
        match self {
            EditKind::Setting { .. } | EditKind::IniSetting { .. } => "setting",
            EditKind::HbaLine { .. } => "hba-line",
            EditKind::IdentLine { .. } => "ident-line",
            EditKind::Conninfo { .. } => "conninfo",
            EditKind::FileMode { .. } => "file-mode",
            EditKind::FileContent { .. } => "file-content",
            EditKind::Command { .. } => "command",
        }
    }

    /// The file it changes, if it changes one.
    pub fn file(&self) -> Option<&PathBuf> {
        match self {
            EditKind::Setting { file, .. }
            | EditKind::IniSetting { file, .. }
            | EditKind::HbaLine { file, .. }
            | EditKind::IdentLine { file, .. }
            | EditKind::FileMode { file, .. }
            | EditKind::FileContent { file, .. } => Some(file),
            EditKind::Conninfo { .. } | EditKind::Command { .. } => None,
        }
    }
}

/// One concrete change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub kind: EditKind,
    pub applicability: Applicability,
    pub then: Then,
}

impl Edit {
    /// A libpq connection keyword set to `after`; the client takes it when
    /// it next connects.
    pub fn conninfo(
        key: &str,
        before: Option<&str>,
        after: &str,
        applicability: Applicability,
    ) -> Edit {
        Edit::new(
            EditKind::Conninfo {
                key: key.into(),
                before: before.map(str::to_string),
                after: after.into(),
            },
            applicability,
            Then::Reconnect,
        )
    }

    pub fn new(kind: EditKind, applicability: Applicability, then: Then) -> Edit {
        let applicability = if kind_has_placeholder(&kind) {
            Applicability::HasPlaceholders
        } else {
            applicability
        };
        Edit {
            kind,
            applicability,
            then,
        }
    }
}

/// A value only a person knows is written `<like this>`.
fn kind_has_placeholder(kind: &EditKind) -> bool {
    let placeholder = |s: &str| s.contains('<') && s.contains('>');
    match kind {
        EditKind::Setting { after, .. }
        | EditKind::IniSetting { after, .. }
        | EditKind::HbaLine { after, .. }
        | EditKind::IdentLine { after, .. }
        | EditKind::Conninfo { after, .. } => placeholder(after),
        EditKind::FileContent { content, .. } => placeholder(content),
        EditKind::Command { .. } => true,
        EditKind::FileMode { .. } => false,
    }
}

/// PGTLS012's client-side edits: libpq verifies `host` and connects to
/// `hostaddr` when it is given, so a client that dials an address keeps
/// that address as `hostaddr` and names the certificate's first DNS name
/// as `host`. It needs a look (`--unsafe`): the name must be this
/// server's. A client that dials a name gets the certificate's name, which
/// must then resolve to the server. A certificate with no DNS name leaves
/// only the reissue.
pub fn dial_certificate_name(sans: &[String], host: &str, hostaddr: Option<&str>) -> Vec<Edit> {
    let Some(name) = sans.iter().find_map(|s| s.strip_prefix("DNS:")) else {
        return Vec::new();
    };
    if name.starts_with("*.") {
        return Vec::new();
    }
    let conninfo = |key: &str, before: Option<&str>, after: &str| {
        Edit::conninfo(key, before, after, Applicability::MaybeIncorrect)
    };
    // Without `host`, what libpq verifies is `hostaddr` itself.
    let host_given = hostaddr != Some(host);
    let mut edits = vec![conninfo("host", host_given.then_some(host), name)];
    if hostaddr.is_none() && host.parse::<std::net::IpAddr>().is_ok() {
        edits.push(conninfo("hostaddr", None, host));
    }
    edits
}

/// What the client's trust file makes of the server's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerTrust {
    /// The chain verifies; `names_host`: the certificate names the host
    /// the client dials.
    Verifies { names_host: bool },
    /// Nothing the client trusts verifies it (or there is no trust file).
    Unverified,
}

/// The sslmode [`insist_on_verified_tls`] gives, and how safe it is.
pub fn verified_sslmode(trust: ServerTrust) -> (&'static str, Applicability) {
    match trust {
        ServerTrust::Verifies { names_host: true } => {
            ("verify-full", Applicability::MachineApplicable)
        }
        ServerTrust::Verifies { names_host: false } => ("verify-ca", Applicability::MaybeIncorrect),
        ServerTrust::Unverified => ("verify-full", Applicability::HasPlaceholders),
    }
}

/// PGTLS021's libpq edits, from check and from the probe alike: a client
/// that may go on without TLS is made to insist on verified TLS.
/// `sslmode` builds the edit of that keyword where the client sets it
/// (each side knows its own origins). verify-full when the trust file
/// verifies the certificate and it names the host; verify-ca (a look
/// first: the host name then goes unchecked) when only the chain verifies;
/// otherwise verify-full with the CA file only a person can name, so that
/// neither is written alone (a verify-full with no CA would not connect).
pub fn insist_on_verified_tls(trust: ServerTrust, sslmode: impl FnOnce(&str) -> Edit) -> Vec<Edit> {
    let (value, applicability) = verified_sslmode(trust);
    let mut edit = sslmode(value);
    edit.applicability = edit.applicability.max(applicability);
    let mut edits = vec![edit];
    if trust == ServerTrust::Unverified {
        edits.push(Edit::conninfo(
            "sslrootcert",
            None,
            "<the file of the CA that issued the server's certificate>",
            Applicability::HasPlaceholders,
        ));
    }
    edits
}

/// The file OpenSSL reads as its default trust store in this
/// environment: the one its environment variable names (SSL_CERT_FILE, as
/// `X509_get_default_cert_file_env` says), else the one compiled in. What
/// libpq 16's `sslrootcert=system` loads, as far as one file can say it.
pub fn openssl_default_cert_file() -> PathBuf {
    // SAFETY: both return static NUL-terminated strings.
    let (var, compiled) = unsafe {
        (
            std::ffi::CStr::from_ptr(openssl_sys::X509_get_default_cert_file_env()),
            std::ffi::CStr::from_ptr(openssl_sys::X509_get_default_cert_file()),
        )
    };
    std::env::var_os(var.to_string_lossy().as_ref())
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(compiled.to_string_lossy().into_owned()))
}

/// PGTLS034 for `sslrootcert=system` before libpq 16, which reads it as a
/// file named `system`: what 16 means by it, spelled out for the older
/// libpq: the system's trust file and the verify-full that `system`
/// forces. `sslmode`: its value when the connection string sets it.
pub fn system_store_spelled_out(file: &std::path::Path, sslmode: Option<&str>) -> Vec<Edit> {
    let conninfo = |key: &str, before: Option<&str>, after: &str| {
        Edit::conninfo(key, before, after, Applicability::MachineApplicable)
    };
    let mut edits = vec![conninfo(
        "sslrootcert",
        Some("system"),
        &file.display().to_string(),
    )];
    if sslmode != Some("verify-full") {
        edits.push(conninfo("sslmode", sslmode, "verify-full"));
    }
    edits
}

/// PGTLS011's person's step: only the CA's holder can issue the client a
/// new certificate; what to issue, for which key, and where it goes.
pub fn renew_client_certificate(issuer: &str, subject: &str, key: &str, cert: &str) -> Edit {
    Edit::new(
        EditKind::Command {
            command: format!(
                "<have {issuer} issue a new client certificate (clientAuth) for {subject}, for the key in {key}> > {cert}"
            ),
        },
        Applicability::HasPlaceholders,
        Then::Reconnect,
    )
}

/// PGTLS006 seen from the client: the CA that issued its certificate
/// (`ca`: the file found for it, else what to look for) appended to the
/// server's ssl_ca_file, which only the server's side can name.
pub fn append_client_ca(ca: &str) -> Edit {
    Edit::new(
        EditKind::Command {
            command: format!("cat {ca} >> <ssl_ca_file of the server>"),
        },
        Applicability::HasPlaceholders,
        Then::Reload,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_commands_are_never_machine_applicable() {
        let e = Edit::new(
            EditKind::Conninfo {
                key: "sslrootcert".into(),
                before: None,
                after: "<the CA file>".into(),
            },
            Applicability::MachineApplicable,
            Then::Reconnect,
        );
        assert_eq!(e.applicability, Applicability::HasPlaceholders);
        let c = Edit::new(
            EditKind::Command {
                command: "CREATE ROLE kong LOGIN;".into(),
            },
            Applicability::MachineApplicable,
            Then::None,
        );
        assert_eq!(c.applicability, Applicability::HasPlaceholders);
        assert_eq!(c.kind.name(), "command");
    }

    #[test]
    fn a_fallback_client_verifies_only_what_its_trust_file_verifies() {
        let sslmode = |v: &str| {
            Edit::new(
                EditKind::Conninfo {
                    key: "sslmode".into(),
                    before: Some("prefer".into()),
                    after: v.into(),
                },
                Applicability::MachineApplicable,
                Then::Reconnect,
            )
        };
        let full = insist_on_verified_tls(ServerTrust::Verifies { names_host: true }, sslmode);
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].applicability, Applicability::MachineApplicable);
        let ca = insist_on_verified_tls(ServerTrust::Verifies { names_host: false }, sslmode);
        assert!(matches!(&ca[0].kind, EditKind::Conninfo { after, .. } if after == "verify-ca"));
        assert_eq!(ca[0].applicability, Applicability::MaybeIncorrect);
        let none = insist_on_verified_tls(ServerTrust::Unverified, sslmode);
        assert_eq!(none.len(), 2);
        assert!(none
            .iter()
            .all(|e| e.applicability == Applicability::HasPlaceholders));
    }
}
