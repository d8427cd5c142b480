//! Errors of the averaging layer.
//!
//! Each variant is named after the parameter or input that was wrong and carries its value,
//! so that a message read in a log says what to fix without the code at hand.

use thiserror::Error;

/// What can go wrong when building or feeding a model average.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum AveragingError {
    /// The switching parameter must lie in `[0, 1)`; `theta = 1` would put all prior mass on
    /// infinitely many switches, and NaN is not a probability.
    #[error("theta must lie in [0, 1), got {theta}")]
    ThetaOutOfRange {
        /// The rejected value (for an exact rational theta, its nearest f64).
        theta: f64,
    },

    /// A switch over zero models has nothing to average.
    #[error("the switch needs at least one model, got 0")]
    NoModels,

    /// One likelihood per model was expected.
    #[error("expected {expected} likelihoods (one per model), got {got}")]
    WrongLength {
        /// The number of models of the switch.
        expected: usize,
        /// The number of likelihoods given.
        got: usize,
    },

    /// A model's log-likelihood was NaN. `step` is the 1-based index of the observation
    /// that was being processed.
    #[error("log-likelihood of model {model} is NaN at step {step}")]
    NanLikelihood {
        /// Index of the model, from 0.
        model: usize,
        /// 1-based index of the observation.
        step: u64,
    },

    /// A model's log-likelihood was `+inf`: no model can be infinitely sure of an
    /// observation, and the weights would become `inf - inf`.
    #[error("log-likelihood of model {model} is +inf at step {step}")]
    InfiniteLikelihood {
        /// Index of the model, from 0.
        model: usize,
        /// 1-based index of the observation.
        step: u64,
    },

    /// An exact likelihood was negative.
    #[error("likelihood of model {model} is negative ({likelihood}) at step {step}")]
    NegativeLikelihood {
        /// Index of the model, from 0.
        model: usize,
        /// 1-based index of the observation.
        step: u64,
        /// The rejected likelihood, as text.
        likelihood: String,
    },

    /// Every model with prior or posterior weight gave the observation likelihood zero, so
    /// the mixture's likelihood is zero and the posterior given it is undefined. The switch
    /// is left as it was before the observation.
    #[error(
        "the mixture gives observation {step} likelihood zero: every weighted model has \
             likelihood 0"
    )]
    ZeroMixtureLikelihood {
        /// 1-based index of the observation.
        step: u64,
    },

    /// A minibatch with no samples carries no observation.
    #[error("the minibatch of model {model} has no samples")]
    EmptyBatch {
        /// Index of the model, from 0.
        model: usize,
    },

    /// The models' minibatches must have the same number of samples.
    #[error("model {model} has {got} samples in the minibatch, model 0 has {expected}")]
    RaggedBatch {
        /// Index of the model, from 0.
        model: usize,
        /// The number of samples of model 0.
        expected: usize,
        /// The number of samples of this model.
        got: usize,
    },

    /// The switching rate of fixed share must lie in `[0, 1]`.
    #[error("alpha must lie in [0, 1], got {alpha}")]
    AlphaOutOfRange {
        /// The rejected value.
        alpha: f64,
    },

    /// A prior probability over models was negative, infinite or NaN.
    #[error("prior probability of model {model} must be finite and non-negative, got {value}")]
    InvalidPrior {
        /// Index of the model, from 0.
        model: usize,
        /// The rejected value.
        value: f64,
    },

    /// The prior over models must sum to one within `1e-12`.
    #[error("the prior over models must sum to 1 (within 1e-12), got {sum}")]
    PriorSum {
        /// The sum of the given prior.
        sum: f64,
    },

    /// An exact prior over models (for the exact references) must sum to exactly one.
    #[error("the exact prior over models must sum to exactly 1, got {sum}")]
    ExactPriorSum {
        /// The sum of the given prior, as a fraction.
        sum: String,
    },

    /// A saved state does not describe a model average.
    #[error("invalid saved state: {field}: {reason}")]
    InvalidState {
        /// The field of the state ([`SwitchState`](crate::averaging::SwitchState),
        /// [`BmaState`](crate::averaging::BmaState) or
        /// [`FixedShareState`](crate::averaging::FixedShareState)) that is wrong.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}
