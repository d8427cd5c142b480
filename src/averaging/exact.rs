//! The switch in exact rational arithmetic: the reference the f64 switch is checked against.
//!
//! The same recursion as [`Switch`](super::Switch) (see its module for the formula), on
//! [`BigRational`] likelihoods, with unnormalised weights, so that after `n` observations
//!
//! ```text
//! sum_k (w_a[k] + w_b[k]) = P_sw(x_1..x_n),   w_a[k] + w_b[k] = P_sw(x_1..x_n, K_(n+1) = k).
//! ```
//!
//! The prior over models `pi_K` is any exact probability vector (uniform by default), so
//! that the f64 switch with a non-uniform prior has an exact reference too. The hazard is
//! pluggable so that tests can show that a wrong one breaks the equality with the sum over
//! switch sequences ([`brute_force`](super::brute_force())).

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};

use super::error::AveragingError;
use super::hazard::{switch_hazard, ExactHazard};

/// The switch over `n_models` models, with any model prior (uniform by default), in exact
/// arithmetic.
///
/// # Example
///
/// ```
/// use alrao::averaging::ExactSwitch;
/// use num_rational::BigRational;
///
/// let half = BigRational::new(1.into(), 2.into());
/// let mut switch = ExactSwitch::new(2, half.clone())?;
/// switch.update(&[half.clone(), BigRational::from_integer(1.into())])?;
/// // the mixture's likelihood of the observation: (1/2)(1/2) + (1/2)(1)
/// assert_eq!(switch.total_likelihood(), BigRational::new(3.into(), 4.into()));
/// # Ok::<(), alrao::averaging::AveragingError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ExactSwitch {
    theta: BigRational,
    hazard: ExactHazard,
    prior: Vec<BigRational>,
    w_a: Vec<BigRational>,
    w_b: Vec<BigRational>,
    steps: u64,
}

impl ExactSwitch {
    /// The switch with hazard `h(t) = 1/(t+1)` ([`switch_hazard`]).
    ///
    /// # Errors
    ///
    /// As [`ExactSwitch::with_hazard`].
    pub fn new(n_models: usize, theta: BigRational) -> Result<Self, AveragingError> {
        Self::with_hazard(n_models, theta, switch_hazard)
    }

    /// The switch with the given hazard `h(t)`, `t` the 1-based index of the observation,
    /// and the uniform prior.
    ///
    /// # Errors
    ///
    /// [`AveragingError::NoModels`] when `n_models == 0`,
    /// [`AveragingError::ThetaOutOfRange`] when `theta` is not in `[0, 1)`.
    pub fn with_hazard(
        n_models: usize,
        theta: BigRational,
        hazard: ExactHazard,
    ) -> Result<Self, AveragingError> {
        if n_models == 0 {
            return Err(AveragingError::NoModels);
        }
        Self::with_prior_and_hazard(&vec![uniform_prior(n_models); n_models], theta, hazard)
    }

    /// The switch with prior `pi_K(k) = prior[k]` over `prior.len()` models and hazard
    /// `h(t) = 1/(t+1)`.
    ///
    /// # Errors
    ///
    /// As [`ExactSwitch::with_prior_and_hazard`].
    ///
    /// # Example
    ///
    /// ```
    /// use alrao::averaging::ExactSwitch;
    /// use num_rational::BigRational;
    ///
    /// let r = |n: i64, d: i64| BigRational::new(n.into(), d.into());
    /// let mut switch = ExactSwitch::with_prior(&[r(1, 4), r(3, 4)], r(0, 1))?;
    /// switch.update(&[r(1, 1), r(1, 3)])?;
    /// // theta = 0 is Bayes: posterior proportional to prior times likelihood
    /// assert_eq!(switch.posterior(), vec![r(1, 2), r(1, 2)]);
    /// # Ok::<(), alrao::averaging::AveragingError>(())
    /// ```
    pub fn with_prior(prior: &[BigRational], theta: BigRational) -> Result<Self, AveragingError> {
        Self::with_prior_and_hazard(prior, theta, switch_hazard)
    }

    /// The switch with prior `pi_K(k) = prior[k]` and the given hazard `h(t)`.
    ///
    /// # Errors
    ///
    /// [`AveragingError::NoModels`] for an empty prior, [`AveragingError::InvalidPrior`] for
    /// a negative entry, [`AveragingError::ExactPriorSum`] unless the entries sum to exactly
    /// one,
    /// [`AveragingError::ThetaOutOfRange`] when `theta` is not in `[0, 1)`.
    pub fn with_prior_and_hazard(
        prior: &[BigRational],
        theta: BigRational,
        hazard: ExactHazard,
    ) -> Result<Self, AveragingError> {
        check_exact_prior(prior)?;
        check_exact_theta(&theta)?;
        let one = BigRational::one();
        Ok(Self {
            w_a: prior.iter().map(|p| &theta * p).collect(),
            w_b: prior.iter().map(|p| (&one - &theta) * p).collect(),
            theta,
            hazard,
            prior: prior.to_vec(),
            steps: 0,
        })
    }

    /// Processes one observation with the models' likelihoods `p_k(x_i) >= 0`.
    ///
    /// # Errors
    ///
    /// On error the switch is left as it was.
    /// - [`AveragingError::WrongLength`] unless there is one likelihood per model;
    /// - [`AveragingError::NegativeLikelihood`] for a negative likelihood;
    /// - [`AveragingError::ZeroMixtureLikelihood`] when the mixture's likelihood of the
    ///   observations so far becomes zero.
    pub fn update(&mut self, likelihoods: &[BigRational]) -> Result<(), AveragingError> {
        let step = self.steps + 1;
        if likelihoods.len() != self.n_models() {
            return Err(AveragingError::WrongLength {
                expected: self.n_models(),
                got: likelihoods.len(),
            });
        }
        if let Some((model, p)) = likelihoods
            .iter()
            .enumerate()
            .find(|(_, p)| *p < &BigRational::zero())
        {
            return Err(AveragingError::NegativeLikelihood {
                model,
                step,
                likelihood: p.to_string(),
            });
        }

        // 1. loss update
        let mut w_a: Vec<BigRational> = self
            .w_a
            .iter()
            .zip(likelihoods)
            .map(|(w, p)| w * p)
            .collect();
        let mut w_b: Vec<BigRational> = self
            .w_b
            .iter()
            .zip(likelihoods)
            .map(|(w, p)| w * p)
            .collect();
        if w_a.iter().chain(&w_b).all(Zero::is_zero) {
            return Err(AveragingError::ZeroMixtureLikelihood { step });
        }

        // 2. pool the mass that leaves the "another switch will come" state
        let hazard = (self.hazard)(step);
        let one = BigRational::from_integer(BigInt::from(1));
        let pool = &hazard * w_a.iter().sum::<BigRational>();
        let pool_a = &self.theta * &pool;
        let pool_b = (&one - &self.theta) * &pool;

        // 3. and 4. hand the pool out by the prior: to w_a with probability theta, else w_b
        let stay = &one - &hazard;
        for ((a, b), p) in w_a.iter_mut().zip(&mut w_b).zip(&self.prior) {
            *a = &*a * &stay + &pool_a * p;
            *b += &pool_b * p;
        }

        self.w_a = w_a;
        self.w_b = w_b;
        self.steps = step;
        Ok(())
    }

    /// `w_a[k]`, unnormalised: `P_sw(x_1..x_n, K_(n+1) = k, another switch will come)`.
    pub fn w_a(&self) -> &[BigRational] {
        &self.w_a
    }

    /// `w_b[k]`, unnormalised: `P_sw(x_1..x_n, K_(n+1) = k, no more switches)`.
    pub fn w_b(&self) -> &[BigRational] {
        &self.w_b
    }

    /// `P_sw(x_1..x_n) = sum_k (w_a[k] + w_b[k])`, the mixture's likelihood of the
    /// observations so far (one before any).
    pub fn total_likelihood(&self) -> BigRational {
        self.w_a.iter().chain(&self.w_b).sum()
    }

    /// `a_k = (w_a[k] + w_b[k]) / P_sw(x_1..x_n)`: the posterior that predicts the next
    /// observation.
    pub fn posterior(&self) -> Vec<BigRational> {
        let total = self.total_likelihood();
        self.w_a
            .iter()
            .zip(&self.w_b)
            .map(|(a, b)| (a + b) / &total)
            .collect()
    }

    /// The number of observations processed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The switching parameter.
    pub fn theta(&self) -> &BigRational {
        &self.theta
    }

    /// The number of models.
    pub fn n_models(&self) -> usize {
        self.w_a.len()
    }

    /// The prior over models, `pi_K`.
    pub fn prior(&self) -> &[BigRational] {
        &self.prior
    }
}

/// `pi_K(k) = 1/K`.
pub(crate) fn uniform_prior(n_models: usize) -> BigRational {
    BigRational::new(BigInt::from(1), BigInt::from(n_models))
}

/// Checks that an exact prior is a probability vector: not empty, no negative entry, sum
/// exactly one (no tolerance: the references are exact).
pub(crate) fn check_exact_prior(prior: &[BigRational]) -> Result<(), AveragingError> {
    if prior.is_empty() {
        return Err(AveragingError::NoModels);
    }
    if let Some((model, value)) = prior
        .iter()
        .enumerate()
        .find(|(_, p)| **p < BigRational::zero())
    {
        return Err(AveragingError::InvalidPrior {
            model,
            value: value.to_f64().unwrap_or(f64::NAN),
        });
    }
    let sum: BigRational = prior.iter().sum();
    if !sum.is_one() {
        return Err(AveragingError::ExactPriorSum {
            sum: sum.to_string(),
        });
    }
    Ok(())
}

/// Rejects an exact `theta` outside `[0, 1)`.
pub(crate) fn check_exact_theta(theta: &BigRational) -> Result<(), AveragingError> {
    let one = BigRational::from_integer(BigInt::from(1));
    if *theta < BigRational::zero() || *theta >= one {
        return Err(AveragingError::ThetaOutOfRange {
            theta: theta.to_f64().unwrap_or(f64::NAN),
        });
    }
    Ok(())
}
