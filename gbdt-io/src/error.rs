//! The one error type of gbdt-io. Every message names the file and, where
//! there is one, the line and column, and says what to do.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong reading CSV files, deriving labels and
/// features, and reading or writing model files.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused a read or write.
    #[error("could not {action} {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },

    /// A CSV option is not usable.
    #[error("invalid CSV option {option} = {value:?}: {allowed}")]
    InvalidOption {
        option: &'static str,
        value: String,
        allowed: &'static str,
    },

    /// The file has no bytes (or only a byte-order mark and blank lines).
    #[error("{path} is empty; a CSV file needs a header line and at least one data row")]
    EmptyFile { path: PathBuf },

    /// Ranks reading a file each (distributed training) found different
    /// headers.
    #[error("rank {rank} reads {path}, whose header differs from that of {first_path} on rank 0: {detail}; every rank's file needs the same columns in the same order")]
    HeaderMismatch {
        rank: usize,
        path: PathBuf,
        first_path: PathBuf,
        detail: String,
    },

    /// The file has a header but no data rows.
    #[error("{path} has a header line but no data rows; add rows below the header (or read it without a header)")]
    NoDataRows { path: PathBuf },

    /// A row has more or fewer fields than the header.
    #[error("{path}, line {line}: {found} fields but the header has {expected} columns; every row needs exactly {expected} fields (quote fields that contain the delimiter)")]
    RaggedRow {
        path: PathBuf,
        line: usize,
        found: usize,
        expected: usize,
    },

    /// A field or header is not valid UTF-8.
    #[error("{path}, line {line}, column '{column}': invalid UTF-8; save the file as UTF-8")]
    InvalidUtf8 {
        path: PathBuf,
        line: usize,
        column: String,
    },

    /// The CSV parser rejected the file.
    #[error("{path}, line {line}: malformed CSV: {message}")]
    Csv {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// A column named by the user does not exist.
    #[error("{path}: no column '{column}' (given as {role}); columns are: {known}")]
    UnknownColumn {
        path: PathBuf,
        column: String,
        role: &'static str,
        known: String,
    },

    /// Feature columns the model needs are not in the file.
    #[error("{path}: missing feature column(s) the model needs: {columns}; the file must have every feature column the model was trained on (in any order)")]
    MissingFeatureColumns { path: PathBuf, columns: String },

    /// A value that must be a number is not.
    #[error("{path}, line {line}, column '{column}': value '{value}' is not a number; {hint}")]
    NotANumber {
        path: PathBuf,
        line: usize,
        column: String,
        value: String,
        hint: &'static str,
    },

    /// A column mixes numbers and true/false values.
    #[error("{path}, column '{column}': mixes numbers and true/false values (line {number_line} has '{number}', line {bool_line} has '{boolean}'); use one kind in a column")]
    MixedColumn {
        path: PathBuf,
        column: String,
        number_line: usize,
        number: String,
        bool_line: usize,
        boolean: String,
    },

    /// A column cannot play the role it was given.
    #[error("{path}: column '{column}' cannot be used as {role}: {reason}")]
    WrongColumnType {
        path: PathBuf,
        column: String,
        role: &'static str,
        reason: String,
    },

    /// The target expression cannot be understood.
    #[error("invalid target '{expr}': {reason}")]
    InvalidTarget { expr: String, reason: String },

    /// Rows have no label value.
    #[error("{path}: {count} row(s) have no value for the label '{label}' (lines {lines}); fill them in or drop those rows (the drop-missing-label option)")]
    MissingLabels {
        path: PathBuf,
        label: String,
        count: usize,
        lines: String,
    },

    /// A label value cannot be used.
    #[error("{path}, line {line}, column '{column}': label value '{value}' {reason}")]
    InvalidLabel {
        path: PathBuf,
        line: usize,
        column: String,
        value: String,
        reason: String,
    },

    /// A weight value cannot be used.
    #[error("{path}, line {line}, column '{column}': weight '{value}' {reason}")]
    InvalidWeight {
        path: PathBuf,
        line: usize,
        column: String,
        value: String,
        reason: &'static str,
    },

    /// A query group id cannot be used: missing, or its rows are not
    /// contiguous. `place` is "line N, column 'C'" (CSV) or "row N" (LibSVM).
    #[error("{path}, {place}: query group '{value}' {reason}")]
    InvalidGroup {
        path: PathBuf,
        place: String,
        value: String,
        reason: String,
    },

    /// A selection option is not usable.
    #[error("invalid {option} {value:?}: use {allowed}")]
    InvalidSelection {
        option: &'static str,
        value: String,
        allowed: String,
    },

    /// A column declared categorical has more distinct values than the
    /// category limit.
    #[error("{path}: column '{column}' has {} distinct values, more than the limit of {} categories; {hint}", thousands(*count), thousands(*limit))]
    TooManyCategories {
        path: PathBuf,
        column: String,
        count: usize,
        limit: usize,
        hint: String,
    },

    /// A number column declared categorical holds a value that is not a
    /// whole number.
    #[error("{path}, line {line}, column '{column}': value '{value}' is not a whole number, so the column cannot be categorical; only text, integer and true/false columns can (leave it out of the categorical columns to use it as a number)")]
    NonIntegerCategory {
        path: PathBuf,
        line: usize,
        column: String,
        value: String,
    },

    /// With strict categories, a categorical feature holds a category the
    /// model never saw in training.
    #[error("{path}, line {line}, column '{column}': category '{value}' was not seen in training (the model knows {known}); without strict categories it is treated as missing")]
    UnseenCategory {
        path: PathBuf,
        line: usize,
        column: String,
        value: String,
        known: String,
    },

    /// Selection left no feature column.
    #[error("{path}: no feature columns left; {detail}")]
    NoFeatures { path: PathBuf, detail: String },

    /// Dropping rows without a label left no row.
    #[error("{path}: every row ({count}) lacks a label value for '{label}'; nothing is left to train on")]
    NoRowsLeft {
        path: PathBuf,
        label: String,
        count: usize,
    },

    /// `--holdout` would keep out no row: too few rows for the fraction.
    #[error("--holdout {fraction} of {rows} rows keeps out no row (each class keeps at least one training row); use a larger fraction, more rows, or --valid VALID.csv")]
    HoldoutTooSmall { rows: usize, fraction: f64 },

    /// The file is not a gbdt model file.
    #[error("{path} is not a gbdt model file: {reason}")]
    NotAModel { path: PathBuf, reason: String },

    /// The model file was written by a newer (or unknown) format version.
    #[error("{path} has model format version {version}, but this gbdt reads versions 1 to {supported}; use a newer gbdt to read it")]
    UnsupportedVersion {
        path: PathBuf,
        version: u64,
        supported: u32,
    },

    /// The model file is damaged: truncated, altered or inconsistent.
    #[error(
        "{path} is a damaged gbdt model file: {reason}; restore it from a backup or train again"
    )]
    CorruptModel { path: PathBuf, reason: String },

    /// The file is intact (header, checksum, syntax) but the model in it
    /// breaks a rule gbdt-core checks; `reason` is gbdt-core's message, which
    /// names the tree, node and field.
    #[error("{path}: {reason}")]
    InvalidModel { path: PathBuf, reason: String },

    /// The model cannot be written in the requested format.
    #[error("cannot write model {path}: {reason}")]
    Encode { path: PathBuf, reason: String },

    /// A model format name is not known.
    #[error("unknown model format '{name}'; known: binary, json")]
    UnknownFormat { name: String },

    /// gbdt-core refused: invalid data or parameters for training, or
    /// prediction input that does not fit the model. Lets `?` carry a
    /// [`gbdt_core::Error`] into this crate's `Result`.
    #[error(transparent)]
    Core {
        #[from]
        source: gbdt_core::Error,
    },
    /// The selected features, labels or weights are not a valid gbdt-core
    /// dataset (for example no rows, or all weights zero).
    #[error("the selected data cannot be trained on: {source}")]
    InvalidDataset { source: gbdt_core::Error },

    // Foreign model files (issue 12).
    /// A foreign (XGBoost or LightGBM) model file is damaged or breaks its
    /// format's rules; `location` names the field, tree and node.
    #[error("{path} is not a valid {format} model: {location}: {problem}; check that the file is complete and was written by the library itself")]
    ForeignModel {
        path: PathBuf,
        format: &'static str,
        location: String,
        problem: String,
    },

    /// A foreign model uses something gbdt cannot import.
    #[error("{path}: {format} model: {field} = {value:?} is not supported; {hint}")]
    UnsupportedForeign {
        path: PathBuf,
        format: &'static str,
        field: String,
        value: String,
        hint: String,
    },

    /// A foreign model format name is not known.
    #[error("unknown foreign model format '{name}'; known: xgboost-json, lightgbm")]
    UnknownForeignFormat { name: String },

    /// A model cannot be written in a foreign format.
    #[error("cannot export the model as {format}: {reason}")]
    ForeignExport {
        format: &'static str,
        reason: String,
    },

    // LibSVM input (issue 14).
    /// A LibSVM line's label is not a number. Tokens are counted from 1
    /// (the label is token 1), separated by spaces or tabs.
    #[error("{path}, line {line}, token {token}: label '{text}' is not a number; a LibSVM line is 'label [qid:N] index:value ...' and starts with a numeric label")]
    LibsvmLabel {
        path: PathBuf,
        line: usize,
        token: usize,
        text: String,
    },

    /// A LibSVM `qid:` or `index:value` token is malformed.
    #[error("{path}, line {line}, token {token} '{text}': {problem}")]
    LibsvmEntry {
        path: PathBuf,
        line: usize,
        token: usize,
        text: String,
        problem: &'static str,
    },

    /// A LibSVM line repeats a feature index or lists it after a larger one.
    #[error("{path}, line {line}, token {token}: feature index {index} does not increase (the entry before has index {previous}); list each index at most once per line, in increasing order")]
    LibsvmIndexOrder {
        path: PathBuf,
        line: usize,
        token: usize,
        index: u64,
        previous: u64,
    },

    /// A LibSVM feature index is below the index base or past the features.
    #[error("{path}, line {line}, token {token}: feature index {index} {problem}")]
    LibsvmIndexRange {
        path: PathBuf,
        line: usize,
        token: usize,
        index: u64,
        problem: String,
    },

    /// Some LibSVM lines have `qid:` (or a `label:weight`) and others do not.
    #[error("{path}, line {line}: {problem}; give {what} on every line or on none")]
    LibsvmOnSomeLines {
        path: PathBuf,
        line: usize,
        what: &'static str,
        problem: String,
    },

    /// A LibSVM file has no data line.
    #[error("{path} has no data lines; a LibSVM file needs at least one line 'label [qid:N] index:value ...'")]
    LibsvmEmpty { path: PathBuf },

    /// The LibSVM index base option is neither 0 nor 1.
    #[error("invalid LibSVM index base {base}; use 0 (the first feature is index 0) or 1")]
    LibsvmBase { base: u32 },
}

/// `Result` with [`enum@Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// `n` with thousands separators: `9,950`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(9950), "9,950");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
