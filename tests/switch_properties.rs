//! Properties of the switch: the forward recursion against the sum over switch sequences,
//! the f64 log-space switch against the exact one, zero and NaN likelihoods, save and
//! restore, and Bayesian model averaging as `theta = 0`.
//!
//! The statements are those of `theory/switch.md`. Exact rational results are compared
//! with `==` on purpose: exactness is the property.

mod switch_strategies;

use alrao::averaging::{
    brute_force, brute_force_with_prior, AveragingError, BruteForceSums, ExactSwitch,
    ObservationMode, Switch, SwitchState,
};
use alrao::tolerance::{close, F64_SAME_MATH, F64_VS_EXACT};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use proptest::prelude::*;
use switch_strategies::{
    bma_posterior, config, exact_case, exact_prior_case, float_theta, likelihood_rows, ln_rational,
    log_likelihood_rows, ratio, to_f64,
};

/// The wrong hazard `1/(t+2)`: the new model would predict from the switch time itself.
fn off_by_one_hazard(t: u64) -> BigRational {
    BigRational::new(BigInt::from(1), BigInt::from(t) + 2)
}

/// Feeds `rows` to an exact switch; `Err(step)` when the mixture's likelihood became zero
/// at that step.
fn run_exact(switch: &mut ExactSwitch, rows: &[Vec<BigRational>]) -> Result<(), u64> {
    for row in rows {
        match switch.update(row) {
            Ok(()) => {}
            Err(AveragingError::ZeroMixtureLikelihood { step }) => return Err(step),
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    Ok(())
}

/// Checks that the forward weights equal the brute-force sums, per model and per state,
/// exactly; when the mixture's likelihood is zero, that every sum is zero.
fn check_recursion_equals_brute_force(
    n_models: usize,
    theta: &BigRational,
    rows: &[Vec<BigRational>],
) -> Result<(), TestCaseError> {
    let sums = brute_force(n_models, theta, rows).unwrap();
    let switch = ExactSwitch::new(n_models, theta.clone()).unwrap();
    check_forward_weights_equal_sums(switch, &sums, rows)
}

/// Feeds `rows` to `switch` and checks its forward weights against `sums` (see
/// [`check_recursion_equals_brute_force`]).
fn check_forward_weights_equal_sums(
    mut switch: ExactSwitch,
    sums: &BruteForceSums,
    rows: &[Vec<BigRational>],
) -> Result<(), TestCaseError> {
    match run_exact(&mut switch, rows) {
        Ok(()) => {
            for k in 0..switch.n_models() {
                // exact equality between exact computations
                prop_assert_eq!(&switch.w_a()[k], &sums.a[k], "w_a of model {}", k);
                prop_assert_eq!(&switch.w_b()[k], &sums.b[k], "w_b of model {}", k);
            }
        }
        Err(_) => {
            prop_assert!(sums.a.iter().chain(&sums.b).all(Zero::is_zero));
        }
    }
    Ok(())
}

/// Feeds `ln p` to the f64 switch and `p` to the exact one and checks, after every
/// observation, the posterior and `-ln P_sw` to `F64_VS_EXACT`; both must report a zero
/// mixture likelihood at the same step, and end at the same step count.
fn check_f64_follows_exact(
    mut float: Switch,
    mut exact: ExactSwitch,
    rows: &[Vec<BigRational>],
) -> Result<(), TestCaseError> {
    for row in rows {
        let log_row: Vec<f64> = row.iter().map(ln_rational).collect();
        match (exact.update(row), float.update(&log_row)) {
            (Ok(()), Ok(())) => {}
            (Err(e), Err(f)) => {
                prop_assert_eq!(e, f);
                break;
            }
            (e, f) => prop_assert!(false, "exact {:?}, f64 {:?}", e, f),
        }
        for (k, (a, b)) in float.posterior().iter().zip(&exact.posterior()).enumerate() {
            prop_assert!(
                close(*a, to_f64(b), F64_VS_EXACT),
                "step {}, model {}: f64 {} exact {}",
                exact.steps(),
                k,
                a,
                b
            );
        }
        let exact_loss = -ln_rational(&exact.total_likelihood());
        prop_assert!(
            close(float.cumulative_log_loss(), exact_loss, F64_VS_EXACT),
            "step {}: f64 log-loss {} exact {}",
            exact.steps(),
            float.cumulative_log_loss(),
            exact_loss
        );
    }
    prop_assert_eq!(float.steps(), exact.steps());
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    /// Property 1: after `n` observations the forward weights `w_a[k]` and `w_b[k]` equal,
    /// exactly, the sums over truncated switch sequences ending in model `k` of the prior's
    /// "another switch" and "no more switches" parts times the sequence's likelihood
    /// (K <= 3, n <= 4).
    #[test]
    fn recursion_equals_brute_force_sum((n_models, theta, rows) in exact_case(3, 4)) {
        check_recursion_equals_brute_force(n_models, &theta, &rows)?;
    }

    /// Property 2: the prior mass of all truncated switch sequences is exactly one, for any
    /// number of observations (the geometric prior `theta^(m-1) (1 - theta)` is proper).
    #[test]
    fn truncated_prior_sums_to_one(
        n_models in 1usize..=3,
        n in 0usize..=6,
        theta in switch_strategies::exact_theta(),
    ) {
        let ones = vec![vec![BigRational::one(); n_models]; n];
        let sums = brute_force(n_models, &theta, &ones).unwrap();
        // exact equality between exact computations
        prop_assert_eq!(&sums.prior_mass, &BigRational::one());
        let total: BigRational = sums.a.iter().chain(&sums.b).sum();
        prop_assert_eq!(total, BigRational::one());
    }

    /// Property 1 with any prior: for a prior `pi_K` far from uniform (integer weights in
    /// `0..=5` normalised, zeros allowed), the forward weights equal the brute-force sums
    /// exactly, and the prior mass of all truncated sequences is exactly one (K <= 3,
    /// n <= 4).
    #[test]
    fn recursion_equals_brute_force_sum_with_any_prior(
        (prior, theta, rows) in exact_prior_case(3, 4),
    ) {
        let sums = brute_force_with_prior(&prior, &theta, &rows).unwrap();
        // exact equality between exact computations
        prop_assert_eq!(&sums.prior_mass, &BigRational::one());
        let switch = ExactSwitch::with_prior(&prior, theta).unwrap();
        check_forward_weights_equal_sums(switch, &sums, &rows)?;
    }

    /// Property 3 with any prior: `Switch::with_prior` fed `ln p` agrees with
    /// `ExactSwitch::with_prior` fed `p` to `F64_VS_EXACT` on the posterior and on
    /// `-ln P_sw` after each of up to 30 observations (K <= 5, prior weights in `0..=5`).
    #[test]
    fn f64_switch_with_any_prior_agrees_with_exact_switch(
        (prior, theta, rows) in exact_prior_case(5, 30),
    ) {
        let float_prior: Vec<f64> = prior.iter().map(to_f64).collect();
        let float = Switch::with_prior(&float_prior, to_f64(&theta)).unwrap();
        let exact = ExactSwitch::with_prior(&prior, theta).unwrap();
        check_f64_follows_exact(float, exact, &rows)?;
    }

    /// Property 3: the f64 log-space switch fed `ln p` agrees with the exact switch fed `p`
    /// to `F64_VS_EXACT`, on the posterior and on the cumulative log-loss `-ln P_sw`, after
    /// every one of up to 30 observations with up to 5 models; both report a zero mixture
    /// likelihood at the same step.
    #[test]
    fn f64_switch_agrees_with_exact_switch(
        (n_models, theta, rows) in exact_case(5, 30),
    ) {
        let float = Switch::new(n_models, to_f64(&theta)).unwrap();
        let exact = ExactSwitch::new(n_models, theta.clone()).unwrap();
        check_f64_follows_exact(float, exact, &rows)?;
    }

    /// Property 4: with likelihoods of zero (`-inf` logs) among the models, any theta
    /// (BMA included), the posterior never holds NaN and sums to one; an observation that
    /// every weighted model gives likelihood zero is an error that leaves the switch as it
    /// was.
    #[test]
    fn posterior_stays_finite_with_zero_likelihoods(
        (n_models, theta, rows) in (1usize..=5, float_theta())
            .prop_flat_map(|(k, theta)| (Just(k), Just(theta), log_likelihood_rows(k, 40))),
    ) {
        let mut switch = Switch::new(n_models, theta).unwrap();
        for row in &rows {
            let before = switch.clone();
            match switch.update(row) {
                Ok(()) => {}
                Err(AveragingError::ZeroMixtureLikelihood { step }) => {
                    prop_assert_eq!(step, before.steps() + 1);
                    prop_assert_eq!(&switch, &before);
                }
                Err(other) => prop_assert!(false, "unexpected error {}", other),
            }
            prop_assert!(switch
                .log_posterior()
                .iter()
                .all(|x| !x.is_nan() && *x <= F64_VS_EXACT));
            let total: f64 = switch.posterior().iter().sum();
            prop_assert!(close(total, 1.0, F64_VS_EXACT), "posterior sums to {}", total);
            prop_assert!(switch.cumulative_log_loss().is_finite());
        }
    }

    /// Property 5: a NaN log-likelihood is an error whose message names the model and the
    /// 1-based step, and the switch is left as it was.
    #[test]
    fn nan_likelihood_is_an_error_naming_model_and_step(
        (n_models, model, good_steps) in (1usize..=5, 0u64..10)
            .prop_flat_map(|(k, steps)| (Just(k), 0..k, Just(steps))),
    ) {
        let mut switch = Switch::new(n_models, 0.999).unwrap();
        for _ in 0..good_steps {
            switch.update(&vec![-1.0; n_models]).unwrap();
        }
        let before = switch.clone();
        let mut row = vec![-0.5; n_models];
        row[model] = f64::NAN;
        let error = switch.update(&row).unwrap_err();
        let step = good_steps + 1;
        prop_assert_eq!(&error, &AveragingError::NanLikelihood { model, step });
        let message = error.to_string();
        prop_assert!(message.contains(&format!("model {model}")), "{}", message);
        prop_assert!(message.contains(&format!("step {step}")), "{}", message);
        prop_assert_eq!(&switch, &before);
    }

    /// Property 7: saving with `state()`, writing and reading the state as JSON and
    /// restoring with `from_state()`, then continuing, gives bit for bit the posterior and
    /// log-loss of the uninterrupted switch, and the step counter survives the round trip.
    #[test]
    fn save_restore_continues_bit_identically(
        (n_models, theta, first, second) in (1usize..=5, float_theta())
            .prop_flat_map(|(k, theta)| {
                (Just(k), Just(theta), log_likelihood_rows(k, 20), log_likelihood_rows(k, 20))
            }),
    ) {
        let mut uninterrupted = Switch::new(n_models, theta).unwrap();
        let mut saved = Switch::new(n_models, theta).unwrap();
        for row in &first {
            prop_assert_eq!(uninterrupted.update(row), saved.update(row));
        }

        let json = serde_json::to_string(&saved.state()).unwrap();
        let state: SwitchState = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&state, &saved.state());
        let mut resumed = Switch::from_state(state).unwrap();
        prop_assert_eq!(resumed.steps(), saved.steps());

        for row in &second {
            prop_assert_eq!(uninterrupted.update(row), resumed.update(row));
        }
        prop_assert_eq!(resumed.steps(), uninterrupted.steps());
        let bits = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(resumed.log_posterior()), bits(uninterrupted.log_posterior()));
        prop_assert_eq!(
            resumed.cumulative_log_loss().to_bits(),
            uninterrupted.cumulative_log_loss().to_bits()
        );
        prop_assert_eq!(&resumed, &uninterrupted);
    }

    /// Property 8: with `theta = 0` the switch is Bayesian model averaging: its posterior is
    /// `prod_t p_k(x_t) / sum_j prod_t p_j(x_t)`, exactly in rationals and to `F64_VS_EXACT`
    /// in f64.
    #[test]
    fn theta_zero_is_bayesian_model_averaging(
        (n_models, rows) in (1usize..=4, 0usize..=8)
            .prop_flat_map(|(k, n)| (Just(k), likelihood_rows(k, n))),
    ) {
        let mut exact = ExactSwitch::new(n_models, BigRational::zero()).unwrap();
        let mut float = Switch::new(n_models, 0.0).unwrap();
        let mut fed = 0;
        for row in &rows {
            let log_row: Vec<f64> = row.iter().map(ln_rational).collect();
            if exact.update(row).is_err() {
                prop_assert!(float.update(&log_row).is_err());
                break;
            }
            float.update(&log_row).unwrap();
            fed += 1;
        }
        if fed < rows.len() {
            // the mixture gave an observation likelihood zero: so does every model's product
            let bma_total: BigRational = (0..n_models)
                .map(|k| rows.iter().map(|row| &row[k]).product::<BigRational>())
                .sum();
            prop_assert!(bma_total.is_zero());
        } else {
            let closed_form = bma_posterior(&rows, n_models);
            // exact equality between exact computations
            prop_assert_eq!(&exact.posterior(), &closed_form);
            for (a, b) in float.posterior().iter().zip(&closed_form) {
                prop_assert!(close(*a, to_f64(b), F64_VS_EXACT), "f64 {} exact {}", a, b);
            }
        }
    }

    /// A minibatch in `MinibatchMean` mode is one observation scored by the mean
    /// log-likelihood; in `PerSample` mode it is one observation per sample, in order.
    #[test]
    fn observation_modes_feed_the_switch_as_documented(
        (n_models, batch) in (1usize..=4, 1usize..=6).prop_flat_map(|(k, b)| {
            let samples = prop::collection::vec(-10.0f64..0.0, b);
            (Just(k), prop::collection::vec(samples, k))
        }),
    ) {
        let mut by_batch = Switch::new(n_models, 0.9).unwrap();
        by_batch.update_batch(ObservationMode::MinibatchMean, &batch).unwrap();
        let mut by_hand = Switch::new(n_models, 0.9).unwrap();
        let means: Vec<f64> = batch
            .iter()
            .map(|samples| samples.iter().sum::<f64>() / samples.len() as f64)
            .collect();
        by_hand.update(&means).unwrap();
        prop_assert_eq!(&by_batch, &by_hand);
        prop_assert_eq!(by_batch.steps(), 1);

        let mut by_batch = Switch::new(n_models, 0.9).unwrap();
        by_batch.update_batch(ObservationMode::PerSample, &batch).unwrap();
        let mut by_hand = Switch::new(n_models, 0.9).unwrap();
        for b in 0..batch[0].len() {
            let row: Vec<f64> = batch.iter().map(|samples| samples[b]).collect();
            by_hand.update(&row).unwrap();
        }
        prop_assert_eq!(&by_batch, &by_hand);
        prop_assert_eq!(by_batch.steps(), batch[0].len() as u64);
    }
}

/// Property 1 for each named theta (BMA, 1/2, 9/10, 999/1000) on one fixed case with
/// three models and four observations, so that every one is checked whatever proptest
/// draws.
#[test]
fn recursion_equals_brute_force_for_each_named_theta() {
    let rows = vec![
        vec![ratio(1, 2), ratio(1, 3), ratio(5, 6)],
        vec![ratio(2, 3), ratio(1, 4), ratio(0, 1)],
        vec![ratio(1, 7), ratio(3, 2), ratio(1, 1)],
        vec![ratio(4, 5), ratio(1, 9), ratio(2, 7)],
    ];
    for theta in [ratio(0, 1), ratio(1, 2), ratio(9, 10), ratio(999, 1000)] {
        check_recursion_equals_brute_force(3, &theta, &rows).unwrap();
    }
}

/// Property 6: with the off-by-one hazard `1/(t+2)` the recursion no longer equals the sum
/// over switch sequences, on a case where the right hazard `1/(t+1)` does; so the
/// brute-force comparison can detect the off-by-one.
#[test]
fn off_by_one_hazard_breaks_the_equality() {
    let theta = ratio(1, 2);
    let rows = vec![
        vec![ratio(1, 2), ratio(1, 3)],
        vec![ratio(2, 3), ratio(1, 4)],
    ];
    let sums = brute_force(2, &theta, &rows).unwrap();

    let mut right = ExactSwitch::new(2, theta.clone()).unwrap();
    run_exact(&mut right, &rows).unwrap();
    assert_eq!(right.w_a(), &sums.a[..]);
    assert_eq!(right.w_b(), &sums.b[..]);

    let mut wrong = ExactSwitch::with_hazard(2, theta, off_by_one_hazard).unwrap();
    run_exact(&mut wrong, &rows).unwrap();
    assert_ne!(wrong.w_a(), &sums.a[..]);
    assert_ne!(wrong.w_b(), &sums.b[..]);
}

/// Property 4 in its sharpest form: with `theta = 0` and every model but one at `-inf`,
/// the posterior is exactly one on that model and zero elsewhere, without NaN; an
/// observation only the dead models can explain is then an error. With `theta > 0` the
/// pool gives the dead models mass back.
#[test]
fn all_but_one_model_at_minus_infinity() {
    let minus_inf = f64::NEG_INFINITY;
    let mut bma = Switch::new(4, 0.0).unwrap();
    let mut switch = Switch::new(4, 0.999).unwrap();
    for _ in 0..5 {
        let row = [-1.5, minus_inf, minus_inf, minus_inf];
        bma.update(&row).unwrap();
        switch.update(&row).unwrap();
    }
    assert_eq!(bma.posterior(), vec![1.0, 0.0, 0.0, 0.0]);
    assert!(bma.log_posterior()[1..].iter().all(|&x| x == minus_inf));
    // the first observation is predicted with the prior 1/4, the rest with posterior one
    let expected_loss = 4.0f64.ln() + 5.0 * 1.5;
    assert!(close(
        bma.cumulative_log_loss(),
        expected_loss,
        F64_SAME_MATH
    ));

    let before = bma.clone();
    let only_dead = [minus_inf, -1.0, -1.0, -1.0];
    assert_eq!(
        bma.update(&only_dead),
        Err(AveragingError::ZeroMixtureLikelihood { step: 6 })
    );
    assert_eq!(bma, before);

    let posterior = switch.posterior();
    assert!(posterior.iter().all(|&a| a.is_finite() && a > 0.0));
    switch.update(&only_dead).unwrap();
    assert!(switch.posterior().iter().all(|a| a.is_finite()));
    assert!(close(switch.posterior().iter().sum(), 1.0, F64_VS_EXACT));
}

/// A single model still counts steps and log-loss: its posterior stays one and the
/// mixture's log-loss is the model's own.
#[test]
fn single_model_counts_steps_and_log_loss() {
    let mut switch = Switch::new(1, 0.999).unwrap();
    let log_likelihoods = [-0.5, -2.0, 0.25, -1.0];
    for x in log_likelihoods {
        switch.update(&[x]).unwrap();
    }
    assert_eq!(switch.steps(), 4);
    assert!(close(switch.posterior()[0], 1.0, F64_VS_EXACT));
    let own_loss: f64 = -log_likelihoods.iter().sum::<f64>();
    assert!(close(switch.cumulative_log_loss(), own_loss, F64_SAME_MATH));
}

/// `mixture_log_likelihood` is `ln sum_k a_k p_k` with the current posterior, and the
/// cumulative log-loss grows by minus that amount when the observation is processed.
#[test]
fn mixture_log_likelihood_is_the_next_log_loss_increment() {
    let mut switch = Switch::new(3, 0.9).unwrap();
    switch.update(&[-1.0, -2.0, -0.5]).unwrap();
    let row = [-0.2, f64::NEG_INFINITY, -3.0];
    let a = switch.posterior();
    let expected = (a[0] * (-0.2f64).exp() + a[2] * (-3.0f64).exp()).ln();
    let predicted = switch.mixture_log_likelihood(&row);
    assert!(close(predicted, expected, F64_SAME_MATH));
    let loss_before = switch.cumulative_log_loss();
    switch.update(&row).unwrap();
    assert!(close(
        switch.cumulative_log_loss() - loss_before,
        -predicted,
        F64_SAME_MATH
    ));
}

/// The constructors reject what is not a switch, naming the bad parameter and its value.
#[test]
fn constructors_reject_bad_parameters() {
    assert_eq!(Switch::new(0, 0.5), Err(AveragingError::NoModels));
    assert_eq!(
        Switch::new(2, 1.0),
        Err(AveragingError::ThetaOutOfRange { theta: 1.0 })
    );
    assert_eq!(
        Switch::new(2, -0.1),
        Err(AveragingError::ThetaOutOfRange { theta: -0.1 })
    );
    assert!(matches!(
        Switch::new(2, f64::NAN),
        Err(AveragingError::ThetaOutOfRange { .. })
    ));
    assert!(ExactSwitch::new(2, ratio(1, 1)).is_err());
    assert!(ExactSwitch::new(0, ratio(1, 2)).is_err());

    let mut switch = Switch::new(2, 0.5).unwrap();
    assert_eq!(
        switch.update(&[-1.0]),
        Err(AveragingError::WrongLength {
            expected: 2,
            got: 1
        })
    );
    assert_eq!(
        switch.update(&[-1.0, f64::INFINITY]),
        Err(AveragingError::InfiniteLikelihood { model: 1, step: 1 })
    );
    assert_eq!(
        switch.update_batch(ObservationMode::PerSample, &[vec![-1.0, -2.0], vec![-1.0]]),
        Err(AveragingError::RaggedBatch {
            model: 1,
            expected: 2,
            got: 1
        })
    );
    assert_eq!(switch.steps(), 0);
}

/// `from_state` rejects states that do not describe a switch: bad theta, mismatched or
/// empty weights, NaN, weights that do not total one, a non-finite log-loss.
#[test]
fn from_state_rejects_invalid_states() {
    let mut switch = Switch::new(3, 0.9).unwrap();
    switch.update(&[-1.0, -2.0, -3.0]).unwrap();
    let good = switch.state();
    assert!(Switch::from_state(good.clone()).is_ok());

    let broken: Vec<(SwitchState, &str)> = vec![
        (
            SwitchState {
                theta: 1.0,
                ..good.clone()
            },
            "theta",
        ),
        (
            SwitchState {
                w_a: vec![],
                w_b: vec![],
                ..good.clone()
            },
            "w_a",
        ),
        (
            SwitchState {
                w_b: good.w_b[..2].to_vec(),
                ..good.clone()
            },
            "w_b",
        ),
        (
            SwitchState {
                w_a: vec![f64::NAN, good.w_a[1], good.w_a[2]],
                ..good.clone()
            },
            "w_a",
        ),
        (
            SwitchState {
                w_a: good.w_a.iter().map(|x| x + 1.0).collect(),
                ..good.clone()
            },
            "w_a",
        ),
        (
            SwitchState {
                cumulative_log_loss: f64::NAN,
                ..good.clone()
            },
            "cumulative_log_loss",
        ),
    ];
    for (state, field) in broken {
        let error = Switch::from_state(state).unwrap_err();
        assert!(
            error.to_string().contains(field),
            "{error} should name {field}"
        );
    }
}

/// An exact prior must be a probability vector, exactly: a negative entry is refused with
/// its model, and a sum off one by any amount is refused (the exact references have no
/// tolerance).
#[test]
fn exact_prior_must_be_a_probability_vector() {
    let negative = vec![ratio(3, 2), ratio(-1, 2)];
    assert_eq!(
        ExactSwitch::with_prior(&negative, ratio(1, 2)).unwrap_err(),
        AveragingError::InvalidPrior {
            model: 1,
            value: -0.5
        }
    );
    let off = vec![ratio(1, 3), ratio(2, 3) + ratio(1, 1_000_000_000_000_000)];
    assert!(matches!(
        brute_force_with_prior(&off, &ratio(1, 2), &[]).unwrap_err(),
        AveragingError::ExactPriorSum { .. }
    ));
    assert_eq!(
        ExactSwitch::with_prior(&[], ratio(1, 2)).unwrap_err(),
        AveragingError::NoModels
    );
}
