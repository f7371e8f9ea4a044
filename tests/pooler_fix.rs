//! `check --pgbouncer-ini` and `fix` on both legs of a real pgbouncer: the
//! check finds the leg's failure in pgbouncer.ini, `fix --apply --reload`
//! writes the edit and reloads pgbouncer by SIGHUP, and then psql gets
//! through while a client that worked before still does.

use pgtls_lab::{files, Cluster, Pooler, PoolerSpec, LAB_PASSWORD};
use serde_json::Value;

use crate::lab_util::{path, pki, start, tls_scram};
use crate::pooler::server_leg_wrong_ca;
use crate::util::pgtls;

fn installed() -> bool {
    let there = pgtls_lab::pgbouncer_binary().is_some();
    if !there {
        eprintln!("skipped: pgbouncer is not installed (apt-get install -y pgbouncer)");
    }
    there
}

fn psql_ok(pooler: &Pooler, cluster: &Cluster, conninfo: &str) -> Result<(), String> {
    let out = pooler.psql(cluster, conninfo, &[("PGPASSWORD", LAB_PASSWORD)]);
    if out.status == 0 && out.stdout.trim().starts_with('1') {
        Ok(())
    } else {
        Err(out.stderr)
    }
}

/// (code, leg) of each finding.
fn code_legs(v: &Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["leg"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn libpq_args(pooler: &Pooler, extra: &str) -> String {
    format!(
        "host=127.0.0.1 port={} user=kong dbname=kong {extra}",
        pooler.port()
    )
}

/// pgbouncer has TLS files for clients but `client_tls_sslmode = disable`:
/// psql with `sslmode=require` is told `N`. The fix turns TLS on in
/// pgbouncer.ini and reloads pgbouncer; psql then connects, and psql with
/// `sslmode=prefer` (which got through in plaintext before) still does,
/// now over TLS.
#[test]
fn fix_turns_on_the_client_legs_tls_in_pgbouncer_ini_and_reloads_it() {
    if !installed() {
        return;
    }
    let cluster = start(tls_scram(files::SERVER, files::SERVER_KEY));
    let spec = PoolerSpec::new()
        .client_tls(pki(), "disable")
        .and_then(|s| s.server_tls(pki(), "verify-full", Some(files::ROOT_CA)))
        .expect("pooler spec");
    let pooler = Pooler::start(&cluster, &spec).expect("pgbouncer starts");
    let ini = pooler.ini_path().display().to_string();
    let require = libpq_args(&pooler, "sslmode=require");
    let e = psql_ok(&pooler, &cluster, "user=kong dbname=kong sslmode=require").unwrap_err();
    assert!(e.contains("server does not support SSL"), "{e}");
    psql_ok(&pooler, &cluster, "user=kong dbname=kong sslmode=prefer").expect("prefer works");

    let check = pgtls(&[
        "check",
        "--pgbouncer-ini",
        &ini,
        "--libpq",
        &require,
        "--format",
        "json",
    ]);
    let (status, v) = check.report("check");
    assert_eq!(status, 1, "{v:#}");
    assert_eq!(
        code_legs(&v),
        [("PGTLS009".to_string(), "client".to_string())],
        "{v:#}"
    );
    let edit = &v["findings"][0]["edits"][0];
    assert_eq!(edit["key"], "client_tls_sslmode", "{edit:#}");
    assert_eq!(edit["after"], "require", "{edit:#}");
    assert_eq!(edit["then"], "reload", "{edit:#}");
    assert_eq!(edit["applicability"], "machine-applicable", "{edit:#}");

    let fix = pgtls(&[
        "fix",
        "--pgbouncer-ini",
        &ini,
        "--libpq",
        &require,
        "--apply",
        "--reload",
        "--format",
        "json",
    ]);
    let (_, f) = fix.report("fix");
    assert_eq!(f["applied"].as_array().unwrap().len(), 1, "{f:#}");
    assert_eq!(
        f["reloaded_pgbouncer_pid"].as_u64(),
        pooler.pid().map(u64::from),
        "{f:#}"
    );
    let text = std::fs::read_to_string(pooler.ini_path()).unwrap();
    assert!(text.contains("client_tls_sslmode = require"), "{text}");
    // pgbouncer re-reads its configuration asynchronously after SIGHUP.
    let mut last = String::new();
    for _ in 0..50 {
        match psql_ok(&pooler, &cluster, "user=kong dbname=kong sslmode=require") {
            Ok(()) => {
                last.clear();
                break;
            }
            Err(e) => last = e,
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(last.is_empty(), "psql after the fix: {last}");
    psql_ok(&pooler, &cluster, "user=kong dbname=kong sslmode=prefer")
        .expect("the client that worked before still works");
    // Nothing left to fix.
    let again = pgtls(&[
        "check",
        "--pgbouncer-ini",
        &ini,
        "--libpq",
        &require,
        "--format",
        "json",
    ]);
    let (status, v) = again.report("check");
    assert_eq!(status, 0, "{v:#}");
}

/// pgbouncer verifies PostgreSQL against the wrong CA: clients wait for
/// query_wait_timeout. The check finds the CA that does sign PostgreSQL's
/// certificate (here the one the client trusts), the fix points
/// server_tls_ca_file at it and reloads pgbouncer; psql then gets through
/// pgbouncer, and psql straight to PostgreSQL, fine before, still is.
#[test]
fn fix_points_the_server_legs_ca_at_the_one_that_signed_postgresql() {
    if !installed() {
        return;
    }
    let case = server_leg_wrong_ca();
    let cluster = start(&case.cluster);
    let pooler = Pooler::start(&cluster, &case.pooler).expect("pgbouncer starts");
    let ini = pooler.ini_path().display().to_string();
    let verify = format!(
        "host=localhost hostaddr=127.0.0.1 user=kong dbname=kong sslmode=verify-full sslrootcert={}",
        path(files::ROOT_CA)
    );
    let e = psql_ok(&pooler, &cluster, &verify).unwrap_err();
    assert!(e.contains("query_wait_timeout"), "{e}");
    let direct = |c: &Cluster| {
        let out = c.psql(&verify, &[("PGPASSWORD", LAB_PASSWORD)]);
        assert_eq!(out.status, 0, "{}", out.stderr);
    };
    direct(&cluster);

    let data_dir = cluster.data_dir().display().to_string();
    let client = libpq_args(
        &pooler,
        &format!("sslmode=verify-full sslrootcert={}", path(files::ROOT_CA)),
    );
    let args = [
        "--pgbouncer-ini",
        &ini,
        "-D",
        &data_dir,
        "--libpq",
        &client,
        "--format",
        "json",
    ];
    let mut check_args = vec!["check"];
    check_args.extend_from_slice(&args);
    let (status, v) = pgtls(&check_args).report("check");
    assert_eq!(status, 1, "{v:#}");
    let legs = code_legs(&v);
    assert!(
        legs.contains(&("PGTLS005".to_string(), "server".to_string())),
        "{v:#}"
    );
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PGTLS005")
        .unwrap();
    assert_eq!(f["edits"][0]["key"], "server_tls_ca_file", "{f:#}");
    assert_eq!(f["edits"][0]["after"], path(files::ROOT_CA), "{f:#}");

    let mut fix_args = vec!["fix", "--apply", "--reload"];
    fix_args.extend_from_slice(&args);
    let (_, fx) = pgtls(&fix_args).report("fix");
    assert!(fx["reloaded_pgbouncer_pid"].as_u64().is_some(), "{fx:#}");
    let text = std::fs::read_to_string(pooler.ini_path()).unwrap();
    assert!(
        text.contains(&format!("server_tls_ca_file = {}", path(files::ROOT_CA))),
        "{text}"
    );
    // pgbouncer re-reads its configuration asynchronously after SIGHUP;
    // each failed try costs query_wait_timeout (3 s).
    let mut last = String::new();
    for _ in 0..3 {
        match psql_ok(&pooler, &cluster, &verify) {
            Ok(()) => {
                last.clear();
                break;
            }
            Err(e) => last = e,
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(
        last.is_empty(),
        "psql through pgbouncer after the fix: {last}\n{}",
        pooler.log_text()
    );
    direct(&cluster);
}

#[test]
fn check_predicts_pgbouncers_start_up_failure_and_the_server_legs_per_connection_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ini = dir.path().join("pgbouncer.ini");
    let p = |n: &str| path(n);
    std::fs::write(
        &ini,
        format!(
            "[databases]\nkong = host=127.0.0.1 port=5432 dbname=kong\n[pgbouncer]\nauth_type = scram-sha-256\nauth_file = {}\nclient_tls_sslmode = require\nclient_tls_cert_file = {}\nclient_tls_key_file = {}\nserver_tls_sslmode = verify-full\nserver_tls_ca_file = {}\n",
            dir.path().join("missing-userlist.txt").display(),
            p(files::SERVER),
            p(files::CLIENT_KONG_KEY),
            dir.path().join("missing-ca.crt").display(),
        ),
    )
    .unwrap();
    let (status, v) = pgtls(&[
        "check",
        "--pgbouncer-ini",
        &ini.display().to_string(),
        "--format",
        "json",
    ])
    .report("check");
    assert_eq!(status, 1, "{v:#}");
    let legs = code_legs(&v);
    assert!(
        legs.contains(&("PGTLS015".to_string(), "client".to_string())),
        "{v:#}"
    );
    assert!(
        legs.contains(&("PGTLS018".to_string(), "server".to_string())),
        "{v:#}"
    );
    let stage = |code: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code)
            .unwrap()["stage"]
            .clone()
    };
    assert_eq!(stage("PGTLS015"), "server-start");
    assert_eq!(stage("PGTLS018"), "connection");
    assert!(
        v["problems"].to_string().contains("missing-userlist.txt"),
        "{v:#}"
    );
    let ja = pgtls(&[
        "check",
        "--pgbouncer-ini",
        &ini.display().to_string(),
        "--lang",
        "ja",
    ]);
    assert!(
        ja.stdout.contains("pgbouncer は起動しません"),
        "{}",
        ja.stdout
    );
    // An unreadable ini is the tool not running, not a finding.
    let missing = pgtls(&["check", "--pgbouncer-ini", "/nonexistent/pgbouncer.ini"]);
    assert_eq!(missing.status, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("cannot read pgbouncer.ini"),
        "{}",
        missing.stderr
    );
}
