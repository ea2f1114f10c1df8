//! The per-round statistics of `gbdt cv`: for every (set, metric) column
//! the mean and the population standard deviation over the folds (as
//! `xgboost.cv`), and the best round by the mean of the watched metric,
//! which early stopping follows.

use gbdt_core::{EarlyStopping, EvalResult, Metric};

/// One column of the table: a metric on one set (`valid` or `train`).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// `valid` (the held-out folds) or `train` (the folds' training rows).
    pub set: String,
    pub metric: Metric,
}

impl Column {
    /// `valid-auc`.
    pub fn name(&self) -> String {
        format!("{}-{}", self.set, self.metric)
    }
}

/// The mean and standard deviation of every column, round after round.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The columns, in the order the boosters report them.
    pub columns: Vec<Column>,
    /// Per round, per column.
    pub mean: Vec<Vec<f64>>,
    /// Per round, per column: population standard deviation.
    pub std: Vec<Vec<f64>>,
    /// The best round so far by the watched column's mean.
    stopper: EarlyStopping,
}

/// Mean and population standard deviation of `values`, summed in order
/// (so the same values give the same bits).
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

impl History {
    /// Adds a round from each fold's results (the same columns in the same
    /// order in every fold).
    pub fn push(&mut self, per_fold: &[Vec<EvalResult>]) {
        if self.columns.is_empty() {
            self.columns = per_fold[0]
                .iter()
                .map(|r| Column {
                    set: r.dataset.clone(),
                    metric: r.metric,
                })
                .collect();
            let watched = self.columns.get(self.watched()).map(|c| c.metric);
            self.stopper = EarlyStopping::new(watched);
        }
        let (mut means, mut stds) = (Vec::new(), Vec::new());
        for c in 0..self.columns.len() {
            let values: Vec<f64> = per_fold.iter().map(|f| f[c].value).collect();
            let (m, s) = mean_std(&values);
            means.push(m);
            stds.push(s);
        }
        self.mean.push(means);
        self.std.push(stds);
        self.observe();
    }

    /// The column early stopping and the best round follow: the last
    /// (the last metric on the held-out folds), as in `gbdt train`.
    pub fn watched(&self) -> usize {
        self.columns.len().saturating_sub(1)
    }

    /// Rounds so far.
    pub fn rounds(&self) -> usize {
        self.mean.len()
    }

    /// Records the last round's watched mean: a new best when strictly
    /// better (NaN never is).
    fn observe(&mut self) {
        let round = self.rounds() - 1;
        let value = self.mean[round].get(self.watched()).copied();
        self.stopper.observe(round, value);
    }

    /// The best round (0-based) by the watched column's mean.
    pub fn best(&self) -> Option<usize> {
        self.stopper.best_round()
    }

    /// True when `patience` rounds have passed since the best one.
    pub fn should_stop(&self, patience: Option<usize>) -> bool {
        let round = self.rounds().saturating_sub(1);
        self.stopper.should_stop(round, patience)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(values: &[(Metric, [f64; 3])]) -> Vec<Vec<EvalResult>> {
        (0..3)
            .map(|f| {
                values
                    .iter()
                    .map(|(m, v)| EvalResult {
                        dataset: "valid".into(),
                        metric: *m,
                        value: v[f],
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn population_std_as_numpy() {
        let (m, s) = mean_std(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert!((s - 1.118_033_988_749_895).abs() < 1e-15);
        assert_eq!(mean_std(&[0.5, 0.5]), (0.5, 0.0));
    }

    #[test]
    fn stops_on_the_mean_of_the_last_metric() {
        let mut h = History::default();
        let l = Metric::LogLoss;
        h.push(&round(&[(Metric::Auc, [0.5; 3]), (l, [0.75, 0.5, 0.25])]));
        h.push(&round(&[(Metric::Auc, [0.9; 3]), (l, [0.25; 3])]));
        // One fold better, the mean worse: not a new best.
        h.push(&round(&[(Metric::Auc, [0.9; 3]), (l, [0.0, 0.5, 0.5])]));
        assert_eq!(h.columns[h.watched()].name(), "valid-logloss");
        assert_eq!(h.best(), Some(1));
        assert!(h.should_stop(Some(1)) && !h.should_stop(Some(2)) && !h.should_stop(None));
        assert_eq!(h.mean[0], [0.5, 0.5]);
        assert_eq!(h.std[1], [0.0, 0.0]);
        h.push(&round(&[
            (Metric::Auc, [0.9; 3]),
            (l, [f64::NAN, 0.1, 0.1]),
        ]));
        assert_eq!(h.best(), Some(1), "NaN is never a best");
        assert!(h.std[3][1].is_nan());
    }

    #[test]
    fn higher_is_better_for_auc() {
        let mut h = History::default();
        h.push(&round(&[(Metric::Auc, [0.6; 3])]));
        h.push(&round(&[(Metric::Auc, [0.7; 3])]));
        h.push(&round(&[(Metric::Auc, [0.65; 3])]));
        assert_eq!(h.best(), Some(1));
    }
}
