//! One module per command; each returns the exit status.

mod explain;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Explain(args) => explain::run(&cli.global, args),
    }
}
