//! Trains on raw little-endian f32 files (features row-major, labels) and
//! prints timings and test metrics: a quick side-by-side tool for profiling
//! the engine without CSV parsing in the way.
//!
//! `cargo run --release -p gbdt-benches --example raw_f32 -- DIR FEATURES [depthwise|lossguide] [objective] [rounds] [threads]`
//! reads DIR/{xtr,ytr,xte,yte}.f32.

use std::time::Instant;

use gbdt_core::{Dataset, GrowPolicy, Metric, Objective, Params, PredictOptions, Trainer};
use ndarray::Array2;

fn read_f32(path: &str) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = &args[1];
    let nf: usize = args[2].parse().expect("feature count");
    let policy: GrowPolicy = args
        .get(3)
        .map_or("depthwise", |s| s)
        .parse()
        .expect("policy");
    let objective: Objective = args
        .get(4)
        .map_or("binary", |s| s)
        .parse()
        .expect("objective");
    let rounds: usize = args.get(5).map_or(200, |s| s.parse().expect("rounds"));
    let threads: usize = args.get(6).map_or(2, |s| s.parse().expect("threads"));
    let x = read_f32(&format!("{dir}/xtr.f32"));
    let y = read_f32(&format!("{dir}/ytr.f32"));
    let xt = read_f32(&format!("{dir}/xte.f32"));
    let yt = read_f32(&format!("{dir}/yte.f32"));
    let x = Array2::from_shape_vec((y.len(), nf), x).unwrap();
    let xt = Array2::from_shape_vec((yt.len(), nf), xt).unwrap();
    let (max_depth, max_leaves) = match policy {
        GrowPolicy::DepthWise => (6, 0),
        GrowPolicy::LossGuide => (0, 255),
    };
    let params = Params {
        objective,
        num_rounds: rounds,
        learning_rate: 0.1,
        max_depth,
        max_leaves,
        grow_policy: policy,
        max_bin: 256,
        threads: Some(threads),
        ..Params::default()
    };
    let data = Dataset::new(x.view(), &y).unwrap();
    let t0 = Instant::now();
    let trainer = Trainer::new(&params, &data).unwrap();
    let t_bin = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let model = trainer
        .train(&[], |_| std::ops::ControlFlow::Continue(()))
        .unwrap();
    let t_train = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let p = model
        .predict_with(
            xt.view(),
            &PredictOptions {
                threads: Some(threads),
                ..Default::default()
            },
        )
        .unwrap();
    let t_pred = t2.elapsed().as_secs_f64();
    let k = model.num_outputs();
    let p = p.as_slice().unwrap();
    let metrics: Vec<Metric> = match objective {
        Objective::Logistic => vec![Metric::Auc, Metric::LogLoss],
        Objective::Softmax => vec![Metric::MLogLoss, Metric::MError],
        _ => vec![Metric::Rmse],
    };
    let m: Vec<String> = metrics
        .iter()
        .map(|m| format!("{}={:.6}", m, m.compute(&yt, None, p, k)))
        .collect();
    println!(
        "bin_s={t_bin:.3} train_s={t_train:.3} predict_s={t_pred:.4} {}",
        m.join(" ")
    );
}
