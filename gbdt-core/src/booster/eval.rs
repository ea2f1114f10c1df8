//! Evaluation sets: each keeps its rows' margins, advanced by every new
//! round's trees, and scores them with the metrics after each round
//! (ranking metrics within the set's query groups, if it has them). On
//! several ranks each holds its part of the set's rows; the scores are
//! gathered so that every rank computes each metric over every row, in
//! global row order, as one process would.

use crate::collective::{gather_f32, gather_f64, Collective};
use crate::dataset::Dataset;
use crate::metric::Metric;
use crate::model::EvalResult;
use crate::objective::Objective;
use crate::parallel::Executor;
use crate::predict;
use crate::tree::Tree;

/// One validation set and the raw margins of its rows so far.
pub(super) struct Evaluation<'a> {
    name: String,
    data: Dataset<'a>,
    margins: Vec<f64>,
    /// Every rank's labels and weights, when the rows are spread over ranks.
    all: Option<AllRows>,
}

/// The labels and weights of every rank's rows, in rank order.
struct AllRows {
    labels: Vec<f32>,
    weights: Option<Vec<f32>>,
}

impl AllRows {
    /// Gathered from every rank (weights when any rank has them).
    fn gather(data: &Dataset<'_>, ranks: &dyn Collective) -> AllRows {
        let mut weighted = [data.weights().is_some() as u8 as f64];
        ranks.max_f64(&mut weighted);
        let weights = (weighted[0] > 0.0).then(|| {
            let mine: Vec<f32> = match data.weights() {
                Some(w) => w.to_vec(),
                None => vec![1.0; data.num_rows()],
            };
            gather_f32(ranks, &mine)
        });
        AllRows {
            labels: gather_f32(ranks, data.labels()),
            weights,
        }
    }
}

impl<'a> Evaluation<'a> {
    /// Margins start at `base` plus the outputs of `trees` (the rounds a
    /// booster already has; `base.len()` trees per round).
    pub fn new<'v: 'a>(
        name: &str,
        data: &Dataset<'v>,
        base: &[f64],
        trees: &[Tree],
        exec: &Executor,
    ) -> Self {
        let margins = predict::start_margins(base, data.features(), trees, exec);
        let ranks = exec.collective();
        Evaluation {
            name: name.to_string(),
            data: data.clone().reborrow(),
            margins,
            all: (ranks.size() > 1).then(|| AllRows::gather(data, ranks)),
        }
    }

    /// The same set, borrowed for a shorter lifetime.
    pub fn reborrow<'b>(self) -> Evaluation<'b>
    where
        'a: 'b,
    {
        Evaluation {
            name: self.name,
            data: self.data.reborrow(),
            margins: self.margins,
            all: self.all,
        }
    }

    /// Adds one round's trees (`k` of them) and scores every metric.
    pub fn advance(
        &mut self,
        new_trees: &[Tree],
        k: usize,
        objective: Objective,
        metrics: &[Metric],
        exec: &Executor,
    ) -> Vec<EvalResult> {
        predict::add_trees(new_trees, k, self.data.features(), &mut self.margins, exec);
        let mut outputs = self.margins.clone();
        for row in outputs.chunks_exact_mut(k) {
            objective.transform(row);
            objective.to_metric_space(row);
        }
        let (labels, weights, groups) = match &self.all {
            None => (self.data.labels(), self.data.weights(), self.data.groups()),
            Some(all) => {
                outputs = gather_f64(exec.collective(), &outputs);
                (&all.labels[..], all.weights.as_deref(), None)
            }
        };
        metrics
            .iter()
            .map(|&metric| EvalResult {
                dataset: self.name.clone(),
                metric,
                value: metric.compute_grouped(labels, weights, &outputs, k, groups),
            })
            .collect()
    }
}
