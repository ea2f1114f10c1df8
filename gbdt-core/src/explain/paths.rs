//! What TreeSHAP needs of one tree, computed once: for every leaf, the
//! distinct features on its root path with their cover fractions, and the
//! path's steps so a row can tell which of those features it agrees with.
//!
//! Conditional expectation used throughout (path-dependent TreeSHAP): at a
//! split on a known feature the row is followed; at a split on an unknown
//! feature both children are averaged, weighted by their share of the
//! children's covers (half each when both covers are zero).

use crate::tree::Tree;

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

/// A split node laid out for routing: goes left when `value <= threshold`,
/// NaN goes left when `default_left`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Split {
    pub feature: u32,
    pub threshold: f32,
    pub default_left: bool,
}

impl Split {
    /// True when a row with this feature value goes left.
    #[inline]
    pub fn goes_left(&self, v: f32) -> bool {
        if v.is_nan() {
            self.default_left
        } else {
            v <= self.threshold
        }
    }
}

/// Per-tree path data for TreeSHAP.
#[derive(Debug, Clone, Default)]
pub(crate) struct TreePaths {
    /// One entry per node of the tree (leaves hold a dummy).
    pub splits: Vec<Split>,
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
    /// Builds the path data of `tree`.
    pub fn new(tree: &Tree) -> TreePaths {
        let n = tree.num_nodes();
        let mut parent = vec![u32::MAX; n];
        let mut p = TreePaths::default();
        for node in 0..n {
            p.splits.push(Split {
                feature: tree.split_feature(node) as u32,
                threshold: tree.threshold(node),
                default_left: tree.default_left(node),
            });
            if let Some((l, r)) = tree.children(node) {
                parent[l] = node as u32;
                parent[r] = node as u32;
            }
        }
        let mut path = Vec::new();
        for leaf in (0..n).filter(|&i| tree.is_leaf(i)) {
            path.clear();
            let mut at = leaf;
            while parent[at] != u32::MAX {
                let up = parent[at] as usize;
                path.push((up, tree.children(up).is_some_and(|(l, _)| l == at)));
                at = up;
            }
            path.reverse();
            p.push_leaf(tree, leaf, &path);
        }
        p
    }

    /// Appends one leaf given its root path `(node, goes_left)`.
    fn push_leaf(&mut self, tree: &Tree, leaf: usize, path: &[(usize, bool)]) {
        let slot_start = self.features.len();
        let step_start = self.steps.len();
        for &(node, left) in path {
            let feature = tree.split_feature(node) as u32;
            let slot = match self.features[slot_start..]
                .iter()
                .position(|&f| f == feature)
            {
                Some(s) => s,
                None => {
                    self.features.push(feature);
                    self.zeros.push(1.0);
                    self.features.len() - 1 - slot_start
                }
            };
            self.zeros[slot_start + slot] *= cover_fraction(tree, node, left);
            self.steps.push(Step {
                node: node as u32,
                slot: slot as u32,
                left,
            });
        }
        let value = tree.value(leaf) as f64;
        let reach: f64 = self.zeros[slot_start..].iter().product();
        self.expected += value * reach;
        self.leaves.push(LeafPath {
            value,
            slot_start: slot_start as u32,
            slots: (self.features.len() - slot_start) as u32,
            step_start: step_start as u32,
            steps: path.len() as u32,
        });
    }

    /// Bit mask over the leaf's distinct features (at most 64): bit `s` is
    /// set when the row agrees with every split on feature `s` along the
    /// path (its "one fraction" is 1). `left[node]` is the row's direction.
    #[inline]
    pub fn agreement(&self, leaf: &LeafPath, left: &[bool]) -> u64 {
        let mut mask = low_bits(leaf.slots);
        for s in self.leaf_steps(leaf) {
            if left[s.node as usize] != s.left {
                mask &= !(1u64 << s.slot);
            }
        }
        mask
    }

    /// Like [`TreePaths::agreement`] for any number of distinct features:
    /// `ones[s]` is true when the row agrees with feature `s`'s splits.
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
