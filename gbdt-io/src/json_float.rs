//! One `f64` that may be NaN or infinite, for `#[serde(with = ...)]`: JSON
//! writes such values as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`
//! (serde_json alone would write `null`, which does not load back) and reads
//! them back; binary formats get the plain `f64`. gbdt-core's model fields
//! have their own helper; this one is for gbdt-io's types (a label rule such
//! as `x > inf`).

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serializer};

pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    let name = if v.is_nan() {
        "NaN"
    } else if *v == f64::INFINITY {
        "Infinity"
    } else if *v == f64::NEG_INFINITY {
        "-Infinity"
    } else {
        return s.serialize_f64(*v);
    };
    if s.is_human_readable() {
        s.serialize_str(name)
    } else {
        s.serialize_f64(*v)
    }
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    if !d.is_human_readable() {
        return f64::deserialize(d);
    }
    struct V;
    impl Visitor<'_> for V {
        type Value = f64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
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
    d.deserialize_any(V)
}
