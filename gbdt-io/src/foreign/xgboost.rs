//! XGBoost JSON models: the learner (objective, base score, feature names)
//! and the grouping of trees into rounds. Trees: `xgboost_tree.rs`.

use gbdt_core::Objective;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::assemble::{Graph, Parts};
use super::xgboost_tree::{self, XTree};
use super::{at_most, Problem, Read, MAX_IMPORTED_CLASSES, MAX_IMPORTED_FEATURES};

#[derive(Deserialize)]
struct File {
    learner: Learner,
    /// `[major, minor, patch]` of the XGBoost that wrote the file.
    #[serde(default)]
    version: Option<Vec<u64>>,
}

/// The XGBoost major versions whose JSON models gbdt reads (1.7 to 3.x).
const MAJORS: std::ops::RangeInclusive<u64> = 1..=3;

/// Refuses files written by an XGBoost gbdt does not know (4.0 on, or
/// before 1.0): their layout may differ.
fn check_version(version: &Option<Vec<u64>>) -> Read<()> {
    match version.as_deref() {
        Some([major, ..]) if !MAJORS.contains(major) => {
            let text = version
                .iter()
                .flatten()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".");
            Err(Problem::unsupported(
                "version",
                &text,
                "gbdt reads models saved by XGBoost 1.7 to 3.x",
            ))
        }
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
struct Learner {
    #[serde(default)]
    feature_names: Vec<String>,
    #[serde(default)]
    feature_types: Vec<String>,
    gradient_booster: Booster,
    learner_model_param: LearnerParam,
    objective: ObjectiveJson,
}

#[derive(Deserialize)]
struct Booster {
    name: String,
    model: Option<GbTree>,
}

#[derive(Deserialize)]
struct GbTree {
    trees: Vec<XTree>,
    tree_info: Vec<i64>,
}

#[derive(Deserialize)]
struct LearnerParam {
    base_score: String,
    num_class: String,
    num_feature: String,
    #[serde(default)]
    num_target: Option<String>,
}

#[derive(Deserialize)]
struct ObjectiveJson {
    name: String,
    #[serde(flatten)]
    params: Map<String, Value>,
}

/// What an XGBoost objective becomes, and how its base score maps to a
/// margin.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Link {
    Identity,
    Logit,
    Log,
    /// Multiclass intercepts, stored as margins.
    Margin,
}

/// Parameters by gbdt name.
type NamedParams = Vec<(&'static str, String)>;

fn objective(o: &ObjectiveJson) -> Read<(Objective, Link, NamedParams)> {
    let param = |group: &str, name: &str| {
        o.params
            .get(group)
            .and_then(|g| g.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut params = Vec::new();
    let (objective, link) = match o.name.as_str() {
        "reg:squarederror" | "reg:linear" => (Objective::SquaredError, Link::Identity),
        "reg:logistic" | "binary:logistic" => (Objective::Logistic, Link::Logit),
        // Its base score is a margin already (`ProbToMargin` is the
        // identity for logitraw in XGBoost's sources since ObjInfo, 1.6).
        "binary:logitraw" => (Objective::LogitRaw, Link::Identity),
        "multi:softprob" | "multi:softmax" => {
            // Continued training keeps XGBoost's hessian.
            params.push(("multiclass_hessian", "xgboost".to_string()));
            (Objective::Softmax, Link::Margin)
        }
        "count:poisson" => (Objective::Poisson, Link::Log),
        "reg:absoluteerror" => (Objective::AbsoluteError, Link::Identity),
        "reg:gamma" => (Objective::Gamma, Link::Log),
        "rank:ndcg" => (Objective::RankNdcg, Link::Identity),
        "rank:pairwise" => (Objective::RankPairwise, Link::Identity),
        "reg:tweedie" => {
            if let Some(p) = param("tweedie_regression_param", "tweedie_variance_power") {
                params.push(("tweedie_variance_power", short_float(&p)));
            }
            (Objective::Tweedie, Link::Log)
        }
        "reg:quantileerror" => {
            let levels = param("quantile_loss_param", "quantile_alpha").ok_or_else(|| {
                Problem::invalid(
                    "learner.objective.quantile_loss_param.quantile_alpha",
                    "is missing",
                )
            })?;
            params.push(("quantile_alpha", short_floats(&levels)));
            (Objective::QuantileError, Link::Identity)
        }
        "reg:pseudohubererror" => {
            if let Some(s) = param("pseudo_huber_param", "huber_slope") {
                params.push(("huber_slope", short_float(&s)));
            }
            (Objective::PseudoHuber, Link::Identity)
        }
        other => {
            return Err(Problem::unsupported(
                "learner.objective.name",
                other,
                "gbdt reads reg:squarederror, reg:logistic, binary:logistic, binary:logitraw, \
                 multi:softprob, multi:softmax, count:poisson, reg:tweedie, reg:gamma, \
                 reg:pseudohubererror, reg:absoluteerror and reg:quantileerror models",
            ))
        }
    };
    Ok((objective, link, params))
}

/// XGBoost writes objective parameters from `f32` (`1.39999998`); keep
/// the shortest text of that `f32` (`1.4`).
fn short_float(text: &str) -> String {
    text.trim()
        .parse::<f32>()
        .map_or_else(|_| text.to_string(), |v| v.to_string())
}

/// XGBoost's list of levels `"[1E-1,9E-1]"` as gbdt's `"0.1,0.9"` (each
/// from `f32`, as [`short_float`]); a bare number is a list of one.
fn short_floats(text: &str) -> String {
    let t = text.trim();
    let inner = t
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(t);
    inner
        .split(',')
        .map(short_float)
        .collect::<Vec<_>>()
        .join(",")
}

/// The base scores: `"0.5"`, `"5E-1"` or `"[5E-1,...]"`.
fn base_scores(text: &str) -> Read<Vec<f32>> {
    let bad = |why: &str| {
        Problem::invalid(
            "learner.learner_model_param.base_score",
            format!("{text:?} {why}"),
        )
    };
    let inner = text.trim();
    let inner = match inner.strip_prefix('[') {
        Some(rest) => rest
            .strip_suffix(']')
            .ok_or_else(|| bad("has no closing ']'"))?,
        None => inner,
    };
    inner
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad("is not a list of numbers"))
        })
        .collect()
}

/// The margins of the base scores, computed in `f32` as XGBoost does.
fn base_margins(scores: &[f32], link: Link, k: usize) -> Read<Vec<f64>> {
    let field = "learner.learner_model_param.base_score";
    let margins: Vec<f32> = match link {
        Link::Margin => scores.to_vec(),
        Link::Identity => scores.to_vec(),
        Link::Logit => scores
            .iter()
            .map(|&b| {
                if b > 0.0 && b < 1.0 {
                    Ok(-(1.0f32 / b - 1.0).ln())
                } else {
                    Err(Problem::invalid(
                        field,
                        format!("{b} is not a probability strictly between 0 and 1"),
                    ))
                }
            })
            .collect::<Read<_>>()?,
        Link::Log => scores
            .iter()
            .map(|&b| {
                if b > 0.0 {
                    Ok(b.ln())
                } else {
                    Err(Problem::invalid(
                        field,
                        format!("{b} is not positive, so it has no log"),
                    ))
                }
            })
            .collect::<Read<_>>()?,
    };
    match margins.len() {
        n if n == k => Ok(margins.iter().map(|&m| f64::from(m)).collect()),
        1 => Ok(vec![f64::from(margins[0]); k]),
        n => Err(Problem::invalid(
            field,
            format!("has {n} values but the model has {k} outputs"),
        )),
    }
}

fn count(field: &str, text: &str) -> Read<usize> {
    text.trim().parse::<usize>().map_err(|_| {
        Problem::invalid(
            format!("learner.learner_model_param.{field}"),
            format!("{text:?} is not a count"),
        )
    })
}

/// Reads an XGBoost JSON model.
pub(crate) fn read(bytes: &[u8]) -> Read<Parts> {
    if super::is_ubjson(bytes) {
        return Err(Problem::unsupported(
            "encoding",
            "UBJSON",
            "gbdt reads XGBoost's JSON models; save the model as JSON: booster.save_model(\"m.json\")",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let file: File =
        serde_json::from_slice(bytes).map_err(|e| Problem::invalid("JSON", e.to_string()))?;
    check_version(&file.version)?;
    let l = file.learner;
    if l.gradient_booster.name != "gbtree" {
        return Err(Problem::unsupported(
            "learner.gradient_booster.name",
            &l.gradient_booster.name,
            "gbdt reads gbtree boosters (not dart or gblinear)",
        ));
    }
    let Some(model) = l.gradient_booster.model else {
        return Err(Problem::invalid(
            "learner.gradient_booster.model",
            "is missing",
        ));
    };
    let p = &l.learner_model_param;
    let (objective, link, params) = objective(&l.objective)?;
    let quantile = objective == Objective::QuantileError;
    let num_features = at_most(
        "learner.learner_model_param.num_feature",
        count("num_feature", &p.num_feature)?,
        MAX_IMPORTED_FEATURES,
    )?;
    let k = outputs(p, objective, &l.objective.name)?;
    let base_margins = base_margins(&base_scores(&p.base_score)?, link, k)?;
    let feature_names = names(&l.feature_names, num_features)?;
    check_types(&l.feature_types, num_features)?;
    let mut graphs = Vec::with_capacity(model.trees.len());
    for (t, tree) in model.trees.iter().enumerate() {
        graphs.push(xgboost_tree::graph(tree, t, num_features)?);
    }
    let trees = rounds(graphs, &model.tree_info, k)?;
    let mut params = params;
    if k > 1 && !quantile {
        params.push(("num_class", k.to_string()));
    }
    Ok(Parts {
        objective,
        num_outputs: k,
        feature_names,
        base_margins,
        trees,
        shift_leaves: false,
        params,
    })
}

/// The model's outputs: classes for multiclass, levels for
/// reg:quantileerror (one target each), else 1; anything else refused.
fn outputs(p: &LearnerParam, objective: Objective, name: &str) -> Read<usize> {
    let targets = p
        .num_target
        .as_deref()
        .map_or(Ok(1), |t| count("num_target", t))?;
    let quantile = objective == Objective::QuantileError;
    if targets > 1 && !quantile {
        return Err(Problem::unsupported(
            "learner.learner_model_param.num_target",
            targets.to_string(),
            "gbdt reads single-target models (and reg:quantileerror with one target per level)",
        ));
    }
    let targets = at_most(
        "learner.learner_model_param.num_target",
        targets,
        MAX_IMPORTED_CLASSES,
    )?;
    let k = at_most(
        "learner.learner_model_param.num_class",
        count("num_class", &p.num_class)?.max(1),
        MAX_IMPORTED_CLASSES,
    )?
    .max(targets);
    if objective.is_multiclass() != (k > 1) && !quantile {
        return Err(Problem::invalid(
            "learner.learner_model_param.num_class",
            format!("is {k}, which does not fit objective {name}"),
        ));
    }
    Ok(k)
}

/// The file's feature names, or `f0`, `f1`, ... (XGBoost's own) when it
/// has none.
fn names(given: &[String], n: usize) -> Read<Vec<String>> {
    match given.len() {
        0 => Ok((0..n).map(|i| format!("f{i}")).collect()),
        m if m == n => Ok(given.to_vec()),
        m => Err(Problem::invalid(
            "learner.feature_names",
            format!("has {m} names but num_feature is {n}"),
        )),
    }
}

fn check_types(types: &[String], n: usize) -> Read<()> {
    if !types.is_empty() && types.len() != n {
        return Err(Problem::invalid(
            "learner.feature_types",
            format!("has {} types but num_feature is {n}", types.len()),
        ));
    }
    Ok(())
}

/// Trees grouped into rounds: the `r`-th tree of each class (by
/// `tree_info`) makes round `r`. Parallel trees (forests) become rounds of
/// their own, which adds the same sum.
fn rounds(graphs: Vec<Graph>, tree_info: &[i64], k: usize) -> Read<Vec<Graph>> {
    let field = "learner.gradient_booster.model.tree_info";
    if tree_info.len() != graphs.len() {
        return Err(Problem::invalid(
            field,
            format!("has {} entries for {} trees", tree_info.len(), graphs.len()),
        ));
    }
    let mut by_class: Vec<Vec<Graph>> = vec![Vec::new(); k];
    for (t, (g, &c)) in graphs.into_iter().zip(tree_info).enumerate() {
        let class = usize::try_from(c).ok().filter(|&c| c < k).ok_or_else(|| {
            Problem::invalid(
                field,
                format!("tree {t} is for class {c}, but the model has {k} outputs"),
            )
        })?;
        by_class[class].push(g);
    }
    let per_class = by_class[0].len();
    if let Some(c) = by_class.iter().position(|v| v.len() != per_class) {
        return Err(Problem::invalid(
            field,
            format!(
                "class {c} has {} trees but class 0 has {per_class}; every round needs one tree per class",
                by_class[c].len()
            ),
        ));
    }
    let mut iters: Vec<_> = by_class.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::with_capacity(per_class * k);
    for _ in 0..per_class {
        for it in iters.iter_mut() {
            out.extend(it.next());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (fuzz, foreign): `"num_feature":"42949672963"` made the
    /// importer name each of 43 billion features (an allocation abort); a
    /// huge `num_class` allocated a list per class.
    #[test]
    fn huge_feature_and_class_counts_are_refused_before_allocating() {
        let text = include_str!("../../tests/data/foreign/hand_xgboost_categorical.json");
        let read_with = |from: &str, to: &str| {
            assert!(text.contains(from), "{from}");
            read(text.replace(from, to).as_bytes())
        };
        assert!(read_with("\"num_feature\":\"1\"", "\"num_feature\":\"1\"").is_ok());
        let e = read_with("\"num_feature\":\"1\"", "\"num_feature\":\"42949672963\"");
        assert_eq!(
            e.err(),
            Some(Problem::unsupported(
                "learner.learner_model_param.num_feature",
                "42949672963",
                "gbdt imports models with at most 1048576"
            ))
        );
        let e = read_with("\"num_class\":\"0\"", "\"num_class\":\"99999999999\"");
        assert!(
            matches!(&e, Err(Problem::Unsupported { field, .. }) if field.ends_with("num_class")),
            "{e:?}"
        );
    }

    #[test]
    fn base_scores_take_both_spellings() {
        assert_eq!(base_scores("0.5").unwrap(), [0.5]);
        assert_eq!(base_scores("[6.375E-1]").unwrap(), [0.6375]);
        assert_eq!(base_scores("[-1E0,2E0]").unwrap(), [-1.0, 2.0]);
        for bad in ["[0.5", "abc", "[]", "[nan]"] {
            assert!(base_scores(bad).is_err(), "{bad}");
        }
        let m = base_margins(&[0.5], Link::Logit, 1).unwrap();
        assert_eq!(m, [0.0]);
        assert!(base_margins(&[1.0], Link::Logit, 1).is_err());
        assert!(base_margins(&[0.0], Link::Log, 1).is_err());
        assert_eq!(base_margins(&[2.0], Link::Identity, 3).unwrap(), [2.0; 3]);
        assert!(base_margins(&[1.0, 2.0], Link::Margin, 3).is_err());
    }
}
