//! Text output fits an 80-column terminal: probe, check and explain against
//! a real lab cluster (mutual TLS, certificate authentication) in English
//! and Japanese, with the failures whose findings say the most. Only an
//! unbreakable token (a long path) may stick out, on a line of its own.

use std::process::Stdio;

use pgtls_lab::{files, Cluster, LAB_PASSWORD};
use pgtls_render::wrap::display_width;

use crate::lab_util::{cert_args, mtls_cert_auth, path, start};
use crate::util::{command, Run};

/// pgtls with HOME in a scratch directory (no ~/.postgresql of the
/// machine's), stdout a pipe, and `env` added.
fn run(home: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(args);
    cmd.env("HOME", home)
        .env_remove("COLUMNS")
        .env_remove("PGPASSWORD")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("pgtls runs").into()
}

/// Every line over `width` columns holds one word and nothing else.
fn assert_fits(what: &str, text: &str, width: usize) {
    assert!(!text.trim().is_empty(), "{what}: no output");
    for line in text.lines() {
        if display_width(line) <= width {
            continue;
        }
        let words = line.split_whitespace().count();
        assert!(
            words == 1 || line.trim_start().starts_with("$ "),
            "{what}: a line of {} columns over {width}:\n{line}\n\nwhole output:\n{text}",
            display_width(line)
        );
    }
}

fn conninfo(cluster: &Cluster, extra: &str) -> String {
    format!(
        "host=127.0.0.1 port={} user=kong dbname=kong sslmode=verify-full {extra}",
        cluster.port()
    )
}

#[test]
fn probe_check_and_explain_fit_80_columns_in_both_languages() {
    let cluster = start(mtls_cert_auth());
    let home = tempfile::tempdir().expect("tempdir");
    let kong_conf = home.path().join("kong.conf");
    std::fs::write(
        &kong_conf,
        format!(
            "pg_host = 127.0.0.1\npg_port = {}\npg_user = kong\npg_password = {LAB_PASSWORD}\npg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {}\n",
            cluster.port(),
            path(files::OTHER_CA)
        ),
    )
    .expect("kong.conf");
    let kong_conf = kong_conf.display().to_string();
    let data = cluster.data_dir().display().to_string();
    let untrusted = conninfo(&cluster, &format!("sslrootcert={}", path(files::OTHER_CA)));
    let other_client = conninfo(
        &cluster,
        &format!(
            "sslrootcert={} {}",
            path(files::ROOT_CA),
            cert_args(files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY)
        ),
    );
    let healthy = conninfo(
        &cluster,
        &format!(
            "sslrootcert={} {}",
            path(files::ROOT_CA),
            cert_args(files::CLIENT_KONG, files::CLIENT_KONG_KEY)
        ),
    );
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("probe untrusted server", vec!["probe", &untrusted]),
        ("probe client cert from another CA", vec!["probe", &other_client]),
        ("probe healthy", vec!["probe", &healthy]),
        ("probe kong", vec!["probe", "--kong-conf", &kong_conf]),
        ("check libpq", vec!["check", "-D", &data, "--libpq", &untrusted]),
        ("check kong", vec!["check", "-D", &data, "--kong-conf", &kong_conf]),
        ("explain mirror", vec!["explain", "tlsv1 alert unknown ca"]),
        (
            "explain kong",
            vec![
                "explain",
                "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: certificate verify failed",
            ],
        ),
        ("explain code", vec!["explain", "PGTLS007"]),
    ];
    for (what, args) in &runs {
        for lang in ["en", "ja"] {
            let mut args = args.clone();
            args.extend(["--lang", lang]);
            let out = run(home.path(), &args, &[]);
            assert!(out.status <= 1, "{what}: {} {}", out.stdout, out.stderr);
            assert_fits(&format!("{what} ({lang})"), &out.stdout, 80);
        }
    }

    // COLUMNS is honoured, and JSON is left as it was.
    let wide = run(home.path(), &["probe", &untrusted], &[("COLUMNS", "200")]);
    let narrow = run(home.path(), &["probe", &untrusted], &[("COLUMNS", "60")]);
    assert!(
        wide.stdout.lines().any(|l| display_width(l) > 80),
        "{}",
        wide.stdout
    );
    assert_fits("probe at 60 columns", &narrow.stdout, 60);
    let json = run(home.path(), &["probe", "--format", "json", &untrusted], &[]);
    let v = json.json();
    let cause = v["findings"][0]["cause"].as_str().expect("cause");
    assert!(cause.len() > 80 && !cause.contains('\n'), "{cause}");
}
