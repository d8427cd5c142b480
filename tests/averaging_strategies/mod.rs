//! Proptest strategies for the model averages: priors, methods, log-likelihood rows.
//!
//! All randomness comes from these strategies, run under `switch_strategies::config`: a
//! fixed seed (unless `PROPTEST_RNG_SEED` says otherwise), so every failure replays.

#![allow(dead_code)]

use alrao::averaging::Method;
use proptest::prelude::*;

pub use crate::switch_strategies::exact_prior;
use crate::switch_strategies::to_f64;

/// A prior over `n_models` models in f64, each entry the nearest f64 of an exact prior.
pub fn prior(n_models: usize) -> impl Strategy<Value = Vec<f64>> {
    exact_prior(n_models).prop_map(|exact| exact.iter().map(to_f64).collect())
}

/// A positive prior (every model possible) over `n_models` models, in f64.
pub fn positive_prior(n_models: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(1u32..=5, n_models).prop_map(|weights| {
        let total: u32 = weights.iter().sum();
        weights.iter().map(|&n| n as f64 / total as f64).collect()
    })
}

/// Any method: the switch with a named or drawn theta, BMA, fixed share with a named or
/// drawn alpha (0 and 1 included).
pub fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        prop_oneof![Just(0.0), Just(0.5), Just(0.999), 0.0f64..1.0]
            .prop_map(|theta| Method::Switch { theta }),
        Just(Method::Bma),
        prop_oneof![Just(0.0), Just(0.01), Just(1.0), 0.0f64..=1.0]
            .prop_map(|alpha| Method::FixedShare { alpha }),
    ]
}

/// `n` rows of `n_models` finite log-likelihoods in `[-12, 2)`.
pub fn finite_rows(n_models: usize, n: usize) -> impl Strategy<Value = Vec<Vec<f64>>> {
    prop::collection::vec(prop::collection::vec(-12.0f64..2.0, n_models), n)
}
