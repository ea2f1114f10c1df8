//! The types of a read CSV file: options, column types, typed columns and
//! the [`Table`] with the file path and the line of every row kept for error
//! messages. Reading lives in [`crate::csv`].

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// How to read a CSV file.
///
/// ```
/// use gbdt_io::CsvOptions;
/// let semicolons = CsvOptions { delimiter: b';', ..CsvOptions::default() };
/// assert!(semicolons.has_header);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field separator: `b','` (default), `b';'`, `b'\t'` or another single
    /// ASCII punctuation or space byte (not a quote or a line break).
    pub delimiter: u8,
    /// The first line names the columns (default). Without a header the
    /// columns are named `column_0`, `column_1`, ...
    pub has_header: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            has_header: true,
        }
    }
}

impl CsvOptions {
    pub(crate) fn check(&self) -> Result<()> {
        let d = self.delimiter;
        let ok = d == b'\t' || (d.is_ascii_punctuation() && d != b'"') || d == b' ' || d == b'|';
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidOption {
                option: "delimiter",
                value: (d as char).to_string(),
                allowed:
                    "use ',', ';', a tab or another ASCII punctuation character other than '\"'",
            })
        }
    }
}

/// The type inferred for a column over the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Integers and floats (exponent notation, `inf`), or only missing values.
    Number,
    /// `true` / `false` in any case.
    Bool,
    /// Anything else.
    String,
}

impl std::fmt::Display for ColumnType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ColumnType::Number => "number",
            ColumnType::Bool => "bool",
            ColumnType::String => "string",
        })
    }
}

/// Value of a missing bool.
pub(crate) const BOOL_MISSING: u8 = 2;

/// Numbers as `f32`, unless the column holds integers that `f32` cannot
/// represent exactly (large IDs), which stay `f64`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Numbers {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

impl Numbers {
    pub(crate) fn get(&self, row: usize) -> f64 {
        match self {
            Numbers::F32(v) => v[row] as f64,
            Numbers::F64(v) => v[row],
        }
    }
}

/// One column's values. Missing is NaN, [`BOOL_MISSING`] or `None`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Column {
    Number(Numbers),
    Bool(Vec<u8>),
    String(Vec<Option<Box<str>>>),
}

impl Column {
    pub(crate) fn column_type(&self) -> ColumnType {
        match self {
            Column::Number(_) => ColumnType::Number,
            Column::Bool(_) => ColumnType::Bool,
            Column::String(_) => ColumnType::String,
        }
    }

    /// The value as a number: numbers as they are, bools as 0/1; `None`
    /// when missing or text.
    pub(crate) fn number(&self, row: usize) -> Option<f64> {
        match self {
            Column::Number(n) => Some(n.get(row)).filter(|v| !v.is_nan()),
            Column::Bool(b) => (b[row] != BOOL_MISSING).then_some(b[row] as f64),
            Column::String(_) => None,
        }
    }

    /// The value as text (`None` when missing).
    pub(crate) fn text(&self, row: usize) -> Option<String> {
        match self {
            Column::Number(Numbers::F32(v)) => {
                Some(v[row]).filter(|x| !x.is_nan()).map(|x| x.to_string())
            }
            // Wide columns hold large integers (printed as f64, exactly) and
            // other values at f32 precision (printed as f32: `0.1`, not
            // `0.10000000149011612`).
            Column::Number(Numbers::F64(v)) => Some(v[row]).filter(|x| !x.is_nan()).map(|x| {
                if x.fract() != 0.0 || x.abs() <= 16_777_216.0 {
                    (x as f32).to_string()
                } else {
                    x.to_string()
                }
            }),
            Column::Bool(b) => match b[row] {
                0 => Some("false".to_string()),
                1 => Some("true".to_string()),
                _ => None,
            },
            Column::String(s) => s[row].as_deref().map(str::to_string),
        }
    }
}

/// Where each row starts in the file (1-based line numbers).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RowLines {
    /// Row `i` is on line `first + i`.
    Contiguous { first: usize },
    /// Row `i` is on line `lines[i]` (blank lines or quoted line breaks).
    Explicit(Vec<usize>),
}

/// The typed columns of one CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub(crate) path: PathBuf,
    pub(crate) names: Vec<String>,
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: usize,
    pub(crate) lines: RowLines,
}

impl Table {
    /// The file the table was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of data rows (blank lines are skipped, as pandas does).
    pub fn num_rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn num_columns(&self) -> usize {
        self.names.len()
    }

    /// Column names in file order. Empty header names become `Unnamed: i`
    /// and repeated names get `.1`, `.2`, ... as in pandas.
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// Index of a column by exact name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The inferred type of a column.
    pub fn column_type(&self, name: &str) -> Option<ColumnType> {
        self.column_index(name)
            .map(|i| self.columns[i].column_type())
    }

    /// The 1-based line in the file where data row `row` (0-based) starts.
    pub fn line_of_row(&self, row: usize) -> usize {
        match &self.lines {
            RowLines::Contiguous { first } => first + row,
            RowLines::Explicit(lines) => lines.get(row).copied().unwrap_or(0),
        }
    }

    /// Any column rendered as text, one entry per row (missing values are
    /// empty strings), for example for an ID column copied to the output.
    pub fn string_column(&self, name: &str) -> Result<Vec<String>> {
        let col = self.column_by_name(name, "an ID column")?;
        Ok((0..self.rows)
            .map(|r| col.text(r).unwrap_or_default())
            .collect())
    }

    pub(crate) fn column_by_name(&self, name: &str, role: &'static str) -> Result<&Column> {
        self.column_index(name)
            .map(|i| &self.columns[i])
            .ok_or_else(|| self.unknown_column(name, role))
    }

    pub(crate) fn unknown_column(&self, name: &str, role: &'static str) -> Error {
        Error::UnknownColumn {
            path: self.path.clone(),
            column: name.to_string(),
            role,
            known: self.known_columns(),
        }
    }

    /// Column names quoted and joined, shortened for very wide files.
    pub(crate) fn known_columns(&self) -> String {
        const SHOW: usize = 40;
        let mut s = self
            .names
            .iter()
            .take(SHOW)
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", ");
        if self.names.len() > SHOW {
            s.push_str(&format!(" and {} more", self.names.len() - SHOW));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_checked() {
        for ok in [b',', b';', b'\t', b'|', b' '] {
            let o = CsvOptions {
                delimiter: ok,
                has_header: true,
            };
            assert!(o.check().is_ok(), "{ok}");
        }
        for bad in [b'"', b'\n', b'\r', b'a', b'0', 0xff] {
            let o = CsvOptions {
                delimiter: bad,
                has_header: true,
            };
            assert!(o.check().is_err(), "{bad}");
        }
    }

    #[test]
    fn columns_render_values_as_text() {
        let c = Column::Number(Numbers::F32(vec![1.0, f32::NAN, 0.1]));
        assert_eq!(
            (c.text(0), c.text(1), c.text(2)),
            (Some("1".into()), None, Some("0.1".into()))
        );
        assert_eq!(c.number(1), None);
        let b = Column::Bool(vec![1, BOOL_MISSING, 0]);
        assert_eq!(
            (b.number(0), b.number(1), b.text(2)),
            (Some(1.0), None, Some("false".into()))
        );
        let s = Column::String(vec![Some("x".into()), None]);
        assert_eq!(
            (s.number(0), s.text(0), s.text(1)),
            (None, Some("x".into()), None)
        );
    }
}
