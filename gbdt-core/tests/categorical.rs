//! Categorical features end to end: they beat the same data without them,
//! models are byte-identical for any thread count, unseen categories
//! follow the missing-value direction, SHAP stays additive, and models
//! survive a serde round trip.

use gbdt_core::{
    train, Dataset, Executor, GrowPolicy, Metric, Model, Objective, Params, PredictOptions,
};
use ndarray::{s, Array2};

/// xorshift64*: a seeded generator local to the tests.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / (1u64 << 24) as f32
    }
}

/// Category counts of features 0..3; feature 3 is numeric.
const CATEGORIES: [usize; 3] = [5, 40, 300];

/// Rows with three categorical features (skewed frequencies, 5% missing)
/// whose categories carry random effects, one numeric feature, and a
/// binary label.
fn data(rows: usize, seed: u64) -> (Array2<f32>, Vec<f32>) {
    // The effects are fixed by a structure seed, shared by every sample.
    let mut s = Gen(0xC0FFEE);
    let effects: Vec<Vec<f32>> = CATEGORIES
        .iter()
        .map(|&n| (0..n).map(|_| (s.next() - 0.5) * 3.0).collect())
        .collect();
    let mut g = Gen(seed * 0x9E37_79B9 + 7);
    let mut x = Array2::<f32>::zeros((rows, 4));
    let mut y = Vec::with_capacity(rows);
    for i in 0..rows {
        let mut logit = 0.0;
        for (f, &n) in CATEGORIES.iter().enumerate() {
            // Skewed: the square of a uniform favours low codes.
            let u = g.next();
            let code = ((u * u) * n as f32) as usize % n;
            x[[i, f]] = if g.next() < 0.05 {
                f32::NAN
            } else {
                code as f32
            };
            logit += effects[f][code];
        }
        x[[i, 3]] = g.next() * 2.0 - 1.0;
        logit += x[[i, 3]];
        y.push((g.next() < 1.0 / (1.0 + (-logit).exp())) as u8 as f32);
    }
    (x, y)
}

fn dataset<'a>(x: &'a Array2<f32>, y: &'a [f32]) -> Dataset<'a> {
    Dataset::new(x.view(), y)
        .unwrap()
        .with_categorical_codes(&[0, 1, 2])
        .unwrap()
}

fn params(policy: GrowPolicy) -> Params {
    Params {
        objective: Objective::Logistic,
        num_rounds: 60,
        learning_rate: 0.1,
        grow_policy: policy,
        max_depth: if policy == GrowPolicy::DepthWise {
            5
        } else {
            0
        },
        max_leaves: if policy == GrowPolicy::LossGuide {
            31
        } else {
            0
        },
        min_data_per_group: 20,
        threads: Some(2),
        ..Params::default()
    }
}

fn test_logloss(model: &Model, x: &Array2<f32>, y: &[f32]) -> f64 {
    let p = model.predict(x.view()).unwrap();
    Metric::LogLoss.compute(y, None, &p.column(0).to_vec(), 1)
}

#[test]
fn categories_beat_dropping_them_and_coding_them_as_numbers() {
    let (x, y) = data(20_000, 1);
    let (tx, ty) = data(5_000, 2);
    for policy in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
        let p = params(policy);
        let categorical = train(&p, &dataset(&x, &y), &[]).unwrap();
        let numeric = train(&p, &Dataset::new(x.view(), &y).unwrap(), &[]).unwrap();
        let only_numeric = x.slice(s![.., 3..]).to_owned();
        let dropped = train(&p, &Dataset::new(only_numeric.view(), &y).unwrap(), &[]).unwrap();
        let (c, n) = (
            test_logloss(&categorical, &tx, &ty),
            test_logloss(&numeric, &tx, &ty),
        );
        let d = test_logloss(&dropped, &tx.slice(s![.., 3..]).to_owned(), &ty);
        assert!(c < 0.55, "{policy:?}: categorical test logloss {c}");
        assert!(
            c < n - 0.005,
            "{policy:?}: categorical {c} vs codes as numbers {n}"
        );
        assert!(c < d - 0.05, "{policy:?}: categorical {c} vs dropped {d}");
        let splits: usize = categorical
            .trees()
            .iter()
            .map(|t| t.category_splits().len())
            .sum();
        assert!(splits > 100, "{policy:?}: only {splits} categorical splits");
    }
}

#[test]
fn models_are_byte_identical_for_any_thread_count() {
    let (x, y) = data(6_000, 3);
    for policy in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
        let base = Params {
            subsample: 0.8,
            colsample_bynode: 0.75,
            num_rounds: 15,
            ..params(policy)
        };
        let json = |threads| {
            let p = Params {
                threads: Some(threads),
                ..base.clone()
            };
            serde_json::to_string(&train(&p, &dataset(&x, &y), &[]).unwrap()).unwrap()
        };
        let one = json(1);
        assert!(one.contains("\"categorical\":[{"), "no categorical split");
        assert_eq!(one, json(2), "{policy:?}: 1 vs 2 threads");
        assert_eq!(one, json(3), "{policy:?}: 1 vs 3 threads");
    }
}

#[test]
fn unseen_categories_follow_the_missing_direction() {
    let (x, y) = data(4_000, 4);
    let model = train(&params(GrowPolicy::DepthWise), &dataset(&x, &y), &[]).unwrap();
    let rows = 50;
    let mut missing = x.slice(s![..rows, ..]).to_owned();
    let mut unseen = missing.clone();
    for (f, &n) in CATEGORIES.iter().enumerate() {
        missing.column_mut(f).fill(f32::NAN);
        for (i, v) in unseen.column_mut(f).iter_mut().enumerate() {
            // Past the last code, negative, and far out.
            *v = [n as f32, -1.0, 1e9][i % 3];
        }
    }
    let (a, b) = (
        model.predict(missing.view()).unwrap(),
        model.predict(unseen.view()).unwrap(),
    );
    assert_eq!(a, b);
    // Row by row (the tree walk) agrees with the batch (the flat forest).
    let mut out = [0.0];
    for i in 0..rows {
        model
            .predict_row(unseen.row(i).as_slice().unwrap(), &mut out)
            .unwrap();
        assert_eq!(out[0], b[[i, 0]]);
    }
}

#[test]
fn shap_values_add_up_with_categorical_splits() {
    let (x, y) = data(3_000, 5);
    let model = train(&params(GrowPolicy::LossGuide), &dataset(&x, &y), &[]).unwrap();
    let rows = x.slice(s![..200, ..]);
    let contrib = model
        .predict_contributions(rows, &Executor::new(2).unwrap())
        .unwrap();
    let raw = model
        .predict_with(
            rows,
            &PredictOptions {
                raw: true,
                ..PredictOptions::default()
            },
        )
        .unwrap();
    for i in 0..rows.nrows() {
        let total: f64 = contrib.row(i).sum();
        assert!(
            (total - raw[[i, 0]]).abs() < 1e-4,
            "row {i}: {total} vs {}",
            raw[[i, 0]]
        );
    }
}

#[test]
fn models_survive_serde_and_checks_refuse_broken_categories() {
    let (x, y) = data(3_000, 6);
    let model = train(&params(GrowPolicy::DepthWise), &dataset(&x, &y), &[]).unwrap();
    let json = serde_json::to_value(&model).unwrap();
    let back: Model = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, model);
    assert_eq!(
        back.predict(x.view()).unwrap(),
        model.predict(x.view()).unwrap()
    );
    assert_eq!(back.categories().count(2), Some(CATEGORIES[2]));
    // A model that no longer declares feature 1 categorical.
    let mut edited = json.clone();
    let cats = edited["categories"].as_array_mut().unwrap();
    cats.retain(|c| c["feature"] != 1);
    let e = serde_json::from_value::<Model>(edited)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("feature 1 is not categorical") || e.contains("field `categories`"),
        "{e}"
    );
    // A categorical split that sends an unknown category left.
    let mut edited = json;
    let t = edited["trees"]
        .as_array()
        .unwrap()
        .iter()
        .position(|t| !t["categorical"].as_array().unwrap().is_empty())
        .unwrap();
    edited["trees"][t]["categorical"][0]["num_categories"] = 2.into();
    let e = serde_json::from_value::<Model>(edited)
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("tree {t}")), "{e}");
}

#[test]
fn continued_training_needs_the_same_categories() {
    let (x, y) = data(2_000, 7);
    let p = Params {
        num_rounds: 3,
        ..params(GrowPolicy::DepthWise)
    };
    let model = train(&p, &dataset(&x, &y), &[]).unwrap();
    let plain = Dataset::new(x.view(), &y).unwrap();
    let exec = Executor::new(1).unwrap();
    let e = gbdt_core::Booster::from_model(model, &p, &plain, &exec)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("categorical features") && e.contains("feature 2 (300 categories)"),
        "{e}"
    );
    let monotone = Params {
        monotone_constraints: vec![0, 1, 0, 0],
        ..p
    };
    let e = train(&monotone, &dataset(&x, &y), &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("feature 1") && e.contains("categorical"), "{e}");
}
