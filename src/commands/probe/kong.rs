//! Kong mode: kong.conf and the `KONG_*` environment turned into Kong's two
//! connections (the CLI's cosocket path, then nginx's LuaSec path), with
//! the edition deciding which options take effect, and each setting kept
//! with its origin so a fix can name the line or variable to change.

use std::path::Path;

use anyhow::Context;
use openssl::pkey::PKey;
use openssl::x509::X509;
use pgtls_catalogue::Code;
use pgtls_config::kong::{
    KongConf, KongDefaults, KongOrigin, KongSslVersion, KongValue, TrustedCert,
};
use pgtls_diagnose::probe_rules::{
    ClientCert, ClientConfig, ClientKind, KongEdition, Setting, SettingOrigin,
};
use pgtls_diagnose::{Evidence, Finding, Msg};
use pgtls_probe::{ClientIdentity, ProbeConfig, TlsVersion};

use super::{seconds, KongMode, Plan, Planned, ProbeArgs};
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

fn read_conf(
    path: &Path,
    env: &[(String, String)],
    defaults: &'static KongDefaults,
) -> anyhow::Result<KongConf> {
    let bytes = pgtls_config::read_limited(path, pgtls_config::MAX_INPUT_FILE)
        .with_context(|| format!("cannot read kong.conf {}", path.display()))?;
    let file = pgtls_config::kong::parse(&String::from_utf8_lossy(&bytes), path);
    Ok(pgtls_config::kong::resolve_for(Some(&file), env, defaults))
}

/// This process's `KONG_*` variables, which override kong.conf as they do
/// for Kong.
pub(crate) fn kong_env() -> Vec<(String, String)> {
    // Variables that are not UTF-8 cannot be Kong settings; they are skipped
    // rather than allowed to abort the run.
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("kong_")))
        .collect()
}

pub(crate) fn plan(args: &ProbeArgs) -> anyhow::Result<Plan> {
    plan_with_env(args, &kong_env())
}

/// The plan with `env` as the `KONG_*` variables.
pub(crate) fn plan_with_env(args: &ProbeArgs, env: &[(String, String)]) -> anyhow::Result<Plan> {
    let defaults = args
        .kong_version
        .unwrap_or_else(pgtls_config::kong::newest_kong);
    let conf = match &args.kong_conf {
        Some(path) => read_conf(path, env, defaults)?,
        None => pgtls_config::kong::resolve_for(None, env, defaults),
    };
    let conf_file = args.kong_conf.as_ref().map(|p| p.display().to_string());
    let pg = &conf.pg;
    let edition = match args.kong_edition {
        Some(arg) => arg.into(),
        None if conf
            .enterprise_options
            .iter()
            .any(|o| o.key.starts_with("pg_ssl")) =>
        {
            KongEdition::Enterprise
        }
        None => KongEdition::OpenSource,
    };
    let enterprise = edition == KongEdition::Enterprise;
    let mut notes = Vec::new();
    for d in &conf.diagnostics {
        notes.push(Msg::new(
            format!("kong.conf: {d}"),
            format!("kong.conf の注意: {d}"),
        ));
    }
    let set_options: Vec<&str> = conf
        .enterprise_options
        .iter()
        .filter(|o| o.key.starts_with("pg_ssl"))
        .map(|o| o.key)
        .collect();
    if !set_options.is_empty() {
        notes.push(oss_note(&set_options, enterprise));
    }
    if let Some(n) = protocols_note(&conf) {
        notes.push(n);
    }

    let timeout = match args.timeout {
        Some(t) => seconds(t, "--timeout")?,
        None => std::time::Duration::from_millis(pg.timeout_ms.value.max(1)),
    };
    let ssl = pg.ssl.value;
    let required = enterprise && pg.ssl_required.value;
    let verify = pg.ssl_verify.value;

    // The trust bundle: nginx refuses to start when it cannot load it.
    let trust_entries = &conf.lua_ssl_trusted_certificate.value;
    let trust_shown: Vec<String> = trust_entries
        .iter()
        .map(|e| match e {
            TrustedCert::System => "system".to_string(),
            TrustedCert::Path(p) => p.display().to_string(),
            TrustedCert::InlinePem(_) => "<inline PEM>".to_string(),
        })
        .collect();
    let trust = setting(
        "lua_ssl_trusted_certificate",
        &conf.lua_ssl_trusted_certificate,
        trust_shown.join(","),
    );
    let mut preflight = Vec::new();
    let mut preflight_line = None;
    let (anchors, trust_files) = match load_kong_trust(trust_entries) {
        Ok((anchors, files)) => (
            anchors,
            files.iter().map(|p| p.display().to_string()).collect(),
        ),
        Err(e) => {
            if ssl && verify {
                let mut f = Finding::new(Code::TrustStoreInvalid.diagnosis());
                f.evidence.push(Evidence {
                    origin: None,
                    text: describe(&e),
                    location: Some(trust.shown()),
                });
                f.reading = Some(Msg::new(
                    "Kong cannot load its trust bundle and does not start (nginx refuses lua_ssl_trusted_certificate); no connection is made",
                    "Kong は信頼バンドルを読み込めないため起動しません (nginx が lua_ssl_trusted_certificate を拒否します)。接続は行われません",
                ));
                let line = format!(
                    "nginx: [emerg] lua_ssl_trusted_certificate: failed loading certificate from {}",
                    trust_shown.join(",")
                );
                preflight_line = Some(line);
                preflight.push(f);
            } else {
                notes.push(Msg::new(
                    format!("lua_ssl_trusted_certificate cannot be loaded ({}); pg_ssl_verify is off, so Kong does not use it", describe(&e)),
                    format!("lua_ssl_trusted_certificate を読み込めません ({})。pg_ssl_verify が off のため Kong はこれを使いません", describe(&e)),
                ));
            }
            (Vec::new(), Vec::new())
        }
    };

    // The client certificate (Enterprise); open-source Kong ignores it.
    let mut identity = None;
    let mut client_cert = None;
    if let Some(cert_path) = &pg.ssl_cert.value {
        let chain = match load_pem_file(cert_path) {
            Ok(chain) => chain,
            Err(e) if !enterprise => {
                notes.push(Msg::new(
                    format!("pg_ssl_cert cannot be read ({}); open-source Kong ignores it anyway", describe(&e)),
                    format!("pg_ssl_cert を読めません ({})。オープンソース版 Kong はいずれにせよ無視します", describe(&e)),
                ));
                Vec::new()
            }
            Err(e) => return Err(e.context("pg_ssl_cert cannot be used")),
        };
        if enterprise {
            let Some(key_path) = &pg.ssl_cert_key.value else {
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
                Ok(id) => identity = Some(id),
                Err(pgtls_probe::ProbeError::ClientKeyMismatch) => {
                    preflight.push(key_mismatch(&chain, cert_path, key_path)?);
                }
                Err(e) => anyhow::bail!("pg_ssl_cert {}: {e}", cert_path.display()),
            }
        }
        if !chain.is_empty() {
            client_cert = Some(ClientCert {
                chain,
                path: cert_path.display().to_string(),
                used: enterprise,
            });
        }
    }

    let password = pg.password.value.clone();
    let password_setting = pg
        .password
        .value
        .as_ref()
        .map(|_| setting("pg_password", &pg.password, "***"));

    let protocols = &conf.lua_ssl_protocols.value;
    let usable = conf.usable_protocols();
    let cos_min = usable.iter().min().copied();
    let cos_max = usable.iter().max().copied();
    let pin = match pg.ssl_version.value {
        KongSslVersion::Tlsv1 => Some(TlsVersion::Tls1_0),
        KongSslVersion::Tlsv1_1 => Some(TlsVersion::Tls1_1),
        KongSslVersion::Tlsv1_2 => Some(TlsVersion::Tls1_2),
        KongSslVersion::Tlsv1_3 => Some(TlsVersion::Tls1_3),
        KongSslVersion::Any => None,
    };
    let pin = if enterprise { pin } else { None };

    let host = pg.host.value.clone();
    let port = pg.port.value;
    let finish = |mut cfg: ProbeConfig| {
        cfg.timeout = timeout;
        cfg.user = pg.user.value.clone();
        cfg.database = Some(pg.database.value.clone());
        cfg.password = password.clone();
        cfg.tls.trust_anchors = Some(anchors.clone());
        cfg.tls.client_identity = identity.clone();
        cfg.tls.security_level = args.security_level;
        cfg.password_to_unverified_server = args.password_to_unverified_server;
        cfg
    };
    let mut cosocket = finish(ProbeConfig::kong(&host, port, ssl, required, verify));
    cosocket.tls.min_version = cos_min.or(cosocket.tls.min_version);
    cosocket.tls.max_version = cos_max.or(cosocket.tls.max_version);
    cosocket.tls.verify_depth = Some(conf.lua_ssl_verify_depth.value);
    let luasec = finish(ProbeConfig::kong_luasec(
        &host, port, ssl, required, verify, pin,
    ));

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
    let protocols_shown: Vec<&str> = protocols.iter().map(|v| v.pg_name()).collect();
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
        trust: Some(trust.clone()),
        trust_files: trust_files.clone(),
        anchors: anchors.clone(),
        depth: None,
        versions: Vec::new(),
        client_min: cfg.tls.min_version.map(|v| v.pg_name()),
        client_max: cfg.tls.max_version.map(|v| v.pg_name()),
        client_cert: client_cert.clone(),
        cert_settings: ("pg_ssl_cert".into(), "pg_ssl_cert_key".into()),
        password: password_setting.clone(),
        security_level: args.security_level,
        direct_tls: false,
        libpq_major: None,
    };
    let mut cos_client = base(ClientKind::KongCosocket, &cosocket);
    cos_client.depth = Some(depth.clone());
    cos_client.versions = vec![protocols_setting.clone()];
    let mut lua_client = base(ClientKind::KongLuaSec, &luasec);
    if enterprise {
        lua_client.versions = vec![version_setting.clone()];
    }

    let mut settings: Vec<(String, String, String)> = Vec::new();
    let mut show = |s: &Setting| {
        let o = match &s.origin {
            SettingOrigin::Default => "default".to_string(),
            SettingOrigin::File { path, line } => format!("{path}:{line}"),
            SettingOrigin::Env { var } => var.clone(),
            SettingOrigin::ConnString => "connection string".to_string(),
        };
        settings.push((s.key.clone(), s.value.clone(), o));
    };
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
    show(&trust);
    show(&depth);
    show(&protocols_setting);
    show(&setting(
        "pg_timeout",
        &pg.timeout_ms,
        pg.timeout_ms.value.to_string(),
    ));
    if conf.pg_ro.is_some() {
        notes.push(Msg::new(
            "pg_ro_* settings are set: Kong also opens a read-only connection with them, which this probe does not make",
            "pg_ro_* が設定されています: Kong はそれで読み取り専用の接続も行いますが、この probe は行いません",
        ));
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

fn oss_note(options: &[&str], enterprise: bool) -> Msg {
    let mut en = Vec::new();
    let mut ja = Vec::new();
    for key in options {
        match *key {
            "pg_ssl_required" => {
                en.push(
                    "without pg_ssl_required it goes on in plaintext when the server answers N",
                );
                ja.push("pg_ssl_required がないため、サーバーが N と答えると平文で続行します");
            }
            "pg_ssl_version" => {
                en.push("without pg_ssl_version its LuaSec path offers TLS 1.1 and newer");
                ja.push("pg_ssl_version がないため、LuaSec 経路は TLS 1.1 以降を提示します");
            }
            "pg_ssl_cert" | "pg_ssl_cert_key" if !ja.iter().any(|j| j.contains("PGTLS008")) => {
                en.push("it sends no client certificate, so a cert or clientcert pg_hba.conf line refuses it (PGTLS008)");
                ja.push("クライアント証明書を送らないため、cert や clientcert の pg_hba.conf の行で拒否されます (PGTLS008)");
            }
            _ => {}
        }
    }
    let (en_head, ja_head) = if enterprise {
        (
            format!(
                "{} are Enterprise options; open-source Kong would ignore them:",
                options.join(", ")
            ),
            format!(
                "{} は Enterprise のオプションです。オープンソース版 Kong はこれらを無視します:",
                options.join(", ")
            ),
        )
    } else {
        (
            format!(
                "{} are Enterprise options and open-source Kong ignores them:",
                options.join(", ")
            ),
            format!(
                "{} は Enterprise のオプションで、オープンソース版 Kong は無視します:",
                options.join(", ")
            ),
        )
    };
    Msg::new(
        format!("{en_head} {}", en.join("; ")),
        format!("{ja_head} {}", ja.join("。")),
    )
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
    f.fix.push(Msg::new(
        format!("point pg_ssl_cert_key at the key of {} (compare `openssl x509 -noout -pubkey -in {}` with `openssl pkey -pubout -in KEY`)", cert.display(), cert.display()),
        format!("pg_ssl_cert_key を {} の鍵に向けます (`openssl x509 -noout -pubkey -in {}` と `openssl pkey -pubout -in KEY` を比較します)", cert.display(), cert.display()),
    ));
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
    Some(Msg::new(
        format!(
            "lua_ssl_protocols = {} ({}): Kong {} (--kong-version) bundles OpenSSL {}, which refuses TLS 1.0 and 1.1 at its default security level, so only {} can negotiate",
            names(all),
            conf.lua_ssl_protocols.origin,
            d.version,
            d.openssl,
            names(&usable)
        ),
        format!(
            "lua_ssl_protocols = {} ({}): Kong {} (--kong-version) は OpenSSL {} を同梱しており、既定のセキュリティレベルでは TLS 1.0 と 1.1 を拒否するため、ネゴシエートできるのは {} だけです",
            names(all),
            match &conf.lua_ssl_protocols.origin {
                KongOrigin::Default => "既定値".to_string(),
                o => o.to_string(),
            },
            d.version,
            d.openssl,
            names(&usable)
        ),
    ))
}
