//! Bayesian model averaging: the closed form, computed step by step in log space.
//!
//! # Formula
//!
//! With prior `pi_K(k)` and predictive likelihoods `p_k(x_t)`, the posterior that predicts
//! `x_(n+1)` and the mixture's likelihood are
//!
//! ```text
//! a_k = pi_K(k) prod_(t<=n) p_k(x_t) / sum_j pi_K(j) prod_(t<=n) p_j(x_t),
//! P_bma(x_1..x_n) = sum_j pi_K(j) prod_(t<=n) p_j(x_t).
//! ```
//!
//! [`Bma`] keeps the normalised log posterior `ln a_k` and the log-loss so far, and updates
//! them with the recursion `a_k <- a_k p_k / sum_j a_j p_j`, which is the closed form step
//! by step. In log space a model's weight never underflows, however far behind it falls.
//! Every update subtracts the largest log-likelihood before it adds, so the numbers it
//! rounds stay near the leading models' `ln a_k` (near zero) instead of growing with the
//! run: keeping `ln pi_K(k) + sum_t ln p_k(x_t)` itself, as an earlier version did, lost
//! 1e-8 of the posterior after 20,000 observations of -150 nats, once those sums reached
//! 1e6. It is the switch with `theta = 0` computed without the switch's recursion, and the
//! tests hold the two against each other and against the closed form in exact rationals.

use super::error::AveragingError;
use super::input::check_log_likelihoods;
use super::log_space::log_sum_exp;
use super::model_average::{update_batch_atomically, Method, ModelAverage};
use super::observation::ObservationMode;
use super::prior::{check_prior, uniform_prior};
use super::state::{AveragingState, BmaState};

/// Bayesian model averaging over `n_models` models.
///
/// # Example
///
/// ```
/// use alrao::averaging::{Bma, ModelAverage};
///
/// let mut bma = Bma::with_prior(&[0.25, 0.75])?;
/// bma.update(&[0.9f64.ln(), 0.1f64.ln()])?;
/// // posterior 0.25 * 0.9 / (0.25 * 0.9 + 0.75 * 0.1) = 0.75
/// assert!((bma.posterior()[0] - 0.75).abs() < 1e-15);
/// # Ok::<(), alrao::averaging::AveragingError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Bma {
    prior: Vec<f64>,
    /// `ln a_k`, normalised: `ln sum_k a_k = 0` up to rounding.
    log_posterior: Vec<f64>,
    /// `-ln P_bma(x_1..x_n)` in nats.
    cumulative_log_loss: f64,
    steps: u64,
}

impl Bma {
    /// Bayesian model averaging with the uniform prior `1/K`.
    ///
    /// # Errors
    ///
    /// [`AveragingError::NoModels`] when `n_models == 0`.
    pub fn new(n_models: usize) -> Result<Self, AveragingError> {
        Self::with_prior(&uniform_prior(n_models)?)
    }

    /// Bayesian model averaging with the prior `prior[k] = pi_K(k)`.
    ///
    /// # Errors
    ///
    /// Those of [`check_prior`].
    pub fn with_prior(prior: &[f64]) -> Result<Self, AveragingError> {
        check_prior(prior)?;
        let log_prior: Vec<f64> = prior.iter().map(|p| p.ln()).collect();
        // a prior is checked to sum to one within 1e-12, not exactly: normalise its logs
        let log_prior_mass = log_sum_exp(&log_prior);
        Ok(Self {
            prior: prior.to_vec(),
            log_posterior: log_prior.iter().map(|x| x - log_prior_mass).collect(),
            cumulative_log_loss: 0.0,
            steps: 0,
        })
    }

    /// The prior over models, `pi_K`.
    pub fn prior(&self) -> &[f64] {
        &self.prior
    }

    /// `ln pi_K(k) + sum_t ln p_k(x_t)`: the log of the joint probability of model `k` and
    /// the observations so far, computed as `ln a_k - cumulative_log_loss` (so rounded at
    /// the size of the log-loss, unlike the posterior).
    pub fn log_joint(&self) -> Vec<f64> {
        self.log_posterior
            .iter()
            .map(|a| a - self.cumulative_log_loss)
            .collect()
    }

    /// The state to save.
    pub fn state(&self) -> BmaState {
        BmaState {
            steps: self.steps,
            prior: self.prior.clone(),
            log_posterior: self.log_posterior.clone(),
            cumulative_log_loss: self.cumulative_log_loss,
        }
    }

    /// The model average a saved state describes; continuing it gives bit for bit what the
    /// saved one would have given.
    ///
    /// # Errors
    ///
    /// Those of [`check_prior`], and
    /// [`AveragingError::InvalidState`] when `log_posterior` is not one finite-or-`-inf`
    /// value per model, normalised to `ln sum_k a_k = 0` within `1e-9`, or when
    /// `cumulative_log_loss` is not finite.
    pub fn from_state(state: BmaState) -> Result<Self, AveragingError> {
        check_prior(&state.prior)?;
        let invalid = |field, reason: String| AveragingError::InvalidState { field, reason };
        if state.log_posterior.len() != state.prior.len() {
            return Err(invalid(
                "log_posterior",
                format!(
                    "{} values, but the prior has {} models",
                    state.log_posterior.len(),
                    state.prior.len()
                ),
            ));
        }
        if let Some(bad) = state
            .log_posterior
            .iter()
            .find(|x| x.is_nan() || **x == f64::INFINITY)
        {
            return Err(invalid("log_posterior", format!("contains {bad}")));
        }
        let log_total = log_sum_exp(&state.log_posterior);
        if log_total.is_nan() || log_total.abs() > 1e-9 {
            return Err(invalid(
                "log_posterior",
                format!("the weights total exp({log_total}), not one"),
            ));
        }
        if !state.cumulative_log_loss.is_finite() {
            return Err(invalid(
                "cumulative_log_loss",
                format!("{} is not finite", state.cumulative_log_loss),
            ));
        }
        Ok(Self {
            prior: state.prior,
            log_posterior: state.log_posterior,
            cumulative_log_loss: state.cumulative_log_loss,
            steps: state.steps,
        })
    }
}

impl ModelAverage for Bma {
    /// `ln a_k <- ln a_k + ln p_k(x_i) - ln sum_j a_j p_j(x_i)`, each `ln p_k` shifted by
    /// the largest one of a model with weight before it is added.
    ///
    /// # Errors
    ///
    /// As [`Switch::update`](super::Switch::update); on error nothing changes.
    fn update(&mut self, log_likelihoods: &[f64]) -> Result<(), AveragingError> {
        let step = self.steps + 1;
        check_log_likelihoods(self.n_models(), log_likelihoods, step)?;
        let shift = self
            .log_posterior
            .iter()
            .zip(log_likelihoods)
            .filter(|(a, _)| **a > f64::NEG_INFINITY)
            .fold(f64::NEG_INFINITY, |m, (_, x)| m.max(*x));
        if shift == f64::NEG_INFINITY {
            return Err(AveragingError::ZeroMixtureLikelihood { step });
        }
        // the model giving `shift` has weight and a finite log-likelihood, so from here on
        // the mixture's likelihood is positive and nothing can fail: update in place
        for (a, x) in self.log_posterior.iter_mut().zip(log_likelihoods) {
            *a += x - shift;
        }
        // ln sum_j a_j p_j - shift
        let log_mixture = log_sum_exp(&self.log_posterior);
        for a in &mut self.log_posterior {
            *a -= log_mixture;
        }
        self.cumulative_log_loss -= log_mixture + shift;
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
        &self.log_posterior
    }

    fn posterior(&self) -> Vec<f64> {
        self.log_posterior.iter().map(|x| x.exp()).collect()
    }

    /// `-ln P_bma(x_1..x_n) = -ln sum_k pi_K(k) prod_t p_k(x_t)` (the prior normalised),
    /// summed step by step as `-sum_t ln sum_k a_k p_k(x_t)`.
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

    fn method(&self) -> Method {
        Method::Bma
    }

    fn save(&self) -> AveragingState {
        AveragingState::Bma(self.state())
    }
}
