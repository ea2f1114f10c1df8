//! `gbdt dump`: the trees of a model as XGBoost-style text or nested JSON.

use std::fmt::Write as _;

use gbdt_core::{Model, Tree};
use serde_json::{json, Value};

use crate::cli::{DumpArgs, DumpFormat};
use crate::exit::CmdResult;
use crate::input;
use crate::inspect::print;
use crate::report::json_number;

fn feature_name(model: &Model, f: usize) -> String {
    model
        .feature_names()
        .get(f)
        .cloned()
        .unwrap_or_else(|| format!("f{f}"))
}

/// One tree as indented text: `0:[Credit Score<=701.5] yes=1,no=2,missing=1,gain=..,cover=..`.
pub fn tree_text(model: &Model, tree: &Tree, out: &mut String) {
    // Depth-first from the root with an explicit stack, left child first.
    let mut stack = vec![(0usize, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        let indent = "\t".repeat(depth);
        match tree.children(node) {
            Some((l, r)) => {
                let _ = writeln!(
                    out,
                    "{indent}{node}:[{}<={}] yes={l},no={r},missing={},gain={},cover={}",
                    feature_name(model, tree.split_feature(node)),
                    tree.threshold(node),
                    if tree.default_left(node) { l } else { r },
                    tree.gain(node),
                    tree.cover(node)
                );
                stack.push((r, depth + 1));
                stack.push((l, depth + 1));
            }
            None => {
                let _ = writeln!(
                    out,
                    "{indent}{node}:leaf={},cover={}",
                    tree.value(node),
                    tree.cover(node)
                );
            }
        }
    }
}

/// One node and its subtree as nested JSON.
pub fn node_json(model: &Model, tree: &Tree, node: usize, depth: usize) -> Value {
    match tree.children(node) {
        Some((l, r)) => json!({
            "nodeid": node,
            "depth": depth,
            "split": feature_name(model, tree.split_feature(node)),
            "split_index": tree.split_feature(node),
            "split_condition": json_number(tree.threshold(node) as f64),
            "yes": l,
            "no": r,
            "missing": if tree.default_left(node) { l } else { r },
            "gain": json_number(tree.gain(node) as f64),
            "cover": json_number(tree.cover(node) as f64),
            "children": [node_json(model, tree, l, depth + 1), node_json(model, tree, r, depth + 1)],
        }),
        None => json!({
            "nodeid": node,
            "leaf": json_number(tree.value(node) as f64),
            "cover": json_number(tree.cover(node) as f64),
        }),
    }
}

/// Runs `gbdt dump`.
pub fn run(args: &DumpArgs) -> CmdResult<()> {
    let loaded = input::load_model(&args.model)?;
    let model = &loaded.file.model;
    let k = model.num_outputs();
    let text = match args.format {
        DumpFormat::Text => {
            let mut s = String::new();
            for (i, tree) in model.trees().iter().enumerate() {
                if k > 1 {
                    let _ = writeln!(s, "booster[{i}] (round {}, class {}):", i / k, i % k);
                } else {
                    let _ = writeln!(s, "booster[{i}]:");
                }
                tree_text(model, tree, &mut s);
            }
            s
        }
        DumpFormat::Json => {
            let trees: Vec<Value> = model
                .trees()
                .iter()
                .map(|t| node_json(model, t, 0, 0))
                .collect();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&Value::Array(trees)).unwrap_or_default()
            )
        }
    };
    print(&text)
}
