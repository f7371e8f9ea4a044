//! libpq mode: a connection string (URI or `key=value`), the `PG*`
//! environment and `~/.pgpass` resolved with the rules of the libpq version
//! modelled (`--libpq-version`, default the newest: options differ from 12
//! to 18, and an option an older libpq lacks stops it before it connects),
//! turned into one connection as psql would make it. A password written into the
//! connection string is refused: it would sit in the shell history and the
//! process list; PGPASSWORD or ~/.pgpass carry it instead.

use std::path::{Path, PathBuf};

use anyhow::Context;
use openssl::pkey::PKey;
use openssl::x509::X509;
use pgtls_catalogue::Code;
use pgtls_config::libpq::{
    self as conf, ChannelBinding, ClientEnv, Param, ParamOrigin, PgpassOutcome, ResolvedConn,
    KEYWORDS,
};
use pgtls_config::libpq_client::LibpqClient;
use pgtls_config::FsSource;
use pgtls_diagnose::probe_rules::{ClientCert, ClientConfig, ClientKind, Setting, SettingOrigin};
use pgtls_diagnose::{Evidence, Finding, Localized, Msg};
use pgtls_probe::{
    AuthRequirement, ChannelBindingPref, ClientIdentity, Negotiation, ProbeConfig, Verify,
};

use super::text::ProbeCmdText;
use super::{seconds, setting_row, Plan, Planned, ProbeArgs};
use crate::client_env::libpq_env;
use crate::trust::load_pem_file;

/// Whether a connection string is a `postgresql://` / `postgres://` URI.
fn is_uri(conninfo: &str) -> bool {
    conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://")
}

fn origin(o: &ParamOrigin) -> SettingOrigin {
    match o {
        ParamOrigin::ConnString => SettingOrigin::ConnString,
        ParamOrigin::Env(var) => SettingOrigin::Env {
            var: var.to_string(),
        },
        ParamOrigin::Default => SettingOrigin::Default,
    }
}

fn setting<T>(key: &str, p: &Param<T>, shown: impl Into<String>) -> Setting {
    let mut s = Setting::new(key, shown, origin(&p.origin));
    if let Some((_, Some(env), _)) = KEYWORDS.iter().find(|(k, _, _)| *k == key) {
        s = s.env(*env);
    }
    s
}

/// Refuses a password (or a key passphrase) written into the connection
/// string, without ever echoing it. It looks at what libpq's own parser
/// made of the string (percent-decoded URI keys, quoted values run
/// together), so no spelling that libpq would accept slips past.
fn refuse_password(params: &conf::ConnParams) -> anyhow::Result<()> {
    for keyword in ["password", "sslpassword"] {
        if params.get(keyword).is_some() {
            anyhow::bail!(
                "the connection string holds a {keyword}; pgtls probe refuses secrets on the command line (they end up in shell history and the process list): remove it and set PGPASSWORD or a ~/.pgpass line instead"
            );
        }
    }
    Ok(())
}

fn finding(code: Code) -> Finding {
    Finding::new(code.diagnosis())
}

pub(crate) fn plan(args: &ProbeArgs) -> anyhow::Result<Plan> {
    let conninfo = args.conninfo.clone().unwrap_or_default();
    plan_with_env(args, &conninfo, &libpq_env())
}

/// The plan for a connection string read with `env` as the client's
/// environment (the exporter passes an empty one: the module alone decides).
pub(crate) fn plan_with_env(
    args: &ProbeArgs,
    conninfo: &str,
    env: &ClientEnv,
) -> anyhow::Result<Plan> {
    let params = conf::parse(conninfo).map_err(|e| anyhow::anyhow!("connection string: {e}"))?;
    refuse_password(&params)?;
    let major = args.libpq_version.unwrap_or(conf::NEWEST_LIBPQ);
    let plan = match conf::resolve_as(&params, env, major) {
        Ok(resolved) => plan_resolved(args, &LibpqClient::new(resolved, &FsSource), env),
        // An option of a later libpq: the plan is the newest libpq's, and
        // the modelled one stops before connecting, as it really does.
        Err(conf::LibpqError::InvalidOption(key)) if conf::keyword_since(&key) > major => {
            let resolved = conf::resolve(&params, env).map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut plan = plan_resolved(args, &LibpqClient::new(resolved, &FsSource), env)?;
            let line = format!("invalid connection option \"{key}\"");
            plan.preflight = vec![too_old(&key, major, &line, conf::keyword_since(&key))];
            plan.preflight_line = Some(if major >= 14 {
                format!("psql: error: {line}")
            } else {
                line
            });
            Ok(plan)
        }
        Err(e) => anyhow::bail!("{e}"),
    };
    // What a postgres:// URI set is shown as coming from the URI.
    let mut plan = plan?;
    if is_uri(conninfo) {
        for (_, _, origin) in &mut plan.settings {
            if origin == "connection string" {
                *origin = "URI".to_string();
            }
        }
    }
    Ok(plan)
}

/// PGTLS034 for `option`, which libpq `since` brought and libpq `major`
/// lacks.
fn too_old(option: &str, major: u32, line: &str, since: u32) -> Finding {
    let mut f = finding(Code::LibpqTooOld);
    f.evidence.push(Evidence {
        origin: Some(pgtls_catalogue::Origin::Libpq),
        text: line.to_string(),
        location: Some(format!("libpq {major}")),
    });
    f.facts.insert("option".into(), option.to_string());
    f.facts.insert("libpq_version".into(), major.to_string());
    f.facts.insert("since".into(), since.to_string());
    f.reading = Some(
        ProbeCmdText::OptionTooNewForLibpq {
            option,
            since,
            major,
        }
        .msg(),
    );
    f.fix
        .push(ProbeCmdText::UseNewerLibpqOrDropOption { option, since }.msg());
    f
}

/// The certificates of the operating system's trust store, which libpq 16
/// loads for sslrootcert=system (OpenSSL's default file, or the file named
/// by SSL_CERT_FILE, as OpenSSL itself reads it), and the file they came
/// from.
fn system_anchors() -> anyhow::Result<(Vec<X509>, String)> {
    let file = pgtls_diagnose::edit::openssl_default_cert_file();
    let certs = load_pem_file(&file)
        .with_context(|| format!("the system trust store {}", file.display()))?;
    Ok((certs, file.display().to_string()))
}

/// Findings that stop the client before it connects, and the line it
/// prints for the first.
#[derive(Default)]
struct Preflight {
    findings: Vec<Finding>,
    line: Option<String>,
}

/// The root certificate file: used whenever it exists; required by
/// verify-ca and verify-full. Returns the setting, the anchors and the
/// files they came from.
fn root_store(
    libpq: &LibpqClient,
    mode: Negotiation,
    prefix: &str,
    pre: &mut Preflight,
) -> anyhow::Result<(Option<Setting>, Vec<X509>, Vec<String>)> {
    let r = &libpq.conn;
    let verifying_mode = libpq.mode().verifies();
    let trust = r
        .sslrootcert
        .as_ref()
        .map(|p| setting("sslrootcert", p, p.value.display().to_string()));
    let mut anchors = Vec::new();
    let mut trust_files = Vec::new();
    if libpq.trusts_system() {
        let (certs, file) = system_anchors()?;
        anchors = certs;
        trust_files.push(file);
        return Ok((trust, anchors, trust_files));
    }
    let old_system = libpq.root_named_system() && !libpq.root_exists;
    if old_system && verifying_mode {
        // libpq before 16 looks for a file named `system`.
        let major = r.libpq_major;
        let line = "root certificate file \"system\" does not exist\nEither provide the file or change sslmode to disable server certificate verification.";
        let mut f = too_old("sslrootcert=system", major, line, 16);
        f.reading = Some(ProbeCmdText::SystemRootcertBefore16 { major }.msg());
        f.fix.clear();
        f.fix.push(ProbeCmdText::UseLibpq16OrCaFile.msg());
        // What 16 would load, when it is there to name.
        let file = pgtls_diagnose::edit::openssl_default_cert_file();
        if file.is_file() {
            let sslmode =
                (r.sslmode.origin == conf::ParamOrigin::ConnString).then(|| libpq.mode().keyword());
            f.edits = pgtls_diagnose::edit::system_store_spelled_out(&file, sslmode);
        }
        pre.line = Some(format!("psql: error: {prefix}{line}"));
        pre.findings.push(f);
        return Ok((trust, anchors, trust_files));
    }
    if let Some(root) = &r.sslrootcert {
        let path = &root.value;
        if libpq.root_exists && mode != Negotiation::Disable {
            match load_pem_file(path) {
                Ok(certs) => {
                    anchors = certs;
                    trust_files.push(path.display().to_string());
                }
                Err(e) => {
                    let mut f = finding(Code::TrustStoreInvalid);
                    f.evidence.push(Evidence {
                        origin: None,
                        text: crate::output::describe(&e),
                        location: trust.as_ref().map(Setting::shown),
                    });
                    pre.line = Some(format!(
                        "psql: error: {prefix}could not read root certificate file \"{}\": no certificate or crl found",
                        path.display()
                    ));
                    pre.findings.push(f);
                }
            }
        } else if verifying_mode {
            let mut f = finding(Code::TrustStoreInvalid);
            f.evidence.push(Evidence {
                origin: None,
                text: format!("root certificate file {} does not exist", path.display()),
                location: trust.as_ref().map(Setting::shown),
            });
            f.fix.push(
                ProbeCmdText::PutCaAt {
                    path: &path.display().to_string(),
                }
                .msg(),
            );
            pre.line = Some(format!(
                "psql: error: {prefix}root certificate file \"{}\" does not exist\nEither provide the file or change sslmode to disable server certificate verification.",
                path.display()
            ));
            pre.findings.push(f);
        }
    } else if verifying_mode {
        anyhow::bail!(
            "sslmode={} needs a root certificate: set sslrootcert or HOME",
            r.sslmode.value.keyword()
        );
    }
    Ok((trust, anchors, trust_files))
}

/// The client certificate: used when its file exists; its key is checked
/// as libpq checks it before the key is read.
fn client_certificate(
    r: &ResolvedConn,
    mode: Negotiation,
    cfg: &mut ProbeConfig,
    prefix: &str,
    pre: &mut Preflight,
) -> anyhow::Result<Option<ClientCert>> {
    let mut client_cert = None;
    if let (Some(cert), true) = (&r.sslcert, mode != Negotiation::Disable) {
        if cert.value.exists() {
            let chain = load_pem_file(&cert.value)
                .with_context(|| format!("sslcert {}", cert.value.display()))?;
            let key_path = r
                .sslkey
                .as_ref()
                .map(|k| k.value.clone())
                .unwrap_or_else(|| PathBuf::from("postgresql.key"));
            // libpq's own checks of sslkey, before it reads it.
            if let Some(refusal) = key_refusal(&key_path) {
                let (code, evidence, line) = match refusal {
                    KeyRefusal::Missing => (
                        Code::ClientKeyMissing,
                        format!("sslkey {} does not exist", key_path.display()),
                        format!(
                            "certificate present, but not private key file \"{}\"",
                            key_path.display()
                        ),
                    ),
                    KeyRefusal::Open { mode, uid } => (
                        Code::ClientKeyPermissions,
                        format!(
                            "sslkey {} has mode {mode:04o} and owner uid {uid}: libpq allows 0600 or less (0640 or less when root owns it)",
                            key_path.display()
                        ),
                        format!(
                            "private key file \"{}\" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
                            key_path.display()
                        ),
                    ),
                };
                let mut f = finding(code);
                f.evidence.push(Evidence {
                    origin: None,
                    text: evidence,
                    location: Some("settings".into()),
                });
                if code == Code::ClientKeyPermissions {
                    f.fix.push(
                        ProbeCmdText::ChmodClientKey {
                            key: &key_path.display().to_string(),
                        }
                        .msg(),
                    );
                }
                pre.line = Some(format!("psql: error: {prefix}{line}"));
                pre.findings.push(f);
            } else {
                let key = load_key(&key_path)?;
                identity(
                    ClientIdentity::new(chain.clone(), key),
                    cfg,
                    pre,
                    &key_path,
                    &cert.value,
                    prefix,
                )?;
            }
            client_cert = Some(ClientCert {
                chain,
                path: cert.value.display().to_string(),
                key_path: key_path.display().to_string(),
                used: true,
            });
        }
    }
    Ok(client_cert)
}

/// The password: PGPASSWORD, else ~/.pgpass (never the command line);
/// returns where it came from (its value is never shown).
fn password(
    r: &ResolvedConn,
    host: &str,
    port: u16,
    cfg: &mut ProbeConfig,
    notes: &mut Vec<Msg>,
) -> Option<Setting> {
    let mut password_setting = None;
    if let Some(p) = &r.password {
        cfg.password = Some(p.value.clone());
        password_setting = Some(setting("password", p, "***"));
    } else if let Some(passfile) = &r.passfile {
        match conf::pgpass_lookup(
            &FsSource,
            &passfile.value,
            host,
            port,
            &r.dbname.value,
            &r.user.value,
        ) {
            PgpassOutcome::Found { password, location } => {
                cfg.password = Some(password.clone());
                password_setting = Some(Setting::new(
                    "password",
                    "***",
                    SettingOrigin::File {
                        path: location.file.display().to_string(),
                        line: location.line,
                    },
                ));
            }
            PgpassOutcome::Ignored { warning } => {
                notes.push(
                    ProbeCmdText::PgpassIgnored {
                        warning: &warning.to_string(),
                    }
                    .msg(),
                );
            }
            PgpassOutcome::NoMatch | PgpassOutcome::Unreadable => {}
        }
    }
    password_setting
}

fn plan_resolved(args: &ProbeArgs, libpq: &LibpqClient, env: &ClientEnv) -> anyhow::Result<Plan> {
    let r = &libpq.conn;
    let mut notes = Vec::new();
    for d in &r.notes {
        notes.push(
            ProbeCmdText::LibpqSays {
                note: &d.to_string(),
            }
            .msg(),
        );
    }
    let Some(first) = r.hosts.first() else {
        anyhow::bail!("no host to connect to");
    };
    if r.hosts.len() > 1 {
        notes.push(
            ProbeCmdText::LibpqTriesHostsInOrder {
                count: r.hosts.len(),
                first: first.display_host(),
            }
            .msg(),
        );
    }
    if libpq.local() {
        anyhow::bail!(
            "the connection would use the Unix-domain socket {} (no host given, or a socket directory): TLS is never used there; give host=NAME or set PGHOST",
            first.display_host()
        );
    }
    let name = first
        .host
        .clone()
        .filter(|h| !h.is_empty())
        .or_else(|| first.hostaddr.clone())
        .unwrap_or_default();
    let dial = first.hostaddr.clone().unwrap_or_else(|| name.clone());
    let port = first.port;
    let mode: Negotiation = r.sslmode.value.into();
    let sslmode = setting("sslmode", &r.sslmode, r.sslmode.value.keyword());
    let mut cfg = ProbeConfig::libpq(&dial, port, mode);
    // With a hostaddr, the name is still what TLS checks.
    if dial != name {
        cfg.tls.sni =
            (!name.is_empty() && name.parse::<std::net::IpAddr>().is_err()).then(|| name.clone());
        cfg.tls.host_name_check = libpq.verifies_host().then(|| name.clone());
    }
    if !r.sslsni.value {
        cfg.tls.sni = None;
    }
    cfg.user = r.user.value.clone();
    cfg.database = Some(r.dbname.value.clone());
    cfg.application_name = Some(
        r.application_name
            .as_ref()
            .map_or("psql".to_string(), |a| a.value.clone()),
    );
    cfg.channel_binding = match r.channel_binding.value {
        ChannelBinding::Disable => ChannelBindingPref::Disable,
        ChannelBinding::Prefer => ChannelBindingPref::Prefer,
        ChannelBinding::Require => ChannelBindingPref::Require,
    };
    cfg.tls.min_version = libpq.min_version();
    cfg.tls.max_version = libpq.max_version();
    if r.sslnegotiation.value == conf::SslNegotiation::Direct {
        cfg.direct_tls = true;
        cfg.tls.alpn = Some("postgresql".into());
    }
    cfg.require_auth = r.require_auth.as_ref().map(|p| AuthRequirement {
        shown: p.value.shown(),
        negated: p.value.negated,
        methods: p.value.methods.clone(),
    });
    cfg.require_cert_request = r.sslcertmode.value == conf::CertMode::Require;
    if r.sslkeylogfile.is_some() {
        notes.push(ProbeCmdText::KeylogNotWritten.msg());
    }
    cfg.tls.security_level = args.security_level;
    cfg.password_to_unverified_server = args.password_to_unverified_server;
    cfg.client_waits_forever = r.connect_timeout.value.is_none();
    cfg.timeout = match (args.timeout, r.connect_timeout.value) {
        (Some(t), _) => seconds(t, "--timeout")?,
        (None, Some(t)) => std::time::Duration::from_secs(u64::from(t)),
        (None, None) => pgtls_probe::DEFAULT_STEP_TIMEOUT,
    };

    // libpq 14 added the `connection to server at` part.
    let prefix = if r.libpq_major >= 14 {
        format!("connection to server at \"{name}\", port {port} failed: ")
    } else {
        String::new()
    };

    let mut pre = Preflight::default();
    let (trust, anchors, trust_files) = root_store(libpq, mode, &prefix, &mut pre)?;
    let verify = !anchors.is_empty();
    if verify {
        cfg.tls.verify = Verify::InHandshake;
        cfg.tls.trust_anchors = Some(anchors.clone());
    }

    let client_cert = client_certificate(r, mode, &mut cfg, &prefix, &mut pre)?;
    if !libpq.sends_cert() {
        cfg.tls.client_identity = None;
    }
    let password_setting = password(r, first.display_host(), port, &mut cfg, &mut notes);
    let _ = env;

    let versions = vec![
        setting(
            "ssl_min_protocol_version",
            &r.ssl_min_protocol_version,
            r.ssl_min_protocol_version.value.map_or("", |v| v.pg_name()),
        ),
        setting(
            "ssl_max_protocol_version",
            &r.ssl_max_protocol_version,
            r.ssl_max_protocol_version.value.map_or("", |v| v.pg_name()),
        ),
    ];
    let client = ClientConfig {
        kind: ClientKind::Libpq,
        edition: None,
        conf_file: None,
        host: name.clone(),
        port,
        user: r.user.value.clone(),
        database: r.dbname.value.clone(),
        ssl: vec![sslmode.clone()],
        tls_required: matches!(
            mode,
            Negotiation::Require | Negotiation::VerifyCa | Negotiation::VerifyFull
        ),
        verify,
        verify_setting: Some(sslmode.clone()),
        host_check: mode == Negotiation::VerifyFull,
        trust: trust.clone(),
        trust_files,
        anchors,
        depth: None,
        versions: versions.clone(),
        client_min: cfg.tls.min_version.map(|v| v.pg_name()),
        client_max: cfg.tls.max_version.map(|v| v.pg_name()),
        client_cert,
        cert_settings: ("sslcert".into(), "sslkey".into()),
        password: password_setting.clone(),
        security_level: args.security_level,
        direct_tls: cfg.direct_tls,
        libpq_major: Some(r.libpq_major),
        server_major: args.pg_version,
        auth_demands: r
            .require_auth
            .iter()
            .map(|p| setting("require_auth", p, p.value.shown()))
            .chain(
                (r.sslcertmode.value == conf::CertMode::Require)
                    .then(|| setting("sslcertmode", &r.sslcertmode, "require")),
            )
            .collect(),
    };

    let mut settings = Vec::new();
    let mut show = |s: &Setting| settings.push(setting_row(s));
    show(&Setting::new("host", name.clone(), origin(&r.host_origin)));
    show(&Setting::new(
        "port",
        port.to_string(),
        origin(&r.port_origin),
    ));
    show(&setting("user", &r.user, r.user.value.clone()));
    show(&setting("dbname", &r.dbname, r.dbname.value.clone()));
    if let Some(p) = &password_setting {
        show(p);
    }
    show(&sslmode);
    if let Some(t) = trust
        .as_ref()
        .filter(|t| verify || t.origin != SettingOrigin::Default)
    {
        show(t);
    }
    if let Some(c) = &r.sslcert {
        if c.value.exists() {
            show(&setting("sslcert", c, c.value.display().to_string()));
            if let Some(k) = &r.sslkey {
                show(&setting("sslkey", k, k.value.display().to_string()));
            }
        }
    }
    for v in &versions {
        if r.libpq_major >= 13 {
            show(v);
        }
    }
    if r.sslnegotiation.origin != ParamOrigin::Default {
        show(&setting(
            "sslnegotiation",
            &r.sslnegotiation,
            r.sslnegotiation.value.keyword(),
        ));
    }
    if r.sslcertmode.origin != ParamOrigin::Default {
        let v = match r.sslcertmode.value {
            conf::CertMode::Disable => "disable",
            conf::CertMode::Allow => "allow",
            conf::CertMode::Require => "require",
        };
        show(&setting("sslcertmode", &r.sslcertmode, v));
    }
    if let Some(p) = &r.require_auth {
        show(&setting("require_auth", p, p.value.shown()));
    }
    settings.push((
        "libpq version".to_string(),
        r.libpq_major.to_string(),
        if args.libpq_version.is_some() {
            "--libpq-version".to_string()
        } else {
            "default".to_string()
        },
    ));
    Ok(Plan {
        kong: None,
        target: if name.contains(':') {
            format!("[{name}]:{port}")
        } else {
            format!("{name}:{port}")
        },
        attempts: vec![Planned {
            label: "libpq",
            probe: cfg,
            client,
        }],
        preflight: pre.findings,
        preflight_line: pre.line,
        notes,
        settings,
    })
}

/// Pairs the client certificate with its key, or records libpq's refusal
/// when the key is another certificate's.
fn identity(
    paired: Result<ClientIdentity, pgtls_probe::ProbeError>,
    cfg: &mut ProbeConfig,
    pre: &mut Preflight,
    key_path: &Path,
    cert_path: &Path,
    prefix: &str,
) -> anyhow::Result<()> {
    match paired {
        Ok(id) => cfg.tls.client_identity = Some(id),
        Err(pgtls_probe::ProbeError::ClientKeyMismatch) => {
            let mut f = finding(Code::KeyCertMismatch);
            f.evidence.push(Evidence {
                origin: None,
                text: format!(
                    "sslkey {} is not the key of sslcert {}",
                    key_path.display(),
                    cert_path.display()
                ),
                location: Some("settings".into()),
            });
            pre.line = Some(format!(
                "psql: error: {prefix}could not load private key file \"{}\": key values mismatch",
                key_path.display()
            ));
            pre.findings.push(f);
        }
        Err(e) => anyhow::bail!("sslcert {}: {e}", cert_path.display()),
    }
    Ok(())
}

/// Why libpq refuses sslkey before reading it.
enum KeyRefusal {
    Missing,
    Open { mode: u32, uid: u32 },
}

/// libpq's rule (fe-secure-openssl.c): a key owned by root may be 0640 or
/// less, any other 0600 or less; a missing key stops it too.
fn key_refusal(path: &Path) -> Option<KeyRefusal> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return Some(KeyRefusal::Missing);
    };
    let (mode, uid) = (meta.mode() & 0o7777, meta.uid());
    let open = if uid == 0 {
        mode & 0o037 != 0
    } else {
        mode & 0o077 != 0
    };
    open.then_some(KeyRefusal::Open { mode, uid })
}

fn load_key(path: &Path) -> anyhow::Result<PKey<openssl::pkey::Private>> {
    let bytes = pgtls_config::read_limited(path, pgtls_config::MAX_INPUT_FILE).map_err(|_| {
        anyhow::anyhow!(
            "certificate present, but not private key file \"{}\"",
            path.display()
        )
    })?;
    PKey::private_key_from_pem(&bytes).map_err(|_| {
        anyhow::anyhow!(
            "sslkey {} is not an unencrypted PEM private key (pgtls probe does not take sslpassword)",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{conf, refuse_password};

    fn check(conninfo: &str) -> anyhow::Result<()> {
        refuse_password(&conf::parse(conninfo).expect(conninfo))
    }

    #[test]
    fn passwords_on_the_command_line_are_refused() {
        for bad in [
            "host=db password=s3cret",
            "password = 's3cret' host=db",
            "postgres://kong:s3cret@db/kong",
            "postgresql://db/kong?password=s3cret",
            // Spellings libpq's parser accepts that a key-by-key scan of
            // the raw text misses.
            "postgresql://db/kong?pass%77ord=s3cret",
            "postgresql://db/kong?%70assword=s3cret",
            "host='a'password=s3cret",
            "host=db sslpassword=s3cret",
        ] {
            let e = check(bad).expect_err(bad).to_string();
            assert!(!e.contains("s3cret"), "{e}");
            assert!(e.contains("PGPASSWORD"), "{e}");
        }
        for ok in [
            "host=db user=kong",
            "postgres://kong@db/kong?sslmode=require",
            "host=db passfile=/tmp/p",
            "host=db application_name='password=x'",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
    }
}
