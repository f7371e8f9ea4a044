//! `check --pgbouncer-ini` and `fix` on both legs of a real pgbouncer: the
//! check finds the leg's failure in pgbouncer.ini, `fix --apply --reload`
//! writes the edit and reloads pgbouncer by SIGHUP, and then psql gets
//! through while a client that worked before still does.

use pgtls_lab::{files, Cluster, Pooler, PoolerSpec, LAB_PASSWORD};
use serde_json::Value;

use crate::lab_util::{path, pki, start, tls_scram};
use crate::pooler::{server_leg_wrong_ca, verify_full_client};
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

/// psql through pgbouncer, retried for five seconds while pgbouncer takes
/// up a reload (it re-reads its configuration after SIGHUP, not at once):
/// empty when it connected, else its last error.
fn psql_eventually(pooler: &Pooler, cluster: &Cluster, conninfo: &str) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        match psql_ok(pooler, cluster, conninfo) {
            Ok(()) => return String::new(),
            Err(e) => last = e,
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    last
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
    let last = psql_eventually(&pooler, &cluster, "user=kong dbname=kong sslmode=require");
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
    let verify = verify_full_client();
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

/// check --pgbouncer-ini with PostgreSQL's data directory and the client
/// that failed.
fn check_pooled(pooler: &Pooler, cluster: &Cluster, client: &str) -> Value {
    let (_, v) = pgtls(&[
        "check",
        "--pgbouncer-ini",
        &pooler.ini_path().display().to_string(),
        "-D",
        &cluster.data_dir().display().to_string(),
        "--libpq",
        client,
        "--format",
        "json",
    ])
    .report("check");
    v
}

fn pooled_client(pooler: &Pooler, conninfo: &str) -> String {
    format!("host=127.0.0.1 port={} {conninfo}", pooler.port())
}

/// Each failure observed through a real pgbouncer (the cases of
/// tests/pooler.rs, whose captures are under tests/fixtures/pgbouncer) is
/// predicted by `check` from the files alone, with its code on its leg;
/// the healthy pair gets no finding at all.
#[test]
fn check_predicts_each_observed_leg_failure_and_nothing_on_the_healthy_pair() {
    if !installed() {
        return;
    }
    let cases = [
        (
            crate::pooler::client_leg_wrong_ca(),
            Some(("PGTLS005", "client")),
        ),
        (
            crate::pooler::client_leg_no_client_cert(),
            Some(("PGTLS008", "client")),
        ),
        (
            crate::pooler::client_leg_client_cert_other_ca(),
            Some(("PGTLS006", "client")),
        ),
        (
            crate::pooler::client_leg_protocol_mismatch(),
            Some(("PGTLS001", "client")),
        ),
        (
            crate::pooler::server_leg_pooler_cert_rejected(),
            Some(("PGTLS006", "server")),
        ),
        (crate::pooler::healthy_both_legs(), None),
    ];
    for (case, expected) in cases {
        let cluster = start(&case.cluster);
        let pooler = Pooler::start(&cluster, &case.pooler).expect("pgbouncer starts");
        let client = pooled_client(&pooler, &case.conninfo);
        let v = check_pooled(&pooler, &cluster, &client);
        let legs = code_legs(&v);
        match expected {
            Some((code, leg)) => {
                assert!(
                    legs.contains(&(code.to_string(), leg.to_string())),
                    "{}: expected {code} on the {leg} leg: {v:#}",
                    case.name
                );
                // The real client fails as predicted (the server's leg
                // fails only when a query needs a server connection,
                // after query_wait_timeout: the fixtures hold that run).
                if leg == "client" {
                    let e = psql_ok(&pooler, &cluster, &case.conninfo).unwrap_err();
                    assert!(e.contains("SSL error"), "{}: {e}", case.name);
                }
            }
            None => {
                assert!(legs.is_empty(), "{}: {v:#}", case.name);
                psql_ok(&pooler, &cluster, &case.conninfo).expect("the healthy pair connects");
            }
        }
    }
}

/// A client that trusts another CA than the one that signed pgbouncer's
/// certificate: libpq gets a corrected `sslrootcert` and Kong a
/// `lua_ssl_trusted_certificate` edit; afterwards psql and both of Kong's
/// paths get through pgbouncer, and the client that trusted the right CA
/// before still does.
#[test]
fn fix_gives_each_client_the_ca_of_pgbouncers_certificate() {
    if !installed() {
        return;
    }
    let case = crate::pooler::client_leg_wrong_ca();
    let cluster = start(&case.cluster);
    let pooler = Pooler::start(&cluster, &case.pooler).expect("pgbouncer starts");
    let healthy = verify_full_client();
    psql_ok(&pooler, &cluster, &healthy).expect("healthy before");
    let ini = pooler.ini_path().display().to_string();

    // libpq: the corrected connection string.
    let client = pooled_client(&pooler, &case.conninfo);
    let run = pgtls(&[
        "fix",
        "--pgbouncer-ini",
        &ini,
        "--libpq",
        &client,
        "--format",
        "json",
    ]);
    let (_, v) = run.report("fix");
    let fixed = v["fixed_conninfo"]
        .as_str()
        .expect("fixed_conninfo")
        .to_string();
    assert!(fixed.contains("sslrootcert="), "{v:#}");
    assert!(!fixed.contains(LAB_PASSWORD));
    let out = cluster.psql(&fixed, &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(out.status, 0, "psql with fixed_conninfo: {}", out.stderr);

    // Kong: kong.conf trusts the unrelated CA only.
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("kong.conf");
    std::fs::write(
        &conf,
        format!(
            "pg_host = 127.0.0.1\npg_port = {}\npg_user = kong\npg_password = {LAB_PASSWORD}\npg_database = kong\npg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {}\n",
            pooler.port(),
            path(files::OTHER_CA)
        ),
    )
    .expect("kong.conf");
    let conf = conf.display().to_string();
    let probe = |conf: &str| pgtls(&["--format", "json", "probe", "--kong-conf", conf]).json();
    assert_eq!(probe(&conf)["ok"], false, "Kong fails before");
    let run = pgtls(&[
        "fix",
        "--pgbouncer-ini",
        &ini,
        "--kong-conf",
        &conf,
        "--apply",
        "--format",
        "json",
    ]);
    let (_, v) = run.report("fix");
    assert_eq!(v["applied"].as_array().map(Vec::len), Some(1), "{v:#}");
    let text = std::fs::read_to_string(&conf).unwrap();
    // The CA joins the list; the one trusted before stays.
    assert!(
        text.contains(&format!(
            "lua_ssl_trusted_certificate = {},",
            path(files::OTHER_CA)
        )),
        "{text}"
    );
    let k = probe(&conf);
    assert_eq!(k["ok"], true, "both Kong paths through pgbouncer: {k:#}");
    psql_ok(&pooler, &cluster, &healthy).expect("the healthy client still connects");
}

/// pgbouncer allows only TLS 1.3 toward clients and psql offers at most
/// 1.2: `fix --apply --unsafe --reload` widens client_tls_protocols, then
/// that psql and a default one connect.
#[test]
fn fix_widens_client_tls_protocols_for_the_clients_version() {
    if !installed() {
        return;
    }
    let case = crate::pooler::client_leg_protocol_mismatch();
    let cluster = start(&case.cluster);
    let pooler = Pooler::start(&cluster, &case.pooler).expect("pgbouncer starts");
    let healthy = verify_full_client();
    psql_ok(&pooler, &cluster, &healthy).expect("a TLS 1.3 client works before");
    let e = psql_ok(&pooler, &cluster, &case.conninfo).unwrap_err();
    assert!(e.contains("protocol version"), "{e}");
    let client = pooled_client(&pooler, &case.conninfo);
    let ini = pooler.ini_path().display().to_string();
    let (_, v) = pgtls(&[
        "fix",
        "--pgbouncer-ini",
        &ini,
        "--libpq",
        &client,
        "--apply",
        "--unsafe",
        "--reload",
        "--format",
        "json",
    ])
    .report("fix");
    assert_eq!(v["applied"].as_array().map(Vec::len), Some(1), "{v:#}");
    let text = std::fs::read_to_string(pooler.ini_path()).unwrap();
    assert!(text.contains("client_tls_protocols = secure"), "{text}");
    let last = psql_eventually(&pooler, &cluster, &case.conninfo);
    assert!(last.is_empty(), "psql at TLS 1.2 after the fix: {last}");
    psql_ok(&pooler, &cluster, &healthy).expect("the TLS 1.3 client still connects");
}

/// `server_tls_sslmode = verify-full` and a PostgreSQL certificate that
/// does not name the `[databases]` host: check says PGTLS012 on the
/// server's leg before anything runs, and the real pgbouncer does refuse
/// the server (the client waits for query_wait_timeout).
#[test]
fn check_says_the_databases_host_is_not_on_postgresqls_certificate() {
    if !installed() {
        return;
    }
    let cluster = start(tls_scram(
        files::SERVER_OTHER_HOST,
        files::SERVER_OTHER_HOST_KEY,
    ));
    let spec = PoolerSpec::new()
        .client_tls(pki(), "require")
        .and_then(|s| s.server_tls(pki(), "verify-full", Some(files::ROOT_CA)))
        .expect("pooler spec");
    let pooler = Pooler::start(&cluster, &spec).expect("pgbouncer starts");
    let conninfo = "user=kong dbname=kong sslmode=require";
    let v = check_pooled(&pooler, &cluster, &pooled_client(&pooler, conninfo));
    assert_eq!(
        code_legs(&v),
        [("PGTLS012".to_string(), "server".to_string())],
        "{v:#}"
    );
    let reading = v["findings"][0]["reading"].to_string();
    assert!(reading.contains("db.example.com"), "{reading}");
    let mark = pooler.log_mark();
    let e = psql_ok(&pooler, &cluster, conninfo).unwrap_err();
    assert!(e.contains("query_wait_timeout"), "{e}");
    let log = pooler.log_since(&mark);
    assert!(log.contains("TLS handshake error"), "{log}");
}

/// pgbouncer verifies client certificates against the lab root and a
/// client's certificate is from another CA: the fix trusts that CA beside
/// the root in a new bundle (`--unsafe`: trusting a CA is a decision), and
/// after the reload that client and the root's client both connect.
#[test]
fn fix_trusts_the_clients_ca_beside_the_one_pgbouncer_trusts() {
    if !installed() {
        return;
    }
    let case = crate::pooler::client_leg_client_cert_other_ca();
    let cluster = start(&case.cluster);
    let pooler = Pooler::start(&cluster, &case.pooler).expect("pgbouncer starts");
    let healthy = format!(
        "{} sslcert={} sslkey={}",
        verify_full_client(),
        path(files::CLIENT_KONG),
        path(files::CLIENT_KONG_KEY)
    );
    psql_ok(&pooler, &cluster, &healthy).expect("the root's client works before");
    let e = psql_ok(&pooler, &cluster, &case.conninfo).unwrap_err();
    assert!(e.contains("unknown ca"), "{e}");
    // The other CA's certificate sits beside the client's certificate,
    // as a client's CA usually does.
    let client = pooled_client(&pooler, &case.conninfo);
    let ini = pooler.ini_path().display().to_string();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "fix",
            "--pgbouncer-ini",
            ini.as_str(),
            "--libpq",
            client.as_str(),
            "--format",
            "json",
        ];
        a.extend_from_slice(extra);
        pgtls(&a).report("fix").1
    };
    let shown = args(&[]);
    let planned: Vec<&str> = shown["edits"]
        .as_array()
        .expect("edits")
        .iter()
        .filter_map(|e| e["applicability"].as_str())
        .collect();
    assert_eq!(planned, ["maybe-incorrect", "maybe-incorrect"], "{shown:#}");
    assert!(
        !pooler
            .ini_path()
            .with_file_name("client_tls_ca_bundle.crt")
            .exists(),
        "nothing written without --apply"
    );
    let v = args(&["--apply", "--unsafe", "--reload"]);
    assert_eq!(
        v["applied"].as_array().map(Vec::len),
        Some(2),
        "{v:#}\n{shown:#}"
    );
    let bundle = pooler.ini_path().with_file_name("client_tls_ca_bundle.crt");
    let text = std::fs::read_to_string(&bundle).expect("bundle written");
    assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 2, "{text}");
    let last = psql_eventually(&pooler, &cluster, &case.conninfo);
    assert!(
        last.is_empty(),
        "the other CA's client after the fix: {last}"
    );
    psql_ok(&pooler, &cluster, &healthy).expect("the root's client still connects");
}

/// pgbouncer offers PostgreSQL only TLS 1.2 (`server_tls_protocols`) and
/// PostgreSQL requires 1.3: every server connection fails and clients wait
/// for query_wait_timeout. check says PGTLS001 on the server's leg;
/// `fix --apply --unsafe --reload` widens server_tls_protocols, and then
/// psql gets through pgbouncer while a client of PostgreSQL itself still
/// connects.
#[test]
fn fix_widens_server_tls_protocols_to_postgresqls_version() {
    if !installed() {
        return;
    }
    let cluster = start(
        tls_scram(files::SERVER, files::SERVER_KEY)
            .setting("ssl_min_protocol_version", "'TLSv1.3'"),
    );
    let spec = PoolerSpec::new()
        .client_tls(pki(), "require")
        .and_then(|s| s.server_tls(pki(), "verify-full", Some(files::ROOT_CA)))
        .map(|s| s.setting("server_tls_protocols", "tlsv1.2"))
        .expect("pooler spec");
    let pooler = Pooler::start(&cluster, &spec).expect("pgbouncer starts");
    let conninfo = "user=kong dbname=kong sslmode=require";
    let e = psql_ok(&pooler, &cluster, conninfo).unwrap_err();
    assert!(e.contains("query_wait_timeout"), "{e}");
    let direct = verify_full_client();
    let out = cluster.psql(&direct, &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(out.status, 0, "PostgreSQL's own client: {}", out.stderr);

    let ini = pooler.ini_path().display().to_string();
    let data = cluster.data_dir().display().to_string();
    let client = pooled_client(&pooler, conninfo);
    let args = [
        "--pgbouncer-ini",
        &ini,
        "-D",
        &data,
        "--libpq",
        &client,
        "--format",
        "json",
    ];
    let (_, v) = pgtls(&[&["check"][..], &args[..]].concat()).report("check");
    assert!(
        code_legs(&v).contains(&("PGTLS001".to_string(), "server".to_string())),
        "{v:#}"
    );
    let (_, v) =
        pgtls(&[&["fix", "--apply", "--unsafe", "--reload"][..], &args[..]].concat()).report("fix");
    assert_eq!(v["applied"].as_array().map(Vec::len), Some(1), "{v:#}");
    let text = std::fs::read_to_string(pooler.ini_path()).unwrap();
    assert!(text.contains("server_tls_protocols = secure"), "{text}");
    let last = psql_eventually(&pooler, &cluster, conninfo);
    assert!(
        last.is_empty(),
        "psql through pgbouncer after the fix: {last}"
    );
    let out = cluster.psql(&direct, &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_eq!(
        out.status, 0,
        "PostgreSQL's own client after: {}",
        out.stderr
    );
}
