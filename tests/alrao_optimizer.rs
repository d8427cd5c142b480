//! Properties of the Alrao optimizer on small networks, in f64 so that two routes to the same
//! mathematics can be compared tightly (tolerances from `alrao::tolerance`).
#![cfg(feature = "training")]

use alrao::averaging::{ObservationMode, Switch};
use alrao::tolerance::{close, F64_SAME_MATH};
use alrao::training::rng::{stream, Stream};
use alrao::training::{
    copy_learning_rates, Alrao, AlraoConfig, Baseline, BaselineConfig, FeatureLearningRates,
    Likelihood, LinearCopies, Mlp, MlpSpec, ParamStore, PreClassifier,
};
use candle_core::{DType, Device, Tensor, Var, D};
use rand::Rng;

const N_IN: usize = 12;
const N_CLASSES: usize = 5;

fn batch(seed: u64, b: usize) -> (Tensor, Tensor) {
    let mut rng = stream(seed, Stream::Shuffle);
    let x: Vec<f64> = (0..b * N_IN)
        .map(|_| rng.random::<f64>() * 2.0 - 1.0)
        .collect();
    let y: Vec<u32> = (0..b)
        .map(|_| rng.random_range(0..N_CLASSES as u32))
        .collect();
    (
        Tensor::from_vec(x, (b, N_IN), &Device::Cpu).unwrap(),
        Tensor::from_vec(y, b, &Device::Cpu).unwrap(),
    )
}

fn mlp(spec: &str, seed: u64) -> Mlp {
    let spec: MlpSpec = spec.parse().unwrap();
    let mut rng = stream(seed, Stream::PreClassifierInit);
    Mlp::new(&spec, N_IN, &Device::Cpu, DType::F64, &mut rng).unwrap()
}

fn values(t: &Tensor) -> Vec<f64> {
    t.flatten_all().unwrap().to_vec1::<f64>().unwrap()
}

fn assert_all_close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(close(*x, *y, F64_SAME_MATH), "{what}[{i}]: {x} vs {y}");
    }
}

/// With eta_min = eta_max = lr and one copy, Alrao is plain SGD: after several steps on the
/// same batches, every weight of the pre-classifier and of the output layer is the same.
fn alrao_one_copy_equals_sgd(spec: &str) {
    let lr = 0.05;
    let seed = 7;
    let pre_alrao = mlp(spec, seed);
    let pre_sgd = mlp(spec, seed);
    let config = AlraoConfig {
        eta_min: lr,
        eta_max: lr,
        copies: 1,
        theta: 0.999,
        observation: ObservationMode::MinibatchMean,
    };
    let mut alrao =
        Alrao::new(&pre_alrao, N_CLASSES, Likelihood::Categorical, config, seed).unwrap();
    let mut sgd = Baseline::new(&pre_sgd, N_CLASSES, BaselineConfig::Sgd { lr }, seed).unwrap();

    // same starting point, so that the comparison below is about the updates
    let (w0, _) = alrao.copies().copy(0).unwrap();
    let w0_sgd = sgd
        .output_params()
        .get("output.weight")
        .unwrap()
        .var
        .as_tensor()
        .clone();
    assert_all_close(&values(&w0), &values(&w0_sgd), "initial output weight");

    for step in 0..6 {
        let (x, y) = batch(100 + step, 16);
        alrao.step(&pre_alrao, &x, &y).unwrap();
        sgd.step_classifier(&pre_sgd, &x, &y).unwrap();
    }
    let mut moved = false;
    for ((name, a), (_, s)) in pre_alrao.params().params().zip(pre_sgd.params().params()) {
        let (va, vs) = (values(a.var.as_tensor()), values(s.var.as_tensor()));
        assert_all_close(&va, &vs, name);
        moved |= va != values(mlp(spec, seed).params().get(name).unwrap().var.as_tensor());
    }
    assert!(
        moved,
        "the pre-classifier did not move; the comparison would be vacuous"
    );
    let (w, b) = alrao.copies().copy(0).unwrap();
    let out = sgd.output_params();
    assert_all_close(
        &values(&w),
        &values(out.get("output.weight").unwrap().var.as_tensor()),
        "w",
    );
    assert_all_close(
        &values(&b),
        &values(out.get("output.bias").unwrap().var.as_tensor()),
        "b",
    );
}

#[test]
fn one_copy_with_equal_bounds_is_sgd_for_tanh_mlp() {
    alrao_one_copy_equals_sgd("mlp:8x6");
}

#[test]
fn one_copy_with_equal_bounds_is_sgd_for_batchnorm_mlp() {
    alrao_one_copy_equals_sgd("mlp-bn:8x6");
}

/// The closed-form gradient of the mixture loss with respect to the pre-classifier's output
/// equals autograd's gradient of `-(1/B) sum_b ln sum_j a_j p_j(y_b | z_b)`, for classifier and
/// regressor copies, with a non-uniform posterior.
#[test]
fn mixture_gradient_matches_autograd() {
    let dev = Device::Cpu;
    for likelihood in [Likelihood::Categorical, Likelihood::Gaussian] {
        let mut rng = stream(3, Stream::OutputInit);
        let etas = copy_learning_rates(1e-3, 1.0, 4).unwrap();
        let copies = LinearCopies::new(6, 3, etas, likelihood, &dev, DType::F64, &mut rng).unwrap();
        let zv: Vec<f64> = (0..5 * 6)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 4.0)
            .collect();
        let z = Var::from_vec(zv, (5, 6), &dev).unwrap();
        let target = match likelihood {
            Likelihood::Categorical => Tensor::new(&[0u32, 2, 1, 1, 0], &dev).unwrap(),
            Likelihood::Gaussian => Tensor::from_vec(
                (0..15).map(|i| (i as f64 * 0.3).sin()).collect::<Vec<_>>(),
                (5, 3),
                &dev,
            )
            .unwrap(),
        };
        let log_post: Vec<f64> = [0.1f64, 0.2, 0.3, 0.4].iter().map(|p| p.ln()).collect();
        let log_post_t = Tensor::from_vec(log_post.clone(), (1, 4), &dev).unwrap();

        // closed form
        let scores = copies.score(&z.as_tensor().detach(), &target).unwrap();
        let joint = scores.log_likelihood.broadcast_add(&log_post_t).unwrap();
        let lm = joint.log_sum_exp(1).unwrap();
        let resp = (joint
            .broadcast_sub(&lm.unsqueeze(1).unwrap())
            .unwrap()
            .exp()
            .unwrap()
            / 5.0)
            .unwrap();
        let closed = copies.input_gradient(&scores, &resp).unwrap();

        // autograd through the same copies, with z as the variable
        let raw = copies.forward(z.as_tensor()).unwrap();
        let ll = match likelihood {
            Likelihood::Categorical => candle_nn::ops::log_softmax(&raw, D::Minus1)
                .unwrap()
                .gather(
                    &target
                        .reshape((5, 1, 1))
                        .unwrap()
                        .broadcast_as((5, 4, 1))
                        .unwrap()
                        .contiguous()
                        .unwrap(),
                    2,
                )
                .unwrap()
                .squeeze(2)
                .unwrap(),
            Likelihood::Gaussian => {
                let d = raw
                    .broadcast_sub(&target.reshape((5, 1, 3)).unwrap())
                    .unwrap();
                (d.sqr().unwrap().sum(2).unwrap() * -0.5).unwrap()
            }
        };
        let loss = ll
            .broadcast_add(&log_post_t)
            .unwrap()
            .log_sum_exp(1)
            .unwrap()
            .mean_all()
            .unwrap()
            .neg()
            .unwrap();
        let grads = loss.backward().unwrap();
        let auto = grads.get(z.as_tensor()).unwrap();
        assert_all_close(
            &values(&closed),
            &values(auto),
            &format!("{likelihood:?} dL/dz"),
        );
    }
}

/// Each copy's update is the gradient step on its own mean loss with its own rate: the closed
/// form agrees with autograd on `-(1/B) sum_b ln p_j(y_b | z_b)` copy by copy.
#[test]
fn copy_step_follows_its_own_loss_with_its_own_rate() {
    let dev = Device::Cpu;
    let etas = copy_learning_rates(1e-2, 1.0, 3).unwrap();
    let mut rng = stream(5, Stream::OutputInit);
    let mut copies = LinearCopies::new(
        4,
        3,
        etas.clone(),
        Likelihood::Categorical,
        &dev,
        DType::F64,
        &mut rng,
    )
    .unwrap();
    let z = Tensor::from_vec(
        (0..8 * 4)
            .map(|i| (i as f64 * 0.7).cos())
            .collect::<Vec<_>>(),
        (8, 4),
        &dev,
    )
    .unwrap();
    let y = Tensor::new(&[0u32, 1, 2, 2, 1, 0, 0, 1], &dev).unwrap();
    let before: Vec<(Tensor, Tensor)> = (0..3).map(|j| copies.copy(j).unwrap()).collect();
    let scores = copies.score(&z, &y).unwrap();
    copies.step(&z, &scores).unwrap();
    for (j, (w, b)) in before.iter().enumerate() {
        let wv = Var::from_tensor(w).unwrap();
        let bv = Var::from_tensor(b).unwrap();
        let logits = z
            .matmul(&wv.as_tensor().t().unwrap())
            .unwrap()
            .broadcast_add(bv.as_tensor())
            .unwrap();
        let lp = candle_nn::ops::log_softmax(&logits, D::Minus1).unwrap();
        let loss = candle_nn::loss::nll(&lp, &y).unwrap();
        let g = loss.backward().unwrap();
        let w_next = (w - (g.get(wv.as_tensor()).unwrap() * etas[j]).unwrap()).unwrap();
        let b_next = (b - (g.get(bv.as_tensor()).unwrap() * etas[j]).unwrap()).unwrap();
        let (w_now, b_now) = copies.copy(j).unwrap();
        assert_all_close(
            &values(&w_now),
            &values(&w_next),
            &format!("copy {j} weight"),
        );
        assert_all_close(&values(&b_now), &values(&b_next), &format!("copy {j} bias"));
    }
}

/// The switch is updated with the copies' likelihoods from before the step: after one step its
/// posterior equals that of a fresh switch fed the mean log-likelihoods of the copies computed
/// on the pre-step network.
#[test]
fn switch_sees_likelihoods_from_before_the_step() {
    let pre = mlp("mlp:8", 11);
    let config = AlraoConfig {
        copies: 4,
        eta_min: 1e-3,
        eta_max: 1.0,
        ..AlraoConfig::default()
    };
    let mut alrao = Alrao::new(&pre, N_CLASSES, Likelihood::Categorical, config, 11).unwrap();
    let (x, y) = batch(1, 16);
    let z = pre.forward_t(&x, true).unwrap();
    let scores = alrao.copies().score(&z, &y).unwrap();
    let ll: Vec<Vec<f64>> = scores.log_likelihood.to_vec2().unwrap();
    let means: Vec<f64> = (0..4)
        .map(|j| ll.iter().map(|r| r[j]).sum::<f64>() / 16.0)
        .collect();
    let mut reference = Switch::new(4, 0.999).unwrap();
    reference.update(&means).unwrap();
    let step = alrao.step(&pre, &x, &y).unwrap();
    assert_eq!(alrao.switch().steps(), 1);
    assert_all_close(
        &alrao.switch().posterior(),
        &reference.posterior(),
        "posterior",
    );
    let losses: Vec<f64> = means.iter().map(|m| -m).collect();
    assert_all_close(&step.copy_losses, &losses, "copy losses");
}

/// Per-feature rates: every row of a Linear weight shares one rate with its bias entry, rates
/// lie in [eta_min, eta_max], and the same seed gives the same rate to the same parameter name
/// whatever order the layers were registered in.
#[test]
fn feature_rates_are_per_unit_in_range_and_keyed_by_name() {
    let dev = Device::Cpu;
    let build = |order: &[&str]| {
        let mut store = ParamStore::new(&dev, DType::F64);
        let mut rng = stream(1, Stream::PreClassifierInit);
        for name in order {
            alrao::training::layers::Linear::new(&mut store, name, 3, 4, &mut rng).unwrap();
        }
        let mut rate_rng = stream(9, Stream::LearningRates);
        FeatureLearningRates::draw(&store, 1e-4, 1.0, &mut rate_rng).unwrap()
    };
    let a = build(&["alpha", "beta"]);
    let b = build(&["beta", "alpha"]);
    for name in ["alpha.weight", "alpha.bias", "beta.weight", "beta.bias"] {
        assert_eq!(
            values(a.for_param(name).unwrap()),
            values(b.for_param(name).unwrap()),
            "{name}"
        );
    }
    let w = values(a.for_param("alpha.weight").unwrap());
    let bias = values(a.for_param("alpha.bias").unwrap());
    assert_eq!(a.for_param("alpha.weight").unwrap().dims(), &[4, 1]);
    assert_eq!(w, bias, "a unit's row and its bias entry share one rate");
    assert!(a.all_rates().iter().all(|&r| (1e-4..=1.0).contains(&r)));
    let distinct: std::collections::BTreeSet<u64> = w.iter().map(|r| r.to_bits()).collect();
    assert_eq!(distinct.len(), 4, "each unit draws its own rate");
}

/// The copies' rates are log-spaced with both ends included, and one copy gets eta_min.
#[test]
fn copy_rates_are_log_spaced_with_both_ends() {
    let r = copy_learning_rates(1e-5, 10.0, 7).unwrap();
    assert_eq!(r[0], 1e-5);
    assert_eq!(r[6], 10.0);
    for w in r.windows(2) {
        assert!(close(w[1] / w[0], 10.0, F64_SAME_MATH), "{w:?}");
    }
    assert_eq!(copy_learning_rates(1e-3, 1.0, 1).unwrap(), vec![1e-3]);
    assert!(copy_learning_rates(1.0, 0.1, 3).is_err());
    assert!(copy_learning_rates(1e-3, 1.0, 0).is_err());
}
