//! What `gbdt cv` shows: the table on stdout (one line per round), the
//! summary on stderr, and the `--report-json` object.

use std::fmt::Write as _;

use gbdt_core::Params;
use gbdt_io::{Folds, TrainingData};
use serde_json::{json, Map, Value};

use super::stats::History;
use crate::cli::CvArgs;
use crate::report::json_number;

/// Characters of a table cell: a value is printed `{:.6}`.
const MIN_WIDTH: usize = 10;

/// The table's header: `iteration`, then `SET-METRIC-mean` and
/// `SET-METRIC-std` per column.
pub fn header(history: &History) -> String {
    let mut s = String::from("iteration");
    for c in &history.columns {
        let name = c.name();
        let _ = write!(
            s,
            "  {:>MIN_WIDTH$}  {:>MIN_WIDTH$}",
            format!("{name}-mean"),
            format!("{name}-std")
        );
    }
    s
}

/// The table line of `round` (0-based), aligned under [`header`].
pub fn row(history: &History, round: usize) -> String {
    let mut s = format!("{round:>9}");
    for (c, col) in history.columns.iter().enumerate() {
        let w = |suffix: usize| (col.name().len() + suffix).max(MIN_WIDTH);
        let (m, d) = (history.mean[round][c], history.std[round][c]);
        let _ = write!(s, "  {m:>w$.6}  {d:>v$.6}", w = w(5), v = w(4));
    }
    s
}

/// `valid-auc 0.912345 ± 0.004321, valid-logloss 0.301234 ± 0.010000`.
fn at_round(history: &History, round: usize) -> String {
    history
        .columns
        .iter()
        .enumerate()
        .map(|(c, col)| {
            format!(
                "{} {:.6} ± {:.6}",
                col.name(),
                history.mean[round][c],
                history.std[round][c]
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything the summary and the report show.
pub struct CvReport<'a> {
    pub args: &'a CvArgs,
    pub data: &'a TrainingData,
    pub params: &'a Params,
    pub folds: Folds,
    /// Held-out rows of each fold.
    pub fold_rows: Vec<usize>,
    pub history: &'a History,
    pub threads: usize,
    /// Seconds: reading the data, and the folds' training.
    pub load_s: f64,
    pub cv_s: f64,
}

impl CvReport<'_> {
    /// `5 folds (stratified by class, seed 0), held-out rows 200, 200, ...`.
    pub fn folds_line(&self) -> String {
        let how = if self.data.groups.is_some() {
            "whole query groups"
        } else if self.folds.stratify {
            "stratified by class"
        } else {
            "random rows"
        };
        let rows: Vec<String> = self.fold_rows.iter().map(usize::to_string).collect();
        format!(
            "{} folds ({how}, seed {}); held-out rows {}",
            self.folds.k,
            self.folds.seed,
            rows.join(", ")
        )
    }

    /// The watched column's name with `-mean`.
    fn watched(&self) -> String {
        let h = self.history;
        h.columns
            .get(h.watched())
            .map_or("none".into(), |c| format!("{}-mean", c.name()))
    }

    /// The summary as text lines, each starting with `gbdt:`.
    pub fn text(&self) -> String {
        let h = self.history;
        let mut s = String::from("gbdt: cv summary\n");
        let mut line = |k: &str, v: String| {
            let _ = writeln!(s, "gbdt:   {k:<15} {v}");
        };
        line("rows", self.data.labels.len().to_string());
        line("folds", self.folds_line());
        line("objective", self.params.objective.to_string());
        line("threads", self.threads.to_string());
        let stopped = h.rounds() < self.params.num_rounds;
        let rounds = match (stopped, self.params.early_stopping_rounds) {
            (true, Some(n)) => format!(
                "{} of {} (early stopping: {n} rounds without a better {})",
                h.rounds(),
                self.params.num_rounds,
                self.watched()
            ),
            _ => format!("{} of {}", h.rounds(), self.params.num_rounds),
        };
        line("rounds", rounds);
        if let Some(best) = h.best() {
            line(
                "best",
                format!(
                    "iteration {best} ({} rounds) by {}",
                    best + 1,
                    self.watched()
                ),
            );
            line("at best", at_round(h, best));
        }
        line(
            "time",
            format!("load {:.2}s, cv {:.2}s", self.load_s, self.cv_s),
        );
        s
    }

    /// The report as a JSON object.
    pub fn json(&self) -> Value {
        let h = self.history;
        let best = h.best();
        json!({
            "command": "cv",
            "data": self.args.learn.data_name(),
            "target": self.data.label_rule.describe(),
            "objective": self.params.objective.name(),
            "rows": self.data.labels.len(),
            "dropped_rows": self.data.dropped_rows,
            "features": self.data.feature_names,
            "folds": {
                "k": self.folds.k,
                "stratified": self.folds.stratify,
                "grouped": self.data.groups.is_some(),
                "seed": self.folds.seed,
                "valid_rows": self.fold_rows,
            },
            "rounds": h.rounds(),
            "early_stopping_rounds": self.params.early_stopping_rounds,
            "watched": self.watched(),
            "best_iteration": best,
            "best": best.map(|b| by_set(h, |c| json!({
                "mean": json_number(h.mean[b][c]),
                "std": json_number(h.std[b][c]),
            }))),
            "history": by_set(h, |c| json!({
                "mean": h.mean.iter().map(|r| json_number(r[c])).collect::<Vec<_>>(),
                "std": h.std.iter().map(|r| json_number(r[c])).collect::<Vec<_>>(),
            })),
            "params": serde_json::to_value(self.params).unwrap_or(Value::Null),
            "threads": self.threads,
            "timings": {"load_s": self.load_s, "cv_s": self.cv_s},
        })
    }
}

/// `{"valid": {"auc": f(column), ...}, "train": {...}}`.
fn by_set(history: &History, f: impl Fn(usize) -> Value) -> Value {
    let mut sets = Map::new();
    for (c, col) in history.columns.iter().enumerate() {
        let entry = sets
            .entry(col.set.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(col.metric.name().to_string(), f(c));
        }
    }
    Value::Object(sets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gbdt_core::{EvalResult, Metric};

    #[test]
    fn rows_line_up_under_the_header() {
        let mut h = History::default();
        let r = |v| EvalResult {
            dataset: "valid".into(),
            metric: Metric::Auc,
            value: v,
        };
        h.push(&[vec![r(0.5)], vec![r(1.0)]]);
        assert_eq!(header(&h), "iteration  valid-auc-mean  valid-auc-std");
        assert_eq!(row(&h, 0), "        0        0.750000       0.250000");
        assert_eq!(header(&h).len(), row(&h, 0).len());
        assert_eq!(at_round(&h, 0), "valid-auc 0.750000 ± 0.250000");
    }
}
