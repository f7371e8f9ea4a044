//! One module per command; each owns its flags and returns the exit status.

pub mod explain;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match &cli.command {
        Command::Explain(args) => explain::run(&cli.global, args),
    }
}
