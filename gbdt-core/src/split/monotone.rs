//! Monotone constraints, XGBoost's method: a split on a constrained feature
//! must order its children's weights in the constraint's direction, every
//! weight is clamped to the bounds its ancestors' constrained splits set,
//! and gains are computed at the clamped weights.

use super::gain::SplitParams;
use crate::histogram::BinStat;

/// The interval a node's weight (before the learning rate) is clamped to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bounds {
    pub lower: f64,
    pub upper: f64,
}

impl Bounds {
    /// No bound: the root's, and every node's when no constraint is set.
    pub const NONE: Bounds = Bounds {
        lower: f64::NEG_INFINITY,
        upper: f64::INFINITY,
    };

    /// `w` clamped into the bounds (`max`/`min`, never panicking).
    #[inline]
    pub fn clamp(self, w: f64) -> f64 {
        w.max(self.lower).min(self.upper)
    }

    /// The children's bounds after a split with these (clamped) child
    /// weights on a feature with constraint `direction`: both inherit the
    /// parent's, and a constrained split meets at the weights' midpoint.
    pub fn children(self, direction: i8, left: f64, right: f64) -> (Bounds, Bounds) {
        let (mut l, mut r) = (self, self);
        let mid = (left + right) / 2.0;
        if direction > 0 {
            l.upper = mid;
            r.lower = mid;
        } else if direction < 0 {
            l.lower = mid;
            r.upper = mid;
        }
        (l, r)
    }
}

/// What a split of one node on one feature must respect: the node's bounds
/// and the feature's direction (1 increasing, -1 decreasing, 0 none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Monotone {
    pub bounds: Bounds,
    pub direction: i8,
}

/// How the enumeration kernel scores one threshold.
pub(super) trait GainRule {
    /// The node's own score, subtracted from every split's.
    fn parent(&self, total: BinStat) -> f64;
    /// The loss change of a split, `None` when the split is not allowed.
    fn gain(&self, left: BinStat, right: BinStat, parent: f64) -> Option<f64>;

    /// [`GainRule::gain`] of every split whose left sums are `g[k]`,
    /// `h[k]` (the right ones `total` minus those) into `out[k]`, NaN
    /// where the split is not allowed. Children below `min_child_weight`
    /// may get any value: the caller skips them.
    fn gains(&self, total: BinStat, parent: f64, g: &[f64], h: &[f64], out: &mut [f64]) {
        for ((o, &g), &h) in out.iter_mut().zip(g).zip(h) {
            let left = BinStat { g, h };
            *o = self
                .gain(left, total.minus(left), parent)
                .unwrap_or(f64::NAN);
        }
    }
}

/// No constraint anywhere: the plain structure scores.
pub(super) struct Plain<'a>(pub &'a SplitParams);

impl GainRule for Plain<'_> {
    #[inline(always)]
    fn parent(&self, total: BinStat) -> f64 {
        self.0.score(total)
    }

    #[inline(always)]
    fn gain(&self, left: BinStat, right: BinStat, parent: f64) -> Option<f64> {
        Some(self.0.score(left) + self.0.score(right) - parent)
    }

    fn gains(&self, total: BinStat, parent: f64, g: &[f64], h: &[f64], out: &mut [f64]) {
        if self.0.plain_gains(total, parent, g, h, out).is_none() {
            for ((o, &g), &h) in out.iter_mut().zip(g).zip(h) {
                let left = BinStat { g, h };
                *o = self.0.score(left) + self.0.score(total.minus(left)) - parent;
            }
        }
    }
}

/// Some constraint is set: scores at weights clamped to the node's bounds,
/// and splits against the feature's direction rejected (XGBoost's
/// `CalcSplitGain` with `CalcGainGivenWeight`).
pub(super) struct Bounded<'a> {
    pub sp: &'a SplitParams,
    pub rule: Monotone,
}

impl Bounded<'_> {
    #[inline]
    fn weight(&self, s: BinStat) -> f64 {
        self.rule.bounds.clamp(self.sp.weight(s))
    }
}

impl GainRule for Bounded<'_> {
    fn parent(&self, total: BinStat) -> f64 {
        self.sp.score_at(total, self.weight(total))
    }

    #[inline]
    fn gain(&self, left: BinStat, right: BinStat, parent: f64) -> Option<f64> {
        let (wl, wr) = (self.weight(left), self.weight(right));
        let d = self.rule.direction;
        if (d > 0 && wl > wr) || (d < 0 && wl < wr) {
            return None;
        }
        Some(self.sp.score_at(left, wl) + self.sp.score_at(right, wr) - parent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_meet_at_the_midpoint() {
        let b = Bounds {
            lower: -1.0,
            upper: 3.0,
        };
        let (l, r) = b.children(1, 0.0, 2.0);
        assert_eq!((l.lower, l.upper, r.lower, r.upper), (-1.0, 1.0, 1.0, 3.0));
        let (l, r) = b.children(-1, 2.0, 0.0);
        assert_eq!((l.lower, l.upper, r.lower, r.upper), (1.0, 3.0, -1.0, 1.0));
        assert_eq!(b.children(0, 0.0, 2.0), (b, b));
        assert_eq!(b.clamp(5.0), 3.0);
        assert_eq!(b.clamp(-5.0), -1.0);
        assert_eq!(Bounds::NONE.clamp(7.5), 7.5);
    }
}
