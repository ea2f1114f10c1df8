//! Gamma regression metrics (labels > 0, predictions are means), as XGBoost
//! defines them with the dispersion fixed at 1.

/// `gamma-nloglik`: the gamma negative log-likelihood with shape 1,
/// `y / mu + ln(mu)` (XGBoost's formula; its constant term is 0 then).
pub(super) fn nloglik(y: f64, mu: f64) -> f64 {
    let mu = mu.max(1e-16);
    y / mu + mu.ln()
}

/// `gamma-deviance`: the unit deviance `2 (y / mu - ln(y / mu) - 1)`, with
/// XGBoost's 1e-9 added to the mean. Its weighted mean over rows is
/// reported (0 for a perfect fit).
pub(super) fn deviance(y: f64, mu: f64) -> f64 {
    let ratio = y / (mu + 1e-9);
    2.0 * (ratio - ratio.ln() - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert!((nloglik(2.0, 1.0) - 2.0).abs() < 1e-12);
        assert!((nloglik(2.0, 2.0) - (1.0 + 2f64.ln())).abs() < 1e-12);
        assert!(deviance(3.0, 3.0).abs() < 1e-8);
        // y/mu = 2: 2 (2 - ln 2 - 1).
        assert!((deviance(4.0, 2.0) - 2.0 * (1.0 - 2f64.ln())).abs() < 1e-8);
        assert!(nloglik(2.0, 2.0) < nloglik(2.0, 1.5) && nloglik(2.0, 2.0) < nloglik(2.0, 2.5));
    }
}
