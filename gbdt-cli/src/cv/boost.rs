//! One booster per fold, stepped round by round: every fold adds one round,
//! then the round's statistics are taken over the folds. Folds step in
//! parallel on the command's executor (each booster also runs its own
//! parallel steps there); every booster gives the same trees for any
//! thread count, so the table does too.

use gbdt_core::{Booster, Dataset, EvalResult, Executor, Params, Result as CoreResult};
use gbdt_io::TrainingData;

use super::stats::History;
use crate::exit::{core, CmdResult};
use crate::input::reading;
use crate::shutdown;

/// The name of the held-out fold in metrics (`valid-auc`), as the
/// validation set of `gbdt train --valid`.
pub const VALID: &str = "valid";
/// The name of a fold's training rows in metrics (`--train-metrics`).
pub const TRAIN: &str = "train";

/// What the folds train on and are scored on.
pub struct FoldSets<'a> {
    /// Per fold: (training rows, held-out rows).
    sets: Vec<(Dataset<'a>, Dataset<'a>)>,
}

impl<'a> FoldSets<'a> {
    /// The datasets of every fold's two parts.
    pub fn new(parts: &'a [(TrainingData, TrainingData)]) -> CmdResult<Self> {
        let sets = parts
            .iter()
            .map(|(t, v)| Ok((reading(t.dataset())?, reading(v.dataset())?)))
            .collect::<CmdResult<Vec<_>>>()?;
        Ok(FoldSets { sets })
    }
}

/// A fold's booster and the outcome of its last step.
struct Fold<'a> {
    booster: Booster<'a>,
    last: Option<CoreResult<Vec<EvalResult>>>,
}

/// Runs every fold up to `params.num_rounds` rounds, or until the mean of
/// the watched metric has not improved for `params.early_stopping_rounds`
/// rounds, or a signal; `on_round` sees the history after each round.
pub fn run<'a>(
    params: &Params,
    folds: &FoldSets<'a>,
    train_metrics: bool,
    exec: &Executor,
    mut on_round: impl FnMut(&History) -> CmdResult<()>,
) -> CmdResult<History> {
    // Each booster trains to the end; early stopping is on the mean.
    let fold_params = Params {
        early_stopping_rounds: None,
        ..params.clone()
    };
    let mut boosters = folds
        .sets
        .iter()
        .map(|(train, valid)| start(&fold_params, train, valid, train_metrics, exec))
        .collect::<CmdResult<Vec<_>>>()?;
    let mut history = History::default();
    shutdown::while_boosting(|| {
        while history.rounds() < params.num_rounds {
            history.push(&step_all(&mut boosters, exec)?);
            on_round(&history)?;
            if let Some(stopped) = shutdown::requested() {
                return Err(stopped);
            }
            if history.should_stop(params.early_stopping_rounds) {
                break;
            }
        }
        Ok(())
    })?;
    Ok(history)
}

/// A fold's booster: bins its training rows, scores its held-out rows
/// (last, so that they are the watched set) and with `train_metrics` its
/// training rows.
fn start<'a>(
    params: &Params,
    train: &Dataset<'a>,
    valid: &Dataset<'a>,
    train_metrics: bool,
    exec: &Executor,
) -> CmdResult<Fold<'a>> {
    let mut booster = core(Booster::new(params, train, exec))?;
    if train_metrics {
        core(booster.add_valid(TRAIN, train))?;
    }
    core(booster.add_valid(VALID, valid))?;
    Ok(Fold {
        booster,
        last: None,
    })
}

/// Adds one round to every fold, in parallel; each fold's results.
fn step_all(folds: &mut [Fold<'_>], exec: &Executor) -> CmdResult<Vec<Vec<EvalResult>>> {
    exec.for_each_mut(folds, |_, fold| {
        fold.last = Some(fold.booster.step().map(|outcome| outcome.results));
    });
    folds
        .iter_mut()
        .map(|fold| core(fold.last.take().unwrap_or_else(|| Ok(Vec::new()))))
        .collect()
}
