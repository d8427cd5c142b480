//! The convex testbed of Theorem 1 (Appendix B of the paper), behind the `testbed` feature:
//! nalgebra, no candle.
//!
//! - [`LogisticProblem`]: binary (sigmoid) and multiclass (softmax) logistic regression with
//!   an optional ridge term; loss, gradient, Hessian, and `lambda`, the bound on the Hessian
//!   (Böhning's bound for the softmax).
//! - [`Optimum`]: `L*` by Newton's method, certified by strong convexity,
//!   `L(theta) - L* <= |grad L|^2 / (2 r)`, and the curvature at the optimum.
//! - [`FullBatchAlrao`] and [`run_full_batch`]: copies taking full-batch gradient steps with
//!   their own rates, Bayesian model averaging (or the switch) over them with likelihood
//!   `exp(-N L)` per step, and the Alrao mixture loss of eq. (25).
//! - [`descent_budget`]: the step count after which one copy with `eta <= 1/lambda` is
//!   guaranteed close to `L*`.
//!
//! The theorem, its proof in this notation and the test that checks each step are in
//! `theory/theorem1.md`.
//!
//! # Example
//!
//! ```
//! use alrao::averaging::Method;
//! use alrao::testbed::nalgebra::DMatrix;
//! use alrao::testbed::{run_full_batch, LogisticProblem, Optimum, DEFAULT_CERTIFICATE};
//!
//! let x = DMatrix::from_row_slice(6, 1, &[-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]);
//! let problem = LogisticProblem::new(&x, &[0, 0, 1, 0, 1, 1], 2, 1e-2)?;
//! let optimum = Optimum::newton(&problem, DEFAULT_CERTIFICATE)?; // L*, certified
//! let records = run_full_batch(&problem, &[0.01, 0.1, 1.0, 10.0], Method::Bma, 500)?;
//! let gap = records.last().unwrap().alrao_loss - optimum.loss;
//! assert!(gap < 1e-3);
//! # Ok::<(), alrao::testbed::TestbedError>(())
//! ```

mod error;
mod full_batch;
mod optimum;
mod problem;

/// The linear-algebra crate of the testbed's matrices (`DMatrix`), re-exported so that a
/// caller builds problems without naming its own copy of it.
pub use nalgebra;

pub use error::TestbedError;
pub use full_batch::{descent_budget, run_full_batch, FullBatchAlrao, StepRecord};
pub use optimum::{Optimum, DEFAULT_CERTIFICATE};
pub use problem::{Evaluation, Link, LogisticProblem};
