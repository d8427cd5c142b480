#!/usr/bin/env bash
# Installs, through apt-get (as root, or with sudo), the system packages alrao needs and the
# machine lacks: the tools of the data script (npm, pip, dpkg) and the font libraries the
# PNG plots of `alrao theorem1` render text with (fontconfig, FreeType, one font). Does
# nothing when all are present. Called by setup.sh and test.sh.
set -euo pipefail

missing=()
command -v npm >/dev/null || missing+=(npm)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
command -v dpkg >/dev/null || missing+=(dpkg)
command -v pkg-config >/dev/null || missing+=(pkg-config)
pkg-config --exists fontconfig 2>/dev/null || missing+=(libfontconfig1-dev)
pkg-config --exists freetype2 2>/dev/null || missing+=(libfreetype-dev)
fc-list 2>/dev/null | grep -q . || missing+=(fonts-dejavu-core)
if ((${#missing[@]})); then
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    echo "installing ${missing[*]} with apt-get"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}"
fi
