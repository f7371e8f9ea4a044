//! One connection through pg_hba.conf and pg_ident.conf, as PostgreSQL 15's
//! `check_hba` and `ClientAuthentication` take it: the first matching line,
//! what it demands (TLS, a client certificate, the certificate's CN or DN
//! mapped to the user), and the first of those demands that fails. Used for
//! `pgtls check --match` and for each client whose settings are checked.

use std::net::{IpAddr, Ipv4Addr};

use pgtls_catalogue::Code;
use pgtls_config::hba::{
    AddressSpec, AuthMethod, ClientCert, ClientName, ConnType, Connection, HbaFile, HbaLine,
    Network,
};
use pgtls_config::ident::{check_usermap, MapOutcome};

use super::{evidence, new_finding, Output, ServerFacts, Stage};
use crate::edit::{Applicability, Edit, EditKind, Then};
use crate::finding::{Finding, Msg};
use crate::text::ConnText;

/// Where a `--match` connection comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchHost {
    /// A Unix-domain socket (`host=local`).
    Local,
    /// A TCP connection from this address (as the server sees it).
    Ip(IpAddr),
}

/// `--match host=...,user=...,database=...,ssl=on,cn=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchSpec {
    pub host: MatchHost,
    pub user: String,
    pub database: String,
    pub ssl: bool,
    /// The client certificate's CN, when one is sent.
    pub cn: Option<String>,
    /// The client certificate's subject DN (RFC 2253, as the server prints
    /// it), when one is sent.
    pub dn: Option<String>,
    /// Roles the user is a member of (for `+role` lines).
    pub roles: Vec<String>,
    /// The text as given.
    pub text: String,
}

/// Splits at commas outside double quotes (a DN holds commas).
fn split_fields(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Parses a `--match` specification.
pub fn parse_match(text: &str) -> Result<MatchSpec, String> {
    let mut host = None;
    let mut user = None;
    let mut database = None;
    let mut ssl = true;
    let mut cn = None;
    let mut dn = None;
    let mut roles = Vec::new();
    for field in split_fields(text) {
        let field = field.trim();
        if field.is_empty() {
            continue;
        }
        let Some((k, v)) = field.split_once('=') else {
            return Err(format!("--match: \"{field}\" is not key=value"));
        };
        let v = v.trim().to_string();
        match k.trim() {
            "host" | "addr" | "address" => {
                host = Some(match v.as_str() {
                    "local" | "socket" | "[local]" => MatchHost::Local,
                    "localhost" => MatchHost::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                    other => MatchHost::Ip(other.parse().map_err(|_| {
                        format!("--match: host=\"{other}\" must be the client's IP address as the server sees it (or \"local\" for the Unix socket)")
                    })?),
                })
            }
            "user" => user = Some(v),
            "database" | "db" | "dbname" => database = Some(v),
            "ssl" => {
                ssl = match v.to_ascii_lowercase().as_str() {
                    "on" | "true" | "yes" | "1" => true,
                    "off" | "false" | "no" | "0" => false,
                    _ => return Err(format!("--match: ssl=\"{v}\" must be on or off")),
                }
            }
            "cn" => cn = Some(v),
            "dn" => dn = Some(v),
            "roles" | "role" => roles = v.split('|').map(str::to_string).collect(),
            other => {
                return Err(format!(
                    "--match: unknown key \"{other}\" (known: host, user, database, ssl, cn, dn, roles)"
                ))
            }
        }
    }
    let host = host.ok_or_else(|| {
        String::from(
            "--match needs host= (the client's address as the server sees it, or \"local\")",
        )
    })?;
    let user = user.ok_or_else(|| String::from("--match needs user="))?;
    Ok(MatchSpec {
        host,
        database: database.unwrap_or_else(|| user.clone()),
        user,
        ssl,
        cn,
        dn,
        roles,
        text: text.to_string(),
    })
}

/// A pg_hba.conf line and what it demands.
#[derive(Debug, Clone)]
pub struct MatchedLine {
    /// `file:line`.
    pub location: String,
    pub raw: String,
    pub method: &'static str,
    /// `no`, `verify-ca` or `verify-full`.
    pub client_cert: &'static str,
    /// `CN` or `DN`.
    pub client_name: &'static str,
    pub map: Option<String>,
    /// What a connection must bring, one item each.
    pub demands: Vec<Msg>,
}

impl MatchedLine {
    pub(crate) fn of(line: &HbaLine) -> MatchedLine {
        let mut demands = Vec::new();
        match line.conn_type {
            ConnType::HostSsl => demands.push(ConnText::DemandsTls.into()),
            ConnType::HostNoSsl => demands.push(ConnText::DemandsNoTls.into()),
            ConnType::HostGssEnc => demands.push(ConnText::DemandsGssEncryption.into()),
            _ => {}
        }
        let name = match line.client_name {
            ClientName::Cn => "CN",
            ClientName::Dn => "DN",
        };
        match line.client_cert {
            ClientCert::None => {}
            ClientCert::VerifyCa => demands.push(ConnText::DemandsCertSignedByCa.into()),
            ClientCert::VerifyFull => {
                let why = if line.method == AuthMethod::Cert {
                    "cert"
                } else {
                    "clientcert=verify-full"
                };
                demands.push(
                    ConnText::DemandsCertNamingUser {
                        name,
                        map: line.map.as_deref(),
                        why,
                    }
                    .into(),
                );
            }
        }
        match line.method {
            AuthMethod::Trust => demands.push(ConnText::DemandsNothingMoreTrust.into()),
            AuthMethod::Reject => demands.push(ConnText::DemandsNothingRejects.into()),
            AuthMethod::Md5 | AuthMethod::Password | AuthMethod::ScramSha256 => demands.push(
                ConnText::DemandsPassword {
                    method: line.method,
                }
                .into(),
            ),
            AuthMethod::Cert => {}
            other => demands.push(ConnText::DemandsOtherAuthentication { method: other }.into()),
        }
        MatchedLine {
            location: line.location.to_string(),
            raw: line.raw.clone(),
            method: line.method.keyword(),
            client_cert: match line.client_cert {
                ClientCert::None => "no",
                ClientCert::VerifyCa => "verify-ca",
                ClientCert::VerifyFull => "verify-full",
            },
            client_name: name,
            map: line.map.clone(),
            demands,
        }
    }
}

/// The certificate a client sends, as the server will see it.
#[derive(Debug, Clone)]
pub(crate) struct SentCert {
    pub cn: Option<String>,
    pub dn: Option<String>,
}

/// A connection to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    /// The client's address; `None` when unknown (the first line that could
    /// match some address is then assumed).
    pub client: Option<MatchHost>,
    pub user: String,
    pub database: String,
    pub ssl: bool,
    pub roles: Vec<String>,
    /// `None`: no certificate is sent.
    pub cert: Option<SentCert>,
}

/// The first thing that fails.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub code: Code,
    /// The server's FATAL (or LOG) message.
    pub message: String,
    /// A LOG line before it, when the server writes one (ident mapping).
    pub log: Option<String>,
}

/// The outcome for one query.
#[derive(Debug, Clone)]
pub(crate) struct Eval<'a> {
    pub line: Option<&'a HbaLine>,
    /// The client's address was unknown and the line is the first that some
    /// address would match.
    pub assumed: bool,
    pub unevaluated: Vec<Msg>,
    pub failure: Option<Failure>,
    /// The certificate name compared, and which pg_ident.conf line allowed it.
    pub mapping: Option<(String, Option<String>)>,
}

/// A client address inside what `line` names, so that "could some address
/// match this line" is asked of the real matcher.
fn representative(line: &HbaLine, conn: &mut Connection) -> bool {
    match &line.address {
        None => false,
        Some(AddressSpec::All) => {
            conn.client = pgtls_config::hba::Client::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
            true
        }
        Some(AddressSpec::Cidr { addr, .. }) => {
            conn.client = pgtls_config::hba::Client::Ip(*addr);
            true
        }
        Some(AddressSpec::Hostname(h)) => {
            conn.client = pgtls_config::hba::Client::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
            conn.client_hostname = Some(format!("x{h}"));
            if !h.starts_with('.') {
                conn.client_hostname = Some(h.clone());
            }
            true
        }
        Some(AddressSpec::SameHost | AddressSpec::SameNet) => {
            let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
            conn.client = pgtls_config::hba::Client::Ip(ip);
            conn.server_networks = Some(vec![Network {
                addr: ip,
                mask: IpAddr::V4(Ipv4Addr::new(255, 0, 0, 0)),
            }]);
            true
        }
    }
}

fn host_text(q: &Query) -> String {
    match q.client {
        Some(MatchHost::Local) => String::from("[local]"),
        Some(MatchHost::Ip(ip)) => ip.to_string(),
        None => String::from("<client address>"),
    }
}

pub(crate) fn evaluate<'a>(facts: &'a ServerFacts, q: &Query) -> Option<Eval<'a>> {
    let hba = facts.hba.as_ref()?;
    let mut conn = Connection::tcp(IpAddr::V4(Ipv4Addr::LOCALHOST), &q.user, &q.database, q.ssl);
    conn.user_roles = q.roles.clone();
    let mut eval = Eval {
        line: None,
        assumed: false,
        unevaluated: Vec::new(),
        failure: None,
        mapping: None,
    };
    match q.client {
        Some(MatchHost::Local) => {
            conn.client = pgtls_config::hba::Client::Local;
            conn.ssl = false;
            let m = hba.check(&conn);
            eval.line = m.line;
            eval.unevaluated = m.unevaluated.iter().map(diagnostic_msg).collect();
        }
        Some(MatchHost::Ip(ip)) => {
            conn.client = pgtls_config::hba::Client::Ip(ip);
            let m = hba.check(&conn);
            eval.line = m.line;
            eval.unevaluated = m.unevaluated.iter().map(diagnostic_msg).collect();
        }
        None => {
            for line in &hba.lines {
                let mut c = conn.clone();
                if !representative(line, &mut c) {
                    continue;
                }
                let one = HbaFile {
                    lines: vec![line.clone()],
                    diagnostics: Vec::new(),
                    server_major: hba.server_major,
                };
                if one.check(&c).line.is_some() {
                    eval.line = Some(line);
                    eval.assumed = !matches!(line.address, Some(AddressSpec::All));
                    break;
                }
            }
        }
    }
    let encryption = if q.ssl {
        "SSL encryption"
    } else {
        "no encryption"
    };
    let Some(line) = eval.line else {
        eval.failure = Some(Failure {
            code: Code::NoHbaEntry,
            message: format!(
                "no pg_hba.conf entry for host \"{}\", user \"{}\", database \"{}\", {encryption}",
                host_text(q),
                q.user,
                q.database
            ),
            log: None,
        });
        return Some(eval);
    };
    if line.method == AuthMethod::Reject {
        eval.failure = Some(Failure {
            code: Code::NoHbaEntry,
            message: format!(
                "pg_hba.conf rejects connection for host \"{}\", user \"{}\", database \"{}\", {encryption}",
                host_text(q),
                q.user,
                q.database
            ),
            log: None,
        });
        return Some(eval);
    }
    if line.requires_client_cert() {
        if facts.tls.is_some() && facts.ca_file.is_none() {
            eval.failure = Some(Failure {
                code: Code::RootStoreMissingForCertAuth,
                message: String::from(
                    "client certificates can only be checked if a root certificate store is available",
                ),
                log: None,
            });
            return Some(eval);
        }
        let Some(cert) = &q.cert else {
            eval.failure = Some(Failure {
                code: Code::ClientCertRequired,
                message: String::from("connection requires a valid client certificate"),
                log: None,
            });
            return Some(eval);
        };
        if line.checks_cert_name() {
            let name = match line.client_name {
                ClientName::Cn => cert.cn.clone(),
                ClientName::Dn => cert.dn.clone(),
            };
            let auth_failed = format!("certificate authentication failed for user \"{}\"", q.user);
            if name.is_none() && line.client_name == ClientName::Dn && cert.dn.is_none() {
                eval.unevaluated.push(
                    ConnText::DnNotKnown {
                        location: &line.location,
                    }
                    .into(),
                );
                return Some(eval);
            }
            let Some(name) = name else {
                eval.failure = Some(Failure {
                    code: Code::CertUserMismatch,
                    message: auth_failed,
                    log: Some(format!(
                        "certificate authentication failed for user \"{}\": client certificate contains no user name",
                        q.user
                    )),
                });
                return Some(eval);
            };
            match check_usermap(
                facts.ident.as_ref(),
                line.map.as_deref(),
                &q.user,
                &name,
                false,
            ) {
                MapOutcome::SameName => eval.mapping = Some((name, None)),
                MapOutcome::Allowed(l) => eval.mapping = Some((name, Some(l.location.to_string()))),
                MapOutcome::Denied { log } | MapOutcome::Failed { log, .. } => {
                    eval.mapping = Some((name, None));
                    eval.failure = Some(Failure {
                        code: Code::CertUserMismatch,
                        message: auth_failed,
                        log: Some(log),
                    });
                }
                MapOutcome::Unknown {
                    line: l,
                    membership,
                } => {
                    eval.mapping = Some((name, None));
                    eval.unevaluated.push(match membership {
                        Some(role) => ConnText::IdentRoleMembershipUnknown {
                            location: &l.location,
                            role: &role,
                            user: &q.user,
                        }
                        .into(),
                        None => ConnText::IdentRegexNotEvaluated {
                            location: &l.location,
                        }
                        .into(),
                    });
                }
            }
        }
    }
    Some(eval)
}

/// How a client is told to send a certificate or to use TLS; the
/// connection rules do not know which client they judge.
pub(crate) struct ClientHints {
    pub name: String,
    pub send_cert: Msg,
    pub use_tls: Msg,
}

/// A name as an ARE matching exactly it (`/^...$`), for a token that
/// would otherwise be read as a regular expression.
fn exact_regex(name: &str) -> String {
    let mut out = String::from("/^");
    for c in name.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('$');
    ident_token(&out)
}

/// The system-user token of a fix's pg_ident.conf line: the certificate
/// name, or, when it starts with a slash (which every version reads as a
/// regular expression), an expression matching exactly it.
pub(crate) fn ident_system_token(name: &str) -> String {
    if name.starts_with('/') {
        exact_regex(name)
    } else {
        ident_token(name)
    }
}

/// The database-user token of a fix's pg_ident.conf line, in the syntax of
/// the server's version: from 16 `all` and `+role` are keywords unless
/// quoted and a leading slash makes a regular expression (quoted or not);
/// 12 to 15 compare the token literally, so the name is written as it is.
/// An unknown version gets 16's form: its quoted `"all"` and `"+role"` are
/// the same literal names to 12 to 15, whose tokenizer drops the quotes
/// (tests/auth_versions.rs proves it on real servers); only a name starting
/// with a slash has no form that every version reads alike.
pub(crate) fn ident_pg_user_token(user: &str, major: Option<u32>) -> String {
    let v16 = major.is_none_or(|v| v >= 16);
    if !v16 {
        return ident_token(user);
    }
    if user.starts_with('/') {
        exact_regex(user)
    } else if user == "all" || user.starts_with('+') {
        format!("\"{}\"", user.replace('"', "\"\""))
    } else {
        ident_token(user)
    }
}

/// A diagnostic of the hba parser as a message in both languages.
fn diagnostic_msg(d: &pgtls_config::Diagnostic) -> Msg {
    ConnText::ConfigDiagnostic { diagnostic: d }.into()
}

/// A pg_ident.conf token: quoted when it holds blanks, commas, quotes or `#`.
fn ident_token(s: &str) -> String {
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || ",\"#".contains(c)) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The finding for an evaluation's failure.
pub(crate) fn failure_finding(
    facts: &ServerFacts,
    q: &Query,
    eval: &Eval<'_>,
    hints: &ClientHints,
) -> Option<Finding> {
    let failure = eval.failure.as_ref()?;
    let hba_file = facts
        .hba_path
        .as_ref()
        .map_or_else(|| String::from("pg_hba.conf"), |p| p.display().to_string());
    let mut f = new_finding(failure.code);
    f.target = Some(hints.name.clone());
    f.evidence.push(evidence(
        format!(
            "connects from {} as user \"{}\" to database \"{}\" {}",
            host_text(q),
            q.user,
            q.database,
            if q.ssl { "over TLS" } else { "without TLS" }
        ),
        hints.name.clone(),
    ));
    match eval.line {
        Some(line) => {
            f.evidence
                .push(evidence(line.raw.clone(), line.location.to_string()));
            f.facts
                .insert("hba_line".into(), line.location.line.to_string());
        }
        None => f.evidence.push(evidence(
            format!(
                "none of its {} lines matches",
                facts.hba.as_ref().map_or(0, |h| h.lines.len())
            ),
            hba_file.clone(),
        )),
    }
    let mut text = format!("FATAL:  {}", failure.message);
    if let Some(log) = &failure.log {
        text = format!("LOG:  {log} / {text}");
    }
    f.reading = Some(ConnText::ServerWillLog { text: &text }.into());
    if eval.assumed {
        if let Some(line) = eval.line {
            f.notes.push(
                ConnText::ClientAddressAssumed {
                    location: &line.location,
                }
                .into(),
            );
        }
    }
    f.facts.insert("user".into(), q.user.clone());
    f.facts.insert("database".into(), q.database.clone());
    match failure.code {
        Code::NoHbaEntry => {
            let addr = match q.client {
                Some(MatchHost::Ip(IpAddr::V4(ip))) => format!("{ip}/32"),
                Some(MatchHost::Ip(IpAddr::V6(ip))) => format!("{ip}/128"),
                Some(MatchHost::Local) | None => String::from("0.0.0.0/0"),
            };
            // Always a TLS line: a client that connected without TLS is
            // told first to turn it on, never given a plaintext line.
            let kind = "hostssl";
            if !q.ssl {
                f.fix.push(hints.use_tls.clone());
            }
            // The generic `no encryption` step: said above, or beside the
            // point for a TLS connection.
            f.cover(&[1]);
            // A client that sends a certificate authenticates with it; one
            // without, with a password.
            let method = if q.ssl && q.cert.is_some() {
                "cert"
            } else {
                "scram-sha-256"
            };
            let line = format!("{kind} {} {} {addr} {method}", q.database, q.user);
            if let Some(file) = &facts.hba_path {
                f.edits.push(Edit::new(
                    EditKind::HbaLine {
                        file: file.clone(),
                        line: eval.line.map(|l| l.location.line),
                        before: None,
                        after: line.clone(),
                    },
                    // The method and the address are pgtls's best guess.
                    Applicability::MaybeIncorrect,
                    Then::Reload,
                ));
            }
            f.fix.push(
                ConnText::AddHbaLine {
                    hba_file: &hba_file,
                    above: eval.line.map(|l| l.location.line),
                    line: &line,
                }
                .into(),
            );
            f.cover(&[0]);
        }
        Code::ClientCertRequired => {
            f.evidence.push(evidence(
                "no client certificate is sent",
                hints.name.clone(),
            ));
            f.fix.push(hints.send_cert.clone());
        }
        Code::CertUserMismatch => {
            if let (Some(line), Some((name, _))) = (eval.line, &eval.mapping) {
                let which = match line.client_name {
                    ClientName::Cn => "CN",
                    ClientName::Dn => "DN",
                };
                f.evidence.push(evidence(
                    format!("the client certificate's {which} is \"{name}\""),
                    hints.name.clone(),
                ));
                f.facts.insert("cert_name".into(), name.clone());
                let ident_file = facts.ident_path.as_ref().map_or_else(
                    || String::from("pg_ident.conf"),
                    |p| p.display().to_string(),
                );
                let map = line.map.clone().unwrap_or_else(|| String::from("certmap"));
                let ident_line = format!(
                    "{} {} {}",
                    map,
                    ident_system_token(name),
                    ident_pg_user_token(&q.user, facts.server_major)
                );
                let identity = identity_ident_line(&map);
                let mut ident_lines = vec![ident_line.clone()];
                if line.map.is_none() {
                    ident_lines.push(identity.clone());
                    f.edits.push(Edit::new(
                        EditKind::HbaLine {
                            file: line.location.file.to_path_buf(),
                            line: Some(line.location.line),
                            before: Some(line.raw.clone()),
                            after: with_hba_option(&line.raw, &format!("map={map}")),
                        },
                        Applicability::MaybeIncorrect,
                        Then::Reload,
                    ));
                }
                if let Some(file) = &facts.ident_path {
                    for l in &ident_lines {
                        f.edits.push(Edit::new(
                            EditKind::IdentLine {
                                file: file.clone(),
                                line: None,
                                before: None,
                                after: l.clone(),
                            },
                            Applicability::MaybeIncorrect,
                            Then::Reload,
                        ));
                    }
                }
                if line.map.is_none() {
                    // map= makes every client of that line go through the
                    // map: without the identity line, clients whose
                    // certificate name already is their user are locked out.
                    f.fix.push(
                        ConnText::AddMapAndIdentLines {
                            location: &line.location,
                            map: &map,
                            ident_file: &ident_file,
                            ident_line: &ident_line,
                            identity: &identity,
                        }
                        .into(),
                    );
                } else {
                    f.fix.push(
                        ConnText::AddIdentLine {
                            ident_file: &ident_file,
                            ident_line: &ident_line,
                        }
                        .into(),
                    );
                }
                // A certificate that already carries the user's name needs
                // the map entry, not a new certificate.
                if *name != q.user {
                    f.fix.push(
                        ConnText::ReissueClientCert {
                            which,
                            user: &q.user,
                        }
                        .into(),
                    );
                }
            }
        }
        _ => {}
    }
    Some(f)
}

/// A pg_hba.conf line with one more option, before its comment if it has
/// one.
pub(super) fn with_hba_option(raw: &str, option: &str) -> String {
    let mut in_quotes = false;
    let cut = raw
        .char_indices()
        .find(|(_, c)| {
            if *c == '"' {
                in_quotes = !in_quotes;
            }
            *c == '#' && !in_quotes
        })
        .map_or(raw.len(), |(i, _)| i);
    let (body, comment) = raw.split_at(cut);
    let mut out = format!("{} {option}", body.trim_end());
    if !comment.is_empty() {
        out.push_str("  ");
        out.push_str(comment);
    }
    out
}

/// The pg_ident.conf line that maps every certificate name to the user of
/// the same name: what a line without `map=` did, kept when one is added.
pub(crate) fn identity_ident_line(map: &str) -> String {
    format!("{map} /^(.*)$ \\1")
}

/// `pgtls check --match`.
#[derive(Debug, Clone)]
pub struct MatchReport {
    pub spec: MatchSpec,
    pub line: Option<MatchedLine>,
    /// The certificate name compared and the pg_ident.conf line that
    /// allowed it (`None` with a name: equal names, or denied).
    pub mapping: Option<(String, Option<String>)>,
    /// The code of the first failure.
    pub code: Option<Code>,
    /// The server's message for it.
    pub message: Option<String>,
    pub unevaluated: Vec<Msg>,
}

pub(crate) fn match_connection(
    facts: &ServerFacts,
    spec: &MatchSpec,
    out: &mut Output,
) -> MatchReport {
    // A DN names its CN; the first CN= of an RFC 2253 string is the one
    // OpenSSL's lookup finds last, so only a DN with one CN is used.
    let cn_of_dn = spec.dn.as_deref().and_then(|dn| {
        let cns: Vec<&str> = dn
            .split(',')
            .filter_map(|p| p.trim().strip_prefix("CN="))
            .collect();
        (cns.len() == 1).then(|| cns[0].to_string())
    });
    let cert = (spec.cn.is_some() || spec.dn.is_some()).then(|| SentCert {
        cn: spec.cn.clone().or(cn_of_dn),
        dn: spec.dn.clone(),
    });
    let q = Query {
        client: Some(spec.host),
        user: spec.user.clone(),
        database: spec.database.clone(),
        ssl: spec.ssl && spec.host != MatchHost::Local,
        roles: spec.roles.clone(),
        cert,
    };
    let mut report = MatchReport {
        spec: spec.clone(),
        line: None,
        mapping: None,
        code: None,
        message: None,
        unevaluated: Vec::new(),
    };
    let Some(eval) = evaluate(facts, &q) else {
        return report;
    };
    report.line = eval.line.map(MatchedLine::of);
    report.mapping = eval.mapping.clone();
    report.unevaluated = eval.unevaluated.clone();
    if let Some(failure) = &eval.failure {
        report.code = Some(failure.code);
        report.message = Some(failure.message.clone());
        let hints = ClientHints {
            name: format!("--match {}", spec.text),
            send_cert: ConnText::ConfigureClientCertAndKey.into(),
            use_tls: ConnText::TurnTlsOnAtClient.into(),
        };
        // A line that can never work is already a finding of its own.
        let known = failure.code == Code::RootStoreMissingForCertAuth;
        if !known {
            if let Some(f) = failure_finding(facts, &q, &eval, &hints) {
                out.push(f, Stage::Connection);
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_specs() {
        let m = parse_match("host=10.0.0.5,user=kong,database=kong,ssl=on,cn=kong").unwrap();
        assert_eq!(m.host, MatchHost::Ip("10.0.0.5".parse().unwrap()));
        assert_eq!(
            (m.user.as_str(), m.database.as_str(), m.ssl),
            ("kong", "kong", true)
        );
        assert_eq!(m.cn.as_deref(), Some("kong"));
        let m = parse_match("host=local,user=a,dn=\"CN=a,O=Example\"").unwrap();
        assert_eq!(m.host, MatchHost::Local);
        assert_eq!(m.database, "a", "database defaults to the user, as libpq");
        assert_eq!(m.dn.as_deref(), Some("CN=a,O=Example"));
        assert!(parse_match("user=a").unwrap_err().contains("host="));
        assert!(parse_match("host=db.example.com,user=a")
            .unwrap_err()
            .contains("IP address"));
        assert!(parse_match("host=::1,user=a,ssl=maybe").is_err());
        assert!(parse_match("host=::1,user=a,colour=red")
            .unwrap_err()
            .contains("unknown key"));
    }

    #[test]
    fn ident_user_tokens_follow_the_servers_version() {
        // 16 and later: all and +role are keywords, /x a regular expression.
        assert_eq!(ident_pg_user_token("all", Some(16)), "\"all\"");
        assert_eq!(ident_pg_user_token("+ops", None), "\"+ops\"");
        assert_eq!(ident_pg_user_token("/x.y", Some(18)), "/^/x\\.y$");
        assert_eq!(ident_pg_user_token("kong", Some(16)), "kong");
        // 12 to 15 compare literally.
        assert_eq!(ident_pg_user_token("all", Some(15)), "all");
        assert_eq!(ident_pg_user_token("/x.y", Some(12)), "/x.y");
        // A system user with a leading slash is an expression on all.
        assert_eq!(ident_system_token("/CN=a b"), "\"/^/CN=a b$\"");
        assert_eq!(ident_system_token("foo"), "foo");
    }

    #[test]
    fn ident_tokens_are_quoted_when_needed() {
        assert_eq!(ident_token("kong"), "kong");
        assert_eq!(ident_token("CN=kong,O=x"), "\"CN=kong,O=x\"");
        assert_eq!(ident_token("a \"b\""), "\"a \"\"b\"\"\"");
    }
}
