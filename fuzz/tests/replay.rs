//! Every committed corpus file (`corpus/TARGET/`) and every crash that was
//! found and fixed (`regressions/TARGET/`) through its target, on stable
//! Rust without the fuzzer: what CI runs (`.ci/run`). A file that panics
//! fails the test with the target and file named.

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

fn replay(folder: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut count = 0;
    for target in gbdt_fuzz::TARGETS {
        for file in files(&root.join(target.name)) {
            let bytes = std::fs::read(&file).expect("a readable corpus file");
            let run = std::panic::catch_unwind(|| (target.run)(&bytes));
            assert!(
                run.is_ok(),
                "target {} panics on {}",
                target.name,
                file.display()
            );
            count += 1;
        }
    }
    count
}

#[test]
fn every_corpus_file_runs_through_its_target() {
    // Every target has seeds.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for target in gbdt_fuzz::TARGETS {
        assert!(
            !files(&root.join(target.name)).is_empty(),
            "no corpus for {}",
            target.name
        );
    }
    assert!(replay("corpus") >= gbdt_fuzz::TARGETS.len());
}

#[test]
fn every_fixed_crash_runs_through_its_target() {
    replay("regressions");
}
