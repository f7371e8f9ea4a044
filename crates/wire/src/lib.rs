//! The PostgreSQL wire protocol as far as a connection probe needs it, with no
//! I/O: bytes go in, typed messages come out, and frontend messages are
//! written into a buffer. Keeping this layer pure lets every parser be tested
//! with byte fixtures and lets a hostile or broken server be described as data
//! (an oversized frame, an unknown authentication request) instead of a crash
//! or a runaway allocation in the layer that does the network work.

mod backend;
mod frontend;
mod identify;
mod scram;
mod ssl;

pub use backend::{
    AuthRequest, BackendMessage, DecodeError, Decoder, ErrorFields, FieldDescription,
    DEFAULT_MAX_FRAME_LEN,
};
pub use frontend::{
    password_cleartext, password_md5, query, sasl_initial_response, sasl_response, startup_message,
    terminate, EncodeError, StartupParams,
};
pub use identify::{
    is_pgbouncer_own_text, sign_of_error, sign_of_parameters, verdict, ServerKind, Sign,
};
pub use scram::{
    nonce_from_random, ScramBinding, ScramClient, ScramError, ScramFinal, DEFAULT_MAX_ITERATIONS,
    SCRAM_SHA_256, SCRAM_SHA_256_PLUS,
};
pub use ssl::{ssl_request, write_ssl_request, SslResponse, SSL_REQUEST_CODE};
