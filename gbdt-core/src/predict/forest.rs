//! Trees flattened into one node array, walked a block of rows at a time.

use ndarray::ArrayView2;

use super::bins::Bins;
use super::walk::{Cell, Mixed, Numeric, TreeSpan, Walk, GROUP};
use crate::tree::{FlatNode, Tree, MAX_FLAT_WORDS};

/// Trees from which a forest bins its rows: binning a block costs about a
/// binary search per cell, which many trees' walks repay, a few do not.
pub(super) const MIN_BINNED_TREES: usize = 16;

/// The share of the training rows (by cover) that may have reached a leaf
/// while the rows still walk a tree in lockstep: a lockstep step of a row
/// at a leaf is wasted, but it costs less than a step of the compacted
/// walk.
const LOCKSTEP_DONE_SHARE: f64 = 0.35;

/// The steps every row of a block takes in lockstep through `tree`: the
/// largest depth by which at most `LOCKSTEP_DONE_SHARE` of the training
/// rows (by cover) reached a leaf, at least the shallowest leaf's depth;
/// and the depth of the deepest leaf. Only the speed depends on it: every
/// row ends on the same leaf whatever the split between the two walks.
fn lockstep(tree: &Tree) -> (usize, usize) {
    let mut leaves: Vec<(usize, f64)> = (tree.node_depths().into_iter().enumerate())
        .filter(|&(node, _)| tree.is_leaf(node))
        .map(|(node, d)| (d, tree.cover(node) as f64))
        .collect();
    leaves.sort_by_key(|&(d, _)| d);
    let (shallowest, deepest) = (leaves[0].0, leaves[leaves.len() - 1].0);
    let total: f64 = leaves.iter().map(|&(_, c)| c).sum();
    if !(total > 0.0 && total.is_finite()) {
        return (shallowest, deepest);
    }
    let mut done = 0.0;
    let mut steps = shallowest;
    for &(d, cover) in &leaves {
        if done > LOCKSTEP_DONE_SHARE * total {
            break;
        }
        steps = d;
        done += cover.max(0.0);
    }
    (steps.max(shallowest), deepest)
}

/// Trees flattened into one node array for branch-free traversal.
pub(crate) struct Forest {
    nodes: Vec<FlatNode>,
    values: Vec<f32>,
    trees: Vec<TreeSpan>,
    /// The categorical sets' words, after one all-zero word that numeric
    /// nodes point at.
    words: Vec<u32>,
    /// The codes rows are binned to, when the forest walks binned rows.
    bins: Option<Bins>,
    /// The largest feature (or, binned, code) index a node reads.
    max_feature: usize,
}

impl Forest {
    /// The flat forest, walking binned rows when it has enough trees to
    /// repay the binning; `None` when its categorical sets would need more
    /// words than a flat node can address.
    pub fn new(trees: &[Tree]) -> Option<Forest> {
        Forest::build(trees, trees.len() >= MIN_BINNED_TREES)
    }

    /// The flat forest, walking binned rows when `bin` and its thresholds
    /// allow (see [`Bins::new`]).
    pub fn build(trees: &[Tree], bin: bool) -> Option<Forest> {
        let words: usize = trees
            .iter()
            .flat_map(|t| t.category_splits())
            .map(|c| c.num_categories().div_ceil(32))
            .sum();
        if words >= MAX_FLAT_WORDS {
            return None;
        }
        let mut f = Forest {
            nodes: Vec::new(),
            values: Vec::new(),
            trees: Vec::with_capacity(trees.len()),
            words: vec![0],
            bins: None,
            max_feature: 0,
        };
        for t in trees {
            let (lockstep, depth) = lockstep(t);
            f.trees.push(TreeSpan {
                root: f.nodes.len() as u32,
                lockstep,
                depth,
            });
            t.flatten_into(&mut f.nodes, &mut f.values, &mut f.words);
        }
        if bin {
            f.bins = Bins::new(&mut f.nodes);
        }
        // After binning, which points nodes at codes, two per feature.
        f.max_feature = f
            .nodes
            .iter()
            .map(|nd| nd.feature as usize)
            .max()
            .unwrap_or(0);
        Some(f)
    }

    /// True when the forest walks binned rows.
    pub fn binned(&self) -> bool {
        self.bins.is_some()
    }

    /// Bytes of cells a walked row of `f` features takes: two codes per
    /// feature when binned, else the raw values.
    pub fn row_bytes(&self, f: usize) -> usize {
        match &self.bins {
            None => f * std::mem::size_of::<f32>(),
            Some(bins) if bins.wide() => 2 * f * std::mem::size_of::<u16>(),
            Some(_) => 2 * f,
        }
    }

    /// Adds the forest's outputs to `out` (rows × k, row-major) for up to
    /// `BLOCK` rows.
    pub fn add(&self, k: usize, rows: ArrayView2<'_, f32>, out: &mut [f64]) {
        let owned;
        let contiguous: &[f32] = match rows.as_slice() {
            Some(s) => s,
            None => {
                owned = rows.iter().copied().collect::<Vec<f32>>();
                &owned
            }
        };
        let f = rows.ncols();
        match &self.bins {
            None => self.walk::<f32, 1>(k, contiguous, f, out),
            Some(bins) if bins.wide() => {
                self.walk::<u16, GROUP>(k, &bins.codes::<u16>(contiguous, f), 2 * f, out)
            }
            Some(bins) => self.walk::<u8, GROUP>(k, &bins.codes::<u8>(contiguous, f), 2 * f, out),
        }
    }

    fn walk<C: Cell, const S: usize>(&self, k: usize, cells: &[C], f: usize, out: &mut [f64]) {
        if self.words.len() == 1 {
            self.kernel(Numeric).add::<C, S>(k, cells, f, out)
        } else {
            self.kernel(Mixed(&self.words))
                .add::<C, S>(k, cells, f, out)
        }
    }

    fn kernel<D>(&self, decide: D) -> Walk<'_, D> {
        Walk {
            decide,
            nodes: &self.nodes,
            values: &self.values,
            trees: &self.trees,
            max_feature: self.max_feature,
        }
    }
}
