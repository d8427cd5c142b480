//! `L*`, the minimum of the penalised logistic loss, by Newton's method with a certificate.
//!
//! # Certificate
//!
//! With a ridge coefficient `r > 0`, `L` is `r`-strongly convex everywhere (the data term is
//! convex, the penalty adds `r I` to the Hessian), so for any `theta`
//!
//! ```text
//! L(theta) - L* <= |grad L(theta)|^2 / (2 r)
//! ```
//!
//! (minimise the strong-convexity lower bound `L(theta) + g.(u - theta) + (r/2)|u - theta|^2`
//! over `u`). Newton's method runs until this bound, the certificate, is below the tolerance
//! asked for (`1e-12` by default, better than the `1e-10` the theorem tests need), so the
//! computed `L(theta^)` is within the certificate of the true `L*` from above.
//!
//! # Curvature at the optimum
//!
//! [`Optimum`] also holds `lambda_star`, the largest eigenvalue of the Hessian at `theta*`,
//! and `mu_star`, the smallest. Gradient descent with a rate above `2 / lambda_star`
//! cannot converge to `theta*` (the linearised step `I - eta H*` has an eigenvalue below
//! -1), which the negative control of the theorem tests uses; `lambda_star` can be far
//! below the global `lambda`.

use nalgebra::{DMatrix, DVector};

use super::error::TestbedError;
use super::problem::{largest_eigenvalue, smallest_eigenvalue, LogisticProblem};

/// The certificate asked for by default: `L(theta^) - L* <= 1e-12`.
pub const DEFAULT_CERTIFICATE: f64 = 1e-12;

/// The most Newton iterations before giving up.
const MAX_ITERATIONS: usize = 200;

/// The minimum of `L`, computed and certified.
#[derive(Debug, Clone)]
pub struct Optimum {
    /// `theta^`, `C' x P`.
    pub params: DMatrix<f64>,
    /// `L(theta^)`, within [`Optimum::certificate`] above `L*`.
    pub loss: f64,
    /// `|grad L(theta^)|`.
    pub gradient_norm: f64,
    /// `|grad L(theta^)|^2 / (2 r)`, a bound on `L(theta^) - L*`.
    pub certificate: f64,
    /// Newton iterations taken.
    pub iterations: usize,
    /// The largest eigenvalue of the Hessian at `theta^`.
    pub lambda_star: f64,
    /// The smallest eigenvalue of the Hessian at `theta^` (at least the ridge).
    pub mu_star: f64,
}

impl Optimum {
    /// Newton's method from zero with a backtracking (Armijo) line search, until the
    /// certificate is at most `tolerance`.
    ///
    /// # Errors
    ///
    /// [`TestbedError::RidgeRequired`] when the problem has no ridge term, and
    /// [`TestbedError::NewtonStalled`] when the certificate cannot be brought below
    /// `tolerance` (for instance a tolerance below what f64 can resolve).
    pub fn newton(problem: &LogisticProblem, tolerance: f64) -> Result<Self, TestbedError> {
        let ridge = problem.ridge();
        if ridge <= 0.0 {
            return Err(TestbedError::RidgeRequired(ridge));
        }
        let (c, p) = (problem.n_outputs(), problem.n_inputs());
        let mut theta = problem.zero_params(1);
        let mut evaluation = problem.evaluate(&theta);
        let mut iterations = 0;
        loop {
            let gradient = flatten(&evaluation.gradient);
            let certificate = gradient.norm_squared() / (2.0 * ridge);
            if certificate <= tolerance {
                break;
            }
            if iterations == MAX_ITERATIONS {
                return Err(TestbedError::NewtonStalled {
                    iterations,
                    certificate,
                    tolerance,
                });
            }
            let hessian = problem.hessian(&theta);
            // the Hessian is at least r I, so Cholesky cannot fail in exact arithmetic
            let direction = match hessian.cholesky() {
                Some(factor) => -factor.solve(&gradient),
                None => -gradient.clone(),
            };
            let slope = gradient.dot(&direction);
            let loss = evaluation.losses[0];
            let mut step = 1.0;
            let accepted = loop {
                let candidate = &theta + unflatten(&direction, c, p) * step;
                let next = problem.evaluate(&candidate);
                if next.losses[0] <= loss + 1e-4 * step * slope {
                    break Some((candidate, next));
                }
                step *= 0.5;
                if step < 1e-12 {
                    break None;
                }
            };
            iterations += 1;
            match accepted {
                Some((candidate, next)) => {
                    theta = candidate;
                    evaluation = next;
                }
                // no decrease f64 can see: the iterate is as good as it gets
                None => {
                    return Err(TestbedError::NewtonStalled {
                        iterations,
                        certificate,
                        tolerance,
                    })
                }
            }
            tracing::debug!(iterations, certificate, "newton step");
        }
        let gradient_norm = flatten(&evaluation.gradient).norm();
        let hessian = problem.hessian(&theta);
        Ok(Self {
            loss: evaluation.losses[0],
            gradient_norm,
            certificate: gradient_norm * gradient_norm / (2.0 * ridge),
            iterations,
            lambda_star: largest_eigenvalue(hessian.clone()),
            mu_star: smallest_eigenvalue(hessian),
            params: theta,
        })
    }
}

/// A `C' x P` matrix as the vector of its rows, one after another (`index = c P + p`), the
/// order [`LogisticProblem::hessian`] uses.
pub(crate) fn flatten(m: &DMatrix<f64>) -> DVector<f64> {
    DVector::from_iterator(m.len(), m.transpose().iter().copied())
}

/// The inverse of [`flatten`].
fn unflatten(v: &DVector<f64>, rows: usize, cols: usize) -> DMatrix<f64> {
    DMatrix::from_row_slice(rows, cols, v.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Newton's optimum has a gradient certified below 1e-12, and no nearby point has a
    /// lower loss: moving any single parameter by 1e-4 either way raises `L`.
    #[test]
    fn newton_reaches_a_certified_minimum() {
        let features = DMatrix::from_fn(30, 2, |i, c| ((i * 3 + c * 5) % 7) as f64 - 3.0);
        for n_classes in [2, 3] {
            let labels: Vec<usize> = (0..30).map(|i| (i * 2 + i / 7) % n_classes).collect();
            let problem = LogisticProblem::new(&features, &labels, n_classes, 0.05).unwrap();
            let optimum = Optimum::newton(&problem, DEFAULT_CERTIFICATE).unwrap();
            assert!(optimum.certificate <= DEFAULT_CERTIFICATE);
            assert!(optimum.mu_star >= 0.05 * (1.0 - 1e-9));
            assert!(optimum.lambda_star <= problem.smoothness() * (1.0 + 1e-12));
            for i in 0..optimum.params.len() {
                for delta in [1e-4, -1e-4] {
                    let mut moved = optimum.params.clone();
                    moved[i] += delta;
                    assert!(problem.losses(&moved)[0] > optimum.loss);
                }
            }
        }
    }

    /// Without a ridge term there is no certificate, and the error says why.
    #[test]
    fn newton_needs_a_ridge() {
        let features = DMatrix::from_fn(4, 1, |i, _| i as f64);
        let problem = LogisticProblem::new(&features, &[0, 1, 0, 1], 2, 0.0).unwrap();
        let error = Optimum::newton(&problem, DEFAULT_CERTIFICATE).unwrap_err();
        assert!(error.to_string().contains("ridge > 0"), "{error}");
    }
}
