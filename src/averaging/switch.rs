//! The switch distribution over `K` models, in f64 log space.
//!
//! The switch (van Erven, Grünwald, de Rooij, NIPS 2007, Algorithm 1; Alrao paper,
//! Appendix A) mixes models that may each be best over a different stretch of the data: a
//! switch sequence says which model predicts which observations, and the mixture is the sum
//! over all switch sequences weighted by their prior. The forward recursion below computes
//! that sum in `O(K)` per observation. `theta = 0` is Bayesian model averaging.
//!
//! # Formula
//!
//! State: `w_a[k]` ("another switch will come") and `w_b[k]` ("no more switches"),
//! starting at `theta/K` and `(1 - theta)/K`. For observation `i = 1, 2, ...` with
//! predictive likelihoods `p_k(x_i)` and hazard `h(i) = 1/(i+1)`:
//!
//! ```text
//! 1. w_a[k] *= p_k(x_i),  w_b[k] *= p_k(x_i)
//! 2. pool    = h(i) sum_k w_a[k]
//! 3. w_a[k]  = (1 - h(i)) w_a[k] + theta pool / K
//! 4. w_b[k]  = w_b[k] + (1 - theta) pool / K
//! ```
//!
//! The posterior that predicts `x_(i+1)` is `a_k = (w_a[k] + w_b[k]) / sum_j (w_a[j] +
//! w_b[j])`. Steps 2 to 4 preserve the total mass, so the total after step 1 is the
//! mixture's likelihood of `x_1..x_i`. Here the weights are held as logarithms and
//! normalised to total one after every step; the logarithm of the normaliser of step 1 is
//! `ln sum_k a_k p_k(x_i)`, and their running sum gives the mixture's log-loss exactly.

use super::error::AveragingError;
use super::hazard::log_switch_hazard;
use super::log_space::{log_add_exp, log_sum_exp};
use super::observation::ObservationMode;
use super::state::SwitchState;

/// How far from one the total weight of a restored state may be (in log space).
const RESTORED_MASS_TOLERANCE: f64 = 1e-9;

/// The switch distribution over `n_models` models with a uniform model prior.
///
/// # Example
///
/// ```
/// use alrao::averaging::Switch;
///
/// let mut switch = Switch::new(2, 0.999)?;
/// // model 0 gives the observation probability 0.9, model 1 gives 0.1
/// switch.update(&[0.9f64.ln(), 0.1f64.ln()])?;
/// let posterior = switch.posterior();
/// assert!(posterior[0] > posterior[1]);
/// assert_eq!(switch.steps(), 1);
/// # Ok::<(), alrao::averaging::AveragingError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Switch {
    theta: f64,
    log_theta: f64,
    log_one_minus_theta: f64,
    log_n_models: f64,
    log_w_a: Vec<f64>,
    log_w_b: Vec<f64>,
    log_posterior: Vec<f64>,
    steps: u64,
    cumulative_log_loss: f64,
}

impl Switch {
    /// A switch over `n_models` models with switching parameter `theta` and a uniform prior.
    ///
    /// `theta` is the prior probability that another segment follows (the number of segments
    /// `m` has prior `theta^(m-1) (1 - theta)`); `theta = 0` is Bayesian model averaging.
    ///
    /// # Errors
    ///
    /// [`AveragingError::NoModels`] when `n_models == 0`, and
    /// [`AveragingError::ThetaOutOfRange`] when `theta` is not in `[0, 1)` (NaN included).
    pub fn new(n_models: usize, theta: f64) -> Result<Self, AveragingError> {
        if n_models == 0 {
            return Err(AveragingError::NoModels);
        }
        check_theta(theta)?;
        let log_n_models = (n_models as f64).ln();
        let log_theta = theta.ln();
        let log_one_minus_theta = (-theta).ln_1p();
        Ok(Self::with_weights(
            theta,
            0,
            vec![log_theta - log_n_models; n_models],
            vec![log_one_minus_theta - log_n_models; n_models],
            0.0,
        ))
    }

    /// The switch with the given normalised log weights; the posterior is computed from them.
    fn with_weights(
        theta: f64,
        steps: u64,
        log_w_a: Vec<f64>,
        log_w_b: Vec<f64>,
        cumulative_log_loss: f64,
    ) -> Self {
        let log_posterior = posterior_of(&log_w_a, &log_w_b);
        Self {
            theta,
            log_theta: theta.ln(),
            log_one_minus_theta: (-theta).ln_1p(),
            log_n_models: (log_w_a.len() as f64).ln(),
            log_w_a,
            log_w_b,
            log_posterior,
            steps,
            cumulative_log_loss,
        }
    }

    /// Processes one observation, given each model's natural-log predictive likelihood
    /// `ln p_k(x_i)` of it (`-inf` for a likelihood of zero).
    ///
    /// A model whose likelihood is zero loses its weight; with `theta > 0` the pool gives it
    /// mass back at once. The posterior stays finite and sums to one.
    ///
    /// # Errors
    ///
    /// On error the switch is left as it was.
    /// - [`AveragingError::WrongLength`] unless there is one value per model;
    /// - [`AveragingError::NanLikelihood`] for a NaN, naming the model and the step;
    /// - [`AveragingError::InfiniteLikelihood`] for `+inf`;
    /// - [`AveragingError::ZeroMixtureLikelihood`] when every model that has weight gives
    ///   the observation likelihood zero.
    pub fn update(&mut self, log_likelihoods: &[f64]) -> Result<(), AveragingError> {
        let step = self.steps + 1;
        self.check_log_likelihoods(log_likelihoods, step)?;

        // 1. loss update
        let mut log_w_a: Vec<f64> = add(&self.log_w_a, log_likelihoods);
        let mut log_w_b: Vec<f64> = add(&self.log_w_b, log_likelihoods);

        // the weights summed to one, so their new total is the mixture's predictive
        // likelihood of this observation; dividing by it conditions on the observation
        let log_evidence = log_sum_exp(log_w_a.iter().chain(&log_w_b));
        if log_evidence == f64::NEG_INFINITY {
            return Err(AveragingError::ZeroMixtureLikelihood { step });
        }
        shift(&mut log_w_a, -log_evidence);
        shift(&mut log_w_b, -log_evidence);

        // 2. pool the mass that leaves the "another switch will come" state
        let (log_hazard, log_no_switch) = log_switch_hazard(step);
        let log_pool = log_hazard + log_sum_exp(&log_w_a);
        let log_share_a = self.log_theta + log_pool - self.log_n_models;
        let log_share_b = self.log_one_minus_theta + log_pool - self.log_n_models;

        // 3. and 4. hand the pool out uniformly: to w_a with probability theta, else to w_b
        for (log_a, log_b) in log_w_a.iter_mut().zip(&mut log_w_b) {
            *log_a = log_add_exp(*log_a + log_no_switch, log_share_a);
            *log_b = log_add_exp(*log_b, log_share_b);
        }

        // the switch steps keep the total at one; remove the rounding
        let log_total = log_sum_exp(log_w_a.iter().chain(&log_w_b));
        shift(&mut log_w_a, -log_total);
        shift(&mut log_w_b, -log_total);

        self.log_posterior = posterior_of(&log_w_a, &log_w_b);
        self.log_w_a = log_w_a;
        self.log_w_b = log_w_b;
        self.cumulative_log_loss -= log_evidence;
        self.steps = step;
        tracing::trace!(step, log_evidence, "switch update");
        Ok(())
    }

    /// Processes the minibatch `per_model[k][b] = ln p_k(y_b | x_b)` as one or several
    /// observations, as `mode` says (see [`ObservationMode`]).
    ///
    /// # Errors
    ///
    /// Those of [`ObservationMode::observations`] and [`Switch::update`]. On error the
    /// switch is left as it was before the minibatch.
    pub fn update_batch<S: AsRef<[f64]>>(
        &mut self,
        mode: ObservationMode,
        per_model: &[S],
    ) -> Result<(), AveragingError> {
        let observations = mode.observations(per_model)?;
        let mut next = self.clone();
        for observation in &observations {
            next.update(observation)?;
        }
        *self = next;
        Ok(())
    }

    /// `ln a_k`: the log posterior that predicts the next observation.
    pub fn log_posterior(&self) -> &[f64] {
        &self.log_posterior
    }

    /// `a_k`: the posterior that predicts the next observation; it sums to one.
    pub fn posterior(&self) -> Vec<f64> {
        self.log_posterior.iter().map(|x| x.exp()).collect()
    }

    /// The number of observations processed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The switching parameter.
    pub fn theta(&self) -> f64 {
        self.theta
    }

    /// The number of models.
    pub fn n_models(&self) -> usize {
        self.log_w_a.len()
    }

    /// `-ln P_sw(x_1..x_n)`: the mixture's log-loss so far, in nats. It is the sum over the
    /// observations of `-ln sum_k a_k p_k(x_i)`, each predicted with the posterior of the
    /// observations before it.
    pub fn cumulative_log_loss(&self) -> f64 {
        self.cumulative_log_loss
    }

    /// `ln sum_k a_k p_k`: the mixture's log-likelihood of a prediction whose per-model
    /// log-likelihoods are given, without updating the switch.
    ///
    /// # Panics
    ///
    /// When `log_likelihoods` does not have one value per model.
    pub fn mixture_log_likelihood(&self, log_likelihoods: &[f64]) -> f64 {
        assert_eq!(
            log_likelihoods.len(),
            self.n_models(),
            "one log-likelihood per model"
        );
        let terms = add(&self.log_posterior, log_likelihoods);
        log_sum_exp(&terms)
    }

    /// The state to save, step counter included.
    pub fn state(&self) -> SwitchState {
        SwitchState {
            theta: self.theta,
            steps: self.steps,
            log_w_a: self.log_w_a.clone(),
            log_w_b: self.log_w_b.clone(),
            cumulative_log_loss: self.cumulative_log_loss,
        }
    }

    /// The switch a saved state describes; continuing it gives bit for bit what the saved
    /// switch would have given.
    ///
    /// # Errors
    ///
    /// [`AveragingError::ThetaOutOfRange`] for a bad `theta`, and
    /// [`AveragingError::InvalidState`] when the weight vectors are empty or of different
    /// lengths, contain NaN or `+inf`, or do not total one, or the log-loss is not finite.
    ///
    /// # Example
    ///
    /// ```
    /// use alrao::averaging::Switch;
    ///
    /// let mut switch = Switch::new(3, 0.9)?;
    /// switch.update(&[-1.0, -2.0, -3.0])?;
    /// let resumed = Switch::from_state(switch.state())?;
    /// assert_eq!(resumed, switch);
    /// # Ok::<(), alrao::averaging::AveragingError>(())
    /// ```
    pub fn from_state(state: SwitchState) -> Result<Self, AveragingError> {
        check_theta(state.theta)?;
        let invalid = |field, reason: String| AveragingError::InvalidState { field, reason };
        if state.log_w_a.is_empty() {
            return Err(invalid("log_w_a", "no models".into()));
        }
        if state.log_w_a.len() != state.log_w_b.len() {
            return Err(invalid(
                "log_w_b",
                format!(
                    "{} weights, but log_w_a has {}",
                    state.log_w_b.len(),
                    state.log_w_a.len()
                ),
            ));
        }
        for (field, weights) in [("log_w_a", &state.log_w_a), ("log_w_b", &state.log_w_b)] {
            if let Some(bad) = weights.iter().find(|x| x.is_nan() || **x == f64::INFINITY) {
                return Err(invalid(field, format!("contains {bad}")));
            }
        }
        let log_total = log_sum_exp(state.log_w_a.iter().chain(&state.log_w_b));
        if log_total.is_nan() || log_total.abs() > RESTORED_MASS_TOLERANCE {
            return Err(invalid(
                "log_w_a",
                format!("weights of both states total exp({log_total}), not 1"),
            ));
        }
        if !state.cumulative_log_loss.is_finite() {
            return Err(invalid(
                "cumulative_log_loss",
                format!("{} is not finite", state.cumulative_log_loss),
            ));
        }
        Ok(Self::with_weights(
            state.theta,
            state.steps,
            state.log_w_a,
            state.log_w_b,
            state.cumulative_log_loss,
        ))
    }

    /// One value per model, none NaN or `+inf`.
    fn check_log_likelihoods(
        &self,
        log_likelihoods: &[f64],
        step: u64,
    ) -> Result<(), AveragingError> {
        if log_likelihoods.len() != self.n_models() {
            return Err(AveragingError::WrongLength {
                expected: self.n_models(),
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
}

/// Rejects `theta` outside `[0, 1)`, NaN included.
fn check_theta(theta: f64) -> Result<(), AveragingError> {
    if (0.0..1.0).contains(&theta) {
        Ok(())
    } else {
        Err(AveragingError::ThetaOutOfRange { theta })
    }
}

/// `ln a_k = ln(w_a[k] + w_b[k])` for normalised weights.
fn posterior_of(log_w_a: &[f64], log_w_b: &[f64]) -> Vec<f64> {
    log_w_a
        .iter()
        .zip(log_w_b)
        .map(|(&a, &b)| log_add_exp(a, b))
        .collect()
}

/// Elementwise sum of two log vectors (a product of probabilities).
fn add(x: &[f64], y: &[f64]) -> Vec<f64> {
    x.iter().zip(y).map(|(a, b)| a + b).collect()
}

/// Adds `by` to every entry.
fn shift(x: &mut [f64], by: f64) {
    x.iter_mut().for_each(|v| *v += by);
}
