//! `gbdt train` under `mpirun` (built with `--features mpi`): every process
//! launched runs the same command, joins the MPI job and trains one model
//! together with the others (gbdt-core's data-parallel training). Without
//! the feature, or started without a launcher, training is one process.
//!
//! This first version reads the whole file on every rank (so column types,
//! categories and the label rule are the same everywhere without an
//! exchange) and trains each rank on its consecutive part of the rows:
//! the binned matrix, gradients and histograms are per part, the parsed
//! table is not. Rank 0 alone prints, writes the model and the report.

use std::ops::Range;
use std::sync::OnceLock;

use gbdt_core::{Collective, Dataset, Executor};
use gbdt_io::TrainingData;

use crate::cli::TrainArgs;
use crate::exit::{CmdResult, Failure};
use crate::input::reading;

/// The executor, joined to the MPI job when there is one of several ranks
/// (and `args` checked for what ranks cannot do).
#[cfg(feature = "mpi")]
pub fn join(exec: Executor, args: &TrainArgs) -> CmdResult<Executor> {
    use crate::exit::Code;
    let ranks = gbdt_mpi::Mpi::init().map_err(|e| Failure {
        code: Code::Runtime,
        error: e.into(),
    })?;
    if ranks.size() == 1 {
        return Ok(exec);
    }
    let _ = RANK.set((ranks.rank(), ranks.size()));
    let ranks = std::sync::Arc::new(ranks);
    let _ = MPI.set(std::sync::Arc::downgrade(&ranks));
    let exec = exec.with_collective(ranks);
    check_args(args, &exec)?;
    Ok(exec)
}

/// Without MPI support the executor is one process.
#[cfg(not(feature = "mpi"))]
pub fn join(exec: Executor, args: &TrainArgs) -> CmdResult<Executor> {
    check_args(args, &exec)?;
    Ok(exec)
}

/// The MPI job this process joined, for its traffic counts; weak, so that
/// MPI is finalised when the executor holding it is dropped.
#[cfg(feature = "mpi")]
static MPI: OnceLock<std::sync::Weak<gbdt_mpi::Mpi>> = OnceLock::new();

/// Says what this rank exchanged (with `--verbose`, on several ranks).
pub fn say_traffic(verbose: bool, say: impl Fn(&str)) {
    #[cfg(feature = "mpi")]
    if let Some(mpi) = MPI
        .get()
        .and_then(std::sync::Weak::upgrade)
        .filter(|_| verbose)
    {
        let t = mpi.traffic();
        say(&format!(
            "MPI: {} collective calls, {} bytes from this rank",
            t.calls, t.bytes
        ));
    }
    #[cfg(not(feature = "mpi"))]
    let _ = (verbose, say);
}

/// This process's rank and the number of ranks, once it joined a job of
/// several.
static RANK: OnceLock<(usize, usize)> = OnceLock::new();

/// `message` as this process reports it: naming its rank in a job of
/// several ranks (each prints its own errors).
pub fn name_rank(message: String) -> String {
    match RANK.get() {
        Some((rank, size)) => format!("rank {rank} of {size}: {message}"),
        None => message,
    }
}

/// Checkpoints are one process's: on several ranks they are refused.
fn check_args(args: &TrainArgs, exec: &Executor) -> CmdResult<()> {
    let ranks = exec.collective().size();
    if ranks > 1 && (args.checkpoint_every.is_some() || args.resume) {
        return Err(Failure::usage(format!(
            "--checkpoint-every and --resume are not supported when training on {ranks} \
             MPI ranks yet; train without them"
        )));
    }
    Ok(())
}

/// Whether this process speaks for the job: prints, writes files.
pub fn is_lead(exec: &Executor) -> bool {
    exec.collective().rank() == 0
}

/// This rank's parts of the training and validation data when there are
/// several ranks (else none: the data is used as read).
pub struct Parts {
    train: Option<TrainingData>,
    valid: Option<TrainingData>,
}

impl Parts {
    pub fn of(data: &TrainingData, valid: Option<&TrainingData>, ranks: &dyn Collective) -> Parts {
        Parts {
            train: my_part(data, ranks),
            valid: valid.and_then(|v| my_part(v, ranks)),
        }
    }

    /// The datasets this rank trains and validates on.
    pub fn datasets<'a>(
        &'a self,
        data: &'a TrainingData,
        valid: Option<&'a TrainingData>,
    ) -> CmdResult<(Dataset<'a>, Option<Dataset<'a>>)> {
        let train = reading(self.train.as_ref().unwrap_or(data).dataset())?;
        let valid = (self.valid.as_ref().or(valid)).map(|v| reading(v.dataset()));
        Ok((train, valid.transpose()?))
    }
}

/// This rank's part of `data` when there are several ranks: consecutive
/// rows, as even as can be, in rank order.
fn my_part(data: &TrainingData, ranks: &dyn Collective) -> Option<TrainingData> {
    (ranks.size() > 1).then(|| data.rows(part(data.labels.len(), ranks.rank(), ranks.size())))
}

/// Rows `rank` of `size` holds out of `rows`.
fn part(rows: usize, rank: usize, size: usize) -> Range<usize> {
    rank * rows / size..(rank + 1) * rows / size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_tile_the_rows_in_rank_order() {
        let parts: Vec<_> = (0..3).map(|r| part(10, r, 3)).collect();
        assert_eq!(parts, [0..3, 3..6, 6..10]);
        assert_eq!(part(2, 2, 3), 1..2);
    }
}
