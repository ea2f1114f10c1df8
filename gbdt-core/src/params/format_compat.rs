//! Parameters added after model file format 2 froze the binary shape of
//! `Params`: they are written by self-describing formats (JSON) and take no
//! bytes in compact ones (bincode), so committed v1/v2 binary model files
//! still load. A binary file gives such a parameter its default back.
//!
//! The next binary format version should drop this and store the fields.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Serialises `v` for human-readable formats, nothing otherwise.
pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        v.serialize(s)
    } else {
        ().serialize(s)
    }
}

/// Reads the value from human-readable formats; compact ones hold nothing,
/// which gives `default`.
fn read<'de, D: Deserializer<'de>>(d: D, default: f64) -> Result<f64, D::Error> {
    if d.is_human_readable() {
        f64::deserialize(d)
    } else {
        <()>::deserialize(d).map(|()| default)
    }
}

/// [`read`] for `tweedie_variance_power`.
pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    read(d, super::Params::default().tweedie_variance_power)
}

#[cfg(test)]
mod tests {
    use crate::{Objective, Params};

    #[test]
    fn json_keeps_the_power_and_old_json_gets_the_default() {
        let p = Params {
            objective: Objective::Tweedie,
            tweedie_variance_power: 1.2,
            ..Params::default()
        };
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""tweedie_variance_power":1.2"#), "{json}");
        assert_eq!(serde_json::from_str::<Params>(&json).unwrap(), p);
        let old: Params = serde_json::from_str(r#"{"objective": "reg:tweedie"}"#).unwrap();
        assert_eq!(old.tweedie_variance_power, 1.5);
    }
}
