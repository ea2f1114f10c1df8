//! What each output of a model is (the only output, a class, or a quantile
//! level), named in one place for every command that shows outputs:
//! `gbdt predict` columns, `--contrib` column prefixes and `gbdt dump`
//! tree labels.

use gbdt_core::{Model, Objective};
use gbdt_io::LabelRule;

/// One output of a model.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// The one output of a single-output model.
    Only,
    /// A class of a multiclass model: its name when the model stores the
    /// classes, else its index.
    Class(String),
    /// A level of a quantile model (`--quantile-alpha`).
    Quantile(f64),
}

impl Output {
    /// The prediction column: `prediction`, `prediction_<class>` or
    /// `quantile_<level>`.
    pub fn column(&self) -> String {
        match self {
            Output::Only => "prediction".to_string(),
            Output::Class(c) => format!("prediction_{c}"),
            Output::Quantile(a) => format!("quantile_{a}"),
        }
    }

    /// What sets this output's columns apart among several (`--contrib`
    /// prefixes): the class, or `quantile_<level>` as in [`Output::column`].
    pub fn prefix(&self) -> String {
        match self {
            Output::Only => String::new(),
            Output::Class(c) => c.clone(),
            Output::Quantile(_) => self.column(),
        }
    }

    /// How `gbdt dump` labels a tree of this output: `class <class>` or
    /// `quantile <level>`.
    pub fn label(&self) -> String {
        match self {
            Output::Only => String::new(),
            Output::Class(c) => format!("class {c}"),
            Output::Quantile(a) => format!("quantile {a}"),
        }
    }
}

/// The outputs of `model`, in its output order; `rule` names its classes.
pub fn of_model(model: &Model, rule: Option<&LabelRule>) -> Vec<Output> {
    let alphas = &model.params().quantile_alpha;
    of_parts(model.objective(), model.num_outputs(), alphas, rule)
}

/// The outputs of a model with `objective`, `num_outputs` outputs and
/// quantile levels `alphas` (sorted, as its outputs are).
pub fn of_parts(
    objective: Objective,
    num_outputs: usize,
    alphas: &[f64],
    rule: Option<&LabelRule>,
) -> Vec<Output> {
    if objective == Objective::QuantileError && alphas.len() == num_outputs {
        return alphas.iter().map(|&a| Output::Quantile(a)).collect();
    }
    if num_outputs == 1 {
        return vec![Output::Only];
    }
    match rule {
        Some(LabelRule::Classes { classes, .. }) if classes.len() == num_outputs => {
            classes.iter().map(|c| Output::Class(c.clone())).collect()
        }
        _ => (0..num_outputs)
            .map(|k| Output::Class(k.to_string()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(outputs: &[Output]) -> Vec<String> {
        outputs.iter().map(Output::column).collect()
    }

    #[test]
    fn classes_by_name_else_by_index() {
        let rule = LabelRule::Classes {
            column: "s".into(),
            classes: vec!["x".into(), "y".into()],
        };
        let two = of_parts(Objective::Softmax, 2, &[0.5], Some(&rule));
        assert_eq!(columns(&two), ["prediction_x", "prediction_y"]);
        assert_eq!(two[1].label(), "class y");
        assert_eq!(two[0].prefix(), "x");
        let col = LabelRule::Column { column: "s".into() };
        let three = of_parts(Objective::Softmax, 3, &[0.5], Some(&col));
        assert_eq!(columns(&three)[2], "prediction_2");
        assert_eq!(three[2].label(), "class 2");
        let one = of_parts(Objective::Logistic, 1, &[0.5], Some(&rule));
        assert_eq!(columns(&one), ["prediction"]);
    }

    #[test]
    fn quantile_outputs_by_level() {
        let levels = of_parts(Objective::QuantileError, 3, &[0.05, 0.5, 0.95], None);
        assert_eq!(
            columns(&levels),
            ["quantile_0.05", "quantile_0.5", "quantile_0.95"]
        );
        assert_eq!(levels[2].label(), "quantile 0.95");
        assert_eq!(levels[0].prefix(), "quantile_0.05");
        let one = of_parts(Objective::QuantileError, 1, &[0.9], None);
        assert_eq!(columns(&one), ["quantile_0.9"]);
    }
}
