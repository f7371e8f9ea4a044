//! The renderers' own words (section headings and the like) in both languages.

use pgtls_catalogue::Lang;

const LABELS: &[(&str, &str, &str)] = &[
    ("side", "who", "拒否した側"),
    ("evidence", "evidence", "根拠"),
    ("meaning", "meaning", "意味"),
    ("cause", "cause", "原因"),
    ("fix", "fix", "対処"),
    ("alternatives", "also consistent with", "他の可能性"),
    ("target", "target", "対象"),
    ("in_seed", "listed on the Kong PostgreSQL TLS troubleshooting page", "Kong の PostgreSQL TLS トラブルシューティングのページに記載"),
    ("lines", "lines that identify it", "この診断を示す行"),
    ("nothing_matched", "no known PostgreSQL TLS failure matched this text", "既知の PostgreSQL TLS の失敗に一致しませんでした"),
    ("nothing_matched_hint", "paste one whole line as printed (server log with its prefix, a psql error, a Kong `failed to retrieve PostgreSQL server_version_num:` line), or run `pgtls explain` for the list of codes", "表示されたままの 1 行を貼り付けてください (プレフィックス付きのサーバーログ、psql のエラー、Kong の `failed to retrieve PostgreSQL server_version_num:` の行)。コードの一覧は `pgtls explain` で表示できます"),
    ("readings", "this line reads differently depending on which side printed it; the log it came from decides", "この行はどちらの側が出力したかで意味が変わります。出力元のログで判断してください"),
    ("unknown_code", "no such diagnosis code", "その診断コードはありません"),
];

/// The label `key` in `lang`; the key itself when unknown (a programming error
/// that tests catch, never a panic).
pub fn label(key: &str, lang: Lang) -> &str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, en, ja)| match lang {
            Lang::En => *en,
            Lang::Ja => *ja,
        })
        .unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_both_languages() {
        for (key, en, ja) in LABELS {
            assert!(!en.is_empty(), "{key}");
            assert!(!ja.is_empty() && !ja.is_ascii(), "{key}");
        }
    }
}
