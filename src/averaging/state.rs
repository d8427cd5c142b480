//! The saved forms of the model averages: [`SwitchState`], [`BmaState`],
//! [`FixedShareState`], and [`AveragingState`], which holds any of them.
//!
//! Floats are written as text, in Rust's shortest round-trip decimal form (`-inf` for a
//! zero weight in log space), so that any serde format, JSON included, restores them bit
//! for bit: JSON has no infinities, and common JSON readers round the last bit of some
//! decimals. A field that a state does not have is refused rather than ignored, so that a
//! state saved by another method, or by an older form of this one, is not half-read.

use serde::{Deserialize, Serialize};

use super::bma::Bma;
use super::error::AveragingError;
use super::fixed_share::FixedShare;
use super::model_average::ModelAverage;
use super::switch::Switch;

/// Everything a [`Switch`](super::Switch) needs to continue bit for bit where it stopped.
///
/// The step counter is part of the state: the hazard `1/(t+1)` depends on it, and a resume
/// that restarted it at 1 would apply the wrong prior to every later observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchState {
    /// The switching parameter, in `[0, 1)`.
    #[serde(with = "float_text")]
    pub theta: f64,
    /// Observations processed so far; the next one is observation `steps + 1`.
    pub steps: u64,
    /// The prior over models, `pi_K`.
    #[serde(with = "float_text_vec")]
    pub prior: Vec<f64>,
    /// `w_a[k]`, "another switch will come", normalised with `w_b` to total one.
    #[serde(with = "float_text_vec")]
    pub w_a: Vec<f64>,
    /// `w_b[k]`, "no more switches", normalised with `w_a` to total one.
    #[serde(with = "float_text_vec")]
    pub w_b: Vec<f64>,
    /// `-ln P_sw(x_1..x_steps)` in nats.
    #[serde(with = "float_text")]
    pub cumulative_log_loss: f64,
}

/// Everything a [`Bma`](super::Bma) needs to continue bit for bit where it stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BmaState {
    /// Observations processed so far.
    pub steps: u64,
    /// The prior over models, `pi_K`.
    #[serde(with = "float_text_vec")]
    pub prior: Vec<f64>,
    /// `ln a_k`, the log posterior that predicts the next observation, normalised
    /// (`-inf` for a model ruled out).
    #[serde(with = "float_text_vec")]
    pub log_posterior: Vec<f64>,
    /// `-ln P_bma(x_1..x_steps)` in nats.
    #[serde(with = "float_text")]
    pub cumulative_log_loss: f64,
}

/// Everything a [`FixedShare`](super::FixedShare) needs to continue bit for bit where it
/// stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedShareState {
    /// The switching rate, in `[0, 1]`.
    #[serde(with = "float_text")]
    pub alpha: f64,
    /// Observations processed so far.
    pub steps: u64,
    /// The prior over models, `pi_K`.
    #[serde(with = "float_text_vec")]
    pub prior: Vec<f64>,
    /// `w[k]`, normalised to total one: the posterior that predicts the next observation.
    #[serde(with = "float_text_vec")]
    pub w: Vec<f64>,
    /// `-ln P_fs(x_1..x_steps)` in nats.
    #[serde(with = "float_text")]
    pub cumulative_log_loss: f64,
}

/// The saved state of any model average, tagged by its method.
///
/// # Example
///
/// ```
/// use alrao::averaging::{AveragingState, Method};
///
/// let mut average = Method::FixedShare { alpha: 0.01 }.build(&[0.5, 0.5])?;
/// average.update(&[-1.0, -2.0])?;
/// let json = serde_json::to_string(&average.save()).unwrap();
/// let state: AveragingState = serde_json::from_str(&json).unwrap();
/// let resumed = state.restore()?;
/// assert_eq!(resumed.posterior(), average.posterior());
/// # Ok::<(), alrao::averaging::AveragingError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum AveragingState {
    /// A [`Switch`](super::Switch).
    Switch(SwitchState),
    /// A [`Bma`](super::Bma).
    Bma(BmaState),
    /// A [`FixedShare`](super::FixedShare).
    FixedShare(FixedShareState),
}

impl AveragingState {
    /// The model average this state describes.
    ///
    /// # Errors
    ///
    /// Those of [`Switch::from_state`], [`Bma::from_state`] and
    /// [`FixedShare::from_state`].
    pub fn restore(self) -> Result<Box<dyn ModelAverage>, AveragingError> {
        Ok(match self {
            AveragingState::Switch(state) => Box::new(Switch::from_state(state)?),
            AveragingState::Bma(state) => Box::new(Bma::from_state(state)?),
            AveragingState::FixedShare(state) => Box::new(FixedShare::from_state(state)?),
        })
    }
}

/// One f64 as its shortest round-trip decimal text.
mod float_text {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(x: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{x:?}"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|e| D::Error::custom(format!("{text:?}: {e}")))
    }
}

/// A vector of f64, each as its shortest round-trip decimal text.
mod float_text_vec {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(xs: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(xs.iter().map(|x| format!("{x:?}")))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<f64>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .iter()
            .map(|text| {
                text.parse()
                    .map_err(|e| D::Error::custom(format!("{text:?}: {e}")))
            })
            .collect()
    }
}
