//! Assigning rows to k folds for cross-validation (`gbdt cv --folds K`),
//! and the row-splitting pieces the holdout split shares: the strata of a
//! stratified draw, the seeded generator and taking rows out of
//! [`TrainingData`].
//!
//! Invariants of [`assign_folds`]:
//! - every row gets exactly one fold in `0..k`, and every fold gets a row;
//! - plain (no strata, no groups): the rows are shuffled and dealt in turn,
//!   so fold sizes differ by at most one row;
//! - stratified: each label value (class) is shuffled on its own and the
//!   classes are dealt one after another, in label order, continuing the
//!   turn; each class with `n_c` rows then has `floor(n_c / k)` or
//!   `ceil(n_c / k)` rows in every fold, and fold sizes differ by at most one;
//! - grouped (per-row group ids given): every row of a group is in one fold.
//!   The groups are shuffled, then taken largest first (ties in shuffled
//!   order), each into the fold with the fewest rows so far (ties: the
//!   lowest fold). Groups win over stratification;
//! - the result depends only on the labels, the group ids, `k` and the seed
//!   (one sequential generator: the same for any thread count).

use crate::error::{Error, Result};
use crate::select::TrainingData;

/// How rows are dealt into folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Folds {
    /// The number of folds, at least 2 and at most the number of rows (or
    /// of groups).
    pub k: usize,
    /// The seed of the draw (`gbdt cv` passes `--seed`).
    pub seed: u64,
    /// Keep each label value's (class's) share in every fold
    /// (classification), or deal all rows at once (regression).
    pub stratify: bool,
}

impl Folds {
    /// Checks `k` against the number of rows, or of groups when rows are
    /// grouped: every fold must hold out at least one row (group).
    ///
    /// ```
    /// use gbdt_io::Folds;
    /// let f = |k| Folds { k, seed: 0, stratify: false };
    /// assert!(f(5).check(100, None).is_ok());
    /// assert!(f(1).check(100, None).is_err());
    /// assert!(f(101).check(100, None).is_err());
    /// assert!(f(5).check(100, Some(4)).is_err());
    /// ```
    pub fn check(&self, rows: usize, groups: Option<usize>) -> Result<()> {
        let (count, unit) = match groups {
            Some(g) => (g, "groups"),
            None => (rows, "rows"),
        };
        let allowed = if self.k < 2 {
            "at least 2 folds (each fold is held out once while the others train)".to_string()
        } else if self.k > count {
            format!("at most {count} folds: each fold holds out at least one of the {count} {unit} of the data")
        } else {
            return Ok(());
        };
        Err(Error::InvalidSelection {
            option: "--folds",
            value: self.k.to_string(),
            allowed,
        })
    }
}

/// The fold (`0..k`) of every row: seeded, stratified by label value when
/// asked, and keeping groups whole when `groups` gives a group id per row
/// (see the module's invariants). An error when `k` is below 2 or above the
/// number of rows (groups), or when `groups` is not one id per row.
///
/// ```
/// use gbdt_io::{assign_folds, Folds};
/// let labels: Vec<f32> = (0..20).map(|i| (i % 4 == 0) as u8 as f32).collect();
/// let folds = Folds { k: 5, seed: 7, stratify: true };
/// let fold_of = assign_folds(&labels, None, &folds)?;
/// for f in 0..5 {
///     let rows: Vec<usize> = (0..20).filter(|&r| fold_of[r] == f).collect();
///     assert_eq!(rows.len(), 4);
///     // 5 positives in all: one per fold.
///     assert_eq!(rows.iter().filter(|&&r| labels[r] == 1.0).count(), 1);
/// }
/// // Query groups stay whole: rows 0-3 are group 10, and so on.
/// let groups: Vec<u64> = (0..20).map(|i| 10 + i / 4).collect();
/// let fold_of = assign_folds(&labels, Some(&groups), &folds)?;
/// assert!(fold_of[..4].iter().all(|&f| f == fold_of[0]));
/// # Ok::<(), gbdt_io::Error>(())
/// ```
pub fn assign_folds(labels: &[f32], groups: Option<&[u64]>, folds: &Folds) -> Result<Vec<usize>> {
    let mut rng = SplitMix64::new(folds.seed, FOLDS_STREAM);
    match groups {
        Some(ids) => {
            if ids.len() != labels.len() {
                return Err(Error::InvalidSelection {
                    option: "groups",
                    value: format!("{} ids", ids.len()),
                    allowed: format!("one group id per row ({} rows)", labels.len()),
                });
            }
            let groups = runs_of_equal(ids.len(), |a, b| ids[a].cmp(&ids[b]));
            folds.check(labels.len(), Some(groups.len()))?;
            Ok(deal_groups(groups, labels.len(), folds.k, &mut rng))
        }
        None => {
            folds.check(labels.len(), None)?;
            let mut fold_of = vec![0; labels.len()];
            let mut turn = 0;
            for mut stratum in strata(labels, folds.stratify) {
                let n = stratum.len();
                shuffle_prefix(&mut stratum, n, &mut rng);
                for row in stratum {
                    fold_of[row] = turn % folds.k;
                    turn += 1;
                }
            }
            Ok(fold_of)
        }
    }
}

/// Groups (their rows) into `k` folds: shuffled, largest first, each into
/// the fold with the fewest rows so far.
fn deal_groups(
    mut groups: Vec<Vec<usize>>,
    rows: usize,
    k: usize,
    rng: &mut SplitMix64,
) -> Vec<usize> {
    let n = groups.len();
    shuffle_prefix(&mut groups, n, rng);
    // Stable: groups of one size keep their shuffled order.
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut sizes = vec![0usize; k];
    let mut fold_of = vec![0; rows];
    for group in groups {
        let fold = (0..k).min_by_key(|&f| (sizes[f], f)).unwrap_or(0);
        sizes[fold] += group.len();
        for row in group {
            fold_of[row] = fold;
        }
    }
    fold_of
}

/// Splits data into (training rows, held-out rows) of fold `fold` of
/// `fold_of` (from [`assign_folds`]): the held-out rows are those of the
/// fold, both parts keep row order and the data's metadata (as
/// [`crate::split_holdout`] does).
///
/// ```
/// use gbdt_core::Executor;
/// use gbdt_io::{assign_folds, parse_csv, parse_target, split_fold, training_data, CsvOptions, Folds, Selection};
///
/// let exec = Executor::new(1)?;
/// let mut csv = String::from("x,y\n");
/// for i in 0..10 {
///     csv += &format!("{i},{}\n", i % 2);
/// }
/// let table = parse_csv(csv.into_bytes(), "d.csv".as_ref(), &CsvOptions::default(), &exec)?;
/// let data = training_data(&table, &parse_target("y", &table)?, &Selection::default(), &exec)?;
/// let fold_of = assign_folds(&data.labels, None, &Folds { k: 5, seed: 1, stratify: true })?;
/// let (train, held) = split_fold(&data, &fold_of, 0);
/// assert_eq!((train.labels.len(), held.labels.len()), (8, 2));
/// // One row of each class (stratified), in row order.
/// assert_eq!(held.labels.iter().sum::<f32>(), 1.0);
/// assert!(held.features[[0, 0]] < held.features[[1, 0]]);
/// # Ok::<(), gbdt_io::Error>(())
/// ```
pub fn split_fold(
    data: &TrainingData,
    fold_of: &[usize],
    fold: usize,
) -> (TrainingData, TrainingData) {
    let (held, kept): (Vec<usize>, Vec<usize>) =
        (0..data.labels.len()).partition(|&r| fold_of[r] == fold);
    let mut held_part = data.take(&held);
    held_part.dropped_rows = 0;
    (data.take(&kept), held_part)
}

/// The row indices of each run of equal keys: sorted by key (stable, so
/// each run keeps row order), runs in ascending key order.
fn runs_of_equal(rows: usize, cmp: impl Fn(usize, usize) -> std::cmp::Ordering) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..rows).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
        .chunk_by(|&a, &b| cmp(a, b).is_eq())
        .map(<[usize]>::to_vec)
        .collect()
}

/// The rows of each label value (ascending label, rows in row order) when
/// `stratify`, else all rows as one stratum.
pub(crate) fn strata(labels: &[f32], stratify: bool) -> Vec<Vec<usize>> {
    if stratify {
        runs_of_equal(labels.len(), |a, b| labels[a].total_cmp(&labels[b]))
    } else {
        vec![(0..labels.len()).collect()]
    }
}

/// Partial Fisher-Yates: the first `k` places of `items` get `k` distinct
/// items drawn uniformly (`k == items.len()` shuffles them all).
pub(crate) fn shuffle_prefix<T>(items: &mut [T], k: usize, rng: &mut SplitMix64) {
    let n = items.len();
    for i in 0..k {
        let j = i + rng.below(n - i);
        items.swap(i, j);
    }
}

/// The folds' stream of [`SplitMix64`] ("folds").
const FOLDS_STREAM: u64 = 0x666F_6C64_7300_0000;

/// SplitMix64 (Steele, Lea, Flood 2014), on a stream of its own per use, so
/// the draw does not follow gbdt-core's row sampling for the same seed.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// The generator of `seed` on `stream`.
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        SplitMix64(seed ^ stream)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n >= 1).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let unit = (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        ((unit * n as f64) as usize).min(n - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(k: usize, seed: u64, stratify: bool) -> Folds {
        Folds { k, seed, stratify }
    }

    /// Three classes of 53, 31 and 7 rows, shuffled.
    fn labels() -> Vec<f32> {
        let mut y = vec![0.0; 53];
        y.extend([1.0; 31]);
        y.extend([2.0; 7]);
        let n = y.len();
        shuffle_prefix(&mut y, n, &mut SplitMix64::new(99, 0));
        y
    }

    fn sizes(fold_of: &[usize], k: usize, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        let mut s = vec![0; k];
        for (r, &fold) in fold_of.iter().enumerate() {
            if keep(r) {
                s[fold] += 1;
            }
        }
        s
    }

    #[test]
    fn stratified_folds_keep_each_class_s_share() {
        let y = labels();
        for k in [2, 3, 5, 7, 10] {
            let fold_of = assign_folds(&y, None, &f(k, 3, true)).unwrap();
            let all = sizes(&fold_of, k, |_| true);
            assert!(
                all.iter().max().unwrap() - all.iter().min().unwrap() <= 1,
                "{all:?}"
            );
            assert_eq!(all.iter().sum::<usize>(), y.len());
            for (class, n) in [(0.0, 53), (1.0, 31), (2.0, 7)] {
                let per_fold = sizes(&fold_of, k, |r| y[r] == class);
                for &c in &per_fold {
                    assert!(
                        c == n / k || c == n.div_ceil(k),
                        "k={k} class {class}: {per_fold:?}"
                    );
                }
                // Proportions within one row's worth of the class's share.
                for (fold, &c) in per_fold.iter().enumerate() {
                    let share = n as f64 / y.len() as f64;
                    assert!((c as f64 - share * all[fold] as f64).abs() < 2.0);
                }
            }
        }
    }

    #[test]
    fn plain_folds_are_balanced_and_seeded() {
        let y: Vec<f32> = (0..103).map(|i| i as f32 * 0.5).collect();
        let a = assign_folds(&y, None, &f(5, 1, false)).unwrap();
        assert_eq!(sizes(&a, 5, |_| true), [21, 21, 21, 20, 20]);
        assert_eq!(a, assign_folds(&y, None, &f(5, 1, false)).unwrap());
        assert_ne!(a, assign_folds(&y, None, &f(5, 2, false)).unwrap());
        // Shuffled: not the rows in turn.
        assert_ne!(a, (0..103).map(|r| r % 5).collect::<Vec<_>>());
    }

    #[test]
    fn grouped_folds_keep_groups_whole() {
        // 40 groups of 1 to 9 rows, ids out of order and interleaved rows.
        let mut groups = Vec::new();
        for g in 0..40u64 {
            groups.extend(std::iter::repeat_n(1000 - 7 * g, (g % 9 + 1) as usize));
        }
        let n = groups.len();
        shuffle_prefix(&mut groups, n, &mut SplitMix64::new(5, 0));
        let y = vec![1.0; n];
        for k in [2, 4, 5, 40] {
            let fold_of = assign_folds(&y, Some(&groups), &f(k, 11, true)).unwrap();
            for g in 0..40u64 {
                let id = 1000 - 7 * g;
                let folds: Vec<usize> = (0..n)
                    .filter(|&r| groups[r] == id)
                    .map(|r| fold_of[r])
                    .collect();
                assert!(
                    folds.iter().all(|&x| x == folds[0]),
                    "group {id} split: {folds:?}"
                );
            }
            let s = sizes(&fold_of, k, |_| true);
            assert!(s.iter().all(|&c| c > 0), "k={k}: {s:?}");
            // Largest first into the lightest fold: within one group's size.
            assert!(
                s.iter().max().unwrap() - s.iter().min().unwrap() <= 9,
                "k={k}: {s:?}"
            );
        }
        let a = assign_folds(&y, Some(&groups), &f(4, 1, false)).unwrap();
        assert_ne!(a, assign_folds(&y, Some(&groups), &f(4, 2, false)).unwrap());
        let e = assign_folds(&y, Some(&groups), &f(41, 1, false)).unwrap_err();
        assert!(e.to_string().contains("at most 40 folds"), "{e}");
        assert!(e.to_string().contains("40 groups"), "{e}");
        assert!(assign_folds(&y, Some(&groups[1..]), &f(4, 1, false)).is_err());
    }

    #[test]
    fn too_few_or_too_many_folds_name_the_flag() {
        let y = vec![0.0; 10];
        let e = assign_folds(&y, None, &f(1, 0, false)).unwrap_err();
        assert!(e.to_string().contains("--folds \"1\""), "{e}");
        assert!(e.to_string().contains("at least 2 folds"), "{e}");
        let e = assign_folds(&y, None, &f(11, 0, false)).unwrap_err();
        assert!(e.to_string().contains("at most 10 folds"), "{e}");
        assert!(e.to_string().contains("10 rows"), "{e}");
        let every_row = assign_folds(&y, None, &f(10, 0, false)).unwrap();
        assert_eq!(sizes(&every_row, 10, |_| true), [1; 10]);
    }
}
