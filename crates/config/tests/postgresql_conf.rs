//! postgresql.conf: lexing, includes and the TLS view, checked against what
//! `postgres -C` and the server log of PostgreSQL 15.18 said for the same files.

use std::path::{Path, PathBuf};

use pgtls_config::postgresql_conf::{load, parse_str, Item, LoadOptions, Origin};
use pgtls_config::{MemSource, Severity, TlsVersion};

use crate::{messages, rendered};

/// A configuration tree like a Debian one: configuration in /etc, data
/// elsewhere, an include, a missing include_if_exists, an include_dir with
/// files that must be skipped, and postgresql.auto.conf overriding.
fn debian_like() -> MemSource {
    MemSource::new()
        .file(
            "/etc/pg/postgresql.conf",
            "# main file\n\
             ssl = on\n\
             ssl_cert_file = '/etc/pg/certs/server.crt'   # trailing comment\n\
             SSL_KEY_FILE 'keys/server.key'\n\
             ssl_ca_file = 'root.crt'\n\
             ssl_min_protocol_version = TLSv1.3\n\
             ssl_ciphers = 'HIGH:!aNULL'\n\
             custom.setting = x\n\
             data_directory = '/var/lib/pg/data'\n\
             include 'extra.conf'\n\
             include_if_exists 'missing.conf'\n\
             include_dir 'conf.d'\n\
             port = 5433\n",
        )
        .file(
            "/etc/pg/extra.conf",
            "ssl_crl_file = 'crl.pem'\nmax_connections = 50\n",
        )
        .file("/etc/pg/conf.d/01-a.conf", "ssl_ciphers = 'MEDIUM'\n")
        .file("/etc/pg/conf.d/.hidden.conf", "ssl_ciphers = 'HIDDEN'\n")
        .file("/etc/pg/conf.d/b.txt", "ssl_ciphers = 'TXT'\n")
        .dir("/etc/pg/conf.d/sub.conf")
        .file("/etc/pg/conf.d/02-b.conf", "port = 6000\nsort_mem = 2048\n")
        .file(
            "/var/lib/pg/data/postgresql.auto.conf",
            "ssl_min_protocol_version = 'TLSv1.2'\n",
        )
}

#[test]
fn effective_values_match_the_server() {
    // Expected values are what `postgres -C` printed for the same tree.
    let conf = load(
        &debian_like(),
        Path::new("/etc/pg/postgresql.conf"),
        &LoadOptions::default(),
    )
    .unwrap();
    let v = |n: &str| conf.get(n).map(|s| s.value.clone());
    assert_eq!(v("ssl").as_deref(), Some("on"));
    assert_eq!(v("ssl_key_file").as_deref(), Some("keys/server.key"));
    assert_eq!(v("ssl_ciphers").as_deref(), Some("MEDIUM"));
    assert_eq!(v("ssl_min_protocol_version").as_deref(), Some("TLSv1.2"));
    assert_eq!(
        v("port").as_deref(),
        Some("5433"),
        "the line after include_dir wins"
    );
    assert_eq!(
        v("work_mem").as_deref(),
        Some("2048"),
        "sort_mem is the old name of work_mem"
    );
    assert_eq!(v("max_connections").as_deref(), Some("50"));
    assert_eq!(v("CUSTOM.SETTING").as_deref(), Some("x"));
    assert!(!conf.has_errors(), "{:?}", rendered(conf.diagnostics()));

    let files: Vec<_> = conf
        .files()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "/etc/pg/postgresql.conf",
            "/etc/pg/extra.conf",
            "/etc/pg/conf.d/01-a.conf",
            "/etc/pg/conf.d/02-b.conf",
            "/var/lib/pg/data/postgresql.auto.conf"
        ]
    );
    assert!(messages(conf.diagnostics())
        .contains(&"skipping missing configuration file \"/etc/pg/missing.conf\"".to_string()));

    let s = conf.get("ssl_min_protocol_version").unwrap();
    assert_eq!(
        s.location.to_string(),
        "/var/lib/pg/data/postgresql.auto.conf:1"
    );
    let s = conf.get("ssl_ciphers").unwrap();
    assert_eq!(s.location.to_string(), "/etc/pg/conf.d/01-a.conf:1");
    assert_eq!(
        conf.all_entries()
            .iter()
            .filter(|s| s.name.eq_ignore_ascii_case("ssl_ciphers"))
            .count(),
        2
    );
}

#[test]
fn tls_view_resolves_paths_and_defaults() {
    let conf = load(
        &debian_like(),
        Path::new("/etc/pg/postgresql.conf"),
        &LoadOptions::default(),
    )
    .unwrap();
    let tls = conf.tls();
    assert!(tls.ssl.value);
    assert_eq!(
        tls.cert_file.value,
        PathBuf::from("/etc/pg/certs/server.crt")
    );
    assert_eq!(
        tls.key_file.value,
        PathBuf::from("/var/lib/pg/data/keys/server.key")
    );
    assert_eq!(
        tls.ca_file.value,
        Some(PathBuf::from("/var/lib/pg/data/root.crt"))
    );
    assert_eq!(
        tls.crl_file.value,
        Some(PathBuf::from("/var/lib/pg/data/crl.pem"))
    );
    assert_eq!(tls.crl_dir.value, None);
    assert_eq!(tls.crl_dir.origin, Origin::Default);
    assert_eq!(tls.min_protocol.value, TlsVersion::Tls1_2);
    assert_eq!(tls.max_protocol.value, None);
    assert_eq!(tls.hba_file.value, PathBuf::from("/etc/pg/pg_hba.conf"));
    assert_eq!(tls.ident_file.value, PathBuf::from("/etc/pg/pg_ident.conf"));
    assert_eq!(tls.data_directory.value, PathBuf::from("/var/lib/pg/data"));
    match &tls.data_directory.origin {
        Origin::File(l) => assert_eq!(l.to_string(), "/etc/pg/postgresql.conf:9"),
        o => panic!("{o:?}"),
    }
    assert!(tls.passphrase_command.value.is_none());
    assert!(tls.diagnostics.is_empty(), "{:?}", tls.diagnostics);
}

#[test]
fn tls_defaults_when_nothing_is_set() {
    let src = MemSource::new().file("/data/postgresql.conf", "");
    let conf = load(
        &src,
        Path::new("/data/postgresql.conf"),
        &LoadOptions::default(),
    )
    .unwrap();
    let tls = conf.tls();
    assert!(!tls.ssl.value);
    assert_eq!(tls.ssl.origin, Origin::Default);
    assert_eq!(tls.cert_file.value, PathBuf::from("/data/server.crt"));
    assert_eq!(tls.key_file.value, PathBuf::from("/data/server.key"));
    assert_eq!(tls.ca_file.value, None);
    assert_eq!(tls.min_protocol.value, TlsVersion::Tls1_2);
    assert_eq!(tls.ciphers.value, "HIGH:MEDIUM:+3DES:!aNULL");
    assert_eq!(tls.hba_file.value, PathBuf::from("/data/pg_hba.conf"));
}

#[test]
fn invalid_tls_values_use_the_servers_words() {
    let src = MemSource::new().file(
        "/d/postgresql.conf",
        "ssl = o\n\
         ssl_min_protocol_version = 'TLSv1.4'\n\
         ssl_max_protocol_version = 'TLSv1.1'\n\
         ssl_passphrase_command = 'echo hunter2'\n",
    );
    let conf = load(
        &src,
        Path::new("/d/postgresql.conf"),
        &LoadOptions::default(),
    )
    .unwrap();
    let tls = conf.tls();
    assert!(!tls.ssl.value);
    assert_eq!(
        rendered(&tls.diagnostics),
        [
            "/d/postgresql.conf:1: error: parameter \"ssl\" requires a Boolean value",
            "/d/postgresql.conf:2: error: invalid value for parameter \"ssl_min_protocol_version\": \"TLSv1.4\"",
            "/d/postgresql.conf:3: error: could not set SSL protocol version range",
        ]
    );
    assert_eq!(
        tls.diagnostics[1].hint.as_deref(),
        Some("Available values: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3.")
    );
    assert_eq!(
        tls.diagnostics[2].detail.as_deref(),
        Some("\"ssl_min_protocol_version\" cannot be higher than \"ssl_max_protocol_version\"")
    );
    // The passphrase command is a secret: it must not show in debug output.
    let debug = format!("{tls:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert_eq!(
        tls.passphrase_command
            .value
            .as_ref()
            .unwrap()
            .expose_str()
            .unwrap(),
        "echo hunter2"
    );
}

#[test]
fn max_protocol_hint_lists_the_empty_value_first() {
    let src = MemSource::new().file(
        "/d/postgresql.conf",
        "ssl_max_protocol_version = 'TLSv1.4'\n",
    );
    let conf = load(
        &src,
        Path::new("/d/postgresql.conf"),
        &LoadOptions::default(),
    )
    .unwrap();
    let tls = conf.tls();
    assert_eq!(
        tls.diagnostics[0].hint.as_deref(),
        Some("Available values: , TLSv1, TLSv1.1, TLSv1.2, TLSv1.3.")
    );
}

#[test]
fn syntax_errors_are_per_line_and_the_rest_is_read() {
    // Messages as PostgreSQL 15.18 logged them for this file; `bad line` is
    // a valid `name value` line (the `=` is optional).
    let text = "'x' = 1\nssl = on\nbad line\n= 3\nssl_cert_file = server.crt\nport = 5432 5433\nssl_ciphers = HIGH:!aNULL\nmax_connections = 7\n";
    let (items, diags) = parse_str(text, Path::new("/f.conf"));
    assert_eq!(
        messages(&diags),
        [
            "syntax error in file \"/f.conf\" line 1, near token \"'x'\"",
            "syntax error in file \"/f.conf\" line 4, near token \"=\"",
            "syntax error in file \"/f.conf\" line 5, near token \"server.crt\"",
            "syntax error in file \"/f.conf\" line 6, near token \"5433\"",
            "syntax error in file \"/f.conf\" line 7, near token \"!\"",
        ]
    );
    assert!(diags.iter().all(|d| d.severity == Severity::Error));
    let names: Vec<_> = items
        .iter()
        .map(|i| match i {
            Item::Setting(s) => format!("{}={}@{}", s.name, s.value, s.location.line),
            Item::Include { .. } => "include".into(),
        })
        .collect();
    assert_eq!(names, ["ssl=on@2", "bad=line@3", "max_connections=7@8"]);
}

#[test]
fn unusual_but_valid_syntax() {
    let text = "a.b = 'it''s \\'q\\' \\t\\101'\n\
                port 5432\n\
                shared_buffers=128MB\n\
                x.y = -1.5e3\n\
                x.z = 0x1F\n\
                x.w = a.b.c\n\
                x.v = TLSv1.2\t# comment\r\n\
                x.u = .\n\
                \t  # only a comment\n\
                x.t = ''\n";
    let (items, diags) = parse_str(text, Path::new("/f.conf"));
    assert!(diags.is_empty(), "{diags:?}");
    let got: Vec<(String, String)> = items
        .into_iter()
        .filter_map(|i| match i {
            Item::Setting(s) => Some((s.name, s.value)),
            _ => None,
        })
        .collect();
    let want = [
        ("a.b", "it's 'q' \tA"),
        ("port", "5432"),
        ("shared_buffers", "128MB"),
        ("x.y", "-1.5e3"),
        ("x.z", "0x1F"),
        ("x.w", "a.b.c"),
        ("x.v", "TLSv1.2"),
        ("x.u", "."),
        ("x.t", ""),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
}

#[test]
fn end_of_file_without_newline_names_the_previous_line_like_the_server() {
    let (_, diags) = parse_str("ssl = on\nport =", Path::new("/f.conf"));
    assert_eq!(
        messages(&diags),
        ["syntax error in file \"/f.conf\" line 1, near end of line"]
    );
    assert_eq!(
        diags[0].location.as_ref().unwrap().line,
        2,
        "the location is the real line"
    );
    let (items, diags) = parse_str("ssl = on", Path::new("/f.conf"));
    assert!(diags.is_empty());
    assert_eq!(items.len(), 1);
}

#[test]
fn include_errors() {
    let src = MemSource::new()
        .file("/e/postgresql.conf", "include 'postgresql.conf'\ninclude ''\ninclude 'nonexist.conf'\ninclude_dir 'nodir'\ninclude 'a.conf'\nssl = on\n")
        .file("/e/a.conf", "include 'b.conf'\n")
        .file("/e/b.conf", "include 'a.conf'\n");
    let conf = load(
        &src,
        Path::new("/e/postgresql.conf"),
        &LoadOptions::default(),
    )
    .unwrap();
    let errors: Vec<_> = conf
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        [
            "/e/postgresql.conf:1: error: configuration file recursion in \"/e/postgresql.conf\"",
            "/e/postgresql.conf:2: error: empty configuration file name: \"\"",
            "/e/postgresql.conf:3: error: could not open configuration file \"/e/nonexist.conf\": No such file or directory",
            "/e/postgresql.conf:4: error: could not open configuration directory \"/e/nodir\": No such file or directory",
            "/e/b.conf:1: error: could not open configuration file \"a.conf\": maximum nesting depth exceeded",
        ]
    );
    assert_eq!(
        conf.get("ssl").unwrap().value,
        "on",
        "the rest of the file is still read"
    );
}

#[test]
fn unknown_parameters_are_reported_with_their_line() {
    let src = MemSource::new().file(
        "/d/postgresql.conf",
        "ssl_cert_fle = 'x'\nSSL = on\nmy.custom = 1\n",
    );
    let conf = load(
        &src,
        Path::new("/d/postgresql.conf"),
        &LoadOptions::default(),
    )
    .unwrap();
    let errors: Vec<_> = conf
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        errors,
        ["unrecognized configuration parameter \"ssl_cert_fle\" in file \"/d/postgresql.conf\" line 1"]
    );
}

#[test]
fn config_dir_and_relative_server_files() {
    let src = MemSource::new()
        .file(
            "/etc/pg/postgresql.conf",
            "hba_file = 'hba/pg_hba.conf'\ndata_directory = 'data'\n",
        )
        .file("/etc/pg/data/postgresql.auto.conf", "ssl = true\n");
    let opts = LoadOptions {
        config_dir: Some(PathBuf::from("/etc/pg")),
        skip_auto_conf: false,
        server_major: None,
    };
    let conf = load(&src, Path::new("/etc/pg/postgresql.conf"), &opts).unwrap();
    assert_eq!(conf.data_directory(), Path::new("/etc/pg/data"));
    let tls = conf.tls();
    assert!(
        tls.ssl.value,
        "postgresql.auto.conf is read from the data directory"
    );
    assert_eq!(tls.hba_file.value, PathBuf::from("/etc/pg/hba/pg_hba.conf"));
    assert!(tls
        .diagnostics
        .iter()
        .any(|d| d.message.starts_with("relative hba_file")));
}

#[test]
fn missing_main_file_is_an_error_value() {
    let err = load(
        &MemSource::new(),
        Path::new("/nope/postgresql.conf"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not read \"/nope/postgresql.conf\": No such file or directory"
    );
}

#[test]
fn too_many_syntax_errors_abandon_the_file() {
    let text = "!\n".repeat(150) + "ssl = on\n";
    let (items, diags) = parse_str(&text, Path::new("/f.conf"));
    assert_eq!(diags.len(), 101);
    assert_eq!(
        diags[100].message,
        "too many syntax errors found, abandoning file \"/f.conf\""
    );
    assert!(items.is_empty());
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let src = MemSource::new().file(
        "/d/postgresql.conf",
        "ssl_passphrase_command = 'echo hunter2'\nprimary_conninfo = 'host=a password=hunter3'\n",
    );
    let conf = load(
        &src,
        Path::new("/d/postgresql.conf"),
        &LoadOptions::default(),
    )
    .unwrap();
    let debug = format!("{conf:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("hunter3"),
        "{debug}"
    );
    assert_eq!(
        conf.get("primary_conninfo").unwrap().value,
        "host=a password=hunter3"
    );
}
