//! `alrao average`: mix any sequence of predictors' likelihoods with the switch, Bayesian model
//! averaging or fixed share, from a CSV file.
//!
//! Input: a header naming the models, then one row per observation holding each model's
//! natural-log predictive likelihood `ln p_k(x_i | x_1..x_(i-1))` (`-inf` allowed: the model
//! gave the observation probability 0). Output: for each row, the posterior over the models
//! after that observation (the weights for predicting the next one) and the mixture's
//! cumulative log-loss in nats.

use std::path::{Path, PathBuf};

use alrao::averaging::{AveragingError, Method, ModelAverage};
use clap::{Args, ValueEnum};

/// Arguments of `alrao average`.
#[derive(Args)]
pub struct AverageArgs {
    /// CSV file: a header naming the models, then one row per observation of natural-log
    /// likelihoods.
    input: PathBuf,
    /// Where to write the posterior after each observation and the cumulative log-loss
    /// (standard output when absent or `-`). A file is written through a temporary file
    /// and renamed; on any error nothing is written.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Averaging method.
    #[arg(long, value_enum, default_value_t = MethodName::Switch)]
    method: MethodName,
    /// The switch's prior probability of one more segment, in [0, 1) (default 0.999);
    /// `--method switch` only.
    #[arg(long, allow_hyphen_values = true)]
    theta: Option<f64>,
    /// Fixed share's switching rate, in [0, 1] (default 0.01); `--method fixed-share` only.
    #[arg(long, allow_hyphen_values = true)]
    alpha: Option<f64>,
    /// Prior over the models, comma-separated, in header order (default: uniform). Values
    /// starting with `-` are taken as values, so that a negative entry reaches the check that
    /// names it.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
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
    /// The output could not be written to standard output.
    #[error("writing to standard output: {0}")]
    Stdout(std::io::Error),
    /// The output file could not be written.
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
            if name.is_empty() {
                format!(", column {c}")
            } else {
                format!(", column {c} (`{name}`)")
            }
        }),
        reason,
    }
}

/// Whether `text[i]` ends a line: a `\n`, or a `\r` not followed by `\n` (a CRLF counts
/// once, at its `\n`).
fn ends_line(text: &[u8], i: usize) -> bool {
    match text[i] {
        b'\n' => true,
        b'\r' => text.get(i + 1) != Some(&b'\n'),
        _ => false,
    }
}

/// 1-based line numbers of byte offsets in a text, counted from the bytes themselves
/// (the csv reader's own line counter is off after CRLF endings and blank lines). Offsets
/// are asked for in increasing order, so the whole file is scanned once.
struct LineCounter<'a> {
    text: &'a [u8],
    /// Bytes before this offset have been counted...
    counted_to: usize,
    /// ...and end this many lines.
    lines_before: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        Self {
            text,
            counted_to: 0,
            lines_before: 0,
        }
    }

    /// The line of the record the csv reader placed at byte `offset`. The reader places a
    /// record where the previous one ended, before the line terminators and blank lines it
    /// skips, so those are passed over first: the line is that of the record's first byte.
    fn line_of(&mut self, offset: u64) -> u64 {
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start < self.counted_to {
            self.counted_to = 0;
            self.lines_before = 0;
        }
        let ended = (self.counted_to..start)
            .filter(|&i| ends_line(self.text, i))
            .count();
        self.lines_before += ended as u64;
        self.counted_to = start;
        self.lines_before + 1
    }
}

/// The text of a file that must be UTF-8; invalid UTF-8 is an error naming its line.
fn utf8_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, AverageError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        let line = (0..valid).filter(|&i| ends_line(bytes, i)).count() as u64 + 1;
        let line_start = (0..valid)
            .rev()
            .find(|&i| ends_line(bytes, i))
            .map_or(0, |i| i + 1);
        malformed(
            path,
            line,
            None,
            format!(
                "not valid UTF-8 (byte {} of the line); the file must be UTF-8 text",
                valid - line_start + 1
            ),
        )
    })
}

/// Reads and checks a CSV of log-likelihoods.
///
/// # Errors
/// An unreadable or empty file, text that is not UTF-8, a header without models, with an
/// empty model name or naming one twice, a row with the wrong number of columns, a field
/// that is not a number, a NaN or `+inf`; each names the file and line (counted in the file's
/// bytes, so right after CRLF endings and blank lines) and the column where there is one.
pub fn read_table(path: &Path) -> Result<LogLikelihoodTable, AverageError> {
    let bytes = std::fs::read(path).map_err(|source| AverageError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = utf8_text(path, &bytes)?;
    if text.trim().is_empty() {
        return Err(malformed(
            path,
            1,
            None,
            "empty file; expected a header naming the models".into(),
        ));
    }
    let mut lines = LineCounter::new(text.as_bytes());
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| {
        let line = e.position().map_or(1, |p| lines.line_of(p.byte()));
        malformed(path, line, None, e.to_string())
    })?;
    let header_line = header.position().map_or(1, |p| lines.line_of(p.byte()));
    let models: Vec<String> = header.iter().map(str::to_string).collect();
    if models.iter().all(String::is_empty) {
        return Err(malformed(
            path,
            header_line,
            None,
            "the header names no models".into(),
        ));
    }
    // an empty name (as a trailing comma makes) would be a column of the output without a
    // model, and the first place a row's count disagreed with it would be far from the cause
    if let Some(c) = models.iter().position(String::is_empty) {
        return Err(malformed(
            path,
            header_line,
            Some((c + 1, "")),
            "empty model name".into(),
        ));
    }
    // the output names its columns after the models: two with one name could not be told
    // apart there
    for (c, name) in models.iter().enumerate() {
        if let Some(first) = models[..c].iter().position(|other| other == name) {
            return Err(malformed(
                path,
                header_line,
                Some((c + 1, name)),
                format!("model name repeated (first in column {})", first + 1),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
            malformed(path, line, None, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
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
            let value: f64 = field.parse().map_err(|_| {
                // escaped, so that a quoted line break keeps the message on one line
                let shown = field.escape_debug();
                malformed(path, line, at, format!("`{shown}` is not a number"))
            })?;
            if value.is_nan() {
                return Err(malformed(path, line, at, "NaN log-likelihood".into()));
            }
            if value == f64::INFINITY {
                return Err(malformed(
                    path,
                    line,
                    at,
                    "+inf log-likelihood (only -inf, a likelihood of zero, is allowed)".into(),
                ));
            }
            row.push(value);
        }
        rows.push((line, row));
    }
    if rows.is_empty() {
        return Err(malformed(
            path,
            header_line + 1,
            None,
            "no observations after the header".into(),
        ));
    }
    Ok(LogLikelihoodTable { models, rows })
}

/// The switch's theta when `--theta` is not given: the paper's value.
const DEFAULT_THETA: f64 = 0.999;
/// Fixed share's alpha when `--alpha` is not given.
const DEFAULT_ALPHA: f64 = 0.01;

impl AverageArgs {
    /// The method, refusing a parameter out of range or one the method does not take (a
    /// `--theta` given to BMA would otherwise be ignored without a word).
    fn method(&self) -> Result<Method, AverageError> {
        let unused = |argument: &'static str, method: &str| AverageError::Argument {
            argument,
            reason: format!("does not apply to --method {method}"),
        };
        match (self.method, self.theta, self.alpha) {
            (MethodName::Switch, _, Some(_)) => return Err(unused("--alpha", "switch")),
            (MethodName::Bma, Some(_), _) => return Err(unused("--theta", "bma")),
            (MethodName::Bma, _, Some(_)) => return Err(unused("--alpha", "bma")),
            (MethodName::FixedShare, Some(_), _) => return Err(unused("--theta", "fixed-share")),
            _ => {}
        }
        Ok(match self.method {
            MethodName::Switch => {
                let theta = self.theta.unwrap_or(DEFAULT_THETA);
                if !(0.0..1.0).contains(&theta) {
                    return Err(AverageError::Argument {
                        argument: "--theta",
                        reason: format!("must be in [0, 1), got {theta}"),
                    });
                }
                Method::Switch { theta }
            }
            MethodName::Bma => Method::Bma,
            MethodName::FixedShare => {
                let alpha = self.alpha.unwrap_or(DEFAULT_ALPHA);
                if !(0.0..=1.0).contains(&alpha) {
                    return Err(AverageError::Argument {
                        argument: "--alpha",
                        reason: format!("must be in [0, 1], got {alpha}"),
                    });
                }
                Method::FixedShare { alpha }
            }
        })
    }
}

/// The `--prior` error for entry `index` (from 0) of value `value`: the entry counted from
/// 1 and the model it belongs to, as the CSV errors name columns.
fn prior_entry_error(models: &[String], index: usize, value: f64) -> AverageError {
    AverageError::Argument {
        argument: "--prior",
        reason: format!(
            "entry {} (model `{}`) is {value}; every entry must be finite and non-negative",
            index + 1,
            models[index]
        ),
    }
}

/// The prior over `models`: uniform without `--prior`, else the values given, one per model
/// in header order, each finite and non-negative (their sum is checked by the method).
fn prior(given: Option<&[f64]>, models: &[String]) -> Result<Vec<f64>, AverageError> {
    let k = models.len();
    let Some(values) = given else {
        return Ok(vec![1.0 / k as f64; k]);
    };
    if values.len() != k {
        let plural = if values.len() == 1 { "" } else { "s" };
        let models_plural = if k == 1 { "" } else { "s" };
        return Err(AverageError::Argument {
            argument: "--prior",
            reason: format!(
                "{} value{plural} for {k} model{models_plural} (one per column of the header)",
                values.len()
            ),
        });
    }
    if let Some((index, &value)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        return Err(prior_entry_error(models, index, value));
    }
    Ok(values.to_vec())
}

/// Runs `alrao average`: reads, mixes, and writes the output through a temporary file.
///
/// # Errors
/// See [`read_table`] and [`AverageError`]; the output is not touched on error.
pub fn run(args: &AverageArgs) -> Result<(), AverageError> {
    let method = args.method()?;
    let table = read_table(&args.input)?;
    let prior = prior(args.prior.as_deref(), &table.models)?;
    let mut average: Box<dyn ModelAverage> = method.build(&prior).map_err(|e| match e {
        AveragingError::InvalidPrior { model, value } => {
            prior_entry_error(&table.models, model, value)
        }
        e => AverageError::Argument {
            argument: "--prior",
            reason: e.to_string(),
        },
    })?;

    // the header through the csv writer, so that a model name holding a comma or a quote
    // comes out quoted as it came in
    let mut header = csv::Writer::from_writer(Vec::new());
    let columns = std::iter::once("step".to_string())
        .chain(table.models.iter().map(|name| format!("posterior_{name}")))
        .chain(std::iter::once("cumulative_log_loss".to_string()));
    header
        .write_record(columns)
        .expect("writing to memory cannot fail");
    let header = header.into_inner().expect("writing to memory cannot fail");
    let mut out = String::from_utf8(header).expect("the header is built from UTF-8 names");
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
    match args.output.as_deref() {
        Some(path) if path != Path::new("-") => {
            Ok(alrao::training::write_atomic(path, out.as_bytes())?)
        }
        _ => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(AverageError::Stdout)
        }
    }
}
