//! Binary logistic loss on margins; outputs are probabilities.

use super::GradPair;

pub(crate) fn sigmoid(m: f64) -> f64 {
    1.0 / (1.0 + (-m).exp())
}

pub(super) fn gradient(m: f64, y: f32, w: f32, out: &mut GradPair) {
    let p = sigmoid(m);
    out.g = ((p - y as f64) * w as f64) as f32;
    out.h = ((p * (1.0 - p)).max(1e-16) * w as f64) as f32;
}
