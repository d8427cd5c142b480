//! Layers whose parameters live in a [`ParamStore`] with their feature layout.
//!
//! Initialisation follows PyTorch's defaults so that results compare with the authors' code:
//! a Linear layer with `n_in` inputs draws its weight and bias from
//! `U(-1/sqrt(n_in), 1/sqrt(n_in))`; a BatchNorm starts with scale 1 and shift 0.

use candle_core::{DType, Device, Module, ModuleT, Tensor};
use rand::Rng;

use super::error::Result;
use super::features::{FeatureLayout, ParamStore};

/// Draws `n` values of `U(-bound, bound)` as a tensor of shape `shape`.
pub fn uniform<R: Rng>(
    rng: &mut R,
    shape: &[usize],
    bound: f64,
    dtype: DType,
    device: &Device,
) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let values: Vec<f64> = (0..n)
        .map(|_| (rng.random::<f64>() * 2.0 - 1.0) * bound)
        .collect();
    Ok(Tensor::from_vec(values, shape, device)?.to_dtype(dtype)?)
}

/// `y = x W^T + b`, with `W` of shape `[n_out, n_in]`. One feature is one output unit: row `i`
/// of `W` and `b[i]` share a learning rate (feature group = the layer's name).
#[derive(Debug, Clone)]
pub struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    /// Registers `name.weight` and `name.bias` in `store`, initialised from `rng`.
    pub fn new<R: Rng>(
        store: &mut ParamStore,
        name: &str,
        n_in: usize,
        n_out: usize,
        rng: &mut R,
    ) -> Result<Self> {
        let bound = 1.0 / (n_in as f64).sqrt();
        let (dtype, device) = (store.dtype(), store.device().clone());
        let w = uniform(rng, &[n_out, n_in], bound, dtype, &device)?;
        let b = uniform(rng, &[n_out], bound, dtype, &device)?;
        store.declare_group(name, n_out)?;
        let weight = store.register(
            &format!("{name}.weight"),
            w,
            FeatureLayout::identity(name, 0, n_out),
        )?;
        let bias = store.register(
            &format!("{name}.bias"),
            b,
            FeatureLayout::identity(name, 0, n_out),
        )?;
        Ok(Self {
            weight: weight.as_tensor().clone(),
            bias: bias.as_tensor().clone(),
        })
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }
}

/// Batch normalisation over the feature axis 1, with learned scale and shift per channel (one
/// feature per channel) and running statistics that are not parameters.
#[derive(Debug, Clone)]
pub struct BatchNorm {
    inner: candle_nn::BatchNorm,
}

impl BatchNorm {
    /// Registers `name.weight` (scale, 1) and `name.bias` (shift, 0) for `n` channels.
    pub fn new(store: &mut ParamStore, name: &str, n: usize) -> Result<Self> {
        let (dtype, device) = (store.dtype(), store.device().clone());
        store.declare_group(name, n)?;
        let scale = store.register(
            &format!("{name}.weight"),
            Tensor::ones(n, dtype, &device)?,
            FeatureLayout::identity(name, 0, n),
        )?;
        let shift = store.register(
            &format!("{name}.bias"),
            Tensor::zeros(n, dtype, &device)?,
            FeatureLayout::identity(name, 0, n),
        )?;
        let inner = candle_nn::BatchNorm::new(
            n,
            Tensor::zeros(n, dtype, &device)?,
            Tensor::ones(n, dtype, &device)?,
            scale.as_tensor().clone(),
            shift.as_tensor().clone(),
            1e-5,
        )?;
        Ok(Self { inner })
    }
}

impl ModuleT for BatchNorm {
    fn forward_t(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        self.inner.forward_t(x, train)
    }
}
