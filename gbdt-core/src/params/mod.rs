//! Training parameters, declared once: the list below is the struct, its
//! defaults (XGBoost's where both peers have one), the names a parameter is
//! known by (XGBoost's and LightGBM's spellings), and a setter from text for
//! configuration files and command lines. `check.rs` holds the ranges.

#[macro_use]
mod declare;
pub(crate) mod by_name;
mod check;
mod grow_policy;
mod spec;
mod value;

use serde::{Deserialize, Serialize};

use crate::metric::Metric;
use crate::objective::{MulticlassHessian, Objective};

pub use by_name::ParamsByName;
pub use grow_policy::GrowPolicy;
pub use spec::{Param, ValueKind};

declare_params! {
    /// Training parameters. Build with [`Params::default`] and change fields,
    /// or set them by name from text with [`Params::set`];
    /// [`Params::check`] (called by training) rejects values out of range.
    /// [`Params::all`] lists every parameter with its names and doc.
    ///
    /// ```
    /// use gbdt_core::{Objective, Params};
    /// let params = Params { objective: Objective::Logistic, num_rounds: 50, ..Params::default() };
    /// assert!(params.check().is_ok());
    /// let bad = Params { learning_rate: -1.0, ..Params::default() };
    /// assert!(bad.check().unwrap_err().to_string().contains("learning_rate"));
    ///
    /// let mut p = Params::default();
    /// p.set("eta", "0.1")?; // XGBoost's name for learning_rate
    /// p.set("num_leaves", "31")?; // LightGBM's name for max_leaves
    /// assert_eq!((p.learning_rate, p.max_leaves), (0.1, 31));
    /// assert!(p.set("learning_rat", "0.1").unwrap_err().to_string().contains("learning_rate"));
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    pub struct Params {
        /// The loss: reg:squarederror, binary:logistic, binary:logitraw, multi:softprob,
        /// count:poisson, reg:tweedie, reg:gamma, reg:pseudohubererror, reg:absoluteerror,
        /// reg:quantileerror, rank:ndcg or rank:pairwise (LightGBM names work too).
        #[param(flag = "objective", aliases = ["objective_type", "application", "app", "loss"])]
        pub objective: Objective = Objective::SquaredError,
        /// Number of classes for multiclass objectives; 0 infers `max label + 1`.
        #[param(aliases = ["num_classes"])]
        pub num_class: usize = 0,
        /// Boosting rounds.
        #[param(flag = "rounds", aliases = [
            "num_boost_round", "n_estimators", "num_iterations", "num_iteration", "n_iter",
            "num_round", "nrounds", "num_tree", "num_trees", "max_iter",
        ])]
        pub num_rounds: usize = 100,
        /// Shrinkage of every tree's leaf values (XGBoost's eta).
        #[param(flag = "learning-rate", aliases = ["eta", "shrinkage_rate"])]
        pub learning_rate: f64 = 0.3,
        /// depthwise (XGBoost) or lossguide (LightGBM's leaf-wise).
        #[param(flag = "grow-policy", aliases = [])]
        pub grow_policy: GrowPolicy = GrowPolicy::DepthWise,
        /// Maximum tree depth, 0 for none (lossguide only).
        #[param(flag = "max-depth", aliases = [])]
        pub max_depth: usize = 6,
        /// Maximum leaves per tree, 0 for none.
        #[param(flag = "max-leaves", aliases = ["num_leaves", "num_leaf", "max_leaf", "max_leaf_nodes"])]
        pub max_leaves: usize = 0,
        /// Histogram bins per feature, the missing-value bin included, 2..=65535.
        #[param(flag = "max-bin", aliases = ["max_bins"])]
        pub max_bin: usize = 256,
        /// L2 regularisation of leaf weights.
        #[param(flag = "lambda", aliases = ["reg_lambda", "lambda_l2", "l2_regularization"])]
        pub lambda: f64 = 1.0,
        /// L1 regularisation of leaf weights.
        #[param(flag = "alpha", aliases = ["reg_alpha", "lambda_l1", "l1_regularization"])]
        pub alpha: f64 = 0.0,
        /// Minimum loss reduction to make a split.
        #[param(flag = "gamma", aliases = ["min_split_loss", "min_gain_to_split", "min_split_gain"])]
        pub gamma: f64 = 0.0,
        /// Minimum sum of hessians in a child.
        #[param(flag = "min-child-weight", aliases = [
            "min_sum_hessian_in_leaf", "min_sum_hessian_per_leaf", "min_sum_hessian", "min_hessian",
        ])]
        pub min_child_weight: f64 = 1.0,
        /// Largest absolute leaf weight before shrinkage, 0 for none.
        #[param(flag = "max-delta-step", aliases = ["max_tree_output", "max_leaf_output"],
                unset = "0; 0.7 for count:poisson")]
        pub max_delta_step: Option<f64> = None,
        /// Fraction of rows sampled for each tree.
        #[param(flag = "subsample", aliases = ["bagging_fraction", "sub_row", "bagging"])]
        pub subsample: f64 = 1.0,
        /// Fraction of features sampled for each tree.
        #[param(flag = "colsample-bytree", aliases = ["feature_fraction", "sub_feature"])]
        pub colsample_bytree: f64 = 1.0,
        /// Fraction of the tree's features sampled for each split.
        #[param(flag = "colsample-bynode", aliases = ["feature_fraction_bynode", "sub_feature_bynode"])]
        pub colsample_bynode: f64 = 1.0,
        /// Seed of row and feature sampling.
        #[param(flag = "seed", aliases = ["random_state", "random_seed"])]
        pub seed: u64 = 0,
        /// Worker threads.
        #[param(flag = "threads", aliases = ["nthread", "nthreads", "num_threads", "num_thread", "n_jobs"],
                unset = "the CPUs available, container quota included")]
        pub threads: Option<usize> = None,
        /// Initial prediction, in output space (a probability for binary:logistic).
        #[param(flag = "base-score", aliases = [], unset = "estimated from the labels")]
        pub base_score: Option<f64> = None,
        /// Stop when the last metric on the last validation set has not
        /// improved for this many rounds.
        #[param(flag = "early-stopping-rounds",
                aliases = ["early_stopping_round", "early_stopping", "n_iter_no_change"],
                unset = "off")]
        pub early_stopping_rounds: Option<usize> = None,
        /// Metrics computed on every validation set (comma-separated): rmse, mae,
        /// logloss, auc, error, mlogloss, merror, poisson-nloglik, tweedie-nloglik@RHO,
        /// gamma-nloglik, gamma-deviance, mape, quantile, ndcg@K, map@K (bare ndcg or map: at
        /// every eval_at).
        #[param(flag = "eval-metric", aliases = ["metric", "metrics", "metric_types"],
                unset = "from the objective")]
        pub eval_metrics: Vec<Metric> = Vec::new(),
        /// The variance power of reg:tweedie, in (1, 2): near 1 Poisson-like, near 2 gamma-like.
        #[param(flag = "tweedie-variance-power", aliases = [])]
        pub tweedie_variance_power: f64 = 1.5,
        /// The delta of the pseudo-Huber loss.
        #[param(flag = "huber-slope", aliases = [])]
        pub huber_slope: f64 = 1.0,
        /// multi:softprob's hessian, factor · p(1 − p): lightgbm (k/(k − 1))
        /// or xgboost (2). LightGBM's takes larger steps (lower held-out
        /// mlogloss at equal rounds); XGBoost's smaller ones need more rounds.
        #[param(flag = "multiclass-hessian", aliases = [])]
        pub multiclass_hessian: MulticlassHessian = MulticlassHessian::LightGbm,
        /// Monotone constraint of each feature by position: 1 increasing, -1
        /// decreasing, 0 none; "(1,0,-1)" (XGBoost's tuple) or "1,0,-1".
        #[param(flag = "monotone", aliases = ["monotone_constraint", "mc"], unset = "none")]
        pub monotone_constraints: Vec<i8> = Vec::new(),
        /// Sets of feature indexes allowed to interact, XGBoost's
        /// `[[0,1],[2,3,4]]`: a node may split on a feature only if some set
        /// holds it and every feature split on from the root to the node. The
        /// root may split on any feature; a feature in no set may split a
        /// root, whose children then stay leaves.
        #[param(flag = "interactions", aliases = [], unset = "none")]
        pub interaction_constraints: Vec<Vec<usize>> = Vec::new(),
        /// Categorical features with at most this many categories split one
        /// category against the rest; more use the sorted-prefix search.
        #[param(flag = "max-cat-to-onehot", aliases = ["max_cat_to_one_hot"])]
        pub max_cat_to_onehot: usize = 4,
        /// At most this many categories on the smaller side of a categorical split.
        #[param(flag = "max-cat-threshold", aliases = [])]
        pub max_cat_threshold: usize = 32,
        /// Extra L2 regularisation of categorical splits (sorted-prefix search only).
        #[param(flag = "cat-l2", aliases = [])]
        pub cat_l2: f64 = 10.0,
        /// Smoothing of the ratio categories are sorted by, sum_gradient /
        /// (sum_hessian + cat_smooth); categories with fewer (estimated) rows
        /// than this in a node are left out of its sorted search and follow
        /// the missing-value direction.
        #[param(flag = "cat-smooth", aliases = [])]
        pub cat_smooth: f64 = 10.0,
        /// Sorted search: a prefix is scored only after each further group of
        /// this many (estimated) rows, and the other side keeps at least as many.
        #[param(flag = "min-data-per-group", aliases = [])]
        pub min_data_per_group: usize = 100,
        /// The quantile levels of reg:quantileerror, strictly ascending in
        /// (0, 1), comma-separated: one model output per level.
        #[param(flag = "quantile-alpha", aliases = [])]
        pub quantile_alpha: Vec<f64> = vec![0.5],
        /// Ranking cutoffs: ranking objectives report ndcg@K for each K, and
        /// a bare ndcg or map metric stands for every K (LightGBM's eval_at).
        #[param(flag = "eval-at", aliases = ["ndcg_eval_at", "ndcg_at", "map_eval_at", "map_at"])]
        pub eval_at: Vec<usize> = vec![1, 2, 3, 4, 5],
        /// rank:ndcg: only pairs whose better-placed document is among this
        /// many top positions contribute (LightGBM's default 30).
        #[param(flag = "lambdarank-truncation-level", aliases = ["lambdarank_pair_truncation"])]
        pub lambdarank_truncation_level: usize = 30,
        /// Quantized training (LightGBM 4): each round's gradients and hessians become small
        /// integers by stochastic rounding (seeded per row), and histograms sum integers.
        #[param(flag = "use-quantized-grad", aliases = [])]
        pub use_quantized_grad: bool = false,
        /// Quantized training: levels of the gradient scale (gradients in -bins/2..=bins/2,
        /// hessians in 0..=bins), 2..=127.
        #[param(flag = "num-grad-quant-bins", aliases = [])]
        pub num_grad_quant_bins: usize = 4,
        /// Quantized training: leaf values recomputed from the exact gradients.
        #[param(flag = "quant-train-renew-leaf", aliases = [])]
        pub quant_train_renew_leaf: bool = true,
    }
}
