//! The transcript of a connection: PostgreSQL messages pushed by the probe
//! and TLS handshake messages and alerts reported by OpenSSL's message
//! callback, in one ordered list, so a report shows `ClientHello`,
//! `ServerHello`, `Certificate (2 certs)`, `alert: unknown ca (48)` in the
//! order they crossed the wire. The safe `openssl` crate has no binding for
//! `SSL_set_msg_callback`, so it is declared here; the recorder reaches the
//! callback through the SSL object's ex-data rather than a raw pointer.
//! The callback also keeps the server's certificates exactly as they were
//! sent (DER, in order), which OpenSSL does not expose after a failed
//! handshake.

use std::ffi::{c_int, c_void};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use foreign_types::ForeignTypeRef;
use openssl::ex_data::Index;
use openssl::ssl::{Ssl, SslRef};

use crate::error::ProbeError;
use crate::report::{Alert, Direction};

const CONTENT_CHANGE_CIPHER_SPEC: c_int = 20;
const CONTENT_ALERT: c_int = 21;
const CONTENT_HANDSHAKE: c_int = 22;
const TLS1_3_VERSION: c_int = 0x0304;

/// SHA-256("HelloRetryRequest"): the ServerHello random that marks a
/// HelloRetryRequest (RFC 8446, 4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

type MsgCallback = unsafe extern "C" fn(
    write_p: c_int,
    version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    ssl: *mut openssl_sys::SSL,
    arg: *mut c_void,
);

extern "C" {
    fn SSL_set_msg_callback(ssl: *mut openssl_sys::SSL, cb: Option<MsgCallback>);
}

/// What the callback and the probe collected on one connection.
#[derive(Debug, Default)]
pub(crate) struct RecState {
    pub(crate) events: Vec<(Direction, String)>,
    pub(crate) client_hello_sent: bool,
    pub(crate) server_hello_received: bool,
    pub(crate) server_certs: Option<Vec<Vec<u8>>>,
    pub(crate) certificate_request: bool,
    pub(crate) client_certs_sent: Option<usize>,
    pub(crate) alert_received: Option<Alert>,
    pub(crate) alert_sent: Option<Alert>,
}

/// A shared, ordered transcript.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recorder(Arc<Mutex<RecState>>);

fn recorder_index() -> Result<Index<Ssl, Recorder>, ProbeError> {
    static INDEX: OnceLock<Result<Index<Ssl, Recorder>, ProbeError>> = OnceLock::new();
    INDEX
        .get_or_init(|| Ssl::new_ex_index().map_err(ProbeError::openssl("the message recorder")))
        .clone()
}

impl Recorder {
    fn state(&self) -> MutexGuard<'_, RecState> {
        // A panic elsewhere while holding the lock leaves data that is still
        // the best record there is.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut RecState) -> R) -> R {
        f(&mut self.state())
    }

    pub(crate) fn push(&self, direction: Direction, text: impl Into<String>) {
        self.state().events.push((direction, text.into()));
    }

    pub(crate) fn take_events(&self) -> Vec<(Direction, String)> {
        std::mem::take(&mut self.state().events)
    }

    /// Clears what belongs to one handshake, before the next one.
    pub(crate) fn reset_tls(&self) {
        let mut state = self.state();
        let events = std::mem::take(&mut state.events);
        *state = RecState {
            events,
            ..RecState::default()
        };
    }

    /// Hooks this recorder into `ssl`'s message callback.
    pub(crate) fn attach(&self, ssl: &mut SslRef) -> Result<(), ProbeError> {
        ssl.set_ex_data(recorder_index()?, self.clone());
        // SAFETY: `ssl` is a valid SSL object; the callback only reads the
        // buffer OpenSSL hands it and the ex-data set just above, which
        // lives as long as the SSL object.
        unsafe { SSL_set_msg_callback(ssl.as_ptr(), Some(msg_callback)) };
        Ok(())
    }

    fn on_tls_message(&self, sent: bool, version: c_int, content_type: c_int, bytes: &[u8]) {
        let direction = if sent {
            Direction::Sent
        } else {
            Direction::Received
        };
        let mut state = self.state();
        match content_type {
            CONTENT_CHANGE_CIPHER_SPEC => {
                state.events.push((direction, "ChangeCipherSpec".into()));
            }
            CONTENT_ALERT if bytes.len() >= 2 => {
                let alert = Alert {
                    level: bytes[0],
                    code: bytes[1],
                };
                // close_notify is a goodbye, not a verdict: it stays in the
                // transcript but not in the facts.
                if alert.code != 0 {
                    if sent {
                        state.alert_sent = Some(alert);
                    } else {
                        state.alert_received = Some(alert);
                    }
                }
                state.events.push((direction, alert.to_string()));
            }
            CONTENT_HANDSHAKE => {
                let Some((&kind, _)) = bytes.split_first() else {
                    return;
                };
                let body = bytes.get(4..).unwrap_or_default();
                let text = match kind {
                    11 => {
                        let certs = parse_certificates(body, version == TLS1_3_VERSION);
                        let count = certs.as_ref().map_or(0, Vec::len);
                        if sent {
                            state.client_certs_sent = Some(count);
                        } else if let Some(certs) = certs {
                            state.server_certs = Some(certs);
                        }
                        match certs_word(count) {
                            Some(word) => format!("Certificate ({word})"),
                            None => "Certificate".to_string(),
                        }
                    }
                    _ => describe_handshake(kind, body),
                };
                match kind {
                    1 if sent => state.client_hello_sent = true,
                    2 if !sent => state.server_hello_received = true,
                    13 if !sent => state.certificate_request = true,
                    _ => {}
                }
                state.events.push((direction, text));
            }
            _ => {}
        }
    }
}

fn certs_word(count: usize) -> Option<String> {
    match count {
        0 => Some("empty".into()),
        1 => Some("1 cert".into()),
        n => Some(format!("{n} certs")),
    }
}

unsafe extern "C" fn msg_callback(
    write_p: c_int,
    version: c_int,
    content_type: c_int,
    buf: *const c_void,
    len: usize,
    ssl: *mut openssl_sys::SSL,
    _arg: *mut c_void,
) {
    if ssl.is_null() || (buf.is_null() && len > 0) {
        return;
    }
    // A panic must not unwind into OpenSSL's C frames.
    let _ = std::panic::catch_unwind(|| {
        let Ok(index) = recorder_index() else {
            return;
        };
        // SAFETY: OpenSSL passes the live SSL object the callback was set on.
        let ssl = unsafe { SslRef::from_ptr(ssl) };
        let Some(recorder) = ssl.ex_data(index) else {
            return;
        };
        let bytes = if len == 0 {
            &[][..]
        } else {
            // SAFETY: OpenSSL guarantees `buf` holds `len` readable bytes for
            // the duration of the call.
            unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) }
        };
        recorder.on_tls_message(write_p != 0, version, content_type, bytes);
    });
}

/// Names a handshake message by type; `body` is what follows the four-byte
/// header.
pub(crate) fn describe_handshake(kind: u8, body: &[u8]) -> String {
    match kind {
        0 => "HelloRequest".into(),
        1 => "ClientHello".into(),
        2 => {
            if body.get(2..34) == Some(&HRR_RANDOM[..]) {
                "HelloRetryRequest".into()
            } else {
                "ServerHello".into()
            }
        }
        4 => "NewSessionTicket".into(),
        5 => "EndOfEarlyData".into(),
        8 => "EncryptedExtensions".into(),
        11 => "Certificate".into(),
        12 => "ServerKeyExchange".into(),
        13 => "CertificateRequest".into(),
        14 => "ServerHelloDone".into(),
        15 => "CertificateVerify".into(),
        16 => "ClientKeyExchange".into(),
        20 => "Finished".into(),
        22 => "CertificateStatus".into(),
        24 => "KeyUpdate".into(),
        other => format!("handshake message {other}"),
    }
}

fn u24(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [a, b, c, ..] => Some((usize::from(*a) << 16) | (usize::from(*b) << 8) | usize::from(*c)),
        _ => None,
    }
}

/// The DER certificates in a Certificate message body (TLS 1.3 when
/// `tls13`: a request context and per-entry extensions), or `None` when the
/// body does not parse in that format. Tries the other format if the first
/// does not fit, since OpenSSL may report the record version rather than the
/// negotiated one.
pub(crate) fn parse_certificates(body: &[u8], tls13: bool) -> Option<Vec<Vec<u8>>> {
    parse_certificates_as(body, tls13).or_else(|| parse_certificates_as(body, !tls13))
}

fn parse_certificates_as(body: &[u8], tls13: bool) -> Option<Vec<Vec<u8>>> {
    let mut rest = body;
    if tls13 {
        let ctx_len = usize::from(*rest.first()?);
        rest = rest.get(1 + ctx_len..)?;
    }
    let list_len = u24(rest)?;
    let mut list = rest.get(3..3 + list_len)?;
    if rest.len() != 3 + list_len {
        return None;
    }
    let mut certs = Vec::new();
    while !list.is_empty() {
        let len = u24(list)?;
        certs.push(list.get(3..3 + len)?.to_vec());
        list = list.get(3 + len..)?;
        if tls13 {
            let ext_len = usize::from(u16::from_be_bytes([*list.first()?, *list.get(1)?]));
            list = list.get(2 + ext_len..)?;
        }
    }
    Some(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u24b(n: usize) -> [u8; 3] {
        [(n >> 16) as u8, (n >> 8) as u8, n as u8]
    }

    fn tls12_body(certs: &[&[u8]]) -> Vec<u8> {
        let mut list = Vec::new();
        for c in certs {
            list.extend_from_slice(&u24b(c.len()));
            list.extend_from_slice(c);
        }
        let mut out = u24b(list.len()).to_vec();
        out.extend(list);
        out
    }

    fn tls13_body(certs: &[&[u8]]) -> Vec<u8> {
        let mut list = Vec::new();
        for c in certs {
            list.extend_from_slice(&u24b(c.len()));
            list.extend_from_slice(c);
            list.extend_from_slice(&[0, 0]);
        }
        let mut out = vec![0u8];
        out.extend_from_slice(&u24b(list.len()));
        out.extend(list);
        out
    }

    #[test]
    fn certificate_messages_in_both_formats() {
        let certs: [&[u8]; 2] = [b"leaf-der", b"intermediate-der"];
        let want: Vec<Vec<u8>> = certs.iter().map(|c| c.to_vec()).collect();
        assert_eq!(
            parse_certificates(&tls12_body(&certs), false),
            Some(want.clone())
        );
        assert_eq!(
            parse_certificates(&tls13_body(&certs), true),
            Some(want.clone())
        );
        // A wrong version hint still parses through the fallback.
        assert_eq!(parse_certificates(&tls13_body(&certs), false), Some(want));
        // An empty Certificate (a client with no certificate to send).
        assert_eq!(parse_certificates(&tls13_body(&[]), true), Some(vec![]));
        assert_eq!(parse_certificates(&tls12_body(&[]), false), Some(vec![]));
    }

    #[test]
    fn truncated_certificate_messages_do_not_parse() {
        let body = tls12_body(&[b"leaf-der"]);
        assert_eq!(parse_certificates(&body[..body.len() - 1], false), None);
        assert_eq!(parse_certificates(&[], false), None);
    }

    #[test]
    fn handshake_names_and_hello_retry() {
        assert_eq!(describe_handshake(1, &[]), "ClientHello");
        assert_eq!(describe_handshake(13, &[]), "CertificateRequest");
        let mut hrr = vec![0x03, 0x03];
        hrr.extend_from_slice(&HRR_RANDOM);
        assert_eq!(describe_handshake(2, &hrr), "HelloRetryRequest");
        assert_eq!(describe_handshake(2, &[0x03, 0x03, 1, 2, 3]), "ServerHello");
        assert_eq!(describe_handshake(99, &[]), "handshake message 99");
    }

    #[test]
    fn recorder_keeps_order_and_alerts() {
        let rec = Recorder::default();
        rec.push(Direction::Sent, "SSLRequest");
        rec.on_tls_message(true, 0x0303, CONTENT_HANDSHAKE, &[1, 0, 0, 0]);
        let mut cert_msg = vec![11, 0, 0, 0];
        cert_msg.extend(tls12_body(&[b"a", b"b"]));
        rec.on_tls_message(false, 0x0303, CONTENT_HANDSHAKE, &cert_msg);
        rec.on_tls_message(false, 0x0303, CONTENT_ALERT, &[2, 48]);
        rec.on_tls_message(false, 0x0303, 256, &[22, 3, 3, 0, 5]);
        let events = rec.take_events();
        assert_eq!(
            events,
            vec![
                (Direction::Sent, "SSLRequest".to_string()),
                (Direction::Sent, "ClientHello".to_string()),
                (Direction::Received, "Certificate (2 certs)".to_string()),
                (Direction::Received, "alert: unknown ca (48)".to_string()),
            ]
        );
        rec.with(|s| {
            assert!(s.client_hello_sent);
            assert_eq!(s.server_certs, Some(vec![b"a".to_vec(), b"b".to_vec()]));
            assert_eq!(s.alert_received, Some(Alert { level: 2, code: 48 }));
        });
        rec.reset_tls();
        rec.with(|s| assert!(s.server_certs.is_none() && !s.client_hello_sent));
    }
}
