//! What the grower reads each round: the gradients of every row (zero for
//! rows left out by `subsample`) and the features the round's trees may use
//! (`colsample_bytree`). Random streams are keyed by the absolute round, so
//! continued training draws what one long run would have drawn.

use crate::dataset::Dataset;
use crate::objective::{GradContext, GradPair};
use crate::parallel::Executor;
use crate::params::Params;
use crate::sampling::{fraction_count, Rng};

/// Rows per parallel block for gradients and row sampling; fixed so results
/// do not depend on the thread count.
const ROW_BLOCK: usize = 16_384;

/// Gradients of every row for margins `margins` (rows × `k`); rows left out
/// by `subsample` get zero.
pub(super) fn gradients(
    p: &Params,
    data: &Dataset<'_>,
    k: usize,
    margins: &[f64],
    grads: &mut [GradPair],
    round: usize,
    exec: &Executor,
) {
    let ctx = GradContext {
        labels: data.labels(),
        weights: data.weights(),
        num_outputs: k,
        max_delta_step: p.resolved_max_delta_step(),
        huber_slope: p.huber_slope,
        tweedie_variance_power: p.tweedie_variance_power,
        quantile_alpha: &p.quantile_alpha,
    };
    exec.for_each_chunk_mut(grads, ROW_BLOCK * k, |b, out| {
        let first = b * ROW_BLOCK;
        p.objective
            .gradients(&ctx, first, &margins[first * k..first * k + out.len()], out);
        if p.subsample < 1.0 {
            let mut rng = Rng::new(p.seed, &[round as u64, b as u64, 0x5A3B]);
            for row in out.chunks_exact_mut(k) {
                if rng.next_f64() >= p.subsample {
                    row.fill(GradPair::default());
                }
            }
        }
    });
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
