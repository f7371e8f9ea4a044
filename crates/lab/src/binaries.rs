//! Finding the local PostgreSQL installation. Distributions put the server
//! binaries in different places (Debian keeps them off `PATH` in
//! `/usr/lib/postgresql/N/bin`), and a missing server must produce one clear
//! message telling the user how to install it, not a "No such file" from
//! deep inside a test.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use crate::error::LabError;
use crate::proc;

/// The PostgreSQL programs the lab uses, all from one installation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgBinaries {
    bindir: PathBuf,
    /// The major version of a packaged build from the lab's cache; `None`
    /// for the local installation.
    packaged: Option<u32>,
}

impl PgBinaries {
    pub(crate) fn packaged(bindir: PathBuf, major: u32) -> PgBinaries {
        PgBinaries {
            bindir,
            packaged: Some(major),
        }
    }

    /// The major version when these are a packaged build from the lab's
    /// cache (see [`crate::version_binaries`]), `None` for the local
    /// installation.
    pub fn packaged_major(&self) -> Option<u32> {
        self.packaged
    }

    /// The directory holding `postgres` and `initdb`.
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    /// The server program.
    pub fn postgres(&self) -> PathBuf {
        self.bindir.join("postgres")
    }

    /// The cluster initialiser.
    pub fn initdb(&self) -> PathBuf {
        self.bindir.join("initdb")
    }

    /// The psql of the same installation when it has one, else
    /// `/usr/bin/psql`, else `psql` from `PATH`.
    pub fn psql(&self) -> PathBuf {
        let own = self.bindir.join("psql");
        if own.is_file() {
            return own;
        }
        let usr = PathBuf::from("/usr/bin/psql");
        if usr.exists() {
            return usr;
        }
        PathBuf::from("psql")
    }
}

fn has_server(dir: &Path) -> bool {
    dir.join("postgres").is_file() && dir.join("initdb").is_file()
}

fn from_path_var() -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    for dir in env::split_paths(&path) {
        let postgres = dir.join("postgres");
        if !postgres.is_file() || !dir.join("initdb").is_file() {
            continue;
        }
        // Follow symlinks (/usr/local/bin/postgres -> .../15/bin/postgres) so
        // that psql and initdb come from the same installation.
        let real = fs::canonicalize(&postgres).ok()?;
        let real_dir = real.parent()?.to_path_buf();
        if has_server(&real_dir) {
            return Some(real_dir);
        }
        return Some(dir);
    }
    None
}

fn from_pg_config() -> Option<PathBuf> {
    let mut cmd = Command::new("pg_config");
    cmd.arg("--bindir");
    let out = proc::run(cmd, Duration::from_secs(10)).ok()?;
    if out.status != Some(0) {
        return None;
    }
    let dir = PathBuf::from(out.stdout.trim());
    has_server(&dir).then_some(dir)
}

fn from_debian_layout() -> Option<PathBuf> {
    let mut best: Option<(Vec<u64>, PathBuf)> = None;
    for entry in fs::read_dir("/usr/lib/postgresql").ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(version) = name
            .split('.')
            .map(|p| p.parse::<u64>().ok())
            .collect::<Option<Vec<u64>>>()
        else {
            continue;
        };
        let bin = entry.path().join("bin");
        if has_server(&bin) && best.as_ref().is_none_or(|(v, _)| version > *v) {
            best = Some((version, bin));
        }
    }
    best.map(|(_, dir)| dir)
}

static FOUND: Mutex<Option<PgBinaries>> = Mutex::new(None);

/// The environment variable that names the directory holding `postgres`
/// and `initdb`, overriding the search (also how to make the lab, `pgtls
/// demo` and `pgtls setup --verify` behave as if PostgreSQL were absent:
/// point it at an empty directory).
pub const PG_BINDIR_VAR: &str = "PGTLS_PG_BINDIR";

/// Finds the server binaries: the directory named by [`PG_BINDIR_VAR`]
/// when that variable is set and not empty (and only there), else
/// `postgres` and `initdb` on `PATH`, else `pg_config --bindir`, else the
/// newest `/usr/lib/postgresql/*/bin`. The answer is remembered for the
/// life of the process once found.
pub fn find_binaries() -> Result<PgBinaries, LabError> {
    let mut guard = FOUND.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(found) = guard.as_ref() {
        return Ok(found.clone());
    }
    let bindir = match env::var_os(PG_BINDIR_VAR).filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if !has_server(&dir) {
                return Err(LabError::PostgresMissing);
            }
            dir
        }
        None => from_path_var()
            .or_else(from_pg_config)
            .or_else(from_debian_layout)
            .ok_or(LabError::PostgresMissing)?,
    };
    let found = PgBinaries {
        bindir,
        packaged: None,
    };
    *guard = Some(found.clone());
    Ok(found)
}
