//! What a front end needs to know about each parameter: its names, doc,
//! value kind and default, and how to set it from text.

use crate::error::{Error, Result};

use super::{Params, ALL};

/// The kind of value a parameter takes, for front ends that check types
/// (a TOML file) or pick a placeholder (`--rounds <N>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueKind {
    /// A whole number >= 0.
    Count,
    /// A floating-point number.
    Number,
    /// One name out of a set (an objective, a grow policy).
    Name,
    /// A comma-separated list of names (metrics).
    Names,
    /// A comma-separated list of whole numbers, optionally in parentheses
    /// (monotone constraints: "(1,0,-1)").
    Integers,
    /// A bracketed list of bracketed lists of whole numbers (interaction
    /// constraints: `[[0,1],[2,3,4]]`).
    Sets,
    /// A comma-separated list of numbers, optionally in brackets
    /// (quantile levels: "0.1,0.5,0.9").
    Numbers,
    /// true or false (also 1/0, yes/no, on/off).
    Bool,
}

impl ValueKind {
    /// What a value of this kind must look like, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            ValueKind::Count => "a whole number >= 0",
            ValueKind::Number => "a number",
            ValueKind::Name => "a name",
            ValueKind::Names => "a comma-separated list of names",
            ValueKind::Integers => "a comma-separated list of whole numbers, e.g. (1,0,-1)",
            ValueKind::Sets => "a list of lists of feature indexes, e.g. [[0,1],[2,3,4]]",
            ValueKind::Numbers => "a comma-separated list of numbers, e.g. 0.1,0.5,0.9",
            ValueKind::Bool => "true or false",
        }
    }
}

/// One training parameter: a field of [`Params`] with the names it is known
/// by, a one-line doc and a setter from text. Get them from [`Params::all`]
/// or [`Params::lookup`].
///
/// ```
/// use gbdt_core::{Params, ValueKind};
/// let p = Params::lookup("eta").unwrap();
/// assert_eq!((p.name(), p.flag(), p.kind()), ("learning_rate", Some("learning-rate"), ValueKind::Number));
/// assert_eq!(p.default_text(), "0.3");
/// let mut params = Params::default();
/// p.set(&mut params, "0.05")?;
/// assert_eq!(params.learning_rate, 0.05);
/// # Ok::<(), gbdt_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Param {
    pub(super) name: &'static str,
    pub(super) flag: Option<&'static str>,
    pub(super) aliases: &'static [&'static str],
    pub(super) doc: &'static str,
    pub(super) kind: ValueKind,
    pub(super) unset: &'static str,
    pub(super) set: fn(&mut Params, &str) -> Result<()>,
    pub(super) show: fn(&Params) -> Option<String>,
}

impl Param {
    /// The canonical name: the field of [`Params`].
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The long command-line flag (without `--`) of front ends such as
    /// gbdt-cli; `None` for parameters a front end derives itself (`num_class`).
    pub fn flag(&self) -> Option<&'static str> {
        self.flag
    }

    /// Other accepted names: XGBoost's and LightGBM's spellings.
    pub fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }

    /// Every accepted spelling: the name, the flag (with `_` for `-`) and the aliases.
    pub fn spellings(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(self.name.to_string())
            .chain(self.flag.map(normalize))
            .chain(self.aliases.iter().map(|a| a.to_string()))
    }

    /// A one-line description.
    pub fn doc(&self) -> &'static str {
        self.doc.trim()
    }

    /// The kind of value it takes.
    pub fn kind(&self) -> ValueKind {
        self.kind
    }

    /// Parses `text` and stores it in `params`. Only the type is checked
    /// here (ranges are [`Params::check`]'s); the error names the parameter.
    pub fn set(&self, params: &mut Params, text: &str) -> Result<()> {
        (self.set)(params, text)
    }

    /// The value in `params` as text that [`Param::set`] reads back, or what
    /// leaving it unset means (e.g. "off").
    pub fn value_text(&self, params: &Params) -> String {
        (self.show)(params).unwrap_or_else(|| self.unset.to_string())
    }

    /// The value in `params` as text that [`Param::set`] reads back, `""`
    /// when unset: what model files store.
    ///
    /// ```
    /// use gbdt_core::Params;
    /// let threads = Params::lookup("threads").unwrap();
    /// assert_eq!(threads.stored_text(&Params::default()), "");
    /// let mut p = Params::default();
    /// threads.set(&mut p, "4")?;
    /// assert_eq!(threads.stored_text(&p), "4");
    /// threads.set(&mut p, "")?;
    /// assert_eq!(p.threads, None);
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn stored_text(&self, params: &Params) -> String {
        (self.show)(params).unwrap_or_default()
    }

    /// The value in [`Params::default`], as [`Param::value_text`] shows it.
    pub fn default_text(&self) -> String {
        self.value_text(&Params::default())
    }

    fn is_spelled(&self, key: &str) -> bool {
        self.spellings().any(|s| s == key)
    }
}

/// Lower case with `_` for `-`: how keys are compared.
fn normalize(key: &str) -> String {
    key.trim().to_ascii_lowercase().replace('-', "_")
}

impl Params {
    /// Every parameter, in the order of the struct's fields.
    pub fn all() -> &'static [Param] {
        ALL
    }

    /// The parameter with this name, flag or alias; case and `-`/`_` do not matter.
    pub fn lookup(key: &str) -> Option<&'static Param> {
        let key = normalize(key);
        ALL.iter().find(|p| p.is_spelled(&key))
    }

    /// Sets one parameter by any of its names from text, e.g.
    /// `set("eta", "0.1")`. An unknown key is an error listing the closest
    /// known ones; a value of the wrong type names the parameter.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        match Params::lookup(key) {
            Some(param) => param.set(self, value),
            None => Err(Error::UnknownName {
                kind: "parameter",
                name: key.to_string(),
                known: known_list(key),
            }),
        }
    }

    /// Spellings close to an unknown `key` (edit distance, or one contains
    /// the other), closest first, at most three.
    pub fn suggest(key: &str) -> Vec<String> {
        let key = normalize(key);
        let mut close: Vec<(usize, String)> = ALL
            .iter()
            .flat_map(Param::spellings)
            .filter_map(|s| {
                let d = distance(&key, &s);
                let near = d <= (key.len().max(s.len()) / 4).max(1);
                let contains = key.len() >= 3 && (s.contains(&key) || key.contains(&s));
                (near || contains).then_some((d, s))
            })
            .collect();
        close.sort();
        close.dedup_by(|a, b| a.1 == b.1);
        close.into_iter().take(3).map(|(_, s)| s).collect()
    }
}

/// The close matches for an unknown key, or every canonical name.
fn known_list(key: &str) -> String {
    let close = Params::suggest(key);
    let names = || ALL.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
    match close.len() {
        0 => names(),
        _ => format!(
            "{} (the closest; {} parameters in all)",
            close.join(", "),
            ALL.len()
        ),
    }
}

/// Levenshtein distance over bytes (keys are ASCII).
fn distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GrowPolicy, Metric, MulticlassHessian, Objective};

    /// A value different from the default in every field.
    fn sample() -> Params {
        Params {
            objective: Objective::Logistic,
            num_class: 3,
            num_rounds: 7,
            learning_rate: 0.05,
            grow_policy: GrowPolicy::LossGuide,
            max_depth: 4,
            max_leaves: 31,
            max_bin: 63,
            lambda: 2.5,
            alpha: 0.5,
            gamma: 0.25,
            min_child_weight: 3.0,
            max_delta_step: Some(0.7),
            subsample: 0.8,
            colsample_bytree: 0.6,
            colsample_bynode: 0.9,
            seed: 42,
            threads: Some(2),
            base_score: Some(0.4),
            early_stopping_rounds: Some(5),
            eval_metrics: vec![Metric::Auc, Metric::LogLoss],
            huber_slope: 2.0,
            multiclass_hessian: MulticlassHessian::XGBoost,
            monotone_constraints: vec![1, 0, -1],
            interaction_constraints: vec![vec![0, 2], vec![1, 2, 3]],
            tweedie_variance_power: 1.2,
            max_cat_to_onehot: 8,
            max_cat_threshold: 16,
            cat_l2: 1.5,
            cat_smooth: 2.0,
            min_data_per_group: 50,
            quantile_alpha: vec![0.1, 0.9],
            eval_at: vec![1, 3, 10],
            lambdarank_truncation_level: 10,
            use_quantized_grad: true,
            num_grad_quant_bins: 16,
            quant_train_renew_leaf: false,
        }
    }

    #[test]
    fn every_spelling_of_every_parameter_round_trips() {
        let want = sample();
        let mut all = Params::default();
        for p in Params::all() {
            let text = p.value_text(&want);
            assert_ne!(
                text,
                p.default_text(),
                "{}: sample equals default",
                p.name()
            );
            for spelling in p.spellings() {
                let mut fresh = Params::default();
                fresh.set(&spelling, &text).unwrap();
                assert_eq!(p.value_text(&fresh), text, "{} via {spelling}", p.name());
                let dashed = spelling.replace('_', "-").to_uppercase();
                assert_eq!(Params::lookup(&dashed).map(Param::name), Some(p.name()));
            }
            all.set(p.name(), &text).unwrap();
        }
        assert_eq!(all, want, "each setter writes its own field");
    }

    #[test]
    fn the_xgboost_and_lightgbm_names_map_to_ours() {
        for (alias, name) in [
            ("eta", "learning_rate"),
            ("shrinkage_rate", "learning_rate"),
            ("num_boost_round", "num_rounds"),
            ("n_estimators", "num_rounds"),
            ("num_iterations", "num_rounds"),
            ("rounds", "num_rounds"),
            ("reg_lambda", "lambda"),
            ("lambda_l2", "lambda"),
            ("reg_alpha", "alpha"),
            ("lambda_l1", "alpha"),
            ("min_split_loss", "gamma"),
            ("min_gain_to_split", "gamma"),
            ("min_sum_hessian_in_leaf", "min_child_weight"),
            ("num_leaves", "max_leaves"),
            ("bagging_fraction", "subsample"),
            ("feature_fraction", "colsample_bytree"),
            ("feature_fraction_bynode", "colsample_bynode"),
            ("random_state", "seed"),
            ("nthread", "threads"),
            ("num_threads", "threads"),
            ("eval_metric", "eval_metrics"),
            ("metric", "eval_metrics"),
        ] {
            assert_eq!(
                Params::lookup(alias).map(Param::name),
                Some(name),
                "{alias}"
            );
        }
    }

    #[test]
    fn no_spelling_is_shared() {
        let mut seen = std::collections::HashMap::new();
        for p in Params::all() {
            for s in p.spellings() {
                if let Some(other) = seen.insert(s.clone(), p.name()) {
                    assert_eq!(other, p.name(), "'{s}' names {other} and {}", p.name());
                }
            }
        }
    }

    #[test]
    fn defaults_come_from_params_default() {
        let d = Params::default();
        let text = |name: &str| Params::lookup(name).unwrap().default_text();
        assert_eq!(text("learning_rate"), d.learning_rate.to_string());
        assert_eq!(text("learning_rate"), "0.3");
        assert_eq!(text("max_depth"), "6");
        assert_eq!(text("objective"), "reg:squarederror");
        assert_eq!(text("grow_policy"), "depthwise");
        assert_eq!(text("early_stopping_rounds"), "off");
        for p in Params::all() {
            assert!(
                !p.default_text().is_empty(),
                "{} needs an unset text",
                p.name()
            );
            assert!(
                !p.doc().is_empty() && !p.doc().contains('\n'),
                "{}",
                p.name()
            );
            assert_eq!(p.kind(), Params::lookup(p.name()).unwrap().kind());
        }
    }

    #[test]
    fn unknown_keys_name_the_closest() {
        let err = Params::default().set("learning_rat", "0.1").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "unknown parameter 'learning_rat'; known: learning_rate (the closest; {} parameters in all)",
                Params::all().len()
            )
        );
        assert_eq!(Params::suggest("num_leafs"), ["num_leaf", "num_leaves"]);
        let err = Params::default().set("zzz", "1").unwrap_err().to_string();
        assert!(err.contains("objective, num_class, num_rounds"), "{err}");
    }

    #[test]
    fn wrong_types_name_the_parameter() {
        let mut p = Params::default();
        let cases = [
            (
                "rounds",
                "many",
                "invalid parameter num_rounds = many: must be a whole number >= 0",
            ),
            (
                "seed",
                "-1",
                "invalid parameter seed = -1: must be a whole number >= 0",
            ),
            (
                "eta",
                "fast",
                "invalid parameter learning_rate = fast: must be a number",
            ),
            (
                "threads",
                "1.5",
                "invalid parameter threads = 1.5: must be a whole number >= 0",
            ),
        ];
        for (key, value, message) in cases {
            assert_eq!(p.set(key, value).unwrap_err().to_string(), message);
        }
        let err = p.set("grow_policy", "sideways").unwrap_err().to_string();
        assert!(
            err.starts_with("invalid parameter grow_policy = sideways: must be one of depthwise"),
            "{err}"
        );
        let err = p.set("metric", "auc,acc").unwrap_err().to_string();
        assert!(
            err.starts_with("invalid parameter eval_metrics = acc: must be one of rmse"),
            "{err}"
        );
        assert_eq!(p, Params::default(), "a failed set changes nothing");
        p.set("metric", " auc , ,logloss").unwrap();
        assert_eq!(p.eval_metrics, [Metric::Auc, Metric::LogLoss]);
    }
}
