//! pgbouncer.ini with `%include`: sections, case-insensitive keys where
//! the last line wins, `[databases]` connection strings, and the lines
//! pgbouncer would reject, each with its file and line.

use std::path::Path;

use pgtls_config::pgbouncer_ini::{connstr_pairs, load};
use pgtls_config::MemSource;

use crate::messages;

fn fixture_source() -> MemSource {
    MemSource::new()
        .file(
            "/etc/pgbouncer/pgbouncer.ini",
            String::from_utf8(include_bytes!("fixtures/pgbouncer/pgbouncer.ini").to_vec()).unwrap(),
        )
        .file(
            "/etc/pgbouncer/tls-server.ini",
            String::from_utf8(include_bytes!("fixtures/pgbouncer/tls-server.ini").to_vec())
                .unwrap(),
        )
}

#[test]
fn settings_of_both_legs_come_from_the_file_and_its_include() {
    let ini = load(&fixture_source(), Path::new("/etc/pgbouncer/pgbouncer.ini"));
    assert_eq!(ini.files.len(), 2);
    let mode = ini.get("client_tls_sslmode").unwrap();
    // The later line, in another spelling, wins.
    assert_eq!(mode.value, "verify-full");
    assert_eq!(mode.location.line, 15);
    let ca = ini.get("server_tls_ca_file").unwrap();
    assert_eq!(ca.value, "/etc/pgbouncer/root.crt");
    assert_eq!(ca.location.to_string(), "/etc/pgbouncer/tls-server.ini:3");
    assert_eq!(ini.value_or("auth_type", "md5"), "scram-sha-256");
    assert_eq!(ini.value_or("server_tls_protocols", "secure"), "secure");
    let dbs = ini.databases();
    assert_eq!(dbs.len(), 1);
    assert_eq!(dbs[0].0.key, "kong");
    assert!(dbs[0]
        .1
        .contains(&("host".to_string(), "10.0.0.5".to_string())));
    assert!(dbs[0].1.contains(&("user".to_string(), "kong".to_string())));
    // The line after which a new [pgbouncer] setting goes: in the main file.
    let (file, line) = ini.pgbouncer_section_end().unwrap();
    assert_eq!(file, Path::new("/etc/pgbouncer/pgbouncer.ini"));
    assert_eq!(line, 15);
}

#[test]
fn rejected_lines_and_missing_includes_are_problems_not_panics() {
    let ini = load(&fixture_source(), Path::new("/etc/pgbouncer/pgbouncer.ini"));
    let m = messages(&ini.problems);
    assert!(
        m.iter()
            .any(|x| x.contains("expected key = value: no equals sign here")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|x| x.contains("relative to its working directory")),
        "{m:?}"
    );

    let src = MemSource::new().file(
        "/p.ini",
        "x = 1\n[pgbouncer\n%include /nope.ini\n%include /p.ini\n",
    );
    let ini = load(&src, Path::new("/p.ini"));
    let m = messages(&ini.problems);
    assert!(m.iter().any(|x| x.contains("outside any section")), "{m:?}");
    assert!(m.iter().any(|x| x.contains("without ]")), "{m:?}");
    assert!(
        m.iter().any(|x| x.contains("could not read /nope.ini")),
        "{m:?}"
    );
    assert!(m.iter().any(|x| x.contains("loops")), "{m:?}");
    let missing = load(&MemSource::new(), Path::new("/none.ini"));
    assert!(messages(&missing.problems)[0].contains("could not read /none.ini"));
    // Bytes that are not text do not panic.
    let junk = MemSource::new().file("/j.ini", "\u{0}\u{fffd}=\n[\n=\n");
    let _ = load(&junk, Path::new("/j.ini"));
}

#[test]
fn connection_strings_take_quoted_values() {
    assert_eq!(
        connstr_pairs("host=db  port=5432 password='a b' dbname=x"),
        vec![
            ("host".to_string(), "db".to_string()),
            ("port".to_string(), "5432".to_string()),
            ("password".to_string(), "a b".to_string()),
            ("dbname".to_string(), "x".to_string()),
        ]
    );
    assert!(connstr_pairs("").is_empty());
    assert_eq!(connstr_pairs("host='unterminated").len(), 1);
}
