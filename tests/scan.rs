//! `pgtls scan` against real clusters from the lab.

use pgtls_lab::{files, ClusterSpec};
use serde_json::Value;

use crate::lab_util::{addr, codes, free_port, path, pki, start, tls_scram};
use crate::util::pgtls;

fn scan_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["scan", "--format", "json", "--timeout", "3"];
    all.extend_from_slice(args);
    pgtls(&all).report("scan")
}

#[test]
fn tls13_only_and_tls12_only() {
    let only13 = start(
        tls_scram(files::SERVER, files::SERVER_KEY)
            .setting("ssl_min_protocol_version", "'TLSv1.3'"),
    );
    let only12 = start(
        tls_scram(files::SERVER, files::SERVER_KEY)
            .setting("ssl_min_protocol_version", "'TLSv1.2'")
            .setting("ssl_max_protocol_version", "'TLSv1.2'"),
    );
    let (status, json) = scan_json(&[&addr(&only13), &addr(&only12)]);
    assert_eq!(status, 0, "{json}");
    let targets = json["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 2);
    let v13 = &targets[0]["tls_versions"];
    assert_eq!(v13["TLSv1.3"], "accepted");
    assert_eq!(v13["TLSv1.2"], "rejected");
    assert_eq!(v13["TLSv1.0"], "rejected");
    let v12 = &targets[1]["tls_versions"];
    assert_eq!(v12["TLSv1.2"], "accepted");
    assert_eq!(v12["TLSv1.3"], "rejected");
    assert!(targets[1]["ciphers"]["TLSv1.2"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    let chain = targets[0]["chain"].as_array().expect("chain");
    assert_eq!(chain[0]["subject"], "CN=localhost");
    assert!(chain[0]["days_left"].as_i64().is_some_and(|d| d > 300));
    assert_eq!(targets[0]["client_ca_names"], Value::Null);

    let text = pgtls(&["scan", &addr(&only13)]);
    assert_eq!(text.status, 0);
    assert!(
        text.stdout.contains("TLSv1.3 accepted") && text.stdout.contains("TLSv1.2 rejected"),
        "{}",
        text.stdout
    );
}

#[test]
fn tls11_allowed_with_security_level_0_is_a_warning() {
    let cluster = start(
        tls_scram(files::SERVER, files::SERVER_KEY)
            .setting("ssl_min_protocol_version", "'TLSv1.1'")
            .setting("ssl_ciphers", "'DEFAULT:@SECLEVEL=0'"),
    );
    let (status, json) = scan_json(&[&addr(&cluster)]);
    let t = &json["targets"][0];
    assert_eq!(t["tls_versions"]["TLSv1.1"], "accepted", "{t}");
    assert_eq!(t["tls_versions"]["TLSv1.0"], "rejected", "{t}");
    assert!(codes(t).contains(&"PGTLS024".to_string()), "{t}");
    assert_eq!(status, 0, "a warning alone is not an error");
}

#[test]
fn ssl_off_and_nothing_listening() {
    let off = start(
        ClusterSpec::new()
            .setting("ssl", "off")
            .hba_line("host all all 127.0.0.1/32 scram-sha-256"),
    );
    let closed = free_port();
    let closed_target = format!("127.0.0.1:{closed}");
    let (status, json) = scan_json(&[&addr(&off), &closed_target]);
    assert_eq!(status, 1);
    let t = json["targets"].as_array().expect("targets");
    assert_eq!(codes(&t[0]), ["PGTLS009"]);
    assert_eq!(codes(&t[1]), ["PGTLS020"]);
    let top: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["target"].as_str())
        .collect();
    assert_eq!(top.len(), 2, "top-level findings carry their target");
}

#[test]
fn expired_chain() {
    let cluster = start(tls_scram(files::SERVER_EXPIRED, files::SERVER_EXPIRED_KEY));
    let (status, json) = scan_json(&[&addr(&cluster)]);
    assert_eq!(status, 1);
    let t = &json["targets"][0];
    assert!(codes(t).contains(&"PGTLS010".to_string()), "{t}");
    assert!(t["chain"][0]["days_left"].as_i64().is_some_and(|d| d < 0));
}

#[test]
fn chain_missing_its_intermediate_against_a_trust_store() {
    let lone = start(tls_scram(
        files::SERVER_VIA_INTERMEDIATE,
        files::SERVER_VIA_INTERMEDIATE_KEY,
    ));
    let full = start(tls_scram(
        files::SERVER_VIA_INTERMEDIATE_CHAIN,
        files::SERVER_VIA_INTERMEDIATE_KEY,
    ));
    // The root alone in its directory: nothing tells whether the missing
    // issuer is an intermediate or a root the client lacks.
    let alone = tempfile::tempdir().expect("dir");
    let root = alone.path().join("root.crt");
    std::fs::write(&root, pki().read(files::ROOT_CA).expect("root")).expect("root");
    let root = root.display().to_string();
    let (status, json) = scan_json(&["--trust", &root, &addr(&lone), &addr(&full)]);
    assert_eq!(status, 1);
    let t = json["targets"].as_array().expect("targets");
    let lone_findings = t[0]["findings"].as_array().expect("findings");
    let verify = lone_findings
        .iter()
        .find(|f| f["code"] == "PGTLS005")
        .expect("untrusted chain");
    assert!(verify["alternatives"]
        .as_array()
        .is_some_and(|a| a.contains(&Value::from("PGTLS014"))));
    assert!(
        verify["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("intermediate")),
        "{verify}"
    );
    assert_eq!(t[1]["chain"].as_array().map(Vec::len), Some(2));
    assert!(
        codes(&t[1]).is_empty(),
        "leaf + intermediate verifies: {}",
        t[1]
    );

    // Beside the lab's root lies the intermediate: then it is PGTLS014,
    // naming the file to append.
    let (_, json) = scan_json(&["--trust", &path(files::ROOT_CA), &addr(&lone)]);
    let f = json["targets"][0]["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "PGTLS014"))
        .unwrap_or_else(|| panic!("PGTLS014: {json:#}"));
    assert!(
        f["facts"]["intermediate"]
            .as_str()
            .is_some_and(|p| p.ends_with(".crt")),
        "{f}"
    );

    // Depth 0 is too short for leaf + intermediate.
    let (_, json) = scan_json(&["--trust", &root, "--verify-depth", "0", &addr(&full)]);
    assert!(
        codes(&json["targets"][0]).contains(&"PGTLS013".to_string()),
        "{json}"
    );
}

#[test]
fn client_certificate_request_and_ca_names() {
    let cluster = start(
        tls_scram(files::SERVER, files::SERVER_KEY)
            .with_client_ca(pki())
            .expect("client CA"),
    );
    let (_, json) = scan_json(&[&addr(&cluster)]);
    let t = &json["targets"][0];
    assert_eq!(t["client_certificate_requested"], true);
    let names = t["client_ca_names"].as_array().expect("CA names");
    assert!(
        names
            .iter()
            .any(|n| n.as_str().is_some_and(|s| s.contains("pgtls lab root CA"))),
        "{t}"
    );
}

#[test]
fn host_name_mismatch() {
    let cluster = start(tls_scram(
        files::SERVER_OTHER_HOST,
        files::SERVER_OTHER_HOST_KEY,
    ));
    let (status, json) = scan_json(&[&addr(&cluster)]);
    assert_eq!(status, 1);
    let t = &json["targets"][0];
    assert!(codes(t).contains(&"PGTLS012".to_string()), "{t}");
    let text = pgtls(&["scan", "--lang", "ja", &addr(&cluster)]);
    assert!(
        text.stdout.contains("PGTLS012")
            && text.stdout.contains("ホスト名")
            && text.stdout.contains("TLSv1.3 受け付け"),
        "{}",
        text.stdout
    );
}

#[test]
fn kong_view_from_kong_conf() {
    let cluster = start(
        tls_scram(files::SERVER, files::SERVER_KEY)
            .setting("ssl_min_protocol_version", "'TLSv1.3'"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("kong.conf");
    std::fs::write(
        &conf,
        format!(
            "pg_ssl = on\npg_ssl_verify = on\nlua_ssl_trusted_certificate = {}\nlua_ssl_protocols = TLSv1.2\n",
            pki().path(files::OTHER_CA).display()
        ),
    )
    .expect("write kong.conf");
    let (status, json) = scan_json(&[
        "--kong-conf",
        conf.to_str().expect("utf-8"),
        &addr(&cluster),
    ]);
    assert_eq!(status, 1);
    let found = codes(&json["targets"][0]);
    assert!(
        found.contains(&"PGTLS001".to_string()),
        "Kong offers only TLSv1.2: {found:?}"
    );
    assert!(
        found.contains(&"PGTLS005".to_string()),
        "Kong trusts another CA: {found:?}"
    );
}

#[test]
fn jsonl_streams_one_object_per_target_and_bad_targets_are_usage_errors() {
    let cluster = start(tls_scram(files::SERVER, files::SERVER_KEY));
    let run = pgtls(&["scan", "--format", "jsonl", &addr(&cluster), "127.0.0.1:1"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    for line in lines {
        let v: Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(v["target"].is_string());
    }
    let bad = pgtls(&["scan", "host:99999"]);
    assert_eq!(bad.status, 2);
    assert!(bad.stderr.contains("invalid port"), "{}", bad.stderr);
    let missing = pgtls(&["scan", "--targets-file", "/nonexistent/targets.txt"]);
    assert_eq!(missing.status, 2);
    assert!(missing.stderr.contains("/nonexistent/targets.txt"));
}

#[test]
fn jsonl_is_settled_by_the_parsed_command_not_by_words_in_argv() {
    // `scan` here is a file name given to `logs`, not the command.
    let run = pgtls(&["logs", "scan", "--format", "jsonl"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("--format jsonl") && run.stderr.contains("`scan` only"),
        "{}",
        run.stderr
    );
    let run = pgtls(&["--format=jsonl", "explain", "PGTLS004"]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    // The same words with a format logs renders: `scan` is read as a file.
    let run = pgtls(&["logs", "scan", "--format", "json"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("scan"), "{}", run.stderr);
    // And scan itself takes it either way.
    let run = pgtls(&["scan", "--format=jsonl", "127.0.0.1:1", "--timeout", "1"]);
    assert!(
        serde_json::from_str::<Value>(run.stdout.trim()).is_ok(),
        "{}",
        run.stdout
    );
}

fn target_findings<'a>(v: &'a Value, code: &str) -> Vec<&'a Value> {
    v["targets"][0]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == code)
        .collect()
}

/// A client certificate appended to the server's file is a chain out of
/// order with a stray certificate (PGTLS029, naming it), not a missing
/// intermediate; a leaf sent alone is said as information naming the
/// issuer every client must hold (PGTLS030).
#[test]
fn stray_and_leaf_only_chains_are_named_for_what_they_are() {
    let mut chain = pki().read(files::SERVER).expect("leaf");
    chain.extend(pki().read(files::CLIENT_KONG).expect("client"));
    let stray = start(
        ClusterSpec::new()
            .setting("ssl", "on")
            .file(pgtls_lab::DataFile::new(
                "server.crt",
                chain,
                0o600,
                pgtls_lab::Owner::ServerUser,
            ))
            .file(crate::lab_util::server_file(
                files::SERVER_KEY,
                "server.key",
                0o600,
            ))
            .hba_line(crate::lab_util::HOSTSSL_SCRAM),
    );
    let (_, v) = scan_json(&[&addr(&stray)]);
    let f = target_findings(&v, "PGTLS029");
    assert_eq!(f.len(), 1, "{v:#}");
    assert!(f[0]["evidence"].to_string().contains("CN=kong"), "{v:#}");
    assert!(target_findings(&v, "PGTLS014").is_empty(), "{v:#}");
    // With the trust store the chain still verifies (OpenSSL ignores the
    // stray certificate): a warning, not an error.
    let (status, _) = scan_json(&["--trust", &path(files::ROOT_CA), &addr(&stray)]);
    assert_eq!(status, 0);
    // The fix: ssl_cert_file in issuing order, without the stray.
    let order = f[0]["facts"]["issuing_order"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(order, "CN=localhost", "{v:#}");
    stray
        .write_file(
            "server.crt",
            &pki().read(files::SERVER).expect("leaf"),
            0o600,
            pgtls_lab::Owner::ServerUser,
        )
        .expect("rewrite");
    stray.reload().expect("reload");
    let (_, v) = scan_json(&[&addr(&stray)]);
    assert!(target_findings(&v, "PGTLS029").is_empty(), "{v:#}");
    let out = stray.psql(
        &format!(
            "sslmode=verify-full sslrootcert={} user=kong dbname=kong",
            path(files::ROOT_CA)
        ),
        &[("PGPASSWORD", pgtls_lab::LAB_PASSWORD)],
    );
    assert_eq!(out.status, 0, "psql after the fix: {}", out.stderr);

    let leaf_only = start(tls_scram(files::SERVER, files::SERVER_KEY));
    let (status, v) = scan_json(&[&addr(&leaf_only)]);
    assert_eq!(status, 0);
    let f = target_findings(&v, "PGTLS030");
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["severity"], "info");
    assert_eq!(f[0]["facts"]["issuer"], "CN=pgtls lab root CA");
    assert!(
        f[0]["notes"]
            .to_string()
            .contains("not in this host's system trust store"),
        "{v:#}"
    );
}
