//! `pgtls exporter`: a fleet's PostgreSQL TLS health for Prometheus, the way
//! blackbox_exporter serves network probes. Prometheus names the target in
//! each scrape (`/probe?target=HOST:PORT&module=NAME`); the exporter runs
//! `scan`'s handshakes and rules (and `probe` when the module has Kong's
//! configuration or libpq credentials) and answers with that target's
//! metrics, so one exporter serves many targets and several exporters shard
//! a fleet with ordinary relabelling.

mod config;
mod metrics;
mod server;
mod target;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tokio::sync::Semaphore;

use crate::cli::GlobalArgs;
use config::Modules;
use server::App;

#[derive(Debug, clap::Args)]
pub struct ExporterArgs {
    /// Address to serve on. Loopback by default: whoever can reach the
    /// exporter can make it dial any host, so expose it only to Prometheus.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:9187")]
    pub listen: SocketAddr,
    /// Modules (TOML, `[modules.NAME]` tables): trust store, verify depth,
    /// kong.conf, libpq credentials and client certificate, timeout.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How many probes may run at once; further requests wait for a slot
    /// until their own deadline, then get 503.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,
    /// Check the configuration, list the modules and exit.
    #[arg(long)]
    pub check_config: bool,
}

fn describe(modules: &Modules) -> String {
    let mut out = String::new();
    for (name, m) in &modules.by_name {
        let mut parts = vec![format!("timeout {:.1}s", m.timeout.as_secs_f64())];
        for view in &m.views {
            parts.push(format!("judged for {}", view.name));
        }
        if let Some(conf) = &m.kong_conf {
            parts.push(format!("probes as Kong with {}", conf.display()));
        }
        if let Some(l) = &m.libpq {
            parts.push(format!(
                "probes as libpq user {} (sslmode {})",
                l.user, l.sslmode
            ));
        }
        if m.has_credentials() {
            parts.push(format!(
                "only for {} targets (allowed_targets)",
                m.allowed_targets.len()
            ));
        }
        out.push_str(&format!("module {name}: {}\n", parts.join(", ")));
    }
    out
}

pub fn run(_global: &GlobalArgs, args: &ExporterArgs) -> anyhow::Result<u8> {
    let modules = match &args.config {
        Some(path) => Modules::load(path)?,
        None => Modules::builtin()?,
    };
    if args.check_config {
        crate::output::print(&describe(&modules))?;
        return Ok(0);
    }
    let listener = std::net::TcpListener::bind(args.listen)
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let concurrency = args.concurrency as usize;
    let app = Arc::new(App {
        own: metrics::Own::new(concurrency),
        limit: Arc::new(Semaphore::new(concurrency)),
        legacy: Arc::default(),
        modules,
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("pgtls-exporter")
        .enable_all()
        .build()
        .context("cannot start the exporter's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .with_context(|| format!("cannot listen on {local}"))?;
        if !local.ip().is_loopback() {
            eprintln!(
                "pgtls exporter: note: {local} is reachable from other hosts; anyone who can reach it can make this host dial any address"
            );
        }
        eprintln!(
            "pgtls exporter: listening on http://{local} (modules: {})",
            app.modules.names().join(", ")
        );
        axum::serve(listener, server::router(app))
            .await
            .context("the HTTP server stopped")
    })?;
    Ok(0)
}
