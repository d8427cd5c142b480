//! Sequential model averaging over the output copies: the averaging layer of alrao, without
//! candle.
//!
//! - [`ModelAverage`]: what every average offers (update with one observation or a
//!   minibatch, posterior, log-loss, saved state), and [`Method`], the choice of average
//!   as a user or the command line states it.
//! - [`Switch`]: the switch distribution (van Erven, Grünwald, de Rooij, NIPS 2007,
//!   Algorithm 1; Alrao paper, Appendix A), any prior over models, with its saved state
//!   [`SwitchState`]. `theta = 0` is Bayesian model averaging.
//! - [`Bma`]: Bayesian model averaging, any prior, its closed form computed step by step in
//!   log space.
//! - [`FixedShare`]: fixed share (Herbster and Warmuth 1998), constant switching rate.
//! - [`ObservationMode`]: what one observation is when the models score a minibatch,
//!   [`ObservationMode::MinibatchMean`] (one tempered observation) or
//!   [`ObservationMode::PerSample`].
//! - References for tests: [`ExactSwitch`] and [`brute_force()`], exact rationals (the
//!   forward recursion and the explicit sum over truncated switch sequences), and
//!   [`HighPrecisionSwitch`], the recursion in 200-bit-or-more floating point for long runs.
//!
//! Each method's formula is in the documentation of its module ([`switch`], [`bma`],
//! [`fixed_share`], [`exact`], [`brute_force`](mod@brute_force), [`high_precision`]); the types are also
//! re-exported here. The mathematics and the tests that check each statement are in
//! `theory/switch.md`.

pub mod bma;
pub mod brute_force;
mod error;
pub mod exact;
pub mod fixed_share;
mod hazard;
pub mod high_precision;
mod input;
mod log_space;
mod model_average;
mod observation;
mod prior;
mod shifted_exp;
mod state;
pub mod switch;

pub use bma::Bma;
pub use brute_force::{
    brute_force, brute_force_with_prior, switch_time_prior, truncated_sequences, BruteForceSums,
    TruncatedPrior, TruncatedSequence,
};
pub use error::AveragingError;
pub use exact::ExactSwitch;
pub use fixed_share::FixedShare;
pub use hazard::{switch_hazard, ExactHazard};
pub use high_precision::{HighPrecisionSwitch, MIN_PRECISION_BITS};
pub use model_average::{Method, ModelAverage};
pub use observation::ObservationMode;
pub use prior::{check_prior, uniform_prior, PRIOR_SUM_TOLERANCE};
pub use state::{AveragingState, BmaState, FixedShareState, SwitchState};
pub use switch::Switch;
