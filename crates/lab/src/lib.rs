//! The pgtls lab: a throwaway PKI and real PostgreSQL clusters, so that
//! every part of pgtls (and `pgtls demo`) is tested against what a real
//! server logs and a real client prints instead of against imitations.
//!
//! - [`Pki`] / [`shared_pki`]: a root CA, an unrelated CA, an intermediate
//!   and every server and client certificate the catalogue's failures need
//!   (names in [`files`]). [`issue_cert`], [`generate_ca`] and [`CertSpec`]
//!   mint more.
//! - [`Cluster`]: a PostgreSQL server started from a per-process template
//!   (roles `kong` with a SCRAM password, `kong_md5` with an md5 password,
//!   `foo` without one, all [`LAB_PASSWORD`]; database `kong`), configured by
//!   a [`ClusterSpec`], listening on 127.0.0.1 on a free port.
//!
//! - [`ClusterSpec::pg_version`] / [`PgClient`]: servers and libpq clients
//!   of PostgreSQL 12–18 from the packaged builds that
//!   `lab/fetch-postgres.sh` puts in [`cache_dir`].
//! - [`Pooler`]: a real pgbouncer in front of a cluster, configured by a
//!   [`PoolerSpec`] (TLS on the client's and the server's leg).
//!
//! When the lab runs as root, servers run as the `postgres` account.
//! Everything lives under [`std::env::temp_dir`] in `pgtls-lab-*`
//! directories that are removed when the owning value is dropped or, at the
//! latest, when the process ends.
//!
//! ```no_run
//! use pgtls_lab::{files, shared_pki, Cluster, ClusterSpec, LAB_PASSWORD};
//!
//! # fn main() -> Result<(), pgtls_lab::LabError> {
//! let pki = shared_pki()?;
//! let spec = ClusterSpec::new()
//!     .with_server_tls(pki)?
//!     .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256");
//! let cluster = Cluster::start(&spec)?;
//! let root = pki.path(files::ROOT_CA);
//! let out = cluster.psql(
//!     &format!("host=localhost user=kong sslmode=verify-full sslrootcert={}", root.display()),
//!     &[("PGPASSWORD", LAB_PASSWORD)],
//! );
//! assert_eq!(out.status, 0, "{}", out.stderr);
//! # Ok(())
//! # }
//! ```

mod binaries;
mod cluster;
mod error;
mod fsutil;
mod pki;
mod pooler;
mod proc;
mod server;
mod template;
mod versions;

pub use binaries::{find_binaries, PgBinaries, PG_BINDIR_VAR};
pub use cluster::{
    Cluster, ClusterSpec, DataFile, LogFormats, LogMark, Owner, PsqlOutput, LAB_HOST, PSQL_TIMEOUT,
};
pub use error::LabError;
pub use pki::{
    files, generate_ca, generate_key, issue_cert, shared_pki, sign_cert, write_cert_and_key,
    CertSpec, CertUsage, CertifiedKey, KeyType, Pki, Validity, INTERMEDIATE_CA_CN, OTHER_CA_CN,
    ROOT_CA_CN,
};
pub use pooler::{pgbouncer_binary, Pooler, PoolerLogMark, PoolerSpec, PGBOUNCER_PATH};
pub use proc::{is_root, remove_at_exit, SERVER_ACCOUNT};
pub use versions::{
    cache_dir, package_version, version_available, version_binaries, version_dir, ClientKind,
    PgClient, KNOWN_VERSIONS, PG_CACHE_VAR,
};

/// The password of the lab roles `kong` (stored as SCRAM-SHA-256) and
/// `kong_md5` (stored as MD5).
pub const LAB_PASSWORD: &str = "lab-Secret-9f2c";
/// The lab's superuser (trusted over the Unix socket only).
pub const LAB_SUPERUSER: &str = "postgres";
/// The database owned by `kong`.
pub const LAB_DATABASE: &str = "kong";
