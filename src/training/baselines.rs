//! The baselines Alrao is compared with: a network with one output layer trained by SGD with
//! one learning rate, or by Adam (the paper's settings: learning rate 1e-3, betas 0.9 / 0.999,
//! epsilon 1e-8, no weight decay).

use candle_core::{Module, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, SGD};
use serde::{Deserialize, Serialize};

use super::error::{Result, TrainingError};
use super::features::ParamStore;
use super::layers::Linear;
use super::models::PreClassifier;
use super::rng::{stream, Stream};

/// A single-rate optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "optimizer", rename_all = "lowercase")]
pub enum BaselineConfig {
    /// Plain SGD, `w <- w - lr grad`.
    Sgd {
        /// The learning rate.
        lr: f64,
    },
    /// Adam with betas 0.9 / 0.999, epsilon 1e-8 and no weight decay.
    Adam {
        /// The learning rate (the paper: 1e-3).
        lr: f64,
    },
}

impl BaselineConfig {
    /// The learning rate.
    pub fn lr(&self) -> f64 {
        match *self {
            Self::Sgd { lr } | Self::Adam { lr } => lr,
        }
    }
}

enum Inner {
    Sgd(SGD),
    Adam(AdamW),
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sgd(o) => write!(f, "Sgd(lr = {})", o.learning_rate()),
            Self::Adam(o) => write!(f, "Adam(lr = {})", o.learning_rate()),
        }
    }
}

/// A pre-classifier's single output layer (`output.weight`, `output.bias`) and the optimizer
/// that trains both on the loss of that layer.
#[derive(Debug)]
pub struct Baseline {
    config: BaselineConfig,
    output: Linear,
    output_store: ParamStore,
    optimizer: Inner,
}

impl Baseline {
    /// An output layer of width `n_out` on top of `pre`, initialised from the output stream of
    /// `seed` (the same draws as the first Alrao copy), and the optimizer over all weights.
    ///
    /// # Errors
    /// A learning rate that is not positive and finite.
    pub fn new<P: PreClassifier>(
        pre: &P,
        n_out: usize,
        config: BaselineConfig,
        seed: u64,
    ) -> Result<Self> {
        let lr = config.lr();
        if !(lr.is_finite() && lr > 0.0) {
            return Err(TrainingError::LearningRate { lr });
        }
        let store = pre.params();
        let mut output_store = ParamStore::new(store.device(), store.dtype());
        let mut rng = stream(seed, Stream::OutputInit);
        let output = Linear::new(
            &mut output_store,
            "output",
            pre.output_dim(),
            n_out,
            &mut rng,
        )?;
        let vars: Vec<Var> = store
            .vars()
            .into_iter()
            .chain(output_store.vars())
            .collect();
        let optimizer = match config {
            BaselineConfig::Sgd { lr } => Inner::Sgd(SGD::new(vars, lr)?),
            BaselineConfig::Adam { lr } => Inner::Adam(AdamW::new(
                vars,
                ParamsAdamW {
                    lr,
                    beta1: 0.9,
                    beta2: 0.999,
                    eps: 1e-8,
                    weight_decay: 0.0,
                },
            )?),
        };
        Ok(Self {
            config,
            output,
            output_store,
            optimizer,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &BaselineConfig {
        &self.config
    }

    /// The output layer's parameters.
    pub fn output_params(&self) -> &ParamStore {
        &self.output_store
    }

    /// The output layer's raw outputs (logits) for `x`.
    pub fn logits<P: PreClassifier>(&self, pre: &P, x: &Tensor, train: bool) -> Result<Tensor> {
        let z = pre.forward_t(x, train)?;
        Ok(self.output.forward(&z)?)
    }

    /// One step on the mean cross-entropy of `(x, labels)`; returns the batch's log-probabilities
    /// `[B, C]` from before the step.
    pub fn step_classifier<P: PreClassifier>(
        &mut self,
        pre: &P,
        x: &Tensor,
        labels: &Tensor,
    ) -> Result<Tensor> {
        let logits = self.logits(pre, x, true)?;
        let log_probs = candle_nn::ops::log_softmax(&logits, candle_core::D::Minus1)?;
        let loss = candle_nn::loss::nll(&log_probs, labels)?;
        let grads = loss.backward()?;
        match &mut self.optimizer {
            Inner::Sgd(o) => o.step(&grads)?,
            Inner::Adam(o) => o.step(&grads)?,
        }
        Ok(log_probs.detach())
    }
}
