//! Float sums whose result does not depend on the order of the terms: each
//! term is added exactly into a wide fixed-point integer, and only the
//! total is rounded. Split the terms over threads or ranks, merge the
//! partial sums in any order: the same bits come out. Training uses it
//! where one process and many must agree to the byte (base scores, leaf
//! renewal); ranks exchange the integer limbs with an exact integer sum.

use crate::collective::Collective;

/// Bits per limb; each limb holds a 32-bit digit between normalizations.
const DIGIT: u32 = 32;
/// Weight of the lowest bit: terms smaller than 2^-320 in magnitude are
/// truncated toward zero (each term alone, so still in any order).
const MIN_EXP: i32 = -320;
/// Limbs: 2^-320 up to 2^384, room for 2^64 terms near 2^320.
const LIMBS: usize = 22;
/// Terms at or above this magnitude, and NaN and infinities, are summed
/// as plain floats beside the integer (none arise from f32 data).
const HUGE: f64 = 1.0e96;
/// Additions between normalizations: each adds at most 2^32 to a limb.
const NORMALIZE_EVERY: u32 = 1 << 30;

/// An order-independent sum of `f64` terms.
///
/// ```
/// use gbdt_core::ExactSum;
/// let terms = [1e16, 1.0, -1e16, 0.1, 3.5e-300];
/// let mut a = ExactSum::default();
/// terms.iter().for_each(|&t| a.add(t));
/// let mut b = ExactSum::default();
/// terms.iter().rev().for_each(|&t| b.add(t));
/// assert_eq!(a.value(), b.value());
/// assert_eq!(a.value(), 1.1); // a plain f64 sum gives 0.1 or 1.1 by order
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactSum {
    limbs: [i64; LIMBS],
    /// Terms beyond the fixed-point range, summed as floats (bits, so the
    /// type stays `Eq`).
    outside: u64,
    pending: u32,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum {
            limbs: [0; LIMBS],
            outside: 0f64.to_bits(),
            pending: 0,
        }
    }
}

impl ExactSum {
    /// Adds one term exactly.
    #[inline]
    pub fn add(&mut self, term: f64) {
        if term == 0.0 {
            return;
        }
        if term.is_nan() || term.abs() >= HUGE {
            self.outside = (f64::from_bits(self.outside) + term).to_bits();
            return;
        }
        let bits = term.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1u64 << 52) - 1);
        let (mantissa, exp) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | 1 << 52, biased - 1075)
        };
        self.add_scaled(term < 0.0, mantissa, exp);
    }

    /// Adds `±mantissa * 2^exp` exactly (bits below the fixed point's
    /// lowest are truncated toward zero): any `u64` mantissa, shifted by
    /// less than a digit, fits the three digits it is added to.
    #[inline]
    fn add_scaled(&mut self, negative: bool, mantissa: u64, exp: i32) {
        let shift = exp - MIN_EXP;
        let (mantissa, shift) = if shift >= 0 {
            (mantissa as u128, shift as u32)
        } else if shift > -64 {
            ((mantissa >> -shift) as u128, 0)
        } else {
            return;
        };
        let at = (shift / DIGIT) as usize;
        let wide = mantissa << (shift % DIGIT);
        let sign = if negative { -1 } else { 1 };
        for (i, digit) in [wide as u32, (wide >> 32) as u32, (wide >> 64) as u32]
            .into_iter()
            .enumerate()
        {
            self.limbs[at + i] += sign * digit as i64;
        }
        self.pending += 1;
        if self.pending >= NORMALIZE_EVERY {
            self.normalize();
        }
    }

    /// Adds every term of `other`.
    pub fn merge(&mut self, other: &ExactSum) {
        let mut other = other.clone();
        other.normalize();
        self.normalize();
        for (a, b) in self.limbs.iter_mut().zip(other.limbs) {
            *a += b;
        }
        self.outside = (f64::from_bits(self.outside) + f64::from_bits(other.outside)).to_bits();
        self.normalize();
    }

    /// Carries so that every limb but the top one is a digit in `0..2^32`.
    fn normalize(&mut self) {
        for i in 0..LIMBS - 1 {
            let carry = self.limbs[i] >> DIGIT;
            self.limbs[i] -= carry << DIGIT;
            self.limbs[i + 1] += carry;
        }
        self.pending = 0;
    }

    /// The limbs, normalized, to be summed element-wise with other ranks'
    /// (an exact integer sum), then read back with [`ExactSum::from_words`].
    /// Terms outside the fixed-point range are not in them ([`ExactSum::outside`]).
    pub fn words(&self) -> [i64; LIMBS] {
        let mut s = self.clone();
        s.normalize();
        s.limbs
    }

    /// Rebuilds a sum from (summed) limbs, as many as [`ExactSum::words`] gives.
    pub fn from_words(words: &[i64]) -> ExactSum {
        let mut s = ExactSum::default();
        s.limbs.copy_from_slice(&words[..LIMBS]);
        s.normalize();
        s
    }

    /// Terms outside the fixed-point range (NaN, infinities, |t| >= 1e96),
    /// summed as floats in the order added.
    pub fn outside(&self) -> f64 {
        f64::from_bits(self.outside)
    }

    /// The total, rounded to `f64`: a function of the exact total only.
    pub fn value(&self) -> f64 {
        let mut s = self.clone();
        s.normalize();
        let negative = s.limbs[LIMBS - 1] < 0;
        if negative {
            negate(&mut s.limbs);
        }
        let magnitude = match s.limbs.iter().rposition(|&l| l != 0) {
            None => 0.0,
            Some(top) => {
                let low = top.saturating_sub(2);
                let mut head = 0u128;
                for i in (low..=top).rev() {
                    head = head << DIGIT | s.limbs[i] as u128;
                }
                head as f64 * pow2(low as i32 * DIGIT as i32 + MIN_EXP)
            }
        };
        let v = if negative { -magnitude } else { magnitude };
        v + s.outside()
    }
}

/// An exact sum of `f32` terms, one integer add per term: every term's
/// signed 24-bit mantissa goes into the bucket of its exponent, and the
/// buckets become an [`ExactSum`] at the end. It gives that sum's bits for
/// the same terms, at a fraction of its cost per term (leaf renewal adds
/// every row's gradient and hessian each tree). A bucket holds 2^39 terms
/// (24-bit mantissas in an `i64`), far more than a leaf's rows (`u32`).
#[derive(Clone)]
pub(crate) struct F32Sum {
    /// By biased exponent; bucket `e` counts units of `2^(max(e, 1) - 150)`.
    buckets: [i64; 256],
    /// NaN and infinities, summed as floats in the order added.
    outside: f64,
}

impl Default for F32Sum {
    fn default() -> Self {
        F32Sum {
            buckets: [0; 256],
            outside: 0.0,
        }
    }
}

impl F32Sum {
    #[inline(always)]
    pub fn add(&mut self, term: f32) {
        let bits = term.to_bits();
        let biased = (bits >> 23) & 0xff;
        if biased == 0xff {
            self.outside += term as f64;
            return;
        }
        let hidden = if biased == 0 { 0 } else { 1 << 23 };
        let mantissa = ((bits & 0x7f_ffff) | hidden) as i64;
        // -1 for a negative term, else 0: `(m ^ s) - s` is then `±m`.
        let sign = (bits as i32 >> 31) as i64;
        self.buckets[biased as usize] += (mantissa ^ sign) - sign;
    }

    /// The sum, as an [`ExactSum`].
    pub fn exact(&self) -> ExactSum {
        let mut sum = ExactSum::default();
        for (e, &b) in self.buckets.iter().enumerate().filter(|(_, &b)| b != 0) {
            sum.add_scaled(b < 0, b.unsigned_abs(), (e as i32).max(1) - 150);
        }
        sum.outside = self.outside.to_bits();
        sum
    }
}

/// Every rank's sums added together, element-wise, the same on every rank:
/// the limbs by an exact integer sum, the out-of-range parts as floats.
pub(crate) fn all_reduce(sums: &mut [ExactSum], c: &dyn Collective) {
    if c.size() == 1 {
        return;
    }
    let mut words: Vec<i64> = sums.iter().flat_map(ExactSum::words).collect();
    c.sum_i64(&mut words);
    let mut outside: Vec<f64> = sums.iter().map(ExactSum::outside).collect();
    c.sum_f64(&mut outside);
    for ((s, w), o) in sums.iter_mut().zip(words.chunks_exact(LIMBS)).zip(outside) {
        *s = ExactSum::from_words(w);
        s.outside = o.to_bits();
    }
}

/// Two's-complement negation of normalized limbs (top limb signed).
fn negate(limbs: &mut [i64; LIMBS]) {
    for l in limbs.iter_mut() {
        *l = -*l;
    }
    for i in 0..LIMBS - 1 {
        let carry = limbs[i] >> DIGIT;
        limbs[i] -= carry << DIGIT;
        limbs[i + 1] += carry;
    }
}

/// 2^e for the exponents the fixed point spans (normal doubles).
fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sum(terms: &[f64]) -> ExactSum {
        let mut s = ExactSum::default();
        terms.iter().for_each(|&t| s.add(t));
        s
    }

    #[test]
    fn exact_where_floats_round() {
        assert_eq!(sum(&[1e16, 1.0, -1e16]).value(), 1.0);
        // A plain f64 sum of ten 0.1s gives 0.9999999999999999.
        assert_eq!(sum(&[0.1; 10]).value(), 1.0);
        assert_eq!(sum(&[-2.5, 1.0]).value(), -1.5);
        assert_eq!(
            sum(&[f32::MAX as f64, f32::MAX as f64]).value(),
            2.0 * f32::MAX as f64
        );
        assert_eq!(
            sum(&[f32::MIN_POSITIVE as f64 / 8.0]).value(),
            f32::MIN_POSITIVE as f64 / 8.0
        );
        assert!(sum(&[1.0, f64::NAN]).value().is_nan());
        assert_eq!(sum(&[1.0, f64::INFINITY]).value(), f64::INFINITY);
        assert_eq!(sum(&[]).value(), 0.0);
    }

    fn f32_sum(terms: &[f32]) -> ExactSum {
        let mut s = F32Sum::default();
        terms.iter().for_each(|&t| s.add(t));
        s.exact()
    }

    #[test]
    fn f32_sums_equal_exact_sums_at_the_edges() {
        let edges = [
            f32::MAX,
            f32::MAX,
            -f32::MIN_POSITIVE,
            f32::MIN_POSITIVE / 8.0,
            -f32::from_bits(1),
            0.0,
            -0.0,
            1.5,
            -1e-30,
        ];
        for n in 0..=edges.len() {
            let wide: Vec<f64> = edges[..n].iter().map(|&t| t as f64).collect();
            let (a, b) = (f32_sum(&edges[..n]), sum(&wide));
            assert_eq!(a.words(), b.words(), "first {n} terms");
            assert_eq!(a.value().to_bits(), b.value().to_bits(), "first {n} terms");
        }
        assert!(f32_sum(&[1.0, f32::NAN]).value().is_nan());
        assert_eq!(
            f32_sum(&[1.0, f32::NEG_INFINITY]).value(),
            f64::NEG_INFINITY
        );
    }

    proptest! {
        #[test]
        fn f32_sums_give_the_exact_sums_bits(
            terms in proptest::collection::vec(
                prop_oneof![-1e30f32..1e30, -1e-3f32..1e-3, -1e-38f32..1e-38],
                0..300,
            ),
        ) {
            let wide: Vec<f64> = terms.iter().map(|&t| t as f64).collect();
            prop_assert_eq!(f32_sum(&terms).words(), sum(&wide).words());
            prop_assert_eq!(f32_sum(&terms).value().to_bits(), sum(&wide).value().to_bits());
        }

        #[test]
        fn any_order_and_any_split_give_the_same_bits(
            terms in proptest::collection::vec(-1e30f64..1e30, 0..200),
            cut in 0usize..200,
            tiny in proptest::collection::vec(-1e-30f64..1e-30, 0..20),
        ) {
            let mut all = terms.clone();
            all.extend(tiny);
            let forward = sum(&all);
            let mut reversed = all.clone();
            reversed.reverse();
            prop_assert_eq!(forward.value().to_bits(), sum(&reversed).value().to_bits());
            let cut = cut.min(all.len());
            let mut left = sum(&all[..cut]);
            left.merge(&sum(&all[cut..]));
            prop_assert_eq!(left.value().to_bits(), forward.value().to_bits());
            let mut words = sum(&all[..cut]).words();
            for (w, o) in words.iter_mut().zip(sum(&all[cut..]).words()) {
                *w += o;
            }
            prop_assert_eq!(ExactSum::from_words(&words).value().to_bits(), forward.value().to_bits());
            // Close to the float sum.
            let plain: f64 = all.iter().sum();
            let scale: f64 = all.iter().map(|t| t.abs()).sum::<f64>().max(1e-300);
            prop_assert!((forward.value() - plain).abs() <= 1e-12 * scale);
        }
    }
}
