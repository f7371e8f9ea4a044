//! `pg_ident.conf` as PostgreSQL 15 reads and applies it: lines of
//! `map system-user pg-user`, where a system user starting with `/` is a
//! regular expression whose first capture group replaces `\1` in the
//! database user (`check_ident_usermap`). With certificate authentication the
//! "system user" is the certificate's CN (or DN), so this decides whether a
//! client certificate may log in as the requested user.
//!
//! PostgreSQL compiles these expressions with its own engine (Tcl ARE); they
//! are evaluated here with the `regex` crate after translating the ARE-only
//! word-boundary escapes. Expressions this cannot translate (back-references,
//! lookaround) are reported as not evaluated rather than guessed.

use std::path::Path;

use regex::Regex;

use crate::auth_file::Tokenizer;
use crate::{ConfigError, Diagnostic, Location, Source};

/// The system-user field of a line.
#[derive(Debug, Clone)]
pub enum SystemUser {
    /// A name compared exactly (or case-insensitively when asked).
    Literal(String),
    /// `/regex`: the pattern (without the slash) and, when it could be
    /// evaluated here, the compiled expression.
    Regex {
        /// The pattern as written, without the leading slash.
        pattern: String,
        /// The compiled expression; `None` when it uses syntax this checker
        /// does not evaluate.
        compiled: Option<Regex>,
    },
}

/// One accepted line.
#[derive(Debug, Clone)]
pub struct IdentLine {
    /// Where it is.
    pub location: Location,
    /// The map name.
    pub map: String,
    /// The system (certificate) user.
    pub system_user: SystemUser,
    /// The database user, possibly containing `\1`.
    pub pg_user: String,
}

/// A parsed `pg_ident.conf`.
#[derive(Debug, Clone, Default)]
pub struct IdentFile {
    /// Lines the server accepts, in order.
    pub lines: Vec<IdentLine>,
    /// Errors (any one makes the server ignore the whole file) and notes.
    pub diagnostics: Vec<Diagnostic>,
}

/// The result of looking a user up in a map.
#[derive(Debug, Clone)]
pub enum MapOutcome<'a> {
    /// No map was named and the two names are equal.
    SameName,
    /// This line allows it.
    Allowed(&'a IdentLine),
    /// No line allows it. `log` is the server's LOG line.
    Denied {
        /// What the server logs.
        log: String,
    },
    /// The server would fail on this line (a regular expression without the
    /// group `\1` refers to), and deny.
    Failed {
        /// The line.
        line: &'a IdentLine,
        /// What the server logs.
        log: String,
    },
    /// A regular expression on the way could not be evaluated here; lines
    /// before it did not match.
    Unknown {
        /// The line that could not be evaluated.
        line: &'a IdentLine,
    },
}

/// Reads `path` through `source` (also used for `@file` lists).
pub fn load(source: &dyn Source, path: &Path) -> Result<IdentFile, ConfigError> {
    let text = source.read(path).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    Ok(parse(&text, path, Some(source)))
}

/// Translates the ARE escapes that have a `regex` crate equivalent.
fn translate_are(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('m') | Some('M') | Some('y') => out.push_str("\\b"),
                Some('Y') => out.push_str("\\B"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out.replace("[[:<:]]", "\\b").replace("[[:>:]]", "\\b")
}

/// Parses `text` as the file `file`; `source` resolves `@file` lists.
pub fn parse(text: &str, file: &Path, source: Option<&dyn Source>) -> IdentFile {
    let tokenizer = Tokenizer::new(source);
    let mut out = IdentFile::default();
    for tl in tokenizer.tokenize(text, file, 0) {
        let loc = tl.location.clone();
        if let Some(e) = tl.error {
            out.diagnostics.push(Diagnostic::error(Some(loc), e));
            continue;
        }
        let mut values = Vec::new();
        let mut failed = None;
        for i in 0..3 {
            match tl.fields.get(i) {
                None => {
                    failed = Some(format!(
                        "missing entry in file \"{}\" at end of line {}",
                        file.display(),
                        loc.line
                    ));
                    break;
                }
                Some(f) => match f.as_slice() {
                    [one] => values.push(one.text.clone()),
                    _ => {
                        failed = Some("multiple values in ident field".to_string());
                        break;
                    }
                },
            }
        }
        if let Some(msg) = failed {
            out.diagnostics.push(Diagnostic::error(Some(loc), msg));
            continue;
        }
        let [map, system, pg_user]: [String; 3] = match values.try_into() {
            Ok(v) => v,
            Err(_) => continue,
        };
        let system_user = match system.strip_prefix('/') {
            Some(pattern) => {
                let compiled = match Regex::new(&translate_are(pattern)) {
                    Ok(re) => Some(re),
                    Err(_) => {
                        if balanced(pattern) {
                            out.diagnostics.push(Diagnostic::note(
                                Some(loc.clone()),
                                format!(
                                    "regular expression \"{pattern}\" uses syntax this checker does not evaluate; PostgreSQL may accept it"
                                ),
                            ));
                            None
                        } else {
                            out.diagnostics.push(Diagnostic::error(
                                Some(loc.clone()),
                                format!(
                                    "invalid regular expression \"{pattern}\": parentheses () not balanced"
                                ),
                            ));
                            continue;
                        }
                    }
                };
                SystemUser::Regex {
                    pattern: pattern.to_string(),
                    compiled,
                }
            }
            None => SystemUser::Literal(system),
        };
        out.lines.push(IdentLine {
            location: loc,
            map,
            system_user,
            pg_user,
        });
    }
    out
}

/// Whether the parentheses of a pattern balance, ignoring escaped ones and
/// bracket expressions: the one ARE error that can be told apart here.
fn balanced(pattern: &str) -> bool {
    let mut depth: i64 = 0;
    let mut chars = pattern.chars();
    let mut in_bracket = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !in_bracket => in_bracket = true,
            ']' if in_bracket => in_bracket = false,
            '(' if !in_bracket => depth += 1,
            ')' if !in_bracket => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn eq(a: &str, b: &str, case_insensitive: bool) -> bool {
    if case_insensitive {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

enum LineResult {
    NoMatch,
    Match,
    Error(String),
    Unknown,
}

fn check_line(
    line: &IdentLine,
    map: &str,
    pg_user: &str,
    system_user: &str,
    ci: bool,
) -> LineResult {
    if line.map != map {
        return LineResult::NoMatch;
    }
    match &line.system_user {
        SystemUser::Literal(s) => {
            if eq(&line.pg_user, pg_user, ci) && eq(s, system_user, ci) {
                LineResult::Match
            } else {
                LineResult::NoMatch
            }
        }
        SystemUser::Regex { compiled: None, .. } => LineResult::Unknown,
        SystemUser::Regex {
            pattern,
            compiled: Some(re),
        } => {
            let Some(caps) = re.captures(system_user) else {
                return LineResult::NoMatch;
            };
            let expected = match line.pg_user.find("\\1") {
                Some(ofs) => match caps.get(1) {
                    Some(m) => format!("{}{}{}", &line.pg_user[..ofs], m.as_str(), &line.pg_user[ofs + 2..]),
                    None => {
                        return LineResult::Error(format!(
                            "regular expression \"{}\" has no subexpressions as requested by backreference in \"{}\"",
                            pattern, line.pg_user
                        ))
                    }
                },
                None => line.pg_user.clone(),
            };
            if eq(&expected, pg_user, ci) {
                LineResult::Match
            } else {
                LineResult::NoMatch
            }
        }
    }
}

impl IdentFile {
    /// The line of `map` that lets `system_user` log in as `pg_user`, if any
    /// (case-sensitive, as for certificate authentication). Lines that cannot
    /// be evaluated here count as not matching; use [`IdentFile::check`] to
    /// tell that case apart.
    pub fn maps(&self, map: &str, system_user: &str, pg_user: &str) -> Option<&IdentLine> {
        match self.check(map, system_user, pg_user, false) {
            MapOutcome::Allowed(l) => Some(l),
            _ => None,
        }
    }

    /// `check_usermap` for a named map: the first line of the map that
    /// matches, stopping at a line the server would fail on.
    pub fn check(
        &self,
        map: &str,
        system_user: &str,
        pg_user: &str,
        case_insensitive: bool,
    ) -> MapOutcome<'_> {
        for line in &self.lines {
            match check_line(line, map, pg_user, system_user, case_insensitive) {
                LineResult::NoMatch => {}
                LineResult::Match => return MapOutcome::Allowed(line),
                LineResult::Error(log) => return MapOutcome::Failed { line, log },
                LineResult::Unknown => return MapOutcome::Unknown { line },
            }
        }
        MapOutcome::Denied {
            log: format!("no match in usermap \"{map}\" for user \"{pg_user}\" authenticated as \"{system_user}\""),
        }
    }
}

/// `check_usermap` as a whole: without a map the names must be equal (the
/// server then logs `provided user name (...) and authenticated user name
/// (...) do not match`); with a map the file decides. `ident` is `None` when
/// the file could not be loaded, which the server treats as an empty map.
pub fn check_usermap<'a>(
    ident: Option<&'a IdentFile>,
    map: Option<&str>,
    pg_user: &str,
    system_user: &str,
    case_insensitive: bool,
) -> MapOutcome<'a> {
    match map {
        None | Some("") => {
            if eq(pg_user, system_user, case_insensitive) {
                MapOutcome::SameName
            } else {
                MapOutcome::Denied {
                    log: format!(
                        "provided user name ({pg_user}) and authenticated user name ({system_user}) do not match"
                    ),
                }
            }
        }
        Some(m) => match ident {
            Some(f) => f.check(m, system_user, pg_user, case_insensitive),
            None => MapOutcome::Denied {
                log: format!("no match in usermap \"{m}\" for user \"{pg_user}\" authenticated as \"{system_user}\""),
            },
        },
    }
}

impl MapOutcome<'_> {
    /// Whether the login is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, MapOutcome::SameName | MapOutcome::Allowed(_))
    }
}
