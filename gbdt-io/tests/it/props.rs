//! Property tests: no input makes the readers panic, CSV tables do not
//! depend on the thread count, numbers survive a CSV round trip, and saved
//! models predict exactly like the originals.

use std::path::Path;

use gbdt_core::{Dataset, Objective, Params};
use gbdt_io::{
    decode_model, encode_model, load_model, parse_csv, prediction_features, save_model, CsvOptions,
    LabelRule, ModelFile, ModelFormat, TrainingSummary, MAGIC,
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
        let x = prediction_features(&t, &names, exec()).unwrap();
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
fn binary_file(payload: &[u8]) -> Vec<u8> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in payload {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
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
        summary: TrainingSummary {
            rows,
            features,
            best_iteration: None,
            metrics: vec![],
        },
        label_rule: LabelRule::Column { column: "y".into() },
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
            let (back, got, _) = decode_model(&bytes, Path::new("m")).unwrap();
            prop_assert_eq!(got, format);
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
            if let Ok((m, _, _)) = decode_model(&damaged, Path::new("m")) {
                let x = Array2::from_elem((3, m.model.num_features()), 0.5f32);
                let _ = m.model.predict(x.view());
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
        let (back, _, _) = load_model(&path).unwrap();
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
    let (back, _, _) = decode_model(&json, Path::new("m.json")).unwrap();
    let (a, b) = (
        file.model.predict(x.view()).unwrap(),
        back.model.predict(x.view()).unwrap(),
    );
    assert!(a
        .iter()
        .zip(b.iter())
        .all(|(p, q)| p.to_bits() == q.to_bits()));
}
