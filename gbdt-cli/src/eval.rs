//! `gbdt eval`: metrics of a model on labelled rows.

use std::io::Write;

use gbdt_core::{Metric, Objective, PredictOptions};
use gbdt_io::LabelRule;

use crate::cli::EvalArgs;
use crate::config::check_threads;
use crate::exit::{core, CmdResult, Failure, WithCode};
use crate::input::{self, reading};
use crate::report::json_number;

/// The metrics `gbdt eval` reports when `--metric` is not given.
pub fn eval_metrics(objective: Objective) -> Vec<Metric> {
    match objective {
        Objective::Logistic => vec![Metric::Auc, Metric::LogLoss, Metric::Error],
        Objective::Softmax => vec![Metric::MLogLoss, Metric::MError],
        Objective::Poisson => vec![Metric::PoissonNLogLik, Metric::Rmse, Metric::Mae],
        Objective::SquaredError | Objective::PseudoHuber => vec![Metric::Rmse, Metric::Mae],
    }
}

/// Runs `gbdt eval`.
pub fn run(args: &EvalArgs) -> CmdResult<()> {
    let exec = input::executor(check_threads(args.threads)?)?;
    let metrics = args
        .metric
        .iter()
        .map(|m| {
            m.parse::<Metric>()
                .map_err(|e| Failure::usage(format!("bad value for --metric: {e}")))
        })
        .collect::<CmdResult<Vec<_>>>()?;
    let csv = input::csv_options(&args.csv)?;
    let loaded = input::load_model(&args.model)?;
    let model = &loaded.file.model;
    let metrics = if metrics.is_empty() {
        eval_metrics(model.objective())
    } else {
        metrics
    };

    let table = input::read_table(&args.data, &csv, &exec)?;
    let model_rule = &loaded.file.label_rule;
    let rule = match &args.target {
        Some(expr) => match reading(gbdt_io::parse_target(expr, &table))? {
            // Class indexes must mean what they meant in training.
            LabelRule::Classes { column, .. } if column == model_rule.column() => {
                model_rule.clone()
            }
            rule => rule,
        },
        None => model_rule.clone(),
    };
    let data = reading(gbdt_io::labelled_data(
        &table,
        &rule,
        model.feature_names(),
        args.drop_missing_target,
        &exec,
    ))?;
    drop(table);
    // No thread count: prediction runs in the executor's pool.
    let options = PredictOptions::default();
    let preds = core(exec.install(|| model.predict_with(data.features.view(), &options)))?;
    let k = model.num_outputs();
    let flat: Vec<f64> = preds.iter().copied().collect();
    let weights = data.weights.as_deref();
    let values: Vec<(Metric, f64)> = metrics
        .iter()
        .map(|&m| (m, m.compute(&data.labels, weights, &flat, k)))
        .collect();

    let mut out = input::open_output(None)?;
    let text = if args.json {
        let mut obj = serde_json::Map::new();
        for (m, v) in &values {
            obj.insert(m.name().to_string(), json_number(*v));
        }
        obj.insert("rows".into(), data.labels.len().into());
        format!("{}\n", serde_json::Value::Object(obj))
    } else {
        values
            .iter()
            .map(|(m, v)| format!("{}\t{v}\n", m.name()))
            .collect()
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::Error::new(e).context("cannot write metrics to stdout"))
        .runtime()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_eval_includes_auc_and_logloss() {
        let m = eval_metrics(Objective::Logistic);
        assert!(m.contains(&Metric::Auc) && m.contains(&Metric::LogLoss));
        assert_eq!(eval_metrics(Objective::Softmax)[0], Metric::MLogLoss);
    }
}
