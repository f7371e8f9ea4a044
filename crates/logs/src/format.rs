//! Which format a log is in. Each input is detected on its own from its
//! first lines, because one run often mixes a server's stderr log, a
//! csvlog and Kong's error.log; the user may also name the format (and the
//! `log_line_prefix`) when detection cannot know it.

use crate::error::Error;
use crate::prefix::{self, Prefix, COMMON_PREFIXES};
use crate::{csv, json, kong, pgbouncer, syslog};
use std::fmt;

/// The layout of a log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatKind {
    /// PostgreSQL's stderr log (also what the logging collector writes to
    /// `*.log`), lines starting with a `log_line_prefix`.
    Stderr,
    /// PostgreSQL's csvlog.
    Csv,
    /// PostgreSQL's jsonlog.
    Json,
    /// PostgreSQL lines wrapped by syslog.
    Syslog,
    /// Kong's error.log (nginx format) or Kong CLI output.
    Kong,
    /// pgbouncer's log.
    Pgbouncer,
    /// Nothing recognised: every line is passed on as it is.
    Unknown,
}

impl FormatKind {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FormatKind::Stderr => "stderr",
            FormatKind::Csv => "csv",
            FormatKind::Json => "json",
            FormatKind::Syslog => "syslog",
            FormatKind::Kong => "kong",
            FormatKind::Pgbouncer => "pgbouncer",
            FormatKind::Unknown => "unknown",
        }
    }
}

/// A detected (or given) format: its kind and, for stderr and syslog, the
/// prefix its lines carry (`None`: no known prefix fitted, and messages are
/// found by their severity word wherever it stands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// The layout.
    pub kind: FormatKind,
    /// The `log_line_prefix` of stderr and syslog lines.
    pub prefix: Option<Prefix>,
    /// Whether the prefix was recognised among the common ones rather than
    /// given with `--prefix` (the user should know what was assumed).
    pub prefix_detected: bool,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.name())?;
        match (&self.kind, &self.prefix) {
            (FormatKind::Stderr | FormatKind::Syslog, Some(p)) if self.prefix_detected => {
                write!(f, " (log_line_prefix {:?}, detected)", p.as_str())
            }
            (FormatKind::Stderr | FormatKind::Syslog, Some(p)) => {
                write!(f, " (log_line_prefix {:?})", p.as_str())
            }
            (FormatKind::Stderr | FormatKind::Syslog, None) => {
                f.write_str(" (unknown log_line_prefix)")
            }
            _ => Ok(()),
        }
    }
}

/// What the caller fixes about the format; the rest is detected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatSpec {
    /// The layout, or `None` to detect it.
    pub kind: Option<FormatKind>,
    /// The `log_line_prefix`, or `None` to detect it.
    pub prefix: Option<Prefix>,
}

impl FormatSpec {
    /// Builds a spec from command-line words: a format name (`auto`,
    /// `stderr`, `csv`, `json`, `syslog`, `kong`) and an optional prefix.
    pub fn from_args(format: &str, prefix: Option<&str>) -> Result<FormatSpec, Error> {
        let kind = match format {
            "auto" => None,
            "stderr" | "log" => Some(FormatKind::Stderr),
            "csv" | "csvlog" => Some(FormatKind::Csv),
            "json" | "jsonlog" => Some(FormatKind::Json),
            "syslog" => Some(FormatKind::Syslog),
            "kong" | "nginx" => Some(FormatKind::Kong),
            "pgbouncer" => Some(FormatKind::Pgbouncer),
            other => {
                return Err(Error::UnknownFormat {
                    name: other.to_owned(),
                })
            }
        };
        let prefix = prefix.map(Prefix::compile).transpose()?;
        Ok(FormatSpec { kind, prefix })
    }

    /// Completes the spec from sample lines (the first lines of an input).
    pub fn detect<S: AsRef<str>>(&self, lines: &[S]) -> Format {
        let lines: Vec<&str> = lines
            .iter()
            .map(|l| l.as_ref())
            .filter(|l| !l.trim().is_empty())
            .collect();
        let kind = self.kind.unwrap_or_else(|| detect_kind(&lines));
        let stderr_like = matches!(kind, FormatKind::Stderr | FormatKind::Syslog);
        let prefix_detected = stderr_like && self.prefix.is_none();
        let prefix = match kind {
            FormatKind::Stderr | FormatKind::Syslog => self.prefix.clone().or_else(|| {
                let bodies: Vec<&str> = if kind == FormatKind::Syslog {
                    lines
                        .iter()
                        .filter_map(|l| syslog::parse(l).map(|s| s.body))
                        .collect()
                } else {
                    lines.clone()
                };
                best_prefix(&bodies).map(|(p, _)| p)
            }),
            _ => None,
        };
        Format {
            kind,
            prefix_detected: prefix_detected && prefix.is_some(),
            prefix,
        }
    }
}

/// The common prefix that reads the most lines, most specific on ties.
fn best_prefix(lines: &[&str]) -> Option<(Prefix, usize)> {
    let mut best: Option<(Prefix, usize)> = None;
    for candidate in COMMON_PREFIXES {
        let Ok(p) = Prefix::compile(candidate) else {
            continue;
        };
        let n = lines.iter().filter(|l| p.parse(l).is_some()).count();
        if n > 0 && best.as_ref().is_none_or(|(_, b)| n > *b) {
            best = Some((p, n));
        }
    }
    best
}

fn detect_kind(lines: &[&str]) -> FormatKind {
    let count = |f: &dyn Fn(&str) -> bool| lines.iter().filter(|l| f(l)).count();
    let stderr = best_prefix(lines).map_or(0, |(_, n)| n);
    let candidates = [
        (
            FormatKind::Json,
            count(&|l| json::looks_like_record(l.as_bytes())),
        ),
        (FormatKind::Csv, count(&|l| csv::looks_like_record(l))),
        (FormatKind::Syslog, count(&|l| syslog::parse(l).is_some())),
        // Before stderr: on a tie pgbouncer's shape (no colon after the
        // level) is the more specific one.
        (FormatKind::Pgbouncer, count(&|l| pgbouncer::looks_like(l))),
        (FormatKind::Stderr, stderr),
        (
            FormatKind::Kong,
            count(&|l| {
                kong::has_nginx_timestamp(l.as_bytes()) || kong::parse_cli(l, 0, 0).is_some()
            }),
        ),
    ];
    let mut best = (FormatKind::Unknown, 0);
    for (kind, n) in candidates {
        if n > best.1 {
            best = (kind, n);
        }
    }
    if best.1 == 0 && lines.iter().any(|l| prefix::parse_generic(l).is_some()) {
        return FormatKind::Stderr;
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(lines: &[&str]) -> Format {
        FormatSpec::default().detect(lines)
    }

    #[test]
    fn stderr_prefixes() {
        let f = detect(&[
            "2026-11-28 16:08:23.543 UTC [7059] LOG:  starting PostgreSQL 15.18",
            "2026-11-28 16:08:23.660 UTC [7069] kong@kong FATAL:  connection requires a valid client certificate",
        ]);
        assert_eq!(f.kind, FormatKind::Stderr);
        assert_eq!(f.prefix.unwrap().as_str(), "%m [%p] %q%u@%d ");
        let f = detect(&["2026-11-28 16:08:23.543 UTC [7059] LOG:  x"]);
        assert_eq!(f.prefix.unwrap().as_str(), "%m [%p] %q%u@%d ");
        let f = detect(&[
            "LOG:  could not accept SSL connection: unsupported protocol",
            "HINT:  x",
        ]);
        assert_eq!(f.prefix.unwrap().as_str(), "");
    }

    #[test]
    fn common_prefixes_are_detected_and_said_to_be() {
        let cases = [
            (
                "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
                "2026-11-28 10:00:00 UTC [12345]: user=kong,db=kong,app=psql,client=10.0.0.7 LOG:  could not accept SSL connection: unsupported protocol",
            ),
            (
                "%t [%p]: [%l-1] db=%d,user=%u ",
                "2026-11-28 10:00:00 UTC [12345]: [3-1] db=kong,user=kong FATAL:  connection requires a valid client certificate",
            ),
            (
                "%t [%p]: [%l-1] db=%d,user=%u ",
                "2026-11-28 10:00:00.123 UTC [12345]: [3-1] db=kong,user=kong FATAL:  connection requires a valid client certificate",
            ),
            (
                "%t:%r:%u@%d:[%p]:",
                "2026-11-28 10:00:00 UTC:10.0.0.7(51234):kong@kong:[12345]:FATAL:  no pg_hba.conf entry for host \"10.0.0.7\", user \"kong\", database \"kong\", no encryption",
            ),
            (
                "%t-%c-",
                "2026-11-28 10:00:00 UTC-6745c2a0.3039-LOG:  could not accept SSL connection: unsupported protocol",
            ),
            (
                "%t [%p-%l] %q%u@%d ",
                "2026-11-28 10:00:00 UTC [12345-1] kong@kong FATAL:  connection requires a valid client certificate",
            ),
        ];
        for (prefix, line) in cases {
            let f = detect(&[line]);
            assert_eq!(f.kind, FormatKind::Stderr, "{line}");
            let got = f.prefix.as_ref().map(|p| p.as_str().to_owned());
            assert_eq!(got.as_deref(), Some(prefix), "{line}");
            assert!(f.to_string().ends_with(", detected)"), "{f}");
            let p = f.prefix.unwrap();
            let head = p.parse(line).expect("the line parses");
            assert!(
                head.text.starts_with("could not")
                    || head.text.starts_with("connection")
                    || head.text.starts_with("no pg_hba"),
                "{}",
                head.text
            );
        }
        let given = FormatSpec::from_args("auto", Some("%m [%p] "))
            .unwrap()
            .detect(&["2026-11-28 10:00:00.123 UTC [1] LOG:  x"]);
        assert!(!given.to_string().contains("detected"), "{given}");
    }

    #[test]
    fn custom_prefix_falls_back_to_generic() {
        let f = detect(&["<2026-11-28 16:08:23 UTC> pid=12 ERROR:  boom"]);
        assert_eq!((f.kind, f.prefix), (FormatKind::Stderr, None));
    }

    #[test]
    fn other_kinds() {
        assert_eq!(
            detect(&[r#"{"timestamp":"2026-11-28 16:08:23.726 UTC","pid":1}"#]).kind,
            FormatKind::Json
        );
        assert_eq!(detect(&["2026-11-28 16:08:25.725 UTC,,,7129,,6b0afc79.1bd9,1,,2026-11-28 16:08:25 UTC,,0,LOG,00000,\"x\",,,,,,,,,\"\",\"postmaster\",,0"]).kind, FormatKind::Csv);
        let f = detect(&[
            "Nov 28 16:02:11 h postgres[1234]: [3-1] 2026-11-28 16:02:11.123 UTC [1234] LOG:  x",
        ]);
        assert_eq!(
            (f.kind, f.prefix.unwrap().as_str()),
            (FormatKind::Syslog, "%m [%p] %q%u@%d ")
        );
        assert_eq!(
            detect(&["2026/11/28 16:02:11 [error] 1#0: x"]).kind,
            FormatKind::Kong
        );
        assert_eq!(
            detect(&["2026-12-03 14:46:50.349 UTC [10515] LOG C-0x55ef442eb590: (nodb)/(nouser)@127.0.0.1:47682 closing because: SSL required (age=0s)"]).kind,
            FormatKind::Pgbouncer
        );
        assert_eq!(detect(&["hello", "world"]).kind, FormatKind::Unknown);
        assert_eq!(detect(&[]).kind, FormatKind::Unknown);
    }

    #[test]
    fn spec_from_args() {
        let s = FormatSpec::from_args("stderr", Some("%m [%p] %q%u@%d ")).unwrap();
        assert_eq!(s.kind, Some(FormatKind::Stderr));
        assert!(FormatSpec::from_args("xml", None).is_err());
        assert!(FormatSpec::from_args("auto", Some("%y")).is_err());
    }
}
