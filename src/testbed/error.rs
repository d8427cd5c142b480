//! The errors of the testbed.

use thiserror::Error;

/// What can go wrong when building a logistic-regression problem, computing its optimum or
/// running full-batch Alrao on it.
#[derive(Debug, Error)]
pub enum TestbedError {
    /// The feature matrix and the labels disagree, or a label is not a class.
    #[error("invalid problem: {0}")]
    InvalidProblem(String),
    /// A ridge coefficient that is negative, infinite or NaN.
    #[error("the ridge coefficient must be finite and >= 0, got {0}")]
    InvalidRidge(f64),
    /// The optimum needs strong convexity, which only a positive ridge term guarantees.
    #[error(
        "the optimum L* is certified through strong convexity, which needs a ridge > 0 \
         (without it the minimum may not exist, for separable classes); got ridge {0}"
    )]
    RidgeRequired(f64),
    /// Newton's method did not reach the certificate asked for.
    #[error(
        "Newton's method stopped after {iterations} iterations with the certificate \
         |grad|^2 / (2 ridge) = {certificate:e}, above the {tolerance:e} asked for \
         (a very small ridge leaves the problem too ill-conditioned for f64: try a larger one)"
    )]
    NewtonStalled {
        /// Iterations done.
        iterations: usize,
        /// `|grad L|^2 / (2 mu)` at the last iterate.
        certificate: f64,
        /// The bound asked for.
        tolerance: f64,
    },
    /// A learning rate that is not positive and finite.
    #[error("learning rate {index} is {rate}; every rate must be positive and finite")]
    InvalidRate {
        /// Index of the copy.
        index: usize,
        /// The rate given.
        rate: f64,
    },
    /// No learning rates were given.
    #[error("at least one copy (one learning rate) is needed")]
    NoCopies,
    /// The model average rejected an update.
    #[error(transparent)]
    Averaging(#[from] crate::averaging::AveragingError),
}
