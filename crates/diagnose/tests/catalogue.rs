//! Tidy checks on the catalogue: the data must stay consistent as it grows.

use std::collections::HashSet;

use pgtls_catalogue::{all, Lang, CONTINUATIONS, PATTERNS};
use pgtls_diagnose::envelope::split;
use pgtls_diagnose::explain::explain_text;
use pgtls_diagnose::matcher;

fn has_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Where each block of codes starts: codes are contiguous within a block;
/// a new block (the pooler's, at 040) leaves room for codes added to the
/// block before it.
const BLOCK_STARTS: &[usize] = &[1, 40];

#[test]
fn codes_are_unique_and_contiguous_within_their_block() {
    let mut seen = HashSet::new();
    let mut previous = 0;
    for d in all() {
        assert!(seen.insert(d.code), "duplicate code {}", d.code);
        let number: usize = d.code["PGTLS".len()..].parse().expect("PGTLSnnn");
        assert_eq!(d.code, format!("PGTLS{number:03}"));
        assert!(
            number == previous + 1 || (number > previous && BLOCK_STARTS.contains(&number)),
            "{}: codes must be in order without gaps inside a block",
            d.code
        );
        previous = number;
        assert!(
            !d.name.is_empty()
                && d.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
        );
    }
    assert!(all().len() >= 22);
    let names: HashSet<_> = all().iter().map(|d| d.name).collect();
    assert_eq!(names.len(), all().len(), "names are unique");
}

#[test]
fn every_text_exists_in_both_languages() {
    for d in all() {
        for (what, text) in [("title", d.title), ("cause", d.cause)] {
            assert!(!text.en.trim().is_empty(), "{} {what} en", d.code);
            assert!(
                has_japanese(text.ja),
                "{} {what} ja must be Japanese",
                d.code
            );
            assert!(
                !text.en.ends_with('.'),
                "{} {what}: no trailing period",
                d.code
            );
        }
        assert!(!d.fix.is_empty(), "{} has fix steps", d.code);
        for step in d.fix {
            assert!(!step.en.trim().is_empty(), "{} fix en", d.code);
            assert!(has_japanese(step.ja), "{} fix ja", d.code);
        }
    }
    for p in PATTERNS {
        assert!(
            !p.reading.en.is_empty() && has_japanese(p.reading.ja),
            "pattern {} reading",
            p.id
        );
    }
    for p in CONTINUATIONS {
        assert!(
            !p.reading.en.is_empty() && has_japanese(p.reading.ja),
            "continuation {} reading",
            p.id
        );
    }
}

#[test]
fn patterns_are_well_formed() {
    let mut ids = HashSet::new();
    for p in PATTERNS {
        assert!(ids.insert(p.id), "duplicate pattern id {}", p.id);
        // Codes are typed: an unknown one does not compile.
        for alt in p.alternatives {
            assert_ne!(*alt, p.code, "pattern {} lists its own code", p.id);
        }
        assert!(!p.origins.is_empty(), "pattern {} has origins", p.id);
        assert!(!p.needles.is_empty(), "pattern {} has needles", p.id);
        assert!(!p.examples.is_empty(), "pattern {} has examples", p.id);
        regex::Regex::new(p.regex).unwrap_or_else(|e| panic!("pattern {}: {e}", p.id));
    }
    for p in CONTINUATIONS {
        assert!(ids.insert(p.id), "duplicate pattern id {}", p.id);
        regex::Regex::new(p.regex).unwrap_or_else(|e| panic!("continuation {}: {e}", p.id));
    }
}

#[test]
fn every_example_matches_its_own_pattern_and_no_other() {
    for p in PATTERNS {
        for example in p.examples {
            let envelope = split(example);
            let readings = matcher().readings(&envelope);
            let ids: Vec<_> = readings.iter().map(|r| r.pattern.id).collect();
            // pgbouncer names the leg of a `TLS handshake error` only on
            // the line after it: alone, such a line has one reading per leg,
            // each said to hold under its condition.
            if p.leg.is_some() && envelope.leg.is_none() && ids.len() > 1 {
                assert!(ids.contains(&p.id), "example {example:?} of {}", p.id);
                assert!(
                    readings
                        .iter()
                        .all(|r| r.pattern.leg.is_some() && r.pattern.leg != p.leg
                            || r.pattern.id == p.id),
                    "example {example:?} of {} matched {ids:?}: only the other leg's readings may",
                    p.id
                );
                let findings = explain_text(example);
                let own: Vec<_> = findings.iter().filter(|f| f.leg == p.leg).collect();
                assert_eq!(own.len(), 1, "{example:?}");
                assert_eq!(own[0].code(), p.code, "{example:?}");
                assert!(
                    findings.iter().all(|f| f.condition.is_some()),
                    "{example:?}"
                );
                continue;
            }
            assert_eq!(
                ids,
                [p.id],
                "example {example:?} of {} matched {ids:?}",
                p.id
            );
            assert!(
                p.needles.iter().any(|n| example.contains(n)),
                "example {example:?} contains none of the needles of {}",
                p.id
            );
            assert!(
                matcher().may_match(example.as_bytes()),
                "prefilter passes {example:?}"
            );
            let findings = explain_text(example);
            assert_eq!(findings.len(), 1, "{example:?}");
            assert_eq!(findings[0].code(), p.code, "{example:?}");
        }
    }
}

#[test]
fn every_continuation_example_matches_its_own_pattern() {
    for p in CONTINUATIONS {
        for example in p.examples {
            let envelope = split(example);
            let got = matcher().continuation(&envelope).map(|r| r.pattern.id);
            assert_eq!(got, Some(p.id), "continuation example {example:?}");
        }
    }
}

#[test]
fn seed_page_lines_map_to_their_codes() {
    let cases = [
        ("LOG:  could not accept SSL connection: wrong version number", "PGTLS001"),
        ("HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.1 and TLSv1.1.", "PGTLS001"),
        ("LOG:  could not accept SSL connection: unsupported protocol", "PGTLS001"),
        ("FATAL:  could not load server certificate file \"server.crt\": No such file or directory", "PGTLS002"),
        ("FATAL:  could not access private key file \"server.key\": No such file or directory", "PGTLS003"),
        ("FATAL:  private key file \"/certs/example.com.key\" has group or world access", "PGTLS004"),
        ("DETAIL:  File must have permissions u=rw (0600) or less if owned by the database user, or permissions u=rw,g=r (0640) or less if owned by root.", "PGTLS004"),
        ("LOG:  could not accept SSL connection: tlsv1 alert unknown ca", "PGTLS005"),
        ("LOG:  could not accept SSL connection: certificate verify failed", "PGTLS006"),
        ("LOG:  provided user name (kong) and authenticated user name (foo@example.com) do not match", "PGTLS007"),
        ("FATAL:  certificate authentication failed for user \"kong\"", "PGTLS007"),
        ("FATAL:  connection requires a valid client certificate", "PGTLS008"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: tlsv1 alert protocol version", "PGTLS001"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: unsupported protocol", "PGTLS001"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: the server does not support SSL connections", "PGTLS009"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: certificate verify failed", "PGTLS005"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: FATAL: connection requires a valid client certificate", "PGTLS008"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: tlsv1 alert unknown ca", "PGTLS006"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: FATAL: certificate authentication failed for user \"kong\"", "PGTLS007"),
    ];
    for (line, code) in cases {
        let findings = explain_text(line);
        assert_eq!(
            findings.len(),
            1,
            "{line:?} gave {:?}",
            findings.iter().map(|f| f.code()).collect::<Vec<_>>()
        );
        assert_eq!(findings[0].code(), code, "{line:?}");
    }
}

#[test]
fn catalogue_md_lines_map_to_their_codes() {
    let cases = [
        ("LOG: could not accept SSL connection: unsupported protocol", "PGTLS001"),
        ("psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify failed", "PGTLS005"),
        ("LOG: could not receive data from client: Connection reset by peer", "PGTLS005"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 21: unable to verify the first certificate", "PGTLS005"),
        ("LOG: hostssl record cannot match because SSL is disabled", "PGTLS009"),
        ("psql: error: connection to server at \"127.0.0.1\", port 5432 failed: server does not support SSL, but SSL was required", "PGTLS009"),
        ("LOG: could not accept SSL connection: sslv3 alert certificate expired", "PGTLS010"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 10: certificate has expired", "PGTLS010"),
        ("psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: sslv3 alert certificate expired", "PGTLS011"),
        ("psql: error: connection to server at \"localhost\" (127.0.0.1), port 5432 failed: server certificate for \"db.example.com\" does not match host name \"localhost\"", "PGTLS012"),
        ("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 20: unable to get local issuer certificate", "PGTLS013"),
        ("FATAL: could not load private key file \"server.key\": key values mismatch", "PGTLS015"),
        ("FATAL: no pg_hba.conf entry for host \"127.0.0.1\", user \"kong\", database \"kong\", no encryption", "PGTLS016"),
        ("FATAL: password authentication failed for user \"kong\"", "PGTLS017"),
        ("psql: error: connection to server at \"127.0.0.1\", port 5432 failed: root certificate file \"/x/root.crt\" does not exist", "PGTLS018"),
        ("FATAL: client certificates can only be checked if a root certificate store is available", "PGTLS019"),
        ("FATAL: could not load server certificate file \"server.crt\": ee key too small", "PGTLS022"),
        ("2026/11/28 16:02:11 [error] 4242#0: *3 SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48), context: ngx.timer", "PGTLS006"),
    ];
    for (line, code) in cases {
        let findings = explain_text(line);
        let got: Vec<_> = findings.iter().map(|f| f.code()).collect();
        assert!(
            got.first() == Some(&code),
            "{line:?} gave {got:?}, want {code}"
        );
    }
}

#[test]
fn psql_cert_verify_failed_lists_alternatives() {
    let f = explain_text("psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify failed");
    assert_eq!(
        f[0].alternatives,
        ["PGTLS010", "PGTLS013", "PGTLS014", "PGTLS022"]
    );
}

#[test]
fn language_texts_differ() {
    for d in all() {
        assert_ne!(d.title.get(Lang::En), d.title.get(Lang::Ja));
    }
}

#[test]
fn the_code_type_and_the_catalogue_agree() {
    use pgtls_catalogue::Code;
    assert_eq!(Code::ALL.len(), all().len(), "one Code per catalogue entry");
    for (i, code) in Code::ALL.iter().enumerate() {
        let d = code.diagnosis();
        assert_eq!(d.code, all()[i].code);
        assert_eq!(
            format!("PGTLS{:03}", *code as usize),
            d.code,
            "{code}: the discriminant is the number"
        );
        let camel: String = d
            .name
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            format!("{code:?}"),
            camel,
            "{}: the variant is the name",
            d.code
        );
        assert_eq!(Code::parse(d.code), Some(*code));
    }
    assert_eq!(Code::parse("PGTLS999"), None);
}
