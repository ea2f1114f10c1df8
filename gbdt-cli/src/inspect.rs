//! `gbdt importance` and `gbdt inspect`: what is inside a model file.

use std::io::Write;

use gbdt_core::ImportanceType;
use gbdt_io::{LibsvmOptions, ModelSource};
use serde_json::{json, Value};

use crate::cli::{ImportanceArgs, InspectArgs};
use crate::columns::FeatureColumns;
use crate::config::check_threads;
use crate::contrib;
use crate::data_file::{self, DataFile};
use crate::exit::{CmdResult, Failure, WithCode};
use crate::input::{self, reading, LoadedModel};
use crate::report::{
    categorical_json, categorical_line, dropped_lines, format_name, json_number, metrics_json,
};

/// Writes data to stdout (exit 1 on failure, quiet on a closed pipe).
pub fn print(text: &str) -> CmdResult<()> {
    let mut out = input::open_output(None)?;
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::Error::new(e).context("cannot write to stdout"))
        .runtime()
}

/// `names` paired with `values`, largest first, ties by feature order; at
/// most `top` entries.
fn rank(names: &[String], values: Vec<f64>, top: Option<usize>) -> Vec<(String, f64)> {
    let mut pairs: Vec<(String, f64)> = names.iter().cloned().zip(values).collect();
    pairs.sort_by(|a, b| b.1.total_cmp(&a.1));
    pairs.truncate(top.unwrap_or(usize::MAX));
    pairs
}

/// Mean |SHAP contribution| of each feature over the rows of the data file
/// (exit 2 without one).
fn shap_importance(args: &ImportanceArgs, loaded: &LoadedModel) -> CmdResult<Vec<f64>> {
    let model = &loaded.file.model;
    let Some(data) = &args.data else {
        return Err(Failure::usage(
            "SHAP importance needs a data file: gbdt importance MODEL --type shap DATA.csv",
        ));
    };
    let exec = input::executor(check_threads(args.threads)?)?;
    input::csv_options(&args.csv)?;
    let opts = LibsvmOptions {
        base: None,
        num_features: Some(model.num_features()),
    };
    let features = match data_file::read_data(data, &args.csv, opts, &exec)? {
        DataFile::Libsvm(d) => d.features,
        DataFile::Csv(table) => {
            let columns = FeatureColumns::new(loaded, &table, &[], args.strict_categories)?;
            reading(gbdt_io::prediction_features(
                &table,
                &columns.model_features(),
                &exec,
            ))?
        }
    };
    let values = contrib::contributions(model, features.view(), &exec)?;
    Ok(contrib::mean_abs_contribution(
        &values,
        model.num_features(),
    ))
}

/// The importance values of `--type` (exit 2 for an unknown type, or a data
/// file given to a type that does not read one).
fn importance_values(args: &ImportanceArgs, loaded: &LoadedModel) -> CmdResult<Vec<f64>> {
    let model = &loaded.file.model;
    if args.kind.eq_ignore_ascii_case("shap") {
        return shap_importance(args, loaded);
    }
    let kind: ImportanceType = args.kind.parse().map_err(|e| {
        Failure::usage(format!(
            "bad value for --type: {e}, or shap (with a data file)"
        ))
    })?;
    if let Some(data) = &args.data {
        return Err(Failure::usage(format!(
            "only --type shap reads a data file; drop {} or add --type shap",
            data.display()
        )));
    }
    Ok(model.feature_importance(kind))
}

/// Runs `gbdt importance`.
pub fn importance(args: &ImportanceArgs) -> CmdResult<()> {
    let loaded = input::load_model(&args.model, &args.model_format)?;
    let model = &loaded.file.model;
    let values = importance_values(args, &loaded)?;
    let pairs = rank(model.feature_names(), values, args.top);
    let text = if args.json {
        let list: Vec<Value> = pairs
            .iter()
            .map(|(f, v)| json!({"feature": f, "importance": json_number(*v)}))
            .collect();
        format!("{}\n", Value::Array(list))
    } else {
        let mut s = format!("feature\t{}\n", args.kind.to_ascii_lowercase());
        for (f, v) in &pairs {
            s.push_str(&format!("{f}\t{v}\n"));
        }
        s
    };
    print(&text)
}

/// The metrics training recorded beside the model, else the model's own.
fn stored_metrics(m: &LoadedModel) -> &[gbdt_core::EvalResult] {
    m.file
        .summary
        .as_ref()
        .map_or(m.file.model.metrics(), |s| &s.metrics)
}

/// The file's format: `binary`, `json`, `xgboost-json` or `lightgbm`.
fn source_name(source: ModelSource) -> &'static str {
    match source {
        ModelSource::Gbdt { format, .. } => format_name(format),
        ModelSource::Foreign(f) => f.name(),
    }
}

/// The gbdt format version, none for a foreign file.
fn source_version(source: ModelSource) -> Option<u32> {
    match source {
        ModelSource::Gbdt { version, .. } => Some(version),
        ModelSource::Foreign(_) => None,
    }
}

/// The format line of `inspect`.
fn source_text(source: ModelSource) -> String {
    match source {
        ModelSource::Gbdt { format, version } => {
            format!("{}, version {version}", format_name(format))
        }
        ModelSource::Foreign(f) => format!("{} (imported)", f.name()),
    }
}

/// The model summary as JSON.
pub fn summary_json(path: &str, m: &LoadedModel) -> Value {
    let model = &m.file.model;
    let trees = model.trees();
    json!({
        "file": path,
        "format": source_name(m.source),
        "format_version": source_version(m.source),
        "objective": model.objective().name(),
        "outputs": model.num_outputs(),
        "target": m.file.label_rule.as_ref().map(|r| r.describe()),
        "label_rule": serde_json::to_value(&m.file.label_rule).unwrap_or(Value::Null),
        "features": model.feature_names(),
        "categorical": categorical_json(model.categories(), model.feature_names(), true),
        "dropped": m.file.dropped_columns.iter()
            .map(|d| json!({"name": d.name, "reason": d.reason}))
            .collect::<Vec<_>>(),
        "trees": trees.len(),
        "rounds": model.num_rounds(),
        "leaves": trees.iter().map(|t| t.num_leaves()).sum::<usize>(),
        "max_depth": trees.iter().map(|t| t.depth()).max().unwrap_or(0),
        "best_iteration": model.best_iteration(),
        "base_margins": model.base_margins(),
        "training_rows": m.file.summary.as_ref().map(|s| s.rows),
        "metrics": metrics_json(stored_metrics(m)),
        "params": Value::Object(shown_params(m)),
    })
}

/// The number of outputs; for a quantile model, with its levels (one
/// output each, in ascending order).
fn outputs_text(model: &gbdt_core::Model) -> String {
    let k = model.num_outputs();
    match model.objective() {
        gbdt_core::Objective::QuantileError => {
            let levels = &model.params().quantile_alpha;
            let text: Vec<String> = levels.iter().map(f64::to_string).collect();
            format!("{k}, quantiles {}", text.join(", "))
        }
        _ => k.to_string(),
    }
}

/// The model summary as aligned text lines.
pub fn summary_text(path: &str, m: &LoadedModel) -> String {
    let model = &m.file.model;
    let trees = model.trees();
    let mut lines: Vec<(&str, String)> = vec![
        ("file", path.to_string()),
        ("format", source_text(m.source)),
        ("objective", model.objective().to_string()),
        (
            "target",
            m.file.label_rule.as_ref().map_or_else(
                || "none stored (trained without a CSV label rule)".to_string(),
                |r| r.describe(),
            ),
        ),
        ("outputs", outputs_text(model)),
        (
            "trees",
            format!(
                "{} ({} rounds x {}), {} leaves, max depth {}",
                trees.len(),
                model.num_rounds(),
                model.num_outputs(),
                trees.iter().map(|t| t.num_leaves()).sum::<usize>(),
                trees.iter().map(|t| t.depth()).max().unwrap_or(0)
            ),
        ),
        (
            "best iteration",
            model
                .best_iteration()
                .map_or("none (all rounds are used)".into(), |b| b.to_string()),
        ),
        (
            "features",
            format!(
                "{}: {}",
                model.num_features(),
                model.feature_names().join(", ")
            ),
        ),
        (
            "categorical",
            categorical_line(model.categories(), model.feature_names()),
        ),
    ];
    lines.extend(dropped_lines(&m.file.dropped_columns));
    lines.push((
        "training rows",
        m.file
            .summary
            .as_ref()
            .map_or("not stored".to_string(), |s| s.rows.to_string()),
    ));
    let metrics = stored_metrics(m)
        .iter()
        .map(|r| format!("{}-{}={}", r.dataset, r.metric, r.value))
        .collect::<Vec<_>>()
        .join(" ");
    lines.push((
        "metrics",
        if metrics.is_empty() {
            "none".into()
        } else {
            metrics
        },
    ));
    lines.push(("parameters", params_text(m)));
    lines
        .iter()
        .map(|(k, v)| format!("{k:<15} {v}\n"))
        .collect()
}

/// The training parameters worth showing: all of a gbdt model's; of an
/// imported model only those its file set (the objective's own, such as
/// `tweedie_variance_power`): its other values are gbdt's defaults, not how
/// XGBoost or LightGBM trained it.
fn shown_params(m: &LoadedModel) -> serde_json::Map<String, Value> {
    let to_map = |p: &gbdt_core::Params| match serde_json::to_value(p) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let mut params = to_map(m.file.model.params());
    if let ModelSource::Foreign(_) = m.source {
        let defaults = to_map(&gbdt_core::Params::default());
        params.retain(|k, v| defaults.get(k) != Some(v) && k != "objective");
    }
    params
}

/// The shown parameters as `name=value`, space-separated.
fn params_text(m: &LoadedModel) -> String {
    let params = shown_params(m);
    let text = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    match (m.source, params.is_empty()) {
        (ModelSource::Foreign(_), true) => "not stored in the imported file".to_string(),
        (ModelSource::Foreign(_), false) => {
            format!("{text} (the rest is not stored in the imported file)")
        }
        _ => text,
    }
}

/// Runs `gbdt inspect`.
pub fn inspect(args: &InspectArgs) -> CmdResult<()> {
    let loaded = input::load_model(&args.model, &args.model_format)?;
    let path = args.model.display().to_string();
    let text = if args.json {
        let v = summary_json(&path, &loaded);
        format!(
            "{}\n",
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string())
        )
    } else {
        summary_text(&path, &loaded)
    };
    print(&text)
}
