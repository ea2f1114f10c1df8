//! Parameters whose values may name features (`--monotone "Credit
//! Score:-1"`, `--interactions "[[A,B],[C]]"`): one table, so that flag
//! checking, the config file and `gbdt train` treat them alike. Such a value
//! is checked for form when it is read and becomes gbdt-core's positional
//! form once the training features are known.

use gbdt_core::Params;

use crate::exit::{core, CmdResult, Code, Failure};
use crate::{interactions, monotone};

/// A parameter that also takes feature names.
pub struct ByName {
    /// The gbdt-core parameter.
    pub param: &'static str,
    /// Its flag, without `--`.
    pub flag: &'static str,
    is_by_name: fn(&str) -> bool,
    check: fn(&str) -> Result<(), String>,
    resolve: fn(&str, &[String]) -> Result<String, String>,
}

const ALL: [ByName; 2] = [
    ByName {
        param: "monotone_constraints",
        flag: "monotone",
        is_by_name: monotone::is_by_name,
        check: |text| monotone::parse(text).map(drop),
        resolve: monotone::resolve,
    },
    ByName {
        param: "interaction_constraints",
        flag: "interactions",
        is_by_name: interactions::is_by_name,
        check: |text| interactions::parse(text).map(drop),
        resolve: interactions::resolve,
    },
];

/// The entry for `param` when `text` names features; `None` for values
/// gbdt-core reads as they are.
pub fn named_value(param: &str, text: &str) -> Option<&'static ByName> {
    ALL.iter()
        .find(|b| b.param == param && (b.is_by_name)(text))
}

impl ByName {
    /// Checks the form of a by-name value (names are checked later).
    pub fn check(&self, text: &str) -> Result<(), String> {
        (self.check)(text)
    }
}

/// Every by-name value given (`given(param)` is the text of a parameter, if
/// any) becomes the positional form in `params`, against the training
/// features (unknown or repeated names are bad input, exit 3).
pub fn resolve_all<'a>(
    params: &mut Params,
    given: impl Fn(&str) -> Option<&'a str>,
    features: &[String],
) -> CmdResult<()> {
    for b in &ALL {
        if let Some(text) = given(b.param).filter(|t| (b.is_by_name)(t)) {
            let value = (b.resolve)(text, features).map_err(|e| {
                Failure::new(Code::BadInput, format!("bad value for --{}: {e}", b.flag))
            })?;
            core(params.set(b.param, &value))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_named_values_of_the_listed_parameters_match() {
        assert_eq!(
            named_value("monotone_constraints", "A:1").unwrap().flag,
            "monotone"
        );
        assert!(named_value("monotone_constraints", "(1,0)").is_none());
        assert_eq!(
            named_value("interaction_constraints", "[[A,B]]")
                .unwrap()
                .flag,
            "interactions"
        );
        assert!(named_value("interaction_constraints", "[[0,1]]").is_none());
        assert!(named_value("learning_rate", "A:1").is_none());
    }
}
