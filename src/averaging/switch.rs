//! The switch distribution over `K` models, in f64.
//!
//! The switch (van Erven, Grünwald, de Rooij, NIPS 2007, Algorithm 1; Alrao paper,
//! Appendix A) mixes models that may each be best over a different stretch of the data: a
//! switch sequence says which model predicts which observations, and the mixture is the sum
//! over all switch sequences weighted by their prior. The forward recursion below computes
//! that sum in `O(K)` per observation. `theta = 0` is Bayesian model averaging. The prior
//! over models `pi_K` is any probability vector (uniform by default).
//!
//! # Formula
//!
//! State: `w_a[k]` ("another switch will come") and `w_b[k]` ("no more switches"),
//! starting at `theta pi_K(k)` and `(1 - theta) pi_K(k)`. For observation `i = 1, 2, ...` with
//! predictive likelihoods `p_k(x_i)` and hazard `h(i) = 1/(i+1)`:
//!
//! ```text
//! 1. w_a[k] *= p_k(x_i),  w_b[k] *= p_k(x_i)
//! 2. pool    = h(i) sum_k w_a[k]
//! 3. w_a[k]  = (1 - h(i)) w_a[k] + theta pool pi_K(k)
//! 4. w_b[k]  = w_b[k] + (1 - theta) pool pi_K(k)
//! ```
//!
//! The posterior that predicts `x_(i+1)` is `a_k = (w_a[k] + w_b[k]) / sum_j (w_a[j] +
//! w_b[j])`. Steps 2 to 4 preserve the total mass, so the total after step 1 is the
//! mixture's likelihood of `x_1..x_i`.
//!
//! # Representation
//!
//! The weights are held in linear space and normalised to total one after every
//! observation, so one observation costs one `exp` per model and one `ln`:
//!
//! ```text
//! s      = max { ln p_k(x_i) : w_a[k] + w_b[k] > 0 }       (the shift)
//! e_k    = exp(ln p_k(x_i) - s)                             (in [0, 1])
//! S      = sum_k (w_a[k] + w_b[k]) e_k
//! ln sum_k a_k p_k(x_i) = s + ln S                          (this observation's log evidence)
//! ```
//!
//! and steps 2 to 4 run on `w e / S`. The factors `e_k` are computed in one vectorised pass
//! by an `exp` written for arguments in `[-inf, 0]` (within 4 ulps of the system one); the
//! totals of step 1 and the weights' own total are summed in that same pass. The shift makes
//! the weighted model with the largest likelihood contribute `e = 1` times its weight, so
//! `S > 0` whenever the mixture's likelihood is positive, however small or large the
//! log-likelihoods are, and `-inf` log-likelihoods give `e = 0` exactly, never NaN. What
//! linear space gives up is the range of one model's weight relative to the total: below
//! about `1e-308` (`2^-1074` with subnormals) it becomes zero. With `theta > 0` the pool keeps every model of positive
//! prior above `theta h(i) pi_K(k)` times the mass in `w_a`, so this never happens in
//! practice; with `theta = 0` a model that falls that far behind is dropped for good, which
//! changes no posterior by more than `1e-308`. [`Bma`](super::Bma) keeps log weights and
//! has no such floor. `ln a_k` is computed from the weights when first asked for after an
//! observation.

use super::error::AveragingError;
use super::hazard::switch_hazard_f64;
use super::input::{check_log_likelihoods, check_saved_weights, weighted_max, LogPosteriorCache};
use super::observation::ObservationMode;
use super::prior::{check_prior, uniform_prior};
use super::shifted_exp::shifted_likelihoods;
use super::state::SwitchState;

/// The switch distribution over `n_models` models.
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
#[derive(Debug, Clone)]
pub struct Switch {
    theta: f64,
    prior: Vec<f64>,
    w_a: Vec<f64>,
    w_b: Vec<f64>,
    steps: u64,
    cumulative_log_loss: f64,
    log_posterior: LogPosteriorCache,
    /// Room for the `K` factors `exp(ln p_k - shift)` of one update; not part of the state.
    scratch: Vec<f64>,
}

impl PartialEq for Switch {
    /// Equal parameters and bit-equal state (the cached `ln a_k` is derived from it).
    fn eq(&self, other: &Self) -> bool {
        self.theta == other.theta
            && self.prior == other.prior
            && self.w_a == other.w_a
            && self.w_b == other.w_b
            && self.steps == other.steps
            && self.cumulative_log_loss == other.cumulative_log_loss
    }
}

impl Switch {
    /// A switch over `n_models` models with switching parameter `theta` and a uniform prior
    /// `pi_K(k) = 1/K`.
    ///
    /// `theta` is the prior probability that another segment follows (the number of segments
    /// `m` has prior `theta^(m-1) (1 - theta)`); `theta = 0` is Bayesian model averaging.
    ///
    /// # Errors
    ///
    /// [`AveragingError::NoModels`] when `n_models == 0`, and
    /// [`AveragingError::ThetaOutOfRange`] when `theta` is not in `[0, 1)` (NaN included).
    pub fn new(n_models: usize, theta: f64) -> Result<Self, AveragingError> {
        Self::with_prior(&uniform_prior(n_models)?, theta)
    }

    /// A switch with the prior `prior[k] = pi_K(k)` over models, used both for the first
    /// segment and for the model switched to.
    ///
    /// # Errors
    ///
    /// Those of [`check_prior`], and
    /// [`AveragingError::ThetaOutOfRange`] when `theta` is not in `[0, 1)`.
    ///
    /// # Example
    ///
    /// ```
    /// use alrao::averaging::Switch;
    ///
    /// let switch = Switch::with_prior(&[0.7, 0.2, 0.1], 0.999)?;
    /// for (a, p) in switch.posterior().iter().zip([0.7, 0.2, 0.1]) {
    ///     assert!((a - p).abs() < 1e-15);
    /// }
    /// # Ok::<(), alrao::averaging::AveragingError>(())
    /// ```
    pub fn with_prior(prior: &[f64], theta: f64) -> Result<Self, AveragingError> {
        check_prior(prior)?;
        check_theta(theta)?;
        let w_a: Vec<f64> = prior.iter().map(|p| theta * p).collect();
        let w_b: Vec<f64> = prior.iter().map(|p| (1.0 - theta) * p).collect();
        Ok(Self::with_weights(theta, prior.to_vec(), w_a, w_b, 0, 0.0))
    }

    fn with_weights(
        theta: f64,
        prior: Vec<f64>,
        w_a: Vec<f64>,
        w_b: Vec<f64>,
        steps: u64,
        cumulative_log_loss: f64,
    ) -> Self {
        Self {
            theta,
            prior,
            w_a,
            w_b,
            steps,
            cumulative_log_loss,
            log_posterior: LogPosteriorCache::default(),
            scratch: Vec::new(),
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
        check_log_likelihoods(self.n_models(), log_likelihoods, step)?;
        let shift = weighted_max(log_likelihoods, |k| self.w_a[k] + self.w_b[k]);
        if shift == f64::NEG_INFINITY {
            return Err(AveragingError::ZeroMixtureLikelihood { step });
        }

        // 1. loss update, relative to the shift: one exp per model, in one vectorised pass
        shifted_likelihoods(&mut self.scratch, log_likelihoods, shift);
        let mut mass = 0.0;
        let mut total = 0.0;
        let mut total_a = 0.0;
        for ((a, b), &e) in self.w_a.iter_mut().zip(&mut self.w_b).zip(&self.scratch) {
            mass += *a + *b;
            *a *= e;
            *b *= e;
            total_a += *a;
            total += *a + *b;
        }
        // the weights totalled `mass` (one up to rounding), so `total / mass` is the mixture's
        // predictive likelihood of this observation, relative to exp(shift)
        let log_evidence = shift + (total / mass).ln();

        // 2. pool the mass that leaves the "another switch will come" state, after
        //    conditioning on the observation (dividing by `total`)
        let (hazard, stay) = switch_hazard_f64(step);
        let scale = 1.0 / total;
        let pool = hazard * total_a * scale;
        let share_a = self.theta * pool;
        let share_b = (1.0 - self.theta) * pool;

        // 3. and 4. hand the pool out by the prior: to w_a with probability theta, else w_b
        //    (no sum in this loop, so that it vectorises; the next update totals the weights)
        let scale_a = scale * stay;
        for ((a, b), &p) in self.w_a.iter_mut().zip(&mut self.w_b).zip(&self.prior) {
            *a = *a * scale_a + share_a * p;
            *b = *b * scale + share_b * p;
        }

        self.log_posterior.clear();
        self.cumulative_log_loss -= log_evidence;
        self.steps = step;
        tracing::trace!(step, log_evidence, "switch update");
        Ok(())
    }

    /// Processes the minibatch `per_model[k][b] = ln p_k(y_b | x_b)` as one or several
    /// observations, as `mode` says: [`ObservationMode::MinibatchMean`] (one tempered
    /// observation, the mean log-likelihood) or [`ObservationMode::PerSample`] (one
    /// observation per sample).
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

    /// `ln a_k`: the log posterior that predicts the next observation (`-inf` for a model
    /// without weight).
    pub fn log_posterior(&self) -> &[f64] {
        self.log_posterior.get(|| {
            let log_mass = self.mass().ln();
            self.w_a
                .iter()
                .zip(&self.w_b)
                .map(|(a, b)| (a + b).ln() - log_mass)
                .collect()
        })
    }

    /// `a_k`: the posterior that predicts the next observation; it sums to one.
    pub fn posterior(&self) -> Vec<f64> {
        let mass = self.mass();
        self.w_a
            .iter()
            .zip(&self.w_b)
            .map(|(a, b)| (a + b) / mass)
            .collect()
    }

    /// `sum_k (w_a[k] + w_b[k])`, summed in index order as the update sums it: one up to
    /// rounding.
    fn mass(&self) -> f64 {
        self.w_a
            .iter()
            .zip(&self.w_b)
            .fold(0.0, |m, (a, b)| m + (a + b))
    }

    /// The number of observations processed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The switching parameter.
    pub fn theta(&self) -> f64 {
        self.theta
    }

    /// The prior over models, `pi_K`.
    pub fn prior(&self) -> &[f64] {
        &self.prior
    }

    /// The number of models.
    pub fn n_models(&self) -> usize {
        self.prior.len()
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
        mixture_log_likelihood(self.log_posterior(), log_likelihoods)
    }

    /// The state to save, step counter and prior included.
    pub fn state(&self) -> SwitchState {
        SwitchState {
            theta: self.theta,
            steps: self.steps,
            prior: self.prior.clone(),
            w_a: self.w_a.clone(),
            w_b: self.w_b.clone(),
            cumulative_log_loss: self.cumulative_log_loss,
        }
    }

    /// The switch a saved state describes; continuing it gives bit for bit what the saved
    /// switch would have given.
    ///
    /// # Errors
    ///
    /// [`AveragingError::ThetaOutOfRange`] for a bad `theta`, the errors of
    /// [`check_prior`] for a bad prior, and
    /// [`AveragingError::InvalidState`] when the weight vectors are empty or not one per
    /// model, contain a negative, infinite or NaN weight, or do not total one, or the
    /// log-loss is not finite.
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
        check_prior(&state.prior)?;
        let invalid = |field, reason: String| AveragingError::InvalidState { field, reason };
        for (field, weights) in [("w_a", &state.w_a), ("w_b", &state.w_b)] {
            if weights.len() != state.prior.len() {
                return Err(invalid(
                    field,
                    format!(
                        "{} weights, but the prior has {} models",
                        weights.len(),
                        state.prior.len()
                    ),
                ));
            }
        }
        check_saved_weights(&[("w_a", &state.w_a), ("w_b", &state.w_b)])?;
        if !state.cumulative_log_loss.is_finite() {
            return Err(invalid(
                "cumulative_log_loss",
                format!("{} is not finite", state.cumulative_log_loss),
            ));
        }
        Ok(Self::with_weights(
            state.theta,
            state.prior,
            state.w_a,
            state.w_b,
            state.steps,
            state.cumulative_log_loss,
        ))
    }
}

/// Rejects `theta` outside `[0, 1)`, NaN included.
pub(crate) fn check_theta(theta: f64) -> Result<(), AveragingError> {
    if (0.0..1.0).contains(&theta) {
        Ok(())
    } else {
        Err(AveragingError::ThetaOutOfRange { theta })
    }
}

/// `ln sum_k a_k p_k` from `ln a_k` and `ln p_k`, shifted by the largest term.
///
/// # Panics
///
/// When the two slices differ in length.
pub(crate) fn mixture_log_likelihood(log_posterior: &[f64], log_likelihoods: &[f64]) -> f64 {
    assert_eq!(
        log_likelihoods.len(),
        log_posterior.len(),
        "one log-likelihood per model"
    );
    let terms: Vec<f64> = log_posterior
        .iter()
        .zip(log_likelihoods)
        .map(|(a, p)| a + p)
        .collect();
    super::log_space::log_sum_exp(&terms)
}
