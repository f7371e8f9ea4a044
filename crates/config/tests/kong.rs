//! kong.conf and KONG_* variables: Penlight's reader quirks, Kong's comment
//! stripping, priorities, origins and the Enterprise-only options.

use std::path::{Path, PathBuf};

use pgtls_config::kong::{parse, resolve, KongOrigin, KongSslVersion, TrustedCert};
use pgtls_config::TlsVersion;

use crate::{messages, rendered};

const PEM_B64: &str =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";

fn conf_text() -> String {
    format!(
        "# Kong configuration\n\
         pg_host = db.internal          # inline comment\n\
         pg_port = 6432\n\
         pg_user = kong\n\
         pg_password = s3cr\\#t#not part\n\
         pg_database = 0123\n\
         pg_ssl = on\n\
         pg_ssl_verify = yes\n\
         PG_TIMEOUT = 1000\n\
         pg-schema = public\n\
         lua_ssl_trusted_certificate = system, /etc/kong/ca.pem, {PEM_B64}\n\
         lua_ssl_verify_depth = 2\n\
         lua_ssl_protocols = TLSv1.2 \\\n\
         \x20  TLSv1.3\n\
         ; semicolon comment\n\
         pg_ssl_version = tlsv1\n\
         just some words\n"
    )
}

#[test]
fn file_values_as_kong_reads_them() {
    let file = parse(&conf_text(), Path::new("/etc/kong/kong.conf"));
    let conf = resolve::<&str, &str>(Some(&file), &[]);
    let pg = &conf.pg;
    assert_eq!(pg.host.value, "db.internal");
    assert_eq!(pg.host.origin.to_string(), "/etc/kong/kong.conf:2");
    assert_eq!(pg.port.value, 6432);
    assert_eq!(
        pg.password.value.as_ref().unwrap().expose_str().unwrap(),
        "s3cr#t"
    );
    assert_eq!(
        pg.database.value, "123",
        "Kong's reader turns 0123 into a number"
    );
    assert!(pg.ssl.value);
    assert!(!pg.ssl_verify.value, "only on/true are true");
    assert_eq!(pg.timeout_ms.value, 5000, "PG_TIMEOUT is another key");
    assert_eq!(pg.timeout_ms.origin, KongOrigin::Default);
    assert_eq!(
        pg.schema.value.as_deref(),
        Some("public"),
        "pg-schema becomes pg_schema"
    );
    assert_eq!(
        pg.ssl_version.value,
        KongSslVersion::Tlsv1_2,
        "invalid value falls back to the default"
    );
    assert_eq!(
        conf.lua_ssl_trusted_certificate.value,
        [
            TrustedCert::System,
            TrustedCert::Path(PathBuf::from("/etc/kong/ca.pem")),
            TrustedCert::InlinePem(
                "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into()
            ),
        ]
    );
    assert_eq!(conf.lua_ssl_verify_depth.value, 2);
    assert_eq!(
        conf.lua_ssl_protocols.value,
        [TlsVersion::Tls1_2, TlsVersion::Tls1_3]
    );
    assert_eq!(
        conf.lua_ssl_protocols.origin.to_string(),
        "/etc/kong/kong.conf:13"
    );
    let keys: Vec<_> = conf.enterprise_options.iter().map(|o| o.key).collect();
    assert_eq!(keys, ["pg_ssl_version"]);
    assert!(conf.pg_ro.is_none());

    assert_eq!(
        rendered(&conf.diagnostics),
        [
            "/etc/kong/kong.conf:5: warning: pg_password: everything from the first '#' is dropped as a comment; write \\# for a '#' in the password",
            "/etc/kong/kong.conf:6: warning: pg_database = '0123': Kong's reader takes it for a number and uses '123'",
            "/etc/kong/kong.conf:17: warning: line without '=' is ignored by Kong: \"just some words\"",
            "/etc/kong/kong.conf:9: warning: Kong ignores 'PG_TIMEOUT': keys are case-sensitive; did you mean 'pg_timeout'",
            "/etc/kong/kong.conf:8: warning: pg_ssl_verify = 'yes': Kong accepts only on, off, true and false and reads this as off",
            "/etc/kong/kong.conf:16: error: pg_ssl_version has an invalid value: 'tlsv1' (tlsv1_1, tlsv1_2, tlsv1_3, any)",
        ]
    );
    // The password never shows in debug output.
    assert!(!format!("{conf:?}").contains("s3cr"));
}

#[test]
fn environment_wins_and_is_named() {
    let file = parse(&conf_text(), Path::new("/etc/kong/kong.conf"));
    let env = [
        ("KONG_PG_HOST", "10.0.0.5"),
        ("KONG_PG_PASSWORD", " 0123 "),
        ("kong_pg_user", "nobody"),
        ("KONG_PG_SSL_REQUIRED", "on"),
        ("KONG_PG_RO_HOST", "replica"),
        ("KONG_LUA_SSL_PROTOCOLS", "TLSv1.3"),
        ("PATH", "/usr/bin"),
    ];
    let conf = resolve(Some(&file), &env);
    assert_eq!(conf.pg.host.value, "10.0.0.5");
    assert_eq!(conf.pg.host.origin, KongOrigin::Env("KONG_PG_HOST".into()));
    assert_eq!(
        conf.pg
            .password
            .value
            .as_ref()
            .unwrap()
            .expose_str()
            .unwrap(),
        "0123",
        "environment values are not numbers"
    );
    assert_eq!(conf.pg.user.value, "kong");
    assert!(conf.pg.ssl_required.value);
    assert_eq!(conf.lua_ssl_protocols.value, [TlsVersion::Tls1_3]);
    let ro = conf.pg_ro.as_ref().unwrap();
    assert_eq!(ro.host.value, "replica");
    assert_eq!(ro.port.value, 6432, "pg_ro_* inherit pg_*");
    assert!(ro.ssl.value);
    let keys: Vec<_> = conf
        .enterprise_options
        .iter()
        .map(|o| (o.key, o.origin.to_string()))
        .collect();
    assert_eq!(
        keys,
        [
            (
                "pg_ssl_required",
                "environment variable KONG_PG_SSL_REQUIRED".to_string()
            ),
            ("pg_ssl_version", "/etc/kong/kong.conf:16".to_string()),
        ]
    );
    assert!(messages(&conf.diagnostics).contains(
        &"Kong ignores the environment variable kong_pg_user: it reads KONG_PG_USER".to_string()
    ));
}

#[test]
fn defaults_without_file_or_environment() {
    let conf = resolve::<&str, &str>(None, &[]);
    let pg = &conf.pg;
    assert_eq!(
        (
            pg.host.value.as_str(),
            pg.port.value,
            pg.user.value.as_str(),
            pg.database.value.as_str()
        ),
        ("127.0.0.1", 5432, "kong", "kong")
    );
    assert!(pg.password.value.is_none());
    assert_eq!(pg.timeout_ms.value, 5000);
    assert!(!pg.ssl.value && !pg.ssl_required.value && !pg.ssl_verify.value);
    assert_eq!(
        pg.ssl_version.value.range(),
        (TlsVersion::Tls1_2, TlsVersion::Tls1_2)
    );
    assert_eq!(
        conf.lua_ssl_trusted_certificate.value,
        [TrustedCert::System]
    );
    assert_eq!(conf.lua_ssl_verify_depth.value, 1);
    // Kong's kong_defaults.lua says TLSv1.1 TLSv1.2 TLSv1.3; the newest
    // Kong's OpenSSL 3 negotiates only the last two of them.
    assert_eq!(
        conf.lua_ssl_protocols.value,
        [TlsVersion::Tls1_1, TlsVersion::Tls1_2, TlsVersion::Tls1_3]
    );
    assert_eq!(
        conf.usable_protocols(),
        [TlsVersion::Tls1_2, TlsVersion::Tls1_3]
    );
    assert!(conf.enterprise_options.is_empty());
    assert!(conf.diagnostics.is_empty());
    assert!(conf.pg_ro.is_none());
}

#[test]
fn invalid_values_name_key_and_value() {
    let text = "pg_port = abc\npg_timeout = -5\nlua_ssl_verify_depth = 1.5\nlua_ssl_protocols = TLSv1.2 TLSv1.4\npg_ssl = On\npg_port_x = 1\n";
    let file = parse(text, Path::new("/k.conf"));
    let conf = resolve::<&str, &str>(Some(&file), &[]);
    assert_eq!(
        rendered(&conf.diagnostics),
        [
            "/k.conf:1: warning: pg_port is not a number: 'abc'; Kong drops the value and its driver uses its own default",
            "/k.conf:2: error: pg_timeout has an invalid value: '-5' (a whole number from 0 to 4294967295)",
            "/k.conf:5: warning: pg_ssl = 'On': Kong accepts only on, off, true and false and reads this as off",
            "/k.conf:3: error: lua_ssl_verify_depth has an invalid value: '1.5' (a whole number from 0 to 4294967295)",
            "/k.conf:4: error: lua_ssl_protocols has an invalid value: 'TLSv1.4' (TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)",
        ]
    );
    assert_eq!(conf.pg.port.value, 5432);
    assert!(!conf.pg.ssl.value);
}

#[test]
fn reader_quirks() {
    let text = "pg_password = 1e3\n\
                pg_user = kong # the user\n\
                pg_host\t=\t  host.example  \n\
                pg_database = a=b\n\
                [section]\n\
                pg_port = 1\n";
    let file = parse(text, Path::new("/k.conf"));
    let conf = resolve::<&str, &str>(Some(&file), &[]);
    assert_eq!(
        conf.pg
            .password
            .value
            .as_ref()
            .unwrap()
            .expose_str()
            .unwrap(),
        "1000"
    );
    assert_eq!(conf.pg.user.value, "kong");
    assert_eq!(conf.pg.host.value, "host.example");
    assert_eq!(conf.pg.database.value, "a=b");
    assert_eq!(
        conf.pg.port.value, 5432,
        "keys after a section header are nested and ignored"
    );
    let m = messages(&conf.diagnostics);
    assert!(
        m[0].starts_with("pg_password: Kong's reader takes the value for a number"),
        "{m:?}"
    );
    assert!(
        !m[0].contains("1000") && !m[0].contains("1e3"),
        "the password is not shown: {m:?}"
    );
    assert!(m[1].starts_with("section header [section]"), "{m:?}");
}

#[test]
fn continuation_at_end_of_file_is_dropped() {
    let file = parse("pg_host = a \\", Path::new("/k.conf"));
    assert!(file.entries.is_empty());
    assert_eq!(
        rendered(&file.diagnostics),
        ["/k.conf:1: warning: the last line ends with a backslash continuation and is dropped by Kong's reader"]
    );
}

#[test]
fn blank_marker_breaks_kong() {
    let file = parse("pg_password = my_blank_pw\n", Path::new("/k.conf"));
    assert!(file.diagnostics[0].is_error());
    assert!(file.entries.is_empty());
}

#[test]
fn file_entries_hide_passwords_in_debug_output() {
    let file = parse(
        "pg_password = hunter2\npg_ro_password = hunter3\npg_user = visible\n",
        Path::new("/k.conf"),
    );
    let debug = format!("{file:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("hunter3"),
        "{debug}"
    );
    assert!(debug.contains("visible"));
    let conf = resolve::<&str, &str>(Some(&file), &[]);
    assert_eq!(
        conf.pg_ro
            .as_ref()
            .unwrap()
            .password
            .value
            .as_ref()
            .unwrap()
            .expose_str()
            .unwrap(),
        "hunter3"
    );
    assert_eq!(
        conf.pg_ro.as_ref().unwrap().user.value,
        "visible",
        "inherited from pg_user"
    );
}

#[test]
fn inline_pem_and_empty_trust_list() {
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    let conf = resolve(None, &[("KONG_LUA_SSL_TRUSTED_CERTIFICATE", pem)]);
    assert_eq!(
        conf.lua_ssl_trusted_certificate.value,
        [TrustedCert::InlinePem(pem.into())]
    );
    let conf = resolve(None, &[("KONG_LUA_SSL_TRUSTED_CERTIFICATE", "")]);
    assert!(
        conf.lua_ssl_trusted_certificate.value.is_empty(),
        "an empty value unsets the setting"
    );
}

/// Every default pgtls assumes, per Kong version, as the table reads after
/// resolving an empty configuration: a change to any default (or a version
/// added or dropped) fails here. Sources are cited at `KONG_VERSIONS`.
#[test]
fn defaults_per_kong_version() {
    use pgtls_config::kong::{kong_defaults, newest_kong, resolve_for, KONG_VERSIONS};
    let rows: Vec<String> = KONG_VERSIONS
        .iter()
        .map(|d| {
            let c = resolve_for::<&str, &str>(None, &[], d);
            let pg = &c.pg;
            let onoff = |b: bool| if b { "on" } else { "off" };
            let trusted = match c.lua_ssl_trusted_certificate.value.as_slice() {
                [] => "NONE".to_string(),
                [TrustedCert::System] => "system".to_string(),
                other => format!("{other:?}"),
            };
            let names =
                |v: &[TlsVersion]| v.iter().map(|t| t.pg_name()).collect::<Vec<_>>().join(" ");
            format!(
                "{} | pg_host={} pg_port={} pg_user={} pg_database={} pg_timeout={} \
                 pg_ssl={} pg_ssl_required={} pg_ssl_verify={} pg_ssl_version={} \
                 lua_ssl_trusted_certificate={} lua_ssl_verify_depth={} \
                 lua_ssl_protocols={} | openssl={} negotiates={}",
                d.version,
                pg.host.value,
                pg.port.value,
                pg.user.value,
                pg.database.value,
                pg.timeout_ms.value,
                onoff(pg.ssl.value),
                onoff(pg.ssl_required.value),
                onoff(pg.ssl_verify.value),
                pg.ssl_version.value.keyword(),
                trusted,
                c.lua_ssl_verify_depth.value,
                names(&c.lua_ssl_protocols.value),
                d.openssl,
                names(&c.usable_protocols()),
            )
        })
        .collect();
    let common = "pg_host=127.0.0.1 pg_port=5432 pg_user=kong pg_database=kong pg_timeout=5000 \
                  pg_ssl=off pg_ssl_required=off pg_ssl_verify=off";
    let v3 = |v: &str, openssl: &str, negotiates: &str| {
        format!(
            "{v} | {common} pg_ssl_version=tlsv1_2 lua_ssl_trusted_certificate=system \
             lua_ssl_verify_depth=1 lua_ssl_protocols=TLSv1.1 TLSv1.2 TLSv1.3 | \
             openssl={openssl} negotiates={negotiates}"
        )
    };
    let all = "TLSv1.1 TLSv1.2 TLSv1.3";
    let modern = "TLSv1.2 TLSv1.3";
    let expected = vec![
        format!(
            "2.8 | {common} pg_ssl_version=tlsv1 lua_ssl_trusted_certificate=NONE \
             lua_ssl_verify_depth=1 lua_ssl_protocols=TLSv1.1 TLSv1.2 TLSv1.3 | \
             openssl=1.1.1 negotiates={all}"
        ),
        v3("3.0", "1.1.1", all),
        v3("3.1", "1.1.1", all),
        v3("3.2", "1.1.1", all),
        v3("3.3", "1.1.1", all),
        v3("3.4", "3", modern),
        v3("3.5", "3", modern),
        v3("3.6", "3", modern),
        v3("3.7", "3", modern),
        v3("3.8", "3", modern),
        v3("3.9", "3", modern),
    ];
    assert_eq!(rows, expected);

    // The default is the newest; plain resolve uses it.
    assert_eq!(newest_kong().version, "3.9");
    let plain = resolve::<&str, &str>(None, &[]);
    assert_eq!(plain.defaults.version, "3.9");
    // A release picks its minor version; an unknown one lists the known.
    assert_eq!(kong_defaults("3.4.2").map(|d| d.version), Ok("3.4"));
    assert_eq!(kong_defaults("3.4.3.12").map(|d| d.version), Ok("3.4"));
    assert_eq!(kong_defaults("2.8").map(|d| d.version), Ok("2.8"));
    assert_eq!(
        kong_defaults("4.0").map(|d| d.version),
        Err("unknown Kong version '4.0': pgtls knows the defaults of Kong 2.8, 3.0, 3.1, 3.2, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8, 3.9".to_string())
    );
}

/// `pg_ssl_version = tlsv1` is Kong 2.8's own default and accepted there;
/// 3.x rejects it and falls back to tlsv1_2.
#[test]
fn pg_ssl_version_tlsv1_is_a_2_8_value() {
    use pgtls_config::kong::{kong_defaults, resolve_for};
    let file = parse("pg_ssl_version = tlsv1\n", Path::new("/k.conf"));
    let old = resolve_for::<&str, &str>(Some(&file), &[], kong_defaults("2.8").unwrap());
    assert_eq!(old.pg.ssl_version.value, KongSslVersion::Tlsv1);
    assert!(old.diagnostics.is_empty(), "{:?}", old.diagnostics);
    let new = resolve_for::<&str, &str>(Some(&file), &[], kong_defaults("3.9").unwrap());
    assert_eq!(new.pg.ssl_version.value, KongSslVersion::Tlsv1_2);
    assert_eq!(
        new.diagnostics[0].to_string(),
        "/k.conf:1: error: pg_ssl_version has an invalid value: 'tlsv1' (tlsv1_1, tlsv1_2, tlsv1_3, any)"
    );
}
