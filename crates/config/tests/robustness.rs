//! Hostile input: binary junk, very long lines and 10 MB files must neither
//! panic nor take more than linear-ish time in any parser.

use std::path::Path;
use std::time::{Duration, Instant};

use pgtls_config::{hba, ident, kong, libpq, postgresql_conf, MemSource};

const TEN_MB: usize = 10 * 1024 * 1024;

/// Deterministic bytes (xorshift), so a failure can be reproduced.
fn junk(len: usize, seed: u64) -> String {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    String::from_utf8_lossy(&out).into_owned()
}

/// Junk made of the characters the parsers treat specially, which is where
/// backtracking or rescanning would show.
fn special_junk(len: usize, seed: u64, alphabet: &[u8]) -> String {
    let mut x = seed | 1;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(alphabet[(x % alphabet.len() as u64) as usize] as char);
    }
    out
}

/// Runs `f` and fails if it takes longer than a quadratic-free parse could.
fn timed(what: &str, f: impl FnOnce()) {
    let start = Instant::now();
    f();
    let took = start.elapsed();
    assert!(took < Duration::from_secs(20), "{what} took {took:?}");
}

fn all_parsers(what: &str, text: &str) {
    let p = Path::new("/fuzz/file.conf");
    timed(&format!("{what}: postgresql.conf"), || {
        let _ = postgresql_conf::parse_str(text, p);
    });
    timed(&format!("{what}: pg_hba.conf"), || {
        let _ = hba::parse(text, p, None, hba::HbaOptions::default());
    });
    timed(&format!("{what}: pg_ident.conf"), || {
        let _ = ident::parse(text, p, None);
    });
    timed(&format!("{what}: kong.conf"), || {
        let f = kong::parse(text, p);
        let _ = kong::resolve::<&str, &str>(Some(&f), &[]);
    });
    timed(&format!("{what}: conninfo"), || {
        let _ = libpq::parse(text);
    });
}

#[test]
fn binary_junk() {
    let text = junk(TEN_MB, 0x5eed);
    all_parsers("binary junk", &text);
    let (_, diags) = postgresql_conf::parse_str(&text, Path::new("/j"));
    assert!(!diags.is_empty(), "junk is reported");
}

#[test]
fn junk_of_special_characters() {
    for (seed, alphabet) in [
        (1, &b"'\\\n=a.#\r\t 0x"[..]),
        (2, &b"\"\\,# \n@a"[..]),
        (3, &b"=#\\\n ;[]0-"[..]),
        (4, &b"'\\= \tpostgresql://@[]:,/?&%"[..]),
    ] {
        let text = special_junk(2 * 1024 * 1024, seed, alphabet);
        all_parsers(&format!("special junk {seed}"), &text);
    }
}

#[test]
fn very_long_lines() {
    let long_quote = format!("ssl_ciphers = '{}", "\\'".repeat(TEN_MB / 2));
    let long_value = format!("ssl_ciphers = '{}'\n", "a".repeat(TEN_MB));
    let long_token = format!("host {} all all trust\n", "d".repeat(TEN_MB));
    let many_commas = format!("host {}b all all trust\n", "a,".repeat(TEN_MB / 2));
    let continued = "host all all \\\n".repeat(TEN_MB / 16);
    for (name, text) in [
        ("unterminated escaped quote", &long_quote),
        ("long quoted value", &long_value),
        ("long token", &long_token),
        ("many commas", &many_commas),
        ("continuation lines", &continued),
    ] {
        all_parsers(name, text);
    }
    let (items, diags) = postgresql_conf::parse_str(&long_value, Path::new("/x"));
    assert!(diags.is_empty());
    assert_eq!(items.len(), 1);
    let f = hba::parse(
        &long_token,
        Path::new("/x"),
        None,
        hba::HbaOptions::default(),
    );
    assert!(f.diagnostics[0]
        .message
        .starts_with("authentication file token too long, skipping"));
    let f = hba::parse(
        &many_commas,
        Path::new("/x"),
        None,
        hba::HbaOptions::default(),
    );
    assert_eq!(f.lines[0].databases.len(), TEN_MB / 2 + 1);
}

#[test]
fn long_connection_strings_and_pgpass() {
    let hosts = vec!["h"; 200_000].join(",");
    let p = libpq::parse(&format!("host={hosts} port=5432")).unwrap();
    let r = libpq::resolve(&p, &libpq::ClientEnv::default()).unwrap();
    assert_eq!(r.hosts.len(), 200_000);
    let uri = format!("postgresql://{}/db", vec!["[::1]:1"; 200_000].join(","));
    timed("uri", || {
        let p = libpq::parse(&uri).unwrap();
        assert_eq!(
            libpq::resolve(&p, &libpq::ClientEnv::default())
                .unwrap()
                .hosts
                .len(),
            200_000
        );
    });
    let pgpass = "h:1:d:u:p\n".repeat(TEN_MB / 10) + &"\\".repeat(1000);
    let src = MemSource::new().file("/p", pgpass);
    timed("pgpass", || {
        let out = libpq::pgpass_lookup(&src, Path::new("/p"), "x", 1, "d", "u");
        assert!(matches!(out, libpq::PgpassOutcome::NoMatch));
    });
}

#[test]
fn many_lines_match_quickly() {
    let mut text = String::new();
    for i in 0..100_000 {
        text.push_str(&format!(
            "hostssl db{i} user{i} 10.{}.{}.0/24 scram-sha-256\n",
            (i / 256) % 256,
            i % 256
        ));
    }
    let f = hba::parse(&text, Path::new("/h"), None, hba::HbaOptions::default());
    assert_eq!(f.lines.len(), 100_000);
    let conn = hba::Connection::tcp(
        "10.134.159.1".parse().unwrap(),
        "user99999",
        "db99999",
        true,
    );
    timed("check", || {
        assert_eq!(f.check(&conn).line.map(|l| l.location.line), Some(100_000));
    });
}
