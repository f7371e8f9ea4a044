//! pgbouncer's log lines (`logfile`, or its stderr):
//! `2026-12-03 14:46:53.397 UTC [10690] WARNING TLS handshake error: ...`,
//! with `C-0x…: db/user@ip:port ` (a client's connection) or `S-0x…: …`
//! (a server connection) before the text when the line is about one. A
//! pooler between the gateway and PostgreSQL logs the half of a failure
//! that neither of them sees.
//!
//! One failure is several lines, written together by the one pgbouncer
//! process: `TLS handshake error` and then the server connection it broke
//! (`S-…: closing because: server conn crashed?`, the only sign of which
//! leg failed), or `server login failed: FATAL …` and then the client and
//! server connections closed for it. [`follows`] tells such a follow-up
//! line, which joins the entry before it as context instead of counting
//! as a failure of its own.

use crate::entry::{Entry, Severity, SourceKind};
use crate::time;

/// A parsed pgbouncer line.
pub struct Line<'a> {
    /// The entry (message without the connection part).
    pub entry: Entry,
    /// `C` or `S` and the connection's address and peer, when the line is
    /// about a connection: `C-0x55ef442eb590: kong/kong@127.0.0.1:47682`.
    pub connection: Option<&'a str>,
}

fn level(word: &str) -> Option<Severity> {
    Some(match word {
        "LOG" => Severity::Log,
        "WARNING" => Severity::Warning,
        "ERROR" => Severity::Error,
        "FATAL" => Severity::Fatal,
        "NOISE" | "DEBUG" => Severity::Debug(0),
        _ => return None,
    })
}

/// Parses one line of pgbouncer's log; `None` for any other line.
pub fn parse(line: &str, file: usize, line_no: u64) -> Option<Line<'_>> {
    let b = line.as_bytes();
    // `YYYY-MM-DD HH:MM:SS.mmm ZONE `
    if b.len() < 24 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    let mut parts = line.splitn(5, ' ');
    let (date, clock, zone, pid, rest) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    // `[1234]` in the log file; a bare `1234` on stderr before the log
    // file is open.
    let pid: u32 = pid
        .strip_prefix('[')
        .and_then(|p| p.strip_suffix(']'))
        .unwrap_or(pid)
        .parse()
        .ok()?;
    let (word, text) = rest.split_once(' ')?;
    let severity = level(word)?;
    let (connection, message) = match text.split_once(": ") {
        Some((conn, after))
            if (conn.starts_with("C-0x") || conn.starts_with("S-0x")) && after.contains(' ') =>
        {
            let (peer, msg) = after.split_once(' ')?;
            (Some(&text[..conn.len() + 2 + peer.len()]), msg)
        }
        _ => (None, text),
    };
    let stamp = format!("{date} {clock} {zone}");
    let mut e = Entry::new(file, line_no, SourceKind::Pgbouncer, line.to_owned());
    e.epoch_ms = time::parse_postgres(&stamp);
    e.timestamp = Some(stamp);
    e.pid = Some(pid);
    e.severity = severity;
    e.message = message.to_owned();
    if let Some(conn) = connection {
        // `db/user@host:port`: the peer of the connection.
        if let Some((_, peer)) = conn.split_once(": ") {
            if let Some((who, addr)) = peer.split_once('@') {
                if let Some((db, user)) = who.split_once('/') {
                    e.database = Some(db.to_owned()).filter(|d| d != "(nodb)");
                    e.user = Some(user.to_owned()).filter(|u| u != "(nouser)");
                }
                if conn.starts_with("C-") {
                    if let Some((host, port)) = addr.rsplit_once(':') {
                        e.client_host = Some(host.to_owned());
                        e.client_port = port.parse().ok();
                    }
                }
            }
        }
    }
    Some(Line {
        entry: e,
        connection,
    })
}

/// What [`follows`] needs of the entry a line may follow up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pid: Option<u32>,
    message: String,
    connection: Option<String>,
}

impl Head {
    /// The head made of a parsed line's connection and entry.
    pub fn of(connection: &Option<&str>, entry: &Entry) -> Head {
        Head {
            pid: entry.pid,
            message: entry.message.clone(),
            connection: connection.map(str::to_owned),
        }
    }
}

/// Whether `next` only follows up `head` (the entry pgbouncer wrote just
/// before it): the server connection a `TLS handshake error` or `TLS
/// connect error` broke, the connections closed for a `server login
/// failed`, and the `pooler error` pgbouncer sent on a connection it is
/// closing.
pub fn follows(head: &Head, next: &Line<'_>) -> bool {
    if head.pid != next.entry.pid {
        return false;
    }
    let h = head.message.as_str();
    let n = next.entry.message.as_str();
    let server_conn = next.connection.is_some_and(|c| c.starts_with("S-"));
    if h.starts_with("TLS handshake error: ") || h.starts_with("TLS connect error: ") {
        return server_conn
            && [
                "closing because: server conn crashed?",
                "closing because: TLS startup failed",
                "closing because: sslreq processing failed",
            ]
            .iter()
            .any(|c| n.starts_with(c));
    }
    if let Some(relayed) = h.strip_prefix("server login failed: ") {
        let reason = relayed.split_once(' ').map_or(relayed, |(_, r)| r);
        return n.starts_with(&format!("closing because: {reason} (age="))
            || n == format!("pooler error: {reason}")
            || (server_conn && n.starts_with("closing because: login failed"));
    }
    // The same connection closing and then telling its client why.
    head.connection.is_some()
        && head.connection.as_deref() == next.connection
        && n.starts_with("pooler error: ")
}

/// Whether a line looks like pgbouncer's, for format detection.
pub fn looks_like(line: &str) -> bool {
    parse(line, 0, 0).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_connection_line() {
        let l = parse("2026-12-03 14:46:50.349 UTC [10515] LOG C-0x55ef442eb590: kong/kong@127.0.0.1:47682 closing because: SSL required (age=0s)", 0, 1).unwrap();
        assert_eq!(
            l.connection,
            Some("C-0x55ef442eb590: kong/kong@127.0.0.1:47682")
        );
        assert_eq!(l.entry.message, "closing because: SSL required (age=0s)");
        assert_eq!(l.entry.pid, Some(10515));
        assert_eq!(l.entry.severity, Severity::Log);
        assert_eq!(l.entry.client_host.as_deref(), Some("127.0.0.1"));
        assert_eq!(l.entry.user.as_deref(), Some("kong"));
        assert!(l.entry.epoch_ms.is_some());
        let nouser = parse("2026-12-03 14:46:50.349 UTC [10515] WARNING C-0x55ef442eb590: (nodb)/(nouser)@127.0.0.1:47682 pooler error: SSL required", 0, 2).unwrap();
        assert_eq!((nouser.entry.user, nouser.entry.database), (None, None));
    }

    #[test]
    fn lines_without_a_connection_and_stderr_pids() {
        let l = parse("2026-12-03 14:46:53.397 UTC [10690] WARNING TLS handshake error: handshake failed: error:0A000086:SSL routines::certificate verify failed", 0, 1).unwrap();
        assert_eq!(l.connection, None);
        assert!(l.entry.message.starts_with("TLS handshake error: "));
        let fatal = parse(
            "2026-12-03 14:42:09.286 UTC 26565 FATAL Cannot open logfile: '/x': Permission denied",
            0,
            1,
        )
        .unwrap();
        assert_eq!(
            (fatal.entry.pid, fatal.entry.severity),
            (Some(26565), Severity::Fatal)
        );
    }

    #[test]
    fn postgresql_and_garbage_lines_are_not_pgbouncers() {
        assert!(!looks_like("2026-12-03 14:46:53.394 UTC [10704] LOG:  connection received: host=127.0.0.1 port=42304"));
        assert!(!looks_like("2026/11/28 16:02:11 [error] 4242#0: *3 x"));
        assert!(!looks_like(""));
        assert!(!looks_like("2026-12-03 ü"));
    }

    #[test]
    fn follow_ups_join_their_head_and_nothing_else() {
        let p = |s| parse(s, 0, 1).unwrap();
        let h = |s| {
            let l = parse(s, 0, 1).unwrap();
            Head::of(&l.connection, &l.entry)
        };
        let tls = h("2026-12-03 14:46:53.397 UTC [10690] WARNING TLS handshake error: handshake failed: error:0A000086:SSL routines::certificate verify failed");
        let crashed = p("2026-12-03 14:46:53.397 UTC [10690] LOG S-0x5632ebd8de20: kong/kong@127.0.0.1:45965 closing because: server conn crashed? (age=0s)");
        assert!(follows(&tls, &crashed));
        let login = p("2026-12-03 14:46:53.386 UTC [10690] LOG C-0x5632ebd73590: kong/kong@127.0.0.1:48466 login attempt: db=kong user=kong tls=TLSv1.3/TLS_AES_256_GCM_SHA384");
        assert!(!follows(&tls, &login));
        let failed = h("2026-12-03 14:46:52.442 UTC [10617] WARNING server login failed: FATAL connection requires a valid client certificate");
        for f in [
            "2026-12-03 14:46:52.442 UTC [10617] LOG C-0x562fb7f3d590: kong/kong@127.0.0.1:44370 closing because: connection requires a valid client certificate (age=0s)",
            "2026-12-03 14:46:52.442 UTC [10617] WARNING C-0x562fb7f3d590: kong/kong@127.0.0.1:44370 pooler error: connection requires a valid client certificate",
            "2026-12-03 14:46:52.443 UTC [10617] LOG S-0x562fb7f57e20: kong/kong@127.0.0.1:46421 closing because: login failed (age=0s)",
        ] {
            assert!(follows(&failed, &p(f)), "{f}");
        }
        let closing_line = p("2026-12-03 14:46:50.349 UTC [10515] LOG C-0x55ef442eb590: (nodb)/(nouser)@127.0.0.1:47682 closing because: SSL required (age=0s)");
        let error = p("2026-12-03 14:46:50.349 UTC [10515] WARNING C-0x55ef442eb590: (nodb)/(nouser)@127.0.0.1:47682 pooler error: SSL required");
        let other = p("2026-12-03 14:46:50.349 UTC [10515] WARNING C-0x55ef442eb590: (nodb)/(nouser)@127.0.0.1:47690 pooler error: SSL required");
        let closing = Head::of(&closing_line.connection, &closing_line.entry);
        assert!(follows(&closing, &error));
        assert!(
            !follows(&closing, &other),
            "another client in the same slot"
        );
        assert!(!follows(&closing, &closing_line));
    }
}
