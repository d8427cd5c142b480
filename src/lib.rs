//! # alrao
//!
//! *All Learning Rates At Once* (Blier, Wolinski, Ollivier): every feature of a network gets
//! its own SGD learning rate, drawn once and log-uniformly in `[eta_min, eta_max]`; the output
//! layer is replaced by `K` copies with learning rates spread over the same range, and their
//! predictions are mixed by the switch distribution of van Erven, Grünwald and de Rooij.
//!
//! Layers:
//! - [`averaging`]: the switch, Bayesian model averaging, exact references. No candle.
//! - `data` (feature `data`): IDX readers and the image data sets.
//! - `testbed` (feature `testbed`): the convex logistic-regression testbed of Theorem 1, on
//!   nalgebra; no candle.
//! - `training` (feature `training`): per-feature learning rates, output copies, the Alrao
//!   optimizer, baselines, models and the experiment runner, on candle.
#![warn(missing_docs)]

pub mod averaging;
pub mod tolerance;

#[cfg(feature = "data")]
pub mod data;
#[cfg(feature = "testbed")]
pub mod testbed;
#[cfg(feature = "training")]
pub mod training;
