//! The bin types a tree grows on, behind one trait: float sums of the
//! exact gradients ([`BinStat`]), or integer sums of quantized gradients
//! ([`PackedBin`], 64-bit). The grower is one generic driver over
//! [`Accum`]; this says where each type's per-row values, scale and
//! buffers are. Integer histograms of mid-sized nodes are built in 32-bit
//! bins ([`PackedBin32`], half the cache footprint) and widened, as LightGBM
//! picks the bin width per leaf from its row count.

use std::ops::Range;

use super::scan::build_ranges;
use super::{GrowInput, Workspace};
use crate::collective::Collective;
use crate::histogram::{BinStat, HistBin, HistPool, PackedBin, PackedBin32, QuantScale};
use crate::objective::GradPair;
use crate::parallel::Executor;
use crate::partition::RowPartition;

/// A tree's quantized gradients (see `booster/quantize.rs`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct QuantRows<'a> {
    /// This tree's output's quantized gradients, one per row.
    pub rows: &'a [PackedBin],
    /// What one integer unit of this tree's output is worth.
    pub scale: QuantScale,
    /// Levels of the hessian (`num_grad_quant_bins`): a node's sums are
    /// at most its rows times this.
    pub levels: usize,
    /// Recompute leaf values from the exact gradients.
    pub renew_leaf: bool,
}

impl QuantRows<'_> {
    fn of<'a>(input: &GrowInput<'a>) -> QuantRows<'a> {
        input
            .quant
            .expect("integer histograms only grow with quantized gradients")
    }
}

/// Buffers of one bin type, reused across trees: row values gathered in
/// partition order, and histograms.
pub(super) struct Buffers<B: HistBin> {
    pub ordered: Vec<B::Row>,
    pub pool: HistPool<B>,
}

impl<B: HistBin> Buffers<B> {
    /// Empty until first used, so an unused type costs nothing.
    pub fn new(bins: usize) -> Buffers<B> {
        Buffers {
            ordered: Vec::new(),
            pool: HistPool::new(bins),
        }
    }
}

/// A bin type the grower can run on.
pub(super) trait Accum: HistBin {
    /// Row `at`'s value for this tree.
    fn row(input: &GrowInput<'_>, at: usize) -> Self::Row;
    /// Every row's value in row order, when this type keeps them so (then
    /// a node holding every row, the root, needs no gather).
    fn in_row_order<'a>(input: &GrowInput<'a>) -> Option<&'a [Self::Row]>;
    /// What turns this tree's bins into gradient units.
    fn scale(input: &GrowInput<'_>) -> Self::Scale;
    /// The partition and this type's buffers, borrowed apart.
    fn buffers(ws: &mut Workspace) -> (&RowPartition, &mut Buffers<Self>);

    /// Builds the histograms of nodes (row ranges in the partition, sorted).
    fn build(
        input: &GrowInput<'_>,
        ws: &mut Workspace,
        par: &Executor,
        jobs: Vec<(Range<usize>, &mut [Self])>,
    ) {
        build_ranges(input, ws, par, jobs);
    }
}

impl Accum for BinStat {
    #[inline(always)]
    fn row(input: &GrowInput<'_>, at: usize) -> Self::Row {
        input.grads[at]
    }

    fn in_row_order<'a>(input: &GrowInput<'a>) -> Option<&'a [GradPair]> {
        Some(input.grads)
    }

    fn scale(_: &GrowInput<'_>) {}

    fn buffers(ws: &mut Workspace) -> (&RowPartition, &mut Buffers<Self>) {
        (&ws.partition, &mut ws.float)
    }
}

impl Accum for PackedBin {
    #[inline(always)]
    fn row(input: &GrowInput<'_>, at: usize) -> Self::Row {
        QuantRows::of(input).rows[at]
    }

    fn in_row_order<'a>(input: &GrowInput<'a>) -> Option<&'a [PackedBin]> {
        Some(QuantRows::of(input).rows)
    }

    fn scale(input: &GrowInput<'_>) -> QuantScale {
        QuantRows::of(input).scale
    }

    fn buffers(ws: &mut Workspace) -> (&RowPartition, &mut Buffers<Self>) {
        (&ws.partition, &mut ws.quant)
    }

    /// Nodes whose sums fit 16 bits are built in narrow bins, then widened,
    /// when that pays: the narrow kernel saved about 7% per row and feature
    /// (80k-row binary profile) while widening costs a pass over every bin,
    /// so only nodes with rows × features >= 16 × bins.
    fn build(
        input: &GrowInput<'_>,
        ws: &mut Workspace,
        par: &Executor,
        jobs: Vec<(Range<usize>, &mut [PackedBin])>,
    ) {
        let levels = QuantRows::of(input).levels as u64;
        let (features, bins) = (
            input.features.len() as u64,
            input.matrix.total_bins() as u64,
        );
        let fits = |r: &Range<usize>| {
            let rows = r.len() as u64;
            rows * levels <= PackedBin32::MAX_SUM && rows * features >= 16 * bins
        };
        let (small, large): (Vec<_>, Vec<_>) = jobs.into_iter().partition(|j| fits(&j.0));
        build_ranges(input, ws, par, large);
        if small.is_empty() {
            return;
        }
        let mut narrow: Vec<Vec<PackedBin32>> =
            small.iter().map(|_| ws.narrow.pool.take()).collect();
        let narrow_jobs = small
            .iter()
            .zip(narrow.iter_mut())
            .map(|(j, h)| (j.0.clone(), &mut h[..]))
            .collect();
        build_ranges(input, ws, par, narrow_jobs);
        for ((_, wide), built) in small.into_iter().zip(narrow) {
            for (w, n) in wide.iter_mut().zip(&built) {
                *w = n.widen();
            }
            ws.narrow.pool.give(built);
        }
    }
}

impl Accum for PackedBin32 {
    #[inline(always)]
    fn row(input: &GrowInput<'_>, at: usize) -> Self::Row {
        PackedBin32::narrow(QuantRows::of(input).rows[at])
    }

    fn in_row_order<'a>(_: &GrowInput<'a>) -> Option<&'a [PackedBin32]> {
        None
    }

    fn scale(input: &GrowInput<'_>) -> QuantScale {
        QuantRows::of(input).scale
    }

    fn buffers(ws: &mut Workspace) -> (&RowPartition, &mut Buffers<Self>) {
        (&ws.partition, &mut ws.narrow)
    }
}

/// A bin type whose histograms ranks add together: after a rank builds
/// its nodes' histograms from its rows, every rank holds the sums over
/// every rank's rows. Integer bins add exactly; float bins add in rank
/// order, the same on every rank.
pub(super) trait Shared: Accum {
    /// Replaces every histogram by its sum over the ranks of `c`.
    fn all_reduce(c: &dyn Collective, hists: &mut [&mut [Self]]);
}

impl Shared for BinStat {
    fn all_reduce(c: &dyn Collective, hists: &mut [&mut [BinStat]]) {
        if c.size() == 1 {
            return;
        }
        let mut flat: Vec<f64> = hists
            .iter()
            .flat_map(|h| h.iter().flat_map(|b| [b.g, b.h]))
            .collect();
        c.sum_f64(&mut flat);
        let mut words = flat.chunks_exact(2);
        for bin in hists.iter_mut().flat_map(|h| h.iter_mut()) {
            let w = words.next().expect("one pair per bin");
            *bin = BinStat { g: w[0], h: w[1] };
        }
    }
}

impl Shared for PackedBin {
    fn all_reduce(c: &dyn Collective, hists: &mut [&mut [PackedBin]]) {
        if c.size() == 1 {
            return;
        }
        let mut flat: Vec<i64> = hists.iter().flat_map(|h| h.iter().map(|b| b.0)).collect();
        c.sum_i64(&mut flat);
        for (bin, w) in hists.iter_mut().flat_map(|h| h.iter_mut()).zip(flat) {
            *bin = PackedBin(w);
        }
    }
}
