//! `gbdt train` under `mpirun` (built with `--features mpi`; `.ci/run`
//! runs these with OpenMPI installed): 1, 2 and 3 ranks, each reading its
//! own line range of the file (or its own file), write the very model one
//! process writes, with quantized gradients, for binary, regression and
//! multiclass targets, both growth policies, on the example data and on a
//! file whose column types and categories only all the rows decide; a
//! rank with bad data makes every rank fail with exit 3, naming it.
#![cfg(feature = "mpi")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn credit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/credit_train.csv")
}

/// `gbdt train` on the example data, under `mpirun -np N` when `np` is set.
fn train(np: Option<usize>, out: &Path, args: &[&str]) -> Output {
    train_on(np, &[credit().to_str().unwrap()], out, args)
}

/// `gbdt train DATA...` (the data arguments, or `--data-per-rank T`) with
/// quantized gradients.
fn train_on(np: Option<usize>, data: &[&str], out: &Path, args: &[&str]) -> Output {
    let args = [&["--use-quantized-grad"], args].concat();
    run(np, data, out, &args)
}

/// `gbdt train DATA... ARGS`, 15 rounds on one thread per process.
fn run(np: Option<usize>, data: &[&str], out: &Path, args: &[&str]) -> Output {
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
        .args(data)
        .args(["--rounds", "15", "--threads", "1", "--quiet", "-o"])
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

/// Rows whose column types and categories only all the rows decide: an
/// identifier, text categories with missing values (one only in the last
/// rows), a number column with text only near the end (so only the last
/// rank sees it), a column empty in the first rows, and a text class label
/// with a class only in the last rows.
fn mixed(rows: usize) -> String {
    let mut s = String::from("id,color,x,late,empty_early,kind,y,y01\n");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..rows {
        let u = next();
        let color = match i {
            _ if i % 13 == 0 => "",
            _ if i > rows * 9 / 10 => "violet",
            _ => ["red", "green", "blue", "teal"][(u * 4.0) as usize % 4],
        };
        let xv = next() * 2.0 - 1.0;
        let x = match i % 7 {
            3 => "NA".to_string(),
            _ => format!("{xv:.3}"),
        };
        let late = match i == rows - 3 {
            true => "unknown".to_string(),
            false => format!("{}", (next() * 50.0) as u32),
        };
        let empty_early = match i < rows / 2 {
            true => String::new(),
            false => format!("{:.2}", next()),
        };
        let kind = match i {
            _ if i > rows * 8 / 10 && u < 0.3 => "c",
            _ if xv + u * 0.5 > 0.2 => "a",
            _ => "b",
        };
        let y = xv * 3.0 + if color == "red" { 1.0 } else { 0.0 } + next();
        s.push_str(&format!(
            "r{i},{color},{x},{late},{empty_early},{kind},{y:.4},{}\n",
            (y > 0.5) as u8
        ));
    }
    s
}

#[test]
fn ranks_reading_their_lines_agree_on_types_and_categories() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mixed.csv");
    std::fs::write(&data, mixed(900)).unwrap();
    let data = data.to_str().unwrap();
    let cases: [&[&str]; 5] = [
        &["--target", "y01"],
        &[
            "--target",
            "y01",
            "--grow-policy",
            "lossguide",
            "--max-leaves",
            "8",
        ],
        &["--target", "y", "--objective", "reg:squarederror"],
        &["--target", "kind"],
        &[
            "--target",
            "kind",
            "--grow-policy",
            "lossguide",
            "--max-leaves",
            "8",
        ],
    ];
    for (c, args) in cases.iter().enumerate() {
        let one = dir.path().join(format!("one-{c}.json"));
        ok(&train_on(None, &[data], &one, args), "one process");
        let expected = std::fs::read(&one).unwrap();
        let text = String::from_utf8_lossy(&expected);
        assert!(text.contains("identifier-like"), "the id column is dropped");
        assert!(
            text.contains("violet") && text.contains("unknown"),
            "late categories"
        );
        for np in 2..=3 {
            let out = dir.path().join(format!("np{np}-{c}.json"));
            ok(
                &train_on(Some(np), &[data], &out, args),
                &format!("-np {np} {args:?}"),
            );
            assert!(
                std::fs::read(&out).unwrap() == expected,
                "np {np}, {args:?}: model differs"
            );
        }
    }
    // Float histograms: within rounding of one process.
    let one = dir.path().join("float-one.json");
    let two = dir.path().join("float-two.json");
    let float = ["--target", "y01"];
    ok(&run(None, &[data], &one, &float), "float, one process");
    ok(&run(Some(2), &[data], &two, &float), "float, 2 ranks");
    let auc = |p: &Path| {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        v["summary"]["metrics"][0]["value"].as_f64().unwrap()
    };
    assert!(
        (auc(&one) - auc(&two)).abs() < 1e-4,
        "{} vs {}",
        auc(&one),
        auc(&two)
    );
}

#[test]
fn files_per_rank_train_the_model_of_their_concatenation() {
    let dir = tempfile::tempdir().unwrap();
    let text = mixed(600);
    let whole = dir.path().join("whole.csv");
    std::fs::write(&whole, &text).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for (k, rows) in [&lines[1..250], &lines[250..]].iter().enumerate() {
        let part = format!("{}\n{}\n", lines[0], rows.join("\n"));
        std::fs::write(dir.path().join(format!("part-{k}.csv")), part).unwrap();
    }
    let template = dir.path().join("part-{rank}.csv");
    let per_rank = ["--data-per-rank", template.to_str().unwrap()];
    let args = ["--target", "kind"];
    let one = dir.path().join("one.json");
    ok(
        &train_on(None, &[whole.to_str().unwrap()], &one, &args),
        "one process",
    );
    let two = dir.path().join("two.json");
    ok(
        &train_on(Some(2), &per_rank, &two, &args),
        "--data-per-rank on 2 ranks",
    );
    assert!(std::fs::read(&one).unwrap() == std::fs::read(&two).unwrap());

    // Rank 1's file is missing: exit 3 on every rank, naming rank 1 and it.
    let model = dir.path().join("none.json");
    let missing = dir.path().join("gone-{rank}.csv");
    std::fs::copy(dir.path().join("part-0.csv"), dir.path().join("gone-0.csv")).unwrap();
    let o = train_on(
        Some(2),
        &["--data-per-rank", missing.to_str().unwrap()],
        &model,
        &args,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("rank 1 of 2: ") && err.contains("gone-1.csv"),
        "{err}"
    );
    assert!(err.contains("rank 0 of 2: rank 1 failed: "), "{err}");
    assert!(!model.exists());
}

#[test]
fn a_malformed_line_in_one_ranks_range_fails_every_rank() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = mixed(600).lines().map(String::from).collect();
    let bad = lines.len() - 10; // 1-based line `bad + 1`, in the last range
    lines[bad] = "oops,1".to_string();
    let data = dir.path().join("bad.csv");
    std::fs::write(&data, lines.join("\n") + "\n").unwrap();
    let model = dir.path().join("m.json");
    let o = train_on(
        Some(3),
        &[data.to_str().unwrap()],
        &model,
        &["--target", "y01"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    let line = format!("bad.csv, line {}: 2 fields", bad + 1);
    assert!(
        err.contains("rank 2 of 3: ") && err.contains(&line),
        "{err}"
    );
    for r in [0, 1] {
        assert!(
            err.contains(&format!("rank {r} of 3: rank 2 failed: ")),
            "{err}"
        );
    }
    assert!(!model.exists());
    // --holdout is refused on several ranks, before any data is read.
    let o = train_on(
        Some(2),
        &[data.to_str().unwrap()],
        &model,
        &["--target", "y01", "--holdout", "0.2"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--holdout is not supported"), "{err}");
}
