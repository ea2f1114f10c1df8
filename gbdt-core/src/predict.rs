//! Batch prediction: rows in blocks, trees in the outer loop, blocks in parallel.

use std::borrow::Cow;

use ndarray::{Array2, ArrayView2};

use crate::error::Result;
use crate::parallel::Executor;
use crate::tree::{FlatNode, Tree, MAX_FLAT_WORDS};

/// Rows per block: small enough that a block's rows stay in L1 while every
/// tree walks them.
pub(crate) const BLOCK: usize = 64;

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
    exec.for_each_chunk_mut_sized(margins, BLOCK * k, work, |b, out| {
        let rows = x.slice(ndarray::s![b * BLOCK..b * BLOCK + out.len() / k, ..]);
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

/// Trees flattened into one node array for branch-free traversal.
pub(crate) struct Forest {
    nodes: Vec<FlatNode>,
    values: Vec<f32>,
    /// (first node, depth) of each tree.
    trees: Vec<(u32, usize)>,
    /// The categorical sets' words, after one all-zero word that numeric
    /// nodes point at.
    words: Vec<u32>,
    /// Each categorical feature split on, with its number of categories
    /// (the code missing and unseen values read).
    counts: Vec<(usize, u32)>,
}

/// How a walk decides at one flat node, given the row's values and, for
/// categorical features, the block's category codes (the row's start at `at`).
trait Decide {
    fn goes_left(&self, nd: &FlatNode, row: &[f32], codes: &[u32], at: usize) -> bool;
}

/// Numeric splits only.
struct Numeric;

impl Decide for Numeric {
    #[inline(always)]
    fn goes_left(&self, nd: &FlatNode, row: &[f32], _: &[u32], _: usize) -> bool {
        let v = row[nd.feature as usize];
        (v <= nd.threshold) | (v.is_nan() & nd.default_left())
    }
}

/// Numeric and categorical splits, with a branch on the node's kind. The
/// codes were read once per block (`Forest::codes`), so a categorical
/// node costs one bit test.
struct Mixed<'a>(&'a [u32]);

impl Decide for Mixed<'_> {
    #[inline(always)]
    fn goes_left(&self, nd: &FlatNode, row: &[f32], codes: &[u32], at: usize) -> bool {
        if !nd.categorical() {
            return Numeric.goes_left(nd, row, codes, at);
        }
        let code = codes[at + nd.feature as usize] as usize;
        let word = self.0[nd.words_at() + code / 32];
        (word >> (code % 32)) & 1 == 1
    }
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
            counts: Vec::new(),
        };
        for t in trees {
            f.trees.push((f.nodes.len() as u32, t.depth()));
            t.flatten_into(&mut f.nodes, &mut f.values, &mut f.words);
            for c in t.category_splits() {
                let feature = t.split_feature(c.node());
                if f.counts.iter().all(|&(g, _)| g != feature) {
                    f.counts.push((feature, c.num_categories() as u32));
                }
            }
        }
        Some(f)
    }

    /// Adds the forest's outputs to `out` (rows × k, row-major) for up to
    /// `BLOCK` rows: trees in the outer
    /// loop; every row of the block takes exactly `depth` steps, so the
    /// inner loop has no data-dependent branch and rows overlap in flight.
    pub fn add(&self, k: usize, rows: ArrayView2<'_, f32>, out: &mut [f64]) {
        if self.words.len() == 1 {
            self.walk(&Numeric, k, rows, out)
        } else {
            self.walk(&Mixed(&self.words), k, rows, out)
        }
    }

    /// The category code of every categorical cell of a block (rows × `f`,
    /// other cells 0): the value when it is one of `0..n`, else `n` (missing
    /// and unseen values, which follow the default direction). Empty for
    /// a numeric forest.
    fn codes(&self, block: &[f32], f: usize) -> Vec<u32> {
        if self.counts.is_empty() {
            return Vec::new();
        }
        let mut codes = vec![0u32; block.len()];
        for (row, out) in block.chunks_exact(f).zip(codes.chunks_exact_mut(f)) {
            for &(feature, n) in &self.counts {
                let v = row[feature];
                out[feature] = if v >= 0.0 && v < n as f32 {
                    v as u32
                } else {
                    n
                };
            }
        }
        codes
    }

    fn walk<D: Decide>(&self, decide: &D, k: usize, rows: ArrayView2<'_, f32>, out: &mut [f64]) {
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
        let codes = self.codes(contiguous, f);
        let mut at = [0u32; BLOCK];
        for (t, &(root, depth)) in self.trees.iter().enumerate() {
            let at = &mut at[..n];
            at.fill(root);
            for _ in 0..depth {
                for (r, (node, row)) in at.iter_mut().zip(contiguous.chunks_exact(f)).enumerate() {
                    let nd = &self.nodes[*node as usize];
                    let left = decide.goes_left(nd, row, &codes, r * f);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{synthetic, train_path};
    use crate::{Dataset, Objective, Params};

    #[test]
    fn small_batches_walk_row_by_row_to_the_same_margins() {
        let (x, y) = synthetic(500, 5, Objective::Softmax, 2);
        let params = Params {
            objective: Objective::Softmax,
            num_rounds: 5,
            ..Params::default()
        };
        let model = train_path(&params, &Dataset::new(x.view(), &y).unwrap(), 1, true);
        let exec = Executor::current();
        let (base, trees) = (model.base_margins(), model.trees());
        let all = margins(base, trees, x.view(), &exec);
        assert!(x.nrows() > ROW_BY_ROW && 7 <= ROW_BY_ROW);
        for start in (0..x.nrows()).step_by(7) {
            let rows = start..(start + 7).min(x.nrows());
            let part = margins(base, trees, x.slice(ndarray::s![rows.clone(), ..]), &exec);
            assert_eq!(part, all.slice(ndarray::s![rows, ..]));
        }
    }

    #[test]
    fn only_large_batches_build_a_pool() {
        let threads = |threads| PredictOptions {
            threads,
            ..PredictOptions::default()
        };
        let three = threads(Some(3));
        assert!(!executor_for(&three, 10 * 100).unwrap().has_own_pool());
        let large = executor_for(&three, MIN_POOL_WORK).unwrap();
        assert!(large.has_own_pool() && large.threads() == 3);
        let unset = threads(None);
        assert!(!executor_for(&unset, 1 << 30).unwrap().has_own_pool());
        assert!(executor_for(&threads(Some(0)), 1).is_err());
        let given = PredictOptions {
            executor: Some(Executor::new(2).unwrap()),
            threads: Some(5),
            ..PredictOptions::default()
        };
        let exec = executor_for(&given, 1).unwrap();
        assert!(exec.has_own_pool() && exec.threads() == 2);
    }
}
