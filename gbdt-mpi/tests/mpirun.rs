//! `mpirun -np 1`, `2` and `3` train the same model as one process
//! without MPI: byte-identical with quantized gradients (exact integer
//! sums), to rounding with float histograms. The test binary runs itself
//! under mpirun: with `GBDT_MPI_RANK_OUT` set, `rank_main` is a rank that
//! trains on its part of the seeded rows and writes its models there.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use gbdt_core::{train, Booster, Collective, Dataset, Executor, Metric, Model, Objective, Params};
use ndarray::{s, Array2};

const ROWS: usize = 4_000;

fn data() -> (Array2<f32>, Vec<f32>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let x = Array2::from_shape_fn((ROWS, 5), |(_, j)| {
        let v = next();
        if j == 4 && v < 0.1 {
            f32::NAN
        } else {
            v
        }
    });
    let y = (0..ROWS)
        .map(|i| (x[[i, 0]] + x[[i, 1]] * x[[i, 2]] + next() * 0.5 > 0.9) as u8 as f32)
        .collect();
    (x, y)
}

fn params(quantized: bool) -> Params {
    Params {
        objective: Objective::Logistic,
        num_rounds: 10,
        max_bin: 64,
        use_quantized_grad: quantized,
        eval_metrics: vec![Metric::Auc],
        ..Params::default()
    }
}

/// A rank's part of the rows: consecutive, as even as can be.
fn part(rank: usize, size: usize) -> std::ops::Range<usize> {
    rank * ROWS / size..(rank + 1) * ROWS / size
}

#[test]
fn rank_main() {
    let Ok(out) = std::env::var("GBDT_MPI_RANK_OUT") else {
        return; // not under mpirun: nothing to do
    };
    let ranks = gbdt_mpi::Mpi::init().expect("MPI starts");
    let (rank, size) = (ranks.rank(), ranks.size());
    let (x, y) = data();
    let rows = part(rank, size);
    let local = Dataset::new(x.slice(s![rows.clone(), ..]), &y[rows]).unwrap();
    let exec = Executor::new(1).unwrap().with_collective(Arc::new(ranks));
    for quantized in [true, false] {
        let p = params(quantized);
        let mut booster = Booster::new(&p, &local, &exec).unwrap();
        booster.add_valid("train", &local).unwrap();
        while booster.num_rounds() < p.num_rounds {
            booster.step().unwrap();
        }
        let json = serde_json::to_string(&booster.into_model()).unwrap();
        std::fs::write(format!("{out}.{quantized}.{rank}"), json).unwrap();
    }
}

fn mpirun(np: usize, out: &Path) {
    let me = std::env::current_exe().unwrap();
    let status = Command::new("mpirun")
        .args(["--oversubscribe", "-np", &np.to_string()])
        .arg(&me)
        .args(["--exact", "rank_main", "--test-threads", "1", "--quiet"])
        .env("GBDT_MPI_RANK_OUT", out)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .expect("mpirun runs (install openmpi-bin)");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        status.status.success(),
        "mpirun -np {np}: {}\n{}{}",
        status.status,
        text(&status.stdout),
        text(&status.stderr)
    );
}

fn one_process(quantized: bool) -> Model {
    let (x, y) = data();
    let all = Dataset::new(x.view(), &y).unwrap();
    let p = Params {
        threads: Some(1),
        ..params(quantized)
    };
    train(&p, &all, &[("train", &all)]).unwrap()
}

#[test]
fn one_two_and_three_ranks_train_the_model_of_one_process() {
    let exact = one_process(true);
    assert!(exact.metrics()[0].value > 0.8, "{:?}", exact.metrics());
    let exact = serde_json::to_string(&exact).unwrap();
    let float = one_process(false);
    let dir = std::env::temp_dir().join(format!("gbdt-mpi-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for np in [1, 2, 3] {
        let out = dir.join(format!("np{np}"));
        mpirun(np, &out);
        let read = |quantized: bool, rank: usize| {
            std::fs::read_to_string(format!("{}.{quantized}.{rank}", out.display())).unwrap()
        };
        for rank in 0..np {
            assert!(
                read(true, rank) == exact,
                "np {np}, rank {rank}: not the model of one process"
            );
            assert_eq!(read(false, rank), read(false, 0), "np {np}: ranks disagree");
        }
        let model: Model = serde_json::from_str(&read(false, 0)).unwrap();
        let (a, b) = (model.metrics()[0].value, float.metrics()[0].value);
        assert!(
            (a - b).abs() < 1e-4,
            "np {np}: float AUC {a} vs one process {b}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
