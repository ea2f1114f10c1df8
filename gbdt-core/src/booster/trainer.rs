//! Training to the end: [`Trainer`] runs a [`Booster`] for
//! `params.num_rounds` rounds with a per-round callback; [`train`] does it in
//! one call.

use std::ops::ControlFlow;

use super::Booster;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::model::{EvalResult, Model};
use crate::parallel::Executor;
use crate::params::Params;

/// What a round reports to the caller.
#[derive(Debug, Clone)]
pub struct RoundEval<'r> {
    /// The round just finished (0-based).
    pub round: usize,
    /// Rounds planned.
    pub num_rounds: usize,
    /// Every metric on every validation set after this round.
    pub results: &'r [EvalResult],
    /// The best round so far by the early-stopping metric (the last metric
    /// on the last validation set), when there is a validation set.
    pub best_iteration: Option<usize>,
}

/// Training in two steps: [`Trainer::new`] validates and bins, then
/// [`Trainer::train`] boosts. Callers that time the phases separately use this.
///
/// ```
/// use std::ops::ControlFlow;
/// use gbdt_core::{Dataset, Params, Trainer};
/// use ndarray::Array2;
/// let x = Array2::from_shape_fn((100, 2), |(i, j)| (i * (j + 1)) as f32);
/// let y: Vec<f32> = (0..100).map(|i| i as f32 / 10.0).collect();
/// let data = Dataset::new(x.view(), &y)?;
/// let params = Params { num_rounds: 10, threads: Some(1), ..Params::default() };
/// let trainer = Trainer::new(&params, &data)?; // validates and bins
/// let mut rounds = 0;
/// let model = trainer.train(&[("train", &data)], |ev| {
///     rounds += 1;
///     assert_eq!(ev.results[0].metric.name(), "rmse");
///     ControlFlow::Continue(())
/// })?;
/// assert_eq!((rounds, model.num_trees()), (10, 10));
/// # Ok::<(), gbdt_core::Error>(())
/// ```
pub struct Trainer<'a> {
    booster: Booster<'a>,
}

impl<'a> Trainer<'a> {
    /// Validates parameters and labels and bins the features, on a pool of
    /// `params.threads` workers (or the caller's rayon pool when unset).
    pub fn new(params: &Params, data: &Dataset<'a>) -> Result<Self> {
        params.check()?;
        Self::with_executor(params, data, &Executor::with_threads(params.threads)?)
    }

    /// Like [`Trainer::new`], running every parallel step on `exec`
    /// (`params.threads` is ignored).
    pub fn with_executor(params: &Params, data: &Dataset<'a>, exec: &Executor) -> Result<Self> {
        Ok(Trainer {
            booster: Booster::new(params, data, exec)?,
        })
    }

    /// Worker threads this training uses.
    pub fn threads(&self) -> usize {
        self.booster.threads()
    }

    /// The validated parameters.
    pub fn params(&self) -> &Params {
        self.booster.params()
    }

    /// Model outputs per row: the number of classes for multiclass, else 1.
    pub fn num_outputs(&self) -> usize {
        self.booster.num_outputs()
    }

    /// Test-only switch, see [`Booster::set_subtraction`].
    #[cfg(test)]
    pub(crate) fn set_subtraction(&mut self, on: bool) {
        self.booster.set_subtraction(on);
    }

    /// Boosts `params.num_rounds` more rounds, evaluating on `valid` after
    /// every round and calling `on_round`; `ControlFlow::Break` stops early
    /// (the model keeps the rounds so far), and so does early stopping.
    /// Errors when `early_stopping_rounds` is set and `valid` is empty.
    pub fn train(
        self,
        valid: &[(&str, &Dataset<'_>)],
        mut on_round: impl FnMut(&RoundEval<'_>) -> ControlFlow<()>,
    ) -> Result<Model> {
        let mut booster = self.booster.reborrow();
        for (name, data) in valid {
            booster.add_valid(name, data)?;
        }
        let planned = booster.num_rounds() + booster.params().num_rounds;
        booster.run_until(planned, |ev, _| on_round(ev))?;
        Ok(booster.into_model())
    }
}

impl<'a> Booster<'a> {
    /// Steps until the model has `planned` rounds, early stopping stops, or
    /// `on_round` returns `ControlFlow::Break`; `on_round` sees each round's
    /// report and the booster (e.g. to save a checkpoint with
    /// [`Booster::to_model`]).
    pub fn run_until(
        &mut self,
        planned: usize,
        mut on_round: impl FnMut(&RoundEval<'_>, &Booster<'a>) -> ControlFlow<()>,
    ) -> Result<()> {
        while self.num_rounds() < planned {
            let outcome = self.step()?;
            let ev = RoundEval {
                round: outcome.round,
                num_rounds: planned,
                results: &outcome.results,
                best_iteration: outcome.best_iteration,
            };
            if on_round(&ev, self).is_break() || outcome.stop {
                break;
            }
        }
        Ok(())
    }
}

impl<'a> From<Booster<'a>> for Trainer<'a> {
    /// Runs an existing booster (e.g. one from [`Booster::from_model`]) to the
    /// end with [`Trainer::train`].
    fn from(booster: Booster<'a>) -> Self {
        Trainer { booster }
    }
}

/// Trains a model in one call.
pub fn train(params: &Params, data: &Dataset<'_>, valid: &[(&str, &Dataset<'_>)]) -> Result<Model> {
    Trainer::new(params, data)?.train(valid, |_| ControlFlow::Continue(()))
}
