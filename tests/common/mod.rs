//! Helpers shared by the command-line tests: a small learnable image data set in the real
//! file format, and the program itself.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use alrao::data::idx::{write_idx_images, write_idx_labels, Encoding, IdxImages};

const SIDE: usize = 6;

/// Writes `n` images of class `label % 10`: a bright block whose position encodes the class,
/// on noise, so that a small MLP learns it within a couple of epochs.
pub fn write_split(dir: &Path, prefix: &str, n: usize, seed: u64) {
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

pub fn data_dir() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("fashion-mnist");
    std::fs::create_dir_all(&dir).unwrap();
    write_split(&dir, "train", 600, 1);
    write_split(&dir, "t10k", 200, 2);
    root
}

/// Runs the `alrao` program with `args`.
pub fn alrao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alrao"))
        .args(args)
        .output()
        .unwrap()
}

/// The settings every command-line test trains with: a 16-unit tanh MLP, 2 epochs, batches
/// of 16, 100 validation examples.
pub const SMALL_RUN: [&str; 8] = [
    "--model",
    "mlp:16",
    "--epochs",
    "2",
    "--batch-size",
    "16",
    "--n-valid",
    "100",
];

/// Runs `alrao <subcommand> --data-dir <data>` with [`SMALL_RUN`] and then `extra`.
pub fn alrao_small(subcommand: &str, data: &Path, extra: &[&str]) -> Output {
    let mut args = vec![subcommand, "--data-dir", data.to_str().unwrap()];
    args.extend_from_slice(&SMALL_RUN);
    args.extend_from_slice(extra);
    alrao(&args)
}
