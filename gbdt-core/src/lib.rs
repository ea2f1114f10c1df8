//! # gbdt-core
//!
//! Histogram gradient-boosted decision trees in pure Rust: quantile binning,
//! parallel histograms with the subtraction trick, depth-wise and loss-guide
//! growth, learned missing-value directions, and fast batch prediction.
//!
//! The crate takes an ndarray view and plain slices; it knows nothing of
//! files. The same inputs, parameters and seed give the same model for any
//! thread count.
//!
//! ```
//! use gbdt_core::{train, Dataset, ImportanceType, Metric, Objective, Params};
//! use ndarray::Array2;
//!
//! // y = 1 when x0 + x1 > 1, with a few missing values.
//! let n = 2000;
//! let x = Array2::from_shape_fn((n, 3), |(i, j)| {
//!     if j == 2 && i % 10 == 0 { f32::NAN } else { ((i * 37 + j * 101) % 1000) as f32 / 1000.0 }
//! });
//! let y: Vec<f32> = (0..n).map(|i| (x[[i, 0]] + x[[i, 1]] > 1.0) as u8 as f32).collect();
//! let data = Dataset::new(x.view(), &y)?;
//!
//! let params = Params {
//!     objective: Objective::Logistic,
//!     num_rounds: 50,
//!     learning_rate: 0.3,
//!     eval_metrics: vec![Metric::Auc],
//!     ..Params::default()
//! };
//! let model = train(&params, &data, &[("train", &data)])?;
//! let p = model.predict(x.view())?;
//! assert!(Metric::Auc.compute(&y, None, p.as_slice().unwrap(), 1) > 0.99);
//! let gain = model.feature_importance(ImportanceType::Gain);
//! assert!(gain[0] > gain[2] && gain[1] > gain[2]);
//! # Ok::<(), gbdt_core::Error>(())
//! ```

#[doc(hidden)]
pub mod bench_api;
mod binning;
mod bitset;
mod booster;
mod categories;
mod collective;
mod dataset;
mod error;
mod exact_sum;
mod explain;
mod grower;
mod histogram;
mod metric;
mod model;
mod objective;
mod parallel;
mod params;
mod partition;
mod predict;
mod prefetch;
mod sampling;
pub mod serde_float;
mod split;
mod tree;

#[cfg(test)]
mod testutil;

pub use bitset::Bitset;
pub use booster::{train, Booster, EarlyStopping, RoundEval, RoundOutcome, Trainer};
pub use categories::{CategoricalFeature, Categories, MAX_CATEGORIES};
pub use collective::{agree_on, Collective, InProcess, Single};
pub use dataset::Dataset;
pub use error::{Error, Result};
pub use exact_sum::ExactSum;
pub use metric::{Metric, QuantileAlphas, TweediePower};
pub use model::{EvalResult, ImportanceType, Model, ModelWithParamsAs};
pub use objective::{MulticlassHessian, Objective};
pub use parallel::{Executor, WaitPolicy};
pub use params::{GrowPolicy, Param, Params, ParamsByName, ValueKind};
pub use predict::PredictOptions;
pub use tree::{CategorySplit, Tree};
