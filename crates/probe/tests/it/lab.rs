//! Probes against real PostgreSQL 15 clusters from the lab, each outcome
//! checked the way a user would check it: the step that failed, OpenSSL's
//! words, what the server logged, and the line the real psql prints for the
//! same connection (run side by side).

use std::time::{Duration, Instant};

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use pgtls_lab::{files, shared_pki, Cluster, ClusterSpec, Owner, Pki, LAB_PASSWORD};
use pgtls_probe::client_line::{kong_line, kong_nginx_log, psql_line, KongShape};
use pgtls_probe::{
    probe, versions_accepted, AuthMethod, ClientIdentity, FailureKind, Negotiation, Outcome,
    ProbeConfig, ProbeReport, Secret, StepName, TlsFailure, TlsVersion, VersionStatus,
};

fn pki() -> &'static Pki {
    shared_pki().expect("lab PKI")
}

fn cert(file: &str) -> X509 {
    X509::from_pem(&pki().read(file).expect("read cert")).expect("parse cert")
}

fn key(file: &str) -> PKey<Private> {
    PKey::private_key_from_pem(&pki().read(file).expect("read key")).expect("parse key")
}

/// A TLS server using `cert_file`/`key_file` as its certificate.
fn tls_spec(cert_file: &str, key_file: &str) -> ClusterSpec {
    ClusterSpec::new()
        .setting("ssl", "on")
        .setting("ssl_cert_file", "'server.crt'")
        .setting("ssl_key_file", "'server.key'")
        .file(
            pki()
                .data_file(cert_file, "server.crt", 0o600, Owner::ServerUser)
                .expect("cert file"),
        )
        .file(
            pki()
                .data_file(key_file, "server.key", 0o600, Owner::ServerUser)
                .expect("key file"),
        )
}

/// psql's way in: user kong, database kong, the lab password, trusting the
/// lab root.
fn libpq(cluster: &Cluster, host: &str, mode: Negotiation) -> ProbeConfig {
    let mut cfg = ProbeConfig::libpq(host, cluster.port(), mode);
    cfg.user = "kong".into();
    cfg.database = Some("kong".into());
    cfg.password = Some(Secret::from(LAB_PASSWORD));
    cfg.tls.trust_anchors = Some(vec![cert(files::ROOT_CA)]);
    cfg
}

fn kong(cluster: &Cluster, verify: bool, anchors: Vec<X509>) -> ProbeConfig {
    let mut cfg = ProbeConfig::kong("127.0.0.1", cluster.port(), true, false, verify);
    cfg.password = Some(Secret::from(LAB_PASSWORD));
    cfg.tls.trust_anchors = Some(anchors);
    cfg
}

fn run(cfg: &ProbeConfig) -> ProbeReport {
    probe(cfg).expect("probe could run")
}

fn psql(cluster: &Cluster, conninfo: &str) -> String {
    let out = cluster.psql(conninfo, &[("PGPASSWORD", LAB_PASSWORD)]);
    out.stderr.trim_end().to_string()
}

fn step_names(report: &ProbeReport) -> Vec<StepName> {
    report.steps.iter().map(|s| s.name).collect()
}

fn failure(report: &ProbeReport) -> (StepName, &FailureKind) {
    report
        .failure()
        .unwrap_or_else(|| panic!("expected a failure, got {:?}", report.outcome))
}

fn openssl_reason(kind: &FailureKind) -> String {
    match kind {
        FailureKind::Tls(TlsFailure::OpenSsl { error, .. }) => error.reason_or_code(),
        other => panic!("expected an OpenSSL failure, got {other:?}"),
    }
}

fn tls_step_messages(report: &ProbeReport) -> (Vec<String>, Vec<String>) {
    let step = report
        .steps
        .iter()
        .find(|s| s.name == StepName::TlsHandshake)
        .expect("a handshake step");
    (step.sent.clone(), step.received.clone())
}

const WAIT: Duration = Duration::from_secs(5);

#[test]
fn tls_server_success_failure_and_versions() {
    let spec = tls_spec(files::SERVER, files::SERVER_KEY)
        .hba_line("hostssl all kong_md5 127.0.0.1/32 md5")
        .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256");
    let cluster = Cluster::start(&spec).expect("cluster");
    let root_path = pki().path(files::ROOT_CA);

    // verify-full with SCRAM-SHA-256-PLUS, by IP (SAN IP) and by name (SAN
    // DNS, with SNI), as psql would connect.
    for host in ["127.0.0.1", "localhost"] {
        let cfg = libpq(&cluster, host, Negotiation::VerifyFull);
        let started = Instant::now();
        let report = run(&cfg);
        let took = started.elapsed();
        let out = cluster.psql(
            &format!(
                "host={host} user=kong dbname=kong sslmode=verify-full sslrootcert={}",
                root_path.display()
            ),
            &[("PGPASSWORD", LAB_PASSWORD)],
        );
        assert_eq!(out.status, 0, "psql agrees that this works: {}", out.stderr);
        let version: u32 = out.stdout.trim().parse().expect("psql printed the version");
        assert_eq!(
            report.outcome,
            Outcome::Ok {
                auth_method: AuthMethod::ScramSha256Plus,
                server_version_num: version,
            },
            "{report:#?}"
        );
        // psql takes about 30 ms for the same connection; the probe must not
        // be an order of magnitude slower.
        assert!(
            took < Duration::from_millis(500),
            "a local probe took {took:?}"
        );
        assert_eq!(
            step_names(&report),
            [
                StepName::Tcp,
                StepName::SslRequest,
                StepName::TlsHandshake,
                StepName::Startup,
                StepName::Auth,
                StepName::Query
            ]
        );
        assert!(report.steps.iter().all(|s| s.ok && s.connection == 1));
        let tls = report.tls.as_ref().expect("tls facts");
        assert_eq!(tls.version.as_deref(), Some("TLSv1.3"));
        assert!(tls.cipher.as_deref().is_some_and(|c| c.starts_with("TLS_")));
        assert_eq!(tls.peer_chain, vec![cert(files::SERVER).to_der().unwrap()]);
        assert!(!tls.certificate_request, "no ssl_ca_file, no request");
        assert!(tls.chain_verification.as_ref().is_some_and(|v| v.ok));
        assert_eq!(
            tls.sni.as_deref(),
            (host == "localhost").then_some("localhost")
        );
        let (sent, received) = tls_step_messages(&report);
        assert_eq!(sent.first().map(String::as_str), Some("ClientHello"));
        assert!(received.iter().any(|m| m == "ServerHello"), "{received:?}");
        assert!(
            received.iter().any(|m| m == "Certificate (1 cert)"),
            "{received:?}"
        );
        let auth = &report.steps[4];
        assert_eq!(auth.sent[0], "SASLInitialResponse SCRAM-SHA-256-PLUS");
        assert_eq!(
            report.server_parameter("session_authorization"),
            Some("kong")
        );
        let everything = format!("{report:?}");
        assert!(!everything.contains(LAB_PASSWORD), "the password leaked");
        assert!(!everything.contains("p="), "a SCRAM proof leaked");
    }

    // md5 over TLS the client does not verify: withheld unless allowed.
    let mut cfg = libpq(&cluster, "127.0.0.1", Negotiation::Require);
    cfg.user = "kong_md5".into();
    let report = run(&cfg);
    assert!(
        matches!(&report.outcome, Outcome::Failed { kind, .. } if kind.is_password_withheld()),
        "{report:#?}"
    );
    cfg.password_to_unverified_server = true;
    let report = run(&cfg);
    assert!(
        matches!(
            report.outcome,
            Outcome::Ok {
                auth_method: AuthMethod::Md5,
                ..
            }
        ),
        "{report:#?}"
    );
    assert!(!format!("{report:?}").contains(LAB_PASSWORD));

    // An untrusted server (the client trusts the unrelated CA): libpq aborts
    // the handshake with an alert the server logs.
    let mut cfg = libpq(&cluster, "127.0.0.1", Negotiation::VerifyFull);
    cfg.tls.trust_anchors = Some(vec![cert(files::OTHER_CA)]);
    let mark = cluster.log_mark();
    let report = run(&cfg);
    let (step, kind) = failure(&report);
    assert_eq!(step, StepName::TlsHandshake);
    assert_eq!(openssl_reason(kind), "certificate verify failed");
    let tls = report.tls.as_ref().expect("facts survive the failure");
    let verdict = tls.chain_verification.as_ref().expect("own verification");
    // The first error OpenSSL finds, as `openssl verify` and libpq (which
    // stops there) see it.
    assert_eq!(
        (verdict.code, verdict.text.as_str()),
        (20, "unable to get local issuer certificate")
    );
    assert_eq!(tls.handshake_verify.as_ref().map(|v| v.code), Some(20));
    assert_eq!(tls.alert_sent.map(|a| a.code), Some(48));
    assert_eq!(
        tls.peer_chain.len(),
        1,
        "the chain is readable after a failed handshake"
    );
    cluster
        .wait_for_log(
            &mark,
            "could not accept SSL connection: tlsv1 alert unknown ca",
            WAIT,
        )
        .expect("the server logs the client's alert");
    let expected = psql(
        &cluster,
        &format!(
            "user=kong dbname=kong sslmode=verify-full sslrootcert={}",
            pki().path(files::OTHER_CA).display()
        ),
    );
    assert_eq!(psql_line(&report).as_deref(), Some(expected.as_str()));
    assert_eq!(
        kong_line(&report, KongShape::LuaSec).as_deref(),
        Some("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: certificate verify failed")
    );

    // The same server through Kong's cosocket: verified after the handshake,
    // dropped without an alert. nginx lets OpenSSL go on past the first
    // error, so the result it reports is the last one, 21.
    let mark = cluster.log_mark();
    let report = run(&kong(&cluster, true, vec![cert(files::OTHER_CA)]));
    let (step, kind) = failure(&report);
    assert_eq!(step, StepName::TlsHandshake);
    assert!(
        matches!(kind, FailureKind::Tls(TlsFailure::VerifyAfterHandshake(v)) if v.code == 21),
        "{kind:?}"
    );
    assert_eq!(report.tls.as_ref().and_then(|t| t.alert_sent), None);
    assert_eq!(
        kong_line(&report, KongShape::Cosocket).as_deref(),
        Some("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 21: unable to verify the first certificate")
    );
    assert_eq!(
        kong_nginx_log(&report).as_deref(),
        Some("lua ssl certificate verify error: (21: unable to verify the first certificate)")
    );
    let log = cluster
        .wait_for_log(&mark, "could not receive data from client", WAIT)
        .expect("the server sees the connection dropped");
    assert!(!log.contains("alert unknown ca"), "{log}");

    // Kong with verification off connects to the untrusted server, yet the
    // report still says the chain is untrusted.
    let report = run(&kong(&cluster, false, vec![cert(files::OTHER_CA)]));
    assert!(report.is_ok(), "{:?}", report.outcome);
    let tls = report.tls.as_ref().expect("facts");
    assert_eq!(tls.chain_verification.as_ref().map(|v| v.code), Some(20));

    // Version scan: PostgreSQL 15's default minimum is TLS 1.2.
    let versions = versions_accepted("127.0.0.1", cluster.port(), WAIT);
    let status: Vec<(TlsVersion, &str)> = versions
        .iter()
        .map(|v| (v.version, v.status.name()))
        .collect();
    assert_eq!(status[2], (TlsVersion::Tls1_2, "accepted"));
    assert_eq!(status[3], (TlsVersion::Tls1_3, "accepted"));
    for old in &versions[..2] {
        assert_ne!(old.status, VersionStatus::Accepted, "{old:?}");
    }
}

#[test]
fn client_certificates() {
    let pki = pki();
    let spec = tls_spec(files::SERVER, files::SERVER_KEY)
        .with_client_ca(pki)
        .expect("client CA")
        .hba_line("hostssl all all 127.0.0.1/32 cert");
    let cluster = Cluster::start(&spec).expect("cluster");

    // No certificate configured: the server asks, gets none, and refuses.
    let report = run(&libpq(&cluster, "127.0.0.1", Negotiation::Require));
    let (step, kind) = failure(&report);
    assert_eq!(step, StepName::Startup);
    let FailureKind::Server(fields) = kind else {
        panic!("expected a server error, got {kind:?}")
    };
    assert_eq!(fields.severity.as_deref(), Some("FATAL"));
    assert_eq!(fields.code.as_deref(), Some("28000"));
    assert_eq!(
        fields.message.as_deref(),
        Some("connection requires a valid client certificate")
    );
    let tls = report.tls.as_ref().expect("facts");
    assert!(tls.certificate_request);
    assert_eq!(tls.client_certificates_sent, Some(0));
    let names: Vec<&str> = tls
        .client_ca_names
        .as_ref()
        .expect("CA names")
        .iter()
        .map(|n| n.text.as_str())
        .collect();
    assert_eq!(names, ["CN=pgtls lab root CA"]);
    assert_eq!(
        psql_line(&report),
        Some(psql(&cluster, "user=kong dbname=kong sslmode=require"))
    );
    for shape in [KongShape::Cosocket, KongShape::LuaSec] {
        assert_eq!(
            kong_line(&report, shape).as_deref(),
            Some("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: FATAL: connection requires a valid client certificate")
        );
    }

    // prefer retries without TLS after the FATAL and reports both, as psql.
    let report = run(&libpq(&cluster, "127.0.0.1", Negotiation::Prefer));
    assert!(report.steps.iter().any(|s| s.connection == 2));
    assert_eq!(
        psql_line(&report),
        Some(psql(&cluster, "user=kong dbname=kong sslmode=prefer"))
    );

    // The right certificate gets in without a password prompt.
    let mut cfg = libpq(&cluster, "127.0.0.1", Negotiation::VerifyFull);
    cfg.password = None;
    cfg.tls.client_identity = Some(
        ClientIdentity::new(vec![cert(files::CLIENT_KONG)], key(files::CLIENT_KONG_KEY))
            .expect("identity"),
    );
    let report = run(&cfg);
    assert!(
        matches!(
            report.outcome,
            Outcome::Ok {
                auth_method: AuthMethod::Certificate,
                ..
            }
        ),
        "{report:#?}"
    );
    // OpenSSL completes the client chain from the trust store: leaf + root.
    assert_eq!(
        report.tls.as_ref().and_then(|t| t.client_certificates_sent),
        Some(2)
    );

    // An expired client certificate: the server says so in its alert.
    let mut cfg = libpq(&cluster, "127.0.0.1", Negotiation::Require);
    cfg.tls.client_identity = Some(
        ClientIdentity::new(
            vec![cert(files::CLIENT_EXPIRED)],
            key(files::CLIENT_EXPIRED_KEY),
        )
        .expect("identity"),
    );
    let report = run(&cfg);
    let (_, kind) = failure(&report);
    assert_eq!(openssl_reason(kind), "sslv3 alert certificate expired");
    let expected = psql(
        &cluster,
        &format!(
            "user=kong dbname=kong sslmode=require sslcert={} sslkey={}",
            pki.path(files::CLIENT_EXPIRED).display(),
            pki.path(files::CLIENT_EXPIRED_KEY).display()
        ),
    );
    assert_eq!(psql_line(&report), Some(expected));

    // A certificate from the unrelated CA: over TLS 1.2 the server's alert
    // ends the handshake; over TLS 1.3 it arrives after it.
    let other = (files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY);
    for (version, failed_step) in [
        (TlsVersion::Tls1_2, StepName::TlsHandshake),
        (TlsVersion::Tls1_3, StepName::Startup),
    ] {
        let mut cfg = libpq(&cluster, "127.0.0.1", Negotiation::Require);
        cfg.tls.max_version = Some(version);
        cfg.tls.client_identity =
            Some(ClientIdentity::new(vec![cert(other.0)], key(other.1)).expect("identity"));
        let mark = cluster.log_mark();
        let report = run(&cfg);
        let (step, kind) = failure(&report);
        assert_eq!(step, failed_step, "{version:?}");
        assert_eq!(
            openssl_reason(kind),
            "tlsv1 alert unknown ca",
            "{version:?}"
        );
        let tls = report.tls.as_ref().expect("facts");
        assert_eq!(tls.alert_received.map(|a| a.code), Some(48));
        assert_eq!(tls.handshake_completed, version == TlsVersion::Tls1_3);
        cluster
            .wait_for_log(
                &mark,
                "could not accept SSL connection: certificate verify failed",
                WAIT,
            )
            .expect("the server logs its own verdict");
        let expected = psql(
            &cluster,
            &format!(
                "user=kong dbname=kong sslmode=require sslcert={} sslkey={} ssl_max_protocol_version={}",
                pki.path(other.0).display(),
                pki.path(other.1).display(),
                version.pg_name()
            ),
        );
        assert_eq!(
            psql_line(&report).as_deref(),
            Some(expected.as_str()),
            "{version:?}"
        );
        let (cosocket, luasec) = match version {
            TlsVersion::Tls1_2 => ("handshake failed", "tlsv1 alert unknown ca"),
            _ => ("connection reset by peer", "closed"),
        };
        let prefix = "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: ";
        assert_eq!(
            kong_line(&report, KongShape::Cosocket),
            Some(format!("{prefix}{cosocket}"))
        );
        assert_eq!(
            kong_line(&report, KongShape::LuaSec),
            Some(format!("{prefix}{luasec}"))
        );
    }
}

#[test]
fn protocol_version_mismatch() {
    let spec = tls_spec(files::SERVER, files::SERVER_KEY)
        .setting("ssl_min_protocol_version", "'TLSv1.3'")
        .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256");
    let cluster = Cluster::start(&spec).expect("cluster");
    let mut cfg = libpq(&cluster, "127.0.0.1", Negotiation::Require);
    cfg.tls.max_version = Some(TlsVersion::Tls1_2);
    let mark = cluster.log_mark();
    let report = run(&cfg);
    let (step, kind) = failure(&report);
    assert_eq!(step, StepName::TlsHandshake);
    assert_eq!(openssl_reason(kind), "tlsv1 alert protocol version");
    assert_eq!(
        report
            .tls
            .as_ref()
            .and_then(|t| t.alert_received)
            .map(|a| a.code),
        Some(70)
    );
    let log = cluster
        .wait_for_log(&mark, "HINT:", WAIT)
        .expect("server log");
    assert!(
        log.contains("could not accept SSL connection: unsupported protocol"),
        "{log}"
    );
    assert_eq!(
        psql_line(&report),
        Some(psql(
            &cluster,
            "user=kong dbname=kong sslmode=require ssl_max_protocol_version=TLSv1.2"
        ))
    );
    assert_eq!(
        kong_nginx_log(&report).as_deref(),
        Some("SSL_do_handshake() failed (SSL: error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70)")
    );

    let versions = versions_accepted("127.0.0.1", cluster.port(), WAIT);
    let accepted: Vec<TlsVersion> = versions
        .iter()
        .filter(|v| v.status == VersionStatus::Accepted)
        .map(|v| v.version)
        .collect();
    assert_eq!(accepted, [TlsVersion::Tls1_3]);
    assert!(matches!(
        &versions[2].status,
        VersionStatus::Rejected { reason } if reason == "tlsv1 alert protocol version"
    ));
}

#[test]
fn server_without_tls() {
    let spec = ClusterSpec::new().hba_line("host all all 127.0.0.1/32 scram-sha-256");
    let cluster = Cluster::start(&spec).expect("cluster");

    let report = run(&libpq(&cluster, "127.0.0.1", Negotiation::Require));
    assert_eq!(
        failure(&report),
        (StepName::SslRequest, &FailureKind::ServerRefusedTls)
    );
    assert_eq!(report.steps[1].received, ["'N'"]);
    assert_eq!(
        psql_line(&report),
        Some(psql(&cluster, "user=kong dbname=kong sslmode=require"))
    );

    // Kong's pg_ssl = on without pg_ssl_required: a silent downgrade.
    let report = run(&kong(&cluster, true, vec![cert(files::ROOT_CA)]));
    assert!(
        matches!(
            report.outcome,
            Outcome::Ok {
                auth_method: AuthMethod::ScramSha256,
                ..
            }
        ),
        "{report:#?}"
    );
    assert!(!report.tls_in_use);
    assert!(report.tls.is_none());
    assert!(matches!(
        report.fallback,
        Some(pgtls_probe::Fallback::PlaintextAfterAnswer { answer: b'N' })
    ));

    // With pg_ssl_required it stops, in Kong's words.
    let mut cfg = kong(&cluster, true, vec![]);
    cfg.ssl = Negotiation::Kong {
        ssl: true,
        required: true,
    };
    let report = run(&cfg);
    assert_eq!(
        kong_line(&report, KongShape::Cosocket).as_deref(),
        Some("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: the server does not support SSL connections")
    );
}

#[test]
fn certificate_for_another_host() {
    let spec = tls_spec(files::SERVER_OTHER_HOST, files::SERVER_OTHER_HOST_KEY)
        .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256");
    let cluster = Cluster::start(&spec).expect("cluster");
    let root_path = pki().path(files::ROOT_CA);
    let report = run(&libpq(&cluster, "localhost", Negotiation::VerifyFull));
    let (step, kind) = failure(&report);
    assert_eq!(step, StepName::TlsHandshake);
    let FailureKind::Tls(TlsFailure::HostNameMismatch { message, .. }) = kind else {
        panic!("expected a host name mismatch, got {kind:?}")
    };
    assert_eq!(
        message,
        "server certificate for \"db.example.com\" does not match host name \"localhost\""
    );
    let expected = psql(
        &cluster,
        &format!(
            "host=localhost user=kong dbname=kong sslmode=verify-full sslrootcert={}",
            root_path.display()
        ),
    );
    assert_eq!(psql_line(&report), Some(expected));
    // The chain itself is fine, and Kong (chain only, no host check) gets in.
    assert!(report
        .tls
        .as_ref()
        .and_then(|t| t.chain_verification.as_ref())
        .is_some_and(|v| v.ok));
    assert!(run(&kong(&cluster, true, vec![cert(files::ROOT_CA)])).is_ok());
}

#[test]
fn intermediate_chain_and_verify_depth() {
    let spec = tls_spec(
        files::SERVER_VIA_INTERMEDIATE_CHAIN,
        files::SERVER_VIA_INTERMEDIATE_KEY,
    )
    .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256");
    let cluster = Cluster::start(&spec).expect("cluster");

    // Kong's default depth 1: leaf + one intermediate + trusted root.
    let report = run(&kong(&cluster, true, vec![cert(files::ROOT_CA)]));
    assert!(report.is_ok(), "{:#?}", report.outcome);
    assert_eq!(report.tls.as_ref().map(|t| t.peer_chain.len()), Some(2));

    let mut cfg = kong(&cluster, true, vec![cert(files::ROOT_CA)]);
    cfg.tls.verify_depth = Some(0);
    let report = run(&cfg);
    let (_, kind) = failure(&report);
    let FailureKind::Tls(TlsFailure::VerifyAfterHandshake(verdict)) = kind else {
        panic!("expected a verification failure, got {kind:?}")
    };
    assert_eq!(verdict.code, 20, "{verdict:?}");
    assert_eq!(
        kong_line(&report, KongShape::Cosocket).as_deref(),
        Some("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 20: unable to get local issuer certificate")
    );
    // Without the depth limit the same chain verifies: the depth is the cause.
    let tls = report.tls.as_ref().expect("facts");
    assert!(tls
        .chain_verification_unlimited_depth
        .as_ref()
        .is_some_and(|v| v.ok));
}
