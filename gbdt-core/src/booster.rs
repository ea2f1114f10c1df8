//! The boosting loop: gradients, one tree per output per round, evaluation
//! on validation sets, early stopping.

use std::ops::ControlFlow;

use crate::binning::BinnedMatrix;
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::grower::{self, GrowConfig, GrowInput, Workspace};
use crate::metric::Metric;
use crate::model::{EvalResult, Model};
use crate::objective::{GradContext, GradPair};
use crate::parallel::Executor;
use crate::params::Params;
use crate::predict;
use crate::sampling::{fraction_count, Rng};
use crate::split::SplitParams;
use crate::tree::Tree;

/// Rows per parallel block for gradients and row sampling; fixed so results
/// do not depend on the thread count.
const ROW_BLOCK: usize = 16_384;

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
    params: Params,
    data: Dataset<'a>,
    num_outputs: usize,
    matrix: BinnedMatrix,
    par: Executor,
    threads: usize,
    pub(crate) subtraction: bool,
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
        params.check()?;
        let num_outputs = num_outputs(params, data.labels())?;
        for (row, &y) in data.labels().iter().enumerate() {
            params.objective.check_label(row, y, num_outputs)?;
        }
        let par = exec.clone();
        let threads = par.threads();
        let matrix = BinnedMatrix::new(
            data.features(),
            data.weights(),
            params.max_bin,
            params.seed,
            &par,
        );
        Ok(Trainer {
            params: params.clone(),
            data: data.clone(),
            num_outputs,
            matrix,
            par,
            threads,
            subtraction: true,
        })
    }

    /// Worker threads this training uses.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The validated parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Model outputs per row: the number of classes for multiclass, else 1.
    pub fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    /// Boosts, evaluating on `valid` after every round and calling `on_round`;
    /// `ControlFlow::Break` stops early (the model keeps the rounds so far).
    pub fn train(
        self,
        valid: &[(&str, &Dataset<'_>)],
        mut on_round: impl FnMut(&RoundEval<'_>) -> ControlFlow<()>,
    ) -> Result<Model> {
        let p = &self.params;
        let k = self.num_outputs;
        for (_, v) in valid {
            if v.num_features() != self.data.num_features() {
                return Err(Error::FeatureCountMismatch {
                    got: v.num_features(),
                    expected: self.data.num_features(),
                });
            }
        }
        let base =
            p.objective
                .base_margins(p.base_score, self.data.labels(), self.data.weights(), k);
        let mut margins: Vec<f64> = base
            .iter()
            .copied()
            .cycle()
            .take(self.data.num_rows() * k)
            .collect();
        let mut evals: Vec<Evaluation> = valid
            .iter()
            .map(|(name, d)| Evaluation::new(name, d, &base))
            .collect();
        let metrics = p.resolved_metrics();
        let mut grads = vec![GradPair::default(); margins.len()];
        let mut ws = Workspace::new(&self.matrix);
        let cfg = self.grow_config();
        let mut trees: Vec<Tree> = Vec::with_capacity(p.num_rounds * k);
        let mut stopper = EarlyStopping::new(p.early_stopping_rounds, metrics.last().copied());
        let mut best_results = Vec::new();
        for round in 0..p.num_rounds {
            self.gradients(&margins, &mut grads, round);
            let features = self.tree_features(round);
            for output in 0..k {
                let input = GrowInput {
                    matrix: &self.matrix,
                    grads: &grads,
                    stride: k,
                    output,
                    features: &features,
                    rng_stream: [round as u64, output as u64, 0x90DE],
                    seed: p.seed,
                };
                let grown = grower::grow(&input, &cfg, &mut ws, &self.par);
                for (range, value) in &grown.leaves {
                    for &row in ws.partition.rows(range.clone()) {
                        margins[row as usize * k + output] += *value as f64;
                    }
                }
                trees.push(grown.tree);
            }
            let results: Vec<EvalResult> = evals
                .iter_mut()
                .flat_map(|e| e.advance(&trees[round * k..], k, p.objective, &metrics, &self.par))
                .collect();
            let improved = stopper.observe(round, results.last().map(|r| r.value));
            if improved || stopper.best.is_none() {
                best_results.clone_from(&results);
            }
            let ev = RoundEval {
                round,
                num_rounds: p.num_rounds,
                results: &results,
                best_iteration: stopper.best_round(),
            };
            if on_round(&ev).is_break() || stopper.should_stop(round) {
                break;
            }
        }
        Ok(Model {
            objective: p.objective,
            num_outputs: k,
            num_features: self.data.num_features(),
            feature_names: self.data.feature_names().to_vec(),
            base_margins: base,
            trees,
            best_iteration: if p.early_stopping_rounds.is_some() {
                stopper.best_round()
            } else {
                None
            },
            metrics: best_results,
            // The thread count is how training ran, not what it learned: the
            // model is the same for any, so it is not stored.
            params: Params {
                threads: None,
                ..p.clone()
            },
        })
    }

    fn grow_config(&self) -> GrowConfig {
        let p = &self.params;
        GrowConfig {
            policy: p.grow_policy,
            max_depth: p.max_depth,
            max_leaves: p.max_leaves,
            split: SplitParams::from_params(p),
            colsample_bynode: p.colsample_bynode,
            subtraction: self.subtraction,
        }
    }

    /// Gradients of every row; rows left out by `subsample` get zero.
    fn gradients(&self, margins: &[f64], grads: &mut [GradPair], round: usize) {
        let p = &self.params;
        let k = self.num_outputs;
        let ctx = GradContext {
            labels: self.data.labels(),
            weights: self.data.weights(),
            num_outputs: k,
            max_delta_step: p.resolved_max_delta_step(),
            huber_slope: p.huber_slope,
        };
        self.par.for_each_chunk_mut(grads, ROW_BLOCK * k, |b, out| {
            let first = b * ROW_BLOCK;
            p.objective
                .gradients(&ctx, first, &margins[first * k..first * k + out.len()], out);
            if p.subsample < 1.0 {
                let mut rng = Rng::new(p.seed, &[round as u64, b as u64, 0x5A3B]);
                for row in out.chunks_exact_mut(k) {
                    if rng.next_f64() >= p.subsample {
                        row.fill(GradPair::default());
                    }
                }
            }
        });
    }

    /// The features one round's trees may use (`colsample_bytree`).
    fn tree_features(&self, round: usize) -> Vec<usize> {
        let all: Vec<usize> = (0..self.matrix.num_features()).collect();
        if self.params.colsample_bytree >= 1.0 {
            return all;
        }
        let count = fraction_count(all.len(), self.params.colsample_bytree);
        Rng::new(self.params.seed, &[round as u64, 0xC075]).choose_sorted(&all, count)
    }
}

/// Number of model outputs: classes for multiclass, else 1.
fn num_outputs(p: &Params, labels: &[f32]) -> Result<usize> {
    if !p.objective.is_multiclass() {
        return Ok(1);
    }
    if p.num_class > 0 {
        return Ok(p.num_class);
    }
    for (row, &y) in labels.iter().enumerate() {
        p.objective.check_label(row, y, usize::MAX)?;
    }
    let max = labels.iter().fold(0.0f32, |a, &b| a.max(b));
    Ok((max as usize + 1).max(2))
}

/// Margins of one validation set, advanced by each round's trees.
struct Evaluation<'d, 'x> {
    name: String,
    data: &'d Dataset<'x>,
    margins: Vec<f64>,
}

impl<'d, 'x> Evaluation<'d, 'x> {
    fn new(name: &str, data: &'d Dataset<'x>, base: &[f64]) -> Self {
        let margins = base
            .iter()
            .copied()
            .cycle()
            .take(data.num_rows() * base.len())
            .collect();
        Evaluation {
            name: name.to_string(),
            data,
            margins,
        }
    }

    fn advance(
        &mut self,
        new_trees: &[Tree],
        k: usize,
        objective: crate::Objective,
        metrics: &[Metric],
        par: &Executor,
    ) -> Vec<EvalResult> {
        let x = self.data.features();
        let forest = predict::Forest::new(new_trees);
        par.for_each_chunk_mut(&mut self.margins, predict::BLOCK * k, |b, out| {
            let start = b * predict::BLOCK;
            let rows = x.slice(ndarray::s![start..start + out.len() / k, ..]);
            forest.add(k, rows, out);
        });
        let mut outputs = self.margins.clone();
        for row in outputs.chunks_exact_mut(k) {
            objective.transform(row);
        }
        metrics
            .iter()
            .map(|&metric| EvalResult {
                dataset: self.name.clone(),
                metric,
                value: metric.compute(self.data.labels(), self.data.weights(), &outputs, k),
            })
            .collect()
    }
}

/// Tracks the early-stopping metric.
struct EarlyStopping {
    rounds: Option<usize>,
    higher_is_better: bool,
    best: Option<(usize, f64)>,
}

impl EarlyStopping {
    fn new(rounds: Option<usize>, metric: Option<Metric>) -> Self {
        EarlyStopping {
            rounds,
            higher_is_better: metric.is_some_and(Metric::higher_is_better),
            best: None,
        }
    }

    /// Records a round's value; true when it is a new best.
    fn observe(&mut self, round: usize, value: Option<f64>) -> bool {
        let Some(v) = value.filter(|v| !v.is_nan()) else {
            return false;
        };
        let better = match self.best {
            None => true,
            Some((_, b)) => {
                if self.higher_is_better {
                    v > b
                } else {
                    v < b
                }
            }
        };
        if better {
            self.best = Some((round, v));
        }
        better
    }

    fn best_round(&self) -> Option<usize> {
        self.best.map(|(r, _)| r)
    }

    fn should_stop(&self, round: usize) -> bool {
        match (self.rounds, self.best) {
            (Some(n), Some((best, _))) => round >= best + n,
            _ => false,
        }
    }
}

/// Trains a model in one call.
pub fn train(params: &Params, data: &Dataset<'_>, valid: &[(&str, &Dataset<'_>)]) -> Result<Model> {
    Trainer::new(params, data)?.train(valid, |_| ControlFlow::Continue(()))
}
