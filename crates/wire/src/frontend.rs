//! Writers for the frontend (client-to-server) messages a connection probe
//! sends. They delegate the framing to `postgres_protocol::message::frontend`
//! and only add what the probe needs on top: typed start-up parameters, the
//! MD5 password hash, and an error that says which field could not be sent.

use std::fmt;

use bytes::BytesMut;
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::message::frontend;

/// A frontend message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// The value contains a NUL byte, which the protocol's C strings cannot
    /// carry.
    ContainsNul {
        /// Which value: `user`, `database`, `password`, `query`, ...
        what: &'static str,
    },
    /// The message would be larger than a frame length can express.
    TooLong {
        /// Which message.
        what: &'static str,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::ContainsNul { what } => write!(f, "{what} contains a NUL byte"),
            EncodeError::TooLong { what } => write!(f, "{what} is too long for one message"),
        }
    }
}

impl std::error::Error for EncodeError {}

fn nul_check(what: &'static str, value: &[u8]) -> Result<(), EncodeError> {
    if value.contains(&0) {
        Err(EncodeError::ContainsNul { what })
    } else {
        Ok(())
    }
}

/// The parameters of a StartupMessage (protocol 3.0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartupParams<'a> {
    /// `user`.
    pub user: &'a str,
    /// `database`; the server defaults it to the user name when absent.
    pub database: Option<&'a str>,
    /// `application_name` (Kong sends `kong`, psql sends `psql`).
    pub application_name: Option<&'a str>,
}

impl StartupParams<'_> {
    /// A short description for a transcript, e.g.
    /// `StartupMessage user=kong database=kong application_name=kong`.
    pub fn describe(&self) -> String {
        let mut out = format!("StartupMessage user={}", self.user);
        if let Some(db) = self.database {
            out.push_str(&format!(" database={db}"));
        }
        if let Some(app) = self.application_name {
            out.push_str(&format!(" application_name={app}"));
        }
        out
    }
}

/// Appends a StartupMessage.
pub fn startup_message(params: &StartupParams<'_>, buf: &mut BytesMut) -> Result<(), EncodeError> {
    nul_check("user", params.user.as_bytes())?;
    let mut pairs = vec![("user", params.user)];
    if let Some(db) = params.database {
        nul_check("database", db.as_bytes())?;
        pairs.push(("database", db));
    }
    if let Some(app) = params.application_name {
        nul_check("application_name", app.as_bytes())?;
        pairs.push(("application_name", app));
    }
    frontend::startup_message(pairs, buf).map_err(|_| EncodeError::TooLong {
        what: "StartupMessage",
    })
}

/// Appends a PasswordMessage carrying the password in clear text (answer to
/// AuthenticationCleartextPassword).
pub fn password_cleartext(password: &[u8], buf: &mut BytesMut) -> Result<(), EncodeError> {
    nul_check("password", password)?;
    frontend::password_message(password, buf).map_err(|_| EncodeError::TooLong {
        what: "PasswordMessage",
    })
}

/// Appends a PasswordMessage with `md5` + md5(md5(password + user) + salt)
/// (answer to AuthenticationMD5Password).
pub fn password_md5(
    user: &[u8],
    password: &[u8],
    salt: [u8; 4],
    buf: &mut BytesMut,
) -> Result<(), EncodeError> {
    let hashed = md5_hash(user, password, salt);
    frontend::password_message(hashed.as_bytes(), buf).map_err(|_| EncodeError::TooLong {
        what: "PasswordMessage",
    })
}

/// Appends a SASLInitialResponse for `mechanism` with the client-first data.
pub fn sasl_initial_response(
    mechanism: &str,
    data: &[u8],
    buf: &mut BytesMut,
) -> Result<(), EncodeError> {
    nul_check("SASL mechanism", mechanism.as_bytes())?;
    frontend::sasl_initial_response(mechanism, data, buf).map_err(|_| EncodeError::TooLong {
        what: "SASLInitialResponse",
    })
}

/// Appends a SASLResponse with the client-final data.
pub fn sasl_response(data: &[u8], buf: &mut BytesMut) -> Result<(), EncodeError> {
    frontend::sasl_response(data, buf).map_err(|_| EncodeError::TooLong {
        what: "SASLResponse",
    })
}

/// Appends a simple Query.
pub fn query(sql: &str, buf: &mut BytesMut) -> Result<(), EncodeError> {
    nul_check("query", sql.as_bytes())?;
    frontend::query(sql, buf).map_err(|_| EncodeError::TooLong { what: "Query" })
}

/// Appends a Terminate.
pub fn terminate(buf: &mut BytesMut) {
    frontend::terminate(buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_message_bytes() {
        let mut buf = BytesMut::new();
        let params = StartupParams {
            user: "kong",
            database: Some("kong"),
            application_name: Some("kong"),
        };
        startup_message(&params, &mut buf).unwrap();
        let mut want = Vec::new();
        let body = b"\0\x03\0\0user\0kong\0database\0kong\0application_name\0kong\0\0";
        want.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        want.extend_from_slice(body);
        assert_eq!(&buf[..], &want[..]);
        assert_eq!(
            params.describe(),
            "StartupMessage user=kong database=kong application_name=kong"
        );
    }

    #[test]
    fn startup_without_optional_parameters() {
        let mut buf = BytesMut::new();
        let params = StartupParams {
            user: "postgres",
            database: None,
            application_name: None,
        };
        startup_message(&params, &mut buf).unwrap();
        assert_eq!(&buf[4..], b"\0\x03\0\0user\0postgres\0\0");
        assert_eq!(params.describe(), "StartupMessage user=postgres");
    }

    #[test]
    fn nul_bytes_are_refused_with_the_field_name() {
        let mut buf = BytesMut::new();
        let params = StartupParams {
            user: "ko\0ng",
            database: None,
            application_name: None,
        };
        assert_eq!(
            startup_message(&params, &mut buf),
            Err(EncodeError::ContainsNul { what: "user" })
        );
        assert_eq!(
            password_cleartext(b"se\0cret", &mut buf)
                .unwrap_err()
                .to_string(),
            "password contains a NUL byte"
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn md5_password_matches_the_known_hash() {
        // md5("password" + "md5_user") then md5(hex + salt), the vector the
        // postgres-protocol crate itself checks.
        let mut buf = BytesMut::new();
        password_md5(b"md5_user", b"password", [0x2a, 0x3d, 0x8f, 0xe0], &mut buf).unwrap();
        assert_eq!(buf[0], b'p');
        assert_eq!(
            &buf[5..buf.len() - 1],
            b"md562af4dd09bbb41884907a838a3233294"
        );
        assert_eq!(buf[buf.len() - 1], 0);
    }

    #[test]
    fn cleartext_sasl_query_and_terminate_frames() {
        let mut buf = BytesMut::new();
        password_cleartext(b"pw", &mut buf).unwrap();
        assert_eq!(&buf[..], b"p\0\0\0\x07pw\0");
        buf.clear();
        sasl_initial_response("SCRAM-SHA-256", b"n,,n=,r=abc", &mut buf).unwrap();
        assert_eq!(&buf[..], b"p\0\0\0\x21SCRAM-SHA-256\0\0\0\0\x0bn,,n=,r=abc");
        buf.clear();
        sasl_response(b"c=biws", &mut buf).unwrap();
        assert_eq!(&buf[..], b"p\0\0\0\x0ac=biws");
        buf.clear();
        query("SHOW server_version_num;", &mut buf).unwrap();
        assert_eq!(&buf[..5], b"Q\0\0\0\x1d");
        assert_eq!(&buf[5..], b"SHOW server_version_num;\0");
        buf.clear();
        terminate(&mut buf);
        assert_eq!(&buf[..], b"X\0\0\0\x04");
    }
}
