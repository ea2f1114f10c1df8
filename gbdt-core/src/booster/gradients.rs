//! What the grower reads each round: the gradients of every row (zero for
//! rows left out by `subsample`) and the features the round's trees may use
//! (`colsample_bytree`). Random streams are keyed by the absolute round, so
//! continued training draws what one long run would have drawn.
//!
//! Rows are cut into fixed blocks (so results do not depend on the thread
//! count); for ranking objectives the blocks are whole query groups, packed
//! until a block has at least `RANK_BLOCK` rows.

use crate::dataset::Dataset;
use crate::objective::rank::{self, RankState};
use crate::objective::{GradContext, GradPair};
use crate::parallel::Executor;
use crate::params::Params;
use crate::sampling::{fraction_count, mix_at, unit, Rng};

/// Rows per parallel block for gradients and row sampling; fixed so results
/// do not depend on the thread count.
const ROW_BLOCK: usize = 16_384;

/// Least rows per block of whole query groups: ranking gradients cost
/// O(documents x truncation level) per query, so smaller blocks balance
/// the threads better.
const RANK_BLOCK: usize = 4_096;

/// Gradients of every row for margins `margins` (rows × `k`); rows left out
/// by `subsample` get zero. `offset` is the global index of `data`'s first
/// row: a row's sampling draw depends on its global index only.
/// `rank`: what a ranking objective keeps between rounds (empty for others).
#[allow(clippy::too_many_arguments)]
pub(super) fn gradients(
    p: &Params,
    data: &Dataset<'_>,
    k: usize,
    margins: &[f64],
    grads: &mut [GradPair],
    round: usize,
    offset: usize,
    rank: &mut RankState,
    exec: &Executor,
) {
    let ctx = GradContext {
        labels: data.labels(),
        weights: data.weights(),
        num_outputs: k,
        max_delta_step: p.resolved_max_delta_step(),
        huber_slope: p.huber_slope,
        tweedie_variance_power: p.tweedie_variance_power,
        softmax_hessian: p.multiclass_hessian.factor(k),
        quantile_alpha: &p.quantile_alpha,
        groups: data.groups(),
        truncation_level: p.lambdarank_truncation_level,
        ndcg_scales: (!rank.ndcg_scales.is_empty()).then_some(&rank.ndcg_scales[..]),
    };
    let key = Rng::new(p.seed, &[round as u64, 0x5A3B]).next_u64();
    // Rows left out by `subsample` get zero.
    let sample = |first: usize, out: &mut [GradPair]| {
        if p.subsample < 1.0 {
            for (i, row) in out.chunks_exact_mut(k).enumerate() {
                if unit(mix_at(key, (offset + first + i) as u64)) >= p.subsample {
                    row.fill(GradPair::default());
                }
            }
        }
    };
    match (data.groups(), p.objective.rank_loss()) {
        (Some(groups), Some(loss)) => {
            let bounds = rank::group_blocks(groups, RANK_BLOCK);
            let mut blocks: Vec<_> = split_at_bounds(grads, &bounds)
                .into_iter()
                .zip(split_at_bounds(&mut rank.rankings, &bounds))
                .collect();
            exec.for_each_mut(&mut blocks, |b, (out, rankings)| {
                let (first, end) = (bounds[b], bounds[b + 1]);
                let margins = &margins[first..end];
                rank::gradients(loss, &ctx, first, margins, Some(rankings), out);
                sample(first, out);
            });
        }
        _ => exec.for_each_chunk_mut(grads, ROW_BLOCK * k, |b, out| {
            let first = b * ROW_BLOCK;
            let margins = &margins[first * k..first * k + out.len()];
            p.objective.gradients(&ctx, first, margins, out);
            sample(first, out);
        }),
    }
}

/// `rows` (one item per row: ranking has one output) cut at row
/// boundaries `bounds`.
fn split_at_bounds<'g, T>(mut rows: &'g mut [T], bounds: &[usize]) -> Vec<&'g mut [T]> {
    let mut out = Vec::with_capacity(bounds.len());
    for w in bounds.windows(2) {
        let (head, tail) = std::mem::take(&mut rows).split_at_mut(w[1] - w[0]);
        out.push(head);
        rows = tail;
    }
    out
}

/// The features one round's trees may use (`colsample_bytree`), ascending.
pub(super) fn tree_features(p: &Params, num_features: usize, round: usize) -> Vec<usize> {
    let all: Vec<usize> = (0..num_features).collect();
    if p.colsample_bytree >= 1.0 {
        return all;
    }
    let count = fraction_count(all.len(), p.colsample_bytree);
    Rng::new(p.seed, &[round as u64, 0xC075]).choose_sorted(&all, count)
}
