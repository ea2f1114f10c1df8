//! The inner pair loop: one document against every document ranked below
//! it. The query's documents are laid out in rank order (see [`Ranked`]),
//! so the loop reads memory in sequence, accumulates the upper document's
//! lambda in registers instead of through memory, has no branch per pair
//! (a pair of equal labels has gap 0 and adds zeros) and keeps
//! [`LANES`] independent chains of sums. Lane sums are added in a fixed
//! order, so results do not depend on the thread count.

/// Pairs per step of the inner loop; each lane keeps its own partial sums.
/// (4 lanes, or lanes written as whole arrays, ran more instructions under
/// callgrind: with baseline x86-64 SSE2 the loop stays mostly scalar.)
const LANES: usize = 2;

/// How a pair of documents at positions `i < j` (by the current scores) is
/// weighted.
pub(super) trait PairWeight {
    /// The pair's signed label gap: > 0 when the document at `i` is the more
    /// relevant, < 0 when the one at `j` is, 0 for equal labels.
    fn gap(&self, key_i: f64, key_j: f64) -> f64;
    /// The pair's weight besides its gap, from the two positions' discounts
    /// and the score difference `d = s_i - s_j >= 0`.
    fn scale(&self, discount_i: f64, discount_j: f64, d: f64) -> f64;
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
    fn gap(&self, gain_i: f64, gain_j: f64) -> f64 {
        gain_i - gain_j
    }

    /// Discounts fall with the position, so `discount_i > discount_j`.
    #[inline(always)]
    fn scale(&self, discount_i: f64, discount_j: f64, d: f64) -> f64 {
        (discount_i - discount_j) / (self.offset + d)
    }
}

/// RankNet: every pair of different labels with weight 1.
pub(super) struct RankNet;

impl PairWeight for RankNet {
    #[inline(always)]
    fn gap(&self, label_i: f64, label_j: f64) -> f64 {
        let above = if label_i > label_j { 1.0 } else { 0.0 };
        let below = if label_i < label_j { 1.0 } else { 0.0 };
        above - below
    }

    #[inline(always)]
    fn scale(&self, _: f64, _: f64, _: f64) -> f64 {
        1.0
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

/// The document at the upper position of a row of pairs.
#[derive(Clone, Copy)]
struct Upper {
    score: f64,
    exp: f64,
    key: f64,
    discount: f64,
}

/// Lambda (for the lower document; the upper gets its negation) and
/// hessian of the pair of `u` with the document `(score, exp, key,
/// discount)` ranked below it.
///
/// With `p = 1 / (1 + exp(|s_high - s_low|))` the RankNet probability that
/// the pair is ordered wrongly (sigmoid 1), computed as
/// `exp(s_low) / (exp(s_high) + exp(s_low))`, the more relevant document
/// gets `-p * |gap| * scale`, the other its negation, and both get the
/// hessian `p * (1 - p) * |gap| * scale`.
#[inline(always)]
fn pair<W: PairWeight>(
    w: &W,
    u: Upper,
    score: f64,
    exp: f64,
    key: f64,
    discount: f64,
) -> (f64, f64) {
    let gap = w.gap(u.key, key);
    let low = if gap > 0.0 { exp } else { u.exp };
    let p = low / (u.exp + exp);
    let base = p * w.scale(u.discount, discount, u.score - score);
    (gap * base, gap.abs() * base * (1.0 - p))
}

/// Partial sums of a row of pairs, one per lane.
#[derive(Default)]
struct Lanes {
    lambda: [f64; LANES],
    hessian: [f64; LANES],
    abs: [f64; LANES],
}

impl Lanes {
    #[inline(always)]
    fn add(&mut self, lane: usize, (lambda, hessian): (f64, f64)) {
        self.lambda[lane] += lambda;
        self.hessian[lane] += hessian;
        self.abs[lane] += lambda.abs();
    }
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
    let len = n - i - 1;
    let score = &r.score[i + 1..n];
    let exp = &r.exp[i + 1..n];
    let key = &r.key[i + 1..n];
    let discount = &r.discount[i + 1..n];
    let (lambda_head, lambda) = r.lambda[..n].split_at_mut(i + 1);
    let (hessian_head, hessian) = r.hessian[..n].split_at_mut(i + 1);
    let mut sums = Lanes::default();
    let full = len - len % LANES;
    for start in (0..full).step_by(LANES) {
        let step = start..start + LANES;
        let (s, e, k, d) = (
            lane(&score[step.clone()]),
            lane(&exp[step.clone()]),
            lane(&key[step.clone()]),
            lane(&discount[step.clone()]),
        );
        let lambda: &mut [f64; LANES] = (&mut lambda[step.clone()]).try_into().expect("LANES");
        let hessian: &mut [f64; LANES] = (&mut hessian[step]).try_into().expect("LANES");
        for x in 0..LANES {
            let (l, h) = pair(w, u, s[x], e[x], k[x], d[x]);
            lambda[x] += l;
            hessian[x] += h;
            sums.add(x, (l, h));
        }
    }
    for j in full..len {
        let (l, h) = pair(w, u, score[j], exp[j], key[j], discount[j]);
        lambda[j] += l;
        hessian[j] += h;
        sums.add(j - full, (l, h));
    }
    lambda_head[i] -= total(sums.lambda);
    hessian_head[i] += total(sums.hessian);
    total(sums.abs)
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
