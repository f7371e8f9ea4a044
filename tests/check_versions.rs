//! `pgtls check` by the server's major version: `--pg-version` where no
//! data directory tells it, PG_VERSION winning where one does, and
//! pg_hba.conf judged by that version's rules. Each prediction is held
//! against what a real server of that version did: the captured start of
//! a `clientcert=1` server (tests/fixtures/versions) and a PostgreSQL 13
//! and 14 server given `clientname=CN`.

use std::fs;

use pgtls_diagnose::explain::explain_text;
use pgtls_lab::{version_binaries, Cluster, ClusterSpec, LabError};
use serde_json::Value;

use crate::lab_util::pki;
use crate::util::pgtls;

fn check(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    pgtls(&all).report("check")
}

/// Whether the captured server of `version` started with clientcert=1.
fn captured_start(version: &str) -> bool {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/versions")
        .join(version)
        .join("clientcert-1.txt");
    let text = fs::read_to_string(&path).expect("fixture");
    let start = text
        .split("### ")
        .find(|section| section.starts_with("server-start"))
        .unwrap_or_default();
    !start.lines().any(|l| l.contains("FATAL:"))
}

#[test]
fn pg_version_judges_clientcert_as_the_captured_servers_did() {
    let dir = tempfile::tempdir().unwrap();
    let hba = dir.path().join("pg_hba.conf");
    // The capture's pg_hba.conf line 2.
    fs::write(
        &hba,
        "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256 clientcert=1\n",
    )
    .unwrap();
    for major in 12..=18u32 {
        let started = captured_start(&format!("pg{major}"));
        assert_eq!(started, major <= 13, "capture of {major}");
        let v = major.to_string();
        let (status, report) = check(&["--hba", hba.to_str().unwrap(), "--pg-version", &v]);
        assert_eq!(
            report["server"]["server_version"],
            serde_json::json!({"major": major, "from": "--pg-version"})
        );
        assert_eq!(
            report["server_start"]["starts"], started,
            "{major}: {report:#}"
        );
        if started {
            assert_eq!(status, 0, "{major}: {report:#}");
        } else {
            assert_eq!(status, 1);
            assert_eq!(report["server_start"]["code"], "PGTLS033", "{major}");
            assert!(report["problems"]
                .to_string()
                .contains("invalid value for clientcert: \\\"1\\\""));
        }
    }
    // Out of range: a clear refusal, not a guess.
    let run = pgtls(&["check", "--hba", hba.to_str().unwrap(), "--pg-version", "9"]);
    assert_eq!(run.status, 2, "{}", run.stderr);
}

#[test]
fn pg_version_file_wins_over_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    fs::write(data.join("PG_VERSION"), "13\n").unwrap();
    fs::write(data.join("postgresql.conf"), "ssl = off\n").unwrap();
    fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256 clientcert=1\n",
    )
    .unwrap();
    fs::write(data.join("pg_ident.conf"), "").unwrap();
    let (_, v) = check(&["--pgdata", data.to_str().unwrap(), "--pg-version", "16"]);
    assert_eq!(
        v["server"]["server_version"],
        serde_json::json!({"major": 13, "from": "PG_VERSION"}),
        "{v:#}"
    );
    assert!(
        v["problems"]
            .to_string()
            .contains("PG_VERSION says PostgreSQL 13"),
        "{v:#}"
    );
    assert!(!v["problems"].to_string().contains("clientcert"), "{v:#}");
}

/// clientname came with 14: a 13 server refuses to start on it, a 14
/// server starts, and check with --pg-version says the same before
/// either is started; the 13 server's line explains to PGTLS033.
#[test]
fn clientname_by_version_on_real_servers() {
    let dir = tempfile::tempdir().unwrap();
    let line = "hostssl all all 127.0.0.1/32 cert clientname=CN";
    let hba = dir.path().join("pg_hba.conf");
    fs::write(&hba, format!("local all all trust\n{line}\n")).unwrap();
    for major in [13u32, 14] {
        if let Err(e @ LabError::VersionMissing { .. }) = version_binaries(major) {
            eprintln!("skipped PostgreSQL {major}: {e}");
            continue;
        }
        let v = major.to_string();
        let (_, report) = check(&["--hba", hba.to_str().unwrap(), "--pg-version", &v]);
        let predicted = report["server_start"]["starts"].as_bool().unwrap();
        let spec = ClusterSpec::new()
            .pg_version(major)
            .with_server_tls(pki())
            .and_then(|s| s.with_client_ca(pki()))
            .expect("TLS files")
            .hba_line(line);
        match Cluster::start(&spec) {
            Ok(_) => assert!(predicted, "{major} started, check said it would not"),
            Err(LabError::StartFailed { log, .. }) => {
                assert!(!predicted, "{major} refused, check said it starts: {log}");
                assert_eq!(report["server_start"]["code"], "PGTLS033");
                let refusal = log
                    .lines()
                    .find(|l| l.contains("unrecognized authentication option name"))
                    .unwrap_or_else(|| panic!("{major}: {log}"));
                assert_eq!(explain_text(refusal)[0].code(), "PGTLS033", "{refusal}");
            }
            Err(e) => panic!("PostgreSQL {major}: {e}"),
        }
    }
}

/// check's libpq side by version: sslrootcert=system is the system store
/// from 16 (verify-full forced, never "a file named system" and PGTLS018),
/// a missing file for 15 with verify-full (PGTLS034), and an option of a
/// later libpq stops the modelled one (PGTLS034) — what real libpq 15, 16
/// and 17 did in libpq_versions.rs.
#[test]
fn libpq_side_follows_the_libpq_version() {
    let dir = tempfile::tempdir().unwrap();
    let hba = dir.path().join("pg_hba.conf");
    fs::write(&hba, "hostssl all all 127.0.0.1/32 scram-sha-256\n").unwrap();
    let hba = hba.to_str().unwrap();
    let store = crate::lab_util::path(pgtls_lab::files::ROOT_CA);
    let run = |conninfo: &str, version: &str| -> Vec<String> {
        let r = crate::util::pgtls_env(
            &[
                "check",
                "--format",
                "json",
                "--hba",
                hba,
                "--libpq",
                conninfo,
                "--libpq-version",
                version,
            ],
            &[("SSL_CERT_FILE", std::ffi::OsStr::new(&store))],
        );
        crate::lab_util::codes(&r.report("check").1)
    };
    let system = "host=localhost user=kong sslrootcert=system";
    let codes = run(system, "16");
    assert!(
        !codes.iter().any(|c| c == "PGTLS018" || c == "PGTLS034"),
        "{codes:?}"
    );
    let codes = run(&format!("{system} sslmode=verify-full"), "15");
    assert_eq!(
        codes.first().map(String::as_str),
        Some("PGTLS034"),
        "{codes:?}"
    );
    let codes = run(
        "host=localhost user=kong sslmode=require sslnegotiation=direct",
        "16",
    );
    assert_eq!(
        codes.first().map(String::as_str),
        Some("PGTLS034"),
        "{codes:?}"
    );
    let codes = run(
        "host=localhost user=kong sslmode=require sslnegotiation=direct",
        "17",
    );
    assert!(!codes.iter().any(|c| c == "PGTLS034"), "{codes:?}");
}
