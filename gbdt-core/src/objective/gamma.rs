//! Gamma regression with a log link: the margin is log(mean). The loss of
//! mean `exp(m)` for label `y > 0` is the gamma negative log-likelihood up to
//! terms without `m`: `y exp(-m) + m`.

use super::GradPair;

/// XGBoost's gradient `1 - y exp(-m)` and hessian `y exp(-m)`, times the weight.
pub(super) fn gradient(m: f64, y: f32, w: f32, out: &mut GradPair) {
    let ratio = y as f64 * (-m).exp();
    out.g = ((1.0 - ratio) * w as f64) as f32;
    out.h = (ratio * w as f64) as f32;
}

#[cfg(test)]
pub(super) fn loss(m: f64, y: f64) -> f64 {
    y * (-m).exp() + m
}
