//! The raw command line, as clap parses it. Nothing here is validated beyond
//! types; `config.rs` turns it into training parameters and the commands
//! check the rest.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use gbdt_core::Objective;

use crate::categorical::CategoricalArgs;
use crate::file_args::CsvArgs;
pub use crate::model_format::ModelFormatArg;
pub use crate::param_args::ParamArgs;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  runtime error (I/O failure such as an unwritable output, or a crash)
  2  usage error (unknown flag, bad flag value, bad --config file)
  3  bad input: a data or model file that is missing, malformed or unusable

Diagnostics go to stderr and start with 'gbdt:'; stdout carries only data.";

const TOP_EXAMPLES: &str = "\
Examples:
  gbdt train examples/credit_train.csv --target 'Number of Credit Problems > 1'
  gbdt cv examples/credit_train.csv --target 'Number of Credit Problems > 1' --folds 5
  gbdt predict model.gbdt new.csv --output preds.csv
  gbdt eval model.gbdt test.csv
  gbdt importance model.gbdt --top 10
  gbdt inspect model.gbdt
  gbdt predict xgboost_model.json new.csv      # XGBoost JSON, LightGBM text
  gbdt convert lightgbm_model.txt model.gbdt

Run 'gbdt help COMMAND' for the flags of one command.";

const TRAIN_EXAMPLES: &str = "\
Target expressions (--target):
  'Price'                          regression on a numeric column
  'Defaulted'                      binary when the column holds only 0/1
  'Number of Credit Problems > 1'  binary: a comparison (>, >=, <, <=, ==, !=)
  'Loan Status == Charged Off'     binary: one text value against the rest
  'Species'                        multiclass when a text column has > 2 values
The objective follows from the target unless --objective is given.

Examples:
  gbdt train examples/credit_train.csv --target 'Number of Credit Problems > 1'
  gbdt train train.csv --target Price --valid valid.csv --early-stopping-rounds 20 \\
      --rounds 1000 --learning-rate 0.05 --output price.json
  gbdt train train.csv --target Price --holdout 0.2 --early-stopping-rounds 20
  gbdt train train.csv --target y --config params.toml --max-depth 8   # flag wins
  gbdt train data.csv --target label --drop 'Loan ID,Customer ID' --report-json run.json
  gbdt train data.csv --target label --categorical 'Term,Purpose'   # or auto, none

Text columns with at most --max-categories values are categorical features
(auto); identifier-like text columns are dropped. A category that training
never saw is a missing value when predicting, or an error with
--strict-categories.

--config FILE is TOML with the long flag names as keys ('-' or '_'), or their
XGBoost and LightGBM names (eta, num_leaves, reg_lambda, nthread, ...), e.g.
  rounds = 500
  learning_rate = 0.1
  grow_policy = \"lossguide\"
  eval_metric = [\"auc\", \"logloss\"]";

const PREDICT_EXAMPLES: &str = "\
Output: a CSV with a header. One 'prediction' column for regression and
binary models (the probability of the positive class; the margin with --raw),
or one 'prediction_<class>' column per class for multiclass. With --id the
identifier column comes first. Numbers are printed with the shortest decimal
form that reads back to the same f64.

--contrib writes SHAP contributions (exact TreeSHAP, margin space) instead:
one column per feature, named after it, then 'bias'; a row's columns add up
to its --raw prediction. Multiclass models get one such block per class,
each name prefixed by '<class>:' (e.g. 'high:x1', ..., 'high:bias').
--id, --row-index, --shard and --output work as for predictions.

Sharding (batch jobs): --shard I/N keeps the data rows whose 0-based index
modulo N is I. --shard-from-env takes I from $JOB_COMPLETION_INDEX (a
Kubernetes Indexed Job) and N from --shards N. Sharded output starts with a
'row' column (the 0-based data row index), so shards merge back in order:
  { head -n1 s0.csv; tail -q -n +2 s*.csv | sort -t, -k1,1n; } > all.csv
equals the output of an unsharded run with --row-index.

Examples:
  gbdt predict model.gbdt new.csv > preds.csv
  zcat new.csv.gz | gbdt predict model.gbdt - > preds.csv
  gbdt predict model.gbdt new.csv --id 'Loan ID' --output preds.csv
  gbdt predict model.gbdt new.csv --contrib --id 'Loan ID' > why.csv
  gbdt predict model.gbdt big.csv --shard 3/8 --output part-3.csv
  JOB_COMPLETION_INDEX=3 gbdt predict model.gbdt big.csv --shard-from-env --shards 8";

const EVAL_EXAMPLES: &str = "\
Examples:
  gbdt eval model.gbdt test.csv
  gbdt eval model.gbdt test.csv --target 'Number of Credit Problems > 2' --json";

/// What `gbdt eval` prints, with the default metrics of each objective
/// (the ones `gbdt train` reports too).
fn eval_intro() -> String {
    let defaults: Vec<String> = Objective::ALL
        .iter()
        .map(|o| {
            let names: Vec<&str> = o.default_metrics().iter().map(|m| m.name()).collect();
            format!("  {:<22} {}", o.name(), names.join(", "))
        })
        .collect();
    format!(
        "Prints one metric per line: name, a tab, the value. Without --metric, the\n\
         metrics 'gbdt train' reports for the model's objective:\n{}",
        defaults.join("\n")
    )
}

const IMPORTANCE_EXAMPLES: &str = "\
Prints a tab-separated table (feature, importance), largest first.
--type shap needs a data file: the mean |SHAP contribution| of each feature
over its rows (margin space, summed over classes for multiclass).

Examples:
  gbdt importance model.gbdt
  gbdt importance model.gbdt --type split --top 5
  gbdt importance model.gbdt --type shap test.csv --top 5";

const INSPECT_EXAMPLES: &str = "\
Examples:
  gbdt inspect model.gbdt
  gbdt inspect model.json --json";

const DUMP_EXAMPLES: &str = "\
Examples:
  gbdt dump model.gbdt --format text | less
  gbdt dump model.gbdt --format json > trees.json";

/// The `gbdt` command line.
#[derive(Debug, Parser)]
#[command(
    name = "gbdt",
    version,
    about = "Gradient-boosted decision trees on CSV files: train, predict, evaluate, inspect.",
    after_help = format!("{TOP_EXAMPLES}\n\n{EXIT_CODES}"),
    propagate_version = true,
    disable_help_subcommand = false,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model on a CSV file and save it.
    #[command(after_help = format!("{TRAIN_EXAMPLES}\n\n{EXIT_CODES}"))]
    Train(Box<TrainArgs>),
    /// Cross-validate: train on K-1 folds, score the held-out fold, per round.
    #[command(after_help = format!("{}\n\n{EXIT_CODES}", crate::cv::flag::CV_HELP))]
    Cv(Box<CvArgs>),
    /// Write predictions of a model for the rows of a CSV file.
    #[command(after_help = format!("{PREDICT_EXAMPLES}\n\n{EXIT_CODES}"))]
    Predict(PredictArgs),
    /// Compute metrics of a model on a labelled CSV file.
    #[command(after_help = format!("{}\n\n{EVAL_EXAMPLES}\n\n{EXIT_CODES}", eval_intro()))]
    Eval(EvalArgs),
    /// Print feature importance.
    #[command(after_help = format!("{IMPORTANCE_EXAMPLES}\n\n{EXIT_CODES}"))]
    Importance(ImportanceArgs),
    /// Print a summary of a model file.
    #[command(after_help = format!("{INSPECT_EXAMPLES}\n\n{EXIT_CODES}"))]
    Inspect(InspectArgs),
    /// Print the trees of a model.
    #[command(after_help = format!("{DUMP_EXAMPLES}\n\n{EXIT_CODES}"))]
    Dump(DumpArgs),
    /// Convert a model file: XGBoost or LightGBM to gbdt, gbdt to XGBoost JSON.
    #[command(after_help = format!("{CONVERT_HELP}\n\n{EXIT_CODES}"))]
    Convert(ConvertArgs),
}

/// What a model is learned from: the data, its columns and the training
/// parameters. `gbdt train` and `gbdt cv` both take these flags.
#[derive(Debug, Args)]
pub struct LearnArgs {
    /// Training data (CSV with a header line, or LibSVM; '-' reads standard input).
    /// Under mpirun each rank reads its own line range of it.
    #[arg(value_name = "DATA.csv", required_unless_present = "data_per_rank")]
    pub data: Option<PathBuf>,
    /// Instead of DATA.csv: each MPI rank reads its own CSV file, this
    /// template with '{rank}' replaced by the rank (0 without MPI); every
    /// file needs the same header.
    #[arg(long, value_name = "TEMPLATE", conflicts_with = "data")]
    pub data_per_rank: Option<String>,
    /// What to predict: a column name or an expression such as 'Col > 1'
    /// (required for CSV data; LibSVM data has its label on each line).
    #[arg(long, short = 't', value_name = "EXPR")]
    pub target: Option<String>,
    /// Parameters from a TOML file; flags given on the command line win.
    #[arg(long, value_name = "params.toml")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub params: ParamArgs,

    /// Use only these feature columns (comma-separated names).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub features: Vec<String>,
    /// Never use these columns as features (comma-separated names).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub drop: Vec<String>,
    /// Column of non-negative sample weights.
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Query id column for ranking (also of --valid); contiguous rows (LibSVM: qid:).
    #[arg(long, value_name = "COL")]
    pub group: Option<String>,
    /// Skip rows whose target is missing instead of failing.
    #[arg(long)]
    pub drop_missing_target: bool,

    #[command(flatten)]
    pub categories: CategoricalArgs,

    #[command(flatten)]
    pub csv: CsvArgs,
}

impl LearnArgs {
    /// The data file rank `rank` reads: DATA.csv, or the
    /// `--data-per-rank` template with `{rank}` replaced.
    pub fn data_path(&self, rank: usize) -> PathBuf {
        match (&self.data, &self.data_per_rank) {
            (Some(path), _) => path.clone(),
            (None, Some(t)) => PathBuf::from(t.replace("{rank}", &rank.to_string())),
            (None, None) => PathBuf::from("-"),
        }
    }

    /// The data as the user named it (a path or the per-rank template).
    pub fn data_name(&self) -> String {
        match &self.data_per_rank {
            Some(t) => t.clone(),
            None => self.data_path(0).display().to_string(),
        }
    }
}

/// Flags of `gbdt train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub learn: LearnArgs,
    /// Where to save the model; a .json name selects the JSON format.
    #[arg(long, short = 'o', default_value = "model.gbdt", value_name = "PATH")]
    pub output: PathBuf,
    /// Validation data, evaluated every round (needed for early stopping).
    #[arg(long, value_name = "VALID.csv")]
    pub valid: Option<PathBuf>,
    /// Keep this fraction of the rows out as the validation set 'holdout'
    /// (seeded by --seed; stratified by class for classification); not with --valid.
    #[arg(long, value_name = "F", value_parser = crate::holdout::parse_fraction, allow_negative_numbers = true)]
    pub holdout: Option<f64>,
    /// Without --valid or --holdout, the final model is scored once on the
    /// training set (reported as train-METRIC); this skips that.
    #[arg(long)]
    pub no_train_metrics: bool,
    /// Continue training this model: add --rounds rounds to its trees (same
    /// features, objective and classes). It may also be the --output.
    #[arg(long, value_name = "PATH")]
    pub init_model: Option<PathBuf>,
    /// Every N rounds, write the model so far (atomically) to the
    /// checkpoint file, for --resume after a kill.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub checkpoint_every: Option<u64>,
    /// The checkpoint file [default: the --output name + ".checkpoint"].
    #[arg(long, value_name = "PATH")]
    pub checkpoint: Option<PathBuf>,
    /// Continue from the checkpoint file when it exists (else start from
    /// round 0), up to --rounds rounds in all; the result is the model an
    /// uninterrupted run gives. The checkpoint is removed once the model is saved.
    #[arg(long, conflicts_with = "init_model")]
    pub resume: bool,

    /// A category of --valid that training never saw is an error, not a
    /// missing value.
    #[arg(long, requires = "valid", help_heading = "Categorical features")]
    pub strict_categories: bool,

    /// Also write the summary as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub report_json: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log every round and more detail.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// Flags of `gbdt cv`: those of training, plus the folds.
#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    pub learn: LearnArgs,
    /// Number of folds K: each is held out once while a model trains on
    /// the others (seeded by --seed; stratified by class for classification).
    #[arg(long, default_value = "5", value_name = "K", value_parser = crate::cv::flag::parse_folds)]
    pub folds: usize,
    /// Also score each fold's training rows every round (train-METRIC
    /// columns, as xgboost.cv shows); costs time on large data.
    #[arg(long)]
    pub train_metrics: bool,
    /// Also write the per-round means and standard deviations, the best
    /// round, the folds and the parameters as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub report_json: Option<PathBuf>,
    /// Print nothing on stderr but errors (the table still goes to stdout).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write the fold of every row as CSV (row,fold) to this file.
    #[arg(long, value_name = "PATH", hide = true)]
    pub write_folds: Option<PathBuf>,
}

/// Flags of `gbdt predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A model file: gbdt's own, an XGBoost JSON or a LightGBM text model.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    #[command(flatten)]
    pub model_format: ModelFormatArg,
    /// Rows to predict (CSV with the model's feature columns, in any order;
    /// '-' reads standard input).
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,
    /// Write predictions here instead of stdout.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Write raw margins instead of probabilities or means.
    #[arg(long)]
    pub raw: bool,
    /// Write SHAP contributions instead of predictions: per output one
    /// column per feature, then 'bias'; they add up to the raw margin
    /// (contributions are always raw, with or without --raw).
    #[arg(long)]
    pub contrib: bool,
    /// Worker threads [default: the CPUs available]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Copy this column of DATA into the output, before the predictions.
    #[arg(long, value_name = "COLUMN")]
    pub id: Option<String>,
    /// Start the output with a 'row' column (0-based data row index).
    #[arg(long)]
    pub row_index: bool,
    /// Predict only rows with index % N == I (0 <= I < N).
    #[arg(long, value_name = "I/N", conflicts_with = "shard_from_env")]
    pub shard: Option<String>,
    /// Take the shard index I from $JOB_COMPLETION_INDEX; N from --shards.
    #[arg(long, requires = "shards")]
    pub shard_from_env: bool,
    /// Number of shards N for --shard-from-env.
    #[arg(long, value_name = "N", requires = "shard_from_env")]
    pub shards: Option<usize>,
    /// Also write timings and the row count as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub report_json: Option<PathBuf>,
    /// A category the model never saw in training is an error naming the
    /// column, line and value, instead of a missing value.
    #[arg(long)]
    pub strict_categories: bool,
    /// Query id column: accepted like train's and ignored (rows are scored one by one).
    #[arg(long, value_name = "COL")]
    pub group: Option<String>,

    #[command(flatten)]
    pub csv: CsvArgs,
}

/// Flags of `gbdt eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A model file: gbdt's own, an XGBoost JSON or a LightGBM text model.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    #[command(flatten)]
    pub model_format: ModelFormatArg,
    /// Labelled rows ('-' reads standard input).
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,
    /// Target expression [default: the one the model was trained with]
    #[arg(long, short = 't', value_name = "EXPR")]
    pub target: Option<String>,
    /// Metrics, comma-separated [default: by objective, see below]
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub metric: Vec<String>,
    /// Skip rows whose target is missing instead of failing.
    #[arg(long)]
    pub drop_missing_target: bool,
    /// Column of query ids for ranking metrics (contiguous rows; LibSVM: qid:).
    #[arg(long, value_name = "COL")]
    pub group: Option<String>,
    /// Column of non-negative sample weights: weighted metrics, as training
    /// reports them.
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Worker threads [default: the CPUs available]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print the metrics as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// A category the model never saw in training is an error naming the
    /// column, line and value, instead of a missing value.
    #[arg(long)]
    pub strict_categories: bool,

    #[command(flatten)]
    pub csv: CsvArgs,
}

/// Flags of `gbdt importance`.
#[derive(Debug, Args)]
pub struct ImportanceArgs {
    /// A model file: gbdt's own, an XGBoost JSON or a LightGBM text model.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    #[command(flatten)]
    pub model_format: ModelFormatArg,
    /// Rows to explain, for --type shap only (CSV with the model's features).
    #[arg(value_name = "DATA.csv")]
    pub data: Option<PathBuf>,
    /// gain (average), total_gain, split (count), cover, total_cover, or
    /// shap (mean |SHAP contribution| on DATA.csv).
    #[arg(long = "type", default_value = "gain", value_name = "TYPE")]
    pub kind: String,
    /// Worker threads for --type shap [default: the CPUs available]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Show only the N most important features.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Print as a JSON array.
    #[arg(long)]
    pub json: bool,
    /// With --type shap: a category the model never saw in training is an
    /// error naming the column, line and value, instead of a missing value.
    #[arg(long, requires = "data")]
    pub strict_categories: bool,

    #[command(flatten)]
    pub csv: CsvArgs,
}

/// Flags of `gbdt inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A model file: gbdt's own, an XGBoost JSON or a LightGBM text model.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    #[command(flatten)]
    pub model_format: ModelFormatArg,
    /// Print as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The text after `gbdt convert --help`'s flags.
const CONVERT_HELP: &str = "\
--to chooses what OUT is:
  gbdt          a gbdt model file, binary unless OUT ends in .json (the default)
  gbdt-binary   a gbdt binary model file, whatever the extension
  gbdt-json     a gbdt JSON model file, whatever the extension
  xgboost-json  an XGBoost JSON model (xgboost.Booster(model_file=OUT) loads it)
A one-line summary goes to stderr. OUT is written atomically and may not be IN.

Examples:
  gbdt convert xgb_model.json model.gbdt
  gbdt convert lightgbm_model.txt model.json           # gbdt JSON
  gbdt convert model.gbdt for_xgboost.json --to xgboost-json";

/// Flags of `gbdt convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The model to read: gbdt's own, an XGBoost JSON or a LightGBM text model.
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// Where to write the converted model.
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
    /// gbdt, gbdt-binary, gbdt-json or xgboost-json [default: gbdt]
    #[arg(long, value_name = "FORMAT")]
    pub to: Option<String>,
    #[command(flatten)]
    pub model_format: ModelFormatArg,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Output formats of `gbdt dump`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpFormat {
    /// XGBoost-style indented text.
    Text,
    /// Nested JSON, one object per tree.
    Json,
}

/// Flags of `gbdt dump`.
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// A model file: gbdt's own, an XGBoost JSON or a LightGBM text model.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    #[command(flatten)]
    pub model_format: ModelFormatArg,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DumpFormat,
}

#[cfg(test)]
mod tests {
    /// The README's parameter table is the declaration's; run with
    /// `GBDT_BLESS=1` to rewrite it after changing a parameter.
    #[test]
    fn readme_parameter_table_is_the_declared_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let (start, end) = ("<!-- PARAMS:START -->\n", "<!-- PARAMS:END -->");
        let a = readme
            .find(start)
            .expect("README has the PARAMS:START marker")
            + start.len();
        let b = readme.find(end).expect("README has the PARAMS:END marker");
        let want = crate::param_args::param_table();
        if std::env::var_os("GBDT_BLESS").is_some() {
            std::fs::write(path, format!("{}{want}{}", &readme[..a], &readme[b..])).unwrap();
        } else {
            assert_eq!(
                readme[a..b],
                want,
                "README parameter table is stale: GBDT_BLESS=1 cargo test -p gbdt-cli readme"
            );
        }
    }

    use super::*;
    use clap::CommandFactory;
    use gbdt_core::Params;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn negative_values_parse_so_that_check_can_name_them() {
        let cli =
            Cli::try_parse_from(["gbdt", "train", "d.csv", "-t", "y", "--learning-rate", "-1"])
                .unwrap();
        let Command::Train(t) = cli.command else {
            panic!("not train")
        };
        assert_eq!(t.learn.params.get("learning_rate"), Some("-1"));
    }

    /// The help text of `gbdt train` from `--flag` to the next flag.
    fn train_help_of(flag: &str) -> String {
        let mut cmd = Cli::command();
        let help = cmd
            .find_subcommand_mut("train")
            .map(|c| c.render_help().to_string())
            .unwrap_or_default();
        // A boolean's value is optional: `--flag [<BOOL>]`.
        let start = (help.find(&format!("--{flag} <")))
            .or_else(|| help.find(&format!("--{flag} [<")))
            .unwrap_or(help.len());
        let rest = &help[start..];
        let end = ["\n      --", "\n\n"]
            .iter()
            .filter_map(|stop| rest[2..].find(stop).map(|i| i + 2))
            .min()
            .unwrap_or(rest.len());
        rest[..end].split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn help_shows_every_parameter_with_its_default_from_core() {
        assert!(train_help_of("learning-rate").ends_with("[default: 0.3]"));
        assert!(train_help_of("max-depth").ends_with("[default: 6]"));
        assert!(train_help_of("objective").ends_with("[default: from the target]"));
        let d = Params::default();
        assert!(train_help_of("max-bin").ends_with(&format!("[default: {}]", d.max_bin)));
        let mut shown = 0;
        for param in Params::all() {
            let Some(flag) = param.flag() else { continue };
            let help = train_help_of(flag);
            let doc = param.doc().trim_end_matches('.');
            assert!(help.contains(doc), "--{flag}: {help}");
            if flag != "objective" {
                let want = format!("[default: {}]", param.default_text());
                assert!(help.ends_with(&want), "--{flag}: {help} lacks {want}");
            }
            shown += 1;
        }
        assert_eq!(
            shown,
            Params::all().len() - 1,
            "all but num_class are flags"
        );
    }

    #[test]
    fn categorical_help_shows_gbdt_io_default() {
        let want = format!("[default: {}]", gbdt_io::DEFAULT_MAX_CATEGORIES);
        assert!(train_help_of("max-categories").ends_with(&want));
        assert!(train_help_of("categorical").ends_with("[default: auto]"));
        assert_eq!(gbdt_io::CategoricalMode::default().to_string(), "auto");
    }

    #[test]
    fn flag_values_are_type_checked_by_the_parameter() {
        let err = |flag: &str, value: &str| {
            Cli::try_parse_from(["gbdt", "train", "d.csv", "-t", "y", flag, value])
                .unwrap_err()
                .to_string()
        };
        let m = err("--rounds", "many");
        assert!(
            m.contains("'many' for '--rounds <N>'") && m.contains("expected a whole number >= 0"),
            "{m}"
        );
        let m = err("--grow-policy", "sideways");
        assert!(m.contains("expected one of depthwise"), "{m}");
        // Counts do not take negative numbers, as before: "-1" looks like a flag.
        assert!(err("--max-depth", "-1").contains("-1"));
        let cli = Cli::try_parse_from([
            "gbdt",
            "train",
            "d.csv",
            "-t",
            "y",
            "--eval-metric",
            "auc",
            "--eval-metric",
            "error,logloss",
        ])
        .unwrap();
        let Command::Train(t) = cli.command else {
            panic!("not train")
        };
        assert_eq!(
            t.learn.params.get("eval_metrics"),
            Some("auc,error,logloss")
        );
        assert_eq!(t.learn.params.get("num_rounds"), None);
    }

    #[test]
    fn list_flags_split_on_commas() {
        let cli = Cli::try_parse_from([
            "gbdt", "train", "d.csv", "-t", "y", "--drop", "a,b", "--drop", "c",
        ])
        .unwrap();
        let Command::Train(t) = cli.command else {
            panic!("not train")
        };
        assert_eq!(t.learn.drop, ["a", "b", "c"]);
    }
}
