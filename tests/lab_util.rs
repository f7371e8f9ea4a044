//! The lab as the integration tests use it: the shared PKI, clusters that
//! must start (or must refuse to), TLS server specs, the codes of a JSON
//! report, and loopback addresses. One copy, so every test file builds its
//! servers the same way.

use std::borrow::Borrow;

use pgtls_lab::{files, shared_pki, Cluster, ClusterSpec, DataFile, LabError, Owner, Pki};
use serde_json::Value;

/// The pg_hba.conf line most TLS servers of the tests carry.
pub const HOSTSSL_SCRAM: &str = "hostssl all all 127.0.0.1/32 scram-sha-256";

pub fn pki() -> &'static Pki {
    shared_pki().unwrap_or_else(|e| panic!("lab PKI: {e}"))
}

/// The path of a lab PKI file, as a command-line argument.
pub fn path(name: &str) -> String {
    pki().path(name).display().to_string()
}

/// Starts a cluster that must start.
pub fn start(spec: impl Borrow<ClusterSpec>) -> Cluster {
    Cluster::start(spec.borrow()).unwrap_or_else(|e| panic!("cluster start: {e}"))
}

/// Starts a cluster that must refuse to start: (its FATAL line, its log).
pub fn start_failure(spec: &ClusterSpec) -> (String, String) {
    match Cluster::start(spec) {
        Err(LabError::StartFailed { fatal, log }) => (fatal, log),
        Err(other) => panic!("expected a start failure, got {other}"),
        Ok(_) => panic!("the server started, but it should have refused"),
    }
}

/// `ssl = on` and the data directory's files that make the server refuse
/// to start with `code`.
pub fn start_failure_spec(code: &str, japanese: bool) -> ClusterSpec {
    let spec = ClusterSpec::new().japanese(japanese).setting("ssl", "on");
    match code {
        // No server.crt.
        "PGTLS002" => spec,
        // server.crt but no server.key.
        "PGTLS003" => spec.file(server_file(files::SERVER, "server.crt", 0o600)),
        // A server-owned key with mode 0640.
        "PGTLS004" => spec
            .file(server_file(files::SERVER, "server.crt", 0o600))
            .file(server_file(files::SERVER_KEY, "server.key", 0o640)),
        // Another certificate's key.
        "PGTLS015" => spec
            .file(server_file(files::SERVER, "server.crt", 0o600))
            .file(server_file(files::CLIENT_KONG_KEY, "server.key", 0o600)),
        other => panic!("no start failure for {other}"),
    }
}

/// The lab PKI file `from`, as the server-owned data-directory file `name`.
pub fn server_file(from: &str, name: &str, mode: u32) -> DataFile {
    pki()
        .data_file(from, name, mode, Owner::ServerUser)
        .unwrap_or_else(|e| panic!("lab file {from} as {name}: {e}"))
}

/// A TLS server with `cert`/`key` as server.crt/server.key (mode 0600) and
/// no pg_hba.conf line yet.
pub fn tls(cert: &str, key: &str) -> ClusterSpec {
    ClusterSpec::new()
        .setting("ssl", "on")
        .file(server_file(cert, "server.crt", 0o600))
        .file(server_file(key, "server.key", 0o600))
}

/// [`tls`] with the scram-sha-256 line for every user over TLS.
pub fn tls_scram(cert: &str, key: &str) -> ClusterSpec {
    tls(cert, key).hba_line(HOSTSSL_SCRAM)
}

/// The libpq keywords that send the lab client certificate `cert`/`key`.
pub fn cert_args(cert: &str, key: &str) -> String {
    format!("sslcert={} sslkey={}", path(cert), path(key))
}

/// The cluster's TCP address as a scan target.
pub fn addr(cluster: &Cluster) -> String {
    format!("127.0.0.1:{}", cluster.port())
}

/// The codes of the `findings` of a JSON report (or of one of its targets).
pub fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A loopback port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A TLS server that asks for client certificates from the lab root CA and
/// authenticates every user by certificate.
pub fn mtls_cert_auth() -> ClusterSpec {
    tls(files::SERVER, files::SERVER_KEY)
        .with_client_ca(pki())
        .expect("client CA")
        .hba_line("hostssl all all 127.0.0.1/32 cert")
}

/// A server with ssl = off but its certificate and key in place, a
/// hostssl line for kong and a plaintext md5 line for kong_md5.
pub fn ssl_off_with_files() -> ClusterSpec {
    ClusterSpec::new()
        .setting("ssl", "off")
        .file(server_file(files::SERVER, "server.crt", 0o600))
        .file(server_file(files::SERVER_KEY, "server.key", 0o600))
        .hba_line("hostssl all kong 127.0.0.1/32 scram-sha-256")
        .hba_line("host all kong_md5 127.0.0.1/32 md5")
}

/// A TLS server whose chain is leaf + two intermediates under the lab root:
/// longer than Kong's default lua_ssl_verify_depth of 1.
pub fn two_intermediates() -> ClusterSpec {
    use pgtls_lab::{generate_ca, issue_cert, CertSpec};
    let root_ca = pki().root_ca();
    let int1 = generate_ca("pgtls test intermediate 1", Some(root_ca), Some(1)).expect("int1");
    let int2 = generate_ca("pgtls test intermediate 2", Some(&int1), Some(0)).expect("int2");
    let leaf = issue_cert(&CertSpec::localhost_server(), Some(&int2)).expect("leaf");
    let mut pem = leaf.cert_pem().expect("pem");
    pem.extend(int2.cert_pem().expect("pem"));
    pem.extend(int1.cert_pem().expect("pem"));
    ClusterSpec::new()
        .setting("ssl", "on")
        .file(DataFile::new("server.crt", pem, 0o600, Owner::ServerUser))
        .file(DataFile::new(
            "server.key",
            leaf.key_pem().expect("key"),
            0o600,
            Owner::ServerUser,
        ))
        .hba_line(HOSTSSL_SCRAM)
}
