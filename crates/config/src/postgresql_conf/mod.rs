//! `postgresql.conf` as PostgreSQL 15 reads it at start-up: the `guc-file.l`
//! lexer, `include`, `include_if_exists` and `include_dir` resolved against
//! the including file, `postgresql.auto.conf` read afterwards, later settings
//! winning. The result keeps every setting's file and line, and a typed view
//! of the TLS settings answers the questions `pgtls check` asks (which
//! certificate, which key, which protocol range) with PostgreSQL's defaults
//! and PostgreSQL's own error messages for values it would reject.

mod gucs;
mod lexer;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::strerror;
use crate::paths;
use crate::{ConfigError, Diagnostic, Location, Secret, Source, TlsVersion};
use lexer::{deescape, LineLexer, Tok};

/// Deepest include nesting the server accepts (`depth > 10` is refused).
pub const MAX_INCLUDE_DEPTH: usize = 10;

/// After this many syntax errors in one file the server abandons the file.
const MAX_SYNTAX_ERRORS: usize = 100;

/// The file the server reads after `postgresql.conf`, in the data directory.
pub const AUTO_CONF_FILENAME: &str = "postgresql.auto.conf";

/// One `name = value` line, after quotes and escapes were removed.
#[derive(Clone, PartialEq, Eq)]
pub struct Setting {
    /// The name as written (parameter names are case-insensitive).
    pub name: String,
    /// The value, de-quoted and de-escaped.
    pub value: String,
    /// Where it was set.
    pub location: Location,
}

/// Parameters whose values may hold a secret (a passphrase in the command,
/// a password in a connection string); `Debug` hides them.
const SECRET_PARAMETERS: [&str; 2] = ["ssl_passphrase_command", "primary_conninfo"];

impl fmt::Debug for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = SECRET_PARAMETERS.contains(&self.name.to_ascii_lowercase().as_str());
        f.debug_struct("Setting")
            .field("name", &self.name)
            .field("value", if secret { &"***" } else { &self.value })
            .field("location", &self.location)
            .finish()
    }
}

/// An include directive found in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeKind {
    /// `include 'file'`: the file must exist.
    Include,
    /// `include_if_exists 'file'`: skipped with a log line when missing.
    IncludeIfExists,
    /// `include_dir 'dir'`: every `*.conf` in the directory, sorted by name.
    IncludeDir,
}

/// A line of one file, before includes are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A parameter assignment.
    Setting(Setting),
    /// An include directive with its (de-quoted) target.
    Include {
        /// Which directive.
        kind: IncludeKind,
        /// The target as written.
        target: String,
        /// Where the directive is.
        location: Location,
    },
}

/// Lexes and parses one file's text without following includes. Syntax
/// errors are reported per line with the server's wording, and the rest of
/// the file is still read (up to the server's limit of 100 errors).
pub fn parse_str(text: &str, file: &Path) -> (Vec<Item>, Vec<Diagnostic>) {
    let file: Arc<Path> = Arc::from(file);
    let mut items = Vec::new();
    let mut diags = Vec::new();
    let mut errors = 0usize;
    let segments = text.split('\n').count();
    let unterminated_last = !text.ends_with('\n');
    for (idx, line) in text.split('\n').enumerate() {
        let lineno = idx + 1;
        let loc = || Location::new(file.clone(), lineno);
        match parse_line(line) {
            LineResult::Empty => {}
            LineResult::Item { name, value } => {
                let kind = match name.to_ascii_lowercase().as_str() {
                    "include_dir" => Some(IncludeKind::IncludeDir),
                    "include_if_exists" => Some(IncludeKind::IncludeIfExists),
                    "include" => Some(IncludeKind::Include),
                    _ => None,
                };
                items.push(match kind {
                    Some(kind) => Item::Include {
                        kind,
                        target: value,
                        location: loc(),
                    },
                    None => Item::Setting(Setting {
                        name,
                        value,
                        location: loc(),
                    }),
                });
            }
            LineResult::SyntaxError { near } => {
                let msg = match near {
                    Some(tok) => format!(
                        "syntax error in file \"{}\" line {}, near token \"{}\"",
                        file.display(),
                        lineno,
                        tok
                    ),
                    // At an end of file without a newline the server's
                    // counter has not moved yet and it names the line before.
                    None => format!(
                        "syntax error in file \"{}\" line {}, near end of line",
                        file.display(),
                        if unterminated_last && idx + 1 == segments {
                            lineno - 1
                        } else {
                            lineno
                        }
                    ),
                };
                diags.push(Diagnostic::error(Some(loc()), msg));
                errors += 1;
                if errors >= MAX_SYNTAX_ERRORS {
                    diags.push(Diagnostic::error(
                        Some(loc()),
                        format!(
                            "too many syntax errors found, abandoning file \"{}\"",
                            file.display()
                        ),
                    ));
                    break;
                }
            }
        }
    }
    (items, diags)
}

enum LineResult {
    Empty,
    Item { name: String, value: String },
    SyntaxError { near: Option<String> },
}

/// The per-line grammar of `ParseConfigFp`: a name, an optional `=`, a
/// value, then the end of the line.
fn parse_line(line: &str) -> LineResult {
    let mut lex = LineLexer::new(line);
    let text = |t: &lexer::Token| line[t.start..t.end].to_string();
    let Some(first) = lex.next() else {
        return LineResult::Empty;
    };
    if !matches!(first.kind, Tok::Id | Tok::QualifiedId) {
        return LineResult::SyntaxError {
            near: Some(text(&first)),
        };
    }
    let name = text(&first);
    let mut tok = lex.next();
    if matches!(tok, Some(t) if t.kind == Tok::Equals) {
        tok = lex.next();
    }
    let value = match tok {
        Some(t) if t.kind == Tok::Str => deescape(&line[t.start..t.end]),
        Some(t) if matches!(t.kind, Tok::Id | Tok::Integer | Tok::Real | Tok::Unquoted) => text(&t),
        Some(t) => {
            return LineResult::SyntaxError {
                near: Some(text(&t)),
            }
        }
        None => return LineResult::SyntaxError { near: None },
    };
    if let Some(t) = lex.next() {
        return LineResult::SyntaxError {
            near: Some(text(&t)),
        };
    }
    LineResult::Item { name, value }
}

/// How to find the files around `postgresql.conf`.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The server's `-D` directory (or `$PGDATA`). Defaults to the directory
    /// holding the configuration file, which is right whenever
    /// `postgresql.conf` lives in the data directory.
    pub config_dir: Option<PathBuf>,
    /// Skip `postgresql.auto.conf` (read by default, as the server does).
    pub skip_auto_conf: bool,
    /// The server's major version (`PG_VERSION`), which decides which
    /// parameter names exist; `None` judges as PostgreSQL 15.
    pub server_major: Option<u32>,
}

/// Where a typed value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Not set anywhere: the server's built-in default.
    Default,
    /// Set at this line.
    File(Location),
}

/// A value of the TLS view with its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value<T> {
    /// The effective value (the default when the file's value is invalid).
    pub value: T,
    /// Where it was set.
    pub origin: Origin,
}

/// The TLS-related parameters as the server would use them, with relative
/// file names resolved against the data directory (the server's working
/// directory).
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// `ssl` (default off).
    pub ssl: Value<bool>,
    /// `ssl_cert_file` (default `server.crt`).
    pub cert_file: Value<PathBuf>,
    /// `ssl_key_file` (default `server.key`).
    pub key_file: Value<PathBuf>,
    /// `ssl_ca_file` (default empty: no client certificates can be verified).
    pub ca_file: Value<Option<PathBuf>>,
    /// `ssl_crl_file` (default empty).
    pub crl_file: Value<Option<PathBuf>>,
    /// `ssl_crl_dir` (default empty).
    pub crl_dir: Value<Option<PathBuf>>,
    /// `ssl_min_protocol_version` (default TLSv1.2).
    pub min_protocol: Value<TlsVersion>,
    /// `ssl_max_protocol_version` (default empty: no upper bound).
    pub max_protocol: Value<Option<TlsVersion>>,
    /// `ssl_ciphers` (default `HIGH:MEDIUM:+3DES:!aNULL`).
    pub ciphers: Value<String>,
    /// `ssl_passphrase_command` (default empty). A secret: such commands
    /// often contain the passphrase itself.
    pub passphrase_command: Value<Option<Secret>>,
    /// `hba_file` (default `pg_hba.conf` in the configuration directory).
    pub hba_file: Value<PathBuf>,
    /// `ident_file` (default `pg_ident.conf` in the configuration directory).
    pub ident_file: Value<PathBuf>,
    /// `data_directory` (default: the configuration directory).
    pub data_directory: Value<PathBuf>,
    /// Values the server would reject, and notes on how paths were resolved.
    pub diagnostics: Vec<Diagnostic>,
}

/// A loaded `postgresql.conf` with everything it includes.
#[derive(Debug, Clone)]
pub struct PostgresqlConf {
    config_file: PathBuf,
    config_dir: PathBuf,
    data_dir: PathBuf,
    data_dir_origin: Origin,
    entries: Vec<Setting>,
    effective: BTreeMap<String, usize>,
    files: Vec<PathBuf>,
    diagnostics: Vec<Diagnostic>,
}

struct Loader<'a> {
    source: &'a dyn Source,
    entries: Vec<Setting>,
    files: Vec<PathBuf>,
    diags: Vec<Diagnostic>,
}

impl Loader<'_> {
    /// `ParseConfigFile`: checks, resolves and reads one file, then its items.
    fn parse_file(
        &mut self,
        name: &str,
        strict: bool,
        calling: Option<&Location>,
        base_dir: &Path,
        depth: usize,
    ) {
        if name
            .trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
            .is_empty()
        {
            self.diags.push(Diagnostic::error(
                calling.cloned(),
                format!("empty configuration file name: \"{name}\""),
            ));
            return;
        }
        if depth > MAX_INCLUDE_DEPTH {
            self.diags.push(Diagnostic::error(
                calling.cloned(),
                format!(
                    "could not open configuration file \"{name}\": maximum nesting depth exceeded"
                ),
            ));
            return;
        }
        let abs = paths::resolve(base_dir, name);
        if let Some(c) = calling {
            if *c.file == *abs {
                self.diags.push(Diagnostic::error(
                    calling.cloned(),
                    format!("configuration file recursion in \"{}\"", c.file.display()),
                ));
                return;
            }
        }
        let text = match self.source.read(&abs) {
            Ok(t) => t,
            Err(e) if strict => {
                self.diags.push(Diagnostic::error(
                    calling.cloned(),
                    format!(
                        "could not open configuration file \"{}\": {}",
                        abs.display(),
                        strerror(&e)
                    ),
                ));
                return;
            }
            Err(_) => {
                self.diags.push(Diagnostic::note(
                    calling.cloned(),
                    format!("skipping missing configuration file \"{}\"", abs.display()),
                ));
                return;
            }
        };
        self.parse_text(&text, &abs, depth);
    }

    fn parse_text(&mut self, text: &str, file: &Path, depth: usize) {
        self.files.push(file.to_path_buf());
        let (items, diags) = parse_str(text, file);
        self.diags.extend(diags);
        let dir = paths::parent_dir(file);
        for item in items {
            match item {
                Item::Setting(s) => self.entries.push(s),
                Item::Include {
                    kind: IncludeKind::Include,
                    target,
                    location,
                } => self.parse_file(&target, true, Some(&location), &dir, depth + 1),
                Item::Include {
                    kind: IncludeKind::IncludeIfExists,
                    target,
                    location,
                } => self.parse_file(&target, false, Some(&location), &dir, depth + 1),
                Item::Include {
                    kind: IncludeKind::IncludeDir,
                    target,
                    location,
                } => self.parse_dir(&target, &location, &dir, depth + 1),
            }
        }
    }

    /// `ParseConfigDirectory`: `*.conf` files, not hidden, not directories,
    /// in byte order.
    fn parse_dir(&mut self, name: &str, calling: &Location, base_dir: &Path, depth: usize) {
        if name
            .trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
            .is_empty()
        {
            self.diags.push(Diagnostic::error(
                Some(calling.clone()),
                format!("empty configuration directory name: \"{name}\""),
            ));
            return;
        }
        let dir = paths::resolve(base_dir, name);
        let listing = match self.source.list_dir(&dir) {
            Ok(l) => l,
            Err(e) => {
                self.diags.push(Diagnostic::error(
                    Some(calling.clone()),
                    format!(
                        "could not open configuration directory \"{}\": {}",
                        dir.display(),
                        strerror(&e)
                    ),
                ));
                return;
            }
        };
        let mut names: Vec<String> = listing
            .into_iter()
            .map(|e| e.name)
            .filter(|n| n.len() >= 6 && !n.starts_with('.') && n.ends_with(".conf"))
            .filter(|n| {
                !matches!(self.source.metadata(&dir.join(n)), Ok(m) if m.kind == crate::FileKind::Dir)
            })
            .collect();
        names.sort();
        for n in names {
            let path = dir.join(&n);
            self.parse_file(&path.to_string_lossy(), true, Some(calling), &dir, depth);
        }
    }
}

/// Lower-case name with the server's renamed-parameter mapping applied.
fn canonical_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    for (old, new) in gucs::OLD_NAMES {
        if lower == *old {
            return (*new).to_string();
        }
    }
    lower
}

/// `valid_custom_variable_name`: at least one dot, no empty component,
/// components of letters, `_`, high-bit bytes, and (not first) digits or `$`.
fn valid_custom_name(name: &str) -> bool {
    let mut saw_sep = false;
    let mut start = true;
    for b in name.bytes() {
        if b == b'.' {
            if start {
                return false;
            }
            saw_sep = true;
            start = true;
        } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            start = false;
        } else if !start && (b.is_ascii_digit() || b == b'$') {
        } else {
            return false;
        }
    }
    !start && saw_sep
}

/// Whether PostgreSQL 15 knows a parameter of this (canonical) name.
pub fn is_known_parameter(name: &str) -> bool {
    gucs::known_in(name, 15)
}

/// Whether PostgreSQL `major` knows a parameter of this (canonical) name.
/// Versions after the newest one pgtls knows are judged by the newest (see
/// [`NEWEST_KNOWN_MAJOR`]).
pub fn is_known_parameter_in(name: &str, major: u32) -> bool {
    gucs::known_in(name, major)
}

/// The newest PostgreSQL major version whose parameter names pgtls knows:
/// a newer server may know names pgtls calls unrecognized.
pub const NEWEST_KNOWN_MAJOR: u32 = gucs::NEWEST;

/// Reads `config_file` through `source` with everything it includes, then
/// `postgresql.auto.conf` from the data directory.
///
/// Fails only when `config_file` itself cannot be read; every other problem
/// is a diagnostic.
pub fn load(
    source: &dyn Source,
    config_file: &Path,
    opts: &LoadOptions,
) -> Result<PostgresqlConf, ConfigError> {
    let config_file = paths::canonicalize(config_file);
    let text = source.read(&config_file).map_err(|e| ConfigError::Read {
        path: config_file.clone(),
        source: e,
    })?;
    let config_dir = match &opts.config_dir {
        Some(d) => paths::canonicalize(d),
        None => paths::parent_dir(&config_file),
    };
    let mut loader = Loader {
        source,
        entries: Vec::new(),
        files: Vec::new(),
        diags: Vec::new(),
    };
    loader.parse_text(&text, &config_file, 0);

    // The server learns the data directory from the first pass, before it
    // can look for postgresql.auto.conf there.
    let data_dir_setting = loader
        .entries
        .iter()
        .rev()
        .find(|s| canonical_name(&s.name) == "data_directory")
        .cloned();
    let (data_dir, data_dir_origin) = match &data_dir_setting {
        Some(s) => {
            if !paths::is_absolute(&s.value) {
                loader.diags.push(Diagnostic::note(
                    Some(s.location.clone()),
                    format!(
                        "relative data_directory \"{}\" is resolved against the server's working directory at start; assumed \"{}\"",
                        s.value,
                        config_dir.display()
                    ),
                ));
            }
            (
                paths::resolve(&config_dir, &s.value),
                Origin::File(s.location.clone()),
            )
        }
        None => (config_dir.clone(), Origin::Default),
    };
    if !opts.skip_auto_conf {
        let auto = data_dir.join(AUTO_CONF_FILENAME);
        match source.read(&auto) {
            Ok(t) => loader.parse_text(&t, &auto, 0),
            Err(_) => loader.diags.push(Diagnostic::note(
                None,
                format!("skipping missing configuration file \"{}\"", auto.display()),
            )),
        }
    }

    let mut effective = BTreeMap::new();
    for (i, s) in loader.entries.iter().enumerate() {
        let canon = canonical_name(&s.name);
        let major = opts.server_major.unwrap_or(15);
        if !is_known_parameter_in(&canon, major) && !valid_custom_name(&canon) {
            loader.diags.push(Diagnostic::error(
                Some(s.location.clone()),
                format!(
                    "unrecognized configuration parameter \"{}\" in file \"{}\" line {}",
                    s.name,
                    s.location.file.display(),
                    s.location.line
                ),
            ));
        }
        effective.insert(canon, i);
    }
    Ok(PostgresqlConf {
        config_file,
        config_dir,
        data_dir,
        data_dir_origin,
        entries: loader.entries,
        effective,
        files: loader.files,
        diagnostics: loader.diags,
    })
}

/// `parse_bool`: `true`, `false`, `yes`, `no`, `on`, `off`, `1`, `0` and
/// unique prefixes, case-insensitive; `o` alone is ambiguous.
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.to_ascii_lowercase();
    let prefix_of = |word: &str| !v.is_empty() && word.starts_with(v.as_str());
    match v.as_bytes().first() {
        Some(b't') if prefix_of("true") => Some(true),
        Some(b'f') if prefix_of("false") => Some(false),
        Some(b'y') if prefix_of("yes") => Some(true),
        Some(b'n') if prefix_of("no") => Some(false),
        Some(b'o') if v.len() >= 2 && "on".starts_with(v.as_str()) => Some(true),
        Some(b'o') if v.len() >= 2 && "off".starts_with(v.as_str()) => Some(false),
        Some(b'1') if v.len() == 1 => Some(true),
        Some(b'0') if v.len() == 1 => Some(false),
        _ => None,
    }
}

impl PostgresqlConf {
    /// The effective setting of a parameter (case-insensitive name), the
    /// last one read.
    pub fn get(&self, name: &str) -> Option<&Setting> {
        self.effective
            .get(&canonical_name(name))
            .map(|&i| &self.entries[i])
    }

    /// The effective settings by lower-case name.
    pub fn settings(&self) -> impl Iterator<Item = (&str, &Setting)> {
        self.effective
            .iter()
            .map(|(k, &i)| (k.as_str(), &self.entries[i]))
    }

    /// Every assignment in reading order, including the ones a later line
    /// overrides (as `pg_file_settings` lists them).
    pub fn all_entries(&self) -> &[Setting] {
        &self.entries
    }

    /// Every file that was read, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Syntax errors, unreadable includes and unknown parameters.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Whether the server would refuse to start with these files (any
    /// error-level diagnostic, not counting the TLS view's value checks).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The main configuration file.
    pub fn config_file(&self) -> &Path {
        &self.config_file
    }

    /// The data directory (from `data_directory`, else the configuration
    /// directory).
    pub fn data_directory(&self) -> &Path {
        &self.data_dir
    }

    fn string(&self, name: &str, default: &str) -> (String, Origin) {
        match self.get(name) {
            Some(s) => (s.value.clone(), Origin::File(s.location.clone())),
            None => (default.to_string(), Origin::Default),
        }
    }

    fn data_path(&self, name: &str, default: &str) -> Value<PathBuf> {
        let (v, origin) = self.string(name, default);
        Value {
            value: paths::resolve(&self.data_dir, &v),
            origin,
        }
    }

    fn optional_data_path(&self, name: &str) -> Value<Option<PathBuf>> {
        let (v, origin) = self.string(name, "");
        Value {
            value: (!v.is_empty()).then(|| paths::resolve(&self.data_dir, &v)),
            origin,
        }
    }

    /// `hba_file` / `ident_file`: the configuration directory holds the
    /// default; an explicit relative name is made absolute against the
    /// server's working directory at start, which is unknown here.
    fn server_file(
        &self,
        name: &str,
        default_name: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Value<PathBuf> {
        match self.get(name) {
            Some(s) => {
                if !paths::is_absolute(&s.value) {
                    diags.push(Diagnostic::note(
                        Some(s.location.clone()),
                        format!(
                            "relative {} \"{}\" is resolved against the server's working directory at start; assumed \"{}\"",
                            name,
                            s.value,
                            self.config_dir.display()
                        ),
                    ));
                }
                Value {
                    value: paths::resolve(&self.config_dir, &s.value),
                    origin: Origin::File(s.location.clone()),
                }
            }
            None => Value {
                value: self.config_dir.join(default_name),
                origin: Origin::Default,
            },
        }
    }

    fn protocol(
        &self,
        name: &str,
        default: Option<TlsVersion>,
        allow_empty: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Value<Option<TlsVersion>> {
        let Some(s) = self.get(name) else {
            return Value {
                value: default,
                origin: Origin::Default,
            };
        };
        let origin = Origin::File(s.location.clone());
        if allow_empty && s.value.is_empty() {
            return Value {
                value: None,
                origin,
            };
        }
        match TlsVersion::from_pg_name(&s.value) {
            Some(v) => Value {
                value: Some(v),
                origin,
            },
            None => {
                let values = if allow_empty {
                    ", TLSv1, TLSv1.1, TLSv1.2, TLSv1.3"
                } else {
                    "TLSv1, TLSv1.1, TLSv1.2, TLSv1.3"
                };
                diags.push(
                    Diagnostic::error(
                        Some(s.location.clone()),
                        format!("invalid value for parameter \"{}\": \"{}\"", name, s.value),
                    )
                    .with_hint(format!("Available values: {values}.")),
                );
                Value {
                    value: default,
                    origin: Origin::Default,
                }
            }
        }
    }

    /// The TLS parameters, typed, with PostgreSQL's defaults and its own
    /// error messages for values it would reject (the default is used then,
    /// as the server would never get past the error).
    pub fn tls(&self) -> TlsSettings {
        let mut diags = Vec::new();
        let ssl = match self.get("ssl") {
            None => Value {
                value: false,
                origin: Origin::Default,
            },
            Some(s) => match parse_bool(&s.value) {
                Some(b) => Value {
                    value: b,
                    origin: Origin::File(s.location.clone()),
                },
                None => {
                    diags.push(Diagnostic::error(
                        Some(s.location.clone()),
                        "parameter \"ssl\" requires a Boolean value",
                    ));
                    Value {
                        value: false,
                        origin: Origin::Default,
                    }
                }
            },
        };
        let min = self.protocol(
            "ssl_min_protocol_version",
            Some(TlsVersion::Tls1_2),
            false,
            &mut diags,
        );
        let min_protocol = Value {
            value: min.value.unwrap_or(TlsVersion::Tls1_2),
            origin: min.origin,
        };
        let max_protocol = self.protocol("ssl_max_protocol_version", None, true, &mut diags);
        if let Some(max) = max_protocol.value {
            if min_protocol.value > max {
                let loc = match (&min_protocol.origin, &max_protocol.origin) {
                    (Origin::File(l), _) | (_, Origin::File(l)) => Some(l.clone()),
                    _ => None,
                };
                diags.push(
                    Diagnostic::error(loc, "could not set SSL protocol version range")
                        .with_detail("\"ssl_min_protocol_version\" cannot be higher than \"ssl_max_protocol_version\""),
                );
            }
        }
        let (ciphers, ciphers_origin) = self.string("ssl_ciphers", "HIGH:MEDIUM:+3DES:!aNULL");
        let (cmd, cmd_origin) = self.string("ssl_passphrase_command", "");
        let hba_file = self.server_file("hba_file", "pg_hba.conf", &mut diags);
        let ident_file = self.server_file("ident_file", "pg_ident.conf", &mut diags);
        TlsSettings {
            ssl,
            cert_file: self.data_path("ssl_cert_file", "server.crt"),
            key_file: self.data_path("ssl_key_file", "server.key"),
            ca_file: self.optional_data_path("ssl_ca_file"),
            crl_file: self.optional_data_path("ssl_crl_file"),
            crl_dir: self.optional_data_path("ssl_crl_dir"),
            min_protocol,
            max_protocol,
            ciphers: Value {
                value: ciphers,
                origin: ciphers_origin,
            },
            passphrase_command: Value {
                value: (!cmd.is_empty()).then(|| Secret::new(cmd)),
                origin: cmd_origin,
            },
            hba_file,
            ident_file,
            data_directory: Value {
                value: self.data_dir.clone(),
                origin: self.data_dir_origin.clone(),
            },
            diagnostics: diags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_prefixes_as_server() {
        for (s, v) in [
            ("on", true),
            ("of", false),
            ("OFF", false),
            ("t", true),
            ("Fa", false),
            ("1", true),
            ("0", false),
            ("y", true),
            ("n", false),
        ] {
            assert_eq!(parse_bool(s), Some(v), "{s}");
        }
        for s in ["o", "", "ON ", "2", "10", "tru e", "yess"] {
            assert_eq!(parse_bool(s), None, "{s}");
        }
    }

    #[test]
    fn custom_names() {
        assert!(valid_custom_name("foo.bar"));
        assert!(valid_custom_name("a.b1$"));
        assert!(!valid_custom_name("foo"));
        assert!(!valid_custom_name("a..b"));
        assert!(!valid_custom_name("a.1b"));
        assert!(is_known_parameter("ssl_cert_file"));
        assert!(!is_known_parameter("ssl_cert_fle"));
    }

    /// What each server answered to `postgres -C NAME`.
    #[test]
    fn parameter_names_follow_the_server_version() {
        for v in 12..=18 {
            assert!(is_known_parameter_in("ssl_min_protocol_version", v), "{v}");
            assert!(is_known_parameter_in("ssl_ecdh_curve", v), "{v}");
        }
        for name in ["ssl_groups", "ssl_tls13_ciphers", "autovacuum_worker_slots"] {
            assert!(is_known_parameter_in(name, 18), "{name}");
            assert!(!is_known_parameter_in(name, 17), "{name}");
        }
        assert!(is_known_parameter_in("ssl_crl_dir", 14));
        assert!(!is_known_parameter_in("ssl_crl_dir", 13));
        assert!(is_known_parameter_in("wal_keep_segments", 12));
        assert!(!is_known_parameter_in("wal_keep_segments", 13));
        assert!(is_known_parameter_in("stats_temp_directory", 14));
        assert!(!is_known_parameter_in("stats_temp_directory", 15));
        assert!(is_known_parameter_in("db_user_namespace", 16));
        assert!(!is_known_parameter_in("db_user_namespace", 17));
        assert!(is_known_parameter_in("force_parallel_mode", 15));
        assert!(is_known_parameter_in("debug_parallel_query", 16));
        assert!(!is_known_parameter_in("force_parallel_mode", 16));
        // Beyond the versions known, the newest one judges.
        assert!(is_known_parameter_in("ssl_groups", 19));
        assert!(!is_known_parameter_in("ssl_grups", 19));
        let names: Vec<&str> = gucs::PARAMETERS.iter().map(|(n, _, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "binary search needs sorted names");
    }
}
