//! # gbdt-mpi
//!
//! gbdt-core's [`Collective`] on MPI (OpenMPI, MPICH), through the `mpi`
//! crate: data-parallel training where every process launched by `mpirun`
//! (or `srun`, or a Kubernetes MPIJob) holds a part of the rows and all of
//! them build one model together.
//!
//! ```no_run
//! use std::sync::Arc;
//! use gbdt_core::{Executor, Collective};
//! let ranks = gbdt_mpi::Mpi::init()?;
//! println!("rank {} of {}", ranks.rank(), ranks.size());
//! let exec = Executor::new(1)?.with_collective(Arc::new(ranks));
//! // Booster::new(&params, &this_ranks_rows, &exec) ... as on one process.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Integer sums use `MPI_Allreduce`; float sums are reduced to rank 0 and
//! broadcast, so that every rank holds the very same bits (an allreduce
//! may round differently on different ranks), which keeps the ranks'
//! trees identical.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use gbdt_core::Collective;
use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Threading;

/// Why MPI could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `MPI_Init_thread` was already called, or the MPI library refused.
    #[error("MPI could not be initialised (already initialised in this process, or the MPI library failed to start); run under mpirun, srun or an MPIJob, once per process")]
    Init,
    /// The MPI library cannot serve calls from the training thread.
    #[error("the MPI library offers thread level {got:?}, gbdt needs at least Serialized (collectives may be called from a worker thread); use an MPI build with thread support (OpenMPI and MPICH have it)")]
    Threading { got: Threading },
}

/// The world communicator of this MPI job. Dropping it finalises MPI.
pub struct Mpi {
    rank: usize,
    size: usize,
    /// Calls are serialized: MPI is initialised at `Threading::Serialized`.
    world: Mutex<World>,
    /// Exchanges made, and the bytes this rank contributed to them.
    calls: AtomicU64,
    bytes: AtomicU64,
}

/// What a rank has exchanged so far ([`Mpi::traffic`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Traffic {
    /// Collective calls (all-gathers, sums, maxima).
    pub calls: u64,
    /// Bytes of this rank's messages: what it put into the calls. A ring
    /// all-reduce moves about twice that per rank over the network.
    pub bytes: u64,
}

/// The MPI handles, kept together so the universe outlives the communicator.
struct World {
    comm: SimpleCommunicator,
    _universe: Universe,
}

// SAFETY: MPI handles are process-wide identifiers, not thread-bound
// state. MPI is initialised at MPI_THREAD_SERIALIZED (checked in
// `Mpi::init`), which allows calls from any thread as long as no two run at
// once; every call goes through the `Mutex` around `World`.
unsafe impl Send for World {}

impl Mpi {
    /// Initialises MPI (at `MPI_THREAD_SERIALIZED`) and joins the world
    /// communicator. A process not started by an MPI launcher is a world of
    /// one rank.
    pub fn init() -> Result<Mpi, Error> {
        let (universe, got) =
            mpi::initialize_with_threading(Threading::Serialized).ok_or(Error::Init)?;
        if got < Threading::Serialized {
            return Err(Error::Threading { got });
        }
        let comm = universe.world();
        Ok(Mpi {
            rank: comm.rank() as usize,
            size: comm.size() as usize,
            world: Mutex::new(World {
                comm,
                _universe: universe,
            }),
            calls: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        })
    }

    /// What this rank has exchanged so far.
    pub fn traffic(&self) -> Traffic {
        Traffic {
            calls: self.calls.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// Counts one exchange of `bytes` from this rank.
    fn count(&self, bytes: usize) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn with<R>(&self, f: impl FnOnce(&SimpleCommunicator) -> R) -> R {
        let world = self.world.lock().unwrap_or_else(|p| p.into_inner());
        f(&world.comm)
    }

    /// Stops every rank of the job with `code` (`MPI_Abort`): for a rank
    /// that cannot go on while the others wait in an exchange.
    pub fn abort(&self, code: i32) -> ! {
        self.with(|c| c.abort(code))
    }

    /// `values` replaced, on every rank, by `op` over every rank's values
    /// (`MPI_Allreduce`): for exact operations only (integer sums, maxima).
    fn all_reduce<T: Equivalence + Clone>(&self, values: &mut [T], op: SystemOperation) {
        if self.size == 1 {
            return;
        }
        self.count(std::mem::size_of_val(values));
        self.with(|c| {
            let mine = values.to_vec();
            c.all_reduce_into(&mine[..], values, op);
        });
    }

    /// Waits until every rank gets here.
    pub fn barrier(&self) {
        self.with(|c| c.barrier());
    }
}

impl std::fmt::Debug for Mpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mpi {{ rank: {}, size: {} }}", self.rank, self.size)
    }
}

impl Collective for Mpi {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn all_gather(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        self.count(mine.len());
        self.with(|c| {
            let mut counts = vec![0i32; self.size];
            c.all_gather_into(&(mine.len() as i32), &mut counts[..]);
            let displs: Vec<i32> = counts
                .iter()
                .scan(0, |at, &n| {
                    let d = *at;
                    *at += n;
                    Some(d)
                })
                .collect();
            let total: usize = counts.iter().map(|&n| n as usize).sum();
            if total == 0 {
                // OpenMPI refuses an all-gather of nothing at all.
                return vec![Vec::new(); self.size];
            }
            let mut all = vec![0u8; total];
            let mut parts = PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
            c.all_gather_varcount_into(mine, &mut parts);
            displs
                .iter()
                .zip(&counts)
                .map(|(&d, &n)| all[d as usize..(d + n) as usize].to_vec())
                .collect()
        })
    }

    fn sum_i64(&self, values: &mut [i64]) {
        self.all_reduce(values, SystemOperation::sum());
    }

    fn sum_f64(&self, values: &mut [f64]) {
        if self.size == 1 {
            return;
        }
        self.count(std::mem::size_of_val(values));
        self.with(|c| {
            let root = c.process_at_rank(0);
            let mine = values.to_vec();
            if self.rank == 0 {
                root.reduce_into_root(&mine[..], values, SystemOperation::sum());
            } else {
                root.reduce_into(&mine[..], SystemOperation::sum());
            }
            root.broadcast_into(values);
        });
    }

    fn max_f64(&self, values: &mut [f64]) {
        // A maximum is exact: every rank gets the same bits.
        self.all_reduce(values, SystemOperation::max());
    }
}
