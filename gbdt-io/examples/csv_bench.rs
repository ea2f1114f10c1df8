//! Times reading a CSV file into the f32 feature matrix and reports peak memory.
//!
//! ```text
//! cargo run --release -p gbdt-io --example csv_bench -- --generate /tmp/bench.csv 1000000 29
//! cargo run --release -p gbdt-io --example csv_bench -- /tmp/bench.csv
//! ```
//! Compare with: `/usr/bin/time -v python3 -c "import pandas,time; t=time.time();
//! df=pandas.read_csv('/tmp/bench.csv'); x=df.to_numpy('float32'); print(time.time()-t)"`

use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, path, rows, cols] if flag == "--generate" => {
            generate(Path::new(path), rows.parse()?, cols.parse()?)
        }
        [path] => measure(Path::new(path), false),
        [flag, path] if flag == "--in-memory" => measure(Path::new(path), true),
        _ => {
            Err("usage: csv_bench [--in-memory] FILE | csv_bench --generate FILE ROWS COLS".into())
        }
    }
}

/// Numbers like `-1.23456` and `0.5`, a label column first; a fixed seed.
fn generate(path: &Path, rows: usize, cols: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let header: Vec<String> = (0..cols)
        .map(|j| {
            if j == 0 {
                "label".to_string()
            } else {
                format!("f{j}")
            }
        })
        .collect();
    writeln!(out, "{}", header.join(","))?;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut line = String::new();
    for _ in 0..rows {
        line.clear();
        for j in 0..cols {
            if j > 0 {
                line.push(',');
            }
            let r = next();
            if j == 0 {
                line.push_str(if r.is_multiple_of(2) { "0" } else { "1" });
            } else {
                let v = ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 6.0;
                line.push_str(&format!("{v:.5}"));
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

/// Times `read_csv` (streamed for large files), or with `in_memory` reading
/// the whole file first and parsing the bytes.
fn measure(path: &Path, in_memory: bool) -> Result<(), Box<dyn std::error::Error>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let exec = gbdt_core::Executor::new(threads)?;
    let t = Instant::now();
    let opts = gbdt_io::CsvOptions::default();
    let table = if in_memory {
        gbdt_io::parse_csv(std::fs::read(path)?, path, &opts, &exec)?
    } else {
        gbdt_io::read_csv(path, &opts, &exec)?
    };
    let parsed = t.elapsed();
    let names: Vec<String> = table
        .column_names()
        .iter()
        .filter(|n| table.column_type(n) != Some(gbdt_io::ColumnType::String))
        .cloned()
        .collect();
    let x = gbdt_io::prediction_features(&table, &gbdt_io::ModelFeatures::numeric(&names), &exec)?;
    let total = t.elapsed();
    println!(
        "rows {} cols {}: read_csv {:.3}s, to f32 matrix {:.3}s, total {:.3}s; peak RSS {} MB",
        x.nrows(),
        x.ncols(),
        parsed.as_secs_f64(),
        (total - parsed).as_secs_f64(),
        total.as_secs_f64(),
        peak_rss_mb()
    );
    Ok(())
}

fn peak_rss_mb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or_else(|| "?".to_string(), |kb| (kb / 1024).to_string())
}
