//! Quantile regression end to end: on seeded heteroscedastic data
//! (`y = x0 + (0.5 + |x1|) N(0, 1)`) each level's held-out coverage is
//! within 2 points of the level, a row's quantiles never cross, and the
//! levels survive a model round trip.

use gbdt_core::{train, Dataset, GrowPolicy, Metric, Model, Objective, Params, QuantileAlphas};
use ndarray::Array2;

/// xorshift64*: a seeded generator local to the tests.
struct Gen(u64);

impl Gen {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A standard normal draw (Box-Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Three features in [-2, 2) (the third is noise); the spread grows with |x1|.
fn data(rows: usize, seed: u64) -> (Array2<f32>, Vec<f32>) {
    let mut g = Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let x = Array2::from_shape_fn((rows, 3), |_| (g.uniform() * 4.0 - 2.0) as f32);
    let y = (0..rows)
        .map(|i| {
            let (x0, x1) = (x[[i, 0]] as f64, x[[i, 1]] as f64);
            (x0 + (0.5 + x1.abs()) * g.normal()) as f32
        })
        .collect();
    (x, y)
}

const ALPHAS: [f64; 3] = [0.1, 0.5, 0.9];

fn fit(x: &Array2<f32>, y: &[f32]) -> Model {
    let params = Params {
        objective: "reg:quantileerror".parse().unwrap(),
        quantile_alpha: ALPHAS.to_vec(),
        num_rounds: 100,
        learning_rate: 0.1,
        max_depth: 4,
        threads: Some(2),
        ..Params::default()
    };
    train(&params, &Dataset::new(x.view(), y).unwrap(), &[]).unwrap()
}

#[test]
fn each_level_covers_its_share_of_held_out_rows_and_none_cross() {
    let (x, y) = data(12_000, 1);
    let (xt, yt) = data(20_000, 2);
    let model = fit(&x, &y);
    assert_eq!(model.num_outputs(), 3);
    assert_eq!(model.objective(), Objective::QuantileError);
    let p = model.predict(xt.view()).unwrap();
    assert_eq!(p.shape(), [20_000, 3]);
    for (j, &alpha) in ALPHAS.iter().enumerate() {
        let below = (0..yt.len()).filter(|&i| yt[i] as f64 <= p[[i, j]]).count();
        let coverage = below as f64 / yt.len() as f64;
        assert!(
            (coverage - alpha).abs() < 0.02,
            "level {alpha}: coverage {coverage}"
        );
    }
    for (i, row) in p.rows().into_iter().enumerate() {
        assert!(
            row[0] <= row[1] && row[1] <= row[2],
            "row {i} crosses: {row}"
        );
    }
    // The loss beats the constant quantiles of the labels (the base margins)
    // and the metric trained on is the mean pinball loss at the levels.
    let metric = Metric::Quantile(QuantileAlphas::new(&ALPHAS));
    assert_eq!(model.params().resolved_metrics(), [metric]);
    let loss = metric.compute(&yt, None, p.as_slice().unwrap(), 3);
    let base: Vec<f64> = (0..yt.len())
        .flat_map(|_| model.base_margins().to_vec())
        .collect();
    let constant = metric.compute(&yt, None, &base, 3);
    assert!(
        loss < 0.8 * constant,
        "pinball {loss} vs constant {constant}"
    );
}

#[test]
fn a_single_level_is_one_output_and_the_levels_round_trip() {
    let (x, y) = data(2_000, 3);
    let params = Params {
        objective: Objective::QuantileError,
        num_rounds: 10,
        threads: Some(1),
        ..Params::default()
    };
    let model = train(&params, &Dataset::new(x.view(), &y).unwrap(), &[]).unwrap();
    assert_eq!(
        (model.num_outputs(), model.params().quantile_alpha.clone()),
        (1, vec![0.5])
    );
    let three = fit(&x, &y);
    let json = serde_json::to_string(&three).unwrap();
    let back: Model = serde_json::from_str(&json).unwrap();
    assert_eq!(back.params().quantile_alpha, ALPHAS);
    assert_eq!(
        back.predict(x.view()).unwrap(),
        three.predict(x.view()).unwrap()
    );
    // A file whose levels do not match its outputs is refused.
    let bad = json.replace("\"0.1,0.5,0.9\"", "\"0.1,0.9\"");
    let e = serde_json::from_str::<Model>(&bad).unwrap_err().to_string();
    assert!(e.contains("quantile_alpha has 2 levels"), "{e}");
}

#[test]
fn bad_levels_are_refused_naming_the_parameter() {
    let (x, y) = data(200, 4);
    let d = Dataset::new(x.view(), &y).unwrap();
    for (levels, says) in [
        (vec![0.5, 0.1], "strictly ascending"),
        (vec![0.0, 0.5], "strictly inside (0, 1)"),
        (vec![1.5], "strictly inside (0, 1)"),
        (vec![], "at least one"),
    ] {
        let params = Params {
            objective: Objective::QuantileError,
            quantile_alpha: levels,
            ..Params::default()
        };
        let e = train(&params, &d, &[]).unwrap_err().to_string();
        assert!(e.contains("quantile_alpha") && e.contains(says), "{e}");
    }
    let mut p = Params::default();
    let e = p.set("quantile-alpha", "0.1;0.9").unwrap_err().to_string();
    assert!(e.contains("quantile_alpha"), "{e}");
    p.set("quantile_alpha", "[0.05, 0.95]").unwrap();
    assert_eq!(p.quantile_alpha, [0.05, 0.95]);
    assert_eq!(
        "quantile".parse::<Objective>().unwrap(),
        Objective::QuantileError
    );
}

#[test]
fn continued_training_keeps_the_levels() {
    use gbdt_core::{Booster, Executor};
    let (x, y) = data(1_000, 5);
    let d = Dataset::new(x.view(), &y).unwrap();
    let params = Params {
        objective: Objective::QuantileError,
        quantile_alpha: vec![0.2, 0.8],
        num_rounds: 3,
        threads: Some(1),
        ..Params::default()
    };
    let exec = Executor::new(1).unwrap();
    let first = train(&params, &d, &[]).unwrap();
    let mut booster = Booster::from_model(first.clone(), &params, &d, &exec).unwrap();
    booster.step().unwrap();
    assert_eq!(booster.into_model().num_rounds(), 4);
    let other = Params {
        quantile_alpha: vec![0.5],
        ..params
    };
    let e = Booster::from_model(first, &other, &d, &exec)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("quantile_alpha") && e.contains("0.2,0.8"), "{e}");
}

/// The levels' trees of a round grow side by side on several workers, each
/// refit from its own output's residuals: the model is the same for any
/// thread count, with row sampling (refit then reads the sampled rows).
#[test]
fn the_levels_give_the_same_model_for_any_thread_count() {
    let (x, y) = data(3_000, 3);
    let data = Dataset::new(x.view(), &y).unwrap();
    let model = |threads: usize| {
        let params = Params {
            objective: "reg:quantileerror".parse().unwrap(),
            quantile_alpha: ALPHAS.to_vec(),
            num_rounds: 12,
            subsample: 0.7,
            grow_policy: GrowPolicy::LossGuide,
            max_leaves: 15,
            threads: Some(threads),
            ..Params::default()
        };
        serde_json::to_vec(&train(&params, &data, &[]).unwrap()).unwrap()
    };
    let one = model(1);
    assert_eq!(one, model(2), "1 vs 2 threads");
    assert_eq!(one, model(7), "1 vs 7 threads");
}
