//! Grows one tree: depth-wise (a level at a time) or loss-guide (best leaf
//! first), both as one driver that picks a batch of leaves to split, splits
//! their rows, builds the smaller children's histograms, derives the larger
//! ones by subtraction and finds the children's best splits.
//!
//! - `leaves.rs`: the states a leaf goes through, as types;
//! - `children.rs`: splitting a batch of leaves and giving the children
//!   their histograms;
//! - `scan.rs`: building histograms and finding best splits for many
//!   leaves in one parallel pass;
//! - `bins.rs`: the bin types the driver is generic over (float sums, or
//!   integer sums of quantized gradients), `renew.rs`: quantized training's
//!   leaf values from the exact gradients.

mod bins;
mod children;
mod interact;
mod leaves;
mod renew;
mod scan;

pub(crate) use bins::QuantRows;
pub(crate) use interact::Interactions;

use std::ops::Range;

use crate::binning::BinnedMatrix;
use crate::histogram::{BinStat, HistBin, PackedBin, PackedBin32};
use crate::objective::GradPair;
use crate::parallel::Executor;
use crate::params::GrowPolicy;
use crate::partition::RowPartition;
use crate::split::{Bounds, CatParams, Monotone, SplitParams};
use crate::tree::Tree;

use bins::{Buffers, Shared};
use leaves::{Frontier, Leaf, OpenLeaf};

/// The shape limits and sampling of one tree.
#[derive(Debug, Clone)]
pub(crate) struct GrowConfig {
    pub policy: GrowPolicy,
    pub max_depth: usize,
    pub max_leaves: usize,
    pub split: SplitParams,
    /// How categorical features split.
    pub cat: CatParams,
    pub colsample_bynode: f64,
    /// Derive the larger child's histogram as parent minus the smaller one.
    pub subtraction: bool,
    /// Monotone constraint of each feature (1, -1 or 0); empty for none,
    /// which keeps the plain gain and unbounded weights.
    pub monotone: Vec<i8>,
    /// Interaction constraints; off by default.
    pub interactions: Interactions,
}

impl GrowConfig {
    /// What a split of a node with `bounds` on `feature` must respect, or
    /// `None` when no constraint is set.
    #[inline]
    pub fn monotone(&self, feature: usize, bounds: Bounds) -> Option<Monotone> {
        if self.monotone.is_empty() {
            return None;
        }
        let direction = self.monotone.get(feature).copied().unwrap_or(0);
        Some(Monotone { bounds, direction })
    }

    /// A node's weight: the optimal one, clamped to `bounds` under
    /// monotone constraints.
    pub fn weight(&self, s: BinStat, bounds: Bounds) -> f64 {
        let w = self.split.weight(s);
        if self.monotone.is_empty() {
            w
        } else {
            bounds.clamp(w)
        }
    }
}

/// Buffers reused across trees.
pub(crate) struct Workspace {
    pub partition: RowPartition,
    float: Buffers<BinStat>,
    quant: Buffers<PackedBin>,
    narrow: Buffers<PackedBin32>,
}

impl Workspace {
    pub fn new(matrix: &BinnedMatrix) -> Workspace {
        Workspace {
            partition: RowPartition::new(matrix.rows),
            float: Buffers::new(matrix.total_bins()),
            quant: Buffers::new(matrix.total_bins()),
            narrow: Buffers::new(matrix.total_bins()),
        }
    }
}

/// The grown tree and, for each leaf, its rows' range in the partition.
pub(crate) struct Grown {
    pub tree: Tree,
    /// Each leaf: its node, its rows in the partition and its value.
    pub leaves: Vec<(usize, Range<usize>, f32)>,
}

/// What one tree's growth reads.
pub(crate) struct GrowInput<'a> {
    pub matrix: &'a BinnedMatrix,
    /// This tree's gradients (its output's), one per row.
    pub grads: &'a [GradPair],
    /// Features this tree may use, ascending.
    pub features: &'a [usize],
    /// Rows over every rank (`matrix.rows` on one process).
    pub total_rows: usize,
    /// Seed stream for per-node feature sampling.
    pub rng_stream: [u64; 3],
    pub seed: u64,
    /// Quantized gradients: when set, histograms sum them as integers.
    pub quant: Option<QuantRows<'a>>,
}

/// Grows one tree.
pub(crate) fn grow(
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    ws: &mut Workspace,
    par: &Executor,
) -> Grown {
    match input.quant {
        None => grow_on::<BinStat>(input, cfg, ws, par),
        Some(_) => grow_on::<PackedBin>(input, cfg, ws, par),
    }
}

/// Grows one tree on histograms of `B`.
fn grow_on<B: Shared>(
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    ws: &mut Workspace,
    par: &Executor,
) -> Grown {
    ws.partition.reset();
    let n = input.matrix.rows;
    let sum = node_sum::<B>(input, par);
    let mut tree = Tree::with_root(cfg.split.leaf_value(sum), sum.h as f32);
    let root = Leaf {
        node: 0,
        range: 0..n,
        rows: input.total_rows,
        depth: 0,
        sum,
        bounds: Bounds::NONE,
        path: Vec::new(),
    };
    let mut frontier = Frontier {
        open: Vec::new(),
        done: Vec::new(),
    };
    if can_split(&root, cfg) {
        let mut hist = vec![root.with_hist(B::buffers(ws).1.pool.take())];
        scan::build_hists(input, ws, par, &mut hist.iter_mut().collect::<Vec<_>>());
        frontier.settle(
            scan::find_best(input, cfg, par, hist),
            &mut B::buffers(ws).1.pool,
        );
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
        let (done, found) = children::split_batch(batch, input, cfg, &mut tree, ws, par);
        frontier.done.extend(done);
        frontier.settle(found, &mut B::buffers(ws).1.pool);
    }
    let leaves = frontier.finish(&mut B::buffers(ws).1.pool);
    if input.quant.is_some_and(|q| q.renew_leaf) {
        let rows = ws.partition.all_rows();
        renew::renew_leaves(&leaves, rows, input, cfg, &mut tree, par);
    }
    let leaves = leaves
        .into_iter()
        .map(|leaf| (leaf.node, leaf.range, tree.value(leaf.node)))
        .collect();
    Grown { tree, leaves }
}

/// Sum of the tree's gradients over all rows, in fixed-size blocks added in
/// block order (the same result for any thread count), then over ranks.
fn node_sum<B: Shared>(input: &GrowInput<'_>, par: &Executor) -> BinStat {
    const BLOCK: usize = 65_536;
    let n = input.matrix.rows;
    let partial = par.map_range(n.div_ceil(BLOCK), |b| {
        let mut s = B::default();
        for row in b * BLOCK..((b + 1) * BLOCK).min(n) {
            s.add(B::row(input, row));
        }
        s
    });
    let mut total = [partial.into_iter().fold(B::default(), HistBin::plus)];
    B::all_reduce(par.collective(), &mut [&mut total]);
    total[0].stat(B::scale(input))
}

fn can_split(leaf: &Leaf, cfg: &GrowConfig) -> bool {
    (cfg.max_depth == 0 || leaf.depth < cfg.max_depth)
        && leaf.rows >= 2
        && leaf.sum.h >= 2.0 * cfg.split.min_child_weight
}

/// Picks the leaves to split next and removes them from `open`, sorted by
/// their row range.
fn select<B>(open: &mut Vec<OpenLeaf<B>>, cfg: &GrowConfig, num_leaves: usize) -> Vec<OpenLeaf<B>> {
    let room = if cfg.max_leaves == 0 {
        usize::MAX
    } else {
        cfg.max_leaves - num_leaves.min(cfg.max_leaves)
    };
    if room == 0 || open.is_empty() {
        return Vec::new();
    }
    let mut picked: Vec<OpenLeaf<B>> = match cfg.policy {
        GrowPolicy::DepthWise => {
            let depth = open.iter().map(|l| l.leaf.depth).min().unwrap_or(0);
            let (level, rest): (Vec<OpenLeaf<B>>, Vec<_>) =
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use crate::testutil::synthetic;
    use crate::Objective;

    #[test]
    fn leaves_cover_every_row_once_and_carry_the_tree_values() {
        let (x, y) = synthetic(2000, 5, Objective::SquaredError, 4);
        let exec = Executor::new(2).unwrap();
        let matrix = BinnedMatrix::new(x.view(), None, &crate::Categories::default(), 64, 0, &exec);
        let grads: Vec<GradPair> = y.iter().map(|&v| GradPair { g: -v, h: 1.0 }).collect();
        let features: Vec<usize> = (0..5).collect();
        let shapes = [
            (GrowPolicy::DepthWise, 4, 0),
            (GrowPolicy::LossGuide, 0, 9),
            (GrowPolicy::DepthWise, 6, 7),
        ];
        for (policy, max_depth, max_leaves) in shapes {
            let params = Params {
                min_child_weight: 20.0,
                ..Params::default()
            };
            let cfg = GrowConfig {
                policy,
                max_depth,
                max_leaves,
                split: SplitParams::from_params(&params),
                cat: crate::split::CatParams::from_params(&params),
                colsample_bynode: 1.0,
                subtraction: true,
                monotone: Vec::new(),
                interactions: Interactions::default(),
            };
            let input = GrowInput {
                matrix: &matrix,
                grads: &grads,
                features: &features,
                total_rows: matrix.rows,
                rng_stream: [0, 0, 0],
                seed: 0,
                quant: None,
            };
            let mut ws = Workspace::new(&matrix);
            let grown = grow(&input, &cfg, &mut ws, &exec);
            let leaves = grown.tree.num_leaves();
            assert_eq!(grown.leaves.len(), leaves);
            assert!(leaves > 3 && (max_leaves == 0 || leaves <= max_leaves));
            let mut seen = vec![false; x.nrows()];
            for (_, range, value) in &grown.leaves {
                for &row in ws.partition.rows(range.clone()) {
                    assert!(!std::mem::replace(&mut seen[row as usize], true));
                    let features = x.row(row as usize).to_vec();
                    assert_eq!(grown.tree.predict_row(&features), *value);
                }
            }
            assert!(seen.iter().all(|&s| s), "every row is in one leaf");
        }
    }

    /// Leaf values below a node, in order.
    fn leaf_values(tree: &Tree, node: usize, out: &mut Vec<f32>) {
        match tree.children(node) {
            Some((l, r)) => {
                leaf_values(tree, l, out);
                leaf_values(tree, r, out);
            }
            None => out.push(tree.value(node)),
        }
    }

    /// Checks XGBoost's bounds below `node`: each leaf within `[lo, hi]`,
    /// and a split on a constrained feature meeting at the midpoint of its
    /// children's values. Returns how many constrained splits it saw.
    fn check_bounds(tree: &Tree, node: usize, mono: &[i8], lo: f32, hi: f32) -> usize {
        let v = tree.value(node);
        assert!(lo <= v && v <= hi, "node {node}: {v} outside [{lo}, {hi}]");
        let Some((l, r)) = tree.children(node) else {
            return 0;
        };
        let (vl, vr) = (tree.value(l), tree.value(r));
        let mid = (vl + vr) / 2.0;
        let tol = 1e-6;
        let (bl, br, seen) = match mono[tree.split_feature(node)] {
            1 => {
                assert!(
                    vl <= vr,
                    "node {node}: {vl} > {vr} on an increasing feature"
                );
                ((lo, mid + tol), (mid - tol, hi), 1)
            }
            -1 => {
                assert!(vl >= vr, "node {node}: {vl} < {vr} on a decreasing feature");
                ((mid - tol, hi), (lo, mid + tol), 1)
            }
            _ => ((lo, hi), (lo, hi), 0),
        };
        seen + check_bounds(tree, l, mono, bl.0, bl.1) + check_bounds(tree, r, mono, br.0, br.1)
    }

    #[test]
    fn monotone_bounds_propagate_to_every_leaf() {
        // Labels rise with feature 1 and fall with feature 2 (plus noise and
        // an interaction), so the constraints bind somewhere.
        let (x, y) = synthetic(3000, 4, Objective::SquaredError, 11);
        let exec = Executor::new(2).unwrap();
        let matrix = BinnedMatrix::new(x.view(), None, &crate::Categories::default(), 64, 0, &exec);
        let grads: Vec<GradPair> = y.iter().map(|&v| GradPair { g: -v, h: 1.0 }).collect();
        let features: Vec<usize> = (0..4).collect();
        let mono = vec![1, 1, -1, 0];
        for (policy, max_depth, max_leaves) in [
            (GrowPolicy::DepthWise, 5, 0),
            (GrowPolicy::LossGuide, 0, 20),
        ] {
            let cfg = GrowConfig {
                policy,
                max_depth,
                max_leaves,
                split: SplitParams::from_params(&Params::default()),
                cat: crate::split::CatParams::from_params(&Params::default()),
                colsample_bynode: 1.0,
                subtraction: true,
                monotone: mono.clone(),
                interactions: Interactions::default(),
            };
            let input = GrowInput {
                matrix: &matrix,
                grads: &grads,
                features: &features,
                total_rows: matrix.rows,
                rng_stream: [0, 0, 0],
                seed: 0,
                quant: None,
            };
            let mut ws = Workspace::new(&matrix);
            let tree = grow(&input, &cfg, &mut ws, &exec).tree;
            let inf = f32::INFINITY;
            let constrained = check_bounds(&tree, 0, &mono, -inf, inf);
            assert!(
                constrained >= 3,
                "{policy:?}: only {constrained} constrained splits"
            );
            // Feature 0 (sin(3x)) is not monotone: its constraint prunes the
            // tree, and the unconstrained tree has some leaf the bounds exclude.
            let free = GrowConfig {
                monotone: Vec::new(),
                interactions: Interactions::default(),
                ..cfg
            };
            let free_tree = grow(&input, &free, &mut ws, &exec).tree;
            let (mut a, mut b) = (Vec::new(), Vec::new());
            leaf_values(&tree, 0, &mut a);
            leaf_values(&free_tree, 0, &mut b);
            assert_ne!(a, b, "{policy:?}: the constraints changed nothing");
        }
    }
}
