//! Switch model averaging over the output copies: the averaging layer of alrao, without
//! candle.
//!
//! - [`Switch`]: the switch distribution (van Erven, Grünwald, de Rooij, NIPS 2007,
//!   Algorithm 1; Alrao paper, Appendix A) in f64 log space, with its saved state
//!   [`SwitchState`]. `theta = 0` is Bayesian model averaging.
//! - [`ObservationMode`]: whether a minibatch is one tempered observation or one per sample.
//! - [`ExactSwitch`] and [`brute_force()`]: exact rational references, the forward recursion
//!   and the explicit sum over truncated switch sequences, for tests.
//!
//! The mathematics and the tests that check each statement are in `theory/switch.md`.

mod brute_force;
mod error;
mod exact;
mod hazard;
mod log_space;
mod observation;
mod state;
mod switch;

pub use brute_force::{
    brute_force, switch_time_prior, truncated_sequences, BruteForceSums, TruncatedPrior,
    TruncatedSequence,
};
pub use error::AveragingError;
pub use exact::ExactSwitch;
pub use hazard::{switch_hazard, ExactHazard};
pub use observation::ObservationMode;
pub use state::SwitchState;
pub use switch::Switch;
