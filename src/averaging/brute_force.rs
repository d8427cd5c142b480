//! The switch mixture as an explicit sum over truncated switch sequences, exactly.
//!
//! The reference the forward recursion ([`ExactSwitch`](super::ExactSwitch)) is checked
//! against. Its cost is exponential, `sum_m C(n, m-1) K^m = K (K+1)^n` sequences: use it for
//! a few models and a few observations.
//!
//! # Formula
//!
//! A switch sequence `s = ((tau_1, j_1), ..., (tau_m, j_m))`, `0 = tau_1 < tau_2 < ... <
//! tau_m`, says that model `j_l` predicts observations `tau_l + 1 .. tau_(l+1)`. Its prior is
//!
//! ```text
//! pi(s) = pi_M(m) pi_K(j_1) prod_(l=2..m) pi_T(tau_l | tau_l > tau_(l-1)) pi_K(j_l)
//! ```
//!
//! with `pi_M(m) = theta^(m-1) (1 - theta)` (the Alrao paper prints `theta^L / (1 - theta)`,
//! which does not sum to one), `pi_K` any prior over models (`1/K` in [`brute_force`]),
//! `pi_T(t) = 1/(t(t+1))` and `pi_T(t | t > t') = pi_T(t) (t' + 1)`. After `n` observations
//! only the switch times in `1..=n` matter (a switch at `n` sets `K_(n+1)`). The prior mass
//! of all sequences that agree with a truncated one `s` up to `n` is
//!
//! ```text
//! pi~(s) = pi_K(j_1) prod_(l=2..m) [theta pi_T(tau_l) (tau_(l-1) + 1) pi_K(j_l)]
//!          x [ (1 - theta) + theta (tau_m + 1)/(n + 1) ],
//! ```
//!
//! the last bracket being "no more segments" plus "another segment, switching after `n`".
//! With `lik(s) = prod_(i=1..n) p_(K_i(s))(x_i)`, the forward weights are
//!
//! ```text
//! w_b[k] = sum_(s: j_m = k) pi~_b(s) lik(s),   pi~_b: the (1 - theta) term,
//! w_a[k] = sum_(s: j_m = k) pi~_a(s) lik(s),   pi~_a: the theta (tau_m + 1)/(n + 1) term.
//! ```

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};

use super::error::AveragingError;
use super::exact::{check_exact_prior, check_exact_theta, uniform_prior};

/// A switch sequence truncated after observation `n`: the switch times in `1..=n` and the
/// models of the segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruncatedSequence {
    /// `tau_2 < ... < tau_m`, all in `1..=n`; `tau_1 = 0` is implicit.
    pub switch_times: Vec<u64>,
    /// `j_1, ..., j_m`: one model more than switch times.
    pub models: Vec<usize>,
}

/// The prior mass `pi~(s)` of a truncated sequence, split by the state it ends in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruncatedPrior {
    /// `pi~_a(s)`: another switch will come, after observation `n`.
    pub another_switch: BigRational,
    /// `pi~_b(s)`: no more switches.
    pub no_more_switches: BigRational,
}

impl TruncatedSequence {
    /// `K_i(s)`: the model that predicts observation `i` (1-based).
    pub fn model_at(&self, i: u64) -> usize {
        let segment = self.switch_times.iter().filter(|&&tau| tau < i).count();
        self.models[segment]
    }

    /// `pi~(s)` after `n` observations, for `n_models` models under the uniform prior and
    /// switching parameter `theta` (see the [module's formula](self)).
    pub fn prior(&self, n_models: usize, theta: &BigRational, n: u64) -> TruncatedPrior {
        self.prior_with(&vec![uniform_prior(n_models); n_models], theta, n)
    }

    /// `pi~(s)` after `n` observations, with prior `pi_K(k) = model_prior[k]` and switching
    /// parameter `theta` (see the [module's formula](self)).
    ///
    /// # Panics
    ///
    /// When a model of the sequence has no entry in `model_prior`.
    pub fn prior_with(
        &self,
        model_prior: &[BigRational],
        theta: &BigRational,
        n: u64,
    ) -> TruncatedPrior {
        let one = BigRational::one();
        let mut base = model_prior[self.models[0]].clone();
        let mut previous_time = 0u64;
        for (&tau, &model) in self.switch_times.iter().zip(&self.models[1..]) {
            base *= theta
                * switch_time_prior(tau)
                * BigRational::from_integer(BigInt::from(previous_time) + 1)
                * &model_prior[model];
            previous_time = tau;
        }
        let later_switch = BigRational::new(BigInt::from(previous_time) + 1, BigInt::from(n) + 1);
        TruncatedPrior {
            another_switch: &base * theta * later_switch,
            no_more_switches: &base * (&one - theta),
        }
    }
}

/// `pi_T(t) = 1/(t(t+1))`, the prior of the switch time `t >= 1`.
pub fn switch_time_prior(t: u64) -> BigRational {
    let t = BigInt::from(t);
    BigRational::new(BigInt::from(1), &t * (&t + 1))
}

/// Every truncated switch sequence over `n_models` models and `n` observations: switch
/// times any subset of `1..=n`, one model per segment.
///
/// # Panics
///
/// When `n >= 64`; the enumeration is exponential and meant for a few observations.
pub fn truncated_sequences(n_models: usize, n: u64) -> Vec<TruncatedSequence> {
    assert!(n < 64, "brute force over {n} observations is out of reach");
    let mut sequences = Vec::new();
    for mask in 0u64..(1u64 << n) {
        let switch_times: Vec<u64> = (1..=n).filter(|t| mask & (1 << (t - 1)) != 0).collect();
        let segments = switch_times.len() + 1;
        let mut models = vec![0usize; segments];
        loop {
            sequences.push(TruncatedSequence {
                switch_times: switch_times.clone(),
                models: models.clone(),
            });
            // next model tuple, as a counter in base n_models
            let Some(position) = models.iter().rposition(|&j| j + 1 < n_models) else {
                break;
            };
            models[position] += 1;
            models[position + 1..].fill(0);
        }
    }
    sequences
}

/// The brute-force sums over truncated switch sequences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BruteForceSums {
    /// `sum_(s: j_m = k) pi~_a(s) lik(s)`, to compare with the forward `w_a[k]`.
    pub a: Vec<BigRational>,
    /// `sum_(s: j_m = k) pi~_b(s) lik(s)`, to compare with the forward `w_b[k]`.
    pub b: Vec<BigRational>,
    /// `sum_s pi~(s)`, the prior mass of all truncated sequences; one for a proper prior.
    pub prior_mass: BigRational,
}

/// Sums the switch mixture over all truncated switch sequences, under the uniform prior.
///
/// `likelihoods[i][k]` is `p_k(x_(i+1))`: one row per observation, in order, one entry per
/// model.
///
/// # Cost
///
/// There are `K (K+1)^n` truncated sequences for `K` models and `n` observations, each
/// costing `n` rational products: a reference for a few of each (two models and 10
/// observations are already 118,098 sequences, and each observation multiplies the count by
/// `K + 1`). The forward recursion [`ExactSwitch`](super::ExactSwitch) gives the same sums in `O(n K)`.
///
/// # Errors
///
/// [`AveragingError::NoModels`], [`AveragingError::ThetaOutOfRange`], and
/// [`AveragingError::WrongLength`] for a row without one likelihood per model.
///
/// # Panics
///
/// With 64 observations or more ([`truncated_sequences`]), far past what the enumeration
/// can finish.
///
/// # Example
///
/// ```
/// use alrao::averaging::{brute_force, ExactSwitch};
/// use num_rational::BigRational;
///
/// let r = |n: i64, d: i64| BigRational::new(n.into(), d.into());
/// let likelihoods = vec![vec![r(1, 2), r(1, 3)], vec![r(2, 3), r(1, 4)]];
/// let sums = brute_force(2, &r(1, 2), &likelihoods)?;
/// let mut switch = ExactSwitch::new(2, r(1, 2))?;
/// for row in &likelihoods {
///     switch.update(row)?;
/// }
/// // exact equality between exact computations
/// assert_eq!(switch.w_a(), &sums.a[..]);
/// assert_eq!(switch.w_b(), &sums.b[..]);
/// # Ok::<(), alrao::averaging::AveragingError>(())
/// ```
pub fn brute_force(
    n_models: usize,
    theta: &BigRational,
    likelihoods: &[Vec<BigRational>],
) -> Result<BruteForceSums, AveragingError> {
    if n_models == 0 {
        return Err(AveragingError::NoModels);
    }
    brute_force_with_prior(&vec![uniform_prior(n_models); n_models], theta, likelihoods)
}

/// Sums the switch mixture over all truncated switch sequences, with prior
/// `pi_K(k) = prior[k]` over `prior.len()` models.
///
/// # Errors
///
/// As [`brute_force`], and [`AveragingError::InvalidPrior`] or
/// [`AveragingError::ExactPriorSum`] unless `prior` is a probability vector (summing to
/// exactly one).
///
/// # Panics
///
/// As [`brute_force`], from 64 observations on.
pub fn brute_force_with_prior(
    prior: &[BigRational],
    theta: &BigRational,
    likelihoods: &[Vec<BigRational>],
) -> Result<BruteForceSums, AveragingError> {
    check_exact_prior(prior)?;
    check_exact_theta(theta)?;
    let n_models = prior.len();
    if let Some(row) = likelihoods.iter().find(|row| row.len() != n_models) {
        return Err(AveragingError::WrongLength {
            expected: n_models,
            got: row.len(),
        });
    }

    let n = likelihoods.len() as u64;
    let mut sums = BruteForceSums {
        a: vec![BigRational::zero(); n_models],
        b: vec![BigRational::zero(); n_models],
        prior_mass: BigRational::zero(),
    };
    for sequence in truncated_sequences(n_models, n) {
        let sequence_prior = sequence.prior_with(prior, theta, n);
        let likelihood: BigRational = (1..=n)
            .map(|i| &likelihoods[(i - 1) as usize][sequence.model_at(i)])
            .product();
        let last = *sequence
            .models
            .last()
            .expect("a sequence has a first segment");
        sums.a[last] += &sequence_prior.another_switch * &likelihood;
        sums.b[last] += &sequence_prior.no_more_switches * &likelihood;
        sums.prior_mass += sequence_prior.another_switch + sequence_prior.no_more_switches;
    }
    Ok(sums)
}
