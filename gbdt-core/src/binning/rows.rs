//! The bins row-major: row `r`'s bin of every feature at
//! `[r * features, (r + 1) * features)`. A copy of the columns that the
//! histograms of small nodes read, one cache line per row instead of one
//! per feature, as LightGBM's row-wise histograms do.

use super::{BinId, Bins, ROW_BLOCK};
use crate::parallel::Executor;

/// Below this many bytes of bins (in unit tests: always) the columns stay
/// in cache, and a small node reads them as fast as rows: on the 100k-row
/// credit benchmark (1.5 MB of bins) the row-major copy saved nothing.
const MIN_BYTES: usize = if cfg!(test) { 0 } else { 4 << 20 };

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
pub(super) fn by_row(bins: &Bins, rows: usize, par: &Executor) -> Bins {
    match bins {
        Bins::U8(b) => Bins::U8(transpose(b, rows, par)),
        Bins::U16(b) => Bins::U16(transpose(b, rows, par)),
    }
}

/// Transposes in parallel row blocks; each block reads its piece of every
/// column once.
fn transpose<T: BinId>(columns: &[T], rows: usize, par: &Executor) -> Vec<T> {
    let features = columns.len().checked_div(rows).unwrap_or(0);
    let mut out = vec![T::from_bin(0); columns.len()];
    if features == 0 {
        return out;
    }
    par.for_each_chunk_mut(&mut out, ROW_BLOCK * features, |b, block| {
        let start = b * ROW_BLOCK;
        for (f, column) in columns.chunks_exact(rows).enumerate() {
            let piece = &column[start..start + block.len() / features];
            for (row, &bin) in block.chunks_exact_mut(features).zip(piece) {
                row[f] = bin;
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_major_holds_each_rows_bins_in_feature_order() {
        let rows = ROW_BLOCK + 3;
        let columns: Vec<u16> = (0..3 * rows).map(|i| (i % 65_521) as u16).collect();
        let Bins::U16(t) = by_row(
            &Bins::U16(columns.clone()),
            rows,
            &Executor::new(2).unwrap(),
        ) else {
            panic!("u16 in, u16 out")
        };
        for r in [0, 1, ROW_BLOCK - 1, ROW_BLOCK, rows - 1] {
            let want: Vec<u16> = (0..3).map(|f| columns[f * rows + r]).collect();
            assert_eq!(&t[r * 3..r * 3 + 3], &want[..], "row {r}");
        }
    }
}
