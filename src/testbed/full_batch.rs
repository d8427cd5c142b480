//! Full-batch Alrao on a convex problem: the setting of Theorem 1 (Appendix B).
//!
//! # Formula
//!
//! `K` copies of the classifier, copy `j` with learning rate `eta_j`, all starting at
//! `theta_j^(0) = 0`, take full-batch gradient steps (eq. 13)
//!
//! ```text
//! theta_j^(t+1) = theta_j^(t) - eta_j grad L(theta_j^(t))
//! ```
//!
//! and a model average over the copies sees, at step `t >= 1`, one observation per step
//! whose likelihood under copy `j` is `exp(-N L(theta_j^(t)))`, the likelihood of the whole
//! data set. With Bayesian model averaging (the theorem's assumption) and prior `pi`, the
//! weights after step `t` are (eq. 21, with the prior written out)
//!
//! ```text
//! a_j^(t) = pi_j prod_(s=1..t) e^(-N L(theta_j^(s)))
//!           / sum_k pi_k prod_(s=1..t) e^(-N L(theta_k^(s)))
//! ```
//!
//! (`a^(0) = pi`), and the Alrao loss at step `t` is eq. (25), the penalised log-loss of the
//! mixture:
//!
//! ```text
//! L(Alrao^(t)) = (1/N) sum_i -ln sum_j a_j^(t) exp(-ell~_ij(theta_j^(t)))
//! ```
//!
//! As in the paper, `a^(t)` has seen the losses of `theta^(t)` itself: the weights weigh
//! the copies as they are now. The switch can replace BMA ([`Method`]); the theorem does
//! not cover it.
//!
//! A copy whose parameters stop being finite (a rate far too large) has loss `+inf` from
//! then on, so likelihood 0 and no weight.

use nalgebra::DMatrix;

use crate::averaging::{uniform_prior, Method, ModelAverage};

use super::error::TestbedError;
use super::problem::{Evaluation, LogisticProblem};

/// The state of every copy and of the average after one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// `t`: gradient steps taken so far.
    pub step: u64,
    /// `L(Alrao^(t))`, eq. (25), in nats.
    pub alrao_loss: f64,
    /// `L(theta_j^(t))` for each copy, in nats (`+inf` for a diverged copy).
    pub copy_losses: Vec<f64>,
    /// `a_j^(t)`, the average's weights.
    pub posterior: Vec<f64>,
    /// `ln a_j^(t)`: the weights in log space, where they stay accurate far below the
    /// smallest f64 (`-inf` for a copy without weight).
    pub log_posterior: Vec<f64>,
}

/// `K` copies with their learning rates and a model average over them, stepping together.
pub struct FullBatchAlrao<'a> {
    problem: &'a LogisticProblem,
    rates: Vec<f64>,
    params: DMatrix<f64>,
    average: Box<dyn ModelAverage>,
    evaluation: Evaluation,
    step: u64,
}

impl<'a> FullBatchAlrao<'a> {
    /// Copies at zero with learning rates `rates`, averaged by `method` under a uniform
    /// prior.
    ///
    /// # Errors
    ///
    /// [`TestbedError::NoCopies`], [`TestbedError::InvalidRate`] for a rate that is not
    /// positive and finite, and the averaging errors of a bad `method` parameter.
    pub fn new(
        problem: &'a LogisticProblem,
        rates: &[f64],
        method: Method,
    ) -> Result<Self, TestbedError> {
        if rates.is_empty() {
            return Err(TestbedError::NoCopies);
        }
        if let Some((index, &rate)) = rates
            .iter()
            .enumerate()
            .find(|(_, r)| !(r.is_finite() && **r > 0.0))
        {
            return Err(TestbedError::InvalidRate { index, rate });
        }
        let average = method.build(&uniform_prior(rates.len())?)?;
        let params = problem.zero_params(rates.len());
        let evaluation = problem.evaluate(&params);
        Ok(Self {
            problem,
            rates: rates.to_vec(),
            params,
            average,
            evaluation,
            step: 0,
        })
    }

    /// The learning rates, one per copy.
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }

    /// The stacked parameters of the copies.
    pub fn params(&self) -> &DMatrix<f64> {
        &self.params
    }

    /// The record of the current step: the Alrao loss (eq. 25), each copy's loss and the
    /// weights.
    pub fn record(&self) -> StepRecord {
        StepRecord {
            step: self.step,
            alrao_loss: self.alrao_loss(),
            copy_losses: self.evaluation.losses.clone(),
            posterior: self.average.posterior(),
            log_posterior: self.average.log_posterior().to_vec(),
        }
    }

    /// One gradient step of every copy, then the average's update with the new losses.
    ///
    /// # Errors
    ///
    /// [`TestbedError::Averaging`] when every copy has diverged (no copy gives the data a
    /// positive likelihood).
    pub fn step(&mut self) -> Result<StepRecord, TestbedError> {
        let c = self.problem.n_outputs();
        for (j, rate) in self.rates.iter().enumerate() {
            let step = self.evaluation.gradient.rows(j * c, c) * *rate;
            let mut copy = self.params.rows_mut(j * c, c);
            copy -= step;
        }
        self.evaluation = self.problem.evaluate(&self.params);
        let n = self.problem.n_samples() as f64;
        let log_likelihoods: Vec<f64> = self.evaluation.losses.iter().map(|l| -n * l).collect();
        self.average.update(&log_likelihoods)?;
        self.step += 1;
        Ok(self.record())
    }

    /// `(1/N) sum_i -ln sum_j a_j exp(-ell~_ij)`, shifted by the largest term per sample.
    fn alrao_loss(&self) -> f64 {
        let log_weights = self.average.log_posterior();
        let losses = &self.evaluation.sample_losses;
        let mut total = 0.0;
        for i in 0..losses.nrows() {
            let terms: Vec<f64> = log_weights
                .iter()
                .enumerate()
                .map(|(j, log_a)| log_a - losses[(i, j)])
                .collect();
            let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if max == f64::NEG_INFINITY {
                return f64::INFINITY;
            }
            let sum: f64 = terms.iter().map(|t| (t - max).exp()).sum();
            total -= max + sum.ln();
        }
        total / losses.nrows() as f64
    }
}

/// Runs `steps` steps of full-batch Alrao and returns the records of steps `0..=steps`.
///
/// # Errors
///
/// Those of [`FullBatchAlrao::new`] and [`FullBatchAlrao::step`].
pub fn run_full_batch(
    problem: &LogisticProblem,
    rates: &[f64],
    method: Method,
    steps: u64,
) -> Result<Vec<StepRecord>, TestbedError> {
    let mut alrao = FullBatchAlrao::new(problem, rates, method)?;
    let mut records = Vec::with_capacity(steps as usize + 1);
    records.push(alrao.record());
    for _ in 0..steps {
        records.push(alrao.step()?);
    }
    Ok(records)
}

/// The budget of Theorem 1's tests: the number of steps after which gradient descent with
/// rate `eta <= 1/lambda` on an `mu`-strongly convex loss is guaranteed within `epsilon`
/// of `L*`, starting `initial_gap` above it.
///
/// With `eta <= 1/lambda` each step lowers `L` by at least `(eta/2)|grad L|^2` (descent
/// lemma), and strong convexity gives `|grad L|^2 >= 2 mu (L - L*)`, so the gap shrinks by
/// `1 - eta mu` per step:
///
/// ```text
/// T(epsilon) = ceil( ln(initial_gap / epsilon) / -ln(1 - eta mu) )
/// ```
///
/// (0 when the gap is already below `epsilon`).
pub fn descent_budget(initial_gap: f64, epsilon: f64, eta: f64, mu: f64) -> u64 {
    if initial_gap <= epsilon {
        return 0;
    }
    let contraction = -(-eta * mu).ln_1p();
    ((initial_gap / epsilon).ln() / contraction).ceil() as u64
}
