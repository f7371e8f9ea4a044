//! The finding: what every command reports, independent of the output language.

use std::collections::BTreeMap;

use pgtls_catalogue::{Code, Diagnosis, Lang, Leg, Origin};

use crate::edit::Edit;

/// A text a rule computed, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub(crate) en: String,
    pub(crate) ja: String,
}

impl Msg {
    /// Only the typed tables of [`crate::text`] (and the catalogue's own
    /// templates) build a message from its wordings.
    pub(crate) fn from_languages(en: String, ja: String) -> Msg {
        Msg { en, ja }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ja => &self.ja,
        }
    }
}

/// One observation that supports a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Who printed or produced it, when known.
    pub origin: Option<Origin>,
    /// The observed text (a log line, a handshake message, a file excerpt).
    pub text: String,
    /// Where: `file:line`, a probe step, a target.
    pub location: Option<String>,
}

/// A diagnosis made by a rule, with its evidence.
#[derive(Debug, Clone)]
pub struct Finding {
    pub diagnosis: &'static Diagnosis,
    /// Other codes the evidence is also consistent with.
    pub alternatives: Vec<Code>,
    pub evidence: Vec<Evidence>,
    /// Facts parsed from the evidence (TLS ranges, file names, user names…).
    pub facts: BTreeMap<String, String>,
    /// What this particular evidence means, beyond the catalogue's cause.
    pub reading: Option<Msg>,
    /// When the same evidence has several readings: the condition under
    /// which this one holds (e.g. "if this line is from the server log").
    pub condition: Option<Msg>,
    /// Notes computed from the facts (e.g. both TLS ranges).
    pub notes: Vec<Msg>,
    /// Concrete fix steps computed from the facts, shown before the
    /// catalogue's generic steps.
    pub fix: Vec<Msg>,
    /// The catalogue's fix steps (by index) that the computed ones already
    /// say for this evidence, or contradict (a generic value that is the
    /// failing one): they are not shown.
    pub covered: Vec<usize>,
    /// The same fix as data, where pgtls can compute it.
    pub edits: Vec<Edit>,
    /// The target (host:port) or input this finding is about, when a
    /// command handles several.
    pub target: Option<String>,
    /// With a pooler between client and PostgreSQL: the leg that failed.
    pub leg: Option<Leg>,
}

impl Finding {
    pub fn new(diagnosis: &'static Diagnosis) -> Finding {
        Finding {
            diagnosis,
            alternatives: Vec::new(),
            evidence: Vec::new(),
            facts: BTreeMap::new(),
            reading: None,
            condition: None,
            notes: Vec::new(),
            fix: Vec::new(),
            covered: Vec::new(),
            edits: Vec::new(),
            target: None,
            leg: None,
        }
    }

    pub fn code(&self) -> &'static str {
        self.diagnosis.code
    }

    /// The code as a type.
    pub fn id(&self) -> Code {
        self.diagnosis.id
    }

    /// Marks catalogue fix steps as said (or contradicted) by the computed
    /// ones.
    pub fn cover(&mut self, steps: &[usize]) {
        for s in steps {
            if !self.covered.contains(s) {
                self.covered.push(*s);
            }
        }
    }
}
