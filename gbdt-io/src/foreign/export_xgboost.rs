//! gbdt models as XGBoost JSON models.
//!
//! - A numeric split `x <= t` becomes XGBoost's `x < t.next_up()`, the same
//!   test for every `f32` (a `+inf` threshold, which sends every present
//!   value left, is written `1e39`, which XGBoost reads as infinity; XGBoost
//!   refuses infinite inputs, so every input it scores goes left).
//! - A categorical split: XGBoost sends the categories it lists right and
//!   every other present code (past the bit field, negative) left. A split
//!   whose missing values go right lists gbdt's left set and swaps the
//!   children; one whose missing values go left lists the complement (in
//!   `0..num_categories`) and keeps them. Either way missing values and
//!   codes outside the categories go where gbdt sends them.
//! - Base margins: a single-output model writes `base_score` in output
//!   space (through the objective's inverse link, as XGBoost's
//!   `ProbToMargin` expects); when that would lose precision in `f32` (a
//!   logistic margin beyond about 16), and for multiclass models, the
//!   base score is neutral and one extra round of one-leaf trees carries
//!   the margins.
//! - Quantile models (`reg:quantileerror`) write one target per level
//!   (`num_target`, `quantile_alpha`), as XGBoost 3.x does. XGBoost does not
//!   sort a row's quantiles: it predicts the raw outputs, which match
//!   gbdt's sorted ones on every row where they do not cross.
//! - Only the trees gbdt predicts with (up to the best iteration) are
//!   written.

use std::collections::BTreeMap;

use gbdt_core::{Model, Objective, Tree};
use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Serialize)]
struct File<'a> {
    learner: Learner<'a>,
    version: [u32; 3],
}

#[derive(Serialize)]
struct Learner<'a> {
    attributes: BTreeMap<String, String>,
    feature_names: &'a [String],
    feature_types: Vec<&'static str>,
    gradient_booster: GradientBooster,
    learner_model_param: BTreeMap<&'static str, String>,
    objective: serde_json::Value,
}

#[derive(Serialize)]
struct GradientBooster {
    model: GbTree,
    name: &'static str,
}

#[derive(Serialize)]
struct GbTree {
    gbtree_model_param: BTreeMap<&'static str, String>,
    iteration_indptr: Vec<usize>,
    tree_info: Vec<usize>,
    trees: Vec<XTree>,
}

#[derive(Serialize)]
struct XTree {
    #[serde(serialize_with = "json_f32s")]
    base_weights: Vec<f32>,
    categories: Vec<u32>,
    categories_nodes: Vec<u32>,
    categories_segments: Vec<u64>,
    categories_sizes: Vec<u64>,
    default_left: Vec<u8>,
    id: usize,
    left_children: Vec<i64>,
    #[serde(serialize_with = "json_f32s")]
    loss_changes: Vec<f32>,
    parents: Vec<i64>,
    right_children: Vec<i64>,
    #[serde(serialize_with = "json_f32s")]
    split_conditions: Vec<f32>,
    split_indices: Vec<u32>,
    split_type: Vec<u8>,
    #[serde(serialize_with = "json_f32s")]
    sum_hessian: Vec<f32>,
    tree_param: TreeParam,
}

#[derive(Serialize)]
struct TreeParam {
    num_deleted: String,
    num_feature: String,
    num_nodes: String,
    size_leaf_vector: String,
}

/// `f32`s as JSON numbers (shortest form); XGBoost reads `1e39` as
/// infinity, and NaN (a gain or cover, never a threshold) is written as 0.
fn json_f32s<S: serde::Serializer>(v: &[f32], s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for &x in v {
        if x.is_finite() {
            seq.serialize_element(&x)?;
        } else if x.is_nan() {
            seq.serialize_element(&0.0f32)?;
        } else {
            seq.serialize_element(&(f64::from(x.signum()) * 1e39))?;
        }
    }
    seq.end()
}

/// XGBoost's parent of the root.
const NO_PARENT: i64 = 2147483647;

fn empty_tree(id: usize, num_features: usize) -> XTree {
    XTree {
        base_weights: Vec::new(),
        categories: Vec::new(),
        categories_nodes: Vec::new(),
        categories_segments: Vec::new(),
        categories_sizes: Vec::new(),
        default_left: Vec::new(),
        id,
        left_children: Vec::new(),
        loss_changes: Vec::new(),
        parents: Vec::new(),
        right_children: Vec::new(),
        split_conditions: Vec::new(),
        split_indices: Vec::new(),
        split_type: Vec::new(),
        sum_hessian: Vec::new(),
        tree_param: TreeParam {
            num_deleted: "0".into(),
            num_feature: num_features.to_string(),
            num_nodes: "0".into(),
            size_leaf_vector: "1".into(),
        },
    }
}

impl XTree {
    fn push_node(&mut self, value: f32, gain: f32, cover: f32) {
        self.base_weights.push(value);
        self.default_left.push(0);
        self.left_children.push(-1);
        self.right_children.push(-1);
        self.loss_changes.push(gain);
        self.parents.push(NO_PARENT);
        self.split_conditions.push(value);
        self.split_indices.push(0);
        self.split_type.push(0);
        self.sum_hessian.push(cover);
    }

    fn finish(mut self) -> XTree {
        self.tree_param.num_nodes = self.left_children.len().to_string();
        self
    }
}

/// A one-leaf tree of value `v`.
fn leaf_tree(id: usize, num_features: usize, v: f32) -> XTree {
    let mut x = empty_tree(id, num_features);
    x.push_node(v, 0.0, 0.0);
    x.finish()
}

/// XGBoost's (left, right) children of each gbdt node: gbdt's, except at
/// a categorical split whose missing values go right, where XGBoost's left
/// child is gbdt's right one (the listed categories go right in XGBoost).
fn xgboost_children(t: &Tree) -> Vec<Option<(usize, usize)>> {
    (0..t.num_nodes())
        .map(|node| {
            let (l, r) = t.children(node)?;
            match t.category_split(node) {
                Some(_) if !t.default_left(node) => Some((r, l)),
                _ => Some((l, r)),
            }
        })
        .collect()
}

/// gbdt's nodes in XGBoost's order: breadth first over XGBoost's children,
/// so every right child directly follows its left sibling (XGBoost 3.2
/// mispredicts or aborts on deep trees laid out otherwise).
fn xgboost_order(children: &[Option<(usize, usize)>]) -> Vec<usize> {
    let mut order = vec![0];
    let mut i = 0;
    while i < order.len() {
        if let Some((a, b)) = children[order[i]] {
            order.extend([a, b]);
        }
        i += 1;
    }
    order
}

/// Tree `id` in XGBoost's layout.
fn tree(t: &Tree, id: usize, num_features: usize) -> XTree {
    let children = xgboost_children(t);
    let order = xgboost_order(&children);
    let mut id_of = vec![0usize; t.num_nodes()];
    for (new, &node) in order.iter().enumerate() {
        id_of[node] = new;
    }
    let mut x = empty_tree(id, num_features);
    for &node in &order {
        x.push_node(t.value(node), t.gain(node), t.cover(node));
    }
    for (at, &node) in order.iter().enumerate() {
        let Some((xl, xr)) = children[node] else {
            continue;
        };
        let (xl, xr) = (id_of[xl], id_of[xr]);
        x.parents[xl] = at as i64;
        x.parents[xr] = at as i64;
        x.split_indices[at] = t.split_feature(node) as u32;
        let default_left = match t.category_split(node) {
            None => {
                x.split_conditions[at] = t.threshold(node).next_up();
                t.default_left(node)
            }
            Some(c) => {
                x.split_type[at] = 1;
                x.split_conditions[at] = 0.0;
                // Listed categories go right in XGBoost, unlisted ones and
                // missing values left: list gbdt's right set when missing
                // values go left, else gbdt's left set (children swapped).
                let listed: Vec<u32> = if t.default_left(node) {
                    (0..c.num_categories())
                        .filter(|&code| !c.contains(code))
                        .map(|code| code as u32)
                        .collect()
                } else {
                    c.left_categories().map(|code| code as u32).collect()
                };
                x.categories_nodes.push(at as u32);
                x.categories_segments.push(x.categories.len() as u64);
                x.categories_sizes.push(listed.len() as u64);
                x.categories.extend(listed);
                true
            }
        };
        x.left_children[at] = xl as i64;
        x.right_children[at] = xr as i64;
        x.default_left[at] = default_left as u8;
    }
    x.finish()
}

/// XGBoost's objective object.
fn objective_json(model: &Model) -> serde_json::Value {
    let p = model.params();
    let f = |v: f64| format!("{}", v as f32);
    match model.objective() {
        Objective::Softmax => serde_json::json!({"name": "multi:softprob",
            "softmax_multiclass_param": {"num_class": model.num_outputs().to_string()}}),
        Objective::Poisson => serde_json::json!({"name": "count:poisson",
            "poisson_regression_param": {"max_delta_step": "0.7"}}),
        Objective::Tweedie => serde_json::json!({"name": "reg:tweedie",
            "tweedie_regression_param": {"tweedie_variance_power": f(p.tweedie_variance_power)}}),
        Objective::PseudoHuber => serde_json::json!({"name": "reg:pseudohubererror",
            "pseudo_huber_param": {"huber_slope": f(p.huber_slope)}}),
        Objective::QuantileError => {
            let levels: Vec<String> = p.quantile_alpha.iter().map(|&a| f(a)).collect();
            serde_json::json!({"name": "reg:quantileerror",
                "quantile_loss_param": {"quantile_alpha": format!("[{}]", levels.join(","))}})
        }
        // Prediction reads only the name; the parameters are XGBoost 3's
        // defaults, except the truncation (XGBoost's num_pair_per_sample).
        Objective::RankNdcg | Objective::RankPairwise => serde_json::json!({
            "name": model.objective().name(),
            "lambdarank_param": {"lambdarank_bias_norm": "1", "lambdarank_normalization": "1",
                "lambdarank_num_pair_per_sample": p.lambdarank_truncation_level.to_string(),
                "lambdarank_pair_method": "topk", "lambdarank_score_normalization": "1",
                "lambdarank_unbiased": "0", "ndcg_exp_gain": "1"}}),
        other => serde_json::json!({"name": other.name(),
            "reg_loss_param": {"scale_pos_weight": "1"}}),
    }
}

/// The base score XGBoost turns into `margin` (in `f32`, as XGBoost does),
/// or `None` when that would lose precision.
fn base_score(objective: Objective, margin: f64) -> Option<f32> {
    let (score, back): (f32, fn(f32) -> f32) = match objective {
        Objective::Logistic => ((1.0 / (1.0 + (-margin).exp())) as f32, |b: f32| {
            -(1.0f32 / b - 1.0).ln()
        }),
        Objective::Poisson | Objective::Tweedie | Objective::Gamma => {
            (margin.exp() as f32, |b: f32| b.ln())
        }
        _ => (margin as f32, |b: f32| b),
    };
    let m = f64::from(back(score));
    (m.is_finite() && (m - margin).abs() <= 1e-6 * margin.abs().max(1.0)).then_some(score)
}

/// The model as an XGBoost JSON model (bytes of a `.json` file) that
/// `xgboost.Booster(model_file=...)` loads and predicts with like gbdt.
pub fn export_xgboost_json(model: &Model) -> Result<Vec<u8>> {
    let k = model.num_outputs();
    let n = model.num_features();
    // Quantile levels are targets to XGBoost, not classes.
    let (classes, targets) = match model.objective() {
        Objective::QuantileError => (0, k),
        _ if k > 1 => (k, 1),
        _ => (0, 1),
    };
    let used = model.rounds_for_prediction() * k;
    let mut trees: Vec<XTree> = model.trees()[..used]
        .iter()
        .enumerate()
        .map(|(i, t)| tree(t, i, n))
        .collect();
    let single = (k == 1)
        .then(|| base_score(model.objective(), model.base_margins()[0]))
        .flatten();
    let neutral = match model.objective() {
        Objective::Logistic => 0.5,
        Objective::Poisson | Objective::Tweedie | Objective::Gamma => 1.0,
        _ => 0.0,
    };
    let score = match single {
        Some(s) => s,
        None => {
            for &m in model.base_margins() {
                trees.push(leaf_tree(trees.len(), n, m as f32));
            }
            neutral
        }
    };
    let num_trees = trees.len();
    let types: Vec<&str> = (0..n)
        .map(|f| {
            if model.categories().is_categorical(f) {
                "c"
            } else {
                "q"
            }
        })
        .collect();
    let file = File {
        learner: Learner {
            attributes: BTreeMap::new(),
            feature_names: model.feature_names(),
            feature_types: types,
            gradient_booster: GradientBooster {
                model: GbTree {
                    gbtree_model_param: BTreeMap::from([
                        ("num_parallel_tree", "1".to_string()),
                        ("num_trees", num_trees.to_string()),
                    ]),
                    iteration_indptr: (0..=num_trees / k).map(|r| r * k).collect(),
                    tree_info: (0..num_trees).map(|i| i % k).collect(),
                    trees,
                },
                name: "gbtree",
            },
            learner_model_param: BTreeMap::from([
                ("base_score", format!("{score:E}")),
                ("boost_from_average", "1".to_string()),
                ("num_class", classes.to_string()),
                ("num_feature", n.to_string()),
                ("num_target", targets.to_string()),
            ]),
            objective: objective_json(model),
        },
        version: [2, 1, 0],
    };
    serde_json::to_vec(&file).map_err(|e| Error::ForeignExport {
        format: "XGBoost JSON",
        reason: e.to_string(),
    })
}
