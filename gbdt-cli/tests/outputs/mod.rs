//! Models with several outputs (issue 14's loose ends): `gbdt eval` refuses
//! a metric that scores one output per row on them, `gbdt dump` labels a
//! quantile model's trees by level, and `predict --contrib` names a
//! quantile model's columns by level, as the prediction columns are.

use crate::util::{csv_rows, gbdt_in, small_csv, TempDir};

/// Trains `m.gbdt` on `d.csv` with `extra` flags.
fn train(d: &TempDir, extra: &[&str]) {
    let mut args = vec!["train", "d.csv", "-o", "m.gbdt", "--rounds", "3", "--quiet"];
    args.extend(extra);
    gbdt_in(d.path(), &args).ok();
}

#[test]
fn eval_refuses_single_output_metrics_on_several_outputs() {
    let d = TempDir::new("outputs-eval");
    d.write("d.csv", &small_csv(200, 3));
    train(&d, &["-t", "kind", "--drop", "y,label"]);
    gbdt_in(d.path(), &["eval", "m.gbdt", "d.csv", "--metric", "mae"])
        .expect_code(2)
        .stderr_says(&[
            "bad value for --metric: metric mae cannot score this model, which has 3 outputs, \
             one per class (multi:softprob)",
            "mlogloss",
        ]);
    let ok = gbdt_in(d.path(), &["eval", "m.gbdt", "d.csv", "--metric", "merror"]);
    ok.ok();
    assert!(ok.stdout.starts_with("merror\t"), "{}", ok.stdout);

    train(
        &d,
        &[
            "-t",
            "y",
            "--drop",
            "label,kind",
            "--objective",
            "quantile",
            "--quantile-alpha",
            "0.1,0.9",
        ],
    );
    gbdt_in(d.path(), &["eval", "m.gbdt", "d.csv", "--metric", "rmse"])
        .expect_code(2)
        .stderr_says(&[
            "metric rmse",
            "2 outputs, one per quantile level",
            "quantile",
        ]);
    // Training refuses the same metric the same way, before boosting.
    let r = gbdt_in(
        d.path(),
        &[
            "train",
            "d.csv",
            "-t",
            "kind",
            "--drop",
            "y,label",
            "--eval-metric",
            "rmse",
            "-o",
            "x.gbdt",
        ],
    );
    r.expect_code(2)
        .stderr_says(&["bad value for --eval-metric: metric rmse"]);
}

#[test]
fn quantile_trees_and_contributions_are_named_by_level() {
    let d = TempDir::new("outputs-names");
    d.write("d.csv", &small_csv(200, 5));
    let levels = ["--objective", "quantile", "--quantile-alpha", "0.1,0.9"];
    train(
        &d,
        &[
            &["-t", "y", "--drop", "label,kind,id,color,flag"][..],
            &levels,
        ]
        .concat(),
    );
    let dump = gbdt_in(d.path(), &["dump", "m.gbdt"]);
    dump.ok();
    assert!(
        dump.stdout.contains("booster[0] (round 0, quantile 0.1):"),
        "{}",
        dump.stdout
    );
    assert!(
        dump.stdout.contains("booster[5] (round 2, quantile 0.9):"),
        "{}",
        dump.stdout
    );
    assert!(!dump.stdout.contains("class"), "{}", dump.stdout);
    let contrib = gbdt_in(d.path(), &["predict", "m.gbdt", "d.csv", "--contrib"]);
    contrib.ok();
    let (header, _) = csv_rows(&contrib.stdout);
    assert_eq!(
        header,
        [
            "quantile_0.1:x1",
            "quantile_0.1:x2",
            "quantile_0.1:bias",
            "quantile_0.9:x1",
            "quantile_0.9:x2",
            "quantile_0.9:bias",
        ]
    );
    // Multiclass trees keep their class labels, now by class name.
    train(&d, &["-t", "kind", "--drop", "y,label,id,color,flag"]);
    let dump = gbdt_in(d.path(), &["dump", "m.gbdt"]);
    let (header, _) = csv_rows(&gbdt_in(d.path(), &["predict", "m.gbdt", "d.csv"]).stdout);
    let class = header[0].strip_prefix("prediction_").unwrap();
    assert!(
        dump.stdout
            .contains(&format!("booster[0] (round 0, class {class}):")),
        "{}",
        dump.stdout
    );
}
