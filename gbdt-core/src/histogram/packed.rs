//! Integer histogram bins for quantized training: a bin's gradient sum and
//! hessian sum packed in one `i64`, so adding a row to a bin, and adding or
//! subtracting whole histograms, is one integer add per bin.
//!
//! Integer sums are exact, so they do not depend on the order of the adds:
//! the subtraction trick gives exactly the directly built histogram, any
//! thread count gives the same sums, and (for a distributed mode) histograms
//! of the same node built on several processes add up exactly, word by word,
//! with a plain integer sum-allreduce (`MPI_SUM` over `MPI_INT64_T`), to the
//! single-process histogram, as long as every process quantizes with the
//! same global [`QuantScale`]s and row keys.

use super::{BinStat, HistBin};

/// One bin: `g * 2^32 + h` with the gradient sum `g` (an `i32`) in the high
/// half and the hessian sum `h` (`0 <= h < 2^32`) in the low half. Since
/// `h` never goes negative or overflows (row counts are bounded, see
/// [`PackedBin::MAX_SUM`]), the halves add and subtract independently
/// inside one wrapping `i64` add.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(transparent)]
pub(crate) struct PackedBin(pub i64);

impl PackedBin {
    /// The largest absolute gradient sum and hessian sum any bin (or node)
    /// may reach: the gradient half is an `i32`.
    pub const MAX_SUM: u64 = i32::MAX as u64;

    /// One row's (or one bin's) quantized gradient and hessian.
    #[inline(always)]
    pub fn new(g: i32, h: u32) -> PackedBin {
        PackedBin(((g as i64) << 32).wrapping_add(h as i64))
    }

    /// The gradient sum.
    #[inline(always)]
    pub fn g(self) -> i64 {
        self.0 >> 32
    }

    /// The hessian sum.
    #[inline(always)]
    pub fn h(self) -> i64 {
        self.0 as u32 as i64
    }
}

/// What one integer unit of a tree's quantized gradients and hessians is
/// worth in gradient units (one per model output and round).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct QuantScale {
    pub g: f64,
    pub h: f64,
}

impl HistBin for PackedBin {
    type Row = PackedBin;
    type Scale = QuantScale;
    const EXACT: bool = true;

    #[inline(always)]
    fn add(&mut self, row: PackedBin) {
        self.0 = self.0.wrapping_add(row.0);
    }

    #[inline(always)]
    fn plus(self, o: PackedBin) -> PackedBin {
        PackedBin(self.0.wrapping_add(o.0))
    }

    #[inline(always)]
    fn minus(self, o: PackedBin) -> PackedBin {
        PackedBin(self.0.wrapping_sub(o.0))
    }

    #[inline(always)]
    fn stat(self, s: QuantScale) -> BinStat {
        BinStat {
            g: self.g() as f64 * s.g,
            h: self.h() as f64 * s.h,
        }
    }
}

/// A narrow bin for small nodes: `g * 2^16 + h` with `g` an `i16` and
/// `0 <= h < 2^16` in one `i32`, half the cache footprint of [`PackedBin`].
/// Only for nodes whose rows × levels (the largest hessian sum, at least
/// twice the largest |gradient sum|) stay within [`PackedBin32::MAX_SUM`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(transparent)]
pub(crate) struct PackedBin32(pub i32);

impl PackedBin32 {
    /// The largest hessian sum a narrow bin holds; gradient sums may reach
    /// half of it.
    pub const MAX_SUM: u64 = u16::MAX as u64;

    /// A row's value, narrowed from its wide form.
    #[inline(always)]
    pub fn narrow(p: PackedBin) -> PackedBin32 {
        PackedBin32(((p.g() as i32) << 16).wrapping_add(p.h() as i32))
    }

    /// The same sums in a wide bin.
    #[inline(always)]
    pub fn widen(self) -> PackedBin {
        PackedBin::new(self.0 >> 16, self.0 as u16 as u32)
    }
}

impl HistBin for PackedBin32 {
    type Row = PackedBin32;
    type Scale = QuantScale;
    const EXACT: bool = true;

    #[inline(always)]
    fn add(&mut self, row: PackedBin32) {
        self.0 = self.0.wrapping_add(row.0);
    }

    #[inline(always)]
    fn plus(self, o: PackedBin32) -> PackedBin32 {
        PackedBin32(self.0.wrapping_add(o.0))
    }

    #[inline(always)]
    fn minus(self, o: PackedBin32) -> PackedBin32 {
        PackedBin32(self.0.wrapping_sub(o.0))
    }

    fn stat(self, s: QuantScale) -> BinStat {
        self.widen().stat(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn halves_add_and_subtract_independently(
            rows in proptest::collection::vec((-63i32..=63, 0u32..=127), 0..200),
            cut in 0usize..200,
        ) {
            let sum = |rs: &[(i32, u32)]| rs.iter().fold(PackedBin::default(), |mut a, &(g, h)| {
                a.add(PackedBin::new(g, h));
                a
            });
            let total = sum(&rows);
            let g: i64 = rows.iter().map(|r| r.0 as i64).sum();
            let h: i64 = rows.iter().map(|r| r.1 as i64).sum();
            prop_assert_eq!((total.g(), total.h()), (g, h));
            let (a, b) = rows.split_at(cut.min(rows.len()));
            prop_assert_eq!(total.minus(sum(a)), sum(b));
            prop_assert_eq!(sum(a).plus(sum(b)), total);
        }
    }

    #[test]
    fn narrow_bins_sum_like_wide_ones() {
        let rows = [(-2, 4), (2, 0), (-1, 3), (1, 1), (-2, 2)];
        let (mut wide, mut narrow) = (PackedBin::default(), PackedBin32::default());
        for _ in 0..1000 {
            for &(g, h) in &rows {
                wide.add(PackedBin::new(g, h));
                narrow.add(PackedBin32::narrow(PackedBin::new(g, h)));
            }
        }
        assert_eq!(narrow.widen(), wide);
        assert_eq!((wide.g(), wide.h()), (-2000, 10_000));
    }

    #[test]
    fn extremes_round_trip() {
        for (g, h) in [(i32::MIN, 0), (i32::MAX, u32::MAX), (-1, 1), (0, 0)] {
            let p = PackedBin::new(g, h);
            assert_eq!((p.g(), p.h()), (g as i64, h as i64));
        }
        let s = PackedBin::new(-3, 8).stat(QuantScale { g: 0.5, h: 0.25 });
        assert_eq!(s, BinStat { g: -1.5, h: 2.0 });
    }
}
