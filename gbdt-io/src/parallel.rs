//! The only place gbdt-io touches rayon: run independent jobs on the global
//! pool and collect their results in order.

use rayon::prelude::*;

/// `f(0), f(1), ..., f(n - 1)` in parallel, results in index order.
pub(crate) fn map_indices<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    (0..n).into_par_iter().map(f).collect()
}

/// Runs `f` on disjoint mutable chunks of `out` (`chunk` elements each, the
/// last may be shorter), passing the chunk index.
pub(crate) fn for_each_chunk_mut<T: Send>(
    out: &mut [T],
    chunk: usize,
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    out.par_chunks_mut(chunk.max(1))
        .enumerate()
        .for_each(|(i, c)| f(i, c));
}

/// Threads in the global pool (at least 1).
pub(crate) fn threads() -> usize {
    rayon::current_num_threads().max(1)
}
