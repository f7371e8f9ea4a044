//! The HTTP side: `/probe` (blackbox_exporter's multi-target pattern),
//! `/metrics` (the exporter's own), and the rules that keep one exporter
//! predictable under a fleet's scrapes: a request is refused with a clear
//! 400 before any work when its query is wrong, waits at most its own
//! deadline for a probe slot (then 503: the exporter is overloaded, which
//! Prometheus records as a failed scrape rather than a failed target), and
//! always answers within its deadline, a stuck target reading as
//! `probe_success 0` with PGTLS020.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::Semaphore;

use super::config::{Module, Modules, DEFAULT_MODULE};
use super::metrics::{self, Own};
use super::target::{self, ClientPart, Report};
use crate::commands::scan::{parse_target, Target};

/// Prometheus tells how long it waits for a scrape; answer before that.
const SCRAPE_TIMEOUT_HEADER: &str = "x-prometheus-scrape-timeout-seconds";
/// What to keep for the answer itself when Prometheus gives its timeout.
const SCRAPE_OFFSET: Duration = Duration::from_millis(500);
/// A host:port or URI is short; anything longer is not a target.
const MAX_TARGET_LEN: usize = 1024;

/// What every request shares.
pub struct App {
    pub modules: Modules,
    pub own: Own,
    pub limit: Arc<Semaphore>,
    /// TLS 1.0/1.1 verdicts per target, reused between scrapes.
    pub legacy: Arc<target::LegacyCache>,
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/probe", get(probe))
        .route("/metrics", get(own_metrics))
        .fallback(not_found)
        .with_state(app)
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn index(State(app): State<Arc<App>>) -> Response {
    text(
        StatusCode::OK,
        format!(
            "pgtls exporter {}\n\n\
             GET /probe?target=HOST:PORT&module=NAME  one target's TLS health (module defaults to {DEFAULT_MODULE})\n\
             GET /metrics                             the exporter's own metrics\n\n\
             modules: {}\n",
            env!("CARGO_PKG_VERSION"),
            app.modules.names().join(", ")
        ),
    )
}

async fn not_found() -> Response {
    text(
        StatusCode::NOT_FOUND,
        "not found: use /probe?target=HOST:PORT&module=NAME or /metrics\n".into(),
    )
}

async fn own_metrics(State(app): State<Arc<App>>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        app.own.encode(),
    )
        .into_response()
}

/// A checked `/probe` request.
#[derive(Debug)]
pub struct ProbeRequest {
    pub target: Target,
    pub module: String,
}

/// Reads `target` and `module` from the query; the error is the 400's text.
pub fn read_query(pairs: &[(String, String)], modules: &Modules) -> Result<ProbeRequest, String> {
    let values = |key: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let targets = values("target");
    let target = match targets.as_slice() {
        [] => return Err("missing target: use /probe?target=HOST:PORT&module=NAME".into()),
        [one] => *one,
        _ => return Err("several target parameters: give one target per request".into()),
    };
    if target.len() > MAX_TARGET_LEN {
        return Err(format!("target is longer than {MAX_TARGET_LEN} bytes"));
    }
    let target = parse_target(target).map_err(|e| format!("bad target: {e}"))?;
    if target
        .host
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '\u{fffd}'))
    {
        return Err(format!(
            "bad target: {:?} is not a host name or address",
            target.host
        ));
    }
    let module = match values("module").as_slice() {
        [] => DEFAULT_MODULE.to_string(),
        [one] => one.to_string(),
        _ => return Err("several module parameters: give one module per request".into()),
    };
    if modules.get(&module).is_none() {
        return Err(format!(
            "unknown module {module:?}; this exporter has: {}",
            modules.names().join(", ")
        ));
    }
    Ok(ProbeRequest { target, module })
}

/// The probe's budget: the module's timeout, shortened to fit Prometheus's.
pub fn budget(module: &Module, headers: &HeaderMap) -> Duration {
    let scrape = headers
        .get(SCRAPE_TIMEOUT_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
        .map(Duration::from_secs_f64);
    match scrape {
        Some(s) if s > SCRAPE_OFFSET * 2 => module.timeout.min(s - SCRAPE_OFFSET),
        Some(s) => module.timeout.min(s / 2),
        None => module.timeout,
    }
}

/// Counts a probe as in flight while it lives.
struct InFlight(Gauge);

impl InFlight {
    fn new(g: &Gauge) -> InFlight {
        g.inc();
        InFlight(g.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

async fn probe(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let pairs = match query {
        Ok(Query(pairs)) => pairs,
        Err(e) => {
            app.own.reject("bad_request");
            return text(
                StatusCode::BAD_REQUEST,
                format!("bad query string: {}\n", e.body_text()),
            );
        }
    };
    let request = match read_query(&pairs, &app.modules) {
        Ok(r) => r,
        Err(e) => {
            app.own.reject("bad_request");
            return text(StatusCode::BAD_REQUEST, format!("{e}\n"));
        }
    };
    let Some(module) = app.modules.get(&request.module).cloned() else {
        app.own.reject("bad_request");
        return text(StatusCode::BAD_REQUEST, "unknown module\n".into());
    };
    if !module.allows(&request.target.host) {
        // Whoever can reach the exporter chooses the target; credentials
        // go only where the module's owner said they may.
        app.own.reject("forbidden_target");
        return text(
            StatusCode::FORBIDDEN,
            format!(
                "module {:?} sends credentials and {:?} is not in its allowed_targets\n",
                module.name, request.target.host
            ),
        );
    }
    let started = Instant::now();
    let budget = budget(&module, &headers);
    let deadline = started + budget;

    let permit = match tokio::time::timeout(budget, app.limit.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => {
            app.own.reject("overloaded");
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "no probe slot came free within {:.1}s: every slot of --concurrency is busy; raise it or shard targets across exporters\n",
                    budget.as_secs_f64()
                ),
            );
        }
    };
    let _in_flight = InFlight::new(&app.own.in_flight);
    // Steps get most of the budget so that a stall shows as the step's own
    // failure; the deadline below is the guarantee.
    let step_timeout = budget.mul_f64(0.8).max(Duration::from_millis(1));

    let clients: Vec<_> = target::client_probes(&module)
        .into_iter()
        .map(|p| {
            let t = request.target.clone();
            tokio::spawn(async move { target::run_client(&t, &p, step_timeout, deadline).await })
        })
        .collect();
    let scan = {
        let t = request.target.clone();
        let m = module.clone();
        let legacy = app.legacy.clone();
        tokio::task::spawn_blocking(move || {
            // The slot is held until the handshakes really end, even when
            // the answer has already gone out.
            let _permit = permit;
            target::scan(&t, &m, step_timeout, &legacy)
        })
    };

    let left = deadline.saturating_duration_since(Instant::now());
    let report = match tokio::time::timeout(left, scan).await {
        Ok(Ok(report)) => report,
        Ok(Err(e)) => {
            eprintln!(
                "pgtls exporter: the scan of {} stopped unexpectedly: {e}",
                request.target.display
            );
            Report::default()
        }
        Err(_) => {
            let mut r = Report::default();
            target::timed_out(&mut r);
            r
        }
    };
    let mut parts: Vec<ClientPart> = Vec::new();
    for handle in clients {
        match handle.await {
            Ok(part) => {
                if let Some(err) = &part.error {
                    eprintln!(
                        "pgtls exporter: {} module {}: {err}",
                        request.target.display, module.name
                    );
                }
                parts.push(part);
            }
            Err(e) => eprintln!("pgtls exporter: a probe task stopped unexpectedly: {e}"),
        }
    }
    let report = target::finish(report, &parts, started);
    app.own
        .observe(&module.name, report.success, report.duration);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        metrics::encode(&report),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn queries() {
        let modules = Modules::parse("[modules.fast]\ntimeout = 1\n", "t").expect("modules");
        let ok = read_query(
            &pairs(&[("target", "db:6432"), ("module", "fast")]),
            &modules,
        )
        .expect("ok");
        assert_eq!((ok.target.port, ok.module.as_str()), (6432, "fast"));
        let ok = read_query(&pairs(&[("target", "db")]), &modules).expect("ok");
        assert_eq!((ok.target.port, ok.module.as_str()), (5432, "default"));
        for (q, needle) in [
            (vec![], "missing target"),
            (vec![("target", "a"), ("target", "b")], "one target"),
            (vec![("target", "db:99999")], "bad target"),
            (vec![("target", "")], "bad target"),
            (vec![("target", "a b:5432")], "not a host name"),
            (vec![("target", "\u{fffd}")], "not a host name"),
            (
                vec![("target", "db"), ("module", "nope")],
                "unknown module \"nope\"; this exporter has: default, fast",
            ),
            (
                vec![("target", "db"), ("module", "a"), ("module", "b")],
                "one module",
            ),
        ] {
            let err = read_query(&pairs(&q), &modules).expect_err(needle);
            assert!(err.contains(needle), "{q:?}: {err}");
        }
        let long = "a".repeat(2000);
        assert!(read_query(&pairs(&[("target", &long)]), &modules).is_err());
    }

    #[test]
    fn budget_follows_the_scrape_timeout() {
        let modules = Modules::parse("[modules.m]\ntimeout = 5\n", "t").expect("modules");
        let m = modules.get("m").expect("m");
        let mut h = HeaderMap::new();
        assert_eq!(budget(m, &h), Duration::from_secs(5));
        h.insert(SCRAPE_TIMEOUT_HEADER, "3".parse().expect("value"));
        assert_eq!(budget(m, &h), Duration::from_millis(2500));
        h.insert(SCRAPE_TIMEOUT_HEADER, "10".parse().expect("value"));
        assert_eq!(budget(m, &h), Duration::from_secs(5));
        h.insert(SCRAPE_TIMEOUT_HEADER, "0.8".parse().expect("value"));
        assert_eq!(budget(m, &h), Duration::from_millis(400));
        h.insert(SCRAPE_TIMEOUT_HEADER, "nan".parse().expect("value"));
        assert_eq!(budget(m, &h), Duration::from_secs(5));
    }
}
