//! Helpers for the end-to-end tests: runs of the `gbdt` binary (assert_cmd),
//! temporary directories (tempfile), and seeded test data.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use assert_cmd::assert::Assert;
use assert_cmd::cargo::{cargo_bin, cargo_bin_cmd};
use predicates::prelude::*;

/// Longer than any run here takes; a hang fails the test instead of the suite
/// waiting forever.
const TIMEOUT: Duration = Duration::from_secs(300);

/// What one run of `gbdt` did.
#[derive(Debug)]
pub struct Run {
    /// The exit code, -1 when a signal ended the process (a crash).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    output: Output,
    command: String,
}

impl Run {
    fn new(command: String, output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            output,
            command,
        }
    }

    /// assert_cmd's assertions on this run: a failure shows the command, the
    /// exit code and both streams.
    fn assert(&self) -> Assert {
        Assert::new(self.output.clone()).append_context("command", self.command.clone())
    }

    /// Asserts the exit code.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        let _ = self.assert().code(code);
        self
    }

    /// Asserts success.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.expect_code(0)
    }

    /// Asserts that stderr starts with `gbdt: ` and mentions every one of
    /// `needles`.
    #[track_caller]
    pub fn stderr_says(&self, needles: &[&str]) -> &Self {
        let _ = self.assert().stderr(predicate::str::starts_with("gbdt: "));
        for n in needles {
            let _ = self.assert().stderr(predicate::str::contains(*n));
        }
        self
    }
}

/// The binary under test, as a plain `std` command for tests that spawn it
/// and drive its streams themselves.
pub fn bin() -> std::process::Command {
    std::process::Command::new(cargo_bin!("gbdt"))
}

/// `gbdt ARGS` in `dir`, with the run timeout.
fn command(dir: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("gbdt");
    cmd.args(args).current_dir(dir).timeout(TIMEOUT);
    cmd
}

fn run(cmd: &mut assert_cmd::Command, args: &[&str]) -> Run {
    let output = cmd.output().expect("the gbdt binary runs");
    Run::new(format!("gbdt {}", args.join(" ")), output)
}

/// Runs `gbdt ARGS` in `dir` with an empty stdin.
pub fn gbdt_in(dir: &Path, args: &[&str]) -> Run {
    run(command(dir, args).env_remove("JOB_COMPLETION_INDEX"), args)
}

/// Runs `gbdt ARGS` with extra environment variables.
pub fn gbdt_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    run(command(dir, args).envs(env.iter().copied()), args)
}

/// Runs `gbdt ARGS` in `dir` with `input` on stdin.
pub fn gbdt_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    run(command(dir, args).write_stdin(input), args)
}

/// Runs `gbdt ARGS` in `dir` with stderr sent to `stderr` (a full device,
/// a pipe whose reader is gone): only stdout is captured.
pub fn gbdt_stderr_to(dir: &Path, args: &[&str], stderr: Stdio) -> Run {
    let output = bin()
        .args(args)
        .current_dir(dir)
        .env_remove("JOB_COMPLETION_INDEX")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .output()
        .expect("the gbdt binary runs");
    Run::new(format!("gbdt {} 2>...", args.join(" ")), output)
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("gbdt-cli-test-{name}-"))
            .tempdir()
            .expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// A path inside the directory, as a string for argument lists.
    pub fn file(&self, name: &str) -> String {
        self.path().join(name).to_string_lossy().into_owned()
    }

    /// Writes a file and returns its path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let p = self.file(name);
        std::fs::write(&p, text).expect("write test file");
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).expect("read test file")
    }
}

/// The committed example data.
pub fn credit_csv() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/credit_train.csv")
        .to_string_lossy()
        .into_owned()
}

/// A tiny deterministic generator (SplitMix64), so test data needs no crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A small mixed-type CSV: `id` (string), `x1`, `x2` (numbers, some
/// missing), `color` (string), `flag` (bool), and three targets derived
/// from x1 and x2 with noise: `y` (number), `label` (0/1) and `kind`
/// (three string classes).
pub fn small_csv(rows: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut s = String::from("id,x1,x2,color,flag,y,label,kind\n");
    for i in 0..rows {
        let x1 = rng.uniform() * 10.0;
        let x2 = rng.uniform() * 10.0;
        let noise = rng.uniform() - 0.5;
        let y = 2.0 * x1 - x2 + noise;
        let label = (x1 + x2 + 2.0 * noise > 10.0) as u8;
        let kind = match x1 + noise {
            v if v < 3.3 => "low",
            v if v < 6.6 => "mid",
            _ => "high",
        };
        let color = ["red", "green", "blue"][(rng.next_u64() % 3) as usize];
        let flag = if rng.uniform() < 0.5 { "true" } else { "false" };
        let x2_text = if i % 13 == 5 {
            String::new()
        } else {
            format!("{x2:.3}")
        };
        s.push_str(&format!(
            "r{i:05},{x1:.3},{x2_text},{color},{flag},{y:.3},{label},{kind}\n"
        ));
    }
    s
}

/// Parses a prediction CSV (header, then records) into its header and rows
/// of fields, with the csv crate so that quoted fields come back whole.
pub fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .expect("a CSV header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    (header, rows)
}

/// Cities of [`categorical_csv`], and whether each raises the label.
pub const CITIES: [(&str, bool); 6] = [
    ("Oslo", true),
    ("Lima", false),
    ("Pune", true),
    ("Kyiv", false),
    ("Rome", true),
    ("Baku", false),
];

/// A CSV whose signal is in text columns: `id` (one value per row, an
/// identifier), `city` (6 categories, half of them raise the label, some
/// missing), `plan` (3 categories, `gold` raises it), `x` (a weak number),
/// `code` (an integer 0..4, noise), `tag` (40 text values, noise) and the
/// 0/1 label `y`.
pub fn categorical_csv(rows: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut s = String::from("id,city,plan,x,code,tag,y\n");
    for i in 0..rows {
        let (city, high) = CITIES[(rng.next_u64() % 6) as usize];
        let plan = ["basic", "gold", "plus"][(rng.next_u64() % 3) as usize];
        let x = rng.uniform();
        let code = rng.next_u64() % 4;
        let tag = rng.next_u64() % 40;
        let score = 2.0 * f64::from(u8::from(high)) + f64::from(u8::from(plan == "gold")) + x;
        let y = u8::from(score + rng.uniform() * 1.5 > 2.2);
        let city = if i % 29 == 3 { "" } else { city };
        s.push_str(&format!(
            "u{:08x},{city},{plan},{x:.3},{code},t{tag:02},{y}\n",
            rng.next_u64() as u32
        ));
    }
    s
}
