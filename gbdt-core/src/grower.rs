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

/// A node of the growing tree that is a leaf for now: where its rows are
/// and what their gradients sum to.
struct Leaf {
    node: usize,
    range: Range<usize>,
    depth: usize,
    sum: BinStat,
}

impl Leaf {
    fn with_hist(self, hist: Vec<BinStat>) -> HistLeaf {
        HistLeaf { leaf: self, hist }
    }
}

/// A leaf that may split, holding its histogram (being built, or built).
struct HistLeaf {
    leaf: Leaf,
    hist: Vec<BinStat>,
}

/// A leaf whose best split is known, waiting to be split.
struct OpenLeaf {
    leaf: Leaf,
    hist: Vec<BinStat>,
    best: Candidate,
}

/// Where a growing tree's leaves stand: waiting to split, or final.
struct Frontier {
    open: Vec<OpenLeaf>,
    done: Vec<Leaf>,
}

impl Frontier {
    /// Files each leaf under `open` when it has a split, else under `done`
    /// (its histogram goes back to the pool).
    fn settle(&mut self, found: Vec<(HistLeaf, Option<Candidate>)>, pool: &mut HistPool) {
        for (HistLeaf { leaf, hist }, best) in found {
            match best {
                Some(best) => self.open.push(OpenLeaf { leaf, hist, best }),
                None => {
                    pool.give(hist);
                    self.done.push(leaf);
                }
            }
        }
    }

    /// Every leaf, once growth ends.
    fn finish(self, pool: &mut HistPool) -> Vec<Leaf> {
        let mut done = self.done;
        for open in self.open {
            pool.give(open.hist);
            done.push(open.leaf);
        }
        done
    }
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
    let root = Leaf {
        node: 0,
        range: 0..n,
        depth: 0,
        sum,
    };
    let mut frontier = Frontier {
        open: Vec::new(),
        done: Vec::new(),
    };
    if can_split(&root, cfg) {
        let mut hist = vec![root.with_hist(ws.pool.take())];
        build_hists(input, ws, par, &mut hist.iter_mut().collect::<Vec<_>>());
        frontier.settle(find_best(input, cfg, par, hist), &mut ws.pool);
    } else {
        frontier.done.push(root);
    }
    let mut num_leaves = 1;
    loop {
        let batch = select(&mut frontier.open, cfg, num_leaves);
        if batch.is_empty() {
            break;
        }
        num_leaves += batch.len();
        let (done, found) = split_batch(batch, input, cfg, &mut tree, ws, par);
        frontier.done.extend(done);
        frontier.settle(found, &mut ws.pool);
    }
    let leaves = frontier
        .finish(&mut ws.pool)
        .into_iter()
        .map(|leaf| (leaf.range, tree.value(leaf.node)))
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

/// Picks the leaves to split next and removes them from `open`, sorted by
/// their row range.
fn select(open: &mut Vec<OpenLeaf>, cfg: &GrowConfig, num_leaves: usize) -> Vec<OpenLeaf> {
    let room = if cfg.max_leaves == 0 {
        usize::MAX
    } else {
        cfg.max_leaves - num_leaves.min(cfg.max_leaves)
    };
    if room == 0 || open.is_empty() {
        return Vec::new();
    }
    let mut picked: Vec<OpenLeaf> = match cfg.policy {
        GrowPolicy::DepthWise => {
            let depth = open.iter().map(|l| l.leaf.depth).min().unwrap_or(0);
            let (level, rest): (Vec<OpenLeaf>, Vec<OpenLeaf>) =
                open.drain(..).partition(|l| l.leaf.depth == depth);
            *open = rest;
            level
        }
        GrowPolicy::LossGuide => {
            let best = (0..open.len())
                .reduce(|a, b| {
                    if open[b].best.beats(&open[a].best) {
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
            let (ca, cb) = (&a.best, &b.best);
            cb.gain
                .total_cmp(&ca.gain)
                .then(ca.feature.cmp(&cb.feature))
                .then(ca.bin.cmp(&cb.bin))
                .then(a.leaf.range.start.cmp(&b.leaf.range.start))
        });
        open.extend(picked.drain(room..));
    }
    picked.sort_by_key(|l| l.leaf.range.start);
    picked
}

/// Splits every leaf of the batch and prepares its children: those that
/// cannot split, and those that may, each with its best split if it has one.
fn split_batch(
    batch: Vec<OpenLeaf>,
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    tree: &mut Tree,
    ws: &mut Workspace,
    par: &Executor,
) -> (Vec<Leaf>, Vec<(HistLeaf, Option<Candidate>)>) {
    let rules: Vec<(Range<usize>, SplitRule)> = batch
        .iter()
        .map(|l| {
            let c = &l.best;
            let rule = SplitRule {
                feature: c.feature,
                bin: c.bin,
                missing_bin: input.matrix.missing_bin(c.feature),
                default_left: c.default_left,
            };
            (l.leaf.range.clone(), rule)
        })
        .collect();
    let left_counts = ws.partition.split(input.matrix, &rules, par);
    let plans: Vec<Plan> = batch
        .into_iter()
        .zip(left_counts)
        .map(|(parent, lefts)| {
            let family = make_children(parent, lefts, input, cfg, tree);
            Plan::new(family, cfg, &mut ws.pool)
        })
        .collect();
    let (done, growing) = child_histograms(plans, input, ws, par);
    (done, find_best(input, cfg, par, growing))
}

/// A split leaf's histogram and its two children.
struct Family {
    parent_hist: Vec<BinStat>,
    left: Leaf,
    right: Leaf,
}

/// Writes the parent's split into the tree and returns its children.
fn make_children(
    parent: OpenLeaf,
    lefts: usize,
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    tree: &mut Tree,
) -> Family {
    let OpenLeaf {
        leaf: parent,
        hist: parent_hist,
        best: c,
    } = parent;
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
    };
    Family {
        parent_hist,
        left: child(left_id, parent.range.start..mid, c.left),
        right: child(left_id + 1, mid..parent.range.end, c.right),
    }
}

/// A child after its parent's split: final, or growing with a histogram.
enum Child {
    Final(Leaf),
    Growing(HistLeaf),
}

/// How a family's children get their histograms.
enum Plan {
    /// Build the smaller child's histogram; the larger one's becomes the
    /// parent's minus it. The smaller child is final unless `small_ok`.
    Derive {
        small: HistLeaf,
        large: HistLeaf,
        small_ok: bool,
        small_left: bool,
    },
    /// Build the histogram of each child that may split.
    Direct { left: Child, right: Child },
}

impl Plan {
    fn new(family: Family, cfg: &GrowConfig, pool: &mut HistPool) -> Plan {
        let Family {
            parent_hist,
            left,
            right,
        } = family;
        let small_left = left.range.len() <= right.range.len();
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

    /// The histograms this plan builds directly.
    fn builds(&mut self) -> Vec<&mut HistLeaf> {
        match self {
            Plan::Derive { small, .. } => vec![small],
            Plan::Direct { left, right } => [left, right]
                .into_iter()
                .filter_map(|c| match c {
                    Child::Growing(h) => Some(h),
                    Child::Final(_) => None,
                })
                .collect(),
        }
    }

    /// After the build: derives by subtraction, and sorts the children into
    /// final ones and growing ones (in left-to-right order within a family).
    fn finish(self, done: &mut Vec<Leaf>, growing: &mut Vec<HistLeaf>, pool: &mut HistPool) {
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
fn child_histograms(
    mut plans: Vec<Plan>,
    input: &GrowInput<'_>,
    ws: &mut Workspace,
    par: &Executor,
) -> (Vec<Leaf>, Vec<HistLeaf>) {
    let mut to_build: Vec<&mut HistLeaf> = plans.iter_mut().flat_map(Plan::builds).collect();
    build_hists(input, ws, par, &mut to_build);
    let mut done = Vec::new();
    let mut growing = Vec::with_capacity(plans.len() * 2);
    for plan in plans {
        plan.finish(&mut done, &mut growing, &mut ws.pool);
    }
    (done, growing)
}

/// Gathers each leaf's gradients into partition order, then builds the
/// histograms of the tree's features for all of them in one parallel pass.
fn build_hists(
    input: &GrowInput<'_>,
    ws: &mut Workspace,
    par: &Executor,
    leaves: &mut [&mut HistLeaf],
) {
    if leaves.is_empty() {
        return;
    }
    leaves.sort_by_key(|l| l.leaf.range.start);
    let ranges: Vec<Range<usize>> = leaves.iter().map(|l| l.leaf.range.clone()).collect();
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
            hist: &mut leaf.hist,
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

/// Finds each leaf's best split over its (sampled) features, in parallel;
/// `None` when no split passes the constraints.
fn find_best(
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    par: &Executor,
    leaves: Vec<HistLeaf>,
) -> Vec<(HistLeaf, Option<Candidate>)> {
    let work = leaves.len() * input.matrix.total_bins();
    let mut found: Vec<(HistLeaf, Option<Candidate>)> =
        leaves.into_iter().map(|l| (l, None)).collect();
    par.for_each_mut_sized(&mut found, work, |_, (leaf, best)| {
        *best = best_split(input, cfg, leaf);
    });
    found
}

fn best_split(input: &GrowInput<'_>, cfg: &GrowConfig, leaf: &HistLeaf) -> Option<Candidate> {
    let features = node_features(input, cfg, leaf.leaf.node);
    let mut best: Option<Candidate> = None;
    for &f in features.iter() {
        let slice = &leaf.hist[input.matrix.offsets[f]..input.matrix.offsets[f + 1]];
        if let Some(c) = best_of_feature(slice, f, leaf.leaf.sum, &cfg.split) {
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
