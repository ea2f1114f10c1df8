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

use ndarray::Axis;

use crate::error::{Error, Result};
use crate::select::TrainingData;

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
    let mut held_part = take_rows(&data, &held);
    held_part.dropped_rows = 0;
    Ok((take_rows(&data, &kept), held_part))
}

/// The rows of the held-out query groups, ascending.
fn held_out_groups(sizes: &[usize], holdout: &Holdout) -> Vec<usize> {
    let n = sizes.len();
    let k = ((holdout.fraction * n as f64).round() as usize).min(n.saturating_sub(1));
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64::new(holdout.seed);
    for i in 0..k {
        let j = i + rng.below(n - i);
        order.swap(i, j);
    }
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
    let mut order: Vec<usize> = (0..labels.len()).collect();
    let strata: Vec<&mut [usize]> = if holdout.stratify {
        // Stable: rows of one class stay in row order.
        order.sort_by(|&a, &b| labels[a].total_cmp(&labels[b]));
        order
            .chunk_by_mut(|&a, &b| labels[a].total_cmp(&labels[b]).is_eq())
            .collect()
    } else {
        vec![&mut order[..]]
    };
    let mut rng = SplitMix64::new(holdout.seed);
    let mut held = Vec::new();
    let (mut before, mut rounded_before) = (0usize, 0usize);
    for stratum in strata {
        let n = stratum.len();
        let rounded = (holdout.fraction * (before + n) as f64).round() as usize;
        let k = (rounded - rounded_before).min(n - 1);
        (before, rounded_before) = (before + n, rounded);
        // Partial Fisher-Yates: the first k places get k distinct rows.
        for i in 0..k {
            let j = i + rng.below(n - i);
            stratum.swap(i, j);
        }
        held.extend_from_slice(&stratum[..k]);
    }
    held.sort_unstable();
    held
}

/// The given rows of `data` (indices ascending), with its metadata.
fn take_rows(data: &TrainingData, rows: &[usize]) -> TrainingData {
    let pick = |v: &[f32]| rows.iter().map(|&r| v[r]).collect::<Vec<f32>>();
    TrainingData {
        features: data.features.select(Axis(0), rows),
        feature_names: data.feature_names.clone(),
        labels: pick(&data.labels),
        weights: data.weights.as_deref().map(pick),
        label_rule: data.label_rule.clone(),
        dropped_columns: data.dropped_columns.clone(),
        dropped_rows: data.dropped_rows,
        categories: data.categories.clone(),
        groups: data
            .groups
            .as_deref()
            .map(|sizes| sizes_within(sizes, rows)),
    }
}

/// The sizes of the groups whose rows `rows` (ascending, whole groups) holds.
fn sizes_within(sizes: &[usize], rows: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0usize, 0usize);
    for &s in sizes {
        if rows.get(i) == Some(&start) {
            out.push(s);
            i += s;
        }
        start += s;
    }
    out
}

/// SplitMix64 (Steele, Lea, Flood 2014), on a stream of its own so the
/// draw does not follow gbdt-core's row sampling for the same seed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64(seed ^ 0x686F_6C64_6F75_7400) // "holdout"
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n >= 1).
    fn below(&mut self, n: usize) -> usize {
        let unit = (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        ((unit * n as f64) as usize).min(n - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut rng = SplitMix64::new(99);
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
