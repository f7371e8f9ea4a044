//! Fitting text output to a terminal: long lines are broken at spaces (and
//! between Japanese characters, which have none), and each continuation is
//! indented under the label or list marker that starts its line, so a
//! wrapped `cause:` or `2.` still reads as one item.
//!
//! The commands build their text without knowing the width; this runs once
//! on the finished text. JSON never comes here.

use unicode_width::UnicodeWidthChar;

/// The width when nothing says otherwise (stdout is not a terminal).
pub const DEFAULT_WIDTH: usize = 80;

/// Below this a terminal is not worth laying out for: hanging indents would
/// leave no room for the text.
const MIN_WIDTH: usize = 40;

/// A label (`cause: `, `psql prints: `) longer than this is not a label but
/// the first words of a sentence that happens to hold a colon.
const MAX_LABEL: usize = 24;

/// The width to wrap at: `COLUMNS` when it holds a usable number, else the
/// terminal's width when stdout is one, else [`DEFAULT_WIDTH`].
pub fn width_from(columns: Option<&str>, terminal: Option<usize>) -> usize {
    let from_env = columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    from_env
        .or(terminal.filter(|&c| c > 0))
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// `text` with every line wider than `width` columns broken into several.
/// A word wider than the line (a long path, a URL) is kept whole.
pub fn wrap(text: &str, width: usize) -> String {
    let width = width.max(MIN_WIDTH);
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if display_width(line) <= width || is_verbatim(line) {
            out.push_str(line);
        } else {
            wrap_line(line, width, &mut out);
        }
    }
    out
}

/// Columns on screen: terminal escapes take none, Japanese characters two.
pub fn display_width(text: &str) -> usize {
    let mut width = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            skip_escape(&mut chars);
        } else {
            width += c.width().unwrap_or(0);
        }
    }
    width
}

/// Skips the rest of an ANSI CSI sequence (`ESC [ ... letter`).
fn skip_escape(chars: &mut std::str::Chars<'_>) {
    if chars.clone().next() == Some('[') {
        chars.next();
        for c in chars.by_ref() {
            if c.is_ascii_alphabetic() {
                break;
            }
        }
    }
}

/// A shell command to copy (`$ chmod 0600 ...`) stays on one line: broken,
/// it would no longer paste.
fn is_verbatim(line: &str) -> bool {
    line.trim_start().starts_with("$ ")
}

/// Where continuation lines start: under the text after a list marker
/// (`1. `, `- `, `? `) or a short label (`cause: `), else two columns in
/// from the line's own indent.
fn hanging_indent(line: &str, width: usize) -> usize {
    let body = line.trim_start_matches(' ');
    let indent = line.len() - body.len();
    let plain = strip_escapes(body);
    if let Some(column) = aligned_column(&plain) {
        if indent + column + MIN_TEXT <= width {
            return indent + column;
        }
    }
    let marker = list_marker(&plain).or_else(|| label(&plain));
    let hang = indent + marker.unwrap_or(2);
    if hang > width / 2 {
        indent.min(width / 2) + 2
    } else {
        hang
    }
}

/// A continuation under an aligned column keeps at least this many columns
/// for its text; narrower, it goes back under the line's start.
const MIN_TEXT: usize = 30;

/// Where the text of a table row's aligned column starts (after a run of
/// two or more spaces: the gap of a padded label column such as demo's
/// `Kong cosocket  `), so a wrapped cell continues under itself. Two
/// spaces after a full stop are a sentence's, not a column's.
fn aligned_column(body: &str) -> Option<usize> {
    let at = body.find("  ")?;
    if at == 0 || body[..at].ends_with('.') {
        return None;
    }
    let after = body[at..].trim_start_matches(' ');
    if after.is_empty() {
        return None;
    }
    Some(display_width(&body[..body.len() - after.len()]))
}

/// The columns of `1. `, `12. `, `- `, `? `, `✗ `, `✓ ` at the start.
fn list_marker(body: &str) -> Option<usize> {
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && body[digits..].starts_with(". ") {
        return Some(digits + 2);
    }
    let first = body.chars().next()?;
    let rest = &body[first.len_utf8()..];
    if matches!(first, '-' | '?' | '*' | '•' | '✗' | '✓' | '!') && rest.starts_with(' ') {
        return Some(first.width().unwrap_or(1) + 1);
    }
    None
}

/// The columns of a leading `label: ` (with the spaces after it), when the
/// label is short and reads as one (no `=`, which marks `key = value: ...`).
fn label(body: &str) -> Option<usize> {
    let at = body.find(": ")?;
    let name = &body[..at];
    // A parenthesis is prose: `psql (as Kong would: ...)` is a sentence.
    if name.is_empty() || name.contains(['=', '(', ')']) || display_width(name) > MAX_LABEL {
        return None;
    }
    let spaces = body[at + 1..].bytes().take_while(|&b| b == b' ').count();
    Some(display_width(name) + 1 + spaces)
}

fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            skip_escape(&mut chars);
        } else {
            out.push(c);
        }
    }
    out
}

/// A piece of a line that is never split, with the spaces before it (which
/// disappear when a line breaks there).
struct Token<'a> {
    space: &'a str,
    text: &'a str,
}

/// Japanese punctuation that must not start a line.
fn closes(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '！'
            | '？'
            | '：'
            | 'ー'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | '.'
            | ','
            | ':'
            | ';'
            | ')'
            | ']'
            | '!'
            | '?'
    )
}

/// Japanese punctuation that must not end a line.
fn opens(c: char) -> bool {
    matches!(c, '（' | '「' | '『' | '【' | '〔' | '(' | '[')
}

fn is_wide(c: char) -> bool {
    c.width().unwrap_or(0) >= 2
}

/// Splits a line's body into tokens: words between spaces, and each
/// Japanese character on its own (kept with the punctuation around it).
fn tokens(body: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < body.len() {
        let space_start = i;
        while i < body.len() && bytes[i] == b' ' {
            i += 1;
        }
        let space = &body[space_start..i];
        if i == body.len() {
            // Trailing spaces carry nothing worth keeping at a break.
            break;
        }
        let start = i;
        let mut prev: Option<char> = None;
        let mut iter = body[i..].char_indices().peekable();
        let mut end = body.len();
        while let Some((off, c)) = iter.next() {
            let at = start + off;
            if c == ' ' {
                end = at;
                break;
            }
            if c == '\x1b' {
                // An escape belongs to the text around it and never breaks.
                if iter.peek().map(|&(_, n)| n) == Some('[') {
                    iter.next();
                    for (_, n) in iter.by_ref() {
                        if n.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
                continue;
            }
            if let Some(p) = prev {
                let boundary = (is_wide(c) || is_wide(p)) && !closes(c) && !opens(p);
                if boundary {
                    end = at;
                    break;
                }
            }
            prev = Some(c);
        }
        out.push(Token {
            space,
            text: &body[start..end],
        });
        i = end;
    }
    out
}

/// What separates the items of a list on one line (probe's settings):
/// a line is broken there first, so that an item stays whole. Cells
/// separated by a run of spaces (`ssl: on   versions: ...`) are items too.
const ITEM_SEPARATOR: &str = " · ";
const CELL_SEPARATOR: &str = "   ";

/// The next item separator in `text`: (where it starts, where the next
/// item starts, where the item before it ends).
fn next_separator(text: &str) -> Option<(usize, usize)> {
    let dot = text.find(ITEM_SEPARATOR).map(|at| {
        // The separator's dot stays with the item before it.
        (at + ITEM_SEPARATOR.len() - 1, at + ITEM_SEPARATOR.len())
    });
    let cells = text.find(CELL_SEPARATOR).map(|at| {
        let spaces = text[at..].bytes().take_while(|&b| b == b' ').count();
        (at, at + spaces)
    });
    match (dot, cells) {
        (Some(d), Some(c)) => Some(if d.0 < c.0 { d } else { c }),
        (d, c) => d.or(c),
    }
}

/// The items of a `a · b · c` line as tokens, when every item fits on a
/// continuation line.
fn item_tokens(body: &str, room: usize) -> Option<Vec<Token<'_>>> {
    next_separator(body)?;
    let mut out = Vec::new();
    let mut rest = body;
    let mut space = "";
    while !rest.is_empty() {
        let (item, next_space, next) = match next_separator(rest) {
            Some((end, next)) => (&rest[..end], &rest[end..next], &rest[next..]),
            None => (rest, "", ""),
        };
        if display_width(item) > room {
            return None;
        }
        out.push(Token { space, text: item });
        space = next_space;
        rest = next;
    }
    Some(out)
}

fn wrap_line(line: &str, width: usize, out: &mut String) {
    let body = line.trim_start_matches(' ');
    let indent = &line[..line.len() - body.len()];
    let hang = hanging_indent(line, width);
    let tokens = item_tokens(body, width - hang).unwrap_or_else(|| tokens(body));
    let mut current = String::from(indent);
    let mut used = indent.len();
    let mut empty = true;
    for token in tokens {
        let w = display_width(token.text);
        let space = display_width(token.space);
        if !empty && used + space + w > width {
            out.push_str(&current);
            out.push('\n');
            current = " ".repeat(hang);
            used = hang;
            empty = true;
        }
        if !empty {
            current.push_str(token.space);
            used += space;
        }
        current.push_str(token.text);
        used += w;
        empty = false;
    }
    out.push_str(&current);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widest(text: &str) -> usize {
        text.lines().map(display_width).max().unwrap_or(0)
    }

    #[test]
    fn a_padded_label_column_hangs_under_its_cell_and_prose_under_its_start() {
        let row = format!("  Kong cosocket  Error: {}", "word ".repeat(20));
        let wrapped = wrap(&row, 50);
        for l in wrapped.lines().skip(1) {
            assert!(l.starts_with(&" ".repeat(17)), "{l:?}");
            assert!(!l.starts_with(&" ".repeat(18)), "{l:?}");
        }
        let prose = format!(
            "psql (as Kong would: verify-full) connects. {}",
            "word ".repeat(20)
        );
        let wrapped = wrap(&prose, 50);
        for l in wrapped.lines().skip(1) {
            assert!(l.starts_with("  word"), "{l:?}");
        }
    }

    #[test]
    fn a_short_line_is_untouched() {
        let text = "PGTLS005 x [error] title\n  cause: short\n";
        assert_eq!(wrap(text, 80), text);
    }

    #[test]
    fn a_labelled_line_continues_under_its_label() {
        let line = format!("  cause: {}", "word ".repeat(40).trim_end());
        let wrapped = wrap(&line, 40);
        assert!(widest(&wrapped) <= 40, "{wrapped}");
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() > 3);
        assert!(lines[0].starts_with("  cause: word"));
        for l in &lines[1..] {
            assert!(l.starts_with("         word"), "{l:?}");
        }
        assert_eq!(
            wrapped.split_whitespace().collect::<Vec<_>>(),
            line.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_numbered_step_continues_under_its_text() {
        let line = format!("    12. {}", "step ".repeat(30).trim_end());
        let wrapped = wrap(&line, 50);
        for l in wrapped.lines().skip(1) {
            assert!(l.starts_with("        step"), "{l:?}");
        }
    }

    #[test]
    fn a_word_longer_than_the_line_stays_whole() {
        let path = format!("/{}", "very-long-directory/".repeat(8));
        let line = format!("  evidence: cannot read {path} because it is missing");
        let wrapped = wrap(&line, 40);
        assert!(wrapped.lines().any(|l| l.trim() == path), "{wrapped}");
    }

    #[test]
    fn japanese_breaks_between_characters_and_keeps_punctuation_on_its_line() {
        let line = format!(
            "  原因: {}",
            "クライアントのトラストストアに、CA が含まれていません。".repeat(4)
        );
        let wrapped = wrap(&line, 40);
        assert!(widest(&wrapped) <= 40, "{wrapped}");
        for l in wrapped.lines().skip(1) {
            assert!(l.starts_with("        "), "{l:?}");
            let first = l.trim_start().chars().next().unwrap();
            assert!(!closes(first), "{l:?}");
        }
        let joined: String = wrapped.lines().map(str::trim_start).collect();
        let original: String = line.trim_start().to_string();
        assert_eq!(joined.replace(' ', ""), original.replace(' ', ""));
    }

    #[test]
    fn escapes_take_no_columns() {
        let red = "\x1b[31merror\x1b[0m";
        let line = format!("PGTLS005 name [{red}] {}", "title ".repeat(12).trim_end());
        let wrapped = wrap(&line, 40);
        assert!(wrapped.contains(red));
        assert!(widest(&wrapped) <= 40, "{wrapped}");
    }

    #[test]
    fn a_list_of_items_breaks_between_items() {
        let line = "settings: host=127.0.0.1 (connection string) · port=1 (connection string) · user=x (connection string) · dbname=x (default)";
        let wrapped = wrap(line, 60);
        assert_eq!(
            wrapped,
            "settings: host=127.0.0.1 (connection string) ·\n          port=1 (connection string) ·\n          user=x (connection string) · dbname=x (default)"
        );
    }

    #[test]
    fn a_table_cell_continues_under_its_column() {
        let line = format!(
            "✗          client gives up: {}",
            "verify ".repeat(12).trim_end()
        );
        let wrapped = wrap(&line, 60);
        for l in wrapped.lines().skip(1) {
            assert!(l.starts_with("           verify"), "{l:?}");
        }
    }

    #[test]
    fn cells_break_between_cells() {
        let line = "ssl: on   versions: TLSv1.2 .. TLSv1.3   ssl_cert_file: /var/lib/postgresql/data/server.crt";
        assert_eq!(
            wrap(line, 60),
            "ssl: on   versions: TLSv1.2 .. TLSv1.3\n          ssl_cert_file: /var/lib/postgresql/data/server.crt"
        );
    }

    #[test]
    fn a_shell_command_is_never_broken() {
        let line = format!("  $ chmod 0600 {}", "/x".repeat(60));
        assert_eq!(wrap(&line, 40), line);
    }

    #[test]
    fn the_width_comes_from_columns_then_the_terminal_then_80() {
        assert_eq!(width_from(Some("120"), Some(100)), 120);
        assert_eq!(width_from(Some("junk"), Some(100)), 100);
        assert_eq!(width_from(Some("0"), None), DEFAULT_WIDTH);
        assert_eq!(width_from(None, None), DEFAULT_WIDTH);
        assert_eq!(width_from(Some("10"), None), MIN_WIDTH);
    }
}
