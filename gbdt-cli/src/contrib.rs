//! SHAP contributions in the CLI: the column names of `gbdt predict
//! --contrib` and the mean |contribution| of `gbdt importance --type shap`.
//! The values themselves come from `Model::predict_contributions` (exact
//! TreeSHAP, margin space).

use gbdt_core::{Executor, Model};
use ndarray::{Array2, ArrayView2, Axis};

use crate::exit::{core, CmdResult};
use crate::predict::outputs::Output;

/// The name of the bias column (last column of each output's block).
pub const BIAS: &str = "bias";

/// Column names of the contribution CSV, in the layout of
/// `Model::predict_contributions`: for each output one column per feature,
/// then `bias`. With several outputs every name is prefixed by the output's
/// [`Output::prefix`] and `:` (`<class>:`, `quantile_<level>:`).
pub fn contribution_columns(features: &[String], outputs: &[Output]) -> Vec<String> {
    let block = features.iter().map(String::as_str).chain([BIAS]);
    if outputs.len() == 1 {
        return block.map(str::to_string).collect();
    }
    outputs
        .iter()
        .flat_map(|output| {
            let prefix = output.prefix();
            block.clone().map(move |name| format!("{prefix}:{name}"))
        })
        .collect()
}

/// SHAP contributions of `features` (rows × model features), margin space.
pub fn contributions(
    model: &Model,
    features: ArrayView2<'_, f32>,
    exec: &Executor,
) -> CmdResult<Array2<f64>> {
    core(model.predict_contributions(features, exec))
}

/// Mean |contribution| of each feature over the rows of `contrib` (the
/// output of [`contributions`]), summed over the outputs; the bias columns
/// are left out. An empty data set gives zeros.
pub fn mean_abs_contribution(contrib: &Array2<f64>, num_features: usize) -> Vec<f64> {
    let width = num_features + 1;
    let rows = contrib.nrows().max(1) as f64;
    let sums = contrib.mapv(f64::abs).sum_axis(Axis(0));
    (0..num_features)
        .map(|j| {
            let total: f64 = sums.iter().skip(j).step_by(width).sum();
            total / rows
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn columns_per_output_then_bias() {
        let f = names(&["a", "b"]);
        assert_eq!(
            contribution_columns(&f, &[Output::Only]),
            ["a", "b", "bias"]
        );
        let classes = [Output::Class("lo".into()), Output::Class("hi".into())];
        assert_eq!(
            contribution_columns(&f, &classes),
            ["lo:a", "lo:b", "lo:bias", "hi:a", "hi:b", "hi:bias"]
        );
        let levels = [Output::Quantile(0.1), Output::Quantile(0.9)];
        assert_eq!(
            contribution_columns(&f, &levels)[..4],
            [
                "quantile_0.1:a",
                "quantile_0.1:b",
                "quantile_0.1:bias",
                "quantile_0.9:a"
            ]
        );
        // A single level is the only output: no prefix.
        assert_eq!(
            contribution_columns(&f, &[Output::Quantile(0.5)]),
            ["a", "b", "bias"]
        );
    }

    #[test]
    fn mean_abs_sums_over_outputs_and_skips_bias() {
        // 2 rows, 2 outputs, 2 features: [f0, f1, bias] per output.
        let c = Array2::from_shape_vec(
            (2, 6),
            vec![
                1.0, -2.0, 9.0, 0.5, 0.0, 9.0, //
                -3.0, 4.0, 9.0, -0.5, 1.0, 9.0,
            ],
        )
        .unwrap();
        assert_eq!(mean_abs_contribution(&c, 2), [2.5, 3.5]);
        assert_eq!(mean_abs_contribution(&Array2::zeros((0, 3)), 2), [0.0, 0.0]);
    }
}
