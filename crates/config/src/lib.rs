//! Pure parsers for every configuration file pgtls reads: the server's
//! `postgresql.conf`, `pg_hba.conf` and `pg_ident.conf`, Kong's `kong.conf`
//! with its `KONG_*` environment, and libpq's connection strings, `PG*`
//! environment and `.pgpass`, and pgbouncer's `pgbouncer.ini`; and, built
//! from them, the one model of each client ([`kong_client`],
//! [`libpq_client`]).
//!
//! Each format follows the rules of the program that reads it (PostgreSQL 15,
//! Kong 3.x, libpq 15), including their quirks, so that `pgtls check` can say
//! what the program will actually do with a file. Nothing here opens a
//! network connection; files are read through [`Source`], so tests use
//! in-memory fixtures. A malformed line is a [`Diagnostic`] with its
//! `file:line`, never a panic, and the rest of the file is still read.

#![deny(missing_docs)]

mod diag;
mod error;
mod paths;
mod source;
mod tls;

mod auth_file;
pub mod hba;
pub mod ident;
pub mod kong;
pub mod kong_client;
pub mod libpq;
pub mod libpq_client;
pub mod pgbouncer_ini;
pub mod postgresql_conf;

pub use diag::{Diagnostic, Japanese, Location, Severity};
pub use error::ConfigError;
pub use pgtls_model::Secret;
pub use source::{
    read_limited, DirEntry, FileInfo, FileKind, FsSource, MemSource, Source, MAX_INPUT_FILE,
};
pub use tls::TlsVersion;
