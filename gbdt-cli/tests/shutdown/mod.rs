//! SIGTERM and SIGINT during `gbdt train`: training stops at the end of the
//! round, within a second, with exit 143 (130), a message, and no model.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{bin, small_csv, TempDir};

/// Starts a training that would run for minutes, waits for its first
/// progress line, sends `signal`, and checks how it ends.
fn stop_training_with(signal: &str, code: i32) {
    let dir = TempDir::new(&format!("signal-{signal}"));
    let data = dir.write("d.csv", &small_csv(20_000, 3));
    let out = dir.file("m.gbdt");
    let mut child = bin()
        .args(["train", &data, "--target", "y", "-o", &out])
        .args(["--rounds", "1000000", "--threads", "2"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gbdt starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut seen = String::new();
    while !seen.contains("round") {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).expect("stderr") > 0,
            "no progress: {seen}"
        );
        seen.push_str(&line);
    }
    let sent = Instant::now();
    let kill = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    stderr.read_to_string(&mut seen).expect("stderr");
    let status = child.wait().expect("gbdt ends");
    let took = sent.elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?} to stop");
    assert_eq!(status.code(), Some(code), "{seen}");
    assert!(
        seen.contains(&format!(
            "stopped by SIG{signal} during training; no model written"
        )),
        "{seen}"
    );
    assert!(!std::path::Path::new(&out).exists(), "a model was written");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "d.csv")
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

#[test]
fn sigterm_stops_training_within_a_second_with_exit_143_and_no_model() {
    stop_training_with("TERM", 143);
}

#[test]
fn sigint_stops_training_with_exit_130() {
    stop_training_with("INT", 130);
}

/// A run stopped after a checkpoint and resumed gives the bytes of an
/// uninterrupted run, and the checkpoint is removed once the model is saved.
#[test]
fn resume_after_a_kill_gives_the_uninterrupted_model() {
    let dir = TempDir::new("resume");
    let data = dir.write("d.csv", &small_csv(20_000, 5));
    let common = [
        "--target",
        "y",
        "--rounds",
        "400",
        "--max-depth",
        "8",
        "--threads",
        "2",
    ];
    let full = dir.file("full.gbdt");
    let status = bin()
        .args(["train", &data, "-o", &full])
        .args(common)
        .stderr(Stdio::null())
        .status()
        .expect("gbdt runs");
    assert!(status.success());

    let out = dir.file("m.gbdt");
    let ckpt = format!("{out}.checkpoint");
    let args = [
        "train",
        &data,
        "-o",
        &out,
        "--checkpoint-every",
        "7",
        "--resume",
    ];
    let resume = || {
        bin()
            .args(args)
            .args(common)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gbdt starts")
    };
    let mut first = resume();
    let started = Instant::now();
    while !std::path::Path::new(&ckpt).exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "no checkpoint");
        std::thread::sleep(Duration::from_millis(5));
    }
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    assert!(
        !std::path::Path::new(&out).exists(),
        "the first run finished"
    );
    let second = resume().wait_with_output().expect("resumed run ends");
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{said}");
    let resumed = format!("resuming from checkpoint {ckpt} (");
    assert!(
        said.contains(&resumed) && said.contains(" of 400 rounds done)"),
        "{said}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&full).unwrap());
    assert!(
        !std::path::Path::new(&ckpt).exists(),
        "checkpoint left behind"
    );
}

/// Kills `gbdt ARGS` with SIGKILL after `delay` unless it ends first.
fn kill_after(args: &[&str], dir: &std::path::Path, delay: Duration) {
    let mut child = bin()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gbdt starts");
    let started = Instant::now();
    while started.elapsed() < delay {
        if child.try_wait().expect("status").is_some() {
            return;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = child.kill();
    child.wait().expect("reaped");
}

/// Seconds from the start of the run to the start and the end of its save,
/// from a `--report-json` file.
fn save_window(report: &str) -> (f64, f64) {
    let v: serde_json::Value = serde_json::from_str(report).expect("report JSON");
    let t = &v["timings"];
    let total = t["total_s"].as_f64().expect("total_s");
    (total - t["save_s"].as_f64().expect("save_s"), total)
}

/// SIGKILL at 100 moments of the save (a 1 MB JSON model, timed by a first
/// run's report), and of a prediction run: the output path always holds
/// the previous complete file or the new complete one, never a part.
#[test]
fn sigkill_during_the_save_leaves_the_old_or_the_new_file() {
    let dir = TempDir::new("sigkill");
    let data = dir.write("d.csv", &small_csv(3_000, 9));
    let (model, report, preds) = (dir.file("m.json"), dir.file("r.json"), dir.file("p.csv"));
    let mut train = vec!["train", &data, "--target", "y", "-o", &model];
    train.extend(["--rounds", "40", "--max-depth", "8", "--quiet"]);
    let mut first = train.clone();
    first.extend(["--report-json", &report]);
    kill_after(&first, dir.path(), Duration::from_secs(60));
    let (save_start, save_end) = save_window(&std::fs::read_to_string(&report).unwrap());
    let new_model = std::fs::read(&model).unwrap();
    let old_model = b"{\"previous\": \"model\"}".to_vec();
    let (mut old_seen, mut new_seen, mut partial_temps) = (0, 0, 0);
    // 100 kills, and up to 200 more while no kill has yet landed inside
    // the save (timing jitter on a busy machine).
    let mut i = 0u32;
    while i < 100 || (i < 300 && (partial_temps == 0 || old_seen == 0 || new_seen == 0)) {
        std::fs::write(&model, &old_model).unwrap();
        // From a little before the save to a little after it; after the
        // first 100, the window reaches further past the first run's save
        // (runs on a loaded machine start and save later than it did).
        let f = f64::from(i % 100) / 99.0;
        let late = f64::from(i.saturating_sub(100)) / 200.0 * 0.5;
        let at = save_start - 0.002 + (save_end - save_start + 0.004 + late) * f;
        kill_after(&train, dir.path(), Duration::from_secs_f64(at.max(0.0)));
        let got = std::fs::read(&model).unwrap();
        assert!(
            got == old_model || got == new_model,
            "kill {i} at {at:.3}s: a partial model"
        );
        if got == old_model {
            old_seen += 1
        } else {
            new_seen += 1
        }
        partial_temps += remove_temps(dir.path());
        i += 1;
    }
    assert!(
        old_seen > 0 && new_seen > 0,
        "old {old_seen}, new {new_seen}"
    );
    assert!(partial_temps > 0, "no kill landed inside the save");
    // predict --output, killed at moments spread over its run.
    std::fs::write(&model, &new_model).unwrap();
    let predict = ["predict", &model, &data, "-o", &preds];
    let started = Instant::now();
    kill_after(&predict, dir.path(), Duration::from_secs(60));
    let predict_time = started.elapsed();
    let new_preds = std::fs::read(&preds).unwrap();
    for i in 0..100u32 {
        std::fs::write(&preds, b"old predictions").unwrap();
        kill_after(
            &predict,
            dir.path(),
            predict_time.mul_f64(f64::from(i) / 90.0),
        );
        let got = std::fs::read(&preds).unwrap();
        assert!(
            got == b"old predictions" || got == new_preds,
            "kill {i}: partial predictions"
        );
        remove_temps(dir.path());
    }
}

/// Removes the temporary files killed runs left (named `.NAME.gbdt-tmp-…`
/// so that users can see what they are) and counts them; any other new
/// file fails the test.
fn remove_temps(dir: &std::path::Path) -> usize {
    let mut temps = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.contains(".gbdt-tmp-") {
            std::fs::remove_file(entry.path()).unwrap();
            temps += 1;
        } else {
            assert!(
                ["d.csv", "m.json", "r.json", "p.csv"].contains(&name.as_str()),
                "unexpected {name}"
            );
        }
    }
    temps
}
