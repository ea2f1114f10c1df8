//! The one error type of gbdt-core.

use thiserror::Error;

/// Everything that can go wrong when building a dataset, training or predicting.
///
/// Every variant names what was wrong and where, so a caller can show the
/// message to a user as it is.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The dataset has no rows or no feature columns.
    #[error("empty dataset: {rows} rows and {features} features; training needs at least one row and one feature")]
    EmptyDataset { rows: usize, features: usize },

    /// Labels, weights or names do not match the feature matrix.
    #[error("{what} has {got} entries but the feature matrix has {expected}; give one per {unit}")]
    LengthMismatch {
        what: &'static str,
        got: usize,
        expected: usize,
        unit: &'static str,
    },

    /// A label is NaN or infinite.
    #[error("label at row {row} is {value}; labels must be finite numbers")]
    NonFiniteLabel { row: usize, value: f32 },

    /// A label is outside what the objective accepts.
    #[error("label at row {row} is {value}, but objective {objective} needs {expected}")]
    InvalidLabel {
        row: usize,
        value: f32,
        objective: String,
        expected: String,
    },

    /// A sample weight is negative or not finite.
    #[error("weight at row {row} is {value}; weights must be finite and not negative")]
    InvalidWeight { row: usize, value: f32 },

    /// A categorical feature holds a value that is not a category code.
    #[error("feature {feature} ({name}) is categorical, but row {row} holds {value}; categorical values must be whole numbers from 0 to {max} (codes of its {count} categories) or NaN for missing")]
    InvalidCategory {
        feature: usize,
        name: String,
        row: usize,
        value: f32,
        count: usize,
        max: usize,
    },

    /// All sample weights are zero.
    #[error("all sample weights are zero; at least one row needs a positive weight")]
    ZeroTotalWeight,

    /// A training parameter is out of its allowed range.
    #[error("invalid parameter {name} = {value}: must be {allowed}")]
    InvalidParam {
        name: &'static str,
        value: String,
        allowed: String,
    },

    /// An objective or metric name is not known.
    #[error("unknown {kind} '{name}'; known: {known}")]
    UnknownName {
        kind: &'static str,
        name: String,
        known: String,
    },

    /// Prediction input has a different number of features than the model.
    #[error("prediction input has {got} features but the model was trained on {expected}")]
    FeatureCountMismatch { got: usize, expected: usize },

    /// An output buffer has the wrong length.
    #[error("output buffer has length {got} but {expected} values are needed")]
    OutputLength { got: usize, expected: usize },

    /// Another rank of a distributed training failed, so this one stops too.
    #[error("rank {rank} failed: {message}")]
    OtherRank { rank: usize, message: String },

    /// Something distributed training (several ranks) does not support.
    #[error("{what} is not supported when training on {ranks} ranks: {hint}")]
    NotDistributed {
        what: String,
        ranks: usize,
        hint: String,
    },

    /// The thread pool could not be built.
    #[error("could not start {threads} worker threads: {reason}")]
    ThreadPool { threads: usize, reason: String },

    /// Model data (deserialised, or read from a file) breaks a rule that
    /// prediction relies on. `location` names the field, and the tree and
    /// node when there is one, e.g. ``tree 3, node 7, field `left` ``.
    #[error("invalid model: {location}: {problem}; the model data is damaged or was not written by gbdt: load an undamaged copy or train the model again")]
    InvalidModel { location: String, problem: String },

    /// Class probabilities or labels were asked of a model that does not
    /// classify.
    #[error("objective {objective} does not predict classes; class probabilities and labels need binary:logistic or multi:softprob (use predict for this model)")]
    NotAClassifier { objective: String },

    /// Query groups (for ranking) do not fit the data, or a ranking
    /// objective was given data without them.
    #[error("query groups: {problem}")]
    InvalidGroups { problem: String },
}

/// `Result` with [`enum@Error`].
pub type Result<T> = std::result::Result<T, Error>;
