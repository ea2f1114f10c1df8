//! Data files in either format gbdt reads: CSV or LibSVM (issue 14). Every
//! command that reads data (train and its `--valid`, predict, eval) reads
//! it here (and `importance --type shap` its rows), so the format rule
//! lives in one place:
//!
//! - `--format csv|libsvm` chooses; without it the format is detected from
//!   the first 64 KiB: LibSVM when its first data lines are
//!   `label [qid:N] index:value ...` (see [`gbdt_io::detect_libsvm`]),
//!   otherwise CSV;
//! - LibSVM's label is the first token of each line, so `--target` is a
//!   usage error with LibSVM data (it would be ignored, and silently
//!   ignoring a flag hides mistakes);
//! - LibSVM features are read by position: column `f{j}` is index
//!   `j + base`, and with a model (predict, eval, `--valid`) the matrix has
//!   exactly the model's (or the training data's) feature count, whatever
//!   the model's feature names are. An index past them is an error.
//! - `--libsvm-base 0|1` overrides the base detected in each file (0 when
//!   any index is 0). A validation file is read with the training file's
//!   base.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use gbdt_core::Executor;
use gbdt_io::{LibsvmData, LibsvmOptions, Table};

use crate::exit::{CmdResult, Code, Failure};
use crate::file_args::{CsvArgs, DataFormat};
use crate::input::{self, reading};

/// Bytes read to detect the format.
const DETECT_BYTES: u64 = 64 << 10;

/// A data file read in its format.
pub enum DataFile {
    Csv(Table),
    Libsvm(LibsvmData),
}

/// Reads `path` (`-`: standard input) as CSV or LibSVM, as `--format` says
/// or detected; `libsvm` sets the LibSVM options (`--libsvm-base` wins over
/// its base).
pub fn read_data(
    path: &Path,
    args: &CsvArgs,
    libsvm: LibsvmOptions,
    exec: &Executor,
) -> CmdResult<DataFile> {
    let opts = LibsvmOptions {
        base: args.libsvm_base.or(libsvm.base),
        ..libsvm
    };
    if path == Path::new("-") {
        let bytes = read_stdin()?;
        let stdin = Path::new("<stdin>");
        return match format_of(args, &bytes) {
            DataFormat::Csv => {
                let csv = input::csv_options(args)?;
                Ok(DataFile::Csv(reading(gbdt_io::parse_csv(
                    bytes, stdin, &csv, exec,
                ))?))
            }
            DataFormat::Libsvm => Ok(DataFile::Libsvm(reading(gbdt_io::parse_libsvm(
                &bytes, stdin, &opts, exec,
            ))?)),
        };
    }
    match file_format(path, args)? {
        DataFormat::Csv => {
            let csv = input::csv_options(args)?;
            Ok(DataFile::Csv(input::read_table(path, &csv, exec)?))
        }
        DataFormat::Libsvm => Ok(DataFile::Libsvm(reading(gbdt_io::read_libsvm(
            path, &opts, exec,
        ))?)),
    }
}

/// The format of the file `path`: `--format`, or detected from its first
/// bytes.
pub fn file_format(path: &Path, args: &CsvArgs) -> CmdResult<DataFormat> {
    Ok(match args.format {
        Some(f) => f,
        None => format_of(args, &head(path)?),
    })
}

/// The usage error for `--target` (or another column flag) given with
/// LibSVM data.
pub fn no_columns(flag: &str, path: &Path) -> Failure {
    let groups = match flag {
        "--group" => ", its query groups come from qid:",
        _ => "",
    };
    Failure::usage(format!(
        "{flag} names a CSV column, but {} is LibSVM data, which has no columns: its label is \
         the first token of each line{groups} and its features are f0, f1, ... by index. Leave out \
         {flag} (or give --format csv if the file is CSV)",
        path.display()
    ))
}

fn format_of(args: &CsvArgs, head: &[u8]) -> DataFormat {
    match args.format {
        Some(f) => f,
        None if gbdt_io::detect_libsvm(head) => DataFormat::Libsvm,
        None => DataFormat::Csv,
    }
}

/// The first bytes of a file (exit 3 when it cannot be opened).
fn head(path: &Path) -> CmdResult<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(DETECT_BYTES).read_to_end(&mut bytes))
        .map_err(|e| {
            Failure::new(
                Code::BadInput,
                format!("could not open data file {}: {e}", path.display()),
            )
        })?;
    Ok(bytes)
}

fn read_stdin() -> CmdResult<Vec<u8>> {
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::new(Code::Runtime, format!("cannot read standard input: {e}")))?;
    Ok(bytes)
}
