//! `pgtls explain TEXT|CODE`: one pasted line (or a few) to a diagnosis, or a
//! code to its documentation. Exits 0 whenever it ran, matched or not.

use std::io::Read;

use anyhow::Context;
use pgtls_catalogue::{all, lookup};
use pgtls_diagnose::explain::explain_text;
use pgtls_render::{
    diagnosis_doc_text, findings_text, label, DiagnosisDocJson, DiagnosisSummaryJson, FindingJson,
    Label, NoFindings,
};
use serde::Serialize;

use crate::cli::{Format, GlobalArgs};

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The text (words are joined with spaces), a code, or `-` for standard
    /// input. Flags may follow it (`pgtls explain '...' --lang ja`); a text
    /// that itself starts with `-` goes after `--`.
    #[arg(value_name = "TEXT-OR-CODE", num_args = 0..)]
    pub input: Vec<String>,
}
use crate::output::{lang, print_json, print_text, style};

/// Standard input beyond this is not a pasted error line; reading stops there.
const MAX_STDIN: u64 = 64 * 1024 * 1024;

/// `explain CODE --format json`.
#[derive(Serialize)]
struct CodeDoc {
    diagnosis: DiagnosisDocJson,
}

/// `explain TEXT --format json`.
#[derive(Serialize)]
struct Explained<'a> {
    matched: bool,
    findings: Vec<FindingJson<'a>>,
}

/// `explain --format json` with nothing to explain: every code.
#[derive(Serialize)]
struct CodeList {
    diagnoses: Vec<DiagnosisSummaryJson>,
}

fn looks_like_code(text: &str) -> bool {
    let t = text.trim();
    let digits = t
        .strip_prefix("PGTLS")
        .or_else(|| t.strip_prefix("pgtls"))
        .unwrap_or(t);
    // A bare number is a code only with its PGTLS prefix: `explain 5` would be
    // too easy to mistake for text.
    t.len() > digits.len()
        && !digits.is_empty()
        && digits.len() <= 3
        && digits.bytes().all(|b| b.is_ascii_digit())
}

pub fn run(global: &GlobalArgs, args: &ExplainArgs) -> anyhow::Result<u8> {
    let lang = lang(global);
    let style = style();

    let input = if args.input.len() == 1 && args.input[0] == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(MAX_STDIN)
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        args.input.join(" ")
    };

    if input.trim().is_empty() {
        return list_codes(global, lang);
    }

    if looks_like_code(&input) {
        return match lookup(&input) {
            Some(d) => {
                match global.format {
                    Format::Json => print_json(&NoFindings::new(CodeDoc {
                        diagnosis: DiagnosisDocJson::of(d, lang),
                    }))?,
                    Format::Text => print_text(&diagnosis_doc_text(d, lang, &style))?,
                }
                Ok(0)
            }
            None => {
                anyhow::bail!("{}: {}", label(Label::UnknownCode, lang), input.trim());
            }
        };
    }

    let findings = explain_text(&input);
    match global.format {
        Format::Json => {
            print_json(&Explained {
                matched: !findings.is_empty(),
                findings: FindingJson::all(&findings, lang),
            })?;
        }
        Format::Text => {
            if findings.is_empty() {
                print_text(&format!(
                    "{}\n{}",
                    label(Label::NothingMatched, lang),
                    label(Label::NothingMatchedHint, lang)
                ))?;
            } else {
                let mut text = String::new();
                let conditional: Vec<_> =
                    findings.iter().filter(|f| f.condition.is_some()).collect();
                if !conditional.is_empty() {
                    // Readings that differ only by leg are pgbouncer's, not the mirror.
                    let by_leg = conditional.iter().all(|f| f.leg.is_some());
                    text.push_str(label(
                        if by_leg {
                            Label::LegReadings
                        } else {
                            Label::Readings
                        },
                        lang,
                    ));
                    text.push_str("\n\n");
                }
                text.push_str(&findings_text(&findings, lang, &style));
                print_text(&text)?;
            }
        }
    }
    Ok(0)
}

fn list_codes(global: &GlobalArgs, lang: pgtls_catalogue::Lang) -> anyhow::Result<u8> {
    match global.format {
        Format::Json => {
            print_json(&NoFindings::new(CodeList {
                diagnoses: all()
                    .iter()
                    .map(|d| DiagnosisSummaryJson::of(d, lang))
                    .collect(),
            }))?;
        }
        Format::Text => {
            let text: String = all()
                .iter()
                .map(|d| format!("{}  {:<34} {}\n", d.code, d.name, d.title.get(lang)))
                .collect();
            print_text(&text)?;
        }
    }
    Ok(0)
}
