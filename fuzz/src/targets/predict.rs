//! `Model::predict` and the other predictions on a loaded model with odd
//! inputs. Byte 0 is `k`: the next `4k` bytes are `f32` values (any bit
//! pattern: NaN payloads, subnormals, infinities), the rest a model file of
//! any kind gbdt reads. The rows mix those values with NaN, ±inf, huge and
//! tiny numbers, at the model's width and at wrong widths.

use std::path::Path;

use gbdt_core::{ImportanceType, Model};
use gbdt_io::decode_any_model;
use ndarray::Array2;

use crate::input::{exec, split_first};

/// Values every matrix cycles through after the fuzzed ones.
const ODD: [f32; 14] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MAX,
    f32::MIN,
    3.0e38,
    -3.0e38,
    0.0,
    -0.0,
    f32::MIN_POSITIVE,
    1.0e-45,
    1.0,
    -1.0,
    16_777_217.0,
];

/// Widest matrix built: a fuzzed model may claim millions of features.
const MAX_WIDTH: usize = 4096;

pub fn run(data: &[u8]) {
    let (k, rest) = split_first(data);
    let cut = (4 * usize::from(k)).min(rest.len());
    let (values, model) = rest.split_at(cut);
    let values: Vec<f32> = values
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    if let Ok(any) = decode_any_model(model, Path::new("fuzz.model"), None) {
        exercise(&any.file.model, &values);
    }
}

/// Every prediction of `model` on rows of `values` and [`ODD`]: at its
/// width they must succeed with one value per row and output; at a wrong
/// width they must fail.
pub fn exercise(model: &Model, values: &[f32]) {
    let pool: Vec<f32> = values.iter().copied().chain(ODD).collect();
    let n = model.num_features();
    if n > MAX_WIDTH {
        return;
    }
    for kind in [
        ImportanceType::Split,
        ImportanceType::Gain,
        ImportanceType::TotalGain,
        ImportanceType::Cover,
        ImportanceType::TotalCover,
    ] {
        assert_eq!(model.feature_importance(kind).len(), n);
    }
    let rows = pool.len().div_ceil(n.max(1)).clamp(1, 64);
    let full = Array2::from_shape_fn((rows, n), |(i, j)| pool[(i * n + j) % pool.len()]);
    let outputs = model.num_outputs();
    let raw = model
        .predict_raw(full.view())
        .expect("rows of the model's width predict");
    assert_eq!(raw.dim(), (rows, outputs));
    let pred = model
        .predict(full.view())
        .expect("rows of the model's width predict");
    assert_eq!(pred.dim(), (rows, outputs));
    let _ = model.predict_proba(full.view());
    let _ = model.predict_class(full.view());
    let mut out = vec![0.0; outputs];
    model
        .predict_row(full.row(0).as_slice().unwrap_or(&[]), &mut out)
        .ok();
    let contrib = model.predict_contributions(full.view(), exec());
    if let Ok(c) = contrib {
        assert_eq!(c.dim(), (rows, outputs * (n + 1)));
    }
    let empty = Array2::<f32>::zeros((0, n));
    assert_eq!(model.predict(empty.view()).map(|p| p.nrows()).ok(), Some(0));
    for width in [n + 1, n.wrapping_sub(1), 0] {
        if width == n || width > MAX_WIDTH {
            continue;
        }
        let wrong = Array2::from_shape_fn((2, width), |(i, j)| pool[(i + j) % pool.len()]);
        assert!(
            model.predict(wrong.view()).is_err(),
            "{width} columns for {n} features"
        );
        assert!(model.predict_contributions(wrong.view(), exec()).is_err());
    }
}
