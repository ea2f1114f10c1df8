//! The features a model expects, and the columns of a new file that give
//! them: numeric features as they are, categorical ones mapped to the
//! model's category codes by their text.

use std::collections::HashMap;
use std::sync::OnceLock;

use gbdt_core::{Categories, Executor, Model};

use super::categorical::map_column;
use super::matrix::Source;
use crate::column_error::not_numeric;
use crate::error::{Error, Result};
use crate::table::{ColumnType, Table};

/// What a model needs from a file: its feature names (columns are found by
/// name, in any order), its categorical features with their category names
/// in code order, and what to do with a category the model never saw.
///
/// ```
/// # use gbdt_core::{train, Dataset, Params};
/// # let x = ndarray::Array2::from_shape_fn((20, 1), |(i, _)| (i % 3) as f32);
/// # let y: Vec<f32> = (0..20).map(|i| (i % 3) as f32).collect();
/// # let ds = Dataset::new(x.view(), &y)?.with_categorical(0, vec!["a".into(), "b".into(), "c".into()])?;
/// # let model = train(&Params { num_rounds: 2, threads: Some(1), ..Params::default() }, &ds, &[])?;
/// let strict = gbdt_io::ModelFeatures { strict_categories: true, ..gbdt_io::ModelFeatures::of(&model) };
/// assert_eq!(strict.categories.count(0), Some(3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ModelFeatures<'a> {
    /// Feature names in the model's order.
    pub names: &'a [String],
    /// The categorical features (by index into `names`) and their names.
    pub categories: &'a Categories,
    /// A category never seen in training is an error naming the file,
    /// line, column and value; otherwise (the default) it is missing and
    /// follows each split's default direction.
    pub strict_categories: bool,
}

impl<'a> ModelFeatures<'a> {
    /// The features of `model`, unseen categories treated as missing.
    pub fn of(model: &'a Model) -> Self {
        ModelFeatures {
            names: model.feature_names(),
            categories: model.categories(),
            strict_categories: false,
        }
    }

    /// Numeric features only, by name.
    pub fn numeric(names: &'a [String]) -> Self {
        static NONE: OnceLock<Categories> = OnceLock::new();
        ModelFeatures {
            names,
            categories: NONE.get_or_init(Categories::default),
            strict_categories: false,
        }
    }
}

/// The model's feature columns, matched by name in any order, categorical
/// ones mapped to codes (on the executor's workers, one column each).
pub(crate) fn feature_sources<'t>(
    table: &'t Table,
    features: &ModelFeatures<'_>,
    exec: &Executor,
) -> Result<Vec<Source<'t>>> {
    // One lookup table: a file with 100 000 columns must not cost
    // 100 000 scans of the names (once per batch when streaming).
    let index = column_indexes(table.column_names());
    let missing: Vec<String> = features
        .names
        .iter()
        .filter(|n| !index.contains_key(n.as_str()))
        .map(|n| format!("'{n}'"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::MissingFeatureColumns {
            path: table.path().to_path_buf(),
            columns: missing.join(", "),
        });
    }
    let mut sources = Vec::with_capacity(features.names.len());
    let mut categorical = Vec::new();
    for (f, name) in features.names.iter().enumerate() {
        let col = &table.columns[index[name.as_str()]];
        if let Some(names) = features.categories.names(f) {
            categorical.push((f, col, names));
            sources.push(Source::Codes(Vec::new()));
        } else if col.column_type() == ColumnType::String {
            return Err(not_numeric(
                table,
                name,
                "the model uses this column as a numeric feature, so every value must be a number, true/false or missing",
            ));
        } else {
            sources.push(Source::Column(col));
        }
    }
    let strict = features.strict_categories;
    let mapped = exec.map_vec(categorical, |(f, col, names)| {
        map_column(table, &features.names[f], col, names, strict).map(|codes| (f, codes))
    });
    for m in mapped {
        let (f, codes) = m?;
        sources[f] = Source::Codes(codes);
    }
    Ok(sources)
}

/// Each column's index by name (the first of equal names, as
/// [`Table::column_index`] finds).
pub(crate) fn column_indexes(names: &[String]) -> HashMap<&str, usize> {
    let mut index = HashMap::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        index.entry(n.as_str()).or_insert(i);
    }
    index
}
