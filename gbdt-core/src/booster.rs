//! The boosting loop: gradients, one tree per output per round, evaluation
//! on validation sets, early stopping.

use std::ops::ControlFlow;

use crate::dataset::Dataset;
use crate::error::Result;
use crate::model::{EvalResult, Model};
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
    /// The best round so far by the early-stopping metric.
    pub best_iteration: Option<usize>,
}

/// Training in two steps: [`Trainer::new`] validates and bins, then
/// [`Trainer::train`] boosts. Callers that time the phases separately use this.
pub struct Trainer<'a> {
    params: Params,
    data: Dataset<'a>,
}

impl<'a> Trainer<'a> {
    /// Validates parameters and labels and bins the features.
    pub fn new(params: &Params, data: &Dataset<'a>) -> Result<Self> {
        params.check()?;
        Ok(Trainer {
            params: params.clone(),
            data: data.clone(),
        })
    }

    /// Worker threads this training uses.
    pub fn threads(&self) -> usize {
        self.params.resolved_threads()
    }

    /// Boosts, evaluating on `valid` after every round and calling `on_round`;
    /// `ControlFlow::Break` stops early.
    pub fn train(
        self,
        valid: &[(&str, &Dataset<'_>)],
        on_round: impl FnMut(&RoundEval<'_>) -> ControlFlow<()>,
    ) -> Result<Model> {
        let _ = (valid, on_round, &self.data);
        todo!("boosting loop")
    }
}

/// Trains a model in one call.
pub fn train(params: &Params, data: &Dataset<'_>, valid: &[(&str, &Dataset<'_>)]) -> Result<Model> {
    Trainer::new(params, data)?.train(valid, |_| ControlFlow::Continue(()))
}
