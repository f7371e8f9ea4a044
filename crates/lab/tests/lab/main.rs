//! Integration tests of the lab, in one binary so the template cluster is
//! built once for all of them.

mod cluster;
mod orphan;
mod pki;
mod versions;

/// Clusters and the PKI are kept in statics and shared across test threads.
#[test]
fn lab_types_are_send_and_sync() {
    fn is<T: Send + Sync>() {}
    is::<pgtls_lab::Cluster>();
    is::<pgtls_lab::Pki>();
    is::<pgtls_lab::LabError>();
}
