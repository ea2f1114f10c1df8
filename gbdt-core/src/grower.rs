//! Grows one tree: depth-wise (a level at a time) or loss-guide (best leaf
//! first), both as one driver that picks a batch of leaves to split, splits
//! their rows, builds the smaller children's histograms, derives the larger
//! ones by subtraction and finds the children's best splits.

use std::ops::Range;

use crate::binning::BinnedMatrix;
use crate::histogram::{self, BinStat, BuildJob, HistPool};
use crate::objective::GradPair;
use crate::parallel::Executor;
use crate::params::GrowPolicy;
use crate::partition::{RowPartition, SplitRule};
use crate::sampling::{fraction_count, Rng};
use crate::split::{best_of_feature, Candidate, SplitParams};
use crate::tree::{SplitRecord, Tree};

/// The shape limits and sampling of one tree.
#[derive(Debug, Clone)]
pub(crate) struct GrowConfig {
    pub policy: GrowPolicy,
    pub max_depth: usize,
    pub max_leaves: usize,
    pub split: SplitParams,
    pub colsample_bynode: f64,
    /// Derive the larger child's histogram as parent minus the smaller one.
    pub subtraction: bool,
}

/// Buffers reused across trees.
pub(crate) struct Workspace {
    pub partition: RowPartition,
    /// Gradients gathered in partition order, one slot per row.
    pub ordered: Vec<GradPair>,
    pub pool: HistPool,
}

impl Workspace {
    pub fn new(matrix: &BinnedMatrix) -> Workspace {
        Workspace {
            partition: RowPartition::new(matrix.rows),
            ordered: vec![GradPair::default(); matrix.rows],
            pool: HistPool::new(matrix.total_bins()),
        }
    }
}

/// The grown tree and, for each leaf, its rows' range in the partition.
pub(crate) struct Grown {
    pub tree: Tree,
    pub leaves: Vec<(Range<usize>, f32)>,
}

/// What one tree's growth reads.
pub(crate) struct GrowInput<'a> {
    pub matrix: &'a BinnedMatrix,
    /// Row-major gradients, `stride` per row; this tree uses column `output`.
    pub grads: &'a [GradPair],
    pub stride: usize,
    pub output: usize,
    /// Features this tree may use, ascending.
    pub features: &'a [usize],
    /// Seed stream for per-node feature sampling.
    pub rng_stream: [u64; 3],
    pub seed: u64,
}

/// A leaf that may still split.
struct Leaf {
    node: usize,
    range: Range<usize>,
    depth: usize,
    sum: BinStat,
    hist: Option<Vec<BinStat>>,
    best: Option<Candidate>,
}

/// Grows one tree.
pub(crate) fn grow(
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    ws: &mut Workspace,
    par: &Executor,
) -> Grown {
    ws.partition.reset();
    let n = input.matrix.rows;
    let sum = node_sum(input, par);
    let mut tree = Tree::with_root(cfg.split.leaf_value(sum), sum.h as f32);
    let mut root = Leaf {
        node: 0,
        range: 0..n,
        depth: 0,
        sum,
        hist: None,
        best: None,
    };
    let mut leaves = Vec::new();
    let mut open = Vec::new();
    if can_split(&root, cfg) {
        root.hist = Some(ws.pool.take());
        build_hists(input, ws, par, &mut [&mut root]);
        find_best(input, cfg, par, &mut [&mut root]);
    }
    settle(vec![root], &mut open, &mut leaves, &mut ws.pool);
    let mut num_leaves = 1;
    loop {
        let batch = select(&mut open, cfg, num_leaves);
        if batch.is_empty() {
            break;
        }
        num_leaves += batch.len();
        let children = split_batch(batch, input, cfg, &mut tree, ws, par);
        settle(children, &mut open, &mut leaves, &mut ws.pool);
    }
    for leaf in open {
        if let Some(h) = leaf.hist {
            ws.pool.give(h);
        }
        leaves.push((leaf.range, leaf.node));
    }
    let leaves = leaves
        .into_iter()
        .map(|(range, node)| (range, tree.value(node)))
        .collect();
    Grown { tree, leaves }
}

/// Sum of the tree's gradients over all rows, in fixed-size blocks added in
/// block order: the same result for any thread count.
fn node_sum(input: &GrowInput<'_>, par: &Executor) -> BinStat {
    const BLOCK: usize = 65_536;
    let n = input.matrix.rows;
    let partial = par.map_range(n.div_ceil(BLOCK), |b| {
        let mut s = BinStat::default();
        for row in b * BLOCK..((b + 1) * BLOCK).min(n) {
            s.add(input.grads[row * input.stride + input.output]);
        }
        s
    });
    partial.into_iter().fold(BinStat::default(), BinStat::plus)
}

fn can_split(leaf: &Leaf, cfg: &GrowConfig) -> bool {
    (cfg.max_depth == 0 || leaf.depth < cfg.max_depth)
        && leaf.range.len() >= 2
        && leaf.sum.h >= 2.0 * cfg.split.min_child_weight
}

/// Moves leaves with a split into `open`; the rest become final leaves.
fn settle(
    new: Vec<Leaf>,
    open: &mut Vec<Leaf>,
    leaves: &mut Vec<(Range<usize>, usize)>,
    pool: &mut HistPool,
) {
    for mut leaf in new {
        if leaf.best.is_some() {
            open.push(leaf);
        } else {
            if let Some(h) = leaf.hist.take() {
                pool.give(h);
            }
            leaves.push((leaf.range, leaf.node));
        }
    }
}

/// Picks the leaves to split next and removes them from `open`, sorted by
/// their row range.
fn select(open: &mut Vec<Leaf>, cfg: &GrowConfig, num_leaves: usize) -> Vec<Leaf> {
    let room = if cfg.max_leaves == 0 {
        usize::MAX
    } else {
        cfg.max_leaves - num_leaves.min(cfg.max_leaves)
    };
    if room == 0 || open.is_empty() {
        return Vec::new();
    }
    let mut picked: Vec<Leaf> = match cfg.policy {
        GrowPolicy::DepthWise => {
            let depth = open.iter().map(|l| l.depth).min().unwrap_or(0);
            let (level, rest): (Vec<Leaf>, Vec<Leaf>) =
                open.drain(..).partition(|l| l.depth == depth);
            *open = rest;
            level
        }
        GrowPolicy::LossGuide => {
            let best = (0..open.len())
                .reduce(|a, b| {
                    if gain_of(&open[b]).beats(&gain_of(&open[a])) {
                        b
                    } else {
                        a
                    }
                })
                .unwrap_or(0);
            vec![open.swap_remove(best)]
        }
    };
    if picked.len() > room {
        // Best first, as a total order (ties fall back to the row range).
        picked.sort_by(|a, b| {
            let (ca, cb) = (gain_of(a), gain_of(b));
            cb.gain
                .total_cmp(&ca.gain)
                .then(ca.feature.cmp(&cb.feature))
                .then(ca.bin.cmp(&cb.bin))
                .then(a.range.start.cmp(&b.range.start))
        });
        open.extend(picked.drain(room..));
    }
    picked.sort_by_key(|l| l.range.start);
    picked
}

fn gain_of(l: &Leaf) -> Candidate {
    l.best.expect("open leaves have a split")
}

/// Splits every leaf of the batch and prepares its children.
fn split_batch(
    batch: Vec<Leaf>,
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    tree: &mut Tree,
    ws: &mut Workspace,
    par: &Executor,
) -> Vec<Leaf> {
    let rules: Vec<(Range<usize>, SplitRule)> = batch
        .iter()
        .map(|l| {
            let c = gain_of(l);
            let rule = SplitRule {
                feature: c.feature,
                bin: c.bin,
                missing_bin: input.matrix.missing_bin(c.feature),
                default_left: c.default_left,
            };
            (l.range.clone(), rule)
        })
        .collect();
    let left_counts = ws.partition.split(input.matrix, &rules, par);
    let mut pairs = Vec::with_capacity(batch.len());
    for (parent, lefts) in batch.into_iter().zip(left_counts) {
        pairs.push(make_children(parent, lefts, input, cfg, tree));
    }
    child_histograms(&mut pairs, input, cfg, ws, par);
    let mut children: Vec<Leaf> = pairs.into_iter().flat_map(|(_, l, r)| [l, r]).collect();
    let mut need: Vec<&mut Leaf> = children.iter_mut().filter(|c| c.hist.is_some()).collect();
    find_best(input, cfg, par, &mut need);
    children
}

/// Writes the split into the tree and returns (parent, left, right).
fn make_children(
    parent: Leaf,
    lefts: usize,
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    tree: &mut Tree,
) -> (Leaf, Leaf, Leaf) {
    let c = gain_of(&parent);
    let record = SplitRecord {
        feature: c.feature as u32,
        threshold: input.matrix.cuts[c.feature].threshold(c.bin),
        default_left: c.default_left,
        gain: c.gain as f32,
        left_value: cfg.split.leaf_value(c.left),
        right_value: cfg.split.leaf_value(c.right),
        left_cover: c.left.h as f32,
        right_cover: c.right.h as f32,
    };
    let left_id = tree.split(parent.node, &record);
    let mid = parent.range.start + lefts;
    let child = |node, range, sum| Leaf {
        node,
        range,
        depth: parent.depth + 1,
        sum,
        hist: None,
        best: None,
    };
    let left = child(left_id, parent.range.start..mid, c.left);
    let right = child(left_id + 1, mid..parent.range.end, c.right);
    (parent, left, right)
}

/// Gives each child that may split a histogram: built directly for the
/// smaller child, parent minus smaller for the larger one.
fn child_histograms(
    pairs: &mut [(Leaf, Leaf, Leaf)],
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    ws: &mut Workspace,
    par: &Executor,
) {
    let mut to_build: Vec<&mut Leaf> = Vec::new();
    let mut derive = Vec::new();
    for (i, (parent, left, right)) in pairs.iter_mut().enumerate() {
        let (small, large) = if left.range.len() <= right.range.len() {
            (left, right)
        } else {
            (right, left)
        };
        let (small_ok, large_ok) = (can_split(small, cfg), can_split(large, cfg));
        if let Some(h) = parent.hist.take() {
            if large_ok && cfg.subtraction {
                small.hist = Some(ws.pool.take());
                large.hist = Some(h);
                derive.push(i);
            } else {
                ws.pool.give(h);
                if large_ok {
                    large.hist = Some(ws.pool.take());
                    to_build.push(large);
                }
                if small_ok {
                    small.hist = Some(ws.pool.take());
                }
            }
        }
        if small.hist.is_some() {
            to_build.push(small);
        }
    }
    build_hists(input, ws, par, &mut to_build);
    for i in derive {
        let (_, left, right) = &mut pairs[i];
        let (small, large) = if left.range.len() <= right.range.len() {
            (left, right)
        } else {
            (right, left)
        };
        let small_hist = small.hist.as_ref().expect("built above");
        histogram::subtract_in_place(large.hist.as_mut().expect("set above"), small_hist);
        if !can_split(small, cfg) {
            ws.pool.give(small.hist.take().expect("built above"));
        }
    }
}

/// Gathers each leaf's gradients into partition order, then builds the
/// histograms of the tree's features for all of them in one parallel pass.
fn build_hists(
    input: &GrowInput<'_>,
    ws: &mut Workspace,
    par: &Executor,
    leaves: &mut [&mut Leaf],
) {
    if leaves.is_empty() {
        return;
    }
    leaves.sort_by_key(|l| l.range.start);
    let ranges: Vec<Range<usize>> = leaves.iter().map(|l| l.range.clone()).collect();
    let rows = ws.partition.all_rows();
    let blocks = gather_blocks(&ranges);
    let mut pieces = carve_mut(&mut ws.ordered, &blocks);
    let total_rows: usize = ranges.iter().map(|r| r.len()).sum();
    par.for_each_mut_sized(&mut pieces, total_rows, |i, piece| {
        for (slot, &row) in piece.iter_mut().zip(&rows[blocks[i].clone()]) {
            *slot = input.grads[row as usize * input.stride + input.output];
        }
    });
    let jobs = leaves
        .iter_mut()
        .zip(&ranges)
        .map(|(leaf, r)| BuildJob {
            rows: &rows[r.clone()],
            grads: &ws.ordered[r.clone()],
            hist: leaf.hist.as_mut().expect("leaf to build has a histogram"),
        })
        .collect();
    histogram::build(input.matrix, input.features, jobs, par);
}

/// `ranges` cut into pieces of at most `GATHER_BLOCK` rows, so one large
/// node is gathered in parallel too.
fn gather_blocks(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    const GATHER_BLOCK: usize = 65_536;
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

/// Finds each leaf's best split over its (sampled) features, in parallel.
fn find_best(input: &GrowInput<'_>, cfg: &GrowConfig, par: &Executor, leaves: &mut [&mut Leaf]) {
    let work = leaves.len() * input.matrix.total_bins();
    par.for_each_mut_sized(leaves, work, |_, leaf| {
        let hist = leaf.hist.as_ref().expect("leaf has a histogram");
        let features = node_features(input, cfg, leaf.node);
        let mut best: Option<Candidate> = None;
        for &f in features.iter() {
            let slice = &hist[input.matrix.offsets[f]..input.matrix.offsets[f + 1]];
            if let Some(c) = best_of_feature(slice, f, leaf.sum, &cfg.split) {
                if best.as_ref().is_none_or(|b| c.beats(b)) {
                    best = Some(c);
                }
            }
        }
        leaf.best = best;
    });
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
