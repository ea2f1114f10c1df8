//! A short mutation run of every target on stable Rust, without AFL++:
//! corpus files changed by seeded random byte edits (flips, inserts,
//! deletes, copies, interesting values), for `GBDT_FUZZ_SECONDS` seconds per
//! target (default 6: about a minute in all, what CI runs;
//! `GBDT_FUZZ_TARGET=csv` runs one target). Not coverage
//! guided, so it finds only shallow bugs; the campaign (README.md) is
//! AFL++. Each input is written to `fuzz/target/fuzz-failures/TARGET`
//! before it runs, so after a panic or an abort that file is the input, for
//! `cargo run --release -- TARGET FILE`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: a fixed seed per target, so a run's inputs repeat.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that often sit on a parser's edge.
const INTERESTING: &[&[u8]] = &[
    b"\n",
    b"\r",
    b",",
    b"\"",
    b";",
    b"\t",
    b":",
    b" ",
    b"\0",
    b"\xff",
    b"\xEF\xBB\xBF",
    b"NaN",
    b"inf",
    b"-1",
    b"0",
    b"1e309",
    b"4294967296",
    b"18446744073709551616",
    b"[",
    b"]",
    b"{",
    b"}",
    b"==",
    b">",
    b"#",
];

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        let last = data.len().saturating_sub(1);
        match rng.below(6) {
            0 if !data.is_empty() => data[at.min(last)] ^= 1 << rng.below(8),
            1 if !data.is_empty() => data[at.min(last)] = rng.next() as u8,
            2 => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            3 if !data.is_empty() => {
                let from = rng.below(data.len());
                let end = (from + 1 + rng.below(32)).min(data.len());
                let piece = data[from..end].to_vec();
                data.splice(at..at, piece);
            }
            _ => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                data.splice(at..at, piece.iter().copied());
            }
        }
    }
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|f| std::fs::read(f).ok()).collect()
}

/// Where the input being run is kept: after a failure, the input that failed.
fn failures() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("fuzz-failures");
    std::fs::create_dir_all(&dir).expect("target/ is writable");
    dir
}

#[test]
fn every_target_survives_a_short_mutation_run() {
    let seconds: u64 = std::env::var("GBDT_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let only = std::env::var("GBDT_FUZZ_TARGET").ok();
    for (i, target) in gbdt_fuzz::TARGETS.iter().enumerate() {
        if only.as_deref().is_some_and(|name| name != target.name) {
            continue;
        }
        let seeds = corpus(target.name);
        assert!(!seeds.is_empty(), "no corpus for {}", target.name);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1));
        let end = Instant::now() + Duration::from_secs(seconds);
        let mut runs = 0u64;
        let last = failures().join(target.name);
        while Instant::now() < end {
            let mut data = seeds[rng.below(seeds.len())].clone();
            mutate(&mut rng, &mut data);
            // Saved first: an abort (a failed allocation) ends the process.
            std::fs::write(&last, &data).expect("target/ is writable");
            if std::panic::catch_unwind(|| (target.run)(&data)).is_err() {
                panic!(
                    "target {} panics on {} (run {runs})",
                    target.name,
                    last.display()
                );
            }
            runs += 1;
        }
        std::fs::remove_file(&last).expect("the last input was saved");
        eprintln!("{}: {runs} mutated inputs in {seconds} s", target.name);
    }
}
