//! The renderers' own words (section headings and the like) in both languages.

use pgtls_catalogue::{Lang, Text};

/// A word or sentence of the renderers' own, named by what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Side,
    Leg,
    Evidence,
    Meaning,
    Cause,
    Fix,
    Alternatives,
    Target,
    InSeed,
    Lines,
    NothingMatched,
    NothingMatchedHint,
    Readings,
    LegReadings,
    UnknownCode,
}

impl Label {
    /// Every label, for the tidy test.
    pub const ALL: [Label; 15] = [
        Label::Side,
        Label::Leg,
        Label::Evidence,
        Label::Meaning,
        Label::Cause,
        Label::Fix,
        Label::Alternatives,
        Label::Target,
        Label::InSeed,
        Label::Lines,
        Label::NothingMatched,
        Label::NothingMatchedHint,
        Label::Readings,
        Label::LegReadings,
        Label::UnknownCode,
    ];

    /// The label in both languages.
    pub fn text(self) -> Text {
        let (en, ja) = match self {
            Label::Side => (
                "who",
                "拒否した側",
            ),
            Label::Leg => (
                "leg",
                "区間",
            ),
            Label::Evidence => (
                "evidence",
                "根拠",
            ),
            Label::Meaning => (
                "meaning",
                "意味",
            ),
            Label::Cause => (
                "cause",
                "原因",
            ),
            Label::Fix => (
                "fix",
                "対処",
            ),
            Label::Alternatives => (
                "also consistent with",
                "他の可能性",
            ),
            Label::Target => (
                "target",
                "対象",
            ),
            Label::InSeed => (
                "listed on the Kong PostgreSQL TLS troubleshooting page",
                "Kong の PostgreSQL TLS トラブルシューティングのページに記載",
            ),
            Label::Lines => (
                "lines that identify it",
                "この診断を示す行",
            ),
            Label::NothingMatched => (
                "no known PostgreSQL TLS failure matched this text",
                "既知の PostgreSQL TLS の失敗に一致しませんでした",
            ),
            Label::NothingMatchedHint => (
                "paste one whole line as printed (server log with its prefix, a psql error, a Kong `failed to retrieve PostgreSQL server_version_num:` line), or run `pgtls explain` for the list of codes",
                "表示されたままの 1 行を貼り付けてください (プレフィックス付きのサーバーログ、psql のエラー、Kong の `failed to retrieve PostgreSQL server_version_num:` の行)。コードの一覧は `pgtls explain` で表示できます",
            ),
            Label::Readings => (
                "this line reads differently depending on which side printed it; the log it came from decides",
                "この行はどちらの側が出力したかで意味が変わります。出力元のログで判断してください",
            ),
            Label::LegReadings => (
                "this pgbouncer line reads differently on its two legs; the line after it in pgbouncer's log decides",
                "この pgbouncer の行は 2 つの区間で意味が変わります。pgbouncer のログでその次の行を見て判断してください",
            ),
            Label::UnknownCode => (
                "no such diagnosis code",
                "その診断コードはありません",
            ),
        };
        Text { en, ja }
    }
}

/// The label in `lang`.
pub fn label(label: Label, lang: Lang) -> &'static str {
    label.text().get(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_both_languages() {
        for l in Label::ALL {
            let t = l.text();
            assert!(!t.en.is_empty(), "{l:?}");
            assert!(!t.ja.is_empty() && !t.ja.is_ascii(), "{l:?}");
        }
    }
}
