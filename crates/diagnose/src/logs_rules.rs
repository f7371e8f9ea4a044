//! `pgtls logs`: log entries in, counted and explained groups out.
//!
//! After an incident the evidence is thousands of lines that say the same
//! few things. The reader (`pgtls-logs`) turns bytes into entries; this
//! module reads each entry the way `explain` reads a pasted line (same
//! patterns, same mirror rule, same HINT/DETAIL facts), folds the lines one
//! server process wrote about one connection into one incident, and counts
//! incidents per group: (code, which side's log, client address, user,
//! database, certificate name), with first and last time, one example and
//! every fact seen. Memory is bounded by the number of groups (capped), not
//! by the input.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use pgtls_catalogue::{Code, Continuation, Origin, Severity as DiagSeverity};
use pgtls_logs::{ContinuationKind, Entry, Literals, Prefilter, Severity, SourceKind};

use crate::envelope::{
    is_pgbouncer_handshake_error, is_pgbouncer_server_close, is_pgbouncer_server_connect, split,
    Envelope, LineKind,
};
use crate::explain::{add_computed, explain_group, Group, Line, MAX_LINE};
use crate::finding::{Evidence, Finding};
use crate::matcher::{matcher, Matcher};

/// The log reader, so that callers of this module need no second dependency.
pub use pgtls_logs as reader;

/// Lines of one server process within this distance belong to one incident
/// (a connection logs its LOG, FATAL and DETAIL lines together; the
/// postmaster logs one reload's complaints together).
const MERGE_WINDOW: u64 = 100;
/// Processes remembered for merging before old ones are forgotten.
const MAX_RECENT: usize = 8192;
/// Groups kept apart; beyond this, new groups lose their client, user,
/// database and certificate (so memory stays bounded under a flood of
/// distinct clients).
pub const MAX_GROUPS: usize = 10_000;
/// Distinct values kept per fact of a group.
const MAX_VALUES: usize = 16;
/// A fact value is kept to this many bytes.
const MAX_FACT: usize = 256;
/// Lines a group keeps as evidence and example are cut to this many bytes
/// (failure lines are far shorter; a csvlog record with a long statement
/// is not), so that a group's memory stays small.
const MAX_KEPT_TEXT: usize = 2048;
/// Evidence lines kept for a group's example incident.
const MAX_EVIDENCE: usize = 8;
/// Server records remembered so that their copies in another file of the
/// same server (`log_destination = 'stderr,csvlog,jsonlog'` writes each
/// record to three files) count once; at one failure per thousand lines
/// this covers a hundred million lines read before the copy.
const MAX_RECORDS: usize = 100_000;
/// A scanner's legacy-version handshakes (TLS 1.0 and 1.1, and 1.2 when
/// the minimum is 1.3) reach the server within this many milliseconds of
/// the first.
const SCAN_PAIR_MS: i64 = 1_000;
/// ...and nothing else of the kind comes from that client this close
/// before or after (a real client that needs TLS 1.1 keeps failing).
const SCAN_QUIET_MS: i64 = 10_000;
/// Version rejections remembered for that judgement.
const MAX_VERSION_REJECTIONS: usize = 100_000;
/// pgbouncer's line about its server connection and PostgreSQL's about
/// the same connection are written within this many milliseconds of each
/// other (the captures under tests/fixtures/pgbouncer: 2–10 ms).
const BOTH_ENDS_MS: i64 = 1_000;
/// Sightings remembered for that pairing, per end.
const MAX_END_SIGHTINGS: usize = 100_000;
/// Distinct unmatched messages kept for `--unknown`.
pub const MAX_UNKNOWN: usize = 1_000;
/// Unmatched messages are compared on at most this many bytes.
const MAX_UNKNOWN_TEXT: usize = 512;

/// Severity words that `--unknown` adds to the prefilter, so that failure
/// lines which carry no catalogue literal still reach the scanner.
/// PostgreSQL 15's Japanese catalogue keeps the English words; older
/// translations used `エラー` (also inside `致命的エラー`).
const FAILURE_WORDS: &[&str] = &[
    "FATAL",
    "ERROR",
    "PANIC",
    "エラー",
    "パニック",
    "[error]",
    "[crit]",
    "[alert]",
    "[emerg]",
    "Error: ",
];

/// Short literals that many of the catalogue's needles contain and that
/// ordinary log lines rarely contain, so that the prefilter searches for
/// about thirty of these instead of the hundred-odd needles: a line
/// holding a needle holds one of these. Up to 64 ASCII literals keep the
/// SIMD searcher (Teddy); the full needle set runs at a third of the
/// speed. What slows Teddy is not the count but candidates: each place an
/// anchor's first four bytes occur is checked (measured on bench/logs.sh's
/// mixed log: 4 GB/s with 34 anchors none of which starts like an ordinary
/// line's text, 2.2 GB/s with 32 of which three did). The searcher screens on a literal's first bytes, so those avoid
/// what ordinary lines carry (`connection`, `host=`, `user=`, `protocol=`,
/// `time`, `[unknown]`, `auth...`, `SSL enabled`, `routes`, `execute`,
/// `config`, `VALUES`, and `pg_hba.conf:12)`, which a busy server writes
/// in every `connection authenticated` line).
const ASCII_ANCHORS: &[&str] = &[
    "ertificate",
    "could not ",
    "does not ",
    "refused",
    "med out",
    "to host",
    "resol",
    "assword",
    "handshake",
    "SSL_write",
    "alert ",
    "ted user name",
    "closed",
    "reset by peer",
    "CA locations",
    "ostssl",
    "too ",
    "mismatch",
    "sermap",
    "version",
    "unsupported",
    "available",
    "imeout",
    "SYSCALL",
    "L required",
    "eof while",
    "private key file",
    "n option",
    "requirement",
    "entry for host",
    "rejects connection",
    "was not reloaded",
    "figuration",
    "lientcert",
];

/// The same for PostgreSQL's Japanese messages; only searched where a
/// stretch of input holds non-ASCII bytes.
const JA_ANCHORS: &[&str] = &[
    "SSL接続",
    "SSL設定",
    "証明",
    "パスワード",
    "サポートして",
    "アクセス",
    "マッチしません",
    "認証されたユーザー名",
    "ユーザーマップ",
    "通常のファイル",
    "アドレスに変換",
    "ロードできません",
    "データを受信",
    "タイムアウト期間",
    "接続を拒否",
    "設定ファイル",
    "rootの所有",
];

/// The literals the prefilter searches for: the anchors that cover some
/// needle, every needle no anchor covers (so a needle added to the
/// catalogue is never missed, only searched for more slowly), and the
/// failure severity words when unmatched lines are wanted. Every line that
/// could match a pattern holds one of them.
pub fn prefilter_literals(with_failure_words: bool) -> Vec<&'static str> {
    let needles = Matcher::prefilter_needles();
    let anchors = || ASCII_ANCHORS.iter().chain(JA_ANCHORS).copied();
    let mut literals: Vec<&'static str> = anchors()
        .filter(|a| needles.iter().any(|n| n.contains(a)))
        .collect();
    literals.extend(
        needles
            .iter()
            .copied()
            .filter(|n| !anchors().any(|a| n.contains(a))),
    );
    if with_failure_words {
        literals.extend_from_slice(FAILURE_WORDS);
    }
    literals
}

/// Input is screened in stretches of this many bytes, each with the ASCII
/// literals alone when the stretch (and its edges) is ASCII.
const STRETCH: usize = 8 << 10;

/// The reader's prefilter over [`prefilter_literals`]: lines holding none of
/// them are never decoded. An ASCII stretch of input cannot hold a
/// Japanese literal, so there only the ASCII literals are searched for,
/// with the faster searcher that a small set allows. A line an anchor
/// finds is then checked for a whole needle, so that an ordinary line
/// that happens to hold an anchor costs one short search, not a parse.
pub struct CatalogueFilter {
    ascii: Literals,
    all: Literals,
    longest: usize,
    needles: aho_corasick::AhoCorasick,
}

impl CatalogueFilter {
    fn find_anchor(&self, haystack: &[u8], from: usize) -> Option<usize> {
        let mut start = from;
        while start < haystack.len() {
            let end = (start + STRETCH).min(haystack.len());
            // Matches starting in [start, end) lie within this window.
            let window = (end + self.longest).min(haystack.len());
            let edges = &haystack[start.saturating_sub(self.longest)..window];
            let set = if edges.is_ascii() {
                &self.ascii
            } else {
                &self.all
            };
            if let Some(hit) = set.find(&haystack[..window], start) {
                if hit < end {
                    return Some(hit);
                }
            }
            start = end;
        }
        None
    }
}

impl Prefilter for CatalogueFilter {
    fn find(&self, haystack: &[u8], from: usize) -> Option<usize> {
        let mut from = from;
        loop {
            // An anchor found at or after `from`, which starts a line.
            let hit = self.find_anchor(haystack, from)?;
            let line_start =
                memchr::memrchr(b'\n', &haystack[from..hit]).map_or(from, |i| from + i + 1);
            let line_end =
                memchr::memchr(b'\n', &haystack[hit..]).map_or(haystack.len(), |i| hit + i);
            if self.needles.is_match(&haystack[line_start..line_end]) {
                return Some(hit);
            }
            if line_end >= haystack.len() {
                return None;
            }
            from = line_end + 1;
        }
    }
}

/// The prefilter for [`prefilter_literals`].
pub fn prefilter(with_failure_words: bool) -> Result<CatalogueFilter, reader::Error> {
    let all = prefilter_literals(with_failure_words);
    let ascii: Vec<&str> = all.iter().copied().filter(|l| l.is_ascii()).collect();
    let mut needles = Matcher::prefilter_needles();
    if with_failure_words {
        needles.extend_from_slice(FAILURE_WORDS);
    }
    let needles = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(needles)
        .map_err(|e| reader::Error::Prefilter {
            reason: e.to_string(),
        })?;
    Ok(CatalogueFilter {
        longest: all.iter().map(|l| l.len()).max().unwrap_or(0),
        ascii: Literals::new(ascii)?,
        all: Literals::new(all)?,
        needles,
    })
}

/// Which side's log a group's lines come from. The mirror makes this part
/// of the group: `tlsv1 alert unknown ca` in the server's log and in
/// Kong's are different failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoggedBy {
    /// The PostgreSQL server's log.
    Server,
    /// A client's output or log (Kong, nginx, psql).
    Client,
    /// A pooler's log (pgbouncer), the server of the client's leg and the
    /// client of the server's leg.
    Pooler,
}

impl LoggedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            LoggedBy::Server => "server",
            LoggedBy::Client => "client",
            LoggedBy::Pooler => "pooler",
        }
    }
}

/// What tells one group from another.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    pub code: &'static str,
    pub logged_by: LoggedBy,
    /// The client address (log_line_prefix `%h`, csvlog/jsonlog, nginx
    /// `client:`, or the `host "..."` of the message itself).
    pub client: Option<String>,
    /// The database user (prefix `%u` or the message).
    pub user: Option<String>,
    /// The database (prefix `%d` or the message).
    pub database: Option<String>,
    /// The certificate's name as the server compared it (CN, or DN with
    /// `clientname=DN`), when a line says it.
    pub certificate: Option<String>,
}

/// A time as the log wrote it, with its UTC epoch when the zone was known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub written: String,
    pub epoch_ms: Option<i64>,
}

/// A place in the input and the line there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The input's name (a path, or `-`).
    pub file: String,
    /// 1-based line number of the entry's first line.
    pub line: u64,
    /// The line (its first physical line; a csvlog/jsonlog record as written).
    pub text: String,
}

/// One group: the incidents of one diagnosis with the same key.
#[derive(Debug, Clone)]
pub struct LogGroup {
    pub key: GroupKey,
    /// Incidents (one connection or one start/reload is one incident,
    /// however many lines it logged).
    pub count: u64,
    pub first_seen: Option<Seen>,
    pub last_seen: Option<Seen>,
    /// The first incident's first line.
    pub example: Place,
    /// Every distinct value seen for each fact, first seen first (at most
    /// a few per fact).
    pub facts: BTreeMap<String, Vec<String>>,
    /// The first incident's finding, before the computed fix steps.
    template: Finding,
    example_incident: u64,
}

impl LogGroup {
    /// The group's finding: the first incident's evidence and reading, the
    /// first value of every fact the group's lines gave, and the fix steps
    /// those facts make concrete.
    pub fn finding(&self) -> Finding {
        let mut finding = self.template.clone();
        finding.facts = self
            .facts
            .iter()
            .filter_map(|(k, v)| v.first().map(|first| (k.clone(), first.clone())))
            .collect();
        finding.fix.clear();
        add_computed(&mut finding);
        finding
    }

    /// The facts that took more than one value across the group.
    pub fn varying_facts(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.facts.iter().filter(|(_, v)| v.len() > 1)
    }

    pub fn severity(&self) -> DiagSeverity {
        self.template.diagnosis.severity
    }
}

/// A FATAL/ERROR line that no diagnosis explains (`--unknown`).
#[derive(Debug, Clone)]
pub struct UnknownLine {
    /// The severity as written (`FATAL`, `ERROR`, `error`...).
    pub severity: String,
    /// The message (cut to a few hundred bytes).
    pub message: String,
    pub count: u64,
    pub first_seen: Option<Seen>,
    pub last_seen: Option<Seen>,
    pub example: Place,
}

/// What one entry did to the scan, for callers that report as they go
/// (`--follow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// A new incident was counted in group `group` (`new`: the group's first).
    Counted { group: usize, new: bool },
    /// The entry added lines and facts to an incident already counted.
    Merged { group: usize },
    /// A FATAL/ERROR line that matched nothing (only with unknown lines on).
    Unknown,
}

struct Recent {
    line: u64,
    incident: u64,
    groups: Vec<(&'static str, usize)>,
    /// Whether the line carried a time (an nginx-format line; Kong's CLI
    /// `Error:` line has none).
    stamped: bool,
}

/// Lines apart within which Kong's CLI `Error:` line and the nginx-format
/// line Kong's Lua code logged about the same connection are one incident.
const CLI_PAIR_WINDOW: u64 = 3;

/// A server's refusal of a handshake below its minimum version, kept until
/// the end to tell a scanner's pair of tries from a client that fails.
#[derive(Debug, Clone)]
struct VersionRejection {
    epoch_ms: i64,
    client: Option<String>,
    group: usize,
    seen: Seen,
    place: Place,
}

/// One end's incident that the other end may have logged too: pgbouncer's
/// failure on its server leg, or PostgreSQL's failure of any client.
#[derive(Debug, Clone, Copy)]
struct EndSighting {
    epoch_ms: i64,
    code: &'static str,
    group: usize,
}

/// The incidents of both ends, kept to count each connection once.
#[derive(Default)]
struct BothEnds {
    pooler: Vec<EndSighting>,
    server: Vec<EndSighting>,
}

/// Whether a PGTLS001 finding in the server's log is a refusal of versions
/// below a TLS 1.2 (or 1.3) minimum: what a legacy-version try looks like.
fn is_legacy_refusal(finding: &Finding) -> bool {
    let fact = |k: &str| finding.facts.get(k).map(String::as_str);
    finding.code() == Code::ProtocolVersionMismatch.as_str()
        && matches!(
            fact("reason"),
            Some("unsupported protocol" | "wrong version number")
        )
        && matches!(fact("server_min"), Some("TLSv1.2" | "TLSv1.3"))
}

/// What makes a server record the same record in another file: the
/// process, the second it was written and the message. A stderr `%t` has
/// no milliseconds and is read from the clock when the line is formatted
/// (elog.c calls `time(NULL)` for it), while csvlog, jsonlog and `%m` carry
/// the moment the record was made: the same record can read one second
/// later in the stderr file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct RecordId {
    pid: u32,
    second: i64,
    message: u64,
}

impl RecordId {
    fn of(entry: &Entry) -> Option<RecordId> {
        if entry.source != SourceKind::PostgresServer
            || matches!(entry.severity, Severity::Orphan(_))
        {
            return None;
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        entry.message.trim_end().hash(&mut hasher);
        Some(RecordId {
            pid: entry.pid?,
            second: entry.epoch_ms?.div_euclid(1000),
            message: hasher.finish(),
        })
    }
}

/// The server records read so far, by the input they were read from.
#[derive(Default)]
struct Records {
    first_file: HashMap<RecordId, usize>,
    order: VecDeque<RecordId>,
    copies: u64,
}

impl Records {
    /// Whether `entry` repeats a record read from another input; remembers
    /// it otherwise.
    fn is_copy(&mut self, entry: &Entry) -> bool {
        let Some(id) = RecordId::of(entry) else {
            return false;
        };
        let seen_elsewhere = [0, -1, 1].into_iter().any(|shift| {
            let near = RecordId {
                second: id.second + shift,
                ..id
            };
            self.first_file
                .get(&near)
                .is_some_and(|&file| file != entry.file)
        });
        if seen_elsewhere {
            self.copies += 1;
            return true;
        }
        match self.first_file.get(&id) {
            Some(_) => false,
            None => {
                if self.order.len() >= MAX_RECORDS {
                    if let Some(old) = self.order.pop_front() {
                        self.first_file.remove(&old);
                    }
                }
                self.first_file.insert(id, entry.file);
                self.order.push_back(id);
                false
            }
        }
    }
}

/// The grouping state; feed it entries in input order.
pub struct Scanner {
    groups: Vec<LogGroup>,
    index: HashMap<GroupKey, usize>,
    recent: HashMap<(usize, u32), Recent>,
    /// The last incident of a writer without a pid (client lines), which a
    /// bare continuation line right after it may continue.
    last_client: Option<(usize, Recent)>,
    unknown: Option<UnknownTally>,
    records: Records,
    version_rejections: Vec<VersionRejection>,
    both_ends: BothEnds,
    same_event: u64,
    next_incident: u64,
    capped: u64,
}

#[derive(Default)]
struct UnknownTally {
    lines: Vec<UnknownLine>,
    index: HashMap<(String, String), usize>,
    other: u64,
}

fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn continuation_word(kind: Continuation) -> &'static str {
    match kind {
        Continuation::Hint => "HINT",
        Continuation::Detail => "DETAIL",
        Continuation::Context => "CONTEXT",
    }
}

fn continuation_of(kind: ContinuationKind) -> Option<Continuation> {
    match kind {
        ContinuationKind::Detail => Some(Continuation::Detail),
        ContinuationKind::Hint => Some(Continuation::Hint),
        ContinuationKind::Context => Some(Continuation::Context),
        _ => None,
    }
}

fn server_continuation(kind: Continuation, text: &str, pid: Option<u32>) -> Line {
    let word = continuation_word(kind);
    Line {
        location: None,
        raw: format!("{word}:  {}", cut(text, MAX_LINE)),
        envelope: Envelope {
            origins: vec![Origin::Server],
            printer_known: true,
            kind: LineKind::Continuation(kind),
            severity: Some(word.to_string()),
            prefix: String::new(),
            message: cut(text, MAX_LINE).to_string(),
            pid: pid.map(|p| p.to_string()),
            leg: None,
        },
    }
}

fn with_readings(lines: Vec<Line>) -> Vec<(Line, Option<crate::matcher::ContinuationReading>)> {
    lines
        .into_iter()
        .map(|line| {
            let reading = matcher().continuation(&line.envelope);
            (line, reading)
        })
        .collect()
}

/// The message and continuation lines of a server entry, as `explain`
/// would have read them from the stderr log.
fn server_group(entry: &Entry, location: String) -> Group {
    let mut continuations = Vec::new();
    let primary = match entry.severity {
        Severity::Orphan(kind) => {
            if let Some(kind) = continuation_of(kind) {
                for text in entry.message.lines() {
                    continuations.push(server_continuation(kind, text, entry.pid));
                }
            }
            None
        }
        severity => Some(Line {
            location: Some(location),
            raw: cut(&entry.raw, MAX_LINE).trim_end().to_string(),
            envelope: Envelope {
                origins: vec![Origin::Server],
                printer_known: true,
                kind: LineKind::Message,
                severity: Some(severity.to_string()),
                prefix: String::new(),
                message: cut(&entry.message, MAX_LINE).to_string(),
                pid: entry.pid.map(|p| p.to_string()),
                leg: None,
            },
        }),
    };
    for (kind, text) in [
        (Continuation::Detail, &entry.detail),
        (Continuation::Hint, &entry.hint),
        (Continuation::Context, &entry.context),
    ] {
        if let Some(text) = text {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                continuations.push(server_continuation(kind, line, entry.pid));
            }
        }
    }
    Group {
        primary,
        continuations: with_readings(continuations),
    }
}

/// A Kong, nginx or unrecognised line: its envelope says who printed it.
fn raw_group(entry: &Entry, location: String) -> Group {
    let raw = cut(&entry.raw, MAX_LINE).trim();
    let envelope = split(raw);
    let line = Line {
        location: Some(location),
        raw: raw.to_string(),
        envelope,
    };
    match line.envelope.kind {
        LineKind::Continuation(_) => Group {
            primary: None,
            continuations: with_readings(vec![line]),
        },
        LineKind::Other => Group {
            primary: None,
            continuations: Vec::new(),
        },
        LineKind::Message => {
            // A bare line may be a continuation (libpq prints its hint on
            // a line of its own).
            if matcher().readings(&line.envelope).is_empty() {
                if let Some(reading) = matcher().continuation(&line.envelope) {
                    return Group {
                        primary: None,
                        continuations: vec![(line, Some(reading))],
                    };
                }
            }
            Group {
                primary: Some(line),
                continuations: Vec::new(),
            }
        }
    }
}

/// A pgbouncer entry: its line and the follow-up lines the reader joined
/// to it (as context), read as `explain` reads them pasted together. The
/// log is complete here, so a `TLS handshake error` that neither follows a
/// new server connection nor is followed by its close was on the client's
/// leg.
fn pgbouncer_group(entry: &Entry, location: String) -> Group {
    let first = cut(&entry.raw, MAX_LINE);
    let first = first.lines().next().unwrap_or("").trim();
    let envelope = split(first);
    let head = Line {
        location: Some(location),
        raw: first.to_string(),
        envelope,
    };
    let follow_ups: Vec<Line> = entry
        .context
        .iter()
        .flat_map(|c| c.lines())
        .map(|text| Line {
            location: None,
            raw: cut(text, MAX_LINE).trim().to_string(),
            envelope: split(cut(text, MAX_LINE)),
        })
        .collect();
    let mut group = match head.envelope.kind {
        LineKind::Message => Group {
            primary: Some(head),
            continuations: with_readings(follow_ups),
        },
        LineKind::Continuation(_) => {
            let mut lines = vec![head];
            lines.extend(follow_ups);
            Group {
                primary: None,
                continuations: with_readings(lines),
            }
        }
        LineKind::Other => Group {
            primary: None,
            continuations: Vec::new(),
        },
    };
    let server_leg = group.continuations.iter().any(|(l, _)| {
        is_pgbouncer_server_close(&l.envelope) || is_pgbouncer_server_connect(&l.envelope)
    });
    if let Some(p) = group.primary.as_mut() {
        if is_pgbouncer_handshake_error(&p.envelope) && p.envelope.leg.is_none() {
            p.envelope.leg = Some(if server_leg {
                pgtls_catalogue::Leg::Server
            } else {
                pgtls_catalogue::Leg::Client
            });
        }
    }
    group
}

fn clean(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "[unknown]" && *v != "[不明]")
        .map(str::to_owned)
}

fn seen_of(entry: &Entry) -> Option<Seen> {
    entry.timestamp.as_ref().map(|t| Seen {
        written: t.clone(),
        epoch_ms: entry.epoch_ms,
    })
}

fn earlier(current: &mut Option<Seen>, candidate: Option<Seen>) {
    match (current.as_ref(), candidate) {
        (_, None) => {}
        (None, Some(c)) => *current = Some(c),
        (Some(cur), Some(c)) => {
            if let (Some(a), Some(b)) = (cur.epoch_ms, c.epoch_ms) {
                if b < a {
                    *current = Some(c);
                }
            }
        }
    }
}

fn later(current: &mut Option<Seen>, candidate: Option<Seen>) {
    match (current.as_ref(), candidate) {
        (_, None) => {}
        (None, Some(c)) => *current = Some(c),
        (Some(cur), Some(c)) => match (cur.epoch_ms, c.epoch_ms) {
            (Some(a), Some(b)) if b < a => {}
            // Without both epochs, input order decides.
            _ => *current = Some(c),
        },
    }
}

fn add_facts(into: &mut BTreeMap<String, Vec<String>>, facts: &BTreeMap<String, String>) {
    for (k, v) in facts {
        let values = into.entry(k.clone()).or_default();
        let v = cut(v, MAX_FACT);
        if values.len() < MAX_VALUES && !values.iter().any(|x| x == v) {
            values.push(v.to_string());
        }
    }
}

impl Default for Scanner {
    fn default() -> Scanner {
        Scanner::new(false)
    }
}

impl Scanner {
    /// A scanner; with `unknown`, FATAL/ERROR lines that match nothing are
    /// tallied too.
    pub fn new(unknown: bool) -> Scanner {
        Scanner {
            groups: Vec::new(),
            index: HashMap::new(),
            recent: HashMap::new(),
            last_client: None,
            unknown: unknown.then(UnknownTally::default),
            records: Records::default(),
            version_rejections: Vec::new(),
            both_ends: BothEnds::default(),
            same_event: 0,
            next_incident: 0,
            capped: 0,
        }
    }

    /// The groups so far, in the order they were first seen.
    pub fn groups(&self) -> &[LogGroup] {
        &self.groups
    }

    /// Incidents whose client, user, database and certificate were dropped
    /// because [`MAX_GROUPS`] groups already existed.
    pub fn capped(&self) -> u64 {
        self.capped
    }

    /// Records skipped because another input (the stderr, csvlog or
    /// jsonlog file of the same server) held them already.
    pub fn copies(&self) -> u64 {
        self.records.copies
    }

    /// Reads one entry from the input named `file`.
    pub fn add(&mut self, entry: &Entry, file: &str) -> Vec<Touch> {
        if self.records.is_copy(entry) {
            return Vec::new();
        }
        let location = format!("{file}:{}", entry.line);
        let server = entry.source == SourceKind::PostgresServer;
        let group = match entry.source {
            SourceKind::PostgresServer => server_group(entry, location),
            SourceKind::Pgbouncer => pgbouncer_group(entry, location),
            _ => raw_group(entry, location),
        };
        let found = if group.primary.is_none() && group.continuations.is_empty() {
            Vec::new()
        } else {
            explain_group(&group)
        };
        if found.is_empty() {
            return self.unmatched(entry, file);
        }

        // Where an earlier incident of the same writer may continue.
        let recent_key = match (server, entry.pid) {
            (true, Some(pid)) => Some((entry.file, pid)),
            _ => None,
        };
        let lone_continuation = group.primary.is_none();

        let mut touches = Vec::new();
        let mut counted: Vec<(&'static str, usize)> = Vec::new();
        let incident = self.next_incident;
        self.next_incident += 1;
        for gf in found {
            let finding = gf.finding;
            let code = finding.code();
            if let Some(target) = self.merge_target(entry, recent_key, lone_continuation, &finding)
            {
                self.merge(target, &finding, entry, recent_key);
                touches.push(Touch::Merged { group: target.0 });
                continue;
            }
            let key = self.key_for(entry, &finding, gf.server_side);
            let (index, new) = self.count(key, finding, entry, file, incident);
            counted.push((code, index));
            touches.push(Touch::Counted { group: index, new });
        }
        self.remember(entry, recent_key, incident, &counted);
        touches
    }

    /// The group an entry's finding continues, if any, with the incident
    /// it continues: the same process's incident just before it with the
    /// same code (or a code this finding lists as an alternative, as `SSL
    /// configuration was not reloaded` does for the line that named the
    /// file); for a client's bare continuation line, the line right before.
    fn merge_target(
        &self,
        entry: &Entry,
        recent_key: Option<(usize, u32)>,
        lone_continuation: bool,
        finding: &Finding,
    ) -> Option<(usize, u64)> {
        let code = finding.code();
        let fits = |recent: &Recent, distance: u64| {
            if entry.line < recent.line || entry.line - recent.line > distance {
                return None;
            }
            recent
                .groups
                .iter()
                .find(|(c, _)| *c == code)
                .or_else(|| {
                    recent
                        .groups
                        .iter()
                        .find(|(c, _)| finding.alternatives.iter().any(|a| *c == a.as_str()))
                })
                .map(|(_, g)| (*g, recent.incident))
        };
        if let Some(key) = recent_key {
            return self.recent.get(&key).and_then(|r| fits(r, MERGE_WINDOW));
        }
        if entry.source != SourceKind::PostgresServer {
            if let Some((file, recent)) = &self.last_client {
                if *file != entry.file {
                    return None;
                }
                if lone_continuation {
                    return fits(recent, 2);
                }
                // `kong migrations` prints the nginx-format error of its
                // Lua code, then its own `Error: ... server_version_num:`
                // line: two printers, one failed connection. Two lines of
                // one printer are two connections.
                let paired = recent.stamped && entry.timestamp.is_none();
                if paired && matches!(entry.source, SourceKind::Kong | SourceKind::Nginx) {
                    return fits(recent, CLI_PAIR_WINDOW);
                }
            }
        }
        None
    }

    fn merge(
        &mut self,
        (index, incident): (usize, u64),
        finding: &Finding,
        entry: &Entry,
        recent_key: Option<(usize, u32)>,
    ) {
        let group = &mut self.groups[index];
        add_facts(&mut group.facts, &finding.facts);
        if incident == group.example_incident {
            for e in &finding.evidence {
                if group.template.evidence.len() < MAX_EVIDENCE
                    && !group.template.evidence.contains(e)
                {
                    let mut e = e.clone();
                    cap_evidence(&mut e);
                    group.template.evidence.push(e);
                }
            }
            for n in &finding.notes {
                if !group.template.notes.contains(n) {
                    group.template.notes.push(n.clone());
                }
            }
        }
        if let Some(recent) = recent_key.and_then(|k| self.recent.get_mut(&k)) {
            recent.line = entry.line;
        }
    }

    fn key_for(&mut self, entry: &Entry, finding: &Finding, server_side: bool) -> GroupKey {
        let fact = |k: &str| finding.facts.get(k).map(String::as_str);
        let logged_by = if entry.source == SourceKind::Pgbouncer {
            LoggedBy::Pooler
        } else if server_side {
            LoggedBy::Server
        } else {
            LoggedBy::Client
        };
        let key = GroupKey {
            code: finding.code(),
            logged_by,
            client: clean(entry.client_host.as_deref()).or_else(|| clean(fact("host"))),
            user: clean(entry.user.as_deref()).or_else(|| clean(fact("user"))),
            database: clean(entry.database.as_deref()).or_else(|| clean(fact("database"))),
            certificate: clean(fact("cert_name")),
        };
        if self.groups.len() >= MAX_GROUPS && !self.index.contains_key(&key) {
            self.capped += 1;
            return GroupKey {
                code: key.code,
                logged_by,
                client: None,
                user: None,
                database: None,
                certificate: None,
            };
        }
        key
    }

    fn count(
        &mut self,
        key: GroupKey,
        finding: Finding,
        entry: &Entry,
        file: &str,
        incident: u64,
    ) -> (usize, bool) {
        let seen = seen_of(entry);
        let legacy_refusal = key.logged_by == LoggedBy::Server && is_legacy_refusal(&finding);
        // Which end logged it, when it may be one of the two ends of a
        // pooled server connection.
        let end = match key.logged_by {
            LoggedBy::Pooler if finding.leg == Some(pgtls_catalogue::Leg::Server) => Some(true),
            LoggedBy::Server => Some(false),
            _ => None,
        };
        let end = end.zip(entry.epoch_ms);
        let code = key.code;
        let (index, new) = self.count_in_group(key, finding, entry, file, incident, seen.clone());
        if let Some((pooler, epoch_ms)) = end {
            let sightings = if pooler {
                &mut self.both_ends.pooler
            } else {
                &mut self.both_ends.server
            };
            if sightings.len() < MAX_END_SIGHTINGS {
                sightings.push(EndSighting {
                    epoch_ms,
                    code,
                    group: index,
                });
            }
        }
        if let (true, Some(seen), Some(epoch_ms)) = (legacy_refusal, seen, entry.epoch_ms) {
            if self.version_rejections.len() < MAX_VERSION_REJECTIONS {
                self.version_rejections.push(VersionRejection {
                    epoch_ms,
                    client: self.groups[index].key.client.clone(),
                    group: index,
                    seen,
                    place: Place {
                        file: file.to_string(),
                        line: entry.line,
                        text: cut(&entry.raw, MAX_KEPT_TEXT).trim_end().to_string(),
                    },
                });
            }
        }
        (index, new)
    }

    fn count_in_group(
        &mut self,
        key: GroupKey,
        finding: Finding,
        entry: &Entry,
        file: &str,
        incident: u64,
        seen: Option<Seen>,
    ) -> (usize, bool) {
        if let Some(&index) = self.index.get(&key) {
            let group = &mut self.groups[index];
            group.count += 1;
            earlier(&mut group.first_seen, seen.clone());
            later(&mut group.last_seen, seen);
            add_facts(&mut group.facts, &finding.facts);
            return (index, false);
        }
        let mut facts = BTreeMap::new();
        add_facts(&mut facts, &finding.facts);
        let mut template = finding;
        template.evidence.truncate(MAX_EVIDENCE);
        for e in &mut template.evidence {
            cap_evidence(e);
        }
        let group = LogGroup {
            key: key.clone(),
            count: 1,
            first_seen: seen.clone(),
            last_seen: seen,
            example: Place {
                file: file.to_string(),
                line: entry.line,
                text: cut(&entry.raw, MAX_KEPT_TEXT).trim_end().to_string(),
            },
            facts,
            template,
            example_incident: incident,
        };
        let index = self.groups.len();
        self.groups.push(group);
        self.index.insert(key, index);
        (index, true)
    }

    fn remember(
        &mut self,
        entry: &Entry,
        recent_key: Option<(usize, u32)>,
        incident: u64,
        counted: &[(&'static str, usize)],
    ) {
        if counted.is_empty() {
            return;
        }
        let recent = Recent {
            line: entry.line,
            incident,
            groups: counted.to_vec(),
            stamped: entry.timestamp.is_some(),
        };
        match recent_key {
            Some(key) => {
                if self.recent.len() >= MAX_RECENT {
                    let (file, line) = (entry.file, entry.line);
                    self.recent.retain(|(f, _), r| {
                        *f == file && r.line.saturating_add(MERGE_WINDOW) >= line
                    });
                }
                self.recent.insert(key, recent);
            }
            None => {
                if entry.source != SourceKind::PostgresServer {
                    self.last_client = Some((entry.file, recent));
                }
            }
        }
    }

    fn unmatched(&mut self, entry: &Entry, file: &str) -> Vec<Touch> {
        let Some(tally) = &mut self.unknown else {
            return Vec::new();
        };
        if !entry.severity.is_failure() {
            return Vec::new();
        }
        let severity = match entry.source {
            SourceKind::Kong | SourceKind::Nginx => entry.severity.to_string().to_lowercase(),
            _ => entry.severity.to_string(),
        };
        let message = cut(entry.message.trim(), MAX_UNKNOWN_TEXT).to_string();
        let key = (severity.clone(), message.clone());
        let seen = seen_of(entry);
        match tally.index.get(&key) {
            Some(&i) => {
                let line = &mut tally.lines[i];
                line.count += 1;
                earlier(&mut line.first_seen, seen.clone());
                later(&mut line.last_seen, seen);
            }
            None if tally.lines.len() >= MAX_UNKNOWN => tally.other += 1,
            None => {
                tally.index.insert(key, tally.lines.len());
                tally.lines.push(UnknownLine {
                    severity,
                    message,
                    count: 1,
                    first_seen: seen.clone(),
                    last_seen: seen,
                    example: Place {
                        file: file.to_string(),
                        line: entry.line,
                        text: cut(&entry.raw, MAX_KEPT_TEXT).trim_end().to_string(),
                    },
                });
            }
        }
        vec![Touch::Unknown]
    }

    /// Counts each burst of legacy-version refusals that only a scanner
    /// makes (two or three within [`SCAN_PAIR_MS`] from one client, alone
    /// within [`SCAN_QUIET_MS`]) as one PGTLS032 incident instead of
    /// PGTLS001 errors; groups left with no incident go.
    fn set_apart_scanner_tries(&mut self) {
        let mut tries = std::mem::take(&mut self.version_rejections);
        tries.sort_by(|a, b| a.client.cmp(&b.client).then(a.epoch_ms.cmp(&b.epoch_ms)));
        let same_client = |a: &VersionRejection, b: &VersionRejection| a.client == b.client;
        // Bursts: one client's refusals, each within SCAN_PAIR_MS of the
        // burst's first.
        let mut bursts: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        for i in 1..=tries.len() {
            let ends = i == tries.len()
                || !same_client(&tries[start], &tries[i])
                || tries[i].epoch_ms - tries[start].epoch_ms > SCAN_PAIR_MS;
            if ends {
                bursts.push((start, i));
                start = i;
            }
        }
        // A scanner tries each version below the minimum once: two or
        // three refusals (TLS 1.0, 1.1, and 1.2 when the minimum is 1.3),
        // with quiet around them.
        let mut scans: Vec<(usize, usize)> = Vec::new();
        for (n, &(a, b)) in bursts.iter().enumerate() {
            let size = b - a;
            let quiet_before = n == 0 || {
                let prev = bursts[n - 1].1 - 1;
                !same_client(&tries[prev], &tries[a])
                    || tries[a].epoch_ms - tries[prev].epoch_ms > SCAN_QUIET_MS
            };
            let quiet_after = bursts.get(n + 1).is_none_or(|&(next, _)| {
                !same_client(&tries[b - 1], &tries[next])
                    || tries[next].epoch_ms - tries[b - 1].epoch_ms > SCAN_QUIET_MS
            });
            if (2..=3).contains(&size) && quiet_before && quiet_after {
                scans.push((a, b));
            }
        }
        if scans.is_empty() {
            return;
        }
        let diagnosis = Code::LegacyTlsProbe.diagnosis();
        for (a, b) in scans {
            for t in &tries[a..b] {
                let group = &mut self.groups[t.group];
                group.count = group.count.saturating_sub(1);
            }
            let (first, last) = (&tries[a], &tries[b - 1]);
            let mut finding = Finding::new(diagnosis);
            for t in &tries[a..b] {
                finding.evidence.push(Evidence {
                    location: Some(format!("{}:{}", t.place.file, t.place.line)),
                    origin: Some(Origin::Server),
                    text: t.place.text.clone(),
                });
            }
            let key = GroupKey {
                code: diagnosis.code,
                logged_by: LoggedBy::Server,
                client: first.client.clone(),
                user: None,
                database: None,
                certificate: None,
            };
            match self.index.get(&key) {
                Some(&index) => {
                    let group = &mut self.groups[index];
                    group.count += 1;
                    earlier(&mut group.first_seen, Some(first.seen.clone()));
                    later(&mut group.last_seen, Some(last.seen.clone()));
                }
                None => {
                    let index = self.groups.len();
                    self.groups.push(LogGroup {
                        key: key.clone(),
                        count: 1,
                        first_seen: Some(first.seen.clone()),
                        last_seen: Some(last.seen.clone()),
                        example: first.place.clone(),
                        facts: BTreeMap::new(),
                        template: finding,
                        example_incident: u64::MAX,
                    });
                    self.index.insert(key, index);
                }
            }
        }
    }

    /// On its server leg pgbouncer is PostgreSQL's client: a failure there
    /// is logged by both, pgbouncer (`TLS handshake error`, `server login
    /// failed: FATAL ...`) and PostgreSQL (`could not accept SSL
    /// connection`, the FATAL itself). Read together, the two lines of one
    /// connection are one incident: PostgreSQL's joins pgbouncer's, which
    /// names the leg, as evidence of the other end.
    fn join_both_ends(&mut self) {
        let BothEnds {
            mut pooler,
            mut server,
        } = std::mem::take(&mut self.both_ends);
        if pooler.is_empty() || server.is_empty() {
            return;
        }
        pooler.sort_by_key(|p| p.epoch_ms);
        server.sort_by_key(|s| s.epoch_ms);
        let mut taken = vec![false; pooler.len()];
        for s in &server {
            let from = pooler.partition_point(|p| p.epoch_ms < s.epoch_ms - BOTH_ENDS_MS);
            let partner = (from..pooler.len())
                .take_while(|&i| pooler[i].epoch_ms <= s.epoch_ms + BOTH_ENDS_MS)
                .filter(|&i| !taken[i] && pooler[i].code == s.code)
                .min_by_key(|&i| (pooler[i].epoch_ms - s.epoch_ms).abs());
            let Some(i) = partner else { continue };
            taken[i] = true;
            self.same_event += 1;
            let server_group = &mut self.groups[s.group];
            server_group.count = server_group.count.saturating_sub(1);
            // The server group's example stands for its lines.
            let example = &server_group.example;
            let (line, location) = (
                example.text.clone(),
                format!("{}:{}", example.file, example.line),
            );
            let pooler_group = &mut self.groups[pooler[i].group];
            let evidence = Evidence {
                location: Some(location),
                origin: Some(Origin::Server),
                text: line,
            };
            if pooler_group.template.evidence.len() < MAX_EVIDENCE
                && !pooler_group
                    .template
                    .evidence
                    .iter()
                    .any(|e| e.origin == Some(Origin::Server))
            {
                pooler_group.template.evidence.push(evidence);
            }
        }
    }

    /// The groups sorted by count (most first), then severity and code;
    /// and the unmatched failure lines (when asked for), most frequent
    /// first, with how many distinct ones were left out.
    pub fn finish(mut self) -> Report {
        self.join_both_ends();
        self.set_apart_scanner_tries();
        // Both moved incidents out of groups; those left empty go.
        self.groups.retain(|g| g.count > 0);
        let mut groups = self.groups;
        groups.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.severity().cmp(&b.severity()))
                .then(a.key.cmp(&b.key))
        });
        let (unknown, unknown_left_out) = match self.unknown {
            Some(t) => {
                let mut lines = t.lines;
                lines.sort_by(|a, b| b.count.cmp(&a.count).then(a.message.cmp(&b.message)));
                (Some(lines), t.other)
            }
            None => (None, 0),
        };
        Report {
            groups,
            unknown,
            unknown_left_out,
            capped: self.capped,
            copies: self.records.copies,
            same_event_both_ends: self.same_event,
        }
    }
}

/// A line of evidence longer than a log line has any reason to be is cut,
/// so that a group's memory stays small.
fn cap_evidence(e: &mut Evidence) {
    if e.text.len() > MAX_KEPT_TEXT {
        e.text = cut(&e.text, MAX_KEPT_TEXT).to_string();
    }
}

/// The result of a scan.
#[derive(Debug)]
pub struct Report {
    /// Most incidents first.
    pub groups: Vec<LogGroup>,
    /// Unmatched FATAL/ERROR lines, when they were asked for.
    pub unknown: Option<Vec<UnknownLine>>,
    /// Unmatched occurrences not listed because [`MAX_UNKNOWN`] distinct
    /// messages were already listed.
    pub unknown_left_out: u64,
    /// Incidents counted without their client/user/database/certificate
    /// because [`MAX_GROUPS`] was reached.
    pub capped: u64,
    /// Server records read once more from another file of the same server
    /// (csvlog and jsonlog copies of the stderr log), counted once.
    pub copies: u64,
    /// PostgreSQL's incidents that were pgbouncer's server connection,
    /// counted once with pgbouncer's line about it.
    pub same_event_both_ends: u64,
}

impl Report {
    /// Whether any group is of severity error (the command then exits 1).
    pub fn has_error(&self) -> bool {
        self.groups
            .iter()
            .any(|g| g.severity() == DiagSeverity::Error)
    }

    /// All incidents counted.
    pub fn incidents(&self) -> u64 {
        self.groups.iter().map(|g| g.count).sum()
    }
}

/// Formats epoch milliseconds as an ISO 8601 UTC time
/// (`2026-11-28T16:02:11.123Z`).
pub fn iso_utc(epoch_ms: i64) -> String {
    let days = epoch_ms.div_euclid(86_400_000);
    let ms_of_day = epoch_ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, rest) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
    let (mi, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
}

/// The civil date of a day count from 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgtls_logs::{read_all, Options};

    fn scan(text: &str, unknown: bool) -> Report {
        let (entries, _) = read_all(text.as_bytes(), &Options::default());
        let mut scanner = Scanner::new(unknown);
        for e in &entries {
            scanner.add(e, "test.log");
        }
        scanner.finish()
    }

    #[test]
    fn iso_times() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_utc(1_795_881_731_123), "2026-11-28T16:02:11.123Z");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn one_connection_is_one_incident_with_all_its_facts() {
        let log = "\
2026-11-28 16:08:23.696 UTC [7072] kong@kong LOG:  provided user name (kong) and authenticated user name (foo@example.com) do not match
2026-11-28 16:08:23.696 UTC [7072] kong@kong FATAL:  certificate authentication failed for user \"kong\"
2026-11-28 16:08:23.696 UTC [7072] kong@kong DETAIL:  Connection matched pg_hba.conf line 2: \"hostssl all all 127.0.0.1/32 cert\"
";
        let report = scan(log, false);
        assert_eq!(report.groups.len(), 1, "{:?}", report.groups);
        let g = &report.groups[0];
        assert_eq!((g.key.code, g.count), ("PGTLS007", 1));
        assert_eq!(g.key.certificate.as_deref(), Some("foo@example.com"));
        assert_eq!(g.facts["hba_line"], ["2"]);
        let finding = g.finding();
        assert!(
            finding.fix[0].en.contains("foo@example.com"),
            "{:?}",
            finding.fix
        );
        assert_eq!(finding.evidence.len(), 3);
    }

    #[test]
    fn groups_split_by_client_and_sorted_by_count() {
        let mut log = String::new();
        for (i, host) in ["10.0.0.1", "10.0.0.2", "10.0.0.2"].iter().enumerate() {
            log.push_str(&format!("2026-11-28 16:0{i}:00.000 UTC [{}] FATAL:  no pg_hba.conf entry for host \"{host}\", user \"kong\", database \"kong\", no encryption\n", 100 + i));
        }
        let report = scan(&log, false);
        let got: Vec<_> = report
            .groups
            .iter()
            .map(|g| (g.key.client.as_deref(), g.count))
            .collect();
        assert_eq!(got, [(Some("10.0.0.2"), 2), (Some("10.0.0.1"), 1)]);
        let g = &report.groups[0];
        assert_eq!(
            g.first_seen.as_ref().unwrap().written,
            "2026-11-28 16:01:00.000 UTC"
        );
        assert_eq!(
            g.last_seen.as_ref().unwrap().written,
            "2026-11-28 16:02:00.000 UTC"
        );
        assert!(report.has_error());
    }

    #[test]
    fn unknown_failures_are_tallied_only_when_asked() {
        let log = "2026-11-28 16:08:23.828 UTC [7084] ERROR:  division by zero\n2026-11-28 16:08:23.829 UTC [7085] ERROR:  division by zero\n";
        assert!(scan(log, false).unknown.is_none());
        let report = scan(log, true);
        let unknown = report.unknown.unwrap();
        assert_eq!(unknown.len(), 1);
        assert_eq!(
            (unknown[0].count, unknown[0].severity.as_str()),
            (2, "ERROR")
        );
        assert!(report.groups.is_empty());
    }

    #[test]
    fn reload_not_reloaded_line_joins_the_line_naming_the_file() {
        let log = "\
2026-11-28 16:08:23.000 UTC [50] LOG:  private key file \"server.key\" has group or world access
2026-11-28 16:08:23.000 UTC [50] DETAIL:  File must have permissions u=rw (0600) or less if owned by the database user, or permissions u=rw,g=r (0640) or less if owned by root.
2026-11-28 16:08:23.000 UTC [50] LOG:  SSL configuration was not reloaded
";
        let report = scan(log, false);
        let codes: Vec<_> = report
            .groups
            .iter()
            .map(|g| (g.key.code, g.count))
            .collect();
        assert_eq!(codes, [("PGTLS004", 1)]);
    }

    #[test]
    fn prefilter_builds_with_and_without_failure_words() {
        assert!(prefilter(false).is_ok());
        assert!(prefilter(true).is_ok());
    }

    #[test]
    fn every_needle_holds_a_prefilter_literal_and_every_anchor_is_used() {
        let literals = prefilter_literals(false);
        let ascii: Vec<&str> = literals.iter().copied().filter(|l| l.is_ascii()).collect();
        for needle in Matcher::prefilter_needles() {
            let set = if needle.is_ascii() { &ascii } else { &literals };
            assert!(
                set.iter().any(|l| needle.contains(l)),
                "{needle:?} would be skipped"
            );
        }
        for anchor in ASCII_ANCHORS.iter().chain(JA_ANCHORS) {
            assert!(
                Matcher::prefilter_needles()
                    .iter()
                    .any(|n| n.contains(anchor)),
                "{anchor:?} covers no needle: it only slows the search"
            );
        }
        // Teddy takes at most 64 literals; beyond, the search falls back
        // to an automaton several times slower.
        assert!(ascii.len() <= 64, "{} ASCII literals", ascii.len());
    }

    #[test]
    fn kong_cli_output_and_its_nginx_line_are_one_incident() {
        // `kong migrations list` against a server whose CA Kong does not
        // trust, twice; the second time the verify failure surfaces as
        // `closed` (kong-client.md: about 1 run in 5).
        let log = "\
2026/11/28 16:02:11 [error] 4242#0: *3 lua ssl certificate verify error: (21: unable to verify the first certificate), context: ngx.timer
Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 21: unable to verify the first certificate
2026/11/28 16:02:15 [error] 4250#0: *3 lua ssl certificate verify error: (21: unable to verify the first certificate), context: ngx.timer
Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: closed
";
        let report = scan(log, false);
        let got: Vec<_> = report
            .groups
            .iter()
            .map(|g| (g.key.code, g.count))
            .collect();
        assert_eq!(got, [("PGTLS005", 2)], "{:?}", report.groups);
        // Two nginx lines are two connections, however close.
        let two = "\
2026/11/28 16:02:11 [error] 4242#0: *3 lua ssl certificate verify error: (21: unable to verify the first certificate), context: ngx.timer
2026/11/28 16:02:11 [error] 4242#0: *4 lua ssl certificate verify error: (21: unable to verify the first certificate), context: ngx.timer
";
        assert_eq!(scan(two, false).incidents(), 2);
    }

    fn refusals(at: &[(&str, u32)], min: &str) -> String {
        at.iter()
            .map(|(time, pid)| {
                format!(
                    "2026-11-28 {time} UTC [{pid}] LOG:  could not accept SSL connection: unsupported protocol\n\
                     2026-11-28 {time} UTC [{pid}] HINT:  This may indicate that the client does not support any SSL protocol version between {min} and TLSv1.3.\n"
                )
            })
            .collect()
    }

    fn codes_and_counts(report: &Report) -> Vec<(&'static str, u64)> {
        let mut got: Vec<_> = report
            .groups
            .iter()
            .map(|g| (g.key.code, g.count))
            .collect();
        got.sort();
        got
    }

    #[test]
    fn a_scanners_legacy_tries_are_one_info_not_errors() {
        // pgtls scan against a TLS 1.2 minimum, as the server logged it:
        // TLS 1.0 and 1.1 refused in the same millisecond.
        let scan_12 = refusals(
            &[("15:08:22.093", 22054), ("15:08:22.093", 22055)],
            "TLSv1.2",
        );
        let report = scan(&scan_12, false);
        assert_eq!(codes_and_counts(&report), [("PGTLS032", 1)]);
        assert!(!report.has_error());
        // Against a TLS 1.3 minimum it tries three versions.
        let scan_13 = refusals(
            &[
                ("15:08:22.093", 1),
                ("15:08:22.094", 2),
                ("15:08:22.101", 3),
            ],
            "TLSv1.3",
        );
        assert_eq!(codes_and_counts(&scan(&scan_13, false)), [("PGTLS032", 1)]);
        // A client that needs TLS 1.1 fails once per try, and keeps trying.
        let client = refusals(
            &[
                ("15:08:22.093", 1),
                ("15:08:22.300", 2),
                ("15:08:25.000", 3),
            ],
            "TLSv1.2",
        );
        assert_eq!(codes_and_counts(&scan(&client, false)), [("PGTLS001", 3)]);
        // One refusal alone is a client, whatever its timing.
        let one = refusals(&[("15:08:22.093", 1)], "TLSv1.2");
        assert_eq!(codes_and_counts(&scan(&one, false)), [("PGTLS001", 1)]);
        // A scan next to a real failure: the scan is set apart only when
        // the failure is not within seconds of it.
        let mut both = scan_12.clone();
        both.push_str(&refusals(&[("15:09:30.000", 9)], "TLSv1.2"));
        assert_eq!(
            codes_and_counts(&scan(&both, false)),
            [("PGTLS001", 1), ("PGTLS032", 1)]
        );
    }

    fn server_record(file: usize, line: u64, epoch_ms: i64, message: &str) -> Entry {
        let mut e = Entry::new(
            file,
            line,
            SourceKind::PostgresServer,
            format!("LOG:  {message}"),
        );
        e.severity = Severity::Log;
        e.pid = Some(4242);
        e.epoch_ms = Some(epoch_ms);
        e.timestamp = Some("2026-11-28 16:02:11 UTC".into());
        e.message = message.into();
        e
    }

    #[test]
    fn a_record_in_the_csvlog_copy_of_a_stderr_log_counts_once() {
        let line = "could not accept SSL connection: tlsv1 alert unknown ca";
        let mut scanner = Scanner::new(false);
        // stderr (%t: whole seconds), then the csvlog copy (milliseconds).
        scanner.add(
            &server_record(0, 10, 1_795_882_931_000, line),
            "postgresql.log",
        );
        scanner.add(
            &server_record(1, 3, 1_795_882_931_726, line),
            "postgresql.csv",
        );
        // The same process failing again a second later, in the same file,
        // is a second incident.
        scanner.add(
            &server_record(0, 500, 1_795_882_932_100, line),
            "postgresql.log",
        );
        assert_eq!(scanner.copies(), 1);
        let report = scanner.finish();
        assert_eq!(report.incidents(), 2);
        assert_eq!(report.copies, 1);
    }

    #[test]
    fn a_stderr_time_read_after_the_second_turned_still_matches_its_copy() {
        let line = "hostssl record cannot match because SSL is disabled";
        let mut scanner = Scanner::new(false);
        // The csvlog keeps the record's own moment, .998; `%t` read the
        // clock when formatting the line, one second later.
        scanner.add(
            &server_record(0, 71, 1_795_882_932_000, line),
            "postgresql.log",
        );
        scanner.add(
            &server_record(1, 40, 1_795_882_931_998, line),
            "postgresql.csv",
        );
        assert_eq!(scanner.copies(), 1);
        assert_eq!(scanner.finish().copies, 1);
    }

    #[test]
    fn the_lines_of_every_healthy_connection_are_not_candidates() {
        let filter = prefilter(false).unwrap();
        // What PostgreSQL 14+ writes with log_connections for every
        // connection, certificate or password; an anchor in such a line
        // would make a busy mutual-TLS server's log slow to read.
        let healthy = [
            "2026-11-28 10:00:00.123 UTC [12345] kong@kong LOG:  connection authenticated: identity=\"CN=kong\" method=cert (/etc/postgresql/15/main/pg_hba.conf:12)",
            "2026-11-28 10:00:00.123 UTC [12345] LOG:  connection authenticated: identity=\"app\" method=scram-sha-256 (/var/lib/postgresql/data/pg_hba.conf:3)",
            "2026-11-28 10:00:00.124 UTC [12345] LOG:  connection authorized: user=kong database=kong application_name=kong SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)",
            "2026-11-28 10:00:00.125 UTC [12345] LOG:  connection received: host=10.0.0.7 port=51234",
            "2026-11-28 10:00:01.125 UTC [12345] LOG:  disconnection: session time: 0:00:01.002 user=kong database=kong host=10.0.0.7 port=51234",
        ];
        for line in healthy {
            assert_eq!(filter.find(line.as_bytes(), 0), None, "{line}");
        }
        // An anchor that is not a needle's whole text is not enough.
        let near_miss = "2026-11-28 10:00:00.125 UTC [12345] LOG:  statement: SELECT version()";
        assert_eq!(filter.find(near_miss.as_bytes(), 0), None);
        let failure = "2026-11-28 10:00:00.125 UTC [12345] FATAL:  no pg_hba.conf entry for host \"10.0.0.7\", user \"kong\", database \"kong\", no encryption";
        let block = format!("{}\n{near_miss}\n{failure}\n", healthy.join("\n"));
        let hit = filter
            .find(block.as_bytes(), 0)
            .expect("the failure is found");
        let line_start = block[..hit].rfind('\n').map_or(0, |i| i + 1);
        assert!(
            block[line_start..].starts_with(failure),
            "{}",
            &block[hit..]
        );
        assert!(block[..hit].contains("SELECT version()"));
    }

    #[test]
    fn stretches_find_literals_across_their_edges() {
        let filter = prefilter(false).unwrap();
        let lines = [
            (
                "FATAL:  この接続には有効なクライアント証明が必要です",
                "証明",
            ),
            (
                "LOG:  could not accept SSL connection: tlsv1 alert unknown ca",
                "could not ",
            ),
        ];
        for (line, literal) in lines {
            let offset = line.find(literal).unwrap();
            // The literal starts well before, just before, on, and just
            // after a stretch edge; and in a later stretch.
            for literal_at in [
                STRETCH / 2,
                STRETCH - 6,
                STRETCH - 1,
                STRETCH,
                STRETCH + 1,
                3 * STRETCH - 2,
            ] {
                let line_at = literal_at - offset;
                let mut text = "x".repeat(line_at - 1);
                text.push('\n');
                text.push_str(line);
                text.push('\n');
                text.push_str(&"y\n".repeat(STRETCH));
                let hit = filter.find(text.as_bytes(), 0);
                assert_eq!(hit, Some(literal_at), "{literal:?} at {literal_at}");
                let line_end = line_at + line.len();
                assert_eq!(filter.find(text.as_bytes(), line_end), None);
            }
        }
    }

    /// Lines captured from real PostgreSQL 15 clusters (the reader's
    /// fixtures) give the same groups with the prefilter as without it.
    #[test]
    fn prefilter_loses_nothing_on_captured_logs() {
        let fixtures = [
            include_str!("../../logs/tests/fixtures/pg15-debian-en.log"),
            include_str!("../../logs/tests/fixtures/pg15-debian-ja.log"),
            include_str!("../../logs/tests/fixtures/pg15-en.csv"),
            include_str!("../../logs/tests/fixtures/pg15-ja.csv"),
            include_str!("../../logs/tests/fixtures/pg15-en.json"),
            include_str!("../../logs/tests/fixtures/pg15-ja.json"),
        ];
        let summary = |r: &Report| -> Vec<(&'static str, u64, Option<String>)> {
            r.groups
                .iter()
                .map(|g| {
                    (
                        g.key.code,
                        g.count,
                        g.facts.get("hba_line").map(|v| v.join(",")),
                    )
                })
                .collect()
        };
        for text in fixtures {
            let plain = scan(text, false);
            let filter: std::sync::Arc<dyn pgtls_logs::Prefilter> =
                std::sync::Arc::new(prefilter(false).unwrap());
            let reader = pgtls_logs::LogReader::new(text.as_bytes(), 0, "t", &Options::default())
                .with_prefilter(filter);
            let mut scanner = Scanner::new(false);
            for e in reader {
                scanner.add(&e, "t");
            }
            let filtered = scanner.finish();
            assert!(!plain.groups.is_empty());
            assert_eq!(summary(&plain), summary(&filtered));
        }
    }
}
