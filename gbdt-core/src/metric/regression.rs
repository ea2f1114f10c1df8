//! Weighted means of per-row losses.

/// Weighted mean of `loss(label, prediction)` over rows (one output per row).
pub(super) fn mean(
    labels: &[f32],
    w: &impl Fn(usize) -> f64,
    predictions: &[f64],
    loss: impl Fn(f64, f64) -> f64,
) -> f64 {
    let (mut sum, mut total) = (0.0, 0.0);
    for (i, (&y, &p)) in labels.iter().zip(predictions).enumerate() {
        let wi = w(i);
        sum += wi * loss(y as f64, p);
        total += wi;
    }
    if total > 0.0 {
        sum / total
    } else {
        f64::NAN
    }
}

/// Poisson negative log-likelihood of count `y` under mean `mu`.
pub(super) fn poisson_nll(y: f64, mu: f64) -> f64 {
    let mu = mu.max(1e-16);
    mu - y * mu.ln() + ln_gamma(y + 1.0)
}

/// LightGBM's `mape`: `|y - p| / max(1, |y|)`, so labels near 0 do not
/// blow it up.
pub(super) fn mape(y: f64, p: f64) -> f64 {
    (y - p).abs() / y.abs().max(1.0)
}

/// ln Γ(x) by the Lanczos approximation (x > 0).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let series: f64 = G[0] + (1..9).map(|i| G[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_of_factorials() {
        assert!(ln_gamma(1.0).abs() < 1e-12);
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-10);
    }

    #[test]
    fn mape_floors_the_label_at_one() {
        assert_eq!(mape(4.0, 3.0), 0.25);
        assert_eq!(mape(-4.0, -2.0), 0.5);
        assert_eq!(mape(0.0, 0.3), 0.3);
        assert_eq!(mape(0.5, 0.0), 0.5);
    }
}
