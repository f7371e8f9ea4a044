//! `pgtls completions SHELL`: a completion script generated from the same
//! clap definitions as the parser, so it never lists a flag pgtls lacks.

use clap::CommandFactory;

use crate::cli::{Cli, GlobalArgs};
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_name = "SHELL", value_enum)]
    pub shell: Shell,
}

/// The shells a completion script is offered for: the ones where Kong and
/// PostgreSQL hosts' operators work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl From<Shell> for clap_complete::Shell {
    fn from(shell: Shell) -> Self {
        match shell {
            Shell::Bash => Self::Bash,
            Shell::Zsh => Self::Zsh,
            Shell::Fish => Self::Fish,
        }
    }
}

/// The completion script for `shell`, as bytes.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    // Into a buffer first: clap_complete panics on a write error, and a
    // closed pipe (`pgtls completions bash | head`) must not panic.
    clap_complete::generate(
        clap_complete::Shell::from(shell),
        &mut Cli::command(),
        "pgtls",
        &mut buf,
    );
    buf
}

pub fn run(_global: &GlobalArgs, args: &CompletionsArgs) -> anyhow::Result<u8> {
    let text = String::from_utf8(script(args.shell))?;
    print(&text)?;
    Ok(0)
}
