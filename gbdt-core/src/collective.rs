//! Training on rows spread over several processes ("ranks"), LightGBM's
//! `tree_learner=data`: every rank holds a disjoint part of the rows, and
//! the few steps that need every row exchange small summaries through a
//! [`Collective`]: histograms and node sums (all-reduced), quantization
//! scales (maximum), binning samples and validation scores (all-gathered).
//!
//! gbdt-core knows no transport: [`Single`] is the one-process default,
//! [`InProcess`] runs ranks as threads of one process (tests and examples),
//! and the `gbdt-mpi` crate implements the trait on MPI.
//!
//! Every rank makes the same decisions from the same reduced values, so the
//! ranks build one model together. Integer sums (quantized gradients, row
//! counts, [`ExactSum`](crate::ExactSum) limbs) are exact: with quantized
//! gradients the model is byte-identical to one process training on all
//! the rows, for any number of ranks. Float histogram sums are rounded in
//! a different order than one process would, so float training agrees with
//! it to rounding, not to the byte.

use std::sync::{Arc, Barrier, Mutex};

use crate::error::{Error, Result};

/// The exchanges data-parallel training needs. Every rank calls the same
/// methods in the same order with buffers of the same length; each call
/// returns the same result on every rank.
///
/// Only [`Collective::all_gather`] must be written; the other exchanges have
/// defaults built on it, which transports override with native operations.
pub trait Collective: Send + Sync {
    /// This process's index, `0..size()`.
    fn rank(&self) -> usize;
    /// Number of ranks.
    fn size(&self) -> usize;
    /// Every rank's bytes, in rank order.
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>>;

    /// Element-wise sum over ranks, in place (exact).
    fn sum_i64(&self, values: &mut [i64]) {
        combine(
            self,
            values,
            i64::to_le_bytes,
            i64::from_le_bytes,
            |a, b| a.wrapping_add(b),
        );
    }

    /// Element-wise sum over ranks, in place, rounded the same way on every
    /// rank (added in rank order).
    fn sum_f64(&self, values: &mut [f64]) {
        combine(
            self,
            values,
            f64::to_le_bytes,
            f64::from_le_bytes,
            |a, b| a + b,
        );
    }

    /// Element-wise maximum over ranks, in place.
    fn max_f64(&self, values: &mut [f64]) {
        combine(self, values, f64::to_le_bytes, f64::from_le_bytes, f64::max);
    }
}

/// `values` replaced by the fold of every rank's values, in rank order.
fn combine<C: Collective + ?Sized, T: Copy>(
    c: &C,
    values: &mut [T],
    to: fn(T) -> [u8; 8],
    from: fn([u8; 8]) -> T,
    op: fn(T, T) -> T,
) {
    if c.size() == 1 {
        return;
    }
    let mine: Vec<u8> = values.iter().flat_map(|&v| to(v)).collect();
    let all = c.all_gather(&mine);
    for (i, v) in values.iter_mut().enumerate() {
        let at = |bytes: &Vec<u8>| from(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        *v = all
            .iter()
            .skip(1)
            .fold(at(&all[0]), |acc, b| op(acc, at(b)));
    }
}

/// One process holding every row: nothing to exchange.
#[derive(Debug, Clone, Copy, Default)]
pub struct Single;

impl Collective for Single {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        vec![mine.to_vec()]
    }
    fn sum_i64(&self, _: &mut [i64]) {}
    fn sum_f64(&self, _: &mut [f64]) {}
    fn max_f64(&self, _: &mut [f64]) {}
}

/// Ranks that are threads of one process, exchanging through shared memory:
/// for tests and examples of distributed training without MPI. Each rank's
/// handle must be used from its own thread.
///
/// ```
/// use gbdt_core::{Collective, InProcess};
/// let ranks = InProcess::group(3);
/// let sums: Vec<Vec<i64>> = std::thread::scope(|s| {
///     let running: Vec<_> = ranks
///         .iter()
///         .map(|r| s.spawn(move || {
///             let mut v = vec![r.rank() as i64, 1];
///             r.sum_i64(&mut v);
///             v
///         }))
///         .collect();
///     running.into_iter().map(|t| t.join().unwrap()).collect()
/// });
/// assert!(sums.iter().all(|v| v == &[3, 3]));
/// ```
#[derive(Clone)]
pub struct InProcess {
    rank: usize,
    size: usize,
    shared: Arc<Exchange>,
}

struct Exchange {
    slots: Mutex<Vec<Vec<u8>>>,
    barrier: Barrier,
}

impl InProcess {
    /// Handles for `size` ranks (at least one), in rank order.
    pub fn group(size: usize) -> Vec<InProcess> {
        let size = size.max(1);
        let shared = Arc::new(Exchange {
            slots: Mutex::new(vec![Vec::new(); size]),
            barrier: Barrier::new(size),
        });
        (0..size)
            .map(|rank| InProcess {
                rank,
                size,
                shared: Arc::clone(&shared),
            })
            .collect()
    }
}

impl std::fmt::Debug for InProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "InProcess {{ rank: {}, size: {} }}",
            self.rank,
            self.size()
        )
    }
}

impl Collective for InProcess {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        let lock = || self.shared.slots.lock().unwrap_or_else(|p| p.into_inner());
        lock()[self.rank] = mine.to_vec();
        self.shared.barrier.wait();
        let all = lock().clone();
        // Nobody writes the next exchange before everyone has read this one.
        self.shared.barrier.wait();
        all
    }
}

/// Where this rank's rows sit among all ranks' rows: ranks hold
/// consecutive row ranges in rank order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    /// Global index of this rank's first row.
    pub offset: usize,
    /// This rank's rows.
    pub rows: usize,
    /// Rows over all ranks.
    pub total: usize,
}

impl Shard {
    /// The shard of a rank holding `rows` rows.
    pub fn of(rows: usize, c: &dyn Collective) -> Shard {
        if c.size() == 1 {
            return Shard {
                offset: 0,
                rows,
                total: rows,
            };
        }
        let mut counts = vec![0i64; c.size()];
        counts[c.rank()] = rows as i64;
        c.sum_i64(&mut counts);
        Shard {
            offset: counts[..c.rank()].iter().sum::<i64>() as usize,
            rows,
            total: counts.iter().sum::<i64>() as usize,
        }
    }

    /// The local index of global row `global`, when this rank holds it.
    pub fn local(&self, global: usize) -> Option<usize> {
        global.checked_sub(self.offset).filter(|&l| l < self.rows)
    }
}

/// Every rank's `result` agreed: when any rank failed, every rank returns
/// an error (its own, or [`Error::OtherRank`] naming the first rank that
/// failed), so that no rank goes on to wait in an exchange alone.
pub(crate) fn agree<T>(result: Result<T>, c: &dyn Collective) -> Result<T> {
    agree_on(result, c, |rank, message| Error::OtherRank {
        rank,
        message,
    })
}

/// Every rank's `result` agreed, for any error type: when any rank failed,
/// every rank returns an error, its own or `other(rank, message)` naming
/// the first rank that failed and its message, so that no rank goes on to
/// wait in an exchange alone. Every rank must call it at the same point.
///
/// ```
/// use gbdt_core::{agree_on, Collective, InProcess};
/// let ranks = InProcess::group(2);
/// let results: Vec<Result<usize, String>> = std::thread::scope(|s| {
///     let runs: Vec<_> = ranks
///         .iter()
///         .map(|r| {
///             s.spawn(move || {
///                 let mine = if r.rank() == 1 { Err("bad line 7".to_string()) } else { Ok(r.rank()) };
///                 agree_on(mine, r, |rank, why| format!("rank {rank} failed: {why}"))
///             })
///         })
///         .collect();
///     runs.into_iter().map(|h| h.join().unwrap()).collect()
/// });
/// assert_eq!(results[0], Err("rank 1 failed: bad line 7".to_string()));
/// assert_eq!(results[1], Err("bad line 7".to_string()));
/// ```
pub fn agree_on<T, E: std::fmt::Display>(
    result: std::result::Result<T, E>,
    c: &dyn Collective,
    other: impl FnOnce(usize, String) -> E,
) -> std::result::Result<T, E> {
    if c.size() == 1 {
        return result;
    }
    let status = match &result {
        Ok(_) => Vec::new(),
        Err(e) => [b"!".as_slice(), e.to_string().as_bytes()].concat(),
    };
    let all = c.all_gather(&status);
    let value = result?;
    match all.iter().position(|s| !s.is_empty()) {
        None => Ok(value),
        Some(rank) => Err(other(
            rank,
            String::from_utf8_lossy(&all[rank][1..]).into_owned(),
        )),
    }
}

/// Every rank's values, concatenated in rank order (`N` bytes each).
fn gather<T: Copy, const N: usize>(
    c: &dyn Collective,
    mine: &[T],
    to: fn(T) -> [u8; N],
    from: fn([u8; N]) -> T,
) -> Vec<T> {
    if c.size() == 1 {
        return mine.to_vec();
    }
    let bytes: Vec<u8> = mine.iter().flat_map(|&v| to(v)).collect();
    c.all_gather(&bytes)
        .iter()
        .flat_map(|b| {
            b.chunks_exact(N)
                .map(|w| from(w.try_into().expect("N bytes")))
        })
        .collect()
}

/// Every rank's `f64` values, concatenated in rank order.
pub(crate) fn gather_f64(c: &dyn Collective, mine: &[f64]) -> Vec<f64> {
    gather(c, mine, f64::to_le_bytes, f64::from_le_bytes)
}

/// Every rank's `f32` values, concatenated in rank order.
pub(crate) fn gather_f32(c: &dyn Collective, mine: &[f32]) -> Vec<f32> {
    gather(c, mine, f32::to_le_bytes, f32::from_le_bytes)
}

/// Runs `f(rank)` for every rank of an in-process group of `size`, each on
/// its own thread, and returns their results in rank order.
#[cfg(test)]
pub(crate) fn run_ranks<R: Send>(size: usize, f: impl Fn(InProcess) -> R + Sync) -> Vec<R> {
    let group = InProcess::group(size);
    std::thread::scope(|s| {
        let running: Vec<_> = group
            .into_iter()
            .map(|r| {
                let f = &f;
                s.spawn(move || f(r))
            })
            .collect();
        running
            .into_iter()
            .map(|t| t.join().expect("rank thread"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_reduce_in_rank_order_and_shards_tile_the_rows() {
        let out = run_ranks(3, |r| {
            let mut i = [r.rank() as i64 + 1, -2];
            r.sum_i64(&mut i);
            let mut f = [0.1 * (r.rank() + 1) as f64];
            r.sum_f64(&mut f);
            let mut m = [r.rank() as f64, -(r.rank() as f64)];
            r.max_f64(&mut m);
            let shard = Shard::of(10 + r.rank(), &r);
            (i, f, m, shard)
        });
        for (i, f, m, _) in &out {
            assert_eq!(*i, [6, -6]);
            assert_eq!(f[0], (0.1 + 0.2) + 0.1 * 3.0);
            assert_eq!(*m, [2.0, 0.0]);
        }
        let shards: Vec<_> = out.iter().map(|o| (o.3.offset, o.3.total)).collect();
        assert_eq!(shards, [(0, 33), (10, 33), (21, 33)]);
        assert_eq!(out[1].3.local(12), Some(2));
        assert_eq!(out[1].3.local(21), None);
        let single = Shard::of(7, &Single);
        assert_eq!((single.offset, single.rows, single.total), (0, 7, 7));
    }
}
