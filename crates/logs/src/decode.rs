//! Turning a line's bytes into text. Logs are UTF-8 as a rule, but servers
//! running with `lc_messages = 'ja_JP.eucJP'` (or SJIS clients whose text
//! ends up in a STATEMENT) write legacy Japanese encodings, and a damaged
//! file can hold any bytes. A line is decoded as UTF-8; failing that as
//! EUC-JP or Shift_JIS when it decodes cleanly as one of them; failing that
//! lossily. Each fallback is counted so the user can be told.

use std::borrow::Cow;

/// Which decoding a line needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoding {
    /// Valid UTF-8 (the normal case).
    Utf8,
    /// Decoded cleanly as EUC-JP.
    EucJp,
    /// Decoded cleanly as Shift_JIS.
    ShiftJis,
    /// No encoding fitted: invalid bytes were replaced with U+FFFD.
    Lossy,
}

/// Counts of lines that were not valid UTF-8.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeStats {
    /// Lines decoded as EUC-JP.
    pub euc_jp: u64,
    /// Lines decoded as Shift_JIS.
    pub shift_jis: u64,
    /// Lines decoded lossily.
    pub lossy: u64,
}

impl DecodeStats {
    /// All lines that needed a fallback.
    pub fn total(&self) -> u64 {
        self.euc_jp + self.shift_jis + self.lossy
    }

    fn count(&mut self, d: Decoding) {
        match d {
            Decoding::Utf8 => {}
            Decoding::EucJp => self.euc_jp += 1,
            Decoding::ShiftJis => self.shift_jis += 1,
            Decoding::Lossy => self.lossy += 1,
        }
    }

    /// Adds another set of counts.
    pub fn add(&mut self, other: &DecodeStats) {
        self.euc_jp += other.euc_jp;
        self.shift_jis += other.shift_jis;
        self.lossy += other.lossy;
    }
}

/// Half-width katakana are what EUC-JP bytes usually turn into when read as
/// Shift_JIS, and are rare in real text: the fewer, the likelier the reading.
fn halfwidth_kana(s: &str) -> usize {
    s.chars()
        .filter(|c| ('\u{FF61}'..='\u{FF9F}').contains(c))
        .count()
}

/// Decodes one line (without its line ending), counting fallbacks.
pub fn decode<'a>(bytes: &'a [u8], stats: &mut DecodeStats) -> Cow<'a, str> {
    let (text, how) = decode_line(bytes);
    stats.count(how);
    text
}

/// Decodes one line and says how.
pub fn decode_line(bytes: &[u8]) -> (Cow<'_, str>, Decoding) {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (Cow::Borrowed(s), Decoding::Utf8);
    }
    // NUL and other C0 controls other than tab/ESC do not occur in either
    // legacy encoding's text: such a line is binary junk.
    let binary = bytes.iter().any(|&b| b < 0x20 && b != b'\t' && b != 0x1b);
    if !binary {
        let euc = encoding_rs::EUC_JP.decode_without_bom_handling_and_without_replacement(bytes);
        let sjis =
            encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes);
        match (euc, sjis) {
            (Some(e), Some(s)) => {
                return if halfwidth_kana(&s) < halfwidth_kana(&e) {
                    (Cow::Owned(s.into_owned()), Decoding::ShiftJis)
                } else {
                    (Cow::Owned(e.into_owned()), Decoding::EucJp)
                };
            }
            (Some(e), None) => return (Cow::Owned(e.into_owned()), Decoding::EucJp),
            (None, Some(s)) => return (Cow::Owned(s.into_owned()), Decoding::ShiftJis),
            (None, None) => {}
        }
    }
    (
        Cow::Owned(String::from_utf8_lossy(bytes).into_owned()),
        Decoding::Lossy,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const JA: &str = "SSL接続を受け付けられませんでした: unsupported protocol";

    #[test]
    fn utf8_is_borrowed() {
        let (t, d) = decode_line(JA.as_bytes());
        assert!(matches!(t, Cow::Borrowed(_)));
        assert_eq!(d, Decoding::Utf8);
    }

    #[test]
    fn euc_jp_and_shift_jis_round_trip() {
        let (euc, _, _) = encoding_rs::EUC_JP.encode(JA);
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(JA);
        assert_eq!(decode_line(&euc), (Cow::Borrowed(JA), Decoding::EucJp));
        assert_eq!(decode_line(&sjis), (Cow::Borrowed(JA), Decoding::ShiftJis));
    }

    #[test]
    fn junk_is_lossy_and_counted() {
        let mut stats = DecodeStats::default();
        let t = decode(b"LOG:  \x00\xff\xfe bad", &mut stats);
        assert!(t.starts_with("LOG:  \u{0}"));
        assert!(t.contains('\u{FFFD}'));
        assert_eq!(stats.lossy, 1);
        assert_eq!(stats.total(), 1);
    }
}
