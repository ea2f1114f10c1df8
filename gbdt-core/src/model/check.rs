//! The rules a [`Model`] obeys, checked when one is deserialised, so that no
//! `Model` value can make prediction, importance or depth panic: at least one
//! output and one feature, one name per feature, one finite base margin per
//! output, whole rounds of trees, a best iteration inside them, trees
//! whose structure holds (`tree/check.rs`) and whose splits use existing
//! features, and categorical splits only on categorical features, with
//! their category counts.

use serde::Deserialize;

use super::{EvalResult, Model};
use crate::categories::Categories;
use crate::error::Error;
use crate::objective::Objective;
use crate::params::by_name::ParamsByName;
use crate::params::Params;
use crate::tree::{Absent, CategorySplit, TreeRepr};

impl From<Absent> for Categories {
    fn from(_: Absent) -> Self {
        Categories::default()
    }
}

/// A model as it is stored, before its rules are checked. The fields and
/// their order are `Model`'s, so both formats read what `Model` writes;
/// `P` is the stored form of the parameters (by name, or an older file
/// format's shape, see [`ModelWithParamsAs`](super::ModelWithParamsAs)),
/// and `C` is [`Absent`] for shapes from before categorical features.
#[derive(Deserialize)]
#[serde(bound(
    deserialize = "P: Deserialize<'de>, C: Deserialize<'de> + Default, T: Deserialize<'de> + Default"
))]
pub(crate) struct ModelRepr<P = ParamsByName, C = Categories, T = Vec<CategorySplit>> {
    objective: Objective,
    num_outputs: usize,
    num_features: usize,
    feature_names: Vec<String>,
    base_margins: Vec<f64>,
    trees: Vec<TreeRepr<T>>,
    best_iteration: Option<usize>,
    metrics: Vec<EvalResult>,
    params: P,
    #[serde(default)]
    categories: C,
}

fn invalid(field: &str, problem: String) -> Error {
    Error::InvalidModel {
        location: format!("field `{field}`"),
        problem,
    }
}

impl<P, C, T> TryFrom<ModelRepr<P, C, T>> for Model
where
    P: Into<Params>,
    C: Into<Categories>,
    T: Into<Vec<CategorySplit>>,
{
    type Error = Error;

    fn try_from(r: ModelRepr<P, C, T>) -> Result<Model, Error> {
        check_shape(&r)?;
        let categories: Categories = r.categories.into();
        categories
            .check(r.num_features)
            .map_err(|p| invalid("categories", p))?;
        let mut trees = Vec::with_capacity(r.trees.len());
        for (t, repr) in r.trees.into_iter().enumerate() {
            let tree = repr
                .check()
                .and_then(|tree| {
                    tree.check_features(r.num_features, &categories)
                        .map(|()| tree)
                })
                .map_err(|p| p.into_error(Some(t)))?;
            trees.push(tree);
        }
        check_rounds(trees.len(), r.num_outputs, r.best_iteration)?;
        let params: Params = r.params.into();
        check_levels(r.objective, r.num_outputs, &params)?;
        Ok(Model {
            objective: r.objective,
            num_outputs: r.num_outputs,
            num_features: r.num_features,
            feature_names: r.feature_names,
            base_margins: r.base_margins,
            trees,
            best_iteration: r.best_iteration,
            metrics: r.metrics,
            params,
            categories,
        })
    }
}

/// Outputs, features, names and base margins agree with each other.
fn check_shape<P, C, T>(r: &ModelRepr<P, C, T>) -> Result<(), Error> {
    let k = r.num_outputs;
    let multiclass = r.objective.is_multiclass();
    let quantile = r.objective == Objective::QuantileError;
    let wrong = match (multiclass, quantile) {
        (true, _) => k < 2,
        (_, true) => k == 0,
        _ => k != 1,
    };
    if wrong {
        let expected = match (multiclass, quantile) {
            (true, _) => "2 or more (one per class)",
            (_, true) => "1 or more (one per quantile level)",
            _ => "1",
        };
        return Err(invalid(
            "num_outputs",
            format!("is {k}, but objective {} needs {expected}", r.objective),
        ));
    }
    if r.num_features == 0 {
        return Err(invalid(
            "num_features",
            "is 0; a model needs at least one feature".to_string(),
        ));
    }
    if r.feature_names.len() != r.num_features {
        return Err(invalid(
            "feature_names",
            format!(
                "has {} names but `num_features` is {}; give one name per feature",
                r.feature_names.len(),
                r.num_features
            ),
        ));
    }
    if r.base_margins.len() != k {
        return Err(invalid(
            "base_margins",
            format!(
                "has {} values but the model has {k} outputs; give one per output",
                r.base_margins.len()
            ),
        ));
    }
    if let Some((i, v)) = r
        .base_margins
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite())
    {
        return Err(invalid(
            "base_margins",
            format!("value {i} is {v}; base margins must be finite numbers"),
        ));
    }
    Ok(())
}

/// A quantile model has one output per level of its `quantile_alpha`,
/// which are valid levels.
fn check_levels(objective: Objective, k: usize, params: &Params) -> Result<(), Error> {
    if objective != Objective::QuantileError {
        return Ok(());
    }
    crate::objective::check_alphas(&params.quantile_alpha)
        .map_err(|e| invalid("params.quantile_alpha", e.to_string()))?;
    let n = params.quantile_alpha.len();
    if n != k {
        return Err(invalid(
            "num_outputs",
            format!(
                "is {k}, but the model's quantile_alpha has {n} levels; give one output per level"
            ),
        ));
    }
    Ok(())
}

/// Trees come in whole rounds, and the best iteration is one of them.
fn check_rounds(trees: usize, k: usize, best: Option<usize>) -> Result<(), Error> {
    if !trees.is_multiple_of(k) {
        return Err(invalid(
            "trees",
            format!("has {trees} trees, not a multiple of the {k} outputs (one tree per output per round)"),
        ));
    }
    let rounds = trees / k;
    match best {
        Some(b) if b >= rounds => Err(invalid(
            "best_iteration",
            format!("is {b}, but the model has {rounds} rounds, numbered from 0"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{train, Dataset, Objective, Params, Tree};
    use ndarray::Array2;
    use serde_json::{json, Value};

    fn model_json(objective: Objective) -> Value {
        let x = Array2::from_shape_fn((60, 2), |(i, j)| ((i * (j + 2)) % 11) as f32);
        let y: Vec<f32> = (0..60)
            .map(|i| match objective {
                Objective::Softmax => (i % 3) as f32,
                _ => (x[[i, 0]] > 5.0) as u8 as f32,
            })
            .collect();
        let params = Params {
            objective,
            num_rounds: 3,
            max_depth: 2,
            threads: Some(1),
            ..Params::default()
        };
        let model = train(&params, &Dataset::new(x.view(), &y).unwrap(), &[]).unwrap();
        serde_json::to_value(&model).unwrap()
    }

    fn split_tree(v: &Value) -> usize {
        v["trees"]
            .as_array()
            .unwrap()
            .iter()
            .position(|t| t["left"][0] != json!(0))
            .unwrap()
    }

    /// The message of deserialising `v` after `edit`.
    fn error_after(v: &Value, edit: impl FnOnce(&mut Value)) -> String {
        let mut v = v.clone();
        edit(&mut v);
        match serde_json::from_value::<Model>(v) {
            Ok(_) => panic!("the edited model deserialised"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_valid_model_round_trips_through_json() {
        let v = model_json(Objective::Logistic);
        let m: Model = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&m).unwrap(), v);
    }

    #[test]
    fn model_level_rules_name_the_field() {
        let v = model_json(Objective::Logistic);
        let cases = [
            ("num_outputs", json!(0), "invalid model: field `num_outputs`: is 0, but objective binary:logistic needs 1"),
            ("num_features", json!(0), "field `num_features`: is 0; a model needs at least one feature"),
            ("feature_names", json!(["a"]), "field `feature_names`: has 1 names but `num_features` is 2; give one name per feature"),
            ("base_margins", json!([0.0, 1.0]), "field `base_margins`: has 2 values but the model has 1 outputs"),
            ("best_iteration", json!(3), "field `best_iteration`: is 3, but the model has 3 rounds, numbered from 0"),
        ];
        for (field, value, want) in cases {
            let e = error_after(&v, |v| v[field] = value);
            assert!(e.contains(want), "{e}\nwanted: {want}");
            assert!(e.contains("train the model again"), "{e}");
        }
    }

    #[test]
    fn base_margins_must_be_finite() {
        // JSON cannot hold a NaN base margin; binary formats can.
        let v = model_json(Objective::Logistic);
        let mut repr: ModelRepr = serde_json::from_value(v).unwrap();
        repr.base_margins[0] = f64::NAN;
        let e = Model::try_from(repr).unwrap_err().to_string();
        assert!(
            e.contains("field `base_margins`: value 0 is NaN; base margins must be finite"),
            "{e}"
        );
    }

    #[test]
    fn trees_come_in_whole_rounds_of_outputs() {
        let v = model_json(Objective::Softmax);
        assert_eq!(v["num_outputs"], json!(3));
        let e = error_after(&v, |v| {
            v["trees"].as_array_mut().unwrap().pop();
        });
        assert!(
            e.contains("field `trees`: has 8 trees, not a multiple of the 3 outputs"),
            "{e}"
        );
        let e = error_after(&v, |v| v["num_outputs"] = json!(1));
        assert!(
            e.contains("is 1, but objective multi:softprob needs 2 or more"),
            "{e}"
        );
    }

    #[test]
    fn tree_rules_name_the_tree_node_and_field() {
        let v = model_json(Objective::Logistic);
        let t = split_tree(&v);
        let at = |field: &str| format!("tree {t}, node 0, field `{field}`: ");
        fn tree(v: &mut Value, t: usize) -> &mut Value {
            &mut v["trees"][t]
        }
        let e = error_after(&v, |v| tree(v, t)["feature"][0] = json!(2));
        assert!(
            e.contains(&format!(
                "{}splits on feature 2, but the model has 2 features (0 to 1)",
                at("feature")
            )),
            "{e}"
        );
        let e = error_after(&v, |v| tree(v, t)["left"][0] = json!(500));
        assert!(
            e.contains(&at("left")) && e.contains("children 500 and 501 must come after the node"),
            "{e}"
        );
        let e = error_after(&v, |v| tree(v, t)["threshold"][0] = json!("NaN"));
        assert!(
            e.contains(&format!("{}split threshold is NaN", at("threshold"))),
            "{e}"
        );
        let e = error_after(&v, |v| tree(v, t)["value"][1] = json!("Infinity"));
        assert!(
            e.contains(&format!(
                "tree {t}, node 1, field `value`: leaf value is inf"
            )),
            "{e}"
        );
        let e = error_after(&v, |v| {
            tree(v, t)["gain"].as_array_mut().unwrap().pop();
        });
        assert!(
            e.contains(&format!("tree {t}, field `gain`: has"))
                && e.contains("every node array needs one entry per node"),
            "{e}"
        );
        let e = error_after(&v, |v| {
            for f in [
                "feature",
                "threshold",
                "left",
                "default_left",
                "value",
                "gain",
                "cover",
            ] {
                tree(v, t)[f] = json!([]);
            }
        });
        assert!(
            e.contains(&format!("tree {t}, field `feature`: the tree has no nodes")),
            "{e}"
        );
    }

    #[test]
    fn shared_and_orphan_nodes_are_rejected() {
        let v = model_json(Objective::Logistic);
        let t = split_tree(&v);
        let left = v["trees"][t]["left"].clone();
        let n = left.as_array().unwrap().len();
        assert!(n >= 3, "{left}");
        // A leaf that points at the root's children shares them.
        let leaf = (1..n).rev().find(|&i| left[i] == json!(0)).unwrap();
        let e = error_after(&v, |v| v["trees"][t]["left"][leaf] = left[0].clone());
        assert!(e.contains(&format!("node {leaf}, field `left`")), "{e}");
        // Turning the root into a leaf orphans every other node.
        let e = error_after(&v, |v| v["trees"][t]["left"][0] = json!(0));
        assert!(
            e.contains(&format!(
                "tree {t}, node 1, field `left`: no node has this node as a child"
            )),
            "{e}"
        );
    }

    #[test]
    fn a_tree_alone_is_checked_too() {
        let v = model_json(Objective::Logistic);
        let t = split_tree(&v);
        let mut tree = v["trees"][t].clone();
        assert!(serde_json::from_value::<Tree>(tree.clone()).is_ok());
        tree["left"][0] = json!(0);
        let e = serde_json::from_value::<Tree>(tree)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("invalid model: node 1, field `left`"), "{e}");
    }

    #[test]
    fn infinite_thresholds_survive_json() {
        let v = model_json(Objective::Logistic);
        let t = split_tree(&v);
        let mut edited = v.clone();
        edited["trees"][t]["threshold"][0] = json!("Infinity");
        let m: Model = serde_json::from_value(edited.clone()).unwrap();
        assert_eq!(m.trees()[t].threshold(0), f32::INFINITY);
        assert_eq!(serde_json::to_value(&m).unwrap(), edited);
    }
}
