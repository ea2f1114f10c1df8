//! Splitting a batch of leaves: the partition moves their rows, the tree
//! records the splits, and each child that may split again gets a
//! histogram, built directly for the smaller child and derived as parent
//! minus smaller for the larger one.

use std::ops::Range;

use super::bins::Shared;
use super::leaves::{Found, HistLeaf, Leaf, OpenLeaf};
use super::scan::{build_hists, find_best};
use super::{can_split, GrowConfig, GrowInput, Workspace};
use crate::binning::{CategoryBins, FeatureBins};
use crate::bitset::Bitset;
use crate::histogram::{self, HistBin, HistPool};
use crate::parallel::Executor;
use crate::partition::{Route, SplitRule, Threshold};
use crate::tree::{SplitRecord, Tree};

/// Splits every leaf of the batch and prepares its children: those that
/// cannot split, and those that may, each with its best split if it has one.
pub(super) fn split_batch<B: Shared>(
    batch: Vec<OpenLeaf<B>>,
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    tree: &mut Tree,
    ws: &mut Workspace,
    par: &Executor,
) -> (Vec<Leaf>, Vec<Found<B>>) {
    let rules: Vec<(Range<usize>, SplitRule)> = batch
        .iter()
        .map(|l| {
            let c = &l.best;
            let route = match &c.left_bins {
                Some(set) => Route::Set(set.clone()),
                None => Route::Threshold(Threshold {
                    bin: c.bin,
                    missing_bin: input.matrix.missing_bin(c.feature),
                    default_left: c.default_left,
                }),
            };
            let rule = SplitRule {
                feature: c.feature,
                route,
            };
            (l.leaf.range.clone(), rule)
        })
        .collect();
    let left_counts = global_counts(ws.partition.split(input.matrix, &rules, par), par);
    let pool = &mut B::buffers(ws).1.pool;
    let plans: Vec<Plan<B>> = batch
        .into_iter()
        .zip(left_counts)
        .map(|(parent, lefts)| {
            let family = make_children(parent, lefts, input, cfg, tree);
            Plan::new(family, cfg, pool)
        })
        .collect();
    let (done, growing) = child_histograms(plans, input, ws, par);
    (done, find_best(input, cfg, par, growing))
}

/// Rows a split sends left: on this rank, and over every rank.
#[derive(Debug, Clone, Copy)]
struct Lefts {
    local: usize,
    all: usize,
}

/// This rank's left counts of a batch's splits, with their sums over ranks.
fn global_counts(local: Vec<usize>, par: &Executor) -> Vec<Lefts> {
    let mut all: Vec<i64> = local.iter().map(|&n| n as i64).collect();
    par.collective().sum_i64(&mut all);
    let all = all.into_iter().map(|n| n as usize);
    local
        .iter()
        .zip(all)
        .map(|(&local, all)| Lefts { local, all })
        .collect()
}

/// The categories a set of bins sends left: a category goes where its
/// bin goes, and categories without a bin where the missing bin goes.
fn category_set(cb: &CategoryBins, left_bins: &Bitset) -> (usize, Bitset) {
    let n = cb.num_categories();
    let mut set = Bitset::with_len(n);
    for code in 0..n {
        if left_bins.contains(cb.bin_of(code as f32)) {
            set.insert(code);
        }
    }
    (n, set)
}

/// A split leaf's histogram and its two children.
struct Family<B> {
    parent_hist: Vec<B>,
    left: Leaf,
    right: Leaf,
}

/// Writes the parent's split into the tree and returns its children.
fn make_children<B>(
    parent: OpenLeaf<B>,
    lefts: Lefts,
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    tree: &mut Tree,
) -> Family<B> {
    let OpenLeaf {
        leaf: parent,
        hist: parent_hist,
        best: c,
    } = parent;
    let (wl, wr) = (
        cfg.weight(c.left, parent.bounds),
        cfg.weight(c.right, parent.bounds),
    );
    let bins = &input.matrix.features[c.feature];
    let (threshold, categories) = match (bins, &c.left_bins) {
        (FeatureBins::Categorical(cb), Some(set)) => (0.0, Some(category_set(cb, set))),
        _ => (bins.threshold(c.bin), None),
    };
    let record = SplitRecord {
        feature: c.feature as u32,
        threshold,
        categories,
        default_left: c.default_left,
        gain: c.gain as f32,
        left_value: cfg.split.value_of(wl),
        right_value: cfg.split.value_of(wr),
        left_cover: c.left.h as f32,
        right_cover: c.right.h as f32,
    };
    let left_id = tree.split(parent.node, &record);
    let mid = parent.range.start + lefts.local;
    let (left_bounds, right_bounds) = match cfg.monotone(c.feature, parent.bounds) {
        Some(m) => parent.bounds.children(m.direction, wl, wr),
        None => (parent.bounds, parent.bounds),
    };
    let path = cfg.interactions.extend(&parent.path, c.feature);
    let child = |node, range, rows, sum, bounds| Leaf {
        node,
        range,
        rows,
        depth: parent.depth + 1,
        sum,
        bounds,
        path: path.clone(),
    };
    Family {
        parent_hist,
        left: child(
            left_id,
            parent.range.start..mid,
            lefts.all,
            c.left,
            left_bounds,
        ),
        right: child(
            left_id + 1,
            mid..parent.range.end,
            parent.rows - lefts.all,
            c.right,
            right_bounds,
        ),
    }
}

/// A child after its parent's split: final, or growing with a histogram.
enum Child<B> {
    Final(Leaf),
    Growing(HistLeaf<B>),
}

impl<B> Child<B> {
    fn growing_mut(&mut self) -> Option<&mut HistLeaf<B>> {
        match self {
            Child::Growing(h) => Some(h),
            Child::Final(_) => None,
        }
    }
}

/// How a family's children get their histograms.
enum Plan<B> {
    /// Build the smaller child's histogram; the larger one's becomes the
    /// parent's minus it. The smaller child is final unless `small_ok`.
    Derive {
        small: HistLeaf<B>,
        large: HistLeaf<B>,
        small_ok: bool,
        small_left: bool,
    },
    /// Build the histogram of each child that may split.
    Direct { left: Child<B>, right: Child<B> },
}

impl<B: HistBin> Plan<B> {
    fn new(family: Family<B>, cfg: &GrowConfig, pool: &mut HistPool<B>) -> Plan<B> {
        let Family {
            parent_hist,
            left,
            right,
        } = family;
        let small_left = left.rows <= right.rows;
        let (small, large) = if small_left {
            (left, right)
        } else {
            (right, left)
        };
        let (small_ok, large_ok) = (can_split(&small, cfg), can_split(&large, cfg));
        if large_ok && cfg.subtraction {
            return Plan::Derive {
                small: small.with_hist(pool.take()),
                large: large.with_hist(parent_hist),
                small_ok,
                small_left,
            };
        }
        pool.give(parent_hist);
        let mut child = |leaf: Leaf, ok: bool| {
            if ok {
                Child::Growing(leaf.with_hist(pool.take()))
            } else {
                Child::Final(leaf)
            }
        };
        let (large, small) = (child(large, large_ok), child(small, small_ok));
        let (left, right) = if small_left {
            (small, large)
        } else {
            (large, small)
        };
        Plan::Direct { left, right }
    }

    /// The histograms this plan builds directly (at most two).
    fn builds(&mut self) -> [Option<&mut HistLeaf<B>>; 2] {
        match self {
            Plan::Derive { small, .. } => [Some(small), None],
            Plan::Direct { left, right } => [left.growing_mut(), right.growing_mut()],
        }
    }

    /// After the build: derives by subtraction, and sorts the children into
    /// final ones and growing ones (in left-to-right order within a family).
    fn finish(self, done: &mut Vec<Leaf>, growing: &mut Vec<HistLeaf<B>>, pool: &mut HistPool<B>) {
        let (first, second) = match self {
            Plan::Derive {
                small,
                mut large,
                small_ok,
                small_left,
            } => {
                histogram::subtract_in_place(&mut large.hist, &small.hist);
                let small = if small_ok {
                    Child::Growing(small)
                } else {
                    pool.give(small.hist);
                    Child::Final(small.leaf)
                };
                let large = Child::Growing(large);
                if small_left {
                    (small, large)
                } else {
                    (large, small)
                }
            }
            Plan::Direct { left, right } => (left, right),
        };
        for child in [first, second] {
            match child {
                Child::Final(leaf) => done.push(leaf),
                Child::Growing(h) => growing.push(h),
            }
        }
    }
}

/// Gives each child that may split a histogram: built directly for the
/// smaller child, parent minus smaller for the larger one. Returns the final
/// children and the growing ones, the latter in family order.
fn child_histograms<B: Shared>(
    mut plans: Vec<Plan<B>>,
    input: &GrowInput<'_>,
    ws: &mut Workspace,
    par: &Executor,
) -> (Vec<Leaf>, Vec<HistLeaf<B>>) {
    let mut to_build: Vec<&mut HistLeaf<B>> =
        plans.iter_mut().flat_map(Plan::builds).flatten().collect();
    build_hists(input, ws, par, &mut to_build);
    let mut done = Vec::new();
    let mut growing = Vec::with_capacity(plans.len() * 2);
    for plan in plans {
        plan.finish(&mut done, &mut growing, &mut B::buffers(ws).1.pool);
    }
    (done, growing)
}
