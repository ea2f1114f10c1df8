//! Absolute error (L1): |m - y|. Its hessian is not informative, so after a
//! tree is grown its leaves are refit to the median residual of their rows
//! (see `booster/refit.rs`), as XGBoost and LightGBM do.

use super::GradPair;

/// The sign of the residual times the weight. Without branches: the sign
/// is a coin toss per row, and mispredicted branches made this pass cost
/// several times squared error's.
pub(super) fn gradient(m: f64, y: f32, w: f32, out: &mut GradPair) {
    let r = m - y as f64;
    let sign = (r > 0.0) as i8 - (r < 0.0) as i8;
    out.g = f32::from(sign) * w;
    out.h = w;
}

/// A value to take a quantile of, alone (weight 1) or with its weight.
pub(crate) trait Sample: Copy {
    fn value(&self) -> f64;
    fn weight(&self) -> f32;
}

impl Sample for f64 {
    fn value(&self) -> f64 {
        *self
    }
    fn weight(&self) -> f32 {
        1.0
    }
}

impl Sample for (f64, f32) {
    fn value(&self) -> f64 {
        self.0
    }
    fn weight(&self) -> f32 {
        self.1
    }
}

/// The `alpha` quantile of `values` with optional weights: XGBoost's
/// definitions (interpolated when unweighted, the first value whose
/// cumulative weight reaches `alpha` of the total when weighted). `None`
/// when there is no value (or no weight).
pub(crate) fn quantile<S: Sample>(values: &mut [S], alpha: f64, weighted: bool) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    if weighted {
        return weighted_quantile(values, alpha);
    }
    let cmp = |a: &S, b: &S| a.value().total_cmp(&b.value());
    let n = values.len() as f64;
    if alpha <= 1.0 / (n + 1.0) {
        return values.iter().min_by(|a, b| cmp(a, b)).map(S::value);
    }
    if alpha >= n / (n + 1.0) {
        return values.iter().max_by(|a, b| cmp(a, b)).map(S::value);
    }
    // Two order statistics by selection, not a sort: O(n) per leaf.
    let x = alpha * (n + 1.0);
    let k = (x.floor() as usize).saturating_sub(1);
    let d = x - 1.0 - k as f64;
    let (_, v0, above) = values.select_nth_unstable_by(k, cmp);
    let v0 = v0.value();
    let v1 = above.iter().min_by(|a, b| cmp(a, b)).map_or(v0, S::value);
    Some(v0 + d * (v1 - v0))
}

/// The first value (ascending) whose cumulative weight reaches `alpha` of
/// the total; `None` without weight. The sort is stable: equal values keep
/// their order, and so does the sum of their weights.
fn weighted_quantile<S: Sample>(values: &mut [S], alpha: f64) -> Option<f64> {
    values.sort_by(|a, b| a.value().total_cmp(&b.value()));
    let total: f64 = values.iter().map(|v| v.weight() as f64).sum();
    if total <= 0.0 {
        return None;
    }
    let target = alpha * total;
    let mut acc = 0.0;
    for v in values.iter() {
        acc += v.weight() as f64;
        if acc >= target {
            return Some(v.value());
        }
    }
    values.last().map(S::value)
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
        assert_eq!(quantile::<f64>(&mut [], 0.5, false), None);
        // Selection gives what sorting gives, for any order of the input.
        for n in 1..40usize {
            let sorted: Vec<f64> = (0..n)
                .map(|i| (i * 7 % 11) as f64 + i as f64 * 0.01)
                .collect();
            let mut ordered: Vec<(f64, f32)> = sorted.iter().map(|&x| (x, 1.0)).collect();
            ordered.sort_by(|a, b| a.0.total_cmp(&b.0));
            for alpha in [0.01, 0.1, 0.25, 0.5, 0.77, 0.9, 0.99] {
                let x = alpha * (n as f64 + 1.0);
                let expect = if alpha <= 1.0 / (n as f64 + 1.0) {
                    ordered[0].0
                } else if alpha >= n as f64 / (n as f64 + 1.0) {
                    ordered[n - 1].0
                } else {
                    let k = (x.floor() as usize).saturating_sub(1);
                    let d = x - 1.0 - k as f64;
                    ordered[k].0 + d * (ordered[(k + 1).min(n - 1)].0 - ordered[k].0)
                };
                let mut shuffled: Vec<(f64, f32)> =
                    sorted.iter().rev().map(|&x| (x, 1.0)).collect();
                assert_eq!(
                    quantile(&mut shuffled, alpha, false),
                    Some(expect),
                    "n {n} alpha {alpha}"
                );
            }
        }
        let mut g = GradPair::default();
        gradient(1.0, 3.0, 2.0, &mut g);
        assert_eq!((g.g, g.h), (-2.0, 2.0));
    }
}
