//! XGBoost's leaf weight and gain formulas with L1 (`alpha`), L2 (`lambda`)
//! and `max_delta_step`.

use crate::histogram::BinStat;
use crate::params::Params;

/// The regularisation that shapes weights and gains.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SplitParams {
    pub lambda: f64,
    pub alpha: f64,
    pub gamma: f64,
    pub min_child_weight: f64,
    pub max_delta_step: f64,
    pub learning_rate: f64,
}

impl SplitParams {
    pub fn from_params(p: &Params) -> SplitParams {
        SplitParams {
            lambda: p.lambda,
            alpha: p.alpha,
            gamma: p.gamma,
            min_child_weight: p.min_child_weight,
            max_delta_step: p.resolved_max_delta_step(),
            learning_rate: p.learning_rate,
        }
    }

    /// Soft-thresholded gradient sum (the L1 term).
    fn shrunk(&self, g: f64) -> f64 {
        if g > self.alpha {
            g - self.alpha
        } else if g < -self.alpha {
            g + self.alpha
        } else {
            0.0
        }
    }

    /// Optimal leaf weight, before the learning rate.
    pub fn weight(&self, s: BinStat) -> f64 {
        if s.h <= 0.0 {
            return 0.0;
        }
        let w = -self.shrunk(s.g) / (s.h + self.lambda);
        if self.max_delta_step > 0.0 {
            w.clamp(-self.max_delta_step, self.max_delta_step)
        } else {
            w
        }
    }

    /// The leaf's output: weight times learning rate.
    pub fn leaf_value(&self, s: BinStat) -> f32 {
        self.value_of(self.weight(s))
    }

    /// The output of a leaf with weight `w`: times the learning rate.
    pub fn value_of(&self, w: f64) -> f32 {
        (w * self.learning_rate) as f32
    }

    /// The loss reduction a node with these sums achieves as a leaf (the
    /// structure score; higher is better).
    pub fn score(&self, s: BinStat) -> f64 {
        if s.h <= 0.0 {
            return 0.0;
        }
        if self.max_delta_step == 0.0 {
            let g = self.shrunk(s.g);
            return g * g / (s.h + self.lambda);
        }
        self.score_at(s, self.weight(s))
    }

    /// The loss reduction of a leaf with these sums at weight `w` (which may
    /// be clamped away from the optimum, e.g. by monotone bounds).
    #[inline]
    pub fn score_at(&self, s: BinStat, w: f64) -> f64 {
        -(2.0 * s.g * w + (s.h + self.lambda) * w * w) - 2.0 * self.alpha * w.abs()
    }

    /// True when a child with these sums is allowed.
    #[inline]
    pub fn child_ok(&self, s: BinStat) -> bool {
        self.child_ok_h(s.h)
    }

    /// True when a child with hessian sum `h` is allowed.
    #[inline(always)]
    pub fn child_ok_h(&self, h: f64) -> bool {
        h >= self.min_child_weight && h > 0.0
    }

    /// The plain gains (no monotone bounds) of the splits whose left sums
    /// are `g[k]`, `h[k]`: `score(left) + score(right) - parent`, the same
    /// operations as [`SplitParams::score`] for every allowed child (one
    /// with `h > 0`). Without a branch per threshold, so the divisions
    /// vectorize; `None` when `max_delta_step` needs the per-split path.
    pub fn plain_gains(
        &self,
        total: BinStat,
        parent: f64,
        g: &[f64],
        h: &[f64],
        out: &mut [f64],
    ) -> Option<()> {
        if self.max_delta_step != 0.0 {
            return None;
        }
        let (alpha, lambda) = (self.alpha, self.lambda);
        // `shrunk` as selects: the soft threshold without a branch.
        let shrunk = |g: f64| {
            let down = if g > alpha { g - alpha } else { 0.0 };
            if g < -alpha {
                g + alpha
            } else {
                down
            }
        };
        for ((o, &lg), &lh) in out.iter_mut().zip(g).zip(h) {
            let (sl, sr) = (shrunk(lg), shrunk(total.g - lg));
            *o = sl * sl / (lh + lambda) + sr * sr / ((total.h - lh) + lambda) - parent;
        }
        Some(())
    }

    /// True when a split with this loss change is worth making.
    pub fn gain_ok(&self, gain: f64) -> bool {
        gain > 1e-6 && gain >= self.gamma
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp() -> SplitParams {
        SplitParams {
            lambda: 1.0,
            alpha: 0.0,
            gamma: 0.0,
            min_child_weight: 1.0,
            max_delta_step: 0.0,
            learning_rate: 0.5,
        }
    }

    #[test]
    fn newton_weight_and_score() {
        let s = BinStat { g: -4.0, h: 3.0 };
        assert_eq!(sp().weight(s), 1.0);
        assert_eq!(sp().leaf_value(s), 0.5);
        assert_eq!(sp().score(s), 4.0);
    }

    #[test]
    fn l1_and_delta_step() {
        let p = SplitParams { alpha: 1.0, ..sp() };
        assert_eq!(p.weight(BinStat { g: -4.0, h: 2.0 }), 1.0);
        assert_eq!(p.weight(BinStat { g: 0.5, h: 2.0 }), 0.0);
        let p = SplitParams {
            max_delta_step: 0.5,
            ..sp()
        };
        let s = BinStat { g: -4.0, h: 3.0 };
        assert_eq!(p.weight(s), 0.5);
        // Score at the clipped weight: -(2 g w + (h + l) w^2) = 4 - 1 = 3.
        assert_eq!(p.score(s), 3.0);
    }
}
