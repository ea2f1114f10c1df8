//! Quantile (pinball) regression, `reg:quantileerror`: one model output per
//! level `alpha` of `quantile_alpha`. The pinball loss is
//! `alpha (y - m)` when `y >= m`, else `(1 - alpha) (m - y)`; like absolute
//! error its hessian says nothing about the leaf value, so each leaf is
//! refit to the `alpha` quantile of its rows' residuals (`booster/refit.rs`),
//! as XGBoost and LightGBM do.
//!
//! Non-crossing: the levels are strictly ascending, and the output transform
//! sorts each row's predictions ascending, so a row's predicted quantiles
//! never cross (raw margins are left as the trees give them). Sorting
//! never increases the pinball loss summed over the levels.

use super::{absolute_error, GradPair};
use crate::error::{Error, Result};

/// XGBoost's gradient: `w (1 - alpha)` when the margin is at or above the
/// label, `-w alpha` below; the hessian is the weight.
pub(super) fn gradient(m: f64, y: f32, w: f32, alpha: f64, out: &mut GradPair) {
    // 1 - alpha above the label, -alpha below; without a branch (the side
    // is a coin toss per row).
    let g = f64::from(u8::from(m >= y as f64)) - alpha;
    out.g = (g * w as f64) as f32;
    out.h = w;
}

/// Base margins: the weighted `alpha` quantile of the labels, per level.
pub(super) fn base_margins(labels: &[f32], weights: Option<&[f32]>, alphas: &[f64]) -> Vec<f64> {
    let values: Vec<(f64, f32)> = labels
        .iter()
        .enumerate()
        .map(|(i, &y)| (y as f64, weights.map_or(1.0, |w| w[i])))
        .collect();
    alphas
        .iter()
        .map(|&a| {
            absolute_error::quantile(&mut values.clone(), a, weights.is_some()).unwrap_or(0.0)
        })
        .collect()
}

/// Sorts one row's predictions ascending: the levels ascend, so must they.
pub(super) fn uncross(row: &mut [f64]) {
    row.sort_unstable_by(f64::total_cmp);
}

/// Levels are at least one, each strictly inside (0, 1), strictly ascending.
pub(crate) fn check_alphas(alphas: &[f64]) -> Result<()> {
    let text = || {
        let items: Vec<String> = alphas.iter().map(f64::to_string).collect();
        items.join(",")
    };
    let fail = |allowed: &str| Error::InvalidParam {
        name: "quantile_alpha",
        value: text(),
        allowed: allowed.to_string(),
    };
    if alphas.is_empty() {
        return Err(fail("at least one level in (0, 1), e.g. 0.1,0.5,0.9"));
    }
    if alphas.iter().any(|&a| !(a > 0.0 && a < 1.0)) {
        return Err(fail("levels strictly inside (0, 1), e.g. 0.1,0.5,0.9"));
    }
    if alphas.windows(2).any(|w| w[0] >= w[1]) {
        return Err(fail(
            "strictly ascending levels, e.g. 0.1,0.5,0.9 (one output each)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_is_the_pinball_slope_and_the_hessian_the_weight() {
        let mut g = GradPair::default();
        gradient(0.0, 1.0, 2.0, 0.9, &mut g);
        assert!((g.g + 1.8).abs() < 1e-6 && g.h == 2.0, "{g:?}");
        gradient(2.0, 1.0, 2.0, 0.9, &mut g);
        assert!((g.g - 0.2).abs() < 1e-6, "{g:?}");
        gradient(1.0, 1.0, 1.0, 0.25, &mut g);
        assert_eq!(g.g, 0.75, "at the label: XGBoost's side (m >= y)");
    }

    #[test]
    fn base_margins_are_label_quantiles() {
        let y: Vec<f32> = (1..=9).map(|i| i as f32).collect();
        assert_eq!(base_margins(&y, None, &[0.1, 0.5, 0.9]), [1.0, 5.0, 9.0]);
        let w = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0];
        assert_eq!(base_margins(&y, Some(&w), &[0.5]), [8.0]);
    }

    #[test]
    fn levels_are_checked() {
        assert!(check_alphas(&[0.1, 0.5, 0.9]).is_ok());
        for (bad, says) in [
            (vec![], "at least one"),
            (vec![0.0, 0.5], "strictly inside (0, 1)"),
            (vec![0.5, 1.0], "strictly inside (0, 1)"),
            (vec![f64::NAN], "strictly inside (0, 1)"),
            (vec![0.5, 0.1], "strictly ascending"),
            (vec![0.5, 0.5], "strictly ascending"),
        ] {
            let msg = check_alphas(&bad).unwrap_err().to_string();
            assert!(
                msg.contains("quantile_alpha") && msg.contains(says),
                "{msg}"
            );
        }
        let mut row = [0.3, -1.0, 0.2];
        uncross(&mut row);
        assert_eq!(row, [-1.0, 0.2, 0.3]);
    }
}
