//! `gbdt cv` (issue 14): the mean metric per round is the mean of what
//! `gbdt train --valid` gives on each fold split by hand; the report does
//! not depend on the thread count; LibSVM data folds as its CSV twin; bad
//! `--folds` values are usage errors. (The fold assignment itself, with its
//! stratification and groups, is unit-tested in `gbdt-io/src/folds.rs`.)

use serde_json::Value;

use crate::util::{gbdt_in, small_csv, Rng, Run, TempDir};

/// Runs `gbdt cv DATA ARGS` in `d` with `--report-json NAME.json`; the run
/// and the report.
fn cv(d: &TempDir, data: &str, name: &str, args: &[&str]) -> (Run, Value) {
    let report = d.file(&format!("{name}.json"));
    let mut all = vec!["cv", data, "--report-json", &report];
    all.extend_from_slice(args);
    let r = gbdt_in(d.path(), &all);
    r.ok();
    let json = serde_json::from_str(&d.read(&format!("{name}.json"))).unwrap();
    (r, json)
}

/// The `SET-METRIC=value` numbers of each per-round line of `train -v`.
fn per_round(stderr: &str, key: &str) -> Vec<f64> {
    stderr
        .lines()
        .filter(|l| l.starts_with("gbdt: round "))
        .map(|l| {
            let cell = l
                .split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{key}=")))
                .unwrap_or_else(|| panic!("no {key} in {l}"));
            cell.parse().unwrap()
        })
        .collect()
}

/// Mean and population standard deviation, summed in fold order.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// Trains on each fold split by hand (the CSV lines of the other folds,
/// `--valid` the fold's lines) with `args`, and checks that cv's per-round
/// means and stds of every metric are those of the folds' `-v` logs, to
/// their printed precision, and the last round's mean exactly that of the
/// folds' reports.
fn matches_training_by_hand(name: &str, csv: &str, metrics: &[&str], folds: &str, args: &[&str]) {
    let d = TempDir::new(name);
    let data = d.write("d.csv", csv);
    let folds_file = d.file("folds.csv");
    let mut cv_args = vec!["--write-folds", folds_file.as_str(), "--folds", folds];
    cv_args.extend_from_slice(args);
    let (_, rep) = cv(&d, &data, "cv", &cv_args);
    let fold_of: Vec<usize> = d
        .read("folds.csv")
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let (header, rows) = csv.split_once('\n').unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(fold_of.len(), rows.len());
    let k = rep["folds"]["k"].as_u64().unwrap() as usize;
    let rounds = rep["rounds"].as_u64().unwrap() as usize;

    // metric -> fold -> per-round values (printed), and the last (exact).
    let mut logged = vec![Vec::new(); metrics.len()];
    let mut last = vec![Vec::new(); metrics.len()];
    for f in 0..k {
        let part = |held: bool| {
            let lines: Vec<&str> = (0..rows.len())
                .filter(|&r| (fold_of[r] == f) == held)
                .map(|r| rows[r])
                .collect();
            format!("{header}\n{}\n", lines.join("\n"))
        };
        let train = d.write(&format!("train{f}.csv"), &part(false));
        let valid = d.write(&format!("valid{f}.csv"), &part(true));
        let (model, report) = (d.file(&format!("m{f}.gbdt")), d.file(&format!("r{f}.json")));
        let mut all = vec!["train", &train, "--valid", &valid, "-o", &model, "-v"];
        all.extend_from_slice(&["--report-json", &report]);
        all.extend_from_slice(args);
        let r = gbdt_in(d.path(), &all);
        r.ok();
        let rep_f: Value = serde_json::from_str(&d.read(&format!("r{f}.json"))).unwrap();
        assert_eq!(rep_f["valid_rows"], rep["folds"]["valid_rows"][f]);
        for (m, metric) in metrics.iter().enumerate() {
            let values = per_round(&r.stderr, &format!("valid-{metric}"));
            assert_eq!(values.len(), rounds, "fold {f}: {}", r.stderr);
            logged[m].push(values);
            last[m].push(rep_f["metrics"]["valid"][metric].as_f64().unwrap());
        }
    }
    for (m, metric) in metrics.iter().enumerate() {
        let history = &rep["history"]["valid"][metric];
        for round in 0..rounds {
            let folds: Vec<f64> = logged[m].iter().map(|v| v[round]).collect();
            let (mean, std) = mean_std(&folds);
            let cv_mean = history["mean"][round].as_f64().unwrap();
            let cv_std = history["std"][round].as_f64().unwrap();
            // Each fold's value is printed to 6 decimals (error <= 5e-7).
            assert!(
                (cv_mean - mean).abs() <= 5.1e-7,
                "{metric} round {round}: {cv_mean} vs {mean}"
            );
            assert!(
                (cv_std - std).abs() <= 1.1e-6,
                "{metric} round {round}: {cv_std} vs {std}"
            );
        }
        // The saved final metrics are exact: the same bits.
        let (mean, _) = mean_std(&last[m]);
        assert_eq!(
            history["mean"][rounds - 1].as_f64().unwrap(),
            mean,
            "{metric}"
        );
    }
}

#[test]
fn the_mean_per_round_is_that_of_training_each_fold_by_hand() {
    // Binary (stratified folds), with a categorical and a bool column.
    let csv = small_csv(300, 21);
    let args = [
        "-t", "label", "--drop", "y,kind", "--rounds", "6", "--seed", "5",
    ];
    let args = [&args[..], &["--max-depth", "3"]].concat();
    matches_training_by_hand("cv-hand-bin", &csv, &["auc", "logloss"], "4", &args);
    // Regression (shuffled folds), weighted: `train --valid` weighs the
    // validation rows by --weight as cv weighs its held-out folds.
    let args = [
        "-t", "y", "--drop", "label", "--rounds", "5", "--weight", "x1",
    ];
    matches_training_by_hand("cv-hand-reg", &csv, &["rmse"], "3", &args);
}

#[test]
fn ranking_folds_keep_queries_whole_and_match_training_by_hand() {
    // 30 queries of 6 documents; each fold holds out whole queries, so the
    // hand split keeps every query's rows together and contiguous.
    let (csv, _) = crate::ranking::queries(30, 6, 8);
    let args = [
        "-t",
        "grade",
        "--group",
        "query",
        "--objective",
        "rank:ndcg",
        "--eval-at",
        "3,5",
        "--rounds",
        "4",
        "--max-leaves",
        "5",
    ];
    matches_training_by_hand("cv-hand-rank", &csv, &["ndcg@3", "ndcg@5"], "3", &args);
    let d = TempDir::new("cv-rank-groups");
    let data = d.write("d.csv", &csv);
    let folds = d.file("folds.csv");
    let (_, rep) = cv(
        &d,
        &data,
        "cv",
        &[&args[..], &["--write-folds", &folds]].concat(),
    );
    assert_eq!(rep["folds"]["grouped"], true);
    let fold_of: Vec<String> = (d.read("folds.csv").lines().skip(1))
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    for query in fold_of.chunks(6) {
        assert!(query.iter().all(|f| *f == query[0]), "{query:?}");
    }
}

#[test]
fn one_or_two_threads_give_the_same_report() {
    let d = TempDir::new("cv-threads");
    let data = d.write("d.csv", &small_csv(400, 4));
    let run = |name: &str, threads: &str| {
        let args = [
            "-t",
            "kind",
            "--folds",
            "3",
            "--rounds",
            "60",
            "--learning-rate",
            "0.8",
            "--early-stopping-rounds",
            "3",
            "--train-metrics",
            "--subsample",
            "0.8",
            "--threads",
            threads,
        ];
        let (r, mut rep) = cv(&d, &data, name, &args);
        let threads_n = threads.parse::<u64>().unwrap();
        assert_eq!(rep["threads"], threads_n);
        let obj = rep.as_object_mut().unwrap();
        obj.remove("threads");
        obj.remove("timings");
        // The flag's value; everything it may not change is compared.
        let threads = rep["params"].as_object_mut().unwrap().remove("threads");
        assert_eq!(threads, Some(serde_json::json!(threads_n)));
        (r.stdout, rep)
    };
    let (table1, rep1) = run("t1", "1");
    let (table2, rep2) = run("t2", "2");
    assert_eq!(table1, table2);
    assert_eq!(rep1, rep2);
    // Multiclass: stratified, scored with mlogloss, early stopped on its mean.
    assert_eq!(rep1["objective"], "multi:softprob");
    assert_eq!(rep1["folds"]["stratified"], true);
    assert_eq!(rep1["watched"], "valid-mlogloss-mean");
    let rounds = rep1["rounds"].as_u64().unwrap();
    let best = rep1["best_iteration"].as_u64().unwrap();
    assert!(rounds < 60, "stopped early: {rounds}");
    assert_eq!(rounds, best + 1 + 3, "3 rounds past the best");
    let means = rep1["history"]["valid"]["mlogloss"]["mean"]
        .as_array()
        .unwrap();
    let mean = |i: u64| means[i as usize].as_f64().unwrap();
    assert!((0..rounds).all(|i| mean(i) >= mean(best)));
    assert_eq!(
        rep1["best"]["valid"]["mlogloss"]["mean"].as_f64(),
        Some(mean(best))
    );
    assert!(mean(best) < 0.7, "held-out mlogloss {}", mean(best));
    assert!(rep1["history"]["train"]["mlogloss"]["mean"][0]
        .as_f64()
        .is_some());
    // The table: a header, then one line per round.
    let lines: Vec<&str> = table1.lines().collect();
    assert_eq!(lines.len() as u64, rounds + 1);
    assert!(
        lines[0].starts_with("iteration  train-merror-mean"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with("valid-mlogloss-mean  valid-mlogloss-std"),
        "{}",
        lines[0]
    );
    let first: Vec<f64> = lines[1]
        .split_whitespace()
        .map(|c| c.parse().unwrap())
        .collect();
    assert_eq!(first[0], 0.0);
    let printed = rep1["history"]["valid"]["mlogloss"]["mean"][0]
        .as_f64()
        .unwrap();
    assert!((first[first.len() - 2] - printed).abs() <= 5e-7);
}

#[test]
fn libsvm_data_folds_as_its_csv_twin() {
    let d = TempDir::new("cv-libsvm");
    let mut rng = Rng::new(8);
    let (mut svm, mut csv) = (String::new(), String::from("f0,f1,label\n"));
    for _ in 0..120 {
        let (a, b) = (
            (rng.uniform() * 50.0).round() / 10.0,
            (rng.uniform() * 50.0).round() / 10.0,
        );
        let y = u8::from(a + b + rng.uniform() * 2.0 > 6.0);
        svm += &format!("{y} 1:{a} 2:{b}\n");
        csv += &format!("{a},{b},{y}\n");
    }
    let svm = d.write("d.svm", &svm);
    let csv = d.write("d.csv", &csv);
    let args = [
        "--folds",
        "3",
        "--rounds",
        "4",
        "--objective",
        "binary:logistic",
    ];
    let (_, a) = cv(&d, &svm, "svm", &args);
    let (_, b) = cv(&d, &csv, "csv", &[&args[..], &["-t", "label"]].concat());
    assert_eq!(a["history"], b["history"]);
    assert_eq!(a["folds"]["valid_rows"], serde_json::json!([40, 40, 40]));
    let r = gbdt_in(d.path(), &["cv", &svm, "-t", "label"]);
    r.expect_code(2)
        .stderr_says(&["--target names a CSV column"]);
}

#[test]
fn bad_fold_counts_are_usage_errors() {
    let d = TempDir::new("cv-errors");
    let data = d.write("d.csv", &small_csv(10, 1));
    let r = gbdt_in(d.path(), &["cv", &data, "-t", "label", "--folds", "1"]);
    r.expect_code(2)
        .stderr_says(&["--folds", "expected at least 2 folds"]);
    let r = gbdt_in(d.path(), &["cv", &data, "-t", "label", "--folds", "five"]);
    r.expect_code(2)
        .stderr_says(&["'five' is not a whole number"]);
    let r = gbdt_in(d.path(), &["cv", &data, "-t", "label", "--folds", "11"]);
    r.expect_code(2).stderr_says(&[
        "invalid --folds \"11\": use at most 10 folds: each fold holds out at least one of the 10 rows",
    ]);
    assert!(r.stdout.is_empty());
    // Train's flags are checked the same way.
    let r = gbdt_in(d.path(), &["cv", &data, "-t", "label", "--max-depth", "x"]);
    r.expect_code(2);
    let r = gbdt_in(d.path(), &["cv", "missing.csv", "-t", "label"]);
    r.expect_code(3);
}

#[test]
fn help_documents_cv() {
    let d = TempDir::new("cv-help");
    let r = gbdt_in(d.path(), &["cv", "--help"]);
    r.ok();
    for needle in [
        "--folds <K>",
        "--train-metrics",
        "--report-json",
        "--early-stopping-rounds",
        "standard\ndeviation (population, as xgboost.cv)",
        "Exit codes:",
    ] {
        assert!(r.stdout.contains(needle), "{needle}: {}", r.stdout);
    }
    assert!(!r.stdout.contains("--write-folds"), "a hidden flag");
    assert!(!r.stdout.contains("--output"), "cv writes no model");
    let r = gbdt_in(d.path(), &["--help"]);
    assert!(r.stdout.contains("gbdt cv "));
}

#[test]
fn eval_and_valid_weigh_rows_by_the_weight_column() {
    // The same file as training and validation set, weighted by x1: the
    // report's validation rmse is what `eval --weight x1` computes, and
    // differs from the unweighted score.
    let d = TempDir::new("cv-eval-weight");
    let data = d.write("d.csv", &small_csv(200, 4));
    let (model, report) = (d.file("m.gbdt"), d.file("r.json"));
    let train = [
        "train", &data, "-t", "y", "--drop", "label", "--weight", "x1", "--rounds", "4",
    ];
    let out = [
        "--valid",
        &data,
        "-o",
        &model,
        "--report-json",
        &report,
        "--quiet",
    ];
    gbdt_in(d.path(), &[&train[..], &out[..]].concat()).ok();
    let rep: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    let valid = rep["metrics"]["valid"]["rmse"].as_f64().unwrap();
    let eval = |extra: &[&str]| -> f64 {
        let args = [
            &["eval", &model, &data, "--metric", "rmse", "--json"][..],
            extra,
        ]
        .concat();
        let r = gbdt_in(d.path(), &args);
        r.ok();
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        v["rmse"].as_f64().unwrap()
    };
    let weighted = eval(&["--weight", "x1"]);
    assert_eq!(weighted, valid);
    assert!((eval(&[]) - weighted).abs() > 1e-6, "{weighted}");
}
