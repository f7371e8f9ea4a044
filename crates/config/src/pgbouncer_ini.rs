//! pgbouncer.ini as pgbouncer 1.18 reads it: `[section]` headers,
//! `key = value` lines (keys case-insensitive, the last one wins), comments
//! starting with `;` or `#`, and `%include FILE` lines that read another
//! file in place. pgbouncer opens an included file by the name as written,
//! so a relative name depends on pgbouncer's working directory; pgtls reads
//! it relative to the including file's directory and says so in a note.
//!
//! Only what pgtls judges is interpreted further ([`PgbouncerIni::get`] and
//! the `[databases]` connection strings); every line keeps its file and
//! number so findings and fixes point at it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pgtls_model::TlsVersion;

use crate::diag::{Diagnostic, Location};
use crate::source::Source;

/// The TLS versions a `client_tls_protocols` or `server_tls_protocols`
/// value allows, read as libusual's `tls_config_parse_protocols` reads it:
/// words split at `,` or `:`, leading blanks skipped, ASCII
/// case-insensitive; `all`/`legacy` are every version, `secure`/`default`
/// TLS 1.2 and 1.3, `tlsv1` every TLS 1.x; a `!` removes (starting from
/// every version when it comes first). `None` when pgbouncer rejects the
/// value (an unknown word, trailing blanks included).
pub fn tls_protocols(value: &str) -> Option<Vec<TlsVersion>> {
    use TlsVersion::*;
    let mut allowed: Vec<TlsVersion> = Vec::new();
    for word in value.split([',', ':']) {
        let word = word.trim_start_matches([' ', '\t']);
        let (negate, word) = match word.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        if negate && allowed.is_empty() {
            allowed = TlsVersion::ALL.to_vec();
        }
        let named: &[TlsVersion] = match word.to_ascii_lowercase().as_str() {
            "all" | "legacy" | "tlsv1" => &TlsVersion::ALL,
            "secure" | "default" => &[Tls1_2, Tls1_3],
            "tlsv1.0" => &[Tls1_0],
            "tlsv1.1" => &[Tls1_1],
            "tlsv1.2" => &[Tls1_2],
            "tlsv1.3" => &[Tls1_3],
            _ => return None,
        };
        if negate {
            allowed.retain(|v| !named.contains(v));
        } else {
            allowed.extend_from_slice(named);
        }
    }
    allowed.sort();
    allowed.dedup();
    Some(allowed)
}

/// How pgbouncer writes a set of versions in `*_tls_protocols`.
pub fn tls_protocols_value(versions: &[TlsVersion]) -> String {
    if versions == [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        return "secure".into();
    }
    versions
        .iter()
        .map(|v| v.report_name().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// `%include` nesting deeper than this is a loop or a mistake.
const MAX_DEPTH: usize = 10;

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniSetting {
    /// The section it is in, lowercase (`pgbouncer`, `databases`, `users`).
    pub section: String,
    /// The key as written.
    pub key: String,
    /// The value, whitespace trimmed.
    pub value: String,
    /// Where.
    pub location: Location,
}

/// A pgbouncer.ini with its included files.
#[derive(Debug, Clone, Default)]
pub struct PgbouncerIni {
    /// The main file.
    pub path: PathBuf,
    /// Every setting line in reading order.
    pub settings: Vec<IniSetting>,
    /// Every file read, the main one first.
    pub files: Vec<PathBuf>,
    /// Lines pgbouncer would reject, includes that could not be read,
    /// notes.
    pub problems: Vec<Diagnostic>,
}

impl PgbouncerIni {
    /// The `[pgbouncer]` setting `key` in effect (the last line wins).
    pub fn get(&self, key: &str) -> Option<&IniSetting> {
        self.settings
            .iter()
            .rev()
            .find(|s| s.section == "pgbouncer" && s.key.eq_ignore_ascii_case(key))
    }

    /// The value of a `[pgbouncer]` setting, or `default`.
    pub fn value_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).map_or(default, |s| s.value.as_str())
    }

    /// The `[databases]` entries: name and connection-string keywords.
    pub fn databases(&self) -> Vec<(&IniSetting, Vec<(String, String)>)> {
        self.settings
            .iter()
            .filter(|s| s.section == "databases")
            .map(|s| (s, connstr_pairs(&s.value)))
            .collect()
    }

    /// The file and the line after which a new `[pgbouncer]` setting
    /// belongs: the last line of that section's last run in the main file.
    pub fn pgbouncer_section_end(&self) -> Option<(PathBuf, usize)> {
        self.settings
            .iter()
            .rev()
            .find(|s| s.section == "pgbouncer" && *s.location.file == *self.path.as_path())
            .map(|s| (self.path.clone(), s.location.line))
    }
}

/// `host=db port=5432 dbname=kong` as pairs (values may be single-quoted).
pub fn connstr_pairs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let (value, next) = if let Some(q) = after.strip_prefix('\'') {
            match q.find('\'') {
                Some(end) => (q[..end].to_string(), &q[end + 1..]),
                None => (q.to_string(), ""),
            }
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        out.push((key, value));
        rest = next.trim_start();
    }
    out
}

/// Parses one file's text; `%include` lines are returned for the caller.
fn parse_text(
    text: &str,
    file: &Arc<Path>,
    section: &mut String,
    out: &mut PgbouncerIni,
) -> Vec<(PathBuf, Location)> {
    let mut includes = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let location = Location::new(file.clone(), i + 1);
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("%include") {
            let name = rest.trim();
            if name.is_empty() {
                out.problems
                    .push(Diagnostic::error(Some(location), "%include without a file"));
            } else {
                includes.push((PathBuf::from(name), location));
            }
            continue;
        }
        if let Some(inner) = line.strip_prefix('[') {
            match inner.strip_suffix(']') {
                Some(name) => *section = name.trim().to_ascii_lowercase(),
                None => out.problems.push(Diagnostic::error(
                    Some(location),
                    format!("syntax error in configuration: section header without ]: {line}"),
                )),
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            out.problems.push(Diagnostic::error(
                Some(location),
                format!("syntax error in configuration: expected key = value: {line}"),
            ));
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            out.problems.push(Diagnostic::error(
                Some(location),
                "syntax error in configuration: a value without a key",
            ));
            continue;
        }
        if section.is_empty() {
            out.problems.push(Diagnostic::error(
                Some(location.clone()),
                format!("{key} is outside any section: pgbouncer rejects the file"),
            ));
        }
        out.settings.push(IniSetting {
            section: section.clone(),
            key: key.to_string(),
            value: value.trim().to_string(),
            location,
        });
    }
    includes
}

fn read_into(
    source: &dyn Source,
    path: &Path,
    depth: usize,
    section: &mut String,
    out: &mut PgbouncerIni,
    from: Option<Location>,
) {
    if depth > MAX_DEPTH || out.files.iter().any(|f| f == path) {
        out.problems.push(Diagnostic::error(
            from,
            format!("%include of {} nests too deep or loops", path.display()),
        ));
        return;
    }
    let text = match source.read(path) {
        Ok(t) => t,
        Err(e) => {
            out.problems.push(Diagnostic::error(
                from,
                format!("could not read {}: {e}", path.display()),
            ));
            return;
        }
    };
    out.files.push(path.to_path_buf());
    let file: Arc<Path> = Arc::from(path);
    for (name, location) in parse_text(&text, &file, section, out) {
        let target = if name.is_absolute() {
            name
        } else {
            out.problems.push(Diagnostic::note(
                Some(location.clone()),
                format!(
                    "pgbouncer opens {} relative to its working directory; read relative to {}",
                    name.display(),
                    path.parent().unwrap_or(Path::new(".")).display()
                ),
            ));
            path.parent().unwrap_or(Path::new(".")).join(name)
        };
        read_into(source, &target, depth + 1, section, out, Some(location));
    }
}

/// Reads `path` and every file it `%include`s.
pub fn load(source: &dyn Source, path: &Path) -> PgbouncerIni {
    let mut out = PgbouncerIni {
        path: path.to_path_buf(),
        ..PgbouncerIni::default()
    };
    let mut section = String::new();
    read_into(source, path, 0, &mut section, &mut out, None);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use TlsVersion::*;

    #[test]
    fn tls_protocols_as_libusual_reads_them() {
        assert_eq!(tls_protocols("secure"), Some(vec![Tls1_2, Tls1_3]));
        assert_eq!(tls_protocols("TLSv1.3"), Some(vec![Tls1_3]));
        assert_eq!(
            tls_protocols("tlsv1.1, tlsv1.2:tlsv1.3"),
            Some(vec![Tls1_1, Tls1_2, Tls1_3])
        );
        assert_eq!(tls_protocols("legacy"), Some(TlsVersion::ALL.to_vec()));
        assert_eq!(
            tls_protocols("!tlsv1.0,!tlsv1.1"),
            Some(vec![Tls1_2, Tls1_3])
        );
        // libusual skips blanks before a word only.
        assert_eq!(tls_protocols("tlsv1.2 ,tlsv1.3"), None);
        assert_eq!(tls_protocols("tls1.2"), None);
        assert_eq!(tls_protocols_value(&[Tls1_2, Tls1_3]), "secure");
        assert_eq!(tls_protocols_value(&[Tls1_2]), "tlsv1.2");
    }
}
