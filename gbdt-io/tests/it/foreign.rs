//! Foreign models (issue 12): every committed XGBoost and LightGBM fixture
//! predicts like the library that wrote it, damaged files are errors and
//! never panics, and exported models have XGBoost's shape.
//!
//! The fixtures come from `benches/interop/make_fixtures.py`.

use std::path::Path;

use gbdt_core::{train, Dataset, GrowPolicy, Model, MulticlassHessian, Objective, Params};
use gbdt_io::{detect_foreign, export_xgboost_json, import_model, ForeignFormat};
use ndarray::Array2;
use proptest::prelude::*;
use serde_json::Value;

use crate::util::{data, Rng};

/// The rows of a CSV file with a header (empty cells are missing).
fn read_rows(path: &Path) -> Array2<f32> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let cols = lines.next().unwrap().split(',').count();
    let values: Vec<f32> = lines
        .flat_map(|l| l.split(',').map(|v| v.parse().unwrap_or(f32::NAN)))
        .collect();
    Array2::from_shape_vec((values.len() / cols, cols), values).unwrap()
}

fn input_in(dir: &Path) -> Array2<f32> {
    read_rows(&dir.join("input.csv"))
}

/// The committed fixture inputs.
fn input() -> Array2<f32> {
    input_in(&data("foreign"))
}

fn expected_in(dir: &Path) -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn expected() -> serde_json::Map<String, Value> {
    expected_in(&data("foreign"))
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn import_from(dir: &Path, file: &str) -> Model {
    let path = dir.join(file);
    let bytes = std::fs::read(&path).unwrap();
    let format = detect_foreign(&bytes).unwrap_or_else(|| panic!("{file}: not detected"));
    import_model(&bytes, format, &path).unwrap_or_else(|e| panic!("{e}"))
}

fn import(file: &str) -> Model {
    import_from(&data("foreign"), file)
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

/// Imports every model `expected.json` in `dir` lists, and returns per
/// model the largest difference of predictions and of raw margins from
/// the library's.
fn check_dir(dir: &Path) -> Vec<(String, f64, f64)> {
    let x = input_in(dir);
    let mut out = Vec::new();
    for (name, case) in expected_in(dir) {
        let model = import_from(dir, case["file"].as_str().unwrap());
        let objective = case["objective"].as_str().unwrap();
        let margin = max_diff(
            &model.predict_raw(x.view()).unwrap(),
            &matrix(&case["margin"]),
        );
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
        out.push((name, pred, margin));
    }
    out
}

fn report(results: &[(String, f64, f64)]) {
    for (name, pred, margin) in results {
        eprintln!("{name:40} pred {pred:.3e}  margin {margin:.3e}");
    }
    let worst = results.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
    eprintln!("worst prediction difference: {:.3e} ({})", worst.1, worst.0);
}

#[test]
fn every_fixture_predicts_like_its_library() {
    let results = check_dir(&data("foreign"));
    report(&results);
    assert!(results.len() >= 20, "{results:?}");
    for (name, pred, margin) in results {
        assert!(pred <= 1e-6, "{name}: predictions differ by {pred}");
        assert!(margin <= 1e-5, "{name}: margins differ by {margin}");
    }
}

/// The same check on the larger models of `benches/interop/compare.py`
/// in `$GBDT_INTEROP_DIR`; writes gbdt's predictions of every model to
/// `gbdt_preds.json` there.
#[test]
#[ignore = "run by benches/interop/compare.py"]
fn check_models_in_interop_dir() {
    let Ok(dir) = std::env::var("GBDT_INTEROP_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    report(&check_dir(dir));
    let x = input_in(dir);
    let preds: serde_json::Map<String, Value> = expected_in(dir)
        .into_iter()
        .map(|(name, case)| {
            let model = import_from(dir, case["file"].as_str().unwrap());
            let pred = matrix_of(&model.predict(x.view()).unwrap());
            (name, serde_json::json!(pred))
        })
        .collect();
    std::fs::write(
        dir.join("gbdt_preds.json"),
        serde_json::to_vec(&preds).unwrap(),
    )
    .unwrap();
}

/// Times gbdt's prediction of `speed.csv` with the imported
/// `speed_xgb.json` and `speed_lgb.txt` in `$GBDT_INTEROP_DIR` on two
/// threads (best of three, CSV reading excluded), into `gbdt_times.json`.
#[test]
#[ignore = "run by benches/interop/compare.py --speed"]
fn time_prediction() {
    let Ok(dir) = std::env::var("GBDT_INTEROP_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let x = read_rows(&dir.join("speed.csv"));
    let options = gbdt_core::PredictOptions {
        executor: Some(gbdt_core::Executor::new(2).unwrap()),
        ..gbdt_core::PredictOptions::default()
    };
    let mut times = serde_json::Map::new();
    for file in ["speed_xgb.json", "speed_lgb.txt"] {
        let model = import_from(dir, file);
        let best = (0..3)
            .map(|_| {
                let t = std::time::Instant::now();
                model.predict_with(x.view(), &options).unwrap();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        eprintln!("{file}: {} rows in {best:.3}s", x.nrows());
        times.insert(file.to_string(), serde_json::json!(best));
    }
    std::fs::write(
        dir.join("gbdt_times.json"),
        serde_json::to_vec(&times).unwrap(),
    )
    .unwrap();
}

#[test]
fn names_objectives_and_categories_come_from_the_file() {
    let m = import("xgb_no_names.json");
    assert_eq!(m.feature_names(), ["f0", "f1", "f2", "f3", "f4"]);
    let m = import("xgb_softmax.json");
    assert_eq!(
        (m.objective().name(), m.num_outputs()),
        ("multi:softprob", 3)
    );
    assert_eq!(m.num_trees(), 12);
    assert_eq!(m.params().multiclass_hessian, MulticlassHessian::XGBoost);
    let m = import("lgb_multiclass_categorical.txt");
    assert_eq!(m.params().multiclass_hessian, MulticlassHessian::LightGbm);
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
        (
            xgb.replace("\"gbtree\"", "\"dart\""),
            "learner.gradient_booster.name = \"dart\" is not supported",
        ),
        (
            xgb.replace("binary:logistic", "survival:cox"),
            "learner.objective.name = \"survival:cox\" is not supported",
        ),
        (
            xgb.replace("binary:logistic", "reg:quantileerror"),
            "learner.objective.quantile_loss_param.quantile_alpha: is missing",
        ),
        (
            xgb.replacen("\"version\":[3,", "\"version\":[4,", 1),
            "version = \"4.2.0\" is not supported; gbdt reads models saved by XGBoost 1.7 to 3.x",
        ),
        (
            xgb.replace("\"num_target\":\"1\"", "\"num_target\":\"2\""),
            "num_target = \"2\" is not supported",
        ),
        (
            xgb.replace("[6.25E-1]", "[6.25E-1"),
            "base_score: \"[6.25E-1\" has no closing ']'",
        ),
        (
            xgb.replace("\"left_children\":[1,", "\"left_children\":[7,"),
            "tree 0, node 4, field `left_children`: node 7 is already the child of node 0",
        ),
        (
            xgb[..xgb.len() / 2].to_string(),
            "m.model is not a valid XGBoost JSON model: JSON: EOF",
        ),
        (
            "{L\0\0\0\0\0\0\0\x07learner{L".to_string(),
            "encoding = \"UBJSON\" is not supported; gbdt reads XGBoost's JSON models",
        ),
    ];
    for (text, want) in cases {
        let e = error(text.as_bytes(), ForeignFormat::XgboostJson);
        assert!(e.contains(want), "{e}\nwanted: {want}");
    }
    let lgb = fixture_text("lgb_regression.txt");
    let cases = [
        (
            lgb.replace("objective=regression", "objective=quantile"),
            "objective = \"quantile\" is not supported",
        ),
        (
            lgb.replace("objective=regression", "objective=regression sqrt"),
            "is not supported",
        ),
        (
            lgb.replace("version=v4", "version=v9"),
            "version = \"v9\" is not supported",
        ),
        (
            lgb.replace("is_linear=0", "is_linear=1"),
            "tree 0, is_linear = \"1\" is not supported",
        ),
        (lgb.replace("end of trees", ""), "the file is truncated"),
        (
            lgb.replacen("left_child=", "left_child=99 ", 1),
            "tree 0, field `left_child`: has",
        ),
        (lgb.replacen("Tree=1", "Tree=5", 1), "headed `Tree=5`"),
    ];
    for (text, want) in cases {
        let e = error(text.as_bytes(), ForeignFormat::LightgbmText);
        assert!(e.contains(want), "{e}\nwanted: {want}");
    }
}

/// Every fixture file, as bytes, with its format.
fn fixture_files() -> Vec<(Vec<u8>, ForeignFormat)> {
    [
        "xgb_categorical.json",
        "xgb_softprob.json",
        "lgb_categorical.txt",
        "lgb_zero_as_missing.txt",
    ]
    .iter()
    .map(|f| {
        let bytes = std::fs::read(data(&format!("foreign/{f}"))).unwrap();
        let format = detect_foreign(&bytes).unwrap();
        (bytes, format)
    })
    .collect()
}

/// Byte ranges of the numbers in `text`.
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
            while i < b.len() && (b[i].is_ascii_digit() || b".eE+-".contains(&b[i])) {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
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

    /// Numbers replaced by other numbers (child indices, feature indices,
    /// decision types, thresholds, counts, category codes): errors or
    /// valid models, never a panic.
    #[test]
    fn edited_numbers_never_panic(
        which in 0usize..4,
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..12), 1..6),
    ) {
        let (bytes, format) = fixture_files().swap_remove(which);
        let mut text = String::from_utf8(bytes).unwrap();
        let values = ["-1", "0", "1", "2", "7", "14", "-3", "1e39", "99999999999", "0.5", "-0", "65536"];
        for (at, v) in edits {
            let spans = number_spans(&text);
            let (start, end) = spans[at.index(spans.len())];
            text.replace_range(start..end, values[v]);
        }
        if let Ok(model) = import_model(text.as_bytes(), format, Path::new("m")) {
            let x = input();
            if model.num_features() == x.ncols() {
                prop_assert!(model.predict(x.view()).is_ok());
            }
        }
    }
}

/// Seeded rows: three numeric features with missing values and a
/// categorical code column (0..6, some missing), and labels for
/// `objective`.
fn training_data(objective: Objective, rows: usize) -> (Array2<f32>, Vec<f32>) {
    let mut rng = Rng::new(12);
    let x = Array2::from_shape_fn((rows, 4), |(_, j)| {
        let u = rng.unit();
        match j {
            _ if u < 0.07 => f32::NAN,
            3 => (rng.next() % 6) as f32,
            _ => (rng.unit() * 4.0 - 2.0) as f32,
        }
    });
    let effect = [0.8, -0.5, 0.1, 1.2, -1.0, 0.3];
    let y = (0..rows)
        .map(|r| {
            let v = |j: usize| {
                if x[[r, j]].is_nan() {
                    0.0
                } else {
                    f64::from(x[[r, j]])
                }
            };
            let s = v(0) + 0.5 * v(1) * v(1) - 0.3 * v(2) + effect[v(3) as usize];
            let noise = rng.unit() - 0.5;
            (match objective {
                Objective::Logistic | Objective::LogitRaw => f64::from(s + noise > 0.4),
                Objective::Softmax => ((s + noise + 1.0).clamp(0.0, 2.9)).floor(),
                Objective::Poisson => ((0.4 * s).exp() * (1.0 + noise)).round(),
                Objective::Tweedie | Objective::Gamma => (0.3 * s).exp() * (1.2 + noise),
                _ => 0.5 * s + 0.2 * noise,
            }) as f32
        })
        .collect();
    (x, y)
}

/// A small gbdt model for `objective`, with feature 3 categorical.
fn gbdt_model(objective: Objective, policy: GrowPolicy) -> (Model, Array2<f32>) {
    let (x, y) = training_data(objective, 400);
    let params = Params {
        objective,
        num_rounds: 6,
        grow_policy: policy,
        max_leaves: 8,
        max_depth: if policy == GrowPolicy::LossGuide {
            0
        } else {
            4
        },
        threads: Some(1),
        ..Params::default()
    };
    let data = Dataset::new(x.view(), &y)
        .unwrap()
        .with_feature_names(["a", "b", "c", "colour"].map(String::from).to_vec())
        .unwrap()
        .with_categorical_codes(&[3])
        .unwrap();
    (train(&params, &data, &[]).unwrap(), x)
}

const OBJECTIVES: [Objective; 9] = [
    Objective::SquaredError,
    Objective::Logistic,
    Objective::LogitRaw,
    Objective::Softmax,
    Objective::Poisson,
    Objective::Tweedie,
    Objective::Gamma,
    Objective::PseudoHuber,
    Objective::AbsoluteError,
];

/// Export, detect and import again.
fn round_trip(model: &Model) -> Model {
    let bytes = export_xgboost_json(model).unwrap();
    assert_eq!(detect_foreign(&bytes), Some(ForeignFormat::XgboostJson));
    import_model(&bytes, ForeignFormat::XgboostJson, Path::new("out.json"))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn exported_models_come_back_with_the_same_predictions() {
    let x = input();
    for (name, case) in expected() {
        let model = import(case["file"].as_str().unwrap());
        let back = round_trip(&model);
        let d = max_diff(
            &back.predict(x.view()).unwrap(),
            &matrix_of(&model.predict(x.view()).unwrap()),
        );
        assert!(d <= 1e-6, "{name}: {d}");
    }
    for objective in OBJECTIVES {
        for policy in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
            let (model, x) = gbdt_model(objective, policy);
            let back = round_trip(&model);
            assert_eq!(back.objective(), objective);
            let d = max_diff(
                &back.predict(x.view()).unwrap(),
                &matrix_of(&model.predict(x.view()).unwrap()),
            );
            assert!(d <= 1e-6, "{objective} {policy:?}: {d}");
        }
    }
}

fn matrix_of(a: &Array2<f64>) -> Vec<Vec<f64>> {
    a.rows().into_iter().map(|r| r.to_vec()).collect()
}

#[test]
fn exported_json_has_xgboosts_shape() {
    let (model, _) = gbdt_model(Objective::Softmax, GrowPolicy::DepthWise);
    let v: Value = serde_json::from_slice(&export_xgboost_json(&model).unwrap()).unwrap();
    let l = &v["learner"];
    assert_eq!(
        l["feature_names"],
        serde_json::json!(["a", "b", "c", "colour"])
    );
    assert_eq!(l["feature_types"], serde_json::json!(["q", "q", "q", "c"]));
    assert_eq!(l["objective"]["name"], "multi:softprob");
    assert_eq!(l["learner_model_param"]["num_class"], "3");
    let m = &l["gradient_booster"]["model"];
    // 6 rounds of 3 trees, and one round of one-leaf trees with the base margins.
    let info: Vec<u64> = m["tree_info"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(info.len(), 21);
    assert!(info.iter().enumerate().all(|(i, &c)| c == i as u64 % 3));
    let last = &m["trees"][20];
    assert_eq!(last["left_children"], serde_json::json!([-1]));
    assert_eq!(
        last["split_conditions"][0].as_f64().unwrap() as f32,
        model.base_margins()[2] as f32
    );
    let t = &m["trees"][0];
    let n = t["left_children"].as_array().unwrap().len();
    for field in [
        "right_children",
        "parents",
        "split_conditions",
        "split_indices",
        "split_type",
        "default_left",
        "sum_hessian",
        "loss_changes",
        "base_weights",
    ] {
        assert_eq!(t[field].as_array().unwrap().len(), n, "{field}");
    }
    assert_eq!(t["tree_param"]["num_nodes"], n.to_string());
    // Numeric conditions are the next f32 above gbdt's thresholds.
    let tree = &model.trees()[0];
    let node = (0..tree.num_nodes())
        .find(|&i| !tree.is_leaf(i) && tree.category_split(i).is_none())
        .unwrap();
    let cond = t["split_conditions"][node].as_f64().unwrap() as f32;
    assert_eq!(cond, tree.threshold(node).next_up());
    // Some tree splits on the categorical feature, listing its categories.
    let cats: usize = m["trees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["categories_nodes"].as_array().unwrap().len())
        .sum();
    assert!(cats > 0);
}

/// XGBoost 3.2 mispredicts (or aborts on) deep trees whose right children
/// do not directly follow their left siblings: exported trees are laid out
/// breadth first in XGBoost's child order.
#[test]
fn exported_right_children_follow_their_left_siblings() {
    for objective in [Objective::Logistic, Objective::SquaredError] {
        let (model, _) = gbdt_model(objective, GrowPolicy::LossGuide);
        let v: Value = serde_json::from_slice(&export_xgboost_json(&model).unwrap()).unwrap();
        let trees = v["learner"]["gradient_booster"]["model"]["trees"]
            .as_array()
            .unwrap();
        let mut categorical = 0;
        for t in trees {
            let ids = |f: &str| -> Vec<i64> {
                t[f].as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap())
                    .collect()
            };
            let (l, r, parents) = (ids("left_children"), ids("right_children"), ids("parents"));
            for i in 0..l.len() {
                if l[i] >= 0 {
                    assert_eq!(r[i], l[i] + 1, "{objective}: node {i}");
                    assert!(l[i] as usize > i);
                    assert_eq!(parents[l[i] as usize], i as i64);
                    assert_eq!(parents[r[i] as usize], i as i64);
                }
            }
            categorical += t["categories_nodes"].as_array().unwrap().len();
        }
        assert!(
            categorical > 0,
            "{objective}: no categorical split exported"
        );
    }
}

#[test]
fn base_scores_are_in_output_space() {
    let (model, _) = gbdt_model(Objective::Logistic, GrowPolicy::DepthWise);
    let v: Value = serde_json::from_slice(&export_xgboost_json(&model).unwrap()).unwrap();
    let score: f64 = v["learner"]["learner_model_param"]["base_score"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let p = 1.0 / (1.0 + (-model.base_margins()[0]).exp());
    assert!((score - p).abs() < 1e-7, "{score} {p}");
    assert_eq!(
        v["learner"]["gradient_booster"]["model"]["trees"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

/// Writes gbdt models exported to XGBoost JSON, the rows they are scored
/// on and gbdt's predictions into `$GBDT_INTEROP_OUT`, for
/// `benches/interop/compare.py` (which loads them with XGBoost).
#[test]
#[ignore = "run by benches/interop/compare.py"]
fn write_exported_models() {
    let Ok(dir) = std::env::var("GBDT_INTEROP_OUT") else {
        return;
    };
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let mut expected = serde_json::Map::new();
    for objective in OBJECTIVES {
        for policy in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
            let (model, x) = gbdt_model(objective, policy);
            let name = format!("{}_{policy:?}", objective.name().replace(':', "_")).to_lowercase();
            std::fs::write(
                dir.join(format!("{name}.json")),
                export_xgboost_json(&model).unwrap(),
            )
            .unwrap();
            let pred = matrix_of(&model.predict(x.view()).unwrap());
            expected.insert(name, serde_json::json!({"pred": pred}));
            let csv: String = x
                .rows()
                .into_iter()
                .map(|r| {
                    r.iter()
                        .map(|v| {
                            if v.is_nan() {
                                String::new()
                            } else {
                                v.to_string()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                        + "\n"
                })
                .collect();
            std::fs::write(dir.join("export_input.csv"), format!("a,b,c,colour\n{csv}")).unwrap();
        }
    }
    std::fs::write(
        dir.join("export_expected.json"),
        serde_json::to_vec(&expected).unwrap(),
    )
    .unwrap();
}

/// `hand_xgboost_categorical.json`, with the root's missing values sent
/// left or right: one categorical feature, the root lists codes 1 and 3
/// (sent right, leaf +1), every other code goes left (leaf -1). XGBoost 3.2
/// loads it and predicts the values the test below expects (infinity
/// aside, which XGBoost refuses as input).
fn xgboost_categorical_stump(default_left: u8) -> String {
    fixture_text("hand_xgboost_categorical.json").replace(
        "\"default_left\":[0,0,0]",
        &format!("\"default_left\":[{default_left},0,0]"),
    )
}

fn predict_one(model: &Model, row: &[f32]) -> f64 {
    let mut out = [0.0];
    model.predict_row(row, &mut out).unwrap();
    out[0]
}

#[test]
fn xgboost_categorical_splits_keep_xgboosts_routing() {
    for default_left in [0, 1] {
        let text = xgboost_categorical_stump(default_left);
        let m = import_model(
            text.as_bytes(),
            ForeignFormat::XgboostJson,
            Path::new("c.json"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // Listed codes (truncated) go right; NaN the default way; every
        // other code, unlisted, past the largest listed, negative or
        // infinite, goes left.
        for (v, want) in [(1.0, 1.0), (3.0, 1.0), (1.5, 1.0), (3.9, 1.0)] {
            assert_eq!(predict_one(&m, &[v]), want, "{v}");
        }
        for v in [0.0, 2.0, 4.0, 100.0, -1.0, -0.5, 1e9, f32::INFINITY] {
            assert_eq!(
                predict_one(&m, &[v]),
                -1.0,
                "{v}, default left {default_left}"
            );
        }
        let nan = if default_left == 1 { -1.0 } else { 1.0 };
        assert_eq!(predict_one(&m, &[f32::NAN]), nan);
        assert_eq!(m.categories().count(0), Some(4));
    }
}

#[test]
fn lightgbm_categorical_and_zero_missing_splits_keep_lightgbms_routing() {
    // A hand-written model; LightGBM 4.7 loads it and predicts these values.
    let text = fixture_text("hand_lightgbm.txt");
    let m = import_model(
        text.as_bytes(),
        ForeignFormat::LightgbmText,
        Path::new("m.txt"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let nan = f32::NAN;
    let cases = [
        // Codes 1, 3 and 32 (the second bitset word) go left.
        ([1.0, 5.0], 10.0),
        ([32.0, 5.0], 10.0),
        ([1.7, 5.0], 10.0),
        // NaN, negative and unlisted codes go right, to the zero-missing node.
        ([2.0, 5.0], 30.0),
        ([nan, 5.0], 30.0),
        ([-1.0, 5.0], 30.0),
        ([33.0, 5.0], 30.0),
        // Missing type Zero, default left: 0, |z| <= 1e-35 and NaN go left.
        ([2.0, 0.0], 20.0),
        ([2.0, nan], 20.0),
        ([2.0, -1e-36], 20.0),
        ([2.0, 3.5], 20.0),
        ([2.0, 3.5f32.next_up()], 30.0),
    ];
    for (row, want) in cases {
        assert_eq!(predict_one(&m, &row), want + 0.5, "{row:?}");
    }
    assert_eq!(m.num_trees(), 2);
    let bad = text.replace("decision_type=1 6", "decision_type=1 14");
    let e = error(bad.as_bytes(), ForeignFormat::LightgbmText);
    assert!(
        e.contains("tree 0, node 1, field `decision_type`: 14 has missing type 3"),
        "{e}"
    );
    let bad = text.replace("cat_boundaries=0 2", "cat_boundaries=0 3");
    let e = error(bad.as_bytes(), ForeignFormat::LightgbmText);
    assert!(
        e.contains("tree 0, node 0, field `threshold`: cat_boundaries 0..3"),
        "{e}"
    );
}
