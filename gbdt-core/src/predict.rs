//! Batch prediction: rows in blocks, trees in the outer loop, blocks in parallel.

use ndarray::{Array2, ArrayView2};

use crate::error::Result;
use crate::model::Model;
use crate::parallel::Parallel;

/// Rows per block: small enough that a block's rows stay in L1 while every
/// tree walks them.
pub(crate) const BLOCK: usize = 64;

/// Raw margins of `rounds` rounds for every row.
pub(crate) fn margins(
    model: &Model,
    x: ArrayView2<'_, f32>,
    rounds: usize,
    threads: usize,
) -> Result<Array2<f64>> {
    let k = model.num_outputs;
    let mut out = Array2::<f64>::zeros((x.nrows(), k));
    for mut row in out.rows_mut() {
        row.assign(&ndarray::ArrayView1::from(&model.base_margins));
    }
    if x.nrows() == 0 {
        return Ok(out);
    }
    let trees = &model.trees[..rounds * k];
    let par = Parallel::new(threads)?;
    let slice = out.as_slice_mut().expect("fresh array is row-major");
    par.for_each_chunk_mut(slice, BLOCK * k, |b, out_block| {
        let rows = x.slice(ndarray::s![b * BLOCK..b * BLOCK + out_block.len() / k, ..]);
        add_trees(trees, k, rows, out_block);
    });
    Ok(out)
}

/// Adds every tree's leaf value to `out` (rows × k, row-major) for `rows`.
pub(crate) fn add_trees(
    trees: &[crate::tree::Tree],
    k: usize,
    rows: ArrayView2<'_, f32>,
    out: &mut [f64],
) {
    let owned;
    let contiguous: &[f32] = match rows.as_slice() {
        Some(s) => s,
        None => {
            owned = rows.iter().copied().collect::<Vec<f32>>();
            &owned
        }
    };
    let f = rows.ncols();
    for (t, tree) in trees.iter().enumerate() {
        let class = t % k;
        for (r, row) in contiguous.chunks_exact(f).enumerate() {
            out[r * k + class] += tree.predict_row(row) as f64;
        }
    }
}
