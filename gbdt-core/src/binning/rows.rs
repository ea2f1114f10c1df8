//! The bins row-major: row `r`'s bin of every feature in one padded,
//! aligned row of `stride` bins. A copy of the columns that the histograms
//! of small nodes read, one cache line per row instead of one per feature,
//! as LightGBM's row-wise histograms do.

use super::{BinId, Bins, ROW_BLOCK};
use crate::parallel::Executor;

/// Below this many bytes of bins (in unit tests: always) the columns stay
/// in cache, and a small node reads them as fast as rows: on the 100k-row
/// credit benchmark (1.5 MB of bins) the row-major copy saved nothing.
const MIN_BYTES: usize = if cfg!(test) { 0 } else { 4 << 20 };

/// A cache line: rows of up to this many bytes are padded to a power of
/// two and aligned, so that none straddles two lines.
const LINE: usize = 64;

/// The row-major bins.
pub(crate) struct RowMajor {
    /// Rows of `stride` bins (padding included), the first at `start`.
    pub bins: Bins,
    pub start: usize,
    pub stride: usize,
}

/// Whether to keep a row-major copy of `bins` with `features` columns.
// MIN_BYTES is 0 in unit tests, where the comparison is always true.
#[allow(clippy::absurd_extreme_comparisons)]
pub(super) fn worth_keeping(bins: &Bins, features: usize) -> bool {
    let bytes = match bins {
        Bins::U8(b) => b.len(),
        Bins::U16(b) => 2 * b.len(),
    };
    features > 1 && bytes >= MIN_BYTES
}

/// The row-major copy of column-major `bins` (`rows` per column).
pub(super) fn by_row(bins: &Bins, rows: usize, par: &Executor) -> RowMajor {
    let ((start, stride), bins) = match bins {
        Bins::U8(b) => transpose(b, rows, par).map_bins(Bins::U8),
        Bins::U16(b) => transpose(b, rows, par).map_bins(Bins::U16),
    };
    RowMajor {
        bins,
        start,
        stride,
    }
}

/// Transposed bins of one width, with their first row and stride.
struct Transposed<T> {
    bins: Vec<T>,
    start: usize,
    stride: usize,
}

impl<T> Transposed<T> {
    fn map_bins(self, wrap: impl FnOnce(Vec<T>) -> Bins) -> ((usize, usize), Bins) {
        ((self.start, self.stride), wrap(self.bins))
    }
}

/// Row length in bins for `features` bins of `T`: the next power of two
/// while a row fits in a cache line (28 one-byte bins: 32), else unpadded.
fn stride_of<T>(features: usize) -> usize {
    let padded = features.next_power_of_two();
    if padded * size_of::<T>() <= LINE {
        padded
    } else {
        features
    }
}

/// Transposes in parallel row blocks (each block reads its piece of every
/// column once) into rows of [`stride_of`] bins, the first aligned to its
/// row size.
fn transpose<T: BinId>(columns: &[T], rows: usize, par: &Executor) -> Transposed<T> {
    let features = columns.len().checked_div(rows).unwrap_or(0);
    let stride = stride_of::<T>(features);
    let row_bytes = stride * size_of::<T>();
    let mut out = vec![T::from_bin(0); rows * stride + LINE];
    let start = if row_bytes <= LINE {
        out.as_ptr()
            .align_offset(row_bytes)
            .min(LINE / size_of::<T>())
    } else {
        0
    };
    if features == 0 {
        return Transposed {
            bins: out,
            start,
            stride,
        };
    }
    let body = &mut out[start..start + rows * stride];
    par.for_each_chunk_mut(body, ROW_BLOCK * stride, |b, block| {
        let first = b * ROW_BLOCK;
        for (f, column) in columns.chunks_exact(rows).enumerate() {
            let piece = &column[first..first + block.len() / stride];
            for (row, &bin) in block.chunks_exact_mut(stride).zip(piece) {
                row[f] = bin;
            }
        }
    });
    Transposed {
        bins: out,
        start,
        stride,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_major_holds_each_rows_bins_in_feature_order() {
        let rows = ROW_BLOCK + 3;
        // 3 bins of 2 bytes pad to 4, 28 to 32; 40 fill more than a line.
        for (features, want_stride) in [(3, 4), (28, 32), (40, 40)] {
            let columns: Vec<u16> = (0..features * rows).map(|i| (i % 65_521) as u16).collect();
            let rm = by_row(
                &Bins::U16(columns.clone()),
                rows,
                &Executor::new(2).unwrap(),
            );
            let Bins::U16(t) = &rm.bins else {
                panic!("u16 in, u16 out")
            };
            assert_eq!(rm.stride, want_stride);
            if rm.stride * 2 <= LINE {
                assert_eq!(
                    t[rm.start..].as_ptr() as usize % (rm.stride * 2),
                    0,
                    "aligned rows"
                );
            }
            for r in [0, 1, ROW_BLOCK - 1, ROW_BLOCK, rows - 1] {
                let want: Vec<u16> = (0..features).map(|f| columns[f * rows + r]).collect();
                let at = rm.start + r * rm.stride;
                assert_eq!(
                    &t[at..at + features],
                    &want[..],
                    "{features} features, row {r}"
                );
            }
        }
    }
}
