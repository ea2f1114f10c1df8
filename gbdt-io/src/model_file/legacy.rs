//! The payloads of model file formats 1 to 3, frozen, so these shapes must
//! never change. Formats 1 and 2 stored `gbdt_core::Params` positionally;
//! they decode with [`LegacyParams`] and convert to today's `Params`,
//! parameters added since taking their defaults. Format 3 stores parameters
//! by name (gbdt-core's `params/by_name.rs`) but has no categorical
//! features: its model has the shape of `ModelWithParamsAs<ParamsByName>`.
//! Format 4 added the model's `categories` and the trees' categorical splits.

use gbdt_core::{GrowPolicy, Metric, ModelWithParamsAs, Objective, Params, ParamsByName};
use serde::{Deserialize, Deserializer};

use super::{ModelFile, TrainingSummary};
use crate::label::LabelRule;
use crate::select::DroppedColumn;

/// `Params` as formats 1 and 2 stored it: these fields, in this order,
/// with these types (bincode has no field names). Do not edit.
#[derive(Deserialize)]
#[serde(default)]
pub(super) struct LegacyParams {
    objective: Objective,
    num_class: usize,
    num_rounds: usize,
    learning_rate: f64,
    grow_policy: GrowPolicy,
    max_depth: usize,
    max_leaves: usize,
    max_bin: usize,
    lambda: f64,
    alpha: f64,
    gamma: f64,
    min_child_weight: f64,
    max_delta_step: Option<f64>,
    subsample: f64,
    colsample_bytree: f64,
    colsample_bynode: f64,
    seed: u64,
    threads: Option<usize>,
    base_score: Option<f64>,
    early_stopping_rounds: Option<usize>,
    eval_metrics: Vec<Metric>,
    /// Added late in format 2: present in JSON files only, no bytes in
    /// binary ones (which give it its default).
    #[serde(deserialize_with = "json_only")]
    tweedie_variance_power: f64,
    huber_slope: f64,
}

/// A format 1 or 2 model: today's model fields, parameters in the old shape.
pub(super) type LegacyModel = ModelWithParamsAs<LegacyParams>;

/// The binary payload of format 1: label rule and summary always present.
#[derive(Deserialize)]
pub(super) struct ModelFileV1 {
    model: LegacyModel,
    label_rule: LabelRule,
    dropped_columns: Vec<DroppedColumn>,
    summary: TrainingSummary,
}

/// The binary payload of format 2: label rule and summary optional.
#[derive(Deserialize)]
pub(super) struct ModelFileV2 {
    model: LegacyModel,
    label_rule: Option<LabelRule>,
    dropped_columns: Vec<DroppedColumn>,
    summary: Option<TrainingSummary>,
}

/// A format 3 model: parameters by name, no categorical features.
pub(super) type ModelV3 = ModelWithParamsAs<ParamsByName>;

/// The binary payload of format 3: format 2's fields, parameters by name.
#[derive(Deserialize)]
pub(super) struct ModelFileV3 {
    model: ModelV3,
    label_rule: Option<LabelRule>,
    dropped_columns: Vec<DroppedColumn>,
    summary: Option<TrainingSummary>,
}

impl From<ModelFileV1> for ModelFile {
    fn from(v1: ModelFileV1) -> ModelFile {
        ModelFile {
            model: v1.model.into_model(),
            label_rule: Some(v1.label_rule),
            dropped_columns: v1.dropped_columns,
            summary: Some(v1.summary),
        }
    }
}

impl From<ModelFileV2> for ModelFile {
    fn from(v2: ModelFileV2) -> ModelFile {
        ModelFile {
            model: v2.model.into_model(),
            label_rule: v2.label_rule,
            dropped_columns: v2.dropped_columns,
            summary: v2.summary,
        }
    }
}

impl From<ModelFileV3> for ModelFile {
    fn from(v3: ModelFileV3) -> ModelFile {
        ModelFile {
            model: v3.model.into_model(),
            label_rule: v3.label_rule,
            dropped_columns: v3.dropped_columns,
            summary: v3.summary,
        }
    }
}

/// The value in human-readable formats; nothing (the default) in compact ones.
fn json_only<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    if d.is_human_readable() {
        f64::deserialize(d)
    } else {
        <()>::deserialize(d).map(|()| Params::default().tweedie_variance_power)
    }
}

impl Default for LegacyParams {
    fn default() -> LegacyParams {
        let p = Params::default();
        LegacyParams {
            objective: p.objective,
            num_class: p.num_class,
            num_rounds: p.num_rounds,
            learning_rate: p.learning_rate,
            grow_policy: p.grow_policy,
            max_depth: p.max_depth,
            max_leaves: p.max_leaves,
            max_bin: p.max_bin,
            lambda: p.lambda,
            alpha: p.alpha,
            gamma: p.gamma,
            min_child_weight: p.min_child_weight,
            max_delta_step: p.max_delta_step,
            subsample: p.subsample,
            colsample_bytree: p.colsample_bytree,
            colsample_bynode: p.colsample_bynode,
            seed: p.seed,
            threads: p.threads,
            base_score: p.base_score,
            early_stopping_rounds: p.early_stopping_rounds,
            eval_metrics: p.eval_metrics,
            tweedie_variance_power: p.tweedie_variance_power,
            huber_slope: p.huber_slope,
        }
    }
}

impl From<LegacyParams> for Params {
    fn from(l: LegacyParams) -> Params {
        Params {
            objective: l.objective,
            num_class: l.num_class,
            num_rounds: l.num_rounds,
            learning_rate: l.learning_rate,
            grow_policy: l.grow_policy,
            max_depth: l.max_depth,
            max_leaves: l.max_leaves,
            max_bin: l.max_bin,
            lambda: l.lambda,
            alpha: l.alpha,
            gamma: l.gamma,
            min_child_weight: l.min_child_weight,
            max_delta_step: l.max_delta_step,
            subsample: l.subsample,
            colsample_bytree: l.colsample_bytree,
            colsample_bynode: l.colsample_bynode,
            seed: l.seed,
            threads: l.threads,
            base_score: l.base_score,
            early_stopping_rounds: l.early_stopping_rounds,
            eval_metrics: l.eval_metrics,
            tweedie_variance_power: l.tweedie_variance_power,
            huber_slope: l.huber_slope,
            ..Params::default()
        }
    }
}
