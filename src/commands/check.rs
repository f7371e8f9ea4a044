//! `pgtls check`: reads the server's and the client's configuration files,
//! without connecting and without changing anything, and says what will
//! fail (the server's FATAL at start, or a connection's failure) and how to
//! fix it, pointing at file and line. The rules live in
//! `pgtls_diagnose::check_rules`; this is flags in, report out.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use pgtls_catalogue::{Code, Lang};
use pgtls_config::kong_client::KongTls;
use pgtls_config::libpq_client::LibpqClient;
use pgtls_config::pgbouncer_ini::PgbouncerIni;
use pgtls_diagnose::certinfo::now_epoch;
use pgtls_diagnose::check_rules::config::{Diagnostic, FsSource};
use pgtls_diagnose::check_rules::pooler::{
    check_pgbouncer, server_leg_match_spec, PoolerClient, PoolerInput, TrustSetting,
};
use pgtls_diagnose::check_rules::{
    check, parse_match, CheckFinding, CheckInput, CheckReport, ClientInput, MatchReport,
    MatchedLine, Stage, DEFAULT_WARN_DAYS,
};
use pgtls_render::{finding_text, FindingJson, Style};
use serde::Serialize;

use crate::cli::{EditionArg, Format, GlobalArgs};
use crate::client_env::{kong_env, libpq_env, load_kong};
use crate::output::{lang, print_json, print_text, style, t};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The data directory: postgresql.conf, postgresql.auto.conf, pg_hba.conf and pg_ident.conf are read from there unless given.
    #[arg(long, short = 'D', value_name = "DIR")]
    pub pgdata: Option<PathBuf>,
    /// postgresql.conf (when it is not in the data directory, e.g. Debian's /etc/postgresql/15/main).
    #[arg(long, value_name = "FILE")]
    pub postgresql_conf: Option<PathBuf>,
    /// pg_hba.conf (default: hba_file, else the configuration directory's).
    #[arg(long, value_name = "FILE")]
    pub hba: Option<PathBuf>,
    /// pg_ident.conf (default: ident_file, else the configuration directory's).
    #[arg(long, value_name = "FILE")]
    pub ident: Option<PathBuf>,
    /// The account the server runs as (default: the data directory's owner).
    #[arg(long, value_name = "NAME")]
    pub server_user: Option<String>,
    /// Cross-check Kong's settings from this kong.conf (KONG_* environment variables override it).
    #[arg(long, value_name = "FILE")]
    pub kong_conf: Option<PathBuf>,
    /// Cross-check Kong with its defaults and the KONG_* environment, without a kong.conf.
    #[arg(long, conflicts_with = "kong_conf")]
    pub kong: bool,
    /// Which Kong edition (default: enterprise when an Enterprise-only option is set).
    #[arg(long, value_enum)]
    pub kong_edition: Option<EditionArg>,
    /// Which Kong version's defaults to assume: 2.8 or 3.0 to 3.9 (a release such as 3.4.2 counts as 3.4; default: the newest).
    #[arg(long, value_name = "X.Y", value_parser = crate::cli::kong_version)]
    pub kong_version: Option<&'static pgtls_config::kong::KongDefaults>,
    /// Cross-check a libpq client: a connection string or postgres:// URI (PG* environment variables apply, as for libpq).
    #[arg(long, value_name = "CONNINFO", alias = "conninfo")]
    pub libpq: Option<String>,
    /// The client's IP address as the server sees it (for pg_hba.conf), when it is not the loopback address the client dials.
    #[arg(long, value_name = "IP")]
    pub client_addr: Option<IpAddr>,
    /// Which pg_hba.conf line a connection matches and what it demands: host=IP|local,user=U,database=D,ssl=on|off,cn=NAME (or dn="...").
    #[arg(long = "match", value_name = "SPEC")]
    pub matches: Vec<String>,
    /// Check pgbouncer between the clients and PostgreSQL: this pgbouncer.ini (with its %include files), both its legs.
    #[arg(long, value_name = "FILE")]
    pub pgbouncer_ini: Option<PathBuf>,
    /// With --libpq: which libpq to model, 12 to 18 (default: 18).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(12..=18))]
    pub libpq_version: Option<u32>,
    /// The server's major version (12-18) when there is no data directory
    /// to read PG_VERSION from; PG_VERSION wins when present.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(12..=18))]
    pub pg_version: Option<u32>,
    /// Warn when a certificate expires within this many days.
    #[arg(long, default_value_t = DEFAULT_WARN_DAYS)]
    pub warn_days: i64,
}

pub fn run(global: &GlobalArgs, args: &CheckArgs) -> anyhow::Result<u8> {
    let lang = lang(global);
    let report = report(args)?;
    match global.format {
        Format::Json => print_json(&report_json(&report, lang))?,
        Format::Text => print_text(&report_text(&report, lang, &style()))?,
    }
    Ok(if report.has_errors() { 1 } else { 0 })
}

/// Reads everything the flags name and judges it (no output).
pub(crate) fn report(args: &CheckArgs) -> anyhow::Result<CheckReport> {
    report_observing(args, &[])
}

/// [`report`] knowing what connecting as the clients showed (`observed`),
/// which the server's files then explain.
pub(crate) fn report_observing(
    args: &CheckArgs,
    observed: &[pgtls_catalogue::Code],
) -> anyhow::Result<CheckReport> {
    let mut input = CheckInput {
        observed: observed.to_vec(),
        pgdata: args.pgdata.clone(),
        postgresql_conf: args.postgresql_conf.clone(),
        hba: args.hba.clone(),
        ident: args.ident.clone(),
        server_user: args.server_user.clone(),
        client_addr: args.client_addr,
        now: now_epoch(),
        warn_days: args.warn_days,
        pg_version: args.pg_version,
        ..CheckInput::default()
    };
    for spec in &args.matches {
        input
            .matches
            .push(parse_match(spec).map_err(anyhow::Error::msg)?);
    }
    if args.kong_conf.is_some() || args.kong {
        input.clients.push(ClientInput::Kong {
            conf: args.kong_conf.clone(),
            env: kong_env(),
            edition: args.kong_edition.map(Into::into),
            version: args.kong_version,
        });
    }
    if let Some(conninfo) = &args.libpq {
        input.clients.push(ClientInput::Libpq {
            conninfo: conninfo.clone(),
            env: libpq_env(),
            libpq_version: args.libpq_version,
        });
    }
    let Some(ini_path) = &args.pgbouncer_ini else {
        return Ok(check(&FsSource, &input)?);
    };
    let ini = pgtls_config::pgbouncer_ini::load(&FsSource, ini_path);
    if ini.files.is_empty() {
        anyhow::bail!(
            "cannot read pgbouncer.ini {}: {}",
            ini_path.display(),
            ini.problems
                .first()
                .map(|d| d.message.clone())
                .unwrap_or_default()
        );
    }
    let clients = pooler_clients(args)?;
    let spec = server_leg_spec(args, &ini, &clients);
    let before = input.matches.len();
    if let Some(spec) = &spec {
        input
            .matches
            .push(parse_match(spec).map_err(anyhow::Error::msg)?);
    }
    // pgbouncer.ini alone is something to check: PostgreSQL's side is then
    // left out, not an error.
    let no_server = args.pgdata.is_none() && args.postgresql_conf.is_none() && args.hba.is_none();
    let mut report = if no_server {
        CheckReport::without_server()
    } else {
        check(&FsSource, &input)?
    };
    let server_leg_matches: Vec<MatchReport> = report
        .matches
        .drain(before.min(report.matches.len())..)
        .collect();
    let found = check_pgbouncer(
        &FsSource,
        &PoolerInput {
            ini: &ini,
            server: &report.server,
            server_leg_matches: &server_leg_matches,
            clients: &clients
                .iter()
                .map(|(c, _, _)| c.clone())
                .collect::<Vec<_>>(),
        },
    );
    auth_file_problems(&ini, &mut report);
    report.problems.extend(ini.problems.iter().cloned());
    report.findings.extend(found);
    Ok(report)
}

/// pgbouncer's `auth_file`, which every password `auth_type` reads.
fn auth_file_problems(ini: &PgbouncerIni, report: &mut CheckReport) {
    let auth_type = ini.value_or("auth_type", "md5").to_ascii_lowercase();
    if !matches!(
        auth_type.as_str(),
        "md5" | "scram-sha-256" | "plain" | "trust"
    ) {
        return;
    }
    match ini.get("auth_file") {
        None if ini.get("auth_query").is_none() => report.problems.push(Diagnostic::warning(
            ini.get("auth_type").map(|s| s.location.clone()),
            format!(
                "auth_type = {auth_type} without auth_file or auth_query: pgbouncer knows no user"
            ),
        )),
        Some(f) => {
            if let Err(e) = std::fs::File::open(&f.value) {
                report.problems.push(Diagnostic::error(
                    Some(f.location.clone()),
                    format!("auth_file {} cannot be read: {e}", f.value),
                ));
            }
        }
        None => {}
    }
}

/// A client of pgbouncer with the user and database it logs in as.
type PooledClient = (PoolerClient, Option<String>, Option<String>);

/// The clients given with --libpq and --kong-conf, as pgbouncer's client
/// leg sees them, with their user and database.
fn pooler_clients(args: &CheckArgs) -> anyhow::Result<Vec<PooledClient>> {
    let mut out = Vec::new();
    if let Some(conninfo) = &args.libpq {
        let p = pgtls_config::libpq::parse(conninfo).map_err(|e| anyhow::anyhow!("{e}"))?;
        let r =
            pgtls_config::libpq::resolve(&p, &libpq_env()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let libpq = LibpqClient::new(r, &FsSource);
        let r = &libpq.conn;
        out.push((
            PoolerClient {
                name: format!("libpq (sslmode={})", libpq.mode().keyword()),
                uses_tls: libpq.tls_first(),
                requires_tls: libpq.requires_tls(),
                trust_files: r
                    .sslrootcert
                    .as_ref()
                    .filter(|_| !libpq.trusts_system())
                    .map(|p| p.value.clone())
                    .into_iter()
                    .collect(),
                verifies_server: libpq.verifies_chain() && !libpq.trusts_system(),
                versions: libpq.versions(),
                versions_setting: format!(
                    "ssl_min_protocol_version={}, ssl_max_protocol_version={}",
                    libpq.min_version().map_or("", |v| v.pg_name()),
                    libpq.max_version().map_or("", |v| v.pg_name())
                ),
                cert_file: r
                    .sslcert
                    .as_ref()
                    .filter(|_| libpq.sends_cert())
                    .map(|p| p.value.clone())
                    .filter(|p| p.exists()),
                trust_setting: TrustSetting::Conninfo {
                    before: p.get("sslrootcert").map(str::to_string),
                },
            },
            Some(r.user.value.clone()),
            Some(r.dbname.value.clone()),
        ));
    }
    if args.kong_conf.is_some() || args.kong {
        let kong = load_kong(
            args.kong_conf.as_deref(),
            &kong_env(),
            args.kong_edition.map(Into::into),
            args.kong_version,
        )?;
        let conf = &kong.conf;
        let trust = &conf.lua_ssl_trusted_certificate;
        // The system store or an inline PEM: not files pgtls can judge
        // or rewrite.
        let judged = trust
            .value
            .iter()
            .all(|t| matches!(t, pgtls_config::kong::TrustedCert::Path(_)));
        let cert = &kong.client_cert;
        out.push((
            PoolerClient {
                name: "Kong".into(),
                uses_tls: kong.tls != KongTls::Off,
                requires_tls: kong.tls == KongTls::Required,
                trust_files: kong.trust_paths(),
                verifies_server: kong.verifies() && judged,
                versions: kong.cosocket.versions.clone(),
                versions_setting: format!(
                    "lua_ssl_protocols = {}",
                    kong.cosocket
                        .versions
                        .iter()
                        .map(|v| v.pg_name())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                cert_file: cert.cert.value.clone().filter(|_| cert.sent()),
                trust_setting: if judged {
                    TrustSetting::Kong {
                        origin: trust.origin.clone(),
                        conf: args.kong_conf.clone(),
                        before: kong.trust_paths_written(),
                    }
                } else {
                    TrustSetting::Unknown
                },
            },
            Some(conf.pg.user.value.clone()),
            Some(conf.pg.database.value.clone()),
        ));
    }
    Ok(out)
}

/// The `--match` spec of pgbouncer's own connection to PostgreSQL, when
/// its address, user and database are known.
fn server_leg_spec(
    args: &CheckArgs,
    ini: &PgbouncerIni,
    clients: &[PooledClient],
) -> Option<String> {
    let dbs = ini.databases();
    let (entry, pairs) = dbs.iter().find(|(s, _)| s.key != "*")?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let host = get("host").unwrap_or_else(|| "127.0.0.1".into());
    let address = match args.client_addr {
        Some(a) => a.to_string(),
        None if host == "127.0.0.1" || host == "localhost" || host == "::1" => {
            host.replace("localhost", "127.0.0.1")
        }
        None => return None,
    };
    let user = get("user").or_else(|| clients.iter().find_map(|(_, u, _)| u.clone()))?;
    let database = get("dbname")
        .or_else(|| clients.iter().find_map(|(_, _, d)| d.clone()))
        .unwrap_or_else(|| entry.key.clone());
    Some(server_leg_match_spec(
        &FsSource, ini, &address, &user, &database,
    ))
}

fn stage_text(stage: Stage, lang: Lang) -> &'static str {
    match stage {
        Stage::ServerStart => t(lang, "at server start", "サーバー起動時"),
        Stage::Connection => t(lang, "at connection", "接続時"),
        Stage::Client => t(lang, "at the client", "クライアント側"),
    }
}

/// A problem reading a file, as PostgreSQL would log it.
#[derive(Serialize)]
struct ProblemJson<'a> {
    severity: String,
    file: Option<String>,
    line: Option<usize>,
    location: Option<String>,
    message: &'a str,
    detail: Option<&'a str>,
    hint: Option<&'a str>,
}

impl<'a> ProblemJson<'a> {
    fn of(d: &'a Diagnostic, lang: Lang) -> Self {
        let ja = lang == Lang::Ja;
        ProblemJson {
            severity: d.severity.to_string(),
            file: d.location.as_ref().map(|l| l.file.display().to_string()),
            line: d.location.as_ref().map(|l| l.line),
            location: d.location.as_ref().map(|l| l.to_string()),
            message: d.message_in(ja),
            detail: d.detail.as_deref(),
            hint: d.hint_in(ja),
        }
    }
}

/// The pg_hba.conf line a connection matches and what it demands.
#[derive(Serialize)]
struct LineJson<'a> {
    location: &'a str,
    text: &'a str,
    method: &'static str,
    clientcert: &'static str,
    clientname: &'static str,
    map: Option<&'a str>,
    demands: Vec<&'a str>,
}

impl<'a> LineJson<'a> {
    fn of(l: &'a MatchedLine, lang: Lang) -> Self {
        LineJson {
            location: &l.location,
            text: &l.raw,
            method: l.method,
            clientcert: l.client_cert,
            clientname: l.client_name,
            map: l.map.as_deref(),
            demands: l.demands.iter().map(|m| m.get(lang)).collect(),
        }
    }
}

/// `--match`: the line one described connection meets, and the verdict.
#[derive(Serialize)]
struct MatchJson<'a> {
    spec: &'a str,
    line: Option<LineJson<'a>>,
    certificate_name: Option<&'a str>,
    mapped_by: Option<&'a str>,
    code: Option<Code>,
    message: Option<&'a str>,
    unevaluated: Vec<&'a str>,
}

impl<'a> MatchJson<'a> {
    fn of(m: &'a MatchReport, lang: Lang) -> Self {
        MatchJson {
            spec: &m.spec.text,
            line: m.line.as_ref().map(|l| LineJson::of(l, lang)),
            certificate_name: m.mapping.as_ref().map(|(n, _)| n.as_str()),
            mapped_by: m.mapping.as_ref().and_then(|(_, by)| by.as_deref()),
            code: m.code,
            message: m.message.as_deref(),
            unevaluated: m.unevaluated.iter().map(|u| u.get(lang)).collect(),
        }
    }
}

/// A finding with the moment it bites.
#[derive(Serialize)]
struct CheckFindingJson<'a> {
    #[serde(flatten)]
    finding: FindingJson<'a>,
    stage: &'static str,
}

/// What the server's configuration resolves to.
#[derive(Serialize)]
struct ServerJson<'a> {
    config_file: Option<&'a Path>,
    data_directory: Option<&'a Path>,
    files_read: &'a [PathBuf],
    hba_file: Option<&'a Path>,
    ident_file: Option<&'a Path>,
    server_user: Option<&'a str>,
    ssl: bool,
    cert_file: Option<&'a Path>,
    key_file: Option<&'a Path>,
    ca_file: Option<&'a Path>,
    min_protocol: Option<&'static str>,
    max_protocol: Option<&'static str>,
    server_version: Option<ServerVersionJson>,
}

/// The major version check judged the server as, and from what.
#[derive(Serialize)]
struct ServerVersionJson {
    major: u32,
    from: &'static str,
}

/// Whether the server starts, and its FATAL when not.
#[derive(Serialize)]
struct StartJson<'a> {
    starts: bool,
    code: Option<Code>,
    fatal: Option<&'a str>,
    location: Option<&'a str>,
}

/// One client's predicted connection.
#[derive(Serialize)]
struct ConnectionJson<'a> {
    client: &'a str,
    ok: bool,
    code: Option<Code>,
    step: Option<&'static str>,
    tls: bool,
    hba_line: Option<LineJson<'a>>,
}

/// `check --format json`.
#[derive(Serialize)]
pub struct ReportJson<'a> {
    findings: Vec<CheckFindingJson<'a>>,
    problems: Vec<ProblemJson<'a>>,
    server: ServerJson<'a>,
    server_start: StartJson<'a>,
    connections: Vec<ConnectionJson<'a>>,
    matches: Vec<MatchJson<'a>>,
}

pub fn report_json(r: &CheckReport, lang: Lang) -> ReportJson<'_> {
    let s = &r.server;
    ReportJson {
        findings: r
            .findings
            .iter()
            .map(|f| CheckFindingJson {
                finding: FindingJson::of(&f.finding, lang),
                stage: f.stage.as_str(),
            })
            .collect(),
        problems: r
            .problems
            .iter()
            .map(|d| ProblemJson::of(d, lang))
            .collect(),
        server: ServerJson {
            config_file: s.config_file.as_deref(),
            data_directory: s.data_directory.as_deref(),
            files_read: &s.files_read,
            hba_file: s.hba_file.as_deref(),
            ident_file: s.ident_file.as_deref(),
            server_user: s.server_user.as_deref(),
            ssl: s.ssl,
            cert_file: s.cert_file.as_deref(),
            key_file: s.key_file.as_deref(),
            ca_file: s.ca_file.as_deref(),
            min_protocol: s.min_protocol.map(|v| v.pg_name()),
            max_protocol: s.max_protocol.map(|v| v.pg_name()),
            server_version: s
                .server_major
                .map(|(major, from)| ServerVersionJson { major, from }),
        },
        server_start: StartJson {
            starts: r.start.starts,
            code: r.start.code,
            fatal: r.start.fatal.as_deref(),
            location: r.start.location.as_deref(),
        },
        connections: r
            .connections
            .iter()
            .map(|c| ConnectionJson {
                client: &c.client,
                ok: c.ok,
                code: c.code,
                step: c.step,
                tls: c.tls,
                hba_line: c.hba_line.as_ref().map(|l| LineJson::of(l, lang)),
            })
            .collect(),
        matches: r.matches.iter().map(|m| MatchJson::of(m, lang)).collect(),
    }
}

fn problem_text(d: &Diagnostic, lang: Lang, style: &Style) -> String {
    let ja = lang == Lang::Ja;
    let sev = match d.severity {
        pgtls_diagnose::check_rules::config::Severity::Error => style.red("error"),
        pgtls_diagnose::check_rules::config::Severity::Warning => style.yellow("warning"),
        pgtls_diagnose::check_rules::config::Severity::Note => style.dim("note"),
    };
    let mut s = match &d.location {
        Some(l) => format!(
            "{}: {sev}: {}\n",
            style.bold(&l.to_string()),
            d.message_in(ja)
        ),
        None => format!("{sev}: {}\n", d.message_in(ja)),
    };
    if let Some(detail) = &d.detail {
        s.push_str(&format!("  DETAIL: {detail}\n"));
    }
    if let Some(hint) = d.hint_in(ja) {
        s.push_str(&format!("  HINT: {hint}\n"));
    }
    s
}

fn line_text(l: &MatchedLine, lang: Lang) -> String {
    let mut s = format!("{}: {}\n", l.location, l.raw);
    s.push_str(&format!("    {}:\n", t(lang, "demands", "要求")));
    for d in &l.demands {
        s.push_str(&format!("      - {}\n", d.get(lang)));
    }
    s
}

pub fn report_text(r: &CheckReport, lang: Lang, style: &Style) -> String {
    let mut out = String::new();
    let s = &r.server;
    let path = |p: &Option<PathBuf>| {
        p.as_ref()
            .map_or_else(|| String::from("-"), |p| p.display().to_string())
    };
    if let Some(conf) = &s.config_file {
        let extra = s.files_read.len().saturating_sub(1);
        out.push_str(&format!(
            "postgresql.conf: {}{}\n",
            conf.display(),
            if extra > 0 {
                format!(" (+{extra} {})", t(lang, "more files", "ファイル"))
            } else {
                String::new()
            }
        ));
        out.push_str(&format!(
            "{}: {}   {}: {}\n",
            t(lang, "data directory", "データディレクトリ"),
            path(&s.data_directory),
            t(lang, "server account", "サーバーのアカウント"),
            s.server_user.as_deref().unwrap_or("?"),
        ));
    }
    if let Some((major, from)) = s.server_major {
        out.push_str(&match lang {
            Lang::En => format!("judged as PostgreSQL {major} (from {from})\n"),
            Lang::Ja => format!("PostgreSQL {major} として判定 ({from} より)\n"),
        });
    }
    out.push_str(&format!(
        "pg_hba.conf: {}   pg_ident.conf: {}\n",
        path(&s.hba_file),
        path(&s.ident_file)
    ));
    if s.config_file.is_some() {
        if s.ssl {
            out.push_str(&format!(
                "ssl: on   {}: {} .. {}   ssl_cert_file: {}   ssl_key_file: {}   ssl_ca_file: {}\n",
                t(lang, "versions", "バージョン"),
                s.min_protocol.map_or("?", |v| v.pg_name()),
                s.max_protocol.map_or("TLSv1.3", |v| v.pg_name()),
                path(&s.cert_file),
                path(&s.key_file),
                path(&s.ca_file),
            ));
        } else {
            out.push_str("ssl: off\n");
        }
        out.push('\n');
        if r.start.starts {
            out.push_str(&format!(
                "{}: {}\n",
                t(lang, "server start", "サーバー起動"),
                style.green(t(lang, "ok", "成功"))
            ));
        } else {
            out.push_str(&format!(
                "{}: {} {}{}\n    FATAL:  {}\n",
                t(lang, "server start", "サーバー起動"),
                style.red(t(lang, "FAILS", "失敗")),
                r.start.code.map(|c| format!("{c} ")).unwrap_or_default(),
                r.start
                    .location
                    .as_ref()
                    .map(|l| format!("({l})"))
                    .unwrap_or_default(),
                r.start.fatal.as_deref().unwrap_or(""),
            ));
        }
    }
    for c in &r.connections {
        let verdict = if c.ok {
            style.green(t(lang, "ok", "成功"))
        } else {
            style.red(t(lang, "FAILS", "失敗"))
        };
        out.push_str(&format!(
            "{} {}: {verdict}{}{}\n",
            t(lang, "connection", "接続"),
            c.client,
            c.code.map(|code| format!(" {code}")).unwrap_or_default(),
            c.step
                .map(|st| format!(" ({} {st})", t(lang, "at", "段階")))
                .unwrap_or_default(),
        ));
        if let Some(l) = &c.hba_line {
            out.push_str(&format!("    pg_hba.conf {}", line_text(l, lang)));
        }
    }
    for m in &r.matches {
        out.push_str(&format!("\n--match {}\n", m.spec.text));
        match &m.line {
            Some(l) => out.push_str(&format!("  {}", line_text(l, lang))),
            None => out.push_str(&format!(
                "  {}\n",
                t(
                    lang,
                    "no pg_hba.conf line matches",
                    "一致する pg_hba.conf の行はありません"
                )
            )),
        }
        if let Some((name, by)) = &m.mapping {
            let how = match (by, m.code) {
                (_, Some(Code::CertUserMismatch)) => style.red(t(lang, "denied", "拒否")),
                (Some(by), _) => format!("{} {by}", t(lang, "allowed by", "許可:")),
                (None, _) => t(lang, "equal to the user", "ユーザー名と一致").to_string(),
            };
            out.push_str(&format!(
                "  {} \"{name}\": {how}\n",
                t(lang, "certificate name", "証明書の名前")
            ));
        }
        match (m.code, &m.message) {
            (Some(code), Some(msg)) => out.push_str(&format!(
                "  {} {code}: FATAL:  {msg}\n",
                style.red(t(lang, "fails", "失敗"))
            )),
            _ => out.push_str(&format!(
                "  {}\n",
                style.green(t(lang, "passes these checks", "これらの検査を通ります"))
            )),
        }
        for u in &m.unevaluated {
            out.push_str(&format!("  {}\n", style.dim(u.get(lang))));
        }
    }
    let shown: Vec<&Diagnostic> = r
        .problems
        .iter()
        .filter(|d| {
            d.severity != pgtls_diagnose::check_rules::config::Severity::Note
                || d.location.is_some()
        })
        .collect();
    if !shown.is_empty() {
        out.push('\n');
        for d in shown {
            out.push_str(&problem_text(d, lang, style));
        }
    }
    for stage in [Stage::ServerStart, Stage::Client, Stage::Connection] {
        let group: Vec<&CheckFinding> = r.findings.iter().filter(|f| f.stage == stage).collect();
        if group.is_empty() {
            continue;
        }
        out.push_str(&format!("\n== {} ==\n\n", stage_text(stage, lang)));
        let texts: Vec<String> = group
            .iter()
            .map(|f| finding_text(&f.finding, lang, style))
            .collect();
        out.push_str(&texts.join("\n"));
    }
    if r.findings.is_empty() && !r.problems.iter().any(Diagnostic::is_error) {
        out.push_str(&format!(
            "\n{}\n",
            t(lang, "nothing found", "問題は見つかりませんでした")
        ));
    }
    out
}
