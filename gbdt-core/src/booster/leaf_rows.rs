//! A grown tree's leaf values added to the training margins block by block
//! of rows. Each leaf's rows are ascending in the partition (its
//! invariant), so the rows of one leaf that fall in a block of consecutive
//! rows are one run of its row list, found by binary search. Updating a
//! block then touches only that block's margins (a window that stays in
//! cache) instead of margins spread over the whole data set, blocks run in
//! parallel, and a block's size is fixed, so nothing depends on the thread
//! count.

use std::ops::Range;

use crate::parallel::Executor;

/// Rows per block. (4,096 rows kept three outputs' margins in the per-core
/// cache, but the binary searches of 64 leaves per block cost more than
/// that saved: 1.4x the samples of 16,384 under perf.)
const BLOCK: usize = 16_384;

/// The runs of `rows` (ascending) that lie in `block`: the positions of
/// `rows` whose row is in `block`.
fn within(rows: &[u32], block: &Range<usize>) -> Range<usize> {
    let lo = rows.partition_point(|&r| (r as usize) < block.start);
    let hi = lo + rows[lo..].partition_point(|&r| (r as usize) < block.end);
    lo..hi
}

/// Adds each leaf's value to output `output` of its rows' margins (rows ×
/// `k`): `leaves` holds each leaf's rows (ascending, no row in two leaves)
/// and value. Every margin gets at most one addition, so the result is the
/// same in any order; rows run in parallel blocks of [`BLOCK`].
pub(super) fn add_leaf_values(
    margins: &mut [f64],
    k: usize,
    output: usize,
    leaves: &[(&[u32], f32)],
    exec: &Executor,
) {
    exec.for_each_chunk_mut(margins, BLOCK * k, |b, chunk| {
        let block = b * BLOCK..b * BLOCK + chunk.len() / k;
        for &(leaf, value) in leaves {
            for &r in &leaf[within(leaf, &block)] {
                chunk[(r as usize - block.start) * k + output] += value as f64;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The block-wise update gives what adding each leaf's value
        /// through its row list gives, for any thread count, and leaves
        /// rows in no leaf alone.
        #[test]
        fn blocks_add_what_the_row_lists_add(
            n in 0usize..50_000,
            leaves in 1usize..70,
            k in 1usize..4,
            seed in any::<u64>(),
        ) {
            // Leaf `leaves` holds the rows in no leaf.
            let leaf_of = crate::testutil::random_leaves(n, leaves + 1, seed);
            let mut rows = Vec::new();
            let mut list = Vec::new();
            for l in 0..leaves {
                let start = rows.len();
                rows.extend((0..n as u32).filter(|&r| leaf_of[r as usize] == l));
                list.push((start..rows.len(), (l as f32 - 20.5) * 0.37));
            }
            let output = (seed % k as u64) as usize;
            let start: Vec<f64> = (0..n * k).map(|i| (i % 17) as f64 * 0.1).collect();
            let mut expect = start.clone();
            for (range, value) in &list {
                for &r in &rows[range.clone()] {
                    expect[r as usize * k + output] += *value as f64;
                }
            }
            for threads in [1, 2, 7] {
                let mut got = start.clone();
                let exec = Executor::new(threads).unwrap();
                let leaves: Vec<(&[u32], f32)> =
                    list.iter().map(|(r, v)| (&rows[r.clone()], *v)).collect();
                add_leaf_values(&mut got, k, output, &leaves, &exec);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&got), bits(&expect), "threads {}", threads);
            }
        }
    }

    #[test]
    fn within_finds_the_run_in_a_block() {
        let rows = [1u32, 4, 5, 9, 16, 17];
        assert_eq!(within(&rows, &(0..4)), 0..1);
        assert_eq!(within(&rows, &(4..16)), 1..4);
        assert_eq!(within(&rows, &(16..32)), 4..6);
        assert_eq!(within(&rows, &(32..48)), 6..6);
        assert_eq!(within(&[], &(0..8)), 0..0);
    }
}
