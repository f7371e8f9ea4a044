//! pg_hba.conf and pg_ident.conf by server version, against real servers
//! of PostgreSQL 12, 15, 16 and 18 (the lab's packaged builds): what `check`
//! predicts from the data directory's PG_VERSION is what each server does
//! with the same files — include records (16 and later read them; 12 to 15
//! keep the old pg_hba.conf at a reload and, per the captures in
//! tests/fixtures/versions/auth_files, refuse to start), `all`, `+role`
//! and `/regex` in pg_ident.conf's database-user column (16 and later; a
//! literal name before), `\1`, and the PGTLS007 fix for a user named `all`,
//! which must let that user in and nobody else on every version, both
//! check's (in the data directory's version) and probe's (which knows no
//! version before a login, so writes the form every version reads alike).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use pgtls_diagnose::explain::explain_text;
use pgtls_lab::{files, version_binaries, Cluster, ClusterSpec, LabError};

use crate::lab_util::{codes, path, pki};
use crate::util::pgtls;

const VERSIONS: [u32; 4] = [12, 15, 16, 18];
const CN: &str = "foo@example.com";

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/versions/auth_files")
        .join(name);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The captured servers: 12 and 15 refuse to start on each include record
/// with the server's own lines, 16 and 18 start and connect through it.
#[test]
fn captured_include_records_match_the_prediction() {
    for major in VERSIONS {
        for kw in ["include", "include_if_exists", "include_dir"] {
            let text = fixture(&format!("pg{major}-hba_{kw}.txt"));
            let started = text.contains("### start status 0");
            assert_eq!(started, major >= 16, "{major} {kw}");
            if !started {
                assert!(
                    text.contains(&format!("LOG:  invalid connection type \"{kw}\"\nCONTEXT:  line 2 of configuration file \"$DIR/data/pg_hba.conf\"\nFATAL:  could not load pg_hba.conf")),
                    "{text}"
                );
                let line = format!("LOG:  invalid connection type \"{kw}\"");
                let found = explain_text(&line);
                assert_eq!(found.first().map(|f| f.code()), Some("PGTLS033"), "{line}");
            }
            // The same files, judged by check for that version.
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            let line = "hostssl all all 127.0.0.1/32 cert\n";
            fs::write(d.join("extra.conf"), line).unwrap();
            fs::create_dir(d.join("hba.d")).unwrap();
            fs::write(d.join("hba.d/10.conf"), line).unwrap();
            let target = if kw == "include_dir" {
                "hba.d"
            } else {
                "extra.conf"
            };
            fs::write(
                d.join("pg_hba.conf"),
                format!("local all all trust\n{kw} {target}\n"),
            )
            .unwrap();
            let v = major.to_string();
            let hba_path = d.join("pg_hba.conf");
            let (status, report) = pgtls(&[
                "check",
                "--format",
                "json",
                "--hba",
                hba_path.to_str().unwrap(),
                "--pg-version",
                &v,
            ])
            .report("check");
            assert_eq!(
                report["server_start"]["starts"], started,
                "{major} {kw}: {report:#}"
            );
            if !started {
                assert_eq!(status, 1, "{report:#}");
                assert_eq!(report["server_start"]["code"], "PGTLS033");
                assert_eq!(
                    report["server_start"]["fatal"], "could not load pg_hba.conf",
                    "{report:#}"
                );
                let problem = report["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["severity"] == "error")
                    .expect("an error");
                assert_eq!(
                    problem["message"],
                    format!("invalid connection type \"{kw}\""),
                    "{report:#}"
                );
                assert_eq!(problem["line"], 2);
            }
        }
    }
}

/// A cluster of `major` with `hostssl all all 127.0.0.1/32 cert map=m`,
/// the role "all", and kong a member of grp; `None` after one line when the
/// version is not in the lab's cache.
fn cluster(major: u32) -> Option<Cluster> {
    if let Err(e @ LabError::VersionMissing { .. }) = version_binaries(major) {
        eprintln!("skipped PostgreSQL {major}: {e}");
        return None;
    }
    let spec = ClusterSpec::new()
        .pg_version(major)
        .with_server_tls(pki())
        .and_then(|s| s.with_client_ca(pki()))
        .expect("TLS files")
        .hba_line("hostssl all all 127.0.0.1/32 cert map=m");
    let c = Cluster::start(&spec).unwrap_or_else(|e| panic!("PostgreSQL {major}: {e}"));
    c.sql("CREATE ROLE \"all\" LOGIN; CREATE ROLE grp; GRANT grp TO kong")
        .expect("roles");
    Some(c)
}

/// The client certificate CN=foo@example.com asking for `user`.
fn conninfo(c: &Cluster, user: &str) -> String {
    format!(
        "host=127.0.0.1 port={} user='{user}' dbname=kong sslmode=verify-ca sslrootcert={} sslcert={} sslkey={}",
        c.port(),
        path(files::ROOT_CA),
        path(files::CLIENT_FOO),
        path(files::CLIENT_FOO_KEY)
    )
}

/// Whether the server lets the certificate in as `user`: psql through the
/// version's own libpq; a refusal must be the certificate's.
fn connects(c: &Cluster, user: &str) -> bool {
    let out = c.psql(&conninfo(c, user), &[]);
    if out.status != 0 {
        assert!(
            out.stderr.contains(&format!(
                "certificate authentication failed for user \"{user}\""
            )),
            "{}",
            out.stderr
        );
    }
    out.status == 0
}

/// `check -D data --match ...` for the certificate as `user`: the code, and
/// the unevaluated notes.
fn predict(c: &Cluster, user: &str) -> (Option<String>, Vec<String>) {
    let data = c.data_dir().display().to_string();
    let spec = format!("host=127.0.0.1,user={user},database=kong,ssl=on,cn={CN}");
    let (_, v) =
        pgtls(&["check", "--format", "json", "-D", &data, "--match", &spec]).report("check");
    let m = &v["matches"][0];
    let unevaluated = m["unevaluated"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str().map(str::to_string))
        .collect();
    (m["code"].as_str().map(str::to_string), unevaluated)
}

fn write(c: &Cluster, name: &str, body: &str) {
    c.write_file(name, body.as_bytes(), 0o600, pgtls_lab::Owner::ServerUser)
        .expect("write");
}

/// pg_ident.conf's database-user column and include records, per version:
/// check's verdict on the data directory and the server's on a real
/// connection agree (a `+role` membership is in the catalog: check says it
/// did not evaluate it, and the real server decides).
fn ident_lines(c: &Cluster, major: u32) {
    let v16 = major >= 16;
    let cases: [(&str, &str, bool); 6] = [
        ("regex database user", "m foo@example.com /^kon\n", v16),
        ("all", "m foo@example.com all\n", v16),
        ("group", "m foo@example.com +grp\n", v16),
        ("backreference", "m /^f(o)o@example\\.com$ k\\1ng\n", true),
        // Before the include: at a reload 12-15 keep the lines they
        // had, which must not map kong.
        ("quoted all", "m foo@example.com \"all\"\n", false),
        ("include", "include ident_extra.conf\n", v16),
    ];
    write(c, "ident_extra.conf", "m foo@example.com kong\n");
    for (name, ident, allowed) in cases {
        let what = format!("PostgreSQL {major}, {name}");
        write(c, "pg_ident.conf", ident);
        let mark = c.log_mark();
        c.reload().expect("reload");
        let real = connects(c, "kong");
        assert_eq!(real, allowed, "{what}: the server");
        let (code, unevaluated) = predict(c, "kong");
        if name == "group" && v16 {
            assert_eq!(code, None, "{what}");
            assert!(
                unevaluated.iter().any(|u| u.contains("\"grp\"")),
                "{what}: {unevaluated:?}"
            );
        } else {
            let want = (!allowed).then(|| "PGTLS007".to_string());
            assert_eq!(code, want, "{what}: check {unevaluated:?}");
        }
        if !real {
            let log = c.log_since(&mark);
            let usermap =
                format!("no match in usermap \"m\" for user \"kong\" authenticated as \"{CN}\"");
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut log = log;
            while !log.contains(&usermap) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
                log = c.log_since(&mark);
            }
            assert!(log.contains(&usermap), "{what}: {log}");
            if name == "include" {
                // 12-15: the include line is a map line short of a
                // field, and the file is not taken.
                assert!(
                    log.contains("pg_ident.conf\" at end of line 1")
                        && log.contains("pg_ident.conf was not reloaded"),
                    "{what}: {log}"
                );
            }
        }
    }
}

/// pg_hba.conf's include record and /regex user at a reload: 16 and 18 take
/// them, 12 and 15 log `pg_hba.conf was not reloaded` (include) or compare
/// the name literally (/regex); check -D says the same (PGTLS033 where the
/// file is refused).
fn hba_lines(c: &Cluster, major: u32) {
    let v16 = major >= 16;
    write(c, "pg_ident.conf", "m foo@example.com kong\n");
    write(
        c,
        "hba_extra.conf",
        "hostssl all all 127.0.0.1/32 cert map=m\n",
    );
    c.write_hba("include hba_extra.conf").expect("hba");
    let mark = c.log_mark();
    c.reload().expect("reload");
    let data = c.data_dir().display().to_string();
    let (status, v) = pgtls(&["check", "--format", "json", "-D", &data]).report("check");
    assert_eq!(v["server_start"]["starts"], v16, "{major}: {v:#}");
    if v16 {
        let (code, _) = predict(c, "kong");
        assert_eq!(code, None, "{major}");
        assert!(connects(c, "kong"), "{major}: through the included line");
    } else {
        assert_eq!(status, 1);
        assert_eq!(v["server_start"]["code"], "PGTLS033");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !c.log_since(&mark).contains("pg_hba.conf was not reloaded")
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = c.log_since(&mark);
        assert!(
            log.contains("invalid connection type \"include\"")
                && log.contains("pg_hba.conf was not reloaded"),
            "{major}: {log}"
        );
        // The old file stays: the cert line with map=m, and m maps kong.
        assert!(connects(c, "kong"), "{major}: the old pg_hba.conf");
    }

    // A /regex user: 16 and later match it, 12-15 compare it literally.
    c.write_hba("hostssl all /^ko 127.0.0.1/32 cert map=m")
        .expect("hba");
    c.reload().expect("reload");
    let real = connects_or_no_entry(c, "kong");
    assert_eq!(real, v16, "{major}: /^ko");
    let (code, _) = predict(c, "kong");
    let want = if v16 {
        None
    } else {
        Some("PGTLS016".to_string())
    };
    assert_eq!(code, want, "{major}");
}

/// Like [`connects`], where a refusal is `no pg_hba.conf entry`.
fn connects_or_no_entry(c: &Cluster, user: &str) -> bool {
    let out = c.psql(&conninfo(c, user), &[]);
    if out.status != 0 {
        assert!(
            out.stderr.contains("no pg_hba.conf entry"),
            "{}",
            out.stderr
        );
    }
    out.status == 0
}

/// PGTLS007 for the user "all" (CN foo@example.com, map m, no line yet):
/// `fix --apply --unsafe --reload` writes `m foo@example.com all` for 12
/// and 15 and `m foo@example.com "all"` for 16 and 18 (where a bare `all`
/// would let every user in); afterwards "all" connects and kong still does
/// not, on every version.
fn pgtls007_fix(c: &Cluster, major: u32) {
    let data = c.data_dir().display().to_string();
    let conn = conninfo(c, "all");
    let (_, v) =
        pgtls(&["check", "--format", "json", "-D", &data, "--libpq", &conn]).report("check");
    assert!(codes(&v).iter().any(|c| c == "PGTLS007"), "{major}: {v:#}");
    let run = pgtls(&[
        "--format", "json", "fix", "-D", &data, "--libpq", &conn, "--apply", "--unsafe", "--reload",
    ]);
    assert_eq!(run.status, 0, "{major}: {}{}", run.stdout, run.stderr);
    let ident = fs::read_to_string(c.data_dir().join("pg_ident.conf")).unwrap();
    let want = if major >= 16 {
        "m foo@example.com \"all\""
    } else {
        "m foo@example.com all"
    };
    assert!(ident.lines().any(|l| l.trim() == want), "{major}: {ident}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.psql(&conn, &[]).status != 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(connects(c, "all"), "{major}: all after the fix");
    assert!(!connects(c, "kong"), "{major}: kong is still refused");
}

/// PGTLS007 for the user "all" as probe sees it, where the server tells
/// no version before the login: without --pg-version the suggested
/// pg_ident.conf line quotes the name, `certmap  foo@example.com  "all"`,
/// and that line, applied with the suggested pg_hba.conf line, lets "all"
/// in and not kong on every version (12 to 15 drop the quotes and compare
/// the name; 16 and later read a quoted `all` as the name, not the
/// keyword); with --pg-version the line is the version's own. Leaves
/// pg_hba.conf and an empty pg_ident.conf as [`cluster`] made them.
fn pgtls007_probe(c: &Cluster, major: u32) {
    let conn = conninfo(c, "all");
    let suggestion = |extra: &[&str]| {
        let mut args = vec!["probe", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(&conn);
        let (status, v) = pgtls(&args).report("probe");
        assert_eq!(status, 1, "{major} {extra:?}: {v:#}");
        let f = v["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["code"] == "PGTLS007"))
            .unwrap_or_else(|| panic!("{major} {extra:?}: no PGTLS007 in {v:#}"));
        let fact = |k: &str| f["facts"][k].as_str().unwrap_or_default().to_string();
        (
            fact("pg_ident_line"),
            fact("pg_ident_identity_line"),
            fact("hba_line"),
        )
    };
    let v = major.to_string();
    let (own, _, _) = suggestion(&["--pg-version", &v]);
    let want = if major >= 16 {
        "certmap  foo@example.com  \"all\""
    } else {
        "certmap  foo@example.com  all"
    };
    assert_eq!(own, want, "{major}: with --pg-version");
    let (ident, identity, hba) = suggestion(&[]);
    assert_eq!(ident, "certmap  foo@example.com  \"all\"", "{major}");
    assert_eq!(
        hba, "hostssl kong \"all\" 127.0.0.1/32 cert map=certmap",
        "{major}"
    );
    c.write_hba(&format!("{hba}\nhostssl all all 127.0.0.1/32 cert map=m\n"))
        .expect("hba");
    write(c, "pg_ident.conf", &format!("{ident}\n{identity}\n"));
    c.reload().expect("reload");
    assert!(connects(c, "all"), "{major}: all after the probe's fix");
    assert!(!connects(c, "kong"), "{major}: kong is still refused");
    c.write_hba("hostssl all all 127.0.0.1/32 cert map=m\n")
        .expect("hba");
    write(c, "pg_ident.conf", "");
    c.reload().expect("reload");
}

/// 16's new syntax, wrong: a missing include file or directory and a
/// regular expression that does not compile stop 16 and 18 (captured), and
/// check with the same pg_hba.conf predicts it with the server's own line.
#[test]
fn captured_errors_in_16_syntax_match_the_prediction() {
    for major in [16u32, 18] {
        for scenario in [
            "hba_include_missing",
            "hba_include_dir_missing",
            "hba_regex_bad",
        ] {
            let text = fixture(&format!("pg{major}-{scenario}.txt"));
            assert!(text.contains("### start status 1"), "{text}");
            let logged = text
                .lines()
                .find_map(|l| l.strip_prefix("LOG:  "))
                .expect("the LOG line");
            let hba: String = text
                .split("### file pg_hba.conf\n")
                .nth(1)
                .and_then(|t| t.split("###").next())
                .expect("pg_hba.conf")
                .to_string();
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            fs::write(d.join("pg_hba.conf"), &hba).unwrap();
            let v = major.to_string();
            let hba_path = d.join("pg_hba.conf");
            let (status, report) = pgtls(&[
                "check",
                "--format",
                "json",
                "--hba",
                hba_path.to_str().unwrap(),
                "--pg-version",
                &v,
            ])
            .report("check");
            assert_eq!(status, 1, "{report:#}");
            assert_eq!(report["server_start"]["starts"], false, "{report:#}");
            assert_eq!(report["server_start"]["code"], "PGTLS033");
            let want = logged.replace("$DIR/data", &d.display().to_string());
            assert!(
                report["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["severity"] == "error" && p["message"] == want.as_str()),
                "{major} {scenario}: want {want:?} in {report:#}"
            );
        }
    }
}

/// One cluster per version for the checks above: probe's and check's
/// PGTLS007 fixes first (pg_ident.conf still empty), then the
/// pg_ident.conf lines, then pg_hba.conf (which rewrites both files).
fn on_real_server(major: u32) {
    let Some(c) = cluster(major) else { return };
    let started = Instant::now();
    pgtls007_probe(&c, major);
    pgtls007_fix(&c, major);
    ident_lines(&c, major);
    hba_lines(&c, major);
    eprintln!(
        "PostgreSQL {major}: pg_hba.conf and pg_ident.conf in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn postgresql_12() {
    on_real_server(12);
}

#[test]
fn postgresql_15() {
    on_real_server(15);
}

#[test]
fn postgresql_16() {
    on_real_server(16);
}

#[test]
fn postgresql_18() {
    on_real_server(18);
}

/// The local PostgreSQL 15 (OpenSSL 3.0) in Japanese refuses to start on
/// an include record with its own translation of the line, which explains
/// to PGTLS033 as the English one does.
#[test]
fn japanese_server_refuses_the_include_record() {
    let spec = ClusterSpec::new()
        .japanese(true)
        .hba_line("include_dir hba.d");
    match Cluster::start(&spec) {
        Err(LabError::StartFailed { log, .. }) => {
            let line = log
                .lines()
                .find(|l| l.contains("\"include_dir\""))
                .unwrap_or_else(|| panic!("{log}"));
            assert!(line.contains("接続オプションタイプ"), "{line}");
            let found = explain_text(line);
            assert_eq!(found.first().map(|f| f.code()), Some("PGTLS033"), "{line}");
            assert_eq!(
                found[0].facts.get("record").map(String::as_str),
                Some("include_dir")
            );
        }
        Ok(_) => panic!("the local 15 started with an include_dir record"),
        Err(e) => panic!("{e}"),
    }
}
