//! Model files: round trips, atomic writes, damaged and foreign files, and
//! the committed files of every released format version.

use std::path::{Path, PathBuf};

use gbdt_core::{Dataset, Metric, Objective, Params};
use gbdt_io::{
    decode_model, encode_model, load_model, parse_target, prediction_features, read_csv,
    save_model, training_data, CsvOptions, Error, ModelFile, ModelFormat, Selection,
    TrainingSummary, FORMAT_VERSION,
};

use crate::util::{data, exec, temp_dir};

/// A small logistic model trained on the committed credit fixture.
pub fn credit_model(rounds: usize) -> ModelFile {
    let table = read_csv(&data("credit.csv"), &CsvOptions::default(), exec()).unwrap();
    let rule = parse_target("Number of Credit Problems > 1", &table).unwrap();
    let d = training_data(&table, &rule, &Selection::default(), exec()).unwrap();
    let ds = Dataset::new(d.features.view(), &d.labels)
        .unwrap()
        .with_feature_names(d.feature_names.clone())
        .unwrap();
    let params = Params {
        objective: Objective::Logistic,
        num_rounds: rounds,
        max_depth: 3,
        min_child_weight: 0.0,
        learning_rate: 0.5,
        eval_metrics: vec![Metric::LogLoss],
        threads: Some(1),
        ..Params::default()
    };
    let model = gbdt_core::train(&params, &ds, &[("train", &ds)]).unwrap();
    ModelFile {
        summary: TrainingSummary {
            rows: d.labels.len(),
            features: d.feature_names.len(),
            best_iteration: model.best_iteration(),
            metrics: model.metrics().to_vec(),
        },
        label_rule: rule,
        dropped_columns: d.dropped_columns,
        model,
    }
}

fn credit_features(model: &ModelFile) -> ndarray::Array2<f32> {
    let table = read_csv(&data("credit.csv"), &CsvOptions::default(), exec()).unwrap();
    prediction_features(&table, model.model.feature_names(), exec()).unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn both_formats_round_trip_exactly() {
    let file = credit_model(5);
    let x = credit_features(&file);
    let want = file.model.predict(x.view()).unwrap();
    let dir = temp_dir("roundtrip");
    for (name, format) in [
        ("m.gbdt", ModelFormat::Binary),
        ("m.json", ModelFormat::Json),
    ] {
        let path = dir.join(name);
        save_model(&path, &file, None).unwrap();
        let (back, got_format, version) = load_model(&path).unwrap();
        assert_eq!((got_format, version), (format, FORMAT_VERSION));
        assert_eq!(back, file);
        assert_eq!(back.model.predict(x.view()).unwrap(), want);
    }
    // The JSON file is readable and carries what the issue asks for.
    let text = std::fs::read_to_string(dir.join("m.json")).unwrap();
    for needle in [
        "\"format\": \"gbdt-model\"",
        "\"format_version\": 1",
        "Number of Credit Problems",
        "\"dropped_columns\"",
        "\"Customer ID\"",
        "\"summary\"",
        "\"params\"",
        "\"feature_names\"",
    ] {
        assert!(text.contains(needle), "JSON lacks {needle}");
    }
    // A format flag overrides the extension; loading detects the content.
    let odd = dir.join("binary.json");
    save_model(&odd, &file, Some(ModelFormat::Binary)).unwrap();
    assert!(std::fs::read(&odd).unwrap().starts_with(b"GBDTMDL\0"));
    assert_eq!(load_model(&odd).unwrap().1, ModelFormat::Binary);
    assert_eq!(files_in(&dir), ["binary.json", "m.gbdt", "m.json"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn format_names_and_extensions() {
    assert_eq!(
        ModelFormat::from_path(Path::new("a/b.JSON")),
        ModelFormat::Json
    );
    assert_eq!(
        ModelFormat::from_path(Path::new("a/b.gbdt")),
        ModelFormat::Binary
    );
    assert_eq!(
        ModelFormat::from_path(Path::new("model")),
        ModelFormat::Binary
    );
    assert_eq!("json".parse::<ModelFormat>().unwrap(), ModelFormat::Json);
    assert_eq!(
        "Binary".parse::<ModelFormat>().unwrap(),
        ModelFormat::Binary
    );
    let e = "yaml".parse::<ModelFormat>().unwrap_err().to_string();
    assert!(e.contains("'yaml'") && e.contains("binary, json"), "{e}");
}

#[test]
fn saving_replaces_atomically_and_leaves_no_temporary_files() {
    let dir = temp_dir("atomic");
    let path = dir.join("model.gbdt");
    std::fs::write(&path, b"old contents").unwrap();
    let file = credit_model(2);
    save_model(&path, &file, None).unwrap();
    assert_eq!(load_model(&path).unwrap().0, file);
    assert_eq!(files_in(&dir), ["model.gbdt"]);
    // A failed save (the directory does not exist) changes nothing.
    let e = save_model(&dir.join("no/such/dir/m.gbdt"), &file, None).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert!(e.to_string().contains("no/such/dir"), "{e}");
    // Saving to a path without a file name is an error, not a panic.
    assert!(save_model(Path::new("/"), &file, None).is_err());
    assert_eq!(files_in(&dir), ["model.gbdt"]);
    std::fs::remove_dir_all(dir).unwrap();
}

fn decode_err(bytes: &[u8]) -> String {
    match decode_model(bytes, Path::new("m.gbdt")) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn truncated_and_altered_binary_files_are_clear_errors() {
    let file = credit_model(3);
    let bytes = encode_model(&file, ModelFormat::Binary, Path::new("m")).unwrap();
    for cut in [0, 3, 8, 12, 27, 28, 29, bytes.len() / 2, bytes.len() - 1] {
        let e = decode_err(&bytes[..cut]);
        let ok = if cut == 0 {
            e.contains("empty")
        } else {
            e.contains("truncated")
        };
        assert!(ok, "cut {cut}: {e}");
    }
    let mut flipped = bytes.clone();
    let mid = 28 + (bytes.len() - 28) / 2;
    flipped[mid] ^= 0x40;
    assert!(decode_err(&flipped).contains("checksum mismatch"));
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"xx");
    assert!(decode_err(&longer).contains("2 unexpected bytes"));
}

#[test]
fn newer_versions_are_refused_with_a_clear_message() {
    let file = credit_model(2);
    let mut bytes = encode_model(&file, ModelFormat::Binary, Path::new("m")).unwrap();
    bytes[8..12].copy_from_slice(&7u32.to_le_bytes());
    let e = decode_err(&bytes);
    assert!(
        e.contains("format version 7") && e.contains("newer gbdt"),
        "{e}"
    );
    let json = encode_model(&file, ModelFormat::Json, Path::new("m")).unwrap();
    let json = String::from_utf8(json).unwrap().replacen(
        "\"format_version\": 1",
        "\"format_version\": 2",
        1,
    );
    let e = decode_err(json.as_bytes());
    assert!(e.contains("format version 2"), "{e}");
}

#[test]
fn foreign_files_are_not_models() {
    for (bytes, needle) in [
        (&b"\x89PNG\r\n\x1a\n0000"[..], "89 50 4e 47"),
        (b"a,b,c\n1,2,3\n", "61 2c 62"),
        (b"{\"name\": \"something else\"}", "without \"format\""),
        (
            b"{\"format\": \"onnx\", \"format_version\": 1}",
            "without \"format\"",
        ),
        (b"[1, 2, 3]", "not a gbdt model"),
    ] {
        let e = decode_err(bytes);
        assert!(
            e.contains("is not a gbdt model file") && e.contains(needle),
            "{e}"
        );
    }
    let e = decode_err(b"{\"format\": \"gbdt-model\", \"format_version\": 1, \"model\": ");
    assert!(e.contains("damaged") && e.contains("truncated"), "{e}");
    let e = decode_err(b"{\"format\": \"gbdt-model\", \"format_version\": 1}");
    assert!(e.contains("damaged") && e.contains("missing field"), "{e}");
}

#[test]
fn inconsistent_trees_are_rejected_before_prediction() {
    let file = credit_model(3);
    let json = encode_model(&file, ModelFormat::Json, Path::new("m")).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let tree_with_split = value["model"]["trees"]
        .as_array()
        .unwrap()
        .iter()
        .position(|t| t["left"][0].as_u64() != Some(0))
        .expect("a tree with a split");
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        f(&mut v["model"]["trees"][tree_with_split]);
        decode_err(&serde_json::to_vec(&v).unwrap())
    };
    let e = edit(&|t| t["feature"][0] = 999.into());
    assert!(e.contains("splits on feature 999"), "{e}");
    let e = edit(&|t| t["left"][0] = 500.into());
    assert!(e.contains("out of order or range"), "{e}");
    let e = edit(&|t| {
        t["value"].as_array_mut().unwrap().pop();
    });
    assert!(e.contains("different lengths"), "{e}");
    let mut v = value.clone();
    v["model"]["num_features"] = 0.into();
    v["model"]["feature_names"] = serde_json::json!([]);
    let e = decode_err(&serde_json::to_vec(&v).unwrap());
    assert!(e.contains("no features"), "{e}");
    let mut v = value.clone();
    v["model"]["base_margins"] = serde_json::json!([0.0, 1.0]);
    let e = decode_err(&serde_json::to_vec(&v).unwrap());
    assert!(e.contains("2 base margins for 1 outputs"), "{e}");
}

/// The committed model files of each format version and their inputs.
fn compat_dir() -> PathBuf {
    data("compat")
}

/// (file stem, target expression, objective) of each committed model.
const COMPAT_MODELS: &[(&str, &str, Objective)] = &[
    (
        "binary",
        "Number of Credit Problems > 1",
        Objective::Logistic,
    ),
    ("multiclass", "grade", Objective::Softmax),
];

#[test]
fn committed_version_1_files_still_load_and_predict_the_same() {
    let dir = compat_dir();
    let table = read_csv(&dir.join("v1_input.csv"), &CsvOptions::default(), exec()).unwrap();
    for (stem, target, objective) in COMPAT_MODELS {
        let expected: Vec<Vec<f64>> = serde_json::from_slice(
            &std::fs::read(dir.join(format!("v1_{stem}_expected.json"))).unwrap(),
        )
        .unwrap();
        for ext in ["gbdt", "json"] {
            let name = format!("v1_{stem}.{ext}");
            let (file, _, version) = load_model(&dir.join(&name)).unwrap();
            assert_eq!(version, 1, "{name}");
            assert_eq!(
                file.label_rule,
                parse_target(target, &table).unwrap(),
                "{name}"
            );
            assert_eq!(file.model.objective(), *objective, "{name}");
            let x = prediction_features(&table, file.model.feature_names(), exec()).unwrap();
            let p = file.model.predict(x.view()).unwrap();
            assert_eq!(p.dim(), (expected.len(), expected[0].len()), "{name}");
            for (r, want) in expected.iter().enumerate() {
                for (k, w) in want.iter().enumerate() {
                    let got = p[[r, k]];
                    assert!(
                        (got - w).abs() <= 1e-9 * w.abs().max(1.0),
                        "{name} row {r} output {k}: {got} vs {w}"
                    );
                }
            }
        }
    }
}

/// A credit-style input with a string ID, missing values, a bool, a count
/// and a three-class grade; deterministic.
fn compat_input() -> String {
    let mut rng = crate::util::Rng::new(2024);
    let mut s = String::from("id,income,debt ratio,owner,grade,Number of Credit Problems\n");
    for i in 0..300 {
        let income = 20.0 + rng.unit() * 100.0;
        let ratio = rng.unit();
        let owner = rng.next().is_multiple_of(2);
        let noise = rng.unit() * 0.3;
        let score = income / 120.0 - ratio + if owner { 0.2 } else { 0.0 } + noise;
        let grade = if score > 0.5 {
            "A"
        } else if score > 0.0 {
            "B"
        } else {
            "C"
        };
        let problems = ((1.0 - score) * 2.5 + rng.unit()).clamp(0.0, 6.0) as u32;
        let income = if i % 11 == 0 {
            "NA".to_string()
        } else {
            format!("{income:.2}")
        };
        s.push_str(&format!(
            "c{i:04},{income},{ratio:.3},{owner},{grade},{problems}\n"
        ));
    }
    s
}

/// Writes the compatibility files of the current format version. Run once
/// per new format version and commit the output:
/// `cargo test -p gbdt-io --test it write_compat_files -- --ignored`.
#[test]
#[ignore]
fn write_compat_files() {
    let dir = compat_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let v = FORMAT_VERSION;
    let input = dir.join(format!("v{v}_input.csv"));
    std::fs::write(&input, compat_input()).unwrap();
    let table = read_csv(&input, &CsvOptions::default(), exec()).unwrap();
    for (stem, target, objective) in COMPAT_MODELS {
        let rule = parse_target(target, &table).unwrap();
        let sel = Selection {
            drop: vec!["grade".into(), "Number of Credit Problems".into()],
            ..Selection::default()
        };
        let sel = Selection {
            drop: sel
                .drop
                .into_iter()
                .filter(|c| c != rule.column())
                .collect(),
            ..sel
        };
        let d = training_data(&table, &rule, &sel, exec()).unwrap();
        let ds = Dataset::new(d.features.view(), &d.labels)
            .unwrap()
            .with_feature_names(d.feature_names.clone())
            .unwrap();
        let params = Params {
            objective: *objective,
            num_rounds: 12,
            max_depth: 4,
            learning_rate: 0.3,
            threads: Some(1),
            ..Params::default()
        };
        let model = gbdt_core::train(&params, &ds, &[("train", &ds)]).unwrap();
        let x = prediction_features(&table, model.feature_names(), exec()).unwrap();
        let p = model.predict(x.view()).unwrap();
        let file = ModelFile {
            summary: TrainingSummary {
                rows: d.labels.len(),
                features: d.feature_names.len(),
                best_iteration: model.best_iteration(),
                metrics: model.metrics().to_vec(),
            },
            label_rule: rule,
            dropped_columns: d.dropped_columns,
            model,
        };
        save_model(&dir.join(format!("v{v}_{stem}.gbdt")), &file, None).unwrap();
        save_model(&dir.join(format!("v{v}_{stem}.json")), &file, None).unwrap();
        let rows: Vec<Vec<f64>> = p.rows().into_iter().map(|r| r.to_vec()).collect();
        std::fs::write(
            dir.join(format!("v{v}_{stem}_expected.json")),
            serde_json::to_string(&rows).unwrap(),
        )
        .unwrap();
    }
}
