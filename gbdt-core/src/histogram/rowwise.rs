//! Row-wise histograms for small nodes: a task sums some features over a
//! part of a node's rows (one part per thread for integer bins, whose
//! parts add up exactly; one or two fixed halves for float bins), reading
//! each row's bins from the matrix's row-major copy.
//! A small node's rows are far apart, so reading a column costs a cache
//! miss per row and feature; the row-major copy holds a row's bins in one
//! cache line, fetched once for all of them. The task walks the rows in
//! blocks whose cache lines stay in L2 (the first block's fetched by a
//! pass of independent loads, each next one prefetched while the current
//! one is summed), and over each block sums a group of features at a time
//! ([`group_size`]), so each pass's histograms stay in L1.
//! Each feature's float sums still follow the row order of their part,
//! and integer sums are exact in any order, so the histogram is the one
//! the column kernel builds over the same parts, bit for bit, whatever the
//! grouping and the thread count.

use super::HistBin;
use crate::binning::BinId;
use crate::prefetch::prefetch;

/// Bytes of histograms one pass over a block of rows may touch: a group
/// of features whose histograms fill a quarter of a 32 KB L1, leaving room
/// for the rows' cache lines (2 × 256 float bins of 16 bytes, 4 of 64-bit
/// integer bins, 8 of 32-bit ones). On an AMD EPYC (32 KB L1d), against
/// 16 KB, rounds took 0.98 (1M regression leaf-wise, 22 pairs), 0.92
/// (depth-wise), 0.90 (1M binary leaf-wise), 0.95 (100k credit
/// leaf-wise), 0.98 (300k multiclass depth-wise; 4 to 6 pairs each) and
/// 1.03 (multiclass leaf-wise, 40 features: twice the passes over each
/// block; 13 pairs) of their time: medians of alternating pairs on a
/// noisy host whose single pairs ranged from 0.82 to 1.31: small gains
/// at best.
const GROUP_BYTES: usize = 8 << 10;

/// Features summed in one pass over a block of rows.
const fn group_size<B>() -> usize {
    let size = GROUP_BYTES / (256 * std::mem::size_of::<B>());
    if size < 1 {
        1
    } else if size > 8 {
        8
    } else {
        size
    }
}

/// Rows per block: their cache lines (one each while a padded row fits in
/// a line) fit in L2.
const BLOCK: usize = 2048;

/// One node and some of its features.
pub(super) struct RowTask<'a, T, B: HistBin> {
    rows: &'a [u32],
    grads: &'a [B::Row],
    /// The row-major bins and their row length (the number of features,
    /// padded; see `binning/rows.rs`).
    by_row: &'a [T],
    stride: usize,
    /// The features in groups of at most [`group_size`], each with its
    /// histogram slice.
    groups: Vec<Vec<(usize, &'a mut [B])>>,
}

impl<'a, T: BinId, B: HistBin> RowTask<'a, T, B> {
    /// A node's tasks: its `rows`, their `grads`, and its features
    /// (`slices`: sorted, each with its histogram slice) cut into `tasks`
    /// near-equal consecutive parts. `by_row` holds rows of `stride` bins.
    fn split(
        (rows, grads): (&'a [u32], &'a [B::Row]),
        slices: Vec<(usize, &'a mut [B])>,
        (by_row, stride): (&'a [T], usize),
        tasks: usize,
    ) -> Vec<RowTask<'a, T, B>> {
        let per_task = slices.len().div_ceil(tasks.max(1)).max(1);
        let mut slices = slices.into_iter().peekable();
        let mut out = Vec::with_capacity(tasks);
        while slices.peek().is_some() {
            let mut mine = slices.by_ref().take(per_task).peekable();
            let mut groups = Vec::new();
            while mine.peek().is_some() {
                groups.push(mine.by_ref().take(group_size::<B>()).collect());
            }
            out.push(RowTask {
                rows,
                grads,
                by_row,
                stride,
                groups,
            });
        }
        out
    }

    /// A node's tasks by rows: its rows cut into one consecutive part per
    /// histogram of `hists`, each part summing every feature of `features`
    /// (sorted; bins at `offsets`) into its own histogram, its features
    /// cut into `tasks_per_part` tasks. Each row's cache line is then
    /// fetched by the tasks of one part only; the caller adds the
    /// histograms up in order.
    pub fn split_rows(
        (rows, grads): (&'a [u32], &'a [B::Row]),
        hists: Vec<&'a mut [B]>,
        (offsets, features): (&[usize], &[usize]),
        by_row: (&'a [T], usize),
        tasks_per_part: usize,
    ) -> Vec<RowTask<'a, T, B>> {
        let per_part = rows.len().div_ceil(hists.len().max(1)).max(1);
        hists
            .into_iter()
            .zip(rows.chunks(per_part).zip(grads.chunks(per_part)))
            .flat_map(|(hist, part)| {
                let slices = super::feature_slices(hist, offsets, features);
                RowTask::split(part, slices, by_row, tasks_per_part)
            })
            .collect()
    }

    /// Rows times features.
    pub fn cells(&self) -> usize {
        self.rows.len() * self.groups.iter().map(Vec::len).sum::<usize>()
    }

    pub fn run(&mut self) {
        let mut groups = std::mem::take(&mut self.groups);
        let blocks: Vec<(&[u32], &[B::Row])> = self
            .rows
            .chunks(BLOCK)
            .zip(self.grads.chunks(BLOCK))
            .collect();
        if let Some((first, _)) = blocks.first() {
            touch(self.by_row, self.stride, first);
        }
        for (b, &(rows, grads)) in blocks.iter().enumerate() {
            // The first pass over a block fetches the next block's rows.
            let mut ahead = blocks.get(b + 1).map_or(&[][..], |n| n.0);
            for group in groups.iter_mut() {
                let ahead = std::mem::take(&mut ahead);
                self.sum_group(group, rows, grads, ahead);
            }
        }
        self.groups = groups;
    }

    /// Sums one group of features over a block of rows, in one pass when
    /// the kernel has an instance of the group's size, else in passes of 4.
    fn sum_group(
        &self,
        group: &mut [(usize, &mut [B])],
        rows: &[u32],
        grads: &[B::Row],
        ahead: &[u32],
    ) {
        match group.len() {
            8 => self.sum::<8>(as_array(group), rows, grads, ahead),
            4 => self.sum::<4>(as_array(group), rows, grads, ahead),
            3 => self.sum::<3>(as_array(group), rows, grads, ahead),
            2 => self.sum::<2>(as_array(group), rows, grads, ahead),
            1 => self.sum::<1>(as_array(group), rows, grads, ahead),
            _ => {
                let (first, rest) = group.split_at_mut(4);
                self.sum_group(first, rows, grads, ahead);
                self.sum_group(rest, rows, grads, &[]);
            }
        }
    }

    fn sum<const N: usize>(
        &self,
        group: &mut [(usize, &mut [B]); N],
        rows: &[u32],
        grads: &[B::Row],
        ahead: &[u32],
    ) {
        let features = group.each_ref().map(|p| p.0);
        let hists = group.each_mut().map(|p| &mut *p.1);
        let by_row = (self.by_row, self.stride);
        accumulate(by_row, features, hists, (rows, grads), ahead);
    }
}

/// A group of exactly `N` features as an array.
fn as_array<'g, 'h, B, const N: usize>(
    group: &'g mut [(usize, &'h mut [B])],
) -> &'g mut [(usize, &'h mut [B]); N] {
    group.try_into().expect("a group of N features")
}

/// Loads one bin of each of `rows` (and the last bin, when the row may
/// end in another cache line): independent loads the core overlaps, so
/// the group passes then find the rows in cache.
#[inline(never)]
fn touch<T: BinId>(by_row: &[T], stride: usize, rows: &[u32]) {
    let mut acc = 0;
    for &r in rows {
        let start = r as usize * stride;
        acc ^= by_row[start].idx() ^ by_row[start + stride - 1].idx();
    }
    std::hint::black_box(acc);
}

/// The innermost kernel: `N` features of one node, each row's bins read
/// from one place; row `i` also prefetches the row `ahead[i]`, if any.
#[inline(never)]
fn accumulate<T: BinId, B: HistBin, const N: usize>(
    (by_row, stride): (&[T], usize),
    features: [usize; N],
    mut hists: [&mut [B]; N],
    (rows, grads): (&[u32], &[B::Row]),
    ahead: &[u32],
) {
    for (i, (&r, &g)) in rows.iter().zip(grads).enumerate() {
        if let Some(&next) = ahead.get(i) {
            prefetch(by_row, next as usize * stride);
        }
        let start = r as usize * stride;
        let row = &by_row[start..start + stride];
        for (&f, h) in features.iter().zip(hists.iter_mut()) {
            h[row[f].idx()].add(g);
        }
    }
}
