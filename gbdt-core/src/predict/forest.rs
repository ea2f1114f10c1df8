//! Trees flattened into one node array, walked a block of rows at a time.

use ndarray::ArrayView2;

use super::bins::Bins;
use super::walk::{Cell, Mixed, Numeric, TreeSpan, Walk};
use crate::tree::{FlatNode, Tree, MAX_FLAT_WORDS};

/// Trees from which a forest bins its rows: binning a block costs about a
/// binary search per cell, which many trees' walks repay, a few do not.
pub(super) const MIN_BINNED_TREES: usize = 16;

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
}

impl Forest {
    /// The flat forest; `None` when its categorical sets would need more
    /// words than a flat node can address.
    pub fn new(trees: &[Tree]) -> Option<Forest> {
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
        };
        for t in trees {
            f.trees.push(TreeSpan {
                root: f.nodes.len() as u32,
                min_depth: t.min_leaf_depth(),
            });
            t.flatten_into(&mut f.nodes, &mut f.values, &mut f.words);
        }
        if trees.len() >= MIN_BINNED_TREES {
            f.bins = Bins::new(&mut f.nodes);
        }
        Some(f)
    }

    /// True when the forest walks binned rows.
    #[cfg(test)]
    pub fn binned(&self) -> bool {
        self.bins.is_some()
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
            None => self.walk(k, contiguous, f, out),
            Some(bins) if bins.wide() => self.walk(k, &bins.codes::<u16>(contiguous, f), f, out),
            Some(bins) => self.walk(k, &bins.codes::<u8>(contiguous, f), f, out),
        }
    }

    fn walk<C: Cell>(&self, k: usize, cells: &[C], f: usize, out: &mut [f64]) {
        if self.words.len() == 1 {
            self.kernel(Numeric).add(k, cells, f, out)
        } else {
            self.kernel(Mixed(&self.words)).add(k, cells, f, out)
        }
    }

    fn kernel<D>(&self, decide: D) -> Walk<'_, D> {
        Walk {
            decide,
            nodes: &self.nodes,
            values: &self.values,
            trees: &self.trees,
        }
    }
}
