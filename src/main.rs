//! `alrao`: train with Alrao, SGD or Adam on real data, and compare them as in the paper's
//! Table 1; mix predictors' likelihoods with the switch; check Theorem 1 on real data.

mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alrao::averaging::ObservationMode;
use alrao::data::{load_image_splits, ImageDataSet, ImageSplits};
use alrao::training::{
    best_by_validation, run_classification, write_json_atomic, AlraoConfig, EpochRecord, MlpSpec,
    OptimizerConfig, RunConfig, RunEvent, RunResult,
};
use candle_core::Device;
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// All Learning Rates At Once: train without tuning a learning rate.
#[derive(Parser)]
#[command(name = "alrao", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train one network with one optimizer and write its result file.
    Train(TrainArgs),
    /// Run the SGD grid, Adam and Alrao on one data set and model; print a Table 1.
    Compare(CompareArgs),
    /// Mix models' per-observation log-likelihoods (CSV) with the switch, BMA or fixed share.
    Average(cli::average::AverageArgs),
    /// Theorem 1 on a real data set: full-batch Alrao on logistic regression against the
    /// certified optimum L*.
    Theorem1(cli::theorem1::Theorem1Args),
}

#[derive(Args, Clone)]
struct CommonArgs {
    /// Data set: fashion-mnist or mnist.
    #[arg(long, default_value = "fashion-mnist")]
    data: ImageDataSet,
    /// Directory holding the data sets (as laid out by scripts/fetch-data.sh).
    #[arg(long, env = "ALRAO_DATA", default_value = "data")]
    data_dir: PathBuf,
    /// Model: `mlp` (tanh) or `mlp-bn` (BatchNorm, ReLU), optionally `:WIDTHxWIDTH`.
    #[arg(long, default_value = "mlp")]
    model: MlpSpec,
    /// Passes over the training set.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    epochs: u64,
    /// Examples per batch (the paper: 32).
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// The one seed of the run(s).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Training examples held out, from the end of the training files, for validation.
    #[arg(long, default_value_t = 10_000)]
    n_valid: usize,
    /// Train on the first N training examples only (quick checks).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    train_limit: Option<u64>,
    /// Output directory for the result files.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args, Clone)]
struct AlraoArgs {
    /// Lower end of Alrao's learning-rate interval.
    #[arg(long, default_value_t = 1e-5)]
    eta_min: f64,
    /// Upper end of Alrao's learning-rate interval.
    #[arg(long, default_value_t = 10.0)]
    eta_max: f64,
    /// Number of output copies.
    #[arg(long, default_value_t = 10)]
    copies: usize,
    /// The switch's theta (the paper: 0.999; the authors' code: 0.9999).
    #[arg(long, default_value_t = 0.999)]
    theta: f64,
    /// What one observation of the switch is.
    #[arg(long, value_enum, default_value_t = Observation::MinibatchMean)]
    observation: Observation,
}

#[derive(Clone, Copy, ValueEnum)]
enum Observation {
    /// A minibatch, scored by its mean log-likelihood (the authors' code).
    MinibatchMean,
    /// Each example.
    PerSample,
}

#[derive(Clone, Copy, ValueEnum)]
enum OptimizerName {
    Alrao,
    Sgd,
    Adam,
}

#[derive(Args)]
struct TrainArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerName::Alrao)]
    optimizer: OptimizerName,
    /// Learning rate of SGD or Adam (default: 1e-2 for SGD, 1e-3 for Adam).
    #[arg(long)]
    lr: Option<f64>,
    #[command(flatten)]
    alrao: AlraoArgs,
    /// Alrao only: also write, to this CSV file, every observation the switch was given (one
    /// natural-log likelihood per copy and row), as `alrao average` reads them.
    #[arg(long)]
    switch_csv: Option<PathBuf>,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// SGD learning rates to try, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1e-5,1e-4,1e-3,1e-2,1e-1,1,10"
    )]
    grid: Vec<f64>,
    #[command(flatten)]
    alrao: AlraoArgs,
}

impl AlraoArgs {
    fn config(&self) -> AlraoConfig {
        AlraoConfig {
            eta_min: self.eta_min,
            eta_max: self.eta_max,
            copies: self.copies,
            theta: self.theta,
            observation: match self.observation {
                Observation::MinibatchMean => ObservationMode::MinibatchMean,
                Observation::PerSample => ObservationMode::PerSample,
            },
        }
    }
}

/// Lets a closed pipe end the program quietly, as it ends `cat` (`alrao theorem1 ... | head`),
/// instead of a panic in `println!`. Rust starts programs with SIGPIPE ignored; the default
/// action terminates the process, which is safe here because every result file is written
/// to a temporary name and renamed.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread is started; `signal` with
    // `SIG_DFL` only changes the disposition of SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Train(args) => train(args),
        Command::Compare(args) => compare(args),
        Command::Average(args) => cli::average::run(&args).map_err(Into::into),
        Command::Theorem1(args) => cli::theorem1::run(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error>;

fn load(common: &CommonArgs) -> Result<ImageSplits, AnyError> {
    eprintln!("loading {} from {}", common.data, common.data_dir.display());
    Ok(load_image_splits(
        &common.data_dir,
        common.data,
        common.n_valid,
    )?)
}

fn run_config(common: &CommonArgs, optimizer: OptimizerConfig) -> RunConfig {
    RunConfig {
        data: common.data.to_string(),
        model: common.model.clone(),
        optimizer,
        epochs: common.epochs as usize,
        batch_size: common.batch_size,
        seed: common.seed,
        train_limit: common.train_limit.map(|n| n as usize),
    }
}

fn train(args: TrainArgs) -> Result<(), AnyError> {
    let optimizer = match args.optimizer {
        OptimizerName::Alrao => OptimizerConfig::Alrao(args.alrao.config()),
        OptimizerName::Sgd => OptimizerConfig::Sgd {
            lr: args.lr.unwrap_or(1e-2),
        },
        OptimizerName::Adam => OptimizerConfig::Adam {
            lr: args.lr.unwrap_or(1e-3),
        },
    };
    if args.switch_csv.is_some() && !matches!(optimizer, OptimizerConfig::Alrao(_)) {
        return Err("--switch-csv: only Alrao has a switch; use --optimizer alrao".into());
    }
    if args.lr.is_some() && matches!(optimizer, OptimizerConfig::Alrao(_)) {
        return Err("--lr: Alrao has no single learning rate; set --eta-min and --eta-max".into());
    }
    prepare_out(&args.common.out)?;
    let splits = load(&args.common)?;
    let config = run_config(&args.common, optimizer);
    let mut observations = args.switch_csv.as_ref().map(|_| Vec::new());
    let result = run_one(
        &config,
        &splits,
        &args.common.out,
        Reuse::No,
        observations.as_mut(),
    )?;
    if let (Some(path), Some(rows), Some(etas)) =
        (&args.switch_csv, &observations, &result.copy_learning_rates)
    {
        let mut text: String = etas
            .iter()
            .enumerate()
            .map(|(j, eta)| format!("copy{}_lr{eta:.3e}", j + 1))
            .collect::<Vec<_>>()
            .join(",");
        text.push('\n');
        for row in rows {
            let fields: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            text.push_str(&fields.join(","));
            text.push('\n');
        }
        alrao::training::write_atomic(path, text.as_bytes())?;
    }
    print_summary_table(&args.common, &[result]);
    Ok(())
}

/// One row of `summary.json`.
#[derive(Serialize)]
struct SummaryRow<'a> {
    optimizer: &'a str,
    lr: Option<f64>,
    file: String,
    best_epoch: Option<usize>,
    valid_loss: Option<f64>,
    test_loss: Option<f64>,
    test_accuracy: Option<f64>,
    diverged: bool,
    selected_sgd: bool,
}

fn compare(args: CompareArgs) -> Result<(), AnyError> {
    prepare_out(&args.common.out)?;
    let splits = load(&args.common)?;
    let mut optimizers: Vec<OptimizerConfig> = args
        .grid
        .iter()
        .map(|&lr| OptimizerConfig::Sgd { lr })
        .collect();
    optimizers.push(OptimizerConfig::Adam { lr: 1e-3 });
    optimizers.push(OptimizerConfig::Alrao(args.alrao.config()));
    let mut results = Vec::new();
    for optimizer in optimizers {
        let config = run_config(&args.common, optimizer);
        results.push(run_one(
            &config,
            &splits,
            &args.common.out,
            Reuse::Yes,
            None,
        )?);
        write_summary(&args.common.out, &results)?;
    }
    print_summary_table(&args.common, &results);
    Ok(())
}

/// Creates the output directory before any training, so that a bad `--out` fails at once.
fn prepare_out(out: &Path) -> Result<(), AnyError> {
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    Ok(())
}

/// `OUT/<optimizer label>-seed<seed>.json`, e.g. `sgd-lr1e-1-seed1.json`, `alrao-seed1.json`.
fn result_path(out: &Path, config: &RunConfig) -> PathBuf {
    out.join(result_file(config))
}

fn result_file(config: &RunConfig) -> String {
    format!("{}-seed{}.json", config.optimizer.label(), config.seed)
}

/// Whether a finished result with the same configuration may stand in for a run.
#[derive(PartialEq)]
enum Reuse {
    Yes,
    No,
}

/// Runs `config` and writes its result file in `out`. With [`Reuse::Yes`], a result file
/// already there with the same configuration is reused instead (so that an interrupted
/// comparison resumes where it stopped). With `observations`, every observation the switch is
/// given is appended to it.
fn run_one(
    config: &RunConfig,
    splits: &ImageSplits,
    out: &Path,
    reuse: Reuse,
    mut observations: Option<&mut Vec<Vec<f64>>>,
) -> Result<RunResult, AnyError> {
    let path = result_path(out, config);
    if reuse == Reuse::Yes {
        if let Some(previous) = reusable(&path, config) {
            eprintln!("{}: reusing {}", config.optimizer.label(), path.display());
            return Ok(previous);
        }
    }
    let plural = if config.epochs == 1 { "" } else { "s" };
    eprintln!(
        "{}: training {} epoch{plural}",
        config.optimizer.label(),
        config.epochs
    );
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("  epoch {prefix} [{bar:30}] {pos}/{len} {msg} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut running = 0.0;
    let mut seen = 0usize;
    let mut observe = |event: RunEvent<'_>| match event {
        RunEvent::EpochStart { epoch, batches } => {
            bar.reset();
            bar.set_length(batches as u64);
            bar.set_prefix(epoch.to_string());
            running = 0.0;
            seen = 0;
        }
        RunEvent::Batch {
            loss,
            switch_observations,
        } => {
            if let (Some(all), Some(rows)) = (observations.as_deref_mut(), switch_observations) {
                all.extend_from_slice(rows);
            }
            running += loss;
            seen += 1;
            bar.inc(1);
            if seen % 50 == 0 {
                bar.set_message(format!("loss {:.4}", running / seen as f64));
            }
        }
        RunEvent::EpochEnd(record) => bar.suspend(|| eprintln!("{}", epoch_line(record))),
    };
    let result = run_classification(config, splits, &Device::Cpu, &mut observe)?;
    bar.finish_and_clear();
    if let Some(reason) = &result.diverged_reason {
        eprintln!("  diverged: {reason}");
    }
    write_json_atomic(&path, &result)?;
    Ok(result)
}

/// The result in `path`, if it exists, parses and was made with `config`.
fn reusable(path: &Path, config: &RunConfig) -> Option<RunResult> {
    let text = std::fs::read_to_string(path).ok()?;
    let previous: RunResult = serde_json::from_str(&text).ok()?;
    (&previous.config == config).then_some(previous)
}

fn fmt_opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{v:.digits$}"))
}

fn epoch_line(r: &EpochRecord) -> String {
    let mut line = format!(
        "  epoch {:>3}  train loss {} acc {:.4}  valid loss {} acc {:.4}  test acc {:.4}  \
         ({:.0} s)",
        r.epoch,
        fmt_opt(r.train_loss, 4),
        r.train_accuracy,
        fmt_opt(r.valid_loss, 4),
        r.valid_accuracy,
        r.test_accuracy,
        r.seconds
    );
    if let Some(posterior) = &r.posterior {
        let p: Vec<String> = posterior.iter().map(|p| format!("{p:.3}")).collect();
        line.push_str(&format!("\n            switch posterior [{}]", p.join(" ")));
    }
    line
}

fn write_summary(out: &Path, results: &[RunResult]) -> Result<(), AnyError> {
    let best_sgd = best_by_validation(results.iter().filter(|r| r.optimizer == "sgd"));
    let rows: Vec<SummaryRow<'_>> = results
        .iter()
        .map(|r| SummaryRow {
            optimizer: &r.optimizer,
            lr: r.lr,
            file: result_file(&r.config),
            best_epoch: r.best_epoch,
            valid_loss: r.valid_loss,
            test_loss: r.test_loss,
            test_accuracy: r.test_accuracy,
            diverged: r.diverged,
            selected_sgd: best_sgd.is_some_and(|b| std::ptr::eq(b, r)),
        })
        .collect();
    write_json_atomic(&out.join("summary.json"), &rows)?;
    Ok(())
}

fn print_summary_table(common: &CommonArgs, results: &[RunResult]) {
    println!();
    println!(
        "{} with {}, {} epochs, batch {}, seed {}{}",
        common.data,
        common.model,
        common.epochs,
        common.batch_size,
        common.seed,
        common
            .train_limit
            .map_or(String::new(), |n| format!(", first {n} training examples"))
    );
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>8}",
        "optimizer", "best lr", "valid loss", "test loss", "top-1"
    );
    let row = |name: &str, r: &RunResult| {
        let lr = match (r.optimizer.as_str(), r.lr) {
            ("alrao", _) => format!(
                "[{:.0e},{:.0e}]",
                r.eta_min.unwrap_or(0.0),
                r.eta_max.unwrap_or(0.0)
            ),
            (_, Some(lr)) => format!("{lr:.0e}"),
            _ => "-".into(),
        };
        println!(
            "{:<10} {:>10} {:>10} {:>10} {:>8}",
            name,
            lr,
            fmt_opt(r.valid_loss, 4),
            fmt_opt(r.test_loss, 4),
            r.test_accuracy
                .map_or("-".into(), |a| format!("{:.2}%", 100.0 * a))
        );
    };
    let sgd: Vec<&RunResult> = results.iter().filter(|r| r.optimizer == "sgd").collect();
    if let Some(best) = best_by_validation(sgd.iter().copied()) {
        row("SGD", best);
    } else if !sgd.is_empty() {
        println!("{:<10} every rate diverged", "SGD");
    }
    for r in results.iter().filter(|r| r.optimizer == "adam") {
        row("Adam", r);
    }
    for r in results.iter().filter(|r| r.optimizer == "alrao") {
        row("Alrao", r);
    }
    if sgd.len() > 1 {
        println!("\nSGD grid (best epoch by validation loss):");
        for r in sgd {
            let status = if r.diverged { " diverged" } else { "" };
            println!(
                "  lr {:>6}  valid loss {:>8}  test loss {:>8}  top-1 {:>7}{}",
                format!("{:.0e}", r.lr.unwrap_or(0.0)),
                fmt_opt(r.valid_loss, 4),
                fmt_opt(r.test_loss, 4),
                r.test_accuracy
                    .map_or("-".into(), |a| format!("{:.2}%", 100.0 * a)),
                status
            );
        }
    }
}
