//! Multiclass softmax: one margin per class, outputs are probabilities.

use super::GradPair;
use crate::collective::Collective;
use crate::exact_sum::{self, ExactSum};

pub(crate) fn softmax(row: &mut [f64]) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in row.iter_mut() {
        *v /= sum;
    }
}

pub(super) fn gradient(margins: &[f64], y: f32, w: f32, out: &mut [GradPair]) {
    let mut p = [0.0f64; 64];
    let k = margins.len();
    let p: &mut [f64] = if k <= 64 {
        &mut p[..k]
    } else {
        return gradient_wide(margins, y, w, out);
    };
    p.copy_from_slice(margins);
    softmax(p);
    write(p, y, w, out);
}

fn gradient_wide(margins: &[f64], y: f32, w: f32, out: &mut [GradPair]) {
    let mut p = margins.to_vec();
    softmax(&mut p);
    write(&p, y, w, out);
}

fn write(p: &[f64], y: f32, w: f32, out: &mut [GradPair]) {
    let w = w as f64;
    for (c, (&pc, o)) in p.iter().zip(out.iter_mut()).enumerate() {
        let target = if c == y as usize { 1.0 } else { 0.0 };
        o.g = ((pc - target) * w) as f32;
        o.h = ((2.0 * pc * (1.0 - pc)).max(1e-16) * w) as f32;
    }
}

/// Log of the (weighted) class priors, floored so no class starts at -inf.
pub(super) fn base_margins(
    labels: &[f32],
    weights: Option<&[f32]>,
    k: usize,
    ranks: &dyn Collective,
) -> Vec<f64> {
    // Class weights, then the total, summed exactly over every rank's rows.
    let mut sums = vec![ExactSum::default(); k + 1];
    for (i, &y) in labels.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i] as f64);
        sums[y as usize].add(w);
        sums[k].add(w);
    }
    exact_sum::all_reduce(&mut sums, ranks);
    let total = sums[k].value();
    sums[..k]
        .iter()
        .map(|c| (c.value() / total).max(1e-6).ln())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_gradients_sum_to_zero() {
        let mut p = [1.0, 2.0, 3.0];
        softmax(&mut p);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[2] > p[1] && p[1] > p[0]);
        let mut g = [GradPair::default(); 3];
        gradient(&[1.0, 2.0, 3.0], 1.0, 1.0, &mut g);
        let s: f32 = g.iter().map(|g| g.g).sum();
        assert!(s.abs() < 1e-6);
        assert!(g[1].g < 0.0 && g[0].g > 0.0);
    }

    #[test]
    fn priors() {
        let m = base_margins(&[0.0, 1.0, 1.0, 2.0], None, 3, &crate::Single);
        assert!((m[1] - 0.5f64.ln()).abs() < 1e-12);
    }
}
