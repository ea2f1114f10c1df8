//! The model-memory guard of `gbdt train` (issue 16), with a budget
//! injected through `GBDT_MEMORY_BUDGET_BYTES`: a run that cannot fit fails
//! before the data is read (exit 2), a run that outgrows the budget stops
//! after a round (exit 1), and neither leaves a file behind.

use crate::util::{gbdt_env, small_csv, TempDir};

const BUDGET: &str = "GBDT_MEMORY_BUDGET_BYTES";

/// The names of the files in `dir`.
fn files(dir: &TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn rounds_that_cannot_fit_fail_before_the_data_is_read() {
    let d = TempDir::new("guard-fast");
    // The data file does not exist: reading it would be exit 3.
    let args = [
        "train",
        "missing.csv",
        "-t",
        "y",
        "--rounds",
        "100000",
        "-o",
        "m.gbdt",
    ];
    let r = gbdt_env(d.path(), &args, &[(BUDGET, "1000000")]);
    r.expect_code(2).stderr_says(&[
        "bad value for --rounds: 100000 rounds grow 100000 trees",
        "even if every tree is a single leaf",
        "976.6 KiB from GBDT_MEMORY_BUDGET_BYTES",
        "--early-stopping-rounds",
    ]);
    assert!(files(&d).is_empty(), "{:?}", files(&d));
    // The same rounds within a larger budget get as far as the data.
    let r = gbdt_env(d.path(), &args, &[(BUDGET, "100000000000")]);
    r.expect_code(3).stderr_says(&["missing.csv"]);
}

#[test]
fn a_model_that_outgrows_the_budget_stops_training_without_output() {
    let d = TempDir::new("guard-round");
    d.write("d.csv", &small_csv(300, 4));
    // The process alone holds more than 2 MB: the first round is over the
    // budget. Early stopping could end the run in time, so the bound is
    // only a warning and the per-round check decides.
    let args = [
        "train",
        "d.csv",
        "-t",
        "y",
        "--drop",
        "label,kind",
        "--rounds",
        "50",
        "--early-stopping-rounds",
        "5",
        "--holdout",
        "0.2",
        "--checkpoint-every",
        "1",
        "-o",
        "m.gbdt",
    ];
    let r = gbdt_env(d.path(), &args, &[(BUDGET, "2000000")]);
    r.expect_code(1).stderr_says(&[
        "warning: --rounds 50 with trees of up to 127 nodes",
        "stopped after round 1 of --rounds 50: the process holds",
        "over 90% of the 1.9 MiB from GBDT_MEMORY_BUDGET_BYTES it may use; no model written",
    ]);
    assert!(!r.stderr.contains("round 2"), "{}", r.stderr);
    // The checkpoint of round 1 was written before the check; no model and
    // no temporary file.
    assert_eq!(files(&d), ["d.csv", "m.gbdt.checkpoint"]);
}

#[test]
fn a_bad_budget_value_is_a_usage_error() {
    let d = TempDir::new("guard-env");
    d.write("d.csv", &small_csv(50, 4));
    let args = ["train", "d.csv", "-t", "y", "-o", "m.gbdt"];
    gbdt_env(d.path(), &args, &[(BUDGET, "lots")])
        .expect_code(2)
        .stderr_says(&["GBDT_MEMORY_BUDGET_BYTES='lots' is not a whole number of bytes"]);
}
