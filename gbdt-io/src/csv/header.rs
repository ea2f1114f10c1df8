//! The first bytes of a CSV file: byte-order mark, header names, where the
//! data starts, and which columns the first rows show to be text.

use std::collections::{HashMap, HashSet};

use super::ctx::Ctx;
use super::records::count_newlines;
use super::records::Records;
use crate::error::{Error, Result};
use crate::parse::{classify, Cell};
use crate::table::CsvOptions;

/// Rows looked at to find text columns.
const SAMPLE_ROWS: usize = 64;

/// What the first bytes tell.
pub(crate) struct Header {
    /// Column names (from the header, or `column_i`).
    pub names: Vec<String>,
    /// Offset of the first data byte.
    pub data_start: usize,
    /// The 1-based line the data starts on.
    pub first_line: usize,
    /// Columns holding text in the first rows: string columns.
    pub text: Vec<bool>,
}

/// Reads the header from `head`, the first bytes of the file; `whole` when
/// `head` is the whole file. `Ok(None)` when the header (or, without one,
/// the first record) does not end inside `head`: read more bytes.
pub(crate) fn read_header(
    head: &[u8],
    whole: bool,
    ctx: &Ctx,
    opts: &CsvOptions,
) -> Result<Option<Header>> {
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let data = &head[bom..];
    if whole && data.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyFile {
            path: ctx.path.clone(),
        });
    }
    let mut records = Records::new(data, ctx);
    let Some(first) = records.next_record() else {
        return Err(Error::EmptyFile {
            path: ctx.path.clone(),
        });
    };
    let (line, fields): (usize, Vec<Vec<u8>>) =
        (first.line, first.iter().map(<[u8]>::to_vec).collect());
    if !records.terminated() && !whole {
        return Ok(None);
    }
    let after = records.position();
    let (names, data_start, first_line) = if opts.has_header {
        // A header ended by `\r\n` stops after the `\r`: start after the `\n`.
        let skip = usize::from(data[..after].ends_with(b"\r") && data.get(after) == Some(&b'\n'));
        let next_line = 1 + count_newlines(&data[..after + skip]);
        (header_names(&fields, ctx)?, bom + after + skip, next_line)
    } else {
        let start = record_start(data);
        let names = (0..fields.len()).map(|i| format!("column_{i}")).collect();
        (names, bom + start, line + 1)
    };
    let text = text_columns(&head[data_start..], whole, names.len(), ctx);
    Ok(Some(Header {
        names,
        data_start,
        first_line,
        text,
    }))
}

/// Offset of the first byte that is not part of a blank line.
fn record_start(data: &[u8]) -> usize {
    data.iter()
        .position(|&b| b != b'\n' && b != b'\r')
        .unwrap_or(data.len())
}

/// Header names as pandas makes them: empty names become `Unnamed: i`,
/// repeated names get `.1`, `.2`, ...
fn header_names(fields: &[Vec<u8>], ctx: &Ctx) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(fields.len());
    // Names taken, and the next suffix to try for each base name: taken
    // names stay taken, so the search resumes where it stopped (a header of
    // thousands of equal names was cubic).
    let mut taken: HashSet<String> = HashSet::with_capacity(fields.len());
    let mut next: HashMap<String, usize> = HashMap::new();
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
        if taken.contains(&candidate) {
            let k = next.entry(base.clone()).or_insert(1);
            candidate = format!("{base}.{k}");
            while taken.contains(&candidate) {
                *k += 1;
                candidate = format!("{base}.{k}");
            }
            *k += 1;
        }
        taken.insert(candidate.clone());
        names.push(candidate);
    }
    Ok(names)
}

/// Columns with a text value in the first complete rows: such a column is
/// a string column whatever follows, so chunks keep its values as text.
fn text_columns(data: &[u8], whole: bool, ncols: usize, ctx: &Ctx) -> Vec<bool> {
    let mut text = vec![false; ncols];
    let mut records = Records::new(data, ctx);
    for _ in 0..SAMPLE_ROWS {
        let Some(rec) = records.next_record() else {
            break;
        };
        let fields: Vec<bool> = rec.iter().map(|f| classify(f) == Cell::Text).collect();
        // A record cut off by the end of the sample may end in half a field.
        if !whole && !records.terminated() {
            break;
        }
        for (c, is_text) in fields.into_iter().enumerate().take(ncols) {
            text[c] |= is_text;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(header: &str) -> Vec<String> {
        let ctx = Ctx {
            path: "t.csv".into(),
            delimiter: b',',
            names: Vec::new(),
            first_line: 1,
        };
        let fields: Vec<Vec<u8>> = header.split(',').map(|f| f.as_bytes().to_vec()).collect();
        header_names(&fields, &ctx).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn repeated_names_get_suffixes_as_in_pandas() {
        assert_eq!(names("a,a,a.1,a"), ["a", "a.1", "a.1.1", "a.2"]);
        assert_eq!(
            names("a,a.1,a,,"),
            ["a", "a.1", "a.2", "Unnamed: 3", "Unnamed: 4"]
        );
        assert_eq!(names("b,a,b,a,b"), ["b", "a", "b.1", "a.1", "b.2"]);
    }

    /// Regression (fuzz, csv): a header of thousands of equal names took
    /// cubic time (3,000 took 8 s of CPU; 50,000 would take days).
    #[test]
    fn a_header_of_many_equal_names_is_fast() {
        let header = vec!["x"; 50_000].join(",");
        let start = std::time::Instant::now();
        let got = names(&header);
        assert_eq!((got[0].as_str(), got[49_999].as_str()), ("x", "x.49999"));
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }
}
