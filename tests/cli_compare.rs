//! The `alrao` command line, end to end, on a small learnable data set in the real file format
//! that the test writes itself.
#![cfg(feature = "cli")]

use std::path::Path;
use std::process::Command;

use alrao::data::idx::{write_idx_images, write_idx_labels, Encoding, IdxImages};

const SIDE: usize = 6;

/// Writes `n` images of class `label % 10`: a bright block whose position encodes the class,
/// on noise, so that a small MLP learns it within a couple of epochs.
fn write_split(dir: &Path, prefix: &str, n: usize, seed: u64) {
    let mut state = seed;
    let mut noise = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % 60) as u8
    };
    let mut pixels = Vec::with_capacity(n * SIDE * SIDE);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let label = (i * 7 + 3) % 10;
        labels.push(label as u8);
        for p in 0..SIDE * SIDE {
            let lit = p % 10 == label || (p + 3) % 10 == label;
            pixels.push(if lit { 200 + noise() / 2 } else { noise() });
        }
    }
    let images = IdxImages {
        n,
        rows: SIDE,
        cols: SIDE,
        pixels,
    };
    write_idx_images(
        &dir.join(format!("{prefix}-images-idx3-ubyte.gz")),
        &images,
        Encoding::Gzip,
    )
    .unwrap();
    write_idx_labels(
        &dir.join(format!("{prefix}-labels-idx1-ubyte")),
        &labels,
        Encoding::Raw,
    )
    .unwrap();
}

fn data_dir() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("fashion-mnist");
    std::fs::create_dir_all(&dir).unwrap();
    write_split(&dir, "train", 600, 1);
    write_split(&dir, "t10k", 200, 2);
    root
}

fn alrao(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_alrao"))
        .args(args)
        .output()
        .unwrap()
}

/// `alrao compare` runs the SGD grid, Adam and Alrao, records a diverging rate as diverged and
/// goes on, writes one result file per run and a summary with the documented fields, leaves no
/// temporary file behind, and prints the table.
#[test]
fn compare_writes_results_and_survives_a_diverging_rate() {
    let data = data_dir();
    let out = tempfile::tempdir().unwrap();
    let output = alrao(&[
        "compare",
        "--data-dir",
        data.path().to_str().unwrap(),
        "--model",
        "mlp:16",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--n-valid",
        "100",
        "--grid",
        "1e-1,1e38",
        "--copies",
        "4",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("Alrao") && stdout.contains("Adam") && stdout.contains("SGD"));

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap())
            .unwrap();
    let rows = summary.as_array().unwrap();
    assert_eq!(rows.len(), 4, "two SGD rates, Adam, Alrao");
    for row in rows {
        for field in [
            "optimizer",
            "lr",
            "valid_loss",
            "test_loss",
            "test_accuracy",
            "diverged",
        ] {
            assert!(
                row.get(field).is_some(),
                "summary row lacks `{field}`: {row}"
            );
        }
    }
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["optimizer"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sgd", "sgd", "adam", "alrao"]);
    assert_eq!(rows[1]["lr"].as_f64(), Some(1e38));
    assert_eq!(
        rows[1]["diverged"], true,
        "lr 1e38 must diverge: {}",
        rows[1]
    );
    assert_eq!(rows[0]["diverged"], false);
    let acc = rows[3]["test_accuracy"].as_f64().unwrap();
    assert!(
        acc > 0.5,
        "Alrao should learn the synthetic task, got {acc}"
    );

    let alrao_run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("alrao.json")).unwrap())
            .unwrap();
    let epochs = alrao_run["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 2);
    for e in epochs {
        let posterior: Vec<f64> = e["posterior"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_f64().unwrap())
            .collect();
        assert_eq!(posterior.len(), 4);
        assert!((posterior.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
    assert_eq!(alrao_run["theta"].as_f64(), Some(0.999));
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // a second invocation resumes: every run is reused, nothing is retrained
    let again = alrao(&[
        "compare",
        "--data-dir",
        data.path().to_str().unwrap(),
        "--model",
        "mlp:16",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--n-valid",
        "100",
        "--grid",
        "1e-1,1e38",
        "--copies",
        "4",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(again.status.success());
    assert_eq!(
        String::from_utf8_lossy(&again.stderr)
            .matches("reusing")
            .count(),
        4
    );
}

/// A missing data set is an error that names the missing file and says how to fetch it.
#[test]
fn missing_data_names_the_file() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = alrao(&[
        "train",
        "--data-dir",
        empty.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("train-images-idx3-ubyte"), "{stderr}");
    assert!(stderr.contains("fetch-data.sh"), "{stderr}");
}

/// An interval with eta_min above eta_max is rejected with both values named.
#[test]
fn inverted_interval_is_rejected() {
    let data = data_dir();
    let out = tempfile::tempdir().unwrap();
    let output = alrao(&[
        "train",
        "--data-dir",
        data.path().to_str().unwrap(),
        "--n-valid",
        "100",
        "--eta-min",
        "1",
        "--eta-max",
        "0.1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("eta_max") && stderr.contains("0.1"),
        "{stderr}"
    );
}
