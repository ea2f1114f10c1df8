//! The binary model file: magic, version, payload length, FNV-1a checksum,
//! then the bincode payload of the version's shape (formats 1 to 3 in
//! `legacy.rs`).

use std::path::Path;

use serde::de::DeserializeOwned;

use super::legacy::{ModelFileV1, ModelFileV2, ModelFileV3};
use super::{check_version, undecodable, FileRef, ModelFile, FORMAT_VERSION};
use crate::error::{Error, Result};

/// The first bytes of a binary model file.
pub const MAGIC: &[u8; 8] = b"GBDTMDL\0";

/// Bytes before the payload: magic, version (u32), payload length (u64),
/// payload checksum (u64), all little-endian.
pub(super) const HEADER_LEN: usize = 8 + 4 + 8 + 8;

pub(super) fn encode(file: &FileRef<'_>, path: &Path) -> Result<Vec<u8>> {
    let payload =
        bincode::serde::encode_to_vec(file, bincode::config::standard()).map_err(|e| {
            Error::Encode {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        })?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&fnv1a(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// The file and its version from bytes that start with [`MAGIC`].
pub(super) fn decode(bytes: &[u8], path: &Path) -> Result<(ModelFile, u32)> {
    let corrupt = |reason: String| Error::CorruptModel {
        path: path.to_path_buf(),
        reason,
    };
    let Some(header) = bytes.get(..HEADER_LEN) else {
        return Err(corrupt(format!(
            "truncated after {} bytes, inside the {HEADER_LEN}-byte header",
            bytes.len()
        )));
    };
    let u64_at = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&header[i..i + 8]);
        u64::from_le_bytes(b)
    };
    let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    let version = check_version(u64::from(version), path)?;
    let (declared, checksum) = (u64_at(12), u64_at(20));
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
    let decoded = match version {
        1 => decode_bincode::<ModelFileV1>(payload).map(|(f, n)| (f.into(), n)),
        2 => decode_bincode::<ModelFileV2>(payload).map(|(f, n)| (f.into(), n)),
        3 => decode_bincode::<ModelFileV3>(payload).map(|(f, n)| (f.into(), n)),
        _ => decode_bincode::<ModelFile>(payload),
    };
    let (file, used) = decoded.map_err(|e| {
        let message = match e {
            // Serde errors (gbdt-core's model checks among them); bincode's
            // Display would print them in Debug form.
            bincode::error::DecodeError::OtherString(s) => s,
            e => e.to_string(),
        };
        undecodable(path, "the payload does not decode", message)
    })?;
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
fn decode_bincode<T: DeserializeOwned>(
    payload: &[u8],
) -> std::result::Result<(T, usize), bincode::error::DecodeError> {
    fn limited<T: DeserializeOwned, const N: usize>(
        p: &[u8],
    ) -> std::result::Result<(T, usize), bincode::error::DecodeError> {
        bincode::serde::decode_from_slice(p, bincode::config::standard().with_limit::<N>())
    }
    match payload.len().saturating_mul(64) {
        n if n <= 1 << 24 => limited::<T, { 1 << 24 }>(payload),
        n if n <= 1 << 28 => limited::<T, { 1 << 28 }>(payload),
        n if n <= 1 << 32 => limited::<T, { 1 << 32 }>(payload),
        _ => limited::<T, { 1 << 38 }>(payload),
    }
}

/// 64-bit FNV-1a: detects accidental damage (not an adversary).
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
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
    fn bincode_length_prefixes_cannot_allocate_unbounded_memory() {
        // A string claiming 2^40 bytes inside a tiny payload must fail
        // without trying to allocate it.
        let mut payload = vec![0xfd];
        payload.extend_from_slice(&(1u64 << 40).to_le_bytes());
        payload.extend_from_slice(b"abc");
        assert!(decode_bincode::<ModelFile>(&payload).is_err());
    }
}
