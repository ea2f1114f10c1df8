//! One module per input surface.

pub mod config;
pub mod csv;
pub mod flags;
pub mod foreign;
pub mod label;
pub mod libsvm;
pub mod model;
pub mod predict;
