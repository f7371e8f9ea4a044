//! `pgtls scan`: a server's TLS posture without credentials, for one target
//! or a fleet. Each target gets one handshake per TLS version (the accepted
//! ones also show the chain and the certificate request); targets run
//! concurrently, and one target's failure is that target's finding.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;
use pgtls_catalogue::{Lang, Severity};
use pgtls_diagnose::certinfo::now_epoch;
use pgtls_diagnose::scan_rules::{
    judge, ClientView, NoTls, ScanObservation, ScanVerdict, VersionOutcome,
};
use pgtls_model::VersionVerdict;
use pgtls_probe::{
    check_host_name, versions_accepted, FailureKind, HostCheck, Outcome, ProbeConfig, VersionProbe,
    VersionStatus,
};
use pgtls_render::json::to_line;
use pgtls_render::{finding_text, CertJson, FindingJson, Style};
use serde::Serialize;
use serde_json::Value;

use crate::cli::{Format, GlobalArgs};
use crate::client_env::{kong_env, load_kong};
use crate::output::{lang, print, print_text, style, t};
use crate::trust::{issuer_candidates, load_kong_trust, load_pem_file};

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Targets: host, host:port, [v6]:port or postgres:// URIs (port 5432 by default).
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// A file of targets, one per line; `#` starts a comment.
    #[arg(long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,
    /// How many targets to scan at once.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,
    /// Seconds allowed for each network step.
    #[arg(long, default_value_t = 5.0)]
    pub timeout: f64,
    /// Warn when a certificate expires within this many days.
    #[arg(long, default_value_t = 30)]
    pub warn_days: i64,
    /// Check the chain against this trust store (PEM), as a client would.
    #[arg(long, value_name = "FILE")]
    pub trust: Option<PathBuf>,
    /// The verify depth to use with --trust (OpenSSL's, as lua_ssl_verify_depth).
    #[arg(long, value_name = "N", requires = "trust")]
    pub verify_depth: Option<u32>,
    /// Judge the server as Kong would: trust store, depth and protocols from kong.conf (and KONG_* variables).
    #[arg(long, value_name = "FILE")]
    pub kong_conf: Option<PathBuf>,
    /// Which Kong version's defaults to assume: 2.8 or 3.0 to 3.9 (a release such as 3.4.2 counts as 3.4; default: the newest).
    #[arg(long, value_name = "X.Y", value_parser = crate::cli::kong_version)]
    pub kong_version: Option<&'static pgtls_config::kong::KongDefaults>,
    /// One JSON object per target, as each finishes (for pipelines; the
    /// same as `--format jsonl`).
    #[arg(long)]
    pub jsonl: bool,
    /// Also try one direct TLS handshake (ALPN `postgresql`, as libpq 17's
    /// sslnegotiation=direct) to tell whether the server is PostgreSQL 17
    /// or later. A server before 17 logs `invalid length of startup packet`
    /// for it, hence off by default.
    #[arg(long)]
    pub server_version: bool,
}

/// A place to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub display: String,
    pub host: String,
    pub port: u16,
}

/// Parses `host`, `host:port`, `[v6]`, `[v6]:port`, a bare IPv6 address, or
/// a `postgres://` / `postgresql://` URI.
pub fn parse_target(text: &str) -> Result<Target, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty target".into());
    }
    let authority = match text
        .strip_prefix("postgres://")
        .or_else(|| text.strip_prefix("postgresql://"))
    {
        Some(rest) => {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            let auth = &rest[..end];
            let host_part = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
            if host_part.contains(',') {
                return Err(format!(
                    "{text}: several hosts in one URI; give each as its own target"
                ));
            }
            host_part
        }
        None => text,
    };
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err(format!("{text}: missing ] after the IPv6 address"));
        };
        match after.strip_prefix(':') {
            Some(port) => (host.to_string(), Some(port)),
            None if after.is_empty() => (host.to_string(), None),
            None => return Err(format!("{text}: unexpected text after ]")),
        }
    } else if authority.matches(':').count() > 1 {
        (authority.to_string(), None)
    } else if let Some((host, port)) = authority.rsplit_once(':') {
        (host.to_string(), Some(port))
    } else {
        (authority.to_string(), None)
    };
    if host.is_empty() {
        return Err(format!("{text}: no host"));
    }
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{text}: invalid port {p:?}"))?,
        None => 5432,
    };
    let display = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    Ok(Target {
        display,
        host,
        port,
    })
}

fn read_targets(args: &ScanArgs) -> anyhow::Result<Vec<Target>> {
    let mut raw: Vec<String> = args.targets.clone();
    if let Some(path) = &args.targets_file {
        let text = pgtls_config::read_limited(path, pgtls_config::MAX_INPUT_FILE)
            .with_context(|| format!("cannot read targets file {}", path.display()))?;
        for line in String::from_utf8_lossy(&text).lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                raw.push(line.to_string());
            }
        }
    }
    if raw.is_empty() {
        anyhow::bail!("no targets: give host[:port] arguments or --targets-file FILE");
    }
    raw.iter()
        .map(|t| parse_target(t).map_err(|e| anyhow::anyhow!("bad target {e}")))
        .collect()
}

pub(crate) fn client_views(args: &ScanArgs) -> anyhow::Result<Vec<ClientView>> {
    let mut views = Vec::new();
    if let Some(path) = &args.trust {
        views.push(ClientView {
            name: format!("the trust store {}", path.display()),
            anchors: load_pem_file(path)?,
            depth: args.verify_depth,
            versions: None,
            kong: false,
            trust_setting: format!("{} (sslrootcert)", path.display()),
            depth_setting: Some("--verify-depth".into()),
            versions_setting: None,
            issuer_candidates: issuer_candidates(&[path.display().to_string()]),
        });
    }
    if let Some(path) = &args.kong_conf {
        // scan judges the cosocket path: the Kong CLI's, the first to connect.
        let kong = load_kong(Some(path), &kong_env(), None, args.kong_version)?;
        let (anchors, files) = load_kong_trust(&kong)?;
        let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let versions = kong.cosocket.versions.clone();
        views.push(ClientView {
            name: "Kong".into(),
            anchors,
            depth: kong.cosocket.depth.as_ref().map(|d| d.value),
            versions: Some(versions),
            kong: true,
            trust_setting: "lua_ssl_trusted_certificate".into(),
            depth_setting: Some("lua_ssl_verify_depth".into()),
            versions_setting: Some("lua_ssl_protocols".into()),
            issuer_candidates: issuer_candidates(&files),
        });
    }
    Ok(views)
}

/// What stopped every version's handshake, when none got as far as TLS.
fn no_tls(probes: &[VersionProbe]) -> Option<NoTls> {
    if probes.iter().any(|p| {
        matches!(
            p.status,
            VersionStatus::Accepted | VersionStatus::Rejected { .. }
        )
    }) {
        return None;
    }
    let report = probes.iter().find_map(|p| p.report.as_ref())?;
    match &report.outcome {
        Outcome::Failed {
            kind: FailureKind::ServerRefusedTls,
            ..
        } => Some(NoTls::SslOff),
        Outcome::Failed {
            kind: kind @ FailureKind::Unreachable { .. },
            ..
        } => Some(NoTls::Unreachable(kind.to_string())),
        Outcome::Failed { step, kind } => Some(NoTls::Broken(format!("{}: {kind}", step.name()))),
        _ => None,
    }
}

/// Who answers at a reachable target: the same connection a probe makes
/// to tell pgbouncer from PostgreSQL, without credentials.
fn identify_target(
    target: &Target,
    obs: &ScanObservation,
    timeout: Duration,
) -> Option<pgtls_probe::Identity> {
    if matches!(obs.no_tls, Some(NoTls::Unreachable(_))) {
        return None;
    }
    let mut cfg = ProbeConfig::handshake_only(&target.host, target.port);
    cfg.timeout = timeout;
    pgtls_probe::identify(&cfg).ok()
}

fn answered_by_name(s: &Scanned) -> Option<&'static str> {
    s.answered_by
        .as_ref()
        .and_then(|i| i.kind)
        .map(|k| k.as_str())
}

fn observe(target: &Target, timeout: Duration) -> ScanObservation {
    observe_probes(
        target,
        &versions_accepted(&target.host, target.port, timeout),
    )
}

/// The observation from one handshake per version, already made.
pub(crate) fn observe_probes(target: &Target, probes: &[VersionProbe]) -> ScanObservation {
    let versions: Vec<VersionOutcome> = probes
        .iter()
        .map(|p| VersionOutcome {
            version: p.version,
            status: p.status.verdict(),
            cipher: match p.status {
                VersionStatus::Accepted => p
                    .report
                    .as_ref()
                    .and_then(|r| r.tls.as_ref())
                    .and_then(|t| t.cipher.clone()),
                _ => None,
            },
            reason: match &p.status {
                VersionStatus::Rejected { reason }
                | VersionStatus::NotTested { reason }
                | VersionStatus::Inconclusive { reason } => Some(reason.clone()),
                VersionStatus::Accepted => None,
            },
        })
        .collect();
    // The newest accepted version shows the chain as modern clients see it.
    let best = probes
        .iter()
        .rev()
        .filter(|p| p.status == VersionStatus::Accepted)
        .find_map(|p| p.report.as_ref().and_then(|r| r.tls.clone()));
    let chain = best
        .as_ref()
        .map(|t| t.peer_chain_x509())
        .unwrap_or_default();
    let host_matches = chain
        .first()
        .map(|leaf| matches!(check_host_name(leaf, &target.host), HostCheck::Match));
    let issuer_in_system_store = match chain.as_slice() {
        [leaf] if leaf.issued(leaf) != openssl::x509::X509VerifyResult::OK => Some(
            crate::trust::system_anchors()
                .iter()
                .any(|a| a.issued(leaf) == openssl::x509::X509VerifyResult::OK),
        ),
        _ => None,
    };
    ScanObservation {
        target: target.display.clone(),
        host: target.host.clone(),
        no_tls: no_tls(probes),
        versions,
        chain,
        host_matches,
        client_cert_requested: best.as_ref().is_some_and(|t| t.certificate_request),
        client_ca_names: best.as_ref().and_then(|t| {
            t.client_ca_names
                .as_ref()
                .map(|names| names.iter().map(|n| n.text.clone()).collect())
        }),
        issuer_in_system_store,
    }
}

/// What a direct TLS handshake told about the server's major version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DirectTls {
    /// Accepted with ALPN `postgresql`: PostgreSQL 17 or later.
    Accepted,
    /// The connection ended at the ClientHello: before 17 (or something
    /// in front that does not take direct TLS).
    Refused,
}

/// One direct TLS handshake, without credentials: the only way to learn
/// something of the version without logging in.
fn direct_tls(target: &Target, timeout: Duration) -> Option<DirectTls> {
    let mut cfg = pgtls_probe::ProbeConfig::handshake_only(&target.host, target.port);
    cfg.timeout = timeout;
    cfg.direct_tls = true;
    cfg.tls.alpn = Some("postgresql".into());
    let report = pgtls_probe::probe(&cfg).ok()?;
    match &report.outcome {
        Outcome::TlsEstablished
            if report.tls.as_ref().and_then(|t| t.alpn.as_deref()) == Some("postgresql") =>
        {
            Some(DirectTls::Accepted)
        }
        Outcome::Failed {
            step: pgtls_probe::StepName::TlsHandshake,
            kind: FailureKind::Closed | FailureKind::Reset,
        } => Some(DirectTls::Refused),
        _ => None,
    }
}

/// What one direct TLS handshake tells of the server's major version.
#[derive(Serialize)]
#[serde(untagged)]
enum ServerVersionJson {
    AtLeast { at_least: u32, from: &'static str },
    Before { before: u32, from: &'static str },
}

impl ServerVersionJson {
    fn of(d: Option<DirectTls>) -> Option<Self> {
        match d? {
            DirectTls::Accepted => Some(ServerVersionJson::AtLeast {
                at_least: 17,
                from: "direct TLS with ALPN postgresql accepted",
            }),
            DirectTls::Refused => Some(ServerVersionJson::Before {
                before: 17,
                from: "direct TLS refused at the ClientHello",
            }),
        }
    }
}

struct Scanned {
    direct: Option<DirectTls>,
    obs: ScanObservation,
    /// PostgreSQL or pgbouncer, from one credential-less refusal.
    answered_by: Option<pgtls_probe::Identity>,
    verdict: ScanVerdict,
    elapsed: Duration,
}

/// product.md's scan target.
#[derive(Serialize)]
struct TargetJson<'a> {
    target: &'a str,
    verdict: &'static str,
    answered_by: Option<&'static str>,
    answered_by_signs: Vec<&'a str>,
    /// `"TLSv1.2"` to `accepted`, `rejected` or `not_tested`.
    tls_versions: BTreeMap<&'static str, &'static str>,
    /// The cipher each accepted version settled on.
    ciphers: BTreeMap<&'static str, &'a str>,
    chain: Vec<CertJson>,
    server_version: Option<ServerVersionJson>,
    client_certificate_requested: bool,
    /// Null when the server does not ask for a client certificate.
    client_ca_names: Option<&'a [String]>,
    elapsed_ms: u64,
    findings: Vec<FindingJson<'a>>,
}

impl<'a> TargetJson<'a> {
    fn of(s: &'a Scanned, lang: Lang) -> Self {
        let versions = s
            .obs
            .versions
            .iter()
            .map(|v| (v.version.report_name(), v.status.as_str()))
            .collect();
        let ciphers = s
            .obs
            .versions
            .iter()
            .filter_map(|v| Some((v.version.report_name(), v.cipher.as_deref()?)))
            .collect();
        TargetJson {
            target: &s.obs.target,
            verdict: Health::of(&s.verdict).as_str(),
            answered_by: answered_by_name(s),
            answered_by_signs: s
                .answered_by
                .as_ref()
                .map(|i| i.signs.iter().map(|x| x.text.as_str()).collect())
                .unwrap_or_default(),
            tls_versions: versions,
            ciphers,
            chain: s.verdict.chain.iter().map(CertJson::detailed).collect(),
            server_version: ServerVersionJson::of(s.direct),
            client_certificate_requested: s.obs.client_cert_requested,
            client_ca_names: s
                .obs
                .client_cert_requested
                .then(|| s.obs.client_ca_names.as_deref().unwrap_or_default()),
            elapsed_ms: s.elapsed.as_millis() as u64,
            findings: FindingJson::all(&s.verdict.findings, lang),
        }
    }
}

/// `scan --format json`: every target, then every target's findings.
#[derive(Serialize)]
struct ScanJson {
    targets: Vec<Value>,
    findings: Vec<Value>,
}

/// A target's health: its worst finding's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Ok,
    Warning,
    Error,
}

impl Health {
    fn of(v: &ScanVerdict) -> Health {
        let worst = v.findings.iter().map(|f| f.diagnosis.severity).min();
        match worst {
            Some(Severity::Error) => Health::Error,
            Some(Severity::Warning) => Health::Warning,
            _ => Health::Ok,
        }
    }

    /// `ok`, `warning`, `error`, as the JSON spells it.
    fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Warning => "warning",
            Health::Error => "error",
        }
    }

    /// The word in the report's language.
    fn text(self, lang: Lang) -> &'static str {
        match self {
            Health::Ok => t(lang, "ok", "正常"),
            Health::Warning => t(lang, "warning", "警告"),
            Health::Error => t(lang, "error", "エラー"),
        }
    }
}

/// A version's verdict in the report's language.
fn verdict_text(v: VersionVerdict, lang: Lang) -> &'static str {
    match v {
        VersionVerdict::Accepted => t(lang, "accepted", "受け付け"),
        VersionVerdict::Rejected => t(lang, "rejected", "拒否"),
        VersionVerdict::NotTested => t(lang, "not tested", "未テスト"),
    }
}

fn target_text(s: &Scanned, lang: Lang, style: &Style) -> String {
    let mut out = format!("{}  ", style.bold(&s.obs.target));
    let health = Health::of(&s.verdict);
    let shown = health.text(lang);
    out.push_str(&match health {
        Health::Error => style.red(shown),
        Health::Warning => style.yellow(shown),
        Health::Ok => style.green(shown),
    });
    out.push_str(&format!("  ({} ms)\n", s.elapsed.as_millis()));
    if answered_by_name(s) == Some("pgbouncer") {
        out.push_str(&format!(
            "  {}\n",
            t(
                lang,
                "answered by pgbouncer: the TLS below is its client_tls_* (client ↔ pgbouncer), not PostgreSQL's",
                "応答したのは pgbouncer です: 以下の TLS は PostgreSQL ではなく pgbouncer の client_tls_* (クライアント ↔ pgbouncer) です",
            )
        ));
    }
    match (s.direct, lang) {
        (Some(DirectTls::Accepted), Lang::En) => out.push_str(
            "  server: PostgreSQL 17 or later (it accepted direct TLS with ALPN postgresql)\n",
        ),
        (Some(DirectTls::Accepted), Lang::Ja) => out.push_str(
            "  サーバー: PostgreSQL 17 以降 (ALPN postgresql の直接 TLS を受け付けました)\n",
        ),
        (Some(DirectTls::Refused), Lang::En) => out.push_str(
            "  server: before PostgreSQL 17, or behind something that does not take direct TLS (it hung up on a direct TLS ClientHello)\n",
        ),
        (Some(DirectTls::Refused), Lang::Ja) => out.push_str(
            "  サーバー: PostgreSQL 17 より前、または直接 TLS を受け付けない何かの後ろにあります (直接 TLS の ClientHello で切断しました)\n",
        ),
        (None, _) => {}
    }
    if s.obs.no_tls.is_none() {
        let parts: Vec<String> = s
            .obs
            .versions
            .iter()
            .map(|v| match &v.cipher {
                Some(c) => format!(
                    "{} {} ({c})",
                    v.version.report_name(),
                    verdict_text(v.status, lang)
                ),
                None => format!(
                    "{} {}",
                    v.version.report_name(),
                    verdict_text(v.status, lang)
                ),
            })
            .collect();
        out.push_str(&format!("  {}\n", parts.join(" · ")));
    }
    if !s.verdict.chain.is_empty() {
        out.push_str(&format!(
            "  {}:\n",
            if lang == Lang::Ja {
                "証明書チェーン"
            } else {
                "chain"
            }
        ));
        for (i, c) in s.verdict.chain.iter().enumerate() {
            let indent = "  ".repeat(i);
            let expiry = match (c.days_left, lang) {
                (None, Lang::En) => style.yellow("could not read the expiry date"),
                (None, Lang::Ja) => style.yellow("有効期限の日付を読み取れません"),
                (Some(d), Lang::En) if d < 0 => style.red(&format!(
                    "expired {} ({} days ago)",
                    c.not_after,
                    c.days_ago()
                )),
                (Some(d), Lang::Ja) if d < 0 => style.red(&format!(
                    "{} に期限切れ ({} 日前)",
                    c.not_after,
                    c.days_ago()
                )),
                (Some(d), Lang::En) => format!("expires {} ({d} days)", c.not_after),
                (Some(d), Lang::Ja) => format!("有効期限 {} (残り {d} 日)", c.not_after),
            };
            out.push_str(&format!(
                "    {indent}{}{}\n",
                if i == 0 { "" } else { "└ " },
                c.subject
            ));
            out.push_str(&format!(
                "    {indent}  {} {} · {} · {} · {expiry}\n",
                t(lang, "issuer", "発行者"),
                c.issuer,
                c.key,
                c.signature
            ));
            if !c.sans.is_empty() {
                out.push_str(&format!("    {indent}  SAN {}\n", c.sans.join(", ")));
            }
        }
    }
    if s.obs.client_cert_requested {
        let names = s.obs.client_ca_names.clone().unwrap_or_default();
        let label = if lang == Lang::Ja {
            "クライアント証明書を要求; 受け付ける CA"
        } else {
            "asks for a client certificate; accepted CAs"
        };
        out.push_str(&format!(
            "  {label}: {}\n",
            if names.is_empty() {
                "-".into()
            } else {
                names.join("; ")
            }
        ));
    } else if s.obs.no_tls.is_none() {
        let label = if lang == Lang::Ja {
            "クライアント証明書を要求しません"
        } else {
            "does not ask for a client certificate"
        };
        out.push_str(&format!("  {label}\n"));
    }
    for f in &s.verdict.findings {
        out.push('\n');
        for line in finding_text(f, lang, style).lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// What the summary table keeps of a target once its own output is rendered.
struct Row {
    target: String,
    verdict: Health,
    earliest_expiry: Option<i64>,
    expiry: String,
    codes: String,
}

impl Row {
    fn of(s: &Scanned) -> Row {
        Row {
            target: s.obs.target.clone(),
            verdict: Health::of(&s.verdict),
            earliest_expiry: s.verdict.earliest_expiry,
            expiry: s
                .verdict
                .chain
                .iter()
                .filter_map(|c| Some((c.not_after_epoch?, c)))
                .min_by_key(|(epoch, _)| *epoch)
                .and_then(|(_, c)| Some(format!("{} ({}d)", c.not_after.get(..10)?, c.days_left?)))
                .unwrap_or_else(|| "-".into()),
            codes: s
                .verdict
                .findings
                .iter()
                .map(|f| f.code())
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

fn summary_text(done: &[Row], lang: Lang) -> String {
    let mut rows: Vec<&Row> = done.iter().collect();
    rows.sort_by_key(|r| (r.earliest_expiry.unwrap_or(i64::MAX), r.target.clone()));
    let count = |h: Health| done.iter().filter(|r| r.verdict == h).count();
    let mut out = if lang == Lang::Ja {
        format!(
            "概要: {} 対象 — エラー {}、警告 {}、正常 {}\n",
            done.len(),
            count(Health::Error),
            count(Health::Warning),
            count(Health::Ok)
        )
    } else {
        format!(
            "summary: {} targets — {} error, {} warning, {} ok\n",
            done.len(),
            count(Health::Error),
            count(Health::Warning),
            count(Health::Ok)
        )
    };
    let width = rows
        .iter()
        .map(|r| r.target.len())
        .max()
        .unwrap_or(6)
        .max(6);
    out.push_str(&format!(
        "{:<width$}  {:<7}  {:<20}  {}\n",
        t(lang, "target", "対象"),
        t(lang, "verdict", "判定"),
        t(lang, "earliest expiry", "最も早い有効期限"),
        t(lang, "findings", "検出")
    ));
    for r in rows {
        out.push_str(&format!(
            "{:<width$}  {:<7}  {:<20}  {}\n",
            r.target,
            r.verdict.text(lang),
            r.expiry,
            r.codes
        ));
    }
    out
}

pub fn run(global: &GlobalArgs, args: &ScanArgs) -> anyhow::Result<u8> {
    let lang = lang(global);
    let style = style();
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        anyhow::bail!("--timeout must be between 0 and 3600 seconds");
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let targets = read_targets(args)?;
    let views = client_views(args)?;
    let now = now_epoch();

    let progress = std::io::stderr().is_terminal() && !args.jsonl && targets.len() > 1;
    let next = AtomicUsize::new(0);
    let workers = (args.concurrency as usize).min(targets.len()).max(1);
    let (tx, rx) = mpsc::channel::<(usize, Scanned)>();
    // Each target is rendered as it arrives and only its output is kept, so
    // memory follows the size of the output, not of the scan state.
    let mut rendered: Vec<Option<String>> = (0..targets.len()).map(|_| None).collect();
    let mut documents: Vec<Option<Value>> = (0..targets.len()).map(|_| None).collect();
    let mut all_findings: Vec<Option<Vec<Value>>> = (0..targets.len()).map(|_| None).collect();
    let mut rows: Vec<Row> = Vec::new();
    let mut errors = false;

    std::thread::scope(|scope| -> anyhow::Result<()> {
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            let targets = &targets;
            let views = &views;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(target) = targets.get(i) else { break };
                let started = Instant::now();
                let mut obs = observe(target, timeout);
                let answered_by = identify_target(target, &obs, timeout);
                let verdict = judge(&obs, views, now, args.warn_days);
                let direct = (args.server_version && obs.no_tls.is_none())
                    .then(|| direct_tls(target, timeout))
                    .flatten();
                // The verdict keeps the chain as text; the parsed
                // certificates are not needed any more, and a fleet's worth
                // of them would make memory grow with the target count.
                obs.chain = Vec::new();
                if tx
                    .send((
                        i,
                        Scanned {
                            direct,
                            obs,
                            answered_by,
                            verdict,
                            elapsed: started.elapsed(),
                        },
                    ))
                    .is_err()
                {
                    break;
                }
            });
        }
        drop(tx);
        let mut finished = 0usize;
        for (i, scanned) in rx {
            finished += 1;
            errors |= Health::of(&scanned.verdict) == Health::Error;
            if args.jsonl {
                print(&to_line(&TargetJson::of(&scanned, lang))?)?;
            } else if global.format == Format::Json {
                documents[i] = Some(serde_json::to_value(TargetJson::of(&scanned, lang))?);
                let findings: Result<Vec<Value>, _> = scanned
                    .verdict
                    .findings
                    .iter()
                    .map(|f| serde_json::to_value(FindingJson::of(f, lang)))
                    .collect();
                all_findings[i] = Some(findings?);
            } else {
                rendered[i] = Some(target_text(&scanned, lang, &style));
                rows.push(Row::of(&scanned));
            }
            if progress {
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r\x1b[2Kscanning {finished}/{} ({})",
                    targets.len(),
                    scanned.obs.target
                );
                let _ = err.flush();
            }
        }
        if progress {
            eprint!("\r\x1b[2K");
        }
        Ok(())
    })?;

    if !args.jsonl {
        match global.format {
            Format::Json => {
                // Written as declared (targets first), each part with its
                // keys sorted, on one line: as scan has always printed it.
                print(&serde_json::to_string(&ScanJson {
                    targets: documents.into_iter().flatten().collect(),
                    findings: all_findings.into_iter().flatten().flatten().collect(),
                })?)?;
            }
            Format::Text => {
                let mut text = String::new();
                for t in rendered.into_iter().flatten() {
                    text.push_str(&t);
                    text.push('\n');
                }
                if rows.len() > 1 {
                    text.push_str(&summary_text(&rows, lang));
                }
                print_text(&text)?;
            }
        }
    }
    Ok(if errors { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_forms() {
        let t = parse_target("db.example.com").expect("host");
        assert_eq!((t.host.as_str(), t.port), ("db.example.com", 5432));
        let t = parse_target("127.0.0.1:6432").expect("host:port");
        assert_eq!(
            (t.host.as_str(), t.port, t.display.as_str()),
            ("127.0.0.1", 6432, "127.0.0.1:6432")
        );
        let t = parse_target("[::1]:5433").expect("v6");
        assert_eq!(
            (t.host.as_str(), t.port, t.display.as_str()),
            ("::1", 5433, "[::1]:5433")
        );
        let t = parse_target("::1").expect("bare v6");
        assert_eq!((t.host.as_str(), t.port), ("::1", 5432));
        let t = parse_target("postgres://kong:secret@db:5999/kong?sslmode=require").expect("uri");
        assert_eq!((t.host.as_str(), t.port), ("db", 5999));
        assert!(!t.display.contains("secret"));
        let t = parse_target("postgresql://[2001:db8::5]/x").expect("uri v6");
        assert_eq!((t.host.as_str(), t.port), ("2001:db8::5", 5432));
    }

    #[test]
    fn bad_targets_are_errors() {
        for bad in [
            "",
            "host:0",
            "host:99999",
            "host:abc",
            "[::1",
            "[::1]x",
            "postgres://a,b/x",
            ":5432",
        ] {
            assert!(parse_target(bad).is_err(), "{bad:?}");
        }
    }
}
