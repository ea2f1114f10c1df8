//! Feature matrix, labels and weights from a table, like pandas'
//! `select_dtypes(include=['number', 'bool'])`.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::label::LabelRule;
use crate::table::Table;

/// Which columns become features, which are dropped, and which is the weight.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Use exactly these columns as features (in this order); `None` uses
    /// every number and bool column except the label, weight and dropped ones.
    pub features: Option<Vec<String>>,
    /// Columns never used as features.
    pub drop: Vec<String>,
    /// A number column of sample weights.
    pub weight: Option<String>,
    /// Drop rows whose label is missing (and report how many) instead of failing.
    pub drop_missing_label: bool,
}

/// A column that was not used as a feature, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedColumn {
    pub name: String,
    pub reason: String,
}

/// Everything training needs from a table.
#[derive(Debug, Clone)]
pub struct TrainingData {
    /// Rows × features, row-major; NaN is missing; bools are 0/1.
    pub features: Array2<f32>,
    pub feature_names: Vec<String>,
    pub labels: Vec<f32>,
    pub weights: Option<Vec<f32>>,
    pub label_rule: LabelRule,
    pub dropped_columns: Vec<DroppedColumn>,
    /// Rows dropped because their label was missing.
    pub dropped_rows: usize,
}

/// Features, labels and weights for training.
pub fn training_data(
    table: &Table,
    rule: &LabelRule,
    selection: &Selection,
) -> Result<TrainingData> {
    let _ = (table, rule, selection);
    todo!()
}

/// Features and labels for validation or evaluation: the same label rule and
/// exactly the model's feature columns, matched by name in any order.
pub fn labelled_data(
    table: &Table,
    rule: &LabelRule,
    feature_names: &[String],
    drop_missing_label: bool,
) -> Result<TrainingData> {
    let _ = (table, rule, feature_names, drop_missing_label);
    todo!()
}

/// The model's feature columns, matched by name in any order; other
/// columns are ignored.
pub fn prediction_features(table: &Table, feature_names: &[String]) -> Result<Array2<f32>> {
    let _ = (table, feature_names);
    todo!()
}
