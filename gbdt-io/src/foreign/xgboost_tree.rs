//! One XGBoost JSON tree as a [`Graph`].
//!
//! XGBoost sends a row left when `x < split_condition` (both `f32`); that is
//! `x <= split_condition.next_down()` for every `f32`. A categorical split
//! sends the categories it lists right, missing values the default way and
//! every other value left (unlisted codes, codes past the bit field,
//! negative or non-finite codes).

use serde::Deserialize;

use super::assemble::{check_links, Graph, Node, Test};
use super::{Problem, Read};

/// `default_left` is `0`/`1` in newer files and `false`/`true` in older.
#[derive(Deserialize, Clone, Copy)]
#[serde(untagged)]
enum Flag {
    Bool(bool),
    Int(i64),
}

impl Flag {
    fn is_set(self) -> bool {
        match self {
            Flag::Bool(b) => b,
            Flag::Int(i) => i != 0,
        }
    }
}

#[derive(Deserialize)]
struct TreeParam {
    num_nodes: String,
    #[serde(default)]
    size_leaf_vector: Option<String>,
}

/// The fields of a tree gbdt reads.
#[derive(Deserialize)]
pub(crate) struct XTree {
    #[serde(default)]
    base_weights: Vec<f32>,
    #[serde(default)]
    categories: Vec<i64>,
    #[serde(default)]
    categories_nodes: Vec<i64>,
    #[serde(default)]
    categories_segments: Vec<i64>,
    #[serde(default)]
    categories_sizes: Vec<i64>,
    default_left: Vec<Flag>,
    left_children: Vec<i64>,
    right_children: Vec<i64>,
    loss_changes: Vec<f32>,
    /// `f64`: a condition past `f32`'s range (`1e39`) is infinite.
    split_conditions: Vec<f64>,
    split_indices: Vec<i64>,
    #[serde(default)]
    split_type: Vec<i64>,
    sum_hessian: Vec<f32>,
    tree_param: TreeParam,
}

impl XTree {
    fn check_lengths(&self, t: usize) -> Read<usize> {
        let n = self.left_children.len();
        let at = |field: &str| format!("tree {t}, field `{field}`");
        let declared = self.tree_param.num_nodes.trim().parse::<usize>().ok();
        if declared != Some(n) {
            return Err(Problem::invalid(
                at("tree_param.num_nodes"),
                format!(
                    "is {:?} but `left_children` has {n} entries",
                    self.tree_param.num_nodes
                ),
            ));
        }
        if n == 0 {
            return Err(Problem::invalid(
                at("left_children"),
                "the tree has no nodes",
            ));
        }
        let lens = [
            ("right_children", self.right_children.len()),
            ("default_left", self.default_left.len()),
            ("loss_changes", self.loss_changes.len()),
            ("split_conditions", self.split_conditions.len()),
            ("split_indices", self.split_indices.len()),
            ("sum_hessian", self.sum_hessian.len()),
        ];
        let optional = [
            ("base_weights", self.base_weights.len()),
            ("split_type", self.split_type.len()),
        ];
        let wrong = lens
            .iter()
            .chain(optional.iter().filter(|(_, len)| *len != 0))
            .find(|(_, len)| *len != n);
        if let Some((field, len)) = wrong {
            return Err(Problem::invalid(
                at(field),
                format!("has {len} entries but the tree has {n} nodes"),
            ));
        }
        let leaf_size = self.tree_param.size_leaf_vector.as_deref().unwrap_or("0");
        if !matches!(leaf_size.trim(), "0" | "1") {
            return Err(Problem::unsupported(
                format!("tree {t}, tree_param.size_leaf_vector"),
                leaf_size,
                "gbdt reads trees with one value per leaf (not multi-target trees)",
            ));
        }
        Ok(n)
    }

    /// `(left, right)` per node, `None` for leaves.
    fn children(&self, t: usize, n: usize) -> Read<Vec<Option<(usize, usize)>>> {
        let index = |v: i64, node: usize, field: &str| {
            usize::try_from(v).ok().filter(|&c| c < n).ok_or_else(|| {
                Problem::invalid(
                    format!("tree {t}, node {node}, field `{field}`"),
                    format!("{v} is not a node of the tree's {n}"),
                )
            })
        };
        (0..n)
            .map(|i| match self.left_children[i] {
                -1 => Ok(None),
                l => Ok(Some((
                    index(l, i, "left_children")?,
                    index(self.right_children[i], i, "right_children")?,
                ))),
            })
            .collect()
    }

    /// The categories a categorical node lists (sends right).
    fn categories_of(&self, node: usize, t: usize) -> Read<Vec<u32>> {
        let at = |field: &str| format!("tree {t}, node {node}, field `{field}`");
        let j = self
            .categories_nodes
            .iter()
            .position(|&c| c == node as i64)
            .ok_or_else(|| {
                Problem::invalid(
                    at("categories_nodes"),
                    "the node is categorical but has no categories",
                )
            })?;
        let seg = self.categories_segments.get(j).copied();
        let size = self.categories_sizes.get(j).copied();
        let range = match (seg, size) {
            (Some(s), Some(z)) if s >= 0 && z >= 0 => {
                let (s, z) = (s as usize, z as usize);
                s.checked_add(z)
                    .filter(|&e| e <= self.categories.len())
                    .map(|e| s..e)
            }
            _ => None,
        };
        let range = range.ok_or_else(|| {
            Problem::invalid(
                at("categories_segments"),
                format!(
                    "segment {seg:?} of size {size:?} is not inside `categories` ({} entries)",
                    self.categories.len()
                ),
            )
        })?;
        self.categories[range]
            .iter()
            .map(|&c| {
                u32::try_from(c).map_err(|_| {
                    Problem::invalid(at("categories"), format!("{c} is not a category code"))
                })
            })
            .collect()
    }
}

/// Tree `t` as a graph over features `0..num_features`.
pub(crate) fn graph(tree: &XTree, t: usize, num_features: usize) -> Read<Graph> {
    let n = tree.check_lengths(t)?;
    let children = tree.children(t, n)?;
    check_links(&children, 0, t, "left_children")?;
    let mut g = Graph {
        nodes: Vec::with_capacity(n),
        root: 0,
    };
    for (i, c) in children.iter().enumerate() {
        let cover = tree.sum_hessian[i];
        g.nodes.push(match c {
            None => Node::Leaf {
                value: f64::from(tree.split_conditions[i] as f32),
                cover,
            },
            // Placeholder, replaced below once every node has an index.
            Some(_) => Node::Leaf { value: 0.0, cover },
        });
    }
    for (i, c) in children.iter().enumerate() {
        if let Some((l, r)) = *c {
            let node = split(tree, &mut g, i, (l, r), t, num_features)?;
            g.nodes[i] = node;
        }
    }
    Ok(g)
}

/// The split of node `i` (may append a node isolating missing values).
fn split(
    tree: &XTree,
    g: &mut Graph,
    i: usize,
    (l, r): (usize, usize),
    t: usize,
    num_features: usize,
) -> Read<Node> {
    let at = |field: &str| format!("tree {t}, node {i}, field `{field}`");
    let feature = usize::try_from(tree.split_indices[i])
        .ok()
        .filter(|&f| f < num_features)
        .ok_or_else(|| {
            Problem::invalid(
                at("split_indices"),
                format!(
                    "feature {} is not one of the model's {num_features}",
                    tree.split_indices[i]
                ),
            )
        })? as u32;
    let default_left = tree.default_left[i].is_set();
    let gain = tree.loss_changes[i];
    let cover = tree.sum_hessian[i];
    let value = f64::from(tree.base_weights.get(i).copied().unwrap_or(0.0));
    let node = |test, default_left, left, right| Node::Split {
        feature,
        test,
        default_left,
        left,
        right,
        gain,
        cover,
        value,
    };
    match tree.split_type.get(i).copied().unwrap_or(0) {
        0 => {
            let cond = tree.split_conditions[i] as f32;
            if cond.is_nan() {
                return Err(Problem::invalid(at("split_conditions"), "is NaN"));
            }
            Ok(node(Test::Numeric(cond.next_down()), default_left, l, r))
        }
        1 => {
            // Listed codes go (XGBoost) right: our set sends them left, so
            // the children swap; everything else not missing goes XGBoost's
            // left, our right, as the default way.
            let listed = tree.categories_of(i, t)?;
            let cat = node(Test::Categorical(listed), false, r, l);
            if default_left {
                return Ok(cat);
            }
            // Missing values go right, unlike unlisted codes: a numeric
            // node first sends NaN to (a copy of) the right subtree.
            let cat = g.push(cat);
            Ok(node(Test::Numeric(f32::INFINITY), false, cat, r))
        }
        other => Err(Problem::unsupported(
            format!("tree {t}, node {i}, split_type"),
            other.to_string(),
            "gbdt reads numeric (0) and categorical (1) splits",
        )),
    }
}
