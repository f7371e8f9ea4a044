//! The exposition: one probe's [`Report`] as Prometheus text (a fresh
//! registry per request, as blackbox_exporter does, so a target's series
//! disappear when the condition does), and the exporter's own metrics for
//! `/metrics`. The encoding and its escaping are prometheus-client's; label
//! values come from the server's certificate and must never be able to
//! break a line.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::target::Report;

/// The Content-Type of what [`encode`] writes.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

type Labels = Vec<(&'static str, String)>;
type GaugeF = Gauge<f64, AtomicU64>;

fn single(registry: &mut Registry, name: &str, help: &str, value: f64) {
    let g = GaugeF::default();
    g.set(value);
    registry.register(name, help, g);
}

fn family(registry: &mut Registry, name: &str, help: &str, series: Vec<(Labels, f64)>) {
    if series.is_empty() {
        return;
    }
    let f = Family::<Labels, GaugeF>::default();
    for (labels, value) in series {
        f.get_or_create(&labels).set(value);
    }
    registry.register(name, help, f);
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// The metrics of one `/probe`.
pub fn encode(report: &Report) -> String {
    let mut r = Registry::default();
    single(
        &mut r,
        "probe_success",
        "Whether the target is healthy: a TLS handshake, no finding of severity error, and every credentialed probe connected",
        flag(report.success),
    );
    single(
        &mut r,
        "probe_duration_seconds",
        "How long the probe took",
        report.duration.as_secs_f64(),
    );
    family(
        &mut r,
        "pgtls_tls_version_accepted",
        "Whether the server completes a handshake at this TLS version (absent: not testable from here)",
        report
            .versions
            .iter()
            .map(|(v, ok)| (vec![("version", v.to_string())], flag(*ok)))
            .collect(),
    );
    family(
        &mut r,
        "pgtls_cert_expiry_seconds",
        "Seconds until each certificate the server sends expires, negative when expired (position 0 is the leaf; absent when its notAfter cannot be read)",
        report
            .chain
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let not_after = c.not_after_epoch?;
                Some((
                    vec![
                        ("subject", c.subject.clone()),
                        ("issuer", c.issuer.clone()),
                        ("serial", c.serial.clone()),
                        ("position", i.to_string()),
                    ],
                    (not_after - report.now) as f64,
                ))
            })
            .collect(),
    );
    if let Some(age) = report.legacy_age {
        single(
            &mut r,
            "pgtls_legacy_tls_checked_seconds_ago",
            "How old the TLS 1.0/1.1 verdicts are: they are tried at most once per the module's legacy_tls_interval, since each refused try leaves lines in the server's log (0: tried in this scrape)",
            age.as_secs_f64(),
        );
    }
    if let Some(requested) = report.client_cert_requested {
        single(
            &mut r,
            "pgtls_client_cert_requested",
            "Whether the server asks for a client certificate",
            flag(requested),
        );
    }
    if let Some(verified) = report.chain_verified {
        single(
            &mut r,
            "pgtls_chain_verified",
            "Whether the chain verifies against the module's trust store (and Kong's, with kong_conf)",
            flag(verified),
        );
    }
    family(
        &mut r,
        "pgtls_step_duration_seconds",
        "Seconds each step took (scan and probe are the totals)",
        report
            .steps
            .iter()
            .map(|(name, secs)| (vec![("step", name.clone())], *secs))
            .collect(),
    );
    family(
        &mut r,
        "pgtls_client_connection_ok",
        "Whether the credentialed probe connected as this client would",
        report
            .clients
            .iter()
            .map(|(client, ok)| (vec![("client", client.to_string())], flag(*ok)))
            .collect(),
    );
    family(
        &mut r,
        "pgtls_finding",
        "One series per diagnosis currently present (codes as in pgtls explain)",
        report
            .findings
            .iter()
            .map(|(code, severity)| {
                (
                    vec![
                        ("code", code.as_str().to_string()),
                        ("severity", severity.as_str().to_string()),
                    ],
                    1.0,
                )
            })
            .collect(),
    );
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_text::encode(&mut out, &r);
    out
}

/// The exporter's own metrics, shared by every request.
pub struct Own {
    registry: Registry,
    pub probes: Family<Vec<(&'static str, String)>, Counter>,
    pub durations: Family<Vec<(&'static str, String)>, Histogram>,
    pub in_flight: Gauge,
    pub rejected: Family<Vec<(&'static str, String)>, Counter>,
}

impl Own {
    pub fn new(concurrency: usize) -> Own {
        let mut registry = Registry::default();
        let probes = Family::<Vec<(&'static str, String)>, Counter>::default();
        registry.register(
            "pgtls_exporter_probes",
            "Probes answered, by module and outcome",
            probes.clone(),
        );
        let durations =
            Family::<Vec<(&'static str, String)>, Histogram>::new_with_constructor(|| {
                Histogram::new([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0])
            });
        registry.register(
            "pgtls_exporter_probe_duration_seconds",
            "How long probes took, by module",
            durations.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "pgtls_exporter_probes_in_flight",
            "Probes running now",
            in_flight.clone(),
        );
        let rejected = Family::<Vec<(&'static str, String)>, Counter>::default();
        registry.register(
            "pgtls_exporter_requests_rejected",
            "Requests refused before probing, by reason (bad_request, overloaded)",
            rejected.clone(),
        );
        let limit = Gauge::<i64>::default();
        limit.set(i64::try_from(concurrency).unwrap_or(i64::MAX));
        registry.register(
            "pgtls_exporter_concurrency_limit",
            "How many probes may run at once (--concurrency)",
            limit,
        );
        let info = Family::<Vec<(&'static str, String)>, Gauge>::default();
        info.get_or_create(&vec![("version", env!("CARGO_PKG_VERSION").to_string())])
            .set(1);
        registry.register("pgtls_exporter_build_info", "The running pgtls", info);
        let start = GaugeF::default();
        start.set(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
        );
        registry.register(
            "pgtls_exporter_start_time_seconds",
            "When the exporter started (epoch seconds)",
            start,
        );
        Own {
            registry,
            probes,
            durations,
            in_flight,
            rejected,
        }
    }

    pub fn observe(&self, module: &str, success: bool, took: Duration) {
        self.probes
            .get_or_create(&vec![
                ("module", module.to_string()),
                (
                    "result",
                    if success { "success" } else { "failure" }.to_string(),
                ),
            ])
            .inc();
        self.durations
            .get_or_create(&vec![("module", module.to_string())])
            .observe(took.as_secs_f64());
    }

    pub fn reject(&self, reason: &str) {
        self.rejected
            .get_or_create(&vec![("reason", reason.to_string())])
            .inc();
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgtls_diagnose::certinfo::CertInfo;

    fn cert(subject: &str, not_after: i64) -> CertInfo {
        CertInfo {
            subject: subject.into(),
            issuer: "CN=root".into(),
            sans: vec![],
            serial: "0A1B".into(),
            not_before: String::new(),
            not_after: String::new(),
            not_after_epoch: Some(not_after),
            days_left: Some(0),
            not_yet_valid: false,
            date_unreadable: false,
            key: "EC P-256".into(),
            key_bits: 256,
            signature: "ecdsa-with-SHA256".into(),
            is_ca: false,
            self_signed: false,
            sha256: String::new(),
        }
    }

    #[test]
    fn a_report_as_text() {
        let mut report = Report {
            success: false,
            duration: Duration::from_millis(250),
            versions: vec![("TLSv1.1", false), ("TLSv1.2", true)],
            chain: vec![cert("CN=db", 1_000 - 86_400)],
            now: 1_000,
            client_cert_requested: Some(true),
            chain_verified: None,
            steps: vec![("tcp".into(), 0.001)],
            ..Report::default()
        };
        report.findings.insert(
            pgtls_catalogue::Code::ServerCertExpired,
            pgtls_catalogue::Severity::Error,
        );
        let text = encode(&report);
        for line in [
            "probe_success 0.0",
            "probe_duration_seconds 0.25",
            "pgtls_tls_version_accepted{version=\"TLSv1.1\"} 0.0",
            "pgtls_tls_version_accepted{version=\"TLSv1.2\"} 1.0",
            "pgtls_cert_expiry_seconds{subject=\"CN=db\",issuer=\"CN=root\",serial=\"0A1B\",position=\"0\"} -86400.0",
            "pgtls_client_cert_requested 1.0",
            "pgtls_step_duration_seconds{step=\"tcp\"} 0.001",
            "pgtls_finding{code=\"PGTLS010\",severity=\"error\"} 1.0",
            "# TYPE probe_success gauge",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} missing in\n{text}");
        }
        assert!(
            !text.contains("pgtls_chain_verified"),
            "absent without a trust store"
        );
    }

    #[test]
    fn hostile_certificate_names_cannot_break_a_line() {
        let report = Report {
            chain: vec![cert("CN=x\"} 1\nprobe_success 1\n\\", 0)],
            ..Report::default()
        };
        let text = encode(&report);
        let line = text
            .lines()
            .find(|l| l.starts_with("pgtls_cert_expiry_seconds{"))
            .expect("series");
        assert!(
            line.starts_with(
                r#"pgtls_cert_expiry_seconds{subject="CN=x\"} 1\nprobe_success 1\n\\","#
            ),
            "{line}"
        );
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("probe_success "))
                .count(),
            1
        );
    }

    #[test]
    fn own_metrics() {
        let own = Own::new(8);
        own.observe("default", true, Duration::from_millis(30));
        own.reject("bad_request");
        let text = own.encode();
        for needle in [
            "pgtls_exporter_probes_total{module=\"default\",result=\"success\"} 1",
            "pgtls_exporter_requests_rejected_total{reason=\"bad_request\"} 1",
            "pgtls_exporter_concurrency_limit 8",
            "pgtls_exporter_probes_in_flight 0",
            "pgtls_exporter_probe_duration_seconds_count{module=\"default\"} 1",
        ] {
            assert!(text.contains(needle), "{needle:?} missing in\n{text}");
        }
    }
}
