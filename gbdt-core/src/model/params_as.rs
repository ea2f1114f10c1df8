//! Reading a model stored in the shape of model file formats 1 to 3:
//! before categorical features (no `categories` field, and no categorical
//! splits in trees), with parameters in a shape of the file's own (formats
//! 1 and 2 stored `Params` positionally; format 3 by name, as
//! [`ParamsByName`](crate::ParamsByName)). The file format's owner (gbdt-io)
//! keeps the parameter shapes; this only plugs them into the checked
//! deserialisation of [`Model`].

use std::marker::PhantomData;

use serde::{Deserialize, Deserializer};

use super::{Model, ModelRepr};
use crate::params::Params;
use crate::tree::Absent;

/// A [`Model`] deserialised from data in the shape of the formats before
/// categorical features, whose `params` field has the shape `P` (converted
/// into [`Params`]); every other field is read and checked exactly as
/// `Model` does, so damaged data is still an error.
///
/// ```
/// use gbdt_core::{ModelWithParamsAs, Params};
/// /// An old shape that stored only the depth.
/// #[derive(serde::Deserialize)]
/// struct OldParams { max_depth: usize }
/// impl From<OldParams> for Params {
///     fn from(o: OldParams) -> Params { Params { max_depth: o.max_depth, ..Params::default() } }
/// }
/// let json = r#"{"objective": "reg:squarederror", "num_outputs": 1, "num_features": 1,
///     "feature_names": ["x"], "base_margins": [0.5], "trees": [], "best_iteration": null,
///     "metrics": [], "params": {"max_depth": 3}}"#;
/// let model = serde_json::from_str::<ModelWithParamsAs<OldParams>>(json)?.into_model();
/// assert_eq!(model.params().max_depth, 3);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ModelWithParamsAs<P> {
    model: Model,
    shape: PhantomData<fn() -> P>,
}

impl<P> ModelWithParamsAs<P> {
    /// The model, with today's [`Params`].
    pub fn into_model(self) -> Model {
        self.model
    }
}

impl<P> From<ModelWithParamsAs<P>> for Model {
    fn from(m: ModelWithParamsAs<P>) -> Model {
        m.model
    }
}

impl<'de, P: Deserialize<'de> + Into<Params>> Deserialize<'de> for ModelWithParamsAs<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let repr = ModelRepr::<P, Absent, Absent>::deserialize(d)?;
        let model = Model::try_from(repr).map_err(serde::de::Error::custom)?;
        Ok(ModelWithParamsAs {
            model,
            shape: PhantomData,
        })
    }
}
