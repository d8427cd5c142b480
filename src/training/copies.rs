//! The output layer's copies: `K` linear layers trained side by side, each with its own
//! learning rate, evaluated as one product over stacked weights.
//!
//! Copy `j` (1-based) of `K` has learning rate
//!
//! ```text
//! eta_j = eta_min (eta_max / eta_min)^((j - 1) / (K - 1)),   and eta_1 = eta_min if K = 1
//! ```
//!
//! (both ends included, as in the authors' code). Each copy is a probabilistic model of the
//! target given the pre-classifier's features `z`:
//!
//! - [`Likelihood::Categorical`]: `p_j(y | z) = softmax(W_j z + b_j)_y` (classification);
//! - [`Likelihood::Gaussian`]: `p_j(y | z) = N(y; W_j z + b_j, I)` (regression, as in the
//!   paper's DQN experiments).
//!
//! The weights of all copies are stacked into one `[K * O, D]` matrix, so that one matrix
//! product gives every copy's output; those outputs serve the mixture, each copy's own loss and
//! the switch. Gradients with respect to each copy's output are in closed form: for both
//! likelihoods, `d(-ln p_j(y | z)) / d out_j` is `softmax - onehot(y)` or `mean - y`, which is
//! what makes one forward product enough.

use candle_core::{DType, Device, Tensor, D};
use rand::Rng;

use super::error::{Result, TrainingError};
use super::features::check_interval;
use super::layers::uniform;

/// The learning rates of `k` copies spaced log-uniformly over `[eta_min, eta_max]`, both ends
/// included; one copy gets `eta_min`.
///
/// # Errors
/// `k == 0`, or an invalid interval.
pub fn copy_learning_rates(eta_min: f64, eta_max: f64, k: usize) -> Result<Vec<f64>> {
    check_interval(eta_min, eta_max)?;
    if k == 0 {
        return Err(TrainingError::Copies { copies: k });
    }
    if k == 1 {
        return Ok(vec![eta_min]);
    }
    let (lo, hi) = (eta_min.ln(), eta_max.ln());
    Ok((0..k)
        .map(|j| {
            if j == 0 {
                eta_min
            } else if j == k - 1 {
                eta_max
            } else {
                (lo + (hi - lo) * j as f64 / (k - 1) as f64).exp()
            }
        })
        .collect())
}

/// The predictive distribution each copy defines over the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Likelihood {
    /// Softmax over `O` classes; targets are class indices (`u32`, shape `[B]`).
    Categorical,
    /// Unit-variance Gaussian with mean the copy's output; targets are `[B, O]` floats.
    Gaussian,
}

/// Every copy's view of one batch, computed from one forward product.
#[derive(Debug, Clone)]
pub struct CopyScores {
    /// `ln p_j(y_b | z_b)`, shape `[B, K]`.
    pub log_likelihood: Tensor,
    /// `d(-ln p_j(y_b | z_b)) / d out_j(z_b)`, shape `[B, K, O]`.
    pub output_gradient: Tensor,
    /// Each copy's output: log-probabilities `[B, K, O]` (categorical) or means (Gaussian).
    pub outputs: Tensor,
}

/// `K` linear output layers `z -> W_j z + b_j` from `D` features to `O` outputs.
#[derive(Debug, Clone)]
pub struct LinearCopies {
    weight: Tensor,
    bias: Tensor,
    n_in: usize,
    n_out: usize,
    etas: Vec<f64>,
    eta_rows: Tensor,
    likelihood: Likelihood,
}

impl LinearCopies {
    /// `etas.len()` copies, each initialised like a PyTorch Linear layer (weight then bias, copy
    /// by copy, from `rng`): with one copy, the same draws as [`super::layers::Linear::new`].
    pub fn new<R: Rng>(
        n_in: usize,
        n_out: usize,
        etas: Vec<f64>,
        likelihood: Likelihood,
        device: &Device,
        dtype: DType,
        rng: &mut R,
    ) -> Result<Self> {
        if etas.is_empty() {
            return Err(TrainingError::Copies { copies: 0 });
        }
        if let Some(&lr) = etas.iter().find(|e| !(e.is_finite() && **e > 0.0)) {
            return Err(TrainingError::LearningRate { lr });
        }
        let bound = 1.0 / (n_in as f64).sqrt();
        let mut weights = Vec::with_capacity(etas.len());
        let mut biases = Vec::with_capacity(etas.len());
        for _ in &etas {
            weights.push(uniform(rng, &[n_out, n_in], bound, dtype, device)?);
            biases.push(uniform(rng, &[n_out], bound, dtype, device)?);
        }
        let row_etas: Vec<f64> = etas
            .iter()
            .flat_map(|&e| std::iter::repeat_n(e, n_out))
            .collect();
        let k = etas.len();
        let eta_rows = Tensor::from_vec(row_etas, (k * n_out, 1), device)?.to_dtype(dtype)?;
        Ok(Self {
            weight: Tensor::cat(&weights, 0)?,
            bias: Tensor::cat(&biases, 0)?,
            n_in,
            n_out,
            etas,
            eta_rows,
            likelihood,
        })
    }

    /// The number of copies `K`.
    pub fn n_copies(&self) -> usize {
        self.etas.len()
    }

    /// The learning rate of each copy.
    pub fn learning_rates(&self) -> &[f64] {
        &self.etas
    }

    /// The likelihood each copy defines.
    pub fn likelihood(&self) -> Likelihood {
        self.likelihood
    }

    /// The width `O` of each copy's output.
    pub fn n_out(&self) -> usize {
        self.n_out
    }

    /// The width `D` of the features each copy reads.
    pub fn n_in(&self) -> usize {
        self.n_in
    }

    /// Copy `j`'s weight `[O, D]` and bias `[O]`.
    pub fn copy(&self, j: usize) -> Result<(Tensor, Tensor)> {
        let w = self.weight.narrow(0, j * self.n_out, self.n_out)?;
        let b = self.bias.narrow(0, j * self.n_out, self.n_out)?;
        Ok((w, b))
    }

    /// Every copy's raw output (logits or means), `[B, K, O]`, from one matrix product.
    pub fn forward(&self, z: &Tensor) -> Result<Tensor> {
        let b = z.dim(0)?;
        let out = z.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)?;
        Ok(out.reshape((b, self.n_copies(), self.n_out))?)
    }

    /// Scores a batch: each copy's log-likelihood of the targets and its gradient with respect
    /// to the copy's output. `z` should be detached from the pre-classifier's graph.
    pub fn score(&self, z: &Tensor, target: &Tensor) -> Result<CopyScores> {
        let raw = self.forward(z)?;
        let (b, k, o) = raw.dims3()?;
        match self.likelihood {
            Likelihood::Categorical => {
                let log_probs = candle_nn::ops::log_softmax(&raw, D::Minus1)?;
                let index = target
                    .reshape((b, 1, 1))?
                    .broadcast_as((b, k, 1))?
                    .contiguous()?;
                let log_likelihood = log_probs.gather(&index, 2)?.squeeze(2)?;
                let onehot = candle_nn::encoding::one_hot(target.clone(), o, 1f32, 0f32)?
                    .to_dtype(raw.dtype())?
                    .reshape((b, 1, o))?;
                let output_gradient = log_probs.exp()?.broadcast_sub(&onehot)?;
                Ok(CopyScores {
                    log_likelihood,
                    output_gradient,
                    outputs: log_probs,
                })
            }
            Likelihood::Gaussian => {
                let target = target.to_dtype(raw.dtype())?.reshape((b, 1, o))?;
                let output_gradient = raw.broadcast_sub(&target)?;
                let half_log_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln() * o as f64;
                let log_likelihood = ((output_gradient.sqr()?.sum(2)? * -0.5)? - half_log_2pi)?;
                Ok(CopyScores {
                    log_likelihood,
                    output_gradient,
                    outputs: raw,
                })
            }
        }
    }

    /// `sum_j coefficient[b, j] * d(-ln p_j(y_b | z_b)) / d z_b`, shape `[B, D]`: the
    /// gradient that flows back into the pre-classifier when copy `j`'s loss on sample `b` is
    /// weighted by `coefficient[b, j]`.
    pub fn input_gradient(&self, scores: &CopyScores, coefficient: &Tensor) -> Result<Tensor> {
        let (b, k, o) = scores.output_gradient.dims3()?;
        let weighted = scores
            .output_gradient
            .broadcast_mul(&coefficient.reshape((b, k, 1))?)?
            .reshape((b, k * o))?;
        Ok(weighted.matmul(&self.weight)?)
    }

    /// One gradient step of every copy on its own mean loss `-(1/B) sum_b ln p_j(y_b | z_b)`,
    /// each with its own learning rate. `z` is the (detached) input the scores were computed on.
    pub fn step(&mut self, z: &Tensor, scores: &CopyScores) -> Result<()> {
        let (b, k, o) = scores.output_gradient.dims3()?;
        let g = (scores.output_gradient.reshape((b, k * o))? / b as f64)?;
        let grad_weight = g.t()?.matmul(z)?;
        let grad_bias = g.sum(0)?;
        let eta_bias = self.eta_rows.squeeze(1)?;
        self.weight = (&self.weight - grad_weight.broadcast_mul(&self.eta_rows)?)?;
        self.bias = (&self.bias - grad_bias.mul(&eta_bias)?)?;
        Ok(())
    }
}
