//! The JSON model file: `"format": "gbdt-model"`, `"format_version"`, then
//! the fields of [`ModelFile`] with the model last. Version 1 and 2 files
//! differ only in that version 2 may leave out the label rule and summary,
//! so one reader takes both; their parameters have the frozen shape of
//! `legacy.rs`, version 3's are stored by name, and version 4 added
//! categorical features (version 3 reads through its frozen shape too, so a
//! version 3 file cannot declare them).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::legacy::{LegacyModel, ModelV3};
use super::{check_version, undecodable, FileRef, ModelFile, TrainingSummary, FORMAT_VERSION};
use crate::error::{Error, Result};
use crate::label::LabelRule;
use crate::select::DroppedColumn;

/// The `format` field of JSON model files.
pub(super) const FORMAT_NAME: &str = "gbdt-model";

/// What is written: the envelope, then the file's parts.
#[derive(Serialize)]
struct JsonOut<'a> {
    format: &'static str,
    format_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    label_rule: Option<&'a LabelRule>,
    dropped_columns: &'a [DroppedColumn],
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a TrainingSummary>,
    model: &'a gbdt_core::Model,
}

/// What is read, once the envelope is known to be a supported version; `M`
/// is the model's shape (`legacy::LegacyModel` for formats 1 and 2).
#[derive(Deserialize)]
struct JsonIn<M> {
    #[serde(default)]
    label_rule: Option<LabelRule>,
    #[serde(default)]
    dropped_columns: Vec<DroppedColumn>,
    #[serde(default)]
    summary: Option<TrainingSummary>,
    model: M,
}

impl<M: Into<gbdt_core::Model>> From<JsonIn<M>> for ModelFile {
    fn from(file: JsonIn<M>) -> ModelFile {
        ModelFile {
            model: file.model.into(),
            label_rule: file.label_rule,
            dropped_columns: file.dropped_columns,
            summary: file.summary,
        }
    }
}

pub(super) fn encode(file: &FileRef<'_>, path: &Path) -> Result<Vec<u8>> {
    let out = JsonOut {
        format: FORMAT_NAME,
        format_version: FORMAT_VERSION,
        label_rule: file.label_rule,
        dropped_columns: file.dropped_columns,
        summary: file.summary,
        model: file.model,
    };
    let mut bytes = serde_json::to_vec_pretty(&out).map_err(|e| Error::Encode {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The file and its version from bytes that start with `{`.
pub(super) fn decode(bytes: &[u8], path: &Path) -> Result<(ModelFile, u32)> {
    let corrupt = |reason: String| Error::CorruptModel {
        path: path.to_path_buf(),
        reason,
    };
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            corrupt(format!("the JSON is truncated ({e})"))
        } else {
            corrupt(format!("invalid model JSON: {e}"))
        }
    })?;
    let not_a_model = |what: &str| Error::NotAModel {
        path: path.to_path_buf(),
        reason: what.to_string(),
    };
    let Some(object) = value.as_object() else {
        return Err(not_a_model(
            "a JSON file, but its top level is not an object",
        ));
    };
    if object.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return Err(not_a_model(
            "a JSON file without \"format\": \"gbdt-model\"",
        ));
    }
    let Some(version) = object.get("format_version").and_then(|v| v.as_u64()) else {
        return Err(corrupt(
            "\"format_version\" is missing or not a whole number".to_string(),
        ));
    };
    let version = check_version(version, path)?;
    let file = match version {
        1 | 2 => serde_json::from_value::<JsonIn<LegacyModel>>(value).map(ModelFile::from),
        3 => serde_json::from_value::<JsonIn<ModelV3>>(value).map(ModelFile::from),
        _ => serde_json::from_value::<JsonIn<gbdt_core::Model>>(value).map(ModelFile::from),
    };
    let file = file.map_err(|e| undecodable(path, "invalid model JSON", e.to_string()))?;
    Ok((file, version))
}
