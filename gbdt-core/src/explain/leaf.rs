//! Shapley values of one leaf's term of the conditional expectation.
//!
//! For a leaf with value `v` and distinct path features `P` (`d = |P|`),
//! each with zero fraction `z_j` and one fraction `o_j` (0 or 1, from the
//! row), the leaf's term of `E[f(x) | x_S]` is
//! `f(S) = v * prod_{j in S} o_j * prod_{j in P \ S} z_j`,
//! a game on the players `P` only. With `A = {j : o_j = 1}`:
//!
//! - a feature `i` not in `A` gets `-sum_{T ⊆ A} w(|T|) f(T)`, the same for
//!   every such feature;
//! - a feature `i` in `A` gets `sum_{S ⊆ A\i} w(|S|) (f(S ∪ i) - f(S))`,
//!
//! where `w(s) = s! (d-s-1)! / d!`. Two evaluations follow: [`LeafTable`]
//! precomputes both sums for every subset `A` once per leaf (Fast TreeSHAP
//! v2's idea, `O(d 2^d)` once, then `O(d)` per row), and [`leaf_shap`] works
//! from the row in `O(d^2)` with elementary symmetric polynomials of the
//! `z_j` (what Algorithm 2's EXTEND/UNWIND compute), with no table.

/// Shapley weights `w(s) = s! (d-s-1)! / d!` for `s` in `0..d`, into `out`.
pub(crate) fn shapley_weights(d: usize, out: &mut [f64]) {
    let mut w = 1.0 / d as f64;
    for (s, o) in out[..d].iter_mut().enumerate() {
        *o = w;
        if s + 1 < d {
            w *= (s + 1) as f64 / (d - s - 1) as f64;
        }
    }
}

/// Scratch buffers for [`leaf_shap`], sized for `d` distinct features.
#[derive(Debug, Default)]
pub(crate) struct LeafScratch {
    weights: Vec<f64>,
    e: Vec<f64>,
    e_without: Vec<f64>,
}

impl LeafScratch {
    /// Buffers for leaves with up to `d` distinct features.
    pub fn new(d: usize) -> Self {
        LeafScratch {
            weights: vec![0.0; d + 1],
            e: vec![0.0; d + 2],
            e_without: vec![0.0; d + 2],
        }
    }
}

/// Shapley values of one leaf, from the row's one fractions `ones`, calling
/// `add(slot, phi)` for every distinct feature. `O(d^2)`.
pub(crate) fn leaf_shap(
    value: f64,
    zeros: &[f64],
    ones: &[bool],
    scratch: &mut LeafScratch,
    mut add: impl FnMut(usize, f64),
) {
    let d = zeros.len();
    if d == 0 {
        return;
    }
    let LeafScratch {
        weights,
        e,
        e_without,
    } = scratch;
    shapley_weights(d, weights);
    // e[r]: elementary symmetric polynomial of degree r of the z of A;
    // cold: product of the z outside A.
    let (mut a, mut cold) = (0usize, 1.0f64);
    e[0] = 1.0;
    for (&z, &one) in zeros.iter().zip(ones) {
        if one {
            a += 1;
            e[a] = 0.0;
            for k in (1..=a).rev() {
                e[k] += z * e[k - 1];
            }
        } else {
            cold *= z;
        }
    }
    let scale = value * cold;
    if a < d {
        // sum_{T ⊆ A} w(|T|) prod_{A \ T} z = sum_k w(k) e[a - k]
        let sum: f64 = (0..=a).map(|k| weights[k] * e[a - k]).sum();
        let neg = -scale * sum;
        for (slot, _) in ones[..d].iter().enumerate().filter(|(_, &o)| !o) {
            add(slot, neg);
        }
    }
    for (slot, (&z, _)) in zeros.iter().zip(ones).enumerate().filter(|(_, (_, &o))| o) {
        // Divide (1 + z t) out of the polynomial: e over A \ {slot}.
        e_without[0] = 1.0;
        for r in 1..a {
            e_without[r] = e[r] - z * e_without[r - 1];
        }
        let sum: f64 = (0..a).map(|k| weights[k] * e_without[a - 1 - k]).sum();
        add(slot, scale * (1.0 - z) * sum);
    }
}

/// Subset sums of one leaf for every agreement mask `A` (bit `j` set when
/// `o_j = 1`): `[H(A), K(A)]` with `H(A) = sum_{T ⊆ A} w(|T|) f(T)`,
/// `H'(A) = sum_{∅ ≠ T ⊆ A} w(|T|-1) f(T)` and `K = H + H'`, where
/// `f(T) = v prod_{j notin T} z_j`. A feature outside `A` gets `-H(A)`; a
/// feature `i` in `A` gets `H'(A) - H'(A\i) - H(A\i) = K(A) - H(A) - K(A\i)`.
/// So every feature gets `-H(A)`, plus `K(A) - K(A\i)` when in `A`.
pub(crate) struct LeafTable;

impl LeafTable {
    /// Number of entries for `d` distinct features.
    pub fn len(d: usize) -> usize {
        1usize << d
    }

    /// Fills `table` (length `2^d`, `d <= 16`) for a leaf. `O(d 2^d)`,
    /// without allocating.
    pub fn build(value: f64, zeros: &[f64], table: &mut [[f64; 2]]) {
        let d = zeros.len();
        let n = LeafTable::len(d);
        let full = n - 1;
        let mut weights = [0.0; 16];
        if d > 0 {
            shapley_weights(d, &mut weights);
        }
        let term = |t: usize, product_outside: f64| {
            let f = value * product_outside;
            let s = t.count_ones() as usize;
            let h = if s < d { weights[s] * f } else { 0.0 };
            let h1 = if s >= 1 { weights[s - 1] * f } else { 0.0 };
            [h, h + h1]
        };
        // First table[m][1] = prod_{j in m} z_j; then each entry needs the
        // product over its complement, so fill complements in pairs.
        table[0][1] = 1.0;
        for m in 1..n {
            table[m][1] = table[m & (m - 1)][1] * zeros[m.trailing_zeros() as usize];
        }
        for t in (0..n).filter(|&t| t <= full ^ t) {
            let (inside, outside) = (table[t][1], table[full ^ t][1]);
            table[t] = term(t, outside);
            table[full ^ t] = term(full ^ t, inside);
        }
        // Subset sums (zeta transform), one bit at a time.
        for b in 0..d {
            let bit = 1usize << b;
            for m in 0..n {
                if m & bit != 0 {
                    let lower = table[m ^ bit];
                    table[m][0] += lower[0];
                    table[m][1] += lower[1];
                }
            }
        }
    }

    /// Shapley values of a leaf from its table and the row's agreement
    /// mask, calling `add(slot, phi)` for every distinct feature. `O(d)`,
    /// without data-dependent branches.
    #[inline]
    pub fn eval(table: &[[f64; 2]], d: usize, mask: u64, mut add: impl FnMut(usize, f64)) {
        let mask = mask as usize;
        let [h, k] = table[mask];
        for slot in 0..d {
            let bit = 1usize << slot;
            let k_without = table[mask ^ bit][1];
            // Multiplying by the bit (0 or 1) keeps the loop branch-free.
            let inside = (k - k_without) * ((mask >> slot) & 1) as f64;
            add(slot, inside - h);
        }
    }
}
