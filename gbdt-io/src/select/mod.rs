//! Feature matrix, labels and weights from a table: number and bool
//! columns as they are (like pandas' `select_dtypes(include=['number',
//! 'bool'])`), text columns as categorical features
//! ([`CategoricalMode`]).
//!
//! `columns.rs` chooses the features, `categorical.rs` codes categories,
//! `model_features.rs` finds a model's features in a new file,
//! `stream.rs` does so batch by batch, `groups.rs` reads query groups, and
//! `matrix.rs` builds the matrix.

use gbdt_core::{Categories, Dataset, Executor};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::column_error::wrong;
use crate::error::{Error, Result};
use crate::label::LabelRule;
use crate::table::{ColumnType, Table};

mod agree;
mod categorical;
mod columns;
pub(crate) mod groups;
mod matrix;
mod model_features;
mod stream;
mod take;

#[cfg(test)]
pub(crate) use take::sizes_within;

pub use categorical::CategoricalMode;
pub use model_features::ModelFeatures;
pub use stream::FeatureBatches;

use categorical::check_limit;
use columns::choose_features;
use matrix::{kept_rows, matrix, weights, Source};
use model_features::feature_sources;

/// The default of [`Selection::max_categories`].
pub const DEFAULT_MAX_CATEGORIES: usize = 1024;

/// Which columns become features (numeric or categorical), which are
/// dropped, and which is the weight.
///
/// ```
/// use gbdt_io::{CategoricalMode, Selection, DEFAULT_MAX_CATEGORIES};
/// let s = Selection::default();
/// assert_eq!((s.categorical, s.max_categories), (CategoricalMode::Auto, DEFAULT_MAX_CATEGORIES));
/// let numbers_only = Selection { categorical: CategoricalMode::None, ..Selection::default() };
/// # let _ = numbers_only;
/// ```
#[derive(Debug, Clone)]
pub struct Selection {
    /// Use exactly these columns as features (in this order); `None` uses
    /// every column except the label, weight and dropped ones, text columns
    /// as `categorical` says.
    pub features: Option<Vec<String>>,
    /// Columns never used as features.
    pub drop: Vec<String>,
    /// A number column of sample weights.
    pub weight: Option<String>,
    /// A column of query ids (ranking): never a feature; rows of one query
    /// must be contiguous.
    pub group: Option<String>,
    /// Drop rows whose label is missing (and report how many) instead of failing.
    pub drop_missing_label: bool,
    /// Which columns are categorical features (default
    /// [`CategoricalMode::Auto`]). With an explicit feature list, `Auto`
    /// makes its text columns categorical.
    pub categorical: CategoricalMode,
    /// The most categories a categorical column may have (default
    /// [`DEFAULT_MAX_CATEGORIES`], at most [`gbdt_core::MAX_CATEGORIES`]).
    /// `Auto` drops text columns with more (saying why); a column named
    /// as categorical with more is an error.
    pub max_categories: usize,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            features: None,
            drop: Vec::new(),
            weight: None,
            group: None,
            drop_missing_label: false,
            categorical: CategoricalMode::Auto,
            max_categories: DEFAULT_MAX_CATEGORIES,
        }
    }
}

/// A column that was not used as a feature, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedColumn {
    /// The column name.
    pub name: String,
    /// Why it is not a feature, for people.
    pub reason: String,
}

/// Everything training needs from a table.
#[derive(Debug, Clone)]
pub struct TrainingData {
    /// Rows × features, row-major; NaN is missing; bools are 0/1;
    /// categorical features hold category codes.
    pub features: Array2<f32>,
    /// Feature column names, in matrix column order.
    pub feature_names: Vec<String>,
    /// One label per row.
    pub labels: Vec<f32>,
    /// One weight per row, when a weight column was given.
    pub weights: Option<Vec<f32>>,
    /// The rule the labels came from.
    pub label_rule: LabelRule,
    /// Columns not used as features (string columns, dropped by request,
    /// not listed), in file order. The label and weight columns are not listed.
    pub dropped_columns: Vec<DroppedColumn>,
    /// Rows dropped because their label was missing.
    pub dropped_rows: usize,
    /// The categorical features (by index into `feature_names`) with their
    /// category names in code order.
    pub categories: Categories,
    /// Query group sizes in row order (ranking), when the data has groups.
    pub groups: Option<Vec<usize>>,
}

impl TrainingData {
    /// Consecutive rows `rows` of this data, with its metadata (a rank's
    /// part in distributed training). Query groups must not straddle the
    /// range's ends.
    ///
    /// ```
    /// use gbdt_io::{parse_csv, parse_target, training_data, CsvOptions, Selection};
    /// let exec = gbdt_core::Executor::new(1)?;
    /// let csv = b"x,y\n1,0\n2,1\n3,0\n".to_vec();
    /// let table = parse_csv(csv, "d.csv".as_ref(), &CsvOptions::default(), &exec)?;
    /// let data = training_data(&table, &parse_target("y", &table)?, &Selection::default(), &exec)?;
    /// assert_eq!(data.rows(1..3).labels, [1.0, 0.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows(&self, rows: std::ops::Range<usize>) -> TrainingData {
        self.take(&rows.collect::<Vec<usize>>())
    }

    /// The gbdt-core dataset of this data, borrowing it: the features, the
    /// labels, the weights and the feature names (so a model trained on it
    /// names its features as the CSV did).
    ///
    /// ```
    /// use gbdt_core::{Executor, Params, Trainer};
    /// use gbdt_io::{parse_csv, parse_target, training_data, CsvOptions, Selection};
    ///
    /// let exec = Executor::new(1)?;
    /// let csv = b"income,age,w,bad\n10,30,1,0\n20,40,2,1\n15,35,1,0\n30,50,1,1\n".to_vec();
    /// let table = parse_csv(csv, "loans.csv".as_ref(), &CsvOptions::default(), &exec)?;
    /// let rule = parse_target("bad", &table)?;
    /// let selection = Selection { weight: Some("w".into()), ..Selection::default() };
    /// let data = training_data(&table, &rule, &selection, &exec)?;
    /// let dataset = data.dataset()?;
    /// assert_eq!(dataset.feature_names(), ["income", "age"]);
    /// assert_eq!(dataset.weights(), Some(&[1.0f32, 2.0, 1.0, 1.0][..]));
    /// let params = Params { num_rounds: 2, ..Params::default() };
    /// let model = Trainer::with_executor(&params, &dataset, &exec)?.train(&[], |_| std::ops::ControlFlow::Continue(()))?;
    /// assert_eq!(model.feature_names(), ["income", "age"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dataset(&self) -> Result<Dataset<'_>> {
        let invalid = |source| Error::InvalidDataset { source };
        let mut ds = Dataset::new(self.features.view(), &self.labels)
            .and_then(|d| d.with_feature_names(self.feature_names.clone()))
            .map_err(invalid)?;
        if let Some(w) = &self.weights {
            ds = ds.with_weights(w).map_err(invalid)?;
        }
        for c in self.categories.iter() {
            ds = ds
                .with_categorical(c.feature, c.names.clone())
                .map_err(invalid)?;
        }
        if let Some(sizes) = &self.groups {
            ds = ds.with_groups(sizes).map_err(invalid)?;
        }
        Ok(ds)
    }

    /// This data's features as a model trained on it will have them: for
    /// reading a validation file with [`labelled_data`] before the model
    /// exists (unseen categories are missing).
    pub fn model_features(&self) -> ModelFeatures<'_> {
        ModelFeatures {
            names: &self.feature_names,
            categories: &self.categories,
            strict_categories: false,
        }
    }

    /// The categorical features by name, with their number of categories,
    /// in feature order (for summaries).
    pub fn categorical_features(&self) -> Vec<(&str, usize)> {
        self.categories
            .iter()
            .map(|c| (self.feature_names[c.feature].as_str(), c.names.len()))
            .collect()
    }
}

/// Features, labels and weights for training.
///
/// Without an explicit feature list, every column except the label column,
/// the weight column and `drop` is a feature, in file order: number and
/// bool columns as they are, text columns as `selection.categorical` says
/// (categorical, or dropped and listed with the reason). The matrix is
/// built on the executor's workers.
///
/// ```
/// use gbdt_core::Executor;
/// use gbdt_io::{parse_csv, parse_target, training_data, CsvOptions, Selection};
///
/// let exec = Executor::new(1)?;
/// let csv = b"id,purpose,amount,bad\nA1,car,10,0\nA2,house,20,1\nA3,car,15,0\nA4,other,30,1\n".to_vec();
/// let table = parse_csv(csv, "loans.csv".as_ref(), &CsvOptions::default(), &exec)?;
/// let rule = parse_target("bad", &table)?;
/// let data = training_data(&table, &rule, &Selection::default(), &exec)?;
/// assert_eq!(data.feature_names, ["purpose", "amount"]);
/// assert_eq!(data.categorical_features(), [("purpose", 3)]);
/// assert_eq!(data.categories.names(0).unwrap(), ["car", "house", "other"]);
/// assert_eq!(data.features.column(0).to_vec(), [0.0, 1.0, 0.0, 2.0]);
/// assert_eq!(data.dropped_columns[0].reason, "identifier-like text: 4 distinct values in 4 rows");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn training_data(
    table: &Table,
    rule: &LabelRule,
    selection: &Selection,
    exec: &Executor,
) -> Result<TrainingData> {
    let label_col = rule.column();
    table.column_by_name(label_col, "the target")?;
    check_limit(selection.max_categories)?;
    if let Some(w) = &selection.weight {
        check_weight_column(table, w, label_col)?;
    }
    for d in &selection.drop {
        table.column_by_name(d, "a column to drop")?;
    }
    if let Some(g) = &selection.group {
        check_group_column(table, g, label_col, selection)?;
    }
    let (features, dropped_columns) = choose_features(table, label_col, selection, exec)?;
    if features.is_empty() {
        return Err(no_features(table, &dropped_columns));
    }
    let data = selected_rows(table, rule, selection, features, dropped_columns, exec);
    crate::ranks::agree(data, exec.collective())
}

/// The training data of the chosen features: labels, weights, groups and
/// the matrix (this rank's rows only: every step is per row).
fn selected_rows(
    table: &Table,
    rule: &LabelRule,
    selection: &Selection,
    features: Vec<columns::Feature>,
    dropped_columns: Vec<DroppedColumn>,
    exec: &Executor,
) -> Result<TrainingData> {
    let labels = rule.values(table)?;
    let keep = kept_rows(table, rule, &labels, selection.drop_missing_label)?;
    let weights = match &selection.weight {
        Some(w) => Some(weights(table, w, keep.as_deref())?),
        None => None,
    };
    let labels = match &keep {
        Some(rows) => rows.iter().map(|&r| labels[r]).collect(),
        None => labels,
    };
    let groups = match &selection.group {
        Some(g) => Some(groups::column_sizes(table, g, keep.as_deref())?),
        None => None,
    };
    let feature_names = features
        .iter()
        .map(|f| table.names[f.column].clone())
        .collect();
    let mut categories = Categories::default();
    let mut sources = Vec::with_capacity(features.len());
    for (j, f) in features.into_iter().enumerate() {
        match f.coded {
            Some(c) => {
                categories.insert(j, c.names)?;
                sources.push(Source::Codes(c.codes));
            }
            None => sources.push(Source::Column(&table.columns[f.column])),
        }
    }
    Ok(TrainingData {
        features: matrix(&sources, table.num_rows(), keep.as_deref(), exec),
        feature_names,
        dropped_rows: table.num_rows() - labels.len(),
        labels,
        weights,
        label_rule: rule.clone(),
        dropped_columns,
        categories,
        groups,
    })
}

fn check_group_column(
    table: &Table,
    g: &str,
    label_col: &str,
    selection: &Selection,
) -> Result<()> {
    table.column_by_name(g, "the group column")?;
    let role = "the group column";
    if g == label_col {
        return Err(wrong(table, g, role, "it is also the label column"));
    }
    if selection.weight.as_deref() == Some(g) {
        return Err(wrong(table, g, role, "it is also the weight column"));
    }
    Ok(())
}

fn check_weight_column(table: &Table, w: &str, label_col: &str) -> Result<()> {
    let col = table.column_by_name(w, "the weight column")?;
    if col.column_type() != ColumnType::Number {
        return Err(Error::WrongColumnType {
            path: table.path().to_path_buf(),
            column: w.to_string(),
            role: "the weight column",
            reason: format!(
                "it is a {} column; weights must be numbers",
                col.column_type()
            ),
        });
    }
    if w == label_col {
        return Err(wrong(
            table,
            w,
            "the weight column",
            "it is also the label column",
        ));
    }
    Ok(())
}

fn no_features(table: &Table, dropped_columns: &[DroppedColumn]) -> Error {
    let detail = if dropped_columns.is_empty() {
        "the file has no column besides the label and weight".to_string()
    } else {
        let d: Vec<String> = dropped_columns
            .iter()
            .map(|c| format!("'{}' ({})", c.name, c.reason))
            .collect();
        format!("dropped: {}", d.join("; "))
    };
    Error::NoFeatures {
        path: table.path().to_path_buf(),
        detail,
    }
}

/// Features and labels for validation or evaluation: the same label rule and
/// exactly the model's feature columns, matched by name in any order, with
/// categorical features mapped to the model's codes (see
/// [`prediction_features`]).
pub fn labelled_data(
    table: &Table,
    rule: &LabelRule,
    features: &ModelFeatures<'_>,
    drop_missing_label: bool,
    exec: &Executor,
) -> Result<TrainingData> {
    let columns = LabelledColumns {
        drop_missing_label,
        ..LabelledColumns::default()
    };
    labelled_data_with(table, rule, features, &columns, exec)
}

/// What [`labelled_data_with`] reads besides the label and the features.
#[derive(Debug, Clone, Copy, Default)]
pub struct LabelledColumns<'a> {
    /// Query ids (ranking validation and evaluation sets); a query's rows
    /// must be contiguous.
    pub group: Option<&'a str>,
    /// Sample weights, checked as training checks them.
    pub weight: Option<&'a str>,
    /// Skip rows whose label is missing instead of failing.
    pub drop_missing_label: bool,
}

/// [`labelled_data`] with query groups and weights from the columns that
/// `columns` names: a validation set scored as its training set is, or an
/// evaluation file.
pub fn labelled_data_with(
    table: &Table,
    rule: &LabelRule,
    features: &ModelFeatures<'_>,
    columns: &LabelledColumns<'_>,
    exec: &Executor,
) -> Result<TrainingData> {
    let data = labelled_rows(table, rule, features, columns, exec);
    crate::ranks::agree(data, exec.collective())
}

fn labelled_rows(
    table: &Table,
    rule: &LabelRule,
    features: &ModelFeatures<'_>,
    columns: &LabelledColumns<'_>,
    exec: &Executor,
) -> Result<TrainingData> {
    if let Some(w) = columns.weight {
        check_weight_column(table, w, rule.column())?;
    }
    let sources = feature_sources(table, features, exec)?;
    let labels = rule.values(table)?;
    let keep = kept_rows(table, rule, &labels, columns.drop_missing_label)?;
    let labels: Vec<f32> = match &keep {
        Some(rows) => rows.iter().map(|&r| labels[r]).collect(),
        None => labels,
    };
    let groups = match columns.group {
        Some(g) => Some(groups::column_sizes(table, g, keep.as_deref())?),
        None => None,
    };
    let weights = match columns.weight {
        Some(w) => Some(weights(table, w, keep.as_deref())?),
        None => None,
    };
    Ok(TrainingData {
        features: matrix(&sources, table.num_rows(), keep.as_deref(), exec),
        feature_names: features.names.to_vec(),
        dropped_rows: table.num_rows() - labels.len(),
        labels,
        weights,
        label_rule: rule.clone(),
        dropped_columns: Vec::new(),
        categories: features.categories.clone(),
        groups,
    })
}

/// The model's feature columns, matched by name in any order; other
/// columns (the label among them) are ignored. A missing column is an error
/// that names it; a value of a numeric feature that is not a number is an
/// error that names its file, line and column.
///
/// A categorical feature's values map to the model's codes by their text,
/// whether the column holds text or numbers in this file (`3.0` finds the
/// category `3`). A category the model never saw is missing (NaN: it
/// follows each split's default direction), or with
/// [`ModelFeatures::strict_categories`] an error naming the file, line,
/// column and value.
///
/// ```
/// use gbdt_core::{train, Executor, Params};
/// use gbdt_io::{parse_csv, parse_target, prediction_features, training_data, CsvOptions, ModelFeatures, Selection};
///
/// let exec = Executor::new(1)?;
/// let csv = |t: &str| parse_csv(t.as_bytes().to_vec(), "f.csv".as_ref(), &CsvOptions::default(), &exec);
/// let table = csv("color,y\nred,1\nblue,0\nred,1\nblue,0\n")?;
/// let data = training_data(&table, &parse_target("y", &table)?, &Selection::default(), &exec)?;
/// let model = train(&Params { num_rounds: 1, ..Params::default() }, &data.dataset()?, &[])?;
///
/// let new = csv("color\nblue\ngreen\n")?;
/// let x = prediction_features(&new, &ModelFeatures::of(&model), &exec)?;
/// assert_eq!(x[[0, 0]], 0.0); // "blue" is category 0
/// assert!(x[[1, 0]].is_nan()); // "green" was never seen: missing
/// let strict = ModelFeatures { strict_categories: true, ..ModelFeatures::of(&model) };
/// let e = prediction_features(&new, &strict, &exec).unwrap_err();
/// assert!(e.to_string().starts_with("f.csv, line 3, column 'color': category 'green'"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn prediction_features(
    table: &Table,
    features: &ModelFeatures<'_>,
    exec: &Executor,
) -> Result<Array2<f32>> {
    let sources = feature_sources(table, features, exec)?;
    Ok(matrix(&sources, table.num_rows(), None, exec))
}
