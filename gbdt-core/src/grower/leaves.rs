//! The states a leaf of a growing tree goes through, each a type: a plain
//! [`Leaf`], a [`HistLeaf`] holding its histogram, an [`OpenLeaf`] whose
//! best split is known; and the [`Frontier`] that files them.

use std::ops::Range;

use crate::histogram::{BinStat, HistBin, HistPool};
use crate::split::{Bounds, Candidate};

/// A node of the growing tree that is a leaf for now: where its rows are
/// and what their gradients sum to.
pub(super) struct Leaf {
    pub node: usize,
    /// This rank's rows of the leaf, in the partition.
    pub range: Range<usize>,
    /// The leaf's rows over every rank (`range.len()` on one process).
    pub rows: usize,
    pub depth: usize,
    pub sum: BinStat,
    /// Its weight's bounds from monotone constraints ([`Bounds::NONE`]
    /// when none is set).
    pub bounds: Bounds,
    /// The features split on from the root to here, sorted and distinct;
    /// empty when no interaction constraint is set.
    pub path: Vec<u32>,
}

impl Leaf {
    pub fn with_hist<B>(self, hist: Vec<B>) -> HistLeaf<B> {
        HistLeaf { leaf: self, hist }
    }
}

/// A leaf that may split, holding its histogram (being built, or built).
pub(super) struct HistLeaf<B> {
    pub leaf: Leaf,
    pub hist: Vec<B>,
}

/// A leaf with its histogram and its best split, if it has one.
pub(super) type Found<B> = (HistLeaf<B>, Option<Candidate>);

/// A leaf whose best split is known, waiting to be split.
pub(super) struct OpenLeaf<B> {
    pub leaf: Leaf,
    pub hist: Vec<B>,
    pub best: Candidate,
}

/// Where a growing tree's leaves stand: waiting to split, or final.
pub(super) struct Frontier<B> {
    pub open: Vec<OpenLeaf<B>>,
    pub done: Vec<Leaf>,
}

impl<B: HistBin> Frontier<B> {
    /// Files each leaf under `open` when it has a split, else under `done`
    /// (its histogram goes back to the pool).
    pub fn settle(&mut self, found: Vec<Found<B>>, pool: &mut HistPool<B>) {
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
    pub fn finish(self, pool: &mut HistPool<B>) -> Vec<Leaf> {
        let mut done = self.done;
        for open in self.open {
            pool.give(open.hist);
            done.push(open.leaf);
        }
        done
    }
}
