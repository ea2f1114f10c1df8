//! Categorical columns: which columns are categorical ([`CategoricalMode`]),
//! their category codes at training, and the mapping of a file's values to
//! a model's codes at prediction.
//!
//! A category is named by the value's text as [`Column::text`] renders it
//! (text as written, numbers in their shortest form such as `3` for `3.0`,
//! bools as `true`/`false`), so a column read as numbers in one file and as
//! text in another maps to the same codes. Codes follow the sorted order of
//! the distinct values: numeric order for number and bool columns, byte
//! order for text.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use gbdt_core::MAX_CATEGORIES;

use crate::error::{thousands, Error, Result};
use crate::parse::parse_number_text;
use crate::table::{Column, Table};

/// Which columns become categorical features.
///
/// ```
/// use gbdt_io::CategoricalMode;
/// assert_eq!("auto".parse::<CategoricalMode>()?, CategoricalMode::Auto);
/// let named: CategoricalMode = "Purpose, Term".parse()?;
/// assert_eq!(named, CategoricalMode::Columns(vec!["Purpose".into(), "Term".into()]));
/// assert_eq!(named.to_string(), "Purpose,Term");
/// # Ok::<(), gbdt_io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CategoricalMode {
    /// Text columns with at most `max_categories` distinct values are
    /// categorical; identifier-like text columns (every value different, or
    /// more distinct values than the limit and at least one per two rows)
    /// and text columns with too many categories are dropped with the
    /// reason.
    #[default]
    Auto,
    /// No categorical features: number and bool columns only, text columns
    /// dropped (like pandas' `select_dtypes(include=['number', 'bool'])`).
    None,
    /// Exactly these columns are categorical (text, integer or bool
    /// columns); other text columns are dropped.
    Columns(Vec<String>),
}

impl FromStr for CategoricalMode {
    type Err = Error;

    /// `auto`, `none` (any case), or a comma-separated list of column names
    /// (spaces around each name are ignored; a name cannot contain a comma).
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Ok(CategoricalMode::Auto);
        }
        if t.eq_ignore_ascii_case("none") {
            return Ok(CategoricalMode::None);
        }
        let names: Vec<String> = t.split(',').map(|n| n.trim().to_string()).collect();
        if names.iter().any(String::is_empty) {
            return Err(Error::InvalidSelection {
                option: "categorical",
                value: s.to_string(),
                allowed: "auto, none, or column names separated by commas (no empty names)"
                    .to_string(),
            });
        }
        Ok(CategoricalMode::Columns(names))
    }
}

impl fmt::Display for CategoricalMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CategoricalMode::Auto => f.write_str("auto"),
            CategoricalMode::None => f.write_str("none"),
            CategoricalMode::Columns(names) => f.write_str(&names.join(",")),
        }
    }
}

/// A categorical column at training: its category names in code order and
/// the code of every row of the table (NaN when missing).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Coded {
    pub names: Vec<String>,
    pub codes: Vec<f32>,
    /// Rows with a value (over all ranks, once agreed).
    pub values: usize,
}

/// What counting a column's distinct values found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Coding {
    /// At most the limit: the column's categories.
    Coded(Coded),
    /// More distinct values than the limit (all counted).
    TooMany { distinct: usize, values: usize },
}

/// The categories of column `i` with at most `limit` distinct values. A
/// number column must hold whole numbers.
pub(crate) fn code_column(table: &Table, i: usize, limit: usize) -> Result<Coding> {
    match &table.columns[i] {
        Column::String(values) => Ok(code_text(values, limit)),
        col => code_numbers(table, i, col, limit),
    }
}

fn code_text(values: &[Option<Box<str>>], limit: usize) -> Coding {
    let mut seen: HashMap<&str, u32> = HashMap::new();
    let mut first_seen = Vec::with_capacity(values.len());
    for v in values {
        first_seen.push(match v.as_deref() {
            Some(t) => {
                let next = seen.len() as u32;
                *seen.entry(t).or_insert(next)
            }
            None => u32::MAX,
        });
    }
    let count = values.iter().filter(|v| v.is_some()).count();
    if seen.len() > limit {
        return Coding::TooMany {
            distinct: seen.len(),
            values: count,
        };
    }
    let mut sorted: Vec<(&str, u32)> = seen.into_iter().collect();
    sorted.sort_unstable();
    let mut code_of = vec![0u32; sorted.len()];
    for (code, &(_, first)) in sorted.iter().enumerate() {
        code_of[first as usize] = code as u32;
    }
    let codes = first_seen
        .iter()
        .map(|&f| match f {
            u32::MAX => f32::NAN,
            f => code_of[f as usize] as f32,
        })
        .collect();
    Coding::Coded(Coded {
        names: sorted.into_iter().map(|(t, _)| t.to_string()).collect(),
        codes,
        values: count,
    })
}

fn code_numbers(table: &Table, i: usize, col: &Column, limit: usize) -> Result<Coding> {
    let rows = table.num_rows();
    let mut values = Vec::with_capacity(rows);
    for r in 0..rows {
        let Some(v) = col.number(r) else { continue };
        if !v.is_finite() || v.fract() != 0.0 {
            return Err(Error::NonIntegerCategory {
                path: table.path().to_path_buf(),
                line: table.line_of_row(r),
                column: table.names[i].clone(),
                value: col.text(r).unwrap_or_default(),
            });
        }
        // -0 and 0 are one category.
        values.push((v + 0.0, r));
    }
    let count = values.len();
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    values.dedup_by(|b, a| a.0 == b.0);
    if values.len() > limit {
        return Ok(Coding::TooMany {
            distinct: values.len(),
            values: count,
        });
    }
    let distinct: Vec<f64> = values.iter().map(|&(v, _)| v).collect();
    let codes = (0..rows)
        .map(|r| match col.number(r) {
            Some(v) => distinct.partition_point(|&d| d < v + 0.0) as f32,
            None => f32::NAN,
        })
        .collect();
    Ok(Coding::Coded(Coded {
        names: values
            .iter()
            .map(|&(_, r)| col.text(r).unwrap_or_default())
            .collect(),
        codes,
        values: count,
    }))
}

/// A model's category names, for looking up a file's values: by their text,
/// and numbers also by their shortest form (`3.0` finds the category `3`).
pub(crate) struct CategoryLookup<'m> {
    codes: HashMap<&'m str, u32>,
    canonical: HashMap<String, u32>,
}

impl<'m> CategoryLookup<'m> {
    pub(crate) fn new(names: &'m [String]) -> Self {
        let codes: HashMap<&str, u32> = names
            .iter()
            .enumerate()
            .map(|(c, n)| (n.as_str(), c as u32))
            .collect();
        let mut canonical = HashMap::new();
        for (c, n) in names.iter().enumerate() {
            if let Some(key) = canonical_number(n) {
                canonical.entry(key).or_insert(c as u32);
            }
        }
        CategoryLookup { codes, canonical }
    }

    /// The code of a value's text, if the model knows it.
    pub(crate) fn code(&self, text: &str) -> Option<u32> {
        self.codes
            .get(text)
            .copied()
            .or_else(|| self.canonical.get(&canonical_number(text)?).copied())
    }
}

/// The shortest text of a whole number (`"3"` for `"3.0"` or `"3e0"`).
fn canonical_number(text: &str) -> Option<String> {
    let v = parse_number_text(text.as_bytes())?;
    (v.is_finite() && v.fract() == 0.0).then(|| (v + 0.0).to_string())
}

/// The codes of `col` through a model's category names (NaN when missing
/// or unseen, or an error naming the first unseen value when `strict`).
/// Numbers are rendered as text once per distinct value.
pub(crate) fn map_column(
    table: &Table,
    name: &str,
    col: &Column,
    names: &[String],
    strict: bool,
) -> Result<Vec<f32>> {
    let lookup = CategoryLookup::new(names);
    let mut by_number: HashMap<u64, Option<u32>> = HashMap::new();
    let mut out = Vec::with_capacity(table.num_rows());
    for r in 0..table.num_rows() {
        // None: missing; Some(None): a category the model does not know.
        let found = match col {
            Column::String(values) => values[r].as_deref().map(|t| lookup.code(t)),
            col => col.number(r).map(|v| {
                *by_number
                    .entry(v.to_bits())
                    .or_insert_with(|| lookup.code(&col.text(r).unwrap_or_default()))
            }),
        };
        out.push(match found {
            Some(Some(code)) => code as f32,
            Some(None) if strict => {
                return Err(Error::UnseenCategory {
                    path: table.path().to_path_buf(),
                    line: table.line_of_row(r),
                    column: name.to_string(),
                    value: col.text(r).unwrap_or_default(),
                    known: known_categories(names),
                })
            }
            _ => f32::NAN,
        });
    }
    Ok(out)
}

/// A few category names, quoted, for messages.
fn known_categories(names: &[String]) -> String {
    const SHOW: usize = 10;
    let mut s: Vec<String> = names.iter().take(SHOW).map(|n| format!("'{n}'")).collect();
    if names.len() > SHOW {
        s.push(format!("and {} more", names.len() - SHOW));
    }
    s.join(", ")
}

/// Checks `max_categories` against what a feature can hold.
pub(crate) fn check_limit(limit: usize) -> Result<()> {
    if (1..=MAX_CATEGORIES).contains(&limit) {
        Ok(())
    } else {
        Err(Error::InvalidSelection {
            option: "max_categories",
            value: limit.to_string(),
            allowed: format!("1 to {MAX_CATEGORIES} categories per feature"),
        })
    }
}

/// What to do about a column with `count` categories, more than the
/// limit: for a column named as categorical (`named`) or found by `auto`.
pub(crate) fn raise_hint(count: usize, named: bool) -> String {
    match (count > MAX_CATEGORIES, named) {
        (true, true) => format!(
            "a feature can have at most {} categories: do not declare the column categorical",
            thousands(MAX_CATEGORIES)
        ),
        (true, false) => format!(
            "a feature can have at most {} categories",
            thousands(MAX_CATEGORIES)
        ),
        (false, true) => format!(
            "raise the limit (--max-categories {count}) or do not declare the column categorical"
        ),
        (false, false) => {
            format!("raise the limit to use it as a categorical feature (--max-categories {count})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_print() {
        assert_eq!(
            "AUTO".parse::<CategoricalMode>().unwrap(),
            CategoricalMode::Auto
        );
        assert_eq!(
            " none ".parse::<CategoricalMode>().unwrap(),
            CategoricalMode::None
        );
        let c: CategoricalMode = "a, b c".parse().unwrap();
        assert_eq!(c, CategoricalMode::Columns(vec!["a".into(), "b c".into()]));
        assert_eq!(c.to_string(), "a,b c");
        let e = "a,,b".parse::<CategoricalMode>().unwrap_err().to_string();
        assert!(e.contains("no empty names"), "{e}");
        assert!("".parse::<CategoricalMode>().is_err());
    }

    #[test]
    fn text_codes_follow_byte_order() {
        let v: Vec<Option<Box<str>>> = ["b", "a", "", "b", "B"]
            .iter()
            .map(|s| (!s.is_empty()).then(|| (*s).into()))
            .collect();
        let Coding::Coded(c) = code_text(&v, 3) else {
            panic!("within the limit")
        };
        assert_eq!(c.names, ["B", "a", "b"]);
        assert_eq!(&c.codes[..2], [2.0, 1.0]);
        assert!(c.codes[2].is_nan());
        assert_eq!(&c.codes[3..], [2.0, 0.0]);
        assert_eq!(
            code_text(&v, 2),
            Coding::TooMany {
                distinct: 3,
                values: 4
            }
        );
    }

    #[test]
    fn lookups_match_numbers_by_their_shortest_form() {
        let names: Vec<String> = ["1", "10", "2.50", "x"].map(String::from).to_vec();
        let l = CategoryLookup::new(&names);
        assert_eq!(l.code("10"), Some(1));
        assert_eq!(l.code("10.0"), Some(1));
        assert_eq!(l.code("1e1"), Some(1));
        assert_eq!(l.code("x"), Some(3));
        assert_eq!(l.code("2.5"), None);
        assert_eq!(l.code("y"), None);
    }
}
