//! The run's seeded randomness.
//!
//! One seed decides everything random in a run. Each use draws from its own ChaCha8 stream
//! of that seed, so that, for instance, changing the number of output copies does not change
//! the pre-classifier's initial weights or the order of the minibatches, and two optimizers run
//! with the same seed see the same initial network and the same batches.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for; each purpose is a separate ChaCha8 stream of the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Initial weights of the pre-classifier (the network below the output layer).
    PreClassifierInit = 1,
    /// Initial weights of the output layer or of its copies.
    OutputInit = 2,
    /// The per-feature learning rates of Alrao.
    LearningRates = 3,
    /// The order of the training examples in each epoch.
    Shuffle = 4,
}

/// The ChaCha8 generator for `purpose` under `seed`.
pub fn stream(seed: u64, purpose: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(purpose as u64);
    rng
}
