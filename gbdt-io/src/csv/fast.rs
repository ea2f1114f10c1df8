//! The fast path for the common file: no quote characters and no lone
//! `\r`. Fields are split at the delimiter and rows at line breaks, and
//! numbers are parsed where they stand, straight into their column. Any
//! quote or lone `\r` stops it: the chunk is then read by csv-core
//! ([`super::records`]), which knows the quoting rules.

use super::ctx::ChunkError;
use crate::builder::PartBuilder;
use crate::parse::parse_number_at;

/// Why the fast path did not finish.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FastError {
    /// A quote or a lone `\r`: read the chunk with csv-core.
    NeedsTokenizer,
    Chunk(ChunkError),
}

/// Rows of one chunk, and the 0-based line of each row within it.
pub(crate) trait RowSink {
    /// True when no more rows fit.
    fn full(&self) -> bool;
    fn add(&mut self, line: usize);
}

/// Parses `data` (which starts where a row starts) into `parts`, one per
/// column. Blank lines are skipped.
pub(crate) fn parse_fast(
    data: &[u8],
    delim: u8,
    parts: &mut [PartBuilder<'_>],
    rows: &mut impl RowSink,
) -> Result<(), FastError> {
    let ncols = parts.len();
    let n = data.len();
    let mut i = 0;
    let mut line = 0;
    while i < n {
        match data[i] {
            b'\n' => {
                i += 1;
                line += 1;
                continue;
            }
            b'\r' if data.get(i + 1) == Some(&b'\n') => {
                i += 2;
                line += 1;
                continue;
            }
            _ => {}
        }
        if rows.full() {
            return Err(FastError::Chunk(ChunkError::TooManyRows { line }));
        }
        let mut col = 0;
        loop {
            if col >= ncols {
                return Err(ragged(&data[i..], delim, line, col));
            }
            i = field(data, i, delim, &mut parts[col], line, col)?;
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
            return Err(FastError::Chunk(ChunkError::Ragged { line, found: col }));
        }
        rows.add(line);
        line += 1;
    }
    Ok(())
}

/// Stores the field starting at `i`; returns the index of its terminator.
#[inline(always)]
fn field(
    data: &[u8],
    mut i: usize,
    delim: u8,
    part: &mut PartBuilder<'_>,
    line: usize,
    col: usize,
) -> Result<usize, FastError> {
    // Hot path: a plain number parsed where it stands, no second pass.
    if part.takes_numbers() {
        let parsed = parse_number_at(data, i).filter(|&(_, end)| match data.get(end) {
            None | Some(b'\n') => true,
            Some(&b) if b == delim => true,
            Some(b'\r') => data.get(end + 1) == Some(&b'\n'),
            _ => false,
        });
        if let Some((v, end)) = parsed {
            part.push_value(v);
            return Ok(end);
        }
    }
    let start = i;
    while i < data.len() {
        let c = data[i];
        if c == delim || c == b'\n' || c == b'\r' || c == b'"' {
            break;
        }
        i += 1;
    }
    match data.get(i) {
        Some(b'"') => return Err(FastError::NeedsTokenizer),
        Some(b'\r') if data.get(i + 1) != Some(&b'\n') => return Err(FastError::NeedsTokenizer),
        _ => {}
    }
    part.push(&data[start..i])
        .map_err(|_| FastError::Chunk(ChunkError::Utf8 { line, column: col }))?;
    Ok(i)
}

/// The error for a row with more fields than columns; `rest` starts at the
/// first extra field.
#[cold]
fn ragged(rest: &[u8], delim: u8, line: usize, col: usize) -> FastError {
    let eol = rest
        .iter()
        .position(|&b| b == b'\n' || b == b'\r' || b == b'"')
        .unwrap_or(rest.len());
    if rest.get(eol) == Some(&b'"') {
        return FastError::NeedsTokenizer;
    }
    let found = col + rest[..eol].iter().filter(|&&b| b == delim).count() + 1;
    FastError::Chunk(ChunkError::Ragged { line, found })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Lines(Vec<usize>);
    impl RowSink for Lines {
        fn full(&self) -> bool {
            self.0.len() >= 3
        }
        fn add(&mut self, line: usize) {
            self.0.push(line);
        }
    }

    fn run(data: &[u8], ncols: usize) -> (Result<(), FastError>, Vec<usize>) {
        let mut parts: Vec<PartBuilder> = (0..ncols)
            .map(|_| PartBuilder::new(4, &mut [], false))
            .collect();
        let mut lines = Lines(Vec::new());
        let r = parse_fast(data, b',', &mut parts, &mut lines);
        (r, lines.0)
    }

    #[test]
    fn blank_lines_are_skipped_and_rows_keep_their_lines() {
        assert_eq!(run(b"1\n\n2\r\n3", 1), (Ok(()), vec![0, 2, 3]));
        assert_eq!(
            run(b"1\n2\n3\n4\n", 1).0,
            Err(FastError::Chunk(ChunkError::TooManyRows { line: 3 }))
        );
        assert_eq!(run(b"1,\"2\"\n", 2).0, Err(FastError::NeedsTokenizer));
        assert_eq!(run(b"1,2\r3,4\n", 2).0, Err(FastError::NeedsTokenizer));
        assert_eq!(
            run(b"1,2\n3,4,5\n", 2).0,
            Err(FastError::Chunk(ChunkError::Ragged { line: 1, found: 3 }))
        );
        assert_eq!(
            run(b"1,2\n\n3\n", 2).0,
            Err(FastError::Chunk(ChunkError::Ragged { line: 2, found: 1 }))
        );
        assert_eq!(
            run(b"1,\xff\n", 2).0,
            Err(FastError::Chunk(ChunkError::Utf8 { line: 0, column: 1 }))
        );
    }
}
