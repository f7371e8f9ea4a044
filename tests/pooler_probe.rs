//! `pgtls probe` and `scan` through a real pgbouncer: each says pgbouncer
//! answered (from what it sent, not from a port number) and puts every
//! failure of issue 16 on its leg, in libpq mode and both of Kong's paths.

use std::process::{Command, Stdio};

use pgtls_lab::{files, Cluster, Pooler, LAB_PASSWORD};
use serde_json::Value;

use crate::lab_util::{path, start};
use crate::pooler::{
    client_leg_without_tls, client_leg_wrong_ca, healthy_both_legs,
    server_leg_client_cert_required, server_leg_without_tls, server_leg_wrong_ca, Case,
};
use crate::util::Run;

fn pgbouncer_installed() -> bool {
    let there = pgtls_lab::pgbouncer_binary().is_some();
    if !there {
        eprintln!("skipped: pgbouncer is not installed (apt-get install -y pgbouncer)");
    }
    there
}

/// A case's cluster and pooler, running.
struct Running {
    _cluster: Cluster,
    pooler: Pooler,
    dir: tempfile::TempDir,
}

fn run_case(case: Case) -> Running {
    let cluster = start(&case.cluster);
    let pooler =
        Pooler::start(&cluster, &case.pooler).unwrap_or_else(|e| panic!("pgbouncer start: {e}"));
    Running {
        _cluster: cluster,
        pooler,
        dir: tempfile::tempdir().expect("temp dir"),
    }
}

fn pgtls_probe(home: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgtls"));
    cmd.arg("probe")
        .args(["--format", "json"])
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("LANG", "C")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("pgtls runs").into()
}

impl Running {
    /// libpq mode through the pooler with `extra` keywords.
    fn libpq(&self, extra: &str) -> (i32, Value) {
        let conninfo = format!(
            "host=127.0.0.1 port={} user=kong dbname=kong {extra}",
            self.pooler.port()
        );
        pgtls_probe(
            self.dir.path(),
            &[&conninfo],
            &[("PGPASSWORD", LAB_PASSWORD)],
        )
        .report("probe")
    }

    /// Kong mode through the pooler with kong.conf `extra` lines after
    /// pg_ssl on, verification on against the lab root.
    fn kong(&self, extra: &str) -> (i32, Value) {
        let text = format!(
            "pg_host = 127.0.0.1\npg_port = {}\npg_user = kong\npg_password = {LAB_PASSWORD}\npg_database = kong\npg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {}\n{extra}",
            self.pooler.port(),
            path(files::ROOT_CA)
        );
        let conf = self.dir.path().join("kong.conf");
        std::fs::write(&conf, text).expect("kong.conf");
        pgtls_probe(
            self.dir.path(),
            &["--kong-conf", &conf.display().to_string()],
            &[],
        )
        .report("probe")
    }
}

/// (code, leg) of each error finding.
fn errors(v: &Value) -> Vec<(String, Option<String>)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["leg"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn one(code: &str, leg: &str) -> Vec<(String, Option<String>)> {
    vec![(code.to_string(), Some(leg.to_string()))]
}

/// The run says pgbouncer answered, with at least one sign, and has
/// exactly the one error `code` on `leg`.
fn assert_pooler_failure(what: &str, (status, v): (i32, Value), code: &str, leg: &str) {
    assert_eq!(status, 1, "{what}: {v:#}");
    assert_eq!(v["answered_by"], "pgbouncer", "{what}: {v:#}");
    assert!(
        !v["answered_by_signs"].as_array().unwrap().is_empty(),
        "{what}: {v:#}"
    );
    assert_eq!(errors(&v), one(code, leg), "{what}: {v:#}");
    if let Some(paths) = v["paths"].as_array() {
        for p in paths {
            assert_eq!(p["answered_by"], "pgbouncer", "{what}: {p:#}");
        }
    }
}

fn fix_text(v: &Value) -> String {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .flat_map(|f| f["fix"].as_array().unwrap().clone())
        .map(|s| s.as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn probe_client_leg_without_tls_is_pgbouncers_own_refusal() {
    if !pgbouncer_installed() {
        return;
    }
    let r = run_case(client_leg_without_tls());
    assert_pooler_failure("libpq", r.libpq("sslmode=disable"), "PGTLS040", "client");
    // Kong with pg_ssl = off: both paths.
    assert_pooler_failure("kong", r.kong("pg_ssl = off\n"), "PGTLS040", "client");
}

/// A client that rejects the server's chain does not talk to it again to
/// learn whether a pooler answered (its sslmode or pg_ssl_verify says
/// not to): the failure is PGTLS005, with no claim about who answered.
#[test]
fn probe_client_trusting_the_wrong_ca_fails_without_asking_who_answered() {
    if !pgbouncer_installed() {
        return;
    }
    let r = run_case(client_leg_wrong_ca());
    let other = path(files::OTHER_CA);
    let libpq = r.libpq(&format!("sslmode=verify-full sslrootcert={other}"));
    let kong = r.kong(&format!("lua_ssl_trusted_certificate = {other}\n"));
    for (what, (status, v)) in [("libpq", libpq), ("kong", kong)] {
        assert_eq!(status, 1, "{what}: {v:#}");
        let codes: Vec<String> = errors(&v).into_iter().map(|(c, _)| c).collect();
        assert_eq!(codes, ["PGTLS005"], "{what}: {v:#}");
        assert_ne!(v["answered_by"], "pgbouncer", "{what}: not asked: {v:#}");
        assert!(
            r.pooler.log_text().matches("login attempt").count() == 0,
            "{what}: no second connection got as far as a login"
        );
    }
}

#[test]
fn probe_server_leg_wrong_ca_is_a_query_wait_timeout_on_the_server_leg() {
    if !pgbouncer_installed() {
        return;
    }
    let r = run_case(server_leg_wrong_ca());
    let verify = format!("sslmode=verify-full sslrootcert={}", path(files::ROOT_CA));
    // The lab's query_wait_timeout (3 s) ends within the probe's step
    // timeout: pgbouncer's FATAL.
    let (status, v) = r.libpq(&verify);
    let fix = fix_text(&v);
    assert_pooler_failure("libpq", (status, v), "PGTLS041", "server");
    assert!(fix.contains("pgbouncer's log"), "{fix}");
    // A step timeout shorter than query_wait_timeout: the silence itself.
    let (status, v) = r.libpq(&format!("{verify} connect_timeout=2"));
    assert_pooler_failure("libpq, silent", (status, v), "PGTLS041", "server");
    assert_pooler_failure("kong", r.kong(""), "PGTLS041", "server");
}

#[test]
fn probe_postgresql_wanting_pgbouncers_certificate_is_the_server_leg() {
    if !pgbouncer_installed() {
        return;
    }
    let r = run_case(server_leg_client_cert_required());
    let (status, v) = r.libpq(&format!(
        "sslmode=verify-full sslrootcert={}",
        path(files::ROOT_CA)
    ));
    let fix = fix_text(&v);
    assert_pooler_failure("libpq", (status, v), "PGTLS008", "server");
    assert!(fix.contains("server_tls_cert_file"), "{fix}");
    let (status, v) = r.kong("");
    let fix = fix_text(&v);
    assert_pooler_failure("kong", (status, v), "PGTLS008", "server");
    assert!(fix.contains("server_tls_cert_file"), "{fix}");
}

#[test]
fn probe_server_leg_without_tls_meets_hostssl_on_the_server_leg() {
    if !pgbouncer_installed() {
        return;
    }
    let r = run_case(server_leg_without_tls());
    let (status, v) = r.libpq(&format!(
        "sslmode=verify-full sslrootcert={}",
        path(files::ROOT_CA)
    ));
    let fix = fix_text(&v);
    assert_pooler_failure("libpq", (status, v), "PGTLS016", "server");
    assert!(fix.contains("server_tls_sslmode"), "{fix}");
    assert_pooler_failure("kong", r.kong(""), "PGTLS016", "server");
}

#[test]
fn probe_and_scan_see_pgbouncer_on_the_healthy_path_and_postgresql_without_it() {
    if !pgbouncer_installed() {
        return;
    }
    let r = run_case(healthy_both_legs());
    let (status, v) = r.libpq(&format!(
        "sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
        path(files::ROOT_CA),
        path(files::CLIENT_KONG),
        path(files::CLIENT_KONG_KEY)
    ));
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["answered_by"], "pgbouncer", "{v:#}");
    assert!(errors(&v).is_empty(), "{v:#}");
    let signs = v["answered_by_signs"].to_string();
    assert!(signs.contains("ParameterStatus"), "{signs}");
    // Kong (Enterprise: it sends the client certificate pgbouncer wants).
    let (status, v) = r.kong(&format!(
        "pg_ssl_cert = {}\npg_ssl_cert_key = {}\n",
        path(files::CLIENT_KONG),
        path(files::CLIENT_KONG_KEY)
    ));
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["answered_by"], "pgbouncer", "{v:#}");

    let target = format!("127.0.0.1:{}", r.pooler.port());
    let scan = crate::util::pgtls(&["scan", &target, "--format", "json"]);
    let (_, s) = scan.report("scan");
    assert_eq!(s["targets"][0]["answered_by"], "pgbouncer", "{s:#}");
    let text = crate::util::pgtls(&["scan", &target]).stdout;
    assert!(text.contains("answered by pgbouncer"), "{text}");

    // PostgreSQL itself, the cluster behind the pooler.
    let cluster = start(crate::lab_util::tls_scram(files::SERVER, files::SERVER_KEY));
    let conninfo = format!(
        "host=127.0.0.1 port={} user=kong dbname=kong sslmode=verify-full sslrootcert={}",
        cluster.port(),
        path(files::ROOT_CA)
    );
    let (status, v) =
        pgtls_probe(r.dir.path(), &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]).report("probe");
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["answered_by"], "postgresql", "{v:#}");
    let s = crate::util::pgtls(&[
        "scan",
        &format!("127.0.0.1:{}", cluster.port()),
        "--format",
        "json",
    ])
    .json();
    assert_eq!(s["targets"][0]["answered_by"], "postgresql", "{s:#}");
}

#[test]
fn probe_text_names_pgbouncer_and_the_leg_in_both_languages() {
    if !pgbouncer_installed() {
        return;
    }
    let r = run_case(server_leg_client_cert_required());
    let conninfo = format!(
        "host=127.0.0.1 port={} user=kong dbname=kong sslmode=verify-full sslrootcert={}",
        r.pooler.port(),
        path(files::ROOT_CA)
    );
    for (lang, want) in [
        (
            "en",
            "leg: the server's leg (pgbouncer ↔ PostgreSQL, server_tls_*)",
        ),
        (
            "ja",
            "区間: サーバー側の区間 (pgbouncer ↔ PostgreSQL、server_tls_*)",
        ),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgtls"));
        let out: Run = cmd
            .args(["probe", "--lang", lang, &conninfo])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", r.dir.path())
            .env("NO_COLOR", "1")
            .env("PGPASSWORD", LAB_PASSWORD)
            .output()
            .expect("pgtls runs")
            .into();
        assert_eq!(out.status, 1, "{}", out.stderr);
        assert!(out.stdout.contains("pgbouncer"), "{}", out.stdout);
        assert!(out.stdout.contains(want), "{lang}: {}", out.stdout);
        assert!(!out.stdout.contains(LAB_PASSWORD), "{}", out.stdout);
    }
}
