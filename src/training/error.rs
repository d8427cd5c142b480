//! Errors of the training layer.

use std::path::PathBuf;

/// What can go wrong while building or training a network with alrao.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainingError {
    /// A tensor operation failed (shapes, dtypes, devices).
    #[error("tensor operation failed: {0}")]
    Tensor(#[from] candle_core::Error),
    /// The switch rejected an update (a NaN likelihood, say).
    #[error(transparent)]
    Averaging(#[from] crate::averaging::AveragingError),
    /// A data set could not be read.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// `eta_min` must be a positive finite number.
    #[error("eta_min must be positive and finite, got {eta_min}")]
    EtaMin {
        /// The rejected value.
        eta_min: f64,
    },
    /// `eta_max` must be finite and at least `eta_min`.
    #[error("eta_max must be finite and at least eta_min = {eta_min}, got {eta_max}")]
    EtaMax {
        /// The lower end of the interval.
        eta_min: f64,
        /// The rejected value.
        eta_max: f64,
    },
    /// A single learning rate must be positive and finite.
    #[error("learning rate must be positive and finite, got {lr}")]
    LearningRate {
        /// The rejected value.
        lr: f64,
    },
    /// At least one output copy is needed.
    #[error("the number of output copies must be at least 1, got {copies}")]
    Copies {
        /// The rejected value.
        copies: usize,
    },
    /// The batch size must be at least 1 (2 for a network with BatchNorm).
    #[error("batch size must be at least {min}, got {batch_size}")]
    BatchSize {
        /// The rejected value.
        batch_size: usize,
        /// The smallest allowed value for this model.
        min: usize,
    },
    /// A parameter name was registered twice.
    #[error("parameter `{name}` is registered twice")]
    DuplicateParameter {
        /// The repeated name.
        name: String,
    },
    /// A parameter's feature layout does not match its shape.
    #[error("parameter `{name}`: {reason}")]
    FeatureLayout {
        /// The parameter's name.
        name: String,
        /// What does not match.
        reason: String,
    },
    /// A model description could not be parsed.
    #[error("model `{spec}`: {reason}")]
    Model {
        /// The rejected description.
        spec: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A result file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A result could not be turned into JSON.
    #[error("cannot serialise the result for {path}: {source}")]
    Json {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
}

/// Result type of the training layer.
pub type Result<T> = std::result::Result<T, TrainingError>;
