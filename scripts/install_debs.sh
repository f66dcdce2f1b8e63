#!/usr/bin/env bash
# Install the Debian packages the spoken-digits and charlm recipes read their data from:
#
#   espeak-ng   the speech synthesiser that speaks the digits (rnnkit/apps/spoken_digits.py)
#   bible-kjv   the King James Bible and its `bible` reader (rnnkit/apps/charlm.py)
#
#   bash scripts/install_debs.sh [PACKAGE ...]     # default: espeak-ng bible-kjv
#
# Idempotent: a package already installed is left alone, and with all of them present the script does nothing.
# As root it runs apt-get itself, otherwise through sudo. `apt-get update` runs only when an install fails
# (a fresh machine may have no package index yet), then the install is tried once more.
set -euo pipefail

packages=("$@")
(( ${#packages[@]} )) || packages=(espeak-ng bible-kjv)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if (( ${#missing[@]} == 0 )); then
    echo "install_debs: ${packages[*]} already installed, nothing to do"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_debs: apt-get not found; this script needs a Debian/Ubuntu system. Elsewhere, install" \
         "${missing[*]} with the system's package manager." >&2
    exit 1
fi
if [[ "$(id -u)" == 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install_debs: installing ${missing[*]} needs root, and sudo is not available; as root run:" \
         "apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "install_debs: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get install -y -q "${missing[@]}"; then
    "${as_root[@]}" apt-get update -q
    if ! "${as_root[@]}" apt-get install -y -q "${missing[@]}"; then
        echo "install_debs: 'apt-get install ${missing[*]}' failed; is the network up and the package index" \
             "current ('sudo apt-get update')?" >&2
        exit 1
    fi
fi
echo "install_debs: installed ${missing[*]}"
