//! Seeded random numbers for row and feature sampling. A small SplitMix64
//! generator: deterministic everywhere, no dependency.

/// The SplitMix64 output at position `at` of the stream whose state starts
/// at `key`: random access, so a row's draw depends on its global index
/// only, not on which thread, block or rank handles it.
#[inline(always)]
pub(crate) fn mix_at(key: u64, at: u64) -> u64 {
    let mut z = key.wrapping_add(at.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Uniform in [0, 1) from 53 bits of `z`.
#[inline(always)]
pub(crate) fn unit(z: u64) -> f64 {
    (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// SplitMix64 (Steele, Lea, Flood 2014): fast, 64-bit state, good enough
/// for sampling.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for one purpose, derived from the user seed and a stream
    /// id (round, node, ...), so streams never depend on call order.
    pub fn new(seed: u64, stream: &[u64]) -> Rng {
        let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        for &s in stream {
            r.0 ^= s.wrapping_mul(0xD1B5_4A32_D192_ED03);
            r.next_u64();
        }
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        unit(self.next_u64())
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_f64() * n as f64) as usize
    }

    /// `k` distinct items of `items`, kept in their original order.
    pub fn choose_sorted(&mut self, items: &[usize], k: usize) -> Vec<usize> {
        let mut pool = items.to_vec();
        let k = k.min(pool.len());
        for i in 0..k {
            let j = i + self.below(pool.len() - i);
            pool.swap(i, j);
        }
        pool.truncate(k);
        pool.sort_unstable();
        pool
    }
}

/// How many of `n` items a fraction keeps: at least one.
pub(crate) fn fraction_count(n: usize, fraction: f64) -> usize {
    ((n as f64 * fraction).round() as usize).clamp(1, n.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, &[1]);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, &[1]);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7, &[2]);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn choose_sorted_picks_distinct_sorted_items() {
        let items: Vec<usize> = (0..50).collect();
        let picked = Rng::new(1, &[]).choose_sorted(&items, 10);
        assert_eq!(picked.len(), 10);
        assert!(picked.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(fraction_count(10, 0.01), 1);
        assert_eq!(fraction_count(10, 0.5), 5);
    }

    #[test]
    fn uniform_mean() {
        let mut r = Rng::new(3, &[]);
        let m: f64 = (0..10000).map(|_| r.next_f64()).sum::<f64>() / 10000.0;
        assert!((m - 0.5).abs() < 0.02, "{m}");
    }
}
