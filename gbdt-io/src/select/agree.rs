//! Selection decisions that depend on every row, agreed among the ranks of
//! distributed training (each holding some rows of the table, with column
//! types already agreed by [`crate::read_csv_part`]), so that every rank
//! decides what one process holding all the rows would:
//!
//! - a categorical column's categories: the union of every rank's
//!   distinct values, in the same sorted order, with every rank's codes
//!   mapped to it; the identifier-like and too-many-categories drops are
//!   decided on the global distinct and value counts. A rank with more
//!   distinct text values than the limit sends 64-bit hashes of them
//!   instead of the values (the global count is then exact unless two
//!   values collide, which changes only the count in a drop's reason);
//! - the first text value of a dropped text column (for its reason);
//!
//! On one rank nothing is exchanged.

use std::collections::{BTreeSet, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use gbdt_core::Collective;

use super::categorical::{Coded, Coding};
use crate::column_error::first_text;
use crate::error::Result;
use crate::ranks::{agree, Read, Wire};
use crate::table::{Column, Table};

/// Every rank's codings of the columns `columns` (each rank's own result,
/// agreed first), made global.
pub(crate) fn codings(
    table: &Table,
    columns: &[usize],
    mine: Vec<Result<Coding>>,
    limit: usize,
    c: &dyn Collective,
) -> Result<Vec<Coding>> {
    let mine = mine.into_iter().collect::<Result<Vec<Coding>>>();
    let mine = agree(mine, c)?;
    if c.size() == 1 {
        return Ok(mine);
    }
    let mut w = Wire::default();
    for (&col, coding) in columns.iter().zip(&mine) {
        write_coding(&mut w, &table.columns[col], table.num_rows(), coding);
    }
    let all = c.all_gather(&w.0);
    let mut readers: Vec<Read> = all.iter().map(|b| Read(b)).collect();
    let mut out = Vec::with_capacity(mine.len());
    for (&col, coding) in columns.iter().zip(mine) {
        let sent: Vec<Sent> = readers.iter_mut().map(read_coding).collect();
        let numbers = match &table.columns[col] {
            Column::String(_) => None,
            col => Some(distinct_numbers(col, table.num_rows())),
        };
        out.push(global(coding, sent, numbers, limit));
    }
    Ok(out)
}

/// What a rank sends about one column: its non-missing rows and its
/// distinct values, as names (with their numbers in a number column) or,
/// past the limit, as keys only.
struct Sent {
    values: usize,
    names: Option<Vec<String>>,
    /// Numbers of a number column, or hashes of text past the limit.
    keys: Vec<f64>,
}

const NAMES: u64 = 0;
const KEYS: u64 = 1;

fn write_coding(w: &mut Wire, col: &Column, rows: usize, coding: &Coding) {
    match coding {
        Coding::Coded(c) => {
            w.u64(NAMES);
            w.u64(c.values as u64);
            w.u64(c.names.len() as u64);
            c.names.iter().for_each(|n| w.str(n));
            let numbers = distinct_numbers(col, rows);
            w.u64(numbers.len() as u64);
            numbers.iter().for_each(|&v| w.f64(v));
        }
        Coding::TooMany { values, .. } => {
            w.u64(KEYS);
            w.u64(*values as u64);
            let keys = match col {
                Column::String(v) => distinct_hashes(v),
                col => distinct_numbers(col, rows),
            };
            w.u64(keys.len() as u64);
            keys.iter().for_each(|&v| w.f64(v));
        }
    }
}

fn read_coding(r: &mut Read) -> Sent {
    let tag = r.u64();
    let values = r.u64() as usize;
    let names = (tag == NAMES).then(|| {
        let n = r.u64() as usize;
        (0..n).map(|_| r.string()).collect()
    });
    let n = r.u64() as usize;
    Sent {
        values,
        names,
        keys: (0..n).map(|_| r.f64()).collect(),
    }
}

/// The sorted distinct numbers of a non-text column (`-0` as `0`).
fn distinct_numbers(col: &Column, rows: usize) -> Vec<f64> {
    if matches!(col, Column::String(_)) {
        return Vec::new();
    }
    let mut v: Vec<f64> = (0..rows).filter_map(|r| col.number(r)).collect();
    v.iter_mut().for_each(|x| *x += 0.0);
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

fn hash(text: &str) -> f64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    f64::from_bits(h.finish())
}

fn distinct_hashes(values: &[Option<Box<str>>]) -> Vec<f64> {
    let set: HashSet<u64> = values.iter().flatten().map(|t| hash(t).to_bits()).collect();
    set.into_iter().map(f64::from_bits).collect()
}

/// The coding of all ranks' rows from what each sent; `mine` is this
/// rank's, whose codes are mapped to the global categories. `numbers`:
/// this rank's distinct numbers in code order, for a number column.
fn global(mine: Coding, sent: Vec<Sent>, numbers: Option<Vec<f64>>, limit: usize) -> Coding {
    let values = sent.iter().map(|s| s.values).sum();
    let past_limit = sent.iter().any(|s| s.names.is_none());
    if let Some(numbers) = numbers {
        let mut all: Vec<f64> = sent.iter().flat_map(|s| s.keys.iter().copied()).collect();
        all.sort_by(f64::total_cmp);
        all.dedup();
        if past_limit || all.len() > limit {
            return Coding::TooMany {
                distinct: all.len(),
                values,
            };
        }
        // A value's name is the first rank's that has it (rows in rank order).
        let names = all
            .iter()
            .map(|v| {
                sent.iter()
                    .find_map(|s| {
                        let i = s.keys.binary_search_by(|k| k.total_cmp(v)).ok()?;
                        s.names.as_ref().map(|n| n[i].clone())
                    })
                    .unwrap_or_default()
            })
            .collect();
        let at = |code: usize| all.partition_point(|d| *d < numbers[code]);
        return remap(mine, names, values, at);
    }
    if past_limit {
        let mut keys: HashSet<u64> = HashSet::new();
        for s in &sent {
            keys.extend(s.keys.iter().map(|k| k.to_bits()));
            for n in s.names.iter().flatten() {
                keys.insert(hash(n).to_bits());
            }
        }
        return Coding::TooMany {
            distinct: keys.len(),
            values,
        };
    }
    let union: BTreeSet<&String> = sent.iter().flat_map(|s| s.names.iter().flatten()).collect();
    if union.len() > limit {
        return Coding::TooMany {
            distinct: union.len(),
            values,
        };
    }
    let names: Vec<String> = union.into_iter().cloned().collect();
    let Coding::Coded(local) = &mine else {
        unreachable!("a rank past the limit makes the column past it")
    };
    let at: Vec<usize> = local
        .names
        .iter()
        .map(|n| names.partition_point(|u| u < n))
        .collect();
    remap(mine, names, values, |code| at[code])
}

/// This rank's coding with its codes renumbered by `at` into `names`.
fn remap(mine: Coding, names: Vec<String>, values: usize, at: impl Fn(usize) -> usize) -> Coding {
    let Coding::Coded(c) = mine else {
        // Within the limit overall means within it on every rank.
        unreachable!("a rank past the limit makes the column past it")
    };
    let new: Vec<f32> = (0..c.names.len()).map(|k| at(k) as f32).collect();
    let codes = c
        .codes
        .iter()
        .map(|&k| if k.is_nan() { k } else { new[k as usize] })
        .collect();
    Coding::Coded(Coded {
        names,
        codes,
        values,
    })
}

/// The row and text of the first text value of a text column over all
/// ranks, as (line, text) (for why the column was dropped).
pub(crate) fn first_text_line(
    table: &Table,
    values: &[Option<Box<str>>],
    c: &dyn Collective,
) -> Option<(usize, String)> {
    let mine = first_text(values).map(|(r, v)| (table.line_of_row(r), v.to_string()));
    if c.size() == 1 {
        return mine;
    }
    let mut w = Wire::default();
    if let Some((line, text)) = &mine {
        w.u64(*line as u64);
        w.str(text);
    }
    c.all_gather(&w.0).iter().find(|b| !b.is_empty()).map(|b| {
        let mut r = Read(b);
        (r.u64() as usize, r.string())
    })
}
