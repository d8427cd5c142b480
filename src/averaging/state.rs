//! The saved form of a [`Switch`](super::Switch).
//!
//! Floats are written as text, in Rust's shortest round-trip decimal form (`-inf` for a
//! zero weight), so that any serde format, JSON included, restores them bit for bit: JSON
//! has no infinities, and common JSON readers round the last bit of some decimals.

use serde::{Deserialize, Serialize};

/// Everything a [`Switch`](super::Switch) needs to continue bit for bit where it stopped.
///
/// The step counter is part of the state: the hazard `1/(t+1)` depends on it, and a resume
/// that restarted it at 1 would apply the wrong prior to every later observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwitchState {
    /// The switching parameter, in `[0, 1)`.
    #[serde(with = "float_text")]
    pub theta: f64,
    /// Observations processed so far; the next one is observation `steps + 1`.
    pub steps: u64,
    /// `ln w_a[k]`, "another switch will come", normalised with `log_w_b`.
    #[serde(with = "float_text_vec")]
    pub log_w_a: Vec<f64>,
    /// `ln w_b[k]`, "no more switches", normalised with `log_w_a`.
    #[serde(with = "float_text_vec")]
    pub log_w_b: Vec<f64>,
    /// `-ln P_sw(x_1..x_steps)` in nats.
    #[serde(with = "float_text")]
    pub cumulative_log_loss: f64,
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
