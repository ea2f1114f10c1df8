//! Tests of the contributions: the sum property on trained models, a brute
//! force Shapley computation on random trees, determinism, and edge cases.

use ndarray::{Array2, ArrayView2};
use proptest::prelude::*;

use super::forest::{ShapForest, MAX_TABLE_BITS, TABLE_BUDGET};
use super::paths::TreePaths;
use crate::sampling::Rng;
use crate::testutil::synthetic;
use crate::tree::{SplitRecord, Tree};
use crate::{train, Dataset, Executor, GrowPolicy, Model, Objective, Params};

fn exec(threads: usize) -> Executor {
    Executor::new(threads).expect("a small pool starts")
}

fn trained(objective: Objective, extra: impl Fn(Params) -> Params) -> (Model, Array2<f32>) {
    let (x, mut y) = synthetic(2000, 6, objective, 7);
    if objective == Objective::Softmax {
        y.iter_mut().for_each(|v| *v = v.min(2.0)); // three classes
    }
    let data = Dataset::new(x.view(), &y).expect("valid data");
    let params = extra(Params {
        objective,
        num_rounds: 15,
        threads: Some(2),
        ..Params::default()
    });
    (train(&params, &data, &[]).expect("training works"), x)
}

/// bias + sum of contributions == raw margin, for every row and output.
fn assert_sums_to_margin(model: &Model, x: ArrayView2<'_, f32>, contrib: &Array2<f64>) {
    let margin = model.predict_raw(x).expect("prediction works");
    let (k, f) = (model.num_outputs(), model.num_features());
    assert_eq!(contrib.dim(), (x.nrows(), k * (f + 1)));
    for (r, row) in contrib.rows().into_iter().enumerate() {
        for o in 0..k {
            let sum: f64 = row.iter().skip(o * (f + 1)).take(f + 1).sum();
            let m = margin[[r, o]];
            let err = (sum - m).abs();
            assert!(
                err <= 1e-4 && err <= 1e-6 * m.abs().max(1.0) * 100.0,
                "row {r} output {o}: contributions sum to {sum}, margin {m}"
            );
        }
    }
}

fn check_sums(objective: Objective, extra: impl Fn(Params) -> Params) -> Array2<f64> {
    let (model, x) = trained(objective, extra);
    assert!(x.iter().any(|v| v.is_nan()), "the data has missing values");
    let contrib = model.predict_contributions(x.view(), &exec(2)).unwrap();
    assert_sums_to_margin(&model, x.view(), &contrib);
    // The table-free evaluation gives the same values.
    let rounds = model.rounds_for_prediction();
    let plain = model
        .contributions_with_budget(x.view(), rounds, 0, &exec(2))
        .unwrap();
    let worst = (&contrib - &plain)
        .mapv(f64::abs)
        .fold(0.0, |a: f64, &b| a.max(b));
    assert!(worst < 1e-9, "tables and polynomials differ by {worst}");
    contrib
}

#[test]
fn contributions_sum_to_the_margin_binary_depthwise() {
    let c = check_sums(Objective::Logistic, |p| p);
    // Features 4 and 5 are noise: they get far less credit than feature 0.
    let credit = |j: usize| c.column(j).mapv(f64::abs).sum();
    assert!(
        credit(0) > 5.0 * credit(5),
        "{} vs {}",
        credit(0),
        credit(5)
    );
}

#[test]
fn contributions_sum_to_the_margin_regression_lossguide() {
    check_sums(Objective::SquaredError, |p| Params {
        grow_policy: GrowPolicy::LossGuide,
        max_leaves: 16,
        max_depth: 0,
        ..p
    });
}

#[test]
fn contributions_sum_to_the_margin_multiclass() {
    let c = check_sums(Objective::Softmax, |p| p);
    assert_eq!(c.ncols(), 3 * 7);
}

#[test]
fn contributions_sum_to_the_margin_multiclass_lossguide_deep() {
    check_sums(Objective::Softmax, |p| Params {
        grow_policy: GrowPolicy::LossGuide,
        max_leaves: 40,
        max_depth: 0,
        num_rounds: 5,
        ..p
    });
}

#[test]
fn thread_counts_give_bit_identical_contributions() {
    let (model, x) = trained(Objective::Logistic, |p| p);
    // Enough rows for several blocks, and a non-contiguous view.
    let xt = x.t().to_owned();
    let view = xt.t();
    let one = model.predict_contributions(view, &exec(1)).unwrap();
    for threads in [2, 7] {
        let other = model.predict_contributions(view, &exec(threads)).unwrap();
        assert!(one == other, "{threads} threads differ from 1");
    }
    assert!(one == model.predict_contributions(x.view(), &exec(3)).unwrap());
}

#[test]
fn rounds_and_shapes_are_checked() {
    let (model, x) = trained(Objective::SquaredError, |p| p);
    let zero = model
        .predict_contributions_rounds(x.view(), 0, &exec(1))
        .unwrap();
    assert!(zero.column(6).iter().all(|&b| b == model.base_margins()[0]));
    assert!(zero
        .columns()
        .into_iter()
        .take(6)
        .flatten()
        .all(|&v| v == 0.0));
    let narrow = x.slice(ndarray::s![.., ..5]);
    let err = model.predict_contributions(narrow, &exec(1)).unwrap_err();
    assert!(err.to_string().contains("5 features"), "{err}");
    let empty = x.slice(ndarray::s![..0, ..]);
    assert_eq!(
        model.predict_contributions(empty, &exec(1)).unwrap().dim(),
        (0, 7)
    );
}

/// A random tree: splits down to `max_depth` on `features` features, with
/// thresholds among the row values' half-points and children covers that
/// add up to the parent's (sometimes zero).
fn random_tree(rng: &mut Rng, features: usize, max_depth: usize) -> Tree {
    let mut tree = Tree::with_root(0.0, 100.0);
    let mut open = vec![(0usize, 0usize)];
    while let Some((node, depth)) = open.pop() {
        if depth >= max_depth || rng.below(5) == 0 {
            continue;
        }
        let cover = tree.cover(node);
        let share = [0.0, 0.5, rng.next_f64()][rng.below(3)];
        let left_cover = (cover as f64 * share) as f32;
        let split = SplitRecord {
            feature: rng.below(features) as u32,
            threshold: [0.5, 1.5, 2.5, f32::INFINITY][rng.below(4)],
            default_left: rng.below(2) == 0,
            gain: 1.0,
            left_value: (rng.next_f64() * 4.0 - 2.0) as f32,
            right_value: (rng.next_f64() * 4.0 - 2.0) as f32,
            left_cover,
            right_cover: cover - left_cover,
            categories: None,
        };
        let left = tree.split(node, &split);
        open.push((left, depth + 1));
        open.push((left + 1, depth + 1));
    }
    tree
}

/// A random tree of `leaves` leaves that grows mostly from its newest
/// leaf on feature `depth % features`, so paths get long and use many
/// distinct features.
fn random_deep_tree(rng: &mut Rng, features: usize, leaves: usize) -> Tree {
    let mut tree = Tree::with_root(0.0, 1000.0);
    let mut open = vec![(0usize, 0usize)];
    for _ in 1..leaves {
        let pick = if rng.below(8) == 0 {
            rng.below(open.len())
        } else {
            open.len() - 1
        };
        let (node, depth) = open.remove(pick);
        let cover = tree.cover(node);
        let left_cover = (cover as f64 * (0.1 + 0.8 * rng.next_f64())) as f32;
        let feature = if rng.below(4) == 0 {
            rng.below(features)
        } else {
            depth % features
        };
        let split = SplitRecord {
            feature: feature as u32,
            threshold: [0.5, 1.5, 2.5][rng.below(3)],
            default_left: rng.below(2) == 0,
            gain: 1.0,
            left_value: (rng.next_f64() * 4.0 - 2.0) as f32,
            right_value: (rng.next_f64() * 4.0 - 2.0) as f32,
            left_cover,
            right_cover: cover - left_cover,
            categories: None,
        };
        let left = tree.split(node, &split);
        let (first, second) = if rng.below(2) == 0 {
            (left, left + 1)
        } else {
            (left + 1, left)
        };
        open.push((first, depth + 1));
        open.push((second, depth + 1));
    }
    tree
}

fn random_rows(rng: &mut Rng, rows: usize, features: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, features), |_| match rng.below(5) {
        0 => f32::NAN,
        v => (v - 1) as f32,
    })
}

/// The most distinct features on one leaf's path, over the model.
fn max_distinct_features(model: &Model) -> u32 {
    let paths = model.trees().iter().map(TreePaths::new);
    paths
        .flat_map(|p| p.leaves.into_iter().map(|l| l.slots))
        .max()
        .unwrap_or(0)
}

fn model_of(trees: Vec<Tree>, features: usize, base: f64) -> Model {
    Model {
        objective: Objective::SquaredError,
        num_outputs: 1,
        num_features: features,
        feature_names: (0..features).map(|j| format!("f{j}")).collect(),
        base_margins: vec![base],
        trees,
        best_iteration: None,
        metrics: Vec::new(),
        params: Params::default(),
        categories: Default::default(),
    }
}

/// E[tree(x) | x_S]: follow the row on features in `known`, else average
/// the children by their share of the children's cover.
fn conditional(tree: &Tree, node: usize, row: &[f32], known: usize) -> f64 {
    let Some((l, r)) = tree.children(node) else {
        return tree.value(node) as f64;
    };
    let f = tree.split_feature(node);
    if known & (1 << f) != 0 {
        let v = row[f];
        let left = if v.is_nan() {
            tree.default_left(node)
        } else {
            v <= tree.threshold(node)
        };
        return conditional(tree, if left { l } else { r }, row, known);
    }
    let (cl, cr) = (tree.cover(l) as f64, tree.cover(r) as f64);
    let (wl, wr) = if cl + cr > 0.0 {
        (cl / (cl + cr), cr / (cl + cr))
    } else {
        (0.5, 0.5)
    };
    wl * conditional(tree, l, row, known) + wr * conditional(tree, r, row, known)
}

/// Shapley values over all subsets of the features, then the bias.
fn brute_force(model: &Model, row: &[f32]) -> Vec<f64> {
    let m = model.num_features();
    let game = |s: usize| -> f64 {
        model
            .trees()
            .iter()
            .map(|t| conditional(t, 0, row, s))
            .sum()
    };
    let fact = |n: usize| (1..=n).map(|i| i as f64).product::<f64>();
    let mut phi = vec![0.0; m + 1];
    for (i, p) in phi.iter_mut().enumerate().take(m) {
        for s in (0..1usize << m).filter(|s| s & (1 << i) == 0) {
            let size = s.count_ones() as usize;
            let w = fact(size) * fact(m - size - 1) / fact(m);
            *p += w * (game(s | 1 << i) - game(s));
        }
    }
    phi[m] = model.base_margins()[0] + game(0);
    phi
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn contributions_equal_brute_force_shapley(seed in any::<u64>(), features in 1usize..6, trees in 1usize..4) {
        let mut rng = Rng::new(seed, &[]);
        let forest = (0..trees).map(|_| random_tree(&mut rng, features, 4)).collect();
        let model = model_of(forest, features, 0.25);
        let x = random_rows(&mut rng, 24, features);
        let tables = model.predict_contributions(x.view(), &exec(2)).unwrap();
        let plain = model.contributions_with_budget(x.view(), trees, 0, &exec(2)).unwrap();
        for (r, row) in x.rows().into_iter().enumerate() {
            let expected = brute_force(&model, row.as_slice().unwrap());
            for (j, e) in expected.iter().enumerate() {
                for (what, got) in [("table", tables[[r, j]]), ("polynomial", plain[[r, j]])] {
                    prop_assert!((got - e).abs() < 1e-9, "{} row {} column {}: {} vs {}", what, r, j, got, e);
                }
            }
        }
    }
}

#[test]
fn leaves_with_many_distinct_features_match_brute_force() {
    // 14 features: paths with more than MAX_TABLE_BITS distinct features
    // are explained without a table, the others with one.
    let mut rng = Rng::new(42, &[]);
    let trees = (0..3).map(|_| random_deep_tree(&mut rng, 14, 40)).collect();
    let model = model_of(trees, 14, -0.5);
    let widest = max_distinct_features(&model);
    assert!(widest > MAX_TABLE_BITS, "{widest} distinct features");
    let x = random_rows(&mut rng, 6, 14);
    let c = model.predict_contributions(x.view(), &exec(2)).unwrap();
    for (r, row) in x.rows().into_iter().enumerate() {
        let expected = brute_force(&model, row.as_slice().unwrap());
        for (j, e) in expected.iter().enumerate() {
            assert!(
                (c[[r, j]] - e).abs() < 1e-9,
                "row {r} column {j}: {} vs {e}",
                c[[r, j]]
            );
        }
    }
}

#[test]
fn paths_longer_than_64_features_still_add_up() {
    let mut rng = Rng::new(7, &[]);
    let trees = (0..2)
        .map(|_| random_deep_tree(&mut rng, 90, 600))
        .collect();
    let model = model_of(trees, 90, 0.0);
    let widest = max_distinct_features(&model);
    assert!(widest > 64, "{widest} distinct features");
    let x = random_rows(&mut rng, 50, 90);
    let c = model.predict_contributions(x.view(), &exec(2)).unwrap();
    assert_sums_to_margin(&model, x.view(), &c);
    assert!(c.iter().all(|v| v.is_finite()));
}

#[test]
fn table_groups_do_not_change_a_bit() {
    let (model, x) = trained(Objective::Softmax, |p| p);
    let rounds = model.rounds_for_prediction();
    let whole = model.predict_contributions(x.view(), &exec(2)).unwrap();
    // About one tree's tables per group.
    let forest = ShapForest::new(&model, rounds, x.nrows(), &exec(1));
    assert!(forest.groups(1000).len() > model.num_trees() / 3);
    assert_eq!(forest.groups(TABLE_BUDGET).len(), 1);
    let small = model
        .contributions_with_budget(x.view(), rounds, 1000, &exec(2))
        .unwrap();
    assert!(whole == small);
}

/// CPU seconds used by this process so far (all threads), from
/// `/proc/self/stat` (Linux; 0 elsewhere). Wall time is noisy on a shared
/// machine, CPU time much less so.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0 // utime + stime, at the usual 100 ticks/s
}

/// Rough timing: 10k rows, 200 depth-6 trees. Run with
/// `cargo test -p gbdt-core --lib time_contributions -- --ignored --nocapture`.
#[test]
#[ignore]
fn time_contributions() {
    let (x, y) = synthetic(10_000, 28, Objective::Logistic, 3);
    let data = Dataset::new(x.view(), &y).unwrap();
    let params = Params {
        objective: Objective::Logistic,
        num_rounds: 200,
        max_depth: 6,
        threads: Some(2),
        ..Params::default()
    };
    let model = train(&params, &data, &[]).unwrap();
    let leaves: usize = model.trees().iter().map(Tree::num_leaves).sum();
    println!("{} trees, {leaves} leaves", model.num_trees());
    let timed = |what: &str, f: &dyn Fn() -> Array2<f64>| {
        let (t, c) = (std::time::Instant::now(), cpu_seconds());
        let out = f();
        let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
        println!("  {what}: wall {wall:.3} s, cpu {cpu:.2} s");
        out
    };
    for threads in [1, 2] {
        let e = exec(threads);
        println!("{threads} threads:");
        timed("predict", &|| model.predict_raw(x.view()).unwrap());
        let c = timed("contributions", &|| {
            model.predict_contributions(x.view(), &e).unwrap()
        });
        assert_sums_to_margin(&model, x.view(), &c);
        timed("contributions without tables", &|| {
            model
                .contributions_with_budget(x.view(), 200, 0, &e)
                .unwrap()
        });
    }
    let e = exec(1);
    for rows in [1, 10, 100] {
        let few = x.slice(ndarray::s![..rows, ..]);
        let (t, c) = (std::time::Instant::now(), cpu_seconds());
        for _ in 0..50 {
            model.predict_contributions(few, &e).unwrap();
        }
        let cpu = (cpu_seconds() - c) / 50.0 * 1e3;
        println!(
            "{rows} rows: wall {:?}, cpu {cpu:.2} ms per call",
            t.elapsed() / 50
        );
    }
}
