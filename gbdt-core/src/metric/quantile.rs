//! Mean pinball (quantile) loss of `reg:quantileerror` models, as XGBoost's
//! `quantile` metric: for level `alpha`, label `y` and prediction `p`,
//! `alpha (y - p)` when `y >= p`, else `(1 - alpha) (p - y)`; averaged over
//! the levels (one model output each) and, weighted, over the rows.

use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The quantile levels a [`Metric::Quantile`](super::Metric::Quantile)
/// scores, one per model output. Compared and hashed by bits, so it can sit
/// in [`Metric`](super::Metric), which is `Copy` and `Eq`: each distinct
/// list is stored once for the life of the process (a handful at most).
///
/// ```
/// use gbdt_core::{Metric, QuantileAlphas};
/// let m = Metric::Quantile(QuantileAlphas::new(&[0.1, 0.9]));
/// assert_eq!(m.name(), "quantile");
/// // Level 0.1: y above p costs 0.1 per unit; level 0.9: 0.9 per unit.
/// let loss = m.compute(&[1.0], None, &[0.0, 0.0], 2);
/// assert!((loss - (0.1 + 0.9) / 2.0).abs() < 1e-12);
/// ```
#[derive(Clone, Copy)]
pub struct QuantileAlphas(&'static [f64]);

impl QuantileAlphas {
    /// The median alone: what the bare name `quantile` parses to before
    /// [`Params::resolved_metrics`](crate::Params::resolved_metrics) gives it
    /// the model's `quantile_alpha`.
    pub const MEDIAN: QuantileAlphas = QuantileAlphas(&[0.5]);

    /// The levels `alphas` (not checked here: `Params::check` does).
    pub fn new(alphas: &[f64]) -> QuantileAlphas {
        static KEPT: Mutex<Vec<&'static [f64]>> = Mutex::new(Vec::new());
        let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = kept.iter().find(|k| same_bits(k, alphas)) {
            return QuantileAlphas(found);
        }
        let leaked: &'static [f64] = Box::leak(alphas.to_vec().into_boxed_slice());
        kept.push(leaked);
        QuantileAlphas(leaked)
    }

    /// The levels.
    pub fn get(self) -> &'static [f64] {
        self.0
    }
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

impl std::fmt::Debug for QuantileAlphas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0).finish()
    }
}

impl PartialEq for QuantileAlphas {
    fn eq(&self, other: &Self) -> bool {
        same_bits(self.0, other.0)
    }
}

impl Eq for QuantileAlphas {}

impl std::hash::Hash for QuantileAlphas {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for a in self.0 {
            a.to_bits().hash(state);
        }
    }
}

impl Serialize for QuantileAlphas {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for QuantileAlphas {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<f64>::deserialize(d).map(|v| QuantileAlphas::new(&v))
    }
}

/// The pinball loss of one prediction at level `alpha`.
pub(super) fn pinball(y: f64, p: f64, alpha: f64) -> f64 {
    let d = y - p;
    if d >= 0.0 {
        alpha * d
    } else {
        (alpha - 1.0) * d
    }
}

/// Weighted mean over rows of the mean pinball loss over the `k` outputs
/// (level `alphas[j]` for output `j`); NaN when the levels are not one per
/// output, or there is no weight.
pub(super) fn mean_pinball(
    labels: &[f32],
    w: &impl Fn(usize) -> f64,
    predictions: &[f64],
    k: usize,
    alphas: QuantileAlphas,
) -> f64 {
    let alphas = alphas.get();
    if alphas.len() != k || k == 0 {
        return f64::NAN;
    }
    let (mut sum, mut total) = (0.0f64, 0.0f64);
    for (i, (row, &y)) in predictions.chunks_exact(k).zip(labels).enumerate() {
        let loss: f64 = row
            .iter()
            .zip(alphas)
            .map(|(&p, &a)| pinball(y as f64, p, a))
            .sum();
        sum += w(i) * loss / k as f64;
        total += w(i);
    }
    if total > 0.0 {
        sum / total
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinball_weights_each_side_by_its_level() {
        assert_eq!(pinball(3.0, 1.0, 0.9), 0.9 * 2.0);
        assert!((pinball(1.0, 3.0, 0.9) - 0.1 * 2.0).abs() < 1e-12);
        let one = |_: usize| 1.0;
        let preds = [0.0, 2.0, 1.0, 1.0];
        let alphas = QuantileAlphas::new(&[0.25, 0.75]);
        // Row 0 (y = 1): 0.25 * 1, 0.25 * 1; row 1 (y = 1): 0, 0.
        let v = mean_pinball(&[1.0, 1.0], &one, &preds, 2, alphas);
        assert!((v - 0.25 / 2.0).abs() < 1e-12, "{v}");
        assert!(mean_pinball(&[1.0], &one, &[0.0], 1, alphas).is_nan());
    }

    #[test]
    fn levels_are_kept_once_and_compared_by_value() {
        let a = QuantileAlphas::new(&[0.1, 0.5, 0.9]);
        assert!(std::ptr::eq(
            a.get(),
            QuantileAlphas::new(&[0.1, 0.5, 0.9]).get()
        ));
        assert_eq!(QuantileAlphas::new(&[0.5]), QuantileAlphas::MEDIAN);
        assert_ne!(a, QuantileAlphas::MEDIAN);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "[0.1,0.5,0.9]");
        assert_eq!(serde_json::from_str::<QuantileAlphas>(&json).unwrap(), a);
    }
}
