//! `split_holdout`: the held-out rows of `gbdt train --holdout`. The
//! invariants of the module doc, checked through the public API on random
//! labels: the parts cover the rows once each in row order, every class is
//! within one row of its share and keeps a training row, rows keep their
//! weights, and the seed alone decides the draw.

use std::collections::BTreeMap;

use gbdt_io::{parse_target, split_holdout, training_data, Holdout, Selection, TrainingData};
use proptest::prelude::*;

use crate::util::{exec, table};

/// Rows `i` with feature `row = i`, weight `w = i + 1` and the given label.
fn data(labels: &[u8]) -> TrainingData {
    let mut csv = String::from("row,w,y\n");
    for (i, y) in labels.iter().enumerate() {
        csv += &format!("{i},{},{y}\n", i + 1);
    }
    let t = table(&csv);
    let rule = parse_target("y", &t).unwrap();
    let selection = Selection {
        weight: Some("w".into()),
        ..Selection::default()
    };
    training_data(&t, &rule, &selection, exec()).unwrap()
}

/// The original row index of each row of a part (feature `row`).
fn rows(part: &TrainingData) -> Vec<usize> {
    part.features
        .column(0)
        .iter()
        .map(|&r| r as usize)
        .collect()
}

fn count_by_label(labels: &[f32]) -> BTreeMap<u32, usize> {
    let mut m = BTreeMap::new();
    for y in labels {
        *m.entry(*y as u32).or_default() += 1;
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn parts_cover_every_row_once_with_each_class_at_its_share(
        labels in prop::collection::vec(0u8..4, 2..300),
        fraction in 0.01f64..0.99,
        seed in any::<u64>(),
        stratify in any::<bool>(),
    ) {
        let h = Holdout { fraction, seed, stratify };
        let Ok((train, held)) = split_holdout(data(&labels), &h) else {
            // Only when the rounded share of every class is 0.
            prop_assert!(fraction * labels.len() as f64 <= 0.5 || stratify);
            return Ok(());
        };
        let (a, b) = (rows(&train), rows(&held));
        prop_assert!(a.windows(2).all(|w| w[0] < w[1]) && b.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        prop_assert_eq!(all, (0..labels.len()).collect::<Vec<_>>());
        for (part, idx) in [(&train, &a), (&held, &b)] {
            let w: Vec<f32> = idx.iter().map(|&i| (i + 1) as f32).collect();
            prop_assert_eq!(part.weights.as_deref(), Some(&w[..]));
            let y: Vec<f32> = idx.iter().map(|&i| f32::from(labels[i])).collect();
            prop_assert_eq!(&part.labels, &y);
        }
        let ys: Vec<f32> = labels.iter().map(|&y| f32::from(y)).collect();
        if stratify {
            let held_n = count_by_label(&held.labels);
            for (class, n) in count_by_label(&ys) {
                let k = held_n.get(&class).copied().unwrap_or(0);
                prop_assert!((k as f64 - fraction * n as f64).abs() < 1.0, "class {class}: {k} of {n}");
                prop_assert!(k < n, "class {class} keeps a training row");
            }
        } else {
            let k = (fraction * labels.len() as f64).round() as usize;
            prop_assert_eq!(b.len(), k.min(labels.len() - 1));
        }
        let (_, again) = split_holdout(data(&labels), &h).unwrap();
        prop_assert_eq!(rows(&again), b);
    }
}

#[test]
fn another_seed_keeps_out_other_rows() {
    let labels: Vec<u8> = (0..200).map(|i| (i % 3 == 0) as u8).collect();
    let held = |seed| {
        let h = Holdout {
            fraction: 0.2,
            seed,
            stratify: true,
        };
        rows(&split_holdout(data(&labels), &h).unwrap().1)
    };
    let first = held(1);
    assert_eq!(first.len(), 40);
    assert_ne!(first, held(2));
    assert_eq!(first, held(1));
}

#[test]
fn too_few_rows_and_bad_fractions_are_errors() {
    let h = |fraction| Holdout {
        fraction,
        seed: 0,
        stratify: true,
    };
    let e = split_holdout(data(&[0, 1, 0]), &h(0.1)).unwrap_err();
    assert!(
        e.to_string()
            .contains("--holdout 0.1 of 3 rows keeps out no row"),
        "{e}"
    );
    let e = split_holdout(data(&[0, 1, 0]), &h(1.0)).unwrap_err();
    assert!(e.to_string().contains("strictly between 0 and 1"), "{e}");
}
