//! `gbdt train` under `mpirun` (built with `--features mpi`; `.ci/run`
//! runs these with OpenMPI installed): 1, 2 and 3 ranks write the very
//! model one process writes, with quantized gradients, for binary,
//! regression and multiclass targets, both growth policies, on the example
//! data (missing values and text categories included).
#![cfg(feature = "mpi")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn credit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/credit_train.csv")
}

/// `gbdt train` on the example data, under `mpirun -np N` when `np` is set.
fn train(np: Option<usize>, out: &Path, args: &[&str]) -> Output {
    let gbdt = env!("CARGO_BIN_EXE_gbdt");
    let mut cmd = match np {
        Some(n) => {
            let mut c = Command::new("mpirun");
            c.args(["--oversubscribe", "-np", &n.to_string(), gbdt]);
            c
        }
        None => Command::new(gbdt),
    };
    cmd.arg("train")
        .arg(credit())
        .args([
            "--rounds",
            "15",
            "--use-quantized-grad",
            "--threads",
            "1",
            "--quiet",
            "-o",
        ])
        .arg(out)
        .args(args)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .expect("runs (mpirun from openmpi-bin)")
}

fn ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what}: {}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn ranks_write_the_model_of_one_process() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 4] = [
        &["--target", "Number of Credit Problems > 1"],
        &[
            "--target",
            "Number of Credit Problems > 1",
            "--grow-policy",
            "lossguide",
            "--max-leaves",
            "15",
            "--max-depth",
            "0",
        ],
        &[
            "--target",
            "Monthly Debt",
            "--objective",
            "reg:squarederror",
        ],
        &["--target", "Home Ownership", "--max-depth", "4"],
    ];
    for (c, args) in cases.iter().enumerate() {
        let one = dir.path().join(format!("one-{c}.json"));
        ok(&train(None, &one, args), "one process");
        let expected = std::fs::read(&one).unwrap();
        for np in 1..=3 {
            let out = dir.path().join(format!("np{np}-{c}.json"));
            ok(
                &train(Some(np), &out, args),
                &format!("mpirun -np {np} {args:?}"),
            );
            assert!(
                std::fs::read(&out).unwrap() == expected,
                "np {np}, {args:?}: model differs"
            );
        }
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names.len(),
        16,
        "one model per run, no stray files: {names:?}"
    );
}

#[test]
fn what_ranks_cannot_do_fails_on_every_rank_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    let args = [
        "--target",
        "Monthly Debt",
        "--objective",
        "reg:absoluteerror",
    ];
    let o = train(Some(2), &out, &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("reg:absoluteerror") && err.contains("2 ranks"),
        "{err}"
    );
    let args = ["--target", "Monthly Debt", "--checkpoint-every", "5"];
    let o = train(Some(2), &out, &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--checkpoint-every"), "{err}");
    assert!(!out.exists());
}
