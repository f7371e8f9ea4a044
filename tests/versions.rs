//! `check` against a real PostgreSQL 18 data directory (the lab's
//! packaged build): what only 18's initdb writes and the TLS settings only
//! 18 knows pass. The failures by version, through each version's own
//! libpq, are in tests/nine_versions.rs. A version missing from the lab's
//! cache skips with one line naming the fetch command.

use pgtls_lab::{version_binaries, Cluster, ClusterSpec, LabError};

use crate::lab_util::pki;
use crate::util::pgtls;

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
