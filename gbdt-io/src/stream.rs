//! Large CSV files read chunk by chunk with positioned reads, so the whole
//! file never sits in memory: each worker reads its chunk into a buffer it
//! reuses. A first parallel pass finds chunk boundaries (line breaks),
//! counts line breaks and looks for quotes; the second parses. Files with
//! quotes or lone `\r`, and columns that must be read again as text, fall
//! back to reading the whole file.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::error::{Error, Result};
use crate::parallel;
use crate::reader::{
    self, assemble, count_newlines, header, parse_chunk_fast, sniff_numeric, ChunkError, Ctx,
    Slots, Source,
};
use crate::table::{CsvOptions, Table};

/// Sizes that decide how a file is read.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Files smaller than this are read whole.
    min_stream: u64,
    /// Bytes per chunk: small enough that reused buffers stay cheap.
    chunk: u64,
    /// The header and the type sample must fit in this many first bytes
    /// (the header must end before the last sixteenth of them).
    head: u64,
}

const LIMITS: Limits = Limits {
    min_stream: 32 << 20,
    chunk: 4 << 20,
    head: 1 << 20,
};

/// Reads a CSV file, streaming it when it is large and has no quotes.
pub(crate) fn read(path: &Path, opts: &CsvOptions) -> Result<Table> {
    read_with(path, opts, LIMITS)
}

fn read_with(path: &Path, opts: &CsvOptions, limits: Limits) -> Result<Table> {
    let io = |action: &'static str| {
        move |source| Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let file = File::open(path).map_err(io("open CSV file"))?;
    let len = file.metadata().map_err(io("read CSV file"))?.len();
    if len >= limits.min_stream {
        if let Some(table) = try_stream(&file, len, path, opts, limits)? {
            return Ok(table);
        }
    }
    let bytes = crate::parallel::read_file(path).map_err(io("read CSV file"))?;
    reader::parse(bytes, path, opts)
}

/// One chunk: bytes `[start, end)` of the file.
struct Span {
    start: u64,
    end: u64,
    newlines: usize,
}

/// What the first pass learns about one segment of the file.
struct Scan {
    /// Offset of the first line break in the segment.
    first_newline: Option<u64>,
    newlines: usize,
    /// A quote: the csv crate must read the file.
    needs_csv_crate: bool,
}

/// `Ok(None)` when the file needs the whole-file path.
fn try_stream(
    file: &File,
    len: u64,
    path: &Path,
    opts: &CsvOptions,
    limits: Limits,
) -> Result<Option<Table>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        action: "read CSV file",
        source,
    };
    let ctx = Ctx {
        path: path.to_path_buf(),
        delimiter: opts.delimiter,
    };
    let mut head = vec![0u8; limits.head.min(len) as usize];
    file.read_exact_at(&mut head, 0).map_err(io)?;
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    if head.contains(&b'"') || lone_cr_before(&head, head.len().saturating_sub(1)) {
        return Ok(None);
    }
    let h = header(&head[bom..], &ctx, opts)?;
    let start = (bom + h.data_start) as u64;
    // The header must end well inside the first bytes (a sample follows it).
    if start + limits.head / 16 > head.len() as u64 {
        return Ok(None);
    }
    let numeric = sniff_numeric(&head[start as usize..], h.names.len(), &ctx);
    drop(head);

    // Pass 1: segments of the data; chunk k starts after the first line
    // break of segment k (k > 0).
    let data_len = len - start;
    let segments = data_len.div_ceil(limits.chunk).max(1);
    let seg = |k: u64| {
        (
            start + k * limits.chunk,
            (start + (k + 1) * limits.chunk).min(len),
        )
    };
    let scans: Vec<std::io::Result<Scan>> =
        parallel::map_with_buffer((0..segments).collect(), |buf, k| {
            let (a, b) = seg(k);
            read_into(file, buf, a, b)?;
            let own = &buf[..];
            // Lone \r are found by the parser in pass 2 (it then gives up).
            let needs = own.contains(&b'"');
            Ok(Scan {
                first_newline: own.iter().position(|&c| c == b'\n').map(|p| a + p as u64),
                newlines: count_newlines(own),
                needs_csv_crate: needs,
            })
        });
    let mut scanned = Vec::with_capacity(scans.len());
    for s in scans {
        scanned.push(s.map_err(io)?);
    }
    if scanned.iter().any(|s| s.needs_csv_crate) {
        return Ok(None);
    }
    let mut spans: Vec<Span> = Vec::with_capacity(scanned.len());
    for (k, s) in scanned.iter().enumerate() {
        let begin = if k == 0 {
            Some(start)
        } else {
            s.first_newline.map(|p| p + 1)
        };
        // A segment without a line break (a line longer than a segment)
        // joins the previous chunk.
        let Some(begin) = begin else { continue };
        let own_newlines = s.newlines - usize::from(k > 0);
        if let Some(prev) = spans.last_mut() {
            prev.end = begin;
            prev.newlines += 1; // the line break just before `begin`
        }
        spans.push(Span {
            start: begin,
            end: len,
            newlines: own_newlines,
        });
    }
    // A chunk has at most as many rows as line breaks (the last one may
    // end without a line break). Pass 2 recounts and checks.
    let mut sizes: Vec<usize> = spans.iter().map(|s| s.newlines).collect();
    if let Some(last) = sizes.last_mut() {
        *last += 1;
    }
    let mut slots = Slots::new(&numeric, &sizes);
    let jobs: Vec<(usize, Vec<&mut [f32]>)> = slots.cut(&sizes).into_iter().enumerate().collect();
    let results: Vec<Result<std::result::Result<reader::Chunk, ChunkError>>> =
        parallel::map_with_buffer(jobs, |buf, (k, chunk_slots)| {
            let span = &spans[k];
            read_into(file, buf, span.start, span.end).map_err(io)?;
            Ok(parse_chunk_fast(
                buf,
                h.names.len(),
                opts.delimiter,
                chunk_slots,
                sizes[k],
            ))
        });
    let mut chunks = Vec::with_capacity(results.len());
    let mut base = h.first_line;
    for (k, r) in results.into_iter().enumerate() {
        match r? {
            Ok(c) => chunks.push(c),
            Err(ChunkError::Fallback) => return Ok(None),
            Err(ChunkError::TooManyRows) => {
                return Err(Error::Csv {
                    path: path.to_path_buf(),
                    line: base,
                    message: "the file changed while it was being read; read it again".to_string(),
                })
            }
            Err(ChunkError::Ragged { line, found }) => {
                return Err(Error::RaggedRow {
                    path: path.to_path_buf(),
                    line: base + line,
                    found,
                    expected: h.names.len(),
                })
            }
            Err(ChunkError::Utf8 { line, column }) => {
                return Err(Error::InvalidUtf8 {
                    path: path.to_path_buf(),
                    line: base + line,
                    column: h.names[column].clone(),
                })
            }
        }
        base += spans[k].newlines;
    }
    let source = Source::File {
        path,
        start: start as usize,
    };
    assemble(h, chunks, slots, source, &ctx, opts).map(Some)
}

/// A `\r` not followed by `\n` at a position before `end` (the bytes
/// after `end` are only there to look ahead).
fn lone_cr_before(buf: &[u8], end: usize) -> bool {
    buf[..end]
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && buf.get(i + 1).is_some_and(|&n| n != b'\n'))
}

/// Bytes `[a, b)` of the file into `buf` (resized, reused).
fn read_into(file: &File, buf: &mut Vec<u8>, a: u64, b: u64) -> std::io::Result<()> {
    buf.resize((b - a) as usize, 0);
    file.read_exact_at(buf, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        min_stream: 0,
        chunk: 37,
        head: 4096,
    };

    fn temp_file(tag: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("gbdt-io-stream-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Streams `bytes` in tiny chunks and checks the table equals the
    /// whole-file parse (values as text, types and lines).
    fn check_same(tag: &str, bytes: &[u8]) -> Table {
        let path = temp_file(tag, bytes);
        let opts = CsvOptions::default();
        let streamed = read_with(&path, &opts, SMALL).unwrap();
        let whole = reader::parse(bytes.to_vec(), &path, &opts).unwrap();
        assert_eq!(streamed.column_names(), whole.column_names());
        assert_eq!(streamed.num_rows(), whole.num_rows());
        for n in whole.column_names() {
            assert_eq!(streamed.column_type(n), whole.column_type(n), "{n}");
            assert_eq!(
                streamed.string_column(n).unwrap(),
                whole.string_column(n).unwrap(),
                "{n}"
            );
        }
        for r in 0..whole.num_rows() {
            assert_eq!(streamed.line_of_row(r), whole.line_of_row(r), "row {r}");
        }
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
        streamed
    }

    fn sample(rows: usize) -> String {
        let mut s = String::from("id,x,y,flag,mixed\n");
        for i in 0..rows {
            let x = if i % 7 == 0 {
                String::new()
            } else {
                format!("{}.{}", i, i % 10)
            };
            let mixed = if i == rows - 3 {
                "late text".to_string()
            } else {
                (i % 4).to_string()
            };
            s.push_str(&format!("r{i},{x},{},{},{mixed}\n", i * 3, i % 2 == 0));
            if i % 13 == 5 {
                s.push('\n');
            }
            if i % 17 == 3 {
                s.push_str("\r\n");
            }
        }
        s
    }

    #[test]
    fn streaming_in_small_chunks_matches_the_whole_file_parse() {
        let t = check_same("sample", sample(400).as_bytes());
        assert_eq!(t.num_rows(), 400);
        // A line longer than several chunks, and no final line break.
        let mut s = sample(50);
        s.push_str(&format!("long{},1,2,true,3", "z".repeat(200)));
        assert!(streams("long-s", s.as_bytes()));
        check_same("long", s.as_bytes());
        // CRLF everywhere.
        let crlf = sample(120).replace("\r\n", "\n").replace('\n', "\r\n");
        assert!(streams("crlf-s", crlf.as_bytes()));
        check_same("crlf", crlf.as_bytes());
    }

    fn streams(tag: &str, bytes: &[u8]) -> bool {
        let path = temp_file(tag, bytes);
        let file = File::open(&path).unwrap();
        let len = bytes.len() as u64;
        let used = try_stream(&file, len, &path, &CsvOptions::default(), SMALL)
            .unwrap()
            .is_some();
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
        used
    }

    #[test]
    fn the_streaming_path_is_taken_only_without_quotes() {
        assert!(streams("yes", sample(400).as_bytes()));
        let quoted = format!("{}\"a\",1,2,true,3\n", sample(400));
        assert!(!streams("no", quoted.as_bytes()));
    }

    #[test]
    fn quotes_after_the_head_fall_back_to_the_whole_file() {
        let mut s = sample(300);
        s.push_str("\"q,1\",1,2,true,3\n");
        let t = check_same("quote", s.as_bytes());
        assert_eq!(t.string_column("id").unwrap()[300], "q,1");
        let mut s = sample(300);
        s.push_str("a,1,2,true,3\rb,1,2,false,4\n");
        check_same("lone-cr", s.as_bytes());
    }

    #[test]
    fn errors_deep_in_a_streamed_file_name_the_line() {
        let mut s = sample(300);
        let lines_before = s.matches('\n').count();
        s.push_str("r,1,2\n");
        let path = temp_file("ragged", s.as_bytes());
        let e = read_with(&path, &CsvOptions::default(), SMALL)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("line {}: 3 fields", lines_before + 1)),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
