//! One `/probe` request's work: the scan of a target (one handshake per TLS
//! version, the chain, the certificate request, the scan rules) and, when the
//! module gives Kong's configuration or libpq credentials, the credentialed
//! probe, all inside one deadline. What comes out is plain data for the
//! metrics; nothing here knows about HTTP.
//!
//! The credentialed probe runs as a child `pgtls probe --format json`: that
//! command owns the Kong and libpq client models, a child can be killed when
//! the deadline passes (a thread cannot), and a misbehaving target cannot
//! take the exporter down with it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use pgtls_catalogue::Severity;
use pgtls_diagnose::certinfo::{now_epoch, verify_chain, CertInfo};
use pgtls_diagnose::scan_rules::judge;
use pgtls_probe::{versions_accepted, VersionProbe, VersionStatus};

use super::config::{LibpqProbe, Module};
use crate::commands::scan::{observe_probes, Target};

/// The most of a child's output read; a probe's JSON is a few KiB.
const MAX_CHILD_OUTPUT: usize = 4 * 1024 * 1024;

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
    pub findings: BTreeMap<String, &'static str>,
    /// The credentialed probes' outcomes: (`kong` / `libpq`, connected).
    pub clients: Vec<(&'static str, bool)>,
}

impl Report {
    fn add_finding(&mut self, code: &str, severity: &'static str) {
        let entry = self.findings.entry(code.to_string()).or_insert(severity);
        if rank(severity) < rank(entry) {
            *entry = severity;
        }
    }

    fn add_step(&mut self, name: &str, seconds: f64) {
        match self.steps.iter_mut().find(|(n, _)| n == name) {
            Some((_, s)) => *s += seconds,
            None => self.steps.push((name.to_string(), seconds)),
        }
    }
}

fn rank(severity: &str) -> u8 {
    match severity {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    }
}

fn severity_str(s: Severity) -> &'static str {
    s.as_str()
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

/// The scan of one target with `step_timeout` per network step.
pub fn scan(target: &Target, module: &Module, step_timeout: Duration) -> Report {
    let started = Instant::now();
    let probes = versions_accepted(&target.host, target.port, step_timeout);
    let obs = observe_probes(target, &probes);
    let now = now_epoch();
    let verdict = judge(&obs, &module.views, now, module.warn_days);

    let mut report = Report {
        now,
        ..Report::default()
    };
    for v in &obs.versions {
        match v.status {
            "accepted" => report.versions.push((v.version, true)),
            "rejected" => report.versions.push((v.version, false)),
            _ => {}
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
        report.add_finding(f.code(), severity_str(f.diagnosis.severity));
    }
    report.chain = verdict.chain;
    report
}

/// The finding for a step that ran out of time: the target is as good as
/// unreachable from the scraper's point of view.
pub fn timed_out(report: &mut Report) {
    if let Some(d) = pgtls_catalogue::lookup("PGTLS020") {
        report.add_finding(d.code, severity_str(d.severity));
    }
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
    pub findings: Vec<(String, &'static str)>,
    pub steps: Vec<(String, f64)>,
    /// Wall-clock seconds, child start to end.
    pub elapsed: f64,
    /// Whether the deadline stopped it.
    pub timed_out: bool,
    /// Why there is no verdict (for the exporter's log).
    pub error: Option<String>,
}

fn severity_of(text: &str) -> &'static str {
    match text {
        "error" => "error",
        "warning" => "warning",
        _ => "info",
    }
}

/// Reads `pgtls probe --format json` output.
pub fn parse_probe_json(label: &'static str, stdout: &[u8]) -> ClientPart {
    let mut part = ClientPart {
        label,
        connected: None,
        findings: Vec::new(),
        steps: Vec::new(),
        elapsed: 0.0,
        timed_out: false,
        error: None,
    };
    let value: serde_json::Value = match serde_json::from_slice(stdout) {
        Ok(v) => v,
        Err(e) => {
            part.error = Some(format!("the {label} probe printed no JSON: {e}"));
            return part;
        }
    };
    part.connected = value["ok"].as_bool();
    if part.connected.is_none() {
        part.error = Some(format!("the {label} probe's JSON has no \"ok\""));
    }
    for f in value["findings"].as_array().into_iter().flatten() {
        if let Some(code) = f["code"].as_str() {
            part.findings.push((
                code.to_string(),
                severity_of(f["severity"].as_str().unwrap_or("")),
            ));
        }
    }
    for s in value["steps"].as_array().into_iter().flatten() {
        if let (Some(name), Some(ms)) = (s["name"].as_str(), s["elapsed_ms"].as_f64()) {
            // Microsecond precision, without the float noise of ms / 1000.
            part.steps
                .push((name.to_string(), (ms * 1000.0).round() / 1e6));
        }
    }
    part
}

/// libpq reads these from the environment; the module alone decides.
fn is_libpq_env(key: &str) -> bool {
    key.starts_with("PG") && !key.starts_with("PGTLS_")
}

/// Runs one credentialed probe as a child, killed at `deadline`.
pub async fn run_client(
    exe: &Path,
    target: &Target,
    probe: &ClientProbe,
    step_timeout: Duration,
    deadline: Instant,
) -> ClientPart {
    let label = probe.label();
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
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args(["--format", "json", "--lang", "en", "probe"])
        .arg("--timeout")
        .arg(format!("{:.3}", step_timeout.as_secs_f64().max(0.001)))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    match probe {
        ClientProbe::Kong(conf) => {
            cmd.arg("--kong-conf")
                .arg(conf)
                .env("KONG_PG_HOST", &target.host)
                .env("KONG_PG_PORT", target.port.to_string());
        }
        ClientProbe::Libpq(l) => {
            for (key, _) in std::env::vars_os() {
                if key.to_str().is_some_and(is_libpq_env) {
                    cmd.env_remove(key);
                }
            }
            if let Some(path) = &l.password_file {
                match pgtls_config::read_limited(path, pgtls_config::MAX_INPUT_FILE) {
                    Ok(bytes) => {
                        let text = String::from_utf8_lossy(&bytes);
                        let password = text.lines().next().unwrap_or("");
                        cmd.env("PGPASSWORD", password);
                    }
                    Err(e) => {
                        return failed(format!("cannot read password_file {}: {e}", path.display()))
                    }
                }
            }
            cmd.arg(conninfo(target, l));
        }
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot start the {label} probe: {e}")),
    };
    let left = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout(left, child.wait_with_output()).await {
        Err(_) => ClientPart {
            timed_out: true,
            ..failed(format!(
                "the {label} probe did not finish within the module timeout"
            ))
        },
        Ok(Err(e)) => failed(format!("the {label} probe failed: {e}")),
        Ok(Ok(out)) => {
            if out.status.code() == Some(2) || out.stdout.len() > MAX_CHILD_OUTPUT {
                let err = String::from_utf8_lossy(&out.stderr);
                return failed(format!(
                    "the {label} probe could not run: {}",
                    err.trim().chars().take(500).collect::<String>()
                ));
            }
            ClientPart {
                elapsed: started.elapsed().as_secs_f64(),
                ..parse_probe_json(label, &out.stdout)
            }
        }
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
            report.add_finding(code, severity);
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
    let error_finding = report.findings.values().any(|s| *s == "error");
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
    fn probe_json_is_read_and_garbage_is_an_error() {
        let part = parse_probe_json(
            "libpq",
            br#"{"ok":false,"steps":[{"name":"tcp","elapsed_ms":1.5},{"name":"auth","elapsed_ms":20}],
                 "findings":[{"code":"PGTLS017","severity":"error"}]}"#,
        );
        assert_eq!(part.connected, Some(false));
        assert_eq!(part.findings, [("PGTLS017".to_string(), "error")]);
        assert_eq!(part.steps[1], ("auth".to_string(), 0.02));
        let bad = parse_probe_json("kong", b"pgtls: boom");
        assert!(bad.connected.is_none() && bad.error.is_some());
    }

    #[test]
    fn success_needs_a_handshake_no_error_and_every_connection() {
        let started = Instant::now();
        let mut r = Report {
            versions: vec![("TLSv1.3", true)],
            ..Report::default()
        };
        r.add_finding("PGTLS024", "warning");
        assert!(finish(r.clone(), &[], started).success);
        let refused = ClientPart {
            label: "kong",
            connected: Some(false),
            findings: vec![("PGTLS005".into(), "error")],
            steps: vec![("auth".into(), 0.5), ("tcp".into(), 0.1)],
            elapsed: 0.7,
            timed_out: false,
            error: None,
        };
        let done = finish(r.clone(), &[refused], started);
        assert!(!done.success);
        assert_eq!(done.findings.get("PGTLS005"), Some(&"error"));
        assert!(done.steps.iter().all(|(n, _)| n != "tcp"));
        assert_eq!(done.clients, [("kong", false)]);
        assert!(!finish(Report::default(), &[], started).success);
    }
}
