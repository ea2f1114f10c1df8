//! Agreement with XGBoost's `pred_contribs` on the same trees (ignored:
//! needs files exported by XGBoost). Run
//! `python3 benches/compare/shap_export.py DIR`, then
//! `GBDT_XGB_SHAP_DIR=DIR cargo test -p gbdt-core --lib xgboost -- --ignored --nocapture`.
//! The script trains `binary:logistic` with `base_score=0.5` (base margin
//! 0) and writes `trees.json` (the JSON dump with stats), `x.json` (rows,
//! null for missing), `contribs.json` and `margin.json`.

use ndarray::Array2;
use serde_json::Value;

use crate::tree::{SplitRecord, Tree};
use crate::{Executor, Model, Objective, Params};

fn read(dir: &str, name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("exported file");
    serde_json::from_str(&text).expect("valid JSON")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

/// Copies XGBoost node `x` (already present as our `node`) and its subtree.
/// XGBoost sends a row left when `value < condition`: our threshold is the
/// largest f32 below the condition.
fn copy_subtree(tree: &mut Tree, node: usize, x: &Value) {
    let Some(children) = x["children"].as_array() else {
        return;
    };
    let by_id = |id: f64| {
        let found = children.iter().find(|c| num(c, "nodeid") == id);
        found.expect("child listed")
    };
    let (yes, no) = (by_id(num(x, "yes")), by_id(num(x, "no")));
    let leaf_or_zero = |c: &Value| c["leaf"].as_f64().unwrap_or(0.0) as f32;
    let feature = x["split"].as_str().expect("split name")[1..]
        .parse()
        .expect("fN");
    let split = SplitRecord {
        feature,
        threshold: (num(x, "split_condition") as f32).next_down(),
        default_left: num(x, "missing") == num(x, "yes"),
        gain: 0.0,
        left_value: leaf_or_zero(yes),
        right_value: leaf_or_zero(no),
        left_cover: num(yes, "cover") as f32,
        right_cover: num(no, "cover") as f32,
        categories: None,
    };
    let left = tree.split(node, &split);
    copy_subtree(tree, left, yes);
    copy_subtree(tree, left + 1, no);
}

#[test]
#[ignore]
fn xgboost_pred_contribs_agree() {
    let Ok(dir) = std::env::var("GBDT_XGB_SHAP_DIR") else {
        panic!("set GBDT_XGB_SHAP_DIR to the exported files");
    };
    let trees: Vec<Tree> = read(&dir, "trees.json")
        .as_array()
        .expect("a list of trees")
        .iter()
        .map(|t| {
            let mut tree = Tree::with_root(0.0, num(t, "cover") as f32);
            copy_subtree(&mut tree, 0, t);
            tree
        })
        .collect();
    let rows = read(&dir, "x.json");
    let rows = rows.as_array().expect("rows");
    let features = rows[0].as_array().expect("a row").len();
    let x = Array2::from_shape_fn((rows.len(), features), |(i, j)| {
        rows[i][j].as_f64().map_or(f32::NAN, |v| v as f32)
    });
    let model = Model {
        objective: Objective::Logistic,
        num_outputs: 1,
        num_features: features,
        feature_names: (0..features).map(|j| format!("f{j}")).collect(),
        base_margins: vec![0.0],
        trees,
        best_iteration: None,
        metrics: Vec::new(),
        params: Params::default(),
        categories: Default::default(),
    };
    let margin = model.predict_raw(x.view()).unwrap();
    let theirs_margin = read(&dir, "margin.json");
    let worst_margin = (0..x.nrows())
        .map(|i| (margin[[i, 0]] - theirs_margin[i].as_f64().unwrap_or(f64::NAN)).abs())
        .fold(0.0, f64::max);
    let t = std::time::Instant::now();
    let ours = model
        .predict_contributions(x.view(), &Executor::new(1).unwrap())
        .unwrap();
    println!("{} rows: {:?} on 1 thread", x.nrows(), t.elapsed());
    let theirs = read(&dir, "contribs.json");
    let (mut worst, mut scale) = (0.0f64, 0.0f64);
    for (i, row) in ours.rows().into_iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            let t = theirs[i][j].as_f64().unwrap_or(f64::NAN);
            worst = worst.max((v - t).abs());
            scale = scale.max(t.abs());
        }
    }
    println!("max |margin diff| {worst_margin:.3e}; max |contribution diff| {worst:.3e} (largest contribution {scale:.3})");
    assert!(worst_margin < 1e-4, "the trees were not copied faithfully");
    assert!(worst < 1e-3, "contributions differ from XGBoost by {worst}");
}
