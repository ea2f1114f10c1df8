//! `gbdt predict` on a CSV file reads, predicts and writes a batch at a
//! time (issue 16): the output is byte for byte the in-memory path's (the
//! path standard input takes), and peak memory does not grow with rows.

mod limits;
mod memory;
mod resources;

use std::path::Path;

use super::util::{gbdt_env, gbdt_in, gbdt_stdin, small_csv, TempDir};

/// The environment variable that sets the batch size in bytes.
const BATCH_ENV: &str = "GBDT_PREDICT_BATCH_BYTES";

/// A model trained on [`small_csv`] (numeric `x1`, `x2` with missing
/// values, categorical `color`, bool `flag`) to predict `label`.
fn train_model(d: &TempDir) -> String {
    let data = d.write("train.csv", &small_csv(400, 1));
    let model = d.file("m.gbdt");
    let args = [
        "train", &data, "-t", "label", "--rounds", "15", "-o", &model,
    ];
    gbdt_in(d.path(), &args).ok();
    model
}

/// [`small_csv`] with a `note` column of quoted fields that hold line
/// breaks, delimiters and quotes, so that batch cuts fall inside them.
fn with_notes(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for (i, line) in text.lines().enumerate() {
        out.push_str(line);
        match i {
            0 => out.push_str(",note\n"),
            _ => out.push_str(&format!(",\"say \"\"{i}\"\",\nthen\n{}\"\n", i % 7)),
        }
    }
    out
}

/// `gbdt predict MODEL DATA ARGS` on stdout, with batches of `batch` bytes
/// (`None`: the default).
fn streamed(d: &TempDir, model: &str, data: &str, args: &[&str], batch: Option<&str>) -> String {
    let mut all = vec!["predict", model, data];
    all.extend(args);
    let env: Vec<(&str, &str)> = batch.map(|b| (BATCH_ENV, b)).into_iter().collect();
    let r = gbdt_env(d.path(), &all, &env);
    r.ok();
    r.stdout
}

/// The same through standard input, which is read whole.
fn in_memory(d: &TempDir, model: &str, text: &str, args: &[&str]) -> String {
    let mut all = vec!["predict", model, "-"];
    all.extend(args);
    let r = gbdt_stdin(d.path(), &all, text.as_bytes());
    r.ok();
    r.stdout
}

#[test]
fn streamed_predictions_equal_the_in_memory_ones_byte_for_byte() {
    let d = TempDir::new("stream-eq");
    let model = train_model(&d);
    let text = with_notes(&small_csv(1500, 9));
    let data = d.write("new.csv", &text);
    let variants: [&[&str]; 4] = [
        &[],
        &["--id", "id", "--row-index"],
        &["--shard", "1/3", "--id", "note"],
        &["--raw", "--threads", "1"],
    ];
    for args in variants {
        let whole = in_memory(&d, &model, &text, args);
        assert!(whole.lines().count() > 500, "{args:?}");
        for batch in [Some("1"), Some("37"), Some("500"), Some("4096"), None] {
            let out = streamed(&d, &model, &data, args, batch);
            assert!(out == whole, "{args:?}, batches of {batch:?} bytes differ");
        }
    }
    // The note IDs come back whole, quotes and line breaks included.
    let out = streamed(&d, &model, &data, &["--id", "note"], Some("64"));
    assert!(
        out.starts_with("note,prediction\n\"say \"\"1\"\",\nthen\n1\",0."),
        "{out}"
    );
}

#[test]
fn a_file_output_is_written_in_place_only_at_the_end() {
    let d = TempDir::new("stream-out");
    let model = train_model(&d);
    let text = small_csv(300, 4);
    let data = d.write("new.csv", &text);
    let out = d.file("p.csv");
    let env = [(BATCH_ENV, "100")];
    gbdt_env(d.path(), &["predict", &model, &data, "-o", &out], &env).ok();
    assert_eq!(d.read("p.csv"), in_memory(&d, &model, &text, &[]));
    // A bad value late in the file: exit 3 naming its line, and the old
    // output is still there whole.
    let late = format!("{text}r9,oops,1,red,true,1,0,low\n");
    let bad = d.write("bad.csv", &late);
    let r = gbdt_env(d.path(), &["predict", &model, &bad, "-o", &out], &env);
    r.expect_code(3)
        .stderr_says(&["bad.csv, line 302, column 'x1'", "'oops' is not a number"]);
    assert_eq!(d.read("p.csv"), in_memory(&d, &model, &text, &[]));
    assert_no_temp_files(d.path());
    // The same error as the in-memory path gives.
    let mem = gbdt_stdin(d.path(), &["predict", &model, "-"], late.as_bytes());
    mem.expect_code(3)
        .stderr_says(&["line 302, column 'x1'", "'oops'"]);
}

#[test]
fn bad_batch_sizes_are_usage_errors() {
    let d = TempDir::new("stream-env");
    let model = train_model(&d);
    let data = d.write("new.csv", &small_csv(10, 4));
    for bad in ["0", "-1", "x"] {
        let r = gbdt_env(d.path(), &["predict", &model, &data], &[(BATCH_ENV, bad)]);
        r.expect_code(2).stderr_says(&[BATCH_ENV, "whole number"]);
    }
}

/// Fails when `dir` holds a temporary output file.
fn assert_no_temp_files(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}
