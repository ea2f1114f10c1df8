//! The boosting loop as a state that adds one round per call: [`Booster`]
//! owns the binned training data, the training rows' margins, the gradient
//! buffer, the grower's workspace, the validation sets and the early-stopping
//! state. [`Trainer`] runs it to the end with a progress callback.
//!
//! - `gradients.rs`: per-round gradients and feature sampling;
//! - `columns.rs`: with several outputs, each output's gradients contiguous;
//! - `eval.rs`: validation sets and their margins;
//! - `leaf_rows.rs`: a tree's leaf values added to the margins block by block;
//! - `early_stopping.rs`: the best round and when to stop;
//! - `trainer.rs`: [`Trainer`], [`train`] and [`RoundEval`].

mod columns;
mod early_stopping;
mod eval;
mod gradients;
mod leaf_rows;
mod quantize;
#[cfg(test)]
mod quantize_tests;
mod refit;
mod trainer;

pub use trainer::{train, RoundEval, Trainer};

use columns::Columns;
use refit::{refit_leaves, RefitInput};

use crate::binning::BinnedMatrix;
use crate::collective::{self, Collective, Shard};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::grower::{self, GrowConfig, GrowInput, Interactions, QuantRows, Workspace};
use crate::histogram::PackedBin;
use crate::metric::Metric;
use crate::model::{EvalResult, Model};
use crate::objective::rank::RankState;
use crate::objective::GradPair;
use crate::parallel::Executor;
use crate::params::Params;
use crate::predict;
use crate::split::{CatParams, SplitParams};
use crate::tree::Tree;

pub use early_stopping::EarlyStopping;
use eval::Evaluation;
use quantize::Quantized;

/// What one call of [`Booster::step`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundOutcome {
    /// The round just added (0-based, counting the rounds of a continued model).
    pub round: usize,
    /// Every metric on every validation set after this round.
    pub results: Vec<EvalResult>,
    /// The best round so far by the early-stopping metric (the last metric
    /// on the last validation set), when there is a validation set.
    pub best_iteration: Option<usize>,
    /// True when early stopping says to stop: `early_stopping_rounds` rounds
    /// passed without a new best.
    pub stop: bool,
}

/// Training one round at a time. The same inputs give the same model
/// whether the rounds are added in one run or across a saved model and
/// [`Booster::from_model`]: random draws are keyed by the absolute round.
///
/// ```
/// use gbdt_core::{Booster, Dataset, Executor, Params};
/// use ndarray::Array2;
/// let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * (j + 1)) % 13) as f32);
/// let y: Vec<f32> = (0..200).map(|i| x[[i, 0]] / 4.0).collect();
/// let data = Dataset::new(x.view(), &y)?;
/// let params = Params { early_stopping_rounds: Some(3), ..Params::default() };
/// let exec = Executor::new(1)?;
/// let mut booster = Booster::new(&params, &data, &exec)?;
/// booster.add_valid("valid", &data)?;
/// while booster.num_rounds() < 50 {
///     let round = booster.step()?;
///     assert_eq!(round.results[0].metric.name(), "rmse");
///     if round.stop {
///         break;
///     }
/// }
/// let model = booster.into_model();
/// assert_eq!(model.num_trees(), 50);
/// # Ok::<(), gbdt_core::Error>(())
/// ```
pub struct Booster<'a> {
    params: Params,
    data: Dataset<'a>,
    /// Where this rank's rows sit among every rank's (all rows on one process).
    shard: Shard,
    num_outputs: usize,
    matrix: BinnedMatrix,
    exec: Executor,
    cfg: GrowConfig,
    metrics: Vec<Metric>,
    base: Vec<f64>,
    /// Raw margins of the training rows, rows × `num_outputs`.
    margins: Vec<f64>,
    grads: Vec<GradPair>,
    /// The round's quantized gradients (`use_quantized_grad`).
    quant: Quantized,
    /// `grads` and `quant.rows` by output (several outputs only).
    grad_columns: Columns<GradPair>,
    quant_columns: Columns<PackedBin>,
    /// The grower's buffers, one per tree a round grows at once.
    ws: Vec<Workspace>,
    /// Ranking objectives: what the gradients keep between rounds.
    rank: RankState,
    valid: Vec<Evaluation<'a>>,
    stopper: EarlyStopping,
    /// Validation results at the best round (or the last, without a best).
    best_results: Vec<EvalResult>,
    trees: Vec<Tree>,
}

impl<'a> Booster<'a> {
    /// Validates parameters and labels, bins the features and starts at the
    /// base margins (from `params.base_score` or the labels). Every parallel
    /// step runs on `exec` (`params.threads` is ignored).
    pub fn new(params: &Params, data: &Dataset<'a>, exec: &Executor) -> Result<Self> {
        let ranks = exec.collective();
        let (k, shard) = validate(params, data, None, ranks)?;
        let (labels, weights, alphas) = (data.labels(), data.weights(), &params.quantile_alpha);
        let base =
            (params.objective).base_margins(params.base_score, labels, weights, k, alphas, ranks);
        Ok(Self::start(params, data, exec, shard, base, Vec::new(), k))
    }

    /// Continues training `model`: its trees and base margins stay, the
    /// training margins start at its raw predictions on `data` (all its
    /// trees, not just up to its best iteration), and new rounds count on
    /// from its last. `data` has the model's features in the model's order;
    /// `params.objective` must be the model's.
    ///
    /// ```
    /// use gbdt_core::{train, Booster, Dataset, Executor, Params};
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * (j + 1)) % 13) as f32);
    /// let y: Vec<f32> = (0..200).map(|i| x[[i, 0]] / 4.0).collect();
    /// let data = Dataset::new(x.view(), &y)?;
    /// let params = Params { num_rounds: 4, ..Params::default() };
    /// let first = train(&params, &data, &[])?;
    /// let mut booster = Booster::from_model(first, &params, &data, &Executor::current())?;
    /// booster.step()?;
    /// assert_eq!(booster.into_model().num_rounds(), 5);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn from_model(
        model: Model,
        params: &Params,
        data: &Dataset<'a>,
        exec: &Executor,
    ) -> Result<Self> {
        let (k, shard) = validate(params, data, Some(&model), exec.collective())?;
        Ok(Self::start(
            params,
            data,
            exec,
            shard,
            model.base_margins,
            model.trees,
            k,
        ))
    }

    fn start(
        params: &Params,
        data: &Dataset<'a>,
        exec: &Executor,
        shard: Shard,
        base: Vec<f64>,
        trees: Vec<Tree>,
        num_outputs: usize,
    ) -> Self {
        let matrix = BinnedMatrix::new(
            data.features(),
            data.weights(),
            data.categories(),
            params.max_bin,
            params.seed,
            exec,
        );
        let margins = predict::start_margins(&base, data.features(), &trees, exec);
        let metrics = params.resolved_metrics();
        let rank = match (data.groups(), params.objective.rank_loss()) {
            (Some(groups), Some(loss)) => {
                let truncation = params.lambdarank_truncation_level;
                RankState::new(loss, data.labels(), groups, truncation)
            }
            _ => RankState::default(),
        };
        Booster {
            rank,
            shard,
            stopper: EarlyStopping::new(metrics.last().copied()),
            cfg: grow_config(params),
            grads: vec![GradPair::default(); margins.len()],
            quant: Quantized::default(),
            grad_columns: Columns::default(),
            quant_columns: Columns::default(),
            ws: Vec::new(),
            params: params.clone(),
            data: data.clone(),
            num_outputs,
            matrix,
            exec: exec.clone(),
            metrics,
            base,
            margins,
            valid: Vec::new(),
            best_results: Vec::new(),
            trees,
        }
    }

    /// Adds a validation set, scored with every metric after each round.
    /// Early stopping watches the last metric on the last set added.
    pub fn add_valid<'v: 'a>(&mut self, name: &str, data: &Dataset<'v>) -> Result<()> {
        if data.num_features() != self.data.num_features() {
            return Err(Error::FeatureCountMismatch {
                got: data.num_features(),
                expected: self.data.num_features(),
            });
        }
        let eval = Evaluation::new(name, data, &self.base, &self.trees, &self.exec);
        self.valid.push(eval);
        Ok(())
    }

    /// Adds one round: gradients, one tree per output, the training margins
    /// updated from the leaves' row ranges, then every validation set scored.
    /// Errors when `early_stopping_rounds` is set without a validation set.
    pub fn step(&mut self) -> Result<RoundOutcome> {
        // On one process the round runs on a worker of the pool, so each
        // parallel step inside it hands work to the other workers directly
        // instead of waking the pool from outside and waiting (16% of the
        // 100k-row credit benchmark's leaf-wise time), and the other
        // workers stay awake between steps (`install_hot`). Ranks stay on their
        // own threads: ranks of one process may share a pool, and one
        // waiting in a collective must not hold a worker another needs.
        if self.exec.collective().size() > 1 {
            return self.round();
        }
        let exec = self.exec.clone();
        exec.install_hot(|| self.round())
    }

    fn round(&mut self) -> Result<RoundOutcome> {
        self.check_early_stopping()?;
        let round = self.num_rounds();
        let k = self.num_outputs;
        let p = &self.params;
        gradients::gradients(
            p,
            &self.data,
            k,
            &self.margins,
            &mut self.grads,
            round,
            self.shard.offset,
            &mut self.rank,
            &self.exec,
        );
        if p.use_quantized_grad {
            let key = (p.seed, round, self.shard.offset);
            let levels = p.num_grad_quant_bins;
            (self.quant).quantize(&self.grads, k, levels, key, &self.exec);
            (self.quant_columns).fill(&self.quant.rows, k, &self.exec);
        }
        self.grad_columns.fill(&self.grads, k, &self.exec);
        let features = gradients::tree_features(p, self.matrix.num_features(), round);
        self.grow_trees(round, &features);
        let results = self.evaluate(round);
        let improved = self.stopper.observe(round, results.last().map(|r| r.value));
        // Without early stopping the model keeps every round, so its
        // metrics are the last round's; with it, the best round's.
        let stopping = self.params.early_stopping_rounds.is_some();
        if !stopping || improved || self.stopper.best_round().is_none() {
            self.best_results.clone_from(&results);
        }
        Ok(RoundOutcome {
            round,
            results,
            best_iteration: self.stopper.best_round(),
            stop: (self.stopper).should_stop(round, self.params.early_stopping_rounds),
        })
    }

    /// Advances every validation set by `round`'s trees and scores it.
    fn evaluate(&mut self, round: usize) -> Vec<EvalResult> {
        let k = self.num_outputs;
        let new_trees = &self.trees[round * k..];
        let (objective, metrics, exec) = (self.params.objective, &self.metrics, &self.exec);
        self.valid
            .iter_mut()
            .flat_map(|e| e.advance(new_trees, k, objective, metrics, exec))
            .collect()
    }

    /// Grows the round's tree of every output and adds its leaves to the
    /// margins. With several outputs (classes, quantile levels) and one
    /// process, up to one tree per worker grows at once, each on its own
    /// workspace: the trees of a round read the same gradients and never
    /// each other, and a worker that finishes first joins the other trees'
    /// parallel steps, so the many short serial steps of small nodes
    /// overlap. Each tree is the same however it was scheduled, and margins
    /// are updated output by output after the trees of a group are grown.
    /// The price is memory: a workspace (row partition, gathered
    /// gradients, histograms) per tree grown at once.
    fn grow_trees(&mut self, round: usize, features: &[usize]) {
        let k = self.num_outputs;
        // Ranks must reach their collectives in the same order.
        let width = match self.exec.collective().size() {
            1 => self.exec.threads().min(k),
            _ => 1,
        };
        let mut ws = std::mem::take(&mut self.ws);
        ws.resize_with(width, || Workspace::new(&self.matrix));
        for first in (0..k).step_by(width) {
            let outputs = first..(first + width).min(k);
            let slots: Vec<_> = outputs.clone().zip(ws.iter_mut()).collect();
            let this = &*self;
            let grown = this.exec.map_vec(slots, |(output, ws)| {
                let input = this.grow_input(round, output, features);
                grower::grow(&input, &this.cfg, ws, &this.exec)
            });
            for ((output, grown), ws) in outputs.zip(grown).zip(&ws) {
                let tree = self.add_tree(output, grown, ws);
                self.trees.push(tree);
            }
        }
        self.ws = ws;
    }

    /// What growing the tree of `output` in `round` reads.
    fn grow_input<'s>(
        &'s self,
        round: usize,
        output: usize,
        features: &'s [usize],
    ) -> GrowInput<'s> {
        let k = self.num_outputs;
        GrowInput {
            matrix: &self.matrix,
            grads: self.grad_columns.column(&self.grads, k, output),
            features,
            total_rows: self.shard.total,
            rng_stream: [round as u64, output as u64, 0x90DE],
            seed: self.params.seed,
            quant: self.params.use_quantized_grad.then(|| QuantRows {
                rows: self.quant_columns.column(&self.quant.rows, k, output),
                scale: self.quant.scales[output],
                levels: self.params.num_grad_quant_bins,
                renew_leaf: self.params.quant_train_renew_leaf,
            }),
        }
    }

    /// Refits `grown`'s leaves where the objective asks for it, adds them
    /// to the margins of `output` and returns the tree; `ws` holds its rows.
    fn add_tree(&mut self, output: usize, mut grown: grower::Grown, ws: &Workspace) -> Tree {
        let k = self.num_outputs;
        let p = &self.params;
        if let Some(alpha) = p.objective.leaf_refit_quantile(&p.quantile_alpha, output) {
            let refit = RefitInput {
                labels: self.data.labels(),
                weights: self.data.weights(),
                margins: &self.margins,
                grads: (p.subsample < 1.0).then_some(&self.grads[..]),
                stride: k,
                output,
                alpha,
                learning_rate: self.params.learning_rate,
            };
            refit_leaves(&mut grown, ws.partition.all_rows(), &refit, &self.exec);
        }
        let partition = &ws.partition;
        let leaves: Vec<_> = (grown.leaves.iter())
            .map(|(_, range, value)| (partition.rows(range.clone()), *value))
            .collect();
        leaf_rows::add_leaf_values(&mut self.margins, k, output, &leaves, &self.exec);
        grown.tree
    }

    fn check_early_stopping(&self) -> Result<()> {
        match self.params.early_stopping_rounds {
            Some(n) if self.valid.is_empty() => Err(Error::InvalidParam {
                name: "early_stopping_rounds",
                value: n.to_string(),
                allowed: "unset when there is no validation set (early stopping watches \
                          the last metric on the last validation set)"
                    .to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Rounds in the model so far, including those of a continued model.
    pub fn num_rounds(&self) -> usize {
        self.trees.len() / self.num_outputs
    }

    /// Model outputs per row: the number of classes for multiclass, of
    /// quantile levels for quantile regression, else 1.
    pub fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    /// The validated parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Worker threads of the executor training runs on.
    pub fn threads(&self) -> usize {
        self.exec.threads()
    }

    /// The same booster borrowing its data for a shorter lifetime, so that
    /// validation sets that live less long can be added (`Dataset` is
    /// invariant in its lifetime, as ndarray views are).
    pub(crate) fn reborrow<'b>(self) -> Booster<'b>
    where
        'a: 'b,
    {
        Booster {
            data: self.data.reborrow(),
            shard: self.shard,
            valid: self.valid.into_iter().map(Evaluation::reborrow).collect(),
            params: self.params,
            num_outputs: self.num_outputs,
            matrix: self.matrix,
            exec: self.exec,
            cfg: self.cfg,
            metrics: self.metrics,
            base: self.base,
            margins: self.margins,
            grads: self.grads,
            quant: self.quant,
            grad_columns: self.grad_columns,
            quant_columns: self.quant_columns,
            ws: self.ws,
            rank: self.rank,
            stopper: self.stopper,
            best_results: self.best_results,
            trees: self.trees,
        }
    }

    /// Test-only switch: build both children's histograms instead of
    /// deriving the larger one by subtraction.
    #[cfg(test)]
    pub(crate) fn set_subtraction(&mut self, on: bool) {
        self.cfg.subtraction = on;
    }

    /// The model so far. With `early_stopping_rounds` set it keeps the best
    /// iteration, which prediction uses by default.
    pub fn into_model(mut self) -> Model {
        let trees = std::mem::take(&mut self.trees);
        let metrics = std::mem::take(&mut self.best_results);
        self.assemble(trees, metrics)
    }

    /// A copy of the model so far (e.g. a checkpoint), leaving the booster
    /// to go on; the same as [`Booster::into_model`] would give now.
    pub fn to_model(&self) -> Model {
        self.assemble(self.trees.clone(), self.best_results.clone())
    }

    fn assemble(&self, trees: Vec<Tree>, metrics: Vec<EvalResult>) -> Model {
        let p = &self.params;
        Model {
            objective: p.objective,
            num_outputs: self.num_outputs,
            num_features: self.data.num_features(),
            feature_names: self.data.feature_names().to_vec(),
            base_margins: self.base.clone(),
            trees,
            best_iteration: p.early_stopping_rounds.and(self.stopper.best_round()),
            metrics,
            // The thread count is how training ran, not what it learned: the
            // model is the same for any, so it is not stored.
            params: Params {
                threads: None,
                ..p.clone()
            },
            categories: self.data.categories().clone(),
        }
    }
}

fn grow_config(p: &Params) -> GrowConfig {
    GrowConfig {
        policy: p.grow_policy,
        max_depth: p.max_depth,
        max_leaves: p.max_leaves,
        split: SplitParams::from_params(p),
        cat: CatParams::from_params(p),
        colsample_bynode: p.colsample_bynode,
        subtraction: true,
        // All zeros is no constraint: keep the plain (unchanged) path.
        monotone: if p.monotone_constraints.iter().any(|&c| c != 0) {
            p.monotone_constraints.clone()
        } else {
            Vec::new()
        },
        interactions: Interactions::new(&p.interaction_constraints),
    }
}

/// Monotone constraints are none or one per feature of the data.
fn check_monotone(params: &Params, data: &Dataset<'_>) -> Result<()> {
    let (got, n) = (params.monotone_constraints.len(), data.num_features());
    let categorical = params
        .monotone_constraints
        .iter()
        .enumerate()
        .find(|&(f, &c)| c != 0 && data.categories().is_categorical(f));
    if let Some((f, _)) = categorical {
        return Err(Error::InvalidParam {
            name: "monotone_constraints",
            value: format!("a direction for feature {f} ({})", data.feature_names()[f]),
            allowed: "0 for categorical features: categories have no order".to_string(),
        });
    }
    if got == 0 || got == n {
        return Ok(());
    }
    let text = params
        .monotone_constraints
        .iter()
        .map(i8::to_string)
        .collect::<Vec<_>>()
        .join(",");
    Err(Error::InvalidParam {
        name: "monotone_constraints",
        value: format!("({text})"),
        allowed: format!(
            "one direction per feature: {n} values for the data's {n} features, not {got} (or none)"
        ),
    })
}

/// Every check of the parameters and this rank's rows, agreed over the
/// ranks (see [`collective::agree`]); returns the number of outputs (for
/// inferred classes, the most any rank's labels need) and where this
/// rank's rows sit. `model`: the model being continued.
fn validate(
    params: &Params,
    data: &Dataset<'_>,
    model: Option<&Model>,
    ranks: &dyn Collective,
) -> Result<(usize, Shard)> {
    let shard = Shard::of(data.num_rows(), ranks);
    let local = (|| {
        params.check()?;
        check_monotone(params, data)?;
        Interactions::check(&params.interaction_constraints, data.num_features())?;
        check_ranks(params, ranks.size())?;
        if let Some(m) = model {
            check_continuable(m, params, data)?;
        }
        check_groups(params, data)?;
        quantize::check(params, shard.total)?;
        let k = match model {
            Some(m) => m.num_outputs,
            None => num_outputs(params, data.labels())?,
        };
        for (row, &y) in data.labels().iter().enumerate() {
            params.objective.check_label(shard.offset + row, y, k)?;
        }
        Ok(k)
    })();
    let k = collective::agree(local, ranks)?;
    let mut most = [k as f64];
    ranks.max_f64(&mut most);
    Ok((most[0] as usize, shard))
}

/// What training on several ranks cannot do yet: objectives that need
/// every label at once (a median base score, leaves refit to quantiles)
/// and ranking (query groups would have to stay whole on one rank).
fn check_ranks(params: &Params, ranks: usize) -> Result<()> {
    let o = params.objective;
    let refit = o.leaf_refit_quantile(&params.quantile_alpha, 0).is_some();
    let median_base = o.base_needs_all_labels() && params.base_score.is_none();
    let what = if o.is_ranking() {
        format!("objective {o} (query groups)")
    } else if refit {
        format!("objective {o} (leaves refit to quantiles of every rank's residuals)")
    } else if median_base {
        format!("objective {o} without base_score (its start is a median of every label)")
    } else {
        return Ok(());
    };
    if ranks == 1 {
        return Ok(());
    }
    Err(Error::NotDistributed {
        what,
        ranks,
        hint: "train it on one process, or set base_score where that is what is missing"
            .to_string(),
    })
}

/// Ranking objectives learn within query groups: the data must have them.
fn check_groups(params: &Params, data: &Dataset<'_>) -> Result<()> {
    if params.objective.is_ranking() && data.groups().is_none() {
        return Err(Error::InvalidGroups {
            problem: format!(
                "objective {} ranks documents within queries, but the training data has \
                 no query groups; declare them (Dataset::with_groups, or --group COLUMN / \
                 LibSVM qid: on the command line)",
                params.objective
            ),
        });
    }
    Ok(())
}

/// Number of model outputs: classes for multiclass, quantile levels for
/// quantile regression, else 1.
fn num_outputs(p: &Params, labels: &[f32]) -> Result<usize> {
    if p.objective == crate::Objective::QuantileError {
        return Ok(p.quantile_alpha.len());
    }
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

/// A model can be continued on `data` with `params` when the objective, the
/// number of classes and the number of features agree.
fn check_continuable(model: &Model, params: &Params, data: &Dataset<'_>) -> Result<()> {
    if params.objective != model.objective {
        return Err(Error::InvalidParam {
            name: "objective",
            value: params.objective.to_string(),
            allowed: format!(
                "{} (the objective of the model being continued)",
                model.objective
            ),
        });
    }
    if params.objective.is_multiclass()
        && params.num_class > 0
        && params.num_class != model.num_outputs
    {
        return Err(Error::InvalidParam {
            name: "num_class",
            value: params.num_class.to_string(),
            allowed: format!(
                "{} (the classes of the model being continued)",
                model.num_outputs
            ),
        });
    }
    let levels = &model.params.quantile_alpha;
    if params.objective == crate::Objective::QuantileError && params.quantile_alpha != *levels {
        let text = |v: &[f64]| v.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
        return Err(Error::InvalidParam {
            name: "quantile_alpha",
            value: text(&params.quantile_alpha),
            allowed: format!("{} (the levels of the model being continued)", text(levels)),
        });
    }
    if data.num_features() != model.num_features {
        return Err(Error::FeatureCountMismatch {
            got: data.num_features(),
            expected: model.num_features,
        });
    }
    if data.categories() != model.categories() {
        return Err(Error::InvalidParam {
            name: "categorical features",
            value: format!("{} in the data", describe(data.categories())),
            allowed: format!(
                "those of the model being continued ({}), with the same categories in the same order",
                describe(model.categories())
            ),
        });
    }
    Ok(())
}

/// `feature (n categories), ...` for messages.
fn describe(c: &crate::Categories) -> String {
    if c.is_empty() {
        return "none".to_string();
    }
    c.iter()
        .map(|f| format!("feature {} ({} categories)", f.feature, f.names.len()))
        .collect::<Vec<_>>()
        .join(", ")
}
