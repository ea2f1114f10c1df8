//! CSV bytes to a [`Table`], in one pipeline:
//!
//! 1. [`source`]: the bytes, in memory or in a file read piece by piece;
//! 2. [`header`]: byte-order mark, names, where the data starts, and the
//!    columns the first rows show to be text;
//! 3. [`chunks`]: the data cut into chunks parsed in parallel by the
//!    executor, by the fast path ([`fast`]) or by csv-core ([`records`]);
//! 4. [`assemble`]: column types decided over all chunks, mixed columns read
//!    again as text, columns merged.
//!
//! [`ctx`] turns what a chunk finds wrong into errors with file and line.

mod assemble;
mod chunks;
mod ctx;
mod fast;
mod header;
mod records;
mod source;

use std::path::Path;

use gbdt_core::Executor;

use crate::error::{Error, Result};
use crate::table::{CsvOptions, Table};
use chunks::{Cuts, Hints, CHUNK_BYTES};
use ctx::Ctx;
use header::Header;
use source::Source;

/// Bytes read first for the header and the type sample; more are read when
/// the header does not end there.
const HEAD_BYTES: u64 = 1 << 20;

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

/// The pipeline, with the chunk size as a parameter for tests.
fn read(
    src: &Source,
    path: &Path,
    opts: &CsvOptions,
    exec: &Executor,
    chunk_bytes: u64,
) -> Result<Table> {
    let mut ctx = Ctx {
        path: path.to_path_buf(),
        delimiter: opts.delimiter,
        names: Vec::new(),
        first_line: 1,
    };
    let head = head(src, &ctx, opts)?;
    ctx.names = head.names;
    ctx.first_line = head.first_line;
    let hints = Hints {
        text: &head.text,
        row_bytes: head.row_bytes,
    };
    let cuts = Cuts {
        start: head.data_start as u64,
        chunk_bytes,
        bounds: None,
    };
    let chunks = chunks::read_chunks(src, &ctx, &hints, cuts, exec)?;
    assemble::assemble(src, &ctx, chunks, opts.has_header, exec)
}

/// The header from the first bytes, reading more until it ends.
fn head(src: &Source, ctx: &Ctx, opts: &CsvOptions) -> Result<Header> {
    let mut buf = Vec::new();
    let mut size = HEAD_BYTES;
    loop {
        let whole = size >= src.len();
        let head = src.window(0, size, &mut buf).map_err(|e| ctx.io_error(e))?;
        if let Some(h) = header::read_header(head, whole, ctx, opts)? {
            return Ok(h);
        }
        size *= 4;
    }
}
