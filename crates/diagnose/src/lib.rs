//! Rules that turn observations into findings.
//!
//! Observations come from the other layers (a pasted line, a log entry, a
//! probe trace, a configuration file); a finding is data, never an error: it
//! carries a catalogue code, the evidence that decided it, the facts parsed
//! on the way and concrete fix steps. Language is chosen later, by the
//! renderers, so every text a rule computes is kept in both languages.

pub mod certinfo;
pub mod check_rules;
pub mod edit;
pub mod envelope;
pub mod explain;
mod finding;
pub mod logs_rules;
mod matcher;
mod probe_legs;
pub mod probe_rules;
pub mod scan_rules;
pub mod text;
pub mod trust;
pub mod verify_result;

pub use edit::{Applicability, Edit, EditKind, Then};
pub use finding::{Evidence, Finding, Msg};
pub use matcher::{matcher, Matcher, Reading};
pub use text::Localized;
