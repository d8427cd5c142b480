//! The experiment runner: trains one network with one optimizer on an image data set, evaluates
//! it after every epoch, and records everything in a result that is written to disk.
//!
//! The protocol is the paper's (Section 5, Appendix D), with a fixed number of epochs: after
//! each epoch the train, validation and test loss and accuracy are recorded (with Alrao, the
//! switch posterior too), and the run reports the test figures of the epoch with the best
//! validation loss. A run whose training loss becomes NaN or infinite, or whose copies give a
//! NaN likelihood, stops and is recorded as diverged, with the epochs it completed.

use std::path::Path;
use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::alrao::{Alrao, AlraoConfig};
use super::baselines::{Baseline, BaselineConfig};
use super::copies::Likelihood;
use super::error::{Result, TrainingError};
use super::models::{Mlp, MlpSpec, PreClassifier};
use super::rng::{stream, Stream};
use crate::data::{ImageSplit, ImageSplits};

/// Which optimizer a run uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "optimizer", rename_all = "lowercase")]
pub enum OptimizerConfig {
    /// Alrao: per-feature rates and output copies mixed by the switch.
    Alrao(AlraoConfig),
    /// SGD with one learning rate.
    Sgd {
        /// The learning rate.
        lr: f64,
    },
    /// Adam (betas 0.9 / 0.999, no weight decay).
    Adam {
        /// The learning rate.
        lr: f64,
    },
}

impl OptimizerConfig {
    /// `"alrao"`, `"sgd"` or `"adam"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Alrao(_) => "alrao",
            Self::Sgd { .. } => "sgd",
            Self::Adam { .. } => "adam",
        }
    }

    /// The single learning rate of a baseline; `None` for Alrao.
    pub fn lr(&self) -> Option<f64> {
        match *self {
            Self::Alrao(_) => None,
            Self::Sgd { lr } | Self::Adam { lr } => Some(lr),
        }
    }

    /// A short label for file names and tables: `alrao`, `adam`, `sgd-lr1e-2`.
    pub fn label(&self) -> String {
        match self {
            Self::Alrao(_) => "alrao".into(),
            Self::Adam { lr } => format!("adam-lr{lr:e}"),
            Self::Sgd { lr } => format!("sgd-lr{lr:e}"),
        }
    }
}

/// Everything that defines a classification run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The data set's name (`fashion-mnist`, `mnist`).
    pub data: String,
    /// The network below the output layer.
    pub model: MlpSpec,
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// Number of passes over the training set.
    pub epochs: usize,
    /// Examples per training batch.
    pub batch_size: usize,
    /// The one seed of the run (weights, rates, batch order).
    pub seed: u64,
    /// Train on the first `n` training examples only (for quick checks); `None` for all.
    pub train_limit: Option<usize>,
}

/// The figures of one epoch. Losses are mean negative log-likelihoods in nats; accuracies are
/// fractions in `[0, 1]`. A non-finite figure is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches, each measured before its step.
    pub train_loss: Option<f64>,
    /// Training accuracy over the epoch, each batch measured before its step.
    pub train_accuracy: f64,
    /// Validation loss at the end of the epoch.
    pub valid_loss: Option<f64>,
    /// Validation accuracy at the end of the epoch.
    pub valid_accuracy: f64,
    /// Test loss at the end of the epoch.
    pub test_loss: Option<f64>,
    /// Test accuracy at the end of the epoch.
    pub test_accuracy: f64,
    /// Alrao only: the switch posterior over the copies at the end of the epoch.
    pub posterior: Option<Vec<f64>>,
    /// Alrao only: each copy's mean training loss over the epoch (nats).
    pub copy_train_losses: Option<Vec<f64>>,
    /// Wall-clock seconds of the epoch, evaluation included.
    pub seconds: f64,
}

/// The outcome of a run, as written to its JSON file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// `"alrao"`, `"sgd"` or `"adam"`.
    pub optimizer: String,
    /// The baseline's learning rate; `None` for Alrao.
    pub lr: Option<f64>,
    /// Alrao only: the learning-rate interval, the copies' rates and the switch's theta.
    pub eta_min: Option<f64>,
    /// See `eta_min`.
    pub eta_max: Option<f64>,
    /// See `eta_min`.
    pub copy_learning_rates: Option<Vec<f64>>,
    /// See `eta_min`.
    pub theta: Option<f64>,
    /// The run's configuration.
    pub config: RunConfig,
    /// Number of trainable weights (pre-classifier and every output layer).
    pub n_weights: usize,
    /// Every completed epoch.
    pub epochs: Vec<EpochRecord>,
    /// The epoch with the lowest validation loss (1-based), if any epoch completed.
    pub best_epoch: Option<usize>,
    /// Validation loss at the best epoch.
    pub valid_loss: Option<f64>,
    /// Test loss at the best epoch.
    pub test_loss: Option<f64>,
    /// Test accuracy at the best epoch (fraction).
    pub test_accuracy: Option<f64>,
    /// Whether the run stopped on a non-finite loss or likelihood.
    pub diverged: bool,
    /// Why the run diverged.
    pub diverged_reason: Option<String>,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

/// What the runner reports while it works.
#[derive(Debug, Clone)]
pub enum RunEvent<'a> {
    /// An epoch starts with this many batches.
    EpochStart {
        /// 1-based epoch number.
        epoch: usize,
        /// Batches in the epoch.
        batches: usize,
    },
    /// A batch was trained on; its loss before the step.
    Batch {
        /// The batch's mean loss (nats).
        loss: f64,
        /// Alrao only: the observations the switch was given for this batch, each with one
        /// natural-log likelihood per copy (one row per batch, or one per sample, as the
        /// run's observation mode says).
        switch_observations: Option<&'a [Vec<f64>]>,
    },
    /// An epoch ended.
    EpochEnd(&'a EpochRecord),
}

/// A split as tensors: inputs `[N, dim]` and labels `[N]` (`u32`).
#[derive(Debug, Clone)]
pub struct TensorSplit {
    /// Inputs, one row per example.
    pub inputs: Tensor,
    /// Class labels.
    pub labels: Tensor,
}

impl TensorSplit {
    /// Moves a split onto `device` as `dtype` inputs, keeping at most `limit` examples.
    pub fn new(
        split: &ImageSplit,
        device: &Device,
        dtype: DType,
        limit: Option<usize>,
    ) -> Result<Self> {
        let n = limit.map_or(split.n, |l| l.min(split.n));
        let inputs = Tensor::from_slice(&split.images[..n * split.dim], (n, split.dim), device)?
            .to_dtype(dtype)?;
        let labels = Tensor::from_slice(&split.labels[..n], n, device)?;
        Ok(Self { inputs, labels })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.dims()[0]
    }

    /// Whether the split is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

struct StepOutcome {
    log_probs: Tensor,
    copy_losses: Option<Vec<f64>>,
    switch_observations: Option<Vec<Vec<f64>>>,
}

/// A classifier under training, whatever its optimizer.
enum Trainer {
    Alrao(Alrao),
    Baseline(Baseline),
}

impl Trainer {
    /// One step; the batch's predicted log-probabilities, and with Alrao each copy's loss and
    /// the observations the switch was given.
    fn step(&mut self, pre: &Mlp, x: &Tensor, y: &Tensor) -> Result<StepOutcome> {
        match self {
            Self::Alrao(a) => {
                let step = a.step(pre, x, y)?;
                let observations = a
                    .config()
                    .observation
                    .observations(&step.copy_log_likelihoods)?;
                Ok(StepOutcome {
                    log_probs: step.prediction,
                    copy_losses: Some(step.copy_losses),
                    switch_observations: Some(observations),
                })
            }
            Self::Baseline(b) => Ok(StepOutcome {
                log_probs: b.step_classifier(pre, x, y)?,
                copy_losses: None,
                switch_observations: None,
            }),
        }
    }

    fn log_probs(&self, pre: &Mlp, x: &Tensor) -> Result<Tensor> {
        match self {
            Self::Alrao(a) => a.predict(pre, x, false),
            Self::Baseline(b) => {
                let logits = b.logits(pre, x, false)?;
                Ok(candle_nn::ops::log_softmax(
                    &logits,
                    candle_core::D::Minus1,
                )?)
            }
        }
    }

    fn posterior(&self) -> Option<Vec<f64>> {
        match self {
            Self::Alrao(a) => Some(a.switch().posterior()),
            Self::Baseline(_) => None,
        }
    }
}

/// Mean negative log-likelihood and number of correct predictions of `[B, C]` log-probabilities.
fn loss_and_correct(log_probs: &Tensor, labels: &Tensor) -> Result<(f64, usize)> {
    let picked = log_probs.gather(&labels.unsqueeze(1)?, 1)?;
    let loss = -picked
        .to_dtype(DType::F64)?
        .mean_all()?
        .to_scalar::<f64>()?;
    let predicted = log_probs.argmax(1)?;
    let correct = predicted
        .eq(labels)?
        .to_dtype(DType::U32)?
        .sum_all()?
        .to_scalar::<u32>()?;
    Ok((loss, correct as usize))
}

/// Loss and accuracy of the trained classifier on a whole split, in evaluation mode.
fn evaluate(trainer: &Trainer, pre: &Mlp, split: &TensorSplit) -> Result<(f64, f64)> {
    const CHUNK: usize = 1000;
    let n = split.len();
    let (mut loss_sum, mut correct) = (0.0, 0usize);
    let mut start = 0;
    while start < n {
        let len = CHUNK.min(n - start);
        let x = split.inputs.narrow(0, start, len)?;
        let y = split.labels.narrow(0, start, len)?;
        let (loss, c) = loss_and_correct(&trainer.log_probs(pre, &x)?, &y)?;
        loss_sum += loss * len as f64;
        correct += c;
        start += len;
    }
    Ok((loss_sum / n.max(1) as f64, correct as f64 / n.max(1) as f64))
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Trains and evaluates one classifier on `splits`, reporting progress to `observe`.
///
/// # Errors
/// Invalid settings and tensor errors. Divergence is not an error: it is recorded.
pub fn run_classification(
    config: &RunConfig,
    splits: &ImageSplits,
    device: &Device,
    observe: &mut dyn FnMut(RunEvent<'_>),
) -> Result<RunResult> {
    let started = Instant::now();
    let dtype = DType::F32;
    let train = TensorSplit::new(&splits.train, device, dtype, config.train_limit)?;
    let valid = TensorSplit::new(&splits.valid, device, dtype, None)?;
    let test = TensorSplit::new(&splits.test, device, dtype, None)?;
    let n_classes = splits.train.n_classes;

    let mut init_rng = stream(config.seed, Stream::PreClassifierInit);
    let pre = Mlp::new(
        &config.model,
        splits.train.dim,
        device,
        dtype,
        &mut init_rng,
    )?;
    if config.batch_size < pre.min_batch_size() {
        return Err(TrainingError::BatchSize {
            batch_size: config.batch_size,
            min: pre.min_batch_size(),
        });
    }
    let mut trainer = match &config.optimizer {
        OptimizerConfig::Alrao(a) => Trainer::Alrao(Alrao::new(
            &pre,
            n_classes,
            Likelihood::Categorical,
            a.clone(),
            config.seed,
        )?),
        OptimizerConfig::Sgd { lr } => Trainer::Baseline(Baseline::new(
            &pre,
            n_classes,
            BaselineConfig::Sgd { lr: *lr },
            config.seed,
        )?),
        OptimizerConfig::Adam { lr } => Trainer::Baseline(Baseline::new(
            &pre,
            n_classes,
            BaselineConfig::Adam { lr: *lr },
            config.seed,
        )?),
    };
    let n_output_weights = (pre.output_dim() + 1) * n_classes;
    let n_weights = pre.params().n_weights()
        + n_output_weights
            * match &config.optimizer {
                OptimizerConfig::Alrao(a) => a.copies,
                _ => 1,
            };

    let mut shuffle_rng = stream(config.seed, Stream::Shuffle);
    let mut order: Vec<u32> = (0..train.len() as u32).collect();
    let mut epochs = Vec::new();
    let mut diverged_reason = None;
    'epochs: for epoch in 1..=config.epochs {
        let epoch_started = Instant::now();
        order.shuffle(&mut shuffle_rng);
        let batches: Vec<&[u32]> = order
            .chunks(config.batch_size)
            .filter(|c| c.len() >= pre.min_batch_size())
            .collect();
        observe(RunEvent::EpochStart {
            epoch,
            batches: batches.len(),
        });
        let (mut loss_sum, mut correct, mut seen) = (0.0, 0usize, 0usize);
        let mut copy_loss_sums: Option<Vec<f64>> = None;
        for batch in &batches {
            let index = Tensor::from_slice(batch, batch.len(), device)?;
            let x = train.inputs.index_select(&index, 0)?;
            let y = train.labels.index_select(&index, 0)?;
            let outcome = match trainer.step(&pre, &x, &y) {
                Ok(out) => out,
                Err(TrainingError::Averaging(e)) => {
                    diverged_reason = Some(format!("epoch {epoch}: {e}"));
                    break 'epochs;
                }
                Err(e) => return Err(e),
            };
            let (loss, c) = loss_and_correct(&outcome.log_probs, &y)?;
            observe(RunEvent::Batch {
                loss,
                switch_observations: outcome.switch_observations.as_deref(),
            });
            if !loss.is_finite() {
                diverged_reason = Some(format!("epoch {epoch}: training loss became {loss}"));
                break 'epochs;
            }
            loss_sum += loss * batch.len() as f64;
            correct += c;
            seen += batch.len();
            if let Some(losses) = outcome.copy_losses {
                let sums = copy_loss_sums.get_or_insert_with(|| vec![0.0; losses.len()]);
                for (s, l) in sums.iter_mut().zip(losses) {
                    *s += l * batch.len() as f64;
                }
            }
        }
        let (valid_loss, valid_accuracy) = evaluate(&trainer, &pre, &valid)?;
        let (test_loss, test_accuracy) = evaluate(&trainer, &pre, &test)?;
        let seen_f = seen.max(1) as f64;
        let record = EpochRecord {
            epoch,
            train_loss: finite(loss_sum / seen_f),
            train_accuracy: correct as f64 / seen_f,
            valid_loss: finite(valid_loss),
            valid_accuracy,
            test_loss: finite(test_loss),
            test_accuracy,
            posterior: trainer.posterior(),
            copy_train_losses: copy_loss_sums.map(|s| s.iter().map(|x| x / seen_f).collect()),
            seconds: epoch_started.elapsed().as_secs_f64(),
        };
        tracing::info!(
            epoch,
            train_loss = loss_sum / seen_f,
            valid_loss,
            valid_accuracy,
            test_accuracy,
            "epoch done"
        );
        observe(RunEvent::EpochEnd(&record));
        epochs.push(record);
        if !valid_loss.is_finite() {
            diverged_reason = Some(format!("epoch {epoch}: validation loss is {valid_loss}"));
            break;
        }
    }

    let best = epochs
        .iter()
        .filter(|e| e.valid_loss.is_some())
        .min_by(|a, b| {
            a.valid_loss
                .partial_cmp(&b.valid_loss)
                .expect("finite losses")
        });
    let alrao = match &config.optimizer {
        OptimizerConfig::Alrao(a) => Some(a),
        _ => None,
    };
    let copy_rates = match &trainer {
        Trainer::Alrao(a) => Some(a.copies().learning_rates().to_vec()),
        Trainer::Baseline(_) => None,
    };
    Ok(RunResult {
        optimizer: config.optimizer.name().to_string(),
        lr: config.optimizer.lr(),
        eta_min: alrao.map(|a| a.eta_min),
        eta_max: alrao.map(|a| a.eta_max),
        copy_learning_rates: copy_rates,
        theta: alrao.map(|a| a.theta),
        config: config.clone(),
        n_weights,
        best_epoch: best.map(|e| e.epoch),
        valid_loss: best.and_then(|e| e.valid_loss),
        test_loss: best.and_then(|e| e.test_loss),
        test_accuracy: best.map(|e| e.test_accuracy),
        diverged: diverged_reason.is_some(),
        diverged_reason,
        epochs,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Writes `value` as pretty JSON to `path` through [`write_atomic`].
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|source| TrainingError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    write_atomic(path, (text + "\n").as_bytes())
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// that a reader never sees a half-written file and an old file survives a failure. Creates
/// the parent directory if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let write_err = |source| TrainingError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(write_err)?;
    std::fs::rename(&tmp, path).map_err(write_err)?;
    Ok(())
}

/// The run with the lowest validation loss among those that did not diverge, if any.
pub fn best_by_validation<'a>(
    runs: impl IntoIterator<Item = &'a RunResult>,
) -> Option<&'a RunResult> {
    runs.into_iter()
        .filter(|r| !r.diverged && r.valid_loss.is_some())
        .min_by(|a, b| {
            a.valid_loss
                .partial_cmp(&b.valid_loss)
                .expect("finite losses")
        })
}
