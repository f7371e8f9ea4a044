//! `pgtls fix` proven on real PostgreSQL 15 clusters for the server's
//! certificate and key files (PGTLS002, PGTLS003, PGTLS010), the client
//! certificate (PGTLS006, PGTLS008, PGTLS011), and how the client insists
//! on verified TLS and authenticates (PGTLS017, PGTLS021, PGTLS026), from
//! the files (`-D`), from the connection (`--connect`) or both: each break
//! is shown first (nothing written), then applied, the server restarted or
//! reloaded as the edit says; psql and both of Kong's paths connect, a
//! client that was healthy before still does, and a second run plans
//! nothing. Where only a person can act (issue a certificate), the edit
//! holds placeholders and is never applied, and the test proves the rest
//! once the person's step is done.

use std::fs;
use std::os::unix::fs::MetadataExt;

use pgtls_lab::{files, Cluster, ClusterSpec, LabError, Owner, LAB_PASSWORD};
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
    assert_eq!(snapshot(&key).3, 0o200, "not changed without --apply");
    let run = fix(&data, &["--apply"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(fs::metadata(&key).expect("key").mode() & 0o7777, 0o600);
    cluster.restart().expect("the server starts");
    all_connect(&cluster, &other);
    let v = fix(&data, &[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}

/// Appends `line` to the cluster's postgresql.auto.conf (as ALTER SYSTEM
/// would; the lab writes postgresql.conf anew at each start).
fn append_auto_conf(cluster: &Cluster, line: &str) {
    let path = cluster.data_dir().join("postgresql.auto.conf");
    let mut text = fs::read_to_string(&path).unwrap_or_default();
    text.push_str(line);
    text.push('\n');
    cluster
        .write_file(
            "postgresql.auto.conf",
            text.as_bytes(),
            0o600,
            Owner::ServerUser,
        )
        .expect("postgresql.auto.conf");
}

fn start_fails(cluster: &mut Cluster, needle: &str) {
    match cluster.restart() {
        Err(LabError::StartFailed { fatal, .. }) => {
            assert!(fatal.contains(needle), "{fatal}")
        }
        other => panic!("the server started: {other:?}"),
    }
}

/// PGTLS002, nothing to point at: the certificate is gone. Only a person
/// can have one issued: the edit is a command with placeholders naming the
/// key it must certify and the file it goes to, never run, nothing
/// written. Once the person has put it there, fix finds nothing left, the
/// server starts and every client connects.
#[test]
fn a_missing_server_certificate_says_what_to_issue_and_the_server_then_starts() {
    let (mut cluster, other) = two_clients();
    let data = cluster.data_dir().to_path_buf();
    let cert = data.join("server.crt");
    fs::remove_file(&cert).expect("rm server.crt");
    start_fails(
        &mut cluster,
        "could not load server certificate file \"server.crt\": No such file or directory",
    );
    let conf = data.join("postgresql.conf");
    let before = snapshot(&conf);

    let run = fix(&data, &["--apply", "--unsafe"]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS002");
    assert_eq!(edits.len(), 1, "{v:#}");
    let edit = edits[0];
    assert_eq!(edit["kind"], "command", "{edit}");
    assert_eq!(edit["applicability"], "has-placeholders", "{edit}");
    assert_eq!(edit["then"], "restart", "{edit}");
    let command = edit["command"].as_str().unwrap_or_default();
    assert!(
        command.contains(&cert.display().to_string())
            && command.contains(&data.join("server.key").display().to_string()),
        "names the key and the file: {command}"
    );
    assert_eq!(v["applied"], serde_json::json!([]), "never run");
    assert!(!cert.exists(), "nothing written");
    assert_eq!(snapshot(&conf), before);
    let text = crate::util::pgtls(&["fix", "-D", &data.display().to_string()]).stdout;
    assert!(text.contains("PGTLS002"), "{text}");
    let ja = crate::util::pgtls(&["--lang", "ja", "fix", "-D", &data.display().to_string()]);
    assert!(ja.stdout.contains("人手のみ"), "{}{}", ja.stdout, ja.stderr);

    // The person's step: a certificate for the key.
    let pem = pki().read(files::SERVER).expect("cert");
    cluster
        .write_file("server.crt", &pem, 0o644, Owner::ServerUser)
        .expect("cert");
    let v = fix(&data, &[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
    cluster.restart().expect("the server starts");
    all_connect(&cluster, &other);
}

/// PGTLS002 with a certificate for the key beside it: ssl_cert_file names
/// a file that is not there, server.crt in the data directory is the key's
/// certificate. The edit points ssl_cert_file at it where it is set (a look
/// first: --unsafe); after the restart every client connects.
#[test]
fn a_missing_server_certificate_is_pointed_at_the_keys_certificate_beside_it() {
    let (mut cluster, other) = two_clients();
    let data = cluster.data_dir().to_path_buf();
    append_auto_conf(&cluster, "ssl_cert_file = 'server-2026.crt'");
    start_fails(&mut cluster, "server-2026.crt");
    let conf = data.join("postgresql.auto.conf");
    let before = snapshot(&conf);

    for (lang, said) in [
        ("en", "holds a certificate for the key in"),
        ("ja", "の鍵の証明書があります"),
    ] {
        let out =
            crate::util::pgtls(&["--lang", lang, "fix", "-D", &data.display().to_string()]).stdout;
        assert!(out.contains(said), "{lang}: {out}");
    }
    let run = fix(&data, &["--apply"]);
    let v = run.json();
    let edit = edits_for(&v, "PGTLS002")
        .into_iter()
        .find(|e| e["kind"] == "setting")
        .cloned()
        .unwrap_or_else(|| panic!("a setting edit: {v:#}"));
    let found = data.join("server.crt").display().to_string();
    assert_eq!(edit["key"], "ssl_cert_file");
    assert_eq!(edit["before"], "server-2026.crt", "{edit}");
    assert_eq!(edit["after"], format!("'{found}'"), "{edit}");
    assert_eq!(edit["applicability"], "maybe-incorrect", "{edit}");
    assert_eq!(edit["then"], "restart", "{edit}");
    assert_eq!(v["applied"], serde_json::json!([]), "{v:#}");
    assert_eq!(snapshot(&conf), before, "nothing written without --unsafe");

    let run = fix(&data, &["--apply", "--unsafe"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["then"], serde_json::json!(["restart"]), "{v:#}");
    cluster.restart().expect("the server starts");
    all_connect(&cluster, &other);
    let v = fix(&data, &[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}

/// PGTLS002 for a certificate the server account cannot read (root:root
/// 0600): a certificate is public, 0644 is machine-applicable.
#[test]
fn a_server_certificate_the_server_cannot_read_gets_0644() {
    if !pgtls_lab::is_root() {
        eprintln!("skipped: root-owned files need the lab to run as root");
        return;
    }
    let (mut cluster, other) = two_clients();
    let data = cluster.data_dir().to_path_buf();
    let cert = data.join("server.crt");
    let pem = fs::read(&cert).expect("cert");
    cluster
        .write_file("server.crt", &pem, 0o600, Owner::Root)
        .expect("root 0600");
    start_fails(&mut cluster, "could not load server certificate file");
    let v = fix(&data, &[]).json();
    let edit = edits_for(&v, "PGTLS002")
        .into_iter()
        .find(|e| e["kind"] == "file-mode")
        .cloned()
        .unwrap_or_else(|| panic!("a file-mode edit: {v:#}"));
    assert_eq!(
        (edit["mode"].as_str(), edit["applicability"].as_str()),
        (Some("0644"), Some("machine-applicable")),
        "{edit}"
    );
    assert_eq!(snapshot(&cert).3, 0o600, "not without --apply");
    let run = fix(&data, &["--apply"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let (bytes, uid, _, mode) = snapshot(&cert);
    assert_eq!((bytes, uid, mode), (pem, 0, 0o644));
    cluster.restart().expect("the server starts");
    all_connect(&cluster, &other);
    let v = fix(&data, &[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}

/// PGTLS006: kong sends a certificate from the unrelated CA, which the
/// server's ssl_ca_file (the lab root) does not hold: the handshake fails.
/// The CA lies beside the client's certificate; the edit is ssl_cert_file's
/// CA file with it appended (a look first: every certificate that CA
/// issued is then accepted), written with --unsafe, a backup beside it;
/// after the reload the client connects, and the client whose certificate
/// comes from the lab root (healthy before) still does, as do Kong's paths.
#[test]
fn a_client_certificate_from_another_ca_gets_that_ca_in_ssl_ca_file() {
    let (cluster, other) = two_clients();
    let data = cluster.data_dir().to_path_buf();
    let d = data.display().to_string();
    let client = cert_conninfo(
        &cluster,
        "kong",
        files::CLIENT_OTHER_CA,
        files::CLIENT_OTHER_CA_KEY,
    );
    let out = cluster.psql(&client, &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_ne!(out.status, 0, "refused before");
    assert!(out.stderr.contains("unknown ca"), "{}", out.stderr);
    let ca_file = data.join("root.crt");
    let before = snapshot(&ca_file);

    let run = crate::util::pgtls(&[
        "--format", "json", "fix", "-D", &d, "--libpq", &client, "--apply",
    ]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edit = edits_for(&v, "PGTLS006")
        .into_iter()
        .find(|e| e["kind"] == "file-content")
        .cloned()
        .unwrap_or_else(|| panic!("a file-content edit: {v:#}"));
    assert_eq!(edit["file"], ca_file.display().to_string());
    assert_eq!(edit["applicability"], "maybe-incorrect", "{edit}");
    assert_eq!(edit["then"], "reload", "{edit}");
    let content = edit["content"].as_str().unwrap_or_default();
    let root = String::from_utf8(before.0.clone()).expect("pem");
    let other_ca = String::from_utf8(pki().read(files::OTHER_CA).expect("ca")).expect("pem");
    assert!(
        content.starts_with(&root) && content.ends_with(&other_ca),
        "the old CA file, then the client's CA: {content}"
    );
    assert!(!content.contains("PRIVATE KEY"));
    assert!(
        v["diff"]
            .as_str()
            .is_some_and(|d| d.contains("+-----BEGIN CERTIFICATE-----")),
        "{v:#}"
    );
    assert_eq!(v["applied"], serde_json::json!([]), "{v:#}");
    assert_eq!(
        snapshot(&ca_file),
        before,
        "nothing written without --unsafe"
    );
    for (lang, said) in [("en", "the issuing CA is in"), ("ja", "発行した CA は")] {
        let out = crate::util::pgtls(&["--lang", lang, "fix", "-D", &d, "--libpq", &client]).stdout;
        assert!(out.contains(said), "{lang}: {out}");
    }

    let run = crate::util::pgtls(&[
        "--format", "json", "fix", "-D", &d, "--libpq", &client, "--apply", "--unsafe", "--reload",
    ]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["then"], serde_json::json!(["reload"]), "{v:#}");
    let backup = v["backups"][0].as_str().expect("a backup");
    assert_eq!(fs::read(backup).expect("backup"), before.0);
    let after = snapshot(&ca_file);
    assert_eq!((after.1, after.2, after.3), (before.1, before.2, before.3));
    assert!(
        psql_connects(&cluster, &client),
        "the client of the other CA"
    );
    all_connect(&cluster, &other);
    let v = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &client]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}

/// PGTLS008: kong's pg_hba.conf line is `cert` and the client sends no
/// certificate. libpq: the lab's client_kong.crt (CN kong, from the
/// server's CA, valid, its key beside it) lies beside the client's
/// sslrootcert, so the edits name it (a look first: whose identity it is
/// only a person knows) and the corrected connection string connects.
/// Without such a file the edits hold placeholders and there is no
/// corrected string. Kong Enterprise: pg_ssl_cert and pg_ssl_cert_key are
/// added to kong.conf with --unsafe, and both of Kong's paths connect. The
/// client of another certificate and user, healthy before, still does.
#[test]
fn a_client_that_sends_no_certificate_is_given_one_where_it_is_known() {
    let cluster = start(
        crate::fix::mutual_tls()
            .hba_line("hostssl all kong_md5 127.0.0.1/32 md5 clientcert=verify-ca"),
    );
    let d = cluster.data_dir().display().to_string();
    let other = cert_conninfo(
        &cluster,
        "kong_md5",
        files::CLIENT_FOO,
        files::CLIENT_FOO_KEY,
    );
    assert!(psql_connects(&cluster, &other), "healthy before");
    let bare = verify_full(&cluster);
    let out = cluster.psql(&bare, &[("PGPASSWORD", LAB_PASSWORD)]);
    assert!(
        out.stderr
            .contains("connection requires a valid client certificate"),
        "{}",
        out.stderr
    );

    // libpq, with the certificate known.
    let run = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &bare]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS008");
    let keys: Vec<(&str, &str, &str)> = edits
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap_or_default(),
                e["after"].as_str().unwrap_or_default(),
                e["applicability"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let cert = crate::lab_util::path(files::CLIENT_KONG);
    let key = crate::lab_util::path(files::CLIENT_KONG_KEY);
    assert_eq!(
        keys,
        [
            ("sslcert", cert.as_str(), "maybe-incorrect"),
            ("sslkey", key.as_str(), "maybe-incorrect")
        ],
        "{v:#}"
    );
    let fixed = v["fixed_conninfo"]
        .as_str()
        .unwrap_or_else(|| panic!("a corrected connection string: {v:#}"));
    for (lang, said) in [
        ("en", "lies beside the client's trust file"),
        ("ja", "クライアントの信頼ファイルの隣に"),
    ] {
        let out = crate::util::pgtls(&["--lang", lang, "fix", "-D", &d, "--libpq", &bare]).stdout;
        assert!(out.contains(said), "{lang}: {out}");
    }
    assert!(psql_connects(&cluster, fixed), "psql with {fixed}");
    let v = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", fixed]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");

    // libpq, nothing known: placeholders, no corrected string.
    let dir = tempfile::tempdir().expect("dir");
    let root = dir.path().join("root.crt");
    fs::copy(pki().path(files::ROOT_CA), &root).expect("copy");
    let alone = bare.replace(
        &crate::lab_util::path(files::ROOT_CA),
        &root.display().to_string(),
    );
    let v = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &alone]).json();
    let edits = edits_for(&v, "PGTLS008");
    assert_eq!(edits.len(), 2, "{v:#}");
    assert!(
        edits
            .iter()
            .all(|e| e["applicability"] == "has-placeholders"),
        "{v:#}"
    );
    assert_eq!(v["fixed_conninfo"], Value::Null, "{v:#}");
    // Connected, without the server's files: the same placeholders; with
    // them too, the found certificate is planned once per keyword.
    let v = crate::util::pgtls(&["--format", "json", "fix", "--libpq", &alone, "--connect"]).json();
    let edits = edits_for(&v, "PGTLS008");
    assert_eq!(edits.len(), 2, "{v:#}");
    assert!(
        edits
            .iter()
            .all(|e| e["applicability"] == "has-placeholders"),
        "{v:#}"
    );
    let v = crate::util::pgtls(&[
        "--format",
        "json",
        "fix",
        "-D",
        &d,
        "--libpq",
        &bare,
        "--connect",
    ])
    .json();
    let edits = edits_for(&v, "PGTLS008");
    assert_eq!(edits.len(), 2, "{v:#}");
    assert!(
        edits
            .iter()
            .all(|e| e["applicability"] == "maybe-incorrect"),
        "{v:#}"
    );

    // Kong Enterprise.
    let kdir = tempfile::tempdir().expect("dir");
    let conf = crate::fix::write_kong_conf(&cluster, kdir.path(), "pg_ssl_required = on\n");
    let before = crate::fix::kong_probe(&conf);
    assert_eq!(before["ok"], false, "{before:#}");
    let kong_before = fs::read_to_string(&conf).expect("kong.conf");
    let run = crate::util::pgtls(&[
        "--format",
        "json",
        "fix",
        "-D",
        &d,
        "--kong-conf",
        &conf,
        "--apply",
    ]);
    let v = run.json();
    assert_eq!(v["applied"], serde_json::json!([]), "a look first: {v:#}");
    assert_eq!(
        fs::read_to_string(&conf).expect("kong.conf"),
        kong_before,
        "nothing written without --unsafe"
    );
    let run = crate::util::pgtls(&[
        "--format",
        "json",
        "fix",
        "-D",
        &d,
        "--kong-conf",
        &conf,
        "--apply",
        "--unsafe",
    ]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["then"], serde_json::json!(["restart"]), "{v:#}");
    let text = fs::read_to_string(&conf).expect("kong.conf");
    assert!(
        text.contains(&format!("pg_ssl_cert = {cert}"))
            && text.contains(&format!("pg_ssl_cert_key = {key}")),
        "{text}"
    );
    let after = crate::fix::kong_probe(&conf);
    assert_eq!(after["ok"], true, "both Kong paths: {after:#}");
    assert!(psql_connects(&cluster, &other), "healthy after");
    let v = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--kong-conf", &conf]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}

/// PGTLS011: kong's client certificate has expired; the server refuses
/// the handshake. Only the CA's holder can issue a new one: the edit is a
/// command with placeholders naming the issuer, the subject, the key and
/// the file, never run. Once the person has put a new certificate there,
/// fix finds nothing left and the client connects; Kong and the client
/// healthy before still do.
#[test]
fn an_expired_client_certificate_says_what_to_issue_and_then_connects() {
    let (cluster, other) = two_clients();
    let d = cluster.data_dir().display().to_string();
    let dir = tempfile::tempdir().expect("dir");
    let cert = dir.path().join("client.crt");
    let key = dir.path().join("client.key");
    let put = |c: &str, k: &str| {
        fs::write(&cert, pki().read(c).expect("cert")).expect("cert");
        fs::write(&key, pki().read(k).expect("key")).expect("key");
        fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .expect("chmod");
    };
    put(files::CLIENT_EXPIRED, files::CLIENT_EXPIRED_KEY);
    let client = format!(
        "{} sslcert={} sslkey={}",
        verify_full(&cluster),
        cert.display(),
        key.display()
    );
    let out = cluster.psql(&client, &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_ne!(out.status, 0, "refused before");
    assert!(out.stderr.contains("certificate expired"), "{}", out.stderr);
    let before = snapshot(&cert);

    let run = crate::util::pgtls(&[
        "--format", "json", "fix", "-D", &d, "--libpq", &client, "--apply", "--unsafe",
    ]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS011");
    assert_eq!(edits.len(), 1, "{v:#}");
    let edit = edits[0];
    assert_eq!(edit["kind"], "command", "{edit}");
    assert_eq!(edit["applicability"], "has-placeholders", "{edit}");
    assert_eq!(edit["then"], "reconnect", "{edit}");
    let command = edit["command"].as_str().unwrap_or_default();
    assert!(
        command.contains(&cert.display().to_string())
            && command.contains(&key.display().to_string())
            && command.contains("CN=kong")
            && command.contains(pgtls_lab::ROOT_CA_CN),
        "{command}"
    );
    assert_eq!(v["applied"], serde_json::json!([]), "never run");
    assert_eq!(snapshot(&cert), before, "nothing written");
    assert!(
        !v.to_string().contains("PRIVATE KEY"),
        "no key in the output"
    );

    // The person's step.
    put(files::CLIENT_KONG, files::CLIENT_KONG_KEY);
    let v = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &client]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
    assert!(psql_connects(&cluster, &client), "the renewed client");
    all_connect(&cluster, &other);
}

/// `pgtls fix --connect`: Kong trusts only the unrelated CA. From the
/// files alone (no data directory) nothing says the server's chain needs
/// another CA; connecting as Kong does shows it, and the lab root lies
/// beside the trust file: lua_ssl_trusted_certificate gets it appended
/// (Kong reads a list), machine-applicable, a Kong restart to follow.
/// Applied, both of Kong's paths connect; psql and the client healthy
/// before still do; with the data directory too the edit is planned once;
/// a second run plans nothing.
#[test]
fn fix_connect_gives_kong_the_ca_the_server_chain_needs() {
    let (cluster, other) = two_clients();
    let d = cluster.data_dir().display().to_string();
    let dir = tempfile::tempdir().expect("dir");
    let conf = crate::fix::write_kong_conf(&cluster, dir.path(), "");
    let root = crate::lab_util::path(files::ROOT_CA);
    let other_ca = crate::lab_util::path(files::OTHER_CA);
    // The trust line right after pg_password: the diff's context would
    // show the password, were it not masked.
    let text = fs::read_to_string(&conf).expect("kong.conf");
    let trust = format!("lua_ssl_trusted_certificate = {other_ca}\n");
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("lua_ssl_trusted_certificate"))
        .flat_map(|l| {
            let extra = if l.starts_with("pg_password") {
                trust.clone()
            } else {
                String::new()
            };
            [format!("{l}\n"), extra]
        })
        .collect();
    fs::write(&conf, text).expect("kong.conf");
    let before = crate::fix::kong_probe(&conf);
    assert_eq!(before["ok"], false, "{before:#}");
    let trust_edit = |v: &Value| -> Vec<Value> {
        v["edits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["key"] == "lua_ssl_trusted_certificate")
            .cloned()
            .collect()
    };

    // Without a server's files, fix needs the connection.
    let run = crate::util::pgtls(&["--format", "json", "fix", "--kong-conf", &conf]);
    assert_eq!(run.status, 2, "{}{}", run.stdout, run.stderr);

    // Connected: shown, not written.
    let snap = snapshot(std::path::Path::new(&conf));
    let run = crate::util::pgtls(&["--format", "json", "fix", "--kong-conf", &conf, "--connect"]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = trust_edit(&v);
    assert_eq!(edits.len(), 1, "{v:#}");
    let e = &edits[0];
    assert_eq!(e["after"], format!("{other_ca},{root}"), "{e}");
    assert_eq!(e["applicability"], "machine-applicable", "{e}");
    assert_eq!(e["then"], "restart", "{e}");
    assert!(e["fixes"].to_string().contains("PGTLS005"), "{e}");
    assert!(
        v["findings"].to_string().contains("PGTLS005"),
        "the connection's finding: {v:#}"
    );
    assert_eq!(
        snapshot(std::path::Path::new(&conf)),
        snap,
        "nothing written"
    );
    // With the data directory as well: planned once.
    let v = crate::util::pgtls(&[
        "--format",
        "json",
        "fix",
        "-D",
        &d,
        "--kong-conf",
        &conf,
        "--connect",
    ])
    .json();
    assert_eq!(trust_edit(&v).len(), 1, "{v:#}");
    let text = crate::util::pgtls(&["fix", "--kong-conf", &conf, "--connect"]).stdout;
    assert!(
        text.contains(&format!("+lua_ssl_trusted_certificate = {other_ca},{root}")),
        "{text}"
    );
    assert!(text.contains(" pg_password = ***"), "{text}");
    assert!(
        !text.contains(LAB_PASSWORD),
        "no password in the output: {text}"
    );
    assert!(!v.to_string().contains(LAB_PASSWORD), "nor in JSON");
    let ja = crate::util::pgtls(&["--lang", "ja", "fix", "--kong-conf", &conf, "--connect"]).stdout;
    assert!(ja.contains("何も書き込んでいません"), "{ja}");

    // Applied; it is Kong that restarts (a copy, in text).
    let copy_dir = tempfile::tempdir().expect("dir");
    let copy = copy_dir.path().join("kong.conf");
    fs::copy(&conf, &copy).expect("copy");
    let copy = copy.display().to_string();
    let text = crate::util::pgtls(&["fix", "--kong-conf", &copy, "--connect", "--apply"]).stdout;
    assert!(
        text.contains("then: restart Kong (kong restart)") && !text.contains("pg_ctl"),
        "{text}"
    );
    let run = crate::util::pgtls(&[
        "--format",
        "json",
        "fix",
        "--kong-conf",
        &conf,
        "--connect",
        "--apply",
    ]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["then"], serde_json::json!(["restart"]), "{v:#}");
    assert!(
        v["findings"]
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["severity"] != "error")),
        "{v:#}"
    );
    let after = crate::fix::kong_probe(&conf);
    assert_eq!(after["ok"], true, "both Kong paths: {after:#}");
    all_connect(&cluster, &other);
    let v =
        crate::util::pgtls(&["--format", "json", "fix", "--kong-conf", &conf, "--connect"]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}

/// `pgtls fix --connect` for libpq: sslrootcert holds only the unrelated
/// CA; the lab root lies beside it. libpq reads one file, so the edit is a
/// new bundle beside it (both CAs) and sslrootcert naming it; --apply
/// writes the bundle (0644, no key), and the corrected connection string
/// connects.
#[test]
fn fix_connect_gives_libpq_a_bundle_with_the_ca_the_server_chain_needs() {
    let (cluster, other) = two_clients();
    let dir = tempfile::tempdir().expect("dir");
    let only = dir.path().join("other_ca.crt");
    fs::copy(pki().path(files::OTHER_CA), &only).expect("copy");
    fs::copy(pki().path(files::ROOT_CA), dir.path().join("root_ca.crt")).expect("copy");
    let conninfo = verify_full(&cluster).replace(
        &crate::lab_util::path(files::ROOT_CA),
        &only.display().to_string(),
    );
    assert_ne!(
        cluster
            .psql(&conninfo, &[("PGPASSWORD", LAB_PASSWORD)])
            .status,
        0,
        "refused before"
    );
    let bundle = dir.path().join("root-bundle.crt");
    let run = crate::util::pgtls(&["--format", "json", "fix", "--libpq", &conninfo, "--connect"]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert!(
        v["edits"].as_array().is_some_and(|e| e
            .iter()
            .any(|e| e["kind"] == "file-content" && e["file"] == bundle.display().to_string())),
        "{v:#}"
    );
    assert!(!bundle.exists(), "nothing written");
    let run = crate::util::pgtls(&[
        "--format",
        "json",
        "fix",
        "--libpq",
        &conninfo,
        "--connect",
        "--apply",
    ]);
    let v = run.json();
    let fixed = v["fixed_conninfo"]
        .as_str()
        .unwrap_or_else(|| panic!("a corrected connection string: {v:#}"));
    assert!(
        fixed.contains(&format!("sslrootcert={}", bundle.display())),
        "{fixed}"
    );
    let written = fs::read_to_string(&bundle).expect("the bundle");
    assert!(!written.contains("PRIVATE KEY"));
    assert_eq!(
        fs::metadata(&bundle).expect("bundle").mode() & 0o7777,
        0o644
    );
    assert!(psql_connects(&cluster, fixed), "psql with {fixed}");
    all_connect(&cluster, &other);
    let v = crate::util::pgtls(&["--format", "json", "fix", "--libpq", fixed, "--connect"]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}

/// `--connect` without a client to connect as cannot run (exit 2), in
/// both languages; nothing is written.
#[test]
fn fix_connect_needs_a_client() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().display().to_string();
    let run = crate::util::pgtls(&["fix", "-D", &d, "--connect"]);
    assert_eq!(run.status, 2, "{}{}", run.stdout, run.stderr);
    let run = crate::util::pgtls(&["fix", "--connect"]);
    assert_eq!(run.status, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("--connect needs a client"),
        "{}",
        run.stderr
    );
    let run = crate::util::pgtls(&["--lang", "ja", "fix", "--connect"]);
    assert!(
        run.stderr.contains("クライアントの指定が必要"),
        "{}",
        run.stderr
    );
    let run = crate::util::pgtls(&["fix", "--timeout", "3", "--kong"]);
    assert_eq!(run.status, 2, "--timeout needs --connect: {}", run.stderr);
    assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 0);
}

/// PGTLS003, the key is gone: only its holder can put it back. The edit
/// is the `install` command with the owner, group and mode the server
/// takes, the key a placeholder; never run. The person runs it with the
/// key in place of the placeholder: fix finds nothing left, the server
/// starts and every client connects.
#[test]
fn a_missing_server_key_says_how_to_install_it_and_the_server_then_starts() {
    let (mut cluster, other) = two_clients();
    let data = cluster.data_dir().to_path_buf();
    let key = data.join("server.key");
    fs::remove_file(&key).expect("rm server.key");
    start_fails(
        &mut cluster,
        "could not access private key file \"server.key\": No such file or directory",
    );
    let run = fix(&data, &["--apply", "--unsafe"]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS003");
    assert_eq!(edits.len(), 1, "{v:#}");
    let edit = edits[0];
    assert_eq!(edit["kind"], "command", "{edit}");
    assert_eq!(edit["applicability"], "has-placeholders", "{edit}");
    assert_eq!(edit["then"], "restart", "{edit}");
    assert_eq!(v["applied"], serde_json::json!([]), "never run");
    assert!(!key.exists(), "nothing written");

    // The person's step: the command as printed, the key in place of the
    // placeholder.
    let command = edit["command"].as_str().unwrap_or_default();
    let (start, end) = (
        command.find('<').expect("a placeholder"),
        command.rfind('>').expect("a placeholder"),
    );
    let lab_key = crate::lab_util::path(files::SERVER_KEY);
    let command = format!("{}{lab_key}{}", &command[..start], &command[end + 1..]);
    assert!(command.starts_with("install -o "), "{command}");
    let out = std::process::Command::new("sh")
        .args(["-c", &command])
        .output()
        .expect("sh");
    assert!(out.status.success(), "{command}: {out:?}");
    let v = fix(&data, &[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
    cluster.restart().expect("the server starts");
    all_connect(&cluster, &other);
}

/// PGTLS028: the client's `sslkey` names a file that is not there while
/// the key of its certificate lies beside the certificate. psql refuses
/// (`certificate present, but not private key file`); the fix names the
/// key whose public half is the certificate's, machine-applicable, and
/// the corrected connection string connects while the others still do.
#[test]
fn a_missing_client_key_is_found_beside_its_certificate() {
    let (cluster, other) = two_clients();
    let d = cluster.data_dir().display().to_string();
    let key = crate::lab_util::path(files::CLIENT_FOO_KEY);
    let broken = other.replace(&key, "/nonexistent/client_foo.key");
    assert_ne!(broken, other);
    let out = cluster.psql(&broken, &[("PGPASSWORD", LAB_PASSWORD)]);
    assert!(
        out.stderr
            .contains("certificate present, but not private key file"),
        "{}",
        out.stderr
    );
    let run = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &broken]);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS028");
    assert_eq!(edits.len(), 1, "{v:#}");
    assert_eq!(edits[0]["key"], "sslkey");
    assert_eq!(edits[0]["after"], key.as_str());
    assert_eq!(edits[0]["applicability"], "machine-applicable");
    assert!(
        !run.stdout.contains("PRIVATE KEY"),
        "a key is compared, never shown"
    );
    let fixed = v["fixed_conninfo"].as_str().expect("fixed_conninfo");
    assert!(psql_connects(&cluster, fixed), "psql with {fixed}");
    all_connect(&cluster, &other);
    let again = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", fixed]).json();
    assert_eq!(
        again["edits"],
        serde_json::json!([]),
        "nothing left: {again:#}"
    );
}

/// PGTLS012: libpq dials 127.0.0.1 with verify-full and the server's
/// certificate names db.example.com only. The fix keeps the address as
/// `hostaddr` and names the certificate's name as `host` (`--unsafe`: the
/// name must be this server's); the corrected connection string connects,
/// and both Kong paths (which check no host name) and a verify-ca client
/// connect before and after.
#[test]
fn a_client_dialling_an_address_gets_the_certificates_name_as_host() {
    let cluster = start(crate::lab_util::tls_scram(
        files::SERVER_OTHER_HOST,
        files::SERVER_OTHER_HOST_KEY,
    ));
    let d = cluster.data_dir().display().to_string();
    let root = crate::lab_util::path(files::ROOT_CA);
    let broken = format!(
        "host=127.0.0.1 port={} user=kong dbname=kong sslmode=verify-full sslrootcert={root}",
        cluster.port()
    );
    let verify_ca = broken.replace("verify-full", "verify-ca");
    let out = cluster.psql(&broken, &[("PGPASSWORD", LAB_PASSWORD)]);
    assert!(
        out.stderr.contains("does not match host name"),
        "{}",
        out.stderr
    );
    assert!(psql_connects(&cluster, &verify_ca), "verify-ca before");
    let dir = tempfile::tempdir().expect("dir");
    assert_eq!(
        kong_connects(&cluster, dir.path())["ok"],
        true,
        "Kong before"
    );

    let v = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &broken]).json();
    let planned: Vec<(String, String, String)> = edits_for(&v, "PGTLS012")
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap_or_default().to_string(),
                e["after"].as_str().unwrap_or_default().to_string(),
                e["applicability"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        planned,
        [
            (
                "host".into(),
                "db.example.com".into(),
                "maybe-incorrect".into()
            ),
            (
                "hostaddr".into(),
                "127.0.0.1".into(),
                "maybe-incorrect".into()
            ),
        ],
        "{v:#}"
    );
    let v = crate::util::pgtls(&[
        "--format", "json", "fix", "-D", &d, "--libpq", &broken, "--apply", "--unsafe",
    ])
    .json();
    let fixed = v["fixed_conninfo"]
        .as_str()
        .expect("fixed_conninfo")
        .to_string();
    assert!(psql_connects(&cluster, &fixed), "psql with {fixed}");
    assert!(psql_connects(&cluster, &verify_ca), "verify-ca after");
    assert_eq!(
        kong_connects(&cluster, dir.path())["ok"],
        true,
        "Kong after"
    );
    let again =
        crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &fixed]).json();
    assert_eq!(
        again["edits"],
        serde_json::json!([]),
        "nothing left: {again:#}"
    );
    // What the connection shows, without the server's files, the same.
    let v =
        crate::util::pgtls(&["--format", "json", "fix", "--connect", "--libpq", &broken]).json();
    let fixed = v["fixed_conninfo"]
        .as_str()
        .unwrap_or_else(|| panic!("fixed_conninfo from the connection: {v:#}"));
    assert!(fixed.contains("host=db.example.com"), "{fixed}");
    assert!(psql_connects(&cluster, fixed), "psql with {fixed}");
}

/// PGTLS033: pg_hba.conf of a PostgreSQL 15 holds `include hba_extra.conf`
/// (a record 16 introduced), so the server does not start. The fix puts
/// the included line in the record's place, keeping the record as a
/// comment; the server then starts, the client the included line admits
/// connects, and so do both Kong paths and the other client.
#[test]
fn an_include_record_on_15_is_replaced_by_the_lines_it_includes() {
    let (mut cluster, other) = two_clients();
    let data = cluster.data_dir().to_path_buf();
    cluster
        .write_file(
            "hba_extra.conf",
            b"hostssl all kong 127.0.0.1/32 scram-sha-256\n",
            0o600,
            Owner::ServerUser,
        )
        .expect("hba_extra.conf");
    cluster
        .write_hba(
            "include hba_extra.conf\nhostssl all kong_md5 127.0.0.1/32 md5 clientcert=verify-ca",
        )
        .expect("pg_hba.conf");
    start_fails(&mut cluster, "could not load pg_hba.conf");
    let hba = data.join("pg_hba.conf");
    let before = snapshot(&hba);
    let v = fix(&data, &[]).json();
    let edits = edits_for(&v, "PGTLS033");
    assert_eq!(edits.len(), 1, "{v:#}");
    assert_eq!(edits[0]["applicability"], "machine-applicable");
    assert_eq!(snapshot(&hba), before, "nothing written without --apply");
    let run = fix(&data, &["--apply"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let text = fs::read_to_string(&hba).expect("pg_hba.conf");
    assert!(
        text.contains("# include hba_extra.conf")
            && text.contains("\nhostssl all kong 127.0.0.1/32 scram-sha-256\n"),
        "{text}"
    );
    cluster
        .restart()
        .expect("the server starts with the lines inlined");
    all_connect(&cluster, &other);
    let again = fix(&data, &[]).json();
    assert_eq!(
        again["edits"],
        serde_json::json!([]),
        "nothing left: {again:#}"
    );
}

/// PGTLS021: libpq with `sslmode=prefer` would go on without TLS if
/// anything answered `N`. What the connection shows gives
/// `sslmode=verify-full` (its sslrootcert holds the server's CA); the
/// corrected connection string connects over verified TLS, and a client
/// that was healthy before still connects. (Certificate authentication:
/// pgtls sends no password over a connection that may fall back.)
#[test]
fn a_client_that_would_fall_back_to_plaintext_is_made_to_verify() {
    let cluster = start(
        crate::fix::mutual_tls()
            .hba_line("hostssl all kong_md5 127.0.0.1/32 md5 clientcert=verify-ca"),
    );
    let other = cert_conninfo(
        &cluster,
        "kong_md5",
        files::CLIENT_FOO,
        files::CLIENT_FOO_KEY,
    );
    assert!(psql_connects(&cluster, &other), "healthy before");
    let prefer = cert_conninfo(&cluster, "kong", files::CLIENT_KONG, files::CLIENT_KONG_KEY)
        .replace("sslmode=verify-full", "sslmode=prefer");
    assert!(
        psql_connects(&cluster, &prefer),
        "prefer connects (over TLS)"
    );
    let fix_connect = |conninfo: &str| {
        crate::util::pgtls(&["--format", "json", "fix", "--connect", "--libpq", conninfo]).json()
    };
    let v = fix_connect(&prefer);
    let edits = edits_for(&v, "PGTLS021");
    assert_eq!(edits.len(), 1, "{v:#}");
    assert_eq!(
        (edits[0]["key"].as_str(), edits[0]["after"].as_str()),
        (Some("sslmode"), Some("verify-full")),
        "{v:#}"
    );
    let fixed = v["fixed_conninfo"].as_str().expect("fixed_conninfo");
    assert!(fixed.contains("sslmode=verify-full"), "{fixed}");
    assert!(psql_connects(&cluster, fixed), "psql with {fixed}");
    assert!(psql_connects(&cluster, &other), "the other client after");
    let again = fix_connect(fixed);
    assert_eq!(
        again["edits"],
        serde_json::json!([]),
        "nothing left: {again:#}"
    );
}

/// PGTLS022: the server's key is RSA 1024, which Debian's OpenSSL (security
/// level 2) refuses, so the server does not start (`ee key too small`).
/// Only a person can make a new key and have it certified: the edit is a
/// command with placeholders naming what to issue and where it goes, never
/// run. Once the person has done it, fix finds nothing, the server starts
/// and every client connects.
#[test]
fn a_weak_server_key_says_what_to_issue_and_the_server_then_starts() {
    let (mut cluster, other) = two_clients();
    let data = cluster.data_dir().to_path_buf();
    let put = |cluster: &Cluster, cert: &str, key: &str| {
        for (name, file, mode) in [("server.crt", cert, 0o644), ("server.key", key, 0o600)] {
            let pem = pki().read(file).expect("lab file");
            cluster
                .write_file(name, &pem, mode, Owner::ServerUser)
                .expect("write");
        }
    };
    put(&cluster, files::SERVER_WEAK, files::SERVER_WEAK_KEY);
    start_fails(&mut cluster, "ee key too small");
    let cert = data.join("server.crt");
    let before = snapshot(&cert);
    let v = fix(&data, &["--apply", "--unsafe"]).json();
    let edits = edits_for(&v, "PGTLS022");
    assert_eq!(edits.len(), 1, "{v:#}");
    let edit = edits[0];
    assert_eq!(
        (
            edit["kind"].as_str(),
            edit["applicability"].as_str(),
            edit["then"].as_str()
        ),
        (Some("command"), Some("has-placeholders"), Some("restart")),
        "{edit}"
    );
    let command = edit["command"].as_str().unwrap_or_default();
    assert!(
        command.contains("P-256") && command.contains(&cert.display().to_string()),
        "{command}"
    );
    assert_eq!(v["applied"], serde_json::json!([]), "never run");
    assert_eq!(snapshot(&cert), before, "nothing written");
    // The person's step: a strong key and its certificate.
    put(&cluster, files::SERVER, files::SERVER_KEY);
    let v = fix(&data, &[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
    cluster.restart().expect("the server starts");
    all_connect(&cluster, &other);
    // PGTLS023 is the same person's step ahead of time: the lab's
    // certificate has about a year left, inside a 400-day warning.
    let v = fix(&data, &["--warn-days", "400"]).json();
    let edits = edits_for(&v, "PGTLS023");
    assert_eq!(edits.len(), 1, "{v:#}");
    assert_eq!(
        (
            edits[0]["applicability"].as_str(),
            edits[0]["then"].as_str()
        ),
        (Some("has-placeholders"), Some("reload")),
        "{v:#}"
    );
    assert!(edits[0]["command"]
        .as_str()
        .is_some_and(|c| c.contains(&cert.display().to_string())));
}

/// PGTLS021 from the files alone (check, `-D`): libpq with
/// `sslmode=prefer` and a trust file that verifies the server's
/// certificate, as read from the data directory, which names the host
/// dialled: `sslmode=verify-full`, machine-applicable. The corrected
/// string connects over verified TLS and the client healthy before still
/// connects. A trust file that does not verify the server gets
/// verify-full only together with the CA file a person names (nothing
/// applied); one that verifies a certificate naming another host gets
/// verify-ca, after a look.
#[test]
fn check_makes_a_client_that_would_fall_back_verify_what_its_trust_file_verifies() {
    let (cluster, other) = two_clients();
    let d = cluster.data_dir().display().to_string();
    let prefer = verify_full(&cluster).replace("sslmode=verify-full", "sslmode=prefer");
    assert!(psql_connects(&cluster, &prefer), "prefer connects");
    let fix_d = |conninfo: &str, extra: &[&str]| {
        let mut args = vec!["--format", "json", "fix", "-D", &d, "--libpq", conninfo];
        args.extend_from_slice(extra);
        crate::util::pgtls(&args)
    };
    let v = fix_d(&prefer, &[]).json();
    let edits = edits_for(&v, "PGTLS021");
    assert_eq!(edits.len(), 1, "{v:#}");
    assert_eq!(
        (
            edits[0]["key"].as_str(),
            edits[0]["before"].as_str(),
            edits[0]["after"].as_str(),
            edits[0]["applicability"].as_str()
        ),
        (
            Some("sslmode"),
            Some("prefer"),
            Some("verify-full"),
            Some("machine-applicable")
        ),
        "{v:#}"
    );
    let run = fix_d(&prefer, &["--apply"]);
    let v = run.json();
    let fixed = v["fixed_conninfo"].as_str().expect("fixed_conninfo");
    assert!(fixed.contains("sslmode=verify-full"), "{fixed}");
    assert!(psql_connects(&cluster, fixed), "psql with {fixed}");
    all_connect(&cluster, &other);
    let dir = tempfile::tempdir().expect("dir");
    let again = fix_d(fixed, &[]).json();
    assert!(
        edits_for(&again, "PGTLS021").is_empty()
            && !again["findings"].to_string().contains("PGTLS021"),
        "nothing left: {again:#}"
    );

    // A trust file that does not verify this server: the CA file is the
    // person's to name; nothing of it is applied.
    let untrusted = prefer.replace(
        &crate::lab_util::path(files::ROOT_CA),
        &crate::lab_util::path(files::OTHER_CA),
    );
    let run = fix_d(&untrusted, &["--apply", "--unsafe"]);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS021");
    assert_eq!(edits.len(), 2, "{v:#}");
    assert!(
        edits
            .iter()
            .all(|e| e["applicability"] == "has-placeholders"),
        "{v:#}"
    );
    assert!(v["fixed_conninfo"].is_null(), "{v:#}");

    // Dialling an address the certificate does not name: verify-ca.
    let by_address = prefer.replace("host=127.0.0.1", "host=127.0.0.2 hostaddr=127.0.0.1");
    let v = fix_d(&by_address, &[]).json();
    let edits = edits_for(&v, "PGTLS021");
    assert_eq!(
        (
            edits[0]["after"].as_str(),
            edits[0]["applicability"].as_str()
        ),
        (Some("verify-ca"), Some("maybe-incorrect")),
        "{v:#}"
    );
    let v = fix_d(&by_address, &["--apply", "--unsafe"]).json();
    let fixed = v["fixed_conninfo"].as_str().expect("fixed_conninfo");
    assert!(psql_connects(&cluster, fixed), "psql with {fixed}");

    // Kong with pg_ssl_verify = off, its trust file holding the server's
    // CA: verification turned on (Kong restarts), and both paths connect.
    let conf = crate::fix::write_kong_conf(&cluster, dir.path(), "");
    let text = fs::read_to_string(&conf).expect("kong.conf");
    fs::write(
        &conf,
        text.replace("pg_ssl_verify = on", "pg_ssl_verify = off"),
    )
    .expect("conf");
    let v = crate::util::pgtls(&["--format", "json", "fix", "-D", &d, "--kong-conf", &conf]).json();
    let edits = edits_for(&v, "PGTLS021");
    assert_eq!(edits.len(), 1, "{v:#}");
    assert_eq!(
        (
            edits[0]["key"].as_str(),
            edits[0]["after"].as_str(),
            edits[0]["then"].as_str()
        ),
        (Some("pg_ssl_verify"), Some("on"), Some("restart")),
        "{v:#}"
    );
    let v = crate::fix::fix_kong_conf(&d, &conf);
    assert_eq!(v["applied"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert!(fs::read_to_string(&conf)
        .expect("conf")
        .contains("pg_ssl_verify = on"));
    assert_eq!(crate::fix::kong_probe(&conf)["ok"], true, "both Kong paths");
    all_connect(&cluster, &other);

    // Kong without TLS at all (kong's line is hostssl: refused): TLS on,
    // and verified.
    let text = fs::read_to_string(&conf).expect("kong.conf");
    fs::write(
        &conf,
        text.replace("pg_ssl = on", "pg_ssl = off")
            .replace("pg_ssl_verify = on", "pg_ssl_verify = off"),
    )
    .expect("conf");
    assert_eq!(crate::fix::kong_probe(&conf)["ok"], false, "refused before");
    let v = crate::fix::fix_kong_conf(&d, &conf);
    let mut keys: Vec<&str> = edits_for(&v, "PGTLS021")
        .iter()
        .filter_map(|e| e["key"].as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["pg_ssl", "pg_ssl_verify"], "{v:#}");
    assert_eq!(crate::fix::kong_probe(&conf)["ok"], true, "both Kong paths");
    all_connect(&cluster, &other);
}

/// PGTLS017: kong_md5's line asks for scram-sha-256 while
/// postgresql.conf sets password_encryption = 'md5', under which its
/// password was stored: the server refuses the right password (`password
/// authentication failed`). The connection shows the refusal and the
/// files say why: password_encryption becomes 'scram-sha-256'
/// (machine-applicable, a reload), and setting the password again is the
/// person's step, a command whose password is a placeholder, never run.
/// Once the person has run it, kong_md5 connects; psql, both Kong paths and
/// the client healthy before still do.
#[test]
fn a_password_stored_as_md5_for_a_scram_line_is_set_again_under_scram() {
    let cluster = start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .hba_line("hostssl all kong 127.0.0.1/32 scram-sha-256")
            .hba_line("hostssl all kong_md5 127.0.0.1/32 scram-sha-256"),
    );
    append_auto_conf(&cluster, "password_encryption = 'md5'");
    cluster.reload().expect("reload");
    let d = cluster.data_dir().display().to_string();
    let broken = verify_full(&cluster).replace("user=kong", "user=kong_md5");
    let out = cluster.psql(&broken, &[("PGPASSWORD", LAB_PASSWORD)]);
    assert!(
        out.stderr
            .contains("password authentication failed for user \"kong_md5\""),
        "{}",
        out.stderr
    );
    let healthy = verify_full(&cluster);
    assert!(psql_connects(&cluster, &healthy), "kong before");
    let pw = [("PGPASSWORD", std::ffi::OsStr::new(LAB_PASSWORD))];
    let fix_run = |extra: &[&str]| {
        let mut args = vec![
            "--format",
            "json",
            "fix",
            "-D",
            &d,
            "--libpq",
            &broken,
            "--connect",
        ];
        args.extend_from_slice(extra);
        crate::util::pgtls_env(&args, &pw)
    };
    let run = fix_run(&[]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS017");
    let planned: Vec<(&str, &str)> = edits
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default(),
                e["applicability"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        planned,
        [
            ("setting", "machine-applicable"),
            ("command", "has-placeholders")
        ],
        "{v:#}"
    );
    assert_eq!(edits[0]["key"], "password_encryption", "{v:#}");
    assert_eq!(edits[0]["after"], "'scram-sha-256'", "{v:#}");
    let command = edits[1]["command"].as_str().unwrap_or_default().to_string();
    assert!(
        command.contains("ALTER ROLE kong_md5 PASSWORD '<password>'"),
        "{command}"
    );
    assert!(
        !run.stdout.contains(LAB_PASSWORD) && !run.stderr.contains(LAB_PASSWORD),
        "no password in the output"
    );

    let run = fix_run(&["--apply", "--reload"]);
    let v = run.json();
    assert!(v["reloaded_pid"].is_number(), "{v:#}");
    assert_eq!(v["applied"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert!(
        !psql_connects(&cluster, &broken),
        "the stored password is still MD5: the person's step is left"
    );
    // The person's step: the command, with the password typed in.
    let sql = command
        .split_once('"')
        .and_then(|(_, rest)| rest.rsplit_once('"'))
        .map(|(sql, _)| sql.replace("<password>", LAB_PASSWORD))
        .expect("the SQL of the command");
    cluster.sql(&sql).expect("ALTER ROLE");
    assert!(psql_connects(&cluster, &broken), "kong_md5 after");
    assert!(psql_connects(&cluster, &healthy), "kong after");
    let dir = tempfile::tempdir().expect("dir");
    assert_eq!(
        kong_connects(&cluster, dir.path())["ok"],
        true,
        "both Kong paths"
    );
    let v = fix_run(&[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
}

/// PGTLS026: kong's line is `password`, and libpq (sslmode=require) and
/// Kong (pg_ssl_verify = off) do not verify the server: the probe keeps
/// the password from the server it cannot verify. The fix makes each
/// client verify (its trust file verifies the server's certificate:
/// machine-applicable) and moves the line to scram-sha-256 (after a look:
/// roles whose password is stored as MD5 could no longer log in). Applied
/// and reloaded, the probe sends the password, now to a verified server,
/// and connects; psql, both Kong paths and the client healthy before
/// (kong_md5, by md5 and its certificate) still connect.
#[test]
fn a_password_asked_for_over_an_unverified_connection_is_fixed_on_both_sides() {
    let cluster = start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .with_client_ca(pki())
            .expect("client CA")
            .hba_line("hostssl all kong 127.0.0.1/32 password")
            .hba_line("hostssl all kong_md5 127.0.0.1/32 md5 clientcert=verify-ca"),
    );
    let other = cert_conninfo(
        &cluster,
        "kong_md5",
        files::CLIENT_FOO,
        files::CLIENT_FOO_KEY,
    );
    assert!(psql_connects(&cluster, &other), "healthy before");
    let d = cluster.data_dir().display().to_string();
    // No trust file at all: with one, libpq's require verifies the chain.
    let root = crate::lab_util::path(files::ROOT_CA);
    let unverified = verify_full(&cluster)
        .replace("sslmode=verify-full", "sslmode=require")
        .replace(&format!(" sslrootcert={root}"), "");
    let dir = tempfile::tempdir().expect("dir");
    let conf = crate::fix::write_kong_conf(&cluster, dir.path(), "");
    let text = fs::read_to_string(&conf).expect("kong.conf");
    fs::write(
        &conf,
        text.replace("pg_ssl_verify = on", "pg_ssl_verify = off"),
    )
    .expect("conf");
    let pw = [("PGPASSWORD", std::ffi::OsStr::new(LAB_PASSWORD))];
    let probe = |conninfo: &str| {
        crate::util::pgtls_env(&["--format", "json", "probe", conninfo], &pw).json()
    };
    let v = probe(&unverified);
    assert!(v["findings"].to_string().contains("PGTLS026"), "{v:#}");
    let v = crate::fix::kong_probe(&conf);
    assert!(v["findings"].to_string().contains("PGTLS026"), "{v:#}");

    let fix_run = |extra: &[&str]| {
        let mut args = vec![
            "--format",
            "json",
            "fix",
            "-D",
            &d,
            "--libpq",
            &unverified,
            "--kong-conf",
            &conf,
            "--connect",
        ];
        args.extend_from_slice(extra);
        crate::util::pgtls_env(&args, &pw).json()
    };
    let v = fix_run(&[]);
    let edits = edits_for(&v, "PGTLS026");
    let find = |kind: &str, key: &str| {
        edits
            .iter()
            .find(|e| e["kind"] == kind && (key.is_empty() || e["key"] == key))
            .unwrap_or_else(|| panic!("a {kind} {key} edit: {v:#}"))
    };
    // Which CA is the person's to name: neither is written alone.
    let sslmode = find("conninfo", "sslmode");
    assert_eq!(
        (sslmode["after"].as_str(), sslmode["applicability"].as_str()),
        (Some("verify-full"), Some("has-placeholders")),
        "{sslmode}"
    );
    let rootcert = find("conninfo", "sslrootcert");
    assert_eq!(rootcert["applicability"], "has-placeholders", "{rootcert}");
    let verify = find("setting", "pg_ssl_verify");
    assert_eq!(verify["after"], "on", "{verify}");
    let line = find("hba-line", "");
    assert_eq!(
        (line["after"].as_str(), line["applicability"].as_str()),
        (
            Some("hostssl all kong 127.0.0.1/32 scram-sha-256"),
            Some("maybe-incorrect")
        ),
        "{line}"
    );
    let text =
        crate::util::pgtls_env(&["fix", "-D", &d, "--libpq", &unverified, "--connect"], &pw).stdout;
    assert!(
        text.contains("stored as MD5"),
        "why it needs a look: {text}"
    );
    assert!(!text.contains(LAB_PASSWORD), "no password in the output");
    let ja = crate::util::pgtls_env(
        &[
            "--lang",
            "ja",
            "fix",
            "-D",
            &d,
            "--libpq",
            &unverified,
            "--connect",
        ],
        &pw,
    )
    .stdout;
    assert!(ja.contains("MD5 で保存"), "{ja}");

    let v = fix_run(&["--apply", "--unsafe", "--reload"]);
    assert!(v["reloaded_pid"].is_number(), "{v:#}");
    assert!(v["fixed_conninfo"].is_null(), "{v:#}");
    assert!(
        fs::read_to_string(cluster.data_dir().join("pg_hba.conf"))
            .expect("pg_hba.conf")
            .contains("hostssl all kong 127.0.0.1/32 scram-sha-256"),
        "the line"
    );
    // The person's step: the CA that issued the server's certificate.
    let fixed = format!(
        "{} sslrootcert={root}",
        unverified.replace("sslmode=require", "sslmode=verify-full")
    );
    let after = (0..50)
        .map(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            probe(&fixed)
        })
        .find(|v| v["ok"] == true)
        .unwrap_or_else(|| panic!("the probe connects with {fixed}: {:#}", probe(&fixed)));
    assert!(
        !after["findings"].to_string().contains("PGTLS026"),
        "{after:#}"
    );
    assert!(
        after["auth_method"]
            .as_str()
            .is_some_and(|m| m.starts_with("SCRAM-SHA-256")),
        "the password went, by SCRAM, to a verified server: {after:#}"
    );
    let k = crate::fix::kong_probe(&conf);
    assert_eq!(k["ok"], true, "both Kong paths: {k:#}");
    assert!(!k["findings"].to_string().contains("PGTLS026"), "{k:#}");
    assert!(psql_connects(&cluster, &fixed), "psql with {fixed}");
    all_connect(&cluster, &other);
    let v = crate::util::pgtls_env(
        &[
            "--format",
            "json",
            "fix",
            "-D",
            &d,
            "--libpq",
            &fixed,
            "--kong-conf",
            &conf,
            "--connect",
        ],
        &pw,
    )
    .json();
    assert!(edits_for(&v, "PGTLS026").is_empty(), "nothing left: {v:#}");
}

/// `fix --connect` without the server's files, PGTLS006: the server
/// refuses kong's certificate (from the unrelated CA). The connection
/// cannot name the server's ssl_ca_file, so the edit is a command with it
/// as a placeholder, naming the CA file found beside the client's
/// certificate; never run. The person's step done (the CA appended, the
/// server reloaded), the client connects, fix finds nothing left, and
/// psql, both Kong paths and the client healthy before still connect.
#[test]
fn fix_connect_names_the_clients_ca_for_the_servers_ssl_ca_file() {
    let (cluster, other) = two_clients();
    let client = cert_conninfo(
        &cluster,
        "kong",
        files::CLIENT_OTHER_CA,
        files::CLIENT_OTHER_CA_KEY,
    );
    assert!(!psql_connects(&cluster, &client), "refused before");
    let pw = [("PGPASSWORD", std::ffi::OsStr::new(LAB_PASSWORD))];
    let fix_connect = |extra: &[&str]| {
        let mut args = vec!["--format", "json", "fix", "--connect", "--libpq", &client];
        args.extend_from_slice(extra);
        crate::util::pgtls_env(&args, &pw)
    };
    let ca_file = cluster.data_dir().join("root.crt");
    let before = snapshot(&ca_file);
    let run = fix_connect(&["--apply", "--unsafe"]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS006");
    assert_eq!(edits.len(), 1, "{v:#}");
    let edit = edits[0];
    assert_eq!(
        (
            edit["kind"].as_str(),
            edit["applicability"].as_str(),
            edit["then"].as_str()
        ),
        (Some("command"), Some("has-placeholders"), Some("reload")),
        "{edit}"
    );
    let command = edit["command"].as_str().unwrap_or_default();
    let found = command
        .strip_prefix("cat ")
        .and_then(|c| c.strip_suffix(" >> <ssl_ca_file of the server>"))
        .unwrap_or_else(|| panic!("{command}"));
    let other_ca = pki().read(files::OTHER_CA).expect("ca");
    assert_eq!(fs::read(found).expect("the CA file named"), other_ca);
    assert_eq!(v["applied"], serde_json::json!([]), "never run");
    assert_eq!(snapshot(&ca_file), before, "nothing written");
    for (lang, said) in [
        ("en", "which issued the client certificate, is in"),
        ("ja", "クライアント証明書を発行した"),
    ] {
        let out = crate::util::pgtls_env(
            &["--lang", lang, "fix", "--connect", "--libpq", &client],
            &pw,
        )
        .stdout;
        assert!(out.contains(said), "{lang}: {out}");
    }

    // The person's step: the server's ssl_ca_file in place of the
    // placeholder, then a reload.
    let command = command.replace(
        "<ssl_ca_file of the server>",
        &ca_file.display().to_string(),
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &command])
        .output()
        .expect("sh");
    assert!(out.status.success(), "{command}: {out:?}");
    cluster.reload().expect("reload");
    assert!(psql_connects(&cluster, &client), "the client after");
    let v = fix_connect(&[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
    all_connect(&cluster, &other);
}

/// `fix --connect` without the server's files, PGTLS011: kong's client
/// certificate has expired. What to have issued comes from the
/// certificate the client sends: the issuer, the subject, the key and the
/// file, a command with placeholders, never run. Once the person has put a
/// new certificate there, fix finds nothing and the client connects.
#[test]
fn fix_connect_says_what_to_renew_for_an_expired_client_certificate() {
    let (cluster, other) = two_clients();
    let dir = tempfile::tempdir().expect("dir");
    let cert = dir.path().join("client.crt");
    let key = dir.path().join("client.key");
    let put = |c: &str, k: &str| {
        fs::write(&cert, pki().read(c).expect("cert")).expect("cert");
        fs::write(&key, pki().read(k).expect("key")).expect("key");
        fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .expect("chmod");
    };
    put(files::CLIENT_EXPIRED, files::CLIENT_EXPIRED_KEY);
    let client = format!(
        "{} sslcert={} sslkey={}",
        verify_full(&cluster),
        cert.display(),
        key.display()
    );
    assert!(!psql_connects(&cluster, &client), "refused before");
    let before = snapshot(&cert);
    let pw = [("PGPASSWORD", std::ffi::OsStr::new(LAB_PASSWORD))];
    let fix_connect = |extra: &[&str]| {
        let mut args = vec!["--format", "json", "fix", "--connect", "--libpq", &client];
        args.extend_from_slice(extra);
        crate::util::pgtls_env(&args, &pw)
    };
    let run = fix_connect(&["--apply", "--unsafe"]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS011");
    assert_eq!(edits.len(), 1, "{v:#}");
    let edit = edits[0];
    assert_eq!(
        (
            edit["kind"].as_str(),
            edit["applicability"].as_str(),
            edit["then"].as_str()
        ),
        (Some("command"), Some("has-placeholders"), Some("reconnect")),
        "{edit}"
    );
    let command = edit["command"].as_str().unwrap_or_default();
    assert!(
        command.contains(&cert.display().to_string())
            && command.contains(&key.display().to_string())
            && command.contains("CN=kong")
            && command.contains(pgtls_lab::ROOT_CA_CN),
        "{command}"
    );
    assert_eq!(v["applied"], serde_json::json!([]), "never run");
    assert_eq!(snapshot(&cert), before, "nothing written");
    assert!(!v.to_string().contains("PRIVATE KEY"), "no key");

    // The person's step.
    put(files::CLIENT_KONG, files::CLIENT_KONG_KEY);
    let v = fix_connect(&[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
    assert!(psql_connects(&cluster, &client), "the renewed client");
    all_connect(&cluster, &other);
}

/// `fix --connect` without the server's files, PGTLS010: the server's
/// certificate has expired and libpq (verify-full) refuses it. What to
/// have issued comes from the certificate the server sent (subject, names,
/// issuer); where it goes, only the server's side knows: a command with
/// placeholders, never run. Once the person has put a new certificate in
/// place and reloaded, fix finds nothing, and psql, both Kong paths and
/// the client that did not verify (healthy before) connect.
#[test]
fn fix_connect_says_what_to_renew_for_an_expired_server_certificate() {
    let cluster = start(
        crate::lab_util::tls(files::SERVER_EXPIRED, files::SERVER_EXPIRED_KEY)
            .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256"),
    );
    let no_verify = format!(
        "host=127.0.0.1 port={} user=kong dbname=kong sslmode=require",
        cluster.port()
    );
    assert!(psql_connects(&cluster, &no_verify), "healthy before");
    let client = verify_full(&cluster);
    assert!(!psql_connects(&cluster, &client), "refused before");
    let cert = cluster.data_dir().join("server.crt");
    let before = snapshot(&cert);
    let pw = [("PGPASSWORD", std::ffi::OsStr::new(LAB_PASSWORD))];
    let fix_connect = |extra: &[&str]| {
        let mut args = vec!["--format", "json", "fix", "--connect", "--libpq", &client];
        args.extend_from_slice(extra);
        crate::util::pgtls_env(&args, &pw)
    };
    let run = fix_connect(&["--apply", "--unsafe"]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = edits_for(&v, "PGTLS010");
    assert_eq!(edits.len(), 1, "{v:#}");
    let edit = edits[0];
    assert_eq!(
        (
            edit["kind"].as_str(),
            edit["applicability"].as_str(),
            edit["then"].as_str()
        ),
        (Some("command"), Some("has-placeholders"), Some("reload")),
        "{edit}"
    );
    let command = edit["command"].as_str().unwrap_or_default();
    assert!(
        command.contains("CN=localhost")
            && command.contains("DNS:localhost")
            && command.contains(pgtls_lab::ROOT_CA_CN)
            && command.ends_with("> <ssl_cert_file of the server>"),
        "{command}"
    );
    assert_eq!(v["applied"], serde_json::json!([]), "never run");
    assert_eq!(snapshot(&cert), before, "nothing written");

    // The person's step: a new certificate in place, and a reload.
    for (name, file, mode) in [
        ("server.crt", files::SERVER, 0o644),
        ("server.key", files::SERVER_KEY, 0o600),
    ] {
        let pem = pki().read(file).expect("lab file");
        cluster
            .write_file(name, &pem, mode, Owner::ServerUser)
            .expect("write");
    }
    cluster.reload().expect("reload");
    let v = fix_connect(&[]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");
    assert!(psql_connects(&cluster, &client), "verify-full after");
    let dir = tempfile::tempdir().expect("dir");
    assert_eq!(
        kong_connects(&cluster, dir.path())["ok"],
        true,
        "both Kong paths"
    );
    assert!(psql_connects(&cluster, &no_verify), "healthy after");
}
