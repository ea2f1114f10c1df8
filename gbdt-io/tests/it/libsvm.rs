//! LibSVM input (issue 14): comments, blank lines, qids, both index bases,
//! absent entries as missing, and errors that name the line and token.

use std::path::Path;

use gbdt_io::{detect_libsvm, parse_libsvm, read_libsvm, LabelRule, LibsvmData, LibsvmOptions};

use crate::util::exec;

fn parse_with(text: &str, opts: LibsvmOptions) -> gbdt_io::Result<LibsvmData> {
    parse_libsvm(text.as_bytes(), Path::new("d.svm"), &opts, exec())
}

fn parse(text: &str) -> LibsvmData {
    parse_with(text, LibsvmOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> String {
    match parse_with(text, LibsvmOptions::default()) {
        Ok(d) => panic!("expected an error, got {d:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn comments_blank_lines_and_qids() {
    let d =
        parse("# a header comment\n\n1 qid:4 1:0.5 3:-2 # trailing\n   \n0 qid:4 2:7\r\n# end\n");
    assert_eq!(d.labels, [1.0, 0.0]);
    assert_eq!(d.qids, Some(vec![4, 4]));
    assert_eq!(d.base, 1);
    assert_eq!(d.feature_names, ["f0", "f1", "f2"]);
    assert_eq!(d.features[[0, 0]], 0.5);
    assert_eq!(d.features[[0, 2]], -2.0);
    assert_eq!(d.features[[1, 1]], 7.0);
    // Absent entries are missing, as XGBoost reads them.
    assert!(d.features[[0, 1]].is_nan());
    assert!(d.features[[1, 0]].is_nan() && d.features[[1, 2]].is_nan());
    assert_eq!(parse("1 1:1\n").qids, None);
    assert_eq!(parse("1 1:1\n").weights, None);
}

#[test]
fn label_weights_as_xgboost_writes_them() {
    let d = parse("1:0.5 qid:1 1:1\n0:2 qid:1 2:1\n");
    assert_eq!(d.labels, [1.0, 0.0]);
    assert_eq!(d.weights, Some(vec![0.5, 2.0]));
    assert_eq!(d.into_training_data().weights, Some(vec![0.5, 2.0]));
    let e = error("1:0.5 1:1\n0 2:1\n");
    assert_eq!(e, "d.svm, line 2: this line lacks a weight (label:weight) but the first line has one; give a weight (label:weight) on every line or on none");
    let e = error("1 1:1\n0:2 2:1\n");
    assert!(
        e.starts_with(
            "d.svm, line 2: this line has a weight (label:weight) but the first line has none"
        ),
        "{e}"
    );
    let e = error("1:x 1:1\n");
    assert!(
        e.starts_with("d.svm, line 1, token 1 '1:x': the weight after the label's ':'"),
        "{e}"
    );
}

#[test]
fn index_base_is_detected_or_given() {
    let zero = parse("1 0:1 2:3\n0 1:2\n");
    assert_eq!((zero.base, zero.features.shape()), (0, &[2, 3][..]));
    assert_eq!(zero.features[[0, 0]], 1.0);
    assert_eq!(zero.features[[0, 2]], 3.0);
    let one = parse("1 1:1 3:3\n0 2:2\n");
    assert_eq!((one.base, one.features.shape()), (1, &[2, 3][..]));
    assert_eq!(one.features[[1, 1]], 2.0);
    assert!(one.features[[1, 0]].is_nan());
    // Given as 0: the same 1-based-looking file has one more column.
    let forced = parse_with(
        "1 1:1 3:3\n0 2:2\n",
        LibsvmOptions {
            base: Some(0),
            num_features: None,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(forced.features.shape(), [2, 4]);
    assert!(forced.features[[0, 0]].is_nan());
    assert_eq!(forced.features[[0, 1]], 1.0);
    // Given as 1, an index 0 is an error naming where it is.
    let e = parse_with(
        "1 1:1\n0 0:2 4:1\n",
        LibsvmOptions {
            base: Some(1),
            num_features: None,
        },
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(
        e.starts_with("d.svm, line 2, token 2: feature index 0 is 0, but the indices are 1-based"),
        "{e}"
    );
    let e = parse_with(
        "1 1:1\n",
        LibsvmOptions {
            base: Some(2),
            num_features: None,
        },
    );
    assert!(matches!(e, Err(gbdt_io::Error::LibsvmBase { base: 2 })));
}

#[test]
fn a_fixed_width_pads_with_missing_and_refuses_wider_rows() {
    let opts = LibsvmOptions {
        base: Some(1),
        num_features: Some(4),
    };
    let d = parse_with("1 2:1\n", opts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.features.shape(), [1, 4]);
    assert_eq!(d.feature_names[3], "f3");
    let e = parse_with("1 2:1\n0 1:1 5:2\n", opts)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.starts_with("d.svm, line 2, token 3: feature index 5 is past the 4 features"),
        "{e}"
    );
}

#[test]
fn errors_name_the_line_and_token() {
    let e = error("1 1:1\n\n0 1:2 x:3\n");
    assert_eq!(e, "d.svm, line 3, token 3 'x:3': the feature index must be a whole number of at least 0, such as 3 in 3:0.5");
    let e = error("1 qid:1 1:1 -1:2\n");
    assert!(
        e.starts_with("d.svm, line 1, token 4 '-1:2': the feature index"),
        "{e}"
    );
    let e = error("# c\n1 1:1 2:2 2:5\n");
    assert_eq!(e, "d.svm, line 2, token 4: feature index 2 does not increase (the entry before has index 2); list each index at most once per line, in increasing order");
    let e = error("1 3:1 2:2\n");
    assert!(e.starts_with("d.svm, line 1, token 3: feature index 2 does not increase (the entry before has index 3)"), "{e}");
    let e = error("1 1:1\n0 2:abc\n");
    assert!(
        e.starts_with("d.svm, line 2, token 2 '2:abc': the value after ':' is not a number"),
        "{e}"
    );
    let e = error("1 1:1\n0 2\n");
    assert!(
        e.starts_with("d.svm, line 2, token 2 '2': expected index:value"),
        "{e}"
    );
    let e = error("1 1:1\nyes 2:1\n");
    assert!(
        e.starts_with("d.svm, line 2, token 1: label 'yes' is not a number"),
        "{e}"
    );
    let e = error("1 qid:x 1:1\n");
    assert!(
        e.starts_with("d.svm, line 1, token 2 'qid:x': qid must be a whole number"),
        "{e}"
    );
    let e = error("1 qid:1 1:1\n0 1:1\n");
    assert_eq!(e, "d.svm, line 2: this line lacks a qid: but the first line has one; give a qid: on every line or on none");
    let e = error("# only a comment\n\n");
    assert!(e.starts_with("d.svm has no data lines"), "{e}");
}

#[test]
fn files_are_read_and_become_training_data() {
    let dir = std::env::temp_dir().join(format!("gbdt-io-it-libsvm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("train.txt");
    std::fs::write(&path, "3.5 1:1\n-1 2:2\n").unwrap_or_else(|e| panic!("{e}"));
    let d = read_libsvm(&path, &LibsvmOptions::default(), exec()).unwrap_or_else(|e| panic!("{e}"));
    let t = d.into_training_data();
    assert_eq!(t.labels, [3.5, -1.0]);
    assert_eq!(t.feature_names, ["f0", "f1"]);
    assert_eq!(
        t.label_rule,
        LabelRule::Column {
            column: "label".into()
        }
    );
    let missing = read_libsvm(&dir.join("nope.txt"), &LibsvmOptions::default(), exec());
    assert!(missing
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("nope.txt"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn detection_by_content() {
    assert!(detect_libsvm(b"1 1:0.5 2:1\n0 3:1\n"));
    assert!(detect_libsvm(b"# comment\n\n1 qid:3 0:1\n"));
    // A label alone is fine when some line has entries.
    assert!(detect_libsvm(b"1\n0 2:1\n"));
    // The last line may be cut off by the byte limit, even inside an index,
    // and a first line may be longer than the bytes looked at.
    assert!(detect_libsvm(b"1 1:0.5 2:1\n0 3:1\n1 4:0.2 5:"));
    assert!(detect_libsvm(b"1 1:0.5 2:1 12"));
    assert!(detect_libsvm(b"1 1:0.5"));
    assert!(!detect_libsvm(b"1,2,3"));
    assert!(!detect_libsvm(b"a,b\n1,2\n"));
    assert!(!detect_libsvm(b"1,2\n3,4\n"));
    assert!(!detect_libsvm(b"1\t2\n"));
    assert!(!detect_libsvm(b"1\n2\n"));
    assert!(!detect_libsvm(b""));
    // The first line with entries decides; a bad entry is LibSVM's error.
    assert!(detect_libsvm(b"1 1:0.5\nlabel x\n"));
    assert!(detect_libsvm(b"1 2:1 2:x\n"));
    assert!(!detect_libsvm(b"1\nlabel x\n"));
    assert!(!detect_libsvm(b"2020-01-01 10:00,3\n"));
}
