//! The prior over models, `pi_K(k)`, shared by every model average.
//!
//! A prior is a probability vector: each entry finite and non-negative, the sum one. It is
//! checked, not normalised: a prior that sums to `0.98` is more likely a typo than an
//! intention, and silently rescaling it would change every posterior. The tolerance on the
//! sum, [`PRIOR_SUM_TOLERANCE`], accepts decimal priors such as ten times `0.1`.

use super::error::AveragingError;

/// How far from one the sum of a prior may be.
pub const PRIOR_SUM_TOLERANCE: f64 = 1e-12;

/// The uniform prior `1/K` over `n_models` models.
///
/// # Errors
///
/// [`AveragingError::NoModels`] when `n_models == 0`.
pub fn uniform_prior(n_models: usize) -> Result<Vec<f64>, AveragingError> {
    if n_models == 0 {
        return Err(AveragingError::NoModels);
    }
    Ok(vec![1.0 / n_models as f64; n_models])
}

/// Checks that `prior` is a probability vector over at least one model.
///
/// # Errors
///
/// [`AveragingError::NoModels`] for an empty prior, [`AveragingError::InvalidPrior`] for a
/// negative, infinite or NaN entry (naming the model), and [`AveragingError::PriorSum`] when
/// the entries do not sum to one within [`PRIOR_SUM_TOLERANCE`].
///
/// # Example
///
/// ```
/// use alrao::averaging::{check_prior, AveragingError};
///
/// assert!(check_prior(&[0.1; 10]).is_ok());
/// assert_eq!(check_prior(&[0.5, 0.25]), Err(AveragingError::PriorSum { sum: 0.75 }));
/// ```
pub fn check_prior(prior: &[f64]) -> Result<(), AveragingError> {
    if prior.is_empty() {
        return Err(AveragingError::NoModels);
    }
    if let Some((model, &value)) = prior
        .iter()
        .enumerate()
        .find(|(_, x)| !(x.is_finite() && **x >= 0.0))
    {
        return Err(AveragingError::InvalidPrior { model, value });
    }
    let sum: f64 = prior.iter().sum();
    if (sum - 1.0).abs() > PRIOR_SUM_TOLERANCE {
        return Err(AveragingError::PriorSum { sum });
    }
    Ok(())
}
