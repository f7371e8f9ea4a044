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

use std::path::PathBuf;
use std::time::Duration;

use pgtls_catalogue::Severity;
use pgtls_diagnose::probe_rules::{merge, ClientConfig, ClientKind, Judgement, KongEdition};
use pgtls_diagnose::{Finding, Msg};
use pgtls_probe::{probe, ProbeConfig, ProbeReport};

use crate::cli::{EditionArg, Format, GlobalArgs};
use crate::output::{lang, print_json, print_text, style};

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
    let mut done = Vec::new();
    if plan.preflight.is_empty() {
        for planned in &plan.attempts {
            let report = probe(&planned.probe).map_err(|e| {
                anyhow::anyhow!("cannot set up the {} connection: {e}", planned.label)
            })?;
            done.push(observe::finish(planned, report));
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
    let mut notes = plan.notes.clone();
    for n in std::mem::take(&mut judgement.notes) {
        if !notes.contains(&n) {
            notes.push(n);
        }
    }
    judgement.notes = notes;
    Ok((done, judgement))
}

impl KongShapeArg {
    pub(crate) fn label(self) -> &'static str {
        match self {
            KongShapeArg::Cosocket => "cosocket",
            KongShapeArg::Luasec => "luasec",
        }
    }
}
