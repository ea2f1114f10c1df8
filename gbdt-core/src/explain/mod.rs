//! Explanations: per-row feature contributions by exact path-dependent
//! TreeSHAP (Lundberg et al. 2018), in margin space.
//!
//! `paths.rs` extracts each leaf's distinct path features and cover
//! fractions once per tree; `leaf.rs` holds the Shapley arithmetic of one
//! leaf (a precomputed subset table, or an `O(d^2)` polynomial form);
//! `forest.rs` runs the trees over blocks of rows. Each leaf's term of the
//! conditional expectation is a game on its own path features only, so a
//! tree's Shapley values are the sum over its leaves of those small games:
//! the same values as Algorithm 2's EXTEND/UNWIND recursion.

mod forest;
mod leaf;
mod paths;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod xgb_tests;

use ndarray::{s, Array2, ArrayView2};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::parallel::Executor;

use forest::{ShapForest, TABLE_BUDGET};

/// Rows per parallel block: one tree's tables stay in cache while every row
/// of the block walks it. Blocks are fixed by the data, not the threads.
const ROWS_PER_BLOCK: usize = 128;

impl Model {
    /// SHAP contributions of every feature to every row's raw margin, with
    /// the rounds used for prediction (up to the best iteration).
    ///
    /// The result has `rows` rows and `num_outputs × (num_features + 1)`
    /// columns: for each output (class) one column per feature, then a bias
    /// column (XGBoost's `pred_contribs` layout). The bias is the base
    /// margin plus each tree's cover-weighted mean output, so a row's
    /// contributions plus its bias add up to its raw margin. Values are
    /// exact path-dependent TreeSHAP: the expectation over an unknown
    /// feature follows the training cover of each branch (a child's share
    /// is its cover over the sum of both children's), as XGBoost's
    /// `pred_contribs` does.
    ///
    /// Rows run in parallel blocks on `exec`; results do not depend on the
    /// thread count. Each tree leaf with `d` distinct features on its path
    /// costs `O(d)` per row once a `2^d` table is built for the batch
    /// (Fast TreeSHAP v2's precomputation), or `O(d^2)` without one; small
    /// batches skip the tables, so a row's values can differ in the last
    /// bits between batch sizes.
    ///
    /// ```
    /// use gbdt_core::{train, Dataset, Executor, Objective, Params};
    /// use ndarray::Array2;
    /// let x = Array2::from_shape_fn((300, 3), |(i, j)| ((i * (j + 3)) % 17) as f32);
    /// let y: Vec<f32> = (0..300).map(|i| (x[[i, 0]] > 8.0) as u8 as f32).collect();
    /// let params = Params { objective: Objective::Logistic, num_rounds: 10, threads: Some(1), ..Params::default() };
    /// let model = train(&params, &Dataset::new(x.view(), &y)?, &[])?;
    ///
    /// let contrib = model.predict_contributions(x.view(), &Executor::new(2)?)?;
    /// assert_eq!(contrib.ncols(), 3 + 1); // 3 features, then the bias
    /// let margin = model.predict_raw(x.view())?;
    /// for (row, m) in contrib.rows().into_iter().zip(margin.column(0)) {
    ///     assert!((row.sum() - m).abs() < 1e-4);
    /// }
    /// // Feature 0 decides the label: it carries the most credit.
    /// let credit = |j: usize| contrib.column(j).mapv(f64::abs).sum();
    /// assert!(credit(0) > credit(1) && credit(0) > credit(2));
    /// # Ok::<(), gbdt_core::Error>(())
    /// ```
    pub fn predict_contributions(
        &self,
        features: ArrayView2<'_, f32>,
        exec: &Executor,
    ) -> Result<Array2<f64>> {
        self.predict_contributions_rounds(features, self.rounds_for_prediction(), exec)
    }

    /// [`Model::predict_contributions`] with the first `rounds` rounds
    /// (capped at the number trained).
    pub fn predict_contributions_rounds(
        &self,
        features: ArrayView2<'_, f32>,
        rounds: usize,
        exec: &Executor,
    ) -> Result<Array2<f64>> {
        self.contributions_with_budget(features, rounds, TABLE_BUDGET, exec)
    }

    /// The contributions with an explicit table budget in entries of 16
    /// bytes (0: no tables, every leaf in `O(d^2)`).
    pub(crate) fn contributions_with_budget(
        &self,
        features: ArrayView2<'_, f32>,
        rounds: usize,
        table_budget: usize,
        exec: &Executor,
    ) -> Result<Array2<f64>> {
        if features.ncols() != self.num_features() {
            return Err(Error::FeatureCountMismatch {
                got: features.ncols(),
                expected: self.num_features(),
            });
        }
        let rounds = rounds.min(self.num_rounds());
        let table_rows = if table_budget > 0 {
            features.nrows()
        } else {
            0
        };
        let mut forest = ShapForest::new(self, rounds, table_rows, exec);
        let width = self.num_outputs() * (self.num_features() + 1);
        let mut out = Array2::<f64>::zeros((features.nrows(), width));
        let Some(slice) = out.as_slice_mut() else {
            unreachable!("a fresh array is row-major");
        };
        forest.write_bias(slice);
        for group in forest.groups(table_budget) {
            forest.build_tables(group.clone(), exec);
            let shared = &forest;
            exec.for_each_chunk_mut(slice, ROWS_PER_BLOCK * width, |b, block| {
                let start = b * ROWS_PER_BLOCK;
                let rows = features.slice(s![start..start + block.len() / width, ..]);
                let owned;
                let rows = match rows.as_slice() {
                    Some(r) => r,
                    None => {
                        owned = rows.iter().copied().collect::<Vec<f32>>();
                        &owned
                    }
                };
                shared.explain_block(group.clone(), rows, block, &mut shared.scratch());
            });
            forest.drop_tables(group);
        }
        Ok(out)
    }
}
