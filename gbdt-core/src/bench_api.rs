//! Entry points to the internal kernels for the criterion benchmarks in
//! `benches/`. Not part of the supported API.

use ndarray::ArrayView2;

use crate::binning::BinnedMatrix;
use crate::error::Result;
use crate::grower::{self, GrowConfig, GrowInput, Workspace};
use crate::histogram::{self, BinStat, BuildJob, PackedBin};
use crate::objective::GradPair;
use crate::parallel::Executor;
use crate::params::Params;
use crate::split::{best_of_feature, Scratch, SplitParams};

/// A binned matrix with logistic gradients at margin 0, ready to run one
/// kernel at a time.
pub struct Kernels {
    matrix: BinnedMatrix,
    grads: Vec<GradPair>,
    rows: Vec<u32>,
    hist: Vec<BinStat>,
    /// The gradients quantized to integers, and their histogram.
    quant: Vec<PackedBin>,
    quant_hist: Vec<PackedBin>,
    features: Vec<usize>,
    /// Nodes of [`Kernels::use_nodes`] (rows and their gradients), and the
    /// one to build next.
    nodes: Vec<(Vec<u32>, Vec<GradPair>)>,
    next_node: usize,
    /// The row-major bins while [`Kernels::read_rows`] has them off.
    spare_rows: Option<crate::binning::RowMajor>,
    cfg: GrowConfig,
    ws: Workspace,
    par: Executor,
}

impl Kernels {
    /// Bins `x` (256 bins) and computes gradients for 0/1 `labels`.
    pub fn new(
        x: ArrayView2<'_, f32>,
        labels: &[f32],
        params: &Params,
        threads: usize,
    ) -> Result<Kernels> {
        let par = Executor::new(threads)?;
        let matrix = BinnedMatrix::new(
            x,
            None,
            &crate::Categories::default(),
            params.max_bin,
            0,
            &par,
        );
        let grads: Vec<GradPair> = labels
            .iter()
            .map(|&y| GradPair {
                g: 0.5 - y,
                h: 0.25,
            })
            .collect();
        // Scales 0.25 and 1/16: the gradients +-0.5 are +-2, hessians 4.
        let quant = grads
            .iter()
            .map(|p| PackedBin::new((p.g * 4.0) as i32, 4))
            .collect();
        let cfg = GrowConfig {
            policy: params.grow_policy,
            max_depth: params.max_depth,
            max_leaves: params.max_leaves,
            split: SplitParams::from_params(params),
            cat: crate::split::CatParams::from_params(params),
            colsample_bynode: 1.0,
            subtraction: true,
            monotone: Vec::new(),
            interactions: Default::default(),
        };
        Ok(Kernels {
            rows: (0..x.nrows() as u32).collect(),
            hist: vec![BinStat::default(); matrix.total_bins()],
            quant_hist: vec![PackedBin::default(); matrix.total_bins()],
            quant,
            features: (0..x.ncols()).collect(),
            nodes: Vec::new(),
            next_node: 0,
            spare_rows: None,
            ws: Workspace::new(&matrix),
            matrix,
            grads,
            cfg,
            par,
        })
    }

    /// Builds the node's histogram of every feature (the root's unless
    /// [`Kernels::use_node`] chose another node).
    pub fn build_histogram(&mut self) {
        self.hist.fill(BinStat::default());
        let ordered: Vec<GradPair> = self.rows.iter().map(|&r| self.grads[r as usize]).collect();
        let job = BuildJob {
            rows: &self.rows,
            grads: &ordered,
            hist: &mut self.hist,
        };
        histogram::build(&self.matrix, &self.features, vec![job], &self.par);
    }

    /// Builds the root histogram of every feature from quantized gradients
    /// (integer sums, one packed `i64` per bin).
    pub fn build_quantized_histogram(&mut self) {
        self.quant_hist.fill(PackedBin::default());
        let job = BuildJob {
            rows: &self.rows,
            grads: &self.quant,
            hist: &mut self.quant_hist,
        };
        histogram::build(&self.matrix, &self.features, vec![job], &self.par);
    }

    /// Makes the node every `step`-th row (the root for 1) and builds its
    /// histogram: a small node leaves most bins empty, as the deep leaves
    /// of leaf-wise trees do.
    pub fn use_node(&mut self, step: usize) {
        self.rows = (0..self.matrix.rows as u32).step_by(step.max(1)).collect();
        self.build_histogram();
    }

    /// Deals the rows at random into `count` nodes, as the leaves of a
    /// leaf-wise tree hold them; [`Kernels::build_next_node`] then builds
    /// their histograms in turn, so each build reads rows the previous
    /// one did not (a loop over one small node would find it in cache).
    pub fn use_nodes(&mut self, count: usize) {
        let count = count.max(1);
        let mut rng = crate::sampling::Rng::new(11, &[count as u64]);
        let mut nodes: Vec<(Vec<u32>, Vec<GradPair>)> = vec![Default::default(); count];
        for r in 0..self.matrix.rows {
            let node = &mut nodes[(rng.next_u64() % count as u64) as usize];
            node.0.push(r as u32);
            node.1.push(self.grads[r]);
        }
        self.nodes = nodes;
        self.next_node = 0;
    }

    /// Builds the histogram of the next node of [`Kernels::use_nodes`].
    pub fn build_next_node(&mut self) {
        let Some((rows, grads)) = self.nodes.get(self.next_node) else {
            return;
        };
        self.next_node = (self.next_node + 1) % self.nodes.len();
        self.hist.fill(BinStat::default());
        let job = BuildJob {
            rows,
            grads,
            hist: &mut self.hist,
        };
        histogram::build(&self.matrix, &self.features, vec![job], &self.par);
    }

    /// Whether histograms of small nodes read the row-major copy of the
    /// bins (kept for matrices of at least 4 MiB of bins); `false` makes
    /// them read columns, for comparison. Returns whether the copy exists.
    pub fn read_rows(&mut self, on: bool) -> bool {
        if on != self.matrix.by_row.is_some() {
            std::mem::swap(&mut self.matrix.by_row, &mut self.spare_rows);
        }
        self.matrix.by_row.is_some() || self.spare_rows.is_some()
    }

    /// Finds the node's best split over every feature (the root's unless
    /// [`Kernels::use_node`] chose another); returns its gain.
    pub fn find_split(&self) -> f64 {
        let total = self.rows.iter().fold(BinStat::default(), |mut s, &r| {
            s.add(self.grads[r as usize]);
            s
        });
        let o = &self.matrix.offsets;
        let mut scratch = Scratch::default();
        self.features
            .iter()
            .filter_map(|&f| {
                best_of_feature(
                    &self.hist[o[f]..o[f + 1]],
                    f,
                    total,
                    &self.cfg.split,
                    None,
                    &mut scratch,
                )
            })
            .map(|c| c.gain)
            .fold(0.0, f64::max)
    }

    /// Grows one tree; returns its number of leaves.
    pub fn grow_tree(&mut self) -> usize {
        let input = GrowInput {
            matrix: &self.matrix,
            grads: &self.grads,
            features: &self.features,
            total_rows: self.matrix.rows,
            rng_stream: [0, 0, 0],
            seed: 0,
            quant: None,
        };
        grower::grow(&input, &self.cfg, &mut self.ws, &self.par)
            .leaves
            .len()
    }
}

/// Batch prediction of a model's trees on the calling thread, on rows
/// binned by the forest's thresholds or on raw values.
pub struct PredictKernel {
    forest: crate::predict::Forest,
    k: usize,
}

impl PredictKernel {
    /// The model's forest; `binned` asks for binned rows (`None` when the
    /// forest cannot be flattened or binning was asked for and is not
    /// possible).
    pub fn new(model: &crate::Model, binned: bool) -> Option<PredictKernel> {
        let forest = crate::predict::Forest::build(model.trees(), binned)?;
        (forest.binned() == binned).then_some(PredictKernel {
            forest,
            k: model.num_outputs(),
        })
    }

    /// The trees' margins (rows × outputs, no base margin), a block of rows
    /// at a time.
    pub fn predict(&self, x: ArrayView2<'_, f32>) -> Vec<f64> {
        let row_bytes = self.forest.row_bytes(x.ncols());
        let block = crate::predict::block_rows(x.nrows(), row_bytes, 1);
        let mut out = vec![0.0; x.nrows() * self.k];
        for (b, out) in out.chunks_mut(block * self.k).enumerate() {
            let rows = x.slice(ndarray::s![b * block..b * block + out.len() / self.k, ..]);
            self.forest.add(self.k, rows, out);
        }
        out
    }
}
