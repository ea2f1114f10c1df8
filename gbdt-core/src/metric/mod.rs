//! Evaluation metrics on transformed predictions (probabilities, means).
//! One file per metric; this file names them and dispatches.

mod auc;
mod classification;
mod gamma;
mod quantile;
pub(crate) mod ranking;
mod regression;
mod tweedie;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use quantile::QuantileAlphas;
pub use tweedie::TweediePower;

/// An evaluation metric. Names follow XGBoost; LightGBM's parse too.
///
/// The Tweedie metric carries its variance power, as XGBoost's name does:
/// `tweedie-nloglik@1.5` parses to `TweedieNLogLik(1.5)` and prints back
/// the same (a bare `tweedie-nloglik` is not accepted: the power matters).
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
    // New variants go last: model files store the variant's index.
    /// Tweedie negative log-likelihood at a variance power
    /// (`tweedie-nloglik@1.5`).
    #[serde(rename = "tweedie-nloglik")]
    TweedieNLogLik(TweediePower),
    /// Gamma negative log-likelihood (`gamma-nloglik`, LightGBM `gamma`).
    #[serde(rename = "gamma-nloglik")]
    GammaNLogLik,
    /// Mean gamma unit deviance (`gamma-deviance`, LightGBM `gamma_deviance`).
    #[serde(rename = "gamma-deviance")]
    GammaDeviance,
    /// Mean absolute percentage error with labels floored at 1 (`mape`).
    #[serde(rename = "mape")]
    Mape,
    /// Mean pinball loss over the quantile levels, one per output
    /// (`quantile`); the bare name gets the model's `quantile_alpha` from
    /// [`Params::resolved_metrics`](crate::Params::resolved_metrics).
    #[serde(rename = "quantile")]
    Quantile(QuantileAlphas),
    /// Normalised discounted cumulative gain of the top `k` documents of
    /// each query group, averaged over queries (`ndcg@k`; higher is better).
    /// A bare `ndcg` (`k = 0`) stands for every `eval_at` cutoff in
    /// [`Params`](crate::Params), as LightGBM's `ndcg` does.
    #[serde(rename = "ndcg")]
    Ndcg(u32),
    /// Mean average precision of the top `k` documents of each query group
    /// (`map@k`; labels > 0 are relevant); a bare `map` as `ndcg`.
    #[serde(rename = "map")]
    Map(u32),
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
    Metric::TweedieNLogLik(TweediePower::DEFAULT),
    Metric::GammaNLogLik,
    Metric::GammaDeviance,
    Metric::Mape,
    Metric::Quantile(QuantileAlphas::MEDIAN),
    Metric::Ndcg(0),
    Metric::Map(0),
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
            "poisson" => "poisson-nloglik",
            "gamma" => "gamma-nloglik",
            "gamma_deviance" => "gamma-deviance",
            "mean_absolute_percentage_error" => "mape",
            other => other,
        };
        if let Some(rest) = alias.strip_prefix(tweedie::PREFIX.trim_end_matches('@')) {
            return parse_tweedie(s, rest);
        }
        for (prefix, make) in [
            ("ndcg", Metric::Ndcg as fn(u32) -> Metric),
            ("map", Metric::Map),
        ] {
            let rest = alias.strip_prefix(prefix);
            if let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('@')) {
                return ranking::parse_cutoff(rest)
                    .map(make)
                    .ok_or_else(|| Error::UnknownName {
                        kind: "metric",
                        name: s.to_string(),
                        known: format!("{prefix}@<k> with a whole k >= 1, or {prefix}"),
                    });
            }
        }
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

/// `tweedie-nloglik@<rho>` with `rho` in (1, 2); `rest` follows `tweedie-nloglik`.
fn parse_tweedie(name: &str, rest: &str) -> Result<Metric> {
    rest.strip_prefix('@')
        .and_then(|rho| rho.trim().parse().ok())
        .and_then(TweediePower::new)
        .map(Metric::TweedieNLogLik)
        .ok_or_else(|| Error::UnknownName {
            kind: "metric",
            name: name.to_string(),
            known: format!(
                "{}<rho> with 1 < rho < 2, e.g. tweedie-nloglik@1.5",
                tweedie::PREFIX
            ),
        })
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
            Metric::TweedieNLogLik(rho) => tweedie::name(rho),
            Metric::GammaNLogLik => "gamma-nloglik",
            Metric::GammaDeviance => "gamma-deviance",
            Metric::Mape => "mape",
            Metric::Quantile(_) => "quantile",
            Metric::Ndcg(k) => ranking::name("ndcg", k),
            Metric::Map(k) => ranking::name("map", k),
        }
    }

    /// True when larger values are better (AUC, NDCG, MAP).
    pub fn higher_is_better(self) -> bool {
        matches!(self, Metric::Auc | Metric::Ndcg(_) | Metric::Map(_))
    }

    /// True for metrics computed within query groups (`ndcg@k`, `map@k`).
    pub fn is_ranking(self) -> bool {
        matches!(self, Metric::Ndcg(_) | Metric::Map(_))
    }

    /// [`Metric::compute`] with query groups (boundaries as
    /// [`Dataset::groups`](crate::Dataset::groups) gives them): ranking
    /// metrics average over the groups (without groups the whole set is one
    /// query); other metrics ignore them.
    ///
    /// ```
    /// use gbdt_core::Metric;
    /// let labels = [1.0, 0.0, 0.0, 2.0];
    /// let scores = [0.9, 0.1, 0.8, 0.3];
    /// let groups = [0, 2, 4];
    /// let ndcg: Metric = "ndcg@1".parse()?;
    /// // Query 0 ranks its relevant document first, query 1 does not.
    /// assert_eq!(ndcg.compute_grouped(&labels, None, &scores, 1, Some(&groups)), 0.5);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn compute_grouped(
        self,
        labels: &[f32],
        weights: Option<&[f32]>,
        predictions: &[f64],
        k: usize,
        groups: Option<&[usize]>,
    ) -> f64 {
        let (kind, cutoff) = match self {
            Metric::Ndcg(c) => (ranking::RankMetric::Ndcg, c),
            Metric::Map(c) => (ranking::RankMetric::Map, c),
            other => return other.compute(labels, weights, predictions, k),
        };
        ranking::mean_over_queries(kind, cutoff as usize, labels, weights, predictions, groups)
    }

    /// Computes the metric.
    ///
    /// `predictions` holds transformed outputs row-major, `k` per row (k = 1
    /// except for multiclass, where they are class probabilities, and
    /// quantile regression, one per level).
    /// Outputs of `binary:logitraw` are margins: pass them through
    /// [`Objective::to_metric_space`](crate::Objective::to_metric_space) first.
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
            Metric::TweedieNLogLik(rho) => regression::mean(labels, &w, predictions, |y, p| {
                tweedie::nloglik(y, p, rho.get())
            }),
            Metric::GammaNLogLik => regression::mean(labels, &w, predictions, gamma::nloglik),
            Metric::GammaDeviance => regression::mean(labels, &w, predictions, gamma::deviance),
            Metric::Mape => regression::mean(labels, &w, predictions, regression::mape),
            Metric::Quantile(a) => quantile::mean_pinball(labels, &w, predictions, k, a),
            Metric::LogLoss => {
                regression::mean(labels, &w, predictions, classification::binary_logloss)
            }
            Metric::Error => regression::mean(labels, &w, predictions, |y, p| {
                ((p > 0.5) != (y > 0.5)) as u8 as f64
            }),
            Metric::Auc => auc::auc(labels, weights, predictions),
            Metric::MLogLoss => classification::mlogloss(labels, &w, predictions, k),
            Metric::MError => classification::merror(labels, &w, predictions, k),
            Metric::Ndcg(_) | Metric::Map(_) => {
                self.compute_grouped(labels, weights, predictions, k, None)
            }
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
        for (alias, m) in [
            ("gamma", Metric::GammaNLogLik),
            ("gamma_deviance", Metric::GammaDeviance),
            ("mean_absolute_percentage_error", Metric::Mape),
            ("poisson", Metric::PoissonNLogLik),
        ] {
            assert_eq!(alias.parse::<Metric>().unwrap(), m);
        }
    }

    #[test]
    fn ranking_names_carry_the_cutoff() {
        let m: Metric = "NDCG@5".parse().unwrap();
        assert_eq!((m, m.name()), (Metric::Ndcg(5), "ndcg@5"));
        assert_eq!("map@3".parse::<Metric>().unwrap(), Metric::Map(3));
        assert_eq!("ndcg".parse::<Metric>().unwrap(), Metric::Ndcg(0));
        for bad in ["ndcg@0", "ndcg@x", "map@"] {
            let e = bad.parse::<Metric>().unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains("whole k >= 1"), "{e}");
        }
        assert!(m.higher_is_better() && m.is_ranking() && !Metric::Auc.is_ranking());
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"ndcg":5}"#);
        assert_eq!(serde_json::from_str::<Metric>(&json).unwrap(), m);
    }

    #[test]
    fn tweedie_names_carry_the_power() {
        let m: Metric = "Tweedie-NLogLik@1.30".parse().unwrap();
        assert_eq!(m.name(), "tweedie-nloglik@1.3");
        assert_eq!(m.name().parse::<Metric>().unwrap(), m);
        assert_ne!(m, Metric::TweedieNLogLik(TweediePower::DEFAULT));
        for bad in ["tweedie-nloglik", "tweedie-nloglik@2", "tweedie-nloglik@x"] {
            let e = bad.parse::<Metric>().unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains("1 < rho < 2"), "{e}");
        }
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"tweedie-nloglik":1.3}"#);
        assert_eq!(serde_json::from_str::<Metric>(&json).unwrap(), m);
    }

    #[test]
    fn tweedie_gamma_and_mape_values() {
        let y = [2.0, 0.0];
        let p = [1.0, 0.5];
        let rho = TweediePower::new(1.5).unwrap();
        // Row 0: -2/(-0.5) + 1/0.5 = 6; row 1: 0.5^0.5 / 0.5.
        let want = (6.0 + 0.5f64.sqrt() / 0.5) / 2.0;
        let got = Metric::TweedieNLogLik(rho).compute(&y, None, &p, 1);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        let y = [2.0, 4.0];
        let p = [1.0, 4.0];
        let want = (2.0 + 1.0 + 4f64.ln()) / 2.0;
        assert!((Metric::GammaNLogLik.compute(&y, None, &p, 1) - want).abs() < 1e-12);
        let want = 2.0 * (2.0 - 2f64.ln() - 1.0) / 2.0;
        assert!((Metric::GammaDeviance.compute(&y, None, &p, 1) - want).abs() < 1e-8);
        let v = Metric::Mape.compute(&[0.5, 10.0], Some(&[1.0, 3.0]), &[0.0, 8.0], 1);
        assert!((v - (0.5 + 3.0 * 0.2) / 4.0).abs() < 1e-12);
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
