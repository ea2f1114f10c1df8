//! Absurd limits (issue 16) fail fast with a message, before any data is
//! read: the data file here does not exist, and the flag is what is
//! reported (exit 2). The values that work (`--max-bin 65535`,
//! `--rounds 10000000`, `--max-leaves 1000000`, 100k columns) are measured
//! in the README's Memory section; a small `--max-leaves 1000000` run is
//! in `absurd_limits_fail_fast_before_reading_data`.

use super::super::util::{gbdt_in, TempDir};

#[test]
fn limits_past_the_maximum_are_usage_errors_before_reading_data() {
    let d = TempDir::new("stream-limits");
    let absent = d.file("absent.csv");
    let train = |flag: &str, value: &str| {
        let args = ["train", &absent, "-t", "y", "-o", "m.gbdt", flag, value];
        gbdt_in(d.path(), &args)
    };
    let cases = [
        ("--max-bin", "65536", "in 2..=65535"),
        ("--max-bin", "1", "in 2..=65535"),
        ("--rounds", "10000001", "limit of 10000000"),
        ("--max-leaves", "1", ">= 2"),
    ];
    for (flag, value, says) in cases {
        let r = train(flag, value);
        r.expect_code(2).stderr_says(&[flag, says]);
        assert!(
            !r.stderr.contains("absent.csv"),
            "{flag} {value}: {}",
            r.stderr
        );
    }
    assert!(!d.path().join("m.gbdt").exists());
}
