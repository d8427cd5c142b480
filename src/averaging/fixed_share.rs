//! Fixed share (Herbster and Warmuth, "Tracking the best expert", 1998): a constant
//! switching rate `alpha` instead of the switch's decreasing hazard.
//!
//! # Formula
//!
//! Weights `w[k]` start at the prior `pi_K(k)`. For observation `i = 1, 2, ...` with
//! predictive likelihoods `p_k(x_i)`:
//!
//! ```text
//! 1. w[k] <- w[k] p_k(x_i) / sum_j w[j] p_j(x_i)              (loss update)
//! 2. w[k] <- (1 - alpha) w[k] + alpha pi_K(k) sum_j w[j]      (share update)
//! ```
//!
//! and `w` after step 2 is the posterior that predicts `x_(i+1)`. This is the forward
//! algorithm of a hidden Markov model over models with initial law `pi_K` and transition
//! `T(j -> k) = (1 - alpha) [j = k] + alpha pi_K(k)`, applied between observations, so the
//! mixture's likelihood is
//!
//! ```text
//! P_fs(x_1..x_n) = sum_(k_1..k_n) pi_K(k_1) prod_(i<n) T(k_i -> k_(i+1)) prod_i p_(k_i)(x_i).
//! ```
//!
//! `alpha = 0` is Bayesian model averaging; `alpha = 1` forgets the past after every
//! observation. The weights are held in linear space, normalised after every observation,
//! as in [`Switch`](super::Switch) (one `exp` per model); the share step keeps every model
//! at `alpha pi_K(k)` or more.

use super::error::AveragingError;
use super::input::{check_log_likelihoods, check_saved_weights, weighted_max, LogPosteriorCache};
use super::model_average::{update_batch_atomically, Method, ModelAverage};
use super::observation::ObservationMode;
use super::prior::{check_prior, uniform_prior};
use super::shifted_exp::shifted_likelihoods;
use super::state::{AveragingState, FixedShareState};
use super::switch::mixture_log_likelihood;

/// Fixed share over `n_models` models with switching rate `alpha`.
///
/// # Example
///
/// ```
/// use alrao::averaging::{FixedShare, ModelAverage};
///
/// let mut fixed_share = FixedShare::new(2, 0.1)?;
/// fixed_share.update(&[0.9f64.ln(), 0.1f64.ln()])?;
/// // loss update: (0.9, 0.1); share: 0.9 * 0.9 + 0.1 * 0.5 = 0.86
/// assert!((fixed_share.posterior()[0] - 0.86).abs() < 1e-15);
/// # Ok::<(), alrao::averaging::AveragingError>(())
/// ```
#[derive(Debug, Clone)]
pub struct FixedShare {
    alpha: f64,
    prior: Vec<f64>,
    w: Vec<f64>,
    /// `sum_k w[k]`, summed in index order: one up to rounding.
    mass: f64,
    steps: u64,
    cumulative_log_loss: f64,
    log_posterior: LogPosteriorCache,
    /// Room for the `K` factors `exp(ln p_k - shift)` of one update; not part of the state.
    scratch: Vec<f64>,
}

impl PartialEq for FixedShare {
    /// Equal parameters and bit-equal state (the cached `ln a_k` is derived from it).
    fn eq(&self, other: &Self) -> bool {
        self.alpha == other.alpha
            && self.prior == other.prior
            && self.w == other.w
            && self.mass == other.mass
            && self.steps == other.steps
            && self.cumulative_log_loss == other.cumulative_log_loss
    }
}

impl FixedShare {
    /// Fixed share with the uniform prior `1/K`.
    ///
    /// # Errors
    ///
    /// [`AveragingError::NoModels`] when `n_models == 0`, and
    /// [`AveragingError::AlphaOutOfRange`] when `alpha` is not in `[0, 1]` (NaN included).
    pub fn new(n_models: usize, alpha: f64) -> Result<Self, AveragingError> {
        Self::with_prior(&uniform_prior(n_models)?, alpha)
    }

    /// Fixed share with the prior `prior[k] = pi_K(k)`, used for the first observation and
    /// for the share step.
    ///
    /// # Errors
    ///
    /// Those of [`check_prior`], and
    /// [`AveragingError::AlphaOutOfRange`].
    pub fn with_prior(prior: &[f64], alpha: f64) -> Result<Self, AveragingError> {
        check_prior(prior)?;
        check_alpha(alpha)?;
        Ok(Self::with_weights(
            alpha,
            prior.to_vec(),
            prior.to_vec(),
            0,
            0.0,
        ))
    }

    fn with_weights(
        alpha: f64,
        prior: Vec<f64>,
        w: Vec<f64>,
        steps: u64,
        cumulative_log_loss: f64,
    ) -> Self {
        let mass = w.iter().fold(0.0, |m, x| m + x);
        Self {
            alpha,
            prior,
            w,
            mass,
            steps,
            cumulative_log_loss,
            log_posterior: LogPosteriorCache::default(),
            scratch: Vec::new(),
        }
    }

    /// The switching rate.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The state to save.
    pub fn state(&self) -> FixedShareState {
        FixedShareState {
            alpha: self.alpha,
            steps: self.steps,
            prior: self.prior.clone(),
            w: self.w.clone(),
            cumulative_log_loss: self.cumulative_log_loss,
        }
    }

    /// The model average a saved state describes; continuing it gives bit for bit what the
    /// saved one would have given.
    ///
    /// # Errors
    ///
    /// [`AveragingError::AlphaOutOfRange`], those of [`check_prior`],
    /// and [`AveragingError::InvalidState`] when `w` is not one finite non-negative weight
    /// per model totalling one, or the log-loss is not finite.
    pub fn from_state(state: FixedShareState) -> Result<Self, AveragingError> {
        check_alpha(state.alpha)?;
        check_prior(&state.prior)?;
        if state.w.len() != state.prior.len() {
            return Err(AveragingError::InvalidState {
                field: "w",
                reason: format!(
                    "{} weights, but the prior has {} models",
                    state.w.len(),
                    state.prior.len()
                ),
            });
        }
        check_saved_weights(&[("w", &state.w)])?;
        if !state.cumulative_log_loss.is_finite() {
            return Err(AveragingError::InvalidState {
                field: "cumulative_log_loss",
                reason: format!("{} is not finite", state.cumulative_log_loss),
            });
        }
        Ok(Self::with_weights(
            state.alpha,
            state.prior,
            state.w,
            state.steps,
            state.cumulative_log_loss,
        ))
    }
}

impl ModelAverage for FixedShare {
    /// The loss update then the share update (see the [module's formula](self)).
    ///
    /// # Errors
    ///
    /// As [`Switch::update`](super::Switch::update); on error nothing changes.
    fn update(&mut self, log_likelihoods: &[f64]) -> Result<(), AveragingError> {
        let step = self.steps + 1;
        check_log_likelihoods(self.n_models(), log_likelihoods, step)?;
        let shift = weighted_max(log_likelihoods, |k| self.w[k]);
        if shift == f64::NEG_INFINITY {
            return Err(AveragingError::ZeroMixtureLikelihood { step });
        }

        // 1. loss update, relative to the shift: one exp per model, in one vectorised pass
        shifted_likelihoods(&mut self.scratch, log_likelihoods, shift);
        let mut total = 0.0;
        for (w, &e) in self.w.iter_mut().zip(&self.scratch) {
            *w *= e;
            total += *w;
        }
        let log_evidence = shift + (total / self.mass).ln();

        // 2. share: after normalising, sum_j w[j] = 1
        let keep = (1.0 - self.alpha) / total;
        let mut mass = 0.0;
        for (w, &p) in self.w.iter_mut().zip(&self.prior) {
            *w = *w * keep + self.alpha * p;
            mass += *w;
        }

        self.mass = mass;
        self.log_posterior.clear();
        self.cumulative_log_loss -= log_evidence;
        self.steps = step;
        Ok(())
    }

    fn update_batch(
        &mut self,
        mode: ObservationMode,
        per_model: &[Vec<f64>],
    ) -> Result<(), AveragingError> {
        update_batch_atomically(self, mode, per_model)
    }

    fn log_posterior(&self) -> &[f64] {
        self.log_posterior.get(|| {
            let log_mass = self.mass.ln();
            self.w.iter().map(|w| w.ln() - log_mass).collect()
        })
    }

    fn posterior(&self) -> Vec<f64> {
        self.w.iter().map(|w| w / self.mass).collect()
    }

    fn cumulative_log_loss(&self) -> f64 {
        self.cumulative_log_loss
    }

    fn steps(&self) -> u64 {
        self.steps
    }

    fn n_models(&self) -> usize {
        self.prior.len()
    }

    fn prior(&self) -> &[f64] {
        &self.prior
    }

    fn mixture_log_likelihood(&self, log_likelihoods: &[f64]) -> f64 {
        mixture_log_likelihood(self.log_posterior(), log_likelihoods)
    }

    fn method(&self) -> Method {
        Method::FixedShare { alpha: self.alpha }
    }

    fn save(&self) -> AveragingState {
        AveragingState::FixedShare(self.state())
    }
}

/// Rejects `alpha` outside `[0, 1]`, NaN included.
fn check_alpha(alpha: f64) -> Result<(), AveragingError> {
    if (0.0..=1.0).contains(&alpha) {
        Ok(())
    } else {
        Err(AveragingError::AlphaOutOfRange { alpha })
    }
}
