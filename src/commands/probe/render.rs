//! The probe's output. Text is for a person under stress: the exchange as a
//! two-column ladder (client | server, one row per message, the failing row
//! marked, each step timed), the server's chain as a tree ending at the
//! anchor the client does or does not trust, the client's own line, and
//! the findings with the fix last. JSON is product.md's contract: `steps`,
//! `client_line`, and on success `tls_version`, `cipher`, `chain`,
//! `auth_method`, `server_version_num`, plus both of Kong's paths.

use std::collections::BTreeMap;

use openssl::x509::{X509Ref, X509};
use pgtls_catalogue::{Lang, Severity};
use pgtls_diagnose::certinfo::{describe, name_text, now_epoch, CertInfo};
use pgtls_diagnose::probe_rules::{ClientKind, Judgement, KongEdition};
use pgtls_probe::{Direction, FailureKind, Outcome, ProbeReport, ServerKind, Step, TlsFailure};
use pgtls_render::{finding_text, CertJson, FindingJson, Style};
use serde::Serialize;

use super::{Done, Plan};

fn t(lang: Lang, en: &str, ja: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::Ja => ja.to_string(),
    }
}

/// The order the attempts are shown in: Kong's `--kong-shape` path first.
pub(crate) fn display_order(plan: &Plan, done: &[Done]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..done.len()).collect();
    if let Some(k) = &plan.kong {
        let first = k.shape_first.label();
        order.sort_by_key(|&i| done[i].label != first);
    }
    order
}

fn path_title(d: &Done, lang: Lang) -> String {
    match d.kind {
        ClientKind::KongCosocket => t(
            lang,
            "Kong CLI connection (`kong start`, nginx cosocket; cosocket shape)",
            "Kong CLI の接続 (`kong start`、nginx cosocket、cosocket 形式)",
        ),
        ClientKind::KongLuaSec => t(
            lang,
            "Kong nginx start-up connection (Kong.init, LuaSec; LuaSec shape)",
            "Kong nginx 起動時の接続 (Kong.init、LuaSec、LuaSec 形式)",
        ),
        ClientKind::Libpq => t(lang, "libpq (psql)", "libpq (psql)"),
    }
}

fn ms(d: std::time::Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Columns a text takes on a terminal: East Asian wide characters take two.
fn columns(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn pad_to(text: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(columns(text)));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How wide the client's column of the message ladder may be on a line of
/// `width` columns: room is left for the server's column (the mark, the
/// step label and the arrows take 29, a server message such as
/// `Certificate (2 certs)` 21), so each row fits on one line; longer client
/// messages are cut with `…`, as they always were past 44.
fn client_column_cap(width: usize) -> usize {
    width.saturating_sub(29 + 21).clamp(10, 44)
}

struct Row {
    label: String,
    dir: Option<Direction>,
    text: String,
    mark: bool,
}

/// Consecutive ParameterStatus messages read as one row.
fn collapse(transcript: &[(Direction, String)]) -> Vec<(Direction, String)> {
    let mut out: Vec<(Direction, String)> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, out: &mut Vec<(Direction, String)>| {
        match run.len() {
            0 => {}
            1 => out.push((Direction::Received, format!("ParameterStatus {}", run[0]))),
            n => {
                let shown: Vec<&str> = run
                    .iter()
                    .filter(|p| {
                        p.starts_with("server_version=") || p.starts_with("session_authorization=")
                    })
                    .map(String::as_str)
                    .collect();
                out.push((
                    Direction::Received,
                    format!("ParameterStatus ×{n} ({})", shown.join(", ")),
                ))
            }
        }
        run.clear();
    };
    for (dir, text) in transcript {
        if let (Direction::Received, Some(p)) = (dir, text.strip_prefix("ParameterStatus ")) {
            run.push(p.to_string());
            continue;
        }
        flush(&mut run, &mut out);
        out.push((*dir, text.clone()));
    }
    flush(&mut run, &mut out);
    out
}

fn failure_side_is_client(kind: &FailureKind) -> bool {
    matches!(
        kind,
        FailureKind::Tls(TlsFailure::VerifyAfterHandshake(_))
            | FailureKind::Tls(TlsFailure::HostNameMismatch { .. })
            | FailureKind::ClientRefused(_)
    )
}

/// The exchange as a ladder.
pub(crate) fn ladder(report: &ProbeReport, lang: Lang, style: &Style) -> String {
    let failing = report.failure();
    let last_index = report.steps.len().saturating_sub(1);
    let mut rows: Vec<Row> = Vec::new();
    let mut connection = 0u8;
    for (i, step) in report.steps.iter().enumerate() {
        if step.connection != connection {
            if connection != 0 {
                rows.push(Row {
                    label: String::new(),
                    dir: None,
                    text: t(
                        lang,
                        &format!("── connection {} (the client retries) ──", step.connection),
                        &format!("── 接続 {} (クライアントが再試行) ──", step.connection),
                    ),
                    mark: false,
                });
            }
            connection = step.connection;
        }
        let label = format!("{} {}", step.name.name(), ms(step.elapsed));
        let messages = collapse(&step.transcript);
        let start = rows.len();
        if messages.is_empty() {
            rows.push(Row {
                label: label.clone(),
                dir: None,
                text: String::new(),
                mark: false,
            });
        }
        for (k, (dir, text)) in messages.into_iter().enumerate() {
            rows.push(Row {
                label: if k == 0 { label.clone() } else { String::new() },
                dir: Some(dir),
                text,
                mark: false,
            });
        }
        // The server's last message is the failing row when the server
        // refused; a client that gives up gets a row of its own below.
        let client_gave_up = failing.is_some_and(|(_, kind)| failure_side_is_client(kind));
        if !step.ok && i == last_index && !client_gave_up && rows.len() > start {
            if let Some(last) = rows.last_mut() {
                last.mark = true;
            }
        }
    }
    let width = rows
        .iter()
        .filter(|r| r.dir == Some(Direction::Sent))
        .map(|r| r.text.chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, client_column_cap(crate::output::width()));
    let label_width = 22;
    let mut out = String::new();
    out.push_str(&style.dim(&format!(
        "  {}{} {}\n",
        pad_to(&t(lang, "step", "ステップ"), label_width, false),
        pad_to(&t(lang, "client", "クライアント"), width + 4, true),
        t(lang, "server", "サーバー"),
    )));
    for r in &rows {
        let mark = if r.mark { style.red("✗") } else { " ".into() };
        let label = style.dim(&format!("{:<label_width$}", r.label));
        let line = match r.dir {
            Some(Direction::Sent) => {
                let text = cut(&r.text, width);
                let text = if r.mark { style.red(&text) } else { text };
                let pad = width.saturating_sub(r.text.chars().count().min(width));
                format!("{mark} {label}{}{text} ──▶", " ".repeat(pad))
            }
            Some(Direction::Received) => {
                let text = if r.mark {
                    style.red(&r.text)
                } else {
                    r.text.clone()
                };
                format!("{mark} {label}{} ◀── {text}", " ".repeat(width))
            }
            None => format!("{mark} {label}{}", style.dim(&r.text)),
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if let Some((_, kind)) = failing {
        let text = kind.to_string();
        let line = if failure_side_is_client(kind) {
            format!(
                "{} {:<label_width$}{}",
                style.red("✗"),
                "",
                style.red(&format!(
                    "{} {text}",
                    t(lang, "client gives up:", "クライアントが中止:")
                ))
            )
        } else {
            format!(
                "{} {:<label_width$}{}     {}",
                style.red("✗"),
                "",
                " ".repeat(width),
                style.red(&text)
            )
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn in_store(cert: &X509Ref, anchors: &[X509]) -> bool {
    let der = cert.subject_name().to_der().ok();
    anchors
        .iter()
        .any(|a| a.subject_name().to_der().ok() == der)
}

fn issuer_in_store(cert: &X509Ref, anchors: &[X509]) -> Option<&'static str> {
    let der = cert.issuer_name().to_der().ok();
    anchors
        .iter()
        .any(|a| a.subject_name().to_der().ok() == der)
        .then_some("")
}

fn validity(info: &CertInfo, lang: Lang, style: &Style) -> String {
    if info.not_yet_valid {
        style.red(&t(
            lang,
            &format!("not valid before {}", info.not_before),
            &format!("{} より前は無効", info.not_before),
        ))
    } else if info.expired() {
        style.red(&t(
            lang,
            &format!("EXPIRED {} ({} days ago)", info.not_after, info.days_ago()),
            &format!("期限切れ {} ({} 日前)", info.not_after, info.days_ago()),
        ))
    } else if let Some(days_left) = info.days_left {
        let text = t(
            lang,
            &format!("valid until {} ({days_left} days left)", info.not_after),
            &format!("有効期限 {} (残り {days_left} 日)", info.not_after),
        );
        if days_left < 30 {
            style.yellow(&text)
        } else {
            text
        }
    } else {
        style.yellow(&t(
            lang,
            "could not read the certificate's expiry date",
            "証明書の有効期限の日付を読み取れません",
        ))
    }
}

/// The chain as sent, as a tree from the leaf up to the anchor.
pub(crate) fn chain_tree(chain: &[X509], anchors: &[X509], lang: Lang, style: &Style) -> String {
    let now = now_epoch();
    let mut out = String::new();
    for (i, cert) in chain.iter().enumerate() {
        let info = describe(cert, now);
        let indent = "   ".repeat(i);
        let branch = if i == 0 { "" } else { "└─ " };
        let body_indent = format!("{indent}{}", if i == 0 { "   " } else { "      " });
        out.push_str(&format!(
            "  {indent}{branch}{}  [{}, {}]\n",
            style.bold(&info.subject),
            info.key,
            info.signature
        ));
        if !info.sans.is_empty() {
            out.push_str(&format!("  {body_indent}SAN {}\n", info.sans.join(", ")));
        }
        out.push_str(&format!(
            "  {body_indent}{}\n",
            validity(&info, lang, style)
        ));
        if info.self_signed {
            let trusted = in_store(cert, anchors);
            out.push_str(&format!(
                "  {body_indent}{}\n",
                if trusted {
                    style.green(&t(
                        lang,
                        "self-signed; in the client's trust store ✓",
                        "自己署名。クライアントの信頼ストアにあります ✓",
                    ))
                } else {
                    style.red(&t(
                        lang,
                        "self-signed; NOT in the client's trust store ✗",
                        "自己署名。クライアントの信頼ストアにありません ✗",
                    ))
                }
            ));
        }
    }
    if let Some(last) = chain.last() {
        if last.issued(last) != openssl::x509::X509VerifyResult::OK {
            let i = chain.len();
            let indent = "   ".repeat(i);
            let issuer = name_text(last.issuer_name());
            let verdict = if issuer_in_store(last, anchors).is_some() {
                style.green(&t(
                    lang,
                    "(not sent; in the client's trust store ✓)",
                    "(送られていません。クライアントの信頼ストアにあります ✓)",
                ))
            } else {
                style.red(&t(
                    lang,
                    "(not sent; NOT in the client's trust store ✗)",
                    "(送られていません。クライアントの信頼ストアにありません ✗)",
                ))
            };
            out.push_str(&format!("  {indent}└─ {issuer}  {verdict}\n"));
        }
    }
    out
}

/// Milliseconds rounded to 1/`scale` (a step to the microsecond, a whole
/// connection to a tenth), as the documents have always shown durations.
fn millis(d: std::time::Duration, scale: f64) -> f64 {
    (d.as_secs_f64() * 1000.0 * scale).round() / scale
}

/// One message in a step's transcript, with its direction.
#[derive(Serialize)]
struct TranscriptJson<'a> {
    /// `sent` or `received`.
    dir: &'static str,
    text: &'a str,
}

/// product.md's probe step.
#[derive(Serialize)]
struct StepJson<'a> {
    name: &'static str,
    connection: u8,
    ok: bool,
    elapsed_ms: f64,
    sent: &'a [String],
    received: &'a [String],
    transcript: Vec<TranscriptJson<'a>>,
}

fn steps_json(report: &ProbeReport) -> Vec<StepJson<'_>> {
    report
        .steps
        .iter()
        .map(|s: &Step| StepJson {
            name: s.name.name(),
            connection: s.connection,
            ok: s.ok,
            elapsed_ms: millis(s.elapsed, 1000.0),
            sent: &s.sent,
            received: &s.received,
            transcript: s
                .transcript
                .iter()
                .map(|(d, text)| TranscriptJson {
                    dir: if *d == Direction::Sent {
                        "sent"
                    } else {
                        "received"
                    },
                    text,
                })
                .collect(),
        })
        .collect()
}

fn anchors_of<'a>(plan: &'a Plan, d: &Done) -> &'a [X509] {
    plan.attempts
        .iter()
        .find(|p| p.label == d.label)
        .map(|p| p.client.anchors.as_slice())
        .unwrap_or(&[])
}

/// One of Kong's socket paths as it went.
#[derive(Serialize)]
struct PathJson<'a> {
    name: &'static str,
    ok: bool,
    failed_step: Option<&'static str>,
    failure: Option<String>,
    client_line: Option<&'a str>,
    other_lines: Vec<&'a str>,
    tls: bool,
    tls_version: Option<&'a str>,
    cipher: Option<&'a str>,
    auth_method: Option<&'static str>,
    server_version_num: Option<u32>,
    answered_by: Option<&'static str>,
    elapsed_ms: f64,
    steps: Vec<StepJson<'a>>,
}

impl<'a> PathJson<'a> {
    fn of(d: &'a Done) -> Self {
        let (ok_fields, failed) = match &d.report.outcome {
            Outcome::Ok {
                auth_method,
                server_version_num,
            } => (Some((auth_method.name(), *server_version_num)), None),
            Outcome::Failed { step, kind } => (None, Some((step.name(), kind.to_string()))),
            Outcome::TlsEstablished => (None, None),
        };
        let tls = d.report.tls.as_ref();
        PathJson {
            name: d.label,
            ok: d.report.is_ok(),
            failed_step: failed.as_ref().map(|f| f.0),
            failure: failed.map(|f| f.1),
            client_line: d.client_line.as_deref(),
            other_lines: d.extra_lines.iter().map(|(_, l)| l.as_str()).collect(),
            tls: d.report.tls_in_use,
            tls_version: tls.and_then(|t| t.version.as_deref()),
            cipher: tls.and_then(|t| t.cipher.as_deref()),
            auth_method: ok_fields.map(|f| f.0),
            server_version_num: ok_fields.map(|f| f.1),
            answered_by: d.identity.kind.map(|k| k.as_str()),
            elapsed_ms: millis(d.report.elapsed(), 10.0),
            steps: steps_json(&d.report),
        }
    }
}

/// A setting the probe used, with where it came from.
#[derive(Serialize)]
struct SettingJson<'a> {
    key: &'a str,
    value: &'a str,
    origin: &'a str,
}

/// Kong's edition and paths, only when the client is Kong.
#[derive(Serialize)]
struct KongJson<'a> {
    edition: &'static str,
    shown_first: &'static str,
    paths: Vec<PathJson<'a>>,
}

/// `probe --format json`.
#[derive(Serialize)]
pub(crate) struct ProbeJson<'a> {
    client: &'static str,
    target: &'a str,
    ok: bool,
    steps: Vec<StepJson<'a>>,
    client_line: Option<&'a str>,
    tls_version: Option<&'a str>,
    cipher: Option<&'a str>,
    chain: Vec<CertJson>,
    client_certificate_requested: Option<bool>,
    client_ca_names: Option<Vec<&'a str>>,
    auth_method: Option<&'static str>,
    server_version_num: Option<u32>,
    server_major: Option<u32>,
    alpn: Option<&'a str>,
    elapsed_ms: Option<f64>,
    settings: Vec<SettingJson<'a>>,
    notes: Vec<&'a str>,
    findings: Vec<FindingJson<'a>>,
    unexplained: Option<&'a str>,
    answered_by: Option<&'static str>,
    answered_by_signs: Vec<&'a str>,
    #[serde(flatten)]
    kong: Option<KongJson<'a>>,
    /// Each version's verdict, when the versions were tried one by one.
    #[serde(skip_serializing_if = "Option::is_none")]
    server_tls_versions: Option<BTreeMap<&'static str, &'static str>>,
}

pub(crate) fn json<'a>(
    plan: &'a Plan,
    done: &'a [Done],
    order: &[usize],
    judgement: &'a Judgement,
    lang: Lang,
) -> ProbeJson<'a> {
    let first = order.first().map(|&i| &done[i]);
    let report = first.map(|d| &d.report);
    let ok = plan.preflight.is_empty() && !done.is_empty() && done.iter().all(|d| d.report.is_ok());
    let tls = report.and_then(|r| r.tls.as_ref());
    // What was negotiated counts only when TLS carried the connection.
    let negotiated = tls.filter(|_| report.is_some_and(|r| r.tls_in_use));
    let now = now_epoch();
    let chain: Vec<CertJson> = tls
        .map(|t| {
            t.peer_chain_x509()
                .iter()
                .map(|c| CertJson::of(&describe(c, now)))
                .collect()
        })
        .unwrap_or_default();
    let (auth_method, version) = match report.map(|r| &r.outcome) {
        Some(Outcome::Ok {
            auth_method,
            server_version_num,
        }) => (Some(auth_method.name()), Some(*server_version_num)),
        _ => (None, None),
    };
    ProbeJson {
        client: if plan.kong.is_some() { "kong" } else { "libpq" },
        target: &plan.target,
        ok,
        steps: report.map(steps_json).unwrap_or_default(),
        client_line: first
            .and_then(|d| d.client_line.as_deref())
            .or(plan.preflight_line.as_deref()),
        tls_version: negotiated.and_then(|t| t.version.as_deref()),
        cipher: negotiated.and_then(|t| t.cipher.as_deref()),
        chain,
        client_certificate_requested: tls.map(|t| t.certificate_request),
        client_ca_names: tls.and_then(|t| {
            t.client_ca_names
                .as_ref()
                .map(|n| n.iter().map(|x| x.text.as_str()).collect())
        }),
        auth_method,
        server_version_num: version,
        server_major: done.iter().find_map(|d| d.report.server_major()),
        alpn: negotiated.and_then(|t| t.alpn.as_deref()),
        elapsed_ms: report.map(|r| millis(r.elapsed(), 10.0)),
        settings: plan
            .settings
            .iter()
            .map(|(key, value, origin)| SettingJson { key, value, origin })
            .collect(),
        notes: judgement.notes.iter().map(|n| n.get(lang)).collect(),
        findings: FindingJson::all(&judgement.findings, lang),
        unexplained: judgement.unexplained.as_ref().map(|m| m.get(lang)),
        answered_by: first.and_then(|d| d.identity.kind).map(|k| k.as_str()),
        answered_by_signs: first
            .map(|d| d.identity.signs.iter().map(|s| s.text.as_str()).collect())
            .unwrap_or_default(),
        kong: plan.kong.as_ref().map(|k| KongJson {
            edition: k.edition.as_str(),
            shown_first: k.shape_first.label(),
            paths: order.iter().map(|&i| PathJson::of(&done[i])).collect(),
        }),
        server_tls_versions: done
            .iter()
            .find_map(|d| d.versions.as_ref())
            .map(|versions| {
                versions
                    .iter()
                    .map(|p| (p.version.report_name(), p.status.name()))
                    .collect()
            }),
    }
}

/// Who answered, with the signs: through a pooler the failure is on one
/// of two connections, and the reader needs to know which.
fn answered_by(d: &Done, lang: Lang, style: &Style) -> String {
    let signs: Vec<&str> = d.identity.signs.iter().map(|s| s.text.as_str()).collect();
    let (en, ja) = match d.identity.kind {
        Some(ServerKind::Pgbouncer) => (
            "answered by: pgbouncer (a pooler in front of PostgreSQL: two legs, client ↔ pgbouncer and pgbouncer ↔ PostgreSQL)",
            "応答したもの: pgbouncer (PostgreSQL の前のプーラー: クライアント ↔ pgbouncer と pgbouncer ↔ PostgreSQL の 2 区間)",
        ),
        Some(ServerKind::PostgreSql) => ("answered by: PostgreSQL", "応答したもの: PostgreSQL"),
        None => return String::new(),
    };
    let mut out = format!("{}\n", style.bold(&t(lang, en, ja)));
    for s in signs {
        out.push_str(&format!("  {}\n", style.dim(&format!("· {s}"))));
    }
    out
}

fn verdict_line(d: &Done, lang: Lang, style: &Style) -> String {
    let elapsed = ms(d.report.elapsed());
    match &d.report.outcome {
        Outcome::Ok {
            auth_method,
            server_version_num,
        } => {
            let tls = d.report.tls.as_ref().filter(|_| d.report.tls_in_use);
            let how = match tls {
                Some(t) => format!(
                    "{} · {}",
                    t.version.clone().unwrap_or_default(),
                    t.cipher.clone().unwrap_or_default()
                ),
                None => t(lang, "WITHOUT TLS", "TLS なし"),
            };
            let alpn = tls
                .and_then(|t| t.alpn.as_ref())
                .map(|a| format!(" · ALPN {a}"))
                .unwrap_or_default();
            let major = server_version_num / 10_000;
            style.green(&t(
                lang,
                &format!("✓ connected: {how}{alpn} · auth {} · PostgreSQL {major} (server_version_num {server_version_num}) · {elapsed}", auth_method.name()),
                &format!("✓ 接続成功: {how}{alpn} · 認証 {} · PostgreSQL {major} (server_version_num {server_version_num}) · {elapsed}", auth_method.name()),
            ))
        }
        Outcome::Failed { step, .. } => style.red(&t(
            lang,
            &format!("✗ failed at {} after {elapsed}", step.name()),
            &format!("✗ {} で失敗 ({elapsed})", step.name()),
        )),
        Outcome::TlsEstablished => String::new(),
    }
}

fn same_exchange(a: &ProbeReport, b: &ProbeReport) -> bool {
    let shape = |r: &ProbeReport| -> Vec<(u8, &'static str, bool, Vec<String>)> {
        r.steps
            .iter()
            .map(|s| {
                (
                    s.connection,
                    s.name.name(),
                    s.ok,
                    s.transcript
                        .iter()
                        .filter(|(_, t)| {
                            !t.starts_with("ParameterStatus") && !t.starts_with("connect")
                        })
                        .map(|(_, t)| t.clone())
                        .collect(),
                )
            })
            .collect()
    };
    shape(a) == shape(b)
}

pub(crate) fn text(
    plan: &Plan,
    done: &[Done],
    order: &[usize],
    judgement: &Judgement,
    lang: Lang,
    style: &Style,
) -> String {
    let mut out = String::new();
    let user = plan
        .settings
        .iter()
        .find(|(k, _, _)| k == "pg_user" || k == "user")
        .map(|(_, v, _)| v.clone())
        .unwrap_or_default();
    let db = plan
        .settings
        .iter()
        .find(|(k, _, _)| k == "pg_database" || k == "dbname")
        .map(|(_, v, _)| v.clone())
        .unwrap_or_default();
    let who = match &plan.kong {
        Some(k) => {
            let edition = match (k.edition, lang) {
                (KongEdition::OpenSource, Lang::En) => "open-source",
                (KongEdition::Enterprise, Lang::En) => "Enterprise",
                (KongEdition::OpenSource, Lang::Ja) => "オープンソース版",
                (KongEdition::Enterprise, Lang::Ja) => "Enterprise 版",
            };
            let why = if k.edition_from_flag {
                t(lang, "--kong-edition", "--kong-edition による")
            } else if k.edition == KongEdition::Enterprise {
                t(
                    lang,
                    "an Enterprise-only option is set",
                    "Enterprise 専用のオプションが設定されています",
                )
            } else {
                t(
                    lang,
                    "no Enterprise-only option is set",
                    "Enterprise 専用のオプションはありません",
                )
            };
            let file = k
                .conf_file
                .clone()
                .unwrap_or_else(|| t(lang, "defaults + KONG_* variables", "既定値 + KONG_* 変数"));
            t(
                lang,
                &format!("Kong ({edition} edition: {why}) from {file}"),
                &format!("Kong ({edition}: {why}) 設定 {file}"),
            )
        }
        None => "libpq (psql)".to_string(),
    };
    out.push_str(&format!(
        "{} {who} → {} ({} {user}, {} {db})\n",
        style.bold("pgtls probe"),
        style.bold(&plan.target),
        t(lang, "user", "ユーザー"),
        t(lang, "database", "データベース"),
    ));
    let shown: Vec<String> = plan
        .settings
        .iter()
        .map(|(k, v, o)| {
            let v = if v.is_empty() { "-" } else { v.as_str() };
            format!("{k}={v} {}", style.dim(&format!("({o})")))
        })
        .collect();
    out.push_str(&format!(
        "{} {}\n",
        style.dim(&t(lang, "settings:", "設定:")),
        shown.join(" · ")
    ));

    if let Some(d) = order.first().map(|&i| &done[i]) {
        out.push_str(&answered_by(d, lang, style));
    }

    if !plan.preflight.is_empty() {
        out.push('\n');
        out.push_str(&style.red(&t(
            lang,
            "✗ the client stops before connecting",
            "✗ クライアントは接続する前に止まります",
        )));
        out.push('\n');
        if let Some(line) = &plan.preflight_line {
            out.push_str(&format!("    {line}\n"));
        }
    }

    let mut shown_ladder: Option<&ProbeReport> = None;
    for &i in order {
        let d = &done[i];
        out.push('\n');
        out.push_str(&format!(
            "{} {}\n",
            style.bold(&format!("── {}", path_title(d, lang))),
            verdict_line(d, lang, style)
        ));
        let repeat = shown_ladder.is_some_and(|prev| same_exchange(prev, &d.report));
        if repeat {
            out.push_str(&format!(
                "  {}\n",
                style.dim(&t(
                    lang,
                    "(the same exchange as above)",
                    "(上と同じやり取り)"
                ))
            ));
        } else {
            out.push_str(&ladder(&d.report, lang, style));
            shown_ladder = Some(&d.report);
        }
        if let Some(line) = &d.client_line {
            let who = match d.kind {
                ClientKind::KongCosocket => t(
                    lang,
                    "Kong prints (cosocket shape)",
                    "Kong の出力 (cosocket 形式)",
                ),
                ClientKind::KongLuaSec => t(
                    lang,
                    "Kong prints (LuaSec shape; Kong CLI before 3.5)",
                    "Kong の出力 (LuaSec 形式、3.5 より前の Kong CLI)",
                ),
                ClientKind::Libpq => t(lang, "psql prints", "psql の出力"),
            };
            out.push_str(&format!("  {who}:\n"));
            for l in line.lines() {
                out.push_str(&format!("    {}\n", style.yellow(l)));
            }
        }
        for (label, line) in &d.extra_lines {
            out.push_str(&format!(
                "  {}:\n    {}\n",
                label.get(lang),
                style.yellow(line)
            ));
        }
    }

    // The chain and the certificate request, once.
    if let Some(d) = order.iter().map(|&i| &done[i]).find(|d| {
        d.report
            .tls
            .as_ref()
            .is_some_and(|t| !t.peer_chain.is_empty())
    }) {
        let tls = d.report.tls.as_ref();
        if let Some(tls) = tls {
            out.push('\n');
            out.push_str(&format!(
                "{}\n",
                style.bold(&t(
                    lang,
                    "server chain (as sent, leaf first):",
                    "サーバーの証明書チェーン (送られた順、リーフが先頭):"
                ))
            ));
            out.push_str(&chain_tree(
                &tls.peer_chain_x509(),
                anchors_of(plan, d),
                lang,
                style,
            ));
            if !tls.handshake_completed && !tls.certificate_request {
                // The handshake stopped before the request could arrive.
            } else if tls.certificate_request {
                let names: Vec<&str> = tls
                    .client_ca_names
                    .as_ref()
                    .map(|n| n.iter().map(|x| x.text.as_str()).collect())
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{} {}\n",
                    t(
                        lang,
                        "the server asks for a client certificate; it accepts certificates from:",
                        "サーバーはクライアント証明書を要求します。受け付ける発行者:"
                    ),
                    if names.is_empty() {
                        "-".to_string()
                    } else {
                        names.join("; ")
                    }
                ));
                let sent = tls.client_certificates_sent.unwrap_or(0);
                out.push_str(&format!(
                    "{}\n",
                    t(
                        lang,
                        &format!("the client sent {sent} certificate(s)"),
                        &format!("クライアントが送った証明書: {sent} 枚"),
                    )
                ));
            } else {
                out.push_str(&format!(
                    "{}\n",
                    t(
                        lang,
                        "the server does not ask for a client certificate",
                        "サーバーはクライアント証明書を要求しません"
                    )
                ));
            }
        }
    }

    if !judgement.notes.is_empty() {
        out.push('\n');
        out.push_str(&format!("{}\n", style.bold(&t(lang, "notes:", "補足:"))));
        for n in &judgement.notes {
            out.push_str(&format!("  - {}\n", n.get(lang)));
        }
    }
    let (warnings, errors): (Vec<_>, Vec<_>) = judgement
        .findings
        .iter()
        .partition(|f| f.diagnosis.severity != Severity::Error);
    for f in warnings.into_iter().chain(errors) {
        out.push('\n');
        out.push_str(&finding_text(f, lang, style));
    }
    if let Some(m) = &judgement.unexplained {
        out.push('\n');
        out.push_str(&style.red(&format!("✗ {}", m.get(lang))));
        out.push('\n');
    }
    out
}
