//! PostgreSQL's csvlog: one record per message with the message, DETAIL,
//! HINT and CONTEXT in their own columns, so no line has to be tied to
//! another. A quoted field may contain newlines (a multi-line statement),
//! so a record can span several physical lines; quote parity says when a
//! record is complete.

use crate::entry::{ContinuationKind, Entry, Severity, SourceKind};
use crate::prefix::timestamp_shape;
use crate::time;
use std::borrow::Cow;

/// PostgreSQL 15 column positions.
mod col {
    pub const LOG_TIME: usize = 0;
    pub const USER: usize = 1;
    pub const DATABASE: usize = 2;
    pub const PID: usize = 3;
    pub const CONNECTION_FROM: usize = 4;
    pub const SEVERITY: usize = 11;
    pub const SQL_STATE: usize = 12;
    pub const MESSAGE: usize = 13;
    pub const DETAIL: usize = 14;
    pub const HINT: usize = 15;
    pub const INTERNAL_QUERY: usize = 16;
    pub const CONTEXT: usize = 18;
    pub const QUERY: usize = 19;
    pub const LOCATION: usize = 21;
    pub const APPLICATION: usize = 22;
    pub const BACKEND_TYPE: usize = 23;
}

/// Number of `"` in a line: odd means a quoted field is still open.
pub fn quote_parity_odd(line: &[u8]) -> bool {
    line.iter().filter(|&&b| b == b'"').count() % 2 == 1
}

/// Whether a line starts like a csvlog record.
pub fn looks_like_record(line: &str) -> bool {
    timestamp_shape(line).is_some_and(|n| line.as_bytes().get(n) == Some(&b','))
}

/// Splits one CSV record into fields (RFC 4180 quoting, `""` for `"`).
pub fn split(record: &str) -> Vec<Cow<'_, str>> {
    let mut fields = Vec::with_capacity(26);
    let b = record.as_bytes();
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            let mut value = String::new();
            let mut start = i + 1;
            let mut j = start;
            loop {
                match memchr::memchr(b'"', &b[j..]) {
                    Some(q) => {
                        let q = j + q;
                        if b.get(q + 1) == Some(&b'"') {
                            value.push_str(&record[start..=q]);
                            start = q + 2;
                            j = q + 2;
                        } else {
                            value.push_str(&record[start..q]);
                            i = q + 1;
                            break;
                        }
                    }
                    None => {
                        // An unterminated quote: keep what there is.
                        value.push_str(&record[start..]);
                        i = b.len();
                        break;
                    }
                }
            }
            fields.push(Cow::Owned(value));
            // Skip to the separator (nothing should be between).
            match memchr::memchr(b',', &b[i.min(b.len())..]) {
                Some(c) => i += c + 1,
                None => return fields,
            }
        } else {
            match memchr::memchr(b',', &b[i..]) {
                Some(c) => {
                    fields.push(Cow::Borrowed(&record[i..i + c]));
                    i += c + 1;
                }
                None => {
                    fields.push(Cow::Borrowed(&record[i..]));
                    return fields;
                }
            }
        }
    }
}

/// Turns one csvlog record (its text, without the final newline) into an
/// entry, or `None` when it is not a csvlog record.
pub fn parse(record: &str, file: usize, line_no: u64) -> Option<Entry> {
    if !looks_like_record(record) {
        return None;
    }
    let f = split(record);
    if f.len() < 14 {
        return None;
    }
    let get = |i: usize| f.get(i).map(|s| s.as_ref()).filter(|s| !s.is_empty());
    let severity = get(col::SEVERITY).and_then(Severity::from_postgres_word)?;
    let first_line = record.split('\n').next().unwrap_or(record);
    let mut e = Entry::new(
        file,
        line_no,
        SourceKind::PostgresServer,
        first_line.to_owned(),
    );
    e.timestamp = get(col::LOG_TIME).map(str::to_owned);
    e.epoch_ms = get(col::LOG_TIME).and_then(time::parse_postgres);
    e.user = get(col::USER).map(str::to_owned);
    e.database = get(col::DATABASE).map(str::to_owned);
    e.pid = get(col::PID).and_then(|p| p.parse().ok());
    if let Some(from) = get(col::CONNECTION_FROM) {
        match from.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => {
                e.client_host = Some(host.to_owned());
                e.client_port = port.parse().ok();
            }
            _ => e.client_host = Some(from.to_owned()),
        }
    }
    e.severity = severity;
    e.sql_state = get(col::SQL_STATE).map(str::to_owned);
    e.message = get(col::MESSAGE).unwrap_or("").to_owned();
    let conts = [
        (col::DETAIL, ContinuationKind::Detail),
        (col::HINT, ContinuationKind::Hint),
        (col::INTERNAL_QUERY, ContinuationKind::Query),
        (col::CONTEXT, ContinuationKind::Context),
        (col::QUERY, ContinuationKind::Statement),
        (col::LOCATION, ContinuationKind::Location),
    ];
    for (i, kind) in conts {
        if let Some(v) = get(i) {
            *e.continuation_mut(kind) = Some(v.to_owned());
        }
    }
    e.application = get(col::APPLICATION).map(str::to_owned);
    e.backend_type = get(col::BACKEND_TYPE).map(str::to_owned);
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_quotes() {
        let f = split(
            r#"a,"b ""c"", d",,"x
y",e"#,
        );
        assert_eq!(f, vec!["a", "b \"c\", d", "", "x\ny", "e"]);
        assert_eq!(split(""), vec![""]);
        assert_eq!(split("\"open"), vec!["open"]);
    }

    #[test]
    fn real_record() {
        let r = r#"2026-11-28 16:08:23.696 UTC,"kong","kong",7072,"127.0.0.1:45180",6b0afc77.1ba0,4,"authentication",2026-11-28 16:08:23 UTC,3/2,0,FATAL,28000,"certificate authentication failed for user ""kong""","Connection matched pg_hba.conf line 2: ""hostssl all all 127.0.0.1/32 cert""",,,,,,,,"","client backend",,0"#;
        let e = parse(r, 1, 11).unwrap();
        assert_eq!(e.severity, Severity::Fatal);
        assert_eq!(
            e.message,
            "certificate authentication failed for user \"kong\""
        );
        assert_eq!(
            e.detail.as_deref(),
            Some("Connection matched pg_hba.conf line 2: \"hostssl all all 127.0.0.1/32 cert\"")
        );
        assert_eq!(
            (e.client_host.as_deref(), e.client_port),
            (Some("127.0.0.1"), Some(45180))
        );
        assert_eq!((e.pid, e.user.as_deref()), (Some(7072), Some("kong")));
        assert_eq!(e.backend_type.as_deref(), Some("client backend"));
        assert_eq!(e.application, None);
    }

    #[test]
    fn parity() {
        assert!(quote_parity_odd(br#"2026-11-28 16:08:23.859 UTC,"postgres","postgres",7087,"[local]",6b0afc77.1baf,3,"SELECT",2026-11-28 16:08:23 UTC,3/6,0,ERROR,42P01,"relation ""nosuch"" does not exist",,,,,,"select 'a"#));
        assert!(!quote_parity_odd(b"plain"));
    }
}
