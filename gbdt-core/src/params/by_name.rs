//! How model files store [`Params`]: a map from each parameter's canonical
//! name to its value as text (what [`Param::set`](super::Param::set) reads,
//! `""` when unset), so adding a parameter never changes the shape of what
//! older builds wrote. Reading gives a missing name its default (an older
//! file) and refuses an unknown one (a newer file).
//!
//! `Params`' own derived serde form (a typed struct) is for reports; this
//! one is what [`Model`](crate::Model) writes and reads.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

use super::Params;

/// Writes `params` as a map in the order of [`Params::all`].
pub(crate) fn serialize<S: Serializer>(params: &Params, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(
        Params::all()
            .iter()
            .map(|p| (p.name(), p.stored_text(params))),
    )
}

/// [`Params`] deserialised from the by-name map model files store (format
/// 3 on): for reading older model shapes with
/// [`ModelWithParamsAs`](crate::ModelWithParamsAs).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsByName(pub(crate) Params);

impl<'de> Deserialize<'de> for ParamsByName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(d)?;
        from_map(map).map(ParamsByName).map_err(D::Error::custom)
    }
}

impl From<ParamsByName> for Params {
    fn from(p: ParamsByName) -> Params {
        p.0
    }
}

/// Params from stored name/text pairs; the error is the message.
fn from_map(map: BTreeMap<String, String>) -> Result<Params, String> {
    let unknown: Vec<&str> = map
        .keys()
        .filter(|name| !Params::all().iter().any(|p| p.name() == name.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "unknown model parameter(s) {}: the model was written by a newer gbdt; upgrade gbdt to load it",
            unknown.join(", ")
        ));
    }
    let mut params = Params::default();
    for param in Params::all() {
        if let Some(text) = map.get(param.name()) {
            param
                .set(&mut params, text)
                .map_err(|e| format!("stored model parameter: {e}"))?;
        }
    }
    // The stored name `quantile` does not carry its levels: give it the model's.
    params.eval_metrics = params.resolve_metrics(&params.eval_metrics);
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Metric, Objective};

    fn to_map(params: &Params) -> BTreeMap<String, String> {
        #[derive(serde::Serialize)]
        struct W<'a>(#[serde(serialize_with = "serialize")] &'a Params);
        serde_json::from_value(serde_json::to_value(W(params)).unwrap()).unwrap()
    }

    fn sample() -> Params {
        Params {
            objective: Objective::Tweedie,
            tweedie_variance_power: 1.2,
            monotone_constraints: vec![1, 0, -1],
            interaction_constraints: vec![vec![0, 1], vec![2, 3, 4]],
            learning_rate: 0.1 + 0.2,
            quantile_alpha: vec![0.05, 0.5],
            max_delta_step: Some(0.7),
            base_score: Some(-0.0),
            eval_metrics: vec![
                "tweedie-nloglik@1.3".parse::<Metric>().unwrap(),
                Metric::Mae,
                Metric::Quantile(crate::QuantileAlphas::new(&[0.05, 0.5])),
            ],
            ..Params::default()
        }
    }

    #[test]
    fn every_parameter_is_stored_by_name_and_read_back_bit_for_bit() {
        let map = to_map(&sample());
        assert_eq!(map.len(), Params::all().len());
        assert_eq!(map["tweedie_variance_power"], "1.2");
        assert_eq!(map["monotone_constraints"], "(1,0,-1)");
        assert_eq!(map["interaction_constraints"], "[[0,1],[2,3,4]]");
        assert_eq!(map["threads"], "", "unset is empty");
        assert_eq!(map["quantile_alpha"], "0.05,0.5");
        let back = from_map(map).unwrap();
        assert_eq!(back, sample());
        assert_eq!(back.learning_rate.to_bits(), (0.1f64 + 0.2).to_bits());
        assert!(back.base_score.unwrap().is_sign_negative());
        assert_eq!(
            from_map(to_map(&Params::default())).unwrap(),
            Params::default()
        );
    }

    #[test]
    fn missing_names_take_defaults_and_unknown_names_are_refused() {
        let old = BTreeMap::from([("max_depth".to_string(), "3".to_string())]);
        let p = from_map(old).unwrap();
        assert_eq!((p.max_depth, p.tweedie_variance_power), (3, 1.5));
        let newer = BTreeMap::from([
            ("max_depth".to_string(), "3".to_string()),
            ("zeta".to_string(), "1".to_string()),
            ("alpha2".to_string(), "1".to_string()),
        ]);
        let e = from_map(newer).unwrap_err();
        assert!(
            e.contains("alpha2, zeta") && e.contains("written by a newer gbdt"),
            "{e}"
        );
        let bad = BTreeMap::from([("max_depth".to_string(), "deep".to_string())]);
        assert!(from_map(bad).unwrap_err().contains("max_depth"));
    }
}
