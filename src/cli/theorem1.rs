//! `alrao theorem1`: Theorem 1 of the paper on a real data set. Full-batch Alrao (logistic
//! regression copies, Bayesian model averaging or the switch) against the certified optimum
//! `L*`; prints the copies, `lambda`, `L*` with its certificate and the gap at a few step
//! counts, and writes the trajectory as CSV and as a PNG plot.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use alrao::averaging::{AveragingError, Method};
use alrao::data::{load_sklearn, SklearnDataSet};
use alrao::testbed::{
    descent_budget, FullBatchAlrao, LogisticProblem, Optimum, StepRecord, TestbedError,
    DEFAULT_CERTIFICATE,
};
use alrao::training::{copy_learning_rates, write_atomic};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

/// Arguments of `alrao theorem1`.
#[derive(Args)]
pub struct Theorem1Args {
    /// Data set: breast-cancer, iris, wine or digits (scikit-learn's, standardised).
    #[arg(long)]
    data: SklearnDataSet,
    /// Directory holding the data sets (as laid out by scripts/fetch-data.sh).
    #[arg(long, env = "ALRAO_DATA", default_value = "data")]
    data_dir: PathBuf,
    /// Ridge coefficient r of the penalty (r/2)|theta|^2 on every sample's loss; r > 0 makes
    /// the optimum exist and certifies it.
    #[arg(long, default_value_t = 1e-2, allow_hyphen_values = true)]
    ridge: f64,
    /// Lowest learning rate of the copies.
    #[arg(long, default_value_t = 1e-5, allow_hyphen_values = true)]
    eta_min: f64,
    /// Highest learning rate of the copies.
    #[arg(long, default_value_t = 10.0, allow_hyphen_values = true)]
    eta_max: f64,
    /// Number of copies, rates spread log-uniformly from eta-min to eta-max.
    #[arg(long, default_value_t = 10)]
    copies: usize,
    /// Full-batch gradient steps, from 1 to 1,000,000 (every step's record is held in memory
    /// until the end, when the trajectory is written).
    #[arg(long, default_value_t = 3000, value_parser = step_count, allow_hyphen_values = true)]
    steps: u64,
    /// Model averaging over the copies: bma (the theorem's) or switch.
    #[arg(long, value_enum, default_value_t = AverageName::Bma)]
    method: AverageName,
    /// The switch's theta, in [0, 1) (default 0.999); --method switch only.
    #[arg(long, allow_hyphen_values = true)]
    theta: Option<f64>,
    /// Directory for the report, the trajectory CSV and the plot; created if missing (before
    /// the run, so that a bad one fails at once), the files written at the end.
    #[arg(long, default_value = "runs/theorem1")]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum AverageName {
    /// Bayesian model averaging, as Theorem 1 assumes.
    Bma,
    /// The switch distribution.
    Switch,
}

type AnyError = Box<dyn std::error::Error>;

/// The switch's theta when `--theta` is not given: the paper's.
const DEFAULT_THETA: f64 = 0.999;

/// Runs `alrao theorem1`.
///
/// # Errors
///
/// Bad arguments (named), an `--out` that is not a directory or cannot be created, a missing
/// or malformed data file, Newton's method failing to certify `L*`, every copy diverging (the
/// mixture's likelihood becomes zero), and write errors. No file is written before the run
/// has finished (only `--out` is created, at the start), and every file is written to a
/// temporary name and renamed.
pub fn run(args: &Theorem1Args) -> Result<(), AnyError> {
    let rates = copy_learning_rates(args.eta_min, args.eta_max, args.copies)
        .map_err(|e| format!("--eta-min/--eta-max/--copies: {e}"))?;
    if !(args.ridge.is_finite() && args.ridge > 0.0) {
        return Err(format!("--ridge: must be finite and > 0, got {}", args.ridge).into());
    }
    let method = match (args.method, args.theta) {
        // refused rather than ignored without a word
        (AverageName::Bma, Some(_)) => {
            return Err("--theta: does not apply to --method bma".into());
        }
        (AverageName::Bma, None) => Method::Bma,
        (AverageName::Switch, theta) => {
            let theta = theta.unwrap_or(DEFAULT_THETA);
            if !(0.0..1.0).contains(&theta) {
                return Err(format!("--theta: must lie in [0, 1), got {theta}").into());
            }
            Method::Switch { theta }
        }
    };
    prepare_out(&args.out)?;
    let data = load_sklearn(args.data, &args.data_dir)?;
    let problem = LogisticProblem::from_tabular(&data, args.ridge)?;
    let lambda = problem.smoothness();
    let optimum = Optimum::newton(&problem, DEFAULT_CERTIFICATE)?;

    let mut alrao = FullBatchAlrao::new(&problem, &rates, method)?;
    let mut records = vec![alrao.record()];
    let bar = step_bar(args.steps);
    for _ in 0..args.steps {
        records.push(alrao.step().map_err(diverged)?);
        bar.inc(1);
    }
    bar.finish_and_clear();

    let report = report(args, &problem, lambda, &optimum, &rates, &records);
    // the files first: a reader that closes standard output early ends the program
    let stem = format!("{}-{}", args.data, method_name(args.method));
    let csv_path = args.out.join(format!("{stem}.csv"));
    write_atomic(&csv_path, trajectory_csv(&records, optimum.loss).as_bytes())?;
    let png_path = args.out.join(format!("{stem}.png"));
    plot(&png_path, args, &rates, &records, optimum.loss)?;
    write_atomic(&args.out.join(format!("{stem}.txt")), report.as_bytes())?;
    print!("{report}");
    println!(
        "wrote {}, {} and {}",
        csv_path.display(),
        png_path.display(),
        args.out.join(format!("{stem}.txt")).display()
    );
    Ok(())
}

/// The most `--steps`: the record of every step (each copy's loss and weight) is held in
/// memory until the trajectory is written at the end.
const MAX_STEPS: u64 = 1_000_000;

/// `--steps`: a whole number of steps, from 1 to [`MAX_STEPS`].
fn step_count(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if (1..=MAX_STEPS).contains(&n) => Ok(n),
        Ok(n) if n > MAX_STEPS => Err(format!(
            "at most {MAX_STEPS} steps (every step's record is held in memory until the \
             trajectory is written); got {n}"
        )),
        _ => Err(format!(
            "must be a whole number of steps, at least 1; got `{text}`"
        )),
    }
}

/// Creates `--out` if it is missing, so that a path that cannot hold the results fails
/// before the run rather than after it.
fn prepare_out(out: &Path) -> Result<(), AnyError> {
    if out.exists() && !out.is_dir() {
        return Err(format!("--out: {} is not a directory", out.display()).into());
    }
    std::fs::create_dir_all(out)
        .map_err(|e| format!("--out: cannot create {}: {e}", out.display()))?;
    Ok(())
}

/// A progress bar over the steps, on standard error (indicatif draws nothing when standard
/// error is not a terminal, so piped or captured output stays clean).
fn step_bar(steps: u64) -> ProgressBar {
    let bar = ProgressBar::new(steps);
    bar.set_style(
        ProgressStyle::with_template("  step [{bar:30}] {pos}/{len} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

/// A failed step as the user can act on it: the mixture's likelihood becomes zero only when
/// every copy has diverged (its loss infinite, or so large that its likelihood rounds to
/// zero), so that is said, with what to change; other errors pass through.
fn diverged(error: TestbedError) -> AnyError {
    match error {
        TestbedError::Averaging(AveragingError::ZeroMixtureLikelihood { step }) => format!(
            "every copy diverged by step {step}: each copy's loss became infinite (or so large \
             that its likelihood rounds to zero), leaving the average nothing to weigh; try a \
             lower --eta-min/--eta-max or a smaller --ridge (the Hessian bound lambda grows \
             with the ridge, and Theorem 1 needs a copy with eta <= 1/lambda)"
        )
        .into(),
        e => e.into(),
    }
}

/// `"1 copy"`, `"3 copies"`: `count` and the noun, singular for one.
fn counted(count: u64, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}

fn method_name(method: AverageName) -> &'static str {
    match method {
        AverageName::Bma => "bma",
        AverageName::Switch => "switch",
    }
}

/// The printed report: the problem, lambda, L*, the copies and the gap over time.
fn report(
    args: &Theorem1Args,
    problem: &LogisticProblem,
    lambda: f64,
    optimum: &Optimum,
    rates: &[f64],
    records: &[StepRecord],
) -> String {
    let mut out = String::new();
    let last = records.last().expect("the initial record");
    let link = match problem.link() {
        alrao::testbed::Link::Sigmoid => "sigmoid",
        alrao::testbed::Link::Softmax => "softmax",
    };
    let _ = writeln!(
        out,
        "{}: {} samples, {} features (standardised) + intercept, {} classes ({link}), ridge {:e}",
        args.data,
        problem.n_samples(),
        problem.n_inputs() - 1,
        problem.n_classes(),
        problem.ridge()
    );
    let _ = writeln!(
        out,
        "averaging: {}, {}, {} from zero",
        match args.method {
            AverageName::Bma => "BMA".to_string(),
            AverageName::Switch => {
                format!("switch (theta {})", args.theta.unwrap_or(DEFAULT_THETA))
            }
        },
        counted(rates.len() as u64, "copy", "copies"),
        counted(args.steps, "full-batch step", "full-batch steps")
    );
    let _ = writeln!(
        out,
        "lambda = {lambda:.6} (Hessian bound; 1/lambda = {:.4}), lambda_star = {:.6}, \
         mu_star = {:.6} (Hessian at the optimum)",
        1.0 / lambda,
        optimum.lambda_star,
        optimum.mu_star
    );
    let _ = writeln!(
        out,
        "L* = {:.12} (Newton, {} iterations; certificate L(theta^) - L* <= {:.1e})",
        optimum.loss, optimum.iterations, optimum.certificate
    );
    if let Some(j0) = rates.iter().rposition(|&eta| eta <= 1.0 / lambda) {
        let initial_gap = records[0].copy_losses[j0] - optimum.loss;
        let budget = descent_budget(initial_gap, 1e-3, rates[j0], problem.ridge());
        if budget == u64::MAX {
            // `descent_budget` saturates: eta * ridge is so small that the contraction per
            // step rounds to nothing and the count is infinite or past u64
            let _ = writeln!(
                out,
                "copy {j0} has eta <= 1/lambda, but the descent bound gives no finite step count \
                 for reaching 1e-3 of L* (its eta * ridge = {:.1e} is too small)",
                rates[j0] * problem.ridge()
            );
        } else {
            let beyond = if budget > args.steps {
                format!(
                    " (beyond this run's {}; the bound is pessimistic)",
                    counted(args.steps, "step", "steps")
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "copy {j0} has eta <= 1/lambda: the descent bound puts it within 1e-3 of L* by \
                 step {budget}{beyond}"
            );
        }
    } else {
        let _ = writeln!(out, "no copy has eta <= 1/lambda: Theorem 1 does not apply");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "copy       eta_j   eta_j*lambda   final L - L*   final weight"
    );
    for (j, eta) in rates.iter().enumerate() {
        let _ = writeln!(
            out,
            "{j:>4}  {eta:>10.3e}  {:>13.3e}  {:>13.3e}  {:>13.3e}",
            eta * lambda,
            last.copy_losses[j] - optimum.loss,
            last.posterior[j]
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "    step   L(Alrao) - L*   best copy L - L*");
    for record in records.iter().filter(|r| report_step(r.step, args.steps)) {
        let best = record
            .copy_losses
            .iter()
            .fold(f64::INFINITY, |m, &l| m.min(l));
        let _ = writeln!(
            out,
            "{:>8}  {:>14.3e}  {:>17.3e}",
            record.step,
            record.alrao_loss - optimum.loss,
            best - optimum.loss
        );
    }
    out
}

/// Steps shown in the table: 0, powers of ten, and the last.
fn report_step(step: u64, last: u64) -> bool {
    step == last
        || step == 0
        || (step.ilog10() > 0 || step == 1) && step == 10u64.pow(step.ilog10())
}

/// One row per step: the Alrao loss and gap, then each copy's loss and weight.
fn trajectory_csv(records: &[StepRecord], l_star: f64) -> String {
    let k = records[0].copy_losses.len();
    let mut out = String::from("step,alrao_loss,alrao_gap");
    for j in 0..k {
        let _ = write!(out, ",loss_{j}");
    }
    for j in 0..k {
        let _ = write!(out, ",weight_{j}");
    }
    out.push('\n');
    for r in records {
        // `{:e}`: the shortest form that reads back exactly, compact for tiny weights
        let _ = write!(
            out,
            "{},{:e},{:e}",
            r.step,
            r.alrao_loss,
            r.alrao_loss - l_star
        );
        for l in &r.copy_losses {
            let _ = write!(out, ",{l:e}");
        }
        for a in &r.posterior {
            let _ = write!(out, ",{a:e}");
        }
        out.push('\n');
    }
    out
}

/// Up to this many copies, each has a colour far from the others and a legend entry of its
/// own; beyond, the copies are shaded along a gradient by index and the legend names the first
/// and the last (a legend line per copy would run off the image, and colours would repeat).
const DISTINCT_COPIES: usize = 12;

/// Ten colours far apart (the usual qualitative "category 10" set), then hues around the
/// circle for copies 10 and 11.
fn distinct_color(j: usize) -> RGBColor {
    const TEN: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    match TEN.get(j) {
        Some(&(r, g, b)) => RGBColor(r, g, b),
        None => {
            let (r, g, b) = HSLColor((j as f64 * 0.618_034) % 1.0, 0.8, 0.45).rgb();
            RGBColor(r, g, b)
        }
    }
}

/// Viridis (matplotlib's perceptually uniform colour map, dark purple through teal to
/// yellow, plotters' `ViridisRGB`) at `t` in `[0, 1]`. Only the map's first 90% is used, so
/// that the lightest colour still shows on white.
fn viridis(t: f64) -> RGBColor {
    ViridisRGB::get_color(0.9 * t.clamp(0.0, 1.0))
}

/// The colour of copy `j` of `k`: one of [`distinct_color`]'s for up to [`DISTINCT_COPIES`]
/// copies, else [`viridis`] at `j / (k - 1)`, dark for the lowest rate, light for the highest.
fn copy_color(j: usize, k: usize) -> RGBColor {
    if k <= DISTINCT_COPIES {
        distinct_color(j)
    } else {
        viridis(j as f64 / (k - 1) as f64)
    }
}

/// The gap `L - L*` against the step, log-log, for Alrao and every copy, as PNG, drawn
/// within `[1e-15, 100 gap_0]` (a diverging copy runs along the top, and leaves the plot
/// once its loss is infinite). Up to [`DISTINCT_COPIES`] copies, each has its own colour and
/// legend entry; with more, they are shaded by index ([`copy_color`]) and the legend shows
/// Alrao, the first copy, the ones between (as one entry) and the last. Drawn to a temporary
/// file, then renamed.
fn plot(
    path: &Path,
    args: &Theorem1Args,
    rates: &[f64],
    records: &[StepRecord],
    l_star: f64,
) -> Result<(), AnyError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = path.with_extension("tmp.png");
    // gaps below 1e-15 are rounding: drawn at the floor; a diverging copy is drawn at the
    // ceiling, 100 times the common starting gap, so that the axis stays readable and finite
    // (a log axis up to 1e300 or beyond shows nothing and its range overflows)
    let floor = 1e-15;
    let ceiling = (100.0 * (records[0].alrao_loss - l_star)).max(1.0);
    let gap = |loss: f64| (loss - l_star).clamp(floor, ceiling);
    let top = records
        .iter()
        .flat_map(|r| r.copy_losses.iter().chain([&r.alrao_loss]))
        .filter(|l| l.is_finite())
        .map(|&l| gap(l))
        .fold(floor, f64::max)
        * 2.0;
    {
        let root = BitMapBackend::new(&temporary, (1000, 700)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "{}: L - L* against full-batch steps ({}; drawn within [1e-15, {:.0e}])",
                    args.data,
                    method_name(args.method),
                    ceiling
                ),
                ("sans-serif", 24),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(
                // at least 1..2, so that a one-step run has an axis
                (1u64..(records.len() as u64).max(2)).log_scale(),
                (floor..top).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("L - L* (nats)")
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()?;
        // a one-step run has one point per line, which a line alone does not show: mark it
        let (marker, alrao_marker) = if records.len() == 2 { (5, 8) } else { (0, 0) };
        // Alrao first and thick, so that the copy it follows shows on top of it
        chart
            .draw_series(
                LineSeries::new(
                    records[1..].iter().map(|r| (r.step, gap(r.alrao_loss))),
                    BLACK.stroke_width(5),
                )
                .point_size(alrao_marker),
            )?
            .label("Alrao")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(5)));
        let k = rates.len();
        for (j, eta) in rates.iter().enumerate() {
            let color = copy_color(j, k);
            let series = chart.draw_series(
                LineSeries::new(
                    records[1..]
                        .iter()
                        .filter(|r| r.copy_losses[j].is_finite())
                        .map(|r| (r.step, gap(r.copy_losses[j]))),
                    color.stroke_width(2),
                )
                .point_size(marker),
            )?;
            let line = move |(x, y): (i32, i32)| {
                PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
            };
            if k <= DISTINCT_COPIES {
                series
                    .label(format!("copy {j}, eta {eta:.1e}"))
                    .legend(line);
            } else if j == 0 {
                series
                    .label(format!("copy 0, eta {eta:.1e} (darkest)"))
                    .legend(line);
            } else if j == k - 1 {
                series
                    .label(format!("copy {j}, eta {eta:.1e} (lightest)"))
                    .legend(line);
            } else if j == 1 {
                // one entry for the copies between, its line shaded as they are
                let (dark, middle, light) =
                    (copy_color(1, k), copy_color(k / 2, k), copy_color(k - 2, k));
                series
                    .label(format!(
                        "copies 1..{}, eta {:.1e} to {:.1e}, shaded by index",
                        k - 2,
                        rates[1],
                        rates[k - 2]
                    ))
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new([(0, 0), (7, 0)], dark.stroke_width(2))
                            + PathElement::new([(7, 0), (14, 0)], middle.stroke_width(2))
                            + PathElement::new([(14, 0), (20, 0)], light.stroke_width(2))
                    });
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerLeft)
            .label_font(("sans-serif", 15))
            .draw()?;
        root.present()?;
    }
    std::fs::rename(&temporary, path)?;
    Ok(())
}
