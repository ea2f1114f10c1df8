//! The executor: the only place that touches rayon. Work is split into
//! pieces whose boundaries never depend on the thread count, so results are
//! identical for any number of threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::collective::{Collective, Single};
use crate::error::{Error, Result};

/// Below this much work a parallel step runs on the calling thread. Unit
/// tests use 0 so their small data still goes through the worker pool (the
/// thread-count determinism tests need it).
const MIN_PARALLEL_WORK: usize = if cfg!(test) { 0 } else { 65_536 };

/// The same inside [`Executor::install_hot`], where the other workers are
/// polling: a step costs a steal rather than a wake-up, and the small nodes
/// of leaf-wise trees pay for it from a few thousand rows. Against 65,536,
/// leaf-wise rounds on two threads took 0.94 to 0.99 (1M regression, three
/// runs), 0.91 to 0.935 (1M binary) and 0.96 (100k credit) of their time
/// (medians of 6 to 10 pairs on a noisy host), depth-wise ones the same
/// (1.00); 4,096 gained nothing more.
const MIN_HOT_WORK: usize = if cfg!(test) { 0 } else { 16_384 };

thread_local! {
    /// Set on the thread running [`Executor::install_hot`]'s closure.
    static HOT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True when `work` (cells, rows or bins to touch) is enough to pay for
/// handing it to a pool's workers: waking them, or, inside
/// [`Executor::install_hot`], a steal.
// The thresholds are 0 in unit tests, where the comparison is always false.
#[allow(clippy::absurd_extreme_comparisons)]
pub(crate) fn worth_parallel(work: usize) -> bool {
    let least = match HOT.get() {
        true => MIN_HOT_WORK,
        false => MIN_PARALLEL_WORK,
    };
    work >= least
}

/// Where parallel work runs: a pool of a fixed number of workers, or the
/// rayon pool the caller is already in (the global pool unless the caller is
/// inside `ThreadPool::install`).
///
/// One executor is built per program (the CLI builds it from `--threads`)
/// and passed to every phase: CSV parsing, binning, training, prediction.
/// Cloning is cheap and shares the pool. Results never depend on the number
/// of threads: every step splits its work at boundaries fixed by the data.
///
/// An executor also says which processes share the training rows: one by
/// default, or the ranks of a [`Collective`] ([`Executor::with_collective`]).
///
/// ```
/// use gbdt_core::Executor;
/// let exec = Executor::new(2)?;
/// assert_eq!(exec.threads(), 2);
/// let squares = exec.map_range(4, |i| i * i);
/// assert_eq!(squares, [0, 1, 4, 9]);
/// # Ok::<(), gbdt_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Executor {
    pool: Option<Arc<rayon::ThreadPool>>,
    ranks: Arc<dyn Collective>,
    wait: WaitPolicy,
}

/// How a pool's idle workers wait between the parallel steps of a training
/// round, as OpenMP's `OMP_WAIT_POLICY` says for XGBoost and LightGBM.
/// Models are the same either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitPolicy {
    /// Keep polling for the next step (see [`Executor::install_hot`]): the
    /// fastest when the threads have their cores to themselves.
    #[default]
    Active,
    /// Sleep until woken: for cores shared with other busy processes,
    /// where polling workers fight them for the cores. With one busy
    /// process beside a two-thread run on two cores, leaf-wise training
    /// (100k-row credit data) took 0.58 of its active-waiting time; on
    /// idle cores it took 1.05 of it (medians of 6 pairs).
    Passive,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("threads", &self.threads())
            .field("own_pool", &self.has_own_pool())
            .field("rank", &self.ranks.rank())
            .field("ranks", &self.ranks.size())
            .field("wait", &self.wait)
            .finish()
    }
}

impl Default for Executor {
    fn default() -> Self {
        Executor::current()
    }
}

impl Executor {
    /// A pool of exactly `threads` workers.
    pub fn new(threads: usize) -> Result<Self> {
        if threads == 0 {
            return Err(Error::InvalidParam {
                name: "threads",
                value: "0".to_string(),
                allowed: ">= 1 (or unset for all available cores)".to_string(),
            });
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("gbdt-worker-{i}"))
            .build()
            .map_err(|e| Error::ThreadPool {
                threads,
                reason: e.to_string(),
            })?;
        Ok(Executor {
            pool: Some(Arc::new(pool)),
            ranks: Arc::new(Single),
            wait: WaitPolicy::Active,
        })
    }

    /// Runs in the rayon pool of the calling thread: the global pool
    /// (`available_parallelism` workers), or the pool of an enclosing
    /// `ThreadPool::install`.
    pub fn current() -> Self {
        Executor {
            pool: None,
            ranks: Arc::new(Single),
            wait: WaitPolicy::Active,
        }
    }

    /// The same threads, training together with the other ranks of
    /// `ranks`: every dataset given to training is then this rank's part
    /// of the rows (ranks hold consecutive parts, in rank order), and every
    /// rank gets the same model.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use gbdt_core::{Executor, InProcess};
    /// let exec = Executor::new(1)?.with_collective(Arc::new(InProcess::group(1).remove(0)));
    /// assert_eq!(exec.collective().size(), 1);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn with_collective(self, ranks: Arc<dyn Collective>) -> Self {
        Executor { ranks, ..self }
    }

    /// The same threads, waiting between training steps as `wait` says
    /// ([`WaitPolicy::Active`] by default).
    ///
    /// ```
    /// use gbdt_core::{Executor, WaitPolicy};
    /// let exec = Executor::new(2)?.with_wait_policy(WaitPolicy::Passive);
    /// assert_eq!(exec.wait_policy(), WaitPolicy::Passive);
    /// assert_eq!(exec.install_hot(|| exec.map_range(3, |i| i + 1)), [1, 2, 3]);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn with_wait_policy(self, wait: WaitPolicy) -> Self {
        Executor { wait, ..self }
    }

    /// How idle workers wait between training steps.
    pub fn wait_policy(&self) -> WaitPolicy {
        self.wait
    }

    /// The ranks training shares its rows with ([`Single`] by default).
    pub fn collective(&self) -> &dyn Collective {
        &*self.ranks
    }

    /// `Some(n)` builds a pool of `n` workers, `None` uses [`Executor::current`].
    pub fn with_threads(threads: Option<usize>) -> Result<Self> {
        threads.map_or_else(|| Ok(Executor::current()), Executor::new)
    }

    /// Number of workers.
    pub fn threads(&self) -> usize {
        match &self.pool {
            Some(pool) => pool.current_num_threads(),
            None => rayon::current_num_threads(),
        }
        .max(1)
    }

    /// True for a pool of its own ([`Executor::new`]), false for the
    /// caller's ([`Executor::current`]).
    pub(crate) fn has_own_pool(&self) -> bool {
        self.pool.is_some()
    }

    /// Runs `f` inside the pool, so that rayon calls made by `f` use its workers.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// Like [`Executor::install`], but while `f` runs the pool's other
    /// workers keep looking for work instead of going to sleep between
    /// parallel steps. Rayon parks a worker after a few dozen idle polls,
    /// and a parked worker takes a futex wake-up and a reschedule to join
    /// the next step; a leaf-wise tree has thousands of short steps with
    /// serial work between them: on two threads, leaf-wise rounds take
    /// 0.84 to 0.91 of their time with the workers kept awake, depth-wise
    /// ones about the same (OpenMP's spinning barrier spares LightGBM these
    /// wake-ups). The workers yield the core to the OS now and then, and
    /// nothing changes in what is computed. Since handing the polling
    /// workers a step costs less than waking them, steps inside `f` go
    /// parallel from less work (see `MIN_HOT_WORK`). Like OpenMP's active waiting,
    /// this costs time when other processes want the same cores: with one
    /// busy process beside a two-thread run on two cores, rounds took 1.15
    /// to 1.26 times as long as with parked workers (1M rows), 1.7 times
    /// (100k-row credit, leaf-wise; [`WaitPolicy::Passive`] parks them,
    /// `OMP_WAIT_POLICY=passive` on the command line). Runs `f` plainly when the
    /// executor has no pool of its own or one worker, when its
    /// [`WaitPolicy`] is passive, or when called from a worker thread (a
    /// nested call: the outer caller owns the workers).
    ///
    /// The pollers are the oldest jobs in the caller's deque, and other
    /// workers steal the oldest job first, so by the time any job of `f` is
    /// stolen every poller is running elsewhere: the caller, waiting for a
    /// stolen job, never picks up a poller (which would spin until `f`
    /// returns, under `f`).
    ///
    /// ```
    /// use gbdt_core::Executor;
    /// let exec = Executor::new(2)?;
    /// let sums = exec.install_hot(|| exec.map_range(4, |i| i * 10));
    /// assert_eq!(sums, vec![0, 10, 20, 30]);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn install_hot<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let Some(pool) = &self.pool else {
            return f();
        };
        let passive = self.wait == WaitPolicy::Passive;
        if passive || pool.current_num_threads() < 2 || rayon::current_thread_index().is_some() {
            return self.install(f);
        }
        pool.install(|| {
            let stop = AtomicBool::new(false);
            rayon::in_place_scope(|scope| {
                for _ in 1..pool.current_num_threads() {
                    scope.spawn(|_| poll_until(&stop));
                }
                // Set even when `f` panics, so the scope's wait ends.
                let _stop = StopOnDrop(&stop);
                let _hot = HotOnThisThread::set();
                f()
            })
        })
    }

    /// Calls `f(i, item)` for every item, in parallel.
    pub fn for_each_mut<T: Send>(&self, items: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
        self.install(|| items.par_iter_mut().enumerate().for_each(|(i, t)| f(i, t)));
    }

    /// Like [`Executor::for_each_mut`], but runs on the calling thread when
    /// `work` (cells, rows or bins to touch) is too small to pay for waking
    /// the workers: small nodes of leaf-wise trees split in microseconds.
    pub fn for_each_mut_sized<T: Send>(
        &self,
        items: &mut [T],
        work: usize,
        f: impl Fn(usize, &mut T) + Sync + Send,
    ) {
        if items.len() <= 1 || !worth_parallel(work) {
            items.iter_mut().enumerate().for_each(|(i, t)| f(i, t));
        } else {
            self.for_each_mut(items, f);
        }
    }

    /// Calls `f(i, chunk)` for consecutive chunks of `chunk` items (the last
    /// may be shorter), in parallel.
    pub fn for_each_chunk_mut<T: Send>(
        &self,
        data: &mut [T],
        chunk: usize,
        f: impl Fn(usize, &mut [T]) + Sync + Send,
    ) {
        let chunk = chunk.max(1);
        if data.len() <= chunk {
            if !data.is_empty() {
                f(0, data);
            }
            return;
        }
        self.install(|| {
            data.par_chunks_mut(chunk)
                .enumerate()
                .for_each(|(i, c)| f(i, c))
        });
    }

    /// Like [`Executor::for_each_chunk_mut`], but runs on the calling thread
    /// when `work` is too small to pay for waking the workers (e.g. predicting
    /// a few rows).
    ///
    /// ```
    /// use gbdt_core::Executor;
    /// let mut v = vec![1u32; 10];
    /// let work = v.len();
    /// Executor::new(2)?.for_each_chunk_mut_sized(&mut v, 4, work, |i, c| {
    ///     c.iter_mut().for_each(|x| *x += i as u32)
    /// });
    /// assert_eq!(v, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3]);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn for_each_chunk_mut_sized<T: Send>(
        &self,
        data: &mut [T],
        chunk: usize,
        work: usize,
        f: impl Fn(usize, &mut [T]) + Sync + Send,
    ) {
        if worth_parallel(work) {
            self.for_each_chunk_mut(data, chunk, f);
        } else {
            data.chunks_mut(chunk.max(1))
                .enumerate()
                .for_each(|(i, c)| f(i, c));
        }
    }

    /// `f(i)` for `i` in `0..n`, collected in order.
    pub fn map_range<R: Send>(&self, n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
        if n <= 1 {
            return (0..n).map(f).collect();
        }
        self.install(|| (0..n).into_par_iter().map(f).collect())
    }

    /// `f(item)` for every item, collected in order.
    pub fn map_vec<T: Send, U: Send>(
        &self,
        items: Vec<T>,
        f: impl Fn(T) -> U + Sync + Send,
    ) -> Vec<U> {
        if items.len() <= 1 {
            return items.into_iter().map(f).collect();
        }
        self.install(|| items.into_par_iter().map(f).collect())
    }

    /// `f(state, item)` for every item, collected in order; each worker
    /// makes one `state` with `init` and reuses it across its items (e.g. a
    /// scratch buffer).
    pub fn map_vec_with<T: Send, U: Send, S>(
        &self,
        items: Vec<T>,
        init: impl Fn() -> S + Sync + Send,
        f: impl Fn(&mut S, T) -> U + Sync + Send,
    ) -> Vec<U> {
        self.install(|| items.into_par_iter().map_init(init, f).collect())
    }
}

/// A worker's loop while [`Executor::install_hot`] runs: take and run the
/// pool's pending jobs until `stop` is set, giving the core to the OS now
/// and then while there are none.
fn poll_until(stop: &AtomicBool) {
    const POLLS_PER_YIELD: u32 = 64;
    const PAUSES_PER_POLL: u32 = 32;
    let mut idle = 0u32;
    while !stop.load(Ordering::Acquire) {
        if rayon::yield_now() == Some(rayon::Yield::Executed) {
            idle = 0;
            continue;
        }
        idle += 1;
        if idle.is_multiple_of(POLLS_PER_YIELD) {
            std::thread::yield_now();
        } else {
            for _ in 0..PAUSES_PER_POLL {
                std::hint::spin_loop();
            }
        }
    }
}

/// Marks the calling thread hot (see [`worth_parallel`]) until dropped,
/// then puts back what it was.
struct HotOnThisThread(bool);

impl HotOnThisThread {
    fn set() -> HotOnThisThread {
        HotOnThisThread(HOT.replace(true))
    }
}

impl Drop for HotOnThisThread {
    fn drop(&mut self) {
        HOT.set(self.0);
    }
}

/// Sets its flag when dropped.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_boundaries_do_not_depend_on_threads() {
        let run = |exec: Executor| {
            let mut data: Vec<f64> = (0..1000).map(|i| i as f64 * 0.1).collect();
            let sums = exec.map_range(10, |b| data[b * 100..(b + 1) * 100].iter().sum::<f64>());
            exec.for_each_chunk_mut(&mut data, 7, |i, c| {
                c.iter_mut().for_each(|v| *v += i as f64)
            });
            (sums, data)
        };
        let one = run(Executor::new(1).unwrap());
        assert_eq!(one, run(Executor::new(3).unwrap()));
        assert_eq!(one, run(Executor::current()));
    }

    #[test]
    fn a_pool_runs_on_its_own_workers_only() {
        let exec = Executor::new(1).unwrap();
        let names = exec.map_range(64, |_| std::thread::current().name().map(str::to_string));
        assert!(
            names.iter().all(|n| n.as_deref() == Some("gbdt-worker-0")),
            "{names:?}"
        );
        assert!(Executor::new(0).is_err());
    }

    #[test]
    fn hot_workers_share_the_work_stop_after_a_panic_and_nest() {
        let exec = Executor::new(2).unwrap();
        let names = exec.install_hot(|| {
            exec.map_range(2, |_| {
                std::thread::sleep(std::time::Duration::from_millis(50));
                std::thread::current().name().map(str::to_string)
            })
        });
        assert_ne!(names[0], names[1], "one worker ran both items");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            exec.install_hot(|| panic!("inside the pool"))
        }));
        assert!(panicked.is_err());
        let nested = exec.install_hot(|| exec.install_hot(|| exec.map_range(3, |i| i * 2)));
        assert_eq!(nested, vec![0, 2, 4]);
        assert_eq!(Executor::new(1).unwrap().install_hot(|| 7), 7);
        assert_eq!(Executor::current().install_hot(|| 8), 8);
    }

    #[test]
    fn the_hot_threshold_holds_only_while_the_workers_poll() {
        let exec = Executor::new(2).unwrap();
        let every_worker = || exec.pool.as_ref().unwrap().broadcast(|_| HOT.get());
        assert!(exec.install_hot(|| HOT.get()));
        assert!(exec.install_hot(|| exec.install_hot(|| HOT.get())));
        assert_eq!(every_worker(), [false, false]);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            exec.install_hot(|| panic!("inside the pool"))
        }));
        assert!(panicked.is_err());
        assert_eq!(every_worker(), [false, false], "the flag outlived a panic");
        assert!(!Executor::new(1).unwrap().install_hot(|| HOT.get()));
        assert!(!Executor::current().install_hot(|| HOT.get()));
    }

    #[test]
    fn passive_workers_are_not_kept_polling() {
        let exec = Executor::new(2)
            .unwrap()
            .with_wait_policy(WaitPolicy::Passive);
        // Polling workers would run `poll_until` in the pool: with none, a
        // broadcast inside reaches every worker at once and finds none hot.
        let (hot, workers) = exec.install_hot(|| {
            let workers = exec.pool.as_ref().unwrap().broadcast(|_| HOT.get());
            (HOT.get(), workers)
        });
        assert!(!hot, "a passive executor lowered the parallel threshold");
        assert_eq!(workers, [false, false]);
        assert!(exec
            .clone()
            .with_wait_policy(WaitPolicy::Active)
            .install_hot(|| HOT.get()));
    }
}
