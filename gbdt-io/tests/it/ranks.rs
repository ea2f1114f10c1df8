//! Reading on several ranks (threads of this process through gbdt-core's
//! `InProcess`): each rank reads its line range of one file, or its own
//! file, and the ranks' selected data put together is what one process
//! reading the whole file selects, down to the trained model's bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gbdt_core::{Collective, Executor, GrowPolicy, InProcess, Objective, Params, Trainer};
use gbdt_io::{
    parse_target_on, read_csv, read_csv_part, training_data, CsvOptions, DataPart, Selection,
    TrainingData,
};

use super::util::temp_dir;

/// Rows with every kind of column whose type or categories only all the
/// rows decide: an identifier, text categories with missing values (one
/// category only in the last rows), a column empty in the first rows, a
/// number column with text only near the end, a wide integer late, bools,
/// a text class label (one class only late) and numeric targets.
fn mixed(rows: usize) -> String {
    let mut s = String::from("id,color,x,late,flag,big,empty_early,kind,y,y01\n");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..rows {
        let u = next();
        let colors = ["red", "green", "blue", "teal"];
        let color = match i {
            _ if i % 13 == 0 => "",
            _ if i > rows * 9 / 10 => "violet",
            _ => colors[(u * 4.0) as usize % 4],
        };
        let x = if i % 7 == 3 {
            "NA".to_string()
        } else {
            format!("{:.3}", next() * 2.0 - 1.0)
        };
        let late = if i == rows - 3 {
            "unknown".to_string()
        } else {
            format!("{}", (next() * 50.0) as u32)
        };
        let flag = ["true", "false", ""][i % 3];
        let big = if i == rows - 5 {
            "123456789012".to_string()
        } else {
            format!("{}", i % 17)
        };
        let empty_early = if i < rows / 2 {
            String::new()
        } else {
            format!("{:.2}", next())
        };
        let xv: f64 = x.parse().unwrap_or(0.0);
        let kind = match i {
            _ if i > rows * 8 / 10 && u < 0.3 => "c",
            _ if xv + u * 0.5 > 0.2 => "a",
            _ => "b",
        };
        let y = xv * 3.0 + if color == "red" { 1.0 } else { 0.0 } + next();
        let y01 = (y > 0.5) as u8;
        s.push_str(&format!(
            "r{i},{color},{x},{late},{flag},{big},{empty_early},{kind},{y:.4},{y01}\n"
        ));
    }
    s
}

/// Runs `f(rank, executor)` on every rank of an in-process group.
fn on_ranks<R: Send>(n: usize, f: impl Fn(usize, &Executor) -> R + Sync) -> Vec<R> {
    std::thread::scope(|s| {
        let running: Vec<_> = InProcess::group(n)
            .into_iter()
            .map(|rank| {
                let f = &f;
                s.spawn(move || {
                    let r = rank.rank();
                    let exec = Executor::new(1).unwrap().with_collective(Arc::new(rank));
                    f(r, &exec)
                })
            })
            .collect();
        running.into_iter().map(|t| t.join().unwrap()).collect()
    })
}

fn select(
    path: &Path,
    part: DataPart,
    target: &str,
    exec: &Executor,
) -> gbdt_io::Result<TrainingData> {
    let table = read_csv_part(path, &CsvOptions::default(), part, exec)?;
    let rule = parse_target_on(target, &table, exec.collective())?;
    training_data(&table, &rule, &Selection::default(), exec)
}

/// The ranks' data put together (rows in rank order) must be the single
/// process's: features bit for bit, labels, categories, drops, the rule.
fn assert_same(parts: &[TrainingData], one: &TrainingData) {
    let bits = |d: &TrainingData| d.features.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let together: Vec<u32> = parts.iter().flat_map(bits).collect();
    assert!(together == bits(one), "features differ");
    let labels: Vec<f32> = parts.iter().flat_map(|d| d.labels.clone()).collect();
    assert_eq!(labels, one.labels);
    for p in parts {
        assert_eq!(p.feature_names, one.feature_names);
        assert_eq!(p.categories, one.categories);
        assert_eq!(p.dropped_columns, one.dropped_columns);
        assert_eq!(p.label_rule, one.label_rule);
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn line_ranges_select_what_one_process_selects() {
    let dir = temp_dir("ranks-lines");
    let path = write(&dir, "mixed.csv", &mixed(600));
    let exec = Executor::new(2).unwrap();
    for target in ["kind", "y", "y01", "y > 0.1", "kind == c"] {
        let table = read_csv(&path, &CsvOptions::default(), &exec).unwrap();
        let rule = gbdt_io::parse_target(target, &table).unwrap();
        let one = training_data(&table, &rule, &Selection::default(), &exec).unwrap();
        for n in 1..=4 {
            let parts: Vec<TrainingData> = on_ranks(n, |_, e| {
                select(&path, DataPart::LineRange, target, e).unwrap_or_else(|e| panic!("{e}"))
            });
            assert_same(&parts, &one);
            assert!(
                n == 1 || parts.iter().all(|p| p.labels.len() < one.labels.len()),
                "{n} ranks each hold a part"
            );
        }
    }
    // The selection decided on all rows: 'late' is text (one late value),
    // so it is categorical; 'id' is dropped; 'violet' is a category.
    let table = read_csv(&path, &CsvOptions::default(), &exec).unwrap();
    let rule = gbdt_io::parse_target("kind", &table).unwrap();
    let one = training_data(&table, &rule, &Selection::default(), &exec).unwrap();
    assert_eq!(one.dropped_columns[0].name, "id");
    assert!(one.categorical_features().iter().any(|c| c.0 == "late"));
    assert!(one
        .categories
        .iter()
        .any(|c| c.names.iter().any(|n| n == "violet")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ranks_train_the_model_of_one_process() {
    let dir = temp_dir("ranks-model");
    let path = write(&dir, "mixed.csv", &mixed(500));
    let exec = Executor::new(1).unwrap();
    for (target, objective) in [
        ("y01", Objective::Logistic),
        ("y", Objective::SquaredError),
        ("kind", Objective::Softmax),
    ] {
        for grow in [GrowPolicy::DepthWise, GrowPolicy::LossGuide] {
            let params = Params {
                objective,
                num_class: if objective == Objective::Softmax {
                    3
                } else {
                    0
                },
                num_rounds: 6,
                use_quantized_grad: true,
                grow_policy: grow,
                max_leaves: 8,
                ..Params::default()
            };
            let train = |data: &TrainingData, e: &Executor| {
                let ds = data.dataset().unwrap();
                let model = Trainer::with_executor(&params, &ds, e)
                    .and_then(|t| t.train(&[], |_| std::ops::ControlFlow::Continue(())))
                    .unwrap_or_else(|e| panic!("{e}"));
                serde_json::to_string(&model).unwrap()
            };
            let table = read_csv(&path, &CsvOptions::default(), &exec).unwrap();
            let rule = gbdt_io::parse_target(target, &table).unwrap();
            let one = training_data(&table, &rule, &Selection::default(), &exec).unwrap();
            let expected = train(&one, &exec);
            for n in 2..=3 {
                let models = on_ranks(n, |_, e| {
                    let data = select(&path, DataPart::LineRange, target, e).unwrap();
                    train(&data, e)
                });
                for m in &models {
                    assert!(
                        m == &expected,
                        "{target}, {grow:?}, {n} ranks: model differs"
                    );
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_per_rank_agree_and_must_share_a_header() {
    let dir = temp_dir("ranks-files");
    let text = mixed(300);
    let whole = write(&dir, "whole.csv", &text);
    let lines: Vec<&str> = text.lines().collect();
    let (header, rows) = (lines[0], &lines[1..]);
    for (k, part) in [&rows[..120], &rows[120..200], &rows[200..]]
        .iter()
        .enumerate()
    {
        write(
            &dir,
            &format!("part-{k}.csv"),
            &format!("{header}\n{}\n", part.join("\n")),
        );
    }
    let exec = Executor::new(1).unwrap();
    let table = read_csv(&whole, &CsvOptions::default(), &exec).unwrap();
    let rule = gbdt_io::parse_target("kind", &table).unwrap();
    let one = training_data(&table, &rule, &Selection::default(), &exec).unwrap();
    let parts = on_ranks(3, |r, e| {
        let path = dir.join(format!("part-{r}.csv"));
        select(&path, DataPart::WholeFile, "kind", e).unwrap_or_else(|e| panic!("{e}"))
    });
    assert_same(&parts, &one);

    // Rank 1's file has another header: every rank fails, naming it.
    let bad = write(&dir, "bad-1.csv", &text.replacen("late", "later", 1));
    let errors = on_ranks(2, |r, e| {
        let path = if r == 1 { bad.clone() } else { whole.clone() };
        select(&path, DataPart::WholeFile, "kind", e)
            .unwrap_err()
            .to_string()
    });
    for e in &errors {
        assert!(
            e.contains("rank 1 reads") && e.contains("bad-1.csv") && e.contains("whole.csv"),
            "{e}"
        );
        assert!(
            e.contains("column 4 is 'later' there, 'late' on rank 0"),
            "{e}"
        );
    }
    // Rank 1's file is missing: rank 1 names it, rank 0 names rank 1.
    let errors = on_ranks(2, |r, e| {
        let path = dir.join(format!("missing-{r}.csv"));
        let path = if r == 0 { whole.clone() } else { path };
        select(&path, DataPart::WholeFile, "kind", e)
            .unwrap_err()
            .to_string()
    });
    assert!(errors[1].contains("missing-1.csv"), "{}", errors[1]);
    assert!(
        errors[0].starts_with("rank 1 failed: ") && errors[0].contains("missing-1.csv"),
        "{}",
        errors[0]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_keep_the_file_line_and_name_the_failing_rank() {
    let dir = temp_dir("ranks-errors");
    let mut text = mixed(400);
    let line = text.lines().count() - 2; // a line in the last rank's range
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[line - 1] = "oops,1,2".to_string();
    text = lines.join("\n") + "\n";
    let path = write(&dir, "bad.csv", &text);
    let exec = Executor::new(1).unwrap();
    let single = read_csv(&path, &CsvOptions::default(), &exec)
        .unwrap_err()
        .to_string();
    assert!(
        single.contains(&format!("line {line}: 3 fields")),
        "{single}"
    );
    let errors = on_ranks(3, |_, e| {
        read_csv_part(&path, &CsvOptions::default(), DataPart::LineRange, e)
            .unwrap_err()
            .to_string()
    });
    assert_eq!(errors[2], single);
    for e in &errors[..2] {
        assert_eq!(e, &format!("rank 2 failed: {single}"));
    }
    // A quoted line break: where it falls at the cut between the two
    // ranks, both fail saying so; elsewhere they read what one process does.
    let mut hits = 0;
    for at in 0..40 {
        let mut q = String::from("a,b\n");
        for i in 0..40 {
            match i == at {
                true => q.push_str("99,\"two\nlines\"\n"),
                false => q.push_str(&format!("{i},x{i}\n")),
            }
        }
        let path = write(&dir, "quoted.csv", &q);
        let whole = read_csv(&path, &CsvOptions::default(), &exec).unwrap();
        let out = on_ranks(2, |_, e| {
            read_csv_part(&path, &CsvOptions::default(), DataPart::LineRange, e)
                .map(|t| t.string_column("b").unwrap())
                .map_err(|e| e.to_string())
        });
        if out.iter().all(|o| o.is_ok()) {
            let b: Vec<String> = out.into_iter().flat_map(|o| o.unwrap()).collect();
            assert_eq!(
                b,
                whole.string_column("b").unwrap(),
                "quoted record at row {at}"
            );
            continue;
        }
        hits += 1;
        for o in &out {
            let e = o.as_ref().unwrap_err();
            assert!(
                e.contains("a quoted field holds a line break where the rows of rank 0 end"),
                "{e}"
            );
        }
    }
    assert_eq!(
        hits, 1,
        "one position puts the quoted line break at the cut"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
