//! The seed's nine failures (PGTLS001 to PGTLS009) on a real server of
//! every version 12 to 18 (the lab's packaged builds, OpenSSL 1.1), one
//! table for all of them: each failure is provoked on the running server
//! (or, for the three that stop it, by a restart), and the same pgtls code
//! judges it for every version — `probe` on the live connection, `check`
//! on the data directory (and the client's connection string), `explain` on
//! the server's start-up line, and `logs` on the whole log. Four failures
//! (PGTLS001, PGTLS005, PGTLS008 and a client without TLS meeting only
//! hostssl lines, PGTLS016) also go through a real client, that version's
//! own libpq (the local one where libpq 12 lacks the option): its first
//! line and the server's line explain to the code, with what the version
//! changes in them (12 gives no HINT with the TLS range; 12 and 13 say
//! "SSL off", later versions "no encryption"). A version missing from the
//! lab's cache skips with one line.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pgtls_diagnose::explain::explain_text;
use pgtls_lab::{files, version_binaries, Cluster, ClusterSpec, LabError, Owner, PgClient};
use serde_json::Value;

use crate::lab_util::{codes, path, pki};
use crate::util::{pgtls, Run};

const LOG_WAIT: Duration = Duration::from_secs(10);

/// A failure seen by a client of the running server.
struct Live {
    code: &'static str,
    /// The connection string after host and port.
    conninfo: String,
    /// The failure as a real client meets it, when the case checks that
    /// too: the client's first line and the server's line explain to the
    /// code.
    seen: Option<Seen>,
}

/// How a real client and the server show one failure.
struct Seen {
    /// What the server's log line holds.
    needle: &'static str,
    /// The local libpq instead of the version's own (libpq 12 has no
    /// ssl_max_protocol_version).
    local_client: bool,
}

const fn seen(needle: &'static str, local_client: bool) -> Option<Seen> {
    Some(Seen {
        needle,
        local_client,
    })
}

/// A failure that stops the server at its next start.
#[derive(Clone, Copy)]
enum Stop {
    Remove(&'static str),
    KeyMode(u32),
}

fn cert(crt: &str, key: &str) -> String {
    format!("sslcert={} sslkey={}", path(crt), path(key))
}

fn live_cases() -> Vec<Live> {
    let root = path(files::ROOT_CA);
    let kong = cert(files::CLIENT_KONG, files::CLIENT_KONG_KEY);
    let ca = |user: &str, root: &str| {
        format!("user={user} dbname=kong sslmode=verify-ca sslrootcert={root}")
    };
    vec![
        Live {
            code: "PGTLS001",
            conninfo: format!(
                "{} {kong} ssl_max_protocol_version=TLSv1.2",
                ca("kong", &root)
            ),
            seen: seen("could not accept SSL connection", true),
        },
        Live {
            code: "PGTLS005",
            conninfo: format!("{} {kong}", ca("kong", &path(files::OTHER_CA))),
            seen: seen("could not accept SSL connection", false),
        },
        Live {
            code: "PGTLS006",
            conninfo: format!(
                "{} {}",
                ca("kong", &root),
                cert(files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY)
            ),
            seen: None,
        },
        Live {
            code: "PGTLS007",
            conninfo: format!(
                "{} {}",
                ca("kong", &root),
                cert(files::CLIENT_FOO, files::CLIENT_FOO_KEY)
            ),
            seen: None,
        },
        Live {
            code: "PGTLS008",
            conninfo: ca("foo", &root),
            seen: seen("connection requires a valid client certificate", false),
        },
        // Not one of the nine: every line is hostssl.
        Live {
            code: "PGTLS016",
            conninfo: "user=kong dbname=kong sslmode=disable".to_string(),
            seen: seen("no pg_hba.conf entry", false),
        },
    ]
}

const STOPS: [(&str, Stop); 3] = [
    ("PGTLS002", Stop::Remove("server.crt")),
    ("PGTLS003", Stop::Remove("server.key")),
    ("PGTLS004", Stop::KeyMode(0o640)),
];

/// `pgtls probe --format json`; the first code.
fn probe_code(conninfo: &str) -> Option<String> {
    let home = tempfile::tempdir().expect("home");
    let run: Run = Command::new(env!("CARGO_BIN_EXE_pgtls"))
        .args(["probe", "--format", "json", "--timeout", "5", conninfo])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("LANG", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("pgtls runs")
        .into();
    let (_, v) = run.report("probe");
    codes(&v).into_iter().next()
}

fn first_code(text: &str) -> Option<&'static str> {
    explain_text(text).first().map(|f| f.code())
}

/// The case through a real client: its first line and the server's line
/// both explain to the code, and what the server's version changes in the
/// line is as that version writes it.
fn through_client(c: &Cluster, major: u32, case: &Live, seen: &Seen) {
    let what = format!("PostgreSQL {major}, {}", case.code);
    let client = if seen.local_client {
        PgClient::local().expect("local psql")
    } else {
        c.client().clone()
    };
    let mark = c.log_mark();
    let out = c.psql_with(&client, &case.conninfo, &[]);
    assert_ne!(out.status, 0, "{what}: the client connected");
    let log = c
        .wait_for_log(&mark, seen.needle, LOG_WAIT)
        .unwrap_or_else(|e| panic!("{what}: {e}\nclient: {}", out.stderr));
    let first = out.stderr.lines().next().unwrap_or_default();
    assert_eq!(
        first_code(first),
        Some(case.code),
        "{what}: client printed {first:?}"
    );
    let line = log
        .lines()
        .find(|l| l.contains(seen.needle))
        .expect("needle line");
    assert_eq!(
        first_code(line),
        Some(case.code),
        "{what}: server logged {line:?}"
    );
    match case.code {
        // 13 and later add the server's range as a HINT; 12 does not.
        "PGTLS001" => {
            let hint = log.lines().find(|l| l.contains("HINT:"));
            assert_eq!(hint.is_some(), major >= 13, "{what}: {log}");
            if let Some(hint) = hint {
                let f = &explain_text(hint)[0];
                assert_eq!(
                    f.facts.get("server_min").map(String::as_str),
                    Some("TLSv1.3"),
                    "{what}: {hint}"
                );
            }
        }
        "PGTLS016" => {
            let word = if major <= 13 {
                ", SSL off"
            } else {
                ", no encryption"
            };
            assert!(
                log.lines()
                    .any(|l| l.contains(seen.needle) && l.ends_with(word)),
                "{what}: {log}"
            );
        }
        _ => {}
    }
}

fn check(args: &[&str]) -> Value {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    pgtls(&all).report("check").1
}

fn nine(major: u32) {
    if let Err(e @ LabError::VersionMissing { .. }) = version_binaries(major) {
        eprintln!("skipped PostgreSQL {major}: {e}");
        return;
    }
    let started = Instant::now();
    let spec = ClusterSpec::new()
        .pg_version(major)
        .with_server_tls(pki())
        .and_then(|s| s.with_client_ca(pki()))
        .expect("TLS files")
        .setting("ssl_min_protocol_version", "'TLSv1.3'")
        .hba_line("hostssl all foo 127.0.0.1/32 cert")
        .hba_line("hostssl all kong 127.0.0.1/32 cert");
    let mut c = Cluster::start(&spec).unwrap_or_else(|e| panic!("PostgreSQL {major}: {e}"));
    let data = c.data_dir().display().to_string();
    let at = |conninfo: &str| format!("{} {conninfo}", c.tcp_conninfo());
    let predicted = |conninfo: &str| -> Option<String> {
        let v = check(&["-D", &data, "--libpq", &at(conninfo)]);
        assert_eq!(
            v["server"]["server_version"]["major"], major,
            "PG_VERSION read: {v:#}"
        );
        v["connections"][0]["code"].as_str().map(str::to_string)
    };

    let mut cases: Vec<Live> = live_cases();
    for case in &cases {
        let what = format!("PostgreSQL {major}, {}", case.code);
        assert_eq!(
            probe_code(&at(&case.conninfo)).as_deref(),
            Some(case.code),
            "{what}: probe"
        );
        assert_eq!(
            predicted(&case.conninfo).as_deref(),
            Some(case.code),
            "{what}: check"
        );
        if let Some(seen) = &case.seen {
            through_client(&c, major, case, seen);
        }
    }

    // PGTLS009: ssl = off, then a client that requires TLS.
    c.sql("ALTER SYSTEM SET ssl = off").expect("ssl off");
    c.reload().expect("reload");
    let require = Live {
        code: "PGTLS009",
        conninfo: "user=kong dbname=kong sslmode=require".to_string(),
        seen: None,
    };
    assert_eq!(
        probe_code(&at(&require.conninfo)).as_deref(),
        Some("PGTLS009"),
        "PostgreSQL {major}: probe"
    );
    assert_eq!(
        predicted(&require.conninfo).as_deref(),
        Some("PGTLS009"),
        "PostgreSQL {major}: check"
    );
    cases.push(require);
    c.sql("ALTER SYSTEM RESET ssl").expect("ssl on");

    // PGTLS002-004: check predicts the start failure, the restart fails
    // with the line that explains to the same code. Each is undone before
    // the next.
    let key_bytes = std::fs::read(pki().path(files::SERVER_KEY)).expect("key");
    let crt_bytes = std::fs::read(pki().path(files::SERVER)).expect("cert");
    for (code, stop) in STOPS {
        let what = format!("PostgreSQL {major}, {code}");
        match stop {
            Stop::Remove(name) => std::fs::remove_file(c.data_dir().join(name)).expect("rm"),
            Stop::KeyMode(mode) => std::fs::set_permissions(
                c.data_dir().join("server.key"),
                std::fs::Permissions::from_mode(mode),
            )
            .expect("chmod"),
        }
        let v = check(&["-D", &data]);
        assert_eq!(v["server_start"]["starts"], false, "{what}: {v:#}");
        assert_eq!(v["server_start"]["code"], code, "{what}: {v:#}");
        match c.restart() {
            Err(LabError::StartFailed { fatal, .. }) => {
                let got = explain_text(&fatal).first().map(|f| f.code());
                assert_eq!(got, Some(code), "{what}: {fatal}");
            }
            other => panic!("{what}: the server started: {other:?}"),
        }
        c.write_file("server.crt", &crt_bytes, 0o600, Owner::ServerUser)
            .expect("restore cert");
        c.write_file("server.key", &key_bytes, 0o600, Owner::ServerUser)
            .expect("restore key");
    }

    // The whole log through the log reader: all nine, and PGTLS016.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("postgresql.log");
    std::fs::write(&file, c.log_text()).expect("write log");
    let found = codes(&pgtls(&["logs", "--format", "json", file.to_str().unwrap()]).json());
    for code in cases.iter().map(|c| c.code).chain(STOPS.map(|(c, _)| c)) {
        assert!(
            found.iter().any(|c| c == code),
            "PostgreSQL {major}: logs gave {found:?}, missing {code}"
        );
    }
    eprintln!(
        "PostgreSQL {major}: nine failures in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn postgresql_12() {
    nine(12);
}

#[test]
fn postgresql_13() {
    nine(13);
}

#[test]
fn postgresql_14() {
    nine(14);
}

#[test]
fn postgresql_15() {
    nine(15);
}

#[test]
fn postgresql_16() {
    nine(16);
}

#[test]
fn postgresql_17() {
    nine(17);
}

#[test]
fn postgresql_18() {
    nine(18);
}
