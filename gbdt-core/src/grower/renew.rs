//! Quantized training's leaf renewal (LightGBM's `quant_train_renew_leaf`):
//! the tree's structure comes from quantized gradients, its leaf values
//! from the exact ones, each leaf summed in its rows' partition order (the
//! same for any thread count) and clamped to its monotone bounds.

use super::leaves::Leaf;
use super::{GrowConfig, GrowInput};
use crate::histogram::BinStat;
use crate::parallel::Executor;
use crate::tree::Tree;

/// Sets every leaf's value from the exact gradients of its rows.
pub(super) fn renew_leaves(
    leaves: &[Leaf],
    rows: &[u32],
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    tree: &mut Tree,
    par: &Executor,
) {
    let values = par.map_range(leaves.len(), |i| {
        let leaf = &leaves[i];
        let mut sum = BinStat::default();
        for &r in &rows[leaf.range.clone()] {
            sum.add(input.grads[r as usize * input.stride + input.output]);
        }
        cfg.split.value_of(cfg.weight(sum, leaf.bounds))
    });
    for (leaf, value) in leaves.iter().zip(values) {
        tree.set_leaf_value(leaf.node, value);
    }
}
