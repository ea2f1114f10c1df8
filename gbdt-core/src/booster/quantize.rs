//! Quantized gradients (LightGBM 4's `use_quantized_grad`; Shi et al.,
//! NeurIPS 2022): each round, every row's gradient and hessian become small
//! integers, `g` in `-L..=L` with `L = num_grad_quant_bins / 2` and `h` in
//! `0..=num_grad_quant_bins`, with one scale per model output (the largest
//! `|g|` over `L`, the largest `h` over the bins). Rounding is stochastic
//! (up with probability equal to the fraction), so each rounded value is
//! unbiased. Its random bits are keyed by (seed, round, row, output) only,
//! not by thread or block, so the model is the same for any thread count
//! (LightGBM seeds per thread) and for any split of the rows over processes
//! that keeps the global row index and the global scales (a distributed
//! mode takes the max over ranks before quantizing).

use crate::error::{Error, Result};
use crate::histogram::{PackedBin, QuantScale};
use crate::objective::GradPair;
use crate::parallel::Executor;
use crate::params::Params;
use crate::sampling::{mix_at, Rng};

/// Rows per parallel block; any value gives the same result.
const ROW_BLOCK: usize = 16_384;

/// One round's quantized gradients: rows × outputs like the gradients, and
/// one scale per output.
#[derive(Debug, Default)]
pub(super) struct Quantized {
    pub rows: Vec<PackedBin>,
    pub scales: Vec<QuantScale>,
}

impl Quantized {
    /// Quantizes `grads` (rows × `k`) for `round` with `levels` bins; the
    /// rows are global rows `offset..` (scales are the maxima over every
    /// rank of `exec`, rounding is keyed by the global row).
    pub fn quantize(
        &mut self,
        grads: &[GradPair],
        k: usize,
        levels: usize,
        key: (u64, usize, usize),
        exec: &Executor,
    ) {
        let (seed, round, offset) = key;
        self.scales = scales(grads, k, levels, exec);
        self.rows.resize(grads.len(), PackedBin::default());
        let inverse: Vec<(f32, f32)> = (self.scales.iter())
            .map(|s| ((1.0 / s.g) as f32, (1.0 / s.h) as f32))
            .collect();
        let rounder = Rounder::new(levels, round_key(seed, round));
        exec.for_each_chunk_mut(&mut self.rows, ROW_BLOCK * k, |b, out| {
            let first = b * ROW_BLOCK * k;
            let rows = out.chunks_exact_mut(k).zip(grads[first..].chunks_exact(k));
            for (row, (slots, pairs)) in rows.enumerate() {
                let at = (offset * k + first + row * k) as u64;
                for (o, (slot, p)) in slots.iter_mut().zip(pairs).enumerate() {
                    let (ig, ih) = inverse[o];
                    *slot = rounder.round(p.g * ig, p.h * ih, at + o as u64);
                }
            }
        });
    }
}

/// Stochastic rounding of one entry's scaled gradient and hessian.
struct Rounder {
    round_key: u64,
    /// `L = levels / 2` and `levels` as bounds.
    lg: f32,
    lh: f32,
}

/// Added before truncating so that truncation is `floor`.
const OFFSET: i32 = 128;

impl Rounder {
    fn new(levels: usize, round_key: u64) -> Rounder {
        Rounder {
            round_key,
            lg: (levels / 2) as f32,
            lh: levels as f32,
        }
    }

    /// `g` in units (|g| <= L) and `h` (0 <= h <= levels), rounded down or
    /// up, up with probability equal to the fraction: unbiased. `floor` is
    /// a truncation after shifting by `OFFSET` (no libm call).
    #[inline(always)]
    fn round(&self, g: f32, h: f32, at: u64) -> PackedBin {
        let (ug, uh) = uniforms(self.round_key, at);
        let g = ((g + ug).clamp(-self.lg, self.lg + 0.5) + OFFSET as f32) as i32 - OFFSET;
        let h = (h + uh).clamp(0.0, self.lh + 0.5) as u32;
        PackedBin::new(g, h)
    }
}

/// Quantized training keeps every sum of a histogram within the packed
/// bin's halves: rows × bins must fit an `i32`.
pub(super) fn check(params: &Params, rows: usize) -> Result<()> {
    let bins = params.num_grad_quant_bins as u64;
    if !params.use_quantized_grad || rows as u64 * bins <= PackedBin::MAX_SUM {
        return Ok(());
    }
    Err(Error::InvalidParam {
        name: "use_quantized_grad",
        value: format!("true with {rows} rows and num_grad_quant_bins {bins}"),
        allowed: format!(
            "false, or rows x num_grad_quant_bins <= {} (integer histogram sums are 32-bit)",
            PackedBin::MAX_SUM
        ),
    })
}

/// Each output's scales: largest |g| / L and largest h / bins (1 when all
/// are zero), maxima taken per fixed block and merged in block order.
fn scales(grads: &[GradPair], k: usize, levels: usize, exec: &Executor) -> Vec<QuantScale> {
    let chunk = ROW_BLOCK * k;
    let partial = exec.map_range(grads.len().div_ceil(chunk), |b| {
        let mut m = vec![(0f32, 0f32); k];
        let end = ((b + 1) * chunk).min(grads.len());
        for row in grads[b * chunk..end].chunks_exact(k) {
            for (o, p) in m.iter_mut().zip(row) {
                *o = (o.0.max(p.g.abs()), o.1.max(p.h));
            }
        }
        m
    });
    let mut max = vec![0f64; 2 * k];
    for m in partial {
        for (a, b) in max.chunks_exact_mut(2).zip(m) {
            a[0] = a[0].max(b.0 as f64);
            a[1] = a[1].max(b.1 as f64);
        }
    }
    exec.collective().max_f64(&mut max);
    let max = max.chunks_exact(2).map(|m| (m[0] as f32, m[1] as f32));
    let unit = |m: f32, l: usize| if m > 0.0 { m as f64 / l as f64 } else { 1.0 };
    max.map(|(g, h)| QuantScale {
        g: unit(g, levels / 2),
        h: unit(h, levels),
    })
    .collect()
}

/// The key of one round's random stream.
fn round_key(seed: u64, round: usize) -> u64 {
    Rng::new(seed, &[round as u64, 0x0A47]).next_u64()
}

/// Two uniforms in [0, 1) for entry `at` (row × outputs + output): the
/// SplitMix64 output at that position of the round's stream, 24 bits each.
#[inline(always)]
fn uniforms(round_key: u64, at: u64) -> (f32, f32) {
    let z = mix_at(round_key, at);
    let unit = 1.0 / (1u32 << 24) as f32;
    ((z >> 40) as f32 * unit, (z & 0xFF_FFFF) as f32 * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantize(grads: &[GradPair], k: usize, threads: usize) -> Quantized {
        let mut q = Quantized::default();
        let exec = Executor::new(threads).unwrap();
        q.quantize(grads, k, 4, (7, 3, 0), &exec);
        q
    }

    #[test]
    fn stochastic_rounding_is_unbiased() {
        // One row sets the scale (|g| max 1 -> 0.5 per unit); the others
        // sit between levels and round up or down.
        let n = 200_000;
        let mut grads = vec![GradPair { g: 0.3, h: 0.1 }; n];
        grads[0] = GradPair { g: -1.0, h: 0.25 };
        let q = quantize(&grads, 1, 2);
        let s = q.scales[0];
        assert_eq!((s.g, s.h), (0.5, 0.0625));
        let mean = |f: &dyn Fn(PackedBin) -> f64| {
            q.rows[1..].iter().map(|&p| f(p)).sum::<f64>() / (n - 1) as f64
        };
        let g = mean(&|p| p.g() as f64 * s.g);
        let h = mean(&|p| p.h() as f64 * s.h);
        // Standard error of the mean: 0.5 * 0.49 / sqrt(n) ~ 5.5e-4.
        assert!((g - 0.3).abs() < 3e-3, "mean gradient {g}");
        assert!((h - 0.1).abs() < 1e-3, "mean hessian {h}");
        assert!(q.rows[1..].iter().all(|p| (0..=1).contains(&p.g())));
        assert_eq!((q.rows[0].g(), q.rows[0].h()), (-2, 4));
    }

    #[test]
    fn same_for_any_thread_count_and_per_output_scales() {
        let grads: Vec<GradPair> = (0..50_000)
            .map(|i| GradPair {
                g: ((i / 2 * 37 % 101) as f32 - 50.0) / if i % 2 == 0 { 10.0 } else { 1000.0 },
                h: (i % 7) as f32 / 7.0,
            })
            .collect();
        let one = quantize(&grads, 2, 1);
        for threads in [2, 7] {
            assert_eq!(quantize(&grads, 2, threads).rows, one.rows);
        }
        assert_eq!(one.scales.len(), 2);
        assert!((one.scales[0].g / one.scales[1].g - 100.0).abs() < 1e-4);
        assert!(one
            .rows
            .iter()
            .all(|p| (-2..=2).contains(&p.g()) && p.h() <= 4));
    }

    #[test]
    fn too_many_rows_are_refused_with_the_limit() {
        let p = Params {
            use_quantized_grad: true,
            num_grad_quant_bins: 127,
            ..Params::default()
        };
        let e = check(&p, 20_000_000).unwrap_err().to_string();
        assert!(
            e.contains("use_quantized_grad") && e.contains("2147483647"),
            "{e}"
        );
        assert!(check(&p, 1000).is_ok());
    }
}
