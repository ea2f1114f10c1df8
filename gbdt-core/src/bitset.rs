//! A set of small integers as bits in `u32` words: the categories a
//! categorical split sends left, and the histogram bins a partition sends left.

use serde::{Deserialize, Serialize};

/// Bit `i % 32` of word `i / 32` is set when `i` is in the set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bitset {
    words: Vec<u32>,
}

impl Bitset {
    /// An empty set with room for `0..len`.
    pub fn with_len(len: usize) -> Bitset {
        Bitset {
            words: vec![0; len.div_ceil(32)],
        }
    }

    /// The set of these members (grows as needed).
    pub fn from_members(members: impl IntoIterator<Item = usize>) -> Bitset {
        let mut s = Bitset::default();
        for m in members {
            s.insert(m);
        }
        s
    }

    /// Adds `i`.
    pub fn insert(&mut self, i: usize) {
        let w = i / 32;
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << (i % 32);
    }

    /// True when `i` is in the set (false past the last word).
    #[inline(always)]
    pub fn contains(&self, i: usize) -> bool {
        self.words
            .get(i / 32)
            .is_some_and(|w| (w >> (i % 32)) & 1 == 1)
    }

    /// The members, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &bits)| {
            (0..32)
                .filter(move |b| (bits >> b) & 1 == 1)
                .map(move |b| w * 32 + b)
        })
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// True when the set has no member.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// The largest member plus one (0 when empty).
    pub fn end(&self) -> usize {
        match self.words.iter().rposition(|&w| w != 0) {
            Some(w) => w * 32 + 32 - self.words[w].leading_zeros() as usize,
            None => 0,
        }
    }

    /// Word `w` (0 past the stored words).
    #[inline]
    pub fn word(&self, w: usize) -> u32 {
        self.words.get(w).copied().unwrap_or(0)
    }

    /// Number of `u32` words stored.
    pub fn num_words(&self) -> usize {
        self.words.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_round_trip() {
        let s = Bitset::from_members([0, 5, 31, 32, 70]);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![0, 5, 31, 32, 70]);
        assert!(s.contains(70) && !s.contains(69) && !s.contains(1000));
        assert_eq!((s.len(), s.end(), s.num_words()), (5, 71, 3));
        assert!(Bitset::with_len(40).is_empty() && Bitset::with_len(40).end() == 0);
    }
}
