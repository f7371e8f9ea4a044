//! The `pgtls` binary: parse arguments, run one command, map the outcome to
//! an exit status (0 healthy, 1 a finding of severity error, 2 pgtls itself
//! could not run). Everything else lives in the library crates.

mod cli;
mod client_env;
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
            eprintln!("pgtls: {}", output::describe(&err));
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::output::describe;

    #[test]
    fn each_cause_is_said_once_without_rusts_os_error_suffix() {
        let io = std::io::Error::from_raw_os_error(2);
        let e = anyhow::Error::new(io).context("cannot read kong.conf /x");
        assert_eq!(
            describe(&e),
            "cannot read kong.conf /x: No such file or directory"
        );
        let io = std::io::Error::from_raw_os_error(2);
        let e = anyhow::Error::new(io)
            .context("could not read \"/x/postgresql.conf\": No such file or directory");
        assert_eq!(
            describe(&e),
            "could not read \"/x/postgresql.conf\": No such file or directory"
        );
    }
}
