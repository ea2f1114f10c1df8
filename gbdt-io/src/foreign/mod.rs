//! Models of other libraries: XGBoost JSON and LightGBM text models read as
//! [`gbdt_core::Model`]s, and gbdt models written as XGBoost JSON.
//!
//! # Importing
//!
//! [`detect_foreign`] recognises a file from its first bytes and
//! [`import_model`] translates it. The result is an ordinary model built
//! through gbdt-core's checked serde form, so it predicts with gbdt's own
//! code, with the same outputs as the original library (up to the
//! library's own float rounding, see below):
//!
//! - **XGBoost JSON** (`Booster.save_model("m.json")`, XGBoost 1.7 to 3.x),
//!   gbtree boosters. A numeric split `x < cond` becomes `x <= cond.next_down()`,
//!   which is the same test for every `f32`. A categorical split sends the
//!   categories it lists right and every other value left (codes it does not
//!   list, codes past its largest listed one, negative and infinite codes),
//!   missing values its default way; the translation keeps exactly that,
//!   adding a node that isolates missing values (and a copy of the default
//!   subtree) when the default way is right. `base_score` (a number or the
//!   newer `"[5E-1]"` array) is in output space and goes through the
//!   objective's link to a base margin; multiclass models keep XGBoost's
//!   per-class intercepts, which are margins already. `multi:softmax` is
//!   read as `multi:softprob`: predictions are class probabilities, and the
//!   predicted class is the most probable one, as XGBoost's. `reg:logistic`
//!   is read as `binary:logistic` (same transform). Trees are grouped by
//!   `tree_info` into rounds of one tree per class; all trees are used
//!   (XGBoost's `best_iteration` attribute is not applied). A model without
//!   `feature_names` names its features `f0`, `f1`, ... like XGBoost: its
//!   input columns are matched by position. XGBoost's binary UBJSON files
//!   are recognised and refused with a hint to save as JSON.
//! - **LightGBM text** (`model.txt`, format `v3`/`v4`): `threshold` with
//!   `<=` becomes the largest `f32` at most the `f64` threshold, the same
//!   test for every `f32` input. Missing type `NaN` uses the default
//!   direction; `None` sends NaN where 0 goes; `Zero` sends NaN and values
//!   with `|x| <= 1e-35` the default way, built from up to three numeric
//!   nodes (with copies of subtrees when the zero band lies between two
//!   ranges that go the other way). Categorical splits send the listed codes
//!   left, everything else (NaN, negative codes, codes past the bitset)
//!   right; a code in (-1, 0), which LightGBM truncates to 0, goes right
//!   here. Each tree's leftmost leaf value is moved into the base margin
//!   (`f64`) so leaf values lose less in `f32`. `binary sigmoid:s` with
//!   `s != 1` scales leaf values by `s`. Linear trees, `average_output`
//!   (random forests), `regression sqrt` and objectives without a gbdt
//!   counterpart are errors naming the field.
//!
//! Categorical features are declared with the category names `"0"`,
//! `"1"`, ... up to the largest code any split uses: input columns hold
//! the codes themselves.
//!
//! # Exporting
//!
//! [`export_xgboost_json`] writes an XGBoost JSON model that
//! `xgboost.Booster(model_file=...)` loads and predicts with (see
//! `export_xgboost.rs` for the exact translation).

use std::path::Path;

use gbdt_core::Model;

use crate::error::{Error, Result};

mod assemble;
mod export_xgboost;
mod lightgbm;
mod lightgbm_tree;
mod load;
mod xgboost;
mod xgboost_tree;

pub use export_xgboost::export_xgboost_json;
pub use load::{decode_any_model, load_any_model, AnyModel, ModelSource, SourceFormat};

/// The foreign model formats gbdt reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForeignFormat {
    /// XGBoost's JSON model (`save_model("m.json")`).
    XgboostJson,
    /// LightGBM's text model (`save_model("model.txt")`).
    LightgbmText,
}

impl ForeignFormat {
    /// The name used on the command line: `xgboost-json` or `lightgbm`.
    pub fn name(self) -> &'static str {
        match self {
            ForeignFormat::XgboostJson => "xgboost-json",
            ForeignFormat::LightgbmText => "lightgbm",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ForeignFormat::XgboostJson => "XGBoost JSON",
            ForeignFormat::LightgbmText => "LightGBM text",
        }
    }
}

impl std::str::FromStr for ForeignFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "xgboost-json" | "xgboost" => Ok(ForeignFormat::XgboostJson),
            "lightgbm" | "lightgbm-text" => Ok(ForeignFormat::LightgbmText),
            _ => Err(Error::UnknownForeignFormat {
                name: s.to_string(),
            }),
        }
    }
}

/// The foreign format of a model file, from its first bytes: a JSON object
/// whose first key is `"learner"` or `"version"` is XGBoost JSON (and so is
/// XGBoost's UBJSON, which [`import_model`] then refuses with a hint to save
/// as JSON); text whose first line is `tree` is a LightGBM model. `None`
/// otherwise (a gbdt model file, or anything else).
///
/// ```
/// use gbdt_io::{detect_foreign, ForeignFormat};
/// assert_eq!(detect_foreign(b"{\"learner\": {}}"), Some(ForeignFormat::XgboostJson));
/// assert_eq!(detect_foreign(b"tree\nversion=v4\n"), Some(ForeignFormat::LightgbmText));
/// assert_eq!(detect_foreign(b"{\"format\": \"gbdt-model\"}"), None);
/// ```
pub fn detect_foreign(bytes: &[u8]) -> Option<ForeignFormat> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = text.trim_ascii_start();
    if is_ubjson(text) {
        return Some(ForeignFormat::XgboostJson);
    }
    if let Some(rest) = text.strip_prefix(b"{") {
        let rest = rest.trim_ascii_start();
        if rest.starts_with(b"\"learner\"") || rest.starts_with(b"\"version\"") {
            return Some(ForeignFormat::XgboostJson);
        }
        return None;
    }
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    (first_line.trim_ascii() == b"tree").then_some(ForeignFormat::LightgbmText)
}

/// True for XGBoost's binary JSON (UBJSON, `save_model("m.ubj")`): an
/// object whose first key is `learner`, its length an integer of 1, 2, 4
/// or 8 bytes (markers `i`/`U`, `I`, `l`, `L`, big-endian).
pub(crate) fn is_ubjson(bytes: &[u8]) -> bool {
    let width = match bytes.get(..2) {
        Some([b'{', b'i' | b'U']) => 1,
        Some([b'{', b'I']) => 2,
        Some([b'{', b'l']) => 4,
        Some([b'{', b'L']) => 8,
        _ => return false,
    };
    let Some(len) = bytes.get(2..2 + width) else {
        return false;
    };
    let seven = len[..width - 1].iter().all(|&b| b == 0) && len[width - 1] == 7;
    seven && bytes[2 + width..].starts_with(b"learner")
}

/// Reads a foreign model (`path` is only used in error messages).
///
/// Never panics: a damaged or edited file is an [`Error::ForeignModel`]
/// naming the field, tree and node; a feature gbdt does not support is an
/// [`Error::UnsupportedForeign`] naming the field and value.
pub fn import_model(bytes: &[u8], format: ForeignFormat, path: &Path) -> Result<Model> {
    let parts = match format {
        ForeignFormat::XgboostJson => xgboost::read(bytes),
        ForeignFormat::LightgbmText => lightgbm::read(bytes),
    };
    parts
        .and_then(assemble::into_model)
        .map_err(|p| p.into_error(path, format))
}

/// What is wrong with a foreign file, before the file's path is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Problem {
    /// The file breaks its format's rules (damaged, truncated, edited).
    Invalid { location: String, problem: String },
    /// A valid file uses something gbdt cannot import.
    Unsupported {
        field: String,
        value: String,
        hint: String,
    },
}

impl Problem {
    pub(crate) fn invalid(location: impl Into<String>, problem: impl Into<String>) -> Problem {
        Problem::Invalid {
            location: location.into(),
            problem: problem.into(),
        }
    }

    pub(crate) fn unsupported(
        field: impl Into<String>,
        value: impl Into<String>,
        hint: impl Into<String>,
    ) -> Problem {
        Problem::Unsupported {
            field: field.into(),
            value: value.into(),
            hint: hint.into(),
        }
    }

    fn into_error(self, path: &Path, format: ForeignFormat) -> Error {
        let path = path.to_path_buf();
        let format = format.title();
        match self {
            Problem::Invalid { location, problem } => Error::ForeignModel {
                path,
                format,
                location,
                problem,
            },
            Problem::Unsupported { field, value, hint } => Error::UnsupportedForeign {
                path,
                format,
                field,
                value,
                hint,
            },
        }
    }
}

/// The most classes an imported model may have: far beyond real models; a
/// damaged count must not make the importer allocate per class first.
pub(crate) const MAX_IMPORTED_CLASSES: usize = 1 << 16;

/// The most features an imported model may declare, as for LibSVM files
/// ([`crate::MAX_LIBSVM_FEATURES`]): an XGBoost model without feature names
/// gets a name for each, so a damaged `num_feature` must not be billions.
pub(crate) const MAX_IMPORTED_FEATURES: usize = crate::MAX_LIBSVM_FEATURES as usize;

/// A count read from a model file, refused above `max` as unsupported.
pub(crate) fn at_most(field: impl Into<String>, n: usize, max: usize) -> Read<usize> {
    if n > max {
        return Err(Problem::unsupported(
            field,
            n.to_string(),
            format!("gbdt imports models with at most {max}"),
        ));
    }
    Ok(n)
}

/// `Result` of the readers, before the path is known.
pub(crate) type Read<T> = std::result::Result<T, Problem>;

/// The largest `f32` that is at most `t`: for every `f32` x,
/// `x <= result` exactly when `(x as f64) <= t`. `t` must not be NaN.
pub(crate) fn f32_at_most(t: f64) -> f32 {
    let f = t as f32;
    if f64::from(f) > t {
        f.next_down()
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_at_most_keeps_every_comparison() {
        let cases = [
            0.1f64,
            -0.1,
            1.0,
            -1.0000000180025095e-35,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.37499999999999994,
        ];
        for t in cases {
            let r = f32_at_most(t);
            assert!(f64::from(r) <= t, "{t}");
            let up = r.next_up();
            assert!(f64::from(up) > t || r == f32::INFINITY, "{t}: {r} {up}");
        }
        assert_eq!(f32_at_most(1e300), f32::MAX);
        assert_eq!(f32_at_most(-1e300), f32::NEG_INFINITY);
    }

    #[test]
    fn formats_have_names() {
        for f in [ForeignFormat::XgboostJson, ForeignFormat::LightgbmText] {
            assert_eq!(f.name().parse::<ForeignFormat>().unwrap(), f);
        }
        let e = "onnx".parse::<ForeignFormat>().unwrap_err().to_string();
        assert!(e.contains("'onnx'") && e.contains("xgboost-json"), "{e}");
    }

    #[test]
    fn detection_reads_only_the_start() {
        assert_eq!(
            detect_foreign(b"\xEF\xBB\xBF  \n{ \"version\": [3, 2, 0]}"),
            Some(ForeignFormat::XgboostJson)
        );
        assert_eq!(
            detect_foreign(b"tree\r\nversion=v3"),
            Some(ForeignFormat::LightgbmText)
        );
        for ubj in [&b"{U\x07learner{"[..], b"{L\0\0\0\0\0\0\0\x07learner{L"] {
            assert_eq!(detect_foreign(ubj), Some(ForeignFormat::XgboostJson));
        }
        for other in [&b""[..], b"GBDT", b"{}", b"trees\n", b"x", b"{U\x07"] {
            assert_eq!(detect_foreign(other), None);
        }
    }
}
