//! Command-line flags: one list, help text generated from it.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "pgtls",
    version,
    about = "The PostgreSQL TLS doctor: says which side rejected what, why, and the exact fix",
    long_about = None,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Output format (`jsonl`, for `scan` only: one object per target as it finishes).
    #[arg(long = "format", value_name = "FORMAT", global = true, value_enum, default_value_t = FormatArg::Text)]
    pub format_arg: FormatArg,
    /// The format a command renders, settled by [`Cli::settle_format`].
    #[arg(skip = Format::Text)]
    pub format: Format,
    /// Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
}

/// What `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Jsonl,
}

/// `--kong-version X.Y`, for probe, check, fix and scan: the defaults of
/// that Kong version; an unknown one is an error listing the known ones.
pub fn kong_version(s: &str) -> Result<&'static pgtls_config::kong::KongDefaults, String> {
    pgtls_config::kong::kong_defaults(s)
}

/// `--kong-edition`, for probe, check and fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EditionArg {
    Oss,
    Enterprise,
}

impl From<EditionArg> for pgtls_diagnose::probe_rules::KongEdition {
    fn from(e: EditionArg) -> Self {
        match e {
            EditionArg::Oss => Self::OpenSource,
            EditionArg::Enterprise => Self::Enterprise,
        }
    }
}

/// What a command renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    En,
    Ja,
}

/// One variant per command; each command's flags live in its own module
/// under `src/commands/`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain an error line pasted from anywhere, or a diagnosis code.
    ///
    /// TEXT is one line (or several, e.g. a FATAL with its DETAIL and HINT) as
    /// printed by the PostgreSQL server log, psql, Kong or nginx; `-` reads it
    /// from standard input. A code such as PGTLS005 prints that diagnosis's
    /// documentation; no argument lists every code.
    Explain(crate::commands::explain::ExplainArgs),
    /// Predict the server's start-up FATAL and each client's connection failure from the configuration files, without connecting.
    ///
    /// Reads postgresql.conf (with includes and postgresql.auto.conf),
    /// pg_hba.conf, pg_ident.conf, the certificate and key files they name
    /// (PostgreSQL's key permission rule, key/certificate pairing, expiry),
    /// and cross-checks Kong (--kong-conf) or libpq (--libpq) settings:
    /// TLS versions, trust stores, client certificates, pg_hba.conf and
    /// pg_ident.conf. Writes nothing. Exits 1 when something will fail.
    Check(crate::commands::check::CheckArgs),
    /// A server's TLS posture without credentials, for one target or a fleet.
    ///
    /// One handshake per TLS version (1.0 to 1.3), the chain the server sends,
    /// whether it asks for a client certificate and which CAs it accepts;
    /// findings for expiry, weak crypto, host names, legacy versions and,
    /// with --trust or --kong-conf, whether that client would accept it.
    Scan(crate::commands::scan::ScanArgs),
    /// Find every TLS failure in PostgreSQL and Kong logs, grouped, counted and explained.
    ///
    /// Reads server logs (stderr with any log_line_prefix, csvlog, jsonlog,
    /// syslog; English or Japanese) and Kong/nginx logs, from files,
    /// directories of rotated logs, .gz files or standard input. Exits 1
    /// when a failure of severity error was found.
    Logs(crate::commands::logs::LogsArgs),
    /// Generate a working mutual-TLS setup: CA, server and client certificates, and the config lines.
    ///
    /// Writes into --out the certificates and keys (keys 0600, atomically,
    /// never replacing a file without --force) and snippets for
    /// postgresql.conf, pg_hba.conf, pg_ident.conf, kong.conf and a libpq
    /// verify-full connection string, and prints where each goes. --verify
    /// proves the result on a throwaway PostgreSQL first.
    Setup(crate::commands::setup::SetupArgs),
    /// Show, as a unified diff, the changes the findings of `check` call for, and apply them.
    ///
    /// Same inputs as check (-D, the configuration file flags, --kong-conf,
    /// --libpq). Prints every file change as a diff and every command to
    /// run; nothing is written without --apply, which writes the
    /// machine-applicable edits (--unsafe adds the maybe-incorrect ones)
    /// atomically, keeping owner and mode, with a backup beside each file,
    /// and refuses a file that changed since it was read. --reload then
    /// reloads the server. Exit 0 when nothing is left to fix.
    Fix(crate::commands::fix::FixArgs),
    /// Watch every documented failure happen on a throwaway PostgreSQL, diagnosed and fixed.
    ///
    /// Starts a real, throwaway PostgreSQL from the local installation (set
    /// PGTLS_PG_BINDIR to choose the directory holding postgres and initdb;
    /// --pg-version N takes PostgreSQL N from the lab's cache instead),
    /// breaks it in each way the Kong PostgreSQL TLS troubleshooting page
    /// lists (PGTLS001 to PGTLS009), shows what the server logs, what Kong and
    /// psql print and pgtls's diagnosis, applies the fix and connects again.
    /// Needs no arguments; leaves nothing running or behind.
    Demo(crate::commands::demo::DemoArgs),
    /// Connect exactly as Kong or libpq would, step by step, and diagnose any failure.
    ///
    /// Kong mode (--kong-conf FILE or --kong, with KONG_* variables) runs
    /// both of Kong's connections: the CLI's cosocket path and nginx's
    /// LuaSec path. libpq mode takes a postgres:// URI or key=value
    /// connection string with the PG* variables, ~/.pgpass and PGPASSWORD.
    /// Shows each message exchanged (client | server), the server's chain,
    /// the line the real client prints, and the diagnosis with its fix.
    /// Exits 0 when the connection works, 1 when it fails.
    Probe(crate::commands::probe::ProbeArgs),
    /// Serve a fleet's PostgreSQL TLS health to Prometheus (blackbox_exporter's multi-target pattern).
    ///
    /// GET /probe?target=HOST:PORT&module=NAME scans that target (and probes
    /// it as Kong or libpq when the module has a kong.conf or credentials)
    /// and answers with its metrics: probe_success, accepted TLS versions,
    /// certificate expiry, client-certificate request, chain verification,
    /// step durations and one series per finding. GET /metrics serves the
    /// exporter's own metrics. Modules come from --config (TOML).
    Exporter(crate::commands::exporter::ExporterArgs),
    /// Print the shell completion script for bash, zsh or fish.
    ///
    /// bash: `pgtls completions bash > /etc/bash_completion.d/pgtls`;
    /// zsh: `pgtls completions zsh > "${fpath[1]}/_pgtls"`;
    /// fish: `pgtls completions fish > ~/.config/fish/completions/pgtls.fish`.
    /// The Debian package installs all three.
    Completions(crate::commands::completions::CompletionsArgs),
    /// Write the man pages, one per command (pgtls.1, pgtls-probe.1, ...), into a directory.
    ///
    /// The pages are rendered from the same definitions as --help. View one
    /// without installing it with `man -l DIR/pgtls-probe.1`.
    Man(crate::commands::man::ManArgs),
}

impl Cli {
    /// Settles `--format jsonl`: scan streams it (its own `--jsonl`), and
    /// every other command, which renders text or one JSON object, says so
    /// instead of guessing. Decided on the parsed command, never on argv
    /// words, so `pgtls logs scan --format jsonl` is judged as `logs`.
    pub fn settle_format(mut self) -> Result<Cli, String> {
        self.global.format = match self.global.format_arg {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => match &mut self.command {
                Command::Scan(args) => {
                    args.jsonl = true;
                    Format::Json
                }
                _ => {
                    return Err(
                        "--format jsonl streams one object per target and is for `scan` only; use --format json"
                            .into(),
                    )
                }
            },
        };
        Ok(self)
    }
}
