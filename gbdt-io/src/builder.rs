//! One column of one chunk while it is parsed, and the merge of a column's
//! chunks into a [`Column`].
//!
//! Every chunk owns its vectors (their capacity estimated from the chunk's
//! bytes, so they rarely grow); the merge concatenates a column's parts, or
//! moves the only one. Numbers are `f32` unless an integer does not fit
//! `f32` exactly.

use crate::parse::{classify, is_missing, Cell};
use crate::table::{Column, Numbers, BOOL_MISSING};

/// The column type a set of chunk parts adds up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Empty,
    Number,
    Bool,
    /// Text in every chunk that has values: the parts hold it all.
    Text,
    /// Text, but some chunk stored numbers or bools: read the text again.
    Rescan,
}

pub(crate) fn merged_kind(kinds: impl Iterator<Item = Kind>) -> Kind {
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

/// What a chunk holds for one column.
#[derive(Debug, Default)]
pub(crate) enum Part {
    /// Only missing values so far.
    #[default]
    Empty,
    /// `f32` numbers (NaN for missing).
    Number(Vec<f32>),
    /// Numbers as `f64`: an integer that `f32` cannot hold exactly was seen.
    Wide(Vec<f64>),
    Bool(Vec<u8>),
    Text(Vec<Option<Box<str>>>),
    /// Became text after holding numbers or bools: the values are read
    /// again later.
    Incomplete,
}

impl Part {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Part::Empty => Kind::Empty,
            Part::Number(_) | Part::Wide(_) => Kind::Number,
            Part::Bool(_) => Kind::Bool,
            Part::Text(_) => Kind::Text,
            Part::Incomplete => Kind::Rescan,
        }
    }
}

/// A finished part: what it holds and how many rows.
#[derive(Debug, Default)]
pub(crate) struct Done {
    pub part: Part,
    pub len: usize,
}

pub(crate) struct BadUtf8;

/// Builds one column of one chunk.
pub(crate) struct PartBuilder {
    part: Part,
    len: usize,
    /// Rows the chunk is expected to have: the capacity of its vectors.
    capacity: usize,
}

impl PartBuilder {
    /// A column part expected to hold about `capacity` rows. `text` when
    /// the file's first rows already showed text in the column: it is a
    /// string column whatever follows, so values are kept as text at once.
    pub(crate) fn new(capacity: usize, text: bool) -> Self {
        let part = if text {
            Part::Text(Vec::with_capacity(capacity))
        } else {
            Part::Empty
        };
        PartBuilder {
            part,
            len: 0,
            capacity,
        }
    }

    pub(crate) fn finish(self) -> Done {
        Done {
            part: self.part,
            len: self.len,
        }
    }

    #[cfg(test)]
    pub(crate) fn kind(&self) -> Kind {
        self.part.kind()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// True while a parsed number can be stored directly.
    #[inline(always)]
    pub(crate) fn takes_numbers(&self) -> bool {
        matches!(self.part, Part::Number(_) | Part::Empty)
    }

    /// Stores a number parsed in place (only when [`Self::takes_numbers`]).
    #[inline(always)]
    pub(crate) fn push_value(&mut self, v: f64) {
        self.store(v);
        self.len += 1;
    }

    /// Stores one field of any kind.
    #[inline]
    pub(crate) fn push(&mut self, field: &[u8]) -> Result<(), BadUtf8> {
        self.push_slow(field)?;
        self.len += 1;
        Ok(())
    }

    /// A number; the part is Empty, Number or Wide.
    #[inline(always)]
    fn store(&mut self, v: f64) {
        if let Part::Number(values) = &mut self.part {
            let f = v as f32;
            if f as f64 != v && v.abs() > 16_777_216.0 && v.fract() == 0.0 {
                self.widen(v);
            } else {
                values.push(f);
            }
            return;
        }
        self.store_cold(v);
    }

    #[cold]
    fn store_cold(&mut self, v: f64) {
        if let Part::Wide(w) = &mut self.part {
            w.push(v);
            return;
        }
        let mut values = Vec::with_capacity(self.capacity.max(self.len + 1));
        values.resize(self.len, f32::NAN);
        self.part = Part::Number(values);
        self.store(v);
    }

    /// Switches to `f64` storage: an integer (an ID, a count) does not fit
    /// `f32` exactly.
    #[cold]
    fn widen(&mut self, v: f64) {
        let mut wide = Vec::with_capacity(self.capacity.max(self.len + 1));
        if let Part::Number(values) = &self.part {
            wide.extend(values.iter().map(|&x| x as f64));
        }
        wide.push(v);
        self.part = Part::Wide(wide);
    }

    fn push_slow(&mut self, field: &[u8]) -> Result<(), BadUtf8> {
        let len = self.len;
        match &mut self.part {
            Part::Incomplete => {}
            Part::Text(values) => values.push(if is_missing(field) {
                None
            } else {
                Some(text(field)?)
            }),
            Part::Number(_) | Part::Wide(_) => match classify(field) {
                Cell::Missing => self.store(f64::NAN),
                Cell::Number(v) => self.store(v),
                Cell::Bool(_) | Cell::Text => self.part = Part::Incomplete,
            },
            Part::Bool(values) => match classify(field) {
                Cell::Missing => values.push(BOOL_MISSING),
                Cell::Bool(b) => values.push(b as u8),
                Cell::Number(_) | Cell::Text => self.part = Part::Incomplete,
            },
            Part::Empty => match classify(field) {
                Cell::Missing => {}
                Cell::Number(v) => self.store(v),
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

pub(crate) fn text(field: &[u8]) -> Result<Box<str>, BadUtf8> {
    std::str::from_utf8(field)
        .map(Box::from)
        .map_err(|_| BadUtf8)
}

/// One column from its chunk parts (in chunk order), `rows` rows in all.
pub(crate) fn merge(kind: Kind, parts: Vec<Done>, rows: usize) -> Column {
    match kind {
        Kind::Empty => Column::Number(Numbers::F32(vec![f32::NAN; rows])),
        Kind::Number if parts.iter().any(|p| matches!(p.part, Part::Wide(_))) => {
            let mut out = Vec::with_capacity(rows);
            for p in parts {
                match p.part {
                    Part::Wide(v) => out.extend(v),
                    Part::Number(v) => out.extend(v.iter().map(|&x| x as f64)),
                    _ => out.resize(out.len() + p.len, f64::NAN),
                }
            }
            Column::Number(Numbers::F64(out))
        }
        Kind::Number => Column::Number(Numbers::F32(concat(parts, rows, f32::NAN, |p| match p {
            Part::Number(v) => Some(v),
            _ => None,
        }))),
        Kind::Bool => Column::Bool(concat(parts, rows, BOOL_MISSING, |p| match p {
            Part::Bool(v) => Some(v),
            _ => None,
        })),
        Kind::Text | Kind::Rescan => Column::String(concat(parts, rows, None, |p| match p {
            Part::Text(v) => Some(v),
            _ => None,
        })),
    }
}

/// The parts' values one after the other (`missing` for parts without
/// values); a part that holds every row is moved, not copied.
fn concat<T: Clone>(
    parts: Vec<Done>,
    rows: usize,
    missing: T,
    values: impl Fn(Part) -> Option<Vec<T>>,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for p in parts {
        let len = p.len;
        match values(p.part) {
            Some(v) if out.is_empty() && v.len() == rows => return v,
            Some(v) => {
                out.reserve(rows.saturating_sub(out.len()));
                out.extend(v);
            }
            None => out.resize(out.len() + len, missing.clone()),
        }
    }
    out
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
    fn columns_switch_type_and_widen_for_large_integers() {
        let mut p = PartBuilder::new(8, false);
        for f in [&b""[..], b"1", b"NA", b"2.5"] {
            assert!(p.push(f).is_ok());
        }
        assert_eq!(p.kind(), Kind::Number);
        assert!(p.push(b"text").is_ok());
        assert_eq!((p.kind(), p.len()), (Kind::Rescan, 5));

        let mut p = PartBuilder::new(8, false);
        for f in [&b"1.5"[..], b"123456789012", b"0.1"] {
            assert!(p.push(f).is_ok());
        }
        let done = p.finish();
        assert!(matches!(&done.part, Part::Wide(v) if v == &[1.5, 123_456_789_012.0, 0.1]));

        let mut p = PartBuilder::new(4, false);
        assert!(p.push(b"16777217.5").is_ok()); // not an integer: f32 is fine
        assert!(matches!(&p.finish().part, Part::Number(v) if v == &[16_777_217.5f32]));

        let mut p = PartBuilder::new(0, false);
        assert!(p.push(b"\xff").is_err());
        // A column known to be text keeps numbers as text.
        let mut p = PartBuilder::new(4, true);
        assert!(!p.takes_numbers());
        assert!(p.push(b"3").is_ok() && p.push(b"NA").is_ok());
        assert!(matches!(&p.finish().part, Part::Text(v) if v == &[Some("3".into()), None]));
    }

    #[test]
    fn merge_fills_parts_without_values() {
        let parts = vec![
            Done {
                part: Part::Number(vec![1.0, 2.0]),
                len: 2,
            },
            Done {
                part: Part::Empty,
                len: 2,
            },
            Done {
                part: Part::Number(vec![3.0, 4.0, 5.0]),
                len: 3,
            },
        ];
        let Column::Number(Numbers::F32(v)) = merge(Kind::Number, parts, 7) else {
            panic!("expected f32 numbers");
        };
        assert_eq!(v[..2], [1.0, 2.0]);
        assert!(v[2].is_nan() && v[3].is_nan());
        assert_eq!(v[4..], [3.0, 4.0, 5.0]);
        let only = vec![Done {
            part: Part::Bool(vec![1, 0]),
            len: 2,
        }];
        assert_eq!(merge(Kind::Bool, only, 2), Column::Bool(vec![1, 0]));
    }
}
