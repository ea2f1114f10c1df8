//! End-to-end learning to rank: on seeded queries whose relevance grades
//! come from the features plus noise, rank:ndcg and rank:pairwise reach a
//! stated held-out NDCG@5, well above a constant model's; models are the
//! same for any thread count; ranking without groups is a clear error.

use gbdt_core::{train, Dataset, Error, Metric, Objective, Params};
use ndarray::Array2;

/// xorshift64*: a seeded generator local to the tests.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / (1u64 << 24) as f32
    }
}

/// `queries` × `docs` rows, 6 features in [-1, 1), grades 0..=4 from a
/// nonlinear score of the first four features plus noise; groups by size.
fn ranking_data(queries: usize, docs: usize, seed: u64) -> (Array2<f32>, Vec<f32>, Vec<usize>) {
    let mut g = Gen(seed * 0x9E37_79B9 + 7);
    let rows = queries * docs;
    let x = Array2::from_shape_fn((rows, 6), |_| g.next() * 2.0 - 1.0);
    let y = (0..rows)
        .map(|i| {
            let r = x.row(i);
            let s = 1.2 * r[0] + (2.0 * r[1]).sin() + r[2] * r[3] + 0.6 * (g.next() - 0.5);
            (s + 2.0).clamp(0.0, 4.0).floor()
        })
        .collect();
    (x, y, vec![docs; queries])
}

fn params(objective: Objective) -> Params {
    Params {
        objective,
        num_rounds: 40,
        learning_rate: 0.1,
        max_leaves: 15,
        max_depth: 0,
        grow_policy: gbdt_core::GrowPolicy::LossGuide,
        ..Params::default()
    }
}

fn held_out_ndcg5(objective: Objective, threads: usize) -> (f64, Vec<u8>) {
    let (x, y, sizes) = ranking_data(300, 20, 1);
    let (tx, ty, tsizes) = ranking_data(100, 20, 2);
    let train_set = Dataset::new(x.view(), &y)
        .unwrap()
        .with_groups(&sizes)
        .unwrap();
    let test = Dataset::new(tx.view(), &ty)
        .unwrap()
        .with_groups(&tsizes)
        .unwrap();
    let p = Params {
        threads: Some(threads),
        ..params(objective)
    };
    let model = train(&p, &train_set, &[("test", &test)]).unwrap();
    let last = model.metrics().last().unwrap();
    assert_eq!(last.metric, Metric::Ndcg(5), "eval_at 1..5 by default");
    let pred = model.predict(tx.view()).unwrap();
    let groups = test.groups().unwrap();
    let ndcg =
        Metric::Ndcg(5).compute_grouped(&ty, None, pred.as_slice().unwrap(), 1, Some(groups));
    assert!(
        (ndcg - last.value).abs() < 1e-12,
        "{ndcg} vs {}",
        last.value
    );
    (ndcg, format!("{:?}", model.trees()).into_bytes())
}

#[test]
fn lambdarank_beats_a_constant_model_on_held_out_queries() {
    let (tx, ty, tsizes) = ranking_data(100, 20, 2);
    let groups: Vec<usize> = std::iter::once(0)
        .chain(tsizes.iter().scan(0, |s, &n| {
            *s += n;
            Some(*s)
        }))
        .collect();
    let constant =
        Metric::Ndcg(5).compute_grouped(&ty, None, &vec![0.0; tx.nrows()], 1, Some(&groups));
    let (ndcg, one) = held_out_ndcg5(Objective::RankNdcg, 1);
    let (pairwise, _) = held_out_ndcg5(Objective::RankPairwise, 1);
    eprintln!(
        "held-out NDCG@5: constant {constant:.4}, rank:ndcg {ndcg:.4}, rank:pairwise {pairwise:.4}"
    );
    assert!(ndcg > 0.94, "rank:ndcg NDCG@5 {ndcg}");
    assert!(pairwise > 0.92, "rank:pairwise NDCG@5 {pairwise}");
    assert!(ndcg > constant + 0.2, "{ndcg} vs constant {constant}");
    let (_, three) = held_out_ndcg5(Objective::RankNdcg, 3);
    assert!(
        one == three,
        "the model does not depend on the thread count"
    );
}

#[test]
fn ranking_needs_groups_and_grades() {
    let (x, y, _) = ranking_data(10, 5, 3);
    let data = Dataset::new(x.view(), &y).unwrap();
    let e = train(&params(Objective::RankNdcg), &data, &[]).unwrap_err();
    assert!(matches!(e, Error::InvalidGroups { .. }), "{e}");
    assert!(e.to_string().contains("no query groups"), "{e}");
    let mut bad = y.clone();
    bad[7] = 1.5;
    let data = Dataset::new(x.view(), &bad)
        .unwrap()
        .with_groups(&[5; 10])
        .unwrap();
    let e = train(&params(Objective::RankNdcg), &data, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 7") && e.contains("relevance grade"), "{e}");
}

#[test]
fn eval_at_sets_the_reported_cutoffs() {
    let (x, y, sizes) = ranking_data(30, 10, 4);
    let data = Dataset::new(x.view(), &y)
        .unwrap()
        .with_groups(&sizes)
        .unwrap();
    let mut p = params(Objective::RankNdcg);
    p.num_rounds = 3;
    p.set("eval_at", "1,3").unwrap();
    p.set("metric", "ndcg,map@2").unwrap();
    let model = train(&p, &data, &[("train", &data)]).unwrap();
    let names: Vec<&str> = model.metrics().iter().map(|r| r.metric.name()).collect();
    assert_eq!(names, ["ndcg@1", "ndcg@3", "map@2"]);
    assert!(model
        .metrics()
        .iter()
        .all(|r| r.value > 0.5 && r.value <= 1.0));
}
