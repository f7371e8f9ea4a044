//! Decoding of backend (server-to-client) messages from a byte buffer.
//!
//! The decoder never trusts the length a frame claims: a length above the cap
//! is refused as soon as the five header bytes are in, before any body has
//! arrived and before anything is allocated for it, so a hostile peer claiming
//! a 1 GB message costs nothing. Text fields are decoded lossily because a
//! server writing in another encoding (a Japanese `lc_messages` before the
//! client encoding is settled) must still produce a readable diagnosis.

use std::fmt;

use bytes::{Buf, BytesMut};

/// The default cap on a backend frame body: 1 MiB, far above anything a
/// connection start-up or `SHOW server_version_num` produces.
pub const DEFAULT_MAX_FRAME_LEN: usize = 1 << 20;

/// Why a backend frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The frame header claims a body longer than the decoder's cap; nothing
    /// was allocated for it.
    FrameTooLong {
        /// The message type byte.
        tag: u8,
        /// The body length the header claims (without the length field).
        claimed: u64,
        /// The cap in force.
        max: usize,
    },
    /// The length field is below 4, the size of the length field itself.
    FrameTooShort {
        /// The message type byte.
        tag: u8,
        /// The length value as sent.
        claimed: u32,
    },
    /// A known message type whose body does not have the fields it must have.
    Malformed {
        /// The message type byte.
        tag: u8,
        /// What was wrong, in a few words.
        reason: &'static str,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::FrameTooLong { tag, claimed, max } => write!(
                f,
                "backend message {} claims a length of {claimed} bytes, more than the {max} allowed",
                tag_name(*tag)
            ),
            DecodeError::FrameTooShort { tag, claimed } => write!(
                f,
                "backend message {} has an impossible length field {claimed} (below 4)",
                tag_name(*tag)
            ),
            DecodeError::Malformed { tag, reason } => {
                write!(f, "malformed backend message {}: {reason}", tag_name(*tag))
            }
        }
    }
}

impl std::error::Error for DecodeError {}

fn tag_name(tag: u8) -> String {
    if tag.is_ascii_graphic() {
        format!("'{}'", tag as char)
    } else {
        format!("0x{tag:02x}")
    }
}

/// The fields of an ErrorResponse or NoticeResponse. Every field is optional
/// because a broken or old server may leave any of them out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorFields {
    /// `S`: the severity as the server's `lc_messages` spells it.
    pub severity: Option<String>,
    /// `V`: the severity in English, never translated (PostgreSQL 9.6+).
    pub severity_nonlocalized: Option<String>,
    /// `C`: the SQLSTATE code, e.g. `28000`.
    pub code: Option<String>,
    /// `M`: the primary message.
    pub message: Option<String>,
    /// `D`: the detail line.
    pub detail: Option<String>,
    /// `H`: the hint line.
    pub hint: Option<String>,
    /// `R`: the server source routine that raised it.
    pub routine: Option<String>,
    /// Every other field, in order, as (type byte, value).
    pub other: Vec<(u8, String)>,
}

impl ErrorFields {
    /// The severity to show: the English `V` when present, else `S`.
    pub fn severity_word(&self) -> Option<&str> {
        self.severity_nonlocalized
            .as_deref()
            .or(self.severity.as_deref())
    }

    fn parse(body: &[u8]) -> ErrorFields {
        let mut fields = ErrorFields::default();
        let mut rest = body;
        // A missing terminator is tolerated: the fields read so far are
        // still the best evidence there is.
        while let Some((&kind, after)) = rest.split_first() {
            if kind == 0 {
                break;
            }
            let (value, after) = match after.iter().position(|&b| b == 0) {
                Some(end) => (&after[..end], &after[end + 1..]),
                None => (after, &after[after.len()..]),
            };
            let value = String::from_utf8_lossy(value).into_owned();
            match kind {
                b'S' => fields.severity = Some(value),
                b'V' => fields.severity_nonlocalized = Some(value),
                b'C' => fields.code = Some(value),
                b'M' => fields.message = Some(value),
                b'D' => fields.detail = Some(value),
                b'H' => fields.hint = Some(value),
                b'R' => fields.routine = Some(value),
                other => fields.other.push((other, value)),
            }
            rest = after;
        }
        fields
    }

    fn describe(&self, name: &str) -> String {
        let mut out = name.to_string();
        if let Some(severity) = self.severity_word() {
            out.push(' ');
            out.push_str(severity);
        }
        if let Some(code) = &self.code {
            out.push(' ');
            out.push_str(code);
        }
        out
    }
}

/// An authentication request (`R` message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthRequest {
    /// 0: authentication succeeded.
    Ok,
    /// 3: send the password in clear text.
    CleartextPassword,
    /// 5: send the MD5-hashed password with this salt.
    Md5Password {
        /// The four salt bytes.
        salt: [u8; 4],
    },
    /// 10: SASL, with the mechanisms the server offers, in its order.
    Sasl {
        /// e.g. `["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]`.
        mechanisms: Vec<String>,
    },
    /// 11: a SASL challenge (for SCRAM, the server-first-message).
    SaslContinue {
        /// The challenge bytes.
        data: Vec<u8>,
    },
    /// 12: the SASL outcome (for SCRAM, the server-final-message).
    SaslFinal {
        /// The final bytes.
        data: Vec<u8>,
    },
    /// Any other request type (Kerberos 2, SCM 6, GSS 7/8, SSPI 9, or a
    /// number this layer does not know).
    Other {
        /// The request type number as sent.
        code: u32,
    },
}

impl AuthRequest {
    fn parse(body: &[u8]) -> Result<AuthRequest, DecodeError> {
        let malformed = |reason| DecodeError::Malformed { tag: b'R', reason };
        if body.len() < 4 {
            return Err(malformed(
                "authentication request shorter than its type field",
            ));
        }
        let code = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
        let rest = &body[4..];
        Ok(match code {
            0 => AuthRequest::Ok,
            3 => AuthRequest::CleartextPassword,
            5 => {
                if rest.len() < 4 {
                    return Err(malformed("MD5 request without its 4-byte salt"));
                }
                AuthRequest::Md5Password {
                    salt: [rest[0], rest[1], rest[2], rest[3]],
                }
            }
            10 => {
                let mut mechanisms = Vec::new();
                let mut list = rest;
                loop {
                    let Some(end) = list.iter().position(|&b| b == 0) else {
                        return Err(malformed("SASL mechanism list is not terminated"));
                    };
                    if end == 0 {
                        break;
                    }
                    mechanisms.push(String::from_utf8_lossy(&list[..end]).into_owned());
                    list = &list[end + 1..];
                }
                AuthRequest::Sasl { mechanisms }
            }
            11 => AuthRequest::SaslContinue {
                data: rest.to_vec(),
            },
            12 => AuthRequest::SaslFinal {
                data: rest.to_vec(),
            },
            other => AuthRequest::Other { code: other },
        })
    }

    /// The protocol name of the request, e.g. `AuthenticationMD5Password`.
    pub fn name(&self) -> String {
        match self {
            AuthRequest::Ok => "AuthenticationOk".into(),
            AuthRequest::CleartextPassword => "AuthenticationCleartextPassword".into(),
            AuthRequest::Md5Password { .. } => "AuthenticationMD5Password".into(),
            AuthRequest::Sasl { .. } => "AuthenticationSASL".into(),
            AuthRequest::SaslContinue { .. } => "AuthenticationSASLContinue".into(),
            AuthRequest::SaslFinal { .. } => "AuthenticationSASLFinal".into(),
            AuthRequest::Other { code } => {
                let known = match code {
                    2 => Some("AuthenticationKerberosV5"),
                    6 => Some("AuthenticationSCMCredential"),
                    7 => Some("AuthenticationGSS"),
                    8 => Some("AuthenticationGSSContinue"),
                    9 => Some("AuthenticationSSPI"),
                    _ => None,
                };
                match known {
                    Some(name) => format!("{name} ({code})"),
                    None => format!("Authentication request type {code}"),
                }
            }
        }
    }
}

/// One column of a RowDescription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDescription {
    /// The column name.
    pub name: String,
    /// The type OID.
    pub type_oid: u32,
    /// 0 for text, 1 for binary.
    pub format: i16,
}

/// A decoded backend message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendMessage {
    /// `R`.
    Authentication(AuthRequest),
    /// `E`.
    ErrorResponse(ErrorFields),
    /// `N`.
    NoticeResponse(ErrorFields),
    /// `S`: a run-time parameter the server reports (server_version, ...).
    ParameterStatus {
        /// Parameter name.
        name: String,
        /// Parameter value.
        value: String,
    },
    /// `K`: the cancellation key.
    BackendKeyData {
        /// Backend process id.
        process_id: i32,
        /// Cancellation secret.
        secret_key: i32,
    },
    /// `Z`: the server waits for a query; `status` is `I`, `T` or `E`.
    ReadyForQuery {
        /// The transaction status byte.
        status: u8,
    },
    /// `T`.
    RowDescription(Vec<FieldDescription>),
    /// `D`: column values, `None` for SQL NULL.
    DataRow(Vec<Option<Vec<u8>>>),
    /// `C`: the command tag, e.g. `SHOW`.
    CommandComplete {
        /// The tag text.
        tag: String,
    },
    /// A message type this layer does not decode (NegotiateProtocolVersion,
    /// EmptyQueryResponse, ...), kept by type and size only.
    Other {
        /// The message type byte.
        tag: u8,
        /// The body length.
        len: usize,
    },
}

impl BackendMessage {
    /// A short human description for a transcript, e.g.
    /// `AuthenticationSASL [SCRAM-SHA-256-PLUS, SCRAM-SHA-256]` or
    /// `ErrorResponse FATAL 28000`.
    pub fn describe(&self) -> String {
        match self {
            BackendMessage::Authentication(AuthRequest::Sasl { mechanisms }) => {
                format!("AuthenticationSASL [{}]", mechanisms.join(", "))
            }
            BackendMessage::Authentication(req) => req.name(),
            BackendMessage::ErrorResponse(fields) => fields.describe("ErrorResponse"),
            BackendMessage::NoticeResponse(fields) => fields.describe("NoticeResponse"),
            BackendMessage::ParameterStatus { name, value } => {
                format!("ParameterStatus {name}={value}")
            }
            BackendMessage::BackendKeyData { .. } => "BackendKeyData".into(),
            BackendMessage::ReadyForQuery { status } => {
                format!("ReadyForQuery {}", printable(*status))
            }
            BackendMessage::RowDescription(fields) => {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                format!("RowDescription [{}]", names.join(", "))
            }
            BackendMessage::DataRow(columns) => {
                let shown: Vec<String> = columns
                    .iter()
                    .map(|c| match c {
                        Some(v) if v.len() <= 32 => String::from_utf8_lossy(v).into_owned(),
                        Some(v) => format!("<{} bytes>", v.len()),
                        None => "NULL".into(),
                    })
                    .collect();
                format!("DataRow [{}]", shown.join(", "))
            }
            BackendMessage::CommandComplete { tag } => format!("CommandComplete {tag}"),
            BackendMessage::Other { tag, len } => {
                format!("message {} ({len} bytes)", tag_name(*tag))
            }
        }
    }
}

fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        (b as char).to_string()
    } else {
        format!("0x{b:02x}")
    }
}

/// Splits backend frames off a buffer. It holds no state besides its cap, so
/// one decoder can serve the whole connection.
#[derive(Debug, Clone, Copy)]
pub struct Decoder {
    max_len: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder with the default 1 MiB cap.
    pub fn new() -> Decoder {
        Decoder {
            max_len: DEFAULT_MAX_FRAME_LEN,
        }
    }

    /// A decoder refusing bodies longer than `max_len` bytes.
    pub fn with_max_len(max_len: usize) -> Decoder {
        Decoder { max_len }
    }

    /// The cap in force.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Takes one whole message off the front of `buf`. Returns `Ok(None)`
    /// (leaving `buf` untouched) until the whole frame has arrived. A header
    /// claiming too much is refused at once, without waiting for the body.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<BackendMessage>, DecodeError> {
        if buf.len() < 5 {
            return Ok(None);
        }
        let tag = buf[0];
        let claimed = u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]);
        if claimed < 4 {
            return Err(DecodeError::FrameTooShort { tag, claimed });
        }
        let body_len = (claimed - 4) as usize;
        if body_len > self.max_len {
            return Err(DecodeError::FrameTooLong {
                tag,
                claimed: u64::from(claimed),
                max: self.max_len,
            });
        }
        if buf.len() < 5 + body_len {
            return Ok(None);
        }
        buf.advance(5);
        let body = buf.split_to(body_len);
        parse_body(tag, &body).map(Some)
    }
}

fn parse_body(tag: u8, body: &[u8]) -> Result<BackendMessage, DecodeError> {
    let mut cur = Cursor { tag, rest: body };
    let msg = match tag {
        b'R' => BackendMessage::Authentication(AuthRequest::parse(body)?),
        b'E' => BackendMessage::ErrorResponse(ErrorFields::parse(body)),
        b'N' => BackendMessage::NoticeResponse(ErrorFields::parse(body)),
        b'S' => {
            let name = cur.cstr("parameter name is not terminated")?;
            let value = cur.cstr("parameter value is not terminated")?;
            BackendMessage::ParameterStatus { name, value }
        }
        b'K' => {
            let process_id = cur.i32("BackendKeyData shorter than 8 bytes")?;
            let secret_key = cur.i32("BackendKeyData shorter than 8 bytes")?;
            BackendMessage::BackendKeyData {
                process_id,
                secret_key,
            }
        }
        b'Z' => {
            let status = cur.u8("ReadyForQuery without a status byte")?;
            BackendMessage::ReadyForQuery { status }
        }
        b'T' => {
            let count = cur.i16("RowDescription without a field count")?;
            let mut fields = Vec::new();
            for _ in 0..count.max(0) {
                let name = cur.cstr("column name is not terminated")?;
                let short = "RowDescription field shorter than 18 bytes";
                let _table_oid = cur.i32(short)?;
                let _column = cur.i16(short)?;
                let type_oid = cur.i32(short)? as u32;
                let _type_len = cur.i16(short)?;
                let _type_mod = cur.i32(short)?;
                let format = cur.i16(short)?;
                fields.push(FieldDescription {
                    name,
                    type_oid,
                    format,
                });
            }
            BackendMessage::RowDescription(fields)
        }
        b'D' => {
            let count = cur.i16("DataRow without a column count")?;
            let mut columns = Vec::new();
            for _ in 0..count.max(0) {
                let len = cur.i32("DataRow column without a length")?;
                if len < 0 {
                    columns.push(None);
                } else {
                    let value = cur.bytes(len as usize, "DataRow column longer than the frame")?;
                    columns.push(Some(value.to_vec()));
                }
            }
            BackendMessage::DataRow(columns)
        }
        b'C' => {
            let tag_text = cur.cstr("command tag is not terminated")?;
            BackendMessage::CommandComplete { tag: tag_text }
        }
        other => BackendMessage::Other {
            tag: other,
            len: body.len(),
        },
    };
    Ok(msg)
}

struct Cursor<'a> {
    tag: u8,
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn bytes(&mut self, n: usize, reason: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < n {
            return Err(DecodeError::Malformed {
                tag: self.tag,
                reason,
            });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u8(&mut self, reason: &'static str) -> Result<u8, DecodeError> {
        Ok(self.bytes(1, reason)?[0])
    }

    fn i16(&mut self, reason: &'static str) -> Result<i16, DecodeError> {
        let b = self.bytes(2, reason)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self, reason: &'static str) -> Result<i32, DecodeError> {
        let b = self.bytes(4, reason)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn cstr(&mut self, reason: &'static str) -> Result<String, DecodeError> {
        let Some(end) = self.rest.iter().position(|&b| b == 0) else {
            return Err(DecodeError::Malformed {
                tag: self.tag,
                reason,
            });
        };
        let s = String::from_utf8_lossy(&self.rest[..end]).into_owned();
        self.rest = &self.rest[end + 1..];
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    fn decode_all(bytes: &[u8]) -> Vec<BackendMessage> {
        let mut buf = BytesMut::from(bytes);
        let mut out = Vec::new();
        while let Some(msg) = Decoder::new().decode(&mut buf).unwrap() {
            out.push(msg);
        }
        assert!(buf.is_empty(), "left over: {buf:?}");
        out
    }

    // The FATAL a PostgreSQL 15 server sends for a `cert` pg_hba line when the
    // client sent no certificate, as captured on the wire.
    const CLIENT_CERT_REQUIRED: &[u8] = b"SFATAL\0VFATAL\0C28000\0Mconnection requires a valid client certificate\0Fauth.c\0L356\0RClientAuthentication\0\0";

    #[test]
    fn waits_for_a_whole_frame_byte_by_byte() {
        let bytes = frame(b'E', CLIENT_CERT_REQUIRED);
        let decoder = Decoder::new();
        let mut buf = BytesMut::new();
        for (i, b) in bytes.iter().enumerate() {
            buf.extend_from_slice(&[*b]);
            let got = decoder.decode(&mut buf).unwrap();
            if i + 1 < bytes.len() {
                assert!(got.is_none(), "decoded early at byte {i}");
                assert_eq!(buf.len(), i + 1, "partial input must be left in place");
            } else {
                let Some(BackendMessage::ErrorResponse(fields)) = got else {
                    panic!("expected an ErrorResponse, got {got:?}");
                };
                assert_eq!(fields.severity.as_deref(), Some("FATAL"));
                assert_eq!(fields.severity_nonlocalized.as_deref(), Some("FATAL"));
                assert_eq!(fields.code.as_deref(), Some("28000"));
                assert_eq!(
                    fields.message.as_deref(),
                    Some("connection requires a valid client certificate")
                );
                assert_eq!(fields.routine.as_deref(), Some("ClientAuthentication"));
                assert_eq!(
                    fields.other,
                    vec![(b'F', "auth.c".into()), (b'L', "356".into())]
                );
            }
        }
        assert!(buf.is_empty());
    }

    #[test]
    fn a_one_gigabyte_claim_is_refused_from_the_header_alone() {
        // Only the five header bytes: the refusal must not wait for (or
        // allocate) the body.
        let mut buf = BytesMut::from(&[b'R', 0x40, 0x00, 0x00, 0x04][..]);
        let err = Decoder::new().decode(&mut buf).unwrap_err();
        assert_eq!(
            err,
            DecodeError::FrameTooLong {
                tag: b'R',
                claimed: 0x4000_0004,
                max: DEFAULT_MAX_FRAME_LEN
            }
        );
        assert!(err.to_string().contains("1073741828"), "{err}");
        assert!(buf.capacity() < 1024);
    }

    #[test]
    fn a_length_below_four_is_refused() {
        let mut buf = BytesMut::from(&[b'Z', 0, 0, 0, 3, b'I'][..]);
        assert_eq!(
            Decoder::new().decode(&mut buf).unwrap_err(),
            DecodeError::FrameTooShort {
                tag: b'Z',
                claimed: 3
            }
        );
    }

    #[test]
    fn the_cap_is_configurable_and_inclusive() {
        let bytes = frame(b'S', b"a\0b\0");
        let mut buf = BytesMut::from(&bytes[..]);
        assert!(Decoder::with_max_len(4).decode(&mut buf).unwrap().is_some());
        let mut buf = BytesMut::from(&bytes[..]);
        assert!(matches!(
            Decoder::with_max_len(3).decode(&mut buf),
            Err(DecodeError::FrameTooLong {
                claimed: 8,
                max: 3,
                ..
            })
        ));
    }

    #[test]
    fn error_fields_tolerate_missing_fields_terminator_and_bad_utf8() {
        // Severity in EUC-JP bytes (not UTF-8), no code, no final NUL.
        let body = b"S\xc3\xd7\xcc\xbf\0Mbad\xffthing";
        let msgs = decode_all(&frame(b'E', body));
        let BackendMessage::ErrorResponse(f) = &msgs[0] else {
            panic!("{msgs:?}")
        };
        assert_eq!(f.code, None);
        assert_eq!(f.detail, None);
        assert_eq!(f.message.as_deref(), Some("bad\u{fffd}thing"));
        assert!(f.severity.as_deref().unwrap().contains('\u{fffd}'));
        assert_eq!(f.severity_word(), f.severity.as_deref());
        // An empty body is an ErrorResponse with nothing in it.
        let msgs = decode_all(&frame(b'N', b""));
        assert_eq!(
            msgs,
            vec![BackendMessage::NoticeResponse(ErrorFields::default())]
        );
    }

    #[test]
    fn detail_and_hint_and_japanese_text_are_kept() {
        let body =
            "SFATAL\0VFATAL\0C28000\0Mpg_hba.conf にエントリがありません\0D詳細\0Hヒント\0\0";
        let msgs = decode_all(&frame(b'E', body.as_bytes()));
        let BackendMessage::ErrorResponse(f) = &msgs[0] else {
            panic!("{msgs:?}")
        };
        assert_eq!(
            f.message.as_deref(),
            Some("pg_hba.conf にエントリがありません")
        );
        assert_eq!(f.detail.as_deref(), Some("詳細"));
        assert_eq!(f.hint.as_deref(), Some("ヒント"));
        assert_eq!(msgs[0].describe(), "ErrorResponse FATAL 28000");
    }

    #[test]
    fn authentication_requests() {
        let mut bytes = Vec::new();
        bytes.extend(frame(b'R', &[0, 0, 0, 0]));
        bytes.extend(frame(b'R', &[0, 0, 0, 3]));
        bytes.extend(frame(b'R', &[0, 0, 0, 5, 0xde, 0xad, 0xbe, 0xef]));
        bytes.extend(frame(
            b'R',
            b"\0\0\0\x0aSCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0",
        ));
        bytes.extend(frame(b'R', b"\0\0\0\x0br=abc,s=c2FsdA==,i=4096"));
        bytes.extend(frame(b'R', b"\0\0\0\x0cv=xyz"));
        bytes.extend(frame(b'R', &[0, 0, 0, 7]));
        bytes.extend(frame(b'R', &[0, 0, 0, 42]));
        let msgs = decode_all(&bytes);
        let reqs: Vec<AuthRequest> = msgs
            .iter()
            .map(|m| match m {
                BackendMessage::Authentication(r) => r.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            reqs,
            vec![
                AuthRequest::Ok,
                AuthRequest::CleartextPassword,
                AuthRequest::Md5Password {
                    salt: [0xde, 0xad, 0xbe, 0xef]
                },
                AuthRequest::Sasl {
                    mechanisms: vec!["SCRAM-SHA-256-PLUS".into(), "SCRAM-SHA-256".into()]
                },
                AuthRequest::SaslContinue {
                    data: b"r=abc,s=c2FsdA==,i=4096".to_vec()
                },
                AuthRequest::SaslFinal {
                    data: b"v=xyz".to_vec()
                },
                AuthRequest::Other { code: 7 },
                AuthRequest::Other { code: 42 },
            ]
        );
        let described: Vec<String> = msgs.iter().map(|m| m.describe()).collect();
        assert_eq!(
            described,
            vec![
                "AuthenticationOk",
                "AuthenticationCleartextPassword",
                "AuthenticationMD5Password",
                "AuthenticationSASL [SCRAM-SHA-256-PLUS, SCRAM-SHA-256]",
                "AuthenticationSASLContinue",
                "AuthenticationSASLFinal",
                "AuthenticationGSS (7)",
                "Authentication request type 42",
            ]
        );
    }

    #[test]
    fn truncated_authentication_requests_are_errors_not_panics() {
        for body in [
            &b"\0\0"[..],
            &b"\0\0\0\x05\x01"[..],
            &b"\0\0\0\x0aSCRAM"[..],
        ] {
            let mut buf = BytesMut::from(&frame(b'R', body)[..]);
            let err = Decoder::new().decode(&mut buf).unwrap_err();
            assert!(
                matches!(err, DecodeError::Malformed { tag: b'R', .. }),
                "{err:?}"
            );
        }
    }

    #[test]
    fn start_up_and_query_messages() {
        let mut bytes = Vec::new();
        bytes.extend(frame(
            b'S',
            b"server_version\x0015.18 (Debian 15.18-0+deb12u1)\0",
        ));
        bytes.extend(frame(b'K', &[0, 0, 0x30, 0x39, 0xff, 0xff, 0xff, 0xfe]));
        bytes.extend(frame(b'Z', b"I"));
        let mut row_desc = Vec::new();
        row_desc.extend_from_slice(&1i16.to_be_bytes());
        row_desc.extend_from_slice(b"server_version_num\0");
        row_desc.extend_from_slice(&0i32.to_be_bytes());
        row_desc.extend_from_slice(&0i16.to_be_bytes());
        row_desc.extend_from_slice(&25i32.to_be_bytes());
        row_desc.extend_from_slice(&(-1i16).to_be_bytes());
        row_desc.extend_from_slice(&(-1i32).to_be_bytes());
        row_desc.extend_from_slice(&0i16.to_be_bytes());
        bytes.extend(frame(b'T', &row_desc));
        let mut row = Vec::new();
        row.extend_from_slice(&2i16.to_be_bytes());
        row.extend_from_slice(&6i32.to_be_bytes());
        row.extend_from_slice(b"150018");
        row.extend_from_slice(&(-1i32).to_be_bytes());
        bytes.extend(frame(b'D', &row));
        bytes.extend(frame(b'C', b"SHOW\0"));
        bytes.extend(frame(b'I', b""));
        let msgs = decode_all(&bytes);
        assert_eq!(
            msgs,
            vec![
                BackendMessage::ParameterStatus {
                    name: "server_version".into(),
                    value: "15.18 (Debian 15.18-0+deb12u1)".into()
                },
                BackendMessage::BackendKeyData {
                    process_id: 12345,
                    secret_key: -2
                },
                BackendMessage::ReadyForQuery { status: b'I' },
                BackendMessage::RowDescription(vec![FieldDescription {
                    name: "server_version_num".into(),
                    type_oid: 25,
                    format: 0
                }]),
                BackendMessage::DataRow(vec![Some(b"150018".to_vec()), None]),
                BackendMessage::CommandComplete { tag: "SHOW".into() },
                BackendMessage::Other { tag: b'I', len: 0 },
            ]
        );
        let described: Vec<String> = msgs.iter().map(|m| m.describe()).collect();
        assert_eq!(
            described,
            vec![
                "ParameterStatus server_version=15.18 (Debian 15.18-0+deb12u1)",
                "BackendKeyData",
                "ReadyForQuery I",
                "RowDescription [server_version_num]",
                "DataRow [150018, NULL]",
                "CommandComplete SHOW",
                "message 'I' (0 bytes)",
            ]
        );
    }

    #[test]
    fn a_data_row_column_longer_than_its_frame_is_malformed() {
        let mut row = Vec::new();
        row.extend_from_slice(&1i16.to_be_bytes());
        row.extend_from_slice(&1000i32.to_be_bytes());
        row.extend_from_slice(b"short");
        let mut buf = BytesMut::from(&frame(b'D', &row)[..]);
        assert!(matches!(
            Decoder::new().decode(&mut buf),
            Err(DecodeError::Malformed { tag: b'D', .. })
        ));
    }

    #[test]
    fn non_printable_tags_are_named_in_hex() {
        let err = DecodeError::FrameTooShort {
            tag: 0x16,
            claimed: 0,
        };
        assert_eq!(
            err.to_string(),
            "backend message 0x16 has an impossible length field 0 (below 4)"
        );
    }
}
