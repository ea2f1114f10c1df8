//! Reading CSV and model files through gbdt-io, and opening outputs, with the
//! exit code of each failure decided in one place.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use gbdt_core::Executor;
use gbdt_io::{CsvOptions, Table};

pub use gbdt_io::LoadedModel;

use crate::cli::CsvArgs;
use crate::exit::{core, CmdResult, Code, Failure};

/// The exit code of a gbdt-io error met while reading input: bad option
/// values and malformed target expressions are usage errors, everything about
/// the files themselves (missing, malformed, wrong columns) is bad input.
pub fn io_code(e: &gbdt_io::Error) -> Code {
    match e {
        gbdt_io::Error::InvalidOption { .. }
        | gbdt_io::Error::InvalidTarget { .. }
        | gbdt_io::Error::UnknownFormat { .. } => Code::Usage,
        _ => Code::BadInput,
    }
}

/// Maps a gbdt-io result met while reading input with [`io_code`].
pub fn reading<T>(r: gbdt_io::Result<T>) -> CmdResult<T> {
    r.map_err(|e| Failure {
        code: io_code(&e),
        error: e.into(),
    })
}

/// Maps a gbdt-io result met while writing output: I/O failures there are
/// runtime errors (exit 1).
pub fn writing<T>(r: gbdt_io::Result<T>) -> CmdResult<T> {
    r.map_err(|e| {
        let code = match e {
            gbdt_io::Error::UnknownFormat { .. } => Code::Usage,
            _ => Code::Runtime,
        };
        Failure {
            code,
            error: e.into(),
        }
    })
}

/// CSV options from `--delimiter` and `--no-header`.
pub fn csv_options(args: &CsvArgs) -> CmdResult<CsvOptions> {
    let d = args.delimiter.as_str();
    let delimiter = match d {
        "tab" | "\\t" | "\t" => b'\t',
        _ if d.len() == 1 => d.as_bytes()[0],
        _ => {
            return Err(Failure::usage(format!(
                "bad value for --delimiter: '{d}'; give one ASCII character such as ',' or ';', or 'tab'"
            )))
        }
    };
    Ok(CsvOptions {
        delimiter,
        has_header: !args.no_header,
    })
}

/// The one executor of a command, passed to every phase: `threads` workers
/// (from `--threads`), or one per available CPU. Never rayon's global pool.
pub fn executor(threads: Option<usize>) -> CmdResult<Executor> {
    let n = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    core(Executor::with_threads(Some(n)))
}

/// Reads a CSV file (exit 3 when it is missing or malformed); `-` reads
/// standard input.
pub fn read_table(path: &Path, opts: &CsvOptions, exec: &Executor) -> CmdResult<Table> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::new(Code::Runtime, format!("cannot read standard input: {e}")))?;
        return reading(gbdt_io::parse_csv(bytes, Path::new("<stdin>"), opts, exec));
    }
    reading(gbdt_io::read_csv(path, opts, exec))
}

/// Loads a model file (exit 3 when it is missing, not a model or damaged).
pub fn load_model(path: &Path) -> CmdResult<LoadedModel> {
    reading(gbdt_io::load_model(path))
}

/// Checks an output path can be created before long work starts: its
/// directory must exist. Failing here is a runtime error (exit 1), like
/// failing to write later.
pub fn check_output_dir(path: &Path, what: &str) -> CmdResult<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => return Ok(()),
    };
    if dir.is_dir() {
        Ok(())
    } else {
        Err(Failure::new(
            Code::Runtime,
            format!(
                "cannot write {what} {}: directory {} does not exist; create it or choose another path",
                path.display(),
                dir.display()
            ),
        ))
    }
}

/// Where data output goes: a file or stdout, buffered.
pub fn open_output(path: Option<&Path>) -> CmdResult<Box<dyn Write>> {
    match path {
        None => Ok(Box::new(BufWriter::with_capacity(
            1 << 16,
            std::io::stdout().lock(),
        ))),
        Some(p) => {
            let f = File::create(p).map_err(|e| {
                Failure::new(
                    Code::Runtime,
                    format!("cannot create output file {}: {e}", p.display()),
                )
            })?;
            Ok(Box::new(BufWriter::with_capacity(1 << 16, f)))
        }
    }
}

/// Writes a JSON report file (exit 1 on failure).
pub fn write_report(path: &Path, value: &serde_json::Value) -> CmdResult<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::new(Code::Runtime, format!("cannot encode report: {e}")))?;
    text.push('\n');
    std::fs::write(path, text).map_err(|e| {
        Failure::new(
            Code::Runtime,
            format!("cannot write --report-json file {}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(d: &str) -> CmdResult<CsvOptions> {
        csv_options(&CsvArgs {
            delimiter: d.to_string(),
            no_header: false,
        })
    }

    #[test]
    fn delimiters() {
        assert_eq!(opts(";").unwrap().delimiter, b';');
        assert_eq!(opts("tab").unwrap().delimiter, b'\t');
        assert_eq!(opts("ab").unwrap_err().code, Code::Usage);
        assert_eq!(opts("").unwrap_err().code, Code::Usage);
    }

    #[test]
    fn missing_input_is_bad_input_and_missing_output_dir_is_runtime() {
        let exec = executor(Some(1)).unwrap();
        let e = read_table(
            Path::new("/no/such/file.csv"),
            &CsvOptions::default(),
            &exec,
        )
        .unwrap_err();
        assert_eq!(e.code, Code::BadInput);
        assert!(e.error.to_string().contains("/no/such/file.csv"));
        let e = check_output_dir(Path::new("/no/such/dir/model.gbdt"), "model").unwrap_err();
        assert_eq!(e.code, Code::Runtime);
        assert!(check_output_dir(Path::new("model.gbdt"), "model").is_ok());
    }
}
