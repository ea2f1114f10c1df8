//! Model files: binary (magic, version, length, checksum, bincode payload)
//! and JSON, both written atomically.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::label::LabelRule;
use crate::select::DroppedColumn;

/// The first bytes of a binary model file.
pub const MAGIC: &[u8; 8] = b"GBDTMDL\0";

/// The format version this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;

/// What training reports about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    pub rows: usize,
    pub features: usize,
    pub best_iteration: Option<usize>,
    pub metrics: Vec<gbdt_core::EvalResult>,
}

/// A model with everything needed to use it on a new CSV file. The training
/// parameters are inside the model (`model.params()`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    pub model: gbdt_core::Model,
    pub label_rule: LabelRule,
    pub dropped_columns: Vec<DroppedColumn>,
    pub summary: TrainingSummary,
}

/// The two model file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelFormat {
    Binary,
    Json,
}

impl ModelFormat {
    /// `.json` (any case) is JSON; everything else is binary.
    pub fn from_path(path: &Path) -> ModelFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("json") => ModelFormat::Json,
            _ => ModelFormat::Binary,
        }
    }
}

impl std::str::FromStr for ModelFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "binary" | "bin" => Ok(ModelFormat::Binary),
            "json" => Ok(ModelFormat::Json),
            _ => Err(Error::UnknownFormat {
                name: s.to_string(),
            }),
        }
    }
}

/// Writes a model atomically; `format` overrides the one chosen by the extension.
pub fn save_model(path: &Path, model: &ModelFile, format: Option<ModelFormat>) -> Result<()> {
    let _ = (path, model, format);
    todo!()
}

/// Reads a model file of any supported version, detecting the format from
/// its content. Returns the model, its format and its format version.
pub fn load_model(path: &Path) -> Result<(ModelFile, ModelFormat, u32)> {
    let _ = path;
    todo!()
}

/// The bytes of a model file in `format`; `path` only names it in errors.
pub fn encode_model(model: &ModelFile, format: ModelFormat, path: &Path) -> Result<Vec<u8>> {
    let _ = (model, format, path);
    todo!()
}

/// A model from the bytes of a model file; `path` only names it in errors.
pub fn decode_model(bytes: &[u8], path: &Path) -> Result<(ModelFile, ModelFormat, u32)> {
    let _ = (bytes, path);
    todo!()
}
