//! One array of row indices; every node owns a `[begin, end)` range of it.
//! A split partitions its range in place, stably, so each node's rows stay in
//! ascending order and the result never depends on scheduling.

use std::ops::Range;

use crate::binning::{BinId, BinnedMatrix, Bins};
use crate::bitset::Bitset;
use crate::parallel::Executor;

/// Rows per parallel partition task. Small enough that the nodes of
/// leaf-wise trees split in parallel from 16k rows (the hot threshold of
/// `parallel.rs`): against 32,768, rounds on two threads took 0.96 (1M
/// regression leaf-wise), 0.92 (1M binary leaf-wise), 0.98 (1M regression
/// depth-wise) and 0.99 (100k credit leaf-wise) of their time (medians of
/// 6 to 8 pairs on a noisy host). Blocks only cut the work: the partition
/// is the same for any size.
const BLOCK: usize = 8_192;

/// Which rows of a node go left: those whose bin of `feature` `route` sends left.
#[derive(Debug, Clone)]
pub(crate) struct SplitRule {
    pub feature: usize,
    pub route: Route,
}

/// A split's decision on one bin.
#[derive(Debug, Clone)]
pub(crate) enum Route {
    /// A numeric split.
    Threshold(Threshold),
    /// A categorical split: the bins that go left (the missing bin included
    /// when missing values go left).
    Set(Bitset),
}

/// Value bins `<= bin` go left; the missing bin goes left when `default_left`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Threshold {
    pub bin: usize,
    pub missing_bin: usize,
    pub default_left: bool,
}

/// The decision the partition kernel is generic over.
trait GoesLeft {
    fn goes_left(&self, b: usize) -> bool;
}

impl GoesLeft for Threshold {
    /// Branch-free: the missing bin is always above `bin`.
    #[inline(always)]
    fn goes_left(&self, b: usize) -> bool {
        (b <= self.bin) | (self.default_left & (b == self.missing_bin))
    }
}

impl GoesLeft for Bitset {
    #[inline(always)]
    fn goes_left(&self, b: usize) -> bool {
        self.contains(b)
    }
}

impl GoesLeft for Route {
    fn goes_left(&self, b: usize) -> bool {
        match self {
            Route::Threshold(t) => t.goes_left(b),
            Route::Set(s) => s.goes_left(b),
        }
    }
}

pub(crate) struct RowPartition {
    rows: Vec<u32>,
    scratch: Vec<u32>,
}

impl RowPartition {
    /// All rows `0..n` in one range.
    pub fn new(n: usize) -> RowPartition {
        RowPartition {
            rows: (0..n as u32).collect(),
            scratch: vec![0; n],
        }
    }

    /// Puts every row back into one range, in order, reusing the buffers.
    pub fn reset(&mut self) {
        for (i, r) in self.rows.iter_mut().enumerate() {
            *r = i as u32;
        }
    }

    pub fn rows(&self, range: Range<usize>) -> &[u32] {
        &self.rows[range]
    }

    pub fn all_rows(&self) -> &[u32] {
        &self.rows
    }

    /// Splits every node range (disjoint, sorted by start) by its rule;
    /// returns the number of rows that went left in each.
    pub fn split(
        &mut self,
        matrix: &BinnedMatrix,
        nodes: &[(Range<usize>, SplitRule)],
        par: &Executor,
    ) -> Vec<usize> {
        match &matrix.bins {
            Bins::U8(b) => self.split_typed(b, matrix.rows, nodes, par),
            Bins::U16(b) => self.split_typed(b, matrix.rows, nodes, par),
        }
    }

    fn split_typed<T: BinId>(
        &mut self,
        bins: &[T],
        n: usize,
        nodes: &[(Range<usize>, SplitRule)],
        par: &Executor,
    ) -> Vec<usize> {
        // Pass 1: each block writes its lefts forward and its rights backward
        // into the same place of the scratch array.
        let mut blocks = carve_blocks(&mut self.rows, &mut self.scratch, nodes);
        let rows: usize = nodes.iter().map(|(r, _)| r.len()).sum();
        par.for_each_mut_sized(&mut blocks, rows, |_, b| {
            let column = &bins[b.rule.feature * n..(b.rule.feature + 1) * n];
            b.lefts = match &b.rule.route {
                Route::Threshold(t) => partition_block(column, t, b.rows, b.out),
                Route::Set(s) => partition_block(column, s, b.rows, b.out),
            };
        });
        let counts: Vec<(usize, usize)> = blocks.iter().map(|b| (b.node, b.lefts)).collect();
        drop(blocks);
        // Pass 2: copy lefts (block order) then rights (block order) back.
        let mut copies = carve_copies(&mut self.rows, &self.scratch, nodes, &counts);
        par.for_each_mut_sized(&mut copies, rows, |_, c| c.run());
        let mut left = vec![0usize; nodes.len()];
        for (node, l) in counts {
            left[node] += l;
        }
        left
    }
}

struct Block<'a> {
    node: usize,
    rule: &'a SplitRule,
    rows: &'a [u32],
    out: &'a mut [u32],
    lefts: usize,
}

fn carve_blocks<'a>(
    mut rows: &'a mut [u32],
    mut scratch: &'a mut [u32],
    nodes: &'a [(Range<usize>, SplitRule)],
) -> Vec<Block<'a>> {
    let mut blocks = Vec::new();
    let mut consumed = 0;
    for (node, (range, rule)) in nodes.iter().enumerate() {
        let skip = range.start - consumed;
        let (_, r) = std::mem::take(&mut rows).split_at_mut(skip);
        let (_, s) = std::mem::take(&mut scratch).split_at_mut(skip);
        let (mut mine, r) = r.split_at_mut(range.len());
        let (mut out, s) = s.split_at_mut(range.len());
        rows = r;
        scratch = s;
        consumed = range.end;
        while !mine.is_empty() {
            let len = mine.len().min(BLOCK);
            let (a, rest) = std::mem::take(&mut mine).split_at_mut(len);
            let (o, orest) = std::mem::take(&mut out).split_at_mut(len);
            blocks.push(Block {
                node,
                rule,
                rows: a,
                out: o,
                lefts: 0,
            });
            mine = rest;
            out = orest;
        }
    }
    blocks
}

/// Lefts to the front of `out` in order, rights to the back in reverse order.
fn partition_block<T: BinId, R: GoesLeft>(
    column: &[T],
    rule: &R,
    rows: &[u32],
    out: &mut [u32],
) -> usize {
    // Branch-free: write the row at both free ends and advance one of them
    // (the outcome is data-dependent and mispredicts half the time).
    let (mut l, mut r) = (0, out.len());
    for &row in rows {
        let left = rule.goes_left(column[row as usize].idx());
        out[l] = row;
        out[r - 1] = row;
        l += left as usize;
        r -= (!left) as usize;
    }
    l
}

/// A piece of the final order and where it comes from in the scratch array.
struct Copy<'a> {
    dst: &'a mut [u32],
    src: &'a [u32],
    reversed: bool,
}

impl Copy<'_> {
    fn run(&mut self) {
        if self.reversed {
            for (d, s) in self.dst.iter_mut().zip(self.src.iter().rev()) {
                *d = *s;
            }
        } else {
            self.dst.copy_from_slice(self.src);
        }
    }
}

fn carve_copies<'a>(
    mut rows: &'a mut [u32],
    scratch: &'a [u32],
    nodes: &[(Range<usize>, SplitRule)],
    counts: &[(usize, usize)],
) -> Vec<Copy<'a>> {
    let mut copies = Vec::new();
    let mut consumed = 0;
    let mut next_block = 0;
    for (node, (range, _)) in nodes.iter().enumerate() {
        let (_, r) = std::mem::take(&mut rows).split_at_mut(range.start - consumed);
        let (mut mine, r) = r.split_at_mut(range.len());
        rows = r;
        consumed = range.end;
        // The blocks of this node, as (scratch range, lefts).
        let mut blocks = Vec::new();
        let mut start = range.start;
        while next_block < counts.len() && counts[next_block].0 == node {
            let len = (range.end - start).min(BLOCK);
            blocks.push((start..start + len, counts[next_block].1));
            start += len;
            next_block += 1;
        }
        for reversed in [false, true] {
            for (span, lefts) in &blocks {
                let src = if reversed {
                    &scratch[span.start + lefts..span.end]
                } else {
                    &scratch[span.start..span.start + lefts]
                };
                let (dst, rest) = std::mem::take(&mut mine).split_at_mut(src.len());
                mine = rest;
                copies.push(Copy { dst, src, reversed });
            }
        }
    }
    copies
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_row_is_kept_once_in_order_and_on_its_side(
            values in proptest::collection::vec(prop_oneof![Just(f32::NAN), 0f32..8.0], 1..200),
            cut in 0usize..8,
            default_left: bool,
            threads in 1usize..4,
            // A categorical split's set of bins instead of a threshold.
            set in proptest::option::of(proptest::collection::vec(0usize..10, 0..6)),
        ) {
            let n = values.len();
            let x = Array2::from_shape_vec((n, 1), values).unwrap();
            let par = Executor::new(threads).unwrap();
            let m = BinnedMatrix::new(x.view(), None, &crate::Categories::default(), 16, 0, &par);
            let route = match set {
                Some(bins) => Route::Set(Bitset::from_members(bins)),
                None => Route::Threshold(Threshold { bin: cut, missing_bin: m.missing_bin(0), default_left }),
            };
            let rule = SplitRule { feature: 0, route };
            let mut p = RowPartition::new(n);
            // Two nodes: the first half and the second half.
            let mid = n / 2;
            let nodes = vec![(0..mid, rule.clone()), (mid..n, rule.clone())];
            let left = p.split(&m, &nodes, &par);
            let Bins::U8(b) = &m.bins else { unreachable!() };
            for (i, (range, _)) in nodes.iter().enumerate() {
                let got = p.rows(range.clone());
                let mut sorted = got.to_vec();
                sorted.sort_unstable();
                prop_assert_eq!(sorted, (range.start as u32..range.end as u32).collect::<Vec<_>>());
                let (l, r) = got.split_at(left[i]);
                prop_assert!(l.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(r.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(l.iter().all(|&row| rule.route.goes_left(b[row as usize] as usize)));
                prop_assert!(r.iter().all(|&row| !rule.route.goes_left(b[row as usize] as usize)));
            }
        }
    }

    #[test]
    fn large_nodes_split_in_blocks() {
        let n = 3 * BLOCK + 17;
        let x = Array2::from_shape_fn((n, 1), |(i, _)| (i % 7) as f32);
        let par = Executor::new(2).unwrap();
        let m = BinnedMatrix::new(x.view(), None, &crate::Categories::default(), 16, 0, &par);
        let rule = SplitRule {
            feature: 0,
            route: Route::Threshold(Threshold {
                bin: 2,
                missing_bin: m.missing_bin(0),
                default_left: false,
            }),
        };
        let mut p = RowPartition::new(n);
        let left = p.split(&m, &[(0..n, rule)], &par);
        let expect_left: Vec<u32> = (0..n as u32).filter(|i| i % 7 <= 2).collect();
        assert_eq!(left[0], expect_left.len());
        assert_eq!(&p.rows(0..left[0]), &expect_left.as_slice());
    }
}
