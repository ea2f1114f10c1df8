//! The one walk kernel: a block of rows through every tree of a forest.
//!
//! Per tree, every row first takes the steps that no row can skip (the
//! depth of the tree's shallowest leaf) in lockstep, with no bookkeeping;
//! then only the rows not yet at a leaf take further steps, their indices
//! compacted after each level. So a deep leaf-wise tree costs the rows'
//! real depths, not its deepest leaf's, and the loops stay free of
//! data-dependent branches.

use crate::tree::FlatNode;

use super::BLOCK;

/// A row cell a node decides on: a raw value or a bin code.
pub(super) trait Cell: Copy {
    /// True when a row with this value goes left at the numeric node `nd`.
    fn goes_left(self, nd: &FlatNode) -> bool;
    /// The category code at the categorical node `nd`: the value when it is
    /// one of the node's `0..n` categories, else `n` (missing and unseen
    /// values, which follow the default direction).
    fn code(self, nd: &FlatNode) -> usize;
}

impl Cell for f32 {
    #[inline(always)]
    fn goes_left(self, nd: &FlatNode) -> bool {
        (self <= nd.threshold()) | (self.is_nan() & nd.default_left())
    }

    #[inline(always)]
    fn code(self, nd: &FlatNode) -> usize {
        let n = nd.threshold();
        if self >= 0.0 && self < n {
            self as usize
        } else {
            n as usize
        }
    }
}

/// Bin codes (see `bins`): 0 for missing, `1 + i` for values between the
/// feature's thresholds `i - 1` and `i`; a categorical feature's code as is.
/// A numeric node's `split` is a bound such that the row goes left when
/// `code - !default_left <= bound` (wrapping, so missing, code 0, goes
/// right unless missing values go left).
macro_rules! bin_cell {
    ($t:ty) => {
        impl Cell for $t {
            #[inline(always)]
            fn goes_left(self, nd: &FlatNode) -> bool {
                (self as u32).wrapping_sub(!nd.default_left() as u32) <= nd.split
            }

            #[inline(always)]
            fn code(self, _: &FlatNode) -> usize {
                self as usize
            }
        }
    };
}
bin_cell!(u8);
bin_cell!(u16);

/// How a walk decides at a node, given the row's cells.
pub(super) trait Decide<C: Cell> {
    fn goes_left(&self, nd: &FlatNode, row: &[C]) -> bool;
}

/// Numeric splits only.
pub(super) struct Numeric;

impl<C: Cell> Decide<C> for Numeric {
    #[inline(always)]
    fn goes_left(&self, nd: &FlatNode, row: &[C]) -> bool {
        row[nd.feature as usize].goes_left(nd)
    }
}

/// Numeric and categorical splits, with a branch on the node's kind; a
/// categorical node costs one bit test in the forest's set words.
pub(super) struct Mixed<'a>(pub &'a [u32]);

impl<C: Cell> Decide<C> for Mixed<'_> {
    #[inline(always)]
    fn goes_left(&self, nd: &FlatNode, row: &[C]) -> bool {
        let cell = row[nd.feature as usize];
        if !nd.categorical() {
            return cell.goes_left(nd);
        }
        let code = cell.code(nd);
        let word = self.0[nd.words_at() + code / 32];
        (word >> (code % 32)) & 1 == 1
    }
}

/// Where one tree starts and how deep its leaves are.
#[derive(Debug, Clone, Copy)]
pub(super) struct TreeSpan {
    pub root: u32,
    /// Depth of the shallowest leaf: steps every row takes.
    pub min_depth: usize,
}

/// A forest as the kernel sees it.
pub(super) struct Walk<'a, D> {
    pub decide: D,
    pub nodes: &'a [FlatNode],
    pub values: &'a [f32],
    pub trees: &'a [TreeSpan],
}

impl<D> Walk<'_, D> {
    /// Adds the outputs of every tree to `out` (rows × `k`, row-major; tree
    /// `t` to output `t % k`) for the block of up to `BLOCK` rows `cells`
    /// (rows × `f`, row-major), in tree order.
    pub fn add<C: Cell>(&self, k: usize, cells: &[C], f: usize, out: &mut [f64])
    where
        D: Decide<C>,
    {
        let n = out.len() / k;
        debug_assert!(n <= BLOCK && cells.len() == n * f);
        let mut at = [0u32; BLOCK];
        let mut active = [0u8; BLOCK];
        for (t, span) in self.trees.iter().enumerate() {
            let at = &mut at[..n];
            at.fill(span.root);
            for _ in 0..span.min_depth {
                self.level(at, cells, f);
            }
            let mut m = self.unfinished(at, &mut active);
            while m > 0 {
                m = self.active_level(at, &mut active[..m], cells, f);
            }
            let class = t % k;
            for (r, node) in at.iter().enumerate() {
                out[r * k + class] += self.values[*node as usize] as f64;
            }
        }
    }

    /// One step of every row.
    #[inline(always)]
    fn level<C: Cell>(&self, at: &mut [u32], cells: &[C], f: usize)
    where
        D: Decide<C>,
    {
        for (node, row) in at.iter_mut().zip(cells.chunks_exact(f)) {
            let nd = &self.nodes[*node as usize];
            *node = nd.left + !self.decide.goes_left(nd, row) as u32;
        }
    }

    /// Writes the rows not at a leaf into `active`; returns their number.
    fn unfinished(&self, at: &[u32], active: &mut [u8; BLOCK]) -> usize {
        let mut m = 0;
        for (r, &node) in at.iter().enumerate() {
            active[m] = r as u8;
            m += !self.nodes[node as usize].is_leaf_at(node) as usize;
        }
        m
    }

    /// One step of each row in `active`, which keeps (at its front) those
    /// that did not reach a leaf; returns their number.
    #[inline(always)]
    fn active_level<C: Cell>(&self, at: &mut [u32], active: &mut [u8], cells: &[C], f: usize) -> usize
    where
        D: Decide<C>,
    {
        let mut m = 0;
        for i in 0..active.len() {
            let r = active[i] as usize;
            let nd = &self.nodes[at[r] as usize];
            let right = !self.decide.goes_left(nd, &cells[r * f..r * f + f]);
            at[r] = nd.left + right as u32;
            active[m] = r as u8;
            m += !nd.child_is_leaf(right) as usize;
        }
        m
    }
}
