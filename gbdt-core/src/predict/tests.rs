//! Batch prediction against the per-row reference walk.

use ndarray::{Array2, ArrayView2};

use super::*;
use crate::testutil::{synthetic, train_path};
use crate::{Dataset, Objective, Params};

#[test]
fn small_batches_walk_row_by_row_to_the_same_margins() {
    let (x, y) = synthetic(500, 5, Objective::Softmax, 2);
    let params = Params {
        objective: Objective::Softmax,
        num_rounds: 5,
        ..Params::default()
    };
    let model = train_path(&params, &Dataset::new(x.view(), &y).unwrap(), 1, true);
    let exec = Executor::current();
    let (base, trees) = (model.base_margins(), model.trees());
    let all = margins(base, trees, x.view(), &exec);
    assert!(x.nrows() > ROW_BY_ROW && 7 <= ROW_BY_ROW);
    for start in (0..x.nrows()).step_by(7) {
        let rows = start..(start + 7).min(x.nrows());
        let part = margins(base, trees, x.slice(ndarray::s![rows.clone(), ..]), &exec);
        assert_eq!(part, all.slice(ndarray::s![rows, ..]));
    }
}

#[test]
fn only_large_batches_build_a_pool() {
    let threads = |threads| PredictOptions {
        threads,
        ..PredictOptions::default()
    };
    let three = threads(Some(3));
    assert!(!executor_for(&three, 10 * 100).unwrap().has_own_pool());
    let large = executor_for(&three, MIN_POOL_WORK).unwrap();
    assert!(large.has_own_pool() && large.threads() == 3);
    let unset = threads(None);
    assert!(!executor_for(&unset, 1 << 30).unwrap().has_own_pool());
    assert!(executor_for(&threads(Some(0)), 1).is_err());
    let given = PredictOptions {
        executor: Some(Executor::new(2).unwrap()),
        threads: Some(5),
        ..PredictOptions::default()
    };
    let exec = executor_for(&given, 1).unwrap();
    assert!(exec.has_own_pool() && exec.threads() == 2);
}

/// The margins of the straightforward per-row walk: base, then every
/// tree's leaf value in tree order.
fn reference(base: &[f64], trees: &[Tree], x: ArrayView2<'_, f32>) -> Vec<f64> {
    let k = base.len();
    let mut out = Vec::new();
    for row in x.rows() {
        let mut m = base.to_vec();
        for (i, t) in trees.iter().enumerate() {
            m[i % k] += t.value(t.leaf_of(|j| row[j])) as f64;
        }
        out.extend(m);
    }
    out
}

/// Rows that sit on the forest's thresholds, one ulp either side, far
/// outside them, missing, or (at categorical features) unseen categories,
/// mixed with the training rows.
fn edge_rows(trees: &[Tree], x: &Array2<f32>) -> Array2<f32> {
    let f = x.ncols();
    let mut values: Vec<Vec<f32>> = vec![vec![f32::NAN, -1e30, 1e30, -1.0, 1.5, 1e9]; f];
    for t in trees {
        for node in (0..t.num_nodes()).filter(|&n| !t.is_leaf(n)) {
            let v = t.threshold(node);
            let near = [
                v,
                f32::from_bits(v.to_bits().wrapping_add(1)),
                f32::from_bits(v.to_bits().wrapping_sub(1)),
            ];
            values[t.split_feature(node)].extend(near.iter().filter(|v| v.is_finite()));
        }
    }
    let mut rows = x.clone();
    for (i, mut row) in rows.rows_mut().into_iter().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            if (i + j) % 3 != 0 {
                let vs = &values[j];
                *cell = vs[(i * 7 + j * 13) % vs.len()];
            }
        }
    }
    rows
}

/// Trains `params` on `x`, `y` (features `categorical` as codes) and checks
/// that batch margins equal the reference walk's bit for bit, on the
/// training rows and on edge rows, for 1 and 3 threads; returns whether the
/// forest walked binned rows.
fn assert_matches_reference(
    params: &Params,
    x: &Array2<f32>,
    y: &[f32],
    categorical: &[usize],
) -> bool {
    let data = Dataset::new(x.view(), y).unwrap();
    let data = match categorical {
        [] => data,
        cats => data.with_categorical_codes(cats).unwrap(),
    };
    let model = train_path(params, &data, 2, true);
    let (base, trees) = (model.base_margins(), model.trees());
    if !categorical.is_empty() {
        assert!(trees.iter().any(|t| !t.category_splits().is_empty()));
    }
    for rows in [x.clone(), edge_rows(trees, x)] {
        let want = reference(base, trees, rows.view());
        for threads in [1, 3] {
            let exec = Executor::new(threads).unwrap();
            let got = margins(base, trees, rows.view(), &exec);
            let got: Vec<u64> = got.iter().map(|v| v.to_bits()).collect();
            let want: Vec<u64> = want.iter().map(|v| v.to_bits()).collect();
            assert_eq!(got, want, "{threads} threads");
        }
    }
    Forest::new(trees).unwrap().binned()
}

fn leaf_wise(params: Params) -> Params {
    Params {
        grow_policy: crate::GrowPolicy::LossGuide,
        max_leaves: 64,
        max_depth: 0,
        ..params
    }
}

#[test]
fn numeric_forests_with_missing_values_match_the_reference_walk() {
    let (x, y) = synthetic(3000, 6, Objective::Logistic, 11);
    let params = Params {
        objective: Objective::Logistic,
        num_rounds: 20,
        ..Params::default()
    };
    assert!(assert_matches_reference(&params, &x, &y, &[]));
    let deep = leaf_wise(params.clone());
    assert!(assert_matches_reference(&deep, &x, &y, &[]));
    let model = train_path(&deep, &Dataset::new(x.view(), &y).unwrap(), 1, true);
    let depths: Vec<usize> = model.trees().iter().map(|t| t.depth()).collect();
    assert!(depths.iter().any(|&d| d > 12), "deep trees: {depths:?}");
    let few = Params {
        num_rounds: forest::MIN_BINNED_TREES - 1,
        ..params
    };
    assert!(!assert_matches_reference(&few, &x, &y, &[]));
}

#[test]
fn multiclass_forests_match_the_reference_walk() {
    let (x, y) = synthetic(2000, 5, Objective::Softmax, 3);
    let params = Params {
        objective: Objective::Softmax,
        num_rounds: 6,
        ..Params::default()
    };
    assert!(assert_matches_reference(&params, &x, &y, &[]));
    assert!(assert_matches_reference(&leaf_wise(params), &x, &y, &[]));
}

#[test]
fn categorical_forests_match_the_reference_walk() {
    let (mut x, y) = synthetic(3000, 5, Objective::SquaredError, 5);
    for f in [1, 2] {
        x.column_mut(f).mapv_inplace(|v| {
            if v.is_nan() {
                v
            } else {
                ((v + 1.0) * 20.0).floor()
            }
        });
    }
    let params = Params {
        num_rounds: 20,
        min_data_per_group: 10,
        ..Params::default()
    };
    assert!(assert_matches_reference(&params, &x, &y, &[1, 2]));
    assert!(assert_matches_reference(
        &leaf_wise(params.clone()),
        &x,
        &y,
        &[1, 2]
    ));
    let few = Params {
        num_rounds: 3,
        ..params
    };
    assert!(!assert_matches_reference(&few, &x, &y, &[1, 2]));
}

#[test]
fn many_distinct_thresholds_match_the_reference_walk() {
    let (x, y) = synthetic(4000, 4, Objective::SquaredError, 8);
    let params = Params {
        num_rounds: 40,
        max_bin: 1024,
        ..leaf_wise(Params::default())
    };
    let data = Dataset::new(x.view(), &y).unwrap();
    let model = train_path(&params, &data, 1, true);
    let mut cuts: Vec<f32> = model
        .trees()
        .iter()
        .flat_map(|t| {
            (0..t.num_nodes())
                .filter(|&n| !t.is_leaf(n) && t.split_feature(n) == 0)
                .map(|n| t.threshold(n))
        })
        .collect();
    cuts.sort_by(f32::total_cmp);
    cuts.dedup();
    assert!(
        cuts.len() > 255,
        "{} thresholds need 16-bit codes",
        cuts.len()
    );
    assert!(assert_matches_reference(&params, &x, &y, &[]));
}

#[test]
fn blocks_are_whole_groups_and_give_every_worker_several() {
    assert_eq!(block_rows(1, 56, 2), GROUP);
    assert_eq!(block_rows(10_000_000, 56, 2), BLOCK);
    // Wide rows: a block's cells stay within BLOCK_BYTES.
    assert_eq!(block_rows(10_000_000, 2000, 2), 128);
    assert_eq!(block_rows(10_000_000, 1 << 20, 2), GROUP);
    for (rows, threads) in [(25_000, 2), (3000, 3), (75_000, 7)] {
        let block = block_rows(rows, 56, threads);
        assert_eq!(block % GROUP, 0, "{rows} rows, {threads} threads");
        assert_eq!(rows.div_ceil(block), BLOCKS_PER_THREAD * threads);
    }
}
