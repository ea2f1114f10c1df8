//! Early stopping: tracks the best round of one metric and says when the
//! patience has run out.

use crate::metric::Metric;

/// Tracks the early-stopping metric (the last metric on the last validation
/// set). Rounds are absolute: a continued model counts on from its last.
#[derive(Debug, Clone)]
pub(super) struct EarlyStopping {
    rounds: Option<usize>,
    higher_is_better: bool,
    best: Option<(usize, f64)>,
}

impl EarlyStopping {
    /// Stops after `rounds` rounds without a new best (`None`: never).
    pub fn new(rounds: Option<usize>, metric: Option<Metric>) -> Self {
        EarlyStopping {
            rounds,
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

    /// True once `rounds` rounds have passed since the best one.
    pub fn should_stop(&self, round: usize) -> bool {
        match (self.rounds, self.best) {
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
        let mut s = EarlyStopping::new(Some(2), Some(Metric::Rmse));
        assert!(s.observe(0, Some(3.0)));
        assert!(!s.observe(1, Some(f64::NAN)));
        assert!(s.observe(2, Some(2.0)));
        assert!(!s.observe(3, Some(2.5)));
        assert!(!s.should_stop(3));
        assert!(!s.observe(4, Some(2.0)));
        assert!(s.should_stop(4));
        assert_eq!(s.best_round(), Some(2));
    }

    #[test]
    fn higher_is_better_for_auc_and_never_stops_without_patience() {
        let mut s = EarlyStopping::new(None, Some(Metric::Auc));
        assert!(s.observe(0, Some(0.6)));
        assert!(s.observe(1, Some(0.7)));
        assert!(!s.observe(2, Some(0.65)));
        assert!(!s.should_stop(100));
        assert_eq!(s.best_round(), Some(1));
    }
}
