//! Splits of a categorical feature: a set of category bins goes left.
//!
//! - At most `max_cat_to_onehot` value bins: one category against the rest.
//! - More: LightGBM's sorted search. Categories with fewer (estimated) rows
//!   than `cat_smooth` in the node are left out; the others are sorted by
//!   `sum_g / (sum_h + cat_smooth)` and every prefix of at most
//!   `max_cat_threshold` of them (and at most half) is tried from both
//!   ends, scored with `lambda + cat_l2`. A prefix is scored only once it
//!   has gathered `min_data_per_group` rows since the last scored one, and
//!   the right side keeps at least `min_data_per_group` rows.
//!
//! The bins not chosen nor left out — the missing bin, the categories
//! left out and those without rows in the node — form the rest, which goes
//! left or right as one (both are tried); that direction is the split's
//! default direction, which categories unseen in training also take.

use super::monotone::{Bounded, GainRule, Plain};
use super::{Candidate, Monotone, SplitParams};
use crate::bitset::Bitset;
use crate::histogram::BinStat;
use crate::params::Params;

/// The categorical-split parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CatParams {
    pub max_cat_to_onehot: usize,
    pub max_cat_threshold: usize,
    pub cat_l2: f64,
    pub cat_smooth: f64,
    pub min_data_per_group: usize,
}

impl CatParams {
    pub fn from_params(p: &Params) -> CatParams {
        CatParams {
            max_cat_to_onehot: p.max_cat_to_onehot,
            max_cat_threshold: p.max_cat_threshold,
            cat_l2: p.cat_l2,
            cat_smooth: p.cat_smooth,
            min_data_per_group: p.min_data_per_group,
        }
    }
}

/// A node's histogram of one categorical feature, and its row count.
pub(crate) struct CatNode<'a> {
    /// Value bins, then the missing bin.
    pub hist: &'a [BinStat],
    pub feature: usize,
    pub total: BinStat,
    pub rows: usize,
}

impl CatNode<'_> {
    fn value_bins(&self) -> usize {
        self.hist.len() - 1
    }

    /// Estimated rows of a bin, from its hessian share (as LightGBM does).
    fn count(&self, s: BinStat) -> f64 {
        if self.total.h > 0.0 {
            (s.h * self.rows as f64 / self.total.h).round()
        } else {
            0.0
        }
    }
}

/// The best categorical split of the node, if one passes the constraints.
pub(crate) fn best_categorical(
    node: &CatNode<'_>,
    sp: &SplitParams,
    cp: &CatParams,
    monotone: Option<Monotone>,
) -> Option<Candidate> {
    let onehot = node.value_bins() <= cp.max_cat_to_onehot;
    let cat_sp = SplitParams {
        lambda: sp.lambda + if onehot { 0.0 } else { cp.cat_l2 },
        ..*sp
    };
    match monotone {
        None => search(node, &cat_sp, cp, onehot, &Plain(&cat_sp)),
        Some(rule) => search(node, &cat_sp, cp, onehot, &Bounded { sp: &cat_sp, rule }),
    }
}

fn search<G: GainRule>(
    node: &CatNode<'_>,
    sp: &SplitParams,
    cp: &CatParams,
    onehot: bool,
    rule: &G,
) -> Option<Candidate> {
    let has_rows = |b: &usize| node.hist[*b].h != 0.0 || node.hist[*b].g != 0.0;
    let mut chosen: Vec<usize> = (0..node.value_bins()).filter(has_rows).collect();
    if !onehot {
        chosen.retain(|&b| node.count(node.hist[b]) >= cp.cat_smooth);
        let ratio = |b: usize| node.hist[b].g / (node.hist[b].h + cp.cat_smooth);
        chosen.sort_by(|&a, &b| ratio(a).total_cmp(&ratio(b)).then(a.cmp(&b)));
    }
    let chosen_sum = chosen
        .iter()
        .fold(BinStat::default(), |a, &b| a.plus(node.hist[b]));
    let rest = node.total.minus(chosen_sum);
    let has_rest = rest.h != 0.0 || rest.g != 0.0;
    let mut scan = Scan {
        node,
        sp,
        rule,
        parent: rule.parent(node.total),
        best: None,
    };
    for rest_left in [false, true] {
        if rest_left && !has_rest {
            continue;
        }
        let start = if rest_left { rest } else { BinStat::default() };
        if onehot {
            for (i, &b) in chosen.iter().enumerate() {
                scan.consider(start.plus(node.hist[b]), &chosen[i..=i], rest_left);
            }
        } else {
            let most = cp.max_cat_threshold.min(chosen.len().div_ceil(2));
            scan.prefixes(&chosen, start, most, cp, rest_left);
            let reversed: Vec<usize> = chosen.iter().rev().copied().collect();
            scan.prefixes(&reversed, start, most, cp, rest_left);
        }
    }
    let best = scan.best?;
    sp.gain_ok(best.0.gain).then(|| best.finish(node, &chosen))
}

/// The best split found so far: the candidate and the chosen bins it
/// sends left (the rest joins them when `default_left`).
struct Found(Candidate, Vec<usize>);

impl Found {
    /// The candidate with its set of left bins filled in.
    fn finish(self, node: &CatNode<'_>, chosen: &[usize]) -> Candidate {
        let Found(mut c, left) = self;
        let mut set = Bitset::with_len(node.hist.len());
        for &b in &left {
            set.insert(b);
        }
        if c.default_left {
            for b in (0..node.hist.len()).filter(|b| !chosen.contains(b)) {
                set.insert(b);
            }
        }
        c.left_bins = Some(set);
        c
    }
}

struct Scan<'a, G> {
    node: &'a CatNode<'a>,
    sp: &'a SplitParams,
    rule: &'a G,
    parent: f64,
    best: Option<Found>,
}

impl<G: GainRule> Scan<'_, G> {
    /// Scores sending `bins` (plus the rest when `rest_left`) left, whose
    /// sums are `left`; keeps it when it beats the best so far.
    fn consider(&mut self, left: BinStat, bins: &[usize], rest_left: bool) -> bool {
        let right = self.node.total.minus(left);
        if !self.sp.child_ok(left) || !self.sp.child_ok(right) {
            return false;
        }
        let Some(gain) = self.rule.gain(left, right, self.parent) else {
            return false;
        };
        if self.best.as_ref().is_none_or(|b| gain > b.0.gain) {
            let c = Candidate {
                gain,
                feature: self.node.feature,
                bin: 0,
                default_left: rest_left,
                left,
                right,
                left_bins: None,
            };
            self.best = Some(Found(c, bins.to_vec()));
        }
        true
    }

    /// Tries the prefixes of `order` of at most `most` bins.
    fn prefixes(
        &mut self,
        order: &[usize],
        start: BinStat,
        most: usize,
        cp: &CatParams,
        rest_left: bool,
    ) {
        let (mut acc, mut group) = (start, 0.0);
        for i in 0..most.min(order.len()) {
            let stat = self.node.hist[order[i]];
            acc = acc.plus(stat);
            group += self.node.count(stat);
            if !self.sp.child_ok(acc) {
                continue;
            }
            let right = self.node.total.minus(acc);
            if !self.sp.child_ok(right) || self.node.count(right) < cp.min_data_per_group as f64 {
                break;
            }
            if group < cp.min_data_per_group as f64 {
                continue;
            }
            group = 0.0;
            self.consider(acc, &order[..=i], rest_left);
        }
    }
}
