//! pgbouncer between the client and PostgreSQL, for real: each failure of
//! the client's leg (client ↔ pgbouncer) and of the server's leg (pgbouncer
//! ↔ PostgreSQL) and the healthy path, with what pgbouncer logs, what
//! PostgreSQL logs and what psql prints. The lines under
//! tests/fixtures/pgbouncer/ were captured by these cases
//! (`PGTLS_CAPTURE_POOLER=DIR` writes them again).

use std::path::PathBuf;
use std::time::Duration;

use pgtls_lab::{
    files, pgbouncer_binary, Cluster, ClusterSpec, LabError, Pki, Pooler, PoolerSpec, LAB_PASSWORD,
};

use crate::lab_util::{path, pki, start, tls, tls_scram};
use crate::util::pgtls;

const LOG_WAIT: Duration = Duration::from_secs(10);

/// `None` (and one line on stderr) when pgbouncer is not installed.
fn pgbouncer_or_skip() -> Option<PathBuf> {
    let bin = pgbouncer_binary();
    if bin.is_none() {
        eprintln!("skipped: pgbouncer is not installed (apt-get install -y pgbouncer)");
    }
    bin
}

fn start_pooler(cluster: &Cluster, spec: &PoolerSpec) -> Pooler {
    Pooler::start(cluster, spec).unwrap_or_else(|e| panic!("pgbouncer start: {e}"))
}

/// What one connection through the pooler left behind.
pub struct Observed {
    pub psql_status: i32,
    pub psql_stdout: String,
    pub psql_stderr: String,
    pub pooler_log: String,
    pub server_log: String,
}

/// One case: a cluster, a pooler in front of it, one psql through it.
pub struct Case {
    /// The fixture files' stem.
    pub name: &'static str,
    pub cluster: ClusterSpec,
    pub pooler: PoolerSpec,
    /// psql's conninfo after `host=127.0.0.1 port=<pooler>`.
    pub conninfo: String,
    /// The pgbouncer log line that ends the case (written last).
    pub last_pooler_line: &'static str,
}

impl Case {
    pub fn run(self) -> Observed {
        let cluster = start(&self.cluster);
        let pooler = start_pooler(&cluster, &self.pooler);
        let server_mark = cluster.log_mark();
        let pooler_mark = pooler.log_mark();
        let out = pooler.psql(&cluster, &self.conninfo, &[("PGPASSWORD", LAB_PASSWORD)]);
        let pooler_log = if self.last_pooler_line.is_empty() {
            std::thread::sleep(Duration::from_millis(300));
            pooler.log_since(&pooler_mark)
        } else {
            pooler
                .wait_for_log(&pooler_mark, self.last_pooler_line, LOG_WAIT)
                .unwrap_or_else(|e| panic!("{}: {e}\npsql: {}", self.name, out.stderr))
        };
        let observed = Observed {
            psql_status: out.status,
            psql_stdout: out.stdout,
            psql_stderr: out.stderr,
            pooler_log,
            server_log: cluster.log_since(&server_mark),
        };
        capture(self.name, &observed);
        observed
    }
}

/// With `PGTLS_CAPTURE_POOLER=DIR`, writes what a case observed as
/// `DIR/<name>.pgbouncer.log`, `.postgresql.log` and `.psql.txt`.
fn capture(name: &str, o: &Observed) {
    for (ext, text) in [
        ("pgbouncer.log", &o.pooler_log),
        ("postgresql.log", &o.server_log),
        ("psql.txt", &o.psql_stderr),
    ] {
        capture_text(&format!("{name}.{ext}"), text);
    }
}

fn capture_text(file: &str, text: &str) {
    let Some(dir) = std::env::var_os("PGTLS_CAPTURE_POOLER") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("capture directory");
    std::fs::write(dir.join(file), text).expect("write capture");
}

fn root() -> String {
    path(files::ROOT_CA)
}

/// The client's leg with TLS (`client_tls_sslmode`), the server's leg
/// verifying PostgreSQL against the lab root.
fn both_legs(pki: &Pki, client_mode: &str) -> PoolerSpec {
    PoolerSpec::new()
        .client_tls(pki, client_mode)
        .and_then(|s| s.server_tls(pki, "verify-full", Some(files::ROOT_CA)))
        .expect("pooler spec")
}

fn server_scram() -> ClusterSpec {
    tls_scram(files::SERVER, files::SERVER_KEY)
}

/// A server that authenticates every TCP user by a certificate from the
/// lab root.
fn server_cert_auth() -> ClusterSpec {
    tls(files::SERVER, files::SERVER_KEY)
        .with_client_ca(pki())
        .expect("client CA")
        .hba_line("hostssl all all 127.0.0.1/32 cert")
}

pub fn verify_full_client() -> String {
    format!("host=localhost hostaddr=127.0.0.1 user=kong dbname=kong sslmode=verify-full sslrootcert={}", root())
}

pub fn client_leg_without_tls() -> Case {
    Case {
        name: "client_no_tls",
        cluster: server_scram(),
        pooler: both_legs(pki(), "require"),
        conninfo: "user=kong dbname=kong sslmode=disable".into(),
        last_pooler_line: "pooler error: SSL required",
    }
}

pub fn client_leg_wrong_ca() -> Case {
    Case {
        name: "client_wrong_ca",
        cluster: server_scram(),
        pooler: both_legs(pki(), "require"),
        conninfo: format!(
            "host=localhost hostaddr=127.0.0.1 user=kong dbname=kong sslmode=verify-full sslrootcert={}",
            path(files::OTHER_CA)
        ),
        last_pooler_line: "TLS handshake error",
    }
}

pub fn server_leg_wrong_ca() -> Case {
    Case {
        name: "server_wrong_ca",
        cluster: server_scram(),
        pooler: PoolerSpec::new()
            .client_tls(pki(), "require")
            .and_then(|s| s.server_tls(pki(), "verify-full", Some(files::OTHER_CA)))
            .expect("pooler spec"),
        conninfo: verify_full_client(),
        last_pooler_line: "pooler error: query_wait_timeout",
    }
}

pub fn server_leg_client_cert_required() -> Case {
    Case {
        name: "server_cert_required",
        cluster: server_cert_auth(),
        pooler: both_legs(pki(), "require"),
        conninfo: verify_full_client(),
        last_pooler_line: "closing because: login failed",
    }
}

pub fn server_leg_without_tls() -> Case {
    Case {
        name: "server_no_tls",
        cluster: server_scram(),
        pooler: PoolerSpec::new()
            .client_tls(pki(), "require")
            .map(|s| s.setting("server_tls_sslmode", "disable"))
            .expect("pooler spec"),
        conninfo: verify_full_client(),
        last_pooler_line: "closing because: login failed",
    }
}

/// verify-full on both legs and a client certificate on both: psql's
/// (CN kong) to pgbouncer, pgbouncer's (CN kong) to PostgreSQL's `cert`
/// line.
pub fn healthy_both_legs() -> Case {
    Case {
        name: "healthy",
        cluster: server_cert_auth(),
        pooler: PoolerSpec::new()
            .client_tls(pki(), "verify-full")
            .and_then(|s| s.client_ca(pki(), files::ROOT_CA))
            .and_then(|s| s.server_tls(pki(), "verify-full", Some(files::ROOT_CA)))
            .and_then(|s| s.server_cert(pki(), files::CLIENT_KONG, files::CLIENT_KONG_KEY))
            .expect("pooler spec"),
        conninfo: format!(
            "{} sslcert={} sslkey={}",
            verify_full_client(),
            path(files::CLIENT_KONG),
            path(files::CLIENT_KONG_KEY)
        ),
        last_pooler_line: "closing because: client close request",
    }
}

/// pgbouncer verifies client certificates; psql sends none.
pub fn client_leg_no_client_cert() -> Case {
    Case {
        name: "client_no_cert",
        cluster: server_scram(),
        pooler: both_legs(pki(), "verify-full")
            .client_ca(pki(), files::ROOT_CA)
            .expect("pooler spec"),
        conninfo: verify_full_client(),
        last_pooler_line: "TLS handshake error",
    }
}

/// pgbouncer verifies client certificates; psql's is from another CA.
pub fn client_leg_client_cert_other_ca() -> Case {
    Case {
        name: "client_cert_other_ca",
        cluster: server_scram(),
        pooler: both_legs(pki(), "verify-full")
            .client_ca(pki(), files::ROOT_CA)
            .expect("pooler spec"),
        conninfo: format!(
            "{} sslcert={} sslkey={}",
            verify_full_client(),
            path(files::CLIENT_OTHER_CA),
            path(files::CLIENT_OTHER_CA_KEY)
        ),
        last_pooler_line: "TLS handshake error",
    }
}

/// psql requires TLS; pgbouncer has none on the client's leg.
pub fn client_leg_pooler_without_tls() -> Case {
    Case {
        name: "pooler_no_client_tls",
        cluster: server_scram(),
        pooler: PoolerSpec::new()
            .server_tls(pki(), "verify-full", Some(files::ROOT_CA))
            .expect("pooler spec"),
        conninfo: "user=kong dbname=kong sslmode=require".into(),
        last_pooler_line: "",
    }
}

fn assert_has(what: &str, text: &str, needle: &str) {
    assert!(text.contains(needle), "{what} lacks {needle:?}:\n{text}");
}

#[test]
fn client_leg_without_tls_is_refused_by_pgbouncer() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = client_leg_without_tls().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    assert_has("psql", &o.psql_stderr, "failed: FATAL:  SSL required");
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        "closing because: SSL required (age=",
    );
    assert_has("pgbouncer", &o.pooler_log, "WARNING C-0x");
    assert!(
        !o.server_log.contains("connection received"),
        "{}",
        o.server_log
    );
}

#[test]
fn client_leg_wrong_ca_is_an_alert_pgbouncer_receives() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = client_leg_wrong_ca().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    assert_has(
        "psql",
        &o.psql_stderr,
        "SSL error: certificate verify failed",
    );
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        "WARNING TLS handshake error: handshake failed: error:0A000418:SSL routines::tlsv1 alert unknown ca",
    );
    assert!(
        !o.server_log.contains("connection received"),
        "{}",
        o.server_log
    );
}

#[test]
fn server_leg_wrong_ca_makes_the_client_wait_for_query_wait_timeout() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = server_leg_wrong_ca().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    assert_has("psql", &o.psql_stderr, "failed: FATAL:  query_wait_timeout");
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        "WARNING TLS handshake error: handshake failed: error:0A000086:SSL routines::certificate verify failed",
    );
    // pgbouncer 1.18 logs `closing because: server conn crashed?` after
    // the handshake error in most runs, not all (seen missing about one
    // run in three): not asserted.
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        "closing because: query_wait_timeout (age=",
    );
    assert_has(
        "server",
        &o.server_log,
        "could not accept SSL connection: tlsv1 alert unknown ca",
    );
}

#[test]
fn server_leg_without_client_cert_is_relayed_as_postgresqls_fatal() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = server_leg_client_cert_required().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    assert_has(
        "psql",
        &o.psql_stderr,
        "failed: FATAL:  connection requires a valid client certificate",
    );
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        "WARNING server login failed: FATAL connection requires a valid client certificate",
    );
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        "pooler error: connection requires a valid client certificate",
    );
    assert_has(
        "server",
        &o.server_log,
        "FATAL:  connection requires a valid client certificate",
    );
}

#[test]
fn server_leg_without_tls_meets_no_hba_entry() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = server_leg_without_tls().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    let fatal =
        r#"no pg_hba.conf entry for host "127.0.0.1", user "kong", database "kong", no encryption"#;
    assert_has("psql", &o.psql_stderr, &format!("failed: FATAL:  {fatal}"));
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        &format!("WARNING server login failed: FATAL {fatal}"),
    );
    assert_has("server", &o.server_log, &format!("FATAL:  {fatal}"));
}

#[test]
fn healthy_path_verifies_both_legs_with_client_certificates() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = healthy_both_legs().run();
    assert_eq!(o.psql_status, 0, "{}\n{}", o.psql_stderr, o.pooler_log);
    assert!(o.psql_stdout.trim().starts_with("1"), "{}", o.psql_stdout);
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        "login attempt: db=kong user=kong tls=TLSv1.3/",
    );
    assert_has("pgbouncer", &o.pooler_log, "SSL established: TLSv1.3/");
    assert_has(
        "server",
        &o.server_log,
        "connection authenticated: identity=\"CN=kong\" method=cert",
    );
    assert!(!o.pooler_log.contains("WARNING"), "{}", o.pooler_log);
}

#[test]
fn client_leg_certificate_failures_are_seen_by_both_ends() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = client_leg_no_client_cert().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    assert_has(
        "psql",
        &o.psql_stderr,
        "SSL error: tlsv13 alert certificate required",
    );
    assert_has("pgbouncer", &o.pooler_log, "TLS handshake error: handshake failed: error:0A0000C7:SSL routines::peer did not return a certificate");

    let o = client_leg_client_cert_other_ca().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    assert_has("psql", &o.psql_stderr, "SSL error: tlsv1 alert unknown ca");
    // The same line as the server's leg's wrong CA: only the lines around
    // it tell the legs apart.
    assert_has("pgbouncer", &o.pooler_log, "TLS handshake error: handshake failed: error:0A000086:SSL routines::certificate verify failed");
    assert!(
        !o.pooler_log.contains("server conn crashed"),
        "{}",
        o.pooler_log
    );
}

#[test]
fn a_pooler_without_client_tls_answers_n_to_sslrequest() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = client_leg_pooler_without_tls().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    assert_has(
        "psql",
        &o.psql_stderr,
        "server does not support SSL, but SSL was required",
    );
}

#[test]
fn a_client_leg_key_that_is_not_the_certificates_stops_pgbouncer_at_start() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let cluster = start(server_scram());
    let spec = PoolerSpec::new()
        .client_tls(pki(), "require")
        .expect("pooler spec")
        .file_setting(
            "client_tls_key_file",
            "client_tls.key",
            &pki().read(files::CLIENT_KONG_KEY).expect("key"),
            0o600,
        );
    match Pooler::start(&cluster, &spec) {
        Err(LabError::PoolerStartFailed { fatal, log }) => {
            assert_eq!(fatal, "FATAL TLS setup failed", "{log}");
            assert!(
                log.contains("ERROR TLS setup failed: failed to load private key file \"")
                    && log.contains("client_tls.key\": key values mismatch"),
                "{log}"
            );
            capture_text("startup_key_mismatch.pgbouncer.log", &log);
        }
        Err(other) => panic!("expected pgbouncer to refuse to start, got {other}"),
        Ok(p) => panic!("pgbouncer started with a mismatched key: {p:?}"),
    }
}

/// PostgreSQL verifies client certificates against the lab root and
/// pgbouncer presents one from another CA, over TLS 1.2 so the refusal is
/// an alert inside the handshake.
pub fn server_leg_pooler_cert_rejected() -> Case {
    Case {
        name: "server_rejects_pooler_cert",
        cluster: server_cert_auth(),
        pooler: both_legs(pki(), "require")
            .setting("server_tls_protocols", "tlsv1.2")
            .server_cert(pki(), files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY)
            .expect("pooler spec"),
        conninfo: verify_full_client(),
        last_pooler_line: "pooler error: query_wait_timeout",
    }
}

/// pgbouncer allows only TLS 1.3 on the client's leg, psql at most 1.2.
pub fn client_leg_protocol_mismatch() -> Case {
    Case {
        name: "client_protocol_mismatch",
        cluster: server_scram(),
        pooler: both_legs(pki(), "require").setting("client_tls_protocols", "tlsv1.3"),
        conninfo: format!("{} ssl_max_protocol_version=TLSv1.2", verify_full_client()),
        last_pooler_line: "TLS handshake error",
    }
}

#[test]
fn server_leg_pooler_certificate_from_another_ca_is_an_alert_from_postgresql() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = server_leg_pooler_cert_rejected().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    assert_has("psql", &o.psql_stderr, "failed: FATAL:  query_wait_timeout");
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        "WARNING TLS handshake error: handshake failed: error:0A000418:SSL routines::tlsv1 alert unknown ca",
    );
    // pgbouncer does not always log `closing because: server conn crashed?`
    // after this one (missing in about one run of three); the new server
    // connection logged just before the error is always there.
    let lines: Vec<&str> = o.pooler_log.lines().collect();
    let error = lines
        .iter()
        .position(|l| l.contains("TLS handshake error"))
        .expect("handshake error");
    assert!(
        error > 0
            && lines[error - 1].contains(" S-0x")
            && lines[error - 1].contains("new connection to server"),
        "{}",
        o.pooler_log
    );
    assert_has(
        "server",
        &o.server_log,
        "could not accept SSL connection: certificate verify failed",
    );
    // What pgtls makes of pgbouncer's log, whichever way it went.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("pgbouncer.log");
    std::fs::write(&file, &o.pooler_log).expect("write pgbouncer.log");
    let log = pgtls(&["logs", &file.display().to_string(), "--format", "json"]).json();
    assert!(
        code_legs(&log).contains(&cl("PGTLS006", Some("server"))),
        "{log}"
    );
}

#[test]
fn client_leg_protocol_mismatch_is_logged_by_both_ends() {
    if pgbouncer_or_skip().is_none() {
        return;
    }
    let o = client_leg_protocol_mismatch().run();
    assert_eq!(o.psql_status, 2, "{}", o.psql_stderr);
    assert_has(
        "psql",
        &o.psql_stderr,
        "SSL error: tlsv1 alert protocol version",
    );
    assert_has(
        "pgbouncer",
        &o.pooler_log,
        "TLS handshake error: handshake failed: error:0A000102:SSL routines::unsupported protocol",
    );
}

/// The captured lines of one case.
fn fixture(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pgbouncer")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture_path(file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pgbouncer")
        .join(file)
        .display()
        .to_string()
}

/// A finding as a test compares it: its code and its leg.
type CodeLeg = (String, Option<String>);
/// A case's expected findings in `logs`: code, leg, incidents.
type Expected<'a> = &'a [(&'a str, Option<&'a str>, u64)];

/// (code, leg) of each finding of a JSON report.
fn code_legs(v: &serde_json::Value) -> Vec<CodeLeg> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().expect("code").to_string(),
                f["leg"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn cl(code: &str, leg: Option<&str>) -> CodeLeg {
    (code.to_string(), leg.map(str::to_string))
}

#[test]
fn logs_reads_each_captured_pgbouncer_log_as_one_incident_per_failure_on_its_leg() {
    let cases: &[(&str, Expected)] = &[
        ("client_no_tls", &[("PGTLS040", Some("client"), 1)]),
        ("client_wrong_ca", &[("PGTLS005", Some("client"), 1)]),
        ("client_no_cert", &[("PGTLS008", Some("client"), 1)]),
        ("client_cert_other_ca", &[("PGTLS006", Some("client"), 1)]),
        (
            "client_protocol_mismatch",
            &[("PGTLS001", Some("client"), 1)],
        ),
        // pgbouncer tried PostgreSQL three times (server_login_retry = 1 s)
        // while the one client waited.
        (
            "server_wrong_ca",
            &[
                ("PGTLS005", Some("server"), 3),
                ("PGTLS041", Some("server"), 1),
            ],
        ),
        (
            "server_rejects_pooler_cert",
            &[
                ("PGTLS006", Some("server"), 3),
                ("PGTLS041", Some("server"), 1),
            ],
        ),
        ("server_cert_required", &[("PGTLS008", Some("server"), 1)]),
        ("server_no_tls", &[("PGTLS016", Some("server"), 1)]),
        ("startup_key_mismatch", &[("PGTLS015", Some("client"), 1)]),
        ("healthy", &[]),
    ];
    for (case, want) in cases {
        let file = fixture_path(&format!("{case}.pgbouncer.log"));
        let run = pgtls(&["logs", &file, "--format", "json"]);
        let (status, v) = run.report("logs");
        let got: Vec<(String, Option<String>, u64)> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["leg"].as_str().map(str::to_string),
                    f["count"].as_u64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, Option<String>, u64)> = want
            .iter()
            .map(|(c, l, n)| (c.to_string(), l.map(str::to_string), *n))
            .collect();
        assert_eq!(got, want, "{case}: {}", run.stdout);
        assert_eq!(status, if want.is_empty() { 0 } else { 1 }, "{case}");
        for f in v["findings"].as_array().unwrap() {
            assert_eq!(f["example"]["file"].as_str(), Some(file.as_str()), "{case}");
        }
    }
}

/// pgbouncer's log and PostgreSQL's, read together: each failure of
/// pgbouncer's server connection is one incident on the server's leg, with
/// PostgreSQL's line about the same connection as evidence of the other
/// end, in the same numbers as pgbouncer's log alone.
#[test]
fn logs_counts_a_server_leg_failure_once_across_pgbouncers_and_postgresqls_logs() {
    let cases: &[(&str, &str, u64, &str)] = &[
        (
            "server_rejects_pooler_cert",
            "PGTLS006",
            3,
            "could not accept SSL connection: certificate verify failed",
        ),
        (
            "server_cert_required",
            "PGTLS008",
            1,
            "FATAL:  connection requires a valid client certificate",
        ),
        ("server_no_tls", "PGTLS016", 1, "no pg_hba.conf entry"),
    ];
    for (case, code, count, server_line) in cases {
        let pooler_log = fixture_path(&format!("{case}.pgbouncer.log"));
        let server_log = fixture_path(&format!("{case}.postgresql.log"));
        let run = pgtls(&["logs", &pooler_log, &server_log, "--format", "json"]);
        let (_, v) = run.report("logs");
        let of_code: Vec<&serde_json::Value> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["code"] == *code)
            .collect();
        assert_eq!(of_code.len(), 1, "{case}: one group: {}", run.stdout);
        let f = of_code[0];
        assert_eq!(f["leg"], "server", "{case}");
        assert_eq!(f["count"].as_u64(), Some(*count), "{case}");
        assert!(
            f["evidence"].to_string().contains(server_line),
            "{case}: PostgreSQL's end: {f:#}"
        );
        assert_eq!(
            v["summary"]["same_event_both_ends"].as_u64(),
            Some(*count),
            "{case}"
        );
    }
    // Text: the pairing is said, in the user's language.
    let run = pgtls(&[
        "logs",
        "--lang",
        "ja",
        &fixture_path("server_cert_required.pgbouncer.log"),
        &fixture_path("server_cert_required.postgresql.log"),
    ]);
    assert!(run.stdout.contains("1 回だけ集計"), "{}", run.stdout);
}

#[test]
fn logs_says_the_format_is_pgbouncers_and_names_the_leg_in_both_languages() {
    let file = fixture_path("server_wrong_ca.pgbouncer.log");
    let en = pgtls(&["logs", &file, "--lang", "en"]);
    assert!(
        en.stdout.contains("(pgbouncer)") || en.stdout.contains("pgbouncer"),
        "{}",
        en.stdout
    );
    assert!(
        en.stdout
            .contains("leg: the server's leg (pgbouncer ↔ PostgreSQL, server_tls_*)"),
        "{}",
        en.stdout
    );
    assert!(en.stdout.contains("server_tls_ca_file"), "{}", en.stdout);
    let ja = pgtls(&["logs", &file, "--lang", "ja"]);
    assert!(
        ja.stdout
            .contains("区間: サーバー側の区間 (pgbouncer ↔ PostgreSQL、server_tls_*)"),
        "{}",
        ja.stdout
    );
}

#[test]
fn explain_reads_each_captured_line_on_its_leg() {
    // One line each, as a user pastes it.
    let one = |file: &str, n: usize| fixture(file).lines().nth(n).expect("line").to_string();
    let cases: Vec<(String, Vec<CodeLeg>)> = vec![
        (
            one("client_no_tls.pgbouncer.log", 0),
            vec![cl("PGTLS040", Some("client"))],
        ),
        (
            one("client_no_tls.psql.txt", 0),
            vec![cl("PGTLS040", Some("client"))],
        ),
        (
            one("server_wrong_ca.psql.txt", 0),
            vec![cl("PGTLS041", Some("server"))],
        ),
        (
            one("server_wrong_ca.pgbouncer.log", 10),
            vec![cl("PGTLS041", Some("server"))],
        ),
        (
            one("server_wrong_ca.pgbouncer.log", 3),
            vec![cl("PGTLS042", Some("server"))],
        ),
        (
            one("server_cert_required.pgbouncer.log", 3),
            vec![cl("PGTLS008", Some("server"))],
        ),
        (
            one("server_no_tls.pgbouncer.log", 2),
            vec![cl("PGTLS016", Some("server"))],
        ),
        (
            one("client_no_cert.pgbouncer.log", 0),
            vec![cl("PGTLS008", Some("client"))],
        ),
        (
            one("client_no_cert.psql.txt", 0),
            vec![cl("PGTLS008", Some("client"))],
        ),
        (
            one("startup_key_mismatch.pgbouncer.log", 0),
            vec![cl("PGTLS015", Some("client"))],
        ),
        // Alone, a TLS handshake error does not say its leg: one reading per leg.
        (
            one("server_wrong_ca.pgbouncer.log", 2),
            vec![
                cl("PGTLS005", Some("server")),
                cl("PGTLS006", Some("client")),
            ],
        ),
        (
            one("client_wrong_ca.pgbouncer.log", 0),
            vec![
                cl("PGTLS005", Some("client")),
                cl("PGTLS006", Some("server")),
            ],
        ),
        // With the line before it (a new server connection), it does.
        (
            fixture("server_rejects_pooler_cert.pgbouncer.log")
                .lines()
                .skip(1)
                .take(2)
                .collect::<Vec<_>>()
                .join("\n"),
            vec![cl("PGTLS006", Some("server"))],
        ),
        // With the line after it, too.
        (
            fixture("server_wrong_ca.pgbouncer.log")
                .lines()
                .skip(2)
                .take(2)
                .collect::<Vec<_>>()
                .join("\n"),
            vec![cl("PGTLS005", Some("server"))],
        ),
        (
            fixture("server_rejects_pooler_cert.pgbouncer.log")
                .lines()
                .skip(2)
                .take(2)
                .collect::<Vec<_>>()
                .join("\n"),
            vec![cl("PGTLS006", Some("server"))],
        ),
    ];
    for (text, want) in cases {
        let run = pgtls(&["explain", &text, "--format", "json"]);
        assert_eq!(run.status, 0, "{text}: {}", run.stderr);
        let mut got = code_legs(&run.json());
        got.sort();
        assert_eq!(got, want, "{text}");
    }
}
