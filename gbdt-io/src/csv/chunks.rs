//! The chunk driver: the data is cut into chunks of about [`CHUNK_BYTES`]
//! (a size that does not depend on the thread count, so neither do the
//! results), and the chunks are read and parsed in parallel by the
//! executor. A first pass finds each chunk's bytes and counts its line
//! breaks, which bounds its rows; every chunk then parses its numbers
//! straight into its slot of the column buffers ([`super::slots`]).
//!
//! Chunks are first cut just after line breaks. That is right unless a
//! quoted field holds a line break at a cut; then the chunk before the cut
//! ends inside a record, which its tokenizer notices (its data ends in the
//! middle of a record). Only then are the record ends found in one
//! sequential csv-core pass and the chunks cut there and parsed again.

use std::sync::atomic::{AtomicBool, Ordering};

use gbdt_core::Executor;

use super::ctx::{ChunkError, Ctx};
use super::fast::{parse_fast, FastError, RowSink};
use super::records::{count_line_ends, Records};
use super::slots::{max_records, Slots};
use super::source::Source;
use crate::builder::{Done, PartBuilder};
use crate::error::{Error, Result};

/// Bytes per chunk: small enough that a worker's chunk stays in cache and
/// that even modest files give every worker work.
pub(crate) const CHUNK_BYTES: u64 = 1 << 20;

/// The most bytes one chunk may span: a chunk ends at the first record end
/// after its nominal size, so only a record (a line, or a quoted field that
/// never closes) of about this size makes one this long. Longer is an error
/// before the chunk is read, not a read of the whole record into memory.
#[cfg(not(test))]
const MAX_SPAN_BYTES: u64 = 256 << 20;
#[cfg(test)]
const MAX_SPAN_BYTES: u64 = 64 << 10;

/// How the data `[start, end)` is cut into chunks. `end` is the end of
/// the file (`eof`) or just after a line break, where a batch of a stream
/// ends ([`super::stream`]); a cut there may still fall inside a quoted
/// field, which the last chunk then shows.
pub(crate) struct Cuts {
    pub start: u64,
    pub end: u64,
    /// `end` is the end of the file: the last chunk may end inside a record.
    pub eof: bool,
    pub chunk_bytes: u64,
    /// Exact chunk bounds (record ends), or `None` to cut after the first
    /// line break at or after each multiple of `chunk_bytes`.
    pub bounds: Option<Vec<u64>>,
}

impl Cuts {
    /// The cuts of the whole data after `start`.
    pub(crate) fn whole(src: &Source, start: u64, chunk_bytes: u64) -> Cuts {
        Cuts {
            start,
            end: src.len(),
            eof: true,
            chunk_bytes,
            bounds: None,
        }
    }

    fn count(&self) -> usize {
        match &self.bounds {
            Some(b) => b.len() - 1,
            None => (self
                .end
                .saturating_sub(self.start)
                .div_ceil(self.chunk_bytes))
            .max(1) as usize,
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
            k if k == n => Ok(self.end),
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

/// Where a chunk is and how many rows it can have, from the first pass.
struct Plan {
    span: (u64, u64),
    /// The last chunk: its data may end inside a record.
    last: bool,
    newlines: usize,
    bound: usize,
}

/// Rows of a chunk while it is parsed.
struct RowTracker {
    rows: usize,
    bound: usize,
    row_lines: Option<Vec<usize>>,
}

impl RowTracker {
    fn new(bound: usize) -> Self {
        RowTracker {
            rows: 0,
            bound,
            row_lines: None,
        }
    }
}

impl RowSink for RowTracker {
    fn full(&self) -> bool {
        self.rows >= self.bound
    }

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

/// Reads and parses every chunk: the chunks in order, the buffers their
/// numbers are in, and where the data read ends (`cuts.end`, or the first
/// record end at or after it when a quoted field holds a line break there).
pub(crate) fn read_chunks(
    src: &Source,
    ctx: &Ctx,
    text: &[bool],
    cuts: Cuts,
    exec: &Executor,
) -> Result<(Vec<Chunk>, Slots, u64)> {
    if let Some((chunks, slots)) = parse_all(src, ctx, text, &cuts, exec)? {
        return Ok((chunks, slots, cuts.end));
    }
    let stop = if cuts.eof { u64::MAX } else { cuts.end };
    let bounds = record_bounds(src, ctx, cuts.start, cuts.chunk_bytes, stop)?;
    let end = bounds.last().copied().unwrap_or(cuts.start);
    let exact = Cuts {
        end,
        eof: end >= src.len(),
        bounds: Some(bounds),
        ..cuts
    };
    let parsed = parse_all(src, ctx, text, &exact, exec)?;
    let (chunks, slots) = parsed.ok_or_else(|| Error::Csv {
        path: ctx.path.clone(),
        line: 0,
        message: "internal error: a chunk cut at a record end did not end with a record"
            .to_string(),
    })?;
    Ok((chunks, slots, end))
}

/// Parses every chunk in parallel; `None` when a chunk other than the last
/// ends inside a record (the cuts after it are wrong). Otherwise the first
/// error in file order is returned: every chunk before it ended cleanly,
/// so its line is right.
fn parse_all(
    src: &Source,
    ctx: &Ctx,
    text: &[bool],
    cuts: &Cuts,
    exec: &Executor,
) -> Result<Option<(Vec<Chunk>, Slots)>> {
    let plans = plan_all(src, ctx, cuts, exec)?;
    let n = plans.len();
    let bounds: Vec<usize> = plans.iter().map(|p| p.bound).collect();
    let mut slots = Slots::new(text.iter().map(|&t| !t), &bounds);
    let jobs: Vec<_> = plans.into_iter().zip(slots.cut(&bounds)).collect();
    // Once a chunk ends inside a record the cuts are wrong: chunks not
    // started yet are skipped (`None`).
    let misaligned = AtomicBool::new(false);
    let results = exec.map_vec_with(jobs, Vec::new, |buf, (plan, chunk_slots)| {
        if misaligned.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let data = src.window(plan.span.0, plan.span.1, buf)?;
        let parsed = parse_chunk(data, ctx, text, chunk_slots, &plan);
        if matches!(&parsed, Ok(c) if !c.clean && !plan.last) {
            misaligned.store(true, Ordering::Relaxed);
        }
        Ok::<_, std::io::Error>(Some(parsed))
    });
    let mut chunks = Vec::with_capacity(n);
    let mut line = ctx.first_line;
    for r in results {
        let Some(parsed) = r.map_err(|e| ctx.io_error(e))? else {
            return Ok(None);
        };
        let chunk = parsed.map_err(|e| ctx.chunk_error(e, line))?;
        let may_end_inside = cuts.eof && chunks.len() + 1 == n;
        if !chunk.clean && !may_end_inside {
            return Ok(None);
        }
        line += chunk.newlines;
        chunks.push(chunk);
    }
    Ok(Some((chunks, slots)))
}

/// First pass: every chunk's bytes, line breaks and most rows.
fn plan_all(src: &Source, ctx: &Ctx, cuts: &Cuts, exec: &Executor) -> Result<Vec<Plan>> {
    let n = cuts.count();
    let plans = exec.map_vec_with((0..n).collect(), Vec::new, |buf, k| {
        let span = cuts.span(src, k, n, buf)?;
        check_span(span, cuts.chunk_bytes)?;
        let data = src.window(span.0, span.1, buf)?;
        let (newlines, crs) = count_line_ends(data);
        Ok(Plan {
            span,
            last: cuts.eof && k + 1 == n,
            newlines,
            bound: max_records(data, newlines, crs),
        })
    });
    plans
        .into_iter()
        .collect::<std::io::Result<Vec<Plan>>>()
        .map_err(|e| ctx.io_error(e))
}

/// Refuses a chunk longer than its nominal size plus [`MAX_SPAN_BYTES`].
fn check_span((a, b): (u64, u64), chunk_bytes: u64) -> std::io::Result<()> {
    if b - a <= chunk_bytes.saturating_add(MAX_SPAN_BYTES) {
        return Ok(());
    }
    let limit = match MAX_SPAN_BYTES >> 20 {
        0 => format!("{} KiB", MAX_SPAN_BYTES >> 10),
        mib => format!("{mib} MiB"),
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "the bytes from offset {a} hold a record of more than {limit} (one very long \
             line, or a quoted field that never closes); gbdt reads records of at most {limit}"
        ),
    ))
}

/// One chunk: the fast path, or csv-core when it meets a quote or a lone `\r`.
fn parse_chunk(
    data: &[u8],
    ctx: &Ctx,
    text: &[bool],
    mut slots: Vec<&mut [f32]>,
    plan: &Plan,
) -> std::result::Result<Chunk, ChunkError> {
    let mut rows = RowTracker::new(plan.bound);
    let mut parts = builders(&mut slots, text, plan.bound);
    let clean = match parse_fast(data, ctx.delimiter, &mut parts, &mut rows) {
        Ok(()) => true,
        Err(FastError::Chunk(e)) => return Err(e),
        Err(FastError::NeedsTokenizer) => {
            // Start the chunk again (the slots are simply overwritten).
            drop(parts);
            rows = RowTracker::new(plan.bound);
            parts = builders(&mut slots, text, plan.bound);
            parse_records(data, ctx, &mut parts, &mut rows, plan.last)?
        }
    };
    let parts = parts.into_iter().map(PartBuilder::finish).collect();
    Ok(Chunk {
        parts,
        rows: rows.rows,
        newlines: plan.newlines,
        row_lines: rows.row_lines,
        span: plan.span,
        clean,
    })
}

/// One part builder per column, over the chunk's slots.
fn builders<'s>(slots: &'s mut [&mut [f32]], text: &[bool], bound: usize) -> Vec<PartBuilder<'s>> {
    slots
        .iter_mut()
        .zip(text)
        .map(|(slot, &t)| PartBuilder::new(bound, slot, t))
        .collect()
}

/// Parses `data` with csv-core; true when it ends just after a record
/// (always for the `last` chunk, whose data may end without a terminator).
fn parse_records(
    data: &[u8],
    ctx: &Ctx,
    parts: &mut [PartBuilder<'_>],
    rows: &mut RowTracker,
    last: bool,
) -> std::result::Result<bool, ChunkError> {
    let mut records = Records::new(data, ctx);
    while let Some(rec) = records.next_record() {
        let line = rec.line;
        if !last && !rec.terminated {
            // Cut inside a record: the caller cuts again at record ends.
            return Ok(false);
        }
        if rows.full() {
            return Err(ChunkError::TooManyRows { line });
        }
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
    Ok(last || records.terminated())
}

/// Chunk bounds at record ends, from one sequential csv-core pass: each
/// bound is the first record end at or after a multiple of `chunk_bytes`.
/// The pass ends at the first record end at or after `stop` (the last
/// bound), or at the end of the data.
fn record_bounds(
    src: &Source,
    ctx: &Ctx,
    start: u64,
    chunk_bytes: u64,
    stop: u64,
) -> Result<Vec<u64>> {
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
            if res == csv_core::ReadRecordResult::Record && end >= next.min(stop) && end < len {
                bounds.push(end);
                if end >= stop {
                    return Ok(bounds);
                }
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
