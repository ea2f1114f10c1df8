//! The raw command line, as clap parses it. Nothing here is validated beyond
//! types; `config.rs` turns it into training parameters and the commands
//! check the rest.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
  gbdt predict model.gbdt new.csv --output preds.csv
  gbdt eval model.gbdt test.csv
  gbdt importance model.gbdt --top 10
  gbdt inspect model.gbdt

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
  gbdt train train.csv --target y --config params.toml --max-depth 8   # flag wins
  gbdt train data.csv --target label --drop 'Loan ID,Customer ID' --report-json run.json

--config FILE is TOML with the long flag names as keys ('-' or '_'), e.g.
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
  gbdt predict model.gbdt big.csv --shard 3/8 --output part-3.csv
  JOB_COMPLETION_INDEX=3 gbdt predict model.gbdt big.csv --shard-from-env --shards 8";

const EVAL_EXAMPLES: &str = "\
Prints one metric per line: name, a tab, the value. Binary models report
auc, logloss and error; multiclass mlogloss and merror; regression rmse and mae.

Examples:
  gbdt eval model.gbdt test.csv
  gbdt eval model.gbdt test.csv --target 'Number of Credit Problems > 2' --json";

const IMPORTANCE_EXAMPLES: &str = "\
Prints a tab-separated table (feature, importance), largest first.

Examples:
  gbdt importance model.gbdt
  gbdt importance model.gbdt --type split --top 5";

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
    /// Write predictions of a model for the rows of a CSV file.
    #[command(after_help = format!("{PREDICT_EXAMPLES}\n\n{EXIT_CODES}"))]
    Predict(PredictArgs),
    /// Compute metrics of a model on a labelled CSV file.
    #[command(after_help = format!("{EVAL_EXAMPLES}\n\n{EXIT_CODES}"))]
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
}

/// How CSV files are read.
#[derive(Debug, Clone, Args)]
pub struct CsvArgs {
    /// Field delimiter: one character, or 'tab'.
    #[arg(long, default_value = ",", value_name = "CHAR")]
    pub delimiter: String,
    /// The first line is data, not column names (columns are named column_0, column_1, ...).
    #[arg(long)]
    pub no_header: bool,
}

/// Flags of `gbdt train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training data (CSV with a header line; '-' reads standard input).
    #[arg(value_name = "DATA.csv")]
    pub data: PathBuf,
    /// What to predict: a column name or an expression such as 'Col > 1'.
    #[arg(long, short = 't', value_name = "EXPR")]
    pub target: String,
    /// Where to save the model; a .json name selects the JSON format.
    #[arg(long, short = 'o', default_value = "model.gbdt", value_name = "PATH")]
    pub output: PathBuf,
    /// Validation data, evaluated every round (needed for early stopping).
    #[arg(long, value_name = "VALID.csv")]
    pub valid: Option<PathBuf>,
    /// Without --valid, the final model is scored once on the training set
    /// (reported as train-METRIC); this skips that.
    #[arg(long)]
    pub no_train_metrics: bool,
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
    /// Skip rows whose target is missing instead of failing.
    #[arg(long)]
    pub drop_missing_target: bool,

    #[command(flatten)]
    pub csv: CsvArgs,

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

/// Training parameters as flags. Every one is optional so that a `--config`
/// file can supply it; unset ones keep gbdt-core's defaults.
#[derive(Debug, Default, Clone, Args)]
pub struct ParamArgs {
    /// Loss: reg:squarederror, binary:logistic, multi:softprob, count:poisson,
    /// reg:pseudohubererror (LightGBM names work too) [default: from the target]
    #[arg(long, value_name = "NAME", help_heading = "Parameters")]
    pub objective: Option<String>,
    /// Boosting rounds [default: 100]
    #[arg(long, value_name = "N", help_heading = "Parameters")]
    pub rounds: Option<usize>,
    /// Shrinkage of every tree (eta) [default: 0.3]
    #[arg(
        long,
        value_name = "X",
        allow_negative_numbers = true,
        help_heading = "Parameters"
    )]
    pub learning_rate: Option<f64>,
    /// Maximum tree depth, 0 for none (lossguide only) [default: 6]
    #[arg(long, value_name = "N", help_heading = "Parameters")]
    pub max_depth: Option<usize>,
    /// Maximum leaves per tree, 0 for none [default: 0]
    #[arg(long, value_name = "N", help_heading = "Parameters")]
    pub max_leaves: Option<usize>,
    /// depthwise (XGBoost) or lossguide (LightGBM's leaf-wise) [default: depthwise]
    #[arg(long, value_name = "POLICY", help_heading = "Parameters")]
    pub grow_policy: Option<String>,
    /// Histogram bins per feature, 2..=65535 [default: 256]
    #[arg(long, value_name = "N", help_heading = "Parameters")]
    pub max_bin: Option<usize>,
    /// L2 regularisation of leaf weights [default: 1]
    #[arg(
        long,
        value_name = "X",
        allow_negative_numbers = true,
        help_heading = "Parameters"
    )]
    pub lambda: Option<f64>,
    /// L1 regularisation of leaf weights [default: 0]
    #[arg(
        long,
        value_name = "X",
        allow_negative_numbers = true,
        help_heading = "Parameters"
    )]
    pub alpha: Option<f64>,
    /// Minimum loss reduction to split [default: 0]
    #[arg(
        long,
        value_name = "X",
        allow_negative_numbers = true,
        help_heading = "Parameters"
    )]
    pub gamma: Option<f64>,
    /// Minimum hessian sum in a child [default: 1]
    #[arg(
        long,
        value_name = "X",
        allow_negative_numbers = true,
        help_heading = "Parameters"
    )]
    pub min_child_weight: Option<f64>,
    /// Largest leaf weight, 0 for none [default: 0; 0.7 for count:poisson]
    #[arg(
        long,
        value_name = "X",
        allow_negative_numbers = true,
        help_heading = "Parameters"
    )]
    pub max_delta_step: Option<f64>,
    /// Fraction of rows sampled per tree [default: 1]
    #[arg(
        long,
        value_name = "X",
        allow_negative_numbers = true,
        help_heading = "Parameters"
    )]
    pub subsample: Option<f64>,
    /// Fraction of features sampled per tree [default: 1]
    #[arg(
        long,
        value_name = "X",
        allow_negative_numbers = true,
        help_heading = "Parameters"
    )]
    pub colsample_bytree: Option<f64>,
    /// Fraction of the tree's features sampled per split [default: 1]
    #[arg(
        long,
        value_name = "X",
        allow_negative_numbers = true,
        help_heading = "Parameters"
    )]
    pub colsample_bynode: Option<f64>,
    /// Seed of row and feature sampling [default: 0]
    #[arg(long, value_name = "N", help_heading = "Parameters")]
    pub seed: Option<u64>,
    /// Worker threads [default: the CPUs available, container quota included]
    #[arg(long, value_name = "N", help_heading = "Parameters")]
    pub threads: Option<usize>,
    /// Stop when the last metric on --valid has not improved for N rounds
    #[arg(long, value_name = "N", help_heading = "Parameters")]
    pub early_stopping_rounds: Option<usize>,
    /// Metrics to report, comma-separated: rmse, mae, logloss, auc, error,
    /// mlogloss, merror, poisson-nloglik [default: from the objective]
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAMES",
        help_heading = "Parameters"
    )]
    pub eval_metric: Vec<String>,
}

/// Flags of `gbdt predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A model file written by 'gbdt train'.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
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

    #[command(flatten)]
    pub csv: CsvArgs,
}

/// Flags of `gbdt eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A model file written by 'gbdt train'.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
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
    /// Worker threads [default: the CPUs available]
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print the metrics as one JSON object.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub csv: CsvArgs,
}

/// Flags of `gbdt importance`.
#[derive(Debug, Args)]
pub struct ImportanceArgs {
    /// A model file written by 'gbdt train'.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// gain (average), total_gain, split (count), cover, total_cover.
    #[arg(long = "type", default_value = "gain", value_name = "TYPE")]
    pub kind: String,
    /// Show only the N most important features.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Print as a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Flags of `gbdt inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A model file written by 'gbdt train'.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// Print as one JSON object.
    #[arg(long)]
    pub json: bool,
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
    /// A model file written by 'gbdt train'.
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// text or json.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DumpFormat,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

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
        assert_eq!(t.params.learning_rate, Some(-1.0));
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
        assert_eq!(t.drop, ["a", "b", "c"]);
    }
}
