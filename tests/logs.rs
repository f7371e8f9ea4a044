//! `pgtls logs` on what real PostgreSQL 15 clusters wrote: each server-side
//! failure is provoked on a throwaway cluster (English and Japanese, with
//! stderr, csvlog and jsonlog written at once), and the files the server
//! wrote are read by the binary; start-up failures come from the log of a
//! server that refused to start. Kong cannot be installed where these tests
//! run, so Kong's lines are the exact reasons the project's Kong client
//! notes (kong-client.md) record from the real driver, in both shapes, in
//! the CLI and nginx error.log envelopes of the catalogue's examples.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pgtls_lab::{files, Cluster, ClusterSpec, Owner, LAB_PASSWORD};
use serde_json::Value;

use crate::lab_util::{
    cert_args, path, pki, server_file, start, start_failure, start_failure_spec,
};
use crate::util::{pgtls, pgtls_with_stdin, Run};

const LOG_WAIT: Duration = Duration::from_secs(10);

fn verify_full(user: &str, database: &str) -> String {
    format!(
        "host=localhost user={user} dbname={database} sslmode=verify-full sslrootcert={}",
        path(files::ROOT_CA)
    )
}

/// Runs psql (which must fail) and waits for the server to log `needle`.
fn provoke(cluster: &Cluster, conninfo: &str, env: &[(&str, &str)], needle: &str) {
    let mark = cluster.log_mark();
    let out = cluster.psql(conninfo, env);
    assert_ne!(out.status, 0, "psql should fail: {conninfo}");
    if let Err(e) = cluster.wait_for_log(&mark, needle, LOG_WAIT) {
        panic!(
            "server log never showed {needle:?}: {e}\npsql: {}",
            out.stderr
        );
    }
}

fn sql(cluster: &Cluster, statement: &str) {
    cluster
        .sql(statement)
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// Waits until a file the logging collector writes contains `needle` (the
/// collector writes each destination separately).
fn wait_file(file: &Path, needle: &str) -> String {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{} never showed {needle:?}:\n{text}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn findings(run: &Run) -> Vec<Value> {
    run.json()["findings"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no findings array: {}", run.stdout))
}

/// Incidents per (code, which side's log).
fn counts(findings: &[Value]) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for f in findings {
        let key = (
            f["code"].as_str().unwrap_or_default().to_string(),
            f["group"]["logged_by"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        *out.entry(key).or_default() += f["count"].as_u64().unwrap_or(0);
    }
    out
}

fn group<'a>(findings: &'a [Value], code: &str, what: impl Fn(&Value) -> bool) -> &'a Value {
    findings
        .iter()
        .find(|f| f["code"] == code && what(f))
        .unwrap_or_else(|| panic!("no {code} group as wanted in {findings:#?}"))
}

fn server(code: &str) -> (String, String) {
    (code.to_string(), "server".to_string())
}

fn client(code: &str) -> (String, String) {
    (code.to_string(), "client".to_string())
}

/// The example names a real line of the input, and that line is the one
/// shown.
fn assert_example_is_real(f: &Value, text: &str) {
    let line = f["example"]["line"].as_u64().expect("example line") as usize;
    let shown = f["example"]["text"].as_str().expect("example text");
    let actual = text.lines().nth(line - 1).unwrap_or_default();
    assert_eq!(actual, shown, "example of {}", f["code"]);
}

struct Words {
    accept: &'static str,
    cert_auth: &'static str,
    requires_cert: &'static str,
    no_hba: &'static str,
    password: &'static str,
    expired: &'static str,
    root_store: &'static str,
    hostssl: &'static str,
    not_reloaded: &'static str,
    ssl_encryption: &'static str,
    no_encryption: &'static str,
}

const EN: Words = Words {
    accept: "could not accept SSL connection",
    cert_auth: "certificate authentication failed",
    requires_cert: "connection requires a valid client certificate",
    no_hba: "no pg_hba.conf entry",
    password: "password authentication failed",
    expired: "alert certificate expired",
    root_store: "root certificate store",
    hostssl: "hostssl record cannot match",
    not_reloaded: "SSL configuration was not reloaded",
    ssl_encryption: "SSL encryption",
    no_encryption: "no encryption",
};

const JA: Words = Words {
    accept: "SSL接続を受け付けられませんでした",
    cert_auth: "証明書認証に失敗しました",
    requires_cert: "有効なクライアント証明が必要です",
    no_hba: "pg_hba.conf にホスト",
    password: "パスワード認証に失敗しました",
    expired: "alert certificate expired",
    root_store: "ルート証明書ストア",
    hostssl: "hostssl行は照合できません",
    not_reloaded: "SSL設定は再読み込みされていません",
    ssl_encryption: "SSL暗号化",
    no_encryption: "暗号化なし",
};

/// Breaks one cluster in every way a running server logs, then reads its
/// stderr, csvlog and jsonlog files.
fn server_failures(japanese: bool) {
    let w = if japanese { &JA } else { &EN };
    // The two prefixes the issue names: Debian's, and a key=value one.
    let prefix = if japanese {
        "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "
    } else {
        "%m [%p] %q%u@%d "
    };
    let spec = ClusterSpec::new()
        .with_server_tls(pki())
        .and_then(|s| s.with_client_ca(pki()))
        .expect("TLS files")
        .japanese(japanese)
        .csvlog(true)
        .jsonlog(true)
        .setting("log_line_prefix", &format!("'{prefix}'"))
        .setting("ssl_min_protocol_version", "'TLSv1.3'")
        .file(server_file(files::SERVER_EXPIRED, "expired.crt", 0o600))
        .file(server_file(files::SERVER_EXPIRED_KEY, "expired.key", 0o600))
        .hba_line("hostssl postgres kong 127.0.0.1/32 cert")
        .hba_line("hostssl kong kong 127.0.0.1/32 scram-sha-256");
    let cluster = start(&spec);
    let password = [("PGPASSWORD", LAB_PASSWORD)];

    // PGTLS001: the client offers at most TLS 1.2, the server at least 1.3.
    provoke(
        &cluster,
        &format!(
            "{} ssl_max_protocol_version=TLSv1.2",
            verify_full("kong", "kong")
        ),
        &password,
        w.accept,
    );
    // PGTLS005: the client does not trust the server's CA.
    provoke(
        &cluster,
        &format!(
            "host=localhost user=kong dbname=kong sslmode=verify-full sslrootcert={}",
            path(files::OTHER_CA)
        ),
        &password,
        w.accept,
    );
    // PGTLS006: a client certificate from a CA the server does not trust.
    provoke(
        &cluster,
        &format!(
            "{} {}",
            verify_full("kong", "kong"),
            cert_args(files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY)
        ),
        &password,
        w.accept,
    );
    // PGTLS007: cert auth with CN foo@example.com for user kong.
    provoke(
        &cluster,
        &format!(
            "{} {}",
            verify_full("kong", "postgres"),
            cert_args(files::CLIENT_FOO, files::CLIENT_FOO_KEY)
        ),
        &[],
        w.cert_auth,
    );
    // PGTLS008: cert auth without a client certificate.
    provoke(
        &cluster,
        &verify_full("kong", "postgres"),
        &[],
        w.requires_cert,
    );
    // PGTLS016, over TLS and without it.
    provoke(&cluster, &verify_full("foo", "kong"), &password, w.no_hba);
    provoke(
        &cluster,
        "user=kong dbname=kong sslmode=disable",
        &password,
        w.no_hba,
    );
    // PGTLS017: a wrong password.
    provoke(
        &cluster,
        &verify_full("kong", "kong"),
        &[("PGPASSWORD", "wrong-password")],
        w.password,
    );
    // A failure no diagnosis covers, for --unknown.
    let _ = cluster.sql("SELECT 1/0");
    // PGTLS010: the server now presents an expired certificate.
    sql(&cluster, "ALTER SYSTEM SET ssl_cert_file = 'expired.crt'");
    sql(&cluster, "ALTER SYSTEM SET ssl_key_file = 'expired.key'");
    cluster.reload().expect("reload");
    provoke(&cluster, &verify_full("kong", "kong"), &password, w.expired);
    // PGTLS019: cert auth without ssl_ca_file.
    sql(&cluster, "ALTER SYSTEM SET ssl_ca_file = ''");
    cluster.reload().expect("reload");
    provoke(
        &cluster,
        "user=kong dbname=postgres sslmode=require",
        &[],
        w.root_store,
    );
    // PGTLS004 on reload: a key readable by the group; the server keeps its
    // old SSL configuration and says so on a second line.
    let key = pki().read(files::SERVER_EXPIRED_KEY).expect("key");
    cluster
        .write_file("loose.key", &key, 0o640, Owner::ServerUser)
        .expect("write key");
    sql(&cluster, "ALTER SYSTEM SET ssl_key_file = 'loose.key'");
    let mark = cluster.log_mark();
    cluster.reload().expect("reload");
    cluster
        .wait_for_log(&mark, w.not_reloaded, LOG_WAIT)
        .expect("not reloaded");
    // PGTLS009: ssl turned off while pg_hba.conf has hostssl lines.
    sql(&cluster, "ALTER SYSTEM SET ssl = off");
    let mark = cluster.log_mark();
    cluster.reload().expect("reload");
    cluster
        .wait_for_log(&mark, w.hostssl, LOG_WAIT)
        .expect("hostssl warning");

    let stderr_path = cluster
        .collected_log_path()
        .expect("collector stderr file")
        .to_path_buf();
    let csv_path = cluster.csv_log_path().expect("csvlog").to_path_buf();
    let json_path = cluster.json_log_path().expect("jsonlog").to_path_buf();
    let inputs = [
        ("stderr", wait_file(&stderr_path, w.hostssl), &stderr_path),
        ("csv", wait_file(&csv_path, w.hostssl), &csv_path),
        ("json", wait_file(&json_path, w.hostssl), &json_path),
    ];

    let expected: BTreeMap<(String, String), u64> = [
        (server("PGTLS001"), 1),
        (server("PGTLS004"), 1),
        (server("PGTLS005"), 1),
        (server("PGTLS006"), 1),
        (server("PGTLS007"), 1),
        (server("PGTLS008"), 1),
        (server("PGTLS009"), 1),
        (server("PGTLS010"), 1),
        (server("PGTLS016"), 2),
        (server("PGTLS017"), 1),
        (server("PGTLS019"), 1),
    ]
    .into_iter()
    .collect();

    for (format, text, file) in &inputs {
        let file = file.display().to_string();
        let run = pgtls(&["logs", "--format", "json", &file]);
        assert_eq!(
            run.status, 1,
            "{format}: error groups exit 1\n{}",
            run.stderr
        );
        let found = findings(&run);
        assert_eq!(counts(&found), expected, "{format}: {}", run.stdout);
        let json = run.json();
        assert_eq!(
            json["summary"]["inputs"][0]["format"]
                .as_str()
                .unwrap_or_default()
                .split(' ')
                .next(),
            Some(*format),
            "detected format"
        );

        for f in &found {
            assert_eq!(f["example"]["file"], file.as_str());
            assert_example_is_real(f, text);
            assert!(f["first_seen"].is_string() && f["last_seen"].is_string());
            assert!(f["first_seen_utc"].is_string(), "{format}: zone known: {f}");
        }

        // The server's own TLS range, from the HINT.
        let g = group(&found, "PGTLS001", |_| true);
        assert_eq!(g["facts"]["server_min"], "TLSv1.3", "{format}");
        assert_eq!(g["facts"]["server_max"], "TLSv1.3", "{format}");
        // The whole connection is one incident: the LOG naming the
        // certificate, the FATAL and its DETAIL with the pg_hba.conf line.
        let g = group(&found, "PGTLS007", |_| true);
        assert_eq!(g["group"]["certificate"], "foo@example.com", "{format}");
        assert_eq!(g["group"]["user"], "kong", "{format}");
        assert_eq!(g["facts"]["hba_line"], "2", "{format}");
        assert_eq!(g["facts"]["cert_name"], "foo@example.com", "{format}");
        assert!(
            g["fix"][0]
                .as_str()
                .is_some_and(|s| s.contains("foo@example.com") && s.contains("kong")),
            "{format}: concrete pg_ident.conf line: {}",
            g["fix"]
        );
        let g = group(&found, "PGTLS008", |_| true);
        assert_eq!(g["group"]["user"], "kong", "{format}");
        assert_eq!(g["group"]["database"], "postgres", "{format}");
        let g = group(&found, "PGTLS017", |_| true);
        assert_eq!(g["facts"]["hba_line"], "3", "{format}");
        assert_eq!(g["group"]["user"], "kong", "{format}");
        // Two PGTLS016 groups: user foo over TLS, user kong without.
        let g = group(&found, "PGTLS016", |f| f["group"]["user"] == "foo");
        assert_eq!(g["facts"]["encryption"], w.ssl_encryption, "{format}");
        assert_eq!(g["group"]["client"], "127.0.0.1", "{format}");
        let g = group(&found, "PGTLS016", |f| f["group"]["user"] == "kong");
        assert_eq!(g["facts"]["encryption"], w.no_encryption, "{format}");
        // The DETAIL with PostgreSQL's rule and the "not reloaded" line join
        // the line naming the key; the fix names the file.
        let g = group(&found, "PGTLS004", |_| true);
        let evidence = g["evidence"].to_string();
        assert!(evidence.contains("0600"), "{format}: {g}");
        assert!(evidence.contains(w.not_reloaded), "{format}: {g}");
        assert!(
            g["fix"][0]
                .as_str()
                .is_some_and(|s| s.contains("loose.key")),
            "{format}: {g}"
        );
        let g = group(&found, "PGTLS009", |_| true);
        assert!(
            g["evidence"].to_string().contains("ssl = on"),
            "{format}: the HINT joins its LOG: {g}"
        );
        // The client address: from csvlog/jsonlog, or a prefix with %h.
        if *format != "stderr" || japanese {
            let g = group(&found, "PGTLS005", |_| true);
            assert_eq!(g["group"]["client"], "127.0.0.1", "{format}");
        }
    }

    // The three files of one server hold the same records: read together,
    // each failure is still one incident, and the summary says so.
    let all: Vec<String> = inputs
        .iter()
        .map(|(_, _, f)| f.display().to_string())
        .collect();
    let mut args = vec!["logs", "--format", "json"];
    args.extend(all.iter().map(String::as_str));
    let run = pgtls(&args);
    assert_eq!(
        counts(&findings(&run)),
        expected,
        "stderr, csvlog and jsonlog together: {}",
        run.stdout
    );
    assert!(
        run.json()["summary"]["copies_counted_once"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "{}",
        run.stdout
    );

    // Text, in the user's language, with the count and the example.
    let stderr_file = stderr_path.display().to_string();
    let run = pgtls(&["logs", "--lang", "ja", &stderr_file]);
    assert_eq!(run.status, 1);
    assert!(run.stdout.contains("PGTLS007"), "{}", run.stdout);
    assert!(run.stdout.contains("1 回"), "{}", run.stdout);
    assert!(
        run.stdout.contains("データベースユーザー"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{stderr_file}:")),
        "file:line of the example: {}",
        run.stdout
    );

    if !japanese {
        // The prefix named explicitly reads the same as detected.
        let named = pgtls(&["logs", "--format", "json", "--prefix", prefix, &stderr_file]);
        assert_eq!(counts(&findings(&named)), expected);
        // --unknown lists the failure no diagnosis covers, and only that.
        let run = pgtls(&["logs", "--format", "json", "--unknown", &stderr_file]);
        let unknown = run.json()["unknown"].clone();
        let messages: Vec<&str> = unknown
            .as_array()
            .expect("unknown list")
            .iter()
            .filter_map(|u| u["message"].as_str())
            .collect();
        assert_eq!(messages, ["division by zero"], "{}", run.stdout);
        assert_eq!(
            counts(&findings(&run)),
            expected,
            "same groups with --unknown"
        );
    }
}

#[test]
fn server_failures_in_english_stderr_csvlog_jsonlog() {
    server_failures(false);
}

#[test]
fn server_failures_in_japanese_stderr_csvlog_jsonlog() {
    server_failures(true);
}

#[test]
fn start_failures_in_english_and_japanese() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut expected = BTreeMap::new();
    for japanese in [false, true] {
        for code in ["PGTLS002", "PGTLS003", "PGTLS004", "PGTLS015"] {
            let (_, log) = start_failure(&start_failure_spec(code, japanese));
            let name = format!("{}-{code}.log", if japanese { "ja" } else { "en" });
            std::fs::write(dir.path().join(&name), &log).expect("write log");
            expected.insert(name, code);
        }
    }
    // One directory of logs, as rotated logs are read.
    let run = pgtls(&[
        "logs",
        "--format",
        "json",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let found = findings(&run);
    let mut got = BTreeMap::new();
    for f in &found {
        for e in f["evidence"].as_array().expect("evidence") {
            if let Some(loc) = e["location"].as_str() {
                let file = Path::new(loc.rsplit_once(':').map_or(loc, |(f, _)| f));
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                got.insert(name, f["code"].as_str().unwrap_or_default());
            }
        }
        assert_eq!(f["group"]["logged_by"], "server");
    }
    // Each file's own example names the code; files sharing a group are
    // counted in it.
    let total: u64 = found.iter().filter_map(|f| f["count"].as_u64()).sum();
    assert_eq!(total, 8, "{}", run.stdout);
    for (name, code) in &got {
        assert_eq!(expected.get(name), Some(code), "{name}");
    }
    for (code, n) in [
        ("PGTLS002", 2),
        ("PGTLS003", 2),
        ("PGTLS004", 2),
        ("PGTLS015", 2),
    ] {
        let sum: u64 = found
            .iter()
            .filter(|f| f["code"] == code)
            .filter_map(|f| f["count"].as_u64())
            .sum();
        assert_eq!(sum, n, "{code}: {}", run.stdout);
    }
    // The permissions DETAIL joins its FATAL, and the fix names the file.
    let g = group(&found, "PGTLS004", |_| true);
    assert!(g["evidence"].to_string().contains("0600"), "{g}");
    assert!(
        g["fix"][0]
            .as_str()
            .is_some_and(|s| s.contains("chmod 0600")),
        "{g}"
    );
}

/// Kong CLI lines (`kong start` / `kong migrations`), both shapes, with the
/// reasons kong-client.md records from the real driver, and the code each
/// must give.
const KONG_CLI: &[(&str, &str)] = &[
    // cosocket shape (Kong CLI 3.5+)
    ("handshake failed", "PGTLS001"),
    ("21: unable to verify the first certificate", "PGTLS005"),
    ("20: unable to get local issuer certificate", "PGTLS013"),
    ("10: certificate has expired", "PGTLS010"),
    ("connection reset by peer", "PGTLS006"),
    (
        "FATAL: connection requires a valid client certificate",
        "PGTLS008",
    ),
    ("the server does not support SSL connections", "PGTLS009"),
    // LuaSec shape (the seed's)
    ("tlsv1 alert protocol version", "PGTLS001"),
    ("certificate verify failed", "PGTLS005"),
    ("tlsv1 alert unknown ca", "PGTLS006"),
    ("closed", "PGTLS006"),
];

/// nginx error.log lines Kong writes, with the messages kong-client.md records.
const KONG_NGINX: &[(&str, &str)] = &[
    ("2026/11/28 16:02:11 [error] 4242#0: *3 SSL_do_handshake() failed (SSL: error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70), context: ngx.timer", "PGTLS001"),
    ("2026/11/28 16:02:12 [error] 4242#0: *4 SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48), context: ngx.timer", "PGTLS006"),
    ("2026/11/28 16:02:13 [error] 4242#0: *5 lua ssl certificate verify error: (21: unable to verify the first certificate), context: ngx.timer", "PGTLS005"),
    ("2026/11/28 16:02:14 [error] 4242#0: *6 SSL_write() failed (104: Connection reset by peer), context: ngx.timer", "PGTLS006"),
    ("nginx: [error] init_by_lua error: /usr/local/share/lua/5.1/kong/init.lua:553: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: tlsv1 alert unknown ca", "PGTLS006"),
];

fn kong_line(reason: &str) -> String {
    format!("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: {reason}")
}

#[test]
fn kong_lines_in_both_shapes() {
    let lines: Vec<(String, &str)> = KONG_CLI
        .iter()
        .map(|(reason, code)| (kong_line(reason), *code))
        .chain(KONG_NGINX.iter().map(|(l, c)| (l.to_string(), *c)))
        .collect();
    // Each line alone, from standard input.
    for (line, code) in &lines {
        let run = pgtls_with_stdin(&["logs", "--format", "json", "-"], Some(line.as_bytes()));
        let found = findings(&run);
        assert_eq!(found.len(), 1, "{line}: {}", run.stdout);
        assert_eq!(found[0]["code"], *code, "{line}");
        assert_eq!(found[0]["group"]["logged_by"], "client", "{line}");
        assert_eq!(found[0]["example"]["file"], "-");
        assert_eq!(run.status, 1);
    }
    // All together in one error.log-like file, with unrelated lines between
    // (more than the few lines within which a CLI `Error:` line joins the
    // nginx-format line before it as one connection).
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("error.log");
    let mut text = String::new();
    for (i, (line, _)) in lines.iter().enumerate() {
        for _ in 0..4 {
            text.push_str(&format!(
                "2026/11/28 16:01:{:02} [notice] 4242#0: *{i} [lua] init.lua:123: starting worker, context: init_worker_by_lua*\n",
                i % 60
            ));
        }
        text.push_str(line);
        text.push('\n');
    }
    text.push_str("2026/11/28 16:02:13 [error] 4242#0: *5 attempt to send data on a closed socket: u:0000000000000000, c:0000000000000000, ft:0 eof:0, context: ngx.timer\n");
    std::fs::write(&file, &text).expect("write");
    let run = pgtls(&[
        "logs",
        "--format",
        "json",
        "--unknown",
        &file.display().to_string(),
    ]);
    let found = findings(&run);
    let mut want: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (_, code) in &lines {
        *want.entry(client(code)).or_default() += 1;
    }
    assert_eq!(counts(&found), want, "{}", run.stdout);
    let unknown = run.json()["unknown"].clone();
    assert!(
        unknown
            .to_string()
            .contains("attempt to send data on a closed socket"),
        "{unknown}"
    );
    assert_eq!(run.json()["summary"]["inputs"][0]["format"], "kong");
    // Kong's timestamps carry no zone: kept as written, no UTC guess.
    let g = group(&found, "PGTLS001", |_| true);
    assert_eq!(g["first_seen"], "2026/11/28 16:02:11");
    assert!(g["first_seen_utc"].is_null());
}

/// Lines of a real cluster's stderr log: connection, PGTLS008, noise.
fn captured_lines() -> String {
    let spec = ClusterSpec::new()
        .with_server_tls(pki())
        .and_then(|s| s.with_client_ca(pki()))
        .expect("TLS files")
        .hba_line("hostssl all all 127.0.0.1/32 cert");
    let cluster = start(&spec);
    provoke(
        &cluster,
        &verify_full("kong", "kong"),
        &[],
        EN.requires_cert,
    );
    cluster.log_text()
}

#[test]
fn bad_input_mixed_and_gzip_and_following() {
    let log = captured_lines();
    let failure = log
        .lines()
        .find(|l| l.contains(EN.requires_cert))
        .expect("captured FATAL")
        .to_string();
    let dir = tempfile::tempdir().expect("temp dir");

    // Junk, invalid UTF-8, a 3 MB line, then the real lines.
    let mut junk: Vec<u8> = Vec::new();
    junk.extend_from_slice(b"\x00\x01\x02\xff\xfe binary \x00 junk\n");
    // Invalid UTF-8 on a line the prefilter picks (others are never decoded).
    junk.extend_from_slice(
        b"2026-11-28 16:08:23.000 UTC [1] LOG:  could not accept SSL connection: \xff\xfe\x00 caf\xe9\n",
    );
    junk.extend(std::iter::repeat_n(b'x', 3 << 20));
    junk.push(b'\n');
    junk.extend_from_slice(log.as_bytes());
    let junk_path = dir.path().join("junk.log");
    std::fs::write(&junk_path, &junk).expect("write");

    // A gzip file cut in the middle, holding the same lines.
    let mut gz = flate2_like_gzip(log.as_bytes());
    gz.truncate(gz.len() * 2 / 3);
    let gz_path = dir.path().join("cut.log.gz");
    std::fs::write(&gz_path, &gz).expect("write");

    // And Kong's line, from standard input.
    let kong = kong_line("FATAL: connection requires a valid client certificate");
    let run = pgtls_with_stdin(
        &[
            "logs",
            "--format",
            "json",
            &junk_path.display().to_string(),
            &gz_path.display().to_string(),
            "-",
        ],
        Some(kong.as_bytes()),
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    let json = run.json();
    let c = counts(&findings(&run));
    assert!(c.get(&server("PGTLS008")).is_some_and(|&n| n >= 1), "{c:?}");
    assert_eq!(c.get(&client("PGTLS008")), Some(&1), "{c:?}");
    let summary = &json["summary"];
    assert!(summary["truncated_lines"].as_u64() >= Some(1), "{summary}");
    assert!(
        summary["decoding"]["lossy"].as_u64() >= Some(1),
        "{summary}"
    );
    assert!(
        summary["errors"].to_string().contains("truncated"),
        "the cut gzip is reported: {summary}"
    );
    assert!(run.stderr.contains("truncated"), "{}", run.stderr);

    // Nothing found: exit 0; an input that does not exist: exit 2.
    let quiet = dir.path().join("quiet.log");
    std::fs::write(
        &quiet,
        "2026-11-28 16:08:23.000 UTC [1] LOG:  checkpoint starting: time\n",
    )
    .expect("write");
    let run = pgtls(&["logs", &quiet.display().to_string()]);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("no known PostgreSQL TLS failure"),
        "{}",
        run.stdout
    );
    let run = pgtls(&[
        "logs",
        &dir.path().join("missing.log").display().to_string(),
    ]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.starts_with("pgtls: "), "{}", run.stderr);

    // --follow: lines appended after the start are reported as they come.
    let followed = dir.path().join("followed.log");
    std::fs::write(&followed, &log).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgtls"))
        .args(["logs", "--follow", &followed.display().to_string()])
        .env("LANG", "C")
        .env("COLUMNS", crate::util::UNWRAPPED)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("pgtls runs");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = Vec::new();
    let mut appended = 0;
    while Instant::now() < deadline && !seen.iter().any(|l: &String| l.contains("PGTLS008")) {
        // The follower starts at the end of the file once it has opened
        // it; keep appending until it reports.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&followed)
            .expect("append");
        writeln!(f, "{failure}").expect("append");
        appended += 1;
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
            seen.push(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen.iter().any(|l| l.contains("PGTLS008")),
        "after {appended} appended lines: {seen:?}"
    );
    // Lines already in the file when following began are not reported.
    let first = seen
        .iter()
        .find(|l| l.contains("PGTLS008"))
        .expect("a report");
    let name = format!("{}:", followed.display());
    let at = first.find(&name).expect("file:line in the report") + name.len();
    let line: usize = first[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .expect("line number");
    assert!(line > log.lines().count(), "{first}");
}

/// A gzip member of `data` (stored blocks: no compression crate needed).
fn flate2_like_gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let chunks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `pgtls scan` learns the server's range by trying TLS 1.0 and 1.1; the
/// server logs each refusal like a failing client's. Read back, they are
/// one scanner incident of severity info, not version-mismatch errors.
#[test]
fn pgtls_own_scan_is_not_reported_as_failing_clients() {
    let spec = ClusterSpec::new()
        .with_server_tls(pki())
        .expect("TLS files")
        .hba_line(crate::lab_util::HOSTSSL_SCRAM);
    let cluster = start(&spec);
    let mark = cluster.log_mark();
    let target = format!("{}:{}", cluster.host(), cluster.port());
    let scanned = pgtls(&["scan", "--format", "json", &target]);
    assert!(scanned.status <= 1, "{}", scanned.stderr);
    let log = cluster
        .wait_for_log(&mark, "between TLSv1.2 and TLSv1.3", LOG_WAIT)
        .expect("the server logged the legacy tries");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("postgresql.log");
    // Both refusals (with their HINT lines) must be in the file.
    let deadline = Instant::now() + LOG_WAIT;
    let mut text = log;
    while text.matches("HINT:").count() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        text = cluster.log_since(&mark);
    }
    std::fs::write(&file, &text).expect("write log");
    let run = pgtls(&["logs", "--format", "json", &file.display().to_string()]);
    let found = findings(&run);
    let codes: Vec<&str> = found.iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(codes, ["PGTLS032"], "{}\n{text}", run.stdout);
    assert_eq!(found[0]["count"], 1);
    assert_eq!(found[0]["severity"], "info");
    assert_eq!(run.status, 0, "no error: {}", run.stdout);
}
