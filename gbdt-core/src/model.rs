//! A trained model: trees, base margins, objective, feature names and what
//! training learned about itself (best iteration, metrics).

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::categories::Categories;
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::objective::Objective;
use crate::params::Params;
use crate::predict::{self, PredictOptions};
use crate::tree::Tree;

mod check;
mod params_as;

use check::ModelRepr;
pub use params_as::ModelWithParamsAs;

/// One metric on one evaluation set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalResult {
    /// The evaluation set's name (`train`, `valid`, ...).
    pub dataset: String,
    /// The metric.
    pub metric: Metric,
    /// Its value (NaN when the metric is undefined on the set).
    #[serde(with = "crate::serde_float::f64_one")]
    pub value: f64,
}

/// How feature importance is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportanceType {
    /// Number of splits on the feature (XGBoost's `weight`).
    Split,
    /// Average loss reduction of the feature's splits.
    Gain,
    /// Total loss reduction of the feature's splits (LightGBM's `gain`).
    TotalGain,
    /// Average hessian sum of the rows the feature's splits saw.
    Cover,
    /// Total hessian sum of the rows the feature's splits saw.
    TotalCover,
}

impl std::str::FromStr for ImportanceType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "split" | "weight" => Ok(ImportanceType::Split),
            "gain" => Ok(ImportanceType::Gain),
            "total_gain" => Ok(ImportanceType::TotalGain),
            "cover" => Ok(ImportanceType::Cover),
            "total_cover" => Ok(ImportanceType::TotalCover),
            _ => Err(Error::UnknownName {
                kind: "importance type",
                name: s.to_string(),
                known: "split (weight), gain, total_gain, cover, total_cover".to_string(),
            }),
        }
    }
}

/// A trained gradient-boosted model.
///
/// Trees are stored round by round, `num_outputs` trees per round (one per
/// class for multiclass). Prediction uses the rounds up to and including the
/// best iteration when early stopping found one, else all rounds.
///
/// Deserialising (with any serde format) checks every rule prediction relies
/// on, and fails with [`Error::InvalidModel`] naming the tree, node and field
/// that break one, so a `Model` value never panics in `predict`.
///
/// ```
/// let json = r#"{"objective": "reg:squarederror", "num_outputs": 1, "num_features": 1,
///     "feature_names": ["x"], "base_margins": [0.5], "trees": [], "best_iteration": 4,
///     "metrics": [], "params": {}}"#;
/// let e = serde_json::from_str::<gbdt_core::Model>(json).unwrap_err();
/// assert!(e.to_string().contains("field `best_iteration`: is 4, but the model has 0 rounds"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModelRepr")]
pub struct Model {
    pub(crate) objective: Objective,
    pub(crate) num_outputs: usize,
    pub(crate) num_features: usize,
    pub(crate) feature_names: Vec<String>,
    pub(crate) base_margins: Vec<f64>,
    pub(crate) trees: Vec<Tree>,
    pub(crate) best_iteration: Option<usize>,
    pub(crate) metrics: Vec<EvalResult>,
    /// Stored by name (`params/by_name.rs`), so new parameters do not change
    /// the shape of model files.
    #[serde(serialize_with = "crate::params::by_name::serialize")]
    pub(crate) params: Params,
    /// The categorical features and their category names.
    pub(crate) categories: Categories,
}

impl Model {
    /// The objective the model was trained with.
    pub fn objective(&self) -> Objective {
        self.objective
    }

    /// Outputs per row: the number of classes for multiclass, else 1.
    pub fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    /// Number of input features.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// Feature names, in the order prediction input must have.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The categorical features, with their category names in code order:
    /// prediction input holds codes into these lists.
    pub fn categories(&self) -> &Categories {
        &self.categories
    }

    /// Base margin per output (the prediction before any tree).
    pub fn base_margins(&self) -> &[f64] {
        &self.base_margins
    }

    /// All trees, round-major.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Number of trees.
    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// Number of boosting rounds trained.
    pub fn num_rounds(&self) -> usize {
        self.trees.len() / self.num_outputs
    }

    /// The best round (0-based) found by early stopping, if it ran.
    pub fn best_iteration(&self) -> Option<usize> {
        self.best_iteration
    }

    /// Rounds used by default at prediction: up to the best iteration.
    pub fn rounds_for_prediction(&self) -> usize {
        self.best_iteration.map_or(self.num_rounds(), |b| b + 1)
    }

    /// Validation metrics at the best (or last) round.
    pub fn metrics(&self) -> &[EvalResult] {
        &self.metrics
    }

    /// The parameters the model was trained with (`threads` is not kept:
    /// the model does not depend on it).
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Transformed predictions (probabilities, means), rows × outputs.
    ///
    /// ```
    /// use gbdt_core::{train, Dataset, Objective, Params};
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * (j + 3)) % 17) as f32);
    /// let y: Vec<f32> = (0..200).map(|i| (x[[i, 0]] > 8.0) as u8 as f32).collect();
    /// let params = Params { objective: Objective::Logistic, num_rounds: 20, threads: Some(1), ..Params::default() };
    /// let model = train(&params, &Dataset::new(x.view(), &y)?, &[])?;
    /// let p = model.predict(x.view())?;
    /// assert!(p[[0, 0]] < 0.1 && p[[16, 0]] > 0.9);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn predict(&self, features: ArrayView2<'_, f32>) -> Result<Array2<f64>> {
        self.predict_with(features, &PredictOptions::default())
    }

    /// Raw margins, rows × outputs.
    pub fn predict_raw(&self, features: ArrayView2<'_, f32>) -> Result<Array2<f64>> {
        self.predict_with(
            features,
            &PredictOptions {
                raw: true,
                ..PredictOptions::default()
            },
        )
    }

    /// Prediction with explicit options.
    pub fn predict_with(
        &self,
        features: ArrayView2<'_, f32>,
        options: &PredictOptions,
    ) -> Result<Array2<f64>> {
        self.check_features(features.ncols())?;
        let rounds = options
            .rounds
            .unwrap_or_else(|| self.rounds_for_prediction())
            .min(self.num_rounds());
        let work = features.nrows() * rounds * self.num_outputs;
        let exec = predict::executor_for(options, work)?;
        let k = self.num_outputs;
        let mut out = predict::margins(
            &self.base_margins,
            &self.trees[..rounds * k],
            features,
            &exec,
        );
        if !options.raw {
            for mut row in out.rows_mut() {
                self.objective
                    .transform(row.as_slice_mut().expect("output is row-major"));
            }
        }
        Ok(out)
    }

    /// Transformed prediction of one row into `out` (length `num_outputs`),
    /// without allocating.
    pub fn predict_row(&self, row: &[f32], out: &mut [f64]) -> Result<()> {
        self.predict_row_raw(row, out)?;
        self.objective.transform(out);
        Ok(())
    }

    /// Raw margins of one row into `out` (length `num_outputs`).
    pub fn predict_row_raw(&self, row: &[f32], out: &mut [f64]) -> Result<()> {
        self.check_features(row.len())?;
        if out.len() != self.num_outputs {
            return Err(Error::OutputLength {
                got: out.len(),
                expected: self.num_outputs,
            });
        }
        out.copy_from_slice(&self.base_margins);
        let k = self.num_outputs;
        for (i, tree) in self.trees[..self.rounds_for_prediction() * k]
            .iter()
            .enumerate()
        {
            out[i % k] += tree.predict_row(row) as f64;
        }
        Ok(())
    }

    fn check_features(&self, got: usize) -> Result<()> {
        if got == self.num_features {
            Ok(())
        } else {
            Err(Error::FeatureCountMismatch {
                got,
                expected: self.num_features,
            })
        }
    }

    /// Importance of each feature (indexed like `feature_names`) over the
    /// trees used for prediction.
    pub fn feature_importance(&self, kind: ImportanceType) -> Vec<f64> {
        let mut sum = vec![0.0f64; self.num_features];
        let mut count = vec![0.0f64; self.num_features];
        for tree in &self.trees[..self.rounds_for_prediction() * self.num_outputs] {
            for node in (0..tree.num_nodes()).filter(|&n| !tree.is_leaf(n)) {
                let f = tree.split_feature(node);
                count[f] += 1.0;
                sum[f] += match kind {
                    ImportanceType::Gain | ImportanceType::TotalGain => tree.gain(node) as f64,
                    ImportanceType::Cover | ImportanceType::TotalCover => tree.cover(node) as f64,
                    ImportanceType::Split => 1.0,
                };
            }
        }
        match kind {
            ImportanceType::Gain | ImportanceType::Cover => sum
                .iter()
                .zip(&count)
                .map(|(s, c)| if *c > 0.0 { s / c } else { 0.0 })
                .collect(),
            _ => sum,
        }
    }
}

impl Model {
    /// Class probabilities, rows × classes: two columns (`P(0)`, `P(1)`) for
    /// `binary:logistic`, one per class for `multi:softprob`. Errors with
    /// [`Error::NotAClassifier`] for other objectives.
    ///
    /// ```
    /// use gbdt_core::{train, Dataset, Objective, Params};
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((200, 1), |(i, _)| (i % 20) as f32);
    /// let y: Vec<f32> = (0..200).map(|i| (x[[i, 0]] > 9.0) as u8 as f32).collect();
    /// let params = Params { objective: Objective::Logistic, num_rounds: 20, threads: Some(1), ..Params::default() };
    /// let model = train(&params, &Dataset::new(x.view(), &y)?, &[])?;
    /// let p = model.predict_proba(x.view())?;
    /// assert_eq!(p.ncols(), 2);
    /// assert!((p[[0, 0]] + p[[0, 1]] - 1.0).abs() < 1e-12);
    /// assert_eq!(model.predict_class(x.view())?[..12], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn predict_proba(&self, features: ArrayView2<'_, f32>) -> Result<Array2<f64>> {
        match self.objective {
            Objective::Softmax => self.predict(features),
            Objective::Logistic => {
                let p = self.predict(features)?;
                Ok(Array2::from_shape_fn((p.nrows(), 2), |(r, c)| {
                    if c == 1 {
                        p[[r, 0]]
                    } else {
                        1.0 - p[[r, 0]]
                    }
                }))
            }
            other => Err(Error::NotAClassifier {
                objective: other.to_string(),
            }),
        }
    }

    /// The most probable class of each row (the lower class on a tie; class 1
    /// of `binary:logistic` when its probability is above 0.5).
    pub fn predict_class(&self, features: ArrayView2<'_, f32>) -> Result<Vec<usize>> {
        let p = self.predict_proba(features)?;
        Ok(p.rows()
            .into_iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |best, (k, &v)| {
                        if v > best.1 {
                            (k, v)
                        } else {
                            best
                        }
                    })
                    .0
            })
            .collect())
    }

    /// [`Model::feature_importance`] paired with the feature names, in
    /// feature order.
    ///
    /// ```
    /// use gbdt_core::{train, Dataset, ImportanceType, Params};
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((100, 2), |(i, j)| if j == 0 { i as f32 } else { 1.0 });
    /// let y: Vec<f32> = (0..100).map(|i| i as f32).collect();
    /// let data = Dataset::new(x.view(), &y)?.with_feature_names(vec!["age".into(), "one".into()])?;
    /// let model = train(&Params { num_rounds: 3, threads: Some(1), ..Params::default() }, &data, &[])?;
    /// let imp = model.feature_importance_named(ImportanceType::Split);
    /// assert_eq!((imp[0].0, imp[1]), ("age", ("one", 0.0)));
    /// assert!(imp[0].1 > 0.0);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn feature_importance_named(&self, kind: ImportanceType) -> Vec<(&str, f64)> {
        self.feature_names
            .iter()
            .map(String::as_str)
            .zip(self.feature_importance(kind))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::{train, Dataset, Objective, Params};
    use ndarray::Array2;

    fn model(objective: Objective, y: impl Fn(usize) -> f32) -> crate::Model {
        let x = Array2::from_shape_fn((90, 1), |(i, _)| (i % 9) as f32);
        let y: Vec<f32> = (0..90).map(|i| y(i % 9)).collect();
        let params = Params {
            objective,
            num_rounds: 10,
            threads: Some(1),
            ..Params::default()
        };
        train(&params, &Dataset::new(x.view(), &y).unwrap(), &[]).unwrap()
    }

    #[test]
    fn classes_are_the_most_probable_ones() {
        let m = model(Objective::Softmax, |v| (v / 3) as f32);
        let x = Array2::from_shape_vec((3, 1), vec![0.0, 4.0, 8.0]).unwrap();
        assert_eq!(m.predict_class(x.view()).unwrap(), [0, 1, 2]);
        let p = m.predict_proba(x.view()).unwrap();
        assert_eq!(p, m.predict(x.view()).unwrap());
    }

    #[test]
    fn regression_models_refuse_class_questions() {
        let m = model(Objective::SquaredError, |v| v as f32);
        let x = Array2::zeros((1, 1));
        let e = m.predict_class(x.view()).unwrap_err().to_string();
        assert_eq!(
            e,
            "objective reg:squarederror does not predict classes; class probabilities and labels need binary:logistic or multi:softprob (use predict for this model)"
        );
    }
}
