//! One query's lambdas (gradients) and hessians: rank its documents by the
//! current scores, lay them out in that order, run the pair loop of
//! [`kernel`](super::kernel) for every position within the truncation
//! level, normalise, and write each document's pair back to its row.

use crate::metric::ranking::{discount, gain, max_dcg_with, rank_order_with, rerank_with};
use crate::objective::GradPair;

use super::kernel::{pairs_below, Ndcg, PairWeight, RankNet, Ranked};
use super::RankLoss;

/// Below this many nats under the top score, `exp(score - top)` comes
/// near the smallest normal numbers; a query whose paired positions reach
/// that far takes each position's own score as the reference instead.
const EXP_RANGE: f64 = 600.0;

/// One query's documents.
pub(super) struct Query<'a> {
    pub labels: &'a [f32],
    pub weights: Option<&'a [f32]>,
    pub scores: &'a [f64],
    /// The query's [`ndcg_scale`] when known beforehand (rank:ndcg).
    pub ndcg_scale: Option<f64>,
}

/// Buffers reused across the queries of a block.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Row (within the query) of each position.
    order: Vec<usize>,
    /// Sort keys of [`rank_order_with`].
    keys: Vec<u128>,
    ranked: Ranked,
    /// The labels, sorted for the best DCG.
    sorted: Vec<f32>,
}

impl Scratch {
    /// Lays the query out in rank order, keyed by gain (LambdaRank) or
    /// label (RankNet), with zero lambdas and hessians. `prev`: the
    /// query's ranking of the previous round, to start the sort from
    /// (replaced by this one).
    fn rank(&mut self, loss: RankLoss, q: &Query<'_>, prev: Option<&mut [u32]>) {
        let n = q.labels.len();
        match prev {
            Some(prev) => rerank_with(q.scores, prev, &mut self.order, &mut self.keys),
            None => rank_order_with(q.scores, &mut self.order, &mut self.keys),
        }
        let r = &mut self.ranked;
        let top = q.scores[self.order[0]];
        refill(&mut r.score, self.order.iter().map(|&row| q.scores[row]));
        refill(&mut r.exp, r.score.iter().map(|&s| (s - top).exp()));
        let key = self.order.iter().map(|&row| q.labels[row]);
        match loss {
            RankLoss::Ndcg => refill(&mut r.key, key.map(gain)),
            RankLoss::Pairwise => refill(&mut r.key, key.map(f64::from)),
        }
        refill(&mut r.lambda, (0..n).map(|_| 0.0));
        refill(&mut r.hessian, (0..n).map(|_| 0.0));
        while r.discount.len() < n {
            r.discount.push(discount(r.discount.len()));
        }
    }

    /// Runs the pair loop for the first `rows` positions; returns the sum
    /// of the pairs' `|lambda|` (each pair counted once).
    fn all_pairs<W: PairWeight>(&mut self, w: &W, rows: usize) -> f64 {
        let r = &mut self.ranked;
        let near = rows == 0 || r.score[0] - r.score[rows - 1] <= EXP_RANGE;
        let mut sum = 0.0;
        for i in 0..rows {
            if !near {
                let s_i = r.score[i];
                for (e, &s) in r.exp[i..].iter_mut().zip(&r.score[i..]) {
                    *e = (s - s_i).exp();
                }
            }
            sum += pairs_below(w, i, r);
        }
        sum
    }
}

fn refill<T>(v: &mut Vec<T>, items: impl Iterator<Item = T>) {
    v.clear();
    v.extend(items);
}

/// Gradients and hessians of one query into `out` (one per document).
/// Pairs are visited with the better-placed document among the first
/// `truncation` positions of the current ranking; `prev`, when given, is
/// the previous round's ranking (see [`Scratch::rank`]).
pub(super) fn query_gradients(
    loss: RankLoss,
    truncation: usize,
    q: &Query<'_>,
    prev: Option<&mut [u32]>,
    s: &mut Scratch,
    out: &mut [GradPair],
) {
    let n = q.labels.len();
    if n < 2 {
        out.fill(GradPair::default());
        return;
    }
    s.rank(loss, q, prev);
    let rows = (n - 1).min(truncation);
    // LambdaRank's pairs are all divided by the best DCG: done once, here.
    let scale = match loss {
        RankLoss::Ndcg => q
            .ndcg_scale
            .unwrap_or_else(|| ndcg_scale(q.labels, truncation, &mut s.sorted)),
        RankLoss::Pairwise => 1.0,
    };
    let sum = 2.0
        * scale
        * match loss {
            RankLoss::Ndcg => {
                let spread = s.ranked.score[0] != s.ranked.score[n - 1];
                let offset = if spread { 0.01 } else { 1.0 };
                s.all_pairs(&Ndcg { offset }, rows)
            }
            RankLoss::Pairwise => s.all_pairs(&RankNet, rows),
        };
    let norm = if loss == RankLoss::Ndcg && sum > 0.0 {
        scale * (1.0 + sum).log2() / sum
    } else {
        scale
    };
    let r = &s.ranked;
    for (pos, &row) in s.order.iter().enumerate() {
        let w = q.weights.map_or(1.0, |w| w[row] as f64) * norm;
        out[row] = GradPair {
            g: (r.lambda[pos] * w) as f32,
            h: (r.hessian[pos] * w) as f32,
        };
    }
}

/// What LambdaRank divides a query's pairs by: the inverse of its best DCG
/// at the truncation level (0 when no document is relevant). `sorted` is a
/// reusable buffer.
pub(super) fn ndcg_scale(labels: &[f32], truncation: usize, sorted: &mut Vec<f32>) -> f64 {
    inverse(max_dcg_with(labels, truncation, sorted))
}

fn inverse(x: f64) -> f64 {
    if x > 0.0 {
        1.0 / x
    } else {
        0.0
    }
}
