//! PostgreSQL's `log_line_prefix`, compiled into a matcher. The stderr log
//! has no fixed layout: each server chooses its prefix (PostgreSQL 15's
//! default `%m [%p] `, Debian's `%m [%p] %q%u@%d `, pgBadger's
//! `%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h `, ...). Reading the
//! prefix back is what lets a message be tied to its process, user and
//! client, and lets a DETAIL line be tied to the message before it.
//!
//! The severity word that follows the prefix (`LOG:  `, `DETAIL:  `,
//! `詳細:  `) is what confirms a match: a line whose prefix matches but is not
//! followed by a severity word is not a log message.

use crate::entry::{ContinuationKind, Severity};
use crate::error::Error;
use crate::time;

/// The largest number of escapes a prefix may have.
const MAX_FIELDS: usize = 32;
/// How far into a line a prefix (and the severity word) is looked for.
const MAX_PREFIX_BYTES: usize = 1024;
/// The longest severity word in bytes (`致命的エラー` is 18).
const MAX_WORD_BYTES: usize = 24;

/// What the word after the prefix says the line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    /// A new message of this severity.
    Primary(Severity),
    /// A continuation of the previous message from the same process.
    Continuation(ContinuationKind),
}

/// The fields a prefix revealed. Text fields borrow from the line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header<'a> {
    /// `%m`, `%t` or `%n` as written.
    pub timestamp: Option<&'a str>,
    /// The timestamp in epoch milliseconds, when its zone is known.
    pub epoch_ms: Option<i64>,
    /// `%p`.
    pub pid: Option<u32>,
    /// `%u` (`[unknown]` before authentication is left out).
    pub user: Option<&'a str>,
    /// `%d`.
    pub database: Option<&'a str>,
    /// `%a`.
    pub application: Option<&'a str>,
    /// `%h`, or the host part of `%r`.
    pub client_host: Option<&'a str>,
    /// The port part of `%r`.
    pub client_port: Option<u16>,
    /// `%b`.
    pub backend_type: Option<&'a str>,
    /// `%e`.
    pub sql_state: Option<&'a str>,
}

/// A line split into prefix fields, severity word and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineHead<'a> {
    /// The prefix fields.
    pub header: Header<'a>,
    /// The severity or continuation word.
    pub word: Word,
    /// The text after `WORD:  `.
    pub text: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(String),
    Field {
        esc: u8,
        padded: bool,
    },
    /// `%q`: non-session processes stop the prefix here.
    Stop,
}

/// A compiled `log_line_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix {
    source: String,
    tokens: Vec<Tok>,
    has_pid: bool,
}

/// The prefixes tried, most specific first, when none is given. (`%m` and
/// `%t` are read alike, so `%m [%p] ` also covers `%t [%p] `.)
pub const COMMON_PREFIXES: &[&str] = &[
    // Debian and Ubuntu (PostgreSQL 10 and later).
    "%m [%p] %q%u@%d ",
    // pgBadger's recommended prefixes.
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
    // Also Google Cloud SQL's, which has %m for %t.
    "%t [%p]: [%l-1] db=%d,user=%u ",
    // Amazon RDS and Aurora.
    "%t:%r:%u@%d:[%p]:",
    // Azure Database for PostgreSQL.
    "%t-%c-",
    // Debian and Ubuntu before PostgreSQL 10.
    "%t [%p-%l] %q%u@%d ",
    // PostgreSQL's own default.
    "%m [%p] ",
    "",
];

impl Prefix {
    /// Compiles a `log_line_prefix` value. Escapes: `%a %u %d %r %h %b %p %P
    /// %t %m %n %i %e %c %l %s %v %x %Q %q %%`, with optional padding
    /// (`%-10u`). Unlike the server, which prints nothing for an unknown
    /// escape, an unknown escape is an error here: it is more likely a typo
    /// in the option than in the server's configuration.
    pub fn compile(prefix: &str) -> Result<Prefix, Error> {
        let err = |reason: String| Error::Prefix {
            prefix: prefix.to_owned(),
            reason,
        };
        let mut tokens: Vec<Tok> = Vec::new();
        let mut lit = String::new();
        let mut chars = prefix.chars().peekable();
        let mut fields = 0;
        while let Some(c) = chars.next() {
            if c != '%' {
                lit.push(c);
                continue;
            }
            let mut padded = false;
            while let Some(&p) = chars.peek() {
                if p == '-' || p.is_ascii_digit() {
                    padded = true;
                    chars.next();
                } else {
                    break;
                }
            }
            let Some(esc) = chars.next() else {
                // The server ignores a trailing lone '%'.
                break;
            };
            if esc == '%' {
                lit.push('%');
                continue;
            }
            if !"audrhbpPtmnieclsvxQq".contains(esc) {
                return Err(err(format!("unknown escape %{esc}")));
            }
            if !lit.is_empty() {
                tokens.push(Tok::Lit(std::mem::take(&mut lit)));
            }
            if esc == 'q' {
                tokens.push(Tok::Stop);
            } else {
                fields += 1;
                if fields > MAX_FIELDS {
                    return Err(err(format!("more than {MAX_FIELDS} escapes")));
                }
                tokens.push(Tok::Field {
                    esc: esc as u8,
                    padded,
                });
            }
        }
        if !lit.is_empty() {
            tokens.push(Tok::Lit(lit));
        }
        let has_pid = tokens
            .iter()
            .any(|t| matches!(t, Tok::Field { esc: b'p', .. }));
        Ok(Prefix {
            source: prefix.to_owned(),
            tokens,
            has_pid,
        })
    }

    /// The prefix as given.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when the prefix names the process id, so that continuation
    /// lines can be tied to their message even when processes interleave.
    pub fn has_pid(&self) -> bool {
        self.has_pid
    }

    /// Splits a line into prefix fields, severity word and text, or `None`
    /// when the line is not a message in this prefix.
    pub fn parse<'a>(&self, line: &'a str) -> Option<LineHead<'a>> {
        let mut caps = [(0u32, 0u32); MAX_FIELDS];
        let mut budget = 64u32;
        let (end, word, text) = self.match_from(0, line, 0, &mut caps, 0, &mut budget)?;
        let _ = end;
        let mut header = Header::default();
        let mut field = 0;
        for tok in &self.tokens {
            if let Tok::Field { esc, padded } = tok {
                let (s, e) = caps[field];
                field += 1;
                if e == u32::MAX {
                    // After a %q stop: the field was not written.
                    continue;
                }
                let value = &line[s as usize..e as usize];
                let value = if *padded { value.trim() } else { value };
                set_field(&mut header, *esc, value);
            }
        }
        Some(LineHead { header, word, text })
    }

    fn match_from<'a>(
        &self,
        i: usize,
        line: &'a str,
        pos: usize,
        caps: &mut [(u32, u32); MAX_FIELDS],
        field: usize,
        budget: &mut u32,
    ) -> Option<(usize, Word, &'a str)> {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        let Some(tok) = self.tokens.get(i) else {
            let (word, text) = word_at(line, pos)?;
            return Some((pos, word, text));
        };
        match tok {
            Tok::Lit(l) => {
                if line[pos..].starts_with(l.as_str()) {
                    self.match_from(i + 1, line, pos + l.len(), caps, field, budget)
                } else {
                    None
                }
            }
            Tok::Stop => {
                if let Some((word, text)) = word_at(line, pos) {
                    for c in caps.iter_mut().skip(field) {
                        *c = (0, u32::MAX);
                    }
                    return Some((pos, word, text));
                }
                self.match_from(i + 1, line, pos, caps, field, budget)
            }
            Tok::Field { esc, padded } => {
                let rest = &line[pos..];
                if !padded {
                    if let Some(len) = fixed_shape(*esc, rest) {
                        caps[field] = (pos as u32, (pos + len) as u32);
                        return self.match_from(i + 1, line, pos + len, caps, field + 1, budget);
                    }
                    if is_fixed(*esc) {
                        return None;
                    }
                }
                // Free text: ends where the next literal is found (trying
                // each occurrence, nearest first), or at the next space.
                let window = &rest[..floor_char_boundary(rest, MAX_PREFIX_BYTES)];
                if let Some(Tok::Lit(next)) = self.tokens.get(i + 1) {
                    for (tries, (at, _)) in window.match_indices(next.as_str()).enumerate() {
                        if tries >= 8 {
                            break;
                        }
                        caps[field] = (pos as u32, (pos + at) as u32);
                        if let Some(found) =
                            self.match_from(i + 1, line, pos + at, caps, field + 1, budget)
                        {
                            return Some(found);
                        }
                    }
                    None
                } else {
                    let len = window.find(' ').unwrap_or(window.len());
                    caps[field] = (pos as u32, (pos + len) as u32);
                    self.match_from(i + 1, line, pos + len, caps, field + 1, budget)
                }
            }
        }
    }
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn is_fixed(esc: u8) -> bool {
    matches!(
        esc,
        b'm' | b't' | b's' | b'n' | b'p' | b'l' | b'x' | b'P' | b'Q' | b'c' | b'v' | b'e'
    )
}

fn run(s: &[u8], ok: impl Fn(u8) -> bool) -> usize {
    s.iter().take_while(|&&b| ok(b)).count()
}

/// Length of a field with a fixed shape at the start of `s`.
fn fixed_shape(esc: u8, s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digit = |c: u8| c.is_ascii_digit();
    match esc {
        b'm' | b't' | b's' => timestamp_shape(s),
        b'n' => {
            let a = run(b, digit);
            if a == 0 || b.get(a) != Some(&b'.') {
                return None;
            }
            let f = run(&b[a + 1..], digit);
            (f > 0).then_some(a + 1 + f)
        }
        b'p' | b'l' => Some(run(b, digit)).filter(|&n| n > 0),
        b'x' | b'P' => Some(run(b, digit)),
        b'Q' => {
            let sign = usize::from(b.first() == Some(&b'-'));
            Some(sign + run(&b[sign..], digit))
        }
        b'c' => {
            let a = run(b, |c| c.is_ascii_hexdigit());
            if a == 0 || b.get(a) != Some(&b'.') {
                return None;
            }
            let f = run(&b[a + 1..], |c| c.is_ascii_hexdigit());
            (f > 0).then_some(a + 1 + f)
        }
        b'v' => Some(run(b, |c| c.is_ascii_digit() || c == b'/')),
        b'e' => {
            let n = run(b, |c| c.is_ascii_digit() || c.is_ascii_uppercase());
            (n == 5).then_some(5)
        }
        _ => None,
    }
}

/// `YYYY-MM-DD HH:MM:SS[.fff] ZONE` at the start of `s`.
pub(crate) fn timestamp_shape(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 21 {
        return None;
    }
    let shape = b"dddd-dd-dd dd:dd:dd";
    for (i, &want) in shape.iter().enumerate() {
        let ok = if want == b'd' {
            b[i].is_ascii_digit()
        } else {
            b[i] == want
        };
        if !ok {
            return None;
        }
    }
    let mut i = 19;
    if b[i] == b'.' {
        let f = run(&b[i + 1..], |c| c.is_ascii_digit());
        if f == 0 {
            return None;
        }
        i += 1 + f;
    }
    if b.get(i) != Some(&b' ') {
        return None;
    }
    // A zone is an abbreviation (`UTC`, `JST`, `CEST`) or a numeric offset
    // (`+09`, `-0330`); what follows may be a literal with no space before
    // it (RDS's `%t:%r:...`, Azure's `%t-%c-`).
    let zone_bytes = &b[i + 1..];
    let zone = match zone_bytes.first() {
        Some(b'+' | b'-') => {
            let digits = run(&zone_bytes[1..], |c| c.is_ascii_digit());
            if digits == 0 {
                0
            } else {
                1 + digits
            }
        }
        _ => run(zone_bytes, |c| c.is_ascii_alphabetic()),
    };
    (zone > 0).then_some(i + 1 + zone)
}

/// The severity or continuation word at `pos`, followed by `:  `.
pub fn word_at(line: &str, pos: usize) -> Option<(Word, &str)> {
    let rest = line.get(pos..)?;
    let head = &rest.as_bytes()[..rest.len().min(MAX_WORD_BYTES + 3)];
    let colon = memchr::memchr(b':', head)?;
    let word = &rest[..colon];
    let after = &rest[colon + 1..];
    let text = if let Some(t) = after.strip_prefix("  ") {
        t
    } else if after.trim().is_empty() {
        ""
    } else {
        return None;
    };
    let word = if let Some(sev) = Severity::from_postgres_word(word) {
        Word::Primary(sev)
    } else {
        Word::Continuation(ContinuationKind::from_word(word)?)
    };
    Some((word, text))
}

fn known(value: &str) -> Option<&str> {
    match value {
        "" | "[unknown]" | "[不明]" => None,
        v => Some(v),
    }
}

fn set_field<'a>(h: &mut Header<'a>, esc: u8, value: &'a str) {
    match esc {
        b'm' | b't' if h.timestamp.is_none() => {
            h.timestamp = Some(value);
            h.epoch_ms = time::parse_postgres(value);
        }
        b'n' if h.timestamp.is_none() => {
            h.timestamp = Some(value);
            h.epoch_ms = time::parse_epoch(value);
        }
        b'p' => h.pid = value.parse().ok(),
        b'u' => h.user = known(value),
        b'd' => h.database = known(value),
        b'a' => h.application = known(value),
        b'h' => h.client_host = known(value),
        b'r' => {
            if let Some((host, port)) = value.strip_suffix(')').and_then(|v| v.rsplit_once('(')) {
                h.client_host = known(host);
                h.client_port = port.parse().ok();
            } else {
                h.client_host = known(value);
            }
        }
        b'b' => h.backend_type = known(value),
        b'e' => h.sql_state = Some(value),
        _ => {}
    }
}

/// Reads a line whose prefix is not known: the first severity word
/// followed by `:  ` within the line's head, a leading timestamp, and the
/// first `[digits]` before the word as the process id. This keeps custom
/// prefixes usable without `--prefix`.
pub fn parse_generic(line: &str) -> Option<LineHead<'_>> {
    let head_len = floor_char_boundary(line, MAX_PREFIX_BYTES);
    let bytes = &line.as_bytes()[..head_len];
    for colon in memchr::memmem::find_iter(bytes, b":  ") {
        let start = bytes[..colon]
            .iter()
            .rposition(|&b| b == b' ')
            .map_or(0, |p| p + 1);
        if colon - start > MAX_WORD_BYTES {
            continue;
        }
        if let Some((word, text)) = word_at(line, start) {
            let before = &line[..start];
            if before.contains("error: ") || before.contains("failed: ") {
                // A client quoting the server (`psql: error: connection to
                // server ... failed: FATAL:  ...`) is not the server's log.
                return None;
            }
            let mut header = Header::default();
            if let Some(len) = timestamp_shape(before) {
                header.timestamp = Some(&before[..len]);
                header.epoch_ms = time::parse_postgres(&before[..len]);
            }
            header.pid = bracketed_number(before);
            return Some(LineHead { header, word, text });
        }
    }
    None
}

/// The first `[digits]` in `s` (as in `[1234]` or `postgres[1234]`).
fn bracketed_number(s: &str) -> Option<u32> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(open) = memchr::memchr(b'[', &b[from..]) {
        let start = from + open + 1;
        let n = run(&b[start..], |c| c.is_ascii_digit());
        if n > 0 && b.get(start + n) == Some(&b']') {
            return s[start..start + n].parse().ok();
        }
        from = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(prefix: &str) -> Prefix {
        Prefix::compile(prefix).unwrap()
    }

    #[test]
    fn postgres_default() {
        let h = p("%m [%p] ")
            .parse("2026-11-28 16:02:11.123 UTC [1234] LOG:  could not accept SSL connection: unsupported protocol")
            .unwrap();
        assert_eq!(h.header.timestamp, Some("2026-11-28 16:02:11.123 UTC"));
        assert_eq!(h.header.pid, Some(1234));
        assert_eq!(h.word, Word::Primary(Severity::Log));
        assert_eq!(
            h.text,
            "could not accept SSL connection: unsupported protocol"
        );
    }

    #[test]
    fn debian_with_and_without_session() {
        let d = p("%m [%p] %q%u@%d ");
        let h = d
            .parse("2026-11-28 16:02:11.123 UTC [1234] kong@kong FATAL:  connection requires a valid client certificate")
            .unwrap();
        assert_eq!(
            (h.header.user, h.header.database),
            (Some("kong"), Some("kong"))
        );
        assert_eq!(h.word, Word::Primary(Severity::Fatal));
        let h = d
            .parse("2026-11-28 16:02:11.123 UTC [7059] LOG:  database system is ready to accept connections")
            .unwrap();
        assert_eq!((h.header.pid, h.header.user), (Some(7059), None));
        let h = d
            .parse("2026-11-28 16:08:23.654 UTC [7069] [unknown]@[unknown] LOG:  connection received: host=127.0.0.1 port=45166")
            .unwrap();
        assert_eq!((h.header.user, h.header.database), (None, None));
        let h = d
            .parse("2026-11-28 16:08:25.873 UTC [7142] kong@kong 詳細:  接続はpg_hba.confの行2に一致しました: \"hostssl all all 127.0.0.1/32 cert\"")
            .unwrap();
        assert_eq!(h.word, Word::Continuation(ContinuationKind::Detail));
    }

    #[test]
    fn pgbadger_style() {
        let h = p("%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ")
            .parse("2026-11-28 16:02:11 UTC [1234]: [3-1] user=kong,db=kong,app=my app, v2,client=10.0.0.7 FATAL:  certificate authentication failed for user \"kong\"")
            .unwrap();
        assert_eq!(h.header.application, Some("my app, v2"));
        assert_eq!(h.header.client_host, Some("10.0.0.7"));
        assert_eq!(h.header.epoch_ms, Some(1_795_881_731_000));
    }

    #[test]
    fn remote_host_with_port_padding_and_percent() {
        let h = p("%% %-8u|%r ")
            .parse("% kong    |10.1.2.3(5432) LOG:  x")
            .unwrap();
        assert_eq!(h.header.user, Some("kong"));
        assert_eq!(
            (h.header.client_host, h.header.client_port),
            (Some("10.1.2.3"), Some(5432))
        );
    }

    #[test]
    fn empty_prefix_and_mismatch() {
        let e = p("");
        assert!(e.parse("HINT:  Set ssl = on in postgresql.conf.").is_some());
        assert!(e.parse("2026-11-28 16:02:11.123 UTC [1] LOG:  x").is_none());
        assert!(p("%m [%p] ").parse("random text: with colons").is_none());
        assert!(p("%m [%p] ").parse("").is_none());
    }

    #[test]
    fn unknown_escape_is_an_error() {
        let e = Prefix::compile("%m %z ").unwrap_err();
        assert!(e.to_string().contains("%z"), "{e}");
    }

    #[test]
    fn generic_finds_word_after_custom_prefix() {
        let h =
            parse_generic("2026-11-28 16:02:11.123 UTC <1234> {kong} [777] ERROR:  boom").unwrap();
        assert_eq!(h.word, Word::Primary(Severity::Error));
        assert_eq!(h.header.pid, Some(777));
        assert_eq!(h.text, "boom");
        assert!(parse_generic("no word here:  at all").is_none());
        assert!(parse_generic("psql: error: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  connection requires a valid client certificate").is_none());
    }
}
