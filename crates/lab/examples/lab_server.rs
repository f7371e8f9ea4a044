//! Starts throwaway PostgreSQL clusters with the lab's server certificate for
//! benchmarks and manual runs, prints one `host:port` line per endpoint, and
//! stops them when standard input closes (or on Ctrl-C, by the lab's guard).
//!
//! usage: lab_server [CLUSTERS] [ADDRESSES_PER_CLUSTER]
//! Each cluster listens on 127.0.0.1..127.0.0.N (N = ADDRESSES_PER_CLUSTER).

use std::io::{Read, Write};

use pgtls_lab::{shared_pki, Cluster, ClusterSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let clusters: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1);
    let per: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1)
        .clamp(1, 250);
    let pki = shared_pki()?;
    let addresses: Vec<String> = (1..=per).map(|i| format!("127.0.0.{i}")).collect();
    let mut running = Vec::new();
    for _ in 0..clusters {
        let spec = ClusterSpec::new()
            .with_server_tls(pki)?
            .setting("listen_addresses", &format!("'{}'", addresses.join(",")))
            .setting("max_connections", "200")
            .setting("log_connections", "off")
            .hba_line("hostssl all all 127.0.0.0/8 scram-sha-256")
            .hba_line("host all all 127.0.0.0/8 scram-sha-256");
        let cluster = Cluster::start(&spec)?;
        let mut out = std::io::stdout().lock();
        for a in &addresses {
            writeln!(out, "{a}:{}", cluster.port())?;
        }
        out.flush()?;
        running.push(cluster);
    }
    eprintln!(
        "lab_server: {} cluster(s) ready; close stdin to stop",
        running.len()
    );
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(running);
    Ok(())
}
