//! All integration tests of the log reader, in one test binary.

mod formats;
mod streaming;
