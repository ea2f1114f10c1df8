//! `gbdt eval`: metrics of a model on labelled rows.

use std::io::Write;

use gbdt_core::{Executor, Metric, Objective, PredictOptions};
use gbdt_io::{LabelRule, LabelledColumns, LibsvmOptions, TrainingData};

use crate::cli::EvalArgs;
use crate::columns::FeatureColumns;
use crate::config::check_threads;
use crate::data_file::{self, DataFile};
use crate::exit::{core, CmdResult, Failure, WithCode};
use crate::input::{self, reading, LoadedModel};
use crate::report::json_number;

/// The metrics named by `--metric`, or the objective's defaults (the ones
/// `gbdt train` reports).
pub fn chosen_metrics(names: &[String], objective: Objective) -> CmdResult<Vec<Metric>> {
    if names.is_empty() {
        return Ok(objective.default_metrics().to_vec());
    }
    names
        .iter()
        .map(|m| {
            m.parse::<Metric>()
                .map_err(|e| Failure::usage(format!("bad value for --metric: {e}")))
        })
        .collect()
}

/// Checks that every metric can score a model with `objective` and
/// `num_outputs` outputs, as XGBoost ("use merror or mlogloss for
/// multi-class classification") and LightGBM ("Multiclass objective and
/// metrics don't match") do: `mlogloss` and `merror` need a multiclass
/// model, `quantile` a quantile model or a single output, every other
/// metric a single output. A mismatch is a usage error naming `flag`.
pub fn check_metrics_fit(
    metrics: &[Metric],
    objective: Objective,
    num_outputs: usize,
    flag: &str,
) -> CmdResult<()> {
    let fits = |m: &Metric| match m {
        Metric::MLogLoss | Metric::MError => objective.is_multiclass(),
        Metric::Quantile(_) => objective == Objective::QuantileError || num_outputs == 1,
        _ => num_outputs == 1,
    };
    let Some(bad) = metrics.iter().find(|m| !fits(m)) else {
        return Ok(());
    };
    let has = match (num_outputs, objective.is_multiclass()) {
        (1, _) => format!("one output ({objective})"),
        (k, true) => format!("{k} outputs, one per class ({objective})"),
        (k, false) => format!("{k} outputs, one per quantile level ({objective})"),
    };
    let suited: Vec<&str> = objective
        .default_metrics()
        .iter()
        .map(|m| m.name())
        .collect();
    Err(Failure::usage(format!(
        "bad value for --{flag}: metric {bad} cannot score this model, which has {has}; \
         use a metric for its outputs, such as {}",
        suited.join(" or ")
    )))
}

/// Runs `gbdt eval`.
pub fn run(args: &EvalArgs) -> CmdResult<()> {
    let exec = input::executor(check_threads(args.threads)?)?;
    // Names are checked before any file is read.
    chosen_metrics(&args.metric, Objective::default())?;
    input::csv_options(&args.csv)?;
    let loaded = input::load_model(&args.model, &args.model_format)?;
    let model = &loaded.file.model;
    let metrics = match args.metric.is_empty() {
        // The model's defaults: the Tweedie metric at its variance power,
        // ranking metrics at its eval_at.
        true => model.params().default_metrics(),
        // `quantile` at the model's levels, a bare ndcg or map at its eval_at.
        false => model
            .params()
            .resolve_metrics(&chosen_metrics(&args.metric, model.objective())?),
    };
    check_metrics_fit(&metrics, model.objective(), model.num_outputs(), "metric")?;

    let data = read_labelled(args, &loaded, &exec)?;
    let options = PredictOptions {
        executor: Some(exec),
        ..PredictOptions::default()
    };
    let preds = core(model.predict_with(data.features.view(), &options))?;
    let k = model.num_outputs();
    let mut flat: Vec<f64> = preds.iter().copied().collect();
    model.objective().to_metric_space(&mut flat);
    let weights = data.weights.as_deref();
    let groups = group_bounds(args, &data, &metrics)?;
    let values: Vec<(Metric, f64)> = metrics
        .iter()
        .map(|&m| {
            (
                m,
                m.compute_grouped(&data.labels, weights, &flat, k, groups.as_deref()),
            )
        })
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

/// Query group boundaries of the data; ranking metrics need them.
fn group_bounds(
    args: &EvalArgs,
    data: &TrainingData,
    metrics: &[Metric],
) -> CmdResult<Option<Vec<usize>>> {
    if data.groups.is_none() {
        return match metrics.iter().find(|m| m.is_ranking()) {
            Some(m) => Err(Failure::usage(format!(
                "metric {m} ranks documents within queries, but {} has no query groups: \
                 name its query id column with --group (CSV), or give LibSVM data with qid:",
                args.data.display()
            ))),
            None => Ok(None),
        };
    }
    // The dataset checks the sizes and turns them into boundaries.
    let ds = reading(data.dataset())?;
    Ok(ds.groups().map(<[usize]>::to_vec))
}

/// The labelled rows: LibSVM labels and features by position (see
/// [`data_file`]), or CSV columns by name with `--target` or the model's
/// target.
fn read_labelled(
    args: &EvalArgs,
    loaded: &LoadedModel,
    exec: &Executor,
) -> CmdResult<TrainingData> {
    let opts = LibsvmOptions {
        base: None,
        num_features: Some(loaded.file.model.num_features()),
    };
    let table = match data_file::read_data(&args.data, &args.csv, opts, exec)? {
        DataFile::Csv(table) => table,
        DataFile::Libsvm(_) if args.target.is_some() => {
            return Err(data_file::no_columns("--target", &args.data))
        }
        DataFile::Libsvm(_) if args.group.is_some() => {
            return Err(data_file::no_columns("--group", &args.data))
        }
        DataFile::Libsvm(_) if args.weight.is_some() => {
            return Err(data_file::no_columns("--weight", &args.data))
        }
        DataFile::Libsvm(d) => return Ok(d.into_training_data()),
    };
    let model_rule = loaded.file.label_rule.as_ref();
    let rule = match &args.target {
        Some(expr) => match (reading(gbdt_io::parse_target(expr, &table))?, model_rule) {
            // Class indexes must mean what they meant in training.
            (LabelRule::Classes { column, .. }, Some(m)) if column == m.column() => m.clone(),
            (rule, _) => rule,
        },
        None => model_rule.cloned().ok_or_else(|| {
            Failure::usage(
                "the model stores no target (it was not trained from a CSV file); give one with --target",
            )
        })?,
    };
    let mut used = vec![rule.column()];
    used.extend(args.group.as_deref());
    used.extend(args.weight.as_deref());
    let columns = FeatureColumns::new(loaded, &table, &used, args.strict_categories)?;
    let extra = LabelledColumns {
        group: args.group.as_deref(),
        weight: args.weight.as_deref(),
        drop_missing_label: args.drop_missing_target,
    };
    reading(gbdt_io::labelled_data_with(
        &table,
        &rule,
        &columns.model_features(),
        &extra,
        exec,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_by_name_or_by_objective() {
        let m = chosen_metrics(&[], Objective::Logistic).unwrap();
        assert_eq!(m, [Metric::Auc, Metric::LogLoss]);
        let named = chosen_metrics(&["mae".into(), "rmse".into()], Objective::Logistic).unwrap();
        assert_eq!(named, [Metric::Mae, Metric::Rmse]);
        let e = chosen_metrics(&["acc".into()], Objective::Logistic).unwrap_err();
        assert!(e.error.to_string().contains("--metric"));
    }

    #[test]
    fn metrics_must_fit_the_outputs() {
        let fit = |m: Metric, o: Objective, k: usize| check_metrics_fit(&[m], o, k, "metric");
        let q = Metric::Quantile(gbdt_core::QuantileAlphas::MEDIAN);
        for ok in [
            fit(Metric::Mae, Objective::SquaredError, 1),
            fit(Metric::Auc, Objective::Logistic, 1),
            fit(Metric::MLogLoss, Objective::Softmax, 3),
            fit(Metric::MError, Objective::Softmax, 3),
            fit(q, Objective::QuantileError, 3),
            fit(q, Objective::SquaredError, 1),
        ] {
            ok.unwrap();
        }
        let e = fit(Metric::Mae, Objective::Softmax, 3).unwrap_err();
        assert_eq!(e.code, crate::exit::Code::Usage);
        assert_eq!(
            e.error.to_string(),
            "bad value for --metric: metric mae cannot score this model, which has 3 outputs, \
             one per class (multi:softprob); use a metric for its outputs, such as merror or mlogloss"
        );
        let m = fit(Metric::Rmse, Objective::QuantileError, 2)
            .unwrap_err()
            .error
            .to_string();
        assert!(
            m.contains("rmse")
                && m.contains("2 outputs, one per quantile level")
                && m.contains("such as quantile"),
            "{m}"
        );
        let m = fit(Metric::MLogLoss, Objective::Logistic, 1)
            .unwrap_err()
            .error
            .to_string();
        assert!(
            m.contains("metric mlogloss") && m.contains("one output (binary:logistic)"),
            "{m}"
        );
        assert!(fit(Metric::Auc, Objective::Softmax, 3).is_err());
        assert!(fit(q, Objective::Softmax, 3).is_err());
    }
}
