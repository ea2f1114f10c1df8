//! `gbdt convert`: any model file gbdt reads (its own, XGBoost JSON,
//! LightGBM text) written as a gbdt model file or as XGBoost JSON.

use std::io::Write;
use std::path::Path;

use gbdt_io::{AtomicFile, ModelFile, ModelFormat, ModelSource};

use crate::cli::ConvertArgs;
use crate::columns::is_identity;
use crate::diag;
use crate::exit::{CmdResult, Code, Failure};
use crate::input::{self, writing, LoadedModel};

/// What `convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Gbdt(ModelFormat),
    XgboostJson,
}

impl Target {
    /// `--to`, or a gbdt model file whose format follows OUT's extension.
    fn parse(to: Option<&str>, out: &Path) -> CmdResult<Target> {
        match to.map(str::to_ascii_lowercase).as_deref() {
            None | Some("gbdt") => Ok(Target::Gbdt(ModelFormat::from_path(out))),
            Some("gbdt-binary") => Ok(Target::Gbdt(ModelFormat::Binary)),
            Some("gbdt-json") => Ok(Target::Gbdt(ModelFormat::Json)),
            Some("xgboost-json" | "xgboost") => Ok(Target::XgboostJson),
            Some(_) => Err(Failure::usage(format!(
                "bad value for --to: '{}'; expected gbdt, gbdt-binary, gbdt-json or xgboost-json",
                to.unwrap_or_default()
            ))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Target::Gbdt(ModelFormat::Binary) => "gbdt binary",
            Target::Gbdt(ModelFormat::Json) => "gbdt JSON",
            Target::XgboostJson => "XGBoost JSON",
        }
    }
}

/// Runs `gbdt convert`.
pub fn run(args: &ConvertArgs) -> CmdResult<()> {
    let target = Target::parse(args.to.as_deref(), &args.output)?;
    input::check_outputs(&[(&args.output, "OUT")], &[(&args.input, "IN")])?;
    let loaded = input::load_model(&args.input, &args.model_format)?;
    match target {
        Target::Gbdt(format) => writing(gbdt_io::save_model(
            &args.output,
            &loaded.file,
            Some(format),
        ))?,
        Target::XgboostJson => write_xgboost(&args.output, &loaded.file, args.quiet)?,
    }
    if !args.quiet {
        diag::say(summary(args, &loaded, target));
    }
    Ok(())
}

/// Exports to XGBoost JSON (exit 3 when the model has something XGBoost
/// cannot hold) and writes it atomically (exit 1 on I/O failure).
fn write_xgboost(path: &Path, file: &ModelFile, quiet: bool) -> CmdResult<()> {
    let model = &file.model;
    let bytes = gbdt_io::export_xgboost_json(model).map_err(|e| Failure {
        code: Code::BadInput,
        error: e.into(),
    })?;
    if !quiet {
        if let Some(warning) = categorical_warning(model) {
            diag::say(warning);
        }
    }
    let fail = |e: String| {
        Failure::new(
            Code::Runtime,
            format!("cannot write OUT {}: {e}", path.display()),
        )
    };
    let mut out = AtomicFile::create(path).map_err(|e| fail(e.to_string()))?;
    out.write_all(&bytes).map_err(|e| fail(e.to_string()))?;
    out.commit().map_err(|e| fail(e.to_string()))
}

/// XGBoost knows categories only by code: a warning naming the
/// categorical features whose categories have names, or `None`.
fn categorical_warning(model: &gbdt_core::Model) -> Option<String> {
    let names = model.feature_names();
    // Categories named by their codes (imported ones) lose nothing.
    let categorical: Vec<String> = model
        .categories()
        .iter()
        .filter(|c| !is_identity(&c.names))
        .map(|c| format!("'{}'", names[c.feature]))
        .collect();
    (!categorical.is_empty()).then(|| {
        format!(
            "warning: categorical feature(s) {} keep only their codes in XGBoost JSON: \
             category names are lost, and data for XGBoost must hold each category's code \
             (its position in 'gbdt inspect --json' \"categorical\") instead of its name",
            categorical.join(", ")
        )
    })
}

/// `converted IN (xgboost-json) to OUT (gbdt binary): 20 trees, 5 features, objective binary:logistic`.
fn summary(args: &ConvertArgs, loaded: &LoadedModel, target: Target) -> String {
    let model = &loaded.file.model;
    let from = match loaded.source {
        ModelSource::Gbdt { format, .. } => match format {
            ModelFormat::Binary => "gbdt binary",
            ModelFormat::Json => "gbdt JSON",
        },
        ModelSource::Foreign(f) => f.name(),
    };
    format!(
        "converted {} ({from}) to {} ({}): {} trees, {} features, objective {}",
        args.input.display(),
        args.output.display(),
        target.name(),
        model.trees().len(),
        model.num_features(),
        model.objective().name(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_by_flag_or_extension() {
        let t = |to: Option<&str>, out: &str| Target::parse(to, Path::new(out));
        assert_eq!(
            t(None, "m.gbdt").unwrap(),
            Target::Gbdt(ModelFormat::Binary)
        );
        assert_eq!(t(None, "m.JSON").unwrap(), Target::Gbdt(ModelFormat::Json));
        assert_eq!(
            t(Some("gbdt-binary"), "m.json").unwrap(),
            Target::Gbdt(ModelFormat::Binary)
        );
        assert_eq!(
            t(Some("XGBoost-JSON"), "m.txt").unwrap(),
            Target::XgboostJson
        );
        let e = t(Some("onnx"), "m.onnx").unwrap_err();
        assert_eq!(e.code, Code::Usage);
        assert!(e.error.to_string().contains("'onnx'"));
    }
}
