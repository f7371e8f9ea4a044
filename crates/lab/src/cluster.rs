//! Real, throwaway PostgreSQL clusters configured per test: each one a copy
//! of the process's template, with its own port, Unix socket, settings,
//! pg_hba.conf, pg_ident.conf, certificate files and logs, so tests observe
//! exactly what a real server logs and what a real client prints.

use std::fmt;
use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::binaries::{find_binaries, PgBinaries};
use crate::error::{path_not_utf8, LabError};
use crate::fsutil;
use crate::pki::{files, Pki};
use crate::proc;
use crate::server::{self, Launch, Running, Started};
use crate::template::{self, conf_quote, write_conf};
use crate::versions::{version_binaries, PgClient};

/// The address every lab cluster listens on.
pub const LAB_HOST: &str = "127.0.0.1";
/// How long [`Cluster::psql`] lets psql run.
pub const PSQL_TIMEOUT: Duration = Duration::from_secs(15);
const SQL_TIMEOUT: Duration = Duration::from_secs(30);
const RELOAD_TIMEOUT: Duration = Duration::from_secs(10);
const PORT_ATTEMPTS: usize = 5;
/// Longest socket directory that keeps `<dir>/.s.PGSQL.NNNNN.lock` inside
/// the 107 bytes of a Unix socket address.
const MAX_SOCKET_DIR: usize = 80;

/// Who owns a file placed in the data directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Owner {
    /// The account the server runs as (`postgres` when the lab runs as
    /// root, else the current user).
    #[default]
    ServerUser,
    /// root; only possible when the lab runs as root (PostgreSQL accepts
    /// root-owned keys with mode up to 0640).
    Root,
}

/// A file to place in a cluster's data directory. Debug output omits the
/// contents, which may be a private key.
#[derive(Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Path relative to the data directory, e.g. `server.key` or
    /// `certs/ca.crt` (parent directories are created).
    pub name: String,
    /// Contents.
    pub bytes: Vec<u8>,
    /// Permission bits, e.g. 0o600.
    pub mode: u32,
    /// Owner.
    pub owner: Owner,
}

impl DataFile {
    /// A file with the given contents.
    pub fn new(name: &str, bytes: impl Into<Vec<u8>>, mode: u32, owner: Owner) -> DataFile {
        DataFile {
            name: name.to_string(),
            bytes: bytes.into(),
            mode,
            owner,
        }
    }

    /// A file with the contents of `source`.
    pub fn from_path(
        name: &str,
        source: &Path,
        mode: u32,
        owner: Owner,
    ) -> Result<DataFile, LabError> {
        let bytes = fs::read(source).map_err(|e| LabError::io_path("read", source, e))?;
        Ok(DataFile::new(name, bytes, mode, owner))
    }
}

impl fmt::Debug for DataFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataFile")
            .field("name", &self.name)
            .field("len", &self.bytes.len())
            .field("mode", &format_args!("{:o}", self.mode))
            .field("owner", &self.owner)
            .finish()
    }
}

/// Which log formats the server writes besides stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogFormats {
    /// Also write csvlog (`postgresql.csv`).
    pub csvlog: bool,
    /// Also write jsonlog (`postgresql.json`).
    pub jsonlog: bool,
}

impl LogFormats {
    fn collector(&self) -> bool {
        self.csvlog || self.jsonlog
    }
}

/// How to configure a cluster. `Default` gives a server on 127.0.0.1
/// without TLS that accepts no TCP connections (no pg_hba.conf TCP lines).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterSpec {
    /// Extra postgresql.conf lines, written `name = value` with the value as
    /// given (quote strings yourself: `("ssl_cert_file", "'server.crt'")`).
    /// They replace the lab's defaults of the same name. `port` and
    /// `unix_socket_directories` belong to the lab and are refused (as are
    /// the collector settings when csvlog or jsonlog is on).
    pub settings: Vec<(String, String)>,
    /// pg_hba.conf lines for TCP connections; the lab writes `local all all
    /// trust` before them so its own administrative connection works.
    pub hba: String,
    /// pg_ident.conf body.
    pub ident: String,
    /// Files to place in the data directory before the server starts.
    pub files: Vec<DataFile>,
    /// Server messages in Japanese (`lc_messages = 'ja_JP.UTF-8'`).
    pub japanese: bool,
    /// Extra log formats; stderr is always written.
    pub log_formats: LogFormats,
    /// The major version of a packaged build from the lab's cache to run
    /// (its own OpenSSL 1.1 and libpq); `None` runs the local installation.
    pub pg_version: Option<u32>,
}

impl ClusterSpec {
    /// The default spec.
    pub fn new() -> ClusterSpec {
        ClusterSpec::default()
    }

    /// Adds a postgresql.conf setting (value written as given).
    pub fn setting(mut self, name: &str, value: &str) -> ClusterSpec {
        self.settings.push((name.to_string(), value.to_string()));
        self
    }

    /// Appends one pg_hba.conf line.
    pub fn hba_line(mut self, line: &str) -> ClusterSpec {
        self.hba.push_str(line);
        self.hba.push('\n');
        self
    }

    /// Appends one pg_ident.conf line.
    pub fn ident_line(mut self, line: &str) -> ClusterSpec {
        self.ident.push_str(line);
        self.ident.push('\n');
        self
    }

    /// Adds a file to place in the data directory.
    pub fn file(mut self, file: DataFile) -> ClusterSpec {
        self.files.push(file);
        self
    }

    /// Server messages in Japanese or not.
    pub fn japanese(mut self, on: bool) -> ClusterSpec {
        self.japanese = on;
        self
    }

    /// Runs PostgreSQL `major` from the lab's cache (see
    /// `lab/fetch-postgres.sh`) instead of the local installation, and
    /// makes [`Cluster::psql`] use that version's libpq. Always the
    /// packaged build, even when the local installation has the same major
    /// version, so that a test names exactly one server.
    pub fn pg_version(mut self, major: u32) -> ClusterSpec {
        self.pg_version = Some(major);
        self
    }

    /// Also write csvlog.
    pub fn csvlog(mut self, on: bool) -> ClusterSpec {
        self.log_formats.csvlog = on;
        self
    }

    /// Also write jsonlog.
    pub fn jsonlog(mut self, on: bool) -> ClusterSpec {
        self.log_formats.jsonlog = on;
        self
    }

    /// Server-side TLS with the lab PKI: `ssl = on`, the PKI's
    /// [`files::SERVER`] and [`files::SERVER_KEY`] placed as `server.crt`
    /// and `server.key` (0600, server account) and named by `ssl_cert_file`
    /// and `ssl_key_file`. Client certificates are not requested; see
    /// [`ClusterSpec::with_client_ca`].
    pub fn with_server_tls(self, pki: &Pki) -> Result<ClusterSpec, LabError> {
        Ok(self
            .setting("ssl", "on")
            .setting("ssl_cert_file", "'server.crt'")
            .setting("ssl_key_file", "'server.key'")
            .file(pki.data_file(files::SERVER, "server.crt", 0o600, Owner::ServerUser)?)
            .file(pki.data_file(files::SERVER_KEY, "server.key", 0o600, Owner::ServerUser)?))
    }

    /// The PKI's root CA placed as `root.crt` (0644) and named by
    /// `ssl_ca_file`, so the server asks for client certificates and
    /// verifies them against it (needed by `cert` and `clientcert=` lines).
    pub fn with_client_ca(self, pki: &Pki) -> Result<ClusterSpec, LabError> {
        Ok(self
            .setting("ssl_ca_file", "'root.crt'")
            .file(pki.data_file(files::ROOT_CA, "root.crt", 0o644, Owner::ServerUser)?))
    }
}

/// A position in a cluster's logs; see [`Cluster::log_since`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogMark {
    stderr: u64,
    collected: u64,
}

/// What psql did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsqlOutput {
    /// psql's exit status (0 ok, 2 connection failed, ...); -1 when psql
    /// could not be run, was killed, or ran out of time (stderr says which).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error: libpq's error message on a failed connection.
    pub stderr: String,
}

/// A running (or stopped, after a failed restart) throwaway PostgreSQL
/// cluster. Dropping it stops the server (immediate shutdown, by its pid)
/// and removes all its files, also when a test panics.
pub struct Cluster {
    bins: PgBinaries,
    client: PgClient,
    ids: Option<(u32, u32)>,
    dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    home_dir: PathBuf,
    stderr_log: PathBuf,
    collected_log: Option<PathBuf>,
    csv_log: Option<PathBuf>,
    json_log: Option<PathBuf>,
    /// postgresql.conf without the port line.
    conf_base: String,
    port: u16,
    lang: &'static str,
    running: Option<Running>,
    // Removed after the server has been stopped (fields drop after Drop::drop).
    _socket_tmp: Option<TempDir>,
    _dir: TempDir,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("port", &self.port)
            .field("data_dir", &self.data_dir)
            .field("pid", &self.pid())
            .finish_non_exhaustive()
    }
}

fn free_port() -> Result<u16, LabError> {
    let l = TcpListener::bind((LAB_HOST, 0))
        .map_err(|e| LabError::io("find a free TCP port on 127.0.0.1", e))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| LabError::io("find a free TCP port on 127.0.0.1", e))
}

fn valid_setting_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// The directory for a server's Unix socket: `dir` itself, or a fresh
/// `pgtls-lab-*` directory under /tmp when `dir` is too long for a socket
/// address (a deep TMPDIR). The second value owns that fallback directory.
pub(crate) fn socket_dir_for(
    dir: &Path,
    ids: Option<(u32, u32)>,
) -> Result<(PathBuf, Option<TempDir>), LabError> {
    if dir.as_os_str().len() <= MAX_SOCKET_DIR {
        return Ok((dir.to_path_buf(), None));
    }
    let t = tempfile::Builder::new()
        .prefix("pgtls-lab-")
        .tempdir_in("/tmp")
        .map_err(|e| LabError::io("create a socket directory under /tmp", e))?;
    fsutil::set_mode(t.path(), 0o755)?;
    if let Some((uid, gid)) = ids {
        fsutil::chown(t.path(), uid, gid)?;
    }
    Ok((t.path().to_path_buf(), Some(t)))
}

/// Runs one SQL string as the superuser over the Unix socket in
/// `socket_dir`; returns psql's unaligned, tuples-only output without the
/// final newline.
pub(crate) fn run_sql(
    bins: &PgBinaries,
    socket_dir: &Path,
    port: u16,
    home: &Path,
    sql: &str,
) -> Result<String, LabError> {
    let mut cmd = Command::new(bins.psql());
    cmd.args(["-X", "-q", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(socket_dir)
        .arg("-p")
        .arg(port.to_string())
        .args(["-U", "postgres", "-d", "postgres", "-c", sql])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C")
        .env("HOME", home)
        .env("PGCONNECT_TIMEOUT", "10")
        .current_dir(home);
    let out = proc::run(cmd, SQL_TIMEOUT)
        .map_err(|e| LabError::io(format!("run {}", bins.psql().display()), e))?;
    if out.timed_out {
        return Err(LabError::Timeout {
            what: format!("psql to run {sql:?}"),
            log: String::new(),
        });
    }
    if out.status != Some(0) {
        return Err(LabError::Sql {
            sql: sql.to_string(),
            stderr: out.stderr,
        });
    }
    let mut s = out.stdout;
    if s.ends_with('\n') {
        s.pop();
    }
    Ok(s)
}

impl Cluster {
    /// Creates and starts a cluster; see [`ClusterSpec`]. Takes about a
    /// second (plus a few seconds once per process for the template).
    pub fn start(spec: &ClusterSpec) -> Result<Cluster, LabError> {
        let (bins, client) = match spec.pg_version {
            Some(major) => (version_binaries(major)?, PgClient::version(major)?),
            None => (find_binaries()?, PgClient::local()?),
        };
        let ids = proc::server_ids()?;
        let collector = spec.log_formats.collector();

        let mut owned: Vec<&str> = vec!["port", "unix_socket_directories"];
        if collector {
            owned.extend([
                "logging_collector",
                "log_destination",
                "log_directory",
                "log_filename",
            ]);
        }
        for (name, value) in &spec.settings {
            if !valid_setting_name(name) {
                return Err(LabError::InvalidSpec(format!(
                    "invalid setting name {name:?}"
                )));
            }
            if value.contains('\n') || value.contains('\r') {
                return Err(LabError::InvalidSpec(format!(
                    "value of setting {name} spans several lines"
                )));
            }
            if owned.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                return Err(LabError::InvalidSpec(format!(
                    "setting {name} is managed by the lab"
                )));
            }
        }
        if !proc::is_root() && spec.files.iter().any(|f| f.owner == Owner::Root) {
            return Err(LabError::InvalidSpec(
                "files owned by root need the lab to run as root".to_string(),
            ));
        }

        let template = template::template(&bins, ids)?;

        let tmp = tempfile::Builder::new()
            .prefix("pgtls-lab-")
            .tempdir_in(std::env::temp_dir())
            .map_err(|e| LabError::io("create a temporary directory for a cluster", e))?;
        let dir = tmp.path().to_path_buf();
        fsutil::set_mode(&dir, 0o755)?;
        let data_dir = dir.join("data");
        fsutil::copy_tree(&template.data_dir, &data_dir)?;

        let (socket_dir, socket_tmp) = socket_dir_for(&dir, ids)?;

        let stderr_log = dir.join("postgresql.log");
        fsutil::write_file(&stderr_log, b"", 0o644)?;
        let (collected_log, csv_log, json_log, log_dir) = if collector {
            let log_dir = dir.join("log");
            fs::create_dir(&log_dir)
                .map_err(|e| LabError::io_path("create directory", &log_dir, e))?;
            fsutil::set_mode(&log_dir, 0o755)?;
            (
                Some(log_dir.join("postgresql.log")),
                spec.log_formats
                    .csvlog
                    .then(|| log_dir.join("postgresql.csv")),
                spec.log_formats
                    .jsonlog
                    .then(|| log_dir.join("postgresql.json")),
                Some(log_dir),
            )
        } else {
            (None, None, None, None)
        };

        let conf_base = compose_conf(
            spec,
            &template.pristine_conf,
            &socket_dir,
            log_dir.as_deref(),
        )?;

        let home_dir = dir.join("home");
        fs::create_dir(&home_dir)
            .map_err(|e| LabError::io_path("create directory", &home_dir, e))?;
        fsutil::set_mode(&home_dir, 0o700)?;

        if let Some((uid, gid)) = ids {
            fsutil::chown(&dir, uid, gid)?;
            fsutil::chown_tree(&data_dir, uid, gid)?;
            fsutil::chown(&stderr_log, uid, gid)?;
            if let Some(l) = &log_dir {
                fsutil::chown(l, uid, gid)?;
            }
        }

        let mut cluster = Cluster {
            bins,
            client,
            ids,
            dir,
            data_dir,
            socket_dir,
            home_dir,
            stderr_log,
            collected_log,
            csv_log,
            json_log,
            conf_base,
            port: 0,
            lang: if spec.japanese {
                "ja_JP.UTF-8"
            } else {
                "C.UTF-8"
            },
            running: None,
            _socket_tmp: socket_tmp,
            _dir: tmp,
        };
        let mut hba = String::from("local all all trust\n");
        hba.push_str(&spec.hba);
        if !hba.ends_with('\n') {
            hba.push('\n');
        }
        cluster.write_file("pg_hba.conf", hba.as_bytes(), 0o600, Owner::ServerUser)?;
        cluster.write_file(
            "pg_ident.conf",
            spec.ident.as_bytes(),
            0o600,
            Owner::ServerUser,
        )?;
        for f in &spec.files {
            cluster.write_file(&f.name, &f.bytes, f.mode, f.owner)?;
        }
        cluster.start_server(None)?;
        Ok(cluster)
    }

    fn start_server(&mut self, first_port: Option<u16>) -> Result<(), LabError> {
        let mut last_log = String::new();
        let mut last_status = None;
        for attempt in 0..PORT_ATTEMPTS {
            let port = match (attempt, first_port) {
                (0, Some(p)) => p,
                _ => free_port()?,
            };
            let conf = format!("{}port = {port}\n", self.conf_base);
            write_conf(&self.data_dir.join("postgresql.conf"), &conf, self.ids)?;
            let other_logs: Vec<PathBuf> = self.collected_log.iter().cloned().collect();
            let mut guard_dirs: Vec<&Path> = vec![&self.dir];
            if let Some(t) = &self._socket_tmp {
                guard_dirs.push(t.path());
            }
            let launch = Launch {
                bins: &self.bins,
                ids: self.ids,
                data_dir: &self.data_dir,
                stderr_log: &self.stderr_log,
                other_logs: &other_logs,
                lang: self.lang,
                guard_dirs: &guard_dirs,
                cwd: &self.dir,
            };
            match server::launch(&launch)? {
                Started::Ready(r) => {
                    self.port = port;
                    self.running = Some(r);
                    return Ok(());
                }
                Started::Exited { log, status } => {
                    if server::is_port_in_use(&log) {
                        last_log = log;
                        last_status = status;
                        continue;
                    }
                    return Err(LabError::StartFailed {
                        fatal: server::fatal_lines(&log, status),
                        log,
                    });
                }
                Started::Hung { log } => {
                    return Err(LabError::Timeout {
                        what: format!(
                            "the server to accept connections ({} s)",
                            server::START_TIMEOUT.as_secs()
                        ),
                        log,
                    })
                }
            }
        }
        Err(LabError::StartFailed {
            fatal: server::fatal_lines(&last_log, last_status),
            log: last_log,
        })
    }

    /// The TCP port the server listens on (may change after
    /// [`Cluster::restart`] when the old one was taken meanwhile).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address the server listens on: "127.0.0.1".
    pub fn host(&self) -> &'static str {
        LAB_HOST
    }

    /// `host=127.0.0.1 port=N`, to start a libpq conninfo with.
    pub fn tcp_conninfo(&self) -> String {
        format!("host={LAB_HOST} port={}", self.port)
    }

    /// The pid of the postmaster, `None` when it is not running.
    pub fn pid(&self) -> Option<u32> {
        self.running.as_ref().map(Running::pid)
    }

    /// The cluster's temporary directory (holds `data/`, the logs, the
    /// socket).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The data directory (postgresql.conf, pg_hba.conf, certificates).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The directory of the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The file receiving the server's stderr. With csvlog or jsonlog on,
    /// it holds only the lines written before the logging collector started
    /// (start-up failures); the rest goes to [`Cluster::collected_log_path`].
    pub fn stderr_log_path(&self) -> &Path {
        &self.stderr_log
    }

    /// The stderr-format file of the logging collector, when csvlog or
    /// jsonlog is on.
    pub fn collected_log_path(&self) -> Option<&Path> {
        self.collected_log.as_deref()
    }

    /// The csvlog file, when enabled.
    pub fn csv_log_path(&self) -> Option<&Path> {
        self.csv_log.as_deref()
    }

    /// The jsonlog file, when enabled.
    pub fn json_log_path(&self) -> Option<&Path> {
        self.json_log.as_deref()
    }

    /// Everything the server wrote in stderr format so far (the stderr file,
    /// then the collector's stderr-format file when there is one).
    pub fn log_text(&self) -> String {
        self.log_since(&LogMark {
            stderr: 0,
            collected: 0,
        })
    }

    /// The current end of the logs.
    pub fn log_mark(&self) -> LogMark {
        LogMark {
            stderr: fsutil::size(&self.stderr_log),
            collected: self.collected_log.as_deref().map(fsutil::size).unwrap_or(0),
        }
    }

    /// What the server logged (stderr format) after `mark`.
    pub fn log_since(&self, mark: &LogMark) -> String {
        let mut text = fsutil::read_from(&self.stderr_log, mark.stderr);
        if let Some(c) = &self.collected_log {
            text.push_str(&fsutil::read_from(c, mark.collected));
        }
        text
    }

    /// Waits until the log after `mark` contains `needle` and returns that
    /// text. The server may write a connection's lines a few milliseconds
    /// after the client has returned.
    pub fn wait_for_log(
        &self,
        mark: &LogMark,
        needle: &str,
        timeout: Duration,
    ) -> Result<String, LabError> {
        fsutil::wait_for_text(|| self.log_since(mark), needle, timeout, "server log")
    }

    /// Runs SQL as the superuser `postgres` through psql over the Unix
    /// socket and returns its unaligned, tuples-only output (last
    /// statement's rows, `|`-separated columns, no trailing newline).
    pub fn sql(&self, sql: &str) -> Result<String, LabError> {
        run_sql(&self.bins, &self.socket_dir, self.port, &self.home_dir, sql)
    }

    /// Runs `psql -X -w -At -c 'show server_version_num'` (or, for a
    /// [`ClusterSpec::pg_version`] cluster, that version's client: see
    /// [`PgClient::version`]) as the current user with `conninfo`, in a
    /// clean environment: no inherited `PG*`
    /// variables, HOME an empty directory (so no ~/.postgresql client
    /// certificates or ~/.pgpass), LANG=C unless `extra_env` sets LANG or
    /// LC_ALL, then `extra_env` (e.g. `PGPASSWORD`). A keyword=value
    /// conninfo is preceded by `host=127.0.0.1 port=<port>
    /// connect_timeout=10`, each left out when `extra_env` sets its
    /// variable (PGHOST/PGHOSTADDR, PGPORT, PGCONNECT_TIMEOUT); the
    /// conninfo's own keywords win. A URI is passed unchanged. Give file
    /// paths (sslrootcert, sslcert, sslkey) as absolute paths. psql is
    /// killed after [`PSQL_TIMEOUT`].
    pub fn psql(&self, conninfo: &str, extra_env: &[(&str, &str)]) -> PsqlOutput {
        self.psql_with(&self.client, conninfo, extra_env)
    }

    /// The client [`Cluster::psql`] runs: the local psql, or for a
    /// [`ClusterSpec::pg_version`] cluster a client with that version's
    /// libpq.
    pub fn client(&self) -> &PgClient {
        &self.client
    }

    /// The major version of the packaged server this cluster runs, `None`
    /// for the local installation.
    pub fn pg_version(&self) -> Option<u32> {
        self.bins.packaged_major()
    }

    /// [`Cluster::psql`] through another client, e.g. the local psql
    /// against a PostgreSQL 12 server, or libpq 14 against the local one.
    pub fn psql_with(
        &self,
        client: &PgClient,
        conninfo: &str,
        extra_env: &[(&str, &str)],
    ) -> PsqlOutput {
        let has_env = |names: &[&str]| extra_env.iter().any(|(k, _)| names.contains(k));
        let full = if conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://") {
            conninfo.to_string()
        } else {
            let mut s = String::new();
            if !has_env(&["PGHOST", "PGHOSTADDR"]) {
                s.push_str(&format!("host={LAB_HOST} "));
            }
            if !has_env(&["PGPORT"]) {
                s.push_str(&format!("port={} ", self.port));
            }
            if !has_env(&["PGCONNECT_TIMEOUT"]) {
                s.push_str("connect_timeout=10 ");
            }
            s.push_str(conninfo);
            s
        };
        let psql = client.program();
        let mut cmd = Command::new(psql);
        cmd.args(client.args(&full))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &self.home_dir)
            .current_dir(&self.home_dir);
        if !has_env(&["LANG", "LC_ALL"]) {
            cmd.env("LANG", "C");
        }
        if let Some(lib) = client.lib_dir() {
            cmd.env("LD_LIBRARY_PATH", lib);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        match proc::run(cmd, PSQL_TIMEOUT) {
            Ok(out) => {
                let mut stderr = out.stderr;
                if out.timed_out {
                    stderr.push_str(&format!(
                        "pgtls-lab: psql killed after {} s\n",
                        PSQL_TIMEOUT.as_secs()
                    ));
                }
                PsqlOutput {
                    status: out.status.unwrap_or(-1),
                    stdout: out.stdout,
                    stderr,
                }
            }
            Err(e) => PsqlOutput {
                status: -1,
                stdout: String::new(),
                stderr: format!("pgtls-lab: could not run {}: {e}\n", psql.display()),
            },
        }
    }

    /// Places a file in the data directory (replacing it) with exactly
    /// `mode` and `owner`. Takes effect at the next [`Cluster::reload`] or
    /// [`Cluster::restart`] where the server reads it then.
    pub fn write_file(
        &self,
        name: &str,
        bytes: &[u8],
        mode: u32,
        owner: Owner,
    ) -> Result<(), LabError> {
        let path = fsutil::inside(&self.data_dir, name)?;
        let (uid, gid) = match (owner, self.ids) {
            (Owner::Root, _) if !proc::is_root() => {
                return Err(LabError::InvalidSpec(
                    "files owned by root need the lab to run as root".to_string(),
                ))
            }
            (Owner::Root, _) => (0, 0),
            (Owner::ServerUser, Some(ids)) => ids,
            (Owner::ServerUser, None) => proc::current_ids(),
        };
        if let Some(parent) = path.parent() {
            if !parent.exists() {
                fs::create_dir_all(parent)
                    .map_err(|e| LabError::io_path("create directory", parent, e))?;
                // Newly created directories belong to the server account.
                let mut p = parent;
                while p.starts_with(&self.data_dir) && p != self.data_dir {
                    fs::set_permissions(p, fs::Permissions::from_mode(0o700))
                        .map_err(|e| LabError::io_path("set permissions of", p, e))?;
                    if let Some((u, g)) = self.ids {
                        fsutil::chown(p, u, g)?;
                    }
                    match p.parent() {
                        Some(pp) => p = pp,
                        None => break,
                    }
                }
            }
        }
        fsutil::write_file(&path, bytes, mode)?;
        if proc::is_root() {
            fsutil::chown(&path, uid, gid)?;
        }
        Ok(())
    }

    /// Replaces pg_hba.conf with `body`, keeping the lab's leading `local
    /// all all trust` line; call [`Cluster::reload`] to apply.
    pub fn write_hba(&self, body: &str) -> Result<(), LabError> {
        let mut hba = String::from("local all all trust\n");
        hba.push_str(body);
        if !hba.ends_with('\n') {
            hba.push('\n');
        }
        self.write_file("pg_hba.conf", hba.as_bytes(), 0o600, Owner::ServerUser)
    }

    /// Sends SIGHUP to the postmaster and waits until it has re-read its
    /// configuration (pg_conf_load_time changes), or until it has logged
    /// that the configuration file contains errors.
    pub fn reload(&self) -> Result<(), LabError> {
        let Some(running) = &self.running else {
            return Err(LabError::InvalidSpec(
                "the server is not running".to_string(),
            ));
        };
        let query = "SELECT pg_conf_load_time()";
        let before = self.sql(query)?;
        let mark = self.log_mark();
        proc::signal(running.pid(), libc::SIGHUP);
        let deadline = Instant::now() + RELOAD_TIMEOUT;
        loop {
            thread::sleep(Duration::from_millis(20));
            let log = self.log_since(&mark);
            if log.contains("contains errors") || log.contains("にはエラーがあります") {
                return Ok(());
            }
            if let Ok(now) = self.sql(query) {
                if now != before {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                return Err(LabError::Timeout {
                    what: "the server to reload its configuration".to_string(),
                    log: self.log_text(),
                });
            }
        }
    }

    /// Stops the server (fast shutdown) and starts it again with the
    /// current files, on the same port when it is still free. A server that
    /// refuses to start gives [`LabError::StartFailed`] and leaves the
    /// cluster stopped; `restart` may be called again after fixing files.
    pub fn restart(&mut self) -> Result<(), LabError> {
        if let Some(r) = self.running.take() {
            r.stop(true);
        }
        let port = (self.port != 0).then_some(self.port);
        self.start_server(port)
    }

    /// Stops the server (fast shutdown) and removes the cluster's files.
    pub fn stop(mut self) -> Result<(), LabError> {
        if let Some(r) = self.running.take() {
            r.stop(true);
        }
        Ok(())
    }

    /// Whether the postmaster process is alive.
    pub fn is_running(&mut self) -> bool {
        self.running.as_mut().is_some_and(Running::is_alive)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop(false);
        }
    }
}

/// postgresql.conf without the port: initdb's file, the lab's defaults that
/// the spec does not override, then the spec's settings.
fn compose_conf(
    spec: &ClusterSpec,
    pristine: &str,
    socket_dir: &Path,
    log_dir: Option<&Path>,
) -> Result<String, LabError> {
    let socket = socket_dir
        .to_str()
        .ok_or_else(|| path_not_utf8(socket_dir))?;
    let mut fixed: Vec<(String, String)> =
        vec![("unix_socket_directories".to_string(), conf_quote(socket))];
    if let Some(log_dir) = log_dir {
        let dir = log_dir.to_str().ok_or_else(|| path_not_utf8(log_dir))?;
        let mut dest = vec!["stderr"];
        if spec.log_formats.csvlog {
            dest.push("csvlog");
        }
        if spec.log_formats.jsonlog {
            dest.push("jsonlog");
        }
        fixed.push(("logging_collector".into(), "on".into()));
        fixed.push(("log_destination".into(), conf_quote(&dest.join(","))));
        fixed.push(("log_directory".into(), conf_quote(dir)));
        fixed.push(("log_filename".into(), "'postgresql.log'".into()));
    }
    let mut defaults: Vec<(&str, String)> = vec![
        ("listen_addresses", conf_quote(LAB_HOST)),
        ("log_connections", "on".into()),
        ("log_line_prefix", "'%m [%p] '".into()),
        // Throwaway data: durability only costs time.
        ("fsync", "off".into()),
    ];
    if spec.japanese {
        defaults.push(("lc_messages", "'ja_JP.UTF-8'".into()));
    }
    if log_dir.is_some() {
        defaults.push(("log_rotation_age", "0".into()));
        defaults.push(("log_rotation_size", "0".into()));
        defaults.push(("log_file_mode", "0644".into()));
    }
    let mut conf = pristine.to_string();
    if !conf.ends_with('\n') {
        conf.push('\n');
    }
    conf.push_str("\n# pgtls-lab settings\n");
    for (name, value) in &fixed {
        conf.push_str(&format!("{name} = {value}\n"));
    }
    for (name, value) in &defaults {
        if !spec
            .settings
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            conf.push_str(&format!("{name} = {value}\n"));
        }
    }
    for (name, value) in &spec.settings {
        conf.push_str(&format!("{name} = {value}\n"));
    }
    Ok(conf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_is_retried_with_another() {
        let mut c = Cluster::start(&ClusterSpec::new()).unwrap();
        let taken = TcpListener::bind((LAB_HOST, 0)).unwrap();
        let taken_port = taken.local_addr().unwrap().port();
        let mark = c.log_mark();
        if let Some(r) = c.running.take() {
            r.stop(true);
        }
        c.start_server(Some(taken_port)).unwrap();
        assert_ne!(c.port(), taken_port);
        let log = c.log_since(&mark);
        assert!(log.contains("Address already in use"), "{log}");
        assert_eq!(c.sql("show port").unwrap(), c.port().to_string());
    }

    #[test]
    fn spec_settings_replace_lab_defaults() {
        let spec = ClusterSpec::new()
            .setting("log_line_prefix", "'%t [%p]: '")
            .setting("log_connections", "off");
        let conf = compose_conf(&spec, "# initdb\n", Path::new("/tmp/x"), None).unwrap();
        assert_eq!(conf.matches("log_line_prefix").count(), 1, "{conf}");
        assert!(conf.contains("log_line_prefix = '%t [%p]: '\n"), "{conf}");
        assert!(conf.contains("log_connections = off\n"), "{conf}");
        assert!(
            conf.contains("unix_socket_directories = '/tmp/x'\n"),
            "{conf}"
        );
        assert!(conf.contains("listen_addresses = '127.0.0.1'\n"), "{conf}");
        assert!(!conf.contains("lc_messages"), "{conf}");
        let ja = compose_conf(
            &ClusterSpec::new().japanese(true),
            "",
            Path::new("/s"),
            None,
        )
        .unwrap();
        assert!(ja.contains("lc_messages = 'ja_JP.UTF-8'\n"), "{ja}");
    }
}
