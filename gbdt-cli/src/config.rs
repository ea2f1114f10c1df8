//! Training parameters from flags and an optional `--config` TOML file.
//! Both are text per parameter of `gbdt_core::Params::all()` (the one
//! declaration of names, aliases and types); flags win over the file, and
//! `Params::set` turns the text into values.

use std::path::Path;

use gbdt_core::{Objective, Param, Params, ValueKind};

use crate::categorical::{parse_mode, CategoricalArgs, CategoricalMode};
use crate::cli::ParamArgs;
use crate::exit::{CmdResult, Failure};

/// What a `--config` file sets: training parameters, and how text columns
/// become categorical features.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ConfigFile {
    /// Keys of `gbdt_core::Params::all()`.
    pub params: ParamArgs,
    /// Keys `categorical` and `max_categories`.
    pub categories: CategoricalArgs,
    /// Key `holdout`: the fraction of rows kept out (see `holdout.rs`).
    pub holdout: Option<f64>,
}

/// The keys that are not training parameters but say how the CSV becomes
/// features (`-` or `_`).
const DATA_KEYS: [&str; 3] = ["categorical", "max_categories", "holdout"];

/// Reads a config file into the same shape as the flags.
pub fn read_config(path: &Path) -> CmdResult<ConfigFile> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "cannot read --config file {}: {e}; check the path",
            path.display()
        ))
    })?;
    parse_config(&text, path)
}

/// Parses config text; `path` is only used in messages. Keys are a
/// parameter's flag, name or alias, or one of [`DATA_KEYS`]; values are
/// type-checked here.
pub fn parse_config(text: &str, path: &Path) -> CmdResult<ConfigFile> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        Failure::usage(format!(
            "--config file {} is not valid TOML: {e}",
            path.display()
        ))
    })?;
    let mut args = ParamArgs::default();
    let mut categories = CategoricalArgs::default();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    let mut holdout = None;
    for (key, value) in &table {
        let v = Value { key, value, path };
        if key.as_str() == "holdout" {
            holdout = Some(v.holdout()?);
            continue;
        }
        if v.data_key(&mut categories)? {
            continue;
        }
        let param = v.param()?;
        if let Some((other, _)) = keys.iter().find(|(_, name)| *name == param.name()) {
            return Err(v.fail(&format!(
                "sets {} like '{other}'; give only one",
                param.name()
            )));
        }
        keys.push((key, param.name()));
        args.insert(param, v.text(param)?);
    }
    categories.check().map_err(|e| {
        Failure::usage(format!(
            "key 'max_categories' in --config file {}: {:#}",
            path.display(),
            e.error
        ))
    })?;
    Ok(ConfigFile {
        params: args,
        categories,
        holdout,
    })
}

/// One value of the config file, with what messages need to point at it.
struct Value<'a> {
    key: &'a str,
    value: &'a toml::Value,
    path: &'a Path,
}

impl Value<'_> {
    /// Reads a key of [`DATA_KEYS`] into `out`; false for any other key.
    /// `categorical` is a string (`"auto"`, `"none"`, `"A,B"`) or an array
    /// of column names; `max_categories` a whole number.
    fn data_key(&self, out: &mut CategoricalArgs) -> CmdResult<bool> {
        let key = self.key.replace('-', "_");
        match (key.as_str(), self.value) {
            ("categorical", toml::Value::String(s)) => {
                let mode = parse_mode(s).map_err(|e| self.fail(&format!("has a bad value: {e}")))?;
                out.mode = Some(mode);
            }
            ("categorical", toml::Value::Array(items)) => {
                let names = items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| self.fail("is not a non-empty array of column names"))?;
                out.mode = Some(CategoricalMode::Columns(names));
            }
            ("max_categories", toml::Value::Integer(n)) => {
                let n = usize::try_from(*n)
                    .map_err(|_| self.fail(&format!("is {n}; expected a whole number >= 1")))?;
                out.max_categories = Some(n);
            }
            ("categorical", _) => {
                return Err(self.fail(&format!(
                    "is a {}; expected \"auto\", \"none\" or column names (a string or an array of strings)",
                    self.value.type_str()
                )))
            }
            ("max_categories", _) => {
                return Err(self.fail(&format!(
                    "is a {}; expected a whole number >= 1",
                    self.value.type_str()
                )))
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Key `holdout`: a number strictly between 0 and 1.
    fn holdout(&self) -> CmdResult<f64> {
        let f = match self.value {
            toml::Value::Float(f) => *f,
            toml::Value::Integer(i) => *i as f64,
            other => {
                return Err(self.fail(&format!(
                    "is a {}; expected a fraction such as 0.2",
                    other.type_str()
                )))
            }
        };
        crate::holdout::check_fraction(f)
            .map_err(|e| self.fail(&format!("has a bad value: {e}")))?;
        Ok(f)
    }

    fn fail(&self, what: &str) -> Failure {
        Failure::usage(format!(
            "key '{}' in --config file {} {what}",
            self.key,
            self.path.display()
        ))
    }

    /// The parameter the key names; an unknown key lists the closest ones.
    fn param(&self) -> CmdResult<&'static Param> {
        match Params::lookup(self.key) {
            Some(p) if p.flag().is_some() => Ok(p),
            Some(p) => Err(self.fail(&format!(
                "cannot be set: 'gbdt train' derives {} from the target",
                p.name()
            ))),
            None => Err(Failure::usage(unknown_key(self.key, self.path))),
        }
    }

    /// The value as the text a flag would give, after checking its TOML
    /// type against the parameter's kind and the text with its setter.
    fn text(&self, param: &Param) -> CmdResult<String> {
        let text = match (param.kind(), self.value) {
            (ValueKind::Count, toml::Value::Integer(i)) if *i >= 0 => i.to_string(),
            (ValueKind::Number, toml::Value::Integer(i)) => i.to_string(),
            (ValueKind::Number, toml::Value::Float(f)) => f.to_string(),
            (ValueKind::Bool, toml::Value::Boolean(b)) => b.to_string(),
            (
                ValueKind::Name
                | ValueKind::Names
                | ValueKind::Integers
                | ValueKind::Sets
                | ValueKind::Numbers,
                toml::Value::String(s),
            ) => s.clone(),
            (ValueKind::Sets, toml::Value::Array(sets)) => self.sets_text(param, sets)?,
            (ValueKind::Integers, toml::Value::Array(items)) => items
                .iter()
                .map(|i| i.as_integer().map(|v| v.to_string()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.wrong(param))?
                .join(","),
            (ValueKind::Numbers, toml::Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    toml::Value::Integer(v) => Some(v.to_string()),
                    toml::Value::Float(v) => Some(v.to_string()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.wrong(param))?
                .join(","),
            (ValueKind::Names, toml::Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str())
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| self.wrong(param))?
                .join(","),
            _ => return Err(self.wrong(param)),
        };
        param
            .set(&mut Params::default(), &text)
            .map_err(|e| self.fail(&format!("has a bad value: {e}")))?;
        Ok(text)
    }

    /// An array of arrays of integers as the flag's `[[0,1],[2,3,4]]`.
    fn sets_text(&self, param: &Param, sets: &[toml::Value]) -> CmdResult<String> {
        let set_text = |set: &toml::Value| {
            let items = set
                .as_array()?
                .iter()
                .map(|i| i.as_integer().map(|v| v.to_string()))
                .collect::<Option<Vec<_>>>()?;
            Some(format!("[{}]", items.join(",")))
        };
        let sets = sets
            .iter()
            .map(set_text)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| self.wrong(param))?;
        Ok(format!("[{}]", sets.join(",")))
    }

    fn wrong(&self, param: &Param) -> Failure {
        let expected = match param.kind() {
            ValueKind::Names => "a string or an array of strings",
            ValueKind::Name => "a string",
            ValueKind::Integers => "a string or an array of integers",
            ValueKind::Sets => "a string or an array of arrays of integers",
            ValueKind::Numbers => "a string or an array of numbers",
            kind => kind.expected(),
        };
        self.fail(&format!(
            "is a {}; expected {expected}",
            self.value.type_str()
        ))
    }
}

/// The message for a key no parameter is known by.
fn unknown_key(key: &str, path: &Path) -> String {
    let close = Params::suggest(key);
    let hint = if close.is_empty() {
        let mut flags: Vec<&str> = Params::all().iter().filter_map(Param::flag).collect();
        flags.extend(DATA_KEYS);
        format!("known keys: {}", flags.join(", "))
    } else {
        format!("did you mean {}?", close.join(" or "))
    };
    format!(
        "unknown key '{key}' in --config file {}; {hint} Keys are the long flag names of \
         'gbdt train' (see 'gbdt train --help') or their XGBoost/LightGBM names",
        path.display()
    )
}

/// Flags win: every parameter set on the command line replaces the file's.
pub fn merge(flags: &ParamArgs, file: ParamArgs) -> ParamArgs {
    let mut merged = file;
    for (param, text) in flags.iter() {
        merged.insert(param, text.to_string());
    }
    merged
}

/// The objective named by `--objective`, if any.
pub fn objective(args: &ParamArgs) -> CmdResult<Option<Objective>> {
    args.get("objective")
        .map(|name| {
            name.parse::<Objective>()
                .map_err(|e| bad_flag("objective", e))
        })
        .transpose()
}

/// Builds and checks gbdt-core parameters: defaults, then every given
/// value, then the objective and class count chosen by the caller.
/// Bad values are usage errors that name the flag.
pub fn to_params(args: &ParamArgs, objective: Objective, num_class: usize) -> CmdResult<Params> {
    let mut params = Params::default();
    for (param, text) in args.iter() {
        if let Some(named) = crate::by_name::named_value(param.name(), text) {
            // Checked here, resolved by `gbdt train` against its features.
            named.check(text).map_err(|e| bad_flag(named.flag, e))?;
            continue;
        }
        param
            .set(&mut params, text)
            .map_err(|e| bad_flag(flag_of(param.name()), e))?;
    }
    params.objective = objective;
    params.num_class = num_class;
    if let Err(e) = params.check() {
        let flag = match &e {
            gbdt_core::Error::InvalidParam { name, .. } => flag_of(name),
            _ => "parameters",
        };
        return Err(bad_flag(flag, e));
    }
    check_limits(&params)?;
    Ok(params)
}

/// The most boosting rounds `gbdt train` accepts: far beyond any useful
/// model, low enough that a typo (`--rounds 1000000000`) fails at once
/// instead of after hours, or running out of memory.
pub const MAX_ROUNDS: usize = 10_000_000;

/// The most worker threads any command accepts: more only costs time
/// spent creating threads (the same limit on every machine, so a command
/// line that works on a laptop also works on a server).
pub const MAX_THREADS: usize = 1024;

/// Limits on values that are valid for gbdt-core but absurd for a command
/// line: usage errors naming the flag and the limit, before data is read.
fn check_limits(params: &Params) -> CmdResult<()> {
    if params.num_rounds > MAX_ROUNDS {
        return Err(bad_flag(
            "rounds",
            format!(
                "{} rounds is above the limit of {MAX_ROUNDS}; use fewer rounds (with \
                 --early-stopping-rounds to stop when the model stops improving)",
                params.num_rounds
            ),
        ));
    }
    check_threads(params.threads).map(drop)
}

/// The flag (without `--`) that sets a gbdt-core parameter.
fn flag_of(param: &str) -> &str {
    Params::lookup(param).and_then(Param::flag).unwrap_or(param)
}

fn bad_flag(flag: &str, e: impl std::fmt::Display) -> Failure {
    Failure::usage(format!("bad value for --{flag}: {e}"))
}

/// Checks that a thread count flag is at least 1 and at most
/// [`MAX_THREADS`].
pub fn check_threads(threads: Option<usize>) -> CmdResult<Option<usize>> {
    match threads {
        Some(0) => Err(bad_flag(
            "threads",
            "0 threads; give at least 1, or leave it out to use every available CPU",
        )),
        Some(n) if n > MAX_THREADS => Err(bad_flag(
            "threads",
            format!(
                "{n} threads is above the limit of {MAX_THREADS}; leave it out to use \
                 every available CPU"
            ),
        )),
        t => Ok(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;
    use gbdt_core::{GrowPolicy, Metric};

    fn p(text: &str) -> CmdResult<ParamArgs> {
        parse_config(text, Path::new("params.toml")).map(|c| c.params)
    }

    fn msg(r: CmdResult<ParamArgs>) -> String {
        let e = r.unwrap_err();
        assert_eq!(e.code, crate::exit::Code::Usage);
        e.error.to_string()
    }

    #[test]
    fn holdout_key_is_a_fraction() {
        let c = |text: &str| parse_config(text, Path::new("params.toml"));
        assert_eq!(c("holdout = 0.25").unwrap().holdout, Some(0.25));
        assert_eq!(c("rounds = 3").unwrap().holdout, None);
        for bad in [
            "holdout = 1",
            "holdout = -0.5",
            "holdout = nan",
            "holdout = \"0.2\"",
        ] {
            let e = c(bad).unwrap_err();
            assert_eq!(e.code, crate::exit::Code::Usage);
            assert!(e.error.to_string().contains("key 'holdout'"), "{bad}");
        }
    }

    /// The parameter flags of `gbdt train` with these extra arguments.
    fn flags(extra: &[&str]) -> ParamArgs {
        let args = ["gbdt", "train", "d.csv", "-t", "y"].iter().chain(extra);
        match Cli::try_parse_from(args).unwrap().command {
            crate::cli::Command::Train(t) => t.learn.params,
            _ => unreachable!("parsed as train"),
        }
    }

    #[test]
    fn config_keys_and_aliases() {
        let a = p(
            "rounds = 7\neta = 0.1\nmax-depth = 3\ngrow_policy = \"lossguide\"\n\
                   eval_metric = [\"auc\", \"logloss\"]\nlambda = 2\nnum_leaves = 15\n\
                   feature_fraction = 0.5\nmin_sum_hessian_in_leaf = 2.5\nrandom_state = 9",
        )
        .unwrap();
        assert_eq!(a.get("num_rounds"), Some("7"));
        assert_eq!(a.get("learning_rate"), Some("0.1"));
        assert_eq!(a.get("eval_metrics"), Some("auc,logloss"));
        let params = to_params(&a, Objective::Logistic, 0).unwrap();
        let want = Params {
            objective: Objective::Logistic,
            num_rounds: 7,
            learning_rate: 0.1,
            max_depth: 3,
            grow_policy: GrowPolicy::LossGuide,
            eval_metrics: vec![Metric::Auc, Metric::LogLoss],
            lambda: 2.0,
            max_leaves: 15,
            colsample_bytree: 0.5,
            min_child_weight: 2.5,
            seed: 9,
            ..Params::default()
        };
        assert_eq!(params, want);
    }

    #[test]
    fn interaction_sets_are_a_string_or_arrays_of_integers() {
        let want = Some("[[0,1],[2,3,4]]");
        let from_array = p("interactions = [[0, 1], [2, 3, 4]]").unwrap();
        assert_eq!(from_array.get("interaction_constraints"), want);
        let from_string = p("interaction_constraints = \"[[0,1],[2,3,4]]\"").unwrap();
        assert_eq!(from_string.get("interaction_constraints"), want);
        let flat = msg(p("interactions = [0, 1]"));
        assert!(flat.contains("an array of arrays of integers"), "{flat}");
        let empty = msg(p("interactions = [[0, 1], []]"));
        assert!(
            empty.contains("non-empty lists of feature indexes"),
            "{empty}"
        );
    }

    #[test]
    fn every_flag_is_a_config_key_with_the_same_meaning() {
        for param in Params::all() {
            let Some(flag) = param.flag() else { continue };
            let sample = match param.kind() {
                ValueKind::Count => ("3", "3"),
                ValueKind::Number => ("0.5", "0.5"),
                ValueKind::Names => ("[\"auc\"]", "auc"),
                ValueKind::Integers => ("[1]", "1"),
                ValueKind::Sets => ("[[0, 1], [2]]", "[[0,1],[2]]"),
                ValueKind::Numbers => ("[0.1, 0.9]", "0.1,0.9"),
                ValueKind::Bool => ("true", "true"),
                _ if flag == "objective" => ("\"binary\"", "binary"),
                _ if flag == "multiclass-hessian" => ("\"xgboost\"", "xgboost"),
                _ => ("\"leafwise\"", "leafwise"),
            };
            let file = p(&format!("{flag} = {}", sample.0)).unwrap();
            let from_flag = flags(&[&format!("--{flag}"), sample.1]);
            assert_eq!(file, from_flag, "--{flag}");
            assert_eq!(file.get(param.name()), Some(sample.1), "{flag}");
        }
    }

    #[test]
    fn config_errors_name_the_file_and_key() {
        assert_eq!(
            msg(p("learning_rat = 0.1")),
            "unknown key 'learning_rat' in --config file params.toml; did you mean learning_rate? \
             Keys are the long flag names of 'gbdt train' (see 'gbdt train --help') or their \
             XGBoost/LightGBM names"
        );
        let m = msg(p("colour = 1"));
        assert!(
            m.contains("known keys: objective, rounds, learning-rate, grow-policy"),
            "{m}"
        );
        assert_eq!(
            msg(p("rounds = \"many\"")),
            "key 'rounds' in --config file params.toml is a string; expected a whole number >= 0"
        );
        assert!(msg(p("seed = -3")).contains("whole number"));
        assert!(msg(p("rounds = ")).contains("not valid TOML"));
        let m = msg(p("grow_policy = \"sideways\""));
        assert!(
            m.contains("'grow_policy'") && m.contains("lossguide"),
            "{m}"
        );
        let m = msg(p("eta = 0.1\nlearning_rate = 0.2"));
        assert!(m.contains("learning_rate") && m.contains("'eta'"), "{m}");
        let m = msg(p("num_class = 3"));
        assert!(m.contains("derives num_class"), "{m}");
    }

    #[test]
    fn categorical_keys() {
        let c = |text: &str| parse_config(text, Path::new("params.toml"));
        let file = c("categorical = \"none\"\nmax-categories = 50\nrounds = 3").unwrap();
        assert_eq!(file.categories.mode, Some(CategoricalMode::None));
        assert_eq!(file.categories.max_categories, Some(50));
        assert_eq!(file.params.get("num_rounds"), Some("3"));
        let cols = c("categorical = [\"Term\", \"Home, Ownership\"]").unwrap();
        assert_eq!(
            cols.categories.mode,
            Some(CategoricalMode::Columns(vec![
                "Term".into(),
                "Home, Ownership".into()
            ]))
        );
        let m = |text: &str| msg(c(text).map(|f| f.params));
        assert!(m("categorical = 3").contains("'categorical'"));
        assert!(m("categorical = []").contains("non-empty array"));
        assert!(m("max_categories = -1").contains("'max_categories'"));
        assert!(m("max_categories = \"many\"").contains("whole number"));
        let zero = m("max_categories = 0");
        assert!(
            zero.contains("max_categories") && zero.contains("give 1 to"),
            "{zero}"
        );
        assert!(m("categoricals = \"auto\"").starts_with("unknown key 'categoricals'"));
    }

    #[test]
    fn flags_win_over_the_file() {
        let file = p("rounds = 7\nmax_depth = 3\neval_metric = \"auc\"\nnthread = 1").unwrap();
        let m = merge(&flags(&["--max-depth", "9", "--threads", "2"]), file);
        let params = to_params(&m, Objective::Logistic, 0).unwrap();
        assert_eq!(
            (params.num_rounds, params.max_depth, params.threads),
            (7, 9, Some(2))
        );
        assert_eq!(params.eval_metrics, [Metric::Auc]);
        let m = merge(
            &flags(&["--eval-metric", "logloss,error"]),
            p("metric = \"auc\"").unwrap(),
        );
        assert_eq!(m.get("eval_metrics"), Some("logloss,error"));
    }

    #[test]
    fn bad_values_name_the_flag() {
        let bad = |extra: &[&str]| {
            to_params(&flags(extra), Objective::Logistic, 0)
                .unwrap_err()
                .error
                .to_string()
        };
        let m = bad(&["--learning-rate", "-1"]);
        assert!(
            m.starts_with("bad value for --learning-rate: invalid parameter learning_rate = -1"),
            "{m}"
        );
        assert!(bad(&["--max-bin", "1"]).contains("--max-bin"));
        let m = to_params(&p("num_iterations = 0").unwrap(), Objective::Logistic, 0)
            .unwrap_err()
            .error
            .to_string();
        assert!(m.contains("--rounds"), "{m}");
        let m = Cli::try_parse_from(["gbdt", "train", "d.csv", "-t", "y", "--eval-metric", "acc"])
            .unwrap_err()
            .to_string();
        assert!(m.contains("--eval-metric") && m.contains("acc"), "{m}");
    }

    #[test]
    fn absurd_rounds_and_threads_are_refused_from_flags_and_the_file() {
        let bad = |args: &ParamArgs| {
            let e = to_params(args, Objective::Logistic, 0).unwrap_err();
            assert_eq!(e.code, crate::exit::Code::Usage);
            e.error.to_string()
        };
        let m = bad(&flags(&["--rounds", "1000000000"]));
        assert!(
            m.starts_with(
                "bad value for --rounds: 1000000000 rounds is above the limit of 10000000"
            ),
            "{m}"
        );
        let m = bad(&p("num_boost_round = 10000001").unwrap());
        assert!(m.contains("--rounds") && m.contains("10000000"), "{m}");
        let m = bad(&p("nthread = 10000").unwrap());
        assert!(
            m.starts_with("bad value for --threads: 10000 threads is above the limit of 1024"),
            "{m}"
        );
        let ok = to_params(
            &flags(&["--rounds", "10000000", "--threads", "1024"]),
            Objective::Logistic,
            0,
        )
        .unwrap();
        assert_eq!((ok.num_rounds, ok.threads), (MAX_ROUNDS, Some(MAX_THREADS)));
        assert!(check_threads(Some(1025)).is_err());
    }
}
