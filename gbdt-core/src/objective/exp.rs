//! `e^x` without a libm call, so that loops over rows that take it
//! (logistic gradients) vectorize: `x = n ln 2 + r` with `|r| <= ln 2 / 2`,
//! `e^r` by its Taylor series to degree 12 (truncation below 1e-15
//! relative), and `2^n` written into the exponent bits. The rounding to `n`
//! and the scaling are float and 64-bit integer operations every SIMD unit
//! has. Within a few units in the last place of `f64::exp` (test), and a
//! pure function of `x`, so models stay the same for any thread count.

/// `1 / k!` for `k` in `0..=12`.
const INVERSE_FACTORIALS: [f64; 13] = {
    let mut c = [1.0; 13];
    let mut k = 1;
    while k < 13 {
        c[k] = c[k - 1] / k as f64;
        k += 1;
    }
    c
};

/// `e^x` for `x` clamped to `[-700, 700]` (the losses that use it
/// saturate long before).
#[inline(always)]
pub(super) fn exp(x: f64) -> f64 {
    // Adding and subtracting 1.5 * 2^52 rounds to the nearest integer, and
    // the sum's low bits hold that integer.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let x = x.clamp(-700.0, 700.0);
    let shifted = x * std::f64::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = INVERSE_FACTORIALS[12];
    for &c in INVERSE_FACTORIALS[..12].iter().rev() {
        p = p * r + c;
    }
    let biased = shifted
        .to_bits()
        .wrapping_sub(ROUND.to_bits())
        .wrapping_add(1023);
    p * f64::from_bits(biased << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_standard_exp() {
        let mut worst = 0.0f64;
        for i in -200_000..=200_000 {
            let x = i as f64 * 0.0035;
            let (fast, std) = (exp(x), x.exp());
            worst = worst.max(((fast - std) / std).abs());
        }
        assert!(worst < 1e-15, "relative error up to {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(1e9), 700f64.exp());
        assert!(exp(-1e9) > 0.0 && exp(-1e9) < 1e-300);
        assert!(exp(f64::NEG_INFINITY) < 1e-300);
    }
}
