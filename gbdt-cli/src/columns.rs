//! Which columns of a data file give a model's features: the rule of every
//! command that reads data for a model (predict, eval, importance --type
//! shap), on top of gbdt-io's matching by name.
//!
//! - **By position** for a model without feature names: when the model's
//!   features are named `f0`, `f1`, ... (an XGBoost model saved without
//!   `feature_names`, or a model trained from an ndarray) and the file lacks
//!   one of those columns, the file's columns are the features in order,
//!   leaving out the `--id` column and the target's column. There must be
//!   exactly as many as the model has features.
//! - **Codes as they are** for categorical features whose categories are
//!   `"0"`, `"1"`, ..., `"N-1"` in a model without a stored target (one
//!   imported from XGBoost or LightGBM, or converted from one): the column's
//!   numbers go to the trees unchanged, so a code the model never split on
//!   goes where the original library sends it, not the missing way. With
//!   `--strict-categories` such a code is an error instead.

use std::path::Path;

use gbdt_core::{Categories, Model};
use gbdt_io::{ModelFeatures, Table};

use crate::exit::{CmdResult, Code, Failure};
use crate::input::LoadedModel;

/// The data columns of a model's features and how categorical ones read.
pub struct FeatureColumns {
    names: Vec<String>,
    categories: Categories,
    strict: bool,
}

impl FeatureColumns {
    /// The columns of `table` for `loaded`'s features; `skip` names columns
    /// that are never features (`--id`, the target).
    pub fn new(
        loaded: &LoadedModel,
        table: &Table,
        skip: &[&str],
        strict: bool,
    ) -> CmdResult<FeatureColumns> {
        let header = Header {
            path: table.path(),
            names: table.column_names(),
        };
        FeatureColumns::from_header(loaded, header, skip, strict)
    }

    /// The same from a file's path and column names only (for a file read
    /// in batches).
    pub fn from_header(
        loaded: &LoadedModel,
        header: Header<'_>,
        skip: &[&str],
        strict: bool,
    ) -> CmdResult<FeatureColumns> {
        let model = &loaded.file.model;
        let names = match by_position(model, &header) {
            true => positional_names(model, &header, skip)?,
            false => model.feature_names().to_vec(),
        };
        let as_is = !strict && loaded.file.label_rule.is_none();
        let mut categories = Categories::default();
        for c in model.categories().iter() {
            if !(as_is && is_identity(&c.names)) {
                // Valid names already: they come from the model.
                let _ = categories.insert(c.feature, c.names.clone());
            }
        }
        Ok(FeatureColumns {
            names,
            categories,
            strict,
        })
    }

    /// What gbdt-io needs to read the columns.
    pub fn model_features(&self) -> ModelFeatures<'_> {
        ModelFeatures {
            names: &self.names,
            categories: &self.categories,
            strict_categories: self.strict,
        }
    }
}

/// A data file's path and column names.
#[derive(Clone, Copy)]
pub struct Header<'a> {
    pub path: &'a Path,
    pub names: &'a [String],
}

/// True when the model's features are `f0`, `f1`, ... and the file lacks
/// one of them.
fn by_position(model: &Model, header: &Header<'_>) -> bool {
    let names = model.feature_names();
    let nameless = names.iter().enumerate().all(|(i, n)| *n == format!("f{i}"));
    nameless && names.iter().any(|n| !header.names.contains(n))
}

/// The file's columns but `skip`, exactly as many as the model's features.
fn positional_names(model: &Model, header: &Header<'_>, skip: &[&str]) -> CmdResult<Vec<String>> {
    let columns: Vec<String> = header
        .names
        .iter()
        .filter(|c| !skip.contains(&c.as_str()))
        .cloned()
        .collect();
    let n = model.num_features();
    let last = n.saturating_sub(1);
    if columns.len() != n {
        let left_out = match skip.is_empty() {
            true => String::new(),
            false => format!(" (leaving out {})", skip.join(", ")),
        };
        return Err(Failure::new(
            Code::BadInput,
            format!(
                "{}: the model has no feature names (f0 to f{last}), so its {n} features are \
                 the file's columns in order{left_out}, but the file has {} such columns; give \
                 exactly {n}, or name the columns f0 to f{last}",
                header.path.display(),
                columns.len(),
            ),
        ));
    }
    Ok(columns)
}

/// Category names `"0"`, `"1"`, ... in order: codes stand for themselves.
pub fn is_identity(names: &[String]) -> bool {
    names.iter().enumerate().all(|(i, n)| *n == i.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_names_are_codes() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_identity(&names(&["0", "1", "2"])));
        assert!(!is_identity(&names(&["0", "2"])));
        assert!(!is_identity(&names(&["1", "0"])));
        assert!(!is_identity(&names(&["a"])));
    }
}
