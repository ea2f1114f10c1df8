//! End-to-end tests of the `gbdt` binary: every command, every exit code,
//! every documented error, and the example workflow.

mod cv;
mod foreign;
mod group_objective;
mod holdout;
mod libsvm;
mod memory_guard;
mod outputs;
mod quantile;
mod ranking;
mod shutdown;
mod stream;
mod util;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;

use serde_json::Value;
use util::{
    credit_csv, csv_rows, gbdt_env, gbdt_in, gbdt_stderr_to, gbdt_stdin, small_csv, Rng, TempDir,
};

const CREDIT_TARGET: &str = "Number of Credit Problems > 1";

/// One model trained on the example data, shared by the tests that only
/// read it. Lives in Cargo's per-target temp dir.
fn credit_model() -> &'static (PathBuf, Value) {
    static MODEL: OnceLock<(PathBuf, Value)> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gbdt-cli-credit");
        std::fs::create_dir_all(&dir).unwrap();
        let model = dir.join("credit.gbdt");
        let report = dir.join("report.json");
        let r = gbdt_in(
            &dir,
            &[
                "train",
                &credit_csv(),
                "--target",
                CREDIT_TARGET,
                "--rounds",
                "20",
                "--output",
                model.to_str().unwrap(),
                "--report-json",
                report.to_str().unwrap(),
            ],
        );
        r.ok();
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        (model, report)
    })
}

fn credit_model_path() -> String {
    credit_model().0.to_string_lossy().into_owned()
}

fn here() -> TempDir {
    TempDir::new("t")
}

// ---------------------------------------------------------------- help, usage

#[test]
fn help_and_version_go_to_stdout_with_exit_0() {
    let d = here();
    let r = gbdt_in(d.path(), &["--help"]);
    r.ok();
    assert!(r.stdout.contains("Examples:") && r.stdout.contains("Exit codes:"));
    assert!(r.stderr.is_empty());
    for cmd in [
        "train",
        "predict",
        "eval",
        "importance",
        "inspect",
        "dump",
        "convert",
    ] {
        let r = gbdt_in(d.path(), &[cmd, "--help"]);
        r.ok();
        assert!(
            r.stdout.contains("Examples:"),
            "{cmd} --help lacks examples"
        );
        assert!(
            r.stdout.contains("3  bad input"),
            "{cmd} --help lacks exit codes"
        );
    }
    let r = gbdt_in(d.path(), &["--version"]);
    r.ok();
    assert_eq!(
        r.stdout.trim(),
        format!("gbdt {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn usage_errors_exit_2() {
    let d = here();
    gbdt_in(d.path(), &[])
        .expect_code(2)
        .stderr_says(&["command"]);
    gbdt_in(d.path(), &["fly"])
        .expect_code(2)
        .stderr_says(&["fly"]);
    gbdt_in(
        d.path(),
        &["train", "x.csv", "--target", "y", "--frobnicate"],
    )
    .expect_code(2)
    .stderr_says(&["--frobnicate"]);
    // --target is required for CSV data (LibSVM data has its label on
    // each line, so the file is read first to know its format).
    d.write("x.csv", "a,y\n1,2\n");
    gbdt_in(d.path(), &["train", "x.csv"])
        .expect_code(2)
        .stderr_says(&["--target is required for CSV data"]);
    gbdt_in(d.path(), &["train", "x.csv", "--format", "libsvm"])
        .expect_code(3)
        .stderr_says(&["x.csv, line 1, token 1: label 'a,y' is not a number"]);
    gbdt_in(d.path(), &["train", "x.csv", "-t", "y", "--rounds", "many"])
        .expect_code(2)
        .stderr_says(&["--rounds", "many"]);
}

#[test]
fn bad_flag_values_exit_2_and_name_the_flag() {
    let d = here();
    let data = d.write("d.csv", &small_csv(50, 1));
    for (flag, value) in [
        ("--learning-rate", "-1"),
        ("--max-bin", "1"),
        ("--subsample", "0"),
        ("--threads", "0"),
        ("--objective", "reg:magic"),
        ("--grow-policy", "sideways"),
        ("--eval-metric", "accuracy"),
    ] {
        gbdt_in(
            d.path(),
            &["train", &data, "--target", "label", flag, value],
        )
        .expect_code(2)
        .stderr_says(&[flag]);
    }
    // Checked before the data is read: a bad value wins over a missing file.
    gbdt_in(
        d.path(),
        &["train", "missing.csv", "-t", "y", "--learning-rate", "-1"],
    )
    .expect_code(2);
    gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "-t",
            "label",
            "--early-stopping-rounds",
            "5",
        ],
    )
    .expect_code(2)
    .stderr_says(&["--valid"]);
    gbdt_in(
        d.path(),
        &["train", &data, "-t", "label", "--delimiter", ";;"],
    )
    .expect_code(2)
    .stderr_says(&["--delimiter"]);
    assert!(!d.path().join("model.gbdt").exists());
}

#[test]
fn bad_config_file_exits_2() {
    let d = here();
    let data = d.write("d.csv", &small_csv(50, 1));
    let cfg = d.write("p.toml", "learning_rat = 0.1\n");
    gbdt_in(d.path(), &["train", &data, "-t", "label", "--config", &cfg])
        .expect_code(2)
        .stderr_says(&["learning_rat", "p.toml"]);
    gbdt_in(
        d.path(),
        &["train", &data, "-t", "label", "--config", "nope.toml"],
    )
    .expect_code(2)
    .stderr_says(&["nope.toml"]);
}

// ------------------------------------------------------------------ bad input

#[test]
fn missing_files_exit_3() {
    let d = here();
    gbdt_in(d.path(), &["train", "no-such.csv", "--target", "y"])
        .expect_code(3)
        .stderr_says(&["no-such.csv"]);
    gbdt_in(d.path(), &["predict", "no-model.gbdt", "x.csv"])
        .expect_code(3)
        .stderr_says(&["no-model.gbdt"]);
    gbdt_in(d.path(), &["inspect", "no-model.gbdt"]).expect_code(3);
}

#[test]
fn unknown_target_column_exits_3_and_lists_columns() {
    let d = here();
    let data = d.write("d.csv", &small_csv(50, 1));
    gbdt_in(d.path(), &["train", &data, "--target", "Nope > 1"])
        .expect_code(3)
        .stderr_says(&["Nope", "x1"]);
    gbdt_in(
        d.path(),
        &["train", &data, "--target", "label", "--drop", "zz"],
    )
    .expect_code(3)
    .stderr_says(&["zz"]);
}

#[test]
fn malformed_target_expression_exits_2() {
    let d = here();
    let data = d.write("d.csv", &small_csv(50, 1));
    for expr in ["x1 >", "x1 > abc", ""] {
        let r = gbdt_in(d.path(), &["train", &data, "--target", expr]);
        r.expect_code(2).stderr_says(&["target"]);
    }
}

#[test]
fn empty_and_header_only_csv_exit_3() {
    let d = here();
    let empty = d.write("empty.csv", "");
    gbdt_in(d.path(), &["train", &empty, "--target", "y"])
        .expect_code(3)
        .stderr_says(&["empty.csv", "empty"]);
    let header = d.write("header.csv", "a,y\n");
    gbdt_in(d.path(), &["train", &header, "--target", "y"])
        .expect_code(3)
        .stderr_says(&["header.csv"]);
}

#[test]
fn a_file_that_is_not_a_model_exits_3() {
    let d = here();
    let data = d.write("d.csv", &small_csv(20, 1));
    for cmd in ["inspect", "importance", "dump"] {
        gbdt_in(d.path(), &[cmd, &data])
            .expect_code(3)
            .stderr_says(&["not a gbdt model"]);
    }
    gbdt_in(d.path(), &["predict", &data, &data])
        .expect_code(3)
        .stderr_says(&["not a gbdt model"]);
    // A truncated model.
    let bytes = std::fs::read(credit_model_path()).unwrap();
    let cut = d.file("cut.gbdt");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    gbdt_in(d.path(), &["inspect", &cut])
        .expect_code(3)
        .stderr_says(&["cut.gbdt"]);
}

#[test]
fn prediction_data_missing_a_feature_exits_3_and_names_it() {
    let d = here();
    let csv = std::fs::read_to_string(credit_csv()).unwrap();
    // Drop the 'Credit Score' column (the 6th) from a few rows.
    let text: String = csv
        .lines()
        .take(20)
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(5);
            f.join(",") + "\n"
        })
        .collect();
    let data = d.write("no-score.csv", &text);
    gbdt_in(d.path(), &["predict", &credit_model_path(), &data])
        .expect_code(3)
        .stderr_says(&["Credit Score"]);
}

#[test]
fn bad_labels_exit_3() {
    let d = here();
    let data = d.write("d.csv", "a,y\n1,0\n2,\n3,1\n");
    gbdt_in(d.path(), &["train", &data, "--target", "y"])
        .expect_code(3)
        .stderr_says(&["y"]);
    // ...unless rows without a target are skipped.
    gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "-t",
            "y",
            "--drop-missing-target",
            "--rounds",
            "2",
            "-q",
        ],
    )
    .ok();
    let data = d.write("w.csv", "a,y,w\n1,0,1\n2,1,-1\n3,1,1\n");
    gbdt_in(d.path(), &["train", &data, "-t", "y", "--weight", "w"]).expect_code(3);
}

// --------------------------------------------------------------- runtime (1)

#[test]
fn unwritable_outputs_exit_1() {
    let d = here();
    let data = d.write("d.csv", &small_csv(50, 1));
    gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "-t",
            "label",
            "--output",
            "no/such/dir/m.gbdt",
        ],
    )
    .expect_code(1)
    .stderr_says(&["no/such/dir"]);
    // A directory where the predictions file should go.
    std::fs::create_dir(d.path().join("taken")).unwrap();
    let model = credit_model_path();
    gbdt_in(
        d.path(),
        &["predict", &model, &credit_csv(), "--output", "taken"],
    )
    .expect_code(1)
    .stderr_says(&["taken"]);
}

// ------------------------------------------------ a stderr that cannot be written

/// Regression (issue 16): `2>/dev/full` made `eprint!` panic, and the panic
/// hook's own `eprintln!` aborted with 134. Diagnostics are dropped instead;
/// the exit code is the one the command earned.
#[test]
fn a_full_stderr_keeps_the_exit_code() {
    let d = here();
    let data = d.write("d.csv", &small_csv(200, 3));
    let full = || Stdio::from(std::fs::File::create("/dev/full").unwrap());
    // Objective, progress on every round, and the summary all go to stderr.
    let train = ["train", &data, "-t", "label", "--rounds", "5", "-v"];
    let r = gbdt_stderr_to(d.path(), &train, full());
    assert_eq!(r.code, 0, "train with 2>/dev/full");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(d.path().join("model.gbdt").exists());
    let r = gbdt_stderr_to(d.path(), &["train", "no-such.csv", "-t", "y"], full());
    assert_eq!(r.code, 3, "bad input with 2>/dev/full");
    let r = gbdt_stderr_to(d.path(), &["fly"], full());
    assert_eq!(r.code, 2, "usage error with 2>/dev/full");
    let r = gbdt_stderr_to(d.path(), &["predict", "model.gbdt", &data], full());
    assert_eq!(r.code, 0, "predict with 2>/dev/full");
    assert_eq!(csv_rows(&r.stdout).1.len(), 200);
}

/// Regression (issue 16): `gbdt train ... 2>&1 | head -3` panicked once the
/// reader had gone. The reader of stderr here is gone before the first line.
#[test]
fn a_closed_stderr_pipe_keeps_the_exit_code() {
    let d = here();
    let data = d.write("d.csv", &small_csv(200, 4));
    let mut child = util::bin()
        .args(["train", &data, "-t", "label", "--rounds", "20", "-v"])
        .current_dir(d.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(d.path().join("model.gbdt").exists());
}

/// Regression (issue 16): labels near the f32 limit overflow the gradients,
/// the predictions become NaN, and AUC looped forever on NaN scores. The run
/// now ends, and the summary says the metric is undefined.
#[test]
fn auc_of_nan_predictions_ends_with_nan() {
    let d = here();
    let mut rng = util::Rng::new(16);
    let mut text = String::from("x,y\n");
    for i in 0..200 {
        let y = if i % 2 == 0 { "3e38" } else { "-3e38" };
        text.push_str(&format!("{:.4},{y}\n", rng.uniform()));
    }
    let data = d.write("big.csv", &text);
    let args = [
        "train",
        &data,
        "-t",
        "y",
        "--objective",
        "reg:squarederror",
        "--eval-metric",
        "auc",
        "--rounds",
        "3",
    ];
    let r = gbdt_in(d.path(), &args);
    r.ok();
    assert!(r.stderr.contains("train-auc=NaN"), "{}", r.stderr);
}

// ------------------------------------------------------------ the workflow

#[test]
fn example_workflow_train_predict_eval() {
    let (model, report) = credit_model();
    let model = model.to_str().unwrap();
    let d = here();

    // Report: the fields the README and the container tests rely on.
    assert_eq!(report["rows"], 10000);
    assert_eq!(report["objective"], "binary:logistic");
    assert_eq!(report["rounds"], 20);
    for t in ["load_s", "bin_s", "train_s", "save_s", "total_s"] {
        let v = report["timings"][t].as_f64().unwrap();
        assert!(v >= 0.0, "{t}");
    }
    let features: Vec<&str> = report["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(features.contains(&"Bankruptcies") && features.contains(&"Credit Score"));
    assert!(
        !features.contains(&"Number of Credit Problems"),
        "the target is not a feature"
    );
    let dropped: Vec<&str> = report["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(dropped, ["Loan ID", "Customer ID"], "identifiers only");
    let categorical: Vec<&str> = report["categorical"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        categorical,
        [
            "Loan Status",
            "Term",
            "Years in current job",
            "Home Ownership",
            "Purpose"
        ]
    );
    assert!(report["threads"].as_u64().unwrap() >= 1);
    let train_auc = report["metrics"]["train"]["auc"].as_f64().unwrap();
    assert!(train_auc > 0.8 && train_auc < 1.0, "train auc {train_auc}");

    // predict: a probability for every row, nothing else on stdout.
    let r = gbdt_in(d.path(), &["predict", model, &credit_csv()]);
    r.ok();
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let (header, rows) = csv_rows(&r.stdout);
    assert_eq!(header, ["prediction"]);
    assert_eq!(rows.len(), 10000);
    let p: Vec<f64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(p.iter().all(|&p| (0.0..=1.0).contains(&p)));
    let mean = p.iter().sum::<f64>() / p.len() as f64;
    assert!((mean - 0.09).abs() < 0.03, "mean probability {mean}");

    // Deterministic bytes, also when the data comes on stdin.
    let again = gbdt_in(d.path(), &["predict", model, &credit_csv()]);
    assert_eq!(again.stdout, r.stdout);
    let csv_bytes = std::fs::read(credit_csv()).unwrap();
    let piped = gbdt_stdin(d.path(), &["predict", model, "-"], &csv_bytes);
    piped.ok();
    assert_eq!(piped.stdout, r.stdout);

    // eval: AUC and logloss on stdout, matching training's numbers.
    let r = gbdt_in(d.path(), &["eval", model, &credit_csv()]);
    r.ok();
    let metrics: Vec<(&str, f64)> = r
        .stdout
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('\t').unwrap();
            (k, v.parse().unwrap())
        })
        .collect();
    let get = |name: &str| metrics.iter().find(|(k, _)| *k == name).unwrap().1;
    assert!((get("auc") - train_auc).abs() < 1e-9, "{metrics:?}");
    assert!(get("logloss") > 0.0 && get("logloss") < 0.3, "{metrics:?}");

    let r = gbdt_in(d.path(), &["eval", model, &credit_csv(), "--json"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["rows"], 10000);
    assert!(v["auc"].as_f64().unwrap() > 0.8);

    // eval with another target.
    let r = gbdt_in(
        d.path(),
        &[
            "eval",
            model,
            &credit_csv(),
            "-t",
            "Number of Credit Problems > 2",
            "--metric",
            "auc",
        ],
    );
    r.ok();
    assert!(r.stdout.starts_with("auc\t"));
}

#[test]
fn train_prints_objective_progress_and_summary_on_stderr_only() {
    let d = here();
    let data = d.write("d.csv", &small_csv(400, 7));
    let r = gbdt_in(
        d.path(),
        &[
            "train", &data, "--target", "label", "--rounds", "30", "--drop", "y",
        ],
    );
    r.ok();
    assert!(
        r.stdout.is_empty(),
        "stdout must carry only data: {}",
        r.stdout
    );
    let err = &r.stderr;
    assert!(err.contains("gbdt: objective binary:logistic (column 'label' holds only 0 and 1"));
    // Not a terminal: plain log lines, about ten, no carriage returns.
    let rounds: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("gbdt: round"))
        .collect();
    // Every third round for 30 rounds, and the first: 1, 3, 6, ..., 30.
    assert_eq!(rounds.len(), 11, "{err}");
    assert!(rounds[1].contains("round  3/30"), "{err}");
    assert!(rounds[10].contains("round 30/30"), "{err}");
    // No --valid: the training set is scored once, for the summary.
    assert!(!rounds[10].contains("train-auc="), "{err}");
    assert!(
        err.contains("metrics         (training rows — not a held-out score; use --holdout 0.2 or --valid) train-auc="),
        "{err}"
    );
    assert!(!err.contains('\r'));
    for needle in [
        "rows",
        "features",
        "dropped",
        "- id: identifier-like text",
        "categorical     2 features: color (3), kind (3)",
        "objective",
        "threads",
        "best iteration",
        "time",
        "load",
        "bin",
        "train",
        "save",
        "model.gbdt",
    ] {
        assert!(err.contains(needle), "summary lacks {needle}: {err}");
    }
    for line in err.lines() {
        assert!(line.starts_with("gbdt:"), "{line}");
    }
    assert!(d.path().join("model.gbdt").exists());

    // --quiet: nothing at all.
    let r = gbdt_in(
        d.path(),
        &[
            "train", &data, "-t", "label", "--rounds", "3", "-q", "-o", "q.gbdt",
        ],
    );
    r.ok();
    assert!(r.stderr.is_empty() && r.stdout.is_empty(), "{}", r.stderr);
    // --verbose: every round.
    let r = gbdt_in(
        d.path(),
        &[
            "train", &data, "-t", "label", "--rounds", "3", "-v", "-o", "v.gbdt",
        ],
    );
    r.ok();
    assert_eq!(
        r.stderr
            .lines()
            .filter(|l| l.starts_with("gbdt: round"))
            .count(),
        3
    );
}

#[test]
fn regression_multiclass_json_models_and_valid_sets() {
    let d = here();
    let data = d.write("d.csv", &small_csv(600, 3));
    let valid = d.write("v.csv", &small_csv(200, 4));

    // Regression, JSON model, validation set with early stopping.
    let r = gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "-t",
            "y",
            "--drop",
            "label,kind",
            "--valid",
            &valid,
            "--early-stopping-rounds",
            "5",
            "--rounds",
            "200",
            "--learning-rate",
            "0.3",
            "-o",
            "reg.json",
            "--report-json",
            "reg-report.json",
        ],
    );
    r.ok()
        .stderr_says(&["objective reg:squarederror", "valid-rmse="]);
    let rep: Value = serde_json::from_str(&d.read("reg-report.json")).unwrap();
    let rmse = rep["metrics"]["valid"]["rmse"].as_f64().unwrap();
    assert!(rmse < 1.5, "valid rmse {rmse}");
    assert_eq!(rep["format"], "json");
    assert_eq!(rep["valid_rows"], 200);
    let model_json: Value = serde_json::from_str(&d.read("reg.json")).unwrap();
    assert!(model_json.is_object());
    let r = gbdt_in(d.path(), &["inspect", "reg.json"]);
    r.ok();
    assert!(r.stdout.contains("json, version"), "{}", r.stdout);
    let r = gbdt_in(d.path(), &["eval", "reg.json", &valid]);
    r.ok();
    assert!(r.stdout.starts_with("rmse\t"), "{}", r.stdout);

    // Multiclass from a string column: one column per class, rows sum to 1.
    gbdt_in(
        d.path(),
        &[
            "train", &data, "-t", "kind", "--drop", "y,label", "--rounds", "10", "-o", "mc.gbdt",
        ],
    )
    .ok()
    .stderr_says(&["objective multi:softprob", "3 classes"]);
    let r = gbdt_in(d.path(), &["predict", "mc.gbdt", &valid, "--id", "id"]);
    r.ok();
    let (header, rows) = csv_rows(&r.stdout);
    assert_eq!(header.len(), 4);
    assert_eq!(header[0], "id");
    let mut classes = header[1..].to_vec();
    classes.sort();
    assert_eq!(
        classes,
        ["prediction_high", "prediction_low", "prediction_mid"]
    );
    assert_eq!(rows.len(), 200);
    assert_eq!(rows[0][0], "r00000");
    for row in &rows {
        let s: f64 = row[1..].iter().map(|v| v.parse::<f64>().unwrap()).sum();
        assert!((s - 1.0).abs() < 1e-9);
    }
    let r = gbdt_in(d.path(), &["eval", "mc.gbdt", &valid]);
    r.ok();
    let merror: f64 = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("merror\t"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(merror < 0.2, "{}", r.stdout);
    // Naming the class column again keeps the model's class order.
    let again = gbdt_in(d.path(), &["eval", "mc.gbdt", &valid, "--target", "kind"]);
    assert_eq!(again.ok().stdout, r.stdout);
}

#[test]
fn config_file_and_flags_combine() {
    let d = here();
    let data = d.write("d.csv", &small_csv(300, 5));
    let cfg = d.write(
        "params.toml",
        "rounds = 4\nmax_depth = 2\nlearning-rate = 0.5\nnthread = 1\neval_metric = [\"logloss\"]\n",
    );
    gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "-t",
            "label",
            "--config",
            &cfg,
            "--max-depth",
            "3",
            "--report-json",
            "r.json",
            "-q",
        ],
    )
    .ok();
    let rep: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(rep["rounds"], 4);
    assert_eq!(rep["threads"], 1, "from the config file's nthread alias");
    assert_eq!(rep["params"]["max_depth"], 3, "the flag wins");
    assert_eq!(rep["params"]["learning_rate"], 0.5);
    assert!(rep["metrics"]["train"]["auc"].is_null());
    assert!(rep["metrics"]["train"]["logloss"].is_number());
}

#[test]
fn importance_inspect_and_dump() {
    let model = credit_model_path();
    let d = here();
    let r = gbdt_in(d.path(), &["importance", &model, "--top", "3"]);
    r.ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "feature\tgain");
    assert_eq!(lines.len(), 4);
    let top: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert!(
        top.contains(&"Bankruptcies") || top.contains(&"Tax Liens"),
        "public records should matter most: {top:?}"
    );
    let r = gbdt_in(
        d.path(),
        &["importance", &model, "--type", "split", "--json"],
    );
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v.as_array().unwrap().len() > 3);
    gbdt_in(d.path(), &["importance", &model, "--type", "bogus"]).expect_code(2);

    let r = gbdt_in(d.path(), &["inspect", &model]);
    r.ok();
    for needle in [
        "format",
        "binary, version 4",
        "categorical     5 features: Loan Status (2), Term (2), Years in current job (11)",
        "binary:logistic",
        "Number of Credit Problems",
        "20 rounds",
        "Bankruptcies",
        "parameters",
        "learning_rate=0.3",
    ] {
        assert!(
            r.stdout.contains(needle),
            "inspect lacks {needle}: {}",
            r.stdout
        );
    }
    let r = gbdt_in(d.path(), &["inspect", &model, "--json"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["trees"], 20);
    assert_eq!(v["format_version"], 4);
    assert_eq!(v["categorical"][4]["name"], "Purpose");
    assert_eq!(v["categorical"][4]["names"].as_array().unwrap().len(), 16);

    let r = gbdt_in(d.path(), &["dump", &model]);
    r.ok();
    assert_eq!(r.stdout.matches("booster[").count(), 20);
    assert!(r.stdout.contains("<=") && r.stdout.contains("leaf="));
    let r = gbdt_in(d.path(), &["dump", &model, "--format", "json"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 20);
    assert!(v[0]["children"].is_array());
    gbdt_in(d.path(), &["dump", &model, "--format", "xml"]).expect_code(2);
}

// ---------------------------------------------------------------- sharding

#[test]
fn concatenated_shards_equal_the_unsharded_output() {
    let model = credit_model_path();
    let d = here();
    let full = gbdt_in(
        d.path(),
        &[
            "predict",
            &model,
            &credit_csv(),
            "--row-index",
            "--id",
            "Loan ID",
        ],
    );
    full.ok();
    let n = 3;
    let mut header = None;
    let mut body: Vec<(usize, String)> = Vec::new();
    for i in 0..n {
        let out = d.file(&format!("s{i}.csv"));
        let spec = format!("{i}/{n}");
        gbdt_in(
            d.path(),
            &[
                "predict",
                &model,
                &credit_csv(),
                "--shard",
                &spec,
                "--id",
                "Loan ID",
                "-o",
                &out,
            ],
        )
        .ok();
        let text = std::fs::read_to_string(&out).unwrap();
        let mut lines = text.lines();
        let h = lines.next().unwrap().to_string();
        assert_eq!(header.get_or_insert(h.clone()), &h);
        for l in lines {
            let row: usize = l.split(',').next().unwrap().parse().unwrap();
            assert_eq!(row % n, i, "shard {i} has row {row}");
            body.push((row, l.to_string()));
        }
    }
    body.sort_by_key(|(r, _)| *r);
    let merged = format!(
        "{}\n{}",
        header.unwrap(),
        body.iter()
            .map(|(_, l)| format!("{l}\n"))
            .collect::<String>()
    );
    assert_eq!(merged, full.stdout);
    assert_eq!(body.len(), 10000);

    // The same shard from the environment (Kubernetes Indexed Job).
    let env = gbdt_env(
        d.path(),
        &[
            "predict",
            &model,
            &credit_csv(),
            "--shard-from-env",
            "--shards",
            "3",
            "--id",
            "Loan ID",
        ],
        &[("JOB_COMPLETION_INDEX", "1")],
    );
    env.ok();
    assert_eq!(env.stdout, d.read("s1.csv"));
    // Misconfigured shards are usage errors.
    gbdt_in(
        d.path(),
        &["predict", &model, &credit_csv(), "--shard", "3/3"],
    )
    .expect_code(2);
    gbdt_in(
        d.path(),
        &[
            "predict",
            &model,
            &credit_csv(),
            "--shard-from-env",
            "--shards",
            "3",
        ],
    )
    .expect_code(2)
    .stderr_says(&["JOB_COMPLETION_INDEX"]);
}

#[test]
fn predict_report_raw_and_threads() {
    let model = credit_model_path();
    let d = here();
    let r = gbdt_in(
        d.path(),
        &[
            "predict",
            &model,
            &credit_csv(),
            "--raw",
            "--threads",
            "1",
            "-o",
            "raw.csv",
            "--report-json",
            "p.json",
        ],
    );
    r.ok();
    assert!(r.stdout.is_empty());
    let rep: Value = serde_json::from_str(&d.read("p.json")).unwrap();
    assert_eq!(rep["rows"], 10000);
    for t in ["load_s", "predict_s", "write_s", "total_s"] {
        assert!(rep["timings"][t].as_f64().unwrap() >= 0.0);
    }
    let raw = d.read("raw.csv");
    let (_, rows) = csv_rows(&raw);
    let margins: Vec<f64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(margins.iter().any(|&m| m < 0.0), "raw margins are log-odds");
    let probs = gbdt_in(
        d.path(),
        &["predict", &model, &credit_csv(), "--threads", "2"],
    );
    let (_, prows) = csv_rows(&probs.stdout);
    let p: f64 = prows[0][0].parse().unwrap();
    assert!((p - 1.0 / (1.0 + (-margins[0]).exp())).abs() < 1e-12);
}

#[test]
fn broken_pipe_exits_quietly() {
    let model = credit_model_path();
    let mut child = util::bin()
        .args(["predict", &model, &credit_csv()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert_eq!(first, "prediction\n");
    drop(reader); // like `| head -1`
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn csv_format_and_column_selection_flags() {
    let d = here();
    let csv = small_csv(300, 9);
    // Semicolons, and no header line (columns become column_0, ...).
    let semi = d.write("semi.csv", &csv.replace(',', ";"));
    let body: String = csv.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let headless = d.write("headless.csv", &body);

    gbdt_in(
        d.path(),
        &[
            "train",
            &semi,
            "-t",
            "label",
            "--delimiter",
            ";",
            "--features",
            "x2,flag",
            "--weight",
            "x1",
            "--rounds",
            "5",
            "-o",
            "semi.gbdt",
            "--report-json",
            "semi.json",
            "-q",
        ],
    )
    .ok();
    let rep: Value = serde_json::from_str(&d.read("semi.json")).unwrap();
    assert_eq!(rep["features"], serde_json::json!(["x2", "flag"]));
    let r = gbdt_in(
        d.path(),
        &["predict", "semi.gbdt", &semi, "--delimiter", ";"],
    );
    r.ok();
    assert_eq!(csv_rows(&r.stdout).1.len(), 300);
    // The comma file has no semicolons: one column, so the features are missing.
    gbdt_in(d.path(), &["predict", "semi.gbdt", &semi])
        .expect_code(3)
        .stderr_says(&["x2"]);

    gbdt_in(
        d.path(),
        &[
            "train",
            &headless,
            "--no-header",
            "-t",
            "column_6",
            "--features",
            "column_1,column_2",
            "--rounds",
            "5",
            "-o",
            "nh.gbdt",
            "-q",
        ],
    )
    .ok();
    let r = gbdt_in(d.path(), &["eval", "nh.gbdt", &headless, "--no-header"]);
    r.ok();
    let auc: f64 = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("auc\t"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(auc > 0.9, "{}", r.stdout);
}

#[test]
fn model_bytes_do_not_depend_on_the_thread_count() {
    let d = here();
    let train = |threads: &str, out: &str| {
        gbdt_in(
            d.path(),
            &[
                "train",
                &credit_csv(),
                "--target",
                "Number of Credit Problems > 1",
                "--rounds",
                "15",
                "--subsample",
                "0.8",
                "--colsample-bytree",
                "0.7",
                "--threads",
                threads,
                "--quiet",
                "-o",
                out,
            ],
        )
        .ok();
        std::fs::read(d.path().join(out)).unwrap()
    };
    let one = train("1", "t1.gbdt");
    assert_eq!(one, train("2", "t2.gbdt"), "1 vs 2 threads");
    assert_eq!(one, train("7", "t7.gbdt"), "1 vs 7 threads");
}

/// `OMP_WAIT_POLICY=passive` (as for XGBoost and LightGBM) lets idle
/// workers sleep and changes nothing in the model; other values are usage
/// errors naming the variable.
#[test]
fn the_wait_policy_comes_from_omp_wait_policy_and_keeps_the_model() {
    let d = here();
    let train = |policy: &str, out: &str| {
        let args = [
            "train",
            &credit_csv(),
            "--target",
            "Number of Credit Problems > 1",
            "--rounds",
            "8",
            "--grow-policy",
            "lossguide",
            "--threads",
            "2",
            "--quiet",
            "-o",
            out,
        ];
        gbdt_env(d.path(), &args, &[("OMP_WAIT_POLICY", policy)])
    };
    train("active", "active.gbdt").ok();
    train("PASSIVE", "passive.gbdt").ok();
    assert_eq!(
        std::fs::read(d.path().join("active.gbdt")).unwrap(),
        std::fs::read(d.path().join("passive.gbdt")).unwrap()
    );
    train("spin", "spin.gbdt").expect_code(2).stderr_says(&[
        "OMP_WAIT_POLICY",
        "'spin'",
        "passive",
    ]);
    assert!(!d.path().join("spin.gbdt").exists());
}

/// `--threads N` bounds every phase: reading a CSV of several chunks,
/// selection, binning, training and scoring all run on the command's one
/// pool, so with `--threads 1` the process has only its main thread and one
/// worker (rayon's global pool is never started).
#[cfg(target_os = "linux")]
#[test]
fn threads_flag_bounds_the_threads_of_every_phase() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gbdt-cli-os-threads");
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("big.csv");
    let mut text = String::from("a,b,c,y\n");
    for i in 0..250_000u32 {
        let row = format!(
            "{},{}.{},{},{}\n",
            i % 977,
            i % 13,
            i % 7,
            i % 3 == 0,
            i % 2
        );
        text.push_str(&row);
    }
    assert!(text.len() > 3 << 20, "several 1 MiB chunks");
    std::fs::write(&data, text).unwrap();
    let os_threads = |threads: &str| {
        let report = dir.join(format!("report-{threads}.json"));
        let model = dir.join(format!("model-{threads}.gbdt"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gbdt"))
            .args(["train", data.to_str().unwrap(), "--target", "y"])
            .args(["--rounds", "2", "--threads", threads, "--quiet"])
            .args(["--output", model.to_str().unwrap()])
            .args(["--report-json", report.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        assert_eq!(v["rows"], 250_000);
        v["os_threads"].as_u64().unwrap()
    };
    let (one, three) = (os_threads("1"), os_threads("3"));
    assert!(one <= 2, "main thread and one worker, found {one}");
    assert!(three >= 4, "main thread and three workers, found {three}");
}

/// Seeded Tweedie data (issue 14): mean `exp(0.3 + 1.2 x1 - x2 + 0.8 x3)`,
/// a Poisson number (mean `sqrt(mu)`) of exponential claims (mean
/// `sqrt(mu)`), so about a third of the labels are 0. Returns the CSV text
/// and the labels.
fn tweedie_csv(rows: usize, seed: u64) -> (String, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let mut open = move || 1.0 - rng.uniform();
    let mut text = String::from("x1,x2,x3,y\n");
    let mut labels = Vec::with_capacity(rows);
    for _ in 0..rows {
        let x: Vec<f64> = (0..3).map(|_| open() * 2.0 - 1.0).collect();
        let root = (0.3 + 1.2 * x[0] - x[1] + 0.8 * x[2]).exp().sqrt();
        let (limit, mut prod, mut y) = ((-root).exp(), open(), 0.0);
        while prod > limit {
            y += -open().ln() * root;
            prod *= open();
        }
        text.push_str(&format!("{:.4},{:.4},{:.4},{y:.4}\n", x[0], x[1], x[2]));
        labels.push(format!("{y:.4}").parse().unwrap());
    }
    (text, labels)
}

/// The Tweedie negative log-likelihood at power 1.5 of predicting `mu` for
/// every row (XGBoost's `tweedie-nloglik@1.5`).
fn tweedie_nloglik_of_constant(labels: &[f64], mu: f64) -> f64 {
    let row = |y: f64| 2.0 * y / mu.sqrt() + 2.0 * mu.sqrt();
    labels.iter().map(|&y| row(y)).sum::<f64>() / labels.len() as f64
}

#[test]
fn tweedie_train_then_eval_prints_the_tweedie_metric() {
    let d = here();
    let (train_text, train_y) = tweedie_csv(3000, 41);
    let (test_text, test_y) = tweedie_csv(1500, 42);
    let data = d.write("claims.csv", &train_text);
    let test = d.write("claims-test.csv", &test_text);
    let args = [
        "train",
        &data,
        "--target",
        "y",
        "--objective",
        "reg:tweedie",
    ];
    let rest = [
        "--rounds",
        "150",
        "--learning-rate",
        "0.05",
        "--max-depth",
        "3",
    ];
    let r = gbdt_in(
        d.path(),
        &[&args[..], &rest[..], &["-o", "claims.gbdt"]].concat(),
    );
    r.ok()
        .stderr_says(&["objective reg:tweedie", "tweedie-nloglik@1.5"]);

    let r = gbdt_in(d.path(), &["eval", "claims.gbdt", &test]);
    r.ok();
    let (name, value) = r.stdout.trim_end().split_once('\t').unwrap();
    assert_eq!(name, "tweedie-nloglik@1.5", "{}", r.stdout);
    let value: f64 = value.parse().unwrap();
    let mean = train_y.iter().sum::<f64>() / train_y.len() as f64;
    let constant = tweedie_nloglik_of_constant(&test_y, mean);
    // Held out: 5.91 for the training mean, 5.30 for the model.
    assert!(
        value < constant - 0.4,
        "tweedie-nloglik {value} vs constant {constant}"
    );

    // Another power, LightGBM's objective name and a JSON model (which
    // keeps the power): eval reports the metric at the model's power.
    let other = ["train", &data, "-t", "y", "--objective", "tweedie"];
    let power = ["--tweedie-variance-power", "1.3", "-o", "claims.json"];
    gbdt_in(d.path(), &[&other[..], &rest[..], &power[..]].concat()).ok();
    let r = gbdt_in(d.path(), &["eval", "claims.json", &test, "--json"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        v["tweedie-nloglik@1.3"].as_f64().unwrap().is_finite(),
        "{v}"
    );
    let r = gbdt_in(
        d.path(),
        &[
            "eval",
            "claims.json",
            &test,
            "--metric",
            "mape",
            "--metric",
            "tweedie-nloglik@1.5",
        ],
    );
    r.ok();
    let lines: Vec<&str> = r
        .stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(lines, ["mape", "tweedie-nloglik@1.5"]);
    let r = gbdt_in(
        d.path(),
        &[
            &args[..],
            &["--tweedie-variance-power", "2", "-o", "bad.gbdt"],
        ]
        .concat(),
    );
    r.expect_code(2).stderr_says(&["tweedie", "2"]);
}

/// `--monotone` by feature name (issue 13): a higher credit score never
/// raises the predicted risk, for rows of the example data moved along a
/// grid of scores; unknown names are bad input, bad directions bad usage.
#[test]
fn monotone_by_name_holds_along_a_grid() {
    let d = here();
    let csv = credit_csv();
    let train = |extra: &[&str], out: &str| {
        let mut args = vec!["train", csv.as_str(), "--target", CREDIT_TARGET];
        args.extend_from_slice(&["--rounds", "40", "--quiet", "-o", out]);
        args.extend_from_slice(extra);
        gbdt_in(d.path(), &args)
    };
    train(&["--monotone", "Credit Score:-1, Tax Liens:1"], "m.gbdt").ok();
    // 30 rows of the example data, each at 40 credit scores from 550 to 8000.
    let text = std::fs::read_to_string(credit_csv()).unwrap();
    let (header, rows) = csv_rows(&text);
    let score = header.iter().position(|h| h == "Credit Score").unwrap();
    let mut grid = header.join(",") + "\n";
    for row in rows.iter().step_by(300).take(30) {
        for k in 0..40 {
            let mut r: Vec<String> = row.iter().map(|f| format!("\"{f}\"")).collect();
            r[score] = (550 + k * 190).to_string();
            grid += &(r.join(",") + "\n");
        }
    }
    d.write("grid.csv", &grid);
    let out = gbdt_in(d.path(), &["predict", "m.gbdt", "grid.csv", "--raw"]);
    out.ok();
    let (_, preds) = csv_rows(&out.stdout);
    let p: Vec<f64> = preds.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(p.len(), 30 * 40);
    for (i, row) in p.chunks(40).enumerate() {
        for w in row.windows(2) {
            assert!(w[1] <= w[0], "row {i}: risk rose with the score: {row:?}");
        }
    }
    train(&["--monotone", "Credit Scor:-1"], "x.gbdt")
        .expect_code(3)
        .stderr_says(&["--monotone", "no training feature is named 'Credit Scor'"]);
    train(&["--monotone", "Credit Score:up"], "x.gbdt")
        .expect_code(2)
        .stderr_says(&["--monotone", "use 1 (increasing), -1 (decreasing) or 0"]);
}

/// `--interactions` by feature index (issue 13): a good value trains and is
/// stored in the model; an empty set is bad usage naming the flag, an index
/// beyond the training features an error naming the parameter.
#[test]
fn interactions_by_index_train_and_bad_sets_are_refused() {
    let d = here();
    let csv = credit_csv();
    let train = |sets: &str| {
        let args = [
            "train",
            csv.as_str(),
            "--target",
            CREDIT_TARGET,
            "--rounds",
            "5",
            "--quiet",
            "-o",
            "m.json",
            "--interactions",
            sets,
        ];
        gbdt_in(d.path(), &args)
    };
    train("[[0, 1], [2,3,4]]").ok();
    let model = std::fs::read_to_string(d.path().join("m.json")).unwrap();
    assert!(
        model.contains("\"interaction_constraints\": \"[[0,1],[2,3,4]]\""),
        "{model}"
    );
    train("[[0,1],[]]")
        .expect_code(2)
        .stderr_says(&["--interactions", "non-empty lists of feature indexes"]);
    train("[[0,999]]").expect_code(2).stderr_says(&[
        "interaction_constraints",
        "999",
        "below the data's 16 features",
    ]);
}

// ------------------------------------------- outputs and limits (issue 16)

/// Names of atomic-write temporary files left in `dir`.
fn temp_leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".gbdt-tmp-"))
        .collect()
}

/// Regression (issue 16, late failures): a bad output failed only after
/// training. Every output is checked first: the data file here does not
/// even exist, and the output problem is what is reported (exit 1).
#[test]
fn outputs_are_checked_before_any_data_is_read() {
    let d = here();
    let absent = d.file("absent.csv");
    let model = d.file("m.gbdt");
    let r = gbdt_in(
        d.path(),
        &[
            "train",
            &absent,
            "-t",
            "y",
            "-o",
            &model,
            "--report-json",
            "missing/dir/r.json",
        ],
    );
    r.expect_code(1)
        .stderr_says(&["--report-json", "missing/dir", "does not exist"]);
    assert!(!r.stderr.contains("absent.csv"), "{}", r.stderr);
    std::fs::create_dir(d.path().join("some_directory")).unwrap();
    let r = gbdt_in(
        d.path(),
        &["train", &absent, "-t", "y", "-o", "some_directory"],
    );
    r.expect_code(1)
        .stderr_says(&["--output", "some_directory", "is a directory"]);
    let r = gbdt_in(
        d.path(),
        &["predict", "absent.gbdt", &absent, "-o", "some_directory"],
    );
    r.expect_code(1)
        .stderr_says(&["some_directory", "directory"]);
    let r = gbdt_in(
        d.path(),
        &[
            "predict",
            "absent.gbdt",
            &absent,
            "--report-json",
            "nope/r.json",
        ],
    );
    r.expect_code(1).stderr_says(&["nope", "does not exist"]);
    // A directory that refuses new files (tests run as root, which ignores
    // permission bits; sysfs refuses even root).
    if std::fs::File::create("/sys/gbdt-probe").is_err() && std::path::Path::new("/sys").is_dir() {
        let r = gbdt_in(
            d.path(),
            &["train", &absent, "-t", "y", "-o", "/sys/m.gbdt"],
        );
        r.expect_code(1).stderr_says(&["--output", "/sys"]);
        assert!(!r.stderr.contains("absent.csv"), "{}", r.stderr);
    }
    // The writability probe leaves nothing behind.
    assert!(temp_leftovers(d.path()).is_empty());
    assert!(!d.path().join("m.gbdt").exists());
}

/// Regression (issue 16, data loss): `train d.csv -o d.csv` and
/// `predict m.gbdt x.csv -o m.gbdt` overwrote their own input with exit 0.
#[test]
fn writing_over_an_input_is_a_usage_error_naming_both_paths() {
    let d = here();
    let text = small_csv(40, 3);
    let data = d.write("d.csv", &text);
    let r = gbdt_in(d.path(), &["train", &data, "-t", "label", "-o", "d.csv"]);
    r.expect_code(2)
        .stderr_says(&["--output d.csv", "the training data", "same file"]);
    assert_eq!(d.read("d.csv"), text);
    let r = gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "-t",
            "label",
            "-o",
            "m.gbdt",
            "--report-json",
            "./m.gbdt",
        ],
    );
    r.expect_code(2).stderr_says(&["--report-json", "--output"]);
    gbdt_in(
        d.path(),
        &[
            "train", &data, "-t", "label", "--rounds", "3", "-o", "m.gbdt",
        ],
    )
    .ok();
    let model = std::fs::read(d.path().join("m.gbdt")).unwrap();
    let r = gbdt_in(d.path(), &["predict", "m.gbdt", "d.csv", "-o", "m.gbdt"]);
    r.expect_code(2)
        .stderr_says(&["--output m.gbdt", "the model m.gbdt"]);
    let r = gbdt_in(d.path(), &["predict", "m.gbdt", "d.csv", "-o", "d.csv"]);
    r.expect_code(2)
        .stderr_says(&["--output d.csv", "the data d.csv"]);
    #[cfg(unix)]
    {
        // The same file through a symlink is still the same file.
        std::os::unix::fs::symlink("d.csv", d.path().join("alias.csv")).unwrap();
        let r = gbdt_in(d.path(), &["predict", "m.gbdt", "d.csv", "-o", "alias.csv"]);
        r.expect_code(2).stderr_says(&["alias.csv", "d.csv"]);
    }
    assert_eq!(d.read("d.csv"), text);
    assert_eq!(std::fs::read(d.path().join("m.gbdt")).unwrap(), model);
}

/// Regression (issue 16, data loss): as root, `-o /dev/stdout` replaced the
/// `/dev/stdout` symlink with a regular file, and symlinked outputs were
/// replaced by files. Devices are written through; a link's target is
/// replaced atomically and the link stays a link.
#[cfg(unix)]
#[test]
fn symlinked_and_device_outputs_are_written_through() {
    use std::os::unix::fs::FileTypeExt;
    let d = here();
    let data = d.write("d.csv", &small_csv(40, 4));
    std::fs::create_dir(d.path().join("real")).unwrap();
    std::fs::write(d.path().join("real/m.gbdt"), "old").unwrap();
    std::os::unix::fs::symlink("real/m.gbdt", d.path().join("link.gbdt")).unwrap();
    let train = ["train", &data, "-t", "label", "--rounds", "3", "-q"];
    gbdt_in(d.path(), &[&train[..], &["-o", "link.gbdt"]].concat()).ok();
    let meta = std::fs::symlink_metadata(d.path().join("link.gbdt")).unwrap();
    assert!(meta.file_type().is_symlink());
    let model = std::fs::read(d.path().join("real/m.gbdt")).unwrap();
    assert_ne!(model, b"old", "the target was not replaced");
    std::fs::write(d.path().join("real/p.csv"), "old").unwrap();
    std::os::unix::fs::symlink("real/p.csv", d.path().join("p.csv")).unwrap();
    let r = gbdt_in(d.path(), &["predict", "link.gbdt", &data, "-o", "p.csv"]);
    r.ok();
    assert!(std::fs::symlink_metadata(d.path().join("p.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(d.read("real/p.csv").starts_with("prediction\n"));
    assert!(
        temp_leftovers(d.path()).is_empty() && temp_leftovers(&d.path().join("real")).is_empty()
    );
    // Devices: written through, never replaced.
    gbdt_in(
        d.path(),
        &["predict", "link.gbdt", &data, "-o", "/dev/null"],
    )
    .ok();
    gbdt_in(d.path(), &[&train[..], &["-o", "/dev/null"]].concat()).ok();
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    if std::path::Path::new("/dev/stdout").exists() {
        let r = gbdt_in(
            d.path(),
            &["predict", "link.gbdt", &data, "-o", "/dev/stdout"],
        );
        r.ok();
        assert_eq!(r.stdout, d.read("real/p.csv"));
        assert!(std::fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type()
            .is_symlink());
    }
}

/// Regression (issue 16): `predict --output` truncated the old file first,
/// so a kill mid-write lost it. Predictions now go to a temporary file that
/// replaces the old one at the end (the kill itself is simulated in gbdt-io's
/// `an_uncommitted_file_keeps_the_old_one`).
#[cfg(unix)]
#[test]
fn predict_output_replaces_the_old_file_at_the_end() {
    use std::os::unix::fs::MetadataExt;
    let d = here();
    let data = d.write("d.csv", &small_csv(40, 5));
    gbdt_in(
        d.path(),
        &[
            "train", &data, "-t", "label", "--rounds", "3", "-q", "-o", "m.gbdt",
        ],
    )
    .ok();
    std::fs::write(d.path().join("out.csv"), "old predictions\n").unwrap();
    let before = std::fs::metadata(d.path().join("out.csv")).unwrap().ino();
    gbdt_in(d.path(), &["predict", "m.gbdt", &data, "-o", "out.csv"]).ok();
    let after = std::fs::metadata(d.path().join("out.csv")).unwrap().ino();
    assert_ne!(before, after, "written in place, not renamed into place");
    let text = d.read("out.csv");
    assert!(
        text.starts_with("prediction\n") && text.lines().count() == 41,
        "{text}"
    );
    assert!(temp_leftovers(d.path()).is_empty());
}

/// Regression (issue 16, aborts): `--rounds 1000000000` read the data and
/// then aborted allocating; `--threads 10000` spent minutes creating threads.
/// Both are usage errors before any data is read, from flags and --config.
#[test]
fn absurd_limits_fail_fast_before_reading_data() {
    let d = here();
    let absent = d.file("absent.csv");
    let train = |extra: &[&str]| {
        let args = [
            &["train", absent.as_str(), "-t", "y", "-o", "m.gbdt"][..],
            extra,
        ]
        .concat();
        gbdt_in(d.path(), &args)
    };
    train(&["--rounds", "1000000000"])
        .expect_code(2)
        .stderr_says(&["--rounds", "limit of 10000000"]);
    let config = d.write("c.toml", "num_boost_round = 1000000000\n");
    train(&["--config", &config])
        .expect_code(2)
        .stderr_says(&["--rounds", "limit of 10000000"]);
    train(&["--threads", "10000"])
        .expect_code(2)
        .stderr_says(&["--threads", "limit of 1024"]);
    let config = d.write("t.toml", "nthread = 10000\n");
    train(&["--config", &config])
        .expect_code(2)
        .stderr_says(&["--threads", "limit of 1024"]);
    gbdt_in(
        d.path(),
        &["predict", "m.gbdt", &absent, "--threads", "5000"],
    )
    .expect_code(2)
    .stderr_says(&["--threads", "limit of 1024"]);
    // --max-leaves allocates nothing per leaf: a huge value just trains.
    let data = d.write("d.csv", &small_csv(60, 6));
    gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "-t",
            "label",
            "--rounds",
            "3",
            "-q",
            "--max-leaves",
            "1000000",
            "-o",
            "m.gbdt",
        ],
    )
    .ok();
}

// ------------------------------------------------------ SHAP contributions

/// Parses every field of `rows[i][skip..]` as f64.
fn numbers(rows: &[Vec<String>], skip: usize) -> Vec<Vec<f64>> {
    rows.iter()
        .map(|r| r[skip..].iter().map(|v| v.parse().unwrap()).collect())
        .collect()
}

/// Asserts that each row's contribution block `k` (`width` columns, bias
/// included) adds up to its raw margin `raw[i][k]`, within 1e-6 relative.
#[track_caller]
fn assert_blocks_add_up(contrib: &[Vec<f64>], raw: &[Vec<f64>], width: usize) {
    assert_eq!(contrib.len(), raw.len());
    for (i, (c, m)) in contrib.iter().zip(raw).enumerate() {
        assert_eq!(c.len(), width * m.len(), "row {i}");
        for (k, (block, &margin)) in c.chunks(width).zip(m).enumerate() {
            let sum: f64 = block.iter().sum();
            let tol = 1e-6 * margin.abs().max(1.0);
            assert!(
                (sum - margin).abs() <= tol,
                "row {i} output {k}: contributions add up to {sum}, raw margin {margin}"
            );
        }
    }
}

#[test]
fn contributions_add_up_to_the_raw_margin() {
    let d = here();
    let model = credit_model_path();
    let data = credit_csv();
    let raw = gbdt_in(
        d.path(),
        &["predict", &model, &data, "--raw", "--id", "Loan ID"],
    );
    raw.ok();
    let r = gbdt_in(
        d.path(),
        &[
            "predict",
            &model,
            &data,
            "--contrib",
            "--id",
            "Loan ID",
            "-o",
            "c.csv",
            "--report-json",
            "c.json",
        ],
    );
    r.ok();
    assert_eq!(r.stdout, "");
    let (header, rows) = csv_rows(&d.read("c.csv"));
    let (_, raw_rows) = csv_rows(&raw.stdout);
    let inspect = gbdt_in(d.path(), &["inspect", &model, "--json"]);
    let features: Value = serde_json::from_str(&inspect.ok().stdout).unwrap();
    let features: Vec<&str> = features["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    let mut want = vec!["Loan ID"];
    want.extend(&features);
    want.push("bias");
    assert_eq!(header, want);
    assert!(rows.len() > 1000);
    for (c, p) in rows.iter().zip(&raw_rows) {
        assert_eq!(c[0], p[0], "the ID column comes first");
    }
    let contrib = numbers(&rows, 1);
    assert_blocks_add_up(&contrib, &numbers(&raw_rows, 1), features.len() + 1);
    // The bias is the same for every row, and some feature moves every row.
    let bias = contrib[0][features.len()];
    assert!(contrib.iter().all(|c| c[features.len()] == bias));
    assert!(contrib
        .iter()
        .any(|c| c[..features.len()].iter().any(|v| v.abs() > 0.1)));
    let rep: Value = serde_json::from_str(&d.read("c.json")).unwrap();
    assert_eq!(rep["contrib"], true);
    assert_eq!(rep["raw"], true);
    assert_eq!(rep["rows"], rows.len());
    assert!(rep["timings"]["predict_s"].as_f64().unwrap() >= 0.0);

    // A shard holds the same values as the full run for its rows.
    let s = gbdt_in(
        d.path(),
        &["predict", &model, &data, "--contrib", "--shard", "1/3"],
    );
    let (sh, srows) = csv_rows(&s.ok().stdout);
    assert_eq!(sh[0], "row");
    assert_eq!(sh[1..], header[1..]);
    assert_eq!(
        srows.len(),
        rows.len().div_ceil(3) - usize::from(rows.len() % 3 == 1)
    );
    for r in &srows {
        let i: usize = r[0].parse().unwrap();
        assert_eq!(i % 3, 1);
        assert_eq!(r[1..], rows[i][1..], "row {i}");
    }
}

#[test]
fn multiclass_contributions_have_one_block_per_class() {
    let d = here();
    let data = d.write("d.csv", &small_csv(400, 11));
    let args = [
        "train",
        &data,
        "-t",
        "kind",
        "--drop",
        "y,label,id",
        "--rounds",
        "8",
        "-o",
        "mc.gbdt",
        "--quiet",
    ];
    gbdt_in(d.path(), &args).ok();
    let raw = gbdt_in(
        d.path(),
        &["predict", "mc.gbdt", &data, "--raw", "--row-index"],
    );
    let (raw_header, raw_rows) = csv_rows(&raw.ok().stdout);
    let r = gbdt_in(
        d.path(),
        &[
            "predict",
            "mc.gbdt",
            &data,
            "--contrib",
            "--raw",
            "--row-index",
        ],
    );
    let (header, rows) = csv_rows(&r.ok().stdout);
    // Features x1, x2, color (categorical), flag: 5 columns per class, in
    // the class order of the prediction columns.
    let classes: Vec<&str> = raw_header[1..]
        .iter()
        .map(|c| c.strip_prefix("prediction_").unwrap())
        .collect();
    assert_eq!(classes.len(), 3);
    let mut want = vec!["row".to_string()];
    for c in &classes {
        for f in ["x1", "x2", "color", "flag", "bias"] {
            want.push(format!("{c}:{f}"));
        }
    }
    assert_eq!(header, want);
    assert_eq!(rows.len(), 400);
    assert_eq!(rows[7][0], "7");
    assert_blocks_add_up(&numbers(&rows, 1), &numbers(&raw_rows, 1), 5);
    // The class depends on x1 only: it carries the most credit in each block.
    let c = numbers(&rows, 1);
    for k in 0..3 {
        let mass = |j: usize| c.iter().map(|r| r[k * 5 + j].abs()).sum::<f64>();
        assert!(
            mass(0) > mass(1) && mass(0) > mass(2) && mass(0) > mass(3),
            "class {}",
            classes[k]
        );
    }
    let imp = gbdt_in(
        d.path(),
        &["importance", "mc.gbdt", "--type", "shap", &data],
    );
    assert!(
        imp.ok().stdout.starts_with("feature\tshap\nx1\t"),
        "{}",
        imp.stdout
    );
}

#[test]
fn shap_importance_ranks_a_driver_first_and_needs_data() {
    let d = here();
    let model = credit_model_path();
    let data = credit_csv();
    let r = gbdt_in(
        d.path(),
        &[
            "importance",
            &model,
            "--type",
            "shap",
            &data,
            "--threads",
            "2",
        ],
    );
    r.ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "feature\tshap");
    let (top, value) = lines[1].split_once('\t').unwrap();
    let drivers = [
        "Bankruptcies",
        "Tax Liens",
        "Credit Score",
        "Months since last delinquent",
    ];
    assert!(drivers.contains(&top), "{}", r.stdout);
    let values: Vec<f64> = lines[1..]
        .iter()
        .map(|l| l.split_once('\t').unwrap().1.parse().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{}", r.stdout);
    assert!(value.parse::<f64>().unwrap() > 0.0);

    // JSON and --top, same ranking.
    let j = gbdt_in(
        d.path(),
        &[
            "importance",
            &model,
            &data,
            "--type",
            "SHAP",
            "--top",
            "2",
            "--json",
        ],
    );
    let v: Value = serde_json::from_str(&j.ok().stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["feature"], top);
    assert_eq!(list[0]["importance"].as_f64().unwrap(), values[0]);

    gbdt_in(d.path(), &["importance", &model, "--type", "shap"])
        .expect_code(2)
        .stderr_says(&["SHAP importance needs a data file"]);
    gbdt_in(d.path(), &["importance", &model, &data])
        .expect_code(2)
        .stderr_says(&["only --type shap reads a data file"]);
    gbdt_in(
        d.path(),
        &["importance", &model, "--type", "shap", "nope.csv"],
    )
    .expect_code(3);
}

// ---------------------------------------------------------------- --init-model

/// Trains on the example data into `out` with extra flags.
fn train_credit(d: &TempDir, out: &str, extra: &[&str]) -> util::Run {
    let data = credit_csv();
    let mut args = vec!["train", &data, "--target", CREDIT_TARGET, "-q", "-o", out];
    args.extend_from_slice(extra);
    gbdt_in(d.path(), &args)
}

#[test]
fn init_model_continues_to_the_same_model_as_one_run() {
    let d = here();
    train_credit(&d, "first.gbdt", &["--rounds", "30"]).ok();
    train_credit(
        &d,
        "cont.gbdt",
        &["--rounds", "30", "--init-model", "first.gbdt"],
    )
    .ok();
    train_credit(&d, "full.gbdt", &["--rounds", "60"]).ok();
    let trees = |model: &str| -> Value {
        let r = gbdt_in(d.path(), &["dump", model, "--format", "json"]);
        r.ok();
        serde_json::from_str(&r.stdout).unwrap()
    };
    let (cont, full) = (trees("cont.gbdt"), trees("full.gbdt"));
    assert_eq!(cont.as_array().unwrap().len(), 60);
    assert_eq!(trees("first.gbdt").as_array().unwrap().len(), 30);
    assert_eq!(cont, full);
    let predict = |model: &str| {
        let r = gbdt_in(d.path(), &["predict", model, &credit_csv()]);
        r.ok();
        r.stdout.clone()
    };
    let (p_cont, p_full) = (predict("cont.gbdt"), predict("full.gbdt"));
    assert_eq!(p_cont.lines().count(), 10_001);
    assert_eq!(p_cont, p_full);
    assert_ne!(predict("first.gbdt"), p_full);
}

#[test]
fn init_model_may_be_the_output() {
    let d = here();
    train_credit(&d, "m.gbdt", &["--rounds", "5"]).ok();
    train_credit(&d, "m.gbdt", &["--rounds", "4", "--init-model", "m.gbdt"]).ok();
    let r = gbdt_in(d.path(), &["dump", "m.gbdt", "--format", "json"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 9);
    // Any other output may not replace it.
    train_credit(
        &d,
        "other.gbdt",
        &[
            "--rounds",
            "1",
            "--init-model",
            "m.gbdt",
            "--report-json",
            "m.gbdt",
        ],
    )
    .expect_code(2)
    .stderr_says(&["--report-json m.gbdt is the same file as --init-model m.gbdt"]);
}

#[test]
fn init_model_with_other_features_objective_or_classes_is_bad_input() {
    let d = here();
    train_credit(&d, "all.gbdt", &["--rounds", "2"]).ok();
    train_credit(
        &d,
        "fewer.gbdt",
        &["--rounds", "2", "--drop", "Bankruptcies"],
    )
    .ok();
    train_credit(
        &d,
        "x.gbdt",
        &["--rounds", "2", "--init-model", "fewer.gbdt"],
    )
    .expect_code(3)
    .stderr_says(&[
        "cannot continue --init-model fewer.gbdt",
        "feature 15 is 'Tax Liens' in the model but 'Bankruptcies' in the data",
    ]);
    let extra = [
        "--rounds",
        "2",
        "--init-model",
        "all.gbdt",
        "--drop",
        "Tax Liens",
    ];
    train_credit(&d, "x.gbdt", &extra)
        .expect_code(3)
        .stderr_says(&[
            "all.gbdt",
            "the data has no feature 'Tax Liens' (feature 16",
        ]);
    let other = ["--rounds", "2", "--init-model", "all.gbdt"];
    let other = [&other[..], &["--objective", "reg:squarederror"]].concat();
    train_credit(&d, "x.gbdt", &other)
        .expect_code(3)
        .stderr_says(&[
            "cannot continue --init-model all.gbdt",
            "the model's objective is binary:logistic but --objective is reg:squarederror",
        ]);
    assert!(!d.path().join("x.gbdt").exists());

    // Multiclass: the same classes in the same order.
    let data = d.write("kinds.csv", &small_csv(300, 7));
    let renamed = d.write(
        "renamed.csv",
        &small_csv(300, 7).replace(",mid\n", ",medium\n"),
    );
    let mc = |data: &str, extra: &[&str]| {
        let mut args = vec![
            "train", data, "-t", "kind", "--drop", "y,label", "--rounds", "2", "-q",
        ];
        args.extend_from_slice(extra);
        gbdt_in(d.path(), &args)
    };
    mc(&data, &["-o", "mc.gbdt"]).ok();
    mc(&data, &["-o", "mc2.gbdt", "--init-model", "mc.gbdt"]).ok();
    mc(&renamed, &["-o", "mc3.gbdt", "--init-model", "mc.gbdt"])
        .expect_code(3)
        .stderr_says(&[
            "cannot continue --init-model mc.gbdt",
            "the model's classes are [",
            "mid",
            "medium",
        ]);
}

/// `--interactions` by feature name (issue 13) becomes feature indexes in
/// training order, stored with the model; every root-to-leaf path of the
/// dumped trees stays inside one set; unknown names are bad input.
#[test]
fn interactions_by_name_are_resolved_and_hold_on_every_path() {
    let d = here();
    let csv = credit_csv();
    let sets = "[[Credit Score, Tax Liens], [Bankruptcies, Annual Income]]";
    let train = |sets: &str| {
        gbdt_in(
            d.path(),
            &[
                "train",
                &csv,
                "--target",
                CREDIT_TARGET,
                "--rounds",
                "20",
                "--quiet",
                "--interactions",
                sets,
                "-o",
                "m.json",
            ],
        )
    };
    train(sets).ok();
    let model: Value = serde_json::from_str(&d.read("m.json")).unwrap();
    let stored = &model["model"]["params"]["interaction_constraints"];
    assert_eq!(
        stored, "[[3,15],[14,4]]",
        "Credit Score is feature 3, Tax Liens 15, ..."
    );
    let allowed = [[3u64, 15], [14, 4]];
    let dump = gbdt_in(d.path(), &["dump", "m.json", "--format", "json"]);
    dump.ok();
    let trees: Value = serde_json::from_str(&dump.stdout).unwrap();
    fn paths(node: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match node["split"].as_str() {
            Some(f) => {
                path.push(f.to_string());
                for child in node["children"].as_array().unwrap() {
                    paths(child, path, out);
                }
                path.pop();
            }
            None => out.push(path.clone()),
        }
    }
    let names = model["model"]["feature_names"].as_array().unwrap().clone();
    let index = |f: &str| names.iter().position(|n| n == f).unwrap() as u64;
    let mut all = Vec::new();
    for tree in trees.as_array().unwrap() {
        paths(tree, &mut Vec::new(), &mut all);
    }
    assert!(all.iter().any(|p| p.len() >= 2), "trees deeper than stumps");
    for p in &all {
        let used: Vec<u64> = p.iter().map(|f| index(f)).collect();
        let ok = used.len() <= 1 || allowed.iter().any(|s| used.iter().all(|u| s.contains(u)));
        assert!(ok, "path {p:?} mixes sets");
    }
    train("[[Credit Scor, Tax Liens]]")
        .expect_code(3)
        .stderr_says(&[
            "--interactions",
            "no training feature is named 'Credit Scor'",
        ]);
}

// ---------------------------------------------------------------- categorical features

/// Trains on [`util::categorical_csv`] in `d` (target `y`, 20 rounds) with
/// extra flags; the model is `out`.
fn train_categorical(d: &TempDir, out: &str, extra: &[&str]) -> util::Run {
    let data = d.write("cat.csv", &util::categorical_csv(600, 11));
    let mut args = vec!["train", &data, "--target", "y", "--rounds", "20"];
    args.extend(["--min-data-per-group", "5", "-o", out]);
    args.extend(extra);
    gbdt_in(d.path(), &args)
}

#[test]
fn text_columns_become_categorical_features_by_default() {
    let d = here();
    let r = train_categorical(&d, "m.gbdt", &["--report-json", "r.json"]);
    r.ok().stderr_says(&[
        "categorical     3 features: city (6), plan (3), tag (40)",
        "features        5: city, plan, x, code, tag",
        "- id: ",
    ]);
    let report: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    assert_eq!(
        report["categorical"],
        serde_json::json!([
            {"name": "city", "index": 0, "categories": 6},
            {"name": "plan", "index": 1, "categories": 3},
            {"name": "tag", "index": 4, "categories": 40},
        ])
    );
    let dropped = report["dropped"].as_array().unwrap();
    assert_eq!(dropped.len(), 1, "{dropped:?}");
    assert_eq!(dropped[0]["name"], "id");
    assert!(dropped[0]["reason"]
        .as_str()
        .unwrap()
        .contains("identifier"));

    let inspect = gbdt_in(d.path(), &["inspect", "m.gbdt"]);
    inspect.ok();
    assert!(
        inspect
            .stdout
            .contains("categorical     3 features: city (6), plan (3), tag (40)\n"),
        "{}",
        inspect.stdout
    );
    let dump = gbdt_in(d.path(), &["dump", "m.gbdt"]);
    dump.ok();
    assert!(dump.stdout.contains(":[city in {"), "{}", dump.stdout);
    let json = gbdt_in(d.path(), &["dump", "m.gbdt", "--format", "json"]);
    let trees: Value = serde_json::from_str(&json.ok().stdout).unwrap();
    let root = &trees[0];
    assert_eq!(root["split"], "city", "{root}");
    let names: Vec<&str> = root["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // The root sends one side of the cities left: all high or all low.
    let high: Vec<&str> = util::CITIES.iter().filter(|c| c.1).map(|c| c.0).collect();
    let low: Vec<&str> = util::CITIES.iter().filter(|c| !c.1).map(|c| c.0).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    let (mut h, mut l) = (high.clone(), low.clone());
    h.sort_unstable();
    l.sort_unstable();
    assert!(sorted == h || sorted == l, "{names:?}");

    let imp = gbdt_in(d.path(), &["importance", "m.gbdt", "--type", "total_gain"]);
    let first = imp
        .ok()
        .stdout
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert!(first.starts_with("city\t"), "{}", imp.stdout);
}

#[test]
fn categorical_none_drops_text_columns_as_before() {
    let d = here();
    let r = train_categorical(
        &d,
        "m.gbdt",
        &["--categorical", "none", "--report-json", "r.json"],
    );
    r.ok()
        .stderr_says(&["features        2: x, code", "categorical     none"]);
    let report: Value = serde_json::from_str(&d.read("r.json")).unwrap();
    let dropped: Vec<&str> = report["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(dropped, ["id", "city", "plan", "tag"]);
    assert_eq!(report["categorical"], serde_json::json!([]));
    // The same from a config file; a flag wins over it.
    d.write("p.toml", "categorical = \"none\"\n");
    let r = train_categorical(&d, "c.gbdt", &["--config", "p.toml"]);
    r.ok().stderr_says(&["features        2: x, code"]);
    let r = train_categorical(
        &d,
        "c.gbdt",
        &["--config", "p.toml", "--categorical", "auto"],
    );
    r.ok().stderr_says(&["categorical     3 features"]);
}

#[test]
fn named_categorical_columns_and_their_limits() {
    let d = here();
    // An integer column may be named; text columns not named are dropped.
    let r = train_categorical(&d, "m.gbdt", &["--categorical", "city,code"]);
    r.ok()
        .stderr_says(&["categorical     2 features: city (6), code (4)"]);
    let r = train_categorical(
        &d,
        "m.gbdt",
        &["--categorical", "city,tag", "--max-categories", "30"],
    );
    r.expect_code(3)
        .stderr_says(&["tag", "40", "--max-categories"]);
    // In auto mode a column over the limit is dropped with the reason.
    let r = train_categorical(&d, "m.gbdt", &["--max-categories", "30"]);
    r.ok()
        .stderr_says(&["categorical     2 features: city (6), plan (3)", "- tag: "]);
    let r = train_categorical(&d, "m.gbdt", &["--categorical", "city,nosuch"]);
    r.expect_code(3).stderr_says(&["nosuch"]);
    for bad in [
        &["--max-categories", "0"][..],
        &["--max-categories", "many"],
        &["--categorical", ""],
    ] {
        train_categorical(&d, "m.gbdt", bad).expect_code(2);
    }
    d.write("p.toml", "max_categories = 0\n");
    train_categorical(&d, "m.gbdt", &["--config", "p.toml"])
        .expect_code(2)
        .stderr_says(&["max_categories"]);
}

#[test]
fn unseen_categories_are_missing_unless_strict() {
    let d = here();
    train_categorical(&d, "m.gbdt", &[]).ok();
    // Row 1: a city never seen; row 2: the same row with the city missing.
    let rows = "id,city,plan,x,code,tag,y\n\
                a,Atlantis,gold,0.5,1,t03,1\n\
                b,,gold,0.5,1,t03,1\n\
                c,Oslo,gold,0.5,1,t03,1\n";
    let new = d.write("new.csv", rows);
    let r = gbdt_in(d.path(), &["predict", "m.gbdt", &new]);
    let (_, preds) = csv_rows(&r.ok().stdout);
    assert_eq!(preds[0], preds[1], "unseen == missing");
    assert_ne!(preds[0], preds[2]);
    let r = gbdt_in(
        d.path(),
        &["predict", "m.gbdt", &new, "--strict-categories"],
    );
    r.expect_code(3)
        .stderr_says(&["new.csv", "line 2", "city", "Atlantis"]);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    gbdt_in(d.path(), &["eval", "m.gbdt", &new]).ok();
    gbdt_in(d.path(), &["eval", "m.gbdt", &new, "--strict-categories"])
        .expect_code(3)
        .stderr_says(&["Atlantis"]);
    let shap = ["importance", "m.gbdt", "--type", "shap", &new];
    gbdt_in(d.path(), &shap).ok();
    let strict: Vec<&str> = shap
        .iter()
        .copied()
        .chain(["--strict-categories"])
        .collect();
    gbdt_in(d.path(), &strict)
        .expect_code(3)
        .stderr_says(&["Atlantis"]);
    // --valid is read with the training categories.
    let valid = ["--valid", &new];
    train_categorical(&d, "v.gbdt", &valid).ok();
    let strict = ["--valid", &new, "--strict-categories"];
    train_categorical(&d, "v.gbdt", &strict)
        .expect_code(3)
        .stderr_says(&["line 2", "Atlantis"]);
}

#[test]
fn categorical_models_do_not_depend_on_the_thread_count() {
    let d = here();
    for policy in ["depthwise", "lossguide"] {
        let flags = |threads| {
            [
                "--grow-policy",
                policy,
                "--subsample",
                "0.8",
                "--threads",
                threads,
            ]
        };
        train_categorical(&d, "t1.gbdt", &flags("1")).ok();
        train_categorical(&d, "t2.gbdt", &flags("2")).ok();
        let one = std::fs::read(d.path().join("t1.gbdt")).unwrap();
        assert_eq!(
            one,
            std::fs::read(d.path().join("t2.gbdt")).unwrap(),
            "{policy}"
        );
        let dump = gbdt_in(d.path(), &["dump", "t1.gbdt"]);
        assert!(dump.ok().stdout.contains(" in {"), "{policy}");
    }
}
