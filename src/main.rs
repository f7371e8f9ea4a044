//! The `pgtls` binary: parse arguments, run one command, map the outcome to
//! an exit status (0 healthy, 1 a finding of severity error, 2 pgtls itself
//! could not run). Everything else lives in the library crates.

mod cli;
mod commands;
mod output;
mod trust;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let cli = match cli.settle_format() {
        Ok(cli) => cli,
        Err(message) => {
            eprintln!("pgtls: {message}");
            return ExitCode::from(2);
        }
    };
    match commands::run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("pgtls: {err:#}");
            ExitCode::from(2)
        }
    }
}
