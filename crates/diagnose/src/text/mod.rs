//! The sentences rules compute from what they read, as typed tables.
//!
//! Each family of rules has one enum whose variants name what a sentence is
//! about and carry the values it quotes. The enum's `en` holds every English
//! wording of the family and its `ja` every Japanese one, so a translation is
//! reviewed in one place beside its siblings, and a sentence that lacks one
//! of its languages does not compile. Rules never spell a sentence inline:
//! they name a variant and turn it into a [`Msg`].

mod auth;
mod check_client;
mod check_server;
mod conn;
mod explain;
mod ident;
mod legs;
mod pooler;
mod probe;
mod scan;
mod setup;

pub use auth::AuthText;
pub use check_client::CheckClientText;
pub use check_server::CheckServerText;
pub use conn::ConnText;
pub use explain::ExplainText;
pub use ident::IdentText;
pub use legs::LegText;
pub use pooler::{PoolerFileText, PoolerText};
pub use probe::ProbeText;
pub use scan::ScanText;
pub use setup::SetupText;

use crate::finding::Msg;

/// A sentence in every output language.
pub trait Localized {
    fn en(&self) -> String;
    fn ja(&self) -> String;

    fn msg(&self) -> Msg {
        Msg::from_languages(self.en(), self.ja())
    }
}

impl<T: Localized> From<T> for Msg {
    fn from(text: T) -> Msg {
        text.msg()
    }
}
