//! Batch prediction: rows in blocks, trees in the outer loop, blocks in
//! parallel. A forest of many trees walks rows binned by its own thresholds
//! ([`bins`]), a few trees walk the raw values; each tree's walk follows
//! the rows' real depth ([`walk`]).

mod bins;
mod forest;
mod walk;

#[cfg(test)]
mod tests;

use std::borrow::Cow;

use ndarray::{Array2, ArrayView2};

use crate::error::Result;
use crate::parallel::Executor;
use crate::tree::Tree;

pub(crate) use forest::Forest;
use walk::GROUP;

/// The most rows a block holds. Every tree's nodes are read again for
/// each block, so large blocks pay off once the forest outgrows the L2
/// cache (a 1400-tree leaf-wise forest predicted in 0.67 of the time with
/// blocks of 2048 rows as with 64).
pub(crate) const BLOCK: usize = 2048;

/// The most bytes of row cells (codes or raw values) a block holds, so
/// that they stay in L2 while every tree walks them: wide rows get fewer
/// rows a block.
const BLOCK_BYTES: usize = 256 << 10;

/// Blocks per worker that a batch is at least cut into (when it has the
/// rows), so that workers finish together.
const BLOCKS_PER_THREAD: usize = 8;

/// Rows per block for a batch of `rows` rows of `row_bytes` bytes of cells
/// each on `threads` workers: at most `BLOCK` and `BLOCK_BYTES`, and small
/// enough to give every worker `BLOCKS_PER_THREAD` blocks; a whole number
/// of lockstep groups.
pub(crate) fn block_rows(rows: usize, row_bytes: usize, threads: usize) -> usize {
    let most = (BLOCK_BYTES / row_bytes.max(1)).clamp(GROUP, BLOCK) / GROUP * GROUP;
    let share = rows.div_ceil(BLOCKS_PER_THREAD * threads.max(1));
    share.next_multiple_of(GROUP).clamp(GROUP, most)
}

/// Rows × trees below which a prediction builds no pool for
/// `PredictOptions::threads`: building one costs about 0.3 ms, as much as
/// walking some 100k trees.
const MIN_POOL_WORK: usize = 65_536;

/// Rows up to which a batch walks each tree row by row: flattening the
/// forest first costs more than it saves for so few rows.
const ROW_BY_ROW: usize = 16;

/// Raw margins (rows × `base.len()`) of `base` plus the outputs of `trees`
/// (whole rounds of `base.len()` trees).
pub(crate) fn margins(
    base: &[f64],
    trees: &[Tree],
    x: ArrayView2<'_, f32>,
    exec: &Executor,
) -> Array2<f64> {
    let margins = start_margins(base, x, trees, exec);
    Array2::from_shape_vec((x.nrows(), base.len()), margins)
        .unwrap_or_else(|_| unreachable!("start_margins gives rows × outputs values"))
}

/// Margins (rows × `base.len()`, row-major) of `base` plus the outputs of
/// `trees` (round-major, `base.len()` per round).
pub(crate) fn start_margins(
    base: &[f64],
    x: ArrayView2<'_, f32>,
    trees: &[Tree],
    exec: &Executor,
) -> Vec<f64> {
    let mut margins: Vec<f64> = base
        .iter()
        .copied()
        .cycle()
        .take(x.nrows() * base.len())
        .collect();
    add_trees(trees, base.len(), x, &mut margins, exec);
    margins
}

/// Adds the outputs of `trees` (whole rounds of `k` trees) to `margins`
/// (rows × `k`, row-major), in blocks of rows; on the calling thread when the
/// batch is small, and row by row for a handful of rows.
pub(crate) fn add_trees(
    trees: &[Tree],
    k: usize,
    x: ArrayView2<'_, f32>,
    margins: &mut [f64],
    exec: &Executor,
) {
    if trees.is_empty() || x.nrows() == 0 {
        return;
    }
    let forest = match Forest::new(trees) {
        Some(forest) if x.nrows() > ROW_BY_ROW => forest,
        _ => {
            for (row, out) in x.rows().into_iter().zip(margins.chunks_exact_mut(k)) {
                for (i, tree) in trees.iter().enumerate() {
                    out[i % k] += tree.value(tree.leaf_of(|j| row[j])) as f64;
                }
            }
            return;
        }
    };
    let work = x.nrows() * trees.len();
    let block = block_rows(x.nrows(), forest.row_bytes(x.ncols()), exec.threads());
    exec.for_each_chunk_mut_sized(margins, block * k, work, |b, out| {
        let rows = x.slice(ndarray::s![b * block..b * block + out.len() / k, ..]);
        forest.add(k, rows, out);
    });
}

/// The executor a prediction runs on: the one given in `options`, else a
/// pool of `options.threads` workers when the batch is large enough to pay
/// for building it, else the calling thread's pool (small batches then run
/// on the calling thread alone).
pub(crate) fn executor_for(options: &PredictOptions, work: usize) -> Result<Cow<'_, Executor>> {
    if let Some(exec) = &options.executor {
        return Ok(Cow::Borrowed(exec));
    }
    match options.threads {
        // `Executor::new` rejects 0, also for small batches.
        Some(threads) if threads == 0 || work >= MIN_POOL_WORK => {
            Ok(Cow::Owned(Executor::new(threads)?))
        }
        _ => Ok(Cow::Owned(Executor::current())),
    }
}

/// Options for [`Model::predict_with`](crate::Model::predict_with).
#[derive(Debug, Clone, Default)]
pub struct PredictOptions {
    /// Raw margins instead of transformed outputs.
    pub raw: bool,
    /// Number of rounds to use; `None` uses up to the best iteration.
    pub rounds: Option<usize>,
    /// Worker threads; `None` runs in the caller's rayon pool (the global
    /// pool, or the one of an enclosing `ThreadPool::install`). A pool is
    /// built only for batches large enough to pay for it; small batches run
    /// on the calling thread. Ignored when `executor` is set.
    pub threads: Option<usize>,
    /// The executor to run on (e.g. the program's one executor); takes
    /// precedence over `threads`.
    ///
    /// ```
    /// use gbdt_core::{train, Dataset, Executor, Params, PredictOptions};
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((300, 2), |(i, j)| ((i * (j + 1)) % 23) as f32);
    /// let y: Vec<f32> = (0..300).map(|i| x[[i, 0]] / 10.0).collect();
    /// let exec = Executor::new(2)?;
    /// let model = train(&Params { num_rounds: 5, ..Params::default() }, &Dataset::new(x.view(), &y)?, &[])?;
    /// let options = PredictOptions { executor: Some(exec), ..PredictOptions::default() };
    /// assert_eq!(model.predict_with(x.view(), &options)?, model.predict(x.view())?);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub executor: Option<Executor>,
}
