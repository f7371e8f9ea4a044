//! `pgtls man --dir DIR`: one man page per command, rendered from the same
//! clap definitions as `--help`, so the pages and the parser cannot drift.

use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::{Cli, Format, GlobalArgs};
use crate::output::{print, print_json};
use pgtls_render::NoFindings;

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The directory to write pgtls.1 and pgtls-COMMAND.1 into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
}

/// Every man page as (file name, roff text), the top-level page first.
pub fn pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Building propagates the global flags and sets each subcommand's
    // display name (`pgtls-probe`), which names its page.
    cmd.build();
    let mut pages = Vec::new();
    let mut todo = vec![cmd];
    while let Some(cmd) = todo.pop() {
        // Each page names the program and release it documents; clap would
        // put a subcommand's bare name there.
        let man = clap_mangen::Man::new(cmd.clone())
            .source(format!("pgtls {}", env!("CARGO_PKG_VERSION")))
            .manual("pgtls manual");
        let mut roff = Vec::new();
        man.render(&mut roff)?;
        pages.push((man.get_filename(), roff));
        todo.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    }
    pages[1..].sort_by(|a, b| a.0.cmp(&b.0));
    Ok(pages)
}

/// `man --format json`: the pages written.
#[derive(serde::Serialize)]
struct Written {
    files: Vec<String>,
}

pub fn run(global: &GlobalArgs, args: &ManArgs) -> anyhow::Result<u8> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let mut written = Vec::new();
    for (name, roff) in pages()? {
        let path = args.dir.join(&name);
        std::fs::write(&path, roff).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path.display().to_string());
    }
    match global.format {
        Format::Json => print_json(&NoFindings::new(Written { files: written }))?,
        Format::Text => print(&written.join("\n"))?,
    }
    Ok(0)
}
