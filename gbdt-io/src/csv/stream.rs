//! A CSV file read in batches of rows, so that memory does not grow with
//! the file: the same pipeline as [`super::read_csv`] (header, chunks
//! parsed in parallel on the executor, assembly into typed columns), run on
//! one batch of about [`BATCH_BYTES`] at a time.
//!
//! A batch ends just after a line break; when a quoted field holds a line
//! break there, the batch's last chunk ends inside a record and the batch
//! is cut again at the first record end after it (one sequential csv-core
//! pass over the batch). Column types are inferred per batch, unless a
//! column is read as text ([`CsvBatches::set_text`]).

use std::path::Path;

use gbdt_core::Executor;

use super::chunks::{read_chunks, Cuts, CHUNK_BYTES};
use super::ctx::Ctx;
use super::source::Source;
use super::{read_head, MAX_HEADER_BYTES};
use crate::error::{Error, Result};
use crate::table::{CsvOptions, Table};

/// Bytes per batch: 16 chunks, so every worker has chunks to parse, and a
/// batch of a 28-column numeric file holds about 100 000 rows.
pub const BATCH_BYTES: u64 = 16 * CHUNK_BYTES;

/// A CSV file read batch by batch: each batch is a [`Table`] of the next
/// rows, with the file's path and its real line numbers.
///
/// ```
/// use gbdt_core::Executor;
/// use gbdt_io::{ColumnType, CsvBatches, CsvOptions};
/// # let dir = std::env::temp_dir().join(format!("gbdt-io-batches-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("big.csv");
/// std::fs::write(&path, "id,x\n007,1.5\n008,2\n009,NA\n")?;
/// let mut batches = CsvBatches::open(&path, &CsvOptions::default())?.with_batch_bytes(8);
/// assert_eq!(batches.column_names(), ["id", "x"]);
/// batches.set_text(0, true); // keep "007" as written
/// let exec = Executor::new(2)?;
/// let mut rows = 0;
/// while let Some(batch) = batches.next_batch(&exec)? {
///     assert_eq!(batch.column_type("id"), Some(ColumnType::String));
///     assert_eq!(batch.line_of_row(0), rows + 2);
///     rows += batch.num_rows();
/// }
/// assert_eq!(rows, 3);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CsvBatches {
    src: Source,
    ctx: Ctx,
    has_header: bool,
    /// Columns sniffed as text from the first rows.
    sniffed: Vec<bool>,
    /// Columns read as text.
    text: Vec<bool>,
    data_start: u64,
    first_line: usize,
    /// Where the next batch starts, and its first line.
    at: u64,
    line: usize,
    rows: usize,
    batch_bytes: u64,
    chunk_bytes: u64,
}

impl CsvBatches {
    /// Opens `path` and reads its header. Columns the first rows show to
    /// hold text are read as text; the others have their type inferred in
    /// every batch.
    pub fn open(path: &Path, opts: &CsvOptions) -> Result<CsvBatches> {
        opts.check()?;
        let src = Source::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            action: "open CSV file",
            source,
        })?;
        let mut ctx = Ctx {
            path: path.to_path_buf(),
            delimiter: opts.delimiter,
            names: Vec::new(),
            first_line: 1,
        };
        let header = read_head(&src, &ctx, opts, MAX_HEADER_BYTES)?;
        ctx.names = header.names;
        Ok(CsvBatches {
            src,
            ctx,
            has_header: opts.has_header,
            text: header.text.clone(),
            sniffed: header.text,
            data_start: header.data_start as u64,
            at: header.data_start as u64,
            first_line: header.first_line,
            line: header.first_line,
            rows: 0,
            batch_bytes: BATCH_BYTES,
            chunk_bytes: CHUNK_BYTES,
        })
    }

    /// Batches of about `bytes` bytes (at least 1) instead of
    /// [`BATCH_BYTES`]: for tests of batch boundaries.
    pub fn with_batch_bytes(self, bytes: u64) -> CsvBatches {
        let bytes = bytes.max(1);
        CsvBatches {
            batch_bytes: bytes,
            chunk_bytes: self.chunk_bytes.min(bytes),
            ..self
        }
    }

    /// The column names, from the header (or `column_i`).
    pub fn column_names(&self) -> &[String] {
        &self.ctx.names
    }

    /// The file's path, as given.
    pub fn path(&self) -> &Path {
        &self.ctx.path
    }

    /// True when the first rows show text in column `column`: it is a
    /// string column in [`super::read_csv`] whatever follows.
    pub fn sniffed_text(&self, column: usize) -> bool {
        self.sniffed.get(column).copied().unwrap_or(false)
    }

    /// Reads column `column` as text in every batch (the values as
    /// written, numbers too), or (`false`) infers its type per batch.
    pub fn set_text(&mut self, column: usize, text: bool) {
        if let Some(t) = self.text.get_mut(column) {
            *t = text;
        }
    }

    /// Data rows returned so far.
    pub fn rows_read(&self) -> usize {
        self.rows
    }

    /// Starts again at the first data row.
    pub fn rewind(&mut self) {
        self.at = self.data_start;
        self.line = self.first_line;
        self.rows = 0;
    }

    /// The next batch of rows, `None` after the last one. Blank batches
    /// are skipped; a file without any data row is an error, as for
    /// [`super::read_csv`].
    pub fn next_batch(&mut self, exec: &Executor) -> Result<Option<Table>> {
        while self.at < self.src.len() {
            if let Some(table) = self.read_batch(exec)? {
                self.rows += table.num_rows();
                return Ok(Some(table));
            }
        }
        if self.rows == 0 {
            let path = self.ctx.path.clone();
            return Err(match self.has_header {
                true => Error::NoDataRows { path },
                false => Error::EmptyFile { path },
            });
        }
        Ok(None)
    }

    /// Parses the batch at `self.at` and moves past it; `None` when it
    /// holds no rows (blank lines).
    fn read_batch(&mut self, exec: &Executor) -> Result<Option<Table>> {
        let len = self.src.len();
        let target = self.at.saturating_add(self.batch_bytes);
        let end = match target >= len {
            true => len,
            false => {
                let mut buf = Vec::new();
                let end = self.src.line_start_from(target, &mut buf);
                end.map_err(|e| self.ctx.io_error(e))?
            }
        };
        let cuts = Cuts {
            start: self.at,
            end,
            eof: end >= len,
            chunk_bytes: self.chunk_bytes,
            bounds: None,
        };
        self.ctx.first_line = self.line;
        let (chunks, slots, end) = read_chunks(&self.src, &self.ctx, &self.text, cuts, exec)?;
        self.at = end;
        self.line += chunks.iter().map(|c| c.newlines).sum::<usize>();
        if chunks.iter().all(|c| c.rows == 0) {
            return Ok(None);
        }
        let table =
            super::assemble::assemble(&self.src, &self.ctx, chunks, slots, self.has_header, exec)?;
        Ok(Some(table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec() -> Executor {
        Executor::new(2).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A temporary CSV file holding `bytes`, removed when dropped.
    fn tmp_csv(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        std::io::Write::write_all(&mut file, bytes).unwrap();
        file
    }

    /// Rows with quoted fields (line breaks, delimiters, quotes), blank
    /// lines, CRLF and a missing final line break.
    fn sample(rows: usize) -> String {
        let mut s = String::from("id,x,note\n");
        for i in 0..rows {
            let note = match i % 4 {
                0 => format!("\"a, {i}\""),
                1 => format!("\"two\nlines\n{i}\""),
                2 => "\"say \"\"hi\"\"\"".to_string(),
                _ => format!("plain{i}"),
            };
            let end = if i % 3 == 0 { "\r\n" } else { "\n" };
            s.push_str(&format!("{i:03},{i}.5,{note}{end}"));
            if i % 7 == 2 {
                s.push('\n');
            }
        }
        s.pop();
        s
    }

    /// Every batch's (id, x, note, line) rows, ids and notes read as text.
    fn streamed(path: &Path, batch: u64) -> Result<Vec<(String, String, String, usize)>> {
        let mut b = CsvBatches::open(path, &CsvOptions::default())?.with_batch_bytes(batch);
        b.set_text(0, true);
        let mut out = Vec::new();
        while let Some(t) = b.next_batch(&exec())? {
            let (ids, xs, notes) = (
                t.string_column("id")?,
                t.string_column("x")?,
                t.string_column("note")?,
            );
            for r in 0..t.num_rows() {
                out.push((
                    ids[r].clone(),
                    xs[r].clone(),
                    notes[r].clone(),
                    t.line_of_row(r),
                ));
            }
        }
        assert_eq!(b.rows_read(), out.len());
        Ok(out)
    }

    #[test]
    fn batches_of_any_size_give_the_rows_of_the_whole_file() {
        let text = sample(200);
        let tmp = tmp_csv(text.as_bytes());
        let whole = super::super::read_csv(tmp.path(), &CsvOptions::default(), &exec()).unwrap();
        let (xs, notes) = (
            whole.string_column("x").unwrap(),
            whole.string_column("note").unwrap(),
        );
        let expected: Vec<_> = (0..whole.num_rows())
            .map(|r| {
                (
                    format!("{r:03}"),
                    xs[r].clone(),
                    notes[r].clone(),
                    whole.line_of_row(r),
                )
            })
            .collect();
        assert_eq!(expected[1].2, "two\nlines\n1");
        for batch in [1, 5, 17, 64, 333, 4096, 1 << 30] {
            assert_eq!(
                streamed(tmp.path(), batch).unwrap(),
                expected,
                "batch {batch}"
            );
        }
    }

    #[test]
    fn errors_name_the_line_and_empty_files_fail_like_read_csv() {
        let mut text = sample(50);
        let line = text.matches('\n').count() + 2;
        text.push_str("\n1,2\n");
        let tmp = tmp_csv(text.as_bytes());
        for batch in [7, 1 << 20] {
            let e = streamed(tmp.path(), batch).unwrap_err().to_string();
            assert!(e.contains(&format!("line {line}: 2 fields")), "{e}");
        }
        let tmp = tmp_csv(b"id,x,note\n\n\n");
        let e = streamed(tmp.path(), 2).unwrap_err().to_string();
        assert!(e.contains("has a header line but no data rows"), "{e}");
    }

    #[test]
    fn a_file_truncated_between_batches_is_an_error_naming_it() {
        let text = sample(100);
        let tmp = tmp_csv(text.as_bytes());
        let mut b = CsvBatches::open(tmp.path(), &CsvOptions::default())
            .unwrap()
            .with_batch_bytes(200);
        assert!(b.next_batch(&exec()).unwrap().is_some());
        std::fs::OpenOptions::new()
            .write(true)
            .open(tmp.path())
            .and_then(|f| f.set_len(text.len() as u64 / 2))
            .unwrap();
        let e = loop {
            match b.next_batch(&exec()) {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("a truncated file read to its end"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(
            e.starts_with(&format!("could not read CSV file {}", tmp.path().display())),
            "{e}"
        );
        assert!(e.contains("truncated or replaced while being read"), "{e}");
    }
}
