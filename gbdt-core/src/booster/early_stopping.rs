//! Early stopping: tracks the best round of one metric and says when a
//! patience has run out. `gbdt cv` follows the mean over its folds with it.

use crate::metric::Metric;

/// Tracks the best round of the early-stopping metric (for training, the
/// last metric on the last validation set). Rounds are absolute: a
/// continued model counts on from its last.
///
/// ```
/// use gbdt_core::{EarlyStopping, Metric};
/// let mut s = EarlyStopping::new(Some(Metric::Auc));
/// assert!(s.observe(0, Some(0.7)));
/// assert!(!s.observe(1, Some(0.6)));
/// assert_eq!(s.best_round(), Some(0));
/// assert!(s.should_stop(1, Some(1)) && !s.should_stop(1, Some(2)) && !s.should_stop(1, None));
/// ```
#[derive(Debug, Clone, Default)]
pub struct EarlyStopping {
    higher_is_better: bool,
    best: Option<(usize, f64)>,
}

impl EarlyStopping {
    /// A tracker of `metric` (lower is better without one).
    pub fn new(metric: Option<Metric>) -> Self {
        EarlyStopping {
            higher_is_better: metric.is_some_and(Metric::higher_is_better),
            best: None,
        }
    }

    /// Records a round's value; true when it is a new best. NaN and no value
    /// never are.
    pub fn observe(&mut self, round: usize, value: Option<f64>) -> bool {
        let Some(v) = value.filter(|v| !v.is_nan()) else {
            return false;
        };
        let better = match self.best {
            None => true,
            Some((_, b)) => {
                if self.higher_is_better {
                    v > b
                } else {
                    v < b
                }
            }
        };
        if better {
            self.best = Some((round, v));
        }
        better
    }

    /// The best round so far, if any round had a value.
    pub fn best_round(&self) -> Option<usize> {
        self.best.map(|(r, _)| r)
    }

    /// True when, at `round`, `patience` rounds have passed since the best
    /// one (`None`: never).
    pub fn should_stop(&self, round: usize, patience: Option<usize>) -> bool {
        match (patience, self.best) {
            (Some(n), Some((best, _))) => round >= best + n,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_after_patience_without_a_new_best() {
        let mut s = EarlyStopping::new(Some(Metric::Rmse));
        assert!(s.observe(0, Some(3.0)));
        assert!(!s.observe(1, Some(f64::NAN)));
        assert!(s.observe(2, Some(2.0)));
        assert!(!s.observe(3, Some(2.5)));
        assert!(!s.should_stop(3, Some(2)));
        assert!(!s.observe(4, Some(2.0)));
        assert!(s.should_stop(4, Some(2)));
        assert_eq!(s.best_round(), Some(2));
    }

    #[test]
    fn higher_is_better_for_auc_and_never_stops_without_patience() {
        let mut s = EarlyStopping::new(Some(Metric::Auc));
        assert!(s.observe(0, Some(0.6)));
        assert!(s.observe(1, Some(0.7)));
        assert!(!s.observe(2, Some(0.65)));
        assert!(!s.should_stop(100, None));
        assert_eq!(s.best_round(), Some(1));
    }
}
