//! `pgtls check` held against real PostgreSQL 15 servers: for each start-up
//! failure the files are written into a real data directory, `pgtls check`
//! predicts, then the server is restarted with exactly those files and must
//! fail exactly when predicted, with the same FATAL and code; for each
//! cross-check a real client (psql) connects and what it (and the server)
//! prints must carry the code the check predicted.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use pgtls_diagnose::explain::explain_text;
use pgtls_lab::{files, Cluster, ClusterSpec, LabError, Owner, LAB_PASSWORD};
use serde_json::Value;

use crate::lab_util::{cert_args, codes, path, pki, server_file, start, tls, HOSTSSL_SCRAM};
use crate::util::pgtls;

fn pem(name: &str) -> Vec<u8> {
    pki().read(name).expect("lab PKI file")
}

/// Every code explain gives for some text (primary readings and their
/// alternatives).
fn observed_codes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in explain_text(text) {
        out.push(f.code().to_string());
        out.extend(f.alternatives.iter().map(|a| a.to_string()));
    }
    out
}

fn check_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    pgtls(&all).report("pgtls check")
}

/// The finding with `code`, which must name a file:line or a file.
fn finding<'a>(v: &'a Value, code: &str) -> &'a Value {
    let f = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == code))
        .unwrap_or_else(|| panic!("no {code} finding in {v:#}"));
    assert!(
        f["evidence"].as_array().is_some_and(|e| e
            .iter()
            .any(|e| e["location"].as_str().is_some_and(|l| l.contains('/')))),
        "{code} names no file: {f:#}"
    );
    assert!(
        f["fix"].as_array().is_some_and(|x| !x.is_empty()),
        "{code} has no fix: {f:#}"
    );
    f
}

/// A cluster whose postgresql.conf includes `pgtls-check.conf`, so each
/// scenario can change settings and files and restart.
fn start_lab() -> Cluster {
    let spec = ClusterSpec::new()
        .with_server_tls(pki())
        .expect("server TLS files")
        .setting("include_if_exists", "'pgtls-check.conf'")
        .hba_line(HOSTSSL_SCRAM);
    start(&spec)
}

/// One file of a scenario: name in the data directory, contents, mode,
/// owner uid and gid.
struct F {
    name: &'static str,
    bytes: Vec<u8>,
    mode: u32,
    uid: Option<u32>,
    gid: Option<u32>,
}

fn server_ids(c: &Cluster) -> (u32, u32) {
    let md = fs::metadata(c.data_dir()).expect("data directory");
    (md.uid(), md.gid())
}

fn place(c: &Cluster, f: &F) {
    c.write_file(f.name, &f.bytes, f.mode, Owner::ServerUser)
        .expect("write file");
    let p = c.data_dir().join(f.name);
    let (su, sg) = server_ids(c);
    std::os::unix::fs::chown(&p, Some(f.uid.unwrap_or(su)), Some(f.gid.unwrap_or(sg)))
        .expect("chown");
}

/// Writes the scenario, asks pgtls check, restarts the server with the same
/// files, and compares. Returns the check's JSON.
fn predict_then_start(c: &mut Cluster, what: &str, conf: &str, files: Vec<F>) -> Value {
    let (su, sg) = server_ids(c);
    // The baseline, then the scenario's own files over it.
    let mut all = vec![
        F {
            name: "server.crt",
            bytes: pem(files::SERVER),
            mode: 0o600,
            uid: Some(su),
            gid: Some(sg),
        },
        F {
            name: "server.key",
            bytes: pem(files::SERVER_KEY),
            mode: 0o600,
            uid: Some(su),
            gid: Some(sg),
        },
    ];
    all.extend(files);
    for f in &all {
        place(c, f);
    }
    c.write_file(
        "pgtls-check.conf",
        conf.as_bytes(),
        0o600,
        Owner::ServerUser,
    )
    .expect("write conf");
    let data = c.data_dir().display().to_string();
    let (status, v) = check_json(&["-D", &data]);
    let predicted_start = v["server_start"]["starts"].as_bool().expect("starts");
    let predicted_code = v["server_start"]["code"].as_str().map(str::to_string);
    let predicted_fatal = v["server_start"]["fatal"]
        .as_str()
        .unwrap_or("")
        .to_string();
    match c.restart() {
        Ok(()) => {
            assert!(
                predicted_start,
                "{what}: the server started, but pgtls check predicted {predicted_code:?}: {predicted_fatal}"
            );
            println!("{what}: starts, as predicted (exit {status})");
        }
        Err(LabError::StartFailed { fatal, log }) => {
            assert!(
                !predicted_start,
                "{what}: the server refused to start with {fatal:?}, but pgtls check predicted a start\n{v:#}\n{log}"
            );
            assert!(
                fatal.contains(&predicted_fatal),
                "{what}: predicted FATAL {predicted_fatal:?}, the server said {fatal:?}"
            );
            assert_eq!(status, 1, "{what}: a predicted start failure exits 1");
            let observed = observed_codes(&fatal);
            let Some(code) = predicted_code.clone() else {
                // No catalogue code (a configuration error): the FATAL
                // itself was compared above.
                println!("{what}: refused with {fatal}");
                return v;
            };
            // explain has no pattern for the range FATAL; the check's code
            // is the protocol-range diagnosis.
            if !fatal.contains("could not set SSL protocol version range") {
                assert_eq!(
                    observed.first(),
                    Some(&code),
                    "{what}: the server's FATAL {fatal:?} reads as {observed:?}, predicted {code}"
                );
            }
            finding(&v, &code);
            println!("{what}: refused with [{code}] {fatal}");
        }
        Err(e) => panic!("{what}: {e}"),
    }
    v
}

#[test]
fn start_failures_key_permissions_as_postgresql_decides() {
    let mut c = start_lab();
    let (su, sg) = server_ids(&c);
    let key = || pem(files::SERVER_KEY);
    let scenario = |mode, uid, gid| {
        vec![F {
            name: "server.key",
            bytes: key(),
            mode,
            uid: Some(uid),
            gid: Some(gid),
        }]
    };

    let v = predict_then_start(
        &mut c,
        "postgres-owned 0600 key",
        "",
        scenario(0o600, su, sg),
    );
    assert_eq!(v["server_start"]["starts"], true);

    let v = predict_then_start(
        &mut c,
        "postgres-owned 0640 key",
        "",
        scenario(0o640, su, sg),
    );
    assert_eq!(v["server_start"]["code"], "PGTLS004");
    let fix = finding(&v, "PGTLS004")["fix"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        fix.contains("chmod 0600 ") && fix.contains("server.key"),
        "{fix}"
    );

    let v = predict_then_start(&mut c, "root:postgres 0640 key", "", scenario(0o640, 0, sg));
    assert_eq!(
        v["server_start"]["starts"], true,
        "root-owned 0640 readable through the group"
    );

    let v = predict_then_start(&mut c, "root:root 0640 key", "", scenario(0o640, 0, 0));
    assert_eq!(v["server_start"]["code"], "PGTLS003");
    let fix = finding(&v, "PGTLS003")["fix"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        fix.contains("chown postgres:postgres") && fix.contains("chmod 0600"),
        "{fix}"
    );

    let v = predict_then_start(&mut c, "root:postgres 0644 key", "", scenario(0o644, 0, sg));
    assert_eq!(v["server_start"]["code"], "PGTLS004");

    let v = predict_then_start(&mut c, "root:postgres 0660 key", "", scenario(0o660, 0, sg));
    assert_eq!(v["server_start"]["code"], "PGTLS004");

    let v = predict_then_start(
        &mut c,
        "key owned by nobody",
        "",
        scenario(0o600, 65534, 65534),
    );
    assert_eq!(v["server_start"]["code"], "PGTLS004");
    let fix = finding(&v, "PGTLS004")["fix"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(fix.contains("chown postgres:"), "{fix}");

    let v = predict_then_start(
        &mut c,
        "postgres-owned 0400 key",
        "",
        scenario(0o400, su, sg),
    );
    assert_eq!(v["server_start"]["starts"], true);
}

#[test]
fn start_failures_missing_files_mismatch_and_range() {
    let mut c = start_lab();
    let (su, sg) = server_ids(&c);

    let v = predict_then_start(
        &mut c,
        "certificate missing",
        "ssl_cert_file = 'missing.crt'\n",
        vec![],
    );
    assert_eq!(v["server_start"]["code"], "PGTLS002");
    assert!(
        v["server_start"]["location"]
            .as_str()
            .unwrap()
            .contains("pgtls-check.conf:1"),
        "{v:#}"
    );

    let v = predict_then_start(
        &mut c,
        "certificate unreadable",
        "",
        vec![F {
            name: "server.crt",
            bytes: pem(files::SERVER),
            mode: 0o600,
            uid: Some(0),
            gid: Some(0),
        }],
    );
    assert_eq!(v["server_start"]["code"], "PGTLS002");

    let v = predict_then_start(
        &mut c,
        "key missing",
        "ssl_key_file = 'nokey.key'\n",
        vec![],
    );
    assert_eq!(v["server_start"]["code"], "PGTLS003");

    let v = predict_then_start(
        &mut c,
        "key of another certificate",
        "",
        vec![F {
            name: "server.key",
            bytes: pem(files::SERVER_EXPIRED_KEY),
            mode: 0o600,
            uid: Some(su),
            gid: Some(sg),
        }],
    );
    assert_eq!(v["server_start"]["code"], "PGTLS015");
    let f = finding(&v, "PGTLS015");
    assert_ne!(
        f["facts"]["cert_public_key_sha256"],
        f["facts"]["key_public_key_sha256"]
    );

    let v = predict_then_start(
        &mut c,
        "minimum above maximum",
        "ssl_min_protocol_version = 'TLSv1.3'\nssl_max_protocol_version = 'TLSv1.2'\n",
        vec![],
    );
    assert_eq!(v["server_start"]["code"], "PGTLS001");

    let v = predict_then_start(
        &mut c,
        "RSA 1024 certificate",
        "",
        vec![
            F {
                name: "server.crt",
                bytes: pem(files::SERVER_WEAK),
                mode: 0o600,
                uid: Some(su),
                gid: Some(sg),
            },
            F {
                name: "server.key",
                bytes: pem(files::SERVER_WEAK_KEY),
                mode: 0o600,
                uid: Some(su),
                gid: Some(sg),
            },
        ],
    );
    assert_eq!(v["server_start"]["code"], "PGTLS022");

    let v = predict_then_start(
        &mut c,
        "ssl_ca_file missing",
        "ssl_ca_file = 'nothere.crt'\n",
        vec![],
    );
    assert_eq!(v["server_start"]["code"], "PGTLS018");

    let v = predict_then_start(&mut c, "syntax error", "ssl = on on\n", vec![]);
    assert_eq!(v["server_start"]["starts"], false);
    assert!(
        v["problems"][0]["location"]
            .as_str()
            .unwrap()
            .contains("pgtls-check.conf:1"),
        "{v:#}"
    );

    // Client certificates without ssl_ca_file: the server starts (PostgreSQL
    // 15 refuses each matching connection instead).
    c.write_hba("hostssl all kong 127.0.0.1/32 cert\nhostssl all all 127.0.0.1/32 scram-sha-256\n")
        .expect("hba");
    let v = predict_then_start(&mut c, "cert line without ssl_ca_file", "", vec![]);
    assert_eq!(v["server_start"]["starts"], true);
    let f = finding(&v, "PGTLS019");
    assert!(
        f["evidence"][0]["location"]
            .as_str()
            .unwrap()
            .ends_with("pg_hba.conf:2"),
        "{f:#}"
    );
    let out = c.psql(
        &format!(
            "user=kong dbname=kong sslmode=require {}",
            cert_args(files::CLIENT_KONG, files::CLIENT_KONG_KEY)
        ),
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_ne!(out.status, 0);
    assert_eq!(
        observed_codes(&out.stderr).first().map(String::as_str),
        Some("PGTLS019"),
        "{}",
        out.stderr
    );
}

/// The client's prediction from `pgtls check` and what psql then sees.
fn cross(c: &Cluster, what: &str, conninfo: &str, extra: &[&str]) -> (Value, String) {
    let data = c.data_dir().display().to_string();
    let full = format!(
        "host=127.0.0.1 port={} connect_timeout=10 {conninfo}",
        c.port()
    );
    let mut args = vec!["-D", data.as_str(), "--libpq", full.as_str()];
    args.extend_from_slice(extra);
    let (_, v) = check_json(&args);
    let mark = c.log_mark();
    let out = c.psql(conninfo, &[("PGPASSWORD", LAB_PASSWORD)]);
    std::thread::sleep(Duration::from_millis(150));
    let log = c.log_since(&mark);
    println!("{what}: psql {} {}", out.status, out.stderr.trim());
    (
        v,
        format!(
            "{}\n{}",
            out.stderr,
            log.lines()
                .filter(|l| l.contains("FATAL") || l.contains("could not accept"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    )
}

fn assert_predicted(what: &str, v: &Value, observed: &str) {
    let conn = &v["connections"][0];
    let code = conn["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no failure predicted: {v:#}"));
    let seen = observed_codes(observed);
    assert!(
        seen.iter().any(|s| s == code),
        "{what}: predicted {code}, observed {seen:?} in\n{observed}\n{v:#}"
    );
    assert!(
        codes(v).iter().any(|c| c == code),
        "{what}: no {code} finding: {v:#}"
    );
    finding(v, code);
}

#[test]
fn cross_checks_with_libpq_match_what_psql_sees() {
    let spec = ClusterSpec::new()
        .with_server_tls(pki())
        .expect("tls")
        .with_client_ca(pki())
        .expect("ca")
        .hba_line("hostssl all kong 127.0.0.1/32 cert")
        .hba_line("hostssl all foo 127.0.0.1/32 cert map=m")
        .hba_line("hostssl all kong_md5 127.0.0.1/32 md5")
        .ident_line(r"m /^(.*)@example\.com$ \1");
    let c = start(&spec);
    let root = path(files::ROOT_CA);
    let kong_cert = cert_args(files::CLIENT_KONG, files::CLIENT_KONG_KEY);
    let foo_cert = cert_args(files::CLIENT_FOO, files::CLIENT_FOO_KEY);

    // Healthy: a certificate whose CN is the user, and a regex map.
    let (v, _) = cross(
        &c,
        "kong with its certificate",
        &format!("user=kong dbname=kong sslmode=verify-full sslrootcert={root} {kong_cert}"),
        &[],
    );
    assert_eq!(v["connections"][0]["ok"], true, "{v:#}");
    assert_eq!(
        c.psql(
            &format!("user=kong dbname=kong sslmode=verify-full sslrootcert={root} {kong_cert}"),
            &[]
        )
        .status,
        0
    );
    let (v, _) = cross(
        &c,
        "foo mapped by regex",
        &format!("user=foo dbname=kong sslmode=verify-full sslrootcert={root} {foo_cert}"),
        &[],
    );
    assert_eq!(v["connections"][0]["ok"], true, "{v:#}");
    assert_eq!(v["connections"][0]["hba_line"]["map"], "m");

    let (v, o) = cross(
        &c,
        "untrusted server CA",
        &format!(
            "user=kong_md5 dbname=kong sslmode=verify-ca sslrootcert={}",
            path(files::OTHER_CA)
        ),
        &[],
    );
    assert_predicted("PGTLS005", &v, &o);
    assert_eq!(v["connections"][0]["code"], "PGTLS005");

    let (v, o) = cross(&c, "no common TLS version", "user=kong_md5 dbname=kong sslmode=require ssl_min_protocol_version=TLSv1 ssl_max_protocol_version=TLSv1.1", &[]);
    assert_predicted("PGTLS001", &v, &o);

    let other = cert_args(files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY);
    let (v, o) = cross(
        &c,
        "client certificate from another CA",
        &format!("user=kong dbname=kong sslmode=require {other}"),
        &[],
    );
    assert_predicted("PGTLS006", &v, &o);

    let (v, o) = cross(
        &c,
        "certificate of another user",
        &format!("user=kong dbname=kong sslmode=require {foo_cert}"),
        &[],
    );
    assert_predicted("PGTLS007", &v, &o);
    let fix = finding(&v, "PGTLS007")["fix"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        fix.contains("map=certmap") && fix.contains("certmap foo@example.com kong"),
        "{fix}"
    );

    let (v, o) = cross(
        &c,
        "no client certificate",
        "user=kong dbname=kong sslmode=require",
        &[],
    );
    assert_predicted("PGTLS008", &v, &o);

    let (v, o) = cross(
        &c,
        "no line for the user",
        "user=kong dbname=postgres sslmode=disable",
        &[],
    );
    assert_predicted("PGTLS016", &v, &o);
    assert!(
        codes(&v).contains(&"PGTLS021".to_string()),
        "plaintext is also a warning: {v:#}"
    );

    let (v, o) = cross(
        &c,
        "trust store missing",
        "user=kong_md5 dbname=kong sslmode=verify-full sslrootcert=/nonexistent/root.crt",
        &[],
    );
    assert_predicted("PGTLS018", &v, &o);

    let (v, o) = cross(&c, "host name mismatch", &format!("user=kong_md5 dbname=kong host=db.example.com hostaddr=127.0.0.1 sslmode=verify-full sslrootcert={root}"), &[]);
    assert_predicted("PGTLS012", &v, &o);
    // Each step once: the computed one already offers dialling another name.
    let steps = finding(&v, "PGTLS012")["fix"].to_string();
    assert_eq!(steps.matches("dial a name").count(), 1, "{steps}");
    assert_eq!(steps.matches("reissue").count(), 1, "{steps}");

    // --match on the same files, and the real connection it describes.
    let data = c.data_dir().display().to_string();
    let (status, v) = check_json(&[
        "-D",
        &data,
        "--match",
        "host=127.0.0.1,user=kong,database=kong,ssl=on,cn=foo@example.com",
    ]);
    assert_eq!(status, 1);
    let m = &v["matches"][0];
    assert!(
        m["line"]["location"]
            .as_str()
            .unwrap()
            .ends_with("pg_hba.conf:2"),
        "{m:#}"
    );
    assert_eq!(m["line"]["method"], "cert");
    assert_eq!(m["code"], "PGTLS007");
    let (status, v) = check_json(&[
        "-D",
        &data,
        "--match",
        "host=127.0.0.1,user=foo,database=kong,ssl=on,cn=foo@example.com",
    ]);
    assert_eq!(m["line"]["clientcert"], "verify-full");
    assert_eq!(v["matches"][0]["code"], Value::Null, "{v:#}");
    assert!(
        v["matches"][0]["mapped_by"]
            .as_str()
            .unwrap()
            .ends_with("pg_ident.conf:1"),
        "{v:#}"
    );
    assert_eq!(status, 0, "{v:#}");
}

/// A TLS server whose server.crt is `cert` (the leaf below the lab's
/// intermediate, alone or with its chain), the file names set explicitly.
fn via_intermediate(cert: &str) -> ClusterSpec {
    tls(cert, files::SERVER_VIA_INTERMEDIATE_KEY)
        .setting("ssl_cert_file", "'server.crt'")
        .setting("ssl_key_file", "'server.key'")
}

#[test]
fn cross_checks_chain_and_plaintext() {
    // The server's file holds the leaf alone; the intermediate is in its
    // ssl_ca_file, from which OpenSSL completes the chain it sends.
    let leaf_only = |ca: Option<&str>| {
        let mut spec = via_intermediate(files::SERVER_VIA_INTERMEDIATE)
            .file(server_file(
                files::INTERMEDIATE_CA,
                "intermediate.crt",
                0o644,
            ))
            .hba_line(HOSTSSL_SCRAM);
        if let Some(ca) = ca {
            spec = spec.setting("ssl_ca_file", ca);
        }
        start(&spec)
    };
    let verify_ca = format!(
        "user=kong dbname=kong sslmode=verify-ca sslrootcert={}",
        path(files::ROOT_CA)
    );
    let c = leaf_only(Some("'intermediate.crt'"));
    let (v, _) = cross(
        &c,
        "intermediate completed from ssl_ca_file",
        &verify_ca,
        &[],
    );
    assert_eq!(v["connections"][0]["ok"], true, "{v:#}");
    assert_eq!(
        c.psql(&verify_ca, &[("PGPASSWORD", LAB_PASSWORD)]).status,
        0
    );
    drop(c);

    // Without it, the intermediate lies unused next to the certificate.
    let c = leaf_only(None);
    let (v, o) = cross(&c, "intermediate not sent", &verify_ca, &[]);
    assert_predicted("PGTLS014", &v, &o);
    let fix = finding(&v, "PGTLS014")["fix"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        fix.contains("intermediate.crt") && fix.contains("server.crt"),
        "{fix}"
    );
    drop(c);

    let spec = ClusterSpec::new()
        .setting("ssl", "off")
        .hba_line("host all all 127.0.0.1/32 scram-sha-256");
    let c = start(&spec);
    let (v, o) = cross(
        &c,
        "TLS required, server without TLS",
        "user=kong dbname=kong sslmode=require",
        &[],
    );
    assert_predicted("PGTLS009", &v, &o);
    // PostgreSQL applies ssl = on on reload: no step says restart.
    let steps = finding(&v, "PGTLS009")["fix"].to_string();
    assert!(!steps.contains("restart"), "{steps}");
    assert_eq!(steps.matches("ssl = on").count(), 1, "{steps}");

    let (v, _) = cross(
        &c,
        "prefer falls back to plaintext",
        "user=kong dbname=kong sslmode=prefer",
        &[],
    );
    assert_eq!(v["connections"][0]["ok"], true, "{v:#}");
    assert_eq!(v["connections"][0]["tls"], false, "{v:#}");
    assert!(codes(&v).contains(&"PGTLS021".to_string()), "{v:#}");
    let mark = c.log_mark();
    let out = c.psql(
        "user=kong dbname=kong sslmode=prefer",
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let log = c
        .wait_for_log(&mark, "connection authorized", Duration::from_secs(10))
        .expect("log");
    assert!(
        !log.contains("SSL enabled"),
        "the connection really is plaintext: {log}"
    );
}

#[test]
fn unreadable_inputs_are_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nope");
    let run = pgtls(&["check", "-D", &missing.display().to_string()]);
    assert_eq!(run.status, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&missing.join("postgresql.conf").display().to_string()),
        "{}",
        run.stderr
    );

    let run = pgtls(&["check"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("--pgdata"), "{}", run.stderr);

    // A data directory with a missing pg_hba.conf: a prediction naming it.
    // The directory belongs to the server's account, as PostgreSQL wants.
    let d = dir.path();
    fs::write(d.join("postgresql.conf"), "ssl = off\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(d, fs::Permissions::from_mode(0o700)).unwrap();
    }
    let server_user = if pgtls_lab::is_root() {
        let status = std::process::Command::new("chown")
            .arg("postgres")
            .arg(d)
            .status()
            .expect("chown");
        assert!(status.success());
        "postgres".to_string()
    } else {
        std::env::var("USER").unwrap_or_else(|_| "postgres".into())
    };
    let before = listing(d);
    let run = pgtls(&[
        "check",
        "-D",
        &d.display().to_string(),
        "--format",
        "json",
        "--server-user",
        &server_user,
    ]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["server_start"]["fatal"], "could not load pg_hba.conf");
    assert!(
        v["problems"]
            .to_string()
            .contains(&d.join("pg_hba.conf").display().to_string()),
        "{v:#}"
    );
    assert_eq!(listing(d), before, "pgtls check wrote into the directory");

    let run = pgtls(&[
        "check",
        "-D",
        &d.display().to_string(),
        "--kong-conf",
        "/nonexistent/kong.conf",
    ]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("/nonexistent/kong.conf"),
        "{}",
        run.stderr
    );

    let run = pgtls(&[
        "check",
        "-D",
        &d.display().to_string(),
        "--match",
        "user=kong",
    ]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("host="), "{}", run.stderr);
}

fn listing(d: &Path) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = fs::read_dir(d)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().unwrap().mtime() as u64,
            )
        })
        .collect();
    v.sort();
    v
}

/// `pgtls probe` on the same kong.conf: per path (cosocket, LuaSec), does it
/// connect, and which codes does it report.
fn probe_kong(conf: &Path, extra: &[&str]) -> Value {
    let c = conf.display().to_string();
    let mut args = vec![
        "probe",
        "--format",
        "json",
        "--kong-conf",
        c.as_str(),
        "--timeout",
        "10",
    ];
    args.extend_from_slice(extra);
    let run = pgtls(&args);
    assert!(
        run.status == 0 || run.status == 1,
        "probe could not run: {}{}",
        run.stdout,
        run.stderr
    );
    run.json()
}

fn probe_codes(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for f in v["findings"].as_array().into_iter().flatten() {
        out.extend(f["code"].as_str().map(str::to_string));
        for a in f["alternatives"].as_array().into_iter().flatten() {
            out.extend(a.as_str().map(str::to_string));
        }
    }
    out
}

/// Runs check and probe on one kong.conf and compares path by path.
fn kong_cross(c: &Cluster, dir: &Path, what: &str, conf: &str, extra: &[&str]) -> Value {
    let file = dir.join(format!("{}.conf", what.replace(' ', "-")));
    let body = format!(
        "pg_host = 127.0.0.1\npg_port = {}\npg_database = kong\npg_password = {LAB_PASSWORD}\npg_timeout = 10000\n{conf}",
        c.port()
    );
    fs::write(&file, body).expect("write kong.conf");
    let data = c.data_dir().display().to_string();
    let f = file.display().to_string();
    let mut args = vec!["-D", data.as_str(), "--kong-conf", f.as_str()];
    args.extend_from_slice(extra);
    let (_, v) = check_json(&args);
    let p = probe_kong(&file, extra);
    let seen = probe_codes(&p);
    for (mine, theirs) in [("cosocket", "cosocket"), ("LuaSec", "luasec")] {
        let pred = v["connections"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|x| x["client"].as_str().is_some_and(|n| n.contains(mine)))
            })
            .unwrap_or_else(|| panic!("{what}: no {mine} prediction: {v:#}"));
        let path = p["paths"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["name"] == theirs))
            .unwrap_or_else(|| panic!("{what}: probe has no {theirs} path: {p:#}"));
        println!(
            "{what} [{mine}]: predicted {} {}, probe {} ({})",
            pred["ok"], pred["code"], path["ok"], path["client_line"]
        );
        assert_eq!(
            pred["ok"], path["ok"],
            "{what} [{mine}]: predicted {pred:#}, probe saw {}",
            path["client_line"]
        );
        if let Some(code) = pred["code"].as_str() {
            assert!(
                seen.iter().any(|s| s == code),
                "{what} [{mine}]: predicted {code}, probe reported {seen:?}"
            );
            finding(&v, code);
        }
    }
    v
}

#[test]
fn cross_checks_with_kong_match_what_probe_sees() {
    let pki = pki();
    let spec = via_intermediate(files::SERVER_VIA_INTERMEDIATE_CHAIN)
        .with_client_ca(pki)
        .unwrap()
        .hba_line("hostssl kong kong 127.0.0.1/32 scram-sha-256")
        .hba_line("hostssl kong foo 127.0.0.1/32 cert");
    let c = start(&spec);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let root = path(files::ROOT_CA);
    let verify = format!("pg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {root}\n");

    let v = kong_cross(&c, d, "healthy", &format!("pg_user = kong\n{verify}"), &[]);
    assert!(
        v["connections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true),
        "{v:#}"
    );

    let v = kong_cross(
        &c,
        d,
        "depth 0",
        &format!("pg_user = kong\n{verify}lua_ssl_verify_depth = 0\n"),
        &[],
    );
    assert_eq!(v["connections"][0]["code"], "PGTLS013");

    let v = kong_cross(
        &c,
        d,
        "untrusted CA",
        &format!(
            "pg_user = kong\npg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {}\n",
            path(files::OTHER_CA)
        ),
        &[],
    );
    assert_eq!(v["connections"][1]["code"], "PGTLS005");

    let certs = format!(
        "pg_ssl_cert = {}\npg_ssl_cert_key = {}\n",
        path(files::CLIENT_KONG),
        path(files::CLIENT_KONG_KEY)
    );
    let v = kong_cross(
        &c,
        d,
        "oss sends no certificate",
        &format!("pg_user = foo\n{verify}{certs}"),
        &["--kong-edition", "oss"],
    );
    assert_eq!(v["connections"][0]["code"], "PGTLS008");

    let v = kong_cross(
        &c,
        d,
        "enterprise certificate of another user",
        &format!("pg_user = foo\n{verify}{certs}"),
        &[],
    );
    assert_eq!(v["connections"][0]["code"], "PGTLS007");

    let v = kong_cross(
        &c,
        d,
        "no line for the user",
        &format!("pg_user = kong_md5\n{verify}"),
        &[],
    );
    assert_eq!(v["connections"][0]["code"], "PGTLS016");
    drop(c);

    // Kong Enterprise pins TLS 1.2 on its LuaSec path; the server wants 1.3.
    let spec = ClusterSpec::new()
        .with_server_tls(pki)
        .unwrap()
        .setting("ssl_min_protocol_version", "'TLSv1.3'")
        .hba_line("hostssl kong kong 127.0.0.1/32 scram-sha-256");
    let c = start(&spec);
    let v = kong_cross(
        &c,
        d,
        "pinned TLS 1.2",
        "pg_user = kong\npg_ssl = on\npg_ssl_required = on\npg_ssl_version = tlsv1_2\n",
        &[],
    );
    assert_eq!(v["connections"][1]["code"], "PGTLS001");
    assert_eq!(v["connections"][0]["ok"], true);
}
