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
    /// Output format.
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
}
