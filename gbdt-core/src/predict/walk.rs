//! The one walk kernel: a block of rows through every tree of a forest.
//!
//! Per tree, every row first takes the steps that (nearly) no row can skip
//! in lockstep, with no bookkeeping (see `forest::lockstep`); then only the
//! rows not yet at a leaf take further steps, their indices compacted
//! after each level. So a deep leaf-wise tree costs the rows'
//! real depths, not its deepest leaf's, and the loops stay free of
//! data-dependent branches.

use crate::tree::FlatNode;

use super::BLOCK;

/// Rows whose nodes the lockstep walk keeps in registers.
pub(super) const GROUP: usize = 8;

// The walk keeps a block's unfinished rows as `u16` indices.
const _: () = assert!(BLOCK <= 1 << 16);

/// Row `r`'s cells in a block of rows `cells` with `w` cells a row, laid
/// out in groups of `S` rows, cell-major within a group: cell `c` of the
/// row is `row[c * S]`. `S == 1` is row-major; `S == GROUP` lets the
/// lockstep walk address a group's rows from one base.
///
/// # Safety
/// `w >= 1` and `cells.len() >= (r / S + 1) * S * w`: `cells` holds the
/// whole group of row `r`.
#[inline(always)]
pub(super) unsafe fn row<const S: usize, C>(cells: &[C], r: usize, w: usize) -> &[C] {
    let base = (r / S) * S * w + r % S;
    // SAFETY: the row's last cell, `base + (w - 1) * S`, is below
    // `(r / S + 1) * S * w`, which the caller promises is in `cells`.
    unsafe { cells.get_unchecked(base..base + (w - 1) * S + 1) }
}

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

/// Bin codes (see `bins`): a numeric node reads the code that sends
/// missing values its way, and its `split` is the bound on that code up to
/// which rows go left; a categorical node reads the category as is.
macro_rules! bin_cell {
    ($t:ty) => {
        impl Cell for $t {
            #[inline(always)]
            fn goes_left(self, nd: &FlatNode) -> bool {
                self as u32 <= nd.split
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

/// How a walk decides at a node, given the row's cells (cell `c` at
/// `row[c * S]`, see [`row`]).
pub(super) trait Decide<C: Cell> {
    /// # Safety
    /// `nd.feature * S < row.len()`.
    unsafe fn goes_left<const S: usize>(&self, nd: &FlatNode, row: &[C]) -> bool;
}

/// Numeric splits only.
pub(super) struct Numeric;

impl<C: Cell> Decide<C> for Numeric {
    #[inline(always)]
    unsafe fn goes_left<const S: usize>(&self, nd: &FlatNode, row: &[C]) -> bool {
        // SAFETY: the caller's promise.
        unsafe { row.get_unchecked(nd.feature as usize * S) }.goes_left(nd)
    }
}

/// Numeric and categorical splits, with a branch on the node's kind; a
/// categorical node costs one bit test in the forest's set words.
pub(super) struct Mixed<'a>(pub &'a [u32]);

impl<C: Cell> Decide<C> for Mixed<'_> {
    #[inline(always)]
    unsafe fn goes_left<const S: usize>(&self, nd: &FlatNode, row: &[C]) -> bool {
        // SAFETY: the caller's promise.
        let cell = unsafe { *row.get_unchecked(nd.feature as usize * S) };
        if !nd.categorical() {
            return cell.goes_left(nd);
        }
        let code = cell.code(nd);
        let word = self.0[nd.words_at() + code / 32];
        (word >> (code % 32)) & 1 == 1
    }
}

/// Where one tree starts and how its rows walk it.
#[derive(Debug, Clone, Copy)]
pub(super) struct TreeSpan {
    pub root: u32,
    /// Steps every row takes in lockstep (at least the depth of the
    /// shallowest leaf; rows at a leaf stay on it).
    pub lockstep: usize,
    /// Depth of the deepest leaf.
    pub depth: usize,
}

/// A forest as the kernel sees it.
pub(super) struct Walk<'a, D> {
    pub decide: D,
    pub nodes: &'a [FlatNode],
    pub values: &'a [f32],
    pub trees: &'a [TreeSpan],
    /// The largest cell index (feature, or code of binned rows) a node
    /// reads (leaves read 0).
    pub max_feature: usize,
}

impl<D> Walk<'_, D> {
    /// Adds the outputs of every tree to `out` (rows × `k`, row-major; tree
    /// `t` to output `t % k`) for the block of up to `BLOCK` rows `cells`
    /// (`f` cells a row, in groups of `S` rows as [`row`] reads them), in
    /// tree order.
    pub fn add<C: Cell, const S: usize>(&self, k: usize, cells: &[C], f: usize, out: &mut [f64])
    where
        D: Decide<C>,
    {
        let n = out.len() / k;
        // What the unchecked reads of `row`, `step`, `active_level` and the
        // sums rely on.
        assert!(GROUP.is_multiple_of(S) && n <= BLOCK && self.max_feature < f);
        assert_eq!(cells.len(), n.next_multiple_of(S) * f);
        assert_eq!(self.values.len(), self.nodes.len());
        let mut at = [0u32; BLOCK];
        let mut active = [0u16; BLOCK];
        for (t, span) in self.trees.iter().enumerate() {
            let at = &mut at[..n];
            at.fill(span.root);
            self.lockstep::<C, S>(span.lockstep, at, cells, f);
            let mut m = match span.lockstep < span.depth {
                true => self.unfinished(at, &mut active),
                false => 0,
            };
            while m > 0 {
                m = self.active_level::<C, S>(at, &mut active[..m], cells, f);
            }
            let class = t % k;
            for (out, &node) in out.chunks_exact_mut(k).zip(&*at) {
                // SAFETY: `class < k`, the length of `out`; every row is
                // at a node (see `step`), and there is a value per node.
                unsafe {
                    *out.get_unchecked_mut(class) +=
                        *self.values.get_unchecked(node as usize) as f64
                };
            }
        }
    }

    /// `steps` steps of every row, `GROUP` rows at a time with their nodes
    /// in registers.
    #[inline(always)]
    fn lockstep<C: Cell, const S: usize>(&self, steps: usize, at: &mut [u32], cells: &[C], f: usize)
    where
        D: Decide<C>,
    {
        let first = at.len() - at.len() % GROUP;
        let mut groups = at.chunks_exact_mut(GROUP);
        for (group, rows) in (&mut groups).zip(cells.chunks_exact(GROUP * f)) {
            let mut nodes: [u32; GROUP] = group.try_into().unwrap_or_else(|_| unreachable!());
            for _ in 0..steps {
                for (j, node) in nodes.iter_mut().enumerate() {
                    // SAFETY: `rows` is a whole group (`S` divides it).
                    *node = self.step::<C, S>(*node, unsafe { row::<S, C>(rows, j, f) });
                }
            }
            group.copy_from_slice(&nodes);
        }
        let rest = groups.into_remainder();
        for _ in 0..steps {
            for (r, node) in (first..).zip(rest.iter_mut()) {
                // SAFETY: `add` checked that `cells` holds the block's rows.
                *node = self.step::<C, S>(*node, unsafe { row::<S, C>(cells, r, f) });
            }
        }
    }

    /// The node after `node` for `row`.
    #[inline(always)]
    fn step<C: Cell, const S: usize>(&self, node: u32, row: &[C]) -> u32
    where
        D: Decide<C>,
    {
        // SAFETY: a walk starts at a root and moves to a child, inside
        // `nodes`; a leaf points at itself and sends every row left (see
        // `FlatNode`), so lockstep steps past a leaf stay on it. `add`
        // checked that every node's feature is below the row length `f`,
        // which `row` covers.
        let nd = unsafe { self.nodes.get_unchecked(node as usize) };
        nd.left + !unsafe { self.decide.goes_left::<S>(nd, row) } as u32
    }

    /// Writes the rows not at a leaf into `active`; returns their number.
    fn unfinished(&self, at: &[u32], active: &mut [u16; BLOCK]) -> usize {
        let mut m = 0;
        for (r, &node) in at.iter().enumerate() {
            active[m] = r as u16;
            m += !self.nodes[node as usize].is_leaf_at(node) as usize;
        }
        m
    }

    /// One step of each row in `active`, which keeps (at its front) those
    /// that did not reach a leaf; returns their number.
    #[inline(always)]
    fn active_level<C: Cell, const S: usize>(
        &self,
        at: &mut [u32],
        active: &mut [u16],
        cells: &[C],
        f: usize,
    ) -> usize
    where
        D: Decide<C>,
    {
        let mut m = 0;
        for i in 0..active.len() {
            let r = active[i] as usize;
            // SAFETY: `active` holds rows of the block, `r < at.len()`,
            // whose cells `add` checked; the nodes and features as in
            // `step`.
            let (nd, row) = unsafe {
                let nd = self.nodes.get_unchecked(*at.get_unchecked(r) as usize);
                (nd, row::<S, C>(cells, r, f))
            };
            let right = !unsafe { self.decide.goes_left::<S>(nd, row) };
            // SAFETY: `r < at.len()` as above, and `m <= i < active.len()`.
            unsafe {
                *at.get_unchecked_mut(r) = nd.left + right as u32;
                *active.get_unchecked_mut(m) = r as u16;
            }
            m += !nd.child_is_leaf(right) as usize;
        }
        m
    }
}
