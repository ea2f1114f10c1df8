//! Multiclass softmax: one margin per class, outputs are probabilities.

use serde::{Deserialize, Serialize};

use super::GradPair;
use crate::collective::Collective;
use crate::error::{Error, Result};
use crate::exact_sum::{self, ExactSum};

/// The hessian multi:softprob trains with, `factor · p(1 − p)` per class:
/// XGBoost's factor is 2, LightGBM's `k / (k − 1)` (7/6 for 7 classes).
/// LightGBM's smaller hessian makes larger leaf steps, so the loss falls
/// further at equal rounds; the loss and its minimum are the same.
///
/// ```
/// use gbdt_core::MulticlassHessian;
/// assert_eq!(MulticlassHessian::XGBoost.factor(7), 2.0);
/// assert_eq!(MulticlassHessian::LightGbm.factor(7), 7.0 / 6.0);
/// assert_eq!("lightgbm".parse::<MulticlassHessian>()?, MulticlassHessian::LightGbm);
/// # Ok::<(), gbdt_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum MulticlassHessian {
    /// `2 p (1 − p)`, as XGBoost.
    #[serde(rename = "xgboost")]
    XGBoost,
    /// `k / (k − 1) · p (1 − p)`, as LightGBM.
    #[default]
    #[serde(rename = "lightgbm")]
    LightGbm,
}

impl MulticlassHessian {
    /// The factor of `p (1 − p)` for `k` classes.
    pub fn factor(self, k: usize) -> f64 {
        match self {
            MulticlassHessian::XGBoost => 2.0,
            MulticlassHessian::LightGbm => k as f64 / (k.max(2) - 1) as f64,
        }
    }
}

impl std::str::FromStr for MulticlassHessian {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "xgboost" => Ok(MulticlassHessian::XGBoost),
            "lightgbm" => Ok(MulticlassHessian::LightGbm),
            _ => Err(Error::UnknownName {
                kind: "multiclass hessian",
                name: s.to_string(),
                known: "lightgbm, xgboost".to_string(),
            }),
        }
    }
}

impl std::fmt::Display for MulticlassHessian {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MulticlassHessian::XGBoost => "xgboost",
            MulticlassHessian::LightGbm => "lightgbm",
        })
    }
}

pub(crate) fn softmax(row: &mut [f64]) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

/// One row's gradients; `factor` is [`MulticlassHessian::factor`].
pub(super) fn gradient(margins: &[f64], y: f32, w: f32, factor: f64, out: &mut [GradPair]) {
    let mut p = [0.0f64; 64];
    let k = margins.len();
    let p: &mut [f64] = if k <= 64 {
        &mut p[..k]
    } else {
        return gradient_wide(margins, y, w, factor, out);
    };
    p.copy_from_slice(margins);
    softmax(p);
    write(p, y, w, factor, out);
}

fn gradient_wide(margins: &[f64], y: f32, w: f32, factor: f64, out: &mut [GradPair]) {
    let mut p = margins.to_vec();
    softmax(&mut p);
    write(&p, y, w, factor, out);
}

fn write(p: &[f64], y: f32, w: f32, factor: f64, out: &mut [GradPair]) {
    let w = w as f64;
    for (c, (&pc, o)) in p.iter().zip(out.iter_mut()).enumerate() {
        let target = if c == y as usize { 1.0 } else { 0.0 };
        o.g = ((pc - target) * w) as f32;
        o.h = ((factor * pc * (1.0 - pc)).max(1e-16) * w) as f32;
    }
}

/// Log of the (weighted) class priors, floored so no class starts at -inf.
pub(super) fn base_margins(
    labels: &[f32],
    weights: Option<&[f32]>,
    k: usize,
    ranks: &dyn Collective,
) -> Vec<f64> {
    // Class weights, then the total, summed exactly over every rank's rows.
    let mut sums = vec![ExactSum::default(); k + 1];
    for (i, &y) in labels.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i] as f64);
        sums[y as usize].add(w);
        sums[k].add(w);
    }
    exact_sum::all_reduce(&mut sums, ranks);
    let total = sums[k].value();
    sums[..k]
        .iter()
        .map(|c| (c.value() / total).max(1e-6).ln())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_gradients_sum_to_zero() {
        let mut p = [1.0, 2.0, 3.0];
        softmax(&mut p);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[2] > p[1] && p[1] > p[0]);
        let mut g = [GradPair::default(); 3];
        gradient(&[1.0, 2.0, 3.0], 1.0, 1.0, 2.0, &mut g);
        let s: f32 = g.iter().map(|g| g.g).sum();
        assert!(s.abs() < 1e-6);
        assert!(g[1].g < 0.0 && g[0].g > 0.0);
    }

    #[test]
    fn hessian_factor_scales_p_one_minus_p() {
        let margins = [0.5, -1.0, 2.0, 0.0, 1.0, -0.5, 0.25];
        let mut p = margins;
        softmax(&mut p);
        for hessian in [MulticlassHessian::XGBoost, MulticlassHessian::LightGbm] {
            let factor = hessian.factor(margins.len());
            let mut g = [GradPair::default(); 7];
            gradient(&margins, 3.0, 2.0, factor, &mut g);
            for (c, (&pc, g)) in p.iter().zip(&g).enumerate() {
                let target = if c == 3 { 1.0 } else { 0.0 };
                assert_eq!(g.g, (2.0 * (pc - target)) as f32);
                assert_eq!(g.h, (2.0 * factor * pc * (1.0 - pc)) as f32);
            }
        }
        assert_eq!(MulticlassHessian::LightGbm.factor(2), 2.0);
        assert_eq!(MulticlassHessian::LightGbm.factor(3), 1.5);
        assert!("catboost".parse::<MulticlassHessian>().is_err());
    }

    #[test]
    fn priors() {
        let m = base_margins(&[0.0, 1.0, 1.0, 2.0], None, 3, &crate::Single);
        assert!((m[1] - 0.5f64.ln()).abs() < 1e-12);
    }
}
