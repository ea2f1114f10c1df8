//! Training progress on stderr: an indicatif bar on a terminal, plain log
//! lines every few rounds otherwise (pipes, `docker logs`).
//!
//! indicatif redraws the bar in place, limits redraws to 20 per second and
//! estimates the time left from a time-weighted rate of rounds. The log lines
//! read the same elapsed time and estimate from a hidden bar, so both modes
//! agree. Drawing errors are dropped by indicatif; log lines go to a writer
//! that drops them too ([`crate::diag::Stderr`]): progress never stops training.

use std::fmt;
use std::io::Write;
use std::time::Duration;

use gbdt_core::{EvalResult, RoundEval};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

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

/// True when a bar drawn on stderr would be seen: stderr is a terminal and
/// `TERM` is not `dumb` (the same test indicatif applies before drawing).
pub fn stderr_can_draw_bar() -> bool {
    !ProgressDrawTarget::stderr().is_hidden()
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

/// The metrics after a space, or nothing: the end of a progress line.
fn metrics_suffix(results: &[EvalResult]) -> String {
    if results.is_empty() {
        String::new()
    } else {
        format!(" {}", format_metrics(results))
    }
}

/// The bar's look: `gbdt: [#####---------------] round  5/20 elapsed 1.2s
/// eta 3.4s valid-auc=0.875000`, the round right-aligned to the width of
/// `rounds` so the line does not jump.
fn bar_style(rounds: usize) -> ProgressStyle {
    let width = rounds.to_string().len();
    let template = format!(
        "gbdt: [{{bar:20}}] round {{pos:>{width}}}/{{len}} \
         elapsed {{elapsed_compact}} eta {{eta_compact}}{{msg}}"
    );
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#-")
        .with_key(
            "elapsed_compact",
            |s: &ProgressState, w: &mut dyn fmt::Write| {
                let _ = w.write_str(&format_duration(s.elapsed()));
            },
        )
        .with_key(
            "eta_compact",
            |s: &ProgressState, w: &mut dyn fmt::Write| {
                let _ = w.write_str(&format_duration(s.eta()));
            },
        )
}

/// Shows progress for one training run.
pub struct Progress<W: Write> {
    mode: Mode,
    log: W,
    /// Drawn on stderr in [`Mode::Bar`]; hidden otherwise, where it still
    /// keeps the clock and the estimate for the log lines.
    bar: ProgressBar,
}

impl<W: Write> Progress<W> {
    /// Progress in `mode`: the bar on stderr, log lines to `log`.
    pub fn new(mode: Mode, log: W) -> Self {
        let target = match mode {
            Mode::Bar => ProgressDrawTarget::stderr(),
            Mode::Silent | Mode::Log { .. } => ProgressDrawTarget::hidden(),
        };
        Self::with_target(mode, log, target)
    }

    /// Progress drawing the bar on `target` (an in-memory terminal in tests).
    fn with_target(mode: Mode, log: W, target: ProgressDrawTarget) -> Self {
        // The length, and with it the style, is known at the first round.
        let bar = ProgressBar::with_draw_target(None, target);
        Progress { mode, log, bar }
    }

    /// The log line for a finished round, without the `gbdt: ` prefix.
    pub fn line(&self, ev: &RoundEval<'_>) -> String {
        let done = ev.round + 1;
        let width = ev.num_rounds.to_string().len();
        format!(
            "round {done:>width$}/{} elapsed {} eta {}{}",
            ev.num_rounds,
            format_duration(self.bar.elapsed()),
            format_duration(self.bar.eta()),
            metrics_suffix(ev.results),
        )
    }

    /// Called after every round.
    pub fn round(&mut self, ev: &RoundEval<'_>) {
        if self.mode == Mode::Silent {
            return;
        }
        let total = ev.num_rounds as u64;
        if self.bar.length() != Some(total) {
            self.bar.set_style(bar_style(ev.num_rounds));
            self.bar.set_length(total);
        }
        if self.mode == Mode::Bar {
            self.bar.set_message(metrics_suffix(ev.results));
        }
        self.bar.set_position(ev.round as u64 + 1);
        if let Mode::Log { every } = self.mode {
            let last = ev.round + 1 == ev.num_rounds;
            if (ev.round + 1).is_multiple_of(every) || last || ev.round == 0 {
                let line = format!("gbdt: {}\n", self.line(ev));
                let _ = self.log.write_all(line.as_bytes());
            }
        }
    }

    /// Draws the final state and ends the bar's line, wherever training
    /// stopped (early stopping ends before the last round).
    pub fn finish(&mut self) {
        self.bar.abandon();
    }

    /// The log writer, for tests.
    #[cfg(test)]
    pub fn into_inner(self) -> W {
        self.log
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gbdt_core::Metric;
    use indicatif::InMemoryTerm;

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

    fn auc(value: f64) -> [EvalResult; 1] {
        [EvalResult {
            dataset: "valid".into(),
            metric: Metric::Auc,
            value,
        }]
    }

    #[test]
    fn log_mode_prints_first_every_nth_and_last_round() {
        let results = auc(0.875);
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
        assert!(lines[4].starts_with("gbdt: round 20/20"), "{}", lines[4]);
        // The last round has nothing left to wait for.
        assert!(lines[4].contains(" eta 0.0s "), "{}", lines[4]);
        assert!(lines[4].ends_with("valid-auc=0.875000"), "{}", lines[4]);
        assert!(!text.contains('\r'));
    }

    #[test]
    fn silent_mode_writes_nothing() {
        let mut p = Progress::new(Mode::Silent, Vec::new());
        for r in 0..20 {
            p.round(&ev(r, &auc(0.5)));
        }
        p.finish();
        assert!(p.into_inner().is_empty());
    }

    /// Runs `rounds` rounds in bar mode on an in-memory terminal and
    /// returns its screen and what went to the log writer.
    fn bar_screen(rounds: usize, results: &[EvalResult]) -> (String, Vec<u8>) {
        let term = InMemoryTerm::new(4, 120);
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        let mut p = Progress::with_target(Mode::Bar, Vec::new(), target);
        for r in 0..rounds {
            p.round(&ev(r, results));
        }
        p.finish();
        (term.contents(), p.into_inner())
    }

    #[test]
    fn bar_mode_redraws_one_line() {
        let (screen, log) = bar_screen(20, &auc(0.875));
        assert!(log.is_empty(), "the bar writes no log lines");
        // One line, redrawn in place, showing the last round.
        assert_eq!(screen.lines().count(), 1, "{screen:?}");
        assert!(
            screen.starts_with("gbdt: [####################] round 20/20 elapsed "),
            "{screen:?}"
        );
        assert!(screen.contains(" eta 0.0s "), "{screen:?}");
        assert!(screen.ends_with(" valid-auc=0.875000"), "{screen:?}");
    }

    #[test]
    fn bar_stays_where_early_stopping_ended_it() {
        let (screen, _) = bar_screen(5, &[]);
        assert!(
            screen.starts_with("gbdt: [#####---------------] round  5/20 elapsed "),
            "{screen:?}"
        );
        // No metrics: the line ends with the estimate.
        assert!(screen.ends_with('s'), "{screen:?}");
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::from_millis(4200)), "4.2s");
        assert_eq!(format_duration(Duration::from_secs(185)), "3m05s");
        assert_eq!(format_duration(Duration::from_secs(3720)), "1h02m");
        assert_eq!(metrics_suffix(&[]), "");
        assert_eq!(metrics_suffix(&auc(0.5)), " valid-auc=0.500000");
    }
}
