//! The model loader: gbdt's binary and JSON model files
//! (`gbdt_io::decode_model`). A binary file carries a checksum that almost
//! every mutation breaks, so a first byte below 0x10 says "the rest is a
//! payload": the target wraps it in a valid header (format version
//! `1 + byte % FORMAT_VERSION`) and checksum, and the fuzzer reaches the
//! bincode decoding and gbdt-core's model checks. Any other first byte
//! starts the file itself (`{` for JSON, `G` for binary).
//!
//! A model that loads must save in both formats and load back the same,
//! and predict (see [`super::predict::exercise`]).

use std::path::Path;

use gbdt_io::{decode_model, encode_model, ModelFormat, FORMAT_VERSION, MAGIC};

pub fn run(data: &[u8]) {
    let bytes = match data.split_first() {
        Some((&mode, payload)) if mode < 0x10 => {
            binary_file(1 + u32::from(mode) % FORMAT_VERSION, payload)
        }
        _ => data.to_vec(),
    };
    let path = Path::new("fuzz.gbdt");
    let Ok(loaded) = decode_model(&bytes, path) else {
        return;
    };
    for format in [ModelFormat::Binary, ModelFormat::Json] {
        let saved = encode_model(&loaded.file, format, path)
            .unwrap_or_else(|e| panic!("a loaded model does not save as {format:?}: {e}"));
        let again = decode_model(&saved, path)
            .unwrap_or_else(|e| panic!("a saved model does not load as {format:?}: {e}"));
        assert_eq!(
            format!("{:?}", again.file),
            format!("{:?}", loaded.file),
            "{format:?} save and load change the model"
        );
    }
    super::predict::exercise(&loaded.file.model, &[]);
}

/// A binary model file around `payload`: magic, version, length, FNV-1a
/// checksum (as gbdt-io writes them).
pub fn binary_file(version: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(28 + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&fnv1a(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
