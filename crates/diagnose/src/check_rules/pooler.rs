//! `check --pgbouncer-ini`: pgbouncer's two legs, judged from its
//! configuration beside the client's and PostgreSQL's.
//!
//! pgbouncer loads the client's leg's files (`client_tls_*`) when it
//! starts, so a missing or mismatched one stops it; the server's leg's files
//! (`server_tls_*`) are loaded at the first server connection, so the same
//! mistake there fails every connection instead (the captures under
//! tests/fixtures/pgbouncer show both). On the server's leg pgbouncer is
//! PostgreSQL's client: its address, its `server_tls_sslmode` and its
//! certificate are what pg_hba.conf sees. Every finding carries its leg, and
//! the pgbouncer.ini edits that fix it with `then` = reload (pgbouncer
//! re-reads its TLS settings on RELOAD or SIGHUP).

use std::path::{Path, PathBuf};

use openssl::pkey::PKey;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509StoreContext, X509};
use pgtls_catalogue::{Code, Leg};
use pgtls_config::pgbouncer_ini::{IniSetting, PgbouncerIni};
use pgtls_config::Source;

use super::{CheckFinding, MatchReport, ServerSummary, Stage};
use crate::edit::{Applicability, Edit, EditKind, Then};
use crate::finding::{Evidence, Finding, Msg};

/// A client of pgbouncer's client leg, as its settings say.
#[derive(Debug, Clone, Default)]
pub struct PoolerClient {
    /// `libpq`, `kong`.
    pub name: String,
    /// Whether it asks for TLS at all.
    pub uses_tls: bool,
    /// Whether it gives up when TLS is refused.
    pub requires_tls: bool,
    /// Its trust store files (`sslrootcert`, `lua_ssl_trusted_certificate`).
    pub trust_files: Vec<PathBuf>,
}

/// What the check of pgbouncer's configuration needs besides the ini.
pub struct PoolerInput<'a> {
    pub ini: &'a PgbouncerIni,
    /// PostgreSQL's side, as `check` read it.
    pub server: &'a ServerSummary,
    /// The `--match` reports of pgbouncer's server connection (made with
    /// [`server_leg_match_spec`]).
    pub server_leg_matches: &'a [MatchReport],
    pub clients: &'a [PoolerClient],
}

fn sslmode(ini: &PgbouncerIni, key: &str) -> String {
    ini.value_or(key, "disable").to_ascii_lowercase()
}

fn evidence(s: &IniSetting) -> Evidence {
    Evidence {
        origin: None,
        text: format!("{} = {}", s.key, s.value),
        location: Some(s.location.to_string()),
    }
}

fn finding(code: Code, leg: Leg, reading: Msg) -> Finding {
    let mut f = Finding::new(code.diagnosis());
    f.leg = Some(leg);
    f.reading = Some(reading);
    f
}

/// The edit that sets `key` in pgbouncer.ini: the line that sets it now,
/// or a new line after the `[pgbouncer]` section's last.
pub fn ini_edit(ini: &PgbouncerIni, key: &str, after: &str, how: Applicability) -> Edit {
    let kind = match ini.get(key) {
        Some(s) => EditKind::IniSetting {
            file: s.location.file.to_path_buf(),
            section: "pgbouncer".into(),
            line: Some(s.location.line),
            after_line: None,
            key: s.key.clone(),
            before: Some(s.value.clone()),
            after: after.to_string(),
        },
        None => EditKind::IniSetting {
            file: ini.path.clone(),
            section: "pgbouncer".into(),
            line: None,
            after_line: ini.pgbouncer_section_end().map(|(_, l)| l),
            key: key.to_string(),
            before: None,
            after: after.to_string(),
        },
    };
    Edit::new(kind, how, Then::Reload)
}

fn read_certs(source: &dyn Source, path: &Path) -> Result<Vec<X509>, String> {
    let text = source.read(path).map_err(|e| e.to_string())?;
    X509::stack_from_pem(text.as_bytes())
        .map_err(|_| "no PEM certificate in it".to_string())
        .and_then(|c| {
            if c.is_empty() {
                Err("no PEM certificate in it".into())
            } else {
                Ok(c)
            }
        })
}

/// Whether `chain` (leaf first) verifies against the CAs of `anchors`.
fn verifies(chain: &[X509], anchors: &[X509]) -> bool {
    let Some(leaf) = chain.first() else {
        return false;
    };
    let Ok(mut b) = X509StoreBuilder::new() else {
        return false;
    };
    for a in anchors {
        let _ = b.add_cert(a.clone());
    }
    let store = b.build();
    let Ok(mut rest) = openssl::stack::Stack::new() else {
        return false;
    };
    for c in &chain[1..] {
        let _ = rest.push(c.clone());
    }
    let Ok(mut ctx) = X509StoreContext::new() else {
        return false;
    };
    ctx.init(&store, leaf, &rest, |c| c.verify_cert())
        .unwrap_or(false)
}

/// One of the files of a leg: whether it is there, readable, and, for a
/// certificate with its key, a pair.
fn file_findings(
    source: &dyn Source,
    ini: &PgbouncerIni,
    leg: Leg,
    prefix: &str,
    out: &mut Vec<CheckFinding>,
) {
    let stage = match leg {
        Leg::Client => Stage::ServerStart,
        Leg::Server => Stage::Connection,
    };
    let when = |en: &str, ja: &str| -> Msg {
        match leg {
            Leg::Client => Msg::new(
                format!("pgbouncer does not start: {en}"),
                format!("pgbouncer は起動しません: {ja}"),
            ),
            Leg::Server => Msg::new(
                format!("pgbouncer starts, but every server connection fails (these files are read at the first connection to PostgreSQL; clients wait query_wait_timeout): {en}"),
                format!("pgbouncer は起動しますが、サーバー接続はすべて失敗します (これらのファイルは PostgreSQL への最初の接続時に読まれ、クライアントは query_wait_timeout まで待たされます): {ja}"),
            ),
        }
    };
    let cert = ini.get(&format!("{prefix}_tls_cert_file"));
    let key = ini.get(&format!("{prefix}_tls_key_file"));
    let ca = ini.get(&format!("{prefix}_tls_ca_file"));
    if leg == Leg::Client && (cert.is_none() || key.is_none()) {
        let mut f = finding(
            Code::ServerCertMissing,
            leg,
            when(
                "To allow TLS connections from clients, client_tls_key_file and client_tls_cert_file must be set.",
                "クライアントから TLS 接続を受けるには client_tls_key_file と client_tls_cert_file の設定が必要です。",
            ),
        );
        if let Some(m) = ini.get("client_tls_sslmode") {
            f.evidence.push(evidence(m));
        }
        out.push(CheckFinding { finding: f, stage });
        return;
    }
    let mut cert_chain = None;
    if let Some(c) = cert {
        match read_certs(source, Path::new(&c.value)) {
            Ok(chain) => cert_chain = Some(chain),
            Err(e) => {
                let mut f = finding(
                    Code::ServerCertMissing,
                    leg,
                    when(
                        &format!("failed to load certificate file \"{}\": {e}", c.value),
                        &format!("証明書ファイル \"{}\" を読み込めません: {e}", c.value),
                    ),
                );
                f.evidence.push(evidence(c));
                out.push(CheckFinding { finding: f, stage });
            }
        }
    }
    if let Some(k) = key {
        let pkey = source
            .read(Path::new(&k.value))
            .map_err(|e| e.to_string())
            .and_then(|t| {
                PKey::private_key_from_pem(t.as_bytes()).map_err(|_| "not a PEM private key".into())
            });
        match pkey {
            Err(e) => {
                let mut f = finding(
                    Code::ServerKeyMissing,
                    leg,
                    when(
                        &format!("failed to load private key file \"{}\": {e}", k.value),
                        &format!("秘密鍵ファイル \"{}\" を読み込めません: {e}", k.value),
                    ),
                );
                f.evidence.push(evidence(k));
                out.push(CheckFinding { finding: f, stage });
            }
            Ok(pkey) => {
                let matches = cert_chain
                    .as_ref()
                    .and_then(|c| c.first())
                    .and_then(|leaf| leaf.public_key().ok())
                    .map(|pk| pk.public_eq(&pkey));
                if matches == Some(false) {
                    let mut f = finding(
                        Code::KeyCertMismatch,
                        leg,
                        when(
                            &format!(
                                "failed to load private key file \"{}\": key values mismatch",
                                k.value
                            ),
                            &format!(
                                "秘密鍵ファイル \"{}\" が証明書と一致しません (key values mismatch)",
                                k.value
                            ),
                        ),
                    );
                    f.evidence.extend(cert.map(evidence));
                    f.evidence.push(evidence(k));
                    out.push(CheckFinding { finding: f, stage });
                }
            }
        }
    }
    if let Some(c) = ca {
        if let Err(e) = read_certs(source, Path::new(&c.value)) {
            let mut f = finding(
                Code::TrustStoreInvalid,
                leg,
                when(
                    &format!("failed to load CA \"{}\": {e}", c.value),
                    &format!("CA \"{}\" を読み込めません: {e}", c.value),
                ),
            );
            f.evidence.push(evidence(c));
            out.push(CheckFinding { finding: f, stage });
        }
    }
}

/// The `--match` spec of pgbouncer's own connection to PostgreSQL:
/// pgbouncer's address, the pooled user and database, TLS as
/// `server_tls_sslmode` says, and the CN of `server_tls_cert_file`.
pub fn server_leg_match_spec(
    source: &dyn Source,
    ini: &PgbouncerIni,
    address: &str,
    user: &str,
    database: &str,
) -> String {
    let ssl = sslmode(ini, "server_tls_sslmode") != "disable";
    let mut spec = format!(
        "host={address},user={user},database={database},ssl={}",
        if ssl { "on" } else { "off" }
    );
    if ssl {
        let cn = ini
            .get("server_tls_cert_file")
            .and_then(|c| read_certs(source, Path::new(&c.value)).ok())
            .and_then(|c| c.first().and_then(|x| crate::certinfo::common_name(x)));
        if let Some(cn) = cn {
            spec.push_str(&format!(",cn={cn}"));
        }
    }
    spec
}

/// CA files that may hold what verifies PostgreSQL's certificate.
fn ca_candidates(input: &PoolerInput<'_>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    out.extend(input.server.ca_file.clone());
    if let Some(c) = input.ini.get("client_tls_ca_file") {
        out.push(PathBuf::from(&c.value));
    }
    for c in input.clients {
        out.extend(c.trust_files.iter().cloned());
    }
    if let Some(dir) = input.server.cert_file.as_ref().and_then(|p| p.parent()) {
        out.push(dir.join("root.crt"));
    }
    out.dedup();
    out
}

/// The server's leg against PostgreSQL's configuration.
fn server_leg(source: &dyn Source, input: &PoolerInput<'_>, out: &mut Vec<CheckFinding>) {
    let ini = input.ini;
    let mode = sslmode(ini, "server_tls_sslmode");
    let verifying = mode == "verify-ca" || mode == "verify-full";
    let pg_chain = input
        .server
        .cert_file
        .as_ref()
        .filter(|_| input.server.ssl)
        .and_then(|p| read_certs(source, p).ok());
    if let (true, Some(chain), Some(ca)) = (verifying, &pg_chain, ini.get("server_tls_ca_file")) {
        if let Ok(anchors) = read_certs(source, Path::new(&ca.value)) {
            if !verifies(chain, &anchors) {
                let mut f = finding(
                    Code::ClientRejectsServerCert,
                    Leg::Server,
                    Msg::new(
                        format!("pgbouncer (server_tls_sslmode = {mode}) will reject PostgreSQL's certificate: {} does not hold the CA that signed {}; pgbouncer logs `TLS handshake error: ... certificate verify failed` and clients get query_wait_timeout", ca.value, input.server.cert_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default()),
                        format!("pgbouncer (server_tls_sslmode = {mode}) は PostgreSQL の証明書を拒否します: {} に {} に署名した CA がありません。pgbouncer は `TLS handshake error: ... certificate verify failed` を記録し、クライアントには query_wait_timeout が返ります", ca.value, input.server.cert_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default()),
                    ),
                );
                f.evidence.push(evidence(ca));
                if let Some(m) = ini.get("server_tls_sslmode") {
                    f.evidence.push(evidence(m));
                }
                let good = ca_candidates(input).into_iter().find(|p| {
                    read_certs(source, p)
                        .map(|a| verifies(chain, &a))
                        .unwrap_or(false)
                });
                match good {
                    Some(p) => {
                        let path = p.display().to_string();
                        f.fix.push(Msg::new(
                            format!("{path} holds the CA that signed PostgreSQL's certificate: set server_tls_ca_file = {path} in pgbouncer.ini and reload pgbouncer"),
                            format!("{path} に PostgreSQL の証明書に署名した CA があります: pgbouncer.ini で server_tls_ca_file = {path} とし、pgbouncer を再読み込みします"),
                        ));
                        f.edits.push(ini_edit(
                            ini,
                            "server_tls_ca_file",
                            &path,
                            Applicability::MachineApplicable,
                        ));
                    }
                    None => f.edits.push(ini_edit(
                        ini,
                        "server_tls_ca_file",
                        "<the CA file that signed PostgreSQL's ssl_cert_file>",
                        Applicability::HasPlaceholders,
                    )),
                }
                out.push(CheckFinding {
                    finding: f,
                    stage: Stage::Connection,
                });
            }
        }
    }
    for m in input.server_leg_matches {
        let Some(code) = m.code else { continue };
        let mut f = finding(
            code,
            Leg::Server,
            Msg::new(
                format!(
                    "PostgreSQL will refuse pgbouncer's own connection ({}): FATAL:  {}",
                    m.spec.text,
                    m.message.clone().unwrap_or_default()
                ),
                format!(
                    "PostgreSQL は pgbouncer 自身の接続 ({}) を拒否します: FATAL:  {}",
                    m.spec.text,
                    m.message.clone().unwrap_or_default()
                ),
            ),
        );
        if let Some(l) = &m.line {
            f.evidence.push(Evidence {
                origin: None,
                text: l.raw.clone(),
                location: Some(l.location.clone()),
            });
        }
        if let Some(s) = ini.get("server_tls_sslmode") {
            f.evidence.push(evidence(s));
        }
        if code == Code::NoHbaEntry && mode == "disable" {
            // Turning TLS on is only right when a hostssl line would take
            // the connection; the match decides that before this runs.
            let to = if ini.get("server_tls_ca_file").is_some() {
                "verify-full"
            } else {
                "require"
            };
            f.edits.push(ini_edit(
                ini,
                "server_tls_sslmode",
                to,
                Applicability::MaybeIncorrect,
            ));
        }
        if code == Code::ClientCertRequired {
            f.edits.push(ini_edit(
                ini,
                "server_tls_cert_file",
                "<a certificate from PostgreSQL's ssl_ca_file, CN = the user>",
                Applicability::HasPlaceholders,
            ));
            f.edits.push(ini_edit(
                ini,
                "server_tls_key_file",
                "<its key>",
                Applicability::HasPlaceholders,
            ));
        }
        out.push(CheckFinding {
            finding: f,
            stage: Stage::Connection,
        });
    }
}

/// The client's leg against the clients' settings.
fn client_leg(input: &PoolerInput<'_>, out: &mut Vec<CheckFinding>) {
    let ini = input.ini;
    let mode = sslmode(ini, "client_tls_sslmode");
    let offers = mode != "disable";
    let demands = matches!(mode.as_str(), "require" | "verify-ca" | "verify-full");
    for c in input.clients {
        if c.requires_tls && !offers {
            let mut f = finding(
                Code::ServerSslDisabled,
                Leg::Client,
                Msg::new(
                    format!("{} requires TLS and pgbouncer has none toward clients (client_tls_sslmode = {mode}): it answers N and the client gives up (`server does not support SSL, but SSL was required`)", c.name),
                    format!("{} は TLS を必須としていますが、pgbouncer にはクライアント向けの TLS がありません (client_tls_sslmode = {mode}): pgbouncer は N と答え、クライアントは諦めます (`server does not support SSL, but SSL was required`)", c.name),
                ),
            );
            if let Some(m) = ini.get("client_tls_sslmode") {
                f.evidence.push(evidence(m));
            }
            f.fix.push(Msg::new(
                "in pgbouncer.ini set client_tls_sslmode = require with client_tls_cert_file and client_tls_key_file, then reload pgbouncer (RELOAD or SIGHUP); clients that connect without TLS must then turn it on",
                "pgbouncer.ini で client_tls_sslmode = require と client_tls_cert_file、client_tls_key_file を設定し、pgbouncer を再読み込みします (RELOAD または SIGHUP)。TLS なしで接続するクライアントは TLS を有効にする必要があります",
            ));
            f.edits.push(ini_edit(
                ini,
                "client_tls_sslmode",
                "require",
                Applicability::MachineApplicable,
            ));
            for (key, what) in [
                ("client_tls_cert_file", "<pgbouncer's certificate file>"),
                ("client_tls_key_file", "<its key file>"),
            ] {
                if ini.get(key).is_none() {
                    f.edits
                        .push(ini_edit(ini, key, what, Applicability::HasPlaceholders));
                }
            }
            out.push(CheckFinding {
                finding: f,
                stage: Stage::Connection,
            });
        } else if demands && !c.uses_tls {
            let mut f = finding(
                Code::PoolerClientTlsRequired,
                Leg::Client,
                Msg::new(
                    format!("{} connects without TLS and pgbouncer requires it (client_tls_sslmode = {mode}): FATAL:  SSL required", c.name),
                    format!("{} は TLS なしで接続しますが、pgbouncer は TLS を要求しています (client_tls_sslmode = {mode}): FATAL:  SSL required", c.name),
                ),
            );
            if let Some(m) = ini.get("client_tls_sslmode") {
                f.evidence.push(evidence(m));
            }
            out.push(CheckFinding {
                finding: f,
                stage: Stage::Connection,
            });
        }
    }
}

/// Every finding of pgbouncer's configuration.
pub fn check_pgbouncer(source: &dyn Source, input: &PoolerInput<'_>) -> Vec<CheckFinding> {
    let mut out = Vec::new();
    let ini = input.ini;
    if sslmode(ini, "client_tls_sslmode") != "disable" {
        file_findings(source, ini, Leg::Client, "client", &mut out);
    }
    if sslmode(ini, "server_tls_sslmode") != "disable" {
        file_findings(source, ini, Leg::Server, "server", &mut out);
    }
    client_leg(input, &mut out);
    server_leg(source, input, &mut out);
    for f in &mut out {
        if let Some(step) =
            crate::explain::pooler_fix(f.finding.id(), f.finding.leg.unwrap_or(Leg::Client))
        {
            if !f.finding.fix.contains(&step) {
                f.finding.fix.push(step);
            }
        }
    }
    out
}
