//! The trees of a model prepared for TreeSHAP, and the per-row kernel.

use std::ops::Range;

use super::leaf::{leaf_shap, LeafScratch, LeafTable};
use super::paths::{low_bits, TreePaths};
use crate::model::Model;
use crate::parallel::Executor;

/// Leaves with more distinct features than this are explained without a
/// table (a table has `2^d` entries of 16 bytes).
pub(crate) const MAX_TABLE_BITS: u32 = 12;
const _: () = assert!(MAX_TABLE_BITS <= 16, "LeafTable::build keeps 16 weights");

/// At most this many table entries live at once (64 MiB): trees are
/// explained in consecutive groups whose tables fit (a tree whose tables
/// alone exceed it forms its own group). Groups do not change the order in
/// which a row adds up its trees, so results never depend on the budget or
/// the threads.
pub(crate) const TABLE_BUDGET: usize = 1 << 22;

/// Marks a leaf without a table.
const NO_TABLE: u32 = u32::MAX;

/// One tree: its paths, and a table per leaf where it pays.
struct ShapTree {
    paths: TreePaths,
    /// Offset of each leaf's table in `tables`, or `NO_TABLE`.
    table_at: Vec<u32>,
    /// Entries of all the tree's tables.
    table_len: usize,
    /// The tables while the tree's group runs, else empty.
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
    /// Prepares the first `rounds` rounds of `model`, trees in parallel,
    /// to explain `rows` rows (0: no tables). Leaves get a table (built
    /// later by [`ShapForest::build_tables`]) where it pays, see
    /// [`wants_table`].
    pub fn new(model: &Model, rounds: usize, rows: usize, exec: &Executor) -> Self {
        let k = model.num_outputs();
        let trees = &model.trees()[..rounds * k];
        let shap = exec.map_range(trees.len(), |t| {
            plan_tables(TreePaths::new(&trees[t]), t % k, rows)
        });
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

    /// Splits the trees into consecutive groups whose tables hold at most
    /// `budget` entries together (a group has at least one tree).
    pub fn groups(&self, budget: usize) -> Vec<Range<usize>> {
        let mut groups = Vec::new();
        let (mut start, mut used) = (0, 0usize);
        for (t, tree) in self.trees.iter().enumerate() {
            if t > start && used + tree.table_len > budget {
                groups.push(start..t);
                (start, used) = (t, 0);
            }
            used += tree.table_len;
        }
        if start < self.trees.len() {
            groups.push(start..self.trees.len());
        }
        groups
    }

    /// Computes the tables of the trees in `group`, trees in parallel.
    pub fn build_tables(&mut self, group: Range<usize>, exec: &Executor) {
        exec.for_each_mut(&mut self.trees[group], |_, tree| fill_tables(tree));
    }

    /// Frees the tables of the trees in `group`.
    pub fn drop_tables(&mut self, group: Range<usize>) {
        for tree in &mut self.trees[group] {
            tree.tables = Vec::new();
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

    /// Writes each row's bias columns into `out` (row-major,
    /// `outputs × (num_features + 1)` per row), zeroes the rest.
    pub fn write_bias(&self, out: &mut [f64]) {
        let f = self.num_features;
        out.fill(0.0);
        for out_row in out.chunks_exact_mut(self.bias.len() * (f + 1)) {
            for (o, &b) in self.bias.iter().enumerate() {
                out_row[o * (f + 1) + f] = b;
            }
        }
    }

    /// Adds the contributions of the trees in `group` for `rows`
    /// (row-major, `num_features` each) to `out` (laid out as in
    /// [`ShapForest::write_bias`]). Trees in the outer loop keep one tree's
    /// tables in cache for all rows.
    pub fn explain_block(
        &self,
        group: Range<usize>,
        rows: &[f32],
        out: &mut [f64],
        scratch: &mut Scratch,
    ) {
        let f = self.num_features;
        if f == 0 {
            return; // no feature to credit (and no split to route)
        }
        let width = self.bias.len() * (f + 1);
        for tree in &self.trees[group] {
            for (row, out_row) in rows.chunks_exact(f).zip(out.chunks_exact_mut(width)) {
                let block = &mut out_row[tree.output * (f + 1)..][..f];
                explain_tree(tree, row, block, scratch);
            }
        }
    }
}

/// True when a leaf with `d` distinct features should get a table to
/// explain `rows` rows: building it costs about `2 d 2^d` additions, and
/// it saves `O(d^2)` work per row that measures about `6 d^2` additions
/// (with d = 6 a table pays from 4 rows on). So a single row skips
/// tables, and a row's values may differ in the last bits between batch
/// sizes (never between thread counts).
pub(crate) fn wants_table(d: u32, rows: usize) -> bool {
    d <= MAX_TABLE_BITS && (1usize << d) <= rows.saturating_mul(3 * d as usize)
}

/// Decides which leaves of a tree get a table, and where.
fn plan_tables(paths: TreePaths, output: usize, rows: usize) -> ShapTree {
    let mut next = 0usize;
    let table_at = paths
        .leaves
        .iter()
        .map(|leaf| {
            if !wants_table(leaf.slots, rows)
                || next + LeafTable::len(leaf.slots as usize) > u32::MAX as usize
            {
                return NO_TABLE;
            }
            next += LeafTable::len(leaf.slots as usize);
            (next - LeafTable::len(leaf.slots as usize)) as u32
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
        table_len: next,
        tables: Vec::new(),
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
        table_len,
        ..
    } = tree;
    *tables = vec![[0.0; 2]; *table_len];
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
    // Merge the LANES (= 4) accumulators into `phi` and clear them.
    let (l0, rest) = lanes.split_at_mut(n);
    let (l1, rest) = rest.split_at_mut(n);
    let (l2, l3) = rest.split_at_mut(n);
    for (j, &feature) in tree.local.iter().enumerate() {
        phi[feature as usize] += (l0[j] + l1[j]) + (l2[j] + l3[j]);
        (l0[j], l1[j], l2[j], l3[j]) = (0.0, 0.0, 0.0, 0.0);
    }
}
