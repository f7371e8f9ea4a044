//! Small text helpers shared by setup and demo: quoting values for the
//! configuration formats they write (postgresql.conf, libpq conninfo), and
//! cutting the lab's `log_line_prefix` off server lines for display.

/// A postgresql.conf string value: single quotes, `'` doubled.
pub(crate) fn conf_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// A libpq keyword=value conninfo value: bare when it needs no quoting,
/// else single quotes with `\` and `'` escaped.
pub(crate) fn conninfo_value(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| !c.is_whitespace() && c != '\'' && c != '\\' && c != '=');
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// The line without the lab's `%m [%p] ` prefix (timestamp, time zone,
/// pid), which is noise in a side-by-side display.
pub(crate) fn strip_log_prefix(line: &str) -> &str {
    let line = line.trim_end();
    if !line.starts_with(|c: char| c.is_ascii_digit()) {
        return line;
    }
    match line.find("] ") {
        Some(i) => &line[i + 2..],
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_values_are_quoted() {
        assert_eq!(conf_quote("/etc/x.crt"), "'/etc/x.crt'");
        assert_eq!(conf_quote("it's"), "'it''s'");
    }

    #[test]
    fn conninfo_values_quote_only_when_needed() {
        assert_eq!(conninfo_value("/etc/x.crt"), "/etc/x.crt");
        assert_eq!(conninfo_value("/my dir/x"), "'/my dir/x'");
        assert_eq!(conninfo_value("a'b"), "'a\\'b'");
        assert_eq!(conninfo_value(""), "''");
    }

    #[test]
    fn log_prefix_is_cut() {
        assert_eq!(
            strip_log_prefix(
                "2026-01-02 03:04:05.678 UTC [42] LOG:  could not accept SSL connection: x"
            ),
            "LOG:  could not accept SSL connection: x"
        );
        assert_eq!(strip_log_prefix("LOG:  hello"), "LOG:  hello");
    }
}
