//! One rank's rows of distributed training data ([`read_csv_part`]): its
//! line range of one file, or a file of its own, read by the pipeline of
//! [`super::read_csv`], with the column types agreed among the ranks so
//! that every rank's table has the types one process reading all the rows
//! would infer.
//!
//! The steps, each agreed (a rank that fails makes every rank fail,
//! naming it) before the next exchange:
//! 1. the header and, for a line range, the line breaks of every rank's
//!    range, so that rows keep the file's line numbers;
//! 2. the chunks of the range, parsed in parallel;
//! 3. each column's type over the ranks (a column with text on any rank
//!    is text everywhere, read again as text where it held numbers) and
//!    whether any rank needs `f64` for it (a wide integer);
//! 4. the table.

use std::path::{Path, PathBuf};

use gbdt_core::{Collective, Executor};

use super::chunks::{read_chunks, Chunk, Cuts, CHUNK_BYTES};
use super::ctx::Ctx;
use super::header::Header;
use super::source::Source;
use super::{assemble, head_and_ctx};
use crate::builder::{merged_kind, Kind, Part};
use crate::error::{Error, Result};
use crate::ranks::{agree, gather_u64, Read, Wire};
use crate::table::{Column, CsvOptions, Numbers, Table};

/// Which rows of the data a rank reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataPart {
    /// Rank `r` of `n` reads the lines from about byte `r/n` to byte
    /// `(r+1)/n` of the data (cut at line starts) of the one file every
    /// rank is given.
    LineRange,
    /// Every rank reads the whole file it is given (its own file).
    WholeFile,
}

/// This rank's rows of a CSV file, among the ranks of the executor's
/// collective, as [`DataPart`] says; on one rank, the whole file as
/// [`super::read_csv`] reads it.
///
/// Column types are agreed over all ranks, so each rank's table types its
/// columns as one process reading every rank's rows would (a column that
/// has text on one rank is text on all). Line numbers in rows and errors
/// are the file's own. A rank that fails (a missing or malformed file)
/// makes every rank fail: the others with an error that names it.
///
/// A line range starts at a line start; a quoted field holding a line
/// break across a cut between two ranks is not supported (an error that
/// names the line: split the file and give each rank its part with
/// [`DataPart::WholeFile`]). With [`DataPart::WholeFile`] every file must
/// have the same header.
///
/// ```
/// use gbdt_core::Executor;
/// use gbdt_io::{read_csv_part, ColumnType, CsvOptions, DataPart};
/// # let dir = std::env::temp_dir().join(format!("gbdt-io-part-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("d.csv");
/// std::fs::write(&path, "x,y\n1,0\n2,1\n")?;
/// let table = read_csv_part(&path, &CsvOptions::default(), DataPart::LineRange, &Executor::new(1)?)?;
/// assert_eq!((table.num_rows(), table.column_type("x")), (2, Some(ColumnType::Number)));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_csv_part(
    path: &Path,
    opts: &CsvOptions,
    part: DataPart,
    exec: &Executor,
) -> Result<Table> {
    read_part(path, opts, part, exec, CHUNK_BYTES)
}

/// [`read_csv_part`] with the chunk size as a parameter for tests.
pub(crate) fn read_part(
    path: &Path,
    opts: &CsvOptions,
    part: DataPart,
    exec: &Executor,
    chunk_bytes: u64,
) -> Result<Table> {
    let c = exec.collective();
    if c.size() == 1 {
        opts.check()?;
        let src = Source::open(path).map_err(|e| open_error(path, e))?;
        return super::read(&src, path, opts, exec, chunk_bytes);
    }
    let opened = agree(open(path, opts, part, c), c)?;
    let mut r = Range::locate(opened, part, opts.has_header, c);
    if part == DataPart::WholeFile {
        same_header(&r.ctx, c)?;
    }
    let cuts = Cuts {
        start: r.start,
        end: r.end,
        eof: r.end >= r.src.len(),
        chunk_bytes,
        bounds: None,
    };
    let read = read_chunks(&r.src, &r.ctx, &r.header.text, cuts, exec);
    if part == DataPart::LineRange {
        // Before the failures: the rank after a bad cut fails to parse.
        let read = read
            .as_ref()
            .ok()
            .map(|(chunks, _, end)| (&chunks[..], *end));
        check_cut(&r, read, c)?;
    }
    let (chunks, slots, _) = agree(read, c)?;
    let (kinds, wide) = agree_kinds(&r, &chunks, c)?;
    r.ctx.first_line = r.first_line;
    let table = assemble::assemble_as(&r.src, &r.ctx, chunks, slots, kinds, exec);
    let mut table = agree(table, c)?;
    for (col, wide) in table.columns.iter_mut().zip(wide) {
        if let (Column::Number(Numbers::F32(v)), true) = (&*col, wide) {
            *col = Column::Number(Numbers::F64(v.iter().map(|&x| f64::from(x)).collect()));
        }
    }
    Ok(table)
}

fn open_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        action: "open CSV file",
        source,
    }
}

/// An open file, its header, and (for a line range) this rank's bytes and
/// the line breaks in them.
struct Opened {
    src: Source,
    ctx: Ctx,
    header: Header,
    start: u64,
    end: u64,
    newlines: u64,
}

fn open(path: &Path, opts: &CsvOptions, part: DataPart, c: &dyn Collective) -> Result<Opened> {
    opts.check()?;
    let src = Source::open(path).map_err(|e| open_error(path, e))?;
    let (header, ctx) = head_and_ctx(&src, path, opts)?;
    let data = header.data_start as u64;
    let (start, end) = match part {
        DataPart::WholeFile => (data, src.len()),
        DataPart::LineRange => {
            let mut buf = Vec::new();
            let at = |r: usize, buf: &mut Vec<u8>| {
                let len = src.len();
                let pos = data + (len - data) * r as u64 / c.size() as u64;
                match r {
                    0 => Ok(data),
                    r if r == c.size() => Ok(len),
                    _ => src.line_start_from(pos.max(1), buf),
                }
            };
            let start = at(c.rank(), &mut buf).map_err(|e| ctx.io_error(e))?;
            let end = at(c.rank() + 1, &mut buf).map_err(|e| ctx.io_error(e))?;
            (start, end.max(start))
        }
    };
    let newlines = match part {
        DataPart::WholeFile => 0,
        DataPart::LineRange => count_newlines(&src, start, end).map_err(|e| ctx.io_error(e))?,
    };
    Ok(Opened {
        src,
        ctx,
        header,
        start,
        end,
        newlines,
    })
}

/// Line breaks in bytes `[a, b)`, read a few MiB at a time.
fn count_newlines(src: &Source, a: u64, b: u64) -> std::io::Result<u64> {
    let mut buf = Vec::new();
    let mut n = 0;
    let mut at = a;
    while at < b {
        let next = (at + (4 << 20)).min(b);
        n += super::records::count_line_ends(src.window(at, next, &mut buf)?).0 as u64;
        at = next;
    }
    Ok(n)
}

/// An opened part with its first line among all ranks' lines.
struct Range {
    src: Source,
    ctx: Ctx,
    header: Header,
    start: u64,
    end: u64,
    first_line: usize,
    /// This rank's file.
    path: PathBuf,
    has_header: bool,
}

impl Range {
    /// The line this rank's range starts on: the header's first data line
    /// plus the line breaks of the ranks before it.
    fn locate(o: Opened, part: DataPart, has_header: bool, c: &dyn Collective) -> Range {
        let counts = gather_u64(c, &[o.newlines]);
        let before: u64 = counts[..c.rank()].iter().map(|v| v[0]).sum();
        let first_line = match part {
            DataPart::LineRange => o.header.first_line + before as usize,
            DataPart::WholeFile => o.header.first_line,
        };
        let mut ctx = o.ctx;
        ctx.first_line = first_line;
        Range {
            path: ctx.path.clone(),
            src: o.src,
            ctx,
            header: o.header,
            start: o.start,
            end: o.end,
            first_line,
            has_header,
        }
    }
}

/// Every rank's file must name the same columns as rank 0's.
fn same_header(ctx: &Ctx, c: &dyn Collective) -> Result<()> {
    let mut w = Wire::default();
    w.str(&ctx.path.display().to_string());
    w.u64(ctx.names.len() as u64);
    ctx.names.iter().for_each(|n| w.str(n));
    let all: Vec<(String, Vec<String>)> = c
        .all_gather(&w.0)
        .iter()
        .map(|b| {
            let mut r = Read(b);
            let path = r.string();
            let n = r.u64() as usize;
            (path, (0..n).map(|_| r.string()).collect())
        })
        .collect();
    let (first_path, first) = &all[0];
    let Some(rank) = all.iter().position(|(_, names)| names != first) else {
        return Ok(());
    };
    let (path, names) = &all[rank];
    let detail = match names.iter().zip(first).position(|(a, b)| a != b) {
        Some(i) => format!(
            "column {} is '{}' there, '{}' on rank 0",
            i + 1,
            names[i],
            first[i]
        ),
        None => format!("{} columns there, {} on rank 0", names.len(), first.len()),
    };
    Err(Error::HeaderMismatch {
        rank,
        path: path.into(),
        first_path: first_path.into(),
        detail,
    })
}

/// A quoted field holding a line break where a rank's range ends moves
/// the end of that rank's records past the next rank's start: an error on
/// every rank, naming the line.
fn check_cut(r: &Range, read: Option<(&[Chunk], u64)>, c: &dyn Collective) -> Result<()> {
    let (chunks, end) = read.unwrap_or((&[], r.end));
    let moved = (end != r.end) as u64;
    let last_line = r.first_line + chunks.iter().map(|ch| ch.newlines).sum::<usize>();
    let all = gather_u64(c, &[moved, last_line as u64]);
    match all.iter().position(|v| v[0] == 1) {
        None => Ok(()),
        Some(rank) => Err(Error::Csv {
            path: r.path.clone(),
            line: all[rank][1] as usize,
            message: format!(
                "a quoted field holds a line break where the rows of rank {rank} end and those of \
                 rank {} begin; ranks reading one file cut it at line starts, which needs line \
                 breaks only between records there. Split the file into one file per rank \
                 and train with --data-per-rank",
                rank + 1
            ),
        }),
    }
}

/// The column types of all ranks' rows merged (in rank order, as one
/// process merges its chunks), as this rank assembles them: a column that
/// is text overall is read again as text where this rank holds numbers or
/// bools. Also whether any rank holds a column's numbers as `f64`, and an
/// error on every rank when no rank has a row.
fn agree_kinds(r: &Range, chunks: &[Chunk], c: &dyn Collective) -> Result<(Vec<Kind>, Vec<bool>)> {
    let ncols = r.ctx.ncols();
    let local = assemble::local_kinds(&r.ctx, chunks);
    let rows: usize = chunks.iter().map(|ch| ch.rows).sum();
    let wide = (0..ncols).map(|col| {
        chunks
            .iter()
            .any(|ch| matches!(ch.parts[col].part, Part::Wide(_)))
    });
    let mut mine: Vec<u64> = vec![rows as u64];
    mine.extend(
        local
            .iter()
            .zip(wide)
            .map(|(&k, w)| code(k) | (w as u64) << 8),
    );
    let all = gather_u64(c, &mine);
    if all.iter().all(|v| v[0] == 0) {
        let path = r.path.clone();
        return Err(match r.has_header {
            true => Error::NoDataRows { path },
            false => Error::EmptyFile { path },
        });
    }
    let mut kinds = Vec::with_capacity(ncols);
    let mut wide = Vec::with_capacity(ncols);
    for (col, &mine) in local.iter().enumerate() {
        let global = merged_kind(all.iter().map(|v| kind(v[col + 1] & 0xff)));
        kinds.push(as_here(mine, global));
        wide.push(global == Kind::Number && all.iter().any(|v| v[col + 1] >> 8 == 1));
    }
    Ok((kinds, wide))
}

/// How a column of local kind `mine` is assembled when all ranks' rows
/// make it `global`.
fn as_here(mine: Kind, global: Kind) -> Kind {
    match (global, mine) {
        (Kind::Text | Kind::Rescan, Kind::Number | Kind::Bool | Kind::Rescan) => Kind::Rescan,
        (Kind::Text | Kind::Rescan, _) => Kind::Text,
        // No value here: all missing, with no number buffer to fill.
        (Kind::Number, Kind::Empty) => Kind::Empty,
        (global, _) => global,
    }
}

fn code(k: Kind) -> u64 {
    match k {
        Kind::Empty => 0,
        Kind::Number => 1,
        Kind::Bool => 2,
        Kind::Text => 3,
        Kind::Rescan => 4,
    }
}

fn kind(code: u64) -> Kind {
    match code {
        1 => Kind::Number,
        2 => Kind::Bool,
        3 => Kind::Text,
        4 => Kind::Rescan,
        _ => Kind::Empty,
    }
}
