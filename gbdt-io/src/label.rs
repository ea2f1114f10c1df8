//! Labels from a `--target` expression: a column, a comparison, a string
//! equality or a class mapping.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::table::Table;

/// A comparison operator in a target expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

/// How the label of a row is derived from the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LabelRule {
    /// A number or bool column used as it is (bool as 0/1).
    Column { column: String },
    /// 1 when `column op value` holds, else 0 (`Number of Credit Problems > 1`).
    Compare {
        column: String,
        op: CompareOp,
        value: f64,
    },
    /// 1 when a string column equals `value`, else 0 (`Loan Status == Charged Off`).
    Equals { column: String, value: String },
    /// A class column mapped to `0..classes.len()` in the order of `classes`.
    Classes {
        column: String,
        classes: Vec<String>,
    },
}

/// Resolves a target expression against a table.
pub fn parse_target(expr: &str, table: &Table) -> Result<LabelRule> {
    let _ = (expr, table);
    todo!("parse_target")
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

    /// A one-line human description.
    pub fn describe(&self) -> String {
        todo!()
    }
}
