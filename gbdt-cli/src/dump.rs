//! `gbdt dump`: the trees of a model as XGBoost-style text or nested JSON.
//! A numeric split reads `[Credit Score<=701.5]`; a categorical split names
//! the categories it sends left, `[Purpose in {Business Loan, Buy House}]`.

use std::fmt::Write as _;

use gbdt_core::{CategorySplit, Model, Tree};
use serde_json::{json, Map, Value};

use crate::cli::{DumpArgs, DumpFormat};
use crate::exit::CmdResult;
use crate::input;
use crate::inspect::print;
use crate::predict::outputs;
use crate::report::json_number;

/// The most category names a text dump shows for one split; the rest are
/// counted (`… (12 more)`). JSON dumps list them all.
pub const MAX_SHOWN_CATEGORIES: usize = 10;

fn feature_name(model: &Model, f: usize) -> String {
    model
        .feature_names()
        .get(f)
        .cloned()
        .unwrap_or_else(|| format!("f{f}"))
}

/// The name of category `code` of feature `f`: its training text, or
/// `#code` when the model has no name for it.
fn category_name(model: &Model, f: usize, code: usize) -> String {
    model
        .categories()
        .names(f)
        .and_then(|names| names.get(code))
        .cloned()
        .unwrap_or_else(|| format!("#{code}"))
}

/// A category name as the text dump shows it: as it is, or in double quotes
/// (with `"` and `\` escaped) when it is empty, has a character that would
/// make the set ambiguous (`,{}"`), or leading or trailing spaces.
fn shown_name(name: &str) -> String {
    let plain =
        !name.is_empty() && name.trim() == name && !name.contains([',', '{', '}', '"', '\\', '\n']);
    if plain {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

/// The condition of a categorical split in text: `{a, b, c}`, with at most
/// [`MAX_SHOWN_CATEGORIES`] names and the count of the others.
pub fn category_set_text(model: &Model, f: usize, split: &CategorySplit) -> String {
    let codes: Vec<usize> = split.left_categories().collect();
    let mut shown: Vec<String> = codes
        .iter()
        .take(MAX_SHOWN_CATEGORIES)
        .map(|&c| shown_name(&category_name(model, f, c)))
        .collect();
    if codes.len() > MAX_SHOWN_CATEGORIES {
        shown.push(format!("… ({} more)", codes.len() - MAX_SHOWN_CATEGORIES));
    }
    format!("{{{}}}", shown.join(", "))
}

/// The condition of an internal node: `Credit Score<=701.5` or
/// `Purpose in {Business Loan, Buy House}`.
fn condition_text(model: &Model, tree: &Tree, node: usize) -> String {
    let f = tree.split_feature(node);
    let name = feature_name(model, f);
    match tree.category_split(node) {
        Some(split) => format!("{name} in {}", category_set_text(model, f, split)),
        None => format!("{name}<={}", tree.threshold(node)),
    }
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
                    "{indent}{node}:[{}] yes={l},no={r},missing={},gain={},cover={}",
                    condition_text(model, tree, node),
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

/// One node and its subtree as nested JSON. A numeric split has
/// `split_condition` (go to `yes` when `<=`); a categorical split has
/// `categories` (the names sent to `yes`) and `category_codes` instead.
pub fn node_json(model: &Model, tree: &Tree, node: usize, depth: usize) -> Value {
    let Some((l, r)) = tree.children(node) else {
        return json!({
            "nodeid": node,
            "leaf": json_number(tree.value(node) as f64),
            "cover": json_number(tree.cover(node) as f64),
        });
    };
    let f = tree.split_feature(node);
    let mut obj = Map::new();
    obj.insert("nodeid".into(), node.into());
    obj.insert("depth".into(), depth.into());
    obj.insert("split".into(), feature_name(model, f).into());
    obj.insert("split_index".into(), f.into());
    match tree.category_split(node) {
        Some(split) => {
            let codes: Vec<usize> = split.left_categories().collect();
            let names: Vec<String> = codes.iter().map(|&c| category_name(model, f, c)).collect();
            obj.insert("categories".into(), names.into());
            obj.insert("category_codes".into(), codes.into());
        }
        None => {
            let t = json_number(tree.threshold(node) as f64);
            obj.insert("split_condition".into(), t);
        }
    }
    obj.insert("yes".into(), l.into());
    obj.insert("no".into(), r.into());
    let missing = if tree.default_left(node) { l } else { r };
    obj.insert("missing".into(), missing.into());
    obj.insert("gain".into(), json_number(tree.gain(node) as f64));
    obj.insert("cover".into(), json_number(tree.cover(node) as f64));
    let children = [l, r].map(|c| node_json(model, tree, c, depth + 1));
    obj.insert("children".into(), Value::Array(children.to_vec()));
    Value::Object(obj)
}

/// Runs `gbdt dump`.
pub fn run(args: &DumpArgs) -> CmdResult<()> {
    let loaded = input::load_model(&args.model, &args.model_format)?;
    let model = &loaded.file.model;
    let outputs = outputs::of_model(model, loaded.file.label_rule.as_ref());
    let k = outputs.len();
    let text = match args.format {
        DumpFormat::Text => {
            let mut s = String::new();
            for (i, tree) in model.trees().iter().enumerate() {
                if k > 1 {
                    let label = outputs[i % k].label();
                    let _ = writeln!(s, "booster[{i}] (round {}, {label}):", i / k);
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

#[cfg(test)]
mod tests {
    use super::*;
    use gbdt_core::{train, Dataset, Params};
    use ndarray::Array2;

    /// A model whose feature 0 ("Colour") has `n` categories, and codes
    /// 1, 3, 5, ... score high; feature 1 is numeric noise.
    fn categorical_model(n: usize, names: Vec<String>) -> Model {
        let rows = 40 * n;
        let x = Array2::from_shape_fn((rows, 2), |(i, j)| match j {
            0 if i % 17 == 0 => f32::NAN,
            0 => (i % n) as f32,
            _ => ((i * 7) % 11) as f32,
        });
        let y: Vec<f32> = (0..rows).map(|i| ((i % n) % 2) as f32).collect();
        let data = Dataset::new(x.view(), &y)
            .unwrap()
            .with_feature_names(vec!["Colour".into(), "Noise".into()])
            .unwrap()
            .with_categorical(0, names)
            .unwrap();
        let params = Params {
            num_rounds: 2,
            max_cat_to_onehot: 1,
            max_cat_threshold: 64,
            min_data_per_group: 1,
            ..Params::default()
        };
        train(&params, &data, &[]).unwrap()
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn categorical_splits_name_the_categories_sent_left() {
        let model = categorical_model(4, names(&["red", "green, dark", "blue", "teal"]));
        let tree = &model.trees()[0];
        let split = tree.category_split(0).expect("a categorical root");
        let left: Vec<usize> = split.left_categories().collect();
        let want = if left == [1, 3] {
            r#"{"green, dark", teal}"#
        } else {
            assert_eq!(left, [0, 2]);
            "{red, blue}"
        };
        let mut text = String::new();
        tree_text(&model, tree, &mut text);
        let first = text.lines().next().unwrap();
        assert!(first.starts_with(&format!("0:[Colour in {want}] yes=1,no=2,missing=")));
        let json = node_json(&model, tree, 0, 0);
        assert_eq!(json["split"], "Colour");
        assert_eq!(json["category_codes"], json!(left));
        let expected: Vec<String> = left.iter().map(|&c| category_name(&model, 0, c)).collect();
        assert_eq!(json["categories"], json!(expected));
        assert!(json.get("split_condition").is_none());
        let missing = if tree.default_left(0) { 1 } else { 2 };
        assert_eq!(json["missing"], missing);
    }

    #[test]
    fn long_sets_are_abbreviated_in_text_only() {
        let many: Vec<String> = (0..30).map(|i| format!("c{i}")).collect();
        let model = categorical_model(30, many);
        let tree = &model.trees()[0];
        let split = tree.category_split(0).expect("a categorical root");
        let left: Vec<usize> = split.left_categories().collect();
        assert!(left.len() > MAX_SHOWN_CATEGORIES, "{left:?}");
        let text = category_set_text(&model, 0, split);
        let first: Vec<String> = left[..10].iter().map(|c| format!("c{c}")).collect();
        let want = format!("{{{}, … ({} more)}}", first.join(", "), left.len() - 10);
        assert_eq!(text, want);
        let json = node_json(&model, tree, 0, 0);
        assert_eq!(json["categories"].as_array().unwrap().len(), left.len());
    }

    #[test]
    fn names_that_would_be_ambiguous_are_quoted() {
        assert_eq!(shown_name("Buy House"), "Buy House");
        assert_eq!(shown_name("a,b"), r#""a,b""#);
        assert_eq!(shown_name(""), r#""""#);
        assert_eq!(shown_name(" x"), r#"" x""#);
        assert_eq!(shown_name("say \"hi\""), r#""say \"hi\"""#);
    }
}
