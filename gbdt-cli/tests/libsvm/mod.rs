//! LibSVM input through the binary (issue 14): the same data as LibSVM and
//! as CSV (columns `f0`, `f1`, ... and `label`) trains the same model, and
//! each model predicts the same on either file; detection, `--format`,
//! `--libsvm-base`, and the errors.

use crate::util::{gbdt_in, gbdt_stdin, Rng, TempDir};

/// Seeded rows: three features (some absent: missing) and a 0/1 label, as
/// LibSVM (1-based) and as CSV.
fn both(rows: usize, seed: u64) -> (String, String) {
    let mut rng = Rng::new(seed);
    let mut svm = String::from("# generated for the LibSVM test\n");
    let mut csv = String::from("f0,f1,f2,label\n");
    for i in 0..rows {
        let x: Vec<Option<f64>> = (0..3)
            .map(|j| {
                let v = (rng.uniform() * 100.0).round() / 10.0;
                (rng.uniform() > 0.15 || j == 0).then_some(v)
            })
            .collect();
        let signal = x[0].unwrap_or(0.0) + x[1].unwrap_or(5.0) - 2.0 * x[2].unwrap_or(2.0);
        let label = u8::from(signal + rng.uniform() * 4.0 > 3.0);
        svm.push_str(&format!("{label}"));
        for (j, v) in x.iter().enumerate() {
            if let Some(v) = v {
                svm.push_str(&format!(" {}:{v}", j + 1));
            }
        }
        svm.push_str(if i % 9 == 0 { " # note\n\n" } else { "\n" });
        let cells: Vec<String> = x
            .iter()
            .map(|v| v.map_or(String::new(), |v| v.to_string()))
            .collect();
        csv.push_str(&format!("{},{label}\n", cells.join(",")));
    }
    (svm, csv)
}

#[test]
fn libsvm_and_csv_train_the_same_model() {
    let dir = TempDir::new("libsvm");
    let (svm, csv) = both(300, 14);
    let svm_path = dir.write("train.svm", &svm);
    let csv_path = dir.write("train.csv", &csv);
    let common = ["--rounds", "15", "--threads", "2", "--quiet"];
    let train = |data: &str, out: &str, extra: &[&str]| {
        let mut args = vec!["train", data, "--output", out];
        args.extend_from_slice(extra);
        args.extend_from_slice(&common);
        gbdt_in(dir.path(), &args).ok();
    };
    train(&svm_path, "svm.gbdt", &["--valid", &svm_path]);
    train(
        &csv_path,
        "csv.gbdt",
        &["--target", "label", "--valid", &csv_path],
    );
    let dump = |model: &str| gbdt_in(dir.path(), &["dump", model, "--format", "json"]).stdout;
    let svm_dump = dump("svm.gbdt");
    assert!(svm_dump.len() > 100, "{svm_dump}");
    assert_eq!(svm_dump, dump("csv.gbdt"));

    let predict = |model: &str, data: &str| {
        let r = gbdt_in(dir.path(), &["predict", model, data]);
        r.ok();
        r.stdout
    };
    let want = predict("csv.gbdt", &csv_path);
    assert_eq!(want.lines().count(), 301);
    assert_eq!(predict("svm.gbdt", &svm_path), want);
    // Either model on either file: LibSVM by position, CSV by name.
    assert_eq!(predict("csv.gbdt", &svm_path), want);
    assert_eq!(predict("svm.gbdt", &csv_path), want);
    // Standard input, detected, and the format forced.
    let r = gbdt_stdin(dir.path(), &["predict", "svm.gbdt", "-"], svm.as_bytes());
    assert_eq!(r.stdout, want);
    let r = gbdt_in(
        dir.path(),
        &[
            "predict",
            "svm.gbdt",
            &svm_path,
            "--format",
            "libsvm",
            "--libsvm-base",
            "1",
        ],
    );
    assert_eq!(r.stdout, want);

    let eval =
        |model: &str, data: &str| gbdt_in(dir.path(), &["eval", model, data, "--json"]).stdout;
    let metrics = eval("svm.gbdt", &svm_path);
    assert!(metrics.contains("\"rows\":300"), "{metrics}");
    assert_eq!(eval("csv.gbdt", &csv_path), metrics);
}

#[test]
fn label_weights_train_like_a_weight_column() {
    let dir = TempDir::new("libsvm-w");
    let (svm, csv) = both(120, 5);
    let weight = |i: usize| [0.5, 1.0, 2.0][i % 3];
    let mut rows = svm.lines().filter(|l| l.starts_with(['0', '1']));
    let weighted: Vec<String> = (0..120)
        .map(|i| {
            let line = rows.next().unwrap_or_default();
            let (label, rest) = line.split_at(1);
            format!("{label}:{}{rest}\n", weight(i))
        })
        .collect();
    let svm_path = dir.write("w.svm", &weighted.concat());
    let mut lines = csv.lines();
    let mut with_w = format!("{},w\n", lines.next().unwrap_or_default());
    for (i, l) in lines.enumerate() {
        with_w.push_str(&format!("{l},{}\n", weight(i)));
    }
    let csv_path = dir.write("w.csv", &with_w);
    let common = ["--rounds", "8", "--quiet"];
    let mut a = vec!["train", svm_path.as_str(), "--output", "a.gbdt"];
    a.extend_from_slice(&common);
    gbdt_in(dir.path(), &a).ok();
    let mut b = vec![
        "train",
        csv_path.as_str(),
        "-t",
        "label",
        "--weight",
        "w",
        "--output",
        "b.gbdt",
    ];
    b.extend_from_slice(&common);
    gbdt_in(dir.path(), &b).ok();
    let dump = |model: &str| gbdt_in(dir.path(), &["dump", model]).stdout;
    assert!(dump("a.gbdt").contains("leaf"));
    assert_eq!(dump("a.gbdt"), dump("b.gbdt"));
    // The weights matter: without them the trees differ.
    let plain = dir.write("p.svm", &svm);
    let mut c = vec!["train", plain.as_str(), "--output", "c.gbdt"];
    c.extend_from_slice(&common);
    gbdt_in(dir.path(), &c).ok();
    assert_ne!(dump("a.gbdt"), dump("c.gbdt"));
    gbdt_in(dir.path(), &["train", &svm_path, "--weight", "w"])
        .expect_code(2)
        .stderr_says(&["--weight names a CSV column"]);
}

#[test]
fn libsvm_flags_and_errors() {
    let dir = TempDir::new("libsvm-err");
    let (svm, _) = both(50, 3);
    let path = dir.write("d.svm", &svm);
    gbdt_in(dir.path(), &["train", &path, "--target", "label"])
        .expect_code(2)
        .stderr_says(&["--target names a CSV column", "LibSVM data"]);
    gbdt_in(
        dir.path(),
        &["train", &path, "--format", "csv", "--target", "label"],
    )
    .expect_code(3);
    gbdt_in(dir.path(), &["train", &path, "--libsvm-base", "2"]).expect_code(2);
    let bad = dir.write("bad.svm", "1 1:0.5 2:1\n0 2:1 2:3\n");
    gbdt_in(dir.path(), &["train", &bad, "--rounds", "2"])
        .expect_code(3)
        .stderr_says(&["bad.svm, line 2, token 3: feature index 2 does not increase"]);
    // 0-based data: a model trained on it refuses an index past its features.
    let zero = dir.write("zero.svm", "1 0:1 1:2\n0 0:2 1:1\n1 0:1.5\n0 1:0.5\n");
    gbdt_in(
        dir.path(),
        &[
            "train", &zero, "--rounds", "2", "--output", "z.gbdt", "--quiet",
        ],
    )
    .ok();
    let wide = dir.write("wide.svm", "1 0:1 2:2\n");
    gbdt_in(dir.path(), &["predict", "z.gbdt", &wide])
        .expect_code(3)
        .stderr_says(&["wide.svm, line 1, token 3: feature index 2 is past the 2 features"]);
    let csv = dir.write("x.csv", "a,b\n1,2\n");
    gbdt_in(dir.path(), &["train", &csv, "--rounds", "2"])
        .expect_code(2)
        .stderr_says(&["--target is required for CSV data"]);
}
