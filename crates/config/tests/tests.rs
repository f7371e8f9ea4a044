//! Integration tests of the configuration parsers, in one test binary.
//! Fixtures are inline text; where a behaviour is surprising, the expected
//! value was taken from PostgreSQL 15.18, libpq 15 or Kong's loader itself.

mod auth_versions;
mod hba;
mod ident;
mod kong;
mod libpq;
mod pgbouncer_ini;
mod postgresql_conf;
mod robustness;

use pgtls_config::Diagnostic;

/// The messages of a list of diagnostics, for compact assertions.
pub fn messages(diags: &[Diagnostic]) -> Vec<String> {
    diags.iter().map(|d| d.message.clone()).collect()
}

/// `file:line: severity: message` lines, as a user would see them.
pub fn rendered(diags: &[Diagnostic]) -> Vec<String> {
    diags.iter().map(ToString::to_string).collect()
}
