//! The model-memory guard of `gbdt train` (issue #16): a model that would
//! outgrow the memory this process may use fails with a message instead of
//! being killed by the kernel hours later.
//!
//! - Before training, the model's size is bounded from the flags: rounds ×
//!   outputs × bytes a tree. The *least* a tree can take (a single leaf)
//!   gives a lower bound: when even that exceeds the budget and nothing can
//!   stop training early (`--early-stopping-rounds`), the run cannot succeed,
//!   so it is a usage error (exit 2) before the data is read. The *most* a
//!   tree can take (the node limit of `--max-depth` / `--max-leaves`, else
//!   of the row count) gives an upper bound: exceeding it only means the run
//!   may not fit (early stopping, small trees and splits without gain make
//!   it pessimistic), so it is a warning.
//! - While training, every round compares the process's resident memory
//!   with the budget; above [`STOP_FRACTION`] of it training stops with
//!   exit 1, naming `--rounds` and the size reached; no model is written.
//!   Reading `/proc/self/statm` costs about 12 µs (`/proc/self/status` 30 µs,
//!   side by side on a busy machine), so it is read at most every
//!   [`CHECK_EVERY`]: rounds of small data take less than that.
//!
//! The budget is the cgroup's memory limit (v2 `memory.max`, v1
//! `memory.limit_in_bytes`) or, when lower or absent, `MemAvailable` from
//! `/proc/meminfo` plus what the process already holds. Tests inject a
//! budget with [`BUDGET_ENV`]. Off Linux (no `/proc`) the guard is off.

use std::cell::Cell;
use std::time::{Duration, Instant};

use gbdt_core::{Objective, Params, Tree};

use super::Checked;
use crate::config;
use crate::diag;
use crate::exit::{CmdResult, Code, Failure};
use crate::rounds::RoundCheck;

/// Test hook: a budget in bytes instead of the one found from the system.
pub const BUDGET_ENV: &str = "GBDT_MEMORY_BUDGET_BYTES";

/// Training stops once the process holds this fraction of the budget,
/// leaving room for the round in progress.
pub const STOP_FRACTION: f64 = 0.9;

/// The least time between two reads of the resident memory (the first
/// round is always checked): far less than a model needs to grow by a
/// noticeable part of the 10% margin.
pub const CHECK_EVERY: Duration = Duration::from_millis(10);

/// Bytes of one node in a tree's arrays: feature, threshold, left child,
/// value, gain, cover and category index (4 bytes each), default direction (1).
const NODE_BYTES: u64 = 7 * 4 + 1;

/// The memory the process may use, and where that figure comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Bytes.
    pub bytes: u64,
    /// `cgroup memory.max`, `MemAvailable`, or the test variable.
    pub source: String,
}

impl Budget {
    /// The budget of this process, `None` when the system does not say
    /// (no `/proc`). A bad [`BUDGET_ENV`] value is a usage error.
    pub fn find() -> CmdResult<Option<Budget>> {
        if let Ok(value) = std::env::var(BUDGET_ENV) {
            return match value.trim().parse::<u64>() {
                Ok(bytes) if bytes > 0 => Ok(Some(Budget {
                    bytes,
                    source: BUDGET_ENV.to_string(),
                })),
                _ => Err(Failure::usage(format!(
                    "{BUDGET_ENV}='{value}' is not a whole number of bytes above 0"
                ))),
            };
        }
        let cgroup = cgroup_limit().map(|(bytes, source)| Budget { bytes, source });
        let available = read("/proc/meminfo")
            .and_then(|t| meminfo_available(&t))
            .map(|bytes| Budget {
                bytes: bytes + resident_bytes().unwrap_or(0),
                source: "MemAvailable in /proc/meminfo".to_string(),
            });
        Ok(match (cgroup, available) {
            (Some(c), Some(a)) => Some(if c.bytes <= a.bytes { c } else { a }),
            (c, a) => c.or(a),
        })
    }
}

/// The size of the trees `params` asks for, as bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelBound {
    /// Trees to be grown: rounds × outputs.
    pub trees: u64,
    /// Most nodes a tree can have, `None` when nothing limits it.
    pub max_nodes: Option<u64>,
}

impl ModelBound {
    /// The bound of `params` with `outputs` trees a round; `rows` (once
    /// known) limits the nodes when neither depth nor leaves do.
    pub fn of(params: &Params, outputs: usize, rows: Option<usize>) -> ModelBound {
        let depth = (params.max_depth > 0).then(|| (1u64 << (params.max_depth + 1).min(63)) - 1);
        let leaves = (params.max_leaves > 0).then(|| 2 * params.max_leaves as u64 - 1);
        // Every leaf holds at least one row.
        let by_rows = rows.map(|n| 2 * n.max(1) as u64 - 1);
        let max_nodes = [depth, leaves, by_rows].into_iter().flatten().min();
        ModelBound {
            trees: (params.num_rounds as u64).saturating_mul(outputs as u64),
            max_nodes,
        }
    }

    /// The least the trees take: every tree a single leaf.
    pub fn lower_bytes(&self) -> u64 {
        self.trees.saturating_mul(tree_bytes() + NODE_BYTES)
    }

    /// The most the trees can take, with the slack of growing vectors
    /// (up to twice their length); `None` when the node count is unbounded.
    pub fn upper_bytes(&self) -> Option<u64> {
        let per_tree =
            (self.max_nodes?.saturating_mul(2 * NODE_BYTES)).saturating_add(2 * tree_bytes());
        Some(self.trees.saturating_mul(per_tree))
    }
}

/// A tree's own bytes, before its node arrays.
fn tree_bytes() -> u64 {
    std::mem::size_of::<Tree>() as u64
}

/// Model outputs (trees a round) of `params`: classes, quantile levels, or 1.
pub fn outputs(params: &Params) -> usize {
    if params.objective.is_multiclass() {
        params.num_class.max(1)
    } else if params.objective == Objective::QuantileError {
        params.quantile_alpha.len().max(1)
    } else {
        1
    }
}

/// The budget (`None` when the system gives none), after failing fast
/// when the trees the flags ask for cannot fit in it; rows and classes are
/// not known yet.
pub(super) fn before_data(flags: &Checked) -> CmdResult<Option<Budget>> {
    let Some(budget) = Budget::find()? else {
        return Ok(None);
    };
    let params = config::to_params(&flags.params, flags.objective.unwrap_or_default(), 0)?;
    let bound = ModelBound::of(&params, outputs(&params), None);
    let rounds = params.num_rounds;
    check(&bound, &budget, budget.bytes, flags.early_stopping, rounds)?;
    Ok(Some(budget))
}

/// The check of [`before_data`] against what is left of the budget now
/// that the data is in memory, with the model's outputs and `rows`; a
/// possible overrun is a warning (shown even with `--quiet`). Returns the
/// per-round guard.
pub(super) fn after_data(
    flags: &Checked,
    params: &Params,
    rows: usize,
) -> CmdResult<Option<RoundGuard>> {
    let Some(budget) = flags.budget.clone() else {
        return Ok(None);
    };
    let free = budget.bytes.saturating_sub(resident_bytes().unwrap_or(0));
    let bound = ModelBound::of(params, outputs(params), Some(rows));
    let early_stopping = params.early_stopping_rounds.is_some();
    let verdict = check(&bound, &budget, free, early_stopping, params.num_rounds)?;
    if let Verdict::Warn(message) = verdict {
        diag::say(message);
    }
    Ok(Some(RoundGuard::new(budget)))
}

/// What the pre-training check found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The trees fit even at their largest (or nothing bounds them).
    Fits,
    /// The trees may outgrow the budget: the message to show.
    Warn(String),
}

/// Compares `bound` with `free` bytes of `budget`. A certain failure (the
/// lower bound above it, with no early stopping) is a usage error naming
/// `--rounds`.
pub fn check(
    bound: &ModelBound,
    budget: &Budget,
    free: u64,
    early_stopping: bool,
    rounds: usize,
) -> CmdResult<Verdict> {
    let lower = bound.lower_bytes();
    if lower > free && !early_stopping {
        return Err(Failure::usage(format!(
            "bad value for --rounds: {rounds} rounds grow {} trees, which take at least {} \
             even if every tree is a single leaf, more than the {} this process may use \
             ({}); use fewer --rounds (with --early-stopping-rounds to stop when the model \
             stops improving)",
            bound.trees,
            size(lower),
            size(free),
            budget_text(budget),
        )));
    }
    match bound.upper_bytes() {
        Some(upper) if upper > free => Ok(Verdict::Warn(format!(
            "warning: --rounds {rounds} with trees of up to {} nodes may need up to {} for the \
             model, more than the {} this process may use ({}); training stops with exit 1 \
             if it outgrows it",
            bound.max_nodes.unwrap_or(0),
            size(upper),
            size(free),
            budget_text(budget),
        ))),
        _ => Ok(Verdict::Fits),
    }
}

fn budget_text(budget: &Budget) -> String {
    format!("{} from {}", size(budget.bytes), budget.source)
}

/// The per-round check while training.
#[derive(Debug, Clone)]
pub struct RoundGuard {
    budget: Budget,
    /// Resident bytes when boosting started.
    start: u64,
    /// Bytes per page of `/proc/self/statm`, `None` without `/proc`.
    page: Option<u64>,
    /// When the resident memory was last read.
    last: Cell<Option<Instant>>,
}

impl RoundGuard {
    /// A guard for `budget`, measuring from now.
    pub fn new(budget: Budget) -> RoundGuard {
        RoundGuard {
            start: resident_bytes().unwrap_or(0),
            page: page_bytes(),
            last: Cell::new(None),
            budget,
        }
    }

    /// The decision for `now` resident bytes.
    fn judge(&self, now: u64, rounds: usize, planned: usize) -> CmdResult<()> {
        let limit = (self.budget.bytes as f64 * STOP_FRACTION) as u64;
        if now <= limit {
            return Ok(());
        }
        Err(Failure::new(
            Code::Runtime,
            format!(
                "stopped after round {rounds} of --rounds {planned}: the process holds {} \
                 ({} more than when boosting started, mostly the model's trees), over {:.0}% \
                 of the {} it may use; no model written. Use fewer --rounds (or \
                 --early-stopping-rounds), or smaller trees (--max-depth, --max-leaves)",
                size(now),
                size(now.saturating_sub(self.start)),
                STOP_FRACTION * 100.0,
                budget_text(&self.budget),
            ),
        ))
    }
}

impl RoundCheck for RoundGuard {
    /// Exit 1 when the process holds more than [`STOP_FRACTION`] of the
    /// budget after `rounds` of `planned` rounds (read at most every
    /// [`CHECK_EVERY`]).
    fn after_round(&self, rounds: usize, planned: usize) -> CmdResult<()> {
        if self.last.get().is_some_and(|t| t.elapsed() < CHECK_EVERY) {
            return Ok(());
        }
        self.last.set(Some(Instant::now()));
        match self
            .page
            .and_then(|page| Some(statm_resident_pages()? * page))
        {
            Some(now) => self.judge(now, rounds, planned),
            None => Ok(()),
        }
    }
}

/// Bytes as `512 bytes`, `3.2 MiB` or `20.0 GiB`.
fn size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} bytes")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The process's resident memory (`VmRSS` in `/proc/self/status`).
pub fn resident_bytes() -> Option<u64> {
    kib_field(&read("/proc/self/status")?, "VmRSS:")
}

/// Resident pages, the second field of `/proc/self/statm`.
fn statm_resident_pages() -> Option<u64> {
    read("/proc/self/statm")?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The page size of `/proc/self/statm`: the resident bytes of
/// `/proc/self/status` over its resident pages, to the nearest power of
/// two (the two are read a moment apart).
fn page_bytes() -> Option<u64> {
    let ratio = resident_bytes()? as f64 / statm_resident_pages()?.max(1) as f64;
    Some(1u64 << ratio.max(1.0).log2().round() as u32)
}

/// `MemAvailable` of `/proc/meminfo` text, in bytes.
fn meminfo_available(text: &str) -> Option<u64> {
    kib_field(text, "MemAvailable:")
}

/// A `Name:   123 kB` line's value in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib * 1024)
}

/// The memory limit of this process's cgroup (v2, else v1), if set.
fn cgroup_limit() -> Option<(u64, String)> {
    let own = read("/proc/self/cgroup")
        .and_then(|t| cgroup_v2_path(&t))
        .unwrap_or_default();
    let v2 = format!("/sys/fs/cgroup{own}/memory.max");
    let v1 = "/sys/fs/cgroup/memory/memory.limit_in_bytes".to_string();
    [
        (v2, "cgroup memory.max"),
        (v1, "cgroup memory.limit_in_bytes"),
    ]
    .into_iter()
    .find_map(|(path, source)| Some((limit_value(&read(&path)?)?, source.to_string())))
}

/// The cgroup v2 path of `/proc/self/cgroup` text (its `0::/path` line),
/// without a trailing `/`.
fn cgroup_v2_path(text: &str) -> Option<String> {
    let path = text.lines().find_map(|l| l.strip_prefix("0::"))?;
    Some(path.trim().trim_end_matches('/').to_string())
}

/// A limit file's value: `max` (v2) or a huge number (v1) means none.
fn limit_value(text: &str) -> Option<u64> {
    let bytes: u64 = text.trim().parse().ok()?;
    (bytes < 1 << 60).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(bytes: u64) -> Budget {
        Budget {
            bytes,
            source: "test".into(),
        }
    }

    #[test]
    fn nodes_are_bounded_by_depth_leaves_and_rows() {
        let p = |max_depth, max_leaves| Params {
            max_depth,
            max_leaves,
            num_rounds: 10,
            ..Params::default()
        };
        assert_eq!(ModelBound::of(&p(6, 0), 1, None).max_nodes, Some(127));
        assert_eq!(ModelBound::of(&p(6, 8), 1, None).max_nodes, Some(15));
        assert_eq!(ModelBound::of(&p(0, 0), 1, None).max_nodes, None);
        assert_eq!(ModelBound::of(&p(0, 0), 1, Some(50)).max_nodes, Some(99));
        assert_eq!(ModelBound::of(&p(6, 0), 3, Some(50)).trees, 30);
        let unbounded = ModelBound::of(&p(0, 0), 1, None);
        assert_eq!(unbounded.upper_bytes(), None);
        let b = ModelBound::of(&p(6, 0), 1, None);
        assert_eq!(b.lower_bytes(), 10 * (tree_bytes() + 29));
        assert_eq!(b.upper_bytes(), Some(10 * (127 * 58 + 2 * tree_bytes())));
        let huge = ModelBound::of(&p(200, 0), 1, None);
        assert!(huge.upper_bytes().unwrap() > 1 << 60, "saturates");
    }

    #[test]
    fn certain_failure_is_a_usage_error_possible_failure_a_warning() {
        let bound = ModelBound {
            trees: 1000,
            max_nodes: Some(127),
        };
        let lower = bound.lower_bytes();
        let e = check(&bound, &budget(lower), lower - 1, false, 1000).unwrap_err();
        assert_eq!(e.code, Code::Usage);
        let m = e.error.to_string();
        assert!(
            m.starts_with("bad value for --rounds: 1000 rounds grow 1000 trees"),
            "{m}"
        );
        // Early stopping may end the run in time: only a warning.
        let w = check(&bound, &budget(lower), lower - 1, true, 1000).unwrap();
        assert!(
            matches!(w, Verdict::Warn(ref m) if m.contains("--rounds 1000")),
            "{w:?}"
        );
        let w = check(&bound, &budget(lower), lower, false, 1000).unwrap();
        assert!(
            matches!(w, Verdict::Warn(ref m) if m.contains("127 nodes")),
            "{w:?}"
        );
        let upper = bound.upper_bytes().unwrap();
        assert_eq!(
            check(&bound, &budget(upper), upper, false, 1000).unwrap(),
            Verdict::Fits
        );
    }

    #[test]
    fn the_round_guard_stops_above_its_fraction() {
        let g = RoundGuard {
            budget: budget(1000 << 20),
            start: 100 << 20,
            page: Some(4096),
            last: Cell::new(None),
        };
        assert!(g.judge(900 << 20, 5, 10).is_ok());
        let e = g.judge(901 << 20, 5, 10).unwrap_err();
        assert_eq!(e.code, Code::Runtime);
        let m = e.error.to_string();
        assert!(
            m.starts_with(
                "stopped after round 5 of --rounds 10: the process holds 901.0 MiB (801.0 MiB more"
            ),
            "{m}"
        );
        assert!(
            m.contains("1000.0 MiB from test") && m.contains("no model written"),
            "{m}"
        );
        // The process holds more than 1 KiB: the first round stops, a
        // second one within CHECK_EVERY is not read again.
        let tiny = RoundGuard::new(budget(1024));
        assert_eq!(tiny.after_round(1, 9).unwrap_err().code, Code::Runtime);
        assert!(tiny.after_round(2, 9).is_ok());
    }

    #[test]
    fn system_files_are_parsed() {
        let meminfo = "MemTotal:       24683652 kB\nMemAvailable:   2000 kB\n";
        assert_eq!(meminfo_available(meminfo), Some(2000 * 1024));
        assert_eq!(meminfo_available("MemTotal: 5 kB\n"), None);
        assert_eq!(limit_value("max\n"), None);
        assert_eq!(limit_value("9223372036854771712\n"), None);
        assert_eq!(limit_value("2147483648\n"), Some(2 << 30));
        assert_eq!(
            cgroup_v2_path("0::/user.slice/a.scope\n").as_deref(),
            Some("/user.slice/a.scope")
        );
        assert_eq!(cgroup_v2_path("0::/\n").as_deref(), Some(""));
        assert_eq!(cgroup_v2_path("4:memory:/x\n"), None);
        assert!(resident_bytes().is_some_and(|b| b > 0));
        let page = page_bytes().unwrap();
        assert!(page >= 4096 && page.is_power_of_two(), "{page}");
        assert_eq!(size(512), "512 bytes");
        assert_eq!(size(3 << 20), "3.0 MiB");
    }
}
