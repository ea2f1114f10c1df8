//! The allowed range of every parameter, and the values that depend on
//! another parameter (threads, max_delta_step, metrics).

use crate::error::{Error, Result};
use crate::metric::{Metric, QuantileAlphas, TweediePower};

use super::{GrowPolicy, Params};

fn invalid(name: &'static str, value: impl ToString, allowed: &str) -> Error {
    Error::InvalidParam {
        name,
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}

fn check_range(name: &'static str, v: f64, ok: bool, allowed: &str) -> Result<()> {
    if ok && v.is_finite() {
        Ok(())
    } else {
        Err(invalid(name, v, allowed))
    }
}

impl Params {
    /// Checks every parameter; the error names the first one out of range.
    pub fn check(&self) -> Result<()> {
        self.check_tree_shape()?;
        self.check_regularisation()?;
        self.check_objective()
    }

    /// Rounds, bins, depth and leaves.
    fn check_tree_shape(&self) -> Result<()> {
        let lr = self.learning_rate;
        check_range("learning_rate", lr, lr > 0.0, "> 0")?;
        if self.num_rounds == 0 {
            return Err(invalid("num_rounds", 0, ">= 1"));
        }
        if !(2..=65535).contains(&self.max_bin) {
            return Err(invalid("max_bin", self.max_bin, "in 2..=65535"));
        }
        if self.max_depth > 64 {
            return Err(invalid(
                "max_depth",
                self.max_depth,
                "in 0..=64 (0: no limit)",
            ));
        }
        if self.max_leaves == 1 {
            return Err(invalid("max_leaves", 1, "0 (no limit) or >= 2"));
        }
        if self.max_depth == 0 && self.max_leaves == 0 {
            return Err(invalid(
                "max_depth",
                0,
                ">= 1 when max_leaves is 0 (no limit at all would grow trees to single rows)",
            ));
        }
        if self.grow_policy == GrowPolicy::DepthWise && self.max_depth == 0 {
            return Err(invalid(
                "max_depth",
                0,
                ">= 1 for the depthwise grow policy",
            ));
        }
        Ok(())
    }

    /// Regularisation, sampling, threads and stopping.
    fn check_regularisation(&self) -> Result<()> {
        check_range("lambda", self.lambda, self.lambda >= 0.0, ">= 0")?;
        check_range("alpha", self.alpha, self.alpha >= 0.0, ">= 0")?;
        check_range("gamma", self.gamma, self.gamma >= 0.0, ">= 0")?;
        let mcw = self.min_child_weight;
        check_range("min_child_weight", mcw, mcw >= 0.0, ">= 0")?;
        if let Some(m) = self.max_delta_step {
            check_range("max_delta_step", m, m >= 0.0, ">= 0 (0: no limit)")?;
        }
        for (name, v) in [
            ("subsample", self.subsample),
            ("colsample_bytree", self.colsample_bytree),
            ("colsample_bynode", self.colsample_bynode),
        ] {
            check_range(name, v, v > 0.0 && v <= 1.0, "in (0, 1]")?;
        }
        if self.threads == Some(0) {
            return Err(invalid(
                "threads",
                0,
                ">= 1 (or unset for all available cores)",
            ));
        }
        check_range("cat_l2", self.cat_l2, self.cat_l2 >= 0.0, ">= 0")?;
        let smooth = self.cat_smooth;
        check_range("cat_smooth", smooth, smooth >= 0.0, ">= 0")?;
        if self.max_cat_threshold == 0 {
            return Err(invalid("max_cat_threshold", 0, ">= 1"));
        }
        if !(2..=127).contains(&self.num_grad_quant_bins) {
            let n = self.num_grad_quant_bins;
            return Err(invalid("num_grad_quant_bins", n, "in 2..=127"));
        }
        if self.early_stopping_rounds == Some(0) {
            return Err(invalid("early_stopping_rounds", 0, ">= 1 (or unset)"));
        }
        Ok(())
    }

    /// What depends on the objective, and the constraints.
    fn check_objective(&self) -> Result<()> {
        if let Some(b) = self.base_score {
            check_range("base_score", b, true, "a finite number")?;
            self.objective.check_base_score(b)?;
        }
        let hs = self.huber_slope;
        check_range("huber_slope", hs, hs > 0.0, "> 0")?;
        if let Some(&v) = self
            .monotone_constraints
            .iter()
            .find(|v| !(-1..=1).contains(*v))
        {
            return Err(invalid(
                "monotone_constraints",
                v,
                "-1, 0 or 1 for each feature",
            ));
        }
        if self.interaction_constraints.iter().any(Vec::is_empty) {
            return Err(invalid(
                "interaction_constraints",
                format!("{:?}", self.interaction_constraints),
                "non-empty sets of feature indexes",
            ));
        }
        let rho = self.tweedie_variance_power;
        check_range(
            "tweedie_variance_power",
            rho,
            rho > 1.0 && rho < 2.0,
            "in (1, 2)",
        )?;
        crate::objective::check_alphas(&self.quantile_alpha)?;
        if self.lambdarank_truncation_level == 0 {
            return Err(invalid("lambdarank_truncation_level", 0, ">= 1"));
        }
        if self.objective.is_multiclass() && self.num_class == 1 {
            return Err(invalid("num_class", 1, ">= 2 (or 0 to infer from labels)"));
        }
        Ok(())
    }

    /// `max_delta_step` with the objective's default filled in.
    pub fn resolved_max_delta_step(&self) -> f64 {
        self.max_delta_step
            .unwrap_or_else(|| self.objective.default_max_delta_step())
    }

    /// The metrics to evaluate: the configured ones or
    /// [`Params::default_metrics`], through [`Params::resolve_metrics`].
    ///
    /// ```
    /// use gbdt_core::{Metric, Objective, Params};
    /// let mut p = Params { objective: Objective::RankNdcg, ..Params::default() };
    /// p.set("eval_at", "1,3")?;
    /// assert_eq!(p.resolved_metrics(), [Metric::Ndcg(1), Metric::Ndcg(3)]);
    /// p.set("metric", "map,ndcg@10")?;
    /// assert_eq!(p.resolved_metrics(), [Metric::Map(1), Metric::Map(3), Metric::Ndcg(10)]);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn resolved_metrics(&self) -> Vec<Metric> {
        if self.eval_metrics.is_empty() {
            self.default_metrics()
        } else {
            self.resolve_metrics(&self.eval_metrics)
        }
    }

    /// `metrics` with what their names leave out filled in from these
    /// parameters: the `quantile` metric at `quantile_alpha`, and a bare
    /// `ndcg` or `map` as one metric per `eval_at` cutoff (LightGBM's `ndcg`
    /// with `eval_at`). For the configured metrics and for metrics named on
    /// a command line to score a model with these parameters.
    ///
    /// ```
    /// use gbdt_core::{Metric, Params, QuantileAlphas};
    /// let p = Params { quantile_alpha: vec![0.1, 0.9], ..Params::default() };
    /// let named: Metric = "quantile".parse()?;
    /// assert_eq!(p.resolve_metrics(&[named]), [Metric::Quantile(QuantileAlphas::new(&[0.1, 0.9]))]);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn resolve_metrics(&self, metrics: &[Metric]) -> Vec<Metric> {
        let alphas = QuantileAlphas::new(&self.quantile_alpha);
        let at = |make: fn(u32) -> Metric| -> Vec<Metric> {
            self.eval_at.iter().map(|&k| make(k as u32)).collect()
        };
        metrics
            .iter()
            .flat_map(|&m| match m {
                Metric::Quantile(_) => vec![Metric::Quantile(alphas)],
                Metric::Ndcg(0) if !self.eval_at.is_empty() => at(Metric::Ndcg),
                Metric::Map(0) if !self.eval_at.is_empty() => at(Metric::Map),
                other => vec![other],
            })
            .collect()
    }

    /// [`Objective::default_metrics`](crate::Objective::default_metrics),
    /// with the Tweedie metric at `tweedie_variance_power` (as XGBoost
    /// names it: `tweedie-nloglik@1.2` when training with power 1.2).
    ///
    /// ```
    /// use gbdt_core::{Objective, Params};
    /// let p = Params { objective: Objective::Tweedie, tweedie_variance_power: 1.2, ..Params::default() };
    /// assert_eq!(p.default_metrics()[0].name(), "tweedie-nloglik@1.2");
    /// ```
    pub fn default_metrics(&self) -> Vec<Metric> {
        if self.objective.is_ranking() {
            return self.resolve_metrics(&[Metric::Ndcg(0)]);
        }
        let power = TweediePower::new(self.tweedie_variance_power);
        let metrics: Vec<Metric> = (self.objective.default_metrics().iter())
            .map(|&m| match (m, power) {
                (Metric::TweedieNLogLik(_), Some(rho)) => Metric::TweedieNLogLik(rho),
                _ => m,
            })
            .collect();
        self.resolve_metrics(&metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::Objective;

    fn err_of(p: Params) -> String {
        p.check().unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_valid_and_match_xgboost() {
        let p = Params::default();
        p.check().unwrap();
        assert_eq!((p.max_depth, p.max_bin, p.learning_rate), (6, 256, 0.3));
    }

    #[test]
    fn each_invalid_parameter_is_named() {
        let d = Params::default;
        let cases: Vec<(Params, &str)> = vec![
            (
                Params {
                    learning_rate: 0.0,
                    ..d()
                },
                "learning_rate",
            ),
            (
                Params {
                    learning_rate: f64::NAN,
                    ..d()
                },
                "learning_rate",
            ),
            (
                Params {
                    num_rounds: 0,
                    ..d()
                },
                "num_rounds",
            ),
            (Params { max_bin: 1, ..d() }, "max_bin"),
            (
                Params {
                    max_bin: 70000,
                    ..d()
                },
                "max_bin",
            ),
            (
                Params {
                    max_depth: 65,
                    ..d()
                },
                "max_depth",
            ),
            (
                Params {
                    max_depth: 0,
                    ..d()
                },
                "max_depth",
            ),
            (
                Params {
                    max_leaves: 1,
                    ..d()
                },
                "max_leaves",
            ),
            (
                Params {
                    lambda: -1.0,
                    ..d()
                },
                "lambda",
            ),
            (Params { alpha: -1.0, ..d() }, "alpha"),
            (Params { gamma: -0.5, ..d() }, "gamma"),
            (
                Params {
                    min_child_weight: -1.0,
                    ..d()
                },
                "min_child_weight",
            ),
            (
                Params {
                    max_delta_step: Some(-1.0),
                    ..d()
                },
                "max_delta_step",
            ),
            (
                Params {
                    subsample: 0.0,
                    ..d()
                },
                "subsample",
            ),
            (
                Params {
                    colsample_bytree: 1.5,
                    ..d()
                },
                "colsample_bytree",
            ),
            (
                Params {
                    colsample_bynode: -0.1,
                    ..d()
                },
                "colsample_bynode",
            ),
            (
                Params {
                    threads: Some(0),
                    ..d()
                },
                "threads",
            ),
            (
                Params {
                    early_stopping_rounds: Some(0),
                    ..d()
                },
                "early_stopping_rounds",
            ),
            (
                Params {
                    huber_slope: 0.0,
                    ..d()
                },
                "huber_slope",
            ),
            (
                Params {
                    tweedie_variance_power: 1.0,
                    ..d()
                },
                "tweedie_variance_power",
            ),
            (
                Params {
                    tweedie_variance_power: 2.0,
                    ..d()
                },
                "tweedie_variance_power",
            ),
            (
                Params {
                    objective: Objective::Gamma,
                    base_score: Some(0.0),
                    ..d()
                },
                "base_score",
            ),
            (
                Params {
                    base_score: Some(f64::INFINITY),
                    ..d()
                },
                "base_score",
            ),
            (
                Params {
                    objective: Objective::Logistic,
                    base_score: Some(1.5),
                    ..d()
                },
                "base_score",
            ),
            (
                Params {
                    objective: Objective::Softmax,
                    num_class: 1,
                    ..d()
                },
                "num_class",
            ),
            (
                Params {
                    monotone_constraints: vec![1, 2, 0],
                    ..d()
                },
                "monotone_constraints",
            ),
            (
                Params {
                    interaction_constraints: vec![vec![0, 1], vec![]],
                    ..d()
                },
                "interaction_constraints",
            ),
        ];
        for (p, name) in cases {
            let msg = err_of(p.clone());
            assert!(msg.contains(name), "{msg} should name {name}");
            // The name is a declared parameter, so front ends can map it to a flag.
            let Err(Error::InvalidParam { name: reported, .. }) = p.check() else {
                panic!("{msg} is not an InvalidParam")
            };
            assert_eq!(Params::lookup(reported).map(|d| d.name()), Some(reported));
        }
    }

    #[test]
    fn lossguide_without_depth_limit_needs_leaves() {
        let p = Params {
            grow_policy: GrowPolicy::LossGuide,
            max_depth: 0,
            max_leaves: 31,
            ..Params::default()
        };
        p.check().unwrap();
        let p = Params { max_leaves: 0, ..p };
        assert!(err_of(p).contains("max_depth"));
    }

    #[test]
    fn tweedie_metrics_follow_the_variance_power() {
        let p = Params {
            objective: Objective::Tweedie,
            tweedie_variance_power: 1.3,
            ..Params::default()
        };
        p.check().unwrap();
        let rho = TweediePower::new(1.3).unwrap();
        assert_eq!(p.resolved_metrics(), [Metric::TweedieNLogLik(rho)]);
        let chosen = Params {
            eval_metrics: vec![Metric::Mape],
            ..p.clone()
        };
        assert_eq!(chosen.resolved_metrics(), [Metric::Mape]);
        let gamma = Params {
            objective: Objective::Gamma,
            ..p
        };
        assert_eq!(gamma.resolved_metrics(), [Metric::GammaNLogLik]);
    }
}
