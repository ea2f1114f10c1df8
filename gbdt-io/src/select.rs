//! Feature matrix, labels and weights from a table, like pandas'
//! `select_dtypes(include=['number', 'bool'])`.

use gbdt_core::{Dataset, Executor};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::column_error::{first_text, not_numeric, shorten, wrong};
use crate::error::{Error, Result};
use crate::label::LabelRule;
use crate::table::{Column, ColumnType, Numbers, Table, BOOL_MISSING};

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
    /// The column name.
    pub name: String,
    /// Why it is not a feature, for people.
    pub reason: String,
}

/// Everything training needs from a table.
#[derive(Debug, Clone)]
pub struct TrainingData {
    /// Rows × features, row-major; NaN is missing; bools are 0/1.
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
}

impl TrainingData {
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
        Ok(ds)
    }
}

/// Features, labels and weights for training.
///
/// Without an explicit feature list, every number and bool column except
/// the label column, the weight column and `drop` is a feature, in file
/// order; string columns are dropped and listed with the reason. The
/// matrix is built on the executor's workers.
pub fn training_data(
    table: &Table,
    rule: &LabelRule,
    selection: &Selection,
    exec: &Executor,
) -> Result<TrainingData> {
    let label_col = rule.column();
    table.column_by_name(label_col, "the target")?;
    if let Some(w) = &selection.weight {
        let col = table.column_by_name(w, "the weight column")?;
        if col.column_type() != ColumnType::Number {
            return Err(Error::WrongColumnType {
                path: table.path().to_path_buf(),
                column: w.clone(),
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
    }
    for d in &selection.drop {
        table.column_by_name(d, "a column to drop")?;
    }
    let (features, dropped_columns) = match &selection.features {
        Some(list) => explicit_features(table, list, label_col, selection)?,
        None => inferred_features(table, label_col, selection),
    };
    if features.is_empty() {
        let detail = if dropped_columns.is_empty() {
            "the file has no column besides the label and weight".to_string()
        } else {
            let d: Vec<String> = dropped_columns
                .iter()
                .map(|c| format!("'{}' ({})", c.name, c.reason))
                .collect();
            format!("dropped: {}", d.join("; "))
        };
        return Err(Error::NoFeatures {
            path: table.path().to_path_buf(),
            detail,
        });
    }
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
    let cols: Vec<&Column> = features.iter().map(|&i| &table.columns[i]).collect();
    let matrix = matrix(&cols, table.num_rows(), keep.as_deref(), exec);
    Ok(TrainingData {
        features: matrix,
        feature_names: features.iter().map(|&i| table.names[i].clone()).collect(),
        dropped_rows: table.num_rows() - labels.len(),
        labels,
        weights,
        label_rule: rule.clone(),
        dropped_columns,
    })
}

/// Features and labels for validation or evaluation: the same label rule and
/// exactly the model's feature columns, matched by name in any order.
pub fn labelled_data(
    table: &Table,
    rule: &LabelRule,
    feature_names: &[String],
    drop_missing_label: bool,
    exec: &Executor,
) -> Result<TrainingData> {
    let cols = feature_columns(table, feature_names)?;
    let labels = rule.values(table)?;
    let keep = kept_rows(table, rule, &labels, drop_missing_label)?;
    let labels: Vec<f32> = match &keep {
        Some(rows) => rows.iter().map(|&r| labels[r]).collect(),
        None => labels,
    };
    Ok(TrainingData {
        features: matrix(&cols, table.num_rows(), keep.as_deref(), exec),
        feature_names: feature_names.to_vec(),
        dropped_rows: table.num_rows() - labels.len(),
        labels,
        weights: None,
        label_rule: rule.clone(),
        dropped_columns: Vec::new(),
    })
}

/// The model's feature columns, matched by name in any order; other
/// columns (the label among them) are ignored. A missing column is an error
/// that names it; a value that is not a number is an error that names its
/// file, line and column.
pub fn prediction_features(
    table: &Table,
    feature_names: &[String],
    exec: &Executor,
) -> Result<Array2<f32>> {
    let cols = feature_columns(table, feature_names)?;
    Ok(matrix(&cols, table.num_rows(), None, exec))
}

fn feature_columns<'t>(table: &'t Table, names: &[String]) -> Result<Vec<&'t Column>> {
    let missing: Vec<String> = names
        .iter()
        .filter(|n| table.column_index(n).is_none())
        .map(|n| format!("'{n}'"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::MissingFeatureColumns {
            path: table.path().to_path_buf(),
            columns: missing.join(", "),
        });
    }
    names
        .iter()
        .map(|n| {
            let col = table.column_by_name(n, "a feature")?;
            if col.column_type() == ColumnType::String {
                Err(not_numeric(
                    table,
                    n,
                    "the model uses this column as a feature, so every value must be a number, true/false or missing",
                ))
            } else {
                Ok(col)
            }
        })
        .collect()
}

fn explicit_features(
    table: &Table,
    list: &[String],
    label_col: &str,
    selection: &Selection,
) -> Result<(Vec<usize>, Vec<DroppedColumn>)> {
    let mut features = Vec::with_capacity(list.len());
    for name in list {
        let i = table
            .column_index(name)
            .ok_or_else(|| table.unknown_column(name, "a feature"))?;
        let role = "a feature";
        if name == label_col {
            return Err(wrong(table, name, role, "it is the label column"));
        }
        if selection.weight.as_deref() == Some(name.as_str()) {
            return Err(wrong(table, name, role, "it is the weight column"));
        }
        if selection.drop.contains(name) {
            return Err(wrong(table, name, role, "it is also listed in drop"));
        }
        if features.contains(&i) {
            return Err(wrong(table, name, role, "it is listed twice"));
        }
        if table.columns[i].column_type() == ColumnType::String {
            return Err(not_numeric(
                table,
                name,
                "a feature column must hold numbers, true/false or missing values",
            ));
        }
        features.push(i);
    }
    let dropped = (0..table.num_columns())
        .filter(|i| !features.contains(i))
        .filter(|&i| !is_label_or_weight(table, i, label_col, selection))
        .map(|i| DroppedColumn {
            name: table.names[i].clone(),
            reason: if selection.drop.contains(&table.names[i]) {
                "dropped by request".to_string()
            } else {
                "not in the feature list".to_string()
            },
        })
        .collect();
    Ok((features, dropped))
}

fn inferred_features(
    table: &Table,
    label_col: &str,
    selection: &Selection,
) -> (Vec<usize>, Vec<DroppedColumn>) {
    let mut features = Vec::new();
    let mut dropped = Vec::new();
    for (i, name) in table.names.iter().enumerate() {
        if is_label_or_weight(table, i, label_col, selection) {
            continue;
        }
        if selection.drop.contains(name) {
            dropped.push(DroppedColumn {
                name: name.clone(),
                reason: "dropped by request".to_string(),
            });
        } else if let Column::String(values) = &table.columns[i] {
            dropped.push(DroppedColumn {
                name: name.clone(),
                reason: string_reason(table, values),
            });
        } else {
            features.push(i);
        }
    }
    (features, dropped)
}

fn is_label_or_weight(table: &Table, i: usize, label_col: &str, selection: &Selection) -> bool {
    let name = table.names[i].as_str();
    name == label_col || selection.weight.as_deref() == Some(name)
}

/// Why a string column is not a feature, with an example value.
fn string_reason(table: &Table, values: &[Option<Box<str>>]) -> String {
    match first_text(values) {
        Some((row, v)) => format!(
            "string column (line {} has '{}', which is not a number or true/false)",
            table.line_of_row(row),
            shorten(v)
        ),
        None => "string column (it mixes numbers and true/false values)".to_string(),
    }
}

/// Rows to keep (`None`: all) given missing labels.
fn kept_rows(
    table: &Table,
    rule: &LabelRule,
    labels: &[f32],
    drop_missing: bool,
) -> Result<Option<Vec<usize>>> {
    let missing = labels.iter().filter(|v| v.is_nan()).count();
    if missing == 0 {
        return Ok(None);
    }
    if !drop_missing {
        let mut lines: Vec<String> = labels
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_nan())
            .take(5)
            .map(|(r, _)| table.line_of_row(r).to_string())
            .collect();
        if missing > 5 {
            lines.push("...".to_string());
        }
        return Err(Error::MissingLabels {
            path: table.path().to_path_buf(),
            label: rule.describe(),
            count: missing,
            lines: lines.join(", "),
        });
    }
    if missing == labels.len() {
        return Err(Error::NoRowsLeft {
            path: table.path().to_path_buf(),
            label: rule.describe(),
            count: missing,
        });
    }
    Ok(Some(
        (0..labels.len()).filter(|&r| !labels[r].is_nan()).collect(),
    ))
}

fn weights(table: &Table, name: &str, keep: Option<&[usize]>) -> Result<Vec<f32>> {
    let col = table.column_by_name(name, "the weight column")?;
    let rows: Box<dyn Iterator<Item = usize>> = match keep {
        Some(k) => Box::new(k.iter().copied()),
        None => Box::new(0..table.num_rows()),
    };
    let mut out = Vec::with_capacity(keep.map_or(table.num_rows(), <[usize]>::len));
    for r in rows {
        let v = col.number(r);
        let reason = match v {
            None => Some("is missing; every row needs a weight"),
            Some(w) if !w.is_finite() || !(w as f32).is_finite() => Some("is not a finite number"),
            Some(w) if w < 0.0 => Some("is negative; weights must be >= 0"),
            _ => None,
        };
        if let Some(reason) = reason {
            return Err(Error::InvalidWeight {
                path: table.path().to_path_buf(),
                line: table.line_of_row(r),
                column: name.to_string(),
                value: col.text(r).unwrap_or_default(),
                reason,
            });
        }
        out.push(v.unwrap_or(0.0) as f32);
    }
    Ok(out)
}

/// Rows per parallel block of the row-major matrix.
const BLOCK_ROWS: usize = 4096;

/// The row-major `f32` matrix of `cols` for all rows or the `keep` rows.
fn matrix(cols: &[&Column], rows: usize, keep: Option<&[usize]>, exec: &Executor) -> Array2<f32> {
    let n = keep.map_or(rows, <[usize]>::len);
    let f = cols.len();
    let mut out = vec![0f32; n * f];
    if f > 0 {
        exec.for_each_chunk_mut(&mut out, BLOCK_ROWS * f, |b, block| {
            let first = b * BLOCK_ROWS;
            let count = block.len() / f;
            for (j, col) in cols.iter().enumerate() {
                match (col, keep) {
                    // The common case without a per-value match.
                    (Column::Number(Numbers::F32(v)), None) => {
                        for (dst, &x) in block[j..]
                            .iter_mut()
                            .step_by(f)
                            .zip(&v[first..first + count])
                        {
                            *dst = x;
                        }
                    }
                    _ => {
                        for i in 0..count {
                            let r = keep.map_or(first + i, |k| k[first + i]);
                            block[i * f + j] = value_f32(col, r);
                        }
                    }
                }
            }
        });
    }
    Array2::from_shape_vec((n, f), out).unwrap_or_else(|_| Array2::zeros((n, f)))
}

#[inline]
fn value_f32(col: &Column, row: usize) -> f32 {
    match col {
        Column::Number(Numbers::F32(v)) => v[row],
        Column::Number(Numbers::F64(v)) => v[row] as f32,
        Column::Bool(v) => match v[row] {
            BOOL_MISSING => f32::NAN,
            b => b as f32,
        },
        Column::String(_) => f32::NAN,
    }
}
