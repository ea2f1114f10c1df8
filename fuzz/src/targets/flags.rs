//! Flag values: lines `name=value`, as `gbdt train --name value` gives
//! them. Each value goes through gbdt-core's by-name setter
//! (`Params::set`, the one table of names, aliases and types), then the
//! whole set through `Params::check` and gbdt-cli's `config::to_params`
//! (feature-name forms of `--monotone`/`--interactions`, command-line
//! limits), and through clap's parsing of `gbdt train`'s arguments.

use gbdt_core::Params;
use gbdt_fuzz_cli::clap::Parser;
use gbdt_fuzz_cli::cli::{Cli, Command, ParamArgs};
use gbdt_fuzz_cli::config;

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut params = Params::default();
    let mut args = ParamArgs::default();
    let mut argv = vec![
        "gbdt".to_string(),
        "train".into(),
        "d.csv".into(),
        "-t".into(),
        "y".into(),
    ];
    for line in text.lines() {
        let (name, value) = line.split_once('=').unwrap_or((line, ""));
        let _ = params.set(name, value);
        if let Some(param) = Params::lookup(name) {
            args.insert(param, value.to_string());
        }
        argv.push(format!("--{name}"));
        argv.push(value.to_string());
    }
    let _ = params.check();
    to_params(&args);
    if let Ok(Cli {
        command: Command::Train(train),
        ..
    }) = Cli::try_parse_from(&argv)
    {
        to_params(&train.learn.params);
    }
}

/// What `gbdt train` does with flags and config values: the objective, then
/// checked parameters (before any data is read, so with no class count,
/// and again as for a three-class target).
pub fn to_params(args: &ParamArgs) {
    let Ok(objective) = config::objective(args) else {
        return;
    };
    let objective = objective.unwrap_or_default();
    for num_class in [0, 3] {
        if let Ok(params) = config::to_params(args, objective, num_class) {
            params
                .check()
                .expect("to_params returns checked parameters");
        }
    }
}
