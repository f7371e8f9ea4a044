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
    /// Output format (`scan` also takes `jsonl`: one object per target as it finishes).
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Output language (default: from LC_ALL, LC_MESSAGES or LANG, else English).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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
    /// Watch every documented failure happen on a throwaway PostgreSQL, diagnosed and fixed.
    ///
    /// Starts a real, throwaway PostgreSQL from the local installation (set
    /// PGTLS_PG_BINDIR to choose the directory holding postgres and initdb),
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
}

/// `scan --format jsonl` is spelled as the product documents it, but only
/// scan streams; it becomes scan's own `--jsonl` flag so every other command
/// keeps the two formats it renders (and rejects `jsonl` with clap's message).
pub fn rewrite_jsonl(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let is_scan = args.iter().skip(1).any(|a| a == "scan");
    if !is_scan {
        return args;
    }
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter().peekable();
    while let Some(arg) = iter.next() {
        if arg == "--format" && iter.peek().is_some_and(|next| next == "jsonl") {
            iter.next();
            out.push("--jsonl".into());
        } else if arg == "--format=jsonl" {
            out.push("--jsonl".into());
        } else {
            out.push(arg);
        }
    }
    out
}
