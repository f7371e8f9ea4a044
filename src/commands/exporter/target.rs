//! One `/probe` request's work: the scan of a target (one handshake per TLS
//! version, the chain, the certificate request, the scan rules) and, when the
//! module gives Kong's configuration or libpq credentials, the credentialed
//! probe, all inside one deadline. What comes out is plain data for the
//! metrics; nothing here knows about HTTP.
//!
//! The credentialed probe runs in this process with `probe`'s own plans and
//! rules, on a blocking thread: every network step has its own deadline, so
//! the thread ends by itself, and the answer goes out at the scrape's
//! deadline whether or not it has. The module alone decides what the client
//! reads: no `PG*` variable, no `~/.pgpass`, the password from the module's
//! file straight into the one secret type.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use pgtls_config::libpq::ClientEnv;
use pgtls_diagnose::probe_rules::{Setting, SettingOrigin};
use pgtls_probe::Secret;
use zeroize::Zeroizing;

use pgtls_catalogue::{Code, Severity};
use pgtls_diagnose::certinfo::{now_epoch, verify_chain, CertInfo};
use pgtls_diagnose::scan_rules::judge;
use pgtls_model::VersionVerdict;
use pgtls_probe::{
    these_versions_accepted, versions_accepted, TlsVersion, VersionProbe, VersionStatus,
};

use super::config::{LibpqProbe, Module};
use crate::commands::probe::{execute_with, kong, libpq, KongShapeArg, ProbeArgs};
use crate::commands::scan::{observe_probes, Target};

/// Everything one probe found, for the metrics.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// No finding of severity error and every connection made (pgtls's exit status 0).
    pub success: bool,
    pub duration: Duration,
    /// Versions with a verdict, oldest first: (`TLSv1.2`, accepted).
    pub versions: Vec<(&'static str, bool)>,
    /// The chain as sent, leaf first.
    pub chain: Vec<CertInfo>,
    /// When the chain's expiry was measured (epoch seconds).
    pub now: i64,
    /// None when no handshake completed.
    pub client_cert_requested: Option<bool>,
    /// None when the module names no trust store or there is no chain.
    pub chain_verified: Option<bool>,
    /// Seconds per step, in the order taken.
    pub steps: Vec<(String, f64)>,
    /// Each code present, with its severity.
    pub findings: BTreeMap<Code, Severity>,
    /// The credentialed probes' outcomes: (`kong` / `libpq`, connected).
    pub clients: Vec<(&'static str, bool)>,
    /// How old the TLS 1.0/1.1 verdicts are (zero: tried in this scrape).
    pub legacy_age: Option<Duration>,
}

impl Report {
    /// A code seen by several probes keeps its gravest severity.
    fn add_finding(&mut self, code: Code, severity: Severity) {
        let entry = self.findings.entry(code).or_insert(severity);
        *entry = (*entry).min(severity);
    }

    fn add_step(&mut self, name: &str, seconds: f64) {
        match self.steps.iter_mut().find(|(n, _)| n == name) {
            Some((_, s)) => *s += seconds,
            None => self.steps.push((name.to_string(), seconds)),
        }
    }
}

/// The handshake whose steps best describe the target: the newest accepted
/// version, else the first that got anywhere.
fn timed_probe(probes: &[VersionProbe]) -> Option<&VersionProbe> {
    probes
        .iter()
        .rev()
        .find(|p| p.status == VersionStatus::Accepted && p.report.is_some())
        .or_else(|| {
            probes
                .iter()
                .find(|p| p.report.as_ref().is_some_and(|r| !r.steps.is_empty()))
        })
}

/// A target's TLS 1.0/1.1 verdicts and when they were made.
type LegacyVerdicts = (Instant, Vec<VersionProbe>);

/// Each target's last TLS 1.0/1.1 verdicts.
#[derive(Default)]
pub struct LegacyCache {
    by_target: std::sync::Mutex<BTreeMap<(String, u16), LegacyVerdicts>>,
}

/// The legacy verdicts still fresh for `target`, with their age.
fn fresh_legacy(
    cache: &LegacyCache,
    target: &Target,
    interval: Duration,
) -> Option<(Duration, Vec<VersionProbe>)> {
    let map = cache.by_target.lock().unwrap_or_else(|p| p.into_inner());
    let (at, probes) = map.get(&(target.host.clone(), target.port))?;
    let age = at.elapsed();
    (age < interval).then(|| (age, probes.clone()))
}

/// The scan of one target with `step_timeout` per network step. TLS 1.0
/// and 1.1 are tried at most once per the module's `legacy_tls_interval`
/// (their refusals fill the server's log); in between their last verdicts
/// are reported with their age.
pub fn scan(
    target: &Target,
    module: &Module,
    step_timeout: Duration,
    cache: &LegacyCache,
) -> Report {
    let started = Instant::now();
    let legacy = [TlsVersion::Tls1_0, TlsVersion::Tls1_1];
    let (probes, legacy_age) = match fresh_legacy(cache, target, module.legacy_tls_interval) {
        Some((age, mut cached)) => {
            cached.extend(these_versions_accepted(
                &target.host,
                target.port,
                step_timeout,
                &[TlsVersion::Tls1_2, TlsVersion::Tls1_3],
            ));
            (cached, age)
        }
        None => {
            let probes = versions_accepted(&target.host, target.port, step_timeout);
            let conclusive: Vec<VersionProbe> = probes
                .iter()
                .filter(|p| {
                    legacy.contains(&p.version)
                        && matches!(
                            p.status,
                            VersionStatus::Accepted | VersionStatus::Rejected { .. }
                        )
                })
                .cloned()
                .collect();
            if conclusive.len() == legacy.len() && !module.legacy_tls_interval.is_zero() {
                cache
                    .by_target
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(
                        (target.host.clone(), target.port),
                        (Instant::now(), conclusive),
                    );
            }
            (probes, Duration::ZERO)
        }
    };
    let obs = observe_probes(target, &probes);
    let now = now_epoch();
    let verdict = judge(&obs, &module.views, now, module.warn_days);

    let mut report = Report {
        now,
        legacy_age: Some(legacy_age),
        ..Report::default()
    };
    for v in &obs.versions {
        match v.status {
            VersionVerdict::Accepted => report.versions.push((v.version.report_name(), true)),
            VersionVerdict::Rejected => report.versions.push((v.version.report_name(), false)),
            VersionVerdict::NotTested => {}
        }
    }
    if obs.no_tls.is_none() && !obs.chain.is_empty() {
        report.client_cert_requested = Some(obs.client_cert_requested);
        if !module.views.is_empty() {
            report.chain_verified = Some(module.views.iter().all(|view| {
                verify_chain(&obs.chain, &view.anchors, view.depth).is_ok_and(|v| v.ok)
            }));
        }
    }
    if let Some(r) = timed_probe(&probes).and_then(|p| p.report.as_ref()) {
        for step in &r.steps {
            report.add_step(step.name.name(), step.elapsed.as_secs_f64());
        }
    }
    report.add_step("scan", started.elapsed().as_secs_f64());
    for f in &verdict.findings {
        report.add_finding(f.diagnosis.id, f.diagnosis.severity);
    }
    report.chain = verdict.chain;
    report
}

/// The finding for a step that ran out of time: the target is as good as
/// unreachable from the scraper's point of view.
pub fn timed_out(report: &mut Report) {
    report.add_finding(Code::Unreachable, Code::Unreachable.diagnosis().severity);
}

/// Which client a credentialed probe models.
#[derive(Debug, Clone)]
pub enum ClientProbe {
    Kong(PathBuf),
    Libpq(LibpqProbe),
}

impl ClientProbe {
    pub fn label(&self) -> &'static str {
        match self {
            ClientProbe::Kong(_) => "kong",
            ClientProbe::Libpq(_) => "libpq",
        }
    }
}

/// The credentialed probes a module asks for.
pub fn client_probes(module: &Module) -> Vec<ClientProbe> {
    let mut out = Vec::new();
    if let Some(conf) = &module.kong_conf {
        out.push(ClientProbe::Kong(conf.clone()));
    }
    if let Some(l) = &module.libpq {
        out.push(ClientProbe::Libpq(l.clone()));
    }
    out
}

/// A libpq `key=value` value, quoted as libpq reads it.
fn conninfo_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

/// The connection string for the libpq probe (never with a password).
pub fn conninfo(target: &Target, l: &LibpqProbe) -> String {
    let mut parts = vec![
        format!("host={}", conninfo_value(&target.host)),
        format!("port={}", target.port),
        format!("user={}", conninfo_value(&l.user)),
        format!("sslmode={}", conninfo_value(&l.sslmode)),
    ];
    if let Some(db) = &l.dbname {
        parts.push(format!("dbname={}", conninfo_value(db)));
    }
    for (key, path) in [
        ("sslrootcert", &l.sslrootcert),
        ("sslcert", &l.sslcert),
        ("sslkey", &l.sslkey),
    ] {
        if let Some(p) = path {
            parts.push(format!("{key}={}", conninfo_value(&path_text(p))));
        }
    }
    parts.join(" ")
}

/// The outcome of one credentialed probe.
#[derive(Debug, Clone)]
pub struct ClientPart {
    pub label: &'static str,
    /// None when the child could not run or did not finish in time.
    pub connected: Option<bool>,
    pub findings: Vec<(Code, Severity)>,
    pub steps: Vec<(String, f64)>,
    /// Wall-clock seconds, child start to end.
    pub elapsed: f64,
    /// Whether the deadline stopped it.
    pub timed_out: bool,
    /// Why there is no verdict (for the exporter's log).
    pub error: Option<String>,
}

/// Reads the first line of a module's password file into a secret; the
/// file's bytes are wiped once copied.
fn read_password_file(path: &Path) -> anyhow::Result<Secret> {
    let bytes = Zeroizing::new(
        pgtls_config::read_limited(path, pgtls_config::MAX_INPUT_FILE)
            .with_context(|| format!("cannot read password_file {}", path.display()))?,
    );
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Ok(Secret::new(line.to_vec()))
}

/// `probe`'s arguments for a module: its step timeout, nothing else set.
fn probe_args(step_timeout: Duration) -> ProbeArgs {
    ProbeArgs {
        conninfo: None,
        kong_conf: None,
        kong: false,
        kong_shape: KongShapeArg::Cosocket,
        kong_edition: None,
        kong_version: None,
        timeout: Some(step_timeout.as_secs_f64().max(0.001)),
        security_level: None,
        password_to_unverified_server: false,
        libpq_version: None,
        pg_version: None,
    }
}

/// One credentialed probe, start to verdict (blocking).
fn probe_client(
    target: &Target,
    client: &ClientProbe,
    step_timeout: Duration,
) -> anyhow::Result<ClientPart> {
    let mut args = probe_args(step_timeout);
    let plan = match client {
        ClientProbe::Kong(conf) => {
            args.kong_conf = Some(conf.clone());
            // Kong dials the target, whatever kong.conf or KONG_* say.
            let mut env: Vec<(String, String)> = crate::client_env::kong_env()
                .into_iter()
                .filter(|(k, _)| {
                    !k.eq_ignore_ascii_case("KONG_PG_HOST")
                        && !k.eq_ignore_ascii_case("KONG_PG_PORT")
                })
                .collect();
            env.push(("KONG_PG_HOST".into(), target.host.clone()));
            env.push(("KONG_PG_PORT".into(), target.port.to_string()));
            kong::plan_with_env(&args, &env)?
        }
        ClientProbe::Libpq(l) => {
            let env = ClientEnv {
                vars: Vec::new(),
                home: None,
                os_user: None,
            };
            let mut plan = libpq::plan_with_env(&args, &conninfo(target, l), &env)?;
            if let Some(path) = &l.password_file {
                let password = read_password_file(path)?;
                for attempt in &mut plan.attempts {
                    attempt.probe.password = Some(password.clone());
                    attempt.client.password = Some(Setting::new(
                        "password",
                        "***",
                        SettingOrigin::File {
                            path: path.display().to_string(),
                            line: 1,
                        },
                    ));
                }
            }
            plan
        }
    };
    let (done, judgement) = execute_with(&plan, false)?;
    let mut steps = Vec::new();
    for d in &done {
        for s in &d.report.steps {
            steps.push((s.name.name().to_string(), s.elapsed.as_secs_f64()));
        }
    }
    Ok(ClientPart {
        label: client.label(),
        connected: Some(plan.preflight.is_empty() && done.iter().all(|d| d.report.is_ok())),
        findings: judgement
            .findings
            .iter()
            .map(|f| (f.diagnosis.id, f.diagnosis.severity))
            .collect(),
        steps,
        elapsed: 0.0,
        timed_out: false,
        error: None,
    })
}

/// Runs one credentialed probe; the answer is ready by `deadline`.
pub async fn run_client(
    target: &Target,
    client: &ClientProbe,
    step_timeout: Duration,
    deadline: Instant,
) -> ClientPart {
    let label = client.label();
    let started = Instant::now();
    let failed = |error: String| ClientPart {
        label,
        connected: None,
        findings: Vec::new(),
        steps: Vec::new(),
        elapsed: started.elapsed().as_secs_f64(),
        timed_out: false,
        error: Some(error),
    };
    let (t, c) = (target.clone(), client.clone());
    let work = tokio::task::spawn_blocking(move || probe_client(&t, &c, step_timeout));
    let left = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout(left, work).await {
        Err(_) => ClientPart {
            timed_out: true,
            ..failed(format!(
                "the {label} probe did not finish within the module timeout"
            ))
        },
        Ok(Err(e)) => failed(format!("the {label} probe stopped unexpectedly: {e}")),
        Ok(Ok(Err(e))) => failed(format!(
            "the {label} probe could not run: {}",
            crate::output::describe(&e)
        )),
        Ok(Ok(Ok(part))) => ClientPart {
            elapsed: started.elapsed().as_secs_f64(),
            ..part
        },
    }
}

/// Folds the credentialed probes into the scan's report and decides success.
pub fn finish(mut report: Report, clients: &[ClientPart], started: Instant) -> Report {
    let mut all_connected = true;
    if clients.iter().any(|c| c.timed_out) {
        timed_out(&mut report);
    }
    for c in clients {
        for (code, severity) in &c.findings {
            report.add_finding(*code, *severity);
        }
        for (name, seconds) in &c.steps {
            // The handshake steps are the scan's; the probe adds what comes after.
            if !matches!(name.as_str(), "tcp" | "ssl_request" | "tls_handshake") {
                report.add_step(name, *seconds);
            }
        }
        match c.connected {
            Some(ok) => {
                report.clients.push((c.label, ok));
                all_connected &= ok;
            }
            None => all_connected = false,
        }
    }
    if let Some(longest) = clients.iter().map(|c| c.elapsed).reduce(f64::max) {
        // The credentialed probes run side by side: the longest is their cost.
        report.add_step("probe", longest);
    }
    let error_finding = report.findings.values().any(|s| *s == Severity::Error);
    let handshake = !report.chain.is_empty() || report.versions.iter().any(|(_, ok)| *ok);
    report.success = handshake && !error_finding && all_connected;
    report.duration = started.elapsed();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        crate::commands::scan::parse_target("db.example:6432").expect("target")
    }

    #[test]
    fn conninfo_quotes_and_never_holds_a_password() {
        let l = LibpqProbe {
            user: "o'brien\\x".into(),
            dbname: Some("my db".into()),
            sslmode: "verify-full".into(),
            sslrootcert: Some(PathBuf::from("/etc/pg/ca.pem")),
            sslcert: None,
            sslkey: None,
            password_file: Some(PathBuf::from("/etc/pg/pw")),
        };
        let c = conninfo(&target(), &l);
        assert_eq!(
            c,
            "host='db.example' port=6432 user='o\\'brien\\\\x' sslmode='verify-full' dbname='my db' sslrootcert='/etc/pg/ca.pem'"
        );
        assert!(!c.contains("password"));
    }

    #[test]
    fn success_needs_a_handshake_no_error_and_every_connection() {
        let started = Instant::now();
        let mut r = Report {
            versions: vec![("TLSv1.3", true)],
            ..Report::default()
        };
        r.add_finding(Code::CertExpiringSoon, Severity::Warning);
        assert!(finish(r.clone(), &[], started).success);
        let refused = ClientPart {
            label: "kong",
            connected: Some(false),
            findings: vec![(Code::ClientRejectsServerCert, Severity::Error)],
            steps: vec![("auth".into(), 0.5), ("tcp".into(), 0.1)],
            elapsed: 0.7,
            timed_out: false,
            error: None,
        };
        let done = finish(r.clone(), &[refused], started);
        assert!(!done.success);
        assert_eq!(
            done.findings.get(&Code::ClientRejectsServerCert),
            Some(&Severity::Error)
        );
        assert!(done.steps.iter().all(|(n, _)| n != "tcp"));
        assert_eq!(done.clients, [("kong", false)]);
        assert!(!finish(Report::default(), &[], started).success);
    }
}
