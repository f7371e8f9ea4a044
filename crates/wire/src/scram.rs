//! The client side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802 / 7677,
//! channel binding `tls-server-end-point`, RFC 5929), the way PostgreSQL uses
//! it: an empty user name in the bare message, the nonce from outside.
//!
//! `postgres_protocol`'s `ScramSha256` draws its nonce internally, so a
//! recorded exchange could not be replayed against it and a test could not
//! pin its output; it also accepts an iteration count of 0. This state machine
//! takes the nonce as an argument, validates the server-first-message before
//! spending any time on it (nonce prefix, salt, an iteration count between 1
//! and a cap, so a hostile server cannot buy a ten-minute hash), and its tests
//! check it byte for byte against `ScramSha256` on the same input. Each state
//! is its own type, consumed by the transition, so a message cannot be
//! handled twice or out of order.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use pgtls_model::Secret;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The SASL name of SCRAM-SHA-256.
pub const SCRAM_SHA_256: &str = "SCRAM-SHA-256";
/// The SASL name of SCRAM-SHA-256 with channel binding.
pub const SCRAM_SHA_256_PLUS: &str = "SCRAM-SHA-256-PLUS";

/// The highest iteration count accepted unless the caller says otherwise.
/// PostgreSQL 15 always uses 4096; PostgreSQL 16 lets `scram_iterations` go
/// higher, so the cap leaves generous room while still refusing absurd values
/// such as 10^9.
pub const DEFAULT_MAX_ITERATIONS: u32 = 1_000_000;

/// What went wrong in a SCRAM exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScramError {
    /// A server message is not valid UTF-8.
    NotUtf8 {
        /// `server-first-message` or `server-final-message`.
        message: &'static str,
    },
    /// A server message does not have the SCRAM syntax.
    Malformed {
        /// `server-first-message` or `server-final-message`.
        message: &'static str,
        /// What was expected, in a few words.
        reason: String,
    },
    /// The server's nonce does not start with the client's nonce.
    NonceMismatch,
    /// The salt is empty or not base64.
    InvalidSalt,
    /// The iteration count is 0.
    IterationCountZero,
    /// The iteration count is above the cap; the hash was not attempted.
    IterationCountTooHigh {
        /// The count the server sent.
        count: u64,
        /// The cap in force.
        max: u32,
    },
    /// The server ended the exchange with `e=<reason>`.
    ServerError(String),
    /// The server's signature does not prove it knows the password: the
    /// server is not the one holding this user's verifier.
    InvalidServerSignature,
    /// The hash primitives refused their input (should not happen).
    Crypto,
}

impl fmt::Display for ScramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScramError::NotUtf8 { message } => write!(f, "SCRAM {message} is not valid UTF-8"),
            ScramError::Malformed { message, reason } => {
                write!(f, "malformed SCRAM {message}: {reason}")
            }
            ScramError::NonceMismatch => {
                write!(f, "SCRAM server nonce does not start with the client nonce")
            }
            ScramError::InvalidSalt => write!(f, "SCRAM salt is empty or not base64"),
            ScramError::IterationCountZero => write!(f, "SCRAM iteration count is 0"),
            ScramError::IterationCountTooHigh { count, max } => write!(
                f,
                "SCRAM iteration count {count} is above the {max} accepted; refusing to hash"
            ),
            ScramError::ServerError(reason) => write!(f, "server ended SCRAM with error: {reason}"),
            ScramError::InvalidServerSignature => {
                write!(f, "SCRAM server signature does not match")
            }
            ScramError::Crypto => write!(f, "SCRAM hash computation failed"),
        }
    }
}

impl std::error::Error for ScramError {}

/// The channel-binding flag of the GS2 header and its data.
#[derive(Clone, PartialEq, Eq)]
pub enum ScramBinding {
    /// `n`: the client does not do channel binding (no TLS, or binding
    /// disabled).
    NotSupported,
    /// `y`: the client could bind but the server did not offer
    /// SCRAM-SHA-256-PLUS (lets a server that does offer it detect a
    /// downgrade).
    NotOffered,
    /// `p=tls-server-end-point`: the hash of the server's certificate.
    TlsServerEndPoint(Vec<u8>),
}

impl fmt::Debug for ScramBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScramBinding::NotSupported => write!(f, "NotSupported"),
            ScramBinding::NotOffered => write!(f, "NotOffered"),
            ScramBinding::TlsServerEndPoint(hash) => {
                write!(f, "TlsServerEndPoint({} bytes)", hash.len())
            }
        }
    }
}

impl ScramBinding {
    fn gs2_header(&self) -> &'static str {
        match self {
            ScramBinding::NotSupported => "n,,",
            ScramBinding::NotOffered => "y,,",
            ScramBinding::TlsServerEndPoint(_) => "p=tls-server-end-point,,",
        }
    }

    fn data(&self) -> &[u8] {
        match self {
            ScramBinding::TlsServerEndPoint(hash) => hash,
            _ => &[],
        }
    }
}

/// Encodes random bytes as a SCRAM nonce (base64, as libpq does with 18
/// bytes). The caller supplies the randomness so this crate stays pure.
pub fn nonce_from_random(random: &[u8]) -> String {
    STANDARD.encode(random)
}

/// The first state: the client-first-message is ready to send.
pub struct ScramClient {
    binding: ScramBinding,
    nonce: String,
    password: Secret,
    client_first: String,
    max_iterations: u32,
}

impl fmt::Debug for ScramClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramClient")
            .field("binding", &self.binding)
            .field("nonce", &self.nonce)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl ScramClient {
    /// Starts an exchange. `nonce` must be printable ASCII without commas
    /// (see [`nonce_from_random`]); the password is SASLprep-normalised when
    /// it is valid UTF-8 and SASLprep accepts it, and used as raw bytes
    /// otherwise, as PostgreSQL does.
    pub fn new(password: &[u8], binding: ScramBinding, nonce: &str) -> ScramClient {
        let client_first = format!("{}n=,r={}", binding.gs2_header(), nonce);
        ScramClient {
            binding,
            nonce: nonce.to_string(),
            password: normalize(password),
            client_first,
            max_iterations: DEFAULT_MAX_ITERATIONS,
        }
    }

    /// Replaces the iteration cap.
    pub fn with_max_iterations(mut self, max: u32) -> ScramClient {
        self.max_iterations = max;
        self
    }

    /// The SASL mechanism this exchange uses.
    pub fn mechanism(&self) -> &'static str {
        match self.binding {
            ScramBinding::TlsServerEndPoint(_) => SCRAM_SHA_256_PLUS,
            _ => SCRAM_SHA_256,
        }
    }

    /// The client-first-message (the SASLInitialResponse data).
    pub fn client_first(&self) -> &str {
        &self.client_first
    }

    /// Handles the server-first-message (AuthenticationSASLContinue data)
    /// and computes the client-final-message.
    pub fn handle_server_first(self, message: &[u8]) -> Result<ScramFinal, ScramError> {
        self.handle_server_first_with(message, hi)
    }

    /// As [`ScramClient::handle_server_first`], with the PBKDF2-HMAC-SHA-256
    /// step (`Hi(password, salt, iterations)`, 32 bytes) supplied by the
    /// caller, e.g. from a C library that is fast even in debug builds. It is
    /// only called once the message has been validated.
    pub fn handle_server_first_with(
        self,
        message: &[u8],
        hi: impl FnOnce(&[u8], &[u8], u32) -> Result<[u8; 32], ScramError>,
    ) -> Result<ScramFinal, ScramError> {
        const WHICH: &str = "server-first-message";
        let text =
            std::str::from_utf8(message).map_err(|_| ScramError::NotUtf8 { message: WHICH })?;
        let first = parse_server_first(text)?;
        if !first.nonce.starts_with(&self.nonce) {
            return Err(ScramError::NonceMismatch);
        }
        let salt = STANDARD
            .decode(first.salt)
            .map_err(|_| ScramError::InvalidSalt)?;
        if salt.is_empty() {
            return Err(ScramError::InvalidSalt);
        }
        let iterations: u64 = first.iterations.parse().map_err(|_| {
            if first.iterations.chars().all(|c| c.is_ascii_digit()) && !first.iterations.is_empty()
            {
                // All digits but beyond u64: certainly above any cap.
                ScramError::IterationCountTooHigh {
                    count: u64::MAX,
                    max: self.max_iterations,
                }
            } else {
                ScramError::Malformed {
                    message: WHICH,
                    reason: format!("iteration count {:?} is not a number", first.iterations),
                }
            }
        })?;
        if iterations == 0 {
            return Err(ScramError::IterationCountZero);
        }
        if iterations > u64::from(self.max_iterations) {
            return Err(ScramError::IterationCountTooHigh {
                count: iterations,
                max: self.max_iterations,
            });
        }
        let iterations = iterations as u32;

        // Every value derived from the password can stand in for it (the
        // salted password and the client key log in as the user), so each
        // is wiped when this exchange is done with it.
        let salted = Zeroizing::new(hi(self.password.expose(), &salt, iterations)?);
        let client_key = Zeroizing::new(hmac(&*salted, b"Client Key")?);
        let stored_key = Zeroizing::new(<[u8; 32]>::from(Sha256::digest(*client_key)));

        let mut cbind = self.binding.gs2_header().as_bytes().to_vec();
        cbind.extend_from_slice(self.binding.data());
        let without_proof = format!("c={},r={}", STANDARD.encode(&cbind), first.nonce);
        let client_first_bare = &self.client_first[self.binding.gs2_header().len()..];
        let auth_message = format!("{client_first_bare},{text},{without_proof}");

        let client_signature = hmac(&*stored_key, auth_message.as_bytes())?;
        let mut proof = Zeroizing::new(*client_key);
        for (p, s) in proof.iter_mut().zip(client_signature) {
            *p ^= s;
        }
        let server_key = Zeroizing::new(hmac(&*salted, b"Server Key")?);
        let server_signature = hmac(&*server_key, auth_message.as_bytes())?;
        Ok(ScramFinal {
            client_final: Zeroizing::new(format!("{without_proof},p={}", STANDARD.encode(*proof))),
            server_signature,
        })
    }
}

/// The second state: the client-final-message is ready to send and the
/// server's proof is awaited.
pub struct ScramFinal {
    client_final: Zeroizing<String>,
    server_signature: [u8; 32],
}

impl fmt::Debug for ScramFinal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The client-final-message carries the proof; keep it out of logs.
        f.debug_struct("ScramFinal").finish_non_exhaustive()
    }
}

impl ScramFinal {
    /// The client-final-message (the SASLResponse data). It contains the
    /// client proof: send it, never log it.
    pub fn client_final(&self) -> &str {
        &self.client_final
    }

    /// Checks the server-final-message (AuthenticationSASLFinal data).
    pub fn handle_server_final(self, message: &[u8]) -> Result<(), ScramError> {
        const WHICH: &str = "server-final-message";
        let text =
            std::str::from_utf8(message).map_err(|_| ScramError::NotUtf8 { message: WHICH })?;
        if let Some(err) = text.strip_prefix("e=") {
            return Err(ScramError::ServerError(err.to_string()));
        }
        let Some(verifier) = text.strip_prefix("v=") else {
            return Err(ScramError::Malformed {
                message: WHICH,
                reason: "attribute \"v\" expected".into(),
            });
        };
        // Extensions after the verifier are allowed by RFC 5802.
        let verifier = verifier.split(',').next().unwrap_or_default();
        let verifier = STANDARD
            .decode(verifier)
            .map_err(|_| ScramError::Malformed {
                message: WHICH,
                reason: "verifier is not base64".into(),
            })?;
        let matches = verifier.len() == self.server_signature.len()
            && verifier
                .iter()
                .zip(self.server_signature.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if matches {
            Ok(())
        } else {
            Err(ScramError::InvalidServerSignature)
        }
    }
}

struct ServerFirst<'a> {
    nonce: &'a str,
    salt: &'a str,
    iterations: &'a str,
}

fn parse_server_first(text: &str) -> Result<ServerFirst<'_>, ScramError> {
    let malformed = |reason: String| ScramError::Malformed {
        message: "server-first-message",
        reason,
    };
    if text.starts_with("m=") {
        return Err(malformed(
            "mandatory extension \"m\" is not supported".into(),
        ));
    }
    let mut parts = text.split(',');
    let mut take = |name: char| -> Result<&str, ScramError> {
        let part = parts
            .next()
            .ok_or_else(|| malformed(format!("attribute \"{name}\" missing")))?;
        let mut chars = part.chars();
        if chars.next() != Some(name) || chars.next() != Some('=') {
            return Err(malformed(format!("attribute \"{name}\" expected")));
        }
        Ok(&part[2..])
    };
    let nonce = take('r')?;
    let salt = take('s')?;
    let iterations = take('i')?;
    if nonce.is_empty()
        || !nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
    {
        return Err(malformed("nonce is empty or not printable".into()));
    }
    // Extensions after the iteration count are allowed by RFC 5802.
    Ok(ServerFirst {
        nonce,
        salt,
        iterations,
    })
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> Result<[u8; 32], ScramError> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).map_err(|_| ScramError::Crypto)?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().into())
}

/// PBKDF2-HMAC-SHA-256 with one output block, RFC 5802's Hi().
fn hi(password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; 32], ScramError> {
    let base = <HmacSha256 as KeyInit>::new_from_slice(password).map_err(|_| ScramError::Crypto)?;
    let mut mac = base.clone();
    mac.update(salt);
    mac.update(&1u32.to_be_bytes());
    let mut prev: [u8; 32] = mac.finalize().into_bytes().into();
    let mut out = prev;
    for _ in 1..iterations {
        let mut mac = base.clone();
        mac.update(&prev);
        prev = mac.finalize().into_bytes().into();
        for (o, p) in out.iter_mut().zip(prev) {
            *o ^= p;
        }
    }
    Ok(out)
}

fn normalize(password: &[u8]) -> Secret {
    match std::str::from_utf8(password) {
        Ok(text) => match stringprep::saslprep(text) {
            // A borrowed result is the input itself; an owned one is a new
            // copy, moved (not copied again) into the secret.
            Ok(std::borrow::Cow::Owned(prepared)) => Secret::from(prepared),
            Ok(std::borrow::Cow::Borrowed(_)) | Err(_) => Secret::new(password),
        },
        Err(_) => Secret::new(password),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};

    // An exchange recorded from psql against PostgreSQL (password "foobar"),
    // the same fixture the postgres-protocol crate replays.
    const NONCE: &str = "9IZ2O01zb9IgiIZ1WJ/zgpJB";
    const CLIENT_FIRST: &str = "n,,n=,r=9IZ2O01zb9IgiIZ1WJ/zgpJB";
    const SERVER_FIRST: &str =
        "r=9IZ2O01zb9IgiIZ1WJ/zgpJBjx/oIRLs02gGSHcw1KEty3eY,s=fs3IXBy7U7+IvVjZ,i=4096";
    const CLIENT_FINAL: &str = "c=biws,r=9IZ2O01zb9IgiIZ1WJ/zgpJBjx/oIRLs02gGSHcw1KEty3eY,p=AmNKosjJzS31NTlQYNs5BTeQjdHdk7lOflDo5re2an8=";
    const SERVER_FINAL: &str = "v=U+ppxD5XUKtradnv8e2MkeupiA8FU87Sg8CXzXHDAzw=";

    #[test]
    fn replays_a_recorded_psql_exchange() {
        let client = ScramClient::new(b"foobar", ScramBinding::NotSupported, NONCE);
        assert_eq!(client.mechanism(), SCRAM_SHA_256);
        assert_eq!(client.client_first(), CLIENT_FIRST);
        let fin = client.handle_server_first(SERVER_FIRST.as_bytes()).unwrap();
        assert_eq!(fin.client_final(), CLIENT_FINAL);
        fin.handle_server_final(SERVER_FINAL.as_bytes()).unwrap();
    }

    #[test]
    fn a_supplied_hi_gets_the_normalized_password_salt_and_count() {
        let client = ScramClient::new(b"foobar", ScramBinding::NotSupported, NONCE);
        let fin = client
            .handle_server_first_with(SERVER_FIRST.as_bytes(), |password, salt, iterations| {
                assert_eq!(password, b"foobar");
                assert_eq!(STANDARD.encode(salt), "fs3IXBy7U7+IvVjZ");
                assert_eq!(iterations, 4096);
                hi(password, salt, iterations)
            })
            .unwrap();
        assert_eq!(fin.client_final(), CLIENT_FINAL);
        // A refused message never reaches the hash.
        let refused = ScramClient::new(b"foobar", ScramBinding::NotSupported, NONCE)
            .handle_server_first_with(b"r=x,s=fs3IXBy7U7+IvVjZ,i=4096", |_, _, _| {
                panic!("must not hash")
            });
        assert_eq!(refused.unwrap_err(), ScramError::NonceMismatch);
    }

    #[test]
    fn a_wrong_password_gives_a_different_proof_and_rejects_the_server() {
        let client = ScramClient::new(b"foobaz", ScramBinding::NotSupported, NONCE);
        let fin = client.handle_server_first(SERVER_FIRST.as_bytes()).unwrap();
        assert_ne!(fin.client_final(), CLIENT_FINAL);
        assert_eq!(
            fin.handle_server_final(SERVER_FINAL.as_bytes()),
            Err(ScramError::InvalidServerSignature)
        );
    }

    fn nonce_of(client_first: &[u8]) -> String {
        let text = std::str::from_utf8(client_first).unwrap();
        text.rsplit("r=").next().unwrap().to_string()
    }

    #[test]
    fn agrees_with_postgres_protocol_with_and_without_channel_binding() {
        let cert_hash = vec![7u8; 32];
        let cases = [
            (ChannelBinding::unsupported(), ScramBinding::NotSupported),
            (ChannelBinding::unrequested(), ScramBinding::NotOffered),
            (
                ChannelBinding::tls_server_end_point(cert_hash.clone()),
                ScramBinding::TlsServerEndPoint(cert_hash.clone()),
            ),
        ];
        for (theirs_binding, ours_binding) in cases {
            let mut theirs = ScramSha256::new("pässwörd".as_bytes(), theirs_binding);
            let nonce = nonce_of(theirs.message());
            let ours = ScramClient::new("pässwörd".as_bytes(), ours_binding, &nonce);
            assert_eq!(ours.client_first().as_bytes(), theirs.message());
            let server_first = format!("r={nonce}SERVERPART,s=QSXCR+Q6sek8bf92,i=4096");
            theirs.update(server_first.as_bytes()).unwrap();
            let fin = ours.handle_server_first(server_first.as_bytes()).unwrap();
            assert_eq!(fin.client_final().as_bytes(), theirs.message());
        }
    }

    fn first_error(server_first: &str) -> ScramError {
        ScramClient::new(b"foobar", ScramBinding::NotSupported, NONCE)
            .handle_server_first(server_first.as_bytes())
            .unwrap_err()
    }

    #[test]
    fn iteration_counts_of_zero_and_absurd_size_are_refused_quickly() {
        let started = std::time::Instant::now();
        assert_eq!(
            first_error(&format!("r={NONCE}x,s=fs3IXBy7U7+IvVjZ,i=0")),
            ScramError::IterationCountZero
        );
        let err = first_error(&format!("r={NONCE}x,s=fs3IXBy7U7+IvVjZ,i=1000000000"));
        assert_eq!(
            err,
            ScramError::IterationCountTooHigh {
                count: 1_000_000_000,
                max: DEFAULT_MAX_ITERATIONS
            }
        );
        assert_eq!(
            err.to_string(),
            "SCRAM iteration count 1000000000 is above the 1000000 accepted; refusing to hash"
        );
        assert!(matches!(
            first_error(&format!(
                "r={NONCE}x,s=fs3IXBy7U7+IvVjZ,i=99999999999999999999999"
            )),
            ScramError::IterationCountTooHigh {
                count: u64::MAX,
                ..
            }
        ));
        assert!(matches!(
            first_error(&format!("r={NONCE}x,s=fs3IXBy7U7+IvVjZ,i=-5")),
            ScramError::Malformed { .. }
        ));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn the_cap_can_be_lowered() {
        let err = ScramClient::new(b"foobar", ScramBinding::NotSupported, NONCE)
            .with_max_iterations(1000)
            .handle_server_first(SERVER_FIRST.as_bytes())
            .unwrap_err();
        assert_eq!(
            err,
            ScramError::IterationCountTooHigh {
                count: 4096,
                max: 1000
            }
        );
    }

    #[test]
    fn a_server_nonce_not_extending_ours_is_refused() {
        assert_eq!(
            first_error("r=SOMEONEELSE,s=fs3IXBy7U7+IvVjZ,i=4096"),
            ScramError::NonceMismatch
        );
    }

    #[test]
    fn malformed_server_first_messages() {
        assert_eq!(
            first_error(&format!("r={NONCE}x,s=,i=4096")),
            ScramError::InvalidSalt
        );
        assert_eq!(
            first_error(&format!("r={NONCE}x,s=@@@,i=4096")),
            ScramError::InvalidSalt
        );
        for bad in [
            "",
            "s=abc,r=def,i=1",
            &format!("r={NONCE}x,s=fs3IXBy7U7+IvVjZ"),
            "m=ext,r=a,s=b,i=1",
        ] {
            assert!(
                matches!(first_error(bad), ScramError::Malformed { .. }),
                "{bad:?} gave {:?}",
                first_error(bad)
            );
        }
        let err = ScramClient::new(b"x", ScramBinding::NotSupported, NONCE)
            .handle_server_first(b"r=\xff")
            .unwrap_err();
        assert_eq!(
            err,
            ScramError::NotUtf8 {
                message: "server-first-message"
            }
        );
    }

    #[test]
    fn server_final_errors() {
        let fin = || {
            ScramClient::new(b"foobar", ScramBinding::NotSupported, NONCE)
                .handle_server_first(SERVER_FIRST.as_bytes())
                .unwrap()
        };
        assert_eq!(
            fin().handle_server_final(b"e=invalid-proof"),
            Err(ScramError::ServerError("invalid-proof".into()))
        );
        assert!(matches!(
            fin().handle_server_final(b"x=1"),
            Err(ScramError::Malformed { .. })
        ));
        assert!(matches!(
            fin().handle_server_final(b"v=!!"),
            Err(ScramError::Malformed { .. })
        ));
    }

    #[test]
    fn debug_output_never_shows_the_password_or_proof() {
        let client = ScramClient::new(b"hunter2", ScramBinding::NotSupported, NONCE);
        let shown = format!("{client:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
        let fin = client.handle_server_first(SERVER_FIRST.as_bytes()).unwrap();
        assert!(!format!("{fin:?}").contains("p="));
    }

    #[test]
    fn plus_uses_the_plus_mechanism_and_binds_the_hash() {
        let client = ScramClient::new(
            b"foobar",
            ScramBinding::TlsServerEndPoint(vec![1, 2, 3]),
            NONCE,
        );
        assert_eq!(client.mechanism(), SCRAM_SHA_256_PLUS);
        assert_eq!(
            client.client_first(),
            "p=tls-server-end-point,,n=,r=9IZ2O01zb9IgiIZ1WJ/zgpJB"
        );
        let fin = client.handle_server_first(SERVER_FIRST.as_bytes()).unwrap();
        let cbind = STANDARD.encode(b"p=tls-server-end-point,,\x01\x02\x03");
        assert!(fin.client_final().starts_with(&format!("c={cbind},")));
    }

    #[test]
    fn nonces_from_random_bytes_are_24_printable_characters() {
        let nonce = nonce_from_random(&[0xfbu8; 18]);
        assert_eq!(nonce.len(), 24);
        assert!(nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b','));
    }
}
