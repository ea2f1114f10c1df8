//! CSV bytes to a [`Table`].

use std::path::Path;

use crate::error::Result;
use crate::table::{CsvOptions, Table};

pub(crate) fn parse(bytes: Vec<u8>, path: &Path, opts: &CsvOptions) -> Result<Table> {
    let _ = (bytes, path, opts);
    todo!("CSV reader")
}
