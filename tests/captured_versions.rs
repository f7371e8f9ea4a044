//! Grounding on every version: the lines real PostgreSQL 12–18 servers
//! logged and real libpq 12–18 clients printed (captured by the lab's
//! capture_versions example into tests/fixtures/versions, one file per
//! version and failure), fed to `pgtls explain` and `pgtls logs`, which
//! must give the documented code for each; and the differences between
//! versions that the catalogue relies on, checked on those lines.

use std::fs;
use std::path::{Path, PathBuf};

use pgtls_diagnose::explain::explain_text;

use crate::util::pgtls;

/// One attempt of one client against the server of a fixture.
#[derive(Debug, Default)]
struct Attempt {
    client: String,
    status: i32,
    stderr: Vec<String>,
    server: Vec<String>,
}

/// A fixture file: the start-up log (when the server refused to start or
/// said something at start) and each client's attempt.
#[derive(Debug, Default)]
struct Capture {
    start: Vec<String>,
    attempts: Vec<Attempt>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/versions")
}

fn read(version: &str, failure: &str) -> Capture {
    let path = fixtures().join(version).join(format!("{failure}.txt"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut cap = Capture::default();
    let mut section = "";
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("### ") {
            let (key, value) = rest.split_once(' ').unwrap_or((rest, ""));
            match key {
                "client" => cap.attempts.push(Attempt {
                    client: value.to_string(),
                    ..Attempt::default()
                }),
                "status" => {
                    if let Some(a) = cap.attempts.last_mut() {
                        a.status = value.parse().expect("status");
                    }
                }
                _ => {}
            }
            section = key;
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let line = line.to_string();
        match (section, cap.attempts.last_mut()) {
            ("server-start", _) => cap.start.push(line),
            ("stderr", Some(a)) => a.stderr.push(line),
            ("server", Some(a)) => a.server.push(line),
            _ => {}
        }
    }
    cap
}

/// The versions captured: `local` (Debian's 15 on OpenSSL 3) and the
/// packaged builds on OpenSSL 1.1.
const VERSIONS: [&str; 8] = [
    "local", "pg12", "pg13", "pg14", "pg15", "pg16", "pg17", "pg18",
];

fn major(version: &str) -> u32 {
    version
        .strip_prefix("pg")
        .map_or(15, |v| v.parse().expect("pgN"))
}

fn code_of(line: &str) -> Option<&'static str> {
    explain_text(line).first().map(|f| f.code())
}

fn with<'a>(lines: &'a [String], needle: &str) -> Option<&'a String> {
    lines.iter().find(|l| l.contains(needle))
}

/// Every captured failure, its server line and the code of that line and
/// of the client's message.
const FAILURES: &[(&str, &str, &str, &str)] = &[
    // (fixture, server needle, server code, client code)
    (
        "pgtls001-server-min-tls13",
        "could not accept SSL connection",
        "PGTLS001",
        "PGTLS001",
    ),
    (
        "pgtls001-server-tls11-only",
        "could not accept SSL connection",
        "PGTLS001",
        "PGTLS001",
    ),
    (
        "pgtls001-client-tls12-only",
        "could not accept SSL connection",
        "PGTLS001",
        "PGTLS001",
    ),
    (
        "pgtls001-client-tls10-only",
        "could not accept SSL connection",
        "PGTLS001",
        "PGTLS001",
    ),
    (
        "pgtls005-client-rejects-server-cert",
        "could not accept SSL connection",
        "PGTLS005",
        "PGTLS005",
    ),
    (
        "pgtls006-server-rejects-client-cert",
        "could not accept SSL connection",
        "PGTLS006",
        "PGTLS006",
    ),
    (
        "pgtls007-cert-user-mismatch",
        "certificate authentication failed",
        "PGTLS007",
        "PGTLS007",
    ),
    (
        "pgtls008-client-cert-missing",
        "FATAL",
        "PGTLS008",
        "PGTLS008",
    ),
    (
        "pgtls010-server-cert-expired",
        "could not accept SSL connection",
        "PGTLS010",
        "PGTLS005",
    ),
    (
        "pgtls011-client-cert-expired",
        "could not accept SSL connection",
        "PGTLS006",
        "PGTLS011",
    ),
    (
        "pgtls016-no-entry-without-tls",
        "no pg_hba.conf entry",
        "PGTLS016",
        "PGTLS016",
    ),
    (
        "pgtls016-no-entry-with-tls",
        "no pg_hba.conf entry",
        "PGTLS016",
        "PGTLS016",
    ),
    (
        "pgtls019-cert-auth-without-root-store",
        "FATAL",
        "PGTLS019",
        "PGTLS019",
    ),
];

/// libpq 12 has no ssl_min/max_protocol_version: it refuses the option
/// before connecting (PGTLS034, checked on its own below), so the attempt
/// says nothing about the failure the fixture provokes.
fn refused_option(a: &Attempt) -> bool {
    a.stderr
        .first()
        .is_some_and(|l| l.starts_with("invalid connection option"))
}

#[test]
fn every_captured_failure_line_explains_to_its_code() {
    let mut checked = 0;
    for version in VERSIONS {
        for (failure, needle, server_code, client_code) in FAILURES {
            let cap = read(version, failure);
            assert!(!cap.attempts.is_empty(), "{version}/{failure}: no attempt");
            for a in &cap.attempts {
                if a.status == 0 || refused_option(a) {
                    continue;
                }
                let first = a.stderr.first().map(String::as_str).unwrap_or_default();
                assert_eq!(
                    code_of(first),
                    Some(*client_code),
                    "{version}/{failure} {}: {first:?}",
                    a.client
                );
                let line = with(&a.server, needle)
                    .unwrap_or_else(|| panic!("{version}/{failure} {}: no {needle:?}", a.client));
                assert_eq!(
                    code_of(line),
                    Some(*server_code),
                    "{version}/{failure} {}: {line:?}",
                    a.client
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} attempts checked");
}

#[test]
fn every_captured_start_failure_explains_to_its_code() {
    for version in VERSIONS {
        for (failure, code) in [
            ("pgtls002-server-cert-missing", "PGTLS002"),
            ("pgtls003-server-key-missing", "PGTLS003"),
            ("pgtls004-server-key-mode-0640", "PGTLS004"),
            ("pgtls015-key-cert-mismatch", "PGTLS015"),
        ] {
            let cap = read(version, failure);
            let fatal = with(&cap.start, "FATAL:")
                .unwrap_or_else(|| panic!("{version}/{failure}: no FATAL"));
            assert_eq!(code_of(fatal), Some(code), "{version}/{failure}: {fatal:?}");
        }
        let cap = read(version, "pgtls009-server-ssl-off");
        let hostssl = with(&cap.start, "hostssl record cannot match").expect("hostssl line");
        assert_eq!(code_of(hostssl), Some("PGTLS009"), "{version}");
        let hint = with(&cap.start, "HINT:").expect("hint");
        assert_eq!(code_of(hint), Some("PGTLS009"), "{version}: {hint:?}");
        // 17 quotes the setting.
        assert_eq!(
            hint.contains("Set \"ssl = on\""),
            major(version) >= 17,
            "{version}: {hint:?}"
        );
        for a in &cap.attempts {
            let first = &a.stderr[0];
            assert_eq!(code_of(first), Some("PGTLS009"), "{version}: {first:?}");
        }
    }
}

/// The whole server log of each attempt through `pgtls logs`: the reader
/// must find the documented code in what the server really wrote, with its
/// log_line_prefix, DETAIL and tab-continued lines.
#[test]
fn captured_server_logs_read_to_their_codes() {
    let dir = tempfile::tempdir().unwrap();
    for version in ["pg12", "pg14", "pg16", "pg18", "local"] {
        for (failure, _, server_code, _) in FAILURES {
            let cap = read(version, failure);
            for (i, a) in cap.attempts.iter().enumerate() {
                if a.status == 0 || refused_option(a) {
                    continue;
                }
                let path = dir.path().join(format!("{version}-{failure}-{i}.log"));
                fs::write(&path, a.server.join("\n") + "\n").unwrap();
                let run = pgtls(&["logs", "--format", "json", path.to_str().unwrap()]);
                let codes = crate::lab_util::codes(&run.json());
                // A client-certificate expiry is told by 16's DETAIL.
                let want = if *failure == "pgtls011-client-cert-expired" && major(version) >= 16 {
                    "PGTLS011"
                } else {
                    server_code
                };
                assert!(
                    codes.iter().any(|c| c == want),
                    "{version}/{failure}: logs gave {codes:?}, want {want}\n{}",
                    a.server.join("\n")
                );
            }
        }
    }
}

/// PostgreSQL 12 writes no protocol-range HINT; 13 and later do.
#[test]
fn the_protocol_range_hint_starts_with_13() {
    for version in VERSIONS {
        let cap = read(version, "pgtls001-server-min-tls13");
        let local = cap
            .attempts
            .iter()
            .find(|a| a.client.contains("local"))
            .expect("local client");
        let hint = with(&local.server, "HINT:");
        assert_eq!(hint.is_some(), major(version) >= 13, "{version}: {hint:?}");
        if let Some(h) = hint {
            let both = format!(
                "{}\n{h}",
                with(&local.server, "could not accept").expect("accept")
            );
            let f = &explain_text(&both)[0];
            assert_eq!(
                f.facts.get("server_min").map(String::as_str),
                Some("TLSv1.3")
            );
        }
    }
}

/// An OpenSSL 1.1 server limited to TLS 1.1 writes the seed's `wrong
/// version number` for a client offering only TLS 1.2, and `unsupported
/// protocol` for one offering only TLS 1.0 or TLS 1.2–1.3; Debian's OpenSSL 3
/// server cannot do TLS 1.1 at its security level and says `no suitable
/// signature algorithm`.
#[test]
fn openssl_reasons_for_a_tls11_server() {
    for version in VERSIONS {
        let tls12 = read(version, "pgtls001-client-tls12-only");
        let tls10 = read(version, "pgtls001-client-tls10-only");
        let default = read(version, "pgtls001-server-tls11-only");
        let reason = |a: &Attempt| {
            with(&a.server, "could not accept SSL connection")
                .map(|l| l.rsplit(": ").next().unwrap_or_default().to_string())
        };
        for a in tls12.attempts.iter().filter(|a| !refused_option(a)) {
            let want = if version == "local" {
                "no suitable signature algorithm"
            } else {
                "wrong version number"
            };
            assert_eq!(reason(a).as_deref(), Some(want), "{version} {}", a.client);
        }
        for a in tls10.attempts.iter().filter(|a| !refused_option(a)) {
            if version != "local" {
                assert_eq!(
                    reason(a).as_deref(),
                    Some("unsupported protocol"),
                    "{version}"
                );
            }
        }
        for a in &default.attempts {
            if a.client.contains("libpq 12") {
                // libpq 12 has no minimum: it connects over TLS 1.1.
                assert_eq!(a.status, 0, "{version}: {:?}", a.stderr);
            } else if version != "local" {
                assert_eq!(
                    reason(a).as_deref(),
                    Some("unsupported protocol"),
                    "{version}"
                );
            }
        }
    }
}

/// `clientcert=1` is accepted up to 13 and refused from 14 on; 16 names
/// pg_hba.conf by its full path in the FATAL.
#[test]
fn clientcert_1_is_refused_from_14_and_16_names_the_file() {
    for version in VERSIONS {
        let cap = read(version, "clientcert-1");
        let m = major(version);
        let fatal = with(&cap.start, "FATAL:");
        if m <= 13 {
            assert!(fatal.is_none(), "{version} started: {fatal:?}");
            let a = &cap.attempts[0];
            assert_eq!(code_of(&a.stderr[0]), Some("PGTLS008"), "{version}");
            continue;
        }
        assert!(
            with(&cap.start, "invalid value for clientcert: \"1\"").is_some(),
            "{version}: {:?}",
            cap.start
        );
        let fatal = fatal.expect("FATAL");
        if m >= 16 {
            assert!(
                fatal.contains("could not load /") && fatal.ends_with("/pg_hba.conf"),
                "{version}: {fatal}"
            );
        } else {
            assert!(
                fatal.ends_with("FATAL:  could not load pg_hba.conf"),
                "{version}: {fatal}"
            );
        }
    }
}

/// 12 and 13 end the no-entry line with `SSL on`/`SSL off`, 14 and later
/// with `SSL encryption`/`no encryption`; both read as PGTLS016 with the
/// client's lack of TLS noted.
#[test]
fn no_entry_lines_of_every_version() {
    for version in VERSIONS {
        let old = major(version) <= 13;
        for (failure, old_word, new_word, plain) in [
            (
                "pgtls016-no-entry-without-tls",
                "SSL off",
                "no encryption",
                true,
            ),
            (
                "pgtls016-no-entry-with-tls",
                "SSL on",
                "SSL encryption",
                false,
            ),
        ] {
            let cap = read(version, failure);
            let line = with(&cap.attempts[0].server, "no pg_hba.conf entry").expect("line");
            let word = if old { old_word } else { new_word };
            assert!(line.ends_with(&format!(", {word}")), "{version}: {line}");
            let f = &explain_text(line)[0];
            assert_eq!(f.code(), "PGTLS016");
            assert_eq!(f.facts.get("encryption").map(String::as_str), Some(word));
            let noted = f
                .notes
                .iter()
                .any(|n| n.get(pgtls_catalogue::Lang::En).contains("without TLS"));
            assert_eq!(noted, plain, "{version}: {:?}", f.notes);
            if old {
                assert!(
                    f.notes.iter().any(|n| n
                        .get(pgtls_catalogue::Lang::En)
                        .contains("PostgreSQL 12 and 13")),
                    "{version}: {:?}",
                    f.notes
                );
            }
        }
    }
}

/// libpq 12, 13 and 14 ignore IP addresses in subjectAltName; 15 and
/// later match them.
#[test]
fn libpq_before_15_ignores_ip_sans() {
    for version in VERSIONS {
        let cap = read(version, "pgtls012-ip-san");
        for a in &cap.attempts {
            let libpq = match a.client.strip_prefix("libpq ") {
                Some(rest) if rest.starts_with("local") => 15,
                Some(rest) => rest[..2].parse::<u32>().expect("libpq N"),
                None => panic!("client {}", a.client),
            };
            if libpq <= 14 {
                assert_ne!(a.status, 0, "{version} libpq {libpq}");
                let first = &a.stderr[0];
                assert!(
                    first.ends_with(
                        "server certificate for \"localhost\" does not match host name \"127.0.0.1\""
                    ),
                    "{version}: {first}"
                );
                assert_eq!(code_of(first), Some("PGTLS012"));
            } else {
                assert_eq!(a.status, 0, "{version} libpq {libpq}: {:?}", a.stderr);
            }
        }
    }
}

/// libpq 12 and 13 print the message alone; 14 and later put `connection
/// to server at "…", port N failed: ` before it. libpq 12 refuses
/// ssl_min_protocol_version.
#[test]
fn libpq_message_shapes_by_version() {
    for version in ["pg12", "pg13", "pg14", "pg16", "pg18"] {
        let m = major(version);
        let cap = read(version, "pgtls008-client-cert-missing");
        let own = &cap.attempts[0];
        assert!(
            own.client.starts_with(&format!("libpq {m}")),
            "{}",
            own.client
        );
        let first = &own.stderr[0];
        if m <= 13 {
            assert_eq!(
                first,
                "FATAL:  connection requires a valid client certificate"
            );
        } else {
            assert!(
                first.contains("connection to server at \"localhost\""),
                "{first}"
            );
        }
        let cap = read(version, "pgtls001-client-tls10-only");
        assert_eq!(refused_option(&cap.attempts[0]), m == 12, "{version}");
    }
}

/// 16 and later add a DETAIL saying why a client certificate was refused;
/// it turns an expired certificate's `certificate verify failed` into
/// PGTLS011.
#[test]
fn detail_of_a_refused_client_certificate_from_16() {
    for version in VERSIONS {
        let m = major(version);
        for (failure, reason, code) in [
            (
                "pgtls006-server-rejects-client-cert",
                "unable to get local issuer certificate",
                "PGTLS006",
            ),
            (
                "pgtls011-client-cert-expired",
                "certificate has expired",
                "PGTLS011",
            ),
        ] {
            let cap = read(version, failure);
            let a = &cap.attempts[0];
            let detail = with(&a.server, "Client certificate verification failed");
            assert_eq!(detail.is_some(), m >= 16, "{version}/{failure}");
            let Some(detail) = detail else { continue };
            assert!(
                detail.ends_with(&format!("at depth 0: {reason}.")),
                "{detail}"
            );
            let accept = with(&a.server, "could not accept SSL connection").expect("accept");
            let findings = explain_text(&format!("{accept}\n{detail}"));
            assert_eq!(findings.len(), 1, "{version}/{failure}");
            assert_eq!(findings[0].code(), code, "{version}/{failure}");
            assert_eq!(
                findings[0].facts.get("verify_reason").map(String::as_str),
                Some(reason)
            );
        }
    }
}

/// The lines the captures showed that had no code: 14 and later refusing
/// `clientcert=1` (PGTLS033, with the file's full path from 16 on, and
/// through `pgtls logs` as one start-up failure), libpq 12 refusing
/// `ssl_min_protocol_version` (PGTLS034, naming the option), and libpq
/// 12–14's `could not send startup packet` after a refused client
/// certificate (PGTLS031, with the client-certificate causes as
/// alternatives). Each is checked on the captured line itself.
#[test]
fn captured_lines_without_a_code_before_have_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut startup_resets = 0;
    for version in VERSIONS {
        let m = major(version);
        let cap = read(version, "clientcert-1");
        if m >= 14 {
            let invalid = with(&cap.start, "invalid value for clientcert").expect("line");
            let f = &explain_text(invalid)[0];
            assert_eq!(f.code(), "PGTLS033", "{version}: {invalid}");
            assert_eq!(f.facts.get("clientcert").map(String::as_str), Some("1"));
            let fatal = with(&cap.start, "FATAL:").expect("FATAL");
            assert_eq!(code_of(fatal), Some("PGTLS033"), "{version}: {fatal}");
            let path = dir.path().join(format!("{version}-clientcert.log"));
            fs::write(&path, cap.start.join("\n") + "\n").unwrap();
            let run = pgtls(&["logs", "--format", "json", path.to_str().unwrap()]);
            let codes = crate::lab_util::codes(&run.json());
            assert!(
                codes.iter().any(|c| c == "PGTLS033"),
                "{version}: {codes:?}"
            );
        }
        for failure in [
            "pgtls006-server-rejects-client-cert",
            "pgtls011-client-cert-expired",
        ] {
            for a in &read(version, failure).attempts {
                let Some(line) = with(&a.stderr, "could not send startup packet") else {
                    continue;
                };
                let libpq: u32 = a.client["libpq ".len()..][..2].parse().expect("libpq N");
                assert!(
                    libpq <= 14,
                    "{version}/{failure}: libpq {libpq} printed {line}"
                );
                let f = &explain_text(line)[0];
                assert_eq!(f.code(), "PGTLS031", "{line}");
                let alternatives: Vec<&str> = f.alternatives.iter().map(|c| c.as_str()).collect();
                assert!(alternatives.contains(&"PGTLS006"), "{alternatives:?}");
                startup_resets += 1;
            }
        }
    }
    assert!(
        startup_resets >= 2,
        "only {startup_resets} startup-packet lines"
    );
    let cap = read("pg12", "pgtls001-client-tls12-only");
    let own = cap
        .attempts
        .iter()
        .find(|a| a.client.starts_with("libpq 12"))
        .expect("libpq 12");
    let line = &own.stderr[0];
    assert_eq!(
        line,
        "invalid connection option \"ssl_min_protocol_version\""
    );
    let f = &explain_text(line)[0];
    assert_eq!(f.code(), "PGTLS034");
    assert_eq!(
        f.facts.get("option").map(String::as_str),
        Some("ssl_min_protocol_version")
    );
}
