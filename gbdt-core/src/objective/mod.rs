//! Loss functions: gradients, hessians, base scores and output transforms.
//! One file per loss; this file names them and dispatches.

mod absolute_error;
mod exp;
mod gamma;
mod logistic;
mod poisson;
mod pseudo_huber;
mod quantile;
pub(crate) mod rank;
mod softmax;
mod squared_error;
mod tweedie;

pub use softmax::MulticlassHessian;

pub(crate) use absolute_error::quantile;
pub(crate) use quantile::check_alphas;

use serde::{Deserialize, Serialize};

use crate::collective::Collective;
use crate::error::{Error, Result};
use crate::exact_sum::{self, ExactSum};
use crate::metric::{Metric, QuantileAlphas, TweediePower};

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
    // New variants go last: model files store the variant's index.
    /// Tweedie regression with a log link (`reg:tweedie`, `tweedie`); labels
    /// >= 0, variance power `tweedie_variance_power`.
    #[serde(rename = "reg:tweedie")]
    Tweedie,
    /// Gamma regression with a log link (`reg:gamma`, `gamma`); labels > 0.
    #[serde(rename = "reg:gamma")]
    Gamma,
    /// Binary logistic loss whose outputs are the raw margins, not
    /// probabilities (`binary:logitraw`); metrics still read probabilities.
    #[serde(rename = "binary:logitraw")]
    LogitRaw,
    /// Absolute error regression (`reg:absoluteerror`, `l1`): predicts the
    /// median; leaves are refit to their rows' median residual.
    #[serde(rename = "reg:absoluteerror")]
    AbsoluteError,
    /// Quantile (pinball) regression (`reg:quantileerror`, `quantile`): one
    /// output per level of `quantile_alpha`, sorted so they never cross;
    /// leaves are refit to their rows' residual quantile at the level.
    #[serde(rename = "reg:quantileerror")]
    QuantileError,
    /// LambdaRank on NDCG within query groups (`rank:ndcg`, `lambdarank`);
    /// labels are relevance grades 0..=30. See the `rank` module.
    #[serde(rename = "rank:ndcg")]
    RankNdcg,
    /// RankNet pair loss within query groups (`rank:pairwise`), every pair
    /// of different labels with the same weight.
    #[serde(rename = "rank:pairwise")]
    RankPairwise,
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
    ("reg:tweedie", Objective::Tweedie),
    ("tweedie", Objective::Tweedie),
    ("reg:gamma", Objective::Gamma),
    ("gamma", Objective::Gamma),
    ("binary:logitraw", Objective::LogitRaw),
    ("reg:absoluteerror", Objective::AbsoluteError),
    ("l1", Objective::AbsoluteError),
    ("regression_l1", Objective::AbsoluteError),
    ("mean_absolute_error", Objective::AbsoluteError),
    ("mae", Objective::AbsoluteError),
    ("reg:quantileerror", Objective::QuantileError),
    ("quantile", Objective::QuantileError),
    ("rank:ndcg", Objective::RankNdcg),
    ("lambdarank", Objective::RankNdcg),
    ("rank:pairwise", Objective::RankPairwise),
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
    pub const ALL: [Objective; 12] = [
        Objective::SquaredError,
        Objective::Logistic,
        Objective::Softmax,
        Objective::Poisson,
        Objective::PseudoHuber,
        Objective::Tweedie,
        Objective::Gamma,
        Objective::LogitRaw,
        Objective::AbsoluteError,
        Objective::QuantileError,
        Objective::RankNdcg,
        Objective::RankPairwise,
    ];

    /// The XGBoost name.
    pub fn name(self) -> &'static str {
        match self {
            Objective::SquaredError => "reg:squarederror",
            Objective::Logistic => "binary:logistic",
            Objective::Softmax => "multi:softprob",
            Objective::Poisson => "count:poisson",
            Objective::PseudoHuber => "reg:pseudohubererror",
            Objective::Tweedie => "reg:tweedie",
            Objective::Gamma => "reg:gamma",
            Objective::LogitRaw => "binary:logitraw",
            Objective::AbsoluteError => "reg:absoluteerror",
            Objective::QuantileError => "reg:quantileerror",
            Objective::RankNdcg => "rank:ndcg",
            Objective::RankPairwise => "rank:pairwise",
        }
    }

    /// True for objectives with one output per class.
    pub fn is_multiclass(self) -> bool {
        self == Objective::Softmax
    }

    /// True for objectives that learn an order within query groups.
    pub fn is_ranking(self) -> bool {
        self.rank_loss().is_some()
    }

    pub(crate) fn rank_loss(self) -> Option<rank::RankLoss> {
        match self {
            Objective::RankNdcg => Some(rank::RankLoss::Ndcg),
            Objective::RankPairwise => Some(rank::RankLoss::Pairwise),
            _ => None,
        }
    }

    /// The metrics reported when none are given: by training on every
    /// validation set, by `gbdt train` and by `gbdt eval`. The last one is
    /// XGBoost's default metric, which early stopping watches.
    /// `reg:tweedie` lists `tweedie-nloglik@1.5`; training evaluates it at
    /// the model's `tweedie_variance_power` (see `Params::resolved_metrics`).
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
            Objective::Logistic | Objective::LogitRaw => &[Metric::Auc, Metric::LogLoss],
            Objective::Softmax => &[Metric::MError, Metric::MLogLoss],
            Objective::Poisson => &[Metric::PoissonNLogLik],
            Objective::PseudoHuber | Objective::AbsoluteError => &[Metric::Mae],
            Objective::Tweedie => &[Metric::TweedieNLogLik(TweediePower::DEFAULT)],
            Objective::Gamma => &[Metric::GammaNLogLik],
            Objective::QuantileError => &[Metric::Quantile(QuantileAlphas::MEDIAN)],
            // LightGBM's default eval_at; `Params::default_metrics` uses the
            // configured one.
            Objective::RankNdcg | Objective::RankPairwise => &[
                Metric::Ndcg(1),
                Metric::Ndcg(2),
                Metric::Ndcg(3),
                Metric::Ndcg(4),
                Metric::Ndcg(5),
            ],
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

    /// The quantile of the residuals the leaves of output `output` are
    /// refit to after growing, for losses whose hessian says nothing about
    /// the leaf value; `alphas` is `quantile_alpha`.
    pub(crate) fn leaf_refit_quantile(self, alphas: &[f64], output: usize) -> Option<f64> {
        match self {
            Objective::AbsoluteError => Some(0.5),
            Objective::QuantileError => alphas.get(output).copied(),
            _ => None,
        }
    }

    /// XGBoost's default: 0.7 for Poisson only (Tweedie and gamma use 0).
    pub(crate) fn default_max_delta_step(self) -> f64 {
        match self {
            Objective::Poisson => 0.7,
            _ => 0.0,
        }
    }

    /// Rejects a base score the objective cannot turn into a margin.
    pub(crate) fn check_base_score(self, b: f64) -> Result<()> {
        let ok = match self {
            Objective::Logistic | Objective::LogitRaw => b > 0.0 && b < 1.0,
            Objective::Poisson | Objective::Tweedie | Objective::Gamma => b > 0.0,
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
            Objective::Logistic | Objective::Softmax | Objective::LogitRaw => "in (0, 1)",
            Objective::Poisson | Objective::Tweedie | Objective::Gamma => "> 0",
            _ => "finite",
        }
    }

    /// Checks one label; `num_class` matters only for multiclass.
    pub(crate) fn check_label(self, row: usize, y: f32, num_class: usize) -> Result<()> {
        let (ok, expected) = match self {
            Objective::Logistic | Objective::LogitRaw => {
                (y == 0.0 || y == 1.0, "0 or 1".to_string())
            }
            Objective::Softmax => (
                y >= 0.0 && y.fract() == 0.0 && (y as usize) < num_class,
                format!("an integer class in 0..{num_class}"),
            ),
            Objective::Poisson => (y >= 0.0, "a count >= 0".to_string()),
            Objective::Tweedie => (y.is_finite() && y >= 0.0, "a finite value >= 0".to_string()),
            Objective::Gamma => (y.is_finite() && y > 0.0, "a finite value > 0".to_string()),
            Objective::AbsoluteError | Objective::QuantileError => {
                (y.is_finite(), "a finite value".to_string())
            }
            Objective::RankNdcg => (
                (0.0..=30.0).contains(&y) && y.fract() == 0.0,
                "a relevance grade: a whole number from 0 to 30".to_string(),
            ),
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
    /// user base score in output space; `alphas` is `quantile_alpha`.
    pub(crate) fn base_margins(
        self,
        base_score: Option<f64>,
        labels: &[f32],
        weights: Option<&[f32]>,
        num_outputs: usize,
        alphas: &[f64],
        ranks: &dyn Collective,
    ) -> Vec<f64> {
        match (self, base_score) {
            (Objective::Softmax, Some(b)) => vec![b.ln(); num_outputs],
            (Objective::Softmax, None) => {
                softmax::base_margins(labels, weights, num_outputs, ranks)
            }
            (Objective::QuantileError, Some(b)) => vec![b; num_outputs],
            (Objective::QuantileError, None) => quantile::base_margins(labels, weights, alphas),
            (_, Some(b)) => vec![self.margin_of(b)],
            (_, None) => vec![self.margin_of(self.base_output(labels, weights, ranks))],
        }
    }

    /// Whether the base score from the labels needs every label at once (a
    /// median or quantile), which training on several ranks cannot do.
    pub(crate) fn base_needs_all_labels(self) -> bool {
        matches!(
            self,
            Objective::PseudoHuber | Objective::AbsoluteError | Objective::QuantileError
        )
    }

    fn base_output(self, labels: &[f32], weights: Option<&[f32]>, ranks: &dyn Collective) -> f64 {
        match self {
            Objective::PseudoHuber => pseudo_huber::base_output(labels),
            Objective::AbsoluteError => {
                let mut v: Vec<(f64, f32)> = labels
                    .iter()
                    .enumerate()
                    .map(|(i, &y)| (y as f64, weights.map_or(1.0, |w| w[i])))
                    .collect();
                absolute_error::quantile(&mut v, 0.5, weights.is_some()).unwrap_or(0.0)
            }
            Objective::Logistic | Objective::LogitRaw => {
                weighted_mean(labels, weights, ranks).clamp(1e-6, 1.0 - 1e-6)
            }
            Objective::Poisson | Objective::Tweedie | Objective::Gamma => {
                weighted_mean(labels, weights, ranks).max(1e-6)
            }
            // Only score differences within a query matter (LightGBM starts at 0).
            Objective::RankNdcg | Objective::RankPairwise => 0.0,
            _ => weighted_mean(labels, weights, ranks),
        }
    }

    fn margin_of(self, output: f64) -> f64 {
        match self {
            Objective::Logistic | Objective::LogitRaw => (output / (1.0 - output)).ln(),
            Objective::Poisson | Objective::Tweedie | Objective::Gamma => output.ln(),
            _ => output,
        }
    }

    /// Gradients for rows `margins.len() / k` rows, row-major with `k` outputs.
    /// `first_row` is the index of the block's first row in `labels`/`weights`.
    /// For ranking objectives the block must be whole query groups.
    pub(crate) fn gradients(
        self,
        ctx: &GradContext<'_>,
        first_row: usize,
        margins: &[f64],
        out: &mut [GradPair],
    ) {
        if let Some(loss) = self.rank_loss() {
            return rank::gradients(loss, ctx, first_row, margins, None, out);
        }
        if matches!(self, Objective::Logistic | Objective::LogitRaw) {
            let labels = &ctx.labels[first_row..first_row + out.len()];
            let weights = ctx.weights.map(|w| &w[first_row..first_row + out.len()]);
            return logistic::gradients(margins, labels, weights, out);
        }
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
                Objective::Poisson => poisson::gradient(m[0], y, w, ctx.max_delta_step, &mut g[0]),
                Objective::PseudoHuber => {
                    pseudo_huber::gradient(m[0], y, w, ctx.huber_slope, &mut g[0])
                }
                Objective::Softmax => softmax::gradient(m, y, w, ctx.softmax_hessian, g),
                Objective::Tweedie => {
                    tweedie::gradient(m[0], y, w, ctx.tweedie_variance_power, &mut g[0])
                }
                Objective::Gamma => gamma::gradient(m[0], y, w, &mut g[0]),
                Objective::AbsoluteError => absolute_error::gradient(m[0], y, w, &mut g[0]),
                Objective::QuantileError => {
                    for ((&m, &a), g) in m.iter().zip(ctx.quantile_alpha).zip(g.iter_mut()) {
                        quantile::gradient(m, y, w, a, g);
                    }
                }
                // Each has its own loop, above.
                Objective::Logistic
                | Objective::LogitRaw
                | Objective::RankNdcg
                | Objective::RankPairwise => {}
            }
        }
    }

    /// Turns one row's margins into outputs (probabilities, means) in place.
    pub fn transform(self, row: &mut [f64]) {
        match self {
            Objective::Logistic => row[0] = logistic::sigmoid(row[0]),
            Objective::Poisson | Objective::Tweedie | Objective::Gamma => row[0] = row[0].exp(),
            Objective::Softmax => softmax::softmax(row),
            Objective::QuantileError => quantile::uncross(row),
            Objective::SquaredError
            | Objective::PseudoHuber
            | Objective::LogitRaw
            | Objective::AbsoluteError
            | Objective::RankNdcg
            | Objective::RankPairwise => {}
        }
    }

    /// Turns outputs (what [`Objective::transform`] and `Model::predict`
    /// give, `k` per row) into what metrics read, in place. The same except
    /// for `binary:logitraw`, whose outputs are margins while its metrics
    /// (logloss, error) read probabilities.
    ///
    /// ```
    /// use gbdt_core::{Metric, Objective};
    /// let mut outputs = [0.0, 2.0];
    /// Objective::LogitRaw.to_metric_space(&mut outputs);
    /// assert!((outputs[0] - 0.5).abs() < 1e-12 && outputs[1] > 0.88);
    /// let mut same = [0.0, 2.0];
    /// Objective::SquaredError.to_metric_space(&mut same);
    /// assert_eq!(same, [0.0, 2.0]);
    /// ```
    pub fn to_metric_space(self, outputs: &mut [f64]) {
        if self == Objective::LogitRaw {
            for v in outputs.iter_mut() {
                *v = logistic::sigmoid(*v);
            }
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
    pub tweedie_variance_power: f64,
    /// multi:softprob's hessian factor ([`MulticlassHessian::factor`]).
    pub softmax_hessian: f64,
    pub quantile_alpha: &'a [f64],
    /// Query group boundaries (ranking objectives only).
    pub groups: Option<&'a [usize]>,
    /// `lambdarank_truncation_level` (rank:ndcg only).
    pub truncation_level: usize,
    /// Per query of `groups`, [`rank::ndcg_scales`] (rank:ndcg); `None`:
    /// computed for each query when its gradients are.
    pub ndcg_scales: Option<&'a [f64]>,
}

/// The weighted mean label over every rank's rows, summed exactly (the
/// same bits for any split of the rows).
fn weighted_mean(labels: &[f32], weights: Option<&[f32]>, ranks: &dyn Collective) -> f64 {
    let mut sums = [ExactSum::default(), ExactSum::default()];
    for (i, &y) in labels.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i] as f64);
        sums[0].add(w * y as f64);
        sums[1].add(w);
    }
    exact_sum::all_reduce(&mut sums, ranks);
    let (sum, total) = (sums[0].value(), sums[1].value());
    if total > 0.0 {
        sum / total
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collective::Single;

    /// Central finite differences of `loss` match the analytic gradient.
    pub(crate) fn check_gradient(obj: Objective, loss: impl Fn(f64) -> f64, m: f64, y: f32) {
        check_gradient_at(obj, 1.5, loss, m, y);
    }

    /// [`check_gradient`] with a Tweedie variance power.
    fn check_gradient_at(obj: Objective, rho: f64, loss: impl Fn(f64) -> f64, m: f64, y: f32) {
        let ctx = GradContext {
            labels: &[y],
            weights: None,
            num_outputs: 1,
            max_delta_step: 0.0,
            huber_slope: 1.0,
            tweedie_variance_power: rho,
            softmax_hessian: 2.0,
            quantile_alpha: &[0.5],
            groups: None,
            truncation_level: 30,
            ndcg_scales: None,
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
        for o in Objective::ALL.into_iter().filter(|o| !o.is_ranking()) {
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
        assert_eq!(names.len(), 12);
        assert_eq!(
            Objective::LogitRaw.default_metrics(),
            [Metric::Auc, Metric::LogLoss]
        );
        assert_eq!(Objective::Gamma.default_metrics(), [Metric::GammaNLogLik]);
        assert_eq!(
            Objective::Tweedie.default_metric().name(),
            "tweedie-nloglik@1.5"
        );
        for (name, _) in NAMES {
            assert!(Objective::ALL.contains(&name.parse().unwrap()));
        }
    }

    /// The logistic loop (fast `exp`, weights, a block starting past row 0)
    /// gives each row what the libm sigmoid gives, to the last f32 bit or
    /// one off.
    #[test]
    fn logistic_rows_of_a_block_match_the_sigmoid() {
        let labels: Vec<f32> = (0..40).map(|i| (i % 3 == 0) as u8 as f32).collect();
        let weights: Vec<f32> = (0..40).map(|i| 0.5 + i as f32 * 0.1).collect();
        let margins: Vec<f64> = (0..30).map(|i| (i as f64 - 15.0) * 1.7).collect();
        for weighted in [false, true] {
            let ctx = GradContext {
                labels: &labels,
                weights: weighted.then_some(&weights[..]),
                num_outputs: 1,
                max_delta_step: 0.0,
                huber_slope: 1.0,
                tweedie_variance_power: 1.5,
                softmax_hessian: 2.0,
                quantile_alpha: &[0.5],
                groups: None,
                truncation_level: 30,
                ndcg_scales: None,
            };
            let mut out = vec![GradPair::default(); 30];
            Objective::Logistic.gradients(&ctx, 10, &margins, &mut out);
            for (i, (g, &m)) in out.iter().zip(&margins).enumerate() {
                let (y, w) = (
                    labels[10 + i] as f64,
                    if weighted { weights[10 + i] } else { 1.0 },
                );
                let p = logistic::sigmoid(m);
                let want_g = ((p - y) * w as f64) as f32;
                let want_h = ((p * (1.0 - p)).max(1e-16) * w as f64) as f32;
                let ulps = |a: f32, b: f32| (a.to_bits() as i64 - b.to_bits() as i64).abs();
                assert!(ulps(g.g, want_g) <= 1, "row {i}: g {} vs {want_g}", g.g);
                assert!(ulps(g.h, want_h) <= 1, "row {i}: h {} vs {want_h}", g.h);
            }
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
        check_gradient(Objective::LogitRaw, ll, -0.7, 1.0);
    }

    #[test]
    fn tweedie_and_gamma_gradients_match_finite_differences() {
        for rho in [1.1, 1.5, 1.9] {
            for (m, y) in [(0.3, 2.0f32), (-1.2, 0.0), (1.1, 0.4)] {
                let loss = |m: f64| tweedie::loss(m, y as f64, rho);
                check_gradient_at(Objective::Tweedie, rho, loss, m, y);
            }
        }
        for (m, y) in [(0.3, 2.0f32), (-1.2, 0.05), (1.1, 7.5)] {
            check_gradient(Objective::Gamma, |m| gamma::loss(m, y as f64), m, y);
        }
    }

    /// Weights scale gradients and hessians; the Tweedie hessian stays
    /// positive at zero labels (where half of a claims data set sits).
    #[test]
    fn tweedie_weights_and_zero_labels() {
        let mut one = GradPair::default();
        let mut three = GradPair::default();
        tweedie::gradient(0.4, 0.0, 1.0, 1.3, &mut one);
        tweedie::gradient(0.4, 0.0, 3.0, 1.3, &mut three);
        assert!(one.h > 0.0 && one.g > 0.0, "{one:?}");
        assert!((three.g - 3.0 * one.g).abs() < 1e-5 && (three.h - 3.0 * one.h).abs() < 1e-5);
        // At the mean (m = ln y) the gradient vanishes.
        let mut at_mean = GradPair::default();
        tweedie::gradient(2f64.ln(), 2.0, 1.0, 1.5, &mut at_mean);
        assert!(at_mean.g.abs() < 1e-6, "{at_mean:?}");
        gamma::gradient(2f64.ln(), 2.0, 1.0, &mut at_mean);
        assert!(at_mean.g.abs() < 1e-6 && (at_mean.h - 1.0).abs() < 1e-6);
    }

    #[test]
    fn new_objectives_transform_and_metric_space() {
        let mut row = [1.0f64.ln()];
        Objective::Tweedie.transform(&mut row);
        assert!((row[0] - 1.0).abs() < 1e-12);
        let mut row = [2.0];
        Objective::Gamma.transform(&mut row);
        assert!((row[0] - 2f64.exp()).abs() < 1e-12);
        let mut row = [-3.0];
        Objective::LogitRaw.transform(&mut row);
        assert_eq!(row, [-3.0], "logitraw outputs the margin");
        Objective::LogitRaw.to_metric_space(&mut row);
        assert!((row[0] - logistic::sigmoid(-3.0)).abs() < 1e-15);
        let mut p = [0.25];
        Objective::Logistic.to_metric_space(&mut p);
        assert_eq!(
            p,
            [0.25],
            "binary:logistic outputs are probabilities already"
        );
        for o in [Objective::Tweedie, Objective::Gamma, Objective::LogitRaw] {
            assert_eq!(o.default_max_delta_step(), 0.0, "{o}: XGBoost's default");
        }
    }

    #[test]
    fn base_margins_from_labels() {
        let y = [0.0f32, 1.0, 1.0, 1.0];
        let m = Objective::Logistic.base_margins(None, &y, None, 1, &[], &Single);
        assert!((m[0] - 3f64.ln()).abs() < 1e-9);
        let m = Objective::SquaredError.base_margins(
            None,
            &y,
            Some(&[1.0, 0.0, 0.0, 0.0]),
            1,
            &[],
            &Single,
        );
        assert_eq!(m, vec![0.0]);
        let m = Objective::Poisson.base_margins(Some(2.0), &y, None, 1, &[], &Single);
        assert!((m[0] - 2f64.ln()).abs() < 1e-12);
        // Log-link objectives start at the log of the weighted mean label.
        let y = [1.0f32, 2.0, 6.0];
        for o in [Objective::Tweedie, Objective::Gamma] {
            let m = o.base_margins(None, &y, Some(&[1.0, 1.0, 0.25]), 1, &[], &Single);
            assert!((m[0] - 2f64.ln()).abs() < 1e-12, "{o}: {m:?}");
        }
        let m = Objective::Tweedie.base_margins(None, &[0.0, 0.0], None, 1, &[], &Single);
        assert!(
            (m[0] - 1e-6f64.ln()).abs() < 1e-9,
            "all-zero labels stay finite"
        );
        let m = Objective::LogitRaw.base_margins(Some(0.25), &y, None, 1, &[], &Single);
        assert!(
            (m[0] - (1.0f64 / 3.0).ln()).abs() < 1e-12,
            "base_score is a probability"
        );
        assert!(Objective::Gamma.check_base_score(0.0).is_err());
        assert!(Objective::Tweedie.check_base_score(0.5).is_ok());
        assert!(Objective::LogitRaw.check_base_score(1.5).is_err());
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
        assert!(Objective::Tweedie.check_label(0, 0.0, 0).is_ok());
        assert!(Objective::Gamma.check_label(0, 0.5, 0).is_ok());
        assert!(Objective::LogitRaw.check_label(0, 1.0, 0).is_ok());
        for (o, y, allowed) in [
            (Objective::Tweedie, -0.5, "a finite value >= 0"),
            (Objective::Tweedie, f32::NAN, "a finite value >= 0"),
            (Objective::Gamma, 0.0, "a finite value > 0"),
            (Objective::Gamma, -2.0, "a finite value > 0"),
            (Objective::LogitRaw, 0.5, "0 or 1"),
        ] {
            let msg = o.check_label(7, y, 0).unwrap_err().to_string();
            for needle in ["row 7", &y.to_string(), o.name(), allowed] {
                assert!(msg.contains(needle), "{msg} should say {needle}");
            }
        }
    }
}
