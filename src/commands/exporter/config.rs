//! The exporter's modules: what a `/probe?module=NAME` request means (trust
//! store and depth, a Kong configuration or libpq credentials to probe with,
//! the time allowed). Everything that can be checked without a target is
//! checked at start-up, so a typo in the file stops the exporter with the
//! module and key named instead of turning every scrape into a failure.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use pgtls_config::libpq::SslMode;
use pgtls_diagnose::scan_rules::ClientView;
use serde::Deserialize;

use crate::commands::scan::{client_views, ScanArgs};

/// The module used when a request names none, and the only one without `--config`.
pub const DEFAULT_MODULE: &str = "default";
/// Seconds between two tries of TLS 1.0 and 1.1 against one target when the
/// module does not say (a day).
pub const DEFAULT_LEGACY_TLS_INTERVAL: f64 = 86_400.0;
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
    allowed_targets: Option<Vec<String>>,
    legacy_tls_interval: Option<f64>,
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

/// One entry of a credentialed module's `allowed_targets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedTarget {
    /// An address or network (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`).
    Network { addr: IpAddr, prefix: u8 },
    /// One host name, compared without case (`db1.example.com`).
    Name(String),
    /// Every name under a domain (`*.db.example.com`), not the domain itself.
    Subdomains(String),
}

impl AllowedTarget {
    /// Reads one entry; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<AllowedTarget, String> {
        let text = text.trim();
        if let Some((addr, prefix)) = text.split_once('/') {
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("{text:?}: {addr:?} is not an IP address"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix: u8 = prefix
                .parse()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?;
            return Ok(AllowedTarget::Network { addr, prefix });
        }
        if let Ok(addr) = text
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            let prefix = if addr.is_ipv4() { 32 } else { 128 };
            return Ok(AllowedTarget::Network { addr, prefix });
        }
        let (wild, name) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let valid = !name.is_empty()
            && name.len() <= 253
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        if !valid {
            return Err(format!(
                "{text:?} is not a host name, *.domain, IP address or network (CIDR)"
            ));
        }
        let name = name.to_ascii_lowercase();
        Ok(if wild {
            AllowedTarget::Subdomains(name)
        } else {
            AllowedTarget::Name(name)
        })
    }

    /// Whether a request's host (a name or an address literal, as given
    /// in `target=`) falls under this entry. Names are compared as names
    /// and addresses as addresses: a name is never resolved here, since
    /// what it resolves to at probe time is not what it resolved to now.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = host.strip_suffix('.').unwrap_or(host);
        match (self, host.parse::<IpAddr>()) {
            (AllowedTarget::Network { addr, prefix }, Ok(ip)) => in_network(ip, *addr, *prefix),
            (AllowedTarget::Name(name), Err(_)) => host.eq_ignore_ascii_case(name),
            (AllowedTarget::Subdomains(domain), Err(_)) => {
                let host = host.to_ascii_lowercase();
                host.strip_suffix(domain.as_str())
                    .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.'))
            }
            _ => false,
        }
    }
}

fn in_network(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    // An IPv4-mapped IPv6 address is the IPv4 address it carries.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
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
    /// The targets a credentialed module may be used for; empty for a
    /// module without credentials, which may scan any target.
    pub allowed_targets: Vec<AllowedTarget>,
    /// How long a target's TLS 1.0/1.1 verdicts are reused before they are
    /// tried again: each refused try writes `could not accept SSL
    /// connection: unsupported protocol` into the server's log.
    pub legacy_tls_interval: Duration,
}

impl Module {
    /// Whether the module sends credentials (a password, a client
    /// certificate) to the target.
    pub fn has_credentials(&self) -> bool {
        self.kong_conf.is_some() || self.libpq.is_some()
    }

    /// Whether this module may be used for `host`.
    pub fn allows(&self, host: &str) -> bool {
        !self.has_credentials() || self.allowed_targets.iter().any(|a| a.allows(host))
    }
}

/// Every module by name.
#[derive(Debug, Clone)]
pub struct Modules {
    pub by_name: BTreeMap<String, Module>,
}

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
    let legacy = raw
        .legacy_tls_interval
        .unwrap_or(DEFAULT_LEGACY_TLS_INTERVAL);
    if !(legacy.is_finite() && (0.0..=31.0 * 86_400.0).contains(&legacy)) {
        anyhow::bail!(
            "module {name}: legacy_tls_interval must be between 0 (every scrape) and 2678400 seconds, not {legacy}"
        );
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
        kong_version: None,
        jsonl: false,
        server_version: false,
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
                Some(mode) if SslMode::parse(&mode).is_some() => mode,
                Some(mode) => anyhow::bail!(
                    "module {name}: sslmode {mode:?} is not one of {}",
                    SslMode::ALL.map(SslMode::keyword).join(", ")
                ),
                // The password goes only to a server that proves who it
                // is: verify-full unless the module says otherwise.
                None => "verify-full".to_string(),
            };
            if sslmode.starts_with("verify") && raw.trust.is_none() {
                anyhow::bail!(
                    "module {name}: sslmode {sslmode} needs trust (the CA that signs the servers' certificates); set trust, or set sslmode explicitly to probe servers that cannot be verified"
                );
            }
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
    let credentialed = raw.kong_conf.is_some() || libpq.is_some();
    let allowed_targets = match (raw.allowed_targets, credentialed) {
        (None, true) => anyhow::bail!(
            "module {name}: a module with credentials (user or kong_conf) must list allowed_targets, the hosts and networks it may send them to: anyone who can reach the exporter chooses the target"
        ),
        (Some(list), true) if list.is_empty() => {
            anyhow::bail!("module {name}: allowed_targets is empty")
        }
        (Some(_), false) => anyhow::bail!(
            "module {name}: allowed_targets is for modules with credentials (user or kong_conf)"
        ),
        (Some(list), true) => list
            .iter()
            .map(|entry| AllowedTarget::parse(entry))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("module {name}: allowed_targets: {e}"))?,
        (None, false) => Vec::new(),
    };
    Ok(Module {
        name: name.to_string(),
        timeout: Duration::from_secs_f64(timeout),
        warn_days,
        views,
        kong_conf: raw.kong_conf,
        libpq,
        allowed_targets,
        legacy_tls_interval: Duration::from_secs_f64(legacy),
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
    fn libpq_credentials_verify_the_server_by_default() {
        let ca = "/etc/hostname";
        let text = format!(
            "[modules.m]\nuser = \"monitor\"\ntrust = \"{ca}\"\nallowed_targets = [\"db1\"]\n"
        );
        // /etc/hostname is no CA: the trust store fails to load, which
        // proves the module reached it; a real CA is the lab's.
        let err = format!("{:#}", Modules::parse(&text, "t").expect_err("not a CA"));
        assert!(err.contains("module m"), "{err}");

        let m = Modules::parse(
            "[modules.m]\nuser = \"monitor\"\nsslmode = \"require\"\nallowed_targets = [\"db1\"]\n",
            "t",
        )
        .expect("an explicit sslmode without trust");
        let l = m.get("m").and_then(|m| m.libpq.clone()).expect("libpq");
        assert_eq!(l.sslmode, "require");

        for (text, needle) in [
            (
                "[modules.m]\nuser = \"monitor\"\nallowed_targets = [\"db1\"]\n",
                "sslmode verify-full needs trust",
            ),
            (
                "[modules.m]\nuser = \"monitor\"\nsslmode = \"require\"\n",
                "must list allowed_targets",
            ),
            (
                "[modules.m]\nuser = \"monitor\"\nsslmode = \"require\"\nallowed_targets = []\n",
                "allowed_targets is empty",
            ),
            (
                "[modules.m]\nallowed_targets = [\"db1\"]\n",
                "is for modules with credentials",
            ),
            (
                "[modules.m]\nuser = \"monitor\"\nsslmode = \"require\"\nallowed_targets = [\"10.0.0.0/33\"]\n",
                "prefix length",
            ),
            (
                "[modules.m]\nuser = \"monitor\"\nsslmode = \"require\"\nallowed_targets = [\"db 1\"]\n",
                "is not a host name",
            ),
        ] {
            let err = format!("{:#}", Modules::parse(text, "t").expect_err(text));
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn allowed_targets_match_names_as_names_and_addresses_as_networks() {
        let entries: Vec<AllowedTarget> = [
            "10.1.0.0/16",
            "db1.example.com",
            "*.pg.example.com",
            "fd00::/8",
            "127.0.0.1",
        ]
        .iter()
        .map(|e| AllowedTarget::parse(e).expect(e))
        .collect();
        let allowed = |host: &str| entries.iter().any(|e| e.allows(host));
        for host in [
            "10.1.2.3",
            "DB1.example.com",
            "db1.example.com.",
            "a.pg.example.com",
            "x.y.pg.example.com",
            "fd12::1",
            "[fd12::1]",
            "::ffff:10.1.0.9",
            "127.0.0.1",
        ] {
            assert!(allowed(host), "{host} is allowed");
        }
        for host in [
            "10.2.0.1",
            "db2.example.com",
            "db1.example.com.evil.net",
            "pg.example.com",
            "evilpg.example.com",
            "fe80::1",
            "127.0.0.2",
            "localhost",
        ] {
            assert!(!allowed(host), "{host} is refused");
        }
        assert!(AllowedTarget::parse("0.0.0.0/0")
            .expect("any")
            .allows("192.0.2.1"));
    }
}
