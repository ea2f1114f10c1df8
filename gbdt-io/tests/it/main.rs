//! Integration tests of gbdt-io: one binary, one module per area.

mod categorical;
mod csv_read;
mod foreign;
mod holdout;
mod labels;
mod libsvm;
mod model_files;
mod props;
mod ranks;
mod select;
mod util;
