//! One regression tree as flat arrays (struct of arrays).
//!
//! Node 0 is the root. An internal node's children are adjacent: the left
//! child is `left[i]` and the right child `left[i] + 1`. A leaf has `left[i] == 0`.
//!
//! A split that sends every present value left has the threshold `+inf`
//! (JSON writes it as `"Infinity"`, see `serde_float`). A split on a
//! categorical feature has a [`CategorySplit`] instead of a threshold.

use serde::{Deserialize, Serialize};

use crate::serde_float;

mod category_split;
mod check;

pub use category_split::CategorySplit;
pub(crate) use check::{Absent, TreeRepr};

use crate::bitset::Bitset;

/// `cat_of` of a node without a categorical split.
const NOT_CATEGORICAL: u32 = u32::MAX;

/// A tree with raw-feature thresholds: a row goes left when its value is
/// `<= threshold` (or, at a categorical split, when its category is in the
/// split's set), and missing values (NaN) follow the learned default direction.
///
/// Deserialising checks the tree's structure (see the error
/// [`Error::InvalidModel`](crate::Error::InvalidModel)), so a `Tree` always
/// has a root, and its children always come after their parent inside the tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TreeRepr")]
pub struct Tree {
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
    /// The categorical splits, by node.
    categorical: Vec<CategorySplit>,
    /// Per node, its index in `categorical` or `NOT_CATEGORICAL`.
    #[serde(skip)]
    cat_of: Vec<u32>,
}

impl Tree {
    /// A tree that is a single leaf.
    pub(crate) fn with_root(value: f32, cover: f32) -> Tree {
        let mut t = Tree {
            feature: Vec::new(),
            threshold: Vec::new(),
            left: Vec::new(),
            default_left: Vec::new(),
            value: Vec::new(),
            gain: Vec::new(),
            cover: Vec::new(),
            categorical: Vec::new(),
            cat_of: Vec::new(),
        };
        t.push_leaf(value, cover);
        t
    }

    fn push_leaf(&mut self, value: f32, cover: f32) -> usize {
        self.feature.push(0);
        self.threshold.push(0.0);
        self.left.push(0);
        self.default_left.push(false);
        self.value.push(value);
        self.gain.push(0.0);
        self.cover.push(cover);
        self.cat_of.push(NOT_CATEGORICAL);
        self.feature.len() - 1
    }

    /// Turns leaf `node` into a split and appends its two children as leaves.
    /// Returns the left child's index.
    pub(crate) fn split(&mut self, node: usize, s: &SplitRecord) -> usize {
        let left = self.push_leaf(s.left_value, s.left_cover);
        self.push_leaf(s.right_value, s.right_cover);
        self.feature[node] = s.feature;
        self.threshold[node] = s.threshold;
        self.left[node] = left as u32;
        self.default_left[node] = s.default_left;
        self.gain[node] = s.gain;
        if let Some((num_categories, set)) = &s.categories {
            // Kept in node order (leaf-wise growth splits out of order).
            let at = self.categorical.partition_point(|c| c.node() < node);
            for later in &self.categorical[at..] {
                self.cat_of[later.node()] += 1;
            }
            self.cat_of[node] = at as u32;
            self.categorical
                .insert(at, CategorySplit::new(node, *num_categories, set.clone()));
        }
        left
    }

    /// Sets a leaf's output (e.g. refit after growing).
    pub(crate) fn set_leaf_value(&mut self, node: usize, value: f32) {
        self.value[node] = value;
    }

    /// Rebuilds `cat_of` from `categorical` (after deserialising).
    fn index_categorical(&mut self) {
        self.cat_of = vec![NOT_CATEGORICAL; self.num_nodes()];
        for (i, c) in self.categorical.iter().enumerate() {
            self.cat_of[c.node()] = i as u32;
        }
    }

    /// Number of nodes, leaves included.
    pub fn num_nodes(&self) -> usize {
        self.feature.len()
    }

    /// Number of leaves.
    pub fn num_leaves(&self) -> usize {
        self.left.iter().filter(|&&l| l == 0).count()
    }

    /// True when `node` has no children.
    pub fn is_leaf(&self, node: usize) -> bool {
        self.left[node] == 0
    }

    /// Children `(left, right)` of an internal node.
    pub fn children(&self, node: usize) -> Option<(usize, usize)> {
        let l = self.left[node] as usize;
        (l != 0).then_some((l, l + 1))
    }

    /// Feature index an internal node splits on.
    pub fn split_feature(&self, node: usize) -> usize {
        self.feature[node] as usize
    }

    /// The categories a categorical split sends left; `None` for a numeric
    /// split or a leaf.
    pub fn category_split(&self, node: usize) -> Option<&CategorySplit> {
        match self.cat_of[node] {
            NOT_CATEGORICAL => None,
            i => Some(&self.categorical[i as usize]),
        }
    }

    /// Every categorical split of the tree, by node.
    pub fn category_splits(&self) -> &[CategorySplit] {
        &self.categorical
    }

    /// True when a row whose split feature has value `v` goes left at the
    /// internal node `node`.
    #[inline]
    pub fn goes_left(&self, node: usize, v: f32) -> bool {
        match self.cat_of[node] {
            NOT_CATEGORICAL if v.is_nan() => self.default_left[node],
            NOT_CATEGORICAL => v <= self.threshold[node],
            i => self.categorical[i as usize].goes_left(v, self.default_left[node]),
        }
    }

    /// A numeric split's row goes left when its feature value is `<=` this
    /// (0 at categorical splits).
    pub fn threshold(&self, node: usize) -> f32 {
        self.threshold[node]
    }

    /// True when missing values go left at this node.
    pub fn default_left(&self, node: usize) -> bool {
        self.default_left[node]
    }

    /// Output of a leaf (learning rate applied); for internal nodes the value
    /// the node would have had as a leaf.
    pub fn value(&self, node: usize) -> f32 {
        self.value[node]
    }

    /// Loss reduction of the split at an internal node.
    pub fn gain(&self, node: usize) -> f32 {
        self.gain[node]
    }

    /// Sum of hessians of the training rows that reached the node.
    pub fn cover(&self, node: usize) -> f32 {
        self.cover[node]
    }

    /// Depth of the deepest leaf (a single leaf has depth 0).
    pub fn depth(&self) -> usize {
        self.node_depths().into_iter().max().unwrap_or(0)
    }

    /// The depth of every node (the root's is 0); children come after
    /// their parent, so one pass in node order sets them all.
    pub(crate) fn node_depths(&self) -> Vec<usize> {
        let mut depth = vec![0usize; self.num_nodes()];
        for node in 0..self.num_nodes() {
            if let Some((l, r)) = self.children(node) {
                (depth[l], depth[r]) = (depth[node] + 1, depth[node] + 1);
            }
        }
        depth
    }

    /// The leaf a row reaches; `value(j)` reads feature `j` of the row.
    #[inline]
    pub fn leaf_of(&self, value: impl Fn(usize) -> f32) -> usize {
        let mut node = 0usize;
        loop {
            let left = self.left[node] as usize;
            if left == 0 {
                return node;
            }
            let go_left = self.goes_left(node, value(self.feature[node] as usize));
            node = left + (!go_left) as usize;
        }
    }

    /// The leaf value a row (all features, in training order) reaches.
    ///
    /// # Panics
    /// When `row` is shorter than a feature index the row's path splits on
    /// ([`Model::predict_row`](crate::Model::predict_row) checks the length).
    #[inline]
    pub fn predict_row(&self, row: &[f32]) -> f32 {
        self.value[self.leaf_of(|j| row[j])]
    }
}

/// A node laid out for batch prediction (see `predict/`). A leaf points at
/// itself and sends every row left, so extra steps past a leaf stay on it.
/// `split` is the threshold's bits in a forest that walks raw values; a
/// forest that walks binned rows rewrites it to a bin bound, and `feature`
/// to the code it reads (see `predict::bins`). A categorical node's threshold is its number of
/// categories `n`, and `meta` holds the offset of its set in the forest's
/// word array: bits `0..n` for the categories, bit `n` for missing and
/// unseen values (the default direction).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub(crate) struct FlatNode {
    pub feature: u32,
    pub split: u32,
    /// Absolute index of the left child; the right child follows it.
    pub left: u32,
    /// Bit 0: missing values go left; bit 1: categorical; bit 2: the left
    /// child is a leaf; bit 3: the right child is a leaf; bits 4..: the
    /// word offset of a categorical node's set (0 for a numeric node).
    meta: u32,
}

impl FlatNode {
    #[inline(always)]
    pub fn default_left(&self) -> bool {
        self.meta & 1 != 0
    }

    #[inline(always)]
    pub fn categorical(&self) -> bool {
        self.meta & 2 != 0
    }

    /// The threshold of a numeric node of a forest walking raw values (the
    /// number of categories at a categorical node, `+inf` at a leaf).
    #[inline(always)]
    pub fn threshold(&self) -> f32 {
        f32::from_bits(self.split)
    }

    /// True when the child a row goes to (right or not) is a leaf.
    #[inline(always)]
    pub fn child_is_leaf(&self, right: bool) -> bool {
        (self.meta >> (2 + right as u32)) & 1 != 0
    }

    /// True for a leaf (it points at itself).
    #[inline(always)]
    pub fn is_leaf_at(&self, index: u32) -> bool {
        self.left == index
    }

    /// The word offset of a categorical node's set (0, the forest's
    /// all-zero word, for a numeric node).
    #[inline(always)]
    pub fn words_at(&self) -> usize {
        (self.meta >> 4) as usize
    }
}

/// Word offsets must fit the 28 bits `FlatNode::meta` has for them.
pub(crate) const MAX_FLAT_WORDS: usize = 1 << 28;

impl Tree {
    /// Appends this tree's nodes to `nodes`, values to `values` and the
    /// words of its categorical sets to `words`, with child indices offset
    /// by where the tree starts.
    pub(crate) fn flatten_into(
        &self,
        nodes: &mut Vec<FlatNode>,
        values: &mut Vec<f32>,
        words: &mut Vec<u32>,
    ) {
        let base = nodes.len() as u32;
        for i in 0..self.num_nodes() {
            let Some((l, r)) = self.children(i) else {
                nodes.push(FlatNode {
                    feature: 0,
                    split: f32::INFINITY.to_bits(),
                    left: base + i as u32,
                    meta: 1,
                });
                continue;
            };
            let leaves = (self.is_leaf(l) as u32) << 2 | (self.is_leaf(r) as u32) << 3;
            let mut node = FlatNode {
                feature: self.feature[i],
                split: self.threshold[i].to_bits(),
                left: base + l as u32,
                meta: self.default_left[i] as u32 | leaves,
            };
            if let Some(c) = self.category_split(i) {
                // Codes 0..n by the set; code n (what the walk reads for
                // missing and unseen values) by the default direction.
                let n = c.num_categories();
                node.split = (n as f32).to_bits();
                node.meta |= 2 | ((words.len() as u32) << 4);
                let set = c.left_set();
                let start = words.len();
                words.extend((0..(n + 1).div_ceil(32)).map(|w| set.word(w)));
                if self.default_left[i] {
                    words[start + n / 32] |= 1 << (n % 32);
                }
            }
            nodes.push(node);
        }
        values.extend_from_slice(&self.value);
    }
}

/// Everything a split writes into the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SplitRecord {
    pub feature: u32,
    pub threshold: f32,
    pub default_left: bool,
    pub gain: f32,
    pub left_value: f32,
    pub right_value: f32,
    pub left_cover: f32,
    pub right_cover: f32,
    /// For a categorical split: the feature's number of categories and the
    /// codes sent left (the threshold is then unused).
    pub categories: Option<(usize, Bitset)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stump() -> Tree {
        let mut t = Tree::with_root(0.0, 10.0);
        let s = SplitRecord {
            feature: 1,
            threshold: 0.5,
            default_left: false,
            gain: 3.0,
            left_value: -1.0,
            right_value: 2.0,
            left_cover: 4.0,
            right_cover: 6.0,
            categories: None,
        };
        t.split(0, &s);
        t
    }

    #[test]
    fn routing_follows_threshold_and_default() {
        let t = stump();
        assert_eq!(t.predict_row(&[9.0, 0.5]), -1.0);
        assert_eq!(t.predict_row(&[9.0, 0.6]), 2.0);
        assert_eq!(t.predict_row(&[9.0, f32::NAN]), 2.0);
        assert_eq!((t.num_nodes(), t.num_leaves(), t.depth()), (3, 2, 1));
        assert_eq!(t.children(0), Some((1, 2)));
        assert_eq!(t.children(1), None);
    }
}
