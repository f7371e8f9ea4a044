//! The SSLRequest exchange that precedes TLS on a PostgreSQL connection: the
//! eight-byte request and the single byte the server answers with. The answer
//! byte decides everything that follows (TLS, a plaintext fallback, an error
//! from an old server, or a peer that is not PostgreSQL at all), so it gets its
//! own small type.

use bytes::BytesMut;
use postgres_protocol::message::frontend;

/// The request code PostgreSQL reserves for SSLRequest (1234 << 16 | 5679).
pub const SSL_REQUEST_CODE: u32 = 80_877_103;

/// Appends an SSLRequest (length 8, code 80877103) to `buf`.
pub fn write_ssl_request(buf: &mut BytesMut) {
    frontend::ssl_request(buf);
}

/// The eight bytes of an SSLRequest.
pub fn ssl_request() -> [u8; 8] {
    let mut buf = BytesMut::with_capacity(8);
    write_ssl_request(&mut buf);
    let mut out = [0u8; 8];
    out.copy_from_slice(&buf[..8]);
    out
}

/// The server's one-byte answer to an SSLRequest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslResponse {
    /// `S`: the server is ready for a TLS handshake.
    Accepted,
    /// `N`: the server does not do TLS on this port (`ssl = off`, or a pooler
    /// without TLS in front of it).
    Refused,
    /// `E`: an ErrorResponse follows instead of an answer; very old servers
    /// (and a server that cannot fork a backend) do this.
    ErrorFollows,
    /// Any other byte: whatever answered is not speaking the PostgreSQL
    /// protocol.
    Junk(u8),
}

impl SslResponse {
    /// Classifies the answer byte.
    pub fn from_byte(byte: u8) -> SslResponse {
        match byte {
            b'S' => SslResponse::Accepted,
            b'N' => SslResponse::Refused,
            b'E' => SslResponse::ErrorFollows,
            other => SslResponse::Junk(other),
        }
    }

    /// A short description for a transcript, e.g. `'S'` or `junk 0x48`.
    pub fn describe(&self) -> String {
        match self {
            SslResponse::Accepted => "'S'".to_string(),
            SslResponse::Refused => "'N'".to_string(),
            SslResponse::ErrorFollows => "'E'".to_string(),
            SslResponse::Junk(b) if b.is_ascii_graphic() => {
                format!("junk byte 0x{b:02x} ('{}')", *b as char)
            }
            SslResponse::Junk(b) => format!("junk byte 0x{b:02x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_request_is_length_8_and_the_magic_code() {
        assert_eq!(ssl_request(), [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
        let code = u32::from_be_bytes([0x04, 0xd2, 0x16, 0x2f]);
        assert_eq!(code, SSL_REQUEST_CODE);
    }

    #[test]
    fn answer_bytes_are_classified() {
        assert_eq!(SslResponse::from_byte(b'S'), SslResponse::Accepted);
        assert_eq!(SslResponse::from_byte(b'N'), SslResponse::Refused);
        assert_eq!(SslResponse::from_byte(b'E'), SslResponse::ErrorFollows);
        // An HTTP server answering "HTTP/1.1 400" starts with 'H'.
        assert_eq!(SslResponse::from_byte(b'H'), SslResponse::Junk(b'H'));
        assert_eq!(SslResponse::from_byte(0x15), SslResponse::Junk(0x15));
    }

    #[test]
    fn descriptions_are_short_and_quote_the_byte() {
        assert_eq!(SslResponse::Accepted.describe(), "'S'");
        assert_eq!(SslResponse::Refused.describe(), "'N'");
        assert_eq!(SslResponse::Junk(b'H').describe(), "junk byte 0x48 ('H')");
        assert_eq!(SslResponse::Junk(0x15).describe(), "junk byte 0x15");
    }
}
