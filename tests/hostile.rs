//! Hostile and broken peers: pgtls must end within its timeout with a clear
//! finding, never hang or panic, and a fleet scan must carry on with the
//! other targets.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use pgtls_lab::{shared_pki, Cluster, ClusterSpec};
use serde_json::Value;

use crate::lab_util::HOSTSSL_SCRAM;
use crate::util::pgtls;

/// A loopback server that treats every connection with `behave`, until dropped.
pub struct Peer {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

pub fn peer(behave: fn(TcpStream)) -> Peer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    thread::spawn(move || {
        for conn in listener.incoming() {
            if flag.load(Ordering::SeqCst) {
                break;
            }
            if let Ok(conn) = conn {
                thread::spawn(move || behave(conn));
            }
        }
    });
    Peer { port, stop }
}

fn read_ssl_request(conn: &mut TcpStream) -> bool {
    let mut buf = [0u8; 8];
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
    conn.read_exact(&mut buf).is_ok()
}

pub fn silent(conn: TcpStream) {
    thread::sleep(Duration::from_secs(30));
    drop(conn);
}

pub fn junk_answer(mut conn: TcpStream) {
    if read_ssl_request(&mut conn) {
        let _ = conn.write_all(b"X");
        thread::sleep(Duration::from_secs(2));
    }
}

pub fn s_then_plaintext(mut conn: TcpStream) {
    if read_ssl_request(&mut conn) {
        let _ = conn.write_all(b"SHTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        thread::sleep(Duration::from_secs(2));
    }
}

pub fn drip(mut conn: TcpStream) {
    if read_ssl_request(&mut conn) {
        for byte in b"S\x16\x03\x03\x00\x10junkjunkjunkjunk" {
            if conn.write_all(&[*byte]).is_err() {
                return;
            }
            thread::sleep(Duration::from_secs(1));
        }
    }
}

/// SO_LINGER with a zero timeout makes close() send a RST instead of a FIN.
fn abort(conn: TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a correctly sized linger struct.
    unsafe {
        libc::setsockopt(
            conn.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(conn);
}

pub fn reset(conn: TcpStream) {
    abort(conn);
}

pub fn reset_after_ssl_request(mut conn: TcpStream) {
    if read_ssl_request(&mut conn) {
        abort(conn);
    }
}

fn scan(targets: &[String], timeout: &str) -> (Duration, i32, Value) {
    let mut args = vec!["scan", "--format", "json", "--timeout", timeout];
    args.extend(targets.iter().map(String::as_str));
    let started = Instant::now();
    let run = pgtls(&args);
    let took = started.elapsed();
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let (status, json) = run.report("scan");
    (took, status, json)
}

#[test]
fn every_misbehaving_peer_is_a_finding_within_the_timeout() {
    let peers = [
        ("silent", peer(silent)),
        ("junk answer", peer(junk_answer)),
        ("S then plaintext", peer(s_then_plaintext)),
        ("drip", peer(drip)),
        ("reset at accept", peer(reset)),
        ("reset after SSLRequest", peer(reset_after_ssl_request)),
    ];
    let targets: Vec<String> = peers
        .iter()
        .map(|(_, p)| format!("127.0.0.1:{}", p.port))
        .collect();
    let (took, status, json) = scan(&targets, "1");
    assert_eq!(status, 1);
    assert!(
        took < Duration::from_secs(8),
        "a 1 s step timeout must bound the scan: took {took:?}"
    );
    let scanned = json["targets"].as_array().expect("targets");
    assert_eq!(scanned.len(), peers.len());
    for ((name, _), t) in peers.iter().zip(scanned) {
        let findings = t["findings"].as_array().expect("findings");
        assert!(
            !findings.is_empty(),
            "{name}: a broken peer must be a finding: {t}"
        );
        let evidence = findings[0]["evidence"][0]["text"]
            .as_str()
            .unwrap_or_default();
        assert!(
            !evidence.is_empty(),
            "{name}: the finding says what arrived"
        );
        assert_ne!(t["verdict"], "ok", "{name}");
        assert_eq!(findings[0]["code"], "PGTLS025", "{name}: {t}");
    }
}

#[test]
fn fleet_scan_carries_on_past_broken_targets() {
    let pki = shared_pki().expect("PKI");
    let spec = ClusterSpec::new()
        .with_server_tls(pki)
        .expect("tls")
        .hba_line(HOSTSSL_SCRAM);
    let cluster = Cluster::start(&spec).expect("cluster");
    let silent = peer(silent);
    let junk = peer(junk_answer);
    let targets = vec![
        format!("127.0.0.1:{}", silent.port),
        format!("127.0.0.1:{}", cluster.port()),
        format!("127.0.0.1:{}", junk.port),
    ];
    let (_, _, json) = scan(&targets, "1");
    let scanned = json["targets"].as_array().expect("targets");
    assert_eq!(
        scanned[1]["tls_versions"]["TLSv1.3"], "accepted",
        "{}",
        scanned[1]
    );
    assert_eq!(scanned[1]["verdict"], "ok", "{}", scanned[1]);
}
