//! Tweedie negative log-likelihood at a variance power, as XGBoost's
//! `tweedie-nloglik@rho`: `-y mu^(1-rho) / (1-rho) + mu^(2-rho) / (2-rho)`
//! (the terms of the density that depend on the mean `mu`).

use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// The variance power `rho` of a Tweedie metric, in (1, 2). Compared and
/// hashed by bits, so it can sit in [`Metric`](super::Metric), which is `Eq`.
///
/// ```
/// use gbdt_core::{Metric, TweediePower};
/// let m: Metric = "tweedie-nloglik@1.2".parse()?;
/// assert_eq!(m, Metric::TweedieNLogLik(TweediePower::new(1.2).unwrap()));
/// assert_eq!(m.name(), "tweedie-nloglik@1.2");
/// assert!(TweediePower::new(2.0).is_none());
/// # Ok::<(), gbdt_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TweediePower(f64);

impl TweediePower {
    /// XGBoost's and LightGBM's default, 1.5.
    pub const DEFAULT: TweediePower = TweediePower(1.5);

    /// The power, if it is in (1, 2).
    pub fn new(rho: f64) -> Option<TweediePower> {
        (rho > 1.0 && rho < 2.0).then_some(TweediePower(rho))
    }

    /// The power as a number.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl PartialEq for TweediePower {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for TweediePower {}

impl std::hash::Hash for TweediePower {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

/// The prefix of the metric's name; the power follows it.
pub(super) const PREFIX: &str = "tweedie-nloglik@";

/// `tweedie-nloglik@<rho>` as a `&'static str`: each distinct power's name
/// is built once and kept for the life of the process (a handful at most).
pub(super) fn name(rho: TweediePower) -> &'static str {
    static NAMES: Mutex<Vec<(u64, &'static str)>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    let bits = rho.0.to_bits();
    if let Some((_, n)) = names.iter().find(|(b, _)| *b == bits) {
        return n;
    }
    let n: &'static str = Box::leak(format!("{PREFIX}{}", rho.0).into_boxed_str());
    names.push((bits, n));
    n
}

/// The negative log-likelihood of label `y` under mean `mu`.
pub(super) fn nloglik(y: f64, mu: f64, rho: f64) -> f64 {
    let log_mu = mu.max(1e-16).ln();
    let a = y * ((1.0 - rho) * log_mu).exp() / (1.0 - rho);
    let b = ((2.0 - rho) * log_mu).exp() / (2.0 - rho);
    -a + b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimised_at_the_label_and_matches_xgboost_formula() {
        let rho = 1.5;
        let at = |mu| nloglik(2.0, mu, rho);
        assert!(at(2.0) < at(1.9) && at(2.0) < at(2.1));
        // mu = 1: -y / (1 - rho) + 1 / (2 - rho) = 2 * 2 + 2 = 6.
        assert!((nloglik(2.0, 1.0, rho) - 6.0).abs() < 1e-12);
        assert!(nloglik(0.0, 0.0, rho).abs() < 1e-6, "zero label, zero mean");
    }

    #[test]
    fn names_are_built_once() {
        let p = TweediePower::new(1.25).unwrap();
        let a = name(p);
        assert_eq!(a, "tweedie-nloglik@1.25");
        assert!(std::ptr::eq(a, name(p)));
        assert_eq!(name(TweediePower::DEFAULT), "tweedie-nloglik@1.5");
        assert!(TweediePower::new(1.0).is_none() && TweediePower::new(f64::NAN).is_none());
    }
}
