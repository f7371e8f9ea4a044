//! The JSON contract of product.md as types: a finding, its evidence and
//! edits, a catalogue entry and a certificate, each defined once and
//! serialized by every command that prints one, so that a field cannot be
//! spelt or shaped two ways.
//!
//! Keys come out sorted, as they always have: documents go through
//! serde_json's `Value`, whose map keeps keys in order ([`to_pretty`],
//! [`to_line`]), so a struct lists its fields in the order that reads best
//! and `#[serde(flatten)]` can add a command's fields to a shared shape.

use pgtls_catalogue::{patterns_for, Diagnosis, Lang, Pattern};
use pgtls_diagnose::certinfo::CertInfo;
use pgtls_diagnose::{Edit, EditKind, Evidence, Finding};
use serde::Serialize;

/// A document as indented JSON, keys sorted.
pub fn to_pretty(doc: &impl Serialize) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&serde_json::to_value(doc)?)
}

/// A document as one line of JSON (`--format jsonl`, `logs --follow`),
/// keys sorted.
pub fn to_line(doc: &impl Serialize) -> serde_json::Result<String> {
    serde_json::to_string(&serde_json::to_value(doc)?)
}

/// A document whose only finding list is empty: commands that describe
/// rather than diagnose still carry `findings`, as product.md asks.
#[derive(Debug, Serialize)]
pub struct NoFindings<T: Serialize> {
    #[serde(flatten)]
    pub doc: T,
    pub findings: [FindingJson<'static>; 0],
}

impl<T: Serialize> NoFindings<T> {
    pub fn new(doc: T) -> Self {
        NoFindings { doc, findings: [] }
    }
}

/// A path as every document shows it: lossily, never refused.
fn shown(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// product.md's edit: `kind`, the fields of that kind, `applicability` and
/// `then`.
#[derive(Debug, Serialize)]
pub struct EditJson<'a> {
    pub kind: &'static str,
    #[serde(flatten)]
    pub fields: EditFields<'a>,
    pub applicability: &'static str,
    pub then: &'static str,
}

/// The fields of each kind of edit.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum EditFields<'a> {
    Setting {
        file: String,
        line: Option<usize>,
        key: &'a str,
        before: Option<&'a str>,
        after: &'a str,
    },
    IniSetting {
        file: String,
        line: Option<usize>,
        section: &'a str,
        after_line: Option<usize>,
        key: &'a str,
        before: Option<&'a str>,
        after: &'a str,
    },
    /// A pg_hba.conf or pg_ident.conf line.
    Line {
        file: String,
        line: Option<usize>,
        before: Option<&'a str>,
        after: &'a str,
    },
    Conninfo {
        key: &'a str,
        before: Option<&'a str>,
        after: &'a str,
    },
    FileMode {
        file: String,
        owner: Option<&'a str>,
        group: Option<&'a str>,
        /// Octal, as chmod takes it (`"0600"`).
        mode: Option<String>,
    },
    FileContent {
        file: String,
        content: &'a str,
    },
    Command {
        command: &'a str,
    },
}

impl<'a> EditJson<'a> {
    pub fn of(edit: &'a Edit) -> Self {
        let fields = match &edit.kind {
            EditKind::Setting {
                file,
                line,
                key,
                before,
                after,
            } => EditFields::Setting {
                file: shown(file),
                line: *line,
                key,
                before: before.as_deref(),
                after,
            },
            EditKind::IniSetting {
                file,
                section,
                line,
                after_line,
                key,
                before,
                after,
            } => EditFields::IniSetting {
                file: shown(file),
                line: *line,
                section,
                after_line: *after_line,
                key,
                before: before.as_deref(),
                after,
            },
            EditKind::HbaLine {
                file,
                line,
                before,
                after,
            }
            | EditKind::IdentLine {
                file,
                line,
                before,
                after,
            } => EditFields::Line {
                file: shown(file),
                line: *line,
                before: before.as_deref(),
                after,
            },
            EditKind::Conninfo { key, before, after } => EditFields::Conninfo {
                key,
                before: before.as_deref(),
                after,
            },
            EditKind::FileMode {
                file,
                owner,
                group,
                mode,
            } => EditFields::FileMode {
                file: shown(file),
                owner: owner.as_deref(),
                group: group.as_deref(),
                mode: mode.map(|m| format!("{m:04o}")),
            },
            EditKind::FileContent { file, content } => EditFields::FileContent {
                file: shown(file),
                content,
            },
            EditKind::Command { command } => EditFields::Command { command },
        };
        EditJson {
            kind: edit.kind.name(),
            fields,
            applicability: edit.applicability.as_str(),
            then: edit.then.as_str(),
        }
    }
}

/// One observation behind a finding.
#[derive(Debug, Serialize)]
pub struct EvidenceJson<'a> {
    /// Who printed it (`server-log`, `psql`…), when known.
    pub source: Option<&'static str>,
    pub text: &'a str,
    pub location: Option<&'a str>,
}

impl<'a> EvidenceJson<'a> {
    pub fn of(e: &'a Evidence) -> Self {
        EvidenceJson {
            source: e.origin.map(|o| o.as_str()),
            text: &e.text,
            location: e.location.as_deref(),
        }
    }
}

/// product.md's finding. The optional fields are absent, not null, when a
/// finding has none.
#[derive(Debug, Serialize)]
pub struct FindingJson<'a> {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub title: &'static str,
    pub side: &'static str,
    pub cause: &'static str,
    pub evidence: Vec<EvidenceJson<'a>>,
    pub fix: Vec<&'a str>,
    pub alternatives: Vec<&'static str>,
    pub facts: &'a std::collections::BTreeMap<String, String>,
    pub edits: Vec<EditJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leg: Option<&'static str>,
}

impl<'a> FindingJson<'a> {
    pub fn of(finding: &'a Finding, lang: Lang) -> Self {
        let d = finding.diagnosis;
        FindingJson {
            code: d.code,
            name: d.name,
            severity: d.severity.as_str(),
            title: d.title.get(lang),
            side: d.side.as_str(),
            cause: d.cause.get(lang),
            evidence: finding.evidence.iter().map(EvidenceJson::of).collect(),
            fix: crate::fix_steps(finding, lang),
            alternatives: finding.alternatives.iter().map(|c| c.as_str()).collect(),
            facts: &finding.facts,
            edits: finding.edits.iter().map(EditJson::of).collect(),
            reading: finding.reading.as_ref().map(|m| m.get(lang)),
            condition: finding.condition.as_ref().map(|m| m.get(lang)),
            notes: finding.notes.iter().map(|n| n.get(lang)).collect(),
            target: finding.target.as_deref(),
            leg: finding.leg.map(|l| l.as_str()),
        }
    }

    /// Every finding of a list, in the chosen language.
    pub fn all(findings: impl IntoIterator<Item = &'a Finding>, lang: Lang) -> Vec<Self> {
        findings.into_iter().map(|f| Self::of(f, lang)).collect()
    }
}

/// A catalogue entry in a list of codes (`pgtls explain` with nothing to
/// explain).
#[derive(Debug, Serialize)]
pub struct DiagnosisSummaryJson {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub side: &'static str,
    pub title: &'static str,
}

impl DiagnosisSummaryJson {
    pub fn of(d: &Diagnosis, lang: Lang) -> Self {
        DiagnosisSummaryJson {
            code: d.code,
            name: d.name,
            severity: d.severity.as_str(),
            side: d.side.as_str(),
            title: d.title.get(lang),
        }
    }
}

/// A catalogue entry with its documentation (`pgtls explain CODE`).
#[derive(Debug, Serialize)]
pub struct DiagnosisDocJson {
    #[serde(flatten)]
    pub summary: DiagnosisSummaryJson,
    pub cause: &'static str,
    pub fix: Vec<&'static str>,
    pub in_seed: bool,
    pub patterns: Vec<PatternJson>,
}

/// One line shape that leads to a code.
#[derive(Debug, Serialize)]
pub struct PatternJson {
    pub id: &'static str,
    /// Who prints such a line.
    pub printers: Vec<&'static str>,
    pub reading: &'static str,
    pub examples: &'static [&'static str],
    pub alternatives: Vec<&'static str>,
}

impl PatternJson {
    fn of(p: &'static Pattern, lang: Lang) -> Self {
        PatternJson {
            id: p.id,
            printers: p.origins.iter().map(|o| o.as_str()).collect(),
            reading: p.reading.get(lang),
            examples: p.examples,
            alternatives: p.alternatives.iter().map(|c| c.as_str()).collect(),
        }
    }
}

impl DiagnosisDocJson {
    pub fn of(d: &Diagnosis, lang: Lang) -> Self {
        DiagnosisDocJson {
            summary: DiagnosisSummaryJson::of(d, lang),
            cause: d.cause.get(lang),
            fix: d.fix.iter().map(|t| t.get(lang)).collect(),
            in_seed: d.in_seed,
            patterns: patterns_for(d.code)
                .map(|p| PatternJson::of(p, lang))
                .collect(),
        }
    }
}

/// A certificate of a chain, as probe and scan show it. It owns its text,
/// so that a document can describe a chain it has only just read.
#[derive(Debug, Serialize)]
pub struct CertJson {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    pub days_left: Option<i64>,
    pub key: String,
    pub signature: String,
    pub sha256: String,
    /// What only scan, which describes a server's chain for its own sake,
    /// adds.
    #[serde(flatten)]
    pub detail: Option<CertDetailJson>,
}

/// The serial number and whether the certificate is a CA.
#[derive(Debug, Serialize)]
pub struct CertDetailJson {
    pub serial: String,
    pub is_ca: bool,
}

impl CertJson {
    /// The fields probe shows.
    pub fn of(info: &CertInfo) -> Self {
        CertJson {
            subject: info.subject.clone(),
            issuer: info.issuer.clone(),
            sans: info.sans.clone(),
            not_before: info.not_before.clone(),
            not_after: info.not_after.clone(),
            days_left: info.days_left,
            key: info.key.clone(),
            signature: info.signature.clone(),
            sha256: info.sha256.clone(),
            detail: None,
        }
    }

    /// With the serial number and the CA flag, as scan shows it.
    pub fn detailed(info: &CertInfo) -> Self {
        CertJson {
            detail: Some(CertDetailJson {
                serial: info.serial.clone(),
                is_ca: info.is_ca,
            }),
            ..CertJson::of(info)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgtls_catalogue::Code;
    use pgtls_diagnose::{Applicability, Then};

    /// The top-level keys of a one-level-indented document, in print order.
    fn keys(pretty: &str) -> Vec<&str> {
        pretty
            .lines()
            .filter_map(|l| l.strip_prefix("  \""))
            .filter_map(|l| l.split('"').next())
            .collect()
    }

    #[test]
    fn keys_print_sorted_whatever_the_declaration_order() {
        let mut f = Finding::new(Code::ServerSslDisabled.diagnosis());
        f.target = Some("db:5432".into());
        f.edits.push(Edit::new(
            EditKind::Conninfo {
                key: "sslmode".into(),
                before: None,
                after: "verify-full".into(),
            },
            Applicability::MachineApplicable,
            Then::Reconnect,
        ));
        let text = to_pretty(&FindingJson::of(&f, Lang::En)).unwrap();
        let printed = keys(&text);
        let mut sorted = printed.clone();
        sorted.sort_unstable();
        assert_eq!(printed, sorted, "{text}");
        assert!(printed.contains(&"target") && !printed.contains(&"leg"));
        let doc = to_pretty(&NoFindings::new(EditJson::of(&f.edits[0]))).unwrap();
        assert_eq!(
            keys(&doc),
            [
                "after",
                "applicability",
                "before",
                "findings",
                "key",
                "kind",
                "then"
            ]
        );
        assert!(to_line(&EditJson::of(&f.edits[0]))
            .unwrap()
            .contains("\"before\":null"));
    }
}
