//! Split finding: one enumeration kernel over a numeric feature's
//! histogram, run with missing values sent right and then left, scoring
//! thresholds with the plain gain or, under monotone constraints, the
//! bounded one; categorical features search sets of categories
//! (`categorical.rs`) with the same gain rules.

mod categorical;
mod gain;
mod monotone;

pub(crate) use categorical::{best_categorical, CatNode, CatParams};
pub(crate) use gain::SplitParams;
pub(crate) use monotone::{Bounds, Monotone};

use monotone::{Bounded, GainRule, Plain};

use crate::bitset::Bitset;
use crate::histogram::BinStat;

/// The best split of a node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Candidate {
    /// Loss reduction.
    pub gain: f64,
    pub feature: usize,
    /// Rows with bin `<= bin` go left (numeric splits; 0 for categorical).
    pub bin: usize,
    pub default_left: bool,
    pub left: BinStat,
    pub right: BinStat,
    /// A categorical split's bins that go left, the missing bin included
    /// when `default_left`; `None` for a numeric split.
    pub left_bins: Option<Bitset>,
}

impl Candidate {
    /// True when `self` beats `other`: larger gain, then the lower feature,
    /// then the lower bin, so the winner never depends on evaluation order.
    pub fn beats(&self, other: &Candidate) -> bool {
        (
            self.gain,
            std::cmp::Reverse(self.feature),
            std::cmp::Reverse(self.bin),
        ) > (
            other.gain,
            std::cmp::Reverse(other.feature),
            std::cmp::Reverse(other.bin),
        )
    }
}

/// The first threshold with the largest gain among the allowed ones (both
/// children heavy enough, gain not NaN), as a left-to-right scan keeping
/// strictly better gains finds it. Branch-free, so it vectorizes: gains
/// not allowed become -inf, then the maximum (exact in any order), then
/// its first position. `None` when no threshold is allowed.
fn first_best(gains: &mut [f64], h: &[f64], total_h: f64, sp: &SplitParams) -> Option<usize> {
    for (gain, &lh) in gains.iter_mut().zip(h) {
        let ok = sp.child_ok_h(lh) & sp.child_ok_h(total_h - lh) & !gain.is_nan();
        *gain = if ok { *gain } else { f64::NEG_INFINITY };
    }
    let larger = |m: f64, g: f64| if g > m { g } else { m };
    let mut lanes = [f64::NEG_INFINITY; 4];
    let mut chunks = gains.chunks_exact(4);
    for c in &mut chunks {
        for (m, &g) in lanes.iter_mut().zip(c) {
            *m = larger(*m, g);
        }
    }
    let max = (chunks.remainder().iter())
        .chain(&lanes)
        .fold(f64::NEG_INFINITY, |m, &g| larger(m, g));
    if max == f64::NEG_INFINITY {
        // Nothing allowed, or only -inf gains, which no split accepts.
        return None;
    }
    gains.iter().position(|&g| g == max)
}

/// The best split of one feature. `hist` is the feature's histogram (value
/// bins, then the missing bin); `total` the node's sums. `monotone` is
/// `None` when no feature of the model is constrained (the plain gain),
/// else the node's bounds and this feature's direction.
pub(crate) fn best_of_feature(
    hist: &[BinStat],
    feature: usize,
    total: BinStat,
    sp: &SplitParams,
    monotone: Option<Monotone>,
    scratch: &mut Scratch,
) -> Option<Candidate> {
    match monotone {
        None => best_with(hist, feature, total, sp, &Plain(sp), scratch),
        Some(rule) => best_with(hist, feature, total, sp, &Bounded { sp, rule }, scratch),
    }
}

fn best_with<G: GainRule>(
    hist: &[BinStat],
    feature: usize,
    total: BinStat,
    sp: &SplitParams,
    rule: &G,
    scratch: &mut Scratch,
) -> Option<Candidate> {
    let right = enumerate(hist, feature, total, sp, rule, false, scratch);
    let left = enumerate(hist, feature, total, sp, rule, true, scratch);
    match (right, left) {
        (Some(r), Some(l)) => Some(if l.gain > r.gain { l } else { r }),
        (r, l) => r.or(l),
    }
}

/// What an empty bin adds to the running sums: nothing, to the bit.
const NEG_ZERO: BinStat = BinStat { g: -0.0, h: -0.0 };

/// Buffers the enumeration kernel reuses across features: the thresholds
/// worth scoring (non-empty bins), their left sums and their gains.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    bins: Vec<u32>,
    g: Vec<f64>,
    h: Vec<f64>,
    gains: Vec<f64>,
}

impl Scratch {
    /// Room for `n` thresholds (grows, never shrinks).
    fn reserve(&mut self, n: usize) {
        if self.bins.len() < n {
            self.bins.resize(n, 0);
            self.g.resize(n, 0.0);
            self.h.resize(n, 0.0);
            self.gains.resize(n, 0.0);
        }
    }
}

/// Scans thresholds left to right; missing values go left when `missing_left`.
///
/// Three passes, so the costly one has no branch: the left sums at each
/// non-empty bin (an empty bin repeats the previous threshold's partition,
/// and ties keep the earlier threshold anyway; small nodes have many), then
/// every threshold's gain ([`GainRule::gains`], divisions that vectorize),
/// then the first best among the allowed ones.
fn enumerate<G: GainRule>(
    hist: &[BinStat],
    feature: usize,
    total: BinStat,
    sp: &SplitParams,
    rule: &G,
    missing_left: bool,
    s: &mut Scratch,
) -> Option<Candidate> {
    let value_bins = hist.len() - 1;
    let missing = hist[value_bins];
    let has_missing = missing.h != 0.0 || missing.g != 0.0;
    if missing_left && !has_missing {
        return None;
    }
    // With missing values sent right, the last threshold (every value left)
    // splits on missingness alone.
    let last = if has_missing && !missing_left {
        value_bins
    } else {
        value_bins - 1
    };
    let mut acc = if missing_left {
        missing
    } else {
        BinStat::default()
    };
    s.reserve(last);
    let mut n = 0;
    for (bin, stat) in hist[..last].iter().enumerate() {
        let empty = stat.h == 0.0 && stat.g == 0.0;
        // An empty bin adds -0.0, which leaves every sum as it is (+0.0
        // would turn a -0.0 into +0.0); chosen off the chain of sums.
        let add = if empty { NEG_ZERO } else { *stat };
        acc = acc.plus(add);
        // Written at every bin, kept (n advances) only for non-empty ones.
        s.bins[n] = bin as u32;
        s.g[n] = acc.g;
        s.h[n] = acc.h;
        n += !empty as usize;
    }
    let parent_score = rule.parent(total);
    rule.gains(total, parent_score, &s.g[..n], &s.h[..n], &mut s.gains[..n]);
    let k = first_best(&mut s.gains[..n], &s.h[..n], total.h, sp)?;
    let left = BinStat {
        g: s.g[k],
        h: s.h[k],
    };
    Some(Candidate {
        gain: s.gains[k],
        feature,
        bin: s.bins[k] as usize,
        default_left: missing_left,
        left,
        right: total.minus(left),
        left_bins: None,
    })
    .filter(|b| sp.gain_ok(b.gain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp() -> SplitParams {
        SplitParams {
            lambda: 1.0,
            alpha: 0.0,
            gamma: 0.0,
            min_child_weight: 0.0,
            max_delta_step: 0.0,
            learning_rate: 1.0,
        }
    }

    fn stat(g: f64, h: f64) -> BinStat {
        BinStat { g, h }
    }

    fn total(h: &[BinStat]) -> BinStat {
        h.iter().fold(BinStat::default(), |a, b| a.plus(*b))
    }

    #[test]
    fn finds_the_sign_change() {
        let h = [
            stat(-5.0, 5.0),
            stat(-5.0, 5.0),
            stat(5.0, 5.0),
            stat(5.0, 5.0),
            stat(0.0, 0.0),
        ];
        let c = best_of_feature(&h, 3, total(&h), &sp(), None, &mut Scratch::default()).unwrap();
        assert_eq!((c.feature, c.bin), (3, 1));
        assert_eq!(c.left, stat(-10.0, 10.0));
        assert!((c.gain - 2.0 * 100.0 / 11.0).abs() < 1e-12);
    }

    #[test]
    fn missing_values_learn_their_direction() {
        // Missing rows look like the left side: they should go left.
        let h = [stat(-5.0, 5.0), stat(5.0, 5.0), stat(-5.0, 5.0)];
        let c = best_of_feature(&h, 0, total(&h), &sp(), None, &mut Scratch::default()).unwrap();
        assert!(c.default_left);
        assert_eq!(c.left, stat(-10.0, 10.0));
        // Missing rows like the right side: they go right.
        let h = [stat(-5.0, 5.0), stat(5.0, 5.0), stat(5.0, 5.0)];
        let c = best_of_feature(&h, 0, total(&h), &sp(), None, &mut Scratch::default()).unwrap();
        assert!(!c.default_left);
        assert_eq!(c.right, stat(10.0, 10.0));
    }

    #[test]
    fn split_on_missingness_alone() {
        let h = [stat(-5.0, 5.0), stat(5.0, 5.0)];
        let c = best_of_feature(&h, 0, total(&h), &sp(), None, &mut Scratch::default()).unwrap();
        assert_eq!((c.bin, c.default_left), (0, false));
    }

    #[test]
    fn constraints_reject_splits() {
        let h = [stat(-5.0, 5.0), stat(5.0, 5.0), stat(0.0, 0.0)];
        let strict = SplitParams {
            min_child_weight: 6.0,
            ..sp()
        };
        assert!(
            best_of_feature(&h, 0, total(&h), &strict, None, &mut Scratch::default()).is_none()
        );
        let costly = SplitParams {
            gamma: 100.0,
            ..sp()
        };
        assert!(
            best_of_feature(&h, 0, total(&h), &costly, None, &mut Scratch::default()).is_none()
        );
        let flat = [stat(1.0, 5.0), stat(1.0, 5.0), stat(0.0, 0.0)];
        assert!(
            best_of_feature(&flat, 0, total(&flat), &sp(), None, &mut Scratch::default()).is_none()
        );
    }

    #[test]
    fn monotone_constraints_reject_the_wrong_direction_and_clamp_the_gain() {
        // The only threshold puts weight 5/6 left and -5/6 right: decreasing.
        let h = [stat(-5.0, 5.0), stat(5.0, 5.0), stat(0.0, 0.0)];
        let rule = |direction, lower, upper| {
            Some(Monotone {
                bounds: Bounds { lower, upper },
                direction,
            })
        };
        let (inf, t) = (f64::INFINITY, total(&h));
        assert_eq!(
            best_of_feature(&h, 0, t, &sp(), rule(1, -inf, inf), &mut Scratch::default()),
            None
        );
        let plain = best_of_feature(&h, 0, t, &sp(), None, &mut Scratch::default()).unwrap();
        for direction in [-1, 0] {
            let c = best_of_feature(
                &h,
                0,
                t,
                &sp(),
                rule(direction, -inf, inf),
                &mut Scratch::default(),
            )
            .unwrap();
            assert_eq!((c.bin, c.left, c.right), (0, plain.left, plain.right));
            assert!((c.gain - plain.gain).abs() < 1e-12 && (c.gain - 50.0 / 6.0).abs() < 1e-12);
        }
        // Weights clamped to +-0.5: each side scores -(2 g w + (h + l) w^2) =
        // 5 - 1.5 = 3.5 instead of 25/6, and the parent's weight 0 scores 0.
        let c = best_of_feature(
            &h,
            0,
            t,
            &sp(),
            rule(-1, -0.5, 0.5),
            &mut Scratch::default(),
        )
        .unwrap();
        assert_eq!(c.gain, 7.0);
        // Bounds that force both weights to one value leave no gain.
        assert_eq!(
            best_of_feature(&h, 0, t, &sp(), rule(-1, 0.2, 0.2), &mut Scratch::default()),
            None
        );
    }

    /// The kernel as it was before it became three passes: one loop that
    /// skips empty bins and scores each allowed threshold with
    /// [`GainRule::gain`].
    fn reference<G: GainRule>(
        hist: &[BinStat],
        total: BinStat,
        sp: &SplitParams,
        rule: &G,
        missing_left: bool,
    ) -> Option<Candidate> {
        let value_bins = hist.len() - 1;
        let missing = hist[value_bins];
        let has_missing = missing.h != 0.0 || missing.g != 0.0;
        if missing_left && !has_missing {
            return None;
        }
        let last = if has_missing && !missing_left {
            value_bins
        } else {
            value_bins - 1
        };
        let parent = rule.parent(total);
        let mut acc = if missing_left {
            missing
        } else {
            BinStat::default()
        };
        let mut best: Option<Candidate> = None;
        for (bin, stat) in hist[..last].iter().enumerate() {
            if stat.h == 0.0 && stat.g == 0.0 {
                continue;
            }
            acc = acc.plus(*stat);
            let right = total.minus(acc);
            if !sp.child_ok(acc) || !sp.child_ok(right) {
                continue;
            }
            let Some(gain) = rule.gain(acc, right, parent) else {
                continue;
            };
            if best.as_ref().is_none_or(|b| gain > b.gain) {
                best = Some(Candidate {
                    gain,
                    feature: 0,
                    bin,
                    default_left: missing_left,
                    left: acc,
                    right,
                    left_bins: None,
                });
            }
        }
        best.filter(|b| sp.gain_ok(b.gain))
    }

    proptest::proptest! {
        #[test]
        fn the_three_pass_kernel_equals_the_one_loop_scan(
            bins in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just((0.0f64, 0.0f64)),
                    proptest::strategy::Just((-0.0f64, 0.0f64)),
                    (-3.0f64..3.0, 0.0f64..4.0),
                ],
                2..40,
            ),
            alpha in proptest::prop_oneof![proptest::strategy::Just(0.0), 0.0f64..1.0],
            min_child_weight in 0.0f64..3.0,
            max_delta_step in proptest::prop_oneof![proptest::strategy::Just(0.0), 0.1f64..1.0],
            direction in -1i8..=1,
            bounded in proptest::bool::ANY,
        ) {
            let h: Vec<BinStat> = bins.iter().map(|&(g, h)| stat(g, h)).collect();
            let t = total(&h);
            let p = SplitParams { alpha, min_child_weight, max_delta_step, ..sp() };
            let rule = Monotone {
                bounds: Bounds { lower: -0.4, upper: 0.6 },
                direction,
            };
            let expected = |missing_left| {
                if bounded {
                    reference(&h, t, &p, &Bounded { sp: &p, rule }, missing_left)
                } else {
                    reference(&h, t, &p, &Plain(&p), missing_left)
                }
            };
            let expected = match (expected(false), expected(true)) {
                (Some(r), Some(l)) => Some(if l.gain > r.gain { l } else { r }),
                (r, l) => r.or(l),
            };
            let mut scratch = Scratch::default();
            // Twice through one scratch: leftovers of a longer feature must not leak.
            for _ in 0..2 {
                let got = best_of_feature(&h, 0, t, &p, bounded.then_some(rule), &mut scratch);
                // Compared as text: the sign of a zero sum counts too.
                proptest::prop_assert_eq!(format!("{got:?}"), format!("{expected:?}"));
            }
        }
    }

    proptest::proptest! {
        /// Gains from a small set, so ties, NaN, infinities and both zeros
        /// are common: the branch-free pick equals the left-to-right scan.
        #[test]
        fn first_best_equals_the_scan(
            rows in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        0.0, -0.0, 1.0, 2.0, 2.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY,
                    ]),
                    0.0f64..4.0,
                ),
                0..40,
            ),
            min_child_weight in 0.0f64..2.0,
        ) {
            let (gains, h): (Vec<f64>, Vec<f64>) = rows.into_iter().unzip();
            let total_h = 4.0;
            let p = SplitParams { min_child_weight, ..sp() };
            let mut scan: Option<usize> = None;
            for (k, (&g, &lh)) in gains.iter().zip(&h).enumerate() {
                let ok = p.child_ok_h(lh) && p.child_ok_h(total_h - lh) && !g.is_nan();
                if ok && scan.is_none_or(|b| g > gains[b]) {
                    scan = Some(k);
                }
            }
            // The scan may pick an allowed -inf, which no split accepts.
            let expected = scan.filter(|&k| gains[k] > f64::NEG_INFINITY);
            let mut picked = gains.clone();
            let got = first_best(&mut picked, &h, total_h, &p);
            proptest::prop_assert_eq!(got, expected);
            if let Some(k) = got {
                proptest::prop_assert_eq!(picked[k].to_bits(), gains[k].to_bits());
            }
        }
    }

    #[test]
    fn ties_prefer_lower_feature_then_bin() {
        let a = Candidate {
            gain: 1.0,
            feature: 2,
            bin: 5,
            default_left: false,
            left: stat(0.0, 0.0),
            right: stat(0.0, 0.0),
            left_bins: None,
        };
        let b = Candidate {
            feature: 1,
            ..a.clone()
        };
        let c = Candidate {
            bin: 4,
            ..a.clone()
        };
        assert!(b.beats(&a) && c.beats(&a) && !a.beats(&a));
    }
}
