//! The catalogue's patterns, compiled once, with a literal prefilter.
//!
//! Log scanning calls this for every candidate line, so the patterns are
//! compiled once per process and an Aho-Corasick automaton over every
//! pattern's needles decides, without any regex, whether a line can match at
//! all.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use pgtls_catalogue::{
    Continuation, ContinuationPattern, Origin, Pattern, CONTINUATIONS, PATTERNS,
};
use regex::Regex;

use crate::envelope::{Envelope, LineKind};

/// One pattern that matched a message, with the facts its groups captured.
#[derive(Debug, Clone)]
pub struct Reading {
    pub pattern: &'static Pattern,
    /// The printers of the envelope that this pattern describes.
    pub origins: Vec<Origin>,
    pub facts: BTreeMap<String, String>,
}

/// A continuation line's facts.
#[derive(Debug, Clone)]
pub struct ContinuationReading {
    pub pattern: &'static ContinuationPattern,
    pub facts: BTreeMap<String, String>,
}

pub struct Matcher {
    primary: Vec<(&'static Pattern, Regex)>,
    continuations: Vec<(&'static ContinuationPattern, Regex)>,
    prefilter: AhoCorasick,
    /// Every primary needle (overlapping matches, ASCII case ignored), so
    /// that only the patterns whose needles a message holds run their
    /// regex: the rest cannot match.
    primary_needles: AhoCorasick,
    /// For each needle of `primary_needles`, the patterns that list it.
    needle_patterns: Vec<Vec<usize>>,
    /// Patterns without a needle long enough to search for: always run.
    unscreened: Vec<usize>,
}

/// The process-wide compiled catalogue.
pub fn matcher() -> &'static Matcher {
    static CELL: OnceLock<Matcher> = OnceLock::new();
    CELL.get_or_init(Matcher::compile)
}

/// Group names carry a suffix when a regex needs the same fact twice
/// (`file_ja`, `file2`); facts use the plain name.
fn fact_name(group: &str) -> String {
    let base = group.strip_suffix("_ja").unwrap_or(group);
    base.trim_end_matches(|c: char| c.is_ascii_digit())
        .to_string()
}

fn facts_of(regex: &Regex, text: &str) -> Option<BTreeMap<String, String>> {
    let caps = regex.captures(text)?;
    let mut facts = BTreeMap::new();
    for name in regex.capture_names().flatten() {
        if let Some(m) = caps.name(name) {
            facts.insert(fact_name(name), m.as_str().to_string());
        }
    }
    Some(facts)
}

impl Matcher {
    fn compile() -> Matcher {
        let primary = PATTERNS
            .iter()
            .map(|p| {
                (
                    p,
                    Regex::new(p.regex).expect("catalogue regexes are checked by tests"),
                )
            })
            .collect();
        let continuations = CONTINUATIONS
            .iter()
            .map(|p| {
                (
                    p,
                    Regex::new(p.regex).expect("catalogue regexes are checked by tests"),
                )
            })
            .collect();
        let mut needles: Vec<&'static str> = Vec::new();
        let mut needle_patterns: Vec<Vec<usize>> = Vec::new();
        let mut unscreened = Vec::new();
        for (i, p) in PATTERNS.iter().enumerate() {
            let usable: Vec<&'static str> =
                p.needles.iter().copied().filter(|n| n.len() > 2).collect();
            if usable.is_empty() {
                unscreened.push(i);
            }
            for n in usable {
                match needles.iter().position(|x| *x == n) {
                    Some(at) => needle_patterns[at].push(i),
                    None => {
                        needles.push(n);
                        needle_patterns.push(vec![i]);
                    }
                }
            }
        }
        let primary_needles = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&needles)
            .expect("needles are plain literals");
        Matcher {
            primary,
            continuations,
            primary_needles,
            needle_patterns,
            unscreened,
            // Leftmost-first lets aho-corasick use its SIMD prefilter; the
            // standard match kind is several times slower on log scans.
            prefilter: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(Matcher::needles())
                .expect("needles are plain literals"),
        }
    }

    /// Every literal the patterns need; a line containing none of them
    /// cannot match anything.
    pub fn needles() -> Vec<&'static str> {
        let mut all: Vec<&'static str> = PATTERNS
            .iter()
            .flat_map(|p| p.needles.iter().copied())
            .chain(CONTINUATIONS.iter().flat_map(|p| p.needles.iter().copied()))
            .filter(|n| n.len() > 2)
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The needles a log's prefilter must find: those of every pattern
    /// that reads more than pgbouncer's log, DETAIL and HINT lines aside. pgbouncer's log is read whole
    /// (its format is detected and every line of it decoded, see
    /// `pgtls_logs::FormatKind::Pgbouncer`), so its own patterns add no
    /// literal to the searcher that every other log pays for.
    pub fn prefilter_needles() -> Vec<&'static str> {
        let only_pgbouncer = |o: &[Origin]| o == [Origin::Pgbouncer];
        let mut all: Vec<&'static str> = PATTERNS
            .iter()
            .filter(|p| !only_pgbouncer(p.origins))
            .flat_map(|p| p.needles.iter().copied())
            .chain(
                CONTINUATIONS
                    .iter()
                    .filter(|p| !only_pgbouncer(p.origins))
                    // PostgreSQL writes a DETAIL or HINT in the same write
                    // as its message, and the reader reads every line
                    // just after a match: they need no literal of their
                    // own (each one costs every log the searcher's speed).
                    .filter(|p| !matches!(p.kind, Continuation::Detail | Continuation::Hint))
                    .flat_map(|p| p.needles.iter().copied()),
            )
            .filter(|n| n.len() > 2)
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Whether the raw line could match any pattern (a cheap test first).
    pub fn may_match(&self, line: &[u8]) -> bool {
        self.prefilter.is_match(line)
    }

    /// The primary patterns matching a message under its envelope, with
    /// fallbacks dropped when a specific pattern matched.
    pub fn readings(&self, envelope: &Envelope) -> Vec<Reading> {
        if matches!(envelope.kind, LineKind::Continuation(_) | LineKind::Other) {
            return Vec::new();
        }
        let mut candidates = self.unscreened.clone();
        // Needles are written for the whole line (Kong's reason follows
        // `server_version_num: ` in the envelope's prefix).
        for text in [envelope.prefix.as_str(), envelope.message.as_str()] {
            for m in self.primary_needles.find_overlapping_iter(text) {
                candidates.extend_from_slice(&self.needle_patterns[m.pattern().as_usize()]);
            }
        }
        // Catalogue order decides between readings: keep it.
        candidates.sort_unstable();
        candidates.dedup();
        let mut found: Vec<Reading> = Vec::new();
        for (pattern, regex) in candidates.iter().map(|&i| &self.primary[i]) {
            let origins: Vec<Origin> = pattern
                .origins
                .iter()
                .copied()
                .filter(|o| envelope.origins.contains(o))
                .collect();
            if origins.is_empty() {
                continue;
            }
            // A reading for one of pgbouncer's legs holds only where the
            // line is not known to be about the other one.
            if let (Some(want), Some(is)) = (pattern.leg, envelope.leg) {
                if want != is {
                    continue;
                }
            }
            if let Some(facts) = facts_of(regex, &envelope.message) {
                found.push(Reading {
                    pattern,
                    origins,
                    facts,
                });
            }
        }
        if found.iter().any(|r| !r.pattern.fallback) {
            found.retain(|r| !r.pattern.fallback);
        }
        found
    }

    /// The continuation patterns matching a HINT/DETAIL/CONTEXT message (or a
    /// bare line, which may be one).
    pub fn continuation(&self, envelope: &Envelope) -> Option<ContinuationReading> {
        let kind = match envelope.kind {
            LineKind::Continuation(kind) => Some(kind),
            LineKind::Message if !envelope.printer_known => None,
            _ => return None,
        };
        self.continuations.iter().find_map(|(pattern, regex)| {
            if kind.is_some_and(|k| k != pattern.kind) {
                return None;
            }
            if !pattern.origins.iter().any(|o| envelope.origins.contains(o)) {
                return None;
            }
            facts_of(regex, &envelope.message).map(|facts| ContinuationReading { pattern, facts })
        })
    }
}
