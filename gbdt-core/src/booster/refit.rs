//! Leaf refit: for losses whose hessian says nothing about the best leaf
//! value (absolute error: the median; quantile error: each output's level),
//! each leaf of a grown tree becomes the learning rate times a quantile of
//! its rows' residuals `label - margin` of the tree's output, as
//! XGBoost's adaptive trees and LightGBM's `RenewTreeOutput` do. Rows left
//! out of the round (subsample, zero weight) have a zero hessian and do not
//! count. Each leaf is computed on its own, so the result does not depend
//! on the thread count.

use std::ops::Range;

use crate::grower::Grown;
use crate::objective::{quantile, GradPair};
use crate::parallel::Executor;

/// What a refit reads: the round's data, margins before the tree, and
/// gradients (for which rows took part).
pub(super) struct RefitInput<'a> {
    pub labels: &'a [f32],
    pub weights: Option<&'a [f32]>,
    pub margins: &'a [f64],
    pub grads: &'a [GradPair],
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
    let values = exec.map_range(ranges.len(), |i| {
        leaf_value(&rows[ranges[i].clone()], input)
    });
    for ((node, _, value), refit) in grown.leaves.iter_mut().zip(values) {
        if let Some(v) = refit {
            *value = v;
            grown.tree.set_leaf_value(*node, v);
        }
    }
}

/// The refit value of a leaf with these rows; `None` when none took part.
fn leaf_value(rows: &[u32], input: &RefitInput<'_>) -> Option<f32> {
    let (labels, weights) = (input.labels, input.weights);
    let mut residuals: Vec<(f64, f32)> = rows
        .iter()
        .map(|&r| r as usize)
        .filter(|&r| input.grads[r * input.stride + input.output].h > 0.0)
        .map(|r| {
            let m = input.margins[r * input.stride + input.output];
            (labels[r] as f64 - m, weights.map_or(1.0, |w| w[r]))
        })
        .collect();
    let q = quantile(&mut residuals, input.alpha, weights.is_some())?;
    Some((q * input.learning_rate) as f32)
}
