//! LibSVM / SVMlight text to labels, a dense feature matrix and optional
//! query ids (issue 14).
//!
//! A line is `label[:weight] [qid:N] index:value index:value ...`:
//!
//! - `#` starts a comment (a whole line or the rest of one); blank lines are
//!   skipped;
//! - indices are 0- or 1-based: detected from the whole file (any index 0
//!   means 0-based, otherwise 1-based, as XGBoost does) unless
//!   [`LibsvmOptions::base`] says which;
//! - column `j` of the matrix is index `j + base` and is named `f{j}`
//!   (XGBoost's names for LibSVM data), so `f0` is the first column in
//!   either base;
//! - an index a line leaves out is a missing value (NaN), as in XGBoost, not
//!   a zero; an explicit `3:0` is a zero;
//! - on each line the indices must increase strictly: a repeated or
//!   decreasing index is an error;
//! - `qid:` must be on every line or on none; so must a weight, written
//!   as XGBoost does after the label (`label:weight`, such as `1:0.5 3:2`);
//! - the lines of one `qid:` must be contiguous (they are one query group
//!   for ranking): a qid that comes back after another is an error naming
//!   its line, as in XGBoost.
//!
//! Errors name the file, the line (from 1) and the token (from 1: the label
//! is token 1, `qid:` token 2 when present, then the entries; tokens are
//! separated by spaces or tabs).
//!
//! The file is read whole into memory, cut into chunks of about 1 MiB at
//! line breaks (the cuts do not depend on the thread count) and the chunks
//! are parsed in parallel on the executor.

mod line;

use std::path::Path;

use gbdt_core::{Categories, Executor};
use ndarray::Array2;

use crate::error::{Error, Result};
use crate::label::LabelRule;
use crate::select::{groups, TrainingData};
use line::{parse_part, ErrorKind, LineError, Part};

/// Bytes per chunk parsed by one worker.
const CHUNK_BYTES: usize = 1 << 20;

/// Most columns a LibSVM file may give the dense feature matrix.
pub const MAX_LIBSVM_FEATURES: u64 = 1 << 20;

/// How a LibSVM file is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LibsvmOptions {
    /// 0 or 1: the index of the first feature. `None` detects it (any
    /// index 0 in the file means 0-based, otherwise 1-based).
    pub base: Option<u32>,
    /// The matrix has exactly this many columns (a model's feature count,
    /// or the training data's for a validation file); an index past them is
    /// an error. `None`: as many as the largest index needs.
    pub num_features: Option<usize>,
}

/// A LibSVM file read into memory.
#[derive(Debug, Clone, PartialEq)]
pub struct LibsvmData {
    /// One label per row.
    pub labels: Vec<f32>,
    /// Rows × features, row-major; NaN where a line has no entry.
    pub features: Array2<f32>,
    /// `f0`, `f1`, ...: one per matrix column.
    pub feature_names: Vec<String>,
    /// One query id per row when the lines have `qid:`.
    pub qids: Option<Vec<u64>>,
    /// The query group sizes of the `qid:`s, in row order.
    pub groups: Option<Vec<usize>>,
    /// One weight per row when the labels are XGBoost's `label:weight`.
    pub weights: Option<Vec<f32>>,
    /// The index base used (given or detected).
    pub base: u32,
}

/// The name of the label in a [`crate::LabelRule`] of LibSVM data.
pub const LIBSVM_LABEL: &str = "label";

impl LibsvmData {
    /// The data as training data: the labels as they are (the label rule
    /// is the column [`LIBSVM_LABEL`]), the `label:weight` weights if any,
    /// no dropped columns, all features numeric, the `qid:` groups (if any)
    /// as query groups.
    pub fn into_training_data(self) -> TrainingData {
        TrainingData {
            features: self.features,
            feature_names: self.feature_names,
            labels: self.labels,
            weights: self.weights,
            label_rule: LabelRule::Column {
                column: LIBSVM_LABEL.to_string(),
            },
            dropped_columns: Vec::new(),
            dropped_rows: 0,
            categories: Categories::default(),
            groups: self.groups,
        }
    }
}

/// Reads a LibSVM file: `label [qid:N] index:value ...` lines, `#`
/// comments and blank lines; absent entries are missing (NaN).
///
/// ```
/// use gbdt_core::{Categories, Executor};
/// use gbdt_io::{read_libsvm, LibsvmOptions};
/// # let dir = std::env::temp_dir().join(format!("gbdt-io-libsvm-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("train.svm");
/// std::fs::write(&path, "# label index:value\n1 1:0.5 3:2\n0 2:1.5\n")?;
/// let data = read_libsvm(&path, &LibsvmOptions::default(), &Executor::new(2)?)?;
/// assert_eq!((data.base, data.labels.as_slice()), (1, &[1.0, 0.0][..]));
/// assert_eq!(data.feature_names, ["f0", "f1", "f2"]);
/// assert_eq!(data.features[[0, 2]], 2.0);
/// assert!(data.features[[0, 1]].is_nan()); // absent: missing
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_libsvm(path: &Path, opts: &LibsvmOptions, exec: &Executor) -> Result<LibsvmData> {
    check_base(opts)?;
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        action: "read LibSVM file",
        source,
    })?;
    parse_libsvm(&bytes, path, opts, exec)
}

/// Parses LibSVM bytes already in memory; `path` only names the data in
/// error messages (for example `<stdin>`).
///
/// ```
/// use gbdt_core::{Categories, Executor};
/// use gbdt_io::{parse_libsvm, LibsvmOptions};
/// let text = b"2 qid:7 0:1 2:3\n1 qid:7 1:4\n";
/// let data = parse_libsvm(text, "<stdin>".as_ref(), &LibsvmOptions::default(), &Executor::new(1)?)?;
/// assert_eq!(data.base, 0);
/// assert_eq!(data.qids, Some(vec![7, 7]));
/// assert_eq!(data.features.shape(), [2, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_libsvm(
    bytes: &[u8],
    path: &Path,
    opts: &LibsvmOptions,
    exec: &Executor,
) -> Result<LibsvmData> {
    check_base(opts)?;
    parse_chunked(bytes, path, opts, exec, CHUNK_BYTES)
}

/// True when the first bytes of a file look like LibSVM: the first data
/// line (after comments and blank lines) is a number followed only by
/// tokens with a `:` (`qid:N`, `index:value`). A line with the label alone
/// decides nothing: the next one is looked at (up to 16 lines; only labels
/// is not LibSVM, so a one-column CSV of bare numbers stays CSV). The bytes
/// may be cut anywhere (a line longer than them is fine). Only the
/// shape is checked: a LibSVM file with a malformed entry is still taken
/// for LibSVM, so that reading it names the entry. A CSV file fails at its
/// first line (a header, or commas between the numbers).
///
/// ```
/// assert!(gbdt_io::detect_libsvm(b"# comment\n1 qid:2 1:0.5 7:1\n0 3:2\n"));
/// assert!(!gbdt_io::detect_libsvm(b"label,x\n1,0.5\n"));
/// assert!(!gbdt_io::detect_libsvm(b"1\n0\n"));
/// ```
pub fn detect_libsvm(first_bytes: &[u8]) -> bool {
    // The bytes may be cut anywhere: a last line without a line break may
    // end in the middle of a token.
    let ends_complete = first_bytes.last() == Some(&b'\n');
    let mut lines = first_bytes.split(|&b| b == b'\n').peekable();
    let mut seen = 0;
    while let Some(l) = lines.next() {
        if line::tokens(line::strip_comment(l)).next().is_none() {
            continue;
        }
        let partial = !ends_complete && lines.peek().is_none();
        match line::looks_like_libsvm(l, partial) {
            Some(true) => return true,
            None => return false,
            Some(false) if seen == 15 => return false,
            Some(false) => seen += 1,
        }
    }
    false
}

fn check_base(opts: &LibsvmOptions) -> Result<()> {
    match opts.base {
        Some(b) if b > 1 => Err(Error::LibsvmBase { base: b }),
        _ => Ok(()),
    }
}

/// The pipeline, with the chunk size as a parameter for tests.
fn parse_chunked(
    bytes: &[u8],
    path: &Path,
    opts: &LibsvmOptions,
    exec: &Executor,
    chunk: usize,
) -> Result<LibsvmData> {
    let spans = cut(bytes, chunk);
    let results = exec.map_vec(spans, |(a, b)| parse_part(&bytes[a..b]));
    // Each part with the file line of its first line.
    let mut parts = Vec::with_capacity(results.len());
    let mut first_line = 1;
    for r in results {
        let part = r.map_err(|e| line_error(path, first_line, e))?;
        let next = first_line + part.newlines;
        parts.push((first_line, part));
        first_line = next;
    }
    let rows: usize = parts.iter().map(|(_, p)| p.rows()).sum();
    if rows == 0 {
        return Err(Error::LibsvmEmpty {
            path: path.to_path_buf(),
        });
    }
    let qids = qids(path, &parts)?;
    let groups = qids
        .as_ref()
        .map(|q| query_groups(path, &parts, q))
        .transpose()?;
    let weights = weights(path, &parts)?;
    let base = opts.base.unwrap_or_else(|| detect_base(&parts));
    let width = width(path, &parts, base, opts.num_features)?;
    let features = fill(&parts, rows, width, base, exec);
    Ok(LibsvmData {
        labels: parts
            .iter()
            .flat_map(|(_, p)| p.labels.iter().copied())
            .collect(),
        features,
        feature_names: (0..width).map(|j| format!("f{j}")).collect(),
        qids,
        groups,
        weights,
        base,
    })
}

/// Chunk bounds: each cut just after the first line break at or after a
/// multiple of `chunk`.
fn cut(bytes: &[u8], chunk: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let want = (start + chunk).min(bytes.len());
        let end = match bytes[want..].iter().position(|&b| b == b'\n') {
            Some(i) => want + i + 1,
            None => bytes.len(),
        };
        spans.push((start, end));
        start = end;
    }
    if spans.is_empty() {
        spans.push((0, 0));
    }
    spans
}

fn line_error(path: &Path, first_line: usize, e: LineError) -> Error {
    let (path, line, token, text) = (path.to_path_buf(), first_line + e.line, e.token, e.text);
    match e.kind {
        ErrorKind::Label => Error::LibsvmLabel {
            path,
            line,
            token,
            text,
        },
        ErrorKind::Entry(problem) => Error::LibsvmEntry {
            path,
            line,
            token,
            text,
            problem,
        },
        ErrorKind::Order { index, previous } => Error::LibsvmIndexOrder {
            path,
            line,
            token,
            index,
            previous,
        },
    }
}

/// Whether every row has what `has` marks (a qid, a weight): true when all
/// do, false when none does; an error names the first line that differs
/// from the first row.
fn on_all_lines(
    path: &Path,
    parts: &[(usize, Part)],
    has: impl Fn(&Part) -> &[bool],
    what: &'static str,
) -> Result<bool> {
    let first_has = parts.iter().find_map(|(_, p)| has(p).first().copied());
    let first_has = first_has.unwrap_or(false);
    for (line0, p) in parts {
        if let Some(r) = has(p).iter().position(|&h| h != first_has) {
            let problem = match first_has {
                true => format!("this line lacks {what} but the first line has one"),
                false => format!("this line has {what} but the first line has none"),
            };
            return Err(Error::LibsvmOnSomeLines {
                path: path.to_path_buf(),
                line: line0 + p.lines[r],
                what,
                problem,
            });
        }
    }
    Ok(first_has)
}

/// The qids, when every row has one.
fn qids(path: &Path, parts: &[(usize, Part)]) -> Result<Option<Vec<u64>>> {
    let all = on_all_lines(path, parts, |p| &p.has_qid, "a qid:")?;
    Ok(all.then(|| {
        parts
            .iter()
            .flat_map(|(_, p)| p.qids.iter().copied())
            .collect()
    }))
}

/// Group sizes of contiguous qids; a qid that comes back is an error.
fn query_groups(path: &Path, parts: &[(usize, Part)], qids: &[u64]) -> Result<Vec<usize>> {
    let lines: Vec<usize> = parts
        .iter()
        .flat_map(|(first, p)| p.lines.iter().map(move |l| first + l))
        .collect();
    groups::sizes_of(qids.iter().copied(), path, |r| format!("line {}", lines[r]))
}

/// The weights, when every row has one.
fn weights(path: &Path, parts: &[(usize, Part)]) -> Result<Option<Vec<f32>>> {
    let all = on_all_lines(path, parts, |p| &p.has_weight, "a weight (label:weight)")?;
    Ok(all.then(|| {
        parts
            .iter()
            .flat_map(|(_, p)| p.weights.iter().copied())
            .collect()
    }))
}

/// 0 when some index is 0, else 1.
fn detect_base(parts: &[(usize, Part)]) -> u32 {
    let zero = parts
        .iter()
        .any(|(_, p)| (0..p.rows()).any(|r| p.row(r).0.first() == Some(&0)));
    u32::from(!zero)
}

/// The matrix width; an error names the first entry out of range.
fn width(
    path: &Path,
    parts: &[(usize, Part)],
    base: u32,
    num_features: Option<usize>,
) -> Result<usize> {
    let base = u64::from(base);
    let limit = num_features.map_or(MAX_LIBSVM_FEATURES, |n| n as u64);
    let mut max = None::<u64>;
    for (line0, p) in parts {
        for r in 0..p.rows() {
            let idx = p.row(r).0;
            let bad = match (idx.first(), idx.last()) {
                (Some(&i), _) if i < base => Some(0),
                (_, Some(&i)) if i - base >= limit => Some(idx.len() - 1),
                _ => None,
            };
            if let Some(k) = bad {
                return Err(range_error(
                    path,
                    line0 + p.lines[r],
                    p,
                    r,
                    k,
                    base,
                    num_features,
                ));
            }
            max = max.max(idx.last().copied());
        }
    }
    Ok(match (num_features, max) {
        (Some(n), _) => n,
        (None, Some(m)) => (m - base + 1) as usize,
        (None, None) => 0,
    })
}

fn range_error(
    path: &Path,
    line: usize,
    p: &Part,
    r: usize,
    k: usize,
    base: u64,
    num_features: Option<usize>,
) -> Error {
    let index = p.row(r).0[k];
    let problem = if index < base {
        "is 0, but the indices are 1-based (give the index base 0 to read them as 0-based)"
            .to_string()
    } else if let Some(n) = num_features {
        format!(
            "is past the {n} features expected (indices {base} to {} with base {base}); \
             the data must have the model's (or the training data's) features",
            n as u64 + base - 1
        )
    } else {
        format!(
            "is too large: gbdt stores features densely and reads at most {MAX_LIBSVM_FEATURES} \
             columns from a LibSVM file"
        )
    };
    Error::LibsvmIndexRange {
        path: path.to_path_buf(),
        line,
        token: p.token_of_entry(r, k),
        index,
        problem,
    }
}

/// The dense matrix, NaN where no entry is; each chunk fills its rows.
fn fill(
    parts: &[(usize, Part)],
    rows: usize,
    width: usize,
    base: u32,
    exec: &Executor,
) -> Array2<f32> {
    let mut cells = vec![f32::NAN; rows * width];
    let mut jobs = Vec::with_capacity(parts.len());
    let mut rest = cells.as_mut_slice();
    for (_, p) in parts {
        let (mine, after) = rest.split_at_mut(p.rows() * width);
        jobs.push((p, mine));
        rest = after;
    }
    let base = u64::from(base);
    exec.map_vec(jobs, |(p, mine)| {
        for r in 0..p.rows() {
            let (idx, val) = p.row(r);
            let row = &mut mine[r * width..(r + 1) * width];
            for (&i, &v) in idx.iter().zip(val) {
                row[(i - base) as usize] = v;
            }
        }
    });
    Array2::from_shape_vec((rows, width), cells).expect("rows * width cells")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec() -> Executor {
        Executor::new(2).unwrap_or_else(|e| panic!("{e}"))
    }

    fn text(rows: usize) -> String {
        let mut s = String::from("# generated\n");
        for i in 0..rows {
            s.push_str(&format!("{} qid:{}", i % 3, i / 10));
            for j in (i % 4..12).step_by(1 + i % 3) {
                s.push_str(&format!(" {}:{}", j + 1, (i * j) as f32 * 0.25));
            }
            s.push_str(if i % 5 == 0 { " # note\r\n" } else { "\n" });
            if i % 7 == 0 {
                s.push_str("\n# c\n");
            }
        }
        s
    }

    fn read(bytes: &[u8], chunk: usize) -> std::result::Result<String, String> {
        parse_chunked(
            bytes,
            Path::new("t.svm"),
            &LibsvmOptions::default(),
            &exec(),
            chunk,
        )
        .map(|d| format!("{d:?}"))
        .map_err(|e| e.to_string())
    }

    #[test]
    fn every_chunk_size_gives_the_same_data() {
        let t = text(200);
        let whole = read(t.as_bytes(), 1 << 30);
        assert!(whole.is_ok(), "{whole:?}");
        for chunk in [1, 7, 64, 500] {
            assert!(read(t.as_bytes(), chunk) == whole, "chunk {chunk}");
        }
        let bad = format!("{t}1 2:1 x:3\n");
        let line = bad.matches('\n').count();
        for chunk in [3, 1 << 30] {
            let e = read(bad.as_bytes(), chunk).err().unwrap_or_default();
            assert!(e.contains(&format!("line {line}, token 3 'x:3'")), "{e}");
        }
    }

    #[test]
    fn cuts_cover_the_bytes_at_line_breaks() {
        assert_eq!(cut(b"", 4), [(0, 0)]);
        assert_eq!(cut(b"ab\ncd\nef", 1), [(0, 3), (3, 6), (6, 8)]);
        assert_eq!(cut(b"ab\ncd\n", 100), [(0, 6)]);
    }
}
