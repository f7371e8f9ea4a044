//! A test process that dies without running destructors (SIGKILL, as a
//! test timeout does) must not leave its server running or its files behind.
//! The test runs this same test binary again as the victim.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pgtls_lab::{files, shared_pki, Cluster, ClusterSpec, LAB_PASSWORD};

const VICTIM_ENV: &str = "PGTLS_LAB_ORPHAN_VICTIM";

fn process_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

/// Run only by `killed_process_leaves_nothing_behind`: starts a cluster,
/// checks that psql ignores the poisoned PG* environment it was given,
/// reports, and waits to be killed.
#[test]
#[ignore = "run as a child process by killed_process_leaves_nothing_behind"]
fn orphan_victim() {
    assert_eq!(
        std::env::var(VICTIM_ENV).as_deref(),
        Ok("1"),
        "not started by the orphan test"
    );
    let pki = shared_pki().unwrap();
    let spec = ClusterSpec::new()
        .with_server_tls(pki)
        .unwrap()
        .hba_line("hostssl all all 127.0.0.1/32 scram-sha-256");
    let c = Cluster::start(&spec).unwrap();
    let out = c.psql(
        &format!(
            "host=localhost user=kong sslmode=verify-full sslrootcert={}",
            pki.path(files::ROOT_CA).display()
        ),
        &[("PGPASSWORD", LAB_PASSWORD)],
    );
    println!(
        "VICTIM pid={} dir={} sock={} pki={} psql={} {}",
        c.pid().unwrap(),
        c.dir().display(),
        c.socket_dir().display(),
        pki.dir().display(),
        out.status,
        out.stderr.trim()
    );
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn killed_process_leaves_nothing_behind() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "orphan::orphan_victim",
            "--nocapture",
        ])
        .env(VICTIM_ENV, "1")
        // Poison every variable libpq would read: the lab must not pass them on.
        .env("PGHOST", "/nonexistent")
        .env("PGPORT", "1")
        .env("PGUSER", "nobody")
        .env("PGSSLMODE", "disable")
        .env("PGPASSWORD", "wrong")
        .env("PGSSLROOTCERT", "/nonexistent/root.crt")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("VICTIM ") {
                let _ = tx.send(line);
                return;
            }
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("the victim did not report");

    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} missing in {line}"))
            .to_string()
    };
    assert_eq!(
        field("psql"),
        "0",
        "psql used the inherited PG* environment: {line}"
    );
    let pid: u32 = field("pid").parse().unwrap();
    let dir = PathBuf::from(field("dir"));
    let sock = PathBuf::from(field("sock"));
    let pki = PathBuf::from(field("pki"));

    // A deadline, not a wait: on a loaded machine the watchdog's cleanup
    // can take a while to be scheduled.
    let deadline = Instant::now() + Duration::from_secs(30);
    let left = || process_alive(pid) || dir.exists() || sock.exists() || pki.exists();
    while left() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !process_alive(pid),
        "server {pid} outlived its killed owner"
    );
    assert!(!dir.exists(), "{} left behind", dir.display());
    assert!(!sock.exists(), "{} left behind", sock.display());
    assert!(!pki.exists(), "{} left behind", pki.display());
}
