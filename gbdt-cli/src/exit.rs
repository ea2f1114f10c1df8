//! Exit codes and the error type every command returns.
//!
//! Each failure carries the exit code it maps to, decided where the error
//! happens (reading input is "bad input", parsing a flag is "usage", writing
//! output is "runtime"), so an orchestrator can tell a retryable crash from
//! bad data.

use std::fmt::Display;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 1: I/O failure (unwritable output, disk full) or an internal error.
    Runtime = 1,
    /// 2: unknown flag, bad flag value, bad `--config` file.
    Usage = 2,
    /// 3: a data or model file that is missing, malformed or unusable.
    BadInput = 3,
    /// 130: stopped by SIGINT (128 + 2).
    Interrupted = 130,
    /// 143: stopped by SIGTERM (128 + 15).
    Terminated = 143,
}

/// An error with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: Code,
    /// What went wrong, with context.
    pub error: anyhow::Error,
}

impl Failure {
    /// A failure from a message.
    pub fn new(code: Code, message: impl Display) -> Failure {
        Failure {
            code,
            error: anyhow::anyhow!("{message}"),
        }
    }

    /// A usage error from a message.
    pub fn usage(message: impl Display) -> Failure {
        Failure::new(Code::Usage, message)
    }

    /// The error and its causes joined with `: `, skipping a cause whose
    /// text the message already shows (gbdt-io errors include their I/O
    /// cause).
    pub fn message(&self) -> String {
        let mut text = String::new();
        for cause in self.error.chain() {
            let part = cause.to_string();
            if text.is_empty() {
                text = part;
            } else if !text.contains(&part) {
                text.push_str(": ");
                text.push_str(&part);
            }
        }
        text
    }

    /// True when the root cause is a closed stdout pipe (`gbdt ... | head`).
    pub fn is_broken_pipe(&self) -> bool {
        self.error.chain().any(|e| {
            e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        })
    }
}

/// `Result` of a command.
pub type CmdResult<T> = std::result::Result<T, Failure>;

/// Attaches an exit code to any error.
pub trait WithCode<T> {
    /// Maps the error to `code`.
    fn code(self, code: Code) -> CmdResult<T>;
    /// Maps the error to [`Code::Runtime`].
    fn runtime(self) -> CmdResult<T>;
}

impl<T, E> WithCode<T> for std::result::Result<T, E>
where
    E: Into<anyhow::Error>,
{
    fn code(self, code: Code) -> CmdResult<T> {
        self.map_err(|e| Failure {
            code,
            error: e.into(),
        })
    }
    fn runtime(self) -> CmdResult<T> {
        self.code(Code::Runtime)
    }
}

/// The exit code of a gbdt-core error: parameter problems are usage errors,
/// a thread pool that cannot start is a runtime error, the rest (labels,
/// weights, empty data, feature counts) is bad input.
pub fn core_code(e: &gbdt_core::Error) -> Code {
    match e {
        gbdt_core::Error::InvalidParam { .. }
        | gbdt_core::Error::UnknownName { .. }
        | gbdt_core::Error::NotDistributed { .. } => Code::Usage,
        gbdt_core::Error::ThreadPool { .. } => Code::Runtime,
        _ => Code::BadInput,
    }
}

/// Maps a gbdt-core result with [`core_code`].
pub fn core<T>(r: gbdt_core::Result<T>) -> CmdResult<T> {
    r.map_err(|e| Failure {
        code: core_code(&e),
        error: e.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_found_through_context() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe");
        let f = Failure {
            code: Code::Runtime,
            error: anyhow::Error::new(io).context("writing predictions"),
        };
        assert!(f.is_broken_pipe());
        assert!(!Failure::usage("x").is_broken_pipe());
    }

    #[test]
    fn causes_are_shown_once() {
        let failure = |error| Failure {
            code: Code::Runtime,
            error,
        };
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = anyhow::Error::new(io).context("could not read x.csv: no such file");
        assert_eq!(failure(e).message(), "could not read x.csv: no such file");
        let io = std::io::Error::other("disk full");
        let e = anyhow::Error::new(io).context("cannot write predictions to p.csv");
        assert_eq!(
            failure(e).message(),
            "cannot write predictions to p.csv: disk full"
        );
    }

    #[test]
    fn core_errors_map_to_codes() {
        let p = gbdt_core::Params {
            max_bin: 1,
            ..Default::default()
        };
        assert_eq!(core(p.check()).unwrap_err().code, Code::Usage);
        let e = gbdt_core::Error::ZeroTotalWeight;
        assert_eq!(core_code(&e), Code::BadInput);
    }
}
