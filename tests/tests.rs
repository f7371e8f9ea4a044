//! The integration tests of the `pgtls` binary, in one test binary.

mod util;

mod demo;
mod explain;
mod fuzz_regressions;
mod hostile;
mod lab_explain;
mod readme;
mod scan;
mod setup;
