//! The server's side: what PostgreSQL 15 does with its files at start-up, in
//! its own order (configuration files, then `be_tls_init`: certificate, key
//! permissions, key, protocol range, ciphers, CA file, CRL; then
//! pg_hba.conf), each FATAL with the server's own wording, and what the
//! settings mean for every later connection (client certificates that
//! cannot be checked, hostssl lines with TLS off, expiring certificates).

use std::path::{Path, PathBuf};

use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslContextBuilder, SslMethod};
use openssl::x509::X509;
use pgtls_catalogue::Code;
use pgtls_config::hba::{self, ConnType, HbaOptions};
use pgtls_config::ident;
use pgtls_config::postgresql_conf::{self, parse_bool, Origin, PostgresqlConf, TlsSettings};
use pgtls_config::{Diagnostic, FileInfo, FileKind, Location, Source, TlsVersion};

use super::access::{
    access, conf_quote, load_key, pem_contents, permits, public_key_fingerprint, sh, Access,
    KeyLoad,
};
use super::accounts::{Account, Accounts};
use super::{
    add_diagnostics, evidence, is_error, new_finding, origin_text, CheckError, CheckInput, Output,
    ServerFacts, Stage,
};
use crate::certinfo::{describe, weakness};
use crate::edit::{Applicability, Edit, EditKind, Then};
use crate::finding::{Evidence, Msg};
use crate::text::CheckServerText;

/// An account that may do everything: used when the server's account is
/// unknown, so that only the file's existence and contents are judged.
fn anyone() -> Account {
    Account {
        name: String::from("?"),
        uid: 0,
        gid: 0,
        groups: Vec::new(),
    }
}

/// The value as written (PostgreSQL's messages show it unresolved).
fn written(conf: &PostgresqlConf, name: &str, default: &str) -> String {
    conf.get(name)
        .map(|s| s.value.clone())
        .unwrap_or_else(|| default.to_string())
}

fn setting_evidence(name: &str, written: &str, origin: &Origin, path: &Path) -> super::Evidence {
    match origin {
        Origin::File(l) => evidence(format!("{name} = {}", conf_quote(written)), l.to_string()),
        Origin::Default => evidence(
            format!("{name} = {} (not set: the default)", conf_quote(written)),
            path.display().to_string(),
        ),
    }
}

fn mode_text(mode: u32) -> String {
    format!("{mode:04o}")
}

fn describe_file(accounts: &Accounts, info: &pgtls_config::FileInfo) -> String {
    format!(
        "owner {}:{} mode {}",
        accounts.user_name(info.uid),
        accounts.group_name(info.gid),
        mode_text(info.mode)
    )
}

/// The predicted FATAL as a finding's reading.
fn fatal_reading(message: &str, detail: Option<&str>) -> Msg {
    CheckServerText::RefusesToStart { message, detail }.into()
}

/// The fix for a file the server account cannot reach: the directory on the
/// way, or the file itself.
fn reach_fix(
    accounts: &Accounts,
    acct: &Account,
    path: &Path,
    a: &Access,
    private: bool,
) -> Vec<Msg> {
    match a {
        Access::Denied {
            directory: Some(dir),
            ..
        } => vec![CheckServerText::CannotEnterDirectory {
            account: &acct.name,
            dir,
            dir_sh: &sh(dir),
        }
        .into()],
        Access::Denied {
            directory: None, ..
        } if private => {
            let group = accounts.group_name(acct.gid);
            vec![CheckServerText::GiveKeyToServerAccount {
                account: &acct.name,
                group: &group,
                path_sh: &sh(path),
            }
            .into()]
        }
        Access::Denied {
            directory: None, ..
        } => vec![CheckServerText::CertificateIsPublic { path_sh: &sh(path) }.into()],
        _ => Vec::new(),
    }
}

pub(crate) fn check_server(
    source: &dyn Source,
    conf: Option<PostgresqlConf>,
    data_dir: Option<&Path>,
    account: Option<Account>,
    accounts: Accounts,
    input: &CheckInput,
    out: &mut Output,
) -> Result<ServerFacts, CheckError> {
    let from_dir = data_dir.and_then(|d| pg_version(source, d));
    if let (Some(dir), Some(flag)) = (from_dir, input.pg_version) {
        if dir != flag {
            out.note(
                None,
                format!("PG_VERSION says PostgreSQL {dir}, --pg-version says {flag}: the files are judged by PG_VERSION, the version the server really is"),
            );
        }
    }
    let mut facts = ServerFacts {
        conf: None,
        tls: None,
        account,
        accounts,
        ssl: false,
        tls_files_present: false,
        server_major: from_dir.or(input.pg_version),
        server_major_from: if from_dir.is_some() {
            "PG_VERSION"
        } else {
            "--pg-version"
        },
        chain: Vec::new(),
        chain_file: None,
        sent_chain: Vec::new(),
        ca: None,
        ca_file: None,
        ca_origin: None,
        range: (TlsVersion::Tls1_2, TlsVersion::Tls1_3),
        range_origin: (String::from("default"), String::from("default")),
        hba: None,
        hba_path: None,
        ident: None,
        ident_path: None,
        starts: true,
    };
    if let Some(conf) = &conf {
        let tls = conf.tls();
        add_diagnostics(out, conf.diagnostics());
        let range_error = |d: &Diagnostic| d.message == "could not set SSL protocol version range";
        for d in tls.diagnostics.iter().filter(|d| !range_error(d)) {
            out.problem(d.clone());
        }
        // The server stops at the first file that does not parse (and names
        // the main file, or postgresql.auto.conf as written); only then does
        // it judge values, naming the file that holds the bad one.
        let unrecognized = |d: &Diagnostic| {
            d.message
                .starts_with("unrecognized configuration parameter")
        };
        // The names were judged by the data directory's version; a server
        // newer than any pgtls knows may have names of its own.
        let newer = facts
            .server_major
            .is_some_and(|v| v > postgresql_conf::NEWEST_KNOWN_MAJOR);
        let parse_error = conf
            .diagnostics()
            .iter()
            .filter(|d| is_error(d))
            .find(|d| !unrecognized(d));
        let value_error = conf
            .diagnostics()
            .iter()
            .chain(tls.diagnostics.iter().filter(|d| !range_error(d)))
            .filter(|d| !(newer && unrecognized(d)))
            .find(|d| is_error(d));
        if let Some(e) = parse_error.or(value_error) {
            let in_auto = e.location.as_ref().is_some_and(|l| {
                l.file
                    .file_name()
                    .is_some_and(|n| n == postgresql_conf::AUTO_CONF_FILENAME)
            });
            let file = if parse_error.is_some() {
                if in_auto {
                    PathBuf::from(postgresql_conf::AUTO_CONF_FILENAME)
                } else {
                    conf.config_file().to_path_buf()
                }
            } else {
                e.location.as_ref().map_or_else(
                    || conf.config_file().to_path_buf(),
                    |l| l.file.to_path_buf(),
                )
            };
            out.fatal(
                None,
                format!("configuration file \"{}\" contains errors", file.display()),
                e.location.as_ref().map(Location::to_string),
            );
        }
        // The postmaster checks its data directory right after reading the
        // configuration, before TLS and pg_hba.conf.
        if let Some(dir) = data_dir {
            check_data_dir(source, dir, facts.account.as_ref(), out);
        }
        facts.ssl = tls.ssl.value;
        facts.range = (
            tls.min_protocol.value,
            tls.max_protocol.value.unwrap_or(TlsVersion::Tls1_3),
        );
        facts.range_origin = (
            origin_text(&tls.min_protocol.origin, conf.config_file()),
            origin_text(&tls.max_protocol.origin, conf.config_file()),
        );
        if facts.ssl {
            check_tls(source, conf, &tls, &mut facts, input, out);
        } else {
            let dir = conf.data_directory();
            let present = |p: &Path| source.metadata(&dir.join(p)).is_ok();
            facts.tls_files_present = present(&tls.cert_file.value) && present(&tls.key_file.value);
        }
        facts.tls = Some(tls);
    }
    if let Some(c) = conf {
        facts.conf = Some(c);
    }

    load_hba(source, data_dir, input, &mut facts, out)?;
    load_ident(source, data_dir, input, &mut facts, out)?;
    hba_rules(&facts, out);
    Ok(facts)
}

fn check_tls(
    source: &dyn Source,
    conf: &PostgresqlConf,
    tls: &TlsSettings,
    facts: &mut ServerFacts,
    input: &CheckInput,
    out: &mut Output,
) {
    let (cert_path, cert_setting) = check_certificate(source, conf, tls, facts, input, out);
    check_key(
        source,
        conf,
        tls,
        facts,
        input,
        out,
        &cert_path,
        &cert_setting,
    );
}

/// The certificate, first (`SSL_CTX_use_certificate_chain_file`): returns
/// its path and the evidence naming its setting, for the key's checks.
fn check_certificate(
    source: &dyn Source,
    conf: &PostgresqlConf,
    tls: &TlsSettings,
    facts: &mut ServerFacts,
    input: &CheckInput,
    out: &mut Output,
) -> (PathBuf, Evidence) {
    let known = facts.account.clone();
    let acct = known.clone().unwrap_or_else(anyone);
    let accounts = facts.accounts.clone();

    // 1. The certificate (SSL_CTX_use_certificate_chain_file).
    let cert_path = tls.cert_file.value.clone();
    let cert_written = written(conf, "ssl_cert_file", "server.crt");
    let cert_loc = origin_text(&tls.cert_file.origin, &cert_path);
    let cert_setting = setting_evidence(
        "ssl_cert_file",
        &cert_written,
        &tls.cert_file.origin,
        &cert_path,
    );
    let cert_access = access(source, &cert_path, &acct, true);
    let mut cert_failure: Option<(String, Vec<Msg>, String)> = None;
    match &cert_access {
        Access::Ok(info) if info.kind == FileKind::Dir => {
            cert_failure = Some((
                "no start line".into(),
                vec![],
                "is a directory".into(),
            ));
        }
        Access::Ok(_) => match source.read(&cert_path) {
            Ok(text) => {
                let c = pem_contents(&text);
                if c.certs.is_empty() {
                    let what = if c.has_private_key {
                        "holds a private key but no certificate"
                    } else {
                        "holds no PEM certificate"
                    };
                    cert_failure = Some(("no start line".into(), vec![], what.into()));
                } else {
                    facts.chain = c.certs;
                    facts.chain_file = Some(cert_path.clone());
                }
            }
            Err(e) => out.problem(Diagnostic::warning(
                None,
                format!(
                    "cannot read \"{}\" to check it: {} (run pgtls check as root or as the server account)",
                    cert_path.display(),
                    super::strerror(&e)
                ),
            )),
        },
        Access::Unknown(e) => out.problem(Diagnostic::warning(
            None,
            format!(
                "cannot look at \"{}\": {} (run pgtls check as root or as the server account)",
                cert_path.display(),
                super::strerror(e)
            ),
        )),
        a => {
            let fix = reach_fix(&accounts, &acct, &cert_path, a, false);
            cert_failure = Some((a.strerror().to_string(), fix, a.strerror().to_string()));
        }
    }
    if let Some((reason, fix, observed)) = cert_failure {
        let message =
            format!("could not load server certificate file \"{cert_written}\": {reason}");
        let mut f = new_finding(Code::ServerCertMissing);
        f.evidence.push(cert_setting.clone());
        f.evidence
            .push(evidence(observed, cert_path.display().to_string()));
        f.facts
            .insert("file".into(), cert_path.display().to_string());
        f.reading = Some(fatal_reading(&message, None));
        f.fix.extend(fix);
        f.fix
            .push(CheckServerText::PutServerCert { path: &cert_path }.into());
        match &cert_access {
            Access::Missing { .. } => {
                let key_path = &tls.key_file.value;
                match certificate_for_key(source, key_path, &cert_path, conf) {
                    // A certificate of the key the server reads lies
                    // beside it: point ssl_cert_file there (a look first:
                    // it may be an old or a test certificate).
                    Some(found) => {
                        f.facts
                            .insert("certificate_for_key".into(), found.display().to_string());
                        f.fix.push(
                            CheckServerText::CertificateForKeyBeside {
                                found: &found,
                                key: key_path,
                                value: &conf_quote(&found.display().to_string()),
                            }
                            .into(),
                        );
                        f.edits.push(setting_edit(
                            conf,
                            &tls.cert_file.origin,
                            "ssl_cert_file",
                            &conf_quote(&found.display().to_string()),
                            Applicability::MaybeIncorrect,
                            Then::Restart,
                        ));
                    }
                    // Only a person (or their CA) can issue it: what to
                    // issue and where it goes.
                    None => f.edits.push(Edit::new(
                        EditKind::Command {
                            command: format!(
                                "<have your CA issue a server certificate for the key in {} with the host names clients dial in subjectAltName; the leaf, then its intermediates (PEM)> > {}",
                                key_path.display(),
                                sh(&cert_path)
                            ),
                        },
                        Applicability::HasPlaceholders,
                        Then::Restart,
                    )),
                }
            }
            // A certificate is public: readable by all.
            Access::Denied {
                directory: None,
                info: Some(_),
            } => f.edits.push(Edit::new(
                EditKind::FileMode {
                    file: cert_path.clone(),
                    owner: None,
                    group: None,
                    mode: Some(0o644),
                },
                Applicability::MachineApplicable,
                Then::Restart,
            )),
            _ => {}
        }
        out.fatal(
            Some(Code::ServerCertMissing),
            message,
            Some(cert_loc.clone()),
        );
        out.push(f, Stage::ServerStart);
    }
    if !facts.chain.is_empty() {
        check_chain_quality(facts, &cert_written, &cert_loc, &cert_path, input, out);
    }

    (cert_path, cert_setting)
}

/// Certificate files beside the missing one, beside the key, and in the
/// data directory whose first certificate is the certificate of the key
/// in `key_path` (the one that sorts first by name).
fn certificate_for_key(
    source: &dyn Source,
    key_path: &Path,
    cert_path: &Path,
    conf: &PostgresqlConf,
) -> Option<PathBuf> {
    let KeyLoad::Loaded(key) = load_key(&source.read(key_path).ok()?) else {
        return None;
    };
    let mut dirs: Vec<PathBuf> = [
        cert_path.parent(),
        key_path.parent(),
        Some(conf.data_directory()),
    ]
    .into_iter()
    .flatten()
    .map(Path::to_path_buf)
    .collect();
    dirs.dedup();
    let mut found: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        let Ok(entries) = source.list_dir(&dir) else {
            continue;
        };
        for e in entries {
            let lower = e.name.to_ascii_lowercase();
            if ![".crt", ".pem", ".cer"].iter().any(|x| lower.ends_with(x)) {
                continue;
            }
            let path = dir.join(&e.name);
            if found.contains(&path)
                || !source
                    .metadata(&path)
                    .is_ok_and(|m| m.kind == FileKind::File)
            {
                continue;
            }
            let Ok(text) = source.read(&path) else {
                continue;
            };
            let c = pem_contents(&text);
            if c.has_private_key {
                continue;
            }
            if c.certs
                .first()
                .and_then(|leaf| leaf.public_key().ok())
                .is_some_and(|p| p.public_eq(&key))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found.into_iter().next()
}

/// The key, second: its owner and mode, then whether it loads and matches
/// the certificate; then the rest of the TLS settings.
#[allow(clippy::too_many_arguments)]
fn check_key(
    source: &dyn Source,
    conf: &PostgresqlConf,
    tls: &TlsSettings,
    facts: &mut ServerFacts,
    input: &CheckInput,
    out: &mut Output,
    cert_path: &Path,
    cert_setting: &Evidence,
) {
    // 2. The key's owner and mode (check_ssl_key_file_permissions), then
    //    the key itself (SSL_CTX_use_PrivateKey_file).
    let key = ServerKey::new(conf, tls, facts, cert_path, cert_setting);
    if let Some(info) = key.file_info(source, out) {
        key.judge_file(source, tls, facts, input, &info, out);
    }
    check_rest(source, conf, tls, facts, out);
}

/// The key file as the server names it and the account that must read it:
/// what every step of the key's check quotes.
struct ServerKey<'a> {
    path: PathBuf,
    written: String,
    loc: String,
    setting: Evidence,
    /// The server's account, when known; otherwise only the file's
    /// existence and contents are judged.
    known: Option<Account>,
    accounts: Accounts,
    cert_path: &'a Path,
    cert_setting: &'a Evidence,
}

/// A key that stops the server at start, before its finding is made.
struct KeyFailure {
    code: Code,
    message: String,
    detail: Option<&'static str>,
    observed: String,
    fix: Vec<Msg>,
    edits: Vec<Edit>,
}

impl<'a> ServerKey<'a> {
    fn new(
        conf: &PostgresqlConf,
        tls: &TlsSettings,
        facts: &ServerFacts,
        cert_path: &'a Path,
        cert_setting: &'a Evidence,
    ) -> ServerKey<'a> {
        let path = tls.key_file.value.clone();
        let written = written(conf, "ssl_key_file", "server.key");
        ServerKey {
            loc: origin_text(&tls.key_file.origin, &path),
            setting: setting_evidence("ssl_key_file", &written, &tls.key_file.origin, &path),
            path,
            written,
            known: facts.account.clone(),
            accounts: facts.accounts.clone(),
            cert_path,
            cert_setting,
        }
    }

    /// The predicted FATAL and its finding.
    fn refuse_start(&self, out: &mut Output, failure: KeyFailure) {
        let KeyFailure {
            code,
            message,
            detail,
            observed,
            fix,
            edits,
        } = failure;
        let mut f = new_finding(code);
        f.edits = edits;
        f.evidence.push(self.setting.clone());
        f.evidence
            .push(evidence(observed, self.path.display().to_string()));
        f.facts
            .insert("file".into(), self.path.display().to_string());
        if let Some(a) = &self.known {
            f.facts.insert("server_user".into(), a.name.clone());
        }
        f.reading = Some(fatal_reading(&message, detail));
        f.fix.extend(fix);
        out.fatal(Some(code), message, Some(self.loc.clone()));
        out.push(f, Stage::ServerStart);
    }

    /// The key file's owner and mode, when the server account can reach it.
    fn file_info(&self, source: &dyn Source, out: &mut Output) -> Option<FileInfo> {
        let acct = self.known.clone().unwrap_or_else(anyone);
        match &access(source, &self.path, &acct, false) {
            Access::Ok(info) => Some(*info),
            Access::Unknown(e) => {
                out.problem(Diagnostic::warning(
                    None,
                    format!(
                        "cannot look at \"{}\": {} (run pgtls check as root or as the server account)",
                        self.path.display(),
                        super::strerror(e)
                    ),
                ));
                None
            }
            a => {
                self.unreachable(&acct, a, out);
                None
            }
        }
    }

    /// Missing, or behind a directory or mode the server account cannot
    /// pass.
    fn unreachable(&self, acct: &Account, a: &Access, out: &mut Output) {
        let mut fix = reach_fix(&self.accounts, acct, &self.path, a, true);
        fix.push(CheckServerText::PutServerKey { path: &self.path }.into());
        // Only the key's holder can put it there; the command says
        // with which owner and mode the server takes it.
        let edits = match (a, &self.known) {
            (Access::Missing { .. }, Some(k)) => vec![Edit::new(
                EditKind::Command {
                    command: format!(
                        "install -o {} -g {} -m 0600 <the server's private key (PEM), the key of {}> {}",
                        k.name,
                        self.accounts.group_name(k.gid),
                        self.cert_path.display(),
                        sh(&self.path)
                    ),
                },
                Applicability::HasPlaceholders,
                Then::Restart,
            )],
            _ => vec![],
        };
        self.refuse_start(
            out,
            KeyFailure {
                code: Code::ServerKeyMissing,
                message: format!(
                    "could not access private key file \"{}\": {}",
                    self.written,
                    a.strerror()
                ),
                detail: None,
                observed: a.strerror().to_string(),
                fix,
                edits,
            },
        );
    }

    /// A regular file, owned and protected as PostgreSQL demands, then its
    /// contents.
    fn judge_file(
        &self,
        source: &dyn Source,
        tls: &TlsSettings,
        facts: &ServerFacts,
        input: &CheckInput,
        info: &FileInfo,
        out: &mut Output,
    ) {
        let observed = describe_file(&self.accounts, info);
        if info.kind != FileKind::File {
            self.refuse_start(
                out,
                KeyFailure {
                    code: Code::ServerKeyMissing,
                    message: format!(
                        "private key file \"{}\" is not a regular file",
                        self.written
                    ),
                    detail: None,
                    observed: format!("{observed}, not a regular file"),
                    fix: vec![CheckServerText::PointKeyFileAtPem.into()],
                    edits: vec![],
                },
            );
            return;
        }
        let permitted = match &self.known {
            Some(a) => self.owner_and_mode_permit(a, info, &observed, out),
            None => true,
        };
        if permitted {
            self.judge_contents(source, tls, facts.chain.first(), input, out);
        }
    }

    /// PostgreSQL's owner rule, its mode rule, then whether the server
    /// account may read the key at all; the first that fails is reported.
    fn owner_and_mode_permit(
        &self,
        a: &Account,
        info: &FileInfo,
        observed: &str,
        out: &mut Output,
    ) -> bool {
        if info.uid != a.uid && info.uid != 0 {
            self.owned_by_another(a, observed, out);
        } else if (info.uid == a.uid && info.mode & 0o077 != 0)
            || (info.uid == 0 && info.mode & 0o037 != 0)
        {
            self.open_to_group_or_world(a, info, observed, out);
        } else if !permits(a, info, 4) {
            self.unreadable_by_server(a, info, observed, out);
        } else {
            return true;
        }
        false
    }

    fn owned_by_another(&self, a: &Account, observed: &str, out: &mut Output) {
        let group = self.accounts.group_name(a.gid);
        let p = sh(&self.path);
        self.refuse_start(
            out,
            KeyFailure {
                code: Code::ServerKeyPermissions,
                message: format!(
                    "private key file \"{}\" must be owned by the database user or root",
                    self.written
                ),
                detail: None,
                observed: observed.to_string(),
                fix: vec![CheckServerText::ServerAccountOwnsKey {
                    account: &a.name,
                    group: &group,
                    path_sh: &p,
                }
                .into()],
                edits: vec![Edit::new(
                    EditKind::FileMode {
                        file: self.path.clone(),
                        owner: Some(a.name.clone()),
                        group: Some(group.clone()),
                        mode: Some(0o600),
                    },
                    Applicability::MachineApplicable,
                    Then::Restart,
                )],
            },
        );
    }

    fn open_to_group_or_world(
        &self,
        a: &Account,
        info: &FileInfo,
        observed: &str,
        out: &mut Output,
    ) {
        let group = self.accounts.group_name(a.gid);
        let p = sh(&self.path);
        let mut fix: Vec<Msg> = if info.uid == a.uid {
            vec![CheckServerText::OwnKeyAtMost0600 {
                account: &a.name,
                path_sh: &p,
            }
            .into()]
        } else if a.in_group(info.gid) {
            vec![CheckServerText::RootKeyAtMost0640 { path_sh: &p }.into()]
        } else {
            vec![CheckServerText::RootKeyReadThroughGroup {
                account: &a.name,
                group: &group,
                path_sh: &p,
            }
            .into()]
        };
        let (owner, grp, mode, applicability) = if info.uid == a.uid {
            (None, None, 0o600, Applicability::MachineApplicable)
        } else if a.in_group(info.gid) {
            (None, None, 0o640, Applicability::MachineApplicable)
        } else {
            // Another group may rely on the key: a person decides.
            (
                Some("root".to_string()),
                Some(group.clone()),
                0o640,
                Applicability::MaybeIncorrect,
            )
        };
        let mode_edit = Edit::new(
            EditKind::FileMode {
                file: self.path.clone(),
                owner,
                group: grp,
                mode: Some(mode),
            },
            applicability,
            Then::Restart,
        );
        fix.push(CheckServerText::KeyPermissionRule.into());
        self.refuse_start(
            out,
            KeyFailure {
                code: Code::ServerKeyPermissions,
                message: format!(
                    "private key file \"{}\" has group or world access",
                    self.written
                ),
                detail: Some("File must have permissions u=rw (0600) or less if owned by the database user, or permissions u=rw,g=r (0640) or less if owned by root."),
                observed: observed.to_string(),
                fix,
                edits: vec![mode_edit],
            },
        );
    }

    fn unreadable_by_server(&self, a: &Account, info: &FileInfo, observed: &str, out: &mut Output) {
        let group = self.accounts.group_name(a.gid);
        let fix = reach_fix(
            &self.accounts,
            a,
            &self.path,
            &Access::Denied {
                directory: None,
                info: Some(*info),
            },
            true,
        );
        // The owner rule above holds (owned by the server account with
        // no group or world bits, or by root with at most 0640): what
        // is missing is the read bit for the server account.
        let edit = if info.uid == a.uid {
            // Its own file: u=rw is what the rule wants anyway.
            Edit::new(
                EditKind::FileMode {
                    file: self.path.clone(),
                    owner: None,
                    group: None,
                    mode: Some(0o600),
                },
                Applicability::MachineApplicable,
                Then::Restart,
            )
        } else {
            // root keeps the key; the server reads it through its
            // group. Whoever read it through the old group no longer
            // does: a person looks first.
            Edit::new(
                EditKind::FileMode {
                    file: self.path.clone(),
                    owner: None,
                    group: Some(group.clone()),
                    mode: Some(0o640),
                },
                Applicability::MaybeIncorrect,
                Then::Restart,
            )
        };
        self.refuse_start(
            out,
            KeyFailure {
                code: Code::ServerKeyMissing,
                message: format!(
                    "could not load private key file \"{}\": Permission denied",
                    self.written
                ),
                detail: None,
                observed: if info.uid == a.uid {
                    format!(
                        "{observed}: its owner, the server account {}, may not read it",
                        a.name
                    )
                } else {
                    format!(
                        "{observed}: the server account {} is neither the owner nor in group {}",
                        a.name,
                        self.accounts.group_name(info.gid)
                    )
                },
                fix,
                edits: vec![edit],
            },
        );
    }

    /// The key itself: a PEM key the server can load without a terminal,
    /// and the key of the certificate's leaf.
    fn judge_contents(
        &self,
        source: &dyn Source,
        tls: &TlsSettings,
        leaf: Option<&X509>,
        input: &CheckInput,
        out: &mut Output,
    ) {
        match source.read(&self.path) {
            Ok(text) => match load_key(&text) {
                KeyLoad::Loaded(key) => {
                    if let Some(leaf) = leaf {
                        self.pairs_with(leaf, &key, input, out);
                    }
                }
                KeyLoad::Encrypted => self.encrypted(tls, out),
                KeyLoad::Unreadable => self.not_a_pem_key(out),
            },
            Err(e) => out.problem(Diagnostic::warning(
                None,
                format!(
                    "cannot read \"{}\" to check it: {} (run pgtls check as root or as the server account)",
                    self.path.display(),
                    super::strerror(&e)
                ),
            )),
        }
    }

    fn pairs_with(&self, leaf: &X509, key: &PKey<Private>, input: &CheckInput, out: &mut Output) {
        let matches = leaf.public_key().map(|p| p.public_eq(key)).unwrap_or(false);
        if matches {
            return;
        }
        let cert_fp = leaf
            .public_key()
            .map(|p| public_key_fingerprint(&p))
            .unwrap_or_default();
        let key_fp = public_key_fingerprint(key);
        let mut f = new_finding(Code::KeyCertMismatch);
        let message = format!(
            "could not load private key file \"{}\": key values mismatch",
            self.written
        );
        f.evidence.push(self.setting.clone());
        f.evidence.push(self.cert_setting.clone());
        f.evidence.push(evidence(
            format!(
                "public key SHA-256 {cert_fp} ({})",
                describe(leaf, input.now).subject
            ),
            self.cert_path.display().to_string(),
        ));
        f.evidence.push(evidence(
            format!("public key SHA-256 {key_fp}"),
            self.path.display().to_string(),
        ));
        f.facts.insert("cert_public_key_sha256".into(), cert_fp);
        f.facts.insert("key_public_key_sha256".into(), key_fp);
        f.reading = Some(fatal_reading(&message, None));
        f.fix.push(
            CheckServerText::PairKeyWithCert {
                cert_sh: &sh(self.cert_path),
                key_sh: &sh(&self.path),
            }
            .into(),
        );
        out.fatal(Some(Code::KeyCertMismatch), message, Some(self.loc.clone()));
        out.push(f, Stage::ServerStart);
    }

    /// An encrypted key loads only with ssl_passphrase_command (or a
    /// terminal, which a service does not have).
    fn encrypted(&self, tls: &TlsSettings, out: &mut Output) {
        if tls.passphrase_command.value.is_some() {
            out.note(
                None,
                format!(
                    "\"{}\" is encrypted; ssl_passphrase_command is not run by pgtls check, so the key is not compared with the certificate",
                    self.path.display()
                ),
            );
            return;
        }
        let mut f = new_finding(Code::ServerKeyMissing);
        let message = format!(
            "could not load private key file \"{}\": processing error",
            self.written
        );
        f.evidence.push(self.setting.clone());
        f.evidence.push(evidence(
            "the key is encrypted and ssl_passphrase_command is not set",
            self.path.display().to_string(),
        ));
        f.reading = Some(fatal_reading(&message, None));
        f.notes
            .push(CheckServerText::PassphraseNeedsTerminal.into());
        f.fix.push(
            CheckServerText::SetPassphraseCommand {
                path_sh: &sh(&self.path),
            }
            .into(),
        );
        out.fatal(
            Some(Code::ServerKeyMissing),
            message,
            Some(self.loc.clone()),
        );
        out.push(f, Stage::ServerStart);
    }

    fn not_a_pem_key(&self, out: &mut Output) {
        let mut f = new_finding(Code::ServerKeyMissing);
        let message = format!(
            "could not load private key file \"{}\": unsupported",
            self.written
        );
        f.evidence.push(self.setting.clone());
        f.evidence.push(evidence(
            "no PEM private key in the file",
            self.path.display().to_string(),
        ));
        f.reading = Some(fatal_reading(&message, None));
        f.fix.push(CheckServerText::PointKeyFileAtPem.into());
        out.fatal(
            Some(Code::ServerKeyMissing),
            message,
            Some(self.loc.clone()),
        );
        out.push(f, Stage::ServerStart);
    }
}

/// Validity and strength of the certificates the server sends.
fn check_chain_quality(
    facts: &ServerFacts,
    cert_written: &str,
    cert_loc: &str,
    cert_path: &Path,
    input: &CheckInput,
    out: &mut Output,
) {
    for (i, cert) in facts.chain.iter().enumerate() {
        let info = describe(cert, input.now);
        let place = format!(
            "{} (certificate {} of {})",
            cert_path.display(),
            i + 1,
            facts.chain.len()
        );
        if let Some(why) = weakness(&info) {
            let reason = if i == 0 {
                "ee key too small"
            } else if why.contains("signature") {
                "ca md too weak"
            } else {
                "ca key too small"
            };
            let message =
                format!("could not load server certificate file \"{cert_written}\": {reason}");
            let mut f = new_finding(Code::WeakCrypto);
            f.evidence
                .push(evidence(format!("{}: {why}", info.subject), place.clone()));
            f.reading = Some(fatal_reading(&message, None));
            // A weak key cannot be made strong: a new key, and a new
            // certificate for it (for a CA, its holder reissues it).
            let issue = if i == 0 {
                format!(
                    "<a new key (ECDSA P-256, or RSA of 2048 bits or more) in ssl_key_file; {}>",
                    issue_words(&info, "that key and SHA-256")
                )
            } else {
                format!(
                    "<have the holder of {} reissue it with a key of 2048 bits or more (or P-256) and SHA-256, then reissue what it signed>",
                    info.subject
                )
            };
            f.edits.push(Edit::new(
                EditKind::Command {
                    command: format!("{issue} > {}", sh(cert_path)),
                },
                Applicability::HasPlaceholders,
                Then::Restart,
            ));
            out.fatal(Some(Code::WeakCrypto), message, Some(cert_loc.to_string()));
            out.push(f, Stage::ServerStart);
        }
        if info.expired() || info.not_yet_valid {
            let mut f = new_finding(Code::ServerCertExpired);
            let when = if info.not_yet_valid {
                format!("not valid before {}", info.not_before)
            } else {
                format!("expired {} ({} days ago)", info.not_after, info.days_ago())
            };
            f.evidence
                .push(evidence(format!("{}: {when}", info.subject), place.clone()));
            f.facts.insert("not_after".into(), info.not_after.clone());
            f.notes
                .push(CheckServerText::ExpiredRefusedByVerifyingClients.into());
            f.fix.push(
                CheckServerText::RenewCertificate {
                    path: cert_path,
                    path_sh: &sh(cert_path),
                }
                .into(),
            );
            f.edits.push(renewal(&info, cert_path));
            out.push(f, Stage::Connection);
        } else if let Some(days_left) = info.expiring_within(input.warn_days) {
            let mut f = new_finding(Code::CertExpiringSoon);
            f.evidence.push(evidence(
                format!(
                    "{}: notAfter {} ({} days left)",
                    info.subject, info.not_after, days_left
                ),
                place,
            ));
            f.facts.insert("days_left".into(), days_left.to_string());
            f.facts.insert("not_after".into(), info.not_after.clone());
            f.edits.push(renewal(&info, cert_path));
            out.push(f, Stage::Connection);
        }
    }
}

/// What to ask the issuing CA's holder for: the same subject and names,
/// for `key`. Only that person can issue it; what to issue is known.
fn issue_words(info: &crate::certinfo::CertInfo, key: &str) -> String {
    let sans = if info.sans.is_empty() {
        String::new()
    } else {
        format!(", {}", info.sans.join(", "))
    };
    format!(
        "have {} issue a new certificate for {}{sans}, for {key}",
        info.issuer, info.subject
    )
}

/// PGTLS010/023: a new certificate for the same key, in place of the old
/// one, taken at a reload.
fn renewal(info: &crate::certinfo::CertInfo, cert_path: &Path) -> Edit {
    renewal_into(info, &sh(cert_path))
}

/// [`renewal`] into `target` as a shell word (a placeholder when only the
/// server's side knows the file: a connection cannot tell).
pub(crate) fn renewal_into(info: &crate::certinfo::CertInfo, target: &str) -> Edit {
    Edit::new(
        EditKind::Command {
            command: format!(
                "<{}> > {target}",
                issue_words(info, "the key in ssl_key_file")
            ),
        },
        Applicability::HasPlaceholders,
        Then::Reload,
    )
}

/// The edit that sets `key = value` where the value comes from now (the
/// line that sets it), or at the end of the main postgresql.conf when it
/// is at its default. A value in postgresql.auto.conf is changed there:
/// it wins over postgresql.conf.
pub(crate) fn setting_edit(
    conf: &PostgresqlConf,
    origin: &Origin,
    key: &str,
    value: &str,
    applicability: Applicability,
    then: Then,
) -> Edit {
    let (file, line, before) = match origin {
        Origin::File(loc) => (
            loc.file.to_path_buf(),
            Some(loc.line),
            conf.get(key).map(|s| s.value.clone()),
        ),
        Origin::Default => (conf.config_file().to_path_buf(), None, None),
    };
    Edit::new(
        EditKind::Setting {
            file,
            line,
            key: key.to_string(),
            before,
            after: value.to_string(),
        },
        applicability,
        then,
    )
}

/// The major version in `DIR/PG_VERSION` (`15`; `9.6` reads as 9).
pub(crate) fn pg_version(source: &dyn Source, dir: &Path) -> Option<u32> {
    let text = source.read(&dir.join("PG_VERSION")).ok()?;
    text.trim().split('.').next()?.parse().ok()
}

/// PostgreSQL's `checkDataDir`, the first thing the server checks: the data
/// directory belongs to the server's account and is 0700 or 0750 (no group
/// write, nothing for others).
fn check_data_dir(source: &dyn Source, dir: &Path, account: Option<&Account>, out: &mut Output) {
    let Ok(info) = source.metadata(dir) else {
        return;
    };
    let shown = dir.display();
    if let Some(acct) = account.filter(|a| a.uid != info.uid) {
        let message = format!("data directory \"{shown}\" has wrong ownership");
        out.problem(Diagnostic::error(
            None,
            format!(
                "{message}: the server runs as {} (uid {}) and the directory belongs to uid {}; fix: `chown {} {}`",
                acct.name,
                acct.uid,
                info.uid,
                acct.name,
                sh(dir)
            ),
        ));
        out.fatal(None, message, Some(shown.to_string()));
    }
    // PG_MODE_MASK_GROUP: group write and any access for others.
    if info.mode & 0o027 != 0 {
        let message = format!("data directory \"{shown}\" has invalid permissions");
        out.problem(Diagnostic::error(
            None,
            format!(
                "{message} (mode {:04o}): Permissions should be u=rwx (0700) or u=rwx,g=rx (0750); fix: `chmod 0700 {}`",
                info.mode,
                sh(dir)
            ),
        ));
        out.fatal(None, message, Some(shown.to_string()));
    }
}

/// After the key: protocol range, ciphers, CA file, CRL.
fn check_rest(
    source: &dyn Source,
    conf: &PostgresqlConf,
    tls: &TlsSettings,
    facts: &mut ServerFacts,
    out: &mut Output,
) {
    let acct = facts.account.clone().unwrap_or_else(anyone);
    let (min, max) = (tls.min_protocol.value, tls.max_protocol.value);
    if let Some(max) = max {
        if min > max {
            let mut f = new_finding(Code::ProtocolVersionMismatch);
            let loc = match (&tls.min_protocol.origin, &tls.max_protocol.origin) {
                (_, Origin::File(l)) => l.to_string(),
                (Origin::File(l), _) => l.to_string(),
                _ => String::from("postgresql.conf"),
            };
            f.evidence.push(evidence(
                format!("ssl_min_protocol_version = '{}'", min.pg_name()),
                origin_text(&tls.min_protocol.origin, conf.config_file()),
            ));
            f.evidence.push(evidence(
                format!("ssl_max_protocol_version = '{}'", max.pg_name()),
                origin_text(&tls.max_protocol.origin, conf.config_file()),
            ));
            f.facts
                .insert("server_min".into(), min.pg_name().to_string());
            f.facts
                .insert("server_max".into(), max.pg_name().to_string());
            let message = "could not set SSL protocol version range".to_string();
            f.reading = Some(fatal_reading(
                &message,
                Some("\"ssl_min_protocol_version\" cannot be higher than \"ssl_max_protocol_version\""),
            ));
            f.notes.push(
                CheckServerText::EmptyProtocolRange {
                    min: min.pg_name(),
                    max: max.pg_name(),
                }
                .into(),
            );
            f.fix
                .push(CheckServerText::MakeProtocolRangeNonEmpty.into());
            out.fatal(Some(Code::ProtocolVersionMismatch), message, Some(loc));
            out.push(f, Stage::ServerStart);
        }
    }
    if min < TlsVersion::Tls1_2 {
        let mut f = new_finding(Code::LegacyTlsAccepted);
        f.evidence.push(evidence(
            format!("ssl_min_protocol_version = '{}'", min.pg_name()),
            origin_text(&tls.min_protocol.origin, conf.config_file()),
        ));
        f.notes
            .push(CheckServerText::LegacyTlsRefusedByOpenssl3.into());
        // Clients limited to TLS 1.0/1.1 would be locked out: a person
        // decides.
        f.edits.push(setting_edit(
            conf,
            &tls.min_protocol.origin,
            "ssl_min_protocol_version",
            "'TLSv1.2'",
            Applicability::MaybeIncorrect,
            Then::Reload,
        ));
        out.push(f, Stage::Connection);
    }

    let ciphers = &tls.ciphers.value;
    let cipher_ok = SslContextBuilder::new(SslMethod::tls())
        .map(|mut b| b.set_cipher_list(ciphers).is_ok())
        .unwrap_or(true);
    if !cipher_ok {
        let loc = match &tls.ciphers.origin {
            Origin::File(l) => Some(l.clone()),
            Origin::Default => None,
        };
        let message = "could not set the cipher list (no valid ciphers available)".to_string();
        out.problem(
            Diagnostic::error(loc.clone(), message.clone())
                .with_hint(format!("ssl_ciphers = {} names no cipher OpenSSL knows; the default is 'HIGH:MEDIUM:+3DES:!aNULL'", conf_quote(ciphers))),
        );
        out.fatal(None, message, loc.map(|l| l.to_string()));
    }

    if let Some(ca_path) = tls.ca_file.value.clone() {
        let ca_written = written(conf, "ssl_ca_file", "");
        let ca_loc = origin_text(&tls.ca_file.origin, &ca_path);
        facts.ca_file = Some(ca_path.clone());
        facts.ca_origin = Some(ca_loc.clone());
        let a = access(source, &ca_path, &acct, true);
        let failure = match &a {
            Access::Ok(info) if info.kind == FileKind::Dir => Some((
                "no certificate or crl found".to_string(),
                "is a directory".to_string(),
            )),
            Access::Ok(_) => match source.read(&ca_path) {
                Ok(text) => {
                    let c = pem_contents(&text);
                    if c.certs.is_empty() && c.crls == 0 {
                        Some((
                            "no certificate or crl found".into(),
                            "holds no PEM certificate".into(),
                        ))
                    } else {
                        facts.ca = Some(c.certs);
                        None
                    }
                }
                Err(e) => {
                    out.problem(Diagnostic::warning(
                        None,
                        format!(
                            "cannot read \"{}\" to check it: {} (run pgtls check as root or as the server account)",
                            ca_path.display(),
                            super::strerror(&e)
                        ),
                    ));
                    None
                }
            },
            Access::Unknown(_) => None,
            other => Some((other.strerror().to_string(), other.strerror().to_string())),
        };
        if let Some((reason, observed)) = failure {
            let message =
                format!("could not load root certificate file \"{ca_written}\": {reason}");
            let mut f = new_finding(Code::TrustStoreInvalid);
            f.evidence.push(evidence(
                format!("ssl_ca_file = {}", conf_quote(&ca_written)),
                ca_loc.clone(),
            ));
            f.evidence
                .push(evidence(observed, ca_path.display().to_string()));
            f.reading = Some(fatal_reading(&message, None));
            f.fix
                .extend(reach_fix(&facts.accounts, &acct, &ca_path, &a, false));
            f.fix.push(CheckServerText::PointCaFileAtPem.into());
            out.fatal(Some(Code::TrustStoreInvalid), message, Some(ca_loc));
            out.push(f, Stage::ServerStart);
        }
    }

    facts.sent_chain = auto_chain(&facts.chain, facts.ca.as_deref().unwrap_or(&[]));

    let crl_file = tls.crl_file.value.clone();
    let crl_dir = tls.crl_dir.value.clone();
    if let Some(crl) = crl_file {
        let crl_written = written(conf, "ssl_crl_file", "");
        let loc = match &tls.crl_file.origin {
            Origin::File(l) => Some(l.clone()),
            Origin::Default => None,
        };
        let a = access(source, &crl, &acct, true);
        let reason = match &a {
            Access::Ok(_) => match source.read(&crl) {
                Ok(text) => {
                    let c = pem_contents(&text);
                    (c.crls == 0 && c.certs.is_empty())
                        .then(|| "no certificate or crl found".to_string())
                }
                Err(_) => None,
            },
            Access::Unknown(_) => None,
            other => Some(other.strerror().to_string()),
        };
        // With ssl_crl_dir set as well, the server only logs a failed file.
        if let (Some(reason), None) = (reason, &crl_dir) {
            let message = format!(
                "could not load SSL certificate revocation list file \"{crl_written}\": {reason}"
            );
            out.problem(Diagnostic::error(loc.clone(), message.clone()));
            out.fatal(None, message, loc.map(|l| l.to_string()));
        }
    }
}

fn load_hba(
    source: &dyn Source,
    data_dir: Option<&Path>,
    input: &CheckInput,
    facts: &mut ServerFacts,
    out: &mut Output,
) -> Result<(), CheckError> {
    let path: Option<PathBuf> = input
        .hba
        .clone()
        .or_else(|| facts.tls.as_ref().map(|t| t.hba_file.value.clone()))
        .or_else(|| data_dir.map(|d| d.join("pg_hba.conf")));
    let Some(path) = path else { return Ok(()) };
    facts.hba_path = Some(path.clone());
    let db_user_namespace = facts
        .conf
        .as_ref()
        .and_then(|c| c.get("db_user_namespace"))
        .and_then(|s| parse_bool(&s.value))
        .unwrap_or(false);
    let opts = HbaOptions {
        ssl_enabled: facts.conf.as_ref().map(|_| facts.ssl),
        db_user_namespace,
        server_major: facts.server_major,
    };
    let acct = facts.account.clone().unwrap_or_else(anyone);
    let reach = access(source, &path, &acct, true);
    let file = match hba::load(source, &path, opts) {
        Ok(f) => f,
        Err(pgtls_config::ConfigError::Read { path, source: e }) => {
            if e.kind() == std::io::ErrorKind::NotFound
                || input.hba.is_none() && matches!(reach, Access::Missing { .. })
            {
                let message = format!(
                    "could not open configuration file \"{}\": {}",
                    path.display(),
                    super::strerror(&e)
                );
                out.problem(Diagnostic::error(None, message));
                out.fatal(
                    None,
                    "could not load pg_hba.conf".into(),
                    Some(path.display().to_string()),
                );
                return Ok(());
            }
            return Err(CheckError::Read { path, source: e });
        }
    };
    if let Access::Denied { .. } = reach {
        out.problem(Diagnostic::error(
            None,
            format!(
                "could not open configuration file \"{}\": Permission denied (the server account {} cannot read it)",
                path.display(),
                acct.name
            ),
        ));
        out.fatal(
            None,
            "could not load pg_hba.conf".into(),
            Some(path.display().to_string()),
        );
    }
    let ssl_off =
        |d: &Diagnostic| d.message == "hostssl record cannot match because SSL is disabled";
    for d in file.diagnostics.iter().filter(|d| !ssl_off(d)) {
        out.problem(d.clone());
    }
    for d in &file.diagnostics {
        if let Some(f) = inline_include(source, &path, d, facts.server_major) {
            out.push(f, Stage::ServerStart);
        }
    }
    if let Some(e) = file.diagnostics.iter().find(|d| is_error(d)) {
        out.fatal(
            Some(Code::HbaFileRefused),
            "could not load pg_hba.conf".into(),
            Some(
                e.location
                    .as_ref()
                    .map_or_else(|| path.display().to_string(), Location::to_string),
            ),
        );
    }
    facts.hba = Some(file);
    Ok(())
}

/// PGTLS033 for an include record in the pg_hba.conf of a server before
/// 16, which reads `include`, `include_if_exists` and `include_dir` as an
/// invalid connection type and refuses the whole file. The fix puts the
/// included lines in the record's place, as 16 would read them (hba.c:
/// a relative name is relative to the including file's directory;
/// `include_dir` takes the directory's `.conf` files in name order, hidden
/// ones left out; a missing `include_if_exists` file adds nothing). An
/// included file that holds include records itself, or cannot be read, is
/// left to a person.
fn inline_include(
    source: &dyn Source,
    hba_path: &Path,
    d: &Diagnostic,
    server_major: Option<u32>,
) -> Option<crate::Finding> {
    let keyword = d
        .message
        .strip_prefix("invalid connection type \"")?
        .strip_suffix('"')?;
    if !matches!(keyword, "include" | "include_if_exists" | "include_dir") {
        return None;
    }
    let location = d.location.as_ref()?;
    let text = source.read(hba_path).ok()?;
    let record = text
        .lines()
        .nth(location.line.checked_sub(1)?)?
        .trim()
        .to_string();
    let argument = record
        .strip_prefix(keyword)?
        .trim()
        .trim_matches('"')
        .to_string();
    if argument.is_empty() {
        return None;
    }
    let dir = hba_path.parent().unwrap_or(Path::new("."));
    let target = if Path::new(&argument).is_absolute() {
        PathBuf::from(&argument)
    } else {
        dir.join(&argument)
    };
    let files: Vec<PathBuf> = match keyword {
        "include_dir" => {
            let mut names: Vec<String> = source
                .list_dir(&target)
                .ok()?
                .into_iter()
                .map(|e| e.name)
                .filter(|n| n.ends_with(".conf") && !n.starts_with('.'))
                .collect();
            names.sort();
            names.into_iter().map(|n| target.join(n)).collect()
        }
        "include_if_exists" if source.metadata(&target).is_err() => Vec::new(),
        _ => vec![target.clone()],
    };
    let mut lines: Vec<String> = Vec::new();
    for f in &files {
        let body = source.read(f).ok()?;
        for l in body.lines() {
            let first = l.split_whitespace().next().unwrap_or("");
            if first.starts_with("include") {
                return None;
            }
            lines.push(l.to_string());
        }
    }
    let version = server_major.map_or_else(|| "before 16".to_string(), |v| v.to_string());
    let mut after =
        format!("# {record}\t(its lines below: PostgreSQL {version} reads no include records)");
    for l in &lines {
        after.push('\n');
        after.push_str(l);
    }
    let mut f = new_finding(Code::HbaFileRefused);
    f.evidence
        .push(evidence(record.clone(), location.to_string()));
    f.reading = Some(
        CheckServerText::IncludeRecordRefused {
            version: &version,
            keyword,
        }
        .into(),
    );
    f.fix.push(
        CheckServerText::InlineIncludedLines {
            count: lines.len(),
            record: &record,
        }
        .into(),
    );
    f.edits.push(Edit::new(
        EditKind::HbaLine {
            file: location.file.to_path_buf(),
            line: Some(location.line),
            before: Some(record),
            after,
        },
        Applicability::MachineApplicable,
        Then::Reload,
    ));
    Some(f)
}

fn load_ident(
    source: &dyn Source,
    data_dir: Option<&Path>,
    input: &CheckInput,
    facts: &mut ServerFacts,
    out: &mut Output,
) -> Result<(), CheckError> {
    let path: Option<PathBuf> = input
        .ident
        .clone()
        .or_else(|| facts.tls.as_ref().map(|t| t.ident_file.value.clone()))
        .or_else(|| {
            input
                .hba
                .as_ref()
                .and_then(|h| h.parent().map(|p| p.join("pg_ident.conf")))
        })
        .or_else(|| data_dir.map(|d| d.join("pg_ident.conf")));
    let Some(path) = path else { return Ok(()) };
    facts.ident_path = Some(path.clone());
    match ident::load_for(source, &path, facts.server_major) {
        Ok(f) => {
            let broken = f.diagnostics.iter().any(is_error);
            for d in &f.diagnostics {
                let mut d = d.clone();
                if is_error(&d) {
                    // The server starts, but ignores the whole file.
                    d.severity = pgtls_config::Severity::Warning;
                    // Measured on 12 and 15 (tests/auth_versions.rs): at a
                    // reload the old lines stay in force.
                    let en = "the server starts, but ignores all of pg_ident.conf while it has an error: every map= fails (at a reload it keeps the lines it had and logs pg_ident.conf was not reloaded)";
                    let ja = "サーバーは起動しますが、エラーがある間は pg_ident.conf 全体を無視し、map= はすべて失敗します (再読み込みでは以前の行を使い続け、pg_ident.conf was not reloaded と記録します)";
                    let (en, ja) = match (d.hint_in(false), d.hint_in(true)) {
                        (Some(h), Some(hj)) => (format!("{h}. {en}"), format!("{hj}。{ja}")),
                        _ => (en.to_string(), ja.to_string()),
                    };
                    d = d.with_hints(en, ja);
                }
                out.problem(d);
            }
            if !broken {
                facts.ident = Some(f);
            }
        }
        Err(pgtls_config::ConfigError::Read { path, source: e }) => {
            if e.kind() == std::io::ErrorKind::NotFound {
                let uses_maps = facts
                    .hba
                    .as_ref()
                    .is_some_and(|h| h.lines.iter().any(|l| l.map.is_some()));
                let d = Diagnostic::new(
                    if uses_maps {
                        pgtls_config::Severity::Warning
                    } else {
                        pgtls_config::Severity::Note
                    },
                    None,
                    format!(
                        "could not open usermap file \"{}\": {}",
                        path.display(),
                        super::strerror(&e)
                    ),
                );
                out.problem(d);
            } else if input.ident.is_some() {
                return Err(CheckError::Read { path, source: e });
            }
        }
    }
    Ok(())
}

/// Lines that can never work: hostssl with TLS off (PGTLS009), client
/// certificates without a CA file (PGTLS019).
fn hba_rules(facts: &ServerFacts, out: &mut Output) {
    let Some(hba) = &facts.hba else { return };
    let Some(tls) = &facts.tls else { return };
    let ssl_loc = origin_text(
        &tls.ssl.origin,
        facts
            .conf
            .as_ref()
            .map_or(Path::new("postgresql.conf"), |c| c.config_file()),
    );
    if !facts.ssl {
        let lines: Vec<_> = hba
            .lines
            .iter()
            .filter(|l| l.conn_type == ConnType::HostSsl)
            .collect();
        if !lines.is_empty() {
            let mut f = new_finding(Code::ServerSslDisabled);
            f.evidence.push(evidence(
                match &tls.ssl.origin {
                    Origin::File(_) => "ssl = off".to_string(),
                    Origin::Default => "ssl is not set (default off)".to_string(),
                },
                ssl_loc.clone(),
            ));
            for l in &lines {
                f.evidence
                    .push(evidence(l.raw.clone(), l.location.to_string()));
            }
            f.reading = Some(CheckServerText::HostsslWithSslOff.into());
            f.fix
                .push(CheckServerText::TurnSslOn { ssl_loc: &ssl_loc }.into());
            f.cover(&[0]);
            if let Some(conf) = &facts.conf {
                f.edits.push(setting_edit(
                    conf,
                    &tls.ssl.origin,
                    "ssl",
                    "on",
                    if facts.tls_files_present {
                        Applicability::MachineApplicable
                    } else {
                        Applicability::MaybeIncorrect
                    },
                    Then::Reload,
                ));
            }
            out.push(f, Stage::Connection);
        }
        return;
    }
    if facts.ca_file.is_none() {
        for l in hba.lines.iter().filter(|l| l.requires_client_cert()) {
            let mut f = new_finding(Code::RootStoreMissingForCertAuth);
            f.evidence
                .push(evidence(l.raw.clone(), l.location.to_string()));
            f.evidence.push(evidence(
                "ssl_ca_file is not set",
                origin_text(
                    &tls.ca_file.origin,
                    facts
                        .conf
                        .as_ref()
                        .map_or(Path::new("postgresql.conf"), |c| c.config_file()),
                ),
            ));
            f.reading = Some(CheckServerText::ClientCertsNeedCaFile.into());
            f.fix.push(CheckServerText::SetCaFile.into());
            if let Some(conf) = &facts.conf {
                f.edits.push(setting_edit(
                    conf,
                    &tls.ca_file.origin,
                    "ssl_ca_file",
                    "'<the CA file that issues the client certificates>'",
                    Applicability::HasPlaceholders,
                    Then::Reload,
                ));
            }
            out.push(f, Stage::Connection);
        }
    }
}

/// The chain OpenSSL sends: the file's certificates when it holds more than
/// the leaf; otherwise the leaf and its issuers found in the CA store
/// (ssl_cert_file's leaf alone triggers OpenSSL's automatic chain building
/// from the store that ssl_ca_file filled), up to a self-signed one.
pub(crate) fn auto_chain(
    file: &[openssl::x509::X509],
    store: &[openssl::x509::X509],
) -> Vec<openssl::x509::X509> {
    use openssl::x509::X509VerifyResult;
    if file.len() != 1 {
        return file.to_vec();
    }
    let mut chain = file.to_vec();
    for _ in 0..10 {
        let Some(cur) = chain.last() else { break };
        if cur.issued(cur) == X509VerifyResult::OK {
            break;
        }
        let Some(issuer) = store
            .iter()
            .find(|c| c.issued(cur) == X509VerifyResult::OK && !chain.iter().any(|x| x == *c))
        else {
            break;
        };
        chain.push(issuer.clone());
    }
    chain
}
