//! CSV bytes to a [`Table`].
//!
//! The header is read with the `csv` crate. When the data has no quote
//! characters (and no lone `\r`), line breaks are row boundaries: the data is
//! split into chunks at line breaks and the chunks are parsed in parallel,
//! numbers straight into each column's final `f32` buffer (every chunk owns
//! a disjoint slot of it; see [`crate::builder`]). Files with quotes are
//! read by the `csv` crate: in parallel chunks too when no quoted field
//! spans a line break, else in one sequential pass. Types are decided over
//! all chunks; a column that turns out to be text after some chunk stored
//! numbers or bools is read again as text (rare: only for mixed columns).

use std::path::{Path, PathBuf};

use crate::builder::{self, merged_kind, text, Done, Kind, PartBuilder};
use crate::error::{Error, Result};
use crate::parallel;
use crate::parse::{classify, is_missing, parse_number_at, Cell};
use crate::table::{Column, CsvOptions, RowLines, Table};

/// Chunks smaller than this are not worth a task.
const MIN_CHUNK_BYTES: usize = 1 << 20;

pub(crate) fn parse(bytes: Vec<u8>, path: &Path, opts: &CsvOptions) -> Result<Table> {
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    if bytes[bom..].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let ctx = Ctx {
        path: path.to_path_buf(),
        delimiter: opts.delimiter,
    };
    let head = header(&bytes[bom..], &ctx, opts)?;
    let start = bom + head.data_start;
    let data = &bytes[start..];
    let numeric = sniff_numeric(data, head.names.len(), &ctx);
    let (chunks, slots) = parse_chunks(data, &numeric, &ctx, &head.names, head.first_line)?;
    let source = Source::Memory { bytes, start };
    assemble(head, chunks, slots, source, &ctx, opts)
}

/// Column names, where the data starts (relative to after the BOM) and
/// the line it starts on.
pub(crate) struct Header {
    pub names: Vec<String>,
    pub data_start: usize,
    pub first_line: usize,
}

pub(crate) fn header(data: &[u8], ctx: &Ctx, opts: &CsvOptions) -> Result<Header> {
    let head = read_first_record(data, ctx)?;
    Ok(if opts.has_header {
        Header {
            names: header_names(&head.fields, ctx)?,
            data_start: head.end,
            first_line: head.next_line,
        }
    } else {
        Header {
            names: (0..head.fields.len())
                .map(|i| format!("column_{i}"))
                .collect(),
            data_start: head.start,
            first_line: head.line,
        }
    })
}

/// Where the data rows can be read again, for columns read a second time.
pub(crate) enum Source<'p> {
    Memory { bytes: Vec<u8>, start: usize },
    File { path: &'p Path, start: usize },
}

impl Source<'_> {
    fn with_data<T>(&self, ctx: &Ctx, f: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
        match self {
            Source::Memory { bytes, start } => f(&bytes[*start..]),
            Source::File { path, start } => {
                let bytes = parallel::read_file(path).map_err(|source| Error::Io {
                    path: ctx.path.clone(),
                    action: "read CSV file",
                    source,
                })?;
                f(bytes.get(*start..).unwrap_or_default())
            }
        }
    }
}

/// The table from parsed chunks: decide types, read mixed columns again as
/// text, free the input, merge columns in parallel.
pub(crate) fn assemble(
    head: Header,
    chunks: Vec<Chunk>,
    slots: Slots,
    source: Source<'_>,
    ctx: &Ctx,
    opts: &CsvOptions,
) -> Result<Table> {
    let Header {
        names, first_line, ..
    } = head;
    let rows: usize = chunks.iter().map(|c| c.rows).sum();
    if rows == 0 {
        let path = ctx.path.clone();
        return Err(if opts.has_header {
            Error::NoDataRows { path }
        } else {
            Error::EmptyFile { path }
        });
    }
    let kinds: Vec<Kind> = (0..names.len())
        .map(|c| merged_kind(chunks.iter().map(|ch| ch.parts[c].part.kind())))
        .collect();
    let rescan: Vec<usize> = (0..names.len())
        .filter(|&c| kinds[c] == Kind::Rescan)
        .collect();
    let texts = if rescan.is_empty() {
        Vec::new()
    } else {
        source.with_data(ctx, |data| {
            read_text_columns(data, &rescan, rows, ctx, &names, first_line)
        })?
    };
    let lines = row_lines(&chunks, first_line);
    // The input is not needed any more: free it before the merge.
    drop(source);
    // Hand each column its parts and buffer (moved, not copied), then
    // merge the columns in parallel.
    let mut chunks = chunks;
    let Slots {
        columns: buffers,
        offsets,
    } = slots;
    let mut per_column: Vec<Vec<Done>> = kinds
        .iter()
        .map(|_| Vec::with_capacity(chunks.len()))
        .collect();
    for chunk in &mut chunks {
        for (c, part) in chunk.parts.drain(..).enumerate() {
            per_column[c].push(part);
        }
    }
    let mut texts = texts.into_iter();
    let mut jobs = Vec::with_capacity(per_column.len());
    for ((kind, parts), buffer) in kinds.iter().zip(per_column).zip(buffers) {
        let text = if *kind == Kind::Rescan {
            texts.next()
        } else {
            None
        };
        jobs.push((*kind, parts, buffer, text));
    }
    let columns = parallel::map_vec(jobs, |(kind, parts, buffer, text)| match text {
        Some(t) => Column::String(t),
        None => builder::merge(kind, parts, buffer, &offsets, rows),
    });
    Ok(Table {
        path: ctx.path.clone(),
        names,
        columns,
        rows,
        lines,
    })
}

pub(crate) struct Ctx {
    pub path: PathBuf,
    pub delimiter: u8,
}

impl Ctx {
    fn csv_reader<'a>(&self, data: &'a [u8]) -> csv::Reader<&'a [u8]> {
        csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(data)
    }

    fn csv_error(&self, e: csv::Error, line_offset: usize) -> Error {
        let line = e.position().map_or(0, |p| p.line() as usize + line_offset);
        Error::Csv {
            path: self.path.clone(),
            line,
            message: e.to_string(),
        }
    }
}

struct FirstRecord {
    fields: Vec<Vec<u8>>,
    /// Byte offset where the record starts and just after it.
    start: usize,
    end: usize,
    /// Line of the record and of what follows it.
    line: usize,
    next_line: usize,
}

fn read_first_record(data: &[u8], ctx: &Ctx) -> Result<FirstRecord> {
    let mut rdr = ctx.csv_reader(data);
    let mut rec = csv::ByteRecord::new();
    let found = rdr
        .read_byte_record(&mut rec)
        .map_err(|e| ctx.csv_error(e, 0))?;
    let Some(pos) = rec.position().filter(|_| found) else {
        return Err(Error::EmptyFile {
            path: ctx.path.clone(),
        });
    };
    let after = rdr.position();
    let (start, line) = record_start(data, pos);
    Ok(FirstRecord {
        fields: rec.iter().map(<[u8]>::to_vec).collect(),
        start,
        end: after.byte() as usize,
        line,
        next_line: after.line() as usize,
    })
}

/// Byte offset and 1-based line where a record really starts. The `csv`
/// crate positions a record where the previous one ended, before the blank
/// lines it skips; count those here.
fn record_start(data: &[u8], pos: &csv::Position) -> (usize, usize) {
    let mut byte = pos.byte() as usize;
    let mut line = pos.line() as usize;
    while let Some(&b) = data.get(byte) {
        match b {
            b'\n' => line += 1,
            b'\r' => {}
            _ => break,
        }
        byte += 1;
    }
    (byte, line)
}

/// Header names as pandas makes them: empty names become `Unnamed: i`,
/// repeated names get `.1`, `.2`, ...
fn header_names(fields: &[Vec<u8>], ctx: &Ctx) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(fields.len());
    for (i, f) in fields.iter().enumerate() {
        let name = std::str::from_utf8(f).map_err(|_| Error::InvalidUtf8 {
            path: ctx.path.clone(),
            line: 1,
            column: format!("header field {}", i + 1),
        })?;
        let base = if name.is_empty() {
            format!("Unnamed: {i}")
        } else {
            name.to_string()
        };
        let mut candidate = base.clone();
        let mut k = 0;
        while names.contains(&candidate) {
            k += 1;
            candidate = format!("{base}.{k}");
        }
        names.push(candidate);
    }
    Ok(names)
}

/// The parts of one chunk of rows.
pub(crate) struct Chunk {
    parts: Vec<Done>,
    rows: usize,
    /// Lines the chunk spans (its line breaks, plus a last line without one).
    lines: usize,
    /// 0-based line of each row within the chunk, when not simply `row`.
    row_lines: Option<Vec<usize>>,
}

/// Row lines of a chunk while it is parsed.
#[derive(Default)]
pub(crate) struct RowTracker {
    rows: usize,
    row_lines: Option<Vec<usize>>,
}

impl RowTracker {
    pub(crate) fn add(&mut self, line: usize) {
        if self.row_lines.is_none() && line != self.rows {
            self.row_lines = Some((0..self.rows).collect());
        }
        if let Some(l) = &mut self.row_lines {
            l.push(line);
        }
        self.rows += 1;
    }

    pub(crate) fn finish(self, parts: Vec<PartBuilder<'_>>, lines: usize) -> Chunk {
        Chunk {
            parts: parts.into_iter().map(PartBuilder::finish).collect(),
            rows: self.rows,
            lines,
            row_lines: self.row_lines,
        }
    }
}

/// Every column's shared `f32` buffer and where each chunk's slot starts.
pub(crate) struct Slots {
    columns: Vec<Vec<f32>>,
    offsets: Vec<usize>,
}

impl Slots {
    /// Buffers of `sizes.iter().sum()` rows for the `numeric` columns (the
    /// others get none), cut into one slot per chunk. Untouched pages of a
    /// large zeroed allocation cost no memory.
    pub(crate) fn new(numeric: &[bool], sizes: &[usize]) -> Self {
        let total: usize = sizes.iter().sum();
        let columns = numeric
            .iter()
            .map(|&n| if n { vec![0f32; total] } else { Vec::new() })
            .collect();
        let mut offsets = Vec::with_capacity(sizes.len());
        let mut at = 0;
        for s in sizes {
            offsets.push(at);
            at += s;
        }
        Slots { columns, offsets }
    }

    /// Per chunk, per column: the chunk's slot (empty for columns without a buffer).
    pub(crate) fn cut(&mut self, sizes: &[usize]) -> Vec<Vec<&mut [f32]>> {
        let mut out: Vec<Vec<&mut [f32]>> = sizes
            .iter()
            .map(|_| Vec::with_capacity(self.columns.len()))
            .collect();
        for col in &mut self.columns {
            let mut rest: &mut [f32] = col.as_mut_slice();
            for (k, &size) in sizes.iter().enumerate() {
                if rest.is_empty() {
                    out[k].push(&mut []);
                } else {
                    let (slot, tail) = rest.split_at_mut(size);
                    out[k].push(slot);
                    rest = tail;
                }
            }
        }
        out
    }
}

/// Columns that may hold numbers: no text or bool in the first rows. A
/// column with text or bools there is not a number column whatever follows.
pub(crate) fn sniff_numeric(data: &[u8], ncols: usize, ctx: &Ctx) -> Vec<bool> {
    const SAMPLE: usize = 64;
    let mut numeric = vec![true; ncols];
    let mut rdr = ctx.csv_reader(data);
    let mut rec = csv::ByteRecord::new();
    for _ in 0..SAMPLE {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            _ => break,
        }
        for (c, field) in rec.iter().enumerate().take(ncols) {
            if matches!(classify(field), Cell::Text | Cell::Bool(_)) {
                numeric[c] = false;
            }
        }
    }
    numeric
}

/// Why the fast path stopped.
pub(crate) enum ChunkError {
    /// More rows than the slots hold (the file changed between passes).
    TooManyRows,
    /// Quotes or lone `\r`: use the `csv` crate.
    Fallback,
    /// A row has the wrong number of fields; `line` is within the chunk.
    Ragged {
        line: usize,
        found: usize,
    },
    Utf8 {
        line: usize,
        column: usize,
    },
}

pub(crate) fn parse_chunks(
    data: &[u8],
    numeric: &[bool],
    ctx: &Ctx,
    names: &[String],
    first_line: usize,
) -> Result<(Vec<Chunk>, Slots)> {
    let ncols = names.len();
    let bounds = chunk_bounds(data);
    let nchunks = bounds.len() - 1;
    // A chunk ends just after a line break, so it has at most as many rows
    // as line breaks; the last one may end without a line break.
    let mut sizes =
        parallel::map_indices(nchunks, |k| count_newlines(&data[bounds[k]..bounds[k + 1]]));
    if let Some(last) = sizes.last_mut() {
        *last += 1;
    }
    let mut slots = Slots::new(numeric, &sizes);
    let jobs: Vec<(usize, Vec<&mut [f32]>)> = slots.cut(&sizes).into_iter().enumerate().collect();
    let results = parallel::map_vec(jobs, |(k, chunk_slots)| {
        parse_chunk_fast(
            &data[bounds[k]..bounds[k + 1]],
            ncols,
            ctx.delimiter,
            chunk_slots,
            sizes[k],
        )
    });
    if results
        .iter()
        .any(|r| matches!(r, Err(ChunkError::Fallback)))
    {
        drop(slots);
        return parse_csv_crate(data, ctx, names, first_line, numeric);
    }
    let mut chunks = Vec::with_capacity(results.len());
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(c) => chunks.push(c),
            Err(e) => {
                // A quote or a lone \r later in the file changes the row
                // boundaries: the csv crate decides what is really wrong.
                if data.contains(&b'"') || has_lone_cr(data) {
                    drop(slots);
                    return parse_csv_crate(data, ctx, names, first_line, numeric);
                }
                let base = first_line + count_newlines(&data[..bounds[i]]);
                return Err(match e {
                    ChunkError::Fallback | ChunkError::TooManyRows => unreachable_fallback(ctx),
                    ChunkError::Ragged { line, found } => Error::RaggedRow {
                        path: ctx.path.clone(),
                        line: base + line,
                        found,
                        expected: ncols,
                    },
                    ChunkError::Utf8 { line, column } => Error::InvalidUtf8 {
                        path: ctx.path.clone(),
                        line: base + line,
                        column: names[column].clone(),
                    },
                });
            }
        }
    }
    Ok((chunks, slots))
}

fn unreachable_fallback(ctx: &Ctx) -> Error {
    Error::Csv {
        path: ctx.path.clone(),
        line: 0,
        message: "internal error: the fast CSV path stopped without a reason".to_string(),
    }
}

pub(crate) fn has_lone_cr(data: &[u8]) -> bool {
    data.iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && data.get(i + 1) != Some(&b'\n'))
}

pub(crate) fn count_newlines(data: &[u8]) -> usize {
    // Byte-wide counters over blocks of at most 255 bytes vectorise well.
    data.chunks(255)
        .map(|block| {
            block
                .iter()
                .fold(0u8, |n, &b| n.wrapping_add((b == b'\n') as u8)) as usize
        })
        .sum()
}

/// Chunk start offsets (each just after a line break) and the data length.
fn chunk_bounds(data: &[u8]) -> Vec<usize> {
    let wanted = (parallel::threads() * 4)
        .min(data.len() / MIN_CHUNK_BYTES)
        .max(1);
    let mut bounds = vec![0];
    for k in 1..wanted {
        let guess = k * data.len() / wanted;
        let Some(nl) = data[guess..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let at = guess + nl + 1;
        if at > *bounds.last().unwrap_or(&0) && at < data.len() {
            bounds.push(at);
        }
    }
    bounds.push(data.len());
    bounds
}

/// Parses rows split at line breaks and fields split at the delimiter.
/// Blank lines are skipped.
pub(crate) fn parse_chunk_fast(
    data: &[u8],
    ncols: usize,
    delim: u8,
    slots: Vec<&mut [f32]>,
    bound: usize,
) -> std::result::Result<Chunk, ChunkError> {
    let mut parts: Vec<PartBuilder<'_>> = slots
        .into_iter()
        .map(|slot| PartBuilder::new(bound, slot))
        .collect();
    let mut tracker = RowTracker::default();
    let n = data.len();
    let mut i = 0;
    let mut line = 0;
    while i < n {
        if data[i] == b'\n' {
            i += 1;
            line += 1;
            continue;
        }
        if data[i] == b'\r' && data.get(i + 1) == Some(&b'\n') {
            i += 2;
            line += 1;
            continue;
        }
        if tracker.rows >= bound {
            // More rows than line breaks were counted: the input changed.
            return Err(ChunkError::TooManyRows);
        }
        let mut col = 0;
        loop {
            let start = i;
            if col >= ncols {
                let rest = &data[start..];
                let eol = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                let found = col + rest[..eol].iter().filter(|&&b| b == delim).count() + 1;
                return Err(ChunkError::Ragged { line, found });
            }
            let part = &mut parts[col];
            // Hot path: a plain number parsed where it stands, no second pass.
            let parsed = if part.takes_numbers() {
                parse_number_at(data, i).filter(|&(_, end)| match data.get(end) {
                    None | Some(b'\n') => true,
                    Some(&b) if b == delim => true,
                    Some(b'\r') => data.get(end + 1) == Some(&b'\n'),
                    _ => false,
                })
            } else {
                None
            };
            if let Some((v, end)) = parsed {
                part.push_value(v);
                i = end;
            } else {
                while i < n {
                    let c = data[i];
                    if c == delim || c == b'\n' || c == b'\r' || c == b'"' {
                        break;
                    }
                    i += 1;
                }
                match data.get(i) {
                    Some(b'"') => return Err(ChunkError::Fallback),
                    Some(b'\r') if data.get(i + 1) != Some(&b'\n') => {
                        return Err(ChunkError::Fallback)
                    }
                    _ => {}
                }
                part.push(&data[start..i])
                    .map_err(|_| ChunkError::Utf8 { line, column: col })?;
            }
            col += 1;
            let term = data.get(i).copied().unwrap_or(b'\n');
            if term == delim {
                i += 1;
                continue;
            }
            i += if term == b'\r' { 2 } else { 1 };
            break;
        }
        if col != ncols {
            return Err(ChunkError::Ragged { line, found: col });
        }
        tracker.add(line);
        line += 1;
    }
    Ok(tracker.finish(parts, line))
}

/// Files with quotes. When no quoted field spans a line break and there is
/// no lone `\r`, every line break ends a record: the chunks are parsed by
/// the `csv` crate in parallel. Otherwise one sequential pass.
fn parse_csv_crate(
    data: &[u8],
    ctx: &Ctx,
    names: &[String],
    first_line: usize,
    numeric: &[bool],
) -> Result<(Vec<Chunk>, Slots)> {
    let bounds = chunk_bounds(data);
    let n = bounds.len() - 1;
    let chunk = |k: usize| &data[bounds[k]..bounds[k + 1]];
    let line_breaks_end_records = n > 1
        && parallel::map_indices(n, |k| lines_end_outside_quotes(chunk(k), ctx.delimiter))
            .into_iter()
            .all(|ok| ok);
    if !line_breaks_end_records {
        // Every record ends with \n, \r or the end of the data.
        let bound = data.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 1;
        let mut slots = Slots::new(numeric, &[bound]);
        let chunk_slots = slots.cut(&[bound]).pop().unwrap_or_default();
        let c = csv_chunk(data, chunk_slots, bound, ctx, names, first_line)?;
        return Ok((vec![c], slots));
    }
    let newlines = parallel::map_indices(n, |k| count_newlines(chunk(k)));
    let mut sizes = newlines.clone();
    if let Some(last) = sizes.last_mut() {
        *last += 1;
    }
    let mut starts = Vec::with_capacity(n);
    let mut line = first_line;
    for nl in &newlines {
        starts.push(line);
        line += nl;
    }
    let mut slots = Slots::new(numeric, &sizes);
    let jobs: Vec<(usize, Vec<&mut [f32]>)> = slots.cut(&sizes).into_iter().enumerate().collect();
    let results = parallel::map_vec(jobs, |(k, chunk_slots)| {
        csv_chunk(chunk(k), chunk_slots, sizes[k], ctx, names, starts[k])
    });
    let mut chunks = Vec::with_capacity(n);
    for r in results {
        chunks.push(r?);
    }
    Ok((chunks, slots))
}

/// True when, read from a line start, no line break falls inside a quoted
/// field and every `\r` is followed by `\n`: then each line starts a new
/// record, as it would in one sequential pass. Follows the quoting rules of
/// `csv-core`: a quote opens a field only at its start, `""` inside a
/// quoted field is a quote, and text after a closing quote joins the field.
fn lines_end_outside_quotes(data: &[u8], delim: u8) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        FieldStart,
        Unquoted,
        Quoted,
        AfterQuote,
    }
    let mut s = S::FieldStart;
    for (i, &b) in data.iter().enumerate() {
        s = match (s, b) {
            (S::Quoted, b'"') => S::AfterQuote,
            (S::Quoted, _) => S::Quoted,
            (S::AfterQuote, b'"') => S::Quoted,
            (_, b'\n') => S::FieldStart,
            (_, b'\r') if data.get(i + 1) == Some(&b'\n') => s,
            (_, b'\r') => return false,
            (_, c) if c == delim => S::FieldStart,
            (S::FieldStart, b'"') => S::Quoted,
            _ => S::Unquoted,
        };
        if b == b'\n' && s == S::Quoted {
            return false;
        }
    }
    // A chunk other than the last ends just after a line break.
    s != S::Quoted
}

/// One chunk of a file read by the `csv` crate; `first_line` is the line
/// the chunk starts on and `bound` the most records it can hold.
fn csv_chunk(
    data: &[u8],
    chunk_slots: Vec<&mut [f32]>,
    bound: usize,
    ctx: &Ctx,
    names: &[String],
    first_line: usize,
) -> Result<Chunk> {
    let ncols = names.len();
    let mut parts: Vec<PartBuilder<'_>> = chunk_slots
        .into_iter()
        .map(|slot| PartBuilder::new(bound, slot))
        .collect();
    let mut tracker = RowTracker::default();
    let mut rdr = ctx.csv_reader(data);
    let mut rec = csv::ByteRecord::new();
    let offset = first_line - 1;
    loop {
        let more = rdr
            .read_byte_record(&mut rec)
            .map_err(|e| ctx.csv_error(e, offset))?;
        if !more {
            break;
        }
        let line = rec.position().map_or(0, |p| record_start(data, p).1 - 1);
        if rec.len() != ncols {
            return Err(Error::RaggedRow {
                path: ctx.path.clone(),
                line: line + first_line,
                found: rec.len(),
                expected: ncols,
            });
        }
        if tracker.rows >= bound {
            return Err(unreachable_fallback(ctx));
        }
        for (c, field) in rec.iter().enumerate() {
            parts[c].push(field).map_err(|_| Error::InvalidUtf8 {
                path: ctx.path.clone(),
                line: line + first_line,
                column: names[c].clone(),
            })?;
        }
        tracker.add(line);
    }
    Ok(tracker.finish(parts, count_newlines(data)))
}

/// Reads the given columns again as text (missing values as `None`).
fn read_text_columns(
    data: &[u8],
    cols: &[usize],
    rows: usize,
    ctx: &Ctx,
    names: &[String],
    first_line: usize,
) -> Result<Vec<Vec<Option<Box<str>>>>> {
    let mut out: Vec<Vec<Option<Box<str>>>> =
        cols.iter().map(|_| Vec::with_capacity(rows)).collect();
    let mut rdr = ctx.csv_reader(data);
    let mut rec = csv::ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| ctx.csv_error(e, first_line - 1))?
    {
        let line = rec.position().map_or(0, |p| record_start(data, p).1) + first_line - 1;
        for (k, &c) in cols.iter().enumerate() {
            let field = rec.get(c).unwrap_or_default();
            out[k].push(if is_missing(field) {
                None
            } else {
                Some(text(field).map_err(|_| Error::InvalidUtf8 {
                    path: ctx.path.clone(),
                    line,
                    column: names[c].clone(),
                })?)
            });
        }
    }
    if out.iter().any(|v| v.len() != rows) {
        return Err(Error::Csv {
            path: ctx.path.clone(),
            line: 0,
            message: format!(
                "internal error: the second pass over text columns found a different number of rows than {rows}"
            ),
        });
    }
    Ok(out)
}

fn row_lines(chunks: &[Chunk], first_line: usize) -> RowLines {
    let last = chunks.len().saturating_sub(1);
    let contiguous = chunks
        .iter()
        .enumerate()
        .all(|(i, c)| c.row_lines.is_none() && (i == last || c.rows == c.lines));
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
        base += c.lines;
    }
    RowLines::Explicit(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_start_after_line_breaks() {
        let line = b"12345,67890\n";
        let data: Vec<u8> = line
            .iter()
            .copied()
            .cycle()
            .take(line.len() * 300_000)
            .collect();
        let bounds = chunk_bounds(&data);
        assert_eq!((bounds[0], *bounds.last().unwrap()), (0, data.len()));
        for w in bounds.windows(2) {
            assert!(w[0] < w[1]);
        }
        for &b in &bounds[1..bounds.len() - 1] {
            assert_eq!(data[b - 1], b'\n');
        }
        assert_eq!(chunk_bounds(b""), [0, 0]);
    }

    #[test]
    fn newline_counts_match_a_plain_count() {
        let data: Vec<u8> = (0..10_000u32)
            .map(|i| if i % 7 == 0 { b'\n' } else { (i % 251) as u8 })
            .collect();
        for len in [0, 1, 254, 255, 256, 9_999, 10_000] {
            let want = data[..len].iter().filter(|&&b| b == b'\n').count();
            assert_eq!(count_newlines(&data[..len]), want, "{len}");
        }
    }

    #[test]
    fn more_rows_than_slots_is_an_error_not_a_panic() {
        let mut slot = vec![0f32; 2];
        let r = parse_chunk_fast(b"1\n2\n3\n", 1, b',', vec![&mut slot], 2);
        assert!(matches!(r, Err(ChunkError::TooManyRows)));
    }

    #[test]
    fn quoted_data_is_split_into_chunks_only_when_safe() {
        let ctx = Ctx {
            path: "q.csv".into(),
            delimiter: b',',
        };
        let names = vec!["a".to_string(), "b".to_string()];
        let mut data = String::new();
        for i in 0..200_000 {
            data.push_str(&format!("\"x, {i}\",{i}\n"));
        }
        let (chunks, _) = parse_csv_crate(data.as_bytes(), &ctx, &names, 2, &[false, true])
            .unwrap_or_else(|_| panic!("parse"));
        assert!(chunks.len() > 1);
        assert_eq!(chunks.iter().map(|c| c.rows).sum::<usize>(), 200_000);
        data.push_str("\"two\nlines\",1\n");
        let (chunks, _) = parse_csv_crate(data.as_bytes(), &ctx, &names, 2, &[false, true])
            .unwrap_or_else(|_| panic!("parse"));
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].rows, 200_001);
    }

    #[test]
    fn line_breaks_inside_quotes_are_detected() {
        let ok = |s: &str| lines_end_outside_quotes(s.as_bytes(), b',');
        assert!(ok("a,b\n\"x,y\",2\n\"he said \"\"hi\"\"\",3\r\n"));
        assert!(ok("5\" pipe,1\n")); // a quote inside a field is a plain character
        assert!(ok("\"a\"b,1\n")); // text after a closing quote joins the field
        assert!(!ok("\"multi\nline\",1\n"));
        assert!(!ok("a,\"x\"\"\ny\"\n")); // "" keeps the field open
        assert!(!ok("a\rb\n")); // a lone \r ends a record
        assert!(!ok("a,\"open")); // still inside quotes at the end
        assert!(ok("a,b\r\n\r\n"));
    }

    #[test]
    fn blank_lines_make_row_lines_explicit() {
        let mut slot = vec![0f32; 4];
        let c = match parse_chunk_fast(b"1\n\n2\r\n3", 1, b',', vec![&mut slot], 4) {
            Ok(c) => c,
            Err(_) => panic!("chunk should parse"),
        };
        assert_eq!((c.rows, c.lines), (3, 4));
        assert_eq!(c.row_lines.as_deref(), Some(&[0, 2, 3][..]));
        assert_eq!(row_lines(&[c], 2), RowLines::Explicit(vec![2, 4, 5]));
        assert!(matches!(
            parse_chunk_fast(b"1,\"2\"\n", 2, b',', vec![&mut [], &mut []], 1),
            Err(ChunkError::Fallback)
        ));
        assert!(matches!(
            parse_chunk_fast(b"1,2\r3,4\n", 2, b',', vec![&mut [], &mut []], 1),
            Err(ChunkError::Fallback)
        ));
    }
}
