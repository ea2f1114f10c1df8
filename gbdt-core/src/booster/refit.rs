//! Leaf refit: for losses whose hessian says nothing about the best leaf
//! value (absolute error: the median; quantile error: each output's level),
//! each leaf of a grown tree becomes the learning rate times a quantile of
//! its rows' residuals `label - margin` of the tree's output, as
//! XGBoost's adaptive trees and LightGBM's `RenewTreeOutput` do. Rows left
//! out of the round (subsample, zero weight) have a zero hessian and do not
//! count. The residuals are grouped by leaf in one scan of the rows in
//! order (`by_leaf.rs`), and each leaf's quantile is then selected on its
//! own, so the result does not depend on the thread count.

use std::ops::Range;

mod by_leaf;

use by_leaf::ByLeaf;

use crate::grower::Grown;
use crate::objective::{quantile, GradPair};
use crate::parallel::Executor;

/// What a refit reads: the round's data, margins before the tree, and
/// which rows took part.
pub(super) struct RefitInput<'a> {
    pub labels: &'a [f32],
    pub weights: Option<&'a [f32]>,
    pub margins: &'a [f64],
    /// Gradients, when rows were subsampled: a row took part when its
    /// hessian is positive. `None` when every row of positive weight took
    /// part (the hessian is the weight): the refit then reads the weights, or
    /// nothing, instead of a gradient per row.
    pub grads: Option<&'a [GradPair]>,
    /// Outputs per row, and the one this tree fits.
    pub stride: usize,
    pub output: usize,
    pub alpha: f64,
    pub learning_rate: f64,
}

/// Refits every leaf of `grown` (tree and leaf list) whose rows took part.
pub(super) fn refit_leaves(
    grown: &mut Grown,
    rows: &[u32],
    input: &RefitInput<'_>,
    exec: &Executor,
) {
    let ranges: Vec<Range<usize>> = grown.leaves.iter().map(|l| l.1.clone()).collect();
    let values = leaf_refits(rows, &ranges, input, exec);
    for ((node, _, value), refit) in grown.leaves.iter_mut().zip(values) {
        if let Some(v) = refit {
            *value = v;
            grown.tree.set_leaf_value(*node, v);
        }
    }
}

/// The refit value of each leaf (rows `rows[ranges[l]]`), `None` where no
/// row took part.
fn leaf_refits(
    rows: &[u32],
    ranges: &[Range<usize>],
    input: &RefitInput<'_>,
    exec: &Executor,
) -> Vec<Option<f32>> {
    let alpha = input.alpha;
    match input.weights {
        None => leaf_values(
            rows,
            ranges,
            input,
            exec,
            |r| input.residual(r),
            |v| quantile(v, alpha, false),
        ),
        Some(w) => leaf_values(
            rows,
            ranges,
            input,
            exec,
            |r| input.residual(r).map(|x| (x, w[r])),
            |v| quantile(v, alpha, true),
        ),
    }
}

impl RefitInput<'_> {
    /// `label - margin` of `row`, or `None` when it sat out the round.
    fn residual(&self, row: usize) -> Option<f64> {
        let at = row * self.stride + self.output;
        let took_part = match (self.grads, self.weights) {
            (Some(g), _) => g[at].h > 0.0,
            (None, Some(w)) => w[row] > 0.0,
            (None, None) => true,
        };
        took_part.then(|| self.labels[row] as f64 - self.margins[at])
    }
}

/// The refit value of each leaf (rows `rows[ranges[l]]`): `select` of the
/// `sample`s of its rows that took part (`None` when none did), times the
/// learning rate. Leaves run in parallel, each on its own.
fn leaf_values<S: Copy + Default + Send + Sync>(
    rows: &[u32],
    ranges: &[Range<usize>],
    input: &RefitInput<'_>,
    exec: &Executor,
    sample: impl Fn(usize) -> Option<S> + Sync,
    select: impl Fn(&mut [S]) -> Option<f64> + Sync + Send,
) -> Vec<Option<f32>> {
    let by_leaf = ByLeaf::new(rows, ranges, sample, exec);
    exec.map_vec_with((0..ranges.len()).collect(), Vec::new, |buf, leaf| {
        by_leaf.gather(leaf, buf);
        Some((select(buf)? * input.learning_rate) as f32)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// XGBoost's quantile by sorting (stably) the residuals of a leaf's rows
    /// gathered through its row list: what the refit computed before it
    /// grouped rows by a sequential scan and selected instead of sorting.
    fn sorted_reference(rows: &[u32], input: &RefitInput<'_>, grads: &[GradPair]) -> Option<f32> {
        let mut v: Vec<(f64, f32)> = rows
            .iter()
            .map(|&r| r as usize)
            .filter(|&r| grads[r * input.stride + input.output].h > 0.0)
            .map(|r| {
                let m = input.margins[r * input.stride + input.output];
                (
                    input.labels[r] as f64 - m,
                    input.weights.map_or(1.0, |w| w[r]),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (n, alpha) = (v.len() as f64, input.alpha);
        let q = if v.is_empty() {
            return None;
        } else if input.weights.is_some() {
            let total: f64 = v.iter().map(|x| x.1 as f64).sum();
            if total <= 0.0 {
                return None;
            }
            let mut acc = 0.0;
            let first = v.iter().find(|x| {
                acc += x.1 as f64;
                acc >= alpha * total
            });
            first.unwrap_or(&v[v.len() - 1]).0
        } else if alpha <= 1.0 / (n + 1.0) {
            v[0].0
        } else if alpha >= n / (n + 1.0) {
            v[v.len() - 1].0
        } else {
            let x = alpha * (n + 1.0);
            let k = (x.floor() as usize).saturating_sub(1);
            let d = x - 1.0 - k as f64;
            v[k].0 + d * (v[k + 1].0 - v[k].0)
        };
        Some((q * input.learning_rate) as f32)
    }

    /// Per row: label and margin from a few values (ties), whether it took
    /// part in the round, and its weight.
    type Row = (i8, i8, bool, u8);

    /// Random rows, a number of leaves, a level, whether rows are weighted,
    /// and whether they were subsampled (else every row takes part).
    fn case() -> impl Strategy<Value = (Vec<Row>, usize, f64, bool, bool)> {
        let row = (-4i8..4, -3i8..3, proptest::bool::weighted(0.85), 0u8..4);
        (
            proptest::collection::vec(row, 0..3000),
            1usize..40,
            0.01f64..0.99,
            any::<bool>(),
            any::<bool>(),
        )
    }

    proptest! {
        #[test]
        fn refit_is_the_sorted_quantile_of_each_leaf(
            (data, leaves, alpha, weighted, sampled) in case()
        ) {
            let labels: Vec<f32> = data.iter().map(|d| d.0 as f32 * 0.5).collect();
            let weights: Vec<f32> = data.iter().map(|d| d.3 as f32 * 0.7).collect();
            let w = weighted.then_some(&weights[..]);
            // Two outputs per row; the refit reads the second.
            let margins: Vec<f64> =
                data.iter().flat_map(|d| [9.0, d.1 as f64 * 0.25]).collect();
            let grads: Vec<GradPair> = data
                .iter()
                .zip(&weights)
                .flat_map(|(d, &wt)| {
                    let h = if d.2 || !sampled { w.map_or(1.0, |_| wt) } else { 0.0 };
                    [GradPair { g: 0.0, h: 1.0 }, GradPair { g: 0.0, h }]
                })
                .collect();
            let input = RefitInput {
                labels: &labels,
                weights: w,
                margins: &margins,
                grads: sampled.then_some(&grads[..]),
                stride: 2,
                output: 1,
                alpha,
                learning_rate: 0.3,
            };
            let mut rows = Vec::new();
            let mut ranges = Vec::new();
            for l in 0..leaves {
                let start = rows.len();
                let leaf_of = |r: usize| (r * 7 + r / 5) % leaves;
                rows.extend((0..data.len() as u32).filter(|&r| leaf_of(r as usize) == l));
                ranges.push(start..rows.len());
            }
            let expect: Vec<Option<f32>> =
                ranges.iter().map(|r| sorted_reference(&rows[r.clone()], &input, &grads)).collect();
            for threads in [1, 2, 7] {
                let got = leaf_refits(&rows, &ranges, &input, &Executor::new(threads).unwrap());
                let (got, expect): (Vec<_>, Vec<_>) = (
                    got.iter().map(|v| v.map(f32::to_bits)).collect(),
                    expect.iter().map(|v| v.map(f32::to_bits)).collect(),
                );
                prop_assert_eq!(got, expect, "threads {}", threads);
            }
        }
    }
}
