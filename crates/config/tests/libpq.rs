//! libpq connection strings, URIs, environment, defaults and .pgpass, with
//! the error texts psql 15 printed for the same input.

use std::path::{Path, PathBuf};

use pgtls_config::libpq::{
    parse, pgpass_lookup, resolve, resolve_as, CertMode, ClientEnv, HostKind, LibpqError,
    ParamOrigin, PgpassOutcome, SslMode, SslNegotiation,
};
use pgtls_config::{MemSource, TlsVersion};

fn env(vars: &[(&str, &str)]) -> ClientEnv {
    ClientEnv {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        home: Some(PathBuf::from("/home/kong")),
        os_user: Some("osuser".into()),
    }
}

#[test]
fn key_value_strings() {
    let p = parse("host=db.example  port = 6432 user='k o\\'ng' password=pa\\ ss dbname='' sslmode=verify-full").unwrap();
    assert_eq!(p.get("host"), Some("db.example"));
    assert_eq!(p.get("port"), Some("6432"));
    assert_eq!(p.get("user"), Some("k o'ng"));
    assert_eq!(p.get("password"), Some("pa ss"));
    assert_eq!(p.get("dbname"), Some(""));
    assert!(
        !format!("{p:?}").contains("pa ss"),
        "password hidden in debug output"
    );
    let p = parse("requiressl=1").unwrap();
    assert_eq!(p.get("sslmode"), Some("require"));
}

#[test]
fn libpq_error_texts() {
    // Texts as psql 15 printed them after "psql: error: ".
    let cases = [
        ("host=x foo=bar", "invalid connection option \"foo\""),
        ("host", "missing \"=\" after \"host\" in connection info string"),
        ("host='abc", "unterminated quoted string in connection info string"),
        ("postgresql://u@[::1", "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgresql://u@[::1\""),
        ("postgresql://[]/db", "IPv6 host address may not be empty in URI: \"postgresql://[]/db\""),
        ("postgresql://[::1]x/db", "unexpected character \"x\" at position 19 in URI (expected \":\" or \"/\"): \"postgresql://[::1]x/db\""),
        ("postgresql://h/db?foo=bar", "invalid URI query parameter: \"foo\""),
        ("postgresql://h/db?sslmode", "missing key/value separator \"=\" in URI query parameter: \"sslmode\""),
        ("postgresql://h/db?a=b=c", "extra key/value separator \"=\" in URI query parameter: \"a\""),
        ("postgresql://u%zz@h/db", "invalid percent-encoded token: \"u%zz\""),
        ("postgresql://u%00@h/db", "forbidden value %00 in percent-encoded value: \"u%00\""),
    ];
    for (s, want) in cases {
        assert_eq!(parse(s).unwrap_err().to_string(), want, "{s}");
    }
    let resolve_err = |s: &str| {
        resolve(&parse(s).unwrap(), &env(&[]))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        resolve_err("sslmode=bogus"),
        "invalid sslmode value: \"bogus\""
    );
    assert_eq!(
        resolve_err("host=a,b port=1,2,3"),
        "could not match 3 port numbers to 2 hosts"
    );
    assert_eq!(
        resolve_err("port=abc host=localhost"),
        "invalid integer value \"abc\" for connection option \"port\""
    );
    assert_eq!(
        resolve_err("port=70000 host=localhost"),
        "invalid port number: \"70000\""
    );
    assert_eq!(
        resolve_err("ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2"),
        "invalid SSL protocol version range"
    );
    assert_eq!(
        resolve_err("ssl_min_protocol_version=TLSv1.4"),
        "invalid ssl_min_protocol_version value: \"TLSv1.4\""
    );
    assert_eq!(
        resolve_err("hostaddr=1.2.3.4,5.6.7.8 host=a"),
        "could not match 1 host names to 2 hostaddr values"
    );
    assert_eq!(
        resolve_err("connect_timeout=x host=localhost"),
        "invalid integer value \"x\" for connection option \"connect_timeout\""
    );
    assert_eq!(
        resolve_err("postgresql://h/db?ssl=true&sslmode=bogus"),
        "invalid sslmode value: \"bogus\""
    );
    assert_eq!(
        resolve_err("channel_binding=x"),
        "invalid channel_binding value: \"x\""
    );
    assert_eq!(
        resolve_err("requiressl=1 sslmode=bogus"),
        "invalid sslmode value: \"bogus\""
    );
}

#[test]
fn uris() {
    let p = parse("postgresql://k%40ng:p%3Ass@h1:5433,[2001:db8::1]:5434,h3/my%20db?sslmode=verify-ca&application_name=pgtls&").unwrap();
    assert_eq!(p.get("user"), Some("k@ng"));
    assert_eq!(p.get("password"), Some("p:ss"));
    assert_eq!(p.get("host"), Some("h1,2001:db8::1,h3"));
    assert_eq!(p.get("port"), Some("5433,5434,"));
    assert_eq!(p.get("dbname"), Some("my db"));
    assert_eq!(p.get("sslmode"), Some("verify-ca"));
    let r = resolve(&p, &env(&[])).unwrap();
    let hosts: Vec<_> = r
        .hosts
        .iter()
        .map(|h| (h.display_host().to_string(), h.port, h.kind))
        .collect();
    assert_eq!(
        hosts,
        [
            ("h1".to_string(), 5433, HostKind::Name),
            ("2001:db8::1".to_string(), 5434, HostKind::Name),
            ("h3".to_string(), 5432, HostKind::Name),
        ]
    );
    assert_eq!(r.application_name.as_ref().unwrap().value, "pgtls");

    let p = parse("postgres://%2Fvar%2Frun%2Fpostgresql/db?ssl=true").unwrap();
    assert_eq!(p.get("sslmode"), Some("require"), "JDBC-style ssl=true");
    let r = resolve(&p, &env(&[])).unwrap();
    assert_eq!(r.hosts[0].kind, HostKind::UnixSocket);

    let p = parse("postgresql://").unwrap();
    assert!(p.iter().next().is_none());
    let p = parse("postgresql://user@/db").unwrap();
    assert_eq!(
        (p.get("user"), p.get("host"), p.get("dbname")),
        (Some("user"), None, Some("db"))
    );
}

#[test]
fn environment_and_defaults() {
    let r = resolve(&parse("").unwrap(), &env(&[])).unwrap();
    assert_eq!(r.hosts.len(), 1);
    assert_eq!(r.hosts[0].host.as_deref(), Some("/var/run/postgresql"));
    assert_eq!(r.hosts[0].kind, HostKind::UnixSocket);
    assert_eq!(r.hosts[0].port, 5432);
    assert_eq!(r.user.value, "osuser");
    assert_eq!(r.dbname.value, "osuser", "dbname defaults to the user");
    assert_eq!(r.sslmode.value, SslMode::Prefer);
    assert_eq!(r.sslmode.origin, ParamOrigin::Default);
    assert_eq!(
        r.sslrootcert.as_ref().unwrap().value,
        Path::new("/home/kong/.postgresql/root.crt")
    );
    assert_eq!(
        r.sslcert.as_ref().unwrap().value,
        Path::new("/home/kong/.postgresql/postgresql.crt")
    );
    assert_eq!(
        r.sslkey.as_ref().unwrap().value,
        Path::new("/home/kong/.postgresql/postgresql.key")
    );
    assert_eq!(
        r.sslcrl.as_ref().unwrap().value,
        Path::new("/home/kong/.postgresql/root.crl")
    );
    assert_eq!(
        r.passfile.as_ref().unwrap().value,
        Path::new("/home/kong/.pgpass")
    );
    assert_eq!(r.ssl_min_protocol_version.value, Some(TlsVersion::Tls1_2));
    assert_eq!(r.ssl_max_protocol_version.value, None);
    assert_eq!(r.connect_timeout.value, None);
    assert!(r.sslsni.value);

    let e = env(&[
        ("PGHOST", "db1,db2"),
        ("PGPORT", "6000"),
        ("PGUSER", "kong"),
        ("PGSSLMODE", "verify-full"),
        ("PGSSLROOTCERT", "/etc/ca.pem"),
        ("PGSSLMINPROTOCOLVERSION", "tlsv1.3"),
        ("PGCONNECT_TIMEOUT", "1"),
        ("PGAPPNAME", "app"),
        ("PGCHANNELBINDING", "require"),
        ("PGSSLSNI", "0"),
        ("PGPASSWORD", "secret"),
    ]);
    let r = resolve(&parse("user=override").unwrap(), &e).unwrap();
    assert_eq!(
        r.hosts
            .iter()
            .map(|h| (h.display_host(), h.port))
            .collect::<Vec<_>>(),
        [("db1", 6000), ("db2", 6000)]
    );
    assert_eq!(r.user.value, "override");
    assert_eq!(r.user.origin, ParamOrigin::ConnString);
    assert_eq!(r.sslmode.value, SslMode::VerifyFull);
    assert_eq!(r.sslmode.origin, ParamOrigin::Env("PGSSLMODE"));
    assert_eq!(
        r.sslrootcert.as_ref().unwrap().value,
        Path::new("/etc/ca.pem")
    );
    assert_eq!(r.ssl_min_protocol_version.value, Some(TlsVersion::Tls1_3));
    assert_eq!(
        r.connect_timeout.value,
        Some(2),
        "libpq raises 1 second to 2"
    );
    assert!(!r.sslsni.value);
    assert_eq!(
        r.password.as_ref().unwrap().value.expose_str().unwrap(),
        "secret"
    );
    assert!(
        r.passfile.is_none(),
        "no .pgpass lookup when a password is given"
    );
    assert!(!format!("{r:?}").contains("secret"));

    let r = resolve(&parse("").unwrap(), &env(&[("PGREQUIRESSL", "1")])).unwrap();
    assert_eq!(r.sslmode.value, SslMode::Require);
    let r = resolve(
        &parse("").unwrap(),
        &env(&[("PGREQUIRESSL", "1"), ("PGSSLMODE", "disable")]),
    )
    .unwrap();
    assert_eq!(
        r.sslmode.value,
        SslMode::Disable,
        "PGSSLMODE takes precedence"
    );
    let r = resolve(
        &parse("sslcrldir=/crl hostaddr=10.0.0.1 host=db").unwrap(),
        &env(&[]),
    )
    .unwrap();
    assert!(
        r.sslcrl.is_none(),
        "no default CRL file when a CRL directory is given"
    );
    assert_eq!(r.hosts[0].kind, HostKind::Address);
    assert_eq!(r.hosts[0].display_host(), "db");
    let r = resolve_as(&parse("sslrootcert=system").unwrap(), &env(&[]), 15).unwrap();
    assert!(r.notes[0].message.contains("libpq 16"));
    assert!(!r.trust_system);
}

/// What each libpq version accepts: a keyword of a later version is
/// refused with libpq's own words, its environment variable ignored;
/// sslrootcert=system forces verify-full from 16; sslnegotiation=direct
/// needs a verifying or requiring sslmode; require_auth is parsed as libpq
/// 16 parses it (the error texts are those real libpq 16 and 17 printed).
#[test]
fn options_follow_the_libpq_version() {
    let as_ = |conninfo: &str, major: u32| resolve_as(&parse(conninfo).unwrap(), &env(&[]), major);
    for (option, since) in [
        ("ssl_min_protocol_version=TLSv1.2", 13),
        ("sslsni=1", 14),
        ("sslcertmode=allow", 16),
        ("require_auth=scram-sha-256", 16),
        ("sslnegotiation=postgres", 17),
        ("sslkeylogfile=/tmp/k", 18),
    ] {
        let key = option.split('=').next().unwrap();
        let e = as_(&format!("host=db {option}"), since - 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("invalid connection option \"{key}\"")
        );
        assert!(as_(&format!("host=db {option}"), since).is_ok(), "{option}");
    }
    // An environment variable of a later option is ignored, not refused.
    let r = resolve_as(
        &parse("host=db").unwrap(),
        &env(&[("PGSSLMINPROTOCOLVERSION", "TLSv1.3")]),
        12,
    )
    .unwrap();
    assert_eq!(
        r.ssl_min_protocol_version.value, None,
        "libpq 12 has no minimum"
    );
    let r = as_("host=db sslrootcert=system", 16).unwrap();
    assert!(r.trust_system);
    assert_eq!(r.sslmode.value, SslMode::VerifyFull);
    assert_eq!(
        as_("host=db sslrootcert=system sslmode=require", 16)
            .unwrap_err()
            .to_string(),
        "weak sslmode \"require\" may not be used with sslrootcert=system (use \"verify-full\")"
    );
    assert_eq!(
        as_("host=db sslnegotiation=direct", 17).unwrap_err().to_string(),
        "weak sslmode \"prefer\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")"
    );
    let r = as_("host=db sslnegotiation=direct sslmode=require", 17).unwrap();
    assert_eq!(r.sslnegotiation.value, SslNegotiation::Direct);
    assert_eq!(
        as_("host=db sslcertmode=bogus", 16)
            .unwrap_err()
            .to_string(),
        "invalid sslcertmode value: \"bogus\""
    );
    assert_eq!(
        as_("host=db require_auth=bogus", 16)
            .unwrap_err()
            .to_string(),
        "invalid require_auth value: \"bogus\""
    );
    assert_eq!(
        as_("host=db require_auth=scram-sha-256,!md5", 16)
            .unwrap_err()
            .to_string(),
        "negative require_auth method \"!md5\" cannot be mixed with non-negative methods"
    );
    let r = as_("host=db require_auth=!password,!md5", 16).unwrap();
    let ra = r.require_auth.unwrap().value;
    assert!(ra.allows("scram-sha-256") && !ra.allows("md5"));
    assert_eq!(
        as_("host=db", 18).unwrap().sslcertmode.value,
        CertMode::Allow
    );
}

#[test]
fn pgpass_rules() {
    let text = "# comment\n\
                db.example:5432:kong:kong:first\\:part\\\\x:ignored\n\
                *:*:*:kong:wild\r\n\
                localhost:5432:*:postgres:local\n";
    let src = MemSource::new()
        .file_with_mode("/home/kong/.pgpass", text, 0o600)
        .file_with_mode("/home/kong/open.pgpass", text, 0o640)
        .dir("/home/kong/dir.pgpass");
    let look = |file: &str, host: &str, port: u16, db: &str, user: &str| {
        pgpass_lookup(&src, Path::new(file), host, port, db, user)
    };
    match look("/home/kong/.pgpass", "db.example", 5432, "kong", "kong") {
        PgpassOutcome::Found { password, location } => {
            assert_eq!(password.expose_str().unwrap(), "first:part\\x");
            assert_eq!(location.to_string(), "/home/kong/.pgpass:2");
        }
        o => panic!("{o:?}"),
    }
    match look("/home/kong/.pgpass", "other", 6000, "x", "kong") {
        PgpassOutcome::Found { password, .. } => assert_eq!(password.expose_str().unwrap(), "wild"),
        o => panic!("{o:?}"),
    }
    // The default socket directory and an empty host count as localhost.
    for host in ["/var/run/postgresql", ""] {
        match look("/home/kong/.pgpass", host, 5432, "app", "postgres") {
            PgpassOutcome::Found { password, .. } => {
                assert_eq!(password.expose_str().unwrap(), "local")
            }
            o => panic!("{o:?}"),
        }
    }
    assert!(matches!(
        look("/home/kong/.pgpass", "x", 5432, "app", "postgres"),
        PgpassOutcome::NoMatch
    ));
    assert!(matches!(
        look("/home/kong/none", "x", 5432, "a", "b"),
        PgpassOutcome::Unreadable
    ));
    match look("/home/kong/open.pgpass", "db.example", 5432, "kong", "kong") {
        PgpassOutcome::Ignored { warning } => assert_eq!(
            warning,
            "WARNING: password file \"/home/kong/open.pgpass\" has group or world access; permissions should be u=rw (0600) or less"
        ),
        o => panic!("{o:?}"),
    }
    match look("/home/kong/dir.pgpass", "db.example", 5432, "kong", "kong") {
        PgpassOutcome::Ignored { warning } => {
            assert_eq!(
                warning,
                "WARNING: password file \"/home/kong/dir.pgpass\" is not a plain file"
            )
        }
        o => panic!("{o:?}"),
    }
    assert!(!format!(
        "{:?}",
        look("/home/kong/.pgpass", "db.example", 5432, "kong", "kong")
    )
    .contains("first"));
}

#[test]
fn errors_are_values_not_panics() {
    let e: LibpqError = parse("sslmode").unwrap_err();
    assert_eq!(e, LibpqError::MissingEquals("sslmode".into()));
}
