//! Quantile regression from the command line (issue 14): `--quantile-alpha`
//! (flag and config key), one `quantile_<level>` column per level whose
//! values ascend on every row, the levels in `inspect`, `eval`, and the
//! XGBoost JSON round trip.

use crate::util::{csv_rows, gbdt_in, Rng, TempDir};

/// `x` in [0, 4), `s` in [0, 1), `y = x + (0.5 + 2 s) e` with `e` a centred
/// sum of three uniforms (spread 1): the spread grows with `s`.
fn spread_csv(rows: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::from("x,s,y\n");
    for _ in 0..rows {
        let (x, s) = (rng.uniform() * 4.0, rng.uniform());
        let e = (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) * 2.0;
        out.push_str(&format!("{x:.4},{s:.4},{:.4}\n", x + (0.5 + 2.0 * s) * e));
    }
    out
}

/// The prediction CSV's header and rows as numbers.
fn predictions(stdout: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let (header, rows) = csv_rows(stdout);
    let values = rows
        .iter()
        .map(|r| r.iter().map(|v| v.parse().unwrap()).collect())
        .collect();
    (header, values)
}

#[test]
fn train_and_predict_write_one_ascending_column_per_level() {
    let d = TempDir::new("quantile-cli");
    let data = d.write("d.csv", &spread_csv(1500, 7));
    let model = d.file("q.gbdt");
    let train = [
        "train",
        &data,
        "-t",
        "y",
        "-o",
        &model,
        "--objective",
        "reg:quantileerror",
        "--quantile-alpha",
        "0.1,0.5,0.9",
        "--rounds",
        "30",
        "--max-depth",
        "3",
        "--learning-rate",
        "0.2",
    ];
    let r = gbdt_in(d.path(), &train);
    r.ok();
    assert!(r.stderr.contains("train-quantile="), "{}", r.stderr);
    let r = gbdt_in(d.path(), &["predict", &model, &data]);
    r.ok();
    let (header, rows) = predictions(&r.stdout);
    assert_eq!(header, ["quantile_0.1", "quantile_0.5", "quantile_0.9"]);
    assert_eq!(rows.len(), 1500);
    for (i, row) in rows.iter().enumerate() {
        assert!(
            row[0] <= row[1] && row[1] <= row[2],
            "row {i} crosses: {row:?}"
        );
    }
    // Each level sits near its share of the (training) labels.
    let (_, labels) = csv_rows(&d.read("d.csv"));
    for (j, level) in [0.1, 0.5, 0.9].into_iter().enumerate() {
        let below = rows
            .iter()
            .zip(&labels)
            .filter(|(p, l)| l[2].parse::<f64>().unwrap() <= p[j])
            .count();
        let share = below as f64 / rows.len() as f64;
        assert!((share - level).abs() < 0.05, "level {level}: {share}");
    }
    let r = gbdt_in(d.path(), &["inspect", &model]);
    r.ok();
    assert!(
        r.stdout
            .contains("outputs         3, quantiles 0.1, 0.5, 0.9"),
        "{}",
        r.stdout
    );
    let r = gbdt_in(d.path(), &["eval", &model, &data, "--metric", "quantile"]);
    r.ok();
    let loss: f64 = r
        .stdout
        .trim()
        .strip_prefix("quantile\t")
        .unwrap()
        .parse()
        .unwrap();
    assert!(loss > 0.0 && loss < 0.6, "{}", r.stdout);

    // Exported to XGBoost JSON and read back: the same predictions.
    let xgb = d.file("q.xgb.json");
    gbdt_in(d.path(), &["convert", &model, &xgb, "--to", "xgboost-json"]).ok();
    let r = gbdt_in(d.path(), &["predict", &xgb, &data]);
    r.ok();
    let (header, back) = predictions(&r.stdout);
    assert_eq!(header, ["quantile_0.1", "quantile_0.5", "quantile_0.9"]);
    for (a, b) in rows.iter().flatten().zip(back.iter().flatten()) {
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
    }
}

#[test]
fn levels_come_from_the_config_and_bad_ones_are_usage_errors() {
    let d = TempDir::new("quantile-config");
    let data = d.write("d.csv", &spread_csv(300, 8));
    let config = d.write(
        "p.toml",
        "objective = \"quantile\"\nquantile_alpha = [0.25, 0.75]\nrounds = 5\n",
    );
    let model = d.file("c.gbdt");
    gbdt_in(
        d.path(),
        &["train", &data, "-t", "y", "-o", &model, "--config", &config],
    )
    .ok();
    let r = gbdt_in(d.path(), &["predict", &model, &data]);
    r.ok();
    assert_eq!(predictions(&r.stdout).0, ["quantile_0.25", "quantile_0.75"]);
    for (levels, says) in [
        ("0.9,0.1", "strictly ascending"),
        ("0,0.5", "strictly inside (0, 1)"),
    ] {
        let r = gbdt_in(
            d.path(),
            &[
                "train",
                &data,
                "-t",
                "y",
                "--objective",
                "reg:quantileerror",
                "--quantile-alpha",
                levels,
            ],
        );
        r.expect_code(2).stderr_says(&["--quantile-alpha", says]);
    }
}
