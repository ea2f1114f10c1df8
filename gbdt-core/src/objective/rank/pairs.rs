//! The pair loop of one query: lambdas (gradients) and hessians of every
//! document from the pairs it takes part in.

use crate::metric::ranking::{discount, gain, max_dcg, rank_order};
use crate::objective::GradPair;

use super::RankLoss;

/// One query's documents.
pub(super) struct Query<'a> {
    pub labels: &'a [f32],
    pub weights: Option<&'a [f32]>,
    pub scores: &'a [f64],
}

/// Buffers reused across the queries of a block.
#[derive(Default)]
pub(crate) struct Scratch {
    order: Vec<usize>,
    discounts: Vec<f64>,
    /// `2^label - 1` of each document (rank:ndcg only).
    gains: Vec<f64>,
    /// `exp(score - max score)` of each document.
    exps: Vec<f64>,
    lambdas: Vec<f64>,
    hessians: Vec<f64>,
}

impl Scratch {
    fn reset(&mut self, n: usize) {
        self.lambdas.clear();
        self.lambdas.resize(n, 0.0);
        self.hessians.clear();
        self.hessians.resize(n, 0.0);
        while self.discounts.len() < n {
            let i = self.discounts.len();
            self.discounts.push(discount(i));
        }
    }
}

/// `1 / (1 + exp(x))`: the RankNet probability that a pair whose score
/// difference is `x` is ordered wrongly (sigmoid 1).
fn wrong_order(x: f64) -> f64 {
    1.0 / (1.0 + x.exp())
}

/// [`wrong_order`] of `s_high - s_low` from the documents' `exp(s - max)`
/// (one division instead of an `exp` per pair): `e_low / (e_low + e_high)`,
/// or the direct formula when both have underflowed.
#[inline]
fn wrong_order_of(e_high: f64, e_low: f64, delta_score: f64) -> f64 {
    let sum = e_high + e_low;
    if sum > 1e-290 {
        e_low / sum
    } else {
        wrong_order(delta_score)
    }
}

/// Gradients and hessians of one query into `out` (one per document).
/// Pairs are visited with the better-placed document among the first
/// `truncation` positions of the current ranking.
pub(super) fn query_gradients(
    loss: RankLoss,
    truncation: usize,
    q: &Query<'_>,
    s: &mut Scratch,
    out: &mut [GradPair],
) {
    let n = q.labels.len();
    s.reset(n);
    rank_order(q.scores, &mut s.order);
    s.gains.clear();
    if loss == RankLoss::Ndcg {
        s.gains.extend(q.labels.iter().map(|&y| gain(y)));
    }
    let inverse_max_dcg = match loss {
        RankLoss::Ndcg => inverse(max_dcg(q.labels, truncation)),
        RankLoss::Pairwise => 1.0,
    };
    let spread = n > 0 && q.scores[s.order[0]] != q.scores[s.order[n - 1]];
    let top = if n > 0 { q.scores[s.order[0]] } else { 0.0 };
    s.exps.clear();
    s.exps.extend(q.scores.iter().map(|&v| (v - top).exp()));
    let mut sum_lambdas = 0.0;
    for i in 0..n.saturating_sub(1).min(truncation) {
        for j in i + 1..n {
            let (a, b) = (s.order[i], s.order[j]);
            if q.labels[a] == q.labels[b] {
                continue;
            }
            // (high, its position, low, its position) by label.
            let (hi, hi_pos, lo, lo_pos) = if q.labels[a] > q.labels[b] {
                (a, i, b, j)
            } else {
                (b, j, a, i)
            };
            let delta_score = q.scores[hi] - q.scores[lo];
            let weight = match loss {
                RankLoss::Ndcg => {
                    let gap = s.gains[hi] - s.gains[lo];
                    let paired = (s.discounts[hi_pos] - s.discounts[lo_pos]).abs();
                    let w = gap * paired * inverse_max_dcg;
                    if spread {
                        w / (0.01 + delta_score.abs())
                    } else {
                        w
                    }
                }
                RankLoss::Pairwise => 1.0,
            };
            let p = wrong_order_of(s.exps[hi], s.exps[lo], delta_score);
            let lambda = -p * weight;
            let hessian = p * (1.0 - p) * weight;
            s.lambdas[lo] -= lambda;
            s.hessians[lo] += hessian;
            s.lambdas[hi] += lambda;
            s.hessians[hi] += hessian;
            sum_lambdas -= 2.0 * lambda;
        }
    }
    let norm = if loss == RankLoss::Ndcg && sum_lambdas > 0.0 {
        (1.0 + sum_lambdas).log2() / sum_lambdas
    } else {
        1.0
    };
    for (i, g) in out.iter_mut().enumerate() {
        let w = q.weights.map_or(1.0, |w| w[i] as f64) * norm;
        g.g = (s.lambdas[i] * w) as f32;
        g.h = (s.hessians[i] * w) as f32;
    }
}

fn inverse(x: f64) -> f64 {
    if x > 0.0 {
        1.0 / x
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_division_form_is_the_sigmoid() {
        for (hi, lo) in [(0.3, -1.2), (-2.0, 5.0), (0.0, 0.0), (40.0, -30.0)] {
            let top = f64::max(hi, lo);
            let (eh, el) = ((hi - top).exp(), (lo - top).exp());
            let (want, got) = (wrong_order(hi - lo), wrong_order_of(eh, el, hi - lo));
            assert!(
                (want - got).abs() <= 1e-15 * want.max(1e-300),
                "{hi} {lo}: {got} vs {want}"
            );
        }
        // Both underflowed (far below the query's top score): the direct formula.
        assert_eq!(wrong_order_of(0.0, 0.0, -1.0), wrong_order(-1.0));
    }
}
