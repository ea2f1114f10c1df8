//! The rules a [`Tree`] obeys, checked when one is deserialised: node arrays
//! of one length, at least a root, children after their parent and inside
//! the tree, every node but the root the child of exactly one node, split
//! thresholds that are numbers, finite leaf values, and categorical splits
//! on internal nodes, one each. A tree that passes cannot make prediction
//! index out of bounds or loop.

use serde::Deserialize;

use super::{CategorySplit, Tree};
use crate::error::Error;
use crate::serde_float;

/// A field older model shapes did not have: nothing is read (no bytes in
/// compact formats), and it converts to the field's empty value.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct Absent;

impl From<Absent> for Vec<CategorySplit> {
    fn from(_: Absent) -> Self {
        Vec::new()
    }
}

/// A tree as it is stored, before its rules are checked. The fields and their
/// order are `Tree`'s, so both formats read what `Tree` writes; `C` is
/// [`Absent`] for shapes from before categorical splits.
#[derive(Deserialize)]
#[serde(bound(deserialize = "C: Deserialize<'de> + Default"))]
pub(crate) struct TreeRepr<C = Vec<CategorySplit>> {
    feature: Vec<u32>,
    #[serde(with = "serde_float::f32_vec")]
    threshold: Vec<f32>,
    left: Vec<u32>,
    default_left: Vec<bool>,
    #[serde(with = "serde_float::f32_vec")]
    value: Vec<f32>,
    #[serde(with = "serde_float::f32_vec")]
    gain: Vec<f32>,
    #[serde(with = "serde_float::f32_vec")]
    cover: Vec<f32>,
    #[serde(default)]
    categorical: C,
}

/// What is wrong with a tree, before the caller adds which tree it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TreeProblem {
    pub node: Option<usize>,
    pub field: &'static str,
    pub problem: String,
}

impl TreeProblem {
    fn at(node: usize, field: &'static str, problem: String) -> TreeProblem {
        TreeProblem {
            node: Some(node),
            field,
            problem,
        }
    }

    /// The error, naming tree `tree` when the tree is part of a model.
    pub(crate) fn into_error(self, tree: Option<usize>) -> Error {
        let mut location = String::new();
        if let Some(t) = tree {
            location.push_str(&format!("tree {t}, "));
        }
        if let Some(n) = self.node {
            location.push_str(&format!("node {n}, "));
        }
        location.push_str(&format!("field `{}`", self.field));
        Error::InvalidModel {
            location,
            problem: self.problem,
        }
    }
}

impl TryFrom<TreeRepr> for Tree {
    type Error = Error;
    fn try_from(repr: TreeRepr) -> Result<Tree, Error> {
        repr.check().map_err(|p| p.into_error(None))
    }
}

impl<C: Into<Vec<CategorySplit>>> TreeRepr<C> {
    /// The tree, if it obeys every rule.
    pub(crate) fn check(self) -> Result<Tree, TreeProblem> {
        self.check_lengths()?;
        let mut tree = Tree {
            feature: self.feature,
            threshold: self.threshold,
            left: self.left,
            default_left: self.default_left,
            value: self.value,
            gain: self.gain,
            cover: self.cover,
            categorical: self.categorical.into(),
            cat_of: Vec::new(),
        };
        tree.check_links()?;
        tree.check_categorical()?;
        tree.index_categorical();
        tree.check_numbers()?;
        Ok(tree)
    }

    fn check_lengths(&self) -> Result<(), TreeProblem> {
        let n = self.feature.len();
        let lens = [
            ("threshold", self.threshold.len()),
            ("left", self.left.len()),
            ("default_left", self.default_left.len()),
            ("value", self.value.len()),
            ("gain", self.gain.len()),
            ("cover", self.cover.len()),
        ];
        if let Some(&(field, len)) = lens.iter().find(|(_, len)| *len != n) {
            return Err(TreeProblem {
                node: None,
                field,
                problem: format!(
                    "has {len} entries but `feature` has {n}; every node array needs one entry per node"
                ),
            });
        }
        if n == 0 {
            return Err(TreeProblem {
                node: None,
                field: "feature",
                problem: "the tree has no nodes; a tree needs at least its root".to_string(),
            });
        }
        if n > u32::MAX as usize {
            return Err(TreeProblem {
                node: None,
                field: "feature",
                problem: format!("the tree has {n} nodes, more than {}", u32::MAX),
            });
        }
        Ok(())
    }
}

impl Tree {
    /// Children after their parent and inside the tree; every node but the
    /// root is the child of exactly one node.
    fn check_links(&self) -> Result<(), TreeProblem> {
        let n = self.num_nodes();
        let mut parent: Vec<Option<usize>> = vec![None; n];
        for node in 0..n {
            let l = self.left[node] as usize;
            if l == 0 {
                continue;
            }
            if l <= node || l + 1 >= n {
                return Err(TreeProblem::at(
                    node,
                    "left",
                    format!(
                        "children {l} and {} must come after the node and inside the tree's {n} nodes",
                        l + 1
                    ),
                ));
            }
            for child in [l, l + 1] {
                if let Some(other) = parent[child].replace(node) {
                    return Err(TreeProblem::at(
                        node,
                        "left",
                        format!("node {child} is already the child of node {other}; a node has one parent"),
                    ));
                }
            }
        }
        match parent.iter().skip(1).position(Option::is_none) {
            Some(orphan) => Err(TreeProblem::at(
                orphan + 1,
                "left",
                "no node has this node as a child; every node but the root needs a parent"
                    .to_string(),
            )),
            None => Ok(()),
        }
    }

    /// Categorical splits belong to internal nodes, one each, in node order.
    fn check_categorical(&self) -> Result<(), TreeProblem> {
        let n = self.num_nodes();
        for (i, c) in self.categorical.iter().enumerate() {
            let at = |problem: String| TreeProblem::at(c.node().min(n - 1), "categorical", problem);
            c.check(n).map_err(|p| at(format!("split {i} {p}")))?;
            if self.is_leaf(c.node()) {
                return Err(at(format!("split {i} is for a leaf")));
            }
            if i > 0 && self.categorical[i - 1].node() >= c.node() {
                return Err(at(format!(
                    "split {i} is for node {} after node {}; splits are listed once each by node",
                    c.node(),
                    self.categorical[i - 1].node()
                )));
            }
        }
        Ok(())
    }

    /// Split thresholds are numbers (infinities allowed: `+Infinity` sends
    /// every present value left); leaf values are finite.
    fn check_numbers(&self) -> Result<(), TreeProblem> {
        for node in 0..self.num_nodes() {
            if self.is_leaf(node) {
                let v = self.value[node];
                if !v.is_finite() {
                    return Err(TreeProblem::at(
                        node,
                        "value",
                        format!("leaf value is {v}; leaf values must be finite numbers"),
                    ));
                }
            } else if self.threshold[node].is_nan() && self.category_split(node).is_none() {
                return Err(TreeProblem::at(
                    node,
                    "threshold",
                    "split threshold is NaN; a split needs a number (or Infinity)".to_string(),
                ));
            }
        }
        Ok(())
    }

    /// Every split is on a feature below `num_features`, and every
    /// categorical split on a categorical feature with its category count.
    pub(crate) fn check_features(
        &self,
        num_features: usize,
        categories: &crate::Categories,
    ) -> Result<(), TreeProblem> {
        for node in (0..self.num_nodes()).filter(|&n| !self.is_leaf(n)) {
            let f = self.feature[node] as usize;
            if let Some(c) = self.category_split(node) {
                if categories.count(f) != Some(c.num_categories()) {
                    let has = categories
                        .count(f)
                        .map_or("is not categorical".to_string(), |n| {
                            format!("has {n} categories")
                        });
                    return Err(TreeProblem::at(
                        node,
                        "categorical",
                        format!(
                            "splits feature {f} over {} categories, but the model's feature {f} {has}",
                            c.num_categories()
                        ),
                    ));
                }
            }
            if f >= num_features {
                return Err(TreeProblem::at(
                    node,
                    "feature",
                    format!(
                        "splits on feature {f}, but the model has {num_features} features (0 to {})",
                        num_features.saturating_sub(1)
                    ),
                ));
            }
        }
        Ok(())
    }
}
