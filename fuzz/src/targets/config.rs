//! The `--config` file: TOML text through gbdt-cli's own parser
//! (`config::parse_config`, compiled from gbdt-cli/src by the `cli-shim`
//! crate) to checked parameters (`config::to_params`), as `gbdt train`
//! does before it reads any data.

use std::path::Path;

use gbdt_fuzz_cli::config;

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = config::parse_config(text, Path::new("params.toml")) else {
        return;
    };
    super::flags::to_params(&file.params);
}
