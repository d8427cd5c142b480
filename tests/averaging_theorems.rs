//! Theorems about the model averages, each checked as a property over random cases.
//!
//! Each test's doc comment states the theorem; `theory/switch.md` gives the derivations.
//! Properties run under a fixed proptest seed (`switch_strategies::SEED`) so that every
//! failure replays. Exact rational results are compared with `==` or `>=` on purpose:
//! exactness is the property.

mod averaging_strategies;
mod switch_strategies;

use alrao::averaging::{
    brute_force, truncated_sequences, AveragingError, Bma, ExactSwitch, FixedShare, Method,
    ModelAverage, Switch,
};
use alrao::tolerance::{close, F64_VS_EXACT};
use averaging_strategies::{exact_prior, finite_rows, method, positive_prior, prior};
use num_rational::BigRational;
use num_traits::{One, Zero};
use proptest::prelude::*;
use switch_strategies::{
    config, exact_case, likelihood_rows, ln_rational, log_likelihood_rows, to_f64,
};

/// Slack for an inequality between f64 log-losses of tens of nats: `1e-12` relative.
fn slack(bound: f64) -> f64 {
    F64_VS_EXACT * bound.abs().max(1.0)
}

/// Feeds `rows` to `average` until the mixture's likelihood becomes zero; returns how many
/// rows it took.
fn feed(average: &mut dyn ModelAverage, rows: &[Vec<f64>]) -> usize {
    for (fed, row) in rows.iter().enumerate() {
        match average.update(row) {
            Ok(()) => {}
            Err(AveragingError::ZeroMixtureLikelihood { .. }) => return fed,
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    rows.len()
}

/// `-ln lik(s)`: the log-loss of predicting observation `i` with model `path[i]`.
fn path_log_loss(rows: &[Vec<f64>], path: &[usize]) -> f64 {
    -rows.iter().zip(path).map(|(row, &k)| row[k]).sum::<f64>()
}

/// Every model sequence `(k_1, ..., k_n)` over `n_models` models.
fn all_paths(n_models: usize, n: usize) -> Vec<Vec<usize>> {
    let mut paths = vec![vec![]];
    for _ in 0..n {
        paths = paths
            .into_iter()
            .flat_map(|path| {
                (0..n_models).map(move |k| {
                    let mut longer = path.clone();
                    longer.push(k);
                    longer
                })
            })
            .collect();
    }
    paths
}

proptest! {
    #![proptest_config(config(128))]

    /// **Bayes mixture bound for the switch.** For every truncated switch sequence `s` over
    /// `n` observations,
    ///
    /// `-ln P_sw(x_1..x_n) <= -ln pi~(s) - ln lik(s)`,
    ///
    /// because `P_sw = sum_s pi~(s) lik(s)` is a sum of non-negative terms; `pi~(s)` is the
    /// prior mass of all full sequences that agree with `s` up to `n`, so the bound also
    /// holds with the prior `pi(s)` of any full sequence extending `s`. Checked exactly
    /// (`P_sw >= pi~(s) lik(s)` in rationals, from the forward recursion) for every one of
    /// the `K (K+1)^n` sequences, K <= 3, n <= 4, and for the f64 switch's log-loss to
    /// `1e-12` relative.
    #[test]
    fn switch_log_loss_is_within_minus_log_prior_of_every_switch_sequence(
        (n_models, theta, rows) in exact_case(3, 4),
    ) {
        let mut exact = ExactSwitch::new(n_models, theta.clone()).unwrap();
        let mut float = Switch::new(n_models, to_f64(&theta)).unwrap();
        for row in &rows {
            if exact.update(row).is_err() {
                // the mixture's likelihood is zero, and so is every sequence's
                let sums = brute_force(n_models, &theta, &rows).unwrap();
                prop_assert!(sums.a.iter().chain(&sums.b).all(Zero::is_zero));
                return Ok(());
            }
            let log_row: Vec<f64> = row.iter().map(ln_rational).collect();
            float.update(&log_row).unwrap();
        }
        let total = exact.total_likelihood();
        let n = rows.len() as u64;
        for sequence in truncated_sequences(n_models, n) {
            let prior = sequence.prior(n_models, &theta, n);
            let pi = &prior.another_switch + &prior.no_more_switches;
            let lik: BigRational = (1..=n)
                .map(|i| &rows[(i - 1) as usize][sequence.model_at(i)])
                .product();
            // exact comparison between exact computations
            prop_assert!(total >= &pi * &lik, "{:?}", sequence);
            if !lik.is_zero() {
                let bound = -ln_rational(&pi) - ln_rational(&lik);
                let loss = float.cumulative_log_loss();
                prop_assert!(loss <= bound + slack(bound), "{:?}: {} > {}", sequence, loss, bound);
            }
        }
    }

    /// **Bayes mixture bound for BMA.** With prior `pi_K`, for every model `k`,
    ///
    /// `-ln P_bma(x_1..x_n) <= -ln pi_K(k) + L_k`,   `L_k = -sum_t ln p_k(x_t)`,
    ///
    /// since `P_bma = sum_j pi_K(j) exp(-L_j) >= pi_K(k) exp(-L_k)`; with the uniform prior,
    /// `ln K` plus the best model's log-loss. Up to 5 models, 40 observations, zero
    /// likelihoods included, to `1e-12` relative.
    #[test]
    fn bma_log_loss_is_within_minus_log_prior_of_each_model(
        (prior, rows) in (1usize..=5).prop_flat_map(|k| (prior(k), log_likelihood_rows(k, 40))),
    ) {
        let mut bma = Bma::with_prior(&prior).unwrap();
        let fed = feed(&mut bma, &rows);
        let loss = bma.cumulative_log_loss();
        for (k, &p) in prior.iter().enumerate() {
            let bound = -p.ln() + path_log_loss(&rows[..fed], &vec![k; fed]);
            prop_assert!(loss <= bound + slack(bound), "model {}: {} > {}", k, loss, bound);
        }
        let uniform = Bma::new(prior.len()).unwrap();
        prop_assert_eq!(uniform.prior(), &vec![1.0 / prior.len() as f64; prior.len()][..]);
    }

    /// **Tracking bound for fixed share** (Herbster and Warmuth 1998, for the update
    /// convention of `FixedShare`: loss update, then `w_k <- (1 - alpha) w_k + alpha
    /// pi_K(k)`). For every model sequence `(k_1, ..., k_n)` with `m` switches
    /// (`k_(i+1) != k_i`),
    ///
    /// `-ln P_fs <= L(k_1..k_n) - ln pi_K(k_1) + sum_(switches to j) ln(1/(alpha pi_K(j)))
    ///              + (n - 1 - m) ln(1/(1 - alpha))`,
    ///
    /// which with the uniform prior is `L + ln K + m ln(K/alpha) + (n-1-m) ln(1/(1-alpha))`.
    /// Fixed share is an HMM with transition `T(j -> k) = (1-alpha)[j = k] + alpha pi_K(k)`
    /// applied between observations (`n - 1` times), so `P_fs` is a sum over paths of
    /// `pi_K(k_1) prod T prod p`, and one path's term, with `T(k -> k) >= 1 - alpha` and
    /// `T(j -> k) = alpha pi_K(k)`, is the bound. All `K^n` paths, K <= 3, n <= 5, alpha in
    /// `[0, 1]` (0 and 1 included), to `1e-12` relative.
    #[test]
    fn fixed_share_log_loss_meets_the_tracking_bound(
        (prior, alpha, rows) in (1usize..=3, 0usize..=5).prop_flat_map(|(k, n)| (
            positive_prior(k),
            prop_oneof![Just(0.0), Just(0.01), Just(0.5), Just(1.0), 0.0f64..=1.0],
            finite_rows(k, n),
        )),
    ) {
        let mut fixed_share = FixedShare::with_prior(&prior, alpha).unwrap();
        feed(&mut fixed_share, &rows);
        let loss = fixed_share.cumulative_log_loss();
        let n = rows.len();
        if n == 0 {
            prop_assert_eq!(loss, 0.0);
            return Ok(());
        }
        for path in all_paths(prior.len(), n) {
            let mut bound = path_log_loss(&rows, &path) - prior[path[0]].ln();
            for pair in path.windows(2) {
                bound += if pair[0] == pair[1] {
                    -(1.0 - alpha).ln()
                } else {
                    -(alpha * prior[pair[1]]).ln()
                };
            }
            prop_assert!(loss <= bound + slack(bound), "{:?}: {} > {}", path, loss, bound);
        }
    }

    /// **Mass conservation of the switch step.** Steps 2 to 4 of the recursion (pool and
    /// share) leave the total weight unchanged, so the total after an observation is the
    /// total before it times the mixture's predictive likelihood:
    /// `sum_k (w_a + w_b)^(i) = sum_k (w_a + w_b)^(i-1) p_k(x_i)`, exactly in rationals.
    /// The f64 switch's saved weights total one to `1e-12` after every step.
    #[test]
    fn switch_step_conserves_mass(
        (n_models, theta, rows) in exact_case(4, 12),
    ) {
        let mut exact = ExactSwitch::new(n_models, theta.clone()).unwrap();
        let mut float = Switch::new(n_models, to_f64(&theta)).unwrap();
        for row in &rows {
            let before: BigRational = exact
                .w_a()
                .iter()
                .zip(exact.w_b())
                .zip(row)
                .map(|((a, b), p)| (a + b) * p)
                .sum();
            if exact.update(row).is_err() {
                break;
            }
            // exact equality between exact computations
            prop_assert_eq!(exact.total_likelihood(), before);
            let log_row: Vec<f64> = row.iter().map(ln_rational).collect();
            float.update(&log_row).unwrap();
            let state = float.state();
            let mass: f64 = state.w_a.iter().chain(&state.w_b).sum();
            prop_assert!(close(mass, 1.0, F64_VS_EXACT), "mass {}", mass);
        }
    }

    /// **Permutation equivariance.** Relabelling the models (their prior and their
    /// likelihoods by the same permutation `sigma`) relabels the posterior and leaves the
    /// log-loss unchanged: `a'_k = a_(sigma(k))`. Every method, up to 5 models, 30
    /// observations, to `1e-12`.
    #[test]
    fn posterior_permutes_with_the_models(
        (method, prior, rows, permutation) in (1usize..=5).prop_flat_map(|k| (
            method(),
            positive_prior(k),
            log_likelihood_rows(k, 30),
            Just((0..k).collect::<Vec<usize>>()).prop_shuffle(),
        )),
    ) {
        let permute = |xs: &[f64]| permutation.iter().map(|&j| xs[j]).collect::<Vec<f64>>();
        let mut original = method.build(&prior).unwrap();
        let mut relabelled = method.build(&permute(&prior)).unwrap();
        let permuted_rows: Vec<Vec<f64>> = rows.iter().map(|row| permute(row)).collect();
        let fed = feed(original.as_mut(), &rows);
        prop_assert_eq!(feed(relabelled.as_mut(), &permuted_rows[..fed]), fed);
        let expected = permute(&original.posterior());
        for (k, (a, b)) in relabelled.posterior().iter().zip(&expected).enumerate() {
            prop_assert!(close(*a, *b, F64_VS_EXACT), "model {}: {} vs {}", k, a, b);
        }
        prop_assert!(close(
            relabelled.cumulative_log_loss(),
            original.cumulative_log_loss(),
            F64_VS_EXACT
        ));
    }

    /// **Identical models keep their prior.** If every model gives every observation the
    /// same likelihood, the posterior stays the prior (any prior, zeros included): the loss
    /// update multiplies all weights by one number, and the switch's pool and fixed share's
    /// share hand mass out in proportion to the prior, so `w_a[k]`, `w_b[k]` and `w[k]`
    /// stay proportional to `pi_K(k)`. The log-loss is the models' common one. Every
    /// method, up to 6 models, 30 observations, to `1e-12`.
    #[test]
    fn identical_models_keep_their_prior(
        (method, prior, values) in (1usize..=6).prop_flat_map(|k| (
            method(),
            prior(k),
            prop::collection::vec(-12.0f64..2.0, 0..30),
        )),
    ) {
        let mut average = method.build(&prior).unwrap();
        for &x in &values {
            average.update(&vec![x; prior.len()]).unwrap();
            for (k, (a, p)) in average.posterior().iter().zip(&prior).enumerate() {
                prop_assert!(close(*a, *p, F64_VS_EXACT), "model {}: {} vs prior {}", k, a, p);
            }
        }
        let own_loss = -values.iter().sum::<f64>();
        prop_assert!(close(average.cumulative_log_loss(), own_loss, F64_VS_EXACT));
    }

    /// **theta = 0 is BMA's closed form**, with any prior:
    /// `a_k = pi_K(k) prod_t p_k(x_t) / sum_j pi_K(j) prod_t p_j(x_t)`, computed exactly in
    /// rationals; `Switch::with_prior(prior, 0)` and `Bma::with_prior(prior)` both match it
    /// to `1e-12`, and their log-losses match `-ln sum_j pi_K(j) prod_t p_j(x_t)`.
    #[test]
    fn theta_zero_and_bma_equal_the_closed_form(
        (exact_prior, rows) in (1usize..=4, 0usize..=10)
            .prop_flat_map(|(k, n)| (exact_prior(k), likelihood_rows(k, n))),
    ) {
        let joint: Vec<BigRational> = exact_prior
            .iter()
            .enumerate()
            .map(|(k, p)| rows.iter().map(|row| &row[k]).product::<BigRational>() * p)
            .collect();
        let total: BigRational = joint.iter().sum();
        let prior: Vec<f64> = exact_prior.iter().map(to_f64).collect();
        let mut switch = Switch::with_prior(&prior, 0.0).unwrap();
        let mut bma = Bma::with_prior(&prior).unwrap();
        let log_rows: Vec<Vec<f64>> =
            rows.iter().map(|row| row.iter().map(ln_rational).collect()).collect();
        let fed_switch = feed(&mut switch, &log_rows);
        let fed_bma = feed(&mut bma, &log_rows);
        prop_assert_eq!(fed_switch, fed_bma);
        if total.is_zero() {
            prop_assert!(fed_switch < rows.len());
            return Ok(());
        }
        prop_assert_eq!(fed_switch, rows.len());
        let expected_loss = -ln_rational(&total);
        for average in [&switch as &dyn ModelAverage, &bma] {
            for (k, (a, j)) in average.posterior().iter().zip(&joint).enumerate() {
                let exact = to_f64(&(j / &total));
                prop_assert!(close(*a, exact, F64_VS_EXACT), "model {}: {} vs {}", k, a, exact);
            }
            prop_assert!(close(average.cumulative_log_loss(), expected_loss, F64_VS_EXACT));
        }
    }

    /// **Raising a model's likelihood does not lower its posterior.** For the same history,
    /// an observation on which model `j`'s log-likelihood is raised by `delta > 0` leaves
    /// `a_j` after that observation at least as large. For the switch, `a_j` after the step
    /// is a ratio of affine functions of `e = p_j(x_i)`, hence monotone, going from at most
    /// `h pi_K(j)` at `e = 0` to at least `1 - h >= 1/2` as `e -> inf`, hence increasing;
    /// for fixed share `a_j = (1 - alpha) u_j + alpha pi_K(j)` with `u_j` the loss-updated
    /// weight, increasing in `e`; BMA is fixed share with `alpha = 0`. Every method, up to
    /// 5 models, to `1e-14`.
    #[test]
    fn raising_a_likelihood_does_not_lower_that_posterior(
        (method, prior, history, row, model, delta) in (1usize..=5).prop_flat_map(|k| (
            method(),
            positive_prior(k),
            finite_rows(k, 10),
            prop::collection::vec(-12.0f64..2.0, k),
            0..k,
            0.0f64..10.0,
        )),
    ) {
        let mut average = method.build(&prior).unwrap();
        feed(average.as_mut(), &history);
        let mut plain = average.save().restore().unwrap();
        plain.update(&row).unwrap();
        let mut raised_row = row.clone();
        raised_row[model] += delta;
        average.update(&raised_row).unwrap();
        let (raised, base) = (average.posterior()[model], plain.posterior()[model]);
        prop_assert!(raised >= base - 1e-14, "{} < {}", raised, base);
    }

    /// **Saved states continue bit for bit**, for every method, through JSON.
    #[test]
    fn every_method_restores_bit_identically(
        (method, prior, first, second) in (1usize..=5).prop_flat_map(|k| (
            method(),
            prior(k),
            log_likelihood_rows(k, 15),
            log_likelihood_rows(k, 15),
        )),
    ) {
        let mut uninterrupted = method.build(&prior).unwrap();
        let mut saved = method.build(&prior).unwrap();
        for row in &first {
            prop_assert_eq!(uninterrupted.update(row), saved.update(row));
        }
        let json = serde_json::to_string(&saved.save()).unwrap();
        let state: alrao::averaging::AveragingState = serde_json::from_str(&json).unwrap();
        let mut resumed = state.restore().unwrap();
        prop_assert_eq!(resumed.method(), method);
        for row in &second {
            prop_assert_eq!(uninterrupted.update(row), resumed.update(row));
        }
        let bits = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(resumed.log_posterior()), bits(uninterrupted.log_posterior()));
        prop_assert_eq!(
            resumed.cumulative_log_loss().to_bits(),
            uninterrupted.cumulative_log_loss().to_bits()
        );
        prop_assert_eq!(resumed.steps(), uninterrupted.steps());
    }
}

/// The first step (1-based) after which `average`'s posterior on model 1 exceeds one half.
fn step_passing_one_half(average: &mut dyn ModelAverage, rows: &[Vec<f64>]) -> Option<usize> {
    for (i, row) in rows.iter().enumerate() {
        average.update(row).unwrap();
        if average.posterior()[1] > 0.5 {
            return Some(i + 1);
        }
    }
    None
}

/// **The catch-up effect.** Model A gives every observation probability 1/2; model B
/// gives 1/4 for the first 1000 observations and 3/4 after. B is better from observation
/// 1001. BMA's log-odds for B are `1000 ln(1/2) + (t - 1000) ln(3/2)`, so its posterior
/// on B passes 1/2 only after observation `1000 + ceil(1000 ln 2 / ln 1.5) = 2710`. The
/// switch (theta = 0.999, uniform prior) explains the data by switching to B near 1000, at
/// a prior cost of order `ln 1000 = 6.9` nats that B's `ln 1.5 = 0.41` nats per
/// observation repay quickly: its posterior on B passes 1/2 after observation 1016, 16
/// observations after B became better, against BMA's 1710. Fixed share (alpha = 0.01,
/// switch cost about `ln(2/alpha) = 5.3` nats) passes after observation 1010.
#[test]
fn switch_catches_up_far_earlier_than_bma() {
    let rows: Vec<Vec<f64>> = (1..=4000)
        .map(|t| {
            vec![
                0.5f64.ln(),
                if t <= 1000 {
                    0.25f64.ln()
                } else {
                    0.75f64.ln()
                },
            ]
        })
        .collect();
    let passes = |method: Method| {
        let mut average = method.build(&[0.5, 0.5]).unwrap();
        step_passing_one_half(average.as_mut(), &rows)
    };
    let bma = passes(Method::Bma);
    let switch = passes(Method::Switch { theta: 0.999 });
    let fixed_share = passes(Method::FixedShare { alpha: 0.01 });
    eprintln!("passes 1/2: BMA {bma:?}, switch {switch:?}, fixed share {fixed_share:?}");
    let closed_form = 1000 + (1000.0 * 2f64.ln() / 1.5f64.ln()).ceil() as usize;
    assert_eq!(bma, Some(closed_form));
    assert_eq!(bma, Some(2710));
    assert_eq!(switch, Some(1016));
    assert_eq!(fixed_share, Some(1010));
}

/// Bad parameters are errors naming the parameter and its value.
#[test]
fn constructors_reject_bad_priors_and_rates() {
    assert_eq!(
        Switch::with_prior(&[0.5, 0.4], 0.9),
        Err(AveragingError::PriorSum { sum: 0.9 })
    );
    assert_eq!(
        Bma::with_prior(&[1.5, -0.5]).unwrap_err(),
        AveragingError::InvalidPrior {
            model: 1,
            value: -0.5
        }
    );
    assert!(matches!(
        FixedShare::with_prior(&[f64::NAN, 1.0], 0.1),
        Err(AveragingError::InvalidPrior { model: 0, .. })
    ));
    assert_eq!(
        FixedShare::new(2, 1.5).unwrap_err(),
        AveragingError::AlphaOutOfRange { alpha: 1.5 }
    );
    assert_eq!(Bma::with_prior(&[]).unwrap_err(), AveragingError::NoModels);
    assert!(Method::Switch { theta: 1.0 }.build(&[1.0]).is_err());
    // a decimal prior that sums to one only up to rounding is accepted
    assert!(Switch::with_prior(&[0.1; 10], 0.9).is_ok());
    let one = BigRational::one();
    assert!(ExactSwitch::new(1, one).is_err());
}

/// `Bma::from_state` refuses a state that does not describe a posterior: a log posterior
/// of the wrong length, holding NaN or `+inf`, or not normalised (weights totalling 2), and
/// a log-loss that is not finite; a saved state restores to an equal average.
#[test]
fn bma_from_state_rejects_invalid_states() {
    let mut bma = Bma::with_prior(&[0.5, 0.25, 0.25]).unwrap();
    bma.update(&[-1.0, -2.0, f64::NEG_INFINITY]).unwrap();
    let good = bma.state();
    assert_eq!(Bma::from_state(good.clone()).unwrap(), bma);
    let with = |edit: &dyn Fn(&mut alrao::averaging::BmaState)| {
        let mut state = good.clone();
        edit(&mut state);
        Bma::from_state(state).unwrap_err()
    };
    let field = |e: AveragingError| match e {
        AveragingError::InvalidState { field, .. } => field,
        other => panic!("expected InvalidState, got {other}"),
    };
    assert_eq!(
        field(with(&|s| s.log_posterior.pop().map(drop).unwrap())),
        "log_posterior"
    );
    assert_eq!(
        field(with(&|s| s.log_posterior[0] = f64::NAN)),
        "log_posterior"
    );
    assert_eq!(
        field(with(&|s| s.log_posterior[1] = f64::INFINITY)),
        "log_posterior"
    );
    assert_eq!(
        field(with(&|s| s
            .log_posterior
            .iter_mut()
            .for_each(|a| *a += 2f64.ln()))),
        "log_posterior"
    );
    assert_eq!(
        field(with(&|s| s.cumulative_log_loss = f64::NAN)),
        "cumulative_log_loss"
    );
}

/// A saved state with a field its method does not have (here a `theta` in a BMA state, as
/// if a switch's state had been edited into it) is refused, not half-read.
#[test]
fn saved_states_refuse_unknown_fields() {
    let mut bma = Bma::new(2).unwrap();
    bma.update(&[-1.0, -2.0]).unwrap();
    let mut json: serde_json::Value = serde_json::to_value(bma.save()).unwrap();
    assert_eq!(
        serde_json::from_value::<alrao::averaging::AveragingState>(json.clone())
            .unwrap()
            .restore()
            .unwrap()
            .posterior(),
        bma.posterior()
    );
    json["theta"] = serde_json::Value::String("0.5".into());
    let error = serde_json::from_value::<alrao::averaging::AveragingState>(json).unwrap_err();
    assert!(error.to_string().contains("theta"), "{error}");
}
