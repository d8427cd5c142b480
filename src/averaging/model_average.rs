//! What every model average offers: [`ModelAverage`], an object-safe trait, and
//! [`Method`], the choice of average as a user or the command line states it.
//!
//! Each average turns the models' predictive log-likelihoods of one observation after
//! another into the posterior `a_k` that predicts the next observation and the mixture's
//! log-loss `-ln P(x_1..x_n) = -sum_i ln sum_k a_k^(i-1) p_k(x_i)` in nats. What one
//! observation is when the models score a minibatch is an [`ObservationMode`]:
//! [`ObservationMode::MinibatchMean`] (one tempered observation, the authors' choice) or
//! [`ObservationMode::PerSample`] (one observation per sample).

use serde::{Deserialize, Serialize};

use super::bma::Bma;
use super::error::AveragingError;
use super::fixed_share::FixedShare;
use super::observation::ObservationMode;
use super::state::AveragingState;
use super::switch::{mixture_log_likelihood, Switch};

/// A sequential mixture of `K` models: the switch, Bayesian model averaging, fixed share.
///
/// # Example
///
/// ```
/// use alrao::averaging::{Method, ModelAverage};
///
/// let prior = [0.5, 0.5];
/// let mut averages: Vec<Box<dyn ModelAverage>> = vec![
///     Method::Switch { theta: 0.999 }.build(&prior)?,
///     Method::Bma.build(&prior)?,
///     Method::FixedShare { alpha: 0.01 }.build(&prior)?,
/// ];
/// for average in &mut averages {
///     average.update(&[-0.1, -2.0])?;
///     assert!(average.posterior()[0] > 0.5);
///     assert!(average.cumulative_log_loss() > 0.0);
/// }
/// # Ok::<(), alrao::averaging::AveragingError>(())
/// ```
pub trait ModelAverage: std::fmt::Debug + Send + Sync {
    /// Processes one observation, given each model's natural-log predictive likelihood
    /// `ln p_k(x_i)` of it (`-inf` for a likelihood of zero).
    ///
    /// # Errors
    ///
    /// On error the average is left as it was.
    /// - [`AveragingError::WrongLength`] unless there is one value per model;
    /// - [`AveragingError::NanLikelihood`] for a NaN, naming the model and the step;
    /// - [`AveragingError::InfiniteLikelihood`] for `+inf`;
    /// - [`AveragingError::ZeroMixtureLikelihood`] when every model that has weight gives
    ///   the observation likelihood zero.
    fn update(&mut self, log_likelihoods: &[f64]) -> Result<(), AveragingError>;

    /// Processes the minibatch `per_model[k][b] = ln p_k(y_b | x_b)` as
    /// [`ObservationMode`] says: one observation with the mean log-likelihood
    /// ([`ObservationMode::MinibatchMean`], tempered) or one per sample
    /// ([`ObservationMode::PerSample`]).
    ///
    /// # Errors
    ///
    /// Those of [`ObservationMode::observations`] and [`ModelAverage::update`]. On error
    /// the average is left as it was before the minibatch.
    fn update_batch(
        &mut self,
        mode: ObservationMode,
        per_model: &[Vec<f64>],
    ) -> Result<(), AveragingError>;

    /// `ln a_k`: the log posterior that predicts the next observation.
    fn log_posterior(&self) -> &[f64];

    /// `a_k`: the posterior that predicts the next observation; it sums to one.
    fn posterior(&self) -> Vec<f64>;

    /// `-ln P(x_1..x_n)`: the mixture's log-loss so far, in nats.
    fn cumulative_log_loss(&self) -> f64;

    /// The number of observations processed so far.
    fn steps(&self) -> u64;

    /// The number of models.
    fn n_models(&self) -> usize;

    /// The prior over models, `pi_K`.
    fn prior(&self) -> &[f64];

    /// `ln sum_k a_k p_k`: the mixture's log-likelihood of a prediction whose per-model
    /// log-likelihoods are given, without updating.
    ///
    /// # Panics
    ///
    /// When `log_likelihoods` does not have one value per model.
    fn mixture_log_likelihood(&self, log_likelihoods: &[f64]) -> f64 {
        mixture_log_likelihood(self.log_posterior(), log_likelihoods)
    }

    /// The method and its parameter.
    fn method(&self) -> Method;

    /// The state to save; [`AveragingState::restore`] continues from it bit for bit.
    fn save(&self) -> AveragingState;
}

/// Which model average to run, with its parameter: for users and the command line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Method {
    /// The switch distribution with switching parameter `theta` in `[0, 1)`.
    Switch {
        /// The prior probability that another segment follows.
        theta: f64,
    },
    /// Bayesian model averaging.
    Bma,
    /// Fixed share with constant switching rate `alpha` in `[0, 1]`.
    FixedShare {
        /// The probability of a switch after each observation.
        alpha: f64,
    },
}

impl Method {
    /// The model average over `prior.len()` models with prior `prior`.
    ///
    /// # Errors
    ///
    /// Those of [`check_prior`](super::check_prior), and
    /// [`AveragingError::ThetaOutOfRange`] or [`AveragingError::AlphaOutOfRange`].
    ///
    /// # Example
    ///
    /// ```
    /// use alrao::averaging::{uniform_prior, Method};
    ///
    /// let switch = Method::Switch { theta: 0.999 }.build(&uniform_prior(10)?)?;
    /// assert_eq!(switch.n_models(), 10);
    /// assert!(Method::FixedShare { alpha: 1.5 }.build(&[1.0]).is_err());
    /// # Ok::<(), alrao::averaging::AveragingError>(())
    /// ```
    pub fn build(&self, prior: &[f64]) -> Result<Box<dyn ModelAverage>, AveragingError> {
        Ok(match *self {
            Method::Switch { theta } => Box::new(Switch::with_prior(prior, theta)?),
            Method::Bma => Box::new(Bma::with_prior(prior)?),
            Method::FixedShare { alpha } => Box::new(FixedShare::with_prior(prior, alpha)?),
        })
    }
}

/// Runs the observations of a minibatch on a copy and keeps it only if all succeed.
pub(crate) fn update_batch_atomically<T: ModelAverage + Clone>(
    average: &mut T,
    mode: ObservationMode,
    per_model: &[Vec<f64>],
) -> Result<(), AveragingError> {
    let observations = mode.observations(per_model)?;
    let mut next = average.clone();
    for observation in &observations {
        next.update(observation)?;
    }
    *average = next;
    Ok(())
}

impl ModelAverage for Switch {
    fn update(&mut self, log_likelihoods: &[f64]) -> Result<(), AveragingError> {
        Switch::update(self, log_likelihoods)
    }

    fn update_batch(
        &mut self,
        mode: ObservationMode,
        per_model: &[Vec<f64>],
    ) -> Result<(), AveragingError> {
        Switch::update_batch(self, mode, per_model)
    }

    fn log_posterior(&self) -> &[f64] {
        Switch::log_posterior(self)
    }

    fn posterior(&self) -> Vec<f64> {
        Switch::posterior(self)
    }

    fn cumulative_log_loss(&self) -> f64 {
        Switch::cumulative_log_loss(self)
    }

    fn steps(&self) -> u64 {
        Switch::steps(self)
    }

    fn n_models(&self) -> usize {
        Switch::n_models(self)
    }

    fn prior(&self) -> &[f64] {
        Switch::prior(self)
    }

    fn method(&self) -> Method {
        Method::Switch {
            theta: self.theta(),
        }
    }

    fn save(&self) -> AveragingState {
        AveragingState::Switch(self.state())
    }
}
