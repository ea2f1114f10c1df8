//! Tweedie regression (compound Poisson-gamma) with a log link: the margin
//! is log(mean). With variance power `rho` in (1, 2), the loss of mean
//! `exp(m)` for label `y` is XGBoost's
//! `-y exp((1 - rho) m) / (1 - rho) + exp((2 - rho) m) / (2 - rho)`.

use super::GradPair;

/// XGBoost's gradient and hessian of the loss above, times the weight.
pub(super) fn gradient(m: f64, y: f32, w: f32, rho: f64, out: &mut GradPair) {
    let y = y as f64;
    let low = ((1.0 - rho) * m).exp();
    let high = ((2.0 - rho) * m).exp();
    out.g = ((-y * low + high) * w as f64) as f32;
    out.h = ((-y * (1.0 - rho) * low + (2.0 - rho) * high) * w as f64) as f32;
}

#[cfg(test)]
pub(super) fn loss(m: f64, y: f64, rho: f64) -> f64 {
    -y * ((1.0 - rho) * m).exp() / (1.0 - rho) + ((2.0 - rho) * m).exp() / (2.0 - rho)
}
