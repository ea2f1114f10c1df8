//! The trees of a model prepared for TreeSHAP, and the per-row kernel.

use super::leaf::{leaf_shap, LeafScratch, LeafTable};
use super::paths::{low_bits, TreePaths};
use crate::model::Model;
use crate::parallel::Executor;

/// Leaves with more distinct features than this are explained without a
/// table (a table has `2^d` entries of 16 bytes).
pub(crate) const MAX_TABLE_BITS: u32 = 12;

/// At most this many table entries for the whole model (64 MiB); trees past
/// it are explained without tables. The choice depends on the model only,
/// never on the rows or threads, so results are reproducible.
pub(crate) const TABLE_BUDGET: usize = 1 << 22;

/// Marks a leaf without a table.
const NO_TABLE: u32 = u32::MAX;

/// One tree: its paths, and a table per leaf where it pays.
struct ShapTree {
    paths: TreePaths,
    /// Offset of each leaf's table in `tables`, or `NO_TABLE`.
    table_at: Vec<u32>,
    tables: Vec<[f64; 2]>,
    /// The distinct features the tree splits on (global indices).
    local: Vec<u32>,
    /// For every entry of `paths.features`: its index in `local`.
    slot_local: Vec<u32>,
    /// Output (class) the tree adds to.
    output: usize,
}

/// Leaves add into this many interleaved accumulators, merged once per tree
/// and row: consecutive leaves share features (all share the root's), and
/// one accumulator would chain every add through memory.
const LANES: usize = 4;

/// Everything needed to explain rows with a model's first rounds.
pub(crate) struct ShapForest {
    trees: Vec<ShapTree>,
    /// Per output: base margin + expected value of its trees.
    bias: Vec<f64>,
    num_features: usize,
    max_nodes: usize,
    max_slots: usize,
    max_local: usize,
}

/// Reusable buffers for one block of rows.
pub(crate) struct Scratch {
    left: Vec<bool>,
    masks: Vec<u64>,
    ones: Vec<bool>,
    leaf: LeafScratch,
    /// `LANES` accumulators of one tree's features, zero between trees.
    lanes: Vec<f64>,
}

impl ShapForest {
    /// Prepares the first `rounds` rounds of `model`, trees in parallel.
    /// `table_budget` caps the total table entries (0: no tables).
    pub fn new(model: &Model, rounds: usize, table_budget: usize, exec: &Executor) -> Self {
        let k = model.num_outputs();
        let trees = &model.trees()[..rounds * k];
        let paths = exec.map_range(trees.len(), |t| TreePaths::new(&trees[t]));
        let mut budget = table_budget;
        let mut shap: Vec<ShapTree> = paths
            .into_iter()
            .enumerate()
            .map(|(t, paths)| plan_tables(paths, t % k, &mut budget))
            .collect();
        exec.for_each_mut(&mut shap, |_, tree| fill_tables(tree));
        let mut bias = model.base_margins().to_vec();
        for tree in &shap {
            bias[tree.output] += tree.paths.expected;
        }
        let max_nodes = shap.iter().map(|t| t.paths.nodes).max();
        let max_slots = shap.iter().flat_map(|t| &t.paths.leaves).map(|l| l.slots);
        ShapForest {
            max_slots: max_slots.max().unwrap_or(0) as usize,
            max_nodes: max_nodes.unwrap_or(0),
            max_local: shap.iter().map(|t| t.local.len()).max().unwrap_or(0),
            trees: shap,
            bias,
            num_features: model.num_features(),
        }
    }

    /// Buffers sized for this forest.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            left: vec![false; self.max_nodes],
            masks: vec![0; self.max_nodes],
            ones: vec![false; self.max_slots],
            leaf: LeafScratch::new(self.max_slots),
            lanes: vec![0.0; LANES * self.max_local],
        }
    }

    /// Writes the contributions of `rows` (row-major, `num_features` each)
    /// into `out` (row-major, `outputs × (num_features + 1)` each). Trees
    /// in the outer loop keep one tree's tables in cache for all rows.
    pub fn explain_block(&self, rows: &[f32], out: &mut [f64], scratch: &mut Scratch) {
        let f = self.num_features;
        let width = self.bias.len() * (f + 1);
        out.fill(0.0);
        for out_row in out.chunks_exact_mut(width) {
            for (o, &b) in self.bias.iter().enumerate() {
                out_row[o * (f + 1) + f] = b;
            }
        }
        if f == 0 {
            return; // no feature to credit (and no split to route)
        }
        for tree in &self.trees {
            for (row, out_row) in rows.chunks_exact(f).zip(out.chunks_exact_mut(width)) {
                let block = &mut out_row[tree.output * (f + 1)..][..f];
                explain_tree(tree, row, block, scratch);
            }
        }
    }
}

/// Decides which leaves of a tree get a table, taking from `budget`.
fn plan_tables(paths: TreePaths, output: usize, budget: &mut usize) -> ShapTree {
    let mut next = 0usize;
    let table_at = paths
        .leaves
        .iter()
        .map(|leaf| {
            let len = LeafTable::len(leaf.slots.min(MAX_TABLE_BITS) as usize);
            if leaf.slots > MAX_TABLE_BITS || len > *budget || next + len > u32::MAX as usize {
                return NO_TABLE;
            }
            *budget -= len;
            next += len;
            (next - len) as u32
        })
        .collect();
    let mut local: Vec<u32> = paths.splits.iter().map(|s| s.feature).collect();
    local.sort_unstable();
    local.dedup();
    let slot_local = paths
        .features
        .iter()
        .map(|f| local.binary_search(f).unwrap_or(0) as u32)
        .collect();
    ShapTree {
        paths,
        table_at,
        tables: vec![[0.0; 2]; next],
        local,
        slot_local,
        output,
    }
}

/// Computes the planned tables of a tree.
fn fill_tables(tree: &mut ShapTree) {
    let ShapTree {
        paths,
        table_at,
        tables,
        ..
    } = tree;
    for (leaf, &at) in paths.leaves.iter().zip(table_at.iter()) {
        if at != NO_TABLE {
            let (_, zeros) = paths.leaf_slots(leaf);
            let len = LeafTable::len(zeros.len());
            LeafTable::build(leaf.value, zeros, &mut tables[at as usize..][..len]);
        }
    }
}

/// Adds one tree's contributions for one row to `phi` (one per feature).
#[inline]
fn explain_tree(tree: &ShapTree, row: &[f32], phi: &mut [f64], scratch: &mut Scratch) {
    let paths = &tree.paths;
    let left = &mut scratch.left[..paths.nodes];
    let masks = &mut scratch.masks[..paths.nodes];
    paths.route(row, left, masks);
    let n = tree.local.len();
    let lanes = &mut scratch.lanes[..LANES * n];
    for (i, (leaf, &at)) in paths.leaves.iter().zip(&tree.table_at).enumerate() {
        let start = leaf.slot_start as usize;
        let d = leaf.slots as usize;
        let slot_local = &tree.slot_local[start..start + d];
        let lane = &mut lanes[(i % LANES) * n..][..n];
        let add = |slot: usize, v: f64| lane[slot_local[slot] as usize] += v;
        if at != NO_TABLE {
            let mask = masks[leaf.node as usize] & low_bits(leaf.slots);
            let table = &tree.tables[at as usize..][..LeafTable::len(d)];
            LeafTable::eval(table, d, mask, add);
        } else {
            let ones = &mut scratch.ones[..d];
            paths.agreement_into(leaf, left, ones);
            let (_, zeros) = paths.leaf_slots(leaf);
            leaf_shap(leaf.value, zeros, ones, &mut scratch.leaf, add);
        }
    }
    let (l0, rest) = lanes.split_at_mut(n);
    let (l1, rest) = rest.split_at_mut(n);
    let (l2, l3) = rest.split_at_mut(n);
    for (j, &feature) in tree.local.iter().enumerate() {
        phi[feature as usize] += (l0[j] + l1[j]) + (l2[j] + l3[j]);
        (l0[j], l1[j], l2[j], l3[j]) = (0.0, 0.0, 0.0, 0.0);
    }
}
