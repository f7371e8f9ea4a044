//! `pgtls probe` against real PostgreSQL 15 clusters from the lab, in Kong
//! mode and libpq mode: the code, the client line and a fix that works
//! (applied to the cluster or the client configuration, then probed
//! again), plus servers that misbehave and the promise that no secret is
//! ever printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pgtls_lab::{
    files, issue_cert, CertSpec, Cluster, ClusterSpec, DataFile, KeyType, Owner, Validity,
    LAB_PASSWORD,
};
use serde_json::Value;

use crate::lab_util::{
    cert_args, codes, free_port, mtls_cert_auth, path, pki, ssl_off_with_files, start, tls,
    tls_scram, two_intermediates, HOSTSSL_SCRAM,
};
use crate::util::Run;

/// A scratch directory: HOME for the probe, kong.conf, extra PEM files.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::Builder::new()
                .prefix("pgtls-probe-test-")
                .tempdir()
                .expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write scratch file");
        path
    }

    fn write_mode(&self, name: &str, bytes: &[u8], mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write scratch file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        path
    }
}

/// Runs `pgtls probe` with a clean environment: only PATH, HOME (the
/// scratch directory), LANG=C, NO_COLOR and `env`.
fn probe(scratch: &Scratch, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgtls"));
    cmd.arg("probe")
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", scratch.path())
        .env("LANG", "C")
        .env("NO_COLOR", "1")
        .env("COLUMNS", crate::util::UNWRAPPED)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("pgtls runs").into()
}

fn json_probe(scratch: &Scratch, args: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    probe(scratch, &all, env).report("probe")
}

fn error_codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["severity"] == "error")
                .filter_map(|f| f["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn finding<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == code))
        .unwrap_or_else(|| panic!("no {code} in {v:#}"))
}

fn fact(v: &Value, code: &str, key: &str) -> String {
    finding(v, code)["facts"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no fact {key} in {code}: {v:#}"))
        .to_string()
}

fn path_of<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["paths"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no path {name}: {v:#}"))
}

const KONG_PREFIX: &str =
    "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: ";

fn root() -> String {
    path(files::ROOT_CA)
}

/// kong.conf for the lab cluster with TLS and verification on, plus
/// `extra` lines.
fn kong_conf(scratch: &Scratch, cluster: &Cluster, extra: &str) -> String {
    let text = format!(
        "pg_host = 127.0.0.1\npg_port = {}\npg_user = kong\npg_password = {LAB_PASSWORD}\npg_database = kong\npg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {}\n{extra}",
        cluster.port(),
        root()
    );
    scratch.write("kong.conf", &text).display().to_string()
}

fn libpq(cluster: &Cluster, extra: &str) -> String {
    format!(
        "host=127.0.0.1 port={} user=kong dbname=kong {extra}",
        cluster.port()
    )
}

/// [`libpq`] verifying the server against the lab root CA.
fn libpq_verify_full(cluster: &Cluster) -> String {
    libpq(
        cluster,
        &format!("sslmode=verify-full sslrootcert={}", root()),
    )
}

/// The same connection through the real psql: its stderr.
fn real_psql(cluster: &Cluster, conninfo: &str, password: &str) -> String {
    let out = cluster.psql(conninfo, &[("PGPASSWORD", password)]);
    out.stderr.trim_end().to_string()
}

/// Applies a server-side fix given as `name = 'value'`.
fn alter_system(cluster: &Cluster, setting: &str) {
    let (name, value) = setting.split_once(" = ").expect("name = value");
    cluster
        .sql(&format!("ALTER SYSTEM SET {name} = {value}"))
        .expect("alter system");
    cluster.reload().expect("reload");
}

#[test]
fn verify_full_scram_success_in_both_modes() {
    let cluster = start(tls_scram(files::SERVER, files::SERVER_KEY));
    let s = Scratch::new();
    let conninfo = libpq_verify_full(&cluster);
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["client"], "libpq");
    assert_eq!(v["tls_version"], "TLSv1.3");
    assert!(v["cipher"].as_str().is_some_and(|c| c.starts_with("TLS_")));
    assert_eq!(v["auth_method"], "SCRAM-SHA-256-PLUS");
    let version = real_psql_version(&cluster);
    assert_eq!(v["server_version_num"].as_u64(), Some(version));
    assert_eq!(v["chain"][0]["subject"], "CN=localhost");
    assert_eq!(v["chain"][0]["issuer"], "CN=pgtls lab root CA");
    assert!(v["chain"][0]["days_left"].as_i64().is_some_and(|d| d > 300));
    assert_eq!(v["client_certificate_requested"], false);
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        steps,
        [
            "tcp",
            "ssl_request",
            "tls_handshake",
            "startup",
            "auth",
            "query"
        ]
    );
    for step in v["steps"].as_array().expect("steps") {
        assert_eq!(step["ok"], true);
        assert!(step["elapsed_ms"].as_f64().is_some());
        assert!(!step["sent"].as_array().expect("sent").is_empty(), "{step}");
    }
    assert_eq!(v["client_line"], Value::Null);
    assert!(error_codes(&v).is_empty(), "{v:#}");

    // The ladder: one row per message, both columns, timings.
    let run = probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(run.status, 0);
    let out = &run.stdout;
    for row in [
        "SSLRequest ──▶",
        "◀── 'S'",
        "ClientHello ──▶",
        "◀── ServerHello",
        "◀── Certificate (1 cert)",
        "SASLInitialResponse SCRAM-SHA-256-PLUS ──▶",
    ] {
        assert!(out.contains(row), "{row} missing:\n{out}");
    }
    assert!(
        regex::Regex::new(r"tls_handshake \d+\.\d ms")
            .unwrap()
            .is_match(out),
        "{out}"
    );
    assert!(out.contains("✓ connected: TLSv1.3"), "{out}");
    assert!(
        out.contains("└─ CN=pgtls lab root CA  (not sent; in the client's trust store ✓)"),
        "{out}"
    );
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );

    // Japanese.
    let ja = probe(
        &s,
        &["--lang", "ja", &conninfo],
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert!(ja.stdout.contains("✓ 接続成功"), "{}", ja.stdout);

    // ~/.pgpass instead of PGPASSWORD.
    s.write_mode(
        ".pgpass",
        format!("127.0.0.1:{}:kong:kong:{LAB_PASSWORD}\n", cluster.port()).as_bytes(),
        0o600,
    );
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 0, "{v:#}");
    let pw = v["settings"]
        .as_array()
        .expect("settings")
        .iter()
        .find(|x| x["key"] == "password")
        .expect("password source shown");
    assert!(
        pw["origin"]
            .as_str()
            .is_some_and(|o| o.ends_with(".pgpass:1")),
        "{pw}"
    );
    assert_eq!(pw["value"], "***");

    // A wrong password: PGTLS017 in both modes, the server's own words.
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", "wrong")]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS017"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                &format!(
                    "sslmode=verify-full sslrootcert={} user=kong dbname=kong",
                    root()
                ),
                "wrong"
            )
            .as_str()
        )
    );
    let conf = kong_conf(&s, &cluster, "pg_password = wrong\n");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS017"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            format!("{KONG_PREFIX}FATAL: password authentication failed for user \"kong\"")
                .as_str()
        )
    );
    let ev = finding(&v, "PGTLS017")["evidence"].to_string();
    assert!(
        ev.contains("kong.conf:9"),
        "the password's origin is named: {ev}"
    );

    // Kong: both paths connect; Kong's blindness to host names is said.
    let conf = kong_conf(&s, &cluster, "");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["client"], "kong");
    assert_eq!(v["edition"], "oss");
    assert_eq!(path_of(&v, "cosocket")["ok"], true);
    assert_eq!(path_of(&v, "luasec")["ok"], true);
    assert_eq!(v["auth_method"], "SCRAM-SHA-256-PLUS");
    assert!(
        codes(&v).contains(&"PGTLS021".to_string()),
        "pg_ssl without pg_ssl_required: {v:#}"
    );
    assert!(
        v["notes"]
            .to_string()
            .contains("Kong does not check host names"),
        "{v:#}"
    );
}

fn real_psql_version(cluster: &Cluster) -> u64 {
    let out = cluster.psql(
        &format!(
            "sslmode=verify-full sslrootcert={} user=kong dbname=kong",
            root()
        ),
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    out.stdout.trim().parse().expect("psql printed the version")
}

#[test]
fn protocol_mismatch_pgtls001_both_sides_and_both_fixes() {
    let cluster = start(
        tls(files::SERVER, files::SERVER_KEY)
            .setting("ssl_min_protocol_version", "'TLSv1.3'")
            .hba_line(HOSTSSL_SCRAM),
    );
    let s = Scratch::new();

    // Kong Enterprise pins TLS 1.2 on its LuaSec path (pg_ssl_version).
    let conf = kong_conf(&s, &cluster, "pg_ssl_version = tlsv1_2\n");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf, "--kong-shape", "luasec"], &[]);
    assert_eq!(status, 1, "{v:#}");
    assert_eq!(
        v["edition"], "enterprise",
        "pg_ssl_version is an Enterprise option"
    );
    assert_eq!(
        path_of(&v, "cosocket")["ok"],
        true,
        "lua_ssl_protocols allows TLS 1.3"
    );
    assert_eq!(path_of(&v, "luasec")["ok"], false);
    assert_eq!(
        v["paths"][0]["name"], "luasec",
        "--kong-shape picks the first"
    );
    assert_eq!(
        v["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}tlsv1 alert protocol version").as_str())
    );
    assert!(v["paths"][0]["other_lines"][0]
        .as_str()
        .is_some_and(|l| l.starts_with("nginx: [error] init_by_lua error:")));
    assert_eq!(error_codes(&v), ["PGTLS001"]);
    assert_eq!(fact(&v, "PGTLS001", "server_range"), "TLSv1.3..TLSv1.3");
    assert_eq!(fact(&v, "PGTLS001", "client_range"), "TLSv1.2..TLSv1.2");
    assert_eq!(v["server_tls_versions"]["TLSv1.2"], "rejected");
    assert_eq!(v["server_tls_versions"]["TLSv1.3"], "accepted");
    let fix = finding(&v, "PGTLS001")["fix"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        fix.contains("kong.conf line 9 set `pg_ssl_version = tlsv1_3`"),
        "{fix}"
    );
    // tlsv1_2 is the failing value: no step advises it, and no step says
    // the same thing twice.
    let steps: Vec<String> = finding(&v, "PGTLS001")["fix"]
        .as_array()
        .expect("fix")
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        !steps.iter().any(|s| s.contains("pg_ssl_version = tlsv1_2")),
        "{steps:#?}"
    );
    assert_eq!(
        steps
            .iter()
            .filter(|s| s.contains("ssl_min_protocol_version")
                || s.contains("ssl_max_protocol_version"))
            .count(),
        1,
        "{steps:#?}"
    );
    // Applying the client-side change.
    let client_fix = fact(&v, "PGTLS001", "client_fix");
    let conf = kong_conf(
        &s,
        &cluster,
        &format!("pg_ssl_version = tlsv1_2\n{client_fix}\n"),
    );
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 0, "after {client_fix}: {v:#}");

    // Open-source Kong ignores pg_ssl_version and connects.
    let conf = kong_conf(&s, &cluster, "pg_ssl_version = tlsv1_2\n");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf, "--kong-edition", "oss"], &[]);
    assert_eq!(status, 0, "{v:#}");
    assert!(
        v["notes"]
            .to_string()
            .contains("open-source Kong ignores them"),
        "{v:#}"
    );

    // libpq with a TLS 1.2 maximum: psql's own line, both ranges.
    let conninfo = libpq(
        &cluster,
        &format!(
            "sslmode=verify-full sslrootcert={} ssl_max_protocol_version=TLSv1.2",
            root()
        ),
    );
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS001"], "{v:#}");
    let expected = real_psql(
        &cluster,
        &format!("sslmode=verify-full sslrootcert={} ssl_max_protocol_version=TLSv1.2 user=kong dbname=kong", root()),
        LAB_PASSWORD,
    );
    assert_eq!(v["client_line"].as_str(), Some(expected.as_str()));
    assert_eq!(
        fact(&v, "PGTLS001", "client_fix"),
        "ssl_max_protocol_version=TLSv1.3"
    );
    let text = probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]).stdout;
    assert!(text.contains("server (one handshake per version): TLSv1.0 rejected, TLSv1.1 rejected, TLSv1.2 rejected, TLSv1.3 accepted"), "{text}");
    assert!(text.contains("offers TLSv1.2: ssl_min_protocol_version = TLSv1.2 (default); ssl_max_protocol_version = TLSv1.2 (connection string)"), "{text}");
    // The fix comes last, where the eye lands.
    let last_block = text.rsplit("fix:").next().unwrap_or_default();
    assert!(
        last_block.contains("ssl_max_protocol_version=TLSv1.3"),
        "{text}"
    );
    // Applying the server-side change.
    let server_fix = fact(&v, "PGTLS001", "server_fix");
    assert_eq!(server_fix, "ssl_min_protocol_version = 'TLSv1.2'");
    alter_system(&cluster, &server_fix);
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 0, "after {server_fix}: {v:#}");
    assert_eq!(v["tls_version"], "TLSv1.2");
}

#[test]
fn rejected_server_chain_untrusted_pgtls005_and_expired_pgtls010() {
    let cluster = start(tls_scram(files::SERVER, files::SERVER_KEY));
    let s = Scratch::new();
    let other = path(files::OTHER_CA);
    let conf = s.write(
        "kong.conf",
        &format!(
            "pg_host = 127.0.0.1\npg_port = {}\npg_password = {LAB_PASSWORD}\npg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {other}\n",
            cluster.port()
        ),
    );
    let conf = conf.display().to_string();
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS005"], "{v:#}");
    assert_eq!(
        path_of(&v, "cosocket")["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}21: unable to verify the first certificate").as_str())
    );
    assert_eq!(
        path_of(&v, "luasec")["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}certificate verify failed").as_str())
    );
    assert_eq!(fact(&v, "PGTLS005", "missing_ca"), "CN=pgtls lab root CA");
    assert_eq!(fact(&v, "PGTLS005", "verify_code"), "21");
    let f = finding(&v, "PGTLS005");
    assert!(
        f["fix"][0]
            .as_str()
            .is_some_and(|x| x.contains("kong.conf line 6 set `lua_ssl_trusted_certificate =")),
        "{f:#}"
    );
    // The text names both paths' lines and ends with the fix.
    let text = probe(&s, &["--kong-conf", &conf], &[]).stdout;
    assert!(text.contains("nginx error.log:\n    lua ssl certificate verify error: (21: unable to verify the first certificate)"), "{text}");
    assert!(
        text.contains("└─ CN=pgtls lab root CA  (not sent; NOT in the client's trust store ✗)"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit())),
        "{text}"
    );
    // Adding the CA to the trust store works.
    let fixed = s.write(
        "kong.conf",
        &format!(
            "{}lua_ssl_trusted_certificate = {other},{}\n",
            std::fs::read_to_string(&conf).unwrap(),
            root()
        ),
    );
    let (status, v) = json_probe(&s, &["--kong-conf", &fixed.display().to_string()], &[]);
    assert_eq!(status, 0, "{v:#}");

    // libpq: psql's line, the same code.
    let conninfo = libpq(
        &cluster,
        &format!("sslmode=verify-full sslrootcert={other}"),
    );
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS005"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                &format!("sslmode=verify-full sslrootcert={other} user=kong dbname=kong"),
                LAB_PASSWORD
            )
            .as_str()
        )
    );

    // An expired server certificate.
    let expired = start(tls_scram(files::SERVER_EXPIRED, files::SERVER_EXPIRED_KEY));
    let conf = kong_conf(&s, &expired, "");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS010"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}10: certificate has expired").as_str())
    );
    let conninfo = libpq_verify_full(&expired);
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS010"], "{v:#}");
    assert!(fact(&v, "PGTLS010", "not_after").len() == 20);
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &expired,
                &format!(
                    "sslmode=verify-full sslrootcert={} user=kong dbname=kong",
                    root()
                ),
                LAB_PASSWORD
            )
            .as_str()
        )
    );
}

#[test]
fn missing_intermediate_pgtls014_and_verify_depth_pgtls013() {
    let pki = pki();
    // The server sends its leaf without the intermediate.
    let mut cluster = start(tls_scram(
        files::SERVER_VIA_INTERMEDIATE,
        files::SERVER_VIA_INTERMEDIATE_KEY,
    ));
    let s = Scratch::new();
    let conninfo = libpq_verify_full(&cluster);
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS014"], "{v:#}");
    let intermediate = pki.path(files::INTERMEDIATE_CA).display().to_string();
    assert!(
        fact(&v, "PGTLS014", "intermediate")
            .split(' ')
            .any(|p| p.ends_with(".crt")),
        "{v:#}"
    );
    let conf = kong_conf(&s, &cluster, "");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS014"], "{v:#}");
    // The fix: the server sends leaf + intermediate.
    let mut chain = pki.read(files::SERVER_VIA_INTERMEDIATE).expect("leaf");
    chain.extend(std::fs::read(&intermediate).expect("intermediate"));
    cluster
        .write_file("server.crt", &chain, 0o600, Owner::ServerUser)
        .expect("write chain");
    cluster.restart().expect("restart");
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 0, "{v:#}");

    // Two intermediates: Kong's default depth 1 is too short on the
    // cosocket path; LuaSec ignores the depth.
    let deep = start(two_intermediates());
    let conf = kong_conf(&s, &deep, "");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS013"], "{v:#}");
    assert_eq!(path_of(&v, "luasec")["ok"], true);
    assert_eq!(
        v["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}20: unable to get local issuer certificate").as_str())
    );
    let depth = fact(&v, "PGTLS013", "lua_ssl_verify_depth");
    assert_eq!(depth, "2");
    assert!(finding(&v, "PGTLS013")["fix"][0]
        .as_str()
        .is_some_and(|f| f.contains("add `lua_ssl_verify_depth = 2` to")));
    let conf = kong_conf(&s, &deep, &format!("lua_ssl_verify_depth = {depth}\n"));
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 0, "{v:#}");
}

#[test]
fn weak_server_key_for_a_stricter_client_pgtls022() {
    let pki = pki();
    // RSA 2048, expiring in ten days.
    let rsa = issue_cert(
        &CertSpec::localhost_server()
            .key_type(KeyType::Rsa(2048))
            .validity(Validity {
                not_before_days: -1,
                not_after_days: 10,
            }),
        Some(pki.root_ca()),
    )
    .expect("rsa 2048");
    let cluster = start(
        ClusterSpec::new()
            .setting("ssl", "on")
            .file(DataFile::new(
                "server.crt",
                rsa.cert_pem().expect("pem"),
                0o600,
                Owner::ServerUser,
            ))
            .file(DataFile::new(
                "server.key",
                rsa.key_pem().expect("key"),
                0o600,
                Owner::ServerUser,
            ))
            .hba_line(HOSTSSL_SCRAM),
    );
    let s = Scratch::new();
    let conninfo = libpq_verify_full(&cluster);
    // At this host's level (2) RSA 2048 is fine; a client host at level 3
    // refuses it.
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 0, "a warning alone: {v:#}");
    assert_eq!(codes(&v), ["PGTLS023"], "expires within 30 days: {v:#}");
    // notAfter is ten days from issue; a probe in the same second still sees 10.
    let days_left = fact(&v, "PGTLS023", "days_left");
    assert!(days_left == "9" || days_left == "10", "{days_left}");
    let (status, v) = json_probe(
        &s,
        &["--security-level", "3", &conninfo],
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_eq!(status, 1, "{v:#}");
    assert_eq!(error_codes(&v), ["PGTLS022"], "{v:#}");
    let ev = finding(&v, "PGTLS022")["evidence"].to_string();
    assert!(
        ev.contains("RSA 2048 key (security level 3 needs RSA >= 3072)"),
        "{ev}"
    );
}

fn client_cert_conf(
    scratch: &Scratch,
    cluster: &Cluster,
    cert: &str,
    key: &str,
    extra: &str,
) -> String {
    kong_conf(
        scratch,
        cluster,
        &format!(
            "pg_ssl_cert = {}\npg_ssl_cert_key = {}\n{extra}",
            pki().path(cert).display(),
            pki().path(key).display()
        ),
    )
}

#[test]
fn client_certificates_pgtls008_pgtls011_pgtls006_pgtls007_with_fixes() {
    let pki = pki();
    let cluster = start(mtls_cert_auth());
    let s = Scratch::new();
    let base = format!("sslmode=verify-full sslrootcert={}", root());

    // PGTLS008: no certificate.
    let conninfo = libpq(&cluster, &base);
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS008"], "{v:#}");
    assert_eq!(v["client_certificate_requested"], true);
    assert_eq!(v["client_ca_names"][0], "CN=pgtls lab root CA");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                &format!("{base} user=kong dbname=kong"),
                LAB_PASSWORD
            )
            .as_str()
        )
    );
    assert_eq!(fact(&v, "PGTLS008", "client_settings"), "sslcert sslkey");
    // prefer retries without TLS, as psql does, and still says why.
    let prefer = libpq(&cluster, "sslmode=prefer");
    let (_, v) = json_probe(&s, &[&prefer], &[]);
    assert_eq!(error_codes(&v), ["PGTLS008"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                "sslmode=prefer user=kong dbname=kong",
                LAB_PASSWORD
            )
            .as_str()
        )
    );
    // The fix: configure the certificate and key.
    let fixed = kong_cert_client(&cluster, &base);
    let (status, v) = json_probe(&s, &[&fixed], &[]);
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(
        v["auth_method"], "cert",
        "cert authentication asks for no password"
    );

    // Open-source Kong ignores pg_ssl_cert: PGTLS008; Enterprise connects.
    let conf = client_cert_conf(&s, &cluster, files::CLIENT_KONG, files::CLIENT_KONG_KEY, "");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf, "--kong-edition", "oss"], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS008"], "{v:#}");
    assert!(finding(&v, "PGTLS008")["reading"]
        .as_str()
        .is_some_and(|r| r.contains("open-source Kong never sends a client certificate")));
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            format!("{KONG_PREFIX}FATAL: connection requires a valid client certificate").as_str()
        )
    );
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 0, "pg_ssl_cert makes it Enterprise: {v:#}");
    assert_eq!(v["edition"], "enterprise");

    // PGTLS011: an expired client certificate; the server says so.
    let expired = libpq(
        &cluster,
        &format!(
            "{base} {}",
            cert_args(files::CLIENT_EXPIRED, files::CLIENT_EXPIRED_KEY)
        ),
    );
    let (status, v) = json_probe(&s, &[&expired], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS011"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                &format!(
                    "{base} {} user=kong dbname=kong",
                    cert_args(files::CLIENT_EXPIRED, files::CLIENT_EXPIRED_KEY)
                ),
                LAB_PASSWORD
            )
            .as_str()
        )
    );
    let conf = client_cert_conf(
        &s,
        &cluster,
        files::CLIENT_EXPIRED,
        files::CLIENT_EXPIRED_KEY,
        "",
    );
    let (_, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(error_codes(&v), ["PGTLS011"], "{v:#}");

    // PGTLS006: a certificate from a CA the server does not know. Over TLS
    // 1.3 the server's alert arrives after the handshake.
    let other = cert_args(files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY);
    let conninfo = libpq(&cluster, &format!("{base} {other}"));
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS006"], "{v:#}");
    assert_eq!(
        fact(&v, "PGTLS006", "client_cert_issuer"),
        "CN=pgtls lab unrelated CA"
    );
    assert_eq!(
        fact(&v, "PGTLS006", "server_ca_names"),
        "CN=pgtls lab root CA"
    );
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                &format!("{base} {other} user=kong dbname=kong"),
                LAB_PASSWORD
            )
            .as_str()
        )
    );
    let conf = client_cert_conf(
        &s,
        &cluster,
        files::CLIENT_OTHER_CA,
        files::CLIENT_OTHER_CA_KEY,
        "",
    );
    let (_, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(error_codes(&v), ["PGTLS006"], "{v:#}");
    assert_eq!(
        path_of(&v, "cosocket")["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}connection reset by peer").as_str())
    );
    // Enterprise pins TLS 1.2 on the LuaSec path (pg_ssl_version's
    // default), where the alert ends the handshake.
    assert_eq!(
        path_of(&v, "luasec")["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}tlsv1 alert unknown ca").as_str())
    );
    // Over TLS 1.2 the alert ends the handshake.
    let tls12 = libpq(
        &cluster,
        &format!("{base} {other} ssl_max_protocol_version=TLSv1.2"),
    );
    let (_, v) = json_probe(&s, &[&tls12], &[]);
    assert_eq!(error_codes(&v), ["PGTLS006"], "{v:#}");
    assert_eq!(
        v["steps"]
            .as_array()
            .and_then(|a| a.last())
            .map(|x| x["name"].clone()),
        Some("tls_handshake".into())
    );
    // The fix: the server trusts the client certificate's CA.
    let mut bundle = pki.read(files::ROOT_CA).expect("root");
    bundle.extend(pki.read(files::OTHER_CA).expect("other"));
    cluster
        .write_file("root.crt", &bundle, 0o644, Owner::ServerUser)
        .expect("write root.crt");
    cluster.reload().expect("reload");
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 0, "after adding the CA: {v:#}");

    // PGTLS007: the certificate's CN is not the user.
    let foo = cert_args(files::CLIENT_FOO, files::CLIENT_FOO_KEY);
    let conninfo = libpq(&cluster, &format!("{base} {foo}"));
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS007"], "{v:#}");
    assert_eq!(fact(&v, "PGTLS007", "cert_cn"), "foo@example.com");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                &format!("{base} {foo} user=kong dbname=kong"),
                LAB_PASSWORD
            )
            .as_str()
        )
    );
    let ident = fact(&v, "PGTLS007", "pg_ident_line");
    let hba = fact(&v, "PGTLS007", "hba_line");
    assert_eq!(ident, "certmap  foo@example.com  kong");
    assert_eq!(hba, "hostssl kong kong 127.0.0.1/32 cert map=certmap");
    let identity = fact(&v, "PGTLS007", "pg_ident_identity_line");
    assert_eq!(identity, r"certmap /^(.*)$ \1");
    let text = probe(&s, &[&conninfo], &[]).stdout;
    assert!(
        text.contains(&format!(
            "in pg_ident.conf add the lines `certmap  foo@example.com  kong` and `{identity}`"
        )),
        "{text}"
    );
    // The fix: the map and map=, exactly as printed.
    cluster
        .write_hba(&format!("{hba}\nhostssl all all 127.0.0.1/32 cert\n"))
        .expect("hba");
    cluster
        .write_file(
            "pg_ident.conf",
            format!("{ident}\n{identity}\n").as_bytes(),
            0o600,
            Owner::ServerUser,
        )
        .expect("ident");
    cluster.reload().expect("reload");
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 0, "after the map: {v:#}");
    // The client that was healthy before (CN=kong, user kong, now under
    // map=certmap too) still connects: the identity line keeps it.
    let kong_client = kong_cert_client(&cluster, &base);
    let (status, v) = json_probe(&s, &[&kong_client], &[]);
    assert_eq!(status, 0, "CN=kong still connects: {v:#}");
    let out = cluster.psql(
        &format!(
            "{base} {} user=kong dbname=kong",
            cert_args(files::CLIENT_KONG, files::CLIENT_KONG_KEY)
        ),
        &[],
    );
    assert_eq!(out.status, 0, "psql as CN=kong: {}", out.stderr);
    let conf = client_cert_conf(&s, &cluster, files::CLIENT_FOO, files::CLIENT_FOO_KEY, "");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 0, "Kong too: {v:#}");
}

#[test]
fn server_without_tls_pgtls009_and_plaintext_fallback_pgtls021() {
    let cluster = start(ssl_off_with_files());
    let s = Scratch::new();
    // libpq require: psql's line, PGTLS009.
    let require = libpq(&cluster, "sslmode=require");
    let (status, v) = json_probe(&s, &[&require], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS009"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                "sslmode=require user=kong dbname=kong",
                LAB_PASSWORD
            )
            .as_str()
        )
    );
    // Open-source Kong goes on in plaintext and meets pg_hba.conf.
    let conf = kong_conf(&s, &cluster, "");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS009"], "{v:#}");
    assert!(codes(&v).contains(&"PGTLS021".to_string()), "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}FATAL: no pg_hba.conf entry for host \"127.0.0.1\", user \"kong\", database \"kong\", no encryption").as_str())
    );
    // Enterprise with pg_ssl_required stops at once.
    let required = kong_conf(&s, &cluster, "pg_ssl_required = on\n");
    let (_, v) = json_probe(&s, &["--kong-conf", &required], &[]);
    assert_eq!(error_codes(&v), ["PGTLS009"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}the server does not support SSL connections").as_str())
    );
    // A user with a plaintext md5 line: pgtls keeps the password from a
    // server it cannot verify, and says so.
    let md5 = kong_conf(&s, &cluster, "pg_user = kong_md5\n");
    let (status, v) = json_probe(&s, &["--kong-conf", &md5], &[]);
    assert_eq!(status, 1, "{v:#}");
    assert!(codes(&v).contains(&"PGTLS026".to_string()), "{v:#}");
    assert_eq!(error_codes(&v), Vec::<String>::new(), "{v:#}");
    // Told to send it anyway, Kong gets in: the silent downgrade.
    let (status, v) = json_probe(
        &s,
        &["--password-to-unverified-server", "--kong-conf", &md5],
        &[],
    );
    assert_eq!(status, 0, "a warning alone: {v:#}");
    assert_eq!(codes(&v), ["PGTLS021"], "{v:#}");
    assert!(finding(&v, "PGTLS021")["reading"]
        .as_str()
        .is_some_and(|r| r.contains("WITHOUT TLS")));
    assert_eq!(v["tls_version"], Value::Null);
    let prefer = libpq(&cluster, "sslmode=prefer user=kong_md5");
    let (status, v) = json_probe(
        &s,
        &["--password-to-unverified-server", &prefer],
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(codes(&v), ["PGTLS021"], "{v:#}");
    assert!(finding(&v, "PGTLS021")["fix"][0]
        .as_str()
        .is_some_and(|f| f.contains("sslmode=verify-full")));
    // The fix, as printed: ssl = on.
    assert_eq!(
        fact(&v_of(&s, &require), "PGTLS009", "server_setting"),
        "ssl = on"
    );
    alter_system(&cluster, "ssl = on");
    let (status, v) = json_probe(&s, &[&require], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 0, "{v:#}");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["tls_version"], "TLSv1.3");
}

fn v_of(s: &Scratch, conninfo: &str) -> Value {
    json_probe(s, &[conninfo], &[("PGPASSWORD", LAB_PASSWORD)]).1
}

#[test]
fn host_name_mismatch_pgtls012_kong_connects_libpq_refuses() {
    let cluster = start(tls_scram(
        files::SERVER_OTHER_HOST,
        files::SERVER_OTHER_HOST_KEY,
    ));
    let s = Scratch::new();
    let conninfo = format!(
        "host=localhost port={} user=kong dbname=kong sslmode=verify-full sslrootcert={}",
        cluster.port(),
        root()
    );
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS012"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(real_psql(&cluster, &conninfo, LAB_PASSWORD).as_str())
    );
    assert_eq!(
        fact(&v, "PGTLS012", "certificate_names"),
        "DNS:db.example.com"
    );
    // Kong checks the chain only and connects; pgtls says so.
    let conf = kong_conf(&s, &cluster, "pg_host = localhost\n");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 0, "{v:#}");
    let notes = v["notes"].to_string();
    assert!(
        notes.contains(
            "Kong connected although the certificate names DNS:db.example.com, not localhost"
        ),
        "{notes}"
    );
    assert!(notes.contains("PGTLS012"), "{notes}");
}

#[test]
fn no_pg_hba_line_pgtls016_with_the_line_to_add() {
    let cluster = start(
        tls(files::SERVER, files::SERVER_KEY).hba_line("hostssl all kong_md5 127.0.0.1/32 md5"),
    );
    let s = Scratch::new();
    let conninfo = libpq_verify_full(&cluster);
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS016"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                &format!(
                    "sslmode=verify-full sslrootcert={} user=kong dbname=kong",
                    root()
                ),
                LAB_PASSWORD
            )
            .as_str()
        )
    );
    let conf = kong_conf(&s, &cluster, "");
    let (_, kv) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(error_codes(&kv), ["PGTLS016"], "{kv:#}");
    let line = fact(&v, "PGTLS016", "hba_line");
    assert_eq!(line, "hostssl kong kong 127.0.0.1/32 scram-sha-256");
    // Over TLS the one step is the hostssl line: no generic copy of it
    // with placeholders, no `no encryption` advice.
    let steps = finding(&v, "PGTLS016")["fix"].to_string();
    assert_eq!(steps.matches("hostssl").count(), 1, "{steps}");
    assert!(!steps.contains("no encryption"), "{steps}");
    assert!(
        finding(&v, "PGTLS016")["fix"][0]
            .as_str()
            .is_some_and(|s| s.contains("`hostssl kong kong 127.0.0.1/32 scram-sha-256`")),
        "{steps}"
    );
    cluster
        .write_hba(&format!("hostssl all kong_md5 127.0.0.1/32 md5\n{line}\n"))
        .expect("hba");
    cluster.reload().expect("reload");
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 0, "{v:#}");
    let (status, _) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 0);
}

#[test]
fn unreachable_pgtls020_says_which() {
    let s = Scratch::new();
    let port = free_port();
    let conninfo = format!("host=127.0.0.1 port={port} user=kong dbname=kong sslmode=require");
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS020"], "{v:#}");
    assert_eq!(fact(&v, "PGTLS020", "reason"), "refused");
    let psql = Command::new("psql")
        .args(["-X", "-w", "-At", "-c", "select 1", "-d", &conninfo])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C")
        .output()
        .expect("psql");
    assert_eq!(
        v["client_line"].as_str(),
        Some(String::from_utf8_lossy(&psql.stderr).trim_end())
    );
    let conf = s.write("kong.conf", &format!("pg_port = {port}\npg_ssl = on\n"));
    let (status, v) = json_probe(&s, &["--kong-conf", &conf.display().to_string()], &[]);
    assert_eq!(status, 1);
    assert_eq!(
        v["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}connection refused").as_str())
    );
    // Colour only on a terminal, and never with NO_COLOR.
    let on_tty = |no_color: bool| {
        let mut cmd = Command::new("script");
        cmd.args(["-qec"])
            .arg(format!(
                "{} probe 'host=127.0.0.1 port={port} user=kong sslmode=require'",
                env!("CARGO_BIN_EXE_pgtls")
            ))
            .arg("/dev/null")
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("COLUMNS", crate::util::UNWRAPPED)
            .env("HOME", s.path())
            .env("LANG", "C")
            .env("TERM", "xterm");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&cmd.output().expect("script runs").stdout).into_owned()
    };
    let coloured = on_tty(false);
    assert!(coloured.contains("PGTLS020"), "{coloured}");
    assert!(
        coloured.contains("\x1b[31m"),
        "red on a terminal: {coloured}"
    );
    assert!(!on_tty(true).contains('\x1b'), "NO_COLOR is respected");

    // Kong mode from the environment alone.
    let (status, v) = json_probe(
        &s,
        &["--kong"],
        &[("KONG_PG_PORT", &port.to_string()), ("KONG_PG_SSL", "on")],
    );
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS020"], "{v:#}");
    let origin = v["settings"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["key"] == "pg_port"))
        .map(|x| x["origin"].clone());
    assert_eq!(origin, Some("KONG_PG_PORT".into()));
    let (_, v) = json_probe(&s, &["host=no-such-host.invalid user=kong"], &[]);
    assert_eq!(fact(&v, "PGTLS020", "reason"), "dns");
}

/// A peer that is not (a well-behaved) PostgreSQL: serves `n` connections.
fn fake(n: usize, serve: impl Fn(std::net::TcpStream) + Send + 'static) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for _ in 0..n {
            match listener.accept() {
                Ok((stream, _)) => serve(stream),
                Err(_) => return,
            }
        }
    });
    port
}

#[test]
fn misbehaving_servers_end_within_the_timeout() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let s = Scratch::new();
    let read8 = |stream: &mut std::net::TcpStream| {
        let mut b = [0u8; 8];
        let _ = stream.read_exact(&mut b);
    };

    // Stalls after accepting: both Kong paths time out at the SSLRequest.
    let stall = fake(2, |stream| {
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(3));
            drop(stream);
        });
    });
    let conf = s.write("kong.conf", &format!("pg_port = {stall}\npg_ssl = on\n"));
    let started = Instant::now();
    let (status, v) = json_probe(
        &s,
        &[
            "--kong-conf",
            &conf.display().to_string(),
            "--timeout",
            "0.3",
        ],
        &[],
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS025"], "{v:#}");
    assert_eq!(fact(&v, "PGTLS025", "reason"), "stalled");
    assert_eq!(
        v["client_line"].as_str(),
        Some(format!("{KONG_PREFIX}timeout").as_str())
    );

    // A libpq probe of a fake peer: each ends as the error PGTLS025.
    let probe_fake = |port: u16, sslmode: &str, timeout: &str| {
        let conninfo = format!("host=127.0.0.1 port={port} user=kong sslmode={sslmode}");
        let (status, v) = json_probe(&s, &[&conninfo, "--timeout", timeout], &[]);
        assert_eq!(status, 1);
        assert_eq!(error_codes(&v), ["PGTLS025"], "{v:#}");
        v
    };
    let assert_evidence = |v: &Value, text: &str| {
        assert!(
            finding(v, "PGTLS025")["evidence"]
                .to_string()
                .contains(text),
            "{v:#}"
        );
    };

    // Junk instead of S or N.
    let junk = fake(2, move |mut stream| {
        read8(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        std::thread::sleep(Duration::from_millis(100));
    });
    let v = probe_fake(junk, "require", "2");
    assert_eq!(fact(&v, "PGTLS025", "reason"), "not_postgresql");
    assert_evidence(&v, "byte 0x48");

    // Accepts TLS, then hangs up in the middle of the handshake.
    let hangup = fake(1, move |mut stream| {
        read8(&mut stream);
        let _ = stream.write_all(b"S");
        let mut hello = [0u8; 64];
        let _ = stream.read(&mut hello);
    });
    let v = probe_fake(hangup, "require", "2");
    assert_evidence(&v, "tls_handshake");

    // 'S', then plain text where TLS should be: not a version mismatch.
    let not_tls = fake(5, move |mut stream| {
        read8(&mut stream);
        let _ = stream.write_all(b"S");
        let mut hello = [0u8; 512];
        let _ = stream.read(&mut hello);
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        std::thread::sleep(Duration::from_millis(50));
    });
    let v = probe_fake(not_tls, "require", "2");
    assert_eq!(fact(&v, "PGTLS025", "reason"), "not_postgresql");

    // An authentication request claiming 1 GiB.
    let huge = fake(1, move |mut stream| {
        read8(&mut stream);
        let _ = stream.write_all(b"N");
        let mut buf = [0u8; 512];
        let _ = stream.read(&mut buf);
        let _ = stream.write_all(&[b'R', 0x40, 0, 0, 0]);
        std::thread::sleep(Duration::from_millis(300));
    });
    let started = Instant::now();
    let v = probe_fake(huge, "prefer", "3");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_evidence(&v, "1073741824");
}

#[test]
fn secrets_never_appear_and_bad_input_exits_2() {
    let pki = pki();
    let cluster = start(
        tls(files::SERVER, files::SERVER_KEY)
            .with_client_ca(pki)
            .expect("client CA")
            .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=verify-full"),
    );
    let s = Scratch::new();
    let key_pem = String::from_utf8(pki.read(files::CLIENT_KONG_KEY).expect("key")).expect("pem");
    let key_lines: Vec<&str> = key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(!key_lines.is_empty());
    let wrong = "Wr0ng-Secret-77";
    let check = |run: &Run, what: &str| {
        for secret in [LAB_PASSWORD, wrong] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{what}: a password leaked:\n{}{}",
                run.stdout,
                run.stderr
            );
        }
        for line in &key_lines {
            assert!(
                !run.stdout.contains(line) && !run.stderr.contains(line),
                "{what}: key bytes leaked"
            );
        }
    };
    for password in [LAB_PASSWORD, wrong] {
        let conf = client_cert_conf(
            &s,
            &cluster,
            files::CLIENT_KONG,
            files::CLIENT_KONG_KEY,
            &format!("pg_password = {password}\n"),
        );
        for format in ["text", "json"] {
            let run = probe(&s, &["--format", format, "--kong-conf", &conf], &[]);
            assert_eq!(
                run.status,
                if password == wrong { 1 } else { 0 },
                "{}",
                run.stdout
            );
            check(&run, "kong");
        }
        let conninfo = libpq(
            &cluster,
            &format!(
                "sslmode=verify-full sslrootcert={} {}",
                root(),
                cert_args(files::CLIENT_KONG, files::CLIENT_KONG_KEY)
            ),
        );
        for format in ["text", "json"] {
            let run = probe(
                &s,
                &["--format", format, &conninfo],
                &[("PGPASSWORD", password)],
            );
            assert_eq!(
                run.status,
                if password == wrong { 1 } else { 0 },
                "{}",
                run.stdout
            );
            check(&run, "libpq");
        }
    }
    // A password on the command line is refused without being echoed.
    for bad in [
        format!(
            "host=127.0.0.1 port={} user=kong password={wrong}",
            cluster.port()
        ),
        format!("postgres://kong:{wrong}@127.0.0.1:{}/kong", cluster.port()),
    ] {
        let run = probe(&s, &[&bad], &[]);
        assert_eq!(run.status, 2);
        assert!(run.stderr.contains("PGPASSWORD"), "{}", run.stderr);
        check(&run, "refused");
    }
    // pgtls itself cannot run: exit 2 naming the file or flag.
    let run = probe(&s, &["--kong-conf", "/nonexistent/kong.conf"], &[]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("/nonexistent/kong.conf"),
        "{}",
        run.stderr
    );
    let run = probe(&s, &["host=127.0.0.1 sslmode=bogus"], &[]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("sslmode"), "{}", run.stderr);
    let run = probe(&s, &["--timeout", "0", "host=127.0.0.1"], &[]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("--timeout"), "{}", run.stderr);
    let run = probe(&s, &["user=kong"], &[]);
    assert_eq!(run.status, 2, "no host: the Unix socket, not TLS");
    assert!(run.stderr.contains("host="), "{}", run.stderr);

    // A trust store the client cannot load stops it before it connects.
    let conf = kong_conf(
        &s,
        &cluster,
        "lua_ssl_trusted_certificate = /nonexistent/ca.crt\n",
    );
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS018"], "{v:#}");
    assert_eq!(v["steps"], serde_json::json!([]));
    let conninfo = libpq(
        &cluster,
        "sslmode=verify-full sslrootcert=/nonexistent/ca.crt",
    );
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS018"], "{v:#}");
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            real_psql(
                &cluster,
                "sslmode=verify-full sslrootcert=/nonexistent/ca.crt user=kong dbname=kong",
                LAB_PASSWORD
            )
            .as_str()
        )
    );
}

/// [`libpq`] with `base` and Kong's client certificate (CN=kong).
fn kong_cert_client(cluster: &Cluster, base: &str) -> String {
    libpq(
        cluster,
        &format!(
            "{base} {}",
            cert_args(files::CLIENT_KONG, files::CLIENT_KONG_KEY)
        ),
    )
}

/// The command a fix step gives, between "make a bundle: " and "; then".
fn bundle_command(fix: &str) -> Option<(Vec<String>, String)> {
    let cmd = fix
        .split("make a bundle: ")
        .nth(1)?
        .split("; then")
        .next()?;
    let (inputs, out) = cmd.strip_prefix("cat ")?.split_once(" > ")?;
    Some((
        inputs.split(' ').map(str::to_string).collect(),
        out.trim().to_string(),
    ))
}

/// libpq's sslrootcert names one file: the fix for an untrusted server
/// chain is a bundle, applied here exactly as printed, after which psql
/// and both Kong paths connect. (A comma-separated sslrootcert, as once
/// advised, makes psql fail with "root certificate file ... does not exist".)
#[test]
fn an_untrusted_chain_is_fixed_with_a_bundle_libpq_can_read() {
    let cluster = start(tls_scram(files::SERVER, files::SERVER_KEY));
    let s = Scratch::new();
    let other = s.write(
        "other_ca.crt",
        &String::from_utf8(pki().read(files::OTHER_CA).expect("other")).expect("pem"),
    );
    s.write(
        "root_ca.crt",
        &String::from_utf8(pki().read(files::ROOT_CA).expect("root")).expect("pem"),
    );
    let conninfo = libpq(
        &cluster,
        &format!("sslmode=verify-full sslrootcert={}", other.display()),
    );
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS005"], "{v:#}");
    assert!(fact(&v, "PGTLS005", "missing_ca_file").ends_with("root_ca.crt"));
    let fix = finding(&v, "PGTLS005")["fix"][0]
        .as_str()
        .expect("a fix")
        .to_string();
    assert!(!fix.contains(".crt,"), "no comma list for libpq: {fix}");
    // The same fix as data: the bundle's content and the keyword naming it.
    let edits = finding(&v, "PGTLS005")["edits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let content = edits
        .iter()
        .find(|e| e["kind"] == "file-content")
        .unwrap_or_else(|| panic!("a file-content edit: {edits:?}"));
    let keyword = edits
        .iter()
        .find(|e| e["kind"] == "conninfo" && e["key"] == "sslrootcert")
        .unwrap_or_else(|| panic!("a conninfo edit: {edits:?}"));
    assert_eq!(content["file"], keyword["after"]);
    assert_eq!(content["applicability"], "machine-applicable");
    let from_edit = s.write(
        "from-edit.crt",
        content["content"].as_str().unwrap_or_default(),
    );
    let out = cluster.psql(
        &format!(
            "sslmode=verify-full sslrootcert={} user=kong dbname=kong",
            from_edit.display()
        ),
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_eq!(out.status, 0, "the edit's bundle works: {}", out.stderr);
    let (inputs, bundle) = bundle_command(&fix).unwrap_or_else(|| panic!("{fix}"));
    assert!(
        fix.contains(&format!("set `sslrootcert={bundle}`")),
        "{fix}"
    );
    // Apply it as printed.
    let mut pem = Vec::new();
    for input in &inputs {
        pem.extend(std::fs::read(input).unwrap_or_else(|e| panic!("{input}: {e}")));
    }
    std::fs::write(&bundle, pem).expect("bundle");
    let fixed = libpq(
        &cluster,
        &format!("sslmode=verify-full sslrootcert={bundle}"),
    );
    let (status, v) = json_probe(&s, &[&fixed], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 0, "{v:#}");
    let out = cluster.psql(
        &format!("sslmode=verify-full sslrootcert={bundle} user=kong dbname=kong"),
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_eq!(out.status, 0, "psql connects: {}", out.stderr);
    // Kong with the same CA file: a comma list is right there, and works.
    let conf = s.write(
        "kong.conf",
        &format!(
            "pg_host = 127.0.0.1\npg_port = {}\npg_password = {LAB_PASSWORD}\npg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {}\n",
            cluster.port(),
            other.display()
        ),
    );
    let (_, v) = json_probe(&s, &["--kong-conf", &conf.display().to_string()], &[]);
    let fix = finding(&v, "PGTLS005")["fix"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let list = fix
        .split("lua_ssl_trusted_certificate = ")
        .nth(1)
        .and_then(|r| r.split('`').next())
        .unwrap_or_else(|| panic!("{fix}"));
    let fixed_conf = s.write(
        "kong-fixed.conf",
        &format!(
            "pg_host = 127.0.0.1\npg_port = {}\npg_password = {LAB_PASSWORD}\npg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {list}\n",
            cluster.port()
        ),
    );
    let (status, v) = json_probe(&s, &["--kong-conf", &fixed_conf.display().to_string()], &[]);
    assert_eq!(status, 0, "both Kong paths connect: {v:#}");
}

/// The intermediate to append is the CA that issued the leaf, never a
/// whole file that also holds a client's certificate: applied as printed,
/// the server's chain is leaf + intermediate, and clients connect.
#[test]
fn a_missing_intermediate_is_fixed_with_the_ca_alone() {
    let pki = pki();
    let mut cluster = start(tls_scram(
        files::SERVER_VIA_INTERMEDIATE,
        files::SERVER_VIA_INTERMEDIATE_KEY,
    ));
    let s = Scratch::new();
    let root = s.write(
        "root.crt",
        &String::from_utf8(pki.read(files::ROOT_CA).expect("root")).expect("pem"),
    );
    // The only copy of the intermediate shares a file with a client leaf,
    // as a client's certificate-plus-chain file does.
    let mut client_chain = pki.read(files::CLIENT_KONG).expect("client");
    client_chain.extend(pki.read(files::INTERMEDIATE_CA).expect("intermediate"));
    s.write(
        "client-with-chain.crt",
        &String::from_utf8(client_chain).expect("pem"),
    );
    let conninfo = libpq(
        &cluster,
        &format!("sslmode=verify-full sslrootcert={}", root.display()),
    );
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 1);
    assert_eq!(error_codes(&v), ["PGTLS014"], "{v:#}");
    let fix = finding(&v, "PGTLS014")["fix"][0]
        .as_str()
        .expect("a fix")
        .to_string();
    assert!(!fix.contains("cat server.crt"), "not the whole file: {fix}");
    assert!(fix.contains("do not append that whole file"), "{fix}");
    let pem = fact(&v, "PGTLS014", "intermediate_pem");
    let ca = openssl::x509::X509::stack_from_pem(pem.as_bytes()).expect("PEM");
    assert_eq!(ca.len(), 1, "the CA alone");
    assert!(
        fix.contains(pem.trim_end()),
        "the certificate is in the fix"
    );
    // Apply: leaf, then the certificate the fix gives.
    let mut chain = pki.read(files::SERVER_VIA_INTERMEDIATE).expect("leaf");
    chain.extend(pem.as_bytes());
    cluster
        .write_file("server.crt", &chain, 0o600, Owner::ServerUser)
        .expect("write chain");
    cluster.restart().expect("restart");
    let (status, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(status, 0, "{v:#}");
    let chain_sent: Vec<&str> = v["chain"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["subject"].as_str())
        .collect();
    assert!(
        chain_sent.iter().all(|s| !s.contains("kong")),
        "no client certificate in the server's chain: {chain_sent:?}"
    );
    let conf = kong_conf(&s, &cluster, "");
    let (status, v) = json_probe(&s, &["--kong-conf", &conf], &[]);
    assert_eq!(status, 0, "Kong connects too: {v:#}");

    // With the intermediate in a file of its own, that file is appended.
    let alone = s.write(
        "intermediate.crt",
        &String::from_utf8(pki.read(files::INTERMEDIATE_CA).expect("ca")).expect("pem"),
    );
    cluster
        .write_file(
            "server.crt",
            &pki.read(files::SERVER_VIA_INTERMEDIATE).expect("leaf"),
            0o600,
            Owner::ServerUser,
        )
        .expect("leaf only again");
    cluster.restart().expect("restart");
    let (_, v) = json_probe(&s, &[&conninfo], &[("PGPASSWORD", LAB_PASSWORD)]);
    let fix = finding(&v, "PGTLS014")["fix"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        fix.contains(&format!("cat server.crt {}", alone.display())),
        "{fix}"
    );
}

/// A client key open to others is libpq's own refusal (PGTLS027), not the
/// server's key rule: probe, explain and check say so alike; the fix
/// (chmod 0600) is applied, psql and Kong connect, and the second client
/// that was healthy before still does.
#[test]
fn a_client_key_open_to_others_is_the_clients_refusal_pgtls027() {
    let pki = pki();
    let cluster = start(mtls_cert_auth());
    let s = Scratch::new();
    let cert = s.write(
        "client.crt",
        &String::from_utf8(pki.read(files::CLIENT_KONG).expect("cert")).expect("pem"),
    );
    let key = s.write_mode(
        "client.key",
        &pki.read(files::CLIENT_KONG_KEY).expect("key"),
        0o644,
    );
    let client = format!(
        "sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
        root(),
        cert.display(),
        key.display()
    );
    let conninfo = libpq(&cluster, &client);
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 1, "not connected: {v:#}");
    assert_eq!(error_codes(&v), ["PGTLS027"], "{v:#}");
    let psql_says = real_psql(&cluster, &format!("{client} user=kong dbname=kong"), "");
    assert!(
        psql_says.contains("has group or world access"),
        "{psql_says}"
    );
    assert_eq!(v["client_line"].as_str(), Some(psql_says.as_str()));
    let text = probe(&s, &[&conninfo], &[]).stdout;
    assert!(
        text.contains(&format!("sslkey={}", key.display())),
        "{text}"
    );
    assert!(text.contains("who: the client rejected"), "{text}");

    // explain reads psql's line as the client's own refusal.
    let e = crate::util::pgtls(&["--format", "json", "explain", &psql_says]).json();
    assert_eq!(e["findings"][0]["code"], "PGTLS027", "{e:#}");
    assert_eq!(e["findings"][0]["side"], "client");

    // check predicts it from the files alone.
    let data = cluster.data_dir().display().to_string();
    let full = format!(
        "host=127.0.0.1 port={} {client} user=kong dbname=kong",
        cluster.port()
    );
    let c =
        crate::util::pgtls(&["check", "--format", "json", "-D", &data, "--libpq", &full]).json();
    assert_eq!(c["connections"][0]["code"], "PGTLS027", "{c:#}");

    // The fix, applied.
    let fix = finding(&v, "PGTLS027")["fix"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        fix.contains(&format!("chmod 0600 {}", key.display())),
        "{fix}"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let (status, v) = json_probe(&s, &[&conninfo], &[]);
    assert_eq!(status, 0, "{v:#}");
    let out = cluster.psql(&format!("{client} user=kong dbname=kong"), &[]);
    assert_eq!(out.status, 0, "psql connects: {}", out.stderr);
    // Kong (Enterprise, with its client certificate) was never affected.
    let conf = client_cert_conf(&s, &cluster, files::CLIENT_KONG, files::CLIENT_KONG_KEY, "");
    let (status, v) = json_probe(
        &s,
        &["--kong-conf", &conf, "--kong-edition", "enterprise"],
        &[],
    );
    assert_eq!(status, 0, "{v:#}");
}

/// One failure, one code: a server that sends its leaf without the
/// intermediate, judged for a client whose trust store holds the root and
/// has the intermediate beside it, is PGTLS014 in probe, check and scan.
#[test]
fn a_leaf_without_its_intermediate_is_one_code_in_every_command() {
    let pki = pki();
    let cluster = start(tls_scram(
        files::SERVER_VIA_INTERMEDIATE,
        files::SERVER_VIA_INTERMEDIATE_KEY,
    ));
    let s = Scratch::new();
    let root = s.write(
        "root.crt",
        &String::from_utf8(pki.read(files::ROOT_CA).expect("root")).expect("pem"),
    );
    s.write(
        "intermediate.crt",
        &String::from_utf8(pki.read(files::INTERMEDIATE_CA).expect("ca")).expect("pem"),
    );
    let client = format!("sslmode=verify-ca sslrootcert={}", root.display());
    let (_, v) = json_probe(
        &s,
        &[&libpq(&cluster, &client)],
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_eq!(error_codes(&v), ["PGTLS014"], "probe: {v:#}");

    let data = cluster.data_dir().display().to_string();
    let full = libpq(&cluster, &client);
    let c =
        crate::util::pgtls(&["check", "--format", "json", "-D", &data, "--libpq", &full]).json();
    assert_eq!(c["connections"][0]["code"], "PGTLS014", "check: {c:#}");

    let target = format!("127.0.0.1:{}", cluster.port());
    let sc = crate::util::pgtls(&[
        "scan",
        "--format",
        "json",
        "--trust",
        &root.display().to_string(),
        &target,
    ])
    .json();
    let codes: Vec<&str> = sc["targets"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "error")
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert_eq!(codes, ["PGTLS014"], "scan: {sc:#}");
}

/// PGTLS026's fix, applied: the client verifies the server, then the md5
/// password is sent and psql and Kong connect; the SCRAM client that was
/// healthy before still does.
#[test]
fn a_withheld_password_is_sent_once_the_client_verifies_the_server() {
    let cluster = start(
        tls(files::SERVER, files::SERVER_KEY)
            .hba_line("hostssl all kong_md5 127.0.0.1/32 md5")
            .hba_line(HOSTSSL_SCRAM),
    );
    let s = Scratch::new();
    let pw = [("PGPASSWORD", LAB_PASSWORD)];
    let require = libpq(&cluster, "sslmode=require user=kong_md5");
    let (status, v) = json_probe(&s, &[&require], &pw);
    assert_eq!(status, 1);
    let f = finding(&v, "PGTLS026");
    let edits = f["edits"].as_array().cloned().unwrap_or_default();
    let sslmode = edits
        .iter()
        .find(|e| e["key"] == "sslmode")
        .unwrap_or_else(|| panic!("{f:#}"));
    assert_eq!(sslmode["after"], "verify-full");
    assert_eq!(sslmode["applicability"], "machine-applicable");
    let root_edit = edits
        .iter()
        .find(|e| e["key"] == "sslrootcert")
        .unwrap_or_else(|| panic!("{f:#}"));
    assert_eq!(root_edit["applicability"], "has-placeholders");
    // Applied, with the CA in the placeholder's place.
    let fixed = libpq(
        &cluster,
        &format!("sslmode=verify-full sslrootcert={} user=kong_md5", root()),
    );
    let (status, v) = json_probe(&s, &[&fixed], &pw);
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["auth_method"], "md5");
    let out = cluster.psql(
        &format!(
            "sslmode=verify-full sslrootcert={} user=kong_md5 dbname=kong",
            root()
        ),
        &pw,
    );
    assert_eq!(out.status, 0, "psql: {}", out.stderr);
    let (status, _) = json_probe(&s, &[&libpq_verify_full(&cluster)], &pw);
    assert_eq!(status, 0, "the SCRAM client still connects");

    // Kong with pg_ssl_verify off: the same, in kong.conf's words.
    let lax = kong_conf(&s, &cluster, "pg_user = kong_md5\npg_ssl_verify = off\n");
    let (status, v) = json_probe(&s, &["--kong-conf", &lax], &[]);
    assert_eq!(status, 1);
    let f = finding(&v, "PGTLS026");
    assert!(
        f["edits"].as_array().is_some_and(|e| e
            .iter()
            .any(|e| e["key"] == "pg_ssl_verify" && e["after"] == "on")),
        "{f:#}"
    );
    let verified = kong_conf(&s, &cluster, "pg_user = kong_md5\n");
    let (status, v) = json_probe(&s, &["--kong-conf", &verified], &[]);
    assert_eq!(status, 0, "both Kong paths: {v:#}");
}

/// `--kong-version` picks whose defaults fill in what kong.conf does not
/// set (nothing listens: only the settings matter), and an unknown version
/// is a usage error that lists the known ones.
#[test]
fn kong_version_picks_that_versions_defaults() {
    let scratch = Scratch::new();
    let port = free_port().to_string();
    let settings = |version: &str| -> Vec<String> {
        let (_, v) = json_probe(
            &scratch,
            &[
                "--kong",
                "--kong-edition",
                "enterprise",
                "--kong-version",
                version,
                "--timeout",
                "1",
            ],
            &[("KONG_PG_PORT", port.as_str())],
        );
        v["settings"]
            .as_array()
            .expect("settings")
            .iter()
            .filter(|s| s["origin"] == "default")
            .map(|s| {
                format!(
                    "{}={}",
                    s["key"].as_str().unwrap(),
                    s["value"].as_str().unwrap()
                )
            })
            .collect()
    };
    let common = [
        "pg_host=127.0.0.1",
        "pg_user=kong",
        "pg_database=kong",
        "pg_ssl=off",
        "pg_ssl_required=off",
        "pg_ssl_verify=off",
    ];
    let with = |rest: &[&str]| -> Vec<String> {
        common
            .iter()
            .chain(rest.iter())
            .map(|s| s.to_string())
            .collect()
    };
    assert_eq!(
        settings("2.8"),
        with(&[
            "pg_ssl_version=tlsv1",
            "lua_ssl_trusted_certificate=",
            "lua_ssl_verify_depth=1",
            "lua_ssl_protocols=TLSv1.1 TLSv1.2 TLSv1.3",
            "pg_timeout=5000",
        ])
    );
    assert_eq!(
        settings("3.9"),
        with(&[
            "pg_ssl_version=tlsv1_2",
            "lua_ssl_trusted_certificate=system",
            "lua_ssl_verify_depth=1",
            "lua_ssl_protocols=TLSv1.1 TLSv1.2 TLSv1.3",
            "pg_timeout=5000",
        ])
    );

    let run = probe(&scratch, &["--kong", "--kong-version", "4.0"], &[]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "unknown Kong version '4.0': pgtls knows the defaults of Kong 2.8, 3.0, 3.1, 3.2, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8, 3.9"
        ),
        "{}",
        run.stderr
    );
}

/// Against a server that accepts and then says nothing, psql without
/// connect_timeout prints nothing: libpq has no time limit there and waits
/// for ever. The probe says so and that it gave up after --timeout; with
/// connect_timeout set, psql's `timeout expired` is what it prints.
#[test]
fn a_stalled_server_is_waited_on_for_ever_without_connect_timeout() {
    use std::time::Duration;
    let s = Scratch::new();
    let stall = fake(4, |stream| {
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(3));
            drop(stream);
        });
    });
    let conninfo = format!("host=127.0.0.1 port={stall} user=kong dbname=kong");
    let (_, v) = json_probe(&s, &[&conninfo, "--timeout", "0.3"], &[]);
    assert_eq!(error_codes(&v), ["PGTLS025"], "{v:#}");
    assert_eq!(v["client_line"], Value::Null, "{v:#}");
    assert!(!v.to_string().contains("timeout expired\\\""), "{v:#}");

    let text = probe(&s, &[&conninfo, "--timeout", "0.3"], &[]);
    assert!(
        text.stdout.contains(
            "psql prints nothing here, as without connect_timeout libpq has no time limit and waits for ever; pgtls gave up after 0.3 s (--timeout). With connect_timeout set, psql prints:"
        ),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("  psql prints:\n"), "{}", text.stdout);

    let with_limit = format!("{conninfo} connect_timeout=2");
    let (_, v) = json_probe(&s, &[&with_limit, "--timeout", "0.3"], &[]);
    assert_eq!(
        v["client_line"].as_str(),
        Some(
            format!("psql: error: connection to server at \"127.0.0.1\", port {stall} failed: timeout expired")
                .as_str()
        ),
        "{v:#}"
    );
}

/// Each libpq setting is shown with where it came from: PGHOST and PGPORT
/// are the environment's, a URI's values the URI's, --libpq-version the
/// flag's (nothing listens: only the settings matter).
#[test]
fn libpq_settings_name_their_real_origin() {
    let scratch = Scratch::new();
    let port = free_port().to_string();
    let origins = |args: &[&str], env: &[(&str, &str)]| -> Vec<String> {
        let mut all = vec!["--timeout", "1"];
        all.extend_from_slice(args);
        let (_, v) = json_probe(&scratch, &all, env);
        v["settings"]
            .as_array()
            .expect("settings")
            .iter()
            .filter(|s| {
                ["host", "port", "dbname", "libpq version"].contains(&s["key"].as_str().unwrap())
            })
            .map(|s| {
                format!(
                    "{}={}",
                    s["key"].as_str().unwrap(),
                    s["origin"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        origins(
            &["dbname=kong"],
            &[("PGHOST", "127.0.0.1"), ("PGPORT", port.as_str())]
        ),
        [
            "host=PGHOST",
            "port=PGPORT",
            "dbname=connection string",
            "libpq version=default"
        ]
    );
    let uri = format!("postgresql://127.0.0.1:{port}/kong");
    assert_eq!(
        origins(&[&uri, "--libpq-version", "15"], &[]),
        [
            "host=URI",
            "port=URI",
            "dbname=URI",
            "libpq version=--libpq-version"
        ]
    );
    assert_eq!(
        origins(&["host=127.0.0.1"], &[("PGPORT", port.as_str())]),
        [
            "host=connection string",
            "port=PGPORT",
            "dbname=default",
            "libpq version=default"
        ]
    );
}

/// A file that is not there is said once, in the system's words, wherever
/// the probe mentions it: no "No such file or directory (os error 2)".
#[test]
fn a_missing_file_is_said_once_in_the_systems_words() {
    let scratch = Scratch::new();
    let conf = scratch.write(
        "kong.conf",
        &format!(
            "pg_port = {}\npg_ssl = on\nlua_ssl_trusted_certificate = /nonexistent/ca.pem\npg_ssl_cert = /nonexistent/c.pem\npg_ssl_cert_key = /nonexistent/k.pem\n",
            free_port()
        ),
    );
    let conf = conf.display().to_string();
    for args in [
        vec![
            "--kong-conf",
            conf.as_str(),
            "--kong-edition",
            "oss",
            "--timeout",
            "1",
        ],
        vec!["--kong-conf", conf.as_str(), "--timeout", "1"],
    ] {
        let run = probe(&scratch, &args, &[]);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains("/nonexistent/"), "{all}");
        assert!(!all.contains("os error"), "{all}");
        assert!(
            !all.contains("No such file or directory: No such file or directory"),
            "{all}"
        );
    }
}

/// Kong Enterprise 2.8's default pg_ssl_version is tlsv1 (TLS 1.0 only),
/// which PostgreSQL's default minimum (TLS 1.2) refuses: PGTLS001 on the
/// LuaSec path, fixed on the client. The server already allows TLS 1.2, so
/// no server step sets the value it has, and no note calls pg_ssl_version
/// a PostgreSQL setting; 3.x's default (tlsv1_2) connects.
#[test]
fn kong_2_8_enterprise_default_tlsv1_meets_postgresqls_minimum() {
    let cluster = start(tls(files::SERVER, files::SERVER_KEY).hba_line(HOSTSSL_SCRAM));
    let s = Scratch::new();
    let conf = kong_conf(&s, &cluster, "");
    let enterprise = ["--kong-conf", &conf, "--kong-edition", "enterprise"];
    let mut old = enterprise.to_vec();
    old.extend(["--kong-version", "2.8"]);
    let (status, v) = json_probe(&s, &old, &[]);
    assert_eq!(status, 1, "{v:#}");
    assert_eq!(error_codes(&v), ["PGTLS001"], "{v:#}");
    assert_eq!(fact(&v, "PGTLS001", "client_range"), "TLSv1..TLSv1");
    let steps = finding(&v, "PGTLS001")["fix"].to_string();
    assert!(steps.contains("pg_ssl_version = tlsv1_"), "{steps}");
    assert!(!steps.contains("on the server"), "{steps}");
    assert!(!v.to_string().contains("has no pg_ssl_version"), "{v:#}");
    // The fix, applied: the client-side change connects.
    let client_fix = fact(&v, "PGTLS001", "client_fix");
    let conf = kong_conf(&s, &cluster, &format!("{client_fix}\n"));
    let (status, v) = json_probe(&s, &["--kong-conf", &conf, "--kong-version", "2.8"], &[]);
    assert_eq!(status, 0, "after {client_fix}: {v:#}");

    let conf = kong_conf(&s, &cluster, "");
    let (status, v) = json_probe(
        &s,
        &["--kong-conf", &conf, "--kong-edition", "enterprise"],
        &[],
    );
    assert_eq!(status, 0, "3.x's tlsv1_2: {v:#}");
}
