//! Criterion benchmarks of one boosting round per objective on seeded data
//! (issue 14's speed check as a kernel benchmark): gradients, one tree per
//! output, leaf refit for absolute and quantile error, and the margins'
//! update. Each objective's throughput against squared error's is what
//! `benches/compare/objective_speed.py` measures end to end.
//! Run with `cargo bench -p gbdt-benches --bench objective_rounds` (needs a
//! `[[bench]]` entry with `harness = false`).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gbdt_core::{Booster, Dataset, Executor, Objective, Params};
use ndarray::Array2;

const ROWS: usize = 100_000;
const FEATURES: usize = 10;
/// Documents per query for the ranking objectives.
const QUERY: usize = 50;

/// Seeded features in [-1, 1), a real label and a grade 0..=4 from them.
fn data() -> (Array2<f32>, Vec<f32>, Vec<f32>) {
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    };
    let x = Array2::from_shape_fn((ROWS, FEATURES), |_| next());
    let eta: Vec<f32> = (0..ROWS)
        .map(|i| 0.3 + 1.2 * x[[i, 0]] - x[[i, 1]] + 0.8 * x[[i, 2]] * x[[i, 3]])
        .collect();
    let y = eta.iter().map(|&e| 2.0 * e + 0.5 * next()).collect();
    let grade = eta
        .iter()
        .map(|&e| (e + 1.5 + 0.5 * next()).floor().clamp(0.0, 4.0))
        .collect();
    (x, y, grade)
}

fn rounds(c: &mut Criterion) {
    let (x, y, grade) = data();
    let runs: [(&str, Objective, Vec<f64>); 5] = [
        ("squarederror", Objective::SquaredError, vec![0.5]),
        ("absoluteerror", Objective::AbsoluteError, vec![0.5]),
        ("quantile_1", Objective::QuantileError, vec![0.5]),
        ("quantile_3", Objective::QuantileError, vec![0.1, 0.5, 0.9]),
        ("ndcg", Objective::RankNdcg, vec![0.5]),
    ];
    let exec = Executor::new(2).expect("executor");
    let mut g = c.benchmark_group("objective_round");
    g.sample_size(10);
    for (name, objective, alphas) in runs {
        let ranking = objective == Objective::RankNdcg;
        let labels = if ranking { &grade } else { &y };
        let mut data = Dataset::new(x.view(), labels).expect("dataset");
        if ranking {
            data = data.with_groups(&[QUERY; ROWS / QUERY]).expect("groups");
        }
        let params = Params {
            objective,
            quantile_alpha: alphas.clone(),
            learning_rate: 0.1,
            max_depth: 6,
            ..Params::default()
        };
        let mut booster = Booster::new(&params, &data, &exec).expect("booster");
        // Rows times trees per round.
        g.throughput(Throughput::Elements((ROWS * alphas.len()) as u64));
        g.bench_with_input(BenchmarkId::new(name, ROWS), &ROWS, |b, _| {
            b.iter(|| black_box(booster.step().expect("round")))
        });
    }
    g.finish();
}

criterion_group!(benches, rounds);
criterion_main!(benches);
