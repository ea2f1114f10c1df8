//! Target expressions and the labels they give.

use gbdt_io::{
    class_rule, labelled_data, parse_target, read_csv, CompareOp, CsvOptions, LabelRule,
    ModelFeatures,
};

use crate::util::{data, exec, table};

fn credit() -> gbdt_io::Table {
    read_csv(&data("credit.csv"), &CsvOptions::default(), exec()).unwrap()
}

fn labels(rule: &LabelRule, t: &gbdt_io::Table) -> Vec<f32> {
    labelled_data(t, rule, &ModelFeatures::numeric(&[]), false, exec())
        .unwrap()
        .labels
}

#[test]
fn comparison_on_a_column_with_spaces() {
    let t = credit();
    let rule = parse_target("Number of Credit Problems > 1", &t).unwrap();
    assert_eq!(
        rule,
        LabelRule::Compare {
            column: "Number of Credit Problems".into(),
            op: CompareOp::Gt,
            value: 1.0
        }
    );
    // Problems: 1 0 2 0 3 0 1 0 5 0
    assert_eq!(labels(&rule, &t), [0., 0., 1., 0., 1., 0., 0., 0., 1., 0.]);
    assert_eq!(rule.num_classes(), Some(2));
    assert_eq!(rule.column(), "Number of Credit Problems");
    assert_eq!(rule.describe(), "Number of Credit Problems > 1");
}

#[test]
fn every_operator() {
    let t = table("x,y\n1,0\n2,0\n3,0\n");
    let cases = [
        ("x > 2", [0., 0., 1.]),
        ("x >= 2", [0., 1., 1.]),
        ("x < 2", [1., 0., 0.]),
        ("x <= 2", [1., 1., 0.]),
        ("x == 2", [0., 1., 0.]),
        ("x = 2", [0., 1., 0.]),
        ("x != 2", [1., 0., 1.]),
        ("x>2.5", [0., 0., 1.]),
        ("  x   <=   1e0 ", [1., 0., 0.]),
    ];
    for (expr, want) in cases {
        let rule = parse_target(expr, &t).unwrap();
        assert_eq!(labels(&rule, &t), want, "{expr}");
    }
}

#[test]
fn string_equality() {
    let t = credit();
    let rule = parse_target("Loan Status == Charged Off", &t).unwrap();
    assert_eq!(
        rule,
        LabelRule::Equals {
            column: "Loan Status".into(),
            value: "Charged Off".into()
        }
    );
    assert_eq!(labels(&rule, &t), [0., 0., 1., 0., 1., 0., 1., 0., 0., 1.]);
    let quoted = parse_target("Loan Status == 'Charged Off'", &t).unwrap();
    assert_eq!(quoted, rule);
    assert_eq!(rule.describe(), "Loan Status == Charged Off");
}

#[test]
fn string_equality_errors_help() {
    let t = credit();
    let e = parse_target("Loan Status == charged off", &t)
        .unwrap_err()
        .to_string();
    assert!(e.contains("did you mean 'Charged Off'"), "{e}");
    let e = parse_target("Loan Status == Late", &t)
        .unwrap_err()
        .to_string();
    assert!(e.contains("'Charged Off', 'Fully Paid'"), "{e}");
    let e = parse_target("Loan Status != Fully Paid", &t)
        .unwrap_err()
        .to_string();
    assert!(e.contains("only '=='"), "{e}");
    let e = parse_target("Loan Status > 3", &t).unwrap_err().to_string();
    assert!(e.contains("only '=='"), "{e}");
}

#[test]
fn plain_columns_by_type() {
    let t = credit();
    assert_eq!(
        parse_target("Credit Score", &t).unwrap(),
        LabelRule::Column {
            column: "Credit Score".into()
        }
    );
    let bool_rule = parse_target("Has Cosigner", &t).unwrap();
    assert_eq!(bool_rule.num_classes(), None);
    let classes = parse_target("Home Ownership", &t).unwrap();
    assert_eq!(
        classes,
        LabelRule::Classes {
            column: "Home Ownership".into(),
            classes: vec!["Home Mortgage".into(), "Own Home".into(), "Rent".into()]
        }
    );
    assert_eq!(classes.num_classes(), Some(3));
    assert_eq!(
        labels(&classes, &t),
        [0., 0., 1., 1., 2., 0., 0., 0., 2., 2.]
    );
    assert_eq!(
        classes.describe(),
        "Home Ownership (3 classes: Home Mortgage=0, Own Home=1, Rent=2)"
    );
    let term = parse_target("Term", &t).unwrap();
    assert_eq!(term.num_classes(), Some(2));
    // Sorted: "Long Term" = 0, "Short Term" = 1.
    assert_eq!(&labels(&term, &t)[..4], [1., 1., 1., 0.]);
}

#[test]
fn bool_comparisons_and_bool_labels() {
    let t = table("b,x\ntrue,1\nfalse,2\nTRUE,3\n");
    let rule = parse_target("b == true", &t).unwrap();
    assert_eq!(labels(&rule, &t), [1., 0., 1.]);
    let rule = parse_target("b", &t).unwrap();
    assert_eq!(labels(&rule, &t), [1., 0., 1.]);
    let e = parse_target("b == yes", &t).unwrap_err().to_string();
    assert!(e.contains("compare it with true or false"), "{e}");
}

#[test]
fn longest_column_name_before_the_operator_wins() {
    let t = table("Credit,Credit Score,a > b,rate (%)\n1,700,5,0.5\n2,650,1,1.5\n");
    let rule = parse_target("Credit Score >= 680", &t).unwrap();
    assert_eq!(rule.column(), "Credit Score");
    assert_eq!(labels(&rule, &t), [1., 0.]);
    assert_eq!(parse_target("Credit > 1", &t).unwrap().column(), "Credit");
    let rule = parse_target("a > b > 2", &t).unwrap();
    assert_eq!(rule.column(), "a > b");
    assert_eq!(labels(&rule, &t), [1., 0.]);
    assert_eq!(
        parse_target("a > b", &t).unwrap(),
        LabelRule::Column {
            column: "a > b".into()
        }
    );
    assert_eq!(
        parse_target("rate (%) < 1", &t).unwrap().column(),
        "rate (%)"
    );
    assert_eq!(
        parse_target("`Credit Score` > 1", &t).unwrap().column(),
        "Credit Score"
    );
    assert_eq!(parse_target("\"Credit\"", &t).unwrap().column(), "Credit");
}

#[test]
fn bad_targets_say_what_is_wrong() {
    let t = credit();
    let e = parse_target("Number of Problems > 1", &t)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no column 'Number of Problems'") && e.contains("the target"),
        "{e}"
    );
    let e = parse_target("Loan Amount", &t).unwrap_err().to_string();
    assert!(e.contains("no column 'Loan Amount'"), "{e}");
    let e = parse_target("Credit Score > high", &t)
        .unwrap_err()
        .to_string();
    assert!(e.contains("compare it with a number"), "{e}");
    let e = parse_target("Credit Score >", &t).unwrap_err().to_string();
    assert!(e.contains("nothing after '>'"), "{e}");
    let e = parse_target("  ", &t).unwrap_err().to_string();
    assert!(e.contains("empty"), "{e}");
    // Ten distinct IDs are ten classes: allowed (the limit is MAX_CLASSES).
    assert_eq!(
        parse_target("Customer ID", &t).unwrap().num_classes(),
        Some(10)
    );
}

#[test]
fn class_columns_need_two_to_max_classes() {
    let t = table("one,x\na,1\na,2\n");
    let e = parse_target("one", &t).unwrap_err().to_string();
    assert!(e.contains("1 distinct value"), "{e}");
    let mut text = String::from("id,x\n");
    for i in 0..1001 {
        text.push_str(&format!("id{i},1\n"));
    }
    let e = parse_target("id", &table(&text)).unwrap_err().to_string();
    assert!(
        e.contains("1001 distinct values") && e.contains("ID column"),
        "{e}"
    );
}

#[test]
fn integer_class_columns_map_to_consecutive_classes() {
    let t = table("grade,x\n3,0\n10,0\n1,0\n3,0\n");
    let rule = class_rule("grade", &t).unwrap();
    assert_eq!(
        rule,
        LabelRule::Classes {
            column: "grade".into(),
            classes: vec!["1".into(), "3".into(), "10".into()]
        }
    );
    assert_eq!(labels(&rule, &t), [1., 2., 0., 1.]);
    assert_eq!(
        parse_target("grade", &t).unwrap(),
        LabelRule::Column {
            column: "grade".into()
        }
    );
}

#[test]
fn unseen_classes_in_new_data_are_errors_with_line() {
    let train = credit();
    let rule = parse_target("Home Ownership", &train).unwrap();
    let other = table("Home Ownership,x\nRent,1\nCastle,2\n");
    let e = labelled_data(&other, &rule, &ModelFeatures::numeric(&[]), false, exec())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 3") && e.contains("'Castle'") && e.contains("'Rent'"),
        "{e}"
    );
}

#[test]
fn label_rules_round_trip_through_json() {
    let t = credit();
    for expr in [
        "Number of Credit Problems > 1",
        "Loan Status == Charged Off",
        "Home Ownership",
        "Credit Score",
    ] {
        let rule = parse_target(expr, &t).unwrap();
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(
            serde_json::from_str::<LabelRule>(&json).unwrap(),
            rule,
            "{json}"
        );
    }
    let json = serde_json::to_string(&parse_target("Credit Score <= 700", &t).unwrap()).unwrap();
    assert!(json.contains("\"<=\""), "{json}");
}
