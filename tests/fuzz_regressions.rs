//! Replays the fuzz seed corpora and every kept crash input through the same
//! entry points the fuzz targets use, so a fixed crash stays fixed.

use std::path::Path;

#[test]
fn seed_corpora_and_regressions_run_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for target in pgtls_fuzzing::TARGETS {
        for kind in ["corpus", "regressions"] {
            let dir = root.join(kind).join(target);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let data = std::fs::read(entry.path()).expect("fuzz input is readable");
                pgtls_fuzzing::run(target, &data);
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= pgtls_fuzzing::TARGETS.len(),
        "every target has at least one seed ({replayed} replayed)"
    );
}

#[test]
fn every_target_survives_hostile_shapes() {
    let shapes: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0; 4096],
        vec![0xff; 4096],
        b"\"".repeat(100_000),
        b"@".repeat(10_000),
        "ヒント:  ".repeat(1000).into_bytes(),
        (0..=255u8).cycle().take(70_000).collect(),
    ];
    for target in pgtls_fuzzing::TARGETS {
        for data in &shapes {
            pgtls_fuzzing::run(target, data);
        }
    }
}
