//! Measures the reader's throughput in MB/s on a synthetic PostgreSQL log
//! with one TLS failure (plus its HINT) per 1000 lines, with and without a
//! literal prefilter, so that changes to the fast path can be judged.
//!
//! `cargo run --release -p pgtls-logs --example throughput [MEGABYTES] [FILE]`
//! writes the synthetic log to FILE (default: a temporary file) when it does
//! not exist, then reads it.

use pgtls_logs::{Literals, LogReader, Options};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn write_log(path: &PathBuf, megabytes: usize) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut written = 0usize;
    let mut i = 0usize;
    while written < megabytes << 20 {
        let line = if i % 1000 == 999 {
            format!(
                "2026-11-28 16:02:11.{:03} UTC [{}] [unknown]@[unknown] LOG:  could not accept SSL connection: unsupported protocol\n\
                 2026-11-28 16:02:11.{:03} UTC [{}] [unknown]@[unknown] HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.2 and TLSv1.3.\n",
                i % 1000, 20000 + i % 977, i % 1000, 20000 + i % 977
            )
        } else {
            format!(
                "2026-11-28 16:02:11.{:03} UTC [{}] kong@kong LOG:  connection authorized: user=kong database=kong application_name=kong SSL enabled (protocol=TLSv1.3)\n",
                i % 1000,
                10000 + i % 499
            )
        };
        out.write_all(line.as_bytes())?;
        written += line.len();
        i += 1;
    }
    out.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let megabytes: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let (path, _guard) = match args.next() {
        Some(p) => (PathBuf::from(p), None),
        None => {
            let dir = tempfile::tempdir()?;
            (dir.path().join("synthetic.log"), Some(dir))
        }
    };
    if !path.exists() {
        write_log(&path, megabytes)?;
    }
    let size = std::fs::metadata(&path)?.len() as f64 / 1e6;
    // Literals of the kind the diagnosis catalogue matches on.
    let prefilter = Literals::new([
        "could not accept SSL connection",
        "SSL接続を受け付けられませんでした",
        "certificate verify failed",
        "FATAL",
        "tlsv1 alert",
        "SSL_do_handshake() failed",
        "lua ssl certificate verify error",
        "server_version_num",
        "private key file",
        "server certificate file",
        "root certificate",
        "pg_hba.conf",
        "hostssl record cannot match",
    ])?;
    for (label, filtered) in [("prefiltered", true), ("all lines", false)] {
        // Twice: the first run also warms the page cache.
        for _ in 0..2 {
            let start = Instant::now();
            let mut reader =
                LogReader::new(File::open(&path)?, 0, "synthetic", &Options::default());
            if filtered {
                reader = reader.with_prefilter(Arc::new(prefilter.clone()));
            }
            let mut hints = 0usize;
            let mut entries = 0usize;
            for e in reader.by_ref() {
                entries += 1;
                hints += usize::from(e.facts.ssl_range.is_some());
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{label:>12}: {size:.0} MB in {secs:.3} s = {:.0} MB/s ({entries} entries, {hints} with TLS range, {} lines)",
                size / secs,
                reader.stats().lines
            );
        }
    }
    Ok(())
}
