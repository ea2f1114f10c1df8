//! CSV bytes to a [`Table`], in one pipeline:
//!
//! 1. [`source`]: the bytes, in memory or in a file read piece by piece;
//! 2. [`header`]: byte-order mark, names, where the data starts, and the
//!    columns the first rows show to be text;
//! 3. [`chunks`]: the data cut into chunks parsed in parallel by the
//!    executor, by the fast path ([`fast`]) or by csv-core ([`records`]),
//!    numbers straight into each chunk's slot of the column buffers
//!    ([`slots`]);
//! 4. [`assemble`]: column types decided over all chunks, mixed columns read
//!    again as text, columns merged.
//!
//! [`stream`] runs the same pipeline on one batch of rows at a time.
//! [`ctx`] turns what a chunk finds wrong into errors with file and line.

mod assemble;
mod chunks;
mod ctx;
mod fast;
mod header;
mod part;
mod records;
mod slots;
mod source;
mod stream;

use std::path::Path;

use gbdt_core::Executor;

use crate::error::{Error, Result};
use crate::table::{CsvOptions, Table};
use chunks::{Cuts, CHUNK_BYTES};
use ctx::Ctx;
use header::Header;
pub use part::{read_csv_part, DataPart};
use source::Source;
pub use stream::{CsvBatches, BATCH_BYTES};

/// Bytes read first for the header and the type sample; more are read when
/// the header does not end there.
const HEAD_BYTES: u64 = 1 << 20;

/// The longest header line read: a file without a line break (a file of
/// zeros, a binary file) is an error after this many bytes instead of being
/// read whole into memory. 256 MiB is far beyond any real header.
const MAX_HEADER_BYTES: u64 = 256 << 20;

/// Reads a CSV file into typed columns. Types are inferred over the whole
/// file; pandas' missing tokens are missing values in any column type.
///
/// The file is read in chunks of about 1 MiB, parsed in parallel on the
/// executor's workers, so the whole file is never in memory at once. Files
/// with quoted fields are read the same way; only when a quoted field holds
/// a line break where a chunk was cut are the record ends found in one
/// sequential pass first.
///
/// ```
/// use gbdt_core::Executor;
/// use gbdt_io::{read_csv, ColumnType, CsvOptions};
/// # let dir = std::env::temp_dir().join(format!("gbdt-io-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("loans.csv");
/// std::fs::write(&path, "id,amount,approved\nA1,1200.5,true\nA2,NA,false\n")?;
/// let table = read_csv(&path, &CsvOptions::default(), &Executor::new(2)?)?;
/// assert_eq!(table.num_rows(), 2);
/// assert_eq!(table.column_type("amount"), Some(ColumnType::Number));
/// assert_eq!(table.column_type("approved"), Some(ColumnType::Bool));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_csv(path: &Path, opts: &CsvOptions, exec: &Executor) -> Result<Table> {
    opts.check()?;
    let src = Source::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        action: "open CSV file",
        source,
    })?;
    read(&src, path, opts, exec, CHUNK_BYTES)
}

/// Parses CSV bytes already in memory; `path` only names the data in error
/// messages (for example `<stdin>`).
///
/// ```
/// use gbdt_core::Executor;
/// use gbdt_io::{parse_csv, CsvOptions};
/// let csv = b"a;b\n1;x\n2;y\n".to_vec();
/// let opts = CsvOptions { delimiter: b';', ..CsvOptions::default() };
/// let table = parse_csv(csv, "<stdin>".as_ref(), &opts, &Executor::new(1)?)?;
/// assert_eq!(table.string_column("b")?, ["x", "y"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_csv(bytes: Vec<u8>, path: &Path, opts: &CsvOptions, exec: &Executor) -> Result<Table> {
    opts.check()?;
    read(&Source::Memory(bytes), path, opts, exec, CHUNK_BYTES)
}

/// [`parse_csv`] with chunks of `chunk_bytes` (at least 1) instead of about
/// 1 MiB, so that fuzzing (`fuzz/`) reaches the cuts between chunks with
/// small inputs. Not part of the supported API.
#[doc(hidden)]
pub fn parse_csv_chunked(
    bytes: Vec<u8>,
    path: &Path,
    opts: &CsvOptions,
    exec: &Executor,
    chunk_bytes: u64,
) -> Result<Table> {
    opts.check()?;
    read(&Source::Memory(bytes), path, opts, exec, chunk_bytes.max(1))
}

/// The header of `src` and the context its errors are reported in (file,
/// delimiter, column names, first data line).
fn head_and_ctx(src: &Source, path: &Path, opts: &CsvOptions) -> Result<(Header, Ctx)> {
    let mut ctx = Ctx {
        path: path.to_path_buf(),
        delimiter: opts.delimiter,
        names: Vec::new(),
        first_line: 1,
    };
    let header = read_head(src, &ctx, opts, MAX_HEADER_BYTES)?;
    ctx.names = header.names.clone();
    ctx.first_line = header.first_line;
    Ok((header, ctx))
}

/// The pipeline, with the chunk size as a parameter for tests.
fn read(
    src: &Source,
    path: &Path,
    opts: &CsvOptions,
    exec: &Executor,
    chunk_bytes: u64,
) -> Result<Table> {
    let (header, ctx) = head_and_ctx(src, path, opts)?;
    let cuts = Cuts::whole(src, header.data_start as u64, chunk_bytes);
    let (chunks, slots, _) = chunks::read_chunks(src, &ctx, &header.text, cuts, exec)?;
    assemble::assemble(src, &ctx, chunks, slots, opts.has_header, exec)
}

/// The header from the first bytes, reading more until it ends (at most
/// about `max_header` bytes).
fn read_head(src: &Source, ctx: &Ctx, opts: &CsvOptions, max_header: u64) -> Result<Header> {
    let mut buf = Vec::new();
    let mut size = HEAD_BYTES;
    loop {
        let whole = size >= src.len();
        let head = src.window(0, size, &mut buf).map_err(|e| ctx.io_error(e))?;
        if let Some(h) = header::read_header(head, whole, ctx, opts)? {
            return Ok(h);
        }
        if size >= max_header {
            return Err(Error::Csv {
                path: ctx.path.clone(),
                line: 1,
                message: format!(
                    "the first line does not end within {} MiB; is this a CSV file with \
                     line breaks?",
                    max_header >> 20
                ),
            });
        }
        size *= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn exec() -> Executor {
        Executor::new(2).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The table (as its debug text, where NaN equals NaN) or the error
    /// message of `bytes` read in chunks of `chunk` bytes, from memory and
    /// from a file; both must agree.
    fn read_both(bytes: &[u8], chunk: u64) -> std::result::Result<String, String> {
        let opts = CsvOptions::default();
        let path = Path::new("t.csv");
        let mem = read(&Source::Memory(bytes.to_vec()), path, &opts, &exec(), chunk);
        let dir = std::env::temp_dir().join(format!(
            "gbdt-io-csv-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let file_path = dir.join("t.csv");
        std::fs::write(&file_path, bytes).unwrap_or_else(|e| panic!("{e}"));
        let src = Source::open(&file_path).unwrap_or_else(|e| panic!("{e}"));
        let file = read(&src, path, &opts, &exec(), chunk);
        let _ = std::fs::remove_dir_all(&dir);
        let text = |r: Result<Table>| r.map(|t| format!("{t:?}")).map_err(|e| e.to_string());
        let (mem, file) = (text(mem), text(file));
        assert!(mem == file, "memory and file differ (chunk {chunk})");
        mem
    }

    fn read_mem(bytes: &[u8], chunk: u64) -> Table {
        let opts = CsvOptions::default();
        read(
            &Source::Memory(bytes.to_vec()),
            Path::new("t.csv"),
            &opts,
            &exec(),
            chunk,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn sample(rows: usize) -> String {
        let mut s = String::from("id,x,note,flag,mixed\n");
        for i in 0..rows {
            let x = if i % 7 == 0 {
                String::new()
            } else {
                format!("{i}.5")
            };
            let note = match i % 5 {
                0 => format!("\"a, {i}\""),
                1 => format!("\"two\nlines {i}\""),
                2 => "\"say \"\"hi\"\"\"".to_string(),
                _ => format!("plain{i}"),
            };
            let mixed = if i == rows - 2 {
                "late".to_string()
            } else {
                i.to_string()
            };
            let end = if i % 3 == 0 { "\r\n" } else { "\n" };
            s.push_str(&format!("r{i},{x},{note},{},{mixed}{end}", i % 2 == 0));
            if i % 11 == 4 {
                s.push('\n');
            }
        }
        s
    }

    #[test]
    fn every_chunk_size_gives_the_same_table() {
        let text = sample(300);
        let whole = read_mem(text.as_bytes(), 1 << 30);
        assert_eq!(whole.num_rows(), 300);
        assert_eq!(
            whole.string_column("note").unwrap_or_default()[1],
            "two\nlines 1"
        );
        assert_eq!(
            whole.string_column("mixed").unwrap_or_default()[298],
            "late"
        );
        assert_eq!(whole.line_of_row(2), 5); // row 1 spans two lines
        let whole = read_both(text.as_bytes(), 1 << 30);
        for chunk in [1, 7, 64, 500, 4096] {
            assert!(read_both(text.as_bytes(), chunk) == whole, "chunk {chunk}");
        }
        // Quotes only in the last rows: the first cuts at line breaks hold.
        let plain = sample(300)
            .replace("\"a, ", "a; ")
            .replace('"', "")
            .replace("two\nlines", "two lines");
        let late = format!("{plain}\"q\nq\",1,\"n\",true,1\n");
        let whole = read_both(late.as_bytes(), 1 << 30);
        let chunked = read_both(late.as_bytes(), 100);
        assert!(whole.is_ok() && chunked == whole);
    }

    /// Regression (fuzz, csv): a record starting with a byte-order mark
    /// lost it when a chunk started there (csv-core skips a mark at the
    /// start of its first input), so the table depended on the chunk cuts.
    #[test]
    fn a_byte_order_mark_in_the_data_is_kept_at_any_chunk_cut() {
        for text in [
            &b"name,value\r\nfoo,1\r\n\xEF\xBB\xBFbar,\"2\"\r\n"[..],
            b"name,value\nfoo,1\n\xEF\xBB\xBFbar,2\n",
        ] {
            let whole = read_both(text, 1 << 30);
            assert!(
                whole.as_ref().is_ok_and(|t| t.contains("\"\\u{feff}bar\"")),
                "{whole:?}"
            );
            for chunk in [1, 4, 8, 12] {
                assert_eq!(read_both(text, chunk), whole, "chunk {chunk}");
            }
        }
    }

    /// Regression (fuzz, csv): in a column widened to `f64` by a large
    /// integer, a decimal after that integer kept `f64` precision and one
    /// before it `f32`, so a value (and a `--target "x > 16367.74"` label)
    /// depended on where chunks were cut.
    #[test]
    fn a_wide_column_keeps_each_value_the_same_at_any_chunk_cut() {
        let text = b"id,x\n99999999,1\n16367.74,2\n1,3\n16367.74,4\n";
        let whole = read_both(text, 1 << 30);
        for chunk in [1, 8, 14, 20] {
            assert_eq!(read_both(text, chunk), whole, "chunk {chunk}");
        }
        let t = read_mem(text, 1 << 30);
        let x = f64::from(16367.74f32);
        let ids: Vec<_> = (0..4).map(|r| t.columns[0].number(r)).collect();
        assert_eq!(ids, [Some(99_999_999.0), Some(x), Some(1.0), Some(x)]);
        let text = t.string_column("id").unwrap_or_default();
        assert_eq!(text, ["99999999", "16367.74", "1", "16367.74"]);
    }

    /// Regression (issue 16): a file without a line break (here zeros) was
    /// read whole into memory looking for the end of the header.
    #[test]
    fn a_header_without_a_line_break_stops_at_the_limit() {
        let ctx = Ctx {
            path: "zeros.csv".into(),
            delimiter: b',',
            names: Vec::new(),
            first_line: 1,
        };
        let opts = CsvOptions::default();
        let zeros = Source::Memory(vec![b'0'; 5 << 20]);
        let e = read_head(&zeros, &ctx, &opts, 1 << 20)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some(
                "zeros.csv, line 1: malformed CSV: the first line does not end within 1 MiB; \
                 is this a CSV file with line breaks?"
            )
        );
        let mut long = vec![b'a'; 3 << 20];
        long.extend_from_slice(b"\n1\n");
        let head = read_head(&Source::Memory(long), &ctx, &opts, 4 << 20);
        assert!(head.is_ok_and(|h| h.names.len() == 1));
    }

    /// Issue 16: one giant data line after a good header is refused before
    /// it is read into memory (the limit is 64 KiB in unit tests, 256 MiB
    /// in the library), for any chunk size; a long line under the limit
    /// reads.
    #[test]
    fn a_giant_line_is_an_error_not_a_whole_read() {
        let long = format!("a,b\n1,2\n{},3\n4,5\n", "7".repeat(40 << 10));
        for chunk in [16, 4096, CHUNK_BYTES] {
            assert_eq!(read_mem(long.as_bytes(), chunk).num_rows(), 3);
        }
        // A chunk may span its nominal size plus the limit.
        let giant = format!("a,b\n1,2\n{},3\n4,5\n", "7".repeat(200 << 10));
        for chunk in [16, 4096, 64 << 10] {
            let e = read_both(giant.as_bytes(), chunk).err().unwrap_or_default();
            assert!(
                e.contains("hold a record of more than 64 KiB (one very long line"),
                "chunk {chunk}: {e}"
            );
        }
    }

    #[test]
    fn errors_name_the_same_line_for_any_chunk_size() {
        let mut text = sample(200);
        let line = text.matches('\n').count() + 1;
        text.push_str("r,1,2\n");
        for chunk in [16, 1 << 30] {
            let e = read_both(text.as_bytes(), chunk).err().unwrap_or_default();
            assert!(e.contains(&format!("line {line}: 3 fields")), "{e}");
        }
    }

    #[test]
    fn crlf_headers_and_lone_cr_keep_row_lines() {
        let t = read_mem(b"a,b\r\n1,2\r\n3,4\r\n", 4);
        assert_eq!((t.line_of_row(0), t.line_of_row(1)), (2, 3));
        assert_eq!(t.lines, crate::table::RowLines::Contiguous { first: 2 });
        let t = read_mem(b"a,b\n1,2\r3,4\n", 1 << 20);
        assert_eq!((t.num_rows(), t.line_of_row(1)), (2, 2));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn chunked_reads_match_one_chunk(
            cells in prop::collection::vec(prop::sample::select(vec![
                "1", "-2.5", "", "NA", "true", "x", "\"q,1\"", "\"a\nb\"", "\"\"\"\"",
            ]), 0..60),
            ends in prop::collection::vec(prop::sample::select(vec!["\n", "\r\n", "\n\n", "\r"]), 30),
            chunk in 1u64..48,
        ) {
            let mut text = String::from("a,b\n");
            for (i, pair) in cells.chunks(2).enumerate() {
                text.push_str(&pair.join(","));
                text.push_str(ends[i % ends.len()]);
            }
            let whole = read_both(text.as_bytes(), 1 << 30);
            let chunked = read_both(text.as_bytes(), chunk);
            prop_assert_eq!(chunked, whole);
        }
    }
}
