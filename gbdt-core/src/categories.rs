//! Categorical features: which features hold category codes, and the names
//! of their categories in code order (code `i` is `names[i]`).
//!
//! A categorical feature's values are codes `0, 1, ..., count - 1` stored
//! as `f32`; NaN is missing. A split on it sends a set of categories left
//! (see [`CategorySplit`](crate::CategorySplit)); missing values, codes
//! outside `0..count` and categories training saw too rarely follow the
//! split's default direction.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The most categories one feature may have.
pub const MAX_CATEGORIES: usize = 1 << 16;

/// One categorical feature and the names of its categories, in code order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalFeature {
    /// The feature's column index.
    pub feature: usize,
    /// Category names; code `i` is `names[i]`.
    pub names: Vec<String>,
}

/// The categorical features of a data set or model, by feature index.
///
/// ```
/// use gbdt_core::Categories;
/// let mut c = Categories::default();
/// c.insert(2, vec!["red".into(), "green".into()])?;
/// assert_eq!(c.names(2), Some(&["red".to_string(), "green".to_string()][..]));
/// assert!(c.is_categorical(2) && !c.is_categorical(0));
/// # Ok::<(), gbdt_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Categories {
    /// Sorted by feature, one entry per feature.
    features: Vec<CategoricalFeature>,
}

impl Categories {
    /// Declares `feature` categorical with these category names (replacing
    /// an earlier declaration). Errors when there is no category or more
    /// than [`MAX_CATEGORIES`].
    pub fn insert(&mut self, feature: usize, names: Vec<String>) -> Result<()> {
        check_count(feature, names.len())?;
        let entry = CategoricalFeature { feature, names };
        match self.features.binary_search_by_key(&feature, |c| c.feature) {
            Ok(i) => self.features[i] = entry,
            Err(i) => self.features.insert(i, entry),
        }
        Ok(())
    }

    /// The category names of `feature`, if it is categorical.
    pub fn names(&self, feature: usize) -> Option<&[String]> {
        self.get(feature).map(|c| c.names.as_slice())
    }

    /// The number of categories of `feature`, if it is categorical.
    pub fn count(&self, feature: usize) -> Option<usize> {
        self.get(feature).map(|c| c.names.len())
    }

    /// True when `feature` is categorical.
    pub fn is_categorical(&self, feature: usize) -> bool {
        self.get(feature).is_some()
    }

    /// The categorical features, by feature index.
    pub fn iter(&self) -> impl Iterator<Item = &CategoricalFeature> {
        self.features.iter()
    }

    /// Number of categorical features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when no feature is categorical.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    fn get(&self, feature: usize) -> Option<&CategoricalFeature> {
        self.features
            .binary_search_by_key(&feature, |c| c.feature)
            .ok()
            .map(|i| &self.features[i])
    }

    /// The rules a model's categories obey: sorted unique features below
    /// `num_features`, each with 1 to [`MAX_CATEGORIES`] categories.
    pub(crate) fn check(&self, num_features: usize) -> std::result::Result<(), String> {
        for (i, c) in self.features.iter().enumerate() {
            if c.feature >= num_features {
                return Err(format!(
                    "feature {} is categorical, but the model has {num_features} features",
                    c.feature
                ));
            }
            if i > 0 && self.features[i - 1].feature >= c.feature {
                return Err(format!(
                    "features must be listed once each in increasing order; {} follows {}",
                    c.feature,
                    self.features[i - 1].feature
                ));
            }
            check_count(c.feature, c.names.len()).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

fn check_count(feature: usize, count: usize) -> Result<()> {
    if (1..=MAX_CATEGORIES).contains(&count) {
        Ok(())
    } else {
        Err(Error::InvalidParam {
            name: "categories",
            value: format!("{count} categories for feature {feature}"),
            allowed: format!("1 to {MAX_CATEGORIES} categories per feature"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_keeps_features_sorted_and_checked() {
        let mut c = Categories::default();
        c.insert(3, vec!["a".into()]).unwrap();
        c.insert(1, vec!["x".into(), "y".into()]).unwrap();
        c.insert(3, vec!["b".into(), "c".into()]).unwrap();
        let order: Vec<usize> = c.iter().map(|f| f.feature).collect();
        assert_eq!(order, vec![1, 3]);
        assert_eq!((c.count(3), c.count(2)), (Some(2), None));
        assert!(c.insert(0, Vec::new()).is_err());
        assert!(c.check(4).is_ok());
        assert!(c.check(3).unwrap_err().contains("feature 3 is categorical"));
    }
}
