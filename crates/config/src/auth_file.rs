//! The tokenizer PostgreSQL shares between `pg_hba.conf` and
//! `pg_ident.conf` (`tokenize_auth_file` in `hba.c`): backslash line
//! continuation, blank- and comma-separated tokens, double quotes (with `""`
//! for a quote), `#` comments, and `@file` inclusion of token lists. From
//! PostgreSQL 16 a line of exactly two fields whose first token is
//! `include`, `include_if_exists` or `include_dir` is replaced by the lines of
//! the named file (or of every `*.conf` of the directory, in name order);
//! 12 to 15 see an ordinary line there, which their parsers reject.

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::sync::Arc;

use crate::error::strerror;
use crate::paths;
use crate::{Diagnostic, Location, Source};

/// `MAX_TOKEN` in `hba.c`: the token buffer holds 10239 bytes.
const MAX_TOKEN: usize = 10240;

/// `@file` lists may include further lists; the server has no limit but
/// runs out of file descriptors on a loop, so stop somewhere.
const MAX_INCLUDE_DEPTH: usize = 10;

/// A file that names itself many times would otherwise be read an
/// exponential number of times before the depth limit stops it.
const MAX_INCLUDE_READS: usize = 1000;

/// One token: its text without quotes, and whether a quote came before its
/// first character (which makes keywords like `all` literal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthToken {
    /// The text, quotes removed.
    pub text: String,
    /// Whether the token started with a double quote.
    pub quoted: bool,
}

impl AuthToken {
    /// `token_is_keyword`: unquoted and equal to `kw`.
    pub(crate) fn is_keyword(&self, kw: &str) -> bool {
        !self.quoted && self.text == kw
    }
}

/// One logical line: its fields (each a comma list of tokens) or the
/// tokenizer's error.
#[derive(Debug, Clone)]
pub(crate) struct TokenizedLine {
    pub location: Location,
    pub raw: String,
    pub fields: Vec<Vec<AuthToken>>,
    pub error: Option<String>,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r')
}

struct NextToken {
    text: String,
    initial_quote: bool,
    terminating_comma: bool,
}

/// `next_token`. Returns `Ok(None)` at the end of the line.
fn next_token(line: &[u8], pos: &mut usize) -> Result<Option<NextToken>, String> {
    while *pos < line.len() && (is_blank(line[*pos]) || line[*pos] == b',') {
        *pos += 1;
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut in_quote = false;
    let mut was_quote = false;
    let mut saw_quote = false;
    let mut initial_quote = false;
    let mut terminating_comma = false;
    while *pos < line.len() && (!is_blank(line[*pos]) || in_quote) {
        let c = line[*pos];
        if c == b'#' && !in_quote {
            *pos = line.len();
            break;
        }
        if buf.len() >= MAX_TOKEN - 1 {
            *pos = line.len();
            let shown: String = String::from_utf8_lossy(&buf).chars().take(80).collect();
            return Err(format!(
                "authentication file token too long, skipping: \"{shown}...\""
            ));
        }
        if c == b',' && !in_quote {
            terminating_comma = true;
            *pos += 1;
            break;
        }
        if c != b'"' || was_quote {
            buf.push(c);
        }
        was_quote = in_quote && c == b'"' && !was_quote;
        if c == b'"' {
            in_quote = !in_quote;
            saw_quote = true;
            if buf.is_empty() {
                initial_quote = true;
            }
        }
        *pos += 1;
    }
    if saw_quote || !buf.is_empty() {
        Ok(Some(NextToken {
            text: String::from_utf8_lossy(&buf).into_owned(),
            initial_quote,
            terminating_comma,
        }))
    } else {
        Ok(None)
    }
}

pub(crate) struct Tokenizer<'a> {
    source: Option<&'a dyn Source>,
    reads: Cell<usize>,
    /// Whether include records are read (PostgreSQL 16 and later).
    includes: bool,
    /// What the server logs without an error: skipped missing files.
    notes: RefCell<Vec<Diagnostic>>,
}

/// The three include records of PostgreSQL 16's authentication files.
pub(crate) const INCLUDE_KEYWORDS: [&str; 3] = ["include", "include_if_exists", "include_dir"];

/// Whether a server of `major` (None: the newest) reads include records
/// and regular expressions in pg_hba.conf and pg_ident.conf's user column.
pub(crate) fn has_v16_auth_files(major: Option<u32>) -> bool {
    major.is_none_or(|v| v >= 16)
}

impl<'a> Tokenizer<'a> {
    pub(crate) fn new(source: Option<&'a dyn Source>) -> Self {
        Tokenizer {
            source,
            reads: Cell::new(0),
            includes: false,
            notes: RefCell::new(Vec::new()),
        }
    }

    /// The same tokenizer reading include records or not.
    pub(crate) fn with_includes(mut self, on: bool) -> Self {
        self.includes = on;
        self
    }

    /// The notes gathered while tokenizing (missing `include_if_exists`
    /// files).
    pub(crate) fn take_notes(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.notes.borrow_mut())
    }

    /// `tokenize_auth_file` over a whole file's text.
    pub(crate) fn tokenize(&self, text: &str, file: &Path, depth: usize) -> Vec<TokenizedLine> {
        let file_arc: Arc<Path> = Arc::from(file);
        let mut out = Vec::new();
        let mut physical = text.split('\n').peekable();
        let mut line_number = 1usize;
        let ends_with_newline = text.ends_with('\n');
        while let Some(first) = physical.next() {
            if physical.peek().is_none() && ends_with_newline && first.is_empty() {
                break;
            }
            let mut buf = strip_crlf(first).to_string();
            let mut continuations = 0;
            let mut last_backslash_len = 0;
            while buf.len() > last_backslash_len && buf.ends_with('\\') {
                buf.pop();
                last_backslash_len = buf.len();
                match physical.next() {
                    Some(next)
                        if !(physical.peek().is_none() && ends_with_newline && next.is_empty()) =>
                    {
                        continuations += 1;
                        buf.push_str(strip_crlf(next));
                    }
                    _ => break,
                }
            }
            let location = Location::new(file_arc.clone(), line_number);
            line_number += continuations + 1;
            // The server works on a C string: a NUL ends the line's content.
            let content = match buf.find('\0') {
                Some(i) => &buf[..i],
                None => &buf[..],
            };
            let bytes = content.as_bytes();
            let mut pos = 0;
            let mut fields = Vec::new();
            let mut error = None;
            while pos < bytes.len() && error.is_none() {
                let field = self.next_field_expand(bytes, &mut pos, file, depth, &mut error);
                if !field.is_empty() {
                    fields.push(field);
                }
            }
            if self.includes && error.is_none() && fields.len() == 2 {
                let kind = fields[0][0].text.as_str();
                if INCLUDE_KEYWORDS.contains(&kind) {
                    let target = fields[1][0].text.clone();
                    match self.include_record(kind, &target, file, depth, &location) {
                        Ok(lines) => {
                            out.extend(lines);
                            continue;
                        }
                        Err(e) => error = Some(e),
                    }
                }
            }
            if !fields.is_empty() || error.is_some() {
                out.push(TokenizedLine {
                    location,
                    raw: content.to_string(),
                    fields,
                    error,
                });
            }
        }
        out
    }

    /// `tokenize_include_file` and the `include_dir` branch of
    /// `tokenize_auth_file`: the lines of the included files, or the error
    /// the server puts on the include line.
    fn include_record(
        &self,
        kind: &str,
        target: &str,
        outer: &Path,
        depth: usize,
        at: &Location,
    ) -> Result<Vec<TokenizedLine>, String> {
        let base = paths::parent_dir(outer);
        if kind == "include_dir" {
            if target.trim().is_empty() {
                return Err(format!("empty configuration directory name: \"{target}\""));
            }
            let dir = paths::resolve(&base, target);
            let listing = match self.source {
                Some(src) => src.list_dir(&dir).map_err(|e| strerror(&e)),
                None => Err("No such file or directory".to_string()),
            }
            .map_err(|reason| {
                format!(
                    "could not open configuration directory \"{}\": {reason}",
                    dir.display()
                )
            })?;
            let mut names: Vec<String> = listing
                .into_iter()
                .map(|e| e.name)
                .filter(|n| n.len() >= 6 && !n.starts_with('.') && n.ends_with(".conf"))
                .filter(|n| {
                    !matches!(self.source.map(|s| s.metadata(&dir.join(n))),
                        Some(Ok(m)) if m.kind == crate::FileKind::Dir)
                })
                .collect();
            names.sort();
            let mut lines = Vec::new();
            let mut errors = Vec::new();
            for n in names {
                match self.include_file(&dir.join(n), depth, false, at) {
                    Ok(l) => lines.extend(l),
                    Err(e) => errors.push(e),
                }
            }
            return if errors.is_empty() {
                Ok(lines)
            } else {
                Err(errors.join("\n"))
            };
        }
        let full = paths::resolve(&base, target);
        self.include_file(&full, depth, kind == "include_if_exists", at)
    }

    fn include_file(
        &self,
        full: &Path,
        depth: usize,
        missing_ok: bool,
        at: &Location,
    ) -> Result<Vec<TokenizedLine>, String> {
        self.reads.set(self.reads.get() + 1);
        if depth >= MAX_INCLUDE_DEPTH || self.reads.get() > MAX_INCLUDE_READS {
            return Err(format!(
                "could not open file \"{}\": maximum nesting depth exceeded",
                full.display()
            ));
        }
        let read = match self.source {
            Some(src) => src.read(full),
            None => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        };
        match read {
            Ok(text) => Ok(self.tokenize(&text, full, depth + 1)),
            Err(e) if missing_ok && e.kind() == std::io::ErrorKind::NotFound => {
                self.notes.borrow_mut().push(Diagnostic::note(
                    Some(at.clone()),
                    format!(
                        "skipping missing authentication file \"{}\"",
                        full.display()
                    ),
                ));
                Ok(Vec::new())
            }
            Err(e) => Err(format!(
                "could not open file \"{}\": {}",
                full.display(),
                if e.kind() == std::io::ErrorKind::NotFound {
                    "No such file or directory".to_string()
                } else {
                    strerror(&e)
                }
            )),
        }
    }

    /// `next_field_expand`: one comma list, with `@file` expanded.
    fn next_field_expand(
        &self,
        line: &[u8],
        pos: &mut usize,
        file: &Path,
        depth: usize,
        error: &mut Option<String>,
    ) -> Vec<AuthToken> {
        let mut tokens = Vec::new();
        loop {
            let tok = match next_token(line, pos) {
                Ok(Some(t)) => t,
                Ok(None) => break,
                Err(e) => {
                    *error = Some(e);
                    break;
                }
            };
            if !tok.initial_quote && tok.text.len() > 1 && tok.text.starts_with('@') {
                self.include(&tok.text[1..], file, depth, &mut tokens, error);
            } else {
                tokens.push(AuthToken {
                    text: tok.text,
                    quoted: tok.initial_quote,
                });
            }
            if !tok.terminating_comma || error.is_some() {
                break;
            }
        }
        tokens
    }

    /// `tokenize_inc_file`: every token of every line of the named file.
    fn include(
        &self,
        name: &str,
        outer: &Path,
        depth: usize,
        tokens: &mut Vec<AuthToken>,
        error: &mut Option<String>,
    ) {
        let full = paths::resolve(&paths::parent_dir(outer), name);
        self.reads.set(self.reads.get() + 1);
        let text = if depth >= MAX_INCLUDE_DEPTH || self.reads.get() > MAX_INCLUDE_READS {
            Err("too many levels of inclusion".to_string())
        } else {
            match self.source {
                Some(src) => src.read(&full).map_err(|e| strerror(&e)),
                None => Err("No such file or directory".to_string()),
            }
        };
        let text = match text {
            Ok(t) => t,
            Err(reason) => {
                *error = Some(format!(
                    "could not open secondary authentication file \"@{}\" as \"{}\": {}",
                    name,
                    full.display(),
                    reason
                ));
                return;
            }
        };
        for line in self.tokenize(&text, &full, depth + 1) {
            if let Some(e) = line.error {
                *error = Some(e);
                break;
            }
            for field in line.fields {
                tokens.extend(field);
            }
        }
    }
}

fn strip_crlf(s: &str) -> &str {
    s.trim_end_matches(['\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(line: &str) -> Vec<Vec<(String, bool)>> {
        let t = Tokenizer::new(None);
        let lines = t.tokenize(line, Path::new("/x"), 0);
        lines[0]
            .fields
            .iter()
            .map(|f| f.iter().map(|t| (t.text.clone(), t.quoted)).collect())
            .collect()
    }

    #[test]
    fn quoting_like_the_server() {
        assert_eq!(toks("a\"b c\"d")[0], vec![("ab cd".to_string(), false)]);
        assert_eq!(toks("\"x\"\"y\"")[0], vec![("x\"y".to_string(), true)]);
        assert_eq!(toks("a\"\"b")[0], vec![("ab".to_string(), false)]);
        assert_eq!(toks("\"\"")[0], vec![(String::new(), true)]);
        assert_eq!(
            toks("x,\"all\" y#c"),
            vec![
                vec![("x".to_string(), false), ("all".to_string(), true)],
                vec![("y".to_string(), false)]
            ]
        );
    }

    #[test]
    fn continuation_and_line_numbers() {
        let t = Tokenizer::new(None);
        let lines = t.tokenize("a \\\nb\r\n\n# c\nd\\\\\nx y\nz\n", Path::new("/x"), 0);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].location.line, 1);
        assert_eq!(lines[0].fields.len(), 2);
        assert_eq!(lines[1].location.line, 5);
        // A line ending in two backslashes loses one and is joined with the
        // next line; the remaining backslash does not continue it again.
        assert_eq!(lines[1].fields[0][0].text, "d\\x");
        assert_eq!(lines[2].location.line, 7);
    }
}
