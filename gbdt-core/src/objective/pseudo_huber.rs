//! Pseudo-Huber loss: delta^2 * (sqrt(1 + (r/delta)^2) - 1), r = m - y.

use super::GradPair;

pub(super) fn gradient(m: f64, y: f32, w: f32, delta: f64, out: &mut GradPair) {
    let r = m - y as f64;
    let scale = 1.0 + (r / delta).powi(2);
    let root = scale.sqrt();
    out.g = (r / root * w as f64) as f32;
    out.h = (w as f64 / (scale * root)) as f32;
}

/// The median: the robust starting point for a robust loss.
pub(super) fn base_output(labels: &[f32]) -> f64 {
    let mut v: Vec<f32> = labels.to_vec();
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f32::total_cmp);
    *m as f64
}
