//! Query groups for ranking from a column of query ids (`--group COLUMN`)
//! or LibSVM `qid:`: the rows of one query must be contiguous, as in
//! LightGBM's and XGBoost's files. A query id that comes back after
//! another query is an error naming the row and the value (sort the file
//! by the id first). CSV ids are compared as text, so `7` and `7.0` differ.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::table::Table;

/// Group sizes, in row order, of a sequence of query ids; `place(i)` names
/// row `i` for messages.
pub(crate) fn sizes_of<K>(
    ids: impl IntoIterator<Item = K>,
    path: &Path,
    place: impl Fn(usize) -> String,
) -> Result<Vec<usize>>
where
    K: std::hash::Hash + Eq + Clone + std::fmt::Display,
{
    let mut sizes: Vec<usize> = Vec::new();
    let mut first_row: HashMap<K, usize> = HashMap::new();
    let mut current: Option<K> = None;
    for (row, id) in ids.into_iter().enumerate() {
        if current.as_ref() == Some(&id) {
            if let Some(last) = sizes.last_mut() {
                *last += 1;
            }
            continue;
        }
        if let Some(&first) = first_row.get(&id) {
            return Err(Error::InvalidGroup {
                path: path.to_path_buf(),
                place: place(row),
                value: id.to_string(),
                reason: format!(
                    "comes back after other queries (its rows began at {}); the rows of one \
                     query must be contiguous: sort the file by its query id",
                    place(first)
                ),
            });
        }
        first_row.insert(id.clone(), row);
        current = Some(id);
        sizes.push(1);
    }
    Ok(sizes)
}

/// Group sizes from the column `name` of `table`, over the `keep` rows
/// (all without). A missing id is an error.
pub(crate) fn column_sizes(
    table: &Table,
    name: &str,
    keep: Option<&[usize]>,
) -> Result<Vec<usize>> {
    let col = table.column_by_name(name, "the group column")?;
    let rows: Vec<usize> = match keep {
        Some(k) => k.to_vec(),
        None => (0..table.num_rows()).collect(),
    };
    let place = |i: usize| format!("line {}, column '{name}'", table.line_of_row(rows[i]));
    let mut ids = Vec::with_capacity(rows.len());
    for (i, &r) in rows.iter().enumerate() {
        match col.text(r) {
            Some(t) if !t.is_empty() => ids.push(t),
            _ => {
                return Err(Error::InvalidGroup {
                    path: table.path().to_path_buf(),
                    place: place(i),
                    value: String::new(),
                    reason: "is missing; every row needs a query id".to_string(),
                })
            }
        }
    }
    sizes_of(ids, table.path(), place)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_ids_give_sizes_and_a_returning_id_is_an_error() {
        let p = Path::new("q.csv");
        let place = |i: usize| format!("row {}", i + 1);
        assert_eq!(sizes_of([7, 7, 3, 3, 3, 9], p, place).unwrap(), [2, 3, 1]);
        assert_eq!(
            sizes_of(Vec::<u64>::new(), p, place).unwrap(),
            Vec::<usize>::new()
        );
        let e = sizes_of(["a", "a", "b", "a"], p, place)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("q.csv, row 4: query group 'a' comes back after other queries (its rows began at row 1)"),
            "{e}"
        );
        assert!(e.contains("sort the file"), "{e}");
    }
}
