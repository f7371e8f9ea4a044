//! The demo as text (stacked, labelled lines per scenario and a summary
//! table, in English or Japanese) and as JSON. Kept apart from the runner so
//! the layout can be tested without starting a server.

use pgtls_catalogue::{Code, Lang};
use pgtls_diagnose::Finding;
use pgtls_render::{FindingJson, NoFindings, Style};
use serde::Serialize;

use super::{DemoReport, KongLine, KongSource, Ready, ScenarioResult};

/// The demo's own words, named by what they label.
#[derive(Debug, Clone, Copy)]
enum DemoLabel {
    Break,
    ServerLog,
    Psql,
    KongLuaSec,
    KongCosocket,
    Pgtls,
    Fix,
    AfterFix,
    Meaning,
    Steps,
    Also,
}

fn label(label: DemoLabel, lang: Lang) -> &'static str {
    let (en, ja) = match label {
        DemoLabel::Break => ("break", "壊し方"),
        DemoLabel::ServerLog => ("server log", "サーバーログ"),
        DemoLabel::Psql => ("psql", "psql"),
        DemoLabel::KongLuaSec => ("Kong LuaSec", "Kong LuaSec"),
        DemoLabel::KongCosocket => ("Kong cosocket", "Kong cosocket"),
        DemoLabel::Pgtls => ("pgtls", "pgtls の診断"),
        DemoLabel::Fix => ("fix", "修正"),
        DemoLabel::AfterFix => ("after the fix", "修正後"),
        DemoLabel::Meaning => ("meaning", "意味"),
        DemoLabel::Steps => ("fix", "対処"),
        DemoLabel::Also => ("also", "他に"),
    };
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// Columns taken by `s` on a terminal: CJK and full-width characters take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

fn pad(s: &str, columns: usize) -> String {
    let w = width(s);
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(w)));
    out
}

const LABEL_COLUMNS: usize = 15;

/// One labelled row; further lines are indented under the first.
fn row(out: &mut String, label: &str, lines: &[String], style: &Style) {
    let indent = " ".repeat(LABEL_COLUMNS + 2);
    let mut first = true;
    for line in lines {
        if first {
            out.push_str(&format!(
                "  {}{}\n",
                style.dim(&pad(label, LABEL_COLUMNS)),
                line
            ));
            first = false;
        } else {
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
    if first {
        out.push_str(&format!("  {}-\n", style.dim(&pad(label, LABEL_COLUMNS))));
    }
}

fn seconds(d: std::time::Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// The line shown while the server starts.
pub fn start_text(lang: Lang, pg_version: Option<u32>) -> String {
    match (lang, pg_version) {
        (Lang::En, None) => {
            "pgtls demo: starting a throwaway PostgreSQL from the local installation...".into()
        }
        (Lang::Ja, None) => {
            "pgtls demo: ローカルのインストールから使い捨ての PostgreSQL を起動しています...".into()
        }
        (Lang::En, Some(n)) => {
            format!("pgtls demo: starting a throwaway PostgreSQL {n} from the lab's cache...")
        }
        (Lang::Ja, Some(n)) => {
            format!("pgtls demo: ラボのキャッシュから使い捨ての PostgreSQL {n} を起動しています...")
        }
    }
}

/// The healthy starting point, before the first scenario.
pub fn ready_text(ready: &Ready, lang: Lang, style: &Style) -> String {
    let total = ready.scenarios;
    let mut out = String::new();
    match lang {
        Lang::En => {
            out.push_str(&format!(
                "PostgreSQL {} on 127.0.0.1:{} (ready in {}): ssl = on, `{}`, client certificate CN kong.\n",
                ready.server_version,
                ready.port,
                seconds(ready.elapsed),
                super::BASELINE_HBA
            ));
            out.push_str(&format!(
                "psql (as Kong would: verify-full, client certificate) connects. Now {total} documented {}, one at a time:\n",
                if total == 1 { "failure" } else { "failures" }
            ));
        }
        Lang::Ja => {
            out.push_str(&format!(
                "PostgreSQL {} を 127.0.0.1:{} で起動しました ({}): ssl = on、`{}`、クライアント証明書 CN kong。\n",
                ready.server_version,
                ready.port,
                seconds(ready.elapsed),
                super::BASELINE_HBA
            ));
            out.push_str(&format!(
                "psql (Kong と同じく verify-full とクライアント証明書) で接続できます。これから既知の {total} 件の失敗を 1 つずつ再現します:\n"
            ));
        }
    }
    if ready.japanese_unavailable {
        out.push_str(&style.yellow(match lang {
            Lang::En => "(the ja_JP.UTF-8 locale is not installed: the server and psql print English)\n",
            Lang::Ja => "(ja_JP.UTF-8 ロケールがインストールされていないため、サーバーと psql は英語で出力します)\n",
        }));
    }
    out
}

/// The scenario's heading, shown when it starts.
pub fn heading_text(index: usize, total: usize, code: Code, lang: Lang, style: &Style) -> String {
    let d = code.diagnosis();
    format!(
        "\n{} {} {}\n  {}\n",
        style.bold(&format!("[{index}/{total}]")),
        style.bold(d.code),
        d.name,
        d.title.get(lang)
    )
}

fn finding_lines(f: &Finding, lang: Lang, style: &Style) -> Vec<String> {
    let d = f.diagnosis;
    let mut lines = vec![format!(
        "{} {} — {}",
        style.bold(d.code),
        d.name,
        d.title.get(lang)
    )];
    if let Some(reading) = &f.reading {
        lines.push(format!(
            "{}: {}",
            label(DemoLabel::Meaning, lang),
            reading.get(lang)
        ));
    }
    let steps: Vec<&str> = f
        .fix
        .iter()
        .map(|m| m.get(lang))
        .chain(d.fix.iter().map(|t| t.get(lang)))
        .collect();
    for (i, step) in steps.iter().enumerate() {
        let head = if i == 0 {
            format!("{}:", label(DemoLabel::Steps, lang))
        } else {
            " ".repeat(width(label(DemoLabel::Steps, lang)) + 1)
        };
        lines.push(format!("{} {}. {}", style.green(&head), i + 1, step));
    }
    lines
}

fn kong_rows(k: &KongLine, lang: Lang, style: &Style) -> Vec<String> {
    let tag = match (k.source, lang) {
        (KongSource::Probe, Lang::En) => "pgtls probe, Kong mode",
        (KongSource::Probe, Lang::Ja) => "pgtls の probe、Kong モード",
        (KongSource::Documented, Lang::En) => "documented, not observed",
        (KongSource::Documented, Lang::Ja) => "文書の記載、実測ではありません",
    };
    let code = k.code.map(|c| format!(" → {c}")).unwrap_or_default();
    let mut rows = vec![format!(
        "{}  {}",
        k.line,
        style.dim(&format!("({tag}{code})"))
    )];
    if k.source == KongSource::Probe && k.line != k.documented {
        rows.push(style.dim(&match lang {
            Lang::En => format!("kong-client.md documents: {}", k.documented),
            Lang::Ja => format!("kong-client.md の記載: {}", k.documented),
        }));
    }
    rows
}

/// The body of one finished scenario (after its heading).
pub fn scenario_text(result: &ScenarioResult, lang: Lang, style: &Style) -> String {
    let s = result.scenario;
    let mut out = String::new();
    out.push_str(&format!("  {}\n", s.broken.get(lang)));
    row(
        &mut out,
        label(DemoLabel::Break, lang),
        &[s.break_step.get(lang).to_string()],
        style,
    );
    row(
        &mut out,
        label(DemoLabel::ServerLog, lang),
        &result.server_log,
        style,
    );
    row(&mut out, label(DemoLabel::Psql, lang), &result.psql, style);
    row(
        &mut out,
        label(DemoLabel::KongLuaSec, lang),
        &kong_rows(&result.kong.luasec, lang, style),
        style,
    );
    let mut cosocket = kong_rows(&result.kong.cosocket, lang, style);
    if let Some(note) = s.kong_note {
        cosocket.push(style.dim(note.get(lang)));
    }
    row(
        &mut out,
        label(DemoLabel::KongCosocket, lang),
        &cosocket,
        style,
    );

    let verdict = result
        .server_findings
        .first()
        .or(result.psql_findings.first());
    let mut diagnosis = match verdict {
        Some(f) => finding_lines(f, lang, style),
        None => vec![style.red(match lang {
            Lang::En => "no diagnosis: pgtls did not recognise these lines",
            Lang::Ja => "診断なし: pgtls はこれらの行を認識できませんでした",
        })],
    };
    // What psql's line alone would have said, when it says something else.
    if let (Some(v), Some(p)) = (verdict, result.psql_findings.first()) {
        if p.code() != v.code() {
            let text = match lang {
                Lang::En => format!(
                    "psql's line alone reads as {} ({}): the server log decides",
                    p.code(),
                    p.diagnosis.name
                ),
                Lang::Ja => format!(
                    "psql の行だけなら {} ({}) と読めます: サーバーログが決め手です",
                    p.code(),
                    p.diagnosis.name
                ),
            };
            diagnosis.push(style.dim(&format!("{}: {text}", label(DemoLabel::Also, lang))));
        }
    }
    row(&mut out, label(DemoLabel::Pgtls, lang), &diagnosis, style);
    row(
        &mut out,
        label(DemoLabel::Fix, lang),
        &[s.fix_step.get(lang).to_string()],
        style,
    );
    let after = if result.recovered {
        let ok = match lang {
            Lang::En => format!("psql connected (server_version_num {})", result.after_fix),
            Lang::Ja => format!(
                "psql で接続できました (server_version_num {})",
                result.after_fix
            ),
        };
        let kong = match (result.kong_after_fix, lang) {
            (Some(true), Lang::En) => "; Kong (probe, both paths) connected",
            (Some(true), Lang::Ja) => "。Kong (probe、両方の経路) も接続できました",
            (Some(false), Lang::En) => "; Kong (probe) still fails",
            (Some(false), Lang::Ja) => "。Kong (probe) はまだ失敗します",
            (None, _) => "",
        };
        format!(
            "{} {ok}{kong}  {}",
            style.green("✓"),
            style.dim(&seconds(result.elapsed))
        )
    } else {
        let failed = match lang {
            Lang::En => "still failing",
            Lang::Ja => "まだ失敗します",
        };
        format!("{} {failed}: {}", style.red("✗"), result.after_fix)
    };
    let mut after_lines = vec![after];
    if let Some(problem) = &result.problem {
        after_lines.push(style.yellow(&format!("! {problem}")));
    }
    row(
        &mut out,
        label(DemoLabel::AfterFix, lang),
        &after_lines,
        style,
    );
    out
}

/// One short line per finished scenario, for progress on stderr.
pub fn progress_line(index: usize, total: usize, result: &ScenarioResult, lang: Lang) -> String {
    let verdict = result.diagnosed.map_or("-", Code::as_str);
    let state = match (result.passed(), lang) {
        (true, Lang::En) => "ok",
        (true, Lang::Ja) => "成功",
        (false, Lang::En) => "FAILED",
        (false, Lang::Ja) => "失敗",
    };
    format!(
        "[{index}/{total}] {} → {verdict}, {}: {state} ({})",
        result.scenario.code,
        match (result.recovered, lang) {
            (true, Lang::En) => "recovered",
            (true, Lang::Ja) => "復旧",
            (false, Lang::En) => "not recovered",
            (false, Lang::Ja) => "未復旧",
        },
        seconds(result.elapsed)
    )
}

/// The summary table and the closing line.
pub fn summary_text(report: &DemoReport, lang: Lang, style: &Style) -> String {
    let headers: [&str; 6] = match lang {
        Lang::En => ["code", "failure", "pgtls", "server", "psql", "fixed"],
        Lang::Ja => ["コード", "失敗", "pgtls", "サーバー", "psql", "修正後"],
    };
    // The table fits 80 columns: the row's own code stands for what pgtls
    // said when it agreed, a different code is written out; each
    // scenario's time is in its own section.
    let mut rows: Vec<[String; 6]> = Vec::new();
    for r in &report.scenarios {
        let name = r.scenario.code.diagnosis().name;
        let verdict = match r.diagnosed {
            Some(c) if c == r.scenario.code => "✓".to_string(),
            Some(c) => format!("✗ {c}"),
            None => "✗ -".to_string(),
        };
        let code_of = |f: &[Finding]| {
            f.first()
                .map(|f| f.code().to_string())
                .unwrap_or("-".into())
        };
        let after = if r.recovered { "✓" } else { "✗" };
        rows.push([
            r.scenario.code.to_string(),
            name.to_string(),
            verdict,
            code_of(&r.server_findings),
            code_of(&r.psql_findings),
            after.to_string(),
        ]);
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (i, cell) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(cell));
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::from(" ");
        for (i, c) in cells.iter().enumerate() {
            s.push(' ');
            s.push_str(&pad(c, widths[i]));
            s.push(' ');
        }
        s.trim_end().to_string()
    };
    let mut out = String::new();
    out.push_str(&format!(
        "\n{}\n",
        style.bold(match lang {
            Lang::En => "Summary",
            Lang::Ja => "まとめ",
        })
    ));
    let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    out.push_str(&style.dim(&line(&header)));
    out.push('\n');
    for r in &rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    let n = report.scenarios.len();
    let diagnosed = report
        .scenarios
        .iter()
        .filter(|r| r.diagnosed == Some(r.scenario.code))
        .count();
    let recovered = report.scenarios.iter().filter(|r| r.recovered).count();
    let total = seconds(report.total);
    out.push_str(&match lang {
        Lang::En => format!(
            "{diagnosed}/{n} diagnosed as documented, {recovered}/{n} connected after the fix, {total} in total. The throwaway server is stopped and its files are removed.\n"
        ),
        Lang::Ja => format!(
            "{n} 件中 {diagnosed} 件を文書どおりに診断し、{n} 件中 {recovered} 件が修正後に接続できました (合計 {total})。使い捨てのサーバーは停止し、ファイルは削除しました。\n"
        ),
    });
    out.push_str(&style.dim(match lang {
        Lang::En => "The server and psql lines were captured just now. No Kong runs here: its lines are what Kong prints for what pgtls's probe met when it connected the way Kong does on each socket path (LuaSec pinned to TLS 1.2, cosocket verifying after the handshake).\n",
        Lang::Ja => "サーバーと psql の行は今回実際に取得したものです。ここでは Kong は動いていません: Kong の行は、pgtls の probe が Kong と同じ方法で各ソケット経路 (TLS 1.2 固定の LuaSec、ハンドシェイク後に検証する cosocket) で接続した結果に対して Kong が出力する行です。\n",
    }));
    out
}

/// One of Kong's lines for a scenario.
#[derive(Serialize)]
struct KongLineJson<'a> {
    line: &'a str,
    /// `probe` or `documented`.
    source: &'static str,
    documented: &'a str,
    code: Option<Code>,
}

impl<'a> KongLineJson<'a> {
    fn of(k: &'a KongLine) -> Self {
        KongLineJson {
            line: &k.line,
            source: k.source.as_str(),
            documented: &k.documented,
            code: k.code,
        }
    }
}

/// Kong's lines on each socket path, with the scenario's note on them.
#[derive(Serialize)]
struct KongJson<'a> {
    luasec: KongLineJson<'a>,
    cosocket: KongLineJson<'a>,
    note: Option<&'static str>,
}

/// One scenario: what broke, what each side printed, the diagnoses and
/// whether the fix brought the connection back.
#[derive(Serialize)]
struct ScenarioJson<'a> {
    code: Code,
    name: &'static str,
    broken: &'static str,
    #[serde(rename = "break")]
    break_step: &'static str,
    server_log: &'a [String],
    psql: &'a [String],
    kong: KongJson<'a>,
    kong_after_fix: Option<bool>,
    server_findings: Vec<FindingJson<'a>>,
    psql_findings: Vec<FindingJson<'a>>,
    diagnosed: Option<Code>,
    fix: &'static str,
    recovered: bool,
    after_fix: &'a str,
    problem: Option<&'a str>,
    passed: bool,
    elapsed_ms: u64,
}

/// The report as one JSON object (its top-level `findings` is empty: the
/// failures are provoked on a throwaway server, each scenario carries its
/// own).
#[derive(Serialize)]
pub struct DemoJson<'a> {
    server_version: &'a str,
    japanese_server: bool,
    ready_ms: u64,
    scenarios: Vec<ScenarioJson<'a>>,
    passed: bool,
    total_ms: u64,
}

/// The report as one JSON object. The failures are provoked on a
/// throwaway server, so the top-level `findings` (about the user's
/// systems) is empty; each scenario carries its own.
pub fn report_json(report: &DemoReport, lang: Lang) -> NoFindings<DemoJson<'_>> {
    let scenarios = report
        .scenarios
        .iter()
        .map(|r| ScenarioJson {
            code: r.scenario.code,
            name: r.scenario.code.diagnosis().name,
            broken: r.scenario.broken.get(lang),
            break_step: r.scenario.break_step.get(lang),
            server_log: &r.server_log,
            psql: &r.psql,
            kong: KongJson {
                luasec: KongLineJson::of(&r.kong.luasec),
                cosocket: KongLineJson::of(&r.kong.cosocket),
                note: r.scenario.kong_note.map(|n| n.get(lang)),
            },
            kong_after_fix: r.kong_after_fix,
            server_findings: FindingJson::all(&r.server_findings, lang),
            psql_findings: FindingJson::all(&r.psql_findings, lang),
            diagnosed: r.diagnosed,
            fix: r.scenario.fix_step.get(lang),
            recovered: r.recovered,
            after_fix: &r.after_fix,
            problem: r.problem.as_deref(),
            passed: r.passed(),
            elapsed_ms: r.elapsed.as_millis() as u64,
        })
        .collect();
    NoFindings::new(DemoJson {
        server_version: &report.ready.server_version,
        japanese_server: report.ready.japanese,
        ready_ms: report.ready.elapsed.as_millis() as u64,
        scenarios,
        passed: report.passed(),
        total_ms: report.total.as_millis() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{KongLines, SCENARIOS};
    use pgtls_diagnose::explain::explain_text;
    use serde_json::json;
    use std::time::Duration;

    const KONG: &str =
        "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: ";

    /// PGTLS005 as the demo records it (lines as PostgreSQL 15 and psql 15 print them).
    fn result(diagnosed: Option<Code>, recovered: bool) -> ScenarioResult {
        let server = "2026-01-01 00:00:00.000 UTC [7] LOG:  could not accept SSL connection: tlsv1 alert unknown ca";
        let psql = "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify failed";
        let kong = |reason: &str, documented: &str| KongLine {
            line: format!("{KONG}{reason}"),
            source: KongSource::Probe,
            documented: format!("{KONG}{documented}"),
            code: Some(Code::ClientRejectsServerCert),
        };
        ScenarioResult {
            scenario: &SCENARIOS[4],
            server_log: vec![crate::text::strip_log_prefix(server).to_string()],
            psql: vec![psql.to_string()],
            kong: KongLines {
                luasec: kong("certificate verify failed", "certificate verify failed"),
                cosocket: kong(
                    "19: self-signed certificate in certificate chain",
                    "21: unable to verify the first certificate",
                ),
            },
            server_findings: explain_text(server),
            psql_findings: explain_text(psql),
            diagnosed,
            recovered,
            kong_after_fix: recovered.then_some(true),
            after_fix: if recovered {
                "150018".into()
            } else {
                "SSL error".into()
            },
            problem: None,
            elapsed: Duration::from_millis(120),
        }
    }

    fn report(results: Vec<ScenarioResult>) -> DemoReport {
        DemoReport {
            ready: Ready {
                server_version: "15.18".into(),
                port: 5432,
                japanese: false,
                japanese_unavailable: false,
                elapsed: Duration::from_secs(2),
                scenarios: results.len(),
            },
            scenarios: results,
            total: Duration::from_secs(3),
        }
    }

    #[test]
    fn a_scenario_shows_every_side_and_the_verdict() {
        let r = result(Some(Code::ClientRejectsServerCert), true);
        let text = scenario_text(&r, Lang::En, &Style::plain());
        for needle in [
            "server log     LOG:  could not accept SSL connection: tlsv1 alert unknown ca",
            "psql           psql: error:",
            "Kong LuaSec    Error: [PostgreSQL error]",
            "(pgtls probe, Kong mode → PGTLS005)",
            "kong-client.md documents: Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 21: unable to verify the first certificate",
            "pgtls          PGTLS005 client-rejects-server-cert",
            "after the fix  ✓ psql connected (server_version_num 150018); Kong (probe, both paths) connected",
        ] {
            assert!(text.contains(needle), "{needle:?} in\n{text}");
        }
        // The LuaSec line matches its documentation, so no note repeats it.
        assert_eq!(
            text.matches("kong-client.md documents").count(),
            1,
            "{text}"
        );
        let ja = scenario_text(&r, Lang::Ja, &Style::plain());
        for needle in [
            "サーバーログ   LOG:",
            "pgtls の診断   PGTLS005",
            "修正後         ✓ psql で接続できました",
        ] {
            assert!(ja.contains(needle), "{needle:?} in\n{ja}");
        }
    }

    #[test]
    fn the_summary_counts_and_marks_what_went_wrong() {
        let rep = report(vec![
            result(Some(Code::ClientRejectsServerCert), true),
            result(Some(Code::ServerCertExpired), false),
        ]);
        assert!(!rep.passed());
        let text = summary_text(&rep, Lang::En, &Style::plain());
        let rows: Vec<Vec<&str>> = text
            .lines()
            .filter(|l| l.trim_start().starts_with("PGTLS"))
            .map(|l| l.split_whitespace().collect())
            .collect();
        // code, name, pgtls, server, psql, fixed.
        assert_eq!(rows[0][2..], ["✓", "PGTLS005", "PGTLS005", "✓"], "{text}");
        assert_eq!(
            rows[1][2..],
            ["✗", "PGTLS010", "PGTLS005", "PGTLS005", "✗"],
            "{text}"
        );
        assert!(
            text.lines()
                .filter(|l| l.starts_with("  "))
                .all(|l| width(l) <= 80),
            "the table fits 80 columns: {text}"
        );
        assert!(
            text.contains("1/2 diagnosed as documented, 1/2 connected after the fix"),
            "{text}"
        );
        let ja = summary_text(&rep, Lang::Ja, &Style::plain());
        assert!(ja.contains("2 件中 1 件を文書どおりに診断し"), "{ja}");
    }

    #[test]
    fn json_carries_each_side_per_scenario() {
        let rep = report(vec![result(Some(Code::ClientRejectsServerCert), true)]);
        let v = serde_json::to_value(report_json(&rep, Lang::En)).unwrap();
        assert_eq!(v["passed"], true);
        assert_eq!(v["findings"], json!([]));
        let s = &v["scenarios"][0];
        assert_eq!(s["code"], "PGTLS005");
        assert_eq!(s["diagnosed"], "PGTLS005");
        assert_eq!(s["server_findings"][0]["code"], "PGTLS005");
        assert_eq!(s["kong"]["cosocket"]["source"], "probe");
        assert_eq!(s["kong_after_fix"], true);
    }

    #[test]
    fn wide_characters_count_twice() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("修正後"), 6);
        assert_eq!(pad("修正", 6), "修正  ");
    }
}
