//! `pgtls setup`: the written files, installed the way its output says,
//! run a real PostgreSQL 15 that accepts the written client side with
//! verify-full and certificate authentication, as libpq and as Kong (both
//! socket paths, through pgtls's probe) would connect; several option sets;
//! keys 0600; existing files and symbolic links are never overwritten;
//! `--verify` proves the result; a missing PostgreSQL is reported clearly.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use pgtls_lab::{generate_ca, is_root, write_cert_and_key, Cluster, ClusterSpec};
use pgtls_probe::client_line::{kong_line, KongShape};
use pgtls_probe::{probe, ClientIdentity, ProbeConfig, TlsVersion};

use crate::util::{pgtls_env, Run};

fn setup(out: &Path, extra: &[&str]) -> Run {
    let out = out.display().to_string();
    let mut args = vec!["setup", "--out", out.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    pgtls_env(&args, &[])
}

/// A directory the server account can traverse (the lab runs PostgreSQL as
/// `postgres` when the tests run as root).
fn shared_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("pgtls-setup-test-")
        .tempdir_in(std::env::temp_dir())
        .expect("temporary directory");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The configuration lines of a snippet (comments and blank lines dropped,
/// trailing `# ...` comments cut as kong.conf does).
fn config_lines(path: &Path) -> Vec<String> {
    read(path)
        .lines()
        .map(|l| l.split(" #").next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

fn settings(path: &Path) -> BTreeMap<String, String> {
    config_lines(path)
        .iter()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

/// Runs the commands setup printed for the server's files, as an operator
/// would (chown to the server account only makes sense as root; otherwise
/// the server runs as the current user, who already owns the key).
fn install_server_files(report: &serde_json::Value) {
    if !is_root() {
        return;
    }
    for command in report["commands"]["server"]
        .as_array()
        .expect("server commands")
    {
        let command = command.as_str().expect("a command");
        let status = Command::new("sh")
            .arg("-c")
            .arg(command)
            .status()
            .expect("sh");
        assert!(status.success(), "{command}");
    }
}

/// A cluster configured with nothing but the snippets setup wrote.
fn cluster_from_snippets(out: &Path) -> Cluster {
    let mut spec = ClusterSpec::new();
    for (k, v) in settings(&out.join("postgresql.conf.snippet")) {
        spec = spec.setting(&k, &v);
    }
    for line in config_lines(&out.join("pg_hba.conf.snippet")) {
        spec = spec.hba_line(&line);
    }
    for line in config_lines(&out.join("pg_ident.conf.snippet")) {
        spec = spec.ident_line(&line);
    }
    Cluster::start(&spec).unwrap_or_else(|e| panic!("PostgreSQL with the snippets: {e}"))
}

/// libpq with the written conninfo (verify-full), dialling the snippet's
/// host name but reaching the throwaway server.
fn connect_libpq(cluster: &Cluster, out: &Path) {
    let conninfo = read(&out.join("libpq.conninfo"))
        .trim()
        .replace("port=5432", &format!("port={}", cluster.port()));
    assert!(conninfo.contains("sslmode=verify-full"), "{conninfo}");
    let psql = cluster.psql(&format!("{conninfo} hostaddr=127.0.0.1"), &[]);
    assert_eq!(psql.status, 0, "libpq with {conninfo}: {}", psql.stderr);
    assert!(psql.stdout.trim().starts_with("150"), "{}", psql.stdout);
    let log = cluster.log_text();
    assert!(
        log.contains("connection authorized") && log.contains("SSL enabled"),
        "the server saw a TLS connection: {log}"
    );
}

/// Kong with the written kong.conf lines, on both socket paths.
fn connect_kong(cluster: &Cluster, out: &Path) {
    let kong = settings(&out.join("kong.conf.snippet"));
    assert_eq!(kong["pg_ssl"], "on");
    assert_eq!(kong["pg_ssl_verify"], "on");
    assert_eq!(kong["pg_ssl_required"], "on");
    let pem = |key: &str| fs::read(&kong[key]).unwrap_or_else(|e| panic!("{key}: {e}"));
    let depth: u32 = kong["lua_ssl_verify_depth"].parse().expect("depth");
    let pin = match kong["pg_ssl_version"].as_str() {
        "tlsv1_2" => Some(TlsVersion::Tls1_2),
        "tlsv1_3" => Some(TlsVersion::Tls1_3),
        other => panic!("pg_ssl_version {other}"),
    };
    for shape in [KongShape::Cosocket, KongShape::LuaSec] {
        let mut cfg = match shape {
            KongShape::Cosocket => ProbeConfig::kong("127.0.0.1", cluster.port(), true, true, true),
            KongShape::LuaSec => {
                ProbeConfig::kong_luasec("127.0.0.1", cluster.port(), true, true, true, pin)
            }
        };
        if shape == KongShape::Cosocket {
            cfg.tls.verify_depth = Some(depth);
        }
        cfg.user = kong["pg_user"].clone();
        cfg.database = Some(kong["pg_database"].clone());
        cfg.tls.trust_anchors = Some(
            openssl::x509::X509::stack_from_pem(&pem("lua_ssl_trusted_certificate"))
                .expect("trust"),
        );
        let chain = openssl::x509::X509::stack_from_pem(&pem("pg_ssl_cert")).expect("cert");
        let key = openssl::pkey::PKey::private_key_from_pem(&pem("pg_ssl_cert_key")).expect("key");
        cfg.tls.client_identity = Some(ClientIdentity::new(chain, key).expect("identity"));
        let report = probe(&cfg).expect("probe runs");
        assert!(
            report.is_ok(),
            "Kong {shape:?} with {kong:?}: {:?}",
            kong_line(&report, shape)
        );
    }
}

fn check_files(report: &serde_json::Value, out: &Path) {
    let files = report["files"].as_array().expect("files");
    let mut listed: Vec<String> = files
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_string())
        .collect();
    listed.sort();
    let mut present: Vec<String> = fs::read_dir(out)
        .expect("out")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(
        listed, present,
        "JSON lists exactly the files written, no temporary file remains"
    );
    for f in files {
        let path = PathBuf::from(f["path"].as_str().expect("path"));
        let want = if f["name"].as_str().is_some_and(|n| n.ends_with(".key")) {
            0o600
        } else {
            0o644
        };
        assert_eq!(mode(&path), want, "{}", path.display());
        assert_eq!(f["written"], true);
    }
}

fn works_on_real_postgresql(out: &Path, extra: &[&str]) -> serde_json::Value {
    let run = setup(out, extra);
    assert_eq!(run.status, 0, "setup {extra:?}: {}", run.stderr);
    let report = run.json();
    check_files(&report, out);
    install_server_files(&report);
    let cluster = cluster_from_snippets(out);
    connect_libpq(&cluster, out);
    connect_kong(&cluster, out);
    report
}

#[test]
fn defaults_work_with_verify_full_and_cert_auth() {
    let tmp = shared_dir();
    let out = tmp.path().join("out");
    let report = works_on_real_postgresql(&out, &[]);
    assert_eq!(
        config_lines(&out.join("pg_hba.conf.snippet")),
        ["hostssl kong kong all cert"]
    );
    assert!(config_lines(&out.join("pg_ident.conf.snippet")).is_empty());
    assert_eq!(
        settings(&out.join("kong.conf.snippet"))["lua_ssl_verify_depth"],
        "1"
    );
    assert!(report["notes"][0]
        .as_str()
        .unwrap_or("")
        .contains("no --host"));
}

#[test]
fn hosts_intermediate_and_rsa_work() {
    let tmp = shared_dir();
    let out = tmp.path().join("out");
    works_on_real_postgresql(
        &out,
        &[
            "--host",
            "db.example.com",
            "--host",
            "10.1.2.3",
            "--intermediate",
            "--key-type",
            "rsa",
            "--days",
            "30",
        ],
    );
    assert!(read(&out.join("libpq.conninfo")).starts_with("host=db.example.com "));
    let server = read(&out.join("server.crt"));
    assert_eq!(
        server.matches("BEGIN CERTIFICATE").count(),
        2,
        "leaf and intermediate"
    );
    // An RSA 3072 key in PKCS#8 PEM is about 2.5 kB; a P-256 key is 241 bytes.
    assert!(read(&out.join("server.key")).len() > 2000);
    assert_eq!(
        settings(&out.join("kong.conf.snippet"))["lua_ssl_verify_depth"],
        "1"
    );
}

#[test]
fn an_existing_ca_and_a_cn_other_than_the_user_work() {
    let tmp = shared_dir();
    let ca_dir = tmp.path().join("ca");
    fs::create_dir(&ca_dir).expect("mkdir");
    let ca = generate_ca("operator CA", None, None).expect("CA");
    write_cert_and_key(&ca_dir, "ca.pem", "ca-key.pem", &ca).expect("write CA");
    let out = tmp.path().join("out");
    let (cert, key) = (ca_dir.join("ca.pem"), ca_dir.join("ca-key.pem"));
    works_on_real_postgresql(
        &out,
        &[
            "--ca-cert",
            cert.to_str().expect("utf-8"),
            "--ca-key",
            key.to_str().expect("utf-8"),
            "--user",
            "kong-gateway",
            "--db-user",
            "kong",
            "--host",
            "localhost",
        ],
    );
    assert_eq!(
        config_lines(&out.join("pg_hba.conf.snippet")),
        ["hostssl kong kong all cert map=certmap"]
    );
    assert_eq!(
        config_lines(&out.join("pg_ident.conf.snippet")),
        ["certmap  kong-gateway  kong"]
    );
    assert_eq!(
        fs::read(out.join("ca.crt")).expect("ca.crt"),
        fs::read(&cert).expect("ca.pem")
    );
    assert!(
        !out.join("ca.key").exists(),
        "the operator's CA key is never copied"
    );
}

#[test]
fn a_ca_key_that_is_not_the_certificates_is_refused() {
    let tmp = shared_dir();
    let a = generate_ca("a", None, None).expect("CA");
    let b = generate_ca("b", None, None).expect("CA");
    write_cert_and_key(tmp.path(), "a.pem", "a.key", &a).expect("write");
    write_cert_and_key(tmp.path(), "b.pem", "b.key", &b).expect("write");
    let out = tmp.path().join("out");
    let (cert, key) = (tmp.path().join("a.pem"), tmp.path().join("b.key"));
    let run = setup(
        &out,
        &[
            "--ca-cert",
            cert.to_str().expect("utf-8"),
            "--ca-key",
            key.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("is not the private key of"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
}

#[test]
fn verify_proves_the_setup_on_a_throwaway_server() {
    let tmp = shared_dir();
    let out = tmp.path().join("out");
    let run = pgtls_env(
        &[
            "setup",
            "--out",
            out.to_str().expect("utf-8"),
            "--format",
            "json",
            "--verify",
            "--user",
            "gateway",
            "--db-user",
            "app",
            "--database",
            "appdb",
            "--host",
            "db.internal",
        ],
        &[("TMPDIR", tmp.path().as_os_str())],
    );
    assert_eq!(run.status, 0, "{}\n{}", run.stderr, run.stdout);
    let report = run.json();
    let verify = &report["verify"];
    assert_eq!(verify["ok"], true, "{verify:#}");
    let checks = verify["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 3, "libpq and Kong's two paths: {verify:#}");
    assert!(checks.iter().all(|c| c["ok"] == true), "{verify:#}");
    assert_eq!(report["findings"], serde_json::json!([]));
}

#[test]
fn existing_files_are_not_overwritten_without_force() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("out");
    assert_eq!(setup(&out, &[]).status, 0);
    let before: BTreeMap<String, Vec<u8>> = fs::read_dir(&out)
        .expect("out")
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    let again = setup(&out, &[]);
    assert_eq!(again.status, 2, "{}", again.stdout);
    assert!(
        again.stderr.contains("not overwriting existing files"),
        "{}",
        again.stderr
    );
    assert!(again.stderr.contains("server.key"), "{}", again.stderr);
    for (name, bytes) in &before {
        assert_eq!(
            &fs::read(out.join(name)).expect("read"),
            bytes,
            "{name} changed"
        );
    }
    let forced = setup(&out, &["--force"]);
    assert_eq!(forced.status, 0, "{}", forced.stderr);
    assert_ne!(
        fs::read(out.join("server.key")).expect("key"),
        before["server.key"]
    );
    assert_eq!(mode(&out.join("server.key")), 0o600);
    check_files(&forced.json(), &out);
}

#[test]
fn a_symbolic_link_is_never_followed_even_with_force() {
    let tmp = tempfile::tempdir().expect("tmp");
    let target = tmp.path().join("precious");
    fs::write(&target, "do not touch").expect("write");
    let out = tmp.path().join("out");
    fs::create_dir(&out).expect("mkdir");
    std::os::unix::fs::symlink(&target, out.join("server.key")).expect("symlink");
    let run = setup(&out, &["--force"]);
    assert_eq!(run.status, 2, "{}", run.stdout);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(read(&target), "do not touch");
    assert!(!out.join("ca.crt").exists(), "nothing written");
}

#[test]
fn verify_without_postgresql_says_how_to_install_it_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let empty = tempfile::tempdir().expect("empty");
    let out = tmp.path().join("out");
    let run = pgtls_env(
        &["setup", "--out", out.to_str().expect("utf-8"), "--verify"],
        &[("PGTLS_PG_BINDIR", empty.path().as_os_str())],
    );
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("apt-get install -y postgresql"),
        "{}",
        run.stderr
    );
    assert!(
        !out.exists(),
        "nothing written before the verification could run"
    );
}

#[test]
fn bad_options_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("out");
    for args in [
        &["--host", "not a host"][..],
        &["--user", "a b"][..],
        &["--days", "0"][..],
        &["--ca-cert", "/nonexistent"][..],
    ] {
        let run = setup(&out, args);
        assert_eq!(run.status, 2, "{args:?}");
        assert!(!out.exists(), "{args:?}");
    }
}

/// `--server-dir` naming the data directory: the commands setup prints,
/// run as printed, leave a directory PostgreSQL still starts from (0700,
/// never 0755), the server then takes the snippets and psql connects with
/// verify-full and its certificate. check predicts the start-up FATAL of a
/// data directory opened to others, as the real server then writes it.
#[test]
fn server_dir_as_the_data_directory_keeps_the_server_startable() {
    if !is_root() {
        eprintln!("skipped: installing the server's files with chown needs root");
        return;
    }
    let mut cluster = Cluster::start(&ClusterSpec::new()).expect("cluster");
    let data = cluster.data_dir().to_path_buf();
    let out = shared_dir();
    let run = setup(out.path(), &["--server-dir", &data.display().to_string()]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let report = run.json();
    let sql: Vec<&str> = report["commands"]["sql"]
        .as_array()
        .expect("sql")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(
        sql,
        [
            "CREATE ROLE kong LOGIN;",
            "CREATE DATABASE kong OWNER kong;"
        ]
    );
    install_server_files(&report);
    assert_eq!(mode(&data), 0o700, "the data directory stays 0700");

    // The lab writes postgresql.conf at each start; postgresql.auto.conf,
    // read after it, carries the snippet.
    let mut conf = read(&data.join("postgresql.auto.conf"));
    conf.push_str(&read(&out.path().join("postgresql.conf.snippet")));
    cluster
        .write_file(
            "postgresql.auto.conf",
            conf.as_bytes(),
            0o600,
            pgtls_lab::Owner::ServerUser,
        )
        .expect("postgresql.conf");
    cluster
        .write_hba(&format!(
            "local all all trust\n{}\n",
            config_lines(&out.path().join("pg_hba.conf.snippet")).join("\n")
        ))
        .expect("pg_hba.conf");
    cluster
        .restart()
        .expect("the server starts with setup's files");
    connect_libpq(&cluster, out.path());

    let check = |what: &str| {
        let run = pgtls_env(
            &[
                "check",
                "--format",
                "json",
                "-D",
                &data.display().to_string(),
            ],
            &[],
        );
        let v = run.json();
        println!("{what}: {}", v["server_start"]);
        v
    };
    assert_eq!(check("as installed")["server_start"]["starts"], true);
    fs::set_permissions(&data, fs::Permissions::from_mode(0o755)).expect("chmod");
    let v = check("0755");
    assert_eq!(v["server_start"]["starts"], false, "{v:#}");
    let predicted = v["server_start"]["fatal"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(predicted.contains("has invalid permissions"), "{predicted}");
    match cluster.restart() {
        Err(pgtls_lab::LabError::StartFailed { fatal, .. }) => {
            assert!(
                fatal.contains(&predicted),
                "predicted {predicted:?}, server: {fatal}"
            )
        }
        other => panic!("PostgreSQL started from a 0755 data directory: {other:?}"),
    }
    fs::set_permissions(&data, fs::Permissions::from_mode(0o700)).expect("chmod");
    cluster.restart().expect("starts again at 0700");
    connect_libpq(&cluster, out.path());
}
