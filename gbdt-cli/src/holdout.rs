//! `gbdt train --holdout F` (or config key `holdout`): a seeded fraction of
//! the training rows kept out as the validation set `holdout`, drawn by
//! [`gbdt_io::split_holdout`] before binning. Stratified by class for the
//! classification objectives, plain random for the others; with query
//! groups (ranking) whole queries are held out. Not combined
//! with `--valid`: both would make a validation set, and early stopping
//! watches one, so giving both is a usage error.

use gbdt_core::Objective;
use gbdt_io::{Holdout, TrainingData};

use crate::exit::{CmdResult, Failure};

/// The name of the held-out set in metrics (`holdout-auc=...`).
pub const NAME: &str = "holdout";

/// Checks a `--holdout` value (clap's value parser): a number strictly
/// between 0 and 1.
pub fn parse_fraction(text: &str) -> Result<f64, String> {
    let f: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a number; give a fraction such as 0.2"))?;
    check_fraction(f).map_err(|e| match e {
        gbdt_io::Error::InvalidSelection { allowed, .. } => format!("expected {allowed}"),
        e => e.to_string(),
    })?;
    Ok(f)
}

/// A fraction strictly between 0 and 1, else gbdt-io's message.
pub fn check_fraction(f: f64) -> gbdt_io::Result<()> {
    Holdout {
        fraction: f,
        seed: 0,
        stratify: false,
    }
    .check()
}

/// The holdout of a run: the flag wins over the config file; with `--valid`
/// it is a usage error naming where the holdout came from.
pub fn resolve(flag: Option<f64>, file: Option<f64>, valid: bool) -> CmdResult<Option<f64>> {
    let fraction = flag.or(file);
    if valid && fraction.is_some() {
        let source = if flag.is_some() {
            "--holdout"
        } else {
            "key 'holdout' of the --config file"
        };
        return Err(Failure::usage(format!(
            "{source} and --valid both make a validation set; give one: --holdout F keeps a \
             fraction of the training rows out, --valid VALID.csv reads another file"
        )));
    }
    Ok(fraction)
}

/// True when the objective's labels are classes, so that each class keeps
/// its share of the rows in both parts.
pub fn stratifies(objective: Objective) -> bool {
    matches!(
        objective,
        Objective::Logistic | Objective::LogitRaw | Objective::Softmax
    )
}

/// Splits the data into (training rows, held-out rows, what the summary
/// says of them); an error when the fraction keeps out no row.
pub fn split(
    data: TrainingData,
    fraction: f64,
    seed: u64,
    objective: Objective,
) -> gbdt_io::Result<(TrainingData, TrainingData, HeldOut)> {
    let holdout = Holdout {
        fraction,
        seed,
        stratify: stratifies(objective),
    };
    let grouped = data.groups.is_some();
    let (train, held) = gbdt_io::split_holdout(data, &holdout)?;
    let info = HeldOut {
        fraction,
        stratified: holdout.stratify && !grouped,
        seed,
        rows: held.labels.len(),
        queries: held.groups.as_ref().map(Vec::len),
    };
    Ok((train, held, info))
}

/// What the summary says about the held-out rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldOut {
    /// The `--holdout` fraction.
    pub fraction: f64,
    /// Drawn per class (classification) or from all rows.
    pub stratified: bool,
    /// The `--seed` of the draw.
    pub seed: u64,
    /// Rows kept out.
    pub rows: usize,
    /// Whole query groups kept out, when the data has groups (ranking).
    pub queries: Option<usize>,
}

impl HeldOut {
    /// `200 held out (--holdout 0.2, stratified by class, seed 0)`.
    pub fn describe(&self) -> String {
        let how = match self.queries {
            Some(q) => format!("{q} whole queries"),
            None if self.stratified => "stratified by class".to_string(),
            None => "random rows".to_string(),
        };
        format!(
            "{} held out (--holdout {}, {how}, seed {})",
            self.rows, self.fraction, self.seed
        )
    }

    /// `{"fraction": 0.2, "rows": 200, "stratified": true, "seed": 0}`,
    /// plus `"queries": N` when whole query groups were held out.
    pub fn json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "fraction": self.fraction,
            "rows": self.rows,
            "stratified": self.stratified,
            "seed": self.seed,
        });
        if let (Some(q), Some(obj)) = (self.queries, v.as_object_mut()) {
            obj.insert("queries".into(), q.into());
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Code;

    #[test]
    fn fractions_strictly_between_zero_and_one() {
        assert_eq!(parse_fraction("0.2"), Ok(0.2));
        for bad in ["0", "1", "-0.1", "nan", "1e9", "x", ""] {
            let e = parse_fraction(bad).unwrap_err();
            assert!(e.contains("0.2"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_flag_wins_and_valid_excludes_it() {
        assert_eq!(resolve(Some(0.1), Some(0.3), false).unwrap(), Some(0.1));
        assert_eq!(resolve(None, Some(0.3), false).unwrap(), Some(0.3));
        assert_eq!(resolve(None, None, true).unwrap(), None);
        let e = resolve(None, Some(0.3), true).unwrap_err();
        assert_eq!(e.code, Code::Usage);
        assert!(e.error.to_string().contains("key 'holdout'"));
        let e = resolve(Some(0.3), None, true).unwrap_err();
        assert!(e.error.to_string().starts_with("--holdout and --valid"));
    }

    #[test]
    fn classification_is_stratified() {
        assert!(stratifies(Objective::Logistic) && stratifies(Objective::Softmax));
        assert!(!stratifies(Objective::SquaredError) && !stratifies(Objective::Poisson));
    }
}
