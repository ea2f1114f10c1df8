//! Squared error: loss (m - y)^2 / 2.

use super::GradPair;

pub(super) fn gradient(m: f64, y: f32, w: f32, out: &mut GradPair) {
    out.g = ((m - y as f64) * w as f64) as f32;
    out.h = w;
}
