//! Criterion benchmarks of the engine's kernels on seeded synthetic data:
//! histogram building (float and quantized gradients; small nodes' by
//! columns and by rows), split finding (at the root and in a small node),
//! growing one tree, batch prediction (through the model, and the walk
//! kernel alone on binned or raw rows).
//! Run with `cargo bench -p gbdt-benches`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gbdt_core::bench_api::{Kernels, PredictKernel};
use gbdt_core::{train, Dataset, GrowPolicy, Objective, Params};
use ndarray::Array2;

const FEATURES: usize = 28;

/// Seeded features in [0, 1) (5% missing) and a 0/1 label from a nonlinear rule.
fn data(rows: usize) -> (Array2<f32>, Vec<f32>) {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut x = Array2::from_shape_fn((rows, FEATURES), |_| next());
    for i in (0..rows).step_by(20) {
        x[[i, 3]] = f32::NAN;
    }
    let y = (0..rows)
        .map(|i| {
            ((x[[i, 0]] * 6.0).sin() + x[[i, 1]] * x[[i, 2]] + 0.3 * next() > 0.6) as u8 as f32
        })
        .collect();
    (x, y)
}

fn params() -> Params {
    Params {
        objective: Objective::Logistic,
        learning_rate: 0.1,
        max_depth: 6,
        ..Params::default()
    }
}

fn kernels(c: &mut Criterion) {
    for rows in [100_000usize, 400_000] {
        let (x, y) = data(rows);
        let mut k = Kernels::new(x.view(), &y, &params(), 2).expect("kernels");
        let mut g = c.benchmark_group("kernels");
        g.sample_size(10);
        g.throughput(Throughput::Elements((rows * FEATURES) as u64));
        g.bench_with_input(BenchmarkId::new("histogram_root", rows), &rows, |b, _| {
            b.iter(|| k.build_histogram())
        });
        g.bench_with_input(
            BenchmarkId::new("histogram_root_quantized", rows),
            &rows,
            |b, _| b.iter(|| k.build_quantized_histogram()),
        );
        k.build_histogram();
        g.throughput(Throughput::Elements(FEATURES as u64));
        g.bench_with_input(BenchmarkId::new("split_root", rows), &rows, |b, _| {
            b.iter(|| black_box(k.find_split()))
        });
        g.throughput(Throughput::Elements(rows as u64));
        g.bench_with_input(BenchmarkId::new("grow_tree_depth6", rows), &rows, |b, _| {
            b.iter(|| black_box(k.grow_tree()))
        });
        // A deep leaf-wise node: one row in 256 leaves most bins empty.
        k.use_node(256);
        g.throughput(Throughput::Elements(FEATURES as u64));
        g.bench_with_input(BenchmarkId::new("split_small_node", rows), &rows, |b, _| {
            b.iter(|| black_box(k.find_split()))
        });
        g.finish();
    }
}

/// Histograms of small nodes (64 nodes dealt the rows at random, built in
/// turn) on a matrix too large for the cache: by columns, and by the
/// row-major copy of the bins.
fn small_node_histograms(c: &mut Criterion) {
    let rows = 1_000_000;
    let (x, y) = data(rows);
    let mut k = Kernels::new(x.view(), &y, &params(), 2).expect("kernels");
    k.use_nodes(64);
    let mut g = c.benchmark_group("histogram_node");
    g.sample_size(20);
    g.throughput(Throughput::Elements((rows / 64 * FEATURES) as u64));
    for (name, by_rows) in [("by_columns", false), ("by_rows", true)] {
        assert!(k.read_rows(by_rows), "a 1M-row matrix keeps row-major bins");
        g.bench_function(BenchmarkId::new(name, rows / 64), |b| {
            b.iter(|| k.build_next_node())
        });
    }
    g.finish();
}

fn prediction(c: &mut Criterion) {
    let (x, y) = data(100_000);
    let p = Params {
        num_rounds: 100,
        threads: Some(2),
        ..params()
    };
    let model = train(&p, &Dataset::new(x.view(), &y).expect("dataset"), &[]).expect("train");
    let mut g = c.benchmark_group("predict");
    g.sample_size(10);
    g.throughput(Throughput::Elements(x.nrows() as u64));
    g.bench_function("batch_100k_rows_100_trees", |b| {
        b.iter(|| black_box(model.predict(x.view()).expect("predict")))
    });
    let row: Vec<f32> = x.row(0).to_vec();
    let mut out = [0.0];
    g.throughput(Throughput::Elements(1));
    g.bench_function("single_row_100_trees", |b| {
        b.iter(|| model.predict_row(black_box(&row), &mut out).expect("row"))
    });
    g.finish();
}

/// Prediction with categorical splits against the same data read as
/// numbers: features 0..4 hold 50 category codes each; both models have
/// 100 trees of depth 6, so the per-node decision is what differs.
fn categorical_prediction(c: &mut Criterion) {
    let (mut x, y) = data(100_000);
    for f in 0..4 {
        x.column_mut(f).mapv_inplace(|v| (v * 50.0).floor());
    }
    let p = Params {
        num_rounds: 100,
        threads: Some(2),
        min_data_per_group: 20,
        ..params()
    };
    let numeric = Dataset::new(x.view(), &y).expect("dataset");
    let categorical = numeric
        .clone()
        .with_categorical_codes(&[0, 1, 2, 3])
        .expect("codes");
    let mut g = c.benchmark_group("predict");
    g.sample_size(10);
    g.throughput(Throughput::Elements(x.nrows() as u64));
    for (name, data) in [("numeric", numeric), ("categorical", categorical)] {
        let model = train(&p, &data, &[]).expect("train");
        g.bench_function(format!("codes_100k_rows_100_trees_{name}"), |b| {
            b.iter(|| black_box(model.predict(x.view()).expect("predict")))
        });
    }
    g.finish();
}

/// The batch walk kernel on one thread, on rows binned by the forest's
/// thresholds against raw values: 200 trees, depth-wise (depth 6) and
/// leaf-wise (255 leaves, no depth limit, so deep trees).
fn binned_prediction(c: &mut Criterion) {
    let (x, y) = data(50_000);
    let data = Dataset::new(x.view(), &y).expect("dataset");
    let depth_wise = Params {
        num_rounds: 200,
        threads: Some(2),
        ..params()
    };
    let leaf_wise = Params {
        grow_policy: GrowPolicy::LossGuide,
        max_leaves: 255,
        max_depth: 0,
        ..depth_wise.clone()
    };
    let mut g = c.benchmark_group("predict_kernel");
    g.sample_size(10);
    g.throughput(Throughput::Elements(x.nrows() as u64));
    for (name, p) in [("depthwise", depth_wise), ("leafwise", leaf_wise)] {
        let model = train(&p, &data, &[]).expect("train");
        for binned in [true, false] {
            let kernel = PredictKernel::new(&model, binned).expect("a numeric forest bins");
            let id = format!(
                "{}_50k_rows_200_trees_{name}",
                ["raw", "binned"][binned as usize]
            );
            g.bench_function(id, |b| b.iter(|| black_box(kernel.predict(x.view()))));
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    kernels,
    small_node_histograms,
    prediction,
    categorical_prediction,
    binned_prediction
);
criterion_main!(benches);
