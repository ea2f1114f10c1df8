//! The inner pair loop: one document against every document ranked below
//! it. The query's documents are laid out in rank order (see [`Ranked`]),
//! so the loop reads memory in sequence, accumulates the upper document's
//! lambda in registers instead of through memory, has no branch per pair
//! (a pair of equal labels has gap 0 and adds zeros) and computes
//! [`LANES`] pairs at a time in one [`F64x2`] register, each lane its own
//! chain of sums (`lanes.rs`). Lane sums are added in a fixed order, so
//! results do not depend on the thread count.

use super::lanes::{F64x2, Lane};

/// Pairs per step of the inner loop: one [`F64x2`].
const LANES: usize = 2;

/// How a pair of documents at positions `i < j` (by the current scores) is
/// weighted, lane by lane.
pub(super) trait PairWeight {
    /// The pair's signed label gap: > 0 when the document at `i` is the more
    /// relevant, < 0 when the one at `j` is, 0 for equal labels.
    fn gap<V: Lane>(&self, key_i: V, key_j: V) -> V;
    /// The pair's weight besides its gap, from the two positions' discounts
    /// and the score difference `d = s_i - s_j >= 0`.
    fn scale<V: Lane>(&self, discount_i: V, discount_j: V, d: V) -> V;
}

/// LambdaRank: the gap of the gains `2^label - 1`, times the change of
/// discount a swap would make, over `offset + d`. (The division by the best
/// DCG, the same for every pair of a query, is left to the caller.)
pub(super) struct Ndcg {
    /// 0.01, or 1 when all scores of the query are equal (then `d` is 0 for
    /// every pair and the weight is not divided).
    pub offset: f64,
}

impl PairWeight for Ndcg {
    #[inline(always)]
    fn gap<V: Lane>(&self, gain_i: V, gain_j: V) -> V {
        gain_i.sub(gain_j)
    }

    /// Discounts fall with the position, so `discount_i > discount_j`.
    #[inline(always)]
    fn scale<V: Lane>(&self, discount_i: V, discount_j: V, d: V) -> V {
        discount_i.sub(discount_j).div(V::splat(self.offset).add(d))
    }
}

/// RankNet: every pair of different labels with weight 1.
pub(super) struct RankNet;

impl PairWeight for RankNet {
    #[inline(always)]
    fn gap<V: Lane>(&self, label_i: V, label_j: V) -> V {
        let (one, zero) = (V::splat(1.0), V::splat(0.0));
        let above = label_i.select_gt(label_j, one, zero);
        let below = label_j.select_gt(label_i, one, zero);
        above.sub(below)
    }

    #[inline(always)]
    fn scale<V: Lane>(&self, _: V, _: V, _: V) -> V {
        V::splat(1.0)
    }
}

/// One query's documents by position in the current ranking (position 0
/// has the highest score), with their running lambdas and hessians.
#[derive(Default)]
pub(super) struct Ranked {
    pub score: Vec<f64>,
    /// `exp(score - reference)`; the reference is at or above the scores of
    /// the positions being paired, so `exp` never overflows, and it is close
    /// enough to them that the upper document's term does not underflow.
    pub exp: Vec<f64>,
    /// The gain (LambdaRank) or the label (RankNet).
    pub key: Vec<f64>,
    /// `1 / log2(position + 2)`; may be longer than the query.
    pub discount: Vec<f64>,
    pub lambda: Vec<f64>,
    pub hessian: Vec<f64>,
}

/// The document at the upper position of a row of pairs, in every lane.
#[derive(Clone, Copy)]
struct Upper<V> {
    score: V,
    exp: V,
    key: V,
    discount: V,
}

impl Upper<f64> {
    #[inline(always)]
    fn splat<V: Lane>(self) -> Upper<V> {
        Upper {
            score: V::splat(self.score),
            exp: V::splat(self.exp),
            key: V::splat(self.key),
            discount: V::splat(self.discount),
        }
    }
}

/// Lambda (for the lower document; the upper gets its negation) and
/// hessian of the pair of `u` with the document `(score, exp, key,
/// discount)` ranked below it, in each lane.
///
/// With `p = 1 / (1 + exp(|s_high - s_low|))` the RankNet probability that
/// the pair is ordered wrongly (sigmoid 1), computed as
/// `exp(s_low) / (exp(s_high) + exp(s_low))`, the more relevant document
/// gets `-p * |gap| * scale`, the other its negation, and both get the
/// hessian `p * (1 - p) * |gap| * scale`.
#[inline(always)]
fn pair<W: PairWeight, V: Lane>(w: &W, u: Upper<V>, lower: Upper<V>) -> (V, V) {
    let gap = w.gap(u.key, lower.key);
    let low = gap.select_gt(V::splat(0.0), lower.exp, u.exp);
    let p = low.div(u.exp.add(lower.exp));
    let base = p.mul(w.scale(u.discount, lower.discount, u.score.sub(lower.score)));
    (gap.mul(base), gap.abs().mul(base).mul(V::splat(1.0).sub(p)))
}

/// Adds the pairs of position `i` with every position below it to the
/// lambdas and hessians; returns the sum of their `|lambda|`.
#[inline(always)]
pub(super) fn pairs_below<W: PairWeight>(w: &W, i: usize, r: &mut Ranked) -> f64 {
    let n = r.score.len();
    let u = Upper {
        score: r.score[i],
        exp: r.exp[i],
        key: r.key[i],
        discount: r.discount[i],
    };
    let uv = u.splat::<F64x2>();
    let len = n - i - 1;
    let score = &r.score[i + 1..n];
    let exp = &r.exp[i + 1..n];
    let key = &r.key[i + 1..n];
    let discount = &r.discount[i + 1..n];
    let (lambda_head, lambda) = r.lambda[..n].split_at_mut(i + 1);
    let (hessian_head, hessian) = r.hessian[..n].split_at_mut(i + 1);
    let zero = F64x2::splat(0.0);
    let (mut sum_l, mut sum_h, mut sum_abs) = (zero, zero, zero);
    let full = len - len % LANES;
    for start in (0..full).step_by(LANES) {
        let step = start..start + LANES;
        let lower = Upper {
            score: F64x2::load(lane(&score[step.clone()])),
            exp: F64x2::load(lane(&exp[step.clone()])),
            key: F64x2::load(lane(&key[step.clone()])),
            discount: F64x2::load(lane(&discount[step.clone()])),
        };
        let (l, h) = pair(w, uv, lower);
        let lambda: &mut [f64; LANES] = (&mut lambda[step.clone()]).try_into().expect("LANES");
        let hessian: &mut [f64; LANES] = (&mut hessian[step]).try_into().expect("LANES");
        F64x2::load(lambda).add(l).store(lambda);
        F64x2::load(hessian).add(h).store(hessian);
        sum_l = sum_l.add(l);
        sum_h = sum_h.add(h);
        sum_abs = sum_abs.add(l.abs());
    }
    let [mut sum_l, mut sum_h, mut sum_abs] = [sum_l, sum_h, sum_abs].map(|v| {
        let mut lanes = [0.0; LANES];
        v.store(&mut lanes);
        lanes
    });
    // The last odd pair goes to lane 0, after the lane's other pairs.
    for j in full..len {
        let lower = Upper {
            score: score[j],
            exp: exp[j],
            key: key[j],
            discount: discount[j],
        };
        let (l, h) = pair(w, u, lower);
        lambda[j] += l;
        hessian[j] += h;
        sum_l[0] += l;
        sum_h[0] += h;
        sum_abs[0] += l.abs();
    }
    lambda_head[i] -= total(sum_l);
    hessian_head[i] += total(sum_h);
    total(sum_abs)
}

/// `LANES` values as an array (one bounds check per step, not per pair).
#[inline(always)]
fn lane(v: &[f64]) -> &[f64; LANES] {
    v.try_into().expect("a slice of LANES values")
}

/// The lanes' sum in a fixed order.
#[inline(always)]
fn total(lanes: [f64; LANES]) -> f64 {
    lanes.iter().fold(0.0, |a, &b| a + b)
}
