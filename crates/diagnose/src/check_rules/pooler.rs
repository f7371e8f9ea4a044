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
use crate::text::{PoolerFileText, PoolerText};
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
    let when =
        |problem: PoolerFileText<'_>| -> Msg { PoolerText::LegFileFails { leg, problem }.into() };
    let cert = ini.get(&format!("{prefix}_tls_cert_file"));
    let key = ini.get(&format!("{prefix}_tls_key_file"));
    let ca = ini.get(&format!("{prefix}_tls_ca_file"));
    if leg == Leg::Client && (cert.is_none() || key.is_none()) {
        let f = setting_finding(
            Code::ServerCertMissing,
            leg,
            when(PoolerFileText::ClientTlsFilesUnset),
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
                    when(PoolerFileText::CertUnreadable {
                        file: &c.value,
                        error: &e,
                    }),
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
                    when(PoolerFileText::KeyUnreadable {
                        file: &k.value,
                        error: &e,
                    }),
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
                        when(PoolerFileText::KeyMismatch { file: &k.value }),
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
                when(PoolerFileText::CaUnreadable {
                    file: &c.value,
                    error: &e,
                }),
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
                let pg_cert = input
                    .server
                    .cert_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                let mut f = finding(
                    Code::ClientRejectsServerCert,
                    Leg::Server,
                    PoolerText::PoolerRejectsPostgresCert {
                        mode: &mode,
                        ca: &ca.value,
                        pg_cert: &pg_cert,
                    }
                    .into(),
                );
                f.evidence.push(evidence(ca));
                if let Some(m) = ini.get("server_tls_sslmode") {
                    f.evidence.push(evidence(m));
                }
                match verifying_file(source, &known_ca_files(input), chain) {
                    Some(p) => {
                        let path = p.display().to_string();
                        f.fix
                            .push(PoolerText::SetServerCaFile { path: &path }.into());
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
            PoolerText::PostgresRefusesPooler {
                spec: &m.spec.text,
                message: m.message.as_deref().unwrap_or_default(),
            }
            .into(),
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
                PoolerText::ClientRequiresTlsPoolerHasNone {
                    client: &c.name,
                    mode: &mode,
                }
                .into(),
                ini,
                "client_tls_sslmode",
            );
            f.fix.push(PoolerText::TurnOnClientTls.into());
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
                PoolerText::ClientWithoutTlsPoolerRequires {
                    client: &c.name,
                    mode: &mode,
                }
                .into(),
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
    let allows = version_names(&allowed);
    let mut f = setting_finding(
        Code::ProtocolVersionMismatch,
        Leg::Client,
        PoolerText::NoClientVersionInCommon {
            client: &c.name,
            offers: &version_names(&c.versions),
            versions_setting: &c.versions_setting,
            allows: &allows,
            setting,
        }
        .into(),
        ini,
        "client_tls_protocols",
    );
    // pgbouncer's side takes the client's newest version when it is one
    // pgbouncer's own default allows; an older client must move instead.
    let newest = c.versions.iter().max().copied();
    match newest.filter(|v| *v >= TlsVersion::Tls1_2) {
        Some(v) => {
            let value = widened(&allowed, v);
            f.fix.push(
                PoolerText::WidenClientProtocols {
                    version: v.report_name(),
                    value: &value,
                    allows: &allows,
                    versions_setting: &c.versions_setting,
                }
                .into(),
            );
            f.edits.push(ini_edit(
                ini,
                "client_tls_protocols",
                &value,
                Applicability::MaybeIncorrect,
            ));
        }
        None => f.fix.push(
            PoolerText::ClientOfferModernVersion {
                versions_setting: &c.versions_setting,
            }
            .into(),
        ),
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
        PoolerText::ClientRejectsPoolerCert {
            client: &c.name,
            trust: &trust,
            cert: &cert.value,
        }
        .into(),
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
        Some(p) => f.fix.push(
            PoolerText::TrustFileHoldingPoolerCa {
                path: p,
                client: &c.name,
            }
            .into(),
        ),
        None => f.fix.push(
            PoolerText::GiveClientPoolerCa {
                client: &c.name,
                cert: &cert.value,
            }
            .into(),
        ),
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
            PoolerText::ClientSendsNoCert {
                mode: &mode,
                client: &c.name,
            }
            .into(),
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
        PoolerText::PoolerRejectsClientCert {
            mode: &mode,
            client: &c.name,
            cert: cert_file,
            ca: &ca.value,
        }
        .into(),
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
            f.fix.push(
                PoolerText::BundleClientCa {
                    holder: &p,
                    cert: cert_file,
                    bundle: &bundle,
                    ca: &ca.value,
                }
                .into(),
            );
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
        None => f.fix.push(
            PoolerText::IssueClientCertFromCa {
                client: &c.name,
                ca: &ca.value,
            }
            .into(),
        ),
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
        PoolerText::NoServerVersionInCommon {
            offers: &version_names(&allowed),
            allows: &version_names(&server),
            setting,
            min: min.pg_name(),
            max: input.server.max_protocol.map(|v| v.pg_name()),
        }
        .into(),
        ini,
        "server_tls_protocols",
    );
    let newest = server.iter().max().copied();
    if let Some(v) = newest.filter(|v| *v >= TlsVersion::Tls1_2) {
        let value = widened(&allowed, v);
        f.fix
            .push(PoolerText::WidenServerProtocols { value: &value }.into());
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
        PoolerText::PostgresRejectsPoolerCert {
            cert: &cert.value,
            ca,
        }
        .into(),
    );
    f.evidence.push(evidence(cert));
    f.fix.push(PoolerText::GivePoolerCertFromCa { ca }.into());
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
            PoolerText::PoolerRefusesServerName {
                host,
                entry: &entry.key,
                sans: &sans,
            }
            .into(),
        );
        f.evidence.push(Evidence {
            origin: None,
            text: format!("{} = {}", entry.key, entry.value),
            location: Some(entry.location.to_string()),
        });
        f.fix.push(
            PoolerText::DialCertifiedName {
                entry: &entry.key,
                sans: &sans,
                host,
            }
            .into(),
        );
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
