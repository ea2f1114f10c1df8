//! A training or validation set: a borrowed feature matrix, labels,
//! optional weights, feature names, categorical features and query groups.

use ndarray::ArrayView2;

use crate::categories::{Categories, MAX_CATEGORIES};
use crate::error::{Error, Result};

/// Rows × features in `f32` (NaN is missing), one label per row, optional
/// non-negative weights and feature names. The matrix is borrowed, never copied.
///
/// ```
/// use gbdt_core::Dataset;
/// use ndarray::array;
/// let x = array![[1.0f32, f32::NAN], [2.0, 0.5]];
/// let y = [0.0f32, 1.0];
/// let d = Dataset::new(x.view(), &y)?.with_feature_names(vec!["a".into(), "b".into()])?;
/// assert_eq!((d.num_rows(), d.num_features()), (2, 2));
/// # Ok::<(), gbdt_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dataset<'a> {
    features: ArrayView2<'a, f32>,
    labels: &'a [f32],
    weights: Option<&'a [f32]>,
    feature_names: Vec<String>,
    categories: Categories,
    /// Query group boundaries (`groups[q]..groups[q + 1]` are query `q`'s
    /// rows), `[0, rows]`-bounded; empty without groups.
    groups: Vec<usize>,
}

impl<'a> Dataset<'a> {
    /// A dataset from features and labels. Errors when there is no row or no
    /// feature, or when the label count differs from the row count.
    pub fn new(features: ArrayView2<'a, f32>, labels: &'a [f32]) -> Result<Self> {
        let (rows, cols) = features.dim();
        if rows == 0 || cols == 0 {
            return Err(Error::EmptyDataset {
                rows,
                features: cols,
            });
        }
        if rows > u32::MAX as usize {
            return Err(Error::InvalidParam {
                name: "rows",
                value: rows.to_string(),
                allowed: format!("at most {}", u32::MAX),
            });
        }
        check_len("labels", labels.len(), rows, "row")?;
        if let Some((row, &value)) = labels.iter().enumerate().find(|(_, y)| !y.is_finite()) {
            return Err(Error::NonFiniteLabel { row, value });
        }
        let feature_names = (0..cols).map(|i| format!("f{i}")).collect();
        Ok(Dataset {
            features,
            labels,
            weights: None,
            feature_names,
            categories: Categories::default(),
            groups: Vec::new(),
        })
    }

    /// The same dataset borrowed for a shorter lifetime (ndarray views, and
    /// so `Dataset`, are invariant in their lifetime).
    pub(crate) fn reborrow<'b>(self) -> Dataset<'b>
    where
        'a: 'b,
    {
        Dataset {
            features: self.features.reborrow(),
            labels: self.labels,
            weights: self.weights,
            feature_names: self.feature_names,
            categories: self.categories,
            groups: self.groups,
        }
    }

    /// Adds sample weights: finite, not negative, not all zero.
    pub fn with_weights(mut self, weights: &'a [f32]) -> Result<Self> {
        check_len("weights", weights.len(), self.num_rows(), "row")?;
        if let Some((row, &value)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(Error::InvalidWeight { row, value });
        }
        if weights.iter().all(|&w| w == 0.0) {
            return Err(Error::ZeroTotalWeight);
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// Declares query groups for ranking, by size (as LightGBM's and
    /// XGBoost's `set_group`): the first `sizes[0]` rows are one query, the
    /// next `sizes[1]` the next, and so on. Every group has at least one row
    /// and together they cover every row exactly. Ranking objectives and
    /// metrics (`ndcg@k`, `map@k`) work within groups.
    ///
    /// ```
    /// use gbdt_core::Dataset;
    /// use ndarray::Array2;
    /// let x = Array2::<f32>::zeros((5, 1));
    /// let y = [2.0f32, 0.0, 1.0, 0.0, 3.0];
    /// let d = Dataset::new(x.view(), &y)?.with_groups(&[3, 2])?;
    /// assert_eq!(d.groups(), Some(&[0, 3, 5][..]));
    /// let short = Dataset::new(x.view(), &y)?.with_groups(&[3, 1]).unwrap_err();
    /// assert!(short.to_string().contains("cover 4 rows but the data has 5"));
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn with_groups(mut self, sizes: &[usize]) -> Result<Self> {
        if let Some(q) = sizes.iter().position(|&n| n == 0) {
            return Err(Error::InvalidGroups {
                problem: format!("group {q} (0-based) has no rows; every group needs at least one"),
            });
        }
        let total: usize = sizes.iter().sum();
        if total != self.num_rows() {
            return Err(Error::InvalidGroups {
                problem: format!(
                    "the {} group sizes cover {total} rows but the data has {}; \
                     give one size per query, summing to the row count",
                    sizes.len(),
                    self.num_rows()
                ),
            });
        }
        let mut bounds = Vec::with_capacity(sizes.len() + 1);
        bounds.push(0);
        for &n in sizes {
            bounds.push(bounds.last().copied().unwrap_or(0) + n);
        }
        self.groups = bounds;
        Ok(self)
    }

    /// Query group boundaries, when groups were declared: query `q` holds
    /// rows `groups[q]..groups[q + 1]`; the first entry is 0 and the last the
    /// row count.
    pub fn groups(&self) -> Option<&[usize]> {
        (!self.groups.is_empty()).then_some(&self.groups[..])
    }

    /// Names the features (default: `f0`, `f1`, ...).
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self> {
        check_len(
            "feature names",
            names.len(),
            self.num_features(),
            "feature column",
        )?;
        self.feature_names = names;
        Ok(self)
    }

    /// Declares feature `feature` categorical, with these category names
    /// in code order: its values must be codes `0..names.len()` (whole
    /// numbers) or NaN for missing. Trees split it by sets of categories,
    /// and the model keeps the names (so files can map text to codes).
    ///
    /// ```
    /// use gbdt_core::{train, Dataset, Params};
    /// use ndarray::Array2;
    /// // Feature 0 is a colour code: 0 red, 1 green, 2 blue; 1 and 2 score high.
    /// let x = Array2::from_shape_fn((300, 1), |(i, _)| (i % 3) as f32);
    /// let y: Vec<f32> = (0..300).map(|i| if i % 3 == 0 { 0.0 } else { 1.0 }).collect();
    /// let colours = vec!["red".into(), "green".into(), "blue".into()];
    /// let data = Dataset::new(x.view(), &y)?.with_categorical(0, colours)?;
    /// let model = train(&Params { num_rounds: 20, ..Params::default() }, &data, &[])?;
    /// let split = model.trees()[0].category_split(0).expect("a categorical root split");
    /// assert_eq!(model.categories().names(0).unwrap()[1], "green");
    /// assert_eq!(split.contains(1), split.contains(2));
    /// assert_ne!(split.contains(0), split.contains(1));
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn with_categorical(mut self, feature: usize, names: Vec<String>) -> Result<Self> {
        if feature >= self.num_features() {
            return Err(Error::InvalidParam {
                name: "categorical feature",
                value: feature.to_string(),
                allowed: format!("a feature index below {}", self.num_features()),
            });
        }
        let count = names.len();
        self.categories.insert(feature, names)?;
        let column = self.features.column(feature);
        let bad = column
            .iter()
            .position(|&v| !(v.is_nan() || (v >= 0.0 && v < count as f32 && v.fract() == 0.0)));
        if let Some(row) = bad {
            return Err(Error::InvalidCategory {
                feature,
                name: self.feature_names[feature].clone(),
                row,
                value: column[row],
                count,
                max: count - 1,
            });
        }
        Ok(self)
    }

    /// Declares these features categorical with codes as names: each
    /// feature's categories are `0..=max code` (named `"0"`, `"1"`, ...).
    pub fn with_categorical_codes(mut self, features: &[usize]) -> Result<Self> {
        for &f in features {
            let column = self.features.column(f.min(self.num_features() - 1));
            let max = column
                .iter()
                .filter(|v| !v.is_nan())
                .fold(0.0f32, |m, &v| m.max(v));
            let count = if max.is_finite() && max >= 0.0 && max < MAX_CATEGORIES as f32 {
                max as usize + 1
            } else {
                MAX_CATEGORIES + 1
            };
            self = self.with_categorical(f, (0..count).map(|c| c.to_string()).collect())?;
        }
        Ok(self)
    }

    /// The categorical features.
    pub fn categories(&self) -> &Categories {
        &self.categories
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.features.nrows()
    }

    /// Number of features.
    pub fn num_features(&self) -> usize {
        self.features.ncols()
    }

    /// The feature matrix.
    pub fn features(&self) -> ArrayView2<'a, f32> {
        self.features
    }

    /// The labels.
    pub fn labels(&self) -> &'a [f32] {
        self.labels
    }

    /// The weights, if any.
    pub fn weights(&self) -> Option<&'a [f32]> {
        self.weights
    }

    /// The feature names.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }
}

fn check_len(what: &'static str, got: usize, expected: usize, unit: &'static str) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what,
            got,
            expected,
            unit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn empty_and_mismatched_inputs_are_errors() {
        let x = Array2::<f32>::zeros((0, 3));
        assert!(matches!(
            Dataset::new(x.view(), &[]),
            Err(Error::EmptyDataset { rows: 0, .. })
        ));
        let x = Array2::<f32>::zeros((3, 2));
        let e = Dataset::new(x.view(), &[1.0, 2.0]).unwrap_err();
        assert!(e.to_string().contains("labels has 2 entries"), "{e}");
        let e = Dataset::new(x.view(), &[1.0, f32::NAN, 0.0]).unwrap_err();
        assert!(matches!(e, Error::NonFiniteLabel { row: 1, .. }), "{e}");
    }

    #[test]
    fn weights_and_names_are_checked() {
        let x = Array2::<f32>::zeros((2, 2));
        let y = [0.0, 1.0];
        let d = || Dataset::new(x.view(), &y).unwrap();
        assert!(matches!(
            d().with_weights(&[1.0, -1.0]),
            Err(Error::InvalidWeight { row: 1, .. })
        ));
        assert!(matches!(
            d().with_weights(&[0.0, 0.0]),
            Err(Error::ZeroTotalWeight)
        ));
        assert!(d().with_weights(&[1.0]).is_err());
        assert!(d().with_feature_names(vec!["a".into()]).is_err());
        assert_eq!(d().feature_names(), &["f0".to_string(), "f1".to_string()]);
    }

    #[test]
    fn groups_must_cover_every_row_once() {
        let x = Array2::<f32>::zeros((4, 1));
        let y = [0.0, 1.0, 2.0, 0.0];
        let d = || Dataset::new(x.view(), &y).unwrap();
        assert_eq!(d().groups(), None);
        assert_eq!(
            d().with_groups(&[1, 3]).unwrap().groups(),
            Some(&[0, 1, 4][..])
        );
        let e = d().with_groups(&[2, 0, 2]).unwrap_err().to_string();
        assert!(e.contains("group 1 (0-based) has no rows"), "{e}");
        let e = d().with_groups(&[2, 3]).unwrap_err().to_string();
        assert!(e.contains("cover 5 rows but the data has 4"), "{e}");
        let e = d().with_groups(&[]).unwrap_err().to_string();
        assert!(e.contains("0 group sizes cover 0 rows"), "{e}");
    }
}
