//! Gradient histograms: per node, per feature, per bin, the sums of
//! gradients and hessians. Built for the smaller child only; the sibling is
//! the parent minus that child.
//!
//! One kernel serves every bin type ([`HistBin`]): [`BinStat`] sums float
//! gradients, [`PackedBin`] (`packed.rs`) sums quantized ones as integers.
//! Small nodes of large matrices read the bins by rows (`rowwise.rs`).

mod packed;
mod pool;
mod rowwise;

pub(crate) use packed::{PackedBin, PackedBin32, QuantScale};
pub(crate) use pool::HistPool;

use crate::binning::{BinId, BinnedMatrix, Bins};
use crate::objective::GradPair;
use crate::parallel::{worth_parallel, Executor};
use rowwise::RowTask;

/// A histogram bin: what one row adds to it, how bins add and subtract, and
/// what it is in gradient units for the split scan.
pub(crate) trait HistBin:
    Copy + Default + PartialEq + Send + Sync + std::fmt::Debug
{
    /// One row's contribution.
    type Row: Copy + Default + Send + Sync;
    /// What turns a bin into gradient units.
    type Scale: Copy + Send + Sync;
    /// Sums are exact (integers), so they do not depend on the order of
    /// the adds: a node's rows may be summed in parts and the parts added.
    const EXACT: bool;
    fn add(&mut self, row: Self::Row);
    fn plus(self, o: Self) -> Self;
    fn minus(self, o: Self) -> Self;
    fn stat(self, scale: Self::Scale) -> BinStat;

    /// Bins in gradient units: converted into `buf`, or `hist` itself when
    /// it already is.
    fn stats<'a>(hist: &'a [Self], scale: Self::Scale, buf: &'a mut Vec<BinStat>) -> &'a [BinStat] {
        buf.clear();
        buf.extend(hist.iter().map(|b| b.stat(scale)));
        buf
    }
}

/// Gradient and hessian sums of one bin (or of a node).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C)]
pub(crate) struct BinStat {
    pub g: f64,
    pub h: f64,
}

impl BinStat {
    #[inline(always)]
    pub fn add(&mut self, p: GradPair) {
        self.g += p.g as f64;
        self.h += p.h as f64;
    }

    pub fn plus(self, o: BinStat) -> BinStat {
        BinStat {
            g: self.g + o.g,
            h: self.h + o.h,
        }
    }

    pub fn minus(self, o: BinStat) -> BinStat {
        BinStat {
            g: self.g - o.g,
            h: self.h - o.h,
        }
    }
}

impl HistBin for BinStat {
    type Row = GradPair;
    type Scale = ();
    const EXACT: bool = false;

    #[inline(always)]
    fn add(&mut self, p: GradPair) {
        BinStat::add(self, p);
    }

    fn plus(self, o: BinStat) -> BinStat {
        BinStat::plus(self, o)
    }

    fn minus(self, o: BinStat) -> BinStat {
        BinStat::minus(self, o)
    }

    fn stat(self, _: ()) -> BinStat {
        self
    }

    fn stats<'a>(hist: &'a [BinStat], _: (), _: &'a mut Vec<BinStat>) -> &'a [BinStat] {
        hist
    }
}

/// One node to build: its rows (indices into the matrix), its gradients in
/// the same order, and its histogram (all features, zeroed).
pub(crate) struct BuildJob<'a, B: HistBin> {
    pub rows: &'a [u32],
    pub grads: &'a [B::Row],
    pub hist: &'a mut [B],
}

/// Builds the histograms of `features` for every job, in parallel over
/// (node, features) tasks: pairs of columns, or for small nodes of a large
/// matrix, groups of features read from its row-major bins
/// (`rowwise.rs`). Each feature of a node is summed by one task in row
/// order, so the sums depend neither on the thread count nor on the way;
/// row-wise nodes are split by rows instead (each row's bins then fetched
/// by one task, not by every task) and the parts added up: integer sums,
/// exact in any order, in one part per thread, float sums of large nodes
/// in two fixed halves, so they depend on the node alone.
pub(crate) fn build<B: HistBin>(
    matrix: &BinnedMatrix,
    features: &[usize],
    jobs: Vec<BuildJob<'_, B>>,
    par: &Executor,
) {
    let rows = matrix.by_row.as_ref();
    match (&matrix.bins, rows.map(|r| (&r.bins, r.start, r.stride))) {
        (Bins::U8(b), Some((Bins::U8(r), at, s))) => {
            build_typed(b, Some((&r[at..], s)), matrix, features, jobs, par)
        }
        (Bins::U16(b), Some((Bins::U16(r), at, s))) => {
            build_typed(b, Some((&r[at..], s)), matrix, features, jobs, par)
        }
        (Bins::U8(b), _) => build_typed(b, None, matrix, features, jobs, par),
        (Bins::U16(b), _) => build_typed(b, None, matrix, features, jobs, par),
    }
}

/// A node reads the row-major bins when it holds at most one row in this
/// many of the matrix: its rows are then so far apart that a column's
/// cache line serves few of them. On the 1M-row benchmarks on an Intel
/// Xeon, nodes of 1/16 to 1/32 of the rows cost the same either way, and
/// on 1/64 nodes rows win 2.7x; on an AMD EPYC (smaller L1 and L2) rows
/// win only 1.46x on 1/64 nodes, and moving this bound from 8 to 32
/// trained 4-17% faster on the six 1M- and 300k-row benchmark rows (the
/// 100k-row credit rows level).
const ROW_WISE_BELOW: usize = 32;

fn row_wise(rows: usize, n: usize) -> bool {
    rows * ROW_WISE_BELOW <= n
}

/// A histogram task: by columns or by rows.
enum Work<'a, T, B: HistBin> {
    Columns(Task<'a, T, B>),
    Rows(RowTask<'a, T, B>),
}

impl<T: BinId, B: HistBin> Work<'_, T, B> {
    /// Rows times features.
    fn cells(&self) -> usize {
        match self {
            Work::Columns(t) => t.rows.len() * (1 + t.second.is_some() as usize),
            Work::Rows(t) => t.cells(),
        }
    }

    fn run(&mut self) {
        match self {
            Work::Columns(t) => t.run(),
            Work::Rows(t) => t.run(),
        }
    }
}

/// One node and one or two features: two features share the loads of the
/// row indices and gradients.
struct Task<'a, T, B: HistBin> {
    rows: &'a [u32],
    grads: &'a [B::Row],
    first: (&'a [T], &'a mut [B]),
    second: Option<(&'a [T], &'a mut [B])>,
}

fn build_typed<T: BinId, B: HistBin>(
    bins: &[T],
    by_row: Option<(&[T], usize)>,
    matrix: &BinnedMatrix,
    features: &[usize],
    mut jobs: Vec<BuildJob<'_, B>>,
    par: &Executor,
) {
    let n = matrix.rows;
    let rows_of = |job: &BuildJob<'_, B>| by_row.filter(|_| row_wise(job.rows.len(), n));
    let parts: Vec<usize> = jobs
        .iter()
        .map(|job| row_parts(job.rows.len() * features.len(), par))
        .collect();
    // A row-wise node is split by rows, into one part per thread (integer
    // sums) or halves (large float nodes): every part after the first sums
    // into a spare histogram, added in at the end in part order.
    let total_bins = matrix.total_bins();
    let spares: Vec<usize> = jobs
        .iter()
        .zip(&parts)
        .map(|(job, &p)| {
            let cells = job.rows.len() * features.len();
            if rows_of(job).is_none() || !spares_pay(cells, total_bins) {
                0
            } else if B::EXACT {
                p - 1
            } else {
                float_row_parts(cells) - 1
            }
        })
        .collect();
    let mut spare: Vec<Vec<B>> = (0..spares.iter().sum())
        .map(|_| vec![B::default(); total_bins])
        .collect();
    let mut spare_iter = spare.iter_mut();
    let mut tasks = Vec::with_capacity(jobs.len() * features.len().div_ceil(2));
    for ((job, &parts), &k) in jobs.iter_mut().zip(&parts).zip(&spares) {
        if let Some(by_row) = rows_of(job) {
            let hists = std::iter::once(&mut *job.hist)
                .chain(spare_iter.by_ref().take(k).map(|h| &mut h[..]))
                .collect();
            // Threads beyond one per part split each part's features.
            let per_part = (parts / (k + 1)).max(1);
            let split = RowTask::split_rows(
                (job.rows, job.grads),
                hists,
                (&matrix.offsets, features),
                by_row,
                per_part,
            );
            tasks.extend(split.into_iter().map(Work::Rows));
            continue;
        }
        let mut slices = feature_slices(&mut *job.hist, &matrix.offsets, features).into_iter();
        while let Some((f, hist)) = slices.next() {
            let column = |f: usize| &bins[f * n..(f + 1) * n];
            tasks.push(Work::Columns(Task {
                rows: job.rows,
                grads: job.grads,
                first: (column(f), hist),
                second: slices.next().map(|(g, h)| (column(g), h)),
            }));
        }
    }
    let work: usize = tasks.iter().map(Work::cells).sum();
    par.for_each_mut_sized(&mut tasks, work, |_, t| t.run());
    drop(tasks);
    let mut spare = spare.iter();
    for (job, &k) in jobs.iter_mut().zip(&spares) {
        spare
            .by_ref()
            .take(k)
            .for_each(|part| add_in_place(job.hist, part));
    }
}

/// A float row-wise node of at least this many rows times features is
/// summed in two halves of its rows, whatever the thread count. With two
/// threads each then fetches half the rows' cache lines, where split by
/// features both fetch all of them (the kernel waits on memory, not on
/// adds): about 5% off leaf-wise training on the 1M-row and 100k-row
/// benchmarks. Fixed, so the float sums do not depend on the threads.
const FLOAT_HALVES_FROM: usize = 16_384;

/// Row parts of a float row-wise node of `cells` rows times features.
fn float_row_parts(cells: usize) -> usize {
    1 + usize::from(cells >= FLOAT_HALVES_FROM)
}

/// Whether a node of `cells` rows times features gains by spare
/// histograms of `bins` bins each: each is zeroed and added in over every
/// bin, which on a wide matrix (100,000 columns) costs far more than the
/// node's few rows.
fn spares_pay(cells: usize, bins: usize) -> bool {
    cells >= 2 * bins
}

/// Parts a node of `cells` rows times features is built in: one per
/// thread when the node is worth it, else one.
fn row_parts(cells: usize, par: &Executor) -> usize {
    if worth_parallel(cells) {
        par.threads()
    } else {
        1
    }
}

impl<T: BinId, B: HistBin> Task<'_, T, B> {
    fn run(&mut self) {
        match &mut self.second {
            Some((column, hist)) => accumulate(
                [self.first.0, column],
                [&mut *self.first.1, hist],
                self.rows,
                self.grads,
            ),
            None => accumulate([self.first.0], [&mut *self.first.1], self.rows, self.grads),
        }
    }
}

/// Splits a node histogram into the slices of the selected (sorted) features.
fn feature_slices<'h, B>(
    mut hist: &'h mut [B],
    offsets: &[usize],
    features: &[usize],
) -> Vec<(usize, &'h mut [B])> {
    let mut out = Vec::with_capacity(features.len());
    let mut consumed = 0;
    for &f in features {
        let (_, rest) = hist.split_at_mut(offsets[f] - consumed);
        let (mine, rest) = rest.split_at_mut(offsets[f + 1] - offsets[f]);
        out.push((f, mine));
        hist = rest;
        consumed = offsets[f + 1];
    }
    out
}

/// The innermost kernel: one node, `N` features sharing the loads of row
/// indices and gradients. Each feature's sums follow the node's row order,
/// whatever the thread count (integer bins do not even need that).
#[inline(never)]
fn accumulate<T: BinId, B: HistBin, const N: usize>(
    columns: [&[T]; N],
    mut hists: [&mut [B]; N],
    rows: &[u32],
    grads: &[B::Row],
) {
    for (&r, &g) in rows.iter().zip(grads) {
        for (c, h) in columns.iter().zip(hists.iter_mut()) {
            h[c[r as usize].idx()].add(g);
        }
    }
}

/// `total += part`.
fn add_in_place<B: HistBin>(total: &mut [B], part: &[B]) {
    for (t, p) in total.iter_mut().zip(part) {
        *t = t.plus(*p);
    }
}

/// `parent -= child`, turning the parent's histogram into the sibling's.
pub(crate) fn subtract_in_place<B: HistBin>(parent: &mut [B], child: &[B]) {
    for (p, c) in parent.iter_mut().zip(child) {
        *p = p.minus(*c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use proptest::prelude::*;

    fn setup(x: &Array2<f32>) -> (BinnedMatrix, Executor) {
        let par = Executor::new(2).unwrap();
        (
            BinnedMatrix::new(x.view(), None, &crate::Categories::default(), 16, 0, &par),
            par,
        )
    }

    fn build_one(
        m: &BinnedMatrix,
        par: &Executor,
        rows: &[u32],
        grads: &[GradPair],
    ) -> Vec<BinStat> {
        let mut hist = vec![BinStat::default(); m.total_bins()];
        let features: Vec<usize> = (0..m.num_features()).collect();
        build(
            m,
            &features,
            vec![BuildJob {
                rows,
                grads,
                hist: &mut hist,
            }],
            par,
        );
        hist
    }

    proptest! {
        #[test]
        fn sums_equal_totals_and_subtraction_equals_direct(
            cells in proptest::collection::vec(prop_oneof![Just(f32::NAN), 0f32..10.0], 3 * 40),
            g in proptest::collection::vec(-1f32..1.0, 40),
            split in 0usize..40,
        ) {
            let x = Array2::from_shape_vec((40, 3), cells).unwrap();
            let (m, par) = setup(&x);
            let grads: Vec<GradPair> = g.iter().map(|&g| GradPair { g, h: 1.0 }).collect();
            let rows: Vec<u32> = (0..40).collect();
            let parent = build_one(&m, &par, &rows, &grads);
            let total_g: f64 = grads.iter().map(|p| p.g as f64).sum();
            for f in 0..3 {
                let s = &parent[m.offsets[f]..m.offsets[f + 1]];
                let sg: f64 = s.iter().map(|b| b.g).sum();
                let sh: f64 = s.iter().map(|b| b.h).sum();
                prop_assert!((sg - total_g).abs() < 1e-9);
                prop_assert_eq!(sh, 40.0);
            }
            let (left, right) = rows.split_at(split);
            let (gl, gr) = grads.split_at(split);
            let left_h = build_one(&m, &par, left, gl);
            let right_direct = build_one(&m, &par, right, gr);
            let mut sibling = parent.clone();
            subtract_in_place(&mut sibling, &left_h);
            for (a, b) in sibling.iter().zip(&right_direct) {
                prop_assert!((a.g - b.g).abs() < 1e-9 && (a.h - b.h).abs() < 1e-9);
            }
        }
    }

    fn build_packed(
        m: &BinnedMatrix,
        par: &Executor,
        rows: &[u32],
        q: &[PackedBin],
    ) -> Vec<PackedBin> {
        let mut hist = vec![PackedBin::default(); m.total_bins()];
        let features: Vec<usize> = (0..m.num_features()).collect();
        let job = BuildJob {
            rows,
            grads: q,
            hist: &mut hist,
        };
        build(m, &features, vec![job], par);
        hist
    }

    proptest! {
        #[test]
        fn integer_subtraction_equals_the_direct_histogram_exactly(
            cells in proptest::collection::vec(prop_oneof![Just(f32::NAN), 0f32..10.0], 3 * 60),
            q in proptest::collection::vec((-2i32..=2, 0u32..=4), 60),
            split in 0usize..60,
        ) {
            let x = Array2::from_shape_vec((60, 3), cells).unwrap();
            let (m, par) = setup(&x);
            let q: Vec<PackedBin> = q.iter().map(|&(g, h)| PackedBin::new(g, h)).collect();
            let rows: Vec<u32> = (0..60).rev().collect();
            let ordered: Vec<PackedBin> = rows.iter().map(|&r| q[r as usize]).collect();
            let parent = build_packed(&m, &par, &rows, &ordered);
            let total = q.iter().fold(PackedBin::default(), |a, &b| a.plus(b));
            for f in 0..3 {
                let s = &parent[m.offsets[f]..m.offsets[f + 1]];
                prop_assert_eq!(s.iter().fold(PackedBin::default(), |a, &b| a.plus(b)), total);
            }
            let (left, right) = rows.split_at(split);
            let (ql, qr) = ordered.split_at(split);
            let mut sibling = parent.clone();
            subtract_in_place(&mut sibling, &build_packed(&m, &par, left, ql));
            prop_assert_eq!(sibling, build_packed(&m, &par, right, qr));
        }
    }

    proptest! {
        /// Small nodes read the row-major bins (unit tests keep them for
        /// any matrix); their histograms equal the columns' bit for bit,
        /// with u8 and u16 bins, any feature subset and any thread count
        /// (float nodes here are under `FLOAT_HALVES_FROM` cells: one part).
        #[test]
        fn row_wise_histograms_equal_column_ones_bit_for_bit(
            cells in proptest::collection::vec(prop_oneof![Just(f32::NAN), 0f32..10.0], 7 * 640),
            g in proptest::collection::vec(-1f32..1.0, 640),
            keep in proptest::collection::vec(0u32..16, 640),
            features in proptest::sample::subsequence((0..7).collect::<Vec<usize>>(), 1..=7),
            max_bin in prop_oneof![Just(16usize), Just(300)],
            threads in 1usize..4,
        ) {
            let x = Array2::from_shape_vec((640, 7), cells).unwrap();
            let par = Executor::new(threads).unwrap();
            let mut m = BinnedMatrix::new(x.view(), None, &crate::Categories::default(), max_bin, 0, &par);
            prop_assert!(m.by_row.is_some());
            // A node of at most 640 / ROW_WISE_BELOW rows, in ascending order.
            let most = 640 / ROW_WISE_BELOW;
            let rows: Vec<u32> = (0..640u32).filter(|&r| keep[r as usize] == 0).take(most).collect();
            let grads: Vec<GradPair> = rows.iter().map(|&r| GradPair { g: g[r as usize], h: 0.25 }).collect();
            let by_rows = build_all(&m, &features, &rows, &grads, &par);
            m.by_row = None;
            let by_columns = build_all(&m, &features, &rows, &grads, &par);
            prop_assert_eq!(by_rows.0.len(), by_columns.0.len());
            for (a, b) in by_rows.0.iter().zip(&by_columns.0) {
                prop_assert_eq!((a.g.to_bits(), a.h.to_bits()), (b.g.to_bits(), b.h.to_bits()));
            }
            // Integer bins: the node's rows summed in parts, one per thread.
            prop_assert_eq!(&by_rows.1, &by_columns.1);
            prop_assert_eq!(&by_rows.2, &by_columns.2);
        }
    }

    /// A float row-wise node of at least `FLOAT_HALVES_FROM` cells is
    /// summed in two halves of its rows: its histogram is the column
    /// kernel's first half plus its second, bit for bit, for any thread
    /// count, and within rounding of the column kernel's over all rows.
    #[test]
    fn large_float_row_wise_nodes_sum_two_fixed_halves() {
        let (n, f) = (ROW_WISE_BELOW * 2100, 8);
        let x = Array2::from_shape_fn((n, f), |(i, j)| ((i * 7919 + j * 104_729) % 997) as f32);
        let one = Executor::new(1).unwrap();
        let mut m = BinnedMatrix::new(x.view(), None, &crate::Categories::default(), 256, 0, &one);
        assert!(m.by_row.is_some());
        let rows: Vec<u32> = (0..n as u32).step_by(ROW_WISE_BELOW).collect();
        assert!(rows.len() * f >= FLOAT_HALVES_FROM && row_wise(rows.len(), n));
        let grads: Vec<GradPair> = rows
            .iter()
            .map(|&r| GradPair {
                // Magnitudes 2^-30..2^10, so f64 sums of the f32s round.
                g: ((r % 13) as f32 - 6.0) / 7.0 * 2f32.powi((r % 41) as i32 - 30),
                h: 0.1 + (r % 5) as f32 / 3.0,
            })
            .collect();
        let by_rows: Vec<Vec<BinStat>> = (1..=3)
            .map(|t| build_one(&m, &Executor::new(t).unwrap(), &rows, &grads))
            .collect();
        let by_rows_bits: Vec<Vec<(u64, u64)>> = by_rows
            .iter()
            .map(|h| h.iter().map(|b| (b.g.to_bits(), b.h.to_bits())).collect())
            .collect();
        assert!(by_rows_bits.windows(2).all(|w| w[0] == w[1]));
        m.by_row = None;
        let half = rows.len().div_ceil(2);
        let mut halves = build_one(&m, &one, &rows[..half], &grads[..half]);
        add_in_place(
            &mut halves,
            &build_one(&m, &one, &rows[half..], &grads[half..]),
        );
        let whole = build_one(&m, &one, &rows, &grads);
        let mut differs = 0;
        for ((a, h), w) in by_rows[0].iter().zip(&halves).zip(&whole) {
            assert_eq!(
                (a.g.to_bits(), a.h.to_bits()),
                (h.g.to_bits(), h.h.to_bits())
            );
            assert!((a.g - w.g).abs() < 1e-9 && (a.h - w.h).abs() < 1e-9);
            differs += usize::from(a != w);
        }
        // The halves are a real split: some sums round differently.
        assert!(differs > 0, "no bin differs from the one-part sums");
    }

    /// A node's histograms in float, 64-bit and 32-bit integer bins (the
    /// gradients quantized to -2..=2, hessians 1).
    fn build_all(
        m: &BinnedMatrix,
        features: &[usize],
        rows: &[u32],
        grads: &[GradPair],
        par: &Executor,
    ) -> (Vec<BinStat>, Vec<PackedBin>, Vec<PackedBin32>) {
        fn one<B: HistBin>(
            m: &BinnedMatrix,
            features: &[usize],
            rows: &[u32],
            grads: &[B::Row],
            par: &Executor,
        ) -> Vec<B> {
            let mut hist = vec![B::default(); m.total_bins()];
            let job = BuildJob {
                rows,
                grads,
                hist: &mut hist,
            };
            build(m, features, vec![job], par);
            hist
        }
        let quant: Vec<PackedBin> = grads
            .iter()
            .map(|p| PackedBin::new((p.g * 2.0).round() as i32, 1))
            .collect();
        let narrow: Vec<PackedBin32> = quant.iter().map(|&q| PackedBin32::narrow(q)).collect();
        (
            one(m, features, rows, grads, par),
            one(m, features, rows, &quant, par),
            one(m, features, rows, &narrow, par),
        )
    }

    #[test]
    fn nodes_of_wide_matrices_get_no_spare_histograms() {
        // 20 features of 256 bins: a 1024-row node is worth halves.
        assert!(spares_pay(1024 * 20, 20 * 256));
        assert_eq!(float_row_parts(1024 * 20), 2);
        // 100,000 columns of 300 rows: a 9-row node is not, whatever its
        // cell count.
        assert!(float_row_parts(9 * 100_000) == 2 && !spares_pay(9 * 100_000, 100_000 * 256));
    }

    #[test]
    fn only_selected_features_are_built() {
        let x = Array2::from_shape_fn((10, 3), |(i, j)| (i * (j + 1)) as f32);
        let (m, par) = setup(&x);
        let grads = vec![GradPair { g: 1.0, h: 1.0 }; 10];
        let rows: Vec<u32> = (0..10).collect();
        let mut hist = vec![BinStat::default(); m.total_bins()];
        build(
            &m,
            &[2],
            vec![BuildJob {
                rows: &rows,
                grads: &grads,
                hist: &mut hist,
            }],
            &par,
        );
        let count = |f: usize| {
            hist[m.offsets[f]..m.offsets[f + 1]]
                .iter()
                .map(|b| b.h)
                .sum::<f64>()
        };
        assert_eq!((count(0), count(1), count(2)), (0.0, 0.0, 10.0));
    }
}
