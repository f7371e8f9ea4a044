//! What pgtls promises about secrets and files, as properties of every
//! command: passwords and private keys never appear in what it prints; the
//! commands that read never write to what they read; bad paths are exit 2
//! with the path named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use pgtls_lab::{files, Cluster, ClusterSpec, LAB_PASSWORD};

use crate::lab_util::{path, pki};
use crate::util::{command, pgtls, Run};

/// Every base64 body line of every private key the run could have touched,
/// plus the DER bytes in hex: none may appear in any output.
fn key_fragments(extra_keys: &[PathBuf]) -> Vec<String> {
    let mut keys: Vec<PathBuf> = [
        files::CLIENT_KONG_KEY,
        files::SERVER_KEY,
        files::ROOT_CA_KEY,
        files::CLIENT_FOO_KEY,
    ]
    .iter()
    .map(|k| pki().path(k))
    .collect();
    keys.extend_from_slice(extra_keys);
    let mut out = Vec::new();
    for key in keys {
        let pem =
            std::fs::read_to_string(&key).unwrap_or_else(|e| panic!("{}: {e}", key.display()));
        for line in pem
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        {
            out.push(line.to_string());
        }
        if let Ok(pkey) = openssl::pkey::PKey::private_key_from_pem(pem.as_bytes()) {
            if let Ok(der) = pkey.private_key_to_der() {
                let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
                out.push(hex[hex.len().saturating_sub(64)..].to_string());
            }
        }
    }
    out
}

fn assert_no_secret(what: &str, run: &Run, fragments: &[String]) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(LAB_PASSWORD),
            "{what}: the password appears in {stream}:\n{text}"
        );
        for f in fragments {
            assert!(
                !text.contains(f.as_str()),
                "{what}: private-key bytes appear in {stream}"
            );
        }
    }
}

fn with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(args);
    cmd.env("RUST_BACKTRACE", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("pgtls runs").into()
}

#[test]
fn no_command_prints_the_password_or_private_key_bytes() {
    let spec = ClusterSpec::new()
        .with_server_tls(pki())
        .expect("tls")
        .with_client_ca(pki())
        .expect("client CA")
        .hba_line("hostssl all kong 127.0.0.1/32 scram-sha-256")
        .hba_line("hostssl all foo 127.0.0.1/32 cert");
    let cluster = Cluster::start(&spec).expect("cluster");
    let port = cluster.port().to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let root = path(files::ROOT_CA);
    let other = path(files::OTHER_CA);
    let cert = path(files::CLIENT_KONG);
    let key = path(files::CLIENT_KONG_KEY);

    let kong_conf = |trust: &str, password: &str| {
        let path = dir
            .path()
            .join(format!("kong-{}.conf", trust.len() + password.len()));
        std::fs::write(
            &path,
            format!(
                "pg_host = 127.0.0.1\npg_port = {port}\npg_user = kong\npg_password = {password}\npg_database = kong\npg_ssl = on\npg_ssl_required = on\npg_ssl_verify = on\npg_ssl_cert = {cert}\npg_ssl_cert_key = {key}\nlua_ssl_trusted_certificate = {trust}\n"
            ),
        )
        .expect("write kong.conf");
        path.display().to_string()
    };
    let good_kong = kong_conf(&root, LAB_PASSWORD);
    let bad_kong = kong_conf(&other, LAB_PASSWORD);
    let wrong_password_kong = kong_conf(&root, &format!("{LAB_PASSWORD}x"));
    let conninfo = format!(
        "host=localhost port={port} user=kong dbname=kong sslmode=verify-full sslrootcert={root}"
    );
    let cert_conninfo =
        format!("host=localhost port={port} user=foo dbname=kong sslmode=verify-full sslrootcert={root} sslcert={cert} sslkey={key}");
    let bad_conninfo = format!(
        "host=localhost port={port} user=kong dbname=kong sslmode=verify-full sslrootcert={other}"
    );
    let target = format!("127.0.0.1:{port}");
    let data_dir = cluster.data_dir().display().to_string();
    let log = cluster.stderr_log_path().display().to_string();
    let setup_out = dir.path().join("setup");
    let setup_out_s = setup_out.display().to_string();
    let pw = [("PGPASSWORD", LAB_PASSWORD)];
    let wrong_pw = [("PGPASSWORD", "not-the-password")];

    let mut runs: Vec<(String, Run)> = Vec::new();
    for format in ["text", "json"] {
        let mut go = |name: &str, args: &[&str], env: &[(&str, &str)]| {
            let mut all = vec!["--format", format];
            all.extend_from_slice(args);
            runs.push((format!("{name} ({format})"), with_env(&all, env)));
        };
        go("probe libpq ok", &["probe", &conninfo], &pw);
        go(
            "probe libpq wrong password",
            &["probe", &conninfo],
            &wrong_pw,
        );
        go("probe libpq untrusted", &["probe", &bad_conninfo], &pw);
        go("probe libpq cert", &["probe", &cert_conninfo], &[]);
        go("probe kong ok", &["probe", "--kong-conf", &good_kong], &[]);
        go(
            "probe kong untrusted",
            &["probe", "--kong-conf", &bad_kong],
            &[],
        );
        go(
            "probe kong wrong password",
            &["probe", "--kong-conf", &wrong_password_kong],
            &[],
        );
        go(
            "probe kong env password",
            &["probe", "--kong"],
            &[
                ("KONG_PG_PORT", port.as_str()),
                ("KONG_PG_PASSWORD", LAB_PASSWORD),
                ("KONG_PG_SSL", "on"),
            ],
        );
        go(
            "check kong",
            &["check", "-D", &data_dir, "--kong-conf", &good_kong],
            &[],
        );
        go(
            "check libpq",
            &["check", "-D", &data_dir, "--libpq", &cert_conninfo],
            &[],
        );
        go(
            "fix libpq",
            &["fix", "-D", &data_dir, "--libpq", &cert_conninfo],
            &[],
        );
        go("scan", &["scan", "--trust", &root, &target], &[]);
        go("logs", &["logs", &log], &[]);
    }
    runs.push((
        "setup".into(),
        with_env(&["setup", "--out", &setup_out_s], &[]),
    ));

    let setup_keys: Vec<PathBuf> = std::fs::read_dir(&setup_out)
        .expect("setup wrote its directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "key"))
        .collect();
    assert!(!setup_keys.is_empty(), "setup writes keys");
    let fragments = key_fragments(&setup_keys);
    for (name, run) in &runs {
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        assert!(
            matches!(run.status, 0 | 1),
            "{name}: exit {}: {}",
            run.status,
            run.stderr
        );
        assert_no_secret(name, run, &fragments);
    }
    // The probes really ran: the good ones connected, the bad ones did not.
    let status = |n: &str| {
        runs.iter()
            .find(|(name, _)| name == n)
            .map(|(_, r)| r.status)
    };
    assert_eq!(status("probe libpq ok (json)"), Some(0));
    assert_eq!(status("probe kong ok (json)"), Some(0));
    assert_eq!(status("probe libpq wrong password (json)"), Some(1));
    assert_eq!(status("probe kong untrusted (json)"), Some(1));

    // Nothing but setup's key files holds key material.
    for entry in std::fs::read_dir(&setup_out).expect("setup dir").flatten() {
        let path = entry.path();
        if setup_keys.contains(&path) {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
        assert!(
            !text.contains("PRIVATE KEY"),
            "{} holds a private key",
            path.display()
        );
    }
}

/// Size, modification time and mode of every file under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let meta = entry.metadata().expect("metadata");
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                out.insert(
                    entry.path(),
                    (
                        meta.len(),
                        meta.modified().expect("mtime"),
                        meta.permissions().mode(),
                    ),
                );
            }
        }
    }
    out
}

#[test]
fn reading_commands_never_write_to_their_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("postgresql.conf"),
        "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
    )
    .expect("conf");
    std::fs::write(d.join("pg_hba.conf"), "hostssl all all 127.0.0.1/32 cert\n").expect("hba");
    std::fs::write(d.join("pg_ident.conf"), "").expect("ident");
    std::fs::copy(pki().path(files::SERVER), d.join("server.crt")).expect("cert");
    std::fs::copy(pki().path(files::SERVER_KEY), d.join("server.key")).expect("key");
    std::fs::write(
        d.join("kong.conf"),
        format!(
            "pg_ssl = on\nlua_ssl_trusted_certificate = {}\n",
            d.join("server.crt").display()
        ),
    )
    .expect("kong.conf");
    std::fs::write(
        d.join("server.log"),
        "2026-11-28 16:16:12.884 UTC [1] FATAL:  connection requires a valid client certificate\n",
    )
    .expect("log");
    std::fs::write(d.join("targets"), "127.0.0.1:1\n").expect("targets");
    let before = snapshot(d);
    let p = |name: &str| d.join(name).display().to_string();
    let runs = [
        pgtls(&["check", "-D", &p(""), "--kong-conf", &p("kong.conf")]),
        pgtls(&[
            "check",
            "--postgresql-conf",
            &p("postgresql.conf"),
            "--hba",
            &p("pg_hba.conf"),
            "--ident",
            &p("pg_ident.conf"),
        ]),
        pgtls(&["logs", &p("server.log")]),
        pgtls(&["logs", &p("")]),
        pgtls(&[
            "explain",
            "FATAL:  connection requires a valid client certificate",
        ]),
        pgtls(&[
            "scan",
            "--timeout",
            "1",
            "--targets-file",
            &p("targets"),
            "--kong-conf",
            &p("kong.conf"),
        ]),
        pgtls(&["probe", "--timeout", "1", "--kong-conf", &p("kong.conf")]),
        // fix without --apply shows and writes nothing, here with a key
        // whose mode it would change and a setting it would edit.
        pgtls(&["fix", "-D", &p(""), "--kong-conf", &p("kong.conf")]),
        pgtls(&[
            "--format",
            "json",
            "fix",
            "-D",
            &p(""),
            "--libpq",
            "host=127.0.0.1 port=1 sslmode=verify-full",
        ]),
    ];
    for run in &runs {
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    assert_eq!(
        before,
        snapshot(d),
        "no input file was created, changed or removed"
    );
}

#[test]
fn bad_input_paths_are_exit_2_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.conf").display().to_string();
    let a_dir = dir.path().display().to_string();
    // A sparse file far larger than any configuration: refused by size, not read.
    let huge = dir.path().join("huge.conf");
    std::fs::File::create(&huge)
        .expect("create")
        .set_len(8 * 1024 * 1024 * 1024)
        .expect("sparse");
    let huge = huge.display().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["probe", "--kong-conf", &missing], &missing),
        (vec!["probe", "--kong-conf", &a_dir], &a_dir),
        (vec!["probe", "--kong-conf", &huge], &huge),
        (vec!["check", "--postgresql-conf", &missing], &missing),
        (vec!["check", "--postgresql-conf", &huge], &huge),
        (vec!["scan", "--targets-file", &missing], &missing),
        (vec!["scan", "--targets-file", &a_dir], &a_dir),
        (vec!["scan", "--targets-file", &huge], &huge),
        (vec!["scan", "--trust", &huge, "127.0.0.1:1"], &huge),
        (vec!["logs", &missing], &missing),
    ];
    for (args, path) in cases {
        let run = pgtls(&args);
        assert_eq!(
            run.status, 2,
            "{args:?}: exit {} stdout {} stderr {}",
            run.status, run.stdout, run.stderr
        );
        assert!(
            run.stderr.contains(path),
            "{args:?}: the error names {path}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"));
    }
}
