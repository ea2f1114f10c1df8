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
        if rest_left {
            // The rest alone against every chosen category.
            scan.consider(rest, &[], true);
        }
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
            // The rest: every bin not chosen (one pass, not a search of
            // `chosen` per bin).
            let chosen = Bitset::from_members(chosen.iter().copied());
            for b in (0..node.hist.len()).filter(|&b| !chosen.contains(b)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sp(lambda: f64) -> SplitParams {
        SplitParams {
            lambda,
            alpha: 0.0,
            gamma: 0.0,
            min_child_weight: 0.0,
            max_delta_step: 0.0,
            learning_rate: 1.0,
        }
    }

    /// No smoothing, grouping or cap: the sorted search must find the best
    /// of all subsets (Fisher: with the plain gain, an optimal subset is a
    /// prefix of the categories sorted by sum_g / sum_h).
    fn exhaustive() -> CatParams {
        CatParams {
            max_cat_to_onehot: 0,
            max_cat_threshold: 64,
            cat_l2: 0.0,
            cat_smooth: 0.0,
            min_data_per_group: 0,
        }
    }

    fn gain_of(hist: &[BinStat], left: &[bool], sp: &SplitParams) -> Option<f64> {
        let total = hist.iter().fold(BinStat::default(), |a, b| a.plus(*b));
        let l = hist
            .iter()
            .zip(left)
            .filter(|(_, &on)| on)
            .fold(BinStat::default(), |a, (b, _)| a.plus(*b));
        let r = total.minus(l);
        (sp.child_ok(l) && sp.child_ok(r)).then(|| sp.score(l) + sp.score(r) - sp.score(total))
    }

    /// The best gain over every subset of bins (missing bin included) sent
    /// left; `singletons` limits the subsets to one value bin plus, or not,
    /// the missing bin (one-hot).
    fn brute_force(hist: &[BinStat], sp: &SplitParams, singletons: bool) -> Option<f64> {
        let n = hist.len();
        let mut best: Option<f64> = None;
        for mask in 1u32..(1 << n) - 1 {
            let left: Vec<bool> = (0..n).map(|b| mask >> b & 1 == 1).collect();
            if singletons && left[..n - 1].iter().filter(|&&l| l).count() > 1 {
                continue;
            }
            if let Some(g) = gain_of(hist, &left, sp) {
                best = Some(best.map_or(g, |b: f64| b.max(g)));
            }
        }
        best.filter(|&g| sp.gain_ok(g))
    }

    fn histogram() -> impl Strategy<Value = Vec<BinStat>> {
        // Up to 8 categories plus the missing bin; hessians positive or an
        // empty bin (no rows).
        proptest::collection::vec((-10i32..10, prop_oneof![Just(0u8), 1u8..20]), 2..10).prop_map(
            |bins| {
                bins.into_iter()
                    .map(|(g, h)| BinStat {
                        g: if h == 0 { 0.0 } else { g as f64 },
                        h: h as f64,
                    })
                    .collect()
            },
        )
    }

    fn node(hist: &[BinStat]) -> CatNode<'_> {
        let total = hist.iter().fold(BinStat::default(), |a, b| a.plus(*b));
        CatNode {
            hist,
            feature: 3,
            total,
            rows: total.h as usize,
        }
    }

    /// Applies a candidate's left set to the histogram: the sums it claims.
    fn check_sums(hist: &[BinStat], c: &Candidate) {
        let set = c.left_bins.as_ref().expect("a categorical split has a set");
        let left: Vec<bool> = (0..hist.len()).map(|b| set.contains(b)).collect();
        let l = hist
            .iter()
            .zip(&left)
            .filter(|(_, &on)| on)
            .fold(BinStat::default(), |a, (b, _)| a.plus(*b));
        assert!((l.g - c.left.g).abs() < 1e-9 && (l.h - c.left.h).abs() < 1e-9);
        assert_eq!(set.contains(hist.len() - 1), c.default_left);
    }

    proptest! {
        #[test]
        fn sorted_search_finds_the_best_subset(hist in histogram()) {
            let found = best_categorical(&node(&hist), &sp(0.0), &exhaustive(), None);
            let expected = brute_force(&hist, &sp(0.0), false);
            match (found, expected) {
                (Some(c), Some(e)) => {
                    prop_assert!((c.gain - e).abs() <= 1e-9 * e.abs().max(1.0), "{} vs {e}", c.gain);
                    check_sums(&hist, &c);
                }
                (None, None) => {}
                (f, e) => prop_assert!(false, "found {f:?}, brute force {e:?}"),
            }
        }

        #[test]
        fn one_hot_finds_the_best_single_category(hist in histogram(), lambda in 0.0f64..3.0) {
            let cp = CatParams { max_cat_to_onehot: 16, ..exhaustive() };
            let found = best_categorical(&node(&hist), &sp(lambda), &cp, None);
            let expected = brute_force(&hist, &sp(lambda), true);
            match (found, expected) {
                (Some(c), Some(e)) => {
                    prop_assert!((c.gain - e).abs() <= 1e-9 * e.abs().max(1.0), "{} vs {e}", c.gain);
                    let chosen = c.left_bins.as_ref().unwrap().iter().filter(|&b| b < hist.len() - 1 && hist[b].h > 0.0).count();
                    prop_assert!(chosen <= 1, "{chosen} categories on the left");
                    check_sums(&hist, &c);
                }
                (None, None) => {}
                (f, e) => prop_assert!(false, "found {f:?}, brute force {e:?}"),
            }
        }
    }

    #[test]
    fn small_categories_and_the_cap_are_respected() {
        let stat = |g: f64, h: f64| BinStat { g, h };
        // Five categories; the middle one has 2 rows (< cat_smooth 5) and
        // joins the rest (the missing bin) wherever it goes.
        let hist = [
            stat(-30.0, 30.0),
            stat(-20.0, 30.0),
            stat(2.0, 2.0),
            stat(20.0, 30.0),
            stat(30.0, 30.0),
            stat(0.0, 0.0),
        ];
        let cp = CatParams {
            max_cat_to_onehot: 4,
            max_cat_threshold: 1,
            cat_l2: 0.0,
            cat_smooth: 5.0,
            min_data_per_group: 0,
        };
        let c = best_categorical(&node(&hist), &sp(1.0), &cp, None).unwrap();
        let set = c.left_bins.clone().unwrap();
        // One category alone on a side: 0 (most negative ratio) or 4 (most
        // positive), and bin 2 goes with the missing bin.
        let left: Vec<usize> = [0, 1, 3, 4]
            .into_iter()
            .filter(|&b| set.contains(b))
            .collect();
        let alone: Vec<usize> = match left.len() {
            1 => left,
            3 => [0, 1, 3, 4]
                .into_iter()
                .filter(|b| !left.contains(b))
                .collect(),
            _ => panic!("{left:?}: one category must be alone"),
        };
        assert!(alone == vec![0] || alone == vec![4], "{alone:?}");
        assert_eq!(set.contains(2), set.contains(5));
        check_sums(&hist, &c);
    }
}
