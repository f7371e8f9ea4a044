//! The errors that stop a probe before it can observe anything: a local
//! configuration OpenSSL refuses, or values the protocol cannot carry. What
//! the server or the network does is never an error here; it is the report.

use std::fmt;

use openssl::error::ErrorStack;

/// The probe could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// A client certificate chain with no certificate in it.
    EmptyClientChain,
    /// The client private key does not belong to the client certificate.
    ClientKeyMismatch,
    /// OpenSSL refused the cipher list.
    InvalidCipherList {
        /// The list as given.
        list: String,
    },
    /// The minimum TLS version is above the maximum.
    InvalidVersionRange {
        /// The minimum, e.g. `TLSv1.3`.
        min: &'static str,
        /// The maximum.
        max: &'static str,
    },
    /// A start-up value contains a NUL byte or is too long.
    Encode {
        /// What could not be encoded, from the wire layer.
        message: String,
    },
    /// OpenSSL failed while the TLS context was being set up.
    OpenSsl {
        /// What was being done.
        context: &'static str,
        /// OpenSSL's error text.
        message: String,
    },
}

impl ProbeError {
    pub(crate) fn openssl(context: &'static str) -> impl Fn(ErrorStack) -> ProbeError {
        move |stack| ProbeError::OpenSsl {
            context,
            message: stack.to_string(),
        }
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::EmptyClientChain => write!(f, "client certificate chain is empty"),
            ProbeError::ClientKeyMismatch => {
                write!(
                    f,
                    "client private key does not match the client certificate"
                )
            }
            ProbeError::InvalidCipherList { list } => {
                write!(f, "openssl refuses the cipher list {list:?}")
            }
            ProbeError::InvalidVersionRange { min, max } => {
                write!(f, "minimum TLS version {min} is above the maximum {max}")
            }
            ProbeError::Encode { message } => write!(f, "cannot encode start-up: {message}"),
            ProbeError::OpenSsl { context, message } => {
                write!(f, "openssl failed while setting up {context}: {message}")
            }
        }
    }
}

impl std::error::Error for ProbeError {}
