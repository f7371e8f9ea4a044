//! Clusters against the real PostgreSQL: TLS with the lab PKI, start-up
//! failures with the server's own FATAL line, Japanese messages, logs,
//! reload/restart and clean-up.

use std::path::Path;
use std::time::Duration;

use pgtls_lab::{files, shared_pki, Cluster, ClusterSpec, LabError, Owner, LAB_PASSWORD};

const LOG_WAIT: Duration = Duration::from_secs(5);

fn tls_spec() -> ClusterSpec {
    ClusterSpec::new()
        .with_server_tls(shared_pki().unwrap())
        .unwrap()
        .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256")
}

fn verify_full(user: &str) -> String {
    let root = shared_pki().unwrap().path(files::ROOT_CA);
    format!(
        "host=localhost user={user} sslmode=verify-full sslrootcert={}",
        root.display()
    )
}

fn process_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

#[test]
fn verify_full_with_scram_over_tls() {
    let cluster = Cluster::start(&tls_spec()).unwrap();
    let mark = cluster.log_mark();
    let out = cluster.psql(&verify_full("kong"), &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(out.status, 0, "stderr: {}", out.stderr);
    let version: u32 = out.stdout.trim().parse().unwrap();
    assert!(version >= 150000, "{version}");
    let log = cluster
        .wait_for_log(&mark, "connection authorized: user=kong", LOG_WAIT)
        .unwrap();
    eprintln!("--- verify-full success log ---\n{log}");
    assert!(log.contains("SSL enabled"), "{log}");

    // Without TLS the hostssl line does not match.
    let mark = cluster.log_mark();
    let plain = cluster.psql("user=kong sslmode=disable", &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(plain.status, 2);
    eprintln!("--- sslmode=disable client ---\n{}", plain.stderr);
    assert!(
        plain.stderr.contains("no pg_hba.conf entry"),
        "{}",
        plain.stderr
    );
    let log = cluster
        .wait_for_log(&mark, "no pg_hba.conf entry", LOG_WAIT)
        .unwrap();
    eprintln!("--- sslmode=disable server ---\n{log}");

    // The expired-certificate CA trust is not the issue here; the unrelated
    // CA is: the client must refuse the server.
    let other = shared_pki().unwrap().path(files::OTHER_CA);
    let mark = cluster.log_mark();
    let wrong_ca = cluster.psql(
        &format!(
            "host=localhost user=kong sslmode=verify-full sslrootcert={}",
            other.display()
        ),
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_eq!(wrong_ca.status, 2);
    eprintln!("--- unrelated CA client ---\n{}", wrong_ca.stderr);
    assert!(
        wrong_ca.stderr.contains("certificate verify failed"),
        "{}",
        wrong_ca.stderr
    );
    let log = cluster
        .wait_for_log(&mark, "could not accept SSL connection", LOG_WAIT)
        .unwrap();
    eprintln!("--- unrelated CA server ---\n{log}");
}

#[test]
fn missing_server_certificate_is_start_failed() {
    let spec = ClusterSpec::new()
        .setting("ssl", "on")
        .setting("ssl_cert_file", "'server.crt'")
        .setting("ssl_key_file", "'server.key'");
    let err = Cluster::start(&spec).unwrap_err();
    match &err {
        LabError::StartFailed { fatal, log } => {
            eprintln!("--- missing server.crt ---\nfatal: {fatal}\nlog:\n{log}");
            assert!(
                fatal.starts_with("FATAL:  could not load server certificate file"),
                "{fatal}"
            );
            assert!(fatal.contains("server.crt"), "{fatal}");
            assert!(log.contains(fatal.as_str()), "{log}");
        }
        other => panic!("expected StartFailed, got {other}"),
    }
    assert!(err
        .to_string()
        .starts_with("postgresql did not start: FATAL:"));
}

#[test]
fn weak_server_key_is_start_failed() {
    let pki = shared_pki().unwrap();
    let spec = ClusterSpec::new()
        .setting("ssl", "on")
        .file(
            pki.data_file(files::SERVER_WEAK, "server.crt", 0o600, Owner::ServerUser)
                .unwrap(),
        )
        .file(
            pki.data_file(
                files::SERVER_WEAK_KEY,
                "server.key",
                0o600,
                Owner::ServerUser,
            )
            .unwrap(),
        );
    match Cluster::start(&spec) {
        Err(LabError::StartFailed { fatal, log }) => {
            eprintln!("--- weak key ---\nfatal: {fatal}\nlog:\n{log}");
            assert!(fatal.contains("server.crt"), "{fatal}");
        }
        Ok(_) => panic!("a 1024-bit RSA server key was accepted"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn japanese_messages() {
    let spec = ClusterSpec::new()
        .japanese(true)
        .hba_line("host all all 127.0.0.1/32 scram-sha-256");
    let cluster = Cluster::start(&spec).unwrap();
    let mark = cluster.log_mark();
    let out = cluster.psql("user=kong sslmode=disable", &[("PGPASSWORD", "wrong")]);
    assert_eq!(out.status, 2);
    eprintln!("--- wrong password, client (LANG=C) ---\n{}", out.stderr);
    let log = cluster
        .wait_for_log(&mark, "パスワード認証に失敗しました", LOG_WAIT)
        .unwrap();
    eprintln!("--- wrong password, japanese server ---\n{log}");
    assert!(
        log.contains("ユーザー\"kong\"のパスワード認証に失敗しました"),
        "{log}"
    );

    // The client speaks Japanese too when asked.
    let out = cluster.psql(
        "user=kong sslmode=disable",
        &[("PGPASSWORD", "wrong"), ("LANG", "ja_JP.UTF-8")],
    );
    eprintln!(
        "--- wrong password, client (LANG=ja_JP.UTF-8) ---\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("パスワード認証に失敗しました"),
        "{}",
        out.stderr
    );
}

#[test]
fn two_clusters_at_once_and_clean_up() {
    let a = Cluster::start(&ClusterSpec::new()).unwrap();
    let b = Cluster::start(&ClusterSpec::new()).unwrap();
    assert_ne!(a.port(), b.port());
    assert_ne!(a.data_dir(), b.data_dir());
    assert_eq!(a.sql("select 1").unwrap(), "1");
    assert_eq!(b.sql("show port").unwrap(), b.port().to_string());
    assert_eq!(a.host(), "127.0.0.1");
    assert_eq!(a.sql("show listen_addresses").unwrap(), "127.0.0.1");
    assert!(a.socket_dir().as_os_str().len() < 100);

    let pid = a.pid().unwrap();
    let dir = a.dir().to_path_buf();
    assert!(process_alive(pid));
    drop(a);
    assert!(!process_alive(pid), "server still running after drop");
    assert!(!dir.exists(), "{} still exists", dir.display());

    let pid = b.pid().unwrap();
    let dir = b.dir().to_path_buf();
    b.stop().unwrap();
    assert!(!process_alive(pid));
    assert!(!dir.exists());
}

#[test]
fn template_roles_and_database() {
    let c = Cluster::start(&ClusterSpec::new()).unwrap();
    let roles = c
        .sql(
            "select rolname, rolcanlogin, coalesce(split_part(rolpassword, '$', 1), '-') \
             from pg_authid where rolname in ('kong', 'kong_md5', 'foo') order by rolname",
        )
        .unwrap();
    let mut lines: Vec<String> = roles.lines().map(str::to_string).collect();
    // md5 hashes have no '$': keep only the prefix.
    for l in &mut lines {
        if l.starts_with("kong_md5|") {
            l.truncate("kong_md5|t|md5".len());
        }
    }
    assert_eq!(
        lines,
        vec!["foo|t|-", "kong|t|SCRAM-SHA-256", "kong_md5|t|md5"]
    );
    assert_eq!(
        c.sql("select pg_get_userbyid(datdba) from pg_database where datname = 'kong'")
            .unwrap(),
        "kong"
    );
    assert_eq!(c.sql("show log_connections").unwrap(), "on");
    assert_eq!(c.sql("show log_line_prefix").unwrap(), "%m [%p] ");
    assert!(c.sql("select nonsense").is_err());
}

#[test]
fn md5_and_trust_lines() {
    let spec = ClusterSpec::new()
        .hba_line("host all kong_md5 127.0.0.1/32 md5")
        .hba_line("host all foo 127.0.0.1/32 trust");
    let c = Cluster::start(&spec).unwrap();
    let out = c.psql(
        "user=kong_md5 dbname=kong sslmode=disable",
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let out = c.psql("user=foo dbname=kong sslmode=disable", &[]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let out = c.psql(
        "user=kong dbname=kong sslmode=disable",
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
}

#[test]
fn csv_and_json_logs() {
    let spec = ClusterSpec::new()
        .csvlog(true)
        .jsonlog(true)
        .hba_line("host all all 127.0.0.1/32 scram-sha-256");
    let c = Cluster::start(&spec).unwrap();
    let mark = c.log_mark();
    let out = c.psql("user=kong sslmode=disable", &[("PGPASSWORD", "wrong")]);
    assert_eq!(out.status, 2);
    let text = c
        .wait_for_log(
            &mark,
            "password authentication failed for user \"kong\"",
            LOG_WAIT,
        )
        .unwrap();
    eprintln!("--- collector stderr-format log ---\n{text}");
    let csv = c.csv_log_path().unwrap();
    let json = c.json_log_path().unwrap();
    wait_until(|| read(csv).contains("password authentication failed"));
    wait_until(|| read(json).contains("password authentication failed"));
    eprintln!("--- csvlog ---\n{}", read(csv));
    eprintln!("--- jsonlog ---\n{}", read(json));
    for line in read(json).lines() {
        assert!(line.starts_with('{') && line.ends_with('}'), "{line}");
    }
    assert!(c.collected_log_path().unwrap().is_file());
}

#[test]
fn reload_and_restart() {
    let mut c = Cluster::start(&tls_spec()).unwrap();
    let env = [("PGPASSWORD", LAB_PASSWORD)];
    assert_eq!(c.psql(&verify_full("kong"), &env).status, 0);

    // A reload applies a new pg_hba.conf.
    c.write_hba("hostssl all all 127.0.0.1/32 reject").unwrap();
    c.reload().unwrap();
    let out = c.psql(&verify_full("kong"), &env);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("rejects connection"), "{}", out.stderr);

    // A restart that cannot load the certificate reports the FATAL, and a
    // fixed file lets the next restart succeed.
    let port = c.port();
    c.write_file(
        "server.crt",
        b"not a certificate\n",
        0o600,
        Owner::ServerUser,
    )
    .unwrap();
    match c.restart() {
        Err(LabError::StartFailed { fatal, .. }) => {
            eprintln!("--- restart with garbage server.crt ---\n{fatal}");
            assert!(
                fatal.contains("could not load server certificate file"),
                "{fatal}"
            );
        }
        other => panic!("expected StartFailed, got {other:?}"),
    }
    assert!(!c.is_running());
    let pki = shared_pki().unwrap();
    c.write_file(
        "server.crt",
        &pki.read(files::SERVER).unwrap(),
        0o600,
        Owner::ServerUser,
    )
    .unwrap();
    c.write_hba("hostssl all all 127.0.0.1/32 scram-sha-256")
        .unwrap();
    c.restart().unwrap();
    assert_eq!(c.port(), port);
    let out = c.psql(&verify_full("kong"), &env);
    assert_eq!(out.status, 0, "{}", out.stderr);
}

#[test]
fn invalid_specs_are_refused() {
    let port = ClusterSpec::new().setting("port", "5432");
    assert!(matches!(
        Cluster::start(&port),
        Err(LabError::InvalidSpec(_))
    ));
    let newline = ClusterSpec::new().setting("ssl", "on\nport = 1");
    assert!(matches!(
        Cluster::start(&newline),
        Err(LabError::InvalidSpec(_))
    ));
    let escape = ClusterSpec::new().file(pgtls_lab::DataFile::new(
        "../escape",
        "x",
        0o600,
        Owner::ServerUser,
    ));
    assert!(matches!(
        Cluster::start(&escape),
        Err(LabError::InvalidSpec(_))
    ));
}

#[test]
fn data_files_debug_hides_contents() {
    let pki = shared_pki().unwrap();
    let f = pki
        .data_file(files::SERVER_KEY, "server.key", 0o600, Owner::ServerUser)
        .unwrap();
    let dbg = format!("{f:?}");
    assert!(!dbg.contains("PRIVATE"), "{dbg}");
    assert!(dbg.contains("server.key") && dbg.contains("600"), "{dbg}");
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

fn wait_until(f: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + LOG_WAIT;
    while !f() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition not met in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
