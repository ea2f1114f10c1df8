//! Evaluation metrics on transformed predictions (probabilities, means).
//! One file per metric; this file names them and dispatches.

mod auc;
mod classification;
mod regression;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An evaluation metric. Names follow XGBoost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Metric {
    /// Root mean squared error.
    #[serde(rename = "rmse")]
    Rmse,
    /// Mean absolute error.
    #[serde(rename = "mae")]
    Mae,
    /// Binary negative log-likelihood.
    #[serde(rename = "logloss")]
    LogLoss,
    /// Area under the ROC curve.
    #[serde(rename = "auc")]
    Auc,
    /// Binary error rate at threshold 0.5.
    #[serde(rename = "error")]
    Error,
    /// Multiclass negative log-likelihood.
    #[serde(rename = "mlogloss")]
    MLogLoss,
    /// Multiclass error rate.
    #[serde(rename = "merror")]
    MError,
    /// Poisson negative log-likelihood.
    #[serde(rename = "poisson-nloglik")]
    PoissonNLogLik,
}

const ALL: &[Metric] = &[
    Metric::Rmse,
    Metric::Mae,
    Metric::LogLoss,
    Metric::Auc,
    Metric::Error,
    Metric::MLogLoss,
    Metric::MError,
    Metric::PoissonNLogLik,
];

impl std::str::FromStr for Metric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        let alias = match lower.as_str() {
            "l2" | "root_mean_squared_error" => "rmse",
            "l1" | "mean_absolute_error" => "mae",
            "binary_logloss" => "logloss",
            "binary_error" => "error",
            "multi_logloss" => "mlogloss",
            "multi_error" => "merror",
            other => other,
        };
        ALL.iter()
            .find(|m| m.name() == alias)
            .copied()
            .ok_or_else(|| Error::UnknownName {
                kind: "metric",
                name: s.to_string(),
                known: ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", "),
            })
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Metric {
    /// The XGBoost name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
            Metric::LogLoss => "logloss",
            Metric::Auc => "auc",
            Metric::Error => "error",
            Metric::MLogLoss => "mlogloss",
            Metric::MError => "merror",
            Metric::PoissonNLogLik => "poisson-nloglik",
        }
    }

    /// True when larger values are better (AUC).
    pub fn higher_is_better(self) -> bool {
        self == Metric::Auc
    }

    /// Computes the metric.
    ///
    /// `predictions` holds transformed outputs row-major, `k` per row (k = 1
    /// except for multiclass, where they are class probabilities).
    ///
    /// ```
    /// use gbdt_core::Metric;
    /// let auc = Metric::Auc.compute(&[0.0, 1.0, 1.0], None, &[0.2, 0.9, 0.7], 1);
    /// assert_eq!(auc, 1.0);
    /// ```
    pub fn compute(
        self,
        labels: &[f32],
        weights: Option<&[f32]>,
        predictions: &[f64],
        k: usize,
    ) -> f64 {
        let w = |i: usize| weights.map_or(1.0, |w| w[i] as f64);
        match self {
            Metric::Rmse => {
                regression::mean(labels, &w, predictions, |y, p| (p - y).powi(2)).sqrt()
            }
            Metric::Mae => regression::mean(labels, &w, predictions, |y, p| (p - y).abs()),
            Metric::PoissonNLogLik => {
                regression::mean(labels, &w, predictions, regression::poisson_nll)
            }
            Metric::LogLoss => {
                regression::mean(labels, &w, predictions, classification::binary_logloss)
            }
            Metric::Error => regression::mean(labels, &w, predictions, |y, p| {
                ((p > 0.5) != (y > 0.5)) as u8 as f64
            }),
            Metric::Auc => auc::auc(labels, weights, predictions),
            Metric::MLogLoss => classification::mlogloss(labels, &w, predictions, k),
            Metric::MError => classification::merror(labels, &w, predictions, k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in ALL {
            assert_eq!(m.name().parse::<Metric>().unwrap(), *m);
        }
        assert_eq!("binary_logloss".parse::<Metric>().unwrap(), Metric::LogLoss);
        assert!("accuracy?".parse::<Metric>().is_err());
    }

    #[test]
    fn regression_metrics() {
        let y = [1.0, 2.0, 3.0];
        let p = [1.0, 2.0, 5.0];
        assert!((Metric::Rmse.compute(&y, None, &p, 1) - (4.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((Metric::Mae.compute(&y, None, &p, 1) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(Metric::Mae.compute(&y, Some(&[1.0, 1.0, 0.0]), &p, 1), 0.0);
    }

    #[test]
    fn classification_metrics() {
        let y = [0.0, 1.0];
        let p = [0.2, 0.6];
        let ll = -(0.8f64.ln() + 0.6f64.ln()) / 2.0;
        assert!((Metric::LogLoss.compute(&y, None, &p, 1) - ll).abs() < 1e-12);
        assert_eq!(Metric::Error.compute(&y, None, &[0.7, 0.6], 1), 0.5);
        let probs = [0.7, 0.2, 0.1, 0.1, 0.3, 0.6];
        let ml = -(0.7f64.ln() + 0.6f64.ln()) / 2.0;
        assert!((Metric::MLogLoss.compute(&[0.0, 2.0], None, &probs, 3) - ml).abs() < 1e-12);
        assert_eq!(Metric::MError.compute(&[0.0, 1.0], None, &probs, 3), 0.5);
    }

    #[test]
    fn poisson_nll() {
        let v = Metric::PoissonNLogLik.compute(&[2.0], None, &[2.0], 1);
        let expect = 2.0 - 2.0 * 2f64.ln() + 2f64.ln(); // mu - y ln mu + ln(y!)
        assert!((v - expect).abs() < 1e-9, "{v} vs {expect}");
    }
}
