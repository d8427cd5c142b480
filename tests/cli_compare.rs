//! The `alrao` command line, end to end, on a small learnable data set in the real file format
//! that the test writes itself.
#![cfg(feature = "cli")]

mod common;

use std::path::Path;

use common::{alrao, alrao_small, data_dir};

/// `alrao compare` on the small data set: a 16-unit tanh MLP, 2 epochs, SGD at 1e-1 and at
/// 1e38 (which must diverge), Adam, and Alrao with 4 copies.
fn compare(data: &Path, out: &Path) -> std::process::Output {
    alrao_small(
        "compare",
        data,
        &[
            "--grid",
            "1e-1,1e38",
            "--copies",
            "4",
            "--out",
            out.to_str().unwrap(),
        ],
    )
}

/// `alrao compare` runs the SGD grid, Adam and Alrao, records a diverging rate as diverged and
/// goes on, writes one result file per run and a summary with the documented fields, leaves no
/// temporary file behind, and prints the table.
#[test]
fn compare_writes_results_and_survives_a_diverging_rate() {
    let data = data_dir();
    let out = tempfile::tempdir().unwrap();
    let output = compare(data.path(), out.path());
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

    let alrao_run: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("alrao-seed1.json")).unwrap(),
    )
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
    let again = compare(data.path(), out.path());
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
