//! Log-likelihood and error rate for classifiers.

const EPS: f64 = 1e-15;

pub(super) fn binary_logloss(y: f64, p: f64) -> f64 {
    let p = p.clamp(EPS, 1.0 - EPS);
    -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
}

fn weighted_rows(
    labels: &[f32],
    w: &impl Fn(usize) -> f64,
    probs: &[f64],
    k: usize,
    loss: impl Fn(usize, &[f64]) -> f64,
) -> f64 {
    let (mut sum, mut total) = (0.0, 0.0);
    for (i, (&y, row)) in labels.iter().zip(probs.chunks_exact(k)).enumerate() {
        sum += w(i) * loss(y as usize, row);
        total += w(i);
    }
    sum / total
}

pub(super) fn mlogloss(labels: &[f32], w: &impl Fn(usize) -> f64, probs: &[f64], k: usize) -> f64 {
    weighted_rows(labels, w, probs, k, |y, row| {
        -row[y.min(k - 1)].clamp(EPS, 1.0).ln()
    })
}

pub(super) fn merror(labels: &[f32], w: &impl Fn(usize) -> f64, probs: &[f64], k: usize) -> f64 {
    weighted_rows(labels, w, probs, k, |y, row| {
        (argmax(row) != y) as u8 as f64
    })
}

/// Index of the largest value; the lowest index wins ties.
pub(crate) fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}
