//! Area under the ROC curve, with tied scores counted as half.

/// Weighted ROC AUC of binary labels (> 0.5 is positive). Returns NaN when
/// one class is absent, and when any score is NaN: a NaN score has no rank,
/// so the AUC is undefined, and NaN is what the other metrics give for such
/// predictions too (early stopping skips NaN values).
pub(super) fn auc(labels: &[f32], weights: Option<&[f32]>, scores: &[f64]) -> f64 {
    if scores.iter().any(|s| s.is_nan()) {
        return f64::NAN;
    }
    let mut order: Vec<u32> = (0..scores.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| scores[a as usize].total_cmp(&scores[b as usize]));
    let w = |i: usize| weights.map_or(1.0, |w| w[i] as f64);
    // Walk from low to high score; each group of tied scores adds
    // positives * (negatives below) + positives * negatives_in_group / 2.
    let (mut neg_below, mut area, mut pos_total) = (0.0f64, 0.0f64, 0.0f64);
    let mut start = 0;
    while start < order.len() {
        let s = scores[order[start] as usize];
        // The group holds at least its first row, so the walk always advances.
        let mut end = start;
        let (mut pos, mut neg) = (0.0, 0.0);
        while end < order.len() && (end == start || scores[order[end] as usize] == s) {
            let i = order[end] as usize;
            if labels[i] > 0.5 {
                pos += w(i);
            } else {
                neg += w(i);
            }
            end += 1;
        }
        area += pos * (neg_below + neg / 2.0);
        neg_below += neg;
        pos_total += pos;
        start = end;
    }
    if pos_total == 0.0 || neg_below == 0.0 {
        return f64::NAN;
    }
    area / (pos_total * neg_below)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_inverse_and_tied() {
        assert_eq!(auc(&[0.0, 1.0], None, &[0.1, 0.9]), 1.0);
        assert_eq!(auc(&[0.0, 1.0], None, &[0.9, 0.1]), 0.0);
        assert_eq!(auc(&[0.0, 1.0], None, &[0.5, 0.5]), 0.5);
        assert!(auc(&[1.0, 1.0], None, &[0.5, 0.2]).is_nan());
    }

    /// Regression (issue 16): a NaN score formed a tie group that never
    /// advanced, since NaN != NaN, and training with AUC hung.
    #[test]
    fn nan_scores_end_with_nan() {
        let y = [0.0, 1.0, 0.0, 1.0];
        assert!(auc(&y, None, &[0.1, f64::NAN, 0.3, 0.9]).is_nan());
        assert!(auc(&y, None, &[f64::NAN; 4]).is_nan());
        assert!(auc(&y, Some(&[1.0; 4]), &[-f64::NAN, 0.2, 0.3, 0.4]).is_nan());
        // Infinite scores are ordinary ranks, and -0.0 ties with 0.0.
        let s = [f64::NEG_INFINITY, f64::INFINITY, -0.0, 0.0];
        assert_eq!(auc(&y, None, &s), 0.875);
    }

    #[test]
    fn matches_pair_counting() {
        let y = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let s = [0.8, 0.3, 0.3, 0.5, 0.9, 0.1];
        // pairs (pos, neg): count pos > neg, ties half.
        let mut good = 0.0;
        let mut n = 0.0;
        for i in 0..6 {
            for j in 0..6 {
                if y[i] == 1.0 && y[j] == 0.0 {
                    n += 1.0;
                    good += if s[i] > s[j] {
                        1.0
                    } else if s[i] == s[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        assert!((auc(&y, None, &s) - good / n).abs() < 1e-12);
    }
}
