//! PostgreSQL's jsonlog (PostgreSQL 15 and later): one JSON object per
//! line, keys present only when set. Parsed with serde_json; unknown keys
//! (later versions add some) are ignored.

use crate::entry::{Entry, Severity, SourceKind};
use crate::time;
use serde::Deserialize;

#[derive(Deserialize)]
struct Record {
    timestamp: Option<String>,
    user: Option<String>,
    dbname: Option<String>,
    pid: Option<u32>,
    remote_host: Option<String>,
    remote_port: Option<u16>,
    error_severity: Option<String>,
    state_code: Option<String>,
    message: Option<String>,
    detail: Option<String>,
    hint: Option<String>,
    internal_query: Option<String>,
    context: Option<String>,
    statement: Option<String>,
    func_name: Option<String>,
    file_name: Option<String>,
    file_line_num: Option<u32>,
    application_name: Option<String>,
    backend_type: Option<String>,
}

/// Whether a line starts like a jsonlog record.
pub fn looks_like_record(line: &[u8]) -> bool {
    line.starts_with(b"{\"timestamp\":")
}

/// Turns one jsonlog line into an entry, or `None` when it is not one.
pub fn parse(line: &str, file: usize, line_no: u64) -> Option<Entry> {
    let r: Record = serde_json::from_str(line).ok()?;
    let severity = r
        .error_severity
        .as_deref()
        .and_then(Severity::from_postgres_word)?;
    let mut e = Entry::new(file, line_no, SourceKind::PostgresServer, line.to_owned());
    e.epoch_ms = r.timestamp.as_deref().and_then(time::parse_postgres);
    e.timestamp = r.timestamp;
    e.user = r.user;
    e.database = r.dbname;
    e.pid = r.pid;
    e.client_host = r.remote_host;
    e.client_port = r.remote_port;
    e.severity = severity;
    e.sql_state = r.state_code;
    e.message = r.message.unwrap_or_default();
    e.detail = r.detail;
    e.hint = r.hint;
    e.query = r.internal_query;
    e.context = r.context;
    e.statement = r.statement;
    e.location = match (r.func_name, r.file_name, r.file_line_num) {
        (Some(func), Some(file), Some(n)) => Some(format!("{func}, {file}:{n}")),
        (None, Some(file), Some(n)) => Some(format!("{file}:{n}")),
        _ => None,
    };
    e.application = r.application_name.filter(|a| !a.is_empty());
    e.backend_type = r.backend_type;
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_record_with_hint() {
        let line = r#"{"timestamp":"2026-11-28 16:08:23.726 UTC","pid":7075,"remote_host":"127.0.0.1","remote_port":45196,"session_id":"6b0afc77.1ba3","line_num":2,"ps":"","session_start":"2026-11-28 16:08:23 UTC","txid":0,"error_severity":"LOG","state_code":"08P01","message":"could not accept SSL connection: unsupported protocol","hint":"This may indicate that the client does not support any SSL protocol version between TLSv1.2 and TLSv1.3.","backend_type":"not initialized","query_id":0}"#;
        let e = parse(line, 0, 13).unwrap();
        assert_eq!(e.severity, Severity::Log);
        assert_eq!(e.pid, Some(7075));
        assert_eq!(e.client_port, Some(45196));
        assert_eq!(e.sql_state.as_deref(), Some("08P01"));
        assert!(e.hint.unwrap().contains("TLSv1.2 and TLSv1.3"));
        assert_eq!(e.epoch_ms, Some(1_795_882_103_726));
    }

    #[test]
    fn broken_json_is_none() {
        assert!(parse(r#"{"timestamp":"2026-11-28 16:08:23.726 UTC","pid":"#, 0, 1).is_none());
        assert!(parse(r#"{"timestamp":"x","error_severity":"BOGUS"}"#, 0, 1).is_none());
    }
}
