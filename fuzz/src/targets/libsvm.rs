//! The LibSVM reader (`gbdt_io::parse_libsvm`). Byte 0 picks the options:
//! bits 0-1 the index base (detected, 0, 1, or the invalid 2), bits 2-4 a
//! fixed feature count (none, or 1 to 7). The rest is the file.

use std::path::Path;

use gbdt_io::{detect_libsvm, parse_libsvm, LibsvmOptions};

use crate::input::{exec, split_first};

pub fn run(data: &[u8]) {
    let (opt, bytes) = split_first(data);
    let base = match opt & 3 {
        0 => None,
        b => Some(u32::from(b) - 1),
    };
    let num_features = match (opt >> 2) & 7 {
        0 => None,
        n => Some(usize::from(n)),
    };
    let opts = LibsvmOptions { base, num_features };
    let _ = detect_libsvm(bytes);
    let Ok(read) = parse_libsvm(bytes, Path::new("fuzz.svm"), &opts, exec()) else {
        return;
    };
    let rows = read.labels.len();
    assert_eq!(read.features.nrows(), rows);
    assert_eq!(read.feature_names.len(), read.features.ncols());
    if let Some(n) = num_features {
        assert_eq!(read.features.ncols(), n, "the fixed feature count is kept");
    }
    assert!(read.qids.as_ref().is_none_or(|q| q.len() == rows));
    assert!(read.weights.as_ref().is_none_or(|w| w.len() == rows));
    let data = read.into_training_data();
    assert_eq!(data.labels.len(), rows);
}
