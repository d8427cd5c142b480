//! Bayesian model averaging, in closed form.
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
//! [`Bma`] keeps `ln pi_K(k) + sum_t ln p_k(x_t)` per model, exactly the closed form, so a
//! model's weight never underflows, however far behind it falls; the posterior and the
//! log-loss are one log-sum-exp away. It is the switch with `theta = 0` computed without
//! the recursion, and the tests hold the two against each other.

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
    /// `ln pi_K(k) + sum_t ln p_k(x_t)`.
    log_joint: Vec<f64>,
    /// `ln sum_k pi_K(k)`, computed as `log_mass` is: zero up to the rounding of the prior,
    /// and exactly `log_mass` before any observation.
    log_prior_mass: f64,
    /// `ln sum_k exp(log_joint[k])`.
    log_mass: f64,
    /// `log_joint[k] - log_mass`.
    log_posterior: Vec<f64>,
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
    /// Those of [`check_prior`](super::check_prior).
    pub fn with_prior(prior: &[f64]) -> Result<Self, AveragingError> {
        check_prior(prior)?;
        let log_joint = prior.iter().map(|p| p.ln()).collect();
        Ok(Self::with_log_joint(prior.to_vec(), log_joint, 0))
    }

    fn with_log_joint(prior: Vec<f64>, log_joint: Vec<f64>, steps: u64) -> Self {
        let log_prior: Vec<f64> = prior.iter().map(|p| p.ln()).collect();
        let log_prior_mass = log_sum_exp(&log_prior);
        let log_mass = log_sum_exp(&log_joint);
        let log_posterior = log_joint.iter().map(|x| x - log_mass).collect();
        Self {
            prior,
            log_joint,
            log_prior_mass,
            log_mass,
            log_posterior,
            steps,
        }
    }

    /// The prior over models, `pi_K`.
    pub fn prior(&self) -> &[f64] {
        &self.prior
    }

    /// `ln pi_K(k) + sum_t ln p_k(x_t)`: the log of the joint probability of model `k` and
    /// the observations so far.
    pub fn log_joint(&self) -> &[f64] {
        &self.log_joint
    }

    /// The state to save.
    pub fn state(&self) -> BmaState {
        BmaState {
            steps: self.steps,
            prior: self.prior.clone(),
            log_joint: self.log_joint.clone(),
        }
    }

    /// The model average a saved state describes; continuing it gives bit for bit what the
    /// saved one would have given.
    ///
    /// # Errors
    ///
    /// Those of [`check_prior`](super::check_prior), and
    /// [`AveragingError::InvalidState`] when `log_joint` is not one finite-or-`-inf` value
    /// per model with at least one finite.
    pub fn from_state(state: BmaState) -> Result<Self, AveragingError> {
        check_prior(&state.prior)?;
        let invalid = |reason: String| AveragingError::InvalidState {
            field: "log_joint",
            reason,
        };
        if state.log_joint.len() != state.prior.len() {
            return Err(invalid(format!(
                "{} values, but the prior has {} models",
                state.log_joint.len(),
                state.prior.len()
            )));
        }
        if let Some(bad) = state
            .log_joint
            .iter()
            .find(|x| x.is_nan() || **x == f64::INFINITY)
        {
            return Err(invalid(format!("contains {bad}")));
        }
        if state.log_joint.iter().all(|&x| x == f64::NEG_INFINITY) {
            return Err(invalid("every model has weight zero".into()));
        }
        Ok(Self::with_log_joint(
            state.prior,
            state.log_joint,
            state.steps,
        ))
    }
}

impl ModelAverage for Bma {
    /// Adds each `ln p_k(x_i)` to model `k`'s log joint probability.
    ///
    /// # Errors
    ///
    /// As [`Switch::update`](super::Switch::update); on error nothing changes.
    fn update(&mut self, log_likelihoods: &[f64]) -> Result<(), AveragingError> {
        let step = self.steps + 1;
        check_log_likelihoods(self.n_models(), log_likelihoods, step)?;
        let log_joint: Vec<f64> = self
            .log_joint
            .iter()
            .zip(log_likelihoods)
            .map(|(w, x)| w + x)
            .collect();
        let log_mass = log_sum_exp(&log_joint);
        if log_mass == f64::NEG_INFINITY {
            return Err(AveragingError::ZeroMixtureLikelihood { step });
        }
        for (a, w) in self.log_posterior.iter_mut().zip(&log_joint) {
            *a = w - log_mass;
        }
        self.log_joint = log_joint;
        self.log_mass = log_mass;
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

    /// `-ln P_bma(x_1..x_n) = ln sum_k pi_K(k) - ln sum_k pi_K(k) prod_t p_k(x_t)`.
    fn cumulative_log_loss(&self) -> f64 {
        self.log_prior_mass - self.log_mass
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
