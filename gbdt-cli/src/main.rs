//! `gbdt`: gradient-boosted decision trees on CSV files.
//!
//! This binary only wires things together: `cli` parses flags, `config`
//! turns them into checked parameters, `input` reads files through gbdt-io,
//! and one module per command calls gbdt-core. Every failure carries its
//! documented exit code (`exit`). stdout carries data only; every diagnostic
//! goes through `diag`, so a closed or full stderr never turns into a panic.

mod by_name;
mod categorical;
mod cli;
mod columns;
mod config;
mod contrib;
mod convert;
mod cv;
mod data_file;
mod diag;
mod distributed;
mod dump;
mod eval;
mod exit;
mod file_args;
mod holdout;
mod input;
mod inspect;
mod interactions;
mod model_format;
mod monotone;
mod param_args;
mod predict;
mod progress;
mod report;
mod rounds;
mod shutdown;
mod train;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use exit::{CmdResult, Code};

fn main() -> ExitCode {
    install_panic_hook();
    shutdown::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(e),
    };
    // A panic is a bug; report it as a runtime error (exit 1), not Rust's 101.
    let result = std::panic::catch_unwind(|| run(cli));
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(f)) if f.is_broken_pipe() => ExitCode::SUCCESS,
        Ok(Err(f)) => {
            if !distributed::reported() {
                diag::say(distributed::name_rank(f.message()));
            }
            ExitCode::from(f.code as u8)
        }
        Err(_) => ExitCode::from(Code::Runtime as u8),
    }
}

fn run(cli: Cli) -> CmdResult<()> {
    match cli.command {
        Command::Train(args) => train::run(&args),
        Command::Cv(args) => cv::run(&args),
        Command::Predict(args) => predict::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Importance(args) => inspect::importance(&args),
        Command::Inspect(args) => inspect::inspect(&args),
        Command::Dump(args) => dump::run(&args),
        Command::Convert(args) => convert::run(&args),
    }
}

/// Help and version go to stdout with exit 0; flag errors to stderr with
/// `gbdt:` in front and exit 2.
fn clap_exit(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(std::io::stdout(), "{}", e.render());
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            diag::text(&format!("gbdt: a command is required\n\n{}", e.render()));
            ExitCode::from(Code::Usage as u8)
        }
        _ => {
            let text = e.render().to_string();
            let text = text.strip_prefix("error: ").unwrap_or(&text);
            diag::text(&format!("gbdt: {text}"));
            ExitCode::from(Code::Usage as u8)
        }
    }
}

fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        diag::say(format!(
            "internal error (this is a bug; please report it): {info}"
        ));
    }));
}
