//! Row-wise histograms for small nodes: a task sums some features over a
//! node's rows, reading each row's bins from the matrix's row-major copy.
//! A small node's rows are far apart, so reading a column costs a cache
//! miss per row and feature; the row-major copy holds a row's bins in one
//! cache line, fetched once for all of them. The task walks the rows in
//! blocks whose cache lines stay in L2 (the first block's fetched by a
//! pass of independent loads, each next one prefetched while the current
//! one is summed), and over each block sums [`GROUP`] features at a time,
//! so each pass's histograms stay in L1.
//! Each feature's sums still follow the node's row order, so the
//! histogram is the one the column kernel builds, bit for bit, whatever
//! the grouping.

use super::HistBin;
use crate::binning::BinId;

/// Features summed in one pass over a block of rows: their histograms
/// (4 × 256 bins of 16 bytes) fit in L1.
const GROUP: usize = 4;

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
    /// The features in groups of at most [`GROUP`], each with its
    /// histogram slice.
    groups: Vec<Vec<(usize, &'a mut [B])>>,
}

impl<'a, T: BinId, B: HistBin> RowTask<'a, T, B> {
    /// A node's tasks: its `rows`, their `grads`, and its features
    /// (`slices`: sorted, each with its histogram slice) cut into `tasks`
    /// near-equal consecutive parts. `by_row` holds rows of `stride` bins.
    pub fn split(
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
                groups.push(mine.by_ref().take(GROUP).collect());
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
                match group.as_mut_slice() {
                    [a, b, c, d] => self.sum([a, b, c, d], rows, grads, ahead),
                    [a, b, c] => self.sum([a, b, c], rows, grads, ahead),
                    [a, b] => self.sum([a, b], rows, grads, ahead),
                    [a] => self.sum([a], rows, grads, ahead),
                    _ => unreachable!("groups hold 1 to GROUP features"),
                }
            }
        }
        self.groups = groups;
    }

    fn sum<const N: usize>(
        &self,
        group: [&mut (usize, &mut [B]); N],
        rows: &[u32],
        grads: &[B::Row],
        ahead: &[u32],
    ) {
        let features = group.each_ref().map(|p| p.0);
        let hists = group.map(|p| &mut *p.1);
        let by_row = (self.by_row, self.stride);
        accumulate(by_row, features, hists, (rows, grads), ahead);
    }
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

/// Asks the core to bring row `r`'s bins into L2, without waiting (L1
/// keeps the histograms).
#[inline(always)]
fn prefetch<T>(by_row: &[T], stride: usize, r: u32) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
        let p = by_row.as_ptr().wrapping_add(r as usize * stride) as *const i8;
        // SAFETY: a prefetch is a hint: it never faults and changes no
        // state the program can see, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T1>(p) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (by_row, stride, r);
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
            prefetch(by_row, stride, next);
        }
        let start = r as usize * stride;
        let row = &by_row[start..start + stride];
        for (&f, h) in features.iter().zip(hists.iter_mut()) {
            h[row[f].idx()].add(g);
        }
    }
}
