//! What TreeSHAP needs of one tree, computed once: for every leaf, the
//! distinct features on its root path with their cover fractions, and the
//! path's steps so a row can tell which of those features it agrees with.
//!
//! Conditional expectation used throughout (path-dependent TreeSHAP): at a
//! split on a known feature the row is followed; at a split on an unknown
//! feature both children are averaged, weighted by their share of the
//! children's covers (half each when both covers are zero).

use crate::tree::{CategorySplit, Tree};

/// One split on a leaf's root path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    /// The internal node.
    pub node: u32,
    /// Index of the node's feature among the leaf's distinct features.
    pub slot: u32,
    /// True when the path to the leaf takes the left child.
    pub left: bool,
}

/// A leaf and where its path data sits in [`TreePaths`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeafPath {
    /// The leaf's node.
    pub node: u32,
    /// Leaf value as f64.
    pub value: f64,
    /// First distinct feature in `features` / `zeros`.
    pub slot_start: u32,
    /// Number of distinct features on the path (`d`).
    pub slots: u32,
    /// First step in `steps`.
    pub step_start: u32,
    /// Number of steps (the leaf's depth).
    pub steps: u32,
}

/// An internal node laid out for routing: a row goes left when
/// `value <= threshold` (or, at a categorical split, by its set in
/// [`TreePaths::sets`]), NaN goes left when `default_left`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Split {
    /// Index in `TreePaths::sets` of a categorical split, else `u32::MAX`.
    pub set: u32,
    pub node: u32,
    /// The left child; the right child follows it.
    pub left: u32,
    pub feature: u32,
    pub threshold: f32,
    pub default_left: bool,
    /// `1 << slot` of the node's feature among the distinct features of
    /// every leaf below it (the slot is fixed by the root path: features
    /// are numbered in order of first appearance), 0 past 64.
    pub bit: u64,
}

impl Split {
    /// True when a row with this feature value goes left.
    #[inline]
    pub fn goes_left(&self, v: f32, sets: &[CategorySplit]) -> bool {
        match self.set {
            u32::MAX => (v <= self.threshold) | (v.is_nan() & self.default_left),
            i => sets[i as usize].goes_left(v, self.default_left),
        }
    }
}

/// Per-tree path data for TreeSHAP.
#[derive(Debug, Clone, Default)]
pub(crate) struct TreePaths {
    /// Internal nodes, parents before children.
    pub splits: Vec<Split>,
    /// The tree's categorical splits.
    pub sets: Vec<CategorySplit>,
    /// Number of nodes, leaves included.
    pub nodes: usize,
    pub leaves: Vec<LeafPath>,
    /// Distinct features of every leaf, concatenated.
    pub features: Vec<u32>,
    /// Product of the cover fractions of the leaf's splits on that feature
    /// (the "zero fraction": how much of the unknown-feature expectation
    /// flows to the leaf through this feature's splits).
    pub zeros: Vec<f64>,
    pub steps: Vec<Step>,
    /// Expected tree output over the covers: `sum_leaves value * prod zeros`.
    pub expected: f64,
}

/// One edge of a root path, as the walk sees it.
#[derive(Debug, Clone, Copy)]
struct Edge {
    node: u32,
    feature: u32,
    left: bool,
    /// The child's share of the children's cover.
    fraction: f64,
}

/// Share of the children's cover that goes to `child` of `node`.
pub(crate) fn cover_fraction(tree: &Tree, node: usize, left: bool) -> f64 {
    let Some((l, r)) = tree.children(node) else {
        return 1.0;
    };
    let (cl, cr) = (tree.cover(l) as f64, tree.cover(r) as f64);
    let total = cl + cr;
    if total > 0.0 {
        if left {
            cl / total
        } else {
            cr / total
        }
    } else {
        0.5
    }
}

impl TreePaths {
    /// Builds the path data of `tree`, walking it depth-first from the root
    /// (so only reachable nodes count, and parents precede children).
    pub fn new(tree: &Tree) -> TreePaths {
        let n = tree.num_nodes();
        let leaves = n.div_ceil(2);
        let mut p = TreePaths {
            nodes: n,
            splits: Vec::with_capacity(n / 2),
            sets: tree.category_splits().to_vec(),
            leaves: Vec::with_capacity(leaves),
            features: Vec::with_capacity(leaves * 8),
            zeros: Vec::with_capacity(leaves * 8),
            steps: Vec::with_capacity(leaves * 8),
            expected: 0.0,
        };
        let mut internal = Vec::with_capacity(n / 2);
        let mut path: Vec<Edge> = Vec::with_capacity(64);
        // (node, its depth, the edge from its parent unless root)
        let mut stack = vec![(0usize, 0usize, None)];
        while let Some((node, depth, from)) = stack.pop() {
            path.truncate(depth.saturating_sub(1));
            path.extend(from);
            match tree.children(node) {
                None => p.push_leaf(tree.value(node) as f64, node, &path),
                Some((l, r)) => {
                    internal.push(node);
                    let feature = tree.split_feature(node) as u32;
                    let edge = |left| Edge {
                        node: node as u32,
                        feature,
                        left,
                        fraction: cover_fraction(tree, node, left),
                    };
                    stack.push((r, depth + 1, Some(edge(false))));
                    stack.push((l, depth + 1, Some(edge(true))));
                }
            }
        }
        p.push_splits(tree, &internal);
        p
    }

    /// Lists the internal nodes (in the walk's order, parents first) with
    /// their slot bits.
    fn push_splits(&mut self, tree: &Tree, internal: &[usize]) {
        let mut bit = vec![0u64; self.nodes];
        for s in &self.steps {
            bit[s.node as usize] = if s.slot < 64 { 1u64 << s.slot } else { 0 };
        }
        for &node in internal {
            if let Some((left, _)) = tree.children(node) {
                let set = tree
                    .category_splits()
                    .iter()
                    .position(|c| c.node() == node)
                    .map_or(u32::MAX, |i| i as u32);
                self.splits.push(Split {
                    set,
                    node: node as u32,
                    left: left as u32,
                    feature: tree.split_feature(node) as u32,
                    threshold: tree.threshold(node),
                    default_left: tree.default_left(node),
                    bit: bit[node],
                });
            }
        }
    }

    /// Appends one leaf given its root path.
    fn push_leaf(&mut self, value: f64, leaf: usize, path: &[Edge]) {
        let slot_start = self.features.len();
        let step_start = self.steps.len();
        for e in path {
            let slot = match self.features[slot_start..]
                .iter()
                .position(|&f| f == e.feature)
            {
                Some(s) => s,
                None => {
                    self.features.push(e.feature);
                    self.zeros.push(1.0);
                    self.features.len() - 1 - slot_start
                }
            };
            self.zeros[slot_start + slot] *= e.fraction;
            self.steps.push(Step {
                node: e.node,
                slot: slot as u32,
                left: e.left,
            });
        }
        let reach: f64 = self.zeros[slot_start..].iter().product();
        self.expected += value * reach;
        self.leaves.push(LeafPath {
            node: leaf as u32,
            value,
            slot_start: slot_start as u32,
            slots: (self.features.len() - slot_start) as u32,
            step_start: step_start as u32,
            steps: path.len() as u32,
        });
    }

    /// Routes a row through every split: `left[node]` is its direction,
    /// and `masks[node]` has bit `s` set when the row agrees with every
    /// split on the path's feature `s` above `node` (its "one fraction" is
    /// 1). One pass in node order; a leaf reads its mask at its node.
    #[inline]
    pub fn route(&self, row: &[f32], left: &mut [bool], masks: &mut [u64]) {
        masks[0] = u64::MAX;
        for s in &self.splits {
            let go_left = s.goes_left(row[s.feature as usize], &self.sets);
            left[s.node as usize] = go_left;
            let m = masks[s.node as usize];
            let off = m & !s.bit;
            let (l, r) = if go_left { (m, off) } else { (off, m) };
            masks[s.left as usize] = l;
            masks[s.left as usize + 1] = r;
        }
    }

    /// The agreement of a leaf for any number of distinct features, from
    /// the directions of [`TreePaths::route`]: `ones[s]` is true when the row agrees with feature `s`'s splits.
    #[inline]
    pub fn agreement_into(&self, leaf: &LeafPath, left: &[bool], ones: &mut [bool]) {
        ones[..leaf.slots as usize].fill(true);
        for s in self.leaf_steps(leaf) {
            if left[s.node as usize] != s.left {
                ones[s.slot as usize] = false;
            }
        }
    }

    /// The steps of a leaf's root path.
    #[inline]
    pub fn leaf_steps(&self, leaf: &LeafPath) -> &[Step] {
        let start = leaf.step_start as usize;
        &self.steps[start..start + leaf.steps as usize]
    }

    /// The distinct features of a leaf and their zero fractions.
    #[inline]
    pub fn leaf_slots(&self, leaf: &LeafPath) -> (&[u32], &[f64]) {
        let start = leaf.slot_start as usize;
        let end = start + leaf.slots as usize;
        (&self.features[start..end], &self.zeros[start..end])
    }
}

/// A mask with the lowest `n` bits set (`n <= 64`).
#[inline]
pub(crate) fn low_bits(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}
