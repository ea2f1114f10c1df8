//! Test-only: seeded synthetic data, and a helper that trains through every
//! code path (1 thread vs many, subtraction on/off, depth-wise vs loss-guide)
//! and checks that they agree.

use std::ops::ControlFlow;

use ndarray::Array2;

use crate::sampling::Rng;
use crate::{Dataset, GrowPolicy, Model, Objective, Params, Trainer};

/// A leaf in `0..leaves` for each of `n` rows, seeded (xorshift), for
/// tests of code that maps rows to leaves.
pub(crate) fn random_leaves(n: usize, leaves: usize, seed: u64) -> Vec<usize> {
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as usize % leaves
        })
        .collect()
}

/// Features uniform in [-1, 1), 10% missing in features 0 and 3, and labels
/// for `objective` from a nonlinear function of the first four features.
pub(crate) fn synthetic(
    rows: usize,
    features: usize,
    objective: Objective,
    seed: u64,
) -> (Array2<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed, &[]);
    let mut x = Array2::from_shape_fn((rows, features), |_| (rng.next_f64() * 2.0 - 1.0) as f32);
    let y = (0..rows)
        .map(|i| {
            let r = x.row(i);
            let s =
                (3.0 * r[0]).sin() + r[1] * r[2] + r[3].abs() + 0.1 * (rng.next_f64() as f32 - 0.5);
            match objective {
                Objective::Logistic => (s > 0.5) as u8 as f32,
                Objective::Softmax => ((s + 2.0).clamp(0.0, 3.99)) as u32 as f32,
                Objective::Poisson => (s + 2.0).max(0.0).round(),
                _ => s,
            }
        })
        .collect();
    for i in (0..rows).step_by(10) {
        x[[i, 0]] = f32::NAN;
        x[[(i + 5) % rows, 3]] = f32::NAN;
    }
    (x, y)
}

/// Trains with `threads` threads and the histogram subtraction switch.
pub(crate) fn train_path(
    params: &Params,
    data: &Dataset<'_>,
    threads: usize,
    subtraction: bool,
) -> Model {
    let p = Params {
        threads: Some(threads),
        ..params.clone()
    };
    let mut trainer = Trainer::new(&p, data).expect("valid test setup");
    trainer.set_subtraction(subtraction);
    let mut model = trainer
        .train(&[], |_| ControlFlow::Continue(()))
        .expect("training works");
    model.params.threads = None; // the only field that differs by design
    model
}

/// Trains through every path and asserts they agree: identical models for
/// any thread count; predictions equal (to float rounding) with subtraction
/// off, and with loss-guide growth limited to the same depth.
pub(crate) fn assert_paths_agree(params: &Params, data: &Dataset<'_>) -> Model {
    let one = train_path(params, data, 1, true);
    let bytes = serde_json::to_vec(&one).expect("models serialize");
    for threads in [2, 7] {
        let other =
            serde_json::to_vec(&train_path(params, data, threads, true)).expect("models serialize");
        assert!(
            bytes == other,
            "{threads} threads give a different serialized model than 1"
        );
    }
    let x = data.features();
    let reference = one.predict(x).unwrap();
    let direct = train_path(params, data, 2, false).predict(x).unwrap();
    assert_close(&reference, &direct, "subtraction off");
    // Node-level feature sampling follows node ids, which differ by policy.
    if params.grow_policy == GrowPolicy::DepthWise
        && params.max_leaves == 0
        && params.colsample_bynode == 1.0
    {
        let lossguide = Params {
            grow_policy: GrowPolicy::LossGuide,
            ..params.clone()
        };
        let guided = train_path(&lossguide, data, 2, true).predict(x).unwrap();
        assert_close(&reference, &guided, "loss-guide at the same depth");
    }
    one
}

fn assert_close(a: &Array2<f64>, b: &Array2<f64>, what: &str) {
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-4, "{what}: predictions differ by up to {worst}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Metric;

    fn check(objective: Objective, extra: impl Fn(Params) -> Params) {
        let (x, y) = synthetic(3000, 6, objective, 11);
        let data = Dataset::new(x.view(), &y).unwrap();
        let params = extra(Params {
            objective,
            num_rounds: 12,
            learning_rate: 0.3,
            ..Params::default()
        });
        let model = assert_paths_agree(&params, &data);
        // The agreeing models also learned something.
        let p = model.predict(x.view()).unwrap();
        let metric = objective.default_metric();
        let base = Model {
            trees: vec![],
            ..model.clone()
        }
        .predict(x.view())
        .unwrap();
        let (fit, start) = (
            metric.compute(&y, None, p.as_slice().unwrap(), model.num_outputs()),
            metric.compute(&y, None, base.as_slice().unwrap(), model.num_outputs()),
        );
        // Poisson's log-likelihood carries a large constant (ln y!).
        let ratio = if objective == Objective::Poisson {
            0.95
        } else {
            0.8
        };
        assert!(
            fit < ratio * start,
            "{objective}: {metric} {fit} vs base {start}"
        );
        assert!(metric != Metric::Auc);
    }

    #[test]
    fn all_paths_agree_for_every_objective() {
        for obj in [
            Objective::SquaredError,
            Objective::Logistic,
            Objective::Softmax,
            Objective::Poisson,
            Objective::PseudoHuber,
        ] {
            check(obj, |p| p);
        }
    }

    #[test]
    fn all_paths_agree_with_sampling_and_regularisation() {
        check(Objective::Logistic, |p| Params {
            subsample: 0.7,
            colsample_bytree: 0.8,
            colsample_bynode: 0.7,
            alpha: 0.5,
            gamma: 0.1,
            min_child_weight: 3.0,
            max_delta_step: Some(1.0),
            seed: 5,
            ..p
        });
    }

    #[test]
    fn all_paths_agree_for_lossguide_and_wide_bins() {
        check(Objective::SquaredError, |p| Params {
            grow_policy: GrowPolicy::LossGuide,
            max_depth: 0,
            max_leaves: 20,
            ..p
        });
        check(Objective::SquaredError, |p| Params {
            max_bin: 1000,
            max_depth: 4,
            ..p
        });
    }

    #[test]
    fn max_leaves_caps_depthwise_trees() {
        let (x, y) = synthetic(3000, 6, Objective::SquaredError, 5);
        let data = Dataset::new(x.view(), &y).unwrap();
        let p = Params {
            max_leaves: 10,
            num_rounds: 3,
            ..Params::default()
        };
        let model = assert_paths_agree(&p, &data);
        assert!(model.trees().iter().all(|t| t.num_leaves() <= 10));
        assert!(model.trees().iter().any(|t| t.num_leaves() == 10));
    }

    #[test]
    fn same_seed_same_model_and_other_seed_differs() {
        let (x, y) = synthetic(2000, 5, Objective::Logistic, 3);
        let data = Dataset::new(x.view(), &y).unwrap();
        let p = Params {
            objective: Objective::Logistic,
            num_rounds: 5,
            subsample: 0.5,
            colsample_bytree: 0.6,
            seed: 9,
            ..Params::default()
        };
        let bytes = |p: &Params| serde_json::to_vec(&train_path(p, &data, 2, true)).unwrap();
        assert_eq!(bytes(&p), bytes(&p));
        assert_ne!(
            bytes(&p),
            bytes(&Params {
                seed: 10,
                ..p.clone()
            })
        );
    }
}
