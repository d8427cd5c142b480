#!/usr/bin/env bash
# alrao's test suite, as CI runs it (.ci/run calls this script).
#
# Installs the system packages it lacks (scripts/system-packages.sh: the data tools and the
# plots' font libraries) and fetches the real data (about 15 s; skipped when present) so that
# the tests on real files run, then checks formatting, lints, the documentation, that the
# averaging layer builds and passes its tests without candle (and the testbed builds without
# it), and runs every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/system-packages.sh
scripts/fetch-data.sh

cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings

# the averaging layer alone, and the testbed: no candle in their dependency trees
for features in "" testbed; do
    if cargo tree --no-default-features --features "$features" -e normal --prefix none \
        | grep -q '^candle'; then
        echo "error: alrao with only the features '$features' depends on candle" >&2
        exit 1
    fi
done
# the averaging layer's tests pass without candle
cargo test --no-default-features

RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
cargo test
