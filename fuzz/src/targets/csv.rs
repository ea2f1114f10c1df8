//! The CSV reader and type inference: `gbdt_io::parse_csv` on the bytes
//! (the fast path for unquoted data, csv-core for quoted fields), read again
//! in small chunks so that cuts between chunks fall inside the input; both
//! must give the same table or the same error. A table then becomes a
//! feature matrix of its number and bool columns.

use std::path::Path;

use gbdt_io::{
    parse_csv, parse_csv_chunked, prediction_features, ColumnType, CsvOptions, ModelFeatures, Table,
};

use crate::input::{exec, split_first};

/// Delimiters the first byte chooses from.
const DELIMITERS: [u8; 5] = [b',', b';', b'\t', b'|', b' '];

/// Byte 0: bits 0-2 the delimiter, bit 3 no header, bits 4-7 the chunk
/// size (1 to 16 bytes x 4). The rest is the file.
pub fn run(data: &[u8]) {
    let (opt, bytes) = split_first(data);
    let opts = CsvOptions {
        delimiter: DELIMITERS[usize::from(opt & 7) % DELIMITERS.len()],
        has_header: opt & 8 == 0,
    };
    let chunk = 4 * u64::from((opt >> 4) + 1);
    let path = Path::new("fuzz.csv");
    let whole = parse_csv(bytes.to_vec(), path, &opts, exec());
    let chunked = parse_csv_chunked(bytes.to_vec(), path, &opts, exec(), chunk);
    // The same table, or an error on the same line both ways (a line with
    // two problems may report either first).
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "chunks of {chunk} bytes change the table"
        ),
        (Err(a), Err(b)) => assert_eq!(
            line_of(&a.to_string()),
            line_of(&b.to_string()),
            "chunks of {chunk} bytes move the error: {a} / {b}"
        ),
        (a, b) => panic!(
            "chunks of {chunk} bytes change the outcome: {:?} / {:?}",
            a.as_ref().map(|_| "a table"),
            b.as_ref().map(|_| "a table")
        ),
    }
    if let Ok(table) = whole {
        use_table(&table);
    }
}

/// The `line N` an error message names, if any.
fn line_of(message: &str) -> Option<&str> {
    let at = message.find("line ")? + 5;
    let digits = message[at..].bytes().take_while(u8::is_ascii_digit).count();
    Some(&message[at..at + digits])
}

/// Every accessor of a table, and its number and bool columns as features.
pub fn use_table(table: &Table) {
    let mut numeric = Vec::new();
    for name in table.column_names() {
        match table.column_type(name) {
            Some(ColumnType::Number | ColumnType::Bool) => numeric.push(name.clone()),
            Some(_) => {
                let values = table
                    .string_column(name)
                    .expect("a text column reads as text");
                assert_eq!(values.len(), table.num_rows());
            }
            None => panic!("column {name:?} is listed but has no type"),
        }
    }
    for row in 0..table.num_rows().min(64) {
        let _ = table.line_of_row(row);
    }
    let features = prediction_features(table, &ModelFeatures::numeric(&numeric), exec())
        .expect("the number and bool columns of a table are features");
    assert_eq!(features.dim(), (table.num_rows(), numeric.len()));
}
