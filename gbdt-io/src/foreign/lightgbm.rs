//! LightGBM text models (`model.txt`, format `v2` to `v4`): the header
//! (objective, classes, feature names), the `Tree=` blocks (see
//! `lightgbm_tree.rs`) and the parameters section.

use std::collections::HashMap;

use gbdt_core::Objective;

use super::assemble::Parts;
use super::lightgbm_tree::{self, Block};
use super::{at_most, Problem, Read, MAX_IMPORTED_CLASSES};

/// The sections of a model file.
struct Sections<'a> {
    header: HashMap<&'a str, &'a str>,
    trees: Vec<Block<'a>>,
    /// `[name: value]` lines of the parameters section.
    params: HashMap<&'a str, &'a str>,
}

fn key_value(line: &str) -> Option<(&str, &str)> {
    line.split_once('=').map(|(k, v)| (k.trim(), v.trim()))
}

fn sections(text: &str) -> Read<Sections<'_>> {
    let mut lines = text.lines().map(str::trim_end).peekable();
    if lines.next().map(str::trim) != Some("tree") {
        return Err(Problem::invalid("line 1", "is not `tree`"));
    }
    let mut header = HashMap::new();
    while let Some(line) =
        lines.next_if(|l| !l.starts_with("Tree=") && !l.starts_with("end of trees"))
    {
        if let Some((k, v)) = key_value(line) {
            header.insert(k, v);
        }
    }
    let mut trees = Vec::new();
    let mut ended = false;
    while let Some(line) = lines.next() {
        if line.starts_with("end of trees") {
            ended = true;
            break;
        }
        let Some(("Tree", index)) = key_value(line) else {
            continue;
        };
        let declared = index.parse::<usize>().ok();
        if declared != Some(trees.len()) {
            return Err(Problem::invalid(
                format!("tree {}", trees.len()),
                format!(
                    "the block is headed `Tree={index}`; trees must be numbered 0, 1, ... in order"
                ),
            ));
        }
        let mut fields = HashMap::new();
        while let Some(line) =
            lines.next_if(|l| !l.starts_with("Tree=") && !l.starts_with("end of trees"))
        {
            if let Some((k, v)) = key_value(line) {
                fields.insert(k, v);
            }
        }
        trees.push(Block {
            index: trees.len(),
            fields,
        });
    }
    if !ended {
        return Err(Problem::invalid(
            "end of trees",
            "the line `end of trees` is missing; the file is truncated",
        ));
    }
    let params = lines
        .filter_map(|l| {
            l.trim()
                .strip_prefix('[')?
                .strip_suffix(']')?
                .split_once(':')
        })
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    Ok(Sections {
        header,
        trees,
        params,
    })
}

fn header<'a>(h: &HashMap<&str, &'a str>, key: &str) -> Read<&'a str> {
    h.get(key)
        .copied()
        .ok_or_else(|| Problem::invalid(format!("header field `{key}`"), "is missing"))
}

fn header_count(h: &HashMap<&str, &str>, key: &str) -> Read<usize> {
    let v = header(h, key)?;
    v.parse().map_err(|_| {
        Problem::invalid(
            format!("header field `{key}`"),
            format!("{v:?} is not a count"),
        )
    })
}

/// The objective line: gbdt's objective, the number of outputs it needs,
/// the leaf value scale (binary `sigmoid`) and objective parameters.
type ObjectiveLine = (Objective, Option<usize>, f64, Vec<(&'static str, String)>);

fn objective(line: &str, params: &HashMap<&str, &str>) -> Read<ObjectiveLine> {
    let mut words = line.split_ascii_whitespace();
    let name = words.next().unwrap_or("");
    let options: HashMap<&str, &str> = words.filter_map(|w| w.split_once(':')).collect();
    let bad_option = |opt: &str| {
        Problem::invalid(
            "header field `objective`",
            format!("{line:?} has an invalid {opt}"),
        )
    };
    let param = |name: &'static str, from: &str| {
        params
            .get(from)
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| (name, v.to_string()))
    };
    match name {
        "binary" | "cross_entropy" | "xentropy" => {
            let sigmoid = match options.get("sigmoid") {
                Some(s) => s
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| bad_option("sigmoid"))?,
                None => 1.0,
            };
            Ok((Objective::Logistic, Some(1), sigmoid, Vec::new()))
        }
        "multiclass" => {
            let k = options
                .get("num_class")
                .and_then(|k| k.parse::<usize>().ok())
                .ok_or_else(|| bad_option("num_class"))?;
            let k = at_most("objective num_class", k, MAX_IMPORTED_CLASSES)?;
            let p = vec![
                ("num_class", k.to_string()),
                ("multiclass_hessian", "lightgbm".to_string()),
            ];
            Ok((Objective::Softmax, Some(k), 1.0, p))
        }
        "regression" | "regression_l2" if !line.contains("sqrt") => {
            Ok((Objective::SquaredError, Some(1), 1.0, Vec::new()))
        }
        "huber" => {
            let p = param("huber_slope", "alpha").into_iter().collect();
            Ok((Objective::PseudoHuber, Some(1), 1.0, p))
        }
        "poisson" => Ok((Objective::Poisson, Some(1), 1.0, Vec::new())),
        "regression_l1" | "l1" => Ok((Objective::AbsoluteError, Some(1), 1.0, Vec::new())),
        "gamma" => Ok((Objective::Gamma, Some(1), 1.0, Vec::new())),
        "lambdarank" => Ok((Objective::RankNdcg, Some(1), 1.0, Vec::new())),
        "tweedie" => {
            let p = param("tweedie_variance_power", "tweedie_variance_power");
            Ok((Objective::Tweedie, Some(1), 1.0, p.into_iter().collect()))
        }
        _ => Err(Problem::unsupported(
            "objective",
            line,
            "gbdt reads binary, cross_entropy, multiclass, regression (without sqrt), \
             regression_l1, huber, poisson, gamma, tweedie and lambdarank models",
        )),
    }
}

/// Reads a LightGBM text model.
pub(crate) fn read(bytes: &[u8]) -> Read<Parts> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Problem::invalid("text", format!("not UTF-8: {e}")))?;
    let s = sections(text)?;
    let version = header(&s.header, "version")?;
    if !matches!(version, "v2" | "v3" | "v4") {
        return Err(Problem::unsupported(
            "version",
            version,
            "gbdt reads LightGBM model formats v2, v3 and v4",
        ));
    }
    if let Some(v) = s.header.get("average_output") {
        return Err(Problem::unsupported(
            "average_output",
            *v,
            "random-forest models (boosting=rf) average their trees; gbdt adds them",
        ));
    }
    let (objective, k, scale, mut params) = objective(header(&s.header, "objective")?, &s.params)?;
    let per_iteration = header_count(&s.header, "num_tree_per_iteration")?;
    let num_class = header_count(&s.header, "num_class")?;
    if k != Some(per_iteration) || num_class != per_iteration {
        return Err(Problem::invalid(
            "header field `num_tree_per_iteration`",
            format!(
                "is {per_iteration} with num_class={num_class}, but the objective needs {} trees per iteration",
                k.unwrap_or(0)
            ),
        ));
    }
    let num_features = header_count(&s.header, "max_feature_idx")?.saturating_add(1);
    let feature_names: Vec<String> = header(&s.header, "feature_names")?
        .split_ascii_whitespace()
        .map(str::to_string)
        .collect();
    if feature_names.len() != num_features {
        return Err(Problem::invalid(
            "header field `feature_names`",
            format!(
                "has {} names but max_feature_idx says {num_features} features",
                feature_names.len()
            ),
        ));
    }
    let trees = s
        .trees
        .iter()
        .map(|b| lightgbm_tree::graph(b, scale, num_features))
        .collect::<Read<Vec<_>>>()?;
    if objective == Objective::Tweedie && params.is_empty() {
        params.push(("tweedie_variance_power", "1.5".to_string()));
    }
    Ok(Parts {
        objective,
        num_outputs: per_iteration,
        feature_names,
        base_margins: vec![0.0; per_iteration],
        trees,
        shift_leaves: true,
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (fuzz review, foreign): a multiclass model whose
    /// `num_class` is in the billions allocated a base margin per class
    /// before any tree was read.
    #[test]
    fn a_huge_class_count_is_refused_before_allocating() {
        let text = include_str!("../../tests/data/foreign/lgb_multiclass.txt");
        assert!(read(text.as_bytes()).is_ok());
        let huge = text
            .replace("num_class=3\n", "num_class=99999999999\n")
            .replace(
                "num_tree_per_iteration=3\n",
                "num_tree_per_iteration=99999999999\n",
            )
            .replace("num_class:3", "num_class:99999999999");
        let e = read(huge.as_bytes());
        assert!(
            matches!(&e, Err(Problem::Unsupported { value, .. }) if value == "99999999999"),
            "{e:?}"
        );
    }
}
