//! Training parameters from flags and an optional `--config` TOML file.
//! Flags win over the file; both map 1:1 onto `gbdt_core::Params`.

use std::path::Path;

use gbdt_core::{GrowPolicy, Metric, Objective, Params};

use crate::cli::ParamArgs;
use crate::exit::{CmdResult, Failure};

/// Keys accepted in a config file besides the long flag names, with the flag
/// they stand for (XGBoost and LightGBM spellings).
const ALIASES: &[(&str, &str)] = &[
    ("eta", "learning_rate"),
    ("num_rounds", "rounds"),
    ("num_boost_round", "rounds"),
    ("n_estimators", "rounds"),
    ("num_iterations", "rounds"),
    ("num_leaves", "max_leaves"),
    ("reg_lambda", "lambda"),
    ("lambda_l2", "lambda"),
    ("reg_alpha", "alpha"),
    ("lambda_l1", "alpha"),
    ("min_split_loss", "gamma"),
    ("nthread", "threads"),
    ("num_threads", "threads"),
    ("n_jobs", "threads"),
    ("random_state", "seed"),
    ("metric", "eval_metric"),
];

/// Reads a config file into the same shape as the flags.
pub fn read_config(path: &Path) -> CmdResult<ParamArgs> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "cannot read --config file {}: {e}; check the path",
            path.display()
        ))
    })?;
    parse_config(&text, path)
}

/// Parses config text; `path` is only used in messages.
pub fn parse_config(text: &str, path: &Path) -> CmdResult<ParamArgs> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        Failure::usage(format!(
            "--config file {} is not valid TOML: {e}",
            path.display()
        ))
    })?;
    let mut args = ParamArgs::default();
    for (key, value) in &table {
        let normal = key.replace('-', "_");
        let name = ALIASES
            .iter()
            .find(|(alias, _)| *alias == normal)
            .map_or(normal.as_str(), |(_, name)| name);
        let v = Value { key, value, path };
        match name {
            "objective" => args.objective = Some(v.string()?),
            "rounds" => args.rounds = Some(v.count()?),
            "learning_rate" => args.learning_rate = Some(v.number()?),
            "max_depth" => args.max_depth = Some(v.count()?),
            "max_leaves" => args.max_leaves = Some(v.count()?),
            "grow_policy" => args.grow_policy = Some(v.string()?),
            "max_bin" => args.max_bin = Some(v.count()?),
            "lambda" => args.lambda = Some(v.number()?),
            "alpha" => args.alpha = Some(v.number()?),
            "gamma" => args.gamma = Some(v.number()?),
            "min_child_weight" => args.min_child_weight = Some(v.number()?),
            "max_delta_step" => args.max_delta_step = Some(v.number()?),
            "subsample" => args.subsample = Some(v.number()?),
            "colsample_bytree" => args.colsample_bytree = Some(v.number()?),
            "colsample_bynode" => args.colsample_bynode = Some(v.number()?),
            "seed" => args.seed = Some(v.count()? as u64),
            "threads" => args.threads = Some(v.count()?),
            "early_stopping_rounds" => args.early_stopping_rounds = Some(v.count()?),
            "eval_metric" => args.eval_metric = v.strings()?,
            _ => {
                return Err(Failure::usage(format!(
                    "unknown key '{key}' in --config file {}; keys are the long flag names of \
                     'gbdt train' (see 'gbdt train --help'), e.g. learning_rate",
                    path.display()
                )))
            }
        }
    }
    Ok(args)
}

/// One value of the config file, with what messages need to point at it.
struct Value<'a> {
    key: &'a str,
    value: &'a toml::Value,
    path: &'a Path,
}

impl Value<'_> {
    fn wrong(&self, expected: &str) -> Failure {
        Failure::usage(format!(
            "key '{}' in --config file {} is a {}; expected {expected}",
            self.key,
            self.path.display(),
            self.value.type_str()
        ))
    }

    fn string(&self) -> CmdResult<String> {
        self.value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.wrong("a string"))
    }

    fn strings(&self) -> CmdResult<Vec<String>> {
        match self.value {
            toml::Value::String(s) => Ok(s.split(',').map(|p| p.trim().to_string()).collect()),
            toml::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.wrong("a string or an array of strings")),
            _ => Err(self.wrong("a string or an array of strings")),
        }
    }

    fn count(&self) -> CmdResult<usize> {
        self.value
            .as_integer()
            .and_then(|i| usize::try_from(i).ok())
            .ok_or_else(|| self.wrong("a whole number >= 0"))
    }

    fn number(&self) -> CmdResult<f64> {
        match self.value {
            toml::Value::Float(f) => Ok(*f),
            toml::Value::Integer(i) => Ok(*i as f64),
            _ => Err(self.wrong("a number")),
        }
    }
}

/// Flags win: every field set on the command line replaces the file's.
pub fn merge(flags: &ParamArgs, file: ParamArgs) -> ParamArgs {
    ParamArgs {
        objective: flags.objective.clone().or(file.objective),
        rounds: flags.rounds.or(file.rounds),
        learning_rate: flags.learning_rate.or(file.learning_rate),
        max_depth: flags.max_depth.or(file.max_depth),
        max_leaves: flags.max_leaves.or(file.max_leaves),
        grow_policy: flags.grow_policy.clone().or(file.grow_policy),
        max_bin: flags.max_bin.or(file.max_bin),
        lambda: flags.lambda.or(file.lambda),
        alpha: flags.alpha.or(file.alpha),
        gamma: flags.gamma.or(file.gamma),
        min_child_weight: flags.min_child_weight.or(file.min_child_weight),
        max_delta_step: flags.max_delta_step.or(file.max_delta_step),
        subsample: flags.subsample.or(file.subsample),
        colsample_bytree: flags.colsample_bytree.or(file.colsample_bytree),
        colsample_bynode: flags.colsample_bynode.or(file.colsample_bynode),
        seed: flags.seed.or(file.seed),
        threads: flags.threads.or(file.threads),
        early_stopping_rounds: flags.early_stopping_rounds.or(file.early_stopping_rounds),
        eval_metric: if flags.eval_metric.is_empty() {
            file.eval_metric
        } else {
            flags.eval_metric.clone()
        },
    }
}

/// The objective named by `--objective`, if any.
pub fn objective(args: &ParamArgs) -> CmdResult<Option<Objective>> {
    args.objective
        .as_deref()
        .map(|name| {
            name.parse::<Objective>()
                .map_err(|e| bad_flag("objective", e))
        })
        .transpose()
}

/// Builds and checks gbdt-core parameters. Out-of-range values are usage
/// errors that name the flag.
pub fn to_params(args: &ParamArgs, objective: Objective, num_class: usize) -> CmdResult<Params> {
    let d = Params::default();
    let grow_policy = match &args.grow_policy {
        Some(name) => name
            .parse::<GrowPolicy>()
            .map_err(|e| bad_flag("grow-policy", e))?,
        None => d.grow_policy,
    };
    let eval_metrics = args
        .eval_metric
        .iter()
        .filter(|m| !m.is_empty())
        .map(|m| m.parse::<Metric>().map_err(|e| bad_flag("eval-metric", e)))
        .collect::<CmdResult<Vec<_>>>()?;
    let params = Params {
        objective,
        num_class,
        num_rounds: args.rounds.unwrap_or(d.num_rounds),
        learning_rate: args.learning_rate.unwrap_or(d.learning_rate),
        grow_policy,
        max_depth: args.max_depth.unwrap_or(d.max_depth),
        max_leaves: args.max_leaves.unwrap_or(d.max_leaves),
        max_bin: args.max_bin.unwrap_or(d.max_bin),
        lambda: args.lambda.unwrap_or(d.lambda),
        alpha: args.alpha.unwrap_or(d.alpha),
        gamma: args.gamma.unwrap_or(d.gamma),
        min_child_weight: args.min_child_weight.unwrap_or(d.min_child_weight),
        max_delta_step: args.max_delta_step.or(d.max_delta_step),
        subsample: args.subsample.unwrap_or(d.subsample),
        colsample_bytree: args.colsample_bytree.unwrap_or(d.colsample_bytree),
        colsample_bynode: args.colsample_bynode.unwrap_or(d.colsample_bynode),
        seed: args.seed.unwrap_or(d.seed),
        threads: args.threads.or(d.threads),
        base_score: d.base_score,
        early_stopping_rounds: args.early_stopping_rounds.or(d.early_stopping_rounds),
        eval_metrics,
        huber_slope: d.huber_slope,
    };
    if let Err(e) = params.check() {
        let flag = match &e {
            gbdt_core::Error::InvalidParam { name, .. } => flag_of(name),
            _ => "parameters".to_string(),
        };
        return Err(bad_flag(&flag, e));
    }
    Ok(params)
}

/// The flag (without `--`) that sets a gbdt-core parameter.
fn flag_of(param: &str) -> String {
    match param {
        "num_rounds" => "rounds".to_string(),
        "eval_metrics" => "eval-metric".to_string(),
        other => other.replace('_', "-"),
    }
}

fn bad_flag(flag: &str, e: impl std::fmt::Display) -> Failure {
    Failure::usage(format!("bad value for --{flag}: {e}"))
}

/// Checks that a thread count flag is at least 1.
pub fn check_threads(threads: Option<usize>) -> CmdResult<Option<usize>> {
    match threads {
        Some(0) => Err(bad_flag(
            "threads",
            "0 threads; give at least 1, or leave it out to use every available CPU",
        )),
        t => Ok(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> CmdResult<ParamArgs> {
        parse_config(text, Path::new("params.toml"))
    }

    #[test]
    fn config_keys_and_aliases() {
        let a = p(
            "rounds = 7\neta = 0.1\nmax-depth = 3\ngrow_policy = \"lossguide\"\n\
                   eval_metric = [\"auc\", \"logloss\"]\nlambda = 2",
        )
        .unwrap();
        assert_eq!(a.rounds, Some(7));
        assert_eq!(a.learning_rate, Some(0.1));
        assert_eq!(a.max_depth, Some(3));
        assert_eq!(a.lambda, Some(2.0));
        assert_eq!(a.eval_metric, ["auc", "logloss"]);
        let params = to_params(&a, Objective::Logistic, 0).unwrap();
        assert_eq!(params.grow_policy, GrowPolicy::LossGuide);
        assert_eq!(params.eval_metrics, [Metric::Auc, Metric::LogLoss]);
    }

    #[test]
    fn config_errors_name_the_file_and_key() {
        let e = p("learning_rat = 0.1").unwrap_err();
        assert_eq!(e.code, crate::exit::Code::Usage);
        let msg = e.error.to_string();
        assert!(
            msg.contains("learning_rat") && msg.contains("params.toml"),
            "{msg}"
        );
        let msg = p("rounds = \"many\"").unwrap_err().error.to_string();
        assert!(
            msg.contains("rounds") && msg.contains("whole number"),
            "{msg}"
        );
        let msg = p("rounds = ").unwrap_err().error.to_string();
        assert!(msg.contains("not valid TOML"), "{msg}");
    }

    #[test]
    fn flags_win_over_the_file() {
        let file = p("rounds = 7\nmax_depth = 3\neval_metric = \"auc\"").unwrap();
        let flags = ParamArgs {
            max_depth: Some(9),
            ..ParamArgs::default()
        };
        let m = merge(&flags, file);
        assert_eq!((m.rounds, m.max_depth), (Some(7), Some(9)));
        assert_eq!(m.eval_metric, ["auc"]);
    }

    #[test]
    fn bad_values_name_the_flag() {
        let a = ParamArgs {
            learning_rate: Some(-1.0),
            ..ParamArgs::default()
        };
        let msg = to_params(&a, Objective::Logistic, 0)
            .unwrap_err()
            .error
            .to_string();
        assert!(msg.contains("--learning-rate"), "{msg}");
        let a = ParamArgs {
            max_bin: Some(1),
            ..ParamArgs::default()
        };
        let msg = to_params(&a, Objective::Logistic, 0)
            .unwrap_err()
            .error
            .to_string();
        assert!(msg.contains("--max-bin"), "{msg}");
        let a = ParamArgs {
            eval_metric: vec!["acc".into()],
            ..ParamArgs::default()
        };
        let msg = to_params(&a, Objective::Logistic, 0)
            .unwrap_err()
            .error
            .to_string();
        assert!(
            msg.contains("--eval-metric") && msg.contains("acc"),
            "{msg}"
        );
    }
}
