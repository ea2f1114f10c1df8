//! The chunk driver: the data is cut into chunks of about [`CHUNK_BYTES`]
//! (a size that does not depend on the thread count, so neither do the
//! results), and the chunks are read and parsed in parallel by the
//! executor, each into its own column parts.
//!
//! Chunks are first cut just after line breaks. That is right unless a
//! quoted field holds a line break at a cut; then the chunk before the cut
//! ends inside a record, which its tokenizer notices (its data ends in the
//! middle of a record). Only then are the record ends found in one
//! sequential csv-core pass and the chunks cut there and parsed again.

use gbdt_core::Executor;

use super::ctx::{ChunkError, Ctx};
use super::fast::{parse_fast, FastError, RowSink};
use super::records::{count_newlines, Records};
use super::source::Source;
use crate::builder::{Done, PartBuilder};
use crate::error::{Error, Result};

/// Bytes per chunk: small enough that a worker's chunk stays in cache and
/// that even modest files give every worker work.
pub(crate) const CHUNK_BYTES: u64 = 1 << 20;

/// How the data `[start, len)` is cut into chunks.
pub(crate) struct Cuts {
    pub start: u64,
    pub chunk_bytes: u64,
    /// Exact chunk bounds (record ends), or `None` to cut after the first
    /// line break at or after each multiple of `chunk_bytes`.
    pub bounds: Option<Vec<u64>>,
}

impl Cuts {
    fn count(&self, len: u64) -> usize {
        match &self.bounds {
            Some(b) => b.len() - 1,
            None => (len.saturating_sub(self.start).div_ceil(self.chunk_bytes)).max(1) as usize,
        }
    }

    /// Bytes `[a, b)` of chunk `k` of `n`.
    pub(crate) fn span(
        &self,
        src: &Source,
        k: usize,
        n: usize,
        buf: &mut Vec<u8>,
    ) -> std::io::Result<(u64, u64)> {
        if let Some(b) = &self.bounds {
            return Ok((b[k], b[k + 1]));
        }
        let cut = |k: usize, buf: &mut Vec<u8>| match k {
            0 => Ok(self.start),
            k if k == n => Ok(src.len()),
            k => src.line_start_from(self.start + k as u64 * self.chunk_bytes, buf),
        };
        Ok((cut(k, buf)?, cut(k + 1, buf)?))
    }
}

/// One parsed chunk.
pub(crate) struct Chunk {
    pub parts: Vec<Done>,
    pub rows: usize,
    /// Line breaks in the chunk's bytes.
    pub newlines: usize,
    /// 0-based line of each row within the chunk, when not simply `row`.
    pub row_lines: Option<Vec<usize>>,
    /// Its bytes in the source.
    pub span: (u64, u64),
    /// The data ended just after a complete record.
    clean: bool,
}

/// Rows of a chunk while it is parsed.
#[derive(Default)]
struct RowTracker {
    rows: usize,
    row_lines: Option<Vec<usize>>,
}

impl RowSink for RowTracker {
    fn add(&mut self, line: usize) {
        if self.row_lines.is_none() && line != self.rows {
            self.row_lines = Some((0..self.rows).collect());
        }
        if let Some(l) = &mut self.row_lines {
            l.push(line);
        }
        self.rows += 1;
    }
}

/// What the first rows tell about the data.
pub(crate) struct Hints<'h> {
    /// Columns known to be text.
    pub text: &'h [bool],
    /// Typical bytes per row, to size column vectors.
    pub row_bytes: usize,
}

/// Reads and parses every chunk; the chunks in order.
pub(crate) fn read_chunks(
    src: &Source,
    ctx: &Ctx,
    hints: &Hints<'_>,
    cuts: Cuts,
    exec: &Executor,
) -> Result<Vec<Chunk>> {
    if let Some(chunks) = parse_all(src, ctx, hints, &cuts, exec)? {
        return Ok(chunks);
    }
    let bounds = record_bounds(src, ctx, cuts.start, cuts.chunk_bytes)?;
    let exact = Cuts {
        bounds: Some(bounds),
        ..cuts
    };
    parse_all(src, ctx, hints, &exact, exec)?.ok_or_else(|| Error::Csv {
        path: ctx.path.clone(),
        line: 0,
        message: "internal error: a chunk cut at a record end did not end with a record"
            .to_string(),
    })
}

/// Parses every chunk in parallel; `None` when a chunk other than the last
/// ends inside a record (the cuts after it are wrong). Otherwise the first
/// error in file order is returned: every chunk before it ended cleanly,
/// so its line is right.
fn parse_all(
    src: &Source,
    ctx: &Ctx,
    hints: &Hints<'_>,
    cuts: &Cuts,
    exec: &Executor,
) -> Result<Option<Vec<Chunk>>> {
    let n = cuts.count(src.len());
    let results = exec.map_vec_with((0..n).collect(), Vec::new, |buf, k| {
        let span = cuts.span(src, k, n, buf)?;
        let data = src.window(span.0, span.1, buf)?;
        Ok::<_, std::io::Error>(parse_chunk(data, ctx, hints).map(|mut c| {
            c.span = span;
            c
        }))
    });
    let mut chunks = Vec::with_capacity(n);
    let mut line = ctx.first_line;
    for r in results {
        let chunk = r
            .map_err(|e| ctx.io_error(e))?
            .map_err(|e| ctx.chunk_error(e, line))?;
        if !chunk.clean && chunks.len() + 1 < n {
            return Ok(None);
        }
        line += chunk.newlines;
        chunks.push(chunk);
    }
    Ok(Some(chunks))
}

/// One chunk: the fast path, or csv-core when it meets a quote or a lone `\r`.
fn parse_chunk(
    data: &[u8],
    ctx: &Ctx,
    hints: &Hints<'_>,
) -> std::result::Result<Chunk, ChunkError> {
    let capacity =
        data.len() / hints.row_bytes.max(1) + data.len() / hints.row_bytes.max(1) / 4 + 16;
    let new_parts = || -> Vec<PartBuilder> {
        hints
            .text
            .iter()
            .map(|&t| PartBuilder::new(capacity, t))
            .collect()
    };
    let mut parts = new_parts();
    let mut rows = RowTracker::default();
    let clean = match parse_fast(data, ctx.delimiter, &mut parts, &mut rows) {
        Ok(()) => true,
        Err(FastError::Chunk(e)) => return Err(e),
        Err(FastError::NeedsTokenizer) => {
            parts = new_parts();
            rows = RowTracker::default();
            parse_records(data, ctx, &mut parts, &mut rows)?
        }
    };
    Ok(Chunk {
        parts: parts.into_iter().map(PartBuilder::finish).collect(),
        rows: rows.rows,
        newlines: count_newlines(data),
        row_lines: rows.row_lines,
        span: (0, 0),
        clean,
    })
}

/// Parses `data` with csv-core; true when it ends just after a record.
fn parse_records(
    data: &[u8],
    ctx: &Ctx,
    parts: &mut [PartBuilder],
    rows: &mut RowTracker,
) -> std::result::Result<bool, ChunkError> {
    let mut records = Records::new(data, ctx);
    while let Some(rec) = records.next_record() {
        let line = rec.line;
        if rec.len() != parts.len() {
            return Err(ChunkError::Ragged {
                line,
                found: rec.len(),
            });
        }
        for (c, (part, field)) in parts.iter_mut().zip(rec.iter()).enumerate() {
            part.push(field)
                .map_err(|_| ChunkError::Utf8 { line, column: c })?;
        }
        rows.add(line);
    }
    Ok(records.terminated())
}

/// Chunk bounds at record ends, from one sequential csv-core pass: each
/// bound is the first record end at or after a multiple of `chunk_bytes`.
fn record_bounds(src: &Source, ctx: &Ctx, start: u64, chunk_bytes: u64) -> Result<Vec<u64>> {
    let len = src.len();
    let mut rdr = ctx.tokenizer();
    let (mut out, mut ends) = (vec![0u8; 1 << 16], vec![0usize; 1 << 10]);
    let mut bounds = vec![start];
    let mut next = start + chunk_bytes;
    let mut buf = Vec::new();
    let mut at = start;
    while at < len {
        let window = src
            .window(at, at + chunk_bytes, &mut buf)
            .map_err(|e| ctx.io_error(e))?;
        let mut i = 0;
        while i < window.len() {
            let (res, nin, _, _) = rdr.read_record(&window[i..], &mut out, &mut ends);
            i += nin;
            let end = at + i as u64;
            if res == csv_core::ReadRecordResult::Record && end >= next && end < len {
                bounds.push(end);
                next = end + chunk_bytes;
            }
            if res == csv_core::ReadRecordResult::InputEmpty {
                break;
            }
        }
        at += window.len() as u64;
    }
    bounds.push(len);
    Ok(bounds)
}
