//! `pgtls fix` on real PostgreSQL 15 clusters: each fix is first shown
//! (nothing written), then applied, the server reloaded or restarted as the
//! edit says, and then psql and both of Kong's paths connect while a client
//! that was healthy before still does; a second run changes nothing.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

use pgtls_lab::{files, Cluster, ClusterSpec, Owner, LAB_PASSWORD};
use serde_json::Value;

use crate::lab_util::{path, pki, ssl_off_with_files, start, two_intermediates};
use crate::util::{pgtls, Run};

pub(crate) fn fix(data: &Path, extra: &[&str]) -> Run {
    let data = data.display().to_string();
    let mut args = vec!["--format", "json", "fix", "-D", data.as_str()];
    args.extend_from_slice(extra);
    pgtls(&args)
}

pub(crate) fn snapshot(p: &Path) -> (Vec<u8>, u32, u32, u32) {
    let m = fs::metadata(p).expect("metadata");
    (
        fs::read(p).expect("read"),
        m.uid(),
        m.gid(),
        m.mode() & 0o7777,
    )
}

pub(crate) fn verify_full(cluster: &Cluster) -> String {
    format!(
        "host=127.0.0.1 port={} user=kong dbname=kong sslmode=verify-full sslrootcert={}",
        cluster.port(),
        path(files::ROOT_CA)
    )
}

/// psql connects, retrying while a reload is being taken up.
pub(crate) fn psql_connects(cluster: &Cluster, conninfo: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = cluster.psql(conninfo, &[("PGPASSWORD", LAB_PASSWORD)]);
        if out.status == 0 {
            return true;
        }
        if Instant::now() > deadline {
            eprintln!("psql: {}", out.stderr);
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `dir/kong.conf` for the lab's kong role over verified TLS, with `extra`
/// lines after the usual ones.
pub(crate) fn write_kong_conf(cluster: &Cluster, dir: &Path, extra: &str) -> String {
    let conf = dir.join("kong.conf");
    fs::write(
        &conf,
        format!(
            "pg_host = 127.0.0.1\npg_port = {}\npg_user = kong\npg_password = {LAB_PASSWORD}\npg_database = kong\npg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {}\n{extra}",
            cluster.port(),
            path(files::ROOT_CA)
        ),
    )
    .expect("kong.conf");
    conf.display().to_string()
}

pub(crate) fn kong_probe(conf: &str) -> Value {
    pgtls(&["--format", "json", "probe", "--kong-conf", conf]).json()
}

pub(crate) fn kong_connects(cluster: &Cluster, dir: &Path) -> Value {
    kong_probe(&write_kong_conf(cluster, dir, ""))
}

/// `pgtls fix -D data --kong-conf conf --apply`, which must succeed.
pub(crate) fn fix_kong_conf(data: &str, conf: &str) -> Value {
    let run = pgtls(&[
        "--format",
        "json",
        "fix",
        "-D",
        data,
        "--kong-conf",
        conf,
        "--apply",
    ]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    run.json()
}

#[test]
fn ssl_off_is_fixed_by_one_setting_and_a_reload() {
    let cluster = start(ssl_off_with_files());
    let data = cluster.data_dir().to_path_buf();
    let conf = data.join("postgresql.conf");
    let plaintext = format!(
        "host=127.0.0.1 port={} user=kong_md5 dbname=kong sslmode=disable",
        cluster.port()
    );
    assert!(
        psql_connects(&cluster, &plaintext),
        "the healthy client, before"
    );
    assert_ne!(
        cluster
            .psql(&verify_full(&cluster), &[("PGPASSWORD", LAB_PASSWORD)])
            .status,
        0
    );

    // Shown, not written.
    let before = snapshot(&conf);
    let run = fix(&data, &[]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let edits = v["edits"].as_array().expect("edits");
    let ssl = edits
        .iter()
        .find(|e| e["key"] == "ssl")
        .unwrap_or_else(|| panic!("an ssl edit: {v:#}"));
    assert_eq!(ssl["kind"], "setting");
    assert_eq!(ssl["after"], "on");
    assert_eq!(ssl["applicability"], "machine-applicable");
    assert_eq!(ssl["then"], "reload");
    assert!(ssl["fixes"].to_string().contains("PGTLS009"), "{ssl}");
    assert!(
        v["diff"].as_str().is_some_and(|d| d.contains("+ssl = on")),
        "{v:#}"
    );
    assert_eq!(v["applied"], serde_json::json!([]));
    assert_eq!(snapshot(&conf), before, "nothing written without --apply");
    let text = pgtls(&["fix", "-D", &data.display().to_string()]).stdout;
    assert!(
        text.contains("--- ") && text.contains("+ssl = on"),
        "{text}"
    );
    assert!(text.contains("nothing written"), "{text}");

    // Applied, reloaded.
    let run = fix(&data, &["--apply", "--reload"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["applied"].as_array().map(Vec::len), Some(1), "{v:#}");
    assert_eq!(v["then"], serde_json::json!(["reload"]));
    assert_eq!(v["reloaded_pid"].as_u64(), cluster.pid().map(u64::from));
    let backup = v["backups"][0].as_str().expect("a backup");
    assert_eq!(
        fs::read(backup).expect("backup"),
        before.0,
        "the backup is the old file"
    );
    let after = snapshot(&conf);
    assert_eq!(
        (after.1, after.2, after.3),
        (before.1, before.2, before.3),
        "owner and mode kept"
    );
    assert!(String::from_utf8_lossy(&after.0).contains("ssl = on"));
    assert!(v["findings"]
        .as_array()
        .is_some_and(|f| f.iter().all(|f| f["code"] != "PGTLS009")));

    assert!(
        psql_connects(&cluster, &verify_full(&cluster)),
        "psql with verify-full"
    );
    let dir = tempfile::tempdir().expect("dir");
    let k = kong_connects(&cluster, dir.path());
    assert_eq!(k["ok"], true, "both Kong paths: {k:#}");
    assert!(
        psql_connects(&cluster, &plaintext),
        "the healthy client, after"
    );

    // Twice changes nothing.
    let again = snapshot(&conf);
    let run = fix(&data, &["--apply"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["edits"], serde_json::json!([]), "{v:#}");
    assert_eq!(snapshot(&conf), again);
}

#[test]
fn a_server_key_open_to_its_group_is_fixed_and_the_server_starts() {
    let mut cluster = start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256"),
    );
    let data = cluster.data_dir().to_path_buf();
    let key = data.join("server.key");
    let pem = fs::read(&key).expect("key");
    cluster
        .write_file("server.key", &pem, 0o640, Owner::ServerUser)
        .expect("key 0640");
    match cluster.restart() {
        Err(pgtls_lab::LabError::StartFailed { fatal, .. }) => {
            assert!(fatal.contains("has group or world access"), "{fatal}")
        }
        other => panic!("the server started with a 0640 key it owns: {other:?}"),
    }

    let run = fix(&data, &[]);
    assert_eq!(run.status, 1);
    let v = run.json();
    let edit = v["edits"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["kind"] == "file-mode"))
        .unwrap_or_else(|| panic!("a file-mode edit: {v:#}"));
    assert_eq!(edit["mode"], "0600");
    assert_eq!(edit["then"], "restart");
    assert_eq!(edit["applicability"], "machine-applicable");
    assert_eq!(snapshot(&key).3, 0o640, "not changed without --apply");

    let run = fix(&data, &["--apply"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["then"], serde_json::json!(["restart"]));
    let (bytes, _, _, mode) = snapshot(&key);
    assert_eq!(mode, 0o600);
    assert_eq!(bytes, pem, "the key itself is never rewritten");
    let text = pgtls(&["fix", "-D", &data.display().to_string()]).stdout;
    assert!(text.contains("nothing pgtls can change"), "{text}");

    cluster.restart().expect("the server starts");
    assert!(psql_connects(&cluster, &verify_full(&cluster)));
    let dir = tempfile::tempdir().expect("dir");
    let k = kong_connects(&cluster, dir.path());
    assert_eq!(k["ok"], true, "{k:#}");
}

#[test]
fn hostile_inputs_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("nope");
    let run = pgtls(&["fix", "-D", &missing.display().to_string()]);
    assert_eq!(run.status, 2, "{}{}", run.stdout, run.stderr);
    let run = pgtls(&["fix", "--unsafe", "-D", &missing.display().to_string()]);
    assert_eq!(run.status, 2, "--unsafe needs --apply: {}", run.stderr);
    // Every command's findings carry `edits`, empty where nothing can change.
    let v = pgtls(&["--format", "json", "explain", "tlsv1 alert unknown ca"]).json();
    let findings = v["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["edits"].is_array()), "{v:#}");
}

/// TLS with client certificates from the lab CA; kong by certificate.
pub(crate) fn mutual_tls() -> ClusterSpec {
    ClusterSpec::new()
        .with_server_tls(pki())
        .expect("tls")
        .with_client_ca(pki())
        .expect("client CA")
        .hba_line("hostssl all kong 127.0.0.1/32 cert")
}

pub(crate) fn cert_conninfo(cluster: &Cluster, user: &str, cert: &str, key: &str) -> String {
    format!(
        "{} sslcert={} sslkey={}",
        verify_full(cluster).replace("user=kong", &format!("user={user}")),
        path(cert),
        path(key)
    )
}

/// PGTLS007 and PGTLS016 are pgtls's best guess (the method, the map):
/// shown, not written without --unsafe; written with it, reloaded, and then
/// the refused client connects while the one that was healthy before still
/// does.
#[test]
fn pg_hba_and_pg_ident_edits_need_unsafe_and_then_work() {
    let cluster = start(mutual_tls().hba_line("hostssl all kong_md5 127.0.0.1/32 md5"));
    let data = cluster.data_dir().to_path_buf();
    let d = data.display().to_string();
    let hba = data.join("pg_hba.conf");
    let healthy = cert_conninfo(&cluster, "kong", files::CLIENT_KONG, files::CLIENT_KONG_KEY);
    let md5 = format!("{} user=kong_md5", verify_full(&cluster));
    assert!(psql_connects(&cluster, &healthy) && psql_connects(&cluster, &md5));

    // PGTLS007: CN foo@example.com as user kong.
    let foo = cert_conninfo(&cluster, "kong", files::CLIENT_FOO, files::CLIENT_FOO_KEY);
    let before = snapshot(&hba);
    let run = pgtls(&[
        "--format", "json", "fix", "-D", &d, "--libpq", &foo, "--apply",
    ]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let kinds: Vec<&str> = v["edits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["fixes"].to_string().contains("PGTLS007"))
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["hba-line", "ident-line", "ident-line"], "{v:#}");
    assert_eq!(
        v["applied"],
        serde_json::json!([]),
        "maybe-incorrect needs --unsafe"
    );
    assert_eq!(snapshot(&hba), before);
    let run = pgtls(&[
        "--format", "json", "fix", "-D", &d, "--libpq", &foo, "--apply", "--unsafe", "--reload",
    ]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert!(psql_connects(&cluster, &foo), "foo@example.com as kong");
    assert!(psql_connects(&cluster, &healthy), "CN=kong still connects");
    assert!(psql_connects(&cluster, &md5), "kong_md5 still connects");
    let ident = fs::read_to_string(data.join("pg_ident.conf")).expect("ident");
    assert!(ident.contains(r"certmap /^(.*)$ \1"), "{ident}");
    let v = pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &foo]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "nothing left: {v:#}");

    // PGTLS016, on a server with a line for kong_md5 alone: kong with its
    // password matches no line.
    let cluster = start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .hba_line("hostssl all kong_md5 127.0.0.1/32 md5"),
    );
    let d = cluster.data_dir().display().to_string();
    let md5 = format!("{} user=kong_md5", verify_full(&cluster));
    assert!(psql_connects(&cluster, &md5));
    let password = verify_full(&cluster);
    let run = pgtls(&[
        "--format", "json", "fix", "-D", &d, "--libpq", &password, "--apply", "--unsafe",
        "--reload",
    ]);
    let v = run.json();
    assert!(
        v["applied"].as_array().is_some_and(|a| a
            .iter()
            .any(|e| e["after"] == "hostssl kong kong 127.0.0.1/32 scram-sha-256")),
        "{v:#}"
    );
    assert!(psql_connects(&cluster, &password), "kong with its password");
    let dir = tempfile::tempdir().expect("dir");
    let k = kong_connects(&cluster, dir.path());
    assert_eq!(k["ok"], true, "both Kong paths: {k:#}");
    assert!(psql_connects(&cluster, &md5), "kong_md5 still connects");
    // Nothing left.
    let v = pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &password]).json();
    assert_eq!(v["edits"], serde_json::json!([]), "{v:#}");
}

/// PGTLS027: the client's own key gets 0600 (never rewritten); the client
/// then connects.
#[test]
fn a_client_key_open_to_others_gets_0600() {
    let cluster = start(mutual_tls());
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("client.key");
    let pem = fs::read(pki().path(files::CLIENT_KONG_KEY)).expect("key");
    fs::write(&key, &pem).expect("key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).expect("chmod");
    let conninfo = format!(
        "{} sslcert={} sslkey={}",
        verify_full(&cluster),
        path(files::CLIENT_KONG),
        key.display()
    );
    assert_ne!(
        cluster.psql(&conninfo, &[]).status,
        0,
        "psql refuses the key"
    );
    let d = cluster.data_dir().display().to_string();
    let run = pgtls(&[
        "--format", "json", "fix", "-D", &d, "--libpq", &conninfo, "--apply",
    ]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["then"], serde_json::json!(["reconnect"]), "{v:#}");
    let (bytes, _, _, mode) = snapshot(&key);
    assert_eq!((mode, bytes), (0o600, pem));
    assert!(psql_connects(&cluster, &conninfo));
}

/// Kong's kong.conf is a file the configuration names too: a chain longer
/// than lua_ssl_verify_depth (PGTLS013) gets the line added, and both of
/// Kong's paths then connect.
#[test]
fn kong_conf_gets_the_verify_depth_its_chain_needs() {
    let cluster = start(two_intermediates());
    let dir = tempfile::tempdir().expect("dir");
    let before = kong_connects(&cluster, dir.path());
    assert_eq!(before["ok"], false, "depth 1 is too short: {before:#}");
    let conf = dir.path().join("kong.conf").display().to_string();
    let d = cluster.data_dir().display().to_string();
    let v = fix_kong_conf(&d, &conf);
    let applied = v["applied"].as_array().cloned().unwrap_or_default();
    assert!(
        applied
            .iter()
            .any(|e| e["key"] == "lua_ssl_verify_depth" && e["after"] == "2"),
        "{v:#}"
    );
    assert_eq!(
        v["then"],
        serde_json::json!(["restart"]),
        "Kong reads kong.conf at start"
    );
    let after = pgtls(&["--format", "json", "probe", "--kong-conf", &conf]).json();
    assert_eq!(after["ok"], true, "both Kong paths: {after:#}");
    let again = pgtls(&["--format", "json", "fix", "-D", &d, "--kong-conf", &conf]).json();
    assert_eq!(again["edits"], serde_json::json!([]), "{again:#}");
}

/// PGTLS024: ssl_min_protocol_version raised where it is set (it needs a
/// look: clients limited to TLS 1.0/1.1 would be refused), reloaded; psql
/// and Kong still connect and the warning is gone.
#[test]
fn a_legacy_minimum_version_is_raised_with_unsafe() {
    let cluster = start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .setting("ssl_min_protocol_version", "'TLSv1'")
            .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256"),
    );
    let d = cluster.data_dir().display().to_string();
    let v = pgtls(&["--format", "json", "fix", "-D", &d, "--apply"]).json();
    assert_eq!(
        v["applied"],
        serde_json::json!([]),
        "maybe-incorrect: {v:#}"
    );
    let run = pgtls(&[
        "--format", "json", "fix", "-D", &d, "--apply", "--unsafe", "--reload",
    ]);
    let v = run.json();
    assert!(
        v["applied"].as_array().is_some_and(|a| a
            .iter()
            .any(|e| e["key"] == "ssl_min_protocol_version" && e["after"] == "'TLSv1.2'")),
        "{v:#}"
    );
    assert!(
        v["findings"]
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["code"] != "PGTLS024")),
        "{v:#}"
    );
    assert!(psql_connects(&cluster, &verify_full(&cluster)));
    let dir = tempfile::tempdir().expect("dir");
    let k = kong_connects(&cluster, dir.path());
    assert_eq!(k["ok"], true, "{k:#}");
}

/// PGTLS001: the server allows only TLS 1.3. Kong's lua_ssl_protocols and
/// libpq's ssl_max_protocol_version stop at TLS 1.2; the fix moves each
/// client into the server's range (the stronger side stays as it is), and
/// then Kong's two paths and psql connect; psql with default settings,
/// healthy before, still connects.
#[test]
fn a_client_limited_below_the_servers_minimum_is_moved_into_its_range() {
    let cluster = start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .setting("ssl_min_protocol_version", "'TLSv1.3'")
            .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256"),
    );
    let d = cluster.data_dir().display().to_string();
    assert!(
        psql_connects(&cluster, &verify_full(&cluster)),
        "healthy before"
    );

    // Kong.
    let dir = tempfile::tempdir().expect("dir");
    let conf_s = write_kong_conf(&cluster, dir.path(), "lua_ssl_protocols = TLSv1.2\n");
    let conf = Path::new(&conf_s).to_path_buf();
    let before = kong_probe(&conf_s);
    assert_eq!(before["ok"], false, "{before:#}");
    let v = fix_kong_conf(&d, &conf_s);
    assert!(
        v["applied"].as_array().is_some_and(|a| a
            .iter()
            .any(|e| e["key"] == "lua_ssl_protocols" && e["after"] == "TLSv1.3")),
        "{v:#}"
    );
    let text = fs::read_to_string(&conf).expect("kong.conf");
    assert!(text.contains("lua_ssl_protocols = TLSv1.3"), "{text}");
    let after = kong_probe(&conf_s);
    assert_eq!(after["ok"], true, "both Kong paths: {after:#}");

    // libpq: the fixed connection string, as printed, connects.
    let limited = format!("{} ssl_max_protocol_version=TLSv1.2", verify_full(&cluster));
    assert_ne!(
        cluster
            .psql(&limited, &[("PGPASSWORD", LAB_PASSWORD)])
            .status,
        0,
        "refused before"
    );
    let run = pgtls(&["--format", "json", "fix", "-D", &d, "--libpq", &limited]);
    let v = run.json();
    let fixed = v["fixed_conninfo"]
        .as_str()
        .unwrap_or_else(|| panic!("a fixed connection string: {v:#}"));
    assert!(
        fixed.ends_with("ssl_max_protocol_version=TLSv1.3") && !fixed.contains("TLSv1.2"),
        "set where it was written: {fixed}"
    );
    assert!(psql_connects(&cluster, fixed), "psql with {fixed}");
    assert!(
        psql_connects(&cluster, &verify_full(&cluster)),
        "healthy after"
    );
}

/// PGTLS019: cert authentication with no ssl_ca_file. From the server's
/// side alone the CA file is a placeholder only a person fills in; given
/// the client, whose certificate's issuer is in its sslrootcert, the edit
/// names that file (a look is needed: other clients' CAs belong there
/// too). Applied with --unsafe and reloaded, the client connects by
/// certificate; the password client, healthy before, still connects.
#[test]
fn cert_auth_without_a_ca_file_gets_the_clients_issuer() {
    let cluster = start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .hba_line("hostssl all kong 127.0.0.1/32 cert")
            .hba_line("hostssl all all 127.0.0.1/32 md5"),
    );
    let d = cluster.data_dir().display().to_string();
    let healthy = verify_full(&cluster).replace("user=kong", "user=kong_md5");
    assert!(psql_connects(&cluster, &healthy), "healthy before");
    let client = cert_conninfo(&cluster, "kong", files::CLIENT_KONG, files::CLIENT_KONG_KEY);
    assert_ne!(cluster.psql(&client, &[]).status, 0, "refused before");

    // The server alone: a placeholder, never written.
    let v = fix(cluster.data_dir(), &["--apply", "--unsafe"]).json();
    let edit = v["edits"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["key"] == "ssl_ca_file"))
        .unwrap_or_else(|| panic!("an ssl_ca_file edit: {v:#}"));
    assert_eq!(edit["applicability"], "has-placeholders", "{edit}");
    assert_eq!(v["applied"], serde_json::json!([]), "{v:#}");

    // With the client: the file that holds its certificate's issuer.
    let run = pgtls(&[
        "--format", "json", "fix", "-D", &d, "--libpq", &client, "--apply", "--unsafe", "--reload",
    ]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    let applied = v["applied"].as_array().cloned().unwrap_or_default();
    let root = path(files::ROOT_CA);
    assert!(
        applied
            .iter()
            .any(|e| e["key"] == "ssl_ca_file"
                && e["after"].as_str().is_some_and(|a| a.contains(&root))),
        "{v:#}"
    );
    assert!(psql_connects(&cluster, &client), "the certificate client");
    assert!(psql_connects(&cluster, &healthy), "healthy after");
}

/// PGTLS010: the server's certificate has expired. Only the CA's holder
/// can issue a new one: the fix says what to issue (subject, names, issuer,
/// where it goes) as a command with placeholders that --apply never runs,
/// and that a reload follows. Once the person has put a new certificate
/// there, the rest holds: fix finds nothing left, the reload takes it, psql
/// verifying the chain connects, and the client that did not verify
/// (healthy before) still does.
#[test]
fn an_expired_server_certificate_says_what_to_issue_and_the_reload_takes_it() {
    let cluster = start(
        crate::lab_util::tls(files::SERVER_EXPIRED, files::SERVER_EXPIRED_KEY)
            .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256"),
    );
    let data = cluster.data_dir().to_path_buf();
    // sslmode=require without sslrootcert: libpq does not verify (with a
    // root file it would, as verify-ca).
    let no_verify = format!(
        "host=127.0.0.1 port={} user=kong dbname=kong sslmode=require",
        cluster.port()
    );
    assert!(psql_connects(&cluster, &no_verify), "healthy before");
    assert_ne!(
        cluster
            .psql(&verify_full(&cluster), &[("PGPASSWORD", LAB_PASSWORD)])
            .status,
        0
    );
    let cert = data.join("server.crt");
    let before = snapshot(&cert);

    let run = fix(&data, &["--apply", "--unsafe"]);
    assert_eq!(run.status, 1, "a finding remains: {}", run.stdout);
    let v = run.json();
    let edit = v["edits"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| e["fixes"].to_string().contains("PGTLS010"))
        })
        .unwrap_or_else(|| panic!("a PGTLS010 edit: {v:#}"));
    assert_eq!(edit["kind"], "command", "{edit}");
    assert_eq!(edit["applicability"], "has-placeholders", "{edit}");
    assert_eq!(edit["then"], "reload", "{edit}");
    let command = edit["command"].as_str().unwrap_or_default();
    assert!(
        command.contains("server.crt") && command.contains("CN="),
        "names what to issue and where: {command}"
    );
    assert_eq!(v["applied"], serde_json::json!([]), "never run");
    assert_eq!(snapshot(&cert), before, "nothing written");

    // The person issues a certificate and puts it in place.
    let fresh = pki().read(files::SERVER).expect("cert");
    let key = pki().read(files::SERVER_KEY).expect("key");
    cluster
        .write_file("server.crt", &fresh, 0o644, Owner::ServerUser)
        .expect("cert");
    cluster
        .write_file("server.key", &key, 0o600, Owner::ServerUser)
        .expect("key");
    let run = fix(&data, &[]);
    let v = run.json();
    assert!(
        !v["findings"].to_string().contains("PGTLS010"),
        "nothing left of PGTLS010: {v:#}"
    );
    cluster.reload().expect("reload");
    assert!(
        psql_connects(&cluster, &verify_full(&cluster)),
        "verify-full"
    );
    assert!(psql_connects(&cluster, &no_verify), "healthy after");
}

/// PGTLS001 on Kong Enterprise's LuaSec path: `pg_ssl_version = tlsv1_2`
/// against a TLS 1.3-only server is set to the server's version; then both
/// of Kong's paths connect, and psql, healthy before, still does.
#[test]
fn kong_enterprise_pinned_below_the_servers_minimum_gets_its_version() {
    let cluster = start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .setting("ssl_min_protocol_version", "'TLSv1.3'")
            .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256"),
    );
    assert!(
        psql_connects(&cluster, &verify_full(&cluster)),
        "healthy before"
    );
    let dir = tempfile::tempdir().expect("dir");
    let conf = write_kong_conf(&cluster, dir.path(), "pg_ssl_version = tlsv1_2\n");
    let before = kong_probe(&conf);
    assert_eq!(before["ok"], false, "{before:#}");
    let v = fix_kong_conf(&cluster.data_dir().display().to_string(), &conf);
    assert!(
        v["applied"].as_array().is_some_and(|a| a
            .iter()
            .any(|e| e["key"] == "pg_ssl_version" && e["after"] == "tlsv1_3")),
        "{v:#}"
    );
    let after = kong_probe(&conf);
    assert_eq!(after["ok"], true, "both Kong paths: {after:#}");
    assert!(
        psql_connects(&cluster, &verify_full(&cluster)),
        "healthy after"
    );
}
