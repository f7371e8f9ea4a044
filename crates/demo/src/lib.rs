//! The two commands a newcomer runs first, as a library the `pgtls` binary
//! calls: [`setup`] generates a working mutual-TLS configuration (CA,
//! server and client certificates, and the postgresql.conf, pg_hba.conf,
//! pg_ident.conf, kong.conf and libpq lines that use them) and can prove it
//! on a throwaway server; [`demo`] starts a throwaway PostgreSQL, breaks it
//! in each way the seed troubleshooting page documents (PGTLS001 to
//! PGTLS009), shows what each side prints and pgtls's diagnosis, applies the
//! fix and shows the connection recover.
//!
//! Both build on the lab (`pgtls-lab`): its PKI helpers mint the
//! certificates and its clusters are real PostgreSQL servers run from the
//! local installation.

pub mod demo;
mod error;
mod kong;
pub mod setup;
mod text;

pub use error::{DemoError, SetupError};
