//! The probe itself: one connection (or two, when libpq would retry) walked
//! step by step — TCP, SSLRequest, TLS handshake, start-up, authentication,
//! `SHOW server_version_num` — the way the imitated client walks it, with a
//! deadline per step and every message recorded. Whatever the server does
//! ends up in the report; only a local set-up problem is an `Err`.

use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use bytes::BytesMut;
use openssl::hash::MessageDigest;
use openssl::pkcs5::pbkdf2_hmac;
use openssl::ssl::{ErrorCode, SslStream};
use pgtls_wire::{
    self as wire, AuthRequest, BackendMessage, Decoder, ScramBinding, ScramClient, ScramError,
    SslResponse, StartupParams, SCRAM_SHA_256, SCRAM_SHA_256_PLUS,
};

use crate::config::{ChannelBindingPref, Negotiation, ProbeConfig, Verify};
use crate::deadline::DeadlineStream;
use crate::error::ProbeError;
use crate::recorder::Recorder;
use crate::report::{
    AuthMethod, ClientRefusal, ConnectAttempt, Direction, FailureKind, Fallback, Outcome,
    ProbeReport, Step, StepName, TlsFacts, TlsFailure, UnreachableReason, Violation,
};
use crate::tls::{
    classify_io, classify_ssl, io_words, server_end_point_hash, Handshake, IoFail, TlsClient,
};

/// The query Kong runs first.
pub const VERSION_QUERY: &str = "SHOW server_version_num;";

/// Runs a probe. `Err` only when the local configuration cannot be used
/// (OpenSSL refuses a setting, a start-up value contains NUL); every server
/// or network behaviour is in the report.
pub fn probe(cfg: &ProbeConfig) -> Result<ProbeReport, ProbeError> {
    let startup = StartupParams {
        user: &cfg.user,
        database: cfg.database.as_deref(),
        application_name: cfg.application_name.as_deref(),
    };
    wire::startup_message(&startup, &mut BytesMut::new()).map_err(|e| ProbeError::Encode {
        message: e.to_string(),
    })?;
    let tls = if cfg.ssl.may_use_tls() || cfg.handshake_only {
        Some(TlsClient::new(&cfg.tls)?)
    } else {
        None
    };
    let mut run = Run::new(cfg, tls.as_ref());
    let outcome = run.execute()?;
    Ok(run.into_report(outcome))
}

/// How one connection uses TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsUse {
    Never,
    Required,
    /// `N` continues in plaintext on the same connection.
    PlainOnRefusal,
    /// Kong: any answer but `S` and `E` continues in plaintext.
    PlainOnAnyAnswer,
}

/// Why an attempt stopped early.
enum Halt {
    Fail(FailureKind),
    Setup(ProbeError),
    Done(Outcome),
}

impl From<ProbeError> for Box<Halt> {
    fn from(e: ProbeError) -> Box<Halt> {
        Box::new(Halt::Setup(e))
    }
}

/// The halt travels boxed: failure kinds are large and most steps succeed.
type Flow<T> = Result<T, Box<Halt>>;

fn fail(kind: FailureKind) -> Box<Halt> {
    Box::new(Halt::Fail(kind))
}

enum Conn {
    Plain(DeadlineStream),
    Tls(Box<SslStream<DeadlineStream>>),
}

impl Conn {
    fn set_deadline(&mut self, deadline: Instant) {
        match self {
            Conn::Plain(s) => s.set_deadline(deadline),
            Conn::Tls(s) => s.get_mut().set_deadline(deadline),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<usize, IoFail> {
        match self {
            Conn::Plain(s) => s.read(buf).map_err(|e| classify_io(&e)),
            Conn::Tls(s) => match s.ssl_read(buf) {
                Ok(n) => Ok(n),
                Err(e) if e.code() == ErrorCode::ZERO_RETURN => Ok(0),
                Err(e) => Err(classify_ssl(&e)),
            },
        }
    }

    fn write_all(&mut self, mut data: &[u8]) -> Result<(), IoFail> {
        while !data.is_empty() {
            let n = match self {
                Conn::Plain(s) => std::io::Write::write(s, data).map_err(|e| classify_io(&e))?,
                Conn::Tls(s) => s.ssl_write(data).map_err(|e| classify_ssl(&e))?,
            };
            if n == 0 {
                return Err(IoFail::Closed);
            }
            data = &data[n..];
        }
        Ok(())
    }

    /// Closes as libpq does: close_notify on TLS, then the socket.
    fn close(self) {
        if let Conn::Tls(mut s) = self {
            let _ = s.shutdown();
        }
    }
}

struct Current {
    name: StepName,
    started: Instant,
}

struct Run<'a> {
    cfg: &'a ProbeConfig,
    tls: Option<&'a TlsClient>,
    recorder: Recorder,
    steps: Vec<Step>,
    connection: u8,
    addresses: Option<Vec<SocketAddr>>,
    connected_to: Option<SocketAddr>,
    local_addr: Option<SocketAddr>,
    tls_facts: Option<TlsFacts>,
    tls_in_use: bool,
    auth_ok_seen: bool,
    fallback: Option<Fallback>,
    params: Vec<(String, String)>,
    backend_key_pid: Option<i32>,
    current: Option<Current>,
    decoder: Decoder,
}

impl<'a> Run<'a> {
    fn new(cfg: &'a ProbeConfig, tls: Option<&'a TlsClient>) -> Run<'a> {
        Run {
            cfg,
            tls,
            recorder: Recorder::default(),
            steps: Vec::new(),
            connection: 0,
            addresses: None,
            connected_to: None,
            local_addr: None,
            tls_facts: None,
            tls_in_use: false,
            auth_ok_seen: false,
            fallback: None,
            params: Vec::new(),
            backend_key_pid: None,
            current: None,
            decoder: Decoder::new(),
        }
    }

    fn execute(&mut self) -> Result<Outcome, ProbeError> {
        if self.cfg.handshake_only {
            return self.attempt(TlsUse::Required);
        }
        match self.cfg.ssl {
            Negotiation::Disable | Negotiation::Kong { ssl: false, .. } => {
                self.attempt(TlsUse::Never)
            }
            Negotiation::Require
            | Negotiation::VerifyCa
            | Negotiation::VerifyFull
            | Negotiation::Kong {
                ssl: true,
                required: true,
            } => self.attempt(TlsUse::Required),
            Negotiation::Kong {
                ssl: true,
                required: false,
            } => self.attempt(TlsUse::PlainOnAnyAnswer),
            Negotiation::Prefer => {
                let first = self.attempt(TlsUse::PlainOnRefusal)?;
                let retry = match &first {
                    Outcome::Failed { step, kind } => {
                        *step == StepName::TlsHandshake
                            || (self.tls_in_use && self.rejected_before_auth(*step, kind))
                    }
                    _ => false,
                };
                self.second_attempt(first, retry, TlsUse::Never, |step, failure| {
                    Fallback::PlaintextRetry { step, failure }
                })
            }
            Negotiation::Allow => {
                let first = self.attempt(TlsUse::Never)?;
                let retry = match &first {
                    Outcome::Failed { step, kind } => self.rejected_before_auth(*step, kind),
                    _ => false,
                };
                self.second_attempt(first, retry, TlsUse::Required, |step, failure| {
                    Fallback::TlsRetry { step, failure }
                })
            }
        }
    }

    /// libpq's second connection: when `retry`, the failure of `first` is
    /// kept as the fallback and a new connection is made with `then`;
    /// otherwise `first` is the outcome.
    fn second_attempt(
        &mut self,
        first: Outcome,
        retry: bool,
        then: TlsUse,
        fallback: fn(StepName, Box<FailureKind>) -> Fallback,
    ) -> Result<Outcome, ProbeError> {
        if !retry {
            return Ok(first);
        }
        if let Outcome::Failed { step, kind } = first {
            self.fallback = Some(fallback(step, Box::new(kind)));
        }
        self.attempt(then)
    }

    /// libpq retries (prefer without TLS, allow with TLS) when the server
    /// answers with an error before authentication has succeeded.
    fn rejected_before_auth(&self, step: StepName, kind: &FailureKind) -> bool {
        matches!(kind, FailureKind::Server(_))
            && matches!(step, StepName::Startup | StepName::Auth)
            && !self.auth_ok_seen
    }

    fn attempt(&mut self, tls_use: TlsUse) -> Result<Outcome, ProbeError> {
        self.connection += 1;
        self.tls_in_use = false;
        self.auth_ok_seen = false;
        let mut conn: Option<Conn> = None;
        let flow = self.attempt_inner(tls_use, &mut conn);
        let flow = flow.map_err(|halt| *halt);
        let outcome = match flow {
            Ok(outcome) | Err(Halt::Done(outcome)) => {
                self.finish(true);
                outcome
            }
            Err(Halt::Fail(kind)) => {
                let step = self
                    .current
                    .as_ref()
                    .map_or(StepName::Tcp, |current| current.name);
                self.finish(false);
                Outcome::Failed { step, kind }
            }
            Err(Halt::Setup(e)) => return Err(e),
        };
        if let Some(conn) = conn {
            match outcome {
                // A failed connection is simply dropped; a finished one says
                // goodbye as the client would.
                Outcome::Failed { .. } => drop(conn),
                _ => conn.close(),
            }
        }
        self.refresh_alerts();
        Ok(outcome)
    }

    fn attempt_inner(&mut self, tls_use: TlsUse, slot: &mut Option<Conn>) -> Flow<Outcome> {
        let stream = self.connect()?;
        *slot = Some(Conn::Plain(stream));
        if tls_use != TlsUse::Never {
            self.negotiate_tls(tls_use, slot)?;
        }
        let Some(conn) = slot.as_mut() else {
            return Err(fail(FailureKind::Closed));
        };
        let mut buf = BytesMut::new();
        let method = self.startup_and_auth(conn, &mut buf)?;
        let version = self.query(conn, &mut buf)?;
        Ok(Outcome::Ok {
            auth_method: method,
            server_version_num: version,
        })
    }

    // ---- steps -----------------------------------------------------------

    fn begin(&mut self, name: StepName) -> Instant {
        self.recorder.take_events();
        let started = Instant::now();
        self.current = Some(Current { name, started });
        started + self.cfg.timeout
    }

    fn finish(&mut self, ok: bool) {
        let Some(current) = self.current.take() else {
            return;
        };
        let transcript = self.recorder.take_events();
        let pick = |want: Direction| -> Vec<String> {
            transcript
                .iter()
                .filter(|(d, _)| *d == want)
                .map(|(_, t)| t.clone())
                .collect()
        };
        self.steps.push(Step {
            name: current.name,
            connection: self.connection,
            ok,
            elapsed: current.started.elapsed(),
            sent: pick(Direction::Sent),
            received: pick(Direction::Received),
            transcript,
        });
    }

    fn next_step(&mut self, name: StepName, conn: &mut Conn) {
        self.finish(true);
        let deadline = self.begin(name);
        conn.set_deadline(deadline);
    }

    fn failure(&self, fail: IoFail, partial_bytes: usize) -> FailureKind {
        match fail {
            IoFail::Timeout => FailureKind::Timeout {
                after: self.cfg.timeout,
                arrived: self.recorder.with(|s| {
                    s.events
                        .iter()
                        .filter(|(d, _)| *d == Direction::Received)
                        .map(|(_, t)| t.clone())
                        .collect()
                }),
                partial_bytes,
            },
            IoFail::Closed => FailureKind::Closed,
            IoFail::Reset => FailureKind::Reset,
            IoFail::Io(error) => FailureKind::Io { error },
            IoFail::Tls(error) => {
                let (alert_received, alert_sent) =
                    self.recorder.with(|s| (s.alert_received, s.alert_sent));
                FailureKind::Tls(TlsFailure::OpenSsl {
                    error,
                    alert_received,
                    alert_sent,
                    verify: None,
                })
            }
        }
    }

    fn refresh_alerts(&mut self) {
        let (alert_in, alert_out) = self.recorder.with(|s| (s.alert_received, s.alert_sent));
        if let Some(facts) = self.tls_facts.as_mut() {
            facts.alert_received = alert_in.or(facts.alert_received);
            facts.alert_sent = alert_out.or(facts.alert_sent);
        }
    }

    // ---- TCP -------------------------------------------------------------

    fn resolve(&mut self, deadline: Instant) -> Flow<Vec<SocketAddr>> {
        if let Some(addrs) = &self.addresses {
            return Ok(addrs.clone());
        }
        let host = self.cfg.host.clone();
        let port = self.cfg.port;
        let addrs = if let Ok(ip) = host.parse::<IpAddr>() {
            vec![SocketAddr::new(ip, port)]
        } else {
            // getaddrinfo cannot be interrupted; it runs on its own thread so
            // the step deadline still holds.
            let (tx, rx) = mpsc::channel();
            let lookup = host.clone();
            thread::spawn(move || {
                let result = (lookup.as_str(), port)
                    .to_socket_addrs()
                    .map(|it| it.collect::<Vec<_>>());
                let _ = tx.send(result);
            });
            let wait = deadline.saturating_duration_since(Instant::now());
            let dns_fail = |error: String| {
                fail(FailureKind::Unreachable {
                    reason: UnreachableReason::Dns { error },
                    tried: Vec::new(),
                })
            };
            match rx.recv_timeout(wait) {
                Ok(Ok(addrs)) if !addrs.is_empty() => addrs,
                Ok(Ok(_)) => return Err(dns_fail("no address associated with hostname".into())),
                Ok(Err(e)) => {
                    let words = io_words(&e);
                    let words = words
                        .strip_prefix("failed to lookup address information: ")
                        .map(str::to_string)
                        .unwrap_or(words);
                    return Err(dns_fail(words));
                }
                Err(_) => return Err(dns_fail("name resolution timed out".into())),
            }
        };
        self.addresses = Some(addrs.clone());
        Ok(addrs)
    }

    fn connect(&mut self) -> Flow<DeadlineStream> {
        let deadline = self.begin(StepName::Tcp);
        let addrs = self.resolve(deadline)?;
        let mut tried = Vec::new();
        let mut any_timeout = false;
        let mut all_refused = true;
        for addr in addrs {
            self.recorder
                .push(Direction::Sent, format!("connect {addr}"));
            let left = deadline.saturating_duration_since(Instant::now());
            let result = if left.is_zero() {
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "timed out",
                ))
            } else {
                TcpStream::connect_timeout(&addr, left)
            };
            match result {
                Ok(sock) => {
                    let _ = sock.set_nodelay(true);
                    self.recorder.push(Direction::Received, "connected");
                    self.connected_to = Some(addr);
                    self.local_addr = sock.local_addr().ok();
                    return Ok(DeadlineStream::new(sock, deadline));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    // Something listens there and hung up at once (the
                    // reset can beat the end of a non-blocking connect):
                    // a peer that resets is not an address nobody serves.
                    self.recorder.push(Direction::Received, io_words(&e));
                    return Err(fail(FailureKind::Reset));
                }
                Err(e) => {
                    let kind = e.kind();
                    any_timeout |= matches!(
                        kind,
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                    );
                    all_refused &= kind == std::io::ErrorKind::ConnectionRefused;
                    let error = if kind == std::io::ErrorKind::TimedOut {
                        "timed out".to_string()
                    } else {
                        io_words(&e)
                    };
                    self.recorder.push(Direction::Received, error.clone());
                    tried.push(ConnectAttempt { addr, error });
                }
            }
        }
        let reason = if all_refused && !tried.is_empty() {
            UnreachableReason::Refused
        } else if any_timeout {
            UnreachableReason::Timeout
        } else {
            UnreachableReason::Other
        };
        Err(fail(FailureKind::Unreachable { reason, tried }))
    }

    // ---- SSLRequest and TLS ------------------------------------------------

    fn negotiate_tls(&mut self, tls_use: TlsUse, slot: &mut Option<Conn>) -> Flow<()> {
        let Some(mut conn) = slot.take() else {
            return Err(fail(FailureKind::Closed));
        };
        if self.cfg.direct_tls {
            // libpq 17's sslnegotiation=direct: the ClientHello is the first
            // byte on the wire; a server before 17 reads it as a start-up
            // packet of absurd length and hangs up.
            return self.handshake(conn, slot);
        }
        self.next_step(StepName::SslRequest, &mut conn);
        self.recorder.push(Direction::Sent, "SSLRequest");
        let wrote = conn.write_all(&wire::ssl_request());
        if let Err(f) = wrote {
            *slot = Some(conn);
            return Err(fail(self.failure(f, 0)));
        }
        let mut byte = [0u8; 1];
        let answer = match conn.read(&mut byte) {
            Ok(0) => {
                *slot = Some(conn);
                return Err(fail(FailureKind::Closed));
            }
            Ok(_) => SslResponse::from_byte(byte[0]),
            Err(f) => {
                *slot = Some(conn);
                return Err(fail(self.failure(f, 0)));
            }
        };
        self.recorder.push(Direction::Received, answer.describe());
        match answer {
            SslResponse::Accepted => {}
            SslResponse::ErrorFollows => {
                // The 'E' was the first byte of an ErrorResponse.
                let mut buf = BytesMut::from(&b"E"[..]);
                let msg = self.read_message(&mut conn, &mut buf);
                *slot = Some(conn);
                return match msg? {
                    BackendMessage::ErrorResponse(fields) => {
                        Err(fail(FailureKind::ErrorToSslRequest(fields)))
                    }
                    other => Err(fail(FailureKind::ProtocolViolation(
                        Violation::UnexpectedMessage {
                            expected: "ErrorResponse",
                            got: other.describe(),
                        },
                    ))),
                };
            }
            SslResponse::Refused | SslResponse::Junk(_) => {
                let plaintext = !self.cfg.handshake_only
                    && match answer {
                        SslResponse::Refused => {
                            matches!(tls_use, TlsUse::PlainOnRefusal | TlsUse::PlainOnAnyAnswer)
                        }
                        _ => tls_use == TlsUse::PlainOnAnyAnswer,
                    };
                *slot = Some(conn);
                if plaintext {
                    self.fallback = Some(Fallback::PlaintextAfterAnswer { answer: byte[0] });
                    return Ok(());
                }
                return Err(fail(match answer {
                    SslResponse::Junk(byte) => FailureKind::JunkSslAnswer { byte },
                    _ => FailureKind::ServerRefusedTls,
                }));
            }
        }

        self.handshake(conn, slot)
    }

    fn handshake(&mut self, conn: Conn, slot: &mut Option<Conn>) -> Flow<()> {
        let Conn::Plain(stream) = conn else {
            *slot = Some(conn);
            return Err(fail(FailureKind::Closed));
        };
        let Some(tls) = self.tls else {
            return Err(Box::new(Halt::Setup(ProbeError::OpenSsl {
                context: "the TLS context",
                message: "no TLS context for a TLS connection".into(),
            })));
        };
        self.finish(true);
        let mut stream = stream;
        stream.set_deadline(self.begin(StepName::TlsHandshake));
        match tls.handshake(stream, &self.recorder)? {
            Handshake::Done { stream, facts } => {
                self.tls_facts = Some(facts);
                self.tls_in_use = true;
                let mut conn = Conn::Tls(stream);
                if self.cfg.handshake_only {
                    self.finish(true);
                    // Close politely: the server then logs nothing.
                    conn.set_deadline(Instant::now() + self.cfg.timeout);
                    conn.close();
                    return Err(Box::new(Halt::Done(Outcome::TlsEstablished)));
                }
                *slot = Some(conn);
                Ok(())
            }
            Handshake::Rejected { facts, failure } => {
                self.tls_facts = Some(facts);
                Err(fail(FailureKind::Tls(failure)))
            }
            Handshake::Failed {
                facts,
                fail: io_fail,
            } => {
                let kind = match io_fail {
                    IoFail::Tls(error) => FailureKind::Tls(TlsFailure::OpenSsl {
                        error,
                        alert_received: facts.alert_received,
                        alert_sent: facts.alert_sent,
                        verify: facts.handshake_verify.clone().filter(|v| !v.ok),
                    }),
                    other => self.failure(other, 0),
                };
                self.tls_facts = Some(facts);
                Err(fail(kind))
            }
        }
    }

    // ---- messages ------------------------------------------------------------

    fn send(&mut self, conn: &mut Conn, bytes: &[u8], description: impl Into<String>) -> Flow<()> {
        self.recorder.push(Direction::Sent, description);
        match conn.write_all(bytes) {
            Ok(()) => Ok(()),
            // Like libpq, a write that fails because the server has gone is
            // not reported yet: the server's last words (an ErrorResponse,
            // a TLS alert) may still be waiting to be read, and they explain
            // more than a reset does. The next read reports whatever is
            // there.
            Err(IoFail::Reset | IoFail::Closed) => {
                self.recorder
                    .push(Direction::Sent, "(write failed: connection closed by peer)");
                Ok(())
            }
            Err(f) => Err(fail(self.failure(f, 0))),
        }
    }

    fn read_message(&mut self, conn: &mut Conn, buf: &mut BytesMut) -> Flow<BackendMessage> {
        loop {
            match self.decoder.decode(buf) {
                Ok(Some(msg)) => {
                    self.recorder.push(Direction::Received, msg.describe());
                    return Ok(msg);
                }
                Ok(None) => {}
                Err(e) => {
                    self.recorder.push(Direction::Received, e.to_string());
                    return Err(fail(FailureKind::ProtocolViolation(Violation::Frame(e))));
                }
            }
            let mut chunk = [0u8; 8192];
            match conn.read(&mut chunk) {
                Ok(0) => return Err(fail(FailureKind::Closed)),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(f) => return Err(fail(self.failure(f, buf.len()))),
            }
        }
    }

    fn encode<T>(result: Result<T, wire::EncodeError>) -> Flow<T> {
        result.map_err(|e| {
            Box::new(Halt::Setup(ProbeError::Encode {
                message: e.to_string(),
            }))
        })
    }

    // ---- start-up and authentication ----------------------------------------

    fn startup_and_auth(&mut self, conn: &mut Conn, buf: &mut BytesMut) -> Flow<AuthMethod> {
        self.next_step(StepName::Startup, conn);
        let params = StartupParams {
            user: &self.cfg.user,
            database: self.cfg.database.as_deref(),
            application_name: self.cfg.application_name.as_deref(),
        };
        let mut out = BytesMut::new();
        Self::encode(wire::startup_message(&params, &mut out))?;
        let description = params.describe();
        self.send(conn, &out, description)?;

        let mut request = loop {
            match self.read_message(conn, buf)? {
                BackendMessage::Authentication(req) => break req,
                BackendMessage::ErrorResponse(fields) => {
                    return Err(fail(FailureKind::Server(fields)))
                }
                BackendMessage::NoticeResponse(_) => continue,
                other => {
                    return Err(fail(FailureKind::ProtocolViolation(
                        Violation::UnexpectedMessage {
                            expected: "an authentication request",
                            got: other.describe(),
                        },
                    )))
                }
            }
        };
        self.next_step(StepName::Auth, conn);
        // The request that opened this step was received in the last one.
        // AuthenticationOk straight away: cert authentication when the
        // client sent the certificate the server asked for, else trust.
        let sent_cert = self
            .tls_facts
            .as_ref()
            .is_some_and(|t| t.certificate_request && t.client_certificates_sent.unwrap_or(0) > 0);
        let mut method = if self.tls_in_use && sent_cert {
            AuthMethod::Certificate
        } else {
            AuthMethod::Trust
        };
        let mut answered = false;
        loop {
            if let Some(refusal) = self.auth_requirement(&request, answered) {
                return Err(refuse(refusal));
            }
            answered = !matches!(request, AuthRequest::Ok);
            match request {
                AuthRequest::Ok => {
                    self.auth_ok_seen = true;
                    if self.cfg.require_cert_request
                        && !self
                            .tls_facts
                            .as_ref()
                            .is_some_and(|t| self.tls_in_use && t.certificate_request)
                    {
                        return Err(refuse(ClientRefusal::CertificateNotRequested));
                    }
                    if self.cfg.channel_binding == ChannelBindingPref::Require
                        && method != AuthMethod::ScramSha256Plus
                    {
                        return Err(refuse(ClientRefusal::ChannelBindingNotUsed));
                    }
                    break;
                }
                AuthRequest::CleartextPassword | AuthRequest::Md5Password { .. } => {
                    if self.cfg.channel_binding == ChannelBindingPref::Require {
                        return Err(refuse(ClientRefusal::ChannelBindingNotUsed));
                    }
                    let Some(password) = &self.cfg.password else {
                        return Err(refuse(ClientRefusal::NoPassword));
                    };
                    if !self.server_verified() && !self.cfg.password_to_unverified_server {
                        return Err(refuse(ClientRefusal::PasswordWithheld {
                            request: if matches!(request, AuthRequest::Md5Password { .. }) {
                                "AuthenticationMD5Password"
                            } else {
                                "AuthenticationCleartextPassword"
                            },
                            tls: self.tls_in_use,
                        }));
                    }
                    let mut out = BytesMut::new();
                    let description = if let AuthRequest::Md5Password { salt } = request {
                        method = AuthMethod::Md5;
                        Self::encode(wire::password_md5(
                            self.cfg.user.as_bytes(),
                            password.expose(),
                            salt,
                            &mut out,
                        ))?;
                        "PasswordMessage (md5 hash, withheld)"
                    } else {
                        method = AuthMethod::Cleartext;
                        Self::encode(wire::password_cleartext(password.expose(), &mut out))?;
                        "PasswordMessage (cleartext, withheld)"
                    };
                    self.send(conn, &out, description)?;
                }
                AuthRequest::Sasl { mechanisms } => {
                    method = self.scram(conn, buf, &mechanisms)?;
                }
                AuthRequest::SaslContinue { .. } | AuthRequest::SaslFinal { .. } => {
                    return Err(violation(Violation::UnexpectedMessage {
                        expected: "an authentication request",
                        got: request.name(),
                    }))
                }
                AuthRequest::Other { code } => {
                    return Err(violation(Violation::UnsupportedAuth {
                        code,
                        name: request.name(),
                    }))
                }
            }
            request = loop {
                match self.read_message(conn, buf)? {
                    BackendMessage::Authentication(req) => break req,
                    BackendMessage::ErrorResponse(fields) => {
                        return Err(fail(FailureKind::Server(fields)))
                    }
                    BackendMessage::NoticeResponse(_) => continue,
                    other => {
                        return Err(violation(Violation::UnexpectedMessage {
                            expected: "an authentication request",
                            got: other.describe(),
                        }))
                    }
                }
            };
        }
        // After AuthenticationOk: parameters, key data, ReadyForQuery.
        loop {
            match self.read_message(conn, buf)? {
                BackendMessage::ReadyForQuery { .. } => return Ok(method),
                BackendMessage::ParameterStatus { name, value } => self.params.push((name, value)),
                BackendMessage::ErrorResponse(fields) => {
                    return Err(fail(FailureKind::Server(fields)))
                }
                BackendMessage::BackendKeyData { process_id, .. } => {
                    self.backend_key_pid = Some(process_id)
                }
                BackendMessage::NoticeResponse(_) => {}
                other => {
                    return Err(violation(Violation::UnexpectedMessage {
                        expected: "ReadyForQuery",
                        got: other.describe(),
                    }))
                }
            }
        }
    }

    /// libpq 16's require_auth verdict on one authentication request:
    /// `answered` says whether a password exchange already took place, so
    /// that an AuthenticationOk after it is not counted as `none`.
    fn auth_requirement(&self, request: &AuthRequest, answered: bool) -> Option<ClientRefusal> {
        let req = self.cfg.require_auth.as_ref()?;
        let (method, reason) = match request {
            AuthRequest::Ok if answered => return None,
            AuthRequest::Ok => ("none", "server did not complete authentication"),
            AuthRequest::CleartextPassword => ("password", "server requested a cleartext password"),
            AuthRequest::Md5Password { .. } => ("md5", "server requested a hashed password"),
            AuthRequest::Sasl { .. } => ("scram-sha-256", "server requested SASL authentication"),
            _ => return None,
        };
        // A negated list refuses the methods it names, a positive one the
        // rest (an immediate AuthenticationOk counts as `none`).
        (!req.allows(method)).then(|| ClientRefusal::AuthRequirement {
            requirement: req.shown.clone(),
            reason,
        })
    }

    /// Whether the server proved who it is: TLS is up and the chain was
    /// verified against the configured trust anchors (and, for
    /// verify-full, the host name matched, or the handshake would not have
    /// got this far).
    fn server_verified(&self) -> bool {
        self.tls_in_use
            && self.cfg.tls.verify != Verify::Off
            && self
                .tls_facts
                .as_ref()
                .and_then(|f| f.handshake_verify.as_ref())
                .is_some_and(|v| v.ok)
    }

    fn scram(
        &mut self,
        conn: &mut Conn,
        buf: &mut BytesMut,
        offered: &[String],
    ) -> Flow<AuthMethod> {
        let has = |m: &str| offered.iter().any(|o| o == m);
        let pref = self.cfg.channel_binding;
        if has(SCRAM_SHA_256_PLUS) && !self.tls_in_use {
            return Err(violation(Violation::PlusOverPlaintext));
        }
        if pref == ChannelBindingPref::Require {
            if !self.tls_in_use {
                return Err(refuse(ClientRefusal::ChannelBindingWithoutTls));
            }
            if !has(SCRAM_SHA_256_PLUS) {
                return Err(refuse(ClientRefusal::ChannelBindingNotOffered));
            }
        }
        let cert_hash = self
            .tls_facts
            .as_ref()
            .and_then(|f| f.peer_chain.first())
            .and_then(|leaf| server_end_point_hash(leaf));
        let binding = match (pref, has(SCRAM_SHA_256_PLUS), cert_hash) {
            (ChannelBindingPref::Disable, _, _) => ScramBinding::NotSupported,
            (_, true, Some(hash)) if self.tls_in_use => ScramBinding::TlsServerEndPoint(hash),
            (ChannelBindingPref::Require, _, _) => {
                return Err(refuse(ClientRefusal::ChannelBindingNotOffered))
            }
            _ if self.tls_in_use && !self.cfg.ssl.is_kong() => ScramBinding::NotOffered,
            _ => ScramBinding::NotSupported,
        };
        let plus = matches!(binding, ScramBinding::TlsServerEndPoint(_));
        if !plus && !has(SCRAM_SHA_256) {
            return Err(refuse(ClientRefusal::NoSupportedMechanism {
                offered: offered.to_vec(),
            }));
        }
        let Some(password) = &self.cfg.password else {
            return Err(refuse(ClientRefusal::NoPassword));
        };
        let mut random = [0u8; 18];
        openssl::rand::rand_bytes(&mut random).map_err(ProbeError::openssl("the SCRAM nonce"))?;
        let nonce = wire::nonce_from_random(&random);
        let client = ScramClient::new(password.expose(), binding, &nonce);
        let mechanism = client.mechanism();
        let mut out = BytesMut::new();
        Self::encode(wire::sasl_initial_response(
            mechanism,
            client.client_first().as_bytes(),
            &mut out,
        ))?;
        self.send(conn, &out, format!("SASLInitialResponse {mechanism}"))?;

        let server_first = match self.read_auth(conn, buf)? {
            AuthRequest::SaslContinue { data } => data,
            other => {
                return Err(violation(Violation::UnexpectedMessage {
                    expected: "AuthenticationSASLContinue",
                    got: other.name(),
                }))
            }
        };
        let fin = client
            .handle_server_first_with(&server_first, openssl_hi)
            .map_err(|e| violation(Violation::Scram(e)))?;
        let mut out = BytesMut::new();
        Self::encode(wire::sasl_response(fin.client_final().as_bytes(), &mut out))?;
        self.send(conn, &out, "SASLResponse (client proof withheld)")?;

        let server_final = match self.read_auth(conn, buf)? {
            AuthRequest::SaslFinal { data } => data,
            other => {
                return Err(violation(Violation::UnexpectedMessage {
                    expected: "AuthenticationSASLFinal",
                    got: other.name(),
                }))
            }
        };
        fin.handle_server_final(&server_final)
            .map_err(|e| violation(Violation::Scram(e)))?;
        Ok(if plus {
            AuthMethod::ScramSha256Plus
        } else {
            AuthMethod::ScramSha256
        })
    }

    fn read_auth(&mut self, conn: &mut Conn, buf: &mut BytesMut) -> Flow<AuthRequest> {
        loop {
            match self.read_message(conn, buf)? {
                BackendMessage::Authentication(req) => return Ok(req),
                BackendMessage::ErrorResponse(fields) => {
                    return Err(fail(FailureKind::Server(fields)))
                }
                BackendMessage::NoticeResponse(_) => continue,
                other => {
                    return Err(violation(Violation::UnexpectedMessage {
                        expected: "an authentication request",
                        got: other.describe(),
                    }))
                }
            }
        }
    }

    // ---- query -------------------------------------------------------------------

    fn query(&mut self, conn: &mut Conn, buf: &mut BytesMut) -> Flow<u32> {
        self.next_step(StepName::Query, conn);
        let mut out = BytesMut::new();
        Self::encode(wire::query(VERSION_QUERY, &mut out))?;
        self.send(conn, &out, format!("Query {VERSION_QUERY}"))?;
        let mut value: Option<String> = None;
        let mut error = None;
        loop {
            match self.read_message(conn, buf)? {
                BackendMessage::DataRow(columns) if value.is_none() => {
                    value = Some(match columns.first() {
                        Some(Some(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
                        _ => String::new(),
                    });
                }
                BackendMessage::ErrorResponse(fields) => error = Some(fields),
                BackendMessage::ReadyForQuery { .. } => break,
                _ => {}
            }
        }
        let mut out = BytesMut::new();
        wire::terminate(&mut out);
        // The answer is in; a failed goodbye changes nothing.
        let _ = self.send(conn, &out, "Terminate");
        if let Some(fields) = error {
            return Err(fail(FailureKind::Server(fields)));
        }
        let text = value.unwrap_or_default();
        text.trim()
            .parse::<u32>()
            .map_err(|_| violation(Violation::BadServerVersion { text }))
    }

    fn into_report(self, outcome: Outcome) -> ProbeReport {
        ProbeReport {
            host: self.cfg.host.clone(),
            port: self.cfg.port,
            addresses: self.addresses.unwrap_or_default(),
            connected_to: self.connected_to,
            local_addr: self.local_addr,
            steps: self.steps,
            tls: self.tls_facts,
            client_min_version: self.cfg.tls.min_version,
            client_max_version: self.cfg.tls.max_version,
            tls_in_use: self.tls_in_use,
            fallback: self.fallback,
            server_parameters: self.params,
            backend_key_pid: self.backend_key_pid,
            outcome,
        }
    }
}

/// SCRAM's Hi() through OpenSSL's PBKDF2, which stays fast in debug builds
/// (4096 rounds of a pure-Rust HMAC there take longer than the whole
/// connection otherwise).
fn openssl_hi(password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; 32], ScramError> {
    let mut out = [0u8; 32];
    let rounds = usize::try_from(iterations).map_err(|_| ScramError::Crypto)?;
    pbkdf2_hmac(password, salt, rounds, MessageDigest::sha256(), &mut out)
        .map_err(|_| ScramError::Crypto)?;
    Ok(out)
}

fn refuse(reason: ClientRefusal) -> Box<Halt> {
    fail(FailureKind::ClientRefused(reason))
}

fn violation(v: Violation) -> Box<Halt> {
    fail(FailureKind::ProtocolViolation(v))
}
