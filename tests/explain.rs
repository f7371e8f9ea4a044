//! `pgtls explain` as a user runs it: every catalogue example line, both
//! languages, both formats, the mirror, and bad input.

use pgtls_catalogue::{all, CONTINUATIONS, PATTERNS};

use crate::util::{pgtls, pgtls_with_stdin};

#[test]
fn every_example_line_is_explained_in_text_and_json_in_both_languages() {
    for pattern in PATTERNS {
        for example in pattern.examples {
            let text = pgtls(&["explain", example]);
            assert_eq!(text.status, 0, "{example}: {}", text.stderr);
            let json = pgtls(&["explain", "--format", "json", "--lang", "ja", example]).json();
            assert_eq!(json["matched"], true);
            let findings = json["findings"].as_array().expect("findings");
            // A pgbouncer line whose leg only the next line tells has one
            // reading per leg; this pattern's is the one on its leg.
            let leg_readings = pattern.leg.is_some() && findings.len() > 1;
            let finding = if leg_readings {
                assert!(
                    text.stdout
                        .starts_with("this pgbouncer line reads differently on its two legs"),
                    "{example}:\n{}",
                    text.stdout
                );
                findings
                    .iter()
                    .find(|f| f["leg"].as_str() == pattern.leg.map(|l| l.as_str()))
                    .unwrap_or_else(|| panic!("{example}: no reading on {:?}", pattern.leg))
            } else {
                assert!(
                    text.stdout.starts_with(pattern.code.as_str()),
                    "{example}:\n{}",
                    text.stdout
                );
                &findings[0]
            };
            assert_eq!(finding["code"], pattern.code.as_str(), "{example}");
            let title = finding["title"].as_str().unwrap_or_default();
            assert!(!title.is_ascii(), "Japanese title for {example}: {title}");
            assert!(finding["fix"].as_array().is_some_and(|f| !f.is_empty()));
            assert!(finding["evidence"][0]["text"]
                .as_str()
                .is_some_and(|t| t == example.trim()));
        }
    }
}

#[test]
fn continuation_lines_alone_report_what_they_imply() {
    for c in CONTINUATIONS {
        let Some(code) = c.implies else { continue };
        for example in c.examples {
            let json = pgtls(&["explain", "--format", "json", example]).json();
            assert_eq!(json["findings"][0]["code"], code.as_str(), "{example}");
        }
    }
}

#[test]
fn the_mirror_is_resolved_by_who_printed_the_line() {
    let server = pgtls(&[
        "explain",
        "--format",
        "json",
        "LOG:  could not accept SSL connection: tlsv1 alert unknown ca",
    ])
    .json();
    assert_eq!(server["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(server["findings"][0]["code"], "PGTLS005");
    assert_eq!(server["findings"][0]["side"], "client");

    let kong = pgtls(&[
        "explain",
        "--format",
        "json",
        "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: tlsv1 alert unknown ca",
    ])
    .json();
    assert_eq!(kong["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(kong["findings"][0]["code"], "PGTLS006");
    assert_eq!(kong["findings"][0]["side"], "server");
}

#[test]
fn bare_alert_lists_both_readings_and_what_decides() {
    let run = pgtls(&["explain", "tlsv1 alert unknown ca"]);
    assert_eq!(run.status, 0);
    assert!(
        run.stdout.contains("PGTLS005") && run.stdout.contains("PGTLS006"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("which side printed it"),
        "{}",
        run.stdout
    );

    let json = pgtls(&["explain", "--format", "json", "tlsv1 alert unknown ca"]).json();
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2);
    for f in findings {
        let condition = f["condition"]
            .as_str()
            .expect("each reading says when it holds");
        assert!(
            condition.contains("server log") || condition.contains("client"),
            "{condition}"
        );
    }
}

#[test]
fn hint_gives_the_servers_range() {
    let text = "2026-11-28 16:02:11.123 UTC [77] LOG:  could not accept SSL connection: unsupported protocol\n2026-11-28 16:02:11.123 UTC [77] HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.3 and TLSv1.3.\n";
    let json =
        pgtls_with_stdin(&["explain", "--format", "json", "-"], Some(text.as_bytes())).json();
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "the HINT adds evidence, not a finding");
    assert_eq!(findings[0]["code"], "PGTLS001");
    assert_eq!(findings[0]["facts"]["server_min"], "TLSv1.3");
    assert_eq!(findings[0]["facts"]["server_max"], "TLSv1.3");
    let fix = findings[0]["fix"][0].as_str().unwrap_or_default();
    assert!(fix.contains("TLSv1.3 to TLSv1.3"), "{fix}");
    // A server that requires TLS 1.3 is not helped by a client that sets
    // TLS 1.2: the catalogue's generic client step is not offered.
    let steps = findings[0]["fix"].to_string();
    assert!(!steps.contains("pg_ssl_version = tlsv1_2"), "{steps}");
    assert!(
        !steps.contains("ssl_min_protocol_version=TLSv1.2"),
        "{steps}"
    );
}

#[test]
fn psql_certificate_verify_failed_lists_alternatives() {
    let json = pgtls(&[
        "explain",
        "--format",
        "json",
        "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify failed",
    ])
    .json();
    assert_eq!(json["findings"][0]["code"], "PGTLS005");
    assert_eq!(
        json["findings"][0]["alternatives"],
        serde_json::json!(["PGTLS010", "PGTLS013", "PGTLS014", "PGTLS022"])
    );
}

#[test]
fn explain_code_prints_the_documentation() {
    for d in all() {
        let run = pgtls(&["explain", &d.code.to_lowercase()]);
        assert_eq!(run.status, 0);
        assert!(
            run.stdout.contains(d.code) && run.stdout.contains(d.cause.en),
            "{}",
            d.code
        );
        let ja = pgtls(&["explain", "--lang", "ja", d.code]);
        assert!(ja.stdout.contains(d.cause.ja), "{}", d.code);
        let json = pgtls(&["explain", "--format", "json", d.code]).json();
        assert_eq!(json["diagnosis"]["code"], d.code);
        assert!(json["findings"].as_array().is_some_and(Vec::is_empty));
    }
}

#[test]
fn unknown_code_is_a_usage_error() {
    let run = pgtls(&["explain", "PGTLS999"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("no such diagnosis code"),
        "{}",
        run.stderr
    );
}

#[test]
fn no_argument_lists_every_code() {
    let run = pgtls(&["explain"]);
    assert_eq!(run.status, 0);
    for d in all() {
        assert!(run.stdout.contains(d.code));
    }
}

#[test]
fn unknown_text_says_nothing_matched_and_exits_0() {
    let run = pgtls(&["explain", "the coffee machine is empty"]);
    assert_eq!(run.status, 0);
    assert!(
        run.stdout
            .contains("no known PostgreSQL TLS failure matched"),
        "{}",
        run.stdout
    );
    let json = pgtls(&["explain", "--format", "json", "the coffee machine is empty"]).json();
    assert_eq!(json["matched"], false);
    assert_eq!(json["findings"], serde_json::json!([]));
}

#[test]
fn locale_picks_japanese() {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pgtls"));
    cmd.env("COLUMNS", crate::util::UNWRAPPED);
    let out = cmd
        .args([
            "explain",
            "FATAL:  connection requires a valid client certificate",
        ])
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "ja_JP.UTF-8")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("クライアント証明書"), "{stdout}");
}

#[test]
fn binary_junk_and_huge_input_get_a_clear_answer() {
    let junk: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let run = pgtls_with_stdin(&["explain", "-"], Some(&junk));
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));

    let mut huge = vec![b'a'; 10 * 1024 * 1024];
    huge.extend_from_slice(b" could not accept SSL connection: tlsv1 alert unknown ca\n");
    let run = pgtls_with_stdin(&["explain", "-"], Some(&huge));
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));

    let empty = pgtls_with_stdin(&["explain", "-"], Some(b""));
    assert_eq!(empty.status, 0);
    assert!(
        empty.stdout.contains("PGTLS001"),
        "empty input lists the codes"
    );
}

#[test]
fn bad_flag_is_exit_2() {
    let run = pgtls(&["explain", "--format", "yaml", "x"]);
    assert_eq!(run.status, 2);
}

#[test]
fn flags_after_the_text_are_flags() {
    let run = pgtls(&["explain", "tlsv1 alert unknown ca", "--lang", "ja"]);
    assert_eq!(run.status, 0);
    assert!(run.stdout.contains("PGTLS005"), "{}", run.stdout);
    assert!(run.stdout.contains("エラー"), "Japanese: {}", run.stdout);
    let run = pgtls(&["explain", "PGTLS004", "--format", "json"]);
    let v = run.json();
    assert_eq!(v["diagnosis"]["code"], "PGTLS004", "{v:#}");
    // A text that starts with a hyphen goes after `--`.
    let run = pgtls(&["explain", "--", "-x"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
}

#[test]
fn a_reject_line_and_nginx_verify_failures_are_explained() {
    for (line, code) in [
        (
            "2026-11-28 16:02:11.123 UTC [4242] FATAL:  pg_hba.conf rejects connection for host \"10.0.0.5\", user \"kong\", database \"kong\", SSL encryption",
            "PGTLS016",
        ),
        (
            "2026/11/28 16:02:11 [error] 4242#0: *3 SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream, client: 10.0.0.9, server: kong",
            "PGTLS005",
        ),
    ] {
        let v = pgtls(&["--format", "json", "explain", line]).json();
        assert_eq!(v["findings"][0]["code"], code, "{line}: {v:#}");
    }
}
