//! From what a reader found to a checked [`Model`]: trees as graphs of
//! nodes in any order (a node may be reached from several parents: it is
//! copied once per path), laid out breadth first with adjacent children, and
//! the model built through gbdt-core's serde form, which checks every rule.

use std::collections::BTreeMap;

use gbdt_core::{Model, Objective, MAX_CATEGORIES};
use serde::Serialize;

use super::{Problem, Read};

/// The most nodes a translated tree may have (copies included): 64 times
/// its own nodes (a copy per level of a depth-6 tree), at least 4096, at
/// most 2^22; and the most in a whole model.
fn max_nodes(graph: &Graph) -> usize {
    graph.nodes.len().saturating_mul(64).clamp(4096, 1 << 22)
}
const MAX_MODEL_NODES: usize = 1 << 25;

/// How a split decides.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    /// Left when `x <= threshold`.
    Numeric(f32),
    /// Left when the code is one of these; codes past the feature's
    /// categories, negative codes and NaN take the default way.
    Categorical(Vec<u32>),
}

/// One node of a foreign tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Leaf {
        value: f64,
        cover: f32,
    },
    Split {
        feature: u32,
        test: Test,
        default_left: bool,
        left: usize,
        right: usize,
        gain: f32,
        cover: f32,
        /// What the node would predict as a leaf (for `dump`).
        value: f64,
    },
}

/// A tree as nodes that refer to their children by index; `root` first.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Graph {
    pub nodes: Vec<Node>,
    pub root: usize,
}

impl Graph {
    /// Appends a node and returns its index.
    pub(crate) fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }
}

/// Everything a reader found, before it becomes a model.
#[derive(Debug, Clone)]
pub(crate) struct Parts {
    pub objective: Objective,
    pub num_outputs: usize,
    pub feature_names: Vec<String>,
    pub base_margins: Vec<f64>,
    /// Round-major: tree `i` adds to output `i % num_outputs`.
    pub trees: Vec<Graph>,
    /// Move each tree's leftmost leaf value into the base margin (for `f64`
    /// leaf values, which then lose less when stored as `f32`).
    pub shift_leaves: bool,
    /// Parameters by gbdt name (objective parameters only).
    pub params: Vec<(&'static str, String)>,
}

/// Checks that `children` (per node, its `(left, right)` or `None` for a
/// leaf) make a tree from `root`: indices inside, no node with two parents,
/// the root with none. Nodes the root cannot reach are allowed (dropped).
pub(crate) fn check_links(
    children: &[Option<(usize, usize)>],
    root: usize,
    tree: usize,
    field: &str,
) -> Read<()> {
    let n = children.len();
    let mut parent: Vec<Option<usize>> = vec![None; n];
    for (node, c) in children.iter().enumerate() {
        let Some((l, r)) = *c else { continue };
        for child in [l, r] {
            let at = || format!("tree {tree}, node {node}, field `{field}`");
            if child >= n {
                return Err(Problem::invalid(
                    at(),
                    format!("child {child} is not a node (the tree has {n})"),
                ));
            }
            if child == root {
                return Err(Problem::invalid(at(), "the root cannot be a child"));
            }
            if let Some(other) = parent[child].replace(node) {
                return Err(Problem::invalid(
                    at(),
                    format!("node {child} is already the child of node {other}"),
                ));
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct TreeOut {
    feature: Vec<u32>,
    #[serde(with = "gbdt_core::serde_float::f32_vec")]
    threshold: Vec<f32>,
    left: Vec<u32>,
    default_left: Vec<bool>,
    #[serde(with = "gbdt_core::serde_float::f32_vec")]
    value: Vec<f32>,
    #[serde(with = "gbdt_core::serde_float::f32_vec")]
    gain: Vec<f32>,
    #[serde(with = "gbdt_core::serde_float::f32_vec")]
    cover: Vec<f32>,
    categorical: Vec<CatOut>,
}

#[derive(Serialize)]
struct CatOut {
    node: u32,
    num_categories: u32,
    left: Vec<u32>,
}

#[derive(Serialize)]
struct CategoryOut {
    feature: usize,
    names: Vec<String>,
}

#[derive(Serialize)]
struct ModelOut {
    objective: Objective,
    num_outputs: usize,
    num_features: usize,
    feature_names: Vec<String>,
    base_margins: Vec<f64>,
    trees: Vec<TreeOut>,
    best_iteration: Option<usize>,
    metrics: [(); 0],
    params: BTreeMap<&'static str, String>,
    categories: Vec<CategoryOut>,
}

/// The model, checked by gbdt-core.
pub(crate) fn into_model(parts: Parts) -> Read<Model> {
    let counts = category_counts(&parts)?;
    let k = parts.num_outputs;
    if k == 0 || parts.base_margins.len() != k || !parts.trees.len().is_multiple_of(k) {
        return Err(Problem::invalid(
            "trees",
            format!(
                "{} trees and {} base margins do not make whole rounds of {k} outputs",
                parts.trees.len(),
                parts.base_margins.len()
            ),
        ));
    }
    let mut base_margins = parts.base_margins.clone();
    let mut trees = Vec::with_capacity(parts.trees.len());
    let mut total = 0usize;
    for (t, graph) in parts.trees.iter().enumerate() {
        let shift = if parts.shift_leaves {
            first_leaf(graph)
        } else {
            0.0
        };
        base_margins[t % k] += shift;
        let tree = lay_out(graph, &counts, shift, t)?;
        total += tree.feature.len();
        if total > MAX_MODEL_NODES {
            return Err(Problem::unsupported(
                format!("trees 0 to {t}"),
                format!("more than {MAX_MODEL_NODES} nodes once translated"),
                "the model is too large",
            ));
        }
        trees.push(tree);
    }
    let mut params: BTreeMap<&'static str, String> = parts.params.iter().cloned().collect();
    params.insert("objective", parts.objective.name().to_string());
    params.insert("num_rounds", (parts.trees.len() / k).to_string());
    let out = ModelOut {
        objective: parts.objective,
        num_outputs: k,
        num_features: parts.feature_names.len(),
        feature_names: parts.feature_names,
        base_margins,
        trees,
        best_iteration: None,
        metrics: [],
        params,
        categories: counts
            .iter()
            .map(|(&feature, &n)| CategoryOut {
                feature: feature as usize,
                names: (0..n).map(|c| c.to_string()).collect(),
            })
            .collect(),
    };
    let value = serde_json::to_value(out)
        .map_err(|e| Problem::invalid("translated model", e.to_string()))?;
    serde_json::from_value::<Model>(value)
        .map_err(|e| Problem::invalid("translated model", e.to_string()))
}

/// Per categorical feature, one more than the largest code a split lists.
fn category_counts(parts: &Parts) -> Read<BTreeMap<u32, u32>> {
    let mut counts = BTreeMap::new();
    for (t, graph) in parts.trees.iter().enumerate() {
        for node in &graph.nodes {
            if let Node::Split {
                feature,
                test: Test::Categorical(codes),
                ..
            } = node
            {
                let n = codes.iter().max().map_or(1, |&c| c.saturating_add(1));
                if n as usize > MAX_CATEGORIES {
                    return Err(Problem::unsupported(
                        format!("tree {t}: category code of feature {feature}"),
                        (n - 1).to_string(),
                        format!("gbdt reads category codes 0 to {}", MAX_CATEGORIES - 1),
                    ));
                }
                let e = counts.entry(*feature).or_insert(1);
                *e = (*e).max(n);
            }
        }
    }
    Ok(counts)
}

/// The value of the leftmost leaf (the shift of `shift_leaves`).
fn first_leaf(graph: &Graph) -> f64 {
    let mut node = graph.root;
    for _ in 0..=graph.nodes.len() {
        match graph.nodes.get(node) {
            Some(Node::Leaf { value, .. }) => return *value,
            Some(Node::Split { left, .. }) => node = *left,
            None => return 0.0,
        }
    }
    0.0
}

/// The tree breadth first from the root, children side by side; a node
/// reached twice is copied.
fn lay_out(graph: &Graph, counts: &BTreeMap<u32, u32>, shift: f64, t: usize) -> Read<TreeOut> {
    let mut out = TreeOut {
        feature: Vec::new(),
        threshold: Vec::new(),
        left: Vec::new(),
        default_left: Vec::new(),
        value: Vec::new(),
        gain: Vec::new(),
        cover: Vec::new(),
        categorical: Vec::new(),
    };
    let mut order = vec![graph.root];
    let mut i = 0;
    while i < order.len() {
        let Some(node) = graph.nodes.get(order[i]) else {
            return Err(Problem::invalid(
                format!("tree {t}"),
                format!("node {} does not exist", order[i]),
            ));
        };
        push_node(&mut out, node, order.len(), shift, counts, i);
        if let Node::Split { left, right, .. } = node {
            order.extend([*left, *right]);
            if order.len() > max_nodes(graph) {
                return Err(Problem::unsupported(
                    format!("tree {t}"),
                    format!(
                        "more than {} nodes once translated (from {})",
                        max_nodes(graph),
                        graph.nodes.len()
                    ),
                    "the tree is too large (or has a cycle)",
                ));
            }
        }
        i += 1;
    }
    Ok(out)
}

fn push_node(
    out: &mut TreeOut,
    node: &Node,
    next: usize,
    shift: f64,
    counts: &BTreeMap<u32, u32>,
    index: usize,
) {
    match node {
        Node::Leaf { value, cover } => {
            out.feature.push(0);
            out.threshold.push(0.0);
            out.left.push(0);
            out.default_left.push(false);
            out.value.push((value - shift) as f32);
            out.gain.push(0.0);
            out.cover.push(*cover);
        }
        Node::Split {
            feature,
            test,
            default_left,
            gain,
            cover,
            value,
            ..
        } => {
            out.feature.push(*feature);
            out.left.push(u32::try_from(next).unwrap_or(u32::MAX));
            out.default_left.push(*default_left);
            out.value.push((value - shift) as f32);
            out.gain.push(*gain);
            out.cover.push(*cover);
            match test {
                Test::Numeric(t) => out.threshold.push(*t),
                Test::Categorical(codes) => {
                    out.threshold.push(0.0);
                    let n = counts.get(feature).copied().unwrap_or(1);
                    out.categorical.push(CatOut {
                        node: index as u32,
                        num_categories: n,
                        left: bitset_words(codes),
                    });
                }
            }
        }
    }
}

/// Bit `c % 32` of word `c / 32` for each code `c`.
fn bitset_words(codes: &[u32]) -> Vec<u32> {
    let len = codes.iter().max().map_or(0, |&c| c as usize / 32 + 1);
    let mut words = vec![0u32; len];
    for &c in codes {
        words[c as usize / 32] |= 1 << (c % 32);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(value: f64) -> Node {
        Node::Leaf { value, cover: 1.0 }
    }

    fn split(test: Test, left: usize, right: usize) -> Node {
        Node::Split {
            feature: 0,
            test,
            default_left: true,
            left,
            right,
            gain: 1.0,
            cover: 2.0,
            value: 0.0,
        }
    }

    fn parts(trees: Vec<Graph>) -> Parts {
        Parts {
            objective: Objective::SquaredError,
            num_outputs: 1,
            feature_names: vec!["a".into()],
            base_margins: vec![0.5],
            trees,
            shift_leaves: true,
            params: Vec::new(),
        }
    }

    #[test]
    fn shared_nodes_are_copied_and_children_sit_side_by_side() {
        // node 3 is reached from nodes 0 and 2: it is copied.
        let g = Graph {
            nodes: vec![
                split(Test::Numeric(1.0), 3, 2),
                leaf(7.0),
                split(Test::Categorical(vec![0, 33]), 1, 3),
                leaf(2.0),
            ],
            root: 0,
        };
        let m = into_model(parts(vec![g])).unwrap();
        let t = &m.trees()[0];
        assert_eq!(t.num_nodes(), 5);
        assert_eq!(t.children(0), Some((1, 2)));
        assert_eq!(t.children(2), Some((3, 4)));
        // The leftmost leaf's value (2.0) moved into the base margin.
        assert_eq!(m.base_margins(), [2.5]);
        let row = |x: f32| m.predict_row_raw(&[x], &mut [0.0]).map(|_| ());
        assert!(row(0.0).is_ok());
        let mut out = [0.0];
        m.predict_row_raw(&[0.5], &mut out).unwrap();
        assert_eq!(out[0], 2.5);
        m.predict_row_raw(&[33.0], &mut out).unwrap();
        assert_eq!(out[0], 7.5);
        m.predict_row_raw(&[5.0], &mut out).unwrap();
        assert_eq!(out[0], 2.5);
        assert_eq!(m.categories().count(0), Some(34));
    }

    #[test]
    fn cycles_hit_the_node_budget_and_bad_links_are_named() {
        let g = Graph {
            nodes: vec![split(Test::Numeric(1.0), 0, 0)],
            root: 0,
        };
        let e = into_model(parts(vec![g])).unwrap_err();
        assert!(matches!(e, Problem::Unsupported { .. }), "{e:?}");
        let e = check_links(&[Some((1, 2)), None, Some((1, 1))], 0, 3, "left_children");
        let Err(Problem::Invalid { location, problem }) = e else {
            panic!("{e:?}")
        };
        assert_eq!(location, "tree 3, node 2, field `left_children`");
        assert!(problem.contains("already the child of node 0"), "{problem}");
        assert!(check_links(&[Some((1, 5)), None], 0, 0, "x").is_err());
        assert!(check_links(&[Some((1, 0)), None], 0, 0, "x").is_err());
    }
}
