//! Input handling: damaged and foreign-encoded bytes, huge lines, gzip,
//! directories, the prefilter fast path and following a growing file.

use aho_corasick::AhoCorasick;
use flate2::write::GzEncoder;
use flate2::Compression;
use pgtls_logs::{
    expand, read_all, Entry, Error, Follower, LineFilter, Literals, LogReader, MultiReader,
    Options, Prefilter, Severity, SourceKind,
};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FAIL: &str = "2026-11-28 16:02:11.123 UTC [4242] [unknown]@[unknown] LOG:  could not accept SSL connection: unsupported protocol";
const FAIL_HINT: &str = "2026-11-28 16:02:11.123 UTC [4242] [unknown]@[unknown] HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.2 and TLSv1.3.";

fn noise(i: usize) -> String {
    format!(
        "2026-11-28 16:02:11.123 UTC [{}] kong@kong LOG:  connection authorized: user=kong database=kong application_name=kong",
        1000 + i % 50
    )
}

#[test]
fn junk_and_legacy_japanese_encodings() {
    let ja = "2026-11-28 16:08:25.907 UTC [7145] [不明]@[不明] LOG:  SSL接続を受け付けられませんでした: unsupported protocol";
    let hint = "2026-11-28 16:08:25.907 UTC [7145] [不明]@[不明] ヒント:  このことは、クライアントがSSLプロトコルのバージョンTLSv1.2からTLSv1.3のいずれもサポートしていないことを示唆しているかもしれません。";
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&encoding_rs::EUC_JP.encode(ja).0);
    bytes.push(b'\n');
    bytes.extend_from_slice(&encoding_rs::EUC_JP.encode(hint).0);
    bytes.push(b'\n');
    bytes.extend_from_slice(&encoding_rs::SHIFT_JIS.encode(ja).0);
    bytes.push(b'\n');
    bytes.extend_from_slice(b"\x00\x00\x00\xff\xfe binary \x00 junk \x80\n");
    bytes.extend_from_slice(b"2026-11-28 16:02:11.123 UTC [1] LOG:  \xff\xfe invalid\n");
    let (entries, stats) = read_all(&bytes[..], &Options::default());
    assert_eq!(entries.len(), 4, "{entries:#?}");
    assert_eq!(
        entries[0].message,
        "SSL接続を受け付けられませんでした: unsupported protocol"
    );
    assert_eq!(
        entries[0]
            .hint
            .as_deref()
            .map(|h| h.contains("TLSv1.2から")),
        Some(true)
    );
    assert_eq!(
        entries[0].facts.ssl_range,
        Some(("TLSv1.2".into(), "TLSv1.3".into()))
    );
    assert_eq!(entries[1].message, entries[0].message);
    assert_eq!(entries[2].source, SourceKind::Unknown);
    assert_eq!(entries[3].severity, Severity::Log);
    assert!(entries[3].message.contains('\u{FFFD}'));
    assert_eq!(
        (
            stats.decode.euc_jp,
            stats.decode.shift_jis,
            stats.decode.lossy
        ),
        (2, 1, 2)
    );
}

#[test]
fn random_bytes_do_not_panic() {
    // A fixed pseudo-random sequence with many NULs, newlines and quotes.
    let mut x: u32 = 0x1234_5678;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            [0u8, b'\n', b'"', b'\t', b'[', b':', b' ', (x >> 8) as u8][(x % 8) as usize]
        })
        .collect();
    for format in ["auto", "stderr", "csv", "json", "syslog", "kong"] {
        let options = Options {
            format: pgtls_logs::FormatSpec::from_args(format, None).unwrap(),
            block_size: 4096,
            ..Options::default()
        };
        let (_, stats) = read_all(&bytes[..], &options);
        assert_eq!(stats.bytes, bytes.len() as u64, "{format}");
    }
}

#[test]
fn mutated_real_lines_do_not_panic() {
    // Real lines of every format with bytes replaced, inserted and cut at
    // random (fixed seed), including bytes of multi-byte characters, so
    // that every parser meets text that almost fits.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for name in [
        "pg15-debian-en.log",
        "pg15-debian-ja.log",
        "pg15-ja.csv",
        "pg15-en.json",
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        lines.extend(bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec));
    }
    lines.push(b"Nov 28 16:02:11 db1 postgres[7075]: [5-2] #011x".to_vec());
    lines.push(
        b"2026/11/28 16:02:11 [error] 1234#0: *5 SSL_do_handshake() failed, context: ngx.timer"
            .to_vec(),
    );
    let alphabet = [
        0u8, b'\n', b'"', b'\t', b' ', b':', b'[', b']', b'#', b',', 0xE3, 0x81, 0x82, 0xFF, b'9',
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut input = Vec::new();
    for _ in 0..6000 {
        let mut line = lines[(next() % lines.len() as u64) as usize].clone();
        for _ in 0..(next() % 4) {
            let at = (next() % (line.len() as u64 + 1)) as usize;
            let byte = alphabet[(next() % alphabet.len() as u64) as usize];
            match next() % 3 {
                0 if at < line.len() => line[at] = byte,
                1 => line.insert(at, byte),
                _ => line.truncate(at),
            }
        }
        input.extend_from_slice(&line);
        input.push(b'\n');
    }
    for format in ["auto", "stderr", "csv", "json", "syslog", "kong"] {
        let options = Options {
            format: pgtls_logs::FormatSpec::from_args(format, None).unwrap(),
            block_size: 1000,
            ..Options::default()
        };
        let (_, stats) = read_all(&input[..], &options);
        assert_eq!(stats.bytes, input.len() as u64, "{format}");
    }
}

#[test]
fn five_megabyte_line_is_cut_and_counted() {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(
        b"2026-11-28 16:02:11.123 UTC [7] ERROR:  syntax error at or near \"x\"\n",
    );
    bytes.extend_from_slice(b"2026-11-28 16:02:11.123 UTC [7] STATEMENT:  select '");
    bytes.extend(std::iter::repeat_n(b'a', 5 << 20));
    bytes.extend_from_slice(b"'\n");
    bytes.extend_from_slice(FAIL.as_bytes());
    bytes.push(b'\n');
    let (entries, stats) = read_all(&bytes[..], &Options::default());
    assert_eq!(stats.truncated_lines, 1);
    assert_eq!(stats.lines, 3);
    assert_eq!(entries.len(), 2);
    let statement = entries[0].statement.as_deref().unwrap();
    assert!(statement.len() < (1 << 20) && statement.len() > 1000);
    assert_eq!(entries[1].line, 3);
    assert!(entries[1].message.ends_with("unsupported protocol"));
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn directory_of_rotated_logs_with_gzip_and_a_truncated_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::new();
    for i in 0..5000 {
        log.push_str(&noise(i));
        log.push('\n');
    }
    log.push_str(FAIL);
    log.push('\n');
    let whole = gz(log.as_bytes());
    // Rotated names sort oldest first; the middle one was cut short.
    std::fs::write(dir.path().join("postgresql-2026-11-26.log.gz"), &whole).unwrap();
    std::fs::write(
        dir.path().join("postgresql-2026-11-27.log.gz"),
        &whole[..whole.len() / 2],
    )
    .unwrap();
    std::fs::write(
        dir.path().join("postgresql-2026-11-28.log"),
        format!("{FAIL}\n{FAIL_HINT}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join(".hidden"), "x\n").unwrap();

    let inputs = expand(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(inputs.len(), 3);
    assert!(inputs[2].name.ends_with("postgresql-2026-11-28.log"));
    let mut reader = MultiReader::new(inputs, Options::default());
    let entries: Vec<Entry> = reader.by_ref().collect();
    let stats = reader.into_stats();

    let per_file = |f: usize| entries.iter().filter(|e| e.file == f).count();
    assert_eq!(per_file(0), 5001);
    let partial = per_file(1);
    assert!(partial > 100 && partial < 5001, "{partial}");
    assert_eq!(per_file(2), 1);
    let last = entries.last().unwrap();
    assert_eq!(
        last.facts.ssl_range,
        Some(("TLSv1.2".into(), "TLSv1.3".into()))
    );
    assert_eq!(stats.errors.len(), 1);
    assert!(
        matches!(&stats.errors[0], Error::TruncatedGzip { name } if name.ends_with("11-27.log.gz"))
    );
}

#[test]
fn missing_path_is_an_error() {
    let err = expand(&["/nonexistent/pgtls/log".into()]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot open /nonexistent/pgtls/log"),
        "{err}"
    );
}

fn synthetic(lines: usize, every: usize) -> (String, Vec<u64>) {
    let mut log = String::new();
    let mut fail_lines = Vec::new();
    let mut n = 0u64;
    for i in 0..lines {
        if i % every == every - 1 {
            log.push_str(FAIL);
            log.push('\n');
            n += 1;
            fail_lines.push(n);
            // Another process writes between the message and its HINT.
            log.push_str(&noise(i));
            log.push('\n');
            n += 1;
            log.push_str(FAIL_HINT);
            log.push('\n');
            n += 1;
        } else {
            log.push_str(&noise(i));
            log.push('\n');
            n += 1;
        }
    }
    (log, fail_lines)
}

fn check_filtered(filter: Arc<dyn Prefilter>, block_size: usize) {
    let (log, fail_lines) = synthetic(20_000, 997);
    let options = Options {
        block_size,
        ..Options::default()
    };
    let mut reader =
        LogReader::new(log.as_bytes(), 0, "synthetic", &options).with_prefilter(filter);
    let entries: Vec<Entry> = reader.by_ref().collect();
    assert_eq!(
        entries.iter().map(|e| e.line).collect::<Vec<_>>(),
        fail_lines
    );
    for e in &entries {
        assert_eq!(
            e.facts.ssl_range,
            Some(("TLSv1.2".into(), "TLSv1.3".into())),
            "line {}",
            e.line
        );
        assert_eq!(e.pid, Some(4242));
    }
    assert_eq!(reader.stats().lines, 20_000 + 2 * fail_lines.len() as u64);
    assert_eq!(reader.stats().entries, fail_lines.len() as u64);
}

#[test]
fn prefilter_keeps_matches_and_their_continuations() {
    let ac = AhoCorasick::new([
        "could not accept SSL connection",
        "certificate verify failed",
    ])
    .unwrap();
    check_filtered(Arc::new(ac.clone()), 256 << 10);
    check_filtered(Arc::new(ac), 100);
    let by_line =
        LineFilter(|line: &[u8]| memchr::memmem::find(line, b"could not accept SSL").is_some());
    check_filtered(Arc::new(by_line), 4096);
}

#[test]
fn unfiltered_and_filtered_agree_on_matching_entries() {
    let (log, _) = synthetic(3000, 100);
    let all: Vec<Entry> = read_all(log.as_bytes(), &Options::default())
        .0
        .into_iter()
        .filter(|e| e.message.contains("could not accept SSL"))
        .collect();
    let ac = AhoCorasick::new(["could not accept SSL"]).unwrap();
    let filtered: Vec<Entry> = LogReader::new(log.as_bytes(), 0, "x", &Options::default())
        .with_prefilter(Arc::new(ac))
        .collect();
    assert_eq!(all, filtered);
}

#[test]
fn csvlog_prefilter_reads_whole_multi_line_records() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pg15-en.csv");
    let bytes = std::fs::read(path).unwrap();
    let filter = Literals::new(["unsupported protocol", "from nosuch"]).unwrap();
    let entries: Vec<Entry> = LogReader::new(&bytes[..], 0, "csv", &Options::default())
        .with_prefilter(Arc::new(filter))
        .collect();
    // The second literal is on the record's second physical line.
    assert_eq!(
        entries.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![13, 23]
    );
    assert_eq!(
        entries[1].statement.as_deref(),
        Some("select 'a\nb' from nosuch")
    );
    assert_eq!(
        entries[0].facts.ssl_range,
        Some(("TLSv1.2".into(), "TLSv1.3".into()))
    );
}

#[test]
fn follow_reads_growth_rotation_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("postgresql.log");
    // PostgreSQL writes a message and its HINT in one write.
    std::fs::write(&path, format!("{FAIL}\n{FAIL_HINT}\n")).unwrap();
    let follower = Follower::new(&path, true, Duration::from_millis(20)).unwrap();
    let stop = follower.stop_handle();
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let pause = || std::thread::sleep(Duration::from_millis(120));
        pause();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&writer_path)
            .unwrap();
        f.write_all(b"2026-11-28 16:02:12.000 UTC [5] FATAL:  growth\n2026-11-28 16:02:12.000 UTC [5] DETAIL:  d\n")
            .unwrap();
        pause();
        // Rotation: the old file is renamed away, a new one takes its name.
        std::fs::rename(&writer_path, writer_path.with_extension("log.1")).unwrap();
        std::fs::write(
            &writer_path,
            "2026-11-28 16:02:13.000 UTC [6] FATAL:  after rotation\n",
        )
        .unwrap();
        pause();
        // copytruncate: the same file, emptied and written again.
        std::fs::write(&writer_path, "2026-11-28 16:02:14.000 UTC [7] FATAL:  x\n").unwrap();
        pause();
    });
    let mut reader = LogReader::new(follower, 0, "followed", &Options::default());
    let started = Instant::now();
    let mut messages = Vec::new();
    while messages.len() < 4 && started.elapsed() < Duration::from_secs(10) {
        match reader.next() {
            Some(e) => messages.push((e.message.clone(), e.hint.is_some() || e.detail.is_some())),
            None => break,
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    assert_eq!(
        messages,
        vec![
            (
                "could not accept SSL connection: unsupported protocol".to_owned(),
                true
            ),
            ("growth".to_owned(), true),
            ("after rotation".to_owned(), false),
            ("x".to_owned(), false),
        ]
    );
}
