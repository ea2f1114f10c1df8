use super::*;

fn ctx<'a>(labels: &'a [f32], groups: Option<&'a [usize]>) -> GradContext<'a> {
    GradContext {
        labels,
        weights: None,
        num_outputs: 1,
        max_delta_step: 0.0,
        huber_slope: 1.0,
        tweedie_variance_power: 1.5,
        quantile_alpha: &[],
        groups,
        truncation_level: 30,
    }
}

fn run(loss: RankLoss, c: &GradContext<'_>, scores: &[f64]) -> Vec<GradPair> {
    let mut out = vec![GradPair::default(); scores.len()];
    gradients(loss, c, 0, scores, &mut out);
    out
}

/// RankNet's gradient is the derivative of the sum over pairs of
/// `log(1 + exp(-(s_high - s_low)))`.
#[test]
fn pairwise_matches_finite_differences() {
    let labels = [2.0f32, 0.0, 1.0, 1.0];
    let scores = [0.3, 0.5, -0.2, 0.1];
    let loss = |s: &[f64]| {
        let mut total = 0.0;
        for i in 0..4 {
            for j in 0..4 {
                if labels[i] > labels[j] {
                    total += (1.0 + (-(s[i] - s[j])).exp()).ln();
                }
            }
        }
        total
    };
    let g = run(RankLoss::Pairwise, &ctx(&labels, None), &scores);
    for r in 0..4 {
        let eps = 1e-5;
        let (mut up, mut down) = (scores, scores);
        up[r] += eps;
        down[r] -= eps;
        let num = (loss(&up) - loss(&down)) / (2.0 * eps);
        assert!(
            (g[r].g as f64 - num).abs() < 1e-4,
            "row {r}: {} vs {num}",
            g[r].g
        );
        assert!(g[r].h > 0.0);
    }
}

/// LambdaRank pushes relevant documents up (negative gradient) and
/// irrelevant ones down; a query without relevant documents, or with one
/// label only, gets no gradient; gradients sum to zero within a query.
#[test]
fn lambdarank_directions_and_empty_queries() {
    let labels = [0.0f32, 3.0, 1.0, 0.0, 0.0, 2.0, 2.0];
    let groups = [0, 3, 5, 7];
    let scores = [0.5, 0.1, 0.2, 0.4, -0.3, 0.0, 0.0];
    let g = run(RankLoss::Ndcg, &ctx(&labels, Some(&groups)), &scores);
    assert!(g[1].g < 0.0 && g[0].g > 0.0, "{g:?}");
    assert!(
        g[1].g < g[2].g,
        "the most relevant document gets the strongest push"
    );
    let sum: f32 = g[..3].iter().map(|p| p.g).sum();
    assert!(sum.abs() < 1e-6, "{sum}");
    for (r, pair) in g.iter().enumerate().skip(3) {
        assert_eq!(*pair, GradPair::default(), "row {r}");
    }
}

/// The NDCG weighting: a swap at the top matters more than one lower down,
/// and normalisation keeps a query's gradients bounded by log2(1 + S).
#[test]
fn lambdarank_weights_by_position_and_normalises() {
    let labels = [1.0f32, 0.0, 0.0, 0.0, 0.0, 0.0];
    let top = run(
        RankLoss::Ndcg,
        &ctx(&labels, None),
        &[0.5, 0.6, 0.0, 0.0, 0.0, 0.0],
    );
    let low = run(
        RankLoss::Ndcg,
        &ctx(&labels, None),
        &[0.0, 0.6, 0.7, 0.8, 0.9, 1.0],
    );
    assert!(top[0].g < 0.0 && low[0].g < 0.0);
    let total: f32 = low.iter().map(|p| p.g.abs()).sum();
    let s: f32 = low.iter().filter(|p| p.g > 0.0).map(|p| p.g).sum();
    assert!((total - 2.0 * s).abs() < 1e-5);
    // Truncation 1: only pairs with a document at the top position count.
    let c = GradContext {
        truncation_level: 1,
        ..ctx(&labels, None)
    };
    let cut = run(RankLoss::Ndcg, &c, &[0.0, 0.6, 0.7, 0.8, 0.9, 1.0]);
    assert!(cut[1..5].iter().all(|p| p.g == 0.0), "{cut:?}");
    assert!(cut[5].g > 0.0 && cut[0].g < 0.0);
}

#[test]
fn weights_scale_rows() {
    let labels = [1.0f32, 0.0];
    let w = [2.0f32, 0.5];
    let plain = run(RankLoss::Ndcg, &ctx(&labels, None), &[0.0, 0.1]);
    let c = GradContext {
        weights: Some(&w),
        ..ctx(&labels, None)
    };
    let weighted = run(RankLoss::Ndcg, &c, &[0.0, 0.1]);
    assert!((weighted[0].g - 2.0 * plain[0].g).abs() < 1e-6);
    assert!((weighted[1].h - 0.5 * plain[1].h).abs() < 1e-6);
}

#[test]
fn blocks_follow_group_boundaries() {
    let groups = [0, 3, 5, 9, 10, 14];
    assert_eq!(group_blocks(&groups, 4), [0, 5, 9, 14]);
    assert_eq!(group_blocks(&groups, 1), groups);
    assert_eq!(group_blocks(&groups, 100), [0, 14]);
    assert_eq!(queries_within(&groups, 5, 10), [5, 9, 10]);
}
