//! XGBoost JSON and LightGBM text models through the binary (issue 12):
//! the committed fixtures of gbdt-io (`gbdt-io/tests/data/foreign`, written
//! by `benches/interop/make_fixtures.py`) predict like their library,
//! formats are detected or forced, damaged files are exit 3, and `convert`
//! round trips.

use std::path::PathBuf;

use serde_json::Value;

use crate::util::{csv_rows, gbdt_in, TempDir};

/// The fixture directory.
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../gbdt-io/tests/data/foreign")
}

fn fixture(name: &str) -> String {
    fixtures().join(name).to_string_lossy().into_owned()
}

fn input() -> String {
    fixture("input.csv")
}

/// The library's own predictions of a fixture model (rows x outputs).
fn expected(model: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let case = &all[model];
    assert!(case.is_object(), "no expected predictions for {model}");
    case["pred"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect()
}

/// The numbers of a prediction CSV, with its header.
fn parse(stdout: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let (header, rows) = csv_rows(stdout);
    let rows = rows
        .iter()
        .map(|r| r.iter().map(|v| v.parse::<f64>().unwrap()).collect())
        .collect();
    (header, rows)
}

/// Largest |a - b| over two matrices of the same shape.
fn max_diff(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    assert_eq!(a.len(), b.len(), "row counts");
    let mut worst = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.len(), y.len(), "column counts");
        for (u, v) in x.iter().zip(y) {
            worst = worst.max((u - v).abs());
        }
    }
    worst
}

/// `gbdt predict MODEL input.csv EXTRA...`, parsed.
fn predict(dir: &TempDir, model: &str, extra: &[&str]) -> (Vec<String>, Vec<Vec<f64>>) {
    let input = input();
    let mut args = vec!["predict", model, &input];
    args.extend_from_slice(extra);
    let r = gbdt_in(dir.path(), &args);
    r.ok();
    parse(&r.stdout)
}

#[test]
fn foreign_models_predict_like_their_library() {
    let d = TempDir::new("foreign");
    let cases = [
        ("xgb_binary_logistic", "xgb_binary_logistic.json"),
        (
            "xgb_softprob_categorical_lossguide",
            "xgb_softprob_categorical_lossguide.json",
        ),
        ("xgb_categorical_onehot", "xgb_categorical_onehot.json"),
        ("xgb_no_names", "xgb_no_names.json"),
        ("lgb_binary", "lgb_binary.txt"),
        (
            "lgb_multiclass_categorical",
            "lgb_multiclass_categorical.txt",
        ),
        ("lgb_zero_as_missing", "lgb_zero_as_missing.txt"),
    ];
    for (name, file) in cases {
        let (header, preds) = predict(&d, &fixture(file), &[]);
        let want = expected(name);
        assert_eq!(preds.len(), 150, "{name}");
        assert_eq!(header.len(), want[0].len(), "{name}: {header:?}");
        let diff = max_diff(&preds, &want);
        assert!(diff <= 1e-6, "{name}: differs by {diff}");
    }
}

#[test]
fn model_format_can_be_forced_and_a_wrong_one_is_exit_3() {
    let d = TempDir::new("foreign");
    let xgb = fixture("xgb_binary_logistic.json");
    let (_, forced) = predict(&d, &xgb, &["--model-format", "xgboost-json"]);
    assert!(max_diff(&forced, &expected("xgb_binary_logistic")) <= 1e-6);
    let lgb = fixture("lgb_binary.txt");
    let (_, forced) = predict(&d, &lgb, &["--model-format", "lightgbm"]);
    assert!(max_diff(&forced, &expected("lgb_binary")) <= 1e-6);

    let input = input();
    for (model, format) in [(&xgb, "lightgbm"), (&lgb, "xgboost-json"), (&lgb, "gbdt")] {
        let r = gbdt_in(
            d.path(),
            &["predict", model, &input, "--model-format", format],
        );
        r.expect_code(3).stderr_says(&[model.as_str()]);
        assert!(r.stdout.is_empty());
    }
    let r = gbdt_in(
        d.path(),
        &["predict", &xgb, &input, "--model-format", "onnx"],
    );
    r.expect_code(2).stderr_says(&["onnx", "xgboost-json"]);
}

#[test]
fn damaged_foreign_files_are_exit_3_naming_file_and_field() {
    let d = TempDir::new("foreign");
    let input = input();
    for file in ["xgb_categorical.json", "lgb_multiclass.txt"] {
        let bytes = std::fs::read(fixtures().join(file)).unwrap();
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() * 2 / 3] {
            let path = d.path().join(format!("cut_{cut}_{file}"));
            std::fs::write(&path, &bytes[..cut]).unwrap();
            let p = path.to_string_lossy();
            let r = gbdt_in(d.path(), &["predict", &p, &input]);
            r.expect_code(3).stderr_says(&[&p]);
            assert!(!r.stderr.contains("internal error"), "{}", r.stderr);
        }
    }
    // An edited field is named.
    let text = std::fs::read_to_string(fixtures().join("lgb_binary.txt")).unwrap();
    let edited = text.replacen("objective=binary sigmoid:1", "objective=rank_xendcg", 1);
    assert_ne!(edited, text);
    let p = d.write("edited.txt", &edited);
    let r = gbdt_in(d.path(), &["predict", &p, &input]);
    r.expect_code(3).stderr_says(&[&p, "objective"]);
}

#[test]
fn inspect_dump_and_importance_read_foreign_files() {
    let d = TempDir::new("foreign");
    let lgb = fixture("lgb_multiclass_categorical.txt");
    let r = gbdt_in(d.path(), &["inspect", &lgb, "--json"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["format"], "lightgbm");
    assert_eq!(v["format_version"], Value::Null);
    assert_eq!(v["objective"], "multi:softprob");
    assert_eq!(v["features"][4], "cat");
    let r = gbdt_in(d.path(), &["inspect", &fixture("xgb_no_names.json")]);
    r.ok();
    assert!(r.stdout.contains("xgboost-json (imported)"), "{}", r.stdout);
    assert!(r.stdout.contains("f0, f1"), "{}", r.stdout);
    // gbdt's defaults are not shown as how XGBoost trained the model.
    assert!(!r.stdout.contains("learning_rate="), "{}", r.stdout);
    assert!(
        r.stdout.contains("not stored in the imported file"),
        "{}",
        r.stdout
    );
    let r = gbdt_in(
        d.path(),
        &["inspect", &fixture("xgb_tweedie.json"), "--json"],
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["params"]["tweedie_variance_power"], 1.4, "{}", r.stdout);
    assert_eq!(v["params"].get("learning_rate"), None, "{}", r.stdout);

    let r = gbdt_in(d.path(), &["dump", &fixture("xgb_categorical.json")]);
    r.ok();
    assert!(
        r.stdout.contains("booster[0]") && r.stdout.contains("leaf="),
        "{}",
        r.stdout
    );
    let r = gbdt_in(d.path(), &["importance", &lgb, "--type", "split"]);
    r.ok();
    assert!(r.stdout.starts_with("feature\tsplit\n"), "{}", r.stdout);
    let input = input();
    let r = gbdt_in(
        d.path(),
        &[
            "importance",
            &fixture("xgb_no_names.json"),
            "--type",
            "shap",
            &input,
        ],
    );
    r.ok();
    assert_eq!(r.stdout.lines().count(), 6, "{}", r.stdout);
}

#[test]
fn eval_scores_a_foreign_model_with_a_target() {
    let d = TempDir::new("foreign");
    // Labels: the library's own rounded predictions, so AUC is high.
    let want = expected("lgb_binary");
    let text = std::fs::read_to_string(input()).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let label = match i {
            0 => "y".to_string(),
            _ => ((want[i - 1][0] > 0.5) as u8).to_string(),
        };
        out.push_str(&format!("{label},{line}\n"));
    }
    let data = d.write("labelled.csv", &out);
    let r = gbdt_in(
        d.path(),
        &[
            "eval",
            &fixture("lgb_binary.txt"),
            &data,
            "--target",
            "y",
            "--metric",
            "error",
        ],
    );
    r.ok();
    assert_eq!(r.stdout, "error\t0\n");
    // Without a target the model has none stored: usage error.
    let r = gbdt_in(d.path(), &["eval", &fixture("lgb_binary.txt"), &data]);
    r.expect_code(2).stderr_says(&["--target"]);
}

#[test]
fn nameless_models_need_as_many_columns_as_features() {
    let d = TempDir::new("foreign");
    let data = d.write("short.csv", "a,b,c\n1,2,3\n");
    let r = gbdt_in(d.path(), &["predict", &fixture("xgb_no_names.json"), &data]);
    r.expect_code(3)
        .stderr_says(&["short.csv", "no feature names", "5"]);
    // The --id column is not a feature.
    let text = std::fs::read_to_string(input()).unwrap();
    let with_id: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("id,{l}\n"),
            _ => format!("r{i},{l}\n"),
        })
        .collect();
    let data = d.write("with_id.csv", &with_id);
    let model = fixture("xgb_no_names.json");
    let r = gbdt_in(d.path(), &["predict", &model, &data, "--id", "id"]);
    r.ok();
    let (header, rows) = csv_rows(&r.stdout);
    assert_eq!(header, ["id", "prediction"]);
    let preds: Vec<Vec<f64>> = rows.iter().map(|r| vec![r[1].parse().unwrap()]).collect();
    assert!(max_diff(&preds, &expected("xgb_no_names")) <= 1e-6);
}

#[test]
fn convert_to_gbdt_predicts_the_same() {
    let d = TempDir::new("convert");
    for (file, out) in [
        ("xgb_softprob_categorical_lossguide.json", "a.gbdt"),
        ("lgb_categorical.txt", "b.json"),
    ] {
        let src = fixture(file);
        let out = d.file(out);
        let r = gbdt_in(d.path(), &["convert", &src, &out]);
        r.ok()
            .stderr_says(&["converted", "trees", "features", "objective"]);
        let original = gbdt_in(d.path(), &["predict", &src, &input()]);
        let converted = gbdt_in(d.path(), &["predict", &out, &input()]);
        original.ok();
        converted.ok();
        assert_eq!(original.stdout, converted.stdout, "{file}");
    }
    let text = d.read("b.json");
    assert!(
        text.contains("\"format\": \"gbdt-model\""),
        "gbdt JSON by extension"
    );
    let r = gbdt_in(d.path(), &["inspect", &d.file("a.gbdt")]);
    r.ok();
    assert!(r.stdout.contains("binary, version"), "{}", r.stdout);
}

#[test]
fn convert_to_xgboost_json_round_trips() {
    let d = TempDir::new("convert");
    let gbdt = d.file("m.gbdt");
    gbdt_in(
        d.path(),
        &["convert", &fixture("lgb_multiclass_categorical.txt"), &gbdt],
    )
    .ok();
    let xgb = d.file("out.json");
    let r = gbdt_in(d.path(), &["convert", &gbdt, &xgb, "--to", "xgboost-json"]);
    r.ok().stderr_says(&["XGBoost JSON"]);
    // Categories named by their codes lose nothing: no warning.
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&d.read("out.json")).expect("valid JSON");
    assert!(v["learner"].is_object());
    let (h1, before) = predict(&d, &gbdt, &[]);
    let (h2, after) = predict(&d, &xgb, &[]);
    assert_eq!(h1, h2);
    let diff = max_diff(&before, &after);
    assert!(diff <= 1e-6, "round trip differs by {diff}");
    assert!(max_diff(&after, &expected("lgb_multiclass_categorical")) <= 1e-6);
}

#[test]
fn convert_checks_outputs_and_names_before_reading() {
    let d = TempDir::new("convert");
    let m = d.file("m.gbdt");
    gbdt_in(d.path(), &["convert", &fixture("lgb_binary.txt"), &m]).ok();
    let r = gbdt_in(d.path(), &["convert", &m, &m]);
    r.expect_code(2).stderr_says(&["same file"]);
    let r = gbdt_in(d.path(), &["convert", &m, &d.file("x"), "--to", "onnx"]);
    r.expect_code(2).stderr_says(&["--to", "'onnx'"]);
    let r = gbdt_in(
        d.path(),
        &["convert", "/no/such.json", &d.file("no/dir/x.gbdt")],
    );
    r.expect_code(1).stderr_says(&["OUT"]);
    let r = gbdt_in(d.path(), &["convert", "/no/such.json", &d.file("x.gbdt")]);
    r.expect_code(3).stderr_says(&["/no/such.json"]);
    assert!(!d.path().join("x.gbdt").exists());
}

#[test]
fn exporting_named_categories_warns_that_they_become_codes() {
    let d = TempDir::new("convert");
    let data = d.write("cat.csv", &crate::util::categorical_csv(300, 7));
    let m = d.file("m.gbdt");
    let r = gbdt_in(
        d.path(),
        &[
            "train", &data, "--target", "y", "--rounds", "3", "--output", &m, "--drop", "id,tag",
            "-q",
        ],
    );
    r.ok();
    let r = gbdt_in(
        d.path(),
        &["convert", &m, &d.file("x.json"), "--to", "xgboost-json"],
    );
    r.ok().stderr_says(&["warning", "'city'", "codes"]);
}

#[test]
fn training_continues_an_imported_model_with_named_numeric_features() {
    let d = TempDir::new("foreign");
    let want = expected("lgb_binary");
    let text = std::fs::read_to_string(input()).unwrap();
    let labelled: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{l},y\n"),
            _ => format!("{l},{}\n", (want[i - 1][0] > 0.5) as u8),
        })
        .collect();
    let data = d.write("train.csv", &labelled);
    let out = d.file("more.gbdt");
    let lgb = fixture("lgb_binary.txt");
    let r = gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "--target",
            "y",
            "--init-model",
            &lgb,
            "--rounds",
            "2",
            "-o",
            &out,
            "-q",
        ],
    );
    r.ok();
    let r = gbdt_in(d.path(), &["inspect", &out, "--json"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["trees"], 6, "4 imported trees and 2 new ones");
    // A categorical imported model cannot be continued: exit 3, saying why.
    let cat = fixture("xgb_categorical.json");
    let r = gbdt_in(
        d.path(),
        &[
            "train",
            &data,
            "--target",
            "y",
            "--init-model",
            &cat,
            "--rounds",
            "2",
            "-o",
            &out,
        ],
    );
    r.expect_code(3)
        .stderr_says(&["--init-model", "categorical"]);
}
