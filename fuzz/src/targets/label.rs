//! Target expressions (`--target`): the first line is the expression, the
//! rest a CSV file. A rule that parses is applied to the table: the labels
//! of `gbdt train`, and the class column of multiclass training.

use std::path::Path;

use gbdt_io::{
    class_rule, parse_csv, parse_target, training_data, CsvOptions, LabelRule, Selection,
};

use crate::input::{exec, split_line};

pub fn run(data: &[u8]) {
    let (expr, csv) = split_line(data);
    let Ok(expr) = std::str::from_utf8(expr) else {
        return;
    };
    let Ok(table) = parse_csv(
        csv.to_vec(),
        Path::new("fuzz.csv"),
        &CsvOptions::default(),
        exec(),
    ) else {
        return;
    };
    if let Ok(rule) = parse_target(expr, &table) {
        apply(&rule, &table);
    }
    if let Ok(rule) = class_rule(expr, &table) {
        assert!(rule.num_classes().is_some(), "a class rule has classes");
        apply(&rule, &table);
    }
}

fn apply(rule: &LabelRule, table: &gbdt_io::Table) {
    let _ = rule.describe();
    for drop_missing_label in [false, true] {
        let selection = Selection {
            drop_missing_label,
            ..Selection::default()
        };
        if let Ok(data) = training_data(table, rule, &selection, exec()) {
            assert_eq!(data.labels.len(), data.features.nrows());
            assert_eq!(data.labels.len() + data.dropped_rows, table.num_rows());
            assert_eq!(data.feature_names.len(), data.features.ncols());
        }
    }
}
