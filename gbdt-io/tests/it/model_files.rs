//! Model files: round trips, atomic writes, damaged and foreign files, and
//! the committed files of every released format version.

use std::path::{Path, PathBuf};

use gbdt_core::{Dataset, Metric, Objective, Params};
use gbdt_io::{
    decode_model, encode_model, load_model, parse_target, prediction_features, read_csv,
    save_model, training_data, CsvOptions, Error, LoadedModel, ModelFeatures, ModelFile,
    ModelFormat, Selection, TrainingSummary, FORMAT_VERSION,
};

use crate::util::{data, exec, temp_dir};

/// A small logistic model trained on the committed credit fixture.
pub fn credit_model(rounds: usize) -> ModelFile {
    let table = read_csv(&data("credit.csv"), &CsvOptions::default(), exec()).unwrap();
    let rule = parse_target("Number of Credit Problems > 1", &table).unwrap();
    let d = training_data(&table, &rule, &Selection::default(), exec()).unwrap();
    let ds = d.dataset().unwrap();
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
        summary: Some(TrainingSummary {
            rows: d.labels.len(),
            features: d.feature_names.len(),
            best_iteration: model.best_iteration(),
            metrics: model.metrics().to_vec(),
        }),
        label_rule: Some(rule),
        dropped_columns: d.dropped_columns,
        model,
    }
}

fn credit_features(model: &ModelFile) -> ndarray::Array2<f32> {
    let table = read_csv(&data("credit.csv"), &CsvOptions::default(), exec()).unwrap();
    prediction_features(&table, &ModelFeatures::of(&model.model), exec()).unwrap()
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
        let loaded = load_model(&path).unwrap();
        assert_eq!((loaded.format, loaded.version), (format, FORMAT_VERSION));
        assert_eq!(loaded.file, file);
        assert_eq!(loaded.file.model.predict(x.view()).unwrap(), want);
    }
    // The JSON file is readable and carries what the issue asks for.
    let text = std::fs::read_to_string(dir.join("m.json")).unwrap();
    for needle in [
        "\"format\": \"gbdt-model\"",
        "\"format_version\": 4",
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
    assert_eq!(load_model(&odd).unwrap().format, ModelFormat::Binary);
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
    assert_eq!(load_model(&path).unwrap().file, file);
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
        "\"format_version\": 4",
        "\"format_version\": 5",
        1,
    );
    let e = decode_err(json.as_bytes());
    assert!(e.contains("format version 5"), "{e}");
}

/// A model trained with monotone constraints and a Tweedie power (neither
/// stored before format 3), saved in `format`.
fn constrained_tweedie_bytes(format: ModelFormat) -> (gbdt_core::Model, Vec<u8>) {
    let x = ndarray::Array2::from_shape_fn((60, 2), |(i, j)| ((i * (j + 3)) % 11) as f32);
    let y: Vec<f32> = (0..60).map(|i| (i % 5) as f32).collect();
    let params = Params {
        objective: Objective::Tweedie,
        tweedie_variance_power: 1.2,
        monotone_constraints: vec![1, -1],
        num_rounds: 3,
        threads: Some(1),
        ..Params::default()
    };
    let model = gbdt_core::train(&params, &Dataset::new(x.view(), &y).unwrap(), &[]).unwrap();
    let bytes = encode_model(&ModelFile::from(model.clone()), format, Path::new("m")).unwrap();
    (model, bytes)
}

#[test]
fn monotone_constraints_and_tweedie_power_round_trip_in_both_formats() {
    for format in [ModelFormat::Binary, ModelFormat::Json] {
        let (model, bytes) = constrained_tweedie_bytes(format);
        let loaded = decode_model(&bytes, Path::new("m")).unwrap();
        let p = loaded.file.model.params();
        assert_eq!(p.monotone_constraints, [1, -1], "{format:?}");
        assert_eq!(p.tweedie_variance_power, 1.2, "{format:?}");
        assert_eq!(loaded.file.model, model, "{format:?}");
    }
}

/// Interaction constraints are stored by name like any parameter: a model
/// trained with them loads back equal, in both formats.
#[test]
fn interaction_constraints_round_trip_in_both_formats() {
    let x = ndarray::Array2::from_shape_fn((80, 3), |(i, j)| ((i * (j + 3)) % 13) as f32);
    let y: Vec<f32> = (0..80).map(|i| ((i * 7) % 9) as f32).collect();
    let params = Params {
        interaction_constraints: vec![vec![0, 2], vec![1, 2]],
        num_rounds: 3,
        threads: Some(1),
        ..Params::default()
    };
    let model = gbdt_core::train(&params, &Dataset::new(x.view(), &y).unwrap(), &[]).unwrap();
    for format in [ModelFormat::Binary, ModelFormat::Json] {
        let bytes = encode_model(&ModelFile::from(model.clone()), format, Path::new("m")).unwrap();
        let loaded = decode_model(&bytes, Path::new("m")).unwrap();
        let p = loaded.file.model.params();
        assert_eq!(
            p.interaction_constraints,
            [vec![0, 2], vec![1, 2]],
            "{format:?}"
        );
        assert_eq!(loaded.file.model, model, "{format:?}");
        if format == ModelFormat::Json {
            let text = String::from_utf8(bytes).unwrap();
            assert!(
                text.contains("\"interaction_constraints\": \"[[0,2],[1,2]]\""),
                "{text}"
            );
        }
    }
}

#[test]
fn parameters_are_stored_by_name_and_unknown_ones_are_refused() {
    let (_, bytes) = constrained_tweedie_bytes(ModelFormat::Json);
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("\"monotone_constraints\": \"(1,-1)\""),
        "{text}"
    );
    assert!(
        text.contains("\"tweedie_variance_power\": \"1.2\""),
        "{text}"
    );
    // An older file lacks a parameter: it takes its default.
    let older = text.replacen("\"huber_slope\": \"1\",", "", 1);
    assert_ne!(older, text);
    let loaded = decode_model(older.as_bytes(), Path::new("m.json")).unwrap();
    assert_eq!(loaded.file.model.params().huber_slope, 1.0);
    // A newer file has one this build does not know: a clear error.
    let newer = text.replacen(
        "\"huber_slope\": \"1\",",
        "\"huber_slope\": \"1\", \"zeta_power\": \"2\",",
        1,
    );
    let e = decode_err(newer.as_bytes());
    assert!(
        e.contains("zeta_power") && e.contains("written by a newer gbdt"),
        "{e}"
    );
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
    assert!(
        e.contains(&format!("tree {tree_with_split}, node 0, field `feature`: splits on feature 999, but the model has 10 features (0 to 9); the model data is damaged")),
        "{e}"
    );
    let e = edit(&|t| t["left"][0] = 500.into());
    assert!(
        e.contains("children 500 and 501 must come after the node"),
        "{e}"
    );
    let e = edit(&|t| {
        t["value"].as_array_mut().unwrap().pop();
    });
    assert!(
        e.contains("field `value`: has") && e.contains("every node array needs one entry per node"),
        "{e}"
    );
    let mut v = value.clone();
    v["model"]["num_features"] = 0.into();
    v["model"]["feature_names"] = serde_json::json!([]);
    let e = decode_err(&serde_json::to_vec(&v).unwrap());
    assert!(
        e.starts_with("m.gbdt: invalid model: field `num_features`: is 0; a model needs at least one feature; the model data is damaged or was not written by gbdt: load an undamaged copy or train the model again"),
        "{e}"
    );
    let mut v = value.clone();
    v["model"]["base_margins"] = serde_json::json!([0.0, 1.0]);
    let e = decode_err(&serde_json::to_vec(&v).unwrap());
    assert!(
        e.contains("field `base_margins`: has 2 values but the model has 1 outputs"),
        "{e}"
    );
}

/// A model trained on an ndarray: no CSV type anywhere.
fn plain_model() -> (gbdt_core::Model, ndarray::Array2<f32>) {
    let x = ndarray::Array2::from_shape_fn((80, 2), |(i, j)| ((i * (j + 2)) % 13) as f32);
    let y: Vec<f32> = (0..80).map(|i| (i % 3) as f32).collect();
    let params = Params {
        objective: Objective::Softmax,
        num_rounds: 4,
        max_depth: 3,
        threads: Some(1),
        ..Params::default()
    };
    let model = gbdt_core::train(&params, &Dataset::new(x.view(), &y).unwrap(), &[]).unwrap();
    (model, x)
}

#[test]
fn bare_models_save_and_load_in_one_line_each() {
    let (model, x) = plain_model();
    let want = model.predict(x.view()).unwrap();
    let dir = temp_dir("bare");
    for name in ["m.gbdt", "m.json"] {
        let path = dir.join(name);
        gbdt_io::save(&model, &path).unwrap();
        let back = gbdt_io::load(&path).unwrap();
        assert_eq!(back, model, "{name}");
        assert_eq!(back.predict(x.view()).unwrap(), want, "{name}");
        let loaded = load_model(&path).unwrap();
        assert_eq!(loaded.file, ModelFile::from(model.clone()), "{name}");
        assert_eq!(loaded.version, FORMAT_VERSION);
    }
    // Absent CSV metadata is left out of the JSON, not written as null.
    let text = std::fs::read_to_string(dir.join("m.json")).unwrap();
    assert!(
        !text.contains("label_rule") && !text.contains("summary"),
        "{text}"
    );
    assert!(text.starts_with("{\n  \"format\": \"gbdt-model\",\n  \"format_version\": 4,"));
    // Both functions take the same bytes as the ModelFile path.
    let file = ModelFile::from(model);
    assert_eq!(
        std::fs::read(dir.join("m.gbdt")).unwrap(),
        encode_model(&file, ModelFormat::Binary, Path::new("x")).unwrap()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn core_errors_convert_with_the_question_mark() {
    fn predict_wrong_width(model: &gbdt_core::Model) -> gbdt_io::Result<()> {
        model.predict(ndarray::Array2::<f32>::zeros((1, 5)).view())?;
        Ok(())
    }
    let (model, _) = plain_model();
    let e = predict_wrong_width(&model).unwrap_err();
    assert!(matches!(
        e,
        Error::Core {
            source: gbdt_core::Error::FeatureCountMismatch {
                got: 5,
                expected: 2
            }
        }
    ));
    assert_eq!(
        e.to_string(),
        "prediction input has 5 features but the model was trained on 2"
    );
}

#[test]
fn binary_payloads_that_break_model_rules_name_the_field() {
    let (model, _) = plain_model();
    let bytes = encode_model(&ModelFile::from(model), ModelFormat::Binary, Path::new("m")).unwrap();
    // Bincode varints: byte 0 of the payload is the objective, byte 1 the
    // number of outputs.
    let mut payload = bytes[28..].to_vec();
    assert_eq!(payload[1], 3);
    payload[1] = 2;
    let e = decode_err(&crate::props::binary_file(&payload));
    assert_eq!(
        e,
        "m.gbdt: invalid model: field `base_margins`: has 3 values but the model has 2 outputs; \
         give one per output; the model data is damaged or was not written by gbdt: load an \
         undamaged copy or train the model again"
    );
}

#[test]
fn label_rules_with_infinite_values_survive_json() {
    let mut file = credit_model(1);
    file.label_rule = Some(gbdt_io::LabelRule::Compare {
        column: "Income".into(),
        op: gbdt_io::CompareOp::Lt,
        value: f64::INFINITY,
    });
    let json = encode_model(&file, ModelFormat::Json, Path::new("m.json")).unwrap();
    assert!(String::from_utf8_lossy(&json).contains("\"value\": \"Infinity\""));
    assert_eq!(decode_model(&json, Path::new("m.json")).unwrap().file, file);
}

/// The committed model files of each format version and their inputs.
fn compat_dir() -> PathBuf {
    data("compat")
}

/// (file stem, target expression, objective, first format version) of each
/// committed model.
const COMPAT_MODELS: &[(&str, &str, Objective, u32)] = &[
    (
        "binary",
        "Number of Credit Problems > 1",
        Objective::Logistic,
        1,
    ),
    ("multiclass", "grade", Objective::Softmax, 1),
    (
        "monotone",
        "Number of Credit Problems",
        Objective::SquaredError,
        3,
    ),
    (
        "tweedie",
        "Number of Credit Problems",
        Objective::Tweedie,
        3,
    ),
];

/// The parameters a committed model was trained with: the "monotone" model
/// constrains income (down) and debt ratio (up), the "tweedie" one has
/// variance power 1.2 (both parameters were not stored before version 3).
fn compat_params(stem: &str, objective: Objective, feature_names: &[String]) -> Params {
    let direction = |name: &str| match name {
        "income" => -1,
        "debt ratio" => 1,
        _ => 0,
    };
    let mut params = Params {
        objective,
        num_rounds: 12,
        max_depth: 4,
        learning_rate: 0.3,
        threads: Some(1),
        // Small enough for categorical splits on the 300 rows (from format 4).
        min_data_per_group: 10,
        ..Params::default()
    };
    match stem {
        "monotone" => {
            params.monotone_constraints = feature_names.iter().map(|n| direction(n)).collect();
        }
        "tweedie" => params.tweedie_variance_power = 1.2,
        _ => {}
    }
    params
}

#[test]
fn committed_files_of_every_version_still_load_and_predict_the_same() {
    for v in 1..=FORMAT_VERSION {
        committed_files_load_and_predict_the_same(v);
    }
    for v in 2..=FORMAT_VERSION {
        committed_bare_model_loads_and_predicts_the_same(v);
    }
}

/// A model trained on an ndarray (no CSV metadata) whose first split sends
/// every present value left: its threshold is +inf, "Infinity" in JSON.
fn bare_compat_model() -> (gbdt_core::Model, ndarray::Array2<f32>) {
    let x = ndarray::Array2::from_shape_fn((90, 2), |(i, j)| match j {
        0 if i % 3 == 0 => f32::NAN,
        0 => 1.0,
        _ => (i % 7) as f32,
    });
    let y: Vec<f32> = (0..90)
        .map(|i| {
            if i % 3 == 0 {
                5.0
            } else {
                (i % 7) as f32 * 0.1
            }
        })
        .collect();
    let params = Params {
        num_rounds: 3,
        max_depth: 2,
        threads: Some(1),
        ..Params::default()
    };
    let model = gbdt_core::train(&params, &Dataset::new(x.view(), &y).unwrap(), &[]).unwrap();
    (model, x)
}

fn committed_bare_model_loads_and_predicts_the_same(v: u32) {
    let dir = compat_dir();
    let (_, x) = bare_compat_model();
    let expected: Vec<f64> = serde_json::from_slice(
        &std::fs::read(dir.join(format!("v{v}_bare_expected.json"))).unwrap(),
    )
    .unwrap();
    let json = std::fs::read_to_string(dir.join(format!("v{v}_bare.json"))).unwrap();
    assert!(
        json.contains("\"Infinity\""),
        "the bare model lost its +inf threshold"
    );
    for ext in ["gbdt", "json"] {
        let name = format!("v{v}_bare.{ext}");
        let loaded = load_model(&dir.join(&name)).unwrap();
        assert_eq!(loaded.version, v, "{name}");
        assert_eq!(loaded.file.label_rule, None, "{name}");
        assert_eq!(loaded.file.summary, None, "{name}");
        assert_eq!(
            loaded.file.model.trees()[0].threshold(0),
            f32::INFINITY,
            "{name}"
        );
        let p = loaded.file.model.predict(x.view()).unwrap();
        let bits: Vec<u64> = p.iter().map(|v| v.to_bits()).collect();
        let want: Vec<u64> = expected.iter().map(|v| v.to_bits()).collect();
        assert_eq!(bits, want, "{name}");
    }
}

fn committed_files_load_and_predict_the_same(v: u32) {
    let dir = compat_dir();
    let table = read_csv(
        &dir.join(format!("v{v}_input.csv")),
        &CsvOptions::default(),
        exec(),
    )
    .unwrap();
    for (stem, target, objective, since) in COMPAT_MODELS {
        if v < *since {
            continue;
        }
        let expected: Vec<Vec<f64>> = serde_json::from_slice(
            &std::fs::read(dir.join(format!("v{v}_{stem}_expected.json"))).unwrap(),
        )
        .unwrap();
        for ext in ["gbdt", "json"] {
            let name = format!("v{v}_{stem}.{ext}");
            let LoadedModel { file, version, .. } = load_model(&dir.join(&name)).unwrap();
            assert_eq!(version, v, "{name}");
            assert_eq!(
                file.label_rule,
                Some(parse_target(target, &table).unwrap()),
                "{name}"
            );
            assert_eq!(file.model.objective(), *objective, "{name}");
            let names = file.model.feature_names().to_vec();
            let want_params = compat_params(stem, *objective, &names);
            let got_params = file.model.params();
            if v >= 3 {
                assert_eq!(
                    got_params.monotone_constraints, want_params.monotone_constraints,
                    "{name}"
                );
                assert_eq!(
                    got_params.tweedie_variance_power.to_bits(),
                    want_params.tweedie_variance_power.to_bits(),
                    "{name}"
                );
            }
            assert_eq!(
                (got_params.num_rounds, got_params.max_depth),
                (12, 4),
                "{name}"
            );
            if v >= 4 {
                assert_purpose_splits(&file.model, &name);
            }
            let x = prediction_features(&table, &ModelFeatures::of(&file.model), exec()).unwrap();
            let p = file.model.predict(x.view()).unwrap();
            assert_eq!(p.dim(), (expected.len(), expected[0].len()), "{name}");
            for (r, want) in expected.iter().enumerate() {
                for (k, w) in want.iter().enumerate() {
                    let got = p[[r, k]];
                    assert_eq!(
                        got.to_bits(),
                        w.to_bits(),
                        "{name} row {r} output {k}: {got} vs {w}"
                    );
                }
            }
        }
    }
}

/// The version 4 models split on the text column `purpose` as a category.
fn assert_purpose_splits(model: &gbdt_core::Model, name: &str) {
    let f = model
        .feature_names()
        .iter()
        .position(|n| n == "purpose")
        .unwrap_or_else(|| panic!("{name}: no purpose feature"));
    assert_eq!(
        model.categories().names(f).unwrap(),
        ["business", "car", "education", "house", "medical", "other"],
        "{name}"
    );
    let splits = model
        .trees()
        .iter()
        .map(|t| t.category_splits().len())
        .sum::<usize>();
    assert!(splits > 0, "{name}: no categorical split");
}

/// A credit-style input with a string ID, missing values, a bool, a count
/// and a three-class grade; deterministic. Since format 4 it also has a
/// text column of six loan purposes (one of them missing now and then)
/// that carries signal, so the version 4 models have categorical splits.
fn compat_input() -> String {
    const PURPOSES: [(&str, f64); 6] = [
        ("car", 0.1),
        ("house", 0.4),
        ("business", -0.5),
        ("education", 0.3),
        ("medical", -0.4),
        ("other", 0.0),
    ];
    let mut rng = crate::util::Rng::new(2024);
    let mut s =
        String::from("id,income,debt ratio,owner,purpose,grade,Number of Credit Problems\n");
    for i in 0..300 {
        let income = 20.0 + rng.unit() * 100.0;
        let ratio = rng.unit();
        let owner = rng.next().is_multiple_of(2);
        let noise = rng.unit() * 0.3;
        let (purpose, effect) = PURPOSES[(rng.next() % 6) as usize];
        let purpose = if i % 13 == 0 { "" } else { purpose };
        let score = income / 120.0 - ratio + if owner { 0.2 } else { 0.0 } + noise + effect;
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
            "c{i:04},{income},{ratio:.3},{owner},{purpose},{grade},{problems}\n"
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
    for (stem, target, objective, since) in COMPAT_MODELS {
        if *since > v {
            continue;
        }
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
        let ds = d.dataset().unwrap();
        let params = compat_params(stem, *objective, &d.feature_names);
        let model = gbdt_core::train(&params, &ds, &[("train", &ds)]).unwrap();
        let x = prediction_features(&table, &ModelFeatures::of(&model), exec()).unwrap();
        let p = model.predict(x.view()).unwrap();
        let file = ModelFile {
            summary: Some(TrainingSummary {
                rows: d.labels.len(),
                features: d.feature_names.len(),
                best_iteration: model.best_iteration(),
                metrics: model.metrics().to_vec(),
            }),
            label_rule: Some(rule),
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
    let (model, x) = bare_compat_model();
    gbdt_io::save(&model, dir.join(format!("v{v}_bare.gbdt"))).unwrap();
    gbdt_io::save(&model, dir.join(format!("v{v}_bare.json"))).unwrap();
    let p: Vec<f64> = model.predict(x.view()).unwrap().iter().copied().collect();
    std::fs::write(
        dir.join(format!("v{v}_bare_expected.json")),
        serde_json::to_string(&p).unwrap(),
    )
    .unwrap();
}

#[test]
fn version_2_json_keeps_the_tweedie_power_it_held() {
    // Late format 2 builds wrote tweedie_variance_power in JSON files only.
    let path = compat_dir().join("v2_bare.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let with_power = text.replacen(
        "\"params\": {",
        "\"params\": {\n      \"tweedie_variance_power\": 1.2,",
        1,
    );
    assert_ne!(with_power, text);
    let loaded = decode_model(with_power.as_bytes(), &path).unwrap();
    assert_eq!(loaded.version, 2);
    let p = loaded.file.model.params();
    assert_eq!((p.tweedie_variance_power, p.max_depth), (1.2, 2));
    assert!(p.monotone_constraints.is_empty());
    let plain = load_model(&path).unwrap();
    assert_eq!(plain.file.model.params().tweedie_variance_power, 1.5);
}
