//! `gbdt predict` on a CSV file in bounded memory: the file is read a batch
//! of rows at a time ([`gbdt_io::FeatureBatches`], about 16 MiB of CSV
//! each, parsed in parallel on the command's executor), each batch is
//! predicted and written before the next is read, so memory holds one
//! batch whatever the number of rows. The output is byte for byte what
//! reading the whole file gives (the in-memory path, still used for
//! standard input and LibSVM data); a file output is still written to a
//! temporary file and moved into place at the end, so an error part way
//! leaves the old file. `--contrib` reads the whole file (see [`streams`]).
//!
//! Column types come from the model's features, not from the whole file
//! (see [`gbdt_io::FeatureBatches`]); a categorical feature or `--id`
//! column that holds only numbers in the first rows is typed by one extra
//! pass over the file first.

use std::path::Path;
use std::time::Instant;

use gbdt_io::{CsvBatches, FeatureBatches};
use ndarray::{Array2, Axis};

use super::{predict_rows, write_failed, Done, Job, PredictionWriter, Shard};
use crate::columns::{FeatureColumns, Header};
use crate::data_file;
use crate::exit::{CmdResult, Failure};
use crate::file_args::DataFormat;
use crate::input::{self, reading, Output};

/// Sets the batch size in bytes (for tests of batch boundaries; the
/// default is [`gbdt_io::BATCH_BYTES`]).
pub const BATCH_BYTES_ENV: &str = "GBDT_PREDICT_BATCH_BYTES";

/// True when the data is read in batches: a CSV file. Standard input and
/// LibSVM data are read whole, and so is the data for `--contrib`: SHAP
/// values build their per-leaf tables only when a call has enough rows, so
/// their last bits depend on the rows predicted together.
pub(super) fn streams(args: &crate::cli::PredictArgs) -> CmdResult<bool> {
    if args.data == Path::new("-") || args.contrib {
        return Ok(false);
    }
    Ok(data_file::file_format(&args.data, &args.csv)? == DataFormat::Csv)
}

/// Reads, predicts and writes batch by batch.
pub(super) fn predict(job: &Job<'_>) -> CmdResult<Done> {
    let args = job.args;
    let t = Instant::now();
    let (csv, columns) = open(job)?;
    let copied: Vec<&str> = args.id.as_deref().into_iter().collect();
    let features = columns.model_features();
    let mut batches = reading(FeatureBatches::new(csv, features, &copied, job.exec))?;
    let mut done = Done {
        load_s: t.elapsed().as_secs_f64(),
        ..Done::default()
    };
    // The header waits for the first predicted batch: an error in it (a
    // bad value, an unseen category) leaves stdout empty.
    let mut writer = None;
    loop {
        let t = Instant::now();
        let first = batches.rows_read();
        let Some((table, x)) = reading(batches.next_batch(job.exec))? else {
            break;
        };
        let ids = match &args.id {
            Some(column) => Some(reading(table.string_column(column))?),
            None => None,
        };
        let (rows, x) = shard_rows(job.shard, first, x);
        done.load_s += t.elapsed().as_secs_f64();
        if rows.is_empty() {
            continue;
        }
        let t = Instant::now();
        let preds = predict_rows(job, x.view())?;
        done.predict_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let w = match &mut writer {
            Some(w) => w,
            None => writer.insert(open_writer(job)?),
        };
        let ids = ids.as_deref().map(|ids| (ids, first));
        w.rows(&preds, &rows, ids)
            .map_err(|e| write_failed(args, e))?;
        done.write_s += t.elapsed().as_secs_f64();
        done.rows += rows.len();
    }
    let t = Instant::now();
    let writer = match writer {
        Some(w) => w,
        None => open_writer(job)?,
    };
    writer
        .finish()
        .and_then(Output::finish)
        .map_err(|e| write_failed(args, e))?;
    done.write_s += t.elapsed().as_secs_f64();
    Ok(done)
}

/// The output, with the header written.
fn open_writer(job: &Job<'_>) -> CmdResult<PredictionWriter<Output>> {
    let args = job.args;
    let out = input::open_output(args.output.as_deref())?;
    let row_index = args.row_index || job.shard.is_some();
    PredictionWriter::new(out, job.columns, row_index, args.id.as_deref())
        .map_err(|e| write_failed(args, e))
}

/// The data file, opened for reading in batches, and the columns of the
/// model's features in it.
fn open(job: &Job<'_>) -> CmdResult<(CsvBatches, FeatureColumns)> {
    let args = job.args;
    let opts = input::csv_options(&args.csv)?;
    let mut csv = reading(CsvBatches::open(&args.data, &opts))?;
    if let Some(bytes) = batch_bytes()? {
        csv = csv.with_batch_bytes(bytes);
    }
    let header = Header {
        path: csv.path(),
        names: csv.column_names(),
    };
    let skip: Vec<&str> = args.id.as_deref().into_iter().collect();
    let columns = FeatureColumns::from_header(job.loaded, header, &skip, args.strict_categories)?;
    Ok((csv, columns))
}

/// `$GBDT_PREDICT_BATCH_BYTES`, when set.
fn batch_bytes() -> CmdResult<Option<u64>> {
    let Ok(value) = std::env::var(BATCH_BYTES_ENV) else {
        return Ok(None);
    };
    match value.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(Failure::usage(format!(
            "{BATCH_BYTES_ENV}='{value}' is not a whole number of bytes above 0"
        ))),
    }
}

/// The batch's rows in the shard (data row numbers, counted from the
/// file's first row) and their features.
fn shard_rows(shard: Option<Shard>, first: usize, x: Array2<f32>) -> (Vec<usize>, Array2<f32>) {
    let all = first..first + x.nrows();
    match shard {
        None => (all.collect(), x),
        Some(s) => {
            let rows: Vec<usize> = all.filter(|r| r % s.count == s.index).collect();
            let local: Vec<usize> = rows.iter().map(|r| r - first).collect();
            (rows, x.select(Axis(0), &local))
        }
    }
}
