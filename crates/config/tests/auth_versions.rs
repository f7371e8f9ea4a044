//! pg_hba.conf and pg_ident.conf by server version, as real PostgreSQL 12,
//! 15, 16 and 18 servers read the same files (their logs and connections
//! are in tests/fixtures/versions/auth_files, captured by the lab): include
//! records from 16 (an invalid connection type on 12 to 15, a missing map
//! entry in pg_ident.conf), regular expressions in pg_hba.conf's database
//! and user columns from 16, and in pg_ident.conf's database-user column
//! `all`, `+role` and `/regex` from 16, literal before.

use std::path::Path;

use pgtls_config::hba::{self, Connection, HbaOptions};
use pgtls_config::ident::{self, MapOutcome};
use pgtls_config::{MemSource, Severity};

fn hba_opts(major: u32) -> HbaOptions {
    HbaOptions {
        ssl_enabled: Some(true),
        db_user_namespace: false,
        server_major: Some(major),
    }
}

fn cert_conn(user: &str) -> Connection {
    Connection::tcp("127.0.0.1".parse().unwrap(), user, "postgres", true)
}

#[test]
fn hba_include_records_by_version() {
    let src = MemSource::new()
        .file(
            "/d/pg_hba.conf",
            "local all all trust\ninclude hba_extra.conf\n",
        )
        .file("/d/hba_extra.conf", "hostssl all all 127.0.0.1/32 cert\n")
        .file(
            "/d/if.conf",
            "local all all trust\ninclude_if_exists missing.conf\nhostssl all all 127.0.0.1/32 cert\n",
        )
        .file("/d/dir.conf", "local all all trust\ninclude_dir hba.d\n")
        .file("/d/hba.d/10-cert.conf", "hostssl all all 127.0.0.1/32 cert\n")
        .file("/d/hba.d/notes.txt", "nonsense\n");
    for major in [12u32, 15] {
        for (file, kw) in [
            ("/d/pg_hba.conf", "include"),
            ("/d/if.conf", "include_if_exists"),
            ("/d/dir.conf", "include_dir"),
        ] {
            let f = hba::load(&src, Path::new(file), hba_opts(major)).unwrap();
            let e = f.diagnostics.iter().find(|d| d.is_error()).unwrap();
            // The server's line: `invalid connection type "include"`,
            // CONTEXT line 2, then FATAL: could not load pg_hba.conf.
            assert_eq!(e.message, format!("invalid connection type \"{kw}\""));
            assert_eq!(e.location.as_ref().unwrap().line, 2);
            assert!(e.hint_in(false).unwrap().contains("PostgreSQL 16"));
            assert!(e.hint_in(true).unwrap().contains("PostgreSQL 16 から"));
        }
    }
    for major in [16u32, 18] {
        let f = hba::load(&src, Path::new("/d/pg_hba.conf"), hba_opts(major)).unwrap();
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let m = f.check(&cert_conn("foo"));
        let line = m.line.expect("the included line matches");
        assert_eq!(line.location.to_string(), "/d/hba_extra.conf:1");
        let f = hba::load(&src, Path::new("/d/if.conf"), hba_opts(major)).unwrap();
        let notes: Vec<_> = f
            .diagnostics
            .iter()
            .map(|d| (d.severity, d.message.as_str()))
            .collect();
        assert_eq!(
            notes,
            [(
                Severity::Note,
                "skipping missing authentication file \"/d/missing.conf\""
            )]
        );
        assert!(f.check(&cert_conn("foo")).line.is_some());
        let f = hba::load(&src, Path::new("/d/dir.conf"), hba_opts(major)).unwrap();
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        assert_eq!(
            f.check(&cert_conn("foo"))
                .line
                .unwrap()
                .location
                .to_string(),
            "/d/hba.d/10-cert.conf:1"
        );
    }
    // An include whose file is missing is an error line from 16 on.
    let src = MemSource::new().file("/d/pg_hba.conf", "include nowhere.conf\n");
    let f = hba::load(&src, Path::new("/d/pg_hba.conf"), hba_opts(16)).unwrap();
    assert_eq!(
        f.diagnostics[0].message,
        "could not open file \"/d/nowhere.conf\": No such file or directory"
    );
    assert!(f.diagnostics[0].is_error());
    // As the captured 16 (pg16-hba_include_dir_missing.txt) logs it.
    let src = MemSource::new().file("/d/pg_hba.conf", "include_dir missing.d\n");
    let f = hba::load(&src, Path::new("/d/pg_hba.conf"), hba_opts(16)).unwrap();
    assert_eq!(
        f.diagnostics[0].message,
        "could not open configuration directory \"/d/missing.d\": No such file or directory"
    );
}

#[test]
fn hba_regex_users_by_version() {
    let text = "local all all trust\nhostssl all /^fo 127.0.0.1/32 cert\n";
    for (major, matches) in [(12u32, false), (15, false), (16, true), (18, true)] {
        let f = hba::parse(text, Path::new("/d/pg_hba.conf"), None, hba_opts(major));
        let m = f.check(&cert_conn("foo"));
        // 12 and 15: `no pg_hba.conf entry for host "127.0.0.1", user "foo"`.
        assert_eq!(m.line.is_some(), matches, "{major}");
        assert_eq!(
            f.diagnostics.iter().any(|d| d.severity == Severity::Note),
            !matches,
            "{major}: {:?}",
            f.diagnostics
        );
    }
    let f = hba::parse(
        "hostssl all /^(fo 127.0.0.1/32 cert\n",
        Path::new("/d/pg_hba.conf"),
        None,
        hba_opts(16),
    );
    assert_eq!(
        f.diagnostics[0].message,
        "invalid regular expression \"^(fo\": parentheses () not balanced"
    );
}

fn ident(text: &str, major: u32) -> ident::IdentFile {
    ident::parse_for(text, Path::new("/d/pg_ident.conf"), None, Some(major))
}

#[test]
fn ident_database_user_column_by_version() {
    // Certificate CN foo asking for user kong (a member of grp), as in the
    // captures: 12 and 15 log `no match in usermap "m" for user "kong"
    // authenticated as "foo"`, 16 and 18 let kong in.
    for line in ["m foo /^kon", "m foo all", "m foo +grp"] {
        for major in [12u32, 15, 16, 18] {
            let f = ident(&format!("{line}\n"), major);
            assert!(!f.diagnostics.iter().any(|d| d.is_error()), "{line}");
            let out = f.check("m", "foo", "kong", false);
            match (major >= 16, line) {
                (false, _) => {
                    let MapOutcome::Denied { log } = out else {
                        panic!("{major} {line}: {out:?}")
                    };
                    assert_eq!(
                        log,
                        "no match in usermap \"m\" for user \"kong\" authenticated as \"foo\""
                    );
                    assert!(f.diagnostics.iter().any(|d| d.severity == Severity::Note
                        && d.message.contains("compared literally")
                        && d.message_in(true).contains("PostgreSQL 16 から")));
                }
                // Membership lives in the catalog: not decided here.
                (true, "m foo +grp") => assert!(
                    matches!(out, MapOutcome::Unknown { membership: Some(ref r), .. } if r == "grp"),
                    "{out:?}"
                ),
                (true, _) => assert!(out.is_allowed(), "{major} {line}: {out:?}"),
            }
        }
    }
    // A role is a member of itself; foo is not grp (the captured 16 and 18
    // refused user foo with +grp).
    let f = ident("m foo +foo\n", 16);
    assert!(f.check("m", "foo", "foo", false).is_allowed());
    // Quoted, "all" is a name on every version.
    let f = ident("m foo \"all\"\n", 16);
    assert!(!f.check("m", "foo", "kong", false).is_allowed());
    // \1 works on every version and gives a literal name.
    for major in [12u32, 15, 16, 18] {
        let f = ident("m /^f(o)o$ k\\1ng\n", major);
        assert!(f.check("m", "foo", "kong", false).is_allowed(), "{major}");
        let f = ident("m /^(.*)$ \\1\n", major);
        assert!(!f.check("m", "all", "kong", false).is_allowed(), "{major}");
    }
}

#[test]
fn ident_include_by_version() {
    let src = MemSource::new()
        .file("/d/pg_ident.conf", "include ident_extra.conf\n")
        .file("/d/ident_extra.conf", "m foo kong\n");
    for major in [12u32, 15] {
        let f = ident::load_for(&src, Path::new("/d/pg_ident.conf"), Some(major)).unwrap();
        // The captured line: LOG:  missing entry in file ".../pg_ident.conf"
        // at end of line 1 (and the whole file is ignored).
        let e = &f.diagnostics[0];
        assert!(e.is_error());
        assert_eq!(
            e.message,
            "missing entry in file \"/d/pg_ident.conf\" at end of line 1"
        );
        assert!(e.hint_in(true).unwrap().contains("PostgreSQL 16"));
    }
    for major in [16u32, 18] {
        let f = ident::load_for(&src, Path::new("/d/pg_ident.conf"), Some(major)).unwrap();
        assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
        let MapOutcome::Allowed(line) = f.check("m", "foo", "kong", false) else {
            panic!("{major}")
        };
        assert_eq!(line.location.to_string(), "/d/ident_extra.conf:1");
    }
}

/// pg16-ident_pguser_regex_bad.txt: 16 compiles the database user when
/// it starts with a slash; one that does not compile is an error, and the
/// whole file (with the good second line) is ignored. 15 compares it as a
/// name, so the second line maps kong.
#[test]
fn ident_bad_database_user_regex_by_version() {
    let text = "m foo /^(kon\nm foo kong\n";
    let f = ident(text, 16);
    assert_eq!(
        f.diagnostics[0].message,
        "invalid regular expression \"^(kon\": parentheses () not balanced"
    );
    assert!(f.diagnostics[0].is_error());
    let f = ident(text, 15);
    assert!(!f.diagnostics.iter().any(|d| d.is_error()));
    assert!(f.check("m", "foo", "kong", false).is_allowed());
}

/// A file that includes itself stops at the nesting limit with the
/// server's message (CONF_FILE_MAX_DEPTH) instead of looping.
#[test]
fn include_loops_stop() {
    let src = MemSource::new()
        .file(
            "/d/pg_hba.conf",
            "include pg_hba.conf\nhost all all all trust\n",
        )
        .file("/d/pg_ident.conf", "include_dir .\n")
        .file("/d/a.conf", "include_dir .\n");
    let f = hba::load(&src, Path::new("/d/pg_hba.conf"), hba_opts(16)).unwrap();
    assert!(
        f.diagnostics
            .iter()
            .any(|d| d.is_error() && d.message.ends_with("maximum nesting depth exceeded")),
        "{:?}",
        f.diagnostics
    );
    let f = ident::load_for(&src, Path::new("/d/pg_ident.conf"), Some(16)).unwrap();
    assert!(f.diagnostics.iter().any(|d| d.is_error()));
}
