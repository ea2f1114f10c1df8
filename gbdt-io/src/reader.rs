//! CSV bytes to a [`Table`].
//!
//! The header is read with the `csv` crate. When the data has no quote
//! characters (and no lone `\r`), line breaks are row boundaries: the data is
//! split into chunks at line breaks and the chunks are parsed in parallel
//! into typed per-column parts, which are then merged. Otherwise one
//! sequential `csv` pass fills a single chunk. Types are decided over all
//! chunks; a column that turns out to be text after some chunks stored it
//! as numbers is read again as text (rare: only for mixed columns).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::parallel;
use crate::parse::{classify, is_missing, parse_number, parse_number_at, Cell};
use crate::table::{Column, CsvOptions, Numbers, RowLines, Table, BOOL_MISSING};

/// Chunks smaller than this are not worth a task.
const MIN_CHUNK_BYTES: usize = 1 << 20;

pub(crate) fn parse(mut bytes: Vec<u8>, path: &Path, opts: &CsvOptions) -> Result<Table> {
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
    let head = read_first_record(&bytes[bom..], &ctx)?;
    let (names, data_start, first_line) = if opts.has_header {
        (header_names(&head.fields, &ctx)?, head.end, head.next_line)
    } else {
        let names = (0..head.fields.len())
            .map(|i| format!("column_{i}"))
            .collect();
        (names, head.start, head.line)
    };
    let data = &bytes[bom + data_start..];
    let chunks = parse_chunks(data, names.len(), &ctx, &names, first_line)?;
    let rows: usize = chunks.iter().map(|c| c.rows).sum();
    if rows == 0 {
        return Err(if opts.has_header {
            Error::NoDataRows { path: ctx.path }
        } else {
            Error::EmptyFile { path: ctx.path }
        });
    }
    let kinds: Vec<Kind> = (0..names.len())
        .map(|c| merged_kind(chunks.iter().map(|ch| ch.parts[c].kind())))
        .collect();
    let rescan: Vec<usize> = (0..names.len())
        .filter(|&c| kinds[c] == Kind::Rescan)
        .collect();
    let texts = if rescan.is_empty() {
        Vec::new()
    } else {
        read_text_columns(data, &rescan, rows, &ctx, &names, first_line)?
    };
    let lines = row_lines(&chunks, first_line);
    // The file buffer is not needed any more: free it before the merge
    // copies the per-chunk parts into whole columns.
    bytes = Vec::new();
    drop(bytes);
    // Hand each column its parts (moved, not copied), then merge the
    // columns in parallel.
    let mut chunks = chunks;
    let mut per_column: Vec<(Kind, Vec<PartBuilder>)> = kinds
        .iter()
        .map(|&k| (k, Vec::with_capacity(chunks.len())))
        .collect();
    for chunk in &mut chunks {
        for (c, part) in chunk.parts.drain(..).enumerate() {
            per_column[c].1.push(part);
        }
    }
    let mut texts = texts.into_iter();
    let mut jobs = Vec::with_capacity(per_column.len());
    for (kind, parts) in per_column {
        let text = if kind == Kind::Rescan {
            texts.next()
        } else {
            None
        };
        jobs.push((kind, parts, text));
    }
    let columns = parallel::map_vec(jobs, |(kind, parts, text)| match text {
        Some(t) => Column::String(t),
        None => merge_parts(parts, kind, rows),
    });
    Ok(Table {
        path: ctx.path,
        names,
        columns,
        rows,
        lines,
    })
}

struct Ctx {
    path: PathBuf,
    delimiter: u8,
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

/// The column type a set of chunk parts adds up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Empty,
    Number,
    Bool,
    /// Text in every chunk that has values: the parts hold it all.
    Text,
    /// Text, but some chunk stored numbers or bools: read the text again.
    Rescan,
}

fn merged_kind(kinds: impl Iterator<Item = Kind>) -> Kind {
    let mut acc = Kind::Empty;
    for k in kinds {
        acc = match (acc, k) {
            (a, Kind::Empty) => a,
            (Kind::Empty, k) => k,
            (a, k) if a == k => a,
            _ => Kind::Rescan,
        };
    }
    acc
}

/// One column of one chunk while it is being parsed.
#[derive(Debug, Default)]
enum Part {
    /// Only missing values so far.
    #[default]
    Empty,
    Number(Numbers),
    Bool(Vec<u8>),
    Text(Vec<Option<Box<str>>>),
    /// Became text after holding numbers or bools: values are not kept.
    Incomplete,
}

#[derive(Debug, Default)]
struct PartBuilder {
    part: Part,
    len: usize,
    capacity: usize,
}

struct BadUtf8;

impl PartBuilder {
    fn new(capacity: usize) -> Self {
        PartBuilder {
            part: Part::Empty,
            len: 0,
            capacity,
        }
    }

    fn kind(&self) -> Kind {
        match self.part {
            Part::Empty => Kind::Empty,
            Part::Number(_) => Kind::Number,
            Part::Bool(_) => Kind::Bool,
            Part::Text(_) => Kind::Text,
            Part::Incomplete => Kind::Rescan,
        }
    }

    #[inline]
    fn push(&mut self, field: &[u8]) -> std::result::Result<(), BadUtf8> {
        if let Part::Number(nums) = &mut self.part {
            if let Some(v) = parse_number(field) {
                push_number(nums, v);
                self.len += 1;
                return Ok(());
            }
        }
        self.push_slow(field)?;
        self.len += 1;
        Ok(())
    }

    /// True while numbers can still be stored directly.
    #[inline]
    fn takes_numbers(&self) -> bool {
        matches!(self.part, Part::Number(_) | Part::Empty)
    }

    /// Stores a number parsed in place (the column takes numbers).
    #[inline(always)]
    fn push_value(&mut self, v: f64) {
        match &mut self.part {
            Part::Number(nums) => push_number(nums, v),
            _ => {
                let mut values = Vec::with_capacity(self.capacity.max(self.len + 1));
                values.resize(self.len, f32::NAN);
                let mut nums = Numbers::F32(values);
                push_number(&mut nums, v);
                self.part = Part::Number(nums);
            }
        }
        self.len += 1;
    }

    fn push_slow(&mut self, field: &[u8]) -> std::result::Result<(), BadUtf8> {
        let len = self.len;
        match &mut self.part {
            Part::Incomplete => {}
            Part::Text(values) => values.push(if is_missing(field) {
                None
            } else {
                Some(text(field)?)
            }),
            Part::Number(nums) => match classify(field) {
                Cell::Missing => push_number(nums, f64::NAN),
                Cell::Number(v) => push_number(nums, v),
                Cell::Bool(_) | Cell::Text => self.part = Part::Incomplete,
            },
            Part::Bool(values) => match classify(field) {
                Cell::Missing => values.push(BOOL_MISSING),
                Cell::Bool(b) => values.push(b as u8),
                Cell::Number(_) | Cell::Text => self.part = Part::Incomplete,
            },
            Part::Empty => match classify(field) {
                Cell::Missing => {}
                Cell::Number(v) => {
                    let mut values = Vec::with_capacity(self.capacity.max(len + 1));
                    values.resize(len, f32::NAN);
                    let mut nums = Numbers::F32(values);
                    push_number(&mut nums, v);
                    self.part = Part::Number(nums);
                }
                Cell::Bool(b) => {
                    let mut values = Vec::with_capacity(self.capacity.max(len + 1));
                    values.resize(len, BOOL_MISSING);
                    values.push(b as u8);
                    self.part = Part::Bool(values);
                }
                Cell::Text => {
                    let mut values = vec![None; len];
                    values.push(Some(text(field)?));
                    self.part = Part::Text(values);
                }
            },
        }
        Ok(())
    }
}

fn text(field: &[u8]) -> std::result::Result<Box<str>, BadUtf8> {
    std::str::from_utf8(field)
        .map(Box::from)
        .map_err(|_| BadUtf8)
}

/// Stores a number as `f32`, switching the column to `f64` when an integer
/// (an ID, a count) does not fit `f32` exactly.
#[inline(always)]
fn push_number(nums: &mut Numbers, v: f64) {
    match nums {
        Numbers::F32(values) => {
            let f = v as f32;
            if f as f64 != v && v.abs() > 16_777_216.0 && v.fract() == 0.0 {
                widen(nums, v);
            } else {
                values.push(f);
            }
        }
        Numbers::F64(values) => values.push(v),
    }
}

#[cold]
fn widen(nums: &mut Numbers, v: f64) {
    if let Numbers::F32(values) = nums {
        let mut wide: Vec<f64> = Vec::with_capacity(values.capacity().max(values.len() + 1));
        wide.extend(values.iter().map(|&x| x as f64));
        wide.push(v);
        *nums = Numbers::F64(wide);
    }
}

/// The parts of one chunk of rows.
struct Chunk {
    parts: Vec<PartBuilder>,
    rows: usize,
    /// Lines the chunk spans (its line breaks, plus a last line without one).
    lines: usize,
    /// 0-based line of each row within the chunk, when not simply `row`.
    row_lines: Option<Vec<usize>>,
}

impl Chunk {
    fn new(ncols: usize, capacity: usize) -> Self {
        Chunk {
            parts: (0..ncols).map(|_| PartBuilder::new(capacity)).collect(),
            rows: 0,
            lines: 0,
            row_lines: None,
        }
    }

    fn add_row_line(&mut self, line: usize) {
        if self.row_lines.is_none() && line != self.rows {
            self.row_lines = Some((0..self.rows).collect());
        }
        if let Some(l) = &mut self.row_lines {
            l.push(line);
        }
        self.rows += 1;
    }
}

/// Why the fast path stopped.
enum ChunkError {
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

fn parse_chunks(
    data: &[u8],
    ncols: usize,
    ctx: &Ctx,
    names: &[String],
    first_line: usize,
) -> Result<Vec<Chunk>> {
    let bounds = chunk_bounds(data);
    let results = parallel::map_indices(bounds.len() - 1, |i| {
        parse_chunk_fast(&data[bounds[i]..bounds[i + 1]], ncols, ctx.delimiter)
    });
    if results
        .iter()
        .any(|r| matches!(r, Err(ChunkError::Fallback)))
    {
        return parse_csv_crate(data, ncols, ctx, names, first_line).map(|c| vec![c]);
    }
    let mut chunks = Vec::with_capacity(results.len());
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(c) => chunks.push(c),
            Err(e) => {
                // A quote or a lone \r later in the file changes the row
                // boundaries: the csv crate decides what is really wrong.
                if data.contains(&b'"') || has_lone_cr(data) {
                    return parse_csv_crate(data, ncols, ctx, names, first_line).map(|c| vec![c]);
                }
                let base = first_line + count_newlines(&data[..bounds[i]]);
                return Err(match e {
                    ChunkError::Fallback => unreachable_fallback(ctx),
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
    Ok(chunks)
}

fn unreachable_fallback(ctx: &Ctx) -> Error {
    Error::Csv {
        path: ctx.path.clone(),
        line: 0,
        message: "internal error: fast CSV path gave up without a reason".to_string(),
    }
}

fn has_lone_cr(data: &[u8]) -> bool {
    data.iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && data.get(i + 1) != Some(&b'\n'))
}

fn count_newlines(data: &[u8]) -> usize {
    data.iter().filter(|&&b| b == b'\n').count()
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
fn parse_chunk_fast(
    data: &[u8],
    ncols: usize,
    delim: u8,
) -> std::result::Result<Chunk, ChunkError> {
    let mut chunk = Chunk::new(ncols, count_newlines(data) + 1);
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
        let mut col = 0;
        loop {
            let start = i;
            if col >= ncols {
                let rest = &data[start..];
                let eol = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                let found = col + rest[..eol].iter().filter(|&&b| b == delim).count() + 1;
                return Err(ChunkError::Ragged { line, found });
            }
            let part = &mut chunk.parts[col];
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
        chunk.add_row_line(line);
        line += 1;
    }
    chunk.lines = line;
    Ok(chunk)
}

/// The sequential path for files with quoted fields.
fn parse_csv_crate(
    data: &[u8],
    ncols: usize,
    ctx: &Ctx,
    names: &[String],
    first_line: usize,
) -> Result<Chunk> {
    let mut chunk = Chunk::new(ncols, 0);
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
        for (c, field) in rec.iter().enumerate() {
            chunk.parts[c].push(field).map_err(|_| Error::InvalidUtf8 {
                path: ctx.path.clone(),
                line: line + first_line,
                column: names[c].clone(),
            })?;
        }
        chunk.add_row_line(line);
    }
    chunk.lines = rdr.position().line() as usize;
    Ok(chunk)
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

fn merge_parts(parts: Vec<PartBuilder>, kind: Kind, rows: usize) -> Column {
    match kind {
        Kind::Empty => Column::Number(Numbers::F32(vec![f32::NAN; rows])),
        Kind::Number => {
            let wide = parts
                .iter()
                .any(|p| matches!(p.part, Part::Number(Numbers::F64(_))));
            if wide {
                let mut out = Vec::with_capacity(rows);
                for p in parts {
                    match p.part {
                        Part::Number(Numbers::F64(v)) => out.extend(v),
                        Part::Number(Numbers::F32(v)) => out.extend(v.iter().map(|&x| x as f64)),
                        _ => out.resize(out.len() + p.len, f64::NAN),
                    }
                }
                Column::Number(Numbers::F64(out))
            } else {
                let mut out = Vec::with_capacity(rows);
                for p in parts {
                    match p.part {
                        Part::Number(Numbers::F32(v)) => out.extend_from_slice(&v),
                        _ => out.resize(out.len() + p.len, f32::NAN),
                    }
                }
                Column::Number(Numbers::F32(out))
            }
        }
        Kind::Bool => {
            let mut out = Vec::with_capacity(rows);
            for p in parts {
                match p.part {
                    Part::Bool(v) => out.extend_from_slice(&v),
                    _ => out.resize(out.len() + p.len, BOOL_MISSING),
                }
            }
            Column::Bool(out)
        }
        Kind::Text | Kind::Rescan => {
            let mut out = Vec::with_capacity(rows);
            for p in parts {
                match p.part {
                    Part::Text(v) => out.extend(v),
                    _ => out.resize(out.len() + p.len, None),
                }
            }
            Column::String(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_merge_to_the_widest_type() {
        use Kind::*;
        let m = |k: &[Kind]| merged_kind(k.iter().copied());
        assert_eq!(m(&[]), Empty);
        assert_eq!(m(&[Empty, Number, Empty]), Number);
        assert_eq!(m(&[Bool, Empty, Bool]), Bool);
        assert_eq!(m(&[Text, Empty]), Text);
        assert_eq!(m(&[Number, Bool]), Rescan);
        assert_eq!(m(&[Number, Text]), Rescan);
        assert_eq!(m(&[Text, Rescan]), Rescan);
    }

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
    fn columns_switch_type_and_widen_for_large_integers() {
        let mut p = PartBuilder::new(4);
        for f in [&b""[..], b"1", b"NA", b"2.5"] {
            assert!(p.push(f).is_ok());
        }
        assert_eq!(p.kind(), Kind::Number);
        assert!(p.push(b"text").is_ok());
        assert_eq!((p.kind(), p.len), (Kind::Rescan, 5));
        let mut n = Numbers::F32(vec![1.5]);
        push_number(&mut n, 123_456_789_012.0);
        push_number(&mut n, 0.1);
        assert_eq!(n, Numbers::F64(vec![1.5, 123_456_789_012.0, 0.1]));
        let mut n = Numbers::F32(vec![]);
        push_number(&mut n, 16_777_217.5); // not an integer: f32 is fine
        assert!(matches!(n, Numbers::F32(_)));
        assert!(PartBuilder::new(0).push(b"\xff").is_err());
    }

    #[test]
    fn blank_lines_make_row_lines_explicit() {
        let c = match parse_chunk_fast(b"1\n\n2\r\n3", 1, b',') {
            Ok(c) => c,
            Err(_) => panic!("chunk should parse"),
        };
        assert_eq!((c.rows, c.lines), (3, 4));
        assert_eq!(c.row_lines.as_deref(), Some(&[0, 2, 3][..]));
        assert_eq!(row_lines(&[c], 2), RowLines::Explicit(vec![2, 4, 5]));
        assert!(matches!(
            parse_chunk_fast(b"1,\"2\"\n", 2, b','),
            Err(ChunkError::Fallback)
        ));
        assert!(matches!(
            parse_chunk_fast(b"1,2\r3,4\n", 2, b','),
            Err(ChunkError::Fallback)
        ));
    }
}
