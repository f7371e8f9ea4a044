//! Line fixtures for every format the reader knows: real PostgreSQL 15
//! output (captured from clusters with lc_messages C and ja_JP.UTF-8 and
//! log_destination stderr, csvlog, jsonlog) and realistic Kong/nginx lines.

use pgtls_logs::{
    read_all, ContinuationKind, Entry, FormatKind, FormatSpec, HbaMatch, LogReader, Options,
    Severity, SourceKind,
};
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(bytes: &[u8]) -> Vec<Entry> {
    read_all(bytes, &Options::default()).0
}

fn read_with(bytes: &[u8], options: &Options) -> Vec<Entry> {
    read_all(bytes, options).0
}

fn find<'a>(entries: &'a [Entry], needle: &str) -> &'a Entry {
    entries
        .iter()
        .find(|e| e.message.contains(needle))
        .unwrap_or_else(|| panic!("no entry with {needle:?}"))
}

fn range(a: &str, b: &str) -> Option<(String, String)> {
    Some((a.to_owned(), b.to_owned()))
}

/// The same assertions hold for the English and Japanese stderr logs.
fn check_stderr(entries: &[Entry], lang_ja: bool) {
    // 35 lines: 1 DETAIL, 1 HINT, 2 STATEMENT and 1 tab-continued line
    // belong to messages before them.
    assert_eq!(entries.len(), 30);
    assert!(entries
        .iter()
        .all(|e| e.source == SourceKind::PostgresServer));
    assert!(entries.iter().all(|e| e.file == 0 && e.epoch_ms.is_some()));

    let cert = if lang_ja {
        "証明書認証に失敗しました"
    } else {
        "certificate authentication failed"
    };
    let fatal = find(entries, cert);
    assert_eq!(fatal.line, 11);
    assert_eq!(fatal.severity, Severity::Fatal);
    assert_eq!(fatal.pid, Some(if lang_ja { 7142 } else { 7072 }));
    assert_eq!(
        (fatal.user.as_deref(), fatal.database.as_deref()),
        (Some("kong"), Some("kong"))
    );
    assert_eq!(
        fatal.facts.hba,
        Some(HbaMatch {
            line: 2,
            text: "hostssl all all 127.0.0.1/32 cert".to_owned()
        })
    );

    let tls = find(entries, "unsupported protocol");
    assert_eq!((tls.line, tls.severity), (14, Severity::Log));
    assert_eq!(tls.user, None, "[unknown] is no user");
    assert!(tls.hint.is_some());
    assert_eq!(tls.facts.ssl_range, range("TLSv1.2", "TLSv1.3"));

    let unknown_ca = find(entries, "tlsv1 alert unknown ca");
    assert_eq!(unknown_ca.hint, None);
    assert_eq!(unknown_ca.raw.len(), unknown_ca.raw.trim_end().len());

    // A two-line statement: the second line is tab-indented in the log.
    let with_tab = entries
        .iter()
        .find(|e| e.statement.as_deref().is_some_and(|s| s.contains("nosuch")))
        .expect("statement with newline");
    assert_eq!(
        with_tab.statement.as_deref(),
        Some("select 'a\nb' from nosuch")
    );
    assert_eq!(with_tab.severity, Severity::Error);
}

#[test]
fn stderr_debian_prefix_english() {
    let bytes = fixture("pg15-debian-en.log");
    let entries = read(&bytes);
    check_stderr(&entries, false);
    assert_eq!(
        entries[0].timestamp.as_deref(),
        Some("2026-11-28 16:08:23.543 UTC")
    );
    assert_eq!(entries[0].epoch_ms, Some(1_795_882_103_543));
    let r = LogReader::new(&bytes[..], 0, "x", &Options::default());
    let mut r = r;
    let _ = r.by_ref().count();
    let f = r.format().unwrap();
    assert_eq!(f.kind, FormatKind::Stderr);
    assert_eq!(f.prefix.as_ref().unwrap().as_str(), "%m [%p] %q%u@%d ");
}

#[test]
fn stderr_debian_prefix_japanese() {
    let entries = read(&fixture("pg15-debian-ja.log"));
    check_stderr(&entries, true);
    // The Japanese HINT carries the range too, and the SQL_ASCII database's
    // mangled STATEMENT keyword (`?:`) still attaches.
    let stmt = find(&entries, "0 ????????????");
    assert_eq!(stmt.statement.as_deref(), Some("select 1/0"));
}

/// csvlog and jsonlog carry the same messages as the stderr log.
fn check_structured(entries: &[Entry], lang_ja: bool, csv: bool) {
    assert_eq!(entries.len(), 30);
    let cert = if lang_ja {
        "証明書認証に失敗しました"
    } else {
        "certificate authentication failed"
    };
    let fatal = find(entries, cert);
    assert_eq!(fatal.line, 11);
    assert_eq!(fatal.sql_state.as_deref(), Some("28000"));
    assert_eq!(fatal.client_host.as_deref(), Some("127.0.0.1"));
    assert!(fatal.client_port.is_some());
    assert_eq!(fatal.facts.hba.as_ref().map(|h| h.line), Some(2));
    let tls = find(entries, "unsupported protocol");
    assert_eq!(tls.facts.ssl_range, range("TLSv1.2", "TLSv1.3"));
    assert_eq!(tls.backend_type.as_deref(), Some("not initialized"));
    let stmt = entries
        .iter()
        .find(|e| e.statement.as_deref() == Some("select 'a\nb' from nosuch"))
        .expect("multi-line statement");
    assert_eq!(stmt.line, 23);
    assert_eq!(stmt.application.as_deref(), Some("psql"));
    if csv {
        // The record after the two-line one starts on line 25.
        assert_eq!(
            entries.iter().find(|e| e.line > 23).map(|e| e.line),
            Some(25)
        );
    }
}

#[test]
fn csvlog_english_and_japanese() {
    for (name, ja) in [("pg15-en.csv", false), ("pg15-ja.csv", true)] {
        let (entries, stats) = read_all(&fixture(name)[..], &Options::default());
        check_structured(&entries, ja, true);
        assert_eq!(stats.lines, 31);
    }
}

#[test]
fn jsonlog_english_and_japanese() {
    for (name, ja) in [("pg15-en.json", false), ("pg15-ja.json", true)] {
        let entries = read(&fixture(name));
        check_structured(&entries, ja, false);
    }
}

#[test]
fn interleaved_pids_keep_their_continuations() {
    let log = "\
2026-11-28 16:02:11.100 UTC [101] [unknown]@[unknown] LOG:  could not accept SSL connection: unsupported protocol
2026-11-28 16:02:11.101 UTC [202] kong@kong FATAL:  certificate authentication failed for user \"kong\"
2026-11-28 16:02:11.102 UTC [303] LOG:  checkpoint starting: time
2026-11-28 16:02:11.103 UTC [202] kong@kong DETAIL:  Connection matched pg_hba.conf line 5: \"hostssl all all 127.0.0.1/32 cert\"
2026-11-28 16:02:11.104 UTC [101] [unknown]@[unknown] HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.2 and TLSv1.3.
2026-11-28 16:02:11.105 UTC [404] LOG:  x
\tsecond line of x
";
    let entries = read(log.as_bytes());
    assert_eq!(
        entries.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![1, 2, 3, 6]
    );
    assert_eq!(entries[0].facts.ssl_range, range("TLSv1.2", "TLSv1.3"));
    assert_eq!(entries[0].detail, None);
    assert_eq!(entries[1].facts.hba.as_ref().map(|h| h.line), Some(5));
    assert_eq!(entries[1].hint, None);
    assert_eq!(entries[2].detail, None);
    assert_eq!(entries[3].message, "x\nsecond line of x");
}

#[test]
fn default_pgbadger_and_no_prefix() {
    let default = "2026-11-28 16:02:11.123 UTC [1234] LOG:  could not accept SSL connection: tlsv1 alert unknown ca\n";
    let e = &read(default.as_bytes())[0];
    assert_eq!((e.pid, e.severity), (Some(1234), Severity::Log));
    assert_eq!(
        e.message,
        "could not accept SSL connection: tlsv1 alert unknown ca"
    );

    let badger = "\
2026-11-28 16:02:11 UTC [1234]: [1-1] user=kong,db=kong,app=[unknown],client=10.0.0.5 FATAL:  connection requires a valid client certificate
2026-11-28 16:02:11 UTC [1234]: [2-1] user=kong,db=kong,app=[unknown],client=10.0.0.5 DETAIL:  Connection matched pg_hba.conf line 9: \"hostssl kong kong 10.0.0.0/8 cert\"
";
    let e = &read(badger.as_bytes())[0];
    assert_eq!(e.client_host.as_deref(), Some("10.0.0.5"));
    assert_eq!(e.application, None);
    assert_eq!(e.facts.hba.as_ref().map(|h| h.line), Some(9));
    assert_eq!(e.epoch_ms, Some(1_795_881_731_000));

    let bare = "LOG:  could not accept SSL connection: wrong version number\nHINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.1 and TLSv1.1.\n";
    let entries = read(bare.as_bytes());
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].facts.ssl_range, range("TLSv1.1", "TLSv1.1"));
    assert_eq!(entries[0].pid, None);
}

#[test]
fn explicit_prefix_and_verbose_sqlstate() {
    let log = "1795881731.123 pid=77 app=psql LOG:  08P01: could not accept SSL connection: unsupported protocol\n\
               1795881731.123 pid=77 app=psql LOCATION:  be_tls_open_server, be-secure-openssl.c:497\n";
    let options = Options {
        format: FormatSpec::from_args("stderr", Some("%n pid=%p app=%a ")).unwrap(),
        ..Options::default()
    };
    let entries = read_with(log.as_bytes(), &options);
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!((e.pid, e.application.as_deref()), (Some(77), Some("psql")));
    assert_eq!(e.sql_state.as_deref(), Some("08P01"));
    assert_eq!(
        e.message,
        "could not accept SSL connection: unsupported protocol"
    );
    assert_eq!(
        e.location.as_deref(),
        Some("be_tls_open_server, be-secure-openssl.c:497")
    );
    assert_eq!(e.epoch_ms, Some(1_795_881_731_123));
}

#[test]
fn orphan_continuation_is_marked_not_a_message() {
    let log = "2026-11-28 16:02:11.123 UTC [9] HINT:  Set ssl = on in postgresql.conf.\n";
    let e = &read(log.as_bytes())[0];
    assert_eq!(e.severity, Severity::Orphan(ContinuationKind::Hint));
    assert_eq!(e.message, "Set ssl = on in postgresql.conf.");
}

#[test]
fn syslog_with_chunks() {
    let log = "\
Nov 28 16:02:11 db1 postgres[7075]: [5-1] 2026-11-28 16:02:11.123 UTC [7075] [unknown]@[unknown] LOG:  could not accept SSL connection: unsupported protocol
Nov 28 16:02:11 db1 postgres[7081]: [3-1] 2026-11-28 16:02:11.124 UTC [7081] postgres@postgres ERROR:  relation \"nosuch\" does not exist at character 19
Nov 28 16:02:11 db1 postgres[7075]: [5-2] 2026-11-28 16:02:11.123 UTC [7075] [unknown]@[unknown] HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.2 and TLSv1.3.
Nov 28 16:02:11 db1 postgres[7081]: [3-2] 2026-11-28 16:02:11.124 UTC [7081] postgres@postgres STATEMENT:  select 'a
Nov 28 16:02:11 db1 postgres[7081]: [3-3] #011b' from nosuch
Nov 28 16:02:12 db1 postgres[7081]: [4-1] LOG:  disconnection: session time: 0:00:00.002
Nov 28 16:02:12 db1 CRON[99]: (root) CMD (run-parts /etc/cron.hourly)
";
    let (entries, _) = read_all(log.as_bytes(), &Options::default());
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0].facts.ssl_range, range("TLSv1.2", "TLSv1.3"));
    assert_eq!(entries[0].pid, Some(7075));
    assert_eq!(
        entries[1].statement.as_deref(),
        Some("select 'a\nb' from nosuch")
    );
    // Without log_line_prefix inside syslog, the syslog timestamp stands in.
    assert_eq!(entries[2].timestamp.as_deref(), Some("Nov 28 16:02:12"));
    assert_eq!(entries[2].severity, Severity::Log);
    assert_eq!(entries[3].source, SourceKind::Unknown);
}

#[test]
fn kong_error_log_and_cli_output() {
    let log = "\
2026/11/28 16:02:11 [error] 1234#0: *5 SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48), context: ngx.timer
2026/11/28 16:02:11 [error] 1234#0: *5 lua ssl certificate verify error: (21: unable to verify the first certificate), context: ngx.timer
2026/11/28 16:02:12 [error] 1240#0: init_by_lua error: /usr/local/share/lua/5.1/kong/init.lua:553: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: certificate verify failed
stack traceback:
\t[C]: in function 'assert'
\t/usr/local/share/lua/5.1/kong/init.lua:553: in function 'init'
\tinit_by_lua:3: in main chunk
2026/11/28 16:02:13 [notice] 1#0: signal process started
";
    let entries = read(log.as_bytes());
    assert_eq!(entries.len(), 4);
    assert!(entries
        .iter()
        .take(3)
        .all(|e| e.source == SourceKind::Kong && e.severity == Severity::Error));
    assert_eq!(
        entries[1].message,
        "lua ssl certificate verify error: (21: unable to verify the first certificate)"
    );
    let init = &entries[2];
    assert!(init
        .message
        .ends_with("server_version_num: certificate verify failed"));
    let trace = init.context.as_deref().unwrap();
    assert!(
        trace.starts_with("stack traceback:\n\t[C]: in function 'assert'"),
        "{trace}"
    );
    assert_eq!(trace.lines().count(), 4);
    assert_eq!(entries[3].source, SourceKind::Nginx);
    assert_eq!(entries[3].line, 8);

    let cli = "\
Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: certificate verify failed

  Run with --v (verbose) or --vv (debug) for more details
";
    let entries = read(cli.as_bytes());
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(
        entries[0].context.as_deref(),
        Some("  Run with --v (verbose) or --vv (debug) for more details")
    );
    assert_eq!(
        (entries[0].source, entries[0].severity),
        (SourceKind::Kong, Severity::Error)
    );
    assert_eq!(entries[0].message, "[PostgreSQL error] failed to retrieve PostgreSQL server_version_num: certificate verify failed");
}

#[test]
fn unknown_lines_pass_through_raw() {
    let log = "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify failed\n\
               psql: error: connection to server at \"127.0.0.1\", port 55439 failed: FATAL:  connection requires a valid client certificate\n";
    let entries = read(log.as_bytes());
    assert_eq!(entries.len(), 2);
    assert!(entries
        .iter()
        .all(|e| e.source == SourceKind::Unknown && e.severity == Severity::Unknown));
    assert_eq!(entries[0].message, entries[0].raw);
    assert!(entries[0]
        .message
        .ends_with("SSL error: certificate verify failed"));
}

#[test]
fn crlf_line_endings() {
    let log =
        "2026-11-28 16:02:11.123 UTC [1] LOG:  a\r\n2026-11-28 16:02:11.123 UTC [1] HINT:  b\r\n";
    let entries = read(log.as_bytes());
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].message.as_str(), entries[0].hint.as_deref()),
        ("a", Some("b"))
    );
}

#[test]
fn tiny_blocks_give_the_same_entries() {
    let small = Options {
        block_size: 64,
        ..Options::default()
    };
    for name in ["pg15-debian-en.log", "pg15-ja.csv", "pg15-ja.json"] {
        let bytes = fixture(name);
        assert_eq!(read_with(&bytes, &small), read(&bytes), "{name}");
    }
}
