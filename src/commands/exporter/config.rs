//! The exporter's modules: what a `/probe?module=NAME` request means (trust
//! store and depth, a Kong configuration or libpq credentials to probe with,
//! the time allowed). Everything that can be checked without a target is
//! checked at start-up, so a typo in the file stops the exporter with the
//! module and key named instead of turning every scrape into a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use pgtls_diagnose::scan_rules::ClientView;
use serde::Deserialize;

use crate::commands::scan::{client_views, ScanArgs};

/// The module used when a request names none, and the only one without `--config`.
pub const DEFAULT_MODULE: &str = "default";
/// Seconds a probe may take when the module does not say.
pub const DEFAULT_TIMEOUT: f64 = 5.0;
/// A config file is a few KiB; anything larger is not one.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    modules: BTreeMap<String, ModuleConfig>,
}

/// One `[modules.NAME]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleConfig {
    timeout: Option<f64>,
    warn_days: Option<i64>,
    trust: Option<PathBuf>,
    verify_depth: Option<u32>,
    kong_conf: Option<PathBuf>,
    user: Option<String>,
    dbname: Option<String>,
    sslmode: Option<String>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    password_file: Option<PathBuf>,
}

/// libpq credentials for the credentialed probe. The password stays in its
/// file until a probe runs, so it is never part of this value.
#[derive(Debug, Clone)]
pub struct LibpqProbe {
    pub user: String,
    pub dbname: Option<String>,
    pub sslmode: String,
    pub sslrootcert: Option<PathBuf>,
    pub sslcert: Option<PathBuf>,
    pub sslkey: Option<PathBuf>,
    pub password_file: Option<PathBuf>,
}

/// One module, checked and ready.
#[derive(Debug, Clone)]
pub struct Module {
    pub name: String,
    /// The whole probe's budget (a scrape's timeout can shorten it).
    pub timeout: Duration,
    pub warn_days: i64,
    /// The clients the chain is judged for (trust store, Kong).
    pub views: Vec<ClientView>,
    /// Probe as Kong with this kong.conf.
    pub kong_conf: Option<PathBuf>,
    /// Probe as libpq with these credentials.
    pub libpq: Option<LibpqProbe>,
}

/// Every module by name.
#[derive(Debug, Clone)]
pub struct Modules {
    pub by_name: BTreeMap<String, Module>,
}

const SSLMODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

fn readable(path: &Path, module: &str, key: &str) -> anyhow::Result<()> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("module {module}: {key} {} cannot be read", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!(
            "module {module}: {key} {} is not a regular file",
            path.display()
        );
    }
    std::fs::File::open(path)
        .with_context(|| format!("module {module}: {key} {} cannot be read", path.display()))?;
    Ok(())
}

fn check_module(name: &str, raw: ModuleConfig) -> anyhow::Result<Module> {
    let timeout = raw.timeout.unwrap_or(DEFAULT_TIMEOUT);
    if !(timeout.is_finite() && timeout > 0.0 && timeout <= 300.0) {
        anyhow::bail!("module {name}: timeout must be between 0 and 300 seconds, not {timeout}");
    }
    let warn_days = raw.warn_days.unwrap_or(30);
    if !(0..=36_500).contains(&warn_days) {
        anyhow::bail!("module {name}: warn_days must be between 0 and 36500, not {warn_days}");
    }
    if raw.verify_depth.is_some() && raw.trust.is_none() {
        anyhow::bail!("module {name}: verify_depth applies to a trust store: set trust too");
    }
    if let Some(path) = &raw.kong_conf {
        readable(path, name, "kong_conf")?;
    }
    let views = client_views(&ScanArgs {
        targets: Vec::new(),
        targets_file: None,
        concurrency: 1,
        timeout,
        warn_days,
        trust: raw.trust.clone(),
        verify_depth: raw.verify_depth,
        kong_conf: raw.kong_conf.clone(),
        jsonl: false,
    })
    .with_context(|| format!("module {name}"))?;

    let needs_user = [
        ("dbname", raw.dbname.is_some()),
        ("sslmode", raw.sslmode.is_some()),
        ("client_cert", raw.client_cert.is_some()),
        ("client_key", raw.client_key.is_some()),
        ("password_file", raw.password_file.is_some()),
    ];
    if raw.user.is_none() {
        if let Some((key, _)) = needs_user.iter().find(|(_, set)| *set) {
            anyhow::bail!("module {name}: {key} is for the credentialed libpq probe: set user too");
        }
    }
    if raw.client_cert.is_some() != raw.client_key.is_some() {
        anyhow::bail!("module {name}: client_cert and client_key go together");
    }
    let libpq = match raw.user {
        None => None,
        Some(user) => {
            if user.is_empty() {
                anyhow::bail!("module {name}: user is empty");
            }
            let sslmode = match raw.sslmode {
                Some(mode) if SSLMODES.contains(&mode.as_str()) => mode,
                Some(mode) => anyhow::bail!(
                    "module {name}: sslmode {mode:?} is not one of {}",
                    SSLMODES.join(", ")
                ),
                None if raw.trust.is_some() => "verify-full".to_string(),
                None => "require".to_string(),
            };
            for (key, path) in [
                ("client_cert", &raw.client_cert),
                ("client_key", &raw.client_key),
                ("password_file", &raw.password_file),
            ] {
                if let Some(path) = path {
                    readable(path, name, key)?;
                }
            }
            Some(LibpqProbe {
                user,
                dbname: raw.dbname,
                sslmode,
                sslrootcert: raw.trust.clone(),
                sslcert: raw.client_cert,
                sslkey: raw.client_key,
                password_file: raw.password_file,
            })
        }
    };
    Ok(Module {
        name: name.to_string(),
        timeout: Duration::from_secs_f64(timeout),
        warn_days,
        views,
        kong_conf: raw.kong_conf,
        libpq,
    })
}

fn builtin_default() -> anyhow::Result<Module> {
    check_module(DEFAULT_MODULE, ModuleConfig::default())
}

impl Modules {
    /// The built-in `default` module alone (no `--config`).
    pub fn builtin() -> anyhow::Result<Modules> {
        let mut by_name = BTreeMap::new();
        by_name.insert(DEFAULT_MODULE.to_string(), builtin_default()?);
        Ok(Modules { by_name })
    }

    /// Parses and checks a config file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Modules> {
        let file: FileConfig = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{origin}: {}", e.to_string().trim_end()))?;
        let mut by_name = BTreeMap::new();
        for (name, raw) in file.modules {
            if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
                anyhow::bail!(
                    "{origin}: module name {name:?} must be 1 to 64 printable characters"
                );
            }
            let module = check_module(&name, raw).with_context(|| origin.to_string())?;
            by_name.insert(name, module);
        }
        if !by_name.contains_key(DEFAULT_MODULE) {
            by_name.insert(DEFAULT_MODULE.to_string(), builtin_default()?);
        }
        Ok(Modules { by_name })
    }

    /// Reads and checks a config file.
    pub fn load(path: &Path) -> anyhow::Result<Modules> {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        if !meta.is_file() || meta.len() > MAX_CONFIG_BYTES {
            anyhow::bail!(
                "config file {} is not a regular file of at most 1 MiB",
                path.display()
            );
        }
        let bytes = pgtls_config::read_limited(path, pgtls_config::MAX_INPUT_FILE)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("config file {} is not UTF-8", path.display()))?;
        Modules::parse(&text, &path.display().to_string())
    }

    pub fn get(&self, name: &str) -> Option<&Module> {
        self.by_name.get(name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_has_the_default_module() {
        let m = Modules::parse("", "t").expect("parses");
        assert_eq!(m.names(), ["default"]);
        let d = m.get("default").expect("default");
        assert_eq!(d.timeout, Duration::from_secs(5));
        assert!(d.views.is_empty() && d.kong_conf.is_none() && d.libpq.is_none());
    }

    #[test]
    fn modules_and_their_errors() {
        let m = Modules::parse("[modules.fast]\ntimeout = 1.5\nwarn_days = 14\n", "t").expect("ok");
        assert_eq!(m.names(), ["default", "fast"]);
        assert_eq!(
            m.get("fast").map(|f| f.timeout),
            Some(Duration::from_millis(1500))
        );

        for (text, needle) in [
            ("[modules.a]\ntimeout = 0\n", "timeout must be between"),
            ("[modules.a]\ntimeout = 1e9\n", "timeout must be between"),
            ("[modules.a]\ntimeuot = 1\n", "unknown field"),
            ("[modules.a]\nverify_depth = 1\n", "set trust too"),
            (
                "[modules.a]\ntrust = \"/nonexistent/ca.pem\"\n",
                "/nonexistent/ca.pem",
            ),
            (
                "[modules.a]\nkong_conf = \"/nonexistent/kong.conf\"\n",
                "kong_conf",
            ),
            (
                "[modules.a]\npassword_file = \"/etc/hostname\"\n",
                "set user too",
            ),
            (
                "[modules.a]\nuser = \"m\"\nsslmode = \"bogus\"\n",
                "sslmode \"bogus\"",
            ),
            (
                "[modules.a]\nuser = \"m\"\nclient_cert = \"/etc/hostname\"\n",
                "go together",
            ),
            ("modules = 3\n", "t:"),
            ("[modules.a\n", "t:"),
        ] {
            let err = format!("{:#}", Modules::parse(text, "t").expect_err(text));
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn libpq_credentials_default_their_sslmode() {
        let m = Modules::parse("[modules.m]\nuser = \"monitor\"\n", "t").expect("ok");
        let l = m.get("m").and_then(|m| m.libpq.clone()).expect("libpq");
        assert_eq!(
            (l.user.as_str(), l.sslmode.as_str()),
            ("monitor", "require")
        );
    }
}
