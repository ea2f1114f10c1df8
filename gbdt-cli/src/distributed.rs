//! `gbdt train` under `mpirun` (built with `--features mpi`): every process
//! launched runs the same command, joins the MPI job and trains one model
//! together with the others (gbdt-core's data-parallel training). Without
//! the feature, or started without a launcher, training is one process.
//!
//! Each rank reads only its rows: its line range of the one data file, or
//! its own file (`--data-per-rank`), with gbdt-io agreeing column types,
//! categories, dropped columns and the label rule among the ranks (so the
//! data is what one process reading every row would select). What the
//! command derives from all the rows (the implied objective, row counts,
//! metrics on the training rows) is reduced here. Rank 0 alone prints,
//! writes the model and the report.

use std::path::Path;
use std::sync::OnceLock;

use gbdt_core::{Collective, Executor};
use gbdt_io::{DataPart, Table, TrainingData};

use crate::cli::{LearnArgs, TrainArgs};
use crate::data_file;
use crate::exit::{CmdResult, Code, Failure};
use crate::file_args::DataFormat;
use crate::input::{self, reading};

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
    report_in_job(check_args(args, &exec), &exec)?;
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

/// Set once this rank has printed its error (see [`report_in_job`]).
static REPORTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// True when this rank already printed the error it exits with.
pub fn reported() -> bool {
    REPORTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// On several ranks, prints this rank's error while it is still in the
/// MPI job. mpirun ends the whole job as soon as one rank exits with an
/// error, so a rank that printed only after leaving could be killed
/// before its message got out; MPI_Finalize (when the caller drops
/// `exec`) waits for every rank, so each message is written before any
/// rank exits. One process prints in `main` as before.
pub fn report_in_job<T>(result: CmdResult<T>, exec: &Executor) -> CmdResult<T> {
    if let (Err(f), true) = (&result, exec.collective().size() > 1) {
        if !f.is_broken_pipe() {
            crate::diag::say(name_rank(f.message()));
            REPORTED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    result
}

/// Checkpoints are one process's, and a holdout would have to be drawn
/// from every rank's rows: on several ranks they are refused, as is
/// standard input (one stream cannot be cut into line ranges).
fn check_args(args: &TrainArgs, exec: &Executor) -> CmdResult<()> {
    let ranks = exec.collective().size();
    if ranks == 1 {
        return Ok(());
    }
    if args.checkpoint_every.is_some() || args.resume {
        return Err(Failure::usage(format!(
            "--checkpoint-every and --resume are not supported when training on {ranks} \
             MPI ranks yet; train without them"
        )));
    }
    if args.holdout.is_some() {
        return Err(Failure::usage(format!(
            "--holdout is not supported when training on {ranks} MPI ranks (the held-out rows \
             would have to be drawn from every rank's rows); give a validation file with \
             --valid instead (each rank reads its part of it)"
        )));
    }
    let stdin = |p: Option<&Path>| p == Some(Path::new("-"));
    if stdin(args.learn.data.as_deref()) || stdin(args.valid.as_deref()) {
        return Err(Failure::usage(format!(
            "standard input ('-') cannot be read on {ranks} MPI ranks: give a file (each rank \
             reads its own line range of it) or --data-per-rank"
        )));
    }
    Ok(())
}

/// Every rank's `result` agreed: when any rank failed, every rank fails
/// with the exit code of the first rank that failed, the others naming it
/// (`rank R failed: ...`), so that no rank waits in an exchange alone.
pub fn agree<T>(result: CmdResult<T>, ranks: &dyn Collective) -> CmdResult<T> {
    if ranks.size() == 1 {
        return result;
    }
    let status = match &result {
        Ok(_) => Vec::new(),
        Err(f) => [&[f.code as u8][..], format!("{:#}", f.error).as_bytes()].concat(),
    };
    let all = ranks.all_gather(&status);
    let value = result?;
    match all.iter().position(|s| !s.is_empty()) {
        None => Ok(value),
        Some(rank) => {
            let code = match all[rank][0] {
                2 => Code::Usage,
                3 => Code::BadInput,
                _ => Code::Runtime,
            };
            let message = String::from_utf8_lossy(&all[rank][1..]);
            Err(Failure::new(code, format!("rank {rank} failed: {message}")))
        }
    }
}

/// Whether this process reads its part of the data with gbdt-io's
/// distributed reader: on several ranks, or with `--data-per-rank`.
pub fn reads_part(args: &LearnArgs, exec: &Executor) -> bool {
    exec.collective().size() > 1 || args.data_per_rank.is_some()
}

/// This rank's part of a CSV data file (`valid`: the `--valid` file, of
/// which each rank reads its line range): the table of its rows, with
/// column types agreed among the ranks. LibSVM data is refused here.
pub fn read_part(args: &LearnArgs, valid: Option<&Path>, exec: &Executor) -> CmdResult<Table> {
    let ranks = exec.collective();
    let (path, part) = match (valid, &args.data_per_rank) {
        (Some(v), _) => (v.to_path_buf(), DataPart::LineRange),
        (None, Some(_)) => (args.data_path(ranks.rank()), DataPart::WholeFile),
        (None, None) => (args.data_path(0), DataPart::LineRange),
    };
    let format = agree(data_file::file_format(&path, &args.csv), ranks)?;
    if total((format == DataFormat::Libsvm) as usize, ranks) > 0 {
        return Err(Failure::usage(format!(
            "{} is LibSVM data, which cannot be read on {} MPI ranks (or with \
             --data-per-rank) yet; convert it to CSV, or train on one process",
            path.display(),
            ranks.size()
        )));
    }
    let opts = input::csv_options(&args.csv)?;
    reading(gbdt_io::read_csv_part(&path, &opts, part, exec))
}

/// `n` summed over the ranks.
pub fn total(n: usize, ranks: &dyn Collective) -> usize {
    let mut v = [n as i64];
    ranks.sum_i64(&mut v);
    v[0] as usize
}

/// True when every rank's labels are 0 or 1.
pub fn all_binary(labels: &[f32], ranks: &dyn Collective) -> bool {
    let mine = labels.iter().all(|&y| y == 0.0 || y == 1.0);
    total(!mine as usize, ranks) == 0
}

/// Every rank's values concatenated in rank order.
pub fn gather_f64(values: &[f64], ranks: &dyn Collective) -> Vec<f64> {
    if ranks.size() == 1 {
        return values.to_vec();
    }
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    ranks
        .all_gather(&bytes)
        .iter()
        .flat_map(|b| {
            b.chunks_exact(8)
                .map(|w| f64::from_le_bytes(w.try_into().expect("8 bytes")))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether this process speaks for the job: prints, writes files.
pub fn is_lead(exec: &Executor) -> bool {
    exec.collective().rank() == 0
}

/// Rows over all ranks: those trained on, and those skipped for a missing
/// target.
#[derive(Debug, Clone, Copy)]
pub struct Totals {
    pub rows: usize,
    pub dropped_rows: usize,
    /// Rows of the validation data, when there is one.
    pub valid_rows: Option<usize>,
}

impl Totals {
    pub fn of(data: &TrainingData, valid: Option<&TrainingData>, ranks: &dyn Collective) -> Totals {
        Totals {
            rows: total(data.labels.len(), ranks),
            dropped_rows: total(data.dropped_rows, ranks),
            valid_rows: valid.map(|v| total(v.labels.len(), ranks)),
        }
    }
}

/// Metrics of the final model on every rank's training rows (in rank
/// order, so exactly one process's), from this rank's scores `flat` (in
/// metric space).
pub fn all_rows_metrics(
    model: &gbdt_core::Model,
    data: &gbdt_core::Dataset<'_>,
    flat: &[f64],
    metrics: &[gbdt_core::Metric],
    ranks: &dyn Collective,
) -> Vec<gbdt_core::EvalResult> {
    let widen = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
    let narrow = |v: Vec<f64>| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    let flat = gather_f64(flat, ranks);
    let labels = narrow(gather_f64(&widen(data.labels()), ranks));
    let weights = data.weights().map(|w| narrow(gather_f64(&widen(w), ranks)));
    metrics
        .iter()
        .map(|&metric| gbdt_core::EvalResult {
            dataset: "train".to_string(),
            metric,
            value: metric.compute_grouped(
                &labels,
                weights.as_deref(),
                &flat,
                model.num_outputs(),
                None,
            ),
        })
        .collect()
}
