//! A training or validation set: a borrowed feature matrix, labels,
//! optional weights and feature names.

use ndarray::ArrayView2;

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
}
