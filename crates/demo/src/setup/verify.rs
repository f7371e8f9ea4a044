//! `setup --verify`: the written server side on a throwaway PostgreSQL, the
//! written client side connecting to it, before the operator installs
//! anything. The server gets exactly the bytes of the written files and the
//! postgresql.conf, pg_hba.conf and pg_ident.conf lines setup generates
//! (with paths relative to its data directory and the client address
//! narrowed to 127.0.0.1); psql connects with the written client files, and
//! pgtls's probe connects the way Kong does, on both of its socket paths,
//! with the kong.conf lines setup wrote.

use std::fs;
use std::path::Path;
use std::time::Duration;

use pgtls_catalogue::Text;
use pgtls_diagnose::explain::explain_text;
use pgtls_diagnose::Finding;
use pgtls_lab::{find_binaries, Cluster, ClusterSpec, DataFile, LabError, Owner};
use pgtls_probe::client_line::{self, KongShape};
use pgtls_probe::probe;

use super::{conninfo, hba_line, names, server_settings, Plan, MAP_NAME};
use crate::error::SetupError;
use crate::kong::KongFileError;
use crate::text::strip_log_prefix;

const LOG_SETTLE: Duration = Duration::from_millis(300);

/// One client's attempt.
#[derive(Debug)]
pub struct Check {
    /// Which client this imitates.
    pub name: Text,
    /// How it connected: the libpq connection string, or the kong.conf
    /// lines (no secrets: they name key files).
    pub how: String,
    /// Whether it connected.
    pub ok: bool,
    /// `server_version_num` on success, else what failed.
    pub output: String,
    /// The diagnosis of a failure (client line and server log).
    pub findings: Vec<Finding>,
}

/// What `--verify` showed.
#[derive(Debug)]
pub struct Verification {
    /// `SHOW server_version`, when the server started.
    pub server_version: Option<String>,
    /// The server's FATAL, when it refused to start with the generated files.
    pub start_failure: Option<String>,
    /// Findings from a refused start.
    pub start_findings: Vec<Finding>,
    /// The connections tried.
    pub checks: Vec<Check>,
}

impl Verification {
    /// Whether the server started and every client connected.
    pub fn ok(&self) -> bool {
        self.start_failure.is_none() && !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }
}

fn read(plan: &Plan, name: &str) -> Result<Vec<u8>, SetupError> {
    let path = plan.out.join(name);
    fs::read(&path).map_err(|e| SetupError::io(format!("read {}", path.display()), e))
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Creates the database user and database when the lab's template lacks them.
fn ensure_role_and_database(cluster: &Cluster, plan: &Plan) -> Result<(), SetupError> {
    let sql = |q: &str| {
        cluster
            .sql(q)
            .map_err(|e| SetupError::lab("prepare the verification server", e))
    };
    if sql(&format!(
        "SELECT count(*) FROM pg_roles WHERE rolname = {}",
        literal(&plan.db_user)
    ))? == "0"
    {
        sql(&format!("CREATE ROLE {} LOGIN", ident(&plan.db_user)))?;
    }
    if sql(&format!(
        "SELECT count(*) FROM pg_database WHERE datname = {}",
        literal(&plan.database)
    ))? == "0"
    {
        sql(&format!(
            "CREATE DATABASE {} OWNER {}",
            ident(&plan.database),
            ident(&plan.db_user)
        ))?;
    }
    Ok(())
}

/// A host name to give libpq for the host-name check: the first SAN, with a
/// wildcard label made concrete.
fn dial_name(plan: &Plan) -> String {
    let first = plan
        .hosts
        .first()
        .map(String::as_str)
        .unwrap_or("localhost");
    match first.strip_prefix("*.") {
        Some(rest) => format!("pgtls-verify.{rest}"),
        None => first.to_string(),
    }
}

/// A probe of the Kong that the kong.conf lines setup wrote make, read
/// back from the written file through the model check and probe use (with
/// the client files where they were written): Kong Enterprise on one of
/// its two socket paths.
fn kong_probe(
    plan: &Plan,
    port: u16,
    shape: KongShape,
) -> Result<Result<String, String>, SetupError> {
    let text = String::from_utf8_lossy(&read(plan, names::KONG_CONF)?).into_owned();
    let kong = match crate::kong::read_back(&plan.snippets.kong_intent, &text) {
        Ok(k) => k,
        Err(KongFileError::Mismatch(m)) => return Err(SetupError::KongConf(m)),
        Err(e) => return Ok(Err(e.to_string())),
    };
    let written = |p: &Path| match p.file_name() {
        Some(name) => plan.out.join(name),
        None => p.to_path_buf(),
    };
    let cfg = match crate::kong::probe_config(&kong, shape, "127.0.0.1", port, &written) {
        Ok(cfg) => cfg,
        Err(KongFileError::Read { path, source }) => {
            return Err(SetupError::io(format!("read {}", path.display()), source))
        }
        Err(e) => return Ok(Err(e.to_string())),
    };
    let report = match probe(&cfg) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.to_string())),
    };
    Ok(match client_line::kong_line(&report, shape) {
        None => Ok(report
            .server_parameters
            .iter()
            .find(|(k, _)| k == "server_version")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()),
        Some(line) => Err(line),
    })
}

/// Fails with [`SetupError::PostgresMissing`] when there is no local
/// PostgreSQL to verify with, so `--verify` can refuse before writing.
pub fn require_postgres() -> Result<(), SetupError> {
    find_binaries()
        .map(|_| ())
        .map_err(|e| SetupError::lab("find PostgreSQL", e))
}

/// Starts PostgreSQL with the written server files and connects with the
/// written client files, as libpq (verify-full) and as Kong would.
pub fn verify(plan: &Plan) -> Result<Verification, SetupError> {
    let map = plan.cert_user != plan.db_user;
    let mut spec = ClusterSpec::new();
    for (k, v) in server_settings(None) {
        spec = spec.setting(&k, &v);
    }
    spec = spec
        .file(DataFile::new(
            names::SERVER_CERT,
            read(plan, names::SERVER_CERT)?,
            0o644,
            Owner::ServerUser,
        ))
        .file(DataFile::new(
            names::SERVER_KEY,
            read(plan, names::SERVER_KEY)?,
            0o600,
            Owner::ServerUser,
        ))
        .file(DataFile::new(
            names::CA_CERT,
            read(plan, names::CA_CERT)?,
            0o644,
            Owner::ServerUser,
        ))
        .hba_line(&hba_line(
            &plan.database,
            &plan.db_user,
            "127.0.0.1/32",
            map,
        ));
    if map {
        spec = spec.ident_line(&format!("{MAP_NAME}  {}  {}", plan.cert_user, plan.db_user));
    }
    let cluster = match Cluster::start(&spec) {
        Ok(c) => c,
        Err(LabError::StartFailed { fatal, log }) => {
            return Ok(Verification {
                server_version: None,
                start_findings: explain_text(&log),
                start_failure: Some(strip_log_prefix(&fatal).to_string()),
                checks: Vec::new(),
            })
        }
        Err(e) => return Err(SetupError::lab("start PostgreSQL", e)),
    };
    ensure_role_and_database(&cluster, plan)?;
    let server_version = cluster.sql("SHOW server_version").ok();

    let host = dial_name(plan);
    let libpq = format!(
        "{} hostaddr=127.0.0.1",
        conninfo(
            &host,
            cluster.port(),
            &plan.database,
            &plan.db_user,
            &plan.out,
            "verify-full"
        )
    );
    let mut checks = Vec::new();
    let mark = cluster.log_mark();
    let out = cluster.psql(&libpq, &[]);
    checks.push(if out.status == 0 {
        Check {
            name: Text {
                en: "libpq (psql): sslmode=verify-full, client certificate",
                ja: "libpq (psql): sslmode=verify-full、クライアント証明書",
            },
            how: libpq.clone(),
            ok: true,
            output: format!("server_version_num {}", out.stdout.trim()),
            findings: Vec::new(),
        }
    } else {
        std::thread::sleep(LOG_SETTLE);
        let mut findings = explain_text(&cluster.log_since(&mark));
        findings.extend(explain_text(&out.stderr));
        Check {
            name: Text {
                en: "libpq (psql): sslmode=verify-full, client certificate",
                ja: "libpq (psql): sslmode=verify-full、クライアント証明書",
            },
            how: libpq.clone(),
            ok: false,
            output: out.stderr.trim().to_string(),
            findings,
        }
    });
    let kong_conf = plan
        .snippets
        .kong
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    for (shape, name) in [
        (
            KongShape::Cosocket,
            Text {
                en: "Kong Enterprise, cosocket path (Kong CLI 3.5+), with the kong.conf lines: chain verified after the handshake with lua_ssl_verify_depth",
                ja: "Kong Enterprise、cosocket 経路 (Kong CLI 3.5+)、kong.conf の設定どおり: ハンドシェイク後に lua_ssl_verify_depth でチェーンを検証",
            },
        ),
        (
            KongShape::LuaSec,
            Text {
                en: "Kong Enterprise, LuaSec path (nginx init), with the kong.conf lines: pinned to pg_ssl_version",
                ja: "Kong Enterprise、LuaSec 経路 (nginx init)、kong.conf の設定どおり: pg_ssl_version に固定",
            },
        ),
    ] {
        let mark = cluster.log_mark();
        checks.push(match kong_probe(plan, cluster.port(), shape)? {
            Ok(version) => Check {
                name,
                how: kong_conf.clone(),
                ok: true,
                output: format!("server_version {version}"),
                findings: Vec::new(),
            },
            Err(line) => {
                std::thread::sleep(LOG_SETTLE);
                let mut findings = explain_text(&cluster.log_since(&mark));
                findings.extend(explain_text(&line));
                Check {
                    name,
                    how: kong_conf.clone(),
                    ok: false,
                    output: line,
                    findings,
                }
            }
        });
    }
    Ok(Verification {
        server_version,
        start_failure: None,
        start_findings: Vec::new(),
        checks,
    })
}
