//! A credential thief on loopback: a server that speaks just enough of
//! PostgreSQL's protocol to ask for the password in a form it can read
//! (cleartext or MD5), over plaintext or over TLS with a certificate no
//! client should trust. pgtls probe and the exporter, pointed at it, must
//! never send the password unless told to with the flag that names the
//! risk; with that flag the thief does get it, which proves it would
//! notice.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use openssl::asn1::Asn1Time;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::{X509NameBuilder, X509};
use pgtls_lab::LAB_PASSWORD;
use serde_json::Value;

use crate::util::{command, Run};

const SSL_REQUEST: u32 = 80_877_103;

/// How the thief asks for the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Cleartext,
    Md5,
}

/// Whether the thief answers SSLRequest with TLS (a self-signed
/// certificate for another name) or with `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Plain,
    SelfSignedTls,
}

struct Seen {
    bytes: Mutex<Vec<u8>>,
    /// Password requests sent.
    asked: AtomicUsize,
    /// Messages that came back after a password request.
    answered: AtomicUsize,
}

pub struct Thief {
    pub port: u16,
    seen: Arc<Seen>,
    stop: Arc<AtomicBool>,
}

impl Drop for Thief {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

impl Thief {
    pub fn start(wire: Wire, ask: Ask) -> Thief {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let acceptor = (wire == Wire::SelfSignedTls).then(|| Arc::new(self_signed_acceptor()));
        let seen = Arc::new(Seen {
            bytes: Mutex::new(Vec::new()),
            asked: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, shared) = (stop.clone(), seen.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let (acceptor, seen) = (acceptor.clone(), shared.clone());
                    thread::spawn(move || {
                        let _ = serve(conn, acceptor.as_deref(), ask, &seen);
                    });
                }
            }
        });
        Thief { port, seen, stop }
    }

    pub fn asked(&self) -> usize {
        self.seen.asked.load(Ordering::SeqCst)
    }

    pub fn answered(&self) -> usize {
        self.seen.answered.load(Ordering::SeqCst)
    }

    pub fn saw(&self, secret: &str) -> bool {
        let bytes = self
            .seen
            .bytes
            .lock()
            .map(|b| b.clone())
            .unwrap_or_default();
        bytes.windows(secret.len()).any(|w| w == secret.as_bytes())
    }
}

fn self_signed_acceptor() -> SslAcceptor {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("curve");
    let key = PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("pkey");
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_text("CN", "not-your-database.example")
        .expect("CN");
    let name = name.build();
    let mut cert = X509::builder().expect("cert");
    cert.set_version(2).expect("version");
    cert.set_subject_name(&name).expect("subject");
    cert.set_issuer_name(&name).expect("issuer");
    cert.set_pubkey(&key).expect("pubkey");
    cert.set_not_before(&Asn1Time::days_from_now(0).expect("now"))
        .expect("not before");
    cert.set_not_after(&Asn1Time::days_from_now(30).expect("later"))
        .expect("not after");
    cert.sign(&key, MessageDigest::sha256()).expect("sign");
    let cert = cert.build();
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("acceptor");
    acceptor.set_private_key(&key).expect("key");
    acceptor.set_certificate(&cert).expect("cert");
    acceptor.build()
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

fn read_message(s: &mut dyn Stream, seen: &Seen) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    let mut body = vec![0u8; len.saturating_sub(4).min(64 * 1024)];
    s.read_exact(&mut body)?;
    if let Ok(mut b) = seen.bytes.lock() {
        b.extend_from_slice(&body);
    }
    Ok(body)
}

fn serve(
    conn: TcpStream,
    acceptor: Option<&SslAcceptor>,
    ask: Ask,
    seen: &Seen,
) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    conn.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut plain = conn;
    let first = read_message(&mut plain, seen)?;
    let is_ssl_request = first.len() == 4
        && u32::from_be_bytes([first[0], first[1], first[2], first[3]]) == SSL_REQUEST;
    let mut stream: Box<dyn Stream> = match (is_ssl_request, acceptor) {
        (true, Some(acceptor)) => {
            plain.write_all(b"S")?;
            match acceptor.accept(plain) {
                Ok(tls) => Box::new(tls),
                // The client refused the certificate: nothing more to see.
                Err(_) => return Ok(()),
            }
        }
        (true, None) => {
            plain.write_all(b"N")?;
            Box::new(plain)
        }
        (false, _) => Box::new(plain),
    };
    if is_ssl_request {
        // The startup message follows the SSL answer.
        read_message(&mut *stream, seen)?;
    }
    let request: Vec<u8> = match ask {
        Ask::Cleartext => vec![b'R', 0, 0, 0, 8, 0, 0, 0, 3],
        Ask::Md5 => vec![b'R', 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4],
    };
    // Counted before it is sent: the client may answer (or hang up) and the
    // test look at the count before this thread runs again.
    seen.asked.fetch_add(1, Ordering::SeqCst);
    stream.write_all(&request)?;
    stream.flush()?;
    let mut tag = [0u8; 1];
    if stream.read_exact(&mut tag).is_ok() {
        seen.answered.fetch_add(1, Ordering::SeqCst);
        let _ = read_message(&mut *stream, seen);
    }
    let mut error = b"SFATAL\0C28P01\0Mpassword authentication failed\0\0".to_vec();
    let len = (error.len() + 4) as u32;
    let mut out = vec![b'E'];
    out.extend_from_slice(&len.to_be_bytes());
    out.append(&mut error);
    let _ = stream.write_all(&out);
    Ok(())
}

fn probe(args: &[&str]) -> Run {
    let mut cmd = command(&[&["--format", "json", "probe", "--timeout", "3"][..], args].concat());
    cmd.env("PGPASSWORD", LAB_PASSWORD)
        .env_remove("PGSSLMODE")
        .env_remove("PGHOST")
        .env_remove("PGPORT");
    cmd.output().expect("pgtls runs").into()
}

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

fn assert_withheld(what: &str, thief: &Thief, run: &Run) {
    assert!(
        !thief.saw(LAB_PASSWORD),
        "{what}: the thief read the password"
    );
    assert_eq!(
        thief.answered(),
        0,
        "{what}: something answered the password request"
    );
    assert!(!run.stdout.contains(LAB_PASSWORD) && !run.stderr.contains(LAB_PASSWORD));
}

#[test]
fn probe_never_hands_a_readable_password_to_an_unverified_server() {
    for (wire, ask, mode) in [
        (Wire::SelfSignedTls, Ask::Cleartext, "require"),
        (Wire::SelfSignedTls, Ask::Md5, "require"),
        (Wire::SelfSignedTls, Ask::Cleartext, "prefer"),
        (Wire::Plain, Ask::Cleartext, "prefer"),
        (Wire::Plain, Ask::Md5, "allow"),
        (Wire::Plain, Ask::Cleartext, "disable"),
    ] {
        let what = format!("{wire:?} {ask:?} sslmode={mode}");
        let thief = Thief::start(wire, ask);
        let conninfo = format!(
            "host=127.0.0.1 port={} user=kong dbname=kong sslmode={mode}",
            thief.port
        );
        let run = probe(&[&conninfo]);
        assert_eq!(run.status, 1, "{what}: {}{}", run.stdout, run.stderr);
        assert!(thief.asked() > 0, "{what}: the thief got as far as asking");
        assert_withheld(&what, &thief, &run);
        let v = run.json();
        assert!(codes(&v).contains(&"PGTLS026".to_string()), "{what}: {v:#}");
    }
}

#[test]
fn kong_mode_withholds_too_and_verify_full_never_gets_as_far_as_asking() {
    let thief = Thief::start(Wire::Plain, Ask::Cleartext);
    let dir = tempfile::tempdir().expect("dir");
    let conf = dir.path().join("kong.conf");
    std::fs::write(
        &conf,
        format!(
            "pg_host = 127.0.0.1\npg_port = {}\npg_user = kong\npg_password = {LAB_PASSWORD}\npg_database = kong\n",
            thief.port
        ),
    )
    .expect("kong.conf");
    let run = probe(&["--kong-conf", &conf.display().to_string()]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    assert!(thief.asked() >= 2, "both of Kong's connections were asked");
    assert_withheld("kong pg_ssl = off", &thief, &run);
    assert!(codes(&run.json()).contains(&"PGTLS026".to_string()));

    let tls = Thief::start(Wire::SelfSignedTls, Ask::Cleartext);
    let conninfo = format!(
        "host=127.0.0.1 port={} user=kong sslmode=verify-full sslrootcert={}",
        tls.port,
        crate::lab_util::path(pgtls_lab::files::ROOT_CA)
    );
    let run = probe(&[&conninfo]);
    assert_eq!(run.status, 1);
    assert_eq!(tls.asked(), 0, "the handshake already failed");
    assert_withheld("verify-full", &tls, &run);
}

#[test]
fn the_flag_that_names_the_risk_sends_it_and_the_thief_reads_it() {
    let thief = Thief::start(Wire::SelfSignedTls, Ask::Cleartext);
    let conninfo = format!(
        "host=127.0.0.1 port={} user=kong sslmode=require",
        thief.port
    );
    let run = probe(&["--password-to-unverified-server", &conninfo]);
    assert!(
        thief.saw(LAB_PASSWORD),
        "the thief would notice: {}",
        run.stdout
    );
    assert!(!run.stdout.contains(LAB_PASSWORD) && !run.stderr.contains(LAB_PASSWORD));
}
