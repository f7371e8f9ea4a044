//! Timestamps as PostgreSQL, syslog and nginx write them, turned into UTC
//! epoch milliseconds when the written form says which zone it is in. A
//! zone-less form (nginx, classic syslog) is local time of an unknown host
//! and is left without an epoch rather than guessed.

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0i64, |acc, &b| {
        acc.checked_mul(10)?.checked_add(i64::from(b - b'0'))
    })
}

/// Parses `YYYY-MM-DD?HH:MM:SS` (any single separator) at the start of `s`,
/// returning epoch milliseconds as if UTC and the rest of `s` after the
/// seconds (and any fraction).
fn date_time(s: &str) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, se) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + se * 1000;
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let mut scaled = 0i64;
        for (i, b) in frac.bytes().take(3).enumerate().take(n) {
            scaled += i64::from(b - b'0') * [100, 10, 1][i];
        }
        ms += scaled;
        rest = &frac[n..];
    }
    Some((ms, rest))
}

/// Offset in minutes of a zone abbreviation or numeric offset
/// (`UTC`, `JST`, `+09`, `-0530`, `+05:30`, `Z`).
fn zone_offset_minutes(zone: &str) -> Option<i64> {
    let named = match zone {
        "UTC" | "GMT" | "Z" | "UCT" | "WET" => Some(0),
        "BST" | "CET" | "WEST" | "MET" => Some(60),
        "CEST" | "EET" | "MEST" | "SAST" => Some(120),
        "EEST" | "MSK" => Some(180),
        "JST" | "KST" => Some(540),
        "HKT" | "AWST" | "PHT" | "WITA" => Some(480),
        "WIB" | "ICT" => Some(420),
        "AEST" => Some(600),
        "AEDT" => Some(660),
        "NZST" => Some(720),
        "NZDT" => Some(780),
        "EST" => Some(-300),
        "EDT" | "AST" => Some(-240),
        "CDT" => Some(-300),
        "MST" => Some(-420),
        "MDT" => Some(-360),
        "PST" => Some(-480),
        "PDT" => Some(-420),
        "HST" => Some(-600),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    let (sign, rest) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let rest = rest.replace(':', "");
    let b = rest.as_bytes();
    let (h, m) = match b.len() {
        1 | 2 => (digits(b)?, 0),
        4 => (digits(&b[..2])?, digits(&b[2..])?),
        _ => return None,
    };
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// PostgreSQL's `%m`/`%t` (and csvlog/jsonlog) form:
/// `2026-11-28 16:02:11.123 UTC`, `2026-11-28 16:02:11 JST`,
/// `2026-11-28 16:02:11.123 +09`.
pub fn parse_postgres(s: &str) -> Option<i64> {
    let (ms, rest) = date_time(s)?;
    if s.as_bytes()[10] != b' ' {
        return None;
    }
    let zone = rest.strip_prefix(' ')?.trim_end();
    Some(ms - zone_offset_minutes(zone)? * 60_000)
}

/// PostgreSQL's `%n`: seconds since the epoch with milliseconds.
pub fn parse_epoch(s: &str) -> Option<i64> {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let secs = digits(secs.as_bytes())?;
    let mut ms = 0;
    for (i, b) in frac.bytes().take(3).enumerate() {
        ms += i64::from(b.checked_sub(b'0').filter(|d| *d <= 9)?) * [100, 10, 1][i];
    }
    secs.checked_mul(1000)?.checked_add(ms)
}

/// ISO 8601 / RFC 3339 as rsyslog writes it:
/// `2026-11-28T16:02:11.123456+00:00`, `2026-11-28T16:02:11Z`.
pub fn parse_iso(s: &str) -> Option<i64> {
    let (ms, rest) = date_time(s)?;
    if s.as_bytes()[10] != b'T' {
        return None;
    }
    Some(ms - zone_offset_minutes(rest.trim_end())? * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-28 16:02:11 UTC, checked with `date -u -d ... +%s`.
    const T: i64 = 1_795_881_731_000;

    #[test]
    fn postgres_forms() {
        assert_eq!(parse_postgres("2026-11-28 16:02:11.123 UTC"), Some(T + 123));
        assert_eq!(parse_postgres("2026-11-28 16:02:11 UTC"), Some(T));
        assert_eq!(parse_postgres("2026-11-29 01:02:11.000 JST"), Some(T));
        assert_eq!(parse_postgres("2026-11-29 01:02:11 +09"), Some(T));
        assert_eq!(parse_postgres("2026-11-28 10:32:11 -05:30"), Some(T));
    }

    #[test]
    fn unknown_zone_or_garbage_has_no_epoch() {
        assert_eq!(parse_postgres("2026-11-28 16:02:11 XYZT"), None);
        assert_eq!(parse_postgres("2026-13-28 16:02:11 UTC"), None);
        assert_eq!(parse_postgres("2026/11/28 16:02:11"), None);
        assert_eq!(parse_postgres(""), None);
    }

    #[test]
    fn epoch_and_iso() {
        assert_eq!(parse_epoch("1795881731.123"), Some(T + 123));
        assert_eq!(parse_epoch("17958x"), None);
        assert_eq!(parse_iso("2026-11-28T16:02:11.123456+00:00"), Some(T + 123));
        assert_eq!(parse_iso("2026-11-29T01:02:11+09:00"), Some(T));
        assert_eq!(parse_iso("2026-11-28T16:02:11Z"), Some(T));
    }
}
