//! The Alrao optimizer (Algorithm 1 of the paper).
//!
//! One step on a batch `(x, y)`:
//!
//! 1. forward the pre-classifier once: `z = f(x)`;
//! 2. forward every output copy once on `z` (one stacked product): `p_j(y_b | z_b)`;
//! 3. the mixture's loss is `L = -(1/B) sum_b ln sum_j a_j p_j(y_b | z_b)`, with `a` the
//!    switch posterior from before this batch (a mixture of probabilities, not of logs);
//! 4. each weight `w` of the pre-classifier moves by `-eta_f dL/dw`, with `eta_f` the
//!    learning rate of the feature `w` belongs to;
//! 5. each copy `j` moves by `-eta_j` times the gradient of its own loss
//!    `-(1/B) sum_b ln p_j(y_b | z_b)`, with `z` held fixed;
//! 6. the switch takes the copies' likelihoods of this batch, computed before the step.
//!
//! The gradient of step 4 is obtained without a second product: with responsibilities
//! `r_bj = a_j p_j(y_b | z_b) / sum_i a_i p_i(y_b | z_b)`,
//! `dL/dz_b = (1/B) sum_j r_bj d(-ln p_j(y_b | z_b))/dz_b`, which the copies give in closed
//! form; autograd then carries `dL/dz` through the pre-classifier.
//!
//! With `eta_min = eta_max` and one copy this is plain SGD, step for step.

use candle_core::{Tensor, D};
use serde::{Deserialize, Serialize};

use super::copies::{copy_learning_rates, CopyScores, Likelihood, LinearCopies};
use super::error::{Result, TrainingError};
use super::features::{check_interval, FeatureLearningRates};
use super::models::PreClassifier;
use super::rng::{stream, Stream};
use crate::averaging::{ObservationMode, Switch};

/// The settings of Alrao.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlraoConfig {
    /// Lower end of the learning-rate interval.
    pub eta_min: f64,
    /// Upper end of the learning-rate interval.
    pub eta_max: f64,
    /// Number of output copies `K`.
    pub copies: usize,
    /// The switch's prior parameter: prior probability of one more segment. The paper uses
    /// 0.999; the authors' code 0.9999.
    pub theta: f64,
    /// What one observation of the switch is.
    pub observation: ObservationMode,
}

impl Default for AlraoConfig {
    /// The paper's image-classification settings: `[1e-5, 10]`, 10 copies, theta 0.999, a
    /// minibatch as one observation.
    fn default() -> Self {
        Self {
            eta_min: 1e-5,
            eta_max: 10.0,
            copies: 10,
            theta: 0.999,
            observation: ObservationMode::MinibatchMean,
        }
    }
}

impl AlraoConfig {
    /// Checks the interval and the number of copies (theta is checked by the switch).
    pub fn validate(&self) -> Result<()> {
        check_interval(self.eta_min, self.eta_max)?;
        if self.copies == 0 {
            return Err(TrainingError::Copies { copies: 0 });
        }
        Ok(())
    }
}

/// What one Alrao step saw.
#[derive(Debug, Clone)]
pub struct AlraoStep {
    /// The mixture's mean negative log-likelihood on the batch, before the step (nats).
    pub mixture_loss: f64,
    /// Each copy's mean negative log-likelihood on the batch, before the step (nats).
    pub copy_losses: Vec<f64>,
    /// `ln p_j(y_b | z_b)` of each copy `j` (outer) and sample `b` (inner), before the step:
    /// what the switch was given (through [`ObservationMode::observations`]).
    pub copy_log_likelihoods: Vec<Vec<f64>>,
    /// The mixture's prediction for the batch: log-probabilities `[B, O]` for a classifier,
    /// the posterior-weighted mean for a regressor.
    pub prediction: Tensor,
}

/// The Alrao optimizer state: per-feature learning rates of a pre-classifier, its output copies
/// and the switch that mixes them.
#[derive(Debug, Clone)]
pub struct Alrao {
    config: AlraoConfig,
    feature_rates: FeatureLearningRates,
    copies: LinearCopies,
    switch: Switch,
}

impl Alrao {
    /// Sets Alrao up for `pre`, with copies of an output layer of width `n_out`.
    ///
    /// Under `seed`, the copies' initial weights come from the output-initialisation stream
    /// and the per-feature rates from the learning-rate stream (see [`super::rng`]).
    ///
    /// # Errors
    /// An invalid configuration (interval, copies, theta).
    pub fn new<P: PreClassifier>(
        pre: &P,
        n_out: usize,
        likelihood: Likelihood,
        config: AlraoConfig,
        seed: u64,
    ) -> Result<Self> {
        config.validate()?;
        let switch = Switch::new(config.copies, config.theta)?;
        let store = pre.params();
        let mut rate_rng = stream(seed, Stream::LearningRates);
        let feature_rates =
            FeatureLearningRates::draw(store, config.eta_min, config.eta_max, &mut rate_rng)?;
        let etas = copy_learning_rates(config.eta_min, config.eta_max, config.copies)?;
        let mut init_rng = stream(seed, Stream::OutputInit);
        let copies = LinearCopies::new(
            pre.output_dim(),
            n_out,
            etas,
            likelihood,
            store.device(),
            store.dtype(),
            &mut init_rng,
        )?;
        Ok(Self {
            config,
            feature_rates,
            copies,
            switch,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AlraoConfig {
        &self.config
    }

    /// The per-feature learning rates of the pre-classifier.
    pub fn feature_rates(&self) -> &FeatureLearningRates {
        &self.feature_rates
    }

    /// The output copies.
    pub fn copies(&self) -> &LinearCopies {
        &self.copies
    }

    /// The switch that mixes the copies.
    pub fn switch(&self) -> &Switch {
        &self.switch
    }

    /// One training step on `(x, target)`; see the module documentation.
    ///
    /// # Errors
    /// Tensor errors, and a NaN likelihood from a copy (the switch names the copy and step).
    pub fn step<P: PreClassifier>(
        &mut self,
        pre: &P,
        x: &Tensor,
        target: &Tensor,
    ) -> Result<AlraoStep> {
        let z = pre.forward_t(x, true)?;
        let z_fixed = z.detach();
        let scores = self.copies.score(&z_fixed, target)?;
        let batch = z.dim(0)?;

        // the mixture under the posterior from before this batch, and each copy's share of it
        let log_posterior = self.log_posterior_tensor(&z)?;
        let joint = scores.log_likelihood.broadcast_add(&log_posterior)?;
        let log_mixture = joint.log_sum_exp(1)?;
        let responsibility = joint.broadcast_sub(&log_mixture.unsqueeze(1)?)?.exp()?;
        let mixture_loss = -f64_scalar(&log_mixture.mean_all()?)?;
        let prediction = self.mix(&scores, &log_posterior)?;

        // the pre-classifier follows the mixture's loss, each weight with its feature's rate
        let coefficient = (responsibility / batch as f64)?;
        let grad_z = self.copies.input_gradient(&scores, &coefficient)?;
        let grads = (z * grad_z)?.sum_all()?.backward()?;
        for (name, param) in pre.params().params() {
            let (Some(grad), Some(eta)) =
                (grads.get(&param.var), self.feature_rates.for_param(name))
            else {
                continue;
            };
            let updated = (param.var.as_tensor() - grad.broadcast_mul(eta)?)?;
            param.var.set(&updated)?;
        }

        // each copy follows its own loss, with z held fixed
        self.copies.step(&z_fixed, &scores)?;

        // the switch sees the likelihoods from before the step
        let per_copy: Vec<Vec<f64>> = scores
            .log_likelihood
            .t()?
            .to_dtype(candle_core::DType::F64)?
            .to_vec2()?;
        let copy_losses = per_copy
            .iter()
            .map(|ll| -ll.iter().sum::<f64>() / ll.len().max(1) as f64)
            .collect();
        self.switch
            .update_batch(self.config.observation, &per_copy)?;
        Ok(AlraoStep {
            mixture_loss,
            copy_losses,
            copy_log_likelihoods: per_copy,
            prediction,
        })
    }

    /// The mixture's prediction for `x` under the current posterior, without training:
    /// log-probabilities `[B, O]` for a classifier, the posterior-weighted mean for a
    /// regressor. `train` selects batch statistics in the pre-classifier.
    pub fn predict<P: PreClassifier>(&self, pre: &P, x: &Tensor, train: bool) -> Result<Tensor> {
        let z = pre.forward_t(x, train)?.detach();
        let raw = self.copies.forward(&z)?;
        let log_posterior = self.log_posterior_tensor(&z)?;
        match self.copies.likelihood() {
            Likelihood::Categorical => {
                let log_probs = candle_nn::ops::log_softmax(&raw, D::Minus1)?;
                mix_log_probs(&log_probs, &log_posterior)
            }
            Likelihood::Gaussian => mix_means(&raw, &log_posterior),
        }
    }

    fn mix(&self, scores: &CopyScores, log_posterior: &Tensor) -> Result<Tensor> {
        match self.copies.likelihood() {
            Likelihood::Categorical => mix_log_probs(&scores.outputs, log_posterior),
            Likelihood::Gaussian => mix_means(&scores.outputs, log_posterior),
        }
    }

    fn log_posterior_tensor(&self, like: &Tensor) -> Result<Tensor> {
        let k = self.copies.n_copies();
        let values = self.switch.log_posterior().to_vec();
        Ok(Tensor::from_vec(values, (1, k), like.device())?.to_dtype(like.dtype())?)
    }
}

/// `ln sum_j a_j p_j(c)` for every class: `[B, K, C]` log-probabilities and `[1, K]` log
/// posterior give `[B, C]`.
fn mix_log_probs(log_probs: &Tensor, log_posterior: &Tensor) -> Result<Tensor> {
    let (_, k, _) = log_probs.dims3()?;
    let weighted = log_probs.broadcast_add(&log_posterior.reshape((1, k, 1))?)?;
    Ok(weighted.log_sum_exp(1)?)
}

/// `sum_j a_j mu_j`: `[B, K, O]` means and `[1, K]` log posterior give `[B, O]`.
fn mix_means(means: &Tensor, log_posterior: &Tensor) -> Result<Tensor> {
    let (_, k, _) = means.dims3()?;
    let weights = log_posterior.exp()?.reshape((1, k, 1))?;
    Ok(means.broadcast_mul(&weights)?.sum(1)?)
}

fn f64_scalar(t: &Tensor) -> Result<f64> {
    Ok(t.to_dtype(candle_core::DType::F64)?.to_scalar::<f64>()?)
}
