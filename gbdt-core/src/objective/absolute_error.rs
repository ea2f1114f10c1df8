//! Absolute error (L1): |m - y|. Its hessian is not informative, so after a
//! tree is grown its leaves are refit to the median residual of their rows
//! (see `booster/refit.rs`), as XGBoost and LightGBM do.

use super::GradPair;

pub(super) fn gradient(m: f64, y: f32, w: f32, out: &mut GradPair) {
    let r = m - y as f64;
    let sign = if r > 0.0 {
        1.0
    } else if r < 0.0 {
        -1.0
    } else {
        0.0
    };
    out.g = sign * w;
    out.h = w;
}

/// The `alpha` quantile of `values` with optional weights: XGBoost's
/// definitions (interpolated when unweighted, the first value whose
/// cumulative weight reaches `alpha` of the total when weighted). `None`
/// when there is no value (or no weight).
pub(crate) fn quantile(values: &mut [(f64, f32)], alpha: f64, weighted: bool) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    if !weighted {
        let n = values.len() as f64;
        if alpha <= 1.0 / (n + 1.0) {
            return Some(values[0].0);
        }
        if alpha >= n / (n + 1.0) {
            return Some(values[values.len() - 1].0);
        }
        let x = alpha * (n + 1.0);
        let k = (x.floor() as usize).saturating_sub(1);
        let d = x - 1.0 - k as f64;
        let (v0, v1) = (values[k].0, values[(k + 1).min(values.len() - 1)].0);
        return Some(v0 + d * (v1 - v0));
    }
    let total: f64 = values.iter().map(|v| v.1 as f64).sum();
    if total <= 0.0 {
        return None;
    }
    let target = alpha * total;
    let mut acc = 0.0;
    for &(v, w) in values.iter() {
        acc += w as f64;
        if acc >= target {
            return Some(v);
        }
    }
    values.last().map(|v| v.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_interpolate_unweighted_and_step_weighted() {
        let mut v: Vec<(f64, f32)> = [4.0, 1.0, 3.0, 2.0].iter().map(|&x| (x, 1.0)).collect();
        assert_eq!(quantile(&mut v, 0.5, false), Some(2.5));
        assert_eq!(quantile(&mut v, 0.01, false), Some(1.0));
        assert_eq!(quantile(&mut v, 0.99, false), Some(4.0));
        let mut w = vec![(1.0, 1.0), (2.0, 5.0), (3.0, 1.0)];
        assert_eq!(quantile(&mut w, 0.5, true), Some(2.0));
        assert_eq!(quantile(&mut [], 0.5, false), None);
        let mut g = GradPair::default();
        gradient(1.0, 3.0, 2.0, &mut g);
        assert_eq!((g.g, g.h), (-2.0, 2.0));
    }
}
