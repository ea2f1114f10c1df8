//! Cut points for one feature: between distinct values when there are few,
//! at weighted quantiles otherwise.

/// Cut points of one feature, strictly increasing. A value `v` falls in bin
/// `b` = number of cuts `< v`, so `v <= cuts[b]` exactly when its bin is `<= b`.
/// Value bins are `0..=cuts.len()`; the missing-value bin is `cuts.len() + 1`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureCuts {
    pub cuts: Vec<f32>,
}

impl FeatureCuts {
    /// Cuts for `max_value_bins` value bins (>= 1) from `(value, weight)`
    /// pairs of non-missing sample values.
    pub fn from_sample(mut sample: Vec<(f32, f32)>, max_value_bins: usize) -> FeatureCuts {
        sample.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let distinct = distinct_weights(&sample);
        let cuts = if distinct.len() <= max_value_bins {
            midpoints(&distinct)
        } else {
            quantile_cuts(&distinct, max_value_bins)
        };
        FeatureCuts { cuts }
    }

    /// Number of value bins (missing bin excluded).
    pub fn num_value_bins(&self) -> usize {
        self.cuts.len() + 1
    }

    /// The bin of `v`; NaN goes to the missing bin.
    #[inline]
    pub fn bin_of(&self, v: f32) -> usize {
        if v.is_nan() {
            self.cuts.len() + 1
        } else {
            self.cuts.partition_point(|&c| c < v)
        }
    }

    /// The raw threshold that sends exactly the bins `<= b` left.
    pub fn threshold(&self, b: usize) -> f32 {
        self.cuts.get(b).copied().unwrap_or(f32::INFINITY)
    }
}

/// Sorted distinct values with their total weights.
fn distinct_weights(sorted: &[(f32, f32)]) -> Vec<(f32, f64)> {
    let mut out: Vec<(f32, f64)> = Vec::new();
    for &(v, w) in sorted {
        match out.last_mut() {
            Some(last) if last.0 == v => last.1 += w as f64,
            _ => out.push((v, w as f64)),
        }
    }
    out
}

/// A cut between `a < b` that both sides of are unambiguous in f32.
fn between(a: f32, b: f32) -> f32 {
    let mid = ((a as f64 + b as f64) / 2.0) as f32;
    if mid >= a && mid < b && mid.is_finite() {
        mid
    } else {
        a
    }
}

fn midpoints(distinct: &[(f32, f64)]) -> Vec<f32> {
    distinct
        .windows(2)
        .map(|w| between(w[0].0, w[1].0))
        .collect()
}

/// Greedy weighted quantiles over distinct values: a cut after the value
/// where the running weight crosses the next target, never inside a value.
fn quantile_cuts(distinct: &[(f32, f64)], bins: usize) -> Vec<f32> {
    let total: f64 = distinct.iter().map(|d| d.1).sum();
    let mut cuts = Vec::with_capacity(bins - 1);
    let mut acc = 0.0;
    for (i, w) in distinct.windows(2).enumerate() {
        acc += w[0].1;
        let target = total * (cuts.len() + 1) as f64 / bins as f64;
        // Keep enough distinct values for the bins still to place.
        let values_left = distinct.len() - 1 - i;
        let cuts_left = bins - 1 - cuts.len();
        if acc >= target || values_left <= cuts_left {
            cuts.push(between(w[0].0, w[1].0));
            if cuts.len() == bins - 1 {
                break;
            }
        }
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unweighted(v: &[f32]) -> Vec<(f32, f32)> {
        v.iter().map(|&x| (x, 1.0)).collect()
    }

    #[test]
    fn few_values_get_one_bin_each() {
        let c = FeatureCuts::from_sample(unweighted(&[3.0, 1.0, 2.0, 2.0, 1.0]), 255);
        assert_eq!(c.cuts, vec![1.5, 2.5]);
        assert_eq!((c.bin_of(1.0), c.bin_of(2.0), c.bin_of(3.0)), (0, 1, 2));
        assert_eq!(c.bin_of(f32::NAN), 3);
        assert_eq!(c.bin_of(-1e30), 0);
        assert_eq!(c.bin_of(f32::INFINITY), 2);
    }

    #[test]
    fn constant_and_empty_features_have_one_bin() {
        assert!(FeatureCuts::from_sample(unweighted(&[5.0; 10]), 255)
            .cuts
            .is_empty());
        assert!(FeatureCuts::from_sample(vec![], 255).cuts.is_empty());
    }

    #[test]
    fn quantiles_balance_counts() {
        let v: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
        let c = FeatureCuts::from_sample(unweighted(&v), 10);
        assert_eq!(c.cuts.len(), 9);
        let mut counts = [0usize; 10];
        for &x in &v {
            counts[c.bin_of(x)] += 1;
        }
        assert!(
            counts.iter().all(|&n| (900..=1100).contains(&n)),
            "{counts:?}"
        );
    }

    #[test]
    fn adjacent_floats_stay_apart() {
        let a = 1.0f32;
        let b = f32::from_bits(a.to_bits() + 1);
        let c = FeatureCuts::from_sample(unweighted(&[a, b]), 255);
        assert_eq!((c.bin_of(a), c.bin_of(b)), (0, 1));
    }

    proptest! {
        #[test]
        fn cut_points_increase_and_bins_are_monotone(
            v in proptest::collection::vec(-1e6f32..1e6, 1..500),
            bins in 1usize..64,
        ) {
            let c = FeatureCuts::from_sample(unweighted(&v), bins);
            prop_assert!(c.cuts.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(c.num_value_bins() <= bins.max(1));
            let mut sorted = v.clone();
            sorted.sort_by(f32::total_cmp);
            let b: Vec<usize> = sorted.iter().map(|&x| c.bin_of(x)).collect();
            prop_assert!(b.windows(2).all(|w| w[0] <= w[1]));
            for (&x, &bx) in sorted.iter().zip(&b) {
                // The threshold of a bin sends exactly the bins <= it left.
                prop_assert!(x <= c.threshold(bx));
                if bx > 0 { prop_assert!(x > c.threshold(bx - 1)); }
            }
        }
    }
}
