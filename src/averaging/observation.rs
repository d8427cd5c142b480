//! What one observation of the switch is, when the models score a minibatch.
//!
//! The switch's clock counts observations and its prior on switch times is written in
//! them, so the choice changes the prior as well as the likelihood:
//!
//! - [`ObservationMode::MinibatchMean`] (the authors' code, the default): the minibatch is
//!   one observation, with log-likelihood the *mean* over its samples,
//!   `ln p~_k(batch) = (1/B) sum_b ln p_k(y_b | x_b)`. This is a tempered likelihood, `B`
//!   times less confident than the batch's true likelihood, and the clock counts minibatches.
//! - [`ObservationMode::PerSample`]: each sample is one observation, in batch order; the
//!   untempered switch, whose clock counts samples.

use serde::{Deserialize, Serialize};

use super::error::AveragingError;

/// How the per-sample log-likelihoods of a minibatch become observations of the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ObservationMode {
    /// One minibatch is one observation, scored by its mean log-likelihood (tempered).
    #[default]
    MinibatchMean,
    /// Each sample is one observation.
    PerSample,
}

impl ObservationMode {
    /// The observations of one minibatch, each a vector with one log-likelihood per model.
    ///
    /// `per_model[k][b]` is `ln p_k(y_b | x_b)` for model `k` and sample `b`.
    ///
    /// # Errors
    ///
    /// [`AveragingError::NoModels`] without models, [`AveragingError::EmptyBatch`] for a
    /// model without samples, [`AveragingError::RaggedBatch`] when the models do not have the
    /// same number of samples. NaN is left for [`Switch::update`](super::Switch::update) to
    /// report with its step.
    ///
    /// # Example
    ///
    /// ```
    /// use alrao::averaging::ObservationMode;
    ///
    /// let batch = [vec![-1.0, -3.0], vec![-2.0, -2.0]];
    /// let mean = ObservationMode::MinibatchMean.observations(&batch)?;
    /// assert_eq!(mean, vec![vec![-2.0, -2.0]]);
    /// let each = ObservationMode::PerSample.observations(&batch)?;
    /// assert_eq!(each, vec![vec![-1.0, -2.0], vec![-3.0, -2.0]]);
    /// # Ok::<(), alrao::averaging::AveragingError>(())
    /// ```
    pub fn observations<S: AsRef<[f64]>>(
        self,
        per_model: &[S],
    ) -> Result<Vec<Vec<f64>>, AveragingError> {
        let first = per_model.first().ok_or(AveragingError::NoModels)?;
        let batch_size = first.as_ref().len();
        for (model, samples) in per_model.iter().enumerate() {
            let got = samples.as_ref().len();
            if got == 0 {
                return Err(AveragingError::EmptyBatch { model });
            }
            if got != batch_size {
                return Err(AveragingError::RaggedBatch {
                    model,
                    expected: batch_size,
                    got,
                });
            }
        }

        match self {
            ObservationMode::MinibatchMean => {
                let means = per_model
                    .iter()
                    .map(|samples| {
                        let samples = samples.as_ref();
                        samples.iter().sum::<f64>() / samples.len() as f64
                    })
                    .collect();
                Ok(vec![means])
            }
            ObservationMode::PerSample => Ok((0..batch_size)
                .map(|b| {
                    per_model
                        .iter()
                        .map(|samples| samples.as_ref()[b])
                        .collect()
                })
                .collect()),
        }
    }
}
