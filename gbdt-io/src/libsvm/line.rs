//! One chunk of LibSVM lines to rows: labels, optional qids and the sparse
//! entries `(index, value)` as written (before the index base is applied).
//! Lines are counted from 0 within the chunk; the caller adds the chunk's
//! first line. Tokens are counted from 1: the label is token 1.

use crate::parse::parse_number_text;

/// The rows of one chunk.
#[derive(Debug, Default)]
pub(crate) struct Part {
    pub labels: Vec<f32>,
    /// A qid per row (0 where the row has none; see `has_qid`).
    pub qids: Vec<u64>,
    pub has_qid: Vec<bool>,
    /// A weight per row (1 where the row has none; see `has_weight`), from
    /// XGBoost's `label:weight`.
    pub weights: Vec<f32>,
    pub has_weight: Vec<bool>,
    /// Entry range of row `r`: `starts[r]..starts[r + 1]`.
    pub starts: Vec<usize>,
    pub index: Vec<u64>,
    pub value: Vec<f32>,
    /// Line of each row within the chunk, from 0.
    pub lines: Vec<usize>,
    /// Line breaks in the chunk.
    pub newlines: usize,
}

impl Part {
    pub fn rows(&self) -> usize {
        self.labels.len()
    }

    /// The entries of row `r`.
    pub fn row(&self, r: usize) -> (&[u64], &[f32]) {
        let (a, b) = (self.starts[r], self.starts[r + 1]);
        (&self.index[a..b], &self.value[a..b])
    }

    /// Token number of the row's `k`-th entry (the label is token 1).
    pub fn token_of_entry(&self, r: usize, k: usize) -> usize {
        k + 2 + usize::from(self.has_qid[r])
    }
}

/// What is wrong at a place in a chunk.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LineError {
    /// Line within the chunk, from 0.
    pub line: usize,
    pub token: usize,
    pub text: String,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ErrorKind {
    Label,
    Entry(&'static str),
    Order { index: u64, previous: u64 },
}

/// Parses every line of `data`.
pub(crate) fn parse_part(data: &[u8]) -> Result<Part, LineError> {
    let mut part = Part {
        starts: vec![0],
        ..Part::default()
    };
    for (line, text) in data.split(|&b| b == b'\n').enumerate() {
        parse_line(text, line, &mut part)?;
    }
    part.newlines = data.iter().filter(|&&b| b == b'\n').count();
    Ok(part)
}

/// The part of a line before any `#` comment.
pub(crate) fn strip_comment(line: &[u8]) -> &[u8] {
    match line.iter().position(|&b| b == b'#') {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Whitespace-separated tokens (spaces, tabs, a `\r` before the line break).
pub(crate) fn tokens(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c'))
        .filter(|t| !t.is_empty())
}

fn parse_line(text: &[u8], line: usize, part: &mut Part) -> Result<(), LineError> {
    let mut toks = tokens(strip_comment(text)).peekable();
    let Some(label_tok) = toks.next() else {
        return Ok(()); // blank or comment line
    };
    let err = |token: usize, t: &[u8], kind| LineError {
        line,
        token,
        text: String::from_utf8_lossy(t).into_owned(),
        kind,
    };
    let (label, weight) = parse_label(label_tok).map_err(|kind| err(1, label_tok, kind))?;
    let mut token = 2;
    let qid = match toks.peek() {
        Some(t) if t.starts_with(b"qid:") => {
            let q = parse_uint(&t[4..]).ok_or_else(|| {
                err(
                    2,
                    t,
                    ErrorKind::Entry("qid must be a whole number such as qid:3"),
                )
            })?;
            toks.next();
            token = 3;
            Some(q)
        }
        _ => None,
    };
    let first = part.index.len();
    for t in toks {
        let (index, value) = parse_entry(t).map_err(|why| err(token, t, ErrorKind::Entry(why)))?;
        if part.index.len() > first {
            let previous = part.index[part.index.len() - 1];
            if index <= previous {
                return Err(err(token, t, ErrorKind::Order { index, previous }));
            }
        }
        part.index.push(index);
        part.value.push(value);
        token += 1;
    }
    part.labels.push(label);
    part.qids.push(qid.unwrap_or(0));
    part.has_qid.push(qid.is_some());
    part.weights.push(weight.unwrap_or(1.0));
    part.has_weight.push(weight.is_some());
    part.starts.push(part.index.len());
    part.lines.push(line);
    Ok(())
}

/// `label` or XGBoost's `label:weight`.
fn parse_label(t: &[u8]) -> Result<(f32, Option<f32>), ErrorKind> {
    let (label, weight) = match t.iter().position(|&b| b == b':') {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let label = match parse_number_text(label) {
        Some(v) if !v.is_nan() => v as f32,
        _ => return Err(ErrorKind::Label),
    };
    let weight = match weight.map(parse_number_text) {
        None => None,
        Some(Some(w)) if w >= 0.0 && w.is_finite() => Some(w as f32),
        Some(_) => {
            return Err(ErrorKind::Entry(
                "the weight after the label's ':' must be a number of at least 0 (label:weight, such as 1:0.5)",
            ))
        }
    };
    Ok((label, weight))
}

/// `index:value`; the error says what is wrong.
fn parse_entry(t: &[u8]) -> Result<(u64, f32), &'static str> {
    let colon = t
        .iter()
        .position(|&b| b == b':')
        .ok_or("expected index:value, such as 3:0.5")?;
    let index = parse_uint(&t[..colon])
        .ok_or("the feature index must be a whole number of at least 0, such as 3 in 3:0.5")?;
    let value = parse_number_text(&t[colon + 1..]).ok_or(
        "the value after ':' is not a number (write 3:0.5; leave an entry out for a missing value)",
    )?;
    Ok((index, value as f32))
}

/// Digits only (no sign), fitting in u64.
fn parse_uint(b: &[u8]) -> Option<u64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// The shape of a LibSVM line (comment stripped, not blank): a number,
/// (or `label:weight`), then only tokens with a `:` (`qid:N`,
/// `index:value`); `None` when it is
/// not, else whether it has such a token. Only the shape is checked, so a
/// LibSVM file with a bad entry is still read as LibSVM and its error named.
/// A `partial` line may be cut anywhere: its last token (not the label)
/// needs no `:`.
pub(crate) fn looks_like_libsvm(line: &[u8], partial: bool) -> Option<bool> {
    let mut toks = tokens(strip_comment(line)).peekable();
    parse_label(toks.next()?).ok()?;
    let mut entries = false;
    while let Some(t) = toks.next() {
        let cut_off = partial && toks.peek().is_none();
        if !t.contains(&b':') && !cut_off {
            return None;
        }
        entries = true;
    }
    Some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_comments_qids_and_entries() {
        let p = parse_part(b"# head\n1 qid:3 1:0.5 4:2 # tail\n\n  -2\t2:1e3\r\n0 1:nan\n")
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(p.labels, [1.0, -2.0, 0.0]);
        assert_eq!(p.has_qid, [true, false, false]);
        assert_eq!(p.qids[0], 3);
        assert_eq!(p.has_weight, [false; 3]);
        let w = parse_part(b"1:0.5 1:2\n0 2:1\n").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (w.labels, w.weights, w.has_weight),
            (vec![1.0, 0.0], vec![0.5, 1.0], vec![true, false])
        );
        assert_eq!(p.row(0), (&[1u64, 4][..], &[0.5f32, 2.0][..]));
        assert_eq!(p.row(1), (&[2u64][..], &[1000.0f32][..]));
        assert!(p.row(2).1[0].is_nan());
        assert_eq!(p.lines, [1, 3, 4]);
        assert_eq!(p.newlines, 5);
        assert_eq!(p.token_of_entry(0, 1), 4);
    }

    #[test]
    fn errors_name_line_and_token() {
        let e = parse_part(b"1 1:2\n1 2:3 2:4\n").unwrap_err();
        assert_eq!((e.line, e.token), (1, 3));
        assert_eq!(
            e.kind,
            ErrorKind::Order {
                index: 2,
                previous: 2
            }
        );
        let e = parse_part(b"1:-1 1:2\n").unwrap_err();
        assert_eq!((e.token, e.text.as_str()), (1, "1:-1"));
        let e = parse_part(b"x 1:2\n").unwrap_err();
        assert_eq!((e.line, e.token, e.kind), (0, 1, ErrorKind::Label));
        let e = parse_part(b"1 qid:a 1:2\n").unwrap_err();
        assert_eq!((e.line, e.token), (0, 2));
        let e = parse_part(b"1 qid:1 1:2 -3:1\n").unwrap_err();
        assert_eq!((e.token, e.text.as_str()), (4, "-3:1"));
    }

    #[test]
    fn detection_of_one_line() {
        assert_eq!(looks_like_libsvm(b"1 1:2 3:4", false), Some(true));
        assert_eq!(looks_like_libsvm(b"1 qid:2", false), Some(true));
        assert_eq!(
            looks_like_libsvm(b"1 2:1 2:x # bad entries", false),
            Some(true)
        );
        assert_eq!(looks_like_libsvm(b"-1", false), Some(false));
        assert_eq!(looks_like_libsvm(b"a,b,c", true), None);
        assert_eq!(looks_like_libsvm(b"1,2,3", true), None);
        assert_eq!(looks_like_libsvm(b"1\t2\t3", false), None);
        // Cut off in the middle of an entry: the last token may lack its ':'.
        assert_eq!(looks_like_libsvm(b"1 1:2 12", true), Some(true));
        assert_eq!(looks_like_libsvm(b"1 1:2 12", false), None);
        assert_eq!(looks_like_libsvm(b"1\t2\t3", true), None);
    }
}
