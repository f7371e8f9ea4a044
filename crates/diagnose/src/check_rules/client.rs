//! The client's side and the cross-checks: Kong (kong.conf with `KONG_*`,
//! both of its socket paths, both editions) or libpq (a connection string
//! with the `PG*` environment), modelled as what it offers and trusts, then
//! held against the server's files step by step, the way the connection
//! goes: TLS or not, the version ranges, the server's chain against the
//! client's trust store and verify depth, the client certificate against
//! the server's `ssl_ca_file`, and the connection through pg_hba.conf and
//! pg_ident.conf.

use std::os::raw::{c_char, c_int, c_ulong};
use std::path::{Path, PathBuf};

use foreign_types::ForeignTypeRef;
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509NameRef, X509};
use pgtls_catalogue::Code;
use pgtls_config::kong::{self, KongOrigin, SYSTEM_CA_BUNDLES};
use pgtls_config::kong_client::{KongClient, KongPath, KongTls, KongTrustPart, KongVersions};
use pgtls_config::libpq::{self, ParamOrigin, SslMode};
use pgtls_config::libpq_client::LibpqClient;
use pgtls_config::{Diagnostic, FileKind, Source, TlsVersion};

use super::access::{
    access, conf_quote, load_key, pem_contents, public_key_fingerprint, sh, Access, KeyLoad,
};
use super::auth_methods::{self, Demands};
use super::conn::{
    evaluate, failure_finding, ClientHints, MatchHost, MatchedLine, Query, SentCert,
};
use super::server::setting_edit;
use super::{
    evidence, new_finding, CheckError, CheckInput, ClientInput, ConnectionPrediction, KongEdition,
    Output, ServerFacts, Stage,
};
use crate::certinfo::{common_name, completing_intermediate, describe, verify_chain, Verdict};
use crate::edit::{insist_on_verified_tls, Applicability, Edit, EditKind, ServerTrust, Then};
use crate::finding::Finding;
use crate::text::CheckClientText;
use crate::trust::{load_kong_trust, TrustError, TrustFile};
use crate::verify_result::ChainRejection;

/// How the client uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsUse {
    /// Never asks for TLS.
    Off,
    /// Asks, continues in plaintext when the server says no.
    Opportunistic,
    /// TLS or nothing.
    Required,
}

/// One way the client negotiates TLS (Kong has two).
struct TlsPath {
    name: String,
    versions: Vec<TlsVersion>,
    /// The setting that decides `versions`, with where it came from.
    versions_setting: String,
    /// Where that setting is (file:line, environment variable, default).
    versions_origin: String,
    /// OpenSSL verify depth; `None`: OpenSSL's default (100).
    depth: Option<u32>,
    /// Kong's cosocket verifies after the handshake and reports OpenSSL's
    /// last error, not its first.
    after_handshake: bool,
    /// What a fix changes to make this path offer other versions.
    knob: VersionKnob,
}

/// The setting that decides a path's TLS versions, as a fix edits it.
enum VersionKnob {
    /// Kong's `lua_ssl_protocols` (the cosocket path): versions by name.
    KongProtocols {
        origin: KongOrigin,
        conf: Option<PathBuf>,
    },
    /// Kong Enterprise's `pg_ssl_version` (the LuaSec path): one keyword.
    KongSslVersion {
        origin: KongOrigin,
        conf: Option<PathBuf>,
        current: &'static str,
    },
    /// libpq's `ssl_min_protocol_version`/`ssl_max_protocol_version`.
    Libpq {
        min: Option<TlsVersion>,
        max: Option<TlsVersion>,
    },
    /// Nothing a setting can change (open-source Kong's LuaSec path).
    None,
}

impl VersionKnob {
    /// The edits that make the path offer `target` (versions the server
    /// allows, TLS 1.2 and up, lowest first).
    fn edits(&self, before: &[TlsVersion], target: &[TlsVersion]) -> Vec<Edit> {
        let (Some(&low), Some(&high)) = (target.first(), target.last()) else {
            return Vec::new();
        };
        match self {
            VersionKnob::KongProtocols { origin, conf } => {
                let list = |v: &[TlsVersion]| {
                    v.iter()
                        .map(|v| v.report_name())
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                kong_setting_edit(
                    origin,
                    conf.as_deref(),
                    "lua_ssl_protocols",
                    &list(before),
                    &list(target),
                )
                .into_iter()
                .collect()
            }
            VersionKnob::KongSslVersion {
                origin,
                conf,
                current,
            } => {
                let keyword = if target.len() > 1 {
                    "any"
                } else if low == TlsVersion::Tls1_3 {
                    "tlsv1_3"
                } else {
                    "tlsv1_2"
                };
                kong_setting_edit(origin, conf.as_deref(), "pg_ssl_version", current, keyword)
                    .into_iter()
                    .collect()
            }
            VersionKnob::Libpq { min, max } => {
                let mut edits = Vec::new();
                let conninfo = |key: &str, before: Option<TlsVersion>, after: TlsVersion| {
                    Edit::new(
                        EditKind::Conninfo {
                            key: key.to_string(),
                            before: before.map(|v| v.pg_name().to_string()),
                            after: after.pg_name().to_string(),
                        },
                        Applicability::MachineApplicable,
                        Then::Reconnect,
                    )
                };
                // The smallest change: the bound that keeps the ranges apart
                // moves to the server's side, the other stays.
                if before.first().is_none_or(|b| *b > high) {
                    edits.push(conninfo("ssl_min_protocol_version", *min, low));
                }
                if before.last().is_none_or(|b| *b < low) {
                    edits.push(conninfo("ssl_max_protocol_version", *max, high));
                }
                edits
            }
            VersionKnob::None => Vec::new(),
        }
    }
}

struct ClientCertFiles {
    cert: PathBuf,
    cert_origin: String,
    key: PathBuf,
    key_origin: String,
}

/// A client's settings, normalised.
struct Model {
    name: String,
    is_kong: bool,
    client: Option<MatchHost>,
    client_assumed: bool,
    user: String,
    user_origin: String,
    database: String,
    tls: TlsUse,
    tls_setting: String,
    /// Where the setting that decides TLS use is.
    tls_origin: String,
    paths: Vec<TlsPath>,
    verify: bool,
    verify_setting: String,
    /// The trust anchors, when loaded.
    anchors: Option<Vec<X509>>,
    trust_setting: String,
    trust_file: Option<PathBuf>,
    depth_setting: Option<String>,
    /// Where `lua_ssl_verify_depth` is set now, and the kong.conf given, so
    /// a fix can edit it.
    depth_edit_target: Option<(KongOrigin, Option<PathBuf>)>,
    cert_files: Option<ClientCertFiles>,
    /// Where the client is told which certificate to send (None: it
    /// cannot send one, open-source Kong).
    cert_setting: Option<CertSetting>,
    /// A client-side refusal before any connection (code, message).
    refused: Option<Code>,
    hints: ClientHints,
    /// libpq verify-full: the host name the certificate must name.
    verify_host: Option<String>,
    /// libpq's `hostaddr`, when given: where it connects, whatever `host`
    /// names.
    hostaddr: Option<String>,
    /// libpq `allow`: plaintext first.
    plaintext_first: bool,
    /// What makes the client insist on TLS (PGTLS021), by client.
    insist: Insist,
    /// What libpq 16+ demands of the server's authentication.
    demands: Option<Demands>,
}

/// How a client is made to insist on verified TLS (PGTLS021's edits).
enum Insist {
    /// libpq: `sslmode` as it is now (None: not in the connection string;
    /// the connection string overrides PGSSLMODE) and the host it dials.
    Libpq {
        sslmode: Option<String>,
        host: Option<String>,
    },
    /// Kong: the kong.conf given, and where `pg_ssl`, `pg_ssl_required`
    /// (Enterprise only) and `pg_ssl_verify` are set now, with their values.
    Kong {
        conf: Option<PathBuf>,
        ssl: (KongOrigin, bool),
        required: Option<(KongOrigin, bool)>,
        verify: (KongOrigin, bool),
    },
}

/// Where a client's certificate and key are set.
enum CertSetting {
    /// sslcert and sslkey in the connection string.
    Libpq,
    /// pg_ssl_cert and pg_ssl_cert_key (Kong Enterprise): where each is set
    /// now and its value, and the kong.conf given.
    Kong {
        conf: Option<PathBuf>,
        cert: (KongOrigin, String),
        key: (KongOrigin, String),
    },
}

impl CertSetting {
    /// The edits that make the client send `cert` with `key`.
    fn edits(&self, cert: &str, key: &str, applicability: Applicability) -> Vec<Edit> {
        let mut out = match self {
            CertSetting::Libpq => [("sslcert", cert), ("sslkey", key)]
                .into_iter()
                .map(|(k, v)| {
                    Edit::new(
                        EditKind::Conninfo {
                            key: k.to_string(),
                            before: None,
                            after: v.to_string(),
                        },
                        Applicability::MachineApplicable,
                        Then::Reconnect,
                    )
                })
                .collect(),
            CertSetting::Kong {
                conf,
                cert: (cert_origin, cert_before),
                key: (key_origin, key_before),
            } => [
                ("pg_ssl_cert", cert_origin, cert_before, cert),
                ("pg_ssl_cert_key", key_origin, key_before, key),
            ]
            .into_iter()
            .filter_map(|(k, origin, before, after)| {
                kong_setting_edit(origin, conf.as_deref(), k, before, after)
            })
            .collect::<Vec<_>>(),
        };
        for e in &mut out {
            e.applicability = e.applicability.max(applicability);
        }
        out
    }
}

/// PGTLS008: a certificate the client could send, found beside its trust
/// file: its first certificate is no CA, names the user as its CN, chains
/// to the server's ssl_ca_file and is valid now, and a key of the same
/// name (`.key`) beside it pairs with it.
fn fitting_client_cert(
    source: &dyn Source,
    facts: &ServerFacts,
    model: &Model,
) -> Option<(PathBuf, PathBuf)> {
    let ca = facts.ca.as_ref()?;
    let dir = model.trust_file.as_ref()?.parent()?;
    let mut entries = source.list_dir(dir).ok()?;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    for e in entries {
        let lower = e.name.to_ascii_lowercase();
        let Some(stem) = [".crt", ".pem", ".cer"]
            .iter()
            .find(|x| lower.ends_with(*x))
            .map(|x| &e.name[..e.name.len() - x.len()])
        else {
            continue;
        };
        let path = dir.join(&e.name);
        let Ok(text) = source.read(&path) else {
            continue;
        };
        let c = pem_contents(&text);
        let Some(leaf) = c.certs.first() else {
            continue;
        };
        if c.has_private_key
            || describe(leaf, 0).is_ca
            || common_name(leaf).as_deref() != Some(model.user.as_str())
            || !verify_chain(&c.certs, ca, None).is_ok_and(|v| v.ok)
        {
            continue;
        }
        let key_path = dir.join(format!("{stem}.key"));
        let Ok(key_text) = source.read(&key_path) else {
            continue;
        };
        if let KeyLoad::Loaded(key) = load_key(&key_text) {
            if leaf.public_key().is_ok_and(|p| p.public_eq(&key)) {
                return Some((path, key_path));
            }
        }
    }
    None
}

fn kong_origin(o: &KongOrigin) -> String {
    o.to_string()
}

/// The edit that sets a kong.conf setting: the line that sets it, or a
/// line added to the kong.conf given; for an environment variable, the
/// `export` a person runs. Kong reads kong.conf when it starts.
pub(super) fn kong_setting_edit(
    origin: &KongOrigin,
    conf: Option<&Path>,
    key: &str,
    before: &str,
    after: &str,
) -> Option<Edit> {
    let kind = match origin {
        KongOrigin::File(loc) => EditKind::Setting {
            file: loc.file.to_path_buf(),
            line: Some(loc.line),
            key: key.to_string(),
            before: Some(before.to_string()),
            after: after.to_string(),
        },
        KongOrigin::Default => EditKind::Setting {
            file: conf?.to_path_buf(),
            line: None,
            key: key.to_string(),
            before: None,
            after: after.to_string(),
        },
        KongOrigin::Env(var) => EditKind::Command {
            command: format!("export {var}={after}"),
        },
    };
    Some(Edit::new(
        kind,
        Applicability::MachineApplicable,
        Then::Restart,
    ))
}

/// PGTLS006: the CA certificates that complete the client certificate's
/// chain up to a self-signed root, found in the client's own certificate
/// file, its trust file, or the certificate files beside its certificate;
/// as the server's ssl_ca_file with them appended (the edit) and the files
/// they came from. None when the server's CA file cannot be read or no
/// complete chain is found.
fn ca_file_addition(
    source: &dyn Source,
    facts: &ServerFacts,
    model: &Model,
    certs: &[X509],
) -> Option<(Edit, Vec<String>)> {
    let ca_file = facts.ca_file.as_ref()?;
    let files = model.cert_files.as_ref()?;
    let old = source.read(ca_file).ok()?;
    let mut candidates: Vec<(X509, String)> = Vec::new();
    let add_file = |path: &Path, candidates: &mut Vec<(X509, String)>| {
        let Ok(text) = source.read(path) else {
            return;
        };
        let c = pem_contents(&text);
        if c.has_private_key {
            return;
        }
        for cert in c.certs {
            candidates.push((cert, path.display().to_string()));
        }
    };
    add_file(&files.cert, &mut candidates);
    if let Some(t) = &model.trust_file {
        add_file(t, &mut candidates);
    }
    for path in super::files_beside(source, &files.cert, &[".crt", ".pem", ".cer"]) {
        add_file(&path, &mut candidates);
    }
    let signed_by = |child: &X509, ca: &X509| {
        child.issuer_name().to_der().ok() == ca.subject_name().to_der().ok()
            && ca
                .public_key()
                .ok()
                .is_some_and(|k| child.verify(&k).unwrap_or(false))
    };
    let mut added: Vec<(X509, String)> = Vec::new();
    let mut current = certs.first()?.clone();
    for _ in 0..8 {
        let (ca, from) = candidates
            .iter()
            .find(|(c, _)| signed_by(&current, c))?
            .clone();
        let root = signed_by(&ca, &ca);
        added.push((ca.clone(), from));
        if root {
            break;
        }
        current = ca;
    }
    let last = added.last()?;
    if !signed_by(&last.0, &last.0) {
        return None;
    }
    let mut content = old.clone();
    if !content.is_empty() && !content.ends_with('\n') {
        content.push('\n');
    }
    for (ca, _) in &added {
        // Already there: nothing to add (a root the server has).
        let der = ca.to_der().ok()?;
        if pem_contents(&old)
            .certs
            .iter()
            .any(|c| c.to_der().ok().as_deref() == Some(der.as_slice()))
        {
            continue;
        }
        content.push_str(&String::from_utf8_lossy(&ca.to_pem().ok()?));
    }
    if content == old {
        return None;
    }
    let mut found: Vec<String> = added.into_iter().map(|(_, p)| p).collect();
    found.dedup();
    Some((
        Edit::new(
            EditKind::FileContent {
                file: ca_file.clone(),
                content,
            },
            Applicability::MaybeIncorrect,
            Then::Reload,
        ),
        found,
    ))
}

/// PGTLS019 names no file of its own: the server side cannot know which
/// CA issues client certificates. The client's side can: when its
/// certificate's issuer is in a file pgtls read (the client's trust file,
/// which often holds the one CA of a private PKI) and the server's account
/// can read that file, the placeholder becomes that file. It needs a look
/// (`--unsafe`): other clients' CAs must be in the file too.
fn complete_ca_file_edit(
    source: &dyn Source,
    facts: &ServerFacts,
    model: &Model,
    out: &mut Output,
) {
    let (Some(files), Some(trust), Some(conf), Some(tls)) = (
        &model.cert_files,
        &model.trust_file,
        &facts.conf,
        &facts.tls,
    ) else {
        return;
    };
    let Ok(text) = source.read(&files.cert) else {
        return;
    };
    let Some(leaf) = X509::stack_from_pem(text.as_bytes())
        .ok()
        .and_then(|c| c.into_iter().next())
    else {
        return;
    };
    let Ok(trust_text) = source.read(trust) else {
        return;
    };
    let issued_by = |ca: &X509| {
        ca.public_key()
            .ok()
            .is_some_and(|k| leaf.verify(&k).unwrap_or(false))
    };
    let has_issuer = X509::stack_from_pem(trust_text.as_bytes())
        .map(|cas| cas.iter().any(issued_by))
        .unwrap_or(false);
    if !has_issuer {
        return;
    }
    if let Some(account) = &facts.account {
        if !matches!(access(source, trust, account, true), Access::Ok(_)) {
            return;
        }
    }
    let edit = setting_edit(
        conf,
        &tls.ca_file.origin,
        "ssl_ca_file",
        &conf_quote(&trust.display().to_string()),
        Applicability::MaybeIncorrect,
        Then::Reload,
    );
    for cf in out
        .findings
        .iter_mut()
        .filter(|f| f.finding.code() == Code::RootStoreMissingForCertAuth.as_str())
    {
        cf.finding
            .edits
            .retain(|e| !matches!(&e.kind, EditKind::Setting { key, .. } if key == "ssl_ca_file"));
        cf.finding.edits.push(edit.clone());
        cf.finding.fix.insert(
            0,
            CheckClientText::SetCaFileToClientTrust {
                value: &conf_quote(&trust.display().to_string()),
                client: &model.name,
            }
            .into(),
        );
    }
}

fn libpq_origin(o: &ParamOrigin) -> String {
    match o {
        ParamOrigin::ConnString => String::from("connection string"),
        ParamOrigin::Env(v) => format!("environment variable {v}"),
        ParamOrigin::Default => String::from("default"),
    }
}

fn names(v: &[TlsVersion]) -> String {
    if v.is_empty() {
        return String::from("none");
    }
    v.iter().map(|v| v.pg_name()).collect::<Vec<_>>().join(" ")
}

const XN_FLAG_RFC2253: c_ulong = 0x0111_0317;

/// The subject DN as PostgreSQL shows it for `clientname=DN`
/// (`X509_NAME_print_ex` with `XN_FLAG_RFC2253`).
pub(crate) fn rfc2253(name: &X509NameRef) -> Option<String> {
    extern "C" {
        fn X509_NAME_print_ex(
            out: *mut openssl_sys::BIO,
            nm: *const openssl_sys::X509_NAME,
            indent: c_int,
            flags: c_ulong,
        ) -> c_int;
    }
    // SAFETY: the BIO is created, written and freed here; the name pointer
    // is valid for the lifetime of `name`; the memory BIO's buffer is copied
    // before the BIO is freed.
    unsafe {
        let bio = openssl_sys::BIO_new(openssl_sys::BIO_s_mem());
        if bio.is_null() {
            return None;
        }
        let n = X509_NAME_print_ex(bio, name.as_ptr(), 0, XN_FLAG_RFC2253);
        let mut ptr: *mut c_char = std::ptr::null_mut();
        let len = openssl_sys::BIO_get_mem_data(bio, &mut ptr);
        let out = if n >= 0 && len >= 0 && !ptr.is_null() {
            let bytes = std::slice::from_raw_parts(ptr.cast::<u8>(), len as usize);
            Some(String::from_utf8_lossy(bytes).into_owned())
        } else {
            None
        };
        openssl_sys::BIO_free_all(bio);
        out
    }
}

/// Loads a trust store file for a client: PGTLS018 when it cannot serve.
/// The file OpenSSL reads as the system's trust store: SSL_CERT_FILE, else
/// the first of the usual distribution bundles that exists.
fn system_store(source: &dyn Source) -> Option<PathBuf> {
    let from_env = std::env::var_os("SSL_CERT_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    from_env
        .into_iter()
        .chain(
            [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/pki/tls/certs/ca-bundle.crt",
                "/etc/ssl/cert.pem",
            ]
            .map(PathBuf::from),
        )
        .find(|p| source.metadata(p).is_ok())
}

fn load_trust_file(
    source: &dyn Source,
    path: &Path,
    setting: &str,
    location: &str,
    client: &str,
    out: &mut Output,
) -> Option<Vec<X509>> {
    judge_trust_file(
        TrustFile::read(source, path),
        path,
        setting,
        location,
        client,
        out,
    )
}

/// A trust file as the client loads it at start: its certificates, or a
/// finding when the client refuses it.
fn judge_trust_file(
    file: TrustFile,
    path: &Path,
    setting: &str,
    location: &str,
    client: &str,
    out: &mut Output,
) -> Option<Vec<X509>> {
    let problem = file.errors.iter().find_map(|e| match e {
        TrustError::Unreadable(e) => Some(format!("{}: {}", path.display(), super::strerror(e))),
        TrustError::Directory => Some(format!("{} is a directory", path.display())),
        TrustError::PrivateKey => Some(format!("{} holds a private key", path.display())),
        TrustError::NoCertificate => Some(format!("{} holds no PEM certificate", path.display())),
        TrustError::NoCa(subjects) => Some(format!(
            "{} holds no CA certificate (only {})",
            path.display(),
            subjects.join("; ")
        )),
        // The certificates that parse are loaded; a broken block is passed over.
        TrustError::BadPem(_) => None,
    });
    if problem.is_none() {
        return Some(file.certs);
    }
    if let Some(p) = problem {
        let mut f = new_finding(Code::TrustStoreInvalid);
        f.target = Some(client.to_string());
        f.evidence.push(evidence(
            format!("{setting} = {}", path.display()),
            location.to_string(),
        ));
        f.evidence.push(evidence(p, path.display().to_string()));
        f.fix
            .push(CheckClientText::PointTrustSettingAtCa { setting }.into());
        out.push(f, Stage::Client);
    }
    None
}

/// One of Kong's paths as check holds it against the server.
fn kong_path(
    name: &str,
    path: &KongPath,
    conf_path: Option<&Path>,
    ssl_version_origin: &KongOrigin,
    at: &dyn Fn(&KongOrigin) -> String,
) -> TlsPath {
    let conf = conf_path.map(Path::to_path_buf);
    let (label, versions_setting, versions_origin, knob) = match &path.versions_from {
        KongVersions::LuaSslProtocols { origin, written } => (
            "cosocket path: Kong CLI 3.5+",
            format!(
                "lua_ssl_protocols = {} ({})",
                names(written),
                kong_origin(origin)
            ),
            at(origin),
            VersionKnob::KongProtocols {
                origin: origin.clone(),
                conf,
            },
        ),
        KongVersions::PgSslVersion { keyword, origin } => (
            "LuaSec path: nginx init",
            format!("pg_ssl_version = {keyword} ({})", kong_origin(origin)),
            at(origin),
            VersionKnob::KongSslVersion {
                origin: origin.clone(),
                conf,
                current: keyword,
            },
        ),
        KongVersions::PgmoonDefault => (
            "LuaSec path: nginx init",
            String::from("pgmoon's default (TLS 1.1 and up)"),
            at(ssl_version_origin),
            VersionKnob::None,
        ),
    };
    TlsPath {
        name: format!("{name} ({label})"),
        versions: path.versions.clone(),
        versions_setting,
        versions_origin,
        depth: path.depth.as_ref().map(|d| d.value),
        after_handshake: path.verifies_after_handshake,
        knob,
    }
}

fn kong_model(
    source: &dyn Source,
    conf_path: Option<&Path>,
    env: &[(String, String)],
    edition: Option<KongEdition>,
    version: &'static kong::KongDefaults,
    input: &CheckInput,
    out: &mut Output,
) -> Result<Model, CheckError> {
    let kong = KongClient::load(source, conf_path, env, edition, version).map_err(|e| {
        CheckError::Read {
            path: conf_path.map(Path::to_path_buf).unwrap_or_default(),
            source: e,
        }
    })?;
    let conf = &kong.conf;
    for d in &conf.diagnostics {
        out.problem(d.clone());
    }
    let enterprise = kong.enterprise();
    let pg = &conf.pg;
    let name = if enterprise {
        String::from("Kong Enterprise")
    } else {
        String::from("Kong")
    };
    if !enterprise && !conf.enterprise_options.is_empty() {
        let keys: Vec<String> = conf
            .enterprise_options
            .iter()
            .map(|o| format!("{} ({})", o.key, o.origin))
            .collect();
        out.problem(Diagnostic::warning(
            None,
            format!(
                "open-source Kong ignores {}: no client certificate is sent, pg_ssl_required and pg_ssl_version have no effect",
                keys.join(", ")
            ),
        ));
    }
    let tls = match kong.tls {
        KongTls::Off => TlsUse::Off,
        KongTls::Opportunistic => TlsUse::Opportunistic,
        KongTls::Required => TlsUse::Required,
    };
    // A default is decided by kong.conf as a whole: name the file.
    let at = |o: &KongOrigin| match (o, conf_path) {
        (KongOrigin::Default, Some(p)) => p.display().to_string(),
        _ => kong_origin(o),
    };
    let tls_origin = at(&pg.ssl.origin);
    let tls_setting = format!(
        "pg_ssl = {} ({}), pg_ssl_required = {} ({})",
        if pg.ssl.value { "on" } else { "off" },
        kong_origin(&pg.ssl.origin),
        if pg.ssl_required.value { "on" } else { "off" },
        kong_origin(&pg.ssl_required.origin),
    );
    let paths = [&kong.cosocket, &kong.luasec]
        .into_iter()
        .map(|path| kong_path(&name, path, conf_path, &pg.ssl_version.origin, &at))
        .collect();

    // lua_ssl_trusted_certificate is loaded when nginx starts, whether or
    // not pg_ssl_verify uses it.
    let trust_loc = kong_origin(&conf.lua_ssl_trusted_certificate.origin);
    let mut anchors: Vec<X509> = Vec::new();
    let mut trust_ok = true;
    let mut trust_file = None;
    for entry in load_kong_trust(&kong, source) {
        match entry.part {
            KongTrustPart::File { path, system } => {
                let setting = if system {
                    "lua_ssl_trusted_certificate (system)"
                } else {
                    trust_file.get_or_insert_with(|| path.to_path_buf());
                    "lua_ssl_trusted_certificate"
                };
                match judge_trust_file(entry.file, path, setting, &trust_loc, &name, out) {
                    Some(c) => anchors.extend(c),
                    None => trust_ok = false,
                }
            }
            KongTrustPart::SystemMissing => {
                out.note(
                    None,
                    format!(
                        "lua_ssl_trusted_certificate = system ({trust_loc}): none of {} exists here; Kong skips the entry",
                        SYSTEM_CA_BUNDLES.join(", ")
                    ),
                );
            }
            KongTrustPart::Inline(_) => {
                if entry.file.certs.is_empty() {
                    trust_ok = false;
                    let mut f = new_finding(Code::TrustStoreInvalid);
                    f.target = Some(name.clone());
                    f.evidence.push(evidence(
                        "lua_ssl_trusted_certificate holds an inline value with no certificate",
                        trust_loc.clone(),
                    ));
                    out.push(f, Stage::Client);
                } else {
                    anchors.extend(entry.file.certs);
                }
            }
        }
    }

    let cert = &kong.client_cert;
    let cert_files = match (&cert.cert.value, &cert.key.value) {
        (Some(c), Some(k)) if cert.sent() => Some(ClientCertFiles {
            cert: c.clone(),
            cert_origin: format!("pg_ssl_cert ({})", kong_origin(&cert.cert.origin)),
            key: k.clone(),
            key_origin: format!("pg_ssl_cert_key ({})", kong_origin(&cert.key.origin)),
        }),
        _ => {
            if cert.half_set() {
                out.problem(Diagnostic::warning(
                    None,
                    "Kong sends a client certificate only when both pg_ssl_cert and pg_ssl_cert_key are set",
                ));
            }
            None
        }
    };
    let (client, client_assumed) = client_address(&pg.host.value, input);
    let shown = |v: &Option<PathBuf>| {
        v.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let cert_setting = enterprise.then(|| CertSetting::Kong {
        conf: conf_path.map(Path::to_path_buf),
        cert: (pg.ssl_cert.origin.clone(), shown(&pg.ssl_cert.value)),
        key: (
            pg.ssl_cert_key.origin.clone(),
            shown(&pg.ssl_cert_key.value),
        ),
    });
    Ok(Model {
        name: name.clone(),
        is_kong: true,
        client,
        client_assumed,
        user: pg.user.value.clone(),
        user_origin: kong_origin(&pg.user.origin),
        database: pg.database.value.clone(),
        tls,
        tls_setting,
        tls_origin,
        paths,
        verify: kong.verifies(),
        verify_setting: format!(
            "pg_ssl_verify = {} ({})",
            if pg.ssl_verify.value { "on" } else { "off" },
            kong_origin(&pg.ssl_verify.origin)
        ),
        anchors: trust_ok.then_some(anchors),
        trust_setting: format!("lua_ssl_trusted_certificate ({trust_loc})"),
        trust_file,
        depth_setting: Some(kong_origin(&conf.lua_ssl_verify_depth.origin)),
        depth_edit_target: Some((
            conf.lua_ssl_verify_depth.origin.clone(),
            conf_path.map(Path::to_path_buf),
        )),
        cert_files,
        cert_setting,
        refused: None,
        hints: ClientHints {
            name,
            send_cert: if enterprise {
                CheckClientText::KongSendCertEnterprise.into()
            } else {
                CheckClientText::KongOpenSourceSendsNoCert.into()
            },
            use_tls: CheckClientText::KongTurnTlsOn.into(),
        },
        verify_host: None,
        insist: Insist::Kong {
            conf: conf_path.map(Path::to_path_buf),
            ssl: (pg.ssl.origin.clone(), pg.ssl.value),
            required: enterprise.then(|| (pg.ssl_required.origin.clone(), pg.ssl_required.value)),
            verify: (pg.ssl_verify.origin.clone(), pg.ssl_verify.value),
        },
        demands: None,
        hostaddr: None,
        plaintext_first: false,
    })
}

/// The address the server sees for a client dialling `host`.
fn client_address(host: &str, input: &CheckInput) -> (Option<MatchHost>, bool) {
    if let Some(a) = input.client_addr {
        return (Some(MatchHost::Ip(a)), false);
    }
    if host.starts_with('/') || host.starts_with('@') {
        return (Some(MatchHost::Local), false);
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) if ip.is_loopback() => (Some(MatchHost::Ip(ip)), false),
        _ if host == "localhost" => (
            Some(MatchHost::Ip(std::net::IpAddr::V4(
                std::net::Ipv4Addr::LOCALHOST,
            ))),
            true,
        ),
        _ => (None, true),
    }
}

/// libpq's root certificate: the system's store (`sslrootcert=system`
/// from 16), a file named `system` before 16, or the file, required when
/// libpq verifies. Sets `refused` when libpq stops before connecting.
fn libpq_trust(
    source: &dyn Source,
    libpq: &LibpqClient,
    tls: TlsUse,
    verify: bool,
    trust_loc: &str,
    out: &mut Output,
    refused: &mut Option<Code>,
) -> Option<Vec<X509>> {
    let mut anchors = None;
    let name = "libpq";
    let root = libpq.conn.sslrootcert.as_ref().map(|p| p.value.clone());
    let mode = libpq.mode();
    let named_system = libpq.root_named_system();
    if libpq.trusts_system() && tls != TlsUse::Off {
        // libpq 16's sslrootcert=system: the operating system's store.
        match system_store(source) {
            Some(p) => {
                match load_trust_file(source, &p, "sslrootcert=system", trust_loc, name, out) {
                    Some(c) => anchors = Some(c),
                    None => *refused = Some(Code::TrustStoreInvalid),
                }
            }
            None => {
                *refused = Some(Code::TrustStoreInvalid);
                let mut f = new_finding(Code::TrustStoreInvalid);
                f.target = Some(name.to_string());
                f.evidence.push(evidence(
                    "sslrootcert=system, and no system trust store was found (SSL_CERT_FILE, /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt)",
                    trust_loc.to_string(),
                ));
                f.fix.push(CheckClientText::InstallSystemCas.into());
                out.push(f, Stage::Client);
            }
        }
    } else if named_system
        && verify
        && tls != TlsUse::Off
        && source.metadata(Path::new("system")).is_err()
    {
        // Before 16, libpq looks for a file named `system`.
        *refused = Some(Code::LibpqTooOld);
        let mut f = new_finding(Code::LibpqTooOld);
        f.target = Some(name.to_string());
        f.evidence.push(evidence(
            "sslrootcert=system".to_string(),
            trust_loc.to_string(),
        ));
        f.facts.insert("option".into(), "sslrootcert=system".into());
        f.reading = Some(
            CheckClientText::SslrootcertSystemTooOld {
                libpq_major: libpq.conn.libpq_major,
            }
            .into(),
        );
        f.fix.push(CheckClientText::UseLibpq16OrCaFile.into());
        // What 16 would load in this environment, when it is there.
        let file = crate::edit::openssl_default_cert_file();
        if source.metadata(&file).is_ok() {
            let sslmode =
                (libpq.conn.sslmode.origin == ParamOrigin::ConnString).then(|| mode.keyword());
            f.edits = crate::edit::system_store_spelled_out(&file, sslmode);
        }
        out.push(f, Stage::Client);
    } else if verify && tls != TlsUse::Off {
        match &root {
            Some(p) if source.metadata(p).is_err() => {
                *refused = Some(Code::TrustStoreInvalid);
                let mut f = new_finding(Code::TrustStoreInvalid);
                f.target = Some(name.to_string());
                f.evidence.push(evidence(
                    format!("sslrootcert={}", p.display()),
                    trust_loc.to_string(),
                ));
                f.evidence.push(evidence(
                    "No such file or directory",
                    p.display().to_string(),
                ));
                f.reading = Some(CheckClientText::RootCertFileMissing { path: p }.into());
                f.fix.push(CheckClientText::GiveSslrootcert.into());
                out.push(f, Stage::Client);
            }
            Some(p) => match load_trust_file(source, p, "sslrootcert", trust_loc, name, out) {
                Some(c) => anchors = Some(c),
                None => *refused = Some(Code::TrustStoreInvalid),
            },
            None => {
                *refused = Some(Code::TrustStoreInvalid);
                let mut f = new_finding(Code::TrustStoreInvalid);
                f.target = Some(name.to_string());
                f.evidence.push(evidence(
                    format!(
                        "sslmode={} without sslrootcert and without a home directory",
                        mode.keyword()
                    ),
                    trust_loc.to_string(),
                ));
                out.push(f, Stage::Client);
            }
        }
    }
    anchors
}

/// The client certificate libpq sends (when its file exists), with
/// libpq's own rules for the key (fe-secure-openssl.c): present, and not
/// open to group or world.
fn libpq_cert_files(
    source: &dyn Source,
    r: &libpq::ResolvedConn,
    tls: TlsUse,
    out: &mut Output,
    refused: &mut Option<Code>,
) -> Option<ClientCertFiles> {
    let mut cert_files = None;
    if let (Some(c), Some(k)) = (&r.sslcert, &r.sslkey) {
        if source.metadata(&c.value).is_ok() {
            cert_files = Some(ClientCertFiles {
                cert: c.value.clone(),
                cert_origin: format!("sslcert ({})", libpq_origin(&c.origin)),
                key: k.value.clone(),
                key_origin: format!("sslkey ({})", libpq_origin(&k.origin)),
            });
            // libpq's own key rule (fe-secure-openssl.c).
            match source.metadata(&k.value) {
                Err(_) => {
                    *refused = refused.or(Some(Code::ClientKeyMissing));
                    let mut f = new_finding(Code::ClientKeyMissing);
                    f.target = Some(String::from("libpq"));
                    f.evidence.push(evidence(
                        format!("sslkey={}", k.value.display()),
                        libpq_origin(&k.origin),
                    ));
                    f.evidence.push(evidence(
                        "No such file or directory",
                        k.value.display().to_string(),
                    ));
                    match super::key_search::key_of_certificate(source, &c.value) {
                        Some(key) => {
                            f.fix.push(
                                CheckClientText::KeyOfCertificate {
                                    key: &key,
                                    cert: &c.value,
                                }
                                .into(),
                            );
                            f.edits.push(Edit::new(
                                EditKind::Conninfo {
                                    key: "sslkey".into(),
                                    before: (k.origin == ParamOrigin::ConnString)
                                        .then(|| k.value.display().to_string()),
                                    after: key.display().to_string(),
                                },
                                Applicability::MachineApplicable,
                                Then::Reconnect,
                            ));
                        }
                        None => f
                            .fix
                            .push(CheckClientText::PutClientKey { path: &k.value }.into()),
                    }
                    f.reading =
                        Some(CheckClientText::ClientKeyFileMissing { path: &k.value }.into());
                    out.push(f, Stage::Client);
                }
                Ok(info) => {
                    let bad = if info.uid == 0 {
                        info.mode & 0o037 != 0
                    } else {
                        info.mode & 0o077 != 0
                    };
                    if bad && tls != TlsUse::Off {
                        *refused = refused.or(Some(Code::ClientKeyPermissions));
                        let mut f = new_finding(Code::ClientKeyPermissions);
                        f.target = Some(String::from("libpq"));
                        f.evidence.push(evidence(
                            format!("mode {:04o}, uid {}", info.mode, info.uid),
                            k.value.display().to_string(),
                        ));
                        f.reading =
                            Some(CheckClientText::ClientKeyGroupOrWorld { path: &k.value }.into());
                        f.fix.push(
                            CheckClientText::ChmodClientKey {
                                path_sh: &sh(&k.value),
                            }
                            .into(),
                        );
                        f.edits.push(Edit::new(
                            EditKind::FileMode {
                                file: k.value.clone(),
                                owner: None,
                                group: None,
                                mode: Some(0o600),
                            },
                            Applicability::MachineApplicable,
                            Then::Reconnect,
                        ));
                        out.push(f, Stage::Client);
                    }
                }
            }
        }
    }
    cert_files
}

fn libpq_model(
    source: &dyn Source,
    conninfo: &str,
    env: &libpq::ClientEnv,
    libpq_version: Option<u32>,
    input: &CheckInput,
    out: &mut Output,
) -> Result<Model, CheckError> {
    let invalid = |e: libpq::LibpqError| CheckError::Invalid(format!("libpq: {e}"));
    let params = libpq::parse(conninfo).map_err(invalid)?;
    let major = libpq_version.unwrap_or(libpq::NEWEST_LIBPQ);
    let mut refused = None;
    let r = match libpq::resolve_as(&params, env, major) {
        Ok(r) => r,
        // An option of a later libpq: the modelled one stops there; the
        // rest is judged as the newest libpq would read it.
        Err(libpq::LibpqError::InvalidOption(key)) if libpq::keyword_since(&key) > major => {
            let since = libpq::keyword_since(&key);
            let mut f = new_finding(Code::LibpqTooOld);
            f.target = Some("libpq".into());
            f.evidence.push(evidence(
                format!("invalid connection option \"{key}\""),
                format!("libpq {major}"),
            ));
            f.facts.insert("option".into(), key.clone());
            f.reading = Some(
                CheckClientText::OptionNewerThanLibpq {
                    key: &key,
                    since,
                    major,
                }
                .into(),
            );
            out.push(f, Stage::Client);
            refused = Some(Code::LibpqTooOld);
            libpq::resolve(&params, env).map_err(invalid)?
        }
        Err(e) => return Err(invalid(e)),
    };
    let libpq = LibpqClient::new(r, source);
    let r = &libpq.conn;
    for n in &r.notes {
        out.problem(n.clone());
    }
    let name = String::from("libpq");
    let host = r.hosts.first().cloned();
    let (client, client_assumed) = match &host {
        Some(_) if libpq.local() => (Some(MatchHost::Local), false),
        Some(h) => client_address(h.hostaddr.as_deref().unwrap_or(h.display_host()), input),
        None => (None, true),
    };
    let local = client == Some(MatchHost::Local) && input.client_addr.is_none();
    let mode = libpq.mode();
    let root = r.sslrootcert.as_ref().map(|p| p.value.clone());
    let tls = if local || mode == SslMode::Disable {
        TlsUse::Off
    } else if libpq.requires_tls() {
        TlsUse::Required
    } else {
        TlsUse::Opportunistic
    };
    let verify = libpq.verifies_chain();
    let tls_setting = format!(
        "sslmode={} ({})",
        mode.keyword(),
        libpq_origin(&r.sslmode.origin)
    );
    let paths = vec![TlsPath {
        name: name.clone(),
        versions: libpq.versions(),
        versions_setting: format!(
            "ssl_min_protocol_version={} ({}), ssl_max_protocol_version={} ({})",
            r.ssl_min_protocol_version.value.map_or("", |v| v.pg_name()),
            libpq_origin(&r.ssl_min_protocol_version.origin),
            r.ssl_max_protocol_version.value.map_or("", |v| v.pg_name()),
            libpq_origin(&r.ssl_max_protocol_version.origin),
        ),
        versions_origin: libpq_origin(&r.ssl_min_protocol_version.origin),
        depth: None,
        after_handshake: false,
        knob: VersionKnob::Libpq {
            min: libpq.min_version(),
            max: libpq.max_version(),
        },
    }];
    let trust_loc = r
        .sslrootcert
        .as_ref()
        .map_or_else(|| String::from("default"), |p| libpq_origin(&p.origin));
    let anchors = libpq_trust(source, &libpq, tls, verify, &trust_loc, out, &mut refused);
    // sslcertmode=disable still reads the files (and refuses a bad key), but
    // sends nothing.
    let cert_files =
        libpq_cert_files(source, r, tls, out, &mut refused).filter(|_| libpq.sends_cert());
    let user = r.user.value.clone();
    Ok(Model {
        name: name.clone(),
        is_kong: false,
        client,
        client_assumed,
        user_origin: libpq_origin(&r.user.origin),
        user,
        database: r.dbname.value.clone(),
        tls,
        tls_origin: libpq_origin(&r.sslmode.origin),
        tls_setting,
        paths,
        verify,
        verify_setting: format!("sslmode={}", mode.keyword()),
        anchors,
        trust_setting: format!("sslrootcert ({trust_loc})"),
        trust_file: root,
        depth_setting: None,
        depth_edit_target: None,
        cert_files,
        cert_setting: Some(CertSetting::Libpq),
        refused,
        hints: ClientHints {
            name,
            send_cert: CheckClientText::LibpqSendCert.into(),
            use_tls: CheckClientText::LibpqTurnTlsOn.into(),
        },
        verify_host: libpq
            .verifies_host()
            .then(|| host.as_ref().map(|h| h.display_host().to_string()))
            .flatten()
            .filter(|h| !h.is_empty()),
        hostaddr: host.as_ref().and_then(|h| h.hostaddr.clone()),
        plaintext_first: mode == SslMode::Allow,
        insist: Insist::Libpq {
            sslmode: (r.sslmode.origin == ParamOrigin::ConnString)
                .then(|| mode.keyword().to_string()),
            host: host
                .as_ref()
                .map(|h| h.display_host().to_string())
                .filter(|h| !h.is_empty()),
        },
        // A libpq that refuses the option stops before any of it matters.
        demands: (refused != Some(Code::LibpqTooOld)).then(|| Demands {
            require_auth: r.require_auth.as_ref().map(|p| {
                (
                    p.value.clone(),
                    (p.origin == ParamOrigin::ConnString).then(|| p.value.shown()),
                )
            }),
            cert_request: (r.sslcertmode.value == libpq::CertMode::Require).then(|| {
                (r.sslcertmode.origin == ParamOrigin::ConnString).then(|| "require".to_string())
            }),
        }),
    })
}

/// The client certificate and key, loaded; PGTLS015 when they do not pair.
fn load_client_cert(
    source: &dyn Source,
    model: &Model,
    out: &mut Output,
) -> Option<(Vec<X509>, Option<PKey<Private>>)> {
    let files = model.cert_files.as_ref()?;
    let certs = match source.read(&files.cert) {
        Ok(t) => pem_contents(&t).certs,
        Err(e) => {
            out.problem(Diagnostic::warning(
                None,
                format!(
                    "cannot read the client certificate \"{}\": {}",
                    files.cert.display(),
                    super::strerror(&e)
                ),
            ));
            return None;
        }
    };
    if certs.is_empty() {
        out.problem(Diagnostic::error(
            None,
            format!(
                "{} \"{}\" holds no PEM certificate",
                files.cert_origin,
                files.cert.display()
            ),
        ));
        return None;
    }
    let key = match source.read(&files.key) {
        Ok(t) => match load_key(&t) {
            KeyLoad::Loaded(k) => Some(k),
            _ => None,
        },
        Err(_) => None,
    };
    if let Some(k) = &key {
        let matches = certs[0]
            .public_key()
            .map(|p| p.public_eq(k))
            .unwrap_or(false);
        if !matches {
            let mut f = new_finding(Code::KeyCertMismatch);
            f.target = Some(model.name.clone());
            let cert_fp = certs[0]
                .public_key()
                .map(|p| public_key_fingerprint(&p))
                .unwrap_or_default();
            f.evidence.push(evidence(
                format!("public key SHA-256 {cert_fp}"),
                format!("{} {}", files.cert_origin, files.cert.display()),
            ));
            f.evidence.push(evidence(
                format!("public key SHA-256 {}", public_key_fingerprint(k)),
                format!("{} {}", files.key_origin, files.key.display()),
            ));
            f.reading = Some(
                CheckClientText::ClientKeyNotCertificates {
                    client: &model.name,
                }
                .into(),
            );
            f.fix
                .push(CheckClientText::PairClientCert { cert: &files.cert }.into());
            out.push(f, Stage::Client);
        }
    }
    Some((certs, key))
}

/// Maps OpenSSL's verdict to a code, as scan does.
fn verdict_code(v: &Verdict, unlimited_ok: bool, after_handshake: bool) -> (Code, Vec<Code>) {
    let code = if after_handshake {
        v.after_handshake_code
    } else {
        v.code
    };
    crate::verify_result::chain_rejection_code(code, unlimited_ok)
}

/// An intermediate the server should send: a CA certificate, from the
/// files pgtls has seen, that completes the chain for these anchors.
/// At most this many PEM files next to ssl_cert_file are looked into for
/// a missing intermediate.
const MAX_NEARBY_FILES: usize = 64;

/// CA certificates in `*.crt`, `*.pem` and `*.cer` files next to
/// ssl_cert_file and next to the client's trust store: where a forgotten
/// intermediate usually lies, and where probe and scan look too, so that
/// the three commands give a leaf sent alone the same code.
fn nearby_cas(source: &dyn Source, facts: &ServerFacts, model: &Model) -> Vec<(X509, String)> {
    let mut dirs: Vec<&Path> = Vec::new();
    for file in [facts.chain_file.as_deref(), model.trust_file.as_deref()]
        .into_iter()
        .flatten()
    {
        if let Some(dir) = file.parent().filter(|d| !dirs.contains(d)) {
            dirs.push(dir);
        }
    }
    let mut out = Vec::new();
    for dir in dirs {
        out.extend(cas_in_dir(source, dir, facts.chain_file.as_deref()));
    }
    out
}

fn cas_in_dir(source: &dyn Source, dir: &Path, skip: Option<&Path>) -> Vec<(X509, String)> {
    let Ok(mut listing) = source.list_dir(dir) else {
        return Vec::new();
    };
    listing.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::new();
    for entry in listing
        .iter()
        .filter(|e| [".crt", ".pem", ".cer"].iter().any(|x| e.name.ends_with(x)))
        .take(MAX_NEARBY_FILES)
    {
        let p = dir.join(&entry.name);
        if Some(p.as_path()) == skip
            || source
                .metadata(&p)
                .map_or(true, |m| m.kind != FileKind::File)
        {
            continue;
        }
        if let Ok(text) = source.read(&p) {
            for c in pem_contents(&text).certs {
                if describe(&c, 0).is_ca {
                    out.push((c, p.display().to_string()));
                }
            }
        }
    }
    out
}

/// An intermediate the server should send: a CA certificate, from the
/// files pgtls has seen, that completes the chain for these anchors.
fn find_intermediate(
    source: &dyn Source,
    facts: &ServerFacts,
    model: &Model,
    anchors: &[X509],
) -> Option<(X509, String)> {
    let mut candidates: Vec<(X509, String)> = nearby_cas(source, facts, model);
    candidates.extend(
        anchors
            .iter()
            .map(|c| (c.clone(), String::from("the client's trust store"))),
    );
    completing_intermediate(&facts.sent_chain, anchors, &candidates).cloned()
}

/// PGTLS021: a client that does not insist on TLS (Kong's `pg_ssl = on`
/// alone, libpq's prefer/allow, or TLS off) reaching the server over the
/// network.
fn plaintext_fallback(source: &dyn Source, facts: &ServerFacts, model: &Model, out: &mut Output) {
    let mut f = new_finding(Code::PlaintextFallback);
    f.target = Some(model.name.clone());
    f.evidence.push(evidence(
        model.tls_setting.clone(),
        model.tls_origin.clone(),
    ));
    f.reading = Some(
        match (model.tls, model.is_kong) {
            (TlsUse::Off, _) => CheckClientText::NoTlsAtAll {
                client: &model.name,
            },
            (_, true) => CheckClientText::KongSslIsAHint,
            _ => CheckClientText::LibpqFallsBack,
        }
        .into(),
    );
    f.fix.push(
        if model.is_kong {
            CheckClientText::KongInsistOnTls
        } else {
            CheckClientText::LibpqInsistOnTls
        }
        .into(),
    );
    f.edits = insist_edits(source, facts, model);
    out.push(f, Stage::Connection);
}

/// The client's trust file as it reads now, quietly: a file that cannot
/// serve is PGTLS018's to say, and then nothing is verified.
fn trust_anchors(source: &dyn Source, model: &Model) -> Option<Vec<X509>> {
    if let Some(a) = &model.anchors {
        return Some(a.clone());
    }
    let text = source.read(model.trust_file.as_deref()?).ok()?;
    let certs = pem_contents(&text).certs;
    (!certs.is_empty()).then_some(certs)
}

/// PGTLS021's edits from what check read: the server's certificate (from
/// its files) against the client's trust file decides how far the client
/// can be made to verify (the same rule as the probe's, in
/// [`crate::edit::insist_on_verified_tls`]).
fn insist_edits(source: &dyn Source, facts: &ServerFacts, model: &Model) -> Vec<Edit> {
    // A server without TLS would then refuse the client: its ssl comes
    // first (PGTLS009's edit).
    if !facts.ssl {
        return Vec::new();
    }
    let verifies = !facts.sent_chain.is_empty()
        && trust_anchors(source, model).is_some_and(|anchors| {
            verify_chain(&facts.sent_chain, &anchors, None).is_ok_and(|v| v.ok)
        });
    match &model.insist {
        Insist::Libpq { sslmode, host } => {
            let trust = if verifies {
                ServerTrust::Verifies {
                    names_host: host.as_deref().is_some_and(|h| {
                        facts
                            .chain
                            .first()
                            .is_some_and(|leaf| leaf_names_host(leaf, h))
                    }),
                }
            } else {
                ServerTrust::Unverified
            };
            insist_on_verified_tls(trust, |value| {
                Edit::conninfo(
                    "sslmode",
                    sslmode.as_deref(),
                    value,
                    Applicability::MachineApplicable,
                )
            })
        }
        Insist::Kong {
            conf,
            ssl,
            required,
            verify,
        } => {
            let mut edits = Vec::new();
            if let (origin, false) = ssl {
                edits.extend(kong_setting_edit(
                    origin,
                    conf.as_deref(),
                    "pg_ssl",
                    "off",
                    "on",
                ));
            }
            if let Some((origin, false)) = required {
                edits.extend(kong_setting_edit(
                    origin,
                    conf.as_deref(),
                    "pg_ssl_required",
                    "off",
                    "on",
                ));
            }
            // Turning verification on only where the trust file already
            // verifies the server's chain: otherwise Kong would stop.
            if let (origin, false) = verify {
                if verifies {
                    edits.extend(kong_setting_edit(
                        origin,
                        conf.as_deref(),
                        "pg_ssl_verify",
                        "off",
                        "on",
                    ));
                }
            }
            edits
        }
    }
}

/// What the line the client meets does to its authentication: PGTLS036
/// from the files alone; PGTLS017 and PGTLS026 where a connection showed
/// them. The codes of the findings pushed.
#[allow(clippy::too_many_arguments)]
fn auth_line_findings(
    source: &dyn Source,
    facts: &ServerFacts,
    model: &Model,
    user: &str,
    line: &pgtls_config::hba::HbaLine,
    uses_tls: bool,
    input: &CheckInput,
    out: &mut Output,
) -> Vec<Code> {
    let mut found = Vec::new();
    if let Some(demands) = &model.demands {
        found.extend(auth_methods::demands_unmet(
            facts,
            &model.name,
            demands,
            line,
            uses_tls,
        ));
    }
    if input.observed.contains(&Code::PasswordAuthFailed) {
        found.extend(auth_methods::md5_stored_for_scram(
            facts,
            &model.name,
            user,
            line,
        ));
    }
    if input.observed.contains(&Code::PasswordToUnverifiedServer) {
        found.extend(auth_methods::readable_password(
            &model.name,
            line,
            insist_edits(source, facts, model),
        ));
    }
    let codes = found.iter().map(Finding::id).collect();
    for f in found {
        out.push(f, Stage::Connection);
    }
    codes
}

/// PGTLS009 for a client that requires TLS from a server with `ssl = off`.
fn ssl_disabled(model: &Model, facts: &ServerFacts) -> Finding {
    let mut f = new_finding(Code::ServerSslDisabled);
    f.target = Some(model.name.clone());
    f.evidence.push(evidence(
        model.tls_setting.clone(),
        model.tls_origin.clone(),
    ));
    f.evidence.push(evidence(
        "ssl is off",
        facts
            .tls
            .as_ref()
            .map(|t| super::origin_text(&t.ssl.origin, Path::new("postgresql.conf")))
            .unwrap_or_else(|| String::from("postgresql.conf")),
    ));
    f.reading = Some(if model.is_kong {
        CheckClientText::KongSeesSslOff.into()
    } else {
        CheckClientText::LibpqSeesSslOff.into()
    });
    // PostgreSQL 10 and later apply ssl on reload, as the
    // catalogue's step says; this one replaces it.
    f.fix.push(CheckClientText::TurnServerSslOn.into());
    f.cover(&[0]);
    f
}

pub(crate) fn check_client(
    source: &dyn Source,
    facts: &ServerFacts,
    client: &ClientInput,
    input: &CheckInput,
    out: &mut Output,
) -> Result<(), CheckError> {
    let model = client_model(source, client, input, out)?;
    let client_cert = load_client_cert(source, &model, out);
    let client_refused = model.refused.or_else(|| {
        out.findings
            .iter()
            .find(|f| {
                f.stage == Stage::Client && f.finding.target.as_deref() == Some(model.name.as_str())
            })
            .map(|f| f.finding.id())
    });

    // Plaintext, by choice or by fallback.
    let server_tls = facts.ssl;
    let mut uses_tls = match model.tls {
        TlsUse::Off => false,
        TlsUse::Opportunistic => server_tls && !model.plaintext_first,
        TlsUse::Required => true,
    };
    let is_local = model.client == Some(MatchHost::Local);
    if !is_local && model.tls != TlsUse::Required {
        plaintext_fallback(source, facts, &model, out);
    }

    let mut failures = FirstFailures::new(&model.paths);
    if let Some(code) = client_refused {
        failures.set_all(code, "client");
    }
    if !facts.starts {
        failures.set_all(out.start.code.unwrap_or(Code::Unreachable), "server");
    }

    if model.tls != TlsUse::Off && !server_tls && !is_local {
        if model.tls == TlsUse::Required {
            out.push(ssl_disabled(&model, facts), Stage::Connection);
            failures.set_all(Code::ServerSslDisabled, "ssl");
        }
        uses_tls = false;
    }

    if uses_tls {
        judge_versions(facts, &model, &mut failures, out);
        judge_chain(source, facts, &model, &mut failures, out);
        judge_host_name(facts, &model, input, &mut failures, out);
        if let (Some((certs, _)), Some(ca)) = (&client_cert, &facts.ca) {
            judge_client_cert(source, facts, &model, certs, ca, input, &mut failures, out);
        }
    }

    let sent = client_cert.as_ref().map(|(certs, _)| certs.as_slice());
    let hba_line = judge_hba(
        source,
        facts,
        &model,
        sent,
        uses_tls,
        input,
        &mut failures,
        out,
    );
    predict_connections(&model, failures, uses_tls, hba_line, out);
    Ok(())
}

/// Kong's or libpq's settings, modelled as what check holds against the
/// server.
fn client_model(
    source: &dyn Source,
    client: &ClientInput,
    input: &CheckInput,
    out: &mut Output,
) -> Result<Model, CheckError> {
    match client {
        ClientInput::Kong {
            conf,
            env,
            edition,
            version,
        } => {
            let version = version.unwrap_or_else(kong::newest_kong);
            kong_model(source, conf.as_deref(), env, *edition, version, input, out)
        }
        ClientInput::Libpq {
            conninfo,
            env,
            libpq_version,
        } => libpq_model(source, conninfo, env, *libpq_version, input, out),
    }
}

/// The first step that fails on each of the client's paths, which the
/// connection prediction reports: a later failure does not replace it.
struct FirstFailures(Vec<(String, Option<Code>, Option<&'static str>)>);

impl FirstFailures {
    fn new(paths: &[TlsPath]) -> FirstFailures {
        FirstFailures(paths.iter().map(|p| (p.name.clone(), None, None)).collect())
    }

    fn set(&mut self, i: usize, code: Code, step: &'static str) {
        let entry = &mut self.0[i];
        if entry.1.is_none() {
            entry.1 = Some(code);
            entry.2 = Some(step);
        }
    }

    fn set_all(&mut self, code: Code, step: &'static str) {
        for i in 0..self.0.len() {
            self.set(i, code, step);
        }
    }
}

/// Each path's TLS versions against the server's range: without one of
/// TLSv1.2 or later in common the handshake fails.
fn judge_versions(
    facts: &ServerFacts,
    model: &Model,
    failures: &mut FirstFailures,
    out: &mut Output,
) {
    let server_versions = TlsVersion::between(facts.range.0, facts.range.1);
    for (i, p) in model.paths.iter().enumerate() {
        let common: Vec<TlsVersion> = p
            .versions
            .iter()
            .copied()
            .filter(|v| server_versions.contains(v))
            .collect();
        let usable: Vec<TlsVersion> = common
            .iter()
            .copied()
            .filter(|v| *v >= TlsVersion::Tls1_2)
            .collect();
        if usable.is_empty() && facts.range.0 <= facts.range.1 {
            out.push(
                version_mismatch(facts, p, &server_versions, &common),
                Stage::Connection,
            );
            failures.set(i, Code::ProtocolVersionMismatch, "handshake");
        }
    }
}

/// PGTLS012 for one path: the two ranges, and the edit that makes them
/// overlap.
fn version_mismatch(
    facts: &ServerFacts,
    p: &TlsPath,
    server_versions: &[TlsVersion],
    common: &[TlsVersion],
) -> Finding {
    let mut f = new_finding(Code::ProtocolVersionMismatch);
    f.target = Some(p.name.clone());
    f.evidence.push(evidence(
        format!(
            "the server allows {} (ssl_min_protocol_version {}, ssl_max_protocol_version {})",
            names(server_versions),
            facts.range.0.pg_name(),
            facts
                .tls
                .as_ref()
                .and_then(|t| t.max_protocol.value)
                .map_or("not set", |v| v.pg_name()),
        ),
        facts.range_origin.0.clone(),
    ));
    f.evidence.push(evidence(
        format!(
            "{} offers {} ({})",
            p.name,
            names(&p.versions),
            p.versions_setting
        ),
        p.versions_origin.clone(),
    ));
    f.facts
        .insert("server_range".into(), names(server_versions));
    f.facts.insert("client_range".into(), names(&p.versions));
    if !common.is_empty() {
        f.notes.push(
            CheckClientText::SharedOnlyLegacyVersions {
                common: &names(common),
            }
            .into(),
        );
    }
    let target: Vec<TlsVersion> = server_versions
        .iter()
        .copied()
        .filter(|v| *v >= TlsVersion::Tls1_2)
        .collect();
    f.edits.extend(p.knob.edits(&p.versions, &target));
    f.fix.push(
        CheckClientText::OverlapVersionRanges {
            versions_setting: &p.versions_setting,
        }
        .into(),
    );
    f
}

/// The server's chain against the client's trust store and, per path,
/// its verify depth; one finding per code.
fn judge_chain(
    source: &dyn Source,
    facts: &ServerFacts,
    model: &Model,
    failures: &mut FirstFailures,
    out: &mut Output,
) {
    if !model.verify || facts.sent_chain.is_empty() {
        return;
    }
    let Some(anchors) = &model.anchors else {
        return;
    };
    let mut reported: Vec<Code> = Vec::new();
    for (i, p) in model.paths.iter().enumerate() {
        let Ok(v) = verify_chain(&facts.sent_chain, anchors, p.depth) else {
            continue;
        };
        if v.ok {
            continue;
        }
        let unlimited_ok =
            p.depth.is_some() && verify_chain(&facts.sent_chain, anchors, None).is_ok_and(|u| u.ok);
        let (mut code, mut alternatives) = verdict_code(&v, unlimited_ok, p.after_handshake);
        let intermediate = if code == Code::ClientRejectsServerCert || code == Code::IncompleteChain
        {
            find_intermediate(source, facts, model, anchors)
        } else {
            None
        };
        if intermediate.is_some() {
            code = Code::IncompleteChain;
            alternatives.clear();
        }
        failures.set(i, code, "handshake");
        // Expiry and weak keys are findings of the server's files.
        if code == Code::ServerCertExpired || code == Code::WeakCrypto || reported.contains(&code) {
            continue;
        }
        reported.push(code);
        out.push(
            chain_finding(
                facts,
                model,
                p,
                &v,
                code,
                alternatives,
                intermediate,
                anchors,
            ),
            Stage::Connection,
        );
    }
}

/// libpq verify-full: the host it dials must be a name on the server's
/// leaf.
fn judge_host_name(
    facts: &ServerFacts,
    model: &Model,
    input: &CheckInput,
    failures: &mut FirstFailures,
    out: &mut Output,
) {
    let (Some(host), Some(leaf)) = (&model.verify_host, facts.chain.first()) else {
        return;
    };
    if leaf_names_host(leaf, host) {
        return;
    }
    let info = describe(leaf, input.now);
    let san = if host.parse::<std::net::IpAddr>().is_ok() {
        format!("IP:{host}")
    } else {
        format!("DNS:{host}")
    };
    let mut f = new_finding(Code::HostnameMismatch);
    f.target = Some(model.name.clone());
    f.evidence.push(evidence(
        format!(
            "libpq dials \"{host}\" with sslmode=verify-full; the certificate names {}",
            if info.sans.is_empty() {
                info.subject.clone()
            } else {
                info.sans.join(", ")
            }
        ),
        facts
            .chain_file
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string()),
    ));
    f.fix
        .push(CheckClientText::ReissueForHostName { san: &san }.into());
    f.edits.extend(crate::edit::dial_certificate_name(
        &info.sans,
        host,
        model.hostaddr.as_deref(),
    ));
    f.cover(&[0, 1]);
    out.push(f, Stage::Connection);
    failures.set_all(Code::HostnameMismatch, "handshake");
}

/// The client certificate against the server's ssl_ca_file (the server
/// only asks for one when ssl_ca_file is set): expired, or from a CA the
/// server does not trust.
#[allow(clippy::too_many_arguments)]
fn judge_client_cert(
    source: &dyn Source,
    facts: &ServerFacts,
    model: &Model,
    certs: &[X509],
    ca: &[X509],
    input: &CheckInput,
    failures: &mut FirstFailures,
    out: &mut Output,
) {
    let Ok(v) = verify_chain(certs, ca, None) else {
        return;
    };
    if v.ok {
        return;
    }
    let expired = ChainRejection::of(v.code) == ChainRejection::OutsideValidity;
    let code = if expired {
        Code::ClientCertExpired
    } else {
        Code::ServerRejectsClientCert
    };
    let info = describe(&certs[0], input.now);
    let mut f = new_finding(code);
    f.target = Some(model.name.clone());
    f.evidence.push(evidence(
        format!(
            "client certificate {} issued by {}: {}: {}",
            info.subject, info.issuer, v.code, v.text
        ),
        model.cert_files.as_ref().map_or_else(String::new, |c| {
            format!("{} {}", c.cert_origin, c.cert.display())
        }),
    ));
    let ca_names: Vec<String> = ca.iter().map(|c| describe(c, 0).subject).collect();
    f.evidence.push(evidence(
        format!("ssl_ca_file holds {}", ca_names.join("; ")),
        facts.ca_origin.clone().unwrap_or_default(),
    ));
    f.facts.insert("verify_code".into(), v.code.to_string());
    if expired {
        renew_client_cert(model, &info, &mut f);
    } else {
        trust_client_cert_issuer(source, facts, model, certs, &info, &ca_names, &mut f);
    }
    out.push(f, Stage::Connection);
    failures.set_all(code, "handshake");
}

/// An expired client certificate: only the CA's holder can issue it; what
/// to issue and where it goes.
fn renew_client_cert(model: &Model, info: &crate::certinfo::CertInfo, f: &mut Finding) {
    f.fix.push(
        CheckClientText::RenewClientCert {
            not_after: &info.not_after,
        }
        .into(),
    );
    if let Some(files) = &model.cert_files {
        f.edits.push(crate::edit::renew_client_certificate(
            &info.issuer,
            &info.subject,
            &files.key.display().to_string(),
            &sh(&files.cert),
        ));
    }
}

/// A client certificate from a CA the server does not trust: its CA joins
/// ssl_ca_file, found in a file pgtls read when it can be.
fn trust_client_cert_issuer(
    source: &dyn Source,
    facts: &ServerFacts,
    model: &Model,
    certs: &[X509],
    info: &crate::certinfo::CertInfo,
    ca_names: &[String],
    f: &mut Finding,
) {
    let ca_file = facts
        .ca_file
        .as_ref()
        .map_or_else(|| String::from("ssl_ca_file"), |p| sh(p));
    f.fix.push(
        CheckClientText::AddIssuingCaToServer {
            issuer: &info.issuer,
            ca_file: &ca_file,
            ca_names,
        }
        .into(),
    );
    if let Some((edit, found)) = ca_file_addition(source, facts, model, certs) {
        f.fix.insert(
            0,
            CheckClientText::IssuingCaFoundIn {
                found: &found.join(", "),
                ca_file: &ca_file,
            }
            .into(),
        );
        f.edits.push(edit);
    }
}

/// The connection through pg_hba.conf and pg_ident.conf, as the server
/// would take it: returns the line it meets.
#[allow(clippy::too_many_arguments)]
fn judge_hba(
    source: &dyn Source,
    facts: &ServerFacts,
    model: &Model,
    client_certs: Option<&[X509]>,
    uses_tls: bool,
    input: &CheckInput,
    failures: &mut FirstFailures,
    out: &mut Output,
) -> Option<MatchedLine> {
    let sent = if uses_tls && facts.ca.is_some() {
        client_certs.map(|certs| SentCert {
            cn: common_name(&certs[0]),
            dn: rfc2253(certs[0].subject_name()),
        })
    } else {
        None
    };
    let q = Query {
        client: model.client,
        user: model.user.clone(),
        database: model.database.clone(),
        ssl: uses_tls,
        roles: Vec::new(),
        cert: sent,
    };
    let eval = evaluate(facts, &q)?;
    let hba_line = eval.line.map(MatchedLine::of);
    let Some(failure) = &eval.failure else {
        if let Some(line) = eval.line {
            for code in
                auth_line_findings(source, facts, model, &q.user, line, uses_tls, input, out)
            {
                failures.set_all(code, "auth");
            }
        }
        return hba_line;
    };
    failures.set_all(failure.code, "hba");
    // A line that cannot work at all is a finding of its own.
    if failure.code == Code::RootStoreMissingForCertAuth {
        complete_ca_file_edit(source, facts, model, out);
        return hba_line;
    }
    if let Some(mut f) = failure_finding(facts, &q, &eval, &model.hints) {
        if model.client_assumed && eval.line.is_none() {
            f.notes.push(CheckClientText::NoLineFromAnyAddress.into());
        }
        f.facts
            .insert("user_origin".into(), model.user_origin.clone());
        if failure.code == Code::ClientCertRequired {
            send_client_cert(source, facts, model, &mut f);
        }
        out.push(f, Stage::Connection);
    }
    hba_line
}

/// The edits that make a client send a certificate the line asks for: one
/// found beside its trust file, or placeholders.
fn send_client_cert(source: &dyn Source, facts: &ServerFacts, model: &Model, f: &mut Finding) {
    let Some(setting) = &model.cert_setting else {
        return;
    };
    let edits = match fitting_client_cert(source, facts, model) {
        // Its CN is the user and it chains to the server's CA, yet whose
        // identity it is only a person knows: a look first.
        Some((cert, key)) => {
            f.fix.insert(
                0,
                CheckClientText::FittingClientCertBeside {
                    cert: &cert,
                    user: &model.user,
                    key: &key,
                }
                .into(),
            );
            setting.edits(
                &cert.display().to_string(),
                &key.display().to_string(),
                Applicability::MaybeIncorrect,
            )
        }
        None => setting.edits(
            "<the client certificate, from a CA in the server's ssl_ca_file>",
            "<its private key, mode 0600>",
            Applicability::HasPlaceholders,
        ),
    };
    f.edits.extend(edits);
}

/// One prediction per path (libpq has one; Kong two).
fn predict_connections(
    model: &Model,
    failures: FirstFailures,
    uses_tls: bool,
    hba_line: Option<MatchedLine>,
    out: &mut Output,
) {
    for (name, code, step) in failures.0 {
        out.connections.push(ConnectionPrediction {
            client: name,
            ok: code.is_none(),
            code,
            step,
            tls: uses_tls,
            hba_line: hba_line.clone(),
        });
        if !model.is_kong {
            break;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn chain_finding(
    facts: &ServerFacts,
    model: &Model,
    path: &TlsPath,
    v: &Verdict,
    code: Code,
    alternatives: Vec<Code>,
    intermediate: Option<(X509, String)>,
    anchors: &[X509],
) -> Finding {
    let mut f = new_finding(code);
    f.target = Some(path.name.clone());
    f.alternatives = alternatives;
    let (shown_code, shown_text) = if path.after_handshake {
        (v.after_handshake_code, v.after_handshake_text.clone())
    } else {
        (v.code, v.text.clone())
    };
    let chain_file = facts.chain_file.as_ref().map_or_else(
        || String::from("ssl_cert_file"),
        |p| p.display().to_string(),
    );
    let subjects: Vec<String> = facts
        .sent_chain
        .iter()
        .map(|c| describe(c, 0).subject)
        .collect();
    f.evidence.push(evidence(
        format!(
            "the server sends {} certificate(s): {}{}",
            facts.sent_chain.len(),
            subjects.join(" <- "),
            if facts.sent_chain.len() > facts.chain.len() {
                " (the leaf, completed from ssl_ca_file, as OpenSSL does when ssl_cert_file holds only the leaf)"
            } else {
                ""
            }
        ),
        chain_file.clone(),
    ));
    f.evidence.push(evidence(
        format!(
            "{} trusts {} certificate(s) ({}); {}",
            model.name,
            anchors.len(),
            model.trust_setting,
            model.verify_setting
        ),
        model
            .trust_file
            .as_ref()
            .map_or_else(|| model.trust_setting.clone(), |p| p.display().to_string()),
    ));
    f.evidence.push(evidence(
        format!("OpenSSL: {shown_code}: {shown_text}"),
        path.name.clone(),
    ));
    f.facts.insert("verify_code".into(), shown_code.to_string());
    f.facts.insert("verify_text".into(), shown_text);
    let last = facts.sent_chain.last().map(|c| describe(c, 0));
    match code {
        Code::VerifyDepthExceeded => {
            let needed = (0..=10u32)
                .find(|d| verify_chain(&facts.sent_chain, anchors, Some(*d)).is_ok_and(|r| r.ok))
                .unwrap_or(2);
            if let Some(setting) = &model.depth_setting {
                f.evidence.push(evidence(
                    format!("lua_ssl_verify_depth = {}", path.depth.unwrap_or(1)),
                    setting.clone(),
                ));
            }
            f.fix.push(
                CheckClientText::SetKongVerifyDepth {
                    needed,
                    now: path.depth.unwrap_or(1),
                }
                .into(),
            );
            if let Some((origin, conf)) = &model.depth_edit_target {
                if let Some(edit) = kong_setting_edit(
                    origin,
                    conf.as_deref(),
                    "lua_ssl_verify_depth",
                    &path.depth.unwrap_or(1).to_string(),
                    &needed.to_string(),
                ) {
                    f.edits.push(edit);
                }
            }
        }
        Code::IncompleteChain => {
            if let Some((c, from)) = intermediate {
                let s = describe(&c, 0).subject;
                f.evidence.push(evidence(
                    format!("the missing intermediate {s} is in {from}"),
                    from.clone(),
                ));
                f.fix.push(
                    CheckClientText::AppendIntermediate {
                        subject: &s,
                        from: &from,
                        chain_file: &chain_file,
                    }
                    .into(),
                );
            }
        }
        _ => {
            let issuer = last.as_ref().map(|l| l.issuer.clone()).unwrap_or_default();
            let ca_hint = facts
                .ca
                .as_ref()
                .filter(|ca| ca.iter().any(|c| describe(c, 0).subject == issuer))
                .and(facts.ca_file.as_ref())
                .map(|p| p.display().to_string());
            let target = ca_hint
                .clone()
                .unwrap_or_else(|| String::from("/path/to/ca.crt"));
            let snippet = if model.is_kong {
                format!("lua_ssl_trusted_certificate = {target}")
            } else {
                format!("sslrootcert={target}")
            };
            f.notes.push(
                CheckClientText::ChainEndsUntrusted {
                    last: last.as_ref().map_or("", |l| l.subject.as_str()),
                    issuer: &issuer,
                    client: &model.name,
                }
                .into(),
            );
            if let Some(p) = &ca_hint {
                f.notes
                    .push(CheckClientText::ServerCaFileHoldsCa { path: p }.into());
            }
            f.fix.push(
                CheckClientText::TrustIssuingCa {
                    issuer: &issuer,
                    snippet: &snippet,
                }
                .into(),
            );
        }
    }
    f
}

/// libpq 15's host-name check (`pq_verify_peer_name_matches_certificate`):
/// SAN dNSName entries (a leading `*.` matching one label), SAN iPAddress
/// for numeric hosts, and the CN only when the certificate has no SAN of the
/// host's kind.
fn leaf_names_host(leaf: &X509, host: &str) -> bool {
    let host_lc = host.to_ascii_lowercase();
    let ip: Option<std::net::IpAddr> = host.parse().ok();
    let mut saw_dns = false;
    let mut saw_ip = false;
    if let Some(sans) = leaf.subject_alt_names() {
        for n in sans.iter() {
            if let Some(d) = n.dnsname() {
                saw_dns = true;
                if ip.is_none() && wildcard_match(&d.to_ascii_lowercase(), &host_lc) {
                    return true;
                }
            } else if let Some(bytes) = n.ipaddress() {
                saw_ip = true;
                let san: Option<std::net::IpAddr> = match bytes.len() {
                    4 => Some(std::net::IpAddr::from([
                        bytes[0], bytes[1], bytes[2], bytes[3],
                    ])),
                    16 => <[u8; 16]>::try_from(bytes).ok().map(std::net::IpAddr::from),
                    _ => None,
                };
                if ip.is_some() && san == ip {
                    return true;
                }
            }
        }
    }
    let relevant_san = if ip.is_some() { saw_ip } else { saw_dns };
    if relevant_san {
        return false;
    }
    common_name(leaf).is_some_and(|cn| wildcard_match(&cn.to_ascii_lowercase(), &host_lc))
}

fn wildcard_match(pattern: &str, host: &str) -> bool {
    if let Some(rest) = pattern.strip_prefix("*.") {
        match host.split_once('.') {
            Some((label, tail)) => !label.is_empty() && tail == rest,
            None => false,
        }
    } else {
        pattern == host
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_label() {
        assert!(wildcard_match("*.example.com", "db.example.com"));
        assert!(!wildcard_match("*.example.com", "a.db.example.com"));
        assert!(!wildcard_match("*.example.com", "example.com"));
        assert!(wildcard_match("db.example.com", "db.example.com"));
    }
}
