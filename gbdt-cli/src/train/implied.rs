//! The objective a `gbdt train` without `--objective` learns: the one its
//! target implies (a comparison or two classes: logistic; more classes:
//! softmax; a numeric column: squared error, or logistic when it holds
//! only 0 and 1; query groups: rank:ndcg).

use gbdt_core::{Executor, Objective};
use gbdt_io::{LabelRule, TrainingData};

use crate::distributed;

/// The objective the target implies, the class count for multiclass
/// (0 otherwise) and why, for the message that announces the choice.
fn default_objective(rule: &LabelRule, all_binary: bool) -> (Objective, usize, String) {
    match rule {
        LabelRule::Compare { .. } => (Objective::Logistic, 0, "the target is a comparison".into()),
        LabelRule::Equals { .. } => (Objective::Logistic, 0, "the target is an equality".into()),
        LabelRule::Classes { column, classes } if classes.len() > 2 => (
            Objective::Softmax,
            classes.len(),
            format!("column '{column}' has {} classes", classes.len()),
        ),
        LabelRule::Classes { column, classes } => (
            Objective::Logistic,
            0,
            format!("column '{column}' has {} classes", classes.len()),
        ),
        LabelRule::Column { column } => {
            if all_binary {
                (
                    Objective::Logistic,
                    0,
                    format!("column '{column}' holds only 0 and 1"),
                )
            } else {
                (
                    Objective::SquaredError,
                    0,
                    format!("column '{column}' is numeric"),
                )
            }
        }
    }
}

/// [`default_objective`], except that data with query groups (`--group`,
/// LibSVM `qid:`) implies `rank:ndcg`: the groups are what ranking
/// learns from, and no other objective uses them.
pub(super) fn implied_objective(
    data: &TrainingData,
    exec: &Executor,
) -> (Objective, usize, String) {
    match &data.groups {
        Some(groups) => (
            Objective::RankNdcg,
            0,
            format!("the data has {} query groups", groups.len()),
        ),
        None => default_objective(
            &data.label_rule,
            distributed::all_binary(&data.labels, exec.collective()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objective_follows_the_target() {
        let cmp = LabelRule::Compare {
            column: "a".into(),
            op: gbdt_io::CompareOp::Gt,
            value: 1.0,
        };
        assert_eq!(default_objective(&cmp, true).0, Objective::Logistic);
        let col = LabelRule::Column { column: "a".into() };
        assert_eq!(default_objective(&col, true).0, Objective::Logistic);
        assert_eq!(default_objective(&col, false).0, Objective::SquaredError);
        let classes = LabelRule::Classes {
            column: "s".into(),
            classes: vec!["x".into(), "y".into(), "z".into()],
        };
        let (o, k, why) = default_objective(&classes, false);
        assert_eq!((o, k), (Objective::Softmax, 3));
        assert!(why.contains("3 classes"), "{why}");
    }
}
