//! Pre-classifiers: the part of a network below its output layer.
//!
//! Alrao trains a pre-classifier with per-feature learning rates and replaces the output layer
//! by copies ([`super::copies`]). Units with a huge learning rate may produce huge activations;
//! the paper (Section 3) assumes a protection against them, such as tanh units or BatchNorm.
//! The multilayer perceptrons here offer both.

use std::fmt;
use std::str::FromStr;

use candle_core::{DType, Device, Module, ModuleT, Tensor};
use rand::Rng;

use super::error::{Result, TrainingError};
use super::features::ParamStore;
use super::layers::{BatchNorm, Linear};

/// A network below the output layer: maps inputs `[B, ...]` to features `z` of shape
/// `[B, output_dim]`.
pub trait PreClassifier {
    /// The features `z`; `train` selects batch statistics (and, later, dropout).
    fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor>;
    /// The trainable parameters and their feature layout.
    fn params(&self) -> &ParamStore;
    /// The width of `z`.
    fn output_dim(&self) -> usize;
    /// The smallest training batch the network accepts (2 with BatchNorm).
    fn min_batch_size(&self) -> usize {
        1
    }
}

/// Which multilayer perceptron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MlpKind {
    /// Linear layers followed by tanh: bounded units.
    Tanh,
    /// Linear, BatchNorm, ReLU: normalised units.
    BatchNormRelu,
}

/// A multilayer perceptron: its kind and hidden widths.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MlpSpec {
    /// Activation and normalisation.
    pub kind: MlpKind,
    /// Width of each hidden layer, input side first.
    pub hidden: Vec<usize>,
}

impl MlpSpec {
    /// The default width of the hidden layers.
    pub const DEFAULT_HIDDEN: [usize; 2] = [256, 256];
}

impl FromStr for MlpSpec {
    type Err = TrainingError;

    /// `mlp` (tanh) or `mlp-bn` (BatchNorm and ReLU), optionally followed by `:` and the hidden
    /// widths separated by `x`, e.g. `mlp-bn:512x256`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| TrainingError::Model {
            spec: s.to_string(),
            reason: reason.into(),
        };
        let (name, widths) = match s.split_once(':') {
            Some((n, w)) => (n, Some(w)),
            None => (s, None),
        };
        let kind = match name {
            "mlp" => MlpKind::Tanh,
            "mlp-bn" => MlpKind::BatchNormRelu,
            _ => return Err(bad("unknown model; expected `mlp` or `mlp-bn`")),
        };
        let hidden = match widths {
            None => Self::DEFAULT_HIDDEN.to_vec(),
            Some(w) => w
                .split('x')
                .map(|n| n.parse::<usize>().ok().filter(|&n| n > 0))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("hidden widths must be positive integers joined by `x`"))?,
        };
        if hidden.is_empty() {
            return Err(bad("at least one hidden layer is needed"));
        }
        Ok(Self { kind, hidden })
    }
}

impl fmt::Display for MlpSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.kind {
            MlpKind::Tanh => "mlp",
            MlpKind::BatchNormRelu => "mlp-bn",
        };
        let widths: Vec<String> = self.hidden.iter().map(|w| w.to_string()).collect();
        write!(f, "{name}:{}", widths.join("x"))
    }
}

/// A multilayer perceptron pre-classifier. Layers are named `hidden1`, `hidden2`, ... and
/// `norm1`, `norm2`, ...; each is one feature group.
#[derive(Debug, Clone)]
pub struct Mlp {
    spec: MlpSpec,
    linears: Vec<Linear>,
    norms: Vec<BatchNorm>,
    store: ParamStore,
}

impl Mlp {
    /// Builds the network for inputs of width `n_in`, drawing initial weights from `rng`.
    pub fn new<R: Rng>(
        spec: &MlpSpec,
        n_in: usize,
        device: &Device,
        dtype: DType,
        rng: &mut R,
    ) -> Result<Self> {
        let mut store = ParamStore::new(device, dtype);
        let mut linears = Vec::new();
        let mut norms = Vec::new();
        let mut width = n_in;
        for (i, &h) in spec.hidden.iter().enumerate() {
            linears.push(Linear::new(
                &mut store,
                &format!("hidden{}", i + 1),
                width,
                h,
                rng,
            )?);
            if spec.kind == MlpKind::BatchNormRelu {
                norms.push(BatchNorm::new(&mut store, &format!("norm{}", i + 1), h)?);
            }
            width = h;
        }
        Ok(Self {
            spec: spec.clone(),
            linears,
            norms,
            store,
        })
    }

    /// The description the network was built from.
    pub fn spec(&self) -> &MlpSpec {
        &self.spec
    }
}

impl PreClassifier for Mlp {
    fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let mut h = x.clone();
        for (i, linear) in self.linears.iter().enumerate() {
            h = linear.forward(&h)?;
            h = match self.spec.kind {
                MlpKind::Tanh => h.tanh()?,
                MlpKind::BatchNormRelu => self.norms[i].forward_t(&h, train)?.relu()?,
            };
        }
        Ok(h)
    }

    fn params(&self) -> &ParamStore {
        &self.store
    }

    fn output_dim(&self) -> usize {
        *self.spec.hidden.last().unwrap_or(&0)
    }

    fn min_batch_size(&self) -> usize {
        match self.spec.kind {
            MlpKind::Tanh => 1,
            MlpKind::BatchNormRelu => 2,
        }
    }
}
