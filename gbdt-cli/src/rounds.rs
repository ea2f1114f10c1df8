//! The boosting loop of `gbdt train`: a booster stepped round by round
//! with progress on stderr, a stop on SIGTERM/SIGINT (`shutdown.rs`), and
//! `--checkpoint-every N`: every N rounds the model so far is written
//! atomically to the checkpoint file, which `--resume` continues from
//! after a kill. Resuming gives the model an uninterrupted run gives: the
//! booster restarts from the checkpoint's trees and its random streams are
//! keyed by the absolute round.

use std::ops::ControlFlow;
use std::path::PathBuf;

use gbdt_core::{Booster, Dataset, EvalResult, Executor, Model, Params};
use gbdt_io::{ModelFile, TrainingData, TrainingSummary};

use crate::cli::TrainArgs;
use crate::diag;
use crate::exit::{core, CmdResult, Code, Failure};
use crate::input;
use crate::progress::{select_mode, stderr_can_draw_bar, Progress};
use crate::shutdown;

/// A check after every round that may stop training with a failure (the
/// memory guard of `gbdt train`).
pub trait RoundCheck {
    /// `rounds` of `planned` rounds are done.
    fn after_round(&self, rounds: usize, planned: usize) -> CmdResult<()>;
}

/// Where and how often checkpoints are written.
pub struct Checkpoint {
    pub path: PathBuf,
    pub every: usize,
}

/// The checkpoint file: `--checkpoint`, else the output's name with
/// `.checkpoint` added.
pub fn checkpoint_path(args: &TrainArgs) -> PathBuf {
    args.checkpoint.clone().unwrap_or_else(|| {
        let mut name = args.output.clone().into_os_string();
        name.push(".checkpoint");
        PathBuf::from(name)
    })
}

impl Checkpoint {
    /// The checkpoint of `--checkpoint-every`, if given.
    pub fn of(args: &TrainArgs) -> Option<Checkpoint> {
        args.checkpoint_every.map(|every| Checkpoint {
            path: checkpoint_path(args),
            every: every as usize,
        })
    }

    /// Writes the model so far after every `every`-th round (atomically).
    fn after_round(&self, booster: &Booster<'_>, data: &TrainingData) -> CmdResult<()> {
        if !booster.num_rounds().is_multiple_of(self.every) {
            return Ok(());
        }
        let model = booster.to_model();
        let metrics = model.metrics().to_vec();
        let file = model_file(model, data, data.labels.len(), metrics);
        input::writing(gbdt_io::save_model(&self.path, &file, None))
    }
}

/// The model file `--resume` continues from: the checkpoint when it exists
/// (`None` starts from round 0, so one command line serves the first run
/// and every restart).
pub fn resume_from(args: &TrainArgs) -> Option<PathBuf> {
    let path = checkpoint_path(args);
    (args.resume && path.exists()).then_some(path)
}

/// The booster to run, and the round count to run it to: `--init-model`
/// adds `--rounds` rounds, `--resume` runs to `--rounds` in all.
pub fn start<'a>(
    args: &TrainArgs,
    params: &Params,
    data: &Dataset<'a>,
    init: Option<(Model, PathBuf)>,
    exec: &Executor,
) -> CmdResult<(Booster<'a>, usize)> {
    let done = init.as_ref().map_or(0, |(m, _)| m.num_rounds());
    let planned = if args.resume {
        params.num_rounds
    } else {
        done + params.num_rounds
    };
    if let (true, Some((_, path)), false) = (args.resume, &init, args.quiet) {
        diag::say(format!(
            "resuming from checkpoint {} ({done} of {planned} rounds done)",
            path.display()
        ));
    }
    Ok((make_booster(params, data, init, exec)?, planned))
}

/// A booster from scratch, or continuing `init` (`--init-model` or the
/// checkpoint of `--resume`), named by its path in errors.
fn make_booster<'a>(
    params: &Params,
    data: &Dataset<'a>,
    init: Option<(Model, PathBuf)>,
    exec: &Executor,
) -> CmdResult<Booster<'a>> {
    match init {
        Some((model, path)) => Booster::from_model(model, params, data, exec).map_err(|e| {
            Failure::new(
                Code::BadInput,
                format!("cannot continue {}: {e}", path.display()),
            )
        }),
        None => core(Booster::new(params, data, exec)),
    }
}

/// Boosts until `planned` rounds, early stopping, a signal or the memory
/// `guard`, with progress on stderr. Only a validation set is evaluated every round: per-round
/// AUC on the training rows would cost about a third of the training time
/// on 1M rows, so the training set is scored once at the end.
pub fn boost<'a>(
    args: &TrainArgs,
    planned: usize,
    mut booster: Booster<'a>,
    valid: Option<(&str, &Dataset<'a>)>,
    checkpoint: Option<&Checkpoint>,
    guard: Option<&dyn RoundCheck>,
    data: &TrainingData,
) -> CmdResult<Model> {
    if let Some((name, v)) = valid {
        core(booster.add_valid(name, v))?;
    }
    let mode = select_mode(stderr_can_draw_bar(), args.quiet, args.verbose, planned);
    let mut progress = Progress::new(mode, diag::Stderr);
    let mut round_result = Ok(());
    let ran = shutdown::while_boosting(|| {
        booster.run_until(planned, |ev, booster| {
            progress.round(ev);
            if let Some(c) = checkpoint {
                round_result = c.after_round(booster, data);
            }
            if let (Some(g), Ok(())) = (guard, &round_result) {
                round_result = g.after_round(booster.num_rounds(), planned);
            }
            if round_result.is_err() || shutdown::requested().is_some() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
    });
    progress.finish();
    core(ran)?;
    round_result?;
    if let Some(stopped) = shutdown::requested() {
        return Err(stopped);
    }
    Ok(booster.into_model())
}

/// The model with what it needs to be used on a new CSV file.
pub(crate) fn model_file(
    model: Model,
    data: &TrainingData,
    rows: usize,
    metrics: Vec<EvalResult>,
) -> ModelFile {
    ModelFile {
        summary: Some(TrainingSummary {
            rows,
            features: data.feature_names.len(),
            best_iteration: model.best_iteration(),
            metrics,
        }),
        model,
        label_rule: Some(data.label_rule.clone()),
        dropped_columns: data.dropped_columns.clone(),
    }
}
