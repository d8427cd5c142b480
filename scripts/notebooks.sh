#!/usr/bin/env bash
# Execute every notebook in notebooks/ headless with the evcxr Rust kernel, keeping the
# executed outputs (plots included) in the notebook; exit non-zero if any cell fails.
#
# Installs what is missing, idempotently: the kernel (`cargo install --locked evcxr_jupyter`,
# about 6 minutes on 2 cores; without --locked it fails to compile) and its kernel spec
# (`evcxr_jupyter --install`), and Jupyter's headless runner from PyPI (nbconvert, nbclient,
# jupyter_client). Each notebook is executed into a temporary directory and moved into place
# only when every cell succeeded, so a failed run keeps the saved outputs.
#
#   scripts/notebooks.sh                      # all notebooks
#   scripts/notebooks.sh notebooks/x.ipynb    # some
#   NOTEBOOK_CELL_TIMEOUT=3600 scripts/notebooks.sh
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
CELL_TIMEOUT=${NOTEBOOK_CELL_TIMEOUT:-1800}   # seconds; the first cell compiles alrao
export PATH="$HOME/.cargo/bin:$PATH"

if ! "$PYTHON" -c 'import nbconvert, nbclient, jupyter_client' 2>/dev/null; then
    echo "== installing Jupyter (nbconvert, nbclient, jupyter_client) from PyPI"
    "$PYTHON" -m pip install --quiet nbconvert nbclient jupyter_client
fi

if ! command -v evcxr_jupyter >/dev/null; then
    echo "== installing the evcxr Rust kernel (cargo install --locked evcxr_jupyter)"
    cargo install --locked evcxr_jupyter
fi

has_rust_kernel() {
    "$PYTHON" - <<'PY' 2>/dev/null
import os, sys
from jupyter_client.kernelspec import KernelSpecManager
spec = KernelSpecManager().get_kernel_spec("rust")
sys.exit(0 if os.access(spec.argv[0], os.X_OK) else 1)
PY
}
if ! has_rust_kernel; then
    echo "== registering the Rust kernel (evcxr_jupyter --install)"
    evcxr_jupyter --install
fi

if [ "$#" -gt 0 ]; then
    notebooks=("$@")
else
    shopt -s nullglob
    notebooks=(notebooks/*.ipynb)
fi
if [ "${#notebooks[@]}" -eq 0 ]; then
    echo "no notebooks found" >&2
    exit 1
fi

# evcxr answers a cell that panics with status "ok" (the panic message goes to stderr and the
# next cells run), so nbconvert does not see it: look for panics in the executed outputs.
no_panics() {
    "$PYTHON" - "$1" <<'PY'
import json, sys
cells = json.load(open(sys.argv[1], encoding="utf-8"))["cells"]
bad = 0
for number, cell in enumerate(cells, 1):
    for output in cell.get("outputs", []):
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else text
        if output.get("output_type") == "error" or (
            output.get("name") == "stderr" and "panicked at" in text
        ):
            print(f"cell {number} failed: {text.strip() or output.get('evalue', '')}", file=sys.stderr)
            bad += 1
sys.exit(1 if bad else 0)
PY
}

failed=()
for notebook in "${notebooks[@]}"; do
    echo "== executing $notebook"
    out=$(mktemp -d)
    start=$SECONDS
    # The kernel runs in the notebook's directory, so `:dep alrao = { path = ".." }` is
    # this checkout.
    if "$PYTHON" -m nbconvert --to notebook --execute \
        --ExecutePreprocessor.timeout="$CELL_TIMEOUT" \
        --ExecutePreprocessor.record_timing=False \
        --output-dir "$out" "$notebook" &&
        no_panics "$out/$(basename "$notebook")"; then
        mv "$out/$(basename "$notebook")" "$notebook"
        echo "== $notebook: ok in $((SECONDS - start)) s"
    else
        echo "== $notebook: FAILED after $((SECONDS - start)) s (saved outputs kept)" >&2
        failed+=("$notebook")
    fi
    rm -rf "$out"
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
echo "all ${#notebooks[@]} notebook(s) executed"
