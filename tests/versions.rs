//! The commands against real servers of PostgreSQL 12, 14, 16, 17 and 18
//! (the lab's packaged builds, each on OpenSSL 1.1): one cluster per
//! version, broken four ways (TLS version ranges that do not overlap, no
//! pg_hba.conf line for a client without TLS, a client certificate
//! required but missing, a server certificate from a CA the client does
//! not trust), each observed through that version's own libpq (or the
//! local one where the old libpq lacks the option), and `explain`, `logs`
//! and `probe` must give the documented code for each. A version missing
//! from the lab's cache skips with one line naming the fetch command.

use std::process::{Command, Stdio};
use std::time::Duration;

use pgtls_diagnose::explain::explain_text;
use pgtls_lab::{files, version_binaries, Cluster, ClusterSpec, LabError, PgClient, LAB_PASSWORD};
use serde_json::Value;

use crate::lab_util::{codes, path, pki};
use crate::util::{pgtls, Run};

const LOG_WAIT: Duration = Duration::from_secs(10);

/// The cluster of `major`, or `None` after one line saying how to fetch it.
fn cluster(major: u32) -> Option<Cluster> {
    if let Err(e @ LabError::VersionMissing { .. }) = version_binaries(major) {
        eprintln!("skipped PostgreSQL {major}: {e}");
        return None;
    }
    let spec = ClusterSpec::new()
        .pg_version(major)
        .with_server_tls(pki())
        .and_then(|s| s.with_client_ca(pki()))
        .expect("TLS files")
        .setting("ssl_min_protocol_version", "'TLSv1.3'")
        .hba_line("hostssl all foo 127.0.0.1/32 cert")
        .hba_line("hostssl all kong 127.0.0.1/32 scram-sha-256");
    Some(Cluster::start(&spec).unwrap_or_else(|e| panic!("PostgreSQL {major}: {e}")))
}

/// Runs `pgtls probe --format json CONNINFO` in a clean environment.
fn probe(conninfo: &str, password: Option<&str>) -> (i32, Value) {
    let home = tempfile::tempdir().expect("home");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgtls"));
    cmd.args(["probe", "--format", "json", "--timeout", "5", conninfo])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("LANG", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let run: Run = cmd.output().expect("pgtls runs").into();
    run.report("probe")
}

fn first_code(text: &str) -> Option<&'static str> {
    explain_text(text).first().map(|f| f.code())
}

/// One failure: the client's message and the server's line, each explained
/// to `code`, and probe's verdict on the same connection string.
struct Case<'a> {
    name: &'a str,
    conninfo: String,
    client: &'a PgClient,
    password: Option<&'a str>,
    server_needle: &'a str,
    code: &'a str,
    client_code: &'a str,
}

fn provoke(cluster: &Cluster, major: u32, case: &Case<'_>) -> String {
    let what = format!("PostgreSQL {major}, {}", case.name);
    let mark = cluster.log_mark();
    let env: Vec<(&str, &str)> = case
        .password
        .map(|p| ("PGPASSWORD", p))
        .into_iter()
        .collect();
    let out = cluster.psql_with(case.client, &case.conninfo, &env);
    assert_ne!(out.status, 0, "{what}: the client connected");
    let log = cluster
        .wait_for_log(&mark, case.server_needle, LOG_WAIT)
        .unwrap_or_else(|e| panic!("{what}: {e}\nclient: {}", out.stderr));
    let first = out.stderr.lines().next().unwrap_or_default();
    assert_eq!(
        first_code(first),
        Some(case.client_code),
        "{what}: client printed {first:?}"
    );
    let line = log
        .lines()
        .find(|l| l.contains(case.server_needle))
        .expect("needle line");
    assert_eq!(
        first_code(line),
        Some(case.code),
        "{what}: server logged {line:?}"
    );
    let (status, report) = probe(
        &format!("{} {}", cluster.tcp_conninfo(), case.conninfo),
        case.password,
    );
    assert_eq!(status, 1, "{what}: probe {report:#}");
    assert_eq!(
        codes(&report).first().map(String::as_str),
        Some(case.code),
        "{what}: probe {report:#}"
    );
    log
}

fn exercise(major: u32) {
    let Some(cluster) = cluster(major) else {
        return;
    };
    let own = cluster.client().clone();
    let local = PgClient::local().expect("local psql");
    let root = path(files::ROOT_CA);
    let verify_full = |user: &str, ca: &str| {
        format!("host=localhost user={user} dbname=kong sslmode=verify-full sslrootcert={ca}")
    };
    let other_ca = path(files::OTHER_CA);
    let cases = [
        Case {
            name: "TLS versions do not overlap",
            // libpq 12 has no ssl_max_protocol_version: the local libpq asks.
            conninfo: format!(
                "{} ssl_max_protocol_version=TLSv1.2",
                verify_full("kong", &root)
            ),
            client: &local,
            password: Some(LAB_PASSWORD),
            server_needle: "could not accept SSL connection",
            code: "PGTLS001",
            client_code: "PGTLS001",
        },
        Case {
            name: "no pg_hba.conf line for a client without TLS",
            conninfo: "user=kong dbname=kong sslmode=disable".to_string(),
            client: &own,
            password: Some(LAB_PASSWORD),
            server_needle: "no pg_hba.conf entry",
            code: "PGTLS016",
            client_code: "PGTLS016",
        },
        Case {
            name: "client certificate required but missing",
            conninfo: verify_full("foo", &root),
            client: &own,
            password: None,
            server_needle: "connection requires a valid client certificate",
            code: "PGTLS008",
            client_code: "PGTLS008",
        },
        Case {
            name: "server certificate from a CA the client does not trust",
            conninfo: verify_full("kong", &other_ca),
            client: &own,
            password: Some(LAB_PASSWORD),
            server_needle: "could not accept SSL connection",
            code: "PGTLS005",
            client_code: "PGTLS005",
        },
    ];
    for case in &cases {
        let log = provoke(&cluster, major, case);
        match case.code {
            // 13 and later add the server's range as a HINT; 12 does not.
            "PGTLS001" => {
                let hint = log.lines().find(|l| l.contains("HINT:"));
                assert_eq!(hint.is_some(), major >= 13, "PostgreSQL {major}: {log}");
                if let Some(hint) = hint {
                    let f = &explain_text(hint)[0];
                    assert_eq!(
                        f.facts.get("server_min").map(String::as_str),
                        Some("TLSv1.3")
                    );
                }
            }
            "PGTLS016" => {
                let word = if major <= 13 {
                    ", SSL off"
                } else {
                    ", no encryption"
                };
                assert!(
                    log.lines()
                        .any(|l| l.contains("no pg_hba.conf entry") && l.ends_with(word)),
                    "PostgreSQL {major}: {log}"
                );
            }
            _ => {}
        }
    }

    // The whole log through the log reader: every failure, once each.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("postgresql.log");
    std::fs::write(&file, cluster.log_text()).expect("write log");
    let run = pgtls(&["logs", "--format", "json", file.to_str().expect("utf-8")]);
    let found = codes(&run.json());
    for code in ["PGTLS001", "PGTLS016", "PGTLS008", "PGTLS005"] {
        assert!(
            found.iter().any(|c| c == code),
            "PostgreSQL {major}: logs gave {found:?}, missing {code}"
        );
    }
}

#[test]
fn postgresql_12() {
    exercise(12);
}

#[test]
fn postgresql_14() {
    exercise(14);
}

#[test]
fn postgresql_16() {
    exercise(16);
}

#[test]
fn postgresql_17() {
    exercise(17);
}

#[test]
fn postgresql_18() {
    exercise(18);
}

/// A healthy PostgreSQL 18 data directory (its initdb writes
/// autovacuum_worker_slots) passes `check`, with the TLS settings only 18
/// knows.
#[test]
fn check_passes_a_healthy_postgresql_18_data_directory() {
    if let Err(e @ LabError::VersionMissing { .. }) = version_binaries(18) {
        eprintln!("skipped PostgreSQL 18: {e}");
        return;
    }
    let spec = ClusterSpec::new()
        .pg_version(18)
        .with_server_tls(pki())
        .expect("TLS files")
        .setting(
            "ssl_tls13_ciphers",
            "'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256'",
        )
        .setting("ssl_groups", "'X25519:prime256v1'")
        .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256");
    let cluster = Cluster::start(&spec).unwrap_or_else(|e| panic!("PostgreSQL 18: {e}"));
    let conf = std::fs::read_to_string(cluster.data_dir().join("postgresql.conf")).unwrap();
    assert!(
        conf.contains("autovacuum_worker_slots"),
        "18's initdb wrote it"
    );
    let data_dir = cluster.data_dir().to_str().expect("utf-8");
    let run = pgtls(&["check", "--format", "json", "--pgdata", data_dir]);
    let (status, report) = run.report("check");
    assert_eq!(status, 0, "{report:#}");
    let text = report.to_string();
    assert!(
        !text.contains("unrecognized configuration parameter"),
        "{report:#}"
    );
}
