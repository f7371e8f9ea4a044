//! Servers and clients of other PostgreSQL versions, from the cache that
//! lab/fetch-postgres.sh fills: a test names a version and gets that
//! server, its OpenSSL 1.1 and its libpq, or one line saying how to fetch it.

use pgtls_lab::{
    files, shared_pki, version_binaries, ClientKind, Cluster, ClusterSpec, LabError, PgClient,
    LAB_PASSWORD,
};

/// The packaged server `major`, or `None` after one line saying how to get it.
fn available(major: u32) -> bool {
    match version_binaries(major) {
        Ok(_) => true,
        Err(e @ LabError::VersionMissing { .. }) => {
            eprintln!("skipped: {e}");
            false
        }
        Err(e) => panic!("{e}"),
    }
}

/// PostgreSQL 12 (the oldest) and 18 (the newest) start from their own
/// template, authenticate the SCRAM role over TLS through their own libpq,
/// and report their own version.
#[test]
fn oldest_and_newest_versions_start_and_speak_tls() {
    let pki = shared_pki().unwrap();
    for major in [12, 18] {
        if !available(major) {
            continue;
        }
        let spec = ClusterSpec::new()
            .pg_version(major)
            .with_server_tls(pki)
            .unwrap()
            .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256");
        let cluster = Cluster::start(&spec).unwrap_or_else(|e| panic!("PostgreSQL {major}: {e}"));
        assert_eq!(cluster.pg_version(), Some(major));
        assert_eq!(cluster.client().libpq_major(), Some(major));
        let expected_kind = if major >= 14 {
            ClientKind::Psql
        } else {
            ClientKind::PqConnect
        };
        assert_eq!(cluster.client().kind(), expected_kind);
        let conninfo = format!(
            "host=localhost user=kong dbname=kong sslmode=verify-full sslrootcert={}",
            pki.path(files::ROOT_CA).display()
        );
        let out = cluster.psql(&conninfo, &[("PGPASSWORD", LAB_PASSWORD)]);
        assert_eq!(out.status, 0, "PostgreSQL {major}: {}", out.stderr);
        let num: u32 = out.stdout.trim().parse().expect("server_version_num");
        assert_eq!(num / 10000, major, "{}", out.stdout);
        // The local psql (OpenSSL 3) speaks to the old server as well.
        let local = PgClient::local().unwrap();
        let out = cluster.psql_with(&local, &conninfo, &[("PGPASSWORD", LAB_PASSWORD)]);
        assert_eq!(out.status, 0, "local psql to {major}: {}", out.stderr);
    }
}

/// A version that is not in the cache is an error that says how to fetch
/// it, never a silent fall-back to the local server.
#[test]
fn a_missing_version_says_how_to_fetch_it() {
    let spec = ClusterSpec::new().pg_version(99);
    match Cluster::start(&spec) {
        Err(LabError::VersionMissing { major: 99, .. }) => {}
        Err(other) => panic!("expected VersionMissing, got {other}"),
        Ok(_) => panic!("PostgreSQL 99 started"),
    }
}
