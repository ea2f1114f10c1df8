//! Ranking metrics within query groups, as LightGBM computes them:
//! `ndcg@k` (gain `2^label - 1`, discount `1 / log2(position + 2)`) and
//! `map@k` (labels > 0 are relevant). Documents are ranked by descending
//! score; equal scores keep their row order (a stable sort).
//!
//! A query with no relevant document (every label 0) scores 1 on both, as
//! in LightGBM and XGBoost's default `ndcg@k`: no order can be wrong. The
//! result is the mean over queries; with weights a query counts with the
//! mean weight of its rows. `k = 0` means every position.

use std::sync::{Mutex, OnceLock, PoisonError};

/// The gain of a relevance label: `2^label - 1` (LightGBM's default
/// `label_gain`). Whole grades (the usual case) take a shift, not `exp2`.
pub(crate) fn gain(label: f32) -> f64 {
    let whole = label as u32;
    if whole as f32 == label && whole < 53 {
        ((1u64 << whole) - 1) as f64
    } else {
        (label as f64).exp2() - 1.0
    }
}

/// Positions whose discount is kept in a table.
const DISCOUNTS: usize = 256;

/// The discount of 0-based position `i`: `1 / log2(i + 2)`.
pub(crate) fn discount(i: usize) -> f64 {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    match TABLE
        .get_or_init(|| (0..DISCOUNTS).map(discount_of).collect())
        .get(i)
    {
        Some(&d) => d,
        None => discount_of(i),
    }
}

fn discount_of(i: usize) -> f64 {
    1.0 / ((i + 2) as f64).log2()
}

/// The best DCG of these labels in their top `k` positions (`k = 0`: all).
pub(crate) fn max_dcg(labels: &[f32], k: usize) -> f64 {
    max_dcg_with(labels, k, &mut Vec::new())
}

/// [`max_dcg`], sorting in `sorted` (a reusable buffer).
pub(crate) fn max_dcg_with(labels: &[f32], k: usize, sorted: &mut Vec<f32>) -> f64 {
    sorted.clear();
    if !sort_grades(labels, sorted) {
        sorted.clear();
        sorted.extend_from_slice(labels);
        sorted.sort_unstable_by(|a, b| b.total_cmp(a));
    }
    dcg(sorted, cutoff(k, labels.len()))
}

/// Whole grades below 32 (the usual labels) in descending order by
/// counting; false, leaving `sorted` unspecified, for any other label.
fn sort_grades(labels: &[f32], sorted: &mut Vec<f32>) -> bool {
    let mut counts = [0usize; 32];
    for &y in labels {
        let grade = y as usize;
        if grade as f32 != y || grade >= counts.len() {
            return false;
        }
        counts[grade] += 1;
    }
    for (grade, &count) in counts.iter().enumerate().rev() {
        sorted.extend(std::iter::repeat_n(grade as f32, count));
    }
    true
}

/// DCG of labels already in rank order, over the first `k`.
fn dcg(ranked: &[f32], k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &y)| gain(y) * discount(i))
        .sum()
}

fn cutoff(k: usize, n: usize) -> usize {
    if k == 0 {
        n
    } else {
        k.min(n)
    }
}

/// Row indexes `0..scores.len()` by descending score, ties in row order.
pub(crate) fn rank_order(scores: &[f64], order: &mut Vec<usize>) {
    rank_order_with(scores, order, &mut Vec::new());
}

/// [`rank_order`], sorting packed keys (score order, then row) in `keys`
/// (a reusable buffer): plain integers sort faster than indexes compared
/// through the scores.
pub(crate) fn rank_order_with(scores: &[f64], order: &mut Vec<usize>, keys: &mut Vec<u128>) {
    keys.clear();
    keys.extend(scores.iter().enumerate().map(|(row, &s)| rank_key(row, s)));
    keys.sort_unstable();
    order.clear();
    order.extend(keys.iter().map(|&k| k as u64 as usize));
}

/// [`rank_order_with`] from an earlier ranking of the same rows: `prev` (a
/// permutation of `0..scores.len()`, replaced by the new ranking) lays the
/// keys out in its order before they are sorted. Between boosting rounds
/// scores move by a learning rate's step, so the keys come nearly sorted
/// and std's stable sort, which finds runs already in order, does less
/// work than from row order (a rank:ndcg round about 5% less). Keys are
/// distinct (the row breaks ties), so the ranking is the one
/// [`rank_order_with`] gives.
pub(crate) fn rerank_with(
    scores: &[f64],
    prev: &mut [u32],
    order: &mut Vec<usize>,
    keys: &mut Vec<u128>,
) {
    keys.clear();
    keys.extend(
        prev.iter()
            .map(|&row| rank_key(row as usize, scores[row as usize])),
    );
    keys.sort();
    order.clear();
    order.extend(keys.iter().map(|&k| k as u64 as usize));
    for (p, &row) in prev.iter_mut().zip(order.iter()) {
        *p = row as u32;
    }
}

/// A row's sort key: score order (descending), then the row.
fn rank_key(row: usize, score: f64) -> u128 {
    u128::from(descending(score)) << 64 | row as u128
}

/// A key whose ascending order is `f64::total_cmp`'s descending order.
fn descending(x: f64) -> u64 {
    let bits = x.to_bits();
    let ascending = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    !ascending
}

/// NDCG@k of one query.
fn ndcg_of_query(labels: &[f32], scores: &[f64], k: usize, order: &mut Vec<usize>) -> f64 {
    let best = max_dcg(labels, k);
    if best <= 0.0 {
        return 1.0;
    }
    rank_order(scores, order);
    let ranked: Vec<f32> = order.iter().map(|&i| labels[i]).collect();
    dcg(&ranked, cutoff(k, labels.len())) / best
}

/// Average precision at k of one query.
fn map_of_query(labels: &[f32], scores: &[f64], k: usize, order: &mut Vec<usize>) -> f64 {
    let relevant = labels.iter().filter(|&&y| y > 0.0).count();
    if relevant == 0 {
        return 1.0;
    }
    rank_order(scores, order);
    let k = cutoff(k, labels.len());
    let (mut hits, mut sum) = (0usize, 0.0f64);
    for (i, &row) in order.iter().take(k).enumerate() {
        if labels[row] > 0.0 {
            hits += 1;
            sum += hits as f64 / (i + 1) as f64;
        }
    }
    sum / relevant.min(k) as f64
}

/// Which per-query score to average.
#[derive(Clone, Copy)]
pub(super) enum RankMetric {
    Ndcg,
    Map,
}

/// The mean of the per-query metric at `k` over the queries `groups`
/// bounds (the whole set is one query without groups).
pub(super) fn mean_over_queries(
    metric: RankMetric,
    k: usize,
    labels: &[f32],
    weights: Option<&[f32]>,
    scores: &[f64],
    groups: Option<&[usize]>,
) -> f64 {
    let whole = [0, labels.len()];
    let bounds = groups.unwrap_or(&whole);
    let mut order = Vec::new();
    let (mut sum, mut total) = (0.0f64, 0.0f64);
    for q in bounds.windows(2) {
        let (a, b) = (q[0], q[1]);
        let value = match metric {
            RankMetric::Ndcg => ndcg_of_query(&labels[a..b], &scores[a..b], k, &mut order),
            RankMetric::Map => map_of_query(&labels[a..b], &scores[a..b], k, &mut order),
        };
        let w = weights.map_or(1.0, |w| {
            w[a..b].iter().map(|&v| v as f64).sum::<f64>() / (b - a) as f64
        });
        sum += w * value;
        total += w;
    }
    if total > 0.0 {
        sum / total
    } else {
        f64::NAN
    }
}

/// `ndcg@k` / `map@k` (or the bare prefix for `k = 0`) as a `&'static str`:
/// each distinct name is built once and kept for the life of the process.
pub(super) fn name(prefix: &'static str, k: u32) -> &'static str {
    static NAMES: Mutex<Vec<(&'static str, u32, &'static str)>> = Mutex::new(Vec::new());
    if k == 0 {
        return prefix;
    }
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, _, n)) = names.iter().find(|(p, c, _)| *p == prefix && *c == k) {
        return n;
    }
    let n: &'static str = Box::leak(format!("{prefix}@{k}").into_boxed_str());
    names.push((prefix, k, n));
    n
}

/// The cutoff of `ndcg@5` / `map@5` (`rest` follows the prefix): `Some(0)`
/// for a bare prefix, `None` when the cutoff is not a whole number >= 1.
pub(super) fn parse_cutoff(rest: &str) -> Option<u32> {
    if rest.is_empty() {
        return Some(0);
    }
    rest.strip_prefix('@')?
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|&k| k > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// One query, labels [3, 2, 0, 1] scored so the order is rows 2, 0, 3, 1.
    #[test]
    fn ndcg_by_hand() {
        let labels = [3.0f32, 2.0, 0.0, 1.0];
        let scores = [0.9, 0.1, 1.0, 0.5];
        // DCG@3 of the ranking (labels 0, 3, 1): 0 + 7/log2(3) + 1/2.
        let dcg3 = 7.0 / 3f64.log2() + 0.5;
        // Ideal (labels 3, 2, 1): 7 + 3/log2(3) + 1/2.
        let ideal3 = 7.0 + 3.0 / 3f64.log2() + 0.5;
        let got = mean_over_queries(RankMetric::Ndcg, 3, &labels, None, &scores, None);
        assert!(close(got, dcg3 / ideal3), "{got}");
        let got1 = mean_over_queries(RankMetric::Ndcg, 1, &labels, None, &scores, None);
        assert_eq!(got1, 0.0, "the top document is irrelevant");
        let perfect = [4.0, 3.0, 1.0, 2.0];
        let got = mean_over_queries(RankMetric::Ndcg, 0, &labels, None, &perfect, None);
        assert!(close(got, 1.0), "{got}");
    }

    #[test]
    fn map_by_hand() {
        // Ranked labels: 0, 3, 1, 2 (rows 2, 0, 3, 1); three relevant.
        let labels = [3.0f32, 2.0, 0.0, 1.0];
        let scores = [0.9, 0.1, 1.0, 0.5];
        // Hits at positions 2, 3, 4: (1/2 + 2/3 + 3/4) / 3.
        let all = mean_over_queries(RankMetric::Map, 0, &labels, None, &scores, None);
        assert!(close(all, (0.5 + 2.0 / 3.0 + 0.75) / 3.0), "{all}");
        // Top 2: one hit at position 2, divided by min(3 relevant, 2).
        let at2 = mean_over_queries(RankMetric::Map, 2, &labels, None, &scores, None);
        assert!(close(at2, 0.5 / 2.0), "{at2}");
    }

    #[test]
    fn queries_are_averaged_and_empty_ones_score_one() {
        let labels = [1.0f32, 0.0, 0.0, 0.0];
        let scores = [0.0, 1.0, 0.3, 0.2];
        // Query 0 (rows 0-1): relevant doc second: 1/log2(3). Query 1: no relevant doc.
        let groups = [0, 2, 4];
        let q0 = 1.0 / 3f64.log2();
        let got = mean_over_queries(RankMetric::Ndcg, 5, &labels, None, &scores, Some(&groups));
        assert!(close(got, (q0 + 1.0) / 2.0), "{got}");
        let w = [3.0f32, 1.0, 0.0, 0.0];
        let got = mean_over_queries(
            RankMetric::Ndcg,
            5,
            &labels,
            Some(&w),
            &scores,
            Some(&groups),
        );
        assert!(close(got, q0), "query 1 has weight 0: {got}");
        let map = mean_over_queries(RankMetric::Map, 5, &labels, None, &scores, Some(&groups));
        assert!(close(map, (0.5 + 1.0) / 2.0), "{map}");
    }

    #[test]
    fn ties_keep_row_order() {
        let labels = [0.0f32, 1.0];
        let got = mean_over_queries(RankMetric::Ndcg, 1, &labels, None, &[0.5, 0.5], None);
        assert_eq!(got, 0.0, "row 0 stays first on a tie");
    }

    /// The packed keys order as a stable sort by `total_cmp` does, signed
    /// zeros, infinities and ties included.
    #[test]
    fn rank_order_is_the_stable_descending_sort() {
        let scores = [
            0.5,
            -0.0,
            0.0,
            f64::INFINITY,
            -1e300,
            0.5,
            f64::NEG_INFINITY,
            1e-310,
            -1e-310,
            0.5,
            -2.0,
            -0.0,
        ];
        let mut want: Vec<usize> = (0..scores.len()).collect();
        want.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let mut got = Vec::new();
        rank_order(&scores, &mut got);
        assert_eq!(got, want);
    }

    proptest::proptest! {
        /// Re-ranking from any earlier order (a permutation of the rows)
        /// gives the ranking a fresh sort gives, and hands it back in `prev`.
        #[test]
        fn reranking_from_any_order_gives_the_fresh_ranking(
            scores in proptest::collection::vec(
                proptest::prop_oneof![-3i8..3i8, proptest::strategy::Just(0)], 0..60),
            seed: u64,
        ) {
            let scores: Vec<f64> = scores.iter().map(|&s| s as f64 * 0.5).collect();
            let mut prev: Vec<u32> = (0..scores.len() as u32).collect();
            let mut state = seed | 1;
            for i in (1..prev.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                prev.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let mut want = Vec::new();
            rank_order(&scores, &mut want);
            let (mut got, mut keys) = (Vec::new(), Vec::new());
            rerank_with(&scores, &mut prev, &mut got, &mut keys);
            proptest::prop_assert_eq!(&got, &want);
            let back: Vec<usize> = prev.iter().map(|&r| r as usize).collect();
            proptest::prop_assert_eq!(back, want);
        }
    }

    /// The shift and table paths give what `exp2` and `log2` give; grades
    /// sorted by counting give what a sort gives, and other labels sort.
    #[test]
    fn fast_paths_agree_with_the_formulas() {
        for y in [0.0f32, 1.0, 4.0, 30.0, 52.0, 53.0, 2.5, 0.25] {
            assert_eq!(gain(y), (y as f64).exp2() - 1.0, "{y}");
        }
        for i in [0, 1, 7, DISCOUNTS - 1, DISCOUNTS, 1000] {
            assert_eq!(discount(i), 1.0 / ((i + 2) as f64).log2(), "{i}");
        }
        for labels in [
            &[2.0f32, 0.0, 31.0, 2.0, 1.0][..],
            &[1.0, 0.5, 3.0],
            &[32.0, 1.0],
        ] {
            let mut sorted = labels.to_vec();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let want = dcg(&sorted, 4);
            assert_eq!(max_dcg_with(labels, 4, &mut vec![9.0]), want, "{labels:?}");
        }
    }

    #[test]
    fn names_and_cutoffs() {
        assert_eq!(name("ndcg", 5), "ndcg@5");
        assert!(std::ptr::eq(name("map", 3), name("map", 3)));
        assert_eq!(name("ndcg", 0), "ndcg");
        assert_eq!(parse_cutoff("@10"), Some(10));
        assert_eq!(parse_cutoff(""), Some(0));
        for bad in ["@0", "@x", "@-1", "5"] {
            assert_eq!(parse_cutoff(bad), None, "{bad}");
        }
    }
}
