//! The parts of a selection that touch every row: rows kept after missing
//! labels, weights, and the row-major `f32` feature matrix built on the
//! executor's workers.

use gbdt_core::Executor;
use ndarray::Array2;

use crate::error::{Error, Result};
use crate::label::LabelRule;
use crate::table::{Column, Numbers, Table, BOOL_MISSING};

/// Where a feature's values come from: a column as it is (numbers, bools
/// as 0/1), or category codes, one per table row.
pub(crate) enum Source<'t> {
    Column(&'t Column),
    Codes(Vec<f32>),
}

/// Rows to keep (`None`: all) given missing labels.
pub(crate) fn kept_rows(
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

pub(crate) fn weights(table: &Table, name: &str, keep: Option<&[usize]>) -> Result<Vec<f32>> {
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
pub(crate) fn matrix(
    cols: &[Source<'_>],
    rows: usize,
    keep: Option<&[usize]>,
    exec: &Executor,
) -> Array2<f32> {
    let n = keep.map_or(rows, <[usize]>::len);
    let f = cols.len();
    let mut out = vec![0f32; n * f];
    if f > 0 {
        exec.for_each_chunk_mut(&mut out, BLOCK_ROWS * f, |b, block| {
            let first = b * BLOCK_ROWS;
            let count = block.len() / f;
            for (j, col) in cols.iter().enumerate() {
                match (col, keep) {
                    // The common cases without a per-value match.
                    (Source::Column(Column::Number(Numbers::F32(v))), None)
                    | (Source::Codes(v), None) => {
                        for (dst, &x) in block[j..]
                            .iter_mut()
                            .step_by(f)
                            .zip(&v[first..first + count])
                        {
                            *dst = x;
                        }
                    }
                    (Source::Codes(v), Some(k)) => {
                        for i in 0..count {
                            block[i * f + j] = v[k[first + i]];
                        }
                    }
                    (Source::Column(col), _) => {
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
