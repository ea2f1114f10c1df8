//! The flags that say how data files are read (`--format`, CSV
//! delimiter and header, LibSVM index base), shared by every command that
//! reads data; a leaf module, so the flag definitions (`cli.rs`), the readers
//! (`data_file.rs`, `input.rs`) can all use them.

use clap::Args;

/// Data file formats (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DataFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// LibSVM / SVMlight: 'label qid:N index:value ...' per line (qid optional).
    Libsvm,
}

/// How data files are read: CSV or LibSVM (see `data_file.rs`).
#[derive(Debug, Clone, Args)]
pub struct CsvArgs {
    /// Field delimiter: one character, or 'tab'.
    #[arg(long, default_value = ",", value_name = "CHAR")]
    pub delimiter: String,
    /// The first line is data, not column names (columns are named column_0, column_1, ...).
    #[arg(long)]
    pub no_header: bool,
    /// Data file format [default: detected: libsvm when the first lines are
    /// 'label index:value ...' (or with qid:N), else csv]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<DataFormat>,
    /// Index of the first LibSVM feature, 0 or 1 [default: detected per
    /// file: 0 when any index is 0, else 1]
    #[arg(long, value_name = "0|1", value_parser = clap::value_parser!(u32).range(0..=1))]
    pub libsvm_base: Option<u32>,
}
