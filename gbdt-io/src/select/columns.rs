//! Which columns of a training table become features, numeric or
//! categorical, and why the others are dropped.

use gbdt_core::{Collective, Executor};

use super::agree;
use super::categorical::{code_column, raise_hint, CategoricalMode, Coded, Coding};
use super::{DroppedColumn, Selection};
use crate::column_error::{not_numeric, shorten, wrong};
use crate::error::{thousands, Error, Result};
use crate::table::{Column, ColumnType, Table};

/// A training feature: its column, and its categories when categorical.
pub(crate) struct Feature {
    pub column: usize,
    pub coded: Option<Coded>,
}

/// What becomes of one column.
enum Plan {
    Numeric,
    /// Categorical; `named` when the user asked for it (more categories
    /// than the limit is then an error, not a reason to drop it).
    Categorical {
        named: bool,
    },
    Dropped(String),
}

/// The features (in matrix order) and the dropped columns (label and
/// weight not included) of a training table.
pub(crate) fn choose_features(
    table: &Table,
    label_col: &str,
    selection: &Selection,
    exec: &Executor,
) -> Result<(Vec<Feature>, Vec<DroppedColumn>)> {
    let named = named_categorical(table, label_col, selection)?;
    let plan = match &selection.features {
        Some(list) => explicit_plan(table, list, label_col, selection, &named)?,
        None => inferred_plan(table, label_col, selection, &named, exec.collective()),
    };
    let to_code: Vec<usize> = plan
        .iter()
        .filter(|(_, p)| matches!(p, Plan::Categorical { .. }))
        .map(|&(i, _)| i)
        .collect();
    let limit = selection.max_categories;
    let codings = exec.map_vec(to_code.clone(), |i| code_column(table, i, limit));
    let mut codings =
        agree::codings(table, &to_code, codings, limit, exec.collective())?.into_iter();
    let mut features = Vec::new();
    let mut dropped = Vec::new();
    for (i, plan) in plan {
        let name = &table.names[i];
        let coding = match plan {
            Plan::Numeric => {
                features.push(Feature {
                    column: i,
                    coded: None,
                });
                continue;
            }
            Plan::Dropped(reason) => {
                dropped.push(drop(name, reason));
                continue;
            }
            Plan::Categorical { named } => (named, codings.next().expect("one coding each")),
        };
        match categorical(table, i, limit, coding)? {
            Ok(coded) => features.push(Feature {
                column: i,
                coded: Some(coded),
            }),
            Err(reason) => dropped.push(drop(name, reason)),
        }
    }
    Ok((features, dropped))
}

fn drop(name: &str, reason: String) -> DroppedColumn {
    DroppedColumn {
        name: name.to_string(),
        reason,
    }
}

/// A coded column's categories, the reason an automatic one is dropped
/// (`Ok(Err(reason))`), or the error for a named one over the limit.
fn categorical(
    table: &Table,
    i: usize,
    limit: usize,
    (named, coding): (bool, Coding),
) -> Result<std::result::Result<Coded, String>> {
    let name = &table.names[i];
    match coding {
        Coding::Coded(c) if c.names.is_empty() => Err(wrong(
            table,
            name,
            "a categorical column",
            "it has no values (every value is missing)",
        )),
        Coding::Coded(c) => {
            let values = c.values;
            let distinct = c.names.len();
            if !named && distinct >= 2 && distinct == values {
                Ok(Err(identifier_like(distinct, values)))
            } else {
                Ok(Ok(c))
            }
        }
        Coding::TooMany { distinct, .. } if named => Err(Error::TooManyCategories {
            path: table.path().to_path_buf(),
            column: name.clone(),
            count: distinct,
            limit,
            hint: raise_hint(distinct, true),
        }),
        Coding::TooMany { distinct, values } if distinct * 2 >= values => {
            Ok(Err(identifier_like(distinct, values)))
        }
        Coding::TooMany { distinct, .. } => Ok(Err(format!(
            "too many categories: text column with {} distinct values, more than the limit of {}; {}",
            thousands(distinct),
            thousands(limit),
            raise_hint(distinct, false)
        ))),
    }
}

/// The reason an identifier-like text column is dropped.
fn identifier_like(distinct: usize, values: usize) -> String {
    format!(
        "identifier-like text: {} distinct values in {} rows",
        thousands(distinct),
        thousands(values)
    )
}

/// The columns named by `CategoricalMode::Columns`, checked: they exist,
/// and are not the label, the weight or dropped, and are in the feature
/// list if there is one.
fn named_categorical(table: &Table, label_col: &str, selection: &Selection) -> Result<Vec<usize>> {
    let CategoricalMode::Columns(names) = &selection.categorical else {
        return Ok(Vec::new());
    };
    let role = "a categorical column";
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let i = table
            .column_index(name)
            .ok_or_else(|| table.unknown_column(name, role))?;
        if is_label_or_weight(table, i, label_col, selection) {
            return Err(wrong(
                table,
                name,
                role,
                "it is the label, weight or group column, which is never a feature",
            ));
        }
        if selection.drop.contains(name) {
            return Err(wrong(table, name, role, "it is also listed in drop"));
        }
        if let Some(list) = &selection.features {
            if !list.contains(name) {
                return Err(wrong(table, name, role, "it is not in the feature list"));
            }
        }
        out.push(i);
    }
    Ok(out)
}

fn explicit_plan(
    table: &Table,
    list: &[String],
    label_col: &str,
    selection: &Selection,
    named: &[usize],
) -> Result<Vec<(usize, Plan)>> {
    let mut plan: Vec<(usize, Plan)> = Vec::with_capacity(table.num_columns());
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
        if selection.group.as_deref() == Some(name.as_str()) {
            return Err(wrong(table, name, role, "it is the query group column"));
        }
        if selection.drop.contains(name) {
            return Err(wrong(table, name, role, "it is also listed in drop"));
        }
        if plan.iter().any(|&(j, _)| j == i) {
            return Err(wrong(table, name, role, "it is listed twice"));
        }
        let text = table.columns[i].column_type() == ColumnType::String;
        let auto = selection.categorical == CategoricalMode::Auto;
        if named.contains(&i) || (text && auto) {
            plan.push((i, Plan::Categorical { named: true }));
        } else if text {
            return Err(not_numeric(
                table,
                name,
                "a feature column must hold numbers, true/false or missing values (or be declared categorical)",
            ));
        } else {
            plan.push((i, Plan::Numeric));
        }
    }
    for i in 0..table.num_columns() {
        if plan.iter().any(|&(j, _)| j == i) || is_label_or_weight(table, i, label_col, selection) {
            continue;
        }
        let reason = if selection.drop.contains(&table.names[i]) {
            "dropped by request"
        } else {
            "not in the feature list"
        };
        plan.push((i, Plan::Dropped(reason.to_string())));
    }
    Ok(plan)
}

fn inferred_plan(
    table: &Table,
    label_col: &str,
    selection: &Selection,
    named: &[usize],
    c: &dyn Collective,
) -> Vec<(usize, Plan)> {
    let mut plan = Vec::with_capacity(table.num_columns());
    for (i, name) in table.names.iter().enumerate() {
        if is_label_or_weight(table, i, label_col, selection) {
            continue;
        }
        let p = if selection.drop.contains(name) {
            Plan::Dropped("dropped by request".to_string())
        } else if named.contains(&i) {
            Plan::Categorical { named: true }
        } else if let Column::String(values) = &table.columns[i] {
            match selection.categorical {
                CategoricalMode::Auto => Plan::Categorical { named: false },
                _ => Plan::Dropped(string_reason(table, values, c)),
            }
        } else {
            Plan::Numeric
        };
        plan.push((i, p));
    }
    plan
}

pub(crate) fn is_label_or_weight(
    table: &Table,
    i: usize,
    label_col: &str,
    selection: &Selection,
) -> bool {
    let name = table.names[i].as_str();
    name == label_col
        || selection.weight.as_deref() == Some(name)
        || selection.group.as_deref() == Some(name)
}

/// Why a string column is not a feature, with an example value.
fn string_reason(table: &Table, values: &[Option<Box<str>>], c: &dyn Collective) -> String {
    match agree::first_text_line(table, values, c) {
        Some((line, v)) => format!(
            "string column (line {line} has '{}', which is not a number or true/false)",
            shorten(&v)
        ),
        None => "string column (it mixes numbers and true/false values)".to_string(),
    }
}
