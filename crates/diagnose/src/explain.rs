//! `pgtls explain`: pasted text in, findings out.
//!
//! The text may be one line or several (a FATAL with its DETAIL and HINT); a
//! HINT/DETAIL/CONTEXT line adds facts to the message before it from the
//! same process and is never a finding of its own, unless it is all there is.
//! When the printer is unknown and the line reads differently on the two
//! sides, each reading becomes its own finding with the condition under
//! which it holds.

use std::collections::BTreeMap;

use pgtls_catalogue::{Code, Leg, Origin, Pattern, Text};

use crate::envelope::{
    is_pgbouncer_handshake_error, is_pgbouncer_server_close, is_pgbouncer_server_connect, split,
    Envelope, LineKind,
};
use crate::finding::{Evidence, Finding, Msg};
use crate::matcher::{matcher, ContinuationReading};
use crate::text::{ExplainText, Localized};

/// No PostgreSQL or client message is anywhere near this long; longer
/// lines are cut before matching so a pasted 10 MB line stays cheap.
pub const MAX_LINE: usize = 64 * 1024;

/// One line of evidence: where it was seen, its text, and its envelope.
pub(crate) struct Line {
    /// Where the line was seen (`line 3`, `postgresql.log:120`), when that helps.
    pub(crate) location: Option<String>,
    pub(crate) raw: String,
    pub(crate) envelope: Envelope,
}

/// A message with the continuation lines that belong to it (or, when the
/// message was not seen, continuations alone).
pub(crate) struct Group {
    pub(crate) primary: Option<Line>,
    pub(crate) continuations: Vec<(Line, Option<ContinuationReading>)>,
}

/// A finding of a group, with the side of the printer whose reading it is
/// (the mirror: the same line means opposite things on the two sides).
pub(crate) struct GroupFinding {
    pub(crate) finding: Finding,
    /// True when the reading is that of the server's log.
    pub(crate) server_side: bool,
}

fn cut(line: &str) -> &str {
    if line.len() <= MAX_LINE {
        return line;
    }
    let mut end = MAX_LINE;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

/// A pasted csvlog or jsonlog record as the stderr lines PostgreSQL would
/// have written for it (message, then DETAIL, HINT, CONTEXT), so that one
/// pasted record explains like its stderr form. None for any other line.
fn expand_record(raw: &str) -> Option<Vec<String>> {
    let trimmed = raw.trim();
    let (pid, severity, message, detail, hint, context) = if trimmed.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(trimmed).ok()?;
        let field = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_string);
        (
            value.get("pid").map(|p| p.to_string()),
            field("error_severity").unwrap_or_else(|| "LOG".into()),
            field("message")?,
            field("detail"),
            field("hint"),
            field("context"),
        )
    } else if pgtls_logs::csv::looks_like_record(trimmed) {
        let fields = pgtls_logs::csv::split(trimmed);
        if fields.len() < 16 {
            return None;
        }
        let get = |i: usize| {
            fields
                .get(i)
                .map(|f| f.to_string())
                .filter(|f| !f.is_empty())
        };
        (get(3), get(11)?, get(13)?, get(14), get(15), get(18))
    } else {
        return None;
    };
    let prefix = pid.map(|p| format!("[{p}] ")).unwrap_or_default();
    let mut lines = vec![format!("{prefix}{severity}:  {message}")];
    for (word, text) in [("DETAIL", detail), ("HINT", hint), ("CONTEXT", context)] {
        if let Some(text) = text {
            lines.push(format!("{prefix}{word}:  {text}"));
        }
    }
    Some(lines)
}

fn group_lines(text: &str, multi_line: bool) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut physical: Vec<(usize, String, String)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let raw = cut(raw);
        if raw.trim().is_empty() {
            continue;
        }
        match expand_record(raw) {
            Some(lines) => {
                for (i, line) in lines.into_iter().enumerate() {
                    // The record itself is the evidence for its message.
                    let shown = if i == 0 {
                        raw.trim().to_string()
                    } else {
                        line.clone()
                    };
                    physical.push((index, shown, line));
                }
            }
            None => physical.push((index, raw.trim().to_string(), raw.to_string())),
        }
    }
    for (index, shown, text) in physical {
        let envelope = split(&text);
        let line = Line {
            location: multi_line.then(|| format!("line {}", index + 1)),
            raw: shown,
            envelope,
        };
        match line.envelope.kind {
            LineKind::Other => continue,
            LineKind::Continuation(_) => {
                let reading = matcher().continuation(&line.envelope);
                let owner = groups.iter_mut().rev().find(|g| {
                    g.primary.as_ref().is_some_and(|p| {
                        line.envelope.pid.is_none()
                            || p.envelope.pid.is_none()
                            || p.envelope.pid == line.envelope.pid
                    })
                });
                match owner {
                    Some(group) => group.continuations.push((line, reading)),
                    None => groups.push(Group {
                        primary: None,
                        continuations: vec![(line, reading)],
                    }),
                }
            }
            LineKind::Message => {
                // A bare line may be a continuation (libpq prints its hint on a line of its own).
                if matcher().readings(&line.envelope).is_empty() {
                    if let Some(reading) = matcher().continuation(&line.envelope) {
                        match groups.last_mut() {
                            Some(group) if group.primary.is_some() => {
                                group.continuations.push((line, Some(reading)))
                            }
                            _ => groups.push(Group {
                                primary: None,
                                continuations: vec![(line, Some(reading))],
                            }),
                        }
                        continue;
                    }
                }
                groups.push(Group {
                    primary: Some(line),
                    continuations: Vec::new(),
                });
            }
        }
    }
    settle_pgbouncer_legs(&mut groups);
    groups
}

/// The leg of a pgbouncer `TLS handshake error` from the lines around it:
/// right after `S-…: new connection to server` it is that connection's (the
/// server's leg); followed by another pgbouncer line of the same process
/// that is not `S-…: closing because: server conn crashed?`, it is the
/// client's leg (pgbouncer logs nothing about a client before its TLS is up).
/// (A close right after it is found in [`explain_group`] as its continuation.)
pub(crate) fn settle_pgbouncer_legs(groups: &mut [Group]) {
    let pgbouncer_pid = |g: &Group| {
        g.primary
            .as_ref()
            .or(g.continuations.first().map(|(l, _)| l))
            .filter(|l| l.envelope.origins == [Origin::Pgbouncer])
            .map(|l| l.envelope.pid.clone())
    };
    for i in 0..groups.len() {
        let after_connect = i > 0
            && groups[i - 1]
                .primary
                .as_ref()
                .is_some_and(|p| is_pgbouncer_server_connect(&p.envelope));
        let prev_pid = if i > 0 {
            pgbouncer_pid(&groups[i - 1])
        } else {
            None
        };
        let next_pid = groups.get(i + 1).and_then(pgbouncer_pid);
        let group = &mut groups[i];
        let Some(primary) = group.primary.as_mut() else {
            continue;
        };
        if !is_pgbouncer_handshake_error(&primary.envelope) || primary.envelope.leg.is_some() {
            continue;
        }
        let closed = group
            .continuations
            .iter()
            .any(|(l, _)| is_pgbouncer_server_close(&l.envelope));
        if after_connect && prev_pid == Some(primary.envelope.pid.clone()) {
            primary.envelope.leg = Some(Leg::Server);
        } else if !closed && next_pid == Some(primary.envelope.pid.clone()) {
            primary.envelope.leg = Some(Leg::Client);
        }
    }
}

/// The leg a group's primary line is about: its own, or the server's when a
/// pgbouncer server connection closed right after it.
fn group_leg(group: &Group) -> Option<Leg> {
    let own = group.primary.as_ref().and_then(|p| p.envelope.leg);
    own.or_else(|| {
        group
            .continuations
            .iter()
            .any(|(l, _)| is_pgbouncer_server_close(&l.envelope))
            .then_some(Leg::Server)
    })
}

fn fill(template: Text, facts: &BTreeMap<String, String>) -> Msg {
    let render = |s: &str| {
        let mut out = s.to_string();
        for (k, v) in facts {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    };
    Msg::from_languages(render(template.en), render(template.ja))
}

/// Explains pasted text; an empty list means nothing matched.
pub fn explain_text(text: &str) -> Vec<Finding> {
    let multi_line = text.lines().filter(|l| !l.trim().is_empty()).count() > 1;
    let mut findings = Vec::new();
    for group in group_lines(text, multi_line) {
        findings.extend(explain_group(&group).into_iter().map(|g| {
            let mut finding = g.finding;
            add_computed(&mut finding);
            finding
        }));
    }
    findings
}

/// The findings of one message and its continuations, before the fix steps
/// and notes that the facts make concrete ([`add_computed`]): a caller that
/// gathers more facts later (the log scanner, over several lines of one
/// connection) computes those once it has them all.
pub(crate) fn explain_group(group: &Group) -> Vec<GroupFinding> {
    let mut shared_facts = BTreeMap::new();
    let mut notes = Vec::new();
    let mut continuation_evidence = Vec::new();
    let mut implied = None;
    let mut refines: Vec<(Code, Code)> = Vec::new();
    for (line, reading) in &group.continuations {
        continuation_evidence.push(Evidence {
            origin: line
                .envelope
                .origins
                .first()
                .copied()
                .filter(|_| line.envelope.printer_known),
            text: line.raw.clone(),
            location: line.location.clone(),
        });
        if let Some(r) = reading {
            shared_facts.extend(r.facts.clone());
            notes.push(fill(r.pattern.reading, &r.facts));
            if let Some(v) = &r.pattern.versions {
                notes.push(ExplainText::LineShapePrintedBy { versions: v }.msg());
            }
            implied = implied.or(r.pattern.implies);
            refines.extend(r.pattern.refines.iter().copied());
        }
    }

    let leg = group_leg(group);
    let readings = group
        .primary
        .as_ref()
        .map(|p| {
            let mut envelope = p.envelope.clone();
            envelope.leg = leg;
            matcher().readings(&envelope)
        })
        .unwrap_or_default();

    if readings.is_empty() {
        let Some(code) = implied.map(Code::diagnosis) else {
            return Vec::new();
        };
        let mut finding = Finding::new(code);
        if let Some(p) = &group.primary {
            finding.evidence.push(Evidence {
                origin: p
                    .envelope
                    .origins
                    .first()
                    .copied()
                    .filter(|_| p.envelope.printer_known),
                text: p.raw.clone(),
                location: p.location.clone(),
            });
        }
        finding.evidence.extend(continuation_evidence);
        finding.facts = shared_facts;
        finding.notes = notes;
        finding.leg = leg.or_else(|| group.continuations.iter().find_map(|(l, _)| l.envelope.leg));
        let server_side = group
            .continuations
            .iter()
            .all(|(line, _)| line.envelope.origins.iter().all(|o| o.is_server()));
        return vec![GroupFinding {
            finding,
            server_side,
        }];
    }

    // One finding per (code, side of the printer): the mirror splits a bare
    // line into a server reading and a client reading.
    let primary = group
        .primary
        .as_ref()
        .expect("readings come from a primary line");
    let mut by_key: Vec<((Code, bool), Vec<&crate::Reading>)> = Vec::new();
    for r in &readings {
        let server = r.origins.iter().all(|o| o.is_server());
        let key = (r.pattern.code, server);
        match by_key.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(r),
            None => by_key.push((key, vec![r])),
        }
    }
    let sides: Vec<bool> = by_key.iter().map(|((_, s), _)| *s).collect();
    let ambiguous_sides = sides.contains(&true) && sides.contains(&false);
    let reading_legs: Vec<Leg> = readings.iter().filter_map(|r| r.pattern.leg).collect();
    let ambiguous_legs =
        leg.is_none() && reading_legs.contains(&Leg::Client) && reading_legs.contains(&Leg::Server);

    let mut out = Vec::new();
    for ((read_code, server), list) in by_key {
        // A continuation that tells the cause (16's DETAIL naming an expired
        // client certificate) decides between the message's readings.
        let code = refines
            .iter()
            .find(|(from, _)| *from == read_code)
            .map_or(read_code, |(_, to)| *to);
        let mut finding = Finding::new(code.diagnosis());
        if code != read_code {
            finding.alternatives.push(read_code);
        }
        let pattern: &Pattern = list[0].pattern;
        for r in &list {
            for alt in r.pattern.alternatives {
                if !finding.alternatives.contains(alt) && *alt != code {
                    finding.alternatives.push(*alt);
                }
            }
            finding.facts.extend(r.facts.clone());
        }
        finding.facts.extend(shared_facts.clone());
        let origins: Vec<Origin> = list
            .iter()
            .flat_map(|r| r.origins.iter().copied())
            .collect();
        let origin = if primary.envelope.printer_known || (origins.len() == 1 && !ambiguous_sides) {
            origins.first().copied()
        } else {
            None
        };
        finding.evidence.push(Evidence {
            origin,
            text: primary.raw.clone(),
            location: primary.location.clone(),
        });
        finding.evidence.extend(continuation_evidence.clone());
        finding.reading = Some(fill(pattern.reading, &finding.facts));
        if ambiguous_sides {
            finding.condition = Some(ExplainText::IfSide { server }.msg());
        }
        finding.leg = pattern.leg.or(leg);
        if ambiguous_legs {
            if let Some(l) = pattern.leg {
                finding.condition = Some(ExplainText::IfLeg { leg: l }.msg());
            }
        }
        finding.notes = notes.clone();
        if let Some(v) = &pattern.versions {
            finding
                .notes
                .insert(0, ExplainText::LineShapePrintedBy { versions: v }.msg());
        }
        out.push(GroupFinding {
            finding,
            server_side: server,
        });
    }
    out
}

/// The pgbouncer.ini (or client) change a code calls for on one leg of a
/// pooler: the catalogue's steps name PostgreSQL's and the client's
/// settings, which on a pooled leg are pgbouncer's.
pub(crate) fn pooler_fix(code: Code, leg: Leg) -> Option<Msg> {
    let text = match (code, leg) {
        (Code::ClientRejectsServerCert, Leg::Server) => ExplainText::PoolerTrustsPostgresCa,
        (Code::ClientRejectsServerCert, Leg::Client) => ExplainText::ClientTrustsPgbouncerCa,
        (Code::ServerRejectsClientCert, Leg::Client) => ExplainText::PgbouncerAcceptsClientCa,
        (Code::ServerRejectsClientCert, Leg::Server) => ExplainText::PostgresAcceptsPgbouncerCert,
        (Code::ClientCertRequired, Leg::Server) => ExplainText::PgbouncerSendsNoServerCert,
        (Code::ClientCertRequired, Leg::Client) => ExplainText::PgbouncerAsksClientCert,
        (Code::NoHbaEntry, Leg::Server) => ExplainText::PostgresSeesPgbouncer,
        (Code::PasswordAuthFailed, Leg::Server) => ExplainText::PgbouncerAuthFile,
        (Code::ServerCertMissing | Code::ServerKeyMissing | Code::KeyCertMismatch, Leg::Client) => {
            ExplainText::PgbouncerClientCertFiles
        }
        (Code::ServerCertMissing | Code::ServerKeyMissing | Code::KeyCertMismatch, Leg::Server) => {
            ExplainText::PgbouncerServerCertFiles
        }
        (Code::TrustStoreInvalid, Leg::Client) => ExplainText::PgbouncerClientCaFile,
        (Code::TrustStoreInvalid, Leg::Server) => ExplainText::PgbouncerServerCaFile,
        (Code::ProtocolVersionMismatch, _) => ExplainText::PgbouncerProtocols,
        _ => return None,
    };
    Some(text.msg())
}

/// Fix steps and notes that the facts make concrete.
pub(crate) fn add_computed(finding: &mut Finding) {
    if let Some(step) = finding.leg.and_then(|leg| pooler_fix(finding.id(), leg)) {
        if !finding.fix.contains(&step) {
            finding.fix.insert(0, step);
        }
    }
    let facts = finding.facts.clone();
    let get = |k: &str| facts.get(k).map(String::as_str);
    match finding.id() {
        Code::ProtocolVersionMismatch => {
            if let (Some(min), Some(max)) = (get("server_min"), get("server_max")) {
                finding
                    .fix
                    .push(ExplainText::ServerAllowsVersions { min, max }.msg());
                // The catalogue's client step sets TLS 1.2 (pg_ssl_version =
                // tlsv1_2, ssl_min_protocol_version=TLSv1.2): wrong advice
                // when the server's range leaves 1.2 out.
                use pgtls_config::TlsVersion;
                if let (Some(lo), Some(hi)) = (TlsVersion::parse(min), TlsVersion::parse(max)) {
                    if lo > TlsVersion::Tls1_2 || hi < TlsVersion::Tls1_2 {
                        finding.cover(&[1]);
                    }
                }
            }
            if let (Some(min), Some(max)) = (get("client_min"), get("client_max")) {
                finding
                    .notes
                    .push(ExplainText::ClientOfferedVersions { min, max }.msg());
            }
        }
        Code::ServerKeyPermissions => {
            if let Some(file) = get("file") {
                finding.fix.push(ExplainText::KeyOwnership { file }.msg());
            }
        }
        Code::CertUserMismatch => {
            if let (Some(user), Some(name)) = (get("user"), get("cert_name")) {
                let map = get("map").unwrap_or("certmap");
                let identity = crate::check_rules::identity_ident_line(map);
                finding.fix.push(
                    ExplainText::AddIdentMap {
                        map,
                        name,
                        user,
                        identity: &identity,
                    }
                    .msg(),
                );
            }
        }
        Code::NoHbaEntry => {
            if let (Some(host), Some(user), Some(db)) = (get("host"), get("user"), get("database"))
            {
                // PostgreSQL 12 and 13 say `SSL off` where 14 and later say
                // `no encryption`.
                let plain = get("encryption")
                    .is_some_and(|e| e == "no encryption" || e == "SSL off" || e == "暗号化なし");
                let suffix = if host.contains(':') { "/128" } else { "/32" };
                finding.fix.push(
                    ExplainText::AddHostsslLine {
                        database: db,
                        user,
                        host,
                        suffix,
                    }
                    .msg(),
                );
                finding.cover(&[0]);
                if !plain && get("encryption").is_some() {
                    // Over TLS: the generic `no encryption` step does not apply.
                    finding.cover(&[1]);
                }
                if plain {
                    let word = get("encryption").unwrap_or("no encryption");
                    finding
                        .notes
                        .push(ExplainText::ConnectedWithoutTls { word }.msg());
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        explain_text(text).iter().map(|f| f.code()).collect()
    }

    #[test]
    fn mirror_server_log_unknown_ca_is_005() {
        assert_eq!(
            codes("LOG:  could not accept SSL connection: tlsv1 alert unknown ca"),
            ["PGTLS005"]
        );
    }

    #[test]
    fn mirror_kong_unknown_ca_is_006() {
        assert_eq!(
            codes("Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: tlsv1 alert unknown ca"),
            ["PGTLS006"]
        );
    }

    #[test]
    fn bare_unknown_ca_has_both_readings_with_conditions() {
        let findings = explain_text("tlsv1 alert unknown ca");
        let mut got: Vec<_> = findings.iter().map(|f| f.code()).collect();
        got.sort();
        assert_eq!(got, ["PGTLS005", "PGTLS006"]);
        assert!(findings.iter().all(|f| f.condition.is_some()));
    }

    #[test]
    fn hint_attaches_to_its_message() {
        let text = "2026-11-28 16:02:11.123 UTC [9] LOG:  could not accept SSL connection: unsupported protocol\n2026-11-28 16:02:11.123 UTC [9] HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.3 and TLSv1.3.";
        let findings = explain_text(text);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].facts.get("server_min").map(String::as_str),
            Some("TLSv1.3")
        );
        assert_eq!(findings[0].evidence.len(), 2);
    }

    #[test]
    fn lone_hint_reports_the_range() {
        let findings = explain_text("HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.2 and TLSv1.3.");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code(), "PGTLS001");
        assert_eq!(
            findings[0].facts.get("server_max").map(String::as_str),
            Some("TLSv1.3")
        );
    }

    #[test]
    fn pasted_jsonlog_and_csvlog_records_explain_like_stderr() {
        let json = r#"{"timestamp":"2026-11-28 16:16:10.523 UTC","pid":15477,"error_severity":"LOG","message":"could not accept SSL connection: unsupported protocol","hint":"This may indicate that the client does not support any SSL protocol version between TLSv1.3 and TLSv1.3."}"#;
        let findings = explain_text(json);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code(), "PGTLS001");
        assert_eq!(
            findings[0].facts.get("server_max").map(String::as_str),
            Some("TLSv1.3")
        );
        assert_eq!(findings[0].evidence[0].text, json);

        let csv = r#"2026-11-28 16:16:12.884 UTC,"kong","kong",15570,"127.0.0.1:40000",6747a0a4.3d02,1,"authentication",2026-11-28 16:16:12 UTC,3/1,0,FATAL,28000,"connection requires a valid client certificate",,,,,,,,,"psql","client backend",,0"#;
        assert_eq!(codes(csv), ["PGTLS008"]);
    }

    #[test]
    fn unknown_text_matches_nothing() {
        assert!(explain_text("the weather is fine").is_empty());
        assert!(explain_text("").is_empty());
    }

    #[test]
    fn huge_line_is_cut_not_fatal() {
        let line = "x".repeat(10 * 1024 * 1024);
        assert!(explain_text(&line).is_empty());
    }
}
