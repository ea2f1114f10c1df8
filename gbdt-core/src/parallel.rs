//! The only place that touches rayon. Work is split into pieces whose
//! boundaries never depend on the thread count, so results are identical
//! for any number of threads.

use rayon::prelude::*;

use crate::error::{Error, Result};

/// Below this much work a parallel step runs on the calling thread. Unit
/// tests use 0 so their small data still goes through the worker pool (the
/// thread-count determinism tests need it).
const MIN_PARALLEL_WORK: usize = if cfg!(test) { 0 } else { 65_536 };

/// A fixed-size worker pool, passed explicitly to every parallel step.
pub(crate) struct Parallel {
    pool: rayon::ThreadPool,
}

impl Parallel {
    /// A pool of exactly `threads` workers.
    pub fn new(threads: usize) -> Result<Self> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("gbdt-worker-{i}"))
            .build()
            .map_err(|e| Error::ThreadPool {
                threads,
                reason: e.to_string(),
            })?;
        Ok(Parallel { pool })
    }

    /// Calls `f(i, item)` for every item, in parallel.
    pub fn for_each_mut<T: Send>(&self, items: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
        self.pool
            .install(|| items.par_iter_mut().enumerate().for_each(|(i, t)| f(i, t)));
    }

    /// Like [`Parallel::for_each_mut`], but runs on the calling thread when
    /// `work` (cells, rows or bins to touch) is too small to pay for waking
    /// the workers: small nodes of leaf-wise trees split in microseconds.
    // The threshold is 0 in unit tests, where the comparison is always false.
    #[allow(clippy::absurd_extreme_comparisons)]
    pub fn for_each_mut_sized<T: Send>(
        &self,
        items: &mut [T],
        work: usize,
        f: impl Fn(usize, &mut T) + Sync + Send,
    ) {
        if items.len() <= 1 || work < MIN_PARALLEL_WORK {
            items.iter_mut().enumerate().for_each(|(i, t)| f(i, t));
        } else {
            self.for_each_mut(items, f);
        }
    }

    /// Calls `f(i, chunk)` for consecutive chunks of `chunk` items, in parallel.
    pub fn for_each_chunk_mut<T: Send>(
        &self,
        data: &mut [T],
        chunk: usize,
        f: impl Fn(usize, &mut [T]) + Sync + Send,
    ) {
        self.pool.install(|| {
            data.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(i, c)| f(i, c))
        });
    }

    /// `f(i)` for `i` in `0..n`, collected in order.
    pub fn map_range<R: Send>(&self, n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
        self.pool
            .install(|| (0..n).into_par_iter().map(f).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_boundaries_do_not_depend_on_threads() {
        let run = |threads| {
            let par = Parallel::new(threads).unwrap();
            let mut data: Vec<f64> = (0..1000).map(|i| i as f64 * 0.1).collect();
            let sums = par.map_range(10, |b| data[b * 100..(b + 1) * 100].iter().sum::<f64>());
            par.for_each_chunk_mut(&mut data, 7, |i, c| {
                c.iter_mut().for_each(|v| *v += i as f64)
            });
            (sums, data)
        };
        assert_eq!(run(1), run(3));
    }
}
