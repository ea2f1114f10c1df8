//! Peak memory of `gbdt predict` on files of different sizes: the child's
//! peak resident set (`ru_maxrss` from `wait4`) must not grow with rows.

use std::path::Path;
use std::process::Stdio;

use super::super::util::{bin, small_csv, TempDir};
use super::{train_model, BATCH_ENV};

/// Peak resident memory of `gbdt ARGS` in MiB and its exit code.
// The child is reaped by `wait4`, which `Child::wait` cannot do.
#[allow(clippy::zombie_processes)]
fn peak_mib(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&Path>) -> (f64, i32) {
    let mut cmd = bin();
    cmd.args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.envs(env.iter().copied());
    match stdin {
        Some(p) => cmd.stdin(std::fs::File::open(p).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    let child = cmd.spawn().expect("gbdt starts");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: all-zero bytes are a valid `rusage` (plain integers).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for (the `Child` is
    // dropped without `wait`); both pointers are to live locals.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // Linux reports ru_maxrss in KiB.
    (usage.ru_maxrss as f64 / 1024.0, code)
}

/// Writes `rows` rows of [`small_csv`] to `name`.
fn data_file(d: &TempDir, name: &str, rows: usize) -> std::path::PathBuf {
    let p = d.path().join(name);
    std::fs::write(&p, small_csv(rows, 11)).unwrap();
    p
}

/// The budget of the test: the growth from 100k to 400k rows. Reading
/// 400k rows whole holds their table and matrix (about 20 MB more than
/// 100k rows); batches of 1 MiB hold about 20 000 rows whatever the file.
const GROWTH_BUDGET_MIB: f64 = 6.0;
/// An absolute cap: the binary, the model and a few batches.
const PEAK_BUDGET_MIB: f64 = 64.0;

#[test]
fn peak_memory_does_not_grow_with_rows() {
    let d = TempDir::new("stream-mem");
    let model = train_model(&d);
    let small = data_file(&d, "small.csv", 100_000);
    let large = data_file(&d, "large.csv", 400_000);
    let env = [(BATCH_ENV, "1048576")];
    let run = |data: &Path| {
        let args = [
            "predict",
            &model,
            data.to_str().unwrap(),
            "-o",
            "p.csv",
            "--threads",
            "2",
        ];
        let (mib, code) = peak_mib(d.path(), &args, &env, None);
        assert_eq!(code, 0, "predict {}", data.display());
        mib
    };
    let (s, l) = (run(&small), run(&large));
    eprintln!("streamed predict peak RSS: 100k rows {s:.1} MiB, 400k rows {l:.1} MiB");
    assert!(
        l - s < GROWTH_BUDGET_MIB,
        "peak grew from {s:.1} to {l:.1} MiB"
    );
    assert!(l < PEAK_BUDGET_MIB, "peak {l:.1} MiB");
    // The measure can see growth: the in-memory path (stdin) grows.
    let stdin = |data: &Path| {
        let args = ["predict", &model, "-", "-o", "q.csv", "--threads", "2"];
        let (mib, code) = peak_mib(d.path(), &args, &[], Some(data));
        assert_eq!(code, 0);
        mib
    };
    let (ms, ml) = (stdin(&small), stdin(&large));
    eprintln!("in-memory predict peak RSS: 100k rows {ms:.1} MiB, 400k rows {ml:.1} MiB");
    assert!(
        ml - ms > 2.0 * GROWTH_BUDGET_MIB,
        "in memory: {ms:.1} -> {ml:.1} MiB"
    );
}

/// The 5M-row case (run once in release: `cargo test --release -p
/// gbdt-cli --test cli stream::memory -- --ignored --nocapture`): peak
/// RSS under 200 MB with the default batches, and the same bytes as the
/// in-memory path.
#[test]
#[ignore = "writes a 5M-row file (about 300 MB) and predicts it twice"]
fn five_million_rows_predict_under_200_mb() {
    let d = TempDir::new("stream-5m");
    let model = train_model(&d);
    let data = data_file(&d, "big.csv", 5_000_000);
    let args = [
        "predict",
        &model,
        data.to_str().unwrap(),
        "-o",
        "stream.csv",
    ];
    let t = std::time::Instant::now();
    let (mib, code) = peak_mib(d.path(), &args, &[], None);
    let stream_s = t.elapsed().as_secs_f64();
    assert_eq!(code, 0);
    let args = ["predict", &model, "-", "-o", "memory.csv"];
    let t = std::time::Instant::now();
    let (mem_mib, code) = peak_mib(d.path(), &args, &[], Some(&data));
    let memory_s = t.elapsed().as_secs_f64();
    assert_eq!(code, 0);
    let (a, b) = (d.path().join("stream.csv"), d.path().join("memory.csv"));
    let same = std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap();
    eprintln!(
        "5M rows: streamed peak {mib:.1} MiB in {stream_s:.1}s; in memory {mem_mib:.1} MiB in \
         {memory_s:.1}s; outputs identical: {same}"
    );
    assert!(same, "streamed and in-memory outputs differ");
    assert!(mib * 1.048_576 < 200.0, "peak {mib:.1} MiB");
}
