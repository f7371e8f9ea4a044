//! pg_ident.conf: literal and regular-expression maps, `\1` substitution,
//! and the server's log lines when a certificate name does not map.

use std::path::Path;

use pgtls_config::ident::{check_usermap, load, parse, MapOutcome, SystemUser};
use pgtls_config::MemSource;

use crate::rendered;

const FILE: &str = "# MAPNAME SYSTEM-USERNAME PG-USERNAME\n\
certmap /^(.*)@example\\.com$ \\1\n\
certmap admin@corp postgres\n\
certmap /^svc-(kong|api)$ \\1_app\n\
othermap kong kong\n\
\"m 6\" \"sys user\" pg\n\
words /\\mkong\\M kong\n\
nogroup /^kong kong_\\1\n\
look /^(?=k)kong$ kong\n";

fn ident() -> pgtls_config::ident::IdentFile {
    parse(FILE, Path::new("/d/pg_ident.conf"), None)
}

#[test]
fn parses_literal_and_regex_lines() {
    let f = ident();
    assert_eq!(f.lines.len(), 8);
    assert_eq!(f.lines[0].location.line, 2);
    assert!(
        matches!(&f.lines[0].system_user, SystemUser::Regex { pattern, compiled: Some(_) } if pattern == "^(.*)@example\\.com$")
    );
    assert!(matches!(&f.lines[1].system_user, SystemUser::Literal(s) if s == "admin@corp"));
    assert_eq!(f.lines[4].map, "m 6");
    assert!(matches!(
        &f.lines[7].system_user,
        SystemUser::Regex { compiled: None, .. }
    ));
    assert_eq!(
        rendered(&f.diagnostics),
        ["/d/pg_ident.conf:9: note: regular expression \"^(?=k)kong$\" uses syntax this checker does not evaluate; PostgreSQL may accept it"]
    );
}

#[test]
fn regex_substitution_as_check_ident_usermap() {
    let f = ident();
    assert_eq!(
        f.maps("certmap", "kong@example.com", "kong")
            .map(|l| l.location.line),
        Some(2)
    );
    assert!(f.maps("certmap", "kong@example.com", "postgres").is_none());
    assert!(f.maps("certmap", "kong@example.org", "kong").is_none());
    assert_eq!(
        f.maps("certmap", "admin@corp", "postgres")
            .map(|l| l.location.line),
        Some(3)
    );
    assert!(
        f.maps("certmap", "ADMIN@corp", "postgres").is_none(),
        "case-sensitive by default"
    );
    assert!(f
        .check("certmap", "ADMIN@corp", "postgres", true)
        .is_allowed());
    assert_eq!(
        f.maps("certmap", "svc-api", "api_app")
            .map(|l| l.location.line),
        Some(4)
    );
    assert!(
        f.maps("othermap", "kong@example.com", "kong").is_none(),
        "other map's lines do not count"
    );
    assert_eq!(
        f.maps("words", "the kong user", "kong")
            .map(|l| l.location.line),
        Some(7)
    );
    assert!(f.maps("words", "kongs", "kong").is_none());
}

#[test]
fn server_log_lines_for_denials() {
    let f = ident();
    match f.check("certmap", "bob@other.org", "kong", false) {
        MapOutcome::Denied { log } => {
            assert_eq!(log, "no match in usermap \"certmap\" for user \"kong\" authenticated as \"bob@other.org\"")
        }
        o => panic!("{o:?}"),
    }
    match f.check("nogroup", "kong", "kong_x", false) {
        MapOutcome::Failed { log, line } => {
            assert_eq!(line.location.line, 8);
            assert_eq!(log, "regular expression \"^kong\" has no subexpressions as requested by backreference in \"kong_\\1\"");
        }
        o => panic!("{o:?}"),
    }
    assert!(matches!(
        f.check("look", "kong", "kong", false),
        MapOutcome::Unknown { .. }
    ));

    // Without a map, cert authentication compares the names directly.
    assert!(matches!(
        check_usermap(None, None, "kong", "kong", false),
        MapOutcome::SameName
    ));
    match check_usermap(Some(&f), None, "kong", "foo@example.com", false) {
        MapOutcome::Denied { log } => assert_eq!(
            log,
            "provided user name (kong) and authenticated user name (foo@example.com) do not match"
        ),
        o => panic!("{o:?}"),
    }
    assert!(
        check_usermap(Some(&f), Some("certmap"), "kong", "kong@example.com", false).is_allowed()
    );
    assert!(!check_usermap(None, Some("certmap"), "kong", "kong@example.com", false).is_allowed());
}

#[test]
fn malformed_lines() {
    // Messages as PostgreSQL 15.18 logs them (pg_ident_file_mappings shows
    // the shorter "missing entry at end of line").
    let text = "m1 /(( x\nm4 a,b c\nm5 x\nok sys pg\n";
    let f = parse(text, Path::new("/d/pg_ident.conf"), None);
    assert_eq!(
        rendered(&f.diagnostics),
        [
            "/d/pg_ident.conf:1: error: invalid regular expression \"((\": parentheses () not balanced",
            "/d/pg_ident.conf:2: error: multiple values in ident field",
            "/d/pg_ident.conf:3: error: missing entry in file \"/d/pg_ident.conf\" at end of line 3",
        ]
    );
    assert_eq!(f.lines.len(), 1);
    assert_eq!(f.lines[0].map, "ok");
}

#[test]
fn at_file_in_ident() {
    let src = MemSource::new()
        .file("/d/pg_ident.conf", "m @sys.txt pg\n")
        .file("/d/sys.txt", "alice\n");
    let f = load(&src, Path::new("/d/pg_ident.conf")).unwrap();
    assert!(f.maps("m", "alice", "pg").is_some());
}
