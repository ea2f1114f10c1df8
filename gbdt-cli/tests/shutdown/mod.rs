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
