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
use pgtls_config::kong::KongOrigin;
use pgtls_config::pgbouncer_ini::{tls_protocols, tls_protocols_value, IniSetting, PgbouncerIni};
use pgtls_config::Source;

use super::{CheckFinding, MatchReport, ServerSummary, Stage};
use crate::edit::{Applicability, Edit, EditKind, Then};
use crate::finding::{Evidence, Finding, Msg};
use pgtls_model::TlsVersion;

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
    /// Whether it checks pgbouncer's certificate against `trust_files`
    /// (libpq verify-ca/verify-full, Kong `pg_ssl_verify`).
    pub verifies_server: bool,
    /// The TLS versions it offers (empty: not known).
    pub versions: Vec<TlsVersion>,
    /// The setting that decides them, as it is now.
    pub versions_setting: String,
    /// The certificate it sends when asked (`sslcert`, `pg_ssl_cert`).
    pub cert_file: Option<PathBuf>,
    /// Where its trust store is set, for the edit that changes it.
    pub trust_setting: TrustSetting,
}

/// Where a client's trust store is set.
#[derive(Debug, Clone, Default)]
pub enum TrustSetting {
    /// Not known: the fix is told, not written.
    #[default]
    Unknown,
    /// libpq's `sslrootcert` keyword (one file).
    Conninfo { before: Option<String> },
    /// Kong's `lua_ssl_trusted_certificate` (a comma list).
    Kong {
        origin: KongOrigin,
        conf: Option<PathBuf>,
        before: String,
    },
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

/// A finding with the pgbouncer.ini line that sets `key`, when one does,
/// as its evidence.
fn setting_finding(code: Code, leg: Leg, reading: Msg, ini: &PgbouncerIni, key: &str) -> Finding {
    let mut f = finding(code, leg, reading);
    if let Some(s) = ini.get(key) {
        f.evidence.push(evidence(s));
    }
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
        let f = setting_finding(
            Code::ServerCertMissing,
            leg,
            when(
                "To allow TLS connections from clients, client_tls_key_file and client_tls_cert_file must be set.",
                "クライアントから TLS 接続を受けるには client_tls_key_file と client_tls_cert_file の設定が必要です。",
            ),
            ini,
            "client_tls_sslmode",
        );
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
                match verifying_file(source, &known_ca_files(input), chain) {
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
fn client_leg(source: &dyn Source, input: &PoolerInput<'_>, out: &mut Vec<CheckFinding>) {
    let ini = input.ini;
    let mode = sslmode(ini, "client_tls_sslmode");
    let offers = mode != "disable";
    let demands = matches!(mode.as_str(), "require" | "verify-ca" | "verify-full");
    for c in input.clients {
        if offers && c.uses_tls {
            client_versions(ini, c, out);
            client_trust(source, input, c, out);
            if matches!(mode.as_str(), "verify-ca" | "verify-full") {
                client_certificate(source, input, c, out);
            }
        }
        if c.requires_tls && !offers {
            let mut f = setting_finding(
                Code::ServerSslDisabled,
                Leg::Client,
                Msg::new(
                    format!("{} requires TLS and pgbouncer has none toward clients (client_tls_sslmode = {mode}): it answers N and the client gives up (`server does not support SSL, but SSL was required`)", c.name),
                    format!("{} は TLS を必須としていますが、pgbouncer にはクライアント向けの TLS がありません (client_tls_sslmode = {mode}): pgbouncer は N と答え、クライアントは諦めます (`server does not support SSL, but SSL was required`)", c.name),
                ),
                ini,
                "client_tls_sslmode",
            );
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
            let f = setting_finding(
                Code::PoolerClientTlsRequired,
                Leg::Client,
                Msg::new(
                    format!("{} connects without TLS and pgbouncer requires it (client_tls_sslmode = {mode}): FATAL:  SSL required", c.name),
                    format!("{} は TLS なしで接続しますが、pgbouncer は TLS を要求しています (client_tls_sslmode = {mode}): FATAL:  SSL required", c.name),
                ),
                ini,
                "client_tls_sslmode",
            );
            out.push(CheckFinding {
                finding: f,
                stage: Stage::Connection,
            });
        }
    }
}

fn version_names(v: &[TlsVersion]) -> String {
    v.iter()
        .map(|v| v.report_name())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `*_tls_protocols` value that allows `allowed` and `v` too.
fn widened(allowed: &[TlsVersion], v: TlsVersion) -> String {
    let mut versions = allowed.to_vec();
    versions.push(v);
    versions.sort();
    versions.dedup();
    tls_protocols_value(&versions)
}

/// The versions pgbouncer allows on a leg: `*_tls_protocols`, `secure` by
/// default. `None` when pgbouncer would reject the value.
fn leg_versions(ini: &PgbouncerIni, key: &str) -> Option<Vec<TlsVersion>> {
    tls_protocols(ini.value_or(key, "secure"))
}

fn push(out: &mut Vec<CheckFinding>, finding: Finding) {
    out.push(CheckFinding {
        finding,
        stage: Stage::Connection,
    });
}

/// The client's TLS versions against `client_tls_protocols`: without one in
/// common pgbouncer logs `TLS handshake error: handshake failed: ...
/// unsupported protocol` and the client `tlsv1 alert protocol version`
/// (tests/fixtures/pgbouncer/client_protocol_mismatch.*).
fn client_versions(ini: &PgbouncerIni, c: &PoolerClient, out: &mut Vec<CheckFinding>) {
    let Some(allowed) = leg_versions(ini, "client_tls_protocols") else {
        return;
    };
    if c.versions.is_empty() || c.versions.iter().any(|v| allowed.contains(v)) {
        return;
    }
    let setting = ini.value_or("client_tls_protocols", "secure");
    let mut f = setting_finding(
        Code::ProtocolVersionMismatch,
        Leg::Client,
        Msg::new(
            format!("{} offers {} ({}) and pgbouncer allows {} (client_tls_protocols = {setting}): no version in common; pgbouncer logs `TLS handshake error: handshake failed: ... unsupported protocol`, the client `tlsv1 alert protocol version`", c.name, version_names(&c.versions), c.versions_setting, version_names(&allowed)),
            format!("{} は {} ({}) を提示し、pgbouncer は {} (client_tls_protocols = {setting}) を許可しています: 共通のバージョンがありません。pgbouncer は `TLS handshake error: handshake failed: ... unsupported protocol` を、クライアントは `tlsv1 alert protocol version` を出力します", c.name, version_names(&c.versions), c.versions_setting, version_names(&allowed)),
        ),
        ini,
        "client_tls_protocols",
    );
    // pgbouncer's side takes the client's newest version when it is one
    // pgbouncer's own default allows; an older client must move instead.
    let newest = c.versions.iter().max().copied();
    match newest.filter(|v| *v >= TlsVersion::Tls1_2) {
        Some(v) => {
            let value = widened(&allowed, v);
            f.fix.push(Msg::new(
                format!("let pgbouncer accept {}: client_tls_protocols = {value} in pgbouncer.ini, then reload pgbouncer; or let the client offer {} ({})", v.report_name(), version_names(&allowed), c.versions_setting),
                format!("pgbouncer が {} を受け付けるように pgbouncer.ini で client_tls_protocols = {value} とし、pgbouncer を再読み込みします。またはクライアントが {} を提示するようにします ({})", v.report_name(), version_names(&allowed), c.versions_setting),
            ));
            f.edits.push(ini_edit(
                ini,
                "client_tls_protocols",
                &value,
                Applicability::MaybeIncorrect,
            ));
        }
        None => f.fix.push(Msg::new(
            format!(
                "let the client offer TLSv1.2 or TLSv1.3 ({})",
                c.versions_setting
            ),
            format!(
                "クライアントが TLSv1.2 または TLSv1.3 を提示するようにします ({})",
                c.versions_setting
            ),
        )),
    }
    push(out, f);
}

/// The chain in `cert` when both files read and the CAs in `ca` do not
/// verify it; `None` when it verifies or a file cannot be judged.
fn unverified_chain(source: &dyn Source, cert: &Path, ca: &Path) -> Option<Vec<X509>> {
    let chain = read_certs(source, cert).ok()?;
    let anchors = read_certs(source, ca).ok()?;
    (!verifies(&chain, &anchors)).then_some(chain)
}

/// Every certificate in `files`, or `None` when one cannot be read.
fn read_all_certs(source: &dyn Source, files: &[PathBuf]) -> Option<Vec<X509>> {
    let mut all = Vec::new();
    for p in files {
        all.extend(read_certs(source, p).ok()?);
    }
    Some(all)
}

/// The first of `candidates` that verifies `chain`.
fn verifying_file(source: &dyn Source, candidates: &[PathBuf], chain: &[X509]) -> Option<PathBuf> {
    candidates
        .iter()
        .find(|p| read_certs(source, p).is_ok_and(|a| verifies(chain, &a)))
        .cloned()
}

/// CA files pgtls read that may verify one side or the other.
fn known_ca_files(input: &PoolerInput<'_>) -> Vec<PathBuf> {
    let ini = input.ini;
    let setting = |key: &str| ini.get(key).map(|s| PathBuf::from(&s.value));
    let mut out: Vec<PathBuf> = Vec::new();
    out.extend(input.server.ca_file.clone());
    out.extend(setting("client_tls_ca_file"));
    for c in input.clients {
        out.extend(c.trust_files.iter().cloned());
    }
    out.extend(setting("server_tls_ca_file"));
    for cert in [
        input.server.cert_file.clone(),
        setting("client_tls_cert_file"),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(dir) = cert.parent() {
            out.push(dir.join("root.crt"));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

fn pem_of(certs: &[X509]) -> Result<String, String> {
    let mut out = String::new();
    for c in certs {
        let pem = c.to_pem().map_err(|e| e.to_string())?;
        out.push_str(&String::from_utf8_lossy(&pem));
    }
    Ok(out)
}

/// A client that verifies the server checks pgbouncer's certificate, not
/// PostgreSQL's: `client_tls_cert_file` must chain to the client's trust
/// store (tests/fixtures/pgbouncer/client_wrong_ca.*: psql `SSL error:
/// certificate verify failed`, pgbouncer `tlsv1 alert unknown ca`).
fn client_trust(
    source: &dyn Source,
    input: &PoolerInput<'_>,
    c: &PoolerClient,
    out: &mut Vec<CheckFinding>,
) {
    let ini = input.ini;
    if !c.verifies_server || c.trust_files.is_empty() {
        return;
    }
    let Some(cert) = ini.get("client_tls_cert_file") else {
        return;
    };
    let (Ok(chain), Some(anchors)) = (
        read_certs(source, Path::new(&cert.value)),
        read_all_certs(source, &c.trust_files),
    ) else {
        return;
    };
    if verifies(&chain, &anchors) {
        return;
    }
    let trust = c
        .trust_files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut f = finding(
        Code::ClientRejectsServerCert,
        Leg::Client,
        Msg::new(
            format!("{} will reject pgbouncer's certificate: {trust} does not hold the CA that signed {} (client_tls_cert_file); the client prints `certificate verify failed`, pgbouncer logs `tlsv1 alert unknown ca`", c.name, cert.value),
            format!("{} は pgbouncer の証明書を拒否します: {trust} に {} (client_tls_cert_file) に署名した CA がありません。クライアントは `certificate verify failed` を、pgbouncer は `tlsv1 alert unknown ca` を出力します", c.name, cert.value),
        ),
    );
    f.evidence.push(evidence(cert));
    let good = verifying_file(source, &known_ca_files(input), &chain);
    let edit = match (&good, &c.trust_setting) {
        (Some(p), TrustSetting::Conninfo { before }) => Some(Edit::new(
            EditKind::Conninfo {
                key: "sslrootcert".into(),
                before: before.clone(),
                after: p.display().to_string(),
            },
            Applicability::MachineApplicable,
            Then::Reconnect,
        )),
        (
            Some(p),
            TrustSetting::Kong {
                origin,
                conf,
                before,
            },
        ) => {
            let after = if before.is_empty() {
                p.display().to_string()
            } else {
                format!("{before},{}", p.display())
            };
            super::client::kong_setting_edit(
                origin,
                conf.as_deref(),
                "lua_ssl_trusted_certificate",
                before,
                &after,
            )
        }
        _ => None,
    };
    match &good {
        Some(p) => f.fix.push(Msg::new(
            format!("{} holds the CA that signed pgbouncer's certificate: let {} trust it", p.display(), c.name),
            format!("{} に pgbouncer の証明書に署名した CA があります: {} がこれを信頼するようにします", p.display(), c.name),
        )),
        None => f.fix.push(Msg::new(
            format!("give {} the CA certificate that signed {} (pgbouncer's client_tls_cert_file), or give pgbouncer a certificate from the CA the client trusts", c.name, cert.value),
            format!("{} に {} (pgbouncer の client_tls_cert_file) に署名した CA 証明書を与えるか、クライアントが信頼する CA の証明書を pgbouncer に設定します", c.name, cert.value),
        )),
    }
    f.edits.extend(edit);
    push(out, f);
}

/// pgbouncer with `client_tls_sslmode = verify-ca/verify-full` asks every
/// client for a certificate from `client_tls_ca_file`: none is a failed
/// handshake (psql: `tlsv13 alert certificate required`), one from another
/// CA too (psql: `tlsv1 alert unknown ca`; tests/fixtures/pgbouncer/
/// client_no_cert.*, client_cert_other_ca.*).
fn client_certificate(
    source: &dyn Source,
    input: &PoolerInput<'_>,
    c: &PoolerClient,
    out: &mut Vec<CheckFinding>,
) {
    let ini = input.ini;
    let mode = sslmode(ini, "client_tls_sslmode");
    let Some(cert_file) = &c.cert_file else {
        let mut f = setting_finding(
            Code::ClientCertRequired,
            Leg::Client,
            Msg::new(
                format!("pgbouncer (client_tls_sslmode = {mode}) asks for a client certificate and {} sends none: the handshake fails (`tlsv13 alert certificate required`)", c.name),
                format!("pgbouncer (client_tls_sslmode = {mode}) はクライアント証明書を求めますが、{} は送りません: ハンドシェイクが失敗します (`tlsv13 alert certificate required`)", c.name),
            ),
            ini,
            "client_tls_sslmode",
        );
        if matches!(c.trust_setting, TrustSetting::Conninfo { .. }) {
            for (key, what) in [
                (
                    "sslcert",
                    "<a client certificate from pgbouncer's client_tls_ca_file>",
                ),
                ("sslkey", "<its key>"),
            ] {
                f.edits.push(Edit::new(
                    EditKind::Conninfo {
                        key: key.into(),
                        before: None,
                        after: what.into(),
                    },
                    Applicability::HasPlaceholders,
                    Then::Reconnect,
                ));
            }
        }
        push(out, f);
        return;
    };
    let Some(ca) = ini.get("client_tls_ca_file") else {
        return;
    };
    let Some(chain) = unverified_chain(source, cert_file, Path::new(&ca.value)) else {
        return;
    };
    let mut f = finding(
        Code::ServerRejectsClientCert,
        Leg::Client,
        Msg::new(
            format!("pgbouncer (client_tls_sslmode = {mode}) will reject {}'s certificate {}: {} does not hold the CA that signed it; the client prints `tlsv1 alert unknown ca`, pgbouncer logs `certificate verify failed`", c.name, cert_file.display(), ca.value),
            format!("pgbouncer (client_tls_sslmode = {mode}) は {} の証明書 {} を拒否します: {} にその署名 CA がありません。クライアントは `tlsv1 alert unknown ca` を、pgbouncer は `certificate verify failed` を出力します", c.name, cert_file.display(), ca.value),
        ),
    );
    f.evidence.push(evidence(ca));
    // Replacing client_tls_ca_file would lock out the clients its CA
    // issued for: the CA joins it in a bundle beside it.
    let mut candidates = known_ca_files(input);
    candidates.extend(
        super::files_beside(source, cert_file, &[".crt", ".pem", ".cer"])
            .into_iter()
            .filter(|p| p != cert_file),
    );
    match verifying_file(source, &candidates, &chain) {
        Some(p) => {
            // Certificates only: a file beside a certificate may hold a key.
            let (Ok(current), Ok(added)) = (
                source.read(Path::new(&ca.value)),
                read_certs(source, &p).and_then(|certs| pem_of(&certs)),
            ) else {
                return;
            };
            let bundle = Path::new(&ca.value).with_file_name("client_tls_ca_bundle.crt");
            let mut content = current.trim_end().to_string();
            content.push('\n');
            content.push_str(added.trim_end());
            content.push('\n');
            f.fix.push(Msg::new(
                format!("{} holds the CA that signed {}: trust it beside the CA pgbouncer trusts now, in {} (client_tls_ca_file), then reload pgbouncer; or issue the client's certificate from {}", p.display(), cert_file.display(), bundle.display(), ca.value),
                format!("{} に {} に署名した CA があります: 現在の CA と合わせて {} (client_tls_ca_file) で信頼し、pgbouncer を再読み込みします。またはクライアント証明書を {} の CA から発行します", p.display(), cert_file.display(), bundle.display(), ca.value),
            ));
            f.edits.push(Edit::new(
                EditKind::FileContent {
                    file: bundle.clone(),
                    content,
                },
                Applicability::MaybeIncorrect,
                Then::None,
            ));
            f.edits.push(ini_edit(
                ini,
                "client_tls_ca_file",
                &bundle.display().to_string(),
                Applicability::MaybeIncorrect,
            ));
        }
        None => f.fix.push(Msg::new(
            format!("issue {}'s certificate from the CA in {} (pgbouncer's client_tls_ca_file), or add its CA there", c.name, ca.value),
            format!("{} の証明書を {} (pgbouncer の client_tls_ca_file) の CA から発行するか、その CA をそこに追加します", c.name, ca.value),
        )),
    }
    push(out, f);
}

/// `server_tls_protocols` against PostgreSQL's `ssl_min_protocol_version`
/// and `ssl_max_protocol_version`.
fn server_versions(input: &PoolerInput<'_>, out: &mut Vec<CheckFinding>) {
    let ini = input.ini;
    let Some(allowed) = leg_versions(ini, "server_tls_protocols") else {
        return;
    };
    // PostgreSQL's default minimum is TLSv1.2 (13 and later), no maximum.
    let min = input.server.min_protocol.unwrap_or(TlsVersion::Tls1_2);
    let max = input.server.max_protocol.unwrap_or(TlsVersion::Tls1_3);
    let server = TlsVersion::between(min, max);
    if server.is_empty() || allowed.iter().any(|v| server.contains(v)) {
        return;
    }
    let setting = ini.value_or("server_tls_protocols", "secure");
    let mut f = setting_finding(
        Code::ProtocolVersionMismatch,
        Leg::Server,
        Msg::new(
            format!("pgbouncer offers PostgreSQL {} (server_tls_protocols = {setting}) and PostgreSQL allows {} (ssl_min_protocol_version {}, ssl_max_protocol_version {}): no version in common, every server connection fails", version_names(&allowed), version_names(&server), min.pg_name(), input.server.max_protocol.map_or("(none)", |v| v.pg_name())),
            format!("pgbouncer は PostgreSQL に {} (server_tls_protocols = {setting}) を提示し、PostgreSQL は {} (ssl_min_protocol_version {}、ssl_max_protocol_version {}) を許可しています: 共通のバージョンがなく、サーバー接続はすべて失敗します", version_names(&allowed), version_names(&server), min.pg_name(), input.server.max_protocol.map_or("(なし)", |v| v.pg_name())),
        ),
        ini,
        "server_tls_protocols",
    );
    let newest = server.iter().max().copied();
    if let Some(v) = newest.filter(|v| *v >= TlsVersion::Tls1_2) {
        let value = widened(&allowed, v);
        f.fix.push(Msg::new(
            format!("server_tls_protocols = {value} in pgbouncer.ini, then reload pgbouncer"),
            format!("pgbouncer.ini で server_tls_protocols = {value} とし、pgbouncer を再読み込みします"),
        ));
        f.edits.push(ini_edit(
            ini,
            "server_tls_protocols",
            &value,
            Applicability::MaybeIncorrect,
        ));
    }
    push(out, f);
}

/// pgbouncer's own certificate toward PostgreSQL: with `ssl_ca_file` set
/// PostgreSQL asks for one and rejects one its CAs did not sign, whatever
/// pg_hba.conf says (tests/fixtures/pgbouncer/server_rejects_pooler_cert.*:
/// `could not accept SSL connection: certificate verify failed`, clients
/// wait for query_wait_timeout).
fn pooler_certificate(source: &dyn Source, input: &PoolerInput<'_>, out: &mut Vec<CheckFinding>) {
    let ini = input.ini;
    let (Some(cert), Some(ca)) = (ini.get("server_tls_cert_file"), &input.server.ca_file) else {
        return;
    };
    if unverified_chain(source, Path::new(&cert.value), ca).is_none() {
        return;
    }
    let mut f = finding(
        Code::ServerRejectsClientCert,
        Leg::Server,
        Msg::new(
            format!("PostgreSQL will reject pgbouncer's certificate {} (server_tls_cert_file): {} (ssl_ca_file) does not hold the CA that signed it; PostgreSQL logs `could not accept SSL connection: certificate verify failed`, clients wait for query_wait_timeout", cert.value, ca.display()),
            format!("PostgreSQL は pgbouncer の証明書 {} (server_tls_cert_file) を拒否します: {} (ssl_ca_file) にその署名 CA がありません。PostgreSQL は `could not accept SSL connection: certificate verify failed` を記録し、クライアントは query_wait_timeout まで待たされます", cert.value, ca.display()),
        ),
    );
    f.evidence.push(evidence(cert));
    f.fix.push(Msg::new(
        format!("give pgbouncer a certificate issued by a CA in {} (server_tls_cert_file and server_tls_key_file), or add its CA to ssl_ca_file and reload PostgreSQL", ca.display()),
        format!("{} の CA が発行した証明書を pgbouncer に設定するか (server_tls_cert_file と server_tls_key_file)、その CA を ssl_ca_file に追加して PostgreSQL を再読み込みします", ca.display()),
    ));
    f.edits.push(ini_edit(
        ini,
        "server_tls_cert_file",
        &format!("<a certificate issued by a CA in {}>", ca.display()),
        Applicability::HasPlaceholders,
    ));
    push(out, f);
}

/// `server_tls_sslmode = verify-full` checks PostgreSQL's certificate
/// against the host each `[databases]` entry dials.
fn server_names(source: &dyn Source, input: &PoolerInput<'_>, out: &mut Vec<CheckFinding>) {
    let Some(leaf) = input
        .server
        .cert_file
        .as_ref()
        .and_then(|p| read_certs(source, p).ok())
        .and_then(|c| c.into_iter().next())
    else {
        return;
    };
    for (entry, pairs) in input.ini.databases() {
        let Some(host) = pairs.iter().find(|(k, _)| k == "host").map(|(_, v)| v) else {
            continue;
        };
        // A socket directory is not a name on a certificate.
        if host.starts_with('/') || host.is_empty() {
            continue;
        }
        if crate::probe_rules::names_host(&leaf, host) {
            continue;
        }
        let sans = crate::certinfo::describe(&leaf, 0).sans.join(", ");
        let mut f = finding(
            Code::HostnameMismatch,
            Leg::Server,
            Msg::new(
                format!("pgbouncer (server_tls_sslmode = verify-full) dials host={host} for [databases] {} and PostgreSQL's certificate names {sans}: pgbouncer will refuse it", entry.key),
                format!("pgbouncer (server_tls_sslmode = verify-full) は [databases] {} で host={host} に接続しますが、PostgreSQL の証明書の名前は {sans} です: pgbouncer は拒否します", entry.key),
            ),
        );
        f.evidence.push(Evidence {
            origin: None,
            text: format!("{} = {}", entry.key, entry.value),
            location: Some(entry.location.to_string()),
        });
        f.fix.push(Msg::new(
            format!("let [databases] {} dial a name the certificate carries ({sans}), or reissue PostgreSQL's certificate with {host} in its subjectAltName", entry.key),
            format!("[databases] {} が証明書の名前 ({sans}) に接続するようにするか、{host} を subjectAltName に含めて PostgreSQL の証明書を再発行します", entry.key),
        ));
        push(out, f);
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
    client_leg(source, input, &mut out);
    server_leg(source, input, &mut out);
    if sslmode(ini, "server_tls_sslmode") != "disable" && input.server.ssl {
        server_versions(input, &mut out);
        pooler_certificate(source, input, &mut out);
        if sslmode(ini, "server_tls_sslmode") == "verify-full" {
            server_names(source, input, &mut out);
        }
    }
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
