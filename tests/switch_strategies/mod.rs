//! Reusable proptest strategies and helpers for the switch's tests.
//!
//! All randomness comes from these strategies, run under [`config`]: a fixed seed (unless
//! `PROPTEST_RNG_SEED` says otherwise), so that every failure replays and shrinks.

#![allow(dead_code)]

use std::f64::consts::LN_2;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// The seed of every property test, unless `PROPTEST_RNG_SEED` is set.
pub const SEED: u64 = 0x5717_c4ed;

/// A seeded proptest configuration running `cases` cases.
pub fn config(cases: u32) -> Config {
    let base = Config::default();
    Config {
        cases,
        rng_seed: match base.rng_seed {
            RngSeed::Random => RngSeed::Fixed(SEED),
            fixed => fixed,
        },
        failure_persistence: None,
        ..base
    }
}

/// `numerator / denominator` as a rational.
pub fn ratio(numerator: i64, denominator: i64) -> BigRational {
    BigRational::new(BigInt::from(numerator), BigInt::from(denominator))
}

/// Theta for exact tests: the values the paper and the code use, BMA, and small fractions.
pub fn exact_theta() -> impl Strategy<Value = BigRational> {
    prop_oneof![
        Just(ratio(0, 1)),
        Just(ratio(1, 2)),
        Just(ratio(9, 10)),
        Just(ratio(999, 1000)),
        Just(ratio(9999, 10000)),
        (1i64..=8).prop_flat_map(|d| (0..d).prop_map(move |n| ratio(n, d))),
    ]
}

/// A likelihood: mostly a small positive fraction (above one allowed, as for densities),
/// sometimes zero.
pub fn exact_likelihood() -> impl Strategy<Value = BigRational> {
    prop_oneof![
        9 => (1i64..=7, 1i64..=7).prop_map(|(n, d)| ratio(n, d)),
        1 => Just(ratio(0, 1)),
    ]
}

/// `n` rows of `n_models` likelihoods, one row per observation.
pub fn likelihood_rows(n_models: usize, n: usize) -> impl Strategy<Value = Vec<Vec<BigRational>>> {
    prop::collection::vec(prop::collection::vec(exact_likelihood(), n_models), n)
}

/// A case `(n_models, theta, rows)` with `1..=max_models` models and `0..=max_n`
/// observations.
pub fn exact_case(
    max_models: usize,
    max_n: usize,
) -> impl Strategy<Value = (usize, BigRational, Vec<Vec<BigRational>>)> {
    (1..=max_models, 0..=max_n).prop_flat_map(|(n_models, n)| {
        (Just(n_models), exact_theta(), likelihood_rows(n_models, n))
    })
}

/// An f64 log-likelihood: mostly finite, sometimes `-inf` (a likelihood of zero).
pub fn log_likelihood() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -30.0f64..3.0,
        2 => Just(f64::NEG_INFINITY),
    ]
}

/// Theta for f64 tests, BMA included.
pub fn float_theta() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(0.5), Just(0.999), Just(0.9999), 0.0f64..1.0]
}

/// The nearest f64 of a rational.
pub fn to_f64(x: &BigRational) -> f64 {
    x.to_f64().expect("a rational has a nearest f64")
}

/// `ln x` of a positive rational, accurate to a few ulps even when the numerator or the
/// denominator are beyond the range of f64; `-inf` for zero.
pub fn ln_rational(x: &BigRational) -> f64 {
    assert!(!x.is_negative(), "ln of a negative number");
    if x.numer().bits() == 0 {
        return f64::NEG_INFINITY;
    }
    ln_integer(x.numer()) - ln_integer(x.denom())
}

/// `ln x` of a positive integer, through its top 64 bits.
fn ln_integer(x: &BigInt) -> f64 {
    let excess = x.bits().saturating_sub(64);
    let top: BigInt = x >> excess;
    top.to_f64().expect("64 bits fit an f64").ln() + excess as f64 * LN_2
}

/// The closed form of Bayesian model averaging with a uniform prior:
/// `prod_t p_k(x_t) / sum_j prod_t p_j(x_t)`, exactly.
pub fn bma_posterior(rows: &[Vec<BigRational>], n_models: usize) -> Vec<BigRational> {
    let products: Vec<BigRational> = (0..n_models)
        .map(|k| rows.iter().map(|row| &row[k]).product())
        .collect();
    let total: BigRational = products.iter().sum();
    products.into_iter().map(|p| p / &total).collect()
}

/// Up to `max_n - 1` rows of `n_models` f64 log-likelihoods, `-inf` included.
pub fn log_likelihood_rows(n_models: usize, max_n: usize) -> impl Strategy<Value = Vec<Vec<f64>>> {
    prop::collection::vec(prop::collection::vec(log_likelihood(), n_models), 0..max_n)
}

/// A prior over `n_models` models with small integer weights `n_k` in `0..=5` (at least
/// one positive), exactly as rationals `n_k / sum_j n_j`: some models may have prior zero,
/// and the rest are far from uniform.
pub fn exact_prior(n_models: usize) -> impl Strategy<Value = Vec<BigRational>> {
    prop::collection::vec(0i64..=5, n_models)
        .prop_filter("some model has prior mass", |weights| {
            weights.iter().any(|&n| n > 0)
        })
        .prop_map(|weights| {
            let total: i64 = weights.iter().sum();
            weights.iter().map(|&n| ratio(n, total)).collect()
        })
}

/// A case `(prior, theta, rows)` with `1..=max_models` models under a non-uniform prior and
/// `0..=max_n` observations.
pub fn exact_prior_case(
    max_models: usize,
    max_n: usize,
) -> impl Strategy<Value = (Vec<BigRational>, BigRational, Vec<Vec<BigRational>>)> {
    (1..=max_models, 0..=max_n).prop_flat_map(|(n_models, n)| {
        (
            exact_prior(n_models),
            exact_theta(),
            likelihood_rows(n_models, n),
        )
    })
}
