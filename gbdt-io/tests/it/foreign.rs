//! Foreign models (issue 12): every committed XGBoost and LightGBM fixture
//! predicts like the library that wrote it, damaged files are errors and
//! never panics, and exported models have XGBoost's shape.
//!
//! The fixtures come from `benches/interop/make_fixtures.py`.

use std::path::Path;

use gbdt_core::Model;
use gbdt_io::{detect_foreign, import_model, ForeignFormat};
use ndarray::Array2;
use proptest::prelude::*;
use serde_json::Value;

use crate::util::data;

/// The committed fixture inputs: the rows of `foreign/input.csv`.
fn input() -> Array2<f32> {
    let text = std::fs::read_to_string(data("foreign/input.csv")).unwrap();
    let mut lines = text.lines();
    let cols = lines.next().unwrap().split(',').count();
    let values: Vec<f32> = lines
        .flat_map(|l| l.split(',').map(|v| v.parse().unwrap_or(f32::NAN)))
        .collect();
    Array2::from_shape_vec((values.len() / cols, cols), values).unwrap()
}

fn expected() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(data("foreign/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
        .collect()
}

fn import(file: &str) -> Model {
    let path = data(&format!("foreign/{file}"));
    let bytes = std::fs::read(&path).unwrap();
    let format = detect_foreign(&bytes).unwrap_or_else(|| panic!("{file}: not detected"));
    import_model(&bytes, format, &path).unwrap_or_else(|e| panic!("{e}"))
}

/// Largest |a - b| over two matrices of the same shape.
fn max_diff(ours: &Array2<f64>, theirs: &[Vec<f64>]) -> f64 {
    assert_eq!(ours.nrows(), theirs.len());
    let mut worst = 0.0f64;
    for (r, row) in theirs.iter().enumerate() {
        assert_eq!(ours.ncols(), row.len(), "row {r}");
        for (c, v) in row.iter().enumerate() {
            worst = worst.max((ours[[r, c]] - v).abs());
        }
    }
    worst
}

#[test]
fn every_fixture_predicts_like_its_library() {
    let x = input();
    let mut report = Vec::new();
    let mut worst = (0.0f64, String::new());
    for (name, case) in expected() {
        let model = import(case["file"].as_str().unwrap());
        let objective = case["objective"].as_str().unwrap();
        let margin = max_diff(&model.predict_raw(x.view()).unwrap(), &matrix(&case["margin"]));
        let pred = if objective == "multi:softmax" {
            // XGBoost predicts the class; gbdt the probabilities.
            let classes = model.predict_class(x.view()).unwrap();
            let theirs = matrix(&case["pred"]);
            for (r, c) in classes.iter().enumerate() {
                assert_eq!(*c as f64, theirs[r][0], "{name}: row {r}");
            }
            0.0
        } else {
            max_diff(&model.predict(x.view()).unwrap(), &matrix(&case["pred"]))
        };
        report.push(format!("{name:40} pred {pred:.2e}  margin {margin:.2e}"));
        if pred > worst.0 {
            worst = (pred, name.clone());
        }
        assert!(pred <= 1e-6, "{name}: predictions differ by {pred}");
        assert!(margin <= 1e-5, "{name}: margins differ by {margin}");
    }
    eprintln!("{}\nworst prediction difference: {:.3e} ({})", report.join("\n"), worst.0, worst.1);
    assert!(report.len() >= 20, "{report:?}");
}

#[test]
fn names_objectives_and_categories_come_from_the_file() {
    let m = import("xgb_no_names.json");
    assert_eq!(m.feature_names(), ["f0", "f1", "f2", "f3", "f4"]);
    let m = import("xgb_softmax.json");
    assert_eq!((m.objective().name(), m.num_outputs()), ("multi:softprob", 3));
    assert_eq!(m.num_trees(), 12);
    let m = import("lgb_multiclass_categorical.txt");
    assert_eq!(m.feature_names(), ["x0", "x1", "x2", "x3", "cat"]);
    assert_eq!(m.categories().names(4).unwrap()[0], "0");
    assert!(!m.categories().is_categorical(0));
    let m = import("xgb_tweedie.json");
    assert_eq!(m.params().tweedie_variance_power, 1.4);
    let m = import("lgb_tweedie.txt");
    assert_eq!(m.params().tweedie_variance_power, 1.4);
}

/// The message of importing `bytes` as `format`.
fn error(bytes: &[u8], format: ForeignFormat) -> String {
    match import_model(bytes, format, Path::new("m.model")) {
        Ok(_) => panic!("imported {:?}", String::from_utf8_lossy(bytes)),
        Err(e) => e.to_string(),
    }
}

fn fixture_text(file: &str) -> String {
    std::fs::read_to_string(data(&format!("foreign/{file}"))).unwrap()
}

#[test]
fn unsupported_models_name_the_field() {
    let xgb = fixture_text("xgb_binary_logistic.json");
    let cases = [
        (xgb.replace("\"gbtree\"", "\"dart\""), "learner.gradient_booster.name = \"dart\" is not supported"),
        (xgb.replace("binary:logistic", "reg:absoluteerror"), "learner.objective.name = \"reg:absoluteerror\" is not supported"),
        (xgb.replace("\"num_target\":\"1\"", "\"num_target\":\"2\""), "num_target = \"2\" is not supported"),
        (xgb.replace("[6.25E-1]", "[6.25E-1"), "base_score: \"[6.25E-1\" has no closing ']'"),
        (xgb.replace("\"left_children\":[1,", "\"left_children\":[7,"), "tree 0, node 4, field `left_children`: node 7 is already the child of node 0"),
        (xgb[..xgb.len() / 2].to_string(), "m.model is not a valid XGBoost JSON model: JSON: EOF"),
    ];
    for (text, want) in cases {
        let e = error(text.as_bytes(), ForeignFormat::XgboostJson);
        assert!(e.contains(want), "{e}\nwanted: {want}");
    }
    let lgb = fixture_text("lgb_regression.txt");
    let cases = [
        (lgb.replace("objective=regression", "objective=quantile"), "objective = \"quantile\" is not supported"),
        (lgb.replace("objective=regression", "objective=regression sqrt"), "is not supported"),
        (lgb.replace("version=v4", "version=v9"), "version = \"v9\" is not supported"),
        (lgb.replace("is_linear=0", "is_linear=1"), "tree 0, is_linear = \"1\" is not supported"),
        (lgb.replace("end of trees", ""), "the file is truncated"),
        (lgb.replacen("left_child=", "left_child=99 ", 1), "tree 0, field `left_child`: has"),
        (lgb.replacen("Tree=1", "Tree=5", 1), "headed `Tree=5`"),
    ];
    for (text, want) in cases {
        let e = error(text.as_bytes(), ForeignFormat::LightgbmText);
        assert!(e.contains(want), "{e}\nwanted: {want}");
    }
}

/// Every fixture file, as bytes, with its format.
fn fixture_files() -> Vec<(Vec<u8>, ForeignFormat)> {
    ["xgb_categorical.json", "xgb_softprob.json", "lgb_categorical.txt", "lgb_zero_as_missing.txt"]
        .iter()
        .map(|f| {
            let bytes = std::fs::read(data(&format!("foreign/{f}"))).unwrap();
            let format = detect_foreign(&bytes).unwrap();
            (bytes, format)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Truncated or edited files give an error or a valid model, never a
    /// panic; a model that loads predicts without panicking.
    #[test]
    fn mutated_files_never_panic(
        which in 0usize..4,
        cut in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        truncate in any::<bool>(),
    ) {
        let (mut bytes, format) = fixture_files().swap_remove(which);
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = if b % 3 == 0 { b"0123456789-.e,[]"[b as usize % 16] } else { b };
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(model) = import_model(&bytes, format, Path::new("m")) {
            let x = input();
            if model.num_features() == x.ncols() {
                prop_assert!(model.predict(x.view()).is_ok());
            }
        }
    }
}
