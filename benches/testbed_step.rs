//! One full-batch step of full-batch Alrao on the 8x8 digits (1,797 samples, 64 pixels plus
//! the intercept, 10 classes, softmax): K = 10 copies with rates spread over [1e-5, 10],
//! Bayesian model averaging. One step is each copy's gradient step, the evaluation of every
//! copy's loss and gradient (two `1797 x 65` by `65 x 100` matrix products and the softmax
//! of every sample under every copy) and the averaging update. Figures and the command are
//! in `benches/README.md`. Needs the data (`scripts/fetch-data.sh`).

use std::hint::black_box;

use alrao::averaging::Method;
use alrao::data::{data_dir, load_sklearn, SklearnDataSet};
use alrao::testbed::{FullBatchAlrao, LogisticProblem};
use criterion::{criterion_group, criterion_main, Criterion};

fn testbed_step(c: &mut Criterion) {
    let data = load_sklearn(SklearnDataSet::Digits, &data_dir())
        .unwrap_or_else(|e| panic!("{e} (run scripts/fetch-data.sh)"));
    let problem = LogisticProblem::from_tabular(&data, 1e-2).unwrap();
    let rates: Vec<f64> = (0..10)
        .map(|j| 1e-5 * 10f64.powf(6.0 * j as f64 / 9.0))
        .collect();
    let mut alrao = FullBatchAlrao::new(&problem, &rates, Method::Bma).unwrap();
    c.bench_function("testbed_step/digits/k10", |b| {
        b.iter(|| black_box(alrao.step().unwrap()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(2))
        .measurement_time(std::time::Duration::from_secs(10));
    targets = testbed_step
}
criterion_main!(benches);
