//! Who printed a line, and what the message inside it is.
//!
//! A pasted line carries an envelope that names its printer: a server
//! `log_line_prefix` and severity word, psql's `connection to server ...
//! failed:`, Kong's `failed to retrieve PostgreSQL server_version_num:`, an
//! nginx error.log header. The message patterns only ever see the message;
//! the envelope decides which printers' patterns apply, which is how the
//! mirror (`unknown ca` on one side means the other side rejected) is
//! resolved.

use std::sync::OnceLock;

use pgtls_catalogue::{Continuation, Leg, Origin};
use regex::Regex;

/// The kind of line: a message of its own, or the continuation of the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Message,
    Continuation(Continuation),
    /// STATEMENT, LOCATION and similar lines that add nothing.
    Other,
}

/// A line split into its envelope and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The printers the envelope allows; all of them for bare text.
    pub origins: Vec<Origin>,
    /// Whether the envelope named its printer.
    pub printer_known: bool,
    pub kind: LineKind,
    /// The severity word as written (`LOG`, `FATAL`, `HINT`, `ヒント`…).
    pub severity: Option<String>,
    /// The text before the severity word (the server's log_line_prefix).
    pub prefix: String,
    /// The message the patterns read.
    pub message: String,
    /// The server process id, when the prefix shows one.
    pub pid: Option<String>,
    /// For a pgbouncer line: the leg it is about, when the line (its `C-`
    /// or `S-` connection, or its words) or the lines around it show it.
    pub leg: Option<Leg>,
}

const KONG_MARKER: &str = "server_version_num: ";

struct Regexes {
    nginx: Regex,
    libpq: Regex,
    server: Regex,
    pid: Regex,
    severity_prefix: Regex,
    pgbouncer: Regex,
    pgbouncer_bare: Regex,
}

fn regexes() -> &'static Regexes {
    static CELL: OnceLock<Regexes> = OnceLock::new();
    CELL.get_or_init(|| Regexes {
        nginx: Regex::new(
            r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[(?P<level>[a-z]+)\] \d+#\d+: (?:\*\d+ )?(?P<msg>.*)$",
        )
        .expect("static regex"),
        libpq: Regex::new(
            r#"^(?:psql: )?(?:error: |エラー: )?(?:connection to server (?:at "[^"]*"(?: \([^)]*\))?, port \d+|on socket "[^"]*") failed: |"[^"]*"(?:\([^)]*\))?、ポート\d+のサーバーへの接続に失敗しました: |"[^"]*"上のソケットのサーバーへの接続に失敗しました: )(?P<msg>.*)$"#,
        )
        .expect("static regex"),
        server: Regex::new(
            r"(?:^|[\s\]:>,|])(?P<sev>LOG|FATAL|ERROR|WARNING|PANIC|INFO|NOTICE|DEBUG[1-5]|DETAIL|HINT|CONTEXT|STATEMENT|LOCATION|詳細|ヒント|文脈|文|場所):\s+(?P<msg>.*)$",
        )
        .expect("static regex"),
        pid: Regex::new(r"\[(?P<pid>\d+)\]").expect("static regex"),
        severity_prefix: Regex::new(r"^(?P<sev>FATAL|ERROR|PANIC|WARNING):\s+(?P<msg>.*)$")
            .expect("static regex"),
        // pgbouncer's own format: no colon after the level, and a client's
        // (C-) or server's (S-) connection before the text when it is about one.
        pgbouncer: Regex::new(
            r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \S+ \[?(?P<pid>\d+)\]? (?P<level>LOG|WARNING|ERROR|FATAL|NOISE|DEBUG) (?:(?P<conn>[CS])-0x[0-9a-f]+: \S+ )?(?P<msg>.*)$",
        )
        .expect("static regex"),
        pgbouncer_bare: Regex::new(
            r"^(?:(?P<level>LOG|WARNING|ERROR|FATAL) )?(?:(?P<conn>[CS])-0x[0-9a-f]+: \S+ )?(?P<msg>(?:TLS handshake error|TLS connect error|TLS setup failed|server login failed|closing because|pooler error): .*)$",
        )
        .expect("static regex"),
    })
}

fn kind_of(severity: &str) -> LineKind {
    match severity {
        "HINT" | "ヒント" => LineKind::Continuation(Continuation::Hint),
        "DETAIL" | "詳細" => LineKind::Continuation(Continuation::Detail),
        "CONTEXT" | "文脈" => LineKind::Continuation(Continuation::Context),
        "STATEMENT" | "文" | "LOCATION" | "場所" => LineKind::Other,
        _ => LineKind::Message,
    }
}

/// Strips a relayed `FATAL: ` (one space from Kong, two from libpq).
fn split_severity(text: &str) -> (Option<String>, String) {
    match regexes().severity_prefix.captures(text) {
        Some(c) => (Some(c["sev"].to_string()), c["msg"].to_string()),
        None => (None, text.to_string()),
    }
}

/// pgbouncer's own reasons for closing a client's connection; any other
/// `closing because:` repeats what PostgreSQL or a TLS failure already said.
const PGBOUNCER_OWN_CLOSING: &[&str] = &[
    "closing because: SSL required (",
    "closing because: query_wait_timeout (",
];

/// A pgbouncer line's envelope from its parts: the leg its connection or
/// its words name, and whether it only follows up an earlier line.
fn pgbouncer_envelope(
    level: Option<&str>,
    conn: Option<&str>,
    pid: Option<String>,
    prefix: &str,
    msg: &str,
) -> Envelope {
    let mut leg = match conn {
        Some("C") => Some(Leg::Client),
        Some("S") => Some(Leg::Server),
        _ => None,
    };
    let mut kind = LineKind::Message;
    let mut severity = level.map(str::to_string);
    let mut message = msg.trim_end().to_string();
    if let Some(relayed) = message.strip_prefix("server login failed: ") {
        // PostgreSQL's own ErrorResponse, which pgbouncer got as the
        // client of the server's leg: read like the server's words.
        let (sev, text) = match relayed.split_once(' ') {
            Some((w, rest)) if ["FATAL", "ERROR", "PANIC"].contains(&w) => {
                (Some(w.to_string()), rest)
            }
            _ => (None, relayed),
        };
        severity = sev.or(severity);
        message = text.to_string();
        leg = Some(Leg::Server);
    } else if message.starts_with("TLS connect error: ") {
        // server_tls_* files are loaded when pgbouncer first connects to PostgreSQL.
        leg = Some(Leg::Server);
    } else if message == "TLS setup failed" {
        // The FATAL after the ERROR that named the file.
        kind = LineKind::Other;
    } else if message.starts_with("TLS setup failed: ")
        || message.starts_with("To allow TLS connections from clients")
    {
        // At start-up pgbouncer loads only the client's leg's files.
        leg = leg.or(Some(Leg::Client));
    } else if message.starts_with("closing because: query_wait_timeout")
        || message == "pooler error: query_wait_timeout"
    {
        // Logged on the client's connection, but the leg that failed is
        // the server's: no server connection came in time.
        leg = Some(Leg::Server);
        if message.starts_with("pooler error: ") {
            kind = LineKind::Continuation(Continuation::Context);
        }
    } else if message.starts_with("pooler error: ")
        || (message.starts_with("closing because: ")
            && !PGBOUNCER_OWN_CLOSING
                .iter()
                .any(|own| message.starts_with(own)))
    {
        kind = LineKind::Continuation(Continuation::Context);
    }
    Envelope {
        origins: vec![Origin::Pgbouncer],
        printer_known: true,
        kind,
        severity,
        prefix: prefix.to_string(),
        message,
        pid,
        leg,
    }
}

/// Whether the envelope is a pgbouncer `TLS handshake error` line: the one
/// line of pgbouncer's whose leg only the next line tells.
pub fn is_pgbouncer_handshake_error(e: &Envelope) -> bool {
    e.origins == [Origin::Pgbouncer] && e.message.starts_with("TLS handshake error: ")
}

/// Whether the envelope is pgbouncer closing a server connection that
/// broke before login (the line after a server's leg's `TLS handshake error`).
pub fn is_pgbouncer_server_close(e: &Envelope) -> bool {
    e.origins == [Origin::Pgbouncer]
        && e.leg == Some(Leg::Server)
        && [
            "server conn crashed?",
            "TLS startup failed",
            "sslreq processing failed",
        ]
        .iter()
        .any(|r| e.message.starts_with(&format!("closing because: {r}")))
}

/// Whether the envelope is pgbouncer opening a connection to PostgreSQL:
/// a `TLS handshake error` right after it is that connection's (the
/// server's leg). pgbouncer does not always log the close that follows.
pub fn is_pgbouncer_server_connect(e: &Envelope) -> bool {
    e.origins == [Origin::Pgbouncer]
        && e.leg == Some(Leg::Server)
        && e.message.starts_with("new connection to server")
}

/// Splits one line. Never fails: text without an envelope is bare, and every
/// printer's patterns apply to it.
pub fn split(line: &str) -> Envelope {
    let line = line.trim_end_matches(['\r', '\n']).trim();
    let re = regexes();

    if let Some(c) = re
        .pgbouncer
        .captures(line)
        .or_else(|| re.pgbouncer_bare.captures(line))
    {
        let msg = c.name("msg").expect("msg group");
        return pgbouncer_envelope(
            c.name("level").map(|m| m.as_str()),
            c.name("conn").map(|m| m.as_str()),
            c.name("pid").map(|m| m.as_str().to_string()),
            &line[..msg.start()],
            msg.as_str(),
        );
    }

    if let Some(at) = line.find(KONG_MARKER) {
        let reason = line[at + KONG_MARKER.len()..].trim();
        let origins = if line.contains("init_by_lua") {
            vec![Origin::KongLuasec]
        } else {
            vec![Origin::KongLuasec, Origin::KongCosocket]
        };
        let (severity, message) = split_severity(reason);
        return Envelope {
            origins,
            printer_known: true,
            kind: LineKind::Message,
            severity,
            prefix: line[..at + KONG_MARKER.len()].to_string(),
            message,
            pid: None,
            leg: None,
        };
    }

    let nginx_msg = re
        .nginx
        .captures(line)
        .map(|c| c["msg"].to_string())
        .or_else(|| {
            [
                "SSL_do_handshake() failed",
                "lua ssl certificate verify error",
                "SSL_write() failed",
            ]
            .iter()
            .find_map(|marker| line.find(marker).map(|at| line[at..].to_string()))
        });
    if let Some(msg) = nginx_msg {
        let mut message = msg;
        for tail in [", context: ", ", client: ", ", server: "] {
            if let Some(at) = message.find(tail) {
                message.truncate(at);
            }
        }
        return Envelope {
            origins: vec![Origin::Nginx],
            printer_known: true,
            kind: LineKind::Message,
            severity: None,
            prefix: String::new(),
            message,
            pid: None,
            leg: None,
        };
    }

    if let Some(c) = re.libpq.captures(line) {
        let (severity, message) = split_severity(c["msg"].trim());
        return Envelope {
            origins: vec![Origin::Libpq],
            printer_known: true,
            kind: LineKind::Message,
            severity,
            prefix: line[..c.name("msg").map_or(0, |m| m.start())].to_string(),
            message,
            pid: None,
            leg: None,
        };
    }

    if let Some(c) = re.server.captures(line) {
        let sev = c["sev"].to_string();
        let msg_start = c.name("msg").map_or(line.len(), |m| m.start());
        let sev_start = c.name("sev").map_or(0, |m| m.start());
        let prefix = line[..sev_start].to_string();
        let pid = re.pid.captures(&prefix).map(|p| p["pid"].to_string());
        return Envelope {
            origins: vec![Origin::Server],
            printer_known: true,
            kind: kind_of(&sev),
            severity: Some(sev),
            prefix,
            message: line[msg_start..].trim_end().to_string(),
            pid,
            leg: None,
        };
    }

    let stripped = line
        .strip_prefix("psql: error: ")
        .or_else(|| line.strip_prefix("psql: "))
        .unwrap_or(line);
    let (severity, message) = split_severity(stripped);
    Envelope {
        origins: Origin::ALL.to_vec(),
        printer_known: false,
        kind: LineKind::Message,
        severity,
        prefix: String::new(),
        message,
        pid: None,
        leg: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_line_with_default_prefix() {
        let e = split("2026-11-28 16:02:11.123 UTC [4242] LOG:  could not accept SSL connection: tlsv1 alert unknown ca");
        assert_eq!(e.origins, vec![Origin::Server]);
        assert_eq!(e.severity.as_deref(), Some("LOG"));
        assert_eq!(e.pid.as_deref(), Some("4242"));
        assert_eq!(
            e.message,
            "could not accept SSL connection: tlsv1 alert unknown ca"
        );
    }

    #[test]
    fn debian_prefix_with_user_and_database() {
        let e = split("2026-11-28 16:02:11.123 UTC [77] kong@kong FATAL:  connection requires a valid client certificate");
        assert_eq!(e.severity.as_deref(), Some("FATAL"));
        assert_eq!(e.prefix, "2026-11-28 16:02:11.123 UTC [77] kong@kong ");
    }

    #[test]
    fn japanese_hint_is_a_continuation() {
        let e = split("ヒント:  postgresql.confで ssl = on に設定してください。");
        assert_eq!(e.kind, LineKind::Continuation(Continuation::Hint));
    }

    #[test]
    fn kong_reason_with_relayed_fatal() {
        let e = split("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: FATAL: connection requires a valid client certificate");
        assert_eq!(e.origins, vec![Origin::KongLuasec, Origin::KongCosocket]);
        assert_eq!(e.severity.as_deref(), Some("FATAL"));
        assert_eq!(e.message, "connection requires a valid client certificate");
    }

    #[test]
    fn psql_relayed_fatal_is_libpq() {
        let e = split("psql: error: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  connection requires a valid client certificate");
        assert_eq!(e.origins, vec![Origin::Libpq]);
        assert_eq!(e.message, "connection requires a valid client certificate");
    }

    #[test]
    fn nginx_context_is_trimmed() {
        let e = split("2026/11/28 16:02:11 [error] 4242#0: *3 lua ssl certificate verify error: (21: unable to verify the first certificate), context: ngx.timer");
        assert_eq!(e.origins, vec![Origin::Nginx]);
        assert_eq!(
            e.message,
            "lua ssl certificate verify error: (21: unable to verify the first certificate)"
        );
    }

    #[test]
    fn bare_text_allows_every_printer() {
        let e = split("tlsv1 alert unknown ca");
        assert!(!e.printer_known);
        assert_eq!(e.origins.len(), Origin::ALL.len());
    }
}
