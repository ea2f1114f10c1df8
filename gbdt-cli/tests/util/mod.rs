//! A small runner for the `gbdt` binary, temporary directories, and seeded
//! test data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What one run of `gbdt` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts success.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.expect_code(0)
    }

    /// Asserts that every stderr line starts with `gbdt:` and that it
    /// mentions every one of `needles`.
    #[track_caller]
    pub fn stderr_says(&self, needles: &[&str]) -> &Self {
        assert!(!self.stderr.is_empty(), "stderr is empty");
        assert!(
            self.stderr.starts_with("gbdt: "),
            "diagnostic must start with 'gbdt: ': {}",
            self.stderr
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr should mention {n:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gbdt"))
}

fn finish(out: Output) -> Run {
    Run {
        // A signal (no code) counts as a crash.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `gbdt ARGS` in `dir` with stdin closed.
pub fn gbdt_in(dir: &Path, args: &[&str]) -> Run {
    let out = bin()
        .args(args)
        .current_dir(dir)
        .env_remove("JOB_COMPLETION_INDEX")
        .stdin(Stdio::null())
        .output()
        .expect("the gbdt binary runs");
    finish(out)
}

/// Runs `gbdt ARGS` with extra environment variables.
pub fn gbdt_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = bin();
    cmd.args(args).current_dir(dir).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    finish(cmd.output().expect("the gbdt binary runs"))
}

/// Runs `gbdt ARGS` in `dir` with `input` on stdin.
pub fn gbdt_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = bin()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the gbdt binary runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("gbdt finishes");
    let _ = writer.join();
    finish(out)
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("gbdt-cli-test-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A path inside the directory, as a string for argument lists.
    pub fn file(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }

    /// Writes a file and returns its path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let p = self.file(name);
        std::fs::write(&p, text).expect("write test file");
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.join(name)).expect("read test file")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
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

/// Parses a prediction CSV body (after the header) into rows of fields.
pub fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}
