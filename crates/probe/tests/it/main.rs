//! All integration tests of pgtls-probe, in one test binary.

mod fake;
mod lab;
