//! The options of libpq 16, 17 and 18 that change how TLS and
//! authentication go (sslnegotiation=direct, sslrootcert=system,
//! sslcertmode, require_auth, sslkeylogfile), each tried against a real
//! server of a version that has them: `pgtls probe` must connect where
//! that version's real libpq connects, fail where it fails with the line
//! it prints, and name the cause; `--libpq-version` must stop where an
//! older libpq stops. The fixes of what those options break (PGTLS034,
//! PGTLS036) are proven with the libpq that has them. A version missing
//! from the lab's cache skips with one line naming the fetch command.

use std::process::{Command, Stdio};

use pgtls_lab::{files, version_binaries, Cluster, ClusterSpec, LabError, PgClient, LAB_PASSWORD};
use serde_json::Value;

use crate::lab_util::{codes, path, pki};
use crate::util::Run;

/// A TLS server of `major` that never asks for a client certificate (no
/// ssl_ca_file): kong by SCRAM, foo let in without a password.
fn cluster(major: u32) -> Option<Cluster> {
    if let Err(e @ LabError::VersionMissing { .. }) = version_binaries(major) {
        eprintln!("skipped PostgreSQL {major}: {e}");
        return None;
    }
    let spec = ClusterSpec::new()
        .pg_version(major)
        .with_server_tls(pki())
        .expect("TLS files")
        .hba_line("hostssl all kong 127.0.0.1/32 scram-sha-256")
        .hba_line("hostssl all foo 127.0.0.1/32 trust");
    Some(Cluster::start(&spec).unwrap_or_else(|e| panic!("PostgreSQL {major}: {e}")))
}

/// `pgtls probe --format json [extra args] CONNINFO` in a clean
/// environment plus `env`.
fn probe(conninfo: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().expect("home");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgtls"));
    cmd.args(["probe", "--format", "json", "--timeout", "5"])
        .args(args)
        .arg(conninfo)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("LANG", "C")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.output().expect("pgtls runs").into()
}

fn report(run: &Run, what: &str) -> (i32, Value) {
    run.report(what)
}

/// What libpq printed after `failed: ` (the part that does not depend on
/// the port or the psql version).
fn reason(line: &str) -> &str {
    line.lines()
        .next()
        .unwrap_or_default()
        .rsplit_once("failed: ")
        .map_or(line, |(_, r)| r)
        .trim()
}

fn first_fix(v: &Value) -> String {
    v["findings"][0]["fix"].to_string()
}

const PW: (&str, &str) = ("PGPASSWORD", LAB_PASSWORD);

#[test]
fn libpq_17_and_18_options_against_postgresql_17() {
    let Some(pg) = cluster(17) else { return };
    let root = path(files::ROOT_CA);
    let direct = format!(
        "{} user=kong dbname=kong sslmode=verify-full sslrootcert={root} sslnegotiation=direct",
        pg.tcp_conninfo()
    );
    // The real libpq 17 connects this way, and so must the probe: TLS at
    // once, no SSLRequest, the server selecting ALPN postgresql.
    let real = pg.psql_with(&PgClient::version(17).expect("libpq 17"), &direct, &[PW]);
    assert_eq!(real.status, 0, "libpq 17: {}", real.stderr);
    let (status, v) = report(&probe(&direct, &[], &[PW]), "probe direct");
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["alpn"], "postgresql", "{v:#}");
    assert_eq!(v["server_major"], 17, "{v:#}");
    let steps: Vec<&str> = v["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(!steps.contains(&"ssl_request"), "{steps:?}");
    assert!(steps.contains(&"tls_handshake"), "{steps:?}");
    // libpq 16 has no sslnegotiation: it stops before connecting.
    let (status, v) = report(
        &probe(&direct, &["--libpq-version", "16"], &[PW]),
        "probe libpq 16",
    );
    assert_eq!(status, 1);
    assert_eq!(codes(&v), ["PGTLS034"], "{v:#}");
    assert_eq!(
        v["client_line"],
        "psql: error: invalid connection option \"sslnegotiation\""
    );
    assert!(v["steps"].as_array().is_none_or(|s| s.is_empty()), "{v:#}");

    // sslkeylogfile: libpq 17 refuses it; with 18 the probe connects and
    // says why it writes no keys (the file stays absent).
    let keylog = tempfile::tempdir().expect("dir");
    let keyfile = keylog.path().join("keys.log");
    let with_keylog = format!(
        "{} user=kong dbname=kong sslmode=require sslkeylogfile={}",
        pg.tcp_conninfo(),
        keyfile.display()
    );
    let (status, v) = report(
        &probe(&with_keylog, &["--libpq-version", "17"], &[PW]),
        "probe keylog 17",
    );
    assert_eq!(status, 1);
    assert_eq!(codes(&v), ["PGTLS034"], "{v:#}");
    let (status, v) = report(&probe(&with_keylog, &[], &[PW]), "probe keylog 18");
    assert_eq!(status, 0, "{v:#}");
    assert!(v["notes"].to_string().contains("sslkeylogfile"), "{v:#}");
    assert!(!keyfile.exists(), "the probe wrote TLS keys");

    // Without credentials, scan tells 17 or later by direct TLS.
    let target = format!("127.0.0.1:{}", pg.port());
    let (_, v) = crate::util::pgtls(&["scan", "--server-version", "--format", "json", &target])
        .report("scan");
    assert_eq!(v["targets"][0]["server_version"]["at_least"], 17, "{v:#}");
    let (_, v) = crate::util::pgtls(&["scan", "--format", "json", &target]).report("scan");
    assert!(
        v["targets"][0]["server_version"].is_null(),
        "off by default: {v:#}"
    );
}

#[test]
fn libpq_16_and_17_options_against_postgresql_16() {
    let Some(pg) = cluster(16) else { return };
    let base = |rest: &str| format!("{} dbname=kong {rest}", pg.tcp_conninfo());
    let libpq16 = PgClient::version(16).expect("libpq 16");
    let root = path(files::ROOT_CA);
    let other = path(files::OTHER_CA);

    // sslnegotiation=direct against 16: the server hangs up on the
    // ClientHello (it reads it as a start-up packet), as libpq 17 shows.
    let direct = base(&format!(
        "user=kong sslmode=verify-full sslrootcert={root} sslnegotiation=direct"
    ));
    let mark = pg.log_mark();
    let real = pg.psql_with(&PgClient::version(17).expect("libpq 17"), &direct, &[PW]);
    assert_ne!(real.status, 0);
    assert_eq!(reason(&real.stderr), "SSL SYSCALL error: EOF detected");
    pg.wait_for_log(
        &mark,
        "invalid length of startup packet",
        std::time::Duration::from_secs(10),
    )
    .expect("the server's line");
    let (status, v) = report(&probe(&direct, &[], &[PW]), "probe direct vs 16");
    assert_eq!(status, 1);
    assert_eq!(codes(&v)[0], "PGTLS035", "{v:#}");
    assert!(v["findings"][0]["edits"]
        .to_string()
        .contains("sslnegotiation"));
    // The fix, proven with libpq 17 itself: the SSLRequest path connects,
    // and a libpq 16 client that worked before still does.
    let (_, v) = report(
        &crate::util::pgtls(&["fix", "--connect", "--libpq", &direct, "--format", "json"]),
        "fix direct vs 16",
    );
    let fixed = v["fixed_conninfo"].as_str().expect("fixed_conninfo");
    assert!(fixed.contains("sslnegotiation=postgres"), "{fixed}");
    let after = pg.psql_with(&PgClient::version(17).expect("libpq 17"), fixed, &[PW]);
    assert_eq!(after.status, 0, "libpq 17 after the fix: {}", after.stderr);
    let healthy = base(&format!("user=kong sslmode=verify-full sslrootcert={root}"));
    assert_eq!(pg.psql_with(&libpq16, &healthy, &[PW]).status, 0);
    let target = format!("127.0.0.1:{}", pg.port());
    let (_, v) = crate::util::pgtls(&["scan", "--server-version", "--format", "json", &target])
        .report("scan");
    assert_eq!(v["targets"][0]["server_version"]["before"], 17, "{v:#}");

    // sslrootcert=system: the system store (SSL_CERT_FILE, as OpenSSL
    // reads it) with verify-full forced.
    let system = base("user=kong sslrootcert=system");
    let real = pg.psql_with(&libpq16, &system, &[PW, ("SSL_CERT_FILE", &root)]);
    assert_eq!(real.status, 0, "libpq 16: {}", real.stderr);
    let (status, v) = report(
        &probe(&system, &[], &[PW, ("SSL_CERT_FILE", &root)]),
        "probe system",
    );
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["server_major"], 16);
    let sslmode = v["settings"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == "sslmode"))
        .expect("sslmode shown");
    assert_eq!(sslmode["value"], "verify-full");
    // A store without the server's CA: the real client's failure, and a
    // fix that speaks of the system store, never of a file named system.
    let real = pg.psql_with(&libpq16, &system, &[PW, ("SSL_CERT_FILE", &other)]);
    assert_eq!(reason(&real.stderr), "SSL error: certificate verify failed");
    let (status, v) = report(
        &probe(&system, &[], &[PW, ("SSL_CERT_FILE", &other)]),
        "probe system untrusted",
    );
    assert_eq!(status, 1);
    assert_eq!(codes(&v)[0], "PGTLS005", "{v:#}");
    let fix = first_fix(&v);
    assert!(fix.contains("update-ca-certificates"), "{fix}");
    assert!(!fix.contains("at system"), "{fix}");
    assert_eq!(
        reason(v["client_line"].as_str().unwrap()),
        reason(&real.stderr)
    );
    // A weaker sslmode is refused as libpq 16 refuses it.
    let weak = base("user=kong sslrootcert=system sslmode=require");
    let real = pg.psql_with(&libpq16, &weak, &[PW]);
    let run = probe(&weak, &[], &[PW]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr
            .contains(reason(&real.stderr).trim_start_matches("psql: error: ")),
        "{} vs {}",
        run.stderr,
        real.stderr
    );
    // libpq 15 looks for a file named system: with the default sslmode
    // (prefer) it then verifies nothing and connects, which the probe must
    // say; with verify-full it stops before connecting.
    let (status, v) = report(
        &probe(
            &system,
            &["--libpq-version", "15"],
            &[PW, ("SSL_CERT_FILE", &root)],
        ),
        "probe system 15 prefer",
    );
    assert_eq!(status, 0, "{v:#}");
    assert!(v["notes"].to_string().contains("needs libpq 16"), "{v:#}");
    let (status, v) = report(
        &probe(
            &format!("{system} sslmode=verify-full"),
            &["--libpq-version", "15"],
            &[PW, ("SSL_CERT_FILE", &root)],
        ),
        "probe system 15",
    );
    assert_eq!(status, 1);
    assert_eq!(codes(&v), ["PGTLS034"], "{v:#}");
    assert!(v["client_line"]
        .as_str()
        .unwrap()
        .contains("root certificate file \"system\" does not exist"));

    // sslcertmode=require: this server never asks for a certificate.
    // require_auth: the server's method is not the one demanded.
    for (rest, env) in [
        ("user=kong sslmode=require sslcertmode=require", &[PW][..]),
        (
            "user=foo sslmode=require require_auth=scram-sha-256",
            &[][..],
        ),
        ("user=kong sslmode=require require_auth=password", &[PW][..]),
        (
            "user=kong sslmode=require require_auth=!scram-sha-256",
            &[PW][..],
        ),
    ] {
        let conninfo = base(rest);
        let real = pg.psql_with(&libpq16, &conninfo, env);
        assert_ne!(real.status, 0, "{rest}");
        let (status, v) = report(&probe(&conninfo, &[], env), rest);
        assert_eq!(status, 1, "{rest}: {v:#}");
        assert_eq!(codes(&v)[0], "PGTLS036", "{rest}: {v:#}");
        assert_eq!(
            reason(v["client_line"].as_str().unwrap_or_default()),
            reason(&real.stderr),
            "{rest}"
        );
        // Older libpq does not have the option at all.
        let (_, v) = report(&probe(&conninfo, &["--libpq-version", "15"], env), rest);
        assert_eq!(codes(&v), ["PGTLS034"], "{rest}: {v:#}");
    }
    // The method demanded is the server's: it connects.
    let ok = base("user=kong sslmode=require require_auth=scram-sha-256 sslcertmode=allow");
    assert_eq!(pg.psql_with(&libpq16, &ok, &[PW]).status, 0);
    let (status, v) = report(&probe(&ok, &[], &[PW]), "probe scram");
    assert_eq!(status, 0, "{v:#}");
    assert_eq!(v["server_major"], 16);
}

/// libpq 16, or one line saying why the test cannot run.
fn libpq16() -> Option<PgClient> {
    match PgClient::version(16) {
        Ok(c) => Some(c),
        Err(e) => {
            eprintln!("skipped: libpq 16: {e}");
            None
        }
    }
}

/// `pgtls fix --format json -D data --libpq conninfo [extra]`.
fn fix_libpq(cluster: &Cluster, conninfo: &str, extra: &[&str]) -> Value {
    let d = cluster.data_dir().display().to_string();
    let mut args = vec!["--format", "json", "fix", "-D", &d, "--libpq", conninfo];
    args.extend_from_slice(extra);
    crate::util::pgtls(&args).json()
}

fn edits_of<'a>(v: &'a Value, code: &str) -> Vec<&'a Value> {
    v["edits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["fixes"].to_string().contains(code))
        .collect()
}

/// PGTLS036 from the server's files: libpq 16 demands
/// require_auth=scram-sha-256 and kong's line is `trust`, so libpq hangs
/// up. The fix offers both sides, each after a look: the line's method
/// made SCRAM, and the client accepting the server's method. Applied
/// (--unsafe, reloaded), the strict client connects (the server now asks
/// for SCRAM) and so does the relaxed one; psql, both Kong paths and the
/// client healthy before still connect. sslcertmode=require against a
/// server with no ssl_ca_file: the CA file is the person's to name; the
/// client's sslcertmode=allow, applied, connects.
#[test]
fn a_demanded_method_the_server_does_not_use_is_fixed_on_either_side() {
    let Some(libpq16) = libpq16() else { return };
    let cluster = crate::lab_util::start(
        ClusterSpec::new()
            .with_server_tls(pki())
            .expect("tls")
            .with_client_ca(pki())
            .expect("client CA")
            .hba_line("hostssl all kong 127.0.0.1/32 trust")
            .hba_line("hostssl all kong_md5 127.0.0.1/32 md5 clientcert=verify-ca"),
    );
    let other = crate::fix::cert_conninfo(
        &cluster,
        "kong_md5",
        files::CLIENT_FOO,
        files::CLIENT_FOO_KEY,
    );
    let strict = format!(
        "{} require_auth=scram-sha-256",
        crate::fix::verify_full(&cluster)
    );
    let out = cluster.psql_with(&libpq16, &strict, &[PW]);
    assert_ne!(out.status, 0, "refused before");
    assert!(
        out.stderr
            .contains("server did not complete authentication"),
        "{}",
        out.stderr
    );
    let v = fix_libpq(&cluster, &strict, &[]);
    let edits = edits_of(&v, "PGTLS036");
    let kinds: Vec<(&str, &str)> = edits
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default(),
                e["applicability"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("hba-line", "maybe-incorrect"),
            ("conninfo", "maybe-incorrect")
        ],
        "{v:#}"
    );
    assert_eq!(
        edits[0]["after"], "hostssl all kong 127.0.0.1/32 scram-sha-256",
        "{v:#}"
    );
    assert_eq!(edits[1]["after"], "scram-sha-256,none", "{v:#}");
    let d = cluster.data_dir().display().to_string();
    // libpq 15 stops at the option itself: nothing else to fix first.
    let v = fix_libpq(&cluster, &strict, &["--libpq-version", "15"]);
    let found = v["findings"].to_string();
    assert!(
        found.contains("PGTLS034") && !found.contains("PGTLS036"),
        "{v:#}"
    );
    for (lang, said) in [
        ("en", "the client demands require_auth=scram-sha-256"),
        (
            "ja",
            "クライアントは require_auth=scram-sha-256 を求めています",
        ),
    ] {
        let out = crate::util::pgtls(&["--lang", lang, "fix", "-D", &d, "--libpq", &strict]).stdout;
        assert!(out.contains(said), "{lang}: {out}");
    }
    let hba = cluster.data_dir().join("pg_hba.conf");
    let before = std::fs::read(&hba).expect("pg_hba.conf");
    let v = fix_libpq(&cluster, &strict, &["--apply"]);
    assert_eq!(v["applied"], serde_json::json!([]), "{v:#}");
    assert_eq!(std::fs::read(&hba).expect("pg_hba.conf"), before);

    // Without the server's files, the connection gives the client's side.
    let connect = |conninfo: &str| {
        crate::util::pgtls_env(
            &[
                "--format",
                "json",
                "fix",
                "--connect",
                "--libpq",
                conninfo,
                "--apply",
                "--unsafe",
            ],
            &[("PGPASSWORD", std::ffi::OsStr::new(LAB_PASSWORD))],
        )
        .json()
    };
    let v = connect(&strict);
    let edits = edits_of(&v, "PGTLS036");
    assert_eq!(edits.len(), 1, "{v:#}");
    assert_eq!(
        (
            edits[0]["key"].as_str(),
            edits[0]["after"].as_str(),
            edits[0]["applicability"].as_str()
        ),
        (
            Some("require_auth"),
            Some("scram-sha-256,none"),
            Some("maybe-incorrect")
        ),
        "{v:#}"
    );
    let relaxed = v["fixed_conninfo"].as_str().expect("fixed_conninfo");
    assert_eq!(cluster.psql_with(&libpq16, relaxed, &[PW]).status, 0);

    let v = fix_libpq(&cluster, &strict, &["--apply", "--unsafe", "--reload"]);
    assert!(v["reloaded_pid"].is_number(), "{v:#}");
    let fixed = v["fixed_conninfo"].as_str().expect("fixed_conninfo");
    assert!(fixed.contains("require_auth=scram-sha-256,none"), "{fixed}");
    let connects = |conninfo: &str| {
        (0..50).any(|_| {
            let ok = cluster.psql_with(&libpq16, conninfo, &[PW]).status == 0;
            if !ok {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            ok
        })
    };
    assert!(connects(&strict), "the strict client after the reload");
    assert!(connects(fixed), "the relaxed client");
    assert!(crate::fix::psql_connects(
        &cluster,
        &crate::fix::verify_full(&cluster)
    ));
    let dir = tempfile::tempdir().expect("dir");
    let k = crate::fix::kong_connects(&cluster, dir.path());
    assert_eq!(k["ok"], true, "both Kong paths: {k:#}");
    assert!(
        crate::fix::psql_connects(&cluster, &other),
        "healthy before"
    );
    let v = fix_libpq(&cluster, &strict, &[]);
    assert!(edits_of(&v, "PGTLS036").is_empty(), "nothing left: {v:#}");

    // sslcertmode=require, and a server that never asks.
    let plain =
        crate::lab_util::start(crate::lab_util::tls_scram(files::SERVER, files::SERVER_KEY));
    // With a method the server does use beside it: libpq asks about the
    // certificate request first, at the handshake.
    let demanding = format!(
        "{} sslcertmode=require require_auth=scram-sha-256",
        crate::fix::verify_full(&plain)
    );
    let out = plain.psql_with(&libpq16, &demanding, &[PW]);
    assert!(
        out.stderr
            .contains("server did not request an SSL certificate"),
        "{}",
        out.stderr
    );
    let v = fix_libpq(&plain, &demanding, &["--apply", "--unsafe"]);
    let edits = edits_of(&v, "PGTLS036");
    assert!(
        edits
            .iter()
            .any(|e| e["key"] == "ssl_ca_file" && e["applicability"] == "has-placeholders"),
        "{v:#}"
    );
    let fixed = v["fixed_conninfo"].as_str().expect("fixed_conninfo");
    assert!(fixed.contains("sslcertmode=allow"), "{fixed}");
    assert_eq!(plain.psql_with(&libpq16, fixed, &[PW]).status, 0, "{fixed}");
    let v = connect(&demanding);
    let fixed = v["fixed_conninfo"]
        .as_str()
        .unwrap_or_else(|| panic!("{v:#}"));
    assert!(fixed.contains("sslcertmode=allow"), "{fixed}");
    assert_eq!(plain.psql_with(&libpq16, fixed, &[PW]).status, 0, "{fixed}");
    let k = crate::fix::kong_connects(&plain, dir.path());
    assert_eq!(k["ok"], true, "both Kong paths: {k:#}");
}

/// PGTLS034, sslrootcert=system with libpq 15: what libpq 16 means by it
/// is OpenSSL's default trust store, which honours SSL_CERT_FILE; the lab
/// CA is made "the system store" for the client processes alone. libpq 16
/// connects that way; Debian's libpq 15 looks for a file named `system`
/// and stops. The fix spells out what 16 means, from the environment
/// pgtls runs in: that file as sslrootcert, and verify-full; libpq 15 then
/// connects (without SSL_CERT_FILE), from the files (check) and from the
/// connection (probe) alike; both Kong paths and a healthy client too.
#[test]
fn sslrootcert_system_is_spelled_out_for_libpq_15() {
    let Some(libpq16) = libpq16() else { return };
    let cluster =
        crate::lab_util::start(crate::lab_util::tls_scram(files::SERVER, files::SERVER_KEY));
    let root = path(files::ROOT_CA);
    let healthy = crate::fix::verify_full(&cluster);
    let system = healthy.replace(&format!("sslrootcert={root}"), "sslrootcert=system");
    assert_ne!(system, healthy);
    let store = ("SSL_CERT_FILE", root.as_str());
    let real16 = cluster.psql_with(&libpq16, &system, &[PW, store]);
    assert_eq!(real16.status, 0, "libpq 16: {}", real16.stderr);
    let local = PgClient::local().expect("local psql");
    let real15 = cluster.psql_with(&local, &system, &[PW, store]);
    assert!(
        real15
            .stderr
            .contains("root certificate file \"system\" does not exist"),
        "libpq 15: {}",
        real15.stderr
    );
    let d = cluster.data_dir().display().to_string();
    let env = [(store.0, std::ffi::OsStr::new(store.1))];
    for how in [vec!["-D", d.as_str()], vec!["--connect"]] {
        let mut args = vec![
            "--format",
            "json",
            "fix",
            "--libpq",
            &system,
            "--libpq-version",
            "15",
        ];
        args.extend(how.iter().copied());
        let v = crate::util::pgtls_env(&args, &env).json();
        let edits = edits_of(&v, "PGTLS034");
        let planned: Vec<(&str, &str, &str)> = edits
            .iter()
            .map(|e| {
                (
                    e["key"].as_str().unwrap_or_default(),
                    e["after"].as_str().unwrap_or_default(),
                    e["applicability"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            planned,
            [("sslrootcert", root.as_str(), "machine-applicable")],
            "{how:?}: {v:#}"
        );
        let fixed = v["fixed_conninfo"].as_str().expect("fixed_conninfo");
        let after = cluster.psql_with(&local, fixed, &[PW]);
        assert_eq!(after.status, 0, "libpq 15 with {fixed}: {}", after.stderr);
    }
    // verify-ca becomes verify-full, which `system` forces.
    let verify_ca = system.replace("sslmode=verify-full", "sslmode=verify-ca");
    let v = crate::util::pgtls_env(
        &[
            "--format",
            "json",
            "fix",
            "--libpq",
            &verify_ca,
            "--libpq-version",
            "15",
            "-D",
            &d,
        ],
        &env,
    )
    .json();
    let fixed = v["fixed_conninfo"]
        .as_str()
        .unwrap_or_else(|| panic!("{v:#}"));
    assert!(
        fixed.contains("sslmode=verify-full") && fixed.contains(&format!("sslrootcert={root}")),
        "{fixed}"
    );
    assert_eq!(cluster.psql_with(&local, fixed, &[PW]).status, 0, "{fixed}");
    let dir = tempfile::tempdir().expect("dir");
    let k = crate::fix::kong_connects(&cluster, dir.path());
    assert_eq!(k["ok"], true, "both Kong paths: {k:#}");
    assert!(crate::fix::psql_connects(&cluster, &healthy), "healthy");
}
