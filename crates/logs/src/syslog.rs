//! PostgreSQL lines wrapped by syslog (`log_destination = 'syslog'`):
//! `Nov 28 16:02:11 host postgres[1234]: [3-1] LOG:  ...`. The server
//! numbers each message (`3`) and splits it into chunks (`-1`, `-2`, ...)
//! at newlines and at about 900 bytes; chunks after the first continue the
//! message, which is how a DETAIL reaches the reader. rsyslog writes
//! RFC 3339 timestamps when configured to, and escapes a tab as `#011`.

use crate::time;

/// The syslog wrapper of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogLine<'a> {
    /// The timestamp as written.
    pub timestamp: &'a str,
    /// Epoch milliseconds when the timestamp carries a zone (RFC 3339 only).
    pub epoch_ms: Option<i64>,
    /// The program tag (`postgres`, `postgresql`, ...).
    pub tag: &'a str,
    /// The pid in `tag[pid]`.
    pub pid: Option<u32>,
    /// PostgreSQL's chunk number (`[3-2]` is chunk 2), when present.
    pub chunk: Option<u32>,
    /// The text after the wrapper (and after `[n-m] `).
    pub body: &'a str,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Length of a classic `Nov 28 16:02:11` / `Nov  8 16:02:11` timestamp.
fn classic_timestamp(b: &[u8]) -> Option<usize> {
    if b.len() < 16 || !MONTHS.iter().any(|m| b[..3] == *m.as_bytes()) || b[3] != b' ' {
        return None;
    }
    let day_ok = (b[4] == b' ' || b[4].is_ascii_digit()) && b[5].is_ascii_digit();
    let d = |i: usize| b[i].is_ascii_digit();
    let time_ok = b[6] == b' '
        && d(7)
        && d(8)
        && b[9] == b':'
        && d(10)
        && d(11)
        && b[12] == b':'
        && d(13)
        && d(14)
        && b[15] == b' ';
    (day_ok && time_ok).then_some(15)
}

/// Parses the syslog wrapper of a line.
pub fn parse(line: &str) -> Option<SyslogLine<'_>> {
    let b = line.as_bytes();
    let (ts_len, epoch_ms) = if let Some(n) = classic_timestamp(b) {
        (n, None)
    } else if b.len() > 20 && b[4] == b'-' && b[10] == b'T' {
        let n = line.find(' ')?;
        (n, Some(time::parse_iso(&line[..n])?))
    } else {
        return None;
    };
    let timestamp = &line[..ts_len];
    let rest = line[ts_len..].strip_prefix(' ')?;
    let (_host, rest) = rest.split_once(' ')?;
    let colon = rest.find(": ")?;
    let tag_part = &rest[..colon];
    if tag_part.contains(' ') {
        return None;
    }
    let (tag, pid) = match tag_part.strip_suffix(']').and_then(|t| t.split_once('[')) {
        Some((tag, pid)) => (tag, pid.parse().ok()),
        None => (tag_part, None),
    };
    let mut body = &rest[colon + 2..];
    let mut chunk = None;
    if let Some(inner) = body.strip_prefix('[') {
        if let Some(close) = inner.find("] ") {
            let seq = &inner[..close];
            let chunk_text = seq.rsplit('-').next().unwrap_or(seq);
            if seq.bytes().all(|c| c.is_ascii_digit() || c == b'-') && !chunk_text.is_empty() {
                chunk = chunk_text.parse().ok();
                body = &inner[close + 2..];
            }
        }
    }
    Some(SyslogLine {
        timestamp,
        epoch_ms,
        tag,
        pid,
        chunk,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_with_sequence() {
        let s = parse("Nov 28 16:02:11 db1 postgres[1234]: [3-1] LOG:  could not accept SSL connection: tlsv1 alert unknown ca").unwrap();
        assert_eq!((s.tag, s.pid, s.chunk), ("postgres", Some(1234), Some(1)));
        assert_eq!(
            s.body,
            "LOG:  could not accept SSL connection: tlsv1 alert unknown ca"
        );
        assert_eq!(s.timestamp, "Nov 28 16:02:11");
        let s = parse("Nov  8 16:02:11 db1 postgres[1234]: [3-2] #011b' from nosuch").unwrap();
        assert_eq!((s.chunk, s.body), (Some(2), "#011b' from nosuch"));
    }

    #[test]
    fn rfc3339_and_no_sequence_numbers() {
        let s = parse("2026-11-28T16:02:11.123456+00:00 db1 postgres[77]: [2] FATAL:  x").unwrap();
        assert_eq!(s.epoch_ms, Some(1_795_881_731_123));
        assert_eq!((s.chunk, s.body), (Some(2), "FATAL:  x"));
    }

    #[test]
    fn not_syslog() {
        assert!(parse("2026-11-28 16:02:11.123 UTC [1] LOG:  x").is_none());
        assert!(parse("Nov 28 16:02:11").is_none());
        assert!(parse("").is_none());
    }
}
