//! `gbdt train --holdout F` (issue 14): a seeded, stratified fraction of the
//! training rows is the validation set `holdout`; the summary says plainly
//! when its metrics are on training rows. (The split itself is tested row
//! by row in gbdt-io: `gbdt-io/tests/holdout.rs`.)

use serde_json::Value;

use crate::util::{credit_csv, gbdt_in, small_csv, Run, TempDir};

const CREDIT_TARGET: &str = "Number of Credit Problems > 1";

/// The training-rows wording of the summary's metrics line.
const TRAINING_ROWS: &str =
    "metrics         (training rows — not a held-out score; use --holdout 0.2 or --valid) train-auc=";

/// Trains in `d` with `args` after `train DATA`, writing `NAME.gbdt` and
/// `NAME.json` (the report); returns the run and the report.
fn train(d: &TempDir, data: &str, name: &str, args: &[&str]) -> (Run, Value) {
    let model = d.file(&format!("{name}.gbdt"));
    let report = d.file(&format!("{name}.json"));
    let mut all = vec!["train", data, "-o", &model, "--report-json", &report];
    all.extend_from_slice(args);
    let r = gbdt_in(d.path(), &all);
    r.ok();
    let json = serde_json::from_str(&d.read(&format!("{name}.json"))).unwrap();
    (r, json)
}

#[test]
fn holdout_rows_are_the_validation_set_stratified_for_classes() {
    let d = TempDir::new("holdout-size");
    let data = d.write("d.csv", &small_csv(500, 3));
    let (r, rep) = train(
        &d,
        &data,
        "bin",
        &["-t", "label", "--holdout", "0.2", "--rounds", "5"],
    );
    assert_eq!(rep["rows"], 400);
    assert_eq!(rep["valid_rows"], 100);
    assert_eq!(
        rep["holdout"],
        serde_json::json!({"fraction": 0.2, "rows": 100, "stratified": true, "seed": 0})
    );
    assert_eq!(rep["metrics_on"], "holdout");
    assert!(rep["metrics"]["holdout"]["auc"].as_f64().unwrap() > 0.8);
    assert!(rep["metrics"].get("train").is_none());
    r.stderr_says(&[
        "validation set 'holdout': 100 held out (--holdout 0.2, stratified by class, seed 0); \
         training on the other 400 rows",
        "rows            400; 100 held out (--holdout 0.2, stratified by class, seed 0)",
        "holdout-auc=",
    ]);
    assert!(!r.stderr.contains("train-auc"), "{}", r.stderr);
    assert!(!r.stderr.contains("training rows —"), "{}", r.stderr);

    // Multiclass: stratified too, scored with the multiclass metrics.
    let (_, rep) = train(
        &d,
        &data,
        "multi",
        &["-t", "kind", "--holdout", "0.2", "--rounds", "3"],
    );
    assert_eq!(
        (rep["rows"].as_u64(), rep["valid_rows"].as_u64()),
        (Some(400), Some(100))
    );
    assert_eq!(rep["holdout"]["stratified"], true);
    assert!(rep["metrics"]["holdout"]["mlogloss"].as_f64().unwrap() < 1.0);

    // Regression: plain random rows, from the config file's key.
    let config = d.write("c.toml", "holdout = 0.3\nrounds = 5\n");
    let (r, rep) = train(&d, &data, "reg", &["-t", "y", "--config", &config]);
    assert_eq!(
        (rep["rows"].as_u64(), rep["valid_rows"].as_u64()),
        (Some(350), Some(150))
    );
    assert_eq!(rep["holdout"]["stratified"], false);
    assert!(rep["metrics"]["holdout"]["rmse"].as_f64().unwrap() < 3.0);
    r.stderr_says(&[
        "150 held out (--holdout 0.3, random rows, seed 0)",
        "holdout-rmse=",
    ]);
}

#[test]
fn the_split_is_the_seed_s_whatever_the_thread_count() {
    let d = TempDir::new("holdout-seed");
    let credit = credit_csv();
    let run = |name: &str, seed: &str, threads: &str| {
        let args = [
            "-t",
            CREDIT_TARGET,
            "--holdout",
            "0.25",
            "--seed",
            seed,
            "--rounds",
            "8",
            "--threads",
            threads,
        ];
        let (_, rep) = train(&d, &credit, name, &args);
        let bytes = std::fs::read(d.file(&format!("{name}.gbdt"))).unwrap();
        (bytes, rep)
    };
    let (one, rep1) = run("s1t1", "1", "1");
    let (two, _) = run("s1t2", "1", "2");
    assert!(
        one == two,
        "same seed, 1 vs 2 threads: the model bytes differ"
    );
    // With no row or column sampling the seed only draws the holdout: a
    // different seed keeps out other rows, so the model and its score differ.
    let (other, rep2) = run("s2t1", "2", "1");
    assert!(one != other, "seeds 1 and 2 gave the same model");
    let logloss = |rep: &Value| rep["metrics"]["holdout"]["logloss"].as_f64().unwrap();
    assert_ne!(logloss(&rep1), logloss(&rep2));
    assert_eq!(rep1["holdout"]["rows"], 2500);
}

#[test]
fn early_stopping_watches_the_holdout() {
    let d = TempDir::new("holdout-es");
    let args = [
        "-t",
        CREDIT_TARGET,
        "--holdout",
        "0.2",
        "--early-stopping-rounds",
        "5",
        "--rounds",
        "300",
        "--learning-rate",
        "0.5",
    ];
    let (r, rep) = train(&d, &credit_csv(), "es", &args);
    let rounds = rep["rounds"].as_u64().unwrap();
    let best = rep["best_iteration"].as_u64().expect("a best iteration");
    assert!(rounds < 300, "stopped early: {rounds}");
    assert_eq!(rounds, best + 1 + 5, "5 rounds past the best");
    r.stderr_says(&["best iteration", "holdout-logloss="]);
}

/// Without early stopping the saved model has every round, and so do the
/// summary's metrics: the last round's, not the best one's.
#[test]
fn without_early_stopping_the_score_is_the_last_round_s() {
    let d = TempDir::new("holdout-last");
    let args = [
        "-t",
        CREDIT_TARGET,
        "--holdout",
        "0.2",
        "--rounds",
        "40",
        "--learning-rate",
        "1",
    ];
    let (r, rep) = train(&d, &credit_csv(), "last", &args);
    let last = r
        .stderr
        .lines()
        .find(|l| l.contains("round 40/40"))
        .unwrap();
    let auc = rep["metrics"]["holdout"]["auc"].as_f64().unwrap();
    assert!(
        last.ends_with(&format!(
            "holdout-auc={auc:.6} holdout-logloss={:.6}",
            rep["metrics"]["holdout"]["logloss"].as_f64().unwrap()
        )),
        "{last} vs {auc}"
    );
    // This run overfits: some earlier round scored better than the last.
    let best = r
        .stderr
        .lines()
        .filter_map(|l| l.split("holdout-auc=").nth(1))
        .filter_map(|v| v.split(' ').next()?.parse::<f64>().ok())
        .fold(0.0, f64::max);
    assert!(best > auc, "{best} vs {auc}: {}", r.stderr);
}

#[test]
fn summary_says_when_metrics_are_on_training_rows() {
    let d = TempDir::new("holdout-words");
    let data = d.write("d.csv", &small_csv(200, 5));
    let (r, rep) = train(&d, &data, "m", &["-t", "label", "--rounds", "3"]);
    r.stderr_says(&[TRAINING_ROWS]);
    assert_eq!(rep["metrics_on"], "train");
    assert_eq!(rep["holdout"], Value::Null);
    let (r, rep) = train(
        &d,
        &data,
        "n",
        &["-t", "label", "--rounds", "3", "--no-train-metrics"],
    );
    r.stderr_says(&["metrics         none (no evaluation set)"]);
    assert_eq!(rep["metrics_on"], Value::Null);
}

#[test]
fn bad_holdout_values_are_usage_errors_naming_the_flag() {
    let d = TempDir::new("holdout-bad");
    let data = d.write("d.csv", &small_csv(50, 1));
    for bad in ["0", "1", "-0.1", "nan", "0.2x"] {
        gbdt_in(d.path(), &["train", &data, "-t", "label", "--holdout", bad])
            .expect_code(2)
            .stderr_says(&["--holdout"]);
    }
    let config = d.write("c.toml", "holdout = 1.5\n");
    gbdt_in(
        d.path(),
        &["train", &data, "-t", "label", "--config", &config],
    )
    .expect_code(2)
    .stderr_says(&["key 'holdout'", "--holdout"]);
    let valid = d.write("v.csv", &small_csv(20, 2));
    gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "-t",
            "label",
            "--holdout",
            "0.2",
            "--valid",
            &valid,
        ],
    )
    .expect_code(2)
    .stderr_says(&["--holdout and --valid both make a validation set"]);
    gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "-t",
            "label",
            "--early-stopping-rounds",
            "3",
        ],
    )
    .expect_code(2)
    .stderr_says(&["--holdout 0.2", "--valid"]);
    // Too few rows for the fraction: bad input, nothing written.
    let tiny = d.write("t.csv", "x,y\n1,0\n2,1\n3,0\n");
    gbdt_in(d.path(), &["train", &tiny, "-t", "y", "--holdout", "0.1"])
        .expect_code(3)
        .stderr_says(&["--holdout 0.1 of 3 rows keeps out no row"]);
    assert!(!d.path().join("model.gbdt").exists());
}
