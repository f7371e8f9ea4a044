//! `pgtls logs [FILE...]`: reads server and gateway logs, streaming, and
//! prints every known TLS failure once per group with its count, times, an
//! example line and the explanation. The reading and grouping live in the
//! library crates; this module wires inputs to them and lays the result
//! out as text or JSON.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use pgtls_catalogue::{Lang, Severity as DiagSeverity};
use pgtls_diagnose::logs_rules::reader::{
    expand, open, Follower, Format as LogFormat, FormatSpec, Input, LogReader, MultiReader,
    Options, Prefilter, Stats,
};
use pgtls_diagnose::logs_rules::{
    iso_utc, prefilter, LogGroup, LoggedBy, Place, Report, Scanner, Seen, Touch, UnknownLine,
};
use pgtls_diagnose::Finding;
use pgtls_render::json::to_line;
use pgtls_render::{finding_text, FindingJson, Style};
use serde::Serialize;

use crate::cli::{Format, GlobalArgs};
use crate::output::{lang, print, print_json, print_text, style};

#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// Log files, directories of rotated logs (read in name order) or
    /// gzip-compressed files; `-` (or nothing) reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The inputs' layout; `auto` detects it per file.
    #[arg(
        long = "log-format",
        value_name = "FORMAT",
        default_value = "auto",
        value_parser = ["auto", "stderr", "csv", "json", "syslog", "kong"]
    )]
    pub log_format: String,
    /// The server's log_line_prefix, for prefixes detection does not know
    /// (e.g. '%t [%p]: user=%u,db=%d,client=%h ').
    #[arg(long, value_name = "PREFIX", allow_hyphen_values = true)]
    pub prefix: Option<String>,
    /// Also list FATAL/ERROR lines that matched no diagnosis.
    #[arg(long)]
    pub unknown: bool,
    /// Keep reading as the files grow, like `tail -f` (from their current
    /// end; rotated files are reopened), and report each failure as it is
    /// logged. JSON output is then one object per line.
    #[arg(long, short = 'f')]
    pub follow: bool,
}

/// How often a followed file is polled for growth.
const FOLLOW_POLL: Duration = Duration::from_millis(200);

fn tr(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

pub fn run(global: &GlobalArgs, args: &LogsArgs) -> anyhow::Result<u8> {
    let spec = FormatSpec::from_args(&args.log_format, args.prefix.as_deref())?;
    let inputs = expand(&args.files)?;
    let filter: Arc<dyn Prefilter> = Arc::new(prefilter(args.unknown)?);
    let options = Options {
        format: spec,
        ..Options::default()
    };
    if args.follow {
        return follow(global, args, inputs, options, filter);
    }

    let started = Instant::now();
    let mut reader = MultiReader::new(inputs, options).with_prefilter(filter);
    let names: Vec<String> = reader.inputs().iter().map(|i| i.name.clone()).collect();
    let mut scanner = Scanner::new(args.unknown);
    for entry in reader.by_ref() {
        scanner.add(&entry, &names[entry.file]);
    }
    let formats = reader.formats().to_vec();
    let stats = reader.into_stats();
    let elapsed = started.elapsed();
    let report = scanner.finish();

    for e in &stats.errors {
        eprintln!("pgtls: {}: {e}", tr(lang(global), "warning", "警告"));
    }
    let opened = formats.len();
    if opened == 0 && !stats.errors.is_empty() {
        // Nothing at all could be read: the command did not run.
        anyhow::bail!("{}", stats.errors[0]);
    }

    let summary = Summary {
        names: &names,
        formats: &formats,
        stats: &stats,
        seconds: elapsed.as_secs_f64(),
    };
    let lang = lang(global);
    match global.format {
        Format::Json => {
            let findings: Vec<Finding> = report.groups.iter().map(LogGroup::finding).collect();
            print_json(&report_json(&report, &findings, &summary, lang))?
        }
        Format::Text => print_text(&report_text(&report, &summary, lang, &style()))?,
    }
    Ok(u8::from(report.has_error()))
}

struct Summary<'a> {
    names: &'a [String],
    formats: &'a [(usize, LogFormat)],
    stats: &'a Stats,
    seconds: f64,
}

/// When a group was first or last seen, as the log wrote it.
fn seen_written(seen: &Option<Seen>) -> Option<&str> {
    seen.as_ref().map(|s| s.written.as_str())
}

/// The same moment in UTC, when the log's time zone is known.
fn seen_utc(seen: &Option<Seen>) -> Option<String> {
    seen.as_ref().and_then(|s| s.epoch_ms).map(iso_utc)
}

/// Where a line was read: file, line number and the line itself.
#[derive(Serialize)]
struct PlaceJson<'a> {
    file: &'a str,
    line: u64,
    text: &'a str,
}

impl<'a> PlaceJson<'a> {
    fn of(place: &'a Place) -> Self {
        PlaceJson {
            file: &place.file,
            line: place.line,
            text: &place.text,
        }
    }
}

/// What a group's incidents have in common: who logged them, for whom.
#[derive(Serialize)]
struct GroupKeyJson<'a> {
    logged_by: &'static str,
    client: Option<&'a str>,
    user: Option<&'a str>,
    database: Option<&'a str>,
    certificate: Option<&'a str>,
}

/// One group as product.md's finding, with the logs fields.
#[derive(Serialize)]
pub struct GroupJson<'a> {
    #[serde(flatten)]
    finding: FindingJson<'a>,
    count: u64,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
    first_seen_utc: Option<String>,
    last_seen_utc: Option<String>,
    example: PlaceJson<'a>,
    group: GroupKeyJson<'a>,
    /// The facts that differ between the group's incidents, each value once.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    fact_values: BTreeMap<&'a str, &'a [String]>,
}

/// `finding` is the group's ([`LogGroup::finding`]), made by the caller so
/// that the document can borrow it.
pub fn group_json<'a>(group: &'a LogGroup, finding: &'a Finding, lang: Lang) -> GroupJson<'a> {
    GroupJson {
        finding: FindingJson::of(finding, lang),
        count: group.count,
        first_seen: seen_written(&group.first_seen),
        last_seen: seen_written(&group.last_seen),
        first_seen_utc: seen_utc(&group.first_seen),
        last_seen_utc: seen_utc(&group.last_seen),
        example: PlaceJson::of(&group.example),
        group: GroupKeyJson {
            logged_by: group.key.logged_by.as_str(),
            client: group.key.client.as_deref(),
            user: group.key.user.as_deref(),
            database: group.key.database.as_deref(),
            certificate: group.key.certificate.as_deref(),
        },
        fact_values: group
            .varying_facts()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect(),
    }
}

/// A line no pattern explains (`--unknown`), counted.
#[derive(Serialize)]
struct UnknownJson<'a> {
    severity: &'a str,
    message: &'a str,
    count: u64,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
    example: PlaceJson<'a>,
}

impl<'a> UnknownJson<'a> {
    fn of(line: &'a UnknownLine) -> Self {
        UnknownJson {
            severity: &line.severity,
            message: &line.message,
            count: line.count,
            first_seen: seen_written(&line.first_seen),
            last_seen: seen_written(&line.last_seen),
            example: PlaceJson::of(&line.example),
        }
    }
}

fn format_name(summary: &Summary, index: usize) -> Option<String> {
    summary
        .formats
        .iter()
        .find(|(i, _)| *i == index)
        .map(|(_, f)| f.to_string())
}

/// One input and the log format it was read as.
#[derive(Serialize)]
struct InputJson<'a> {
    file: &'a str,
    format: Option<String>,
}

/// How many lines of each foreign encoding were decoded.
#[derive(Serialize)]
struct DecodingJson {
    euc_jp: u64,
    shift_jis: u64,
    lossy: u64,
}

/// What was read, and how much of it was counted.
#[derive(Serialize)]
struct SummaryJson<'a> {
    inputs: Vec<InputJson<'a>>,
    bytes: u64,
    lines: u64,
    entries: u64,
    groups: usize,
    incidents: u64,
    truncated_lines: u64,
    decoding: DecodingJson,
    errors: Vec<String>,
    groups_capped: u64,
    copies_counted_once: u64,
    same_event_both_ends: u64,
    seconds: f64,
    /// Only with `--unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    unknown_left_out: Option<u64>,
}

/// `logs --format json`.
#[derive(Serialize)]
struct ReportJson<'a> {
    findings: Vec<GroupJson<'a>>,
    summary: SummaryJson<'a>,
    /// Only with `--unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    unknown: Option<Vec<UnknownJson<'a>>>,
}

fn report_json<'a>(
    report: &'a Report,
    findings: &'a [Finding],
    summary: &'a Summary,
    lang: Lang,
) -> ReportJson<'a> {
    let stats = summary.stats;
    ReportJson {
        findings: report
            .groups
            .iter()
            .zip(findings)
            .map(|(g, f)| group_json(g, f, lang))
            .collect(),
        summary: SummaryJson {
            inputs: summary
                .names
                .iter()
                .enumerate()
                .map(|(i, name)| InputJson {
                    file: name,
                    format: format_name(summary, i),
                })
                .collect(),
            bytes: stats.bytes,
            lines: stats.lines,
            entries: stats.entries,
            groups: report.groups.len(),
            incidents: report.incidents(),
            truncated_lines: stats.truncated_lines,
            decoding: DecodingJson {
                euc_jp: stats.decode.euc_jp,
                shift_jis: stats.decode.shift_jis,
                lossy: stats.decode.lossy,
            },
            errors: stats.errors.iter().map(|e| e.to_string()).collect(),
            groups_capped: report.capped,
            copies_counted_once: report.copies,
            same_event_both_ends: report.same_event_both_ends,
            seconds: (summary.seconds * 1000.0).round() / 1000.0,
            unknown_left_out: report.unknown.as_ref().map(|_| report.unknown_left_out),
        },
        unknown: report
            .unknown
            .as_ref()
            .map(|u| u.iter().map(UnknownJson::of).collect()),
    }
}

/// `logs --follow --format json --unknown`: one unexplained line as it
/// arrives.
#[derive(Serialize)]
struct FollowedUnknownJson<'a> {
    unknown: FollowedLineJson<'a>,
}

#[derive(Serialize)]
struct FollowedLineJson<'a> {
    severity: String,
    message: &'a str,
    example: PlaceJson<'a>,
}

fn seen_text(seen: &Option<Seen>) -> &str {
    seen.as_ref().map_or("-", |s| s.written.as_str())
}

fn logged_by_text(by: LoggedBy, lang: Lang) -> &'static str {
    match by {
        LoggedBy::Server => tr(lang, "server log", "サーバーログ"),
        LoggedBy::Client => tr(lang, "client log", "クライアントのログ"),
        LoggedBy::Pooler => tr(lang, "pgbouncer log", "pgbouncer のログ"),
    }
}

/// The lines `pgtls logs` adds under a finding's title.
fn group_header(group: &LogGroup, lang: Lang, style: &Style) -> String {
    let mut out = String::new();
    let count = match lang {
        Lang::En => format!("{}×", group.count),
        Lang::Ja => format!("{} 回", group.count),
    };
    out.push_str(&format!(
        "  {} · {} {} · {} {}\n",
        style.bold(&count),
        tr(lang, "first", "最初"),
        seen_text(&group.first_seen),
        tr(lang, "last", "最後"),
        seen_text(&group.last_seen),
    ));
    let mut place = vec![logged_by_text(group.key.logged_by, lang).to_string()];
    let k = &group.key;
    for (label, value) in [
        (tr(lang, "client", "クライアント"), &k.client),
        (tr(lang, "user", "ユーザー"), &k.user),
        (tr(lang, "database", "データベース"), &k.database),
        (tr(lang, "certificate", "証明書"), &k.certificate),
    ] {
        if let Some(v) = value {
            place.push(format!("{label} {v}"));
        }
    }
    out.push_str(&format!(
        "  {}: {}\n",
        tr(lang, "seen in", "記録元"),
        place.join(" · ")
    ));
    if !group.facts.is_empty() {
        let facts: Vec<String> = group
            .facts
            .iter()
            .map(|(k, v)| format!("{k}={}", v.join(" | ")))
            .collect();
        out.push_str(&format!(
            "  {}: {}\n",
            tr(lang, "facts", "抽出した事実"),
            facts.join(", ")
        ));
    }
    out
}

/// A group as text: the finding's title, then count, times and key, then
/// the rest of the finding (evidence, meaning, cause, fix).
pub fn group_text(group: &LogGroup, lang: Lang, style: &Style) -> String {
    let body = finding_text(&group.finding(), lang, style);
    let (title, rest) = body.split_once('\n').unwrap_or((&body, ""));
    format!("{title}\n{}{rest}", group_header(group, lang, style))
}

fn human_bytes(bytes: u64) -> String {
    let mb = bytes as f64 / 1e6;
    if mb >= 1.0 {
        format!("{mb:.1} MB")
    } else {
        format!("{:.1} kB", bytes as f64 / 1e3)
    }
}

fn summary_text(report: &Report, summary: &Summary, lang: Lang) -> String {
    let stats = summary.stats;
    let errors = report
        .groups
        .iter()
        .filter(|g| g.severity() == DiagSeverity::Error)
        .map(|g| g.count)
        .sum::<u64>();
    let inputs: Vec<String> = summary
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| match format_name(summary, i) {
            Some(f) => format!("{name} ({f})"),
            None => name.clone(),
        })
        .collect();
    let groups = report.groups.len();
    let incidents = report.incidents();
    let lines = stats.lines;
    let bytes = human_bytes(stats.bytes);
    let seconds = summary.seconds;
    let inputs = inputs.join(", ");
    let mut out = match lang {
        Lang::En => format!(
            "{groups} groups, {incidents} incidents ({errors} of severity error); read {lines} lines, {bytes} in {seconds:.2} s from {inputs}\n"
        ),
        Lang::Ja => format!(
            "{groups} グループ、{incidents} 件 (うち重大度エラー {errors} 件)。{lines} 行、{bytes} を {seconds:.2} 秒で読み込み: {inputs}\n"
        ),
    };
    let decode = &stats.decode;
    let mut skipped = Vec::new();
    if stats.truncated_lines > 0 {
        skipped.push(match lang {
            Lang::En => format!("{} over-long lines cut", stats.truncated_lines),
            Lang::Ja => format!("長すぎる {} 行を切り詰め", stats.truncated_lines),
        });
    }
    if decode.total() > 0 {
        skipped.push(match lang {
            Lang::En => format!(
                "{} lines not UTF-8 ({} read as EUC-JP, {} as Shift_JIS, {} with bytes replaced)",
                decode.total(),
                decode.euc_jp,
                decode.shift_jis,
                decode.lossy
            ),
            Lang::Ja => format!(
                "UTF-8 でない {} 行 (EUC-JP として {}、Shift_JIS として {}、不正なバイトを置換 {})",
                decode.total(),
                decode.euc_jp,
                decode.shift_jis,
                decode.lossy
            ),
        });
    }
    for e in &stats.errors {
        skipped.push(e.to_string());
    }
    // Incidents counted in a way the groups alone do not show.
    let counted = [
        (
            report.capped,
            "{n} incidents counted without client/user/database (too many groups)",
            "{n} 件はグループが多すぎるためクライアント/ユーザー/データベースなしで集計",
        ),
        (
            report.copies,
            "{n} records that another file of the same server also holds (csvlog/jsonlog copies), counted once",
            "同じサーバーの別のファイルにもある {n} 件のレコード (csvlog/jsonlog の写し) は 1 回だけ集計",
        ),
        (
            report.same_event_both_ends,
            "{n} failures of pgbouncer's server connection that PostgreSQL logged too, counted once on pgbouncer's server leg",
            "PostgreSQL 側にも記録された pgbouncer のサーバー接続の失敗 {n} 件は、pgbouncer のサーバー側区間で 1 回だけ集計",
        ),
    ];
    for (n, en, ja) in counted {
        if n > 0 {
            skipped.push(tr(lang, en, ja).replace("{n}", &n.to_string()));
        }
    }
    if !skipped.is_empty() {
        out.push_str(&format!(
            "{}: {}\n",
            tr(lang, "skipped", "読み飛ばし"),
            skipped.join("; ")
        ));
    }
    out
}

fn unknown_text(lines: &[UnknownLine], left_out: u64, lang: Lang, style: &Style) -> String {
    let mut out = format!(
        "{}\n",
        style.bold(tr(
            lang,
            "FATAL/ERROR lines that matched no diagnosis:",
            "どの診断にも一致しなかった FATAL/ERROR 行:"
        ))
    );
    if lines.is_empty() {
        out.push_str(&format!("  {}\n", tr(lang, "none", "なし")));
    }
    for line in lines {
        let count = match lang {
            Lang::En => format!("{}×", line.count),
            Lang::Ja => format!("{} 回", line.count),
        };
        out.push_str(&format!(
            "  {count:>6} {} {}\n         {}\n",
            line.severity,
            line.message,
            style.dim(&format!(
                "{}:{} · {} {} · {} {}",
                line.example.file,
                line.example.line,
                tr(lang, "first", "最初"),
                seen_text(&line.first_seen),
                tr(lang, "last", "最後"),
                seen_text(&line.last_seen)
            ))
        ));
    }
    if left_out > 0 {
        out.push_str(&match lang {
            Lang::En => format!("  ... and {left_out} more of other messages\n"),
            Lang::Ja => format!("  ... ほか {left_out} 件 (別のメッセージ)\n"),
        });
    }
    out
}

fn report_text(report: &Report, summary: &Summary, lang: Lang, style: &Style) -> String {
    let mut out = String::new();
    if report.groups.is_empty() {
        out.push_str(tr(
            lang,
            "no known PostgreSQL TLS failure found\n",
            "既知の PostgreSQL TLS の失敗は見つかりませんでした\n",
        ));
    }
    for group in &report.groups {
        out.push_str(&group_text(group, lang, style));
        out.push('\n');
    }
    if let Some(unknown) = &report.unknown {
        out.push_str(&unknown_text(unknown, report.unknown_left_out, lang, style));
        out.push('\n');
    }
    out.push_str(&summary_text(report, summary, lang));
    out
}

/// The bytes up to a file's last newline and the lines in them (a last
/// line still being written is left to be read whole).
fn complete_lines(path: &Path) -> std::io::Result<(u64, u64)> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(e),
    };
    let mut buf = vec![0u8; 256 << 10];
    let (mut offset, mut complete, mut lines) = (0u64, 0u64, 0u64);
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => return Ok((complete, lines)),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, &b)| b == b'\n') {
            lines += 1;
            complete = offset + i as u64 + 1;
        }
        offset += n as u64;
    }
}

/// Drops the first `left` bytes of a source.
struct Skip<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Skip<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.left > 0 {
            let want = buf
                .len()
                .min(usize::try_from(self.left).unwrap_or(usize::MAX));
            let n = self.inner.read(&mut buf[..want])?;
            if n == 0 {
                return Ok(0);
            }
            self.left -= n as u64;
        }
        self.inner.read(buf)
    }
}

/// `--follow`: one reader thread per input (a followed file never ends),
/// entries gathered here in arrival order, each incident printed as it
/// is counted; a group's first incident also prints its explanation.
fn follow(
    global: &GlobalArgs,
    args: &LogsArgs,
    inputs: Vec<Input>,
    options: Options,
    filter: Arc<dyn Prefilter>,
) -> anyhow::Result<u8> {
    let lang = lang(global);
    let style = style();
    let names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    let (tx, rx) = mpsc::sync_channel(1024);
    for (index, input) in inputs.into_iter().enumerate() {
        let tx = tx.clone();
        let options = options.clone();
        let filter = Arc::clone(&filter);
        // Like `tail -f`, what the file holds now is not reported; it is
        // counted so that line numbers stay those of the file.
        let (source, line_base): (Box<dyn Read + Send>, u64) = match &input.path {
            Some(path) => {
                let (bytes, lines) =
                    complete_lines(path).with_context(|| format!("cannot read {}", input.name))?;
                let follower = Follower::new(path, true, FOLLOW_POLL)
                    .with_context(|| format!("cannot follow {}", input.name))?;
                (
                    Box::new(Skip {
                        inner: follower,
                        left: bytes,
                    }),
                    lines,
                )
            }
            None => (open(&input)?, 0),
        };
        std::thread::spawn(move || {
            let reader =
                LogReader::new(source, index, input.name.clone(), &options).with_prefilter(filter);
            for mut entry in reader {
                entry.line += line_base;
                if tx.send(entry).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);

    let mut scanner = Scanner::new(args.unknown);
    for entry in rx {
        for touch in scanner.add(&entry, &names[entry.file]) {
            match touch {
                Touch::Counted { group, new } => {
                    let g = &scanner.groups()[group];
                    match global.format {
                        Format::Json => {
                            let finding = g.finding();
                            print(&to_line(&group_json(g, &finding, lang))?)?
                        }
                        Format::Text => {
                            let d = g.finding().diagnosis;
                            let mut text = format!(
                                "{}  {} {}  ({}:{}, {})",
                                entry.timestamp.as_deref().unwrap_or("-"),
                                style.bold(d.code),
                                d.title.get(lang),
                                names[entry.file],
                                entry.line,
                                match lang {
                                    Lang::En => format!("{}×", g.count),
                                    Lang::Ja => format!("{} 回", g.count),
                                }
                            );
                            if new {
                                text.push('\n');
                                text.push_str(&group_text(g, lang, &style));
                            }
                            print_text(&text)?;
                        }
                    }
                }
                Touch::Unknown if args.unknown => {
                    let text = format!(
                        "{}  {} {}  ({}:{})",
                        entry.timestamp.as_deref().unwrap_or("-"),
                        entry.severity,
                        entry.message,
                        names[entry.file],
                        entry.line
                    );
                    match global.format {
                        Format::Json => print(&to_line(&FollowedUnknownJson {
                            unknown: FollowedLineJson {
                                severity: entry.severity.to_string(),
                                message: &entry.message,
                                example: PlaceJson {
                                    file: &names[entry.file],
                                    line: entry.line,
                                    text: &entry.raw,
                                },
                            },
                        })?)?,
                        Format::Text => print_text(&text)?,
                    }
                }
                _ => {}
            }
        }
    }
    let report = scanner.finish();
    Ok(u8::from(report.has_error()))
}
