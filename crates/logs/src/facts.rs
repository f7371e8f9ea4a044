//! Facts that later layers need from a message's HINT and DETAIL, parsed
//! here because only this layer knows the exact server wording (English and
//! Japanese) and the fields they arrive in.

use crate::entry::{Entry, Facts, HbaMatch};

const RANGE_EN: &str = "does not support any SSL protocol version between ";
const RANGE_JA_START: &str = "SSLプロトコルのバージョン";
const RANGE_JA_END: &str = "のいずれもサポートしていない";

/// Parses the facts of a complete entry.
pub fn parse(entry: &Entry) -> Facts {
    Facts {
        ssl_range: entry.hint.as_deref().and_then(ssl_range),
        hba: entry.detail.as_deref().and_then(hba_match),
    }
}

/// The `(min, max)` TLS range of a server HINT
/// `This may indicate that the client does not support any SSL protocol
/// version between TLSv1.2 and TLSv1.3.` (or its Japanese form).
pub fn ssl_range(hint: &str) -> Option<(String, String)> {
    if let Some(at) = hint.find(RANGE_EN) {
        let rest = &hint[at + RANGE_EN.len()..];
        let (min, rest) = rest.split_once(" and ")?;
        let max = rest.trim_end().trim_end_matches('.');
        return version_pair(min, max);
    }
    let at = hint.find(RANGE_JA_START)?;
    let rest = &hint[at + RANGE_JA_START.len()..];
    let end = rest.find(RANGE_JA_END)?;
    let (min, max) = rest[..end].split_once("から")?;
    version_pair(min, max)
}

fn version_pair(min: &str, max: &str) -> Option<(String, String)> {
    let ok = |v: &str| !v.is_empty() && v.len() <= 16 && !v.contains(char::is_whitespace);
    (ok(min) && ok(max)).then(|| (min.to_owned(), max.to_owned()))
}

/// The pg_hba.conf line of a DETAIL `Connection matched pg_hba.conf line 5:
/// "hostssl all all 127.0.0.1/32 cert"` (PostgreSQL 16 and later write
/// `Connection matched file "..." line 5: ...`; Japanese
/// `接続はpg_hba.confの行5に一致しました: "..."`).
pub fn hba_match(detail: &str) -> Option<HbaMatch> {
    let (number, rest) = if let Some(at) = detail.find("Connection matched ") {
        let rest = &detail[at + "Connection matched ".len()..];
        let at = rest.find(" line ")?;
        let rest = &rest[at + " line ".len()..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        (&rest[..digits], &rest[digits..])
    } else {
        let at = detail.find("pg_hba.confの行")?;
        let rest = &detail[at + "pg_hba.confの行".len()..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        (&rest[..digits], &rest[digits..])
    };
    let line: u32 = number.parse().ok()?;
    let open = rest.find('"')?;
    let quoted = &rest[open + 1..];
    let close = quoted.rfind('"')?;
    Some(HbaMatch {
        line,
        text: quoted[..close].to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_range() {
        let hint = "This may indicate that the client does not support any SSL protocol version between TLSv1.2 and TLSv1.3.";
        assert_eq!(
            ssl_range(hint),
            Some(("TLSv1.2".to_owned(), "TLSv1.3".to_owned()))
        );
    }

    #[test]
    fn japanese_range() {
        let hint = "このことは、クライアントがSSLプロトコルのバージョンTLSv1.2からTLSv1.3のいずれもサポートしていないことを示唆しているかもしれません。";
        assert_eq!(
            ssl_range(hint),
            Some(("TLSv1.2".to_owned(), "TLSv1.3".to_owned()))
        );
    }

    #[test]
    fn libpq_client_range_uses_the_same_words() {
        // libpq's own hint names the client's range with "server" instead of
        // "client"; the range is still read, the caller knows which side
        // wrote it.
        let hint = "This may indicate that the server does not support any SSL protocol version between TLSv1 and TLSv1.1.";
        assert_eq!(
            ssl_range(hint),
            Some(("TLSv1".to_owned(), "TLSv1.1".to_owned()))
        );
    }

    #[test]
    fn unrelated_hint_has_no_range() {
        assert_eq!(ssl_range("Set ssl = on in postgresql.conf."), None);
    }

    #[test]
    fn hba_line_english_and_japanese() {
        let en = hba_match(
            r#"Connection matched pg_hba.conf line 5: "hostssl all all 127.0.0.1/32 cert""#,
        );
        let ja = hba_match(
            r#"接続はpg_hba.confの行5に一致しました: "hostssl all all 127.0.0.1/32 cert""#,
        );
        let expected = Some(HbaMatch {
            line: 5,
            text: "hostssl all all 127.0.0.1/32 cert".to_owned(),
        });
        assert_eq!(en, expected);
        assert_eq!(ja, expected);
    }

    #[test]
    fn hba_line_postgres16_wording() {
        let m = hba_match(
            r#"Connection matched file "/etc/postgresql/16/main/pg_hba.conf" line 12: "hostssl all all 0.0.0.0/0 cert map=kong""#,
        );
        assert_eq!(
            m.map(|m| (m.line, m.text)),
            Some((12, "hostssl all all 0.0.0.0/0 cert map=kong".to_owned()))
        );
    }

    #[test]
    fn hba_without_number_is_none() {
        assert_eq!(
            hba_match("Connection matched pg_hba.conf line x: \"a\""),
            None
        );
        assert_eq!(hba_match("File must have permissions u=rw (0600)"), None);
    }
}
