//! The clients as this process's environment and files make them: Kong's
//! `KONG_*` variables and libpq's `PG*` ones read one way for every command
//! (check, probe, scan, the exporter), and Kong's model loaded from them.
//! Each command used to read the environment its own way, so one shell
//! could be two different Kongs (one command dropped variables another
//! kept, one aborted on a variable that was not UTF-8).

use std::path::{Path, PathBuf};

use anyhow::Context;
use pgtls_config::kong::KongDefaults;
use pgtls_config::kong_client::KongClient;
use pgtls_config::libpq::ClientEnv;
use pgtls_config::FsSource;
use pgtls_model::KongEdition;

/// The variables whose names start with `prefix` (any case: the models
/// warn about a variable the client ignores for its case). Variables that
/// are not UTF-8 cannot be settings; they are skipped rather than allowed
/// to abort the run.
fn vars_with_prefix(prefix: &str) -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| {
            k.len() > prefix.len()
                && k.get(..prefix.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        })
        .collect()
}

/// This process's `KONG_*` variables, which override kong.conf as they do
/// for Kong.
pub fn kong_env() -> Vec<(String, String)> {
    vars_with_prefix("KONG_")
}

/// The one model of Kong (kong.conf, then `env`, over the defaults of Kong
/// `version`, the newest when not given), for every command that judges a
/// server as Kong would.
pub fn load_kong(
    conf: Option<&Path>,
    env: &[(String, String)],
    edition: Option<KongEdition>,
    version: Option<&'static KongDefaults>,
) -> anyhow::Result<KongClient> {
    let version = version.unwrap_or_else(pgtls_config::kong::newest_kong);
    KongClient::load(&FsSource, conf, env, edition, version).with_context(|| {
        format!(
            "cannot read kong.conf {}",
            conf.map(|p| p.display().to_string()).unwrap_or_default()
        )
    })
}

/// libpq's environment: the `PG*` variables, the home directory (for
/// `~/.postgresql` and `~/.pgpass`) and the user name.
pub fn libpq_env() -> ClientEnv {
    ClientEnv {
        vars: vars_with_prefix("PG"),
        home: std::env::var_os("HOME").map(PathBuf::from),
        os_user: std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .ok(),
    }
}
