//! The training layer, on candle: per-feature learning rates, output copies, the Alrao
//! optimizer, the baselines, the models and the experiment runner.
//!
//! - [`features`]: the registry that says which learning rate each weight gets;
//! - [`layers`], [`models`]: layers and pre-classifiers that register their parameters;
//! - [`copies`]: the output layer's `K` copies, as one stacked product;
//! - [`alrao`]: the optimizer of Algorithm 1;
//! - [`baselines`]: SGD and Adam with one learning rate;
//! - [`runner`]: a run from data to a result on disk.

pub mod alrao;
pub mod baselines;
pub mod copies;
pub mod error;
pub mod features;
pub mod layers;
pub mod models;
pub mod rng;
pub mod runner;

pub use alrao::{Alrao, AlraoConfig, AlraoStep};
pub use baselines::{Baseline, BaselineConfig};
pub use copies::{copy_learning_rates, CopyScores, Likelihood, LinearCopies};
pub use error::{Result, TrainingError};
pub use features::{FeatureLayout, FeatureLearningRates, Param, ParamStore};
pub use models::{Mlp, MlpKind, MlpSpec, PreClassifier};
pub use runner::{
    best_by_validation, run_classification, write_atomic, write_json_atomic, EpochRecord,
    OptimizerConfig, RunConfig, RunEvent, RunResult,
};
