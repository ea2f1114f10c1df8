//! `gbdt cv DATA --folds K` (issue 14): k-fold cross-validation with the
//! data, columns and parameters of `gbdt train` (the same flags, config
//! file and reading code). The rows are dealt into K seeded folds by
//! [`gbdt_io::assign_folds`] (stratified by class for classification); for
//! each fold a booster trains on the other folds' rows (binned on those
//! rows only, as training proper) and scores the fold after every round.
//!
//! - `stats.rs`: per round the mean and population standard deviation of
//!   each metric over the folds, the best round and early stopping on the
//!   mean of the watched (last) metric, as `xgboost.cv`;
//! - `flag.rs`: the `--folds` flag's check and the help text;
//! - `boost.rs`: the fold boosters, stepped in parallel on the executor;
//! - `summary.rs`: the stdout table, the stderr summary and the JSON report.

mod boost;
pub mod flag;
mod stats;
mod summary;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use gbdt_io::{Folds, TrainingData};

use crate::cli::CvArgs;
use crate::diag;
use crate::exit::{CmdResult, Code, Failure, WithCode};
use crate::holdout;
use crate::input::{self, reading};
use crate::train;

use summary::CvReport;

/// Runs `gbdt cv`.
pub fn run(args: &CvArgs) -> CmdResult<()> {
    let start = Instant::now();
    let say = |msg: &str| {
        if !args.quiet {
            diag::say(msg);
        }
    };
    let flags = train::check_learning(&args.learn)?;
    check_paths(args)?;
    if flags.holdout.is_some() {
        say("ignoring key 'holdout' of the --config file: cv holds out each fold in turn");
    }
    let exec = input::executor(flags.threads)?;
    let (data, _) = train::load_training(&args.learn, &flags, &exec)?;
    let (params, objective_message) = train::resolve_params(&flags, &data, None, &exec)?;
    say(&objective_message);
    let totals = crate::distributed::Totals::of(&data, None, exec.collective());
    say(&train::target_line(&data, &totals));
    let folds = Folds {
        k: args.folds,
        seed: params.seed,
        stratify: holdout::stratifies(params.objective),
    };
    // Ranking: every query group lands whole in one fold.
    let group_ids = data.groups.as_deref().map(group_ids);
    let fold_of = reading(gbdt_io::assign_folds(
        &data.labels,
        group_ids.as_deref(),
        &folds,
    ))?;
    if let Some((class, rows)) =
        smallest_class(&data.labels).filter(|&(_, n)| folds.stratify && n < folds.k)
    {
        say(&format!(
            "warning: class {class} has only {rows} rows, fewer than --folds {}: some folds hold out none of it",
            folds.k
        ));
    }
    if let Some(path) = &args.write_folds {
        write_folds(path, &fold_of)?;
    }
    let parts: Vec<(TrainingData, TrainingData)> = (0..folds.k)
        .map(|f| gbdt_io::split_fold(&data, &fold_of, f))
        .collect();
    let load_s = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let sets = boost::FoldSets::new(&parts)?;
    let mut out = input::open_output(None)?;
    let history = boost::run(&params, &sets, args.train_metrics, &exec, |h| {
        let round = h.rounds() - 1;
        if round == 0 {
            writeln!(out, "{}", summary::header(h)).runtime()?;
        }
        writeln!(out, "{}", summary::row(h, round)).runtime()?;
        out.flush().runtime()
    })?;
    out.finish().runtime()?;
    let report = CvReport {
        args,
        data: &data,
        params: &params,
        folds,
        fold_rows: parts.iter().map(|(_, v)| v.labels.len()).collect(),
        history: &history,
        threads: exec.threads(),
        load_s,
        cv_s: t.elapsed().as_secs_f64(),
    };
    if !args.quiet {
        diag::text(&report.text());
    }
    if let Some(path) = &args.report_json {
        input::write_report(path, &report.json())?;
    }
    Ok(())
}

/// The label value with the fewest rows, and its row count.
fn smallest_class(labels: &[f32]) -> Option<(f32, usize)> {
    let mut sorted = labels.to_vec();
    sorted.sort_by(f32::total_cmp);
    sorted
        .chunk_by(|a, b| a.total_cmp(b).is_eq())
        .map(|run| (run[0], run.len()))
        .min_by_key(|&(_, n)| n)
}

/// The outputs may not be an input, and must be writable (checked before
/// any data is read).
fn check_paths(args: &CvArgs) -> CmdResult<()> {
    let mut outputs = Vec::new();
    outputs.extend(args.report_json.as_deref().map(|p| (p, "--report-json")));
    outputs.extend(args.write_folds.as_deref().map(|p| (p, "--write-folds")));
    let data = args.learn.data_path(0);
    let mut inputs = vec![(data.as_path(), "the training data")];
    inputs.extend(args.learn.config.as_deref().map(|p| (p, "--config")));
    input::check_outputs(&outputs, &inputs)
}

/// `--write-folds PATH`: `row,fold` per row of the data as selected (rows
/// skipped for a missing target are not counted), for checking the folds
/// by hand.
fn write_folds(path: &Path, fold_of: &[usize]) -> CmdResult<()> {
    let mut text = String::from("row,fold\n");
    for (row, fold) in fold_of.iter().enumerate() {
        text += &format!("{row},{fold}\n");
    }
    std::fs::write(path, text).map_err(|e| {
        Failure::new(
            Code::Runtime,
            format!("cannot write --write-folds file {}: {e}", path.display()),
        )
    })
}

/// One id per row from query group sizes: the group's index.
fn group_ids(sizes: &[usize]) -> Vec<u64> {
    (sizes.iter().enumerate())
        .flat_map(|(g, &n)| std::iter::repeat_n(g as u64, n))
        .collect()
}
