//! The two bin types a tree grows on, behind one trait: float sums of the
//! exact gradients ([`BinStat`]), or integer sums of quantized gradients
//! ([`PackedBin`]). The grower is one generic driver over [`Accum`]; this
//! says where each type's per-row values, scale and buffers are.

use super::{GrowInput, Workspace};
use crate::histogram::{BinStat, HistBin, HistPool, PackedBin, QuantScale};
use crate::partition::RowPartition;

/// A tree's quantized gradients (see `booster/quantize.rs`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct QuantRows<'a> {
    /// Row-major like the exact gradients, the same stride.
    pub rows: &'a [PackedBin],
    /// What one integer unit of this tree's output is worth.
    pub scale: QuantScale,
    /// Recompute leaf values from the exact gradients.
    pub renew_leaf: bool,
}

/// Buffers of one bin type, reused across trees: gradients gathered in
/// partition order, and histograms.
pub(super) struct Buffers<B: HistBin> {
    pub ordered: Vec<B::Row>,
    pub pool: HistPool<B>,
}

impl<B: HistBin> Buffers<B> {
    /// Empty until first used, so the unused type costs nothing.
    pub fn new(bins: usize) -> Buffers<B> {
        Buffers {
            ordered: Vec::new(),
            pool: HistPool::new(bins),
        }
    }
}

/// A bin type the grower can run on.
pub(super) trait Accum: HistBin {
    /// Every row's value for this tree (row-major, `input.stride` per row)
    /// and the tree's scale.
    fn source<'a>(input: &GrowInput<'a>) -> (&'a [Self::Row], Self::Scale);
    /// The partition and this type's buffers, borrowed apart.
    fn buffers(ws: &mut Workspace) -> (&RowPartition, &mut Buffers<Self>);
}

impl Accum for BinStat {
    fn source<'a>(input: &GrowInput<'a>) -> (&'a [Self::Row], ()) {
        (input.grads, ())
    }

    fn buffers(ws: &mut Workspace) -> (&RowPartition, &mut Buffers<Self>) {
        (&ws.partition, &mut ws.float)
    }
}

impl Accum for PackedBin {
    fn source<'a>(input: &GrowInput<'a>) -> (&'a [Self::Row], QuantScale) {
        let q = input
            .quant
            .expect("integer histograms only grow with quantized gradients");
        (q.rows, q.scale)
    }

    fn buffers(ws: &mut Workspace) -> (&RowPartition, &mut Buffers<Self>) {
        (&ws.partition, &mut ws.quant)
    }
}
