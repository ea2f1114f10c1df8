//! A split on a categorical feature: the set of category codes sent left.

use serde::{Deserialize, Serialize};

use crate::bitset::Bitset;

/// The categories a categorical split sends left, as a bitset over the
/// feature's codes `0..num_categories`. Codes in that range go left when in
/// the set and right otherwise; missing values (NaN) and codes outside the
/// range (categories training never saw) follow the node's default direction.
/// A fractional code is truncated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategorySplit {
    node: u32,
    num_categories: u32,
    left: Bitset,
}

impl CategorySplit {
    /// The split of `node` over `num_categories` codes, sending `left` left.
    pub(crate) fn new(node: usize, num_categories: usize, left: Bitset) -> CategorySplit {
        CategorySplit {
            node: node as u32,
            num_categories: num_categories as u32,
            left,
        }
    }

    /// The node this split belongs to.
    pub fn node(&self) -> usize {
        self.node as usize
    }

    /// The number of categories of the feature when the tree was trained.
    pub fn num_categories(&self) -> usize {
        self.num_categories as usize
    }

    /// True when category `code` goes left.
    pub fn contains(&self, code: usize) -> bool {
        code < self.num_categories() && self.left.contains(code)
    }

    /// The codes sent left, ascending.
    pub fn left_categories(&self) -> impl Iterator<Item = usize> + '_ {
        self.left.iter()
    }

    /// The set sent left.
    pub fn left_set(&self) -> &Bitset {
        &self.left
    }

    /// True when a row whose feature value is `v` goes left.
    #[inline(always)]
    pub fn goes_left(&self, v: f32, default_left: bool) -> bool {
        if v >= 0.0 && v < self.num_categories as f32 {
            self.left.contains(v as usize)
        } else {
            default_left
        }
    }

    /// The rules a stored split obeys, given its tree's size.
    pub(crate) fn check(&self, nodes: usize) -> Result<(), String> {
        if self.num_categories == 0 || self.num_categories as usize > crate::MAX_CATEGORIES {
            return Err(format!(
                "has {} categories; a categorical split needs 1 to {}",
                self.num_categories,
                crate::MAX_CATEGORIES
            ));
        }
        if self.left.end() > self.num_categories() {
            return Err(format!(
                "sends category {} left, but the feature has {} categories",
                self.left.end() - 1,
                self.num_categories
            ));
        }
        if self.node as usize >= nodes {
            return Err(format!(
                "is for node {}, but the tree has {nodes} nodes",
                self.node
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_outside_the_range_follow_the_default() {
        let s = CategorySplit::new(0, 40, Bitset::from_members([1, 33]));
        assert!(s.goes_left(1.0, false) && s.goes_left(33.0, false) && s.goes_left(1.5, false));
        assert!(!s.goes_left(2.0, true) && !s.goes_left(0.0, true));
        for v in [f32::NAN, -1.0, 40.0, 1e9, f32::INFINITY] {
            assert!(s.goes_left(v, true) && !s.goes_left(v, false), "{v}");
        }
        assert_eq!(s.left_categories().collect::<Vec<_>>(), vec![1, 33]);
        assert!(s.check(3).is_ok() && s.check(0).is_err());
        assert!(CategorySplit::new(0, 20, Bitset::from_members([33]))
            .check(3)
            .unwrap_err()
            .contains("category 33"));
    }
}
