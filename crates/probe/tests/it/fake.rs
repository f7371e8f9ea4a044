//! Servers that are not PostgreSQL, or a PostgreSQL that misbehaves, played
//! by small local listeners: nothing listening, a silent peer, a peer that
//! drips bytes, junk, an oversized frame, an error instead of an SSL answer.
//! Each must end in the report, within the step deadline, never in a hang,
//! a panic or a large allocation. Where psql can be pointed at the same
//! peer, its message is compared with ours.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use pgtls_probe::client_line::{kong_line, psql_line, KongShape};
use pgtls_probe::{
    probe, DecodeError, FailureKind, Fallback, Negotiation, Outcome, ProbeConfig, StepName,
    UnreachableReason, Violation,
};

/// Accepts `connections` connections and runs `serve` on each.
fn fake_server(
    connections: usize,
    serve: impl Fn(TcpStream) + Send + Sync + 'static,
) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = thread::spawn(move || {
        for _ in 0..connections {
            match listener.accept() {
                Ok((stream, _)) => serve(stream),
                Err(_) => return,
            }
        }
    });
    (port, handle)
}

fn read_exactly(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    let _ = stream.read_exact(&mut buf);
    buf
}

/// psql's stderr for a conninfo (no server of ours involved).
fn real_psql(conninfo: &str) -> String {
    let out = Command::new("psql")
        .args(["-X", "-w", "-At", "-c", "select 1", "-d", conninfo])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C")
        .output()
        .expect("psql runs");
    String::from_utf8_lossy(&out.stderr).trim_end().to_string()
}

fn cfg(port: u16, mode: Negotiation, timeout: Duration) -> ProbeConfig {
    let mut cfg = ProbeConfig::libpq("127.0.0.1", port, mode);
    cfg.user = "kong".into();
    cfg.database = Some("kong".into());
    cfg.timeout = timeout;
    cfg
}

#[test]
fn nothing_listening() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let report = probe(&cfg(port, Negotiation::Prefer, Duration::from_secs(2))).expect("probe");
    let Some((StepName::Tcp, FailureKind::Unreachable { reason, tried })) = report.failure() else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(*reason, UnreachableReason::Refused);
    assert_eq!(tried.len(), 1);
    assert_eq!(tried[0].addr.port(), port);
    assert_eq!(tried[0].error, "Connection refused");
    assert_eq!(
        psql_line(&report),
        Some(real_psql(&format!(
            "host=127.0.0.1 port={port} user=kong dbname=kong"
        )))
    );
    assert_eq!(
        kong_line(&report, KongShape::Cosocket).as_deref(),
        Some("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: connection refused")
    );
}

#[test]
fn a_name_that_does_not_resolve() {
    let report = probe(&ProbeConfig::libpq(
        "no-such-host.invalid",
        5432,
        Negotiation::Prefer,
    ))
    .expect("probe");
    let Some((StepName::Tcp, FailureKind::Unreachable { reason, tried })) = report.failure() else {
        panic!("{:?}", report.outcome)
    };
    assert!(
        matches!(reason, UnreachableReason::Dns { .. }),
        "{reason:?}"
    );
    assert!(tried.is_empty());
    assert_eq!(
        psql_line(&report),
        Some(real_psql(
            "host=no-such-host.invalid port=5432 user=postgres"
        ))
    );
}

#[test]
fn a_silent_server_times_out_at_the_deadline() {
    let (port, server) = fake_server(1, |stream| {
        // Accept, read the SSLRequest, say nothing.
        thread::sleep(Duration::from_millis(1500));
        drop(stream);
    });
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let report = probe(&cfg(port, Negotiation::Require, timeout)).expect("probe");
    let took = started.elapsed();
    let Some((
        StepName::SslRequest,
        FailureKind::Timeout {
            after,
            arrived,
            partial_bytes,
        },
    )) = report.failure()
    else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(*after, timeout);
    assert!(arrived.is_empty());
    assert_eq!(*partial_bytes, 0);
    assert!(took >= Duration::from_millis(290), "{took:?}");
    assert!(took < Duration::from_millis(1000), "{took:?}");
    assert!(psql_line(&report).is_some_and(|l| l.ends_with("failed: timeout expired")));
    assert_eq!(
        kong_line(&report, KongShape::LuaSec).as_deref(),
        Some("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: timeout")
    );
    server.join().expect("server thread");
}

#[test]
fn a_dripping_server_still_ends_at_the_deadline() {
    let (port, server) = fake_server(1, |mut stream| {
        read_exactly(&mut stream, 8);
        let _ = stream.write_all(b"N");
        let mut buf = [0u8; 512];
        let _ = stream.read(&mut buf);
        // An ErrorResponse, one byte every 60 ms: every read succeeds, the
        // message never completes in time.
        let msg = b"E\0\0\0\x40SFATAL\0C28000\0Mtoo slow for anyone, dripping byte by byte\0\0";
        for b in msg.iter() {
            if stream.write_all(&[*b]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(60));
        }
    });
    let timeout = Duration::from_millis(400);
    let report = probe(&cfg(port, Negotiation::Prefer, timeout)).expect("probe");
    let Some((StepName::Startup, FailureKind::Timeout { partial_bytes, .. })) = report.failure()
    else {
        panic!("{:?}", report.outcome)
    };
    assert!(*partial_bytes >= 3, "some bytes arrived: {partial_bytes}");
    let startup = report.steps.last().expect("a startup step");
    assert!(
        startup.elapsed < Duration::from_millis(800),
        "{:?}",
        startup.elapsed
    );
    assert!(matches!(
        report.fallback,
        Some(Fallback::PlaintextAfterAnswer { answer: b'N' })
    ));
    server.join().expect("server thread");
}

#[test]
fn an_http_server_is_junk_to_libpq() {
    let serve = |mut stream: TcpStream| {
        read_exactly(&mut stream, 8);
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        thread::sleep(Duration::from_millis(100));
    };
    let (port, server) = fake_server(3, serve);
    let report = probe(&cfg(port, Negotiation::Require, Duration::from_secs(2))).expect("probe");
    assert_eq!(
        report.failure(),
        Some((
            StepName::SslRequest,
            &FailureKind::JunkSslAnswer { byte: b'H' }
        ))
    );
    assert_eq!(
        psql_line(&report),
        Some(real_psql(&format!(
            "host=127.0.0.1 port={port} user=kong dbname=kong sslmode=require connect_timeout=2"
        )))
    );

    // Kong's pgmoon reads any answer but S and E as "no TLS" and goes on in
    // plaintext; the rest of the HTTP reply then claims an absurd frame
    // length, refused without allocating it.
    let mut kong = ProbeConfig::kong("127.0.0.1", port, true, false, false);
    kong.timeout = Duration::from_secs(2);
    let report = probe(&kong).expect("probe");
    let Some((
        StepName::Startup,
        FailureKind::ProtocolViolation(Violation::Frame(DecodeError::FrameTooLong {
            tag,
            claimed,
            ..
        })),
    )) = report.failure()
    else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(*tag, b'T');
    assert_eq!(*claimed, u64::from(u32::from_be_bytes(*b"TP/1")));
    server.join().expect("server thread");
}

#[test]
fn an_oversized_authentication_frame_is_refused() {
    let (port, server) = fake_server(1, |mut stream| {
        read_exactly(&mut stream, 8);
        let _ = stream.write_all(b"N");
        let mut buf = [0u8; 512];
        let _ = stream.read(&mut buf);
        // An authentication request claiming 1 GiB, and nothing behind it.
        let _ = stream.write_all(&[b'R', 0x40, 0, 0, 0]);
        thread::sleep(Duration::from_millis(500));
    });
    let started = Instant::now();
    let report = probe(&cfg(port, Negotiation::Prefer, Duration::from_secs(3))).expect("probe");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused at once"
    );
    let Some((StepName::Startup, FailureKind::ProtocolViolation(v))) = report.failure() else {
        panic!("{:?}", report.outcome)
    };
    assert!(v.to_string().contains("1073741824"), "{v}");
    server.join().expect("server thread");
}

#[test]
fn an_error_instead_of_an_ssl_answer() {
    let (port, server) = fake_server(2, |mut stream| {
        read_exactly(&mut stream, 8);
        let body = b"SFATAL\0VFATAL\0C53300\0Msorry, too many clients already\0\0";
        let mut msg = vec![b'E'];
        msg.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        msg.extend_from_slice(body);
        let _ = stream.write_all(&msg);
        thread::sleep(Duration::from_millis(100));
    });
    let report = probe(&cfg(port, Negotiation::Require, Duration::from_secs(2))).expect("probe");
    let Some((StepName::SslRequest, FailureKind::ErrorToSslRequest(fields))) = report.failure()
    else {
        panic!("{:?}", report.outcome)
    };
    assert_eq!(fields.code.as_deref(), Some("53300"));
    assert_eq!(
        psql_line(&report),
        Some(real_psql(&format!(
            "host=127.0.0.1 port={port} user=kong dbname=kong sslmode=require connect_timeout=2"
        )))
    );
    assert!(matches!(report.outcome, Outcome::Failed { .. }));
    server.join().expect("server thread");
}
