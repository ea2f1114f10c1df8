//! Floats that may be NaN or infinite, in serde formats that cannot hold them.
//!
//! JSON numbers have no NaN or infinities, and serde_json writes them as
//! `null`, which does not load back. In human-readable formats these helpers
//! write them as the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (finite
//! values stay numbers) and read both forms back. Binary formats such as
//! bincode get the plain float, byte for byte what `f32`/`f64` would write.
//!
//! Use with `#[serde(with = "gbdt_core::serde_float::f32_vec")]` or
//! `#[serde(with = "gbdt_core::serde_float::f64_one")]` (gbdt-io's label
//! rules use the second).
//!
//! ```
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Bound {
//!     #[serde(with = "gbdt_core::serde_float::f64_one")]
//!     value: f64,
//! }
//! let json = serde_json::to_string(&Bound { value: f64::INFINITY }).unwrap();
//! assert_eq!(json, r#"{"value":"Infinity"}"#);
//! let back: Bound = serde_json::from_str(&json).unwrap();
//! assert_eq!(back.value, f64::INFINITY);
//! ```

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// `Vec<f32>` whose elements may be non-finite.
pub mod f32_vec {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|&x| Float32(x)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let v = Vec::<Float32>::deserialize(d)?;
        Ok(v.into_iter().map(|x| x.0).collect())
    }
}

/// One `f64` that may be non-finite.
pub mod f64_one {
    use super::*;

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        Float64(*v).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Float64::deserialize(d)?.0)
    }
}

/// The string a non-finite value is written as, or `None` when finite.
fn special_name(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v == f64::INFINITY {
        Some("Infinity")
    } else if v == f64::NEG_INFINITY {
        Some("-Infinity")
    } else {
        None
    }
}

struct Float32(f32);
struct Float64(f64);

impl Serialize for Float32 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match special_name(f64::from(self.0)) {
            Some(name) if s.is_human_readable() => s.serialize_str(name),
            _ => s.serialize_f32(self.0),
        }
    }
}

impl Serialize for Float64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match special_name(self.0) {
            Some(name) if s.is_human_readable() => s.serialize_str(name),
            _ => s.serialize_f64(self.0),
        }
    }
}

impl<'de> Deserialize<'de> for Float32 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            // Like serde_json's own f32: parsed as f64, then rounded.
            d.deserialize_any(FloatVisitor).map(|v| Float32(v as f32))
        } else {
            f32::deserialize(d).map(Float32)
        }
    }
}

impl<'de> Deserialize<'de> for Float64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(FloatVisitor).map(Float64)
        } else {
            f64::deserialize(d).map(Float64)
        }
    }
}

/// A number, or one of the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or one of \"NaN\", \"Infinity\", \"-Infinity\"")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Both {
        #[serde(with = "f32_vec")]
        v: Vec<f32>,
        #[serde(with = "f64_one")]
        x: f64,
    }

    #[test]
    fn non_finite_values_are_strings_in_json_and_come_back() {
        let b = Both {
            v: vec![0.1, f32::INFINITY, f32::NEG_INFINITY, -2.0],
            x: f64::NAN,
        };
        let text = serde_json::to_string(&b).unwrap();
        assert_eq!(text, r#"{"v":[0.1,"Infinity","-Infinity",-2.0],"x":"NaN"}"#);
        let back: Both = serde_json::from_str(&text).unwrap();
        assert_eq!(back.v, b.v);
        assert!(back.x.is_nan());
        let ints: Both = serde_json::from_str(r#"{"v":[1,-3],"x":7}"#).unwrap();
        assert_eq!((ints.v, ints.x), (vec![1.0, -3.0], 7.0));
        let e = serde_json::from_str::<Both>(r#"{"v":["inf"],"x":0}"#).unwrap_err();
        assert!(e.to_string().contains("\"Infinity\""), "{e}");
    }
}
