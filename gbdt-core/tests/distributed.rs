//! Data-parallel training: ranks (threads of this process, through
//! `InProcess`) each hold a consecutive part of the rows and train one
//! model together. With quantized gradients every sum is exact, so the
//! model is byte-identical to one process training on all the rows, for
//! any number of ranks; with float histograms it agrees to rounding.

use std::sync::Arc;

use gbdt_core::{
    Booster, Collective, Dataset, Error, Executor, GrowPolicy, InProcess, Metric, Model, Objective,
    Params,
};
use ndarray::{s, Array2};

/// Seeded rows: 6 features (one with 10% missing), labels for `objective`.
fn data(n: usize, objective: Objective) -> (Array2<f32>, Vec<f32>) {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let x = Array2::from_shape_fn((n, 6), |(_, j)| {
        let v = next() * 2.0 - 1.0;
        if j == 5 && v > 0.8 {
            f32::NAN
        } else {
            v
        }
    });
    let y = (0..n)
        .map(|i| {
            let r = &x.row(i);
            let z = 1.5 * r[0] - r[1] + r[2] * r[3] + if r[5].is_nan() { 0.5 } else { r[5] };
            let noise = next() - 0.5;
            match objective {
                Objective::Logistic => (z + noise > 0.0) as u8 as f32,
                Objective::Softmax => ((z + noise + 2.0).clamp(0.0, 3.99) as u32) as f32,
                _ => z + noise,
            }
        })
        .collect();
    (x, y)
}

/// Runs `f` on every rank of an in-process group, one thread and one
/// part of the rows each (`cuts`: row boundaries, one part per rank), and
/// returns the ranks' results in rank order.
fn on_parts<R: Send>(
    x: &Array2<f32>,
    y: &[f32],
    cuts: &[usize],
    f: impl Fn(&Dataset<'_>, &Executor) -> R + Sync,
) -> Vec<R> {
    std::thread::scope(|s| {
        let running: Vec<_> = InProcess::group(cuts.len() - 1)
            .into_iter()
            .map(|rank| {
                let (a, b) = (cuts[rank.rank()], cuts[rank.rank() + 1]);
                let f = &f;
                s.spawn(move || {
                    let exec = Executor::new(1).unwrap().with_collective(Arc::new(rank));
                    f(
                        &Dataset::new(x.slice(s![a..b, ..]), &y[a..b]).unwrap(),
                        &exec,
                    )
                })
            })
            .collect();
        running.into_iter().map(|t| t.join().unwrap()).collect()
    })
}

/// Every rank's model, trained together on `cuts`.
fn train_ranks(params: &Params, x: &Array2<f32>, y: &[f32], cuts: &[usize]) -> Vec<Model> {
    on_parts(x, y, cuts, |part, exec| {
        let mut booster = Booster::new(params, part, exec).unwrap();
        booster.add_valid("train", part).unwrap();
        while booster.num_rounds() < params.num_rounds {
            booster.step().unwrap();
        }
        booster.into_model()
    })
}

fn single(params: &Params, x: &Array2<f32>, y: &[f32]) -> Model {
    train_ranks(params, x, y, &[0, y.len()]).remove(0)
}

fn params(objective: Objective, policy: GrowPolicy) -> Params {
    Params {
        objective,
        num_rounds: 12,
        learning_rate: 0.3,
        grow_policy: policy,
        max_leaves: if policy == GrowPolicy::LossGuide {
            15
        } else {
            0
        },
        max_depth: if policy == GrowPolicy::LossGuide {
            0
        } else {
            4
        },
        max_bin: 32,
        use_quantized_grad: true,
        eval_metrics: match objective {
            Objective::Logistic => vec![Metric::Auc, Metric::LogLoss],
            _ => Vec::new(),
        },
        ..Params::default()
    }
}

#[test]
fn quantized_training_on_any_number_of_ranks_is_byte_identical() {
    let n = 3_000;
    for objective in [
        Objective::Logistic,
        Objective::SquaredError,
        Objective::Softmax,
    ] {
        let (x, y) = data(n, objective);
        for policy in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
            let p = params(objective, policy);
            let one = single(&p, &x, &y);
            let bytes = serde_json::to_string(&one).unwrap();
            for cuts in [vec![0, 1_000, n], vec![0, 17, 2_000, n]] {
                let models = train_ranks(&p, &x, &y, &cuts);
                for (rank, m) in models.iter().enumerate() {
                    assert_eq!(
                        serde_json::to_string(m).unwrap(),
                        bytes,
                        "{objective} {policy:?}, rank {rank} of parts {cuts:?}"
                    );
                }
            }
            assert_eq!(one.num_trees(), 12 * one.num_outputs());
        }
    }
}

#[test]
fn sampling_and_weights_keep_ranks_byte_identical() {
    let n = 2_500;
    let (x, y) = data(n, Objective::Logistic);
    let p = Params {
        subsample: 0.7,
        colsample_bytree: 0.8,
        quant_train_renew_leaf: true,
        ..params(Objective::Logistic, GrowPolicy::DepthWise)
    };
    let one = single(&p, &x, &y);
    let models = train_ranks(&p, &x, &y, &[0, 900, 1_800, n]);
    assert!(models.iter().all(|m| m == &one));
}

#[test]
fn float_histograms_agree_with_one_process_to_rounding() {
    let n = 3_000;
    let (x, y) = data(n, Objective::Logistic);
    let p = Params {
        use_quantized_grad: false,
        ..params(Objective::Logistic, GrowPolicy::DepthWise)
    };
    let one = single(&p, &x, &y);
    let models = train_ranks(&p, &x, &y, &[0, 1_234, n]);
    assert_eq!(models[0], models[1], "every rank holds the same model");
    for (a, b) in one.metrics().iter().zip(models[0].metrics()) {
        assert_eq!(a.metric, b.metric);
        assert!((a.value - b.value).abs() < 1e-4, "{a:?} vs {b:?}");
    }
    let (p1, p2) = (
        one.predict(x.view()).unwrap(),
        models[0].predict(x.view()).unwrap(),
    );
    let worst = p1
        .iter()
        .zip(&p2)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-4, "largest prediction difference {worst}");
}

#[test]
fn a_rank_with_bad_labels_fails_every_rank_naming_it() {
    let n = 600;
    let (x, mut y) = data(n, Objective::Logistic);
    y[450] = 2.0;
    let p = params(Objective::Logistic, GrowPolicy::DepthWise);
    let cuts = [0, 200, 400, n];
    let errors: Vec<String> = on_parts(&x, &y, &cuts, |part, exec| {
        let e = Booster::new(&p, part, exec).err();
        e.map(|e| e.to_string()).expect("every rank fails")
    });
    assert!(
        errors[2].contains("row 450"),
        "the failing rank names the global row: {}",
        errors[2]
    );
    for e in &errors[..2] {
        assert!(
            e.starts_with("rank 2 failed: ") && e.contains("row 450"),
            "{e}"
        );
    }
}

#[test]
fn objectives_that_need_every_label_at_once_are_refused_on_several_ranks() {
    let n = 400;
    let (x, y) = data(n, Objective::SquaredError);
    let p = Params {
        objective: Objective::AbsoluteError,
        ..Params::default()
    };
    let errors: Vec<Error> = on_parts(&x, &y, &[0, 200, n], |part, exec| {
        Booster::new(&p, part, exec).err().unwrap()
    });
    let text = errors[0].to_string();
    assert!(
        matches!(errors[0], Error::NotDistributed { ranks: 2, .. }),
        "{text}"
    );
    assert!(
        text.contains("reg:absoluteerror") && text.contains("one process"),
        "{text}"
    );
}
