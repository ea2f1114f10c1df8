//! Some rows of training data, with its metadata: folds, holdouts and a
//! rank's part in distributed training.

use ndarray::Axis;

use super::TrainingData;

impl TrainingData {
    /// The given rows (indices ascending, whole query groups), with the
    /// data's metadata.
    pub(crate) fn take(&self, rows: &[usize]) -> TrainingData {
        let pick = |v: &[f32]| rows.iter().map(|&r| v[r]).collect::<Vec<f32>>();
        TrainingData {
            features: self.features.select(Axis(0), rows),
            feature_names: self.feature_names.clone(),
            labels: pick(&self.labels),
            weights: self.weights.as_deref().map(pick),
            label_rule: self.label_rule.clone(),
            dropped_columns: self.dropped_columns.clone(),
            dropped_rows: self.dropped_rows,
            categories: self.categories.clone(),
            groups: (self.groups.as_deref()).map(|sizes| sizes_within(sizes, rows)),
        }
    }
}

/// The sizes of the groups whose rows `rows` (ascending, whole groups) holds.
pub(crate) fn sizes_within(sizes: &[usize], rows: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0usize, 0usize);
    for &s in sizes {
        if rows.get(i) == Some(&start) {
            out.push(s);
            i += s;
        }
        start += s;
    }
    out
}
