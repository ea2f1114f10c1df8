//! The `--folds` flag's check and `gbdt cv --help`'s text: a leaf module,
//! so that the flag definitions (`cli.rs`) can use them.

use gbdt_io::Folds;

pub const CV_HELP: &str = "\
The rows are dealt into K folds (seeded by --seed: stratified by class for
classification, shuffled otherwise). For each fold a model trains on the
other folds (binned on those rows only) and is scored on the fold after
every round. stdout gets a table: per round the mean and standard
deviation (population, as xgboost.cv) of each metric over the K held-out
folds. With --early-stopping-rounds N, training stops when the mean of
the watched metric (the last one) has not improved for N rounds. The best
round is the one with the best mean of that metric. Every parameter flag
of 'gbdt train' (and its --config file) works the same way here.

Examples:
  gbdt cv examples/credit_train.csv --target 'Number of Credit Problems > 1'
  gbdt cv train.csv --target Price --folds 10 --rounds 500 \\
      --early-stopping-rounds 20 --report-json cv.json

Errors: --folds below 2, or above the number of rows, is a usage error (2).";

/// Checks a `--folds` value (clap's value parser): a whole number >= 2.
pub fn parse_folds(text: &str) -> Result<usize, String> {
    let k: usize = text.trim().parse().map_err(|_| {
        format!("'{text}' is not a whole number; give the number of folds, such as 5")
    })?;
    let folds = Folds {
        k,
        seed: 0,
        stratify: false,
    };
    match folds.check(usize::MAX, None) {
        Ok(()) => Ok(k),
        Err(gbdt_io::Error::InvalidSelection { allowed, .. }) => Err(format!("expected {allowed}")),
        Err(e) => Err(e.to_string()),
    }
}
