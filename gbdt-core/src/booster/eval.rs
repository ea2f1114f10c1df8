//! Evaluation sets: each keeps its rows' margins, advanced by every new
//! round's trees, and scores them with the metrics after each round
//! (ranking metrics within the set's query groups, if it has them).

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
        Evaluation {
            name: name.to_string(),
            data: data.clone().reborrow(),
            margins,
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
        metrics
            .iter()
            .map(|&metric| EvalResult {
                dataset: self.name.clone(),
                metric,
                value: metric.compute_grouped(
                    self.data.labels(),
                    self.data.weights(),
                    &outputs,
                    k,
                    self.data.groups(),
                ),
            })
            .collect()
    }
}
