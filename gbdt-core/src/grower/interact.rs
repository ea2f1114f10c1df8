//! Interaction constraints (XGBoost's `interaction_constraints`): which
//! features a node may split on, given the features split on along its
//! path from the root.

use crate::error::{Error, Result};

/// Sets of features allowed to interact; empty for no constraint.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interactions {
    /// Each set sorted ascending, duplicates removed.
    sets: Vec<Vec<usize>>,
}

impl Interactions {
    /// Checks the sets of `interaction_constraints` against the data's
    /// `num_features`: every index must be a feature.
    pub fn check(sets: &[Vec<usize>], num_features: usize) -> Result<()> {
        match sets.iter().flatten().find(|&&f| f >= num_features) {
            Some(&bad) => Err(Error::InvalidParam {
                name: "interaction_constraints",
                value: bad.to_string(),
                allowed: format!("feature indexes below the data's {num_features} features"),
            }),
            None => Ok(()),
        }
    }

    /// The sets of `interaction_constraints` (checked by [`Self::check`]).
    pub fn new(sets: &[Vec<usize>]) -> Interactions {
        let sets = sets
            .iter()
            .map(|s| {
                let mut s = s.clone();
                s.sort_unstable();
                s.dedup();
                s
            })
            .collect();
        Interactions { sets }
    }

    /// Whether constraints are set (leaves then track their paths).
    #[inline]
    pub fn is_on(&self) -> bool {
        !self.sets.is_empty()
    }

    /// Whether a node whose path split on `path` (sorted, distinct) may
    /// split on `feature`: always at the root, else when one set holds
    /// `feature` and all of `path`.
    pub fn allows(&self, path: &[u32], feature: usize) -> bool {
        if !self.is_on() || path.is_empty() {
            return true;
        }
        self.sets.iter().any(|set| {
            set.binary_search(&feature).is_ok()
                && path
                    .iter()
                    .all(|&f| set.binary_search(&(f as usize)).is_ok())
        })
    }

    /// A child's path: the parent's plus the feature it split on (kept
    /// empty when no constraint is set).
    pub fn extend(&self, path: &[u32], feature: usize) -> Vec<u32> {
        if !self.is_on() {
            return Vec::new();
        }
        let f = feature as u32;
        let mut out = path.to_vec();
        if let Err(at) = out.binary_search(&f) {
            out.insert(at, f);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_may_use_the_sets_that_hold_its_whole_path() {
        let ic = Interactions::new(&[vec![2, 1, 0], vec![3, 2, 2]]);
        // Root: anything, even a feature in no set.
        assert!(ic.allows(&[], 5));
        // After 2 (in both sets): 0, 1, 3.
        assert!([0, 1, 3].iter().all(|&f| ic.allows(&[2], f)));
        assert!(!ic.allows(&[2], 4));
        // After 0 and 2: only the first set, so not 3 (XGBoost's rule).
        assert!(ic.allows(&[0, 2], 1));
        assert!(!ic.allows(&[0, 2], 3));
        // After a feature in no set: nothing.
        assert!((0..6).all(|f| !ic.allows(&[5], f)));
        assert_eq!(ic.extend(&[0, 3], 2), vec![0, 2, 3]);
        assert_eq!(ic.extend(&[0, 2], 2), vec![0, 2]);
        let off = Interactions::default();
        assert!(off.allows(&[5], 4));
        assert!(off.extend(&[], 3).is_empty());
    }

    #[test]
    fn indexes_beyond_the_data_are_rejected_by_name() {
        assert!(Interactions::check(&[vec![0, 1], vec![2, 5]], 6).is_ok());
        let err = Interactions::check(&[vec![0, 1], vec![2, 6]], 6).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("interaction_constraints") && msg.contains('6'),
            "{msg}"
        );
    }
}
