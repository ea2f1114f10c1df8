//! The JSON model file: `"format": "gbdt-model"`, `"format_version"`, then
//! the fields of [`ModelFile`] with the model last. Version 1 and 2 files
//! differ only in that version 2 may leave out the label rule and summary,
//! so one reader takes both.

use std::path::Path;

use serde::{Deserialize, Serialize};

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

/// What is read, once the envelope is known to be a supported version.
#[derive(Deserialize)]
struct JsonIn {
    #[serde(default)]
    label_rule: Option<LabelRule>,
    #[serde(default)]
    dropped_columns: Vec<DroppedColumn>,
    #[serde(default)]
    summary: Option<TrainingSummary>,
    model: gbdt_core::Model,
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
    let file: JsonIn = serde_json::from_value(value)
        .map_err(|e| undecodable(path, "invalid model JSON", e.to_string()))?;
    Ok((
        ModelFile {
            model: file.model,
            label_rule: file.label_rule,
            dropped_columns: file.dropped_columns,
            summary: file.summary,
        },
        version,
    ))
}
