//! The training summary, as text for stderr and as JSON for `--report-json`.

use std::fmt::Write as _;

use gbdt_core::{Categories, EvalResult};
use gbdt_io::{DroppedColumn, ModelFile, ModelFormat, TrainingData};
use serde_json::{json, Map, Value};

use crate::cli::TrainArgs;
use crate::holdout::HeldOut;

/// Seconds spent in each phase of `gbdt train`.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Reading CSV files and selecting columns.
    pub load_s: f64,
    /// Checking parameters and binning features.
    pub bin_s: f64,
    /// Boosting.
    pub train_s: f64,
    /// Scoring the training set for the final metrics (no `--valid`).
    pub eval_s: f64,
    /// Writing the model file.
    pub save_s: f64,
    /// Everything, from start to end.
    pub total_s: f64,
}

/// Everything the training summary shows.
pub struct TrainReport<'a> {
    /// The command line.
    pub args: &'a TrainArgs,
    /// The training data as selected.
    pub data: &'a TrainingData,
    /// Its rows over all ranks.
    pub totals: crate::distributed::Totals,
    /// Rows of the validation set (`--valid` or `--holdout`), when there is one.
    pub valid_rows: Option<usize>,
    /// How the validation set was kept out of the data, with `--holdout`.
    pub held_out: Option<HeldOut>,
    /// The saved model file.
    pub file: &'a ModelFile,
    /// The format it was saved in.
    pub format: ModelFormat,
    /// Worker threads used.
    pub threads: usize,
    /// Phase timings.
    pub timings: Timings,
}

/// Metrics as `{"valid": {"auc": 0.9, "logloss": 0.2}}`.
pub fn metrics_json(results: &[EvalResult]) -> Value {
    let mut sets = Map::new();
    for r in results {
        let entry = sets
            .entry(r.dataset.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(r.metric.name().to_string(), json_number(r.value));
        }
    }
    Value::Object(sets)
}

/// A float as JSON; NaN and infinities (which JSON lacks) become null.
pub fn json_number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// Threads of this process now (Linux: `Threads:` of `/proc/self/status`;
/// `None` elsewhere), so a report shows that `--threads` bounds them all.
pub fn os_threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `binary` or `json`.
pub fn format_name(f: ModelFormat) -> &'static str {
    match f {
        ModelFormat::Binary => "binary",
        ModelFormat::Json => "json",
    }
}

impl TrainReport<'_> {
    /// The final metrics saved with the model.
    fn metrics(&self) -> &[gbdt_core::EvalResult] {
        self.file
            .summary
            .as_ref()
            .map_or(self.file.model.metrics(), |s| &s.metrics)
    }

    /// The summary as indented text lines, each starting with `gbdt:`.
    pub fn text(&self) -> String {
        let model = &self.file.model;
        let t = &self.timings;
        let mut s = String::new();
        let _ = writeln!(s, "gbdt: summary");
        let mut line = |k: &str, v: String| {
            let _ = writeln!(s, "gbdt:   {k:<15} {v}");
        };
        let mut rows = self.totals.rows.to_string();
        if self.totals.dropped_rows > 0 {
            let _ = write!(
                rows,
                " ({} without a target skipped)",
                self.totals.dropped_rows
            );
        }
        match (&self.held_out, self.valid_rows) {
            (Some(h), _) => {
                let _ = write!(rows, "; {}", h.describe());
            }
            (None, Some(v)) => {
                let _ = write!(rows, "; validation {v}");
            }
            (None, None) => {}
        }
        line("rows", rows);
        line(
            "features",
            format!(
                "{}: {}",
                self.data.feature_names.len(),
                self.data.feature_names.join(", ")
            ),
        );
        line(
            "categorical",
            categorical_line(model.categories(), model.feature_names()),
        );
        for (k, v) in dropped_lines(&self.data.dropped_columns) {
            line(k, v);
        }
        line("target", self.data.label_rule.describe());
        line("objective", model.objective().to_string());
        line("threads", self.threads.to_string());
        line(
            "rounds",
            format!(
                "{} trained, best iteration {}",
                model.num_rounds(),
                model
                    .best_iteration()
                    .map_or("none (no early stopping)".to_string(), |b| b.to_string())
            ),
        );
        line("metrics", metrics_line(self.metrics()));
        line(
            "time",
            format!(
                "load {:.2}s, bin {:.2}s, train {:.2}s, eval {:.2}s, save {:.2}s, total {:.2}s",
                t.load_s, t.bin_s, t.train_s, t.eval_s, t.save_s, t.total_s
            ),
        );
        line(
            "model",
            format!(
                "{} ({})",
                self.args.output.display(),
                format_name(self.format)
            ),
        );
        s
    }

    /// The summary as a JSON object.
    pub fn json(&self) -> Value {
        let model = &self.file.model;
        let t = &self.timings;
        json!({
            "command": "train",
            "data": self.args.learn.data_name(),
            "valid": self.args.valid.as_ref().map(|p| p.display().to_string()),
            "output": self.args.output.display().to_string(),
            "format": format_name(self.format),
            "target": self.data.label_rule.describe(),
            "objective": model.objective().name(),
            "rows": self.totals.rows,
            "dropped_rows": self.totals.dropped_rows,
            "valid_rows": self.valid_rows,
            "holdout": self.held_out.map(|h| h.json()),
            "features": self.data.feature_names,
            "categorical": categorical_json(model.categories(), model.feature_names(), false),
            "dropped": self.data.dropped_columns.iter()
                .map(|d| json!({"name": d.name, "reason": d.reason}))
                .collect::<Vec<_>>(),
            "threads": self.threads,
            "os_threads": os_threads(),
            "rounds": model.num_rounds(),
            "best_iteration": model.best_iteration(),
            "metrics": metrics_json(self.metrics()),
            "metrics_on": metrics_on(self.metrics()),
            "params": serde_json::to_value(model.params()).unwrap_or(Value::Null),
            "timings": {
                "load_s": t.load_s,
                "bin_s": t.bin_s,
                "train_s": t.train_s,
                "eval_s": t.eval_s,
                "save_s": t.save_s,
                "total_s": t.total_s,
            },
        })
    }
}

/// The name of the set the final metrics were computed on: `train` (the
/// training rows), `holdout` or `valid`; `None` without metrics.
pub fn metrics_on(results: &[EvalResult]) -> Option<&str> {
    results.last().map(|r| r.dataset.as_str())
}

/// The summary's metrics, `holdout-auc=0.912345 holdout-logloss=0.3`;
/// metrics on the training rows say plainly that they are no held-out score.
pub fn metrics_line(results: &[EvalResult]) -> String {
    let metrics = results
        .iter()
        .map(|r| format!("{}-{}={:.6}", r.dataset, r.metric, r.value))
        .collect::<Vec<_>>()
        .join(" ");
    match metrics_on(results) {
        None => "none (no evaluation set)".into(),
        Some("train") => format!(
            "(training rows — not a held-out score; use --holdout 0.2 or --valid) {metrics}"
        ),
        Some(_) => metrics,
    }
}

/// The summary line of the categorical features: `none`, or their count
/// and each name with its number of categories,
/// `2 features: Term (2), Purpose (16)`.
pub(crate) fn categorical_line(categories: &Categories, features: &[String]) -> String {
    if categories.is_empty() {
        return "none".to_string();
    }
    let each: Vec<String> = categories
        .iter()
        .map(|c| format!("{} ({})", feature_label(features, c.feature), c.names.len()))
        .collect();
    let noun = if each.len() == 1 {
        "feature"
    } else {
        "features"
    };
    format!("{} {noun}: {}", each.len(), each.join(", "))
}

/// The categorical features as JSON: `[{"name": "Term", "categories": 2}]`,
/// with the category names too when `with_names`.
pub(crate) fn categorical_json(
    categories: &Categories,
    features: &[String],
    with_names: bool,
) -> Value {
    let list = categories.iter().map(|c| {
        let mut entry = json!({
            "name": feature_label(features, c.feature),
            "index": c.feature,
            "categories": c.names.len(),
        });
        if with_names {
            entry["names"] = json!(c.names);
        }
        entry
    });
    Value::Array(list.collect())
}

/// A feature's name, or `f<index>` when the list has none for it.
fn feature_label(features: &[String], f: usize) -> String {
    features.get(f).cloned().unwrap_or_else(|| format!("f{f}"))
}

/// Summary lines for the dropped columns: a count, then one line each.
pub(crate) fn dropped_lines(dropped: &[DroppedColumn]) -> Vec<(&'static str, String)> {
    let count = match dropped.len() {
        0 => "none".to_string(),
        1 => "1 column:".to_string(),
        n => format!("{n} columns:"),
    };
    let each = dropped
        .iter()
        .map(|d| ("", format!("- {}: {}", d.name, d.reason)));
    std::iter::once(("dropped", count)).chain(each).collect()
}

impl TrainReport<'_> {
    /// The summary on standard error (unless `--quiet`) and `--report-json`.
    pub fn publish(&self) -> crate::exit::CmdResult<()> {
        if !self.args.quiet {
            crate::diag::text(&self.text());
        }
        if let Some(path) = &self.args.report_json {
            crate::input::write_report(path, &self.json())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gbdt_core::Metric;

    #[test]
    fn categorical_features_with_their_counts() {
        let names: Vec<String> = ["Income", "Term", "Purpose"].map(String::from).to_vec();
        let mut c = Categories::default();
        assert_eq!(categorical_line(&c, &names), "none");
        c.insert(2, ["a", "b", "c"].map(String::from).to_vec())
            .unwrap();
        assert_eq!(categorical_line(&c, &names), "1 feature: Purpose (3)");
        c.insert(1, ["Long Term", "Short Term"].map(String::from).to_vec())
            .unwrap();
        assert_eq!(
            categorical_line(&c, &names),
            "2 features: Term (2), Purpose (3)"
        );
        assert_eq!(
            categorical_json(&c, &names, false),
            json!([
                {"name": "Term", "index": 1, "categories": 2},
                {"name": "Purpose", "index": 2, "categories": 3}
            ])
        );
        let with_names = categorical_json(&c, &names, true);
        assert_eq!(with_names[0]["names"], json!(["Long Term", "Short Term"]));
    }

    #[test]
    fn training_metrics_say_they_are_no_held_out_score() {
        let r = |d: &str, v| EvalResult {
            dataset: d.into(),
            metric: Metric::Auc,
            value: v,
        };
        assert_eq!(
            metrics_line(&[r("train", 0.5)]),
            "(training rows — not a held-out score; use --holdout 0.2 or --valid) train-auc=0.500000"
        );
        assert_eq!(metrics_line(&[r("holdout", 0.25)]), "holdout-auc=0.250000");
        assert_eq!(metrics_line(&[]), "none (no evaluation set)");
        assert_eq!(metrics_on(&[r("valid", 0.1)]), Some("valid"));
    }

    #[test]
    fn metrics_group_by_dataset() {
        let r = |d: &str, m, v| EvalResult {
            dataset: d.into(),
            metric: m,
            value: v,
        };
        let v = metrics_json(&[
            r("valid", Metric::Auc, 0.5),
            r("valid", Metric::LogLoss, 0.25),
            r("train", Metric::Auc, f64::NAN),
        ]);
        assert_eq!(
            v,
            json!({"valid": {"auc": 0.5, "logloss": 0.25}, "train": {"auc": null}})
        );
    }
}
