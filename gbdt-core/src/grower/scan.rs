//! Work on many leaves in one parallel pass: gathering their gradients and
//! building their histograms, and finding their best splits.

use std::ops::Range;

use super::bins::{Accum, Shared};
use super::leaves::{Found, HistLeaf};
use super::{GrowConfig, GrowInput, Workspace};
use crate::histogram::{self, BinStat, BuildJob, HistBin};
use crate::parallel::Executor;
use crate::sampling::{fraction_count, Rng};
use crate::split::{best_categorical, best_of_feature, Candidate, CatNode, Scratch};

/// Builds the histograms of the tree's features for all `leaves` (each
/// bin type decides how, see [`Accum::build`]), summed over the ranks.
pub(super) fn build_hists<B: Shared>(
    input: &GrowInput<'_>,
    ws: &mut Workspace,
    par: &Executor,
    leaves: &mut [&mut HistLeaf<B>],
) {
    leaves.sort_by_key(|l| l.leaf.range.start);
    let jobs = leaves
        .iter_mut()
        .map(|l| (l.leaf.range.clone(), &mut l.hist[..]))
        .collect();
    B::build(input, ws, par, jobs);
    let mut hists: Vec<&mut [B]> = leaves.iter_mut().map(|l| &mut l.hist[..]).collect();
    B::all_reduce(par.collective(), &mut hists);
}

/// Gathers each node's row values into partition order, then builds the
/// histograms for all of them in one parallel pass. `jobs`: each node's
/// rows in the partition (sorted, disjoint) and its zeroed histogram.
pub(super) fn build_ranges<B: Accum>(
    input: &GrowInput<'_>,
    ws: &mut Workspace,
    par: &Executor,
    mut jobs: Vec<(Range<usize>, &mut [B])>,
) {
    if jobs.is_empty() {
        return;
    }
    let ranges: Vec<Range<usize>> = jobs.iter().map(|j| j.0.clone()).collect();
    let (partition, buffers) = B::buffers(ws);
    let rows = partition.all_rows();
    // A node holding every row (the root) holds them in row order, since a
    // node's rows stay ascending in the partition: its values need no gather.
    if let ([(range, hist)], Some(grads)) = (&mut jobs[..], B::in_row_order(input)) {
        if range.len() == rows.len() && grads.len() == rows.len() {
            let job = BuildJob { rows, grads, hist };
            histogram::build(input.matrix, input.features, vec![job], par);
            return;
        }
    }
    if buffers.ordered.len() < rows.len() {
        buffers.ordered.resize(rows.len(), Default::default());
    }
    let blocks = gather_blocks(&ranges);
    let mut pieces = carve_mut(&mut buffers.ordered, &blocks);
    let total_rows: usize = ranges.iter().map(|r| r.len()).sum();
    par.for_each_mut_sized(&mut pieces, total_rows, |i, piece| {
        for (slot, &row) in piece.iter_mut().zip(&rows[blocks[i].clone()]) {
            *slot = B::row(input, row as usize);
        }
    });
    let ordered = &buffers.ordered;
    let jobs = jobs
        .iter_mut()
        .map(|(r, hist)| BuildJob {
            rows: &rows[r.clone()],
            grads: &ordered[r.clone()],
            hist,
        })
        .collect();
    histogram::build(input.matrix, input.features, jobs, par);
}

/// `ranges` cut into pieces of at most `GATHER_BLOCK` rows, so one large
/// node is gathered in parallel too; the small nodes of leaf-wise trees
/// as well, from the hot threshold of `parallel.rs` (16k rows): against
/// pieces of 65,536 rows, rounds on two threads took 0.90 (1M regression
/// leaf-wise), 0.94 (1M binary leaf-wise), 0.99 (100k credit leaf-wise)
/// and 1.00 (1M regression depth-wise) of their time (medians of 6 to 8
/// pairs on a noisy host).
fn gather_blocks(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    const GATHER_BLOCK: usize = 8_192;
    let mut out = Vec::new();
    for r in ranges {
        let mut start = r.start;
        while start < r.end {
            let end = (start + GATHER_BLOCK).min(r.end);
            out.push(start..end);
            start = end;
        }
    }
    out
}

/// Disjoint mutable pieces of `data` for sorted, disjoint `ranges`.
fn carve_mut<'a, T>(mut data: &'a mut [T], ranges: &[Range<usize>]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(ranges.len());
    let mut consumed = 0;
    for r in ranges {
        let (_, rest) = std::mem::take(&mut data).split_at_mut(r.start - consumed);
        let (mine, rest) = rest.split_at_mut(r.len());
        out.push(mine);
        data = rest;
        consumed = r.end;
    }
    out
}

/// What scanning one bin costs, in the executor's work units (a histogram
/// cell): two directions, each a gain with divisions. Counted at 1, the
/// two children of a leaf-wise split were scanned on one thread; at 16
/// they go to both, 8% faster on the 100k-row credit benchmark.
const SCAN_COST: usize = 16;

/// Finds each leaf's best split over its (sampled) features, in parallel;
/// `None` when no split passes the constraints.
pub(super) fn find_best<B: Accum>(
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    par: &Executor,
    leaves: Vec<HistLeaf<B>>,
) -> Vec<Found<B>> {
    let work = leaves.len() * input.matrix.total_bins() * SCAN_COST;
    let mut found: Vec<Found<B>> = leaves.into_iter().map(|l| (l, None)).collect();
    par.for_each_mut_sized(&mut found, work, |_, (leaf, best)| {
        *best = best_split(input, cfg, leaf);
    });
    found
}

/// The best split over a leaf's features; integer histograms are turned
/// into gradient units one feature at a time.
fn best_split<B: Accum>(
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    leaf: &HistLeaf<B>,
) -> Option<Candidate> {
    let features = node_features(input, cfg, leaf.leaf.node);
    let mut best: Option<Candidate> = None;
    let allowed = |f: usize| cfg.interactions.allows(&leaf.leaf.path, f);
    let scale = B::scale(input);
    let mut buf: Vec<BinStat> = Vec::new();
    let mut scratch = Scratch::default();
    for &f in features.iter().filter(|&&f| allowed(f)) {
        let bins = &leaf.hist[input.matrix.offsets[f]..input.matrix.offsets[f + 1]];
        let slice = HistBin::stats(bins, scale, &mut buf);
        let rule = cfg.monotone(f, leaf.leaf.bounds);
        let found = if input.matrix.features[f].categorical().is_some() {
            let node = CatNode {
                hist: slice,
                feature: f,
                total: leaf.leaf.sum,
                rows: leaf.leaf.rows,
            };
            best_categorical(&node, &cfg.split, &cfg.cat, rule)
        } else {
            best_of_feature(slice, f, leaf.leaf.sum, &cfg.split, rule, &mut scratch)
        };
        if let Some(c) = found {
            if best.as_ref().is_none_or(|b| c.beats(b)) {
                best = Some(c);
            }
        }
    }
    best
}

fn node_features<'a>(
    input: &'a GrowInput<'_>,
    cfg: &GrowConfig,
    node: usize,
) -> std::borrow::Cow<'a, [usize]> {
    if cfg.colsample_bynode >= 1.0 {
        return std::borrow::Cow::Borrowed(input.features);
    }
    let [a, b, c] = input.rng_stream;
    let mut rng = Rng::new(input.seed, &[a, b, c, node as u64]);
    let k = fraction_count(input.features.len(), cfg.colsample_bynode);
    std::borrow::Cow::Owned(rng.choose_sorted(input.features, k))
}
