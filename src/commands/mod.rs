//! One module per command; each owns its flags and returns the exit status.

pub mod check;
pub mod completions;
pub mod demo;
pub mod explain;
pub mod exporter;
pub mod fix;
pub mod logs;
pub mod man;
pub mod probe;
pub mod scan;
pub mod setup;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Explain(args) => explain::run(&cli.global, args),
        Command::Check(args) => check::run(&cli.global, args),
        Command::Setup(args) => setup::run(&cli.global, args),
        Command::Fix(args) => fix::run(&cli.global, args),
        Command::Demo(args) => demo::run(&cli.global, args),
        Command::Scan(args) => scan::run(&cli.global, args),
        Command::Logs(args) => logs::run(&cli.global, args),
        Command::Probe(args) => probe::run(&cli.global, args),
        Command::Exporter(args) => exporter::run(&cli.global, args),
        Command::Completions(args) => completions::run(&cli.global, args),
        Command::Man(args) => man::run(&cli.global, args),
    }
}
