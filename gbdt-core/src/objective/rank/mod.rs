//! Learning to rank within query groups: LambdaRank for `rank:ndcg` and
//! RankNet for `rank:pairwise`, following LightGBM's `lambdarank`.
//!
//! For every pair of documents of one query with different labels, where
//! the better-placed of the two (by the current scores) is among the top
//! `lambdarank_truncation_level` positions, the pair loss
//! `log(1 + exp(-(s_high - s_low)))` (sigmoid 1) is weighted by how much
//! swapping the two would change the query's NDCG (`rank:ndcg`; gain
//! `2^label - 1`, discount `1 / log2(position + 2)`, divided by the query's
//! best DCG at the truncation level and by `0.01 + |s_high - s_low|`), or by
//! 1 (`rank:pairwise`, every pair). LambdaRank then scales each query's
//! gradients and hessians by `log2(1 + S) / S`, where `S` is the sum of its
//! pair gradients, as LightGBM's `lambdarank_norm` does. Row weights
//! multiply a row's gradient and hessian.

mod kernel;
mod lanes;
mod pairs;

use super::{GradContext, GradPair};

pub(crate) use pairs::Scratch;

/// Which pair weighting to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RankLoss {
    /// LambdaRank: pairs weighted by their NDCG change, per-query normalised.
    Ndcg,
    /// RankNet: every pair with weight 1.
    Pairwise,
}

/// Gradients of the rows `first_row..first_row + margins.len()`, which are
/// whole queries of `ctx.groups` (or, without groups, one query).
/// `rankings`, when given, holds each query's ranking from the previous
/// round (positions within the query, one per row; see [`new_rankings`]),
/// which the sort starts from and which is replaced by this round's.
pub(crate) fn gradients(
    loss: RankLoss,
    ctx: &GradContext<'_>,
    first_row: usize,
    margins: &[f64],
    mut rankings: Option<&mut [u32]>,
    out: &mut [GradPair],
) {
    let end = first_row + margins.len();
    let whole = [first_row, end];
    let (bounds, first_query) = match ctx.groups {
        Some(g) => queries_within(g, first_row, end),
        None => (&whole[..], 0),
    };
    let mut scratch = Scratch::default();
    for (i, q) in bounds.windows(2).enumerate() {
        let (a, b) = (q[0] - first_row, q[1] - first_row);
        let query = pairs::Query {
            labels: &ctx.labels[q[0]..q[1]],
            weights: ctx.weights.map(|w| &w[q[0]..q[1]]),
            scores: &margins[a..b],
            ndcg_scale: ctx.ndcg_scales.map(|s| s[first_query + i]),
        };
        let truncation = match loss {
            RankLoss::Ndcg => ctx.truncation_level,
            RankLoss::Pairwise => b - a,
        };
        let prev = rankings.as_deref_mut().map(|r| &mut r[a..b]);
        pairs::query_gradients(loss, truncation, &query, prev, &mut scratch, &mut out[a..b]);
    }
}

/// The boundaries of `groups` from `first` to `end`, both of which must be
/// boundaries (blocks are group-aligned), and the index of the query that
/// starts at `first`.
fn queries_within(groups: &[usize], first: usize, end: usize) -> (&[usize], usize) {
    let a = groups.partition_point(|&b| b < first);
    let b = groups.partition_point(|&b| b <= end);
    debug_assert!(groups[a] == first && groups[b - 1] == end);
    (&groups[a..b], a)
}

/// Per query of `groups`, what LambdaRank divides its pairs by (the
/// inverse of its best DCG at `truncation`): labels do not change while
/// training, so a booster computes these once instead of every round.
pub(crate) fn ndcg_scales(labels: &[f32], groups: &[usize], truncation: usize) -> Vec<f64> {
    let mut sorted = Vec::new();
    let scale = |q: &[usize]| pairs::ndcg_scale(&labels[q[0]..q[1]], truncation, &mut sorted);
    groups.windows(2).map(scale).collect()
}

/// The rankings [`gradients`] starts from before the first round: each
/// query's rows in row order (positions within the query), over `rows`
/// rows cut at `groups`.
pub(crate) fn new_rankings(groups: &[usize], rows: usize) -> Vec<u32> {
    let mut rankings = Vec::with_capacity(rows);
    for q in groups.windows(2) {
        rankings.extend(0..(q[1] - q[0]) as u32);
    }
    rankings
}

/// What a booster keeps between rounds for a ranking objective: each
/// query's best-DCG factor (rank:ndcg; from the labels, so computed once)
/// and each query's ranking by the last round's scores (a ranking moves
/// little from one round to the next, so its sort starts from there;
/// sorting from scratch was 13% of a rank:ndcg round's samples, and
/// starting from the last ranking saves about 5% of the round's time,
/// rank:pairwise's 2 to 3%). Empty otherwise.
#[derive(Debug, Clone, Default)]
pub(crate) struct RankState {
    /// Per query, [`ndcg_scales`] (rank:ndcg only).
    pub ndcg_scales: Vec<f64>,
    /// Per row, [`new_rankings`] at first, then the last round's.
    pub rankings: Vec<u32>,
}

impl RankState {
    /// The state for `loss` over `labels` cut at `groups`.
    pub fn new(loss: RankLoss, labels: &[f32], groups: &[usize], truncation: usize) -> RankState {
        let ndcg_scales = match loss {
            RankLoss::Ndcg => ndcg_scales(labels, groups, truncation),
            RankLoss::Pairwise => Vec::new(),
        };
        RankState {
            ndcg_scales,
            rankings: new_rankings(groups, labels.len()),
        }
    }
}

/// Consecutive queries packed into blocks of at least `min_rows` rows (the
/// last may be smaller): block boundaries as row indexes, from 0 to the
/// row count. They depend on the groups only, so results do not depend on
/// the thread count.
pub(crate) fn group_blocks(groups: &[usize], min_rows: usize) -> Vec<usize> {
    let mut blocks = vec![0];
    for &b in &groups[1..] {
        if b - blocks.last().copied().unwrap_or(0) >= min_rows {
            blocks.push(b);
        }
    }
    let end = groups.last().copied().unwrap_or(0);
    if blocks.last() != Some(&end) {
        blocks.push(end);
    }
    blocks
}

#[cfg(test)]
mod tests;
