//! Poisson regression: the margin is log(mean).

use super::GradPair;

/// The hessian is inflated by `exp(max_delta_step)`, as XGBoost does, which
/// keeps early steps small where counts are large.
pub(super) fn gradient(m: f64, y: f32, w: f32, max_delta_step: f64, out: &mut GradPair) {
    let mu = m.exp();
    out.g = ((mu - y as f64) * w as f64) as f32;
    out.h = ((m + max_delta_step).exp() * w as f64) as f32;
}
