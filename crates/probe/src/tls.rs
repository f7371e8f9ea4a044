//! The TLS client: an OpenSSL context configured exactly as the imitated
//! client configures its own (versions, trust anchors, verify mode and
//! depth, client certificate, security level, ciphers), one handshake at a
//! time, and the facts of each handshake collected whether it succeeded or
//! failed: OpenSSL keeps the SSL object of a failed handshake, so the chain
//! received, the CertificateRequest's CA names and the verify result can
//! still be read from it. Independently of what the handshake did, the
//! received chain is verified against the trust anchors here, so a report
//! always says whether the server's chain is trustworthy.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_ulong};
use std::io;
use std::sync::{Arc, Mutex};

use foreign_types::ForeignTypeRef;
use openssl::error::Error as OpenSslErrorEntry;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::ssl::{
    self, ErrorCode, HandshakeError, Ssl, SslContext, SslContextBuilder, SslMethod, SslRef,
    SslStream, SslVerifyMode, SslVersion,
};
use openssl::stack::{Stack, StackRef};
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{X509Name, X509PurposeId, X509StoreContext, X509VerifyResult, X509};

use crate::config::{TlsSettings, TlsVersion, Verify};
use crate::deadline::DeadlineStream;
use crate::error::ProbeError;
use crate::hostname::{check_host_name, HostCheck};
use crate::recorder::Recorder;
use crate::report::{
    name_to_string, CaName, ChainVerification, OpenSslError, TlsFacts, TlsFailure,
};

extern "C" {
    fn SSL_get_client_CA_list(ssl: *const openssl_sys::SSL)
        -> *mut openssl_sys::stack_st_X509_NAME;
    fn ERR_error_string_n(e: c_ulong, buf: *mut c_char, len: usize);
}

/// How an I/O operation on the connection ended badly.
#[derive(Debug, Clone)]
pub(crate) enum IoFail {
    /// The step deadline passed.
    Timeout,
    /// The peer closed the connection.
    Closed,
    /// The connection was reset.
    Reset,
    /// Another socket error, in the system's words.
    Io(String),
    /// OpenSSL failed a record (an alert, a protocol error).
    Tls(OpenSslError),
}

/// The system's words for an I/O error, without Rust's ` (os error N)`.
pub(crate) fn io_words(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

pub(crate) fn classify_io(e: &io::Error) -> IoFail {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => IoFail::Timeout,
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => IoFail::Reset,
        io::ErrorKind::UnexpectedEof => IoFail::Closed,
        _ => IoFail::Io(io_words(e)),
    }
}

pub(crate) fn classify_ssl(e: &ssl::Error) -> IoFail {
    if let Some(io) = e.io_error() {
        return classify_io(io);
    }
    if let Some(first) = e.ssl_error().and_then(|stack| stack.errors().first()) {
        return IoFail::Tls(openssl_error(first));
    }
    match e.code() {
        ErrorCode::ZERO_RETURN | ErrorCode::SYSCALL => IoFail::Closed,
        _ => IoFail::Io(e.to_string()),
    }
}

pub(crate) fn openssl_error(e: &OpenSslErrorEntry) -> OpenSslError {
    let code: u64 = e.code();
    let mut buf = [0 as c_char; 256];
    // SAFETY: the buffer is writable for its whole length, and
    // ERR_error_string_n always NUL-terminates within `len`.
    let text = unsafe {
        ERR_error_string_n(e.code() as c_ulong, buf.as_mut_ptr(), buf.len());
        std::ffi::CStr::from_ptr(buf.as_ptr())
            .to_string_lossy()
            .into_owned()
    };
    OpenSslError {
        code,
        library: e.library().map(str::to_string),
        reason: e.reason().map(str::to_string),
        data: e.data().map(str::to_string),
        text,
    }
}

/// The verify code and depth of the last failure the handshake's own
/// verification reported.
type VerifySlot = Arc<Mutex<Option<(i32, u32)>>>;

/// What a handshake's settings cost to build: the OpenSSL context (its
/// trust store, versions, client certificate) and the stores chains are
/// verified against afterwards. Built once per distinct settings and
/// shared (an exporter probes the same targets the same way every scrape;
/// building the context was half of its CPU).
struct Built {
    ctx: SslContext,
    store: X509Store,
    unlimited_store: Option<X509Store>,
}

/// Contexts kept at most; beyond, the cache starts again (settings are
/// few in practice: one per target module and TLS version tried).
const MAX_CONTEXTS: usize = 64;

static CONTEXTS: Mutex<Option<HashMap<[u8; 32], Arc<Built>>>> = Mutex::new(None);

/// What tells two settings' contexts apart: every setting `build` reads
/// (a setting added there must be added here), the certificates and the
/// client key by digest (the key's public half only: no secret is kept in
/// the cache's key).
fn context_key(settings: &TlsSettings) -> Result<[u8; 32], ProbeError> {
    let err = ProbeError::openssl("the TLS context");
    let mut h = openssl::sha::Sha256::new();
    h.update(
        format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|",
            settings.min_version,
            settings.max_version,
            settings.security_level,
            settings.cipher_list,
            settings.verify,
            settings.verify_depth,
            settings.alpn,
        )
        .as_bytes(),
    );
    for cert in settings.trust_anchors.iter().flatten() {
        h.update(b"anchor");
        h.update(&cert.to_der().map_err(&err)?);
    }
    if let Some(identity) = &settings.client_identity {
        for cert in identity.chain() {
            h.update(b"identity");
            h.update(&cert.to_der().map_err(&err)?);
        }
        h.update(b"key");
        h.update(&identity.key().public_key_to_der().map_err(&err)?);
    }
    Ok(h.finish())
}

/// A configured TLS client.
pub(crate) struct TlsClient {
    built: Arc<Built>,
    settings: TlsSettings,
}

/// How a handshake ended.
pub(crate) enum Handshake {
    /// TLS is up and the client's own checks passed.
    Done {
        stream: Box<SslStream<DeadlineStream>>,
        facts: TlsFacts,
    },
    /// The handshake completed but the client refused the server (verify
    /// after handshake, host name); the connection is already closed.
    Rejected {
        facts: TlsFacts,
        failure: TlsFailure,
    },
    /// The handshake failed.
    Failed { facts: TlsFacts, fail: IoFail },
}

/// OpenSSL's constant for a version.
fn openssl_version(v: TlsVersion) -> SslVersion {
    match v {
        TlsVersion::Tls1_0 => SslVersion::TLS1,
        TlsVersion::Tls1_1 => SslVersion::TLS1_1,
        TlsVersion::Tls1_2 => SslVersion::TLS1_2,
        TlsVersion::Tls1_3 => SslVersion::TLS1_3,
    }
}

fn trust_store(anchors: Option<&[X509]>, depth: Option<u32>) -> Result<X509Store, ProbeError> {
    let err = ProbeError::openssl("the trust store");
    let mut builder = X509StoreBuilder::new().map_err(&err)?;
    for cert in anchors.unwrap_or_default() {
        builder.add_cert(cert.clone()).map_err(&err)?;
    }
    let mut param = X509VerifyParam::new().map_err(&err)?;
    param.set_purpose(X509PurposeId::SSL_SERVER).map_err(&err)?;
    if let Some(depth) = depth {
        param.set_depth(depth.min(i32::MAX as u32) as c_int);
    }
    builder.set_param(&param).map_err(&err)?;
    Ok(builder.build())
}

impl TlsClient {
    /// A client for `settings`, on a context built once for settings like
    /// these.
    pub(crate) fn new(settings: &TlsSettings) -> Result<TlsClient, ProbeError> {
        let key = context_key(settings)?;
        let cached = CONTEXTS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(|m| m.get(&key).cloned());
        let built = match cached {
            Some(b) => b,
            None => {
                let b = Arc::new(TlsClient::build(settings)?);
                let mut guard = CONTEXTS.lock().unwrap_or_else(|p| p.into_inner());
                let map = guard.get_or_insert_with(HashMap::new);
                if map.len() >= MAX_CONTEXTS {
                    map.clear();
                }
                map.insert(key, b.clone());
                b
            }
        };
        Ok(TlsClient {
            built,
            settings: settings.clone(),
        })
    }

    fn build(settings: &TlsSettings) -> Result<Built, ProbeError> {
        let err = ProbeError::openssl("the TLS context");
        let mut builder: SslContextBuilder =
            SslContext::builder(SslMethod::tls_client()).map_err(&err)?;
        if let (Some(min), Some(max)) = (settings.min_version, settings.max_version) {
            if min > max {
                return Err(ProbeError::InvalidVersionRange {
                    min: min.pg_name(),
                    max: max.pg_name(),
                });
            }
        }
        if let Some(level) = settings.security_level {
            builder.set_security_level(u32::from(level));
        }
        builder
            .set_min_proto_version(settings.min_version.map(openssl_version))
            .map_err(&err)?;
        builder
            .set_max_proto_version(settings.max_version.map(openssl_version))
            .map_err(&err)?;
        if let Some(list) = &settings.cipher_list {
            builder
                .set_cipher_list(list)
                .map_err(|_| ProbeError::InvalidCipherList { list: list.clone() })?;
        }
        if let Some(alpn) = &settings.alpn {
            let mut wire = Vec::with_capacity(alpn.len() + 1);
            wire.push(u8::try_from(alpn.len()).map_err(|_| ProbeError::OpenSsl {
                context: "the ALPN protocol",
                message: "longer than 255 bytes".into(),
            })?);
            wire.extend_from_slice(alpn.as_bytes());
            builder.set_alpn_protos(&wire).map_err(&err)?;
        }
        // The handshake's store: only the given anchors, never the system's.
        builder.set_cert_store(trust_store(settings.trust_anchors.as_deref(), None)?);
        if let Some(depth) = settings.verify_depth {
            builder.set_verify_depth(depth);
        }
        if let Some(identity) = &settings.client_identity {
            let err = ProbeError::openssl("the client certificate");
            let mut chain = identity.chain().iter();
            if let Some(leaf) = chain.next() {
                builder.set_certificate(leaf).map_err(&err)?;
            }
            for extra in chain {
                builder.add_extra_chain_cert(extra.clone()).map_err(&err)?;
            }
            builder.set_private_key(identity.key()).map_err(&err)?;
            builder
                .check_private_key()
                .map_err(|_| ProbeError::ClientKeyMismatch)?;
        }
        let store = trust_store(settings.trust_anchors.as_deref(), settings.verify_depth)?;
        let unlimited_store = match settings.verify_depth {
            Some(_) => Some(trust_store(settings.trust_anchors.as_deref(), None)?),
            None => None,
        };
        Ok(Built {
            ctx: builder.build(),
            store,
            unlimited_store,
        })
    }

    /// Runs one handshake over `stream`.
    pub(crate) fn handshake(
        &self,
        stream: DeadlineStream,
        recorder: &Recorder,
    ) -> Result<Handshake, ProbeError> {
        let err = ProbeError::openssl("the TLS connection");
        let mut ssl = Ssl::new(&self.built.ctx).map_err(&err)?;
        // The verify callback is the handshake's own (the context is
        // shared): it records this handshake's failure only.
        let slot: VerifySlot = Arc::default();
        let recorded = slot.clone();
        let in_handshake = self.settings.verify == Verify::InHandshake;
        let mode = if in_handshake {
            SslVerifyMode::PEER
        } else {
            SslVerifyMode::NONE
        };
        ssl.set_verify_callback(mode, move |preverify_ok, ctx| {
            if !preverify_ok {
                let mut guard = recorded.lock().unwrap_or_else(|p| p.into_inner());
                *guard = Some((ctx.error().as_raw(), ctx.error_depth()));
            }
            // Verify-in-handshake aborts on the first failure as libpq does;
            // otherwise the result is only recorded.
            !in_handshake || preverify_ok
        });
        recorder.reset_tls();
        recorder.attach(&mut ssl)?;
        if let Some(sni) = &self.settings.sni {
            ssl.set_hostname(sni).map_err(&err)?;
        }

        let mut attempt = ssl.connect(stream);
        loop {
            match attempt {
                Ok(stream) => return Ok(self.after_handshake(stream, recorder, &slot)),
                Err(HandshakeError::WouldBlock(mid)) => {
                    if mid.get_ref().deadline_passed() {
                        let facts = self.facts(mid.ssl(), recorder, false, None, &slot);
                        return Ok(Handshake::Failed {
                            facts,
                            fail: IoFail::Timeout,
                        });
                    }
                    attempt = mid.handshake();
                }
                Err(HandshakeError::Failure(mid)) => {
                    let fail = classify_ssl(mid.error());
                    let error = match &fail {
                        IoFail::Tls(e) => Some(e.clone()),
                        _ => None,
                    };
                    let facts = self.facts(mid.ssl(), recorder, false, error, &slot);
                    return Ok(Handshake::Failed { facts, fail });
                }
                Err(HandshakeError::SetupFailure(stack)) => return Err(err(stack)),
            }
        }
    }

    fn after_handshake(
        &self,
        mut stream: SslStream<DeadlineStream>,
        recorder: &Recorder,
        slot: &VerifySlot,
    ) -> Handshake {
        let facts = self.facts(stream.ssl(), recorder, true, None, slot);
        if self.settings.verify == Verify::AfterHandshake {
            if let Some(verdict) = facts.handshake_verify.clone().filter(|v| !v.ok) {
                // nginx drops the connection without a word: no alert, no
                // close_notify, which the server sees as a reset.
                drop(stream);
                return Handshake::Rejected {
                    facts,
                    failure: TlsFailure::VerifyAfterHandshake(verdict),
                };
            }
        }
        if let Some(host) = &self.settings.host_name_check {
            let leaf = facts
                .peer_chain
                .first()
                .and_then(|der| X509::from_der(der).ok());
            let verdict = match leaf {
                Some(leaf) => check_host_name(&leaf, host),
                None => HostCheck::Error {
                    message: "certificate could not be obtained".into(),
                },
            };
            let message = match verdict {
                HostCheck::Match => None,
                HostCheck::Mismatch { message, .. } | HostCheck::Error { message } => Some(message),
            };
            if let Some(message) = message {
                // libpq closes with SSL_shutdown, sending close_notify.
                let _ = stream.shutdown();
                let facts = self.facts(stream.ssl(), recorder, true, None, slot);
                return Handshake::Rejected {
                    facts,
                    failure: TlsFailure::HostNameMismatch {
                        host: host.clone(),
                        message,
                    },
                };
            }
        }
        Handshake::Done {
            stream: Box::new(stream),
            facts,
        }
    }

    /// Collects the facts of a handshake from the SSL object and the
    /// recorder.
    pub(crate) fn facts(
        &self,
        ssl: &SslRef,
        recorder: &Recorder,
        completed: bool,
        error: Option<OpenSslError>,
        slot: &VerifySlot,
    ) -> TlsFacts {
        let (server_hello, certs, cert_request, client_sent, alert_in, alert_out) =
            recorder.with(|s| {
                (
                    s.server_hello_received,
                    s.server_certs.clone(),
                    s.certificate_request,
                    s.client_certs_sent,
                    s.alert_received,
                    s.alert_sent,
                )
            });
        let peer_chain = match certs {
            Some(certs) => certs,
            None => ssl
                .peer_cert_chain()
                .map(|chain| chain.iter().filter_map(|c| c.to_der().ok()).collect())
                .unwrap_or_default(),
        };
        let client_ca_names = cert_request.then(|| client_ca_names(ssl));
        let handshake_verify = (self.settings.verify != Verify::Off && !peer_chain.is_empty())
            .then(|| {
                let result = ssl.verify_result();
                let last = *slot.lock().unwrap_or_else(|p| p.into_inner());
                let depth = last
                    .filter(|(code, _)| *code == result.as_raw())
                    .map_or(0, |(_, depth)| depth);
                verdict(result, depth)
            });
        let chain_verification = verify_chain(&self.built.store, &peer_chain);
        let chain_verification_unlimited_depth = self
            .built
            .unlimited_store
            .as_ref()
            .and_then(|store| verify_chain(store, &peer_chain));
        TlsFacts {
            sni: self.settings.sni.clone(),
            alpn: ssl
                .selected_alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            handshake_completed: completed,
            version: server_hello.then(|| ssl.version_str().to_string()),
            cipher: server_hello
                .then(|| ssl.current_cipher().map(|c| c.name().to_string()))
                .flatten(),
            peer_chain,
            certificate_request: cert_request,
            client_ca_names,
            client_certificates_sent: client_sent,
            handshake_verify,
            chain_verification,
            chain_verification_unlimited_depth,
            alert_received: alert_in,
            alert_sent: alert_out,
            error,
        }
    }
}

fn verdict(result: X509VerifyResult, depth: u32) -> ChainVerification {
    let code = result.as_raw();
    ChainVerification {
        ok: code == 0,
        code,
        text: result.error_string().to_string(),
        depth: if code == 0 { 0 } else { depth },
    }
}

/// Verifies `chain` (DER, leaf first, as the server sent it) against `store`.
fn verify_chain(store: &X509Store, chain: &[Vec<u8>]) -> Option<ChainVerification> {
    let mut certs = chain.iter().filter_map(|der| X509::from_der(der).ok());
    let leaf = certs.next()?;
    let mut untrusted = Stack::new().ok()?;
    for cert in certs {
        untrusted.push(cert).ok()?;
    }
    let mut ctx = X509StoreContext::new().ok()?;
    ctx.init(store, &leaf, &untrusted, |ctx| {
        ctx.verify_cert()?;
        Ok(verdict(ctx.error(), ctx.error_depth()))
    })
    .ok()
}

fn client_ca_names(ssl: &SslRef) -> Vec<CaName> {
    // SAFETY: `ssl` is valid; on a client, SSL_get_client_CA_list returns the
    // list received in the CertificateRequest (owned by the SSL object) or
    // NULL.
    let stack = unsafe {
        let ptr = SSL_get_client_CA_list(ssl.as_ptr());
        if ptr.is_null() {
            return Vec::new();
        }
        StackRef::<X509Name>::from_ptr(ptr)
    };
    stack
        .iter()
        .map(|name| CaName {
            text: name_to_string(name),
            der: name.to_der().unwrap_or_default(),
        })
        .collect()
}

/// The `tls-server-end-point` channel-binding data for the server
/// certificate: its hash with the certificate's signature digest, SHA-256
/// for MD5 and SHA-1 (RFC 5929, as libpq computes it). `None` when the
/// signature algorithm has no digest (Ed25519), as libpq then cannot bind.
pub(crate) fn server_end_point_hash(leaf_der: &[u8]) -> Option<Vec<u8>> {
    let cert = X509::from_der(leaf_der).ok()?;
    let algs = cert
        .signature_algorithm()
        .object()
        .nid()
        .signature_algorithms()?;
    let digest = match algs.digest {
        Nid::MD5 | Nid::SHA1 => MessageDigest::sha256(),
        nid => MessageDigest::from_nid(nid)?,
    };
    cert.digest(digest).ok().map(|d| d.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::Asn1Time;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::pkey::PKey;
    use openssl::x509::X509NameBuilder;

    fn self_signed(digest: MessageDigest) -> X509 {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "t").unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&key, digest).unwrap();
        b.build()
    }

    #[test]
    fn end_point_hash_follows_the_signature_digest() {
        let sha256 = self_signed(MessageDigest::sha256());
        let der = sha256.to_der().unwrap();
        assert_eq!(
            server_end_point_hash(&der).unwrap(),
            sha256.digest(MessageDigest::sha256()).unwrap().to_vec()
        );
        let sha384 = self_signed(MessageDigest::sha384());
        let hash = server_end_point_hash(&sha384.to_der().unwrap()).unwrap();
        assert_eq!(hash.len(), 48);
        assert_eq!(server_end_point_hash(b"not a certificate"), None);
    }

    #[test]
    fn verification_against_an_empty_store_and_the_right_anchor() {
        let cert = self_signed(MessageDigest::sha256());
        let der = vec![cert.to_der().unwrap()];
        let empty = trust_store(None, None).unwrap();
        let v = verify_chain(&empty, &der).unwrap();
        assert!(!v.ok);
        assert_eq!(v.code, 18, "{v:?}");
        assert_eq!(v.text, "self-signed certificate");
        let trusted = trust_store(Some(std::slice::from_ref(&cert)), None).unwrap();
        let v = verify_chain(&trusted, &der).unwrap();
        assert!(v.ok, "{v:?}");
        assert_eq!(verify_chain(&trusted, &[]), None);
    }

    #[test]
    fn io_errors_are_classified() {
        let e = io::Error::from_raw_os_error(104);
        assert!(matches!(classify_io(&e), IoFail::Reset));
        assert_eq!(io_words(&e), "Connection reset by peer");
        let t = io::Error::new(io::ErrorKind::TimedOut, "x");
        assert!(matches!(classify_io(&t), IoFail::Timeout));
    }
}
