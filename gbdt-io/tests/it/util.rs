//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use gbdt_core::Executor;

use gbdt_io::{parse_csv, CsvOptions, Table};

/// A committed fixture under `tests/data`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The executor every test reads and selects on: two workers of its own.
pub fn exec() -> &'static Executor {
    static EXEC: OnceLock<Executor> = OnceLock::new();
    EXEC.get_or_init(|| Executor::new(2).unwrap_or_else(|e| panic!("{e}")))
}

/// A table from CSV text with default options.
pub fn table(text: &str) -> Table {
    parse_csv(
        text.as_bytes().to_vec(),
        Path::new("t.csv"),
        &CsvOptions::default(),
        exec(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The error message of parsing CSV text.
pub fn csv_error(text: &[u8]) -> String {
    match parse_csv(
        text.to_vec(),
        Path::new("t.csv"),
        &CsvOptions::default(),
        exec(),
    ) {
        Ok(_) => panic!("expected an error for {:?}", String::from_utf8_lossy(text)),
        Err(e) => e.to_string(),
    }
}

/// A fresh directory under the system temp dir, unique to this process and call.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gbdt-io-test-{}-{}-{tag}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A deterministic xorshift generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}
