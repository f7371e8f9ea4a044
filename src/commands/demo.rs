//! `pgtls demo`: every failure of the seed troubleshooting page, live, on a
//! throwaway PostgreSQL; the work is in the `pgtls-demo` crate, this module
//! prints its progress as it goes and the summary at the end.

use std::io::Write;

use pgtls_demo::demo::{
    heading_text, progress_line, ready_text, report_json, scenario_text, start_text, summary_text,
    DemoOptions, Progress,
};

use crate::cli::{Format, GlobalArgs};
use crate::output::{lang, print_json, print_text, style};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Run only this scenario (a code such as PGTLS005; repeatable). All nine by default.
    #[arg(long, value_name = "CODE")]
    pub only: Vec<String>,
    /// Run the failures on PostgreSQL N (12-18, the lab's packaged build
    /// from `lab/fetch-postgres.sh N`) instead of the local installation.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(12..=18))]
    pub pg_version: Option<u32>,
}

fn eprint(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}

pub fn run(global: &GlobalArgs, args: &DemoArgs) -> anyhow::Result<u8> {
    let lang = lang(global);
    let style = style();
    let json = global.format == Format::Json;
    for code in &args.only {
        let known = pgtls_catalogue::lookup(code)
            .is_some_and(|d| pgtls_demo::demo::SCENARIOS.iter().any(|s| s.code == d.code));
        if !known {
            anyhow::bail!("--only {code}: the demo's scenarios are PGTLS001 to PGTLS009");
        }
    }
    let options = DemoOptions {
        japanese: lang == pgtls_catalogue::Lang::Ja,
        only: args.only.clone(),
        pg_version: args.pg_version,
    };
    let mut print_error: Option<anyhow::Error> = None;
    let mut show = |text: &str| {
        if json {
            eprint(text);
        } else if print_error.is_none() {
            if let Err(e) = print_text(text) {
                print_error = Some(e);
            }
        }
    };
    let result = pgtls_demo::demo::run(&options, &mut |p| match p {
        Progress::Starting => show(&start_text(lang, args.pg_version)),
        Progress::Ready(ready) => show(&ready_text(ready, lang, &style)),
        Progress::ScenarioStarted {
            index,
            total,
            scenario,
        } => {
            if !json {
                show(&heading_text(index, total, scenario.code, lang, &style));
            }
        }
        Progress::ScenarioFinished {
            index,
            total,
            result,
        } => {
            if json {
                show(&progress_line(index, total, result, lang));
            } else {
                show(&scenario_text(result, lang, &style));
            }
        }
    });
    if let Some(e) = print_error {
        return Err(e);
    }
    let report = result.map_err(|e| anyhow::anyhow!(e.message(lang)))?;
    if json {
        print_json(&report_json(&report, lang))?;
    } else {
        print_text(&summary_text(&report, lang, &style))?;
    }
    Ok(if report.passed() { 0 } else { 1 })
}
