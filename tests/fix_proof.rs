//! `pgtls fix` proven on real PostgreSQL 15 clusters for the server's
//! certificate and key files (PGTLS002, PGTLS003) and the client
//! certificate (PGTLS006, PGTLS008, PGTLS011): each break is shown first
//! (nothing written), then applied, the server restarted or reloaded as the
//! edit says; psql and both of Kong's paths connect, a client that was
//! healthy before still does, and a second run plans nothing. Where only a
//! person can act (issue a certificate), the edit holds placeholders and is
//! never applied, and the test proves the rest once the person's step is
//! done.

use std::fs;
use std::os::unix::fs::MetadataExt;

use pgtls_lab::{files, Cluster, ClusterSpec, LabError, Owner};
use serde_json::Value;

use crate::fix::{cert_conninfo, fix, kong_connects, psql_connects, snapshot, verify_full};
use crate::lab_util::{pki, start};

/// The edits of a fix report that fix `code`.
fn edits_for<'a>(v: &'a Value, code: &str) -> Vec<&'a Value> {
    v["edits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["fixes"].to_string().contains(code))
        .collect()
}

/// A server that asks for client certificates from the lab CA: kong by
/// password (psql and Kong), kong_md5 by password and a certificate
/// (CN foo@example.com, verify-ca). Both connect.
fn two_clients() -> (Cluster, String) {
    let cluster = start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .with_client_ca(pki())
            .expect("client CA")
            .hba_line("hostssl all kong 127.0.0.1/32 scram-sha-256")
            .hba_line("hostssl all kong_md5 127.0.0.1/32 md5 clientcert=verify-ca"),
    );
    let other = cert_conninfo(
        &cluster,
        "kong_md5",
        files::CLIENT_FOO,
        files::CLIENT_FOO_KEY,
    );
    assert!(psql_connects(&cluster, &verify_full(&cluster)), "kong");
    assert!(
        psql_connects(&cluster, &other),
        "kong_md5 with its certificate"
    );
    (cluster, other)
}

/// psql, both of Kong's paths, and the other client connect.
fn all_connect(cluster: &Cluster, other: &str) {
    assert!(psql_connects(cluster, &verify_full(cluster)), "psql");
    let dir = tempfile::tempdir().expect("dir");
    let k = kong_connects(cluster, dir.path());
    assert_eq!(k["ok"], true, "both Kong paths: {k:#}");
    assert!(psql_connects(cluster, other), "the client healthy before");
}

fn gid_of(group: &str) -> u32 {
    fs::read_to_string("/etc/group")
        .expect("/etc/group")
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&group)).then(|| f[2].parse().expect("gid"))
        })
        .unwrap_or_else(|| panic!("no group {group}"))
}

/// PGTLS003: a root:root 0640 key, which PostgreSQL's owner rule allows
/// but the server account cannot read. The edit gives the key to the
/// server's group (root keeps it; a look is needed: another group may
/// have read it), the key's bytes stay as they were, and after the restart
/// the server starts and every client connects.
#[test]
fn a_root_key_the_server_cannot_read_gets_the_servers_group() {
    if !pgtls_lab::is_root() {
        eprintln!("skipped: root-owned keys need the lab to run as root");
        return;
    }
    let (mut cluster, other) = two_clients();
    let data = cluster.data_dir().to_path_buf();
    let key = data.join("server.key");
    let pem = fs::read(&key).expect("key");
    cluster
        .write_file("server.key", &pem, 0o640, Owner::Root)
        .expect("root:root 0640");
    match cluster.restart() {
        Err(LabError::StartFailed { fatal, .. }) => assert!(
            fatal.contains("could not load private key file")
                && fatal.contains("Permission denied"),
            "{fatal}"
        ),
        other => panic!("the server started with a key it cannot read: {other:?}"),
    }

    // Shown, not written; not written by --apply alone either.
    let before = snapshot(&key);
    let run = fix(&data, &["--apply"]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS003");
    let edit = edits
        .iter()
        .find(|e| e["kind"] == "file-mode")
        .unwrap_or_else(|| panic!("a file-mode edit: {v:#}"));
    assert_eq!(edit["file"], key.display().to_string());
    assert_eq!(edit["group"], "postgres", "{edit}");
    assert_eq!(edit["mode"], "0640", "{edit}");
    assert_eq!(edit["applicability"], "maybe-incorrect", "{edit}");
    assert_eq!(edit["then"], "restart", "{edit}");
    assert_eq!(v["applied"], serde_json::json!([]), "{v:#}");
    assert_eq!(snapshot(&key), before, "nothing written without --unsafe");
    let text = crate::util::pgtls(&["fix", "-D", &data.display().to_string()]).stdout;
    assert!(
        text.contains("chgrp postgres") || text.contains(":postgres"),
        "{text}"
    );

    let run = fix(&data, &["--apply", "--unsafe"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["then"], serde_json::json!(["restart"]), "{v:#}");
    let (bytes, uid, gid, mode) = snapshot(&key);
    assert_eq!(bytes, pem, "the key itself is never rewritten");
    assert_eq!((uid, gid, mode), (0, gid_of("postgres"), 0o640));

    cluster.restart().expect("the server starts");
    all_connect(&cluster, &other);
    let v = fix(&data, &[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}

/// A key owned by the server account that it cannot read (0200): 0600.
#[test]
fn a_key_its_owner_cannot_read_gets_0600() {
    let (mut cluster, other) = two_clients();
    let data = cluster.data_dir().to_path_buf();
    let key = data.join("server.key");
    let pem = fs::read(&key).expect("key");
    cluster
        .write_file("server.key", &pem, 0o200, Owner::ServerUser)
        .expect("0200");
    assert!(cluster.restart().is_err(), "the server cannot read its key");
    let v = fix(&data, &[]).json();
    let edit = edits_for(&v, "PGTLS003")
        .into_iter()
        .find(|e| e["kind"] == "file-mode")
        .cloned()
        .unwrap_or_else(|| panic!("a file-mode edit: {v:#}"));
    assert_eq!(
        (edit["mode"].as_str(), edit["applicability"].as_str()),
        (Some("0600"), Some("machine-applicable")),
        "{edit}"
    );
    let run = fix(&data, &["--apply"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(fs::metadata(&key).expect("key").mode() & 0o7777, 0o600);
    cluster.restart().expect("the server starts");
    all_connect(&cluster, &other);
    let v = fix(&data, &[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}
