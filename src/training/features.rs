//! The feature registry: which learning rate each weight gets.
//!
//! Alrao (Blier, Wolinski, Ollivier, Section 4) gives every *feature* of the pre-classifier its
//! own learning rate, drawn once, log-uniformly:
//!
//! ```text
//! ln eta_f ~ U(ln eta_min, ln eta_max),   one draw per feature f
//! ```
//!
//! A feature is a group of weights that share a rate: one output unit of a Linear layer (a row
//! of its weight and its bias entry), one channel of a BatchNorm (its scale and shift), one
//! filter of a convolution, one hidden unit of an LSTM (its rows in all four gates). Here a
//! *feature group* is a named set of `n` features, and every parameter says, through a
//! [`FeatureLayout`], which feature of which group each of its slices along one axis belongs
//! to. Parameters are keyed by name and visited in sorted-name order, never by position, so that
//! the same seed gives the same rates to the same weights whatever order layers were built in.

use std::collections::BTreeMap;

use candle_core::{DType, Device, Tensor, Var};
use rand::Rng;

use super::error::{Result, TrainingError};

/// How the slices of a parameter along one axis map to the features of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureLayout {
    /// The feature group the parameter's rates come from.
    pub group: String,
    /// The axis along which features vary (0 for the rows of a Linear weight).
    pub axis: usize,
    /// `index[i]` is the feature (in `0..n` of the group) of slice `i` along `axis`.
    pub index: Vec<usize>,
}

impl FeatureLayout {
    /// Slice `i` along `axis` is feature `i`: the layout of a Linear weight's rows, of a bias,
    /// of a BatchNorm scale.
    pub fn identity(group: &str, axis: usize, n: usize) -> Self {
        Self {
            group: group.to_string(),
            axis,
            index: (0..n).collect(),
        }
    }
}

/// A trainable parameter and where its learning rates come from.
#[derive(Debug, Clone)]
pub struct Param {
    /// The weights, as a candle variable.
    pub var: Var,
    /// Which feature each slice belongs to.
    pub layout: FeatureLayout,
}

/// The named trainable parameters of a network and their feature groups.
#[derive(Debug, Clone)]
pub struct ParamStore {
    params: BTreeMap<String, Param>,
    groups: BTreeMap<String, usize>,
    device: Device,
    dtype: DType,
}

impl ParamStore {
    /// An empty store whose parameters live on `device` with `dtype`.
    pub fn new(device: &Device, dtype: DType) -> Self {
        Self {
            params: BTreeMap::new(),
            groups: BTreeMap::new(),
            device: device.clone(),
            dtype,
        }
    }

    /// The device of the parameters.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The dtype of the parameters.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Declares a feature group of `n` features. Declaring it again with the same size is a
    /// no-op; with another size it is an error.
    pub fn declare_group(&mut self, group: &str, n: usize) -> Result<()> {
        match self.groups.get(group) {
            Some(&m) if m != n => Err(TrainingError::FeatureLayout {
                name: group.to_string(),
                reason: format!("feature group declared with {m} and then {n} features"),
            }),
            _ => {
                self.groups.insert(group.to_string(), n);
                Ok(())
            }
        }
    }

    /// Registers parameter `name` with initial value `init` and feature layout `layout`.
    ///
    /// # Errors
    /// A repeated name, an undeclared group, or a layout whose axis or indices do not fit the
    /// shape of `init`.
    pub fn register(&mut self, name: &str, init: Tensor, layout: FeatureLayout) -> Result<Var> {
        if self.params.contains_key(name) {
            return Err(TrainingError::DuplicateParameter {
                name: name.to_string(),
            });
        }
        let bad = |reason: String| TrainingError::FeatureLayout {
            name: name.to_string(),
            reason,
        };
        let n_features = *self
            .groups
            .get(&layout.group)
            .ok_or_else(|| bad(format!("feature group `{}` is not declared", layout.group)))?;
        let dims = init.dims().to_vec();
        let len = *dims.get(layout.axis).ok_or_else(|| {
            bad(format!(
                "axis {} out of range for shape {dims:?}",
                layout.axis
            ))
        })?;
        if layout.index.len() != len {
            return Err(bad(format!(
                "layout maps {} slices but axis {} has {len}",
                layout.index.len(),
                layout.axis
            )));
        }
        if let Some(&f) = layout.index.iter().find(|&&f| f >= n_features) {
            return Err(bad(format!("feature {f} outside group of {n_features}")));
        }
        let var = Var::from_tensor(&init.to_dtype(self.dtype)?.to_device(&self.device)?)?;
        self.params.insert(
            name.to_string(),
            Param {
                var: var.clone(),
                layout,
            },
        );
        Ok(var)
    }

    /// The parameters, in sorted-name order.
    pub fn params(&self) -> impl Iterator<Item = (&str, &Param)> {
        self.params.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The parameter called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.get(name)
    }

    /// The variables, in sorted-name order.
    pub fn vars(&self) -> Vec<Var> {
        self.params.values().map(|p| p.var.clone()).collect()
    }

    /// The feature groups and their sizes, in sorted-name order.
    pub fn groups(&self) -> impl Iterator<Item = (&str, usize)> {
        self.groups.iter().map(|(k, &v)| (k.as_str(), v))
    }

    /// The total number of scalar weights.
    pub fn n_weights(&self) -> usize {
        self.params.values().map(|p| p.var.elem_count()).sum()
    }
}

/// One learning rate per feature, drawn once, and the per-parameter tensors built from them.
#[derive(Debug, Clone)]
pub struct FeatureLearningRates {
    per_group: BTreeMap<String, Vec<f64>>,
    per_param: BTreeMap<String, Tensor>,
}

impl FeatureLearningRates {
    /// Draws `ln eta ~ U(ln eta_min, ln eta_max)` for every feature of every group of `store`,
    /// groups in sorted-name order, features in index order, from `rng`.
    ///
    /// With `eta_min == eta_max` every rate is exactly `eta_min`.
    ///
    /// # Errors
    /// `eta_min` not positive and finite, or `eta_max` below it or not finite.
    pub fn draw<R: Rng>(
        store: &ParamStore,
        eta_min: f64,
        eta_max: f64,
        rng: &mut R,
    ) -> Result<Self> {
        check_interval(eta_min, eta_max)?;
        let (lo, hi) = (eta_min.ln(), eta_max.ln());
        let mut per_group = BTreeMap::new();
        for (group, n) in store.groups() {
            let rates = (0..n)
                .map(|_| {
                    let u: f64 = rng.random();
                    if hi == lo {
                        eta_min
                    } else {
                        (lo + u * (hi - lo)).exp()
                    }
                })
                .collect::<Vec<f64>>();
            per_group.insert(group.to_string(), rates);
        }
        Self::from_group_rates(store, per_group)
    }

    /// Builds the per-parameter tensors from given per-group rates.
    ///
    /// # Errors
    /// A group of `store` missing from `per_group` or with the wrong number of rates.
    pub fn from_group_rates(
        store: &ParamStore,
        per_group: BTreeMap<String, Vec<f64>>,
    ) -> Result<Self> {
        for (group, n) in store.groups() {
            let got = per_group.get(group).map(Vec::len);
            if got != Some(n) {
                return Err(TrainingError::FeatureLayout {
                    name: group.to_string(),
                    reason: format!("expected {n} learning rates, got {got:?}"),
                });
            }
        }
        let mut per_param = BTreeMap::new();
        for (name, param) in store.params() {
            let rates = &per_group[&param.layout.group];
            let values: Vec<f64> = param.layout.index.iter().map(|&f| rates[f]).collect();
            // shape: 1 on every axis but the feature axis, so that it broadcasts over the rest
            let mut shape = vec![1usize; param.var.rank()];
            shape[param.layout.axis] = values.len();
            let t = Tensor::from_vec(values, shape, store.device())?.to_dtype(store.dtype())?;
            per_param.insert(name.to_string(), t);
        }
        Ok(Self {
            per_group,
            per_param,
        })
    }

    /// The rates of each feature group, in sorted-name order.
    pub fn per_group(&self) -> &BTreeMap<String, Vec<f64>> {
        &self.per_group
    }

    /// The broadcastable learning-rate tensor of parameter `name`.
    pub fn for_param(&self, name: &str) -> Option<&Tensor> {
        self.per_param.get(name)
    }

    /// All drawn rates, for summaries (quantiles, histograms).
    pub fn all_rates(&self) -> Vec<f64> {
        self.per_group.values().flatten().copied().collect()
    }
}

/// Checks `0 < eta_min <= eta_max < inf`.
pub fn check_interval(eta_min: f64, eta_max: f64) -> Result<()> {
    if !(eta_min.is_finite() && eta_min > 0.0) {
        return Err(TrainingError::EtaMin { eta_min });
    }
    if !(eta_max.is_finite() && eta_max >= eta_min) {
        return Err(TrainingError::EtaMax { eta_min, eta_max });
    }
    Ok(())
}
