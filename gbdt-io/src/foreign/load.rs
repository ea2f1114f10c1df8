//! Any model file gbdt reads, from its content: gbdt's own (binary or
//! JSON, [`crate::decode_model`]) or a foreign one ([`super::detect_foreign`],
//! [`super::import_model`]).

use std::fs;
use std::path::Path;

use super::{detect_foreign, import_model, ForeignFormat};
use crate::error::{Error, Result};
use crate::model_file::{decode_model, ModelFile, ModelFormat};

/// The kind of model file to read: gbdt's own or a foreign format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// A gbdt model file, binary or JSON.
    Gbdt,
    /// An XGBoost or LightGBM model.
    Foreign(ForeignFormat),
}

/// What a model file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    /// A gbdt model file in `format`, of format version `version`.
    Gbdt { format: ModelFormat, version: u32 },
    /// An imported XGBoost or LightGBM model.
    Foreign(ForeignFormat),
}

/// A model read by [`load_any_model`], with what was stored beside it
/// (nothing but the model for a foreign file).
#[derive(Debug, Clone, PartialEq)]
pub struct AnyModel {
    /// The model and its metadata.
    pub file: ModelFile,
    /// The kind of file it came from.
    pub source: ModelSource,
}

/// Reads a model file of any kind gbdt reads: `format` forces one, `None`
/// detects it from the content (an XGBoost JSON or LightGBM text model is
/// recognised by its first bytes, see [`detect_foreign`]; anything else is
/// read as a gbdt model file and refused if it is not one).
pub fn load_any_model(path: &Path, format: Option<SourceFormat>) -> Result<AnyModel> {
    let bytes = fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        action: "read model file",
        source,
    })?;
    decode_any_model(&bytes, path, format)
}

/// [`load_any_model`] on bytes already read; `path` only names the file in
/// errors.
pub fn decode_any_model(
    bytes: &[u8],
    path: &Path,
    format: Option<SourceFormat>,
) -> Result<AnyModel> {
    let format = format.unwrap_or_else(|| match detect_foreign(bytes) {
        Some(f) => SourceFormat::Foreign(f),
        None => SourceFormat::Gbdt,
    });
    match format {
        SourceFormat::Gbdt => {
            let loaded = decode_model(bytes, path)?;
            Ok(AnyModel {
                file: loaded.file,
                source: ModelSource::Gbdt {
                    format: loaded.format,
                    version: loaded.version,
                },
            })
        }
        SourceFormat::Foreign(f) => Ok(AnyModel {
            file: ModelFile::from(import_model(bytes, f, path)?),
            source: ModelSource::Foreign(f),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_and_forcing() {
        let p = Path::new("m.txt");
        let lgb = b"tree\nversion=v4\n";
        // Detected as LightGBM: the import error names the file.
        let e = decode_any_model(lgb, p, None).unwrap_err().to_string();
        assert!(e.contains("m.txt") && e.contains("LightGBM"), "{e}");
        // Forced as gbdt: a gbdt error.
        let e = decode_any_model(lgb, p, Some(SourceFormat::Gbdt)).unwrap_err();
        assert!(matches!(e, Error::NotAModel { .. }), "{e}");
        // Forced as XGBoost JSON.
        let xgb = Some(SourceFormat::Foreign(ForeignFormat::XgboostJson));
        let e = decode_any_model(lgb, p, xgb).unwrap_err();
        assert!(matches!(e, Error::ForeignModel { .. }), "{e}");
    }
}
