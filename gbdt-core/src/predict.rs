//! Batch prediction: rows in blocks, trees in the outer loop, blocks in parallel.

use ndarray::{Array2, ArrayView2};

use crate::error::Result;
use crate::model::Model;
use crate::parallel::Executor;
use crate::tree::{FlatNode, Tree};

/// Rows per block: small enough that a block's rows stay in L1 while every
/// tree walks them.
pub(crate) const BLOCK: usize = 64;

/// Raw margins of `rounds` rounds for every row.
pub(crate) fn margins(
    model: &Model,
    x: ArrayView2<'_, f32>,
    rounds: usize,
    exec: &Executor,
) -> Result<Array2<f64>> {
    let k = model.num_outputs;
    let mut out = Array2::<f64>::zeros((x.nrows(), k));
    for mut row in out.rows_mut() {
        row.assign(&ndarray::ArrayView1::from(&model.base_margins));
    }
    if x.nrows() == 0 {
        return Ok(out);
    }
    let forest = Forest::new(&model.trees[..rounds * k]);
    let slice = out.as_slice_mut().expect("fresh array is row-major");
    exec.for_each_chunk_mut(slice, BLOCK * k, |b, out_block| {
        let rows = x.slice(ndarray::s![b * BLOCK..b * BLOCK + out_block.len() / k, ..]);
        forest.add(k, rows, out_block);
    });
    Ok(out)
}

/// Trees flattened into one node array for branch-free traversal.
pub(crate) struct Forest {
    nodes: Vec<FlatNode>,
    values: Vec<f32>,
    /// (first node, depth) of each tree.
    trees: Vec<(u32, usize)>,
}

impl Forest {
    pub fn new(trees: &[Tree]) -> Forest {
        let mut f = Forest {
            nodes: Vec::new(),
            values: Vec::new(),
            trees: Vec::with_capacity(trees.len()),
        };
        for t in trees {
            f.trees.push((f.nodes.len() as u32, t.depth()));
            t.flatten_into(&mut f.nodes, &mut f.values);
        }
        f
    }

    /// Adds the forest's outputs to `out` (rows × k, row-major) for up to
    /// `BLOCK` rows: trees in the outer
    /// loop; every row of the block takes exactly `depth` steps, so the
    /// inner loop has no data-dependent branch and rows overlap in flight.
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
        let n = rows.nrows();
        let mut at = [0u32; BLOCK];
        for (t, &(root, depth)) in self.trees.iter().enumerate() {
            let at = &mut at[..n];
            at.fill(root);
            for _ in 0..depth {
                for (node, row) in at.iter_mut().zip(contiguous.chunks_exact(f)) {
                    let nd = &self.nodes[*node as usize];
                    let v = row[nd.feature as usize];
                    let left = (v <= nd.threshold) | (v.is_nan() & nd.default_left);
                    *node = nd.left + (!left) as u32;
                }
            }
            let class = t % k;
            for (r, node) in at.iter().enumerate() {
                out[r * k + class] += self.values[*node as usize] as f64;
            }
        }
    }
}
