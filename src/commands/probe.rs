//! `pgtls probe`: connect exactly as Kong or libpq would, step by step, and
//! diagnose whatever the client sees. Kong mode reads kong.conf and the
//! `KONG_*` environment and runs both of Kong's connections (the CLI's
//! cosocket path, then nginx's LuaSec path); libpq mode reads a connection
//! string, the `PG*` environment and `~/.pgpass`. The connection itself is
//! the probe crate's; the verdict is the diagnose crate's probe rules; this
//! module plans the attempts, gathers the extra evidence a failure calls
//! for, and prints the result.

pub(crate) mod kong;
pub(crate) mod libpq;
mod observe;
mod render;
mod text;

use std::path::PathBuf;
use std::time::Duration;

use pgtls_catalogue::Severity;
use pgtls_diagnose::probe_rules::{
    merge, ClientConfig, ClientKind, Judgement, KongEdition, Setting, SettingOrigin,
};
use pgtls_diagnose::{Finding, Localized, Msg};
use pgtls_probe::{probe, ProbeConfig, ProbeReport};

use crate::cli::{EditionArg, Format, GlobalArgs};
use crate::output::{lang, print_json, print_text, style};
use text::ProbeCmdText;

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// libpq mode: a postgres:// URI or key=value connection string; PG*
    /// variables, ~/.pgpass and PGPASSWORD fill in the rest. A password in
    /// it is refused: give it through PGPASSWORD or ~/.pgpass.
    #[arg(value_name = "CONNINFO", conflicts_with_all = ["kong_conf", "kong"])]
    pub conninfo: Option<String>,
    /// Kong mode: connect as Kong would with this kong.conf (KONG_* variables override it).
    #[arg(long, value_name = "FILE")]
    pub kong_conf: Option<PathBuf>,
    /// Kong mode without a kong.conf: Kong's defaults and the KONG_* variables.
    #[arg(long, conflicts_with = "kong_conf")]
    pub kong: bool,
    /// Which of Kong's two error shapes to show first (both connections always run).
    #[arg(long, value_enum, default_value_t = KongShapeArg::Cosocket)]
    pub kong_shape: KongShapeArg,
    /// Kong edition; default: enterprise when the configuration sets an Enterprise-only option, else oss.
    #[arg(long, value_enum)]
    pub kong_edition: Option<EditionArg>,
    /// Which Kong version's defaults to assume: 2.8 or 3.0 to 3.9 (a release such as 3.4.2 counts as 3.4; default: the newest).
    #[arg(long, value_name = "X.Y", value_parser = crate::cli::kong_version)]
    pub kong_version: Option<&'static pgtls_config::kong::KongDefaults>,
    /// Seconds allowed for each network step (default: Kong's pg_timeout, libpq's connect_timeout, else 5).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// The client's OpenSSL security level (default: this host's), to model a client host with a stricter crypto policy.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=5))]
    pub security_level: Option<u8>,
    /// Send the password when the server asks for it in cleartext or as an
    /// MD5 hash although its certificate was not verified (no TLS, sslmode
    /// below verify-ca, pg_ssl_verify off). RISK: whoever answers at that
    /// address (a hijacked name or address, a rogue proxy) reads the
    /// password or can crack the hash. Without it such a request is
    /// answered with nothing and reported as PGTLS026.
    #[arg(long)]
    pub password_to_unverified_server: bool,
    /// libpq mode: which libpq to model, 12 to 18 (default: 18). Options a
    /// version lacks stop it as they stop that libpq (PGTLS034).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(12..=18))]
    pub libpq_version: Option<u32>,
    /// The server's PostgreSQL major version, 12 to 18, for fixes written in
    /// its syntax (a pg_ident.conf line for PGTLS007); the server tells it
    /// only after a login, which wins when one succeeds. Unknown: a form
    /// every version reads alike.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(12..=18))]
    pub pg_version: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KongShapeArg {
    /// Kong CLI 3.5+ (`kong start`, nginx cosocket).
    Cosocket,
    /// nginx init / Kong CLI before 3.5 (LuaSec; the shape the troubleshooting page quotes).
    Luasec,
}

/// One connection to make, as one client path makes it.
pub(crate) struct Planned {
    /// `cosocket`, `luasec`, `libpq`.
    pub label: &'static str,
    pub probe: ProbeConfig,
    pub client: ClientConfig,
}

/// What to do: the attempts, or the findings that stop the client before
/// it connects (a trust store it cannot load).
pub(crate) struct Plan {
    pub kong: Option<KongMode>,
    pub target: String,
    pub attempts: Vec<Planned>,
    /// Findings that stop the client before it connects.
    pub preflight: Vec<Finding>,
    /// The line the client prints for a preflight failure.
    pub preflight_line: Option<String>,
    /// Remarks about the configuration.
    pub notes: Vec<Msg>,
    /// The settings in effect, as `key = value (origin)`.
    pub settings: Vec<(String, String, String)>,
}

pub(crate) struct KongMode {
    pub edition: KongEdition,
    pub edition_from_flag: bool,
    pub shape_first: KongShapeArg,
    pub conf_file: Option<String>,
}

/// One finished attempt.
pub(crate) struct Done {
    pub label: &'static str,
    pub kind: ClientKind,
    pub report: ProbeReport,
    /// The line the real client prints, and other lines it logs.
    pub client_line: Option<String>,
    pub extra_lines: Vec<(Msg, String)>,
    pub versions: Option<Vec<pgtls_probe::VersionProbe>>,
    pub judgement: Judgement,
    /// What answered: PostgreSQL or pgbouncer, and why pgtls thinks so.
    pub identity: pgtls_probe::Identity,
}

/// `(key, value, origin)` for the settings list, as both clients show it.
pub(crate) fn setting_row(s: &Setting) -> (String, String, String) {
    let o = match &s.origin {
        SettingOrigin::Default => "default".to_string(),
        SettingOrigin::File { path, line } => format!("{path}:{line}"),
        SettingOrigin::Env { var } => var.clone(),
        SettingOrigin::ConnString => "connection string".to_string(),
    };
    (s.key.clone(), s.value.clone(), o)
}

pub(crate) fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    if !(value.is_finite() && value > 0.0 && value <= 3600.0) {
        anyhow::bail!("{flag} must be between 0 and 3600 seconds");
    }
    Ok(Duration::from_secs_f64(value))
}

pub fn run(global: &GlobalArgs, args: &ProbeArgs) -> anyhow::Result<u8> {
    let lang = lang(global);
    let style = style();
    if let Some(t) = args.timeout {
        seconds(t, "--timeout")?;
    }
    let plan = if args.kong_conf.is_some() || args.kong {
        kong::plan(args)?
    } else {
        libpq::plan(args)?
    };
    let (done, judgement) = execute(&plan)?;
    let failed = !plan.preflight.is_empty() || done.iter().any(|d| !d.report.is_ok());
    let error_finding = judgement
        .findings
        .iter()
        .any(|f| f.diagnosis.severity == Severity::Error);
    let order = render::display_order(&plan, &done);
    match global.format {
        Format::Json => print_json(&render::json(&plan, &done, &order, &judgement, lang))?,
        Format::Text => print_text(&render::text(
            &plan, &done, &order, &judgement, lang, &style,
        ))?,
    }
    Ok(if failed || error_finding { 1 } else { 0 })
}

/// Makes the planned connections and judges them together: the findings
/// that stop the client before it connects first, then every connection's,
/// most severe first.
pub(crate) fn execute(plan: &Plan) -> anyhow::Result<(Vec<Done>, Judgement)> {
    execute_with(plan, true)
}

/// [`execute`]; with `identify` off, no connection beyond the client's
/// own is made to tell pgbouncer from PostgreSQL (the exporter probes on
/// every scrape and keeps to the connections it is configured for).
pub(crate) fn execute_with(plan: &Plan, identify: bool) -> anyhow::Result<(Vec<Done>, Judgement)> {
    let mut done = Vec::new();
    if plan.preflight.is_empty() {
        for planned in &plan.attempts {
            let report = probe(&planned.probe).map_err(|e| {
                anyhow::anyhow!("cannot set up the {} connection: {e}", planned.label)
            })?;
            done.push(observe::finish(planned, report, identify));
        }
    }

    let mut judgement = if done.len() == 1 {
        done[0].judgement.clone()
    } else {
        merge(
            done.iter()
                .map(|d| (d.label.to_string(), d.judgement.clone()))
                .collect(),
        )
    };
    judgement
        .findings
        .splice(0..0, plan.preflight.iter().cloned());
    judgement
        .findings
        .sort_by_key(|f| std::cmp::Reverse(f.diagnosis.severity));
    if let Some(major) = done.iter().find_map(|d| d.report.server_major()) {
        judgement
            .notes
            .push(ProbeCmdText::ServerIsPostgres { major }.msg());
        for f in &mut judgement.findings {
            versioned_fix(f, Some(major), None);
        }
    }
    let libpq = plan.attempts.iter().find_map(|a| a.client.libpq_major);
    for f in &mut judgement.findings {
        versioned_fix(f, None, libpq);
    }
    let mut notes = plan.notes.clone();
    for n in std::mem::take(&mut judgement.notes) {
        if !notes.contains(&n) {
            notes.push(n);
        }
    }
    judgement.notes = notes;
    Ok((done, judgement))
}

/// Says so when a fix step names a server setting the server's version
/// lacks, or a connection option the modelled libpq lacks: the step cannot
/// be applied as written there.
pub(crate) fn versioned_fix(f: &mut Finding, server: Option<u32>, libpq: Option<u32>) {
    use pgtls_config::libpq::keyword_since;
    use pgtls_config::postgresql_conf::{is_known_parameter_in, NEWEST_KNOWN_MAJOR};
    use pgtls_diagnose::EditKind;
    let mut said = Vec::new();
    for e in &f.edits {
        match (&e.kind, server, libpq) {
            // A setting PostgreSQL has in some version but not this one
            // (a kong.conf setting such as pg_ssl_version is none of its).
            (EditKind::Setting { key, .. }, Some(major), _)
                if !is_known_parameter_in(key, major)
                    && (9..=NEWEST_KNOWN_MAJOR).any(|v| is_known_parameter_in(key, v)) =>
            {
                said.push(ProbeCmdText::ServerLacksSetting { major, key }.msg());
            }
            (EditKind::Conninfo { key, .. }, _, Some(major)) if keyword_since(key) > major => {
                let since = keyword_since(key);
                said.push(ProbeCmdText::LibpqLacksKeyword { major, key, since }.msg());
            }
            _ => {}
        }
    }
    for m in said {
        if !f.notes.contains(&m) {
            f.notes.push(m);
        }
    }
}

impl KongShapeArg {
    pub(crate) fn label(self) -> &'static str {
        match self {
            KongShapeArg::Cosocket => "cosocket",
            KongShapeArg::Luasec => "luasec",
        }
    }
}

#[cfg(test)]
mod tests {
    use pgtls_catalogue::{Code, Lang};
    use pgtls_diagnose::{Applicability, Edit, EditKind, Finding, Then};

    use super::versioned_fix;

    fn with(kinds: Vec<EditKind>) -> Finding {
        let mut f = Finding::new(Code::ProtocolVersionMismatch.diagnosis());
        f.edits = kinds
            .into_iter()
            .map(|k| Edit::new(k, Applicability::MachineApplicable, Then::Reload))
            .collect();
        f
    }

    fn setting(key: &str) -> EditKind {
        EditKind::Setting {
            file: "postgresql.conf".into(),
            line: None,
            key: key.into(),
            before: None,
            after: "'x'".into(),
        }
    }

    fn conninfo(key: &str) -> EditKind {
        EditKind::Conninfo {
            key: key.into(),
            before: None,
            after: "x".into(),
        }
    }

    /// A step the server's or the client's version cannot take is said
    /// so in both languages; steps both have stay unremarked.
    #[test]
    fn steps_a_version_lacks_are_named() {
        let mut f = with(vec![
            setting("ssl_groups"),
            setting("ssl_min_protocol_version"),
        ]);
        versioned_fix(&mut f, Some(17), None);
        assert_eq!(f.notes.len(), 1, "{:?}", f.notes);
        assert!(f.notes[0]
            .get(Lang::En)
            .contains("PostgreSQL 17 has no ssl_groups"));
        assert!(f.notes[0].get(Lang::Ja).contains("ssl_groups"));
        let mut f = with(vec![setting("ssl_groups")]);
        versioned_fix(&mut f, Some(18), None);
        assert!(f.notes.is_empty());

        let mut f = with(vec![
            conninfo("ssl_max_protocol_version"),
            conninfo("sslmode"),
        ]);
        versioned_fix(&mut f, None, Some(12));
        assert_eq!(f.notes.len(), 1, "{:?}", f.notes);
        assert!(f.notes[0]
            .get(Lang::En)
            .contains("libpq 12 does not know ssl_max_protocol_version"));
        assert!(f.notes[0].get(Lang::En).contains("libpq 13"));
        let mut f = with(vec![conninfo("ssl_max_protocol_version")]);
        versioned_fix(&mut f, None, Some(13));
        assert!(f.notes.is_empty());
    }
}
