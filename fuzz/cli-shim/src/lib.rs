//! gbdt-cli's modules as a library (see build.rs): the fuzz targets reach
//! `config::parse_config` and `config::to_params`, the code `gbdt train`
//! runs on `--config` files and flag values.
#![allow(dead_code, unused_imports, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/modules.rs"));

/// The argument parser's crate, for `Cli::try_parse_from`.
pub use clap;
