//! Quantile binning: cut points per numeric feature and category bins per
//! categorical one, from a deterministic sample, and the column-major
//! matrix of bin ids training works on (and its row-major copy, `rows.rs`).

mod categories;
mod cuts;
mod rows;

pub(crate) use categories::CategoryBins;
pub(crate) use cuts::FeatureCuts;
pub(crate) use rows::RowMajor;

use ndarray::ArrayView2;

use crate::categories::Categories;
use crate::collective::{gather_f32, Shard};
use crate::parallel::Executor;
use crate::sampling::Rng;

/// Rows sampled to find cut points.
const SAMPLE_ROWS: usize = 200_000;
/// Rows per parallel binning task.
const ROW_BLOCK: usize = 16_384;

/// A bin id type: `u8` when every feature has at most 256 bins, else `u16`.
pub(crate) trait BinId: Copy + Send + Sync + 'static {
    fn from_bin(b: usize) -> Self;
    fn idx(self) -> usize;
}

impl BinId for u8 {
    #[inline(always)]
    fn from_bin(b: usize) -> Self {
        b as u8
    }
    #[inline(always)]
    fn idx(self) -> usize {
        self as usize
    }
}

impl BinId for u16 {
    #[inline(always)]
    fn from_bin(b: usize) -> Self {
        b as u16
    }
    #[inline(always)]
    fn idx(self) -> usize {
        self as usize
    }
}

/// Bin ids, column-major: feature `f` occupies `[f * rows, (f + 1) * rows)`.
pub(crate) enum Bins {
    U8(Vec<u8>),
    U16(Vec<u16>),
}

/// How one feature's values map to bins.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FeatureBins {
    Numeric(FeatureCuts),
    Categorical(CategoryBins),
}

impl FeatureBins {
    /// Number of value bins (missing bin excluded).
    pub fn num_value_bins(&self) -> usize {
        match self {
            FeatureBins::Numeric(c) => c.num_value_bins(),
            FeatureBins::Categorical(c) => c.num_value_bins(),
        }
    }

    /// The raw threshold of a numeric split after bin `b` (0 for a
    /// categorical feature, whose splits are sets).
    pub fn threshold(&self, b: usize) -> f32 {
        match self {
            FeatureBins::Numeric(c) => c.threshold(b),
            FeatureBins::Categorical(_) => 0.0,
        }
    }

    /// The category bins, for a categorical feature.
    pub fn categorical(&self) -> Option<&CategoryBins> {
        match self {
            FeatureBins::Categorical(c) => Some(c),
            FeatureBins::Numeric(_) => None,
        }
    }
}

/// The binned training matrix and the bins that made it.
pub(crate) struct BinnedMatrix {
    pub rows: usize,
    pub features: Vec<FeatureBins>,
    /// Histogram offset of each feature; `offsets[f + 1] - offsets[f]` is the
    /// feature's value bins plus its missing bin.
    pub offsets: Vec<usize>,
    pub bins: Bins,
    /// The same bins row-major (see `rows.rs`), for the histograms of
    /// small nodes; `None` when the columns fit in cache anyway.
    pub by_row: Option<RowMajor>,
}

impl BinnedMatrix {
    /// Bins `x` into at most `max_bin` bins per feature (missing bin included).
    pub fn new(
        x: ArrayView2<'_, f32>,
        weights: Option<&[f32]>,
        categories: &Categories,
        max_bin: usize,
        seed: u64,
        par: &Executor,
    ) -> BinnedMatrix {
        let ranks = par.collective();
        let shard = Shard::of(x.nrows(), ranks);
        let sample: Vec<usize> = sample_rows(shard.total, seed)
            .into_iter()
            .filter_map(|g| shard.local(g))
            .collect();
        let weight = |r: usize| weights.map_or(1.0, |w| w[r]);
        let features = if ranks.size() == 1 {
            par.map_range(x.ncols(), |f| {
                let values = sample.iter().map(|&r| (x[[r, f]], weight(r)));
                feature_bins(values, categories.count(f), max_bin)
            })
        } else {
            // Every rank bins from the same global sample: its rows are
            // gathered from their ranks, in global row order.
            let gathered: Vec<Vec<f32>> = (0..x.ncols())
                .map(|f| {
                    let mine: Vec<f32> = sample
                        .iter()
                        .flat_map(|&r| [x[[r, f]], weight(r)])
                        .collect();
                    gather_f32(ranks, &mine)
                })
                .collect();
            par.map_range(x.ncols(), |f| {
                let values = gathered[f].chunks_exact(2).map(|p| (p[0], p[1]));
                feature_bins(values, categories.count(f), max_bin)
            })
        };
        let mut offsets = vec![0];
        for c in &features {
            offsets.push(offsets.last().unwrap() + c.num_value_bins() + 1);
        }
        let widest = features
            .iter()
            .map(|c| c.num_value_bins() + 1)
            .max()
            .unwrap_or(1);
        let bins = if widest <= 256 {
            Bins::U8(bin_columns(x, &features, par))
        } else {
            Bins::U16(bin_columns(x, &features, par))
        };
        let by_row =
            rows::worth_keeping(&bins, features.len()).then(|| rows::by_row(&bins, x.nrows(), par));
        BinnedMatrix {
            rows: x.nrows(),
            features,
            offsets,
            bins,
            by_row,
        }
    }

    pub fn num_features(&self) -> usize {
        self.features.len()
    }

    /// Total histogram slots over all features.
    pub fn total_bins(&self) -> usize {
        *self.offsets.last().unwrap()
    }

    /// The missing-value bin of feature `f`.
    pub fn missing_bin(&self, f: usize) -> usize {
        self.features[f].num_value_bins()
    }
}

/// The bins of one feature from its sample's `(value, weight)` pairs.
fn feature_bins(
    values: impl Iterator<Item = (f32, f32)>,
    categories: Option<usize>,
    max_bin: usize,
) -> FeatureBins {
    match categories {
        Some(n) => FeatureBins::Categorical(CategoryBins::from_sample(values, n, max_bin - 1)),
        None => FeatureBins::Numeric(FeatureCuts::from_sample(
            values.filter(|(v, _)| !v.is_nan()).collect(),
            max_bin - 1,
        )),
    }
}

/// Every row when there are few; else a seeded sample, sorted.
fn sample_rows(n: usize, seed: u64) -> Vec<usize> {
    let all: Vec<usize> = (0..n).collect();
    if n <= SAMPLE_ROWS {
        return all;
    }
    Rng::new(seed, &[0xB1_4E]).choose_sorted(&all, SAMPLE_ROWS)
}

/// Bin ids of every cell, column-major, filled in parallel row blocks (each
/// block reads its rows once and writes its piece of every column).
fn bin_columns<T: BinId>(x: ArrayView2<'_, f32>, cuts: &[FeatureBins], par: &Executor) -> Vec<T> {
    let (n, nf) = x.dim();
    let mut bins = vec![T::from_bin(0); n * nf];
    let blocks = n.div_ceil(ROW_BLOCK);
    let mut per_block: Vec<Vec<&mut [T]>> = (0..blocks).map(|_| Vec::with_capacity(nf)).collect();
    for column in bins.chunks_mut(n) {
        for (b, piece) in column.chunks_mut(ROW_BLOCK).enumerate() {
            per_block[b].push(piece);
        }
    }
    par.for_each_mut(&mut per_block, |b, columns| {
        let start = b * ROW_BLOCK;
        for (f, col) in columns.iter_mut().enumerate() {
            let values = x.slice(ndarray::s![start..start + col.len(), f]);
            match &cuts[f] {
                FeatureBins::Numeric(c) => fill(col, values, |v| c.bin_of(v)),
                FeatureBins::Categorical(c) => fill(col, values, |v| c.bin_of(v)),
            }
        }
    });
    bins
}

/// One column piece of bin ids from its values (one kernel per bin kind).
#[inline]
fn fill<T: BinId>(
    out: &mut [T],
    values: ndarray::ArrayView1<'_, f32>,
    bin_of: impl Fn(f32) -> usize,
) {
    for (o, &v) in out.iter_mut().zip(values.iter()) {
        *o = T::from_bin(bin_of(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn columns_hold_bins_and_missing() {
        let x =
            Array2::from_shape_vec((4, 2), vec![1.0, 10.0, 2.0, f32::NAN, 3.0, 10.0, 1.0, 20.0])
                .unwrap();
        let par = Executor::new(2).unwrap();
        let m = BinnedMatrix::new(x.view(), None, &Categories::default(), 256, 0, &par);
        let Bins::U8(b) = &m.bins else {
            panic!("expected u8 bins")
        };
        assert_eq!(&b[..4], &[0, 1, 2, 0]);
        assert_eq!(&b[4..], &[0, 2, 0, 1]); // missing bin of feature 1 is 2
        assert_eq!(m.missing_bin(1), 2);
        assert_eq!(m.offsets, vec![0, 4, 7]);
    }

    #[test]
    fn many_bins_use_u16() {
        let x = Array2::from_shape_fn((1000, 1), |(i, _)| i as f32);
        let par = Executor::new(1).unwrap();
        let m = BinnedMatrix::new(x.view(), None, &Categories::default(), 1000, 0, &par);
        assert!(matches!(m.bins, Bins::U16(_)));
        assert_eq!(m.features[0].num_value_bins(), 999);
    }
}
