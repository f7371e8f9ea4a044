//! `pg_ident.conf` as PostgreSQL reads and applies it: lines of
//! `map system-user pg-user`, where a system user starting with `/` is a
//! regular expression whose first capture group replaces `\1` in the
//! database user (`check_ident_usermap`). With certificate authentication the
//! "system user" is the certificate's CN (or DN), so this decides whether a
//! client certificate may log in as the requested user.
//!
//! PostgreSQL 16 changed the file: `include`, `include_if_exists` and
//! `include_dir` records, and a database user that is the keyword `all`, a
//! group `+role` (members of the role) or a regular expression `/...` (no
//! `\1` substitution then); the user a `\1` produces is compared literally.
//! 12 to 15 compare the database user literally, and an include line, having
//! two fields, is `missing entry ... at end of line`: an error that makes the
//! server ignore the whole file. [`parse_for`] reads the file for a version.
//!
//! PostgreSQL compiles these expressions with its own engine (Tcl ARE); they
//! are evaluated here with the `regex` crate after translating the ARE-only
//! word-boundary escapes. Expressions this cannot translate (back-references,
//! lookaround) are reported as not evaluated rather than guessed.

use std::path::Path;

use regex::Regex;

use crate::auth_file::{has_v16_auth_files, Tokenizer};
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
    /// Whether the database user was quoted (from 16 a quoted `"all"` or
    /// `"+role"` is a name, not a keyword or a group).
    pub pg_user_quoted: bool,
}

/// A parsed `pg_ident.conf`.
#[derive(Debug, Clone, Default)]
pub struct IdentFile {
    /// Lines the server accepts, in order.
    pub lines: Vec<IdentLine>,
    /// Errors (any one makes the server ignore the whole file) and notes.
    pub diagnostics: Vec<Diagnostic>,
    /// The server's major version the file was read for (None: the newest).
    pub server_major: Option<u32>,
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
        /// `Some(role)` when what is unknown is whether the user is a member
        /// of `role` (a `+role` database user, PostgreSQL 16 and later).
        membership: Option<String>,
    },
}

/// A pattern as PostgreSQL would compile it, evaluated with the `regex`
/// crate where it can be.
#[derive(Debug, Clone)]
pub enum AuthRegex {
    /// Compiled; its matches are the server's.
    Compiled(Regex),
    /// PostgreSQL may accept it, but it uses syntax not evaluated here.
    Unsupported,
    /// The server rejects it with this message.
    Invalid(String),
}

/// `regcomp_auth_token` for `pattern` (without its leading slash).
pub fn auth_regex(pattern: &str) -> AuthRegex {
    match Regex::new(&translate_are(pattern)) {
        Ok(re) => AuthRegex::Compiled(re),
        Err(_) if balanced(pattern) => AuthRegex::Unsupported,
        Err(_) => AuthRegex::Invalid(format!(
            "invalid regular expression \"{pattern}\": parentheses () not balanced"
        )),
    }
}

/// Reads `path` through `source` (also used for `@file` lists and include
/// records) by the newest rules.
pub fn load(source: &dyn Source, path: &Path) -> Result<IdentFile, ConfigError> {
    load_for(source, path, None)
}

/// Reads `path` as a server of `major` does (None: the newest).
pub fn load_for(
    source: &dyn Source,
    path: &Path,
    major: Option<u32>,
) -> Result<IdentFile, ConfigError> {
    let text = source.read(path).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    Ok(parse_for(&text, path, Some(source), major))
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

/// Parses `text` as the file `file` by the newest rules; `source` resolves
/// `@file` lists and include records.
pub fn parse(text: &str, file: &Path, source: Option<&dyn Source>) -> IdentFile {
    parse_for(text, file, source, None)
}

/// Parses `text` as a server of `major` (None: the newest) reads it.
pub fn parse_for(
    text: &str,
    file: &Path,
    source: Option<&dyn Source>,
    major: Option<u32>,
) -> IdentFile {
    let v16 = has_v16_auth_files(major);
    let tokenizer = Tokenizer::new(source).with_includes(v16);
    let mut out = IdentFile {
        server_major: major,
        ..IdentFile::default()
    };
    let lines = tokenizer.tokenize(text, file, 0);
    out.diagnostics.extend(tokenizer.take_notes());
    for tl in lines {
        let loc = tl.location.clone();
        let file = &*tl.location.file;
        if let Some(e) = tl.error {
            out.diagnostics.push(Diagnostic::error(Some(loc), e));
            continue;
        }
        let mut values = Vec::new();
        let mut failed = None;
        let mut pg_user_quoted = false;
        for i in 0..3 {
            match tl.fields.get(i) {
                None => {
                    let mut d = Diagnostic::error(
                        Some(loc.clone()),
                        format!(
                            "missing entry in file \"{}\" at end of line {}",
                            file.display(),
                            loc.line
                        ),
                    );
                    let first = tl.fields.first().and_then(|f| f.first());
                    if let Some(kw) = first
                        .map(|t| t.text.as_str())
                        .filter(|k| crate::auth_file::INCLUDE_KEYWORDS.contains(k))
                        .filter(|_| !v16)
                    {
                        d = d.with_hints(
                            format!("{kw} records in pg_ident.conf came with PostgreSQL 16; 12 to 15 read this as a map line and ignore the whole file while it has an error: copy the included lines into pg_ident.conf"),
                            format!("pg_ident.conf の {kw} 行は PostgreSQL 16 からです。12 から 15 ではマップの行として読まれ、エラーのあるファイル全体が無視されます。取り込むはずの行を pg_ident.conf に書き写します"),
                        );
                    }
                    out.diagnostics.push(d);
                    failed = Some(String::new());
                    break;
                }
                Some(f) => match f.as_slice() {
                    [one] => {
                        if i == 2 {
                            pg_user_quoted = one.quoted;
                        }
                        values.push(one.text.clone())
                    }
                    _ => {
                        failed = Some("multiple values in ident field".to_string());
                        break;
                    }
                },
            }
        }
        if let Some(msg) = failed {
            if !msg.is_empty() {
                out.diagnostics.push(Diagnostic::error(Some(loc), msg));
            }
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
        // From 16 the database user is compiled too when it starts with a
        // slash; 12 to 15 compare it literally.
        if let Some(pattern) = pg_user.strip_prefix('/') {
            if v16 {
                if let AuthRegex::Invalid(e) = auth_regex(pattern) {
                    out.diagnostics.push(Diagnostic::error(Some(loc), e));
                    continue;
                }
            } else {
                out.diagnostics.push(
                    Diagnostic::note(
                        Some(loc.clone()),
                        format!("database user \"{pg_user}\" is compared literally: regular expressions in the database-user column of pg_ident.conf came with PostgreSQL 16"),
                    )
                    .with_message_ja(format!("データベースユーザー \"{pg_user}\" は文字列としてそのまま比較されます: pg_ident.conf のデータベースユーザー欄の正規表現は PostgreSQL 16 からです")),
                );
            }
        } else if !v16 && !pg_user_quoted && (pg_user == "all" || pg_user.starts_with('+')) {
            out.diagnostics.push(
                Diagnostic::note(
                    Some(loc.clone()),
                    format!("database user \"{pg_user}\" is compared literally: all and +role in pg_ident.conf came with PostgreSQL 16"),
                )
                .with_message_ja(format!("データベースユーザー \"{pg_user}\" は文字列としてそのまま比較されます: pg_ident.conf の all と +ロール は PostgreSQL 16 からです")),
            );
        }
        out.lines.push(IdentLine {
            location: loc,
            map,
            system_user,
            pg_user,
            pg_user_quoted,
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
    Unknown(Option<String>),
}

/// `check_role` of PostgreSQL 16 for one database-user token; 12 to 15
/// compare the name only.
fn check_pg_user(token: &str, quoted: bool, pg_user: &str, ci: bool, v16: bool) -> LineResult {
    let verdict = |b: bool| {
        if b {
            LineResult::Match
        } else {
            LineResult::NoMatch
        }
    };
    if !v16 || quoted && !token.starts_with('/') {
        return verdict(eq(token, pg_user, ci));
    }
    if let Some(role) = token.strip_prefix('+').filter(|_| !quoted) {
        // is_member_of_role_nosuper: a role is a member of itself; any
        // other membership is in the catalog, not known here.
        return if eq(role, pg_user, false) {
            LineResult::Match
        } else {
            LineResult::Unknown(Some(role.to_string()))
        };
    }
    if token == "all" && !quoted {
        return LineResult::Match;
    }
    if let Some(pattern) = token.strip_prefix('/') {
        return match auth_regex(pattern) {
            AuthRegex::Compiled(re) => verdict(re.is_match(pg_user)),
            _ => LineResult::Unknown(None),
        };
    }
    verdict(eq(token, pg_user, ci))
}

fn check_line(
    line: &IdentLine,
    map: &str,
    pg_user: &str,
    system_user: &str,
    ci: bool,
    v16: bool,
) -> LineResult {
    if line.map != map {
        return LineResult::NoMatch;
    }
    match &line.system_user {
        SystemUser::Literal(s) => {
            if eq(s, system_user, ci) {
                check_pg_user(&line.pg_user, line.pg_user_quoted, pg_user, ci, v16)
            } else {
                LineResult::NoMatch
            }
        }
        SystemUser::Regex { compiled: None, .. } => LineResult::Unknown(None),
        SystemUser::Regex {
            pattern,
            compiled: Some(re),
        } => {
            let Some(caps) = re.captures(system_user) else {
                return LineResult::NoMatch;
            };
            // From 16 no substitution in a group or a regular expression.
            let special = v16
                && (line.pg_user.starts_with('/')
                    || !line.pg_user_quoted && line.pg_user.starts_with('+'));
            match line.pg_user.find("\\1").filter(|_| !special) {
                Some(ofs) => match caps.get(1) {
                    Some(m) => {
                        let expected = format!(
                            "{}{}{}",
                            &line.pg_user[..ofs],
                            m.as_str(),
                            &line.pg_user[ofs + 2..]
                        );
                        // The substituted name is compared literally (a
                        // quoted token, never compiled).
                        if eq(&expected, pg_user, ci) {
                            LineResult::Match
                        } else {
                            LineResult::NoMatch
                        }
                    }
                    None => LineResult::Error(format!(
                        "regular expression \"{}\" has no subexpressions as requested by backreference in \"{}\"",
                        pattern, line.pg_user
                    )),
                },
                None => check_pg_user(&line.pg_user, line.pg_user_quoted, pg_user, ci, v16),
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
        let v16 = has_v16_auth_files(self.server_major);
        for line in &self.lines {
            match check_line(line, map, pg_user, system_user, case_insensitive, v16) {
                LineResult::NoMatch => {}
                LineResult::Match => return MapOutcome::Allowed(line),
                LineResult::Error(log) => return MapOutcome::Failed { line, log },
                LineResult::Unknown(membership) => return MapOutcome::Unknown { line, membership },
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
