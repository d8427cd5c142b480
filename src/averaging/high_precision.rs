//! The switch in high-precision binary floating point: the reference that bounds the f64
//! switch's rounding error over long runs, where the exact rational switch is out of reach
//! (its numerators and denominators grow with every observation).
//!
//! The recursion is that of [`Switch`](super::Switch) (see its module for the formula), on
//! [`dashu_float`] floats of `precision_bits` bits (at least [`MIN_PRECISION_BITS`]) with
//! correctly rounded `exp` and `ln`, the weights normalised to total one after every
//! observation. The exponent range of these floats is unbounded for practical purposes, so
//! no weight underflows. Inputs are the same f64 log-likelihoods the f64 switch takes,
//! converted exactly; the only difference from the f64 switch is the rounding.
//!
//! A correctly rounded `exp` at this precision costs tens of microseconds and `ln` over a
//! hundred, so the reference memoises `exp` by its f64 argument (long test sequences draw
//! from a limited set of values) and keeps the mixture's likelihood `P_sw(x_1..x_n)` as a
//! product, taking its logarithm only when [`HighPrecisionSwitch::cumulative_log_loss`] is
//! asked for.

use std::collections::HashMap;

use dashu_float::round::mode::HalfEven;
use dashu_float::FBig;

use super::error::AveragingError;
use super::input::check_log_likelihoods;
use super::prior::{check_prior, uniform_prior};
use super::switch::check_theta;

/// The least precision accepted, in bits.
pub const MIN_PRECISION_BITS: usize = 200;

/// How many distinct `exp` values the memo holds before it starts afresh.
const EXP_MEMO_CAPACITY: usize = 1 << 16;

/// A binary float rounding to nearest, ties to even.
type Float = FBig<HalfEven>;

/// The switch over `prior.len()` models, in `precision_bits`-bit floating point.
///
/// # Example
///
/// ```
/// use alrao::averaging::{HighPrecisionSwitch, Switch};
///
/// let mut reference = HighPrecisionSwitch::with_prior(&[0.5, 0.5], 0.9, 256)?;
/// let mut switch = Switch::new(2, 0.9)?;
/// for row in [[-0.1, -2.0], [-3.0, -0.2], [-1.0, -1.5]] {
///     reference.update(&row)?;
///     switch.update(&row)?;
/// }
/// let error = (reference.posterior()[0] - switch.posterior()[0]).abs();
/// assert!(error < 1e-15);
/// # Ok::<(), alrao::averaging::AveragingError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HighPrecisionSwitch {
    precision_bits: usize,
    theta: Float,
    one_minus_theta: Float,
    prior: Vec<Float>,
    w_a: Vec<Float>,
    w_b: Vec<Float>,
    steps: u64,
    /// `P_sw(x_1..x_n)`, the product of the observations' predictive likelihoods.
    likelihood: Float,
    /// `exp(x)` by the bits of `x`.
    exp_memo: HashMap<u64, Float>,
}

impl HighPrecisionSwitch {
    /// The switch with the uniform prior over `n_models` models and switching parameter
    /// `theta` (taken exactly from its f64 value), computing with `precision_bits` bits.
    ///
    /// # Errors
    ///
    /// [`AveragingError::NoModels`] when `n_models == 0`, and as
    /// [`HighPrecisionSwitch::with_prior`].
    pub fn new(n_models: usize, theta: f64, precision_bits: usize) -> Result<Self, AveragingError> {
        Self::with_prior(&uniform_prior(n_models)?, theta, precision_bits)
    }

    /// The switch with prior `prior` over models and switching parameter `theta`, both
    /// taken exactly from their f64 values, computing with `precision_bits` bits.
    ///
    /// # Errors
    ///
    /// Those of [`check_prior`], and
    /// [`AveragingError::ThetaOutOfRange`]. A precision below [`MIN_PRECISION_BITS`] is
    /// raised to it.
    pub fn with_prior(
        prior: &[f64],
        theta: f64,
        precision_bits: usize,
    ) -> Result<Self, AveragingError> {
        check_prior(prior)?;
        check_theta(theta)?;
        let precision_bits = precision_bits.max(MIN_PRECISION_BITS);
        let float = |x: f64| to_float(x, precision_bits);
        let theta_f = float(theta);
        let one_minus_theta = float(1.0) - &theta_f;
        let prior: Vec<Float> = prior.iter().map(|&p| float(p)).collect();
        let w_a = prior.iter().map(|p| p * &theta_f).collect();
        let w_b = prior.iter().map(|p| p * &one_minus_theta).collect();
        Ok(Self {
            precision_bits,
            theta: theta_f,
            one_minus_theta,
            prior,
            w_a,
            w_b,
            steps: 0,
            likelihood: float(1.0),
            exp_memo: HashMap::new(),
        })
    }

    /// Processes one observation, given each model's `ln p_k(x_i)` (`-inf` for zero).
    ///
    /// # Errors
    ///
    /// As [`Switch::update`](super::Switch::update); on error nothing changes.
    pub fn update(&mut self, log_likelihoods: &[f64]) -> Result<(), AveragingError> {
        let step = self.steps + 1;
        check_log_likelihoods(self.prior.len(), log_likelihoods, step)?;
        let zero = self.float(0.0);

        // 1. loss update, with correctly rounded exp
        if self.exp_memo.len() + log_likelihoods.len() > EXP_MEMO_CAPACITY {
            self.exp_memo.clear();
        }
        let likelihoods: Vec<Float> = log_likelihoods
            .iter()
            .map(|&x| {
                if x == f64::NEG_INFINITY {
                    return zero.clone();
                }
                let precision_bits = self.precision_bits;
                self.exp_memo
                    .entry(x.to_bits())
                    .or_insert_with(|| to_float(x, precision_bits).exp())
                    .clone()
            })
            .collect();
        let w_a: Vec<Float> = self
            .w_a
            .iter()
            .zip(&likelihoods)
            .map(|(w, p)| w * p)
            .collect();
        let w_b: Vec<Float> = self
            .w_b
            .iter()
            .zip(&likelihoods)
            .map(|(w, p)| w * p)
            .collect();
        let total_a: Float = w_a.iter().fold(zero.clone(), |s, w| s + w);
        let total = w_b.iter().fold(total_a.clone(), |s, w| s + w);
        if total == zero {
            return Err(AveragingError::ZeroMixtureLikelihood { step });
        }
        // the weights totalled one (up to rounding at this precision), so `total` is the
        // mixture's predictive likelihood of this observation
        self.likelihood *= &total;

        // 2. to 4. the pool, after conditioning on the observation
        let scale = self.float(1.0) / &total;
        let t = self.float(step as f64);
        let hazard = self.float(1.0) / (&t + self.float(1.0));
        let stay = self.float(1.0) - &hazard;
        let pool = &hazard * &total_a * &scale;
        let share_a = &self.theta * &pool;
        let share_b = &self.one_minus_theta * &pool;
        self.w_a = w_a
            .iter()
            .zip(&self.prior)
            .map(|(w, p)| w * &scale * &stay + &share_a * p)
            .collect();
        self.w_b = w_b
            .iter()
            .zip(&self.prior)
            .map(|(w, p)| w * &scale + &share_b * p)
            .collect();

        self.steps = step;
        Ok(())
    }

    /// `a_k`, each rounded to the nearest f64.
    pub fn posterior(&self) -> Vec<f64> {
        let total = self
            .w_a
            .iter()
            .chain(&self.w_b)
            .fold(self.float(0.0), |s, w| s + w);
        self.w_a
            .iter()
            .zip(&self.w_b)
            .map(|(a, b)| ((a + b) / &total).to_f64().value())
            .collect()
    }

    /// `-ln P_sw(x_1..x_n)` in nats, rounded to the nearest f64 (one high-precision `ln`).
    pub fn cumulative_log_loss(&self) -> f64 {
        (-self.likelihood.ln()).to_f64().value()
    }

    /// The number of observations processed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The precision of the arithmetic, in bits.
    pub fn precision_bits(&self) -> usize {
        self.precision_bits
    }

    fn float(&self, x: f64) -> Float {
        to_float(x, self.precision_bits)
    }
}

/// The finite f64 `x`, exactly, as a float computing with `precision_bits` bits.
fn to_float(x: f64, precision_bits: usize) -> Float {
    Float::try_from(x)
        .expect("a finite f64 converts exactly")
        .with_precision(precision_bits)
        .value()
}
