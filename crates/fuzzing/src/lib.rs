//! One entry point per input pgtls reads from others (server bytes, config
//! files, logs, PEM, pasted text). The cargo-fuzz targets in `fuzz/` call
//! these, and so does the regression test that replays every crash input
//! kept in `fuzz/regressions/`, so a fixed crash stays fixed in CI.
//!
//! Each function must return normally for any input; errors are fine,
//! panics, hangs and unbounded memory are the bugs.

use std::path::Path;

use bytes::BytesMut;

/// The names of the targets, as directories under `fuzz/regressions/`.
pub const TARGETS: &[&str] = &[
    "wire_decoder",
    "scram",
    "postgresql_conf",
    "hba",
    "ident",
    "kong_conf",
    "libpq_conninfo",
    "logs",
    "pem",
    "explain",
];

/// Runs `target` on `data`; unknown names are ignored.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "wire_decoder" => wire_decoder(data),
        "scram" => scram(data),
        "postgresql_conf" => postgresql_conf(data),
        "hba" => hba(data),
        "ident" => ident(data),
        "kong_conf" => kong_conf(data),
        "libpq_conninfo" => libpq_conninfo(data),
        "logs" => logs(data),
        "pem" => pem(data),
        "explain" => explain(data),
        _ => {}
    }
}

/// Backend frames and the SSLRequest answer, fed in two chunks so that
/// partial frames are exercised too.
pub fn wire_decoder(data: &[u8]) {
    if let Some(first) = data.first() {
        let _ = pgtls_wire::SslResponse::from_byte(*first).describe();
    }
    let decoder = pgtls_wire::Decoder::new();
    let split = data.first().map_or(0, |b| *b as usize % (data.len() + 1));
    let mut buf = BytesMut::from(&data[..split]);
    for chunk in [&data[split..], &[][..]] {
        buf.extend_from_slice(chunk);
        for _ in 0..10_000 {
            match decoder.decode(&mut buf) {
                Ok(Some(msg)) => {
                    let _ = msg.describe();
                }
                Ok(None) | Err(_) => break,
            }
        }
    }
}

/// A SCRAM exchange where the server's two messages come from the input
/// (split at the first NUL byte).
pub fn scram(data: &[u8]) {
    let (first, last) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    // A low ceiling keeps a fuzzed iteration count from burning minutes.
    let client = pgtls_wire::ScramClient::new(
        b"secret",
        pgtls_wire::ScramBinding::NotSupported,
        "fuzznonce",
    )
    .with_max_iterations(64);
    let _ = client.client_first();
    if let Ok(fin) = client.handle_server_first(first) {
        let _ = fin.client_final();
        let _ = fin.handle_server_final(last);
    }
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

pub fn postgresql_conf(data: &[u8]) {
    let _ = pgtls_config::postgresql_conf::parse_str(&text(data), Path::new("postgresql.conf"));
}

pub fn hba(data: &[u8]) {
    let file = pgtls_config::hba::parse(
        &text(data),
        Path::new("pg_hba.conf"),
        None,
        pgtls_config::hba::HbaOptions::default(),
    );
    let conn = pgtls_config::hba::Connection::tcp(
        "127.0.0.1".parse().expect("literal address"),
        "kong",
        "kong",
        true,
    );
    let _ = file.check(&conn);
}

pub fn ident(data: &[u8]) {
    let file = pgtls_config::ident::parse(&text(data), Path::new("pg_ident.conf"), None);
    let _ = file.maps("certmap", "foo@example.com", "kong");
}

pub fn kong_conf(data: &[u8]) {
    let file = pgtls_config::kong::parse(&text(data), Path::new("kong.conf"));
    let env: [(&str, &str); 1] = [("KONG_PG_SSL", "on")];
    let _ = pgtls_config::kong::resolve(Some(&file), &env);
}

pub fn libpq_conninfo(data: &[u8]) {
    if let Ok(params) = pgtls_config::libpq::parse(&text(data)) {
        let env = pgtls_config::libpq::ClientEnv::default();
        let _ = pgtls_config::libpq::resolve(&params, &env);
    }
}

/// The log reader in every format, the first byte choosing the format.
pub fn logs(data: &[u8]) {
    let formats = ["auto", "stderr", "csv", "json", "syslog", "kong"];
    let format = formats[data.first().map_or(0, |b| *b as usize % formats.len())];
    let Ok(spec) = pgtls_logs::FormatSpec::from_args(format, None) else {
        return;
    };
    let options = pgtls_logs::Options {
        format: spec,
        block_size: 4096,
        ..pgtls_logs::Options::default()
    };
    let (entries, _) = pgtls_logs::read_all(data, &options);
    for entry in entries.iter().take(64) {
        let _ = pgtls_diagnose::explain::explain_text(&entry.message);
    }
}

/// Certificate loading and description.
pub fn pem(data: &[u8]) {
    if let Ok(certs) = openssl::x509::X509::stack_from_pem(data) {
        let now = pgtls_diagnose::certinfo::now_epoch();
        for cert in certs.iter().take(8) {
            let info = pgtls_diagnose::certinfo::describe(cert, now);
            let _ = pgtls_diagnose::certinfo::weakness(&info);
        }
        let _ = pgtls_diagnose::certinfo::verify_chain(&certs, &certs, Some(2));
    }
    if let Ok(cert) = openssl::x509::X509::from_der(data) {
        let _ = pgtls_diagnose::certinfo::describe(&cert, 0);
    }
}

pub fn explain(data: &[u8]) {
    let _ = pgtls_diagnose::explain::explain_text(&text(data));
}
