#!/usr/bin/env bash
# Fetch OpenCV's sample surveillance video vtest.avi (768x576, 10 fps, 795 frames; people walking in a hall)
# for the surveillance recipe (rnnkit/apps/surveillance.py).
#
#   bash scripts/fetch_vtest.sh [DIR]        # writes DIR/vtest.avi (default DIR: data)
#
# The video ships in the Debian package opencv-doc (about 96 MB), so it comes through the package registry:
# `apt-get download` (no root needed), then the one file is extracted from the .deb. Idempotent: does nothing
# if DIR/vtest.avi exists. Atomic: the file appears under its name only once complete.
set -euo pipefail

dest_dir="${1:-data}"
dest="$dest_dir/vtest.avi"
member="./usr/share/doc/opencv-doc/examples/data/vtest.avi"

if [[ -s "$dest" ]]; then
    echo "fetch_vtest: $dest already present, nothing to do"
    exit 0
fi
for tool in apt-get dpkg-deb tar; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fetch_vtest: '$tool' not found; this script needs a Debian/Ubuntu system (apt-get, dpkg-deb)." >&2
        echo "fetch_vtest: elsewhere, put vtest.avi (from OpenCV's samples/data) at $dest or set RNNKIT_VTEST." >&2
        exit 1
    fi
done

mkdir -p "$dest_dir"
work="$(mktemp -d)"
chmod 755 "$work"  # apt-get downloads as the _apt user where it can: let it write here
partial="$(mktemp "$dest_dir/.vtest.avi.XXXXXX")"
trap 'rm -rf "$work"; rm -f "$partial"' EXIT

echo "fetch_vtest: downloading opencv-doc with apt-get (about 96 MB)"
if ! (cd "$work" && apt-get download -q opencv-doc); then
    # a fresh machine may have no package index yet: read it once (as root), then try again
    if [[ "$(id -u)" == 0 ]]; then
        apt-get update -q
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -q
    fi
    if ! (cd "$work" && apt-get download -q opencv-doc); then
        echo "fetch_vtest: 'apt-get download opencv-doc' failed; is the network up and the package index" >&2
        echo "fetch_vtest: current ('sudo apt-get update')?" >&2
        exit 1
    fi
fi
deb=("$work"/opencv-doc_*.deb)
dpkg-deb --fsys-tarfile "${deb[0]}" | tar -x -O "$member" > "$partial"
if [[ ! -s "$partial" ]]; then
    echo "fetch_vtest: $member missing or empty in ${deb[0]##*/}" >&2
    exit 1
fi
chmod 644 "$partial"
mv -f "$partial" "$dest"
echo "fetch_vtest: wrote $dest ($(du -h "$dest" | cut -f1))"
