//! Renderers: findings and catalogue entries as text for people and as JSON
//! for programs, in the language the user asked for.
//!
//! Rules produce language-neutral findings; this is the only place that
//! picks English or Japanese and lays text out, so every command reads the
//! same and the JSON contract of product.md is kept in one spot.

use pgtls_catalogue::{all, patterns_for, Diagnosis, Lang, Severity, CONTINUATIONS};
use pgtls_diagnose::{Finding, Msg};

pub mod json;
mod labels;
pub mod style;
pub mod wrap;

pub use json::{
    CertJson, DiagnosisDocJson, DiagnosisSummaryJson, EditJson, FindingJson, NoFindings,
};
pub use labels::{label, Label};
pub use style::Style;

/// A finding's fix steps: the computed ones first, then the catalogue's
/// that they do not already say, each said once.
fn fix_steps(finding: &Finding, lang: Lang) -> Vec<&str> {
    let mut steps: Vec<&str> = Vec::new();
    let computed = finding.fix.iter().map(|m| m.get(lang));
    let generic = finding
        .diagnosis
        .fix
        .iter()
        .enumerate()
        .filter(|(i, _)| !finding.covered.contains(i))
        .map(|(_, t)| t.get(lang));
    for step in computed.chain(generic) {
        if !steps.contains(&step) {
            steps.push(step);
        }
    }
    steps
}

fn severity_word(severity: Severity, lang: Lang) -> &'static str {
    match (severity, lang) {
        (Severity::Error, Lang::En) => "error",
        (Severity::Warning, Lang::En) => "warning",
        (Severity::Info, Lang::En) => "info",
        (Severity::Error, Lang::Ja) => "エラー",
        (Severity::Warning, Lang::Ja) => "警告",
        (Severity::Info, Lang::Ja) => "情報",
    }
}

fn severity_paint(style: &Style, severity: Severity, text: &str) -> String {
    match severity {
        Severity::Error => style.red(text),
        Severity::Warning => style.yellow(text),
        Severity::Info => style.dim(text),
    }
}

fn side_text(d: &Diagnosis, lang: Lang) -> &'static str {
    use pgtls_catalogue::Side;
    match (d.side, lang) {
        (Side::Server, Lang::En) => "the server rejected",
        (Side::Client, Lang::En) => "the client rejected",
        (Side::Both, Lang::En) => "both sides are involved",
        (Side::None, Lang::En) => "no side rejected",
        (Side::Server, Lang::Ja) => "サーバー側が拒否",
        (Side::Client, Lang::Ja) => "クライアント側が拒否",
        (Side::Both, Lang::Ja) => "両側が関係",
        (Side::None, Lang::Ja) => "どちらも拒否していない",
    }
}

/// One finding as text: title first, fix last, where the eye lands.
pub fn finding_text(finding: &Finding, lang: Lang, style: &Style) -> String {
    let d = finding.diagnosis;
    let mut out = String::new();
    let head = format!(
        "{} {} [{}] {}",
        style.bold(d.code),
        d.name,
        severity_paint(style, d.severity, severity_word(d.severity, lang)),
        d.title.get(lang)
    );
    out.push_str(&head);
    out.push('\n');
    if let Some(target) = &finding.target {
        out.push_str(&format!("  {}: {}\n", label(Label::Target, lang), target));
    }
    if let Some(condition) = &finding.condition {
        out.push_str(&format!(
            "  {} {}\n",
            style.yellow("?"),
            condition.get(lang)
        ));
    }
    out.push_str(&format!(
        "  {}: {}\n",
        label(Label::Side, lang),
        side_text(d, lang)
    ));
    if let Some(leg) = finding.leg {
        out.push_str(&format!(
            "  {}: {}\n",
            label(Label::Leg, lang),
            leg.describe().get(lang)
        ));
    }
    if !finding.evidence.is_empty() {
        out.push_str(&format!("  {}:\n", label(Label::Evidence, lang)));
        for e in &finding.evidence {
            let mut line = String::from("    ");
            if let Some(loc) = &e.location {
                line.push_str(&style.dim(&format!("{loc}: ")));
            }
            line.push_str(&e.text);
            if let Some(origin) = e.origin {
                line.push_str(&style.dim(&format!("  ({})", origin.describe().get(lang))));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    if let Some(reading) = &finding.reading {
        out.push_str(&format!(
            "  {}: {}\n",
            label(Label::Meaning, lang),
            reading.get(lang)
        ));
    }
    for note in &finding.notes {
        out.push_str(&format!("  - {}\n", note.get(lang)));
    }
    out.push_str(&format!(
        "  {}: {}\n",
        label(Label::Cause, lang),
        d.cause.get(lang)
    ));
    if !finding.alternatives.is_empty() {
        let alts: Vec<String> = finding
            .alternatives
            .iter()
            .map(|code| {
                let a = code.diagnosis();
                format!("{} ({})", a.code, a.title.get(lang))
            })
            .collect();
        out.push_str(&format!("  {}:\n", label(Label::Alternatives, lang)));
        for alt in alts {
            out.push_str(&format!("    {alt}\n"));
        }
    }
    out.push_str(&format!("  {}:\n", style.green(label(Label::Fix, lang))));
    for (i, step) in fix_steps(finding, lang).into_iter().enumerate() {
        out.push_str(&format!("    {}. {}\n", i + 1, step));
    }
    out
}

/// Several findings separated by blank lines.
pub fn findings_text(findings: &[Finding], lang: Lang, style: &Style) -> String {
    findings
        .iter()
        .map(|f| finding_text(f, lang, style))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `pgtls explain CODE`: the entry's full documentation.
pub fn diagnosis_doc_text(d: &Diagnosis, lang: Lang, style: &Style) -> String {
    let mut out = format!(
        "{} {} [{}]\n{}\n\n",
        style.bold(d.code),
        d.name,
        severity_paint(style, d.severity, severity_word(d.severity, lang)),
        d.title.get(lang)
    );
    out.push_str(&format!(
        "{}: {}\n",
        label(Label::Side, lang),
        side_text(d, lang)
    ));
    if d.in_seed {
        out.push_str(&format!("{}\n", label(Label::InSeed, lang)));
    }
    out.push_str(&format!(
        "\n{}:\n  {}\n",
        label(Label::Cause, lang),
        d.cause.get(lang)
    ));
    out.push_str(&format!("\n{}:\n", style.green(label(Label::Fix, lang))));
    for (i, step) in d.fix.iter().enumerate() {
        out.push_str(&format!("  {}. {}\n", i + 1, step.get(lang)));
    }
    let patterns: Vec<_> = patterns_for(d.code).collect();
    if !patterns.is_empty() {
        out.push_str(&format!("\n{}:\n", label(Label::Lines, lang)));
        for p in patterns {
            let origins: Vec<&str> = p.origins.iter().map(|o| o.describe().get(lang)).collect();
            out.push_str(&format!(
                "  [{}] {}\n",
                origins.join(", "),
                p.reading.get(lang)
            ));
            for example in p.examples {
                out.push_str(&format!("    {}\n", style.dim(example)));
            }
            if !p.alternatives.is_empty() {
                out.push_str(&format!(
                    "    {}: {}\n",
                    label(Label::Alternatives, lang),
                    p.alternatives
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    let continuations: Vec<_> = CONTINUATIONS
        .iter()
        .filter(|c| c.implies == Some(d.id))
        .collect();
    for c in continuations {
        for example in c.examples {
            out.push_str(&format!("    {}\n", style.dim(example)));
        }
    }
    out
}

/// The catalogue as a Markdown table (the README's copy is generated from this).
pub fn catalogue_markdown() -> String {
    let mut out = String::from(
        "| code | name | severity | side | title | 日本語 |\n|---|---|---|---|---|---|\n",
    );
    for d in all() {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            d.code,
            d.name,
            d.severity.as_str(),
            d.side.as_str(),
            d.title.en,
            d.title.ja
        ));
    }
    out
}

/// A computed message in the chosen language.
pub fn msg(m: &Msg, lang: Lang) -> &str {
    m.get(lang)
}

#[cfg(test)]
mod fix_tests {
    use super::*;
    use pgtls_catalogue::Code;

    use pgtls_catalogue::Text;
    use pgtls_diagnose::Localized;

    /// A computed step, and a computed copy of the catalogue's own step.
    enum Step {
        TurnItOn,
        Catalogue(Text),
    }

    impl Localized for Step {
        fn en(&self) -> String {
            match self {
                Step::TurnItOn => "turn it on".into(),
                Step::Catalogue(t) => t.en.into(),
            }
        }

        fn ja(&self) -> String {
            match self {
                Step::TurnItOn => "有効にします".into(),
                Step::Catalogue(t) => t.ja.into(),
            }
        }
    }

    #[test]
    fn a_fix_step_is_said_once() {
        let d = Code::ServerSslDisabled.diagnosis();
        let mut f = Finding::new(d);
        let generic = d.fix[0];
        f.fix.push(Step::TurnItOn.msg());
        f.fix.push(Step::TurnItOn.msg());
        f.fix.push(Step::Catalogue(generic).msg());
        let steps = fix_steps(&f, Lang::En);
        assert_eq!(steps.len(), 1 + d.fix.len(), "{steps:?}");
        assert_eq!(steps[0], "turn it on");
        assert_eq!(steps.iter().filter(|s| **s == generic.en).count(), 1);
        let json = serde_json::to_value(FindingJson::of(&f, Lang::En)).unwrap();
        assert_eq!(json["fix"].as_array().map(Vec::len), Some(steps.len()));
    }
}
