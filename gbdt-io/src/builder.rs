//! One column of one chunk while it is parsed, and the merge of a column's
//! chunks into a [`Column`].
//!
//! Numbers go straight into the chunk's slot of a column-sized `f32` buffer
//! shared by all chunks (each chunk owns a disjoint row range), so number
//! columns are never copied: the merge only closes the gaps left by blank
//! lines. Bools, text and (rare) wide integers use per-chunk vectors.

use crate::parse::{classify, is_missing, parse_number, Cell};
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
    /// `f32` numbers, in the chunk's slot of the shared buffer.
    Slot,
    /// Numbers as `f64`: an integer that `f32` cannot hold exactly was seen.
    Wide(Vec<f64>),
    Bool(Vec<u8>),
    Text(Vec<Option<Box<str>>>),
    /// Became text after holding numbers or bools (or numbers in a column
    /// without a slot): the values are read again later.
    Incomplete,
}

impl Part {
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Part::Empty => Kind::Empty,
            Part::Slot | Part::Wide(_) => Kind::Number,
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
pub(crate) struct PartBuilder<'s> {
    part: Part,
    len: usize,
    /// Most rows the chunk can have: the capacity of per-chunk vectors.
    bound: usize,
    /// This chunk's rows of the shared `f32` buffer; empty for columns
    /// sniffed as text or bool, which cannot end up as numbers.
    slot: &'s mut [f32],
}

impl<'s> PartBuilder<'s> {
    /// A column part of at most `bound` rows, numbers into `slot`. `text`
    /// when the file's first rows showed text in the column: it is a string
    /// column whatever follows, so values are kept as text at once.
    pub(crate) fn new(bound: usize, slot: &'s mut [f32], text: bool) -> Self {
        PartBuilder {
            part: if text {
                Part::Text(Vec::with_capacity(bound))
            } else {
                Part::Empty
            },
            len: 0,
            bound,
            slot,
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
        matches!(self.part, Part::Slot | Part::Empty) && !self.slot.is_empty()
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
        if matches!(self.part, Part::Slot) {
            if let Some(v) = parse_number(field) {
                self.push_value(v);
                return Ok(());
            }
        }
        self.push_slow(field)?;
        self.len += 1;
        Ok(())
    }

    /// A number into the slot (or the wide vector); the part is Empty,
    /// Slot or Wide.
    #[inline(always)]
    fn store(&mut self, v: f64) {
        if let Part::Wide(w) = &mut self.part {
            w.push(if needs_f64(v) { v } else { v as f32 as f64 });
            return;
        }
        if matches!(self.part, Part::Empty) {
            self.slot[..self.len].fill(f32::NAN);
            self.part = Part::Slot;
        }
        if needs_f64(v) {
            self.widen(v);
        } else {
            self.slot[self.len] = v as f32;
        }
    }

    /// Switches to `f64` storage: an integer (an ID, a count) does not fit
    /// `f32` exactly.
    #[cold]
    fn widen(&mut self, v: f64) {
        let mut wide = Vec::with_capacity(self.bound.max(self.len + 1));
        wide.extend(self.slot[..self.len].iter().map(|&x| x as f64));
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
            Part::Slot | Part::Wide(_) => match classify(field) {
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
                Cell::Number(v) if !self.slot.is_empty() => self.store(v),
                // No slot: the sample showed text or bools, so this column
                // is text whatever follows.
                Cell::Number(_) => self.part = Part::Incomplete,
                Cell::Bool(b) => {
                    let mut values = Vec::with_capacity(self.bound.max(len + 1));
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

/// An integer that `f32` cannot hold exactly (an ID, a count): only these
/// keep `f64` precision. Every other number is kept as `f32`, in a wide
/// column too, so that a value does not depend on whether a wide integer
/// came before it in its chunk (and so on where chunks are cut).
#[inline(always)]
fn needs_f64(v: f64) -> bool {
    v as f32 as f64 != v && v.abs() > 16_777_216.0 && v.fract() == 0.0
}

pub(crate) fn text(field: &[u8]) -> Result<Box<str>, BadUtf8> {
    std::str::from_utf8(field)
        .map(Box::from)
        .map_err(|_| BadUtf8)
}

/// One column from its chunk parts. `shared` is the column's `f32` buffer
/// and `offsets[k]` where chunk `k`'s slot starts in it.
pub(crate) fn merge(
    kind: Kind,
    parts: Vec<Done>,
    mut shared: Vec<f32>,
    offsets: &[usize],
    rows: usize,
) -> Column {
    match kind {
        Kind::Empty => Column::Number(Numbers::F32(vec![f32::NAN; rows])),
        Kind::Number if parts.iter().any(|p| matches!(p.part, Part::Wide(_))) => {
            let mut out = Vec::with_capacity(rows);
            for (p, &off) in parts.into_iter().zip(offsets) {
                match p.part {
                    Part::Wide(v) => out.extend(v),
                    Part::Slot => out.extend(shared[off..off + p.len].iter().map(|&x| x as f64)),
                    _ => out.resize(out.len() + p.len, f64::NAN),
                }
            }
            Column::Number(Numbers::F64(out))
        }
        Kind::Number => {
            // Close the gaps between slots (blank lines, the last slot's
            // spare row); chunks only move down, so nothing is overwritten.
            let mut at = 0;
            for (p, &off) in parts.iter().zip(offsets) {
                match p.part {
                    Part::Slot if off != at => shared.copy_within(off..off + p.len, at),
                    Part::Slot => {}
                    _ => shared[at..at + p.len].fill(f32::NAN),
                }
                at += p.len;
            }
            shared.truncate(rows);
            Column::Number(Numbers::F32(shared))
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
    fn columns_switch_type_and_widen_for_large_integers() {
        let mut slot = vec![0f32; 8];
        let mut p = PartBuilder::new(8, &mut slot, false);
        for f in [&b""[..], b"1", b"NA", b"2.5"] {
            assert!(p.push(f).is_ok());
        }
        assert_eq!(p.kind(), Kind::Number);
        assert!(p.push(b"text").is_ok());
        assert_eq!((p.kind(), p.len()), (Kind::Rescan, 5));

        let mut slot = vec![0f32; 8];
        let mut p = PartBuilder::new(8, &mut slot, false);
        for f in [&b"1.5"[..], b"123456789012", b"0.1"] {
            assert!(p.push(f).is_ok());
        }
        let done = p.finish();
        // 0.1 after the wide integer is kept as f32, as 1.5 before it was.
        let want = [1.5, 123_456_789_012.0, 0.1f32 as f64];
        assert!(matches!(&done.part, Part::Wide(v) if v == &want));

        let mut slot = vec![0f32; 4];
        let mut p = PartBuilder::new(4, &mut slot, false);
        assert!(p.push(b"16777217.5").is_ok()); // not an integer: f32 is fine
        assert_eq!(p.finish().part.kind(), Kind::Number);
        assert_eq!(slot[0], 16_777_217.5f32);

        let mut p = PartBuilder::new(0, &mut [], false);
        assert!(p.push(b"\xff").is_err());
        // A column without a slot cannot take numbers.
        let mut p = PartBuilder::new(4, &mut [], false);
        assert!(!p.takes_numbers());
        assert!(p.push(b"3").is_ok());
        assert_eq!(p.finish().part.kind(), Kind::Rescan);
        // A column known to be text keeps numbers as text.
        let mut p = PartBuilder::new(4, &mut [], true);
        assert!(p.push(b"3").is_ok() && p.push(b"NA").is_ok());
        assert!(matches!(&p.finish().part, Part::Text(v) if v == &[Some("3".into()), None]));
    }

    #[test]
    fn merge_closes_gaps_between_slots() {
        // Chunk 0 has slot 0..3 with 2 rows; chunk 1 is all missing (slot
        // 3..5, 2 rows); chunk 2 has slot 5..8 with 3 rows.
        let shared = vec![1.0, 2.0, 0.0, 9.0, 9.0, 3.0, 4.0, 5.0];
        let parts = vec![
            Done {
                part: Part::Slot,
                len: 2,
            },
            Done {
                part: Part::Empty,
                len: 2,
            },
            Done {
                part: Part::Slot,
                len: 3,
            },
        ];
        let Column::Number(Numbers::F32(v)) = merge(Kind::Number, parts, shared, &[0, 3, 5], 7)
        else {
            panic!("expected f32 numbers");
        };
        assert_eq!(v[..2], [1.0, 2.0]);
        assert!(v[2].is_nan() && v[3].is_nan());
        assert_eq!(v[4..], [3.0, 4.0, 5.0]);
    }
}
