//! Learning to rank through the binary (issue 14): `--group` on CSV and
//! LibSVM `qid:` give the same query groups and the same model; ranking
//! metrics in train, eval and `--holdout` (whole queries); a query id that
//! comes back after another is an error naming the line and the id.

use serde_json::Value;

use crate::util::{gbdt_in, Rng, TempDir};

/// Seeded queries: `docs` documents each, three features, a relevance grade
/// 0..=3 from the features plus noise; as CSV (query id first) and LibSVM.
pub(crate) fn queries(count: usize, docs: usize, seed: u64) -> (String, String) {
    let mut rng = Rng::new(seed);
    let mut csv = String::from("query,f0,f1,f2,grade\n");
    let mut svm = String::new();
    for q in 0..count {
        for _ in 0..docs {
            let x: Vec<f64> = (0..3)
                .map(|_| (rng.uniform() * 100.0).round() / 50.0 - 1.0)
                .collect();
            let s = 1.5 * x[0] + x[1] * x[2] + 0.5 * (rng.uniform() - 0.5);
            let grade = (s + 1.5).clamp(0.0, 3.0).floor();
            csv.push_str(&format!("q{q},{},{},{},{grade}\n", x[0], x[1], x[2]));
            svm.push_str(&format!(
                "{grade} qid:{q} 1:{} 2:{} 3:{}\n",
                x[0], x[1], x[2]
            ));
        }
    }
    (csv, svm)
}

const COMMON: [&str; 8] = [
    "--rounds",
    "15",
    "--threads",
    "2",
    "--quiet",
    "--max-leaves",
    "7",
    "--learning-rate=0.2",
];

fn report(dir: &TempDir, name: &str) -> Value {
    serde_json::from_str(&dir.read(name)).unwrap()
}

#[test]
fn group_column_and_qid_train_the_same_ranker() {
    let dir = TempDir::new("ranking-csv");
    let (csv, svm) = queries(40, 8, 3);
    let csv_path = dir.write("train.csv", &csv);
    let svm_path = dir.write("train.svm", &svm);
    let mut args = vec![
        "train",
        &csv_path,
        "-t",
        "grade",
        "--group",
        "query",
        "--objective",
        "rank:ndcg",
        "--eval-at",
        "1,3",
        "-o",
        "csv.gbdt",
        "--report-json",
        "csv.json",
    ];
    args.extend_from_slice(&COMMON);
    gbdt_in(dir.path(), &args).ok();
    let rep = report(&dir, "csv.json");
    let ndcg3 = rep["metrics"]["train"]["ndcg@3"].as_f64().unwrap();
    assert!(ndcg3 > 0.9, "{rep}");
    assert!(rep["metrics"]["train"]["ndcg@1"].is_f64(), "{rep}");
    // The group column is not a feature.
    let inspect = gbdt_in(dir.path(), &["inspect", "csv.gbdt"]);
    inspect.ok();
    assert!(
        inspect.stdout.contains("features        3: f0, f1, f2"),
        "{}",
        inspect.stdout
    );
    assert!(inspect.stdout.contains("rank:ndcg") && inspect.stdout.contains("eval_at=[1,3]"));

    let mut args = vec![
        "train",
        &svm_path,
        "--objective",
        "lambdarank",
        "--eval-at",
        "1,3",
        "-o",
        "svm.gbdt",
    ];
    args.extend_from_slice(&COMMON);
    gbdt_in(dir.path(), &args).ok();
    let dump = |m: &str| gbdt_in(dir.path(), &["dump", m, "--format", "json"]).stdout;
    assert_eq!(
        dump("csv.gbdt"),
        dump("svm.gbdt"),
        "same groups, same model"
    );

    // eval: grouped metrics; the same on both files.
    let eval = |m: &str, data: &str, extra: &[&str]| {
        let mut a = vec!["eval", m, data];
        a.extend_from_slice(extra);
        let r = gbdt_in(dir.path(), &a);
        r.ok();
        r.stdout.clone()
    };
    let by_csv = eval("csv.gbdt", &csv_path, &["--group", "query"]);
    assert!(
        by_csv.starts_with("ndcg@1\t") && by_csv.contains("ndcg@3\t"),
        "{by_csv}"
    );
    assert_eq!(by_csv, eval("svm.gbdt", &svm_path, &[]));
    let map = eval(
        "csv.gbdt",
        &csv_path,
        &["--group", "query", "--metric", "map@2"],
    );
    let value: f64 = map.trim().strip_prefix("map@2\t").unwrap().parse().unwrap();
    assert!(value > 0.8 && value <= 1.0, "{map}");
    // Without groups, ranking metrics are refused.
    gbdt_in(dir.path(), &["eval", "csv.gbdt", &csv_path])
        .expect_code(2)
        .stderr_says(&["ndcg@1", "--group"]);
    // predict accepts --group and ignores it: one score per row.
    let p = gbdt_in(
        dir.path(),
        &["predict", "csv.gbdt", &csv_path, "--group", "query"],
    );
    p.ok();
    assert_eq!(p.stdout.lines().count(), 321);
}

#[test]
fn ranking_needs_contiguous_groups() {
    let dir = TempDir::new("ranking-errors");
    let csv = "query,f0,grade\na,1,1\na,2,0\nb,3,2\na,4,1\n";
    let data = dir.write("bad.csv", csv);
    gbdt_in(
        dir.path(),
        &[
            "train",
            &data,
            "-t",
            "grade",
            "--group",
            "query",
            "--objective",
            "rank:ndcg",
            "--quiet",
        ],
    )
    .expect_code(3)
    .stderr_says(&[
        "line 5, column 'query'",
        "query group 'a' comes back",
        "line 2",
        "contiguous",
    ]);
    let svm = dir.write("bad.svm", "1 qid:1 1:0\n0 qid:2 1:1\n2 qid:1 1:3\n");
    gbdt_in(
        dir.path(),
        &["train", &svm, "--objective", "rank:ndcg", "--quiet"],
    )
    .expect_code(3)
    .stderr_says(&["line 3", "query group '1' comes back"]);
    let good = dir.write("good.csv", "query,f0,grade\na,1,1\na,2,0\nb,3,2\n");
    gbdt_in(
        dir.path(),
        &[
            "train",
            &good,
            "-t",
            "grade",
            "--objective",
            "rank:ndcg",
            "--quiet",
        ],
    )
    .expect_code(3)
    .stderr_says(&["rank:ndcg", "no query groups", "--group"]);
    let svm = dir.write("good.svm", "1 qid:1 1:0\n");
    gbdt_in(
        dir.path(),
        &[
            "train",
            &svm,
            "--group",
            "query",
            "--objective",
            "rank:ndcg",
        ],
    )
    .expect_code(2)
    .stderr_says(&["--group", "qid:"]);
}

#[test]
fn holdout_keeps_queries_whole() {
    let dir = TempDir::new("ranking-holdout");
    let (csv, _) = queries(50, 6, 9);
    let data = dir.write("train.csv", &csv);
    let mut args = vec![
        "train",
        &data,
        "-t",
        "grade",
        "--group",
        "query",
        "--objective",
        "rank:pairwise",
        "--holdout",
        "0.2",
        "--report-json",
        "rep.json",
        "-o",
        "m.gbdt",
    ];
    args.extend_from_slice(&COMMON);
    gbdt_in(dir.path(), &args).ok();
    let rep = report(&dir, "rep.json");
    // 10 of 50 queries, 6 rows each: the held-out rows are whole queries.
    assert_eq!(rep["holdout"]["queries"], 10, "{rep}");
    assert_eq!(rep["holdout"]["rows"], 60);
    assert_eq!(rep["valid_rows"], 60);
    assert_eq!(rep["rows"], 240);
    assert_eq!(rep["metrics_on"], "holdout");
    let ndcg5 = rep["metrics"]["holdout"]["ndcg@5"].as_f64().unwrap();
    assert!(ndcg5 > 0.8, "{rep}");
}
