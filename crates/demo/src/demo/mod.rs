//! `pgtls demo`: a real, throwaway PostgreSQL from the local installation
//! (or, with `--pg-version N`, the lab's packaged build of that version, so
//! the failures are seen as that version prints them), set up the way `pgtls setup` recommends (TLS, `hostssl ... cert`, the
//! client certificate of user kong), then broken in each way the seed
//! troubleshooting page documents. For each break the demo captures what the
//! server logs and what psql prints, has pgtls diagnose those lines (the
//! same `explain` rules every command uses), applies the fix and connects
//! again. Kong is not installed here: its lines come from pgtls's probe
//! connecting the way Kong does on each of its two socket paths (or, should
//! the probe be unusable, from kong-client.md, marked as such).
//!
//! Everything lives in `pgtls-demo-*` / `pgtls-lab-*` directories under
//! [`std::env::temp_dir`] and is removed when the demo ends; the server is
//! stopped however the demo ends.

mod render;
mod scenarios;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use pgtls_catalogue::Code;
use pgtls_config::kong::KongSslVersion;
use pgtls_config::kong_client::{KongIntent, KongTls};
use pgtls_diagnose::explain::explain_text;
use pgtls_diagnose::Finding;
use pgtls_lab::{
    files, find_binaries, remove_at_exit, version_binaries, Cluster, ClusterSpec, LabError,
    LogMark, Owner, PgClient, Pki,
};
use pgtls_probe::client_line::{self, KongShape};
use pgtls_probe::{probe, ProbeConfig, TlsVersion};

pub use render::{
    heading_text, progress_line, ready_text, report_json, scenario_text, start_text, summary_text,
};
pub use scenarios::{Client, Fault, Repair, Scenario, KONG, KONG_PREFIX, SCENARIOS};

use crate::error::DemoError;
use crate::text::{conninfo_value, strip_log_prefix};

/// How long the demo waits for the server to write a connection's lines
/// after the client has returned.
const LOG_WAIT: Duration = Duration::from_secs(3);
/// The pg_hba.conf line of the working setup: TLS with a client certificate
/// whose CN is the database user.
pub const BASELINE_HBA: &str = "hostssl kong kong 127.0.0.1/32 cert";
const MAPPED_HBA: &str = "hostssl kong kong 127.0.0.1/32 cert map=certmap";
const MAP_LINE: &str = "certmap foo@example.com kong";

/// How the demo runs.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Run the server with `lc_messages = 'ja_JP.UTF-8'` and psql in
    /// Japanese, when that locale is installed.
    pub japanese: bool,
    /// Run only the scenarios with these codes (all when empty).
    pub only: Vec<String>,
    /// Run the failures on this PostgreSQL major version (the lab's
    /// packaged build, `lab/fetch-postgres.sh N`) instead of the local
    /// installation.
    pub pg_version: Option<u32>,
}

/// What the demo reports while it runs.
#[derive(Debug)]
pub enum Progress<'a> {
    /// Looking for PostgreSQL, generating the PKI, starting the server.
    Starting,
    /// The healthy server runs and the healthy client connected.
    Ready(&'a Ready),
    /// A scenario begins.
    ScenarioStarted {
        /// 1-based position.
        index: usize,
        /// How many scenarios run.
        total: usize,
        /// The scenario.
        scenario: &'static Scenario,
    },
    /// A scenario ended.
    ScenarioFinished {
        /// 1-based position.
        index: usize,
        /// How many scenarios run.
        total: usize,
        /// What happened.
        result: &'a ScenarioResult,
    },
}

/// The healthy starting point.
#[derive(Debug, Clone)]
pub struct Ready {
    /// `SHOW server_version`.
    pub server_version: String,
    /// The server's TCP port on 127.0.0.1.
    pub port: u16,
    /// Whether server and psql speak Japanese.
    pub japanese: bool,
    /// Why Japanese was asked for but not used, when that happened.
    pub japanese_unavailable: bool,
    /// Time from the start of the demo to a healthy connection.
    pub elapsed: Duration,
    /// How many scenarios will run.
    pub scenarios: usize,
}

/// Where one of Kong's lines comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KongSource {
    /// pgtls's probe connected to the server the way Kong does on that
    /// socket path, and the line is what Kong prints for the outcome.
    Probe,
    /// Printed as kong-client.md documents it for this failure (the probe
    /// could not be configured); no connection was made.
    Documented,
}

impl KongSource {
    /// `probe` or `documented` (the JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            KongSource::Probe => "probe",
            KongSource::Documented => "documented",
        }
    }
}

/// One of Kong's lines for a scenario.
#[derive(Debug, Clone)]
pub struct KongLine {
    /// The whole line (`Error: [PostgreSQL error] ...`), or `(connected)`
    /// when Kong would have connected.
    pub line: String,
    /// Where it comes from.
    pub source: KongSource,
    /// The line kong-client.md documents for this failure and shape.
    pub documented: String,
    /// What explain makes of the line (first code).
    pub code: Option<Code>,
}

/// The two lines Kong prints for a scenario.
#[derive(Debug, Clone)]
pub struct KongLines {
    /// The LuaSec shape (the seed's): Kong's nginx init, Kong CLI before 3.5.
    pub luasec: KongLine,
    /// The nginx-cosocket shape: Kong CLI 3.5+.
    pub cosocket: KongLine,
}

/// What one scenario showed.
#[derive(Debug)]
pub struct ScenarioResult {
    /// The scenario.
    pub scenario: &'static Scenario,
    /// The server log lines pgtls recognised, without the log prefix.
    pub server_log: Vec<String>,
    /// What psql printed on stderr.
    pub psql: Vec<String>,
    /// Kong's lines.
    pub kong: KongLines,
    /// Findings from the server log lines.
    pub server_findings: Vec<Finding>,
    /// Findings from psql's lines.
    pub psql_findings: Vec<Finding>,
    /// pgtls's verdict: the first server-log finding (the server log names
    /// the cause when it has one), else psql's.
    pub diagnosed: Option<Code>,
    /// Whether psql connected after the fix.
    pub recovered: bool,
    /// Whether Kong (both socket paths, through the probe) connected after
    /// the fix; `None` when it was not tried.
    pub kong_after_fix: Option<bool>,
    /// After the fix: `server_version_num` on success, else the error.
    pub after_fix: String,
    /// Something that did not go as the scenario expects (the break did
    /// not break, a restart failed...), when that happened.
    pub problem: Option<String>,
    /// Time the scenario took (break, observation, fix, reconnection).
    pub elapsed: Duration,
}

impl ScenarioResult {
    /// Whether the scenario produced its code and recovered.
    pub fn passed(&self) -> bool {
        self.diagnosed == Some(self.scenario.code) && self.recovered
    }
}

/// The whole run.
#[derive(Debug)]
pub struct DemoReport {
    /// The healthy starting point.
    pub ready: Ready,
    /// One result per scenario run.
    pub scenarios: Vec<ScenarioResult>,
    /// From the start of the demo until the server was stopped and its
    /// files removed.
    pub total: Duration,
}

impl DemoReport {
    /// Whether every scenario produced its code and recovered.
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(ScenarioResult::passed)
    }
}

/// The throwaway server, the PKI and the language the clients speak.
struct Stage {
    cluster: Cluster,
    /// The libpq psql speaks through: the server version's own from 15 on;
    /// the local one for older servers, because libpq 12 lacks
    /// ssl_max_protocol_version (a scenario's client needs it) and libpq 13
    /// and 14 ignore the IP address in the certificate the demo dials.
    client: PgClient,
    pki: Pki,
    japanese: bool,
    // Dropped after the cluster (fields drop in order).
    _pki_dir: tempfile::TempDir,
}

impl Stage {
    fn conninfo(&self, client: &Client) -> String {
        let path = |name: &str| conninfo_value(&self.pki.path(name).display().to_string());
        let mut s = format!(
            "user=kong dbname=kong sslmode=verify-full sslrootcert={}",
            path(client.root)
        );
        if let Some((cert, key)) = client.cert {
            s.push_str(&format!(" sslcert={} sslkey={}", path(cert), path(key)));
        }
        if client.tls12_only {
            s.push_str(" ssl_max_protocol_version=TLSv1.2");
        }
        s
    }

    fn psql(&self, client: &Client) -> pgtls_lab::PsqlOutput {
        let env: &[(&str, &str)] = if self.japanese {
            &[("LANG", "ja_JP.UTF-8"), ("LC_ALL", "ja_JP.UTF-8")]
        } else {
            &[]
        };
        self.cluster
            .psql_with(&self.client, &self.conninfo(client), env)
    }

    /// Runs ALTER SYSTEM statements and reloads.
    fn alter(&self, statement: &str) -> Result<(), DemoError> {
        self.cluster
            .sql(statement)
            .map_err(|e| DemoError::lab(format!("run {statement}"), e))?;
        self.cluster
            .reload()
            .map_err(|e| DemoError::lab("reload the server", e))
    }

    fn put_data_file(&self, name: &str, pki_file: &str, mode: u32) -> Result<(), DemoError> {
        let bytes = self
            .pki
            .read(pki_file)
            .map_err(|e| DemoError::lab(format!("read {pki_file}"), e))?;
        self.cluster
            .write_file(name, &bytes, mode, Owner::ServerUser)
            .map_err(|e| DemoError::lab(format!("write {name}"), e))
    }

    fn remove_data_file(&self, name: &str) -> Result<(), DemoError> {
        let path = self.cluster.data_dir().join(name);
        fs::remove_file(&path).map_err(|e| DemoError::io(format!("remove {}", path.display()), e))
    }

    /// Restarts a server that must refuse to start (its FATAL goes to the
    /// log); returns a problem description when it started after all.
    fn restart_refused(&mut self) -> Result<Option<String>, DemoError> {
        match self.cluster.restart() {
            Err(LabError::StartFailed { .. }) => Ok(None),
            Ok(()) => Ok(Some(
                "the server started although it should have refused".into(),
            )),
            Err(e) => Err(DemoError::lab("restart the server", e)),
        }
    }

    fn restart(&mut self) -> Result<(), String> {
        self.cluster.restart().map_err(|e| e.to_string())
    }

    fn set_hba_and_ident(&self, hba: &str, ident: &str) -> Result<(), DemoError> {
        self.cluster
            .write_file("pg_ident.conf", ident.as_bytes(), 0o600, Owner::ServerUser)
            .map_err(|e| DemoError::lab("write pg_ident.conf", e))?;
        self.cluster
            .write_hba(&format!("{hba}\n"))
            .map_err(|e| DemoError::lab("write pg_hba.conf", e))?;
        self.cluster
            .reload()
            .map_err(|e| DemoError::lab("reload the server", e))
    }
}

/// Whether the ja_JP.UTF-8 locale is installed (PostgreSQL refuses to
/// start with an `lc_messages` it cannot load).
fn japanese_locale_installed() -> bool {
    let Ok(out) = Command::new("locale").arg("-a").output() else {
        return false;
    };
    String::from_utf8_lossy(&out.stdout).lines().any(|l| {
        let l = l.trim().to_ascii_lowercase();
        l == "ja_jp.utf8" || l == "ja_jp.utf-8"
    })
}

fn baseline_spec(pki: &Pki, japanese: bool) -> Result<ClusterSpec, LabError> {
    Ok(ClusterSpec::new()
        .with_server_tls(pki)?
        .with_client_ca(pki)?
        .setting("ssl_min_protocol_version", "'TLSv1.2'")
        .hba_line(BASELINE_HBA)
        .japanese(japanese))
}

fn first_code(findings: &[Finding]) -> Option<Code> {
    findings.first().map(Finding::id)
}

/// The Kong Enterprise that connects with this client's files, as the
/// kong.conf the demo means for it: `pg_ssl`, `pg_ssl_required` and
/// `pg_ssl_verify` on, the client's trust store as
/// `lua_ssl_trusted_certificate`, its certificate as `pg_ssl_cert`. LuaSec
/// is pinned to TLS 1.2 (`pg_ssl_version`'s default, written out); the
/// cosocket path allows `lua_ssl_protocols`' default (TLS 1.2 and 1.3 on
/// Kong's OpenSSL 3) unless the client is limited to TLS 1.2.
pub(crate) fn kong_intent(pki: &Path, client: &Client, host: &str, port: u16) -> KongIntent {
    KongIntent {
        host: host.to_string(),
        port,
        user: "kong".into(),
        database: "kong".into(),
        tls: KongTls::Required,
        verify: true,
        ssl_version: Some(KongSslVersion::Tlsv1_2),
        protocols: client.tls12_only.then(|| vec![TlsVersion::Tls1_2]),
        trust: vec![pki.join(client.root)],
        depth: None,
        cert: client
            .cert
            .map(|(cert, key)| (pki.join(cert), pki.join(key))),
    }
}

/// A probe of that Kong on one of its paths, configured from its kong.conf
/// as read back through the model check and probe use.
fn kong_config(stage: &Stage, client: &Client, shape: KongShape) -> Result<ProbeConfig, String> {
    let host = stage.cluster.host();
    let port = stage.cluster.port();
    let intent = kong_intent(stage.pki.dir(), client, host, port);
    let kong = crate::kong::read_back(&intent, &intent.text()).map_err(|e| e.to_string())?;
    crate::kong::probe_config(&kong, shape, host, port, &|p: &Path| p.to_path_buf())
        .map_err(|e| e.to_string())
}

/// What Kong prints with this client on this socket path, from a probe
/// connection; the documented line when the probe cannot be set up.
fn kong_line(
    stage: &Stage,
    client: &Client,
    shape: KongShape,
    documented_reason: &str,
) -> KongLine {
    let documented = format!("{KONG_PREFIX}{documented_reason}");
    let probed =
        kong_config(stage, client, shape).and_then(|cfg| probe(&cfg).map_err(|e| e.to_string()));
    let (line, source) = match probed {
        Ok(report) => (
            client_line::kong_line(&report, shape).unwrap_or_else(|| "(connected)".to_string()),
            KongSource::Probe,
        ),
        Err(_) => (documented.clone(), KongSource::Documented),
    };
    let code = first_code(&explain_text(&line));
    KongLine {
        line,
        source,
        documented,
        code,
    }
}

fn kong_lines(stage: &Stage, client: &Client, scenario: &Scenario) -> KongLines {
    KongLines {
        luasec: kong_line(stage, client, KongShape::LuaSec, scenario.kong_luasec),
        cosocket: kong_line(stage, client, KongShape::Cosocket, scenario.kong_cosocket),
    }
}

/// Whether Kong (both paths, through the probe) connects with this client.
fn kong_connects(stage: &Stage, client: &Client) -> Option<bool> {
    let mut all = true;
    for shape in [KongShape::LuaSec, KongShape::Cosocket] {
        let cfg = kong_config(stage, client, shape).ok()?;
        let report = probe(&cfg).ok()?;
        all &= report.is_ok();
    }
    Some(all)
}

/// The server's findings since `mark`, waiting (up to [`LOG_WAIT`]) for a
/// line with the expected code: the server may write a connection's lines
/// a moment after the client has given up. What is found at the deadline is
/// what is reported, right or wrong.
fn server_findings(stage: &Stage, mark: &LogMark, expected: Code) -> Vec<Finding> {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let findings = explain_text(&stage.cluster.log_since(mark));
        if findings.iter().any(|f| f.id() == expected) || Instant::now() >= deadline {
            return findings;
        }
        thread::sleep(Duration::from_millis(25));
    }
}

/// The evidence lines of `findings`, in order, without duplicates or the
/// log prefix.
fn evidence_lines(findings: &[Finding]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for f in findings {
        for e in &f.evidence {
            let line = strip_log_prefix(&e.text).to_string();
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    lines
}

/// What the fixed client got.
fn outcome(out: &pgtls_lab::PsqlOutput) -> (bool, String) {
    if out.status == 0 {
        (true, out.stdout.trim().to_string())
    } else {
        (false, out.stderr.trim().to_string())
    }
}

fn run_scenario(
    stage: &mut Stage,
    scenario: &'static Scenario,
) -> Result<ScenarioResult, DemoError> {
    let started = Instant::now();
    let mark = stage.cluster.log_mark();
    let mut problem: Option<String> = None;

    // Break.
    let broken_client = scenario.client;
    match scenario.fault {
        Fault::None => {}
        Fault::Setting(statement) => stage.alter(statement)?,
        Fault::Removed(name) => {
            stage.remove_data_file(name)?;
            problem = stage.restart_refused()?;
        }
        Fault::KeyMode(mode) => {
            stage.put_data_file("server.key", files::SERVER_KEY, mode)?;
            problem = stage.restart_refused()?;
        }
    }

    // Observe both sides and diagnose.
    let broken = stage.psql(&broken_client);
    if broken.status == 0 && problem.is_none() {
        problem = Some("psql connected although the setup was broken".into());
    }
    let server_findings = server_findings(stage, &mark, scenario.code);
    let psql_findings = explain_text(&broken.stderr);
    // After the server log is read, so Kong's connections do not mix into it.
    let kong = kong_lines(stage, &broken_client, scenario);
    let diagnosed = first_code(&server_findings).or(first_code(&psql_findings));

    // Fix, then connect again.
    let fixed_client = match scenario.repair {
        Repair::WorkingClient => KONG,
        Repair::Setting(statement) => {
            stage.alter(statement)?;
            broken_client
        }
        Repair::RestoreFile { name, source } => {
            stage.put_data_file(name, source, 0o600)?;
            KONG
        }
        Repair::MapCertificateName => {
            stage.set_hba_and_ident(MAPPED_HBA, &format!("{MAP_LINE}\n"))?;
            broken_client
        }
    };
    let restarted = if scenario.repair.restarts() {
        stage.restart()
    } else {
        Ok(())
    };
    let (recovered, after_fix) = match restarted {
        Ok(()) => outcome(&stage.psql(&fixed_client)),
        Err(e) => (false, e),
    };
    let kong_after_fix = if recovered {
        kong_connects(stage, &fixed_client)
    } else {
        None
    };

    // Back to the working setup for the next scenario.
    if scenario.repair == Repair::MapCertificateName {
        stage.set_hba_and_ident(BASELINE_HBA, "")?;
    }

    let mut psql: Vec<String> = broken
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    if psql.is_empty() && broken.status == 0 {
        psql.push(format!("(connected: {})", broken.stdout.trim()));
    }
    Ok(ScenarioResult {
        scenario,
        server_log: evidence_lines(&server_findings),
        psql,
        kong,
        kong_after_fix,
        server_findings,
        psql_findings,
        diagnosed,
        recovered,
        after_fix,
        problem,
        elapsed: started.elapsed(),
    })
}

fn prepare(
    options: &DemoOptions,
    started: Instant,
    scenarios: usize,
) -> Result<(Stage, Ready), DemoError> {
    match options.pg_version {
        Some(major) => {
            version_binaries(major).map_err(|e| DemoError::lab("find PostgreSQL", e))?;
        }
        None => {
            find_binaries().map_err(|e| DemoError::lab("find PostgreSQL", e))?;
        }
    }
    let japanese_unavailable = options.japanese && !japanese_locale_installed();
    let japanese = options.japanese && !japanese_unavailable;

    let pki_dir = tempfile::Builder::new()
        .prefix("pgtls-demo-")
        .tempdir_in(std::env::temp_dir())
        .map_err(|e| DemoError::io("create a temporary directory", e))?;
    // psql runs as this user and reads the client keys from here; the
    // server gets its own copies in its data directory.
    fs::set_permissions(pki_dir.path(), fs::Permissions::from_mode(0o700))
        .map_err(|e| DemoError::io("protect the temporary directory", e))?;
    // Dropping the TempDir removes it on a normal end; this covers Ctrl-C.
    remove_at_exit(pki_dir.path());
    let pki =
        Pki::generate(pki_dir.path()).map_err(|e| DemoError::lab("generate certificates", e))?;
    let mut spec =
        baseline_spec(&pki, japanese).map_err(|e| DemoError::lab("prepare the server", e))?;
    if let Some(major) = options.pg_version {
        spec = spec.pg_version(major);
    }
    let cluster = Cluster::start(&spec).map_err(|e| DemoError::lab("start PostgreSQL", e))?;
    let client = match cluster.pg_version() {
        Some(major) if major >= 15 => cluster.client().clone(),
        _ => PgClient::local().map_err(|e| DemoError::lab("find psql", e))?,
    };
    let server_version = cluster
        .sql("SHOW server_version")
        .map_err(|e| DemoError::lab("ask the server for its version", e))?;
    let stage = Stage {
        cluster,
        client,
        pki,
        japanese,
        _pki_dir: pki_dir,
    };
    let healthy = stage.psql(&KONG);
    if healthy.status != 0 {
        return Err(DemoError::Baseline {
            psql: healthy.stderr,
        });
    }
    let ready = Ready {
        server_version,
        port: stage.cluster.port(),
        japanese,
        japanese_unavailable,
        elapsed: started.elapsed(),
        scenarios,
    };
    Ok((stage, ready))
}

/// Runs the demo, reporting progress as it goes. Returns an error only when
/// the demo cannot run at all (no PostgreSQL, the healthy server does not
/// work); a scenario that does not go as documented is a result that says
/// so.
pub fn run(
    options: &DemoOptions,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<DemoReport, DemoError> {
    let started = Instant::now();
    let selected: Vec<&'static Scenario> = SCENARIOS
        .iter()
        .filter(|s| {
            options.only.is_empty()
                || options
                    .only
                    .iter()
                    .any(|c| pgtls_catalogue::lookup(c).is_some_and(|d| d.code == s.code))
        })
        .collect();
    let total = selected.len();
    progress(Progress::Starting);
    let (mut stage, ready) = prepare(options, started, total)?;
    progress(Progress::Ready(&ready));

    let mut results = Vec::new();
    for (i, scenario) in selected.into_iter().enumerate() {
        progress(Progress::ScenarioStarted {
            index: i + 1,
            total,
            scenario,
        });
        let result = run_scenario(&mut stage, scenario)?;
        progress(Progress::ScenarioFinished {
            index: i + 1,
            total,
            result: &result,
        });
        results.push(result);
    }
    // Stop the server and remove its files before taking the total time.
    drop(stage);
    Ok(DemoReport {
        ready,
        scenarios: results,
        total: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use pgtls_config::kong_client::KongPathKind;
    use pgtls_config::TlsVersion as V;
    use pgtls_probe::Negotiation;

    use super::*;

    /// Every scenario's Kong, written as kong.conf and read back through
    /// the model, is the Kong the scenario means, and the probe the demo
    /// connects with is configured from what was read back.
    #[test]
    fn each_scenarios_kong_conf_reads_back_as_meant() {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::generate(dir.path()).unwrap();
        let clients = std::iter::once((Code::ProtocolVersionMismatch, KONG))
            .chain(SCENARIOS.iter().map(|s| (s.code, s.client)));
        for (code, client) in clients {
            let what = format!("{code:?} {client:?}");
            let intent = kong_intent(pki.dir(), &client, "127.0.0.1", 5499);
            let text = intent.text();
            let k = crate::kong::read_back(&intent, &text)
                .unwrap_or_else(|e| panic!("{what}: {e}\n{text}"));
            assert!(k.enterprise(), "{what}");
            assert_eq!(k.tls, KongTls::Required, "{what}");
            assert!(k.verifies(), "{what}: pg_ssl_verify");
            assert_eq!(k.trust_paths(), [pki.path(client.root)], "{what}");
            let sent = k.client_cert.sent().then(|| {
                (
                    k.client_cert.cert.value.clone().unwrap(),
                    k.client_cert.key.value.clone().unwrap(),
                )
            });
            assert_eq!(
                sent,
                client.cert.map(|(c, key)| (pki.path(c), pki.path(key))),
                "{what}: the certificate sent"
            );
            assert_eq!(k.luasec.kind, KongPathKind::LuaSec);
            assert_eq!(k.luasec.pin(), Some(V::Tls1_2), "{what}");
            let cosocket: &[V] = if client.tls12_only {
                &[V::Tls1_2]
            } else {
                &[V::Tls1_2, V::Tls1_3]
            };
            assert_eq!(k.cosocket.versions, cosocket, "{what}");

            // The probes the demo connects with, from that Kong.
            let same = |p: &Path| p.to_path_buf();
            let cos = crate::kong::probe_config(&k, KongShape::Cosocket, "127.0.0.1", 5499, &same)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let lua = crate::kong::probe_config(&k, KongShape::LuaSec, "127.0.0.1", 5499, &same)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            for cfg in [&cos, &lua] {
                assert!(matches!(
                    cfg.ssl,
                    Negotiation::Kong {
                        ssl: true,
                        required: true
                    }
                ));
                assert_eq!(cfg.user, "kong");
                assert_eq!(cfg.database.as_deref(), Some("kong"));
                assert_eq!(
                    cfg.tls.trust_anchors.as_ref().map(Vec::len),
                    Some(1),
                    "{what}"
                );
                assert_eq!(
                    cfg.tls.client_identity.is_some(),
                    client.cert.is_some(),
                    "{what}"
                );
            }
            assert_eq!(cos.tls.min_version, Some(V::Tls1_2), "{what}");
            assert_eq!(cos.tls.max_version, cosocket.last().copied(), "{what}");
            assert_eq!(cos.tls.verify_depth, Some(1), "{what}");
            assert_eq!(
                (lua.tls.min_version, lua.tls.max_version),
                (Some(V::Tls1_2), Some(V::Tls1_2)),
                "{what}"
            );
        }
    }
}
