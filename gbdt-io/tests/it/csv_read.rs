//! Reading CSV files: layout, types, missing values, errors.

use std::path::Path;

use gbdt_io::{parse_csv, read_csv, ColumnType, CsvOptions, Error};

use crate::util::{csv_error, data, exec, table, temp_dir, Rng};

#[test]
fn header_names_and_types_are_inferred_over_the_whole_file() {
    let t = read_csv(&data("credit.csv"), &CsvOptions::default(), exec()).unwrap();
    assert_eq!(t.num_rows(), 10);
    assert_eq!(t.num_columns(), 12);
    assert_eq!(t.column_names()[9], "Number of Credit Problems");
    let ty = |n: &str| t.column_type(n).unwrap();
    assert_eq!(ty("Customer ID"), ColumnType::String);
    assert_eq!(ty("Loan Status"), ColumnType::String);
    assert_eq!(ty("Years in current job"), ColumnType::String);
    assert_eq!(ty("Credit Score"), ColumnType::Number); // blanks and NA stay missing
    assert_eq!(ty("Annual Income"), ColumnType::Number);
    assert_eq!(ty("Bankruptcies"), ColumnType::Number);
    assert_eq!(ty("Has Cosigner"), ColumnType::Bool); // false, FALSE, True, blank
    assert_eq!(t.column_type("nope"), None);
    assert_eq!(t.line_of_row(0), 2);
    assert_eq!(t.line_of_row(9), 11);
    assert_eq!(t.path(), data("credit.csv"));
}

#[test]
fn files_without_header_get_generated_names() {
    let opts = CsvOptions {
        has_header: false,
        ..CsvOptions::default()
    };
    let t = parse_csv(b"1,a\n2,b\n".to_vec(), Path::new("x.csv"), &opts, exec()).unwrap();
    assert_eq!(t.column_names(), ["column_0", "column_1"]);
    assert_eq!(t.num_rows(), 2);
    assert_eq!(t.line_of_row(0), 1);
    assert_eq!(t.string_column("column_1").unwrap(), ["a", "b"]);
}

#[test]
fn quoted_files_without_header() {
    let opts = CsvOptions {
        has_header: false,
        ..CsvOptions::default()
    };
    let t = parse_csv(
        b"\n\"a,b\",1\n\"c\",2\n".to_vec(),
        Path::new("x.csv"),
        &opts,
        exec(),
    )
    .unwrap();
    assert_eq!(t.column_names(), ["column_0", "column_1"]);
    assert_eq!(t.string_column("column_0").unwrap(), ["a,b", "c"]);
    assert_eq!((t.line_of_row(0), t.line_of_row(1)), (2, 3));
}

#[test]
fn semicolon_delimiter_and_crlf_line_endings() {
    let opts = CsvOptions {
        delimiter: b';',
        ..CsvOptions::default()
    };
    let t = read_csv(&data("semicolon_crlf.csv"), &opts, exec()).unwrap();
    assert_eq!(t.column_names(), ["a", "b", "c"]);
    assert_eq!(t.column_type("a"), Some(ColumnType::Number));
    assert_eq!(t.column_type("c"), Some(ColumnType::Bool)); // "false\r" must not be text
    assert_eq!(t.string_column("b").unwrap(), ["x", "y"]);
    // The same file read with ',' is one column of text.
    let t = read_csv(&data("semicolon_crlf.csv"), &CsvOptions::default(), exec()).unwrap();
    assert_eq!(t.column_names(), ["a;b;c"]);
}

#[test]
fn tab_delimiter_and_byte_order_mark() {
    let opts = CsvOptions {
        delimiter: b'\t',
        ..CsvOptions::default()
    };
    let t = read_csv(&data("bom_tab.tsv"), &opts, exec()).unwrap();
    assert_eq!(t.column_names(), ["name", "value"]);
    assert_eq!(t.string_column("value").unwrap(), ["1.25", "-2"]);
}

#[test]
fn invalid_delimiters_are_rejected() {
    for d in [b'"', b'\n', b'a', b'1'] {
        let opts = CsvOptions {
            delimiter: d,
            ..CsvOptions::default()
        };
        let e = parse_csv(b"a,b\n1,2\n".to_vec(), Path::new("x.csv"), &opts, exec()).unwrap_err();
        assert!(e.to_string().contains("delimiter"), "{e}");
    }
}

#[test]
fn quoted_fields_with_delimiters_quotes_and_newlines() {
    let t = read_csv(&data("quoted.csv"), &CsvOptions::default(), exec()).unwrap();
    assert_eq!(t.num_rows(), 5);
    assert_eq!(
        t.string_column("comment").unwrap(),
        [
            "plain",
            "with, comma",
            "with \"quotes\"",
            "multi\nline\ncomment",
            ""
        ]
    );
    assert_eq!(t.column_type("amount"), Some(ColumnType::Number));
    assert_eq!(
        t.string_column("amount").unwrap(),
        ["1.5", "2.5", "-300", "inf", ""]
    );
    assert_eq!(t.column_type("flag"), Some(ColumnType::Bool));
    // Row 4 starts on line 5 and spans three lines; row 5 is on line 8.
    assert_eq!(
        (0..5).map(|r| t.line_of_row(r)).collect::<Vec<_>>(),
        [2, 3, 4, 5, 8]
    );
}

#[test]
fn numbers_in_every_notation_and_pandas_missing_tokens() {
    let t = table(
        "n,b,s\n1,true,x\n-2.5,False,y\n1e3,TRUE,z\n+4.25E-2,,w\ninf,NA,v\n-inf,null,NA\n\
         NaN,N/A,n/a\nnan,NULL,None\nNULL,None,\n-NaN,#N/A,<NA>\n#N/A,<NA>,u\nn/a,nan,t\n",
    );
    assert_eq!(t.column_type("n"), Some(ColumnType::Number));
    assert_eq!(t.column_type("b"), Some(ColumnType::Bool));
    assert_eq!(t.column_type("s"), Some(ColumnType::String));
    assert_eq!(
        t.string_column("n").unwrap(),
        ["1", "-2.5", "1000", "0.0425", "inf", "-inf", "", "", "", "", "", ""]
    );
    assert_eq!(
        t.string_column("b").unwrap(),
        ["true", "false", "true", "", "", "", "", "", "", "", "", ""]
    );
    assert_eq!(
        t.string_column("s").unwrap(),
        ["x", "y", "z", "w", "v", "", "", "", "", "", "u", "t"]
    );
}

#[test]
fn all_missing_column_is_a_number_column() {
    let t = table("a,b\n1,\n2,NA\n");
    assert_eq!(t.column_type("b"), Some(ColumnType::Number));
}

#[test]
fn text_anywhere_makes_a_string_column_and_keeps_every_value() {
    let t = table("a,b\n1,true\n2.50,false\nx,1\n");
    assert_eq!(t.column_type("a"), Some(ColumnType::String));
    // Values read before the text keep their original spelling.
    assert_eq!(t.string_column("a").unwrap(), ["1", "2.50", "x"]);
    assert_eq!(t.column_type("b"), Some(ColumnType::String));
    assert_eq!(t.string_column("b").unwrap(), ["true", "false", "1"]);
}

#[test]
fn large_integer_ids_stay_exact() {
    let t = table("id,x\n12345678901,1\n9007199254740993,2\n3,3\n");
    assert_eq!(t.column_type("id"), Some(ColumnType::Number));
    assert_eq!(
        t.string_column("id").unwrap(),
        ["12345678901", "9007199254740992", "3"] // f64 precision, like pandas
    );
}

#[test]
fn blank_lines_are_skipped_and_lines_still_reported() {
    let t = table("a,b\n1,2\n\n3,4\r\n\r\n5,6");
    assert_eq!(t.num_rows(), 3);
    assert_eq!(
        (0..3).map(|r| t.line_of_row(r)).collect::<Vec<_>>(),
        [2, 4, 6]
    );
    assert_eq!(t.string_column("b").unwrap(), ["2", "4", "6"]);
}

#[test]
fn empty_and_duplicate_header_names_follow_pandas() {
    let t = table("a,,a,a\n1,2,3,4\n");
    assert_eq!(t.column_names(), ["a", "Unnamed: 1", "a.1", "a.2"]);
}

#[test]
fn ragged_rows_name_file_and_line() {
    let e = csv_error(b"a,b,c\n1,2,3\n4,5\n");
    assert!(
        e.contains("t.csv, line 3: 2 fields") && e.contains("3 columns"),
        "{e}"
    );
    let e = csv_error(b"a,b\n1,2\n3,4\n5,6,7,8\n");
    assert!(
        e.contains("line 4: 4 fields") && e.contains("has 2 columns"),
        "{e}"
    );
    // The csv-core path (quoted fields) reports the same way.
    let e = csv_error(b"a,b\n\"1\",2\n3,\"4\",5\n");
    assert!(e.contains("line 3: 3 fields"), "{e}");
}

#[test]
fn empty_and_header_only_files_are_errors() {
    for empty in [&b""[..], b"\xef\xbb\xbf", b"\n\n", b"  \r\n"] {
        let e = csv_error(empty);
        assert!(e.contains("t.csv is empty"), "{e}");
    }
    let e = csv_error(b"a,b,c\n");
    assert!(e.contains("header line but no data rows"), "{e}");
    let e = csv_error(b"a,b,c");
    assert!(e.contains("no data rows"), "{e}");
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let e = csv_error(b"a,b\n1,ok\n2,bad\xff\n");
    assert!(
        e.contains("line 3") && e.contains("column 'b'") && e.contains("UTF-8"),
        "{e}"
    );
    let e = csv_error(b"a,\xfe\n1,2\n");
    assert!(e.contains("line 1") && e.contains("UTF-8"), "{e}");
    let e = csv_error(b"a,b\n\"1\",ok\n2,\"bad\xff\"\n");
    assert!(e.contains("line 3") && e.contains("column 'b'"), "{e}");
}

#[test]
fn unreadable_file_names_the_path() {
    let e = read_csv(
        Path::new("/no/such/file.csv"),
        &CsvOptions::default(),
        exec(),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().contains("/no/such/file.csv"), "{e}");
}

#[test]
fn unknown_column_lists_the_known_ones() {
    let t = table("a,b\n1,2\n");
    let e = t.string_column("c").unwrap_err().to_string();
    assert!(e.contains("no column 'c'") && e.contains("'a', 'b'"), "{e}");
}

/// A CSV big enough to be split into several chunks, with mixed columns
/// whose type is only decided by a later chunk.
fn big_csv(rows: usize, quote_first_id: bool) -> String {
    let mut rng = Rng::new(7);
    let mut s = String::from("id,x,late_text,num_then_bool,empty,flag,early_text\n");
    for i in 0..rows {
        let id = if i == 0 && quote_first_id {
            "\"r0\"".to_string()
        } else {
            format!("r{i}")
        };
        let x = if rng.next().is_multiple_of(10) {
            String::new()
        } else {
            format!("{:.4}", rng.unit() * 100.0 - 50.0)
        };
        let late = if i == rows - 2 {
            "oops".to_string()
        } else {
            format!("{}", i % 97)
        };
        let nb = if i < rows / 2 {
            format!("{}", i % 3)
        } else {
            "true".to_string()
        };
        let flag = if i % 3 == 0 { "TRUE" } else { "false" };
        let early = if i == 0 {
            "start".to_string()
        } else {
            format!("{}", i % 5)
        };
        s.push_str(&format!("{id},{x},{late},{nb},,{flag},{early}\n"));
        if i % 1000 == 999 {
            s.push('\n'); // blank lines shift row lines
        }
    }
    s
}

/// Same names, types, values (as text, so NaN equals NaN) and row lines.
fn assert_same(a: &gbdt_io::Table, b: &gbdt_io::Table) {
    assert_eq!(a.column_names(), b.column_names());
    assert_eq!(a.num_rows(), b.num_rows());
    for name in a.column_names() {
        assert_eq!(a.column_type(name), b.column_type(name), "{name}");
        assert!(
            a.string_column(name).unwrap() == b.string_column(name).unwrap(),
            "{name} differs"
        );
    }
    assert!((0..a.num_rows()).all(|r| a.line_of_row(r) == b.line_of_row(r)));
}

#[test]
fn fast_path_and_csv_core_agree_over_many_chunks() {
    let rows = 120_000; // about 4 MB: several chunks on any machine
    let fast = table(&big_csv(rows, false));
    let slow = table(&big_csv(rows, true)); // one quote: chunk 0 goes through csv-core
    assert_eq!(fast.num_rows(), rows);
    assert_eq!(fast.column_type("x"), Some(ColumnType::Number));
    assert_eq!(fast.column_type("late_text"), Some(ColumnType::String));
    assert_eq!(fast.column_type("num_then_bool"), Some(ColumnType::String));
    assert_eq!(fast.column_type("empty"), Some(ColumnType::Number));
    assert_eq!(fast.column_type("flag"), Some(ColumnType::Bool));
    let late = fast.string_column("late_text").unwrap();
    assert_eq!(
        (
            late[0].as_str(),
            late[rows - 2].as_str(),
            late[rows - 1].as_str()
        ),
        ("0", "oops", "10")
    );
    assert_eq!(fast.column_type("early_text"), Some(ColumnType::String));
    let early = fast.string_column("early_text").unwrap();
    assert_eq!(
        (
            early[0].as_str(),
            early[1].as_str(),
            early[rows - 1].as_str()
        ),
        ("start", "1", "4")
    );
    let nb = fast.string_column("num_then_bool").unwrap();
    assert_eq!((nb[4].as_str(), nb[rows - 1].as_str()), ("1", "true"));
    assert_same(&fast, &slow);
    // One worker gives the same table.
    let one = parse_csv(
        big_csv(rows, false).into_bytes(),
        Path::new("t.csv"),
        &CsvOptions::default(),
        &gbdt_core::Executor::new(1).unwrap(),
    )
    .unwrap();
    assert_same(&one, &fast);
    for r in [0, 998, 999, 1000, 50_000, rows - 1] {
        assert_eq!(fast.line_of_row(r), slow.line_of_row(r), "row {r}");
        assert_eq!(fast.line_of_row(r), r + 2 + r / 1000, "row {r}");
    }
    // An error deep in the file reports the right line from any chunk.
    let mut text = big_csv(rows, false);
    text.push_str("r,1,2,3,4,5,6,7\n");
    let e = csv_error(text.as_bytes());
    let line = rows + 2 + rows / 1000;
    assert!(e.contains(&format!("line {line}: 8 fields")), "{e}");
}

#[test]
fn read_csv_reads_files_from_disk() {
    let dir = temp_dir("read");
    let path = dir.join("f.csv");
    std::fs::write(&path, "a,b\n1,x\n").unwrap();
    let t = read_csv(&path, &CsvOptions::default(), exec()).unwrap();
    assert_eq!(t.string_column("b").unwrap(), ["x"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn big_files_are_read_from_disk_in_chunks_like_in_memory() {
    let text = big_csv(700_000, false); // about 21 MB: many 1 MiB chunks
    assert!(text.len() > 16 << 20);
    let dir = temp_dir("bigread");
    let path = dir.join("big.csv");
    std::fs::write(&path, &text).unwrap();
    let from_disk = read_csv(&path, &CsvOptions::default(), exec()).unwrap();
    let in_memory = table(&text);
    assert_eq!(from_disk.num_rows(), 700_000);
    for name in ["x", "late_text", "flag"] {
        assert_eq!(
            from_disk.string_column(name).unwrap(),
            in_memory.string_column(name).unwrap(),
            "{name}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A multi-chunk file with quoted fields (commas, escaped quotes, CRLF
/// rows, blank lines) but no line break inside quotes.
fn big_quoted(rows: usize) -> String {
    let mut s = String::from("id,comment,amount,flag\n");
    for i in 0..rows {
        let comment = match i % 4 {
            0 => format!("\"note, {i}\""),
            1 => format!("\"said \"\"{i}\"\"\""),
            2 => String::new(),
            _ => format!("plain {i}"),
        };
        let end = if i % 5 == 0 { "\r\n" } else { "\n" };
        s.push_str(&format!(
            "\"r{i}\",{comment},{}.5,{}{end}",
            i % 1000,
            i % 2 == 0
        ));
        if i % 777 == 0 {
            s.push('\n');
        }
    }
    s
}

#[test]
fn quoted_files_parse_in_parallel_chunks() {
    let rows = 100_000; // about 4 MB: several chunks
    let text = big_quoted(rows);
    let parallel = table(&text);
    // A quoted line break at the end (the last chunk may end inside it).
    let sequential = table(&format!("{text}\"last\",\"two\nlines\",1,true\n"));
    assert_eq!(parallel.num_rows(), rows);
    assert_eq!(sequential.num_rows(), rows + 1);
    for name in parallel.column_names() {
        let (p, s) = (
            parallel.string_column(name).unwrap(),
            sequential.string_column(name).unwrap(),
        );
        assert!(p[..] == s[..rows], "{name} differs");
    }
    assert_eq!(parallel.string_column("comment").unwrap()[1], "said \"1\"");
    assert_eq!(parallel.string_column("comment").unwrap()[4], "note, 4");
    assert_eq!(parallel.column_type("amount"), Some(ColumnType::Number));
    for r in [0, 1, 776, 777, 778, 50_000, rows - 1] {
        assert_eq!(
            parallel.line_of_row(r),
            sequential.line_of_row(r),
            "row {r}"
        );
    }
    // An error deep in the file names its line from any chunk.
    let e = csv_error(format!("{text}\"x\",1\n").as_bytes());
    let line = text.matches('\n').count() + 1;
    assert!(e.contains(&format!("line {line}: 2 fields")), "{e}");
}
