//! How `gbdt train` turns text columns into categorical features:
//! `--categorical auto|none|COL,COL` and `--max-categories N`, from flags or
//! the `--config` file (flags win), checked before any data is read.

use gbdt_io::Selection;

use crate::exit::{CmdResult, Failure};

pub use gbdt_io::{CategoricalMode, DEFAULT_MAX_CATEGORIES};

/// The categorical settings of a training run (flags, or config keys
/// `categorical` and `max_categories`); `None` where neither gave one.
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
pub struct CategoricalArgs {
    /// Text columns that become categorical features: auto (those with at
    /// most --max-categories values; identifier-like ones are dropped), none
    /// (drop every text column), or the columns to use, comma-separated
    /// (number columns too) [default: auto]
    #[arg(
        long = "categorical",
        value_name = "auto|none|COLS",
        value_parser = parse_mode,
        help_heading = "Categorical features"
    )]
    pub mode: Option<CategoricalMode>,
    /// The most categories a categorical feature may have: in auto mode a
    /// text column with more is dropped; a column named in --categorical
    /// with more is an error [default: 1024]
    #[arg(long, value_name = "N", help_heading = "Categorical features")]
    pub max_categories: Option<usize>,
}

/// Parses a `--categorical` value (clap's value parser): `auto`, `none`, or
/// comma-separated column names.
pub fn parse_mode(text: &str) -> Result<CategoricalMode, String> {
    text.parse::<CategoricalMode>().map_err(|e| match e {
        gbdt_io::Error::InvalidSelection { allowed, .. } => format!("expected {allowed}"),
        e => e.to_string(),
    })
}

impl CategoricalArgs {
    /// Flags win over the file, setting by setting.
    pub fn merge(flags: &CategoricalArgs, file: CategoricalArgs) -> CategoricalArgs {
        CategoricalArgs {
            mode: flags.mode.clone().or(file.mode),
            max_categories: flags.max_categories.or(file.max_categories),
        }
    }

    /// Checks the limit (a usage error naming the flag): at least 1 and at
    /// most gbdt-core's [`gbdt_core::MAX_CATEGORIES`].
    pub fn check(&self) -> CmdResult<()> {
        match self.max_categories {
            Some(n) if n == 0 || n > gbdt_core::MAX_CATEGORIES => Err(Failure::usage(format!(
                "bad value for --max-categories: {n}; give 1 to {} (default {})",
                gbdt_core::MAX_CATEGORIES,
                DEFAULT_MAX_CATEGORIES
            ))),
            _ => Ok(()),
        }
    }

    /// Sets the categorical fields of a selection (defaults where unset).
    pub fn apply(&self, selection: &mut Selection) {
        selection.categorical = self.mode.clone().unwrap_or_default();
        selection.max_categories = self.max_categories.unwrap_or(DEFAULT_MAX_CATEGORIES);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_limits() {
        assert_eq!(parse_mode("auto"), Ok(CategoricalMode::Auto));
        assert_eq!(parse_mode("none"), Ok(CategoricalMode::None));
        assert_eq!(
            parse_mode("Term,Home Ownership"),
            Ok(CategoricalMode::Columns(vec![
                "Term".into(),
                "Home Ownership".into()
            ]))
        );
        assert!(parse_mode("")
            .unwrap_err()
            .starts_with("expected auto, none"));
        assert!(parse_mode("a,,b").is_err());
        let flags = CategoricalArgs {
            mode: Some(CategoricalMode::None),
            max_categories: None,
        };
        let file = CategoricalArgs {
            mode: Some(CategoricalMode::Auto),
            max_categories: Some(20),
        };
        let merged = CategoricalArgs::merge(&flags, file);
        assert_eq!(merged.mode, Some(CategoricalMode::None));
        assert_eq!(merged.max_categories, Some(20));
        assert!(merged.check().is_ok());
        for bad in [0, gbdt_core::MAX_CATEGORIES + 1] {
            let args = CategoricalArgs {
                max_categories: Some(bad),
                ..CategoricalArgs::default()
            };
            let e = args.check().unwrap_err();
            assert_eq!(e.code, crate::exit::Code::Usage);
            assert!(e.error.to_string().contains("--max-categories"), "{bad}");
        }
    }
}
