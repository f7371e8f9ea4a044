//! The vocabulary every layer shares, with no I/O and no dependency on
//! OpenSSL or the network: secrets that wipe themselves, so that a password
//! or a key passphrase has exactly one type wherever it travels (config
//! parsers, the wire's SCRAM client, the probe).

mod secret;

pub use secret::Secret;
