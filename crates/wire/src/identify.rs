//! Who answers: PostgreSQL itself or pgbouncer in front of it. A pooler
//! speaks the same protocol, so a client cannot tell them apart by the
//! handshake; what differs is what each writes into its messages, as
//! observed on the real pair (tests/fixtures/pgbouncer/README.md):
//! PostgreSQL's ErrorResponse always carries the file, line and routine
//! that raised it (`F`, `L`, `R`) and the English severity (`V`),
//! pgbouncer's only `S`, `C` and `M`; pgbouncer refuses with texts of its
//! own; PostgreSQL reports its ParameterStatus in name order while
//! pgbouncer ends with the ones it tracks. Pure: the caller hands in what
//! it received.

use crate::backend::ErrorFields;

/// What answered the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// PostgreSQL itself.
    PostgreSql,
    /// pgbouncer between the client and PostgreSQL.
    Pgbouncer,
}

impl ServerKind {
    /// `postgresql`, `pgbouncer`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerKind::PostgreSql => "postgresql",
            ServerKind::Pgbouncer => "pgbouncer",
        }
    }
}

/// One observation that points at one kind, in words for evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sign {
    pub kind: ServerKind,
    pub text: String,
}

/// Texts pgbouncer refuses with itself (its own `disconnect_client`
/// reasons), never PostgreSQL's words.
const PGBOUNCER_OWN: &[&str] = &[
    "SSL required",
    "no such database: ",
    "no username supplied",
    "query_wait_timeout",
    "client_login_timeout",
    "server login has been failing, try again later",
    "pgbouncer cannot connect to server",
    "no such user",
    "bouncer config error",
];

/// Whether `message` is a refusal pgbouncer words itself (as opposed to a
/// PostgreSQL FATAL it relays).
pub fn is_pgbouncer_own_text(message: &str) -> bool {
    message == "password authentication failed"
        || PGBOUNCER_OWN
            .iter()
            .any(|t| message == *t || (t.ends_with(' ') && message.starts_with(t)))
}

/// What one ErrorResponse says about its sender.
pub fn sign_of_error(e: &ErrorFields) -> Option<Sign> {
    let has = |b: u8| e.other.iter().any(|(k, _)| *k == b);
    let source = has(b'F') || has(b'L') || e.routine.is_some();
    if source {
        let mut at = Vec::new();
        for (k, v) in &e.other {
            if *k == b'F' || *k == b'L' {
                at.push(format!("{}={v}", *k as char));
            }
        }
        if let Some(r) = &e.routine {
            at.push(format!("R={r}"));
        }
        return Some(Sign {
            kind: ServerKind::PostgreSql,
            text: format!(
                "the ErrorResponse names the server source that raised it ({})",
                at.join(" ")
            ),
        });
    }
    // A message with only S, C and M is pgbouncer's shape; an old or
    // foreign server may also send little, so the shape needs pgbouncer's
    // SQLSTATE or one of its own texts as well.
    let bare = e.severity_nonlocalized.is_none() && e.message.is_some();
    if !bare {
        return None;
    }
    let message = e.message.as_deref().unwrap_or_default();
    let own = is_pgbouncer_own_text(message);
    if e.code.as_deref() == Some("08P01") || own {
        let why = if own {
            format!("{message:?} is pgbouncer's own text")
        } else {
            "SQLSTATE 08P01, which pgbouncer gives every error it sends".to_string()
        };
        return Some(Sign {
            kind: ServerKind::Pgbouncer,
            text: format!(
                "the ErrorResponse has only severity, SQLSTATE and message (no V, F, L, R fields, which PostgreSQL always sends); {why}"
            ),
        });
    }
    None
}

/// The parameters pgbouncer tracks per client and reports last, in this
/// order, after the server's others.
const PGBOUNCER_TAIL: &[&str] = &[
    "client_encoding",
    "DateStyle",
    "TimeZone",
    "standard_conforming_strings",
    "application_name",
];

/// What the order of the ParameterStatus messages says.
pub fn sign_of_parameters(names: &[&str]) -> Option<Sign> {
    if names.len() < PGBOUNCER_TAIL.len() + 1 {
        return None;
    }
    let tail = &names[names.len() - PGBOUNCER_TAIL.len()..];
    if tail == PGBOUNCER_TAIL {
        return Some(Sign {
            kind: ServerKind::Pgbouncer,
            text: format!(
                "ParameterStatus ends with {} (pgbouncer reports the parameters it tracks last)",
                PGBOUNCER_TAIL.join(", ")
            ),
        });
    }
    let sorted = names
        .windows(2)
        .all(|w| w[0].to_ascii_lowercase() <= w[1].to_ascii_lowercase());
    sorted.then(|| Sign {
        kind: ServerKind::PostgreSql,
        text: "ParameterStatus arrives in name order, as PostgreSQL sends it".to_string(),
    })
}

/// The verdict from all signs: the kind most signs point at; `None` when
/// there is no sign or they disagree evenly.
pub fn verdict(signs: &[Sign]) -> Option<ServerKind> {
    let bouncer = signs
        .iter()
        .filter(|s| s.kind == ServerKind::Pgbouncer)
        .count();
    let postgres = signs.len() - bouncer;
    match bouncer.cmp(&postgres) {
        std::cmp::Ordering::Greater => Some(ServerKind::Pgbouncer),
        std::cmp::Ordering::Less => Some(ServerKind::PostgreSql),
        std::cmp::Ordering::Equal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{BackendMessage, Decoder};
    use bytes::BytesMut;

    /// An ErrorResponse frame from (type, value) fields.
    fn frame(fields: &[(u8, &str)]) -> ErrorFields {
        let mut body = Vec::new();
        for (k, v) in fields {
            body.push(*k);
            body.extend_from_slice(v.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut buf = BytesMut::new();
        buf.extend_from_slice(b"E");
        buf.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        buf.extend_from_slice(&body);
        match Decoder::new().decode(&mut buf) {
            Ok(Some(BackendMessage::ErrorResponse(e))) => e,
            other => panic!("not an ErrorResponse: {other:?}"),
        }
    }

    #[test]
    fn postgresqls_error_names_its_source() {
        // PostgreSQL 15, as captured.
        let e = frame(&[
            (b'S', "FATAL"),
            (b'V', "FATAL"),
            (b'C', "28P01"),
            (b'M', "password authentication failed for user \"kong\""),
            (b'F', "auth.c"),
            (b'L', "334"),
            (b'R', "auth_failed"),
        ]);
        let s = sign_of_error(&e).unwrap();
        assert_eq!(s.kind, ServerKind::PostgreSql);
        assert!(
            s.text.contains("F=auth.c L=334 R=auth_failed"),
            "{}",
            s.text
        );
    }

    #[test]
    fn pgbouncers_own_and_relayed_errors_have_three_fields() {
        for m in [
            "SSL required",
            "query_wait_timeout",
            "no such database: nope",
            "no pg_hba.conf entry for host \"127.0.0.1\", user \"kong\", database \"kong\", no encryption",
            "connection requires a valid client certificate",
        ] {
            let e = frame(&[(b'S', "FATAL"), (b'C', "08P01"), (b'M', m)]);
            assert_eq!(
                sign_of_error(&e).map(|s| s.kind),
                Some(ServerKind::Pgbouncer),
                "{m}"
            );
        }
        assert!(is_pgbouncer_own_text("no such database: nope"));
        assert!(!is_pgbouncer_own_text(
            "connection requires a valid client certificate"
        ));
        assert!(!is_pgbouncer_own_text(
            "password authentication failed for user \"kong\""
        ));
    }

    #[test]
    fn a_bare_error_with_another_code_says_nothing() {
        let e = frame(&[(b'S', "FATAL"), (b'C', "28000"), (b'M', "something")]);
        assert_eq!(sign_of_error(&e), None);
    }

    #[test]
    fn parameter_order_tells_them_apart() {
        let postgres = [
            "application_name",
            "client_encoding",
            "DateStyle",
            "default_transaction_read_only",
            "in_hot_standby",
            "integer_datetimes",
            "IntervalStyle",
            "is_superuser",
            "server_encoding",
            "server_version",
            "session_authorization",
            "standard_conforming_strings",
            "TimeZone",
        ];
        assert_eq!(
            sign_of_parameters(&postgres).map(|s| s.kind),
            Some(ServerKind::PostgreSql)
        );
        let bouncer = [
            "default_transaction_read_only",
            "in_hot_standby",
            "integer_datetimes",
            "IntervalStyle",
            "is_superuser",
            "server_encoding",
            "server_version",
            "session_authorization",
            "client_encoding",
            "DateStyle",
            "TimeZone",
            "standard_conforming_strings",
            "application_name",
        ];
        assert_eq!(
            sign_of_parameters(&bouncer).map(|s| s.kind),
            Some(ServerKind::Pgbouncer)
        );
        assert_eq!(sign_of_parameters(&["a"]), None);
    }

    #[test]
    fn the_verdict_follows_the_majority() {
        let pg = Sign {
            kind: ServerKind::PostgreSql,
            text: String::new(),
        };
        let pb = Sign {
            kind: ServerKind::Pgbouncer,
            text: String::new(),
        };
        assert_eq!(verdict(&[]), None);
        assert_eq!(
            verdict(std::slice::from_ref(&pb)),
            Some(ServerKind::Pgbouncer)
        );
        assert_eq!(verdict(&[pg.clone(), pb.clone()]), None);
        assert_eq!(verdict(&[pg.clone(), pg, pb]), Some(ServerKind::PostgreSql));
    }
}
