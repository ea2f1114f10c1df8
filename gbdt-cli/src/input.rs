//! Reading CSV and model files through gbdt-io, and opening outputs, with the
//! exit code of each failure decided in one place.

use std::fs;
use std::io::{self, BufWriter, Read, StdoutLock, Write};
use std::path::Path;

use gbdt_core::{Executor, WaitPolicy};
use gbdt_io::{AtomicFile, CsvOptions, Table};

pub use gbdt_io::AnyModel as LoadedModel;

use crate::cli::ModelFormatArg;
use crate::exit::{core, CmdResult, Code, Failure};
use crate::file_args::CsvArgs;

/// The exit code of a gbdt-io error met while reading input: bad option
/// values and malformed target expressions are usage errors, everything about
/// the files themselves (missing, malformed, wrong columns) is bad input.
pub fn io_code(e: &gbdt_io::Error) -> Code {
    match e {
        gbdt_io::Error::InvalidOption { .. }
        | gbdt_io::Error::InvalidSelection { .. }
        | gbdt_io::Error::InvalidTarget { .. }
        | gbdt_io::Error::UnknownFormat { .. }
        | gbdt_io::Error::UnknownForeignFormat { .. }
        | gbdt_io::Error::LibsvmBase { .. } => Code::Usage,
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
/// Its workers wait as `OMP_WAIT_POLICY` says, the variable XGBoost's and
/// LightGBM's OpenMP threads follow (exit 2 for a value other than active
/// or passive).
pub fn executor(threads: Option<usize>) -> CmdResult<Executor> {
    let wait = wait_policy(std::env::var_os("OMP_WAIT_POLICY"))?;
    let n = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    Ok(core(Executor::with_threads(Some(n)))?.with_wait_policy(wait))
}

/// The value of `OMP_WAIT_POLICY`, in any case; active when unset or empty.
fn wait_policy(value: Option<std::ffi::OsString>) -> CmdResult<WaitPolicy> {
    let text = value.map(|v| v.to_string_lossy().trim().to_ascii_lowercase());
    match text.as_deref() {
        None | Some("") | Some("active") => Ok(WaitPolicy::Active),
        Some("passive") => Ok(WaitPolicy::Passive),
        Some(other) => Err(Failure::usage(format!(
            "bad value for the environment variable OMP_WAIT_POLICY: '{other}'; give 'passive' \
             (idle workers sleep: for cores shared with other busy processes) or 'active' \
             (they poll: the default), or unset it"
        ))),
    }
}

/// Reads a CSV file (exit 3 when it is missing or malformed); `-` reads
/// standard input.
pub fn read_table(path: &Path, opts: &CsvOptions, exec: &Executor) -> CmdResult<Table> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::new(Code::Runtime, format!("cannot read standard input: {e}")))?;
        return reading(gbdt_io::parse_csv(bytes, Path::new("<stdin>"), opts, exec));
    }
    reading(gbdt_io::read_csv(path, opts, exec))
}

/// Loads a model file of any kind gbdt reads: gbdt's own (binary or JSON),
/// an XGBoost JSON or a LightGBM text model, in the format `--model-format`
/// forces or detected from the content. Exit 3 when the file is missing,
/// damaged, not of the format, or uses what gbdt cannot import; the message
/// names the file (and, for foreign files, the field). Every command loads
/// its model here.
pub fn load_model(path: &Path, format: &ModelFormatArg) -> CmdResult<LoadedModel> {
    reading(gbdt_io::load_any_model(path, format.format))
}

/// Checks every output before any data is read, so a bad output path
/// fails in a second, not after training. `outputs` and `inputs` are
/// (path, what) pairs, `what` naming the flag or argument in messages.
///
/// Order: an output that is one of the inputs (or another output) is a
/// usage error (exit 2) naming both; then each output must be writable:
/// not a directory, its directory existing and accepting a new file (a
/// temporary file is created and removed there), else exit 1. Inputs are
/// only compared here, never read, so a missing data file is reported after
/// a bad output.
pub fn check_outputs(outputs: &[(&Path, &str)], inputs: &[(&Path, &str)]) -> CmdResult<()> {
    for (i, &(out, what)) in outputs.iter().enumerate() {
        let earlier = outputs[..i].iter();
        for &(other, other_what) in inputs.iter().chain(earlier) {
            if other != Path::new("-") && same_file(out, other) {
                return Err(Failure::usage(format!(
                    "{what} {} is the same file as {other_what} {}; writing it would destroy it. \
                     Choose another path for {what}",
                    out.display(),
                    other.display()
                )));
            }
        }
    }
    for &(out, what) in outputs {
        gbdt_io::check_writable(out).map_err(|e| {
            Failure::new(
                Code::Runtime,
                format!("cannot write {what} {}: {e}", out.display()),
            )
        })?;
    }
    Ok(())
}

/// True when `a` and `b` name the same regular file (through links too), or
/// the same path not created yet. Devices such as `/dev/null` never clash.
fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.is_file() && y.is_file() && same_inode(a, &x, b, &y),
        (Err(_), Err(_)) => absolute(a).is_some_and(|x| absolute(b) == Some(x)),
        _ => false,
    }
}

#[cfg(unix)]
fn same_inode(_: &Path, x: &fs::Metadata, _: &Path, y: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    x.dev() == y.dev() && x.ino() == y.ino()
}

#[cfg(not(unix))]
fn same_inode(a: &Path, _: &fs::Metadata, b: &Path, _: &fs::Metadata) -> bool {
    fs::canonicalize(a)
        .ok()
        .is_some_and(|x| fs::canonicalize(b).ok() == Some(x))
}

/// The path with its directory made canonical, for a file that does not
/// exist yet.
fn absolute(p: &Path) -> Option<std::path::PathBuf> {
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(fs::canonicalize(dir).ok()?.join(p.file_name()?))
}

/// Data output: standard output, or a file written atomically (see
/// [`gbdt_io::AtomicFile`]), both buffered. Call [`Output::finish`] at the
/// end: a file dropped before that is discarded and the old one stays.
pub enum Output {
    /// Streamed as it is written.
    Stdout(BufWriter<StdoutLock<'static>>),
    /// Moved into place by `finish`.
    File(BufWriter<AtomicFile>),
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(w) => w.flush(),
        }
    }
}

impl Output {
    /// Flushes everything and, for a file, moves it into place.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush(),
            Output::File(w) => {
                let file = w.into_inner().map_err(|e| e.into_error())?;
                file.commit().map_err(io::Error::other)
            }
        }
    }
}

/// Where data output goes: a file (written atomically) or stdout.
pub fn open_output(path: Option<&Path>) -> CmdResult<Output> {
    match path {
        None => Ok(Output::Stdout(BufWriter::with_capacity(
            1 << 16,
            io::stdout().lock(),
        ))),
        Some(p) => {
            let f = AtomicFile::create(p).map_err(|e| {
                Failure::new(Code::Runtime, format!("cannot create output file: {e}"))
            })?;
            Ok(Output::File(BufWriter::with_capacity(1 << 16, f)))
        }
    }
}

/// Writes a JSON report file (exit 1 on failure).
pub fn write_report(path: &Path, value: &serde_json::Value) -> CmdResult<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::new(Code::Runtime, format!("cannot encode report: {e}")))?;
    text.push('\n');
    let fail = |e: String| {
        Failure::new(
            Code::Runtime,
            format!("cannot write --report-json file {}: {e}", path.display()),
        )
    };
    let mut file = AtomicFile::create(path).map_err(|e| fail(e.to_string()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| fail(e.to_string()))?;
    file.commit().map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(d: &str) -> CmdResult<CsvOptions> {
        csv_options(&CsvArgs {
            delimiter: d.to_string(),
            no_header: false,
            format: None,
            libsvm_base: None,
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
        let out = [(Path::new("/no/such/dir/model.gbdt"), "--output")];
        let e = check_outputs(&out, &[]).unwrap_err();
        assert_eq!(e.code, Code::Runtime);
        let msg = e.error.to_string();
        assert!(
            msg.contains("--output") && msg.contains("/no/such/dir"),
            "{msg}"
        );
        assert!(check_outputs(&[(Path::new("model.gbdt"), "--output")], &[]).is_ok());
    }
}
