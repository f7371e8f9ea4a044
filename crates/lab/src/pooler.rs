//! A real pgbouncer beside a lab [`Cluster`], so that pgtls learns what a
//! pooler in front of PostgreSQL really logs and sends, on each of its two
//! TLS legs: the client's leg (client ↔ pgbouncer, `client_tls_*`) and the
//! server's leg (pgbouncer ↔ PostgreSQL, `server_tls_*`).
//!
//! Each [`Pooler`] has its own directory (ini, auth file, certificate
//! copies, pid file, log, Unix socket) owned by the account that runs the
//! cluster, its own port, and is stopped by its own pid; the packaged
//! pgbouncer service is never touched. Debian installs the program at
//! [`PGBOUNCER_PATH`]; [`pgbouncer_binary`] says whether it is there so that
//! tests can skip with one line when it is not.

use std::fmt;
use std::fs;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::cluster::{socket_dir_for, Cluster, PsqlOutput, LAB_HOST};
use crate::error::{path_not_utf8, LabError};
use crate::fsutil;
use crate::pki::{files, Pki};
use crate::proc::{self, Watchdog};
use crate::{LAB_DATABASE, LAB_PASSWORD};

/// Where Debian's package installs pgbouncer.
pub const PGBOUNCER_PATH: &str = "/usr/sbin/pgbouncer";
/// How long pgbouncer may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a shutdown may take before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
const PORT_ATTEMPTS: usize = 5;

/// The pgbouncer program, when installed.
pub fn pgbouncer_binary() -> Option<PathBuf> {
    let p = PathBuf::from(PGBOUNCER_PATH);
    p.is_file().then_some(p)
}

/// A setting's value: text as written, or a file the lab places in the
/// pooler's directory and names by its absolute path.
#[derive(Clone, PartialEq, Eq)]
enum Value {
    Text(String),
    File {
        name: String,
        bytes: Vec<u8>,
        mode: u32,
    },
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // File contents may be a private key.
        match self {
            Value::Text(t) => write!(f, "{t:?}"),
            Value::File { name, mode, .. } => write!(f, "file {name} ({mode:o})"),
        }
    }
}

/// How to configure a pgbouncer. `Default` gives a pooler without TLS on
/// either leg, `auth_type = scram-sha-256` against the lab role `kong`,
/// database `kong` on the cluster, `query_wait_timeout = 3` and
/// `server_login_retry = 1`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolerSpec {
    settings: Vec<(String, Value)>,
    /// Write the auth file with the plain password instead of the role's
    /// SCRAM secret (pgbouncer then logs in to PostgreSQL with it whatever
    /// the client used).
    plain_auth_file: bool,
}

/// Settings the lab owns: they tie the pooler to its own directory, port and
/// cluster.
const OWNED: &[&str] = &[
    "listen_addr",
    "listen_port",
    "unix_socket_dir",
    "pidfile",
    "logfile",
    "auth_file",
];

impl PoolerSpec {
    /// The default spec.
    pub fn new() -> PoolerSpec {
        PoolerSpec::default()
    }

    /// A `[pgbouncer]` setting, written `name = value` as given; replaces an
    /// earlier one of the same name and the lab's default.
    pub fn setting(mut self, name: &str, value: &str) -> PoolerSpec {
        self.put(name, Value::Text(value.to_string()));
        self
    }

    /// A setting naming a file: `bytes` are placed as `name` in the
    /// pooler's directory (mode `mode`, owned by the server account) and the
    /// setting gets its absolute path.
    pub fn file_setting(
        mut self,
        setting: &str,
        name: &str,
        bytes: &[u8],
        mode: u32,
    ) -> PoolerSpec {
        self.put(
            setting,
            Value::File {
                name: name.to_string(),
                bytes: bytes.to_vec(),
                mode,
            },
        );
        self
    }

    /// The client's leg: `client_tls_sslmode = sslmode` with the PKI's
    /// localhost server certificate and key (so a client verifying
    /// `localhost` or `127.0.0.1` against the root CA accepts it).
    pub fn client_tls(self, pki: &Pki, sslmode: &str) -> Result<PoolerSpec, LabError> {
        Ok(self
            .setting("client_tls_sslmode", sslmode)
            .file_setting(
                "client_tls_cert_file",
                "client_tls.crt",
                &pki.read(files::SERVER)?,
                0o644,
            )
            .file_setting(
                "client_tls_key_file",
                "client_tls.key",
                &pki.read(files::SERVER_KEY)?,
                0o600,
            ))
    }

    /// The CA (one of the PKI's [`files`]) pgbouncer verifies client
    /// certificates against (`client_tls_ca_file`).
    pub fn client_ca(self, pki: &Pki, ca: &str) -> Result<PoolerSpec, LabError> {
        Ok(self.file_setting("client_tls_ca_file", "client_ca.crt", &pki.read(ca)?, 0o644))
    }

    /// The server's leg: `server_tls_sslmode = sslmode`, verifying
    /// PostgreSQL's certificate against `ca` (one of the PKI's [`files`];
    /// `None` leaves `server_tls_ca_file` unset).
    pub fn server_tls(
        self,
        pki: &Pki,
        sslmode: &str,
        ca: Option<&str>,
    ) -> Result<PoolerSpec, LabError> {
        let spec = self.setting("server_tls_sslmode", sslmode);
        Ok(match ca {
            Some(ca) => {
                spec.file_setting("server_tls_ca_file", "server_ca.crt", &pki.read(ca)?, 0o644)
            }
            None => spec,
        })
    }

    /// The certificate and key pgbouncer presents to PostgreSQL
    /// (`server_tls_cert_file`, `server_tls_key_file`), from the PKI.
    pub fn server_cert(self, pki: &Pki, cert: &str, key: &str) -> Result<PoolerSpec, LabError> {
        Ok(self
            .file_setting(
                "server_tls_cert_file",
                "server_client.crt",
                &pki.read(cert)?,
                0o644,
            )
            .file_setting(
                "server_tls_key_file",
                "server_client.key",
                &pki.read(key)?,
                0o600,
            ))
    }

    /// Writes the lab password itself into the auth file instead of the
    /// role's SCRAM secret.
    pub fn plain_auth_file(mut self, on: bool) -> PoolerSpec {
        self.plain_auth_file = on;
        self
    }

    fn put(&mut self, name: &str, value: Value) {
        self.settings.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.settings.push((name.to_string(), value));
    }

    fn validate(&self) -> Result<(), LabError> {
        for (name, value) in &self.settings {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(LabError::InvalidSpec(format!(
                    "invalid pgbouncer setting name {name:?}"
                )));
            }
            if OWNED.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                return Err(LabError::InvalidSpec(format!(
                    "pgbouncer setting {name} is managed by the lab"
                )));
            }
            match value {
                Value::Text(t) if t.contains(['\n', '\r']) => {
                    return Err(LabError::InvalidSpec(format!(
                        "value of pgbouncer setting {name} spans several lines"
                    )))
                }
                Value::File { name: file, .. }
                    if file.is_empty() || file.contains('/') || file.starts_with('.') =>
                {
                    return Err(LabError::InvalidSpec(format!(
                        "file name {file:?} of pgbouncer setting {name} must be a plain name"
                    )))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A position in a pooler's log; see [`Pooler::log_since`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolerLogMark(u64);

/// A running pgbouncer in front of a lab [`Cluster`]. Dropping it stops the
/// process (by its pid) and removes its directory, also when a test panics.
pub struct Pooler {
    child: Option<Child>,
    watchdog: Option<Watchdog>,
    port: u16,
    dir: PathBuf,
    ini: PathBuf,
    log: PathBuf,
    stderr_log: PathBuf,
    _socket_tmp: Option<TempDir>,
    _dir: TempDir,
}

impl fmt::Debug for Pooler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pooler")
            .field("port", &self.port)
            .field("dir", &self.dir)
            .field("pid", &self.pid())
            .finish_non_exhaustive()
    }
}

impl Pooler {
    /// Starts pgbouncer in front of `cluster` as `spec` says and waits until
    /// it listens. [`LabError::PgbouncerMissing`] when the program is not
    /// installed; [`LabError::PoolerStartFailed`] with pgbouncer's own
    /// FATAL lines when it refuses the configuration.
    pub fn start(cluster: &Cluster, spec: &PoolerSpec) -> Result<Pooler, LabError> {
        let bin = pgbouncer_binary().ok_or(LabError::PgbouncerMissing)?;
        spec.validate()?;
        let ids = proc::server_ids()?;

        let tmp = tempfile::Builder::new()
            .prefix("pgtls-lab-pgbouncer-")
            .tempdir_in(std::env::temp_dir())
            .map_err(|e| LabError::io("create a temporary directory for pgbouncer", e))?;
        let dir = tmp.path().to_path_buf();
        fsutil::set_mode(&dir, 0o700)?;
        let (socket_dir, socket_tmp) = socket_dir_for(&dir, ids)?;

        let auth_secret = if spec.plain_auth_file {
            LAB_PASSWORD.to_string()
        } else {
            cluster.sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'kong'")?
        };
        let auth_file = dir.join("userlist.txt");
        fsutil::write_file(
            &auth_file,
            format!("\"kong\" \"{}\"\n", auth_secret.replace('"', "\"\"")).as_bytes(),
            0o600,
        )?;

        let mut written = vec![auth_file.clone()];
        let mut lines: Vec<(String, String)> = Vec::new();
        for (name, value) in &spec.settings {
            let text = match value {
                Value::Text(t) => t.clone(),
                Value::File {
                    name: file,
                    bytes,
                    mode,
                } => {
                    let path = dir.join(file);
                    fsutil::write_file(&path, bytes, *mode)?;
                    written.push(path.clone());
                    utf8(&path)?.to_string()
                }
            };
            lines.push((name.clone(), text));
        }

        let ini = dir.join("pgbouncer.ini");
        let log = dir.join("pgbouncer.log");
        let stderr_log = dir.join("stderr.log");
        for f in [&log, &stderr_log] {
            fsutil::write_file(f, b"", 0o644)?;
            written.push(f.clone());
        }
        if let Some((uid, gid)) = ids {
            fsutil::chown(&dir, uid, gid)?;
            for f in &written {
                fsutil::chown(f, uid, gid)?;
            }
        }

        let mut pooler = Pooler {
            child: None,
            watchdog: None,
            port: 0,
            dir: dir.clone(),
            ini,
            log,
            stderr_log,
            _socket_tmp: socket_tmp,
            _dir: tmp,
        };
        let base = Base {
            cluster_port: cluster.port(),
            socket_dir: &socket_dir,
            auth_file: &auth_file,
            settings: &lines,
        };
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            let text = base.ini(&pooler, port)?;
            fsutil::write_file(&pooler.ini, text.as_bytes(), 0o600)?;
            if let Some((uid, gid)) = ids {
                fsutil::chown(&pooler.ini, uid, gid)?;
            }
            match pooler.launch(&bin, ids, port)? {
                Launch::Ready => return Ok(pooler),
                Launch::PortTaken(log) => last = log,
                Launch::Failed(log) => {
                    return Err(LabError::PoolerStartFailed {
                        fatal: fatal_lines(&log),
                        log,
                    })
                }
            }
        }
        Err(LabError::PoolerStartFailed {
            fatal: fatal_lines(&last),
            log: last,
        })
    }

    fn launch(
        &mut self,
        bin: &Path,
        ids: Option<(u32, u32)>,
        port: u16,
    ) -> Result<Launch, LabError> {
        let mark = self.log_mark();
        let err_mark = fsutil::size(&self.stderr_log);
        let out = fs::OpenOptions::new()
            .append(true)
            .open(&self.stderr_log)
            .map_err(|e| LabError::io_path("open", &self.stderr_log, e))?;
        let out2 = out
            .try_clone()
            .map_err(|e| LabError::io_path("open", &self.stderr_log, e))?;
        // In the foreground (no -d): the lab keeps the child, so it stops
        // exactly this process by its pid and reaps it.
        let mut cmd = Command::new(bin);
        cmd.arg(&self.ini)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("LANG", "C")
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(out2))
            .process_group(0);
        proc::as_server_user(&mut cmd, ids);
        let mut child = cmd
            .spawn()
            .map_err(|e| LabError::io(format!("run {}", bin.display()), e))?;
        let watchdog = Watchdog::spawn(child.id(), &[&self.dir]).ok();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                if let Some(w) = watchdog {
                    w.disarm();
                }
                thread::sleep(Duration::from_millis(20));
                let mut log = fsutil::read_from(&self.stderr_log, err_mark);
                if log.is_empty() {
                    log = self.log_since(&mark);
                }
                return Ok(if log.contains("Address already in use") {
                    Launch::PortTaken(log)
                } else {
                    Launch::Failed(log)
                });
            }
            let up = self.log_since(&mark).contains("process up");
            if up
                && TcpStream::connect_timeout(
                    &(std::net::Ipv4Addr::LOCALHOST, port).into(),
                    Duration::from_secs(1),
                )
                .is_ok()
            {
                self.port = port;
                self.child = Some(child);
                self.watchdog = watchdog;
                return Ok(Launch::Ready);
            }
            if Instant::now() >= deadline {
                if let Some(w) = watchdog {
                    w.disarm();
                }
                let _ = child.kill();
                let _ = child.wait();
                return Err(LabError::Timeout {
                    what: format!("pgbouncer to listen ({} s)", START_TIMEOUT.as_secs()),
                    log: self.log_since(&mark),
                });
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The TCP port pgbouncer listens on (on [`LAB_HOST`]).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address pgbouncer listens on: "127.0.0.1".
    pub fn host(&self) -> &'static str {
        LAB_HOST
    }

    /// pgbouncer's pid, `None` after it was stopped.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The pooler's directory (ini, auth file, certificate copies, log).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The pgbouncer.ini the pooler runs with.
    pub fn ini_path(&self) -> &Path {
        &self.ini
    }

    /// pgbouncer's log file (`logfile`).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Everything pgbouncer logged so far.
    pub fn log_text(&self) -> String {
        self.log_since(&PoolerLogMark(0))
    }

    /// The current end of the log.
    pub fn log_mark(&self) -> PoolerLogMark {
        PoolerLogMark(fsutil::size(&self.log))
    }

    /// What pgbouncer logged after `mark`.
    pub fn log_since(&self, mark: &PoolerLogMark) -> String {
        fsutil::read_from(&self.log, mark.0)
    }

    /// Waits until the log after `mark` contains `needle` and returns that
    /// text: pgbouncer writes some lines (a client's `closing because`)
    /// after the client has already returned.
    pub fn wait_for_log(
        &self,
        mark: &PoolerLogMark,
        needle: &str,
        timeout: Duration,
    ) -> Result<String, LabError> {
        fsutil::wait_for_text(|| self.log_since(mark), needle, timeout, "pgbouncer log")
    }

    /// psql through the pooler: [`Cluster::psql`] with the pooler's port
    /// (so the same clean environment and time limit); `conninfo`'s own
    /// keywords still win.
    pub fn psql(
        &self,
        cluster: &Cluster,
        conninfo: &str,
        extra_env: &[(&str, &str)],
    ) -> PsqlOutput {
        cluster.psql(&format!("port={} {conninfo}", self.port), extra_env)
    }

    /// Stops pgbouncer (SIGTERM, its immediate shutdown; SIGKILL after
    /// five seconds) and removes its files.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(w) = self.watchdog.take() {
            w.disarm();
        }
        if let Some(mut child) = self.child.take() {
            proc::signal(child.id(), libc::SIGTERM);
            if proc::wait_timeout(&mut child, STOP_TIMEOUT).is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

impl Drop for Pooler {
    fn drop(&mut self) {
        self.shutdown();
    }
}

enum Launch {
    Ready,
    PortTaken(String),
    Failed(String),
}

/// The parts of pgbouncer.ini that stay the same across port attempts.
struct Base<'a> {
    cluster_port: u16,
    socket_dir: &'a Path,
    auth_file: &'a Path,
    settings: &'a [(String, String)],
}

impl Base<'_> {
    fn ini(&self, pooler: &Pooler, port: u16) -> Result<String, LabError> {
        let mut s = String::from("[databases]\n");
        s.push_str(&format!(
            "{LAB_DATABASE} = host={LAB_HOST} port={} dbname={LAB_DATABASE}\n\n[pgbouncer]\n",
            self.cluster_port
        ));
        let fixed = [
            ("listen_addr", LAB_HOST.to_string()),
            ("listen_port", port.to_string()),
            ("unix_socket_dir", utf8(self.socket_dir)?.to_string()),
            (
                "pidfile",
                utf8(&pooler.dir.join("pgbouncer.pid"))?.to_string(),
            ),
            ("logfile", utf8(&pooler.log)?.to_string()),
            ("auth_file", utf8(self.auth_file)?.to_string()),
        ];
        for (k, v) in &fixed {
            s.push_str(&format!("{k} = {v}\n"));
        }
        // A failing server leg makes clients wait query_wait_timeout (120 s
        // by default) and then pgbouncer waits server_login_retry (15 s)
        // before it tries PostgreSQL again; tests need both short.
        let defaults = [
            ("auth_type", "scram-sha-256"),
            ("query_wait_timeout", "3"),
            ("server_login_retry", "1"),
        ];
        for (k, v) in defaults {
            if !self.settings.iter().any(|(n, _)| n.eq_ignore_ascii_case(k)) {
                s.push_str(&format!("{k} = {v}\n"));
            }
        }
        for (k, v) in self.settings {
            s.push_str(&format!("{k} = {v}\n"));
        }
        Ok(s)
    }
}

fn utf8(path: &Path) -> Result<&str, LabError> {
    path.to_str().ok_or_else(|| path_not_utf8(path))
}

fn free_port() -> Result<u16, LabError> {
    let l = std::net::TcpListener::bind((LAB_HOST, 0))
        .map_err(|e| LabError::io("find a free TCP port on 127.0.0.1", e))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| LabError::io("find a free TCP port on 127.0.0.1", e))
}

/// pgbouncer's FATAL lines (`... 1234 FATAL <text>`) from the text part on;
/// the last line when there is none.
fn fatal_lines(log: &str) -> String {
    let found: Vec<&str> = log
        .lines()
        .filter_map(|l| l.find(" FATAL ").map(|i| &l[i + 1..]))
        .collect();
    if !found.is_empty() {
        return found.join("\n");
    }
    log.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("pgbouncer exited without logging anything")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lab_keeps_its_own_settings() {
        let spec = PoolerSpec::new().setting("listen_port", "6432");
        let e = spec.validate().unwrap_err().to_string();
        assert!(e.contains("listen_port is managed by the lab"), "{e}");
        let e = PoolerSpec::new()
            .setting("client_tls_sslmode", "require\nadmin_users = x")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("spans several lines"), "{e}");
        let e = PoolerSpec::new()
            .file_setting("client_tls_ca_file", "../x", b"", 0o644)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("plain name"), "{e}");
    }

    #[test]
    fn a_later_setting_replaces_an_earlier_one() {
        let spec = PoolerSpec::new()
            .setting("query_wait_timeout", "3")
            .setting("QUERY_WAIT_TIMEOUT", "5");
        assert_eq!(spec.settings.len(), 1);
        assert_eq!(spec.settings[0].1, Value::Text("5".into()));
    }

    #[test]
    fn fatal_lines_keep_pgbouncers_own_words() {
        let log = "2026-12-03 14:42:09.286 UTC [1] LOG x\n2026-12-03 14:42:09.286 UTC 26565 FATAL Cannot open logfile: '/x': Permission denied\n";
        assert_eq!(
            fatal_lines(log),
            "FATAL Cannot open logfile: '/x': Permission denied"
        );
        assert_eq!(fatal_lines(""), "pgbouncer exited without logging anything");
    }
}
