//! The streaming reader: bytes in, [`Entry`] values out, in input order,
//! with memory bounded by the block size, the line cap and the continuation
//! window, never by the input's size.
//!
//! Speed comes from not looking at most lines. With a [`Prefilter`] (the
//! literals of the diagnosis catalogue), a whole block is searched at once
//! and the lines between matches are only counted, never decoded or
//! parsed. After a match the reader reads every line for a short window,
//! so that the DETAIL and HINT lines of the matched message (which carry
//! no catalogue literal) are still attached to it.

use crate::assemble::Assembler;
use crate::decode::{self, DecodeStats};
use crate::entry::{ContinuationKind, Entry, Severity, SourceKind};
use crate::error::Error;
use crate::format::{Format, FormatKind, FormatSpec};
use crate::prefix::{self, LineHead, Word};
use crate::{csv, json, kong, pgbouncer, syslog};
use std::io::{self, Read};
use std::sync::Arc;

/// Decides cheaply, on raw bytes, which lines may matter. A line for which
/// it finds nothing is skipped without decoding (unless it continues a
/// message that did match).
pub trait Prefilter: Send + Sync {
    /// The offset of the first byte at or after `from` in `haystack` that
    /// lies in a line that may matter, or `None`.
    fn find(&self, haystack: &[u8], from: usize) -> Option<usize>;
}

impl Prefilter for aho_corasick::AhoCorasick {
    fn find(&self, haystack: &[u8], from: usize) -> Option<usize> {
        let input = aho_corasick::Input::new(haystack).span(from..haystack.len());
        aho_corasick::AhoCorasick::find(self, input).map(|m| m.start())
    }
}

/// A [`Prefilter`] over a set of literals (the diagnosis catalogue's,
/// English and Japanese), built for speed: leftmost-first matching lets
/// aho-corasick use its SIMD packed searcher, which standard matching
/// cannot; a whole block is searched at once.
#[derive(Debug, Clone)]
pub struct Literals(aho_corasick::AhoCorasick);

impl Literals {
    /// Builds the prefilter; fails only when the set is too large for the
    /// automaton.
    pub fn new<I, P>(literals: I) -> Result<Literals, Error>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(literals)
            .map(Literals)
            .map_err(|e| Error::Prefilter {
                reason: e.to_string(),
            })
    }
}

impl Prefilter for Literals {
    fn find(&self, haystack: &[u8], from: usize) -> Option<usize> {
        Prefilter::find(&self.0, haystack, from)
    }
}

/// A [`Prefilter`] from a predicate over one line's bytes (without its
/// line ending).
pub struct LineFilter<F>(pub F);

impl<F: Fn(&[u8]) -> bool + Send + Sync> Prefilter for LineFilter<F> {
    fn find(&self, haystack: &[u8], from: usize) -> Option<usize> {
        let mut pos = from;
        while pos < haystack.len() {
            let end = memchr::memchr(b'\n', &haystack[pos..]).map_or(haystack.len(), |i| pos + i);
            if (self.0)(&haystack[pos..end]) {
                return Some(pos);
            }
            pos = end + 1;
        }
        None
    }
}

/// How the reader reads.
#[derive(Debug, Clone)]
pub struct Options {
    /// The format, fixed or to be detected per input.
    pub format: FormatSpec,
    /// Lines longer than this many bytes are cut to it (and counted).
    pub max_line: usize,
    /// Bytes read at a time.
    pub block_size: usize,
    /// A message waits for its DETAIL/HINT lines for this many lines after
    /// its last line (PostgreSQL writes them in the same write, so they
    /// follow at once unless other processes' lines interleave).
    pub window: u64,
    /// At most this many messages wait for continuations at once.
    pub max_pending: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            format: FormatSpec::default(),
            max_line: 1 << 20,
            block_size: 256 << 10,
            window: 32,
            max_pending: 1024,
        }
    }
}

/// What reading cost and what it had to work around.
#[derive(Debug, Default)]
pub struct Stats {
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Lines seen.
    pub lines: u64,
    /// Entries produced.
    pub entries: u64,
    /// Lines longer than the cap, cut to it (csvlog records over the cap
    /// are dropped and counted here too).
    pub truncated_lines: u64,
    /// Lines that were not valid UTF-8.
    pub decode: DecodeStats,
    /// Errors that ended an input early (or kept it from being read).
    pub errors: Vec<Error>,
}

impl Stats {
    /// Adds another input's statistics.
    pub fn add(&mut self, other: Stats) {
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.entries += other.entries;
        self.truncated_lines += other.truncated_lines;
        self.decode.add(&other.decode);
        self.errors.extend(other.errors);
    }
}

/// Marks an I/O error as coming from a truncated gzip stream.
#[derive(Debug)]
pub(crate) struct GzipTruncated;

impl std::fmt::Display for GzipTruncated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("gzip stream is truncated")
    }
}

impl std::error::Error for GzipTruncated {}

/// Counts newlines (memchr's SIMD search beats a byte loop on log-length
/// lines).
fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A SQLSTATE at the start of a verbose-mode message (`08P01: could not ...`).
fn split_sqlstate(text: &str) -> (Option<&str>, &str) {
    let b = text.as_bytes();
    if b.len() > 7
        && b[5] == b':'
        && b[6] == b' '
        && b[..5]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && b[..5].iter().any(u8::is_ascii_digit)
    {
        (Some(&text[..5]), &text[7..])
    } else {
        (None, text)
    }
}

/// The window of a stderr log: PostgreSQL writes a message with its
/// DETAIL, HINT and CONTEXT lines in one write, so they are together in
/// the file (the logging collector reassembles its chunks); only lines of
/// the same write can continue it. Syslog (one datagram per line) and
/// nginx keep the wider window. Every line in the window is read whole,
/// so a narrow one keeps a log with many failures fast.
const STDERR_WINDOW: u64 = 8;

/// Everything but the byte buffer, so that lines borrowed from the buffer
/// can be handed to it.
struct Core {
    file: usize,
    format: Format,
    asm: Assembler,
    stats: Stats,
    filter: Option<Arc<dyn Prefilter>>,
    max_line: usize,
    csv_active: bool,
    csv_rec: Vec<u8>,
    csv_first: u64,
    /// The pgbouncer entry a following line may follow up.
    pgbouncer_head: Option<pgbouncer::Head>,
    /// pgbouncer's last line when it opened a server connection (pid, line).
    pgbouncer_connect: Option<(Option<u32>, String)>,
}

impl Core {
    fn interesting(&self, bytes: &[u8]) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| f.find(bytes, 0).is_some())
    }

    fn handle_line(&mut self, bytes: &[u8], line: u64) {
        let bytes = strip_cr(bytes);
        if self.format.kind == FormatKind::Csv {
            self.csv_line(bytes, line);
            return;
        }
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            // Blank lines carry nothing and separate nothing.
            return;
        }
        // pgbouncer's log is small and its failures span lines that the
        // catalogue's literals do not all name: every line of it is read.
        let interesting = self.format.kind == FormatKind::Pgbouncer || self.interesting(bytes);
        if !interesting && self.asm.is_idle() {
            self.asm.skip();
            return;
        }
        let text = decode::decode(bytes, &mut self.stats.decode);
        match self.format.kind {
            FormatKind::Stderr => self.stderr_line(&text, line, interesting),
            FormatKind::Syslog => self.syslog_line(&text, line, interesting),
            FormatKind::Json => self.json_line(&text, line, interesting),
            FormatKind::Kong => self.kong_line(&text, line, interesting, true),
            FormatKind::Pgbouncer => self.pgbouncer_line(&text, line, interesting),
            FormatKind::Csv | FormatKind::Unknown => {
                self.kong_line(&text, line, interesting, false)
            }
        }
    }

    fn raw(&mut self, text: &str, line: u64) {
        let mut e = Entry::new(self.file, line, SourceKind::Unknown, text.to_owned());
        e.message = text.to_owned();
        self.asm.push_complete(e, line);
    }

    fn parse_head<'a>(&self, text: &'a str) -> Option<LineHead<'a>> {
        // The generic reading catches lines written before a change of
        // log_line_prefix (one file, two prefixes) and unprefixed syslog
        // bodies.
        match &self.format.prefix {
            Some(p) => p.parse(text).or_else(|| prefix::parse_generic(text)),
            None => prefix::parse_generic(text),
        }
    }

    fn stderr_line(&mut self, text: &str, line: u64, interesting: bool) {
        if let Some(rest) = text.strip_prefix('\t') {
            if !self.asm.physical(rest, "\n", line) && interesting {
                self.raw(text, line);
            }
            return;
        }
        match self.parse_head(text) {
            Some(head) => {
                let key = head.header.pid;
                self.pg_head(head, text, key, line, interesting, None);
            }
            None => self.kong_line(text, line, interesting, false),
        }
    }

    /// A PostgreSQL message or continuation line, split.
    fn pg_head(
        &mut self,
        head: LineHead<'_>,
        raw: &str,
        key: Option<u32>,
        line: u64,
        interesting: bool,
        wrapper: Option<&syslog::SyslogLine<'_>>,
    ) {
        let severity = match head.word {
            Word::Continuation(kind) => {
                if !self.asm.continuation(key, kind, head.text, line) && interesting {
                    let mut e = self.pg_entry(&head, raw, line, Severity::Orphan(kind), wrapper);
                    e.pid = key;
                    self.asm.push_complete(e, line);
                }
                return;
            }
            Word::Primary(severity) => severity,
        };
        if !interesting {
            self.asm.close_key(key);
            return;
        }
        let mut e = self.pg_entry(&head, raw, line, severity, wrapper);
        e.pid = key;
        self.asm.start(e, key, line);
    }

    fn pg_entry(
        &self,
        head: &LineHead<'_>,
        raw: &str,
        line: u64,
        severity: Severity,
        wrapper: Option<&syslog::SyslogLine<'_>>,
    ) -> Entry {
        let h = &head.header;
        let mut e = Entry::new(self.file, line, SourceKind::PostgresServer, raw.to_owned());
        e.severity = severity;
        let (state, text) = match severity {
            Severity::Orphan(_) => (None, head.text),
            _ => split_sqlstate(head.text),
        };
        e.message = text.to_owned();
        e.sql_state = h.sql_state.or(state).map(str::to_owned);
        e.timestamp = h.timestamp.map(str::to_owned);
        e.epoch_ms = h.epoch_ms;
        if let (None, Some(w)) = (&e.timestamp, wrapper) {
            e.timestamp = Some(w.timestamp.to_owned());
            e.epoch_ms = w.epoch_ms;
        }
        e.user = h.user.map(str::to_owned);
        e.database = h.database.map(str::to_owned);
        e.application = h.application.map(str::to_owned);
        e.client_host = h.client_host.map(str::to_owned);
        e.client_port = h.client_port;
        e.backend_type = h.backend_type.map(str::to_owned);
        e
    }

    fn syslog_line(&mut self, text: &str, line: u64, interesting: bool) {
        let Some(s) = syslog::parse(text) else {
            self.kong_line(text, line, interesting, false);
            return;
        };
        let body_owned;
        let body = match s.body.strip_prefix("#011") {
            Some(rest) => {
                body_owned = format!("\t{rest}");
                body_owned.as_str()
            }
            None => s.body,
        };
        let head = self.parse_head(body);
        let key = s.pid.or_else(|| head.as_ref().and_then(|h| h.header.pid));
        match head {
            Some(head) => self.pg_head(head, text, key, line, interesting, Some(&s)),
            None if s.chunk.unwrap_or(1) > 1 => {
                let attached = match body.strip_prefix('\t') {
                    Some(rest) => self.asm.physical(rest, "\n", line),
                    None => self.asm.physical(body, "", line),
                };
                if !attached && interesting {
                    self.raw(text, line);
                }
            }
            None => {
                self.asm.skip();
                if interesting {
                    self.raw(text, line);
                }
            }
        }
    }

    fn json_line(&mut self, text: &str, line: u64, interesting: bool) {
        if json::looks_like_record(text.as_bytes()) {
            if interesting {
                match json::parse(text, self.file, line) {
                    Some(e) => self.asm.push_complete(e, line),
                    None => self.raw(text, line),
                }
            }
            return;
        }
        self.kong_line(text, line, interesting, false);
    }

    /// pgbouncer lines: a follow-up (see [`pgbouncer::follows`]) joins the
    /// entry before it as context; any other line starts an entry.
    fn pgbouncer_line(&mut self, text: &str, line: u64, interesting: bool) {
        let Some(parsed) = pgbouncer::parse(text, self.file, line) else {
            self.kong_line(text, line, interesting, false);
            return;
        };
        let key = parsed.entry.pid;
        if self
            .pgbouncer_head
            .as_ref()
            .is_some_and(|head| pgbouncer::follows(head, &parsed))
            && self
                .asm
                .continuation(key, ContinuationKind::Context, text, line)
        {
            return;
        }
        let connect = parsed.connection.is_some_and(|c| c.starts_with("S-"))
            && parsed.entry.message.starts_with("new connection to server");
        let mut entry = parsed.entry;
        // A handshake error right after a new server connection is that
        // connection's: the line before tells its leg.
        if let Some(before) = self.pgbouncer_connect.take() {
            if entry.pid == before.0 && entry.message.starts_with("TLS handshake error: ") {
                entry.add_continuation(ContinuationKind::Context, &before.1);
            }
        }
        if connect {
            self.pgbouncer_connect = Some((entry.pid, text.to_owned()));
        }
        if interesting && !connect {
            self.pgbouncer_head = Some(pgbouncer::Head::of(&parsed.connection, &entry));
            self.asm.start(entry, key, line);
        } else {
            // Another line of the one pgbouncer process ends the event.
            self.pgbouncer_head = None;
            self.asm.close_key(key);
            self.asm.skip();
        }
    }

    /// Kong/nginx lines; with `kong_file`, any unrecognised line continues
    /// the entry before it (nginx writes multi-line messages as they are).
    fn kong_line(&mut self, text: &str, line: u64, interesting: bool, kong_file: bool) {
        if let Some(e) = kong::parse_nginx(text, self.file, line)
            .or_else(|| kong::parse_cli(text, self.file, line))
        {
            let key = e.pid;
            if interesting {
                self.asm.start(e, key, line);
            } else {
                self.asm.skip();
            }
            return;
        }
        if (kong_file || kong::is_continuation(text)) && self.asm.physical_context(text, line) {
            return;
        }
        self.asm.skip();
        if interesting {
            self.raw(text, line);
        }
    }

    fn csv_line(&mut self, bytes: &[u8], line: u64) {
        if !self.csv_active {
            let odd = csv::quote_parity_odd(bytes);
            let starts_record = bytes.len() > 24 && bytes[4] == b'-' && bytes[10] == b' ';
            if odd && starts_record {
                self.csv_active = true;
                self.csv_rec.clear();
                self.csv_rec.extend_from_slice(bytes);
                self.csv_first = line;
            } else {
                self.csv_record(bytes, line);
            }
            return;
        }
        self.csv_rec.push(b'\n');
        self.csv_rec.extend_from_slice(bytes);
        if csv::quote_parity_odd(bytes) {
            self.csv_active = false;
            let rec = std::mem::take(&mut self.csv_rec);
            self.csv_record(&rec, self.csv_first);
            self.csv_rec = rec;
        } else if self.csv_rec.len() > self.max_line {
            self.csv_active = false;
            self.csv_rec.clear();
            self.stats.truncated_lines += 1;
        }
    }

    fn csv_record(&mut self, bytes: &[u8], line: u64) {
        if !self.interesting(bytes) {
            return;
        }
        let text = decode::decode(bytes, &mut self.stats.decode);
        match csv::parse(&text, self.file, line) {
            Some(e) => self.asm.push_complete(e, line),
            None => self.kong_line(&text, line, true, false),
        }
    }

    fn finish(&mut self) {
        if self.csv_active {
            self.csv_active = false;
            let rec = std::mem::take(&mut self.csv_rec);
            self.csv_record(&rec, self.csv_first);
        }
        self.asm.flush();
    }
}

/// Reads one input. Iterating yields entries in input order; statistics
/// (including errors that ended the input early) are in [`LogReader::stats`].
pub struct LogReader<R> {
    src: R,
    name: String,
    spec: FormatSpec,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    block_size: usize,
    discarding: bool,
    eof: bool,
    done: bool,
    detected: bool,
    line_no: u64,
    core: Core,
}

impl<R: Read> LogReader<R> {
    /// A reader of `src`, the input numbered `file` and called `name` in
    /// messages.
    pub fn new(src: R, file: usize, name: impl Into<String>, options: &Options) -> LogReader<R> {
        let block_size = options.block_size.clamp(64, options.max_line.max(64));
        LogReader {
            src,
            name: name.into(),
            spec: options.format.clone(),
            buf: vec![0; block_size],
            start: 0,
            end: 0,
            block_size,
            discarding: false,
            eof: false,
            done: false,
            detected: false,
            line_no: 0,
            core: Core {
                file,
                format: Format {
                    kind: FormatKind::Unknown,
                    prefix: None,
                    prefix_detected: false,
                },
                asm: Assembler::new(options.window, options.max_pending),
                stats: Stats::default(),
                filter: None,
                max_line: options.max_line.max(64),
                csv_active: false,
                csv_rec: Vec::new(),
                csv_first: 0,
                pgbouncer_head: None,
                pgbouncer_connect: None,
            },
        }
    }

    /// Only lines the prefilter finds (and their continuations) become
    /// entries.
    pub fn with_prefilter(mut self, filter: Arc<dyn Prefilter>) -> LogReader<R> {
        self.core.filter = Some(filter);
        self
    }

    /// The statistics so far.
    pub fn stats(&self) -> &Stats {
        &self.core.stats
    }

    /// Takes the statistics (the reader keeps counting from zero).
    pub fn take_stats(&mut self) -> Stats {
        std::mem::take(&mut self.core.stats)
    }

    /// The format in use, once detected (after the first entry is
    /// returned, or at the end of an input).
    pub fn format(&self) -> Option<&Format> {
        self.detected.then_some(&self.core.format)
    }

    fn detect(&mut self) {
        let region = &self.buf[self.start..self.end];
        let lines: Vec<String> = region
            .split(|&b| b == b'\n')
            .take(64)
            .map(|l| decode::decode_line(strip_cr(l)).0.into_owned())
            .collect();
        self.core.format = self.spec.detect(&lines);
        if self.core.format.kind == FormatKind::Stderr {
            self.core.asm.narrow_window(STDERR_WINDOW);
        }
        self.detected = true;
    }

    fn ready_to_detect(&self) -> bool {
        let region = &self.buf[self.start..self.end];
        self.eof
            || self.end == self.buf.len()
            || memchr::memchr_iter(b'\n', region).nth(63).is_some()
    }

    /// Processes the complete lines in `buf[start..region_end]`.
    fn process_region(&mut self, region_end: usize) {
        let mut pos = self.start;
        let buf = &self.buf[..region_end];
        let core = &mut self.core;
        // pgbouncer's log is read whole: the line before a failure can
        // tell its leg (see `pgbouncer_line`).
        let fast = !matches!(core.format.kind, FormatKind::Csv | FormatKind::Pgbouncer);
        while pos < region_end {
            if fast && !core.csv_active && core.asm.is_idle() {
                if let Some(filter) = &core.filter {
                    match filter.find(buf, pos) {
                        None => {
                            let n = count_newlines(&buf[pos..]);
                            self.line_no += n;
                            core.stats.lines += n;
                            core.asm.skip();
                            break;
                        }
                        Some(hit) => {
                            let hit = hit.clamp(pos, region_end);
                            let line_start =
                                memchr::memrchr(b'\n', &buf[pos..hit]).map_or(pos, |i| pos + i + 1);
                            let n = count_newlines(&buf[pos..line_start]);
                            self.line_no += n;
                            core.stats.lines += n;
                            if n > 0 {
                                core.asm.skip();
                            }
                            pos = line_start;
                        }
                    }
                }
            }
            let line_end = memchr::memchr(b'\n', &buf[pos..]).map_or(region_end, |i| pos + i);
            self.line_no += 1;
            core.stats.lines += 1;
            core.handle_line(&buf[pos..line_end], self.line_no);
            core.asm.advance(self.line_no);
            pos = line_end + 1;
        }
        self.start = region_end;
    }

    /// Makes room and reads more; `Ok(0)` at the end of the input.
    fn fill(&mut self) -> io::Result<usize> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2)
                .min(self.core.max_line + 1)
                .max(self.end + 1);
            self.buf.resize(grown, 0);
        }
        let n = self.src.read(&mut self.buf[self.end..])?;
        self.end += n;
        self.core.stats.bytes += n as u64;
        Ok(n)
    }

    /// A line longer than the cap: its head is read, the rest dropped.
    fn truncate_line(&mut self) {
        let head = &self.buf[self.start..self.start + self.core.max_line];
        let cut = match std::str::from_utf8(head) {
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            _ => head.len(),
        };
        self.line_no += 1;
        self.core.stats.lines += 1;
        self.core.stats.truncated_lines += 1;
        let head = &self.buf[self.start..self.start + cut];
        self.core.handle_line(head, self.line_no);
        self.core.asm.advance(self.line_no);
        self.start = self.end;
        self.discarding = true;
        if self.buf.len() > self.block_size {
            // Give back what the long line made the buffer grow to.
            self.start = 0;
            self.end = 0;
            self.buf.truncate(self.block_size);
            self.buf.shrink_to_fit();
        }
    }

    fn read_error(&mut self, e: io::Error) {
        let gz = e.get_ref().is_some_and(|inner| inner.is::<GzipTruncated>());
        self.core.stats.errors.push(if gz {
            Error::TruncatedGzip {
                name: self.name.clone(),
            }
        } else {
            Error::Read {
                name: self.name.clone(),
                source: e,
            }
        });
        self.eof = true;
    }

    /// Reads until an entry is ready or the input ends.
    fn step(&mut self) -> bool {
        if self.done {
            return false;
        }
        if self.discarding {
            match memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                Some(i) => {
                    self.start += i + 1;
                    self.discarding = false;
                }
                None => self.start = self.end,
            }
        }
        if !self.detected && self.ready_to_detect() {
            self.detect();
        }
        if self.detected && !self.discarding {
            if let Some(nl) = memchr::memrchr(b'\n', &self.buf[self.start..self.end]) {
                self.process_region(self.start + nl + 1);
                return true;
            }
        }
        if self.eof {
            if !self.detected {
                self.detect();
            }
            if self.start < self.end && !self.discarding {
                // The last line has no newline: give it one.
                if self.end == self.buf.len() {
                    self.buf.push(b'\n');
                } else {
                    self.buf[self.end] = b'\n';
                }
                self.end += 1;
                return true;
            }
            self.core.finish();
            self.done = true;
            return true;
        }
        if self.detected && !self.discarding && self.end - self.start >= self.core.max_line {
            self.truncate_line();
            return true;
        }
        match self.fill() {
            Ok(0) => self.eof = true,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // The input is idle (a followed file): what waits for
                // continuations will not get them soon.
                if !self.detected
                    && memchr::memchr(b'\n', &self.buf[self.start..self.end]).is_some()
                {
                    self.detect();
                }
                self.core.asm.flush();
            }
            Err(e) => self.read_error(e),
        }
        true
    }
}

impl<R: Read> Iterator for LogReader<R> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        loop {
            if let Some(e) = self.core.asm.pop_ready() {
                self.core.stats.entries += 1;
                return Some(e);
            }
            if !self.step() {
                return None;
            }
        }
    }
}

/// Reads a whole input into entries (for tests and small inputs).
pub fn read_all<R: Read>(src: R, options: &Options) -> (Vec<Entry>, Stats) {
    let mut r = LogReader::new(src, 0, "input", options);
    let entries: Vec<Entry> = r.by_ref().collect();
    (entries, r.take_stats())
}
