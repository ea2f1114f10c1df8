//! Model files, written atomically in one of two formats.
//!
//! **Binary** (any extension but `.json`), all integers little-endian:
//!
//! | bytes  | content                                              |
//! |--------|------------------------------------------------------|
//! | 0..8   | magic `GBDTMDL\0`                                    |
//! | 8..12  | format version (`u32`)                               |
//! | 12..20 | payload length in bytes (`u64`)                      |
//! | 20..28 | FNV-1a 64 checksum of the payload (`u64`)            |
//! | 28..   | payload: [`ModelFile`] in bincode 2.0.1, standard config |
//!
//! Version 1 payloads have the label rule and the training summary always
//! present; version 2 makes them optional (a model trained from an ndarray
//! has neither). Both stored the training parameters positionally (their
//! frozen shape is in `model_file/legacy.rs`); version 3 stores them by
//! name, so adding a parameter no longer changes the format. Version 4 adds
//! categorical features: the model's category names per categorical feature
//! (in code order) and, in each tree, the category set of each categorical
//! split as a bitset. Versions 1 to 3 read through their frozen shapes in
//! `legacy.rs`; all four load.
//!
//! **JSON** (`.json`): an object with `"format": "gbdt-model"`,
//! `"format_version"`, then the fields of [`ModelFile`] (absent ones left
//! out). NaN and infinities, which JSON numbers cannot hold, are the strings
//! `"NaN"`, `"Infinity"` and `"-Infinity"`.
//!
//! Loading detects the format from the content and checks the version,
//! length and checksum here; the model itself is checked by gbdt-core while
//! it deserialises, so damaged files give an error rather than a panic at
//! prediction time.

use std::fs;
use std::path::Path;

use gbdt_core::Model;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::label::LabelRule;
use crate::select::DroppedColumn;

pub(crate) mod atomic;
mod binary;
mod json;
mod legacy;

pub use binary::MAGIC;

/// The format version this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 4;

/// What training reports about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Training rows (after dropping rows without a label).
    pub rows: usize,
    /// Feature columns.
    pub features: usize,
    /// The best round found by early stopping, if it ran.
    pub best_iteration: Option<usize>,
    /// Final metrics on the evaluation sets.
    pub metrics: Vec<gbdt_core::EvalResult>,
}

/// A model with what is known about the CSV file it was trained on. The
/// training parameters are inside the model (`model.params()`). Everything
/// but the model is optional: `ModelFile::from(model)` has none of it.
///
/// ```
/// # use gbdt_core::{train, Dataset, Params};
/// # let x = ndarray::Array2::from_shape_fn((20, 1), |(i, _)| i as f32);
/// # let y: Vec<f32> = (0..20).map(|i| i as f32).collect();
/// # let model = train(&Params { num_rounds: 2, threads: Some(1), ..Params::default() }, &Dataset::new(x.view(), &y)?, &[])?;
/// let file = gbdt_io::ModelFile::from(model);
/// assert!(file.label_rule.is_none() && file.summary.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Trees, objective, feature names and training parameters.
    pub model: Model,
    /// How labels were derived from the CSV (with the class mapping for
    /// classes), if the model was trained from one.
    pub label_rule: Option<LabelRule>,
    /// Columns of the training file that were not features, and why.
    pub dropped_columns: Vec<DroppedColumn>,
    /// What training reported, if it was recorded.
    pub summary: Option<TrainingSummary>,
}

impl From<Model> for ModelFile {
    fn from(model: Model) -> ModelFile {
        ModelFile {
            model,
            label_rule: None,
            dropped_columns: Vec::new(),
            summary: None,
        }
    }
}

/// What [`load_model`] and [`decode_model`] return.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedModel {
    /// The model and what was stored beside it.
    pub file: ModelFile,
    /// The format the file was in.
    pub format: ModelFormat,
    /// The file's format version (1 to [`FORMAT_VERSION`]).
    pub version: u32,
}

/// The two model file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelFormat {
    /// Magic bytes, version, length, checksum, bincode payload.
    Binary,
    /// A JSON object, for inspection and interchange.
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

/// The parts of a [`ModelFile`], borrowed, in the order both formats store
/// them: `save` writes a model without cloning it.
#[derive(Serialize)]
struct FileRef<'a> {
    model: &'a Model,
    label_rule: Option<&'a LabelRule>,
    dropped_columns: &'a [DroppedColumn],
    summary: Option<&'a TrainingSummary>,
}

impl<'a> From<&'a ModelFile> for FileRef<'a> {
    fn from(f: &'a ModelFile) -> FileRef<'a> {
        FileRef {
            model: &f.model,
            label_rule: f.label_rule.as_ref(),
            dropped_columns: &f.dropped_columns,
            summary: f.summary.as_ref(),
        }
    }
}

/// Saves a model in one line; `.json` paths get JSON, others the binary
/// format. The file is written atomically, like [`save_model`].
pub fn save(model: &Model, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let file = FileRef {
        model,
        label_rule: None,
        dropped_columns: &[],
        summary: None,
    };
    let bytes = encode(&file, ModelFormat::from_path(path), path)?;
    atomic::write_atomic(path, &bytes)
}

/// Loads the model of a model file of either format and any supported
/// version, in one line (use [`load_model`] for what is stored beside it).
pub fn load(path: impl AsRef<Path>) -> Result<Model> {
    Ok(load_model(path.as_ref())?.file.model)
}

/// Writes a model file atomically: to a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. A crash leaves
/// either the old file or the new one, never a half-written model. `format`
/// overrides the one chosen by the extension (`.json` is JSON, anything else
/// binary).
pub fn save_model(path: &Path, model: &ModelFile, format: Option<ModelFormat>) -> Result<()> {
    let format = format.unwrap_or_else(|| ModelFormat::from_path(path));
    let bytes = encode_model(model, format, path)?;
    atomic::write_atomic(path, &bytes)
}

/// Reads a model file of any supported version, detecting the format from
/// its content.
pub fn load_model(path: &Path) -> Result<LoadedModel> {
    let bytes = fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        action: "read model file",
        source,
    })?;
    decode_model(&bytes, path)
}

/// The bytes of a model file in `format`; `path` only names it in errors.
pub fn encode_model(model: &ModelFile, format: ModelFormat, path: &Path) -> Result<Vec<u8>> {
    encode(&FileRef::from(model), format, path)
}

fn encode(file: &FileRef<'_>, format: ModelFormat, path: &Path) -> Result<Vec<u8>> {
    match format {
        ModelFormat::Binary => binary::encode(file, path),
        ModelFormat::Json => json::encode(file, path),
    }
}

/// A model from the bytes of a model file; `path` only names it in errors.
pub fn decode_model(bytes: &[u8], path: &Path) -> Result<LoadedModel> {
    if bytes.starts_with(MAGIC) {
        let (file, version) = binary::decode(bytes, path)?;
        Ok(LoadedModel {
            file,
            format: ModelFormat::Binary,
            version,
        })
    } else if !bytes.is_empty() && MAGIC.starts_with(bytes) {
        Err(Error::CorruptModel {
            path: path.to_path_buf(),
            reason: format!(
                "truncated after {} bytes, inside the file header",
                bytes.len()
            ),
        })
    } else if first_non_space(bytes) == Some(b'{') {
        let (file, version) = json::decode(bytes, path)?;
        Ok(LoadedModel {
            file,
            format: ModelFormat::Json,
            version,
        })
    } else {
        Err(Error::NotAModel {
            path: path.to_path_buf(),
            reason: describe_foreign(bytes),
        })
    }
}

/// A payload that did not deserialise: `InvalidModel` when gbdt-core's
/// model checks refused it (their message already names the tree, node and
/// field and says what to do), else `CorruptModel` with `what` and `message`.
fn undecodable(path: &Path, what: &str, message: String) -> Error {
    // gbdt-core's checks reach us through serde, which keeps only the text.
    if message.starts_with("invalid model: ") {
        Error::InvalidModel {
            path: path.to_path_buf(),
            reason: message,
        }
    } else {
        Error::CorruptModel {
            path: path.to_path_buf(),
            reason: format!("{what}: {message}"),
        }
    }
}

/// Versions this build reads: 1 to [`FORMAT_VERSION`].
fn check_version(version: u64, path: &Path) -> Result<u32> {
    match u32::try_from(version) {
        Ok(v) if (1..=FORMAT_VERSION).contains(&v) => Ok(v),
        _ => Err(Error::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
            supported: FORMAT_VERSION,
        }),
    }
}

fn first_non_space(bytes: &[u8]) -> Option<u8> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    b.iter().copied().find(|c| !c.is_ascii_whitespace())
}

fn describe_foreign(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "the file is empty".to_string();
    }
    let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "it starts with bytes {}, but a gbdt model starts with \"GBDTMDL\" (binary) or is a JSON object with \"format\": \"{}\"",
        head.join(" "),
        json::FORMAT_NAME
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_outside_1_to_current_are_refused() {
        let p = Path::new("m");
        assert_eq!(check_version(1, p).unwrap(), 1);
        assert_eq!(check_version(2, p).unwrap(), 2);
        assert_eq!(check_version(3, p).unwrap(), 3);
        assert_eq!(check_version(4, p).unwrap(), 4);
        assert!(check_version(0, p).is_err());
        assert!(check_version(u64::from(FORMAT_VERSION) + 1, p).is_err());
        assert!(check_version(1 << 32 | 1, p).is_err());
    }

    #[test]
    fn foreign_bytes_are_described() {
        assert_eq!(describe_foreign(b""), "the file is empty");
        assert!(describe_foreign(b"PK\x03\x04").starts_with("it starts with bytes 50 4b 03 04"));
        assert_eq!(first_non_space(b"\xef\xbb\xbf  {"), Some(b'{'));
    }
}
