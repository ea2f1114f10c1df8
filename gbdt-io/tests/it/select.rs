//! Feature selection, weights, missing labels and prediction input.

use gbdt_io::{
    labelled_data, parse_target, prediction_features, read_csv, training_data, CategoricalMode,
    CsvOptions, DroppedColumn, LabelRule, ModelFeatures, Selection,
};

use crate::util::{data, exec, table};

fn credit() -> gbdt_io::Table {
    read_csv(&data("credit.csv"), &CsvOptions::default(), exec()).unwrap()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn credit_file_selects_number_and_bool_columns_like_pandas() {
    let t = credit();
    let rule = parse_target("Number of Credit Problems > 1", &t).unwrap();
    let sel = Selection {
        categorical: CategoricalMode::None,
        ..Selection::default()
    };
    let d = training_data(&t, &rule, &sel, exec()).unwrap();
    assert_eq!(
        d.feature_names,
        names(&[
            "Current Loan Amount",
            "Credit Score",
            "Annual Income",
            "Monthly Debt",
            "Bankruptcies",
            "Has Cosigner"
        ])
    );
    assert_eq!(d.features.dim(), (10, 6));
    assert_eq!(d.labels, [0., 0., 1., 0., 1., 0., 0., 0., 1., 0.]);
    assert_eq!(d.weights, None);
    assert_eq!(d.dropped_rows, 0);
    assert_eq!(d.label_rule, rule);
    // Row 0: 445412, 709, 1167493, 5214.74, 1.0, false
    let row0: Vec<f32> = d.features.row(0).to_vec();
    assert_eq!(row0, [445412.0, 709.0, 1167493.0, 5214.74, 1.0, 0.0]);
    // Row 1: blank Credit Score and Annual Income are NaN; FALSE is 0.
    assert!(d.features[[1, 1]].is_nan() && d.features[[1, 2]].is_nan());
    assert_eq!(d.features[[1, 5]], 0.0);
    assert_eq!(d.features[[2, 5]], 1.0); // true
    assert!(d.features[[5, 5]].is_nan()); // blank bool
    assert!(d.features[[3, 4]].is_nan()); // NA
    let dropped: Vec<&str> = d.dropped_columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        dropped,
        [
            "Customer ID",
            "Loan Status",
            "Term",
            "Years in current job",
            "Home Ownership"
        ]
    );
    assert_eq!(
        d.dropped_columns[0],
        DroppedColumn {
            name: "Customer ID".into(),
            reason: "string column (line 2 has 'c-001', which is not a number or true/false)"
                .into()
        }
    );
}

#[test]
fn explicit_features_drop_and_weight() {
    let t = table("id,a,b,c,w,y\nx1,1,2,3,0.5,0\nx2,4,5,6,2,1\n");
    let rule = parse_target("y", &t).unwrap();
    let sel = Selection {
        features: Some(names(&["c", "a"])),
        weight: Some("w".into()),
        ..Selection::default()
    };
    let d = training_data(&t, &rule, &sel, exec()).unwrap();
    assert_eq!(d.feature_names, names(&["c", "a"]));
    assert_eq!(d.features.row(1).to_vec(), [6.0, 4.0]);
    assert_eq!(d.weights, Some(vec![0.5, 2.0]));
    assert_eq!(d.labels, [0.0, 1.0]);
    let reasons: Vec<(&str, &str)> = d
        .dropped_columns
        .iter()
        .map(|c| (c.name.as_str(), c.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("id", "not in the feature list"),
            ("b", "not in the feature list")
        ]
    );

    let sel = Selection {
        drop: names(&["b"]),
        weight: Some("w".into()),
        ..Selection::default()
    };
    let d = training_data(&t, &rule, &sel, exec()).unwrap();
    assert_eq!(d.feature_names, names(&["a", "c"]));
    assert_eq!(d.dropped_columns[1].reason, "dropped by request");
}

#[test]
fn selection_errors_name_the_column() {
    let t = table("id,a,w,y\nx1,1,-1,0\nx2,4,,1\n");
    let rule = parse_target("y", &t).unwrap();
    let err = |sel: Selection| {
        training_data(&t, &rule, &sel, exec())
            .unwrap_err()
            .to_string()
    };
    let e = err(Selection {
        features: Some(names(&["a", "zz"])),
        ..Selection::default()
    });
    assert!(
        e.contains("no column 'zz'") && e.contains("a feature"),
        "{e}"
    );
    let e = err(Selection {
        features: Some(names(&["id"])),
        categorical: CategoricalMode::None,
        ..Selection::default()
    });
    assert!(
        e.contains("line 2, column 'id'") && e.contains("'x1' is not a number"),
        "{e}"
    );
    let e = err(Selection {
        features: Some(names(&["a", "y"])),
        ..Selection::default()
    });
    assert!(e.contains("'y'") && e.contains("label column"), "{e}");
    let e = err(Selection {
        drop: names(&["nope"]),
        ..Selection::default()
    });
    assert!(e.contains("no column 'nope'") && e.contains("drop"), "{e}");
    let e = err(Selection {
        weight: Some("nope".into()),
        ..Selection::default()
    });
    assert!(
        e.contains("no column 'nope'") && e.contains("weight"),
        "{e}"
    );
    let e = err(Selection {
        weight: Some("w".into()),
        ..Selection::default()
    });
    assert!(
        e.contains("line 2, column 'w'") && e.contains("negative"),
        "{e}"
    );
    let e = err(Selection {
        weight: Some("id".into()),
        ..Selection::default()
    });
    assert!(e.contains("weights must be numbers"), "{e}");
    let e = err(Selection {
        drop: names(&["a", "w"]),
        ..Selection::default()
    });
    assert!(
        e.contains("no feature columns left")
            && e.contains("'id' (identifier-like text: 2 distinct values in 2 rows)"),
        "{e}"
    );
}

#[test]
fn missing_labels_are_counted_with_lines_or_dropped() {
    let t = table("x,y\n1,1\n2,\n3,0\n4,NA\n5,1\n");
    let rule = parse_target("y", &t).unwrap();
    let e = training_data(&t, &rule, &Selection::default(), exec())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("2 row(s) have no value for the label 'y' (lines 3, 5)"),
        "{e}"
    );
    let sel = Selection {
        drop_missing_label: true,
        ..Selection::default()
    };
    let d = training_data(&t, &rule, &sel, exec()).unwrap();
    assert_eq!(d.dropped_rows, 2);
    assert_eq!(d.labels, [1.0, 0.0, 1.0]);
    assert_eq!(d.features.column(0).to_vec(), [1.0, 3.0, 5.0]);
    // A comparison on a missing value is a missing label too, not "false".
    let rule = parse_target("y > 0", &t).unwrap();
    let d = training_data(&t, &rule, &sel, exec()).unwrap();
    assert_eq!(d.labels, [1.0, 0.0, 1.0]);
    // Many missing: the first five lines, then "...".
    let mut text = String::from("x,y\n");
    for i in 0..8 {
        text.push_str(&format!("{i},\n"));
    }
    text.push_str("9,1\n");
    let t = table(&text);
    let e = training_data(
        &t,
        &parse_target("y", &t).unwrap(),
        &Selection::default(),
        exec(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("8 row(s)") && e.contains("lines 2, 3, 4, 5, 6, ...)"),
        "{e}"
    );
    let t = table("x,y\n1,\n");
    let e = training_data(&t, &parse_target("y", &t).unwrap(), &sel, exec())
        .unwrap_err()
        .to_string();
    assert!(e.contains("every row (1)"), "{e}");
}

#[test]
fn infinite_labels_are_errors_with_line() {
    let t = table("x,y\n1,1\n2,inf\n");
    let rule = parse_target("y", &t).unwrap();
    let e = training_data(&t, &rule, &Selection::default(), exec())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 3, column 'y'") && e.contains("finite"),
        "{e}"
    );
}

#[test]
fn prediction_input_is_matched_by_name() {
    let model_features = names(&["Credit Score", "Has Cosigner", "Annual Income"]);
    // Other order, an extra column, no label column.
    let t = table("Annual Income,extra,Has Cosigner,Credit Score\n100,zz,true,700\n,zz,false,NA\n");
    let x = prediction_features(&t, &ModelFeatures::numeric(&model_features), exec()).unwrap();
    assert_eq!(x.row(0).to_vec(), [700.0, 1.0, 100.0]);
    assert!(x[[1, 0]].is_nan() && x[[1, 2]].is_nan());
    assert_eq!(x[[1, 1]], 0.0);

    let t = table("Annual Income,extra\n1,2\n");
    let e = prediction_features(&t, &ModelFeatures::numeric(&model_features), exec())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("missing feature column(s) the model needs: 'Credit Score', 'Has Cosigner'"),
        "{e}"
    );
    let t = table("Annual Income,Has Cosigner,Credit Score\n1,true,700\n2,false,high\n");
    let e = prediction_features(&t, &ModelFeatures::numeric(&model_features), exec())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("t.csv, line 3, column 'Credit Score': value 'high' is not a number"),
        "{e}"
    );
    let t = table("Annual Income,Has Cosigner,Credit Score\n1,true,700\n2,0,3\n");
    let e = prediction_features(&t, &ModelFeatures::numeric(&model_features), exec())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("mixes numbers and true/false") && e.contains("line 3 has '0'"),
        "{e}"
    );
}

#[test]
fn labelled_data_uses_the_model_features_and_rule() {
    let train = credit();
    let rule = parse_target("Number of Credit Problems > 1", &train).unwrap();
    let sel = Selection {
        categorical: CategoricalMode::None,
        ..Selection::default()
    };
    let d = training_data(&train, &rule, &sel, exec()).unwrap();
    let features = ModelFeatures::numeric(&d.feature_names);
    let valid = table(
        "Has Cosigner,Bankruptcies,Monthly Debt,Annual Income,Credit Score,Current Loan Amount,Number of Credit Problems,Note\n\
         true,0,10,20,700,1000,4,hi\nfalse,1,11,21,650,2000,,x\n",
    );
    let e = labelled_data(&valid, &rule, &features, false, exec())
        .unwrap_err()
        .to_string();
    assert!(e.contains("1 row(s)") && e.contains("lines 3"), "{e}");
    let v = labelled_data(&valid, &rule, &features, true, exec()).unwrap();
    assert_eq!(v.feature_names, d.feature_names);
    assert_eq!(v.labels, [1.0]);
    assert_eq!(v.dropped_rows, 1);
    assert_eq!(
        v.features.row(0).to_vec(),
        [1000.0, 700.0, 20.0, 10.0, 0.0, 1.0]
    );
    let no_label = table("Credit Score\n1\n");
    let e = labelled_data(
        &no_label,
        &LabelRule::Column { column: "y".into() },
        &ModelFeatures::numeric(&[]),
        false,
        exec(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("no column 'y'"), "{e}");
}

#[test]
fn the_dataset_carries_names_and_weights_to_core() {
    let t = table("a,b,w,y\n1,true,0.5,0\n2,false,2,1\n3,NA,1,1\n");
    let rule = parse_target("y", &t).unwrap();
    let sel = Selection {
        weight: Some("w".into()),
        ..Selection::default()
    };
    let d = training_data(&t, &rule, &sel, exec()).unwrap();
    let ds = d.dataset().unwrap();
    assert_eq!(ds.feature_names(), names(&["a", "b"]));
    assert_eq!(ds.weights(), Some(&[0.5f32, 2.0, 1.0][..]));
    assert_eq!(ds.labels(), [0.0, 1.0, 1.0]);
    assert!(ds.features()[[2, 1]].is_nan());
    // Core's checks surface as a gbdt-io error.
    let zero = table("a,w,y\n1,0,0\n2,0,1\n");
    let d = training_data(&zero, &parse_target("y", &zero).unwrap(), &sel, exec()).unwrap();
    let e = d.dataset().unwrap_err();
    assert!(matches!(e, gbdt_io::Error::InvalidDataset { .. }), "{e}");
}
