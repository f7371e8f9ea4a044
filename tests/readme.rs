//! The README's catalogue table is generated from the data and must stay current.

use std::path::Path;

const START: &str = "<!-- catalogue:start -->\n";
const END: &str = "<!-- catalogue:end -->";

#[test]
fn readme_catalogue_table_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md is readable");
    let start = readme
        .find(START)
        .expect("README has the catalogue start marker")
        + START.len();
    let end = readme
        .find(END)
        .expect("README has the catalogue end marker");
    let table = pgtls_render::catalogue_markdown();
    if std::env::var_os("PGTLS_BLESS").is_some() {
        let updated = format!("{}{}{}", &readme[..start], table, &readme[end..]);
        std::fs::write(&path, updated).expect("README.md is writable");
        return;
    }
    assert_eq!(
        &readme[start..end],
        table,
        "README catalogue table is stale: run PGTLS_BLESS=1 cargo test -p pgtls --test integration readme"
    );
}

#[test]
fn readme_names_the_test_command_ci_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README");
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    assert!(readme.contains("```sh\ncargo test --workspace\n```"));
    assert!(ci.lines().any(|l| l.trim() == "cargo test --workspace"));
}
