//! Parsed chunks to a [`Table`]: decide each column's type over all
//! chunks, read mixed columns again as text, merge the columns in parallel
//! and keep the line of every row.

use gbdt_core::Executor;

use super::chunks::Chunk;
use super::ctx::Ctx;
use super::records::Records;
use super::slots::Slots;
use super::source::Source;
use crate::builder::{self, merged_kind, text, Done, Kind};
use crate::error::{Error, Result};
use crate::parse::is_missing;
use crate::table::{Column, RowLines, Table};

type TextColumn = Vec<Option<Box<str>>>;

/// The table from the parsed chunks of `src`.
pub(crate) fn assemble(
    src: &Source,
    ctx: &Ctx,
    chunks: Vec<Chunk>,
    slots: Slots,
    has_header: bool,
    exec: &Executor,
) -> Result<Table> {
    let rows: usize = chunks.iter().map(|c| c.rows).sum();
    if rows == 0 {
        let path = ctx.path.clone();
        return Err(if has_header {
            Error::NoDataRows { path }
        } else {
            Error::EmptyFile { path }
        });
    }
    let kinds = local_kinds(ctx, &chunks);
    assemble_as(src, ctx, chunks, slots, kinds, exec)
}

/// Each column's type over the chunks.
pub(crate) fn local_kinds(ctx: &Ctx, chunks: &[Chunk]) -> Vec<Kind> {
    (0..ctx.ncols())
        .map(|c| merged_kind(chunks.iter().map(|ch| ch.parts[c].part.kind())))
        .collect()
}

/// The table from the parsed chunks with the column types `kinds` (those
/// of the chunks, or agreed with other ranks: a `Rescan` column is read
/// again as text); zero rows are allowed.
pub(crate) fn assemble_as(
    src: &Source,
    ctx: &Ctx,
    chunks: Vec<Chunk>,
    slots: Slots,
    kinds: Vec<Kind>,
    exec: &Executor,
) -> Result<Table> {
    let rows: usize = chunks.iter().map(|c| c.rows).sum();
    let ncols = ctx.ncols();
    let rescan: Vec<usize> = (0..ncols).filter(|&c| kinds[c] == Kind::Rescan).collect();
    let mut texts = read_text_columns(src, ctx, &chunks, &rescan, exec)?.into_iter();
    let lines = row_lines(&chunks, ctx.first_line);
    let mut per_column: Vec<Vec<Done>> = (0..ncols)
        .map(|_| Vec::with_capacity(chunks.len()))
        .collect();
    for chunk in chunks {
        for (c, part) in chunk.parts.into_iter().enumerate() {
            per_column[c].push(part);
        }
    }
    let Slots { columns, offsets } = slots;
    let jobs: Vec<_> = kinds
        .into_iter()
        .zip(per_column)
        .zip(columns)
        .map(|((kind, parts), buffer)| {
            let text = if kind == Kind::Rescan {
                texts.next()
            } else {
                None
            };
            (kind, parts, buffer, text)
        })
        .collect();
    let columns = exec.map_vec(jobs, |(kind, parts, buffer, text)| match text {
        Some(t) => Column::String(t),
        None => builder::merge(kind, parts, buffer, &offsets, rows),
    });
    Ok(Table {
        path: ctx.path.clone(),
        names: ctx.names.clone(),
        columns,
        rows,
        lines,
    })
}

/// The given columns read again as text (missing values as `None`), chunk
/// by chunk in parallel.
fn read_text_columns(
    src: &Source,
    ctx: &Ctx,
    chunks: &[Chunk],
    cols: &[usize],
    exec: &Executor,
) -> Result<Vec<TextColumn>> {
    if cols.is_empty() {
        return Ok(Vec::new());
    }
    let mut line = ctx.first_line;
    let jobs: Vec<((u64, u64), usize, usize)> = chunks
        .iter()
        .map(|c| {
            let job = (c.span, line, c.rows);
            line += c.newlines;
            job
        })
        .collect();
    let parts = exec.map_vec_with(jobs, Vec::new, |buf, (span, first, rows)| {
        let data = src
            .window(span.0, span.1, buf)
            .map_err(|e| ctx.io_error(e))?;
        chunk_texts(data, ctx, cols, first, rows)
    });
    let mut out: Vec<TextColumn> = cols.iter().map(|_| Vec::new()).collect();
    for part in parts {
        for (o, p) in out.iter_mut().zip(part?) {
            o.extend(p);
        }
    }
    Ok(out)
}

/// The text of `cols` in one chunk, which must have `rows` rows.
fn chunk_texts(
    data: &[u8],
    ctx: &Ctx,
    cols: &[usize],
    first: usize,
    rows: usize,
) -> Result<Vec<TextColumn>> {
    let mut out: Vec<TextColumn> = cols.iter().map(|_| Vec::with_capacity(rows)).collect();
    let mut records = Records::new(data, ctx);
    while let Some(rec) = records.next_record() {
        for (k, &c) in cols.iter().enumerate() {
            let field = rec.get(c).unwrap_or_default();
            out[k].push(if is_missing(field) {
                None
            } else {
                Some(text(field).map_err(|_| ctx.utf8_error(first + rec.line, c))?)
            });
        }
    }
    if out.iter().any(|v| v.len() != rows) {
        return Err(Error::Csv {
            path: ctx.path.clone(),
            line: first,
            message: format!(
                "the file changed while it was read (a second read of a chunk found other rows than {rows}); read it again"
            ),
        });
    }
    Ok(out)
}

/// The line of every row: contiguous when no chunk skipped a line.
fn row_lines(chunks: &[Chunk], first_line: usize) -> RowLines {
    let last = chunks.len().saturating_sub(1);
    let contiguous = chunks
        .iter()
        .enumerate()
        .all(|(i, c)| c.row_lines.is_none() && (i == last || c.rows == c.newlines));
    if contiguous {
        return RowLines::Contiguous { first: first_line };
    }
    let mut lines = Vec::with_capacity(chunks.iter().map(|c| c.rows).sum());
    let mut base = first_line;
    for c in chunks {
        match &c.row_lines {
            Some(l) => lines.extend(l.iter().map(|x| x + base)),
            None => lines.extend((0..c.rows).map(|x| x + base)),
        }
        base += c.newlines;
    }
    if lines.iter().enumerate().all(|(r, &l)| l == first_line + r) {
        return RowLines::Contiguous { first: first_line };
    }
    RowLines::Explicit(lines)
}
