//! The token rules of PostgreSQL 15's `guc-file.l`, reproduced by hand: flex
//! picks the longest match and, on a tie, the earliest rule, which is why an
//! unquoted `server.crt` is a QUALIFIED_ID (not accepted as a value) while
//! `a.b.c` is an UNQUOTED_STRING (accepted).
//!
//! No token spans a newline, so the lexer works on one line at a time; each
//! rule scans forward at most to the end of that line.

/// Token kinds in rule order (earlier wins a tie).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Id,
    QualifiedId,
    Str,
    Unquoted,
    Integer,
    Real,
    Equals,
    Error,
}

fn is_letter(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_letter_or_digit(b: u8) -> bool {
    is_letter(b) || b.is_ascii_digit()
}

fn id_len(s: &[u8], i: usize) -> usize {
    match s.get(i) {
        Some(&b) if is_letter(b) => {
            1 + s[i + 1..]
                .iter()
                .take_while(|&&b| is_letter_or_digit(b))
                .count()
        }
        _ => 0,
    }
}

fn qualified_id_len(s: &[u8], i: usize) -> usize {
    let a = id_len(s, i);
    if a == 0 || s.get(i + a) != Some(&b'.') {
        return 0;
    }
    let b = id_len(s, i + a + 1);
    if b == 0 {
        0
    } else {
        a + 1 + b
    }
}

fn unquoted_len(s: &[u8], i: usize) -> usize {
    match s.get(i) {
        Some(&b) if is_letter(b) => {
            1 + s[i + 1..]
                .iter()
                .take_while(|&&b| {
                    is_letter_or_digit(b) || matches!(b, b'-' | b'.' | b'_' | b':' | b'/')
                })
                .count()
        }
        _ => 0,
    }
}

/// `\'([^'\\\n]|\\.|\'\')*\'`, longest match.
fn string_len(s: &[u8], i: usize) -> usize {
    if s.get(i) != Some(&b'\'') {
        return 0;
    }
    let mut j = i + 1;
    let mut last_end = 0;
    while j < s.len() {
        match s[j] {
            b'\n' => break,
            b'\\' => {
                if j + 1 < s.len() && s[j + 1] != b'\n' {
                    j += 2;
                } else {
                    break;
                }
            }
            b'\'' => {
                last_end = j + 1 - i;
                if s.get(j + 1) == Some(&b'\'') {
                    j += 2;
                } else {
                    break;
                }
            }
            _ => j += 1,
        }
    }
    last_end
}

fn count(s: &[u8], i: usize, f: impl Fn(u8) -> bool) -> usize {
    s.get(i..)
        .map_or(0, |t| t.iter().take_while(|&&b| f(b)).count())
}

/// `{SIGN}?({DIGIT}+|0x{HEXDIGIT}+){UNIT_LETTER}*`
fn integer_len(s: &[u8], i: usize) -> usize {
    let sign = usize::from(matches!(s.get(i), Some(b'+') | Some(b'-')));
    let j = i + sign;
    let mut best = 0;
    let d = count(s, j, |b| b.is_ascii_digit());
    if d > 0 {
        let end = j + d;
        best = best.max(end + count(s, end, |b| b.is_ascii_alphabetic()) - i);
    }
    if s.get(j) == Some(&b'0') && s.get(j + 1) == Some(&b'x') {
        let h = count(s, j + 2, |b| b.is_ascii_hexdigit());
        if h > 0 {
            let end = j + 2 + h;
            best = best.max(end + count(s, end, |b| b.is_ascii_alphabetic()) - i);
        }
    }
    best
}

/// `{SIGN}?{DIGIT}*"."{DIGIT}*{EXPONENT}?` with `[Ee]{SIGN}?{DIGIT}+`.
fn real_len(s: &[u8], i: usize) -> usize {
    let sign = usize::from(matches!(s.get(i), Some(b'+') | Some(b'-')));
    let mut j = i + sign;
    j += count(s, j, |b| b.is_ascii_digit());
    if s.get(j) != Some(&b'.') {
        return 0;
    }
    j += 1;
    j += count(s, j, |b| b.is_ascii_digit());
    if matches!(s.get(j), Some(b'e') | Some(b'E')) {
        let mut k = j + 1;
        if matches!(s.get(k), Some(b'+') | Some(b'-')) {
            k += 1;
        }
        let d = count(s, k, |b| b.is_ascii_digit());
        if d > 0 {
            j = k + d;
        }
    }
    j - i
}

/// One token of a line: kind and byte range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

/// Iterates over the tokens of one line (without its newline), skipping
/// blanks (`[ \t\r]`) and a `#` comment.
pub(crate) struct LineLexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> LineLexer<'a> {
    pub(crate) fn new(line: &'a str) -> Self {
        LineLexer {
            s: line.as_bytes(),
            pos: 0,
        }
    }
}

impl Iterator for LineLexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let s = self.s;
        while self.pos < s.len() && matches!(s[self.pos], b' ' | b'\t' | b'\r') {
            self.pos += 1;
        }
        if self.pos >= s.len() || s[self.pos] == b'#' {
            self.pos = s.len();
            return None;
        }
        let i = self.pos;
        let candidates = [
            (Tok::Id, id_len(s, i)),
            (Tok::QualifiedId, qualified_id_len(s, i)),
            (Tok::Str, string_len(s, i)),
            (Tok::Unquoted, unquoted_len(s, i)),
            (Tok::Integer, integer_len(s, i)),
            (Tok::Real, real_len(s, i)),
            (Tok::Equals, usize::from(s[i] == b'=')),
        ];
        let mut best = (Tok::Error, 0usize);
        for (kind, len) in candidates {
            if len > best.1 {
                best = (kind, len);
            }
        }
        if best.1 == 0 {
            // flex's `.` takes one byte; take the whole character so that the
            // token can be shown as text.
            let ch_len = std::str::from_utf8(&s[i..])
                .ok()
                .and_then(|t| t.chars().next())
                .map_or(1, char::len_utf8);
            best = (Tok::Error, ch_len);
        }
        self.pos = i + best.1;
        Some(Token {
            kind: best.0,
            start: i,
            end: self.pos,
        })
    }
}

/// `DeescapeQuotedString`: strips the quotes, turns `''` into `'` and
/// interprets `\b \f \n \r \t`, octal `\ooo` and `\x` (any other character
/// stands for itself). A NUL produced by an octal escape ends the value, as
/// it ends the C string in the server.
pub(crate) fn deescape(quoted: &str) -> String {
    let s = quoted.as_bytes();
    let inner = &s[1..s.len().saturating_sub(1).max(1)];
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let c = inner[i];
        if c == b'\\' && i + 1 < inner.len() {
            i += 1;
            match inner[i] {
                b'b' => out.push(0x08),
                b'f' => out.push(0x0c),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'0'..=b'7' => {
                    let mut v: u32 = 0;
                    let mut k = 0;
                    while k < 3 && i + k < inner.len() && (b'0'..=b'7').contains(&inner[i + k]) {
                        v = (v << 3) + u32::from(inner[i + k] - b'0');
                        k += 1;
                    }
                    i += k - 1;
                    out.push((v & 0xff) as u8);
                }
                other => out.push(other),
            }
        } else if c == b'\'' && inner.get(i + 1) == Some(&b'\'') {
            out.push(b'\'');
            i += 1;
        } else {
            out.push(c);
        }
        i += 1;
    }
    if let Some(nul) = out.iter().position(|&b| b == 0) {
        out.truncate(nul);
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<(Tok, String)> {
        LineLexer::new(line)
            .map(|t| (t.kind, line[t.start..t.end].to_string()))
            .collect()
    }

    #[test]
    fn longest_match_and_rule_order() {
        assert_eq!(kinds("server.crt")[0].0, Tok::QualifiedId);
        assert_eq!(kinds("a.b.c")[0].0, Tok::Unquoted);
        assert_eq!(kinds("TLSv1.2")[0].0, Tok::Unquoted);
        assert_eq!(kinds("on")[0].0, Tok::Id);
        assert_eq!(kinds("0x1Fkb")[0], (Tok::Integer, "0x1Fkb".into()));
        assert_eq!(kinds("-1.5e3")[0], (Tok::Real, "-1.5e3".into()));
        assert_eq!(kinds(".")[0].0, Tok::Real);
        assert_eq!(
            kinds("1e5"),
            vec![(Tok::Integer, "1e".into()), (Tok::Integer, "5".into())]
        );
        assert_eq!(kinds("/etc")[0], (Tok::Error, "/".into()));
        assert_eq!(kinds("'a''b' # c").len(), 1);
        assert_eq!(kinds("'a'''")[0], (Tok::Str, "'a'''".into()));
        assert_eq!(kinds("'unterminated")[0], (Tok::Error, "'".into()));
    }

    #[test]
    fn deescape_follows_server() {
        assert_eq!(deescape("'a''b\\tc\\101'"), "a'b\tcA");
        assert_eq!(deescape("'x\\0y'"), "x");
        assert_eq!(deescape("'\\q'"), "q");
        assert_eq!(deescape("''"), "");
    }
}
