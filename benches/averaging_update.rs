//! One observation's update of each model average, for K in {2, 10, 100, 1000} models.
//!
//! The log-likelihood rows are fixed and cycled (64 rows per K, drawn once from a seeded
//! generator), so every iteration does the same work as one training step's switch update
//! in `ObservationMode::MinibatchMean`. Figures and the command are in `benches/README.md`.

use std::hint::black_box;

use alrao::averaging::{uniform_prior, Method, ModelAverage};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// The number of fixed rows cycled over; a power of two.
const ROWS: usize = 64;

/// `ROWS` rows of `n_models` log-likelihoods in `[-3, 0)`, from a fixed linear congruential
/// sequence.
fn rows(n_models: usize) -> Vec<Vec<f64>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..ROWS)
        .map(|_| {
            (0..n_models)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    -3.0 * (state >> 11) as f64 / (1u64 << 53) as f64
                })
                .collect()
        })
        .collect()
}

fn averaging_update(c: &mut Criterion) {
    let methods = [
        ("switch", Method::Switch { theta: 0.999 }),
        ("bma", Method::Bma),
        ("fixed_share", Method::FixedShare { alpha: 0.01 }),
    ];
    for (name, method) in methods {
        let mut group = c.benchmark_group(format!("averaging_update/{name}"));
        for n_models in [2usize, 10, 100, 1000] {
            let rows = rows(n_models);
            let mut average: Box<dyn ModelAverage> =
                method.build(&uniform_prior(n_models).unwrap()).unwrap();
            let mut i = 0;
            group.throughput(Throughput::Elements(1));
            group.bench_function(BenchmarkId::from_parameter(n_models), |b| {
                b.iter(|| {
                    // ROWS is a power of two: a mask, not a division, so that the loop
                    // costs next to nothing beside the update it measures
                    i = (i + 1) & (ROWS - 1);
                    average.update(black_box(&rows[i])).unwrap();
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = averaging_update
}
criterion_main!(benches);
