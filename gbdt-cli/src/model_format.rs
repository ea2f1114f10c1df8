//! `--model-format`: the one flag that forces how a model file is read,
//! shared by every command that reads one.

use clap::Args;
use gbdt_io::{ForeignFormat, SourceFormat};

/// `--model-format`: how to read MODEL.
#[derive(Debug, Clone, Default, Args)]
pub struct ModelFormatArg {
    /// Read MODEL as gbdt, xgboost-json or lightgbm instead of detecting
    /// the format from its content.
    #[arg(id = "model_format", long = "model-format", value_name = "FORMAT", value_parser = parse_model_format)]
    pub format: Option<SourceFormat>,
}

fn parse_model_format(name: &str) -> Result<SourceFormat, String> {
    if name.eq_ignore_ascii_case("gbdt") {
        return Ok(SourceFormat::Gbdt);
    }
    name.parse::<ForeignFormat>()
        .map(SourceFormat::Foreign)
        .map_err(|_| "expected gbdt, xgboost-json or lightgbm".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_every_format() {
        assert_eq!(parse_model_format("GBDT"), Ok(SourceFormat::Gbdt));
        for (name, f) in [
            ("xgboost-json", ForeignFormat::XgboostJson),
            ("xgboost", ForeignFormat::XgboostJson),
            ("lightgbm", ForeignFormat::LightgbmText),
        ] {
            assert_eq!(parse_model_format(name), Ok(SourceFormat::Foreign(f)));
        }
        assert!(parse_model_format("onnx").unwrap_err().contains("lightgbm"));
    }
}
