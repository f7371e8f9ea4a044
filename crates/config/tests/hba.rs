//! pg_hba.conf: line parsing against what PostgreSQL 15.18 showed in
//! `pg_hba_file_rules` for the same lines, and `check_hba`'s first match.

use std::net::IpAddr;
use std::path::Path;

use pgtls_config::hba::{
    load, parse, AddressSpec, AuthMethod, Client, ClientCert, ClientName, ConnType, Connection,
    HbaFile, HbaOptions, Network, Replication,
};
use pgtls_config::{MemSource, Severity};

use crate::{messages, rendered};

const SSL_ON: HbaOptions = HbaOptions {
    ssl_enabled: Some(true),
    db_user_namespace: false,
    server_major: None,
};

fn one(line: &str) -> Result<pgtls_config::hba::HbaLine, String> {
    let f = parse(
        &format!("{line}\n"),
        Path::new("/d/pg_hba.conf"),
        None,
        SSL_ON,
    );
    match f.diagnostics.iter().find(|d| d.is_error()) {
        Some(d) => Err(d.message.clone()),
        None => Ok(f.lines.into_iter().next().expect("a line")),
    }
}

fn cidr(line: &str) -> (String, String) {
    match one(line).unwrap().address {
        Some(AddressSpec::Cidr { addr, mask }) => (addr.to_string(), mask.to_string()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn addresses_as_the_server_reads_them() {
    // Each expectation is what pg_hba_file_rules showed on PostgreSQL 15.18.
    assert_eq!(
        cidr("host all all 0x7f.0.0.1/32 trust"),
        ("127.0.0.1".into(), "255.255.255.255".into())
    );
    assert_eq!(
        cidr("host all all 1.2.3.4/+8 trust"),
        ("1.2.3.4".into(), "255.0.0.0".into())
    );
    assert_eq!(
        cidr("host all all 10.0.0.1 255.255.0.0 trust"),
        ("10.0.0.1".into(), "255.255.0.0".into())
    );
    assert_eq!(
        cidr("host all all fe80::1%lo/64 trust"),
        ("fe80::1".into(), "ffff:ffff:ffff:ffff::".into())
    );
    assert_eq!(
        cidr("host all all 127.0.0.1 255.0.255.0 trust"),
        ("127.0.0.1".into(), "255.0.255.0".into())
    );
    assert_eq!(
        cidr("host all all 01.02.03.04/8 trust"),
        ("1.2.3.4".into(), "255.0.0.0".into())
    );
    assert_eq!(
        cidr("host all all 4294967295 255.0.0.0 trust"),
        ("255.255.255.255".into(), "255.0.0.0".into())
    );
    assert_eq!(
        cidr("host all all 1.2.3.4 0xffffff00 trust"),
        ("1.2.3.4".into(), "255.255.255.0".into())
    );
    assert_eq!(
        cidr("host all all \"1.2.3.4/ 8\" trust"),
        ("1.2.3.4".into(), "255.0.0.0".into())
    );
    assert_eq!(
        cidr("host all all ::ffff:1.2.3.4/128 trust").0,
        "::ffff:1.2.3.4"
    );
    assert_eq!(
        one("host all all 1.2.3.256 trust").unwrap().address,
        Some(AddressSpec::Hostname("1.2.3.256".into()))
    );
    assert_eq!(
        one("host all all [::1] trust").unwrap().address,
        Some(AddressSpec::Hostname("[::1]".into()))
    );
    assert_eq!(
        one("host all all .example.com trust").unwrap().address,
        Some(AddressSpec::Hostname(".example.com".into()))
    );
    assert_eq!(
        one("host all all samehost trust").unwrap().address,
        Some(AddressSpec::SameHost)
    );
    assert_eq!(
        one("host all all \"all\" trust").unwrap().address,
        Some(AddressSpec::Hostname("all".into()))
    );
}

#[test]
fn malformed_lines_with_the_servers_messages() {
    let cases = [
        ("host all all 127.1 trust", "invalid IP mask \"trust\": Name or service not known"),
        ("host all all 1.2.3.4/33 trust", "invalid CIDR mask in address \"1.2.3.4/33\""),
        ("host all all 1.2.3.4/ trust", "invalid CIDR mask in address \"1.2.3.4/\""),
        ("host all all 1.2.3.4/0x8 trust", "invalid CIDR mask in address \"1.2.3.4/0x8\""),
        ("host all all ::1/129 trust", "invalid CIDR mask in address \"::1/129\""),
        ("host all all foo.example/24 trust", "specifying both host name and CIDR mask is invalid: \"foo.example/24\""),
        ("host all all 10.0.0.1 ::ffff trust", "IP address and mask do not match"),
        ("host all all ::1 255.255.255.255 trust", "IP address and mask do not match"),
        ("host all all 1.2.3.4 255.255.255.0x trust", "invalid IP mask \"255.255.255.0x\": Name or service not known"),
        ("host all all 0x 255.0.0.0 trust", "invalid authentication method \"255.0.0.0\""),
        ("host all all 1.2.3.4 trust extra=1", "invalid IP mask \"trust\": Name or service not known"),
        ("hostssl all all all cert clientcert=verify-ca", "clientcert only accepts \"verify-full\" when using \"cert\" authentication"),
        ("hostssl all all all cert clientcert=1", "invalid value for clientcert: \"1\""),
        ("host all all all trust clientcert=verify-full", "clientcert can only be configured for \"hostssl\" rows"),
        ("local all all trust clientname=CN", "clientname can only be configured for \"hostssl\" rows"),
        ("hostssl all all all cert clientname=cn", "invalid value for clientname: \"cn\""),
        ("host all all all peer", "peer authentication is only supported on local sockets"),
        ("host all all all cert", "cert authentication is only supported on hostssl connections"),
        ("local all all gss", "gssapi authentication is not supported on local sockets"),
        ("hostssl all all all md5 map=x", "authentication option \"map\" is only valid for authentication methods ident, peer, gssapi, sspi, and cert"),
        ("host all all all md5 \"map=x\"", "authentication option \"map\" is only valid for authentication methods ident, peer, gssapi, sspi, and cert"),
        ("host all all all trust map=", "authentication option \"map\" is only valid for authentication methods ident, peer, gssapi, sspi, and cert"),
        ("host all all all trust =x", "unrecognized authentication option name: \"\""),
        // 16 and later: an include record; without a source nothing opens.
        ("include foo", "could not open file \"/d/foo\": No such file or directory"),
        ("include foo bar", "invalid connection type \"include\""),
        ("hostx all all all trust", "invalid connection type \"hostx\""),
        ("host,local all all all trust", "multiple values specified for connection type"),
        ("local all all all", "invalid authentication method \"all\""),
        ("host all", "end-of-line before role specification"),
        ("host", "end-of-line before database specification"),
        ("host all all", "end-of-line before IP address specification"),
        ("host all all all", "end-of-line before authentication method"),
        ("host all all 10.0.0.1", "end-of-line before netmask specification"),
        ("host all all 1.2.3.4,5.6.7.8 trust", "multiple values specified for host address"),
        ("host all all all md5,trust", "multiple values specified for authentication type"),
        ("host all all all bsd", "invalid authentication method \"bsd\": not supported by this build"),
        ("host all all all sspi", "invalid authentication method \"sspi\": not supported by this build"),
        ("host all all all trust foo=bar", "unrecognized authentication option name: \"foo\""),
        ("host all all all trust nonsense", "authentication option not in name=value format: nonsense"),
        ("host all all all ldap", "authentication method \"ldap\" requires argument \"ldapbasedn\", \"ldapprefix\", or \"ldapsuffix\" to be set"),
        ("host all all all ldap ldapserver=x ldapprefix=cn= ldapbasedn=dc=x", "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter, or ldapurl together with ldapprefix"),
        ("host all all all ldap ldapurl=ldap://h/dc=x ldapprefix=a", "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter, or ldapurl together with ldapprefix"),
        ("host all all all ldap ldapport=abc ldapbasedn=x", "invalid LDAP port number: \"abc\""),
        ("host all all all radius radiusservers=127.0.0.1", "authentication method \"radius\" requires argument \"radiussecrets\" to be set"),
        ("host all all all radius radiusservers=127.0.0.1,127.0.0.2 radiussecrets=x", "authentication option not in name=value format: 127.0.0.2"),
        ("host all all all radius radiusservers=\"127.0.0.1,127.0.0.2\" radiussecrets=\"x,y,z\"", "the number of RADIUS secrets (3) must be 1 or the same as the number of RADIUS servers (2)"),
        ("host all all all scram-sha-256 ldapserver=x", "authentication option \"ldapserver\" is only valid for authentication methods ldap"),
    ];
    for (line, want) in cases {
        assert_eq!(one(line).err().as_deref(), Some(want), "{line}");
    }
}

#[test]
fn valid_lines_and_what_they_demand() {
    let l = one("local all all ident").unwrap();
    assert_eq!(
        (l.conn_type, l.method),
        (ConnType::Local, AuthMethod::Peer),
        "ident on local becomes peer"
    );

    let l = one("hostssl all all all scram-sha-256 clientname=DN clientcert=verify-full").unwrap();
    assert_eq!(l.client_cert, ClientCert::VerifyFull);
    assert_eq!(l.client_name, ClientName::Dn);
    assert!(l.requires_client_cert() && l.checks_cert_name());

    let l = one("hostssl kong kong 10.0.0.0/8 cert map=certmap").unwrap();
    assert_eq!(
        l.client_cert,
        ClientCert::VerifyFull,
        "cert implies verify-full"
    );
    assert_eq!(l.map.as_deref(), Some("certmap"));
    assert_eq!(l.client_name, ClientName::Cn);

    let l = one("hostssl all all all md5 clientcert=verify-ca").unwrap();
    assert_eq!(l.client_cert, ClientCert::VerifyCa);
    assert!(l.requires_client_cert() && !l.checks_cert_name());

    let l = one("host all all all ident map=x,map=y").unwrap();
    assert_eq!(l.map.as_deref(), Some("y"), "the last map= wins");

    let l = one("host a\"b c\"d \"x\"\"y\" samenet md5 # comment").unwrap();
    assert_eq!(l.databases[0].text, "ab cd");
    assert!(
        !l.databases[0].quoted,
        "the quote is not before the first character"
    );
    assert_eq!(l.users[0].text, "x\"y");
    assert!(l.users[0].quoted);

    let l = one("local \"\" \"\" trust").unwrap();
    assert_eq!(l.databases[0].text, "");

    for ok in [
        "host all all all gss",
        "hostgssenc all all all trust",
        "hostnossl all all all trust",
        "hostnogssenc all all all trust",
        "host all all all pam",
        "host all all all radius radiusservers=127.0.0.1 radiussecrets=a",
        "host replication all 10.0.0.0/8 scram-sha-256",
    ] {
        assert!(one(ok).is_ok(), "{ok}");
    }
}

#[test]
fn secrets_are_redacted() {
    let l =
        one("host all all all ldap ldapbasedn=dc=x ldapbinddn=cn=a ldapbindpasswd=s3cret").unwrap();
    assert!(!format!("{l:?}").contains("s3cret"));
    assert!(l.raw.contains("ldapbindpasswd=***"), "{}", l.raw);
    assert!(l
        .options
        .contains(&("ldapbindpasswd".to_string(), "***".to_string())));
}

#[test]
fn ssl_off_makes_hostssl_lines_warn() {
    let opts = HbaOptions {
        ssl_enabled: Some(false),
        db_user_namespace: false,
        server_major: None,
    };
    let f = parse(
        "hostssl all all all md5\nhost all all all md5\n",
        Path::new("/d/pg_hba.conf"),
        None,
        opts,
    );
    assert_eq!(f.lines.len(), 2, "the line is kept, as the server keeps it");
    assert_eq!(
        rendered(&f.diagnostics),
        ["/d/pg_hba.conf:1: warning: hostssl record cannot match because SSL is disabled"]
    );
    assert_eq!(
        f.diagnostics[0].hint.as_deref(),
        Some("Set ssl = on in postgresql.conf.")
    );
}

#[test]
fn continuation_lines_and_line_numbers() {
    let text = "# comment\n\nhost all all \\\n  all trust\nlocal all all peer\n";
    let f = parse(text, Path::new("/d/pg_hba.conf"), None, SSL_ON);
    assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
    assert_eq!(f.lines.len(), 2);
    assert_eq!(f.lines[0].location.line, 3);
    assert_eq!(f.lines[0].raw, "host all all   all trust");
    assert_eq!(f.lines[1].location.line, 5);
}

#[test]
fn errors_do_not_stop_the_file() {
    let text = "host all all all bogus\nhostssl all all all scram-sha-256\nlocal\n";
    let f = parse(text, Path::new("/d/pg_hba.conf"), None, SSL_ON);
    assert_eq!(
        rendered(&f.diagnostics),
        [
            "/d/pg_hba.conf:1: error: invalid authentication method \"bogus\"",
            "/d/pg_hba.conf:3: error: end-of-line before database specification",
        ]
    );
    assert_eq!(f.lines.len(), 1);
    assert_eq!(f.lines[0].location.line, 2);
}

#[test]
fn empty_file_has_no_entries() {
    let f = parse("# nothing\n", Path::new("/d/pg_hba.conf"), None, SSL_ON);
    assert_eq!(
        messages(&f.diagnostics),
        ["configuration file \"/d/pg_hba.conf\" contains no entries"]
    );
}

#[test]
fn at_file_lists() {
    let src = MemSource::new()
        .file("/d/pg_hba.conf", "hostssl all @users.txt all md5\nhostssl all \"@users.txt\" all md5\nhostssl all @missing.txt all md5\nhostssl all @ all md5\n")
        .file("/d/users.txt", "kong, \"admin\"\n# c\nbob\n");
    let f = load(&src, Path::new("/d/pg_hba.conf"), SSL_ON).unwrap();
    let users: Vec<Vec<(String, bool)>> = f
        .lines
        .iter()
        .map(|l| l.users.iter().map(|t| (t.text.clone(), t.quoted)).collect())
        .collect();
    assert_eq!(
        users,
        [
            vec![
                ("kong".to_string(), false),
                ("admin".to_string(), true),
                ("bob".to_string(), false)
            ],
            vec![("@users.txt".to_string(), true)],
            vec![("@".to_string(), false)],
        ]
    );
    assert_eq!(
        rendered(&f.diagnostics),
        ["/d/pg_hba.conf:3: error: could not open secondary authentication file \"@missing.txt\" as \"/d/missing.txt\": No such file or directory"]
    );
}

#[test]
fn self_including_list_stops() {
    let src = MemSource::new()
        .file("/d/pg_hba.conf", "host all @loop.txt all md5\n")
        .file("/d/loop.txt", "@loop.txt @loop.txt\n");
    let f = load(&src, Path::new("/d/pg_hba.conf"), SSL_ON).unwrap();
    assert!(
        f.diagnostics[0]
            .message
            .contains("too many levels of inclusion"),
        "{:?}",
        f.diagnostics
    );
}

#[test]
fn pg16_regex_is_literal_with_a_note() {
    let f = parse(
        "host /^db.*$ /^k.*$ all md5\n",
        Path::new("/d/pg_hba.conf"),
        None,
        HbaOptions {
            server_major: Some(15),
            ..SSL_ON
        },
    );
    assert_eq!(f.lines.len(), 1);
    assert!(f.diagnostics.iter().all(|d| d.severity == Severity::Note));
    assert_eq!(f.diagnostics.len(), 2);
    let conn = Connection::tcp("10.0.0.1".parse().unwrap(), "kong", "dbx", true);
    assert!(
        f.check(&conn).line.is_none(),
        "PostgreSQL 15 compares the text literally"
    );
    let conn = Connection::tcp("10.0.0.1".parse().unwrap(), "/^k.*$", "/^db.*$", true);
    assert!(f.check(&conn).line.is_some());
}

fn kong_hba() -> HbaFile {
    parse(
        "local   all       postgres                 peer\n\
         hostnossl kong    kong     0.0.0.0/0       reject\n\
         hostssl kong      +dbusers 10.0.0.0/8      cert map=certmap\n\
         hostssl kong      kong     10.0.0.0/8      scram-sha-256 clientcert=verify-ca\n\
         host    sameuser  all      192.168.1.0 255.255.255.0 md5\n\
         host    samerole  all      ::1/128         trust\n\
         host    replication repl   10.0.0.0/8      scram-sha-256\n\
         host    all       all      .example.com    md5\n\
         host    all       all      samenet         md5\n",
        Path::new("/d/pg_hba.conf"),
        None,
        SSL_ON,
    )
}

fn line_of(f: &HbaFile, conn: &Connection) -> Option<usize> {
    f.check(conn).line.map(|l| l.location.line)
}

#[test]
fn first_match_like_check_hba() {
    let f = kong_hba();
    assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
    let ip = |s: &str| -> IpAddr { s.parse().unwrap() };

    // Plaintext Kong hits the reject line.
    assert_eq!(
        line_of(&f, &Connection::tcp(ip("10.1.2.3"), "kong", "kong", false)),
        Some(2)
    );
    // TLS Kong: the +dbusers line needs membership; kong itself is not in it.
    assert_eq!(
        line_of(&f, &Connection::tcp(ip("10.1.2.3"), "kong", "kong", true)),
        Some(4)
    );
    let mut member = Connection::tcp(ip("10.1.2.3"), "kong", "kong", true);
    member.user_roles = vec!["dbusers".into()];
    let m = f.check(&member);
    let l = m.line.unwrap();
    assert_eq!(l.location.line, 3);
    assert_eq!(
        (l.method, l.client_cert, l.map.as_deref()),
        (AuthMethod::Cert, ClientCert::VerifyFull, Some("certmap"))
    );

    // sameuser / samerole.
    assert_eq!(
        line_of(
            &f,
            &Connection::tcp(ip("192.168.1.7"), "alice", "alice", false)
        ),
        Some(5)
    );
    assert_eq!(
        line_of(
            &f,
            &Connection::tcp(ip("192.168.2.7"), "alice", "alice", false)
        ),
        None
    );
    let mut c = Connection::tcp(ip("::1"), "alice", "staff", false);
    assert_eq!(line_of(&f, &c), None);
    c.user_roles = vec!["staff".into()];
    assert_eq!(line_of(&f, &c), Some(6));

    // Local socket.
    let mut local = Connection::tcp(ip("127.0.0.1"), "postgres", "postgres", false);
    local.client = Client::Local;
    assert_eq!(line_of(&f, &local), Some(1));
}

#[test]
fn replication_connections() {
    let f = kong_hba();
    let mut c = Connection::tcp("10.9.9.9".parse().unwrap(), "repl", "replication", false);
    c.replication = Replication::Physical;
    assert_eq!(line_of(&f, &c), Some(7));
    // An ordinary connection to a database named "replication" does not
    // match the keyword.
    c.replication = Replication::None;
    assert_eq!(line_of(&f, &c), None);
}

#[test]
fn host_names_and_samenet_need_facts() {
    let f = kong_hba();
    let mut c = Connection::tcp("172.16.0.5".parse().unwrap(), "bob", "app", false);
    let m = f.check(&c);
    assert!(m.line.is_none());
    assert_eq!(m.unevaluated.len(), 2, "{:?}", m.unevaluated);
    assert_eq!(m.unevaluated[0].location.as_ref().unwrap().line, 8);

    c.client_hostname = Some("app1.EXAMPLE.com".into());
    assert_eq!(line_of(&f, &c), Some(8));
    c.client_hostname = Some("example.com".into());
    c.server_networks = Some(vec![Network {
        addr: "172.16.0.1".parse().unwrap(),
        mask: "255.255.0.0".parse().unwrap(),
    }]);
    let m = f.check(&c);
    assert_eq!(m.line.map(|l| l.location.line), Some(9));
    assert!(m.unevaluated.is_empty());
}

#[test]
fn quoted_keywords_are_names() {
    let f = parse(
        "host \"all\" \"all\" all md5\n",
        Path::new("/d/pg_hba.conf"),
        None,
        SSL_ON,
    );
    let c = Connection::tcp("10.0.0.1".parse().unwrap(), "kong", "kong", false);
    assert!(f.check(&c).line.is_none());
    let c = Connection::tcp("10.0.0.1".parse().unwrap(), "all", "all", false);
    assert!(f.check(&c).line.is_some());
}

#[test]
fn gss_encryption_lines() {
    let f = parse(
        "hostgssenc all all all trust\nhostnogssenc all all all reject\n",
        Path::new("/d/h"),
        None,
        SSL_ON,
    );
    let mut c = Connection::tcp("10.0.0.1".parse().unwrap(), "u", "d", false);
    assert_eq!(line_of(&f, &c), Some(2));
    c.gss_enc = true;
    assert_eq!(line_of(&f, &c), Some(1));
}

/// `clientcert=1`, `0` and `no-verify` are PostgreSQL 12 and 13 spellings,
/// refused from 14 on.
#[test]
fn old_clientcert_values_are_judged_by_the_servers_version() {
    let with = |major: Option<u32>, line: &str| {
        let opts = HbaOptions {
            server_major: major,
            ..SSL_ON
        };
        parse(
            &format!("{line}\n"),
            Path::new("/d/pg_hba.conf"),
            None,
            opts,
        )
    };
    for major in [Some(12), Some(13)] {
        let f = with(major, "hostssl all all all md5 clientcert=1");
        assert!(f.diagnostics.is_empty(), "{major:?}: {:?}", f.diagnostics);
        assert_eq!(f.lines[0].client_cert, ClientCert::VerifyCa);
        let f = with(major, "hostssl all all all md5 clientcert=no-verify");
        assert_eq!(f.lines[0].client_cert, ClientCert::None);
    }
    for major in [Some(14), Some(15), None] {
        let f = with(major, "hostssl all all all md5 clientcert=1");
        assert!(f.lines.is_empty(), "{major:?}: refused");
        assert!(messages(&f.diagnostics)
            .iter()
            .any(|m| m.contains("invalid value for clientcert: \"1\"")));
    }
}
