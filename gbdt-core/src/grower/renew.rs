//! Quantized training's leaf renewal (LightGBM's `quant_train_renew_leaf`):
//! the tree's structure comes from quantized gradients, its leaf values
//! from the exact ones, each leaf summed exactly (the same bits for any
//! thread count and any split of the rows over ranks) and clamped to its
//! monotone bounds.

use super::leaves::Leaf;
use super::{GrowConfig, GrowInput};
use crate::exact_sum::{self, ExactSum, F32Sum};
use crate::histogram::BinStat;
use crate::parallel::Executor;
use crate::prefetch::prefetch;
use crate::tree::Tree;

/// Rows ahead whose gradients are asked for (a leaf's rows lie far
/// apart, one cache miss each).
const AHEAD: usize = 16;

/// Sets every leaf's value from the exact gradients of its rows.
pub(super) fn renew_leaves(
    leaves: &[Leaf],
    rows: &[u32],
    input: &GrowInput<'_>,
    cfg: &GrowConfig,
    tree: &mut Tree,
    par: &Executor,
) {
    let mut sums: Vec<ExactSum> = par
        .map_range(leaves.len(), |i| {
            let (mut g, mut h) = (F32Sum::default(), F32Sum::default());
            let rows = &rows[leaves[i].range.clone()];
            for (at, &r) in rows.iter().enumerate() {
                if let Some(&next) = rows.get(at + AHEAD) {
                    prefetch(input.grads, next as usize);
                }
                let p = input.grads[r as usize];
                g.add(p.g);
                h.add(p.h);
            }
            [g.exact(), h.exact()]
        })
        .into_iter()
        .flatten()
        .collect();
    exact_sum::all_reduce(&mut sums, par.collective());
    for (leaf, sum) in leaves.iter().zip(sums.chunks_exact(2)) {
        let sum = BinStat {
            g: sum[0].value(),
            h: sum[1].value(),
        };
        let value = cfg.split.value_of(cfg.weight(sum, leaf.bounds));
        tree.set_leaf_value(leaf.node, value);
    }
}
