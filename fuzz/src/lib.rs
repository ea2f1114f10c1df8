//! The fuzz targets of gbdt: one function per input surface, each taking
//! the fuzzer's bytes. A target returns normally for any input, valid or
//! not; a panic, an abort or a hang is a bug. The same functions run under
//! AFL++ (`src/main.rs` with the `afl` feature) and in the replay of the
//! committed corpus (`tests/replay.rs`, run by CI on stable Rust).

pub mod input;
pub mod targets;

/// A target: its name (also its corpus folder) and its function.
pub struct Target {
    /// `csv`, `label`, ...: the argument of `gbdt-fuzz` and the folder
    /// under `corpus/` and `regressions/`.
    pub name: &'static str,
    /// Runs one input.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "csv",
        run: targets::csv::run,
    },
    Target {
        name: "label",
        run: targets::label::run,
    },
    Target {
        name: "config",
        run: targets::config::run,
    },
    Target {
        name: "flags",
        run: targets::flags::run,
    },
    Target {
        name: "model",
        run: targets::model::run,
    },
    Target {
        name: "foreign",
        run: targets::foreign::run,
    },
    Target {
        name: "libsvm",
        run: targets::libsvm::run,
    },
    Target {
        name: "predict",
        run: targets::predict::run,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}
