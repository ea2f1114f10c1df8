//! Training parameters, their defaults (XGBoost's where both peers have one)
//! and their validation.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::objective::Objective;

/// How a tree grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum GrowPolicy {
    /// Split every node of a level before the next level (XGBoost's default).
    #[default]
    #[serde(rename = "depthwise")]
    DepthWise,
    /// Always split the leaf with the largest gain next (LightGBM's leaf-wise).
    #[serde(rename = "lossguide")]
    LossGuide,
}

impl std::str::FromStr for GrowPolicy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "depthwise" | "depth-wise" | "depth" => Ok(GrowPolicy::DepthWise),
            "lossguide" | "loss-guide" | "leafwise" | "leaf-wise" | "leaf" => {
                Ok(GrowPolicy::LossGuide)
            }
            _ => Err(Error::UnknownName {
                kind: "grow policy",
                name: s.to_string(),
                known: "depthwise, lossguide (alias leafwise)".to_string(),
            }),
        }
    }
}

/// Training parameters. Build with [`Params::default`] and change fields;
/// [`Params::check`] (called by training) rejects values out of range.
///
/// ```
/// use gbdt_core::{Objective, Params};
/// let params = Params { objective: Objective::Logistic, num_rounds: 50, ..Params::default() };
/// assert!(params.check().is_ok());
/// let bad = Params { learning_rate: -1.0, ..Params::default() };
/// assert!(bad.check().unwrap_err().to_string().contains("learning_rate"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Params {
    /// The loss to minimise.
    pub objective: Objective,
    /// Number of classes for multiclass objectives; 0 infers `max label + 1`.
    pub num_class: usize,
    /// Boosting rounds.
    pub num_rounds: usize,
    /// Shrinkage applied to every leaf value (XGBoost's `eta`).
    pub learning_rate: f64,
    /// Depth-wise or loss-guide growth.
    pub grow_policy: GrowPolicy,
    /// Maximum tree depth; 0 means no limit (loss-guide only).
    pub max_depth: usize,
    /// Maximum leaves per tree; 0 means no limit (depth-wise only).
    pub max_leaves: usize,
    /// Bins per feature, the missing-value bin included (2..=65535).
    pub max_bin: usize,
    /// L2 regularisation on leaf weights.
    pub lambda: f64,
    /// L1 regularisation on leaf weights.
    pub alpha: f64,
    /// Minimum loss reduction to make a split (`min_split_loss`).
    pub gamma: f64,
    /// Minimum sum of hessians in a child.
    pub min_child_weight: f64,
    /// Largest absolute leaf weight before shrinkage; 0 means no limit.
    /// `None` takes the objective's default (0.7 for Poisson, else 0).
    pub max_delta_step: Option<f64>,
    /// Fraction of rows sampled for each tree.
    pub subsample: f64,
    /// Fraction of features sampled for each tree.
    pub colsample_bytree: f64,
    /// Fraction of the tree's features sampled for each split.
    pub colsample_bynode: f64,
    /// Seed for row and feature sampling.
    pub seed: u64,
    /// Worker threads; `None` uses `std::thread::available_parallelism()`.
    pub threads: Option<usize>,
    /// Initial prediction (in output space); `None` estimates it from the labels.
    pub base_score: Option<f64>,
    /// Stop when the last metric on the last validation set has not improved
    /// for this many rounds.
    pub early_stopping_rounds: Option<usize>,
    /// Metrics computed on every validation set; empty takes the objective's default.
    pub eval_metrics: Vec<Metric>,
    /// The `delta` of the pseudo-Huber loss.
    pub huber_slope: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            objective: Objective::SquaredError,
            num_class: 0,
            num_rounds: 100,
            learning_rate: 0.3,
            grow_policy: GrowPolicy::DepthWise,
            max_depth: 6,
            max_leaves: 0,
            max_bin: 256,
            lambda: 1.0,
            alpha: 0.0,
            gamma: 0.0,
            min_child_weight: 1.0,
            max_delta_step: None,
            subsample: 1.0,
            colsample_bytree: 1.0,
            colsample_bynode: 1.0,
            seed: 0,
            threads: None,
            base_score: None,
            early_stopping_rounds: None,
            eval_metrics: Vec::new(),
            huber_slope: 1.0,
        }
    }
}

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
        if let Some(b) = self.base_score {
            check_range("base_score", b, true, "a finite number")?;
            self.objective.check_base_score(b)?;
        }
        if self.early_stopping_rounds == Some(0) {
            return Err(invalid("early_stopping_rounds", 0, ">= 1 (or unset)"));
        }
        let hs = self.huber_slope;
        check_range("huber_slope", hs, hs > 0.0, "> 0")?;
        if self.objective.is_multiclass() && self.num_class == 1 {
            return Err(invalid("num_class", 1, ">= 2 (or 0 to infer from labels)"));
        }
        Ok(())
    }

    /// The thread count to use: the explicit one, or every available core.
    pub fn resolved_threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// `max_delta_step` with the objective's default filled in.
    pub fn resolved_max_delta_step(&self) -> f64 {
        self.max_delta_step
            .unwrap_or_else(|| self.objective.default_max_delta_step())
    }

    /// The metrics to evaluate: the configured ones or the objective's default.
    pub fn resolved_metrics(&self) -> Vec<Metric> {
        if self.eval_metrics.is_empty() {
            vec![self.objective.default_metric()]
        } else {
            self.eval_metrics.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ];
        for (p, name) in cases {
            let msg = err_of(p);
            assert!(msg.contains(name), "{msg} should name {name}");
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
    fn grow_policy_names() {
        assert_eq!(
            "leafwise".parse::<GrowPolicy>().unwrap(),
            GrowPolicy::LossGuide
        );
        assert_eq!(
            "depthwise".parse::<GrowPolicy>().unwrap(),
            GrowPolicy::DepthWise
        );
        assert!("sideways".parse::<GrowPolicy>().is_err());
    }
}
