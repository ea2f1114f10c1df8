//! SIGTERM (what Kubernetes and Docker send) and SIGINT (Ctrl-C). While
//! boosting, a signal stops training at the end of the current round: no
//! model is written, a message says so, and the exit code is 143 (SIGTERM)
//! or 130 (SIGINT). At any other moment the process exits at once with that
//! code. Outputs are written to a temporary file and renamed, so neither
//! way leaves a partial file at an output path (an interrupted write leaves
//! at most a `.NAME.gbdt-tmp-PID-N` file beside it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

use crate::exit::{Code, Failure};

/// The handlers' shared state.
struct State {
    /// True outside boosting: a signal then exits at once.
    exit_now: Arc<AtomicBool>,
    /// One flag per signal of `SIGNALS`, raised by that signal.
    stop: [Arc<AtomicBool>; 2],
}

static STATE: OnceLock<State> = OnceLock::new();

const SIGNALS: [(i32, Code, &str); 2] = [
    (SIGTERM, Code::Terminated, "SIGTERM"),
    (SIGINT, Code::Interrupted, "SIGINT"),
];

/// Installs the handlers (once, at start-up). A failure to install is not
/// fatal: the signals then keep their default action.
pub fn install() {
    let state = STATE.get_or_init(|| State {
        exit_now: Arc::new(AtomicBool::new(true)),
        stop: [
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        ],
    });
    for (i, (sig, code, _)) in SIGNALS.iter().enumerate() {
        let exit = *code as i32;
        // The conditional exit runs first: outside boosting it ends the
        // process; during boosting only the flag is raised.
        let _ =
            signal_hook::flag::register_conditional_shutdown(*sig, exit, state.exit_now.clone());
        let _ = signal_hook::flag::register(*sig, state.stop[i].clone());
    }
}

/// Runs `boost` with signals turned into a stop request instead of an exit.
pub fn while_boosting<T>(boost: impl FnOnce() -> T) -> T {
    let Some(state) = STATE.get() else {
        return boost();
    };
    state.exit_now.store(false, Ordering::SeqCst);
    let out = boost();
    state.exit_now.store(true, Ordering::SeqCst);
    out
}

/// The signal received during boosting, as the failure to return (after
/// the current round): `None` when none came.
pub fn requested() -> Option<Failure> {
    let state = STATE.get()?;
    let i = state.stop.iter().position(|s| s.load(Ordering::SeqCst))?;
    let (_, code, name) = SIGNALS[i];
    Some(Failure::new(
        code,
        format!("stopped by {name} during training; no model written"),
    ))
}
