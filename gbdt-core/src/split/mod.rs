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
) -> Option<Candidate> {
    match monotone {
        None => best_with(hist, feature, total, sp, &Plain(sp)),
        Some(rule) => best_with(hist, feature, total, sp, &Bounded { sp, rule }),
    }
}

fn best_with<G: GainRule>(
    hist: &[BinStat],
    feature: usize,
    total: BinStat,
    sp: &SplitParams,
    rule: &G,
) -> Option<Candidate> {
    let right = enumerate(hist, feature, total, sp, rule, false);
    let left = enumerate(hist, feature, total, sp, rule, true);
    match (right, left) {
        (Some(r), Some(l)) => Some(if l.gain > r.gain { l } else { r }),
        (r, l) => r.or(l),
    }
}

/// Scans thresholds left to right; missing values go left when `missing_left`.
fn enumerate<G: GainRule>(
    hist: &[BinStat],
    feature: usize,
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
    // With missing values sent right, the last threshold (every value left)
    // splits on missingness alone.
    let last = if has_missing && !missing_left {
        value_bins
    } else {
        value_bins - 1
    };
    let parent_score = rule.parent(total);
    let mut acc = if missing_left {
        missing
    } else {
        BinStat::default()
    };
    let mut best: Option<Candidate> = None;
    for (bin, stat) in hist[..last].iter().enumerate() {
        // An empty bin repeats the previous threshold's partition, and ties
        // keep the earlier threshold anyway: skip it (small nodes have many).
        if stat.h == 0.0 && stat.g == 0.0 {
            continue;
        }
        acc = acc.plus(*stat);
        let right = total.minus(acc);
        if !sp.child_ok(acc) || !sp.child_ok(right) {
            continue;
        }
        let Some(gain) = rule.gain(acc, right, parent_score) else {
            continue;
        };
        if best.as_ref().is_none_or(|b| gain > b.gain) {
            best = Some(Candidate {
                gain,
                feature,
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
        let c = best_of_feature(&h, 3, total(&h), &sp(), None).unwrap();
        assert_eq!((c.feature, c.bin), (3, 1));
        assert_eq!(c.left, stat(-10.0, 10.0));
        assert!((c.gain - 2.0 * 100.0 / 11.0).abs() < 1e-12);
    }

    #[test]
    fn missing_values_learn_their_direction() {
        // Missing rows look like the left side: they should go left.
        let h = [stat(-5.0, 5.0), stat(5.0, 5.0), stat(-5.0, 5.0)];
        let c = best_of_feature(&h, 0, total(&h), &sp(), None).unwrap();
        assert!(c.default_left);
        assert_eq!(c.left, stat(-10.0, 10.0));
        // Missing rows like the right side: they go right.
        let h = [stat(-5.0, 5.0), stat(5.0, 5.0), stat(5.0, 5.0)];
        let c = best_of_feature(&h, 0, total(&h), &sp(), None).unwrap();
        assert!(!c.default_left);
        assert_eq!(c.right, stat(10.0, 10.0));
    }

    #[test]
    fn split_on_missingness_alone() {
        let h = [stat(-5.0, 5.0), stat(5.0, 5.0)];
        let c = best_of_feature(&h, 0, total(&h), &sp(), None).unwrap();
        assert_eq!((c.bin, c.default_left), (0, false));
    }

    #[test]
    fn constraints_reject_splits() {
        let h = [stat(-5.0, 5.0), stat(5.0, 5.0), stat(0.0, 0.0)];
        let strict = SplitParams {
            min_child_weight: 6.0,
            ..sp()
        };
        assert!(best_of_feature(&h, 0, total(&h), &strict, None).is_none());
        let costly = SplitParams {
            gamma: 100.0,
            ..sp()
        };
        assert!(best_of_feature(&h, 0, total(&h), &costly, None).is_none());
        let flat = [stat(1.0, 5.0), stat(1.0, 5.0), stat(0.0, 0.0)];
        assert!(best_of_feature(&flat, 0, total(&flat), &sp(), None).is_none());
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
        assert_eq!(best_of_feature(&h, 0, t, &sp(), rule(1, -inf, inf)), None);
        let plain = best_of_feature(&h, 0, t, &sp(), None).unwrap();
        for direction in [-1, 0] {
            let c = best_of_feature(&h, 0, t, &sp(), rule(direction, -inf, inf)).unwrap();
            assert_eq!((c.bin, c.left, c.right), (0, plain.left, plain.right));
            assert!((c.gain - plain.gain).abs() < 1e-12 && (c.gain - 50.0 / 6.0).abs() < 1e-12);
        }
        // Weights clamped to +-0.5: each side scores -(2 g w + (h + l) w^2) =
        // 5 - 1.5 = 3.5 instead of 25/6, and the parent's weight 0 scores 0.
        let c = best_of_feature(&h, 0, t, &sp(), rule(-1, -0.5, 0.5)).unwrap();
        assert_eq!(c.gain, 7.0);
        // Bounds that force both weights to one value leave no gain.
        assert_eq!(best_of_feature(&h, 0, t, &sp(), rule(-1, 0.2, 0.2)), None);
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
