//! Unit tests of the check rules on in-memory file trees: every owner,
//! mode and content is a fixture, so the rules' decisions are pinned without
//! a server (the integration tests hold the same rules against real ones).

use std::path::PathBuf;
use std::sync::OnceLock;

use pgtls_config::MemSource;
use pgtls_lab::{generate_ca, issue_cert, CertSpec, CertifiedKey, Validity};

use super::*;
use crate::edit::{Applicability, EditKind};

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL:/var/lib/postgresql:/bin/bash\nkong:x:1000:1000::/home/kong:/bin/sh\n";
const GROUP: &str = "root:x:0:\nssl-cert:x:103:postgres\npostgres:x:104:\nkong:x:1000:\n";
const D: &str = "/pg/data";
const NOW: i64 = 1_800_000_000;

struct Certs {
    root: CertifiedKey,
    other: CertifiedKey,
    inter: CertifiedKey,
    server: CertifiedKey,
    server2: CertifiedKey,
    via_inter: CertifiedKey,
    kong: CertifiedKey,
    foo: CertifiedKey,
}

fn certs() -> &'static Certs {
    static C: OnceLock<Certs> = OnceLock::new();
    C.get_or_init(|| {
        let root = generate_ca("unit root CA", None, None).unwrap();
        let other = generate_ca("unit other CA", None, None).unwrap();
        let inter = generate_ca("unit intermediate CA", Some(&root), Some(0)).unwrap();
        Certs {
            server: issue_cert(&CertSpec::localhost_server(), Some(&root)).unwrap(),
            server2: issue_cert(&CertSpec::localhost_server(), Some(&root)).unwrap(),
            via_inter: issue_cert(&CertSpec::localhost_server(), Some(&inter)).unwrap(),
            kong: issue_cert(&CertSpec::client("kong"), Some(&root)).unwrap(),
            foo: issue_cert(&CertSpec::client("foo@example.com"), Some(&root)).unwrap(),
            root,
            other,
            inter,
        }
    })
}

fn cert(ck: &CertifiedKey) -> String {
    String::from_utf8(ck.cert_pem().unwrap()).unwrap()
}

fn key(ck: &CertifiedKey) -> String {
    String::from_utf8(ck.key_pem().unwrap()).unwrap()
}

/// A data directory owned by postgres with a valid TLS set-up; `conf` is
/// appended to postgresql.conf.
fn base(conf: &str, hba: &str) -> MemSource {
    let c = certs();
    MemSource::new()
        .file("/etc/passwd", PASSWD)
        .file("/etc/group", GROUP)
        .dir_owned("/pg", 0o755, 101, 104)
        .dir_owned(D, 0o700, 101, 104)
        .file_owned(
            format!("{D}/postgresql.conf"),
            format!("ssl = on\n{conf}"),
            0o600,
            101,
            104,
        )
        .file_owned(format!("{D}/pg_hba.conf"), hba, 0o600, 101, 104)
        .file_owned(format!("{D}/pg_ident.conf"), "", 0o600, 101, 104)
        .file_owned(format!("{D}/server.crt"), cert(&c.server), 0o644, 101, 104)
        .file_owned(format!("{D}/server.key"), key(&c.server), 0o600, 101, 104)
        .file_owned(format!("{D}/root.crt"), cert(&c.root), 0o644, 101, 104)
}

fn input() -> CheckInput {
    CheckInput {
        pgdata: Some(PathBuf::from(D)),
        now: NOW,
        warn_days: DEFAULT_WARN_DAYS,
        ..CheckInput::default()
    }
}

fn run(src: &MemSource, input: &CheckInput) -> CheckReport {
    check(src, input).unwrap_or_else(|e| panic!("check: {e}"))
}

fn codes(r: &CheckReport) -> Vec<Code> {
    r.findings.iter().map(|f| f.finding.id()).collect()
}

fn get(r: &CheckReport, code: Code) -> &Finding {
    &r.findings
        .iter()
        .find(|f| f.finding.id() == code)
        .unwrap_or_else(|| panic!("no {code} in {:?} / {:?}", codes(r), r.problems))
        .finding
}

const HBA: &str = "local all all peer\nhostssl all all 0.0.0.0/0 scram-sha-256\n";

#[test]
fn a_healthy_setup_starts_and_finds_nothing() {
    let r = run(&base("", HBA), &input());
    assert!(r.start.starts, "{:?}", r.start);
    assert!(r.findings.is_empty(), "{:?}", codes(&r));
    assert!(!r.has_errors(), "{:?}", r.problems);
    assert_eq!(r.server.server_user.as_deref(), Some("postgres"));
}

/// PostgreSQL 15's `check_ssl_key_file_permissions`, then the read.
#[test]
fn key_rule_matrix() {
    let c = certs();
    let cases: &[(u32, u32, u32, Option<Code>)] = &[
        (0o600, 101, 104, None),
        (0o400, 101, 104, None),
        (0o640, 101, 104, Some(Code::ServerKeyPermissions)),
        (0o604, 101, 104, Some(Code::ServerKeyPermissions)),
        (0o640, 0, 104, None),
        (0o640, 0, 103, None), // ssl-cert: a supplementary group of postgres
        (0o640, 0, 0, Some(Code::ServerKeyMissing)),
        (0o600, 0, 0, Some(Code::ServerKeyMissing)),
        (0o644, 0, 104, Some(Code::ServerKeyPermissions)),
        (0o650, 0, 104, Some(Code::ServerKeyPermissions)),
        (0o660, 0, 104, Some(Code::ServerKeyPermissions)),
        (0o600, 1000, 1000, Some(Code::ServerKeyPermissions)),
    ];
    for &(mode, uid, gid, want) in cases {
        let src =
            base("", HBA).file_owned(format!("{D}/server.key"), key(&c.server), mode, uid, gid);
        let r = run(&src, &input());
        assert_eq!(
            r.start.code, want,
            "key {uid}:{gid} {mode:04o}: {:?}",
            r.start
        );
        if let Some(code) = want {
            let f = get(&r, code);
            assert!(!f.fix.is_empty());
            assert!(
                f.fix.iter().all(|m| !m.ja.is_empty()),
                "every fix in Japanese too"
            );
        }
    }
    // The exact commands.
    let src = base("", HBA).file_owned(format!("{D}/server.key"), key(&c.server), 0o640, 101, 104);
    let r = run(&src, &input());
    assert!(get(&r, Code::ServerKeyPermissions).fix[0]
        .en
        .contains("`chmod 0600 /pg/data/server.key`"));
    assert_eq!(
        r.start.fatal.as_deref(),
        Some("private key file \"server.key\" has group or world access")
    );
    let src = base("", HBA).file_owned(format!("{D}/server.key"), key(&c.server), 0o644, 0, 0);
    let r = run(&src, &input());
    assert!(
        get(&r, Code::ServerKeyPermissions).fix[0].en.contains(
            "`chown root:postgres /pg/data/server.key && chmod 0640 /pg/data/server.key`"
        ),
        "{:?}",
        get(&r, Code::ServerKeyPermissions).fix
    );
    let src =
        base("", HBA).file_owned(format!("{D}/server.key"), key(&c.server), 0o600, 1000, 1000);
    let r = run(&src, &input());
    assert_eq!(
        r.start.fatal.as_deref(),
        Some("private key file \"server.key\" must be owned by the database user or root")
    );
    assert!(get(&r, Code::ServerKeyPermissions).fix[0].en.contains(
        "`chown postgres:postgres /pg/data/server.key && chmod 0600 /pg/data/server.key`"
    ));
}

#[test]
fn directories_on_the_way_must_be_searchable() {
    let c = certs();
    let src = base("ssl_key_file = '/root/keys/server.key'\n", HBA)
        .dir_owned("/root", 0o700, 0, 0)
        .file_owned("/root/keys/server.key", key(&c.server), 0o600, 101, 104);
    let r = run(&src, &input());
    assert_eq!(r.start.code, Some(Code::ServerKeyMissing));
    assert_eq!(
        r.start.fatal.as_deref(),
        Some("could not access private key file \"/root/keys/server.key\": Permission denied")
    );
    assert_eq!(
        r.start.location.as_deref(),
        Some("/pg/data/postgresql.conf:2")
    );
    assert!(get(&r, Code::ServerKeyMissing).fix[0]
        .en
        .contains("chmod o+x /root"));
}

#[test]
fn missing_files_use_the_servers_words_and_defaults() {
    let src = MemSource::new()
        .file("/etc/passwd", PASSWD)
        .file("/etc/group", GROUP)
        .dir_owned(D, 0o700, 101, 104)
        .file_owned(
            format!("{D}/postgresql.conf"),
            "ssl = on\n",
            0o600,
            101,
            104,
        )
        .file_owned(format!("{D}/pg_hba.conf"), HBA, 0o600, 101, 104);
    let r = run(&src, &input());
    assert_eq!(r.start.code, Some(Code::ServerCertMissing));
    assert_eq!(
        r.start.fatal.as_deref(),
        Some("could not load server certificate file \"server.crt\": No such file or directory")
    );
    // The certificate stops the server first; the key would be next.
    assert_eq!(
        codes(&r),
        vec![Code::ServerCertMissing, Code::ServerKeyMissing]
    );
    let f = get(&r, Code::ServerCertMissing);
    assert_eq!(
        f.evidence[0].location.as_deref(),
        Some("/pg/data/server.crt")
    );
    assert!(f.evidence[0].text.contains("not set"));
}

#[test]
fn includes_and_auto_conf_decide_which_file_counts() {
    let c = certs();
    let src = base("include_dir 'conf.d'\n", HBA)
        .file_owned(
            format!("{D}/conf.d/10-tls.conf"),
            "ssl_key_file = 'wrong.key'\n",
            0o600,
            101,
            104,
        )
        .file_owned(
            format!("{D}/conf.d/20-tls.conf"),
            "ssl_key_file = 'other.key'\n",
            0o600,
            101,
            104,
        )
        .file_owned(format!("{D}/other.key"), key(&c.server2), 0o600, 101, 104)
        .file_owned(
            format!("{D}/postgresql.auto.conf"),
            "ssl_min_protocol_version = 'TLSv1.3'\nssl_max_protocol_version = 'TLSv1.2'\n",
            0o600,
            101,
            104,
        );
    let r = run(&src, &input());
    // The later include wins: other.key, which is not server.crt's key.
    assert_eq!(r.start.code, Some(Code::KeyCertMismatch));
    assert_eq!(
        r.start.location.as_deref(),
        Some("/pg/data/conf.d/20-tls.conf:1")
    );
    let f = get(&r, Code::KeyCertMismatch);
    assert_ne!(
        f.facts["cert_public_key_sha256"],
        f.facts["key_public_key_sha256"]
    );
    // postgresql.auto.conf is read last; its range is empty.
    let f = get(&r, Code::ProtocolVersionMismatch);
    assert_eq!(
        f.evidence[1].location.as_deref(),
        Some("/pg/data/postgresql.auto.conf:2")
    );
}

#[test]
fn config_errors_stop_the_server_without_a_code() {
    let r = run(&base("ssl_cert_fle = 'x'\n", HBA), &input());
    assert!(!r.start.starts);
    assert_eq!(r.start.code, None);
    assert_eq!(
        r.start.fatal.as_deref(),
        Some("configuration file \"/pg/data/postgresql.conf\" contains errors")
    );
    assert!(r.has_errors());
    let r = run(&base("", "hostssl all all 1.2.3.4/40 md5\n"), &input());
    assert_eq!(r.start.fatal.as_deref(), Some("could not load pg_hba.conf"));
    assert!(r.problems.iter().any(
        |d| d.message == "invalid CIDR mask in address \"1.2.3.4/40\""
            && d.location.as_ref().is_some_and(|l| l.line == 1)
    ));
}

#[test]
fn ssl_off_with_hostssl_lines_and_client_certs_without_a_ca() {
    let src = base("ssl = off\n", "hostssl all all 10.0.0.0/8 md5\nhost all all 0.0.0.0/0 md5\nhostssl kong kong 10.0.0.0/8 cert\n");
    let r = run(&src, &input());
    assert!(r.start.starts);
    let f = get(&r, Code::ServerSslDisabled);
    assert_eq!(
        f.evidence[0].location.as_deref(),
        Some("/pg/data/postgresql.conf:2")
    );
    let lines: Vec<_> = f.evidence[1..]
        .iter()
        .map(|e| e.location.clone().unwrap())
        .collect();
    assert_eq!(
        lines,
        vec!["/pg/data/pg_hba.conf:1", "/pg/data/pg_hba.conf:3"]
    );

    let src = base(
        "",
        "hostssl all all 10.0.0.0/8 md5 clientcert=verify-ca\nhostssl kong kong 10.0.0.0/8 cert\n",
    );
    let r = run(&src, &input());
    assert!(
        r.start.starts,
        "PostgreSQL 15 starts and refuses each such connection"
    );
    let found: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.finding.code() == Code::RootStoreMissingForCertAuth)
        .map(|f| (f.stage, f.finding.evidence[0].location.clone().unwrap()))
        .collect();
    assert_eq!(
        found,
        vec![
            (Stage::Connection, "/pg/data/pg_hba.conf:1".to_string()),
            (Stage::Connection, "/pg/data/pg_hba.conf:2".to_string())
        ]
    );
}

#[test]
fn expiry_and_the_warning_window() {
    let c = certs();
    let expired = issue_cert(
        &CertSpec::localhost_server().validity(Validity::EXPIRED),
        Some(&c.root),
    )
    .unwrap();
    let src = base("", HBA)
        .file_owned(format!("{D}/server.crt"), cert(&expired), 0o644, 101, 104)
        .file_owned(format!("{D}/server.key"), key(&expired), 0o600, 101, 104);
    let mut i = input();
    i.now = crate::certinfo::now_epoch();
    let r = run(&src, &i);
    assert!(
        r.start.starts,
        "an expired certificate does not stop the server"
    );
    assert!(codes(&r).contains(&Code::ServerCertExpired));
    // The same valid certificate, seen from a date near its end.
    let info = crate::certinfo::describe(&c.server.cert, 0);
    i.now = info.not_after_epoch.expect("a readable notAfter") - 5 * 86_400;
    let r = run(&base("", HBA), &i);
    assert!(
        codes(&r).contains(&Code::CertExpiringSoon),
        "{:?}",
        codes(&r)
    );
    assert!(!r.has_errors());
}

#[test]
fn match_prints_the_line_and_maps_names_like_the_server() {
    let hba = "local all all peer\n\
               hostssl kong +dbusers 10.0.0.0/8 cert map=m\n\
               hostssl kong all 10.0.0.0 255.0.0.0 cert clientname=DN map=dn\n\
               hostssl \"all\" all samenet md5\n";
    let ident = "m /^(.*)@example\\.com$ \\1\ndn \"CN=kong,O=Example\" kong\n";
    let src = base("ssl_ca_file = 'root.crt'\n", hba).file_owned(
        format!("{D}/pg_ident.conf"),
        ident,
        0o600,
        101,
        104,
    );
    let mut i = input();
    i.matches = vec![
        parse_match("host=10.1.2.3,user=foo,database=kong,cn=foo@example.com,roles=dbusers")
            .unwrap(),
        parse_match("host=10.1.2.3,user=bar,database=kong,dn=\"CN=bar@example.com\"").unwrap(),
        parse_match("host=10.1.2.3,user=kong,database=kong,dn=\"CN=kong,O=Example\"").unwrap(),
        parse_match("host=10.1.2.3,user=kong,database=kong").unwrap(),
        parse_match("host=10.1.2.3,user=kong,database=all").unwrap(),
    ];
    let r = run(&src, &i);
    let m = &r.matches;
    assert_eq!(
        m[0].line.as_ref().unwrap().location,
        "/pg/data/pg_hba.conf:2"
    );
    assert_eq!(m[0].code, None);
    assert_eq!(
        m[0].mapping.as_ref().unwrap().1.as_deref(),
        Some("/pg/data/pg_ident.conf:1")
    );
    // Without the role, line 2 does not apply; line 3 compares the DN.
    assert_eq!(
        m[1].line.as_ref().unwrap().location,
        "/pg/data/pg_hba.conf:3"
    );
    assert_eq!(m[1].code, Some(Code::CertUserMismatch));
    assert_eq!(m[2].code, None, "{:?}", m[2]);
    assert_eq!(m[2].mapping.as_ref().unwrap().0, "CN=kong,O=Example");
    assert_eq!(m[3].code, Some(Code::ClientCertRequired));
    assert!(m[3]
        .line
        .as_ref()
        .unwrap()
        .demands
        .iter()
        .any(|d| d.en.contains("clientname") || d.en.contains("DN")));
    // "all" quoted is a database name; samenet needs the server's
    // interfaces, which are unknown: reported, treated as not matching.
    assert_eq!(m[4].code, Some(Code::NoHbaEntry));
    assert!(
        m[4].unevaluated
            .iter()
            .any(|u| u.en.contains("pg_hba.conf:4")),
        "{:?}",
        m[4]
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.finding.code() == Code::CertUserMismatch)
        .unwrap();
    assert!(
        f.finding.fix[0].en.contains("dn CN=bar@example.com bar"),
        "{:?}",
        f.finding.fix
    );
}

fn kong() -> ClientInput {
    ClientInput::Kong {
        conf: Some(PathBuf::from("/etc/kong/kong.conf")),
        env: Vec::new(),
        edition: None,
        version: None,
    }
}

fn with_kong(src: MemSource, conf: &str) -> MemSource {
    src.file("/etc/kong/kong.conf", conf)
}

fn connection<'a>(r: &'a CheckReport, path: &str) -> &'a ConnectionPrediction {
    r.connections
        .iter()
        .find(|c| c.client.contains(path))
        .unwrap_or_else(|| panic!("no {path} in {:?}", r.connections))
}

#[test]
fn kong_trust_store_depth_and_versions() {
    let c = certs();
    let hba = "hostssl kong kong 127.0.0.1/32 scram-sha-256\n";
    let chain = format!("{}{}", cert(&c.via_inter), cert(&c.inter));
    let server = || {
        base("", hba)
            .file_owned(format!("{D}/server.crt"), chain.clone(), 0o644, 101, 104)
            .file_owned(
                format!("{D}/server.key"),
                key(&c.via_inter),
                0o600,
                101,
                104,
            )
            .file("/etc/kong/root.crt", cert(&c.root))
            .file("/etc/kong/other.crt", cert(&c.other))
    };
    let mut i = input();
    i.clients = vec![kong()];

    // Trusts the root; leaf + intermediate fits the default depth of 1.
    let conf =
        "pg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = /etc/kong/root.crt\n";
    let r = run(&with_kong(server(), conf), &i);
    assert!(connection(&r, "cosocket").ok, "{:?}", r.connections);
    assert_eq!(
        codes(&r),
        vec![Code::PlaintextFallback],
        "pg_ssl without pg_ssl_required may fall back"
    );

    // Depth 0: only the cosocket path fails, with OpenSSL's code 20.
    let r = run(
        &with_kong(server(), &format!("{conf}lua_ssl_verify_depth = 0\n")),
        &i,
    );
    assert_eq!(
        connection(&r, "cosocket").code,
        Some(Code::VerifyDepthExceeded)
    );
    assert!(connection(&r, "LuaSec").ok);
    let f = get(&r, Code::VerifyDepthExceeded);
    assert_eq!(f.facts["verify_code"], "20");
    assert!(
        f.fix[0].en.contains("lua_ssl_verify_depth = 1"),
        "{:?}",
        f.fix
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.location.as_deref() == Some("/etc/kong/kong.conf:4")),
        "{:?}",
        f.evidence
    );

    // The wrong CA.
    let conf2 =
        "pg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = /etc/kong/other.crt\n";
    let r = run(&with_kong(server(), conf2), &i);
    assert_eq!(
        connection(&r, "cosocket").code,
        Some(Code::ClientRejectsServerCert)
    );
    let f = get(&r, Code::ClientRejectsServerCert);
    assert!(
        f.fix[0].en.contains("lua_ssl_trusted_certificate = "),
        "{:?}",
        f.fix
    );
    assert!(f.fix[0].en.contains("unit root CA"), "{:?}", f.fix);

    // Enterprise pins TLS 1.2 on the LuaSec path; the server wants 1.3.
    let conf3 =
        "pg_ssl = on\npg_ssl_required = on\nlua_ssl_trusted_certificate = /etc/kong/root.crt\n";
    let src = with_kong(server(), conf3).file_owned(
        format!("{D}/postgresql.conf"),
        "ssl = on\nssl_min_protocol_version = 'TLSv1.3'\n",
        0o600,
        101,
        104,
    );
    let r = run(&src, &i);
    assert!(connection(&r, "cosocket").ok);
    assert_eq!(
        connection(&r, "LuaSec").code,
        Some(Code::ProtocolVersionMismatch)
    );
    let f = get(&r, Code::ProtocolVersionMismatch);
    assert_eq!(f.facts["client_range"], "TLSv1.2");
    assert_eq!(f.facts["server_range"], "TLSv1.3");
    assert!(
        !codes(&r).contains(&Code::PlaintextFallback),
        "pg_ssl_required: no fallback"
    );

    // Kong Enterprise 2.8's own default pins TLS 1.0 (pg_ssl_version =
    // tlsv1), below PostgreSQL's default minimum of TLS 1.2.
    let mut old = input();
    old.clients = vec![ClientInput::Kong {
        conf: Some(PathBuf::from("/etc/kong/kong.conf")),
        env: Vec::new(),
        edition: Some(KongEdition::Enterprise),
        version: Some(config::kong::kong_defaults("2.8").expect("2.8")),
    }];
    let r = run(&with_kong(server(), conf3), &old);
    assert!(connection(&r, "cosocket").ok, "{:?}", r.connections);
    assert_eq!(
        connection(&r, "LuaSec").code,
        Some(Code::ProtocolVersionMismatch)
    );
    assert_eq!(
        get(&r, Code::ProtocolVersionMismatch).facts["client_range"],
        "TLSv1"
    );
    // 3.x's default (tlsv1_2) is inside the server's range.
    let r = run(&with_kong(server(), conf3), &i);
    assert!(r.connections.iter().all(|c| c.ok), "{:?}", r.connections);

    // A trust store that holds a private key.
    let src = with_kong(
        server(),
        "pg_ssl = on\nlua_ssl_trusted_certificate = /etc/kong/mixed.pem\n",
    )
    .file(
        "/etc/kong/mixed.pem",
        format!("{}{}", cert(&c.root), key(&c.kong)),
    );
    let r = run(&src, &i);
    assert_eq!(
        connection(&r, "cosocket").code,
        Some(Code::TrustStoreInvalid)
    );
}

#[test]
fn kong_client_certificates_by_edition() {
    let c = certs();
    let hba = "hostssl kong kong 127.0.0.1/32 cert\n";
    let server = |conf: &str| {
        with_kong(base("ssl_ca_file = 'root.crt'\n", hba), conf)
            .file("/etc/kong/kong.crt", cert(&c.kong))
            .file("/etc/kong/kong.key", key(&c.kong))
            .file("/etc/kong/foo.crt", cert(&c.foo))
            .file("/etc/kong/foo.key", key(&c.foo))
            .file("/etc/kong/other.crt", cert(&c.other))
    };
    let mut i = input();
    i.clients = vec![kong()];
    let certs_conf = "pg_ssl = on\npg_ssl_required = on\npg_ssl_cert = /etc/kong/kong.crt\npg_ssl_cert_key = /etc/kong/kong.key\n";
    let r = run(&server(certs_conf), &i);
    assert!(
        r.connections.iter().all(|c| c.ok),
        "{:?} {:?}",
        r.connections,
        codes(&r)
    );

    // The same file with open-source Kong: no certificate is sent.
    i.clients = vec![ClientInput::Kong {
        conf: Some(PathBuf::from("/etc/kong/kong.conf")),
        env: Vec::new(),
        edition: Some(KongEdition::OpenSource),
        version: None,
    }];
    let r = run(&server(certs_conf), &i);
    assert_eq!(
        connection(&r, "cosocket").code,
        Some(Code::ClientCertRequired)
    );
    assert!(r
        .problems
        .iter()
        .any(|d| d.message.contains("open-source Kong ignores")));
    assert!(get(&r, Code::ClientCertRequired).fix[0]
        .en
        .contains("open-source Kong never sends"));

    // Another user's certificate, and KONG_* overriding the file.
    i.clients = vec![ClientInput::Kong {
        conf: Some(PathBuf::from("/etc/kong/kong.conf")),
        env: vec![
            ("KONG_PG_SSL_CERT".into(), "/etc/kong/foo.crt".into()),
            ("KONG_PG_SSL_CERT_KEY".into(), "/etc/kong/foo.key".into()),
        ],
        edition: None,
        version: None,
    }];
    let r = run(&server(certs_conf), &i);
    assert_eq!(
        connection(&r, "cosocket").code,
        Some(Code::CertUserMismatch)
    );
    let f = get(&r, Code::CertUserMismatch);
    assert!(f.reading.as_ref().unwrap().en.contains(
        "provided user name (kong) and authenticated user name (foo@example.com) do not match"
    ));

    // A certificate that is not the key's.
    i.clients = vec![kong()];
    let bad = certs_conf.replace("kong.crt", "other.crt");
    let r = run(&server(&bad), &i);
    assert!(
        codes(&r).contains(&Code::KeyCertMismatch),
        "the other CA's certificate is not kong.key's"
    );
}

#[test]
fn kong_reaches_the_server_from_an_unknown_address() {
    let src = with_kong(
        base("", "hostssl kong kong 10.0.0.0/8 scram-sha-256\n"),
        "pg_host = db.internal\npg_ssl = on\npg_ssl_required = on\n",
    );
    let mut i = input();
    i.clients = vec![kong()];
    let r = run(&src, &i);
    assert!(connection(&r, "cosocket").ok);
    assert_eq!(
        connection(&r, "cosocket")
            .hba_line
            .as_ref()
            .unwrap()
            .location,
        "/pg/data/pg_hba.conf:1"
    );
    let src = with_kong(
        base("", "hostssl kong kong 10.0.0.0/8 scram-sha-256\n"),
        "pg_host = db.internal\npg_user = other\npg_ssl = on\npg_ssl_required = on\n",
    );
    let r = run(&src, &i);
    assert_eq!(connection(&r, "cosocket").code, Some(Code::NoHbaEntry));
    let f = get(&r, Code::NoHbaEntry);
    assert!(
        f.fix[0]
            .en
            .contains("hostssl kong other 0.0.0.0/0 scram-sha-256"),
        "{:?}",
        f.fix
    );
}

#[test]
fn every_finding_names_a_place_and_a_fix_in_both_languages() {
    let c = certs();
    let src = base(
        "ssl_min_protocol_version = 'TLSv1.3'\nssl_max_protocol_version = 'TLSv1.2'\n",
        "hostssl all all 0.0.0.0/0 cert\n",
    )
    .file_owned(format!("{D}/server.key"), key(&c.server2), 0o644, 101, 104);
    let r = run(&src, &input());
    assert!(r.findings.len() >= 3, "{:?}", codes(&r));
    for f in &r.findings {
        let f = &f.finding;
        assert!(
            f.evidence
                .iter()
                .any(|e| e.location.as_deref().is_some_and(|l| l.starts_with('/'))),
            "{} names no file: {:?}",
            f.code(),
            f.evidence
        );
        assert!(!f.fix.is_empty(), "{} has no computed fix", f.code());
        for m in f.fix.iter().chain(f.reading.iter()).chain(f.notes.iter()) {
            assert!(!m.en.is_empty() && !m.ja.is_empty(), "{}: {m:?}", f.code());
        }
    }
}

#[test]
fn nothing_to_check_and_unreadable_inputs_are_errors() {
    assert!(matches!(
        check(&MemSource::new(), &CheckInput::default()),
        Err(CheckError::NothingToCheck)
    ));
    let e = check(&MemSource::new(), &input()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "could not read \"/pg/data/postgresql.conf\": No such file or directory"
    );
    let mut i = input();
    i.clients = vec![kong()];
    let e = check(&base("", HBA), &i).unwrap_err();
    assert!(e.to_string().contains("/etc/kong/kong.conf"), "{e}");
    let mut i = input();
    i.server_user = Some("nobody-here".into());
    assert!(matches!(
        check(&base("", HBA), &i),
        Err(CheckError::NoServerUser(_))
    ));
    i.server_user = Some("root".into());
    assert!(matches!(
        check(&base("", HBA), &i),
        Err(CheckError::NoServerUser(_))
    ));
}

#[test]
fn rfc2253_names_as_the_server_prints_them() {
    let c = certs();
    assert_eq!(
        client::rfc2253(c.kong.cert.subject_name()).as_deref(),
        Some("CN=kong")
    );
    let mut b = openssl::x509::X509NameBuilder::new().unwrap();
    b.append_entry_by_text("C", "JP").unwrap();
    b.append_entry_by_text("O", "Example, Inc.").unwrap();
    b.append_entry_by_text("CN", "kong").unwrap();
    let n = b.build();
    assert_eq!(
        client::rfc2253(&n).as_deref(),
        Some("CN=kong,O=Example\\, Inc.,C=JP")
    );
}

/// A client whose CN already is its user, refused because the line's map
/// has no entry for it: the fix is the map entry, never "reissue the
/// certificate with CN kong", which it already has. A line without map=
/// gets the identity line with the new entry, so adding map= locks no one
/// out.
#[test]
fn a_certificate_name_mismatch_is_fixed_without_locking_anyone_out() {
    let hba = "hostssl kong all 10.0.0.0/8 cert map=m\nhostssl all all 192.168.0.0/16 cert\n";
    let ident = "m /^(.*)@example\\.com$ \\1\n";
    let src = base("ssl_ca_file = 'root.crt'\n", hba).file_owned(
        format!("{D}/pg_ident.conf"),
        ident,
        0o600,
        101,
        104,
    );
    let mut i = input();
    i.matches = vec![
        parse_match("host=10.1.2.3,user=kong,database=kong,cn=kong").unwrap(),
        parse_match("host=192.168.1.2,user=kong,database=kong,cn=gateway-01.example.net").unwrap(),
    ];
    let r = run(&src, &i);
    assert_eq!(r.matches[0].code, Some(Code::CertUserMismatch));
    assert_eq!(r.matches[1].code, Some(Code::CertUserMismatch));
    let fixes: Vec<Vec<String>> = r
        .findings
        .iter()
        .filter(|f| f.finding.id() == Code::CertUserMismatch)
        .map(|f| f.finding.fix.iter().map(|m| m.en.clone()).collect())
        .collect();
    assert_eq!(fixes.len(), 2, "{fixes:?}");
    let same_name = &fixes[0];
    assert!(
        same_name.iter().any(|f| f.contains("m kong kong")),
        "{same_name:?}"
    );
    assert!(
        !same_name.iter().any(|f| f.contains("reissue")),
        "{same_name:?}"
    );
    let other_name = &fixes[1];
    assert!(
        other_name
            .iter()
            .any(|f| f.contains("map=certmap") && f.contains(r"certmap /^(.*)$ \1")),
        "{other_name:?}"
    );
    assert!(
        other_name.iter().any(|f| f.contains("reissue")),
        "{other_name:?}"
    );
}

/// A data directory is judged by its own PG_VERSION: 13 takes
/// `clientcert=1`, 15 refuses it; 18's own parameters are not "unknown".
#[test]
fn the_data_directory_is_judged_by_its_version() {
    let hba = "hostssl all all 0.0.0.0/0 md5 clientcert=1\n";
    let with_version = |v: &str, conf: &str| {
        base(&format!("ssl_ca_file = 'root.crt'\n{conf}"), hba).file_owned(
            format!("{D}/PG_VERSION"),
            format!("{v}\n"),
            0o600,
            101,
            104,
        )
    };
    let r = run(&with_version("13", ""), &input());
    assert!(r.start.starts, "13 takes clientcert=1: {:?}", r.start);
    let r = run(&with_version("15", ""), &input());
    assert!(!r.start.starts, "15 refuses clientcert=1");
    assert_eq!(r.start.fatal.as_deref(), Some("could not load pg_hba.conf"));

    let hba_ok = "hostssl all all 0.0.0.0/0 scram-sha-256\n";
    let src = base("autovacuum_worker_slots = 16\n", hba_ok).file_owned(
        format!("{D}/PG_VERSION"),
        "18\n",
        0o600,
        101,
        104,
    );
    let r = run(&src, &input());
    assert!(r.start.starts, "18's own parameter: {:?}", r.start);
    let src = base("autovacuum_worker_slots = 16\n", hba_ok).file_owned(
        format!("{D}/PG_VERSION"),
        "15\n",
        0o600,
        101,
        104,
    );
    assert!(!run(&src, &input()).start.starts, "15 does not know it");

    // 18's TLS settings; 17 stops at them.
    let tls18 = "ssl_tls13_ciphers = 'TLS_AES_256_GCM_SHA384'\nssl_groups = 'X25519:prime256v1'\n";
    let with = |v: &str| {
        base(tls18, hba_ok).file_owned(format!("{D}/PG_VERSION"), format!("{v}\n"), 0o600, 101, 104)
    };
    let r = run(&with("18"), &input());
    assert!(
        r.start.starts,
        "18 knows ssl_tls13_ciphers and ssl_groups: {:?}",
        r.start
    );
    let r = run(&with("17"), &input());
    assert!(!r.start.starts, "17 knows neither");
}

/// A fix only a person can make is still data: a command naming the key
/// to certify and the file the server reads, with a placeholder that is
/// never applied. When a certificate of the key lies beside it, the edit
/// points ssl_cert_file there instead (a look first).
#[test]
fn a_missing_certificate_is_a_placeholder_edit_on_the_right_file() {
    use crate::edit::{Applicability, EditKind, Then};
    // server.crt is the certificate of server.key.
    let src = base("ssl_cert_file = 'missing.crt'\n", HBA);
    let r = run(&src, &input());
    let f = get(&r, Code::ServerCertMissing);
    let edit = f.edits.first().expect("an edit");
    assert_eq!(edit.applicability, Applicability::MaybeIncorrect);
    assert_eq!(edit.then, Then::Restart);
    match &edit.kind {
        EditKind::Setting { key, after, .. } => {
            assert_eq!(key, "ssl_cert_file");
            assert_eq!(after, &format!("'{D}/server.crt'"));
        }
        other => panic!("{other:?}"),
    }

    // No certificate of the key anywhere: only a person can get one.
    let c = certs();
    let src = base("ssl_cert_file = 'missing.crt'\n", HBA).file_owned(
        format!("{D}/server.crt"),
        cert(&c.root),
        0o644,
        101,
        104,
    );
    let r = run(&src, &input());
    let f = get(&r, Code::ServerCertMissing);
    let edit = f.edits.first().expect("an edit");
    assert_eq!(edit.applicability, Applicability::HasPlaceholders);
    assert_eq!(edit.then, Then::Restart);
    match &edit.kind {
        EditKind::Command { command } => {
            assert!(command.contains(&format!("{D}/missing.crt")), "{command}");
            assert!(command.contains(&format!("{D}/server.key")), "{command}");
        }
        other => panic!("{other:?}"),
    }
}

/// PGTLS021's edits go only as far as the trust file verifies the server's
/// certificate, and never to a server without TLS, which a client
/// insisting on it could then not reach.
#[test]
fn a_fallback_client_is_made_to_verify_only_a_tls_server_it_can_verify() {
    let c = certs();
    let libpq = |conninfo: &str| ClientInput::Libpq {
        conninfo: conninfo.into(),
        env: config::libpq::ClientEnv::default(),
        libpq_version: None,
    };
    let src = |conf: &str| base(conf, HBA).file("/client/root.crt", cert(&c.root));
    let sslmode = |r: &CheckReport| -> Vec<(String, Applicability)> {
        r.findings
            .iter()
            .filter(|f| f.finding.id() == Code::PlaintextFallback)
            .flat_map(|f| f.finding.edits.iter())
            .map(|e| match &e.kind {
                EditKind::Conninfo { key, after, .. } => {
                    (format!("{key}={after}"), e.applicability)
                }
                other => (format!("{other:?}"), e.applicability),
            })
            .collect()
    };
    let mut i = input();
    i.client_addr = Some("127.0.0.1".parse().unwrap());
    i.clients = vec![libpq(
        "host=localhost user=kong dbname=kong sslmode=prefer sslrootcert=/client/root.crt",
    )];
    let r = run(&src(""), &i);
    assert_eq!(
        sslmode(&r),
        [(
            "sslmode=verify-full".to_string(),
            Applicability::MachineApplicable
        )]
    );
    let r = run(&src("ssl = off\n"), &i);
    assert!(
        codes(&r).contains(&Code::PlaintextFallback),
        "{:?}",
        codes(&r)
    );
    assert_eq!(sslmode(&r), [], "no TLS to insist on");

    // Kong without TLS at all, its trust file holding the server's CA:
    // TLS on and verified.
    let mut k = input();
    k.clients = vec![kong()];
    let conf = "pg_ssl = off\nlua_ssl_trusted_certificate = /etc/kong/root.crt\n";
    let r = run(
        &with_kong(src("").file("/etc/kong/root.crt", cert(&c.root)), conf),
        &k,
    );
    let keys: Vec<(String, String)> = get(&r, Code::PlaintextFallback)
        .edits
        .iter()
        .filter_map(|e| match &e.kind {
            EditKind::Setting { key, after, .. } => Some((key.clone(), after.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("pg_ssl".to_string(), "on".to_string()),
            ("pg_ssl_verify".to_string(), "on".to_string())
        ]
    );
}
