//! Loss functions: gradients, hessians, base scores and output transforms.
//! One file per loss; this file names them and dispatches.

mod logistic;
mod poisson;
mod pseudo_huber;
mod softmax;
mod squared_error;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metric::Metric;

/// First and second derivative of the loss for one row and one output,
/// already multiplied by the row's weight.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C)]
pub struct GradPair {
    /// Gradient.
    pub g: f32,
    /// Hessian.
    pub h: f32,
}

/// The loss to minimise. Names follow XGBoost; LightGBM's names parse too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Objective {
    /// Squared error regression (`reg:squarederror`, `regression`).
    #[default]
    #[serde(rename = "reg:squarederror")]
    SquaredError,
    /// Binary classification with labels 0/1 (`binary:logistic`, `binary`).
    #[serde(rename = "binary:logistic")]
    Logistic,
    /// Multiclass with class probabilities (`multi:softprob`, `multiclass`).
    #[serde(rename = "multi:softprob")]
    Softmax,
    /// Poisson regression of counts (`count:poisson`, `poisson`).
    #[serde(rename = "count:poisson")]
    Poisson,
    /// Pseudo-Huber robust regression (`reg:pseudohubererror`, `huber`).
    #[serde(rename = "reg:pseudohubererror")]
    PseudoHuber,
}

const NAMES: &[(&str, Objective)] = &[
    ("reg:squarederror", Objective::SquaredError),
    ("regression", Objective::SquaredError),
    ("regression_l2", Objective::SquaredError),
    ("l2", Objective::SquaredError),
    ("binary:logistic", Objective::Logistic),
    ("binary", Objective::Logistic),
    ("multi:softprob", Objective::Softmax),
    ("multi:softmax", Objective::Softmax),
    ("multiclass", Objective::Softmax),
    ("softmax", Objective::Softmax),
    ("count:poisson", Objective::Poisson),
    ("poisson", Objective::Poisson),
    ("reg:pseudohubererror", Objective::PseudoHuber),
    ("huber", Objective::PseudoHuber),
];

impl std::str::FromStr for Objective {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        NAMES
            .iter()
            .find(|(name, _)| *name == lower)
            .map(|(_, o)| *o)
            .ok_or_else(|| Error::UnknownName {
                kind: "objective",
                name: s.to_string(),
                known: NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
            })
    }
}

impl std::fmt::Display for Objective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Objective {
    /// Every objective, in declaration order.
    pub const ALL: [Objective; 5] = [
        Objective::SquaredError,
        Objective::Logistic,
        Objective::Softmax,
        Objective::Poisson,
        Objective::PseudoHuber,
    ];

    /// The XGBoost name.
    pub fn name(self) -> &'static str {
        match self {
            Objective::SquaredError => "reg:squarederror",
            Objective::Logistic => "binary:logistic",
            Objective::Softmax => "multi:softprob",
            Objective::Poisson => "count:poisson",
            Objective::PseudoHuber => "reg:pseudohubererror",
        }
    }

    /// True for objectives with one output per class.
    pub fn is_multiclass(self) -> bool {
        self == Objective::Softmax
    }

    /// The metrics reported when none are given: by training on every
    /// validation set, by `gbdt train` and by `gbdt eval`. The last one is
    /// XGBoost's default metric, which early stopping watches.
    ///
    /// ```
    /// use gbdt_core::{Metric, Objective, Params};
    /// assert_eq!(Objective::Logistic.default_metrics(), [Metric::Auc, Metric::LogLoss]);
    /// let p = Params { objective: Objective::Softmax, ..Params::default() };
    /// assert_eq!(p.resolved_metrics(), Objective::Softmax.default_metrics());
    /// ```
    pub fn default_metrics(self) -> &'static [Metric] {
        match self {
            Objective::SquaredError => &[Metric::Rmse],
            Objective::Logistic => &[Metric::Auc, Metric::LogLoss],
            Objective::Softmax => &[Metric::MError, Metric::MLogLoss],
            Objective::Poisson => &[Metric::PoissonNLogLik],
            Objective::PseudoHuber => &[Metric::Mae],
        }
    }

    /// The metric early stopping watches by default: the last of
    /// [`Objective::default_metrics`].
    pub fn default_metric(self) -> Metric {
        match self.default_metrics() {
            [.., last] => *last,
            [] => Metric::Rmse,
        }
    }

    pub(crate) fn default_max_delta_step(self) -> f64 {
        match self {
            Objective::Poisson => 0.7,
            _ => 0.0,
        }
    }

    /// Rejects a base score the objective cannot turn into a margin.
    pub(crate) fn check_base_score(self, b: f64) -> Result<()> {
        let ok = match self {
            Objective::Logistic => b > 0.0 && b < 1.0,
            Objective::Poisson => b > 0.0,
            Objective::Softmax => b > 0.0 && b < 1.0,
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidParam {
                name: "base_score",
                value: b.to_string(),
                allowed: format!("{} for objective {}", self.base_score_range(), self.name()),
            })
        }
    }

    fn base_score_range(self) -> &'static str {
        match self {
            Objective::Logistic | Objective::Softmax => "in (0, 1)",
            Objective::Poisson => "> 0",
            _ => "finite",
        }
    }

    /// Checks one label; `num_class` matters only for multiclass.
    pub(crate) fn check_label(self, row: usize, y: f32, num_class: usize) -> Result<()> {
        let (ok, expected) = match self {
            Objective::Logistic => (y == 0.0 || y == 1.0, "0 or 1".to_string()),
            Objective::Softmax => (
                y >= 0.0 && y.fract() == 0.0 && (y as usize) < num_class,
                format!("an integer class in 0..{num_class}"),
            ),
            Objective::Poisson => (y >= 0.0, "a count >= 0".to_string()),
            _ => (true, String::new()),
        };
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidLabel {
                row,
                value: y,
                objective: self.name().to_string(),
                expected,
            })
        }
    }

    /// Base margins (one per output) estimated from the labels, or from a
    /// user base score in output space.
    pub(crate) fn base_margins(
        self,
        base_score: Option<f64>,
        labels: &[f32],
        weights: Option<&[f32]>,
        num_outputs: usize,
    ) -> Vec<f64> {
        match (self, base_score) {
            (Objective::Softmax, Some(b)) => vec![b.ln(); num_outputs],
            (Objective::Softmax, None) => softmax::base_margins(labels, weights, num_outputs),
            (_, Some(b)) => vec![self.margin_of(b)],
            (_, None) => vec![self.margin_of(self.base_output(labels, weights))],
        }
    }

    fn base_output(self, labels: &[f32], weights: Option<&[f32]>) -> f64 {
        match self {
            Objective::PseudoHuber => pseudo_huber::base_output(labels),
            Objective::Logistic => weighted_mean(labels, weights).clamp(1e-6, 1.0 - 1e-6),
            Objective::Poisson => weighted_mean(labels, weights).max(1e-6),
            _ => weighted_mean(labels, weights),
        }
    }

    fn margin_of(self, output: f64) -> f64 {
        match self {
            Objective::Logistic => (output / (1.0 - output)).ln(),
            Objective::Poisson => output.ln(),
            _ => output,
        }
    }

    /// Gradients for rows `margins.len() / k` rows, row-major with `k` outputs.
    /// `first_row` is the index of the block's first row in `labels`/`weights`.
    pub(crate) fn gradients(
        self,
        ctx: &GradContext<'_>,
        first_row: usize,
        margins: &[f64],
        out: &mut [GradPair],
    ) {
        let k = ctx.num_outputs;
        for (i, (m, g)) in margins
            .chunks_exact(k)
            .zip(out.chunks_exact_mut(k))
            .enumerate()
        {
            let row = first_row + i;
            let y = ctx.labels[row];
            let w = ctx.weights.map_or(1.0, |w| w[row]);
            match self {
                Objective::SquaredError => squared_error::gradient(m[0], y, w, &mut g[0]),
                Objective::Logistic => logistic::gradient(m[0], y, w, &mut g[0]),
                Objective::Poisson => poisson::gradient(m[0], y, w, ctx.max_delta_step, &mut g[0]),
                Objective::PseudoHuber => {
                    pseudo_huber::gradient(m[0], y, w, ctx.huber_slope, &mut g[0])
                }
                Objective::Softmax => softmax::gradient(m, y, w, g),
            }
        }
    }

    /// Turns one row's margins into outputs (probabilities, means) in place.
    pub fn transform(self, row: &mut [f64]) {
        match self {
            Objective::Logistic => row[0] = logistic::sigmoid(row[0]),
            Objective::Poisson => row[0] = row[0].exp(),
            Objective::Softmax => softmax::softmax(row),
            Objective::SquaredError | Objective::PseudoHuber => {}
        }
    }
}

/// What gradient computation needs besides margins.
pub(crate) struct GradContext<'a> {
    pub labels: &'a [f32],
    pub weights: Option<&'a [f32]>,
    pub num_outputs: usize,
    pub max_delta_step: f64,
    pub huber_slope: f64,
}

fn weighted_mean(labels: &[f32], weights: Option<&[f32]>) -> f64 {
    let (mut sum, mut total) = (0.0f64, 0.0f64);
    for (i, &y) in labels.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i] as f64);
        sum += w * y as f64;
        total += w;
    }
    if total > 0.0 {
        sum / total
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central finite differences of `loss` match the analytic gradient.
    pub(crate) fn check_gradient(obj: Objective, loss: impl Fn(f64) -> f64, m: f64, y: f32) {
        let ctx = GradContext {
            labels: &[y],
            weights: None,
            num_outputs: 1,
            max_delta_step: 0.0,
            huber_slope: 1.0,
        };
        let mut g = [GradPair::default()];
        obj.gradients(&ctx, 0, &[m], &mut g);
        let eps = 1e-4;
        let num_g = (loss(m + eps) - loss(m - eps)) / (2.0 * eps);
        let num_h = (loss(m + eps) - 2.0 * loss(m) + loss(m - eps)) / (eps * eps);
        assert!(
            (g[0].g as f64 - num_g).abs() < 1e-3,
            "{obj}: g {} vs {num_g}",
            g[0].g
        );
        if obj != Objective::Poisson {
            assert!(
                (g[0].h as f64 - num_h).abs() < 1e-2,
                "{obj}: h {} vs {num_h}",
                g[0].h
            );
        }
    }

    #[test]
    fn names_parse_with_aliases() {
        for (name, obj) in NAMES {
            assert_eq!(name.parse::<Objective>().unwrap(), *obj);
        }
        let err = "reg:magic".parse::<Objective>().unwrap_err().to_string();
        assert!(
            err.contains("reg:magic") && err.contains("binary:logistic"),
            "{err}"
        );
    }

    #[test]
    fn default_metrics_suit_the_objective_and_end_with_a_loss() {
        for o in Objective::ALL {
            let m = o.default_metrics();
            assert_eq!(m.last(), Some(&o.default_metric()), "{o}");
            assert!(
                !o.default_metric().higher_is_better(),
                "{o}: early stopping on a loss"
            );
            let multi = [Metric::MError, Metric::MLogLoss];
            assert_eq!(
                m.iter().all(|x| multi.contains(x)),
                o.is_multiclass(),
                "{o}"
            );
        }
        assert_eq!(
            Objective::Logistic.default_metrics(),
            [Metric::Auc, Metric::LogLoss]
        );
        assert_eq!(Objective::SquaredError.default_metrics(), [Metric::Rmse]);
        let names: Vec<&str> = Objective::ALL.iter().map(|o| o.name()).collect();
        assert_eq!(names.len(), 5);
        for (name, _) in NAMES {
            assert!(Objective::ALL.contains(&name.parse().unwrap()));
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        check_gradient(
            Objective::SquaredError,
            |m| 0.5 * (m - 2.0).powi(2),
            0.3,
            2.0,
        );
        let ll = |m: f64| {
            let p = 1.0 / (1.0 + (-m).exp());
            -(p.ln())
        };
        check_gradient(Objective::Logistic, ll, 0.4, 1.0);
        check_gradient(Objective::Poisson, |m| m.exp() - 3.0 * m, 0.2, 3.0);
        let ph = |m: f64| (1.0 + (m - 1.0).powi(2)).sqrt() - 1.0;
        check_gradient(Objective::PseudoHuber, ph, 2.5, 1.0);
    }

    #[test]
    fn base_margins_from_labels() {
        let y = [0.0f32, 1.0, 1.0, 1.0];
        let m = Objective::Logistic.base_margins(None, &y, None, 1);
        assert!((m[0] - 3f64.ln()).abs() < 1e-9);
        let m = Objective::SquaredError.base_margins(None, &y, Some(&[1.0, 0.0, 0.0, 0.0]), 1);
        assert_eq!(m, vec![0.0]);
        let m = Objective::Poisson.base_margins(Some(2.0), &y, None, 1);
        assert!((m[0] - 2f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn labels_are_checked() {
        assert!(Objective::Logistic
            .check_label(3, 2.0, 0)
            .unwrap_err()
            .to_string()
            .contains("row 3"));
        assert!(Objective::Softmax.check_label(0, 3.0, 3).is_err());
        assert!(Objective::Softmax.check_label(0, 2.0, 3).is_ok());
        assert!(Objective::Poisson.check_label(0, -1.0, 0).is_err());
        assert!(Objective::SquaredError.check_label(0, -1.0, 0).is_ok());
    }
}
