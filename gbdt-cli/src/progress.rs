//! Training progress on stderr: a one-line bar redrawn with `\r` on a
//! terminal, plain log lines every few rounds otherwise (pipes, `docker logs`).

use std::io::Write;
use std::time::{Duration, Instant};

use gbdt_core::{EvalResult, RoundEval};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing (`--quiet`).
    Silent,
    /// One line redrawn in place.
    Bar,
    /// A log line every `every` rounds, and at the last round.
    Log {
        /// Rounds between lines.
        every: usize,
    },
}

/// Picks the progress mode. A pure function of its inputs so it can be tested:
/// quiet wins; a terminal gets the bar unless `--verbose` asks for every round
/// in the log; anything else gets about ten log lines per run.
pub fn select_mode(stderr_is_terminal: bool, quiet: bool, verbose: bool, rounds: usize) -> Mode {
    if quiet {
        Mode::Silent
    } else if verbose {
        Mode::Log { every: 1 }
    } else if stderr_is_terminal {
        Mode::Bar
    } else {
        Mode::Log {
            every: rounds.div_ceil(10).max(1),
        }
    }
}

/// Formats seconds compactly: `4.2s`, `3m05s`, `1h02m`.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        let s = s.round() as u64;
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        let m = (s / 60.0).round() as u64;
        format!("{}h{:02}m", m / 60, m % 60)
    }
}

/// `valid-auc=0.91234 valid-logloss=0.2101`.
pub fn format_metrics(results: &[EvalResult]) -> String {
    results
        .iter()
        .map(|r| format!("{}-{}={:.6}", r.dataset, r.metric, r.value))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Estimated time left after `done` of `total` rounds took `elapsed`.
pub fn eta(elapsed: Duration, done: usize, total: usize) -> Duration {
    if done == 0 {
        return Duration::ZERO;
    }
    elapsed.mul_f64(total.saturating_sub(done) as f64 / done as f64)
}

/// Draws progress for one training run.
pub struct Progress<W: Write> {
    mode: Mode,
    out: W,
    start: Instant,
    last_draw: Option<Instant>,
    drew_bar: bool,
}

impl<W: Write> Progress<W> {
    /// A progress display writing to `out`.
    pub fn new(mode: Mode, out: W) -> Self {
        Progress {
            mode,
            out,
            start: Instant::now(),
            last_draw: None,
            drew_bar: false,
        }
    }

    /// The line for a finished round.
    pub fn line(&self, ev: &RoundEval<'_>) -> String {
        let done = ev.round + 1;
        let elapsed = self.start.elapsed();
        let width = ev.num_rounds.to_string().len();
        let mut s = format!(
            "round {done:>width$}/{} elapsed {} eta {}",
            ev.num_rounds,
            format_duration(elapsed),
            format_duration(eta(elapsed, done, ev.num_rounds)),
        );
        if !ev.results.is_empty() {
            s.push(' ');
            s.push_str(&format_metrics(ev.results));
        }
        s
    }

    /// Called after every round. Errors writing to stderr are ignored:
    /// progress must never stop training.
    pub fn round(&mut self, ev: &RoundEval<'_>) {
        let last = ev.round + 1 == ev.num_rounds;
        match self.mode {
            Mode::Silent => {}
            Mode::Log { every } => {
                if (ev.round + 1) % every == 0 || last || ev.round == 0 {
                    let line = self.line(ev);
                    let _ = writeln!(self.out, "gbdt: {line}");
                }
            }
            Mode::Bar => {
                let now = Instant::now();
                let due = self.last_draw.map_or(true, |t| {
                    now.duration_since(t) >= Duration::from_millis(100)
                });
                if due || last {
                    let line = self.line(ev);
                    let bar = bar(ev.round + 1, ev.num_rounds, 20);
                    // Clear to the end of the line: the new text may be shorter.
                    let _ = write!(self.out, "\r\x1b[2Kgbdt: {bar} {line}");
                    let _ = self.out.flush();
                    self.last_draw = Some(now);
                    self.drew_bar = true;
                }
            }
        }
    }

    /// Ends the bar's line (training may stop before the last round).
    pub fn finish(&mut self) {
        if self.drew_bar {
            let _ = writeln!(self.out);
            self.drew_bar = false;
        }
    }

    /// The writer, for tests.
    #[cfg(test)]
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// `[#########-----------]`.
pub fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width)
        .checked_div(total)
        .unwrap_or(width)
        .min(width);
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gbdt_core::Metric;

    #[test]
    fn mode_follows_terminal_and_flags() {
        assert_eq!(select_mode(true, false, false, 100), Mode::Bar);
        assert_eq!(
            select_mode(false, false, false, 100),
            Mode::Log { every: 10 }
        );
        assert_eq!(select_mode(false, false, false, 5), Mode::Log { every: 1 });
        assert_eq!(
            select_mode(false, false, false, 101),
            Mode::Log { every: 11 }
        );
        assert_eq!(select_mode(true, true, false, 100), Mode::Silent);
        assert_eq!(select_mode(false, true, false, 100), Mode::Silent);
        assert_eq!(select_mode(true, false, true, 100), Mode::Log { every: 1 });
    }

    fn ev(round: usize, results: &[EvalResult]) -> RoundEval<'_> {
        RoundEval {
            round,
            num_rounds: 20,
            results,
            best_iteration: None,
        }
    }

    #[test]
    fn log_mode_prints_first_every_nth_and_last_round() {
        let results = [EvalResult {
            dataset: "valid".into(),
            metric: Metric::Auc,
            value: 0.875,
        }];
        let mut p = Progress::new(Mode::Log { every: 5 }, Vec::new());
        for r in 0..20 {
            p.round(&ev(r, &results));
        }
        p.finish();
        let text = String::from_utf8(p.into_inner()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(
            lines[0].starts_with("gbdt: round  1/20 elapsed "),
            "{}",
            lines[0]
        );
        assert!(lines[1].starts_with("gbdt: round  5/20"), "{}", lines[1]);
        assert!(lines[4].ends_with("valid-auc=0.875000"), "{}", lines[4]);
        assert!(!text.contains('\r'));
    }

    #[test]
    fn bar_mode_redraws_one_line() {
        let mut p = Progress::new(Mode::Bar, Vec::new());
        for r in 0..20 {
            p.round(&ev(r, &[]));
        }
        p.finish();
        let text = String::from_utf8(p.into_inner()).unwrap();
        assert!(text.starts_with("\r\x1b[2Kgbdt: [#---"), "{text:?}");
        assert!(
            text.contains("[####################] round 20/20"),
            "{text:?}"
        );
        assert_eq!(text.matches('\n').count(), 1);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn durations_and_eta() {
        assert_eq!(format_duration(Duration::from_millis(4200)), "4.2s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3m05s");
        assert_eq!(format_duration(Duration::from_secs(3720)), "1h02m");
        assert_eq!(eta(Duration::from_secs(10), 5, 20), Duration::from_secs(30));
        assert_eq!(eta(Duration::from_secs(10), 0, 20), Duration::ZERO);
        assert_eq!(bar(5, 10, 4), "[##--]");
        assert_eq!(bar(0, 0, 4), "[####]");
    }
}
