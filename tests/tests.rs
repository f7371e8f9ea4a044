//! The integration tests of the `pgtls` binary, in one test binary.

mod lab_util;
mod util;

mod auth_versions;
mod captured_versions;
mod check;
mod check_versions;
mod demo;
mod explain;
mod exporter;
mod fits;
mod fix;
mod fix_proof;
mod fuzz_regressions;
mod generated;
mod hostile;
mod lab_explain;
mod libpq_versions;
mod logs;
mod nine_versions;
mod pooler;
mod pooler_fix;
mod pooler_probe;
mod probe;
mod readme;
mod scan;
mod security;
mod setup;
mod thief;
mod versions;
