//! A model's features from a CSV file read batch by batch
//! ([`CsvBatches`]), giving in every batch exactly the rows of
//! [`prediction_features`] on the whole file, while memory stays that of
//! one batch.
//!
//! Types come from the model, not from the whole file:
//!
//! - a numeric feature's values are read as numbers (or true/false) in each
//!   batch; text is the same error as for the whole file, and so is a
//!   column that mixes numbers and true/false across batches;
//! - the codes of a categorical feature, and the text of a column copied
//!   to the output (an ID), depend on the column's type over the whole
//!   file: a number column maps `3.0` to category `3` and renders `007` as
//!   `7`, a text column keeps the text. Such a column that the first rows
//!   do not already show to be text is typed by one pass over the file
//!   first (which stops as soon as every such column shows text); then it
//!   is read as text in every batch, or typed per batch, which gives the
//!   same values.

use gbdt_core::Executor;
use ndarray::Array2;

use super::model_features::column_indexes;
use super::{prediction_features, ModelFeatures};
use crate::csv::CsvBatches;
use crate::error::{Error, Result};
use crate::table::{ColumnType, Table};

/// The first non-missing value seen in a numeric feature's column.
struct Seen {
    kind: ColumnType,
    line: usize,
    text: String,
}

/// A model's features from a CSV file, batch by batch.
///
/// ```
/// use gbdt_core::{train, Executor, Params};
/// use gbdt_io::{parse_csv, parse_target, training_data, CsvBatches, CsvOptions, FeatureBatches, ModelFeatures, Selection};
///
/// let exec = Executor::new(2)?;
/// let text = "id,color,x,y\n1,red,1,1\n2,blue,2,0\n3,red,3,1\n4,blue,4,0\n";
/// let table = parse_csv(text.as_bytes().to_vec(), "t.csv".as_ref(), &CsvOptions::default(), &exec)?;
/// let selection = Selection { drop: vec!["id".into()], ..Selection::default() };
/// let data = training_data(&table, &parse_target("y", &table)?, &selection, &exec)?;
/// let model = train(&Params { num_rounds: 1, ..Params::default() }, &data.dataset()?, &[])?;
///
/// # let dir = std::env::temp_dir().join(format!("gbdt-io-fb-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("new.csv");
/// std::fs::write(&path, "id,x,color\n007,5,blue\n008,6,green\n")?;
/// let csv = CsvBatches::open(&path, &CsvOptions::default())?.with_batch_bytes(10);
/// let mut batches = FeatureBatches::new(csv, ModelFeatures::of(&model), &["id"], &exec)?;
/// let mut ids = Vec::new();
/// while let Some((rows, x)) = batches.next_batch(&exec)? {
///     assert_eq!(x.ncols(), 2); // the model's features: color, x
///     ids.extend(rows.string_column("id")?);
/// }
/// assert_eq!(ids, ["7", "8"]); // a number column, as read_csv renders it
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct FeatureBatches<'m> {
    batches: CsvBatches,
    features: ModelFeatures<'m>,
    /// The numeric features' columns and their first value.
    numeric: Vec<(usize, Option<Seen>)>,
}

impl<'m> FeatureBatches<'m> {
    /// The features of `features` from `batches`; `copied` names columns
    /// whose text is wanted too (an ID column), rendered as
    /// [`Table::string_column`] renders the whole file's column. Missing
    /// feature columns are an error naming them all, as for
    /// [`prediction_features`].
    pub fn new(
        mut batches: CsvBatches,
        features: ModelFeatures<'m>,
        copied: &[&str],
        exec: &Executor,
    ) -> Result<FeatureBatches<'m>> {
        let indexes = column_indexes(batches.column_names());
        let index = |n: &str| indexes.get(n).copied();
        let missing: Vec<String> = features
            .names
            .iter()
            .filter(|n| index(n).is_none())
            .map(|n| format!("'{n}'"))
            .collect();
        if !missing.is_empty() {
            return Err(Error::MissingFeatureColumns {
                path: batches.path().to_path_buf(),
                columns: missing.join(", "),
            });
        }
        let mut typed = Vec::new();
        let mut numeric = Vec::new();
        for (f, name) in features.names.iter().enumerate() {
            let c = index(name).unwrap_or_default();
            match features.categories.names(f).is_some() {
                true => typed.push(c),
                false => numeric.push(c),
            }
        }
        typed.extend(copied.iter().filter_map(|n| index(n)));
        for &c in &numeric {
            batches.set_text(c, false);
        }
        for (c, text) in whole_file_text(&mut batches, &typed, exec)? {
            batches.set_text(c, text);
        }
        Ok(FeatureBatches {
            batches,
            features,
            numeric: numeric.into_iter().map(|c| (c, None)).collect(),
        })
    }

    /// The next batch's rows (for copied columns and line numbers) and
    /// features, `None` after the last.
    pub fn next_batch(&mut self, exec: &Executor) -> Result<Option<(Table, Array2<f32>)>> {
        let Some(table) = self.batches.next_batch(exec)? else {
            return Ok(None);
        };
        self.check_numeric(&table)?;
        let x = prediction_features(&table, &self.features, exec)?;
        Ok(Some((table, x)))
    }

    /// Data rows read so far.
    pub fn rows_read(&self) -> usize {
        self.batches.rows_read()
    }

    /// Numbers in one batch and true/false in another make a mixed column,
    /// as they do in the whole file.
    fn check_numeric(&mut self, table: &Table) -> Result<()> {
        for (c, seen) in &mut self.numeric {
            let col = &table.columns[*c];
            let kind = col.column_type();
            if kind == ColumnType::String || seen.as_ref().is_some_and(|s| s.kind == kind) {
                continue;
            }
            let Some(r) = (0..table.num_rows()).find(|&r| col.number(r).is_some()) else {
                continue;
            };
            let here = Seen {
                kind,
                line: table.line_of_row(r),
                text: col.text(r).unwrap_or_default(),
            };
            let Some(first) = seen.take() else {
                *seen = Some(here);
                continue;
            };
            let (number, boolean) = match first.kind {
                ColumnType::Number => (first, here),
                _ => (here, first),
            };
            return Err(Error::MixedColumn {
                path: table.path().to_path_buf(),
                column: table.names[*c].clone(),
                number_line: number.line,
                number: number.text,
                bool_line: boolean.line,
                boolean: boolean.text,
            });
        }
        Ok(())
    }
}

/// For each of `columns`: is it a text column over the whole file? Columns
/// the first rows show to be text are; the others are typed by one pass
/// that stops once they all are. The batches start again at the first row.
fn whole_file_text(
    batches: &mut CsvBatches,
    columns: &[usize],
    exec: &Executor,
) -> Result<Vec<(usize, bool)>> {
    let mut text: Vec<(usize, bool)> = columns
        .iter()
        .map(|&c| (c, batches.sniffed_text(c)))
        .collect();
    if text.iter().all(|&(_, t)| t) {
        return Ok(text);
    }
    for &(c, _) in &text {
        batches.set_text(c, false);
    }
    while let Some(table) = batches.next_batch(exec)? {
        for (c, t) in &mut text {
            *t |= table.columns[*c].column_type() == ColumnType::String;
        }
        if text.iter().all(|&(_, t)| t) {
            break;
        }
    }
    batches.rewind();
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::read_csv;
    use crate::table::CsvOptions;
    use gbdt_core::Categories;

    fn exec() -> Executor {
        Executor::new(2).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A temporary CSV file holding `text`, removed when dropped.
    fn tmp_csv(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
        file
    }

    type Outcome = std::result::Result<(Vec<u32>, Vec<String>), String>;

    /// The features (as bits, so NaN equals NaN) and ID texts, or the
    /// error, of the whole file and of batches of `batch` bytes.
    fn both(path: &std::path::Path, features: ModelFeatures<'_>, batch: u64) -> [Outcome; 2] {
        let whole = read_csv(path, &CsvOptions::default(), &exec()).and_then(|t| {
            let x = prediction_features(&t, &features, &exec())?;
            Ok((
                x.iter().map(|v| v.to_bits()).collect(),
                t.string_column("id")?,
            ))
        });
        let streamed = (|| {
            let csv = CsvBatches::open(path, &CsvOptions::default())?.with_batch_bytes(batch);
            let mut b = FeatureBatches::new(csv, features, &["id"], &exec())?;
            let (mut x, mut ids) = (Vec::new(), Vec::new());
            while let Some((t, f)) = b.next_batch(&exec())? {
                x.extend(f.iter().map(|v| v.to_bits()));
                ids.extend(t.string_column("id")?);
            }
            Ok::<_, Error>((x, ids))
        })();
        [whole, streamed].map(|r| r.map_err(|e| e.to_string()))
    }

    fn model_features(categories: &Categories) -> ModelFeatures<'_> {
        static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let names = NAMES.get_or_init(|| ["x", "c", "b"].map(String::from).to_vec());
        ModelFeatures {
            names,
            categories,
            strict_categories: false,
        }
    }

    /// A file whose categorical column `c` and ID column hold numbers in
    /// the first rows and text (or a number written differently) later:
    /// per-batch types would give other codes and IDs.
    fn tricky(rows: usize, late_text: bool) -> String {
        let mut s = String::from("id,b,extra,c,x\n");
        for i in 0..rows {
            let c = match i % 3 {
                0 => "3.0".to_string(),
                1 => "\"2.50\"".to_string(),
                _ => format!("{}", i % 5),
            };
            let id = if late_text && i == rows - 1 {
                "last".to_string()
            } else {
                format!("{i:04}")
            };
            let b = if i % 4 == 0 {
                ""
            } else if i % 2 == 0 {
                "true"
            } else {
                "FALSE"
            };
            s.push_str(&format!("{id},{b},\"q\n{i}\",{c},{}.25\n", i % 17));
        }
        if late_text {
            s.push_str("9999,true,e,zz,1\n");
        }
        s
    }

    #[test]
    fn batches_give_the_whole_file_features_and_ids() {
        let mut categories = Categories::default();
        let names = ["2.5", "2.50", "3", "4", "zz"].map(String::from).to_vec();
        categories.insert(1, names).unwrap();
        let features = model_features(&categories);
        for late_text in [false, true] {
            let tmp = tmp_csv(&tricky(120, late_text));
            let [whole, _] = both(tmp.path(), features, 1 << 30);
            assert!(whole.is_ok(), "{whole:?}");
            for batch in [1, 13, 100, 700, 1 << 30] {
                let [whole, streamed] = both(tmp.path(), features, batch);
                assert_eq!(streamed, whole, "batch {batch} late_text {late_text}");
            }
        }
    }

    #[test]
    fn errors_match_the_whole_file() {
        let categories = Categories::default();
        let features = model_features(&categories);
        let cases = [
            (
                "late_text",
                "id,x,c,b\n1,1,1,true\n2,1,1,false\n3,x7,1,true\n",
            ),
            ("mixed", "id,x,c,b\n1,1,1,true\n2,1,1,false\n3,1,1,4\n"),
            ("missing", "id,x\n1,1\n"),
        ];
        for (name, text) in cases {
            let tmp = tmp_csv(text);
            for batch in [1, 10, 1 << 20] {
                let [whole, streamed] = both(tmp.path(), features, batch);
                assert!(whole.is_err(), "{name}");
                assert_eq!(streamed, whole, "{name} batch {batch}");
            }
        }
    }
}
