//! Labels from a `--target` expression: a column, a comparison, a string
//! equality or a class mapping.

use gbdt_core::{Collective, Single};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::parse::parse_number_text;
use crate::table::{Column, ColumnType, Numbers, Table};

/// Most classes a class column may have; more usually means an ID column.
pub const MAX_CLASSES: usize = 1000;

/// A comparison operator in a target expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `==` (also written `=`)
    #[serde(rename = "==")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
}

/// Operators as written, longest first so `>=` is not read as `>`.
const OPS: &[(&str, CompareOp)] = &[
    (">=", CompareOp::Ge),
    ("<=", CompareOp::Le),
    ("==", CompareOp::Eq),
    ("!=", CompareOp::Ne),
    (">", CompareOp::Gt),
    ("<", CompareOp::Lt),
    ("=", CompareOp::Eq),
];

impl CompareOp {
    /// The operator as written in a target expression.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
        }
    }

    /// `a op b`.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CompareOp::Gt => a > b,
            CompareOp::Ge => a >= b,
            CompareOp::Lt => a < b,
            CompareOp::Le => a <= b,
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
        }
    }
}

/// How the label of a row is derived from the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LabelRule {
    /// A number or bool column used as it is (bool as 0/1).
    Column {
        /// The label column.
        column: String,
    },
    /// 1 when `column op value` holds, else 0 (`Number of Credit Problems > 1`).
    /// A missing value gives a missing label (pandas would give 0).
    Compare {
        /// A number or bool column.
        column: String,
        /// The comparison.
        op: CompareOp,
        /// The right-hand side.
        #[serde(with = "gbdt_core::serde_float::f64_one")]
        value: f64,
    },
    /// 1 when a string column equals `value`, else 0 (`Loan Status == Charged Off`).
    Equals {
        /// The column, compared as text.
        column: String,
        /// The value that gives label 1.
        value: String,
    },
    /// A class column mapped to `0..classes.len()` in the order of `classes`.
    /// Two classes are a binary label (the first is 0).
    Classes {
        /// The class column, compared as text.
        column: String,
        /// The class names; class `i` is label `i`.
        classes: Vec<String>,
    },
}

/// Resolves a target expression against a table.
///
/// - `Income` on a number or bool column: [`LabelRule::Column`];
/// - `Loan Status` on a string column: [`LabelRule::Classes`] with the
///   sorted distinct values;
/// - `Number of Credit Problems > 1` (operators `> >= < <= == !=`) on a
///   number or bool column: [`LabelRule::Compare`];
/// - `Loan Status == Charged Off` on a string column: [`LabelRule::Equals`].
///
/// Column names may contain spaces and punctuation: the longest column name
/// that the expression starts with and that is followed by an operator wins.
/// A name or value may also be quoted with `` ` ``, `"` or `'`.
///
/// ```
/// use gbdt_io::{parse_csv, parse_target, CompareOp, CsvOptions, LabelRule};
/// let exec = gbdt_core::Executor::new(1)?;
/// let t = parse_csv(b"a > b,x\n1,2\n3,4\n".to_vec(), "t.csv".as_ref(), &CsvOptions::default(), &exec)?;
/// assert_eq!(
///     parse_target("a > b >= 2", &t)?,
///     LabelRule::Compare { column: "a > b".into(), op: CompareOp::Ge, value: 2.0 }
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_target(expr: &str, table: &Table) -> Result<LabelRule> {
    parse_target_on(expr, table, &Single)
}

/// [`parse_target`] on one rank's rows of the data (distributed training,
/// the table from [`crate::read_csv_part`]): the values a rule depends on
/// (class names, whether a compared value occurs) are those of every
/// rank's rows, so every rank gets the rule one process reading all the
/// rows would. Every rank must call it.
pub fn parse_target_on(expr: &str, table: &Table, ranks: &dyn Collective) -> Result<LabelRule> {
    let e = expr.trim();
    if e.is_empty() {
        return Err(invalid(expr, "it is empty; give a column name or a comparison such as 'Number of Credit Problems > 1'".into()));
    }
    if table.column_index(e).is_some() {
        return whole_column(e, table, ranks);
    }
    let Some((column, op, value)) = split_expression(e, table) else {
        if let Some(name) = unquote(e).filter(|n| table.column_index(n).is_some()) {
            return whole_column(name, table, ranks);
        }
        let lhs = OPS
            .iter()
            .filter_map(|(s, _)| e.find(s))
            .min()
            .map_or(e, |i| e[..i].trim());
        return Err(table.unknown_column(unquote(lhs).unwrap_or(lhs), "the target"));
    };
    let value = unquote(value).unwrap_or(value);
    if value.is_empty() {
        return Err(invalid(
            expr,
            format!(
                "nothing after '{}'; give a value to compare with",
                op.symbol()
            ),
        ));
    }
    let col = table.column_by_name(&column, "the target")?;
    match col.column_type() {
        ColumnType::Number | ColumnType::Bool => compare_rule(expr, column, op, value, col),
        ColumnType::String => equals_rule(expr, column, op, value, table, col, ranks),
    }
}

/// `column OP value` on a number or bool column.
fn compare_rule(
    expr: &str,
    column: String,
    op: CompareOp,
    value: &str,
    col: &Column,
) -> Result<LabelRule> {
    let v = if col.column_type() == ColumnType::Bool && value.eq_ignore_ascii_case("true") {
        Some(1.0)
    } else if col.column_type() == ColumnType::Bool && value.eq_ignore_ascii_case("false") {
        Some(0.0)
    } else {
        parse_number_text(value.as_bytes()).filter(|v| !v.is_nan())
    };
    let Some(v) = v else {
        return Err(invalid(
            expr,
            match col.column_type() {
                ColumnType::Bool => format!(
                    "column '{column}' holds true/false values, so compare it with true or false, not '{value}'"
                ),
                _ => format!(
                    "column '{column}' holds numbers, so compare it with a number, not '{value}'"
                ),
            },
        ));
    };
    Ok(LabelRule::Compare {
        column,
        op,
        value: v,
    })
}

/// `column == value` on a text column.
fn equals_rule(
    expr: &str,
    column: String,
    op: CompareOp,
    value: &str,
    table: &Table,
    col: &Column,
    ranks: &dyn Collective,
) -> Result<LabelRule> {
    if op != CompareOp::Eq {
        return Err(invalid(
            expr,
            format!("column '{column}' holds text; only '==' works on text (the label is 1 where the column equals the value)"),
        ));
    }
    let classes = distinct_texts(table, col, ranks);
    if !classes.iter().any(|c| c == value) {
        let similar = classes.iter().find(|c| c.eq_ignore_ascii_case(value));
        let hint = match similar {
            Some(s) => format!("did you mean '{s}'? (values are case-sensitive)"),
            None => format!("values are: {}", list(&classes, 10)),
        };
        return Err(invalid(
            expr,
            format!("no row of column '{column}' has the value '{value}'; {hint}"),
        ));
    }
    Ok(LabelRule::Equals {
        column,
        value: value.to_string(),
    })
}

/// A class rule for any column: the sorted distinct values (numbers sorted
/// by value) mapped to `0..k`. For integer class columns such as `1, 2, 3`.
pub fn class_rule(column: &str, table: &Table) -> Result<LabelRule> {
    class_rule_on(column, table, &Single)
}

fn class_rule_on(column: &str, table: &Table, ranks: &dyn Collective) -> Result<LabelRule> {
    let col = table.column_by_name(column, "the target")?;
    let classes = distinct_texts(table, col, ranks);
    check_classes(column, &classes)?;
    Ok(LabelRule::Classes {
        column: column.to_string(),
        classes,
    })
}

fn whole_column(name: &str, table: &Table, ranks: &dyn Collective) -> Result<LabelRule> {
    let col = table.column_by_name(name, "the target")?;
    match col.column_type() {
        ColumnType::Number | ColumnType::Bool => Ok(LabelRule::Column {
            column: name.to_string(),
        }),
        ColumnType::String => class_rule_on(name, table, ranks),
    }
}

fn check_classes(column: &str, classes: &[String]) -> Result<()> {
    if classes.len() < 2 {
        return Err(invalid(
            column,
            format!(
                "column '{column}' has {} distinct value(s) ({}); a class label needs at least two",
                classes.len(),
                list(classes, 3)
            ),
        ));
    }
    if classes.len() > MAX_CLASSES {
        return Err(invalid(
            column,
            format!(
                "column '{column}' has {} distinct values, more than {MAX_CLASSES} classes; is it an ID column? choose another target",
                classes.len()
            ),
        ));
    }
    Ok(())
}

/// Sorted distinct non-missing values as text, over every rank's rows;
/// numbers sort by value.
fn distinct_texts(table: &Table, col: &Column, ranks: &dyn Collective) -> Vec<String> {
    match col {
        Column::String(values) => {
            let mut v: Vec<&str> = values.iter().filter_map(|s| s.as_deref()).collect();
            v.sort_unstable();
            v.dedup();
            let mine = v.into_iter().map(str::to_string).collect();
            crate::ranks::union_texts(mine, None, ranks)
        }
        _ => {
            let mut v: Vec<f64> = (0..table.num_rows())
                .filter_map(|r| col.number(r))
                .collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            // Rendered the way `Column::text` renders them, so lookups match.
            let mine = v
                .iter()
                .map(|x| match col {
                    Column::Bool(_) => if *x == 1.0 { "true" } else { "false" }.to_string(),
                    Column::Number(Numbers::F32(_)) => (*x as f32).to_string(),
                    _ => x.to_string(),
                })
                .collect();
            crate::ranks::union_texts(mine, Some(v), ranks)
        }
    }
}

/// The part of `e` before the first operator is a column (longest match),
/// the operator, and the rest.
fn split_expression<'e>(e: &'e str, table: &Table) -> Option<(String, CompareOp, &'e str)> {
    if let Some((name, rest)) = quoted_prefix(e) {
        let (op, value) = split_op(rest.trim_start())?;
        return Some((name.to_string(), op, value));
    }
    let mut best: Option<(&String, CompareOp, &str)> = None;
    for name in table.column_names() {
        for candidate in [name.as_str(), name.trim()] {
            let Some(rest) = e.strip_prefix(candidate).filter(|_| !candidate.is_empty()) else {
                continue;
            };
            if let Some((op, value)) = split_op(rest.trim_start()) {
                if best.is_none_or(|(b, _, _)| name.len() > b.len()) {
                    best = Some((name, op, value));
                }
            }
        }
    }
    best.map(|(n, op, v)| (n.clone(), op, v))
}

fn split_op(s: &str) -> Option<(CompareOp, &str)> {
    OPS.iter()
        .find(|(sym, _)| s.starts_with(sym))
        .map(|(sym, op)| (*op, s[sym.len()..].trim()))
}

/// `` `name` rest ``, `"name" rest` or `'name' rest`.
fn quoted_prefix(e: &str) -> Option<(&str, &str)> {
    let q = e.chars().next().filter(|c| matches!(c, '`' | '"' | '\''))?;
    let end = e[1..].find(q)? + 1;
    Some((&e[1..end], &e[end + 1..]))
}

/// The inside of a fully quoted string.
fn unquote(s: &str) -> Option<&str> {
    let (inner, rest) = quoted_prefix(s)?;
    rest.trim().is_empty().then_some(inner)
}

fn invalid(expr: &str, reason: String) -> Error {
    Error::InvalidTarget {
        expr: expr.to_string(),
        reason,
    }
}

fn list(values: &[String], max: usize) -> String {
    let mut s = values
        .iter()
        .take(max)
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ");
    if values.len() > max {
        s.push_str(&format!(" and {} more", values.len() - max));
    }
    if s.is_empty() {
        s.push_str("none");
    }
    s
}

impl LabelRule {
    /// The column the label comes from.
    pub fn column(&self) -> &str {
        match self {
            LabelRule::Column { column }
            | LabelRule::Compare { column, .. }
            | LabelRule::Equals { column, .. }
            | LabelRule::Classes { column, .. } => column,
        }
    }

    /// Number of classes: `Some(2)` for comparisons and equalities,
    /// `Some(k)` for a class mapping, `None` for a column used as it is.
    pub fn num_classes(&self) -> Option<usize> {
        match self {
            LabelRule::Column { .. } => None,
            LabelRule::Compare { .. } | LabelRule::Equals { .. } => Some(2),
            LabelRule::Classes { classes, .. } => Some(classes.len()),
        }
    }

    /// A one-line description, e.g. `Number of Credit Problems > 1` or
    /// `Loan Status (3 classes: A=0, B=1, C=2)`.
    pub fn describe(&self) -> String {
        match self {
            LabelRule::Column { column } => column.clone(),
            LabelRule::Compare { column, op, value } => {
                format!("{column} {} {value}", op.symbol())
            }
            LabelRule::Equals { column, value } => format!("{column} == {value}"),
            LabelRule::Classes { column, classes } => {
                let shown: Vec<String> = classes
                    .iter()
                    .take(10)
                    .enumerate()
                    .map(|(i, c)| format!("{c}={i}"))
                    .collect();
                let more = if classes.len() > 10 { ", ..." } else { "" };
                format!(
                    "{column} ({} classes: {}{more})",
                    classes.len(),
                    shown.join(", ")
                )
            }
        }
    }

    /// The label of every row, NaN where it is missing. Errors name the
    /// file, line and column of a value the rule cannot use.
    pub(crate) fn values(&self, table: &Table) -> Result<Vec<f32>> {
        let col = table.column_by_name(self.column(), "the label")?;
        let name = self.column();
        let rows = table.num_rows();
        match self {
            LabelRule::Column { .. } => column_values(table, col, name),
            LabelRule::Compare { op, value, .. } => {
                if col.column_type() == ColumnType::String {
                    return Err(crate::column_error::not_numeric(
                        table,
                        name,
                        "a comparison label needs numbers or true/false in its column",
                    ));
                }
                Ok((0..rows)
                    .map(|r| {
                        col.number(r)
                            .map_or(f32::NAN, |x| op.holds(x, *value) as u8 as f32)
                    })
                    .collect())
            }
            LabelRule::Equals { value, .. } => Ok((0..rows)
                .map(|r| col.text(r).map_or(f32::NAN, |t| (t == *value) as u8 as f32))
                .collect()),
            LabelRule::Classes { classes, .. } => class_values(table, col, name, classes),
        }
    }
}

/// Labels of a number or bool column taken as they are.
fn column_values(table: &Table, col: &Column, name: &str) -> Result<Vec<f32>> {
    let rows = table.num_rows();
    if col.column_type() == ColumnType::String {
        return Err(crate::column_error::not_numeric(
            table,
            name,
            "the label column must hold numbers or true/false",
        ));
    }
    let mut out = Vec::with_capacity(rows);
    for r in 0..rows {
        let v = col.number(r).unwrap_or(f64::NAN);
        if v.is_infinite() || (v.is_finite() && !(v as f32).is_finite()) {
            return Err(Error::InvalidLabel {
                path: table.path().to_path_buf(),
                line: table.line_of_row(r),
                column: name.to_string(),
                value: v.to_string(),
                reason: "is not a finite number (or does not fit f32); fix or drop that row"
                    .to_string(),
            });
        }
        out.push(v as f32);
    }
    Ok(out)
}

/// Class indexes of a class column, in the order of `classes`.
fn class_values(table: &Table, col: &Column, name: &str, classes: &[String]) -> Result<Vec<f32>> {
    let rows = table.num_rows();
    let mut sorted: Vec<(&str, usize)> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    sorted.sort_unstable();
    let mut out = Vec::with_capacity(rows);
    for r in 0..rows {
        let Some(t) = col.text(r) else {
            out.push(f32::NAN);
            continue;
        };
        match sorted.binary_search_by(|(c, _)| (*c).cmp(t.as_str())) {
            Ok(k) => out.push(sorted[k].1 as f32),
            Err(_) => {
                return Err(Error::InvalidLabel {
                    path: table.path().to_path_buf(),
                    line: table.line_of_row(r),
                    column: name.to_string(),
                    value: t,
                    reason: format!(
                        "is not one of the classes the model knows: {}",
                        list(classes, 10)
                    ),
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_are_read_longest_first() {
        assert_eq!(split_op(">= 3"), Some((CompareOp::Ge, "3")));
        assert_eq!(split_op("> 3"), Some((CompareOp::Gt, "3")));
        assert_eq!(split_op("=x"), Some((CompareOp::Eq, "x")));
        assert_eq!(split_op("!3"), None);
        for op in [
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
            CompareOp::Eq,
            CompareOp::Ne,
        ] {
            assert_eq!(split_op(op.symbol()).map(|(o, _)| o), Some(op));
        }
    }

    #[test]
    fn quotes_around_names_and_values() {
        assert_eq!(quoted_prefix("`a b` > 1"), Some(("a b", " > 1")));
        assert_eq!(quoted_prefix("'x"), None);
        assert_eq!(unquote("\"Charged Off\""), Some("Charged Off"));
        assert_eq!(unquote("\"a\" b"), None);
        assert_eq!(unquote("plain"), None);
    }

    #[test]
    fn comparisons_hold_like_floats() {
        assert!(CompareOp::Gt.holds(2.0, 1.0) && !CompareOp::Gt.holds(1.0, 1.0));
        assert!(CompareOp::Ne.holds(1.0, 2.0) && CompareOp::Le.holds(1.0, 1.0));
        assert!(!CompareOp::Eq.holds(f64::NAN, f64::NAN));
    }
}
