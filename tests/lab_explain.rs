//! Grounding: break real PostgreSQL 15 clusters in each documented way,
//! capture what the server logs and what psql prints, and check that
//! `explain` maps every captured line to the right code, in English and in
//! PostgreSQL's Japanese translation.

use std::time::Duration;

use pgtls_diagnose::explain::explain_text;
use pgtls_lab::{files, Cluster, ClusterSpec, LAB_PASSWORD};

use crate::lab_util::{
    cert_args, path, pki, start, start_failure, start_failure_spec, tls_scram, HOSTSSL_SCRAM,
};
use crate::util::pgtls;

const LOG_WAIT: Duration = Duration::from_secs(10);

/// The codes explain gives for a line; the first is the verdict.
fn codes(line: &str) -> Vec<&'static str> {
    explain_text(line).iter().map(|f| f.code()).collect()
}

fn assert_code(line: &str, code: &str) {
    let got = codes(line);
    assert_eq!(
        got.first().copied(),
        Some(code),
        "explain {line:?} gave {got:?}, want {code}"
    );
    println!("captured [{code}] {line}");
}

/// The first line of `text` containing `needle`.
fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

fn tls_spec(japanese: bool) -> ClusterSpec {
    ClusterSpec::new()
        .with_server_tls(pki())
        .expect("server TLS files")
        .japanese(japanese)
}

/// [`tls_spec`] that asks every client for a certificate from the lab
/// root CA and authenticates by it.
fn cert_auth_spec(japanese: bool) -> ClusterSpec {
    tls_spec(japanese)
        .with_client_ca(pki())
        .expect("client CA")
        .hba_line("hostssl all all 127.0.0.1/32 cert")
}

fn verify_full(user: &str) -> String {
    format!(
        "host=localhost user={user} dbname=kong sslmode=verify-full sslrootcert={}",
        path(files::ROOT_CA)
    )
}

/// Runs psql, waits for the server to log `needle`, returns (psql stderr, server log).
fn provoke(
    cluster: &Cluster,
    conninfo: &str,
    env: &[(&str, &str)],
    needle: &str,
) -> (String, String) {
    let mark = cluster.log_mark();
    let out = cluster.psql(conninfo, env);
    assert_ne!(out.status, 0, "psql should fail; stdout {}", out.stdout);
    let log = cluster
        .wait_for_log(&mark, needle, LOG_WAIT)
        .unwrap_or_else(|e| {
            panic!(
                "server log never showed {needle:?}: {e}\npsql: {}",
                out.stderr
            )
        });
    (out.stderr, log)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[test]
fn pgtls001_protocol_mismatch_en_and_ja() {
    for japanese in [false, true] {
        let spec = tls_spec(japanese)
            .setting("ssl_min_protocol_version", "'TLSv1.3'")
            .hba_line(HOSTSSL_SCRAM);
        let cluster = start(&spec);
        let needle = if japanese {
            "SSL接続を受け付けられませんでした"
        } else {
            "could not accept SSL connection"
        };
        let conninfo = format!("{} ssl_max_protocol_version=TLSv1.2", verify_full("kong"));
        let (psql, log) = provoke(&cluster, &conninfo, &[("PGPASSWORD", LAB_PASSWORD)], needle);
        let accept = line_with(&log, needle);
        assert_code(accept, "PGTLS001");
        let hint_word = if japanese { "ヒント:" } else { "HINT:" };
        let hint = line_with(&log, hint_word);
        let both = format!("{accept}\n{hint}");
        let findings = explain_text(&both);
        assert_eq!(findings.len(), 1, "{both}");
        assert_eq!(
            findings[0].facts.get("server_min").map(String::as_str),
            Some("TLSv1.3"),
            "{both}"
        );
        assert_eq!(
            findings[0].facts.get("server_max").map(String::as_str),
            Some("TLSv1.3"),
            "{both}"
        );
        assert_code(first_line(&psql), "PGTLS001");
    }
}

#[test]
fn pgtls002_missing_certificate() {
    for japanese in [false, true] {
        let spec =
            start_failure_spec("PGTLS002", japanese).setting("ssl_cert_file", "'server.crt'");
        let (fatal, _log) = start_failure(&spec);
        assert_code(first_line(&fatal), "PGTLS002");
    }
}

#[test]
fn pgtls003_missing_key() {
    for japanese in [false, true] {
        let spec = start_failure_spec("PGTLS003", japanese);
        let (fatal, _log) = start_failure(&spec);
        assert_code(first_line(&fatal), "PGTLS003");
    }
}

#[test]
fn pgtls004_key_permissions_en_and_ja() {
    for japanese in [false, true] {
        let spec = start_failure_spec("PGTLS004", japanese);
        let (fatal, log) = start_failure(&spec);
        assert_code(first_line(&fatal), "PGTLS004");
        let detail = line_with(&log, if japanese { "詳細:" } else { "DETAIL:" });
        assert_code(detail, "PGTLS004");
        let findings = explain_text(&format!("{}\n{detail}", first_line(&fatal)));
        assert_eq!(findings.len(), 1, "DETAIL joins its FATAL");
    }
}

#[test]
fn pgtls005_client_rejects_server_cert_en_and_ja() {
    for japanese in [false, true] {
        let spec = tls_spec(japanese).hba_line(HOSTSSL_SCRAM);
        let cluster = start(&spec);
        let needle = if japanese {
            "SSL接続を受け付けられませんでした"
        } else {
            "could not accept SSL connection"
        };
        let conninfo = format!(
            "host=localhost user=kong dbname=kong sslmode=verify-full sslrootcert={}",
            path(files::OTHER_CA)
        );
        let (psql, log) = provoke(&cluster, &conninfo, &[("PGPASSWORD", LAB_PASSWORD)], needle);
        assert_code(line_with(&log, needle), "PGTLS005");
        assert_code(first_line(&psql), "PGTLS005");
    }
}

#[test]
fn pgtls006_server_rejects_client_cert() {
    let spec = cert_auth_spec(false);
    let cluster = start(&spec);
    for max in ["TLSv1.2", "TLSv1.3"] {
        let conninfo = format!(
            "{} {} ssl_max_protocol_version={max}",
            verify_full("kong"),
            cert_args(files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY)
        );
        let (psql, log) = provoke(&cluster, &conninfo, &[], "could not accept SSL connection");
        assert_code(
            line_with(&log, "could not accept SSL connection"),
            "PGTLS006",
        );
        assert_code(first_line(&psql), "PGTLS006");
    }
}

#[test]
fn pgtls007_certificate_name_does_not_match_user_en_and_ja() {
    for japanese in [false, true] {
        let spec = cert_auth_spec(japanese);
        let cluster = start(&spec);
        let conninfo = format!(
            "{} {}",
            verify_full("kong"),
            cert_args(files::CLIENT_FOO, files::CLIENT_FOO_KEY)
        );
        let needle = if japanese {
            "証明書認証に失敗しました"
        } else {
            "certificate authentication failed"
        };
        let (psql, log) = provoke(&cluster, &conninfo, &[], needle);
        let provided = if japanese {
            "与えられたユーザー名"
        } else {
            "provided user name"
        };
        assert_code(line_with(&log, provided), "PGTLS007");
        assert_code(line_with(&log, needle), "PGTLS007");
        assert_code(first_line(&psql), "PGTLS007");
    }
}

#[test]
fn pgtls008_client_certificate_required_en_and_ja() {
    for japanese in [false, true] {
        let spec = cert_auth_spec(japanese);
        let cluster = start(&spec);
        let needle = if japanese {
            "有効なクライアント証明が必要です"
        } else {
            "connection requires a valid client certificate"
        };
        let (psql, log) = provoke(&cluster, &verify_full("kong"), &[], needle);
        assert_code(line_with(&log, needle), "PGTLS008");
        assert_code(first_line(&psql), "PGTLS008");
    }
}

#[test]
fn pgtls009_ssl_off() {
    let spec = ClusterSpec::new()
        .setting("ssl", "off")
        .hba_line("host all all 127.0.0.1/32 scram-sha-256")
        .hba_line(HOSTSSL_SCRAM);
    let cluster = start(&spec);
    let log = cluster.log_text();
    assert_code(line_with(&log, "hostssl record cannot match"), "PGTLS009");
    let out = cluster.psql(
        "host=127.0.0.1 user=kong dbname=kong sslmode=require",
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    assert_ne!(out.status, 0);
    assert_code(first_line(&out.stderr), "PGTLS009");
}

#[test]
fn pgtls010_expired_server_certificate() {
    let spec = tls_scram(files::SERVER_EXPIRED, files::SERVER_EXPIRED_KEY);
    let cluster = start(&spec);
    let (psql, log) = provoke(
        &cluster,
        &verify_full("kong"),
        &[("PGPASSWORD", LAB_PASSWORD)],
        "could not accept SSL connection",
    );
    assert_code(
        line_with(&log, "could not accept SSL connection"),
        "PGTLS010",
    );
    let psql_codes = codes(first_line(&psql));
    assert_eq!(
        psql_codes.first(),
        Some(&"PGTLS005"),
        "libpq prints no reason: {psql}"
    );
    let alternatives = &explain_text(first_line(&psql))[0].alternatives;
    assert!(
        alternatives.iter().any(|c| c.as_str() == "PGTLS010"),
        "expiry is one of the alternatives"
    );
}

#[test]
fn pgtls012_host_name_mismatch() {
    let spec = tls_scram(files::SERVER_OTHER_HOST, files::SERVER_OTHER_HOST_KEY);
    let cluster = start(&spec);
    let out = cluster.psql(&verify_full("kong"), &[("PGPASSWORD", LAB_PASSWORD)]);
    assert_ne!(out.status, 0);
    assert_code(first_line(&out.stderr), "PGTLS012");
    let ja = cluster.psql(
        &verify_full("kong"),
        &[
            ("PGPASSWORD", LAB_PASSWORD),
            ("LANG", "ja_JP.UTF-8"),
            ("LC_ALL", "ja_JP.UTF-8"),
        ],
    );
    assert_code(first_line(&ja.stderr), "PGTLS012");
}

#[test]
fn pgtls015_key_does_not_match_certificate() {
    for japanese in [false, true] {
        let spec = start_failure_spec("PGTLS015", japanese);
        let (fatal, _log) = start_failure(&spec);
        assert_code(first_line(&fatal), "PGTLS015");
    }
}

#[test]
fn pgtls016_no_hba_entry() {
    let spec = tls_spec(false).hba_line("hostssl all foo 127.0.0.1/32 scram-sha-256");
    let cluster = start(&spec);
    let (psql, log) = provoke(
        &cluster,
        &verify_full("kong"),
        &[("PGPASSWORD", LAB_PASSWORD)],
        "no pg_hba.conf entry",
    );
    assert_code(line_with(&log, "no pg_hba.conf entry"), "PGTLS016");
    assert_code(first_line(&psql), "PGTLS016");
    let findings = explain_text(line_with(&log, "no pg_hba.conf entry"));
    assert_eq!(
        findings[0].facts.get("encryption").map(String::as_str),
        Some("SSL encryption")
    );
}

#[test]
fn pgtls019_cert_auth_without_root_store() {
    // PostgreSQL 15 starts with `cert` lines and no ssl_ca_file; the FATAL
    // comes at each connection (auth.c, ClientAuthentication).
    let spec = tls_spec(false).hba_line("hostssl all all 127.0.0.1/32 cert");
    let cluster = start(&spec);
    let needle = "root certificate store";
    let (psql, log) = provoke(&cluster, &verify_full("kong"), &[], needle);
    assert_code(line_with(&log, needle), "PGTLS019");
    assert_code(first_line(&psql), "PGTLS019");
}

#[test]
fn captured_line_through_the_binary_in_japanese() {
    let spec = cert_auth_spec(true);
    let cluster = start(&spec);
    let needle = "有効なクライアント証明が必要です";
    let (_psql, log) = provoke(&cluster, &verify_full("kong"), &[], needle);
    let line = line_with(&log, needle);
    let run = pgtls(&["explain", "--lang", "ja", "--format", "json", line]);
    assert_eq!(run.status, 0);
    let json = run.json();
    assert_eq!(json["findings"][0]["code"], "PGTLS008");
    assert!(json["findings"][0]["title"]
        .as_str()
        .is_some_and(|t| t.contains("クライアント証明書")));
}

#[test]
fn pasted_csvlog_and_jsonlog_records_from_a_real_server() {
    let cluster = start(cert_auth_spec(false).csvlog(true).jsonlog(true));
    let needle = "connection requires a valid client certificate";
    let _ = provoke(&cluster, &verify_full("kong"), &[], needle);
    for path in [cluster.csv_log_path(), cluster.json_log_path()] {
        let path = path.expect("collector log enabled");
        let mut record = String::new();
        for _ in 0..100 {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.contains(needle)) {
                record = line.to_string();
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(!record.is_empty(), "{} has the record", path.display());
        assert_code(&record, "PGTLS008");
    }
}

/// A listener that reads the SSLRequest, answers `S` when `accept_tls`,
/// then hangs up (what a crashed backend, a proxy's idle timeout or a lost
/// TLS 1.3 alert look like to the client). Serves `connections`, then ends.
fn hang_up_server(accept_tls: bool, connections: usize) -> (u16, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        for _ in 0..connections {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut request = [0u8; 8];
            if stream.read_exact(&mut request).is_err() {
                continue;
            }
            if accept_tls {
                stream.write_all(b"S").ok();
                let mut hello = [0u8; 512];
                let _ = stream.read(&mut hello);
            }
        }
    });
    (port, handle)
}

#[test]
fn pgtls031_psql_sees_the_server_hang_up_en_and_ja() {
    let psql = pgtls_lab::find_binaries().expect("PostgreSQL").psql();
    for accept_tls in [false, true] {
        let (port, server) = hang_up_server(accept_tls, 2);
        for lang in ["C.UTF-8", "ja_JP.UTF-8"] {
            let out = std::process::Command::new(&psql)
                .arg(format!(
                    "host=127.0.0.1 port={port} user=kong dbname=kong sslmode=require connect_timeout=5"
                ))
                .args(["-w", "-c", "select 1"])
                .env_clear()
                .env("PATH", "/usr/bin:/bin")
                .env("LANG", lang)
                .env("LC_ALL", lang)
                .output()
                .expect("psql runs");
            assert!(!out.status.success());
            let stderr = String::from_utf8_lossy(&out.stderr);
            // The whole paste (with libpq's indented explanation lines) and
            // its first line alone both read as one PGTLS031.
            let findings = explain_text(&stderr);
            assert_eq!(
                findings.iter().map(|f| f.code()).collect::<Vec<_>>(),
                ["PGTLS031"],
                "{stderr}"
            );
            assert_code(first_line(&stderr), "PGTLS031");
        }
        server.join().expect("listener");
    }
}
