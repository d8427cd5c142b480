//! `alrao average`: mix any sequence of predictors' likelihoods with the switch, Bayesian model
//! averaging or fixed share, from a CSV file.
//!
//! Input: a header naming the models, then one row per observation holding each model's
//! natural-log predictive likelihood `ln p_k(x_i | x_1..x_(i-1))` (`-inf` allowed: the model
//! gave the observation probability 0). Output: for each row, the posterior over the models
//! after that observation (the weights for predicting the next one) and the mixture's
//! cumulative log-loss in nats.

use std::path::{Path, PathBuf};

use alrao::averaging::{Method, ModelAverage};
use clap::{Args, ValueEnum};

/// Arguments of `alrao average`.
#[derive(Args)]
pub struct AverageArgs {
    /// CSV file: a header naming the models, then one row per observation of natural-log
    /// likelihoods.
    input: PathBuf,
    /// Where to write the posterior after each observation and the cumulative log-loss.
    #[arg(long, short)]
    output: PathBuf,
    /// Averaging method.
    #[arg(long, value_enum, default_value_t = MethodName::Switch)]
    method: MethodName,
    /// The switch's prior probability of one more segment, in [0, 1).
    #[arg(long, default_value_t = 0.999)]
    theta: f64,
    /// Fixed share's switching rate, in [0, 1].
    #[arg(long, default_value_t = 0.01)]
    alpha: f64,
    /// Prior over the models, comma-separated, in header order (default: uniform).
    #[arg(long, value_delimiter = ',')]
    prior: Option<Vec<f64>>,
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodName {
    /// The switch distribution (theta = 0 is Bayesian model averaging).
    Switch,
    /// Bayesian model averaging.
    Bma,
    /// Fixed share with switching rate alpha.
    FixedShare,
}

/// A problem with the input, located.
#[derive(Debug, thiserror::Error)]
pub enum AverageError {
    /// The input could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The input file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The input is malformed at a place.
    #[error("{path}, line {line}{column}: {reason}")]
    Malformed {
        /// The input file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// `, column C (name)` or empty.
        column: String,
        /// What is wrong.
        reason: String,
    },
    /// A command-line argument is invalid.
    #[error("{argument}: {reason}")]
    Argument {
        /// The argument, as typed.
        argument: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The output could not be written.
    #[error(transparent)]
    Write(#[from] alrao::training::TrainingError),
}

/// The models' names and the rows of log-likelihoods of a CSV input.
pub struct LogLikelihoodTable {
    /// Model names, from the header.
    pub models: Vec<String>,
    /// `(line, row)`: the 1-based line of each observation and its log-likelihoods.
    pub rows: Vec<(u64, Vec<f64>)>,
}

fn malformed(
    path: &Path,
    line: u64,
    column: Option<(usize, &str)>,
    reason: String,
) -> AverageError {
    AverageError::Malformed {
        path: path.to_path_buf(),
        line,
        column: column.map_or(String::new(), |(c, name)| {
            format!(", column {c} (`{name}`)")
        }),
        reason,
    }
}

/// Reads and checks a CSV of log-likelihoods.
///
/// # Errors
/// An unreadable or empty file, a header without models, a row with the wrong number of
/// columns, a field that is not a number, a NaN; each names the file, line and column.
pub fn read_table(path: &Path) -> Result<LogLikelihoodTable, AverageError> {
    let text = std::fs::read_to_string(path).map_err(|source| AverageError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if text.trim().is_empty() {
        return Err(malformed(
            path,
            1,
            None,
            "empty file; expected a header naming the models".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let models: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(path, 1, None, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if models.iter().all(String::is_empty) {
        return Err(malformed(
            path,
            1,
            None,
            "the header names no models".into(),
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            malformed(path, line, None, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != models.len() {
            return Err(malformed(
                path,
                line,
                None,
                format!(
                    "expected {} columns (one per model), got {}",
                    models.len(),
                    record.len()
                ),
            ));
        }
        let mut row = Vec::with_capacity(models.len());
        for (c, field) in record.iter().enumerate() {
            let at = Some((c + 1, models[c].as_str()));
            let value: f64 = field
                .parse()
                .map_err(|_| malformed(path, line, at, format!("`{field}` is not a number")))?;
            if value.is_nan() {
                return Err(malformed(path, line, at, "NaN log-likelihood".into()));
            }
            row.push(value);
        }
        rows.push((line, row));
    }
    if rows.is_empty() {
        return Err(malformed(
            path,
            2,
            None,
            "no observations after the header".into(),
        ));
    }
    Ok(LogLikelihoodTable { models, rows })
}

impl AverageArgs {
    fn method(&self) -> Result<Method, AverageError> {
        Ok(match self.method {
            MethodName::Switch => {
                if !(0.0..1.0).contains(&self.theta) {
                    return Err(AverageError::Argument {
                        argument: "--theta",
                        reason: format!("must be in [0, 1), got {}", self.theta),
                    });
                }
                Method::Switch { theta: self.theta }
            }
            MethodName::Bma => Method::Bma,
            MethodName::FixedShare => {
                if !(0.0..=1.0).contains(&self.alpha) {
                    return Err(AverageError::Argument {
                        argument: "--alpha",
                        reason: format!("must be in [0, 1], got {}", self.alpha),
                    });
                }
                Method::FixedShare { alpha: self.alpha }
            }
        })
    }
}

/// Runs `alrao average`: reads, mixes, and writes the output through a temporary file.
///
/// # Errors
/// See [`read_table`] and [`AverageError`]; the output is not touched on error.
pub fn run(args: &AverageArgs) -> Result<(), AverageError> {
    let method = args.method()?;
    let table = read_table(&args.input)?;
    let k = table.models.len();
    let prior = match &args.prior {
        None => vec![1.0 / k as f64; k],
        Some(p) if p.len() != k => {
            return Err(AverageError::Argument {
                argument: "--prior",
                reason: format!("{} values for {k} models", p.len()),
            })
        }
        Some(p) => p.clone(),
    };
    let mut average: Box<dyn ModelAverage> =
        method.build(&prior).map_err(|e| AverageError::Argument {
            argument: "--prior",
            reason: e.to_string(),
        })?;

    let mut out = String::from("step");
    for name in &table.models {
        out.push_str(&format!(",posterior_{name}"));
    }
    out.push_str(",cumulative_log_loss\n");
    for (line, row) in &table.rows {
        average
            .update(row)
            .map_err(|e| malformed(&args.input, *line, None, e.to_string()))?;
        out.push_str(&average.steps().to_string());
        for p in average.posterior() {
            out.push_str(&format!(",{p}"));
        }
        out.push_str(&format!(",{}\n", average.cumulative_log_loss()));
    }
    Ok(alrao::training::write_atomic(&args.output, out.as_bytes())?)
}
