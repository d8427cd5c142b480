//! Checks shared by every model average: one log-likelihood per model, none NaN or `+inf`,
//! and the posterior derived from linear weights on demand.

use std::sync::OnceLock;

use super::error::AveragingError;

/// One value per model, none NaN or `+inf`; `step` is the 1-based index of the observation.
pub(crate) fn check_log_likelihoods(
    n_models: usize,
    log_likelihoods: &[f64],
    step: u64,
) -> Result<(), AveragingError> {
    if log_likelihoods.len() != n_models {
        return Err(AveragingError::WrongLength {
            expected: n_models,
            got: log_likelihoods.len(),
        });
    }
    for (model, &x) in log_likelihoods.iter().enumerate() {
        if x.is_nan() {
            return Err(AveragingError::NanLikelihood { model, step });
        }
        if x == f64::INFINITY {
            return Err(AveragingError::InfiniteLikelihood { model, step });
        }
    }
    Ok(())
}

/// The largest log-likelihood among the models whose weight is positive: the shift that
/// keeps `exp(ln p_k - shift) <= 1` without underflowing every weighted term. `-inf` when
/// every weighted model gives the observation likelihood zero.
#[inline]
pub(crate) fn weighted_max(log_likelihoods: &[f64], weights: impl Fn(usize) -> f64) -> f64 {
    let mut shift = f64::NEG_INFINITY;
    for (k, &x) in log_likelihoods.iter().enumerate() {
        if x > shift && weights(k) > 0.0 {
            shift = x;
        }
    }
    shift
}

/// `ln a_k`, computed from linear weights the first time it is asked for after an update.
///
/// Equality and cloning see only whether the cache is filled, never change a result.
#[derive(Debug, Clone, Default)]
pub(crate) struct LogPosteriorCache(OnceLock<Vec<f64>>);

impl LogPosteriorCache {
    /// The cached `ln a_k`, or `compute()` stored for later calls.
    pub(crate) fn get(&self, compute: impl FnOnce() -> Vec<f64>) -> &[f64] {
        self.0.get_or_init(compute)
    }

    /// Forgets the cached value; called by every update.
    pub(crate) fn clear(&mut self) {
        self.0 = OnceLock::new();
    }
}

/// Checks that saved linear weights are finite, non-negative and total one within `1e-9`,
/// returning their total summed in index order.
pub(crate) fn check_saved_weights(
    fields: &[(&'static str, &[f64])],
) -> Result<f64, AveragingError> {
    let invalid = |field, reason: String| AveragingError::InvalidState { field, reason };
    for (field, weights) in fields {
        if weights.is_empty() {
            return Err(invalid(field, "no models".into()));
        }
        if let Some(bad) = weights.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
            return Err(invalid(field, format!("contains {bad}")));
        }
    }
    let n_models = fields[0].1.len();
    let mut mass = 0.0;
    for k in 0..n_models {
        mass += fields.iter().map(|(_, w)| w[k]).sum::<f64>();
    }
    if (mass - 1.0).abs() > 1e-9 {
        return Err(invalid(fields[0].0, format!("weights total {mass}, not 1")));
    }
    Ok(mass)
}
