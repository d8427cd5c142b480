//! `alrao theorem1` end to end on the real iris data (fetched by `scripts/fetch-data.sh`):
//! the report, the trajectory CSV and the PNG are written whole, the Alrao gap falls below
//! the theorem's 1e-3, and bad arguments are refused by name without touching earlier
//! results.
#![cfg(feature = "cli")]

mod common;

use std::path::PathBuf;

use alrao::data::{data_dir, FETCH_HINT};
use common::alrao;
use plotters::style::colors::colormaps::ViridisRGB;
use plotters::style::RGBColor;

fn real_data_dir() -> PathBuf {
    let root = data_dir();
    assert!(
        root.join("sklearn").is_dir(),
        "{} is absent: this test runs on the real iris data; {FETCH_HINT}",
        root.join("sklearn").display()
    );
    root
}

/// Runs `alrao theorem1` on the real data with `args` after `theorem1`.
fn theorem1(args: &[&str]) -> std::process::Output {
    let data = real_data_dir();
    let mut all = vec!["theorem1", "--data-dir", data.to_str().unwrap()];
    all.extend_from_slice(args);
    alrao(&all)
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// 300 BMA steps on iris: the report names lambda, L* with its certificate and every copy;
/// the CSV has a header and one row per step 0..=300 with the Alrao gap last below 1e-3
/// and every weight row summing to one; the PNG is a PNG; no temporary file is left; nothing
/// is written to standard error (the progress bar is not drawn off a terminal).
#[test]
fn iris_run_writes_report_trajectory_and_plot() {
    let out = tempfile::tempdir().unwrap();
    let o = theorem1(&[
        "--data",
        "iris",
        "--steps",
        "300",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // the progress bar draws only on a terminal: captured standard error stays empty
    assert!(o.stderr.is_empty(), "standard error: {}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "iris: 150 samples, 4 features",
        "lambda = ",
        "L* = ",
        "certificate",
    ] {
        assert!(
            stdout.contains(needle),
            "report lacks `{needle}`:\n{stdout}"
        );
    }
    let table_rows = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(char::is_numeric))
        .count();
    assert!(table_rows >= 10 + 4, "{table_rows} numeric rows:\n{stdout}");
    let report = std::fs::read_to_string(out.path().join("iris-bma.txt")).unwrap();
    assert!(
        stdout.starts_with(&report),
        "the .txt file is the printed report"
    );

    let csv = std::fs::read_to_string(out.path().join("iris-bma.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..3], ["step", "alrao_loss", "alrao_gap"]);
    assert_eq!(header.len(), 3 + 2 * 10);
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 301);
    for (t, row) in rows.iter().enumerate() {
        assert_eq!(row[0], t as f64);
        let weights: f64 = row[13..].iter().sum();
        assert!(
            (weights - 1.0).abs() < 1e-12,
            "weights sum to {weights} at step {t}"
        );
    }
    let last_gap = rows[300][2];
    assert!(last_gap < 1e-3, "Alrao gap {last_gap} after 300 steps");

    let png = std::fs::read(out.path().join("iris-bma.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("tmp")), "{names:?}");
}

/// Copies that diverge (rates up to 1e6 on wine, where the largest reach losses near the
/// top of f64 and then infinity) do not stop the run: it finishes, reports the infinite
/// loss, and writes a PNG (the plot is drawn within a finite range; an unbounded log axis
/// once hung here).
#[test]
fn diverging_copies_are_reported_and_plotted() {
    let out = tempfile::tempdir().unwrap();
    let o = theorem1(&[
        "--data",
        "wine",
        "--eta-max",
        "1e6",
        "--steps",
        "50",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("9 ") && l.contains("inf")),
        "copy 9 (eta 1e6) should be reported with an infinite loss:\n{stdout}"
    );
    let png = std::fs::read(out.path().join("wine-bma.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

/// A reader that closes standard output before the report (`alrao theorem1 ... | head`)
/// ends the program quietly, not with a panic, and the files are already written: they
/// come before the report.
#[test]
fn closed_standard_output_ends_quietly_after_the_files() {
    let data = real_data_dir();
    let out = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alrao"))
        .args(["theorem1", "--data", "iris", "--steps", "20", "--data-dir"])
        .arg(&data)
        .arg("--out")
        .arg(out.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(o.status.code(), Some(101), "{err}");
    for name in ["iris-bma.csv", "iris-bma.png", "iris-bma.txt"] {
        assert!(out.path().join(name).is_file(), "{name} was not written");
    }
}

/// Bad arguments are errors that name the argument (or the file), and results already in
/// the output directory are left as they were.
#[test]
fn bad_arguments_are_named_and_nothing_is_overwritten() {
    let data = real_data_dir();
    let out = tempfile::tempdir().unwrap();
    let kept = out.path().join("iris-bma.csv");
    std::fs::write(&kept, "precious\n").unwrap();
    let base = |extra: &[&str]| {
        let mut args = vec!["theorem1", "--data-dir", data.to_str().unwrap()];
        args.extend_from_slice(&["--out", out.path().to_str().unwrap()]);
        args.extend_from_slice(extra);
        alrao(&args)
    };
    let cases: [(&[&str], &[&str]); 10] = [
        (&["--data", "iris", "--ridge", "0"], &["--ridge", "> 0"]),
        (
            &["--data", "iris", "--ridge", "-1"],
            &["--ridge", "> 0", "-1"],
        ),
        (
            &["--data", "iris", "--eta-min", "1", "--eta-max", "0.1"],
            &["--eta-min"],
        ),
        (
            &["--data", "iris", "--eta-min", "-1e-3"],
            &["--eta-min", "positive"],
        ),
        (
            &["--data", "mnist"],
            &["mnist", "breast-cancer, iris, wine, digits"],
        ),
        (
            &["--data", "iris", "--method", "switch", "--theta", "1"],
            &["--theta", "[0, 1)"],
        ),
        (
            &["--data", "iris", "--steps", "0"],
            &["--steps", "at least 1"],
        ),
        (
            &["--data", "iris", "--steps", "-5"],
            &["--steps", "at least 1", "-5"],
        ),
        (
            &["--data", "iris", "--theta", "0.9"],
            &["--theta", "does not apply to --method bma"],
        ),
        (
            &["--data", "iris", "--steps", "1000001"],
            &[
                "--steps",
                "at most 1000000 steps",
                "held in memory",
                "1000001",
            ],
        ),
    ];
    for (args, needles) in cases {
        let o = base(args);
        assert!(!o.status.success(), "{args:?} was accepted");
        let err = stderr(&o);
        for needle in needles {
            assert!(err.contains(needle), "{args:?}: `{needle}` not in {err}");
        }
    }
    let empty = tempfile::tempdir().unwrap();
    let o = alrao(&[
        "theorem1",
        "--data",
        "iris",
        "--data-dir",
        empty.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("iris.csv") && err.contains("fetch-data"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "precious\n");
}

/// `--out` is checked before the run: a file there is refused by name, a directory that
/// cannot be created is named, and a missing one is created.
#[test]
fn out_is_checked_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "precious\n").unwrap();
    // an empty data directory: the --out check comes first, before the data are read
    let no_data = tempfile::tempdir().unwrap();
    let o = alrao(&[
        "theorem1",
        "--data",
        "iris",
        "--data-dir",
        no_data.path().to_str().unwrap(),
        "--out",
        file.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(&format!("--out: {} is not a directory", file.display())),
        "{err}"
    );
    let under_file = file.join("sub");
    let o = theorem1(&["--data", "iris", "--out", under_file.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(&format!("--out: cannot create {}", under_file.display())),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious\n");

    let fresh = dir.path().join("new").join("nested");
    let o = theorem1(&[
        "--data",
        "iris",
        "--steps",
        "5",
        "--out",
        fresh.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in ["iris-bma.csv", "iris-bma.png", "iris-bma.txt"] {
        assert!(fresh.join(name).is_file(), "{name} was not written");
    }
}

/// With a ridge so large that every copy diverges, the run stops with an error that says so
/// and what to change, not with the averaging layer's "likelihood zero".
#[test]
fn every_copy_diverging_is_explained() {
    let out = tempfile::tempdir().unwrap();
    let o = theorem1(&[
        "--data",
        "iris",
        "--ridge",
        "1e6",
        "--steps",
        "300",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert!(
        !o.status.success(),
        "accepted:\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
    for needle in [
        "every copy diverged by step ",
        "--eta-min/--eta-max",
        "--ridge",
    ] {
        assert!(err.contains(needle), "`{needle}` not in {err}");
    }
    assert!(!err.contains("likelihood zero"), "{err}");
}

/// Rates so small that the descent bound's step count saturates: the report says the bound
/// gives no finite step count instead of printing u64::MAX.
#[test]
fn a_saturated_descent_bound_is_not_printed_as_a_step() {
    let out = tempfile::tempdir().unwrap();
    let o = theorem1(&[
        "--data",
        "iris",
        "--eta-min",
        "1e-300",
        "--eta-max",
        "1e300",
        "--steps",
        "10",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(!stdout.contains(&u64::MAX.to_string()), "{stdout}");
    assert!(stdout.contains("no finite step count"), "{stdout}");
}

/// One copy and one step: the report says "1 copy" and "1 full-batch step", and the plot
/// (one point per line) is still drawn.
#[test]
fn one_copy_one_step_reads_in_the_singular_and_plots() {
    let out = tempfile::tempdir().unwrap();
    let o = theorem1(&[
        "--data",
        "iris",
        "--copies",
        "1",
        "--eta-min",
        "0.5",
        "--steps",
        "1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("BMA, 1 copy, 1 full-batch step from zero"),
        "{stdout}"
    );
    let (width, height, _) = decode_png(&std::fs::read(out.path().join("iris-bma.png")).unwrap());
    assert_eq!((width, height), (1000, 700));
}

/// Up to 12 copies keep their distinct colours (copy 0 in the category-10 blue); with 50 the
/// copies are shaded from viridis's dark purple (copy 0) to its light end (copy 49), and the
/// category colours are gone.
#[test]
fn many_copies_are_shaded_along_a_gradient() {
    const CATEGORY_BLUE: [u8; 3] = [31, 119, 180];
    let viridis = |t: f64| {
        let RGBColor(r, g, b) = ViridisRGB::get_color(t);
        [r, g, b]
    };
    let viridis_dark = viridis(0.0);
    // where the copies' ramp ends
    let viridis_light = viridis(0.9);
    for (copies, present, absent) in [
        ("12", CATEGORY_BLUE, viridis_dark),
        ("50", viridis_dark, CATEGORY_BLUE),
        ("50", viridis_light, CATEGORY_BLUE),
    ] {
        let out = tempfile::tempdir().unwrap();
        let o = theorem1(&[
            "--data",
            "iris",
            "--copies",
            copies,
            "--steps",
            "30",
            "--out",
            out.path().to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let (_, _, pixels) = decode_png(&std::fs::read(out.path().join("iris-bma.png")).unwrap());
        let count = |colour: [u8; 3]| pixels.iter().filter(|&&p| p == colour).count();
        assert!(count(present) > 20, "{copies} copies: {present:?} missing");
        assert_eq!(count(absent), 0, "{copies} copies: {absent:?} drawn");
    }
}

/// Width, height and RGB pixels of a PNG as plotters writes it (8-bit RGB).
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buffer).expect("one frame");
    assert_eq!(frame.color_type, png::ColorType::Rgb, "plotters writes RGB");
    let pixels = buffer[..frame.buffer_size()]
        .chunks_exact(3)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (frame.width as usize, frame.height as usize, pixels)
}
