//! # gbdt-io
//!
//! Everything gbdt reads or writes as bytes:
//!
//! - **CSV files** ([`read_csv`]): typed columns (number, bool, string) inferred
//!   over the whole file the way `pandas.read_csv` does, with pandas' missing
//!   tokens (`NA`, `null`, empty, ...) read as missing values.
//! - **Labels** ([`parse_target`], [`class_rule`]): a column, a comparison
//!   such as `Number of Credit Problems > 1`, a string equality such as
//!   `Loan Status == Charged Off`, or a class column for multiclass.
//! - **Selection** ([`training_data`], [`labelled_data`],
//!   [`prediction_features`]): number and bool columns become an `f32`
//!   feature matrix (like `select_dtypes(include=['number', 'bool'])`); text
//!   columns become categorical features ([`CategoricalMode::Auto`], the
//!   default: at most [`DEFAULT_MAX_CATEGORIES`] distinct values, not
//!   identifier-like) or are dropped and reported. At prediction a model's
//!   categorical features ([`ModelFeatures`]) map text to its category codes;
//!   a category it never saw is missing.
//! - **Holdout** ([`split_holdout`]): a seeded, optionally stratified
//!   fraction of the training rows kept out as a validation set.
//! - **Folds** ([`assign_folds`], [`split_fold`]): rows dealt into k seeded
//!   folds for cross-validation, stratified by class or keeping query
//!   groups whole.
//! - **LibSVM / SVMlight files** ([`read_libsvm`], [`detect_libsvm`]):
//!   `label [qid:N] index:value ...` lines to labels, a dense matrix with
//!   columns `f0`, `f1`, ... (absent entries missing) and optional query ids.
//! - **Model files** ([`save`] and [`load`] for a bare model; [`save_model`]
//!   and [`load_model`] for a [`ModelFile`] with its CSV metadata): a binary
//!   format (magic bytes, format version, checksum, bincode payload) and a
//!   JSON format (`.json`), both written atomically. gbdt-core checks the
//!   model itself while it deserialises, so a damaged file is an error, never
//!   a panic in `predict`.
//!
//! Parallel work (CSV chunks, the feature matrix) runs on the
//! [`gbdt_core::Executor`] passed as the last argument: its workers and no
//! others.
//!
//! ```
//! use gbdt_core::Executor;
//! use gbdt_io::{parse_csv, parse_target, training_data, CsvOptions, LabelRule, Selection};
//! use std::path::Path;
//!
//! let exec = Executor::new(2)?;
//! let csv = "id,Number of Credit Problems,Income,Owner\nA1,0,52000,true\nA2,3,NA,false\nA3,1,61000,true\n";
//! let table = parse_csv(csv.as_bytes().to_vec(), Path::new("credit.csv"), &CsvOptions::default(), &exec)?;
//! let rule = parse_target("Number of Credit Problems > 1", &table)?;
//! assert!(matches!(rule, LabelRule::Compare { .. }));
//! let data = training_data(&table, &rule, &Selection::default(), &exec)?;
//! assert_eq!(data.feature_names, ["Income", "Owner"]);
//! assert_eq!(data.labels, [0.0, 1.0, 0.0]);
//! assert!(data.features[[1, 0]].is_nan());
//! assert_eq!(data.dropped_columns[0].name, "id");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Training on an ndarray, saving, loading and predicting needs no CSV type;
//! `?` turns gbdt-core errors into [`Error`]:
//!
//! ```
//! use gbdt_core::{train, Dataset, Objective, Params};
//! use ndarray::Array2;
//!
//! let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * (j + 3)) % 17) as f32);
//! let y: Vec<f32> = (0..200).map(|i| (x[[i, 0]] > 8.0) as u8 as f32).collect();
//! let params = Params { objective: Objective::Logistic, num_rounds: 20, ..Params::default() };
//! let model = train(&params, &Dataset::new(x.view(), &y)?, &[])?;
//!
//! let path = std::env::temp_dir().join(format!("gbdt-doc-{}.json", std::process::id()));
//! gbdt_io::save(&model, &path)?;
//! let loaded = gbdt_io::load(&path)?;
//! assert_eq!(loaded.predict(x.view())?, model.predict(x.view())?);
//! assert_eq!(loaded.predict_class(x.view())?[..2], [0, 0]);
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), gbdt_io::Error>(())
//! ```

/// The README's Rust examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

mod builder;
mod column_error;
mod csv;
mod error;
mod folds;
mod foreign;
mod holdout;
mod label;
mod libsvm;
mod model_file;
mod parse;
mod ranks;
mod select;
mod table;

#[doc(hidden)]
pub use csv::parse_csv_chunked;
pub use csv::{parse_csv, read_csv, read_csv_part, CsvBatches, DataPart, BATCH_BYTES};
pub use error::{Error, Result};
pub use folds::{assign_folds, split_fold, Folds};
pub use foreign::{
    decode_any_model, detect_foreign, export_xgboost_json, import_model, load_any_model, AnyModel,
    ForeignFormat, ModelSource, SourceFormat,
};
pub use holdout::{split_holdout, Holdout};
pub use label::{class_rule, parse_target, parse_target_on, CompareOp, LabelRule, MAX_CLASSES};
pub use libsvm::{
    detect_libsvm, parse_libsvm, read_libsvm, LibsvmData, LibsvmOptions, LIBSVM_LABEL,
    MAX_LIBSVM_FEATURES,
};
pub use model_file::atomic::{check_writable, AtomicFile, TEMP_MARKER};
pub use model_file::{
    decode_model, encode_model, load, load_model, save, save_model, LoadedModel, ModelFile,
    ModelFormat, TrainingSummary, FORMAT_VERSION, MAGIC,
};
pub use select::{
    labelled_data, labelled_data_with, prediction_features, training_data, CategoricalMode,
    DroppedColumn, FeatureBatches, LabelledColumns, ModelFeatures, Selection, TrainingData,
    DEFAULT_MAX_CATEGORIES,
};
pub use table::{ColumnType, CsvOptions, Table};
