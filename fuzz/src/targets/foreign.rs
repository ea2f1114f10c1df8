//! The XGBoost (JSON and UBJSON) and LightGBM (text) importers, through
//! `gbdt_io::decode_any_model` as `gbdt predict`/`convert` call it: the
//! format detected from the first bytes, or (first byte `\x01`/`\x02`)
//! forced to XGBoost/LightGBM for the rest. An imported model must predict
//! and save as a gbdt model.

use std::path::Path;

use gbdt_io::{decode_any_model, encode_model, ForeignFormat, ModelFormat, SourceFormat};

pub fn run(data: &[u8]) {
    let (format, bytes) = match data.split_first() {
        Some((1, rest)) => (
            Some(SourceFormat::Foreign(ForeignFormat::XgboostJson)),
            rest,
        ),
        Some((2, rest)) => (
            Some(SourceFormat::Foreign(ForeignFormat::LightgbmText)),
            rest,
        ),
        _ => (None, data),
    };
    let path = Path::new("fuzz.model");
    let Ok(any) = decode_any_model(bytes, path, format) else {
        return;
    };
    for format in [ModelFormat::Binary, ModelFormat::Json] {
        let saved = encode_model(&any.file, format, path)
            .unwrap_or_else(|e| panic!("an imported model does not save as {format:?}: {e}"));
        gbdt_io::decode_model(&saved, path)
            .unwrap_or_else(|e| panic!("an imported model saved as {format:?} does not load: {e}"));
    }
    super::predict::exercise(&any.file.model, &[]);
}
