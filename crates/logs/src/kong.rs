//! Kong and nginx lines: nginx's error.log (`2026/11/28 16:02:11 [error]
//! 1234#0: *5 message, client: ..., context: ngx.timer`), the Kong CLI's
//! output (`Error: [PostgreSQL error] failed to retrieve PostgreSQL
//! server_version_num: certificate verify failed`, `nginx: [error]
//! init_by_lua error: ...`) and Kong's verbose CLI log lines. This is the
//! client side of a failed connection: the half of the story that the
//! server's log does not tell.

use crate::entry::{Entry, Severity, SourceKind};

/// `YYYY/MM/DD HH:MM:SS` at the start of `s`.
pub fn has_nginx_timestamp(s: &[u8]) -> bool {
    let shape = b"dddd/dd/dd dd:dd:dd";
    s.len() >= shape.len()
        && shape.iter().zip(s).all(|(&want, &b)| {
            if want == b'd' {
                b.is_ascii_digit()
            } else {
                b == want
            }
        })
}

/// Whether the text was written by Kong's Lua code rather than nginx itself.
fn attribute(message: &str, context: Option<&str>) -> SourceKind {
    let kongish = |s: &str| {
        s.contains("lua")
            || s.contains("kong")
            || s.contains("Kong")
            || s.contains("[PostgreSQL error]")
            || s.contains("ngx.")
    };
    if kongish(message) || context.is_some_and(kongish) {
        SourceKind::Kong
    } else {
        SourceKind::Nginx
    }
}

/// Splits nginx's trailing `, client: X, server: Y, request: "..."` and
/// lua-nginx-module's `, context: ngx.timer` off a message.
fn split_trailer(text: &str) -> (&str, Option<&str>, Option<&str>) {
    let client_at = text.find(", client: ");
    let context_at = text.rfind(", context: ");
    let cut = [client_at, context_at].into_iter().flatten().min();
    let message = cut.map_or(text, |c| &text[..c]);
    let client = client_at.map(|at| {
        let rest = &text[at + ", client: ".len()..];
        rest.split(", ").next().unwrap_or(rest)
    });
    let context = context_at.map(|at| {
        let rest = &text[at + ", context: ".len()..];
        rest.split(", client: ").next().unwrap_or(rest)
    });
    (message, client, context)
}

/// Parses an nginx error.log line (or a Kong CLI log line of the same
/// shape) into an entry.
pub fn parse_nginx(line: &str, file: usize, line_no: u64) -> Option<Entry> {
    if !has_nginx_timestamp(line.as_bytes()) {
        return None;
    }
    let rest = line[19..].strip_prefix(" [")?;
    let close = rest.find("] ")?;
    let severity = Severity::from_nginx_level(&rest[..close])?;
    let mut text = &rest[close + 2..];
    let mut pid = None;
    // `1234#0: ` — the worker pid and thread id.
    if let Some(hash) = text.find('#') {
        if hash > 0 && text[..hash].bytes().all(|b| b.is_ascii_digit()) {
            if let Some(colon) = text[hash..].find(": ") {
                pid = text[..hash].parse().ok();
                text = &text[hash + colon + 2..];
            }
        }
    }
    // `*5 ` — the connection number.
    if let Some(after) = text.strip_prefix('*') {
        let n = after.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 && after.as_bytes().get(n) == Some(&b' ') {
            text = &after[n + 1..];
        }
    }
    let (message, client, context) = split_trailer(text);
    let mut e = Entry::new(file, line_no, attribute(message, context), line.to_owned());
    e.timestamp = Some(line[..19].to_owned());
    e.pid = pid;
    e.severity = severity;
    e.message = message.to_owned();
    e.client_host = client.map(str::to_owned);
    e.context = context.map(str::to_owned);
    Some(e)
}

/// Parses a Kong CLI line: `Error: ...` (Kong's failure output) or
/// `nginx: [error] ...` (nginx's start-up errors relayed by the CLI).
pub fn parse_cli(line: &str, file: usize, line_no: u64) -> Option<Entry> {
    let (severity, message) = if let Some(m) = line.strip_prefix("Error: ") {
        (Severity::Error, m)
    } else if let Some(rest) = line.strip_prefix("nginx: [") {
        let close = rest.find("] ")?;
        (
            Severity::from_nginx_level(&rest[..close])?,
            &rest[close + 2..],
        )
    } else {
        return None;
    };
    let mut e = Entry::new(file, line_no, SourceKind::Kong, line.to_owned());
    e.severity = severity;
    e.message = message.to_owned();
    Some(e)
}

/// Whether a line continues the Kong/nginx entry before it: a Lua stack
/// traceback, its tab-indented frames, or the CLI's indented advice.
pub fn is_continuation(line: &str) -> bool {
    line.starts_with('\t') || line.starts_with("  ") || line.starts_with("stack traceback:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosocket_handshake_failure() {
        let e = parse_nginx("2026/11/28 16:02:11 [error] 1234#0: *5 SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48), context: ngx.timer", 0, 7).unwrap();
        assert_eq!(e.severity, Severity::Error);
        assert_eq!(e.pid, Some(1234));
        assert_eq!(e.message, "SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48)");
        assert_eq!(e.context.as_deref(), Some("ngx.timer"));
        assert_eq!(e.source, SourceKind::Kong);
        assert_eq!(e.timestamp.as_deref(), Some("2026/11/28 16:02:11"));
        assert_eq!(e.epoch_ms, None);
    }

    #[test]
    fn plain_nginx_with_client() {
        let e = parse_nginx("2026/11/28 16:02:11 [crit] 99#99: *12 SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol) while SSL handshaking, client: 10.0.0.9, server: 0.0.0.0:8443", 0, 1).unwrap();
        assert_eq!(e.severity, Severity::Critical);
        assert_eq!(e.client_host.as_deref(), Some("10.0.0.9"));
        assert_eq!(e.source, SourceKind::Nginx);
        assert!(e.message.ends_with("while SSL handshaking"));
    }

    #[test]
    fn cli_lines() {
        let e = parse_cli("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: certificate verify failed", 0, 1).unwrap();
        assert_eq!((e.severity, e.source), (Severity::Error, SourceKind::Kong));
        assert!(e.message.starts_with("[PostgreSQL error]"));
        let e = parse_cli("nginx: [error] init_by_lua error: /usr/local/share/lua/5.1/kong/init.lua:553: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: closed", 0, 1).unwrap();
        assert!(e.message.starts_with("init_by_lua error:"));
        assert!(parse_cli("Errors: none", 0, 1).is_none());
    }

    #[test]
    fn verbose_cli_log_line_without_pid() {
        let e = parse_nginx("2026/11/28 16:02:11 [verbose] Kong: 3.4.2", 0, 1).unwrap();
        assert_eq!((e.pid, e.message.as_str()), (None, "Kong: 3.4.2"));
        assert!(parse_nginx("2026/11/28 16:02:11 [bogus] x", 0, 1).is_none());
    }
}
