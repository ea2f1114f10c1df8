//! Errors about a column's type, with an example value and its line: shared
//! by label parsing and feature selection.

use crate::error::Error;
use crate::parse::{classify, Cell};
use crate::table::{Column, Table};

/// The error for a string column where numbers are needed: the first value
/// that is not a number, or the first number and bool when it mixes them.
pub(crate) fn not_numeric(table: &Table, name: &str, hint: &'static str) -> Error {
    let path = table.path().to_path_buf();
    let Some(Column::String(values)) = table.column_index(name).map(|i| &table.columns[i]) else {
        return wrong(table, name, "a number column", "it does not hold numbers");
    };
    if let Some((row, v)) = first_text(values) {
        return Error::NotANumber {
            path,
            line: table.line_of_row(row),
            column: name.to_string(),
            value: shorten(v),
            hint,
        };
    }
    let find = |want: fn(Cell) -> bool| {
        values.iter().enumerate().find_map(|(r, v)| {
            let v = v.as_deref()?;
            want(classify(v.as_bytes())).then(|| (table.line_of_row(r), v.to_string()))
        })
    };
    let (number_line, number) = find(|c| matches!(c, Cell::Number(_))).unwrap_or_default();
    let (bool_line, boolean) = find(|c| matches!(c, Cell::Bool(_))).unwrap_or_default();
    Error::MixedColumn {
        path,
        column: name.to_string(),
        number_line,
        number,
        bool_line,
        boolean,
    }
}

pub(crate) fn wrong(table: &Table, name: &str, role: &'static str, reason: &str) -> Error {
    Error::WrongColumnType {
        path: table.path().to_path_buf(),
        column: name.to_string(),
        role,
        reason: reason.to_string(),
    }
}

pub(crate) fn first_text(values: &[Option<Box<str>>]) -> Option<(usize, &str)> {
    values.iter().enumerate().find_map(|(r, v)| {
        let v = v.as_deref()?;
        (classify(v.as_bytes()) == Cell::Text).then_some((r, v))
    })
}

pub(crate) fn shorten(v: &str) -> String {
    if v.chars().count() > 40 {
        format!("{}...", v.chars().take(40).collect::<String>())
    } else {
        v.to_string()
    }
}
