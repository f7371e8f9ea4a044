//! `pgtls exporter` as Prometheus sees it: the built binary on a free port,
//! real clusters from the lab behind it, `/probe` fetched over HTTP, and a
//! real Prometheus scraping it with the README's configuration and rules.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pgtls_lab::{files, Cluster, ClusterSpec, LAB_PASSWORD};

use crate::lab_util::{addr, free_port, path, pki, start, tls_scram};

/// The README's example scrape configuration (`EXPORTER` and `TARGETS`
/// filled in; the README shows a 60 s interval where this uses 1 s).
const PROMETHEUS_YML: &str = r#"global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s

rule_files:
  - pgtls-rules.yml

scrape_configs:
  - job_name: pgtls
    metrics_path: /probe
    params:
      module: [default]
    static_configs:
      - targets: [TARGETS]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: EXPORTER
"#;

/// The README's two alerting rules, verbatim.
const RULES_YML: &str = r#"groups:
  - name: pgtls
    rules:
      - alert: PostgresCertificateExpiresSoon
        expr: pgtls_cert_expiry_seconds < 14 * 24 * 3600
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.instance }}: {{ $labels.subject }} expires in {{ $value | humanizeDuration }} (negative: expired)"
      - alert: PostgresAcceptsLegacyTLS
        expr: pgtls_tls_version_accepted{version=~"TLSv1.0|TLSv1.1"} == 1
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.instance }} accepts {{ $labels.version }}; set ssl_min_protocol_version = 'TLSv1.2'"
"#;

fn healthy() -> Cluster {
    start(tls_scram(files::SERVER, files::SERVER_KEY))
}

fn expired() -> Cluster {
    start(tls_scram(files::SERVER_EXPIRED, files::SERVER_EXPIRED_KEY))
}

fn tls11() -> Cluster {
    start(
        tls_scram(files::SERVER, files::SERVER_KEY)
            .setting("ssl_ciphers", "'DEFAULT:@SECLEVEL=0'")
            .setting("ssl_min_protocol_version", "'TLSv1.1'"),
    )
}

/// A running exporter, stopped (by its pid) when dropped.
struct Exporter {
    child: Child,
    addr: String,
    stderr: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Exporter {
    fn start(config: Option<&str>, extra: &[&str]) -> Exporter {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgtls"));
        cmd.args(["exporter", "--listen", "127.0.0.1:0"])
            .args(extra);
        if let Some(text) = config {
            let path = dir.path().join("exporter.toml");
            std::fs::write(&path, text).expect("config written");
            cmd.arg("--config").arg(path);
        }
        let mut child = cmd
            .env("LANG", "C")
            .env_remove("LC_ALL")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("pgtls exporter starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr"));
        let mut first = String::new();
        let _ = lines.read_line(&mut first);
        let Some(addr) = first
            .split("listening on http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_string)
        else {
            let _ = child.kill();
            let mut rest = String::new();
            let _ = lines.read_to_string(&mut rest);
            panic!("exporter did not start: {first}{rest}");
        };
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&line);
                    s.push('\n');
                }
            }
        });
        Exporter {
            child,
            addr,
            stderr,
            _dir: dir,
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        http_get(&self.addr, path)
    }

    /// `/probe` for one target, which must answer 200.
    fn probe(&self, target: &str, module: &str) -> Metrics {
        let (status, body) = self.get(&format!("/probe?target={target}&module={module}"));
        assert_eq!(status, 200, "{body}");
        Metrics::parse(&body)
    }

    fn log(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 GET with `Connection: close`: the test's own client, so the
/// assertions see exactly the bytes a scraper gets.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request sent");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("response read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head}"));
    (status, body.to_string())
}

/// Samples by their series text, e.g. `pgtls_finding{code="PGTLS010",severity="error"}`.
struct Metrics {
    samples: BTreeMap<String, f64>,
    text: String,
}

impl Metrics {
    /// `pgtls_client_connection_ok` for one client.
    fn client_ok(&self, client: &str) -> f64 {
        self.value(&format!(
            r#"pgtls_client_connection_ok{{client="{client}"}}"#
        ))
    }

    /// `pgtls_tls_version_accepted` for one version.
    fn version_accepted(&self, version: &str) -> f64 {
        self.value(&format!(
            r#"pgtls_tls_version_accepted{{version="{version}"}}"#
        ))
    }

    fn parse(text: &str) -> Metrics {
        let mut samples = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (series, value) = line.rsplit_once(' ').expect("sample line");
            let value: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("bad value: {line}"));
            assert!(
                samples.insert(series.to_string(), value).is_none(),
                "duplicate series {series}"
            );
        }
        Metrics {
            samples,
            text: text.to_string(),
        }
    }

    fn get(&self, series: &str) -> Option<f64> {
        self.samples.get(series).copied()
    }

    fn value(&self, series: &str) -> f64 {
        self.get(series)
            .unwrap_or_else(|| panic!("{series} missing in\n{}", self.text))
    }

    /// Every sample of a metric name.
    fn named(&self, name: &str) -> Vec<(&str, f64)> {
        self.samples
            .iter()
            .filter(|(k, _)| k.as_str() == name || k.starts_with(&format!("{name}{{")))
            .map(|(k, v)| (k.as_str(), *v))
            .collect()
    }

    /// The codes of the error and warning findings (info findings, such as
    /// PGTLS030 for a leaf sent alone, are reported but do not count here).
    fn findings(&self) -> Vec<&str> {
        self.named("pgtls_finding")
            .into_iter()
            .filter(|(k, _)| !k.contains(r#"severity="info""#))
            .filter_map(|(k, _)| k.split("code=\"").nth(1)?.split('"').next())
            .collect()
    }
}

#[test]
fn probes_healthy_expired_legacy_and_plaintext_clusters() {
    let (ok, old, legacy, off) = std::thread::scope(|s| {
        let a = s.spawn(healthy);
        let b = s.spawn(expired);
        let c = s.spawn(tls11);
        let d = s.spawn(|| {
            start(
                ClusterSpec::new()
                    .setting("ssl", "off")
                    .hba_line("host all all 127.0.0.1/32 scram-sha-256"),
            )
        });
        (
            a.join().expect("healthy"),
            b.join().expect("expired"),
            c.join().expect("tls11"),
            d.join().expect("ssl off"),
        )
    });
    let exporter = Exporter::start(
        Some(&format!(
            "[modules.lab]\ntrust = \"{}\"\ntimeout = 5\n",
            path(files::ROOT_CA)
        )),
        &[],
    );

    let m = exporter.probe(&addr(&ok), "lab");
    assert_eq!(m.value("probe_success"), 1.0);
    assert_eq!(m.version_accepted("TLSv1.3"), 1.0);
    assert_eq!(m.version_accepted("TLSv1.2"), 1.0);
    assert_eq!(m.version_accepted("TLSv1.1"), 0.0);
    assert_eq!(m.version_accepted("TLSv1.0"), 0.0);
    let expiry = m.named("pgtls_cert_expiry_seconds");
    assert_eq!(expiry.len(), 1, "{}", m.text);
    let (series, seconds) = expiry[0];
    assert!(
        series.contains(r#"subject="CN=localhost""#)
            && series.contains(r#"issuer="CN=pgtls lab root CA""#)
            && series.contains(r#"position="0""#)
            && series.contains("serial=\""),
        "{series}"
    );
    assert!(seconds > 300.0 * 86_400.0, "{seconds}");
    assert_eq!(m.value("pgtls_chain_verified"), 1.0);
    assert_eq!(m.value("pgtls_client_cert_requested"), 0.0);
    assert!(m.findings().is_empty(), "{}", m.text);
    // The lab's server sends its leaf alone: said as information.
    assert_eq!(
        m.get(r#"pgtls_finding{code="PGTLS030",severity="info"}"#),
        Some(1.0),
        "{}",
        m.text
    );
    for step in ["tcp", "ssl_request", "tls_handshake", "scan"] {
        let s = m.value(&format!(r#"pgtls_step_duration_seconds{{step="{step}"}}"#));
        assert!((0.0..5.0).contains(&s), "{step}: {s}");
    }

    let m = exporter.probe(&addr(&old), "lab");
    assert_eq!(m.value("probe_success"), 0.0);
    let (_, seconds) = m.named("pgtls_cert_expiry_seconds")[0];
    assert!(seconds < 0.0, "expired: {seconds}");
    assert_eq!(
        m.value(r#"pgtls_finding{code="PGTLS010",severity="error"}"#),
        1.0
    );
    assert_eq!(m.value("pgtls_chain_verified"), 0.0);

    let m = exporter.probe(&addr(&legacy), "lab");
    assert_eq!(m.version_accepted("TLSv1.1"), 1.0);
    assert_eq!(m.version_accepted("TLSv1.0"), 0.0);
    assert_eq!(
        m.value(r#"pgtls_finding{code="PGTLS024",severity="warning"}"#),
        1.0
    );
    assert_eq!(m.value("probe_success"), 1.0, "a warning alone is healthy");

    let m = exporter.probe(&addr(&off), "lab");
    assert_eq!(m.value("probe_success"), 0.0);
    assert_eq!(m.findings(), ["PGTLS009"]);
    assert!(
        m.named("pgtls_tls_version_accepted").is_empty(),
        "{}",
        m.text
    );
    assert!(m.named("pgtls_cert_expiry_seconds").is_empty());
    assert!(m.get("pgtls_client_cert_requested").is_none());

    let closed = free_port();
    let m = exporter.probe(&format!("127.0.0.1:{closed}"), "lab");
    assert_eq!(m.value("probe_success"), 0.0);
    assert_eq!(m.findings(), ["PGTLS020"]);

    // The module defaults to `default` (no trust store: no verification series).
    let (status, body) = exporter.get(&format!("/probe?target={}", addr(&ok)));
    assert_eq!(status, 200);
    let m = Metrics::parse(&body);
    assert_eq!(m.value("probe_success"), 1.0);
    assert!(m.get("pgtls_chain_verified").is_none());

    let (status, own) = exporter.get("/metrics");
    assert_eq!(status, 200);
    let own = Metrics::parse(&own);
    assert_eq!(
        own.value(r#"pgtls_exporter_probes_total{module="lab",result="success"}"#),
        2.0
    );
    assert_eq!(
        own.value(r#"pgtls_exporter_probes_total{module="lab",result="failure"}"#),
        3.0
    );
    assert_eq!(own.value("pgtls_exporter_probes_in_flight"), 0.0);
}

#[test]
fn bad_requests_get_a_400_that_says_why() {
    let exporter = Exporter::start(Some("[modules.fast]\ntimeout = 1\n"), &[]);
    for (path, status, needle) in [
        ("/probe", 400, "missing target"),
        ("/probe?module=fast", 400, "missing target"),
        ("/probe?target=db:0", 400, "invalid port"),
        ("/probe?target=db:70000", 400, "invalid port"),
        ("/probe?target=[::1", 400, "missing ]"),
        ("/probe?target=a&target=b", 400, "one target"),
        (
            "/probe?target=db&module=nope",
            400,
            "unknown module \"nope\"; this exporter has: default, fast",
        ),
        ("/probe?target=a%20b", 400, "not a host name"),
        ("/probe?target=%ff%fe", 400, "not a host name"),
        ("/nothing", 404, "/probe?target="),
        ("/", 200, "modules: default, fast"),
    ] {
        let (got, body) = exporter.get(path);
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(needle), "{path}: {body}");
    }
    // Raw bytes that are not a request do not stop it.
    if let Ok(mut s) = TcpStream::connect(&exporter.addr) {
        let _ = s.write_all(b"\x16\x03\x01\x00\xff garbage\r\n\r\n");
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }
    let (status, own) = exporter.get("/metrics");
    assert_eq!(status, 200, "still serving");
    assert_eq!(
        Metrics::parse(&own)
            .value(r#"pgtls_exporter_requests_rejected_total{reason="bad_request"}"#),
        9.0
    );
    assert!(!exporter.log().contains("panicked"), "{}", exporter.log());
}

/// A port that accepts connections and, after `delay`, writes `reply` to
/// each (nothing at all when `reply` is empty), then holds them open.
fn stalling_listener(
    delay: Duration,
    reply: &'static [u8],
) -> (String, std::thread::JoinHandle<()>, Arc<Mutex<bool>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr").to_string();
    let stop = Arc::new(Mutex::new(false));
    let flag = stop.clone();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        while !*flag.lock().expect("flag") {
            match listener.accept() {
                Ok((mut s, _)) => {
                    if !reply.is_empty() {
                        std::thread::spawn(move || {
                            std::thread::sleep(delay);
                            let _ = s.write_all(reply);
                            std::thread::sleep(Duration::from_secs(10));
                        });
                    } else {
                        held.push(s);
                    }
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    (addr, handle, stop)
}

#[test]
fn a_stalled_target_answers_within_the_module_timeout_and_slots_are_bounded() {
    let (silent, h1, stop1) = stalling_listener(Duration::ZERO, b"");
    // Answers the SSLRequest just inside a step's time, then stalls the
    // handshake: each step is within its timeout, the whole is not.
    let (slow, h2, stop2) = stalling_listener(Duration::from_millis(1000), b"S");
    let exporter = Exporter::start(
        Some("[modules.short]\ntimeout = 1.5\n[modules.quick]\ntimeout = 0.4\n"),
        &["--concurrency", "1"],
    );
    let exporter = Arc::new(exporter);
    let first = {
        let e = exporter.clone();
        let silent = silent.clone();
        std::thread::spawn(move || {
            let t0 = Instant::now();
            let m = e.probe(&silent, "short");
            (t0.elapsed(), m)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    // The only slot is busy: a request that cannot wait gets a 503 in its own time.
    let t0 = Instant::now();
    let (status, body) = exporter.get(&format!("/probe?target={silent}&module=quick"));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("--concurrency"), "{body}");
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t0.elapsed()
    );

    // A silent peer is the scan's own finding, within the module timeout.
    let (took, m) = first.join().expect("first probe");
    assert!(took < Duration::from_millis(2000), "answered in {took:?}");
    assert_eq!(m.value("probe_success"), 0.0);
    assert_eq!(m.findings(), ["PGTLS025"], "{}", m.text);

    // A peer slow at every step is cut off at the deadline.
    let t0 = Instant::now();
    let m = exporter.probe(&slow, "short");
    let took = t0.elapsed();
    assert!(took < Duration::from_millis(2000), "answered in {took:?}");
    assert_eq!(m.value("probe_success"), 0.0);
    assert_eq!(m.findings(), ["PGTLS020"], "{}", m.text);

    let (_, own) = exporter.get("/metrics");
    assert_eq!(
        Metrics::parse(&own)
            .value(r#"pgtls_exporter_requests_rejected_total{reason="overloaded"}"#),
        1.0
    );
    for (stop, handle) in [(stop1, h1), (stop2, h2)] {
        *stop.lock().expect("flag") = true;
        let _ = handle.join();
    }
}

#[test]
fn credentialed_probes_as_libpq_and_kong() {
    let (cluster, mtls) = std::thread::scope(|s| {
        let a = s.spawn(healthy);
        let b = s.spawn(|| {
            start(
                ClusterSpec::new()
                    .with_server_tls(pki())
                    .and_then(|spec| spec.with_client_ca(pki()))
                    .expect("mutual TLS spec")
                    .hba_line("hostssl all all 127.0.0.1/32 cert"),
            )
        });
        (a.join().expect("healthy"), b.join().expect("mutual TLS"))
    });
    let dir = tempfile::tempdir().expect("dir");
    let right = dir.path().join("right");
    let wrong = dir.path().join("wrong");
    std::fs::write(&right, format!("{LAB_PASSWORD}\n")).expect("pw");
    std::fs::write(&wrong, "not-the-password\n").expect("pw");
    let kong_conf = dir.path().join("kong.conf");
    std::fs::write(
        &kong_conf,
        format!(
            "pg_host = 192.0.2.1\npg_user = kong\npg_password = {LAB_PASSWORD}\npg_database = kong\n\
             pg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {}\n",
            path(files::ROOT_CA)
        ),
    )
    .expect("kong.conf");
    let config = format!(
        "[modules.monitor]\ntrust = \"{root}\"\nuser = \"kong\"\ndbname = \"kong\"\npassword_file = \"{}\"\n{LOOPBACK}\
         [modules.badpw]\ntrust = \"{root}\"\nuser = \"kong\"\ndbname = \"kong\"\npassword_file = \"{}\"\n{LOOPBACK}\
         [modules.kong]\nkong_conf = \"{}\"\n{LOOPBACK}\
         [modules.mtls]\ntrust = \"{root}\"\nuser = \"kong\"\ndbname = \"kong\"\nclient_cert = \"{}\"\nclient_key = \"{}\"\n{LOOPBACK}",
        right.display(),
        wrong.display(),
        kong_conf.display(),
        pki().path(files::CLIENT_KONG).display(),
        pki().path(files::CLIENT_KONG_KEY).display(),
        root = path(files::ROOT_CA),
    );
    let exporter = Exporter::start(Some(&config), &[]);
    let target = addr(&cluster);

    let m = exporter.probe(&target, "monitor");
    assert_eq!(m.client_ok("libpq"), 1.0, "{}", m.text);
    assert_eq!(m.value("probe_success"), 1.0);
    for step in ["startup", "auth", "query", "probe"] {
        assert!(
            m.get(&format!(r#"pgtls_step_duration_seconds{{step="{step}"}}"#))
                .is_some(),
            "{step}: {}",
            m.text
        );
    }

    let m = exporter.probe(&target, "badpw");
    assert_eq!(m.client_ok("libpq"), 0.0);
    assert_eq!(m.value("probe_success"), 0.0);
    assert_eq!(m.findings(), ["PGTLS017"], "{}", m.text);

    // Kong dials the target, not kong.conf's pg_host; pg_ssl_required is off,
    // which pgtls warns about (PGTLS021) without failing the target.
    let m = exporter.probe(&target, "kong");
    assert_eq!(m.client_ok("kong"), 1.0, "{}", m.text);
    assert_eq!(m.value("pgtls_chain_verified"), 1.0);
    assert_eq!(m.value("probe_success"), 1.0);

    // Certificate authentication with the module's client certificate.
    let m = exporter.probe(&addr(&mtls), "mtls");
    assert_eq!(m.value("pgtls_client_cert_requested"), 1.0);
    assert_eq!(m.client_ok("libpq"), 1.0, "{}", m.text);
    assert_eq!(m.value("probe_success"), 1.0);
    // Without it the server refuses: the probe says why.
    let m = exporter.probe(&addr(&mtls), "monitor");
    assert_eq!(m.client_ok("libpq"), 0.0);
    assert_eq!(m.findings(), ["PGTLS008"], "{}", m.text);
    assert!(!exporter.log().contains(LAB_PASSWORD), "{}", exporter.log());
}

/// The allow-list of the credentialed modules in these tests.
const LOOPBACK: &str = "allowed_targets = [\"127.0.0.0/8\"]\n";

#[test]
fn credentials_go_only_to_allowed_targets_and_never_readable_to_an_unverified_server() {
    use crate::thief::{Ask, Thief, Wire};
    let dir = tempfile::tempdir().expect("dir");
    let pw = dir.path().join("pw");
    std::fs::write(&pw, format!("{LAB_PASSWORD}\n")).expect("pw");
    let kong_conf = dir.path().join("kong.conf");
    std::fs::write(
        &kong_conf,
        format!("pg_user = kong\npg_password = {LAB_PASSWORD}\npg_database = kong\n"),
    )
    .expect("kong.conf");
    let config = format!(
        "[modules.monitor]\ntrust = \"{root}\"\nuser = \"kong\"\npassword_file = \"{pw}\"\n{LOOPBACK}\
         [modules.lax]\nsslmode = \"require\"\nuser = \"kong\"\npassword_file = \"{pw}\"\n{LOOPBACK}\
         [modules.kong]\nkong_conf = \"{kong}\"\n{LOOPBACK}",
        root = path(files::ROOT_CA),
        pw = pw.display(),
        kong = kong_conf.display(),
    );
    let exporter = Exporter::start(Some(&config), &[]);

    // The default module (verify-full): the thief's certificate fails the
    // handshake. A module that asked for require, and Kong without TLS:
    // the thief asks and gets nothing.
    for (module, wire, ask, must_ask) in [
        ("monitor", Wire::SelfSignedTls, Ask::Cleartext, false),
        ("lax", Wire::SelfSignedTls, Ask::Cleartext, true),
        ("lax", Wire::SelfSignedTls, Ask::Md5, true),
        ("kong", Wire::Plain, Ask::Cleartext, true),
        ("kong", Wire::Plain, Ask::Md5, true),
    ] {
        let thief = Thief::start(wire, ask);
        let m = exporter.probe(&format!("127.0.0.1:{}", thief.port), module);
        assert!(
            !thief.saw(LAB_PASSWORD),
            "{module} {ask:?}: the thief read the password"
        );
        assert_eq!(
            thief.answered(),
            0,
            "{module} {ask:?}: a password message was sent"
        );
        assert_eq!(thief.asked() > 0, must_ask, "{module} {ask:?}: {}", m.text);
        assert_eq!(m.value("probe_success"), 0.0);
        if must_ask {
            assert!(m.findings().contains(&"PGTLS026"), "{module}: {}", m.text);
        }
    }

    // A target outside the allow-list is refused before anything is sent.
    let thief = Thief::start(Wire::Plain, Ask::Cleartext);
    for module in ["monitor", "lax", "kong"] {
        let (status, body) = exporter.get(&format!(
            "/probe?target=localhost:{}&module={module}",
            thief.port
        ));
        assert_eq!(status, 403, "{module}: {body}");
        assert!(body.contains("allowed_targets"), "{body}");
    }
    assert_eq!(thief.asked(), 0, "nothing dialled the refused target");
    let (_, own) = exporter.get("/metrics");
    assert_eq!(
        Metrics::parse(&own)
            .value(r#"pgtls_exporter_requests_rejected_total{reason="forbidden_target"}"#),
        3.0
    );
    // A module without credentials scans any target.
    let (status, _) = exporter.get(&format!("/probe?target=localhost:{}", thief.port));
    assert_eq!(status, 200);
    assert!(!exporter.log().contains(LAB_PASSWORD));
}

#[test]
fn a_bad_config_stops_the_exporter_with_the_module_named() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[modules.edge]\ntrust = \"/nonexistent/ca.pem\"\n").expect("config");
    let run = crate::util::pgtls(&["exporter", "--config", &path.display().to_string()]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("module edge") && run.stderr.contains("/nonexistent/ca.pem"),
        "{}",
        run.stderr
    );
    std::fs::write(&path, "[modules.edge]\ntimeout = 2\n").expect("config");
    let run = crate::util::pgtls(&[
        "exporter",
        "--config",
        &path.display().to_string(),
        "--check-config",
    ]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("module edge: timeout 2.0s"),
        "{}",
        run.stdout
    );
}

fn find_prometheus() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGTLS_PROMETHEUS") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|d| d.join("prometheus"))
        .find(|p| p.is_file())
}

/// A Prometheus of our own: own config, own data directory, own port,
/// stopped by its pid (never the packaged service).
struct Prometheus {
    child: Child,
    addr: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn start(bin: &Path, dir: &Path) -> Prometheus {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.join("prometheus.log")).expect("log");
        let child = Command::new(bin)
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        Prometheus { child, addr }
    }

    fn api(&self, path: &str) -> Option<serde_json::Value> {
        let mut stream = TcpStream::connect(&self.addr).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .ok()?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).ok()?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n")?;
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        serde_json::from_str(&body).ok()
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The firing alerts as (alertname, instance).
fn firing(alerts: &serde_json::Value) -> Vec<(String, String)> {
    alerts["data"]["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["state"] == "firing")
        .map(|a| {
            (
                a["labels"]["alertname"].as_str().unwrap_or("").to_string(),
                a["labels"]["instance"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn prometheus_fires_the_readme_alerts_for_the_right_targets() {
    let Some(bin) = find_prometheus() else {
        eprintln!(
            "SKIPPED prometheus_fires_the_readme_alerts_for_the_right_targets: no prometheus binary \
             on PATH or in /usr/bin (apt-get install prometheus, as .ci/run does, or set PGTLS_PROMETHEUS)"
        );
        return;
    };
    let (ok, old, legacy) = std::thread::scope(|s| {
        let a = s.spawn(healthy);
        let b = s.spawn(expired);
        let c = s.spawn(tls11);
        (
            a.join().expect("healthy"),
            b.join().expect("expired"),
            c.join().expect("tls11"),
        )
    });
    let exporter = Exporter::start(None, &[]);
    let dir = tempfile::tempdir().expect("dir");
    let targets = [addr(&ok), addr(&old), addr(&legacy)];
    std::fs::write(
        dir.path().join("prometheus.yml"),
        PROMETHEUS_YML
            .replace("EXPORTER", &exporter.addr)
            .replace("TARGETS", &targets.join(", ")),
    )
    .expect("prometheus.yml");
    std::fs::write(dir.path().join("pgtls-rules.yml"), RULES_YML).expect("rules");
    let prometheus = Prometheus::start(&bin, dir.path());

    let want = [
        (
            "PostgresCertificateExpiresSoon".to_string(),
            targets[1].clone(),
        ),
        ("PostgresAcceptsLegacyTLS".to_string(), targets[2].clone()),
    ];
    let started = Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < Duration::from_secs(40) {
        if let Some(alerts) = prometheus.api("/api/v1/alerts") {
            seen = firing(&alerts);
            if want.iter().all(|w| seen.contains(w)) {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let log = std::fs::read_to_string(dir.path().join("prometheus.log")).unwrap_or_default();
    assert!(
        want.iter().all(|w| seen.contains(w)),
        "alerts firing: {seen:?}\nprometheus log:\n{log}\nexporter log:\n{}",
        exporter.log()
    );
    // Neither alert for the healthy target; each alert only for its own target.
    assert!(
        !seen.iter().any(|(_, instance)| instance == &targets[0]),
        "healthy target alerted: {seen:?}"
    );
    assert_eq!(seen.len(), 2, "{seen:?}");

    // Each target is scraped on its own schedule: the alerts can fire
    // before the healthy target's first scrape is in (on a busy machine).
    let mut up = serde_json::Value::Null;
    let mut ups: Vec<String> = Vec::new();
    while started.elapsed() < Duration::from_secs(60) {
        up = prometheus
            .api("/api/v1/query?query=up%7Bjob%3D%22pgtls%22%7D")
            .expect("query answers");
        ups = up["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["value"][1].as_str().map(str::to_owned))
            .collect();
        if ups.len() == targets.len() {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(ups, ["1", "1", "1"], "{up}");
    let success = prometheus
        .api(&format!(
            "/api/v1/query?query=probe_success%7Binstance%3D%22{}%22%7D",
            targets[1]
        ))
        .expect("query answers");
    assert_eq!(success["data"]["result"][0]["value"][1], "0", "{success}");
}

/// pgtls's own TLS 1.0/1.1 tries are noise in a production log: the
/// exporter makes them once per legacy_tls_interval per target and reuses
/// the verdicts in between, saying how old they are.
#[test]
fn legacy_tls_is_tried_once_per_interval_not_every_scrape() {
    let cluster = healthy();
    let exporter = Exporter::start(Some("[modules.often]\nlegacy_tls_interval = 0\n"), &[]);
    let refusals = |log: &str| {
        log.lines()
            .filter(|l| l.contains("could not accept SSL connection"))
            .count()
    };
    let mark = cluster.log_mark();
    for _ in 0..3 {
        let m = exporter.probe(&addr(&cluster), "default");
        assert_eq!(m.version_accepted("TLSv1.0"), 0.0, "{}", m.text);
        assert_eq!(m.version_accepted("TLSv1.3"), 1.0);
    }
    let m = exporter.probe(&addr(&cluster), "default");
    assert!(
        m.value("pgtls_legacy_tls_checked_seconds_ago") > 0.0,
        "reused: {}",
        m.text
    );
    std::thread::sleep(Duration::from_millis(300));
    let once = refusals(&cluster.log_since(&mark));
    assert!(
        once <= 2,
        "one try of TLS 1.0 and 1.1 in four scrapes: {once}"
    );

    // A module that asks for it every time.
    let mark = cluster.log_mark();
    for _ in 0..2 {
        let m = exporter.probe(&addr(&cluster), "often");
        assert_eq!(m.value("pgtls_legacy_tls_checked_seconds_ago"), 0.0);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(refusals(&cluster.log_since(&mark)) >= 2);
}
