//! What a pg_ident.conf fix says when the server's version decides how its
//! line reads.

use super::Localized;

pub enum IdentText<'a> {
    /// A database user starting with a slash: 16 and later read it as a
    /// regular expression, 12 to 15 as the name, so no line suits both.
    SlashUserNeedsVersion { user: &'a str },
}

impl Localized for IdentText<'_> {
    fn en(&self) -> String {
        match self {
            IdentText::SlashUserNeedsVersion { user } => format!(
                "the line is written for PostgreSQL 16 and later, which read a database user starting with a slash as a regular expression; on 12 to 15 write \"{user}\" as it is (give --pg-version to have it written for the server's version)"
            ),
        }
    }

    fn ja(&self) -> String {
        match self {
            IdentText::SlashUserNeedsVersion { user } => format!(
                "この行は PostgreSQL 16 以降向けです。16 以降はスラッシュで始まるデータベースユーザーを正規表現として読みます。12 から 15 では \"{user}\" をそのまま書きます (--pg-version を指定するとサーバーのバージョンに合わせて書きます)"
            ),
        }
    }
}
