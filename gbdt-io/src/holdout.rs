//! Keeping a seeded fraction of the training rows out, as a validation set
//! (`gbdt train --holdout F`), so that early stopping and an honest score
//! need no second file.
//!
//! The split happens on the selected rows, before any binning: the model
//! never sees a held-out row. Category names (the codes of categorical
//! features) were read from every row; that tells the model which text
//! values exist, never their labels.
//!
//! Invariants of [`split_holdout`]:
//! - the rows of the two parts are disjoint, cover every row, and each part
//!   keeps the original row order;
//! - stratified, each label value (class) `c` with `n_c` rows puts
//!   `k_c` rows in the holdout with `|k_c - fraction * n_c| < 1`, and keeps
//!   at least one row of every class for training; the counts are rounded
//!   cumulatively over the classes in label order, so their sum is
//!   `round(fraction * rows)` unless that rule kept a class's last row;
//! - the result depends only on the labels, the fraction and the seed
//!   (one sequential generator: the same for any thread count);
//! - with query groups (ranking) whole groups are held out, never part of
//!   one: `round(fraction * groups)` of them, drawn without stratification,
//!   at least one and never all; both parts keep their groups' sizes.

use crate::error::{Error, Result};
use crate::folds::{shuffle_prefix, strata, SplitMix64};
use crate::select::TrainingData;

/// The holdout's stream of [`SplitMix64`] ("holdout").
const HOLDOUT_STREAM: u64 = 0x686F_6C64_6F75_7400;

/// How the held-out rows are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holdout {
    /// The fraction of rows kept out, strictly between 0 and 1.
    pub fraction: f64,
    /// The seed of the draw (`gbdt train` passes `--seed`).
    pub seed: u64,
    /// Draw the same fraction of each label value (classification), or
    /// from all rows at once (regression).
    pub stratify: bool,
}

impl Holdout {
    /// Checks the fraction: a number strictly between 0 and 1.
    ///
    /// ```
    /// use gbdt_io::Holdout;
    /// let h = |fraction| Holdout { fraction, seed: 0, stratify: false };
    /// assert!(h(0.2).check().is_ok());
    /// for bad in [0.0, 1.0, -0.1, f64::NAN] {
    ///     assert!(h(bad).check().is_err());
    /// }
    /// ```
    pub fn check(&self) -> Result<()> {
        if self.fraction > 0.0 && self.fraction < 1.0 {
            return Ok(());
        }
        Err(Error::InvalidSelection {
            option: "--holdout",
            value: self.fraction.to_string(),
            allowed: "a fraction strictly between 0 and 1, such as 0.2".into(),
        })
    }
}

/// Splits training data into (training rows, held-out rows): a seeded
/// fraction of the rows, stratified by label value when asked (see the
/// module's invariants). Both parts keep the feature names, categories,
/// label rule and dropped columns; rows skipped for a missing label stay
/// counted in the training part.
///
/// ```
/// use gbdt_core::Executor;
/// use gbdt_io::{parse_csv, parse_target, split_holdout, training_data, CsvOptions, Holdout, Selection};
///
/// let exec = Executor::new(1)?;
/// let mut csv = String::from("x,y\n");
/// for i in 0..100 {
///     csv += &format!("{i},{}\n", (i % 4 == 0) as u8);
/// }
/// let table = parse_csv(csv.into_bytes(), "d.csv".as_ref(), &CsvOptions::default(), &exec)?;
/// let rule = parse_target("y", &table)?;
/// let data = training_data(&table, &rule, &Selection::default(), &exec)?;
/// let holdout = Holdout { fraction: 0.2, seed: 7, stratify: true };
/// let (train, held) = split_holdout(data, &holdout)?;
/// assert_eq!((train.labels.len(), held.labels.len()), (80, 20));
/// // 25 positives: 5 held out, 20 kept for training.
/// assert_eq!(held.labels.iter().filter(|&&y| y == 1.0).count(), 5);
/// assert_eq!(held.features.nrows(), 20);
/// # Ok::<(), gbdt_io::Error>(())
/// ```
pub fn split_holdout(
    data: TrainingData,
    holdout: &Holdout,
) -> Result<(TrainingData, TrainingData)> {
    holdout.check()?;
    let held = match &data.groups {
        Some(sizes) => held_out_groups(sizes, holdout),
        None => held_out_rows(&data.labels, holdout),
    };
    if held.is_empty() {
        return Err(Error::HoldoutTooSmall {
            rows: data.labels.len(),
            fraction: holdout.fraction,
        });
    }
    let mut is_held = vec![false; data.labels.len()];
    for &r in &held {
        is_held[r] = true;
    }
    let kept: Vec<usize> = (0..data.labels.len()).filter(|&r| !is_held[r]).collect();
    let mut held_part = data.take(&held);
    held_part.dropped_rows = 0;
    Ok((data.take(&kept), held_part))
}

/// The rows of the held-out query groups, ascending.
fn held_out_groups(sizes: &[usize], holdout: &Holdout) -> Vec<usize> {
    let n = sizes.len();
    let k = ((holdout.fraction * n as f64).round() as usize).min(n.saturating_sub(1));
    let mut order: Vec<usize> = (0..n).collect();
    shuffle_prefix(
        &mut order,
        k,
        &mut SplitMix64::new(holdout.seed, HOLDOUT_STREAM),
    );
    let mut held_groups = order[..k].to_vec();
    held_groups.sort_unstable();
    let mut starts = Vec::with_capacity(n);
    let mut at = 0;
    for &s in sizes {
        starts.push(at);
        at += s;
    }
    held_groups
        .iter()
        .flat_map(|&g| starts[g]..starts[g] + sizes[g])
        .collect()
}

/// The held-out row indices, ascending.
fn held_out_rows(labels: &[f32], holdout: &Holdout) -> Vec<usize> {
    let mut rng = SplitMix64::new(holdout.seed, HOLDOUT_STREAM);
    let mut held = Vec::new();
    let (mut before, mut rounded_before) = (0usize, 0usize);
    for mut stratum in strata(labels, holdout.stratify) {
        let n = stratum.len();
        let rounded = (holdout.fraction * (before + n) as f64).round() as usize;
        let k = (rounded - rounded_before).min(n - 1);
        (before, rounded_before) = (before + n, rounded);
        shuffle_prefix(&mut stratum, k, &mut rng);
        held.extend_from_slice(&stratum[..k]);
    }
    held.sort_unstable();
    held
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::sizes_within;

    fn h(fraction: f64, seed: u64, stratify: bool) -> Holdout {
        Holdout {
            fraction,
            seed,
            stratify,
        }
    }

    /// Three classes of 50, 30 and 7 rows, interleaved.
    fn labels() -> Vec<f32> {
        let mut y = vec![0.0; 50];
        y.extend([1.0; 30]);
        y.extend([2.0; 7]);
        let mut rng = SplitMix64::new(99, HOLDOUT_STREAM);
        for i in (1..y.len()).rev() {
            y.swap(i, rng.below(i + 1));
        }
        y
    }

    #[test]
    fn each_class_is_within_one_row_of_its_share() {
        let y = labels();
        for fraction in [0.1, 0.2, 0.25, 0.5, 0.9] {
            let held = held_out_rows(&y, &h(fraction, 3, true));
            assert!(held.windows(2).all(|w| w[0] < w[1]));
            for (class, n) in [(0.0, 50.0), (1.0, 30.0), (2.0, 7.0)] {
                let k = held.iter().filter(|&&r| y[r] == class).count() as f64;
                assert!((k - fraction * n).abs() < 1.0, "{fraction} {class}: {k}");
                assert!(k < n, "a class keeps a training row");
            }
        }
        assert_eq!(held_out_rows(&y, &h(0.2, 3, true)).len(), 17); // round(17.4)
    }

    #[test]
    fn plain_random_takes_the_rounded_fraction() {
        let y: Vec<f32> = (0..101).map(|i| i as f32 * 0.5).collect();
        assert_eq!(held_out_rows(&y, &h(0.3, 1, false)).len(), 30);
        assert_eq!(held_out_rows(&y, &h(0.999, 1, false)).len(), 100);
        assert!(held_out_rows(&y[..2], &h(0.1, 1, false)).is_empty());
    }

    #[test]
    fn the_seed_decides_the_rows() {
        let y = labels();
        let a = held_out_rows(&y, &h(0.2, 1, true));
        assert_eq!(a, held_out_rows(&y, &h(0.2, 1, true)));
        assert_ne!(a, held_out_rows(&y, &h(0.2, 2, true)));
    }

    #[test]
    fn query_groups_are_held_out_whole() {
        let sizes = vec![3, 1, 4, 2, 5, 3, 2, 4, 1, 5];
        let rows: usize = sizes.iter().sum();
        let held = held_out_groups(&sizes, &h(0.3, 5, false));
        let held_sizes = sizes_within(&sizes, &held);
        assert_eq!(held_sizes.len(), 3, "{held:?}");
        assert_eq!(held.len(), held_sizes.iter().sum::<usize>());
        let kept: Vec<usize> = (0..rows).filter(|r| !held.contains(r)).collect();
        let kept_sizes = sizes_within(&sizes, &kept);
        assert_eq!(kept_sizes.len(), 7);
        assert_eq!(kept.len(), kept_sizes.iter().sum::<usize>());
        assert!(held_out_groups(&sizes, &h(0.99, 5, false)).len() < rows);
        assert!(held_out_groups(&[4], &h(0.5, 1, false)).is_empty());
    }

    #[test]
    fn bad_fractions_name_the_flag() {
        for bad in [0.0, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
            let e = h(bad, 0, false).check().unwrap_err();
            assert!(e.to_string().contains("--holdout"), "{e}");
        }
    }
}
