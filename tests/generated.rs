//! The committed man pages (man/) and completion scripts (completions/) are
//! generated from the CLI's definitions and must stay current, like the
//! README's catalogue table: `PGTLS_BLESS=1` regenerates them.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::pgtls;

/// The files of `dir` by name (none when it does not exist).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("directory entry"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("readable"))
        })
        .collect()
}

/// Compares `fresh` with the committed directory `name`, or replaces the
/// committed files when blessing.
fn keep_current(name: &str, fresh: BTreeMap<String, Vec<u8>>) {
    let committed_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    if std::env::var_os("PGTLS_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&committed_dir);
        std::fs::create_dir_all(&committed_dir).expect("create");
        for (file, bytes) in &fresh {
            std::fs::write(committed_dir.join(file), bytes).expect("write");
        }
        return;
    }
    let committed = files(&committed_dir);
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&committed),
        names(&fresh),
        "{name}/ is stale: run PGTLS_BLESS=1 cargo test -p pgtls --test integration generated"
    );
    for (file, bytes) in &fresh {
        assert!(
            committed[file] == *bytes,
            "{name}/{file} is stale: run PGTLS_BLESS=1 cargo test -p pgtls --test integration generated"
        );
    }
}

#[test]
fn man_pages_are_current_one_per_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("man1");
    let run = pgtls(&["man", "--dir", out.to_str().expect("utf-8")]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let fresh = files(&out);
    for page in [
        "pgtls.1",
        "pgtls-probe.1",
        "pgtls-scan.1",
        "pgtls-check.1",
        "pgtls-logs.1",
        "pgtls-explain.1",
        "pgtls-setup.1",
        "pgtls-fix.1",
        "pgtls-demo.1",
        "pgtls-exporter.1",
        "pgtls-completions.1",
        "pgtls-man.1",
    ] {
        assert!(fresh.contains_key(page), "no {page} in {:?}", fresh.keys());
    }
    let probe = String::from_utf8_lossy(&fresh["pgtls-probe.1"]).into_owned();
    assert!(probe.contains("\\-\\-kong\\-conf"), "{probe}");
    // The global flags are on every command's page.
    assert!(probe.contains("\\-\\-format"), "{probe}");
    keep_current("man", fresh);
}

#[test]
fn completion_scripts_are_current_for_bash_zsh_and_fish() {
    let mut fresh = BTreeMap::new();
    for (shell, file) in [
        ("bash", "pgtls.bash"),
        ("zsh", "_pgtls"),
        ("fish", "pgtls.fish"),
    ] {
        let run = pgtls(&["completions", shell]);
        assert_eq!(run.status, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("kong-conf"), "{shell}: {}", run.stdout);
        fresh.insert(file.to_string(), run.stdout.into_bytes());
    }
    keep_current("completions", fresh);
}

#[test]
fn an_unknown_shell_or_an_unwritable_man_dir_is_a_clear_error() {
    let run = pgtls(&["completions", "tcsh"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("bash"), "{}", run.stderr);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let run = pgtls(&["man", "--dir", file.to_str().expect("utf-8")]);
    assert_eq!(run.status, 2, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stderr.starts_with("pgtls: cannot create"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}
