//! What every step of a CSV read needs to know (file name, delimiter,
//! column names), and the one place where problems found in a chunk become
//! [`Error`]s that name the file, line and column.

use std::path::PathBuf;

use crate::error::Error;

/// The file being read and its columns.
pub(crate) struct Ctx {
    pub path: PathBuf,
    pub delimiter: u8,
    pub names: Vec<String>,
    /// The 1-based line where the data starts.
    pub first_line: usize,
}

/// A problem found while parsing one chunk; `line` is 0-based within the
/// chunk.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChunkError {
    /// A row has the wrong number of fields.
    Ragged { line: usize, found: usize },
    /// A field is not UTF-8 text.
    Utf8 { line: usize, column: usize },
    /// More rows than the first pass counted: the file changed.
    TooManyRows { line: usize },
}

impl Ctx {
    pub(crate) fn ncols(&self) -> usize {
        self.names.len()
    }

    /// The reader of csv-core: the one tokenizer of quoted CSV.
    pub(crate) fn tokenizer(&self) -> csv_core::Reader {
        csv_core::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .build()
    }

    /// The error for a problem in a chunk whose first line is `first_line`.
    pub(crate) fn chunk_error(&self, e: ChunkError, first_line: usize) -> Error {
        match e {
            ChunkError::Ragged { line, found } => Error::RaggedRow {
                path: self.path.clone(),
                line: first_line + line,
                found,
                expected: self.ncols(),
            },
            ChunkError::Utf8 { line, column } => self.utf8_error(first_line + line, column),
            ChunkError::TooManyRows { line } => Error::Csv {
                path: self.path.clone(),
                line: first_line + line,
                message: "the file changed while it was read; read it again".to_string(),
            },
        }
    }

    pub(crate) fn utf8_error(&self, line: usize, column: usize) -> Error {
        Error::InvalidUtf8 {
            path: self.path.clone(),
            line,
            column: self
                .names
                .get(column)
                .cloned()
                .unwrap_or_else(|| format!("field {}", column + 1)),
        }
    }

    pub(crate) fn io_error(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.path.clone(),
            action: "read CSV file",
            source,
        }
    }
}
