//! Kong mode: kong.conf and the `KONG_*` environment turned into Kong's two
//! connections (the CLI's cosocket path, then nginx's LuaSec path), with
//! the edition deciding which options take effect, and each setting kept
//! with its origin so a fix can name the line or variable to change.

use std::path::Path;

use anyhow::Context;
use openssl::pkey::PKey;
use openssl::x509::X509;
use pgtls_catalogue::Code;
use pgtls_config::kong::{KongConf, KongOrigin, KongValue};
use pgtls_config::kong_client::{KongClient, KongTls, KongVersions};
use pgtls_diagnose::probe_rules::{ClientCert, ClientConfig, ClientKind, Setting, SettingOrigin};
use pgtls_diagnose::{Evidence, Finding, Localized, Msg};
use pgtls_probe::client_line::KongShape;
use pgtls_probe::kong_paths::kong_path;
use pgtls_probe::{ClientIdentity, ProbeConfig, TlsVersion};

use super::text::ProbeCmdText;
use super::{seconds, setting_row, KongMode, Plan, Planned, ProbeArgs};
use crate::client_env::{kong_env, load_kong};
use crate::output::describe;
use crate::trust::{load_kong_trust, load_pem_file};

fn origin(o: &KongOrigin) -> SettingOrigin {
    match o {
        KongOrigin::Default => SettingOrigin::Default,
        KongOrigin::File(loc) => SettingOrigin::File {
            path: loc.file.display().to_string(),
            line: loc.line,
        },
        KongOrigin::Env(var) => SettingOrigin::Env { var: var.clone() },
    }
}

fn setting<T>(key: &str, v: &KongValue<T>, shown: impl Into<String>) -> Setting {
    Setting::new(key, shown, origin(&v.origin)).env(format!("KONG_{}", key.to_ascii_uppercase()))
}

fn onoff(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

pub(crate) fn plan(args: &ProbeArgs) -> anyhow::Result<Plan> {
    plan_with_env(args, &kong_env())
}

/// The trust bundle as loaded, and what stops Kong before it connects.
struct Trust {
    setting: Setting,
    anchors: Vec<X509>,
    files: Vec<String>,
    preflight: Option<(Finding, String)>,
}

/// nginx loads lua_ssl_trusted_certificate when it starts and refuses to
/// start when it cannot; that matters only when pg_ssl_verify uses it.
fn load_trust(kong: &KongClient, notes: &mut Vec<Msg>) -> Trust {
    let shown = kong.trust_shown();
    let setting = setting(
        "lua_ssl_trusted_certificate",
        &kong.conf.lua_ssl_trusted_certificate,
        shown.join(","),
    );
    let e = match load_kong_trust(kong) {
        Ok((anchors, files)) => {
            return Trust {
                setting,
                anchors,
                files: files.iter().map(|p| p.display().to_string()).collect(),
                preflight: None,
            }
        }
        Err(e) => e,
    };
    let mut preflight = None;
    if kong.conf.pg.ssl.value && kong.verifies() {
        let mut f = Finding::new(Code::TrustStoreInvalid.diagnosis());
        f.evidence.push(Evidence {
            origin: None,
            text: describe(&e),
            location: Some(setting.shown()),
        });
        f.reading = Some(ProbeCmdText::KongTrustBundleUnloadable.msg());
        let line = format!(
            "nginx: [emerg] lua_ssl_trusted_certificate: failed loading certificate from {}",
            shown.join(",")
        );
        preflight = Some((f, line));
    } else {
        notes.push(ProbeCmdText::KongTrustBundleUnused { why: &describe(&e) }.msg());
    }
    Trust {
        setting,
        anchors: Vec::new(),
        files: Vec::new(),
        preflight,
    }
}

/// The client certificate as configured, the identity Enterprise sends
/// with it, and a key that does not match it.
struct Cert {
    shown: Option<ClientCert>,
    identity: Option<ClientIdentity>,
    mismatch: Option<Finding>,
}

/// Open-source Kong ignores pg_ssl_cert (it is still shown); Enterprise
/// cannot start without a key that matches it.
fn load_client_cert(kong: &KongClient, notes: &mut Vec<Msg>) -> anyhow::Result<Cert> {
    let mut out = Cert {
        shown: None,
        identity: None,
        mismatch: None,
    };
    let Some(cert_path) = &kong.client_cert.cert.value else {
        return Ok(out);
    };
    let enterprise = kong.client_cert.honoured;
    let chain = match load_pem_file(cert_path) {
        Ok(chain) => chain,
        Err(e) if !enterprise => {
            notes.push(ProbeCmdText::ClientCertUnreadableIgnored { why: &describe(&e) }.msg());
            Vec::new()
        }
        Err(e) => return Err(e.context("pg_ssl_cert cannot be used")),
    };
    if enterprise {
        let Some(key_path) = &kong.client_cert.key.value else {
            anyhow::bail!(
                "pg_ssl_cert is set ({}) but pg_ssl_cert_key is not",
                cert_path.display()
            );
        };
        let key_bytes = pgtls_config::read_limited(key_path, pgtls_config::MAX_INPUT_FILE)
            .with_context(|| format!("cannot read pg_ssl_cert_key {}", key_path.display()))?;
        let key = PKey::private_key_from_pem(&key_bytes).map_err(|_| {
            anyhow::anyhow!(
                "pg_ssl_cert_key {} is not an unencrypted PEM private key",
                key_path.display()
            )
        })?;
        match ClientIdentity::new(chain.clone(), key) {
            Ok(id) => out.identity = Some(id),
            Err(pgtls_probe::ProbeError::ClientKeyMismatch) => {
                out.mismatch = Some(key_mismatch(&chain, cert_path, key_path)?);
            }
            Err(e) => anyhow::bail!("pg_ssl_cert {}: {e}", cert_path.display()),
        }
    }
    if !chain.is_empty() {
        out.shown = Some(ClientCert {
            chain,
            path: cert_path.display().to_string(),
            key_path: kong
                .client_cert
                .key
                .value
                .as_ref()
                .map(|k| k.display().to_string())
                .unwrap_or_default(),
            used: enterprise,
        });
    }
    Ok(out)
}

/// The plan with `env` as the `KONG_*` variables.
pub(crate) fn plan_with_env(args: &ProbeArgs, env: &[(String, String)]) -> anyhow::Result<Plan> {
    let kong = load_kong(
        args.kong_conf.as_deref(),
        env,
        args.kong_edition.map(Into::into),
        args.kong_version,
    )?;
    let conf = &kong.conf;
    let conf_file = args.kong_conf.as_ref().map(|p| p.display().to_string());
    let pg = &conf.pg;
    let edition = kong.edition;
    let enterprise = kong.enterprise();
    let mut notes = Vec::new();
    for d in &conf.diagnostics {
        notes.push(
            ProbeCmdText::KongConfSays {
                note: &d.to_string(),
            }
            .msg(),
        );
    }
    let set_options: Vec<&str> = conf.enterprise_options.iter().map(|o| o.key).collect();
    if !set_options.is_empty() {
        notes.push(
            ProbeCmdText::EnterpriseOptions {
                options: &set_options,
                enterprise,
            }
            .msg(),
        );
    }
    if let Some(n) = protocols_note(conf) {
        notes.push(n);
    }

    let timeout = match args.timeout {
        Some(t) => seconds(t, "--timeout")?,
        None => std::time::Duration::from_millis(pg.timeout_ms.value.max(1)),
    };
    let ssl = pg.ssl.value;
    let required = kong.tls == KongTls::Required;
    let verify = kong.verifies();

    let trust = load_trust(&kong, &mut notes);
    let cert = load_client_cert(&kong, &mut notes)?;
    let mut preflight = Vec::new();
    let mut preflight_line = None;
    if let Some((f, line)) = trust.preflight {
        preflight.push(f);
        preflight_line = Some(line);
    }
    preflight.extend(cert.mismatch);

    let password = pg.password.value.clone();
    let password_setting = pg
        .password
        .value
        .as_ref()
        .map(|_| setting("pg_password", &pg.password, "***"));

    let host = pg.host.value.clone();
    let port = pg.port.value;
    let finish = |mut cfg: ProbeConfig| {
        cfg.timeout = timeout;
        cfg.user = pg.user.value.clone();
        cfg.database = Some(pg.database.value.clone());
        cfg.password = password.clone();
        cfg.tls.trust_anchors = Some(trust.anchors.clone());
        cfg.tls.client_identity = cert.identity.clone();
        cfg.tls.security_level = args.security_level;
        cfg.password_to_unverified_server = args.password_to_unverified_server;
        cfg
    };
    let cosocket = finish(kong_path(&kong, KongShape::Cosocket, &host, port));
    let luasec = finish(kong_path(&kong, KongShape::LuaSec, &host, port));

    let mut ssl_settings = vec![setting("pg_ssl", &pg.ssl, onoff(ssl))];
    if enterprise {
        ssl_settings.push(setting(
            "pg_ssl_required",
            &pg.ssl_required,
            onoff(pg.ssl_required.value),
        ));
    }
    let verify_setting = setting("pg_ssl_verify", &pg.ssl_verify, onoff(verify));
    let depth = setting(
        "lua_ssl_verify_depth",
        &conf.lua_ssl_verify_depth,
        conf.lua_ssl_verify_depth.value.to_string(),
    );
    let protocols_shown: Vec<&str> = conf
        .lua_ssl_protocols
        .value
        .iter()
        .map(|v| v.pg_name())
        .collect();
    let protocols_setting = setting(
        "lua_ssl_protocols",
        &conf.lua_ssl_protocols,
        protocols_shown.join(" "),
    );
    let version_setting = setting(
        "pg_ssl_version",
        &pg.ssl_version,
        pg.ssl_version.value.keyword(),
    );
    let base = |kind: ClientKind, cfg: &ProbeConfig| ClientConfig {
        kind,
        edition: Some(edition),
        conf_file: conf_file.clone(),
        host: host.clone(),
        port,
        user: pg.user.value.clone(),
        database: pg.database.value.clone(),
        ssl: ssl_settings.clone(),
        tls_required: required,
        verify,
        verify_setting: Some(verify_setting.clone()),
        host_check: false,
        trust: Some(trust.setting.clone()),
        trust_files: trust.files.clone(),
        anchors: trust.anchors.clone(),
        depth: None,
        versions: Vec::new(),
        client_min: cfg.tls.min_version.map(|v| v.pg_name()),
        client_max: cfg.tls.max_version.map(|v| v.pg_name()),
        client_cert: cert.shown.clone(),
        cert_settings: ("pg_ssl_cert".into(), "pg_ssl_cert_key".into()),
        password: password_setting.clone(),
        security_level: args.security_level,
        direct_tls: false,
        libpq_major: None,
        server_major: args.pg_version,
        auth_demands: Vec::new(),
    };
    let mut cos_client = base(ClientKind::KongCosocket, &cosocket);
    cos_client.depth = Some(depth.clone());
    cos_client.versions = vec![protocols_setting.clone()];
    let mut lua_client = base(ClientKind::KongLuaSec, &luasec);
    if matches!(kong.luasec.versions_from, KongVersions::PgSslVersion { .. }) {
        lua_client.versions = vec![version_setting.clone()];
    }

    let mut settings = Vec::new();
    let mut show = |s: &Setting| settings.push(setting_row(s));
    show(&setting("pg_host", &pg.host, host.clone()));
    show(&setting("pg_port", &pg.port, port.to_string()));
    show(&setting("pg_user", &pg.user, pg.user.value.clone()));
    show(&setting(
        "pg_database",
        &pg.database,
        pg.database.value.clone(),
    ));
    if let Some(p) = &password_setting {
        show(p);
    }
    for s in &ssl_settings {
        show(s);
    }
    show(&verify_setting);
    if enterprise {
        show(&version_setting);
    }
    if let Some(c) = &pg.ssl_cert.value {
        show(&setting(
            "pg_ssl_cert",
            &pg.ssl_cert,
            c.display().to_string(),
        ));
    }
    show(&trust.setting);
    show(&depth);
    show(&protocols_setting);
    show(&setting(
        "pg_timeout",
        &pg.timeout_ms,
        pg.timeout_ms.value.to_string(),
    ));
    if conf.pg_ro.is_some() {
        notes.push(ProbeCmdText::ReadOnlyConnectionNotProbed.msg());
    }
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    Ok(Plan {
        kong: Some(KongMode {
            edition,
            edition_from_flag: args.kong_edition.is_some(),
            shape_first: args.kong_shape,
            conf_file,
        }),
        target,
        attempts: vec![
            Planned {
                label: "cosocket",
                probe: cosocket,
                client: cos_client,
            },
            Planned {
                label: "luasec",
                probe: luasec,
                client: lua_client,
            },
        ],
        preflight,
        preflight_line,
        notes,
        settings,
    })
}

fn key_mismatch(chain: &[X509], cert: &Path, key: &Path) -> anyhow::Result<Finding> {
    let mut f = Finding::new(Code::KeyCertMismatch.diagnosis());
    let subject = chain
        .first()
        .map(|c| pgtls_diagnose::certinfo::name_text(c.subject_name()))
        .unwrap_or_default();
    f.evidence.push(Evidence {
        origin: None,
        text: format!(
            "pg_ssl_cert_key {} is not the key of pg_ssl_cert {} ({subject})",
            key.display(),
            cert.display()
        ),
        location: Some("settings".into()),
    });
    f.fix.push(
        ProbeCmdText::PointKeyAtCert {
            cert: &cert.display().to_string(),
        }
        .msg(),
    );
    Ok(f)
}

/// When `lua_ssl_protocols` offers TLS 1.0 or 1.1 and this Kong version's
/// OpenSSL refuses them, what actually negotiates.
pub(crate) fn protocols_note(conf: &KongConf) -> Option<Msg> {
    let d = conf.defaults;
    let all = &conf.lua_ssl_protocols.value;
    let usable = conf.usable_protocols();
    if usable.len() == all.len() {
        return None;
    }
    let names = |v: &[TlsVersion]| v.iter().map(|t| t.pg_name()).collect::<Vec<_>>().join(" ");
    Some(
        ProbeCmdText::ProtocolsRefusedByOpenssl {
            offered: &names(all),
            origin: &conf.lua_ssl_protocols.origin,
            kong: d.version,
            openssl: d.openssl,
            usable: &names(&usable),
        }
        .msg(),
    )
}
