//! The per-process template cluster. `initdb` plus role creation takes
//! several seconds; copying a finished data directory takes a fraction of
//! one, so each process pays for `initdb` once and every
//! [`crate::Cluster`] starts from a copy.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::binaries::PgBinaries;
use crate::error::{path_not_utf8, LabError};
use crate::fsutil;
use crate::proc;
use crate::server::{self, Launch, Started};
use crate::LAB_PASSWORD;

const INITDB_TIMEOUT: Duration = Duration::from_secs(180);
/// The port number only names the Unix socket: the template listens on no
/// TCP address.
const TEMPLATE_PORT: u16 = 5432;

/// A stopped, initialised data directory with the lab's roles.
pub(crate) struct Template {
    pub data_dir: PathBuf,
    /// postgresql.conf exactly as initdb wrote it.
    pub pristine_conf: String,
}

type Slot = Arc<Mutex<Option<&'static Template>>>;

/// One template per installation (the local one, each packaged version): a
/// data directory only starts under the server that created it.
static TEMPLATES: Mutex<Vec<(PathBuf, Slot)>> = Mutex::new(Vec::new());

/// The template of `bins`' installation, built on first use; a failed build
/// is retried on the next call. Templates of different installations are
/// built concurrently.
pub(crate) fn template(
    bins: &PgBinaries,
    ids: Option<(u32, u32)>,
) -> Result<&'static Template, LabError> {
    let slot: Slot = {
        let mut all = TEMPLATES.lock().unwrap_or_else(|p| p.into_inner());
        match all.iter().find(|(dir, _)| dir == bins.bindir()) {
            Some((_, slot)) => Arc::clone(slot),
            None => {
                let slot = Slot::default();
                all.push((bins.bindir().to_path_buf(), Arc::clone(&slot)));
                slot
            }
        }
    };
    let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(t) = *guard {
        return Ok(t);
    }
    let t: &'static Template = Box::leak(Box::new(build(bins, ids)?));
    *guard = Some(t);
    Ok(t)
}

/// Quotes a value for postgresql.conf.
pub(crate) fn conf_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

fn build(bins: &PgBinaries, ids: Option<(u32, u32)>) -> Result<Template, LabError> {
    let tmp = tempfile::Builder::new()
        .prefix("pgtls-lab-tpl-")
        .tempdir_in(std::env::temp_dir())
        .map_err(|e| LabError::io("create a temporary directory for the template cluster", e))?;
    let dir = tmp.path().to_path_buf();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
        .map_err(|e| LabError::io_path("set permissions of", &dir, e))?;
    if let Some((uid, gid)) = ids {
        fsutil::chown(&dir, uid, gid)?;
    }
    proc::remove_at_exit(&dir);
    let data_dir = dir.join("data");

    let mut cmd = Command::new(bins.initdb());
    cmd.arg("-D")
        .arg(&data_dir)
        .args([
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--auth=trust",
            "--no-sync",
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .current_dir(&dir);
    proc::as_server_user(&mut cmd, ids);
    let out = proc::run(cmd, INITDB_TIMEOUT)
        .map_err(|e| LabError::io(format!("run {}", bins.initdb().display()), e))?;
    proc::check("initdb", out)?;

    let conf_path = data_dir.join("postgresql.conf");
    let pristine_conf =
        fs::read_to_string(&conf_path).map_err(|e| LabError::io_path("read", &conf_path, e))?;
    let (socket_dir, socket_tmp) = crate::cluster::socket_dir_for(&dir, ids)?;
    let socket_str = socket_dir
        .to_str()
        .ok_or_else(|| path_not_utf8(&socket_dir))?;
    let setup_conf = format!(
        "{pristine_conf}\nlisten_addresses = ''\nport = {TEMPLATE_PORT}\nunix_socket_directories = {}\nfsync = off\n",
        conf_quote(socket_str)
    );
    write_conf(&conf_path, &setup_conf, ids)?;

    let log_path = dir.join("template.log");
    let guard_dirs: Vec<&Path> = socket_tmp.iter().map(|t| t.path()).collect();
    let launch = Launch {
        bins,
        ids,
        data_dir: &data_dir,
        stderr_log: &log_path,
        other_logs: &[],
        lang: "C.UTF-8",
        guard_dirs: &guard_dirs,
        cwd: &dir,
    };
    let running = match server::launch(&launch)? {
        Started::Ready(r) => r,
        Started::Exited { log, status } => {
            return Err(LabError::StartFailed {
                fatal: server::fatal_lines(&log, status),
                log,
            })
        }
        Started::Hung { log } => {
            return Err(LabError::Timeout {
                what: "the template server to accept connections".to_string(),
                log,
            })
        }
    };

    let statements = [
        // Explicit: PostgreSQL 12 and 13 default to md5.
        format!("SET password_encryption = 'scram-sha-256'; CREATE ROLE kong LOGIN PASSWORD '{LAB_PASSWORD}'"),
        format!(
            "SET password_encryption = 'md5'; CREATE ROLE kong_md5 LOGIN PASSWORD '{LAB_PASSWORD}'"
        ),
        "CREATE ROLE foo LOGIN".to_string(),
        "CREATE DATABASE kong OWNER kong".to_string(),
    ];
    let result = statements.iter().try_for_each(|sql| {
        crate::cluster::run_sql(bins, &socket_dir, TEMPLATE_PORT, &dir, sql).map(|_| ())
    });
    running.stop(true);
    result?;

    write_conf(&conf_path, &pristine_conf, ids)?;
    // A clean shutdown removes postmaster.pid; a leftover one would make
    // every copy refuse to start.
    let pid_file = data_dir.join("postmaster.pid");
    if pid_file.exists() {
        return Err(LabError::Timeout {
            what: "the template server to shut down cleanly".to_string(),
            log: fsutil::read_from(&log_path, 0),
        });
    }
    // From here on only the exit guard removes the directory.
    let _ = tmp.keep();
    Ok(Template {
        data_dir,
        pristine_conf,
    })
}

/// Writes a server configuration file: 0600, owned by the server account.
pub(crate) fn write_conf(path: &Path, text: &str, ids: Option<(u32, u32)>) -> Result<(), LabError> {
    fsutil::write_file(path, text.as_bytes(), 0o600)?;
    if let Some((uid, gid)) = ids {
        fsutil::chown(path, uid, gid)?;
    }
    Ok(())
}
