//! `gbdt train`: CSV in, model file out, with progress and a summary.
//! `memory_guard.rs`: the model must fit in the memory the process may use;
//! `implied.rs`: the objective the target implies.

mod implied;
mod memory_guard;

use std::path::{Path, PathBuf};
use std::time::Instant;

use gbdt_core::{Dataset, EvalResult, Executor, Metric, Model, Objective, Params, PredictOptions};
use gbdt_io::{
    LabelRule, LabelledColumns, LibsvmOptions, ModelFeatures, ModelFile, ModelFormat, Selection,
    Table, TrainingData,
};

use crate::by_name;
use crate::categorical::CategoricalArgs;
use crate::cli::{LearnArgs, ParamArgs, TrainArgs};
use crate::config::{self, ConfigFile};
use crate::data_file::{self, DataFile};
use crate::diag;
use crate::distributed::{self, Totals};
use crate::exit::{core, CmdResult, Code, Failure};
use crate::holdout::{self, HeldOut};
use crate::input::{self, reading};
use crate::report::{Timings, TrainReport};
use crate::rounds::{self, Checkpoint, RoundCheck};
use implied::implied_objective;
use memory_guard::Budget;

/// Flags checked before any data is read.
pub(crate) struct Checked {
    params: ParamArgs,
    /// `--threads` (flag or config file): the size of the command's executor.
    pub threads: Option<usize>,
    objective: Option<Objective>,
    /// `--categorical` and `--max-categories` (flags or config file).
    categories: CategoricalArgs,
    /// `--holdout` (flag or config file), never with `--valid`; `gbdt cv`
    /// ignores it.
    pub holdout: Option<f64>,
    /// `--early-stopping-rounds` is set (flag or config file).
    early_stopping: bool,
    /// The memory `gbdt train` may use (see [`memory_guard`]).
    budget: Option<Budget>,
}

/// Checks every flag and the `--config` file, so that a bad value fails
/// before any data is read.
fn check_flags(args: &TrainArgs) -> CmdResult<Checked> {
    let mut checked = check_learning(&args.learn)?;
    checked.holdout = holdout::resolve(args.holdout, checked.holdout, args.valid.is_some())?;
    if checked.early_stopping && args.valid.is_none() && checked.holdout.is_none() {
        return Err(Failure::usage(
            "--early-stopping-rounds needs a validation set to watch: --holdout 0.2 (a fraction \
             of the training rows) or --valid VALID.csv",
        ));
    }
    check_paths(args)?;
    checked.budget = memory_guard::before_data(&checked)?;
    Ok(checked)
}

/// Checks the flags and `--config` file of what is learned (shared by
/// `gbdt train` and `gbdt cv`); the holdout is the config file's.
pub(crate) fn check_learning(learn: &LearnArgs) -> CmdResult<Checked> {
    let file = match &learn.config {
        Some(path) => config::read_config(path)?,
        None => ConfigFile::default(),
    };
    let params = config::merge(&learn.params, file.params);
    let categories = CategoricalArgs::merge(&learn.categories, file.categories);
    categories.check()?;
    let objective = config::objective(&params)?;
    let checked = config::to_params(&params, objective.unwrap_or_default(), 0)?;
    // Checked now; the data files are read with them later.
    input::csv_options(&learn.csv)?;
    Ok(Checked {
        params,
        threads: checked.threads,
        objective,
        categories,
        holdout: file.holdout,
        early_stopping: checked.early_stopping_rounds.is_some(),
        budget: None,
    })
}

/// Checks the model and report outputs against the inputs and for
/// writability (see [`input::check_outputs`]) before any data is read.
fn check_paths(args: &TrainArgs) -> CmdResult<()> {
    let checkpoint = rounds::checkpoint_path(args);
    let mut outputs = vec![(args.output.as_path(), "--output")];
    outputs.extend(args.report_json.as_deref().map(|p| (p, "--report-json")));
    if args.checkpoint_every.is_some() {
        outputs.push((checkpoint.as_path(), "--checkpoint"));
    }
    let data = args.learn.data_path(0);
    let mut inputs = vec![(data.as_path(), "the training data")];
    inputs.extend(args.valid.as_deref().map(|p| (p, "--valid")));
    inputs.extend(args.learn.config.as_deref().map(|p| (p, "--config")));
    input::check_outputs(&outputs, &inputs)?;
    // The init model is read before the model is written (atomically), so
    // --output may replace it; any other output may not.
    match &args.init_model {
        Some(init) => input::check_outputs(&outputs[1..], &[(init.as_path(), "--init-model")]),
        None => Ok(()),
    }
}

/// The model `--init-model` names, to be continued.
pub(crate) struct InitModel {
    path: PathBuf,
    file: ModelFile,
}

impl InitModel {
    /// Loads `--init-model`, or with `--resume` the checkpoint when it
    /// exists (exit 3 when it cannot be read).
    fn load(args: &TrainArgs) -> CmdResult<Option<Self>> {
        let resumed = rounds::resume_from(args);
        let Some(path) = args.init_model.as_ref().or(resumed.as_ref()) else {
            return Ok(None);
        };
        let file = input::load_model(path, &Default::default())?.file;
        Ok(Some(InitModel {
            path: path.clone(),
            file,
        }))
    }

    /// Exit 3 with a message that names the model file.
    fn mismatch(&self, why: String) -> Failure {
        Failure::new(
            Code::BadInput,
            format!(
                "cannot continue --init-model {}: {why}",
                self.path.display()
            ),
        )
    }

    /// The data must have the model's features in the model's order, and
    /// for classes the model's classes in the model's order.
    fn check(&self, data: &TrainingData) -> CmdResult<()> {
        self.check_features(&data.feature_names)?;
        if let (
            Some(LabelRule::Classes {
                classes: theirs, ..
            }),
            LabelRule::Classes { classes: ours, .. },
        ) = (&self.file.label_rule, &data.label_rule)
        {
            if theirs != ours {
                return Err(self.mismatch(format!(
                    "the model's classes are [{}] but the data's are [{}]",
                    theirs.join(", "),
                    ours.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// Names the first feature that differs, is missing or is extra.
    fn check_features(&self, ours: &[String]) -> CmdResult<()> {
        let theirs = &self.file.model.feature_names();
        let why = if let Some(i) = theirs.iter().zip(ours).position(|(t, o)| t != o) {
            format!(
                "feature {} is '{}' in the model but '{}' in the data",
                i + 1,
                theirs[i],
                ours[i]
            )
        } else if let Some(t) = theirs.get(ours.len()) {
            format!(
                "the data has no feature '{t}' (feature {} of the model)",
                ours.len() + 1
            )
        } else if let Some(o) = ours.get(theirs.len()) {
            format!(
                "the model has no feature '{o}' (feature {} of the data)",
                theirs.len() + 1
            )
        } else {
            return Ok(());
        };
        Err(self.mismatch(format!(
            "{why}; it needs the same features in the same order"
        )))
    }

    /// The objective to train with: the model's, which `--objective` must
    /// equal if given.
    fn objective(&self, flag: Option<Objective>) -> CmdResult<Objective> {
        let theirs = self.file.model.objective();
        match flag {
            Some(ours) if ours != theirs => Err(self.mismatch(format!(
                "the model's objective is {theirs} but --objective is {ours}"
            ))),
            _ => Ok(theirs),
        }
    }
}

/// Reads the training data and the validation data, if any, each CSV or
/// LibSVM (see [`data_file`]).
fn load(
    args: &TrainArgs,
    flags: &Checked,
    exec: &Executor,
) -> CmdResult<(TrainingData, Option<TrainingData>)> {
    let (data, base) = load_training(&args.learn, flags, exec)?;
    let valid = match &args.valid {
        Some(path) => Some(read_valid(args, path, &data, base, exec)?),
        None => None,
    };
    Ok((data, valid))
}

/// Reads the training data, CSV or LibSVM (see [`data_file`]), and the
/// LibSVM index base (`None` for CSV).
pub(crate) fn load_training(
    args: &LearnArgs,
    flags: &Checked,
    exec: &Executor,
) -> CmdResult<(TrainingData, Option<u32>)> {
    let file = match distributed::reads_part(args, exec) {
        true => DataFile::Csv(distributed::read_part(args, None, exec)?),
        false => data_file::read_data(
            &args.data_path(0),
            &args.csv,
            LibsvmOptions::default(),
            exec,
        )?,
    };
    match file {
        DataFile::Csv(table) => Ok((csv_training(args, flags, &table, exec)?, None)),
        DataFile::Libsvm(d) => {
            let column_flags = [
                ("--target", args.target.is_some()),
                ("--weight", args.weight.is_some()),
                ("--group", args.group.is_some()),
                ("--features", !args.features.is_empty()),
                ("--drop", !args.drop.is_empty()),
            ];
            if let Some((flag, _)) = column_flags.iter().find(|(_, given)| *given) {
                return Err(data_file::no_columns(flag, &args.data_path(0)));
            }
            let base = d.base;
            Ok((d.into_training_data(), Some(base)))
        }
    }
}

/// The training data from a CSV table: `--target` is required.
fn csv_training(
    args: &LearnArgs,
    flags: &Checked,
    table: &Table,
    exec: &Executor,
) -> CmdResult<TrainingData> {
    let target = args.target.as_deref().ok_or_else(|| {
        Failure::usage(format!(
            "--target is required for CSV data ({}): name the column to predict, or an \
             expression such as 'Col > 1'",
            args.data_name()
        ))
    })?;
    let rule = reading(gbdt_io::parse_target_on(target, table, exec.collective()))?;
    let mut selection = Selection {
        features: (!args.features.is_empty()).then(|| args.features.clone()),
        drop: args.drop.clone(),
        weight: args.weight.clone(),
        group: args.group.clone(),
        drop_missing_label: args.drop_missing_target,
        ..Selection::default()
    };
    flags.categories.apply(&mut selection);
    reading(gbdt_io::training_data(table, &rule, &selection, exec))
}

/// The validation data, read as a model reads data: CSV columns by name with
/// the training categories and label rule, LibSVM by position with the
/// training data's width and (for LibSVM training data) index base.
fn read_valid(
    args: &TrainArgs,
    path: &Path,
    data: &TrainingData,
    base: Option<u32>,
    exec: &Executor,
) -> CmdResult<TrainingData> {
    let opts = LibsvmOptions {
        base,
        num_features: Some(data.feature_names.len()),
    };
    let file = match distributed::reads_part(&args.learn, exec) {
        true => DataFile::Csv(distributed::read_part(&args.learn, Some(path), exec)?),
        false => data_file::read_data(path, &args.learn.csv, opts, exec)?,
    };
    match file {
        DataFile::Libsvm(v) => Ok(v.into_training_data()),
        DataFile::Csv(vt) => {
            let features = ModelFeatures {
                strict_categories: args.strict_categories,
                ..data.model_features()
            };
            // Scored as the training rows are: grouped and weighted alike.
            let columns = LabelledColumns {
                group: args.learn.group.as_deref(),
                weight: args.learn.weight.as_deref(),
                drop_missing_label: args.learn.drop_missing_target,
            };
            reading(gbdt_io::labelled_data_with(
                &vt,
                &data.label_rule,
                &features,
                &columns,
                exec,
            ))
        }
    }
}

/// The parameters, with the objective (and class count) implied by the
/// target unless `--objective` chose one, and the message announcing it.
pub(crate) fn resolve_params(
    flags: &Checked,
    data: &TrainingData,
    init: Option<&InitModel>,
    exec: &Executor,
) -> CmdResult<(Params, String)> {
    let (implied, implied_classes, why) = implied_objective(data, exec);
    let objective = match init {
        Some(init) => init.objective(flags.objective)?,
        None => flags.objective.unwrap_or(implied),
    };
    let num_class = match (&data.label_rule, objective.is_multiclass(), init) {
        (LabelRule::Classes { classes, .. }, true, _) => classes.len(),
        (_, true, Some(init)) => init.file.model.num_outputs(),
        (_, true, None) => implied_classes,
        _ => 0,
    };
    let mut params = config::to_params(&flags.params, objective, num_class)?;
    by_name::resolve_all(&mut params, |p| flags.params.get(p), &data.feature_names)?;
    // Written out, so that the saved model shows what was computed.
    params.eval_metrics = params.resolved_metrics();
    let outputs = memory_guard::outputs(&params);
    crate::eval::check_metrics_fit(&params.eval_metrics, objective, outputs, "eval-metric")?;
    let message = match (flags.objective, init) {
        (Some(_), _) => format!("objective {objective} (from --objective)"),
        (None, Some(init)) => format!(
            "objective {objective} (from --init-model {})",
            init.path.display()
        ),
        (None, None) => format!("objective {objective} ({why}; change it with --objective)"),
    };
    Ok((params, message))
}

/// With `--holdout`, the data split into training and held-out rows (and
/// said so); else the data and the `--valid` data as read.
fn hold_out(
    flags: &Checked,
    params: &Params,
    data: TrainingData,
    valid: Option<TrainingData>,
    say: impl Fn(&str),
) -> CmdResult<(TrainingData, Option<TrainingData>, Option<HeldOut>)> {
    let Some(fraction) = flags.holdout else {
        return Ok((data, valid, None));
    };
    let split = holdout::split(data, fraction, params.seed, params.objective);
    let (data, held, info) = reading(split)?;
    say(&format!(
        "validation set 'holdout': {}; training on the other {} rows",
        info.describe(),
        data.labels.len()
    ));
    Ok((data, Some(held), Some(info)))
}

/// Diagnostics unless `--quiet`.
fn say_unless(quiet: bool) -> impl Fn(&str) + Copy {
    move |msg| {
        if !quiet {
            diag::say(msg);
        }
    }
}

/// Runs `gbdt train`.
pub fn run(args: &TrainArgs) -> CmdResult<()> {
    let start = Instant::now();
    let flags = check_flags(args)?;
    let exec = distributed::join(input::executor(flags.threads)?, args)?;
    distributed::report_in_job(train(args, &flags, &exec, start), &exec)
}

/// Trains and saves the model (on several ranks, together: `exec` holds
/// the MPI job).
fn train(args: &TrainArgs, flags: &Checked, exec: &Executor, start: Instant) -> CmdResult<()> {
    let lead = distributed::is_lead(exec);
    let say = say_unless(args.quiet || !lead);

    let init = InitModel::load(args)?;
    let (data, valid) = load(args, flags, exec)?;
    let load_s = start.elapsed().as_secs_f64();
    init.as_ref().map(|i| i.check(&data)).transpose()?;
    let (params, objective_message) = resolve_params(flags, &data, init.as_ref(), exec)?;
    let totals = Totals::of(&data, None, exec.collective());
    say(&objective_message);
    say(&target_line(&data, &totals));
    let (data, valid, held_out) = hold_out(flags, &params, data, valid, say)?;
    let guard = memory_guard::after_data(flags, &params, data.labels.len())?;

    let t = Instant::now();
    let train_set = reading(data.dataset())?;
    let valid_set = valid.as_ref().map(|v| reading(v.dataset())).transpose()?;
    let init = init.map(|i| (i.file.model, i.path));
    let (booster, planned) = rounds::start(args, &params, &train_set, init, exec)?;
    let threads = booster.threads();
    let bin_s = t.elapsed().as_secs_f64();
    if args.verbose {
        say(&format!(
            "binned in {bin_s:.3}s; training on {threads} threads"
        ));
    }

    let t = Instant::now();
    let checkpoint = Checkpoint::of(args);
    let name = held_out.as_ref().map_or("valid", |_| holdout::NAME);
    let model = rounds::boost(
        args,
        planned,
        booster,
        valid_set.as_ref().map(|v| (name, v)),
        checkpoint.as_ref(),
        guard.as_ref().map(|g| g as &dyn RoundCheck),
        &data,
    )?;
    let train_s = t.elapsed().as_secs_f64();
    distributed::say_traffic(args.verbose, say);

    let t = Instant::now();
    let totals = Totals::of(&data, valid.as_ref(), exec.collective());
    let score_train = valid_set.is_none() && !args.no_train_metrics;
    let metrics = summary_metrics(&model, score_train.then_some(&data), &params, exec)?;
    let eval_s = t.elapsed().as_secs_f64();
    if !lead {
        return Ok(());
    }

    let t = Instant::now();
    let file = rounds::model_file(model, &data, totals.rows, metrics);
    save(args, &file, checkpoint.is_some())?;
    let save_s = t.elapsed().as_secs_f64();
    let total_s = start.elapsed().as_secs_f64();
    TrainReport {
        args,
        data: &data,
        totals,
        valid_rows: totals.valid_rows,
        held_out,
        file: &file,
        format: ModelFormat::from_path(&args.output),
        threads,
        timings: Timings {
            load_s,
            bin_s,
            train_s,
            eval_s,
            save_s,
            total_s,
        },
    }
    .publish()
}

/// The metrics the summary and the model file show: the validation set's
/// (the model's own), or those of `train_rows` (all of them, on every
/// rank), scored once at the end.
fn summary_metrics(
    model: &Model,
    train_rows: Option<&TrainingData>,
    params: &Params,
    exec: &Executor,
) -> CmdResult<Vec<EvalResult>> {
    match train_rows {
        Some(rows) => final_metrics(model, &reading(rows.dataset())?, &params.eval_metrics, exec),
        None => Ok(model.metrics().to_vec()),
    }
}

/// Writes the model (atomically), then removes a checkpoint that has done
/// its job.
fn save(args: &TrainArgs, file: &ModelFile, checkpointed: bool) -> CmdResult<()> {
    input::writing(gbdt_io::save_model(&args.output, file, None))?;
    if args.resume || checkpointed {
        let _ = std::fs::remove_file(rounds::checkpoint_path(args));
    }
    Ok(())
}

/// The line that says what is learned from how many rows.
pub(crate) fn target_line(data: &TrainingData, totals: &Totals) -> String {
    format!(
        "target: {}; {} rows, {} features{}",
        data.label_rule.describe(),
        totals.rows,
        data.feature_names.len(),
        match totals.dropped_rows {
            0 => String::new(),
            n => format!(", {n} rows without a target skipped"),
        }
    )
}

/// Metrics of the final model on the training set, named `train`.
fn final_metrics(
    model: &Model,
    data: &Dataset<'_>,
    metrics: &[Metric],
    exec: &Executor,
) -> CmdResult<Vec<EvalResult>> {
    let options = PredictOptions {
        executor: Some(exec.clone()),
        ..PredictOptions::default()
    };
    let preds = core(model.predict_with(data.features(), &options))?;
    let mut flat: Vec<f64> = preds.iter().copied().collect();
    model.objective().to_metric_space(&mut flat);
    if exec.collective().size() > 1 {
        return Ok(distributed::all_rows_metrics(
            model,
            data,
            &flat,
            metrics,
            exec.collective(),
        ));
    }
    Ok(metrics
        .iter()
        .map(|&metric| EvalResult {
            dataset: "train".to_string(),
            metric,
            value: metric.compute_grouped(
                data.labels(),
                data.weights(),
                &flat,
                model.num_outputs(),
                data.groups(),
            ),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn train_and_eval_default_to_the_same_metrics() {
        for objective in Objective::ALL {
            let params = config::to_params(&ParamArgs::default(), objective, 3).unwrap();
            let trained = params.resolved_metrics();
            assert_eq!(
                trained,
                crate::eval::chosen_metrics(&[], objective).unwrap()
            );
            assert_eq!(trained, objective.default_metrics(), "{objective}");
        }
        let binary = config::to_params(&ParamArgs::default(), Objective::Logistic, 0).unwrap();
        assert_eq!(binary.resolved_metrics(), [Metric::Auc, Metric::LogLoss]);
    }
}
