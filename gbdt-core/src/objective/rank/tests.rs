use super::*;

fn ctx<'a>(labels: &'a [f32], groups: Option<&'a [usize]>) -> GradContext<'a> {
    GradContext {
        labels,
        weights: None,
        num_outputs: 1,
        max_delta_step: 0.0,
        huber_slope: 1.0,
        tweedie_variance_power: 1.5,
        softmax_hessian: 2.0,
        quantile_alpha: &[],
        groups,
        truncation_level: 30,
        ndcg_scales: None,
    }
}

fn run(loss: RankLoss, c: &GradContext<'_>, scores: &[f64]) -> Vec<GradPair> {
    let mut out = vec![GradPair::default(); scores.len()];
    gradients(loss, c, 0, scores, None, &mut out);
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
    assert_eq!(queries_within(&groups, 5, 10), (&[5, 9, 10][..], 2));
}

/// The pair loop written plainly, one pair at a time in rank order with an
/// `exp` per pair: what the laid-out, branch-free kernel must compute.
fn reference(loss: RankLoss, truncation: usize, labels: &[f32], scores: &[f64]) -> Vec<(f64, f64)> {
    use crate::metric::ranking::{discount, gain, max_dcg, rank_order};
    let n = labels.len();
    let mut order = Vec::new();
    rank_order(scores, &mut order);
    let spread = scores[order[0]] != scores[order[n - 1]];
    let max = max_dcg(labels, truncation);
    let mut acc = vec![(0.0, 0.0); n];
    let mut sum = 0.0;
    for i in 0..(n - 1).min(truncation) {
        for j in i + 1..n {
            let (a, b) = (order[i], order[j]);
            if labels[a] == labels[b] {
                continue;
            }
            let (hi, lo) = if labels[a] > labels[b] {
                (a, b)
            } else {
                (b, a)
            };
            let delta = scores[hi] - scores[lo];
            let weight = match loss {
                RankLoss::Pairwise => 1.0,
                RankLoss::Ndcg => {
                    let w = (gain(labels[hi]) - gain(labels[lo])) * (discount(i) - discount(j))
                        / if max > 0.0 { max } else { f64::INFINITY };
                    w / if spread { 0.01 + delta.abs() } else { 1.0 }
                }
            };
            let p = 1.0 / (1.0 + delta.exp());
            acc[hi].0 -= p * weight;
            acc[lo].0 += p * weight;
            acc[hi].1 += p * (1.0 - p) * weight;
            acc[lo].1 += p * (1.0 - p) * weight;
            sum += 2.0 * p * weight;
        }
    }
    let norm = match loss {
        RankLoss::Ndcg if sum > 0.0 => (1.0 + sum).log2() / sum,
        _ => 1.0,
    };
    acc.iter().map(|&(g, h)| (g * norm, h * norm)).collect()
}

/// Seeded queries of every shape the kernel has a case for: ties of score
/// and label, all scores equal, scores hundreds apart (past `exp`'s range
/// from the top), labels all equal, truncation above and below the size.
#[test]
fn kernel_matches_the_plain_pair_loop() {
    let mut rng = crate::sampling::Rng::new(7, &[1]);
    for case in 0..300 {
        let n = 2 + rng.below(40);
        let grades = 1 + rng.below(5);
        let labels: Vec<f32> = (0..n).map(|_| rng.below(grades) as f32).collect();
        let spread = [1.0, 0.0, 900.0, 3.0][case % 4];
        let scores: Vec<f64> = (0..n)
            .map(|_| (rng.below(7) as f64 - 3.0) * spread * rng.next_f64().max(0.5))
            .collect();
        let truncation = [1, 3, 30, 100][case / 4 % 4];
        let c = GradContext {
            truncation_level: truncation,
            ..ctx(&labels, None)
        };
        for loss in [RankLoss::Ndcg, RankLoss::Pairwise] {
            let t = if loss == RankLoss::Ndcg {
                truncation
            } else {
                n
            };
            let want = reference(loss, t, &labels, &scores);
            let got = run(loss, &c, &scores);
            for (r, (g, w)) in got.iter().zip(&want).enumerate() {
                let close = |a: f32, b: f64| (a as f64 - b).abs() <= 1e-6 * (1.0 + b.abs());
                assert!(
                    close(g.g, w.0) && close(g.h, w.1),
                    "case {case} {loss:?} row {r}: {g:?} vs {w:?}\n{labels:?}\n{scores:?}"
                );
            }
        }
    }
}

/// Queries of 1 to `max_len` documents until there are at least `rows`,
/// with labels below `grades`: the group boundaries and the labels.
fn random_queries(
    rng: &mut crate::sampling::Rng,
    rows: usize,
    max_len: usize,
    grades: usize,
) -> (Vec<usize>, Vec<f32>) {
    let mut groups = vec![0];
    while *groups.last().unwrap() < rows {
        groups.push(groups.last().unwrap() + 1 + rng.below(max_len));
    }
    let n = *groups.last().unwrap();
    let labels = (0..n).map(|_| rng.below(grades) as f32).collect();
    (groups, labels)
}

/// Best DCGs computed once per query give the gradients that computing
/// them per round gives, bit for bit.
#[test]
fn precomputed_ndcg_scales_change_nothing() {
    let mut rng = crate::sampling::Rng::new(3, &[1]);
    let (groups, labels) = random_queries(&mut rng, 500, 30, 5);
    let n = labels.len();
    let scores: Vec<f64> = (0..n).map(|_| rng.next_f64() - 0.5).collect();
    for truncation in [1, 5, 30] {
        let plain = GradContext {
            truncation_level: truncation,
            ..ctx(&labels, Some(&groups))
        };
        let scales = ndcg_scales(&labels, &groups, truncation);
        assert_eq!(scales.len(), groups.len() - 1);
        let cached = GradContext {
            ndcg_scales: Some(&scales),
            ..plain
        };
        // A block from the middle, as the booster's blocks are.
        let (first, end) = (groups[3], groups[groups.len() - 2]);
        let bits = |c: &GradContext<'_>| {
            let mut out = vec![GradPair::default(); end - first];
            gradients(
                RankLoss::Ndcg,
                c,
                first,
                &scores[first..end],
                None,
                &mut out,
            );
            out.iter()
                .map(|p| (p.g.to_bits(), p.h.to_bits()))
                .collect::<Vec<_>>()
        };
        let want = bits(&plain);
        assert!(want.iter().any(|&(g, _)| g != 0), "some gradient");
        assert_eq!(bits(&cached), want, "truncation {truncation}");
    }
}

/// Starting each query's sort from its previous round's ranking gives the
/// gradients a fresh sort gives, bit for bit, round after round (scores
/// moving by small steps, with ties), for both losses.
#[test]
fn rankings_kept_between_rounds_change_nothing() {
    let mut rng = crate::sampling::Rng::new(5, &[2]);
    let (groups, labels) = random_queries(&mut rng, 400, 40, 4);
    let n = labels.len();
    let c = ctx(&labels, Some(&groups));
    let mut rankings = new_rankings(&groups, n);
    assert_eq!(rankings.len(), n);
    // Round 0: every score equal (ties only), then small steps.
    let mut scores = vec![0.0f64; n];
    for round in 0..6 {
        for loss in [RankLoss::Ndcg, RankLoss::Pairwise] {
            let want = run(loss, &c, &scores);
            let mut kept = rankings.clone();
            let mut got = vec![GradPair::default(); n];
            gradients(loss, &c, 0, &scores, Some(&mut kept), &mut got);
            let bits = |v: &[GradPair]| {
                v.iter()
                    .map(|p| (p.g.to_bits(), p.h.to_bits()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(bits(&got), bits(&want), "round {round}, {loss:?}");
            if loss == RankLoss::Ndcg {
                rankings = kept;
            }
        }
        for s in scores.iter_mut() {
            *s += ((rng.below(7) as f64) - 3.0) * 0.05;
        }
    }
}
