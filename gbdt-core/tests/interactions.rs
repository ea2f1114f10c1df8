//! Interaction constraints: every root-to-leaf path splits only on features
//! that one allowed set holds (XGBoost's rule), for random sets and both
//! growth policies; training stays identical for any thread count; bad
//! values are errors naming the parameter.

use gbdt_core::{train, Dataset, Error, Executor, GrowPolicy, Model, Params, Tree};
use ndarray::Array2;

/// splitmix64: a seeded generator local to the tests.
struct Gen(u64);

impl Gen {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

const FEATURES: usize = 7;

/// Labels that reward interactions across all features (products of
/// pairs), so unconstrained trees mix features freely.
fn data(rows: usize, seed: u64) -> (Array2<f32>, Vec<f32>) {
    let mut g = Gen(seed);
    let x = Array2::from_shape_fn((rows, FEATURES), |_| g.unit() * 2.0 - 1.0);
    let y = (0..rows)
        .map(|i| {
            let r = x.row(i);
            r[0] * r[3] + r[1] * r[5] + r[2] * r[6] + r[4] * r[0] + 0.5 * r[6] + 0.1 * g.unit()
        })
        .collect();
    (x, y)
}

/// 1 to 3 random sets of 1 to 4 features (they may overlap and need not
/// cover every feature).
fn random_sets(g: &mut Gen) -> Vec<Vec<usize>> {
    (0..1 + g.below(3))
        .map(|_| (0..1 + g.below(4)).map(|_| g.below(FEATURES)).collect())
        .collect()
}

/// Every root-to-leaf path of `tree` as its split features, in order.
fn paths(tree: &Tree) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut stack = vec![(0usize, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        match tree.children(node) {
            None => out.push(path),
            Some((l, r)) => {
                let mut p = path;
                p.push(tree.split_feature(node));
                stack.push((l, p.clone()));
                stack.push((r, p));
            }
        }
    }
    out
}

/// XGBoost's rule on a path: each split after the first is on a feature
/// that one set holds together with every feature split on above it.
fn violation(path: &[usize], sets: &[Vec<usize>]) -> Option<String> {
    (1..path.len())
        .find(|&k| {
            !sets
                .iter()
                .any(|s| s.contains(&path[k]) && path[..k].iter().all(|f| s.contains(f)))
        })
        .map(|k| format!("path {path:?} splits on {} at depth {k}", path[k]))
}

fn first_violation(model: &Model, sets: &[Vec<usize>]) -> Option<String> {
    model
        .trees()
        .iter()
        .flat_map(paths)
        .find_map(|p| violation(&p, sets))
}

fn params(policy: GrowPolicy, sets: Vec<Vec<usize>>) -> Params {
    let (max_depth, max_leaves) = match policy {
        GrowPolicy::DepthWise => (5, 0),
        GrowPolicy::LossGuide => (0, 16),
    };
    Params {
        num_rounds: 8,
        grow_policy: policy,
        max_depth,
        max_leaves,
        colsample_bynode: 0.8,
        interaction_constraints: sets,
        ..Params::default()
    }
}

#[test]
fn every_path_stays_within_one_allowed_set() {
    let (x, y) = data(1500, 3);
    let d = Dataset::new(x.view(), &y).unwrap();
    let mut g = Gen(17);
    let mut multi_feature_paths = 0;
    for case in 0..24 {
        let sets = random_sets(&mut g);
        for policy in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
            let model = train(&params(policy, sets.clone()), &d, &[]).unwrap();
            if let Some(v) = first_violation(&model, &sets) {
                panic!("case {case}, {policy:?}, sets {sets:?}: {v}");
            }
            multi_feature_paths += model
                .trees()
                .iter()
                .flat_map(paths)
                .filter(|p| p.len() >= 2)
                .count();
        }
    }
    // The check ran on real interactions, not on stumps only.
    assert!(multi_feature_paths > 1000, "{multi_feature_paths}");
}

#[test]
fn unconstrained_trees_break_the_rule_the_check_enforces() {
    // Without constraints the same check finds violations: it can fail.
    let (x, y) = data(1500, 3);
    let d = Dataset::new(x.view(), &y).unwrap();
    let sets = vec![vec![0, 3], vec![1, 5], vec![2, 6]];
    for policy in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
        let free = train(&params(policy, Vec::new()), &d, &[]).unwrap();
        assert!(first_violation(&free, &sets).is_some(), "{policy:?}");
        let held = train(&params(policy, sets.clone()), &d, &[]).unwrap();
        assert_eq!(first_violation(&held, &sets), None, "{policy:?}");
        // The sets still let trees use pairs that interact in the labels.
        assert!(held.trees().iter().flat_map(paths).any(|p| p.len() >= 3));
    }
}

#[test]
fn a_feature_in_no_set_only_splits_a_root_alone() {
    let (x, y) = data(1500, 5);
    let d = Dataset::new(x.view(), &y).unwrap();
    let model = train(&params(GrowPolicy::DepthWise, vec![vec![1, 5]]), &d, &[]).unwrap();
    for tree in model.trees() {
        for p in paths(tree) {
            let outside = p.iter().any(|&f| f != 1 && f != 5);
            assert!(!outside || p.len() == 1, "path {p:?}");
        }
    }
}

fn trees_json(model: &Model) -> Vec<u8> {
    serde_json::to_vec(&serde_json::to_value(model).unwrap()["trees"]).unwrap()
}

#[test]
fn constrained_training_is_identical_for_any_thread_count() {
    let (x, y) = data(3000, 9);
    let d = Dataset::new(x.view(), &y).unwrap();
    let sets = vec![vec![0, 3, 4], vec![1, 5], vec![4, 6, 2]];
    for policy in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
        let p = Params {
            subsample: 0.8,
            num_rounds: 12,
            ..params(policy, sets.clone())
        };
        let bytes = |threads: usize| {
            let exec = Executor::new(threads).unwrap();
            let trainer = gbdt_core::Trainer::with_executor(&p, &d, &exec).unwrap();
            let model = trainer
                .train(&[], |_| std::ops::ControlFlow::Continue(()))
                .unwrap();
            trees_json(&model)
        };
        let one = bytes(1);
        let free = Params {
            interaction_constraints: Vec::new(),
            ..p.clone()
        };
        assert!(
            one != trees_json(&train(&free, &d, &[]).unwrap()),
            "{policy:?}"
        );
        for threads in [2, 7] {
            assert!(
                one == bytes(threads),
                "{policy:?}: {threads} threads differ from 1"
            );
        }
    }
}

#[test]
fn bad_sets_are_errors_naming_the_parameter() {
    let (x, y) = data(200, 1);
    let d = Dataset::new(x.view(), &y).unwrap();
    let cases = [vec![vec![0, 1], vec![2, FEATURES]], vec![vec![0], vec![]]];
    for sets in cases {
        let p = params(GrowPolicy::DepthWise, sets.clone());
        match train(&p, &d, &[]) {
            Err(e @ Error::InvalidParam { name, .. }) => {
                assert_eq!(name, "interaction_constraints", "{sets:?}: {e}");
                assert!(e.to_string().contains("interaction_constraints"), "{e}");
            }
            other => panic!("{sets:?}: {:?}", other.map(|_| ())),
        }
    }
    // The text form is checked when set.
    let param = Params::lookup("interactions").unwrap();
    let mut p = Params::default();
    param.set(&mut p, "[[0,1],[2,3,4]]").unwrap();
    assert_eq!(p.interaction_constraints, vec![vec![0, 1], vec![2, 3, 4]]);
    for bad in ["[[0,1],[]]", "[[0,1],[x]]", "0,1"] {
        let e = param.set(&mut p, bad).unwrap_err().to_string();
        assert!(e.contains("interaction_constraints"), "{bad}: {e}");
    }
}
