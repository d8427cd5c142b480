//! One training step of a Fashion-MNIST-sized MLP (784 -> 256 -> 256, tanh, batch 32, f32,
//! CPU): plain SGD with one output layer against Alrao with 1 and 10 output copies.
//!
//! Run with `cargo bench --bench alrao_step`; figures in benches/README.md.

use alrao::training::rng::{stream, Stream};
use alrao::training::{Alrao, AlraoConfig, Baseline, BaselineConfig, Likelihood, Mlp, MlpSpec};
use candle_core::{DType, Device, Tensor};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::Rng;

const N_IN: usize = 784;
const BATCH: usize = 32;

fn batch() -> (Tensor, Tensor) {
    let mut rng = stream(0, Stream::Shuffle);
    let x: Vec<f32> = (0..BATCH * N_IN).map(|_| rng.random::<f32>()).collect();
    let y: Vec<u32> = (0..BATCH).map(|_| rng.random_range(0..10)).collect();
    (
        Tensor::from_vec(x, (BATCH, N_IN), &Device::Cpu).unwrap(),
        Tensor::from_vec(y, BATCH, &Device::Cpu).unwrap(),
    )
}

fn mlp() -> Mlp {
    let spec: MlpSpec = "mlp:256x256".parse().unwrap();
    Mlp::new(
        &spec,
        N_IN,
        &Device::Cpu,
        DType::F32,
        &mut stream(1, Stream::PreClassifierInit),
    )
    .unwrap()
}

fn step(c: &mut Criterion) {
    let (x, y) = batch();
    let mut group = c.benchmark_group("train_step_mlp_784_256_256_batch32");

    let pre = mlp();
    let mut sgd = Baseline::new(&pre, 10, BaselineConfig::Sgd { lr: 1e-3 }, 1).unwrap();
    group.bench_function("sgd", |b| {
        b.iter(|| sgd.step_classifier(&pre, &x, &y).unwrap())
    });

    for copies in [1, 10] {
        let pre = mlp();
        // small rates, so that the weights stay put over the many timed steps
        let config = AlraoConfig {
            eta_min: 1e-6,
            eta_max: 1e-3,
            copies,
            ..Default::default()
        };
        let mut alrao = Alrao::new(&pre, 10, Likelihood::Categorical, config, 1).unwrap();
        group.bench_function(format!("alrao_{copies}_copies"), |b| {
            b.iter(|| alrao.step(&pre, &x, &y).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
