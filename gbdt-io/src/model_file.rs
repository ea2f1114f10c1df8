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
//! **JSON** (`.json`): an object with `"format": "gbdt-model"`,
//! `"format_version"`, then the fields of [`ModelFile`]. NaN and infinities,
//! which JSON numbers cannot hold, are the strings `"NaN"`, `"Infinity"` and
//! `"-Infinity"`.
//!
//! Loading detects the format from the content, checks the version, length
//! and checksum, decodes with an allocation limit scaled to the file size,
//! and checks the trees' structure, so damaged files give an error rather
//! than a panic at prediction time.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::json_value;
use crate::label::LabelRule;
use crate::select::DroppedColumn;

/// The first bytes of a binary model file.
pub const MAGIC: &[u8; 8] = b"GBDTMDL\0";

/// The format version this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;

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

/// A model with everything needed to use it on a new CSV file. The training
/// parameters are inside the model (`model.params()`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Trees, objective, feature names and training parameters.
    pub model: gbdt_core::Model,
    /// How labels were derived (with the class mapping for classes).
    pub label_rule: LabelRule,
    /// Columns of the training file that were not features, and why.
    pub dropped_columns: Vec<DroppedColumn>,
    /// What training reported.
    pub summary: TrainingSummary,
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

/// Bytes before the payload: magic, version (u32), payload length (u64),
/// payload checksum (u64), all little-endian.
const HEADER_LEN: usize = 8 + 4 + 8 + 8;

/// The `format` field of JSON model files.
const JSON_FORMAT: &str = "gbdt-model";

/// Writes a model atomically: to a temporary file in the same directory,
/// flushed to disk, then renamed over `path`. A crash leaves either the old
/// file or the new one, never a half-written model. `format` overrides the
/// one chosen by the extension (`.json` is JSON, anything else binary).
pub fn save_model(path: &Path, model: &ModelFile, format: Option<ModelFormat>) -> Result<()> {
    let format = format.unwrap_or_else(|| ModelFormat::from_path(path));
    let bytes = encode_model(model, format, path)?;
    write_atomic(path, &bytes)
}

/// Reads a model file of any supported version, detecting the format from
/// its content. Returns the model, its format and its format version.
pub fn load_model(path: &Path) -> Result<(ModelFile, ModelFormat, u32)> {
    let bytes = fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        action: "read model file",
        source,
    })?;
    decode_model(&bytes, path)
}

/// The bytes of a model file in `format`; `path` only names it in errors.
pub fn encode_model(model: &ModelFile, format: ModelFormat, path: &Path) -> Result<Vec<u8>> {
    let encode_err = |reason: String| Error::Encode {
        path: path.to_path_buf(),
        reason,
    };
    match format {
        ModelFormat::Binary => {
            let payload = bincode::serde::encode_to_vec(model, bincode::config::standard())
                .map_err(|e| encode_err(e.to_string()))?;
            let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
            out.extend_from_slice(MAGIC);
            out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
            out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
            out.extend_from_slice(&fnv1a(&payload).to_le_bytes());
            out.extend_from_slice(&payload);
            Ok(out)
        }
        ModelFormat::Json => {
            // Each part goes through a Value so NaN and infinities are
            // written as strings ("NaN", "Infinity") instead of serde_json's
            // unreadable null. The envelope is written by hand to keep
            // "format" first and the model (the long part) last.
            let value = |v: std::result::Result<serde_json::Value, serde_json::Error>| {
                v.map_err(|e| encode_err(e.to_string()))
            };
            let parts = [
                ("format", serde_json::Value::from(JSON_FORMAT)),
                ("format_version", serde_json::Value::from(FORMAT_VERSION)),
                (
                    "label_rule",
                    value(json_value::to_value(&model.label_rule))?,
                ),
                (
                    "dropped_columns",
                    value(json_value::to_value(&model.dropped_columns))?,
                ),
                ("summary", value(json_value::to_value(&model.summary))?),
                ("model", value(json_value::to_value(&model.model))?),
            ];
            let mut out = String::from("{\n");
            for (i, (key, v)) in parts.iter().enumerate() {
                let body =
                    serde_json::to_string_pretty(v).map_err(|e| encode_err(e.to_string()))?;
                // JSON strings never hold a raw line break, so this only indents.
                out.push_str(&format!("  \"{key}\": {}", body.replace('\n', "\n  ")));
                out.push_str(if i + 1 < parts.len() { ",\n" } else { "\n" });
            }
            out.push_str("}\n");
            let out = out.into_bytes();
            Ok(out)
        }
    }
}

/// A model from the bytes of a model file; `path` only names it in errors.
pub fn decode_model(bytes: &[u8], path: &Path) -> Result<(ModelFile, ModelFormat, u32)> {
    let corrupt = |reason: String| Error::CorruptModel {
        path: path.to_path_buf(),
        reason,
    };
    let (file, format, version) = if bytes.starts_with(MAGIC) {
        let (file, version) = decode_binary(bytes, path)?;
        (file, ModelFormat::Binary, version)
    } else if !bytes.is_empty() && MAGIC.starts_with(bytes) {
        return Err(corrupt(format!(
            "truncated after {} bytes, inside the file header",
            bytes.len()
        )));
    } else if first_non_space(bytes) == Some(b'{') {
        let (file, version) = decode_json(bytes, path)?;
        (file, ModelFormat::Json, version)
    } else {
        return Err(Error::NotAModel {
            path: path.to_path_buf(),
            reason: describe_foreign(bytes),
        });
    };
    validate(&file).map_err(corrupt)?;
    Ok((file, format, version))
}

fn decode_binary(bytes: &[u8], path: &Path) -> Result<(ModelFile, u32)> {
    let corrupt = |reason: String| Error::CorruptModel {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.len() < HEADER_LEN {
        return Err(corrupt(format!(
            "truncated after {} bytes, inside the {HEADER_LEN}-byte header",
            bytes.len()
        )));
    }
    let u32_at =
        |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let u64_at = |i: usize| u64::from(u32_at(i)) | (u64::from(u32_at(i + 4)) << 32);
    let version = u32_at(8);
    check_version(u64::from(version), path)?;
    let declared = u64_at(12);
    let checksum = u64_at(20);
    let payload = &bytes[HEADER_LEN..];
    if (payload.len() as u64) < declared {
        return Err(corrupt(format!(
            "truncated: the header announces {declared} payload bytes but only {} follow",
            payload.len()
        )));
    }
    if (payload.len() as u64) > declared {
        return Err(corrupt(format!(
            "{} unexpected bytes after the {declared}-byte payload",
            payload.len() as u64 - declared
        )));
    }
    if fnv1a(payload) != checksum {
        return Err(corrupt(
            "checksum mismatch: the payload was altered after it was written".to_string(),
        ));
    }
    let (file, used) = decode_bincode(payload)
        .map_err(|e| corrupt(format!("the payload does not decode: {e}")))?;
    if used != payload.len() {
        return Err(corrupt(format!(
            "the payload decodes in {used} of its {} bytes",
            payload.len()
        )));
    }
    Ok((file, version))
}

/// Bincode with an allocation limit scaled to the payload, so a damaged
/// length prefix cannot make it allocate more than a small multiple of the
/// file's size.
fn decode_bincode(
    payload: &[u8],
) -> std::result::Result<(ModelFile, usize), bincode::error::DecodeError> {
    fn limited<const N: usize>(
        p: &[u8],
    ) -> std::result::Result<(ModelFile, usize), bincode::error::DecodeError> {
        bincode::serde::decode_from_slice(p, bincode::config::standard().with_limit::<N>())
    }
    match payload.len().saturating_mul(64) {
        n if n <= 1 << 24 => limited::<{ 1 << 24 }>(payload),
        n if n <= 1 << 28 => limited::<{ 1 << 28 }>(payload),
        n if n <= 1 << 32 => limited::<{ 1 << 32 }>(payload),
        _ => limited::<{ 1 << 38 }>(payload),
    }
}

fn decode_json(bytes: &[u8], path: &Path) -> Result<(ModelFile, u32)> {
    let corrupt = |reason: String| Error::CorruptModel {
        path: path.to_path_buf(),
        reason,
    };
    let json_err = |e: serde_json::Error| {
        if e.is_eof() {
            corrupt(format!("the JSON is truncated ({e})"))
        } else {
            corrupt(format!("invalid model JSON: {e}"))
        }
    };
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(json_err)?;
    let not_a_model = |what: &str| Error::NotAModel {
        path: path.to_path_buf(),
        reason: what.to_string(),
    };
    let Some(object) = value.as_object() else {
        return Err(not_a_model(
            "a JSON file, but its top level is not an object",
        ));
    };
    if object.get("format").and_then(|f| f.as_str()) != Some(JSON_FORMAT) {
        return Err(not_a_model(
            "a JSON file without \"format\": \"gbdt-model\"",
        ));
    }
    let Some(version) = object.get("format_version").and_then(|v| v.as_u64()) else {
        return Err(corrupt(
            "\"format_version\" is missing or not a whole number".to_string(),
        ));
    };
    check_version(version, path)?;
    let file: JsonFile =
        json_value::from_value(&value).map_err(|e| corrupt(format!("invalid model JSON: {e}")))?;
    Ok((
        ModelFile {
            model: file.model,
            label_rule: file.label_rule,
            dropped_columns: file.dropped_columns,
            summary: file.summary,
        },
        file.format_version,
    ))
}

fn check_version(version: u64, path: &Path) -> Result<()> {
    if version == 0 || version > u64::from(FORMAT_VERSION) {
        Err(Error::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
            supported: FORMAT_VERSION,
        })
    } else {
        Ok(())
    }
}

#[derive(Deserialize)]
struct JsonFile {
    #[allow(dead_code)]
    format: String,
    format_version: u32,
    label_rule: LabelRule,
    dropped_columns: Vec<DroppedColumn>,
    summary: TrainingSummary,
    model: gbdt_core::Model,
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
        "it starts with bytes {}, but a gbdt model starts with \"GBDTMDL\" (binary) or is a JSON object with \"format\": \"{JSON_FORMAT}\"",
        head.join(" ")
    )
}

/// Structural checks a decoded model must pass before prediction can index
/// into it safely: consistent lengths, children after their parent and in
/// range, split features in range.
fn validate(file: &ModelFile) -> std::result::Result<(), String> {
    let m = &file.model;
    let k = m.num_outputs();
    if k == 0 {
        return Err("the model has 0 outputs".to_string());
    }
    if m.num_features() == 0 {
        return Err("the model has no features".to_string());
    }
    if m.base_margins().len() != k {
        return Err(format!(
            "{} base margins for {k} outputs",
            m.base_margins().len()
        ));
    }
    if m.feature_names().len() != m.num_features() {
        return Err(format!(
            "{} feature names for {} features",
            m.feature_names().len(),
            m.num_features()
        ));
    }
    if !m.num_trees().is_multiple_of(k) {
        return Err(format!(
            "{} trees is not a multiple of {k} outputs",
            m.num_trees()
        ));
    }
    if let Some(b) = m.best_iteration() {
        if b >= m.num_rounds() {
            return Err(format!(
                "best iteration {b} but only {} rounds",
                m.num_rounds()
            ));
        }
    }
    for (t, tree) in m.trees().iter().enumerate() {
        check_tree_arrays(tree).map_err(|e| format!("tree {t}: {e}"))?;
        let n = tree.num_nodes();
        if n == 0 {
            return Err(format!("tree {t} has no nodes"));
        }
        for node in 0..n {
            if let Some((l, r)) = tree.children(node) {
                if l <= node || r >= n {
                    return Err(format!(
                        "tree {t}, node {node}: children {l} and {r} are out of order or range (tree has {n} nodes)"
                    ));
                }
                if tree.split_feature(node) >= m.num_features() {
                    return Err(format!(
                        "tree {t}, node {node}: splits on feature {} of {}",
                        tree.split_feature(node),
                        m.num_features()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A tree is stored as parallel arrays: they must all have the same length.
fn check_tree_arrays(tree: &gbdt_core::Tree) -> std::result::Result<(), String> {
    let value = serde_json::to_value(tree).map_err(|e| e.to_string())?;
    let Some(fields) = value.as_object() else {
        return Ok(());
    };
    let lens: Vec<(&String, usize)> = fields
        .iter()
        .filter_map(|(k, v)| v.as_array().map(|a| (k, a.len())))
        .collect();
    match lens.first() {
        Some(&(_, n)) if lens.iter().any(|&(_, l)| l != n) => Err(format!(
            "node arrays of different lengths ({})",
            lens.iter()
                .map(|(k, l)| format!("{k}: {l}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Ok(()),
    }
}

/// 64-bit FNV-1a: detects accidental damage (not an adversary).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io_err = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io {
            path: p,
            action,
            source,
        }
    };
    let Some(name) = path.file_name() else {
        return Err(Error::Encode {
            path: path.to_path_buf(),
            reason: "the path does not end in a file name".to_string(),
        });
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io_err("create temporary model file", &tmp))?;
        f.write_all(bytes)
            .map_err(io_err("write temporary model file", &tmp))?;
        f.sync_all()
            .map_err(io_err("flush temporary model file", &tmp))?;
        drop(f);
        fs::rename(&tmp, path).map_err(io_err("move the new model into place at", path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        return result;
    }
    // Make the rename itself durable; not every platform can sync a directory.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn versions_outside_1_to_current_are_refused() {
        let p = Path::new("m");
        assert!(check_version(1, p).is_ok());
        assert!(check_version(0, p).is_err());
        assert!(check_version(u64::from(FORMAT_VERSION) + 1, p).is_err());
    }

    #[test]
    fn bincode_length_prefixes_cannot_allocate_unbounded_memory() {
        // A string claiming 2^40 bytes inside a tiny payload must fail
        // without trying to allocate it.
        let mut payload = vec![0xfd];
        payload.extend_from_slice(&(1u64 << 40).to_le_bytes());
        payload.extend_from_slice(b"abc");
        assert!(decode_bincode(&payload).is_err());
    }

    #[test]
    fn foreign_bytes_are_described() {
        assert_eq!(describe_foreign(b""), "the file is empty");
        assert!(describe_foreign(b"PK\x03\x04").starts_with("it starts with bytes 50 4b 03 04"));
        assert_eq!(first_non_space(b"\xef\xbb\xbf  {"), Some(b'{'));
    }
}
