//! `gbdt predict`: model + CSV in, a CSV of predictions out.

use std::fmt::{Display, Write as _};
use std::io::{self, Write};
use std::time::Instant;

use gbdt_core::{Executor, Model, PredictOptions};
use gbdt_io::{LabelRule, LibsvmOptions};
use ndarray::{Array2, ArrayView2, Axis};
use serde_json::json;

use crate::cli::PredictArgs;
use crate::columns::FeatureColumns;
use crate::config::check_threads;
use crate::contrib;
use crate::data_file::{self, DataFile};
use crate::exit::{core, CmdResult, Failure};
use crate::input::{self, reading, LoadedModel};

pub mod outputs;
mod stream;

/// The environment variable a Kubernetes Indexed Job sets in each pod.
pub const SHARD_INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// Rows `i` with `i % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// Number of shards, at least 1.
    pub count: usize,
}

impl Shard {
    fn new(index: usize, count: usize, source: &str) -> CmdResult<Shard> {
        if count == 0 {
            return Err(Failure::usage(format!(
                "bad shard count 0 ({source}); give at least 1 shard"
            )));
        }
        if index >= count {
            return Err(Failure::usage(format!(
                "shard index {index} is out of range for {count} shards ({source}); \
                 indexes run from 0 to {}",
                count - 1
            )));
        }
        Ok(Shard { index, count })
    }

    /// Parses `I/N`.
    pub fn parse(spec: &str) -> CmdResult<Shard> {
        let bad = || {
            Failure::usage(format!(
                "bad value for --shard: '{spec}'; write I/N with 0 <= I < N, e.g. --shard 0/4"
            ))
        };
        let (i, n) = spec.split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n, "--shard")
    }

    /// The index from `$JOB_COMPLETION_INDEX` (given as `env`), N from `--shards`.
    pub fn from_env(env: Option<&str>, count: usize) -> CmdResult<Shard> {
        let value = env.ok_or_else(|| {
            Failure::usage(format!(
                "--shard-from-env: environment variable {SHARD_INDEX_ENV} is not set; \
                 it is set in Kubernetes Indexed Jobs, or set it yourself"
            ))
        })?;
        let index = value.trim().parse().map_err(|_| {
            Failure::usage(format!(
                "--shard-from-env: {SHARD_INDEX_ENV}='{value}' is not a whole number >= 0"
            ))
        })?;
        Shard::new(index, count, &format!("{SHARD_INDEX_ENV} and --shards"))
    }

    /// The row indexes of this shard among `rows` rows.
    pub fn rows(&self, rows: usize) -> Vec<usize> {
        (self.index..rows).step_by(self.count).collect()
    }
}

/// Writes the prediction CSV. `rows[i]` is the data row index of output row
/// `i` (written in a `row` column when `row_index`), `ids` the optional ID
/// column (indexed by data row). See [`PredictionWriter`].
pub fn write_predictions(
    out: &mut dyn Write,
    columns: &[String],
    preds: &Array2<f64>,
    rows: &[usize],
    row_index: bool,
    ids: Option<(&str, &[String])>,
) -> io::Result<()> {
    let mut w = PredictionWriter::new(out, columns, row_index, ids.map(|(name, _)| name))?;
    w.rows(preds, rows, ids.map(|(_, ids)| (ids, 0)))?;
    w.finish().map(drop)
}

/// The prediction CSV, written a batch of rows at a time. The csv crate
/// quotes headers and IDs where needed and checks that every record has as
/// many fields as the header. Floats use Rust's shortest representation
/// that parses back to the same f64 (`Display`, never an exponent), so
/// output is exact and deterministic.
pub struct PredictionWriter<W: Write> {
    w: csv::Writer<W>,
    text: String,
    row_index: bool,
}

impl<W: Write> PredictionWriter<W> {
    /// Writes the header: `row` when `row_index`, the ID column's name,
    /// then `columns`.
    pub fn new(
        out: W,
        columns: &[String],
        row_index: bool,
        id_name: Option<&str>,
    ) -> io::Result<Self> {
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<&str> = Vec::with_capacity(columns.len() + 2);
        if row_index {
            header.push("row");
        }
        header.extend(id_name);
        header.extend(columns.iter().map(String::as_str));
        w.write_record(&header).map_err(io_error)?;
        Ok(PredictionWriter {
            w,
            text: String::with_capacity(32),
            row_index,
        })
    }

    /// Writes `preds`: output row `i` is data row `rows[i]`, whose ID is
    /// `ids[rows[i] - first]` for `ids = Some((ids, first))`.
    pub fn rows(
        &mut self,
        preds: &Array2<f64>,
        rows: &[usize],
        ids: Option<(&[String], usize)>,
    ) -> io::Result<()> {
        let (w, text) = (&mut self.w, &mut self.text);
        for (pred, &row) in preds.outer_iter().zip(rows) {
            if self.row_index {
                write_number(w, text, row)?;
            }
            if let Some((ids, first)) = ids {
                w.write_field(&ids[row - first]).map_err(io_error)?;
            }
            for v in pred {
                write_number(w, text, v)?;
            }
            w.write_record(None::<&[u8]>).map_err(io_error)?;
        }
        Ok(())
    }

    /// Flushes what the csv writer holds and gives the output back.
    pub fn finish(self) -> io::Result<W> {
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

/// Writes one field with its `Display` form, reusing `text`.
fn write_number<W: Write>(
    w: &mut csv::Writer<W>,
    text: &mut String,
    value: impl Display,
) -> io::Result<()> {
    text.clear();
    let _ = write!(text, "{value}");
    w.write_field(text.as_bytes()).map_err(io_error)
}

/// The I/O error inside a csv error, so that a closed pipe is still seen as
/// one (`Failure::is_broken_pipe`).
fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("CSV writer: {other:?}")),
    }
}

/// What one prediction run needs, whichever way its data is read.
pub(crate) struct Job<'a> {
    pub args: &'a PredictArgs,
    pub loaded: &'a LoadedModel,
    pub shard: Option<Shard>,
    /// The output's prediction (or contribution) columns.
    pub columns: &'a [String],
    pub exec: &'a Executor,
}

/// Rows written and seconds spent reading, predicting and writing.
#[derive(Default)]
pub(crate) struct Done {
    pub rows: usize,
    pub load_s: f64,
    pub predict_s: f64,
    pub write_s: f64,
}

/// Runs `gbdt predict`: a CSV file is read and written in batches
/// ([`stream`]), standard input and LibSVM data in memory.
pub fn run(args: &PredictArgs) -> CmdResult<()> {
    let start = Instant::now();
    let exec = input::executor(check_threads(args.threads)?)?;
    let shard = shard_of(args)?;
    input::csv_options(&args.csv)?;
    check_paths(args)?;

    let loaded = input::load_model(&args.model, &args.model_format)?;
    let model = &loaded.file.model;
    let columns = output_columns(args, model, loaded.file.label_rule.as_ref());
    let job = Job {
        args,
        loaded: &loaded,
        shard,
        columns: &columns,
        exec: &exec,
    };
    let done = match stream::streams(args)? {
        true => stream::predict(&job)?,
        false => predict_in_memory(&job, start)?,
    };
    if let Some(path) = &args.report_json {
        let timings = json!({
            "load_s": done.load_s,
            "predict_s": done.predict_s,
            "write_s": done.write_s,
            "total_s": start.elapsed().as_secs_f64(),
        });
        input::write_report(path, &report(args, done.rows, shard, &columns, timings))?;
    }
    Ok(())
}

/// Reads all the data, predicts, then writes.
fn predict_in_memory(job: &Job<'_>, start: Instant) -> CmdResult<Done> {
    let args = job.args;
    let (mut features, ids) = read_features(args, job.loaded, job.exec)?;
    let rows: Vec<usize> = match job.shard {
        Some(s) => {
            let rows = s.rows(features.nrows());
            features = features.select(Axis(0), &rows);
            rows
        }
        None => (0..features.nrows()).collect(),
    };
    let load_s = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let preds = predict_rows(job, features.view())?;
    let predict_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut out = input::open_output(args.output.as_deref())?;
    let row_index = args.row_index || job.shard.is_some();
    let id_column = args.id.as_deref().zip(ids.as_deref());
    write_predictions(&mut out, job.columns, &preds, &rows, row_index, id_column)
        .and_then(|()| out.finish())
        .map_err(|e| write_failed(args, e))?;
    Ok(Done {
        rows: rows.len(),
        load_s,
        predict_s,
        write_s: t.elapsed().as_secs_f64(),
    })
}

/// Predictions (or contributions, `--contrib`) of `features`, on the
/// command's one executor.
pub(crate) fn predict_rows(job: &Job<'_>, features: ArrayView2<'_, f32>) -> CmdResult<Array2<f64>> {
    let model = &job.loaded.file.model;
    if job.args.contrib {
        return contrib::contributions(model, features, job.exec);
    }
    let options = PredictOptions {
        raw: job.args.raw,
        rounds: None,
        threads: None,
        executor: Some(job.exec.clone()),
    };
    core(model.predict_with(features, &options))
}

/// The failure of writing the output (exit 1; a closed pipe stays one).
pub(crate) fn write_failed(args: &PredictArgs, e: io::Error) -> Failure {
    let target = args
        .output
        .as_ref()
        .map_or("stdout".to_string(), |p| p.display().to_string());
    Failure {
        code: crate::exit::Code::Runtime,
        error: anyhow::Error::new(e).context(format!("cannot write predictions to {target}")),
    }
}

/// The model's features from the data (CSV columns by name, LibSVM
/// indices by position; see [`data_file`]) and the `--id` column's values.
fn read_features(
    args: &PredictArgs,
    loaded: &LoadedModel,
    exec: &Executor,
) -> CmdResult<(Array2<f32>, Option<Vec<String>>)> {
    let opts = LibsvmOptions {
        base: None,
        num_features: Some(loaded.file.model.num_features()),
    };
    let table = match data_file::read_data(&args.data, &args.csv, opts, exec)? {
        DataFile::Csv(table) => table,
        DataFile::Libsvm(_) if args.id.is_some() => {
            return Err(data_file::no_columns("--id", &args.data))
        }
        DataFile::Libsvm(d) => return Ok((d.features, None)),
    };
    let skip: Vec<&str> = args
        .id
        .as_deref()
        .into_iter()
        .chain(args.group.as_deref())
        .collect();
    let columns = FeatureColumns::new(loaded, &table, &skip, args.strict_categories)?;
    let features = reading(gbdt_io::prediction_features(
        &table,
        &columns.model_features(),
        exec,
    ))?;
    let ids = match &args.id {
        Some(col) => Some(reading(table.string_column(col))?),
        None => None,
    };
    Ok((features, ids))
}

/// Checks the prediction and report outputs against the inputs and for
/// writability (see [`input::check_outputs`]) before anything is read.
fn check_paths(args: &PredictArgs) -> CmdResult<()> {
    let outputs: Vec<(&std::path::Path, &str)> = [
        args.output.as_deref().map(|p| (p, "--output")),
        args.report_json.as_deref().map(|p| (p, "--report-json")),
    ]
    .into_iter()
    .flatten()
    .collect();
    let inputs = [
        (args.model.as_path(), "the model"),
        (args.data.as_path(), "the data"),
    ];
    input::check_outputs(&outputs, &inputs)
}

/// The output's column names: contributions (`--contrib`) or predictions.
fn output_columns(args: &PredictArgs, model: &Model, rule: Option<&LabelRule>) -> Vec<String> {
    let outputs = outputs::of_model(model, rule);
    if args.contrib {
        contrib::contribution_columns(model.feature_names(), &outputs)
    } else {
        outputs.iter().map(outputs::Output::column).collect()
    }
}

/// The shard from `--shard I/N` or `--shard-from-env --shards N`, if any.
fn shard_of(args: &PredictArgs) -> CmdResult<Option<Shard>> {
    Ok(match (&args.shard, args.shard_from_env, args.shards) {
        (Some(spec), _, _) => Some(Shard::parse(spec)?),
        (None, true, Some(n)) => Some(Shard::from_env(
            std::env::var(SHARD_INDEX_ENV).ok().as_deref(),
            n,
        )?),
        _ => None,
    })
}

/// The `--report-json` object of a prediction run.
fn report(
    args: &PredictArgs,
    rows: usize,
    shard: Option<Shard>,
    columns: &[String],
    timings: serde_json::Value,
) -> serde_json::Value {
    json!({
        "command": "predict",
        "model": args.model.display().to_string(),
        "data": args.data.display().to_string(),
        "output": args.output.as_ref().map(|p| p.display().to_string()),
        "rows": rows,
        "shard": shard.map(|s| json!({"index": s.index, "count": s.count})),
        "columns": columns,
        "raw": args.raw || args.contrib,
        "contrib": args.contrib,
        "os_threads": crate::report::os_threads(),
        "timings": timings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Code;

    #[test]
    fn shard_specs() {
        assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 1, count: 4 });
        assert_eq!(
            Shard::parse(" 0 / 1 ").unwrap(),
            Shard { index: 0, count: 1 }
        );
        for bad in ["4/4", "1", "a/2", "-1/2", "0/0", "1/2/3"] {
            let e = Shard::parse(bad).unwrap_err();
            assert_eq!(e.code, Code::Usage, "{bad}");
        }
        assert_eq!(Shard::parse("1/3").unwrap().rows(8), [1, 4, 7]);
        assert_eq!(Shard::from_env(Some("2"), 3).unwrap().index, 2);
        assert!(Shard::from_env(None, 3)
            .unwrap_err()
            .error
            .to_string()
            .contains(SHARD_INDEX_ENV));
        assert!(Shard::from_env(Some("3"), 3).is_err());
        assert!(Shard::from_env(Some("x"), 3).is_err());
    }

    #[test]
    fn output_is_exact_and_quoted() {
        let preds = Array2::from_shape_vec((2, 1), vec![0.1 + 0.2, 1.0 / 3.0]).unwrap();
        let ids = vec!["a,b".to_string(), "c".to_string()];
        let mut out = Vec::new();
        let cols = ["prediction".to_string()];
        write_predictions(
            &mut out,
            &cols,
            &preds,
            &[0, 1],
            true,
            Some(("Loan ID", &ids)),
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "row,Loan ID,prediction\n0,\"a,b\",0.30000000000000004\n1,c,0.3333333333333333\n"
        );
        let back: f64 = "0.3333333333333333".parse().unwrap();
        assert_eq!(back, 1.0 / 3.0);
    }

    #[test]
    fn floats_keep_their_display_form_and_headers_are_quoted() {
        let preds = Array2::from_shape_vec((1, 4), vec![1e-7, 1e21, f64::NAN, -0.0]).unwrap();
        let cols = ["a\"b", "p,1", "p\n2", "p3"].map(String::from);
        let mut out = Vec::new();
        write_predictions(&mut out, &cols, &preds, &[7], false, None).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\"\"b\",\"p,1\",\"p\n2\",p3\n0.0000001,1000000000000000000000,NaN,-0\n"
        );
    }

    /// A reader that went away, like `gbdt predict ... | head -1`.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_stays_a_broken_pipe_error() {
        let preds = Array2::zeros((3, 1));
        let cols = ["prediction".to_string()];
        let e =
            write_predictions(&mut ClosedPipe, &cols, &preds, &[0, 1, 2], true, None).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }
}
