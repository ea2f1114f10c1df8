//! Property tests: no input makes the readers panic, CSV tables do not
//! depend on the thread count, numbers survive a CSV round trip, and saved
//! models predict exactly like the originals.

use std::path::Path;

use gbdt_core::{Dataset, Objective, Params};
use gbdt_io::{
    decode_model, encode_model, load_model, parse_csv, prediction_features, save_model, CsvOptions,
    LabelRule, ModelFeatures, ModelFile, ModelFormat, TrainingSummary, FORMAT_VERSION, MAGIC,
};
use ndarray::Array2;
use proptest::prelude::*;

use crate::util::{exec, temp_dir};

fn any_options() -> impl Strategy<Value = CsvOptions> {
    (prop::sample::select(vec![b',', b';', b'\t']), any::<bool>()).prop_map(|(d, h)| CsvOptions {
        delimiter: d,
        has_header: h,
    })
}

/// Bytes that look like CSV often enough to reach deep paths.
fn csvish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        &b","[..],
        b";",
        b"\t",
        b"\n",
        b"\r\n",
        b"\r",
        b"\"",
        b"a",
        b"1",
        b"-2.5",
        b"1e3",
        b"NA",
        b"true",
        b"False",
        b"inf",
        b" ",
        b"\xff",
        b"\xef\xbb\xbf",
        b"\"\"",
        b"x y",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.concat())
}

/// Checks what any successfully parsed table must satisfy.
fn check_table(t: &gbdt_io::Table) {
    assert!(t.num_rows() > 0 && t.num_columns() > 0);
    let mut last = 0;
    for r in 0..t.num_rows() {
        let line = t.line_of_row(r);
        // Non-decreasing: a lone \r ends a record but not a line.
        assert!(
            line >= last.max(1),
            "line of row {r} is {line} after {last}"
        );
        last = line;
    }
    for name in t.column_names() {
        assert_eq!(t.string_column(name).unwrap().len(), t.num_rows());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn csv_reader_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), opts in any_options()) {
        if let Ok(t) = parse_csv(bytes, Path::new("p.csv"), &opts, exec()) {
            check_table(&t);
        }
    }

    #[test]
    fn csv_reader_never_panics_on_csv_like_bytes(bytes in csvish_bytes(), opts in any_options()) {
        if let Ok(t) = parse_csv(bytes, Path::new("p.csv"), &opts, exec()) {
            check_table(&t);
        }
    }

    #[test]
    fn csv_tables_do_not_depend_on_the_thread_count(bytes in csvish_bytes(), opts in any_options()) {
        let read = |threads: usize| {
            let exec = gbdt_core::Executor::new(threads).unwrap();
            match parse_csv(bytes.clone(), Path::new("p.csv"), &opts, &exec) {
                Ok(t) => format!("{t:?}"), // NaN prints as NaN: equal tables print equal
                Err(e) => e.to_string(),
            }
        };
        prop_assert_eq!(read(1), read(3));
    }

    #[test]
    fn model_loader_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_model(&bytes, Path::new("m"));
        let mut with_magic = MAGIC.to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = decode_model(&with_magic, Path::new("m"));
    }

    #[test]
    fn model_loader_never_panics_on_garbage_with_a_valid_checksum(payload in prop::collection::vec(any::<u8>(), 0..400)) {
        let e = decode_model(&binary_file(&payload), Path::new("m"));
        prop_assert!(e.is_err());
    }

    #[test]
    fn numbers_survive_a_csv_round_trip(
        values in prop::collection::vec(prop::collection::vec(prop::option::weighted(0.9, -1e6f64..1e6), 3), 1..40),
        exp in any::<bool>(),
    ) {
        let mut text = String::from("a,b,c\n");
        for row in &values {
            let cells: Vec<String> = row.iter().map(|v| match v {
                None => "NA".to_string(),
                Some(x) if exp => format!("{x:e}"),
                Some(x) => format!("{x}"),
            }).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        let t = parse_csv(text.into_bytes(), Path::new("n.csv"), &CsvOptions::default(), exec()).unwrap();
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let x = prediction_features(&t, &ModelFeatures::numeric(&names), exec()).unwrap();
        for (r, row) in values.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v {
                    None => prop_assert!(x[[r, c]].is_nan()),
                    Some(v) => prop_assert_eq!(x[[r, c]], *v as f32),
                }
            }
        }
    }
}

/// A binary model file around `payload` with a correct header and checksum.
/// A binary model file of the current version around `payload`, with a
/// correct length and checksum.
pub fn binary_file(payload: &[u8]) -> Vec<u8> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in payload {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn model_file(
    objective: Objective,
    rows: usize,
    features: usize,
    rounds: usize,
    depth: usize,
    seed: u64,
) -> (ModelFile, Array2<f32>) {
    let mut rng = crate::util::Rng::new(seed);
    let x = Array2::from_shape_fn((rows, features), |_| {
        if rng.next().is_multiple_of(13) {
            f32::NAN
        } else {
            (rng.unit() * 10.0 - 5.0) as f32
        }
    });
    let y: Vec<f32> = (0..rows)
        .map(|i| {
            let s = x.row(i).iter().filter(|v| !v.is_nan()).sum::<f32>();
            match objective {
                Objective::Softmax => ((s > -1.0) as u8 + (s > 1.0) as u8) as f32,
                Objective::Logistic => (s > 0.0) as u8 as f32,
                _ => s,
            }
        })
        .collect();
    let ds = Dataset::new(x.view(), &y).unwrap();
    let params = Params {
        objective,
        num_class: if objective == Objective::Softmax {
            3
        } else {
            0
        },
        num_rounds: rounds,
        max_depth: depth,
        min_child_weight: 0.1,
        seed,
        threads: Some(1),
        ..Params::default()
    };
    let model = gbdt_core::train(&params, &ds, &[]).unwrap();
    let file = ModelFile {
        summary: Some(TrainingSummary {
            rows,
            features,
            best_iteration: None,
            metrics: vec![],
        }),
        label_rule: Some(LabelRule::Column { column: "y".into() }),
        dropped_columns: vec![],
        model,
    };
    (file, x)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn save_load_predict_is_identical_in_both_formats(
        objective in prop::sample::select(vec![Objective::SquaredError, Objective::Logistic, Objective::Softmax]),
        rows in 20usize..120,
        features in 1usize..5,
        rounds in 1usize..6,
        depth in 1usize..5,
        seed in any::<u64>(),
    ) {
        let (file, x) = model_file(objective, rows, features, rounds, depth, seed);
        let want = file.model.predict(x.view()).unwrap();
        for format in [ModelFormat::Binary, ModelFormat::Json] {
            let bytes = encode_model(&file, format, Path::new("m")).unwrap();
            let loaded = decode_model(&bytes, Path::new("m")).unwrap();
            prop_assert_eq!(loaded.format, format);
            let back = loaded.file;
            let p = back.model.predict(x.view()).unwrap();
            prop_assert!(p.iter().zip(want.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
            prop_assert_eq!(&back, &file);
        }
    }

    #[test]
    fn damaged_model_files_never_panic(seed in any::<u64>(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4), cut in any::<prop::sample::Index>()) {
        let (file, _) = model_file(Objective::Logistic, 30, 2, 2, 2, seed);
        for format in [ModelFormat::Binary, ModelFormat::Json] {
            let bytes = encode_model(&file, format, Path::new("m")).unwrap();
            let mut damaged = bytes.clone();
            for (at, b) in &flips {
                let i = at.index(damaged.len());
                damaged[i] ^= b | 1;
            }
            // Whatever still loads must also predict without panicking.
            if let Ok(m) = decode_model(&damaged, Path::new("m")) {
                let x = Array2::from_elem((3, m.file.model.num_features()), 0.5f32);
                let _ = m.file.model.predict(x.view());
            }
            let _ = decode_model(&bytes[..cut.index(bytes.len())], Path::new("m"));
            // Garbage after a valid header and checksum reaches bincode itself.
            if format == ModelFormat::Binary {
                let mut payload = bytes[28..].to_vec();
                let i = flips[0].0.index(payload.len());
                payload[i] ^= flips[0].1 | 1;
                let _ = decode_model(&binary_file(&payload), Path::new("m"));
            }
        }
    }
}

#[test]
fn save_load_through_files_in_both_formats() {
    let (file, x) = model_file(Objective::Softmax, 60, 3, 4, 3, 11);
    let want = file.model.predict(x.view()).unwrap();
    let dir = temp_dir("props");
    for name in ["a.gbdt", "a.json"] {
        let path = dir.join(name);
        save_model(&path, &file, None).unwrap();
        let back = load_model(&path).unwrap().file;
        assert_eq!(back.model.predict(x.view()).unwrap(), want);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Regression: a split that sends every present value left has an infinite
/// threshold, which serde_json alone writes as `null` (unloadable).
#[test]
fn models_with_infinite_thresholds_save_as_json() {
    let (file, x) = model_file(Objective::Softmax, 23, 1, 1, 1, 10091009290329320512);
    let json = encode_model(&file, ModelFormat::Json, Path::new("m.json")).unwrap();
    let text = String::from_utf8(json.clone()).unwrap();
    assert!(
        text.contains("\"Infinity\"") || text.contains("\"NaN\""),
        "no non-finite value left to test"
    );
    let back = decode_model(&json, Path::new("m.json")).unwrap().file;
    let (a, b) = (
        file.model.predict(x.view()).unwrap(),
        back.model.predict(x.view()).unwrap(),
    );
    assert!(a
        .iter()
        .zip(b.iter())
        .all(|(p, q)| p.to_bits() == q.to_bits()));
}

/// Where a number sits inside a JSON value.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Paths to every number and array in `v`.
fn number_and_array_paths(v: &serde_json::Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        serde_json::Value::Number(_) => out.push(at.clone()),
        serde_json::Value::Array(a) => {
            out.push(at.clone());
            for (i, x) in a.iter().enumerate() {
                at.push(Step::Index(i));
                number_and_array_paths(x, at, out);
                at.pop();
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                at.push(Step::Key(k.clone()));
                number_and_array_paths(x, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn at_path<'v>(v: &'v mut serde_json::Value, path: &[Step]) -> &'v mut serde_json::Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// Replacement values that keep the JSON loadable often, so mutated models
/// reach the checks (and, when they pass, prediction).
fn odd_json_number(pick: u8) -> serde_json::Value {
    use serde_json::json;
    match pick % 12 {
        0 => json!(0),
        1 => json!(1),
        2 => json!(2),
        3 => json!(3),
        4 => json!(-1),
        5 => json!(u32::MAX),
        6 => json!(1e300),
        7 => json!("NaN"),
        8 => json!("Infinity"),
        9 => json!("-Infinity"),
        10 => json!(0.5),
        _ => json!(7),
    }
}

/// Applies one mutation: replace a number, or drop, duplicate or empty an array.
fn mutate_json(v: &mut serde_json::Value, target: prop::sample::Index, kind: u8, pick: u8) {
    let mut paths = Vec::new();
    number_and_array_paths(v, &mut Vec::new(), &mut paths);
    let node = at_path(v, &paths[target.index(paths.len())]);
    match (node, kind % 4) {
        (serde_json::Value::Array(a), 0) => {
            a.pop();
        }
        (serde_json::Value::Array(a), 1) => {
            if let Some(x) = a.first().cloned() {
                a.push(x);
            }
        }
        (serde_json::Value::Array(a), 2) => a.clear(),
        (node, _) => *node = odd_json_number(pick),
    }
}

/// Rows no model expects: missing, infinite, huge and tiny values.
fn odd_rows(num_features: usize) -> Array2<f32> {
    let values = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        -f32::MAX,
        0.0,
        -0.0,
        f32::MIN_POSITIVE,
        1e-40,
    ];
    Array2::from_shape_fn((values.len() * 8, num_features), |(r, j)| {
        values[(r + j * (r / values.len() + 1)) % values.len()]
    })
}

/// Everything a user may call on a model they deserialised: none may panic.
fn use_every_way(m: &gbdt_core::Model) {
    let x = odd_rows(m.num_features());
    let _ = m.predict(x.view());
    let _ = m.predict_raw(x.view());
    let _ = m.predict_proba(x.view());
    let _ = m.predict_class(x.view());
    let _ = m.predict_with(
        x.view(),
        &gbdt_core::PredictOptions {
            rounds: Some(usize::MAX),
            ..Default::default()
        },
    );
    let mut out = vec![0.0; m.num_outputs()];
    for row in x.rows() {
        let _ = m.predict_row(row.as_slice().unwrap(), &mut out);
    }
    let _ = m.predict_row(&[], &mut out);
    for kind in [
        gbdt_core::ImportanceType::Split,
        gbdt_core::ImportanceType::Gain,
        gbdt_core::ImportanceType::TotalGain,
        gbdt_core::ImportanceType::Cover,
        gbdt_core::ImportanceType::TotalCover,
    ] {
        assert_eq!(m.feature_importance_named(kind).len(), m.num_features());
    }
    for t in m.trees() {
        assert!(t.depth() < t.num_nodes() && t.num_leaves() <= t.num_nodes());
    }
    let _ = (m.num_rounds(), m.rounds_for_prediction());
}

fn bincode_model(bytes: &[u8]) -> Option<gbdt_core::Model> {
    let config = bincode::config::standard().with_limit::<{ 1 << 24 }>();
    bincode::serde::decode_from_slice(bytes, config)
        .ok()
        .map(|(m, _)| m)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A library user deserialising a model with serde_json or bincode
    /// directly gets an error or a model that cannot panic.
    #[test]
    fn mutated_serialized_models_never_panic(
        multiclass in any::<bool>(),
        seed in 0u64..4,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let objective = if multiclass { Objective::Softmax } else { Objective::Logistic };
        let (file, _) = model_file(objective, 40, 3, 3, 3, seed);
        let model = file.model;
        let mut value = serde_json::to_value(&model).unwrap();
        for (target, kind, pick) in &edits {
            mutate_json(&mut value, *target, *kind, *pick);
        }
        if let Ok(m) = serde_json::from_value::<gbdt_core::Model>(value) {
            use_every_way(&m);
        }
        let bytes = bincode::serde::encode_to_vec(&model, bincode::config::standard()).unwrap();
        let mut damaged = bytes.clone();
        for (at, b, _) in &edits {
            let i = at.index(damaged.len());
            damaged[i] ^= b | 1;
        }
        if let Some(m) = bincode_model(&damaged) {
            use_every_way(&m);
        }
        if let Some(m) = bincode_model(&bytes[..cut.index(bytes.len())]) {
            use_every_way(&m);
        }
    }
}

#[test]
fn unmutated_models_pass_and_predict_odd_rows() {
    for objective in [Objective::Logistic, Objective::Softmax] {
        let (file, _) = model_file(objective, 40, 3, 3, 3, 1);
        let json: gbdt_core::Model =
            serde_json::from_value(serde_json::to_value(&file.model).unwrap()).unwrap();
        let bytes =
            bincode::serde::encode_to_vec(&file.model, bincode::config::standard()).unwrap();
        let binary = bincode_model(&bytes).unwrap();
        assert_eq!((&json, &binary), (&file.model, &file.model));
        use_every_way(&binary);
        let p = binary.predict(odd_rows(3).view()).unwrap();
        assert!(p.iter().all(|v| v.is_finite()), "{p}");
    }
}
