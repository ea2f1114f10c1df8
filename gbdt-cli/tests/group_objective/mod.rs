//! `--group` without `--objective` (issue 14): query groups imply
//! `rank:ndcg`, the one use of groups in training; an explicit objective
//! wins, as in XGBoost and LightGBM, where groups then serve ranking
//! metrics and whole-query holdouts.

use crate::ranking::queries;
use crate::util::{gbdt_in, TempDir};

fn objective_of(d: &TempDir) -> String {
    let r = gbdt_in(d.path(), &["inspect", "m.gbdt", "--json"]);
    r.ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["objective"].as_str().unwrap().to_string()
}

#[test]
fn query_groups_imply_rank_ndcg_unless_an_objective_is_given() {
    let d = TempDir::new("group-objective");
    let (csv, svm) = queries(20, 5, 3);
    d.write("d.csv", &csv);
    d.write("d.svm", &svm);
    let base = [
        "train", "d.csv", "-t", "grade", "--group", "query", "--rounds", "3", "-o", "m.gbdt",
    ];
    let r = gbdt_in(d.path(), &base);
    r.ok().stderr_says(&[
        "objective rank:ndcg (the data has 20 query groups; change it with --objective)",
        "ndcg@",
    ]);
    assert_eq!(objective_of(&d), "rank:ndcg");
    let svm = gbdt_in(
        d.path(),
        &["train", "d.svm", "--rounds", "3", "-o", "m.gbdt"],
    );
    svm.ok()
        .stderr_says(&["objective rank:ndcg (the data has 20 query groups"]);
    let explicit = [
        &base[..],
        &["--objective", "reg:squarederror", "--eval-metric", "ndcg@3"],
    ]
    .concat();
    let r = gbdt_in(d.path(), &explicit);
    r.ok()
        .stderr_says(&["objective reg:squarederror (from --objective)"]);
    assert_eq!(objective_of(&d), "reg:squarederror");
}
